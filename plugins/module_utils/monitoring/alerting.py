# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where alerts go (pure computation, no I/O): SNS topics of the CloudWatch alarms, Alertmanager
receivers and the Alertmanagers Prometheus sends to.

- ``sns_subscription_errors`` checks the subscriptions of the alarm topic (protocol and endpoint).
- ``sns_topic_policy`` is the topic's access policy: the account keeps the default owner rights and
  CloudWatch may publish for the estate's alarms only (``aws:SourceArn`` of the alarm names).
- ``receiver_errors`` checks Alertmanager receiver settings (webhook, email, Slack, PagerDuty) without
  ever quoting a value: receiver settings hold credentials.
- ``alertmanager_receivers`` builds the receivers of the routing tree (``default``, ``SCOPE-SEVERITY``)
  from per-severity settings and per-receiver overrides; ``receivers_missing`` names the routes of the
  required severities that notify nobody.
- ``alertmanager_target_groups`` splits Alertmanager (or other) targets by scheme: ``https`` for port
  443 or an explicit ``https://``, ``http`` otherwise.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

# SNS subscription protocols (Subscribe API, Protocol) and what their endpoint looks like.
SNS_PROTOCOLS = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "email-json": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "http": re.compile(r"^http://\S+$"),
    "https": re.compile(r"^https://\S+$"),
    "sms": re.compile(r"^\+[1-9][0-9]{6,14}$"),
    "sqs": re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:\S+$"),
    "lambda": re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:\S+$"),
    "firehose": re.compile(r"^arn:aws[a-z-]*:firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/\S+$"),
    "application": re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:endpoint/\S+$"),
}
_SNS_HINTS = {
    "email": "an address such as oncall@example.com",
    "email-json": "an address such as oncall@example.com",
    "http": "an http:// URL",
    "https": "an https:// URL",
    "sms": "a phone number in E.164 form such as +15555550100",
    "sqs": "an SQS queue ARN",
    "lambda": "a Lambda function ARN",
    "firehose": "a Firehose delivery stream ARN",
    "application": "an SNS platform endpoint ARN",
}

# Alertmanager receiver integrations whose settings are checked here, and the other integrations
# Alertmanager knows (passed through unchecked).
RECEIVER_KINDS = ("webhook_configs", "email_configs", "slack_configs", "pagerduty_configs")
OTHER_RECEIVER_KINDS = ("opsgenie_configs", "victorops_configs", "pushover_configs", "sns_configs",
                        "telegram_configs", "wechat_configs", "webex_configs", "discord_configs",
                        "msteams_configs")
_SEVERITIES = ("critical", "warning", "info")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")


class AlertingError(MeridianError):
    """Invalid alert routing data; ``field`` names the inventory variable."""


def sns_subscription_errors(subscriptions, field="monitoring_aws_sns_subscriptions"):
    """Every problem of a list of {protocol, endpoint} subscriptions, as "field: message" strings."""
    if not isinstance(subscriptions, list):
        return ["%s: must be a list of {protocol, endpoint}, got %s" % (field, type(subscriptions).__name__)]
    errors = []
    seen = set()
    for index, sub in enumerate(subscriptions):
        here = "%s[%d]" % (field, index)
        if not isinstance(sub, dict) or set(sub) != {"protocol", "endpoint"}:
            errors.append("%s: must be a mapping with exactly protocol and endpoint, got keys %s"
                          % (here, sorted(sub) if isinstance(sub, dict) else type(sub).__name__))
            continue
        protocol, endpoint = sub["protocol"], sub["endpoint"]
        if protocol not in SNS_PROTOCOLS:
            errors.append("%s.protocol: must be one of %s, got %r" % (here, ", ".join(sorted(SNS_PROTOCOLS)), protocol))
            continue
        if not isinstance(endpoint, str) or not SNS_PROTOCOLS[protocol].match(endpoint):
            errors.append("%s.endpoint: must be %s for protocol %s" % (here, _SNS_HINTS[protocol], protocol))
            continue
        if (protocol, endpoint) in seen:
            errors.append("%s: %s %s is listed twice" % (here, protocol, endpoint))
        seen.add((protocol, endpoint))
    return errors


def sns_topic_policy(topic_arn, alarm_name_prefix):
    """The alarm topic's access policy.

    The owner statement is the one SNS puts on a new topic (the account's principals may manage,
    publish to and subscribe to it); the second lets CloudWatch publish for alarms whose ARN is
    ``arn:PARTITION:cloudwatch:REGION:ACCOUNT:alarm:PREFIX*`` (the topic's own region and account).
    """
    parts = topic_arn.split(":") if isinstance(topic_arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns" or not re.match(r"^[0-9]{12}$", parts[4]):
        raise AlertingError("topic_arn", "must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got %r"
                            % (topic_arn,))
    if not isinstance(alarm_name_prefix, str) or not alarm_name_prefix:
        raise AlertingError("alarm_name_prefix", "must be the start of the alarm names, got %r" % (alarm_name_prefix,))
    partition, region, account = parts[1], parts[3], parts[4]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TopicOwner",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [
                    "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                    "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic",
                    "SNS:Publish",
                ],
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": account}},
            },
            {
                "Sid": "CloudWatchAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": "arn:%s:cloudwatch:%s:%s:alarm:%s*"
                                % (partition, region, account, alarm_name_prefix)},
                    "StringEquals": {"aws:SourceAccount": account},
                },
            },
        ],
    }


def _has(config, *keys):
    return any(config.get(k) not in (None, "") for k in keys)


def _check_url(errors, here, value, key):
    if not isinstance(value, str) or not re.match(r"^https?://\S+$", value):
        # never quote the value: webhook URLs carry tokens
        errors.append("%s.%s: must be an http(s):// URL" % (here, key))


def _check_webhook(errors, here, config, _global):
    if not _has(config, "url"):
        errors.append("%s.url: is required (the endpoint that receives the alerts as JSON)" % here)
    else:
        _check_url(errors, here, config["url"], "url")


def _check_email(errors, here, config, global_config):
    if not _has(config, "to"):
        errors.append("%s.to: is required (the address(es) notified)" % here)
    if not _has(config, "smarthost") and not _has(global_config, "smtp_smarthost"):
        errors.append("%s.smarthost: is required unless monitoring_alertmanager_global sets smtp_smarthost" % here)
    if not _has(config, "from") and not _has(global_config, "smtp_from"):
        errors.append("%s.from: is required unless monitoring_alertmanager_global sets smtp_from" % here)
    if _has(config, "auth_password") and _has(config, "auth_password_file"):
        errors.append("%s: set auth_password or auth_password_file, not both" % here)


def _check_slack(errors, here, config, global_config):
    if not _has(config, "api_url", "api_url_file") and not _has(global_config, "slack_api_url", "slack_api_url_file"):
        errors.append("%s.api_url: is required (the Slack incoming webhook, from a vault variable) unless "
                      "api_url_file or monitoring_alertmanager_global's slack_api_url is set" % here)
    if _has(config, "api_url") and _has(config, "api_url_file"):
        errors.append("%s: set api_url or api_url_file, not both" % here)
    if _has(config, "api_url"):
        _check_url(errors, here, config["api_url"], "api_url")


def _check_pagerduty(errors, here, config, _global):
    keys = [k for k in ("routing_key", "routing_key_file", "service_key", "service_key_file") if _has(config, k)]
    if len(keys) != 1:
        errors.append("%s: needs exactly one of routing_key, routing_key_file (Events API v2), service_key, "
                      "service_key_file; got %s" % (here, ", ".join(keys) or "none"))


_CHECKS = {
    "webhook_configs": _check_webhook,
    "email_configs": _check_email,
    "slack_configs": _check_slack,
    "pagerduty_configs": _check_pagerduty,
}


def receiver_errors(settings, field, global_config=None):
    """Every problem of one receiver's settings ({webhook_configs: [...], ...}); values are never quoted."""
    global_config = global_config or {}
    if not isinstance(settings, dict):
        return ["%s: must be a mapping of integrations (webhook_configs, email_configs, slack_configs, "
                "pagerduty_configs), got %s" % (field, type(settings).__name__)]
    errors = []
    unknown = sorted(set(settings) - set(RECEIVER_KINDS) - set(OTHER_RECEIVER_KINDS))
    if unknown:
        errors.append("%s: unknown integration(s) %s; use %s" % (field, ", ".join(unknown), ", ".join(RECEIVER_KINDS)))
    for kind in RECEIVER_KINDS:
        if kind not in settings:
            continue
        configs = settings[kind]
        if not isinstance(configs, list) or not configs:
            errors.append("%s.%s: must be a non-empty list of settings" % (field, kind))
            continue
        for index, config in enumerate(configs):
            here = "%s.%s[%d]" % (field, kind, index)
            if not isinstance(config, dict):
                errors.append("%s: must be a mapping" % here)
                continue
            _CHECKS[kind](errors, here, config, global_config)
    return errors


def receivers_errors(severity_receivers, receiver_configs, global_config=None,
                     severity_field="monitoring_alertmanager_severity_receivers",
                     configs_field="monitoring_alertmanager_receiver_configs"):
    """Every problem of the per-severity settings and the per-receiver overrides."""
    errors = []
    for field, value in ((severity_field, severity_receivers), (configs_field, receiver_configs)):
        if not isinstance(value, dict):
            errors.append("%s: must be a mapping, got %s" % (field, type(value).__name__))
            continue
        for name in sorted(value, key=str):
            if not isinstance(name, str) or not _NAME_RE.match(name):
                errors.append("%s: receiver name %r must be letters, digits, _ . : -" % (field, name))
                continue
            if value[name] in (None, {}):
                continue  # an explicit "notify nobody"
            errors.extend(receiver_errors(value[name], "%s.%s" % (field, name), global_config))
    if isinstance(severity_receivers, dict):
        for name in sorted(set(severity_receivers) - set(_SEVERITIES), key=str):
            errors.append("%s.%s: must be a severity (%s)" % (severity_field, name, ", ".join(_SEVERITIES)))
    return errors


def alertmanager_receivers(scopes, severities, severity_receivers=None, receiver_configs=None,
                           default_severity="critical"):
    """The receivers of the routing tree: ``default`` then ``SCOPE-SEVERITY`` for every scope and severity.

    A receiver's settings are ``receiver_configs[name]`` when listed (``{}`` notifies nobody), else
    ``severity_receivers[severity]`` (``default`` takes ``default_severity``'s), else none.
    """
    severity_receivers = severity_receivers or {}
    receiver_configs = receiver_configs or {}

    def one(name, severity):
        receiver = {"name": name}
        settings = receiver_configs[name] if name in receiver_configs else severity_receivers.get(severity)
        receiver.update(plain_copy(settings or {}))  # no shared objects: no YAML anchors in the file
        return receiver

    receivers = [one("default", default_severity)]
    for scope in scopes:
        for severity in severities:
            receivers.append(one("%s-%s" % (scope, severity), severity))
    return receivers


def receivers_missing(receivers, required_severities):
    """Names of the receivers for a required severity (and ``default``) that notify nobody."""
    missing = []
    for receiver in receivers:
        name = receiver["name"]
        wanted = name == "default" or any(name.endswith("-" + s) for s in required_severities)
        if wanted and not any(receiver.get(k) for k in RECEIVER_KINDS + OTHER_RECEIVER_KINDS):
            missing.append(name)
    return missing


_TARGET_RE = re.compile(r"^(?:(?P<scheme>https?)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)"
                        r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/\S*)?$")


def parse_target(target, field="target"):
    """{scheme, address, path_prefix} of ``host:port`` or ``scheme://host[:port][/path]``.

    The scheme is the explicit one, else ``https`` on port 443, else ``http``. An explicit scheme
    without a port gets that scheme's port (443 or 80), so the address always has one.
    """
    match = _TARGET_RE.match(target) if isinstance(target, str) else None
    if not match:
        raise AlertingError(field, "must be host:port or an http(s):// URL, got %r" % (target,))
    scheme, host, port, path = match.group("scheme"), match.group("host"), match.group("port"), match.group("path")
    if not scheme and not port:
        raise AlertingError(field, "%r has no port; write host:port (443 means https) or an http(s):// URL" % target)
    if port and not 0 < int(port) < 65536:
        raise AlertingError(field, "port of %r must be between 1 and 65535" % target)
    if not scheme:
        scheme = "https" if port == "443" else "http"
    port = port or ("443" if scheme == "https" else "80")
    return {"scheme": scheme, "address": "%s:%s" % (host, port), "path_prefix": (path or "").rstrip("/")}


def alertmanager_target_groups(targets, field="monitoring_alertmanager_targets"):
    """Targets grouped by (scheme, path_prefix), in first-seen order: [{scheme, path_prefix, targets}]."""
    if not isinstance(targets, list):
        raise AlertingError(field, "must be a list of host:port or URLs, got %s" % type(targets).__name__)
    groups = []
    for index, target in enumerate(targets):
        parsed = parse_target(target, "%s[%d]" % (field, index))
        for group in groups:
            if (group["scheme"], group["path_prefix"]) == (parsed["scheme"], parsed["path_prefix"]):
                if parsed["address"] not in group["targets"]:
                    group["targets"].append(parsed["address"])
                break
        else:
            groups.append({"scheme": parsed["scheme"], "path_prefix": parsed["path_prefix"],
                           "targets": [parsed["address"]]})
    return groups
