# -*- coding: utf-8 -*-
"""benchmarks/capacity_targets.py: the capacity simulation's figures against the targets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import capacity_targets as targets  # noqa: E402


def _entry(ratio, under, unserved):
    return {"predictive_over_reactive_unit_hours": ratio,
            "predictive": {"underprovisioned_steps": under, "unserved_fraction": unserved}}


def _report(tmp_path, name, series):
    path = tmp_path / name
    path.write_text(json.dumps({"series": series, "protocol": {}}))
    return str(path)


def _status(rows, trace, measure):
    return [r["status"] for r in rows if r["trace"] == trace and r["measure"].startswith(measure)]


def test_each_bound_is_met_at_its_value_and_missed_above_it():
    rows = targets.check({"elb_request_count_8c0756": _entry(2.40, 0.005, 0.0051),
                          "nyc_taxi": _entry(1.051, 0.0, 0.0)})
    assert _status(rows, "elb_request_count_8c0756", "predictive") == ["met"]  # 2.40 is allowed
    assert _status(rows, "elb_request_count_8c0756", "unserved") == ["missed"]
    assert _status(rows, "elb_request_count_8c0756", "under") == ["met"]  # from the every-trace target
    assert _status(rows, "nyc_taxi", "predictive") == ["missed"]
    assert _status(rows, "nyc_taxi", "unserved") == ["met"]  # nothing unserved is the bound itself


def test_a_target_whose_trace_no_report_holds_is_not_measured_and_every_trace_gets_the_step_bound():
    rows = targets.check({"held_out_series": _entry(9.0, 0.02, 0.1)})
    assert _status(rows, "held_out_series", "under") == ["missed"]
    assert _status(rows, "held_out_series", "predictive") == []  # no cost target of its own
    named = [r for r in rows if r["trace"] != "held_out_series"]
    assert {r["trace"] for r in named} == {"Twitter_volume_AMZN", "ec2_network_in_257a54", "nyc_taxi",
                                           "elb_request_count_8c0756"}
    assert {r["status"] for r in named} == {"not measured"}


def test_reports_of_runs_per_trace_are_merged_and_strict_fails_on_a_miss(tmp_path, capsys):
    first = _report(tmp_path, "amzn.json", {"Twitter_volume_AMZN": _entry(1.39, 0.0023, 0.0024)})
    second = _report(tmp_path, "fe7f93.json", {"ec2_cpu_utilization_fe7f93": _entry(6.3, 0.0093, 0.015)})
    assert targets.main([first]) == 0
    assert targets.main(["--strict", first]) == 0  # met, and the other named traces not measured
    out = capsys.readouterr().out
    assert "1 missed" not in out and "capacity targets: 2 met, 0 missed, 5 not measured" in out
    assert targets.main([first, second]) == 0  # a report, unless asked to fail
    assert targets.main(["--strict", first, second]) == 1
    out = capsys.readouterr().out
    assert "missed       ec2_cpu_utilization_fe7f93" in out
    assert "0.93 %, at most 0.50 %" in out
    assert "capacity targets: 2 met, 1 missed, 5 not measured" in out
