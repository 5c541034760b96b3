# -*- coding: utf-8 -*-
"""benchmarks/capacity_sim.py (the scheduled-only and hybrid replays, the cost column, the per-step
series) and benchmarks/plot_results.py (the figures drawn from them), on synthetic series and on the
nyc_taxi fixture trace (a short test period, so each run takes seconds)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import capacity_sim as sim  # noqa: E402
import plot_results  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc  # noqa: E402

TRACES = os.path.join(ROOT, "tests", "unit", "fixtures", "traces")
STEP = 300
PER_HOUR = 3600 // STEP


def _hourly_series(days=35, spike=None):
    """5-minute load whose hour ``h`` of day ``d`` is ``h + d % 3`` (so the median daily peak of hour
    ``h`` is ``h + 1``); ``spike = (day, hour, value)`` puts one step of one day higher."""
    start = 1700006400  # 2023-11-15 00:00 UTC, a midnight
    values = np.zeros(days * 24 * PER_HOUR)
    for k in range(len(values)):
        day, hour = divmod(k // PER_HOUR, 24)
        values[k] = hour + day % 3
    if spike is not None:
        day, hour, value = spike
        values[(day * 24 + hour) * PER_HOUR + 3] = value
    return fc.Series(start, STEP, values)


def test_scheduled_holds_the_median_daily_peak_of_each_hour_from_the_warm_up_before_it():
    # unit capacity x target utilisation is 1, so an hour's floor is its median daily peak, h + 1
    series = _hourly_series(spike=(30, 5, 500.0))
    first = len(series.values) - 24 * PER_HOUR  # the last day is the test period
    units, schedules = sim.scheduled(series, first, 1.0 / sim.TARGET)
    assert [s["min"] for s in schedules] == [h + 1 for h in range(24)]  # one day's spike does not move hour 5
    assert all(s["cron"] == "0 %d * * *" % h and s["time_zone"] == "UTC" for h, s in enumerate(schedules))
    assert len(units) == 24 * PER_HOUR
    lead = int(np.ceil(sim.WARMUP / float(STEP)))  # the scheduling buffer in steps
    for k, u in enumerate(units):
        hour, minute_step = divmod(k, PER_HOUR)
        if hour < 23 and minute_step >= PER_HOUR - lead:
            assert u == hour + 2, k  # the next hour's floor is in service one warm-up early
        else:
            assert u == hour + 1, k


def test_costs_on_demand_only_against_the_mix_and_the_spot_rule():
    units = np.full(24, 10.0)
    # 5 units of load: a reclaim of half the spot units (2 of 4) leaves 8 >= 5, nothing at risk
    calm = sim.costs(units, np.full(24, 5.0), 1.0, 3600, 0.005)
    assert calm["on_demand_only"] == 240.0  # a unit-hour on demand costs 1
    # 2 units on demand as the base, 8 above it, half on spot at 0.35: (2 + 4) + 4 x 0.35 = 7.4 an hour
    assert calm["mix"] == pytest.approx(24 * 7.4)
    assert calm["spot_rule"] == "none"
    assert calm["mix_after_spot_rule"] == calm["mix"]
    assert calm["at_risk_steps"] == 0
    # 9.5 units of load: every step is short after the reclaim (10 - 2 < 9.5), none is allowed
    tight = sim.costs(units, np.full(24, 9.5), 1.0, 3600, 0.005)
    assert tight["at_risk_steps"] == 24 and tight["allowed_steps"] == 0
    assert tight["spot_rule"] == "headroom"  # 12 units under the same mix: 8.75 an hour
    assert tight["mix_after_spot_rule"] == pytest.approx(24 * 8.75)
    assert tight["mix"] < tight["mix_after_spot_rule"] < tight["on_demand_only"]


def _args(**kw):
    # the fixed quantile and no peak bound unless a test asks for the margin sized to a target
    args = argparse.Namespace(interval=900, quantile=0.995, peak_utilization=1.0, scale_in_max_step=0.2,
                              allowed_underprovisioned=0.0, no_peak_bound=True)
    for key, value in kw.items():
        setattr(args, key, value)
    return args


def test_the_decision_is_told_the_warm_up_as_its_lead_time_and_sees_the_history_a_metric_lag_old(monkeypatch):
    # The plan's times start at the last observed point, a metric lag before the decision, and the
    # replay follows the plan by the clock: the lag is counted there, so the lead time is the
    # warm-up alone (counted twice, every decision held a step longer than the replay needs).
    series = sim.load_trace(os.path.join(TRACES, "nyc_taxi.csv"))  # 30-minute steps: lag and warm-up 1 step each
    first = len(series.values) - 4
    unit_cap = float(series.values[first:].max()) / (sim.PEAK_UNITS * sim.TARGET)
    calls = []
    real = sim.cap.plan_service

    def recording(*args, **kwargs):
        calls.append((args[1][0]["series"], kwargs["lead_time"]))  # plan_service("sim", [dim], ...)
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.cap, "plan_service", recording)
    sim.predictive(series, first, unit_cap, _args())
    assert len(calls) == 4
    warm = int(np.ceil(sim.WARMUP / float(series.step))) * series.step
    assert warm == series.step
    for k, (hist, lead) in enumerate(calls):
        assert lead == warm
        decision_time = series.start + (first + k) * series.step
        assert hist.end == decision_time - int(np.ceil(sim.LAG / float(series.step))) * series.step


def test_hybrid_takes_the_schedule_when_its_floor_is_the_highest_and_never_holds_less_than_target_tracking():
    series = sim.load_trace(os.path.join(TRACES, "nyc_taxi.csv"))  # 30-minute steps: one decision a step
    first = len(series.values) - 6
    unit_cap = float(series.values[first:].max()) / (sim.PEAK_UNITS * sim.TARGET)
    react = sim.reactive(series.values, first, unit_cap, series.step)
    floor = [{"name": "floor", "cron": "0 * * * *", "time_zone": "UTC", "min": 2 * sim.PEAK_UNITS}]
    out = sim.predictive(series, first, unit_cap, _args(), react=react, schedules=floor)
    assert out["chosen"] == {"scheduled": 6}
    assert list(out["hybrid"]) == [2 * sim.PEAK_UNITS] * 6  # from the start, what its first decision wants
    assert max(out["units"]) < 2 * sim.PEAK_UNITS  # the predictive replay ignores the schedule
    assert len(out["forecasts"]) == 6 and all(f[3] == 0.995 for f in out["forecasts"])

    low = [{"name": "floor", "cron": "0 * * * *", "time_zone": "UTC", "min": 1}]
    out = sim.predictive(series, first, unit_cap, _args(), react=react, schedules=low)
    assert "scheduled" not in out["chosen"] and sum(out["chosen"].values()) == 6
    assert all(h >= r for h, r in zip(out["hybrid"], react))
    # target tracking acts between the decisions: a scale-out it makes counts at that step
    burst = np.array(react, dtype=float)
    burst[3] = 2 * sim.PEAK_UNITS - 1
    assert sim.predictive(series, first, unit_cap, _args(), react=burst, schedules=low)["hybrid"][3] == burst[3]


def _record_decisions(monkeypatch, owner, name):
    """Wrap owner.name (a function returning a decision) to record, per call, the current capacity it
    was told and the capacity of its schedule's first slot; returns the list it fills."""
    calls = []
    real = getattr(owner, name)

    def recording(*args, **kwargs):
        decision = real(*args, **kwargs)
        calls.append((kwargs["current_capacity"], decision["schedule"][0]["capacity"]))
        return decision

    monkeypatch.setattr(owner, name, recording)
    return calls


def test_the_predictive_and_hybrid_replays_start_at_what_their_first_decision_wants(monkeypatch):
    # as the reactive replay starts at its own need: no policy starts the test period scaling in from
    # the static fleet (20 units), at most 20 % per interval, before it holds what it wants
    series = sim.load_trace(os.path.join(TRACES, "nyc_taxi.csv"))  # 30-minute steps: one decision a step
    first = len(series.values) - 4
    unit_cap = float(series.values.max()) / (sim.PEAK_UNITS * sim.TARGET)  # the test steps need far fewer
    # (current_capacity given, capacity of the plan's first slot) per decision
    told = _record_decisions(monkeypatch, sim.cap, "plan_service")
    hybrid_told = _record_decisions(monkeypatch, sim.strat, "decide")
    react = sim.reactive(series.values, first, unit_cap, series.step)
    out = sim.predictive(series, first, unit_cap, _args(), react=react)
    assert len(told) == len(hybrid_told) == 4
    assert told[0][0] is None and hybrid_told[0][0] is None  # the first decisions: no capacity in service
    assert out["units"][0] == told[0][1] < (1 - 0.2) * sim.PEAK_UNITS
    assert out["hybrid"][0] == max(hybrid_told[0][1], react[0]) < (1 - 0.2) * sim.PEAK_UNITS
    # then each decision is told what the replay holds
    assert [t[0] for t in told[1:]] == [int(u) for u in out["units"][:3]]
    assert [t[0] for t in hybrid_told[1:]] == [int(u) for u in out["hybrid"][:3]]


def test_a_rise_in_the_plan_is_in_service_a_warm_up_later_and_a_fall_at_once():
    warm = 2
    current, pending = 3, []
    held = []
    for j, want in enumerate([5, 5, 5, 5, 2]):
        current, pending = sim._follow([(0, want)], j, 100, current, pending, warm)
        held.append(current)
    assert held == [3, 3, 5, 5, 2]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    rc = sim.main(["--traces", TRACES, "--only", "nyc_taxi", "--test-days", "0.25",
                   "--out", str(out / "capacity_sim.json")])
    assert rc == 0
    return out


def test_report_has_the_five_policies_the_cost_column_and_the_per_step_series(bench_run):
    report = json.loads((bench_run / "capacity_sim.json").read_text())
    entry = report["series"]["nyc_taxi"]
    assert list(report["series"]) == ["nyc_taxi"]
    assert entry["static"]["unit_hours"] == sim.PEAK_UNITS * 6.0  # 20 units for the 6 hours tested
    for pol in sim.POLICIES:
        assert entry[pol]["unit_hours"] > 0
        if pol != "reactive":
            assert entry["%s_over_reactive_unit_hours" % pol] == pytest.approx(
                entry[pol]["unit_hours"] / entry["reactive"]["unit_hours"], abs=1e-3)
    for pol in ("predictive", "hybrid"):
        assert entry["cost"][pol]["on_demand_only"] == pytest.approx(entry[pol]["unit_hours"], abs=0.01)
        assert entry["cost"][pol]["mix"] < entry["cost"][pol]["on_demand_only"]
    assert sum(entry["hybrid_chosen_policy"].values()) == 12
    assert report["protocol"]["mix"] == sim.MIX

    data = json.loads((bench_run / "capacity_series_nyc_taxi.json").read_text())
    assert len(data["load"]) == 12 and data["step"] == 1800
    assert sorted(data["units"]) == ["hybrid", "predictive", "reactive", "scheduled"]
    assert all(len(u) == 12 for u in data["units"].values())
    assert len(data["forecasts"]) == 12
    # the series and the report agree: unit-hours from the per-step units
    for pol, units in data["units"].items():
        assert sum(units) * data["step"] / 3600.0 == pytest.approx(entry[pol]["unit_hours"], abs=0.01)


def _png(path):
    with open(str(path), "rb") as handle:
        return handle.read()


def test_plots_per_trace_and_against_reactive_are_written_and_reproducible(bench_run, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert plot_results.main(["--bench-dir", str(bench_run), "--out-dir", str(out)]) == 0
    names = sorted(os.listdir(str(first)))
    assert names == ["capacity_nyc_taxi.png", "capacity_vs_reactive.png"]  # no backtest JSON: no forecast_error.png
    for name in names:
        assert _png(first / name)[:8] == b"\x89PNG\r\n\x1a\n"
        assert _png(first / name) == _png(second / name)


def test_plots_need_some_input(tmp_path):
    assert plot_results.main(["--bench-dir", str(tmp_path), "--out-dir", str(tmp_path / "img")]) == 1


@pytest.mark.parametrize("levels,label", [([0.995, 0.995], "0.995"), ([0.99, 0.98, 0.995], "0.98 to 0.995"),
                                          ([], "")])
def test_quantile_label(levels, label):
    assert plot_results.quantile_label([[0, 1.0, 2.0, lv] for lv in levels]) == label
