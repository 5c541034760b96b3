# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.network import FilterModule

FILTERS = FilterModule().filters()


def test_cidr_overlaps_accepts_a_host_to_cidr_dict_and_skips_unset():
    result = FILTERS["cidr_overlaps"]({"aws-us-east-1": "10.10.0.0/16", "aws-eu-west-1": "10.10.0.0/16", "gcp-x": None})
    assert [(o["a"], o["b"]) for o in result] == [("aws-eu-west-1", "aws-us-east-1")]


def test_known_regions_come_from_the_region_catalog_per_provider():
    assert "aws_known_regions" not in FILTERS
    aws = FILTERS["known_regions"]("aws")
    assert "eu-west-1" in aws and "us-east-1" in aws
    assert "eu-wset-1" not in aws and "europe-west1" not in aws
    gcp = FILTERS["known_regions"]("gcp")
    assert "europe-west1" in gcp and "eu-west-1" not in gcp


def test_known_regions_of_an_unknown_provider_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="known_regions: meridian_provider: unknown provider 'azure'"):
        FILTERS["known_regions"]("azure")


@pytest.mark.parametrize("region,provider,zones", [("us-east-1", "aws", 6), ("eu-west-1", "aws", 3), ("us-central1", "gcp", 4)])
def test_catalog_region_gives_the_zone_count(region, provider, zones):
    record = FILTERS["catalog_region"](region, provider)
    assert record["az_count"] == zones
    assert record["code"] == region and record["provider"] == provider


def test_catalog_region_of_an_unknown_region_names_the_variable():
    with pytest.raises(AnsibleFilterError, match="catalog_region: meridian_region: unknown region"):
        FILTERS["catalog_region"]("eu-wset-1", "aws")


def test_subnet_plan_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="outside network_vpc_cidr"):
        FILTERS["subnet_plan"]("10.0.0.0/16", ["a"], 20, ["10.1.0.0/20"], [])
