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
author:
  - Meridian platform engineering (@meridian)
options:
  zone:
    description: Name of the public hosted zone (for example V(meridian.example.com)).
    type: str
    required: true
  record:
    description: Fully qualified name of the failover record pair.
    type: str
    required: true
  type:
    description: Record type of the pair.
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
      description: The record value (or alias target) answered.
      type: str
      sample: eu-west-1.api.meridian.example.com
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
  description: The failover records of the name (value, role, set identifier, health check).
  returned: always
  type: list
  elements: dict
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError, failover_answer


def _fqdn(name):
    return name.rstrip(".").lower() + "."


def _zone_id(client, zone):
    paginator = client.get_paginator("list_hosted_zones")
    for page in paginator.paginate():
        for hz in page["HostedZones"]:
            if hz["Name"].lower() == _fqdn(zone) and not hz.get("Config", {}).get("PrivateZone"):
                return hz["Id"].split("/")[-1]
    raise DrillError("zone", "public hosted zone %r not found; create it (global_routing role) or fix the name" % zone)


def _records(client, zone_id, name, rtype):
    found = []
    paginator = client.get_paginator("list_resource_record_sets")
    for page in paginator.paginate(HostedZoneId=zone_id, StartRecordName=name, StartRecordType=rtype):
        for rr in page["ResourceRecordSets"]:
            if _fqdn(rr["Name"]) != name or rr["Type"] != rtype:
                return found
            if rr.get("Failover"):
                found.append(rr)
    return found


def _observed(client, hc_id):
    try:
        status = client.get_health_check_status(HealthCheckId=hc_id)
    except is_boto3_error_code("NoSuchHealthCheck"):
        raise DrillError("record", "health check %s named by the record does not exist" % hc_id)
    reports = [o.get("StatusReport", {}).get("Status", "") for o in status.get("HealthCheckObservations", [])]
    if not reports:
        return True
    return sum(1 for r in reports if r.startswith("Success")) * 2 >= len(reports)


def run(module, client):
    p = module.params
    name = _fqdn(p["record"])
    zone_id = _zone_id(client, p["zone"])
    records = _records(client, zone_id, name, p["type"])
    if not records:
        raise DrillError("record", "no failover records %s %s in zone %s" % (name, p["type"], p["zone"]))
    configs, observed = {}, {}
    for rr in records:
        hc = rr.get("HealthCheckId")
        if hc and hc not in configs:
            configs[hc] = client.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckConfig"]
            observed[hc] = _observed(client, hc)
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
        diff = {"before": {"inverted": have, "health_check_id": primary_hc}, "after": {"inverted": want, "health_check_id": primary_hc}}
        if have != want:
            changed = True
            after_configs[primary_hc]["Inverted"] = want
            if not module.check_mode:
                client.update_health_check(HealthCheckId=primary_hc, Inverted=want)
                after_configs[primary_hc] = client.get_health_check(HealthCheckId=primary_hc)["HealthCheck"]["HealthCheckConfig"]
    after = failover_answer(records, after_configs, observed)
    result = {
        "changed": changed,
        "answer": after,
        "records": [{"set_identifier": rr.get("SetIdentifier"), "role": rr["Failover"], "health_check_id": rr.get("HealthCheckId"),
                     "value": (rr.get("AliasTarget") or {}).get("DNSName") or [v["Value"] for v in rr.get("ResourceRecords", [])][0]}
                    for rr in sorted(records, key=lambda r: r["Failover"])],
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
    client = module.client("route53")
    try:
        result = run(module, client)
    except DrillError as err:
        module.fail_json(msg="%s: %s" % (err.field, err.message), field=err.field)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        module.fail_json_aws(err, msg="Route 53 call failed for %s" % module.params["record"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
