#!/usr/bin/env python
"""The failover drill's RTO, read from the reports of the drills tools/bench_dr_drill.sh ran.

    .venv/bin/python benchmarks/dr_drill_rto.py --reports .state/bench/dr_drill --out FILE.json

For every ``run*/dr-drill-*.json`` under ``--reports``: RTO (the fault until users write again),
RTO as users see it (with the modelled DNS path), whether the report passed against its objectives,
and where the database path's time went: from the fault to the promotion's start (the fault's own
commands, the save of the drill's state, the fence and its proof), from the promotion's start to the
writer's first write in the standby region, and the promote task alone. Prints one row per drill and
the median, and writes them to ``--out``.
"""

from __future__ import print_function

import argparse
import glob
import json
import os
import statistics
import sys


def _events(report):
    return dict((e["name"], e["at"]) for e in report.get("timeline", []) if isinstance(e.get("at"), (int, float)))


def figures(report):
    """One drill's figures from its report (seconds, rounded to the millisecond)."""
    ev = _events(report)
    measured = report.get("measured", {})
    row = {
        "drill_id": report.get("scenario", {}).get("drill_id"),
        "passed": bool(report.get("passed")),
        "reasons": report.get("reasons", []),
        "objective_rto_seconds": report.get("targets", {}).get("rto_seconds"),
        "rto_seconds": measured.get("rto_seconds"),
        "rto_users_seconds": measured.get("rto_users_seconds"),
        "rpo_markers": measured.get("rpo_markers"),
    }
    fault = ev.get("fault_injected")
    # the writer's first write in the standby region may come before the promote task has returned
    # (standby_promoted): the database path after the fence is counted from the promotion's start
    spans = (("fault_to_promotion", "fault_injected", "promotion_started"),
             ("promotion_to_first_write", "promotion_started", "users_write_again"),
             ("promote_task", "promotion_started", "standby_promoted"))
    for name, start, end in spans:
        if fault is not None and start in ev and end in ev:
            row[name] = round(ev[end] - ev[start], 3)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", required=True, help="directory holding run*/dr-drill-*.json")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    paths = sorted(glob.glob(os.path.join(args.reports, "run*", "dr-drill-*.json")))
    if not paths:
        print("no drill report under %s" % args.reports, file=sys.stderr)
        return 1
    rows = []
    for path in paths:
        with open(path) as handle:
            rows.append(dict(figures(json.load(handle)), report=os.path.relpath(path, args.reports)))
    cols = ("rto_seconds", "rto_users_seconds", "fault_to_promotion", "promotion_to_first_write", "promote_task")
    print("%-36s %6s " % ("drill", "passed") + " ".join("%24s" % c for c in cols))
    for row in rows:
        print("%-36s %6s " % (row["drill_id"], row["passed"])
              + " ".join("%24s" % ("-" if row.get(c) is None else "%.3f" % row[c]) for c in cols))
    summary = {}
    for c in cols:
        values = [row[c] for row in rows if row.get(c) is not None]
        if values:
            summary[c] = {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}
    print("%-43s " % "median" + " ".join("%24s" % ("%.3f" % summary[c]["median"] if c in summary else "-") for c in cols))
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    out = {"drills": rows, "summary": summary, "passed": sum(1 for r in rows if r["passed"]),
           "load_average_at_end": load}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as handle:
        json.dump(out, handle, indent=2, sort_keys=True)
    print("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
