# -*- coding: utf-8 -*-
"""Margins sized to the service's allowed under-provisioned share, and the peak bound."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import os
from datetime import datetime, timezone

import numpy as np
import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc

NOW = 1700000000
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "traces")


def _backtest(rng, n=800, leads=6, spread=0.2, level=100.0):
    """A backtest whose errors are proportional to a level that alternates between two values."""
    lv = level * (1.0 + 0.5 * (np.sin(np.arange(n) / 25.0) > 0))
    pred = np.repeat(lv[:, None], leads, axis=1)
    err = rng.normal(0.0, spread, size=(n, leads)) * pred
    return fc.MarginBacktest(err, pred, 1.0, np.full(leads, level), last=lv)


def _short_share(bt, margin_ratio_bound, window):
    """Share of served steps above the held bound, on a fresh backtest."""
    first, last = window
    cap_ = np.max(margin_ratio_bound[:, :last], axis=1)
    return float(np.mean(bt.actual[:, first - 1:last] > cap_[:, None]))


@pytest.mark.parametrize("allowed", [0.0, 0.005, 0.05, 0.5])
def test_target_levels_bracket_the_target(allowed):
    levels = fc.target_levels(allowed)
    assert levels == sorted(levels) and len(set(levels)) == len(levels)
    assert all(0.5 <= q <= 0.9995 for q in levels)
    # one minus the target is tried (within the range), and levels on both sides of it
    assert min(0.9995, max(0.5, 1.0 - allowed)) in levels


def test_calibrated_margin_meets_the_target_on_fresh_errors_and_a_looser_one_costs_less():
    rng = np.random.default_rng(3)
    window = (3, 5)
    margins = {}
    for allowed in (0.01, 0.1):
        bt = _backtest(rng)
        _m, bt_margin, form, level, short = fc.calibrate_to_target(bt, allowed, window)
        assert short <= allowed
        assert form in bt.forms and level in fc.target_levels(allowed)
        fresh = _backtest(rng)
        ratio = bt_margin / bt.pred  # the chosen form is proportional here: same ratio on new errors
        share = _short_share(fresh, fresh.pred * (1.0 + ratio), window)
        assert share <= 2 * allowed
        margins[allowed] = float(np.mean(bt_margin))
    assert margins[0.1] < margins[0.01]


def test_a_decision_that_holds_the_highest_bound_needs_a_lower_level_than_one_minus_the_target():
    # Errors that grow with the lead (a random walk): the capacity of a decision is the highest
    # bound over five leads, the lead-5 one, and serves leads 3 to 5, whose errors are smaller. A
    # per-step 0.99 quantile would leave far fewer than 1 % of the served steps short, so a cheaper
    # level meets the 1 % target.
    rng = np.random.default_rng(11)
    n, leads = 4000, 5  # enough origins that the newest quarter alone is not a small sample
    pred = np.full((n, leads), 100.0)
    err = np.cumsum(rng.normal(0.0, 5.0, size=(n, leads)), axis=1)
    bt = fc.MarginBacktest(err, pred, 1.0, np.full(leads, 100.0))
    _m, _bt_margin, _form, level, short = fc.calibrate_to_target(bt, 0.01, (3, 5))
    assert level < 0.99
    assert short <= 0.01


def test_the_point_forecast_at_the_target_utilisation_counts_in_the_replay():
    # With the point forecast sized at 70 % (ratio 1/0.7) the point alone covers errors up to +43 %:
    # no margin above it is needed, so the cheapest level is the lowest tried.
    rng = np.random.default_rng(5)
    bt = _backtest(rng, spread=0.05)
    _m, _b, _f, level, short = fc.calibrate_to_target(bt, 0.005, (3, 5), point_ratio=1.0 / 0.7)
    assert level == fc.target_levels(0.005)[0]
    assert short == 0.0


def test_without_enough_origins_the_level_is_one_minus_the_target():
    rng = np.random.default_rng(1)
    bt = _backtest(rng, n=30)
    _m, _b, form, level, short = fc.calibrate_to_target(bt, 0.01, (3, 5))
    assert (form, level, short) == ("additive", 0.99, None)


def test_calibrate_margin_unchanged_by_the_backtest_object():
    rng = np.random.default_rng(5)
    bt = _backtest(rng)
    a = fc.calibrate_margin(bt.err, bt.pred, 1.0, 0.95, bt.point)
    b = fc.calibrate_margin(bt, None, None, 0.95, None)
    assert a[2] == b[2]
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])


# ------------------------------------------------------------------------------------------
# the peak bound


def test_peak_bound_caps_the_need_at_the_history_peak_with_headroom():
    # history peak 70 at 70 % on units of 10: 10 units; the quantile asks for 30
    d = cap.Dimension("rps", 10.0, 0.7, 0.99, quantile_path=[300.0, 300.0], mean_path=[50.0, 90.0],
                      peak_utilization=1.0, peak_load=70.0)
    assert d.need(0) == 10
    # unless the point forecast itself needs more at the target utilisation: 90 / 7 -> 13 units
    assert d.need(1) == 13
    # a need under the bound is left as it is
    low = cap.Dimension("rps", 10.0, 0.7, 0.99, quantile_path=[40.0], mean_path=[30.0], peak_utilization=1.0,
                        peak_load=70.0)
    assert low.need(0) == 5


def test_decision_reports_the_peak_bound():
    path = [300.0] * 300
    d = cap.Dimension("rps", 10.0, 0.7, 0.99, quantile_path=path, mean_path=[50.0] * 300, recent=[60.0],
                      peak_utilization=1.0, peak_load=70.0)
    decision = cap.decide("web", NOW, [d], 1, 100, current_capacity=10, stabilization=0)
    assert decision["target_capacity"] == 10
    dim = decision["dimensions"][0]
    assert dim["peak_bound_applied"] is True and dim["peak_bound_units"] == 10 and dim["peak_load"] == 70.0
    free = cap.Dimension("rps", 10.0, 0.7, 0.99, quantile_path=path, mean_path=[50.0] * 300, recent=[60.0],
                         peak_utilization=1.0)
    assert cap.decide("web", NOW, [free], 1, 100, current_capacity=10, stabilization=0)["target_capacity"] == 30


def _spiky(seed=2, days=7):
    """A daily load with rare short bursts; the largest load of the history is one burst."""
    rng = np.random.default_rng(seed)
    t = np.arange(288 * days)
    y = 100 + 30 * np.sin(2 * np.pi * t / 288.0) + rng.normal(0, 4, len(t))
    bursts = rng.choice(len(t) - 10, 12, replace=False)
    y[bursts] *= 3.0
    return fc.Series(NOW - (len(t) - 1) * 300, 300, np.maximum(y, 0))


def test_plan_service_never_costs_more_than_the_peak_fleet_unless_the_point_forecast_does():
    s = _spiky()
    spec = [{"name": "rps", "series": s, "unit_capacity": 10, "quantile": 0.9995, "peak_utilization": 1.0}]
    bounded = cap.plan_service("web", spec, 1, 200, current_capacity=10, horizon=6 * 3600)
    free = cap.plan_service("web", spec, 1, 200, current_capacity=10, horizon=6 * 3600, peak_bound=False)
    peak_units = int(np.ceil(max(s.values) / 7.0 - 1e-9))
    assert max(x["capacity"] for x in bounded["schedule"]) <= peak_units
    assert max(x["capacity"] for x in free["schedule"]) >= max(x["capacity"] for x in bounded["schedule"])


# ------------------------------------------------------------------------------------------
# plan_service sized to the service's target


def _seasonal(seed=0, days=7):
    t = np.arange(288 * days)
    y = 100 + 50 * np.sin(2 * np.pi * t / 288.0) + np.random.default_rng(seed).normal(0, 6, len(t))
    return fc.Series(NOW - (len(t) - 1) * 300, 300, np.maximum(y, 0))


def test_plan_service_sizes_the_margin_to_allowed_underprovisioned():
    s = _seasonal()
    spec = [{"name": "rps", "series": s, "unit_capacity": 10, "peak_utilization": 1.0}]
    strict = cap.plan_service("web", spec, 1, 100, current_capacity=20, allowed_underprovisioned=0.001)
    loose = cap.plan_service("web", spec, 1, 100, current_capacity=20, allowed_underprovisioned=0.2)
    for d, allowed in ((strict, 0.001), (loose, 0.2)):
        model = d["model"]
        assert model["allowed_underprovisioned"] == allowed
        assert model["quantile"] in fc.target_levels(allowed)
        assert d["dimensions"][0]["quantile"] == model["quantile"]
        assert model["backtest_underprovisioned"] <= allowed or model["quantile"] == fc.target_levels(allowed)[-1]
    assert loose["model"]["quantile"] <= strict["model"]["quantile"]
    assert sum(x["capacity"] for x in loose["schedule"]) <= sum(x["capacity"] for x in strict["schedule"])


def test_an_explicit_quantile_wins_over_the_target():
    s = _seasonal()
    spec = [{"name": "rps", "series": s, "unit_capacity": 10, "quantile": 0.9}]
    d = cap.plan_service("web", spec, 1, 100, current_capacity=20, allowed_underprovisioned=0.001)
    assert d["model"]["quantile"] == 0.9 and d["model"]["allowed_underprovisioned"] is None
    assert d["model"]["backtest_underprovisioned"] is None


def test_short_history_falls_back_to_reactive_sizing_with_a_target():
    s = fc.Series(NOW - 11 * 300, 300, np.array([10.0] * 11 + [40.0]))
    d = cap.plan_service("web", [{"name": "rps", "series": s, "unit_capacity": 10}], 1, 20, current_capacity=2,
                         allowed_underprovisioned=0.005)
    assert d["ok"] and d["model"]["name"] == "reactive"
    assert d["target_capacity"] == 6


@pytest.mark.parametrize("value", [-0.1, 0.7, "x", float("nan")])
def test_allowed_underprovisioned_rejected(value):
    with pytest.raises(cap.CapacityError) as err:
        cap.plan_service("web", [{"name": "rps", "series": _seasonal(), "unit_capacity": 10}], 1, 20,
                         allowed_underprovisioned=value)
    assert err.value.field == "allowed_underprovisioned"


def test_real_trace_calibration_meets_the_target_on_its_own_backtest():
    with open(os.path.join(FIXTURES, "elb_request_count_8c0756.csv")) as handle:
        rows = list(csv.DictReader(handle))
    points = [(datetime.strptime(r["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp(),
               float(r["value"])) for r in rows]
    series = fc.regularize(points)
    d = cap.plan_service("elb", [{"name": "requests", "series": series, "unit_capacity": 50.0,
                                  "peak_utilization": 1.0}], 1, 100, current_capacity=5, horizon=2100,
                         lead_time=600, allowed_underprovisioned=0.005)
    model = d["model"]
    assert model["backtest_underprovisioned"] <= 0.005
    assert model["quantile"] in fc.target_levels(0.005)
    assert model["margin"] in fc.MARGIN_FORMS + ("transformed",)


def test_when_no_margin_meets_the_target_none_is_paid_for_in_vain():
    # Bursts ten times the level at 3 % of the steps, and a peak bound at 1.5 times the level: no
    # margin can cover them, the levels that reach the bound save little of the load lost (less
    # than the target's own share), so the level stays below the bursts' share (1 - 0.03).
    rng = np.random.default_rng(8)
    n, leads = 800, 5
    pred = np.full((n, leads), 100.0)
    err = rng.normal(0.0, 2.0, size=(n, leads))
    err[rng.random((n, leads)) < 0.03] += 900.0
    bt = fc.MarginBacktest(err, pred, 1.0, np.full(leads, 100.0))
    _m, _b, _form, level, short = fc.calibrate_to_target(bt, 0.01, (3, 5), ceiling=150.0)
    assert level <= 0.96 < fc.target_levels(0.01)[-1]
    assert short > 0.01


# ------------------------------------------------------------------------------------------
# a new regime: the backtest no longer describes the load


def _daily(days=14, seed=4):
    t = np.arange(288 * days)
    return 100 + 30 * np.sin(2 * np.pi * t / 288.0) + np.random.default_rng(seed).normal(0, 3, len(t))


def test_a_steady_daily_load_is_no_new_regime():
    assert fc.regime_change(_daily(), 300) is None
    # too short to compare days: no verdict
    assert fc.regime_change(_daily(days=1), 300) is None


def test_a_drained_fleet_is_a_new_regime_until_the_level_is_history():
    y = _daily()
    y[-12:] = 1.0  # an hour at a hundredth of the level: the time-of-day check fires first
    why = fc.regime_change(y, 300)
    assert why is not None and "last hour" in why
    y[-288:] = 1.0  # a day of it: the level check
    assert "last day" in fc.regime_change(y, 300)
    y[-288 * 7:] = 1.0  # the whole backtest window is the new level: no change any more
    assert fc.regime_change(y, 300) is None


def test_a_burst_unlike_the_same_hour_on_the_days_before_is_a_new_regime():
    y = _daily()
    y[-6:] *= 4.0  # the last hour's mean 2.5 times the same hour's on the days before
    assert "last hour" in fc.regime_change(y, 300)
    y2 = _daily()
    y2[-6:] *= 1.8  # 1.4 times as high: within the factor
    assert fc.regime_change(y2, 300) is None
    # a quiet hour (0.4 of the usual) is not: below the lowest, the level's factor applies
    y5 = _daily()
    y5[-12:] *= 0.4
    assert fc.regime_change(y5, 300) is None
    # the level check alone: a day at twice the level is not a new regime, a day at ten times is
    # (the window's mean, which holds that day too, is then 2.3 times the old level)
    y3 = _daily()
    y3[-288:] *= 2.0
    assert fc.regime_change(y3, 300, hour_factor=100.0) is None
    y4 = _daily()
    y4[-288:] *= 10.0
    assert "last day" in fc.regime_change(y4, 300, hour_factor=100.0)


def test_a_new_regime_takes_the_level_the_target_names_and_the_pinball_form():
    rng = np.random.default_rng(5)
    bt = _backtest(rng, spread=0.05)
    cheap = fc.calibrate_to_target(bt, 0.005, (3, 5), point_ratio=1.0 / 0.7)
    assert cheap[3] == fc.target_levels(0.005)[0]
    margin, bt_margin, form, level, short = fc.calibrate_to_target(bt, 0.005, (3, 5), point_ratio=1.0 / 0.7,
                                                                   regime="the level changed")
    assert level == 0.995
    expected = fc.calibrate_margin(bt, None, None, 0.995, None)
    assert form == expected[2] and np.allclose(margin, expected[0]) and np.allclose(bt_margin, expected[1])
    assert short is not None and 0.0 <= short <= 1.0
    assert np.all(margin >= cheap[0] - 1e-9)


def test_plan_service_reports_the_new_regime_and_sizes_for_it():
    values = _daily()
    values[-24:] = 2.0  # two hours at a fiftieth of the level
    s = fc.Series(NOW - (len(values) - 1) * 300, 300, values)
    spec = [{"name": "rps", "series": s, "unit_capacity": 10, "peak_utilization": 1.0}]
    d = cap.plan_service("web", spec, 1, 100, current_capacity=20, allowed_underprovisioned=0.005)
    assert "last hour" in d["model"]["regime_change"]
    assert d["model"]["quantile"] >= 0.995
    steady = cap.plan_service("web", [dict(spec[0], series=fc.Series(s.start, 300, _daily()))], 1, 100,
                              current_capacity=20, allowed_underprovisioned=0.005)
    assert steady["model"]["regime_change"] is None
