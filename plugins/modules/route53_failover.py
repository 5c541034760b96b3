#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: route53_failover
short_description: Read, force and restore the answer of a Route 53 failover record pair
version_added: 0.1.0
description:
  - Reads the PRIMARY and SECONDARY failover records of one name, their health checks' settings and
    the health checkers' observations, and returns the answer Route 53 gives, evaluated the way
    Route 53 documents failover routing (a disabled health check counts as healthy, an inverted one
    flips the observation; the primary is answered while healthy, else the secondary).
  - With O(primary_health=unhealthy) it inverts the primary record's health check, the documented
    way to fail a Route 53 failover record over on purpose; O(primary_health=healthy) reverts it.
    Omit O(primary_health) to only read.
  - Idempotent; check mode and diff report the planned inversion.
  - O(zone) and O(record) are checked before any API call (the record must lie in the zone).
  - Every Route 53 call is retried with jittered exponential backoff on throttling (C(Throttling),
    C(PriorRequestNotComplete), which Route 53 answers most during a failover) and transient server
    errors; other errors (C(AccessDenied), ...) fail at once with the operation, the AWS error code and the fix.
author:
  - Meridian platform engineering (@meridian)
options:
  zone:
    description: Name of the public hosted zone (for example V(meridian.example.com)).
    type: str
    required: true
  record:
    description: Fully qualified name of the failover record pair, in O(zone).
    type: str
    required: true
  type:
    description:
      - Record type of the pair. The global_routing role writes alias records of type V(A) (and V(AAAA)
        for a dualstack load balancer); either type of an alias pair answers the same way.
    type: str
    default: CNAME
    choices: [A, AAAA, CNAME]
  primary_health:
    description:
      - V(unhealthy) inverts the PRIMARY record's health check; V(healthy) removes the inversion.
      - Omitted, nothing is changed.
    type: str
    choices: [healthy, unhealthy]
attributes:
  check_mode:
    support: full
    description: Reports the planned inversion and the answer it would give; changes nothing.
  diff_mode:
    support: full
    description: The primary health check's C(inverted) setting before and after.
notes:
  - On a Route 53 endpoint that does not evaluate health checks (moto), the observations count as
    healthy, so the answer follows the health checks' settings alone.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.route53
    description: Creates the failover record pair this module reads and forces.
  - module: amazon.aws.route53_health_check
    description: Creates the health checks the failover records use.
  - module: meridian.global_infra.dr_markers
    description: Markers written before the fault, to measure the data lost (RPO).
  - module: meridian.global_infra.dr_report
    description: The drill's report, with the failover's timings.
  - name: Disaster-recovery drill guide
    description: The disaster-recovery drill guide (phases, engines, report).
    link: https://github.com/meridian/global_infra/blob/main/docs/dr_drill.md
"""

EXAMPLES = r"""
- name: Fail the service name over to the secondary
  meridian.global_infra.route53_failover:
    zone: meridian.example.com
    record: api.meridian.example.com
    primary_health: unhealthy
  register: failover

- name: Where does the name resolve now
  meridian.global_infra.route53_failover:
    zone: meridian.example.com
    record: api.meridian.example.com
  register: answer
"""

RETURN = r"""
answer:
  description: The value Route 53 answers with, and why.
  returned: always
  type: dict
  contains:
    answer:
      description:
        - The record value answered; for an alias record its target's name, without the final dot
          and the C(dualstack.) prefix (the load balancer's own DNS name).
      type: str
      sample: meridian-prod-1234567890.eu-west-1.elb.amazonaws.com
    role:
      description: C(PRIMARY) or C(SECONDARY).
      type: str
      sample: SECONDARY
    set_identifier:
      description: The answered record's set identifier.
      type: str
    primary_healthy:
      description: Whether Route 53 considers the primary healthy.
      type: bool
    secondary_healthy:
      description: Whether Route 53 considers the secondary healthy.
      type: bool
    primary_health_check_id:
      description: The primary record's health check.
      type: str
records:
  description:
    - The failover records of the name (value, role, set identifier, health check), and C(ttl), the record's
      TTL in seconds (null for an alias record, whose answers carry its target's TTL).
  returned: always
  type: list
  elements: dict
health_checks:
  description:
    - The records' health checks by id, each C(request_interval) and C(failure_threshold) (Route 53's defaults, 30
      and 3, when the check does not say) and C(inverted) (after this task).
  returned: always
  type: dict
  sample: {"4f1c1d7e-...": {request_interval: 30, failure_threshold: 3, inverted: false}}
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.route53 import Route53Client
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import (
    DrillError,
    failover_answer,
    failover_names,
    record_value,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.failover_dns import read_failover


def run(module, client):
    p = module.params
    records, configs, observed = read_failover(client, p["zone"], p["record"], p["type"])
    name = failover_names(p["zone"], p["record"])[1]
    before = failover_answer(records, configs, observed)
    primary_hc = before["primary_health_check_id"]
    changed = False
    after_configs = copy.deepcopy(configs)
    diff = {"before": {}, "after": {}}
    if p["primary_health"] is not None:
        if not primary_hc:
            raise DrillError("primary_health", "the PRIMARY record of %s has no health check to invert; attach one" % name)
        want = p["primary_health"] == "unhealthy"
        have = bool(configs[primary_hc].get("Inverted"))
        diff = {"before": {"health_check_id": primary_hc, "inverted": have},
                "after": {"health_check_id": primary_hc, "inverted": want}}
        if have != want:
            changed = True
            after_configs[primary_hc]["Inverted"] = want
            if not module.check_mode:
                after_configs[primary_hc] = client.set_inverted(primary_hc, want)
    after = failover_answer(records, after_configs, observed)
    result = {
        "changed": changed,
        "answer": after,
        "records": [{"set_identifier": rr.get("SetIdentifier"), "role": rr["Failover"], "health_check_id": rr.get("HealthCheckId"),
                     "value": record_value(rr), "ttl": rr.get("TTL")}
                    for rr in sorted(records, key=lambda r: r["Failover"])],
        "health_checks": {hc: {"request_interval": cfg.get("RequestInterval", 30), "failure_threshold": cfg.get("FailureThreshold", 3),
                               "inverted": bool(cfg.get("Inverted"))}
                          for hc, cfg in sorted(after_configs.items())},
    }
    if module._diff:
        result["diff"] = diff
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            zone=dict(type="str", required=True),
            record=dict(type="str", required=True),
            type=dict(type="str", default="CNAME", choices=["A", "AAAA", "CNAME"]),
            primary_health=dict(type="str", choices=["healthy", "unhealthy"]),
        ),
        supports_check_mode=True,
    )
    try:
        failover_names(module.params["zone"], module.params["record"])
        module.exit_json(**run(module, Route53Client.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
