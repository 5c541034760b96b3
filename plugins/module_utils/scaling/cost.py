# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cost of a capacity schedule priced with the service's instance mix (pure computation, no I/O).

The mix is the one the compute role applies as the Auto Scaling group's MixedInstancesPolicy
(``scaling.cost`` of the service catalogue):

- ``on_demand_base``: the first units of capacity always run on demand (OnDemandBaseCapacity);
- ``spot_share``: the fraction of the capacity above the base that runs on spot
  (OnDemandPercentageAboveBaseCapacity is ``100 - 100 * spot_share``);
- ``instance_types``: ``[{type, weight?, price?}]`` in priority order. ``price`` is the type's
  on-demand price per instance-hour, ``weight`` the units one instance provides (default 1).

How a step of ``c`` units is priced (:meth:`Pricing.step_price`)::

    base  = min(c, on_demand_base)
    above = c - base
    cost  = (base + (1 - spot_share) * above) * on_demand_unit + spot_share * above * spot_unit

``on_demand_unit`` is the first type's price per unit (``price / weight``; the group's On-Demand
allocation is ``prioritized``, so it launches the first type of the list first), or
``on_demand_price`` when no type has a price. ``spot_unit`` is ``spot_price`` per unit-hour
(the expected spot price; it defaults to the on-demand unit price, so a mix without a spot price
is never priced below on demand). The split is the expected one, in fractions of a unit: Auto
Scaling rounds a group's on-demand count to whole instances, which moves a step's cost by at most
one instance's spot discount.

``budget`` is a budget for the priced horizon (what :func:`apply_budget` caps at);
``budget_per_day`` is carried as given for the callers that budget per day.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class CostError(MeridianError):
    """Bad pricing input: ``field`` names the option to fix."""

    def __init__(self, msg, field=None):
        super(CostError, self).__init__(field, msg, prefix=False)


def _float(value, field, default=0.0):
    if value is None:
        return default
    if isinstance(value, bool):
        raise CostError("%s must be a number, got %r" % (field, value), field)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CostError("%s must be a number, got %r" % (field, value), field)


def instance_type_prices(instance_types, field="cost.instance_types"):
    """``[{type, weight, price}]`` normalised: weight an integer >= 1 (default 1), price a float or None."""
    if instance_types is None:
        return []
    if not isinstance(instance_types, (list, tuple)):
        raise CostError("%s must be a list of {type, weight?, price?}, got %r" % (field, instance_types), field)
    out = []
    for i, item in enumerate(instance_types):
        ifield = "%s[%d]" % (field, i)
        if isinstance(item, str):
            item = {"type": item}
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) or "." not in item["type"]:
            raise CostError("%s.type must be an instance type such as t3.small (an entry is {type, weight?, price?}), "
                            "got %r" % (ifield, item), ifield + ".type")
        weight = item.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise CostError("%s.weight must be a whole number of units >= 1, got %r" % (ifield, weight), ifield + ".weight")
        price = item.get("price")
        if price is not None:
            price = _float(price, ifield + ".price")
            if price < 0:
                raise CostError("%s.price must be >= 0, got %r" % (ifield, price), ifield + ".price")
        out.append({"type": item["type"], "weight": weight, "price": price})
    return out


class Pricing:
    """Price of capacity for one hour, with an on-demand base and a spot share above it.

    Backward compatible: ``Pricing(on_demand_price, spot_share, spot_price)`` without a base or types
    prices every unit at the blended :attr:`unit_hour`.
    """

    def __init__(self, on_demand_price=0.0, spot_share=0.0, spot_price=None, currency="USD", budget=None,
                 on_demand_base=0, instance_types=None, budget_per_day=None):
        self.on_demand_price = _float(on_demand_price, "cost.on_demand_price")
        self.spot_share = _float(spot_share, "cost.spot_share")
        self.budget = None if budget is None else _float(budget, "cost.budget")
        self.budget_per_day = None if budget_per_day is None else _float(budget_per_day, "cost.budget_per_day")
        self.currency = currency or "USD"
        self.instance_types = instance_type_prices(instance_types)
        if isinstance(on_demand_base, bool) or not isinstance(on_demand_base, int) or on_demand_base < 0:
            raise CostError("cost.on_demand_base must be a whole number of units >= 0, got %r" % (on_demand_base,),
                            "cost.on_demand_base")
        self.on_demand_base = on_demand_base
        if self.on_demand_price < 0:
            raise CostError("cost.on_demand_price must be >= 0", "cost.on_demand_price")
        if not 0.0 <= self.spot_share <= 1.0:
            raise CostError("cost.spot_share must be between 0 and 1", "cost.spot_share")
        if self.budget is not None and self.budget <= 0:
            raise CostError("cost.budget must be > 0 when set (omit it for no cap)", "cost.budget")
        if self.budget_per_day is not None and self.budget_per_day <= 0:
            raise CostError("cost.budget_per_day must be > 0 when set (omit it for no cap)", "cost.budget_per_day")
        priced = [t for t in self.instance_types if t["price"] is not None]
        self.on_demand_unit = priced[0]["price"] / priced[0]["weight"] if priced else self.on_demand_price
        self.spot_price = self.on_demand_unit if spot_price is None else _float(spot_price, "cost.spot_price")
        if self.spot_price < 0:
            raise CostError("cost.spot_price must be >= 0", "cost.spot_price")

    @property
    def unit_hour(self):
        """Price of one unit-hour above the on-demand base (the blend of on demand and spot)."""
        return (1.0 - self.spot_share) * self.on_demand_unit + self.spot_share * self.spot_price

    def split(self, capacity, spot_share=None, on_demand_base=None):
        """``(on_demand_units, spot_units)`` of ``capacity`` units under the mix (expected fractions)."""
        share = self.spot_share if spot_share is None else float(spot_share)
        base = self.on_demand_base if on_demand_base is None else int(on_demand_base)
        capacity = max(float(capacity), 0.0)
        above = max(capacity - base, 0.0)
        spot = share * above
        return capacity - spot, spot

    def step_price(self, capacity, spot_share=None, on_demand_base=None):
        """Price of holding ``capacity`` units for one hour."""
        on_demand, spot = self.split(capacity, spot_share, on_demand_base)
        return on_demand * self.on_demand_unit + spot * self.spot_price

    def with_mix(self, spot_share=None, on_demand_base=None):
        """A copy of this pricing with another spot share or on-demand base."""
        return Pricing(on_demand_price=self.on_demand_price,
                       spot_share=self.spot_share if spot_share is None else spot_share,
                       spot_price=self.spot_price, currency=self.currency, budget=self.budget,
                       on_demand_base=self.on_demand_base if on_demand_base is None else on_demand_base,
                       instance_types=self.instance_types, budget_per_day=self.budget_per_day)

    def to_dict(self):
        """The mix as priced (for decisions and reports)."""
        return {"on_demand_unit_price": self.on_demand_unit, "spot_unit_price": self.spot_price,
                "spot_share": self.spot_share, "on_demand_base": self.on_demand_base, "currency": self.currency}

    @classmethod
    def from_dict(cls, data):
        """A :class:`Pricing` from a catalogue ``scaling.cost`` mapping (unknown keys are ignored)."""
        data = dict(data or {})
        return cls(on_demand_price=data.get("on_demand_price", 0.0), spot_share=data.get("spot_share", 0.0),
                   spot_price=data.get("spot_price"), currency=data.get("currency", "USD"),
                   budget=data.get("budget"), on_demand_base=data.get("on_demand_base", 0),
                   instance_types=data.get("instance_types"), budget_per_day=data.get("budget_per_day"))


# The providers whose scaling targets can buy spot capacity (an Auto Scaling group's mixed instances
# policy). A Kubernetes Deployment's pods run on the cluster's nodes: it buys no instances.
SPOT_PROVIDERS = ("aws",)


def provider_pricing(data, provider):
    """:class:`Pricing` of a catalogue ``scaling.cost`` on ``provider``.

    On a provider outside :data:`SPOT_PROVIDERS` the mix does not apply: the spot share, the
    on-demand base and the instance types are dropped and every unit is priced at
    ``on_demand_price``, so a decision never counts on a discount the provider cannot buy.
    """
    pricing = Pricing.from_dict(data)
    if provider in SPOT_PROVIDERS:
        return pricing
    return Pricing(on_demand_price=pricing.on_demand_price, currency=pricing.currency, budget=pricing.budget,
                   budget_per_day=pricing.budget_per_day)


def schedule_cost(capacities, step_seconds, pricing):
    """Cost of holding ``capacities[i]`` units during each ``step_seconds`` slot, priced with the mix."""
    hours = step_seconds / 3600.0
    return float(sum(pricing.step_price(c) for c in capacities) * hours)


def cost_rates(capacities, step_seconds, pricing):
    """``{"per_hour", "per_day"}``: the schedule's mean cost per hour and that rate over 24 hours."""
    if not capacities:
        return {"per_hour": 0.0, "per_day": 0.0}
    hours = len(capacities) * step_seconds / 3600.0
    per_hour = schedule_cost(capacities, step_seconds, pricing) / hours if hours > 0 else 0.0
    return {"per_hour": per_hour, "per_day": per_hour * 24.0}


def on_demand_only_cost(capacities, step_seconds, pricing):
    """What the same schedule would cost with every unit on demand (the comparison for the mix)."""
    return schedule_cost(capacities, step_seconds, pricing.with_mix(spot_share=0.0))


def budget_cap(pricing, horizon_seconds):
    """Largest constant capacity the budget affords over the horizon (None when no budget)."""
    if pricing.budget is None or pricing.unit_hour <= 0:
        return None
    per_hour = pricing.budget / (horizon_seconds / 3600.0)
    base = pricing.on_demand_base
    if pricing.on_demand_unit > 0 and per_hour < base * pricing.on_demand_unit:
        return int(per_hour / pricing.on_demand_unit + 1e-9)
    return int(base + (per_hour - base * pricing.on_demand_unit) / pricing.unit_hour + 1e-9)


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
