# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compute Engine managed instance groups as a scaling target (pure): the group's autoscaler in the
provider-neutral model of ``scaling.plan``, and a plan as one update of the autoscaler.

The forecast's capacity for now becomes the autoscaler's floor, ``minNumReplicas`` (clamped to
``[max(decision min_capacity, 1), maxNumReplicas]``); the autoscaler adds instances on top for its own
signals (CPU, load balancing) and never goes below it. ``maxNumReplicas`` and the signals are left as
they are (``gce_instance_group`` owns them).

The forecast's later rises become scaling schedules ahead of the steps: a schedule named
``<prefix>-<YYYYmmddTHHMMSSZ>`` (lower-case) that holds ``minRequiredReplicas`` from the step's time
until the next step (at least 300 s, the API's minimum), with a cron expression of that minute, day
and month in UTC. A cron expression has no year, so a schedule would fire again a year later: the
managed schedules that have ended are always deleted, and the ones the forecast no longer wants too,
except one that is running or starts within ``min_lead_time`` (removing it would race the autoscaler).
Schedules of other names are never touched. A step lower than the floor needs no schedule (the floor
holds until the next run lowers it).

Neutral model: ``min_size = minNumReplicas``, ``max_size = maxNumReplicas``, ``desired_capacity = None``
(the autoscaler decides the size), ``scheduled_actions`` = the managed schedules as
``{"start_time", "desired_capacity", "duration_sec", "schedule", "time_zone", "disabled"}``, no native policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    ScalingProvider,
    format_time,
    int_field,
)

MIN_DURATION = 300
# the last step's schedule lasts this long (the next run replaces it with the next forecast's)
LAST_STEP_DURATION = 3600
_UTC = datetime.timezone.utc
_NAME_TIME = re.compile(r"-(\d{8}t\d{6}z)$")
_PREFIX_RE = re.compile(r"^[a-z](?:[-a-z0-9]{0,40}[a-z0-9])?$")
# Autoscaler fields the API fills and returns that an update must not send back.
_OUTPUT_ONLY = ("id", "kind", "selfLink", "creationTimestamp", "status", "statusDetails", "recommendedSize",
                "scalingScheduleStatus", "region", "zone")


def schedule_name(prefix, when):
    """``<prefix>-yyyymmddthhmmssz``: a Compute Engine name (lower-case) carrying the step's UTC time."""
    return "%s-%s" % (prefix, when.astimezone(_UTC).strftime("%Y%m%dt%H%M%Sz"))


def cron(when):
    """The unix-cron expression of ``when``'s minute, hour, day and month (UTC)."""
    when = when.astimezone(_UTC)
    return "%d %d %d %d *" % (when.minute, when.hour, when.day, when.month)


def _name_time(name):
    match = _NAME_TIME.search(name)
    if not match:
        return None
    return datetime.datetime.strptime(match.group(1).upper(), "%Y%m%dT%H%M%SZ").replace(tzinfo=_UTC)


class GceMigProvider(ScalingProvider):
    """A regional managed instance group's autoscaler: ``minNumReplicas`` and scaling schedules."""

    name = "gce_mig"
    field = "autoscalingPolicy.minNumReplicas"

    def __init__(self, prefix="meridian-forecast", min_lead_time=120, max_schedules=24):
        if not isinstance(prefix, str) or not _PREFIX_RE.match(prefix):
            raise ScalingPlanError("scheduled_action_prefix", "%r cannot start a Compute Engine scaling schedule's "
                                   "name with gce_mig: lower-case letters, digits and hyphens, a letter first, at "
                                   "most 42 characters" % (prefix,))
        self.prefix = prefix
        self.min_lead_time = int_field(min_lead_time, "min_lead_time")
        self.max_schedules = int_field(max_schedules, "max_scheduled_actions")

    def managed(self, name):
        return name.startswith(self.prefix + "-") and _name_time(name) is not None

    # ----------------------------------------------------------------------------------------
    # the autoscaler as it is

    def normalise_state(self, autoscaler):
        """The neutral state of an autoscaler dict (the API's camelCase shape)."""
        policy = (autoscaler or {}).get("autoscalingPolicy") or {}
        if policy.get("maxNumReplicas") is None:
            raise ScalingPlanError("name", "autoscaler %s has no maxNumReplicas" % (autoscaler or {}).get("name"))
        actions = {}
        for name, item in (policy.get("scalingSchedules") or {}).items():
            if self.managed(name):
                actions[name] = {"start_time": format_time(_name_time(name)),
                                 "desired_capacity": int(item.get("minRequiredReplicas") or 0),
                                 "duration_sec": int(item.get("durationSec") or 0),
                                 "schedule": " ".join(str(item.get("schedule", "")).split()),
                                 "time_zone": item.get("timeZone") or "UTC",
                                 "disabled": bool(item.get("disabled"))}
        return {"min_size": int_field(policy.get("minNumReplicas", 1), "autoscalingPolicy.minNumReplicas"),
                "max_size": int_field(policy["maxNumReplicas"], "autoscalingPolicy.maxNumReplicas", minimum=1),
                "desired_capacity": None, "scheduled_actions": actions, "native_policy": None}

    def native_policy(self, options):
        """Predictive autoscaling is the autoscaler's own (gce_instance_group ``predictive_method``)."""
        if options is not None:
            raise ScalingPlanError("predictive_policy", "is an EC2 Auto Scaling policy; with gce_mig, predictive "
                                   "autoscaling is set on the group (gce_instance_group autoscaling.predictive_method"
                                   "=OPTIMIZE_AVAILABILITY): leave predictive_policy out")
        return None

    # ----------------------------------------------------------------------------------------
    # the floor and the schedules

    def bounds(self, decision, current):
        high = current["max_size"]
        return min(max(decision["min_capacity"], 1), high), high

    def clamp(self, capacity, decision, current):
        low, high = self.bounds(decision, current)
        return min(max(capacity, low), high)

    def floor(self, decision, current):
        return self.clamp(decision["target_capacity"], decision, current)

    def _kept(self, current, now):
        """Managed schedules that are running or start within ``min_lead_time``: kept as they are."""
        earliest = now + datetime.timedelta(seconds=self.min_lead_time)
        kept = {}
        for name, action in (current.get("scheduled_actions") or {}).items():
            start = _name_time(name)
            end = start + datetime.timedelta(seconds=action.get("duration_sec") or 0)
            if start < earliest and end > now:
                kept[name] = plain_copy(action)
        return kept

    def desired_state(self, decision, current, now):
        """The neutral state after the change: the floor now, and a schedule ahead of each later rise."""
        state = plain_copy(current)
        floor = self.floor(decision, current)
        state["min_size"] = floor
        state["native_policy"] = None
        actions = self._kept(current, now)
        earliest = now + datetime.timedelta(seconds=self.min_lead_time)
        steps = [(when, self.clamp(capacity, decision, current)) for when, capacity in decision["schedule"]]
        steps = [(when, capacity) for when, capacity in steps if when >= earliest]
        previous = floor
        for index, (when, capacity) in enumerate(steps):
            if capacity == previous:
                continue
            previous = capacity
            if capacity <= floor:
                continue
            if len(actions) >= self.max_schedules:
                break
            following = [w for w, c in steps[index + 1:] if c != capacity]
            duration = int((following[0] - when).total_seconds()) if following else LAST_STEP_DURATION
            actions[schedule_name(self.prefix, when)] = {
                "start_time": format_time(when), "desired_capacity": capacity,
                "duration_sec": max(duration, MIN_DURATION), "schedule": cron(when), "time_zone": "UTC",
                "disabled": False}
        state["scheduled_actions"] = actions
        return state

    # ----------------------------------------------------------------------------------------
    # the change

    def updated_autoscaler(self, autoscaler, plan):
        """The autoscaler to send (one update, the whole resource): the floor, the managed schedules of
        the plan's after-state, every other field and schedule as it was."""
        body = dict((k, plain_copy(v)) for k, v in autoscaler.items() if k not in _OUTPUT_ONLY)
        policy = body.setdefault("autoscalingPolicy", {})
        after = plan["diff"]["after"]
        policy["minNumReplicas"] = after["min_size"]
        schedules = dict((n, s) for n, s in (policy.get("scalingSchedules") or {}).items() if not self.managed(n))
        for name, action in after["scheduled_actions"].items():
            schedules[name] = {"minRequiredReplicas": action["desired_capacity"], "schedule": action["schedule"],
                               "timeZone": action["time_zone"], "durationSec": action["duration_sec"],
                               "disabled": action["disabled"],
                               "description": "forecast step at %s (scaling_target)" % action["start_time"]}
        policy["scalingSchedules"] = schedules
        return body

    def operations(self, target_name, plan, autoscaler=None):
        """``[("update_autoscaler", {"name", "body"})]`` when anything changes, else ``[]``."""
        if not plan["changed"]:
            return []
        return [("update_autoscaler", {"name": target_name, "body": self.updated_autoscaler(autoscaler or {}, plan)})]

    def pending_steps(self, plan):
        """The schedules the forecast set, as ``[{"time", "capacity"}]`` (sorted)."""
        return [{"time": a["start_time"], "capacity": a["desired_capacity"]}
                for _n, a in sorted(plan["diff"]["after"]["scheduled_actions"].items())]
