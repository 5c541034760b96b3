# -*- coding: utf-8 -*-
"""The drift_report callback: results of a check-mode run in, the reports (and errors, unchecked tasks) out."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.meridian.global_infra.plugins.callback.drift_report import CallbackModule


class _Task(object):
    def __init__(self, action, name, check_mode=True):
        self.resolved_action = action
        self.action = action
        self.check_mode = check_mode
        self.ignore_errors = False
        self._name = name

    def get_name(self):
        return self._name


class _Host(object):
    def __init__(self, name):
        self._name = name

    def get_name(self):
        return self._name


class _Result(object):
    def __init__(self, action, result, name="A task", host="aws-us-east-1", check_mode=True):
        self._task = _Task(action, name, check_mode)
        self._host = _Host(host)
        self._result = result


SG = {"changed": True, "invocation": {"module_args": {"name": "meridian-local-app", "region": "us-east-1"}},
      "diff": [{"before": {"ip_permissions": [{"from_port": 22}]}, "after": {"ip_permissions": []}}]}
VPC = {"changed": False, "invocation": {"module_args": {"name": "meridian-local", "region": "us-east-1"}}}
SKIPPED = {"skipped": True, "msg": "remote module (community.aws.s3_lifecycle) does not support check mode",
           "invocation": {"module_args": {"name": "b", "region": "us-east-1"}}}
SCAN = {"changed": False, "vpcs": ["vpc-1"], "invocation": {"module_args": {"region": "us-east-1"}},
        "unmanaged": [{"kind": "instance", "id": "i-1", "name": "", "vpc_id": "vpc-1", "region": "us-east-1",
                       "reason": "inside the estate's VPC vpc-1 without the estate's tags"}]}


def _callback(tmp_path):
    callback = CallbackModule()
    # the option as the plugin loader would resolve it (MERIDIAN_DRIFT_REPORT_DIR / drift_report.report_dir)
    callback.get_option = lambda name, hostvars=None: {"report_dir": str(tmp_path)}[name]
    return callback


def _read(tmp_path, name):
    with open(os.path.join(str(tmp_path), name)) as handle:
        return json.load(handle)


def test_drift_and_unmanaged_are_written(tmp_path):
    callback = _callback(tmp_path)
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_security_group", SG))
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_vpc_net", VPC))
    callback.v2_runner_item_on_skipped(_Result("community.aws.s3_lifecycle", SKIPPED))
    callback.v2_runner_on_ok(_Result("meridian.global_infra.estate_resources_info", SCAN))
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_security_group", SG, check_mode=False))  # ignored
    callback.v2_playbook_on_stats(None)
    report = _read(tmp_path, "findings.json")
    assert report["summary"]["by_kind"] == {"drift": 1, "unmanaged": 1, "compliance": 0}
    drift = [f for f in report["findings"] if f["kind"] == "drift"][0]
    assert (drift["resource_id"], drift["field"], drift["expected"], drift["actual"]) == (
        "meridian-local-app", "ip_permissions", [], [{"from_port": 22}])
    assert set(r["resource_id"] for r in report["resources"]) >= {"meridian-local", "meridian-local-app", "vpc-1", "i-1"}
    assert _read(tmp_path, "errors.json") == []
    assert [u["action"] for u in _read(tmp_path, "unchecked.json")] == ["community.aws.s3_lifecycle"]
    for name in ("junit.xml", "results.sarif", "summary.md", "ocsf.json"):
        assert os.path.exists(os.path.join(str(tmp_path), name))


def test_a_converged_run_writes_an_empty_report(tmp_path):
    callback = _callback(tmp_path)
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_vpc_net", VPC))
    callback.v2_playbook_on_stats(None)
    report = _read(tmp_path, "findings.json")
    assert report["findings"] == [] and report["summary"]["resources"] == 1 and report["complete"]


def test_a_failed_run_writes_errors_and_no_report(tmp_path):
    callback = _callback(tmp_path)
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_vpc_net", VPC))
    callback.v2_runner_on_failed(_Result("amazon.aws.ec2_vpc_net", {
        "failed": True, "msg": "Could not connect to the endpoint URL: http://127.0.0.1:1/"}, "Create the VPC"))
    callback.v2_playbook_on_stats(None)
    errors = _read(tmp_path, "errors.json")
    assert errors[0]["task"] == "Create the VPC" and "Could not connect" in errors[0]["msg"]
    report = _read(tmp_path, "findings.json")
    assert report["complete"] is False and "Could not connect" in report["errors"][0]


def test_a_run_outside_check_mode_is_an_error(tmp_path):
    callback = _callback(tmp_path)
    callback.v2_runner_on_ok(_Result("amazon.aws.ec2_vpc_net", VPC, check_mode=False))
    callback.v2_playbook_on_stats(None)
    assert "check mode" in _read(tmp_path, "errors.json")[0]["msg"]
    assert _read(tmp_path, "findings.json")["complete"] is False
