# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for address plans and the region catalog (known regions, zone counts), used by role preflights."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    NetworkPlanError,
    find_overlaps,
    subnet_layout,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import (
    RegionSelectionError,
    find_region,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import known_regions as known_catalog_regions

_RECORD_KEYS = ("provider", "code", "key", "name", "city", "country", "jurisdiction", "az_count", "partition", "opt_in")


def cidr_overlaps(named_cidrs, field=None):
    """Overlapping pairs among {name: cidr} (None values skipped) or [{name, cidr}]."""
    if isinstance(named_cidrs, dict):
        named_cidrs = [{"name": k, "cidr": v} for k, v in sorted(named_cidrs.items()) if v]
    try:
        return find_overlaps(named_cidrs, field)
    except (NetworkPlanError, KeyError, TypeError) as err:
        raise AnsibleFilterError("cidr_overlaps: %s" % err)


def subnet_plan(vpc_cidr, zones, new_prefix=20, public=None, private=None):
    try:
        return subnet_layout(vpc_cidr, zones, int(new_prefix), public or None, private or None)
    except NetworkPlanError as err:
        raise AnsibleFilterError(str(err))


def known_regions(provider):
    """Every region code of ``provider`` (aws, gcp) in the collection's region catalog (no API call)."""
    try:
        return known_catalog_regions(provider)
    except RegionSelectionError as err:
        raise AnsibleFilterError("known_regions: %s" % err)


def catalog_region(region, provider, field="meridian_region"):
    """The catalog record of ``region`` of ``provider``: code, name, country, az_count, ..."""
    try:
        known_catalog_regions(provider)
        record = find_region("%s/%s" % (provider, region), field)
    except RegionSelectionError as err:
        raise AnsibleFilterError("catalog_region: %s" % err)
    return dict((k, v) for k, v in record.items() if k in _RECORD_KEYS)


class FilterModule(object):
    def filters(self):
        return {
            "cidr_overlaps": cidr_overlaps,
            "subnet_plan": subnet_plan,
            "known_regions": known_regions,
            "catalog_region": catalog_region,
        }
