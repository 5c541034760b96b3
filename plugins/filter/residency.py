# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data-residency checks for role preflights (bucket replication, database replicas), over the packaged policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.storage import bucket_plan
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import copy_violations
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors()
def bucket_layout(buckets, prefix, region, failover_region=None):
    """The inventory's buckets validated and named for one region (see module_utils/aws/storage.py)."""
    return bucket_plan(buckets, prefix, region, failover_region)


@filter_errors(field="copies", shape=(KeyError, TypeError), expected="a bucket_layout result or a list of {name, data_class}")
def residency_violations(copies, region, failover_region, overrides=None, provider="aws"):
    """Cross-region copies of data in ``copies`` that would leave their data class's boundary.

    ``copies`` are the buckets of a bucket_layout result (those with ``replicate``) or any list of
    ``{name, data_class, field}`` (a database's read replica, for instance); an item whose
    ``replicate`` is false is not copied and not judged. ``overrides`` are the inventory's residency
    overrides (jurisdiction -> data class -> locations), the same shape region_select accepts.
    Returns a list of violations (regions.residency.copy_violations); empty means allowed.
    """
    if not isinstance(copies, (list, tuple)):
        raise TypeError("expected a list of buckets or {name, data_class}, got %r" % (copies,))
    judged = [c for c in copies if not isinstance(c, dict) or c.get("replicate", True)]
    return copy_violations(judged, region, failover_region, overrides, provider)


class FilterModule(object):
    def filters(self):
        return {
            "bucket_layout": bucket_layout,
            "residency_violations": residency_violations,
        }
