# -*- coding: utf-8 -*-
"""cloudfront_distribution_tags_info with botocore's Stubber: every page, tags per distribution, the
filter by the estate's tags, a throttled tag read retried, AccessDenied failing at once with the fix."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront_tags import CloudFrontTagsClient  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import cloudfront_distribution_tags_info as module  # noqa: E402

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "prod"}


@pytest.fixture(autouse=True)
def no_backoff_delay(monkeypatch):
    monkeypatch.setattr(retry, "DELAY", 0, raising=False)
    monkeypatch.setattr(retry, "MAX_DELAY", 0, raising=False)


def _summary(ident, comment):
    return {"Id": ident, "ARN": "arn:aws:cloudfront::123456789012:distribution/" + ident, "Status": "Deployed",
            "LastModifiedTime": "2026-01-01T00:00:00Z", "DomainName": ident.lower() + ".cloudfront.net",
            "Aliases": {"Quantity": 0}, "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "o.example"}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "https-only"},
            "CacheBehaviors": {"Quantity": 0}, "CustomErrorResponses": {"Quantity": 0}, "Comment": comment,
            "PriceClass": "PriceClass_100", "Enabled": True,
            "ViewerCertificate": {}, "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
            "WebACLId": "", "HttpVersion": "http2", "IsIPV6Enabled": True, "Staging": False}


def _page(items, marker="", next_marker=None):
    page = {"Marker": marker, "MaxItems": 1, "IsTruncated": bool(next_marker), "Quantity": len(items), "Items": items}
    if next_marker:
        page["NextMarker"] = next_marker
    return {"DistributionList": page}


def _tags(tags):
    return {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in tags.items()]}}


def _client():
    return boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_lists_every_page_and_keeps_only_the_estates_by_tags_not_comment():
    raw = _client()
    with Stubber(raw) as stub:
        stub.add_response("list_distributions", _page([_summary("EAAA", "meridian-prod-us-east-1")], next_marker="EAAA"))
        stub.add_response("list_distributions", _page([_summary("EBBB", "meridian-prod-eu-central-1")], marker="EAAA"),
                          {"Marker": "EAAA"})
        stub.add_response("list_tags_for_resource", _tags({"Name": "meridian-prod-us-east-1"}),
                          {"Resource": "arn:aws:cloudfront::123456789012:distribution/EAAA"})
        stub.add_response("list_tags_for_resource", _tags(dict(TAGS, Name="x")),
                          {"Resource": "arn:aws:cloudfront::123456789012:distribution/EBBB"})
        result = module.run(CloudFrontTagsClient(raw), TAGS)
        stub.assert_no_pending_responses()
    # EAAA has the estate's comment but not its tags: never the estate's
    assert result == {"changed": False, "distributions": [{
        "id": "EBBB", "arn": "arn:aws:cloudfront::123456789012:distribution/EBBB", "comment": "meridian-prod-eu-central-1",
        "domain_name": "ebbb.cloudfront.net", "enabled": True, "status": "Deployed", "tags": dict(TAGS, Name="x")}]}


def test_a_throttled_tag_read_is_retried_and_access_denied_is_not():
    raw = _client()
    with Stubber(raw) as stub:
        stub.add_response("list_distributions", _page([_summary("EAAA", "c")]))
        stub.add_client_error("list_tags_for_resource", service_error_code="Throttling", http_status_code=400)
        stub.add_response("list_tags_for_resource", _tags(TAGS))
        result = module.run(CloudFrontTagsClient(raw), TAGS)
        stub.assert_no_pending_responses()
    assert [d["id"] for d in result["distributions"]] == ["EAAA"]

    raw = _client()
    with Stubber(raw) as stub:
        stub.add_client_error("list_distributions", service_error_code="AccessDenied", http_status_code=403)
        with pytest.raises(AwsApiError) as err:
            CloudFrontTagsClient(raw).distributions()
    assert err.value.code == "AccessDenied"
    assert "cloudfront:ListDistributions" in str(err.value)
