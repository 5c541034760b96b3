# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import (
    ComputePlanError,
    alb_listeners,
    asg_drift,
    asg_tags,
    launch_instance_types,
    mixed_instances_errors,
    mixed_instances_policy,
    stale_target_tracking_policies,
    target_tracking_policy,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue

HERE = os.path.dirname(__file__)
with open(os.path.join(HERE, "..", "..", "..", "..", "inventories", "local", "group_vars", "all", "services.yml")) as _h:
    SERVICES = catalogue(yaml.safe_load(_h)["meridian_services"], "meridian", "local")

# The Auto Scaling groups the compute role builds, as autoscaling_group_info returns them (read back
# from the local stack after a provision run of inventories/local, instances left out).
ASG_FIXTURE = os.path.join(HERE, "..", "..", "fixtures", "aws", "autoscaling_groups_us_east_1.json")
ASG_SUBNETS = ["subnet-984e45beb3b198ce6", "subnet-51c624feb1b2ab58b"]
ASG_TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}


def _asgs():
    with open(ASG_FIXTURE) as handle:
        return json.load(handle)


def test_asg_tags_shape():
    assert asg_tags({"b": 1, "a": "x"}) == [
        {"a": "x", "propagate_at_launch": True}, {"b": "1", "propagate_at_launch": True}]


def test_listeners_http_routes_api_by_path():
    listeners = alb_listeners(SERVICES)
    assert len(listeners) == 1 and listeners[0]["Port"] == 80
    assert listeners[0]["DefaultActions"][0]["TargetGroupName"] == "meridian-local-web"
    assert listeners[0]["Rules"][0]["Conditions"][0]["Values"] == ["/api/*"]
    assert listeners[0]["Rules"][0]["Actions"][0]["TargetGroupName"] == "meridian-local-api"


def test_listeners_https_redirects_http():
    https, http = alb_listeners(SERVICES, "arn:aws:acm:us-east-1:1:certificate/x")
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert http["DefaultActions"][0]["Type"] == "redirect"


def test_listeners_without_rules_for_creation():
    assert all("Rules" not in lst for lst in alb_listeners(SERVICES, "", "p", False))


def test_asg_drift_is_empty_for_the_provisioned_groups():
    assert asg_drift(_asgs(), SERVICES, list(reversed(ASG_SUBNETS)), ASG_TAGS) == {}


def test_asg_drift_leaves_a_scaled_group_alone():
    # scale.yml (or target tracking, or a drill) moved the groups to 4 and 7: provisioning keeps them.
    groups = _asgs()
    for group, desired in zip(groups, (4, 7)):
        group["desired_capacity"] = desired
    assert asg_drift(groups, SERVICES, ASG_SUBNETS, ASG_TAGS) == {}


def test_asg_drift_names_what_differs_and_the_sizes_to_set():
    groups = _asgs()
    groups[1]["max_size"] = 20
    groups[1]["desired_capacity"] = 15
    tags = dict(ASG_TAGS, owner="team-a")
    drift = asg_drift(groups, SERVICES, ASG_SUBNETS[:1], tags, health_check_period=300)
    names = dict((g["auto_scaling_group_name"].rsplit("-", 1)[1], g) for g in groups)
    assert drift["web"]["differs"] == ["health_check", "subnets", "tags"]
    assert drift["web"]["desired_capacity"] == names["web"]["desired_capacity"]
    assert drift["api"] == {"differs": ["desired_capacity", "health_check", "max_size", "subnets", "tags"],
                            "min_size": 1, "max_size": 10, "desired_capacity": 10}


def test_asg_drift_reports_missing_groups_and_stale_settings():
    groups = [g for g in _asgs() if g["auto_scaling_group_name"] == "meridian-local-web"]
    groups[0]["launch_template"]["version"] = "1"
    groups[0]["enabled_metrics"] = []
    groups[0]["target_group_names"] = []
    drift = asg_drift(groups, SERVICES, ASG_SUBNETS, ASG_TAGS)
    assert drift["web"]["differs"] == ["launch_template", "metrics_collection", "target_groups"]
    assert drift["api"] == {"differs": ["absent"], "min_size": 1, "max_size": 10, "desired_capacity": 1}


def test_asg_drift_rejects_a_non_list():
    with pytest.raises(ComputePlanError) as err:
        asg_drift({"results": []}, [], [], {})
    assert err.value.field == "autoscaling_groups"


def test_listeners_default_to_the_tls13_only_policy():
    https, http = alb_listeners(SERVICES, "arn:aws:acm:us-east-1:1:certificate/x")
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    assert https["Certificates"] == [{"CertificateArn": "arn:aws:acm:us-east-1:1:certificate/x"}]
    assert http["DefaultActions"][0]["RedirectConfig"] == {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}", "StatusCode": "HTTP_301"}
    legacy = alb_listeners(SERVICES, "arn:aws:acm:us-east-1:1:certificate/x", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06")[0]
    assert legacy["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"


# launch_template_drift: ec2_launch_template's arguments against the latest version read back
_LT_ARGS = {"template_name": "meridian-local-api", "image_id": "ami-1", "instance_type": "t3.micro",
            "security_group_ids": ["sg-2", "sg-1"], "user_data": "IyEvYmluL3No", "iam_instance_profile": None,
            "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": "1",
                                 "instance_metadata_tags": "disabled"},
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {
                "volume_size": "20", "volume_type": "gp3", "encrypted": True, "delete_on_termination": True}}],
            "tag_specifications": [{"resource_type": "instance", "tags": {"Name": "meridian-local-api"}}],
            "region": "us-east-1"}


def _lt_found(**changes):
    data = {"image_id": "ami-1", "instance_type": "t3.micro", "security_group_ids": ["sg-1", "sg-2"], "user_data": "IyEvYmluL3No",
            "metadata_options": {"http_endpoint": "enabled", "http_tokens": "required", "http_put_response_hop_limit": 1,
                                 "instance_metadata_tags": "disabled"},
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {
                "volume_size": 20, "volume_type": "gp3", "encrypted": True, "delete_on_termination": True}}],
            "tag_specifications": [{"resource_type": "instance", "tags": [{"key": "Name", "value": "meridian-local-api"}]}]}
    for key, value in changes.items():
        data[key] = value
    return [{"launch_template_name": "meridian-local-api", "latest_version_number": 2,
             "versions": [{"version_number": 1, "launch_template_data": {}},
                          {"version_number": 2, "launch_template_data": data}]}]


def test_launch_template_in_step():
    from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import launch_template_drift
    assert launch_template_drift(_LT_ARGS, _lt_found())["differs"] == []


def test_launch_template_allowing_imdsv1():
    from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import launch_template_drift
    found = _lt_found(metadata_options={"http_endpoint": "enabled", "http_tokens": "optional",
                                        "http_put_response_hop_limit": 1, "instance_metadata_tags": "disabled"})
    out = launch_template_drift(_LT_ARGS, found)
    assert out["differs"] == ["metadata_options"]
    assert out["before"]["metadata_options"]["http_tokens"] == "optional"
    assert out["after"]["metadata_options"]["http_tokens"] == "required"


def test_launch_template_missing_and_bad_args():
    import pytest as _pytest
    from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import ComputePlanError, launch_template_drift
    assert launch_template_drift(_LT_ARGS, [])["differs"] == ["absent"]
    with _pytest.raises(ComputePlanError):
        launch_template_drift({}, [])


def _with_cost(name, cost):
    service = copy.deepcopy(next(s for s in SERVICES if s["name"] == name))
    service["scaling"]["cost"] = cost
    return service


_MIX = {"on_demand_price": 0.0416, "instance_types": [{"type": "t3.medium", "price": 0.0416}, {"type": "t3a.medium"}],
        "on_demand_base": 1, "spot_share": 0.5, "spot_price": 0.0135}


def test_mixed_instances_policy_from_the_cost_block():
    policy = mixed_instances_policy(_with_cost("api", _MIX))
    assert policy == {"instance_types": ["t3.medium", "t3a.medium"], "instances_distribution": {
        "on_demand_allocation_strategy": "prioritized", "on_demand_base_capacity": 1,
        "on_demand_percentage_above_base_capacity": 50, "spot_allocation_strategy": "capacity-optimized"}}
    # a spot share without types: the launch template's type alone; no spot price is ever sent
    alone = mixed_instances_policy(_with_cost("api", {"spot_share": 0.25}))
    assert alone["instance_types"] == ["t3.medium"]
    assert alone["instances_distribution"]["on_demand_percentage_above_base_capacity"] == 75
    assert "spot_max_price" not in alone["instances_distribution"]
    assert mixed_instances_policy(_with_cost("api", {"on_demand_price": 0.0416})) is None
    assert launch_instance_types([_with_cost("api", _MIX)]) == ["t3.medium", "t3a.medium"]


@pytest.mark.parametrize("change, field", [
    ({"spot_share": 0.333}, "meridian_services[api].scaling.cost.spot_share"),
    ({"spot_share": 1.5}, "meridian_services[api].scaling.cost.spot_share"),
    ({"on_demand_base": 11}, "meridian_services[api].scaling.cost.on_demand_base"),
    ({"on_demand_base": -1}, "meridian_services[api].scaling.cost.on_demand_base"),
    ({"instance_types": [{"type": "t3.medium"}, {"type": "t3.medium"}]},
     "meridian_services[api].scaling.cost.instance_types[1].type"),
    ({"instance_types": [{"type": "m5.large", "weight": 2}]}, "meridian_services[api].scaling.cost.instance_types[0].weight"),
    ({"instance_types": [{"type": "t3.medium%d" % i} for i in range(41)]}, "meridian_services[api].scaling.cost.instance_types"),
    ({"instance_types": ["medium"]}, "meridian_services[api].scaling.cost.instance_types[0].type"),
])
def test_a_mix_aws_would_refuse_fails_naming_the_field(change, field):
    service = _with_cost("api", dict(_MIX, **change))
    with pytest.raises(ComputePlanError) as err:
        mixed_instances_policy(service)
    assert err.value.field == field
    assert mixed_instances_errors([service])[0].startswith(field)


def _as_read(policy, template="meridian-local-api"):
    """A plan's policy as autoscaling_group_info returns it (camel case turned snake, a template spec)."""
    return {"launch_template": {
        "launch_template_specification": {"launch_template_id": "lt-1", "launch_template_name": template, "version": "$Latest"},
        "overrides": [{"instance_type": t} for t in policy["instance_types"]]},
        "instances_distribution": dict(policy["instances_distribution"])}


def test_asg_drift_compares_the_mixed_instances_policy():
    services = [_with_cost("api", _MIX)] + [s for s in SERVICES if s["name"] != "api"]
    groups = _asgs()
    api = next(g for g in groups if g["auto_scaling_group_name"] == "meridian-local-api")
    api["mixed_instances_policy"] = _as_read(mixed_instances_policy(services[0]))
    api.pop("launch_template", None)  # a mixed group carries its template in the policy only
    assert asg_drift(groups, services, ASG_SUBNETS, ASG_TAGS) == {}
    api["mixed_instances_policy"]["instances_distribution"]["on_demand_percentage_above_base_capacity"] = 100
    drift = asg_drift(groups, services, ASG_SUBNETS, ASG_TAGS)
    assert drift["api"]["differs"] == ["mixed_instances"]
    assert drift["api"]["mixed_instances"]["before"]["instances_distribution"]["on_demand_percentage_above_base_capacity"] == 100
    assert drift["api"]["mixed_instances"]["after"] == mixed_instances_policy(services[0])
    # the plan drops the mix: the group's policy is drift too
    assert asg_drift(groups, SERVICES, ASG_SUBNETS, ASG_TAGS)["api"]["differs"] == ["mixed_instances"]


LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/meridian-local/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/meridian-local-api/943f017f100becff"


def _scaled(name, scaling):
    entry = {"name": name, "port": 8080, "health_path": "/healthz", "data_class": "operational", "capacity": {"min": 1, "max": 4, "initial": 1},
             "scaling": dict({"strategy": "reactive"}, **scaling), "aws": {"instance_type": "t3.small"}}
    return catalogue([entry], "meridian", "local", ("aws",))[0]


def test_target_tracking_policy_on_cpu():
    policy = target_tracking_policy(_scaled("web", {"target_cpu": 60}))
    assert policy == {
        "name": "meridian-local-web-cpu-target",
        "stale": ["meridian-local-web-requests-target"],
        "target_tracking_config": {"predefined_metric_spec": {"predefined_metric_type": "ASGAverageCPUUtilization"},
                                   "target_value": 60},
    }


def test_target_tracking_policy_on_requests_per_target_labels_the_target_group():
    service = _scaled("api", {"reactive": {"metric": "requests_per_target", "target": 8400}})
    policy = target_tracking_policy(service, LB_ARN, TG_ARN)
    assert policy["name"] == "meridian-local-api-requests-target"
    assert policy["stale"] == ["meridian-local-api-cpu-target"]
    spec = policy["target_tracking_config"]["predefined_metric_spec"]
    assert spec["predefined_metric_type"] == "ALBRequestCountPerTarget"
    # the format EC2 Auto Scaling documents: app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>
    assert spec["resource_label"] == "app/meridian-local/50dc6c495c0c9188/targetgroup/meridian-local-api/943f017f100becff"
    assert policy["target_tracking_config"]["target_value"] == 8400


@pytest.mark.parametrize("lb_arn, tg_arn, named", [
    ("", TG_ARN, "load balancer"),
    (LB_ARN, "", "target group"),
    (LB_ARN, LB_ARN, "target group"),
])
def test_requests_per_target_without_the_arns_fails_naming_the_field(lb_arn, tg_arn, named):
    service = _scaled("api", {"reactive": {"metric": "requests_per_target", "target": 8400}})
    with pytest.raises(ComputePlanError) as err:
        target_tracking_policy(service, lb_arn, tg_arn)
    assert err.value.field.startswith("meridian_services[api].scaling.reactive")
    assert named in str(err.value)


def test_promql_and_static_services_get_no_policy_and_every_name_is_stale():
    promql = _scaled("jobs", {"reactive": {"metric": "promql", "target": 10, "query": "sum(queue_depth)"}})
    static = _scaled("batch", {"strategy": "static"})
    for service in (promql, static):
        policy = target_tracking_policy(service)
        assert policy["name"] is None and policy["target_tracking_config"] is None
        assert policy["stale"] == sorted(["%s-cpu-target" % service["target_name"], "%s-requests-target" % service["target_name"]])


def test_stale_policies_only_for_groups_that_exist():
    web = _scaled("web", {"target_cpu": 50})
    api = _scaled("api", {"reactive": {"metric": "requests_per_target", "target": 8400}})
    stale = stale_target_tracking_policies([web, api], ["meridian-local-api", "meridian-local-other"])
    assert stale == [{"asg_name": "meridian-local-api", "name": "meridian-local-api-cpu-target"}]
    assert stale_target_tracking_policies([web, api], []) == []
