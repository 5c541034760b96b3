# -*- coding: utf-8 -*-
"""The unmanaged-resource scan's tag and bucket reads with botocore's Stubber, for what the local stack
does not show: GetResources' pagination tokens and the request it sends, a bucket deleted while
listed, S3's legacy "EU" location, and a refused GetResources naming the IAM action to allow."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import estate_scan  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.estate import (  # noqa: E402
    BucketLocationClient,
    TaggedClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry  # noqa: E402

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "prod"}
FILTERS = [{"Key": "meridian:env", "Values": ["prod"]}, {"Key": "meridian:managed-by", "Values": ["meridian.global_infra"]}]


@pytest.fixture(autouse=True)
def no_backoff_delay(monkeypatch):
    monkeypatch.setattr(retry, "DELAY", 0, raising=False)
    monkeypatch.setattr(retry, "MAX_DELAY", 0, raising=False)


def _client(service, region="us-east-1"):
    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def test_get_resources_sends_the_estate_tags_and_follows_pagination_tokens():
    raw = _client("resourcegroupstaggingapi", "eu-west-1")
    types = ["elasticloadbalancing:targetgroup", "s3"]
    with Stubber(raw) as stub:
        stub.add_response("get_resources", {"ResourceTagMappingList": [{"ResourceARN": "arn:aws:s3:::a"}],
                                            "PaginationToken": "t1"},
                          {"TagFilters": FILTERS, "ResourceTypeFilters": types})
        stub.add_response("get_resources", {"ResourceTagMappingList": [{"ResourceARN": "arn:aws:s3:::b"}],
                                            "PaginationToken": ""},
                          {"TagFilters": FILTERS, "ResourceTypeFilters": types, "PaginationToken": "t1"})
        found = TaggedClient(raw).resources(TAGS, ["s3", "elasticloadbalancing:targetgroup"])
        stub.assert_no_pending_responses()
    assert [m["ResourceARN"] for m in found] == ["arn:aws:s3:::a", "arn:aws:s3:::b"]


def test_no_resource_type_reads_nothing():
    raw = _client("resourcegroupstaggingapi")
    with Stubber(raw) as stub:
        assert TaggedClient(raw).resources(TAGS, []) == []
        stub.assert_no_pending_responses()


def test_a_refused_get_resources_names_the_action_to_allow():
    raw = _client("resourcegroupstaggingapi")
    with Stubber(raw) as stub:
        stub.add_client_error("get_resources", service_error_code="AccessDeniedException", http_status_code=400)
        with pytest.raises(AwsApiError) as err:
            TaggedClient(raw).resources(TAGS, ["cloudfront:distribution"])
    assert "allow tag:GetResources" in str(err.value)


def test_bucket_locations_and_a_bucket_deleted_while_listed():
    raw = _client("s3")
    with Stubber(raw) as stub:
        stub.add_response("get_bucket_location", {}, {"Bucket": "us"})
        stub.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "eu"})
        stub.add_client_error("get_bucket_location", service_error_code="NoSuchBucket", http_status_code=404)
        locations = BucketLocationClient(raw)
        found = [locations.location(b) for b in ("us", "eu", "gone")]
        stub.assert_no_pending_responses()
    assert [estate_scan.bucket_region(f) for f in found[:2]] == ["us-east-1", "eu-west-1"]
    assert found[2] is None
