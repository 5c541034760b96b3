# -*- coding: utf-8 -*-
"""cloudfront_region_distribution against a moto_server of its own, and against botocore's Stubber for
what moto 5.2.5 does not show (it drops OriginAccessControlId and S3OriginConfig from the origins it
stores, so the read-back of a real CloudFront is stubbed)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import (  # noqa: E402
    cloudfront_settings,
    distribution_config,
)
from ansible_collections.meridian.global_infra.plugins.modules import cloudfront_region_distribution  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_aws_module,
)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/6005b1bc-ed7e-4c16-afad-b10e2347b984"
ARGS = dict(name="meridian-test-us-east-1", origin_domain_name="alb-test.us-east-1.elb.amazonaws.com",
            static_bucket="meridian-test-static-us-east-1", static_bucket_region="us-east-1",
            static_paths=["/static/*", "/assets/*"], certificate_arn=CERT, aliases=["cdn-us-east-1.test.meridian.example"],
            origin_access_control_id="E2OAC", tags={"meridian:env": "test"})


def run(moto_url, check=False, diff=True, **changes):
    return run_aws_module(cloudfront_region_distribution, moto_url, "us-east-1", dict(ARGS, **changes), check=check, diff=diff)


@pytest.fixture(scope="module")
def cf(moto_url):
    return boto3.client("cloudfront", region_name="us-east-1", endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _only(cf):
    [summary] = [d for d in cf.list_distributions()["DistributionList"].get("Items", []) if d["Comment"] == ARGS["name"]]
    return summary, cf.get_distribution_config(Id=summary["Id"])["DistributionConfig"]


def test_check_create_idempotent_update_tags(moto_url, cf):
    planned = run(moto_url, check=True)
    assert not isinstance(planned, ModuleFail), planned.result
    assert (planned.result["changed"], planned.result["action"]) == (True, "create")
    assert planned.result["distribution"]["id"] == ""
    assert cf.list_distributions()["DistributionList"].get("Items", []) == []

    created = run(moto_url)
    assert created.result["action"] == "create"
    summary, config = _only(cf)
    assert created.result["distribution"]["arn"] == summary["ARN"]
    viewer = config["ViewerCertificate"]
    assert (viewer["ACMCertificateArn"], viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"],
            viewer["CloudFrontDefaultCertificate"]) == (CERT, "sni-only", "TLSv1.3_2025", False)
    [alb] = [o for o in config["Origins"]["Items"] if o["Id"] == "alb"]
    assert alb["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert config["Aliases"]["Items"] == ARGS["aliases"]
    assert cf.list_tags_for_resource(Resource=summary["ARN"])["Tags"]["Items"] == [{"Key": "meridian:env", "Value": "test"}]

    for check in (True, False):
        again = run(moto_url, check=check)
        assert (again.result["changed"], again.result["action"], again.result["drift"]) == (False, "none", [])
        assert again.result["diff"]["before"] == again.result["diff"]["after"]

    fallback = run(moto_url, check=True, minimum_protocol_version="TLSv1.2_2025")
    assert (fallback.result["action"], fallback.result["drift"]) == ("update", ["certificate"])
    assert _only(cf)[1]["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.3_2025"  # check mode changed nothing
    run(moto_url, minimum_protocol_version="TLSv1.2_2025")
    assert _only(cf)[1]["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2025"
    assert run(moto_url, minimum_protocol_version="TLSv1.2_2025").result["changed"] is False

    retagged = run(moto_url, minimum_protocol_version="TLSv1.2_2025", tags={"meridian:env": "test", "team": "edge"})
    assert retagged.result["action"] == "tags"
    tags = cf.list_tags_for_resource(Resource=summary["ARN"])["Tags"]["Items"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("meridian:env", "test"), ("team", "edge")]


@pytest.mark.parametrize("changes, field", [
    ({"certificate_arn": ""}, "certificate_arn"),
    ({"certificate_arn": CERT.replace("us-east-1", "eu-west-1")}, "certificate_arn"),
    ({"aliases": []}, "aliases"),
    ({"origin_access_control_id": ""}, "origin_access_control_id"),
])
def test_refused_before_any_call(changes, field):
    # no endpoint at all: a call would fail with a connection error, not with the field
    failed = run_aws_module(cloudfront_region_distribution, "http://127.0.0.1:9", "us-east-1", dict(ARGS, **changes))
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == field


def _stubbed(monkeypatch):
    from botocore.stub import Stubber

    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
        botocore_client,
        fast_retries,
        use_aws_clients,
    )

    fast_retries(monkeypatch)
    client = botocore_client("cloudfront")
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"cloudfront": client})
    return stubber


def _settings():
    return cloudfront_settings(ARGS["name"], ARGS["origin_domain_name"], ARGS["static_bucket"], "us-east-1",
                               ARGS["static_paths"], ["/api/*"], 86400, CERT, ARGS["aliases"],
                               origin_access_control_id=ARGS["origin_access_control_id"])


def _summary():
    """A ListDistributions item (DistributionSummary) for the settings."""
    config = distribution_config(_settings())
    summary = dict((k, config[k]) for k in ("Aliases", "Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors",
                                            "CustomErrorResponses", "Comment", "PriceClass", "Enabled",
                                            "ViewerCertificate", "Restrictions", "WebACLId", "HttpVersion",
                                            "IsIPV6Enabled"))
    summary.update({"Id": "E1DIST", "ARN": "arn:aws:cloudfront::123456789012:distribution/E1DIST", "Status": "Deployed",
                    "LastModifiedTime": "2026-11-30T00:00:00Z", "DomainName": "d111111abcdef8.cloudfront.net",
                    "Staging": False})
    return summary


def test_cloudfront_read_back_without_the_oac_is_updated_with_it(monkeypatch):
    """CloudFront reports OriginAccessControlId on every origin; an S3 origin whose OAC was removed
    (empty) is drift, and the update sends the OAC id, an empty origin access identity and the ETag."""
    stubber = _stubbed(monkeypatch)
    settings = _settings()
    read_back = copy.deepcopy(distribution_config(settings, "created-by-ansible"))
    for origin in read_back["Origins"]["Items"]:
        origin["OriginAccessControlId"] = ""
    stubber.add_response("list_distributions", {"DistributionList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 1, "Items": [_summary()]}}, {})
    stubber.add_response("get_distribution_config", {"DistributionConfig": read_back, "ETag": "E2ETAG"}, {"Id": "E1DIST"})
    stubber.add_response("list_tags_for_resource", {"Tags": {"Items": [{"Key": "meridian:env", "Value": "test"}]}},
                         {"Resource": _summary()["ARN"]})
    expected = distribution_config(settings, "created-by-ansible")
    distribution = {"Id": "E1DIST", "ARN": _summary()["ARN"], "Status": "InProgress", "LastModifiedTime": "2026-11-30T00:00:00Z",
                    "InProgressInvalidationBatches": 0, "DomainName": "d111111abcdef8.cloudfront.net",
                    "DistributionConfig": expected}
    stubber.add_response("update_distribution", {"Distribution": distribution, "ETag": "E3ETAG"},
                         {"Id": "E1DIST", "IfMatch": "E2ETAG", "DistributionConfig": expected})
    done = run_aws_module(cloudfront_region_distribution, None, "us-east-1", ARGS)
    assert not isinstance(done, ModuleFail), done.result
    assert (done.result["action"], done.result["drift"]) == ("update", ["origins"])
    [static] = [o for o in expected["Origins"]["Items"] if o["Id"] == "static"]
    assert static["OriginAccessControlId"] == "E2OAC" and static["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    stubber.assert_no_pending_responses()


def test_cloudfront_read_back_with_the_oac_is_converged(monkeypatch):
    stubber = _stubbed(monkeypatch)
    read_back = copy.deepcopy(distribution_config(_settings(), "created-by-ansible"))
    for origin in read_back["Origins"]["Items"]:
        origin.setdefault("OriginAccessControlId", "")
    stubber.add_response("list_distributions", {"DistributionList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 1, "Items": [_summary()]}}, {})
    stubber.add_response("get_distribution_config", {"DistributionConfig": read_back, "ETag": "E2ETAG"}, {"Id": "E1DIST"})
    stubber.add_response("list_tags_for_resource", {"Tags": {"Items": [{"Key": "meridian:env", "Value": "test"}]}},
                         {"Resource": _summary()["ARN"]})
    done = run_aws_module(cloudfront_region_distribution, None, "us-east-1", ARGS)
    assert (done.result["changed"], done.result["action"]) == (False, "none")
    stubber.assert_no_pending_responses()


def test_precondition_failed_names_the_call(monkeypatch):
    """A concurrent change (the ETag moved) fails the update, naming the call and the code."""
    stubber = _stubbed(monkeypatch)
    read_back = copy.deepcopy(distribution_config(_settings(), "created-by-ansible"))
    read_back["ViewerCertificate"]["MinimumProtocolVersion"] = "TLSv1.2_2021"
    stubber.add_response("list_distributions", {"DistributionList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 1, "Items": [_summary()]}}, {})
    stubber.add_response("get_distribution_config", {"DistributionConfig": read_back, "ETag": "E2ETAG"}, {"Id": "E1DIST"})
    stubber.add_response("list_tags_for_resource", {"Tags": {"Items": [{"Key": "meridian:env", "Value": "test"}]}},
                         {"Resource": _summary()["ARN"]})
    stubber.add_client_error("update_distribution", "PreconditionFailed", "The ETag is outdated", 412)
    failed = run_aws_module(cloudfront_region_distribution, None, "us-east-1", ARGS)
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("cloudfront UpdateDistribution (distribution E1DIST) failed: PreconditionFailed")
