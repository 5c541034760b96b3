# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage role's gcp side: tags as Cloud Storage labels, the buckets as gcs_bucket's options, the
estate's buckets among those read back (pure code in module_utils/gce/storage_plan.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import storage_plan
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors()
def gcp_labels(tags, field="storage_tags"):
    """Tags as Cloud Storage labels (``meridian:env`` -> ``meridian-env``, lowercase, ``[a-z0-9_-]``)."""
    return storage_plan.gcp_labels(tags, field)


@filter_errors(field="buckets", shape=(KeyError, TypeError, AttributeError), expected="a bucket_layout result")
def gcs_bucket_plan(buckets, region, failover_region=None, tags=None, cross_continent="fail"):
    """gcs_bucket's options per bucket of a bucket_layout result, with an ``error`` for what cannot be built."""
    return storage_plan.gcs_bucket_plan(buckets, region, failover_region, tags, cross_continent)


@filter_errors(field="results", shape=(AttributeError, TypeError), expected="gcs_bucket results")
def gcs_owned(results, tags):
    """Names of the buckets read back that exist and carry every label of the estate's tags."""
    return storage_plan.gcs_owned(results, tags)


class FilterModule(object):
    def filters(self):
        return {
            "gcp_labels": gcp_labels,
            "gcs_bucket_plan": gcs_bucket_plan,
            "gcs_owned": gcs_owned,
        }
