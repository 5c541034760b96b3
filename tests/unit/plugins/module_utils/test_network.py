# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    NetworkPlanError,
    find_overlaps,
    subnet_layout,
)


def test_find_overlaps_reports_each_pair_once():
    overlaps = find_overlaps([
        {"name": "us-east-1", "cidr": "10.10.0.0/16"},
        {"name": "eu-west-1", "cidr": "10.10.128.0/17"},
        {"name": "ap-south-1", "cidr": "10.30.0.0/16"},
    ])
    assert overlaps == [{"a": "us-east-1", "a_cidr": "10.10.0.0/16", "b": "eu-west-1", "b_cidr": "10.10.128.0/17"}]


def test_find_overlaps_none_for_disjoint_blocks():
    assert find_overlaps([{"name": "a", "cidr": "10.0.0.0/16"}, {"name": "b", "cidr": "10.1.0.0/16"}]) == []


def test_find_overlaps_names_the_bad_field():
    with pytest.raises(NetworkPlanError, match="eu-west-1"):
        find_overlaps([{"name": "eu-west-1", "cidr": "10.0.0.1/16"}])


def test_layout_public_first_then_private_per_zone():
    layout = subnet_layout("10.10.0.0/16", ["us-east-1a", "us-east-1b"], 20)
    assert [(s["tier"], s["az"], s["cidr"]) for s in layout] == [
        ("public", "us-east-1a", "10.10.0.0/20"),
        ("public", "us-east-1b", "10.10.16.0/20"),
        ("private", "us-east-1a", "10.10.32.0/20"),
        ("private", "us-east-1b", "10.10.48.0/20"),
    ]


def test_layout_explicit_lists_win():
    layout = subnet_layout("10.10.0.0/16", ["a", "b"], 24, public=["10.10.1.0/24", "10.10.2.0/24"],
                           private=["10.10.101.0/24", "10.10.102.0/24"])
    assert [s["cidr"] for s in layout] == ["10.10.1.0/24", "10.10.2.0/24", "10.10.101.0/24", "10.10.102.0/24"]


@pytest.mark.parametrize("kwargs, message", [
    ({"public": ["10.10.0.0/20", "10.10.8.0/24"]}, "subnet CIDRs overlap"),
    ({"public": ["10.11.0.0/20", "10.10.16.0/20"]}, r"network_public_subnet_cidrs\[0\]: 10.11.0.0/20 is outside"),
    ({"private": ["10.10.64.0/20"]}, "network_private_subnet_cidrs: 1 CIDRs given for 2"),
    ({"public": ["10.10.0.0/33", "10.10.16.0/20"]}, r"network_public_subnet_cidrs\[0\]"),
])
def test_layout_rejects_bad_plans_naming_the_field(kwargs, message):
    with pytest.raises(NetworkPlanError, match=message):
        subnet_layout("10.10.0.0/16", ["a", "b"], 20, **kwargs)


def test_layout_rejects_vpc_too_small():
    with pytest.raises(NetworkPlanError, match="fewer than 6 /26 subnets"):
        subnet_layout("10.10.0.0/25", ["a", "b", "c"], 26)


def test_layout_rejects_prefix_not_inside_vpc():
    with pytest.raises(NetworkPlanError, match="network_subnet_prefix"):
        subnet_layout("10.10.0.0/16", ["a"], 16)


def test_find_overlaps_names_the_variable_when_given():
    with pytest.raises(NetworkPlanError, match=r"network_vpc_cidr \(aws-us-east-1\): '10.0.0.0/33'"):
        find_overlaps([{"name": "aws-us-east-1", "cidr": "10.0.0.0/33"}], "network_vpc_cidr")
