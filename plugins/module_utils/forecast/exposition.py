# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity decisions as Prometheus text exposition, so that forecast accuracy is visible over time.

The metric names are the ones the monitoring role's forecast-error rules read (docs/monitoring.md):
  meridian_forecast_load{service, dimension}   the point forecast one scaling interval ahead
  meridian_actual_load{service, dimension}     the load measured when the decision was made
  meridian_forecast_capacity{service}          the capacity decided for the coming interval
The region is not a metric label: it is the Pushgateway grouping key, added on push.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    ACTUAL_LOAD_METRIC,
    FORECAST_CAPACITY_METRIC,
    FORECAST_LOAD_METRIC,
)

_HELP = (
    (FORECAST_LOAD_METRIC, "Point forecast of the load one scaling interval ahead, per service and dimension."),
    (ACTUAL_LOAD_METRIC, "Load measured when the capacity decision was made, per service and dimension."),
    (FORECAST_CAPACITY_METRIC, "Capacity decided for the coming scaling interval, per service."),
)


def _label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _sample(name, labels, value):
    text = ",".join('%s="%s"' % (k, _label(v)) for k, v in sorted(labels.items()))
    return "%s{%s} %s" % (name, text, repr(float(value)))


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


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
                value = _number(dim.get(key))
                if value is not None:
                    samples[name].append(_sample(name, labels, value))
        capacity = _number(decision.get("target_capacity"))
        if capacity is not None:
            samples[FORECAST_CAPACITY_METRIC].append(_sample(FORECAST_CAPACITY_METRIC, {"service": service}, capacity))
    lines = []
    for name, text in _HELP:
        if samples[name]:
            lines.extend(["# HELP %s %s" % (name, text), "# TYPE %s gauge" % name])
            lines.extend(samples[name])
    return "\n".join(lines) + "\n" if lines else ""
