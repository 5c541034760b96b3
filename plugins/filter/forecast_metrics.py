# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter: capacity decisions as Prometheus text exposition (for a Pushgateway)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast.exposition import decisions_to_exposition


def forecast_metrics(decisions):
    try:
        return decisions_to_exposition(decisions)
    except (KeyError, TypeError, AttributeError) as err:
        raise AnsibleFilterError("forecast_metrics: decisions must be capacity_forecast's decisions (%s)" % err)


class FilterModule(object):
    def filters(self):
        return {"forecast_metrics": forecast_metrics}
