# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: drift_report
type: aggregate
short_description: Write the drift report of a check-mode run (JSON, JUnit XML, SARIF, Markdown, OCSF)
version_added: 0.2.0
description:
  - Collects the results of a C(--check --diff) run of C(playbooks/drift.yml) (the provision roles in check
    mode, then the unmanaged-resource scan) and writes the drift report when the run ends.
  - A task that would change a resource is drift. Each field of the module's diff that differs is one finding,
    with the field, the expected value (what the code declares, the diff's C(after)) and the actual one (what the
    estate holds, C(before)). A module that gives no diff is still reported, naming its resource (from its
    arguments or loop label) and, where the role's loop label lists them as C(<resource> (<field>, <field>)), the
    fields, with the module argument of that name as the expected value.
  - The results of M(meridian.global_infra.estate_resources_info) are reported as unmanaged resources, apart from
    drift (their own kind).
  - Tasks that Ansible skipped because their module has no check mode are not drift; they are listed as not
    checked (C(unchecked.json) and the run's summary). Failed tasks and unreachable hosts are written to
    C(errors.json) and recorded as the report's errors (a report with errors is never clean);
    C(tools/drift.sh) then exits 1 with their reason.
  - Results of tasks that ran outside check mode are ignored (C(playbooks/drift.yml) refuses to run without
    C(--check)).
  - Files are written by the collection's reports package (C(plugins/module_utils/reports)) into O(report_dir).
requirements:
  - enabled in the run (C(ANSIBLE_CALLBACKS_ENABLED=meridian.global_infra.drift_report)); C(tools/drift.sh) does it
options:
  report_dir:
    description:
      - The directory the reports are written to (created if missing). C(tools/report_run.py) gives it in
        E(MERIDIAN_REPORT_DIR); E(MERIDIAN_DRIFT_REPORT_DIR) wins over it.
    type: path
    default: reports/drift
    env:
      - name: MERIDIAN_REPORT_DIR
      - name: MERIDIAN_DRIFT_REPORT_DIR
    ini:
      - section: drift_report
        key: report_dir
"""

EXAMPLES = r"""
# tools/drift.sh and make drift run this through tools/report_run.py; by hand:
#   ANSIBLE_CALLBACKS_ENABLED=meridian.global_infra.drift_report MERIDIAN_DRIFT_REPORT_DIR=reports/drift \
#   ansible-playbook playbooks/drift.yml -i inventories/prod --check --diff
# or in ansible.cfg:
#   [defaults]
#   callbacks_enabled = meridian.global_infra.drift_report
#   [drift_report]
#   report_dir = reports/drift
"""

import json
import os

from ansible.plugins.callback import CallbackBase

from ansible_collections.meridian.global_infra.plugins.module_utils.drift import changes

SCAN_ACTION = "meridian.global_infra.estate_resources_info"


def _key(finding):
    return (finding["kind"], finding["provider"], finding["region"], finding["resource_type"], finding["resource_id"],
            finding.get("field", ""))


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "meridian.global_infra.drift_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self.findings = {}
        self.checked = {}
        self.unchecked = {}
        self.errors = []
        self.check_mode_seen = False

    # --- what one result says -------------------------------------------------------------------
    def _context(self, result):
        task = result._task
        action = task.resolved_action or task.action or ""
        res = result._result
        args = (res.get("invocation") or {}).get("module_args") or {}
        label = res.get("_ansible_item_label") if res.get("ansible_loop_var") or "_ansible_item_label" in res else None
        return task, action, res, args, label

    def _record(self, result, skipped=False):
        task, action, res, args, label = self._context(result)
        if skipped and not res.get("skipped"):  # an item's result may come without its skipped flag
            res = dict(res, skipped=True)
        if not task.check_mode:
            return
        self.check_mode_seen = True
        host = result._host.get_name()
        region = args.get("region") or ""
        if action == SCAN_ACTION and not res.get("failed") and not res.get("skipped"):
            for finding in changes.unmanaged_findings(res, region):
                self.findings.setdefault(_key(finding), finding)
            for vpc in res.get("vpcs") or []:
                self.checked[("aws", region, "vpc", vpc)] = {"resource_id": vpc, "resource_type": "vpc", "region": region,
                                                             "provider": "aws"}
            return
        if changes.unchecked(action, res):
            name = changes.resource_name(args, label, task.get_name())
            self.unchecked[(host, task.get_name(), name)] = {"host": host, "task": task.get_name(), "action": action,
                                                             "resource": name}
            return
        checked = changes.checked_resource(action, res, args, label, task.get_name(), region)
        if checked:
            self.checked.setdefault((checked["provider"], checked["region"], checked["resource_type"],
                                     checked["resource_id"]), checked)
        for finding in changes.drift_findings(action, res, args, label, task.get_name(), region):
            self.findings.setdefault(_key(finding), finding)

    def _error(self, result, what):
        res = result._result
        self.errors.append({"host": result._host.get_name(), "task": result._task.get_name(), "what": what,
                            "msg": str(res.get("msg") or res.get("reason") or res.get("stderr") or "")[:2000]})

    # --- the events ----------------------------------------------------------------------------------
    @staticmethod
    def _loop(result):
        """A loop task's own result: its items came one by one (v2_runner_item_on_*)."""
        task = result._task
        return "results" in result._result or getattr(task, "loop", None) is not None or bool(getattr(task, "loop_with", None))

    def v2_runner_on_ok(self, result):
        if not self._loop(result):
            self._record(result)

    def v2_runner_item_on_ok(self, result):
        self._record(result)

    def v2_runner_on_skipped(self, result):
        if not self._loop(result):
            self._record(result, skipped=True)

    def v2_runner_item_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors and not self._loop(result):  # a failed loop's failed items are recorded
            self._error(result, "failed")

    def v2_runner_item_on_failed(self, result):
        if not result._task.ignore_errors:
            self._error(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._error(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        out_dir = os.path.abspath(self.get_option("report_dir"))
        if not os.path.isdir(out_dir):
            os.makedirs(out_dir)
        findings = changes.merge(sorted(self.findings.values(), key=_key))
        checked = sorted(self.checked.values(), key=lambda c: (c["provider"], c["region"], c["resource_type"],
                                                               c["resource_id"]))
        self._write_json(os.path.join(out_dir, "errors.json"), self.errors)
        self._write_json(os.path.join(out_dir, "unchecked.json"), sorted(self.unchecked.values(),
                                                                         key=lambda u: (u["host"], u["task"], u["resource"])))
        if not self.check_mode_seen and not self.errors:
            self.errors.append({"host": "", "task": "", "what": "not checked",
                                "msg": "no task ran in check mode: run drift.yml with --check --diff (tools/drift.sh)"})
            self._write_json(os.path.join(out_dir, "errors.json"), self.errors)
        if self.errors:
            # a report that records errors is never a clean one: the wrapper exits 1 and prints them
            errors_file = os.path.join(out_dir, "errors.json")
            self._display.warning("drift: the run failed (%d errors): %s" % (len(self.errors), errors_file))
            self._write_reports(findings, out_dir, checked, ["%s%s: %s" % (
                e["host"] + " " if e["host"] else "", e["task"] or e["what"], e["msg"]) for e in self.errors])
            return
        self._write_reports(findings, out_dir, checked)
        drifted = len([f for f in findings if f["kind"] == "drift"])
        unmanaged = len(findings) - drifted
        self._display.display("drift: %d drift findings, %d unmanaged resources, %d resources checked, %d tasks not "
                              "checked (no check mode); reports in %s" % (drifted, unmanaged, len(checked),
                                                                          len(self.unchecked), out_dir))
        for finding in findings:
            self._display.display("  %s" % finding["message"])

    @staticmethod
    def _write_json(path, data):
        with open(path, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True, default=str)
            handle.write("\n")

    @staticmethod
    def _write_reports(findings, out_dir, checked, errors=None):
        from ansible_collections.meridian.global_infra.plugins.module_utils.reports import write_reports
        write_reports(findings, out_dir, "meridian-drift", checked, errors)
