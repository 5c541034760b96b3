# -*- coding: utf-8 -*-
"""The load-balancer modules with the client faked (the boundary): the calls made, check mode writing nothing,
idempotence on resources shaped as the API returns them, and invalid options failing before any client is built."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_backend_bucket,
    gce_backend_service,
    gce_global_forwarding_rule,
    gce_ssl_certificate,
    gce_ssl_policy,
    gce_target_https_proxy,
    gce_url_map,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-test"
LINK = "https://www.googleapis.com/compute/v1/projects/%s/global/" % PROJECT
COLLECTION = {"backend_service": "backendServices", "backend_bucket": "backendBuckets", "ssl_policy": "sslPolicies",
              "url_map": "urlMaps", "target_https_proxy": "targetHttpsProxies", "ssl_certificate": "sslCertificates",
              "global_forwarding_rule": "forwardingRules", "global_address": "addresses"}
REFS = {"healthChecks": "healthChecks", "urlMap": "urlMaps", "sslPolicy": "sslPolicies",
        "sslCertificates": "sslCertificates", "target": "targetHttpsProxies", "defaultService": "backendServices"}


def _link(value, collection):
    """A reference as the API returns it: a full URL."""
    if value.startswith("http"):
        return value
    return LINK + (value.split("/global/", 1)[1] if "/global/" in value else "%s/%s" % (collection, value))


class FakeLb:
    """An in-memory global Compute Engine behind the client's interface: references returned as URLs, a
    fingerprint required on every patch and changed by it, the API's defaults filled."""

    DEFAULTS = {"ssl_policy": {"profile": "COMPATIBLE", "minTlsVersion": "TLS_1_0"},
                "backend_service": {"loadBalancingScheme": "EXTERNAL", "protocol": "HTTP", "portName": "http",
                                    "timeoutSec": 30, "enableCDN": False},
                "target_https_proxy": {"quicOverride": "NONE"}, "backend_bucket": {"enableCdn": False}}

    def __init__(self):
        self.store = {}
        self.calls = []
        self.serial = 0

    def _stamp(self, kind, body):
        self.serial += 1
        body = dict(self.DEFAULTS.get(kind, {}), **body)
        for key, collection in REFS.items():
            if isinstance(body.get(key), list):
                body[key] = [_link(v, collection) for v in body[key]]
            elif body.get(key):
                body[key] = _link(body[key], collection)
        for backend in body.get("backends") or []:
            backend["group"] = "https://www.googleapis.com/compute/v1/" + backend["group"]
            backend.setdefault("capacityScaler", 1)
        if kind == "global_forwarding_rule" and body.get("portRange") and "-" not in body["portRange"]:
            body["portRange"] = "%s-%s" % (body["portRange"], body["portRange"])
        if kind == "ssl_certificate":
            body["managed"]["status"] = "PROVISIONING"
        body.update(id=str(self.serial), selfLink=LINK + COLLECTION[kind] + "/" + body["name"],
                    fingerprint="fp%d=" % self.serial)
        return body

    def get(self, kind, name, region=None):
        self.calls.append(("get", kind, name))
        return self.store.get((kind, name))

    def list(self, kind, region=None, filter_=None):
        self.calls.append(("list", kind))
        return [v for (k, _n), v in sorted(self.store.items()) if k == kind]

    def insert(self, kind, body, region=None):
        self.calls.append(("insert", kind, body["name"]))
        self.store[(kind, body["name"])] = self._stamp(kind, body)

    def patch(self, kind, name, body, region=None):
        self.calls.append(("patch", kind, name))
        current = self.store[(kind, name)]
        assert body.pop("fingerprint") == current["fingerprint"], "stale or missing fingerprint"
        merged = dict(current, **body)
        self.store[(kind, name)] = self._stamp(kind, dict((k, v) for k, v in merged.items() if k != "fingerprint"))

    def update(self, kind, name, body, region=None):
        """A PUT: the whole resource replaced (what the body leaves out is gone), with the current fingerprint."""
        self.calls.append(("update", kind, name))
        current = self.store[(kind, name)]
        assert body.get("fingerprint") == current["fingerprint"], "stale or missing fingerprint"
        self.store[(kind, name)] = self._stamp(kind, dict((k, v) for k, v in body.items() if k not in (
            "fingerprint", "id", "selfLink")))

    def set_target(self, kind, name, value, region=None):
        self.calls.append(("set_target", kind, name))
        self.store[(kind, name)]["target"] = _link(value, "targetHttpsProxies")

    def delete(self, kind, name, region=None):
        self.calls.append(("delete", kind, name))
        del self.store[(kind, name)]

    def writes(self):
        return [c for c in self.calls if c[0] not in ("get", "list")]


@pytest.fixture
def fake(monkeypatch):
    api = FakeLb()
    monkeypatch.setattr(gce_client.GceClient, "from_params", classmethod(lambda cls, params, options=None: api))
    return api


def run(module, check=False, **args):
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args), check=check, diff=True)
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def changed(base, **values):
    """``base`` with ``values`` replaced (a copy)."""
    out = dict(base)
    out.update(values)
    return out


def converge(module, fake, **args):
    """check mode (no write), apply (one insert), check mode and apply again (no write): the four results."""
    writes = len(fake.writes())
    results = [run(module, check=True, **args)]
    assert len(fake.writes()) == writes
    results.append(run(module, **args))
    assert [c[0] for c in fake.writes()[writes:]] == ["insert"]
    results += [run(module, check=True, **args), run(module, **args)]
    assert len(fake.writes()) == writes + 1
    assert [r["changed"] for r in results] == [True, True, False, False]
    return results


def test_ssl_policy_patch_carries_the_fingerprint(fake):
    converge(gce_ssl_policy, fake, name="strict")
    assert fake.store[("ssl_policy", "strict")]["profile"] == "RESTRICTED"
    result = run(gce_ssl_policy, name="strict", min_tls_version="TLS_1_3")
    assert (result["changes"], fake.writes()[-1]) == (["min_tls_version"], ("patch", "ssl_policy", "strict"))
    assert result["resource"]["min_tls_version"] == "TLS_1_3"


def test_backend_service_and_bucket(fake):
    args = dict(name="web", health_checks=["hc"], backends=[{"group": "web", "region": "europe-west1"}],
                enable_cdn=True)
    applied = converge(gce_backend_service, fake, **args)[1]
    assert applied["resource"]["load_balancing_scheme"] == "EXTERNAL_MANAGED"
    assert fake.store[("backend_service", "web")]["cdnPolicy"] == {"cacheMode": "CACHE_ALL_STATIC"}
    drained = run(gce_backend_service, **changed(args, backends=[dict(args["backends"][0], capacity_scaler=0.0)]))
    assert (drained["changes"], fake.writes()[-1][0]) == (["backends"], "update")
    assert fake.store[("backend_service", "web")]["backends"][0]["capacityScaler"] == 0.0
    # no backends: the list is emptied (a PUT), and the service then converges
    emptied = run(gce_backend_service, **changed(args, backends=[]))
    assert emptied["changes"] == ["backends"] and not fake.store[("backend_service", "web")].get("backends")
    assert run(gce_backend_service, check=True, **changed(args, backends=[]))["changed"] is False

    converge(gce_backend_bucket, fake, name="static", bucket_name="meridian-static")
    assert fake.store[("backend_bucket", "static")]["enableCdn"] is True


def test_url_map_proxy_and_rule(fake):
    fake.store[("global_address", "lb-ip")] = {"name": "lb-ip", "address": "34.120.0.7"}
    converge(gce_url_map, fake, name="lb", default_bucket="static")
    assert fake.store[("url_map", "lb")]["defaultService"] == LINK + "backendBuckets/static"
    proxy = dict(name="lb", url_map="lb", ssl_certificates=["c1", "c2"], ssl_policy="strict")
    converge(gce_target_https_proxy, fake, **proxy)
    # the certificates' order matters (the first is the primary)
    swapped = run(gce_target_https_proxy, check=True, **changed(proxy, ssl_certificates=["c2", "c1"]))
    assert swapped["changes"] == ["ssl_certificates"]

    rule = dict(name="https", target="lb", address="lb-ip")
    planned = converge(gce_global_forwarding_rule, fake, **rule)[0]
    assert planned["diff"]["after"]["IPAddress"] == "34.120.0.7"
    assert fake.store[("global_forwarding_rule", "https")]["IPAddress"] == "34.120.0.7"
    moved = run(gce_global_forwarding_rule, **changed(rule, target="blue"))
    assert (moved["changes"], fake.writes()[-1]) == (["target"], ("set_target", "global_forwarding_rule", "https"))
    writes = len(fake.writes())
    other = run_module(gce_global_forwarding_rule, dict({"project": PROJECT, "auth_kind": "none"},
                                                        **changed(rule, target="blue", port_range="8443")))
    assert isinstance(other, ModuleFail) and other.result["field"] == "port_range"
    assert len(fake.writes()) == writes


def test_managed_certificate_new_domains_make_a_new_certificate(fake):
    first = run(gce_ssl_certificate, name="web", domains=["a.example.com"])
    assert (first["action"], first["status"]) == ("create", "PROVISIONING")
    assert run(gce_ssl_certificate, name="web", domains=["a.example.com"])["changed"] is False
    fake.store[("target_https_proxy", "lb")] = {"name": "lb", "sslCertificates": [
        LINK + "sslCertificates/" + first["certificate_name"]]}
    writes = len(fake.writes())
    planned = run(gce_ssl_certificate, check=True, name="web", domains=["a.example.com", "b.example.com"],
                  purge_previous=True)
    assert len(fake.writes()) == writes
    assert (planned["action"], planned["previous"], planned["kept_in_use"]) == (
        "create", [first["certificate_name"]], [first["certificate_name"]])
    second = run(gce_ssl_certificate, name="web", domains=["a.example.com", "b.example.com"], purge_previous=True)
    assert [c[0] for c in fake.writes()[writes:]] == ["insert"]
    assert ("ssl_certificate", first["certificate_name"]) in fake.store
    assert second["diff"]["after"]["certificates"] == {
        first["certificate_name"]: ["a.example.com"],
        second["certificate_name"]: ["a.example.com", "b.example.com"]}


@pytest.mark.parametrize("module, args, field", [
    (gce_ssl_policy, {"name": "p", "min_tls_version": "TLS_1_0"}, "min_tls_version"),
    (gce_ssl_policy, {"name": "p", "min_tls_version": "TLS_1_1"}, "min_tls_version"),
    (gce_ssl_policy, {"name": "p", "custom_features": ["TLS_AES_128_GCM_SHA256"]}, "custom_features"),
    (gce_backend_bucket, {"name": "b", "bucket_name": "Bad Bucket"}, "bucket_name"),
    (gce_backend_service, {"name": "s", "health_checks": ["hc"], "backends": [{"group": "web"}]}, "backends[0].region"),
    (gce_url_map, {"name": "m", "default_service": "a", "default_bucket": "b"}, "default_service"),
    (gce_target_https_proxy, {"name": "p", "url_map": "m", "ssl_certificates": ["c"]}, "ssl_policy"),
    (gce_ssl_certificate, {"name": "c", "domains": ["*.example.com"]}, "domains"),
    (gce_global_forwarding_rule, {"name": "r", "target": "p", "port_range": "80-90"}, "port_range"),
    (gce_global_forwarding_rule, {"name": "r"}, "target"),
])
def test_invalid_option_fails_before_any_api_call_naming_the_option(monkeypatch, module, args, field):
    built = []
    monkeypatch.setattr(gce_client.GceClient, "from_params",
                        classmethod(lambda cls, params, options=None: built.append(params) or FakeLb()))
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args))
    assert isinstance(result, ModuleFail)
    assert result.result["field"] == field
    assert result.result["msg"].startswith(field + ":")
    assert built == []
