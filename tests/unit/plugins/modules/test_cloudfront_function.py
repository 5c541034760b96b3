# -*- coding: utf-8 -*-
"""cloudfront_function against a moto_server of its own (create, read back, check mode, delete), and
botocore's Stubber for what moto 5.2.5 lacks: UpdateFunction (500), TestFunction and PublishFunction
(404), and a LIVE stage distinct from DEVELOPMENT (moto answers every stage with the DEVELOPMENT one)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json

import pytest

boto3 = pytest.importorskip("boto3")

from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.edge import function_config  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import cloudfront_function  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    use_aws_clients,
)

NAME = "meridian-test-us-east-1-security_headers"
ARN = "arn:aws:cloudfront::123456789012:function/" + NAME
CODE = """function handler(event) {
  var response = event.response;
  response.headers['strict-transport-security'] = {value: 'max-age=63072000'};
  return response;
}"""
CHANGED = CODE.replace("63072000", "31536000")
EVENT = {"version": "1.0", "context": {"eventType": "viewer-response"}, "viewer": {"ip": "198.51.100.1"},
         "request": {"method": "GET", "uri": "/", "headers": {}, "querystring": {}, "cookies": {}},
         "response": {"statusCode": 200, "statusDescription": "OK", "headers": {}, "cookies": {}}}
TESTS = [
    {"name": "hsts", "event": EVENT, "expect": {"headers": {"strict-transport-security": {"value": "max-age=63072000"}}}},
    {"name": "routed", "event": EVENT, "expect": {}, "kvs": {"pii:DE": "eu-west-1"}},
]


def run(moto_url, check=False, **args):
    return run_aws_module(cloudfront_function, moto_url, "us-east-1", dict({"name": NAME, "code": CODE}, **args), check=check)


@pytest.fixture(scope="module")
def cf(moto_url):
    return boto3.client("cloudfront", region_name="us-east-1", endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _listed(cf):
    return [f for f in cf.list_functions()["FunctionList"].get("Items", []) if f["Name"] == NAME]


def test_moto_create_idempotent_check_mode_diff_delete(moto_url, cf):
    planned = run(moto_url, check=True, publish=False)
    assert (planned.result["changed"], planned.result["action"]) == (True, "create")
    # the ARN the function will have, from the account (STS), for the distribution's plan
    assert planned.result["function"]["arn"] == ARN
    assert _listed(cf) == []

    created = run(moto_url, publish=False, comment="security headers")
    assert (created.result["changed"], created.result["action"]) == (True, "create")
    assert created.result["function"]["arn"] == ARN
    [listed] = _listed(cf)
    assert listed["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert cf.get_function(Name=NAME)["FunctionCode"].read().decode() == CODE

    for check in (True, False):
        again = run(moto_url, check=check, publish=False, comment="security headers")
        assert (again.result["changed"], again.result["action"]) == (False, "none")
        assert again.result["function"]["development_sha256"] == created.result["function"]["sha256"]

    # a changed code file: check mode shows the code's line diff and changes nothing
    diffed = run(moto_url, check=True, publish=False, comment="security headers", code=CHANGED)
    assert (diffed.result["changed"], diffed.result["action"]) == (True, "update")
    code_diff = [d for d in diffed.result["diff"] if d["before_header"].endswith("code (DEVELOPMENT)")][0]
    assert "max-age=63072000" in code_diff["before"] and "max-age=31536000" in code_diff["after"]
    assert cf.get_function(Name=NAME)["FunctionCode"].read().decode() == CODE

    gone = run(moto_url, state="absent", code=None)
    assert (gone.result["action"], gone.result["function"]) == ("delete", {})
    assert _listed(cf) == []
    assert run(moto_url, state="absent", code=None).result["changed"] is False


@pytest.mark.parametrize("code, rule", [
    ("var http = require('http');\nfunction handler(event) { return event.request; }", "require('http')"),
    ("function handler(event) { return event.request; }\n// " + "x" * 11 * 1024, "size"),
    ("function handle(event) { return event.request; }", "handler"),
])
def test_runtime_refusals_fail_before_any_call(code, rule):
    failed = run_aws_module(cloudfront_function, "http://127.0.0.1:9", "us-east-1", {"name": NAME, "code": code})
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "code"
    assert rule in failed.result["msg"]
    assert NAME + ":" in failed.result["msg"]  # names the line


def test_bad_options_fail_before_any_call():
    for args, field in (({"name": "bad name"}, "name"),
                        ({"key_value_store_arns": ["arn:aws:s3:::b"]}, "key_value_store_arns"),
                        ({"test_events": [{"name": "x", "event": {}, "expect": {}}]}, "test_events[x].event.version")):
        failed = run_aws_module(cloudfront_function, "http://127.0.0.1:9", "us-east-1", dict({"name": NAME, "code": CODE}, **args))
        assert isinstance(failed, ModuleFail)
        assert failed.result["field"] == field


# Stubber: what moto lacks

def _summary(stage, status="UNPUBLISHED"):
    return {"Name": NAME, "Status": status,
            "FunctionConfig": function_config("security headers"),
            "FunctionMetadata": {"FunctionARN": ARN, "Stage": stage, "LastModifiedTime": "2026-01-01T00:00:00Z"}}


def _body(code):
    data = code.encode()
    return StreamingBody(io.BytesIO(data), len(data))


def _stub_stage(stubber, stage, code, etag):
    stubber.add_response("describe_function", {"ETag": etag, "FunctionSummary": _summary(stage)},
                         {"Name": NAME, "Stage": stage})
    stubber.add_response("get_function", {"ETag": etag, "ContentType": "application/javascript", "FunctionCode": _body(code)},
                         {"Name": NAME, "Stage": stage})


def _stub_missing_live(stubber):
    stubber.add_client_error("describe_function", "NoSuchFunctionExists", "The function does not exist.", 404,
                             expected_params={"Name": NAME, "Stage": "LIVE"})


def _output(max_age):
    return json.dumps({"response": {"statusCode": 200, "headers": {
        "strict-transport-security": {"value": "max-age=%s" % max_age}}}})


@pytest.fixture
def stubbed(monkeypatch):
    fast_retries(monkeypatch)
    client = botocore_client("cloudfront")
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"cloudfront": client})
    yield stubber
    stubber.deactivate()


def _run_stubbed(check=False, diff=True, **args):
    base = {"name": NAME, "code": CODE, "comment": "security headers", "test_events": TESTS}
    return run_aws_module(cloudfront_function, None, "us-east-1", dict(base, **args), check=check, diff=diff)


def test_update_tests_then_publishes(stubbed):
    _stub_stage(stubbed, "DEVELOPMENT", CHANGED, "E1")
    _stub_stage(stubbed, "LIVE", CHANGED, "E0")
    config = function_config("security headers")
    stubbed.add_response("update_function", {"ETag": "E2", "FunctionSummary": _summary("DEVELOPMENT")},
                         {"Name": NAME, "IfMatch": "E1", "FunctionConfig": config, "FunctionCode": CODE.encode()})
    # the test without a store content only; IfMatch is the ETag the update returned
    stubbed.add_response("test_function", {"TestResult": {"FunctionSummary": _summary("DEVELOPMENT"),
                                                          "ComputeUtilization": "14", "FunctionOutput": _output(63072000)}},
                         {"Name": NAME, "IfMatch": "E2", "Stage": "DEVELOPMENT",
                          "EventObject": json.dumps(EVENT, sort_keys=True).encode()})
    stubbed.add_response("publish_function", {"FunctionSummary": _summary("LIVE", "UNASSOCIATED")},
                         {"Name": NAME, "IfMatch": "E2"})
    done = _run_stubbed()
    stubbed.assert_no_pending_responses()
    assert (done.result["changed"], done.result["action"]) == (True, "update")
    assert done.result["tests"] == [{"name": "hsts", "passed": True, "problems": [], "compute_utilization": "14"}]
    assert done.result["tests_skipped"] == ["routed"]
    assert done.result["function"]["published"] is True
    assert done.result["function"]["live_sha256"] == done.result["function"]["sha256"]
    assert [d["before_header"] for d in done.result["diff"]] == [NAME + ": configuration", NAME + ": code (DEVELOPMENT)"]


def test_a_failing_test_refuses_to_publish(stubbed):
    _stub_stage(stubbed, "DEVELOPMENT", CHANGED, "E1")
    _stub_missing_live(stubbed)
    stubbed.add_response("update_function", {"ETag": "E2", "FunctionSummary": _summary("DEVELOPMENT")})
    stubbed.add_response("test_function", {"TestResult": {"FunctionOutput": _output(1)}})
    # no publish_function stubbed: a call would fail the Stubber
    failed = _run_stubbed()
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "test_events"
    assert "1 of 1 tests failed on CloudFront (TestFunction), nothing was published to LIVE: hsts: " \
           "headers.strict-transport-security.value" in failed.result["msg"]
    stubbed.assert_no_pending_responses()


def test_an_error_in_the_function_refuses_to_publish(stubbed):
    _stub_stage(stubbed, "DEVELOPMENT", CODE, "E1")
    _stub_missing_live(stubbed)
    stubbed.add_response("test_function", {"TestResult": {"FunctionErrorMessage": "TypeError: cannot read property"}})
    failed = _run_stubbed()
    assert isinstance(failed, ModuleFail)
    assert "the function failed: TypeError" in failed.result["msg"]
    stubbed.assert_no_pending_responses()


def test_publishes_a_development_stage_never_published(stubbed):
    _stub_stage(stubbed, "DEVELOPMENT", CODE, "E1")
    _stub_missing_live(stubbed)
    stubbed.add_response("test_function", {"TestResult": {"FunctionOutput": _output(63072000)}},
                         {"Name": NAME, "IfMatch": "E1", "Stage": "DEVELOPMENT",
                          "EventObject": json.dumps(EVENT, sort_keys=True).encode()})
    stubbed.add_response("publish_function", {"FunctionSummary": _summary("LIVE", "UNASSOCIATED")},
                         {"Name": NAME, "IfMatch": "E1"})
    done = _run_stubbed()
    stubbed.assert_no_pending_responses()
    assert (done.result["changed"], done.result["action"]) == (True, "publish")


def test_live_equal_is_idempotent_and_check_mode_calls_nothing_else(stubbed):
    for check in (False, True):
        _stub_stage(stubbed, "DEVELOPMENT", CODE, "E1")
        _stub_stage(stubbed, "LIVE", CODE, "E0")
        same = _run_stubbed(check=check)
        assert (same.result["changed"], same.result["action"]) == (False, "none")
        assert same.result["function"]["published"] is True
    # check mode with a changed code: reads only, reports update and publish
    _stub_stage(stubbed, "DEVELOPMENT", CODE, "E1")
    _stub_stage(stubbed, "LIVE", CODE, "E0")
    planned = _run_stubbed(check=True, code=CHANGED)
    assert (planned.result["changed"], planned.result["action"]) == (True, "update")
    assert planned.result["tests"] == []
    stubbed.assert_no_pending_responses()


def test_delete_sends_the_etag_and_names_a_function_in_use(stubbed):
    _stub_stage(stubbed, "DEVELOPMENT", CODE, "E1")
    _stub_stage(stubbed, "LIVE", CODE, "E0")
    stubbed.add_client_error("delete_function", "FunctionInUse", "The function is associated with a distribution.", 409,
                             expected_params={"Name": NAME, "IfMatch": "E1"})
    failed = run_aws_module(cloudfront_function, None, "us-east-1", {"name": NAME, "state": "absent"})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("cloudfront DeleteFunction (function %s) failed: FunctionInUse" % NAME)
    stubbed.assert_no_pending_responses()
