# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity decisions as Prometheus text exposition, so that forecast accuracy is visible over time.

The metric names are the ones the monitoring role's forecast-error rules read (docs/monitoring.md):
  meridian_forecast_load{service, dimension}   the point forecast one scaling interval ahead
  meridian_actual_load{service, dimension}     the load measured when the decision was made
  meridian_forecast_capacity{service}          the capacity decided for the coming interval
and the account of the scaling strategy that made the decision (``scaling.strategies``):
  meridian_scaling_proposal{service, policy}              each policy's proposal (predictive, scheduled, reactive)
  meridian_scaling_decision_info{service, strategy, mode, chosen_policy}   1, the labels say who set the capacity
  meridian_scaling_cost_per_hour{service, currency}       the decision's cost for one hour
  meridian_scaling_cost_per_day{service, currency}        the decision's schedule priced over a day
  meridian_scaling_budget_per_day{service, currency}      the service's daily budget, when it has one
  meridian_scaling_over_budget{service}                   1 when the bounds force more than the budget
  meridian_scaling_over_budget_amount{service, currency}  by how much per day
  meridian_scaling_slo_risk{service}                      1 when a bound or budget holds capacity below the need
  meridian_scaling_slo_risk_units{service}                by how many units
The region is not a metric label: it is the Pushgateway grouping key, added on push.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.exposition import gauges, number, sample
from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    ACTUAL_LOAD_METRIC,
    FORECAST_CAPACITY_METRIC,
    FORECAST_LOAD_METRIC,
)

PROPOSAL_METRIC = "meridian_scaling_proposal"
DECISION_INFO_METRIC = "meridian_scaling_decision_info"
COST_PER_HOUR_METRIC = "meridian_scaling_cost_per_hour"
COST_PER_DAY_METRIC = "meridian_scaling_cost_per_day"
BUDGET_PER_DAY_METRIC = "meridian_scaling_budget_per_day"
OVER_BUDGET_METRIC = "meridian_scaling_over_budget"
OVER_BUDGET_AMOUNT_METRIC = "meridian_scaling_over_budget_amount"
SLO_RISK_METRIC = "meridian_scaling_slo_risk"
SLO_RISK_UNITS_METRIC = "meridian_scaling_slo_risk_units"

_HELP = (
    (FORECAST_LOAD_METRIC, "Point forecast of the load one scaling interval ahead, per service and dimension."),
    (ACTUAL_LOAD_METRIC, "Load measured when the capacity decision was made, per service and dimension."),
    (FORECAST_CAPACITY_METRIC, "Capacity decided for the coming scaling interval, per service."),
    (PROPOSAL_METRIC, "Capacity each scaling policy proposed for the interval, per service and policy."),
    (DECISION_INFO_METRIC, "The strategy, mode and chosen policy of the decision (always 1)."),
    (COST_PER_HOUR_METRIC, "Cost of the decided capacity for one hour."),
    (COST_PER_DAY_METRIC, "Cost of the decided capacity schedule over a day."),
    (BUDGET_PER_DAY_METRIC, "The service's daily budget."),
    (OVER_BUDGET_METRIC, "1 when the bounds force a cost above the budget."),
    (OVER_BUDGET_AMOUNT_METRIC, "Cost per day above the budget."),
    (SLO_RISK_METRIC, "1 when a bound or a budget holds capacity below the need."),
    (SLO_RISK_UNITS_METRIC, "Units of capacity below the need."),
)


def _strategy_samples(samples, service, decision):
    """The strategy's account of one decision (proposals, chosen policy, cost, budget, risks)."""
    for policy, proposal in sorted((decision.get("proposals") or {}).items()):
        value = number((proposal or {}).get("capacity"))
        if value is not None:
            samples[PROPOSAL_METRIC].append(sample(PROPOSAL_METRIC, {"service": service, "policy": policy}, value))
    info = {"service": service, "strategy": decision.get("strategy", ""), "mode": decision.get("mode", ""),
            "chosen_policy": decision.get("chosen_policy", "")}
    samples[DECISION_INFO_METRIC].append(sample(DECISION_INFO_METRIC, info, 1))
    money = {"service": service, "currency": decision.get("currency") or "USD"}
    for name, key, labels in ((COST_PER_HOUR_METRIC, "cost_per_hour", money), (COST_PER_DAY_METRIC, "cost_per_day", money),
                              (BUDGET_PER_DAY_METRIC, "budget_per_day", money),
                              (OVER_BUDGET_AMOUNT_METRIC, "over_budget_amount", money),
                              (SLO_RISK_UNITS_METRIC, "slo_risk_units", {"service": service})):
        value = number(decision.get(key))
        if value is not None:
            samples[name].append(sample(name, labels, value))
    for name, key in ((OVER_BUDGET_METRIC, "over_budget"), (SLO_RISK_METRIC, "slo_risk")):
        samples[name].append(sample(name, {"service": service}, 1 if decision.get(key) else 0))


def decisions_to_exposition(decisions):
    """Prometheus text format for the decisions that could be computed (ok); others are left out."""
    samples = dict((name, []) for name, _help in _HELP)
    for decision in decisions or []:
        if not decision.get("ok"):
            continue
        service = decision["service"]
        for dim in decision.get("dimensions") or []:
            labels = {"service": service, "dimension": dim["name"]}
            for name, key in ((FORECAST_LOAD_METRIC, "forecast_next_interval"), (ACTUAL_LOAD_METRIC, "current_load")):
                value = number(dim.get(key))
                if value is not None:
                    samples[name].append(sample(name, labels, value))
        capacity = number(decision.get("target_capacity"))
        if capacity is not None:
            samples[FORECAST_CAPACITY_METRIC].append(sample(FORECAST_CAPACITY_METRIC, {"service": service}, capacity))
        if "chosen_policy" in decision:
            _strategy_samples(samples, service, decision)
    return gauges(_HELP, samples)
