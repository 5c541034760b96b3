# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.edge import FilterModule

EDGE = FilterModule().filters()


def test_the_edge_filters_are_registered_under_their_names():
    assert sorted(EDGE) == ["edge_residency_map"]


def test_the_map_from_host_variables():
    hosts = [{"meridian_region": "eu-west-1", "meridian_provider": "aws", "network_vpc_cidr": "10.20.0.0/16"},
             {"meridian_region": "us-east-1", "meridian_provider": "aws"}]
    mapping = EDGE["edge_residency_map"](hosts, {}, ["pii"], origins={"eu-west-1": "a.example", "us-east-1": "b.example"})
    assert mapping["pii:DE"] == "eu-west-1" and mapping["pii:US"] == "us-east-1"
    assert mapping["origin:eu-west-1"] == "a.example"


@pytest.mark.parametrize("regions,args,match", [
    ([], (), r"^edge_residency_map: regions: expected a non-empty list"),
    (["eu-west-1"], ({"EU": {"pii": "nowhere"}},), r"^edge_residency_map: residency.EU.pii: a residency rule is a list"),
    (["eu-west-1"], ({}, ["nope"]), r"^edge_residency_map: data_classes\[0\]: no residency rule"),
])
def test_errors_name_the_filter_and_the_field(regions, args, match):
    with pytest.raises(AnsibleFilterError, match=match):
        EDGE["edge_residency_map"](regions, *args)
