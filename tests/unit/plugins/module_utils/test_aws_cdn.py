# -*- coding: utf-8 -*-
"""The CDN's pure planning: settings, the DistributionConfig request, drift, plans, origin access
control and the static bucket's policy."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import (
    CdnPlanError,
    cloudfront_drift,
    cloudfront_settings,
    distribution_config,
    distribution_plan,
    origin_access_control_config,
    origin_access_control_plan,
    static_bucket_policy,
)

CERT = "arn:aws:acm:us-east-1:123456789012:certificate/6005b1bc-ed7e-4c16-afad-b10e2347b984"
DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/W3PMLTD1TOQWB"


def _settings(**kwargs):
    args = dict(name="meridian-local-us-east-1", alb_dns_name="alb.example", static_bucket="meridian-local-static-us-east-1",
                region="us-east-1", static_paths=["/static/*", "/assets/*"], certificate_arn=CERT,
                aliases=["cdn-us-east-1.local.meridian.example"], origin_access_control_id="FEKGPFS0QWWB1",
                tags={"meridian:env": "local"})
    args.update(kwargs)
    return cloudfront_settings(**args)


# What moto 5.2.5 returned for the request (get_distribution_config), trimmed to one cache behaviour
# and with the fields it fills in: no S3OriginConfig nor OriginAccessControlId on the static origin.
def _moto_read_back(settings):
    config = copy.deepcopy(distribution_config(settings))
    for origin in config["Origins"]["Items"]:
        origin.pop("S3OriginConfig", None)
        origin.pop("OriginAccessControlId", None)
        origin["CustomHeaders"] = {"Quantity": 0, "Items": []}
    for behavior in [config["DefaultCacheBehavior"]] + config["CacheBehaviors"]["Items"]:
        behavior.update({"CachePolicyId": "", "RealtimeLogConfigArn": "",
                         "TrustedKeyGroups": {"Enabled": False, "Quantity": 0, "Items": []}})
        behavior["AllowedMethods"]["Items"] = list(reversed(behavior["AllowedMethods"]["Items"]))
    config["ViewerCertificate"].update({"IAMCertificateId": "", "Certificate": "", "CertificateSource": "cloudfront"})
    return config


# What CloudFront returns: every origin carries OriginAccessControlId (empty when none).
def _cloudfront_read_back(settings, oac_id=None):
    config = copy.deepcopy(distribution_config(settings))
    for origin in config["Origins"]["Items"]:
        origin.setdefault("OriginAccessControlId", "")
        if oac_id is not None and origin["Id"] == "static":
            origin["OriginAccessControlId"] = oac_id
    return config


def test_defaults_are_tls13_sni_https_only_and_oac():
    settings = _settings()
    assert settings["viewer_certificate"] == {"cloudfront_default_certificate": False, "acm_certificate_arn": CERT,
                                              "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.3_2025"}
    alb, static = settings["origins"]
    assert alb["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert static["s3_origin_config"] == {"origin_access_identity": ""}
    assert static["origin_access_control_id"] == "FEKGPFS0QWWB1"
    assert static["domain_name"] == "meridian-local-static-us-east-1.s3.us-east-1.amazonaws.com"
    assert "custom_origin_config" not in static


def test_tls12_fallback_is_accepted():
    assert _settings(minimum_protocol_version="TLSv1.2_2025")["viewer_certificate"]["minimum_protocol_version"] == "TLSv1.2_2025"


@pytest.mark.parametrize("kwargs, field", [
    ({"minimum_protocol_version": "TLSv1.2_2021"}, "cdn_minimum_protocol_version"),
    ({"minimum_protocol_version": "TLSv1"}, "cdn_minimum_protocol_version"),
    ({"certificate_arn": ""}, "cdn_acm_certificate_arn"),
    ({"certificate_arn": CERT.replace("us-east-1", "eu-west-1")}, "cdn_acm_certificate_arn"),
    ({"aliases": []}, "cdn_aliases"),
    ({"aliases": ["Not A Name"]}, "cdn_aliases"),
    ({"aliases": ["a.example.com", "a.example.com"]}, "cdn_aliases"),
    ({"origin_protocol_policy": "http-only"}, "cdn_origin_protocol_policy"),
    ({"origin_protocol_policy": "match-viewer"}, "cdn_origin_protocol_policy"),
    ({"alb_dns_name": ""}, "cdn_origin_address"),
    ({"origin_access_control_id": ""}, "origin_access_control_id"),
])
def test_settings_refused_name_the_field(kwargs, field):
    with pytest.raises(CdnPlanError) as err:
        _settings(**kwargs)
    assert err.value.field == field


def test_distribution_config_is_a_valid_request():
    """botocore's own validator accepts the whole request (shapes, types, required members)."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateDistributionWithTags").input_shape
    request = {"DistributionConfigWithTags": {"DistributionConfig": distribution_config(_settings()),
                                              "Tags": {"Items": [{"Key": "meridian:env", "Value": "local"}]}}}
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()
    static = [o for o in request["DistributionConfigWithTags"]["DistributionConfig"]["Origins"]["Items"] if o["Id"] == "static"][0]
    assert static["OriginAccessControlId"] == "FEKGPFS0QWWB1"
    assert static["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_update_keeps_the_caller_reference():
    assert distribution_config(_settings(), "created-elsewhere")["CallerReference"] == "created-elsewhere"


def test_no_drift_against_moto_read_back():
    settings = _settings()
    assert cloudfront_drift(_moto_read_back(settings), settings) == []


def test_no_drift_against_cloudfront_read_back_with_the_oac():
    settings = _settings()
    assert cloudfront_drift(_cloudfront_read_back(settings, "FEKGPFS0QWWB1"), settings) == []


@pytest.mark.parametrize("oac_id", ["", "E0THEROAC"])
def test_lost_or_other_oac_is_drift_where_the_service_reports_it(oac_id):
    settings = _settings()
    assert cloudfront_drift(_cloudfront_read_back(settings, oac_id), settings) == ["origins"]


def test_origin_access_identity_is_drift():
    settings = _settings()
    config = _cloudfront_read_back(settings, "FEKGPFS0QWWB1")
    [static] = [o for o in config["Origins"]["Items"] if o["Id"] == "static"]
    static["S3OriginConfig"] = {"OriginAccessIdentity": "origin-access-identity/cloudfront/E1OAI"}
    assert cloudfront_drift(config, settings) == ["origins"]


@pytest.mark.parametrize("change, drift", [
    ({"minimum_protocol_version": "TLSv1.2_2025"}, ["certificate"]),
    ({"certificate_arn": CERT[:-1] + "5"}, ["certificate"]),
    ({"static_ttl": 600}, ["behaviors"]),
    ({"aliases": ["cdn.local.meridian.example"]}, ["aliases"]),
])
def test_changed_settings_are_drift(change, drift):
    assert cloudfront_drift(_moto_read_back(_settings()), _settings(**change)) == drift


def test_default_certificate_read_back_is_drift():
    """A distribution on CloudFront's default certificate (TLSv1 applied whatever it says) is drift."""
    settings = _settings()
    config = _moto_read_back(settings)
    config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1.3_2025",
                                   "SSLSupportMethod": "sni-only", "ACMCertificateArn": ""}
    assert cloudfront_drift(config, settings) == ["certificate"]


def test_origin_over_http_is_drift():
    settings = _settings()
    config = _moto_read_back(settings)
    config["Origins"]["Items"][0]["CustomOriginConfig"]["OriginProtocolPolicy"] = "http-only"
    assert cloudfront_drift(config, settings) == ["origins"]


def _current(settings, tags=None):
    return {"Id": "W3PMLTD1TOQWB", "ARN": DIST_ARN, "ETag": "E1", "DistributionConfig": _moto_read_back(settings)}


def test_plan_create_update_tags_none():
    settings = _settings()
    create = distribution_plan(None, {}, settings)
    assert create["action"] == "create" and create["request"]["CallerReference"] == "meridian-local-us-east-1"
    assert create["before"] == {} and list(create["after"]) == sorted(create["after"])

    same = distribution_plan(_current(settings), {"meridian:env": "local"}, settings)
    assert (same["action"], same["changed"], same["request"]) == ("none", False, None)
    assert same["before"] == same["after"]

    tags = distribution_plan(_current(settings), {"meridian:env": "local", "old": "x"}, settings)
    assert (tags["action"], tags["set_tags"], tags["unset_tags"]) == ("tags", {}, ["old"])
    kept = distribution_plan(_current(settings), {"meridian:env": "local", "old": "x"}, settings, purge_tags=False)
    assert kept["action"] == "none"

    changed = _settings(minimum_protocol_version="TLSv1.2_2025")
    update = distribution_plan(_current(settings), {"meridian:env": "local"}, changed)
    assert update["action"] == "update" and update["drift"] == ["certificate"]
    assert update["request"]["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2025"
    assert update["before"]["certificate"]["minimum_protocol_version"] == "TLSv1.3_2025"
    assert update["after"]["certificate"]["minimum_protocol_version"] == "TLSv1.2_2025"


def test_tags_omitted_are_kept():
    settings = _settings()
    settings["tags"] = None
    plan = distribution_plan(_current(settings), {"anything": "x"}, settings)
    assert plan["action"] == "none" and plan["after"]["tags"] == {"anything": "x"}


def test_origin_access_control_config_and_plan():
    desired = origin_access_control_config("meridian-local-us-east-1-static", "Static bucket")
    assert desired == {"Name": "meridian-local-us-east-1-static", "Description": "Static bucket", "SigningProtocol": "sigv4",
                       "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"}
    assert origin_access_control_plan(None, desired)["action"] == "create"
    current = dict(desired, Id="FEKGPFS0QWWB1")
    assert origin_access_control_plan(current, desired)["action"] == "none"
    other = dict(current, SigningBehavior="no-override")
    plan = origin_access_control_plan(other, desired)
    assert plan["action"] == "update" and plan["before"]["signing_behavior"] == "no-override"
    assert plan["after"]["signing_behavior"] == "always"
    gone = origin_access_control_plan(current, None, "absent")
    assert (gone["action"], gone["id"], gone["after"]) == ("delete", "FEKGPFS0QWWB1", {})
    assert origin_access_control_plan(None, None, "absent")["action"] == "none"


@pytest.mark.parametrize("kwargs, field", [
    ({"name": ""}, "name"),
    ({"name": "x" * 65}, "name"),
    ({"signing_behavior": "sometimes"}, "signing_behavior"),
    ({"origin_type": "custom"}, "origin_type"),
    ({"signing_protocol": "sigv2"}, "signing_protocol"),
])
def test_origin_access_control_refusals(kwargs, field):
    args = dict(name="n")
    args.update(kwargs)
    with pytest.raises(CdnPlanError) as err:
        origin_access_control_config(**args)
    assert err.value.field == field


def test_static_bucket_policy_names_the_service_and_the_distribution():
    policy = static_bucket_policy("meridian-local-static-us-east-1", DIST_ARN)
    assert policy == {"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCloudFrontServicePrincipalReadOnly", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::meridian-local-static-us-east-1/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": DIST_ARN}}}]}


def test_static_bucket_policy_other_partition():
    arn = "arn:aws-cn:cloudfront::123456789012:distribution/E1ABC"
    assert static_bucket_policy("b", arn)["Statement"][0]["Resource"] == "arn:aws-cn:s3:::b/*"


@pytest.mark.parametrize("bucket, arn, field", [
    ("", DIST_ARN, "cdn_static_bucket"),
    ("b", "", "distribution_arn"),
    ("b", "arn:aws:s3:::b", "distribution_arn"),
])
def test_static_bucket_policy_refusals(bucket, arn, field):
    with pytest.raises(CdnPlanError) as err:
        static_bucket_policy(bucket, arn)
    assert err.value.field == field
