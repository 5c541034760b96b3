#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: capacity_forecast
short_description: Decide each service's capacity from its scaling strategy (forecast, schedules, target tracking) and budget
version_added: 0.1.0
description:
  - Reads the load of each dimension of each service (requests per second, CPU, memory, network...)
    from Prometheus with a PromQL range query, or from inline O(services[].dimensions[].series) data.
  - Cleans the series (gaps, NaN, outliers), detects daily and weekly seasons, fits naive, seasonal
    naive, Holt-Winters, simple exponential smoothing, MSTL and seasonal-change models, picks one (or
    the mean of the best two) by a rolling-origin backtest on the series' own recent history, setting
    aside models whose forecast falls below zero, and calibrates the forecast quantile from the
    backtest errors.
  - Sizes each dimension as forecast quantile / (unit capacity x target utilisation), takes the max
    across dimensions, covers the warm-up (lead time), never goes below what the current load needs,
    limits scale-in (maximum step down, stabilisation window), bounds by min/max and an optional
    budget, and returns one decision per service with a capacity schedule over the horizon.
  - With less than two days of history a dimension falls back to reactive sizing and the decision
    carries a warning.
  - Each service's O(services[].strategy) then sets the capacity (version 0.2.0) - V(predictive), the forecast
    alone; V(scheduled), the floor and ceiling of the O(services[].schedules) in force (cron in its own time
    zone); V(reactive), what the target-tracking policy O(services[].reactive) holds; V(hybrid), the highest of
    the three. The decision records every policy's proposal (C(proposals)), which one set the capacity
    (C(chosen_policy)) and why (C(reason)).
  - Guards like EC2 Auto Scaling predictive scaling - O(services[].scheduling_buffer) starts capacity ahead of
    the step that needs it; O(services[].max_capacity_breach) honours the maximum or raises it by at most
    O(services[].max_capacity_buffer) percent (C(max_capacity_raised)); O(services[].mode=forecast_only)
    decides and reports, and M(meridian.global_infra.scaling_target) then changes nothing.
  - Budgets act - capacity is capped at O(services[].cost.budget_per_day) and, over all the services of the
    call, at O(budget_per_day), never below O(services[].min_capacity); when the bounds force more, the decision
    carries C(over_budget) with C(over_budget_amount), and C(slo_risk) with C(slo_risk_units) whenever a cap
    holds capacity below the need. C(cost_per_hour) and C(cost_per_day) price the decision.
  - Every decision carries the age of its data (C(data_age_seconds)); a service whose newest sample is
    older than O(max_data_age) gets no decision (see O(on_error)), so stale metrics are never applied
    as current.
  - Read-only; it never changes anything, so check mode runs it in full.
  - Pair it with M(meridian.global_infra.scaling_target) to apply the decisions.
author:
  - Meridian Platform Team (@meridian)
extends_documentation_fragment:
  - meridian.global_infra.prometheus
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns the same decisions.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff to show.
options:
  services:
    description:
      - The services to decide for. One decision is returned per service, in the same order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Service name, copied into the decision.
        type: str
        required: true
      strategy:
        description:
          - Which policy sets the capacity (the service catalogue's C(scaling.strategy)).
          - V(predictive), the forecast alone; V(scheduled), the schedule in force; V(reactive), what target
            tracking holds; V(hybrid), the highest of the three within the bounds.
          - V(predictive) and V(hybrid) need O(services[].dimensions).
        type: str
        choices: [predictive, scheduled, reactive, hybrid]
        default: predictive
        version_added: 0.2.0
      mode:
        description:
          - V(forecast_and_scale) decides for M(meridian.global_infra.scaling_target) to apply;
            V(forecast_only) decides, reports and is recorded, and the scaling target changes nothing.
        type: str
        choices: [forecast_and_scale, forecast_only]
        default: forecast_and_scale
        version_added: 0.2.0
      schedules:
        description:
          - Recurring schedules of the scheduled policy. Each holds from every firing of its O(services[].schedules[].cron)
            for O(services[].schedules[].duration) seconds, or until another schedule fires.
        type: list
        elements: dict
        version_added: 0.2.0
        suboptions:
          name:
            description: Name, reported in the proposal.
            type: str
            required: true
          cron:
            description: Cron expression of five fields (minute hour day-of-month month day-of-week), for example V(0 8 * * 1-5).
            type: str
            required: true
          time_zone:
            description: IANA time zone the expression is read in (daylight saving followed).
            type: str
            default: UTC
          min:
            description: Floor while the schedule holds.
            type: int
          max:
            description: Ceiling while the schedule holds (caps what the scale job sets).
            type: int
          duration:
            description: Seconds the schedule holds after each firing; omitted, until another schedule fires.
            type: int
      reactive:
        description:
          - The target-tracking policy. With V(cpu) or V(requests_per_target) its proposal is the capacity in
            service (the provider's policy holds it there); with V(promql) it is C(ceil(value / target)) for the
            current value of O(services[].reactive.query), the service's total load.
        type: dict
        version_added: 0.2.0
        suboptions:
          metric:
            description: What target tracking follows.
            type: str
            choices: [cpu, requests_per_target, promql]
            default: cpu
          target:
            description: The value held (CPU percent, requests per instance, or load per instance for V(promql)).
            type: float
            default: 50
          query:
            description: PromQL of the service's total load, for O(services[].reactive.metric=promql).
            type: str
      scheduling_buffer:
        description:
          - Seconds capacity starts ahead of the forecast or schedule step that needs it (EC2 Auto Scaling's
            C(SchedulingBufferTime)); the forecast uses it as the service's O(lead_time).
          - Omitted, O(lead_time) applies to the forecast and schedules start on time.
        type: int
        version_added: 0.2.0
      max_capacity_breach:
        description:
          - V(honor) never sets more than O(services[].max_capacity) (the shortfall is C(slo_risk_units)).
          - V(increase) raises the maximum up to the need, by at most O(services[].max_capacity_buffer) percent;
            the decision says so (C(max_capacity_raised)).
        type: str
        choices: [honor, increase]
        default: honor
        version_added: 0.2.0
      max_capacity_buffer:
        description: Percent (0 to 100) the maximum may be raised by with O(services[].max_capacity_breach=increase).
        type: int
        default: 0
        version_added: 0.2.0
      allowed_underprovisioned:
        description:
          - Share of intervals (0 to 0.5) the service may run short of its need.
          - The target the spot interruption rule keeps to, and the one the forecast's margin is sized to for every
            dimension without its own O(services[].dimensions[].quantile) (the cheapest level and form that meet it
            on the dimension's backtest; at least 1 - this share when the newest load looks like a new regime).
        type: float
        default: 0.005
        version_added: 0.2.0
      min_capacity:
        description: Lowest capacity (units) the decision may set.
        type: int
        required: true
      max_capacity:
        description: Highest capacity (units) the decision may set.
        type: int
        required: true
      current_capacity:
        description:
          - Capacity in service now (for example the Auto Scaling group's desired capacity).
          - Drives O(services[].dimensions[]) scale-in limits and the decision's C(action); when
            omitted the action is V(maintain) and the target is to be applied as is.
        type: int
      cost:
        description: Pricing of one unit.
        type: dict
        suboptions:
          on_demand_price:
            description: Price of one on-demand unit-hour.
            type: float
            default: 0.0
          spot_share:
            description: Fraction (0 to 1) of units run on spot.
            type: float
            default: 0.0
          spot_price:
            description: Price of one spot unit-hour; defaults to O(services[].cost.on_demand_price).
            type: float
          currency:
            description: Currency of the prices.
            type: str
            default: USD
          instance_types:
            description: Instance types of the mix (C(type), optional C(weight) and C(price)).
            type: list
            elements: dict
            version_added: 0.2.0
          on_demand_base:
            description: Units always run on demand before the spot share applies.
            type: int
            version_added: 0.2.0
          budget_per_day:
            description:
              - Most to spend per day. Capacity is capped to fit (never below O(services[].min_capacity)); when
                the minimum costs more, the decision carries C(over_budget) and C(over_budget_amount).
            type: float
            version_added: 0.2.0
          budget:
            description:
              - Most to spend over the horizon (kept for 0.1.0 callers; prefer O(services[].cost.budget_per_day)). Capacity is capped to fit, and the decision's
                C(slo_risk) is set when the cap cuts into the capacity the forecast needs.
              - Capacity never goes below O(services[].min_capacity). When O(services[].min_capacity)
                over the horizon already costs more than the budget, the decision keeps it, sets
                C(over_budget) and says so in C(warnings); C(estimated_cost) is then above the budget.
            type: float
      dimensions:
        description:
          - Load dimensions of the forecast; its capacity is the max of their needs.
          - Required with O(services[].strategy) V(predictive) or V(hybrid).
        type: list
        elements: dict
        suboptions:
          name:
            description: Dimension name, for example V(requests_per_second) or V(cpu).
            type: str
            required: true
          query:
            description:
              - PromQL returning exactly one series, for example
                V(sum(rate(http_requests_total{service="web"}[5m]\))).
              - Mutually exclusive with O(services[].dimensions[].series).
            type: str
          series:
            description:
              - Inline history as a list of V([time, value]) pairs; time is epoch seconds or ISO-8601.
            type: list
            elements: raw
          unit_capacity:
            description: Load one unit serves at 100% utilisation, in the query's unit.
            type: float
            required: true
          target_utilization:
            description: Utilisation (0 to 1] each unit is sized for.
            type: float
            default: 0.7
          quantile:
            description:
              - Fixed forecast quantile the capacity covers (calibrated from backtest errors).
              - When omitted, the quantile level and the margin's form are the cheapest whose decisions, replayed
                on the dimension's own backtest, leave at most O(services[].allowed_underprovisioned) of the steps
                short; they are recalibrated at every run as the history moves.
            type: float
          peak_utilization:
            description:
              - Utilisation the forecast quantile may reach, between O(services[].dimensions[].target_utilization)
                and 1.
              - By default it equals the target utilisation, and the need is quantile / (unit capacity x
                target utilisation).
              - Set to V(1.0) to size the point forecast at the target utilisation and the quantile at
                full capacity (the need is the larger of the two), so that the utilisation headroom and the
                quantile margin are not stacked; choose O(services[].dimensions[].quantile) as 1 minus the
                share of time the service may run at full capacity.
            type: float
  budget_per_day:
    description:
      - Most all the services of this call may spend per day together (the environment's daily budget, or this
        region's share of it). What lies above each service's minimum is cut by one common factor until the sum
        fits; when the minimums alone cost more, every decision carries C(over_budget).
    type: float
    version_added: 0.2.0
  provider:
    description:
      - The provider of the scaling targets, for pricing - on V(aws) the decisions are priced with each service's
        instance mix (on-demand base, spot share, instance types) and the spot interruption rule applies; a
        provider that cannot buy spot (V(k8s)) is priced on demand.
    type: str
    default: aws
    choices: [aws, gcp, k8s]
    version_added: 0.2.0
  history:
    description: Seconds of history read before O(end_time) (at most four weeks are used).
    type: int
    default: 1209600
  step:
    description: Query resolution in seconds (the series step).
    type: int
    default: 300
  end_time:
    description:
      - End of the history (epoch seconds or ISO-8601); defaults to now.
      - It is the decision time that O(max_data_age) is measured against.
    type: str
  max_data_age:
    description:
      - Most seconds allowed between a service's newest real sample (over all its dimensions) and
        O(end_time) (now by default).
      - A service whose data is older gets no decision, with the reason (the age, the dimension, and
        this option) in C(warnings); with O(on_error=fail) the task fails, with V(skip) the decision has
        C(ok=false) and M(meridian.global_infra.scaling_target) changes nothing for it.
      - Prometheus repeats a series' last sample for its lookback delta (5 minutes by default), so the
        age of a query's data can read up to that much younger than the last scrape.
      - V(0) disables the check, for example to replay an old history with inline
        O(services[].dimensions[].series) and no O(end_time).
    type: int
    default: 1800
  horizon:
    description: Seconds ahead the schedule covers.
    type: int
    default: 86400
  interval:
    description: Seconds between schedule steps (how often capacity may change).
    type: int
    default: 900
  lead_time:
    description: Warm-up in seconds; capacity is requested this long before the forecast load.
    type: int
    default: 300
  stabilization:
    description: Seconds the need must stay low before capacity is scaled in.
    type: int
    default: 900
  scale_in_max_step:
    description: Largest fraction (0 to 1] of capacity removed per interval (at least one unit).
    type: float
    default: 0.2
  model:
    description:
      - Forecasting model; V(auto) chooses by backtest.
      - With V(auto), challengers compete with the choice by a stricter rule, each taken only when its
        backtest error is at least 5 % lower on both halves of the backtest. The Theta method
        (V(theta)) on the cleaned series, for a load that drifts. And, when the outlier cleaning
        clipped points of a series, the baselines (naive, seasonal naive, Holt-Winters) fitted to the
        observed series; the decision's model is then named with C((observed)), for example
        C(seasonal_naive (observed)). Each challenger also competes, by the same rule, as its mean
        with the choice, named C(ensemble(<choice>+<challenger>)).
      - With V(auto), when over the newest hour (at least six steps) the choice's one-step errors are at
        least 4 times its backtest's and those of the last value at most half of them (medians), the load
        has moved to a level the backtest has not seen. The forecast is then moved so that its first step
        is the last value, for as many steps as that window, fading over as many again, and the model is
        named C(<choice> (level corrected)).
      - V(seasonal_change) is the last value plus the change seen over the same hours one or more
        seasons (the longest detected period) before.
      - V(theta) is the Theta method (simple exponential smoothing plus half the slope of the history
        up to each origin) on the series less its main season.
    type: str
    default: auto
    choices: [auto, naive, seasonal_naive, holt_winters, mstl, ses, seasonal_change, theta]
  transform:
    description:
      - Variance-stabilising transform of the series before the models are fitted.
      - V(auto) also fits the models to the log of the series (multiplicative seasonality and errors,
        so the spread of the load follows its level) and lets the backtest choose; forecasts and
        quantiles are back-transformed.
      - V(none) fits the series as it is; V(log) and V(boxcox) (lambda estimated on the training
        window by Guerrero's method) fit the transformed series only.
    type: str
    default: auto
    choices: [auto, none, log, boxcox]
  workers:
    description: Processes used when many services are decided in one call; V(0) means one per CPU.
    type: int
    default: 0
  on_error:
    description:
      - V(fail) fails the task on a service whose data cannot be read or used.
      - V(skip) returns a decision with C(ok=false) and the reason in C(warnings) for that service;
        M(meridian.global_infra.scaling_target) changes nothing for it.
    type: str
    default: fail
    choices: [fail, skip]
requirements:
  - numpy
  - scipy
  - statsmodels
notes:
  - Options and return values are described in docs/forecasting.md together with the method.
seealso:
  - module: meridian.global_infra.scaling_target
    description: Applies each decision to its scaling target (desired capacity, bounds, scheduled steps).
  - plugin: meridian.global_infra.forecast_metrics
    plugin_type: filter
    description: The decisions as Prometheus metrics, for the forecast-error rules of the monitoring role.
  - plugin: meridian.global_infra.scaling_services
    plugin_type: filter
    description: The catalogue's scaled services in the shape O(services) takes.
  - name: Forecasting guide
    description: The forecasting guide (the models, the backtest, the sizing rule).
    link: https://github.com/meridian/global_infra/blob/main/docs/forecasting.md
"""

EXAMPLES = r"""
- name: Forecast web and api load and decide their capacity
  meridian.global_infra.capacity_forecast:
    prometheus_url: http://127.0.0.1:9190
    services:
      - name: web
        min_capacity: 1
        max_capacity: 20
        current_capacity: 2
        cost: {on_demand_price: 0.0208, spot_share: 0.5, spot_price: 0.0062, budget: 20}
        dimensions:
          - name: requests_per_second
            query: sum(rate(http_requests_total{service="web"}[5m]))
            unit_capacity: 150
          - name: cpu
            query: sum(rate(node_cpu_seconds_total{service="web",mode!="idle"}[5m]))
            unit_capacity: 2
            target_utilization: 0.6
  register: forecast

- name: A hybrid service - a weekday floor in Berlin, CPU target tracking and the forecast, capped at a daily budget
  meridian.global_infra.capacity_forecast:
    prometheus_url: http://127.0.0.1:9190
    budget_per_day: 40
    services:
      - name: web
        strategy: hybrid
        mode: forecast_and_scale
        min_capacity: 1
        max_capacity: 10
        current_capacity: 2
        schedules:
          - {name: office-hours, cron: "0 8 * * 1-5", time_zone: Europe/Berlin, min: 6, duration: 36000}
        reactive: {metric: cpu, target: 50}
        scheduling_buffer: 300
        max_capacity_breach: increase
        max_capacity_buffer: 20
        cost: {on_demand_price: 0.0208, budget_per_day: 12}
        dimensions:
          - name: requests_per_second
            query: sum(rate(http_requests_total{service="web"}[5m]))
            unit_capacity: 300
  register: decided

- name: Decide from inline data (no Prometheus)
  meridian.global_infra.capacity_forecast:
    services:
      - name: batch
        min_capacity: 0
        max_capacity: 5
        dimensions:
          - name: jobs
            unit_capacity: 10
            series: "{{ batch_history }}"
"""

RETURN = r"""
decisions:
  description: One decision per service, in the order of O(services).
  returned: always
  type: list
  elements: dict
  contains:
    service: {description: Service name., type: str, returned: always, sample: web}
    ok: {description: False when no decision could be computed (then nothing should be applied)., type: bool,
         returned: always}
    action: {description: "V(scale_up), V(scale_down) or V(maintain) relative to current_capacity.", type: str,
             returned: always, sample: scale_up}
    current_capacity: {description: Capacity given as in service now., type: int, returned: always}
    target_capacity: {description: Capacity to set at time_to_execute., type: int, returned: always, sample: 4}
    min_capacity: {description: Lower bound used., type: int, returned: always}
    max_capacity: {description: Upper bound used., type: int, returned: always}
    confidence:
      description: Share of backtest points the chosen quantile covered (lowest over dimensions); 0 for reactive sizing.
      type: float
      returned: always
      sample: 0.99
    estimated_cost: {description: Cost of the schedule over the horizon (above the budget when over_budget)., type: float,
                     returned: always}
    currency: {description: Currency of estimated_cost., type: str, returned: always, sample: USD}
    time_to_execute: {description: When to apply target_capacity (ISO-8601 UTC)., type: str, returned: always}
    data_age_seconds:
      description:
        - Seconds from the service's newest real sample (the oldest such over its dimensions) to O(end_time)
          (now by default); the decision was made from data this old.
        - Null when the data could not be read.
      type: int
      returned: always
      sample: 0
    over_budget:
      description:
        - True when even O(services[].min_capacity) costs more than the service's budget
          (O(services[].cost.budget_per_day), or O(services[].cost.budget) over the horizon) or, with
          O(budget_per_day), the minimums of all services cost more than it; capacity then stays at
          min_capacity, C(over_budget_amount) says by how much per day and C(warnings) says so.
      type: bool
      returned: always
      sample: false
    slo_risk: {description: "True when max_capacity, a schedule's ceiling or a budget keeps capacity below the chosen need
                            (C(slo_risk_units) says by how much), or when no decision could be computed.", type: bool,
               returned: always}
    dimensions:
      description: Per-dimension breakdown (name, forecast_quantile, unit_capacity, target_utilization,
        peak_utilization, required_units, reactive_units, current_load, forecast_next_interval (the point forecast one
        O(interval) ahead, recorded as a metric to measure forecast error), peak_load, peak_bound_units and
        peak_bound_applied (the largest load of the history, the units it needs at the target utilisation, and
        whether that bound lowered a step's need), quantile (the level used), model; model holds the transform, the
        margin form the quantile was calibrated with, the level, allowed_underprovisioned, backtest_underprovisioned
        (the backtest's share of short steps with that margin) and regime_change (why the newest load is taken for a
        new regime, which sizes the margin at least at 1 - allowed_underprovisioned; null otherwise)).
      type: list
      elements: dict
      returned: always
    model:
      description: Chosen model (name, backtest_mase, backtest_smape) of the least accurate dimension.
      type: dict
      returned: always
    schedule:
      description: Capacity steps over the horizon, C(time) (ISO-8601 UTC) and C(capacity), one per change.
      type: list
      elements: dict
      returned: always
    warnings: {description: "Fallbacks and risks (reactive sizing, interpolated gaps, caps, over budget, data older than
                             max_data_age).", type: list, elements: str, returned: always}
    strategy: {description: The service's strategy., type: str, returned: always, sample: hybrid, version_added: 0.2.0}
    mode: {description: "V(forecast_and_scale) or V(forecast_only) (the scaling target changes nothing).", type: str,
           returned: always, sample: forecast_and_scale, version_added: 0.2.0}
    proposals:
      description:
        - Each policy's proposal for the interval, by policy (V(predictive), V(scheduled), V(reactive)), whether or not the
          strategy uses it. Each has C(capacity) (null without a proposal) and C(detail); V(scheduled) adds C(floor),
          C(ceiling) and C(schedules) (the names in force); V(reactive) adds C(metric), C(target) and C(value);
          V(predictive) adds C(model) and C(confidence).
      type: dict
      returned: always
      version_added: 0.2.0
      sample: {predictive: {capacity: 3, detail: forecast}, scheduled: {capacity: 6, floor: 6, ceiling: null},
               reactive: {capacity: 2, metric: cpu, target: 50}}
    chosen_policy:
      description: The policy that set the capacity, V(none) when none proposed (the capacity in service is held).
      type: str
      returned: always
      sample: scheduled
      version_added: 0.2.0
    reason: {description: "Why that policy, with the other proposals.", type: str, returned: always, version_added: 0.2.0,
             sample: "scheduled is the highest at 6; predictive 3, reactive 2"}
    capacity: {description: The capacity set for the interval (equals target_capacity)., type: int, returned: always,
               version_added: 0.2.0}
    max_capacity_raised: {description: True when max_capacity_breach increase raised max_capacity above the catalogue's.,
                          type: bool, returned: always, version_added: 0.2.0}
    cost_per_hour: {description: Cost of the capacity now for one hour., type: float, returned: always,
                    version_added: 0.2.0}
    cost_per_day: {description: Cost of the schedule scaled to 24 hours., type: float, returned: always,
                   version_added: 0.2.0}
    unit_price: {description: Price of one unit-hour with the service's mix., type: float, returned: always,
                 version_added: 0.2.0}
    budget_per_day: {description: The service's daily budget (null without one)., type: float, returned: always,
                     version_added: 0.2.0}
    over_budget_amount: {description: How much cost_per_day exceeds the budget (0 when within)., type: float,
                         returned: always, version_added: 0.2.0}
    slo_risk_units: {description: Units the bounds or a budget hold capacity below the chosen need (at the worst step).,
                     type: int, returned: always, version_added: 0.2.0}
    spot:
      description:
        - What the spot interruption rule did (null when no spot is bought) - C(action) (V(none), V(headroom),
          V(smaller_share) or V(at_risk)), C(reason), the C(spot_share) and C(on_demand_percentage) priced,
          C(extra_capacity), C(at_risk_steps) before and C(at_risk_steps_after), C(allowed_steps).
        - The needs it checks are the schedule's capacities scaled by the forecast's point-to-quantile ratio.
      type: dict
      returned: always
      version_added: 0.2.0
    mix:
      description: The mix the decision is priced with (C(on_demand_unit_price), C(spot_unit_price), C(spot_share),
        C(on_demand_base), C(currency)).
      type: dict
      returned: when the decision could be computed
      version_added: 0.2.0
    environment_budget:
      description: With O(budget_per_day), the budget, the cost per day of all decisions after capping, and the factor.
      type: dict
      returned: when budget_per_day is set
      version_added: 0.2.0
"""

import copy
import os
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost as cost_utils
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import strategies as strat
from ansible_collections.meridian.global_infra.plugins.module_utils.services import catalogue as cat
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc
from ansible_collections.meridian.global_infra.plugins.module_utils.clients import prometheus as prom
from ansible_collections.meridian.global_infra.plugins.module_utils.common.validate import integer
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


# Seconds the newest sample may lag the decision time: two scaling intervals of the default 15 minutes.
DEFAULT_MAX_DATA_AGE = 1800


def argument_spec():
    dimension = dict(
        name=dict(type="str", required=True),
        query=dict(type="str"),
        series=dict(type="list", elements="raw"),
        unit_capacity=dict(type="float", required=True),
        target_utilization=dict(type="float", default=0.7),
        quantile=dict(type="float"),
        peak_utilization=dict(type="float"),
    )
    cost = dict(
        on_demand_price=dict(type="float", default=0.0),
        spot_share=dict(type="float", default=0.0),
        spot_price=dict(type="float"),
        currency=dict(type="str", default="USD"),
        instance_types=dict(type="list", elements="dict"),
        on_demand_base=dict(type="int"),
        budget_per_day=dict(type="float"),
        budget=dict(type="float"),
    )
    schedule = dict(
        name=dict(type="str", required=True),
        cron=dict(type="str", required=True),
        time_zone=dict(type="str", default="UTC"),
        min=dict(type="int"),
        max=dict(type="int"),
        duration=dict(type="int"),
    )
    reactive = dict(
        metric=dict(type="str", default="cpu", choices=["cpu", "requests_per_target", "promql"]),
        target=dict(type="float", default=50.0),
        query=dict(type="str"),
    )
    service = dict(
        name=dict(type="str", required=True),
        strategy=dict(type="str", default="predictive", choices=["predictive", "scheduled", "reactive", "hybrid"]),
        mode=dict(type="str", default="forecast_and_scale", choices=list(strat.MODES)),
        schedules=dict(type="list", elements="dict", options=schedule),
        reactive=dict(type="dict", options=reactive),
        scheduling_buffer=dict(type="int"),
        max_capacity_breach=dict(type="str", default="honor", choices=["honor", "increase"]),
        max_capacity_buffer=dict(type="int", default=0),
        allowed_underprovisioned=dict(type="float", default=0.005),
        min_capacity=dict(type="int", required=True),
        max_capacity=dict(type="int", required=True),
        current_capacity=dict(type="int"),
        cost=dict(type="dict", options=cost),
        dimensions=dict(type="list", elements="dict", options=dimension,
                        mutually_exclusive=[["query", "series"]], required_one_of=[["query", "series"]]),
    )
    spec = copy.deepcopy(prom.PROMETHEUS_ARGUMENT_SPEC)
    spec.update(
        services=dict(type="list", elements="dict", required=True, options=service),
        history=dict(type="int", default=14 * 86400),
        step=dict(type="int", default=300),
        end_time=dict(type="str"),
        max_data_age=dict(type="int", default=DEFAULT_MAX_DATA_AGE),
        horizon=dict(type="int", default=86400),
        interval=dict(type="int", default=900),
        lead_time=dict(type="int", default=300),
        stabilization=dict(type="int", default=900),
        scale_in_max_step=dict(type="float", default=0.2),
        model=dict(type="str", default="auto", choices=list(fc.MODELS)),
        transform=dict(type="str", default="auto", choices=list(fc.TRANSFORMS)),
        workers=dict(type="int", default=0),
        budget_per_day=dict(type="float"),
        provider=dict(type="str", default="aws", choices=["aws", "gcp", "k8s"]),
        on_error=dict(type="str", default="fail", choices=["fail", "skip"]),
    )
    return spec


def validate(params):
    """Check every input before any query; raise CapacityError/CostError/ForecastError naming the field."""
    if params["step"] <= 0 or params["history"] <= 0:
        raise fc.ForecastError("step and history must be > 0 seconds", "step")
    if params["horizon"] <= 0 or params["interval"] <= 0:
        raise cap.CapacityError("horizon and interval must be > 0 seconds", "horizon")
    if params["lead_time"] < 0 or params["stabilization"] < 0:
        raise cap.CapacityError("lead_time and stabilization must be >= 0 seconds", "lead_time")
    if not 0.0 < params["scale_in_max_step"] <= 1.0:
        raise cap.CapacityError("scale_in_max_step must be in (0, 1]", "scale_in_max_step")
    max_data_age = params.get("max_data_age", DEFAULT_MAX_DATA_AGE)
    if max_data_age is None or max_data_age < 0:
        raise cap.CapacityError("max_data_age must be >= 0 seconds (0 disables the check), got %r" % (max_data_age,),
                                "max_data_age")
    names = set()
    needs_prometheus = False
    for svc in params["services"]:
        where = "services[%s]" % svc["name"]
        if svc["name"] in names:
            raise cap.CapacityError("%s is listed twice; service names must be unique" % where, "services.name")
        names.add(svc["name"])
        try:
            cap.validate_bounds(svc["min_capacity"], svc["max_capacity"], svc.get("current_capacity"))
        except cap.CapacityError as exc:
            raise cap.CapacityError("%s: %s" % (where, exc), "services.%s" % exc.field)
        check_strategy(svc, where)
        cost_utils.Pricing.from_dict(svc.get("cost"))
        if svc.get("reactive") and svc["reactive"]["metric"] == "promql":
            needs_prometheus = True
        if not svc.get("dimensions"):
            if svc["strategy"] in cat.FORECAST_STRATEGIES:
                raise cap.CapacityError("%s has no dimensions: strategy %s forecasts the load; give its load "
                                        "dimensions, or strategy scheduled or reactive" % (where, svc["strategy"]),
                                        "services.dimensions")
            continue
        for dim in svc["dimensions"]:
            try:
                cap.Dimension(dim["name"], dim["unit_capacity"], dim["target_utilization"],
                              0.99 if dim.get("quantile") is None else dim["quantile"],
                              peak_utilization=dim.get("peak_utilization"))
            except cap.CapacityError as exc:
                raise cap.CapacityError("%s: %s" % (where, exc), "services.%s" % exc.field)
            if dim.get("query"):
                needs_prometheus = True
    if needs_prometheus and not params.get("prometheus_url"):
        raise prom.PrometheusError("prometheus_url (or PROMETHEUS_URL) is required when a dimension has a query",
                                   "prometheus_url")


def _given(block):
    return dict((k, v) for k, v in (block or {}).items() if v is not None)


def check_strategy(svc, where):
    """The strategy settings of one service, with the catalogue's rules; raises CatalogueError naming the field."""
    for key, default in (("strategy", "predictive"), ("mode", "forecast_and_scale"), ("max_capacity_breach", "honor"),
                         ("max_capacity_buffer", 0), ("allowed_underprovisioned", 0.005)):
        if svc.get(key) is None:
            svc[key] = default
    # The catalogue holds schedules inside capacity.min..max; here the bounds may be overridden (a drill's
    # standby at least 2), so a floor or ceiling outside them is clamped by the bounds, not refused.
    bounds = {"min": 0, "max": max(svc["max_capacity"], 10 ** 6)}
    svc["schedules"] = cat.check_schedules(
        [_given(s) for s in svc.get("schedules") or []], where + ".schedules", bounds)
    if svc["strategy"] == "scheduled" and not svc["schedules"]:
        raise cat.CatalogueError(where + ".schedules", "strategy scheduled needs at least one schedule, e.g. "
                                 "{name: office-hours, cron: \"0 8 * * 1-5\", time_zone: Europe/Berlin, min: 6}")
    svc["reactive"] = cat.check_reactive(_given(svc.get("reactive")) or {"metric": "cpu", "target": 50},
                                         where + ".reactive")
    if svc.get("scheduling_buffer") is not None:
        svc["scheduling_buffer"] = integer(svc["scheduling_buffer"], where + ".scheduling_buffer", 0, 3600,
                                           error=cat.CatalogueError)
    integer(svc.get("max_capacity_buffer") or 0, where + ".max_capacity_buffer", 0, cat.MAX_CAPACITY_BUFFER,
            error=cat.CatalogueError)
    if svc.get("max_capacity_breach") == "increase" and not svc.get("max_capacity_buffer"):
        raise cat.CatalogueError(where + ".max_capacity_buffer", "max_capacity_breach increase raises the maximum by "
                                 "at most this percent: give 1..%d, or max_capacity_breach honor"
                                 % cat.MAX_CAPACITY_BUFFER)
    share = svc.get("allowed_underprovisioned", 0.005)
    if share is None or not 0 <= share <= 0.5:
        raise cat.CatalogueError(where + ".allowed_underprovisioned", "must be between 0 and 0.5 (a share of "
                                 "intervals), got %r" % (share,))
    if svc.get("cost"):
        svc["cost"] = cat.check_cost(_given(svc["cost"]), where + ".cost")


def read_reactive(params, client, end):
    """Per service, the current value of its promql target-tracking metric (None otherwise), and warnings."""
    values = []
    for svc in params["services"]:
        reactive = svc.get("reactive") or {}
        if reactive.get("metric") != "promql":
            values.append((None, None))
            continue
        try:
            points = client.query_range(reactive["query"], end - 3 * params["step"], end, params["step"])
            if not points:
                raise prom.PrometheusError("query %r returned no points" % reactive["query"], "query")
            values.append((float(points[-1][1]), None))
        except prom.PrometheusError as exc:
            if params["on_error"] == "fail" or getattr(exc, "field", None) == "prometheus_url":
                raise
            values.append((None, "services[%s].reactive.query: %s" % (svc["name"], exc)))
    return values


def load_series(params, client, end):
    """Per service, the list of (dimension params, Series or error message)."""
    start = end - params["history"]
    out = []
    for svc in params["services"]:
        dims = []
        for dim in svc.get("dimensions") or []:
            field = "services[%s].dimensions[%s]" % (svc["name"], dim["name"])
            try:
                if dim.get("query"):
                    points = client.query_range(dim["query"], start, end, params["step"])
                    if not points:
                        raise prom.PrometheusError("query %r returned no points" % dim["query"], "query")
                    series = fc.regularize(points, step=params["step"], field=field)
                else:
                    series = fc.regularize(dim["series"], field=field + ".series")
            except (fc.ForecastError, prom.PrometheusError) as exc:
                if params["on_error"] == "fail" or getattr(exc, "field", None) == "prometheus_url":
                    raise
                dims = "%s: %s" % (field, exc)
                break
            dims.append((dim, series))
        out.append(dims)
    return out


def build_jobs(params, loaded, end):
    """One plan_service job per service (or the reason its data could not be read); ``end`` is the decision time."""
    jobs = []
    for svc, dims in zip(params["services"], loaded):
        if isinstance(dims, str) or not dims:
            jobs.append(dims or None)
            continue
        high = svc["max_capacity"]
        if svc.get("max_capacity_breach") == "increase":
            # The forecast may go above the maximum by the breach buffer; the strategy flags it.
            high = strat.raised_maximum(high, svc.get("max_capacity_buffer") or 0)
        lead = params["lead_time"] if svc.get("scheduling_buffer") is None else svc["scheduling_buffer"]
        jobs.append(dict(
            service=svc["name"],
            dimensions=[dict(name=d["name"], series=s, unit_capacity=d["unit_capacity"],
                             target_utilization=d["target_utilization"], quantile=d["quantile"],
                             peak_utilization=d.get("peak_utilization"))
                        for d, s in dims],
            min_capacity=svc["min_capacity"], max_capacity=high,
            current_capacity=svc.get("current_capacity"), horizon=params["horizon"], interval=params["interval"],
            lead_time=lead, scale_in_max_step=params["scale_in_max_step"],
            stabilization=params["stabilization"], pricing=cost_utils.Pricing.from_dict(svc.get("cost")),
            model=params["model"], transform=params.get("transform") or "auto", decision_time=end,
            max_data_age=params.get("max_data_age", DEFAULT_MAX_DATA_AGE),
            allowed_underprovisioned=svc.get("allowed_underprovisioned", 0.005)))
    return jobs


def run(params, client_factory=prom.PrometheusClient, now=None):
    """The whole module without AnsibleModule: returns the list of decisions or raises."""
    validate(params)
    end = fc.to_epoch(params["end_time"], "end_time") if params.get("end_time") else (now or time.time())
    client = None
    if _needs_prometheus(params):
        client = client_factory(params["prometheus_url"], headers=params.get("prometheus_headers"),
                                validate_certs=params["prometheus_validate_certs"],
                                timeout=params["prometheus_timeout"], retries=params["prometheus_retries"])
    loaded = load_series(params, client, end)
    reactive = read_reactive(params, client, end)
    jobs = build_jobs(params, loaded, end)
    workers = params["workers"] or (os.cpu_count() or 1)
    ready = [j for j in jobs if isinstance(j, dict)]
    decided = iter(cap.plan_many(ready, workers=workers))
    decisions = []
    for svc, job, (value, note) in zip(params["services"], jobs, reactive):
        forecast = None
        if isinstance(job, dict):
            forecast = next(decided)
            if not forecast["ok"] and params["on_error"] == "fail":
                age, limit = forecast.get("data_age_seconds"), job["max_data_age"]
                raise cap.CapacityError("services[%s]: %s" % (svc["name"], "; ".join(forecast["warnings"])),
                                        "max_data_age" if (limit and age is not None and age > limit) else "services")
        elif job is not None:
            forecast = cap.failed_decision(svc["name"], job, svc["min_capacity"], svc["max_capacity"],
                                           svc.get("current_capacity"))
        decision = strat.decide(_strategy_settings(svc, params), end, forecast=forecast,
                                current_capacity=svc.get("current_capacity"), reactive_value=value,
                                interval=params["interval"], horizon=params["horizon"],
                                provider=params.get("provider") or "aws")
        if note:
            decision["warnings"].append(note)
        decisions.append(decision)
    return strat.apply_environment_budget(decisions, params.get("budget_per_day"))


def _needs_prometheus(params):
    return any(d.get("query") for s in params["services"] for d in s.get("dimensions") or []) or \
        any((s.get("reactive") or {}).get("metric") == "promql" for s in params["services"])


def _strategy_settings(svc, params):
    """What scaling.strategies.decide takes for one service (its options, validated)."""
    cost = dict(svc.get("cost") or {})
    if cost.get("budget_per_day") is None and cost.get("budget") is not None:
        # The 0.1.0 budget is over the horizon: the same money per day.
        cost["budget_per_day"] = cost["budget"] * 86400.0 / params["horizon"]
    return {
        "name": svc["name"], "strategy": svc["strategy"], "mode": svc["mode"],
        "min_capacity": svc["min_capacity"], "max_capacity": svc["max_capacity"],
        "schedules": svc.get("schedules") or [], "reactive": svc.get("reactive"),
        "scheduling_buffer": svc.get("scheduling_buffer") or 0,
        "max_capacity_breach": svc.get("max_capacity_breach") or "honor",
        "max_capacity_buffer": svc.get("max_capacity_buffer") or 0,
        "allowed_underprovisioned": svc.get("allowed_underprovisioned", 0.005),
        "cost": cost,
    }


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    missing = fc.missing_libraries()
    if missing:
        module.fail_json(msg=missing_required_lib(" and ".join(missing)))
    if _needs_prometheus(module.params) and not prom.HAS_PROMETHEUS_API_CLIENT:
        module.fail_json(msg=missing_required_lib("prometheus-api-client"))
    try:
        decisions = run(module.params)
    except MeridianError as exc:
        fail_on_error(module, exc)
    module.exit_json(changed=False, decisions=decisions)


if __name__ == "__main__":
    main()
