# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import CdnPlanError, cloudfront_drift, cloudfront_settings
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.network import SecurityGroupError, security_group_exposure
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.storage import (
    StoragePlanError,
    bucket_plan,
    replication_violations,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy

BUCKETS = [
    {"name": "static", "data_class": "operational", "encryption": "AES256", "replicate": True},
    {"name": "user-data", "data_class": "pii", "encryption": "aws:kms", "replicate": True},
]


def test_bucket_plan_names_per_region():
    plan = bucket_plan(BUCKETS, "meridian-local", "eu-west-1", "us-east-1")
    assert plan[0]["bucket"] == "meridian-local-static-eu-west-1"
    assert plan[0]["replica_bucket"] == "meridian-local-static-us-east-1"


def test_bucket_plan_rejects_bad_encryption():
    with pytest.raises(StoragePlanError) as err:
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
                region="us-east-1", aliases=["cdn-us-east-1.local.meridian.example"], origin_access_control_id="E2OAC",
                certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/6005b1bc-ed7e-4c16-afad-b10e2347b984")
    args.update(kwargs)
    return cloudfront_settings(**args)


def test_cloudfront_settings_security():
    settings = _settings()
    assert settings["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.3_2025"
    assert settings["viewer_certificate"]["ssl_support_method"] == "sni-only"
    assert settings["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
    assert all(b["compress"] for b in settings["cache_behaviors"])


def test_cloudfront_settings_refuse_old_tls():
    with pytest.raises(CdnPlanError):
        _settings(minimum_protocol_version="TLSv1")


def _as_read_back(settings):
    """What CloudFront returns for the settings: CamelCase plus fields the request never set."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import _to_camel_config
    config = _to_camel_config(settings)
    for behavior in [config["DefaultCacheBehavior"]] + config["CacheBehaviors"]["Items"]:
        behavior.update({"CachePolicyId": "", "RealtimeLogConfigArn": "",
                         "TrustedKeyGroups": {"Enabled": False, "Quantity": 0, "Items": []}})
    for origin in config["Origins"]["Items"]:
        origin.update({"ConnectionAttempts": 3, "OriginShield": {"Enabled": False}})
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
    with pytest.raises(SecurityGroupError) as err:
        security_group_exposure({"security_groups": []})
    assert err.value.field == "security_groups"
