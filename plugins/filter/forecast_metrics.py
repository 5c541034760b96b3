# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: capacity decisions as Prometheus text exposition (for a Pushgateway)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.forecast.exposition import decisions_to_exposition
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="decisions", shape=(KeyError, TypeError, AttributeError), expected="capacity_forecast's decisions")
def forecast_metrics(decisions):
    return decisions_to_exposition(decisions)


class FilterModule(object):
    def filters(self):
        return {"forecast_metrics": forecast_metrics}
