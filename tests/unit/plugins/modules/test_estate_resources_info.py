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
    ({"tags": TAGS, "declared": {"queue": []}}, "declared"),
    ({"tags": TAGS, "declared": {"subnet": "subnet-1"}}, "declared"),
])
def test_options_are_checked_before_any_call(args, field):
    # an endpoint nothing listens on: a call would fail with a connection error, not this one
    result = run_aws_module(estate_resources_info, "http://127.0.0.1:9", REGION, args)
    assert isinstance(result, ModuleFail) and result.result["field"] == field


@pytest.fixture(scope="module")
def tagged(moto_url, ec2, estate):
    """Buckets, a load balancer, target groups and a distribution with the estate's tags, outside the VPC scan."""
    tags = [{"Key": k, "Value": v} for k, v in TAGS.items()]

    def client(service, region=REGION):
        return boto3.client(service, region_name=region, endpoint_url=moto_url, aws_access_key_id="testing",
                            aws_secret_access_key="testing")
    s3 = client("s3")
    for bucket, region in (("meridian-test-assets-eu-west-1", REGION), ("meridian-test-scratch", REGION),
                           ("meridian-test-assets-us-east-1", "us-east-1")):
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client("s3", region).create_bucket(Bucket=bucket, **extra)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    second = ec2.create_subnet(VpcId=estate["vpc"], CidrBlock="10.77.16.0/20", AvailabilityZone=REGION + "b")["Subnet"]["SubnetId"]
    elb = client("elbv2")
    lb = elb.create_load_balancer(Name="meridian-test", Subnets=[estate["subnet"], second], Tags=tags)["LoadBalancers"][0]
    groups = dict((name, elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=estate["vpc"], Tags=tags)
                   ["TargetGroups"][0]["TargetGroupArn"]) for name in ("meridian-test-api", "meridian-test-old"))
    distribution = client("cloudfront", "us-east-1").create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": {
            "CallerReference": "meridian-test", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.com", "CustomOriginConfig": {
                "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0}},
        "Tags": {"Items": tags}})["Distribution"]["Id"]
    return {"lb": lb["LoadBalancerArn"], "groups": groups, "distribution": distribution, "s3": s3}


def test_finds_what_carries_the_estate_tags_outside_the_vpcs(moto_url, tagged, estate):
    declared = {"vpc": [estate["vpc"]], "bucket": ["meridian-test-assets-eu-west-1"], "load_balancer": ["meridian-test"],
                "target_group": ["meridian-test-api"], "distribution": []}
    buckets = sorted(b["Name"] for b in tagged["s3"].list_buckets()["Buckets"])
    result = run_aws_module(estate_resources_info, moto_url, REGION,
                            {"tags": TAGS, "declared": declared}, check=True).result
    outside = [(u["kind"], u["id"]) for u in result["unmanaged"] if not u["vpc_id"]]
    # the bucket of us-east-1 is not judged in eu-west-1; the distribution (global) is read in us-east-1
    assert outside == [("bucket", "meridian-test-scratch"), ("distribution", tagged["distribution"]),
                       ("target_group", tagged["groups"]["meridian-test-old"])]
    assert result["scanned"]["bucket"] == 2 and result["scanned"]["target_group"] == 2
    assert result["changed"] is False
    assert sorted(b["Name"] for b in tagged["s3"].list_buckets()["Buckets"]) == buckets


def test_kinds_left_out_are_not_read(moto_url, tagged):
    result = run_aws_module(estate_resources_info, moto_url, REGION,
                            {"tags": TAGS, "vpc_ids": [], "declared": {"target_group": list(tagged["groups"].values())}}).result
    assert [u for u in result["unmanaged"] if not u["vpc_id"]] == []
    assert "bucket" not in result["scanned"] and "distribution" not in result["scanned"]
