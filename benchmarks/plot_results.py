#!/usr/bin/env python
"""Figures of the benchmark results for docs/benchmarks.md (and the docs site), from the JSON outputs.

    .venv/bin/python benchmarks/plot_results.py --bench-dir .state/bench --out-dir docs/images

Reads forecast_backtest.json and capacity_sim.json (or the per-trace capacity_sim_<trace>.json files
that ``capacity_sim.py --only TRACE`` writes) and writes:
- forecast_error.png: MASE per trace of the automatic choice and of each baseline, at 1 h and 24 h
  (lower is better; 1.0 is the in-sample daily seasonal-naive error);
- capacity_vs_reactive.png: per trace, unit-hours of the static, scheduled, predictive and hybrid
  policies relative to the reactive one, and the share of load each policy left unserved;
- capacity_<trace>.png, one per trace, from the capacity_series_<trace>.json files capacity_sim.py
  writes: the load against the point forecast made one decision interval earlier (and the
  quantile the decision covered), and the capacity of the reactive, predictive and hybrid policies
  against the load.
A figure whose input is missing is skipped with a message. The PNGs carry no timestamp or version,
so the same results give the same files. tools/run_bench.sh runs this after the benchmarks.
"""

import argparse
import glob
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {"auto": "auto", "naive": "naive", "seasonal_naive": "seasonal naive", "holt_winters": "Holt-Winters",
          "autotheta": "AutoTheta (1/8 of the origins)"}
POLICIES = ("static", "scheduled", "reactive", "predictive", "hybrid")
SERIES_POLICIES = ("reactive", "predictive", "hybrid")
PNG = {"metadata": {"Software": None}, "dpi": 110}


def _load(path):
    with open(path) as handle:
        return json.load(handle)


def capacity_results(bench_dir):
    """Series of capacity_sim.json and of every capacity_sim_<trace>.json; a trace's newest run wins."""
    series, protocol = {}, None
    paths = glob.glob(os.path.join(bench_dir, "capacity_sim.json")) + glob.glob(os.path.join(bench_dir, "capacity_sim_*.json"))
    for path in sorted(paths, key=os.path.getmtime):
        report = _load(path)
        series.update(report.get("series", {}))
        protocol = report.get("protocol") or protocol
    return series, protocol


def plot_forecast_error(report, out):
    traces = sorted(report["series"])
    methods = [m for m in report.get("methods", LABELS) if any(m in report["series"][t].get("1h", {}) for t in traces)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.42 * len(traces) + 2.2), sharey=True)
    height = 0.8 / len(methods)
    for ax, horizon in zip(axes, ("1h", "24h")):
        for i, method in enumerate(methods):
            values = [report["series"][t].get(horizon, {}).get(method, {}).get("mase", float("nan")) for t in traces]
            ypos = [k - 0.4 + height * (i + 0.5) for k in range(len(traces))]
            ax.barh(ypos, values, height=height, label=LABELS.get(method, method))
        ax.axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
        ax.set_title("%s ahead" % horizon.replace("h", " h"))
        ax.set_xlabel("MASE (lower is better)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(traces)))
    axes[0].set_yticklabels(traces)
    axes[0].invert_yaxis()
    axes[1].legend(loc="lower right", fontsize="small")
    origins = report.get("protocol", {})
    fig.suptitle("Forecast error per trace: rolling-origin backtest (%s origins at 1 h, %s at 24 h)"
                 % (origins.get("origins_1h", "?"), origins.get("origins_24h", "?")))
    fig.tight_layout()
    fig.savefig(out, **PNG)
    plt.close(fig)


def plot_capacity(series, protocol, out):
    traces = sorted(series)
    policies = [p for p in POLICIES if all(p in series[t] for t in traces)]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.6 * len(traces) + 2.2), sharey=True)
    height = 0.8 / len(policies)
    for i, policy in enumerate(policies):
        ypos = [k - 0.4 + height * (i + 0.5) for k in range(len(traces))]
        ratio = [series[t][policy]["unit_hours"] / series[t]["reactive"]["unit_hours"] for t in traces]
        unserved = [100.0 * series[t][policy]["unserved_fraction"] for t in traces]
        axes[0].barh(ypos, ratio, height=height, label=policy)
        axes[1].barh(ypos, unserved, height=height, label=policy)
        for y, value in zip(ypos, ratio):
            if policy == "predictive":
                axes[0].text(value, y, " %.2f x" % value, va="center", fontsize="x-small")
    axes[0].axvline(1.0, color="grey", linewidth=0.8, linestyle="--")
    axes[0].set_xlabel("unit-hours / reactive unit-hours")
    axes[0].set_title("Capacity paid for, relative to reactive")
    axes[1].axvline(0.5, color="grey", linewidth=0.8, linestyle="--")
    axes[1].set_xlabel("unserved load (% of the load; dashed line at 0.5 %)")
    axes[1].set_title("Load left unserved")
    for ax in axes:
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(traces)))
    axes[0].set_yticklabels(traces)
    axes[0].invert_yaxis()
    axes[1].legend(loc="lower right", fontsize="small")
    days = "%g" % (protocol or {}).get("test_days", float("nan"))
    fig.suptitle("Capacity simulation: %s policies over the last %s days of each trace" % (", ".join(policies), days))
    fig.tight_layout()
    fig.savefig(out, **PNG)
    plt.close(fig)


def quantile_label(forecasts):
    """The quantile level(s) of the decisions: ``0.995`` when fixed, ``0.98 to 0.995`` when they vary."""
    levels = sorted(set(float(f[3]) for f in forecasts))
    if not levels:
        return ""
    if len(levels) == 1:
        return "%g" % levels[0]
    return "%g to %g" % (levels[0], levels[-1])


def plot_trace(data, out):
    """Forecast against load, and capacity against load, for one trace (capacity_series_<trace>.json)."""
    import datetime
    import matplotlib.dates as mdates
    start, step, unit = data["start"], data["step"], data["unit_capacity"]

    def when(t):
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).replace(tzinfo=None)

    times = [when(start + k * step) for k in range(len(data["load"]))]
    fig, axes = plt.subplots(2, 1, figsize=(13, 6.4), sharex=True)
    ax = axes[0]
    ax.plot(times, data["load"], color="black", linewidth=0.7, label="load")
    fts = [when(f[0]) for f in data["forecasts"]]
    ax.plot(fts, [f[1] for f in data["forecasts"]], color="tab:blue", linewidth=0.9,
            label="point forecast, one decision interval ahead")
    ax.plot(fts, [f[2] for f in data["forecasts"]], color="tab:orange", linewidth=0.7, alpha=0.8,
            label="highest %s forecast quantile over the decision's window" % quantile_label(data["forecasts"]))
    ax.set_ylabel("load")
    ax.set_title("Forecast against actual load")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    ax = axes[1]
    ax.plot(times, data["load"], color="black", linewidth=0.7, label="load")
    colours = {"reactive": "tab:green", "predictive": "tab:blue", "hybrid": "tab:red", "scheduled": "tab:purple"}
    for pol in SERIES_POLICIES:
        if pol in data["units"]:
            ax.step(times, [u * unit for u in data["units"][pol]], where="post", linewidth=0.8,
                    color=colours[pol], label="%s capacity" % pol)
    ax.set_ylabel("load / capacity (units x unit capacity)")
    ax.set_title("Capacity against load (capacity at 100 % of each unit; the target utilisation is 70 %)")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M"))
    fig.suptitle("%s: the last %g days (UTC)" % (data["trace"], len(data["load"]) * step / 86400.0))
    fig.tight_layout()
    fig.savefig(out, **PNG)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--bench-dir", default=os.path.join(root, ".state", "bench"))
    parser.add_argument("--out-dir", default=os.path.join(root, "docs", "images"))
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    plt.rcParams.update({"font.size": 9})
    wrote = 0

    backtest = os.path.join(args.bench_dir, "forecast_backtest.json")
    if os.path.exists(backtest):
        out = os.path.join(args.out_dir, "forecast_error.png")
        plot_forecast_error(_load(backtest), out)
        print("wrote %s" % out)
        wrote += 1
    else:
        print("no %s: forecast_error.png not written" % backtest)

    series, protocol = capacity_results(args.bench_dir)
    if series:
        out = os.path.join(args.out_dir, "capacity_vs_reactive.png")
        plot_capacity(series, protocol, out)
        print("wrote %s" % out)
        wrote += 1
    else:
        print("no capacity_sim*.json in %s: capacity_vs_reactive.png not written" % args.bench_dir)

    for path in sorted(glob.glob(os.path.join(args.bench_dir, "capacity_series_*.json"))):
        data = _load(path)
        out = os.path.join(args.out_dir, "capacity_%s.png" % data["trace"])
        plot_trace(data, out)
        print("wrote %s" % out)
        wrote += 1
    return 0 if wrote else 1


if __name__ == "__main__":
    sys.exit(main())
