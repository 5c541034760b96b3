# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for applying a capacity decision to a scaling target.

A decision (from ``capacity_forecast``) plus the current state of a scaling target become a plan:
the bounds and desired capacity to set, the one-time scheduled steps that follow the forecast, and
an optional native policy. Nothing here touches the network.

The provider boundary
---------------------
Every backend is described in one provider-neutral model::

    state = {
        "min_size": int, "max_size": int, "desired_capacity": int | None,
        "scheduled_actions": {name: {"start_time": ISO-8601 UTC, "desired_capacity": int,
                                     "min_size": int (optional), "max_size": int (optional)}},
        "native_policy": dict | None,      # provider-specific payload, compared as a whole
    }

``desired_state()`` and ``plan_changes()`` work only on that model. A provider (``ScalingProvider``)
translates its API's descriptions into the model (``normalise_state``) and a plan into its API calls
(``operations``). ``AwsAsgProvider`` does this for EC2 Auto Scaling groups; GCE managed instance
group autoscalers (min/max replicas and scaling schedules) and Kubernetes HPAs (minReplicas and
maxReplicas, no desired count, so only ``capacity_mode=floor`` applies) are further providers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import datetime
import math

DECISION_ACTIONS = ("scale_up", "scale_down", "maintain")
CAPACITY_MODES = ("desired", "floor")


_UTC = datetime.timezone.utc


class ScalingPlanError(MeridianError):
    """Bad input for a scaling plan. ``field`` names the offending option or decision key."""


class DecisionNotApplicable(ScalingPlanError):
    """The decision says no capacity could be computed (``ok`` is false): nothing may change."""


# --------------------------------------------------------------------------------------------
# time helpers


def parse_time(value, field):
    """An aware UTC datetime from an ISO-8601 string (``Z`` or an offset) or a datetime."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ScalingPlanError(field, "%r is not an ISO-8601 time such as 2025-01-31T12:00:00Z" % (value,))
    else:
        raise ScalingPlanError(field, "expected an ISO-8601 UTC time, got %r" % (value,))
    if parsed.tzinfo is None:
        raise ScalingPlanError(field, "%r has no time zone: give it in UTC with a trailing Z" % (value,))
    return parsed.astimezone(_UTC)


def format_time(value):
    """``YYYY-MM-DDTHH:MM:SSZ`` (seconds resolution, UTC)."""
    return value.astimezone(_UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def scheduled_action_name(prefix, when):
    """The deterministic name of the scheduled step at ``when``: ``<prefix>-YYYYmmddTHHMMSSZ``."""
    return "%s-%s" % (prefix, when.astimezone(_UTC).strftime("%Y%m%dT%H%M%SZ"))


# --------------------------------------------------------------------------------------------
# decision validation


def int_field(value, field, minimum=0):
    if isinstance(value, bool) or value is None:
        raise ScalingPlanError(field, "expected an integer, got %r" % (value,))
    if isinstance(value, float):
        if math.isnan(value) or not value.is_integer():
            raise ScalingPlanError(field, "expected a whole number of units, got %r" % (value,))
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ScalingPlanError(field, "expected an integer, got %r" % (value,))
    if not isinstance(value, int):
        raise ScalingPlanError(field, "expected an integer, got %r" % (value,))
    if value < minimum:
        raise ScalingPlanError(field, "must be >= %d, got %d" % (minimum, value))
    return value


def validate_decision(decision):
    """Check a ``capacity_forecast`` decision and return the part a scaling target needs.

    Raises ``DecisionNotApplicable`` when ``ok`` is false and ``ScalingPlanError`` for any
    inconsistency (missing keys, min > max, target or a schedule step outside min..max).
    """
    if not isinstance(decision, dict):
        raise ScalingPlanError("decision", "expected a dict (one item of capacity_forecast's decisions), got %s"
                               % type(decision).__name__)
    service = decision.get("service") or "(unnamed)"
    if decision.get("ok") is not True:
        warnings = decision.get("warnings") or []
        detail = ("; ".join(str(w) for w in warnings)) if warnings else "no reason given"
        raise DecisionNotApplicable(
            "decision.ok",
            "no capacity decision could be computed for service %s (%s); nothing was changed. Fix the "
            "forecast inputs (query, history, capacities) and run capacity_forecast again" % (service, detail))
    for key in ("target_capacity", "min_capacity", "max_capacity"):
        if key not in decision:
            raise ScalingPlanError("decision.%s" % key, "missing from the decision of service %s" % service)
    target = int_field(decision["target_capacity"], "decision.target_capacity")
    low = int_field(decision["min_capacity"], "decision.min_capacity")
    high = int_field(decision["max_capacity"], "decision.max_capacity")
    if low > high:
        raise ScalingPlanError("decision.min_capacity",
                               "min_capacity %d is greater than max_capacity %d for service %s" % (low, high, service))
    if not low <= target <= high:
        raise ScalingPlanError("decision.target_capacity",
                               "target_capacity %d is outside min_capacity..max_capacity (%d..%d) for service %s"
                               % (target, low, high, service))
    action = decision.get("action", "maintain")
    if action not in DECISION_ACTIONS:
        raise ScalingPlanError("decision.action", "%r is not one of %s" % (action, ", ".join(DECISION_ACTIONS)))
    schedule = decision.get("schedule") or []
    if not isinstance(schedule, list):
        raise ScalingPlanError("decision.schedule", "expected a list of {time, capacity}, got %s"
                               % type(schedule).__name__)
    steps = []
    seen = set()
    for index, step in enumerate(schedule):
        field = "decision.schedule[%d]" % index
        if not isinstance(step, dict) or "time" not in step or "capacity" not in step:
            raise ScalingPlanError(field, "expected {time: ISO-8601 UTC, capacity: int}, got %r" % (step,))
        when = parse_time(step["time"], field + ".time").replace(microsecond=0)
        capacity = int_field(step["capacity"], field + ".capacity")
        if not low <= capacity <= high:
            raise ScalingPlanError(field + ".capacity", "capacity %d is outside min_capacity..max_capacity (%d..%d)"
                                   % (capacity, low, high))
        if when in seen:
            raise ScalingPlanError(field + ".time", "%s appears twice in the schedule" % format_time(when))
        seen.add(when)
        steps.append((when, capacity))
    steps.sort(key=lambda item: item[0])
    execute = decision.get("time_to_execute")
    account = dict((key, decision[key]) for key in ("strategy", "mode", "chosen_policy", "reason", "cost_per_hour",
                                                    "cost_per_day", "over_budget", "slo_risk") if key in decision)
    out = {
        "service": service,
        "action": action,
        "target_capacity": target,
        "min_capacity": low,
        "max_capacity": high,
        "current_capacity": decision.get("current_capacity"),
        "time_to_execute": parse_time(execute, "decision.time_to_execute") if execute else None,
        "schedule": steps,
    }
    out.update(account)
    return out


# --------------------------------------------------------------------------------------------
# desired state and plan (provider-neutral)


def _managed(name, prefix):
    return name.startswith(prefix + "-")


def _still_due(current, prefix, now, earliest):
    """Managed one-time steps of ``current`` that start after ``now`` but before ``earliest``, by start time.

    They are about to run: no new step can be scheduled that close, and removing or rewriting one
    would race the provider's execution of it.
    """
    due = []
    for name, action in (current.get("scheduled_actions") or {}).items():
        if not _managed(name, prefix) or action.get("recurrence") or not action.get("start_time"):
            continue
        start = parse_time(action["start_time"], "scheduled_actions.%s.start_time" % name)
        if now < start < earliest:
            due.append((start, name, action))
    return [(name, action) for _start, name, action in sorted(due, key=lambda item: item[:2])]


def desired_state(decision, current, now, capacity_mode="desired", manage_bounds=True, scheduled_actions=True,
                  prefix="meridian-forecast", max_scheduled_actions=24, min_lead_time=120, native_policy=None):
    """The state the target should have after applying ``decision`` (already validated).

    - ``capacity_mode=desired`` sets the desired capacity; ``floor`` also raises the minimum to it,
      so a reactive policy may add capacity on top but never go below the forecast.
    - ``manage_bounds`` sets min/max to the decision's min_capacity/max_capacity; otherwise the
      target's current bounds stay and the decision must fit inside them.
    - Scheduled steps: the forecast schedule from ``now + min_lead_time`` on, only where the capacity
      changes, the first ``max_scheduled_actions`` of them, each named deterministically.
    - Managed steps already in place that are still due but start sooner than ``min_lead_time``
      (too close to create or rewrite safely) are kept as they are: a re-run late in an interval
      must not remove the step that is about to carry out the same decision. The steps after them
      continue from the capacity they set.
    - A scale-up whose ``time_to_execute`` lies at least ``min_lead_time`` ahead is deferred: the
      current desired capacity stays (within the bounds) and a scheduled step sets the target then.
    - ``native_policy``: a provider payload to keep in place, ``None`` to leave the current one
      alone, or ``{}`` to remove it.
    """
    if capacity_mode not in CAPACITY_MODES:
        raise ScalingPlanError("capacity_mode", "%r is not one of %s" % (capacity_mode, ", ".join(CAPACITY_MODES)))
    max_scheduled_actions = int_field(max_scheduled_actions, "max_scheduled_actions")
    min_lead_time = int_field(min_lead_time, "min_lead_time")
    target = decision["target_capacity"]
    if manage_bounds:
        low, high = decision["min_capacity"], decision["max_capacity"]
    else:
        low, high = current["min_size"], current["max_size"]
        bad = [c for c in [target] + [step[1] for step in decision["schedule"]] if not low <= c <= high]
        if bad:
            raise ScalingPlanError(
                "manage_bounds",
                "capacity %d is outside the target's current bounds %d..%d: set manage_bounds=true or widen "
                "the group's min/max" % (bad[0], low, high))
    earliest = now + datetime.timedelta(seconds=min_lead_time)
    steps = list(decision["schedule"])
    now_capacity = target
    execute = decision.get("time_to_execute")
    current_desired = current.get("desired_capacity")
    if (scheduled_actions and execute is not None and current_desired is not None
            and target > current_desired and execute >= earliest):
        # A rise needed only later: keep today's capacity and schedule the target at time_to_execute.
        now_capacity = min(max(current_desired, low), high)
        steps = [(execute.replace(microsecond=0), target)] + [step for step in steps if step[0] > execute]
    state = {
        "min_size": now_capacity if capacity_mode == "floor" else low,
        "max_size": high,
        "desired_capacity": now_capacity,
        "scheduled_actions": {},
        "native_policy": plain_copy(current.get("native_policy")) if native_policy is None else native_policy or None,
    }
    if scheduled_actions:
        previous = now_capacity
        for name, action in _still_due(current, prefix, now, earliest):
            if len(state["scheduled_actions"]) >= max_scheduled_actions:
                break
            state["scheduled_actions"][name] = plain_copy(action)
            previous = action.get("desired_capacity", previous)
        for when, capacity in steps:
            if when < earliest or capacity == previous:
                continue
            if len(state["scheduled_actions"]) >= max_scheduled_actions:
                break
            action = {"start_time": format_time(when), "desired_capacity": capacity}
            if capacity_mode == "floor":
                action["min_size"] = capacity
            state["scheduled_actions"][scheduled_action_name(prefix, when)] = action
            previous = capacity
    return state


def _sorted(value):
    if isinstance(value, dict):
        return dict((key, _sorted(value[key])) for key in sorted(value))
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _policy_matches(current, desired):
    """True when every key the desired payload states has the same value in the current one."""
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return False
        return all(_policy_matches(current.get(key), value) for key, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(current, list) or len(current) != len(desired):
            return False
        return all(_policy_matches(c, d) for c, d in zip(current, desired))
    if isinstance(desired, (int, float)) and not isinstance(desired, bool):
        return isinstance(current, (int, float)) and not isinstance(current, bool) and float(current) == float(desired)
    return current == desired


def plan_changes(current, desired, prefix="meridian-forecast", purge_scheduled_actions=False):
    """Compare two provider-neutral states; return the changes and a sorted before/after diff.

    Scheduled actions whose name does not start with ``prefix-`` are never touched. Managed ones that
    are not in ``desired`` are deleted only with ``purge_scheduled_actions``.
    """
    group = {}
    for key in ("min_size", "max_size", "desired_capacity"):
        if current.get(key) != desired[key]:
            group[key] = {"before": current.get(key), "after": desired[key]}
    have = dict((n, a) for n, a in (current.get("scheduled_actions") or {}).items() if _managed(n, prefix))
    want = desired["scheduled_actions"]
    put = sorted(n for n, a in want.items() if have.get(n) != a)
    stale = sorted(n for n in have if n not in want)
    delete = stale if purge_scheduled_actions else []
    after_actions = dict((n, a) for n, a in have.items() if n not in delete)
    after_actions.update(want)
    policy = None
    current_policy = current.get("native_policy")
    if desired.get("native_policy") != current_policy:
        if desired.get("native_policy") is None:
            policy = "delete" if current_policy else None
        elif not current_policy or not _policy_matches(current_policy, desired["native_policy"]):
            policy = "put"
    after_policy = current_policy
    if policy == "put":
        after_policy = desired["native_policy"]
    elif policy == "delete":
        after_policy = None
    before = {
        "min_size": current.get("min_size"),
        "max_size": current.get("max_size"),
        "desired_capacity": current.get("desired_capacity"),
        "scheduled_actions": have,
        "native_policy": current_policy,
    }
    after = {
        "min_size": desired["min_size"],
        "max_size": desired["max_size"],
        "desired_capacity": desired["desired_capacity"],
        "scheduled_actions": after_actions,
        "native_policy": after_policy,
    }
    return {
        "changed": bool(group or put or delete or policy),
        "group": group,
        "scheduled_put": put,
        "scheduled_delete": delete,
        "scheduled_stale": stale,
        "native_policy": policy,
        "desired": desired,
        "diff": {"before": _sorted(before), "after": _sorted(after)},
    }


# --------------------------------------------------------------------------------------------
# providers


class ScalingProvider:
    """Translate between one backend's API and the provider-neutral model. Pure: no I/O."""

    name = None

    def normalise_state(self, *descriptions, **options):
        raise NotImplementedError

    def native_policy(self, options):
        """The provider payload for the ``predictive_policy``-style option, or ``{}`` to remove it."""
        raise NotImplementedError

    def operations(self, target_name, plan):
        """The API calls, in order, that carry out ``plan``: a list of ``(operation, kwargs)``."""
        raise NotImplementedError
