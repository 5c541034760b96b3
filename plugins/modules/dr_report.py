#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_report
short_description: Compute and write the report of a disaster-recovery failover drill
version_added: 0.1.0
description:
  - Computes the drill's phase timings, RTO (fault injected until the standby was verified serving),
    RPO (markers acknowledged by the primary but missing on the promoted standby, in markers and
    seconds) and pass/fail per target, from timestamps and marker sequences the drill collected.
  - Writes the report as JSON, Markdown and a self-contained HTML page with an inline SVG timeline
    into O(dest), named C(<basename>.json), C(<basename>.md) and C(<basename>.html).
  - The same input always gives byte-identical files; a file is only written when its content differs.
  - Bad input (unknown target, phase finishing before it starts, verification before the fault, ...)
    is rejected before anything is written.
author:
  - Meridian platform engineering (@meridian)
options:
  dest:
    description: Directory the report files are written to (created when missing).
    type: path
    required: true
  basename:
    description: File name without extension.
    type: str
    default: dr-drill
  scenario:
    description:
      - What was drilled. Keys C(name), C(primary_region), C(standby_region) and C(mode) are required;
        C(mode) is one of V(full), V(gameday), V(readiness), V(resume), V(rollback).
      - Other keys (engine, service name, ...) are copied into the report.
    type: dict
    required: true
  targets:
    description:
      - Limits the drill is judged against. Keys among C(rto_seconds), C(rto_users_seconds), C(rpo_markers),
        C(rpo_seconds), C(replica_lag_seconds); a measured value above its limit fails the drill.
    type: dict
    default: {rto_seconds: 30, rpo_markers: 0}
  phases:
    description:
      - The phases as run, each C(name), C(started), C(finished) (epoch seconds or ISO 8601),
        optional C(status) (V(ok), V(failed), V(skipped)) and C(detail).
    type: list
    elements: dict
    default: []
  events:
    description:
      - Named instants (epoch seconds or ISO 8601). C(fault_injected) and C(users_write_again) (or, without a
        writer, C(standby_verified)) give C(rto_seconds); see O(rto_model) for the parts of C(rto_users_seconds).
    type: dict
    default: {}
  markers:
    description:
      - C(acknowledged), a list of C(seq) and C(acked_at) for every marker the primary acknowledged,
        and C(present), the list of sequences the promoted standby holds. Gives the RPO.
      - C(discarded) (optional), the sequences the old primary held and the promoted one did not, which failing
        back (rewinding the old primary) discards; counted as C(discarded_on_failback) in the measurements and
        listed in the report.
    type: dict
  checks:
    description: Preflight and verification checks, each C(name), C(passed) (bool) and C(detail). Any failed check fails the drill.
    type: list
    elements: dict
    default: []
  anomalies:
    description: Things observed during the drill worth a human's attention.
    type: list
    elements: str
    default: []
  cleanup:
    description: C(confirmed) (bool) and C(detail), whether failback restored the pre-drill state.
    type: dict
    default: {}
  replica_lag_seconds:
    description: Replica lag measured at preflight, judged against C(targets.replica_lag_seconds).
    type: float
  rto_model:
    description:
      - The settings that split RTO as users see it into parts (C(rto_users_seconds)), from the fault to the first
        write users could make through the failover name. Without it, only C(rto_seconds) is reported.
      - C(request_interval) (10 or 30) and C(failure_threshold) (1 to 10), the primary's Route 53 health check
        settings; C(ttl), the seconds a resolver caches the answer (the record's TTL, or an alias target's);
        C(ttl_from), where the TTL comes from (free text).
      - C(detection) is V(modelled) (detection takes C(request_interval) x C(failure_threshold) seconds, then
        resolvers keep the old answer C(ttl) seconds) or V(measured) (real DNS was polled and the event
        C(dns_answer_changed) says when it stopped answering with the primary).
      - Needs the events C(fault_injected) and C(users_write_again); C(promotion_started) and C(standby_promoted)
        add the promotion as a part of its own. Events that do not fit together (a write before the promotion
        started) leave C(rto_users_seconds) unmeasured and add an anomaly; the report is still written.
    type: dict
attributes:
  check_mode:
    support: full
    description: Computes the report and reports which files would change; writes nothing.
  diff_mode:
    support: full
    description: Returns the Markdown report before and after.
notes:
  - The HTML page has no external resource (inline CSS and SVG), so it can be attached to a ticket or mail as is.
seealso:
  - module: meridian.global_infra.dr_markers
    description: Writes and reads the sequenced markers whose timings the report measures.
  - module: meridian.global_infra.route53_failover
    description: Forces and restores the Route 53 answer the report times.
  - name: Disaster-recovery drill guide
    description: The disaster-recovery drill guide (phases, engines, report).
    link: https://github.com/meridian/global_infra/blob/main/docs/dr_drill.md
"""

EXAMPLES = r"""
- name: Write the drill report
  meridian.global_infra.dr_report:
    dest: "{{ playbook_dir }}/../.state/dr"
    scenario:
      name: us-east-1 to eu-west-1
      primary_region: us-east-1
      standby_region: eu-west-1
      mode: full
      engine: postgresql
    targets:
      rto_seconds: 30
      rpo_markers: 0
    phases:
      - {name: inject, started: 1738324800.0, finished: 1738324800.4}
      - {name: recover, started: 1738324800.4, finished: 1738324806.9}
    events:
      fault_injected: 1738324800.2
      standby_verified: 1738324806.8
    markers:
      acknowledged: [{seq: 1, acked_at: 1738324799.1}, {seq: 2, acked_at: 1738324799.2}]
      present: [1, 2]
    cleanup: {confirmed: true, detail: check mode reports no change}
  register: report

- name: Stop when the drill failed
  ansible.builtin.fail:
    msg: "{{ report.report.reasons }}"
  when: not report.report.passed
"""

RETURN = r"""
report:
  description: The report model (what the JSON file holds).
  returned: always
  type: dict
  contains:
    passed:
      description: True when every check passed, every measured target is within its limit and (full drills) cleanup is confirmed.
      type: bool
      sample: true
    reasons:
      description: Why the drill failed, one line each; empty when it passed.
      type: list
      elements: str
      sample: []
    measured:
      description: Measured values by target key.
      type: dict
      sample: {rto_seconds: 6.6, rpo_markers: 0, rpo_seconds: 0.0}
    results:
      description: Pass/fail per target (C(pass), C(fail), C(not_measured)).
      type: list
      elements: dict
      sample: [{target: rto_seconds, limit: 30, measured: 6.6, status: pass}]
    phases:
      description: Phases with start, end and duration in seconds.
      type: list
      elements: dict
    timeline:
      description: The events in time order, each C(name), C(at), C(at_iso) and C(source) (V(measured) or V(modelled)).
      type: list
      elements: dict
    rto_users:
      description:
        - RTO as users see it (with O(rto_model)), else null. C(seconds), C(ends_with) (V(dns) or V(database), the
          path that ended last), C(source) and C(parts), each C(name), C(path), C(started_at), C(seconds), C(source)
          and C(how).
      type: dict
      sample: {seconds: 150.0, ends_with: dns, source: modelled}
files:
  description: Paths of the report files.
  returned: always
  type: dict
  sample: {json: /srv/dr/dr-drill.json, markdown: /srv/dr/dr-drill.md, html: /srv/dr/dr-drill.html}
written:
  description: The files whose content changed (would change in check mode).
  returned: always
  type: list
  elements: str
  sample: [/srv/dr/dr-drill.json]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import (
    DrillError,
    build_report,
    render_html,
    render_json,
    render_markdown,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.rto import check_model, rto_parts


def _read(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def run(module):
    p = module.params
    rto_users = None
    anomalies = list(p["anomalies"])
    if p["rto_model"] is not None:
        check_model(p["rto_model"])
        if all(p["events"].get(k) not in (None, "") for k in ("fault_injected", "users_write_again")):
            try:
                rto_users = rto_parts(p["events"], p["rto_model"])
            except DrillError as err:
                # the drill's own timings do not fit together: the report is still written, and says so
                if not (err.field or "").startswith("events."):
                    raise
                anomalies.append("RTO as users see it not computed: %s" % err)
    report = build_report(p["scenario"], p["targets"], p["phases"], events=p["events"], markers=p["markers"],
                          checks=p["checks"], anomalies=anomalies, cleanup=p["cleanup"],
                          replica_lag_seconds=p["replica_lag_seconds"], rto_users=rto_users)
    dest = p["dest"]
    files = {
        "json": os.path.join(dest, p["basename"] + ".json"),
        "markdown": os.path.join(dest, p["basename"] + ".md"),
        "html": os.path.join(dest, p["basename"] + ".html"),
    }
    content = {"json": render_json(report), "markdown": render_markdown(report), "html": render_html(report)}
    before_md = _read(files["markdown"])
    written = sorted(files[k] for k in files if _read(files[k]) != content[k])
    if written and not module.check_mode:
        if not os.path.isdir(dest):
            os.makedirs(dest, mode=0o755)
        for kind, path in files.items():
            if path in written:
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    handle.write(content[kind])
                os.chmod(tmp, 0o644)
                module.atomic_move(tmp, path)
    result = {"changed": bool(written), "report": report, "files": files, "written": written}
    if module._diff:
        result["diff"] = {"before": before_md or "", "after": content["markdown"],
                          "before_header": files["markdown"], "after_header": files["markdown"]}
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            basename=dict(type="str", default="dr-drill"),
            scenario=dict(type="dict", required=True),
            targets=dict(type="dict", default={"rto_seconds": 30, "rpo_markers": 0}),
            phases=dict(type="list", elements="dict", default=[]),
            events=dict(type="dict", default={}),
            markers=dict(type="dict"),
            checks=dict(type="list", elements="dict", default=[]),
            anomalies=dict(type="list", elements="str", default=[]),
            cleanup=dict(type="dict", default={}),
            replica_lag_seconds=dict(type="float"),
            rto_model=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        if "/" in p["basename"] or not p["basename"]:
            raise MeridianError("basename", "%r must be a plain file name without '/'; set basename to e.g. dr-drill"
                                % p["basename"])
        try:
            result = run(module)
        except DrillError as err:
            raise DrillError(err.field, "%s (fix this input of dr_report; nothing was written)" % err.message)
        except (IOError, OSError) as err:
            raise MeridianError("dest", "cannot write the report under %s: %s; choose a writable directory" % (p["dest"], err))
        module.exit_json(**result)
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
