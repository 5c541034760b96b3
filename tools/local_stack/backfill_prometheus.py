#!/usr/bin/env python
"""Backfill the local Prometheus with a multi-week load history for the demo services.

The history is shaped on a real trace, NYC taxi demand every 30 minutes (data/nyc_taxi.csv, see
data/nyc_taxi.SOURCE.md): its daily and weekly seasons, holidays and a blizzard. The value at any
instant is a fixed function of that instant (the trace is laid on the calendar week by week, Monday
on Monday, and repeats), so a later run extends the history seamlessly up to the present.

Series written (recording-rule style gauges, one per service and dimension, label env=<env>):
    service:http_requests:rate5m{service="web"|"api", env=...}   requests per second
    service:cpu_usage:cores{service="web"|"api", env=...}         CPU cores in use
    service:memory_working_set:bytes{service="web", env=...}      memory in use, bytes
    service:network_transmit:bytes_rate5m{service="web", env=...} bytes sent per second

In production these names are recording rules over the services' own metrics, e.g.
    service:memory_working_set:bytes = sum by (service, env) (process_resident_memory_bytes)
    service:network_transmit:bytes_rate5m =
        sum by (service, env) (rate(node_network_transmit_bytes_total{device!="lo"}[5m]))
(docs/inventory.md, "Load dimensions."); here they are written directly, like the two above.
web's memory has a floor (runtime and caches) and grows with the request rate, so at night memory
needs more instances than requests do and at the peak requests need more: the capacity decision
takes the highest need, and which dimension binds changes during the day.

The samples go through OpenMetrics text and `promtool tsdb create-blocks-from openmetrics` into the
running server's data directory; Prometheus loads the new blocks within about a minute.

Idempotent: when every series already reaches the present step, nothing is written. When they
stop earlier (a run some hours ago), only the missing range is written.

Usage: backfill_prometheus.py [--days 28] [--step 300] [--env local] [--wait 180] [--output FILE]
"""

import argparse
import bisect
import csv
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STATE = os.environ.get("MERIDIAN_STATE_DIR", os.path.join(ROOT, ".state", "local_stack"))
TRACE = os.path.join(HERE, "data", "nyc_taxi.csv")

UTC = datetime.timezone.utc
# Both are Mondays 00:00: the trace's first full week, and the calendar origin it is laid on.
TRACE_ANCHOR = datetime.datetime(2014, 7, 7, tzinfo=UTC)
CALENDAR_ANCHOR = datetime.datetime(2024, 1, 1, tzinfo=UTC)
WEEK = 7 * 86400

REQUESTS = "service:http_requests:rate5m"
CPU = "service:cpu_usage:cores"
MEMORY = "service:memory_working_set:bytes"
NETWORK = "service:network_transmit:bytes_rate5m"
METRICS = (
    (REQUESTS, "Requests per second served, 5m rate"),
    (CPU, "CPU cores in use"),
    (MEMORY, "Memory working set in bytes"),
    (NETWORK, "Bytes transmitted per second, 5m rate"),
)
MIB = 1024 * 1024

# Per service: requests/s per trace unit (NYC passengers per 30 min), a time shift of the demand
# curve, and the CPU model cores = base + per_request * requests/s. web also has memory
# (bytes = base + per_request * requests/s) and network (bytes/s = bytes_per_request * requests/s).
SERVICES = {
    "web": {"scale": 0.03, "shift": 0, "cpu_base": 0.4, "cpu_per_request": 0.0045,
            "memory_base": 2048 * MIB, "memory_per_request": 3 * MIB, "bytes_per_request": 40 * 1024},
    "api": {"scale": 0.018, "shift": -1800, "cpu_base": 0.3, "cpu_per_request": 0.008},
}


def series():
    """Every (metric, service) pair written: requests and CPU for all, memory and network where modelled."""
    out = []
    for metric, _help in METRICS:
        for service in sorted(SERVICES):
            spec = SERVICES[service]
            if metric == MEMORY and "memory_base" not in spec or metric == NETWORK and "bytes_per_request" not in spec:
                continue
            out.append((metric, service))
    return out


NOISE = 0.03  # +-3 % deterministic per-sample noise, so the series is not a pure interpolation


class BackfillError(Exception):
    pass


def load_trace(path):
    """(seconds since TRACE_ANCHOR, value) pairs covering whole weeks from TRACE_ANCHOR."""
    points = []
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            when = datetime.datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            offset = (when - TRACE_ANCHOR).total_seconds()
            if offset >= 0:
                points.append((offset, float(row["value"])))
    if not points:
        raise BackfillError("%s has no points after %s" % (path, TRACE_ANCHOR.date()))
    weeks = int(points[-1][0] // WEEK)
    if weeks < 2:
        raise BackfillError("%s covers fewer than two whole weeks" % path)
    period = weeks * WEEK
    points = [p for p in points if p[0] < period]
    return points, period


class Shape:
    """The trace as a function of time, linearly interpolated, repeating every whole number of weeks."""

    def __init__(self, points, period):
        self.times = [p[0] for p in points]
        self.values = [p[1] for p in points]
        self.period = period

    def at(self, epoch):
        offset = (epoch - CALENDAR_ANCHOR.timestamp()) % self.period
        i = bisect.bisect_right(self.times, offset) - 1
        if i < 0:
            return self.values[0]
        if i + 1 >= len(self.times):
            t0, v0, t1, v1 = self.times[i], self.values[i], self.period, self.values[0]
        else:
            t0, v0, t1, v1 = self.times[i], self.values[i], self.times[i + 1], self.values[i + 1]
        return v0 + (v1 - v0) * (offset - t0) / (t1 - t0) if t1 > t0 else v0


def _noise(service, epoch):
    digest = hashlib.sha256(("%s:%d" % (service, epoch)).encode()).digest()
    return 1.0 + NOISE * (int.from_bytes(digest[:4], "big") / 2.0 ** 31 - 1.0)


def samples(shape, service, epoch):
    """{metric: value} for one service at one instant."""
    spec = SERVICES[service]
    rps = shape.at(epoch + spec["shift"]) * spec["scale"] * _noise(service, epoch)
    cpu = spec["cpu_base"] + spec["cpu_per_request"] * rps * _noise(service + "/cpu", epoch)
    out = {REQUESTS: round(rps, 3), CPU: round(cpu, 4)}
    if "memory_base" in spec:
        out[MEMORY] = int(spec["memory_base"] + spec["memory_per_request"] * rps * _noise(service + "/memory", epoch))
    if "bytes_per_request" in spec:
        out[NETWORK] = round(spec["bytes_per_request"] * rps * _noise(service + "/network", epoch), 1)
    return out


def openmetrics(shape, env, start, end, step):
    """OpenMetrics text with every sample from start to end inclusive (epoch seconds, multiples of step)."""
    lines = []
    written = series()
    for metric, help_text in METRICS:
        lines.append("# HELP %s %s" % (metric, help_text))
        lines.append("# TYPE %s gauge" % metric)
        for service in sorted(SERVICES):
            if (metric, service) not in written:
                continue
            for epoch in range(start, end + 1, step):
                lines.append('%s{env="%s",service="%s"} %s %d'
                             % (metric, env, service, samples(shape, service, epoch)[metric], epoch))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _query(url, promql, at):
    query = urllib.parse.urlencode({"query": promql, "time": "%d" % at})
    try:
        with urllib.request.urlopen("%s/api/v1/query?%s" % (url.rstrip("/"), query), timeout=30) as resp:
            body = json.load(resp)
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise BackfillError("Prometheus at %s did not answer (%s): start the local stack (tools/local_stack/start)"
                            % (url, err))
    if body.get("status") != "success":
        raise BackfillError("Prometheus rejected %s: %s" % (promql, body.get("error")))
    return body["data"]["result"]


def last_samples(url, env, end, days, step):
    """{(metric, service): epoch of the newest sample within the window, or None}."""
    found = {}
    for metric, service in series():
        promql = 'max_over_time(timestamp(%s{env="%s",service="%s"})[%dd:%ds])' % (metric, env, service, days, step)
        result = _query(url, promql, end)
        found[(metric, service)] = int(float(result[0]["value"][1])) if result else None
    return found


def run_promtool(promtool, text, data_dir):
    os.makedirs(data_dir, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".om", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", path, data_dir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise BackfillError("promtool failed (%d): %s" % (proc.returncode, proc.stdout.strip()[-2000:]))


def main(argv=None):
    port = os.environ.get("MERIDIAN_PROMETHEUS_PORT", "9190")
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--prometheus-url", default="http://127.0.0.1:%s" % port)
    parser.add_argument("--data-dir", default=os.path.join(STATE, "prometheus", "data"),
                        help="the running Prometheus's --storage.tsdb.path")
    parser.add_argument("--trace", default=TRACE)
    parser.add_argument("--env", default=os.environ.get("MERIDIAN_ENV", "local"))
    parser.add_argument("--days", type=int, default=28, help="history length (default 28 days)")
    parser.add_argument("--step", type=int, default=300, help="sample step in seconds (default 300)")
    parser.add_argument("--wait", type=int, default=180,
                        help="seconds to wait until Prometheus serves the new samples (0: do not wait)")
    parser.add_argument("--output", help="only write the OpenMetrics text to this file; no Prometheus needed")
    parser.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    args = parser.parse_args(argv)
    if args.days < 1 or args.step < 15 or 86400 % args.step:
        parser.error("--days must be >= 1 and --step a divisor of a day, >= 15 s")

    try:
        shape = Shape(*load_trace(args.trace))
        end = int(time.time()) // args.step * args.step
        start = end - args.days * 86400
        if args.output:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(openmetrics(shape, args.env, start, end, args.step))
            print("wrote %s: %d days at %ds for %s" % (args.output, args.days, args.step, ", ".join(sorted(SERVICES))))
            return 0
        have = last_samples(args.prometheus_url, args.env, end, args.days, args.step)
        if all(last is not None and last >= end - args.step for last in have.values()):
            print("backfill: present (every series reaches %s); nothing written"
                  % datetime.datetime.fromtimestamp(end, UTC).isoformat())
            return 0
        lasts = [last for last in have.values() if last is not None]
        begin = start if len(lasts) < len(have) else max(start, min(lasts) + args.step)
        run_promtool(args.promtool, openmetrics(shape, args.env, begin, end, args.step), args.data_dir)
        print("backfill: wrote %s .. %s at %ds for %s into %s" % (
            datetime.datetime.fromtimestamp(begin, UTC).isoformat(), datetime.datetime.fromtimestamp(end, UTC).isoformat(),
            args.step, ", ".join(sorted(SERVICES)), args.data_dir))
        deadline = time.monotonic() + args.wait
        while args.wait:
            have = last_samples(args.prometheus_url, args.env, end, args.days, args.step)
            if all(last is not None and last >= end - args.step for last in have.values()):
                print("backfill: Prometheus serves the history")
                break
            if time.monotonic() > deadline:
                raise BackfillError("Prometheus did not load the new blocks within %ds; check its log" % args.wait)
            time.sleep(5)
    except BackfillError as err:
        print("backfill_prometheus: %s" % err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
