# -*- coding: utf-8 -*-
"""tools/aws/record_actions.py: recorded requests to IAM actions, the policy they need, the check.

The requests are the ones the AWS SDK really sends: each case builds its request with boto3 (signed,
serialised by botocore for the service's protocol) and captures it before it leaves, in the shape
moto_server's recorder writes (method, url, headers, body base64-encoded).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import importlib.util
import json
import os
import subprocess
import sys

import boto3
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "tools", "aws", "record_actions.py")
POLICY = os.path.join(ROOT, "docs", "iam", "meridian-policy.json")
FIXTURE = os.path.join(ROOT, "tests", "unit", "fixtures", "aws", "recording_provision_teardown.jsonl")

_spec = importlib.util.spec_from_file_location("record_actions", SCRIPT)
ra = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ra)


class _Captured(Exception):
    pass


def recorded(service, method, region="us-east-1", **params):
    """The recorder's entry for the request boto3 sends for client(service).method(**params)."""
    client = boto3.client(service, region_name=region, endpoint_url="http://127.0.0.1:9",
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
    entry = {}

    def capture(request, **_):
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        entry.update({"method": request.method, "url": request.url, "headers": dict(request.headers),
                      "body": base64.b64encode(body).decode("ascii"), "body_encoded": True})
        raise _Captured()

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Captured):
        getattr(client, method)(**params)
    entry["headers"] = {k: v.decode() if isinstance(v, bytes) else v for k, v in entry["headers"].items()}
    return entry


@pytest.mark.parametrize("service,method,params,actions", [
    # query protocols (form body)
    ("ec2", "describe_vpcs", {}, ["ec2:DescribeVpcs"]),
    ("elbv2", "describe_load_balancers", {}, ["elasticloadbalancing:DescribeLoadBalancers"]),
    ("autoscaling", "update_auto_scaling_group", {"AutoScalingGroupName": "g", "MaxSize": 3},
     ["autoscaling:UpdateAutoScalingGroup"]),
    ("rds", "describe_db_instances", {}, ["rds:DescribeDBInstances"]),
    ("iam", "put_role_policy", {"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{}"}, ["iam:PutRolePolicy"]),
    # JSON / Smithy RPC v2: the signing name monitoring is the IAM prefix cloudwatch
    ("cloudwatch", "describe_alarms", {}, ["cloudwatch:DescribeAlarms"]),
    ("acm", "list_certificates", {}, ["acm:ListCertificates"]),
    ("ssm", "get_parameter", {"Name": "/aws/service/x"}, ["ssm:GetParameter"]),
    ("logs", "put_retention_policy", {"logGroupName": "g", "retentionInDays": 7}, ["logs:PutRetentionPolicy"]),
    # REST: matched against the operation's URI template and query keys; S3's IAM names differ
    ("s3", "head_bucket", {"Bucket": "b"}, ["s3:ListBucket"]),
    ("s3", "get_bucket_lifecycle_configuration", {"Bucket": "b"}, ["s3:GetLifecycleConfiguration"]),
    ("s3", "put_public_access_block", {"Bucket": "b", "PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
     ["s3:PutBucketPublicAccessBlock"]),
    ("s3", "list_bucket_inventory_configurations", {"Bucket": "b"}, ["s3:GetInventoryConfiguration"]),
    ("s3", "get_bucket_inventory_configuration", {"Bucket": "b", "Id": "i"}, ["s3:GetInventoryConfiguration"]),
    ("s3", "list_object_versions", {"Bucket": "b"}, ["s3:ListBucketVersions"]),
    ("s3", "get_object", {"Bucket": "b", "Key": "a/b.txt"}, ["s3:GetObject"]),
    ("s3", "get_object", {"Bucket": "b", "Key": "k", "VersionId": "v1"}, ["s3:GetObjectVersion"]),
    ("s3", "delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k", "VersionId": "v1"}]}},
     ["s3:DeleteObjectVersion"]),
    ("s3", "delete_objects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "k"}]}}, ["s3:DeleteObject"]),
    ("s3", "delete_bucket_replication", {"Bucket": "b"}, ["s3:PutReplicationConfiguration"]),
    ("route53", "list_resource_record_sets", {"HostedZoneId": "Z1"}, ["route53:ListResourceRecordSets"]),
    ("route53", "change_resource_record_sets",
     {"HostedZoneId": "Z1", "ChangeBatch": {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
         "Name": "a.example", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "1.2.3.4"}]}}]}},
     ["route53:ChangeResourceRecordSets"]),
    ("cloudfront", "get_distribution_config", {"Id": "E1"}, ["cloudfront:GetDistributionConfig"]),
    ("cloudfront", "list_tags_for_resource", {"Resource": "arn:aws:cloudfront::1:distribution/E1"},
     ["cloudfront:ListTagsForResource"]),
])
def test_requests_name_their_iam_actions(service, method, params, actions):
    assert ra.iam_actions(recorded(service, method, **params)) == actions


def test_create_distribution_with_tags_needs_both_actions():
    entry = recorded("cloudfront", "create_distribution_with_tags", DistributionConfigWithTags={
        "DistributionConfig": {"CallerReference": "r", "Comment": "", "Enabled": True,
                               "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "o.example",
                                                                     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                                            "OriginProtocolPolicy": "https-only"}}]},
                               "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "https-only"}},
        "Tags": {"Items": [{"Key": "k", "Value": "v"}]}})
    assert ra.iam_actions(entry) == ["cloudfront:CreateDistribution", "cloudfront:TagResource"]


def test_unsigned_and_moto_api_requests_are_not_actions():
    unsigned = {"method": "GET", "url": "http://127.0.0.1:5100/", "headers": {}, "body": ""}
    moto = dict(recorded("ec2", "describe_vpcs"), url="http://127.0.0.1:5100/moto-api/reset")
    assert ra.recorded_actions([unsigned, moto]) == ([], 1)


def test_unknown_rest_request_is_an_error():
    entry = dict(recorded("route53", "list_hosted_zones"), url="http://127.0.0.1:9/2013-04-01/nothing/here", method="PATCH")
    with pytest.raises(ra.RecordingError):
        ra.iam_actions(entry)


def test_policy_scopes_and_check_finds_what_is_missing():
    actions = ["ec2:DescribeVpcs", "ec2:CreateVpc", "s3:PutReplicationConfiguration", "iam:CreateRole",
               "elasticloadbalancing:CreateLoadBalancer"]
    policy = ra.build_policy(actions, "meridian", ["us-east-1", "eu-west-1"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    # the reads of the real-account-only paths (TestFunction, the key value stores' keys) are always in
    assert by_sid["ReadTheEstate"]["Action"] == sorted(["ec2:DescribeVpcs"] + [a for a in ra.REAL_ACCOUNT_ONLY if ra.is_read(a)])
    assert "cloudfront:PublishFunction" in by_sid["ChangeTheEstateInItsRegions"]["Action"]
    assert by_sid["TheEstatesBuckets"]["Resource"] == ["arn:aws:s3:::meridian-*", "arn:aws:s3:::meridian-*/*"]
    assert by_sid["TheEstatesRoles"]["Action"] == ["iam:CreateRole"]
    assert "s3.amazonaws.com" in by_sid["PassTheEstatesRoles"]["Condition"]["StringEquals"]["iam:PassedToService"]
    assert by_sid["ChangeTheEstateInItsRegions"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
    assert ra.check(actions, policy) == ([], [])
    # iam:PassRole is implied by the replication call: removing it is caught
    by_sid["PassTheEstatesRoles"]["Action"] = []
    assert ra.check(actions, policy) == (["iam:PassRole"], [])
    policy["Statement"].append({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    assert ra.check(actions, policy)[1] == ["ec2:*"]


def test_a_deny_statement_allows_nothing():
    policy = {"Statement": [{"Effect": "Deny", "Action": ["ec2:DescribeVpcs"], "Resource": "*"}]}
    assert ra.check(["ec2:DescribeVpcs"], policy) == (["ec2:DescribeVpcs"], [])


def test_shipped_policy_covers_the_shipped_recording():
    actions = ra.recorded_actions(ra.read_recording(FIXTURE))[0]
    with open(POLICY, encoding="utf-8") as handle:
        policy = json.load(handle)
    missing, wildcards = ra.check(actions, policy)
    assert (missing, wildcards) == ([], [])
    # the recording is a whole provision + second run + teardown: creates and deletes are in it
    assert {"ec2:CreateVpc", "ec2:DeleteVpc", "s3:CreateBucket", "s3:DeleteBucket"} <= set(actions)


def test_entries_written_at_once_on_one_line_are_read(tmp_path):
    # moto's recorder writes an entry and its newline separately: two requests served at once
    # can leave "}{" and an empty line
    first, second = recorded("ec2", "create_vpc", CidrBlock="10.0.0.0/16"), recorded("s3", "list_buckets")
    recording = tmp_path / "rec.jsonl"
    recording.write_text(json.dumps(first) + json.dumps(second) + "\n\n" + json.dumps(first) + "\n")
    assert ra.read_recording(str(recording)) == [first, second, first]
    assert ra.recorded_actions(ra.read_recording(str(recording)))[0] == ["ec2:CreateVpc", "s3:ListAllMyBuckets"]
    recording.write_text(json.dumps(first) + "\n" + json.dumps(second)[:-5] + "\n")
    with pytest.raises(ra.RecordingError, match="is not a recording"):
        ra.read_recording(str(recording))
    proc = subprocess.run([sys.executable, SCRIPT, "check", str(recording), "--policy", POLICY],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_command_line_check_fails_naming_the_action(tmp_path):
    recording = tmp_path / "rec.jsonl"
    recording.write_text(json.dumps(recorded("ec2", "create_vpc", CidrBlock="10.0.0.0/16")) + "\n")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:DescribeVpcs"], "Resource": "*"}]}))
    proc = subprocess.run([sys.executable, SCRIPT, "check", str(recording), "--policy", str(policy)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "not allowed by %s: ec2:CreateVpc" % policy in proc.stdout
    proc = subprocess.run([sys.executable, SCRIPT, "actions", str(recording)], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["ec2:CreateVpc"]
