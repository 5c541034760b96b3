#!/usr/bin/env python
"""Replay real load traces against the static, scheduled, reactive, predictive and hybrid policies.

    .venv/bin/python benchmarks/capacity_sim.py --traces ../shared/data/traces --out .state/bench/capacity_sim.json

One unit serves C, chosen so that the test-period peak needs 20 units at 70 % utilisation.
- static: 20 units all the time;
- scheduled (only): one recurring schedule per hour of day (UTC) from the four weeks before the
  test period, evaluated by ``strategies.scheduled_proposal`` (see :func:`scheduled`);
- reactive: target tracking at 70 %, the metric lags 5 min, new units warm up for 5 min, scale-in
  follows the max desired capacity of the last 300 s;
- predictive: every 15 min (or every step when steps are longer), ``capacity.plan_service`` (the
  function ``capacity_forecast`` calls) on the history visible then (metric lag applied), whose
  schedule is followed by the clock until the next decision; increases take the warm-up to
  arrive. Its lead time is the replay's warm-up (rounded up to whole steps): the metric lag is
  already in the history, which ends a lag before the decision, and in the plan's times, which
  start at that last point, so it is not added to the lead time as well.
  It sizes the point forecast at 70 % and the forecast quantile at 100 % of capacity
  (``peak_utilization`` 1.0): under-provisioning is counted at 100 %. The quantile's level is sized
  to ``--allowed-underprovisioned`` (0.5 % of the steps) on each decision's backtest
  (``--allowed-underprovisioned 0`` for the fixed ``--quantile``). Same settings on every trace.
- hybrid: at each predictive decision ``strategies.decide`` of a hybrid service (the highest of
  the forecast's decision, the scheduled floor and what target tracking needs for the load seen),
  with target tracking acting between decisions (see :func:`predictive`).
A step is under-provisioned when load > capacity x C; unserved load is the excess.
Cost (:func:`costs`): the predictive and hybrid capacity priced with ``cost.py`` on demand only and
with the instance mix :data:`MIX`, after ``spot.interruption_guard``.
Per trace, the per-step series for the figures go to ``capacity_series_<trace>.json`` next to
``--out`` (``plot_results.py`` draws them).
"""

from __future__ import print_function

import argparse
import glob
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from forecast_backtest import ROOT, load_trace  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import spot  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import strategies as strat  # noqa: E402

TARGET = 0.7
PEAK_UNITS = 20
LAG = 300
WARMUP = 300
STABILIZATION = 300
# The mix the cost column prices (a unit-hour on demand costs 1, so on-demand cost = unit-hours):
# two on-demand units as the base, half of the rest on spot at 35 % of the on-demand price, two
# instance types (a reclaim takes half of the spot units at once, spot.py's planning figure).
MIX = {"on_demand_base": 2, "spot_share": 0.5, "spot_price": 0.35,
       "instance_types": [{"type": "m6i.large", "price": 1.0}, {"type": "m5.large", "price": 1.0}]}
POLICIES = ("static", "scheduled", "reactive", "predictive", "hybrid")
# The service's allowed share of under-provisioned steps (the catalogue's default), against which
# the spot interruption rule counts the steps a reclaim would leave short.
ALLOWED_UNDERPROVISIONED = 0.005


def metrics(load, units, unit_cap, step):
    capacity = units * unit_cap
    over = np.maximum(load - capacity, 0.0)
    return {"unit_hours": round(float(units.sum() * step / 3600.0), 2),
            "underprovisioned_steps": round(float(np.mean(over > 1e-9)), 5),
            "unserved_fraction": round(float(over.sum() / max(load.sum(), 1e-12)), 6),
            "utilization": round(float(np.minimum(load, capacity).sum() / max(capacity.sum(), 1e-12)), 4)}


def observed_index(i, step, lag):
    """Index of the newest point visible at time index i when the metric lags ``lag`` seconds."""
    return i - int(np.ceil(lag / float(step)))


def reactive(load, first, unit_cap, step):
    n = len(load)
    units = np.zeros(n)

    def desired(i):
        j = observed_index(i, step, LAG)
        return int(np.ceil(load[max(j, 0)] / (unit_cap * TARGET) - 1e-9))

    warm = int(np.ceil(WARMUP / float(step)))
    stab = max(1, int(np.ceil(STABILIZATION / float(step))))
    current = desired(first)
    for i in range(first, n):
        ready = desired(i - warm)  # launched warm-up ago, now in service
        stab_max = max(desired(k) for k in range(i - stab + 1, i + 1))
        current = max(ready, min(current, stab_max))
        units[i] = current
    return units[first:]


def _follow(plan, j, t_j, current, pending, warm):
    """One replay step: the plan's capacity at ``t_j``; increases take the warm-up to arrive."""
    want = plan[0][1]
    for t_s, c in plan:
        if t_s <= t_j:
            want = c
    if want > current:
        pending.append((j + warm, want))
    elif want < current:
        current = want
        pending = [(r, c) for r, c in pending if c <= want]
    ready = [c for r, c in pending if r <= j]
    if ready:
        current = max(current, *ready)
        pending = [(r, c) for r, c in pending if r > j]
    return current, pending


def predictive(series, first, unit_cap, args, react=None, schedules=None):
    """The predictive policy's replay; with ``react`` (the reactive replay) also the hybrid one.

    The hybrid policy takes, at each decision, :func:`strategies.decide` of a hybrid service (the
    highest of the forecast's decision, the scheduled floor and what target tracking needs for the
    load seen), and target tracking keeps acting between decisions: its capacity is the highest of
    that schedule and the reactive replay at every step. Its forecast proposal is the predictive
    policy's decision made at the same time.
    """
    load = series.values
    step = series.step
    n = len(load)
    every = max(1, int(round(max(args.interval, step) / float(step))))
    lag = int(np.ceil(LAG / float(step)))
    warm = int(np.ceil(WARMUP / float(step)))
    window = fc.MAX_HISTORY_WEEKS * fc.steps_per(fc.WEEK, step)
    # the lead time is the warm-up (whole steps): the plan's times start at the last observed point,
    # a metric lag before the decision, and the plan is followed by the clock, so the lag is counted
    # there; adding it here too would hold every decision a step longer and calibrate its margin
    # on the lead after the one it serves
    lead = warm * step
    units = np.zeros(n)
    hybrid = np.zeros(n)
    # Every policy starts the test period at the capacity it wants then, already in service, as the
    # reactive replay does: the first decision is made without a current capacity (None) and its
    # capacity is the start. (Starting at the static fleet's 20 units charged the predictive and
    # hybrid policies the scale-in from there, at most 20 % per interval, for about an hour.)
    current = h_current = None
    pending, h_pending = [], []
    timings = []
    forecasts = []  # (time the point forecast is for, point, quantile, level)
    chosen = {}
    service = {"name": "sim", "strategy": "hybrid", "min_capacity": 1, "max_capacity": 2 * PEAK_UNITS,
               "schedules": schedules or [], "scheduling_buffer": WARMUP,
               "reactive": {"metric": "promql", "target": unit_cap * TARGET},
               "allowed_underprovisioned": args.allowed_underprovisioned}
    for i in range(first, n, every):
        last = i - lag
        hist = fc.Series(series.start + max(0, last + 1 - window) * step, step,
                         load[max(0, last + 1 - window):last + 1])
        # without a fixed quantile the margin is sized to --allowed-underprovisioned on the backtest
        dim = {"name": "load", "series": hist, "unit_capacity": unit_cap, "target_utilization": TARGET,
               "quantile": None if args.allowed_underprovisioned else args.quantile,
               "peak_utilization": args.peak_utilization}
        t0 = time.perf_counter()
        decision = cap.plan_service("sim", [dim],
                                    min_capacity=1, max_capacity=2 * PEAK_UNITS,
                                    current_capacity=None if current is None else int(current),
                                    horizon=max(args.interval, step) * 2 + WARMUP, interval=args.interval,
                                    lead_time=lead, stabilization=STABILIZATION,
                                    scale_in_max_step=args.scale_in_max_step,
                                    allowed_underprovisioned=args.allowed_underprovisioned or None,
                                    peak_bound=not args.no_peak_bound)
        timings.append(time.perf_counter() - t0)
        d0 = decision["dimensions"][0]
        forecasts.append((hist.end + args.interval, d0["forecast_next_interval"], d0["forecast_quantile"],
                          d0["quantile"]))
        plan = [(fc.to_epoch(s["time"]), s["capacity"]) for s in decision["schedule"]]
        if current is None:
            current = plan[0][1]
        h_plan = None
        if react is not None:
            now = series.start + i * step
            hd = strat.decide(service, now, forecast=decision,
                              current_capacity=None if h_current is None else int(h_current),
                              reactive_value=float(load[max(last, 0)]), interval=args.interval,
                              horizon=max(args.interval, step) * 2)
            chosen[hd["chosen_policy"]] = chosen.get(hd["chosen_policy"], 0) + 1
            h_plan = [(fc.to_epoch(s["time"]), s["capacity"]) for s in hd["schedule"]]
            if h_current is None:
                h_current = h_plan[0][1]
        for j in range(i, min(n, i + every)):
            t_j = series.start + j * step
            current, pending = _follow(plan, j, t_j, current, pending, warm)
            units[j] = current
            if h_plan is not None:
                h_current, h_pending = _follow(h_plan, j, t_j, h_current, h_pending, warm)
                # target tracking acts between the runs: what it holds counts at every step
                h_current = max(h_current, int(react[j - first]))
                hybrid[j] = h_current
    out = {"units": units[first:], "timings": timings, "forecasts": forecasts, "chosen": chosen}
    if react is not None:
        out["hybrid"] = hybrid[first:]
    return out


def scheduled(series, first, unit_cap):
    """The scheduled-only policy: hourly schedules from the history, evaluated by ``strategies``.

    One schedule per hour of day (UTC), as an operator would set them from the four weeks before
    the test period: from its hour it holds the units the typical peak of that hour (the median
    over those days of the hour's highest load) needs at the target utilisation. The schedules
    start their capacity one warm-up ahead (the scheduling buffer), so it is in service at the hour.
    """
    load, step = series.values, series.step
    start = max(0, first - fc.MAX_HISTORY_WEEKS * fc.steps_per(fc.WEEK, step))
    times = series.start + np.arange(start, first) * step
    hours = ((times % 86400) // 3600).astype(int)
    days = (times // 86400).astype(int)
    past = load[start:first]
    schedules = []
    for h in range(24):
        peaks = [float(past[(hours == h) & (days == d)].max()) for d in np.unique(days[hours == h])]
        peak = float(np.median(peaks)) if peaks else float(np.median(past))
        schedules.append({"name": "h%02d" % h, "cron": "0 %d * * *" % h, "time_zone": "UTC",
                          "min": int(np.ceil(peak / (unit_cap * TARGET) - 1e-9))})
    units = np.zeros(len(load) - first)
    cache = {}
    for j in range(first, len(load)):
        t = series.start + j * step
        key = int(t % 86400)
        if key not in cache:
            cache[key] = strat.scheduled_proposal(schedules, t, buffer=WARMUP)["capacity"]
        units[j - first] = cache[key]
    return units, schedules


def costs(units, load, unit_cap, step, allowed):
    """On-demand only against the mix (``cost.py``), and the spot interruption rule (``spot.py``)."""
    pricing = cost.Pricing(spot_share=MIX["spot_share"], spot_price=MIX["spot_price"],
                           on_demand_base=MIX["on_demand_base"], instance_types=MIX["instance_types"])
    caps = [int(u) for u in units]
    needs = [float(v) / unit_cap for v in load]  # units the load needs at 100 %
    on_demand = cost.on_demand_only_cost(caps, step, pricing)
    mix = cost.schedule_cost(caps, step, pricing)
    guard = spot.interruption_guard(caps, needs, pricing,
                                    allowed_underprovisioned=allowed or ALLOWED_UNDERPROVISIONED,
                                    step_seconds=step, max_capacity=2 * PEAK_UNITS)
    return {"on_demand_only": round(on_demand, 2), "mix": round(mix, 2),
            "mix_after_spot_rule": round(guard["cost"]["chosen"], 2), "spot_rule": guard["action"],
            "spot_share_after_rule": guard["spot_share"], "at_risk_steps": guard["at_risk_steps"],
            "allowed_steps": guard["allowed_steps"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--traces", default=os.path.join(ROOT, "..", "shared", "data", "traces"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".state", "bench", "capacity_sim.json"))
    parser.add_argument("--test-days", type=float, default=3.0)
    parser.add_argument("--interval", type=int, default=900, help="seconds between predictive decisions")
    parser.add_argument("--quantile", type=float, default=0.995,
                        help="forecast quantile; 0.995 matches the 0.5 %% under-provisioned-steps target")
    parser.add_argument("--peak-utilization", type=float, default=1.0,
                        help="utilisation the quantile may reach (the point forecast is sized at 70 %%)")
    parser.add_argument("--scale-in-max-step", type=float, default=0.2)
    parser.add_argument("--allowed-underprovisioned", type=float, default=ALLOWED_UNDERPROVISIONED,
                        help="the service's allowed share of under-provisioned steps; the margin is calibrated "
                             "to it on the backtest (0: the fixed --quantile instead)")
    parser.add_argument("--no-peak-bound", action="store_true",
                        help="do not bound the need by the history's peak at the target utilisation")
    parser.add_argument("--only", default=None)
    args = parser.parse_args(argv)
    files = sorted(glob.glob(os.path.join(args.traces, "*.csv")))
    if args.only:
        files = [f for f in files if args.only in os.path.basename(f)]
    report = {"series": {}, "protocol": {"test_days": args.test_days, "target_utilization": TARGET,
                                         "peak_units": PEAK_UNITS, "metric_lag": LAG, "warmup": WARMUP,
                                         "stabilization": STABILIZATION, "interval": args.interval,
                                         "quantile": args.quantile,
                                         "allowed_underprovisioned": args.allowed_underprovisioned,
                                         "peak_bound": not args.no_peak_bound, "mix": MIX,
                                         "peak_utilization": args.peak_utilization}}
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        series = load_trace(path)
        load = series.values
        first = len(load) - fc.steps_per(args.test_days * fc.DAY, series.step)
        test = load[first:]
        unit_cap = float(test.max()) / (PEAK_UNITS * TARGET)
        static = np.full(len(test), float(PEAK_UNITS))
        react = reactive(load, first, unit_cap, series.step)
        sched, schedules = scheduled(series, first, unit_cap)
        pred = predictive(series, first, unit_cap, args, react=react, schedules=schedules)
        runs = {"static": static, "scheduled": sched, "reactive": react, "predictive": pred["units"],
                "hybrid": pred["hybrid"]}
        entry = dict((pol, metrics(test, runs[pol], unit_cap, series.step)) for pol in POLICIES)
        entry["decision_seconds_median"] = round(float(np.median(pred["timings"])), 4)
        entry["hybrid_chosen_policy"] = pred["chosen"]
        levels = [f[3] for f in pred["forecasts"]]
        entry["quantile_levels"] = {"min": min(levels), "median": float(np.median(levels)), "max": max(levels)}
        entry["cost"] = dict((pol, costs(runs[pol], test, unit_cap, series.step, args.allowed_underprovisioned))
                             for pol in ("predictive", "hybrid"))
        for pol in POLICIES:
            if pol != "reactive":
                entry["%s_over_reactive_unit_hours" % pol] = round(
                    entry[pol]["unit_hours"] / max(entry["reactive"]["unit_hours"], 1e-9), 3)
        report["series"][name] = entry
        for pol in POLICIES:
            m = entry[pol]
            print("%-30s %-10s unit_h=%8.1f under=%6.2f%% unserved=%7.4f%% util=%5.1f%%" % (
                name, pol, m["unit_hours"], 100 * m["underprovisioned_steps"], 100 * m["unserved_fraction"],
                100 * m["utilization"]))
        print("%-30s predictive/reactive unit-hours %.3f, hybrid/reactive %.3f, levels %s, hybrid chose %s" % (
            name, entry["predictive_over_reactive_unit_hours"], entry["hybrid_over_reactive_unit_hours"],
            entry["quantile_levels"], pred["chosen"]))
        for pol in ("predictive", "hybrid"):
            c = entry["cost"][pol]
            print("%-30s cost %-10s on-demand only %8.1f, mix %8.1f, after the spot rule (%s) %8.1f" % (
                name, pol, c["on_demand_only"], c["mix"], c["spot_rule"], c["mix_after_spot_rule"]))
        sys.stdout.flush()
        # per-step series for the figures (benchmarks/plot_results.py)
        with open(os.path.join(out_dir, "capacity_series_%s.json" % name), "w") as handle:
            json.dump({"trace": name, "start": series.start + first * series.step, "step": series.step,
                       "unit_capacity": unit_cap, "load": [round(float(v), 4) for v in test],
                       "units": dict((pol, [int(v) for v in runs[pol]]) for pol in POLICIES if pol != "static"),
                       "forecasts": [[t, round(p, 4), round(q, 4), lv] for t, p, q, lv in pred["forecasts"]]},
                      handle)
    with open(args.out, "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
