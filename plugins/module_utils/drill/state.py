# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drill's state and lock as one document of the estate's store (pure).

The store is one S3 object (``dr_state``, ``clients/s3_state.py``) in a versioned bucket. It holds
the lock of the failover name and the drill's progress in one JSON document, so that a new
controller can continue or undo a drill, and a second drill refuses while one holds the lock. Every
write is conditional (``If-None-Match: *`` when there is no document, ``If-Match: <ETag>`` of the
document read otherwise): of two runs that read the same document, one write wins and the other is
refused (HTTP 412), and its run reads again and decides again.

The document::

    {"schema": 1, "revision": N, "status": running|paused|failed|released|broken,
     "lock": {"drill_id", "token", "holder", "mode", "primary_region", "standby_region",
              "acquired", "renewed", "deadline", "ttl"},
     "state": {the drill's progress, STATE_KEYS},
     "log": [{"at", "event", "drill_id", "holder", "detail"}, ...]}

``running``, ``paused`` (stopped on purpose after a phase) and ``failed`` (the run ended with the
estate changed: a fault was injected) hold the lock; ``released`` (finished, or stopped before the
fault) and ``broken`` (a stale lock broken on purpose) do not. A held lock is stale once the store's
clock is past its ``deadline``; each save renews the deadline (``ttl`` seconds on).

Nothing here touches the network: ``plan`` takes the document read (or None), the time of the
store, and what the run asks, and returns the document to write and the condition to write it with,
or raises ``DrillLockError`` saying who holds the lock until when and what to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

SCHEMA = 1
HELD = ("running", "paused", "failed")
FREE = ("released", "broken")
ACTIONS = ("get", "lock", "takeover", "save", "unlock", "break")
# What a saved state holds (the role's save_state.yml writes them all).
STATE_KEYS = ("drill_id", "primary_region", "standby_region", "mode", "phases", "events", "markers", "checks",
              "anomalies", "replica_lag_seconds", "capacity_before", "original")
# Kept when present: the writer's asynchronous job id (dr_writer), which a resume on the controller
# that started it collects.
OPTIONAL_STATE_KEYS = ("writer_jid",)
LOG_KEEP = 50


class DrillLockError(DrillError):
    """The lock is held by another drill (or lost). ``lock`` is the lock's view (``lock_view``)."""

    def __init__(self, message, lock=None):
        self.lock = lock or {}
        super(DrillLockError, self).__init__("lock", message, prefix=False)


def iso(epoch):
    """``2026-11-30T20:30:00Z`` for epoch seconds (None stays None)."""
    if epoch is None:
        return None
    return datetime.datetime.fromtimestamp(float(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(value, field, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DrillError(field, "expected a number, got %r" % (value,))
    return value


def validate_state(state, field="state"):
    """The drill's progress as the role saves it; raises DrillError naming the bad key."""
    if not isinstance(state, dict):
        raise DrillError(field, "expected a dict of the drill's progress, got %s" % type(state).__name__)
    missing = [key for key in STATE_KEYS if key not in state]
    if missing:
        raise DrillError(field, "missing %s (a saved drill state holds %s)" % (", ".join(missing), ", ".join(STATE_KEYS)))
    unknown = sorted(set(state) - set(STATE_KEYS) - set(OPTIONAL_STATE_KEYS))
    if unknown:
        raise DrillError(field, "unknown key(s) %s" % ", ".join(unknown))
    for key in ("drill_id", "primary_region", "standby_region", "mode"):
        if not isinstance(state[key], str) or not state[key]:
            raise DrillError("%s.%s" % (field, key), "expected a non-empty string, got %r" % (state[key],))
    for key in ("phases", "checks", "anomalies"):
        if not isinstance(state[key], list):
            raise DrillError("%s.%s" % (field, key), "expected a list, got %s" % type(state[key]).__name__)
    for i, phase in enumerate(state["phases"]):
        if not isinstance(phase, dict) or not isinstance(phase.get("name"), str):
            raise DrillError("%s.phases[%d]" % (field, i), "expected a dict with a name, got %r" % (phase,))
    if not isinstance(state["events"], dict):
        raise DrillError("%s.events" % field, "expected a dict of event name to epoch seconds")
    for name, at in state["events"].items():
        _number(at, "%s.events.%s" % (field, name))
    markers = state["markers"]
    if not isinstance(markers, dict) or not isinstance(markers.get("acknowledged"), list) \
            or not isinstance(markers.get("present", []), (list, type(None))):
        raise DrillError("%s.markers" % field, "expected {acknowledged: [...], present: [...] or null}, got %r" % (markers,))
    _number(state["replica_lag_seconds"], "%s.replica_lag_seconds" % field, allow_none=True)
    for key in ("capacity_before", "original"):
        if not isinstance(state[key], dict):
            raise DrillError("%s.%s" % (field, key), "expected a dict, got %s" % type(state[key]).__name__)
    if not isinstance(state.get("writer_jid", ""), str):
        raise DrillError("%s.writer_jid" % field, "expected the writer's job id (a string), got %r" % (state["writer_jid"],))
    return state


def validate_document(document):
    """A document read from the store; raises DrillError when it is not one this code wrote."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else document
        raise DrillError("document", "the object is not a drill state document of schema %d (got %r); "
                                     "point dr_failover_state_key at another key" % (SCHEMA, found))
    if document.get("status") not in HELD + FREE:
        raise DrillError("document.status", "unknown status %r" % (document.get("status"),))
    lock = document.get("lock")
    if not isinstance(lock, dict) or not isinstance(lock.get("token"), str) or not isinstance(lock.get("drill_id"), str):
        raise DrillError("document.lock", "expected a lock with drill_id and token, got %r" % (lock,))
    _number(lock.get("deadline"), "document.lock.deadline")
    if document.get("state") is not None:
        validate_state(document["state"], "document.state")
    return document


def lock_view(document, now):
    """What the document says of the lock at ``now`` (the store's clock), for humans and the role.

    ``status`` is ``absent`` without a document; ``held`` tells whether a drill holds the lock;
    ``stale`` whether it is held past its deadline (``seconds_past_deadline``).
    """
    if document is None:
        return {"status": "absent", "held": False, "stale": False}
    lock = document["lock"]
    held = document["status"] in HELD
    past = float(now) - float(lock["deadline"])
    view = {
        "status": document["status"],
        "held": held,
        "stale": held and past > 0,
        "drill_id": lock["drill_id"],
        "holder": lock.get("holder", ""),
        "mode": lock.get("mode", ""),
        "primary_region": lock.get("primary_region", ""),
        "standby_region": lock.get("standby_region", ""),
        "acquired": lock.get("acquired"),
        "renewed": lock.get("renewed"),
        "deadline": lock["deadline"],
        "deadline_iso": iso(lock["deadline"]),
        "revision": document.get("revision", 0),
    }
    if held:
        view["seconds_past_deadline" if past > 0 else "seconds_to_deadline"] = round(abs(past), 1)
    return view


def describe(view):
    """One sentence naming the drill that holds the lock, its holder and its deadline."""
    if view["status"] == "absent":
        return "no drill state"
    when = ("deadline %s passed %d s ago (stale)" % (view["deadline_iso"], view["seconds_past_deadline"]) if view.get("stale")
            else "deadline %s, in %d s" % (view["deadline_iso"], view.get("seconds_to_deadline", 0)) if view["held"]
            else "last deadline %s" % view["deadline_iso"])
    return "drill %s (%s, %s -> %s) is %s, holder %s, %s" % (
        view["drill_id"], view["mode"], view["primary_region"], view["standby_region"], view["status"], view["holder"], when)


def _log(document, now, event, lock, detail=""):
    log = list((document or {}).get("log", []))
    log.append({"at": now, "at_iso": iso(now), "event": event, "drill_id": lock["drill_id"], "holder": lock.get("holder", ""),
                "detail": detail})
    return log[-LOG_KEEP:]


def _write_condition(document, etag):
    return {"if_none_match": "*"} if document is None else {"if_match": etag}


def _new_lock(run, now):
    ttl = _number(run.get("ttl"), "ttl")
    if ttl <= 0:
        raise DrillError("ttl", "must be more than 0 seconds, got %r" % (ttl,))
    return {"drill_id": run["drill_id"], "token": run["token"], "holder": run.get("holder", ""), "mode": run.get("mode", ""),
            "primary_region": run.get("primary_region", ""), "standby_region": run.get("standby_region", ""),
            "acquired": now, "renewed": now, "deadline": now + ttl, "ttl": ttl}


def _result(before, after, etag, now, changed=True, broken=None, notes=None):
    return {"changed": changed, "write": _write_condition(before, etag) if changed else None, "before": before, "after": after,
            "lock": lock_view(after, now), "broken": broken, "notes": notes or []}


def plan(action, document, etag, now, run=None):
    """What ``action`` does with the store's ``document`` (None: there is none) read with ``etag``,
    at ``now`` (epoch seconds of the store's clock).

    ``run`` describes this run: ``drill_id``, ``token`` (new for lock and takeover, the held one for
    save and unlock), ``holder``, ``mode``, ``primary_region``, ``standby_region``, ``ttl`` (seconds),
    ``break_stale`` (bool), ``state`` (save), ``status`` (save: running, paused or failed) and
    ``outcome`` (unlock).

    Returns ``{changed, write, before, after, lock, broken, notes}``: ``write`` is the condition of the
    PUT (``{"if_none_match": "*"}`` or ``{"if_match": etag}``), None when nothing is written;
    ``broken`` the view of a stale lock this action broke. Raises ``DrillLockError`` when the lock
    forbids the action, ``DrillError`` on bad input.
    """
    if action not in ACTIONS:
        raise DrillError("action", "unknown action %r; use one of %s" % (action, ", ".join(ACTIONS)))
    run = dict(run or {})
    _number(now, "now")
    if document is not None:
        validate_document(document)
    before = lock_view(document, now)
    if action == "get":
        return _result(document, document, etag, now, changed=False)
    if action == "lock":
        return _plan_lock(document, etag, now, run, before)
    if action == "takeover":
        return _plan_takeover(document, etag, now, run, before)
    if action == "break":
        return _plan_break(document, etag, now, run, before)
    return _plan_own(action, document, etag, now, run, before)


def _revised(document, now, status, lock, event, detail="", state=None):
    return {"schema": SCHEMA, "revision": int((document or {}).get("revision", 0)) + 1, "status": status, "lock": lock,
            "state": state, "log": _log(document, now, event, lock, detail)}


def _broken_doc(document, now, run, view):
    return _revised(document, now, "broken", dict(document["lock"]), "broken",
                    "stale lock broken by %s (%s)" % (run.get("holder", ""), describe(view)), document.get("state"))


def _plan_lock(document, etag, now, run, before):
    read = document
    broken = None
    if before["held"]:
        if not before["stale"]:
            raise DrillLockError("another drill holds the lock: %s. Finish it first (dr_failover_mode=resume or "
                                 "rollback) or wait for its deadline" % describe(before), before)
        if not run.get("break_stale"):
            raise DrillLockError("another drill holds the lock past its deadline: %s. Finish it (dr_failover_mode="
                                 "resume or rollback, which take it over), or break the stale lock with "
                                 "dr_failover_break_lock=true" % describe(before), before)
        broken = before
        document = _broken_doc(document, now, run, before)
    lock = _new_lock(run, now)
    after = _revised(document, now, "running", lock, "acquired", "mode %s" % run.get("mode", ""))
    return _result(read, after, etag, now, broken=broken)


def _plan_takeover(document, etag, now, run, before):
    if not before["held"]:
        raise DrillLockError("no interrupted drill to continue: %s. Start a new drill instead (dr_failover_mode=full)"
                             % (describe(before) if document else "the store holds no drill state"), before)
    for key in ("primary_region", "standby_region"):
        if run.get(key) and before[key] and run[key] != before[key]:
            facts = (before["drill_id"], before["primary_region"], before["standby_region"], run.get("primary_region"),
                     run.get("standby_region"), before["primary_region"])
            raise DrillLockError("the interrupted drill %s fails %s over to %s, this run %s to %s: run it on the host of "
                                 "%s (-e dr_drill_host=...)" % facts, before)
    notes = []
    broken = None
    if before["status"] == "running":
        if not before["stale"]:
            raise DrillLockError("the drill is still running elsewhere (or its run died less than its lock's time to live "
                                 "ago): %s. Wait for its deadline, then continue with dr_failover_break_lock=true"
                                 % describe(before), before)
        if not run.get("break_stale"):
            raise DrillLockError("the drill's run stopped renewing its lock: %s. If that run is gone, take the drill over "
                                 "with dr_failover_break_lock=true" % describe(before), before)
        broken = before
    elif before["stale"]:
        notes.append("taken over past its deadline: %s" % describe(before))
    lock = dict(_new_lock(run, now), drill_id=before["drill_id"], acquired=document["lock"].get("acquired", now))
    after = _revised(document, now, "running", lock, "taken_over",
                     "%s run continues the %s drill%s" % (run.get("mode", ""), before["status"], " (stale lock broken)" if broken else ""),
                     document.get("state"))
    return _result(document, after, etag, now, broken=broken, notes=notes)


def _plan_break(document, etag, now, run, before):
    if not before["held"]:
        return _result(document, document, etag, now, changed=False, notes=["no lock to break: %s" % describe(before)])
    if not before["stale"]:
        raise DrillLockError("the lock is not stale, it is not broken: %s" % describe(before), before)
    return _result(document, _broken_doc(document, now, run, before), etag, now, broken=before)


def _plan_own(action, document, etag, now, run, before):
    token = run.get("token")
    if not token:
        raise DrillError("token", "is required to %s: the token lock or takeover returned" % action)
    if document is None:
        raise DrillLockError("the drill's state is gone from the store (it held no document): this run no longer "
                             "holds the lock", before)
    if document["lock"]["token"] != token:
        raise DrillLockError("this run no longer holds the lock: %s" % describe(before), before)
    if action == "unlock":
        if document["status"] == "released":
            return _result(document, document, etag, now, changed=False)
        if document["status"] == "broken":
            raise DrillLockError("this run's lock was broken as stale: %s" % describe(before), before)
        lock = dict(document["lock"], renewed=now)
        final = run.get("state") or document.get("state")
        return _result(document, _revised(document, now, "released", lock, "released", run.get("outcome", ""), final), etag, now)
    # save
    if document["status"] not in HELD:
        raise DrillLockError("this run's lock was %s: %s" % (document["status"], describe(before)), before)
    status = run.get("status") or "running"
    if status not in HELD:
        raise DrillError("status", "expected one of %s, got %r" % (", ".join(HELD), status))
    state = validate_state(run.get("state"))
    if state["drill_id"] != document["lock"]["drill_id"]:
        raise DrillError("state.drill_id", "is %s but the lock is drill %s's" % (state["drill_id"], document["lock"]["drill_id"]))
    lock = dict(document["lock"], renewed=now, deadline=now + float(document["lock"]["ttl"]))
    if run.get("ttl") is not None:
        lock.update(ttl=_number(run["ttl"], "ttl"), deadline=now + float(run["ttl"]))
    done = [p["name"] for p in state["phases"]]
    detail = "after %s" % (done[-1] if done else "no phase")
    if "fault_injected" in state["events"] and "inject" not in done:
        detail = "before the fault, at %s" % iso(state["events"]["fault_injected"])
    after = _revised(document, now, status, lock, "saved" if status == "running" else status, detail, state)
    # a save always renews the deadline: it always writes
    return _result(document, after, etag, now)
