# -*- coding: utf-8 -*-
"""dr_state: the drill's state and lock in a versioned S3 object. Against a moto_server of its own
(moto 5.2.5 enforces If-None-Match: * and If-Match on PutObject, one request at a time), and with
botocore's Stubber for what moto does not do: 409 ConditionalRequestConflict, and a 412 for a write
that landed although its answer was lost."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import time

import pytest

boto3 = pytest.importorskip("boto3")

from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import ANY, Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.modules import dr_state  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    run_module,
    use_aws_clients,
)

REGION = "eu-west-1"
KEY = "dr-drill/primary.local.meridian.example.json"


def drill_state(drill_id, phases=("preflight", "markers", "inject"), fault=1796068900.0):
    return {"drill_id": drill_id, "primary_region": "us-east-1", "standby_region": "eu-west-1", "mode": "full",
            "phases": [{"name": p, "started": 1796068800.0, "finished": 1796068801.0} for p in phases],
            "events": {"fault_injected": fault}, "markers": {"acknowledged": [[1, 1796068850.0], [2, 1796068851.0]], "present": None},
            "checks": [{"name": "primary database", "passed": True, "detail": "ok"}], "anomalies": [],
            "replica_lag_seconds": 0.0, "capacity_before": {"meridian-local-web-eu-west-1": {"desired": 1, "min": 1, "max": 6}},
            "original": {"route53": {"role": "PRIMARY"}}}


@pytest.fixture(scope="module")
def store(moto_url):
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="drill-versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="drill-versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="drill-plain", CreateBucketConfiguration={"LocationConstraint": REGION})
    return s3


def ended(outcome):
    """The module's result; a failure is raised (ModuleFail) so that tests can expect it."""
    if isinstance(outcome, ModuleFail):
        raise outcome
    return outcome.result


def call(moto_url, key, check=False, **args):
    base = {"bucket": "drill-versioned", "key": key, "primary_region": "us-east-1", "standby_region": "eu-west-1"}
    base.update(args)
    return ended(run_aws_module(dr_state, moto_url, REGION, base, check=check))


def test_options_are_checked_before_any_call():
    for args, field in [({"action": "lock"}, "drill_id"), ({"action": "save", "token": "t"}, "state"),
                        ({"action": "unlock"}, "token"), ({"action": "get", "ttl": -1}, "ttl")]:
        # no endpoint at all: a call would fail differently
        with pytest.raises(ModuleFail) as exc:
            ended(run_module(dr_state, dict({"bucket": "b", "key": "k", "region": REGION}, **args)))
        assert exc.value.result["field"] == field, exc.value.result


def test_a_drill_saved_on_one_controller_is_continued_by_another(store, moto_url):
    key = "e2e/" + KEY
    # controller A takes the lock (check mode first: nothing is written)
    planned = call(moto_url, key, check=True, action="lock", drill_id="d1", mode="full", holder="ctl-a")
    assert planned["changed"] and planned["lock"]["status"] == "running"
    assert call(moto_url, key, action="get")["lock"]["status"] == "absent"
    got = call(moto_url, key, action="lock", drill_id="d1", mode="full", holder="ctl-a")
    token_a = got["token"]
    saved = call(moto_url, key, action="save", token=token_a, state=drill_state("d1"), status="paused")
    assert saved["changed"] and saved["lock"]["status"] == "paused"
    # a second drill is refused, naming the holder and the deadline; nothing is written
    with pytest.raises(ModuleFail) as exc:
        call(moto_url, key, action="lock", drill_id="d2", mode="full", holder="ctl-b")
    msg = exc.value.result["msg"]
    assert "another drill holds the lock: drill d1 (full, us-east-1 -> eu-west-1) is paused, holder ctl-a, deadline" in msg
    assert exc.value.result["lock"]["drill_id"] == "d1"
    # controller B (nothing local) reads the saved state and takes the drill over
    taken = call(moto_url, key, action="takeover", mode="resume", holder="ctl-b")
    assert taken["state"] == drill_state("d1") and taken["token"] != token_a
    assert taken["lock"]["holder"] == "ctl-b" and taken["lock"]["drill_id"] == "d1"
    # A's token no longer holds the lock
    with pytest.raises(ModuleFail) as exc:
        call(moto_url, key, action="save", token=token_a, state=drill_state("d1"))
    assert "no longer holds the lock" in exc.value.result["msg"]
    done = call(moto_url, key, action="unlock", token=taken["token"], outcome="passed")
    assert done["changed"] and done["lock"]["status"] == "released"
    assert not call(moto_url, key, action="unlock", token=taken["token"])["changed"]
    # every write is a version of the object
    versions = store.list_object_versions(Bucket="drill-versioned", Prefix=key)["Versions"]
    assert len(versions) == 4
    doc = json.loads(store.get_object(Bucket="drill-versioned", Key=key)["Body"].read())
    assert [e["event"] for e in doc["log"]] == ["acquired", "paused", "taken_over", "released"]
    # the next drill may lock again
    assert call(moto_url, key, action="lock", drill_id="d2", holder="ctl-b")["lock"]["drill_id"] == "d2"


def test_the_loser_of_two_locks_on_the_same_read_gets_412_and_is_refused(store, moto_url, monkeypatch):
    """Two runs read "no object"; both PUT with If-None-Match: *. moto refuses the second (412);
    the module reads again and refuses naming the winner."""
    key = "race/" + KEY
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import s3_state

    real_read = s3_state.S3StateClient.read
    reads = []

    def read_then_rival_locks(self, bucket, k):
        out = real_read(self, bucket, k)
        if not reads:
            # the rival's lock lands between this run's read and its write
            store.put_object(Bucket=bucket, Key=k, IfNoneMatch="*", Body=json.dumps(
                call_plan_lock("rival", "ctl-rival")).encode())
        reads.append(out["document"] is None)
        return out

    monkeypatch.setattr(s3_state.S3StateClient, "read", read_then_rival_locks)
    with pytest.raises(ModuleFail) as exc:
        call(moto_url, key, action="lock", drill_id="late", holder="ctl-late")
    assert reads == [True, False]  # read, 412 on the write, read again
    assert "drill rival" in exc.value.result["msg"] and "holder ctl-rival" in exc.value.result["msg"]
    doc = json.loads(store.get_object(Bucket="drill-versioned", Key=key)["Body"].read())
    assert doc["lock"]["drill_id"] == "rival"


def call_plan_lock(drill_id, holder):
    from ansible_collections.meridian.global_infra.plugins.module_utils.drill.state import plan
    return plan("lock", None, None, time.time(), {"drill_id": drill_id, "token": "t-" + drill_id, "holder": holder,
                                                  "mode": "full", "primary_region": "us-east-1",
                                                  "standby_region": "eu-west-1", "ttl": 3600})["after"]


def test_a_stale_lock_is_broken_only_on_purpose(store, moto_url):
    key = "stale/" + KEY
    token = call(moto_url, key, action="lock", drill_id="old", holder="ctl-dead", ttl=1)["token"]
    call(moto_url, key, action="save", token=token, state=drill_state("old"), ttl=1)
    time.sleep(2.1)  # past the deadline on the store's clock (the Date header counts whole seconds)
    with pytest.raises(ModuleFail) as exc:
        call(moto_url, key, action="lock", drill_id="new", holder="ctl-b")
    assert "past its deadline" in exc.value.result["msg"] and "(stale)" in exc.value.result["msg"]
    out = call(moto_url, key, action="lock", drill_id="new", holder="ctl-b", break_stale=True)
    assert out["broken"]["drill_id"] == "old" and out["broken"]["holder"] == "ctl-dead"
    assert out["lock"]["drill_id"] == "new"


def test_an_unversioned_bucket_is_refused_naming_it(store, moto_url):
    with pytest.raises(ModuleFail) as exc:
        call(moto_url, KEY, action="lock", drill_id="d", bucket="drill-plain")
    assert exc.value.result["field"] == "bucket" and "drill-plain is not versioned" in exc.value.result["msg"]
    assert "Contents" not in store.list_objects_v2(Bucket="drill-plain")


# --------------------------------------------------------------------------------------------
# What moto does not do, with botocore's Stubber
# --------------------------------------------------------------------------------------------

@pytest.fixture
def s3stub(monkeypatch):
    fast_retries(monkeypatch)
    client = botocore_client("s3", REGION)
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"s3": client})
    yield stubber
    stubber.assert_no_pending_responses()


def _body(doc):
    raw = json.dumps(doc).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def _get(stubber, doc, etag):
    if doc is None:
        stubber.add_client_error("get_object", "NoSuchKey", http_status_code=404,
                                 response_meta={"HTTPHeaders": {"date": "Mon, 30 Nov 2026 20:00:00 GMT"}})
    else:
        stubber.add_response("get_object", {"Body": _body(doc), "ETag": etag, "VersionId": "v-" + etag.strip('"'),
                                            "ResponseMetadata": {"HTTPHeaders": {"date": "Mon, 30 Nov 2026 20:00:00 GMT"}}},
                             {"Bucket": "b", "Key": KEY})


def test_409_conditional_request_conflict_reads_again_and_decides_again(s3stub):
    """S3 answers 409 while another conditional write to the key is under way; the rival's lock is
    what the next read finds, and this run is refused."""
    s3stub.add_response("get_bucket_versioning", {"Status": "Enabled"})
    _get(s3stub, None, None)
    s3stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409,
                            expected_params={"Bucket": "b", "Key": KEY, "Body": ANY, "ContentType": "application/json",
                                             "IfNoneMatch": "*"})
    _get(s3stub, call_plan_lock("rival", "ctl-rival"), '"r1"')
    with pytest.raises(ModuleFail) as exc:
        ended(run_module(dr_state, {"action": "lock", "bucket": "b", "key": KEY, "region": REGION, "drill_id": "mine"}))
    assert "drill rival" in exc.value.result["msg"]


def test_a_409_then_a_free_key_locks_on_the_second_attempt(s3stub):
    s3stub.add_response("get_bucket_versioning", {"Status": "Enabled"})
    _get(s3stub, None, None)
    s3stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409)
    _get(s3stub, None, None)
    s3stub.add_response("put_object", {"ETag": '"m1"', "VersionId": "v1"},
                        {"Bucket": "b", "Key": KEY, "Body": ANY, "ContentType": "application/json", "IfNoneMatch": "*"})
    out = ended(run_module(dr_state, {"action": "lock", "bucket": "b", "key": KEY, "region": REGION, "drill_id": "mine"}))
    assert out["changed"] and out["version_id"] == "v1" and out["lock"]["drill_id"] == "mine"
    # the deadline is on the store's clock (the answer's Date), not this machine's
    assert out["lock"]["deadline_iso"] == "2026-11-30T21:00:00Z"


def test_a_save_whose_answer_was_lost_is_recognised_by_its_own_object(s3stub):
    """The PUT landed but the answer was lost; its retry met its own object (412). Reading back the
    document this run wrote is success, not a lost lock."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.drill import state as pure

    held = call_plan_lock("mine", "me")
    held["lock"]["token"] = "tok"
    now = 1796068800.0  # the stubbed Date
    after = pure.plan("save", held, '"h1"', now, {"token": "tok", "state": drill_state("mine"), "status": "running"})["after"]
    _get(s3stub, held, '"h1"')
    s3stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412,
                            expected_params={"Bucket": "b", "Key": KEY, "Body": ANY, "ContentType": "application/json",
                                             "IfMatch": '"h1"'})
    _get(s3stub, after, '"h2"')
    out = ended(run_module(dr_state, {"action": "save", "bucket": "b", "key": KEY, "region": REGION, "token": "tok",
                                      "state": drill_state("mine")}))
    assert out["changed"] and out["version_id"] == "v-h2" and out["lock"]["status"] == "running"


def test_access_denied_names_the_permission(s3stub):
    s3stub.add_client_error("get_object", "AccessDenied", http_status_code=403)
    with pytest.raises(ModuleFail) as exc:
        ended(run_module(dr_state, {"action": "get", "bucket": "b", "key": KEY, "region": REGION}))
    assert "allow s3:GetObject" in exc.value.result["msg"]
