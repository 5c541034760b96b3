# -*- coding: utf-8 -*-
"""The drill's state and lock document (module_utils/drill/state.py): who may lock, take over, save,
unlock and break, judged on the store's clock, and the condition every write carries."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.state import (
    DrillLockError,
    describe,
    lock_view,
    plan,
    validate_state,
)

T0 = 1796068800.0  # 2026-11-30T20:00:00Z
TTL = 600.0


def state(drill_id="us-east-1-a", phases=("preflight", "markers"), **extra):
    out = {"drill_id": drill_id, "primary_region": "us-east-1", "standby_region": "eu-west-1", "mode": "full",
           "phases": [{"name": p, "started": T0, "finished": T0 + 1} for p in phases],
           "events": {"fault_injected": T0 + 2}, "markers": {"acknowledged": [[1, T0]], "present": None},
           "checks": [], "anomalies": [], "replica_lag_seconds": 0.1, "capacity_before": {"web": {"desired": 1}},
           "original": {"answer": "PRIMARY"}}
    out.update(extra)
    return out


def run(drill_id="us-east-1-a", token="tok-a", holder="alice@ctl", **extra):
    out = {"drill_id": drill_id, "token": token, "holder": holder, "mode": "full", "primary_region": "us-east-1",
           "standby_region": "eu-west-1", "ttl": TTL}
    out.update(extra)
    return out


def locked(now=T0, **run_extra):
    """The document after a first drill took the lock at ``now``."""
    return plan("lock", None, None, now, run(**run_extra))["after"]


def saved(doc, now, status="running", **run_extra):
    return plan("save", doc, '"e1"', now, run(state=state(), status=status, **run_extra))["after"]


def test_the_first_lock_creates_the_object_only_if_none_exists():
    out = plan("lock", None, None, T0, run())
    assert out["changed"] and out["write"] == {"if_none_match": "*"}
    assert out["after"]["status"] == "running" and out["after"]["revision"] == 1
    assert out["lock"]["held"] and not out["lock"]["stale"]
    assert out["lock"]["deadline"] == T0 + TTL and out["lock"]["deadline_iso"] == "2026-11-30T20:10:00Z"
    assert [e["event"] for e in out["after"]["log"]] == ["acquired"]


@pytest.mark.parametrize("status", ["running", "paused", "failed"])
def test_a_second_drill_is_refused_naming_the_holder_and_the_deadline(status):
    doc = saved(locked(), T0 + 60, status=status)
    with pytest.raises(DrillLockError) as exc:
        plan("lock", doc, '"e2"', T0 + 120, run(drill_id="us-east-1-b", token="tok-b", holder="bob@awx"))
    text = str(exc.value)
    assert "drill us-east-1-a" in text and "holder alice@ctl" in text and "is %s" % status in text
    # the deadline is the last save's plus the time to live, on the store's clock
    assert "deadline 2026-11-30T20:11:00Z, in 540 s" in text
    assert exc.value.lock["drill_id"] == "us-east-1-a"


def test_a_stale_lock_is_reported_and_only_broken_on_purpose():
    doc = saved(locked(), T0 + 60)
    late = T0 + 60 + TTL + 30
    with pytest.raises(DrillLockError) as exc:
        plan("lock", doc, '"e2"', late, run(drill_id="b", token="tok-b"))
    assert "past its deadline" in str(exc.value) and "passed 30 s ago (stale)" in str(exc.value)
    assert "dr_failover_break_lock=true" in str(exc.value)
    out = plan("lock", doc, '"e2"', late, run(drill_id="b", token="tok-b", break_stale=True))
    assert out["write"] == {"if_match": '"e2"'}
    assert out["broken"]["drill_id"] == "us-east-1-a" and out["broken"]["stale"]
    assert out["after"]["lock"]["drill_id"] == "b" and out["after"]["lock"]["token"] == "tok-b"
    assert [e["event"] for e in out["after"]["log"]][-2:] == ["broken", "acquired"]
    assert out["before"] is doc


def test_a_released_or_broken_lock_is_free_and_replaced_on_its_etag():
    doc = plan("unlock", locked(), '"e1"', T0 + 5, run(outcome="passed"))["after"]
    assert doc["status"] == "released" and not lock_view(doc, T0 + 6)["held"]
    out = plan("lock", doc, '"e9"', T0 + 10, run(drill_id="b", token="tok-b"))
    assert out["write"] == {"if_match": '"e9"'} and out["broken"] is None
    assert out["after"]["revision"] == doc["revision"] + 1


def test_save_renews_the_deadline_and_refuses_a_run_that_lost_the_lock():
    doc = locked()
    out = plan("save", doc, '"e1"', T0 + 100, run(state=state(), status="paused"))
    assert out["after"]["status"] == "paused" and out["lock"]["deadline"] == T0 + 100 + TTL
    assert out["after"]["state"]["events"]["fault_injected"] == T0 + 2
    # the state holds the fault's time but inject is not done: the save made before the fault
    assert out["after"]["log"][-1]["detail"] == "before the fault, at 2026-11-30T20:00:02Z"
    after_inject = plan("save", out["after"], '"e2"', T0 + 101, run(state=state(phases=("preflight", "markers", "inject"))))
    assert after_inject["after"]["log"][-1]["detail"] == "after inject"
    with pytest.raises(DrillLockError, match="no longer holds the lock: drill us-east-1-a"):
        plan("save", out["after"], '"e2"', T0 + 200, run(token="someone-else", state=state()))
    broken = plan("break", out["after"], '"e2"', T0 + 100 + TTL + 1, run(holder="carol"))["after"]
    with pytest.raises(DrillLockError, match="lock was broken"):
        plan("save", broken, '"e3"', T0 + 2000, run(state=state()))


def test_save_refuses_a_state_of_another_drill_or_a_bad_one():
    with pytest.raises(DrillError, match="state.drill_id"):
        plan("save", locked(), '"e1"', T0, run(state=state(drill_id="other")))
    bad = state()
    del bad["events"]
    with pytest.raises(DrillError, match="missing events"):
        validate_state(bad)
    with pytest.raises(DrillError, match=r"state.events.fault_injected: expected a number"):
        validate_state(state(events={"fault_injected": "soon"}))
    # the writer's job id is kept when given, a string; any other key is refused
    assert validate_state(state(writer_jid="j123.456"))["writer_jid"] == "j123.456"
    with pytest.raises(DrillError, match=r"state.writer_jid: expected the writer's job id"):
        validate_state(state(writer_jid=7))
    with pytest.raises(DrillError, match=r"unknown key\(s\) writers"):
        validate_state(state(writers="j1"))


@pytest.mark.parametrize("status", ["paused", "failed"])
def test_takeover_continues_a_paused_or_failed_drill_with_a_new_token(status):
    doc = saved(locked(), T0 + 60, status=status)
    out = plan("takeover", doc, '"e2"', T0 + 90, run(drill_id=None, token="tok-new", mode="resume", holder="awx job 7"))
    lock = out["after"]["lock"]
    assert lock["token"] == "tok-new" and lock["drill_id"] == "us-east-1-a" and lock["holder"] == "awx job 7"
    assert lock["acquired"] == T0 and lock["deadline"] == T0 + 90 + TTL
    assert out["after"]["state"] == doc["state"] and out["after"]["status"] == "running"
    assert out["write"] == {"if_match": '"e2"'} and out["notes"] == []


def test_takeover_of_a_paused_drill_past_its_deadline_says_so():
    doc = saved(locked(), T0 + 60, status="paused")
    out = plan("takeover", doc, '"e2"', T0 + 60 + TTL + 5, run(token="tok-new", mode="rollback"))
    assert out["broken"] is None and "taken over past its deadline" in out["notes"][0]


def test_takeover_of_a_running_drill_needs_it_stale_and_an_explicit_break():
    doc = saved(locked(), T0 + 60)
    with pytest.raises(DrillLockError, match="still running elsewhere"):
        plan("takeover", doc, '"e2"', T0 + 61, run(token="n", break_stale=True))
    late = T0 + 60 + TTL + 1
    with pytest.raises(DrillLockError, match="stopped renewing its lock"):
        plan("takeover", doc, '"e2"', late, run(token="n"))
    out = plan("takeover", doc, '"e2"', late, run(token="n", break_stale=True))
    assert out["broken"]["status"] == "running" and out["broken"]["stale"] and out["notes"] == []
    assert out["after"]["log"][-1]["detail"] == "full run continues the running drill (stale lock broken)"


def test_takeover_refuses_without_a_drill_or_for_another_pair():
    with pytest.raises(DrillLockError, match="no interrupted drill"):
        plan("takeover", None, None, T0, run(token="n"))
    released = plan("unlock", locked(), '"e1"', T0, run())["after"]
    with pytest.raises(DrillLockError, match="no interrupted drill to continue: drill us-east-1-a .* is released"):
        plan("takeover", released, '"e2"', T0, run(token="n"))
    paused = saved(locked(), T0, status="paused")
    with pytest.raises(DrillLockError, match="fails us-east-1 over to eu-west-1, this run eu-west-1 to us-east-1"):
        plan("takeover", paused, '"e2"', T0, run(token="n", primary_region="eu-west-1", standby_region="us-east-1"))


def test_unlock_is_idempotent_and_keeps_the_last_state():
    doc = saved(locked(), T0 + 60)
    out = plan("unlock", doc, '"e2"', T0 + 70, run(outcome="passed", state=state(phases=("preflight", "markers", "failback"))))
    assert out["changed"] and out["after"]["status"] == "released"
    assert out["after"]["log"][-1]["detail"] == "passed"
    assert [p["name"] for p in out["after"]["state"]["phases"]][-1] == "failback"
    again = plan("unlock", out["after"], '"e3"', T0 + 80, run())
    assert not again["changed"] and again["write"] is None


def test_break_refuses_a_live_lock_and_leaves_a_free_one_alone():
    doc = saved(locked(), T0 + 60)
    with pytest.raises(DrillLockError, match="not stale, it is not broken: .*in 599 s"):
        plan("break", doc, '"e2"', T0 + 61, run(holder="carol"))
    out = plan("break", doc, '"e2"', T0 + 60 + TTL + 1, run(holder="carol"))
    assert out["after"]["status"] == "broken" and "broken by carol" in out["after"]["log"][-1]["detail"]
    assert not plan("break", out["after"], '"e3"', T0 + 5000, run())["changed"]
    assert not plan("break", None, None, T0, run())["changed"]


def test_get_reads_without_writing_and_views_the_lock():
    doc = saved(locked(), T0 + 60, status="paused")
    out = plan("get", doc, '"e2"', T0 + 70, run())
    assert not out["changed"] and out["after"] is doc
    assert out["lock"]["status"] == "paused" and out["lock"]["seconds_to_deadline"] == 590.0
    assert "drill us-east-1-a (full, us-east-1 -> eu-west-1) is paused" in describe(out["lock"])
    assert plan("get", None, None, T0, run())["lock"] == {"status": "absent", "held": False, "stale": False}


def test_a_document_this_code_did_not_write_is_refused():
    with pytest.raises(DrillError, match="not a drill state document of schema 1"):
        plan("get", {"hello": "world"}, '"x"', T0, run())
    doc = copy.deepcopy(locked())
    doc["status"] = "zombie"
    with pytest.raises(DrillError, match="unknown status 'zombie'"):
        plan("get", doc, '"x"', T0, run())


def test_bad_actions_and_ttl_are_refused():
    with pytest.raises(DrillError, match="unknown action"):
        plan("steal", None, None, T0, run())
    with pytest.raises(DrillError, match="ttl: must be more than 0"):
        plan("lock", None, None, T0, run(ttl=0))
    with pytest.raises(DrillError, match="token: is required to save"):
        plan("save", locked(), '"e1"', T0, run(token="", state=state()))
