# -*- coding: utf-8 -*-
"""The load-balancer modules against the collection's Compute Engine emulator.

gce_ssl_policy, gce_backend_bucket, gce_backend_service, gce_url_map, gce_ssl_certificate,
gce_target_https_proxy, gce_global_address and gce_global_forwarding_rule run in-process with their real client (google-cloud-compute
over REST, anonymous credentials, ``api_endpoint`` on the emulator, which validates every request against
Google's discovery document and fills the server-side defaults): check mode, create, check mode and a
second run without change, ``--diff`` content, an update, a delete; results are read back with the official
client, not with the modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_backend_bucket,
    gce_backend_service,
    gce_global_address,
    gce_global_forwarding_rule,
    gce_ssl_certificate,
    gce_ssl_policy,
    gce_target_https_proxy,
    gce_url_map,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-local"
REGION = "europe-west1"
P = "projects/%s/" % PROJECT


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def run(url, module, check=False, **args):
    base = {"project": PROJECT, "auth_kind": "none", "api_endpoint": url}
    result = run_module(module, dict(base, **args), check=check, diff=True)
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def fails(url, module, **args):
    base = {"project": PROJECT, "auth_kind": "none", "api_endpoint": url}
    result = run_module(module, dict(base, **args), diff=True)
    assert isinstance(result, ModuleFail), result.result
    return result.result


def changed(base, **values):
    out = dict(base)
    out.update(values)
    return out


def converge(url, module, **args):
    """check mode, apply, check mode, apply: the four results; the last two changed nothing."""
    results = [run(url, module, check=True, **args), run(url, module, **args),
               run(url, module, check=True, **args), run(url, module, **args)]
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert [r["action"] for r in results] == ["create", "create", "none", "none"]
    assert results[0]["resource"] == {} and results[0]["diff"]["before"] == {}
    return results


def update(url, module, args, changes):
    """check mode shows the update and writes nothing; the update; then no change in check mode or again."""
    check = run(url, module, check=True, **args)
    assert (check["action"], check["changes"]) == ("update", changes)
    done = run(url, module, **args)
    assert (done["action"], done["changes"]) == ("update", changes)
    for check_mode in (True, False):
        assert run(url, module, check=check_mode, **args)["changed"] is False
    return check


def delete(url, module, **args):
    assert run(url, module, check=True, state="absent", **args)["action"] == "delete"
    gone = run(url, module, state="absent", **args)
    assert (gone["action"], gone["diff"]["after"]) == ("delete", {})
    assert run(url, module, state="absent", **args)["changed"] is False


def test_ssl_policy(emulator):
    policies = official(emulator, compute_v1.SslPoliciesClient)
    planned = converge(emulator, gce_ssl_policy, name="strict")[0]
    assert planned["diff"]["after"] == {"name": "strict", "profile": "RESTRICTED", "minTlsVersion": "TLS_1_2"}
    policy = policies.get(project=PROJECT, ssl_policy="strict")
    assert (policy.profile, policy.min_tls_version) == ("RESTRICTED", "TLS_1_2")

    check = update(emulator, gce_ssl_policy, dict(name="strict", profile="MODERN", min_tls_version="TLS_1_3"),
                   ["min_tls_version", "profile"])
    assert check["diff"]["before"] == {"name": "strict", "profile": "RESTRICTED", "minTlsVersion": "TLS_1_2"}
    policy = policies.get(project=PROJECT, ssl_policy="strict")
    assert (policy.profile, policy.min_tls_version) == ("MODERN", "TLS_1_3")

    custom = dict(name="strict", profile="CUSTOM", custom_features=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])
    update(emulator, gce_ssl_policy, custom, ["custom_features", "min_tls_version", "profile"])
    assert list(policies.get(project=PROJECT, ssl_policy="strict").custom_features) == [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
    # a PATCH cannot empty the custom features, so a CUSTOM policy does not go back to a pre-configured profile:
    # the API refuses, naming the field's option
    back = fails(emulator, gce_ssl_policy, name="strict", profile="MODERN", min_tls_version="TLS_1_3")
    assert back["field"] == "custom_features" and back["msg"].startswith("patch ssl_policy strict")
    assert policies.get(project=PROJECT, ssl_policy="strict").profile == "CUSTOM"

    # TLS 1.0 is refused before any call, naming the option; the policy is as it was
    refused = fails(emulator, gce_ssl_policy, name="strict", min_tls_version="TLS_1_0")
    assert refused["field"] == "min_tls_version" and "TLS_1_2" in refused["msg"]
    assert policies.get(project=PROJECT, ssl_policy="strict").min_tls_version == "TLS_1_2"
    delete(emulator, gce_ssl_policy, name="strict")
    assert list(policies.list(project=PROJECT)) == []


def test_backend_bucket(emulator):
    buckets = official(emulator, compute_v1.BackendBucketsClient)
    args = dict(name="static", bucket_name="meridian-local-static")
    planned = converge(emulator, gce_backend_bucket, **args)[0]
    assert planned["diff"]["after"] == {"name": "static", "bucketName": "meridian-local-static", "enableCdn": True,
                                        "cdnPolicy": {"cacheMode": "CACHE_ALL_STATIC"}}
    bucket = buckets.get(project=PROJECT, backend_bucket="static")
    assert (bucket.enable_cdn, bucket.cdn_policy.cache_mode) == (True, "CACHE_ALL_STATIC")

    check = update(emulator, gce_backend_bucket, changed(args, cache_mode="USE_ORIGIN_HEADERS"), ["cache_mode"])
    assert check["diff"]["after"]["cdnPolicy"] == {"cacheMode": "USE_ORIGIN_HEADERS"}
    assert buckets.get(project=PROJECT, backend_bucket="static").cdn_policy.cache_mode == "USE_ORIGIN_HEADERS"
    update(emulator, gce_backend_bucket, changed(args, enable_cdn=False), ["enable_cdn"])
    assert buckets.get(project=PROJECT, backend_bucket="static").enable_cdn is False
    delete(emulator, gce_backend_bucket, name="static")
    assert list(buckets.list(project=PROJECT)) == []


def _health_check(url, name):
    checks = official(url, compute_v1.HealthChecksClient)
    checks.insert(project=PROJECT, health_check_resource=compute_v1.HealthCheck(
        name=name, type_="HTTP", http_health_check=compute_v1.HTTPHealthCheck(port=80, request_path="/healthz"))
    ).result()
    return checks


def test_backend_service(emulator):
    services = official(emulator, compute_v1.BackendServicesClient)
    checks = _health_check(emulator, "web-http")
    group = P + "regions/%s/instanceGroups/web" % REGION
    args = dict(name="web", health_checks=["web-http"], backends=[{"group": "web", "region": REGION}],
                enable_cdn=True, cache_mode="USE_ORIGIN_HEADERS", log_config={"sample_rate": 0.5})
    planned = converge(emulator, gce_backend_service, **args)[0]
    after = planned["diff"]["after"]
    assert after["backends"] == [{"group": group, "balancingMode": "UTILIZATION", "capacityScaler": 1.0,
                                  "maxUtilization": 0.8}]
    assert after["healthChecks"] == [P + "global/healthChecks/web-http"]
    assert (after["loadBalancingScheme"], after["enableCDN"]) == ("EXTERNAL_MANAGED", True)
    service = services.get(project=PROJECT, backend_service="web")
    assert service.load_balancing_scheme == "EXTERNAL_MANAGED"
    assert service.backends[0].group.endswith(group) and service.backends[0].balancing_mode == "UTILIZATION"
    assert (service.cdn_policy.cache_mode, service.log_config.sample_rate) == ("USE_ORIGIN_HEADERS", 0.5)

    # the same backend given by its selfLink compares equal: no change
    same = changed(args, backends=[{"group": service.backends[0].group}])
    assert run(emulator, gce_backend_service, check=True, **same)["changed"] is False

    more = changed(args, timeout_sec=60, backends=[
        {"group": "web", "region": REGION, "capacity_scaler": 0.5},
        {"group": "regions/us-central1/instanceGroups/web", "balancing_mode": "RATE", "max_rate_per_instance": 100}])
    check = update(emulator, gce_backend_service, more, ["backends", "timeout_sec"])
    assert check["diff"]["before"]["timeoutSec"] == 30 and check["diff"]["after"]["timeoutSec"] == 60
    service = services.get(project=PROJECT, backend_service="web")
    assert service.timeout_sec == 60
    assert sorted((b.balancing_mode, b.capacity_scaler) for b in service.backends) == [("RATE", 1.0),
                                                                                       ("UTILIZATION", 0.5)]

    # no backends: the list is emptied (a PUT with the fingerprint), then no change
    update(emulator, gce_backend_service, changed(more, backends=[]), ["backends"])
    assert list(services.get(project=PROJECT, backend_service="web").backends) == []

    # an invalid option fails before any API call, naming it
    bad = fails(emulator, gce_backend_service, **changed(args, backends=[{"group": "web"}]))
    assert bad["field"] == "backends[0].region"
    delete(emulator, gce_backend_service, name="web")
    assert list(services.list(project=PROJECT)) == []
    checks.delete(project=PROJECT, health_check="web-http").result()


def test_the_global_load_balancer_chain(emulator):
    """URL map → managed certificate → target HTTPS proxy → reserved address → forwarding rule on it; then a new
    path rule, new domains (a new certificate, the proxy moved to it, the old one purged), a new target, and the
    teardown in reverse order."""
    url_maps = official(emulator, compute_v1.UrlMapsClient)
    certificates = official(emulator, compute_v1.SslCertificatesClient)
    proxies = official(emulator, compute_v1.TargetHttpsProxiesClient)
    rules = official(emulator, compute_v1.GlobalForwardingRulesClient)
    addresses = official(emulator, compute_v1.GlobalAddressesClient)
    checks = _health_check(emulator, "lb-http")
    assert run(emulator, gce_backend_service, name="app", health_checks=["lb-http"],
               backends=[{"group": "app", "region": REGION}])["action"] == "create"
    assert run(emulator, gce_backend_bucket, name="assets", bucket_name="meridian-local-assets")["action"] == "create"
    assert run(emulator, gce_ssl_policy, name="lb-tls")["action"] == "create"

    map_args = dict(name="lb", default_service="app", host_rules=[{"hosts": ["app.example.com"], "path_matcher": "app"}],
                    path_matchers=[{"name": "app", "default_service": "app",
                                    "path_rules": [{"paths": ["/static/*"], "bucket": "assets"}]}])
    planned = converge(emulator, gce_url_map, **map_args)[0]
    assert planned["diff"]["after"]["pathMatchers"] == [{
        "name": "app", "defaultService": P + "global/backendServices/app",
        "pathRules": [{"paths": ["/static/*"], "service": P + "global/backendBuckets/assets"}]}]
    url_map = url_maps.get(project=PROJECT, url_map="lb")
    assert url_map.path_matchers[0].path_rules[0].service.endswith("/global/backendBuckets/assets")
    wider = changed(map_args, path_matchers=[{"name": "app", "default_service": "app", "path_rules": [
        {"paths": ["/static/*", "/assets/*"], "bucket": "assets"}]}])
    check = update(emulator, gce_url_map, wider, ["path_matchers"])
    assert check["diff"]["after"]["pathMatchers"][0]["pathRules"][0]["paths"] == ["/assets/*", "/static/*"]
    assert sorted(url_maps.get(project=PROJECT, url_map="lb").path_matchers[0].path_rules[0].paths) == [
        "/assets/*", "/static/*"]
    # every host rule and path matcher removed: the lists are emptied (a PUT with the fingerprint), then no change
    update(emulator, gce_url_map, dict(name="lb", default_service="app"), ["host_rules", "path_matchers"])
    emptied = url_maps.get(project=PROJECT, url_map="lb")
    assert (list(emptied.host_rules), list(emptied.path_matchers)) == ([], [])
    update(emulator, gce_url_map, wider, ["host_rules", "path_matchers"])

    cert_args = dict(name="lb", domains=["app.example.com"])
    planned = run(emulator, gce_ssl_certificate, check=True, **cert_args)
    assert (planned["action"], planned["resource"]) == ("create", {})
    assert [c.name for c in certificates.list(project=PROJECT)] == []
    first = run(emulator, gce_ssl_certificate, **cert_args)
    name = first["certificate_name"]
    assert name.startswith("lb-") and len(name) == len("lb-") + 8
    assert (first["action"], first["status"], first["previous"]) == ("create", "ACTIVE", [])
    assert first["diff"] == {"before": {"certificates": {}}, "after": {"certificates": {name: ["app.example.com"]}}}
    for check_mode in (True, False):
        again = run(emulator, gce_ssl_certificate, check=check_mode, domains=["APP.example.com."], name="lb")
        assert (again["changed"], again["certificate_name"]) == (False, name)
    assert list(certificates.get(project=PROJECT, ssl_certificate=name).managed.domains) == ["app.example.com"]

    proxy_args = dict(name="lb", url_map="lb", ssl_certificates=[name], ssl_policy="lb-tls")
    planned = converge(emulator, gce_target_https_proxy, **proxy_args)[0]
    assert planned["diff"]["after"]["sslCertificates"] == [P + "global/sslCertificates/" + name]
    proxy = proxies.get(project=PROJECT, target_https_proxy="lb")
    assert proxy.ssl_policy.endswith("/global/sslPolicies/lb-tls") and proxy.url_map.endswith("/global/urlMaps/lb")

    reserved = converge(emulator, gce_global_address, name="lb-ip")[1]
    ip = addresses.get(project=PROJECT, address="lb-ip").address
    assert reserved["resource"]["address"] == ip and reserved["resource"]["ip_version"] == "IPV4"
    assert fails(emulator, gce_global_address, name="lb-ip", ip_version="IPV6")["field"] == "ip_version"
    rule_args = dict(name="lb-https", target="lb", address="lb-ip")
    planned = converge(emulator, gce_global_forwarding_rule, **rule_args)[0]
    assert planned["diff"]["after"] == {"name": "lb-https", "IPAddress": ip, "IPProtocol": "TCP",
                                        "portRange": "443-443", "loadBalancingScheme": "EXTERNAL_MANAGED",
                                        "target": P + "global/targetHttpsProxies/lb"}
    rule = rules.get(project=PROJECT, forwarding_rule="lb-https")
    assert (rule.I_p_address, rule.port_range, rule.load_balancing_scheme) == (ip, "443-443", "EXTERNAL_MANAGED")
    # the address given as its IP is the same address
    assert run(emulator, gce_global_forwarding_rule, check=True, **changed(rule_args, address=ip))["changed"] is False

    # new domains: a new certificate; the old one stays while the proxy serves it
    more = dict(name="lb", domains=["app.example.com", "www.example.com"], purge_previous=True)
    second = run(emulator, gce_ssl_certificate, **more)
    assert second["certificate_name"] != name
    assert (second["action"], second["previous"], second["deleted"], second["kept_in_use"]) == (
        "create", [name], [], [name])
    assert sorted(c.name for c in certificates.list(project=PROJECT)) == sorted([name, second["certificate_name"]])
    update(emulator, gce_target_https_proxy, changed(proxy_args, ssl_certificates=[second["certificate_name"]]),
           ["ssl_certificates"])
    assert list(proxies.get(project=PROJECT, target_https_proxy="lb").ssl_certificates)[0].endswith(
        "/" + second["certificate_name"])
    planned = run(emulator, gce_ssl_certificate, check=True, **more)
    assert (planned["action"], planned["deleted"]) == ("delete", [name])
    purged = run(emulator, gce_ssl_certificate, **more)
    assert (purged["action"], purged["deleted"], purged["kept_in_use"]) == ("delete", [name], [])
    assert [c.name for c in certificates.list(project=PROJECT)] == [second["certificate_name"]]

    # a second proxy: the rule's target changes in place (setTarget); its port cannot change
    assert run(emulator, gce_target_https_proxy, **changed(proxy_args, name="lb-blue", ssl_certificates=[
        second["certificate_name"]]))["action"] == "create"
    update(emulator, gce_global_forwarding_rule, changed(rule_args, target="lb-blue"), ["target"])
    assert rules.get(project=PROJECT, forwarding_rule="lb-https").target.endswith("/targetHttpsProxies/lb-blue")
    moved = fails(emulator, gce_global_forwarding_rule, **changed(rule_args, target="lb-blue", port_range="8443"))
    assert moved["field"] == "port_range"
    missing = fails(emulator, gce_global_forwarding_rule, **changed(rule_args, address="no-such-ip"))
    assert missing["field"] == "address"

    delete(emulator, gce_global_forwarding_rule, name="lb-https")
    for proxy in ("lb", "lb-blue"):
        delete(emulator, gce_target_https_proxy, name=proxy)
    gone = run(emulator, gce_ssl_certificate, name="lb", state="absent")
    assert (gone["action"], gone["deleted"]) == ("delete", [second["certificate_name"]])
    assert run(emulator, gce_ssl_certificate, name="lb", state="absent")["changed"] is False
    delete(emulator, gce_url_map, name="lb")
    for module, name_ in ((gce_ssl_policy, "lb-tls"), (gce_backend_bucket, "assets"), (gce_backend_service, "app")):
        delete(emulator, module, name=name_)
    delete(emulator, gce_global_address, name="lb-ip")
    checks.delete(project=PROJECT, health_check="lb-http").result()
    for client in (url_maps, certificates, proxies, rules, addresses):
        assert list(client.list(project=PROJECT)) == []


@pytest.mark.parametrize("module, args, field, client", [
    (gce_ssl_policy, {"name": "p", "min_tls_version": "TLS_1_1"}, "min_tls_version", "SslPoliciesClient"),
    (gce_backend_bucket, {"name": "b", "bucket_name": "x"}, "bucket_name", "BackendBucketsClient"),
    (gce_backend_service, {"name": "s", "health_checks": ["hc"], "backends": [
        {"group": "web", "region": REGION, "balancing_mode": "RATE"}]}, "backends[0].max_rate_per_instance",
     "BackendServicesClient"),
    (gce_url_map, {"name": "m", "default_service": "s", "host_rules": [{"hosts": ["a.example.com"],
                                                                        "path_matcher": "none"}]},
     "host_rules[0].path_matcher", "UrlMapsClient"),
    (gce_ssl_certificate, {"name": "c", "domains": ["*.example.com"]}, "domains", "SslCertificatesClient"),
    (gce_target_https_proxy, {"name": "p", "url_map": "m", "ssl_certificates": ["c"]}, "ssl_policy",
     "TargetHttpsProxiesClient"),
    (gce_global_address, {"name": "Bad_Name"}, "name", "GlobalAddressesClient"),
    (gce_global_forwarding_rule, {"name": "r", "target": "p", "port_range": "80-90"}, "port_range",
     "GlobalForwardingRulesClient"),
])
def test_an_invalid_option_fails_naming_it_and_nothing_is_created(emulator, module, args, field, client):
    result = fails(emulator, module, **args)
    assert (result["field"], result["msg"].split(":", 1)[0]) == (field, field)
    assert list(official(emulator, getattr(compute_v1, client)).list(project=PROJECT)) == []


def test_two_hosts_ensuring_the_same_certificate_at_once(emulator, monkeypatch):
    """Every gcp host of a play ensures the one global certificate; another host may create it, or delete an
    earlier one, between this run's read and its own call (409 on the insert, 404 on the delete)."""
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client

    certificates = official(emulator, compute_v1.SslCertificatesClient)
    args = dict(name="race", domains=["race.example.com"])
    planned = run(emulator, gce_ssl_certificate, check=True, **args)
    name = planned["certificate_name"]
    real_list = gce_client.GceClient.list

    def read_then_the_other_host_inserts(self, kind, *rest, **kwargs):
        answer = real_list(self, kind, *rest, **kwargs)
        if kind == "ssl_certificate" and not any(c["name"] == name for c in certificates.list(project=PROJECT)):
            certificates.insert(project=PROJECT, ssl_certificate_resource=compute_v1.SslCertificate(
                name=name, type_="MANAGED", managed=compute_v1.SslCertificateManagedSslCertificate(
                    domains=["race.example.com"]))).result()
        return answer

    monkeypatch.setattr(gce_client.GceClient, "list", read_then_the_other_host_inserts)
    late = run(emulator, gce_ssl_certificate, **args)
    assert (late["changed"], late["action"], late["certificate_name"]) == (False, "none", name)
    assert late["status"] == "ACTIVE"
    assert late["diff"]["before"] == late["diff"]["after"] == {"certificates": {name: ["race.example.com"]}}
    assert [c.name for c in certificates.list(project=PROJECT)] == [name]

    # other domains with purge_previous: both hosts delete the earlier certificate, one of them first
    def read_then_the_other_host_deletes(self, kind, *rest, **kwargs):
        answer = real_list(self, kind, *rest, **kwargs)
        if kind == "ssl_certificate" and any(c["name"] == name for c in answer):
            certificates.delete(project=PROJECT, ssl_certificate=name).result()
        return answer

    monkeypatch.setattr(gce_client.GceClient, "list", read_then_the_other_host_deletes)
    moved = run(emulator, gce_ssl_certificate, name="race", domains=["www.race.example.com"], purge_previous=True)
    assert (moved["changed"], moved["action"], moved["deleted"]) == (True, "create", [])
    assert name not in moved["diff"]["before"]["certificates"]
    assert [c.name for c in certificates.list(project=PROJECT)] == [moved["certificate_name"]]

    # any other error still fails the task
    monkeypatch.setattr(gce_client.GceClient, "list", real_list)
    certificates.delete(project=PROJECT, ssl_certificate=moved["certificate_name"]).result()

    def refused(self, kind, body, region=None):
        raise gce_client.GceApiError("create ssl_certificate failed: 403 forbidden", status=403, reason="forbidden")

    monkeypatch.setattr(gce_client.GceClient, "insert", refused)
    assert "403" in fails(emulator, gce_ssl_certificate, **args)["msg"]
    assert list(certificates.list(project=PROJECT)) == []
