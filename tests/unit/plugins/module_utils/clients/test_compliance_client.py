# -*- coding: utf-8 -*-
"""The compliance reads with botocore's Stubber, for what the local stack does not show: ListBuckets
continuation tokens, S3's legacy "EU" location, buckets without tags or Block Public Access, a
bucket deleted while listed, launch template tags from DescribeTags, and the default and latest
versions read in one call."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import ANY, Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.compliance import (  # noqa: E402
    ComplianceReader,
    Ec2ComplianceClient,
    S3ComplianceClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry  # noqa: E402


@pytest.fixture(autouse=True)
def no_backoff_delay(monkeypatch):
    monkeypatch.setattr(retry, "DELAY", 0, raising=False)
    monkeypatch.setattr(retry, "MAX_DELAY", 0, raising=False)


def _client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def test_bucket_names_follow_continuation_tokens():
    raw = _client("s3")
    with Stubber(raw) as stub:
        stub.add_response("list_buckets", {"Buckets": [{"Name": "a"}], "ContinuationToken": "t1"}, {})
        stub.add_response("list_buckets", {"Buckets": [{"Name": "b"}]}, {"ContinuationToken": "t1"})
        assert S3ComplianceClient(raw).bucket_names() == ["a", "b"]
        stub.assert_no_pending_responses()


def test_bucket_regions_tags_and_missing_settings():
    raw = _client("s3")
    s3 = S3ComplianceClient(raw)
    with Stubber(raw) as stub:
        stub.add_response("get_bucket_location", {}, {"Bucket": "us"})
        stub.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "eu"})
        stub.add_client_error("get_bucket_location", service_error_code="NoSuchBucket", http_status_code=404)
        stub.add_client_error("get_bucket_tagging", service_error_code="NoSuchTagSet", http_status_code=404)
        stub.add_client_error("get_public_access_block", service_error_code="NoSuchPublicAccessBlockConfiguration",
                              http_status_code=404)
        assert [s3.region("us"), s3.region("eu"), s3.region("gone")] == ["us-east-1", "eu-west-1", None]
        assert s3.tags("us") == {}
        assert s3.public_access_block("us") is None
        stub.assert_no_pending_responses()


def test_only_wanted_buckets_are_read_in_full_in_their_region():
    home, eu = _client("s3"), _client("s3", "eu-west-1")
    clients = {("s3", "us-east-1"): home, ("s3", "eu-west-1"): eu}
    reader = ComplianceReader(lambda service, region: clients[(service, region)])
    with Stubber(home) as stub_home, Stubber(eu) as stub_eu:
        stub_home.add_response("list_buckets", {"Buckets": [{"Name": "theirs"}, {"Name": "ours"}]}, {})
        stub_home.add_response("get_bucket_location", {"LocationConstraint": "eu-west-1"}, {"Bucket": "theirs"})
        stub_eu.add_response("get_bucket_tagging", {"TagSet": []}, {"Bucket": "theirs"})
        stub_home.add_response("get_bucket_location", {"LocationConstraint": "eu-west-1"}, {"Bucket": "ours"})
        stub_eu.add_response("get_bucket_tagging", {"TagSet": [{"Key": "env", "Value": "prod"}]}, {"Bucket": "ours"})
        stub_eu.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
                             {"Bucket": "ours"})
        stub_eu.add_client_error("get_bucket_policy", service_error_code="NoSuchBucketPolicy", http_status_code=404)
        stub_eu.add_response("get_bucket_acl", {"Owner": {"ID": "o"}, "Grants": []}, {"Bucket": "ours"})
        stub_eu.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "ours"})
        stub_eu.add_client_error("get_bucket_replication", service_error_code="ReplicationConfigurationNotFoundError",
                                 http_status_code=404)
        buckets, regions = reader.buckets("us-east-1", lambda tags: tags.get("env") == "prod")
        stub_home.assert_no_pending_responses()
        stub_eu.assert_no_pending_responses()
    assert regions == {"theirs": "eu-west-1", "ours": "eu-west-1"}
    assert buckets == [{"name": "ours", "region": "eu-west-1", "tags": {"env": "prod"},
                        "public_access_block": {"BlockPublicAcls": True}, "policy": None,
                        "acl": {"Owner": {"ID": "o"}, "Grants": []}, "versioning": {"Status": "Enabled"},
                        "replication": None}]


def test_launch_templates_with_their_tags_and_default_and_latest_versions():
    raw = _client("ec2")
    tags = {"meridian:env": "prod"}
    with Stubber(raw) as stub:
        stub.add_response("describe_launch_templates", {"LaunchTemplates": [
            {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "web", "DefaultVersionNumber": 1, "LatestVersionNumber": 2}]},
            {"Filters": [{"Name": "tag:meridian:env", "Values": ["prod"]}]})
        stub.add_response("describe_tags", {"Tags": [{"ResourceId": "lt-1", "ResourceType": "launch-template",
                                                      "Key": "meridian:env", "Value": "prod"}]},
                          {"Filters": [{"Name": "resource-id", "Values": ["lt-1"]}]})
        stub.add_response("describe_launch_template_versions", {"LaunchTemplateVersions": [
            {"VersionNumber": 2, "DefaultVersion": False, "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "optional"}}},
            {"VersionNumber": 1, "DefaultVersion": True, "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}}]},
            {"LaunchTemplateId": "lt-1", "Versions": ["$Default", "$Latest"]})
        found = Ec2ComplianceClient(raw).launch_templates(tags)
        stub.assert_no_pending_responses()
    assert found[0]["template"]["Tags"] == [{"Key": "meridian:env", "Value": "prod"}]
    assert found[0]["default_version"]["VersionNumber"] == 1 and found[0]["latest_version"]["VersionNumber"] == 2


def test_a_region_without_the_estates_vpcs_reads_no_more_than_it_needs():
    ec2, rds = _client("ec2"), _client("rds")
    clients = {("ec2", "us-east-1"): ec2, ("rds", "us-east-1"): rds}
    reader = ComplianceReader(lambda service, region: clients[(service, region)])
    with Stubber(ec2) as stub_ec2, Stubber(rds) as stub_rds:
        stub_ec2.add_response("describe_vpcs", {"Vpcs": []}, {"Filters": ANY})
        stub_ec2.add_response("describe_launch_templates", {"LaunchTemplates": []}, {"Filters": ANY})
        stub_rds.add_response("describe_db_instances", {"DBInstances": []}, {})
        snapshot = reader.region_snapshot("us-east-1", {"meridian:env": "prod"})
        stub_ec2.assert_no_pending_responses()
        stub_rds.assert_no_pending_responses()
    assert snapshot == {"region": "us-east-1", "vpcs": [], "security_groups": [], "instances": [], "volumes": [],
                        "flow_logs": [], "launch_templates": [], "db_instances": []}
