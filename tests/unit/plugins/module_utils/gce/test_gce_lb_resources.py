# -*- coding: utf-8 -*-
"""gce.lb_resources: the load balancer's desired states, their normalisation against resources shaped as the
API returns them, the certificates' names and the plan of a managed certificate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine, lb_resources, resources
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError

PROJECT = "meridian-test"
SELF = "https://www.googleapis.com/compute/v1/projects/meridian-test/"
P = "projects/meridian-test/"


def params(**values):
    return dict({"project": PROJECT, "state": "present"}, **values)


def test_the_kinds_are_registered_with_the_engine():
    for kind in lb_resources.KINDS:
        assert resources.KINDS[kind] is lb_resources.KINDS[kind]
        assert resources.DESIRED[kind] is lb_resources.DESIRED[kind]


@pytest.mark.parametrize("version", ["TLS_1_0", "TLS_1_1"])
def test_ssl_policy_refuses_tls_below_1_2(version):
    with pytest.raises(GceError) as err:
        lb_resources.desired_ssl_policy(params(name="p", min_tls_version=version))
    assert err.value.field == "min_tls_version"


def test_ssl_policy_defaults_to_restricted_tls_1_2_and_compares_with_the_api_defaults():
    desired = lb_resources.desired_ssl_policy(params(name="p"))
    assert desired == {"name": "p", "profile": "RESTRICTED", "minTlsVersion": "TLS_1_2"}
    # a policy created without options holds Google's defaults: COMPATIBLE and TLS 1.0, both changed
    current = {"name": "p", "selfLink": SELF + "global/sslPolicies/p", "fingerprint": "abc=",
               "enabledFeatures": ["TLS_RSA_WITH_AES_128_GCM_SHA256"]}
    plan = engine.plan(lb_resources.SSL_POLICY, current, desired, PROJECT)
    assert plan["changes"] == ["min_tls_version", "profile"]
    assert plan["calls"] == [("patch", {"name": "p", "profile": "RESTRICTED", "minTlsVersion": "TLS_1_2",
                                        "fingerprint": "abc="})]


def test_backends_compare_by_group_whatever_the_form_and_with_the_api_defaults():
    desired = lb_resources.desired_backend_service(params(
        name="web", health_checks=["hc"], backends=[{"group": "web", "region": "europe-west1"},
                                                    {"group": "zones/us-east1-b/instanceGroups/web"}]))
    current = dict(desired, fingerprint="f=", selfLink=SELF + "global/backendServices/web",
                   healthChecks=[SELF + "global/healthChecks/hc"], backends=[
                       {"group": SELF + "zones/us-east1-b/instanceGroups/web", "balancingMode": "UTILIZATION",
                        "capacityScaler": 1, "maxUtilization": 0.8},
                       {"group": SELF + "regions/europe-west1/instanceGroups/web", "balancingMode": "UTILIZATION",
                        "capacityScaler": 1, "maxUtilization": 0.8}])
    assert engine.plan(lb_resources.BACKEND_SERVICE, current, desired, PROJECT)["action"] == "none"
    drained = dict(desired, backends=[dict(desired["backends"][0], capacityScaler=0.0), desired["backends"][1]])
    plan = engine.plan(lb_resources.BACKEND_SERVICE, current, drained, PROJECT)
    assert plan["changes"] == ["backends"]
    assert plan["calls"][0][1]["fingerprint"] == "f="


def test_cloud_cdn_not_given_is_not_touched():
    desired = lb_resources.desired_backend_service(params(name="web", health_checks=["hc"], backends=[]))
    assert "enableCDN" not in desired and "cdnPolicy" not in desired
    current = dict(desired, fingerprint="f=", enableCDN=True, cdnPolicy={"cacheMode": "USE_ORIGIN_HEADERS"})
    assert engine.plan(lb_resources.BACKEND_SERVICE, current, desired, PROJECT)["action"] == "none"
    plan = engine.plan(lb_resources.BACKEND_SERVICE, current, dict(desired, timeoutSec=60), PROJECT)
    assert plan["changes"] == ["timeout_sec"]
    assert plan["calls"][0][1]["enableCDN"] is True and plan["calls"][0][1]["cdnPolicy"] == {"cacheMode": "USE_ORIGIN_HEADERS"}
    off = lb_resources.desired_backend_service(params(name="web", health_checks=["hc"], enable_cdn=False))
    assert engine.plan(lb_resources.BACKEND_SERVICE, current, off, PROJECT)["changes"] == ["enable_cdn"]


@pytest.mark.parametrize("extra, field", [
    ({"backends": [{"group": "web"}]}, "backends[0].region"),
    ({"backends": [{"group": "global/networks/web"}]}, "backends[0].group"),
    ({"backends": [{"group": "web", "region": "r-1", "balancing_mode": "RATE"}]}, "backends[0].max_rate_per_instance"),
    ({"backends": [{"group": "web", "region": "r-1", "max_utilization": 1.5}]}, "backends[0].max_utilization"),
    ({"health_checks": []}, "health_checks"),
    ({"health_checks": ["a", "b"]}, "health_checks"),
    ({"cache_mode": "FORCE_CACHE_ALL"}, "cache_mode"),
    ({"enable_cdn": True, "cache_mode": "USE_ORIGIN_HEADERS", "default_ttl": 60}, "cache_mode"),
    ({"enable_cdn": True, "default_ttl": 7200, "max_ttl": 3600}, "default_ttl"),
    ({"enable_cdn": True, "client_ttl": 31622401}, "client_ttl"),
    ({"timeout_sec": 0}, "timeout_sec"),
    ({"log_config": {"enable": False, "sample_rate": 0.5}}, "log_config.sample_rate"),
])
def test_backend_service_invalid_options(extra, field):
    with pytest.raises(GceError) as err:
        lb_resources.desired_backend_service(params(**dict({"name": "web", "health_checks": ["hc"]}, **extra)))
    assert err.value.field == field


def test_url_map_rules_compare_whatever_their_order():
    desired = lb_resources.desired_url_map(params(
        name="lb", default_service="app",
        host_rules=[{"hosts": ["b.example.com", "a.example.com"], "path_matcher": "m"}],
        path_matchers=[{"name": "m", "default_service": "app", "path_rules": [
            {"paths": ["/static/*", "/assets/*"], "bucket": "assets"}, {"paths": ["/api"], "service": "api"}]}]))
    current = {"name": "lb", "fingerprint": "f=", "defaultService": SELF + "global/backendServices/app",
               "hostRules": [{"hosts": ["a.example.com", "b.example.com"], "pathMatcher": "m"}],
               "pathMatchers": [{"name": "m", "defaultService": SELF + "global/backendServices/app", "pathRules": [
                   {"paths": ["/api"], "service": SELF + "global/backendServices/api"},
                   {"paths": ["/assets/*", "/static/*"], "service": SELF + "global/backendBuckets/assets"}]}]}
    assert engine.plan(lb_resources.URL_MAP, current, desired, PROJECT)["action"] == "none"
    # the same path sent to a backend service instead of the bucket is a change
    moved = dict(current, pathMatchers=[dict(current["pathMatchers"][0], pathRules=[
        {"paths": ["/api"], "service": SELF + "global/backendServices/api"},
        {"paths": ["/assets/*", "/static/*"], "service": SELF + "global/backendServices/assets"}])])
    assert engine.plan(lb_resources.URL_MAP, moved, desired, PROJECT)["changes"] == ["path_matchers"]


@pytest.mark.parametrize("extra, field", [
    ({"default_bucket": "b"}, "default_service"),
    ({"default_service": None}, "default_service"),
    ({"host_rules": [{"hosts": ["a.example.com"], "path_matcher": "nope"}]}, "host_rules[0].path_matcher"),
    ({"host_rules": [{"hosts": ["not a host"], "path_matcher": "m"}],
      "path_matchers": [{"name": "m", "default_service": "s"}]}, "host_rules[0].hosts"),
    ({"path_matchers": [{"name": "m", "default_service": "s"}]}, "path_matchers"),
    ({"host_rules": [{"hosts": ["a.example.com"], "path_matcher": "m"}],
      "path_matchers": [{"name": "m", "default_service": "s", "path_rules": [{"paths": ["static/*"], "service": "s"}]}]},
     "path_matchers[0].path_rules[0].paths"),
    ({"host_rules": [{"hosts": ["a.example.com"], "path_matcher": "m"}],
      "path_matchers": [{"name": "m", "default_service": "s", "path_rules": [{"paths": ["/a"]}]}]},
     "path_matchers[0].path_rules[0].service"),
])
def test_url_map_invalid_options(extra, field):
    with pytest.raises(GceError) as err:
        lb_resources.desired_url_map(params(**dict({"name": "lb", "default_service": "app"}, **extra)))
    assert err.value.field == field


def test_certificate_name_follows_the_domains_not_their_order():
    one = lb_resources.certificate_name("web", ["b.example.com", "a.example.com"])
    assert one == lb_resources.certificate_name("web", ["a.example.com", "b.example.com"])
    assert one != lb_resources.certificate_name("web", ["a.example.com"])
    assert lb_resources.certificate_family("web", [one, "web-1", "web-x-12345678", "webs-12345678", "other"]) == [one]
    desired = lb_resources.desired_ssl_certificate(params(name="web", domains=["A.example.com.", "b.example.com"]))
    assert desired["managed"] == {"domains": ["a.example.com", "b.example.com"]}
    assert desired["name"] == one


def test_certificate_plan_never_deletes_a_certificate_a_proxy_serves():
    old = lb_resources.certificate_name("web", ["a.example.com"])
    older = lb_resources.certificate_name("web", ["z.example.com"])
    desired = lb_resources.desired_ssl_certificate(params(name="web", domains=["a.example.com", "b.example.com"]))
    proxies = [{"name": "p", "sslCertificates": [SELF + "global/sslCertificates/" + old]}]
    existing = [old, older, "unrelated"]
    kept = lb_resources.certificate_plan("web", desired, existing, proxies, PROJECT)
    assert kept == {"create": desired["name"], "delete": [], "previous": sorted([old, older]), "kept_in_use": []}
    purge = lb_resources.certificate_plan("web", desired, existing, proxies, PROJECT, purge_previous=True)
    assert (purge["delete"], purge["kept_in_use"]) == ([older], [old])
    again = lb_resources.certificate_plan("web", desired, existing + [desired["name"]], [], PROJECT)
    assert again["create"] is None
    absent = lb_resources.certificate_plan("web", {"name": "web"}, existing, proxies, PROJECT, state="absent")
    assert (absent["delete"], absent["kept_in_use"]) == ([older], [old])


@pytest.mark.parametrize("extra, field", [
    ({"domains": ["*.example.com"]}, "domains"),
    ({"domains": []}, "domains"),
    ({"domains": ["a.example.com", "A.example.com"]}, "domains"),
    ({"name": "n" * 55, "domains": ["a.example.com"]}, "name"),
])
def test_certificate_invalid_options(extra, field):
    with pytest.raises(GceError) as err:
        lb_resources.desired_ssl_certificate(params(**dict({"name": "web"}, **extra)))
    assert err.value.field == field


def test_forwarding_rule_port_and_address():
    desired = lb_resources.desired_global_forwarding_rule(params(name="r", target="lb", address="lb-ip"))
    assert desired["IPAddress"] == P + "global/addresses/lb-ip"
    assert lb_resources.address_reference(desired) == P + "global/addresses/lb-ip"
    literal = lb_resources.desired_global_forwarding_rule(params(name="r", target="lb", address="34.1.2.3"))
    assert lb_resources.address_reference(literal) is None
    current = dict(literal, IPAddress="34.1.2.3", portRange="443-443", target=SELF + "global/targetHttpsProxies/lb")
    assert engine.plan(lb_resources.GLOBAL_FORWARDING_RULE, current, literal, PROJECT)["action"] == "none"
    other = dict(literal, target=P + "global/targetHttpsProxies/blue")
    assert engine.plan(lb_resources.GLOBAL_FORWARDING_RULE, current, other, PROJECT)["calls"] == [
        ("method:set_target", "target", P + "global/targetHttpsProxies/blue")]
    with pytest.raises(GceError) as err:
        engine.plan(lb_resources.GLOBAL_FORWARDING_RULE, current, dict(literal, IPAddress="34.9.9.9"), PROJECT)
    assert err.value.field == "address"
    for port in ("80-90", "0", "http"):
        with pytest.raises(GceError) as err:
            lb_resources.desired_global_forwarding_rule(params(name="r", target="lb", port_range=port))
        assert err.value.field == "port_range"
