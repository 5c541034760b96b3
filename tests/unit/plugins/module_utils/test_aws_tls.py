# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.tls import (
    TlsPlanError,
    arn_region,
    certificate_names,
    covers,
    idempotency_token,
    local_endpoint,
    names_outside_zone,
    pick_certificate,
    self_signed_certificate,
    tag_changes,
    tls_settings_errors,
    validation_records,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 6, 1, tzinfo=UTC)
ARN_US = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
ARN_EU = "arn:aws:acm:eu-west-1:123456789012:certificate/1a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def _inventory(env):
    values = {}
    for name in ("main.yml", "services.yml", "tls.yml"):
        with open(os.path.join(ROOT, "inventories", env, "group_vars", "all", name)) as handle:
            values.update(yaml.safe_load(handle) or {})
    return values


@pytest.mark.parametrize("pattern, name, expected", [
    ("*.example.com", "app.example.com", True),
    ("*.example.com", "example.com", False),
    ("*.example.com", "a.b.example.com", False),
    ("example.com", "EXAMPLE.com.", True),
    ("app.example.com", "api.example.com", False),
])
def test_covers(pattern, name, expected):
    assert covers(pattern, name) is expected


def test_certificate_names_drop_duplicates_and_covered():
    assert certificate_names(["Example.com", "*.example.com", "app.example.com", "example.com.", "a.b.example.com"]) == [
        "example.com", "*.example.com", "a.b.example.com"]


@pytest.mark.parametrize("names", [[], "example.com", ["localhost"], ["bad_label.example.com"], ["a.*.example.com"]])
def test_certificate_names_refuse(names):
    with pytest.raises(TlsPlanError):
        certificate_names(names)


def test_names_outside_zone():
    assert names_outside_zone(["z.example", "*.z.example", "cdn.other.example"], "z.example") == ["cdn.other.example"]


def test_arn_region_and_token():
    assert arn_region(ARN_EU) == "eu-west-1" and arn_region("arn:aws:iam::1:role/x") is None and arn_region(None) is None
    token = idempotency_token("meridian-prod-lb", ["a.example"])
    assert len(token) == 32 and token.isalnum() and token != idempotency_token("meridian-prod-lb", ["b.example"])


def _cert(status="ISSUED", kind="AMAZON_ISSUED", names=("z.example", "*.z.example"), created=1, not_after=None, arn=ARN_US):
    return {"CertificateArn": arn, "DomainName": names[0], "SubjectAlternativeNames": list(names), "Status": status,
            "Type": kind, "CreatedAt": datetime.datetime(2026, 1, created, tzinfo=UTC),
            "NotAfter": not_after or datetime.datetime(2027, 1, 1, tzinfo=UTC)}


def test_pick_prefers_issued_then_newest():
    pending = _cert("PENDING_VALIDATION", created=5, arn="p")
    issued = _cert("ISSUED", created=1, arn="i")
    failed = _cert("FAILED", created=9, arn="f")
    assert pick_certificate([pending, issued, failed], ["*.z.example", "z.example"], "request", NOW)["CertificateArn"] == "i"
    assert pick_certificate([pending, failed], ["z.example", "*.z.example"], "request", NOW)["CertificateArn"] == "p"
    assert pick_certificate([issued], ["z.example"], "request", NOW) is None
    assert pick_certificate([issued], ["z.example", "*.z.example"], "self_signed", NOW) is None


def test_pick_replaces_an_imported_certificate_near_its_end():
    ending = _cert(kind="IMPORTED", not_after=NOW + datetime.timedelta(days=10))
    lasting = _cert(kind="IMPORTED", not_after=NOW + datetime.timedelta(days=300), arn="keep")
    assert pick_certificate([ending], ["z.example", "*.z.example"], "self_signed", NOW) is None
    assert pick_certificate([ending, lasting], ["z.example", "*.z.example"], "self_signed", NOW)["CertificateArn"] == "keep"


def test_validation_records_deduplicated_and_completeness():
    rr = {"Name": "_a.z.example.", "Type": "CNAME", "Value": "_b.acm-validations.aws."}
    cert = {"DomainValidationOptions": [{"DomainName": "z.example", "ResourceRecord": rr},
                                        {"DomainName": "*.z.example", "ResourceRecord": rr}]}
    assert validation_records(cert) == ([{"name": "_a.z.example", "type": "CNAME", "value": "_b.acm-validations.aws"}], True)
    cert["DomainValidationOptions"].append({"DomainName": "cdn.z.example", "ValidationMethod": "DNS"})
    assert validation_records(cert)[1] is False


def test_tag_changes():
    assert tag_changes({"a": "1", "Name": "x", "old": "y"}, {"a": 1, "Name": "x", "b": "2"}) == ({"b": "2"}, ["old"])
    assert tag_changes({"old": "y"}, {}, purge=False) == ({}, [])


@pytest.mark.parametrize("env", ["local", "local_selected", "staging", "prod"])
def test_shipped_inventories_pass(env):
    inv = _inventory(env)
    zone = inv["meridian_dns_zone"]
    names = [zone, "*." + zone]
    allowed = local_endpoint(inv["meridian_aws_endpoint_url"].replace("{{ lookup('ansible.builtin.env', 'MERIDIAN_MOTO_PORT') "
                                                                      "| default('5100', true) }}", "5100"))
    assert allowed is (env.startswith("local"))
    assert tls_settings_errors(inv["tls_certificate_source"], inv["meridian_env"], ["us-east-1", "eu-west-1"], zone, names,
                               names, {}, allowed) == []


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:5100", True), ("http://localhost:4566/", True), ("http://[::1]:5100", True),
    ("", False), (None, False), ("https://acm.eu-west-1.amazonaws.com", False), ("http://127.example.com", False),
])
def test_local_endpoint(url, expected):
    assert local_endpoint(url) is expected


def test_non_local_without_certificates_is_refused():
    errors = tls_settings_errors("self_signed", "prod", ["us-east-1"], "z.example", ["z.example"], ["z.example"], {}, False)
    assert len(errors) == 1 and "environment prod has no certificates" in errors[0] and "tls_certificate_source" in errors[0]


def test_requested_names_outside_the_zone_are_refused():
    errors = tls_settings_errors("request", "prod", ["us-east-1"], "z.example", ["z.example"], ["z.example", "cdn.other.example"],
                                 {}, False)
    assert errors == ["tls_cdn_names: cdn.other.example outside the hosted zone z.example, where the DNS validation records "
                      "are written; request them elsewhere and use tls_certificate_source arn"]


def test_given_arns_must_match_their_regions():
    ok = {"us-east-1": ARN_US, "eu-west-1": ARN_EU, "cdn": ARN_US}
    assert tls_settings_errors("arn", "prod", ["us-east-1", "eu-west-1"], "z.example", [], [], ok, False) == []
    errors = tls_settings_errors("arn", "prod", ["us-east-1", "eu-west-1"], "z.example", [], [],
                                 {"us-east-1": ARN_US, "eu-west-1": ARN_US, "cdn": ARN_EU}, False)
    assert len(errors) == 2
    assert errors[0].startswith("tls_certificate_arns.eu-west-1 is a certificate of us-east-1")
    assert "CloudFront reads certificates only from us-east-1" in errors[1]
    missing = tls_settings_errors("arn", "prod", ["us-east-1"], "z.example", [], [], {}, False, cdn=False)
    assert missing == ["tls_certificate_arns.us-east-1 must be the ARN of an ACM certificate in us-east-1, got None"]
    assert tls_settings_errors("acme", "prod", [], "", [], [], {}, False) == [
        "tls_certificate_source must be one of request, arn, self_signed, got 'acme'"]


def test_self_signed_certificate_covers_the_names():
    x509 = pytest.importorskip("cryptography.x509")
    cert_pem, key_pem = self_signed_certificate(["z.example", "*.z.example"], days=30, now=NOW)
    assert key_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sans == ["z.example", "*.z.example"]
    assert cert.not_valid_after_utc == NOW + datetime.timedelta(days=30)
