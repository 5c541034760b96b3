# -*- coding: utf-8 -*-
"""Teardown's filters: ownership by the estate's tags only, security group order, VPC leftovers."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.teardown import FilterModule

FILTERS = FilterModule().filters()
TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "staging"}
VPC = "vpc-0a1"


def _sub(ident, tags=None, vpc=VPC, cidr="10.20.0.0/20"):
    return {"id": ident, "subnet_id": ident, "vpc_id": vpc, "cidr_block": cidr, "tags": tags or {}}


def test_owned_needs_every_tag_with_the_same_value_whatever_the_name_or_cidr():
    ours = _sub("subnet-1", dict(TAGS, Name="meridian-staging-public-a"))
    named_like_ours = _sub("subnet-2", {"Name": "meridian-staging-public-a"})
    other_env = _sub("subnet-3", dict(TAGS, **{"meridian:env": "prod"}))
    half = _sub("subnet-4", {"meridian:managed-by": "meridian.global_infra"})
    kept = FILTERS["estate_owned"]([ours, named_like_ours, other_env, half], TAGS)
    assert [s["id"] for s in kept] == ["subnet-1"]


@pytest.mark.parametrize("resource", [
    {"tag_set": TAGS},                                              # ec2_eni_info
    {"bucket_tagging": TAGS},                                       # s3_bucket_info
    {"Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]},    # boto3
    {"Tags": dict(TAGS)},                                           # cloudfront_distribution_info summary
    {"tags": {}, "tag_list": [{"key": k, "value": v} for k, v in TAGS.items()]},  # rds_snapshot_info on moto
])
def test_owned_reads_every_tag_shape(resource):
    assert FILTERS["estate_owned"]([resource], TAGS) == [resource]


def test_owned_refuses_empty_tags_rather_than_matching_everything():
    with pytest.raises(AnsibleFilterError, match="estate_owned: meridian_tags: .*non-empty dict"):
        FILTERS["estate_owned"]([_sub("subnet-1")], {})


def test_owned_of_a_bad_input_names_it():
    with pytest.raises(AnsibleFilterError, match="estate_owned: _input: must be a list of resources"):
        FILTERS["estate_owned"](["subnet-1"], TAGS)


def test_security_groups_go_db_app_alb_then_others():
    groups = [{"group_name": n, "tags": dict(TAGS, **({"meridian:tier": t} if t else {}))}
              for n, t in [("x-alb", "alb"), ("x-extra", ""), ("x-app", "app"), ("x-db", "db")]]
    assert [g["group_name"] for g in FILTERS["security_group_order"](groups)] == ["x-db", "x-app", "x-alb", "x-extra"]


def test_an_emptied_vpc_has_no_leftovers():
    left = FILTERS["vpc_leftovers"](
        VPC, subnets=[], tags=TAGS,
        security_groups=[{"group_id": "sg-d", "group_name": "default", "vpc_id": VPC, "tags": {}}],
        route_tables=[{"id": "rtb-main", "vpc_id": VPC, "associations": [{"main": True}], "tags": {}}],
        nat_gateways=[{"nat_gateway_id": "nat-1", "vpc_id": VPC, "state": "deleted", "tags": TAGS}],
        vpc_endpoints=[{"vpc_endpoint_id": "vpce-1", "vpc_id": VPC, "state": "deleting"}],
        internet_gateways=[{"internet_gateway_id": "igw-9", "attachments": [{"vpc_id": "vpc-other"}]}])
    assert left == []


def test_foreign_leftovers_come_first_and_say_whose_they_are():
    left = FILTERS["vpc_leftovers"](
        VPC, tags=TAGS,
        subnets=[_sub("subnet-f", {"Name": "meridian-staging-private-x"}), _sub("subnet-o", TAGS)],
        security_groups=[{"group_id": "sg-f", "group_name": "audit", "vpc_id": VPC,
                          "tags": {"meridian:managed-by": "meridian.global_infra", "meridian:env": "audit"}}],
        network_interfaces=[{"id": "eni-1", "vpc_id": VPC, "subnet_id": "subnet-o", "requester_managed": True,
                             "description": "ELB app/x", "tag_set": {}},
                            {"id": "eni-gone", "vpc_id": VPC, "subnet_id": "subnet-deleted", "description": "x"}],
        internet_gateways=[{"internet_gateway_id": "igw-1", "attachments": [{"vpc_id": VPC}], "tags": TAGS}])
    assert [(e["kind"], e["id"], e["estate"]) for e in left] == [
        ("network_interface", "eni-1", False), ("security_group", "sg-f", False), ("subnet", "subnet-f", False),
        ("internet_gateway", "igw-1", True), ("subnet", "subnet-o", True)]
    lines = FILTERS["describe_leftovers"](left)
    assert lines[2] == ("subnet subnet-f (meridian-staging-private-x) 10.20.0.0/20: not the estate's (without all of its tags)")
    assert lines[3] == "internet_gateway igw-1: of the estate, not removed"
    assert "requester-managed: ELB app/x" in lines[0]


def test_leftovers_of_other_vpcs_are_ignored_and_a_vpc_id_is_required():
    assert FILTERS["vpc_leftovers"](VPC, subnets=[_sub("subnet-x", vpc="vpc-other")]) == []
    with pytest.raises(AnsibleFilterError, match="vpc_leftovers: vpc_id: empty"):
        FILTERS["vpc_leftovers"]("", subnets=[])
