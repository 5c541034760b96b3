# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that say where alerts go (SNS topics, Alertmanager receivers and targets), used by the monitoring role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.alerting import (
    alertmanager_receivers as _alertmanager_receivers,
    alertmanager_target_groups as _alertmanager_target_groups,
    receivers_errors,
    receivers_missing,
    sns_subscription_errors as _sns_subscription_errors,
    sns_topic_policy as _sns_topic_policy,
)
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


def sns_subscription_errors(subscriptions, field="monitoring_aws_sns_subscriptions"):
    """Every problem of the alarm topic's subscriptions; empty when they are valid."""
    return _sns_subscription_errors(subscriptions, field)


@filter_errors()
def sns_topic_policy(topic_arn, alarm_name_prefix):
    """The alarm topic's access policy (owner rights, CloudWatch publishing for the estate's alarms)."""
    return _sns_topic_policy(topic_arn, alarm_name_prefix)


def alertmanager_receiver_errors(severity_receivers, receiver_configs=None, global_config=None):
    """Every problem of the receiver settings, never quoting a value; empty when they are valid."""
    return receivers_errors(severity_receivers, receiver_configs if receiver_configs is not None else {},
                            global_config or {})


@filter_errors(field="scopes", shape=(KeyError, TypeError), expected="a list of regions (and global)")
def alertmanager_receivers(scopes, severities, severity_receivers=None, receiver_configs=None,
                           default_severity="critical"):
    """The receivers of the routing tree (default, SCOPE-SEVERITY) with their settings."""
    return _alertmanager_receivers(scopes, severities, severity_receivers, receiver_configs, default_severity)


@filter_errors(field="receivers", shape=(KeyError, TypeError), expected="the output of alertmanager_receivers")
def alertmanager_receivers_missing(receivers, required_severities):
    """Names of the receivers of the required severities (and default) that notify nobody."""
    return receivers_missing(receivers, required_severities)


@filter_errors()
def alertmanager_target_groups(targets, field="monitoring_alertmanager_targets"):
    """Targets grouped by scheme (https for port 443 or an explicit https://) and path prefix."""
    return _alertmanager_target_groups(targets, field)


class FilterModule(object):
    def filters(self):
        return {
            "sns_subscription_errors": sns_subscription_errors,
            "sns_topic_policy": sns_topic_policy,
            "alertmanager_receiver_errors": alertmanager_receiver_errors,
            "alertmanager_receivers": alertmanager_receivers,
            "alertmanager_receivers_missing": alertmanager_receivers_missing,
            "alertmanager_target_groups": alertmanager_target_groups,
        }
