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


# Outside the VPCs: GetResources' ResourceTagMappingList (what carries the estate's tags).
BUCKET = {"ResourceARN": "arn:aws:s3:::meridian-local-assets-us-east-1", "Tags": _tags()}
REPLICA = {"ResourceARN": "arn:aws:s3:::meridian-local-assets-eu-west-1", "Tags": _tags()}
STRAY_BUCKET = {"ResourceARN": "arn:aws:s3:::meridian-local-scratch", "Tags": _tags(Name="scratch")}
LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/meridian-local/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/meridian-local-api/73e2d6bc24d8a067"
OLD_TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/meridian-local-old/0123456789abcdef"
MAPPINGS = [
    BUCKET, REPLICA, STRAY_BUCKET,
    {"ResourceARN": "arn:aws:s3:::someone-elses", "Tags": [{"Key": "meridian:env", "Value": "local"}]},
    {"ResourceARN": LB_ARN, "Tags": _tags(Name="meridian-local")},
    {"ResourceARN": TG_ARN, "Tags": _tags()},
    {"ResourceARN": OLD_TG_ARN, "Tags": _tags()},
    {"ResourceARN": "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL", "Tags": _tags()},
    {"ResourceARN": "arn:aws:cloudfront::123456789012:distribution/EOLD", "Tags": _tags()},
    # a kind the scan does not judge
    {"ResourceARN": "arn:aws:sns:us-east-1:123456789012:meridian-local-alerts", "Tags": _tags()},
]
REGIONS = {"meridian-local-assets-us-east-1": "us-east-1", "meridian-local-assets-eu-west-1": "eu-west-1",
           "meridian-local-scratch": "us-east-1", "someone-elses": "us-east-1"}
DECLARED = {"bucket": ["meridian-local-assets-us-east-1"], "load_balancer": [LB_ARN],
            "target_group": ["meridian-local-api"], "distribution": ["E2QWRUHAPOMQZL"]}


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:s3:::b1", ("bucket", "b1", "b1")),
    (LB_ARN, ("load_balancer", LB_ARN, "meridian-local")),
    (TG_ARN, ("target_group", TG_ARN, "meridian-local-api")),
    ("arn:aws:cloudfront::123456789012:distribution/E1", ("distribution", "E1", "")),
    ("arn:aws:s3:::b1/key", None),
    ("arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2", None),
    ("arn:aws:sns:us-east-1:1:topic", None),
])
def test_arn_resource(arn, expected):
    found = estate_scan.arn_resource(arn)
    assert (found and (found["kind"], found["id"], found["name"])) == (expected if expected else None)


def test_arn_resource_refuses_what_is_no_arn():
    with pytest.raises(TeardownError) as err:
        estate_scan.arn_resource("meridian-local-assets")
    assert err.value.field == "ResourceARN"


@pytest.mark.parametrize("location, region", [
    ({"LocationConstraint": None}, "us-east-1"), ({"LocationConstraint": ""}, "us-east-1"),
    ({"LocationConstraint": "EU"}, "eu-west-1"), ({"LocationConstraint": "eu-west-1"}, "eu-west-1"),
    ("ap-southeast-2", "ap-southeast-2"),
])
def test_bucket_region(location, region):
    assert estate_scan.bucket_region(location) == region


def test_converged_estate_has_nothing_unmanaged_outside_the_vpcs():
    converged = [m for m in MAPPINGS if m not in (STRAY_BUCKET,) and "old" not in m["ResourceARN"].lower()]
    assert estate_scan.tagged_unmanaged("us-east-1", TAGS, converged, DECLARED, REGIONS) == []


def test_undeclared_resources_with_the_estate_tags():
    found = estate_scan.tagged_unmanaged("us-east-1", TAGS, MAPPINGS, DECLARED, REGIONS)
    assert [(f["kind"], f["id"], f["name"]) for f in found] == [
        ("bucket", "meridian-local-scratch", "scratch"),
        ("distribution", "EOLD", ""),
        ("target_group", OLD_TG_ARN, "meridian-local-old"),
    ]
    assert all(f["region"] == "us-east-1" and f["vpc_id"] == "" for f in found)
    assert "declares no such bucket in us-east-1" in found[0]["reason"]


def test_a_bucket_is_judged_in_its_own_region():
    # the replica's bucket of eu-west-1 is listed by GetResources in us-east-1 too (moto lists every bucket)
    eu = estate_scan.tagged_unmanaged("eu-west-1", TAGS, [BUCKET, REPLICA], {"bucket": []}, REGIONS)
    assert [f["id"] for f in eu] == ["meridian-local-assets-eu-west-1"]
    # without its region (not read), a bucket is judged where it was found
    assert [f["id"] for f in estate_scan.tagged_unmanaged("eu-west-1", TAGS, [STRAY_BUCKET], {"bucket": []})] \
        == ["meridian-local-scratch"]


def test_only_the_declared_kinds_are_judged():
    found = estate_scan.tagged_unmanaged("us-east-1", TAGS, MAPPINGS, {"target_group": [TG_ARN]}, REGIONS)
    assert [f["kind"] for f in found] == ["target_group"]
    assert estate_scan.tagged_unmanaged("us-east-1", TAGS, MAPPINGS, {}, REGIONS) == []


def test_a_load_balancer_is_declared_by_name_or_arn():
    lb = [m for m in MAPPINGS if m["ResourceARN"] == LB_ARN]
    assert estate_scan.tagged_unmanaged("us-east-1", TAGS, lb, {"load_balancer": ["meridian-local"]}) == []
    assert [f["name"] for f in estate_scan.tagged_unmanaged("us-east-1", TAGS, lb, {"load_balancer": ["other"]})] \
        == ["meridian-local"]


@pytest.mark.parametrize("tags, declared, field", [
    ({}, {"bucket": []}, "tags"),
    (TAGS, ["bucket"], "declared"),
])
def test_tagged_bad_input(tags, declared, field):
    with pytest.raises(TeardownError) as err:
        estate_scan.tagged_unmanaged("r", tags, MAPPINGS, declared)
    assert err.value.field == field
