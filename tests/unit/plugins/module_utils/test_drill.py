# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill import core as drill
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

T0 = 1738324800.0  # 2025-01-31T12:00:00Z

SCENARIO = {"name": "use1-to-euw1", "primary_region": "us-east-1", "standby_region": "eu-west-1", "mode": "full"}


def _acked(n, start=T0, step=0.05):
    return [{"seq": i, "acked_at": start + i * step} for i in range(1, n + 1)]


def _phases():
    return [
        {"name": "preflight", "started": T0, "finished": T0 + 1.5},
        {"name": "markers", "started": T0 + 1.5, "finished": T0 + 3.0},
        {"name": "inject", "started": T0 + 3.0, "finished": T0 + 3.4},
        {"name": "recover", "started": T0 + 3.4, "finished": T0 + 9.9},
        {"name": "failback", "started": T0 + 10.0, "finished": T0 + 25.0},
    ]


@pytest.mark.parametrize("value,expected", [
    (T0, T0),
    (int(T0), T0),
    ("1738324800.25", T0 + 0.25),
    ("2025-01-31T12:00:00Z", T0),
    ("2025-01-31T13:00:00+01:00", T0),
    ("2025-01-31T12:00:00.500", T0 + 0.5),
])
def test_to_epoch_accepts_epoch_and_iso(value, expected):
    assert drill.to_epoch(value, "f") == pytest.approx(expected)


@pytest.mark.parametrize("value", [None, True, -1, "yesterday", [1]])
def test_to_epoch_rejects_garbage_naming_the_field(value):
    with pytest.raises(DrillError) as err:
        drill.to_epoch(value, "events.fault_injected")
    assert err.value.field == "events.fault_injected"


def test_iso_round_trips_with_milliseconds():
    assert drill.iso(T0 + 0.25) == "2025-01-31T12:00:00.250Z"
    assert drill.to_epoch(drill.iso(T0 + 12.345), "x") == pytest.approx(T0 + 12.345)


def test_phase_timings_sorted_and_timed():
    timed = drill.phase_timings(list(reversed(_phases())))
    assert [p["name"] for p in timed] == ["preflight", "markers", "inject", "recover", "failback"]
    assert timed[3]["duration_seconds"] == pytest.approx(6.5)
    assert timed[0]["started_at"] == "2025-01-31T12:00:00.000Z"


@pytest.mark.parametrize("phases,field", [
    ([{"name": "a", "started": T0 + 2, "finished": T0}], "phases[0]"),
    ([{"name": "a", "started": T0, "finished": T0}, {"name": "a", "started": T0, "finished": T0}], "phases[1].name"),
    ([{"started": T0, "finished": T0}], "phases[0].name"),
    ([{"name": "a", "started": T0, "finished": T0, "status": "meh"}], "phases[0].status"),
    ("preflight", "phases"),
])
def test_phase_timings_rejects_bad_phases(phases, field):
    with pytest.raises(DrillError) as err:
        drill.phase_timings(phases)
    assert err.value.field == field


def test_rpo_zero_when_standby_holds_every_acknowledged_marker():
    rpo = drill.measure_rpo(_acked(50), list(range(1, 51)))
    assert rpo["rpo_markers"] == 0
    assert rpo["rpo_seconds"] == 0
    assert rpo["lost"] == []


def test_rpo_counts_the_tail_lost_and_its_time_window():
    rpo = drill.measure_rpo(_acked(50), list(range(1, 47)))
    assert rpo["rpo_markers"] == 4
    assert rpo["lost"] == [47, 48, 49, 50]
    # acked_at(50) - acked_at(46) = 4 steps of 50 ms
    assert rpo["rpo_seconds"] == pytest.approx(0.2)


def test_rpo_detects_a_hole_even_when_the_last_marker_survived():
    rpo = drill.measure_rpo(_acked(10), [1, 2, 3, 5, 6, 7, 8, 9, 10])
    assert rpo["lost"] == [4]
    assert rpo["rpo_markers"] == 1


def test_rpo_in_flight_marker_on_standby_is_not_a_loss():
    rpo = drill.measure_rpo(_acked(5), [1, 2, 3, 4, 5, 6])
    assert rpo["rpo_markers"] == 0
    assert rpo["unacknowledged_present"] == [6]


def test_rpo_everything_lost():
    rpo = drill.measure_rpo(_acked(3), [])
    assert rpo["rpo_markers"] == 3
    assert rpo["rpo_seconds"] == pytest.approx(0.1)


def test_rpo_rejects_duplicate_acknowledgement():
    with pytest.raises(DrillError) as err:
        drill.measure_rpo([{"seq": 1, "acked_at": T0}, {"seq": 1, "acked_at": T0}], [1])
    assert err.value.field == "markers.acknowledged[1].seq"


def test_rto_and_verification_before_fault():
    assert drill.measure_rto(T0, T0 + 6.25) == pytest.approx(6.25)
    with pytest.raises(DrillError) as err:
        drill.measure_rto(T0 + 5, T0)
    assert err.value.field == "events.standby_verified"


@pytest.mark.parametrize("rto,expected", [(29.9, "pass"), (30.0, "pass"), (30.1, "fail")])
def test_evaluate_rto_boundary(rto, expected):
    results = drill.evaluate({"rto_seconds": 30}, {"rto_seconds": rto})
    assert results == [{"target": "rto_seconds", "limit": 30, "measured": rto, "status": expected}]


def test_evaluate_rejects_unknown_or_negative_target():
    with pytest.raises(DrillError) as err:
        drill.evaluate({"rto": 30}, {})
    assert err.value.field == "targets.rto"
    with pytest.raises(DrillError):
        drill.evaluate({"rto_seconds": -1}, {})


def _report(**kw):
    args = dict(scenario=SCENARIO, targets={"rto_seconds": 30, "rpo_markers": 0}, phases=_phases(),
                events={"fault_injected": T0 + 3.2, "standby_verified": T0 + 9.8},
                markers={"acknowledged": _acked(20), "present": list(range(1, 21))},
                checks=[{"name": "replica lag", "passed": True, "detail": "0.0 s"}],
                cleanup={"confirmed": True, "detail": "check mode reports no change"})
    args.update(kw)
    return drill.build_report(**args)


def test_report_passes_with_measured_rto_and_rpo():
    report = _report()
    assert report["passed"], report["reasons"]
    assert report["measured"]["rto_seconds"] == pytest.approx(6.6)
    assert report["measured"]["rpo_markers"] == 0
    assert [r["status"] for r in report["results"]] == ["pass", "pass"]


def test_rto_ends_when_users_write_again_when_the_writer_saw_it():
    report = _report(events={"fault_injected": T0 + 3.2, "standby_verified": T0 + 9.8, "users_write_again": T0 + 7.0})
    assert report["measured"]["rto_seconds"] == pytest.approx(3.8) and report["rto_end"] == "users_write_again"
    assert _report()["rto_end"] == "standby_verified"
    with pytest.raises(DrillError) as err:
        _report(events={"fault_injected": T0 + 3.2, "users_write_again": T0 + 1})
    assert err.value.field == "events.users_write_again"


def test_report_fails_on_slow_recovery_and_says_why():
    report = _report(events={"fault_injected": T0, "standby_verified": T0 + 45})
    assert not report["passed"]
    assert any("rto_seconds" in r for r in report["reasons"])


def test_writes_the_failback_discards_are_counted_listed_and_rendered():
    report = _report(markers={"acknowledged": _acked(20), "present": list(range(1, 21)), "discarded": [22, 21]})
    assert report["measured"]["discarded_on_failback"] == 2 and report["discarded_on_failback"] == [21, 22]
    assert "discarded when it was rewound at failback: 21, 22" in drill.render_markdown(report)
    none = _report(markers={"acknowledged": _acked(20), "present": list(range(1, 21)), "discarded": []})
    assert none["measured"]["discarded_on_failback"] == 0 and none["discarded_on_failback"] == []
    assert _report()["discarded_on_failback"] is None and "discarded_on_failback" not in _report()["measured"]
    with pytest.raises(DrillError) as err:
        _report(markers={"acknowledged": _acked(2), "present": [1, 2], "discarded": [0]})
    assert err.value.field == "markers.discarded[0]"


def test_report_fails_on_lost_marker():
    report = _report(markers={"acknowledged": _acked(20), "present": list(range(1, 20))})
    assert not report["passed"]
    assert report["rpo"]["lost"] == [20]


def test_report_full_mode_requires_cleanup_but_gameday_does_not():
    assert not _report(cleanup={"confirmed": False, "detail": "asg differs"})["passed"]
    gameday = dict(SCENARIO, mode="gameday")
    assert _report(scenario=gameday, cleanup={})["passed"]


def test_report_readiness_fails_on_failed_check_and_ignores_rto():
    readiness = dict(SCENARIO, mode="readiness")
    ok = _report(scenario=readiness, events={}, markers=None, cleanup={})
    assert ok["passed"]
    assert ok["results"][0]["status"] == "not_measured"
    bad = _report(scenario=readiness, events={}, markers=None, cleanup={},
                  checks=[{"name": "replica", "passed": False, "detail": "standby is not streaming"}])
    assert not bad["passed"]
    assert bad["reasons"] == ["check failed: replica: standby is not streaming"]


def test_report_full_mode_without_fault_is_not_a_pass():
    report = _report(events={})
    assert not report["passed"]
    assert "target rto_seconds was not measured" in report["reasons"]


def test_report_stopped_at_preflight_gives_the_failed_check_as_its_reason():
    report = _report(events={}, markers=None, cleanup={},
                     checks=[{"name": "standby serves", "passed": False, "detail": "HTTP none"}],
                     phases=[{"name": "preflight", "status": "failed", "started": "2026-11-20T10:00:00Z",
                              "finished": "2026-11-20T10:00:04Z", "detail": "Standby not ready"}])
    assert not report["passed"]
    assert report["reasons"] == ["check failed: standby serves: HTTP none", "phase preflight failed"]
    # a full drill that got past its fault must still be measured and cleaned up
    measured = _report(events={"fault_injected": "2026-11-20T10:00:05Z"}, cleanup={})
    assert "target rto_seconds was not measured" in measured["reasons"]
    assert any(r.startswith("cleanup not confirmed") for r in measured["reasons"])


def test_report_rollback_needs_markers_and_cleanup_but_not_rto():
    rollback = dict(SCENARIO, mode="rollback")
    # stopped after the fault, before recovery: no RTO, markers read back after the rollback
    events = {"fault_injected": "2026-11-20T10:00:00Z"}
    ok = _report(scenario=rollback, events=events, markers={"acknowledged": _acked(20), "present": list(range(1, 21))})
    assert ok["passed"], ok["reasons"]
    assert [r["status"] for r in ok["results"] if r["target"] == "rto_seconds"] == ["not_measured"]
    unread = _report(scenario=rollback, events=events, markers={"acknowledged": _acked(20), "present": None})
    assert "target rpo_markers was not measured" in unread["reasons"]
    lost = _report(scenario=rollback, events=events, markers={"acknowledged": _acked(20), "present": list(range(1, 20))})
    assert not lost["passed"]
    dirty = _report(scenario=rollback, events=events, cleanup={"confirmed": False, "detail": "standby still primary"},
                    markers={"acknowledged": _acked(20), "present": list(range(1, 21))})
    assert dirty["reasons"] == ["cleanup not confirmed: standby still primary"]


@pytest.mark.parametrize("scenario,field", [
    ({"name": "x", "primary_region": "a", "standby_region": "a", "mode": "full"}, "scenario.standby_region"),
    ({"name": "x", "primary_region": "a", "standby_region": "b", "mode": "chaos"}, "scenario.mode"),
    ({"primary_region": "a", "standby_region": "b", "mode": "full"}, "scenario.name"),
])
def test_report_rejects_bad_scenario(scenario, field):
    with pytest.raises(DrillError) as err:
        _report(scenario=scenario)
    assert err.value.field == field


def test_renderings_are_deterministic_and_complete():
    report = _report()
    again = _report()
    assert drill.render_json(report) == drill.render_json(again)
    assert json.loads(drill.render_json(report))["passed"] is True
    md = drill.render_markdown(report)
    assert "**Result: PASS**" in md and "| rto_seconds | 30 | 6.6 | pass |" in md
    page = drill.render_html(report)
    assert page == drill.render_html(again)
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # self-contained
    svg = drill.render_svg(report)
    root = ET.fromstring(svg)
    rects = [e for e in root.iter() if e.tag.endswith("rect")]
    assert len(rects) == len(_phases())
    # recover is the longest-but-one phase: its bar is wider than inject's
    widths = {r.find("{http://www.w3.org/2000/svg}title").text.split()[0]: float(r.get("width")) for r in rects}
    assert widths["recover"] > widths["inject"]


def test_html_escapes_input():
    report = _report(anomalies=["<script>alert(1)</script>"])
    assert "<script>" not in drill.render_html(report)


# Route 53 failover evaluation ------------------------------------------------------------------

RECORDS = [
    {"Name": "api.meridian.example.", "Type": "A", "SetIdentifier": "us-east-1-primary", "Failover": "PRIMARY",
     "HealthCheckId": "hc-use1", "TTL": 30, "ResourceRecords": [{"Value": "192.0.2.10"}]},
    {"Name": "api.meridian.example.", "Type": "A", "SetIdentifier": "eu-west-1-secondary", "Failover": "SECONDARY",
     "HealthCheckId": "hc-euw1", "TTL": 30, "ResourceRecords": [{"Value": "192.0.2.20"}]},
]


@pytest.mark.parametrize("use1,euw1,observed,answer", [
    ({}, {}, {}, "192.0.2.10"),
    ({"Inverted": True}, {}, {}, "192.0.2.20"),
    ({"Inverted": True, "Disabled": True}, {}, {}, "192.0.2.10"),   # disabled = healthy
    ({}, {}, {"hc-use1": False}, "192.0.2.20"),
    ({"Inverted": True}, {}, {"hc-use1": False}, "192.0.2.10"),      # inverted failure = healthy
    ({"Inverted": True}, {"Inverted": True}, {}, "192.0.2.10"),      # both unhealthy -> primary
])
def test_failover_answer_follows_route53_rules(use1, euw1, observed, answer):
    result = drill.failover_answer(RECORDS, {"hc-use1": use1, "hc-euw1": euw1}, observed)
    assert result["answer"] == answer


def test_failover_answer_needs_a_primary():
    with pytest.raises(DrillError):
        drill.failover_answer(RECORDS[1:], {})


@pytest.mark.parametrize("dns_name, expected", [
    ("dualstack.Meridian-Prod-123.eu-west-1.elb.amazonaws.com.", "meridian-prod-123.eu-west-1.elb.amazonaws.com"),
    ("meridian-prod-123.eu-west-1.elb.amazonaws.com", "meridian-prod-123.eu-west-1.elb.amazonaws.com"),
    ("", ""),
])
def test_alias_target_name_is_the_balancers_own_name(dns_name, expected):
    assert drill.alias_target_name(dns_name) == expected


def test_failover_answer_with_alias_records():
    def alias(role, lb, hc):
        return {"Name": "primary.z.example.", "Type": "A", "SetIdentifier": role.lower(), "Failover": role, "HealthCheckId": hc,
                "AliasTarget": {"HostedZoneId": "Z32O12XQLNTSW2", "DNSName": "dualstack.%s." % lb, "EvaluateTargetHealth": True}}
    records = [alias("PRIMARY", "lb-us.us-east-1.elb.amazonaws.com", "hc1"),
               alias("SECONDARY", "lb-eu.eu-west-1.elb.amazonaws.com", "hc2")]
    assert drill.failover_answer(records, {"hc1": {}, "hc2": {}})["answer"] == "lb-us.us-east-1.elb.amazonaws.com"
    answer = drill.failover_answer(records, {"hc1": {"Inverted": True}, "hc2": {}})
    assert (answer["role"], answer["answer"]) == ("SECONDARY", "lb-eu.eu-west-1.elb.amazonaws.com")
