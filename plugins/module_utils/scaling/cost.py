# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cost of a capacity schedule (pure computation, no I/O)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class CostError(MeridianError):
    """Bad pricing input: ``field`` names the option to fix."""

    def __init__(self, msg, field=None):
        super(CostError, self).__init__(field, msg, prefix=False)


class Pricing:
    """Price of one unit for one hour, blended over on-demand and spot shares.

    ``spot_share`` is the fraction of units run on spot (0..1) at ``spot_price`` per unit-hour
    (defaults to ``on_demand_price``); the rest run on demand.
    """

    def __init__(self, on_demand_price=0.0, spot_share=0.0, spot_price=None, currency="USD", budget=None):
        try:
            self.on_demand_price = float(on_demand_price or 0.0)
            self.spot_share = float(spot_share or 0.0)
            self.spot_price = self.on_demand_price if spot_price is None else float(spot_price)
            self.budget = None if budget is None else float(budget)
        except (TypeError, ValueError):
            raise CostError("cost options must be numbers", "cost")
        self.currency = currency or "USD"
        if self.on_demand_price < 0:
            raise CostError("cost.on_demand_price must be >= 0", "cost.on_demand_price")
        if self.spot_price < 0:
            raise CostError("cost.spot_price must be >= 0", "cost.spot_price")
        if not 0.0 <= self.spot_share <= 1.0:
            raise CostError("cost.spot_share must be between 0 and 1", "cost.spot_share")
        if self.budget is not None and self.budget <= 0:
            raise CostError("cost.budget must be > 0 when set (omit it for no cap)", "cost.budget")

    @property
    def unit_hour(self):
        """Blended price of one unit-hour."""
        return (1.0 - self.spot_share) * self.on_demand_price + self.spot_share * self.spot_price

    @classmethod
    def from_dict(cls, data):
        data = dict(data or {})
        return cls(on_demand_price=data.get("on_demand_price", 0.0), spot_share=data.get("spot_share", 0.0),
                   spot_price=data.get("spot_price"), currency=data.get("currency", "USD"),
                   budget=data.get("budget"))


def schedule_cost(capacities, step_seconds, pricing):
    """Cost of holding ``capacities[i]`` units during each ``step_seconds`` slot."""
    hours = step_seconds / 3600.0
    return float(sum(capacities) * hours * pricing.unit_hour)


def budget_cap(pricing, horizon_seconds):
    """Largest constant capacity the budget affords over the horizon (None when no budget)."""
    if pricing.budget is None or pricing.unit_hour <= 0:
        return None
    return int(pricing.budget // (pricing.unit_hour * horizon_seconds / 3600.0))


def over_budget(cost, pricing):
    """True when ``cost`` exceeds ``pricing.budget`` (never without a budget)."""
    return pricing.budget is not None and cost > pricing.budget + 1e-9


def apply_budget(capacities, step_seconds, pricing, floor=0):
    """Cap ``capacities`` at the highest level whose total cost fits ``pricing.budget``.

    The level never goes below ``floor`` (the minimum capacity), and capacities are raised to it:
    when even ``floor`` does not fit, the result still costs more than the budget
    (:func:`over_budget` tells). Returns ``(capped list, level)``; ``level`` is None when nothing
    had to be capped.
    """
    caps = [max(int(c), int(floor)) for c in capacities]
    if pricing.budget is None or pricing.unit_hour <= 0 or not caps:
        return caps, None
    if not over_budget(schedule_cost(caps, step_seconds, pricing), pricing):
        return caps, None
    level = max(caps)
    while level > floor and over_budget(schedule_cost([min(c, level) for c in caps], step_seconds, pricing), pricing):
        level -= 1
    return [min(c, level) for c in caps], level
