# -*- coding: utf-8 -*-
"""cloudfront_key_value_store against a moto_server of its own (the store: create, describe, update,
delete), and botocore's Stubber for the keys, whose API (cloudfront-keyvaluestore) moto 5.2.5 does not
have. That API signs with SigV4A, which botocore does only with the AWS CRT: the stubbed client here is
unsigned (a Stubber sends nothing), and the module's own check for the CRT is tested apart."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

boto3 = pytest.importorskip("boto3")

import botocore.session  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import cloudfront_edge  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import cloudfront_key_value_store  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    use_aws_clients,
)

NAME = "meridian-test-us-east-1-residency"
ARN = "arn:aws:cloudfront::123456789012:key-value-store/0d4b2f4e-1111-2222-3333-444455556666"


def run(moto_url, check=False, **args):
    return run_aws_module(cloudfront_key_value_store, moto_url, "us-east-1", dict({"name": NAME}, **args), check=check)


@pytest.fixture(scope="module")
def cf(moto_url):
    return boto3.client("cloudfront", region_name="us-east-1", endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _listed(cf):
    return [s for s in cf.list_key_value_stores()["KeyValueStoreList"].get("Items", []) if s["Name"] == NAME]


def test_moto_store_create_idempotent_update_delete(moto_url, cf):
    planned = run(moto_url, check=True, comment="residency")
    assert (planned.result["changed"], planned.result["action"]) == (True, "create")
    assert planned.result["diff"] == {"before": {}, "after": {"comment": "residency", "name": NAME}}
    assert _listed(cf) == []

    created = run(moto_url, comment="residency")
    [store] = _listed(cf)
    assert created.result["key_value_store"]["arn"] == store["ARN"]
    assert created.result["keys"] == {"put": [], "deleted": []}

    for check in (True, False):
        again = run(moto_url, check=check, comment="residency")
        assert (again.result["changed"], again.result["action"]) == (False, "none")

    updated = run(moto_url, comment="residency, renamed")
    assert updated.result["action"] == "update"
    assert _listed(cf)[0]["Comment"] == "residency, renamed"

    assert run(moto_url, check=True, state="absent").result["action"] == "delete"
    assert len(_listed(cf)) == 1
    assert run(moto_url, state="absent").result["action"] == "delete"
    assert _listed(cf) == []
    assert run(moto_url, state="absent").result["changed"] is False


def test_bad_options_fail_before_any_call():
    for args, field in (({"name": "bad name"}, "name"), ({"comment": "c" * 129}, "comment"),
                        ({"key_values": {"k": "v" * 1025}}, "key_values")):
        failed = run_aws_module(cloudfront_key_value_store, "http://127.0.0.1:9", "us-east-1", dict({"name": NAME}, **args))
        assert isinstance(failed, ModuleFail)
        assert failed.result["field"] == field


def test_keys_without_the_crt_fail_before_any_call(monkeypatch):
    monkeypatch.setattr(cloudfront_edge, "HAS_CRT", False)
    failed = run_aws_module(cloudfront_key_value_store, "http://127.0.0.1:9", "us-east-1",
                            {"name": NAME, "key_values": {"pii:DE": "eu-west-1"}})
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "key_values"
    assert "botocore[crt]" in failed.result["msg"]


# Stubber: the keys (cloudfront-keyvaluestore), which moto lacks

@pytest.fixture
def stubbed(monkeypatch):
    fast_retries(monkeypatch)
    monkeypatch.setattr(cloudfront_edge, "HAS_CRT", True)
    control = botocore_client("cloudfront")
    data = botocore.session.get_session().create_client(
        "cloudfront-keyvaluestore", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
    stubbers = {"cloudfront": Stubber(control), "cloudfront-keyvaluestore": Stubber(data)}
    for stubber in stubbers.values():
        stubber.activate()
    use_aws_clients(monkeypatch, {"cloudfront": control, "cloudfront-keyvaluestore": data})
    yield stubbers
    for stubber in stubbers.values():
        stubber.deactivate()


def _store(status="READY"):
    return {"Name": NAME, "Id": ARN.rsplit("/", 1)[1], "Comment": "residency", "ARN": ARN, "Status": status,
            "LastModifiedTime": "2026-01-01T00:00:00Z"}


def _describe(stubbers, status="READY"):
    stubbers["cloudfront"].add_response("describe_key_value_store", {"ETag": "S1", "KeyValueStore": _store(status)},
                                        {"Name": NAME})


def _keys(stubbers, items):
    stubbers["cloudfront-keyvaluestore"].add_response("list_keys", {"Items": [{"Key": k, "Value": v} for k, v in items]},
                                                      {"KvsARN": ARN})


def _run(check=False, **args):
    return run_aws_module(cloudfront_key_value_store, None, "us-east-1",
                          dict({"name": NAME, "comment": "residency"}, **args), check=check)


def test_keys_put_and_deleted_with_the_store_etag(stubbed):
    wanted = {"pii:DE": "eu-west-1", "pii:US": "us-east-1", "origin:eu-west-1": "alb-eu.example.com"}
    data = stubbed["cloudfront-keyvaluestore"]
    _describe(stubbed)
    _keys(stubbed, [("pii:DE", "eu-west-1"), ("pii:US", "eu-west-1"), ("pii:FR", "eu-west-1")])
    data.add_response("describe_key_value_store", {"ETag": "KV1", "ItemCount": 3, "TotalSizeInBytes": 60, "KvsARN": ARN,
                                                   "Created": "2026-01-01T00:00:00Z"}, {"KvsARN": ARN})
    data.add_response("update_keys", {"ItemCount": 3, "TotalSizeInBytes": 80, "ETag": "KV2"},
                      {"KvsARN": ARN, "IfMatch": "KV1", "Deletes": [{"Key": "pii:FR"}],
                       "Puts": [{"Key": "origin:eu-west-1", "Value": "alb-eu.example.com"}, {"Key": "pii:US", "Value": "us-east-1"}]})
    done = _run(key_values=wanted)
    for stubber in stubbed.values():
        stubber.assert_no_pending_responses()
    assert (done.result["changed"], done.result["action"]) == (True, "none")
    assert done.result["keys"] == {"put": ["origin:eu-west-1", "pii:US"], "deleted": ["pii:FR"]}
    assert done.result["diff"]["before"]["keys"]["pii:FR"] == "eu-west-1"
    assert done.result["diff"]["after"]["keys"] == dict(sorted(wanted.items()))


def test_keys_equal_is_idempotent_and_check_mode_writes_nothing(stubbed):
    _describe(stubbed)
    _keys(stubbed, [("pii:DE", "eu-west-1")])
    same = _run(key_values={"pii:DE": "eu-west-1"})
    assert same.result["changed"] is False
    _describe(stubbed)
    _keys(stubbed, [("pii:DE", "eu-west-1")])
    planned = _run(check=True, key_values={"pii:DE": "eu-central-1"})
    assert (planned.result["changed"], planned.result["keys"]) == (True, {"put": ["pii:DE"], "deleted": []})
    for stubber in stubbed.values():
        stubber.assert_no_pending_responses()


def test_new_store_waits_until_ready_then_writes_in_batches(stubbed, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    control, data = stubbed["cloudfront"], stubbed["cloudfront-keyvaluestore"]
    control.add_client_error("describe_key_value_store", "EntityNotFound", "The Key Value Store was not found.", 404,
                             expected_params={"Name": NAME})
    control.add_response("create_key_value_store", {"ETag": "S1", "KeyValueStore": _store("PROVISIONING")},
                         {"Name": NAME, "Comment": "residency"})
    control.add_response("describe_key_value_store", {"ETag": "S1", "KeyValueStore": _store("PROVISIONING")}, {"Name": NAME})
    control.add_response("describe_key_value_store", {"ETag": "S1", "KeyValueStore": _store("READY")}, {"Name": NAME})
    _keys(stubbed, [])
    data.add_response("describe_key_value_store", {"ETag": "KV0", "ItemCount": 0, "TotalSizeInBytes": 0, "KvsARN": ARN,
                                                   "Created": "2026-01-01T00:00:00Z"}, {"KvsARN": ARN})
    wanted = dict(("pii:C%03d" % i, "eu-west-1") for i in range(60))
    data.add_response("update_keys", {"ItemCount": 50, "TotalSizeInBytes": 1, "ETag": "KV1"},
                      {"KvsARN": ARN, "IfMatch": "KV0", "Puts": [{"Key": k, "Value": v} for k, v in sorted(wanted.items())][:50]})
    data.add_response("update_keys", {"ItemCount": 60, "TotalSizeInBytes": 1, "ETag": "KV2"},
                      {"KvsARN": ARN, "IfMatch": "KV1", "Puts": [{"Key": k, "Value": v} for k, v in sorted(wanted.items())][50:]})
    done = _run(key_values=wanted)
    for stubber in stubbed.values():
        stubber.assert_no_pending_responses()
    assert (done.result["action"], len(done.result["keys"]["put"])) == ("create", 60)


def test_a_concurrent_change_fails_on_the_etag(stubbed):
    data = stubbed["cloudfront-keyvaluestore"]
    _describe(stubbed)
    _keys(stubbed, [])
    data.add_response("describe_key_value_store", {"ETag": "KV1", "ItemCount": 0, "TotalSizeInBytes": 0, "KvsARN": ARN,
                                                   "Created": "2026-01-01T00:00:00Z"}, {"KvsARN": ARN})
    data.add_client_error("update_keys", "ConflictException", "The ETag does not match.", 409)
    failed = _run(key_values={"pii:DE": "eu-west-1"})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("cloudfront-keyvaluestore UpdateKeys (key value store %s) failed: ConflictException" % ARN)
