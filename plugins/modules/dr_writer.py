#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_writer
short_description: Write sequenced markers through a Route 53 failover name while a drill runs
version_added: 0.2.0
description:
  - The failover drill's load. For O(duration) seconds it writes one marker every 1/O(rate) seconds
    (markers O(first_seq), O(first_seq)+1, ...), each in its own committed transaction, to the
    PostgreSQL database of the region the failover name answers with.
  - The name is resolved from Route 53 as the drill reads it (the records, their health checks'
    settings and the checkers' observations) at most every O(resolve_every) seconds; the answered
    record's failover role (PRIMARY or SECONDARY) gives the region through O(failover_regions), and
    the region its database through O(databases).
  - An attempt that is refused or cannot connect is recorded with the error and the writer goes on
    at the same pace; nothing is retried, so every acknowledged marker was acknowledged once.
  - Run it as an asynchronous task (C(async), C(poll=0)) around the fault and collect it with
    C(ansible.builtin.async_status); the dr_failover role does.
author:
  - Meridian platform engineering (@meridian)
requirements:
  - psycopg >= 3.1
  - boto3
options:
  zone:
    description: The public hosted zone of the failover record.
    type: str
    required: true
  record:
    description: The failover record's name (relative to O(zone) or fully qualified).
    type: str
    required: true
  type:
    description: The failover pair's record type.
    type: str
    default: CNAME
    choices: [A, AAAA, CNAME]
  failover_regions:
    description: The region each record of the pair stands for, a dict with the keys C(PRIMARY) and C(SECONDARY).
    type: dict
    required: true
  databases:
    description: Per region, the database to write to, C({host, port}).
    type: dict
    required: true
  user:
    description: Role to connect as.
    type: str
    default: postgres
  password:
    description: Its password; falls back to C(PGPASSWORD) (and C(~/.pgpass)).
    type: str
  database:
    description: Database holding the marker table (created by M(meridian.global_infra.dr_markers) V(write)).
    type: str
    default: postgres
  drill_id:
    description: The drill the markers belong to.
    type: str
    required: true
  first_seq:
    description: The first marker's sequence; the drill starts after the markers it wrote before.
    type: int
    default: 1
  rate:
    description: Writes per second (at most 200).
    type: float
    default: 20
  duration:
    description: Seconds to write for (at most 900).
    type: float
    default: 30
  settle:
    description:
      - Stop this many seconds after the first marker acknowledged in the SECONDARY record's region
        (users write again after the failover), instead of writing for the whole O(duration);
        V(0) writes for O(duration).
    type: float
    default: 0
  resolve_every:
    description: Seconds between two resolutions of the name from Route 53.
    type: float
    default: 1
  connect_timeout:
    description: Seconds to wait for a connection to a region's database.
    type: int
    default: 2
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: none
    description: It writes markers; in check mode it is skipped.
  diff_mode:
    support: none
    description: Nothing to compare.
notes:
  - A writer that keeps a connection open stays on the database it connected to until that
    connection fails; this one reconnects whenever the resolved region changes, as a client
    following the name's answer would.
"""

EXAMPLES = r"""
- name: Write through the failover name for 40 seconds, beside the drill
  meridian.global_infra.dr_writer:
    zone: example.com
    record: primary.example.com
    type: A
    failover_regions: {PRIMARY: us-east-1, SECONDARY: eu-west-1}
    databases:
      us-east-1: {host: db.us-east-1.example.internal, port: 5432}
      eu-west-1: {host: db.eu-west-1.example.internal, port: 5432}
    password: "{{ vault_drill_password }}"
    drill_id: us-east-1-20261130T101500Z
    first_seq: 51
    rate: 20
    duration: 40
  async: 100
  poll: 0
  register: writer_job
"""

RETURN = r"""
acknowledged:
  description: Each acknowledged marker, C(seq), C(acked_at) (epoch seconds) and C(region), in order.
  returned: always
  type: list
  elements: dict
  sample: [{seq: 51, acked_at: 1796000000.12, region: us-east-1}]
failed:
  description: Each attempt that was not acknowledged, C(seq), C(at), C(region) (empty when the name
    could not be resolved) and C(error) (first line).
  returned: always
  type: list
  elements: dict
summary:
  description: Per region C(acknowledged), C(failed), C(first_ack), C(last_ack); totals and C(longest_gap_seconds).
  returned: always
  type: dict
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.markers_db import (
    MarkersDbError,
    connect,
    insert_marker,
    psycopg,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.route53 import Route53Client
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import failover_names
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.failover_dns import resolve
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.writer import check_settings, slot, summarize


def _first_line(err):
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def write(params, client, clock=time.time, sleep=time.sleep):
    """Run the writer; returns {acknowledged, failed, summary}."""
    p = params
    acknowledged, failed = [], []
    conns = {}
    region, resolved_at = None, None
    start = clock()
    index = 0
    stop_at = start + p["duration"]
    secondary = p["failover_regions"]["SECONDARY"]
    try:
        while True:
            due = slot(start, index, p["rate"])
            if due > stop_at:
                break
            sleep(max(0.0, due - clock()))
            seq = p["first_seq"] + index
            index += 1
            now = clock()
            if resolved_at is None or now - resolved_at >= p["resolve_every"]:
                try:
                    answer = resolve(client, p["zone"], p["record"], p["type"])
                    region, resolved_at = p["failover_regions"][answer["role"]], now
                except (MeridianError, AwsApiError) as err:
                    failed.append({"seq": seq, "at": round(now, 6), "region": "", "error": "resolve: " + _first_line(err)})
                    continue
            db = p["databases"][region]
            try:
                conn = conns.get(region)
                if conn is None:
                    conn = conns[region] = connect(db["host"], int(db.get("port", 5432)), p["user"], p["password"],
                                                   p["database"], p["connect_timeout"])
                insert_marker(conn, p["drill_id"], seq)
                acked_at = clock()
                acknowledged.append({"seq": seq, "acked_at": round(acked_at, 6), "region": region})
                if region == secondary and p["settle"] > 0:
                    stop_at = min(stop_at, acked_at + p["settle"])
            except (MarkersDbError, psycopg.Error) as err:
                failed.append({"seq": seq, "at": round(clock(), 6), "region": region, "error": _first_line(err)})
                stale = conns.pop(region, None)
                if stale is not None:
                    try:
                        stale.close()
                    except psycopg.Error:
                        pass
    finally:
        for conn in conns.values():
            try:
                conn.close()
            except psycopg.Error:
                pass
    return {"acknowledged": acknowledged, "failed": failed, "summary": summarize(acknowledged, failed)}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            zone=dict(type="str", required=True),
            record=dict(type="str", required=True),
            type=dict(type="str", default="CNAME", choices=["A", "AAAA", "CNAME"]),
            failover_regions=dict(type="dict", required=True),
            databases=dict(type="dict", required=True),
            user=dict(type="str", default="postgres"),
            password=dict(type="str", no_log=True),
            database=dict(type="str", default="postgres"),
            drill_id=dict(type="str", required=True),
            first_seq=dict(type="int", default=1),
            rate=dict(type="float", default=20.0),
            duration=dict(type="float", default=30.0),
            settle=dict(type="float", default=0.0),
            resolve_every=dict(type="float", default=1.0),
            connect_timeout=dict(type="int", default=2),
        ),
        supports_check_mode=False,
    )
    if psycopg is None:
        module.fail_json(msg="dr_writer needs psycopg 3 (pip install 'psycopg[binary]')")
    p = module.params
    try:
        failover_names(p["zone"], p["record"])
        check_settings(p["rate"], p["duration"], p["first_seq"], p["failover_regions"], p["databases"])
        if p["resolve_every"] <= 0:
            raise MeridianError("resolve_every", "must be seconds > 0, got %r" % (p["resolve_every"],))
        if p["settle"] < 0:
            raise MeridianError("settle", "must be seconds >= 0, got %r" % (p["settle"],))
        result = write(p, Route53Client.from_module(module))
    except MeridianError as err:
        fail_on_error(module, err)
    module.exit_json(changed=bool(result["acknowledged"]), **result)


if __name__ == "__main__":
    main()
