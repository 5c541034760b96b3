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


def test_known_regions_come_from_botocore_data():
    regions = FILTERS["aws_known_regions"]([])
    assert "eu-west-1" in regions and "us-east-1" in regions
    assert "eu-wset-1" not in regions


def test_subnet_plan_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="outside network_vpc_cidr"):
        FILTERS["subnet_plan"]("10.0.0.0/16", ["a"], 20, ["10.1.0.0/20"], [])
