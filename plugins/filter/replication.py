# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bucket replication helpers for the storage role: the replication role's policy, the check of the KMS keys per region."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.s3_replication import kms_key_errors as _key_errors
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.s3_replication import replication_role_policy as _policy
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors()
def replication_role_policy(prefix, account, keys_by_region, owner_override=False):
    """The replication role's policy (see module_utils/aws/s3_replication.py)."""
    return _policy(prefix, account, keys_by_region or {}, owner_override)


@filter_errors()
def kms_key_errors(keys_by_region):
    """What is wrong with a region -> KMS key ARN mapping (see module_utils/aws/s3_replication.py)."""
    return _key_errors(keys_by_region)


class FilterModule(object):
    def filters(self):
        return {
            "kms_key_errors": kms_key_errors,
            "replication_role_policy": replication_role_policy,
        }
