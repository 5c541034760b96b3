# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for address plans and the region catalog (known regions, zone counts), used by role preflights."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    find_overlaps,
    subnet_layout,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import find_region
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import known_regions as known_catalog_regions
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors

_RECORD_KEYS = ("provider", "code", "key", "name", "city", "country", "jurisdiction", "az_count", "partition", "opt_in")


@filter_errors(field="named_cidrs", shape=(KeyError, TypeError), expected="{name: cidr} or a list of {name, cidr}")
def cidr_overlaps(named_cidrs, field=None):
    """Overlapping pairs among {name: cidr} (None values skipped) or [{name, cidr}]."""
    if isinstance(named_cidrs, dict):
        named_cidrs = [{"name": k, "cidr": v} for k, v in sorted(named_cidrs.items()) if v]
    return find_overlaps(named_cidrs, field)


@filter_errors(field="new_prefix")
def subnet_plan(vpc_cidr, zones, new_prefix=20, public=None, private=None):
    return subnet_layout(vpc_cidr, zones, int(new_prefix), public or None, private or None)


@filter_errors()
def known_regions(provider):
    """Every region code of ``provider`` (aws, gcp) in the collection's region catalog (no API call)."""
    return known_catalog_regions(provider)


@filter_errors()
def catalog_region(region, provider, field="meridian_region"):
    """The catalog record of ``region`` of ``provider``: code, name, country, az_count, ..."""
    known_catalog_regions(provider)
    record = find_region("%s/%s" % (provider, region), field)
    return dict((k, v) for k, v in record.items() if k in _RECORD_KEYS)


class FilterModule(object):
    def filters(self):
        return {
            "cidr_overlaps": cidr_overlaps,
            "subnet_plan": subnet_plan,
            "known_regions": known_regions,
            "catalog_region": catalog_region,
        }
