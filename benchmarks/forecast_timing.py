#!/usr/bin/env python
"""Forecast timing: one 14-day series at 5-minute steps, and many series in one module call.

    .venv/bin/python benchmarks/forecast_timing.py --trace ../shared/data/traces/elb_request_count_8c0756.csv --services 1000

Part 1 times ``forecast.forecast_series`` (what ``capacity_forecast`` runs per dimension) on the last
4,032 points of the trace, ``--repeat`` times, and prints the median. Part 2 runs the module's own
``run()`` (option parsing aside, the whole of ``capacity_forecast``) on ``--services`` services with
inline series (windows of the trace at different offsets), and prints the wall time.
"""

from __future__ import print_function

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from forecast_backtest import ROOT, load_trace  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import capacity_forecast as mod  # noqa: E402

POINTS = 4032


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--trace", default=os.path.join(ROOT, "..", "shared", "data", "traces",
                                                        "elb_request_count_8c0756.csv"))
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=0, help="0: one per CPU")
    parser.add_argument("--out", default=os.path.join(ROOT, ".state", "bench", "forecast_timing.json"))
    args = parser.parse_args(argv)
    series = load_trace(args.trace)
    one = fc.Series(series.end - (POINTS - 1) * series.step, series.step, series.values[-POINTS:])
    times = []
    for _run in range(args.repeat):
        t0 = time.perf_counter()
        fc.forecast_series(one, 86400 + 900 + 300, quantiles=(0.99,))
        times.append(time.perf_counter() - t0)
    single = float(np.median(times))
    print("one %d-point series: median %.3f s over %d runs (min %.3f, max %.3f)"
          % (POINTS, single, args.repeat, min(times), max(times)))

    values = series.values
    rng = np.random.default_rng(7)
    services = []
    for i in range(args.services):
        off = int(rng.integers(0, max(1, len(values) - POINTS)))
        chunk = values[off:off + POINTS] * float(rng.uniform(0.5, 2.0))
        t = [int(series.start + k * series.step) for k in range(len(chunk))]
        services.append({"name": "svc%04d" % i, "min_capacity": 1, "max_capacity": 50, "current_capacity": 4,
                         "cost": {"on_demand_price": 0.05, "spot_share": 0.3, "spot_price": 0.015,
                                  "currency": "USD", "budget": None},
                         "dimensions": [{"name": "rps", "query": None, "series": [list(p) for p in zip(t, chunk)],
                                         "unit_capacity": float(np.max(chunk)) / 10.0, "target_utilization": 0.7,
                                         "quantile": 0.99}]})
    params = {"services": services, "history": 14 * 86400, "step": 300, "end_time": None, "horizon": 86400,
              "interval": 900, "lead_time": 300, "stabilization": 900, "scale_in_max_step": 0.2, "model": "auto", "transform": "auto",
              # the trace is years old and end_time is now: the data-age check would refuse every service
              "max_data_age": 0, "workers": args.workers, "on_error": "fail", "prometheus_url": None, "prometheus_headers": None,
              "prometheus_validate_certs": True, "prometheus_timeout": 30.0, "prometheus_retries": 3}
    t0 = time.perf_counter()
    decisions = mod.run(params)
    many = time.perf_counter() - t0
    ok = sum(1 for d in decisions if d["ok"])
    print("%d services in one capacity_forecast run: %.1f s (%d ok, %d CPUs, workers=%s)"
          % (len(decisions), many, ok, os.cpu_count() or 1, args.workers or "auto"))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump({"single_series_points": POINTS, "single_median_seconds": round(single, 4),
                   "services": len(decisions), "services_seconds": round(many, 2), "cpus": os.cpu_count()},
                  handle, indent=2, sort_keys=True)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
