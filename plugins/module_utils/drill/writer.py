# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drill's writer, as pure rules: its settings, its pace and the account of what it wrote.

The writer (module ``dr_writer``) writes one sequenced marker at a time, at a steady rate, for a
bounded time, to the database of whichever region the failover name answers with. Each attempt is
either acknowledged (the commit returned: ``{seq, acked_at, region}``) or failed (``{seq, at,
region, error}``). Its acknowledgements join the drill's markers, so RPO covers writes made through
the fault; its first acknowledgement in the standby region is when users could write again (RTO).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

MAX_RATE = 200.0
MAX_DURATION = 900.0


def check_settings(rate, duration, first_seq, failover_regions, databases):
    """DrillError naming the option when a setting cannot work; nothing is written before this passes."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate <= MAX_RATE:
        raise DrillError("rate", "must be writes per second in (0, %g], got %r" % (MAX_RATE, rate))
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 < duration <= MAX_DURATION:
        raise DrillError("duration", "must be seconds in (0, %g], got %r" % (MAX_DURATION, duration))
    if isinstance(first_seq, bool) or not isinstance(first_seq, int) or first_seq < 1:
        raise DrillError("first_seq", "must be an integer >= 1, got %r" % (first_seq,))
    if not isinstance(failover_regions, dict) or set(failover_regions) != {"PRIMARY", "SECONDARY"}:
        raise DrillError("failover_regions", "must map PRIMARY and SECONDARY to the regions they name, got %r"
                         % (failover_regions,))
    for role, region in sorted(failover_regions.items()):
        db = (databases or {}).get(region)
        if not isinstance(db, dict) or not db.get("host"):
            raise DrillError("databases", "has no {host, port} for %s, the region of the %s record" % (region, role))


def slot(start, index, rate):
    """When attempt ``index`` (from 0) is due: a steady pace from ``start``, whatever earlier attempts took."""
    return start + index / float(rate)


def _empty():
    return {"acknowledged": 0, "failed": 0, "first_ack": None, "last_ack": None, "first_error": None}


def summarize(acknowledged, failed):
    """Per region: attempts acknowledged and failed, the first and last acknowledgement and the first
    error; and the longest time between two consecutive acknowledgements (the outage as the writer saw it)."""
    regions = {}
    for item in acknowledged:
        one = regions.setdefault(item["region"], _empty())
        one["acknowledged"] += 1
        one["first_ack"] = item["acked_at"] if one["first_ack"] is None else min(one["first_ack"], item["acked_at"])
        one["last_ack"] = item["acked_at"] if one["last_ack"] is None else max(one["last_ack"], item["acked_at"])
    for item in failed:
        one = regions.setdefault(item.get("region") or "unresolved", _empty())
        one["failed"] += 1
        if one["first_error"] is None:
            one["first_error"] = item.get("error")
    times = sorted(item["acked_at"] for item in acknowledged)
    gap = max((b - a for a, b in zip(times, times[1:])), default=0.0)
    return {"regions": regions, "acknowledged": len(acknowledged), "failed": len(failed),
            "longest_gap_seconds": round(gap, 3)}
