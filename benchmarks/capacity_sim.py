#!/usr/bin/env python
"""Replay real load traces against static, reactive and predictive capacity policies.

    .venv/bin/python benchmarks/capacity_sim.py --traces ../shared/data/traces --out .state/bench/capacity_sim.json

One unit serves C, chosen so that the test-period peak needs 20 units at 70 % utilisation.
- static: 20 units all the time;
- reactive: target tracking at 70 %, the metric lags 5 min, new units warm up for 5 min, scale-in
  follows the max desired capacity of the last 300 s;
- predictive: every 15 min (or every step when steps are longer), ``capacity.plan_service`` (the
  function ``capacity_forecast`` calls) on the history visible then (metric lag applied), whose
  schedule is followed until the next decision; increases take the warm-up to arrive. Its lead
  time is the delay the replay really applies (lag and warm-up, each rounded up to whole steps).
  It sizes the point forecast at 70 % and the 0.995 forecast quantile at 100 % of capacity
  (``peak_utilization`` 1.0): under-provisioning is counted at 100 %, and 0.995 is one minus the
  0.5 % share of under-provisioned steps the policy aims at. Same settings on every trace.
A step is under-provisioned when load > capacity x C; unserved load is the excess.
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

TARGET = 0.7
PEAK_UNITS = 20
LAG = 300
WARMUP = 300
STABILIZATION = 300


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


def predictive(series, first, unit_cap, args):
    load = series.values
    step = series.step
    n = len(load)
    every = max(1, int(round(max(args.interval, step) / float(step))))
    lag = int(np.ceil(LAG / float(step)))
    window = fc.MAX_HISTORY_WEEKS * fc.steps_per(fc.WEEK, step)
    # the delay the replay really applies: metric lag and warm-up, each rounded up to whole steps
    lead = (lag + int(np.ceil(WARMUP / float(step)))) * step
    units = np.zeros(n)
    current = PEAK_UNITS
    pending = []  # (ready index, units)
    timings = []
    for i in range(first, n, every):
        last = i - lag
        hist = fc.Series(series.start + max(0, last + 1 - window) * step, step,
                         load[max(0, last + 1 - window):last + 1])
        t0 = time.perf_counter()
        decision = cap.plan_service("sim", [{"name": "load", "series": hist, "unit_capacity": unit_cap,
                                             "target_utilization": TARGET, "quantile": args.quantile,
                                             "peak_utilization": args.peak_utilization}],
                                    min_capacity=1, max_capacity=2 * PEAK_UNITS, current_capacity=int(current),
                                    horizon=max(args.interval, step) * 2 + WARMUP, interval=args.interval,
                                    lead_time=lead, stabilization=STABILIZATION,
                                    scale_in_max_step=args.scale_in_max_step,
                                    allowed_underprovisioned=args.allowed_underprovisioned or None,
                                    peak_bound=not args.no_peak_bound)
        timings.append(time.perf_counter() - t0)
        plan = [(fc.to_epoch(s["time"]), s["capacity"]) for s in decision["schedule"]]
        for j in range(i, min(n, i + every)):
            t_j = series.start + j * step
            want = plan[0][1]
            for t_s, c in plan:
                if t_s <= t_j:
                    want = c
            if want > current:
                pending.append((j + int(np.ceil(WARMUP / float(step))), want))
            elif want < current:
                current = want
                pending = [(r, c) for r, c in pending if c <= want]
            ready = [c for r, c in pending if r <= j]
            if ready:
                current = max(current, *ready)
                pending = [(r, c) for r, c in pending if r > j]
            units[j] = current
    return units[first:], timings


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
    parser.add_argument("--allowed-underprovisioned", type=float, default=0.005,
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
                                         "peak_utilization": args.peak_utilization}}
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        series = load_trace(path)
        load = series.values
        first = len(load) - fc.steps_per(args.test_days * fc.DAY, series.step)
        test = load[first:]
        unit_cap = float(test.max()) / (PEAK_UNITS * TARGET)
        static = np.full(len(test), float(PEAK_UNITS))
        react = reactive(load, first, unit_cap, series.step)
        pred, timings = predictive(series, first, unit_cap, args)
        entry = {"static": metrics(test, static, unit_cap, series.step),
                 "reactive": metrics(test, react, unit_cap, series.step),
                 "predictive": metrics(test, pred, unit_cap, series.step),
                 "decision_seconds_median": round(float(np.median(timings)), 4)}
        entry["predictive_over_reactive_unit_hours"] = round(
            entry["predictive"]["unit_hours"] / max(entry["reactive"]["unit_hours"], 1e-9), 3)
        report["series"][name] = entry
        for pol in ("static", "reactive", "predictive"):
            m = entry[pol]
            print("%-30s %-10s unit_h=%8.1f under=%6.2f%% unserved=%7.4f%% util=%5.1f%%" % (
                name, pol, m["unit_hours"], 100 * m["underprovisioned_steps"], 100 * m["unserved_fraction"],
                100 * m["utilization"]))
        print("%-30s predictive/reactive unit-hours %.3f" % (name, entry["predictive_over_reactive_unit_hours"]))
        sys.stdout.flush()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
