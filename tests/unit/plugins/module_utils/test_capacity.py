# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import numpy as np
import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc

NOW = 1700000000


def dim(path, recent=(100.0,), unit=10.0, util=0.5, name="rps", step=300, coverage=0.99):
    return cap.Dimension(name, unit, util, 0.99, quantile_path=path, recent=list(recent), step=step,
                         coverage=coverage, model={"name": "naive", "backtest_mase": 0.5, "backtest_smape": 3.0})


def test_required_units_formula():
    d = cap.Dimension("cpu", unit_capacity=2.0, target_utilization=0.5)
    assert d.units(4.0) == 4
    assert d.units(4.1) == 5
    assert d.units(0.0) == 0


def test_decision_is_max_across_dimensions_and_bounded():
    flat = [100.0] * 300
    a = dim(flat, recent=[100.0])                         # 100 / (10 * 0.5) = 20 units
    b = dim([300.0] * 300, recent=[300.0], name="cpu")   # 60 units, above max
    d = cap.decide("web", NOW, [a, b], 1, 40, current_capacity=10)
    assert d["target_capacity"] == 40
    assert d["action"] == "scale_up"
    assert d["slo_risk"] is True
    assert [x["required_units"] for x in d["dimensions"]] == [20, 60]
    assert d["ok"] is True and d["currency"] == "USD"


def test_reactive_floor_never_below_current_load():
    d = cap.decide("web", NOW, [dim([0.0] * 300, recent=[50.0] * 3)], 0, 100, current_capacity=10)
    assert d["target_capacity"] == 10  # 50 / 5 = 10 units needed now


def test_lead_time_requests_capacity_before_the_rise():
    path = [10.0] * 24 + [200.0] * 276   # rise at now + 25 steps (2 h 5 min)
    d = cap.decide("web", NOW, [dim(path, recent=[10.0])], 1, 100, current_capacity=2, lead_time=600,
                   interval=900, horizon=6 * 3600, stabilization=0)
    rise = NOW + 25 * 300
    caps = {fc.to_epoch(s["time"]): s["capacity"] for s in d["schedule"]}
    first_high = min(t for t, c in caps.items() if c >= 40)
    assert first_high <= rise - 600
    assert d["target_capacity"] == 2 and d["action"] == "maintain"


def test_scale_in_limited_by_max_step_and_stabilization():
    d = cap.decide("web", NOW, [dim([5.0] * 300, recent=[5.0])], 1, 100, current_capacity=50,
                   scale_in_max_step=0.2, stabilization=0, horizon=3 * 3600)
    assert d["target_capacity"] == 40
    assert d["action"] == "scale_down"
    caps = [s["capacity"] for s in d["schedule"]]
    assert caps == sorted(caps, reverse=True) and caps[-1] < 10
    stab = cap.decide("web", NOW, [dim([5.0] * 300, recent=[200.0, 5.0])], 1, 100, current_capacity=50,
                      scale_in_max_step=1.0, stabilization=600, interval=300, horizon=3600)
    assert stab["target_capacity"] == 40  # max of the last 10 min of load (200 / 5)


def test_budget_caps_capacity_and_flags_risk():
    pricing = cost.Pricing(on_demand_price=1.0, budget=10.0)
    d = cap.decide("web", NOW, [dim([100.0] * 300, recent=[100.0])], 1, 100, current_capacity=20,
                   horizon=3600, interval=900, pricing=pricing)
    assert d["estimated_cost"] <= 10.0
    assert d["slo_risk"] is True
    assert d["over_budget"] is False
    assert any("budget" in w for w in d["warnings"])


def test_budget_below_min_capacity_keeps_min_and_says_over_budget():
    # 20 units is the floor; one hour of it costs 20.0, twice the budget
    pricing = cost.Pricing(on_demand_price=1.0, budget=10.0)
    d = cap.decide("web", NOW, [dim([100.0] * 300, recent=[100.0])], 20, 100, current_capacity=20,
                   horizon=3600, interval=900, pricing=pricing)
    assert [s["capacity"] for s in d["schedule"]] == [20]
    assert d["over_budget"] is True
    assert d["estimated_cost"] == 20.0  # what min_capacity really costs, not the budget
    over = [w for w in d["warnings"] if "over budget" in w]
    assert len(over) == 1 and "20.00 USD" in over[0] and "10.00 USD" in over[0] and "min_capacity 20" in over[0]


def test_stale_series_is_refused_before_any_forecast():
    t = np.arange(288 * 3)
    s = fc.Series(NOW - 60 * 3600 - (len(t) - 1) * 300, 300, 100 + 10 * np.sin(2 * np.pi * t / 288.0))
    spec = [{"name": "rps", "series": s, "unit_capacity": 10}]
    with pytest.raises(cap.StaleDataError) as err:
        cap.plan_service("web", spec, 1, 20, current_capacity=2, decision_time=NOW, max_data_age=1800)
    assert err.value.field == "max_data_age" and err.value.data_age == 60 * 3600
    failed = cap.plan_many([dict(service="web", dimensions=spec, min_capacity=1, max_capacity=20,
                                 decision_time=NOW, max_data_age=1800)])[0]
    assert failed["ok"] is False and failed["data_age_seconds"] == 60 * 3600
    fresh = cap.plan_service("web", spec, 1, 20, current_capacity=2, decision_time=s.end + 300, max_data_age=1800)
    assert fresh["ok"] is True and fresh["data_age_seconds"] == 300


@pytest.mark.parametrize("kwargs, field", [
    ({"min_capacity": 5, "max_capacity": 2}, "min_capacity"),
    ({"min_capacity": -1, "max_capacity": 2}, "min_capacity"),
    ({"min_capacity": 0, "max_capacity": 0}, "max_capacity"),
])
def test_bounds_rejected(kwargs, field):
    with pytest.raises(cap.CapacityError) as err:
        cap.decide("web", NOW, [dim([1.0])], **kwargs)
    assert err.value.field == field


@pytest.mark.parametrize("unit, util, field", [(0, 0.7, "dimensions.unit_capacity"),
                                               (-3, 0.7, "dimensions.unit_capacity"),
                                               (1, 1.5, "dimensions.target_utilization")])
def test_dimension_rejected(unit, util, field):
    with pytest.raises(cap.CapacityError) as err:
        cap.Dimension("rps", unit, util)
    assert err.value.field == field


def test_plan_service_falls_back_to_reactive_on_short_history():
    s = fc.Series(NOW - 11 * 300, 300, np.array([10.0] * 11 + [40.0]))
    d = cap.plan_service("web", [{"name": "rps", "series": s, "unit_capacity": 10}], 1, 20, current_capacity=2)
    assert d["ok"] and d["model"]["name"] == "reactive"
    assert d["target_capacity"] == 6  # ceil(40 / 7)
    assert d["confidence"] == 0.0
    assert any("reactive sizing" in w for w in d["warnings"])


def test_plan_service_full_decision_contract():
    t = np.arange(288 * 7)
    y = 100 + 50 * np.sin(2 * np.pi * t / 288.0) + np.random.default_rng(0).normal(0, 3, len(t))
    s = fc.Series(NOW - (len(t) - 1) * 300, 300, np.maximum(y, 0))
    d = cap.plan_service("web", [{"name": "rps", "series": s, "unit_capacity": 10}], 1, 50, current_capacity=10,
                         pricing=cost.Pricing(0.1, 0.5, 0.03))
    for key in ("service", "ok", "action", "current_capacity", "target_capacity", "min_capacity", "max_capacity",
                "confidence", "estimated_cost", "currency", "time_to_execute", "dimensions", "model",
                "schedule", "warnings"):
        assert key in d
    assert set(d["model"]) >= {"name", "backtest_mase", "backtest_smape"}
    assert set(d["dimensions"][0]) >= {"name", "forecast_quantile", "unit_capacity", "target_utilization",
                                       "required_units"}
    assert 0.9 <= d["confidence"] <= 1.0
    assert d["estimated_cost"] > 0
    assert max(x["capacity"] for x in d["schedule"]) >= 22  # peak 150 / 7 per unit


def test_plan_many_keeps_order_and_reports_failures():
    s = fc.Series(NOW, 300, np.array([1.0, 2.0, 3.0]))
    jobs = [dict(service="s%d" % i, dimensions=[{"name": "x", "series": s, "unit_capacity": 1}],
                 min_capacity=1, max_capacity=5) for i in range(9)]
    jobs[4]["dimensions"][0] = {"name": "x", "series": s, "unit_capacity": 0}
    out = cap.plan_many(jobs, workers=2)
    assert [d["service"] for d in out] == ["s%d" % i for i in range(9)]
    assert [d["ok"] for d in out].count(False) == 1 and not out[4]["ok"]
    assert "unit_capacity" in out[4]["warnings"][0]


def test_peak_utilization_sizes_the_quantile_at_full_capacity():
    # quantile 180, point 100, unit 10: default (target 0.5) needs 180 / 5 = 36 units
    d = cap.Dimension("rps", 10.0, 0.5, 0.99, quantile_path=[180.0], mean_path=[100.0])
    assert d.need(0) == 36
    # quantile at 100 %: 18 units; point at 50 %: 20 units; the larger wins
    d = cap.Dimension("rps", 10.0, 0.5, 0.99, quantile_path=[180.0], mean_path=[100.0], peak_utilization=1.0)
    assert d.need(0) == 20
    d = cap.Dimension("rps", 10.0, 0.5, 0.99, quantile_path=[300.0], mean_path=[100.0], peak_utilization=1.0)
    assert d.need(0) == 30


@pytest.mark.parametrize("peak", [0.3, 1.5, "x"])
def test_peak_utilization_out_of_range_is_rejected(peak):
    with pytest.raises(cap.CapacityError) as err:
        cap.Dimension("rps", 10.0, 0.5, 0.99, peak_utilization=peak)
    assert err.value.field == "dimensions.peak_utilization"


def test_reactive_floor_protects_only_the_current_load_when_a_forecast_covers_the_rest():
    # current load 95 on units of 10: 10 units at 100 %, 19 at the 50 % target
    low = [10.0] * 300
    with_forecast = cap.Dimension("rps", 10.0, 0.5, 0.99, quantile_path=low, recent=[95.0], step=300,
                                  peak_utilization=1.0, mean_path=low)
    d = cap.decide("web", NOW, [with_forecast], 1, 40, current_capacity=10, stabilization=0)
    assert d["dimensions"][0]["reactive_units"] == 10
    assert d["target_capacity"] == 10
    # without a forecast the floor keeps the target utilisation's headroom
    reactive = cap.Dimension("rps", 10.0, 0.5, 0.99, recent=[95.0], step=300, peak_utilization=1.0)
    d = cap.decide("web", NOW, [reactive], 1, 40, current_capacity=10, stabilization=0)
    assert d["target_capacity"] == 19


def test_point_forecast_one_interval_ahead_is_reported_per_dimension():
    mean = [100.0, 110.0, 120.0, 130.0] + [140.0] * 296   # steps of 300 s: +900 s is the third value
    d = cap.Dimension("rps", 10.0, 0.5, 0.99, quantile_path=[v * 1.2 for v in mean], mean_path=mean,
                      recent=[95.0], step=300)
    decision = cap.decide("web", NOW, [d], 1, 100, current_capacity=10, interval=900)
    assert decision["dimensions"][0]["forecast_next_interval"] == 120.0
    no_forecast = cap.Dimension("rps", 10.0, 0.5, 0.99, recent=[95.0], step=300)
    reactive = cap.decide("web", NOW, [no_forecast], 1, 100, current_capacity=10, interval=900)
    assert reactive["dimensions"][0]["forecast_next_interval"] == reactive["dimensions"][0]["current_load"]
