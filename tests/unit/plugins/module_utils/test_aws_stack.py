# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.stack import (
    StackPlanError,
    alb_listeners,
    asg_drift,
    asg_tags,
    bucket_plan,
    cloudfront_drift,
    cloudfront_settings,
    replication_violations,
    security_group_exposure,
    service_plan,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy

SERVICES = [
    {"name": "web", "port": 8080, "health_path": "/healthz", "instance_type": "t3.small",
     "min_size": 1, "max_size": 6, "desired_capacity": 2},
    {"name": "api", "port": 8081, "health_path": "/api/healthz", "path_patterns": ["/api/*"],
     "instance_type": "t3.medium", "min_size": 1, "max_size": 10, "desired_capacity": 1, "target_cpu": 60},
]


def test_service_plan_names_and_defaults():
    plan = service_plan(SERVICES, {}, "meridian-local")
    assert [s["asg_name"] for s in plan] == ["meridian-local-web", "meridian-local-api"]
    assert plan[0]["path_patterns"] == ["/*"] and plan[0]["target_cpu"] == 50
    assert plan[1]["target_cpu"] == 60


def test_service_plan_override_replaces_capacity():
    plan = service_plan(SERVICES, {"web": {"desired_capacity": 5}}, "meridian-local")
    assert plan[0]["desired_capacity"] == 5 and plan[0]["max_size"] == 6


@pytest.mark.parametrize("change, field", [
    ({"port": 70000}, "meridian_services[0].port"),
    ({"health_path": "healthz"}, "meridian_services[0].health_path"),
    ({"name": "Web"}, "meridian_services[0].name"),
    ({"desired_capacity": 9}, "meridian_services[0]"),
    ({"instance_type": "small"}, "meridian_services[0].instance_type"),
])
def test_service_plan_rejects_bad_input_naming_the_field(change, field):
    services = copy.deepcopy(SERVICES)
    services[0].update(change)
    with pytest.raises(StackPlanError) as err:
        service_plan(services, {}, "meridian-local")
    assert err.value.field == field


def test_service_plan_rejects_unknown_override_key():
    with pytest.raises(StackPlanError) as err:
        service_plan(SERVICES, {"web": {"desired": 3}}, "meridian-local")
    assert err.value.field == "compute_capacity_overrides.web"


def test_asg_tags_shape():
    assert asg_tags({"b": 1, "a": "x"}) == [
        {"a": "x", "propagate_at_launch": True}, {"b": "1", "propagate_at_launch": True}]


def test_listeners_http_routes_api_by_path():
    listeners = alb_listeners(service_plan(SERVICES, {}, "m"))
    assert len(listeners) == 1 and listeners[0]["Port"] == 80
    assert listeners[0]["DefaultActions"][0]["TargetGroupName"] == "m-web"
    assert listeners[0]["Rules"][0]["Conditions"][0]["Values"] == ["/api/*"]


def test_listeners_https_redirects_http():
    listeners = alb_listeners(service_plan(SERVICES, {}, "m"), "arn:aws:acm:us-east-1:1:certificate/x")
    https, http = listeners
    assert https["Protocol"] == "HTTPS" and https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert http["DefaultActions"][0]["Type"] == "redirect"


def test_listeners_without_rules_for_creation():
    assert all("Rules" not in lst for lst in alb_listeners(service_plan(SERVICES, {}, "m"), "", "p", False))


BUCKETS = [
    {"name": "static", "data_class": "operational", "encryption": "AES256", "replicate": True},
    {"name": "user-data", "data_class": "pii", "encryption": "aws:kms", "replicate": True},
]


def test_bucket_plan_names_per_region():
    plan = bucket_plan(BUCKETS, "meridian-local", "eu-west-1", "us-east-1")
    assert plan[0]["bucket"] == "meridian-local-static-eu-west-1"
    assert plan[0]["replica_bucket"] == "meridian-local-static-us-east-1"


def test_bucket_plan_rejects_bad_encryption():
    with pytest.raises(StackPlanError) as err:
        bucket_plan([dict(BUCKETS[0], encryption="none")], "m", "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_buckets[0].encryption"


def test_pii_from_ireland_to_virginia_is_refused():
    """The packaged GDPR rule: pii of an EEA region may not be replicated to the US."""
    plan = bucket_plan(BUCKETS, "meridian-local", "eu-west-1", "us-east-1")
    policy = ResidencyPolicy(data_classes=["pii", "operational"])
    violations = replication_violations(plan, "IE", "US", policy)
    assert [v["bucket"] for v in violations] == ["user-data"]
    assert violations[0]["jurisdiction"] == "EU"


def test_pii_within_the_eea_is_allowed():
    plan = bucket_plan(BUCKETS, "meridian-local", "eu-west-1", "eu-central-1")
    policy = ResidencyPolicy(data_classes=["pii", "operational"])
    assert replication_violations(plan, "IE", "DE", policy) == []


def _settings(**kwargs):
    args = dict(name="meridian-local-us-east-1", alb_dns_name="alb.example", static_bucket="meridian-local-static-us-east-1",
                region="us-east-1")
    args.update(kwargs)
    return cloudfront_settings(**args)


def test_cloudfront_settings_security():
    settings = _settings()
    assert settings["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.2_2021"
    assert settings["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
    assert all(b["compress"] for b in settings["cache_behaviors"])


def test_cloudfront_settings_refuse_old_tls():
    with pytest.raises(StackPlanError):
        _settings(minimum_protocol_version="TLSv1")


def _as_read_back(settings):
    """What CloudFront returns for the settings: CamelCase plus fields the request never set."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.aws.stack import _to_camel_config
    config = _to_camel_config(settings)
    for behavior in [config["DefaultCacheBehavior"]] + config["CacheBehaviors"]["Items"]:
        behavior.update({"CachePolicyId": "", "FunctionAssociations": {"Quantity": 0},
                         "TrustedKeyGroups": {"Enabled": False, "Quantity": 0, "Items": []}})
    for origin in config["Origins"]["Items"]:
        origin.update({"ConnectionAttempts": 3, "OriginShield": {"Enabled": False}})
    config["Origins"]["Quantity"] = len(config["Origins"]["Items"])
    return config


def test_cloudfront_drift_ignores_service_filled_defaults():
    settings = _settings()
    assert cloudfront_drift(_as_read_back(settings), settings) == []


def test_cloudfront_drift_reports_changed_settings():
    current = _as_read_back(_settings())
    assert cloudfront_drift(current, _settings(static_ttl=600)) == ["behaviors"]
    assert cloudfront_drift(current, _settings(minimum_protocol_version="TLSv1.2_2025")) == ["certificate"]


def test_cloudfront_drift_missing_distribution_reports_everything():
    assert "origins" in cloudfront_drift({}, _settings())


# The security groups the network role builds, as ec2_security_group_info returns them (read back
# from the local stack after a provision run of inventories/local).
SG_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "aws", "security_groups_us_east_1.json")


def _groups():
    with open(SG_FIXTURE) as handle:
        return json.load(handle)


def test_security_group_exposure_of_the_provisioned_groups():
    exposure = security_group_exposure(_groups(), "meridian-local-")
    assert sorted(exposure) == ["alb", "app", "db", "default"]
    assert [name for name in exposure if exposure[name]["ingress"]["world"]] == ["alb"]
    assert exposure["alb"]["ingress"] == {"world": [80, 443], "groups": {}, "cidrs": {}}
    assert exposure["app"]["ingress"] == {"world": [], "groups": {"alb": [8080, 8081]}, "cidrs": {}}
    assert exposure["db"]["ingress"] == {"world": [], "groups": {"app": [5432]}, "cidrs": {}}
    assert exposure["db"]["egress"] == {"world": [], "groups": {}, "cidrs": {}}
    assert exposure["alb"]["egress"]["cidrs"] == {"10.10.32.0/20": [8080, 8081], "10.10.48.0/20": [8080, 8081]}
    assert exposure["default"]["egress"]["world"] == ["all"]


def test_security_group_exposure_sees_ipv6_ranges_and_port_ranges():
    groups = _groups()
    app = [g for g in groups if g["group_name"] == "meridian-local-app"][0]
    app["ip_permissions"].append({"ip_protocol": "tcp", "from_port": 1000, "to_port": 2000, "ip_ranges": [],
                                  "ipv6_ranges": [{"cidr_ipv6": "::/0"}], "user_id_group_pairs": []})
    exposure = security_group_exposure(groups, "meridian-local-")
    assert exposure["app"]["ingress"]["world"] == ["1000-2000"]


def test_security_group_exposure_keeps_unknown_peer_ids():
    groups = [g for g in _groups() if g["group_name"] == "meridian-local-db"]
    exposure = security_group_exposure(groups, "meridian-local-")
    peer = list(exposure["db"]["ingress"]["groups"])
    assert len(peer) == 1 and peer[0].startswith("sg-")


def test_security_group_exposure_rejects_a_non_list():
    with pytest.raises(StackPlanError) as err:
        security_group_exposure({"security_groups": []})
    assert err.value.field == "security_groups"


# The Auto Scaling groups the compute role builds, as autoscaling_group_info returns them (read back
# from the local stack after a provision run of inventories/local, instances left out).
ASG_FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "aws", "autoscaling_groups_us_east_1.json")
ASG_SUBNETS = ["subnet-984e45beb3b198ce6", "subnet-51c624feb1b2ab58b"]
ASG_TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}
LOCAL_SERVICES = [
    {"name": "web", "port": 8080, "health_path": "/healthz", "path_patterns": ["/*"], "instance_type": "t3.small",
     "min_size": 1, "max_size": 6, "desired_capacity": 1, "target_cpu": 50},
    {"name": "api", "port": 8081, "health_path": "/api/healthz", "path_patterns": ["/api/*"], "instance_type": "t3.medium",
     "min_size": 1, "max_size": 10, "desired_capacity": 1, "target_cpu": 50},
]


def _asgs():
    with open(ASG_FIXTURE) as handle:
        return json.load(handle)


def test_asg_drift_is_empty_for_the_provisioned_groups():
    plan = service_plan(LOCAL_SERVICES, {}, "meridian-local")
    assert asg_drift(_asgs(), plan, list(reversed(ASG_SUBNETS)), ASG_TAGS) == {}


def test_asg_drift_names_what_differs():
    plan = service_plan(LOCAL_SERVICES, {"api": {"desired_capacity": 3}}, "meridian-local")
    tags = dict(ASG_TAGS, owner="team-a")
    drift = asg_drift(_asgs(), plan, ASG_SUBNETS[:1], tags, health_check_period=300)
    assert drift == {
        "web": ["health_check", "subnets", "tags"],
        "api": ["desired_capacity", "health_check", "subnets", "tags"],
    }


def test_asg_drift_reports_missing_groups_and_stale_settings():
    groups = [g for g in _asgs() if g["auto_scaling_group_name"] == "meridian-local-web"]
    groups[0]["launch_template"]["version"] = "1"
    groups[0]["enabled_metrics"] = []
    groups[0]["target_group_names"] = []
    plan = service_plan(LOCAL_SERVICES, {}, "meridian-local")
    assert asg_drift(groups, plan, ASG_SUBNETS, ASG_TAGS) == {
        "web": ["launch_template", "metrics_collection", "target_groups"],
        "api": ["absent"],
    }


def test_asg_drift_rejects_a_non_list():
    with pytest.raises(StackPlanError) as err:
        asg_drift({"results": []}, [], [], {})
    assert err.value.field == "autoscaling_groups"
