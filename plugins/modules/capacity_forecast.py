#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: capacity_forecast
short_description: Forecast service load from Prometheus and decide the capacity ahead of demand
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
          budget:
            description:
              - Most to spend over the horizon. Capacity is capped to fit, and the decision's
                C(slo_risk) is set when the cap cuts into the capacity the forecast needs.
              - Capacity never goes below O(services[].min_capacity). When O(services[].min_capacity)
                over the horizon already costs more than the budget, the decision keeps it, sets
                C(over_budget) and says so in C(warnings); C(estimated_cost) is then above the budget.
            type: float
      dimensions:
        description: Load dimensions; the decision is the max of their needs.
        type: list
        elements: dict
        required: true
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
            description: Forecast quantile the capacity covers (calibrated from backtest errors).
            type: float
            default: 0.99
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
      - V(seasonal_change) is the last value plus the change seen over the same hours one or more
        seasons (the longest detected period) before.
    type: str
    default: auto
    choices: [auto, naive, seasonal_naive, holt_winters, mstl, ses, seasonal_change]
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
    description: The catalogue's predictive services in the shape O(services) takes.
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
        - True when even O(services[].min_capacity) over the horizon costs more than O(services[].cost.budget);
          capacity then stays at min_capacity, C(estimated_cost) is the cost really incurred (above the budget)
          and C(warnings) says so.
      type: bool
      returned: always
      sample: false
    slo_risk: {description: True when max_capacity or the budget keeps capacity below the forecast need., type: bool,
               returned: always}
    dimensions:
      description: Per-dimension breakdown (name, forecast_quantile, unit_capacity, target_utilization,
        peak_utilization, required_units, reactive_units, current_load, forecast_next_interval (the point forecast one
        O(interval) ahead, recorded as a metric to measure forecast error), model; model holds the transform and the
        margin form the quantile was calibrated with).
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
"""

import copy
import os
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost as cost_utils
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast import engine as fc
from ansible_collections.meridian.global_infra.plugins.module_utils.clients import prometheus as prom
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
        quantile=dict(type="float", default=0.99),
        peak_utilization=dict(type="float"),
    )
    cost = dict(
        on_demand_price=dict(type="float", default=0.0),
        spot_share=dict(type="float", default=0.0),
        spot_price=dict(type="float"),
        currency=dict(type="str", default="USD"),
        budget=dict(type="float"),
    )
    service = dict(
        name=dict(type="str", required=True),
        min_capacity=dict(type="int", required=True),
        max_capacity=dict(type="int", required=True),
        current_capacity=dict(type="int"),
        cost=dict(type="dict", options=cost),
        dimensions=dict(type="list", elements="dict", required=True, options=dimension,
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
        cost_utils.Pricing.from_dict(svc.get("cost"))
        if not svc["dimensions"]:
            raise cap.CapacityError("%s has no dimensions" % where, "services.dimensions")
        for dim in svc["dimensions"]:
            try:
                cap.Dimension(dim["name"], dim["unit_capacity"], dim["target_utilization"], dim["quantile"],
                              peak_utilization=dim.get("peak_utilization"))
            except cap.CapacityError as exc:
                raise cap.CapacityError("%s: %s" % (where, exc), "services.%s" % exc.field)
            if dim.get("query"):
                needs_prometheus = True
    if needs_prometheus and not params.get("prometheus_url"):
        raise prom.PrometheusError("prometheus_url (or PROMETHEUS_URL) is required when a dimension has a query",
                                   "prometheus_url")


def load_series(params, client, end):
    """Per service, the list of (dimension params, Series or error message)."""
    start = end - params["history"]
    out = []
    for svc in params["services"]:
        dims = []
        for dim in svc["dimensions"]:
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
        if isinstance(dims, str):
            jobs.append(dims)
            continue
        jobs.append(dict(
            service=svc["name"],
            dimensions=[dict(name=d["name"], series=s, unit_capacity=d["unit_capacity"],
                             target_utilization=d["target_utilization"], quantile=d["quantile"],
                             peak_utilization=d.get("peak_utilization"))
                        for d, s in dims],
            min_capacity=svc["min_capacity"], max_capacity=svc["max_capacity"],
            current_capacity=svc.get("current_capacity"), horizon=params["horizon"], interval=params["interval"],
            lead_time=params["lead_time"], scale_in_max_step=params["scale_in_max_step"],
            stabilization=params["stabilization"], pricing=cost_utils.Pricing.from_dict(svc.get("cost")),
            model=params["model"], transform=params.get("transform") or "auto", decision_time=end,
            max_data_age=params.get("max_data_age", DEFAULT_MAX_DATA_AGE)))
    return jobs


def run(params, client_factory=prom.PrometheusClient, now=None):
    """The whole module without AnsibleModule: returns the list of decisions or raises."""
    validate(params)
    end = fc.to_epoch(params["end_time"], "end_time") if params.get("end_time") else (now or time.time())
    client = None
    if any(d.get("query") for s in params["services"] for d in s["dimensions"]):
        client = client_factory(params["prometheus_url"], headers=params.get("prometheus_headers"),
                                validate_certs=params["prometheus_validate_certs"],
                                timeout=params["prometheus_timeout"], retries=params["prometheus_retries"])
    loaded = load_series(params, client, end)
    jobs = build_jobs(params, loaded, end)
    workers = params["workers"] or (os.cpu_count() or 1)
    ready = [j for j in jobs if isinstance(j, dict)]
    decided = iter(cap.plan_many(ready, workers=workers))
    decisions = []
    for svc, job in zip(params["services"], jobs):
        if isinstance(job, dict):
            decision = next(decided)
            if not decision["ok"] and params["on_error"] == "fail":
                age, limit = decision.get("data_age_seconds"), job["max_data_age"]
                raise cap.CapacityError("services[%s]: %s" % (svc["name"], "; ".join(decision["warnings"])),
                                        "max_data_age" if (limit and age is not None and age > limit) else "services")
        else:
            decision = cap.failed_decision(svc["name"], job, svc["min_capacity"], svc["max_capacity"],
                                           svc.get("current_capacity"))
        decisions.append(decision)
    return decisions


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    missing = fc.missing_libraries()
    if missing:
        module.fail_json(msg=missing_required_lib(" and ".join(missing)))
    if any(d.get("query") for s in module.params["services"] for d in s["dimensions"]) \
            and not prom.HAS_PROMETHEUS_API_CLIENT:
        module.fail_json(msg=missing_required_lib("prometheus-api-client"))
    try:
        decisions = run(module.params)
    except MeridianError as exc:
        fail_on_error(module, exc)
    module.exit_json(changed=False, decisions=decisions)


if __name__ == "__main__":
    main()
