# -*- coding: utf-8 -*-
"""tools/report_run.py, the exit-code wrapper of make drift and make compliance: 0 no finding,
2 findings, 1 error (the command failed or wrote no report), with the reason on stderr."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WRAPPER = os.path.join(ROOT, "tools", "report_run.py")

# A stand-in for the playbooks: writes a report with the collection's writer into
# $MERIDIAN_REPORT_DIR (set by the wrapper), then exits with the code asked for.
PRODUCER = r"""
import json, os, sys
sys.path.insert(0, os.path.join(%(root)r, ".collections"))
from ansible_collections.meridian.global_infra.plugins.module_utils.reports import write_reports
spec = json.loads(sys.argv[1])
if spec.get("write", True):
    write_reports(spec.get("findings", []), os.environ["MERIDIAN_REPORT_DIR"], "meridian-drift",
                  checked_resources=spec.get("checked", []), errors=spec.get("errors"))
sys.exit(spec.get("rc", 0))
""" % {"root": ROOT}

SG_OPEN = {"kind": "drift", "rule": "amazon.aws.ec2_security_group", "resource_id": "sg-0a1b2c3d4e5f60718",
           "region": "us-east-1", "field": "ip_permissions", "expected": [], "actual": ["tcp 22 from 0.0.0.0/0"],
           "severity": "high"}


def _run(tmp_path, spec=None, extra=(), command=None):
    report_dir = str(tmp_path / "report")
    if command is None:
        command = [sys.executable, "-c", PRODUCER, json.dumps(spec or {})]
    result = subprocess.run([sys.executable, WRAPPER, "--report-dir", report_dir, "--name", "drift"] + list(extra)
                            + ["--"] + command, capture_output=True, text=True, timeout=120, check=False)
    return result, report_dir


def test_no_finding_exits_0(tmp_path):
    result, report_dir = _run(tmp_path, {"checked": ["sg-0a1b2c3d4e5f60718", "vpc-1"]})
    assert result.returncode == 0, result.stderr
    assert "drift: no finding (2 resource(s) checked)" in result.stderr
    assert os.path.isfile(os.path.join(report_dir, "junit.xml"))


def test_findings_exit_2_and_are_named(tmp_path):
    result, _report_dir = _run(tmp_path, {"findings": [SG_OPEN]})
    assert result.returncode == 2, result.stderr
    assert "drift: 1 finding(s)" in result.stderr
    assert "high drift amazon.aws.ec2_security_group sg-0a1b2c3d4e5f60718 (us-east-1) ip_permissions" in result.stderr


def test_a_failed_command_exits_1_with_the_reason_even_with_a_report(tmp_path):
    result, _report_dir = _run(tmp_path, {"findings": [SG_OPEN], "rc": 4})
    assert result.returncode == 1
    assert "failed: exit code 4" in result.stderr


def test_a_report_with_errors_exits_1_naming_them(tmp_path):
    spec = {"errors": ["us-east-1: Could not connect to the endpoint URL: http://127.0.0.1:1/"]}
    result, _report_dir = _run(tmp_path, spec)
    assert result.returncode == 1
    assert "the report records 1 error(s)" in result.stderr
    assert "Could not connect to the endpoint URL" in result.stderr


def test_no_report_exits_1(tmp_path):
    result, report_dir = _run(tmp_path, {"write": False})
    assert result.returncode == 1
    assert "wrote no report: %s is missing" % os.path.join(report_dir, "findings.json") in result.stderr


def test_the_previous_runs_report_does_not_count(tmp_path):
    first, _report_dir = _run(tmp_path, {})
    assert first.returncode == 0, first.stderr
    second, _report_dir = _run(tmp_path, {"write": False})
    assert second.returncode == 1
    assert "is the previous run's (unchanged)" in second.stderr


def test_an_unreadable_report_exits_1(tmp_path):
    report_dir = tmp_path / "report"
    script = "import os; open(os.path.join(os.environ['MERIDIAN_REPORT_DIR'], 'findings.json'), 'w').write('{')"
    os.makedirs(str(report_dir))
    result, _report_dir = _run(tmp_path, command=[sys.executable, "-c", script])
    assert result.returncode == 1
    assert "cannot read the report" in result.stderr


@pytest.mark.parametrize("findings, expected", [([SG_OPEN], 2), ([], 1)])
def test_an_accepted_exit_code_counts_only_with_findings(tmp_path, findings, expected):
    result, _report_dir = _run(tmp_path, {"findings": findings, "rc": 2}, extra=["--accept-rc", "2"])
    assert result.returncode == expected, result.stderr
    if expected == 1:
        assert "failed: exit code 2, and its report has no finding" in result.stderr


def test_a_command_that_cannot_start_exits_1(tmp_path):
    result, _report_dir = _run(tmp_path, command=[str(tmp_path / "no-such-command")])
    assert result.returncode == 1
    assert "drift: cannot run" in result.stderr


def test_ansible_exit_codes_are_explained():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import report_run
    finally:
        sys.path.pop(0)
    assert report_run._describe_rc(["ansible-playbook"], 4) == \
        "exit code 4 (one or more hosts unreachable, or a parse error)"
    assert report_run._describe_rc(["env", "A=1", "ansible-playbook", "x.yml"], 6) == \
        "exit code 6 (one or more hosts failed; one or more hosts unreachable, or a parse error)"
    assert report_run._describe_rc(["ansible-playbook"], 250) == "exit code 250 (unexpected error)"
    assert report_run._describe_rc(["tools/x.sh"], 4) == "exit code 4"
    assert report_run._describe_rc(["tools/x.sh"], -9) == "killed by signal SIGKILL"
    assert report_run._program(["env", "ANSIBLE_CALLBACKS_ENABLED=x", "ansible-playbook", "drift.yml"]) == "ansible-playbook"


def test_a_failed_playbook_is_named_past_an_env_prefix(tmp_path):
    command = ["env", "MERIDIAN_X=1", sys.executable, "-c", "import sys; sys.exit(3)"]
    result, _report_dir = _run(tmp_path, command=command)
    assert result.returncode == 1
    assert "drift: %s failed: exit code 3" % os.path.basename(sys.executable) in result.stderr
