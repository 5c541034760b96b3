# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Route 53 failover pair as the drill evaluates it: the records, their health checks' settings
and the checkers' observations, through a ``clients.route53.Route53Client``.

``route53_failover`` (which forces and restores the answer) and ``dr_writer`` (which writes through
the name while the drill runs) both resolve the name with it, then ``core.failover_answer``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import (
    DrillError,
    checkers_healthy,
    failover_answer,
    failover_names,
)


def _health_check(client, hc_id):
    config = client.health_check_config(hc_id)
    reports = client.health_check_reports(hc_id) if config is not None else None
    if config is None or reports is None:
        raise DrillError("record", "health check %s named by the record does not exist; attach an existing health "
                         "check to the record (global_routing role)" % hc_id)
    return config, checkers_healthy(reports)


def read_failover(client, zone, record, rtype):
    """(records, configs, observed): the failover record sets of ``record``, health check id -> its
    HealthCheckConfig, and health check id -> the checkers' observation (bool)."""
    zone, name = failover_names(zone, record)
    zone_id = client.public_zone_id(zone)
    if zone_id is None:
        raise DrillError("zone", "public hosted zone %s not found; create it (global_routing role) or fix the name" % zone)
    records = client.failover_records(zone_id, name, rtype)
    if not records:
        raise DrillError("record", "no failover records %s %s in zone %s; check record and type" % (name, rtype, zone))
    configs, observed = {}, {}
    for rr in records:
        hc = rr.get("HealthCheckId")
        if hc and hc not in configs:
            configs[hc], observed[hc] = _health_check(client, hc)
    return records, configs, observed


def resolve(client, zone, record, rtype):
    """The answer Route 53 gives now for the pair (``core.failover_answer``)."""
    records, configs, observed = read_failover(client, zone, record, rtype)
    return failover_answer(records, configs, observed)
