# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RTO as users see it, in parts: pure rules, no network.

A user's write succeeds again once two things are true, and they happen side by side:

- the name answers with the standby for that user (the DNS path): Route 53's health checkers find
  the primary failing (detection: about ``RequestInterval x FailureThreshold`` seconds after the
  fault), then the user's resolver lets go of the old answer it may have cached (at most the
  answer's TTL; an alias record has no TTL of its own, Route 53 answers with its target's, 60 s for
  an Elastic Load Balancing load balancer);
- the standby database accepts writes (the database path): the promotion, then the writer's next
  attempt through the name.

So users write again at the later of the two paths' ends: ``rto_users_seconds``. Each part is
``measured`` (timestamps the drill recorded) or ``modelled`` (computed from the health check's and
the record's settings, when nothing ran that could be timed: moto runs no health checkers and serves
no DNS, so there the whole DNS path is modelled).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError, to_epoch

# Route 53's documented ranges and defaults (HealthCheckConfig: RequestInterval 10 or 30, default
# 30; FailureThreshold 1-10, default 3).
REQUEST_INTERVALS = (10, 30)
DEFAULT_REQUEST_INTERVAL = 30
DEFAULT_FAILURE_THRESHOLD = 3
DETECTION_SOURCES = ("modelled", "measured")


def _int_in(value, field, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DrillError(field, "must be an integer in [%d, %d], got %r" % (low, high, value))
    return value


def check_model(model):
    """Validate the DNS settings the parts are computed from; returns a clean copy.

    ``model``: ``request_interval`` (10 or 30), ``failure_threshold`` (1-10), ``ttl`` (seconds >= 0,
    the answer's TTL), ``ttl_from`` (where the TTL comes from, free text), ``detection``
    (``modelled``, or ``measured`` when the drill polled real DNS and recorded ``dns_answer_changed``).
    """
    if not isinstance(model, dict):
        raise DrillError("rto_model", "expected {request_interval, failure_threshold, ttl, detection}")
    interval = model.get("request_interval", DEFAULT_REQUEST_INTERVAL)
    if interval not in REQUEST_INTERVALS or isinstance(interval, bool):
        raise DrillError("rto_model.request_interval", "Route 53 checks every 10 or 30 seconds, got %r" % (interval,))
    threshold = _int_in(model.get("failure_threshold", DEFAULT_FAILURE_THRESHOLD), "rto_model.failure_threshold", 1, 10)
    ttl = model.get("ttl")
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl < 0:
        raise DrillError("rto_model.ttl", "the answer's TTL in seconds (>= 0) is required, got %r" % (ttl,))
    detection = model.get("detection", "modelled")
    if detection not in DETECTION_SOURCES:
        raise DrillError("rto_model.detection", "must be modelled or measured, got %r" % (detection,))
    return {"request_interval": interval, "failure_threshold": threshold, "ttl": float(ttl),
            "ttl_from": str(model.get("ttl_from") or "record"), "detection": detection}


def answer_ttl(record, alias_ttl):
    """The TTL a resolver caches the record's answer for: the record's own, or for an alias record
    (which has none) ``alias_ttl``, its target's. Returns (seconds, where it comes from)."""
    if record.get("ttl") is not None:
        return float(record["ttl"]), "record TTL"
    if isinstance(alias_ttl, bool) or not isinstance(alias_ttl, (int, float)) or alias_ttl < 0:
        raise DrillError("alias_ttl", "the record is an alias (no TTL of its own): give its target's TTL in seconds, got %r"
                         % (alias_ttl,))
    return float(alias_ttl), "alias target's TTL"


def _event(events, name, required=False):
    value = (events or {}).get(name)
    if value in (None, ""):
        if required:
            raise DrillError("events.%s" % name, "needed to split RTO into parts")
        return None
    return to_epoch(value, "events.%s" % name)


def _part(name, path, started, ended, source, how):
    return {"name": name, "path": path, "started": round(started, 3), "ended": round(ended, 3),
            "seconds": round(ended - started, 3), "source": source, "how": how}


def rto_parts(events, model):
    """The parts of RTO as users see it, and its value.

    ``events`` (epoch or ISO): ``fault_injected`` (required), ``users_write_again`` (the writer's
    first acknowledgement through the name in the standby region; required), ``promotion_started``
    and ``standby_promoted`` (optional), ``dns_answer_changed`` (required when the detection is
    measured: when polled DNS stopped answering with the primary).

    Returns ``{parts, rto_users_seconds, ends_with, modelled_events, source}``: ``parts`` in time
    order; ``ends_with`` ``dns`` or ``database``, the path that ended last; ``modelled_events``
    ``{name: epoch}`` for the timeline; ``source`` ``measured`` when the path that ended last was
    measured throughout, else ``modelled``.
    """
    m = check_model(model)
    fault = _event(events, "fault_injected", required=True)
    write = _event(events, "users_write_again", required=True)
    if write < fault:
        raise DrillError("events.users_write_again", "is before the fault")
    started = _event(events, "promotion_started")
    promoted = _event(events, "standby_promoted")
    parts, modelled_events = [], {}
    if m["detection"] == "measured":
        changed = _event(events, "dns_answer_changed", required=True)
        if changed < fault:
            raise DrillError("events.dns_answer_changed", "is before the fault")
        parts.append(_part("detection", "dns", fault, changed, "measured",
                           "real DNS polled from the fault until it stopped answering with the primary (Route 53's "
                           "detection and the polled resolver's cache, together)"))
        dns_end, dns_source = changed, "measured"
    else:
        detected = fault + m["request_interval"] * m["failure_threshold"]
        parts.append(_part("detection", "dns", fault, detected, "modelled",
                           "health check RequestInterval %d s x FailureThreshold %d (no health checker ran: the drill "
                           "forced the check)" % (m["request_interval"], m["failure_threshold"])))
        dns_end = detected + m["ttl"]
        parts.append(_part("dns_ttl", "dns", detected, dns_end, "modelled",
                           "%s %s s: the longest a resolver keeps the primary's answer after Route 53 changed it"
                           % (m["ttl_from"], _num(m["ttl"]))))
        modelled_events = {"route53_detects_failure": round(detected, 3), "resolvers_let_go": round(dns_end, 3)}
        dns_source = "modelled"
    db_start = fault
    if started is not None and promoted is not None:
        if not fault <= started <= promoted:
            raise DrillError("events.standby_promoted", "promotion must start after the fault and end after it starts")
        if write < started:
            raise DrillError("events.users_write_again", "is before the standby's promotion started")
        how = "the standby's promotion, as run"
        if write < promoted:
            # the promote task returns after its own checkpoint and settings: the standby took the
            # writer's write before that, so it was promoted by then
            promoted, how = write, how + " (ended by the writer's first write, before the promote task returned)"
        parts.append(_part("promotion", "database", started, promoted, "measured", how))
        db_start = promoted
    parts.append(_part("first_write", "database", db_start, write, "measured",
                       "the writer's first acknowledged write through the name in the standby region (it re-resolves the name "
                       "from Route 53's records every second, so no TTL is in it)"))
    if dns_end > write:
        end, ends_with, source = dns_end, "dns", dns_source
    else:
        end, ends_with, source = write, "database", "measured"
    parts.sort(key=lambda p: (p["started"], p["ended"], p["name"]))
    return {"parts": parts, "rto_users_seconds": round(end - fault, 3), "ends_with": ends_with,
            "modelled_events": modelled_events, "source": source, "model": m}


def _num(value):
    return ("%.3f" % value).rstrip("0").rstrip(".")
