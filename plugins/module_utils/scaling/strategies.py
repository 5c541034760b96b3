# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scaling strategies: each policy's proposal for an interval, the choice, and one decision object.

A service's ``scaling.strategy`` (the service catalogue) names who sets its capacity:

- ``predictive``: the forecast alone (``capacity_forecast``'s decision, from ``scaling.capacity``);
- ``scheduled``: the floor and ceiling of the schedule in force (cron expressions evaluated in their
  own time zones with croniter and zoneinfo; a schedule holds from each firing for ``duration``
  seconds, or until another schedule fires, as a recurring scheduled action of EC2 Auto Scaling);
- ``reactive``: what the target-tracking policy holds. For ``cpu`` and ``requests_per_target`` that
  is the capacity in service now (the provider's policy keeps it there); for ``promql`` it is the
  capacity the metric's current value needs at its target, ``ceil(value / target)``;
- ``hybrid`` (the default): the highest of the three, within the bounds.

The guards follow EC2 Auto Scaling predictive scaling: the scheduling buffer starts capacity that
many seconds ahead of the step that needs it (``SchedulingBufferTime``); the maximum is honoured, or
raised by at most ``max_capacity_buffer`` percent and flagged (``MaxCapacityBreachBehavior``
``HonorMaxCapacity`` / ``IncreaseMaxCapacity`` with ``MaxCapacityBuffer``); ``mode`` is
``forecast_and_scale`` or ``forecast_only`` (decide, report and record, change nothing).

Budgets act: the capacity is capped at the service's daily budget and, across services, at the
environment's (:func:`apply_environment_budget`), never below the minimum; when the bounds force
more, the decision carries ``over_budget`` with the amount, and ``slo_risk`` with the units short
whenever a cap holds capacity below what the chosen policy needs.

Everything here is pure: no I/O, times are epoch seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math

try:
    from croniter import croniter
    HAS_CRONITER = True
except ImportError:  # pragma: no cover - the catalogue refuses schedules without it
    croniter = None
    HAS_CRONITER = False
try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python < 3.9
    ZoneInfo = None

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost as _cost
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import spot as _spot

POLICIES = ("predictive", "scheduled", "reactive")
# The policies each strategy takes the capacity from.
STRATEGY_POLICIES = {
    "predictive": ("predictive",),
    "scheduled": ("scheduled",),
    "reactive": ("reactive",),
    "hybrid": POLICIES,
}
# A tie names the most explicit policy first: the schedule an operator wrote, then the forecast,
# then what target tracking holds.
TIE_ORDER = ("scheduled", "predictive", "reactive")
MODES = ("forecast_and_scale", "forecast_only")
HOLDING_METRICS = ("cpu", "requests_per_target")
DAY = 86400.0
_UTC = datetime.timezone.utc


class StrategyError(MeridianError):
    """Bad strategy settings or inputs; ``field`` names what to fix."""


# --------------------------------------------------------------------------------------------
# time


def iso_utc(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), _UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value):
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed.timestamp()


# --------------------------------------------------------------------------------------------
# scheduled


def last_firing(schedule, when):
    """Epoch seconds of the schedule's latest firing at or before ``when`` (its cron in its time zone)."""
    if not HAS_CRONITER or ZoneInfo is None:
        raise StrategyError("schedules", "schedules need croniter and zoneinfo on the controller: pip install croniter")
    zone = ZoneInfo(schedule.get("time_zone") or "UTC")
    start = datetime.datetime.fromtimestamp(when + 1, zone)
    return croniter(schedule["cron"], start).get_prev(datetime.datetime).timestamp()


def schedule_in_force(schedules, when):
    """The schedules in force at ``when``: those that fired last among the ones still holding.

    A schedule holds from each firing for its ``duration`` seconds, or (without one) until another
    schedule fires. Returns ``(fired_at, [schedules])`` (several when they fired at the same time),
    or ``(None, [])``.
    """
    best, chosen = None, []
    for sched in schedules or []:
        fired = last_firing(sched, when)
        if sched.get("duration") and when >= fired + sched["duration"]:
            continue
        if best is None or fired > best:
            best, chosen = fired, [sched]
        elif fired == best:
            chosen.append(sched)
    return best, chosen


def schedule_bounds(schedules, when, buffer=0):
    """``{floor, ceiling, names}`` of the schedules in force at ``when`` and ``buffer`` seconds later.

    The floor is the highest of the two (capacity a schedule asks for starts ``buffer`` seconds
    early); the ceiling is the one in force now, never below that floor. ``None`` when not set.
    """
    floors, names = [], []
    ceiling = None
    for k, t in enumerate((when, when + buffer) if buffer else (when,)):
        _fired, active = schedule_in_force(schedules, t)
        for sched in active:
            if sched.get("min") is not None:
                floors.append(sched["min"])
            if sched["name"] not in names:
                names.append(sched["name"])
            if k == 0 and sched.get("max") is not None:
                ceiling = sched["max"] if ceiling is None else min(ceiling, sched["max"])
    floor = max(floors) if floors else None
    if ceiling is not None and floor is not None and ceiling < floor:
        ceiling = floor
    return {"floor": floor, "ceiling": ceiling, "names": names}


def scheduled_proposal(schedules, now, buffer=0):
    """The scheduled policy's proposal now: its floor (None without a schedule in force) and ceiling."""
    if not schedules:
        return {"policy": "scheduled", "capacity": None, "floor": None, "ceiling": None, "schedules": [],
                "detail": "no schedules"}
    bounds = schedule_bounds(schedules, now, buffer)
    if not bounds["names"]:
        detail = "no schedule in force"
    else:
        parts = []
        for sched in schedules:
            if sched["name"] in bounds["names"]:
                parts.append("%s (%s %s)" % (sched["name"], sched["cron"], sched.get("time_zone") or "UTC"))
        detail = "in force: " + ", ".join(parts)
    return {"policy": "scheduled", "capacity": bounds["floor"], "floor": bounds["floor"],
            "ceiling": bounds["ceiling"], "schedules": bounds["names"], "detail": detail}


# --------------------------------------------------------------------------------------------
# reactive


def reactive_proposal(reactive, current_capacity=None, metric_value=None):
    """What the target-tracking policy holds now.

    ``cpu`` and ``requests_per_target``: the capacity in service now (``current_capacity``; None when
    unknown). ``promql``: ``ceil(metric_value / target)``, the capacity the metric's current value
    (the service's total load) needs at its per-instance target (None when the value is unknown).
    """
    reactive = reactive or {"metric": "cpu", "target": 50}
    metric, target = reactive["metric"], reactive["target"]
    out = {"policy": "reactive", "metric": metric, "target": target, "value": None, "capacity": None}
    if metric in HOLDING_METRICS:
        out["capacity"] = None if current_capacity is None else int(current_capacity)
        out["detail"] = ("target tracking on %s at %s holds the capacity in service (%s)"
                         % (metric, target, "unknown" if current_capacity is None else int(current_capacity)))
        return out
    if metric_value is None or (isinstance(metric_value, float) and math.isnan(metric_value)):
        out["detail"] = "the metric has no current value"
        return out
    value = max(0.0, float(metric_value))
    out["value"] = round(value, 6)
    out["capacity"] = int(math.ceil(value / float(target) - 1e-9))
    out["detail"] = "metric %s at target %s per instance needs %s" % (round(value, 3), target, out["capacity"])
    return out


# --------------------------------------------------------------------------------------------
# predictive


def _steps(forecast):
    """The forecast schedule as sorted ``[(epoch, capacity)]``."""
    steps = sorted((parse_iso(s["time"]), int(s["capacity"])) for s in forecast.get("schedule") or [])
    return steps


def _capacity_at(steps, when, default):
    level = default
    for t, c in steps:
        if t <= when:
            level = c
        else:
            break
    return level


def forecast_capacity(steps, when, buffer, default):
    """The highest forecast capacity over ``[when, when + buffer]`` (the scheduling buffer)."""
    level = _capacity_at(steps, when, default)
    for t, c in steps:
        if when < t <= when + buffer:
            level = max(level, c)
    return level


def predictive_proposal(forecast, now, buffer=0):
    """The forecast's capacity for the interval starting ``now`` (``capacity_forecast``'s decision).

    None when there is no forecast or it could not be computed.
    """
    if not forecast:
        return {"policy": "predictive", "capacity": None, "detail": "no forecast (no load dimensions)"}
    if not forecast.get("ok"):
        return {"policy": "predictive", "capacity": None,
                "detail": "no forecast: %s" % "; ".join(str(w) for w in forecast.get("warnings") or [])}
    steps = _steps(forecast)
    capacity = forecast_capacity(steps, now, buffer, int(forecast["target_capacity"]))
    model = (forecast.get("model") or {}).get("name")
    detail = "forecast (model %s, confidence %s)" % (model or "-", forecast.get("confidence"))
    if buffer:
        detail += ", %d s scheduling buffer" % buffer
    return {"policy": "predictive", "capacity": int(capacity), "model": model,
            "confidence": forecast.get("confidence"), "detail": detail}


# --------------------------------------------------------------------------------------------
# the mix (on-demand base, spot share, instance types): priced by cost.py, guarded by spot.py


def mix_pricing(cost, provider="aws"):
    """The ``cost.Pricing`` of a service's ``scaling.cost`` on ``provider`` (a provider that cannot
    buy spot, such as Kubernetes, is priced on demand)."""
    settings = dict((k, v) for k, v in (cost or {}).items() if k not in ("budget", "budget_per_day"))
    return _cost.provider_pricing(settings, provider)


def forecast_needs(forecast, capacities):
    """The units the forecast load needs per step without its safety margin, for the spot rule.

    The decision carries, per dimension, the point forecast one interval ahead and the quantile the
    capacity is sized for; their ratio (the least margin over the dimensions) scales the schedule's
    capacities down to what the expected load needs. Without a forecast the capacities are the need.
    """
    ratios = []
    for dim in (forecast or {}).get("dimensions") or []:
        point, quantile = dim.get("forecast_next_interval"), dim.get("forecast_quantile")
        if point is not None and quantile:
            ratios.append(min(1.0, max(0.0, float(point) / float(quantile))))
    ratio = max(ratios) if ratios else 1.0
    return [c * ratio for c in capacities]


def spot_guard(pricing, capacities, needs, allowed_underprovisioned, interval, max_capacity):
    """The spot interruption rule (``spot.interruption_guard``) on a decision's schedule.

    Returns ``(capacities, pricing, account)``: the capacities with any headroom, the pricing with
    any smaller share, and what the rule did (None when the service buys no spot).
    """
    if pricing.spot_share <= 0:
        return capacities, pricing, None
    guard = _spot.interruption_guard(capacities, needs, pricing, allowed_underprovisioned=allowed_underprovisioned,
                                     step_seconds=interval, max_capacity=max_capacity)
    account = dict((k, guard[k]) for k in ("action", "reason", "spot_share", "on_demand_base", "on_demand_percentage",
                                           "extra_capacity", "spot_loss", "at_risk_steps", "at_risk_steps_after",
                                           "allowed_steps"))
    if guard["spot_share"] != pricing.spot_share:
        pricing = pricing.with_mix(spot_share=guard["spot_share"])
    return list(guard["capacities"]), pricing, account


# --------------------------------------------------------------------------------------------
# the decision


def _settings(service):
    out = {
        "name": service["name"],
        "strategy": service.get("strategy") or "hybrid",
        "mode": service.get("mode") or "forecast_and_scale",
        "min_capacity": int(service["min_capacity"]),
        "max_capacity": int(service["max_capacity"]),
        "schedules": service.get("schedules") or [],
        "reactive": service.get("reactive") or {"metric": "cpu", "target": 50},
        "scheduling_buffer": int(service.get("scheduling_buffer") or 0),
        "max_capacity_breach": service.get("max_capacity_breach") or "honor",
        "max_capacity_buffer": int(service.get("max_capacity_buffer") or 0),
        "allowed_underprovisioned": service.get("allowed_underprovisioned", 0.005),
        "cost": service.get("cost") or {},
    }
    if out["strategy"] not in STRATEGY_POLICIES:
        raise StrategyError("strategy", "%r is not one of %s" % (out["strategy"], ", ".join(sorted(STRATEGY_POLICIES))))
    if out["mode"] not in MODES:
        raise StrategyError("mode", "%r is not one of %s" % (out["mode"], ", ".join(MODES)))
    if out["max_capacity_breach"] not in ("honor", "increase"):
        raise StrategyError("max_capacity_breach", "%r is not honor or increase" % (out["max_capacity_breach"],))
    if not 0 <= out["min_capacity"] <= out["max_capacity"]:
        raise StrategyError("min_capacity", "needs 0 <= min_capacity <= max_capacity, got %d/%d"
                            % (out["min_capacity"], out["max_capacity"]))
    return out


def raised_maximum(max_capacity, buffer_percent):
    """The highest maximum ``max_capacity_breach: increase`` may set: ``max`` plus at most ``buffer`` percent."""
    return int(max_capacity + math.ceil(max_capacity * buffer_percent / 100.0))


def _choose(proposals, policies):
    """``(policy, capacity, reason)``: the highest proposal among ``policies`` (ties: :data:`TIE_ORDER`)."""
    offered = [(p, proposals[p]["capacity"]) for p in TIE_ORDER if p in policies and proposals[p]["capacity"] is not None]
    if not offered:
        return None, None, "no policy of the strategy has a proposal"
    best = max(c for _p, c in offered)
    winners = [p for p, c in offered if c == best]
    others = ["%s %d" % (p, c) for p, c in offered if p not in winners]
    missing = [p for p in policies if proposals[p]["capacity"] is None]
    if len(policies) == 1:
        reason = "%s sets the capacity (strategy %s): %d" % (winners[0], winners[0], best)
    else:
        reason = "%s is the highest at %d" % (winners[0], best)
        if len(winners) > 1:
            reason += " (tied with %s)" % ", ".join(winners[1:])
        if others:
            reason += "; " + ", ".join(others)
    if missing:
        reason += "; no proposal from %s" % ", ".join(missing)
    return winners[0], best, reason


def _compress(slot_times, caps):
    schedule = []
    for t, c in zip(slot_times, caps):
        if not schedule or schedule[-1]["capacity"] != c:
            schedule.append({"time": iso_utc(t), "capacity": int(c)})
    return schedule


def _day_cost(caps, interval, pricing):
    """Cost per day of holding ``caps`` (one per interval) with the mix, scaled to 24 hours."""
    return _cost.cost_rates(caps, interval, pricing)["per_day"]


def _budget_cap(caps, interval, pricing, budget_per_day, floor):
    """``caps`` capped at the highest level whose cost per day fits ``budget_per_day``, never below ``floor``."""
    if budget_per_day is None or pricing.unit_hour <= 0 or not caps:
        return list(caps), None
    budgeted = pricing.with_mix()
    budgeted.budget = budget_per_day * len(caps) * interval / DAY
    return _cost.apply_budget(caps, interval, budgeted, floor=floor)


def _pricing_of(decision):
    """The pricing a decision was made with (its ``mix``), for the environment budget."""
    mix = decision.get("mix") or {}
    return _cost.Pricing(on_demand_price=mix.get("on_demand_unit_price", decision.get("unit_price", 0.0)),
                         spot_share=mix.get("spot_share", 0.0), spot_price=mix.get("spot_unit_price"),
                         on_demand_base=mix.get("on_demand_base", 0), currency=decision.get("currency"))


def decide(service, now, forecast=None, current_capacity=None, reactive_value=None, interval=900, horizon=86400,
           forecast_buffer=0, provider="aws", needs=None):
    """One decision object for ``service`` over ``[now, now + horizon)``, in steps of ``interval``.

    ``service``: ``{name, strategy, mode, min_capacity, max_capacity, schedules, reactive,
    scheduling_buffer, max_capacity_breach, max_capacity_buffer, allowed_underprovisioned, cost}``
    (the catalogue's normalised ``scaling`` with the bounds); ``forecast``: ``capacity_forecast``'s
    decision for it (None without load dimensions), computed with the same bounds, or with the
    maximum raised by the breach buffer; ``reactive_value``: the ``promql`` metric's current value.
    The scheduling buffer starts the schedules' floors early; the forecast is expected to carry it
    already (``capacity_forecast`` forecasts with the buffer as its lead time): ``forecast_buffer``
    adds a buffer to a forecast made without one.

    Cost is priced with the service's mix on ``provider`` (``cost.py``); with a spot share the
    interruption rule (``spot.py``) runs on the schedule against ``needs`` (the units the load needs
    per step without margin; by default :func:`forecast_needs`) and may add headroom or lower the
    share, before the budget caps: ``spot`` says what it did.

    The decision keeps the keys a scaling target reads (``ok``, ``action``, ``target_capacity``,
    ``min_capacity``, ``max_capacity``, ``time_to_execute``, ``schedule``) and adds ``strategy``,
    ``mode``, ``proposals`` ({policy: {capacity, detail, ...}}), ``chosen_policy``, ``reason``,
    ``capacity``, ``max_capacity_raised``, ``cost_per_hour``, ``cost_per_day``, ``currency``,
    ``budget_per_day``, ``over_budget``, ``over_budget_amount``, ``slo_risk``, ``slo_risk_units`` and
    ``spot``. Future steps combine the forecast and the schedules (target tracking acts live between
    runs, so its hold counts for the first interval only).
    """
    cfg = _settings(service)
    name = cfg["name"]
    buffer = cfg["scheduling_buffer"]
    interval = int(interval)
    n_slots = max(1, int(math.ceil(float(horizon) / interval)))
    slots = [now + j * interval for j in range(n_slots)]
    proposals = {
        "predictive": predictive_proposal(forecast, now, forecast_buffer),
        "scheduled": scheduled_proposal(cfg["schedules"], now, buffer),
        "reactive": reactive_proposal(cfg["reactive"], current_capacity, reactive_value),
    }
    policies = STRATEGY_POLICIES[cfg["strategy"]]
    notes = list((forecast or {}).get("warnings") or [])
    base = dict((k, v) for k, v in (forecast or {}).items() if k not in ("schedule", "warnings"))
    if "predictive" in policies and proposals["predictive"]["capacity"] is None:
        # No forecast (stale or unreadable data): nothing is changed, as for a failed forecast alone.
        return _failed(cfg, base, proposals, current_capacity, "predictive: " + proposals["predictive"]["detail"])

    chosen, need, reason = _choose(proposals, policies)
    if chosen is None:
        # Nothing proposes (a scheduled service outside its schedules): hold what is in service.
        held = current_capacity if current_capacity is not None else cfg["min_capacity"]
        chosen, need = "none", int(held)
        reason = "no proposal from %s: the capacity in service is held" % ", ".join(policies)
    ceiling = proposals["scheduled"]["ceiling"] if "scheduled" in policies else None

    # Per slot: what each policy needs (the reactive hold stands for the first interval only).
    steps = _steps(forecast) if (forecast and forecast.get("ok") and "predictive" in policies) else []
    default_forecast = proposals["predictive"]["capacity"]
    raw = []
    for j, t in enumerate(slots):
        if j == 0:
            level = need
            cap = ceiling
        else:
            level = None
            bounds = schedule_bounds(cfg["schedules"], t, buffer) if ("scheduled" in policies and cfg["schedules"]) \
                else {"floor": None, "ceiling": None}
            cap = bounds["ceiling"]
            candidates = [bounds["floor"]]
            if steps:
                candidates.append(forecast_capacity(steps, t, forecast_buffer, default_forecast))
            candidates = [c for c in candidates if c is not None]
            level = max(candidates) if candidates else raw[-1][0]
        raw.append((int(level), cap))

    # Bounds: the schedule's ceiling, then the maximum (honoured, or raised by the breach buffer).
    low, high = cfg["min_capacity"], cfg["max_capacity"]
    peak = max(level if cap is None else min(level, max(cap, low)) for level, cap in raw)
    max_raised = False
    if peak > high and cfg["max_capacity_breach"] == "increase":
        high = min(peak, raised_maximum(cfg["max_capacity"], cfg["max_capacity_buffer"]))
        max_raised = high > cfg["max_capacity"]
        notes.append("max_capacity_breach increase: the maximum is raised from %d to %d (buffer %d %%)"
                     % (cfg["max_capacity"], high, cfg["max_capacity_buffer"]))
    wanted, caps = [], []
    for level, cap in raw:
        if cap is not None:
            level = min(level, max(cap, low))
        wanted.append(level)
        caps.append(min(max(level, low), high))
    short_max = max(w - c for w, c in zip(wanted, caps))
    if short_max > 0:
        notes.append("%s needs %d units, above max_capacity %d: SLO at risk" % (chosen, max(wanted), high))

    # The mix, the spot interruption rule, then the service's daily budget.
    pricing = mix_pricing(cfg["cost"], provider)
    guard_needs = list(needs)[:len(caps)] if needs is not None else forecast_needs(forecast, wanted)
    caps, pricing, spot = spot_guard(pricing, caps, guard_needs, cfg["allowed_underprovisioned"], interval, high)
    if spot and spot["action"] != "none":
        notes.append("spot: %s (%s)" % (spot["action"], spot["reason"]))
    budget = cfg["cost"].get("budget_per_day")
    bounded = list(caps)
    caps, level = _budget_cap(caps, interval, pricing, budget, low)
    cost_per_day = _day_cost(caps, interval, pricing)
    over_budget = budget is not None and cost_per_day > budget + 1e-9
    short_budget = max(b - c for b, c in zip(bounded, caps))
    if level is not None and short_budget > 0:
        notes.append("budget %.2f %s per day caps capacity at %d units (%d short): SLO at risk"
                     % (budget, pricing.currency, level, short_budget))
    if over_budget:
        notes.append("over budget: min_capacity %d costs %.2f %s per day, %.2f above the budget %.2f; raise "
                     "cost.budget_per_day or lower capacity.min"
                     % (low, cost_per_day, pricing.currency, cost_per_day - budget, budget))
    target = int(caps[0])
    units_short = max(w - c for w, c in zip(wanted, caps))
    if target < need:
        reason += "; held at %d by %s" % (target, "the budget" if level is not None and target < bounded[0]
                                          else "the maximum" if wanted[0] > high else "the schedule's ceiling")
    elif target > need:
        reason += "; raised to %d by %s" % (target, "capacity.min" if target == low else "the spot rule")
    decision = dict(base)
    decision.update({
        "service": name,
        "ok": True,
        "strategy": cfg["strategy"],
        "mode": cfg["mode"],
        "proposals": proposals,
        "chosen_policy": chosen,
        "reason": reason,
        "capacity": target,
        "target_capacity": target,
        "current_capacity": current_capacity,
        "action": _action(target, current_capacity),
        "min_capacity": low,
        "max_capacity": int(high),
        "max_capacity_raised": max_raised,
        "time_to_execute": iso_utc(now),
        "schedule": _compress(slots, caps),
        "horizon_seconds": int(n_slots * interval),
        "interval_seconds": interval,
        "scheduling_buffer": buffer,
        "unit_price": round(pricing.unit_hour, 6),
        "mix": pricing.to_dict(),
        "cost_per_hour": round(pricing.step_price(target), 6),
        "cost_per_day": round(cost_per_day, 6),
        "estimated_cost": round(_cost.schedule_cost(caps, interval, pricing), 4),
        "currency": pricing.currency,
        "budget_per_day": budget,
        "over_budget": bool(over_budget),
        "over_budget_amount": round(max(0.0, cost_per_day - budget), 6) if over_budget else 0.0,
        "slo_risk": bool(units_short > 0),
        "slo_risk_units": int(max(0, units_short)),
        "spot": spot,
        "warnings": notes,
    })
    if current_capacity is None:
        decision["warnings"].append("current capacity unknown: apply target_capacity as is")
    if chosen == "predictive" and forecast and forecast.get("time_to_execute") and target == forecast["target_capacity"]:
        # A rise the forecast defers (needed only later, already its lead time early): keep its time.
        decision["time_to_execute"] = iso_utc(max(now, parse_iso(forecast["time_to_execute"]) - forecast_buffer))
    return decision


def _action(target, current):
    if current is None or target == current:
        return "maintain"
    return "scale_up" if target > current else "scale_down"


def _failed(cfg, base, proposals, current_capacity, reason):
    decision = dict(base)
    held = int(current_capacity if current_capacity is not None else cfg["min_capacity"])
    decision.update({
        "service": cfg["name"], "ok": False, "strategy": cfg["strategy"], "mode": cfg["mode"],
        "proposals": proposals, "chosen_policy": "none", "reason": reason, "capacity": held,
        "target_capacity": held, "current_capacity": current_capacity, "action": "maintain",
        "min_capacity": cfg["min_capacity"], "max_capacity": cfg["max_capacity"], "max_capacity_raised": False,
        "schedule": [], "cost_per_hour": 0.0, "cost_per_day": 0.0, "unit_price": 0.0,
        "budget_per_day": (cfg["cost"] or {}).get("budget_per_day"), "over_budget": False, "over_budget_amount": 0.0,
        "slo_risk": True, "slo_risk_units": 0, "spot": None,
        "warnings": list(base.get("warnings") or []) or [reason],
    })
    decision.setdefault("currency", (cfg["cost"] or {}).get("currency", "USD"))
    return decision


def _expand(decision):
    """The decision's schedule as one capacity per interval over its horizon."""
    interval = decision["interval_seconds"]
    steps = [(parse_iso(s["time"]), s["capacity"]) for s in decision["schedule"]]
    start = steps[0][0]
    n_slots = max(1, int(decision["horizon_seconds"] // interval))
    return [_capacity_at(steps, start + j * interval, steps[0][1]) for j in range(n_slots)], start


def apply_environment_budget(decisions, budget_per_day):
    """Cap the decisions together at the environment's daily budget (share of this run), in place.

    Every service keeps its minimum; what lies above it is cut by one common factor until the sum of
    the decisions' costs per day fits. When the minimums alone cost more, every decision is held at
    its minimum and carries ``over_budget`` with its share of the excess. Each decision gets
    ``environment_budget`` = ``{budget_per_day, cost_per_day, factor}``. Returns the decisions.
    """
    if budget_per_day is None:
        return decisions
    live = [d for d in decisions if d.get("ok") and d.get("schedule")]
    plans = []
    for d in live:
        caps, start = _expand(d)
        plans.append((d, caps, start))

    def total(factor):
        out = 0.0
        for d, caps, _start in plans:
            low = d["min_capacity"]
            out += _day_cost([low + int(math.floor((c - low) * factor + 1e-9)) for c in caps],
                             d["interval_seconds"], _pricing_of(d))
        return out

    factor = 1.0
    if total(1.0) > budget_per_day + 1e-9:
        lo, hi = 0.0, 1.0
        for _step in range(40):
            mid = (lo + hi) / 2.0
            if total(mid) > budget_per_day + 1e-9:
                hi = mid
            else:
                lo = mid
        factor = lo
    spent = total(factor)
    over = spent > budget_per_day + 1e-9
    for d, caps, start in plans:
        low = d["min_capacity"]
        new = [low + int(math.floor((c - low) * factor + 1e-9)) for c in caps]
        if new != caps:
            cut = max(c - n for c, n in zip(caps, new))
            d["target_capacity"] = d["capacity"] = int(new[0])
            d["action"] = _action(d["target_capacity"], d.get("current_capacity"))
            d["schedule"] = _compress([start + j * d["interval_seconds"] for j in range(len(new))], new)
            pricing = _pricing_of(d)
            d["cost_per_hour"] = round(pricing.step_price(new[0]), 6)
            d["cost_per_day"] = round(_day_cost(new, d["interval_seconds"], pricing), 6)
            d["estimated_cost"] = round(_cost.schedule_cost(new, d["interval_seconds"], pricing), 4)
            d["slo_risk"] = True
            d["slo_risk_units"] = int(d.get("slo_risk_units", 0)) + int(cut)
            d["warnings"].append("environment budget %.2f per day caps this service (%d units short): SLO at risk"
                                 % (budget_per_day, cut))
        if over:
            share = (spent - budget_per_day) * (d["cost_per_day"] / spent if spent else 0.0)
            d["over_budget"] = True
            d["over_budget_amount"] = round(float(d.get("over_budget_amount") or 0.0) + share, 6)
            d["warnings"].append("over the environment budget: the minimums cost %.2f per day, more than %.2f"
                                 % (spent, budget_per_day))
        d["environment_budget"] = {"budget_per_day": budget_per_day, "cost_per_day": round(spent, 6),
                                   "factor": round(factor, 6)}
    return decisions


__all__ = ["POLICIES", "STRATEGY_POLICIES", "StrategyError", "apply_environment_budget", "decide",
           "forecast_capacity", "forecast_needs", "last_firing", "mix_pricing", "spot_guard", "predictive_proposal", "raised_maximum",
           "reactive_proposal", "schedule_bounds", "schedule_in_force", "scheduled_proposal"]
