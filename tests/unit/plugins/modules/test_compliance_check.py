# -*- coding: utf-8 -*-
"""compliance_check against a moto_server of its own: a compliant estate has no finding; an open SSH
port, IMDSv1, a public bucket policy and suspended versioning are named by resource and rule; a bad
option fails before any client is built; the scan changes nothing; the reports are written."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.modules import compliance_check  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_aws_module,
    use_aws_clients,
)

REGION = "eu-west-1"
TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "unit"}
TAG_LIST = [{"Key": k, "Value": v} for k, v in TAGS.items()]
BUCKET = "meridian-unit-compliance"
RULES_OFF = {"vpc-flow-logs-enabled": {"enabled": False, "reason": "not under test"},
             "encrypted-volumes": {"enabled": False, "reason": "not under test"}}


def _client(moto_url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def estate(moto_url):
    ec2 = _client(moto_url, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": TAG_LIST}])["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.77.1.0/24")["Subnet"]
    sg = ec2.create_security_group(GroupName="unit-app", Description="app", VpcId=vpc["VpcId"],
                                   TagSpecifications=[{"ResourceType": "security-group", "Tags": TAG_LIST}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"],
                                 MetadataOptions={"HttpTokens": "required"},
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": TAG_LIST},
                                                    {"ResourceType": "volume", "Tags": TAG_LIST}])["Instances"][0]
    s3 = _client(moto_url, "s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": TAG_LIST + [{"Key": "meridian:data-class", "Value": "operational"}]})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.create_bucket(Bucket="someone-else", CreateBucketConfiguration={"LocationConstraint": REGION})
    return {"ec2": ec2, "s3": s3, "vpc": vpc["VpcId"], "sg": sg, "instance": instance["InstanceId"]}


def run(moto_url, **args):
    base = {"regions": [REGION], "tags": TAGS, "rules": RULES_OFF, "today": "2026-11-30"}
    base.update(args)
    return run_aws_module(compliance_check, moto_url, REGION, base)


def _found(result):
    return sorted((f["rule"], f["resource_id"]) for f in result["findings"])


def test_a_compliant_estate_passes_and_writes_the_reports(moto_url, estate, tmp_path):
    result = run(moto_url, report_dir=str(tmp_path)).result
    assert result["changed"] is False and result["findings"] == []
    checked = dict((r["resource_id"], r["resource_type"]) for r in result["checked_resources"])
    assert checked[estate["sg"]] == "AWS::EC2::SecurityGroup" and checked[BUCKET] == "AWS::S3::Bucket"
    assert checked[estate["instance"]] == "AWS::EC2::Instance" and "someone-else" not in checked
    assert sorted(os.listdir(str(tmp_path))) == ["findings.json", "junit.xml", "ocsf.json", "results.sarif", "summary.md"]
    report = json.loads((tmp_path / "findings.json").read_text())
    assert report["findings"] == []


def test_violations_are_named_and_nothing_is_changed(moto_url, estate):
    ec2, s3 = estate["ec2"], estate["s3"]
    ec2.authorize_security_group_ingress(GroupId=estate["sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.modify_instance_metadata_options(InstanceId=estate["instance"], HttpTokens="optional")
    s3.delete_public_access_block(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::%s/*" % BUCKET}]}))
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"})
    before = (ec2.describe_security_groups(GroupIds=[estate["sg"]])["SecurityGroups"], s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    try:
        result = run(moto_url).result
        after = (ec2.describe_security_groups(GroupIds=[estate["sg"]])["SecurityGroups"], s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
        assert after == before
        found = _found(result)
        for expected in [("restricted-ssh", estate["sg"]), ("vpc-sg-open-only-to-authorized-ports", estate["sg"]),
                         ("ec2-imdsv2-check", estate["instance"]), ("s3-bucket-public-read-prohibited", BUCKET),
                         ("s3-bucket-level-public-access-prohibited", BUCKET), ("s3-bucket-versioning-enabled", BUCKET)]:
            assert expected in found
        # a suppression in force hides one; an expired one is a finding
        result = run(moto_url, suppressions=[
            {"rule": "restricted-ssh", "resource": estate["sg"], "reason": "unit", "expires": "2026-12-31"},
            {"rule": "ec2-imdsv2-check", "resource": estate["instance"], "reason": "unit", "expires": "2026-11-29"}]).result
        found = _found(result)
        assert ("restricted-ssh", estate["sg"]) not in found
        assert ("ec2-imdsv2-check", estate["instance"]) in found
        assert ("suppression-expired", "ec2-imdsv2-check/%s" % estate["instance"]) in found
        assert [f["rule"] for f in result["suppressed"]] == ["restricted-ssh"]
    finally:
        ec2.revoke_security_group_ingress(GroupId=estate["sg"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        ec2.modify_instance_metadata_options(InstanceId=estate["instance"], HttpTokens="required")
        s3.delete_bucket_policy(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


@pytest.mark.parametrize("args,field", [
    ({"suppressions": [{"rule": "restricted-ssh", "resource": "sg-1", "reason": "x"}]}, "suppressions[0].expires"),
    ({"rules": {"restricted-ssh": {"enabled": False}}}, "rules.restricted-ssh.reason"),
    ({"tags": {}}, "tags"),
    ({"regions": []}, "regions"),
    ({"data_classes": {"db": "secret"}}, "data_classes.db"),
    ({"today": "tomorrow"}, "today"),
])
def test_bad_options_fail_before_any_client_is_built(monkeypatch, args, field):
    built = use_aws_clients(monkeypatch, {})
    base = {"regions": [REGION], "tags": TAGS, "region": REGION}
    base.update(args)
    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import run_module
    outcome = run_module(compliance_check, base)
    assert isinstance(outcome, ModuleFail)
    assert outcome.result["field"] == field and "nothing was changed" in outcome.result["msg"]
    assert built == []
