#!/usr/bin/env python
"""Rolling-origin backtest of the collection's forecaster against baselines (and AutoTheta).

    .venv/bin/python benchmarks/forecast_backtest.py --traces ../shared/data/traces --out .state/bench/forecast_backtest.json

For every ``timestamp,value`` CSV in the traces directory, forecasts are made at origins spread
over the last days of the trace, at 1 h and 24 h horizons, by the automatic choice
(``forecast(model="auto")``, the function ``capacity_forecast`` calls) and by each baseline
(naive, seasonal naive, Holt-Winters). Each method sees the same history window at each origin.
MASE is scaled per origin by the in-sample seasonal-naive (daily) error of that history.
statsforecast's AutoTheta is one more column when statsforecast is installed.
"""

from __future__ import print_function

import argparse
import glob
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.meridian.global_infra.plugins.module_utils import forecast as fc  # noqa: E402

HORIZONS = {"1h": 3600, "24h": 86400}


def load_trace(path):
    """A regular Series from a ``timestamp,value`` CSV (timestamps naive UTC)."""
    import pandas as pd
    frame = pd.read_csv(path)
    ts = pd.to_datetime(frame["timestamp"], utc=True).astype("int64").to_numpy() / 1e9
    return fc.regularize_arrays(ts, frame["value"].to_numpy(dtype=float), field=os.path.basename(path))


def _autotheta(history, h, period):
    from statsforecast.models import AutoTheta
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = AutoTheta(season_length=period).forecast(y=history.astype(float), h=h)
    return np.asarray(out["mean"], dtype=float)


def origins_for(series, horizon_steps, test_days, n_origins):
    n = len(series)
    daily = fc.steps_per(fc.DAY, series.step)
    first = n - fc.steps_per(test_days * fc.DAY, series.step)
    last = n - 1 - horizon_steps
    first = max(first, fc.min_history_steps(series.step) + daily)
    if last < first:
        return []
    return sorted(set(np.linspace(first, last, n_origins).round().astype(int).tolist()))


def evaluate(series, label, seconds, args, methods):
    y = series.values
    h = max(1, int(np.ceil(seconds / float(series.step))))
    daily = fc.steps_per(fc.DAY, series.step)
    window = fc.MAX_HISTORY_WEEKS * fc.steps_per(fc.WEEK, series.step)
    n_origins = args.origins_1h if label == "1h" else args.origins_24h
    errs = {m: {"mase": [], "smape_a": [], "smape_p": []} for m in methods}
    times = {m: [] for m in methods}
    chosen = {}
    for t in origins_for(series, h, args.test_days, n_origins):
        hist = y[max(0, t + 1 - window):t + 1]
        actual = y[t + 1:t + 1 + h]
        scale = fc.mase_scale(hist, daily)
        for m in methods:
            t0 = time.perf_counter()
            if m == "autotheta":
                pred = _autotheta(hist, h, daily)
            else:
                res = fc.forecast(hist, series.step, h, quantiles=(0.9,), model=("auto" if m == "auto" else m),
                                  clean=(m == "auto"))
                pred = res.mean
                if m == "auto":
                    chosen[res.model] = chosen.get(res.model, 0) + 1
            times[m].append(time.perf_counter() - t0)
            errs[m]["mase"].append(float(np.mean(np.abs(actual - pred)) / scale))
            errs[m]["smape_a"].append(actual)
            errs[m]["smape_p"].append(pred)
    out = {}
    for m in methods:
        if not errs[m]["mase"]:
            continue
        out[m] = {"mase": float(np.mean(errs[m]["mase"])),
                  "smape": fc.smape(np.concatenate(errs[m]["smape_a"]), np.concatenate(errs[m]["smape_p"])),
                  "fit_seconds": float(np.mean(times[m]))}
    return out, chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--traces", default=os.path.join(ROOT, "..", "shared", "data", "traces"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".state", "bench", "forecast_backtest.json"))
    parser.add_argument("--test-days", type=float, default=4.0, help="origins lie in the last N days")
    parser.add_argument("--origins-1h", type=int, default=24)
    parser.add_argument("--origins-24h", type=int, default=8)
    parser.add_argument("--no-autotheta", action="store_true", help="skip the statsforecast AutoTheta column")
    parser.add_argument("--only", default=None, help="substring filter on trace names")
    args = parser.parse_args(argv)

    methods = ["auto"] + list(fc.BASELINES)
    if not args.no_autotheta:
        try:
            import statsforecast  # noqa: F401
            methods.append("autotheta")
            _autotheta(np.random.default_rng(0).random(600) + 1.0, 12, 48)  # compile once, outside timings
        except ImportError:
            print("statsforecast not installed: AutoTheta column skipped (pip install statsforecast)")
    files = sorted(glob.glob(os.path.join(args.traces, "*.csv")))
    if args.only:
        files = [f for f in files if args.only in os.path.basename(f)]
    if not files:
        parser.error("no CSV files in %s" % args.traces)
    report = {"series": {}, "methods": methods, "protocol": {
        "test_days": args.test_days, "origins_1h": args.origins_1h, "origins_24h": args.origins_24h,
        "history_weeks": fc.MAX_HISTORY_WEEKS, "mase_scale": "in-sample seasonal naive, daily period"}}
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        series = load_trace(path)
        entry = {}
        fit = []
        for label, seconds in HORIZONS.items():
            res, chosen = evaluate(series, label, seconds, args, methods)
            entry[label] = {m: {"mase": round(v["mase"], 4), "smape": round(v["smape"], 3)} for m, v in res.items()}
            entry[label + "_chosen"] = chosen
            fit.append(res["auto"]["fit_seconds"])
            if "autotheta" in res:
                entry.setdefault("autotheta_fit_seconds", [])
                entry["autotheta_fit_seconds"].append(res["autotheta"]["fit_seconds"])
        entry["fit_seconds"] = round(float(np.mean(fit)), 4)
        if "autotheta_fit_seconds" in entry:
            entry["autotheta_fit_seconds"] = round(float(np.mean(entry["autotheta_fit_seconds"])), 4)
        report["series"][name] = entry
        print_row(name, entry, methods)
        sys.stdout.flush()
    summary = summarise(report, methods)
    report["summary"] = summary
    print_summary(summary, methods)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
    print("wrote %s" % args.out)
    return 0


def print_row(name, entry, methods):
    for label in HORIZONS:
        cells = " ".join("%s=%.3f/%.1f%%" % (m, entry[label][m]["mase"], entry[label][m]["smape"])
                         for m in methods if m in entry[label])
        print("%-32s %-3s MASE/sMAPE %s" % (name, label, cells))
    print("%-32s fit %.3fs (autotheta %s) chosen %s" % (
        name, entry["fit_seconds"], entry.get("autotheta_fit_seconds", "-"), entry["1h_chosen"]))


def summarise(report, methods):
    out = {}
    for label in HORIZONS:
        means = {}
        for m in methods:
            vals = [s[label][m]["mase"] for s in report["series"].values() if m in s[label]]
            if vals:
                means[m] = round(float(np.mean(vals)), 4)
        within = {}
        for name, s in report["series"].items():
            best = min(s[label][m]["mase"] for m in fc.BASELINES)
            within[name] = round(s[label]["auto"]["mase"] / best, 4)
        out[label] = {"mean_mase": means, "auto_over_best_baseline": within}
    fits = [s["fit_seconds"] for s in report["series"].values()]
    out["mean_fit_seconds"] = round(float(np.mean(fits)), 4)
    ats = [s["autotheta_fit_seconds"] for s in report["series"].values() if "autotheta_fit_seconds" in s]
    if ats:
        out["mean_autotheta_fit_seconds"] = round(float(np.mean(ats)), 4)
    return out


def print_summary(summary, methods):
    for label in HORIZONS:
        print("mean %s MASE: %s" % (label, " ".join("%s=%.3f" % kv for kv in summary[label]["mean_mase"].items())))
        print("auto / best baseline %s: %s" % (label, " ".join(
            "%s=%.3f" % kv for kv in summary[label]["auto_over_best_baseline"].items())))
    print("mean fit seconds: auto %.3f, autotheta %s" % (summary["mean_fit_seconds"],
                                                         summary.get("mean_autotheta_fit_seconds", "-")))


if __name__ == "__main__":
    sys.exit(main())
