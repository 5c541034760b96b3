# -*- coding: utf-8 -*-
"""cloudfront_origin_access_control against a moto_server of its own, and botocore's Stubber for the
refusal moto does not show (CloudFront refuses to delete an origin access control in use)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.modules import cloudfront_origin_access_control  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_aws_module,
)

NAME = "meridian-test-us-east-1-static"


def run(moto_url, check=False, **args):
    return run_aws_module(cloudfront_origin_access_control, moto_url, "us-east-1", dict({"name": NAME}, **args), check=check)


@pytest.fixture(scope="module")
def cf(moto_url):
    return boto3.client("cloudfront", region_name="us-east-1", endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _listed(cf):
    return [o for o in cf.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) if o["Name"] == NAME]


def test_check_create_idempotent_update_delete(moto_url, cf):
    planned = run(moto_url, check=True, description="Static bucket")
    assert (planned.result["changed"], planned.result["action"]) == (True, "create")
    assert planned.result["diff"] == {"before": {}, "after": {
        "description": "Static bucket", "name": NAME, "origin_type": "s3", "signing_behavior": "always",
        "signing_protocol": "sigv4"}}
    assert _listed(cf) == []

    created = run(moto_url, description="Static bucket")
    [oac] = _listed(cf)
    assert created.result["origin_access_control"]["id"] == oac["Id"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"], oac["OriginAccessControlOriginType"]) == ("always", "sigv4", "s3")

    for check in (True, False):
        again = run(moto_url, check=check, description="Static bucket")
        assert (again.result["changed"], again.result["action"]) == (False, "none")
        assert again.result["origin_access_control"]["id"] == oac["Id"]

    updated = run(moto_url, description="Static bucket, renamed")
    assert updated.result["action"] == "update"
    assert _listed(cf)[0]["Description"] == "Static bucket, renamed"
    assert _listed(cf)[0]["Id"] == oac["Id"]

    assert run(moto_url, check=True, state="absent").result["action"] == "delete"
    assert len(_listed(cf)) == 1
    gone = run(moto_url, state="absent")
    assert (gone.result["action"], gone.result["origin_access_control"]) == ("delete", {})
    assert _listed(cf) == []
    assert run(moto_url, state="absent").result["changed"] is False


def test_a_bad_option_fails_before_any_call():
    failed = run_aws_module(cloudfront_origin_access_control, "http://127.0.0.1:9", "us-east-1", {"name": "x" * 65})
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "name"


def test_delete_in_use_sends_the_etag_and_names_the_code(monkeypatch):
    """CloudFront refuses to delete an origin access control an origin still uses; the delete was sent
    with the ETag read just before."""
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
    item = {"Id": "E2OAC", "Name": NAME, "Description": "", "SigningProtocol": "sigv4", "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3"}
    stubber.add_response("list_origin_access_controls", {"OriginAccessControlList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 1, "Items": [item]}}, {})
    stubber.add_response("get_origin_access_control", {"ETag": "E9ETAG", "OriginAccessControl": {
        "Id": "E2OAC", "OriginAccessControlConfig": dict((k, v) for k, v in item.items() if k != "Id")}}, {"Id": "E2OAC"})
    stubber.add_client_error("delete_origin_access_control", "OriginAccessControlInUse",
                             "The origin access control is in use", 409,
                             expected_params={"Id": "E2OAC", "IfMatch": "E9ETAG"})
    failed = run_aws_module(cloudfront_origin_access_control, None, "us-east-1", {"name": NAME, "state": "absent"})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("cloudfront DeleteOriginAccessControl (origin access control E2OAC) failed: "
                                           "OriginAccessControlInUse")
    stubber.assert_no_pending_responses()
