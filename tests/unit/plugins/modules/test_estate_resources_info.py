# -*- coding: utf-8 -*-
"""estate_resources_info against a moto_server of its own: it finds the untagged instance and changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.modules import estate_resources_info  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_aws_module  # noqa: E402

REGION = "eu-west-1"
TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "test"}


@pytest.fixture(scope="module")
def ec2(moto_url):
    return boto3.client("ec2", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def estate(ec2):
    tags = [{"Key": k, "Value": v} for k, v in TAGS.items()]
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.0.0/20",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}])["Subnet"]["SubnetId"]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]["InstanceId"]
    return {"vpc": vpc, "subnet": subnet, "instance": instance}


def _snapshot(ec2, vpc):
    in_vpc = [{"Name": "vpc-id", "Values": [vpc]}]
    return (ec2.describe_subnets(Filters=in_vpc)["Subnets"], ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"],
            [i["InstanceId"] for r in ec2.describe_instances(Filters=in_vpc)["Reservations"] for i in r["Instances"]])


def test_finds_the_untagged_instance_and_changes_nothing(moto_url, ec2, estate):
    before = _snapshot(ec2, estate["vpc"])
    result = run_aws_module(estate_resources_info, moto_url, REGION,
                            {"tags": TAGS, "declared": {"vpc": [estate["vpc"]], "subnet": [estate["subnet"]]},
                             "declared_autoscaling_groups": []}, check=True).result
    assert result["changed"] is False
    assert result["vpcs"] == [estate["vpc"]]
    assert [(u["kind"], u["id"]) for u in result["unmanaged"]] == [("instance", estate["instance"])]
    assert "without the estate's tags" in result["unmanaged"][0]["reason"]
    assert result["scanned"]["instances"] == 1
    assert _snapshot(ec2, estate["vpc"]) == before


def test_an_undeclared_subnet_of_the_estate(moto_url, estate):
    result = run_aws_module(estate_resources_info, moto_url, REGION,
                            {"tags": TAGS, "vpc_ids": [estate["vpc"]], "declared": {"subnet": []}}).result
    assert ("subnet", estate["subnet"]) in [(u["kind"], u["id"]) for u in result["unmanaged"]]


@pytest.mark.parametrize("args, field", [
    ({"tags": {}}, "tags"),
    ({"tags": TAGS, "declared": {"bucket": []}}, "declared"),
    ({"tags": TAGS, "declared": {"subnet": "subnet-1"}}, "declared"),
])
def test_options_are_checked_before_any_call(args, field):
    # an endpoint nothing listens on: a call would fail with a connection error, not this one
    result = run_aws_module(estate_resources_info, "http://127.0.0.1:9", REGION, args)
    assert isinstance(result, ModuleFail) and result.result["field"] == field
