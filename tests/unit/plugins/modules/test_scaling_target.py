# -*- coding: utf-8 -*-
"""scaling_target against a moto_server of its own (started here on a free 127.0.0.1 port)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

boto3 = pytest.importorskip("boto3")


from ansible_collections.meridian.global_infra.plugins.modules import scaling_target  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_aws_module  # noqa: E402

REGION = "ap-southeast-2"
UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def autoscaling(moto_url):
    return boto3.client("autoscaling", region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def group(autoscaling, request):
    name = "meridian-test-" + request.node.name.replace("_", "-")[-40:]
    autoscaling.create_launch_configuration(LaunchConfigurationName=name, ImageId="ami-12c6146b",
                                            InstanceType="t3.micro")
    autoscaling.create_auto_scaling_group(AutoScalingGroupName=name, LaunchConfigurationName=name, MinSize=1,
                                          MaxSize=5, DesiredCapacity=2, AvailabilityZones=[REGION + "a"])
    yield name
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
    autoscaling.delete_launch_configuration(LaunchConfigurationName=name)


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decision(start=None, **over):
    start = start or datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(minutes=10)
    capacities = [3, 3, 4, 6, 6, 5, 3]
    decision = {
        "service": "web", "ok": True, "action": "scale_up", "current_capacity": 2, "target_capacity": 3,
        "min_capacity": 2, "max_capacity": 8, "confidence": 0.9, "estimated_cost": 2.0, "currency": "USD",
        "time_to_execute": _iso(start - datetime.timedelta(minutes=10)), "dimensions": [], "model": {},
        "schedule": [{"time": _iso(start + datetime.timedelta(minutes=30 * i)), "capacity": c}
                     for i, c in enumerate(capacities)],
        "warnings": [],
    }
    decision.update(over)
    return decision


def run(moto_url, check=False, diff=True, **args):
    return run_aws_module(scaling_target, moto_url, REGION, args, check=check, diff=diff)


def _bounds(autoscaling, name):
    g = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return (g["MinSize"], g["MaxSize"], g["DesiredCapacity"])


def _actions(autoscaling, name):
    """{scheduled action name: desired capacity}"""
    actions = autoscaling.describe_scheduled_actions(AutoScalingGroupName=name)["ScheduledUpdateGroupActions"]
    return dict((a["ScheduledActionName"], a["DesiredCapacity"]) for a in actions)


def _state(autoscaling, name):
    return _bounds(autoscaling, name), _actions(autoscaling, name)


def test_check_apply_check_apply(moto_url, autoscaling, group):
    decision = _decision()
    before = _state(autoscaling, group)

    first = run(moto_url, check=True, name=group, decision=decision)
    assert not isinstance(first, ModuleFail) and first.result["changed"] is True
    assert _state(autoscaling, group) == before  # check mode wrote nothing
    diff = first.result["diff"]
    assert diff["before"]["desired_capacity"] == 2 and diff["after"]["desired_capacity"] == 3
    assert list(diff["after"]) == sorted(diff["after"])

    applied = run(moto_url, name=group, decision=decision)
    assert applied.result["changed"] is True
    assert _bounds(autoscaling, group) == (2, 8, 3)
    actions = _actions(autoscaling, group)
    # only the capacity changes are scheduled: 4, 6, 5, 3 (the first 3 equals the target)
    assert [actions[name] for name in sorted(actions)] == [4, 6, 5, 3]
    assert [a["name"] for a in applied.result["scheduled_actions"]] == sorted(actions)

    again_check = run(moto_url, check=True, name=group, decision=decision)
    assert again_check.result["changed"] is False
    assert again_check.result["operations"] == []
    again = run(moto_url, name=group, decision=decision)
    assert again.result["changed"] is False
    assert again.result["diff"]["before"] == again.result["diff"]["after"]


def test_new_decision_moves_schedule_and_purges_only_when_asked(moto_url, autoscaling, group):
    first = _decision()
    run(moto_url, name=group, decision=first)
    old_actions = _actions(autoscaling, group)
    autoscaling.put_scheduled_update_group_action(
        AutoScalingGroupName=group, ScheduledActionName="nightly-report", Recurrence="0 23 * * *", DesiredCapacity=4)

    later = _decision(start=datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(minutes=25))
    kept = run(moto_url, name=group, decision=later)
    assert kept.result["changed"] is True
    assert set(old_actions) <= set(_actions(autoscaling, group))
    assert kept.result["stale_scheduled_actions"]

    purged = run(moto_url, name=group, decision=later, purge_scheduled_actions=True)
    assert purged.result["changed"] is True
    names = set(_actions(autoscaling, group))
    assert "nightly-report" in names
    assert names - {"nightly-report"} == set(a["name"] for a in purged.result["scheduled_actions"])
    assert not (set(purged.result["stale_scheduled_actions"]) & names)
    assert run(moto_url, name=group, decision=later, purge_scheduled_actions=True).result["changed"] is False


def test_not_ok_decision_changes_nothing(moto_url, autoscaling, group):
    before = _state(autoscaling, group)
    result = run(moto_url, name=group, decision=_decision(ok=False, warnings=["query returned no series"]))
    assert isinstance(result, ModuleFail)
    assert "query returned no series" in result.result["msg"] and "nothing was changed" in result.result["msg"]
    assert result.result["field"] == "decision.ok"
    assert _state(autoscaling, group) == before


@pytest.mark.parametrize("over, field", [
    ({"min_capacity": 9}, "decision.min_capacity"),
    ({"target_capacity": 12}, "decision.target_capacity"),
])
def test_inconsistent_decision_rejected_before_any_call(moto_url, autoscaling, group, over, field, monkeypatch):
    calls = []
    monkeypatch.setattr(scaling_target.AutoScalingClient, "from_module",
                        classmethod(lambda cls, module: calls.append(module) or None))
    result = run(moto_url, name=group, decision=_decision(**over))
    assert isinstance(result, ModuleFail) and result.result["field"] == field
    assert calls == []


def test_missing_group_is_a_clear_error(moto_url):
    result = run(moto_url, name="meridian-test-absent", decision=_decision())
    assert isinstance(result, ModuleFail)
    assert "not found" in result.result["msg"] and result.result["field"] == "name"


def test_floor_mode_and_predictive_policy(moto_url, autoscaling, group):
    policy = {"target_value": 50, "mode": "ForecastOnly", "scheduling_buffer_time": 600}
    decision = _decision()
    applied = run(moto_url, name=group, decision=decision, capacity_mode="floor", predictive_policy=policy)
    assert applied.result["changed"] is True
    assert _bounds(autoscaling, group) == (3, 8, 3)
    described = autoscaling.describe_policies(AutoScalingGroupName=group)["ScalingPolicies"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in described] == [("meridian-predictive", "PredictiveScaling")]
    assert described[0]["PredictiveScalingConfiguration"]["SchedulingBufferTime"] == 600
    assert applied.result["predictive_policy"]["mode"] == "ForecastOnly"
    steps = autoscaling.describe_scheduled_actions(AutoScalingGroupName=group)["ScheduledUpdateGroupActions"]
    assert all(s["MinSize"] == s["DesiredCapacity"] for s in steps)

    again = run(moto_url, name=group, decision=decision, capacity_mode="floor", predictive_policy=policy)
    assert again.result["changed"] is False

    removed = run(moto_url, name=group, decision=decision, capacity_mode="floor",
                  predictive_policy={"state": "absent"})
    assert removed.result["changed"] is True
    assert autoscaling.describe_policies(AutoScalingGroupName=group)["ScalingPolicies"] == []


def test_rerun_late_in_the_interval_keeps_the_imminent_step(moto_url, autoscaling, group, monkeypatch):
    # A decision made at E on the 15-minute grid: 2 now, 4 from E + 15 min, 3 from E + 45 min.
    decided = datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(hours=1)
    decision = _decision(start=decided, action="maintain", target_capacity=2, time_to_execute=_iso(decided),
                         schedule=[{"time": _iso(decided + datetime.timedelta(minutes=15 * i)), "capacity": c}
                                   for i, c in enumerate([2, 4, 4, 3])])
    imminent = "meridian-forecast-" + (decided + datetime.timedelta(minutes=15)).strftime("%Y%m%dT%H%M%SZ")

    monkeypatch.setattr(scaling_target, "_utcnow", lambda: decided + datetime.timedelta(seconds=100))
    first = run(moto_url, name=group, decision=decision, purge_scheduled_actions=True)
    assert first.result["changed"] is True and _actions(autoscaling, group)[imminent] == 4

    monkeypatch.setattr(scaling_target, "_utcnow", lambda: decided + datetime.timedelta(seconds=800))
    again = run(moto_url, name=group, decision=decision, purge_scheduled_actions=True)
    assert again.result["changed"] is False and again.result["operations"] == []
    assert _actions(autoscaling, group)[imminent] == 4
    assert _bounds(autoscaling, group) == (2, 8, 2)


def test_forecast_only_reports_the_plan_and_changes_nothing(moto_url, autoscaling, group):
    before = _state(autoscaling, group)
    preview = run(moto_url, name=group, decision=_decision(), mode="ForecastOnly")
    assert preview.result["changed"] is False and preview.result["would_change"] is True
    assert preview.result["mode"] == "ForecastOnly"
    assert [op["operation"] for op in preview.result["operations"]][0] == "update_auto_scaling_group"
    assert preview.result["group"]["desired_capacity"] == 3
    assert _state(autoscaling, group) == before

    applied = run(moto_url, name=group, decision=_decision())
    assert applied.result["changed"] is True and applied.result["would_change"] is True
    assert applied.result["mode"] == "ForecastAndScale"


def test_a_forecast_only_decision_changes_nothing_whatever_the_mode(moto_url, autoscaling, group):
    before = _state(autoscaling, group)
    decision = _decision(mode="forecast_only", strategy="hybrid", chosen_policy="scheduled",
                         reason="scheduled is the highest at 3", cost_per_hour=0.06, cost_per_day=1.44,
                         over_budget=False, slo_risk=False)
    preview = run(moto_url, name=group, decision=decision, mode="ForecastAndScale")
    assert preview.result["changed"] is False and preview.result["would_change"] is True
    assert preview.result["mode"] == "ForecastOnly"
    assert preview.result["decision"]["chosen_policy"] == "scheduled"
    assert preview.result["decision"]["mode"] == "forecast_only" and preview.result["decision"]["cost_per_day"] == 1.44
    assert _state(autoscaling, group) == before
