#!/usr/bin/env python
"""Rolling-origin backtest of the collection's forecaster against baselines (and AutoTheta).

    .venv/bin/python benchmarks/forecast_backtest.py --traces ../shared/data/traces --out .state/bench/forecast_backtest.json

For every ``timestamp,value`` CSV in the traces directory, forecasts are made at origins spread
evenly over a long test period (the last half of the trace, at most 28 days), at 1 h and 24 h
horizons, by the automatic choice (``forecast(model="auto")``, the function ``capacity_forecast``
calls) and by each baseline (naive, seasonal naive, Holt-Winters). Each method sees the same
history window (at most four weeks, nothing after the origin) at each origin. MASE is scaled per
origin by the in-sample seasonal-naive (daily) error of that history.

statsforecast's AutoTheta is one more column when statsforecast is installed. It costs seconds
per fit, so it runs on every ``--autotheta-every``-th origin of the same set; the summary also
reports the automatic choice on exactly that subset (``auto_on_autotheta_origins``) for a like-for-like
comparison. Its forecasts are cached under ``.state/bench/`` keyed by trace, origin and horizon
(``--no-cache`` recomputes).
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

from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc  # noqa: E402

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


def origins_for(series, horizon_steps, args, n_origins):
    """Origins (index of the last observed point) spread evenly over the test period.

    The test period is the last ``test_fraction`` of the trace, at most ``max_test_days``; every
    origin keeps at least the minimum history plus one day before it.
    """
    n = len(series)
    daily = fc.steps_per(fc.DAY, series.step)
    test = min(int(n * args.test_fraction), fc.steps_per(args.max_test_days * fc.DAY, series.step))
    first = n - test
    last = n - 1 - horizon_steps
    first = max(first, fc.min_history_steps(series.step) + daily)
    if last < first:
        return []
    return sorted(set(np.linspace(first, last, n_origins).round().astype(int).tolist()))


class AutoThetaCache:
    """AutoTheta forecasts on disk, keyed by trace, length, origin, horizon and window."""

    def __init__(self, path, enabled=True):
        self.path = path
        self.enabled = enabled
        self.data = {}
        self.dirty = False
        if enabled and os.path.exists(path):
            with open(path) as handle:
                self.data = json.load(handle)

    def get(self, key):
        return self.data.get(key) if self.enabled else None

    def put(self, key, pred, seconds):
        self.data[key] = {"pred": [float(v) for v in pred], "seconds": seconds}
        self.dirty = True

    def save(self):
        if self.enabled and self.dirty:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            with open(self.path, "w") as handle:
                json.dump(self.data, handle)
            self.dirty = False


def evaluate(series, name, label, seconds, args, methods, cache):
    y = series.values
    h = max(1, int(np.ceil(seconds / float(series.step))))
    daily = fc.steps_per(fc.DAY, series.step)
    window = fc.MAX_HISTORY_WEEKS * fc.steps_per(fc.WEEK, series.step)
    n_origins = args.origins_1h if label == "1h" else args.origins_24h
    keys = list(methods) + (["auto_on_autotheta_origins"] if "autotheta" in methods else [])
    errs = {m: {"mase": [], "smape_a": [], "smape_p": []} for m in keys}
    times = {m: [] for m in methods}
    chosen = {}
    for i, t in enumerate(origins_for(series, h, args, n_origins)):
        hist = y[max(0, t + 1 - window):t + 1]
        actual = y[t + 1:t + 1 + h]
        scale = fc.mase_scale(hist, daily)
        at_origin = i % args.autotheta_every == 0
        for m in methods:
            if m == "autotheta":
                if not at_origin:
                    continue
                key = "%s|%d|%d|%d|%d" % (name, len(y), t, h, window)
                hit = cache.get(key)
                if hit is None:
                    t0 = time.perf_counter()
                    pred = _autotheta(hist, h, daily)
                    cache.put(key, pred, time.perf_counter() - t0)
                    hit = cache.get(key) or {"pred": pred, "seconds": time.perf_counter() - t0}
                pred = np.asarray(hit["pred"], dtype=float)
                times[m].append(hit["seconds"])
            else:
                t0 = time.perf_counter()
                res = fc.forecast(hist, series.step, h, quantiles=(0.9,), model=("auto" if m == "auto" else m),
                                  transform=(args.transform if m == "auto" else "none"),
                                  clean=(m == "auto"))
                pred = res.mean
                times[m].append(time.perf_counter() - t0)
                if m == "auto":
                    chosen[res.model] = chosen.get(res.model, 0) + 1
            targets = [m] + (["auto_on_autotheta_origins"] if (m == "auto" and at_origin and len(keys) > len(methods))
                             else [])
            for k in targets:
                errs[k]["mase"].append(float(np.mean(np.abs(actual - pred)) / scale))
                errs[k]["smape_a"].append(actual)
                errs[k]["smape_p"].append(pred)
        cache.save()
    out = {}
    for m in keys:
        if not errs[m]["mase"]:
            continue
        out[m] = {"mase": float(np.mean(errs[m]["mase"])), "origins": len(errs[m]["mase"]),
                  "smape": fc.smape(np.concatenate(errs[m]["smape_a"]), np.concatenate(errs[m]["smape_p"])),
                  "fit_seconds": float(np.mean(times[m])) if times.get(m) else None}
    return out, chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--traces", default=os.path.join(ROOT, "..", "shared", "data", "traces"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".state", "bench", "forecast_backtest.json"))
    parser.add_argument("--test-fraction", type=float, default=0.5, help="origins lie in this last share of a trace")
    parser.add_argument("--max-test-days", type=float, default=28.0, help="... and in at most its last N days")
    parser.add_argument("--origins-1h", type=int, default=96)
    parser.add_argument("--origins-24h", type=int, default=24)
    parser.add_argument("--autotheta-every", type=int, default=8, help="AutoTheta on every k-th origin only")
    parser.add_argument("--no-autotheta", action="store_true", help="skip the statsforecast AutoTheta column")
    parser.add_argument("--no-cache", action="store_true", help="recompute AutoTheta forecasts")
    parser.add_argument("--cache", default=os.path.join(ROOT, ".state", "bench", "autotheta_cache.json"))
    parser.add_argument("--only", default=None, help="substring filter on trace names")
    parser.add_argument("--transform", default="auto", choices=fc.TRANSFORMS,
                        help="transform option of the automatic choice (baselines are never transformed)")
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
    cache = AutoThetaCache(args.cache, enabled=not args.no_cache)
    report = {"series": {}, "methods": methods, "protocol": {
        "test_fraction": args.test_fraction, "max_test_days": args.max_test_days, "origins_1h": args.origins_1h,
        "origins_24h": args.origins_24h, "autotheta_every": args.autotheta_every,
        "history_weeks": fc.MAX_HISTORY_WEEKS, "transform": args.transform, "mase_scale": "in-sample seasonal naive, daily period"}}
    if "autotheta" in methods:
        print("AutoTheta runs on every %d-th origin (same origins as the others; auto_on_autotheta_origins "
              "is the automatic choice on that subset)" % args.autotheta_every)
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        series = load_trace(path)
        entry = {}
        fit = []
        for label, seconds in HORIZONS.items():
            res, chosen = evaluate(series, name, label, seconds, args, methods, cache)
            entry[label] = {m: {"mase": round(v["mase"], 4), "smape": round(v["smape"], 3), "origins": v["origins"]}
                            for m, v in res.items()}
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
                         for m in list(methods) + ["auto_on_autotheta_origins"] if m in entry[label])
        print("%-32s %-3s MASE/sMAPE %s" % (name, label, cells))
    print("%-32s fit %.3fs (autotheta %s) chosen %s" % (
        name, entry["fit_seconds"], entry.get("autotheta_fit_seconds", "-"), entry["1h_chosen"]))


def summarise(report, methods):
    out = {}
    for label in HORIZONS:
        means = {}
        for m in list(methods) + ["auto_on_autotheta_origins"]:
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
