# -*- coding: utf-8 -*-
"""module_utils/aws/estate_scan.py: what is in the estate's VPCs, or carries its tags, and is not declared."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import estate_scan
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.teardown import TeardownError

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}
ESTATE = [{"Key": k, "Value": v} for k, v in TAGS.items()]


def _tags(**extra):
    return ESTATE + [{"Key": k.replace("__", ":"), "Value": v} for k, v in extra.items()]


VPC = {"VpcId": "vpc-1", "Tags": _tags(Name="meridian-local")}
CONTENTS = {"vpc-1": {
    "subnets": [{"SubnetId": "subnet-a", "VpcId": "vpc-1", "Tags": _tags(Name="public-a")},
                {"SubnetId": "subnet-b", "VpcId": "vpc-1", "Tags": _tags(Name="private-a")}],
    "security_groups": [{"GroupId": "sg-default", "GroupName": "default", "VpcId": "vpc-1"},
                        {"GroupId": "sg-app", "GroupName": "meridian-local-app", "VpcId": "vpc-1", "Tags": _tags()},
                        {"GroupId": "sg-x", "GroupName": "debug", "VpcId": "vpc-1"}],
    "route_tables": [{"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]},
                     {"RouteTableId": "rtb-pub", "VpcId": "vpc-1", "Associations": [], "Tags": _tags()}],
    "network_interfaces": [
        {"NetworkInterfaceId": "eni-nat", "VpcId": "vpc-1", "SubnetId": "subnet-a", "RequesterManaged": True, "Status": "in-use"},
        {"NetworkInterfaceId": "eni-i", "VpcId": "vpc-1", "SubnetId": "subnet-b", "Status": "in-use"},
        {"NetworkInterfaceId": "eni-free", "VpcId": "vpc-1", "SubnetId": "subnet-b", "Status": "available"},
        # a NAT gateway's interface as moto 5.2.5 shows it: available, not requester-managed, named by the gateway
        {"NetworkInterfaceId": "eni-nat2", "VpcId": "vpc-1", "SubnetId": "subnet-a", "Status": "available"}],
    "internet_gateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1"}], "Tags": _tags()}],
    "nat_gateways": [{"NatGatewayId": "nat-1", "VpcId": "vpc-1", "State": "available", "Tags": _tags(),
                      "NatGatewayAddresses": [{"NetworkInterfaceId": "eni-nat2"}]}],
    "vpc_endpoints": [],
    "instances": [
        {"InstanceId": "i-asg", "VpcId": "vpc-1", "State": {"Name": "running"},
         "Tags": _tags(aws__autoscaling__groupName="meridian-local-api")},
        {"InstanceId": "i-bare", "VpcId": "vpc-1", "State": {"Name": "running"}, "Tags": [{"Key": "Name", "Value": "debug"}]},
        {"InstanceId": "i-gone", "VpcId": "vpc-1", "State": {"Name": "terminated"}},
        {"InstanceId": "i-stray", "VpcId": "vpc-1", "State": {"Name": "running"}, "Tags": _tags()}],
}}


def test_converged_estate_has_nothing_unmanaged():
    contents = {"vpc-1": dict(CONTENTS["vpc-1"], instances=CONTENTS["vpc-1"]["instances"][:1],
                              security_groups=CONTENTS["vpc-1"]["security_groups"][:2],
                              network_interfaces=CONTENTS["vpc-1"]["network_interfaces"][:2]
                              + CONTENTS["vpc-1"]["network_interfaces"][3:])}
    assert estate_scan.unmanaged("us-east-1", TAGS, [VPC], contents, {"vpc": ["vpc-1"]}, ["meridian-local-api"]) == []


def test_foreign_and_undeclared_resources():
    found = estate_scan.unmanaged("us-east-1", TAGS, [VPC], CONTENTS,
                                  {"vpc": ["vpc-1"], "subnet": ["subnet-a"], "security_group": ["sg-app"]},
                                  ["meridian-local-api"])
    by_id = dict((f["id"], f) for f in found)
    assert sorted(by_id) == ["eni-free", "i-bare", "i-stray", "sg-x", "subnet-b"]
    assert "without the estate's tags" in by_id["i-bare"]["reason"] and by_id["i-bare"]["name"] == "debug"
    assert "not launched by a declared Auto Scaling group" in by_id["i-stray"]["reason"]
    assert "declares no such subnet" in by_id["subnet-b"]["reason"]
    assert all(f["region"] == "us-east-1" and f["vpc_id"] == "vpc-1" for f in found)


def test_instances_with_tags_are_not_judged_without_declared_groups():
    found = estate_scan.unmanaged("us-east-1", TAGS, [VPC], CONTENTS)
    assert sorted(f["id"] for f in found) == ["eni-free", "i-bare", "sg-x"]


def test_an_undeclared_vpc_of_the_estate():
    other = {"VpcId": "vpc-2", "Tags": _tags(Name="old")}
    found = estate_scan.unmanaged("eu-west-1", TAGS, [VPC, other], {"vpc-1": {}}, {"vpc": ["vpc-1"]})
    assert [(f["kind"], f["id"], f["name"]) for f in found] == [("vpc", "vpc-2", "old")]


@pytest.mark.parametrize("tags, declared, field", [
    ({}, None, "tags"),
    (TAGS, ["vpc-1"], "declared"),
])
def test_bad_input(tags, declared, field):
    with pytest.raises(TeardownError) as err:
        estate_scan.unmanaged("r", tags, [VPC], CONTENTS, declared)
    assert err.value.field == field


def test_scanned_counts():
    assert estate_scan.scanned("r", [VPC], CONTENTS)["instances"] == 4
