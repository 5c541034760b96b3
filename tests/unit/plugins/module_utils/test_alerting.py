# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.alerting import (
    AlertingError,
    alertmanager_receivers,
    alertmanager_target_groups,
    parse_target,
    receiver_errors,
    receivers_errors,
    receivers_missing,
    sns_subscription_errors,
    sns_topic_policy,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    SloRuleError,
    absence_group,
    build_rule_groups,
    slo_source_metrics,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ENVS = ("local", "staging", "prod")


def _group_vars(env, name):
    with open(os.path.join(ROOT, "inventories", env, "group_vars", "all", name)) as handle:
        return yaml.safe_load(handle)


def _stand_in(value):
    """Inventory data with every Jinja expression (vault variables, lookups) replaced by a URL."""
    if isinstance(value, dict):
        return dict((k, _stand_in(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_stand_in(v) for v in value]
    return "https://stand-in.invalid/x" if isinstance(value, str) and "{{" in value else value


# --- SNS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ENVS)
def test_the_shipped_subscriptions_are_valid_and_not_empty(env):
    subs = _group_vars(env, "alerts.yml")["monitoring_aws_sns_subscriptions"]
    assert subs and sns_subscription_errors(subs) == []


@pytest.mark.parametrize("sub, fragment", [
    ({"protocol": "email", "endpoint": "not-an-address"}, "[0].endpoint: must be an address"),
    ({"protocol": "https", "endpoint": "http://plain.example/x"}, "[0].endpoint: must be an https:// URL"),
    ({"protocol": "sms", "endpoint": "0155"}, "E.164"),
    ({"protocol": "sqs", "endpoint": "arn:aws:sns:eu-west-1:123456789012:x"}, "SQS queue ARN"),
    ({"protocol": "pigeon", "endpoint": "x"}, "[0].protocol: must be one of"),
    ({"protocol": "email"}, "exactly protocol and endpoint"),
    ("oncall@example.com", "exactly protocol and endpoint"),
])
def test_bad_subscriptions_name_the_field(sub, fragment):
    errors = sns_subscription_errors([sub])
    assert len(errors) == 1 and errors[0].startswith("monitoring_aws_sns_subscriptions[0]") and fragment in errors[0]


def test_duplicate_subscriptions_and_wrong_shape():
    sub = {"protocol": "email", "endpoint": "a@example.com"}
    assert "listed twice" in sns_subscription_errors([sub, dict(sub)])[0]
    assert sns_subscription_errors({"protocol": "email"})[0].startswith("monitoring_aws_sns_subscriptions: must be a list")
    assert sns_subscription_errors([
        {"protocol": "sqs", "endpoint": "arn:aws:sqs:eu-west-1:123456789012:alerts"},
        {"protocol": "lambda", "endpoint": "arn:aws:lambda:eu-west-1:123456789012:function:page"},
        {"protocol": "sms", "endpoint": "+15555550100"},
    ]) == []


def test_topic_policy_lets_cloudwatch_publish_for_the_estates_alarms_only():
    arn = "arn:aws:sns:eu-west-1:123456789012:meridian-prod-alarms"
    policy = sns_topic_policy(arn, "meridian-prod-")
    owner, alarms = policy["Statement"]
    assert owner["Condition"] == {"StringEquals": {"AWS:SourceOwner": "123456789012"}}
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and alarms["Action"] == "SNS:Publish"
    assert alarms["Resource"] == arn
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:meridian-prod-*"
    assert alarms["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    china = sns_topic_policy("arn:aws-cn:sns:cn-north-1:123456789012:t", "p-")
    assert china["Statement"][1]["Condition"]["ArnLike"]["aws:SourceArn"].startswith("arn:aws-cn:cloudwatch:cn-north-1:")


@pytest.mark.parametrize("arn, prefix, field", [
    ("arn:aws:sqs:eu-west-1:123456789012:q", "p-", "topic_arn"),
    ("meridian-prod-alarms", "p-", "topic_arn"),
    ("arn:aws:sns:eu-west-1:123456789012:t", "", "alarm_name_prefix"),
])
def test_topic_policy_refuses_bad_input(arn, prefix, field):
    with pytest.raises(AlertingError) as err:
        sns_topic_policy(arn, prefix)
    assert err.value.field == field


# --- Alertmanager receivers ----------------------------------------------------------------------

SECRET = "s3cr3t-value-never-printed"


@pytest.mark.parametrize("settings, fragment", [
    ({"webhook_configs": [{"send_resolved": True}]}, "webhook_configs[0].url: is required"),
    ({"webhook_configs": [{"url": "ftp://%s" % SECRET}]}, "webhook_configs[0].url: must be an http(s):// URL"),
    ({"email_configs": [{"to": "a@example.com"}]}, "email_configs[0].smarthost: is required"),
    ({"email_configs": [{"smarthost": "smtp:587", "from": "x@example.com"}]}, "email_configs[0].to: is required"),
    ({"email_configs": [{"to": "a@example.com", "smarthost": "s:587", "from": "f@example.com",
                         "auth_password": SECRET, "auth_password_file": "/x"}]}, "not both"),
    ({"slack_configs": [{"channel": "#ops"}]}, "slack_configs[0].api_url: is required"),
    ({"slack_configs": [{"api_url": SECRET}]}, "slack_configs[0].api_url: must be an http(s):// URL"),
    ({"pagerduty_configs": [{"severity": "critical"}]}, "got none"),
    ({"pagerduty_configs": [{"routing_key": SECRET, "service_key": SECRET}]}, "got routing_key, service_key"),
    ({"pagerduty_configs": []}, "pagerduty_configs: must be a non-empty list"),
    ({"carrier_pigeon_configs": [{}]}, "unknown integration(s) carrier_pigeon_configs"),
])
def test_receiver_errors_name_fields_never_values(settings, fragment):
    errors = receiver_errors(settings, "monitoring_alertmanager_severity_receivers.critical")
    assert errors and any(fragment in e for e in errors), errors
    assert all(e.startswith("monitoring_alertmanager_severity_receivers.critical") for e in errors)
    assert not any(SECRET in e for e in errors)


def test_global_settings_satisfy_email_and_slack():
    glob = {"smtp_smarthost": "smtp.example.com:587", "smtp_from": "am@example.com", "slack_api_url": "https://h/x"}
    assert receiver_errors({"email_configs": [{"to": "a@example.com"}], "slack_configs": [{"channel": "#x"}]},
                           "f", glob) == []


@pytest.mark.parametrize("env", ENVS)
def test_the_shipped_receivers_are_valid_and_page_someone(env):
    data = _group_vars(env, "alerts.yml")
    severity = _stand_in(data["monitoring_alertmanager_severity_receivers"])
    assert receivers_errors(severity, {}, _stand_in(data.get("monitoring_alertmanager_global", {}))) == []
    receivers = alertmanager_receivers(["us-east-1", "global"], ["critical", "warning", "info"], severity, {})
    assert receivers_missing(receivers, ["critical"]) == []
    if env != "local":  # the credentials are vault variables, never literals
        text = yaml.safe_dump(data)
        for key in ("routing_key", "api_url", "credentials", "smtp_auth_password"):
            for value in re.findall(r"%s: (.*)" % key, text):
                assert "vault_monitoring_" in value, (key, value)


def test_receivers_take_the_severitys_settings_unless_named():
    severity = {"critical": {"pagerduty_configs": [{"routing_key": "k"}]}, "warning": {"webhook_configs": [{"url": "https://w"}]}}
    overrides = {"global-warning": {}, "us-east-1-critical": {"webhook_configs": [{"url": "https://o"}]}}
    receivers = alertmanager_receivers(["us-east-1", "global"], ["critical", "warning", "info"], severity, overrides)
    by_name = dict((r["name"], r) for r in receivers)
    assert [r["name"] for r in receivers] == ["default", "us-east-1-critical", "us-east-1-warning", "us-east-1-info",
                                              "global-critical", "global-warning", "global-info"]
    assert by_name["default"]["pagerduty_configs"] == [{"routing_key": "k"}]
    assert by_name["us-east-1-critical"] == {"name": "us-east-1-critical", "webhook_configs": [{"url": "https://o"}]}
    assert by_name["global-warning"] == {"name": "global-warning"}
    assert by_name["us-east-1-info"] == {"name": "us-east-1-info"}
    # copies, not shared objects (the YAML dump would otherwise carry anchors)
    assert by_name["global-critical"]["pagerduty_configs"] is not by_name["default"]["pagerduty_configs"]
    assert "&id" not in yaml.safe_dump(receivers)
    assert receivers_missing(receivers, ["critical"]) == []
    assert receivers_missing(receivers, ["critical", "info"]) == ["us-east-1-info", "global-info"]
    assert receivers_missing(alertmanager_receivers(["eu-west-1"], ["critical"]), ["critical"]) == [
        "default", "eu-west-1-critical"]


def test_receivers_errors_checks_names_and_severities():
    errors = receivers_errors({"urgent": {}}, {"bad name!": {}})
    assert any("monitoring_alertmanager_severity_receivers.urgent: must be a severity" in e for e in errors)
    assert any("receiver name 'bad name!'" in e for e in errors)
    assert receivers_errors([], {})[0].startswith("monitoring_alertmanager_severity_receivers: must be a mapping")


# --- Targets -------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("alertmanager.example:443", ("https", "alertmanager.example:443", "")),
    ("127.0.0.1:9093", ("http", "127.0.0.1:9093", "")),
    ("https://alertmanager.example", ("https", "alertmanager.example:443", "")),
    ("https://am.example:9443/alertmanager/", ("https", "am.example:9443", "/alertmanager")),
    ("http://am.example:443", ("http", "am.example:443", "")),
    ("[::1]:443", ("https", "[::1]:443", "")),
])
def test_the_port_or_the_scheme_decides(target, expected):
    parsed = parse_target(target)
    assert (parsed["scheme"], parsed["address"], parsed["path_prefix"]) == expected


@pytest.mark.parametrize("target", ["alertmanager.example", "ftp://x:21", "host:99999", "", None])
def test_bad_targets_name_the_field(target):
    with pytest.raises(AlertingError) as err:
        alertmanager_target_groups([target])
    assert err.value.field == "monitoring_alertmanager_targets[0]"


def test_targets_are_grouped_by_scheme():
    groups = alertmanager_target_groups(["a:443", "b:9093", "https://c", "a:443"])
    assert groups == [{"scheme": "https", "path_prefix": "", "targets": ["a:443", "c:443"]},
                      {"scheme": "http", "path_prefix": "", "targets": ["b:9093"]}]
    with pytest.raises(AlertingError):
        alertmanager_target_groups("a:443")


@pytest.mark.parametrize("env", ("staging", "prod"))
def test_the_shipped_443_targets_are_https(env):
    data = _group_vars(env, "monitoring.yml")
    for key in ("monitoring_alertmanager_targets", "monitoring_pushgateway_targets"):
        assert [g["scheme"] for g in alertmanager_target_groups(data[key], key)] == ["https"]


# --- Rules for absent data -----------------------------------------------------------------------

SLOS = [
    {"name": "api_availability", "type": "availability", "service": "api", "target": 0.999,
     "total_metric": "http_requests_total", "error_matcher": 'code=~"5.."'},
    {"name": "cdn_hits", "type": "cdn_hit_ratio", "service": "cdn", "target": 0.8,
     "hits_metric": "hits_total", "requests_metric": "requests_total", "selector": 'tier="edge"'},
    {"name": "api_latency", "type": "latency", "service": "api", "histogram_metric": "lat_seconds",
     "quantiles": [{"quantile": 0.95, "threshold_seconds": 0.2}]},
]


def test_source_metrics_follow_the_type_and_selector():
    assert slo_source_metrics(SLOS[0]) == ['http_requests_total{service="api"}']
    assert slo_source_metrics(SLOS[1]) == ['hits_total{tier="edge"}', 'requests_total{tier="edge"}']
    assert slo_source_metrics(SLOS[2]) == ['lat_seconds_bucket{service="api"}']


def test_absence_group_has_one_alert_per_slo_and_the_scrape_and_push_alerts():
    group = absence_group(SLOS, ["prometheus", "api-us-east-1", "api.eu"], [{"job": "meridian_scale", "max_age": "45m"}])
    rules = dict((r["alert"], r) for r in group["rules"])
    assert group["name"] == "meridian-data-absent"
    assert list(rules) == ["ApiAvailabilityDataMissing", "CdnHitsDataMissing", "ApiLatencyDataMissing",
                           "MeridianScrapeTargetDown", "MeridianPushStale"]
    assert rules["CdnHitsDataMissing"]["expr"] == 'absent(hits_total{tier="edge"}) or absent(requests_total{tier="edge"})'
    assert rules["ApiAvailabilityDataMissing"]["labels"] == {
        "severity": "critical", "slo": "api_availability", "service": "api", "region": "global"}
    assert rules["ApiLatencyDataMissing"]["labels"]["severity"] == "warning"
    assert rules["MeridianScrapeTargetDown"]["expr"] == 'up{job=~"prometheus|api-us-east-1|api\\\\.eu"} == 0'
    assert rules["MeridianPushStale"]["expr"] == (
        'time() - max by (job, region) (push_time_seconds{job="meridian_scale"}) > 2700'
        ' or label_replace(absent(push_time_seconds{job="meridian_scale"}), "region", "global", "", "")')


def test_absence_group_is_optional_and_checked():
    assert [g["name"] for g in build_rule_groups(SLOS)["groups"]][-1] == "meridian-failover"
    groups = build_rule_groups(SLOS, scrape_jobs=[], push_jobs=[], interval="1m")["groups"]
    assert groups[-1]["name"] == "meridian-data-absent" and groups[-1]["interval"] == "1m"
    assert [r["alert"] for r in groups[-1]["rules"]] == [
        "ApiAvailabilityDataMissing", "CdnHitsDataMissing", "ApiLatencyDataMissing"]
    for kwargs, field in ((dict(scrape_jobs=["a b"]), "scrape_jobs"), (dict(push_jobs=[{"max_age": "1h"}]), "push_jobs[0]"),
                          (dict(push_jobs=[{"job": "j", "max_age": "soon"}]), "push_jobs[0].max_age"),
                          (dict(scrape_jobs=[], absent_for="10 minutes"), "for")):
        with pytest.raises(SloRuleError) as err:
            build_rule_groups(SLOS, **kwargs)
        assert err.value.field == field
