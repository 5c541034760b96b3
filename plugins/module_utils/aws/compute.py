# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for a region's AWS compute: load balancer listeners, Auto Scaling group tags and drift.

The services are entries of the normalised service catalogue (``services.catalogue.catalogue``):
their ``target_name`` names the Auto Scaling group, its launch template and its target group.
Nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import group_capacity


class ComputePlanError(MeridianError):
    """An input that cannot produce the compute plan; ``field`` names it."""


def alb_listeners(services, certificate_arn="", ssl_policy="ELBSecurityPolicy-TLS13-1-3-2021-06", with_rules=True):
    """Listeners for elb_application_lb: path rules per service, the first service as default.

    With a certificate: HTTPS on 443 routes, HTTP on 80 redirects to HTTPS. Without: HTTP on 80 routes.
    ``with_rules=False`` leaves the ``Rules`` key out: elb_application_lb can only compare rules of
    listeners that existed before the call, so a new listener is created first and routed second.
    """
    if not services:
        raise ComputePlanError("meridian_services", "at least one service is needed for the listener")
    rules = []
    for priority, service in enumerate(services[1:], start=1):
        rules.append({
            "Conditions": [{"Field": "path-pattern", "Values": list(service.get("path_patterns") or ["/*"])}],
            "Priority": str(priority),
            "Actions": [{"Type": "forward", "TargetGroupName": service["target_name"]}],
        })
    routing = {
        "DefaultActions": [{"Type": "forward", "TargetGroupName": services[0]["target_name"]}],
        "Rules": rules,
    }
    if not with_rules:
        del routing["Rules"]
    if not certificate_arn:
        return [dict(routing, Protocol="HTTP", Port=80)]
    https = dict(routing, Protocol="HTTPS", Port=443, SslPolicy=ssl_policy,
                 Certificates=[{"CertificateArn": certificate_arn}])
    redirect = {
        "Protocol": "HTTP",
        "Port": 80,
        "DefaultActions": [{"Type": "redirect", "RedirectConfig": {
            "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}",
            "Query": "#{query}", "StatusCode": "HTTP_301"}}],
    }
    if with_rules:
        redirect["Rules"] = []
    return [https, redirect]


def asg_tags(tags, propagate=True):
    """{key: value} -> the autoscaling_group module's list of one-tag dicts, sorted by key."""
    if not isinstance(tags, dict):
        raise ComputePlanError("tags", "expected a mapping, got %r" % (tags,))
    return [{key: str(tags[key]), "propagate_at_launch": bool(propagate)} for key in sorted(tags)]


def _asg_tag_set(tags):
    if isinstance(tags, dict):
        return set((k, str(v), True) for k, v in tags.items())
    return set((t.get("key"), str(t.get("value")), bool(t.get("propagate_at_launch"))) for t in tags or [])


def asg_drift(groups, services, subnet_ids, tags, health_check_period=120):
    """Which services' Auto Scaling groups differ from the plan, in what, and the sizes to set.

    ``groups`` is autoscaling_group_info's ``results``; ``services`` the normalised catalogue;
    ``subnet_ids`` the private subnets; ``tags`` the common tags (the plan adds ``Name`` and
    ``meridian:service``, all propagated at launch). Returns ``{service: {"differs": [settings],
    "min_size", "max_size", "desired_capacity"}}`` for the services whose group is missing
    (``differs == ["absent"]``) or differs; services in step are left out.

    The sizes follow the catalogue's capacity ownership (``services.catalogue.group_capacity``): a
    group whose capacity scaling owns keeps the desired capacity (and forecast floor) scaling set.
    amazon.aws.autoscaling_group reports a change on every existing group in check mode, so the
    module is only called for the groups listed here.
    """
    if not isinstance(groups, (list, tuple)):
        raise ComputePlanError("autoscaling_groups", "expected autoscaling_group_info's results list, got %r" % (groups,))
    by_name = dict((g.get("auto_scaling_group_name"), g) for g in groups)
    out = {}
    for service in services:
        name = service["target_name"]
        group = by_name.get(name)
        sizes = group_capacity(service, group)
        if group is None:
            out[service["name"]] = sizes
            continue
        template = group.get("launch_template") or {}
        want_tags = dict(tags or {}, **{"Name": name, "meridian:service": service["name"]})
        checks = {
            "launch_template": (template.get("launch_template_name"), template.get("version")) == (name, "$Latest"),
            "subnets": set(filter(None, (group.get("vpc_zone_identifier") or "").split(","))) == set(subnet_ids or []),
            "target_groups": sorted(group.get("target_group_names") or []) == [name],
            "health_check": (group.get("health_check_type"), group.get("health_check_grace_period"))
            == ("ELB", int(health_check_period)),
            "metrics_collection": bool(group.get("enabled_metrics")),
            "tags": _asg_tag_set(group.get("tags")) == _asg_tag_set(want_tags),
        }
        differing = sorted(set(key for key, same in checks.items() if not same) | set(sizes["differs"]))
        if differing:
            out[service["name"]] = dict(sizes, differs=differing)
    return out
