# -*- coding: utf-8 -*-
"""Pure planning of CloudFront Functions, KeyValueStores and the distribution's function associations."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import edge
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import (
    CdnPlanError,
    cloudfront_drift,
    cloudfront_settings,
    distribution_config,
    distribution_plan,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.edge.expectations import function_output, mismatches

KVS = "arn:aws:cloudfront::123456789012:key-value-store/0d4b2f4e-1111-2222-3333-444455556666"
FN = "arn:aws:cloudfront::123456789012:function/meridian-test-us-east-1-security_headers"
CODE = b"function handler(event) {\n  return event.request;\n}"


def _stage(code=CODE, config=None, etag="E1"):
    return {"code": code, "config": config or edge.function_config("c"), "etag": etag}


@pytest.mark.parametrize("kwargs, field", [
    ({"runtime": "nodejs20.x"}, "runtime"),
    ({"key_value_store_arns": ["arn:aws:s3:::bucket"]}, "key_value_store_arns"),
    ({"key_value_store_arns": [KVS, KVS.replace("0d4b", "1d4b")]}, "key_value_store_arns"),
    ({"key_value_store_arns": [KVS], "runtime": "cloudfront-js-1.0"}, "runtime"),
    ({"comment": "x" * 129}, "comment"),
])
def test_function_config_refusals_name_the_option(kwargs, field):
    with pytest.raises(edge.EdgePlanError) as err:
        edge.function_config(**kwargs)
    assert err.value.field == field


def test_function_config_states_the_store():
    config = edge.function_config("c", "cloudfront-js-2.0", [KVS])
    assert config == {"Comment": "c", "Runtime": "cloudfront-js-2.0",
                      "KeyValueStoreAssociations": {"Quantity": 1, "Items": [{"KeyValueStoreARN": KVS}]}}
    assert edge.function_config()["KeyValueStoreAssociations"] == {"Quantity": 0}


def test_content_hash_covers_code_and_config_only():
    config = edge.function_config("c")
    read_back = dict(config, KeyValueStoreAssociations={"Quantity": 0, "Items": []})
    assert edge.content_hash(CODE, config) == edge.content_hash(CODE.decode(), read_back)
    assert edge.content_hash(CODE + b" ", config) != edge.content_hash(CODE, config)
    assert edge.content_hash(CODE, edge.function_config("other")) != edge.content_hash(CODE, config)


def test_plan_create_then_nothing_then_update_with_a_code_diff():
    config = edge.function_config("c")
    created = edge.function_plan("f", CODE, config, None, None, publish=True)
    assert (created["action"], created["update"], created["publish"]) == ("create", True, True)
    same = edge.function_plan("f", CODE, config, _stage(), _stage(), publish=True)
    assert (same["action"], same["changed"]) == ("none", False)
    assert [d["before_header"] for d in same["diff"]] == ["f: configuration"]
    changed = CODE.replace(b"return", b"event.request.uri = '/x';\n  return")
    update = edge.function_plan("f", changed, config, _stage(), _stage(), publish=True)
    assert (update["action"], update["update"], update["publish"]) == ("update", True, True)
    code_diff = update["diff"][1]
    assert code_diff["before_header"] == "f: code (DEVELOPMENT)"
    assert "event.request.uri" in code_diff["after"] and "event.request.uri" not in code_diff["before"]
    assert update["diff"][0]["before"]["development_sha256"] != update["diff"][0]["after"]["development_sha256"]


def test_plan_publishes_when_live_differs_or_is_missing_and_not_without_publish():
    config = edge.function_config("c")
    never = edge.function_plan("f", CODE, config, _stage(), None, publish=True)
    assert (never["action"], never["update"], never["publish"]) == ("publish", False, True)
    old_live = edge.function_plan("f", CODE, config, _stage(), _stage(code=b"function handler(event) {}"), publish=True)
    assert old_live["action"] == "publish"
    assert old_live["diff"][-1]["before_header"] == "f: code (LIVE)"
    kept = edge.function_plan("f", CODE, config, _stage(), None, publish=False)
    assert (kept["action"], kept["changed"]) == ("none", False)


def test_plan_absent():
    gone = edge.function_plan("f", b"", None, _stage(), None, state="absent")
    assert (gone["action"], gone["changed"]) == ("delete", True)
    assert gone["diff"][1]["after"] == ""
    assert edge.function_plan("f", b"", None, None, None, state="absent")["action"] == "none"


EVENT = {"version": "1.0", "context": {"eventType": "viewer-response"}, "viewer": {"ip": "198.51.100.1"},
         "request": {"method": "GET", "uri": "/", "headers": {}, "querystring": {}, "cookies": {}},
         "response": {"statusCode": 200, "headers": {}, "cookies": {}}}
TEST = {"name": "hsts", "event": EVENT,
        "expect": {"headers": {"strict-transport-security": {"value": "max-age=63072000"}}},
        "expect_absent": ["headers.server"]}


def test_verdicts_from_test_function_results():
    good = {"FunctionOutput": json.dumps({"response": {"statusCode": 200, "headers": {
        "strict-transport-security": {"value": "max-age=63072000"}}}}), "ComputeUtilization": "12"}
    assert edge.test_verdict(TEST, good, mismatches, function_output) == {
        "name": "hsts", "passed": True, "problems": [], "compute_utilization": "12"}
    wrong = {"FunctionOutput": json.dumps({"response": {"headers": {"server": {"value": "x"}}}})}
    verdict = edge.test_verdict(TEST, wrong, mismatches, function_output)
    assert not verdict["passed"]
    assert any(p.startswith("headers.strict-transport-security") for p in verdict["problems"])
    assert any(p.startswith("headers.server: expected absent") for p in verdict["problems"])
    failed = edge.test_verdict(TEST, {"FunctionErrorMessage": "TypeError: x is undefined"}, mismatches, function_output)
    assert failed["problems"] == ["the function failed: TypeError: x is undefined"]
    garbage = edge.test_verdict(TEST, {"FunctionOutput": "not json"}, mismatches, function_output)
    assert not garbage["passed"]
    message = edge.failed_tests_message("f", [verdict, good and edge.test_verdict(TEST, good, mismatches, function_output)])
    assert message.startswith("f: 1 of 2 tests failed on CloudFront (TestFunction), nothing was published to LIVE: hsts: ")


def test_the_test_event_is_sent_as_json():
    assert json.loads(edge.test_event_blob(TEST)) == EVENT


def test_function_associations():
    assoc = edge.function_associations([
        {"behavior": "static", "event_type": "viewer-response", "function_arn": FN},
        {"behavior": "static", "event_type": "viewer-request", "function_arn": FN.replace("security_headers", "img")},
    ])
    assert [a["event_type"] for a in assoc["static"]] == ["viewer-request", "viewer-response"]
    assert assoc["default"] == [] and assoc["api"] == []
    with pytest.raises(edge.EdgePlanError, match="one function per event type"):
        edge.function_associations([{"behavior": "api", "event_type": "viewer-request", "function_arn": FN}] * 2)
    with pytest.raises(edge.EdgePlanError, match="not a CloudFront function ARN"):
        edge.function_associations([{"behavior": "api", "event_type": "viewer-request", "function_arn": "planned"}])
    with pytest.raises(edge.EdgePlanError, match="origin-request"):
        edge.function_associations([{"behavior": "api", "event_type": "origin-request", "function_arn": FN}])


def _settings(associations=None):
    return cloudfront_settings("meridian-test-us-east-1", "alb.example.com", "static-bucket", "us-east-1",
                               certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
                               aliases=["cdn.example.com"], origin_access_control_id="E2OAC",
                               function_associations=associations)


def test_distribution_carries_the_associations_and_compares_them():
    associations = [{"behavior": "default", "event_type": "viewer-response", "function_arn": FN},
                    {"behavior": "static", "event_type": "viewer-response", "function_arn": FN}]
    settings = _settings(associations)
    config = distribution_config(settings)
    assert config["DefaultCacheBehavior"]["FunctionAssociations"] == {
        "Quantity": 1, "Items": [{"FunctionARN": FN, "EventType": "viewer-response"}]}
    static = [b for b in config["CacheBehaviors"]["Items"] if b["TargetOriginId"] == "static"]
    assert static and all(b["FunctionAssociations"]["Quantity"] == 1 for b in static)
    api = [b for b in config["CacheBehaviors"]["Items"] if b["TargetOriginId"] == "alb"]
    assert all(b["FunctionAssociations"] == {"Quantity": 0} for b in api)
    assert cloudfront_drift(config, settings) == []
    # a read-back without the associations (what moto 5.2.5 returns) is drift, unless not compared
    dropped = distribution_config(_settings())
    assert cloudfront_drift(dropped, settings) == ["behaviors", "default_behavior"]
    assert cloudfront_drift(dropped, settings, compare_function_associations=False) == []
    current = {"Id": "E1", "ARN": "arn", "ETag": "x", "DistributionConfig": dropped}
    plan = distribution_plan(current, {}, dict(settings, tags=None), compare_function_associations=False)
    assert (plan["action"], plan["before"], ) == ("none", plan["after"])
    plan = distribution_plan(current, {}, dict(settings, tags=None))
    assert plan["action"] == "update"
    assert plan["request"]["DefaultCacheBehavior"]["FunctionAssociations"]["Quantity"] == 1


def test_distribution_refuses_a_bad_association():
    with pytest.raises(CdnPlanError) as err:
        _settings([{"behavior": "everything", "event_type": "viewer-request", "function_arn": FN}])
    assert err.value.field == "function_associations[0]"


def test_key_value_store_plan():
    assert edge.key_value_store_plan(None, "s", "c")["action"] == "create"
    current = {"Name": "s", "Comment": "c", "ARN": KVS}
    assert edge.key_value_store_plan(current, "s", "c")["action"] == "none"
    assert edge.key_value_store_plan(current, "s", "d")["action"] == "update"
    assert edge.key_value_store_plan(current, "s", state="absent")["action"] == "delete"
    with pytest.raises(edge.EdgePlanError) as err:
        edge.key_value_store_plan(None, "bad name")
    assert err.value.field == "name"


@pytest.mark.parametrize("values, match", [
    ({"k" * 513: "v"}, "at most 512 bytes"),
    ({"k": "v" * 1025}, "1 to 1024 bytes"),
    ({"k": ""}, "1 to 1024 bytes"),
    ({"k": True}, "values are strings"),
    (["k"], "mapping of key to value"),
    (dict(("k%05d" % i, "v" * 1000) for i in range(5300)), "a store holds at most"),
])
def test_key_values_refusals(values, match):
    with pytest.raises(edge.EdgePlanError, match=match):
        edge.key_values(values)


def test_keys_plan_and_batches():
    wanted = edge.key_values({"pii:DE": "eu-west-1", "pii:US": "us-east-1", "obj": {"b": 1, "a": 2}})
    assert wanted["obj"] == '{"a":2,"b":1}'
    delta = edge.keys_plan({"pii:DE": "eu-west-1", "pii:FR": "eu-west-1", "pii:US": "eu-west-1"}, wanted)
    assert delta["puts"] == {"obj": '{"a":2,"b":1}', "pii:US": "us-east-1"}
    assert delta["deletes"] == ["pii:FR"]
    assert delta["after"] == dict(sorted(wanted.items()))
    assert edge.keys_plan(wanted, wanted)["changed"] is False
    assert edge.keys_plan({"extra": "x"}, {}, purge=False)["changed"] is False
    batches = edge.key_batches(dict(("k%03d" % i, "v") for i in range(120)), ["old"])
    assert [len(p) + len(d) for p, d in batches] == [50, 50, 21]
    assert batches[-1][1] == [{"Key": "old"}]
