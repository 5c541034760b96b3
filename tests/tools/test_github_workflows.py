# -*- coding: utf-8 -*-
""".github/workflows: actionlint and the GitHub workflow JSON schema (check-jsonschema), offline; what each workflow does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
WORKFLOWS = sorted(glob.glob(os.path.join(ROOT, ".github", "workflows", "*.yml")))


def _actionlint(*paths, cwd=ROOT):
    return subprocess.run([os.path.join(BIN, "actionlint"), "-no-color"] + list(paths), cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=120)


def _check_jsonschema(*paths):
    return subprocess.run([os.path.join(BIN, "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
                          + list(paths), capture_output=True, text=True, check=False, timeout=120)


def _load(name):
    with open(os.path.join(ROOT, ".github", "workflows", name)) as handle:
        return yaml.safe_load(handle)


def _steps_using(job, action):
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def test_there_are_workflows():
    assert [os.path.basename(w) for w in WORKFLOWS] == ["ci.yml", "deploy.yml"]


def test_actionlint_passes():
    run = _actionlint(*WORKFLOWS)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_github_workflow_schema_passes():
    run = _check_jsonschema(*WORKFLOWS)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture
def broken(tmp_path):
    """A copy of ci.yml with a misspelt key, an unknown job in needs and an undefined expression context."""
    with open(os.path.join(ROOT, ".github", "workflows", "ci.yml")) as handle:
        text = handle.read()
    text = text.replace("runs-on: ubuntu-24.04\n    timeout-minutes: 30", "runs_on: ubuntu-24.04\n    timeout-minutes: 30", 1)
    text = text.replace("  tests:\n    runs-on", "  tests:\n    needs: [linting]\n    runs-on", 1)
    path = tmp_path / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    shutil.copy(os.path.join(ROOT, ".github", "workflows", "deploy.yml"), str(path.parent / "deploy.yml"))
    return str(path)


def test_actionlint_names_what_is_wrong(broken):
    run = _actionlint(broken, cwd=os.path.dirname(os.path.dirname(os.path.dirname(broken))))
    assert run.returncode == 1
    assert 'unexpected key "runs_on" for "job" section' in run.stdout
    assert 'job "tests" needs job "linting" which does not exist' in run.stdout


def test_the_schema_refuses_it(broken):
    run = _check_jsonschema(broken)
    assert run.returncode == 1
    assert "ci.yml" in run.stdout + run.stderr


def test_pull_requests_run_lint_tests_and_the_plan_with_reports():
    ci = _load("ci.yml")
    triggers = ci[True] if True in ci else ci["on"]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert {"lint", "tests", "plan"} <= set(ci["jobs"])
    plan = ci["jobs"]["plan"]
    runs = "\n".join(step.get("run", "") for step in plan["steps"])
    assert "playbooks/provision.yml -i inventories/local --check --diff" in runs
    assert "tools/drift.sh" in runs and "make compliance" in runs
    assert plan["permissions"]["security-events"] == "write"
    sarif = sorted(step["with"]["sarif_file"] for step in _steps_using(plan, "github/codeql-action/upload-sarif"))
    assert sarif == ["reports/compliance/results.sarif", "reports/drift/results.sarif"]
    assert [step["with"]["path"] for step in _steps_using(plan, "actions/upload-artifact")] == ["reports/"]


def test_real_accounts_use_oidc_and_approval_before_apply_and_drift_nightly():
    deploy = _load("deploy.yml")
    triggers = deploy[True] if True in deploy else deploy["on"]
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] == [{"cron": "0 2 * * *"}]
    for name, job in deploy["jobs"].items():
        creds = _steps_using(job, "aws-actions/configure-aws-credentials")
        assert len(creds) == 1, name
        assert creds[0]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
        assert "aws-access-key-id" not in creds[0]["with"]
        assert job["permissions"]["id-token"] == "write"
        assert job.get("environment"), name
    apply = deploy["jobs"]["apply"]
    assert apply["needs"] == "plan"
    assert apply["environment"] == "${{ matrix.env }}"
    nightly_runs = "\n".join(step.get("run", "") for step in deploy["jobs"]["nightly"]["steps"])
    assert "tools/drift.sh -i inventories/prod" in nightly_runs
