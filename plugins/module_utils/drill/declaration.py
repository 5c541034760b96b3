# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover a drill declares while its fault is injected, as a Pushgateway group.

When the drill forces the primary region unhealthy it pushes, to the group
``job=meridian_dr/region=<primary region>``:

  meridian_failover_declared{drill_id, record}                     1
  meridian_failover_deadline_timestamp_seconds{drill_id, record}   when the fault must be lifted

and deletes the group once routing is restored (failback, resume or rollback). The monitoring role's
rule group ``meridian-failover`` reads both: ``MeridianFailoverDeclared`` inhibits the region's
symptom alerts while the drill runs, and ``MeridianFailoverPastDeadline`` pages when the declaration
outlives its deadline (a drill stopped or forgotten with its fault in place).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError
from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.exposition import gauges, number, sample
from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    FAILOVER_DEADLINE_METRIC,
    FAILOVER_METRIC,
)

PUSH_JOB = "meridian_dr"
_HELP = (
    (FAILOVER_METRIC, "1 while a drill's fault of the region (the grouping key) is injected."),
    (FAILOVER_DEADLINE_METRIC, "When the drill must have lifted its fault (Unix time)."),
)
# A grouping-key value goes into the URL path as it is: the region name is kept to characters that
# need no escaping there.
_PATH_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


def _path_value(value, field):
    if not isinstance(value, str) or not _PATH_VALUE_RE.match(value):
        raise DrillError(field, "must be letters, digits, '_', '.', ':' or '-' (it is part of the Pushgateway URL), "
                                "got %r" % (value,))
    return value


def push_path(region):
    """The Pushgateway path of the declaration group of ``region``: /metrics/job/meridian_dr/region/<region>."""
    return "/metrics/job/%s/region/%s" % (PUSH_JOB, _path_value(region, "dr_failover_primary_region"))


def declaration(drill_id, record, fault_at, deadline_minutes):
    """The exposition text of the declaration: declared 1 and the deadline (fault time + minutes)."""
    if not isinstance(drill_id, str) or not drill_id:
        raise DrillError("dr_failover_drill_id", "must be the drill's id, got %r" % (drill_id,))
    if not isinstance(record, str) or not record:
        raise DrillError("dr_failover_dns_record", "must be the failover record's name, got %r" % (record,))
    start = number(fault_at)
    if start is None or start <= 0:
        raise DrillError("fault_at", "must be the fault's time in seconds since the epoch, got %r" % (fault_at,))
    minutes = number(deadline_minutes)
    if minutes is None or minutes < 0 or isinstance(deadline_minutes, bool):
        raise DrillError("dr_failover_deadline_minutes",
                         "must be the minutes a drill may keep its fault injected (0 or more), got %r"
                         % (deadline_minutes,))
    labels = {"drill_id": drill_id, "record": record}
    return gauges(_HELP, {
        FAILOVER_METRIC: [sample(FAILOVER_METRIC, labels, 1)],
        FAILOVER_DEADLINE_METRIC: [sample(FAILOVER_DEADLINE_METRIC, labels, start + 60.0 * minutes)],
    })
