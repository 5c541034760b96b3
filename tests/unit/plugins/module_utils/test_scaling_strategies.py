# -*- coding: utf-8 -*-
"""Scaling strategies: each policy's proposal, the hybrid choice, the guards, budgets, the decision."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import strategies as st

UTC = datetime.timezone.utc


def epoch(*args):
    return datetime.datetime(*args, tzinfo=UTC).timestamp()


# Monday 6 July 2026 (summer: Berlin is UTC+2) and Monday 7 December 2026 (winter: UTC+1).
SUMMER_0555 = epoch(2026, 7, 6, 5, 55)
OFFICE = {"name": "office", "cron": "0 8 * * 1-5", "time_zone": "Europe/Berlin", "min": 6, "max": None,
          "duration": 10 * 3600}
NIGHT = {"name": "night", "cron": "0 22 * * *", "time_zone": "Europe/Berlin", "min": None, "max": 3,
         "duration": None}


def service(**kw):
    out = {"name": "web", "strategy": "hybrid", "mode": "forecast_and_scale", "min_capacity": 1, "max_capacity": 10,
           "schedules": [], "reactive": {"metric": "cpu", "target": 50}, "scheduling_buffer": 0,
           "max_capacity_breach": "honor", "max_capacity_buffer": 0, "allowed_underprovisioned": 0.005,
           "cost": {"on_demand_price": 0.10, "currency": "USD"}}
    out.update(kw)
    return out


def forecast(now, capacities, interval=900, **kw):
    """A capacity_forecast decision whose schedule holds ``capacities[j]`` from now + j*interval."""
    schedule = []
    for j, c in enumerate(capacities):
        if not schedule or schedule[-1]["capacity"] != c:
            schedule.append({"time": st.iso_utc(now + j * interval), "capacity": c})
    out = {"service": "web", "ok": True, "target_capacity": capacities[0], "min_capacity": 1, "max_capacity": 10,
           "time_to_execute": st.iso_utc(now), "schedule": schedule, "confidence": 0.99,
           "model": {"name": "holt_winters"}, "dimensions": [], "warnings": []}
    out.update(kw)
    return out


# --- scheduled


def test_a_schedule_fires_in_its_own_time_zone_across_daylight_saving():
    assert st.last_firing(OFFICE, epoch(2026, 7, 6, 6, 0)) == epoch(2026, 7, 6, 6, 0)
    assert st.last_firing(OFFICE, epoch(2026, 12, 7, 6, 30)) == epoch(2026, 12, 4, 7, 0)  # 07:30 CET: Friday 08:00
    assert st.last_firing(OFFICE, epoch(2026, 12, 7, 7, 0)) == epoch(2026, 12, 7, 7, 0)


@pytest.mark.parametrize("when, floor, ceiling, names", [
    (epoch(2026, 7, 6, 5, 59), None, 3, ["night"]),          # Monday before 08:00 Berlin: the night ceiling holds
    (epoch(2026, 7, 6, 6, 0), 6, None, ["office"]),          # 08:00 Berlin
    (epoch(2026, 7, 6, 15, 59), 6, None, ["office"]),        # 17:59 Berlin, within the 10 h duration
    (epoch(2026, 7, 6, 16, 0), None, 3, ["night"]),          # office over: back to the night schedule of Sunday
    (epoch(2026, 7, 4, 12, 0), None, 3, ["night"]),          # Saturday
])
def test_the_schedule_in_force_sets_floor_and_ceiling(when, floor, ceiling, names):
    bounds = st.schedule_bounds([OFFICE, NIGHT], when)
    assert (bounds["floor"], bounds["ceiling"], bounds["names"]) == (floor, ceiling, names)


def test_the_scheduling_buffer_starts_a_floor_early_and_lifts_the_ceiling_to_it():
    bounds = st.schedule_bounds([OFFICE, NIGHT], SUMMER_0555, buffer=300)
    assert bounds["floor"] == 6 and bounds["ceiling"] == 6
    assert st.schedule_bounds([OFFICE, NIGHT], SUMMER_0555, buffer=60)["floor"] is None


# --- reactive


def test_target_tracking_on_cpu_holds_the_capacity_in_service():
    assert st.reactive_proposal({"metric": "cpu", "target": 50}, current_capacity=4)["capacity"] == 4
    assert st.reactive_proposal({"metric": "requests_per_target", "target": 400}, 2)["capacity"] == 2
    assert st.reactive_proposal({"metric": "cpu", "target": 50}, None)["capacity"] is None


@pytest.mark.parametrize("value, capacity", [(0.0, 0), (250.0, 1), (251.0, 2), (1000.0, 4), (None, None)])
def test_a_promql_target_needs_the_metric_over_its_target(value, capacity):
    proposal = st.reactive_proposal({"metric": "promql", "target": 250, "query": "q"}, 9, value)
    assert proposal["capacity"] == capacity


# --- predictive


def test_the_forecast_proposal_is_its_capacity_now_or_the_highest_within_the_buffer():
    now = epoch(2026, 7, 6, 12, 0)
    fc = forecast(now, [2, 2, 5, 3])
    assert st.predictive_proposal(fc, now)["capacity"] == 2
    assert st.predictive_proposal(fc, now, buffer=1800)["capacity"] == 5
    assert st.predictive_proposal(None, now)["capacity"] is None
    assert st.predictive_proposal(dict(fc, ok=False, warnings=["stale"]), now)["capacity"] is None


# --- the hybrid choice and the decision


def test_hybrid_takes_the_highest_of_the_three_and_says_why():
    now = epoch(2026, 7, 6, 6, 30)                            # 08:30 Berlin: office floor 6
    d = st.decide(service(schedules=[OFFICE, NIGHT]), now, forecast(now, [4] * 96), current_capacity=2)
    assert d["proposals"]["predictive"]["capacity"] == 4
    assert d["proposals"]["scheduled"]["capacity"] == 6
    assert d["proposals"]["reactive"]["capacity"] == 2
    assert d["chosen_policy"] == "scheduled" and d["target_capacity"] == d["capacity"] == 6
    assert d["reason"].startswith("scheduled is the highest at 6") and "predictive 4" in d["reason"]
    assert d["action"] == "scale_up" and d["ok"] and d["mode"] == "forecast_and_scale"


@pytest.mark.parametrize("current, fc, chosen, capacity", [
    (7, [4] * 96, "reactive", 7),
    (2, [8] * 96, "predictive", 8),
])
def test_hybrid_names_whichever_policy_is_highest(current, fc, chosen, capacity):
    now = epoch(2026, 7, 6, 6, 30)
    d = st.decide(service(schedules=[OFFICE, NIGHT]), now, forecast(now, fc), current_capacity=current)
    assert (d["chosen_policy"], d["target_capacity"]) == (chosen, capacity)


def test_a_tie_names_the_schedule_then_the_forecast():
    now = epoch(2026, 7, 6, 6, 30)
    d = st.decide(service(schedules=[OFFICE]), now, forecast(now, [6] * 96), current_capacity=6)
    assert d["chosen_policy"] == "scheduled"
    assert d["reason"].startswith("scheduled is the highest at 6 (tied with predictive, reactive)")
    d = st.decide(service(), now, forecast(now, [3] * 96), current_capacity=3)
    assert d["chosen_policy"] == "predictive"


def test_predictive_keeps_meaning_the_forecast_alone():
    now = epoch(2026, 7, 6, 6, 30)
    d = st.decide(service(strategy="predictive", schedules=[OFFICE]), now, forecast(now, [3] * 96), current_capacity=7)
    assert d["chosen_policy"] == "predictive" and d["target_capacity"] == 3
    assert d["proposals"]["reactive"]["capacity"] == 7 and d["proposals"]["scheduled"]["capacity"] == 6


def test_a_failed_forecast_changes_nothing():
    now = epoch(2026, 7, 6, 6, 30)
    d = st.decide(service(), now, dict(forecast(now, [3]), ok=False, warnings=["data too old"]), current_capacity=2)
    assert not d["ok"] and d["target_capacity"] == 2 and d["action"] == "maintain" and "data too old" in d["reason"]


def test_a_scheduled_service_holds_outside_its_schedules_and_follows_them_ahead():
    now = epoch(2026, 7, 6, 5, 0)                             # 07:00 Berlin: night ceiling 3
    d = st.decide(service(strategy="scheduled", schedules=[OFFICE, NIGHT]), now, None, current_capacity=5)
    assert d["target_capacity"] == 3 and d["chosen_policy"] == "none"
    steps = dict((s["time"], s["capacity"]) for s in d["schedule"])
    assert steps["2026-07-06T06:00:00Z"] == 6                 # the office floor at 08:00 Berlin, one step later
    assert d["schedule"][-1]["capacity"] == 3                 # and the night ceiling at 00:00 Berlin


def test_future_steps_combine_forecast_and_schedule_with_the_buffer():
    now = epoch(2026, 7, 6, 5, 0)
    fc = forecast(now, [2] * 96)
    d = st.decide(service(schedules=[OFFICE], scheduling_buffer=900), now, fc, current_capacity=2)
    steps = dict((s["time"], s["capacity"]) for s in d["schedule"])
    assert steps == {"2026-07-06T05:00:00Z": 2, "2026-07-06T05:45:00Z": 6, "2026-07-06T16:00:00Z": 2}


def test_the_maximum_is_honoured_and_the_shortfall_flagged():
    now = epoch(2026, 7, 6, 12, 0)
    d = st.decide(service(max_capacity=6), now, forecast(now, [9] * 4, max_capacity=9), current_capacity=3,
                  horizon=3600)
    assert d["target_capacity"] == 6 and d["max_capacity"] == 6 and not d["max_capacity_raised"]
    assert d["slo_risk"] and d["slo_risk_units"] == 3


def test_an_increase_breach_raises_the_maximum_by_at_most_the_buffer():
    now = epoch(2026, 7, 6, 12, 0)
    svc = service(max_capacity=6, max_capacity_breach="increase", max_capacity_buffer=20)
    d = st.decide(svc, now, forecast(now, [9] * 4), current_capacity=3, horizon=3600)
    assert st.raised_maximum(6, 20) == 8
    assert d["target_capacity"] == 8 and d["max_capacity"] == 8 and d["max_capacity_raised"]
    assert d["slo_risk_units"] == 1
    d = st.decide(svc, now, forecast(now, [7] * 4), current_capacity=3, horizon=3600)
    assert (d["target_capacity"], d["max_capacity"], d["slo_risk"]) == (7, 7, False)


def test_cost_per_hour_and_per_day():
    now = epoch(2026, 7, 6, 12, 0)
    d = st.decide(service(), now, forecast(now, [4] * 48 + [2] * 48), current_capacity=4)
    assert d["cost_per_hour"] == pytest.approx(0.4)
    assert d["cost_per_day"] == pytest.approx((4 * 12 + 2 * 12) * 0.10)
    assert d["currency"] == "USD" and not d["over_budget"] and d["spot"] is None


def test_a_service_budget_caps_capacity_and_flags_the_risk():
    now = epoch(2026, 7, 6, 12, 0)
    svc = service(cost={"on_demand_price": 0.10, "budget_per_day": 7.2})   # 3 units all day
    d = st.decide(svc, now, forecast(now, [5] * 96), current_capacity=5)
    assert d["target_capacity"] == 3 and d["cost_per_day"] == pytest.approx(7.2)
    assert d["reason"].endswith("; held at 3 by the budget")
    assert not d["over_budget"] and d["slo_risk"] and d["slo_risk_units"] == 2


def test_a_budget_below_the_minimum_is_over_budget_with_the_amount():
    now = epoch(2026, 7, 6, 12, 0)
    svc = service(min_capacity=2, cost={"on_demand_price": 0.10, "budget_per_day": 1.0})
    d = st.decide(svc, now, forecast(now, [2] * 96), current_capacity=2)
    assert d["target_capacity"] == 2 and d["over_budget"]
    assert d["over_budget_amount"] == pytest.approx(2 * 2.4 - 1.0)
    assert any("over budget" in w for w in d["warnings"])


def test_the_environment_budget_cuts_above_the_minimums_together():
    now = epoch(2026, 7, 6, 12, 0)
    web = st.decide(service(), now, forecast(now, [5] * 96), current_capacity=5)
    api = st.decide(service(name="api"), now, forecast(now, [9] * 96), current_capacity=9)
    st.apply_environment_budget([web, api], 24 * 0.10 * 8)   # 8 units all day between them
    assert web["target_capacity"] + api["target_capacity"] <= 8
    assert web["target_capacity"] >= 1 and api["target_capacity"] > web["target_capacity"]
    assert web["slo_risk"] and api["slo_risk"] and not web["over_budget"]
    assert web["environment_budget"]["cost_per_day"] <= 24 * 0.10 * 8 + 1e-6


def test_an_environment_budget_below_the_minimums_is_over_budget():
    now = epoch(2026, 7, 6, 12, 0)
    web = st.decide(service(min_capacity=2), now, forecast(now, [4] * 96), current_capacity=4)
    st.apply_environment_budget([web], 1.0)
    assert web["target_capacity"] == 2 and web["over_budget"]
    assert web["over_budget_amount"] == pytest.approx(2 * 2.4 - 1.0)


def test_an_environment_budget_that_fits_changes_nothing():
    now = epoch(2026, 7, 6, 12, 0)
    web = st.decide(service(), now, forecast(now, [4] * 96), current_capacity=4)
    before = copy.deepcopy(web)
    st.apply_environment_budget([web], 100.0)
    web.pop("environment_budget")
    assert web == before


def test_forecast_only_is_carried_in_the_decision():
    now = epoch(2026, 7, 6, 12, 0)
    d = st.decide(service(mode="forecast_only"), now, forecast(now, [4] * 4), current_capacity=2, horizon=3600)
    assert d["mode"] == "forecast_only" and d["target_capacity"] == 4


def test_bad_settings_name_the_field():
    with pytest.raises(st.StrategyError) as err:
        st.decide(service(strategy="random"), 0, None)
    assert err.value.field == "strategy"


# --- the mix and the spot interruption rule (cost.py and spot.py)

MIX = {"on_demand_price": 0.10, "on_demand_base": 1, "spot_share": 0.5, "spot_price": 0.03, "currency": "USD",
       "instance_types": [{"type": "t3.small", "price": 0.10}]}


def test_the_decision_is_priced_with_the_mix():
    now = epoch(2026, 7, 6, 12, 0)
    fc = forecast(now, [3] * 4, dimensions=[{"forecast_next_interval": 100.0, "forecast_quantile": 150.0}])
    d = st.decide(service(cost=MIX), now, fc, current_capacity=3, horizon=3600)
    # 3 units: 1 base + 2 above, half of them on spot: 2 x 0.10 + 1 x 0.03
    assert d["cost_per_hour"] == pytest.approx(0.23)
    assert d["mix"]["spot_share"] == 0.5 and d["spot"]["action"] in ("none", "headroom", "smaller_share")


def test_a_spot_share_whose_loss_breaks_the_target_is_remedied_and_the_decision_says_which():
    now = epoch(2026, 7, 6, 12, 0)
    mix = dict(MIX, spot_share=1.0, on_demand_base=0)
    needs = [3.0] * 4
    d = st.decide(service(cost=mix, allowed_underprovisioned=0.0), now, forecast(now, [3] * 4), current_capacity=3,
                  horizon=3600, needs=needs)
    assert d["spot"]["at_risk_steps"] == 4 and d["spot"]["action"] in ("headroom", "smaller_share")
    if d["spot"]["action"] == "headroom":
        assert d["target_capacity"] > 3
    else:
        assert d["mix"]["spot_share"] < 1.0
    assert d["spot"]["at_risk_steps_after"] == 0 and d["spot"]["reason"]


def test_a_provider_without_spot_is_priced_on_demand():
    now = epoch(2026, 7, 6, 12, 0)
    d = st.decide(service(cost=MIX), now, forecast(now, [3] * 4), current_capacity=3, horizon=3600, provider="k8s")
    assert d["cost_per_hour"] == pytest.approx(0.30) and d["spot"] is None


def test_the_needs_are_the_schedule_without_the_forecast_margin():
    fc = {"dimensions": [{"forecast_next_interval": 80.0, "forecast_quantile": 100.0},
                         {"forecast_next_interval": 9.0, "forecast_quantile": 10.0}]}
    assert st.forecast_needs(fc, [10, 5]) == pytest.approx([9.0, 4.5])
    assert st.forecast_needs(None, [4]) == [4]


def test_a_ceiling_holds_the_capacity_and_the_reason_says_so():
    now = epoch(2026, 7, 6, 5, 0)                             # 07:00 Berlin: the night ceiling of 3
    d = st.decide(service(schedules=[NIGHT]), now, forecast(now, [5] * 4), current_capacity=6, horizon=3600)
    assert d["target_capacity"] == 3 and d["chosen_policy"] == "reactive"
    assert d["reason"].endswith("; held at 3 by the schedule's ceiling") and not d["slo_risk"]
