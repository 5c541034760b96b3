# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for an S3 bucket policy: parse the policy given, compare it with the bucket's in
IAM's canonical form (statement order, single values and lists, principals compared as IAM does).
Nothing here calls an API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class BucketPolicyError(MeridianError):
    """A bucket policy that cannot be applied; ``field`` names the option."""


def parse_policy(policy, field="policy"):
    """A policy document (dict) from a dict or a JSON text; refuses anything without statements."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as err:
            raise BucketPolicyError(field, "is not valid JSON: %s" % err)
    if not isinstance(policy, dict) or not policy.get("Statement"):
        raise BucketPolicyError(field, "expected a policy document with a Statement, got %r" % (policy,))
    return policy


def bucket_policy_plan(current, desired, state="present"):
    """What to do with a bucket's policy.

    ``current`` is the bucket's policy (dict) or None; ``desired`` the policy wanted (dict, ignored
    when ``state`` is absent). Returns ``action`` (put, delete or none) and ``before`` / ``after``.
    """
    if state == "absent":
        return {"action": "delete" if current else "none", "changed": bool(current),
                "before": current or {}, "after": {}}
    if current and not compare_policies(current, desired):
        return {"action": "none", "changed": False, "before": current, "after": current}
    return {"action": "put", "changed": True, "before": current or {}, "after": desired}
