# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill import core as drill
from ansible_collections.meridian.global_infra.plugins.module_utils.drill import rto
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

T0 = 1738324800.0

SCENARIO = {"name": "use1-to-euw1", "primary_region": "us-east-1", "standby_region": "eu-west-1", "mode": "gameday"}


def _events(write=14.2, started=3.5, promoted=8.0, **more):
    events = {"fault_injected": T0, "users_write_again": T0 + write}
    if started is not None:
        events["promotion_started"] = T0 + started
    if promoted is not None:
        events["standby_promoted"] = T0 + promoted
    events.update({k: T0 + v for k, v in more.items()})
    return events


def _parts(result):
    return {p["name"]: p for p in result["parts"]}


@pytest.mark.parametrize("interval,threshold,ttl", [(30, 3, 60), (10, 1, 60), (10, 3, 0), (30, 10, 300)])
def test_the_modelled_dns_path_is_interval_times_threshold_then_the_ttl(interval, threshold, ttl):
    result = rto.rto_parts(_events(), {"request_interval": interval, "failure_threshold": threshold, "ttl": ttl})
    parts = _parts(result)
    assert parts["detection"]["seconds"] == interval * threshold
    assert parts["detection"]["source"] == parts["dns_ttl"]["source"] == "modelled"
    assert parts["dns_ttl"]["started"] == pytest.approx(T0 + interval * threshold)
    assert parts["dns_ttl"]["seconds"] == ttl
    assert result["modelled_events"] == {"route53_detects_failure": pytest.approx(T0 + interval * threshold),
                                         "resolvers_let_go": pytest.approx(T0 + interval * threshold + ttl)}
    # users write again when both paths are done: here the DNS path (>= 10 s) or the writer (14.2 s)
    assert result["rto_users_seconds"] == pytest.approx(max(14.2, interval * threshold + ttl))
    assert result["ends_with"] == ("dns" if interval * threshold + ttl > 14.2 else "database")
    assert result["source"] == ("modelled" if result["ends_with"] == "dns" else "measured")


def test_the_database_path_is_the_measured_promotion_then_the_first_write():
    result = rto.rto_parts(_events(write=14.2, started=3.5, promoted=8.0),
                           {"request_interval": 10, "failure_threshold": 1, "ttl": 0})
    parts = _parts(result)
    assert (parts["promotion"]["seconds"], parts["promotion"]["source"]) == (4.5, "measured")
    assert (parts["first_write"]["started"], parts["first_write"]["seconds"]) == (T0 + 8.0, pytest.approx(6.2))
    assert (result["rto_users_seconds"], result["ends_with"], result["source"]) == (14.2, "database", "measured")
    # in time order: the two paths interleave
    assert [p["name"] for p in result["parts"]] == ["detection", "promotion", "first_write", "dns_ttl"]


def test_without_promotion_times_the_first_write_counts_from_the_fault():
    result = rto.rto_parts(_events(write=9.0, started=None, promoted=None), {"request_interval": 10, "failure_threshold": 1, "ttl": 0})
    parts = _parts(result)
    assert "promotion" not in parts
    assert parts["first_write"]["started"] == T0 and parts["first_write"]["seconds"] == 9.0


def test_a_measured_detection_replaces_the_modelled_parts():
    result = rto.rto_parts(_events(write=12.0, dns_answer_changed=71.5),
                           {"request_interval": 30, "failure_threshold": 3, "ttl": 60, "detection": "measured"})
    parts = _parts(result)
    assert "dns_ttl" not in parts and result["modelled_events"] == {}
    assert (parts["detection"]["seconds"], parts["detection"]["source"]) == (71.5, "measured")
    assert (result["rto_users_seconds"], result["ends_with"], result["source"]) == (71.5, "dns", "measured")


def test_a_measured_detection_needs_the_polled_change():
    with pytest.raises(DrillError) as err:
        rto.rto_parts(_events(), {"request_interval": 30, "failure_threshold": 3, "ttl": 60, "detection": "measured"})
    assert err.value.field == "events.dns_answer_changed"


@pytest.mark.parametrize("model,field", [
    ({"request_interval": 20, "failure_threshold": 3, "ttl": 60}, "rto_model.request_interval"),
    ({"request_interval": 30, "failure_threshold": 0, "ttl": 60}, "rto_model.failure_threshold"),
    ({"request_interval": 30, "failure_threshold": 11, "ttl": 60}, "rto_model.failure_threshold"),
    ({"request_interval": 30, "failure_threshold": 3}, "rto_model.ttl"),
    ({"request_interval": 30, "failure_threshold": 3, "ttl": -1}, "rto_model.ttl"),
    ({"request_interval": 30, "failure_threshold": 3, "ttl": 60, "detection": "guessed"}, "rto_model.detection"),
    ("30x3", "rto_model"),
])
def test_bad_settings_are_refused_naming_the_key(model, field):
    with pytest.raises(DrillError) as err:
        rto.check_model(model)
    assert err.value.field == field


def test_route53_defaults_apply_when_the_check_does_not_say():
    assert rto.check_model({"ttl": 60})["request_interval"] * rto.check_model({"ttl": 60})["failure_threshold"] == 90


@pytest.mark.parametrize("events,field", [
    ({"fault_injected": T0}, "events.users_write_again"),
    ({"users_write_again": T0}, "events.fault_injected"),
    ({"fault_injected": T0, "users_write_again": T0 - 1}, "events.users_write_again"),
    (dict(_events(started=9.0, promoted=8.0)), "events.standby_promoted"),
    (dict(_events(write=2.0, started=3.0, promoted=8.0)), "events.users_write_again"),
])
def test_inconsistent_events_are_refused(events, field):
    with pytest.raises(DrillError) as err:
        rto.rto_parts(events, {"ttl": 60})
    assert err.value.field == field


@pytest.mark.parametrize("record,alias_ttl,expected", [
    ({"ttl": 30}, 60, (30.0, "record TTL")),
    ({"ttl": None}, 60, (60.0, "alias target's TTL")),
])
def test_the_answer_ttl_is_the_record_s_or_the_alias_target_s(record, alias_ttl, expected):
    assert rto.answer_ttl(record, alias_ttl) == expected


def test_an_alias_record_without_a_target_ttl_is_refused():
    with pytest.raises(DrillError) as err:
        rto.answer_ttl({"ttl": None}, None)
    assert err.value.field == "alias_ttl"


def test_the_report_carries_the_parts_the_modelled_instants_and_judges_the_users_rto():
    events = _events(write=14.2)
    users = rto.rto_parts(events, {"request_interval": 30, "failure_threshold": 3, "ttl": 60, "ttl_from": "alias target's TTL"})
    phases = [{"name": "inject", "started": T0 - 0.5, "finished": T0 + 0.4}, {"name": "recover", "started": T0 + 0.4, "finished": T0 + 15}]
    report = drill.build_report(SCENARIO, {"rto_seconds": 30, "rto_users_seconds": 120}, phases, events=events, rto_users=users)
    assert report["measured"]["rto_seconds"] == 14.2
    assert report["measured"]["rto_users_seconds"] == 150.0
    assert "target rto_users_seconds: measured 150.0 > limit 120" in report["reasons"]
    sources = {e["name"]: e["source"] for e in report["timeline"]}
    assert sources == {"fault_injected": "measured", "promotion_started": "measured", "standby_promoted": "measured",
                       "users_write_again": "measured", "route53_detects_failure": "modelled", "resolvers_let_go": "modelled"}
    assert [e["name"] for e in report["timeline"]][-2:] == ["route53_detects_failure", "resolvers_let_go"]
    md = drill.render_markdown(report)
    assert "## RTO as users see it" in md
    assert "**150 s** (modelled)" in md and "the dns path ended last" in md
    assert "| detection | dns | 2025-01-31T12:00:00.000Z | 90 | modelled |" in md
    assert "| resolvers_let_go | 2025-01-31T12:02:30.000Z | modelled |" in md
    page = drill.render_html(report)
    assert "RTO as users see it" in page and 'stroke="#ef6c00"' in page


def test_without_a_model_the_users_rto_is_not_measured_and_a_target_on_it_fails():
    report = drill.build_report(SCENARIO, {"rto_users_seconds": 120}, [], events=_events())
    assert report["rto_users"] is None
    assert "target rto_users_seconds was not measured" in report["reasons"]


def test_a_write_taken_before_the_promote_task_returned_ends_the_promotion():
    # seen on the local pair: pg_promote() returns, the writer's next write is acknowledged, and only
    # then does the promote task (checkpoint, settings) return
    result = rto.rto_parts(_events(write=5.0, started=3.0, promoted=8.0), {"request_interval": 10, "failure_threshold": 1, "ttl": 0})
    parts = _parts(result)
    assert (parts["promotion"]["ended"], parts["promotion"]["seconds"]) == (T0 + 5.0, 2.0)
    assert "before the promote task returned" in parts["promotion"]["how"]
    assert (parts["first_write"]["started"], parts["first_write"]["seconds"]) == (T0 + 5.0, 0.0)
    assert result["rto_users_seconds"] == 10.0
