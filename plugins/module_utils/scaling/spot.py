# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spot interruption rule: a spot share whose loss would break the service's target is remedied.

Pure computation, no I/O. One entry point, called by the scaling strategies for each decision::

    interruption_guard(capacities, needs, pricing, allowed_underprovisioned=0.005, step_seconds=900,
                       max_capacity=None, spot_loss=None, remedies=("headroom", "smaller_share"))
        -> dict (see below)

- ``capacities``: the decision's capacity per step (units, as the group's desired capacity).
- ``needs``: the units the forecast load needs per step at the service's target utilisation,
  without safety margin (same length).
- ``pricing``: a :class:`..cost.Pricing` holding the mix (``on_demand_base``, ``spot_share``,
  per-type and spot prices).
- ``allowed_underprovisioned``: the service's target (fraction of steps that may be short).
- ``max_capacity``: the group's maximum; headroom never goes above it.
- ``spot_loss``: the share of the spot units that can be lost at once (default
  :func:`default_spot_loss`).
- ``remedies``: the remedies the caller can apply: ``headroom`` (more capacity under the same mix,
  which scaling applies as the desired capacity) and ``smaller_share`` (a lower spot share, the
  group's OnDemandPercentageAboveBaseCapacity it means; reported, not applied by the scaling job).

The rule. Capacity-optimized allocation puts spot instances in the pools with the most spare
capacity, but a reclaim of a pool still takes every instance in it at once, with a two-minute
notice, and the replacements take minutes to serve. A step is *at risk* when the plan covers the
need but would not after losing ``spot_loss`` of its spot units::

    capacity >= need  and  capacity - spot_loss * spot_units(capacity) < need

(steps the plan itself leaves short are the margin's business, not the spot share's). An
interruption may come at any step, so the at-risk steps count against the same target as the
forecast's own misses: when more than ``floor(allowed_underprovisioned * steps)`` steps are at risk
the plan is remedied, otherwise it is left as it is (``action: none``). The two remedies:

- ``headroom``: each at-risk step gets the fewest extra units (under the same mix, up to
  ``max_capacity``) that cover the need after the loss;
- ``smaller_share``: the largest spot share, in whole percent (what AWS accepts), at which no more
  steps than allowed are at risk, capacity unchanged.

The cheaper one over the horizon is chosen (priced with the mix); a remedy that cannot meet the
target (headroom capped by ``max_capacity``) is not; at equal cost the smaller share wins (less
capacity exposed to interruptions). When no remedy the caller allows meets the target the action is
``at_risk`` and the plan is left as given. The result says which and why::

    {"action": "none" | "headroom" | "smaller_share" | "at_risk", "reason": str,
     "capacities": [...],            # with the headroom when action is headroom, else as given
     "spot_share", "on_demand_base", "on_demand_percentage",   # the mix to apply
     "extra_capacity": int,          # the most units the headroom adds at one step
     "spot_loss", "at_risk_steps", "at_risk_steps_after", "allowed_steps",
     "cost": {"plan", "headroom", "smaller_share", "chosen"}}  # over the horizon, None when not priced
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

REMEDIES = ("headroom", "smaller_share")
# The share of the spot part lost at once. One instance type: a single pool per zone can be
# reclaimed whole. Several types: capacity-optimized concentrates spot in the deepest pools rather
# than spreading it evenly, so more types do not make the loss 1/types; half is the planning figure.
SPOT_LOSS_ONE_TYPE = 1.0
SPOT_LOSS_SEVERAL_TYPES = 0.5


class SpotError(MeridianError):
    """Bad input to the interruption rule; ``field`` names it."""


def default_spot_loss(pricing):
    """The share of spot units lost at once: 1.0 with one instance type (or none listed), 0.5 with several."""
    return SPOT_LOSS_SEVERAL_TYPES if len(pricing.instance_types) > 1 else SPOT_LOSS_ONE_TYPE


def on_demand_percentage(spot_share):
    """OnDemandPercentageAboveBaseCapacity for a spot share (whole percent)."""
    return 100 - int(round(float(spot_share) * 100))


def _after_loss(pricing, capacity, share, loss):
    spot = pricing.split(capacity, spot_share=share)[1]
    return capacity - loss * spot


def _at_risk(pricing, capacities, needs, share, loss):
    return [i for i, (cap, need) in enumerate(zip(capacities, needs))
            if cap >= need and _after_loss(pricing, cap, share, loss) < need - 1e-9]


def _cost(pricing, capacities, step_seconds, share):
    hours = step_seconds / 3600.0
    return float(sum(pricing.step_price(c, spot_share=share) for c in capacities) * hours)


def _check(capacities, needs, allowed, loss, remedies, step_seconds):
    if not isinstance(capacities, (list, tuple)) or not isinstance(needs, (list, tuple)):
        raise SpotError("capacities", "capacities and needs must be lists of units per step")
    if len(capacities) != len(needs):
        raise SpotError("needs", "needs has %d steps and capacities %d; give one need per step"
                        % (len(needs), len(capacities)))
    if not 0.0 <= float(allowed) < 1.0:
        raise SpotError("allowed_underprovisioned", "must be a fraction in [0, 1), got %r" % (allowed,))
    if not 0.0 < float(loss) <= 1.0:
        raise SpotError("spot_loss", "must be a share in (0, 1], got %r" % (loss,))
    unknown = [r for r in remedies if r not in REMEDIES]
    if unknown or not remedies:
        raise SpotError("remedies", "give one or more of %s, got %r" % (", ".join(REMEDIES), list(remedies)))
    if step_seconds <= 0:
        raise SpotError("step_seconds", "must be > 0, got %r" % (step_seconds,))


def _headroom(pricing, capacities, needs, share, loss, risky, max_capacity):
    out = list(capacities)
    for i in risky:
        cap = out[i]
        while _after_loss(pricing, cap, share, loss) < needs[i] - 1e-9 and (max_capacity is None or cap < max_capacity):
            cap += 1
        out[i] = cap
    return out


def _smaller_share(pricing, capacities, needs, share, loss, allowed_steps):
    percent = int(math.floor(share * 100 + 1e-9))
    while percent > 0:
        percent -= 1
        if len(_at_risk(pricing, capacities, needs, percent / 100.0, loss)) <= allowed_steps:
            return percent / 100.0
    return 0.0


def interruption_guard(capacities, needs, pricing, allowed_underprovisioned=0.005, step_seconds=900,
                       max_capacity=None, spot_loss=None, remedies=REMEDIES):
    """Apply the interruption rule to a decision's schedule (see the module docstring)."""
    loss = default_spot_loss(pricing) if spot_loss is None else spot_loss
    _check(capacities, needs, allowed_underprovisioned, loss, remedies, step_seconds)
    capacities = [int(c) for c in capacities]
    needs = [float(n) for n in needs]
    share = pricing.spot_share
    allowed_steps = int(math.floor(float(allowed_underprovisioned) * len(capacities) + 1e-9))
    plan_cost = _cost(pricing, capacities, step_seconds, share)
    result = {
        "action": "none", "capacities": capacities, "spot_share": share, "on_demand_base": pricing.on_demand_base,
        "on_demand_percentage": on_demand_percentage(share), "extra_capacity": 0, "spot_loss": loss,
        "allowed_steps": allowed_steps, "cost": {"plan": plan_cost, "headroom": None, "smaller_share": None,
                                                 "chosen": plan_cost},
    }
    risky = _at_risk(pricing, capacities, needs, share, loss)
    result["at_risk_steps"] = result["at_risk_steps_after"] = len(risky)
    lost = "losing %d%% of the spot part" % round(loss * 100)
    if share <= 0:
        result["reason"] = "no spot share: nothing to lose to an interruption"
        return result
    if len(risky) <= allowed_steps:
        result["reason"] = ("%s would leave %d of %d steps short, within the target (%d allowed at %s)"
                            % (lost, len(risky), len(capacities), allowed_steps, allowed_underprovisioned))
        return result

    options = {}
    if "headroom" in remedies:
        raised = _headroom(pricing, capacities, needs, share, loss, risky, max_capacity)
        left = len(_at_risk(pricing, raised, needs, share, loss))
        result["cost"]["headroom"] = _cost(pricing, raised, step_seconds, share)
        if left <= allowed_steps:
            options["headroom"] = (result["cost"]["headroom"], raised, share, left)
    if "smaller_share" in remedies:
        smaller = _smaller_share(pricing, capacities, needs, share, loss, allowed_steps)
        result["cost"]["smaller_share"] = _cost(pricing, capacities, step_seconds, smaller)
        left = len(_at_risk(pricing, capacities, needs, smaller, loss))
        options["smaller_share"] = (result["cost"]["smaller_share"], capacities, smaller, left)
    problem = ("%s would leave %d of %d steps short, above the target (%d allowed at %s)"
               % (lost, len(risky), len(capacities), allowed_steps, allowed_underprovisioned))
    if not options:
        result["reason"] = problem + "; headroom up to the maximum capacity %s does not cover it and a smaller " \
            "share is not an option here: the spot share is a risk to the target" % (max_capacity,)
        result["action"] = "at_risk"
        return result
    order = sorted(options, key=lambda name: (round(options[name][0], 9), 0 if name == "smaller_share" else 1))
    action = order[0]
    cost, caps, new_share, left = options[action]
    result.update(action=action, capacities=list(caps), spot_share=new_share,
                  on_demand_percentage=on_demand_percentage(new_share), at_risk_steps_after=left)
    result["extra_capacity"] = max([a - b for a, b in zip(caps, capacities)] or [0])
    result["cost"]["chosen"] = cost
    if action == "headroom":
        why = "up to %d extra units under the same mix" % result["extra_capacity"]
    else:
        why = "spot share %s instead of %s (on-demand %d%% above the base)" % (
            new_share, share, result["on_demand_percentage"])
    other = [name for name in options if name != action]
    cheaper = (" , cheaper over the horizon than %s (%.4f against %.4f %s)"
               % (other[0].replace("_", " "), cost, options[other[0]][0], pricing.currency)) if other else ""
    result["reason"] = "%s; %s%s" % (problem, why, cheaper.replace(" ,", ","))
    return result
