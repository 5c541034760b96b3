# -*- coding: utf-8 -*-
"""tools/awx/runner_job.py: a playbook run through ansible-runner as AWX runs a job, and its events read back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "awx"))

import runner_job  # noqa: E402


def _stats(**counters):
    """A playbook_on_stats event as ansible-runner writes it (job_events/*.json)."""
    data = {"playbook": "provision.yml", "playbook_uuid": "7c3d", "artifact_data": {}, "processed": {}}
    for key in ("changed", "dark", "failures", "ignored", "ok", "rescued", "skipped"):
        data[key] = counters.get(key, {})
    return {"uuid": "e1", "counter": 99, "event": "playbook_on_stats", "event_data": data}


def test_the_last_stats_event_is_used():
    first = _stats(ok={"a": 1})
    last = _stats(ok={"a": 2})
    events = [{"event": "playbook_on_start"}, first, {"event": "runner_on_ok"}, last]
    assert runner_job.stats_event(events) is last
    assert runner_job.stats_event([{"event": "playbook_on_start"}]) is None


def test_host_summaries_name_every_host_with_every_counter():
    stats = _stats(ok={"aws-us-east-1": 40, "aws-eu-west-1": 38, "localhost": 3}, changed={"aws-us-east-1": 2},
                   failures={"aws-eu-west-1": 1}, dark={"k8s-us-east-1": 1}, skipped={"localhost": 5})["event_data"]
    summaries = runner_job.host_summaries(stats)
    assert sorted(summaries) == ["aws-eu-west-1", "aws-us-east-1", "k8s-us-east-1", "localhost"]
    assert summaries["aws-us-east-1"] == {"ok": 40, "changed": 2, "failed": 0, "unreachable": 0, "skipped": 0,
                                          "rescued": 0, "ignored": 0}
    assert summaries["aws-eu-west-1"]["failed"] == 1
    assert summaries["k8s-us-east-1"] == {"ok": 0, "changed": 0, "failed": 0, "unreachable": 1, "skipped": 0,
                                          "rescued": 0, "ignored": 0}


def test_summary_lists_failed_unreachable_and_changed_hosts():
    events = [_stats(ok={"a": 3, "b": 3, "c": 1}, changed={"b": 1}, failures={"c": 1}, dark={"d": 1})]
    result = runner_job.summarize("failed", 2, events)
    assert result["status"] == "failed" and result["rc"] == 2
    assert result["failed_hosts"] == ["c", "d"]
    assert result["changed_hosts"] == ["b"]
    assert result["totals"]["ok"] == 7 and result["totals"]["unreachable"] == 1


@pytest.mark.parametrize("status, rc, changed, expect_no_changes, code", [
    ("successful", 0, {}, False, runner_job.EXIT_OK),
    ("successful", 0, {"a": 1}, False, runner_job.EXIT_OK),
    ("successful", 0, {"a": 1}, True, runner_job.EXIT_CHANGED),
    ("successful", 0, {}, True, runner_job.EXIT_OK),
    ("failed", 2, {}, False, runner_job.EXIT_FAILED),
    ("error", 1, {}, False, runner_job.EXIT_FAILED),
    ("successful", 4, {}, False, runner_job.EXIT_FAILED),
])
def test_exit_codes(status, rc, changed, expect_no_changes, code):
    result = runner_job.summarize(status, rc, [_stats(ok={"a": 1}, changed=changed)])
    assert runner_job.exit_code(result, expect_no_changes) == code


def test_a_run_without_stats_is_its_own_exit_code():
    result = runner_job.summarize("successful", 0, [{"event": "playbook_on_start"}])
    assert result["hosts"] is None
    assert runner_job.exit_code(result) == runner_job.EXIT_NO_STATS


@pytest.mark.parametrize("bad", [[_stats(ok=["a"])], ["not an event"]])
def test_malformed_events_are_refused(bad):
    with pytest.raises(runner_job.RunnerJobError):
        runner_job.summarize("successful", 0, bad)


def test_extra_vars(tmp_path):
    extra = tmp_path / "vars.yml"
    extra.write_text("teardown_delete_data: false\nlist: [1, 2]\n")
    assert runner_job.parse_extravars(["a=1", "@%s" % extra, "b=", "a=x=y"]) == {
        "a": "x=y", "b": "", "teardown_delete_data": False, "list": [1, 2]}
    with pytest.raises(ValueError):
        runner_job.parse_extravars(["novalue"])


def _project(tmp_path, fail_on=None):
    """A small project: two hosts on the local connection; FAIL_ON fails on one of them."""
    project = tmp_path / "project"
    (project / "playbooks").mkdir(parents=True)
    (project / "inventory").mkdir()
    (project / "ansible.cfg").write_text("[defaults]\nstdout_callback = ansible.builtin.default\n")
    (project / "inventory" / "hosts.yml").write_text(
        "all:\n  hosts:\n    one: {ansible_connection: local, ansible_python_interpreter: '%s'}\n"
        "    two: {ansible_connection: local, ansible_python_interpreter: '%s'}\n" % (sys.executable, sys.executable))
    (project / "playbooks" / "job.yml").write_text(
        "- hosts: all\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.debug: {msg: '{{ greeting }}'}\n"
        "    - ansible.builtin.command: 'true'\n      changed_when: inventory_hostname == 'two'\n"
        "    - ansible.builtin.fail: {msg: broken}\n      when: inventory_hostname == '%s'\n" % (fail_on or ""))
    return str(project)


def test_a_job_runs_through_ansible_runner_in_a_private_data_dir(tmp_path):
    project = _project(tmp_path)
    pdd = str(tmp_path / "pdd")
    result, runner = runner_job.run_job("playbooks/job.yml", "inventory/hosts.yml", extravars={"greeting": "hello"},
                                        private_data_dir=pdd, project_dir=project)
    assert (result["status"], result["rc"]) == ("successful", 0)
    assert result["hosts"]["one"]["ok"] == 2 and result["hosts"]["one"]["changed"] == 0
    assert result["hosts"]["two"]["ok"] == 2 and result["hosts"]["two"]["changed"] == 1
    assert result["changed_hosts"] == ["two"] and result["failed_hosts"] == []
    # AWX's private data dir: the extra vars in env/, the job's artifacts (rc, status, events) under artifacts/
    with open(os.path.join(pdd, "env", "extravars")) as handle:
        assert "greeting" in handle.read()
    with open(os.path.join(result["artifact_dir"], "status")) as handle:
        assert handle.read() == "successful"
    events = os.listdir(os.path.join(result["artifact_dir"], "job_events"))
    assert any(name.endswith(".json") for name in events)
    assert runner.rc == 0


def test_a_private_data_dir_used_again_runs_the_new_jobs_inputs(tmp_path):
    """ansible-runner writes env/extravars, env/envvars and env/cmdline only when they are absent, and
    reads them back over what it is given: each job must run with its own, not the previous job's."""
    project = _project(tmp_path)
    pdd = str(tmp_path / "pdd")
    first, _runner = runner_job.run_job("playbooks/job.yml", "inventory/hosts.yml", extravars={"greeting": "hello"},
                                        private_data_dir=pdd, project_dir=project, check=True,
                                        envvars={"MERIDIAN_JOB": "first"})
    # in check mode the command task is skipped, so host two changes nothing
    assert (first["status"], first["changed_hosts"]) == ("successful", [])
    second, _runner = runner_job.run_job("playbooks/job.yml", "inventory/hosts.yml", extravars={"greeting": "bye"},
                                         private_data_dir=pdd, project_dir=project)
    assert (second["status"], second["changed_hosts"]) == ("successful", ["two"])
    with open(os.path.join(second["artifact_dir"], "stdout")) as handle:
        out = handle.read()
    assert "bye" in out and "hello" not in out
    with open(os.path.join(pdd, "env", "envvars")) as handle:
        assert "MERIDIAN_JOB" not in handle.read()
    assert not os.path.exists(os.path.join(pdd, "env", "cmdline"))


def test_a_failing_job_is_failed_with_the_host_named(tmp_path):
    project = _project(tmp_path, fail_on="two")
    result, _runner = runner_job.run_job("playbooks/job.yml", "inventory/hosts.yml", extravars={"greeting": "hi"},
                                         private_data_dir=str(tmp_path / "pdd"), project_dir=project)
    assert (result["status"], result["rc"]) == ("failed", 2)
    assert result["failed_hosts"] == ["two"]
    assert result["hosts"]["one"]["failed"] == 0 and result["hosts"]["two"]["failed"] == 1
    assert runner_job.exit_code(result) == runner_job.EXIT_FAILED


def test_the_cli_prints_the_summary_and_checks_paths(capsys):
    assert runner_job.main(["--playbook", "playbooks/nope.yml", "--inventory", "inventories/local"]) == runner_job.EXIT_USAGE
    assert "playbooks/nope.yml does not exist" in capsys.readouterr().err
    assert runner_job.main(["--playbook", "playbooks/provision.yml", "--inventory", "inventories/local",
                            "-e", "novalue"]) == runner_job.EXIT_USAGE
    assert runner_job.main(["--playbook", "playbooks/provision.yml", "--inventory", "inventories/local",
                            "--env", "NOVALUE"]) == runner_job.EXIT_USAGE


def test_the_cli_passes_its_options_and_prints_what_run_job_returns(tmp_path, monkeypatch, capsys):
    fake = {"status": "successful", "rc": 0, "hosts": {"a": dict.fromkeys(runner_job.STATS_KEYS.values(), 0)},
            "failed_hosts": [], "changed_hosts": [], "totals": {}, "artifact_dir": str(tmp_path),
            "private_data_dir": str(tmp_path)}
    calls = []
    monkeypatch.setattr(runner_job, "run_job", lambda *a, **k: calls.append(k) or (fake, None))
    assert runner_job.main(["--playbook", "playbooks/drift.yml", "--inventory", "inventories/local", "--check", "--diff",
                            "--env", "MERIDIAN_REPORT_DIR=/tmp/r", "-e", "a=1", "--expect-no-changes"]) == 0
    assert json.loads(capsys.readouterr().out) == fake
    assert calls[0]["envvars"] == {"MERIDIAN_REPORT_DIR": "/tmp/r"}
    assert calls[0]["check"] and calls[0]["diff"] and calls[0]["extravars"] == {"a": "1"}


def test_a_real_provision_runs_stats_match_its_play_recap():
    """The playbook_on_stats event of provision.yml run through ansible-runner on the local stack."""
    import re

    with open(os.path.join(ROOT, "tests", "tools", "fixtures", "runner_provision_stats.json")) as handle:
        event = json.load(handle)
    result = runner_job.summarize("successful", 0, [{"event": "playbook_on_start"}, event])
    recap = re.sub(r"\x1b\[[0-9;]*m", "", event["stdout"])
    lines = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
                       r"rescued=(\d+)\s+ignored=(\d+)", recap, re.M)
    assert len(lines) == 4
    for host, *counts in lines:
        assert result["hosts"][host] == dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                                                 map(int, counts)))
    assert result["failed_hosts"] == []
    assert result["totals"]["changed"] == 101


def _exported():
    """An inventory as ``ansible-inventory --list --export`` prints it: groups, group vars, host vars."""
    return {
        "_meta": {"hostvars": {"aws-eu-west-1": {"meridian_region": "eu-west-1"},
                               "aws-us-east-1": {"meridian_region": "us-east-1"},
                               "k8s-us-east-1": {"meridian_provider": "k8s"}}},
        "all": {"children": ["ungrouped", "regions", "prometheus", "k8s_clusters"], "vars": {"meridian_env": "local"}},
        "regions": {"children": ["aws_regions"]},
        "aws_regions": {"hosts": ["aws-us-east-1", "aws-eu-west-1"], "vars": {"meridian_provider": "aws"}},
        "prometheus": {"hosts": ["localhost"]},
        "k8s_clusters": {"hosts": ["k8s-us-east-1"]},
    }


def test_hosts_are_sliced_in_name_order_one_in_turn_as_awx_does():
    data = _exported()
    assert runner_job.inventory_hosts(data) == ["aws-eu-west-1", "aws-us-east-1", "k8s-us-east-1", "localhost"]
    first, second = runner_job.slice_inventory(data, 1, 2), runner_job.slice_inventory(data, 2, 2)
    assert runner_job.inventory_hosts(first) == ["aws-eu-west-1", "k8s-us-east-1"]
    assert runner_job.inventory_hosts(second) == ["aws-us-east-1", "localhost"]
    # the groups and their variables stay; a group lists only the slice's hosts
    assert first["aws_regions"] == {"hosts": ["aws-eu-west-1"], "vars": {"meridian_provider": "aws"}}
    assert second["prometheus"] == {"hosts": ["localhost"]} and first["prometheus"] == {"hosts": []}
    assert first["all"] == data["all"] and first["regions"] == {"children": ["aws_regions"]}
    assert sorted(first["_meta"]["hostvars"]) == ["aws-eu-west-1", "k8s-us-east-1"]
    # the input is left as it was
    assert data == _exported()


@pytest.mark.parametrize("number, count", [(0, 2), (3, 2), (1, 0), ("1", 2)])
def test_a_slice_outside_the_count_is_refused(number, count):
    with pytest.raises(ValueError, match="slice number"):
        runner_job.slice_inventory(_exported(), number, count)


def test_a_slice_read_back_by_ansible_inventory_has_only_its_hosts(tmp_path):
    """The YAML inventory written for a slice, read by ansible-inventory, is the slice of the shipped inventory."""
    import yaml

    data = runner_job.export_inventory("inventories/local")
    pared = runner_job.slice_inventory(data, 2, 2)
    path = tmp_path / "inventory.yml"
    path.write_text(yaml.safe_dump(runner_job.yaml_inventory(pared)))
    back = runner_job.export_inventory(str(path))
    assert runner_job.inventory_hosts(back) == runner_job.inventory_hosts(pared)
    assert "aws-us-east-1" in runner_job.inventory_hosts(back) and "aws-eu-west-1" not in runner_job.inventory_hosts(back)
    for name, group in pared.items():
        if name in ("_meta", "all", "ungrouped"):
            continue
        assert sorted(back.get(name, {}).get("hosts", [])) == sorted(group.get("hosts", [])), name
        assert back.get(name, {}).get("vars", {}) == group.get("vars", {}), name
    assert back["all"].get("vars") == data["all"].get("vars")
    assert back["_meta"]["hostvars"] == pared["_meta"]["hostvars"]


def test_a_job_runs_on_ansible_cores_own_strategy_whatever_the_callers(tmp_path, monkeypatch):
    """AWX runs a job with the strategy of the project's ansible.cfg (none: linear), not the caller's Mitogen."""
    import types

    seen = []

    def run(**kwargs):
        seen.append(kwargs["envvars"])
        return types.SimpleNamespace(status="successful", rc=0, events=[], config=types.SimpleNamespace(artifact_dir=str(tmp_path)))

    monkeypatch.setitem(sys.modules, "ansible_runner", types.SimpleNamespace(run=run))
    monkeypatch.setenv("ANSIBLE_STRATEGY", "mitogen_linear")
    runner_job.run_job("playbooks/provision.yml", "inventories/local", private_data_dir=str(tmp_path))
    runner_job.run_job("playbooks/provision.yml", "inventories/local", private_data_dir=str(tmp_path),
                       envvars={"MERIDIAN_REPORT_DIR": "/tmp/r"})
    assert [env["ANSIBLE_STRATEGY"] for env in seen] == ["linear", "linear"]
    assert seen[1]["MERIDIAN_REPORT_DIR"] == "/tmp/r"
