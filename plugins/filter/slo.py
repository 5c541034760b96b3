# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn SLOs (inventory data) into Prometheus rules, used by the monitoring role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    alert_names,
    build_rule_groups,
    validate_slos,
)
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


def slo_errors(slos, field="monitoring_slos"):
    """Every problem in the SLO list as "field: message" strings; empty when the SLOs are valid."""
    return validate_slos(slos, field)


@filter_errors()
def slo_rule_groups(slos, field="monitoring_slos", interval=None, scrape_jobs=None, push_jobs=None, absent_for="10m"):
    """Prometheus rule file content ({groups: [...]}) for the SLOs (and the absent-data alerts)."""
    return build_rule_groups(slos, field, interval, scrape_jobs=scrape_jobs, push_jobs=push_jobs,
                             absent_for=absent_for)


@filter_errors(field="rule_file", shape=(KeyError, TypeError), expected="a rule file with groups and rules (slo_rule_groups)")
def slo_alert_names(rule_file):
    """Alert names of a rule file produced by slo_rule_groups."""
    return alert_names(rule_file)


class FilterModule(object):
    def filters(self):
        return {
            "slo_errors": slo_errors,
            "slo_rule_groups": slo_rule_groups,
            "slo_alert_names": slo_alert_names,
        }
