# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.aws_asg import AwsAsgProvider
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.registry import provider
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    DecisionNotApplicable,
    ScalingPlanError,
    desired_state,
    format_time,
    parse_time,
    plan_changes,
    scheduled_action_name,
    validate_decision,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 3, 3, 12, 0, 0, tzinfo=UTC)


def _decision(**over):
    schedule = [
        {"time": format_time(NOW + datetime.timedelta(minutes=5 * i)), "capacity": c}
        for i, c in enumerate([4, 4, 5, 5, 7, 7, 7, 6, 4, 4, 3, 3])
    ]
    decision = {
        "service": "web", "ok": True, "action": "scale_up", "current_capacity": 3,
        "target_capacity": 4, "min_capacity": 2, "max_capacity": 10, "confidence": 0.9,
        "estimated_cost": 1.5, "currency": "USD", "time_to_execute": format_time(NOW),
        "dimensions": [], "model": {}, "schedule": schedule, "warnings": [],
    }
    decision.update(over)
    return decision


def _group(min_size=1, max_size=5, desired=3):
    return {"AutoScalingGroupName": "g", "MinSize": min_size, "MaxSize": max_size, "DesiredCapacity": desired}


CURRENT = AwsAsgProvider().normalise_state(_group())


# ---------------------------------------------------------------- validation


def test_validate_decision_sorts_and_parses_schedule():
    raw = _decision()
    raw["schedule"] = list(reversed(raw["schedule"]))
    got = validate_decision(raw)
    times = [step[0] for step in got["schedule"]]
    assert times == sorted(times)
    assert got["target_capacity"] == 4 and got["min_capacity"] == 2 and got["max_capacity"] == 10
    assert got["time_to_execute"] == NOW


@pytest.mark.parametrize("ok", [False, None, "yes"])
def test_not_ok_decision_is_refused_with_its_warnings(ok):
    with pytest.raises(DecisionNotApplicable) as err:
        validate_decision(_decision(ok=ok, warnings=["query returned no series"]))
    assert err.value.field == "decision.ok"
    assert "query returned no series" in str(err.value)
    assert "nothing was changed" in str(err.value)


@pytest.mark.parametrize("over, field", [
    ({"min_capacity": 6, "max_capacity": 5, "target_capacity": 5}, "decision.min_capacity"),
    ({"target_capacity": 11}, "decision.target_capacity"),
    ({"target_capacity": 1}, "decision.target_capacity"),
    ({"target_capacity": -1}, "decision.target_capacity"),
    ({"target_capacity": 2.5}, "decision.target_capacity"),
    ({"target_capacity": True}, "decision.target_capacity"),
    ({"max_capacity": None}, "decision.max_capacity"),
    ({"action": "explode"}, "decision.action"),
    ({"schedule": [{"time": "2025-03-03T12:00:00Z", "capacity": 12}]}, "decision.schedule[0].capacity"),
    ({"schedule": [{"time": "2025-03-03T12:00:00", "capacity": 3}]}, "decision.schedule[0].time"),
    ({"schedule": [{"time": "noon", "capacity": 3}]}, "decision.schedule[0].time"),
    ({"schedule": [{"capacity": 3}]}, "decision.schedule[0]"),
    ({"schedule": "soon"}, "decision.schedule"),
    ({"schedule": [{"time": "2025-03-03T12:00:00Z", "capacity": 3},
                   {"time": "2025-03-03T13:00:00+01:00", "capacity": 4}]}, "decision.schedule[1].time"),
])
def test_bad_decisions_name_the_field(over, field):
    with pytest.raises(ScalingPlanError) as err:
        validate_decision(_decision(**over))
    assert err.value.field == field


def test_missing_key_and_non_dict():
    raw = _decision()
    del raw["min_capacity"]
    with pytest.raises(ScalingPlanError, match="decision.min_capacity"):
        validate_decision(raw)
    with pytest.raises(ScalingPlanError, match="expected a dict"):
        validate_decision([raw])


def test_parse_time_accepts_offsets_and_normalises_to_utc():
    assert parse_time("2025-03-03T13:00:00+01:00", "t") == NOW
    assert format_time(parse_time("2025-03-03T12:00:00.123456Z", "t")) == "2025-03-03T12:00:00Z"


# ---------------------------------------------------------------- desired state


def test_desired_state_sets_bounds_and_only_capacity_changes():
    state = desired_state(validate_decision(_decision()), CURRENT, NOW, min_lead_time=120)
    assert (state["min_size"], state["max_size"], state["desired_capacity"]) == (2, 10, 4)
    steps = [(a["start_time"], a["desired_capacity"]) for a in sorted(state["scheduled_actions"].values(), key=lambda a: a["start_time"])]
    # target 4 now; changes at +10 (5), +20 (7), +35 (6), +40 (4), +50 (3); +0 and +5 are too soon or equal.
    assert steps == [
        ("2025-03-03T12:10:00Z", 5), ("2025-03-03T12:20:00Z", 7), ("2025-03-03T12:35:00Z", 6),
        ("2025-03-03T12:40:00Z", 4), ("2025-03-03T12:50:00Z", 3),
    ]
    assert "meridian-forecast-20250303T121000Z" in state["scheduled_actions"]
    assert all("min_size" not in a for a in state["scheduled_actions"].values())


def test_lead_time_drops_near_steps_and_limit_caps_count():
    decision = validate_decision(_decision())
    state = desired_state(decision, CURRENT, NOW, min_lead_time=30 * 60, max_scheduled_actions=2)
    assert sorted(a["start_time"] for a in state["scheduled_actions"].values()) == [
        "2025-03-03T12:30:00Z", "2025-03-03T12:35:00Z"]
    assert desired_state(decision, CURRENT, NOW, scheduled_actions=False)["scheduled_actions"] == {}


def test_later_scale_up_is_deferred_to_time_to_execute():
    decision = validate_decision(_decision(time_to_execute="2025-03-03T12:17:00Z"))
    state = desired_state(decision, CURRENT, NOW)  # current desired 3, target 4 from 12:17
    assert state["desired_capacity"] == 3 and state["min_size"] == 2
    steps = [(a["start_time"], a["desired_capacity"])
             for a in sorted(state["scheduled_actions"].values(), key=lambda a: a["start_time"])]
    assert steps[:2] == [("2025-03-03T12:17:00Z", 4), ("2025-03-03T12:20:00Z", 7)]
    # Too soon to schedule, or scheduling disabled: the target applies now.
    soon = validate_decision(_decision(time_to_execute="2025-03-03T12:01:00Z"))
    assert desired_state(soon, CURRENT, NOW)["desired_capacity"] == 4
    assert desired_state(decision, CURRENT, NOW, scheduled_actions=False)["desired_capacity"] == 4
    # A scale-down is never deferred.
    down = validate_decision(_decision(target_capacity=2, time_to_execute="2025-03-03T12:17:00Z"))
    assert desired_state(down, CURRENT, NOW)["desired_capacity"] == 2


def test_floor_mode_raises_minimum_in_group_and_steps():
    state = desired_state(validate_decision(_decision()), CURRENT, NOW, capacity_mode="floor")
    assert state["min_size"] == 4 and state["desired_capacity"] == 4
    assert all(a["min_size"] == a["desired_capacity"] for a in state["scheduled_actions"].values())


def test_unmanaged_bounds_must_contain_the_decision():
    decision = validate_decision(_decision())  # schedule reaches 7, group max is 5
    with pytest.raises(ScalingPlanError) as err:
        desired_state(decision, CURRENT, NOW, manage_bounds=False)
    assert err.value.field == "manage_bounds"
    wide = AwsAsgProvider().normalise_state(_group(1, 8, 3))
    state = desired_state(decision, wide, NOW, manage_bounds=False)
    assert (state["min_size"], state["max_size"]) == (1, 8)


def test_bad_capacity_mode():
    with pytest.raises(ScalingPlanError, match="capacity_mode"):
        desired_state(validate_decision(_decision()), CURRENT, NOW, capacity_mode="ceiling")


# ---------------------------------------------------------------- plan


def _aws_actions(state):
    out = []
    for name, action in state["scheduled_actions"].items():
        item = {"ScheduledActionName": name, "StartTime": parse_time(action["start_time"], "t"),
                "DesiredCapacity": action["desired_capacity"]}
        if "min_size" in action:
            item["MinSize"] = action["min_size"]
        out.append(item)
    return out


def test_plan_then_applied_state_is_idempotent():
    asg = AwsAsgProvider()
    desired = desired_state(validate_decision(_decision()), CURRENT, NOW)
    plan = plan_changes(CURRENT, desired)
    assert plan["changed"]
    assert plan["group"] == {"min_size": {"before": 1, "after": 2}, "max_size": {"before": 5, "after": 10},
                             "desired_capacity": {"before": 3, "after": 4}}
    ops = asg.operations("g", plan)
    assert [call[0] for call in ops] == ["update_auto_scaling_group", "batch_put_scheduled_update_group_action"]
    assert ops[0][1] == {"AutoScalingGroupName": "g", "MinSize": 2, "MaxSize": 10, "DesiredCapacity": 4}
    # The state the API would then describe:
    applied = asg.normalise_state(_group(2, 10, 4), _aws_actions(desired))
    again = plan_changes(applied, desired_state(validate_decision(_decision()), applied, NOW))
    assert not again["changed"]
    assert asg.operations("g", again) == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_stale_managed_actions_only_purged_on_request_and_foreign_ones_untouched():
    asg = AwsAsgProvider()
    old = [
        {"ScheduledActionName": "meridian-forecast-20250303T110000Z", "StartTime": "2025-03-03T11:00:00Z",
         "DesiredCapacity": 9},
        {"ScheduledActionName": "nightly-batch", "StartTime": "2025-03-03T23:00:00Z", "DesiredCapacity": 9,
         "Recurrence": "0 23 * * *"},
    ]
    current = asg.normalise_state(_group(2, 10, 4), old)
    desired = desired_state(validate_decision(_decision()), current, NOW)
    keep = plan_changes(current, desired)
    assert keep["scheduled_delete"] == [] and keep["scheduled_stale"] == ["meridian-forecast-20250303T110000Z"]
    assert "meridian-forecast-20250303T110000Z" in keep["diff"]["after"]["scheduled_actions"]
    purge = plan_changes(current, desired, purge_scheduled_actions=True)
    assert purge["scheduled_delete"] == ["meridian-forecast-20250303T110000Z"]
    assert "nightly-batch" not in purge["diff"]["before"]["scheduled_actions"]
    ops = dict(asg.operations("g", purge))
    assert ops["batch_delete_scheduled_action"]["ScheduledActionNames"] == ["meridian-forecast-20250303T110000Z"]


def _grid_decision(capacities):
    """A decision made at NOW on the 15-minute grid: one schedule step per interval."""
    schedule = [{"time": format_time(NOW + datetime.timedelta(seconds=900 * i)), "capacity": c}
                for i, c in enumerate(capacities)]
    return validate_decision(_decision(action="maintain", target_capacity=capacities[0], schedule=schedule))


def test_rerun_late_in_the_interval_keeps_the_imminent_step():
    asg = AwsAsgProvider()
    decision = _grid_decision([3, 5, 5, 4, 3])
    first_run = NOW + datetime.timedelta(seconds=100)
    desired = desired_state(decision, CURRENT, first_run)
    imminent = "meridian-forecast-20250303T121500Z"  # NOW + 900 s: 3 -> 5
    assert desired["scheduled_actions"][imminent]["desired_capacity"] == 5
    applied = asg.normalise_state(_group(2, 10, 3), _aws_actions(desired))

    # Same decision, re-run 100 s before the step (inside the 120 s minimum lead): nothing changes.
    rerun = plan_changes(applied, desired_state(decision, applied, NOW + datetime.timedelta(seconds=800)),
                         purge_scheduled_actions=True)
    assert rerun["scheduled_delete"] == [] and rerun["scheduled_put"] == []
    assert not rerun["changed"] and asg.operations("g", rerun) == []
    assert rerun["diff"]["after"]["scheduled_actions"][imminent]["desired_capacity"] == 5


def test_imminent_step_is_neither_rewritten_nor_purged_and_later_steps_follow_it():
    asg = AwsAsgProvider()
    desired = desired_state(_grid_decision([3, 5, 5, 4, 3]), CURRENT, NOW + datetime.timedelta(seconds=100))
    applied = asg.normalise_state(_group(2, 10, 3), _aws_actions(desired))
    # A new decision wants 6 from the imminent step on: too late to rewrite that step, so it stays at 5
    # and the next one brings 6.
    newer = desired_state(_grid_decision([3, 6, 6, 4, 3]), applied, NOW + datetime.timedelta(seconds=800))
    plan = plan_changes(applied, newer, purge_scheduled_actions=True)
    assert plan["scheduled_delete"] == []
    assert plan["scheduled_put"] == ["meridian-forecast-20250303T123000Z"]
    assert newer["scheduled_actions"]["meridian-forecast-20250303T121500Z"]["desired_capacity"] == 5
    assert newer["scheduled_actions"]["meridian-forecast-20250303T123000Z"]["desired_capacity"] == 6
    # Steps already past, and steps outside the prefix, are not kept by this rule.
    past = desired_state(_grid_decision([3, 5, 5, 4, 3]), applied, NOW + datetime.timedelta(seconds=1000))
    assert "meridian-forecast-20250303T121500Z" not in past["scheduled_actions"]
    other = desired_state(_grid_decision([3, 5, 5, 4, 3]), applied, NOW + datetime.timedelta(seconds=800),
                          prefix="other")
    assert not any(name.startswith("meridian-forecast-") for name in other["scheduled_actions"])


def test_changed_step_is_rewritten():
    asg = AwsAsgProvider()
    desired = desired_state(validate_decision(_decision()), CURRENT, NOW)
    actions = _aws_actions(desired)
    actions[0]["DesiredCapacity"] += 1
    current = asg.normalise_state(_group(2, 10, 4), actions)
    plan = plan_changes(current, desired)
    assert plan["scheduled_put"] == [actions[0]["ScheduledActionName"]]
    assert not plan["group"]


def test_batches_respect_the_api_limit():
    schedule = [{"time": format_time(NOW + datetime.timedelta(minutes=5 * (i + 1))), "capacity": 2 + i % 2}
                for i in range(120)]
    decision = validate_decision(_decision(schedule=schedule, target_capacity=3))
    desired = desired_state(decision, CURRENT, NOW, max_scheduled_actions=120)
    assert len(desired["scheduled_actions"]) == 120
    ops = AwsAsgProvider().operations("g", plan_changes(CURRENT, desired))
    sizes = [len(args["ScheduledUpdateGroupActions"]) for op, args in ops if op == "batch_put_scheduled_update_group_action"]
    assert sizes == [50, 50, 20]


def test_diff_keys_are_sorted():
    plan = plan_changes(CURRENT, desired_state(validate_decision(_decision()), CURRENT, NOW))
    for side in ("before", "after"):
        keys = list(plan["diff"][side])
        assert keys == sorted(keys)
        names = list(plan["diff"][side]["scheduled_actions"])
        assert names == sorted(names)


# ---------------------------------------------------------------- native policy


def test_predictive_policy_put_then_matches_aws_filled_defaults():
    asg = AwsAsgProvider()
    payload = asg.native_policy({"target_value": 50, "mode": "ForecastOnly"})
    desired = desired_state(validate_decision(_decision()), CURRENT, NOW, native_policy=payload)
    plan = plan_changes(CURRENT, desired)
    assert plan["native_policy"] == "put"
    op = dict(asg.operations("g", plan))["put_scaling_policy"]
    assert op["PolicyType"] == "PredictiveScaling" and op["PolicyName"] == "meridian-predictive"
    # AWS describes the policy back with integers as floats and extra defaults: still no change.
    described = dict(payload, MetricSpecifications=[dict(payload["MetricSpecifications"][0], TargetValue=50)])
    described["MaxCapacityBuffer"] = 0
    current = asg.normalise_state(_group(2, 10, 4), _aws_actions(desired), [
        {"PolicyName": "meridian-predictive", "PolicyType": "PredictiveScaling",
         "PredictiveScalingConfiguration": described}])
    assert plan_changes(current, desired_state(validate_decision(_decision()), current, NOW,
                                               native_policy=payload))["changed"] is False
    changed = asg.native_policy({"target_value": 60})
    assert plan_changes(current, desired_state(validate_decision(_decision()), current, NOW,
                                               native_policy=changed))["native_policy"] == "put"


def test_predictive_policy_absent_and_untouched():
    asg = AwsAsgProvider()
    current = asg.normalise_state(_group(2, 10, 4), [], [
        {"PolicyName": "meridian-predictive", "PolicyType": "PredictiveScaling",
         "PredictiveScalingConfiguration": {"Mode": "ForecastOnly"}}])
    decision = validate_decision(_decision(schedule=[]))
    untouched = plan_changes(current, desired_state(decision, current, NOW, native_policy=None))
    assert untouched["native_policy"] is None and not untouched["changed"]
    removed = plan_changes(current, desired_state(decision, current, NOW, native_policy=asg.native_policy({"state": "absent"})))
    assert removed["native_policy"] == "delete"
    assert dict(asg.operations("g", removed))["delete_policy"] == {"AutoScalingGroupName": "g",
                                                                   "PolicyName": "meridian-predictive"}


@pytest.mark.parametrize("options, field", [
    ({}, "predictive_policy.target_value"),
    ({"target_value": -1}, "predictive_policy.target_value"),
    ({"target_value": 50, "metric_type": "ALBRequestCount"}, "predictive_policy.resource_label"),
    ({"target_value": 50, "scheduling_buffer_time": 7200}, "predictive_policy.scheduling_buffer_time"),
    ({"target_value": 50, "mode": "Guess"}, "predictive_policy.mode"),
])
def test_predictive_policy_validation(options, field):
    with pytest.raises(ScalingPlanError) as err:
        AwsAsgProvider().native_policy(options)
    assert err.value.field == field


def test_provider_registry_and_names():
    assert isinstance(provider("aws_asg"), AwsAsgProvider)
    with pytest.raises(ScalingPlanError, match="aws_asg, gce_mig, k8s_hpa"):
        provider("azure_vmss")
    assert scheduled_action_name("p", NOW) == "p-20250303T120000Z"


# ---------------------------------------------------------------- client wrapper (no network)


class _FakePaginator:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **kwargs):
        return self

    def build_full_result(self):
        merged = {}
        for page in self.pages:
            for key, value in page.items():
                merged.setdefault(key, []).extend(value)
        return merged


class _FakeClient:
    def __init__(self, response):
        self.response = response
        self.calls = []

    def get_paginator(self, operation):
        return _FakePaginator([
            {"AutoScalingGroups": [{"AutoScalingGroupName": "other"}]},
            {"AutoScalingGroups": [{"AutoScalingGroupName": "g", "MinSize": 1}]},
        ])

    def batch_put_scheduled_update_group_action(self, **kwargs):
        self.calls.append(kwargs)
        return self.response


def test_client_reads_every_page_and_raises_on_failed_batch_items():
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_autoscaling import (
        AutoScalingApiError,
        AutoScalingClient,
    )

    ok = AutoScalingClient(_FakeClient({"FailedScheduledUpdateGroupActions": []}))
    assert ok.describe_group("g") == {"AutoScalingGroupName": "g", "MinSize": 1}
    assert ok.describe_group("absent") is None
    ok.call("batch_put_scheduled_update_group_action", {"AutoScalingGroupName": "g"})
    assert ok.client.client.calls == [{"AutoScalingGroupName": "g"}]

    failing = AutoScalingClient(_FakeClient({"FailedScheduledUpdateGroupActions": [
        {"ScheduledActionName": "meridian-forecast-x", "ErrorCode": "ValidationError", "ErrorMessage": "past"}]}))
    with pytest.raises(AutoScalingApiError, match="meridian-forecast-x: ValidationError past"):
        failing.call("batch_put_scheduled_update_group_action", {"AutoScalingGroupName": "g"})
