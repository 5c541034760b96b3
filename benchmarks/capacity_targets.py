#!/usr/bin/env python
"""Check the capacity simulation's figures against the capacity targets of docs/benchmarks.md.

    .venv/bin/python benchmarks/capacity_targets.py .state/bench/capacity_sim.json [MORE.json ...]

Reads one or more reports of ``benchmarks/capacity_sim.py`` (a run per trace writes one report each;
their series are merged, a later file's trace over an earlier one's) and prints, per target, the
figure, the bound and ``met`` or ``missed``; a target whose trace is in no report is ``not
measured``. The figures are the predictive policy's: unit-hours over the reactive policy's,
the share of under-provisioned steps and the share of load left unserved. ``--strict`` exits 1 when
a target is missed (a report, not a test: the tests never time or score a benchmark).
"""

from __future__ import print_function

import argparse
import json
import sys

# The capacity targets (docs/benchmarks.md, "Capacity simulation"). "*" is every trace of the reports
# (so Twitter_volume_AMZN's at most 0.5 % under-provisioned steps is checked there, once).
TARGETS = (
    {"trace": "Twitter_volume_AMZN", "max_ratio": 1.40},
    {"trace": "ec2_network_in_257a54", "max_ratio": 2.5},
    {"trace": "nyc_taxi", "max_ratio": 1.05, "max_unserved": 0.0},
    {"trace": "elb_request_count_8c0756", "max_ratio": 2.40, "max_unserved": 0.005},
    {"trace": "*", "max_under": 0.005},
)

# bound key -> (what it reads from the trace's entry, its label, how it is printed)
MEASURES = (
    ("max_ratio", lambda e: e["predictive_over_reactive_unit_hours"], "predictive / reactive unit-hours",
     lambda v: "%.3f x" % v),
    ("max_under", lambda e: e["predictive"]["underprovisioned_steps"], "under-provisioned steps",
     lambda v: "%.2f %%" % (100 * v)),
    ("max_unserved", lambda e: e["predictive"]["unserved_fraction"], "unserved load",
     lambda v: "%.2f %%" % (100 * v)),
)


def load_series(paths):
    """The ``series`` of every report, merged by trace name."""
    series = {}
    for path in paths:
        with open(path) as handle:
            series.update(json.load(handle).get("series", {}))
    return series


def check(series, targets=TARGETS):
    """One row per (target, trace, measure): trace, label, figure, bound, status."""
    rows = []
    for target in targets:
        names = sorted(series) if target["trace"] == "*" else [target["trace"]]
        for name in names:
            entry = series.get(name)
            for key, read, label, fmt in MEASURES:
                if key not in target:
                    continue
                bound = target[key]
                if entry is None:
                    rows.append({"trace": name, "measure": label, "figure": None, "bound": bound,
                                 "status": "not measured", "text": "not measured"})
                    continue
                value = read(entry)
                status = "met" if value <= bound + 1e-12 else "missed"
                rows.append({"trace": name, "measure": label, "figure": value, "bound": bound, "status": status,
                             "text": "%s, at most %s" % (fmt(value), fmt(bound))})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("reports", nargs="+", help="capacity_sim.py reports (JSON)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    rows = check(load_series(args.reports))
    for row in rows:
        print("%-12s %-38s %-34s %s" % (row["status"], row["trace"], row["measure"], row["text"]))
    counts = dict((s, sum(1 for r in rows if r["status"] == s)) for s in ("met", "missed", "not measured"))
    print("capacity targets: %(met)d met, %(missed)d missed, %(not measured)d not measured" % counts)
    return 1 if args.strict and counts["missed"] else 0


if __name__ == "__main__":
    sys.exit(main())
