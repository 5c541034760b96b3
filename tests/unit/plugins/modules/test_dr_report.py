# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.meridian.global_infra.plugins.modules import dr_report
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleExit, ModuleFail

T0 = 1738324800.0


def _args(dest, **kw):
    args = {
        "dest": str(dest),
        "scenario": {"name": "drill", "primary_region": "us-east-1", "standby_region": "eu-west-1", "mode": "full"},
        "phases": [{"name": "inject", "started": T0, "finished": T0 + 0.3},
                   {"name": "recover", "started": T0 + 0.3, "finished": T0 + 7}],
        "events": {"fault_injected": T0 + 0.2, "standby_verified": T0 + 6.9},
        "markers": {"acknowledged": [{"seq": i, "acked_at": T0 - 1 + i / 100.0} for i in range(1, 11)],
                    "present": list(range(1, 11))},
        "cleanup": {"confirmed": True, "detail": "no change in check mode"},
    }
    args.update(kw)
    return args


def _run(args, check=False, diff=False):
    if check:
        args = dict(args, _ansible_check_mode=True)
    if diff:
        args = dict(args, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(ModuleExit) as exc:
            dr_report.main()
    return exc.value


def test_check_mode_writes_nothing_then_apply_then_idempotent(tmp_path):
    dest = tmp_path / "reports"
    planned = _run(_args(dest), check=True)
    assert not isinstance(planned, ModuleFail)
    assert planned.result["changed"] is True
    assert not dest.exists()

    applied = _run(_args(dest), diff=True).result
    assert applied["changed"] is True
    assert applied["report"]["passed"] is True
    assert applied["diff"]["before"] == ""
    for path in applied["files"].values():
        assert os.path.isfile(path)
        assert os.stat(path).st_mode & 0o777 == 0o644
    data = json.loads((dest / "dr-drill.json").read_text())
    assert data["measured"]["rto_seconds"] == pytest.approx(6.7)
    assert "<svg" in (dest / "dr-drill.html").read_text()

    again = _run(_args(dest)).result
    assert again["changed"] is False
    assert again["written"] == []
    assert _run(_args(dest), check=True).result["changed"] is False


def test_a_changed_measurement_rewrites_the_files(tmp_path):
    _run(_args(tmp_path))
    changed = _run(_args(tmp_path, events={"fault_injected": T0, "standby_verified": T0 + 40})).result
    assert changed["changed"] is True
    assert changed["report"]["passed"] is False
    assert len(changed["written"]) == 3


def test_bad_input_fails_naming_the_field_and_writes_nothing(tmp_path):
    dest = tmp_path / "r"
    failed = _run(_args(dest, events={"fault_injected": T0 + 10, "standby_verified": T0}))
    assert isinstance(failed, ModuleFail)
    assert "events.standby_verified" in failed.result["msg"]
    assert not dest.exists()


def test_unknown_target_rejected(tmp_path):
    failed = _run(_args(tmp_path, targets={"rto": 30}))
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("targets.rto:")
    assert os.listdir(str(tmp_path)) == []


def test_basename_with_slash_rejected(tmp_path):
    failed = _run(_args(tmp_path, basename="../x"))
    assert isinstance(failed, ModuleFail)
    assert "basename" in failed.result["msg"]


def test_an_rto_model_adds_rto_as_users_see_it_to_the_files(tmp_path):
    events = {"fault_injected": T0 + 0.2, "promotion_started": T0 + 2.0, "standby_promoted": T0 + 5.0,
              "users_write_again": T0 + 6.2}
    model = {"request_interval": 10, "failure_threshold": 2, "ttl": 60, "ttl_from": "alias target TTL"}
    result = _run(_args(tmp_path, events=events, rto_model=model,
                        targets={"rto_seconds": 30, "rto_users_seconds": 60})).result
    assert not result["report"]["passed"]
    assert result["report"]["measured"]["rto_users_seconds"] == pytest.approx(80.0)
    assert result["report"]["reasons"] == ["target rto_users_seconds: measured 80.0 > limit 60"]
    data = json.loads((tmp_path / "dr-drill.json").read_text())
    assert [p["name"] for p in data["rto_users"]["parts"]] == ["detection", "promotion", "first_write", "dns_ttl"]
    assert "## RTO as users see it" in (tmp_path / "dr-drill.md").read_text()


def test_without_the_users_first_write_the_model_is_checked_but_nothing_is_measured(tmp_path):
    result = _run(_args(tmp_path, rto_model={"ttl": 60})).result
    assert result["report"]["rto_users"] is None and "rto_users_seconds" not in result["report"]["measured"]


def test_a_bad_rto_model_fails_naming_the_key_and_writes_nothing(tmp_path):
    failed = _run(_args(tmp_path / "r", rto_model={"request_interval": 15, "ttl": 60}))
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "rto_model.request_interval"
    assert not (tmp_path / "r").exists()


def test_timings_that_do_not_fit_leave_the_users_rto_unmeasured_and_say_so(tmp_path):
    events = {"fault_injected": T0 + 0.2, "promotion_started": T0 + 5.0, "standby_promoted": T0 + 6.0,
              "users_write_again": T0 + 4.0}
    result = _run(_args(tmp_path, events=events, rto_model={"ttl": 60})).result
    assert result["report"]["rto_users"] is None
    assert result["report"]["anomalies"] == [
        "RTO as users see it not computed: events.users_write_again: is before the standby's promotion started"]
    assert (tmp_path / "dr-drill.json").exists()
