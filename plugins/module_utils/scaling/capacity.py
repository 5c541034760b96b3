# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity sizing and the scaling decision (pure computation, no I/O).

For each dimension, required units = forecast quantile / (unit capacity x target utilisation).
The plan is the max across dimensions on a grid of decision times, covering the warm-up (lead
time) of each step, never below what the current load needs, scaled in no faster than the
maximum step down and only when the need stayed low for the stabilisation window, bounded by
min/max and, optionally, by a budget. Every decision carries the age of the data it was made
from; data older than the caller's limit gives no decision.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import math

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost as _cost
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as _fc
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast.engine import ForecastError, iso_utc


class CapacityError(MeridianError):
    """Bad capacity input: ``field`` names the option to fix."""

    def __init__(self, msg, field=None):
        super(CapacityError, self).__init__(field, msg, prefix=False)


class StaleDataError(CapacityError):
    """The newest sample is older than ``max_data_age``; ``data_age`` holds its age in seconds."""

    def __init__(self, msg, data_age):
        super(StaleDataError, self).__init__(msg, "max_data_age")
        self.data_age = data_age


class Dimension:
    """One load dimension of a service and its forecast.

    ``quantile_path[k]`` is the forecast quantile at ``now + (k + 1) * step``; None when only
    reactive sizing is possible. ``mean_path`` is the point forecast on the same grid.

    ``peak_utilization`` is the utilisation the forecast quantile may reach. By default it equals
    ``target_utilization`` and the need is ``quantile / (unit_capacity x target_utilization)``.
    When it is higher (typically 1.0), the point forecast is sized at the target utilisation and
    the quantile at the peak utilisation, and the need is the larger of the two: the headroom of
    the target utilisation and the margin of the quantile are then not stacked. ``recent`` holds the observed loads of the last stabilisation
    window (the last one is the current load).

    ``peak_load`` (the largest load of the history, None: no bound) bounds the need: never more
    than a fleet sized for it at the target utilisation, unless the point forecast itself needs
    more at that utilisation (the peak bound).
    """

    def __init__(self, name, unit_capacity, target_utilization=0.7, quantile=0.99, quantile_path=None,
                 recent=None, step=300, coverage=None, model=None, peak_utilization=None, mean_path=None,
                 peak_load=None):
        self.name = name
        self.peak_load = None if peak_load is None else float(peak_load)
        try:
            self.unit_capacity = float(unit_capacity)
            self.target_utilization = float(target_utilization)
            self.quantile = float(quantile)
        except (TypeError, ValueError):
            raise CapacityError("dimension %s: unit_capacity, target_utilization and quantile must be numbers"
                                % name, "dimensions")
        if self.unit_capacity <= 0 or math.isnan(self.unit_capacity):
            raise CapacityError("dimension %s: unit_capacity must be > 0 (the load one unit serves)" % name,
                                "dimensions.unit_capacity")
        if self.target_utilization <= 0.0 or self.target_utilization > 1.0 or math.isnan(self.target_utilization):
            raise CapacityError("dimension %s: target_utilization must be in (0, 1]" % name,
                                "dimensions.target_utilization")
        try:
            self.peak_utilization = (self.target_utilization if peak_utilization is None
                                     else float(peak_utilization))
        except (TypeError, ValueError):
            raise CapacityError("dimension %s: peak_utilization must be a number" % name,
                                "dimensions.peak_utilization")
        if not self.target_utilization <= self.peak_utilization <= 1.0:
            raise CapacityError("dimension %s: peak_utilization must be between target_utilization and 1"
                                % name, "dimensions.peak_utilization")
        if not 0.0 < self.quantile < 1.0:
            raise CapacityError("dimension %s: quantile must be strictly between 0 and 1" % name,
                                "dimensions.quantile")
        self.quantile_path = None if quantile_path is None else [float(v) for v in quantile_path]
        self.mean_path = None if mean_path is None else [float(v) for v in mean_path]
        self.recent = [float(v) for v in (recent or [])]
        self.step = int(step)
        self.coverage = coverage
        self.model = model or {}

    def units(self, load):
        """Units needed to serve ``load`` at the target utilisation."""
        per_unit = self.unit_capacity * self.target_utilization
        return int(math.ceil(max(load, 0.0) / per_unit - 1e-9))

    def need(self, k, bounded=True):
        """Units needed at forecast step ``k`` (quantile at peak, point at target utilisation).

        With ``peak_load`` and ``bounded``, at most the peak bound (see :meth:`peak_bound`).
        """
        q_units = int(math.ceil(max(self.quantile_path[k], 0.0) / (self.unit_capacity * self.peak_utilization)
                                - 1e-9))
        if self.mean_path is not None and self.peak_utilization > self.target_utilization:
            q_units = max(q_units, self.units(self.mean_path[k]))
        bound = self.peak_bound(k) if bounded else None
        return q_units if bound is None else min(q_units, bound)

    def peak_bound(self, k):
        """Most units step ``k`` may need: the history's peak at the target utilisation, or the
        point forecast at that utilisation when it is higher; None without ``peak_load``."""
        if self.peak_load is None:
            return None
        bound = self.units(self.peak_load)
        if self.mean_path is not None:
            bound = max(bound, self.units(self.mean_path[k]))
        return bound

    def floor_units(self, load):
        """Units the reactive floor keeps for an observed ``load``.

        Without a forecast this is the target-utilisation sizing. With one, the forecast quantile
        already covers what may come next, so the floor only protects against the load seen now:
        it fits in capacity at the peak utilisation (the target one unless ``peak_utilization``
        is set), and utilisation headroom is not stacked on top of the forecast margin.
        """
        if not self.quantile_path:
            return self.units(load)
        return int(math.ceil(max(load, 0.0) / (self.unit_capacity * self.peak_utilization) - 1e-9))

    @property
    def current_load(self):
        return self.recent[-1] if self.recent else 0.0


def _near_term_peak(dim, seconds):
    """Highest forecast quantile over the next ``seconds`` (the current load when reactive)."""
    if not dim.quantile_path:
        return dim.current_load
    steps = max(1, int(math.ceil(seconds / float(dim.step))))
    return max(dim.quantile_path[:steps])


def validate_bounds(min_capacity, max_capacity, current_capacity=None):
    if min_capacity is None or max_capacity is None:
        raise CapacityError("min_capacity and max_capacity are required", "min_capacity")
    if min_capacity < 0:
        raise CapacityError("min_capacity must be >= 0", "min_capacity")
    if max_capacity <= 0:
        raise CapacityError("max_capacity must be > 0", "max_capacity")
    if min_capacity > max_capacity:
        raise CapacityError("min_capacity (%d) is greater than max_capacity (%d): swap or fix them"
                            % (min_capacity, max_capacity), "min_capacity")
    if current_capacity is not None and current_capacity < 0:
        raise CapacityError("current_capacity must be >= 0", "current_capacity")


def data_age(series_by_name, decision_time):
    """Age of the data at ``decision_time`` (epoch seconds): ``(seconds, dimension name, last sample)``.

    ``series_by_name`` is a list of ``(dimension name, Series)``. The age is that of the dimension
    whose newest real sample is the oldest (every dimension must be fresh for the decision to be);
    never negative (samples after ``decision_time`` count as fresh).
    """
    name, last = min(((n, s.last_observed) for n, s in series_by_name), key=lambda item: item[1])
    return max(0, int(round(decision_time - last))), name, last


def check_data_age(service, series_by_name, decision_time, max_data_age):
    """The data's age in seconds; raise ``StaleDataError`` when it exceeds ``max_data_age`` (0/None: no limit)."""
    age, name, last = data_age(series_by_name, decision_time)
    if max_data_age and age > max_data_age:
        raise StaleDataError(
            "service %s: the newest sample of dimension %s is %d s old (at %s, decision time %s), more than "
            "max_data_age %d s; no decision was made. Check that the metrics still reach Prometheus (scrape "
            "targets, recording rules), or raise max_data_age (0 disables the check)"
            % (service, name, age, iso_utc(last), iso_utc(decision_time), max_data_age), age)
    return age


def _point_ahead(dim, seconds):
    """The point (mean) forecast `seconds` ahead, or the current load when there is no forecast."""
    if not dim.mean_path:
        return dim.current_load
    index = min(len(dim.mean_path) - 1, max(0, int(math.ceil(seconds / float(dim.step))) - 1))
    return round(dim.mean_path[index], 6)


def decide(service, now, dimensions, min_capacity, max_capacity, current_capacity=None, horizon=86400,
           interval=900, lead_time=300, scale_in_max_step=0.2, stabilization=900, pricing=None,
           warnings=None, data_age_seconds=None):
    """Build the decision dict for one service.

    ``now`` is epoch seconds of the last observation; ``horizon``, ``interval`` (time between
    schedule steps), ``lead_time`` (warm-up) and ``stabilization`` are seconds;
    ``scale_in_max_step`` is the largest fraction of capacity removed per interval (at least one
    unit); ``data_age_seconds`` (the age of the data at decision time) is copied into the decision.

    With a budget, capacity is capped at the highest level whose cost fits, never below
    ``min_capacity``. When even ``min_capacity`` over the horizon costs more than the budget, the
    decision keeps ``min_capacity``, sets ``over_budget`` and says so in ``warnings``;
    ``estimated_cost`` is always the cost of the schedule returned.
    """
    validate_bounds(min_capacity, max_capacity, current_capacity)
    if not dimensions:
        raise CapacityError("at least one dimension is required", "dimensions")
    if interval <= 0 or horizon <= 0 or lead_time < 0 or stabilization < 0:
        raise CapacityError("horizon and interval must be > 0, lead_time and stabilization >= 0", "horizon")
    if not 0.0 < scale_in_max_step <= 1.0:
        raise CapacityError("scale_in_max_step must be in (0, 1]", "scale_in_max_step")
    pricing = pricing or _cost.Pricing()
    notes = list(warnings or [])
    n_slots = max(1, int(math.ceil(horizon / float(interval))))
    slot_start = [now + j * interval for j in range(n_slots)]

    # Need per slot: every forecast point in [slot start, next slot start + lead time].
    need = [0] * n_slots
    per_dim = []
    predictive = False
    for dim in dimensions:
        floor = dim.floor_units(dim.current_load)
        dim_need = [floor] + [0] * (n_slots - 1)
        if dim.quantile_path:
            predictive = True
            for k in range(len(dim.quantile_path)):
                t = now + (k + 1) * dim.step
                units = dim.need(k)
                # slots whose window [s, s + interval + lead] contains t
                j_hi = min(n_slots - 1, int((t - now) // interval))
                j_lo = max(0, int(math.ceil((t - now - interval - lead_time) / float(interval))))
                for j in range(j_lo, j_hi + 1):
                    if units > dim_need[j]:
                        dim_need[j] = units
            # beyond the forecast, hold the last need
            last_t = now + len(dim.quantile_path) * dim.step
            for j in range(n_slots):
                if slot_start[j] > last_t:
                    dim_need[j] = max(dim_need[j], dim_need[j - 1])
        else:
            dim_need = [floor] * n_slots
        window = max(1, int(round(stabilization / float(dim.step))))
        recent_need = dim.floor_units(max(dim.recent[-window:])) if dim.recent else 0
        q_now = dim.quantile_path[0] if dim.quantile_path else dim.current_load
        per_dim.append({
            "name": dim.name,
            "unit_capacity": dim.unit_capacity,
            "target_utilization": dim.target_utilization,
            "peak_utilization": dim.peak_utilization,
            "quantile": dim.quantile,
            "forecast_quantile": round(_near_term_peak(dim, interval + lead_time), 6),
            "current_load": dim.current_load,
            "next_quantile": q_now,
            # Point forecast one scaling interval ahead: recorded as a metric, so that forecast
            # error can be measured against what is actually seen then.
            "forecast_next_interval": _point_ahead(dim, interval),
            "required_units": dim_need[0],
            "reactive_units": floor,
            "peak_load": dim.peak_load,
            "peak_bound_units": (dim.peak_bound(0) if dim.quantile_path else None),
            "peak_bound_applied": bool(dim.quantile_path and dim.peak_load is not None and any(
                dim.need(k) < dim.need(k, bounded=False) for k in range(len(dim.quantile_path)))),
            "model": dim.model,
            "_recent_need": recent_need,
        })
        need = [max(a, b) for a, b in zip(need, dim_need)]

    # Stabilisation: scale in only to the max need over the last stabilisation window.
    back = max(0, int(math.ceil(stabilization / float(interval))) - 1)
    stab = []
    recent_need = max(d["_recent_need"] for d in per_dim)
    for j in range(n_slots):
        lo = max(0, j - back)
        level = max(need[lo:j + 1])
        if j - back < 0:
            level = max(level, recent_need)
        stab.append(level)

    # Bounds and the maximum step down.
    caps = []
    prev = current_capacity
    for j in range(n_slots):
        c = min(max(stab[j], min_capacity), max_capacity)
        if prev is not None and c < prev:
            floor_down = prev - max(1, int(math.floor(prev * scale_in_max_step)))
            c = max(c, floor_down, min_capacity)
        caps.append(int(c))
        prev = c
    unbounded_peak = max(stab)
    if unbounded_peak > max_capacity:
        notes.append("forecast needs %d units, above max_capacity %d: SLO at risk" % (unbounded_peak, max_capacity))

    capped, level = _cost.apply_budget(caps, interval, pricing, floor=min_capacity)
    slo_risk = unbounded_peak > max_capacity
    if level is not None:
        if any(c < s for c, s in zip(capped, stab)):
            slo_risk = True
            notes.append("budget %.2f %s caps capacity at %d units: SLO at risk"
                         % (pricing.budget, pricing.currency, level))
        caps = capped
    total_cost = _cost.schedule_cost(caps, interval, pricing)
    over_budget = _cost.over_budget(total_cost, pricing)
    if over_budget:
        notes.append("over budget: min_capacity %d over the horizon costs %.2f %s, more than the budget %.2f %s; "
                     "capacity stays at min_capacity. Raise cost.budget or lower min_capacity"
                     % (min_capacity, total_cost, pricing.currency, pricing.budget, pricing.currency))

    target = caps[0]
    if current_capacity is None:
        action = "maintain"
        notes.append("current capacity unknown: apply target_capacity as is")
    elif target > current_capacity:
        action = "scale_up"
    elif target < current_capacity:
        action = "scale_down"
    else:
        action = "maintain"

    when = now
    if action == "scale_up" and predictive:
        reactive_now = max(d["reactive_units"] for d in per_dim)
        if reactive_now <= current_capacity:
            # Needed only for a forecast rise: request it one lead time before that rise.
            first = None
            for dim in dimensions:
                for k in range(len(dim.quantile_path or [])):
                    if dim.need(k) > current_capacity:
                        t = now + (k + 1) * dim.step
                        first = t if first is None else min(first, t)
                        break
            if first is not None:
                when = max(now, first - lead_time)

    schedule = []
    for j, c in enumerate(caps):
        if not schedule or schedule[-1]["capacity"] != c:
            schedule.append({"time": iso_utc(slot_start[j]), "capacity": int(c)})

    coverages = [d.coverage for d in dimensions if d.coverage is not None]
    confidence = round(min(coverages), 4) if (predictive and coverages) else 0.0
    models = [d.model for d in dimensions if d.model]
    chosen = models[0] if models else {"name": "reactive", "backtest_mase": None, "backtest_smape": None}
    if len(models) > 1:
        # report the least accurate dimension's model: it bounds the decision's quality
        chosen = max(models, key=lambda m: (m.get("backtest_mase") is not None, m.get("backtest_mase") or 0))
    for d in per_dim:
        d.pop("_recent_need", None)
    return {
        "service": service,
        "ok": True,
        "action": action,
        "current_capacity": current_capacity,
        "target_capacity": int(target),
        "min_capacity": int(min_capacity),
        "max_capacity": int(max_capacity),
        "confidence": confidence,
        "estimated_cost": round(total_cost, 4),
        "currency": pricing.currency,
        "over_budget": over_budget,
        "time_to_execute": iso_utc(when),
        "dimensions": per_dim,
        "model": chosen,
        "schedule": schedule,
        "slo_risk": bool(slo_risk),
        "horizon_seconds": int(horizon),
        "interval_seconds": int(interval),
        "data_age_seconds": None if data_age_seconds is None else int(data_age_seconds),
        "warnings": notes,
    }


def failed_decision(service, reason, min_capacity=0, max_capacity=0, current_capacity=None, currency="USD",
                    data_age_seconds=None):
    """A decision that could not be computed: ``ok`` is False and appliers change nothing.

    ``data_age_seconds`` is the age of the data when it was read (None when it could not be).
    """
    return {
        "service": service,
        "ok": False,
        "action": "maintain",
        "current_capacity": current_capacity,
        "target_capacity": int(current_capacity if current_capacity is not None else min_capacity),
        "min_capacity": int(min_capacity),
        "max_capacity": int(max_capacity),
        "confidence": 0.0,
        "estimated_cost": 0.0,
        "currency": currency,
        "over_budget": False,
        "time_to_execute": iso_utc(0),
        "dimensions": [],
        "model": {"name": "none", "backtest_mase": None, "backtest_smape": None},
        "schedule": [],
        "slo_risk": True,
        "data_age_seconds": None if data_age_seconds is None else int(data_age_seconds),
        "warnings": [reason],
    }


def plan_service(service, dimensions, min_capacity, max_capacity, current_capacity=None, horizon=86400,
                 interval=900, lead_time=300, scale_in_max_step=0.2, stabilization=900, pricing=None,
                 model="auto", now=None, transform="auto", decision_time=None, max_data_age=None,
                 allowed_underprovisioned=None, peak_bound=True):
    """Forecast every dimension of a service and build its decision.

    ``dimensions`` is a list of dicts: ``name``, ``series`` (a :class:`forecast.Series`),
    ``unit_capacity``, ``target_utilization`` (default 0.7), ``quantile`` (default 0.99),
    ``peak_utilization`` (default: the target utilisation, see :class:`Dimension`). A ``quantile``
    of None is the default 0.99, or the level sized to ``allowed_underprovisioned`` when given.
    With fewer than two seasons of history a dimension falls back to reactive sizing and the
    decision carries a warning. Bad input raises ``CapacityError`` / ``ForecastError`` before
    any forecast is computed.

    ``decision_time`` (epoch seconds; default ``now``, itself the newest series end by default)
    is when the decision is made, the end of the queried range; the decision's
    ``data_age_seconds`` is measured from the newest real sample to it. When that age exceeds
    ``max_data_age`` seconds (0 or None: no limit), ``StaleDataError`` is raised before any
    forecast.

    ``allowed_underprovisioned`` (a fraction, e.g. 0.005; None: the fixed ``quantile`` of each
    dimension) sizes the margin of every dimension without an explicit ``quantile`` to the
    service's target: the quantile level and the error form are
    the cheapest whose decisions, replayed on the dimension's own backtest, leave at most that share
    of steps short (:func:`engine.calibrate_to_target`); the backtest moves with the history, so
    the margin is recalibrated at every decision. The level chosen is the dimension's ``quantile``
    in the decision. ``peak_bound`` (default on) bounds each step's need by a fleet sized for the
    largest load of the history at the target utilisation, unless the point forecast needs more.
    """
    validate_bounds(min_capacity, max_capacity, current_capacity)
    if not dimensions:
        raise CapacityError("service %s: at least one dimension is required" % service, "dimensions")
    allowed = validate_allowed_underprovisioned(allowed_underprovisioned)
    prepared = []
    for spec in dimensions:
        fixed = spec.get("quantile")
        dim = Dimension(spec.get("name", "load"), spec.get("unit_capacity"), spec.get("target_utilization", 0.7),
                        0.99 if fixed is None else fixed, peak_utilization=spec.get("peak_utilization"))
        # sized to the service's target unless the dimension fixes its quantile
        dim.to_target = allowed is not None and fixed is None
        series = spec["series"]
        if len(series) == 0:
            raise ForecastError("service %s dimension %s has no data" % (service, dim.name), "series")
        prepared.append((dim, series))
    if now is None:
        now = max(series.end for _d, series in prepared)
    if max_data_age is not None and max_data_age < 0:
        raise CapacityError("max_data_age must be >= 0 seconds (0 disables the check)", "max_data_age")
    age = check_data_age(service, [(d.name, s) for d, s in prepared],
                         now if decision_time is None else decision_time, max_data_age)
    notes = []
    out = []
    for dim, series in prepared:
        dim.step = series.step
        window = max(1, int(round(max(stabilization, series.step) / float(series.step))))
        dim.recent = [float(v) for v in series.values[-window:]]
        if peak_bound:
            dim.peak_load = float(max(series.values))
        if series.filled:
            notes.append("%s: %d missing or NaN points interpolated" % (dim.name, series.filled))
        try:
            res = _fc.forecast_series(series, horizon + interval + lead_time,
                                      quantiles=(() if dim.to_target else (dim.quantile,)), model=model,
                                      transform=transform)
        except _fc.InsufficientHistory as exc:
            notes.append("%s: %s; reactive sizing from the current load" % (dim.name, exc))
            dim.model = {"name": "reactive", "backtest_mase": None, "backtest_smape": None}
            out.append(dim)
            continue
        short = regime = None
        if dim.to_target:
            regime = _fc.regime_change(series.values, series.step)
            short = _size_to_target(dim, res, allowed, interval, lead_time, regime)
        dim.quantile_path = [float(v) for v in res.quantiles[dim.quantile]]
        dim.mean_path = [float(v) for v in res.mean]
        dim.coverage = res.coverage.get(dim.quantile)
        dim.model = {"name": res.model,
                     "backtest_mase": None if res.backtest_mase is None else round(res.backtest_mase, 4),
                     "backtest_smape": None if res.backtest_smape is None else round(res.backtest_smape, 3),
                     "periods_seconds": res.periods, "dimension": dim.name,
                     "transform": res.transform,
                     "margin": res.margins.get(dim.quantile),
                     "quantile": dim.quantile,
                     "allowed_underprovisioned": allowed if dim.to_target else None,
                     "backtest_underprovisioned": None if short is None else round(short, 5),
                     "regime_change": regime}
        notes.extend("%s: %s" % (dim.name, w) for w in res.warnings)
        out.append(dim)
    return decide(service, now, out, min_capacity, max_capacity, current_capacity=current_capacity,
                  horizon=horizon, interval=interval, lead_time=lead_time, scale_in_max_step=scale_in_max_step,
                  stabilization=stabilization, pricing=pricing, warnings=notes, data_age_seconds=age)


def validate_allowed_underprovisioned(value):
    """``allowed_underprovisioned`` as a float in [0, 0.5], or None."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CapacityError("allowed_underprovisioned must be a number (a fraction of steps, e.g. 0.005)",
                            "allowed_underprovisioned")
    if not 0.0 <= value <= 0.5 or math.isnan(value):
        raise CapacityError("allowed_underprovisioned must be a fraction between 0 and 0.5, e.g. 0.005 for 0.5 %% of "
                            "steps; got %r" % value, "allowed_underprovisioned")
    return value


def _size_to_target(dim, res, allowed, interval, lead_time, regime=None):
    """Calibrate the dimension's margin to ``allowed`` under-provisioned steps on its backtest.

    Sets ``res.quantiles``, ``res.coverage`` and ``res.margins`` at the level chosen, which becomes
    ``dim.quantile``; returns the share of short steps of the chosen margin on the backtest (None
    without a backtest, where the quantile is ``1 - allowed`` and equals the point forecast).
    A decision holds the need over ``interval + lead_time`` and serves the steps after the lead
    time; the point forecast is sized at the target utilisation, the quantile at the peak one.
    """
    bt = res.backtest
    if bt is None:
        dim.quantile = round(1.0 - allowed, 6)
        res.quantiles[dim.quantile] = res.mean.copy()
        return None
    step = float(dim.step)
    window = (int(math.ceil(lead_time / step)) + 1, max(1, int(math.ceil((interval + lead_time) / step))))
    ratio = dim.peak_utilization / dim.target_utilization
    ceiling = None if dim.peak_load is None else dim.peak_load * ratio
    margin, bt_margin, form, level, short = _fc.calibrate_to_target(bt, allowed, window, point_ratio=ratio,
                                                                    ceiling=ceiling, regime=regime)
    dim.quantile = level
    point = res.mean
    res.quantiles[level] = _fc.np.maximum(point + margin[:len(point)], 0.0)
    res.coverage[level] = float(_fc.np.mean(bt.actual <= bt.pred + bt_margin))
    res.margins[level] = form
    return short


def _plan_job(job):
    """Run one :func:`plan_service` job; errors become a failed decision naming the cause."""
    try:
        return plan_service(**job)
    except (CapacityError, ForecastError, _cost.CostError) as exc:
        return failed_decision(job.get("service", "?"), str(exc), job.get("min_capacity") or 0,
                               job.get("max_capacity") or 0, job.get("current_capacity"),
                               data_age_seconds=getattr(exc, "data_age", None))


def plan_many(jobs, workers=1):
    """:func:`plan_service` over many services (``jobs`` are its keyword arguments), in order.

    With ``workers`` > 1 and enough services the work is spread over forked processes.
    """
    jobs = list(jobs)
    if workers > 1 and len(jobs) >= 8:
        import multiprocessing
        try:
            ctx = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - platforms without fork
            ctx = None
        if ctx is not None:
            chunk = max(1, len(jobs) // (workers * 8))
            with ctx.Pool(processes=workers) as pool:
                return pool.map(_plan_job, jobs, chunksize=chunk)
    return [_plan_job(job) for job in jobs]


__all__ = ["CapacityError", "Dimension", "ForecastError", "StaleDataError", "check_data_age", "data_age", "decide",
           "failed_decision", "plan_many", "plan_service", "validate_allowed_underprovisioned", "validate_bounds"]
