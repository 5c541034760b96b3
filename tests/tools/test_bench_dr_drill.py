# -*- coding: utf-8 -*-
"""benchmarks/dr_drill_rto.py: the figures read from drill reports (written here by dr_report's own
report builder, so the layout is the real one)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import dr_drill_rto  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.drill import core  # noqa: E402

T0 = 1796068800.0


def _report(fault_to_promotion, rto_limit=30):
    events = {"fault_injected": T0, "promotion_started": T0 + fault_to_promotion,
              "standby_promoted": T0 + fault_to_promotion + 2.5,
              "users_write_again": T0 + fault_to_promotion + 3.0, "standby_verified": T0 + fault_to_promotion + 6.0}
    phases = [{"name": "inject", "status": "ok", "started": T0 - 1, "finished": T0 + 5},
              {"name": "recover", "status": "ok", "started": T0 + 5, "finished": T0 + fault_to_promotion + 7}]
    scenario = {"name": "bench", "drill_id": "us-east-1-bench-%d" % fault_to_promotion, "primary_region": "us-east-1",
                "standby_region": "eu-west-1", "engine": "postgresql", "mode": "gameday",
                "service_name": "primary.local.meridian.example"}
    return core.build_report(scenario, {"rto_seconds": rto_limit, "rpo_markers": 0}, phases, events=events,
                             markers={"acknowledged": [{"seq": 1, "acked_at": T0 - 2}], "present": [1]})


def test_figures_split_the_database_path_and_follow_the_objective(tmp_path):
    for i, (gap, limit) in enumerate(((20.0, 30), (40.0, 30)), 1):
        run = tmp_path / ("run%d" % i)
        run.mkdir()
        (run / "dr-drill-us-east-1.json").write_text(json.dumps(_report(gap, limit)))
    out = tmp_path / "dr_drill.json"
    assert dr_drill_rto.main(["--reports", str(tmp_path), "--out", str(out)]) == 0
    got = json.loads(out.read_text())
    first, second = got["drills"]
    assert first["fault_to_promotion"] == 20.0 and first["promote_task"] == 2.5
    assert first["promotion_to_first_write"] == 3.0
    assert first["rto_seconds"] == 23.0 and first["passed"] is True
    assert second["rto_seconds"] == 43.0 and second["passed"] is False
    assert any("rto_seconds" in reason for reason in second["reasons"])
    assert got["passed"] == 1
    assert got["summary"]["rto_seconds"] == {"median": 33.0, "max": 43.0}


def test_no_report_is_an_error(tmp_path, capsys):
    assert dr_drill_rto.main(["--reports", str(tmp_path), "--out", str(tmp_path / "x.json")]) == 1
    assert "no drill report" in capsys.readouterr().err
