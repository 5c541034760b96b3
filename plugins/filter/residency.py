# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data-residency checks for role preflights (storage replication), over the packaged policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.stack import (
    bucket_plan,
    replication_violations,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import find_region
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors()
def bucket_layout(buckets, prefix, region, failover_region=None):
    """The inventory's buckets validated and named for one region (see module_utils/aws_stack)."""
    return bucket_plan(buckets, prefix, region, failover_region)


@filter_errors(field="buckets", shape=(KeyError,), expected="a bucket_layout result")
def residency_violations(buckets, region, failover_region, overrides=None, provider="aws"):
    """Replications in ``buckets`` (a bucket_layout result) that leave their data class's boundary.

    ``overrides`` are the inventory's residency overrides (jurisdiction -> data class -> locations),
    the same shape region_select accepts. Returns a list of violations; empty means allowed.
    """
    classes = sorted(set(b["data_class"] for b in buckets if b.get("replicate")))
    if not classes:
        return []
    policy = ResidencyPolicy(overrides=overrides or None, data_classes=classes)
    source = find_region("%s/%s" % (provider, region), "meridian_region")
    target = find_region("%s/%s" % (provider, failover_region), "meridian_failover_region")
    return replication_violations(buckets, source["country"], target["country"], policy)


class FilterModule(object):
    def filters(self):
        return {
            "bucket_layout": bucket_layout,
            "residency_violations": residency_violations,
        }
