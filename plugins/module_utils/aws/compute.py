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
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.cost import CostError, Pricing
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import group_capacity

# The mixed instances policy the compute role sets (EC2 Auto Scaling InstancesDistribution): spot
# from the pools with the most spare capacity, on demand in the order of the instance types.
SPOT_ALLOCATION_STRATEGY = "capacity-optimized"
ON_DEMAND_ALLOCATION_STRATEGY = "prioritized"
# EC2 Auto Scaling: at most 40 instance types (launch template overrides) per group.
MAX_INSTANCE_TYPES = 40


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


# The target-tracking policy the compute role keeps on a scaled service's group, per reactive metric:
# its name suffix and EC2 Auto Scaling's predefined metric. A PromQL metric has no CloudWatch metric
# behind it: the scale job evaluates it at every interval (strategies.reactive_proposal) instead.
TARGET_TRACKING_METRICS = {
    "cpu": ("cpu-target", "ASGAverageCPUUtilization"),
    "requests_per_target": ("requests-target", "ALBRequestCountPerTarget"),
}


def _arn_tail(arn, marker, field):
    """The final portion of an ELB ARN, from ``marker`` on (``app/<name>/<id>``, ``targetgroup/<name>/<id>``)."""
    if not isinstance(arn, str) or not arn.startswith("arn:") or marker not in arn:
        raise ComputePlanError(field, "expected an Elastic Load Balancing ARN holding %r, got %r: requests per "
                               "target needs the load balancer and the service's target group in place" % (marker, arn))
    return arn[arn.index(marker):]


def _tracked_policy(service):
    """(the policy name the service keeps or None, the names of the other metrics' policies, its reactive block)."""
    scaling = service.get("scaling") or {}
    reactive = scaling.get("reactive") or {"metric": "cpu", "target": scaling.get("target_cpu", 50)}
    names = dict((m, "%s-%s" % (service.get("target_name"), suffix)) for m, (suffix, _type) in TARGET_TRACKING_METRICS.items())
    if scaling.get("owner") != "scaling" or reactive.get("metric") not in TARGET_TRACKING_METRICS:
        return None, sorted(names.values()), reactive
    kept = names.pop(reactive["metric"])
    return kept, sorted(names.values()), reactive


def target_tracking_policy(service, load_balancer_arn="", target_group_arn=""):
    """The target-tracking policy of one scaled service: ``{name, stale, target_tracking_config}`` or None.

    ``service`` is a normalised catalogue entry. Its ``scaling.reactive`` metric chooses the
    predefined metric: ``cpu`` is ``ASGAverageCPUUtilization``; ``requests_per_target`` is
    ``ALBRequestCountPerTarget`` with the resource label EC2 Auto Scaling requires, the final
    portion of the load balancer's ARN and of the service's target group's ARN joined by ``/``
    (``app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>``; the target group must be attached to
    the group, which the compute role does). ``name`` is ``<target_name>-<metric>-target``; ``stale``
    names the policies of the other metrics, which the role removes when a service changes metric.
    None for a static service (its capacity has no policy) and for a ``promql`` metric (no
    CloudWatch metric; the scale job evaluates it); ``stale`` then lists every name.
    """
    kept, stale, reactive = _tracked_policy(service)
    if kept is None:
        return {"name": None, "stale": stale, "target_tracking_config": None}
    metric = reactive["metric"]
    spec = {"predefined_metric_type": TARGET_TRACKING_METRICS[metric][1]}
    if metric == "requests_per_target":
        field = "meridian_services[%s].scaling.reactive" % service.get("name")
        spec["resource_label"] = "%s/%s" % (_arn_tail(load_balancer_arn, "app/", field + " (the load balancer's ARN)"),
                                            _arn_tail(target_group_arn, "targetgroup/", field + " (the target group's ARN)"))
    return {
        "name": kept,
        "stale": stale,
        "target_tracking_config": {"predefined_metric_spec": spec, "target_value": reactive["target"]},
    }


def stale_target_tracking_policies(services, group_names):
    """``[{asg_name, name}]``: the target-tracking policies of metrics the services no longer track.

    Only for the groups in ``group_names`` (those that existed before this run: a new group has no
    old policy). Every metric's policy but the one ``target_tracking_policy`` keeps.
    """
    existing = set(group_names or [])
    out = []
    for service in services:
        if service.get("target_name") not in existing:
            continue
        for name in _tracked_policy(service)[1]:
            out.append({"asg_name": service["target_name"], "name": name})
    return out


def mixed_instances_policy(service):
    """The ``mixed_instances_policy`` argument of amazon.aws.autoscaling_group for one service, or None.

    ``service`` is a normalised catalogue entry. A service whose ``scaling.cost`` names
    ``instance_types`` or a ``spot_share`` above 0 gets a policy: the types as launch template
    overrides in the given order (the service's ``aws.instance_type`` alone when none are listed),
    ``on_demand_base`` as OnDemandBaseCapacity, ``100 - 100 * spot_share`` as
    OnDemandPercentageAboveBaseCapacity, capacity-optimized spot allocation and prioritized
    on-demand allocation. ``spot_price`` prices the mix and is not sent: a spot maximum price raises
    the interruption rate, and without one Auto Scaling caps spot at the on-demand price.

    Raises ``ComputePlanError`` naming the field (``meridian_services[<name>].scaling.cost.<key>``):
    more than 40 types, a type listed twice, a ``weight`` other than 1 (amazon.aws.autoscaling_group
    sends no WeightedCapacity), a share that is not a whole percent, a base above ``capacity.max``.
    """
    field = "meridian_services[%s].scaling.cost" % service.get("name")
    cost = (service.get("scaling") or {}).get("cost") or {}
    if not isinstance(cost, dict):
        raise ComputePlanError(field, "expected a mapping, got %r" % (cost,))
    try:
        pricing = Pricing.from_dict(cost)
    except CostError as err:
        # The pricing names its fields from "cost."; here they are the service's.
        where = field + (err.field or "cost")[len("cost"):]
        raise ComputePlanError(where, err.message.replace("cost.", field + ".", 1), prefix=False)
    if not pricing.instance_types and pricing.spot_share <= 0:
        return None
    types = [t["type"] for t in pricing.instance_types]
    if len(types) > MAX_INSTANCE_TYPES:
        raise ComputePlanError(field + ".instance_types", "EC2 Auto Scaling takes at most %d instance types per group, "
                               "got %d" % (MAX_INSTANCE_TYPES, len(types)))
    for i, item in enumerate(pricing.instance_types):
        if item["type"] in types[:i]:
            raise ComputePlanError("%s.instance_types[%d].type" % (field, i), "%s is listed twice" % item["type"])
        if item["weight"] != 1:
            raise ComputePlanError("%s.instance_types[%d].weight" % (field, i), "amazon.aws.autoscaling_group cannot set "
                                   "WeightedCapacity: list instance types of the service's size without weight")
    percent = pricing.spot_share * 100
    if abs(percent - round(percent)) > 1e-6:
        raise ComputePlanError(field + ".spot_share", "Auto Scaling takes a whole percentage "
                               "(OnDemandPercentageAboveBaseCapacity); give %s with at most two decimals, e.g. %.2f"
                               % (pricing.spot_share, round(percent) / 100.0))
    maximum = (service.get("capacity") or {}).get("max")
    if isinstance(maximum, int) and pricing.on_demand_base > maximum:
        raise ComputePlanError(field + ".on_demand_base", "%d is above capacity.max %d: no instance would run on spot; "
                               "lower it or drop spot_share" % (pricing.on_demand_base, maximum))
    if not types:
        itype = (service.get("aws") or {}).get("instance_type")
        if not itype:
            raise ComputePlanError(field + ".instance_types", "a spot share needs instance types (or aws.instance_type)")
        types = [itype]
    return {
        "instance_types": types,
        "instances_distribution": {
            "on_demand_allocation_strategy": ON_DEMAND_ALLOCATION_STRATEGY,
            "on_demand_base_capacity": pricing.on_demand_base,
            "on_demand_percentage_above_base_capacity": 100 - int(round(percent)),
            "spot_allocation_strategy": SPOT_ALLOCATION_STRATEGY,
        },
    }


def mixed_instances_errors(services):
    """[] when every service's mix can be applied, else one message per service naming the field."""
    errors = []
    for service in services or []:
        try:
            mixed_instances_policy(service)
        except MeridianError as err:
            errors.append(str(err))
    return errors


def launch_instance_types(services):
    """Every instance type the services' groups may launch (launch templates and overrides), sorted."""
    found = set()
    for service in services or []:
        found.add((service.get("aws") or {}).get("instance_type"))
        policy = mixed_instances_policy(service)
        found.update(policy["instance_types"] if policy else [])
    return sorted(t for t in found if t)


def _group_mix(group):
    """The mixed instances policy of a group as autoscaling_group_info returns it, in the plan's shape."""
    policy = group.get("mixed_instances_policy")
    if not isinstance(policy, dict) or not policy:
        return None
    overrides = (policy.get("launch_template") or {}).get("overrides") or []
    dist = policy.get("instances_distribution") or {}
    return {
        "instance_types": [o.get("instance_type") for o in overrides],
        "instances_distribution": dict((key, dist.get(key)) for key in (
            "on_demand_allocation_strategy", "on_demand_base_capacity", "on_demand_percentage_above_base_capacity",
            "spot_allocation_strategy")),
    }


def group_launch_template(group):
    """``(name, version)`` of a group's launch template, read from the mixed instances policy when it has one."""
    template = group.get("launch_template") or {}
    policy = group.get("mixed_instances_policy")
    if not template and isinstance(policy, dict):
        template = (policy.get("launch_template") or {}).get("launch_template_specification") or {}
    return template.get("launch_template_name"), template.get("version")


def asg_drift(groups, services, subnet_ids, tags, health_check_period=120):
    """Which services' Auto Scaling groups differ from the plan, in what, and the sizes to set.

    ``groups`` is autoscaling_group_info's ``results``; ``services`` the normalised catalogue;
    ``subnet_ids`` the private subnets; ``tags`` the common tags (the plan adds ``Name`` and
    ``meridian:service``, all propagated at launch). Returns ``{service: {"differs": [settings],
    "min_size", "max_size", "desired_capacity"}}`` for the services whose group is missing
    (``differs == ["absent"]``) or differs; services in step are left out.

    ``mixed_instances`` differs when the group's MixedInstancesPolicy (types in order, on-demand base
    and percentage, allocation strategies) is not :func:`mixed_instances_policy`'s, or the group has
    one and the plan none; the entry then also has ``mixed_instances: {before, after}``. The sizes
    follow the catalogue's capacity ownership (``services.catalogue.group_capacity``): a group whose
    capacity scaling owns keeps the desired capacity (and forecast floor) scaling set.
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
        want_tags = dict(tags or {}, **{"Name": name, "meridian:service": service["name"]})
        checks = {
            "launch_template": group_launch_template(group) == (name, "$Latest"),
            "mixed_instances": _group_mix(group) == mixed_instances_policy(service),
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
        if "mixed_instances" in differing:
            out[service["name"]]["mixed_instances"] = {"before": _group_mix(group), "after": mixed_instances_policy(service)}
    return out


_LAUNCH_TEMPLATE_KEYS = ("image_id", "instance_type", "security_group_ids", "iam_instance_profile", "user_data",
                         "metadata_options", "block_device_mappings", "tag_specifications")


def _scalar(value):
    """Module arguments arrive as text from templates; the read-back has ints and bools."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _subset(wanted, have):
    """``have`` cut down to the keys ``wanted`` states (recursively), values normalised like ``wanted``'s."""
    if isinstance(wanted, dict):
        have = have if isinstance(have, dict) else {}
        return dict((k, _subset(v, have.get(k))) for k, v in wanted.items() if v is not None)
    if isinstance(wanted, list):
        have = have if isinstance(have, list) else []
        return [_subset(w, have[i] if i < len(have) else None) for i, w in enumerate(wanted)]
    return _scalar(have)


def _clean(value):
    if isinstance(value, dict):
        return dict((k, _clean(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return _scalar(value)


def _tag_specifications(specs):
    out = []
    for spec in specs or []:
        tags = spec.get("tags") or {}
        if isinstance(tags, list):
            tags = dict((t.get("key", t.get("Key")), t.get("value", t.get("Value"))) for t in tags)
        out.append({"resource_type": spec.get("resource_type"), "tags": dict((str(k), str(v)) for k, v in tags.items())})
    return sorted(out, key=lambda s: str(s["resource_type"]))


def launch_template_drift(args, templates):
    """How a launch template's latest version differs from the arguments ec2_launch_template was given.

    ``args`` are the module's arguments as it ran (its result's ``invocation.module_args``: the plan,
    stated once, in the task); ``templates`` is ec2_launch_template_info's ``launch_templates``
    (versions with their ``launch_template_data``). amazon.aws.ec2_launch_template reports a change
    without a diff; this names the settings. Returns ``{differs, before, after}`` with the differing
    settings as the latest version holds them (before) and as the arguments state them (after); a
    missing template has ``differs == ["absent"]``.
    """
    if not isinstance(args, dict) or not args.get("template_name"):
        raise ComputePlanError("args", "expected ec2_launch_template's module_args with template_name, got %r" % (args,))
    wanted = dict((k, _clean(args[k])) for k in _LAUNCH_TEMPLATE_KEYS if args.get(k) not in (None, [], {}))
    if "tag_specifications" in wanted:
        wanted["tag_specifications"] = _tag_specifications(wanted["tag_specifications"])
    template = next((t for t in templates or [] if t.get("launch_template_name") == args["template_name"]), None)
    if template is None:
        return {"differs": ["absent"], "before": {}, "after": wanted}
    versions = template.get("versions") or []
    latest = next((v for v in versions if v.get("version_number") == template.get("latest_version_number")),
                  versions[-1] if versions else {})
    data = latest.get("launch_template_data") or {}
    have = {}
    for key, value in wanted.items():
        if key == "tag_specifications":
            have[key] = _tag_specifications(data.get(key))
        elif key == "iam_instance_profile":
            profile = data.get(key) or {}
            arn = profile.get("arn") or ""
            same = value in (profile.get("name"), arn) or arn.endswith("/" + str(value))
            have[key] = value if same else (profile.get("name") or arn or None)
        elif key == "security_group_ids":
            have[key] = sorted(data.get(key) or [])
            wanted[key] = sorted(value)
        else:
            have[key] = _subset(value, data.get(key))
    differs = sorted(k for k in wanted if wanted[k] != have[k])
    return {"differs": differs, "before": dict((k, have[k]) for k in differs), "after": dict((k, wanted[k]) for k in differs)}
