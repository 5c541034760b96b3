# -*- coding: utf-8 -*-
"""scaling.providers.gce_mig: a regional managed instance group's autoscaler in the neutral model, the floor
and the scaling schedules ahead of the forecast's rises, and the autoscaler sent back (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    plan_changes,
    validate_decision,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.gce_mig import (
    GceMigProvider,
    cron,
    schedule_name,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.registry import provider

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
SELF = "https://www.googleapis.com/compute/v1/projects/meridian-test/"


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decision(target=4, low=2, high=10, schedule=((0, 4), (30, 6), (60, 9), (90, 3))):
    return validate_decision({
        "service": "web", "ok": True, "action": "scale_up", "target_capacity": target, "min_capacity": low,
        "max_capacity": high,
        "schedule": [{"time": _iso(NOW + datetime.timedelta(minutes=m)), "capacity": c} for m, c in schedule]})


def _autoscaler(min_replicas=2, max_replicas=8, schedules=None):
    """An autoscaler as GET returns it (status, recommended size, schedule status, full URLs)."""
    return {"kind": "compute#autoscaler", "id": "4411", "name": "web", "status": "ACTIVE", "recommendedSize": 3,
            "creationTimestamp": "2026-11-30T10:00:00.000-08:00", "region": SELF + "regions/europe-west1",
            "selfLink": SELF + "regions/europe-west1/autoscalers/web",
            "target": SELF + "regions/europe-west1/instanceGroupManagers/web",
            "autoscalingPolicy": {"minNumReplicas": min_replicas, "maxNumReplicas": max_replicas,
                                  "coolDownPeriodSec": 60, "mode": "ON",
                                  "cpuUtilization": {"utilizationTarget": 0.6, "predictiveMethod": "OPTIMIZE_AVAILABILITY"},
                                  "scalingSchedules": dict(schedules or {})},
            "scalingScheduleStatus": {}}


def _apply(target, autoscaler, now=NOW, decision=None):
    """One run: plan, the autoscaler the update would send (with the API's output-only fields back on)."""
    current = target.normalise_state(autoscaler)
    plan = plan_changes(current, target.desired_state(decision or _decision(), current, now), prefix=target.prefix,
                        purge_scheduled_actions=True)
    ops = target.operations("web", plan, autoscaler)
    if not ops:
        return plan, autoscaler
    sent = ops[0][1]["body"]
    assert not set(sent) & {"id", "selfLink", "status", "recommendedSize", "scalingScheduleStatus", "kind"}
    return plan, dict(autoscaler, autoscalingPolicy=sent["autoscalingPolicy"])


def test_the_floor_is_the_forecast_now_and_each_rise_a_schedule_ahead_of_it():
    target = provider("gce_mig")
    plan, after = _apply(target, _autoscaler())
    assert plan["group"] == {"min_size": {"before": 2, "after": 4}}
    schedules = after["autoscalingPolicy"]["scalingSchedules"]
    # 10:30 -> 6 until 11:00, 11:00 -> 8 (clamped to maxNumReplicas) until 11:30; 11:30 -> 3 is below the floor
    assert sorted(schedules) == ["meridian-forecast-20261201t103000z", "meridian-forecast-20261201t110000z"]
    first = schedules["meridian-forecast-20261201t103000z"]
    assert (first["minRequiredReplicas"], first["schedule"], first["durationSec"], first["timeZone"]) == (
        6, "30 10 1 12 *", 1800, "UTC")
    assert schedules["meridian-forecast-20261201t110000z"]["minRequiredReplicas"] == 8
    assert after["autoscalingPolicy"]["maxNumReplicas"] == 8  # kept
    assert after["autoscalingPolicy"]["cpuUtilization"]["predictiveMethod"] == "OPTIMIZE_AVAILABILITY"
    # the same decision again: nothing to do
    again, _same = _apply(target, after)
    assert again["changed"] is False and target.operations("web", again, after) == []


def test_ended_schedules_go_running_ones_stay_and_others_are_not_touched():
    target = GceMigProvider(min_lead_time=120)
    ended = schedule_name("meridian-forecast", NOW - datetime.timedelta(hours=3))
    running = schedule_name("meridian-forecast", NOW - datetime.timedelta(minutes=10))
    theirs = {"minRequiredReplicas": 5, "schedule": "0 7 * * MON-FRI", "timeZone": "Europe/Paris",
              "durationSec": 3600, "disabled": False}
    schedules = {ended: {"minRequiredReplicas": 7, "schedule": cron(NOW - datetime.timedelta(hours=3)),
                         "timeZone": "UTC", "durationSec": 1800, "disabled": False},
                 running: {"minRequiredReplicas": 7, "schedule": cron(NOW - datetime.timedelta(minutes=10)),
                           "timeZone": "UTC", "durationSec": 1800, "disabled": False},
                 "weekday-morning": theirs}
    plan, after = _apply(target, _autoscaler(schedules=schedules))
    kept = after["autoscalingPolicy"]["scalingSchedules"]
    assert ended not in kept and plan["scheduled_stale"] == [ended]
    assert kept[running]["minRequiredReplicas"] == 7
    assert kept["weekday-morning"] == theirs


def test_a_step_inside_the_lead_time_is_not_scheduled_and_the_floor_is_clamped():
    target = GceMigProvider(min_lead_time=3600)
    decision = _decision(target=7, low=2, high=10, schedule=((30, 9), (90, 9)))
    plan, after = _apply(target, _autoscaler(max_replicas=5), decision=decision)
    assert plan["diff"]["after"]["min_size"] == 5  # 7 clamped to maxNumReplicas
    assert after["autoscalingPolicy"]["scalingSchedules"] == {}


@pytest.mark.parametrize("kwargs, field", [
    ({"prefix": "Meridian_Forecast"}, "scheduled_action_prefix"),
    ({"min_lead_time": -1}, "min_lead_time"),
])
def test_bad_settings_name_the_option(kwargs, field):
    with pytest.raises(ScalingPlanError) as caught:
        GceMigProvider(**kwargs)
    assert caught.value.field == field


def test_predictive_policy_is_refused_and_an_autoscaler_without_max_too():
    with pytest.raises(ScalingPlanError) as caught:
        GceMigProvider().native_policy({"target_value": 50})
    assert caught.value.field == "predictive_policy"
    with pytest.raises(ScalingPlanError):
        GceMigProvider().normalise_state({"name": "web", "autoscalingPolicy": {"minNumReplicas": 1}})
