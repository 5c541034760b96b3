# -*- coding: utf-8 -*-
"""gce_network, gce_subnetwork and gce_firewall with the client faked (the boundary): check mode, diff,
idempotence, the calls made, and invalid options failing before any client is built."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_firewall,
    gce_network,
    gce_subnetwork,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-test"
LINK = "https://www.googleapis.com/compute/v1/projects/%s/" % PROJECT


class FakeGce:
    """An in-memory Compute Engine behind the client's interface: fills what the API fills (id, kind,
    selfLink, creationTimestamp, defaults, a fingerprint that changes on each write) and checks it."""

    DEFAULTS = {"network": {"routingConfig": {"routingMode": "REGIONAL"}, "mtu": 1460},
                "subnetwork": {"privateIpGoogleAccess": False, "stackType": "IPV4_ONLY"},
                "firewall": {"priority": 1000, "direction": "INGRESS", "logConfig": {"enable": False}}}

    def __init__(self):
        self.store = {}
        self.calls = []
        self.serial = 0

    def _key(self, kind, name, region):
        return (kind, region if kind == "subnetwork" else None, name)

    def _stamp(self, kind, body, region):
        self.serial += 1
        body = {k: v for k, v in body.items() if v not in ([], None)}
        where = "regions/%s/" % region if kind == "subnetwork" else "global/"
        body.update(kind="compute#" + kind, id=str(1000 + self.serial), selfLink=LINK + where + kind + "s/" + body["name"],
                    creationTimestamp="2026-11-30T12:00:00.000-08:00")
        if kind == "subnetwork":
            body.update(fingerprint="fp%d=" % self.serial, region=LINK + "regions/" + region,
                        gatewayAddress=body["ipCidrRange"].rsplit(".", 1)[0] + ".1")
            body["network"] = LINK + "global/networks/" + body["network"].rsplit("/", 1)[-1]  # selfLinks back
        return body

    def get(self, kind, name, region=None):
        self.calls.append(("get", kind, name))
        return self.store.get(self._key(kind, name, region))

    def insert(self, kind, body, region=None):
        self.calls.append(("insert", kind, body["name"]))
        self.store[self._key(kind, body["name"], region)] = self._stamp(kind, dict(self.DEFAULTS[kind], **body), region)

    def patch(self, kind, name, body, region=None):
        self.calls.append(("patch", kind, name))
        current = self.store[self._key(kind, name, region)]
        if kind == "subnetwork":
            assert body["fingerprint"] == current["fingerprint"], "stale fingerprint"
            self.serial += 1
            current["fingerprint"] = "fp%d=" % self.serial
        current.update((k, v) for k, v in body.items() if k != "fingerprint")

    def update(self, kind, name, body, region=None):
        self.calls.append(("update", kind, name))
        old = self.store[self._key(kind, name, region)]
        new = self._stamp(kind, dict(self.DEFAULTS[kind], **body), region)
        new.update(id=old["id"], creationTimestamp=old["creationTimestamp"])
        self.store[self._key(kind, name, region)] = new

    def delete(self, kind, name, region=None):
        self.calls.append(("delete", kind, name))
        del self.store[self._key(kind, name, region)]

    def expand_ip_cidr_range(self, kind, name, value, region=None):
        self.calls.append(("expand_ip_cidr_range", kind, name))
        current = self.store[self._key(kind, name, region)]
        assert engine.cidr_expansion(current["ipCidrRange"], value), "not an expansion"
        current["ipCidrRange"] = value

    def set_private_ip_google_access(self, kind, name, value, region=None):
        self.calls.append(("set_private_ip_google_access", kind, name))
        self.store[self._key(kind, name, region)]["privateIpGoogleAccess"] = value

    def writes(self):
        return [c for c in self.calls if c[0] != "get"]


@pytest.fixture
def fake(monkeypatch):
    api = FakeGce()
    monkeypatch.setattr(gce_client.GceClient, "from_params", classmethod(lambda cls, params, options=None: api))
    return api


def run(module, check=False, **args):
    return run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args), check=check, diff=True).result


def changed(base, **values):
    """``base`` with ``values`` replaced (a copy)."""
    out = dict(base)
    out.update(values)
    return out


def converge(module, fake, **args):
    """check mode, apply, check mode again, apply again: the four results."""
    writes = len(fake.writes())
    planned = run(module, check=True, **args)
    assert len(fake.writes()) == writes
    applied = run(module, **args)
    before = len(fake.writes())
    again_check = run(module, check=True, **args)
    again = run(module, **args)
    assert len(fake.writes()) == before
    return planned, applied, again_check, again


def test_network_create_idempotent_update_delete(fake):
    planned, applied, again_check, again = converge(gce_network, fake, name="vpc", routing_mode="GLOBAL")
    assert (planned["changed"], planned["action"], planned["resource"]) == (True, "create", {})
    assert planned["diff"] == {"before": {}, "after": {"name": "vpc", "autoCreateSubnetworks": False,
                                                       "routingConfig": {"routingMode": "GLOBAL"}}}
    assert applied["action"] == "create"
    assert applied["resource"]["routing_config"] == {"routing_mode": "GLOBAL"}
    assert applied["resource"]["self_link"].endswith("/global/networks/vpc")
    for result in (again_check, again):
        assert (result["changed"], result["action"]) == (False, "none")
        assert result["diff"]["before"] == result["diff"]["after"]

    changed = run(gce_network, name="vpc", routing_mode="GLOBAL", mtu=1500)
    assert (changed["action"], changed["changes"]) == ("update", ["mtu"])
    assert fake.writes()[-1] == ("patch", "network", "vpc")
    assert changed["diff"]["before"]["mtu"] == 1460 and changed["diff"]["after"]["mtu"] == 1500

    assert run(gce_network, check=True, name="vpc", state="absent")["action"] == "delete"
    assert ("network", None, "vpc") in fake.store
    assert run(gce_network, name="vpc", state="absent")["action"] == "delete"
    assert run(gce_network, name="vpc", state="absent")["changed"] is False


def test_subnetwork_converges_with_selflink_network_and_fingerprinted_patch(fake):
    run(gce_network, name="vpc")
    args = dict(name="app", region="europe-west1", network=LINK + "global/networks/vpc", ip_cidr_range="10.20.0.0/20")
    planned, applied, _check, again = converge(gce_subnetwork, fake, **args)
    assert applied["resource"]["gateway_address"] == "10.20.0.1"
    assert again["changed"] is False

    # the network by short name compares equal to the selfLink the API holds
    assert run(gce_subnetwork, **changed(args, network="vpc"))["changed"] is False

    more = changed(args, private_ip_google_access=True, flow_logs={"enable": True, "flow_sampling": 0.5},
                   secondary_ip_ranges=[{"range_name": "pods", "ip_cidr_range": "10.64.0.0/14"}])
    result = run(gce_subnetwork, **more)
    assert result["changes"] == ["flow_logs", "private_ip_google_access", "secondary_ip_ranges"]
    assert [c[0] for c in fake.writes()[-2:]] == ["patch", "set_private_ip_google_access"]
    assert run(gce_subnetwork, check=True, **more)["changed"] is False

    widened = run(gce_subnetwork, **changed(more, ip_cidr_range="10.20.0.0/19"))
    assert (widened["changes"], fake.writes()[-1][0]) == (["ip_cidr_range"], "expand_ip_cidr_range")
    assert widened["resource"]["ip_cidr_range"] == "10.20.0.0/19"
    moved = run_module(gce_subnetwork, dict({"project": PROJECT, "auth_kind": "none"},
                                            **changed(args, ip_cidr_range="10.30.0.0/19")), diff=True)
    assert isinstance(moved, ModuleFail)
    assert moved.result["field"] == "ip_cidr_range"
    assert "can only be widened" in moved.result["msg"]


def test_firewall_converges_and_a_removed_source_is_removed(fake):
    args = dict(name="allow-https", network="vpc", allowed=[{"protocol": "tcp", "ports": ["443"]}],
                source_ranges=["35.191.0.0/16", "130.211.0.0/22"], target_tags=["web"])
    planned, applied, again_check, again = converge(gce_firewall, fake, **args)
    assert planned["diff"]["after"]["sourceRanges"] == ["130.211.0.0/22", "35.191.0.0/16"]
    assert applied["resource"]["priority"] == 1000
    assert (again_check["changed"], again["changed"]) == (False, False)

    narrowed = run(gce_firewall, **changed(args, source_ranges=["35.191.0.0/16"]))
    assert (narrowed["action"], narrowed["changes"]) == ("update", ["source_ranges"])
    assert fake.writes()[-1] == ("update", "firewall", "allow-https")
    assert narrowed["resource"]["source_ranges"] == ["35.191.0.0/16"]
    assert narrowed["diff"]["before"]["sourceRanges"] == ["130.211.0.0/22", "35.191.0.0/16"]


@pytest.mark.parametrize("module, args, field", [
    (gce_network, {"name": "Bad_Name"}, "name"),
    (gce_network, {"name": "vpc", "mtu": 9000}, "mtu"),
    (gce_subnetwork, {"name": "app", "region": "europe-west1", "network": "vpc", "ip_cidr_range": "10.0.0.0/33"},
     "ip_cidr_range"),
    (gce_subnetwork, {"name": "app", "region": "europe-west1", "ip_cidr_range": "10.0.0.0/16"}, "network"),
    (gce_firewall, {"name": "fw", "network": "vpc", "allowed": [{"protocol": "tcp", "ports": ["1-99999"]}],
                    "source_ranges": ["0.0.0.0/0"]}, "allowed[0].ports"),
    (gce_firewall, {"name": "fw", "network": "vpc", "allowed": [{"protocol": "tcp"}]}, "source_ranges"),
    (gce_firewall, {"name": "fw", "network": "vpc", "project": "Not A Project", "allowed": [{"protocol": "tcp"}],
                    "source_ranges": ["10.0.0.0/8"]}, "project"),
])
def test_invalid_option_fails_before_any_api_call_naming_the_option(monkeypatch, module, args, field):
    built = []
    monkeypatch.setattr(gce_client.GceClient, "from_params",
                        classmethod(lambda cls, params, options=None: built.append(params) or FakeGce()))
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args))
    assert isinstance(result, ModuleFail)
    assert result.result["field"] == field
    assert result.result["msg"].startswith(field + ":")
    assert built == []


def test_api_error_fails_once_with_its_message(fake, monkeypatch):
    def refuse(kind, body, region=None):
        raise gce_client.GceApiError("create firewall fw (project meridian-test) failed: 403 forbidden: denied",
                                     field="auth_kind", status=403, reason="forbidden")

    monkeypatch.setattr(fake, "insert", refuse)
    result = run_module(gce_firewall, {"project": PROJECT, "auth_kind": "none", "name": "fw", "network": "vpc",
                                       "allowed": [{"protocol": "tcp"}], "source_ranges": ["10.0.0.0/8"]})
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("create firewall fw (project meridian-test) failed: 403")
    assert result.result["field"] == "auth_kind"


def test_a_creation_racing_another_run_plans_again_against_what_it_made(fake, monkeypatch):
    args = {"name": "fw", "network": "vpc", "allowed": [{"protocol": "tcp", "ports": ["443"]}],
            "source_ranges": ["130.211.0.0/22"]}
    insert = fake.insert

    def raced(kind, body, region=None):
        # the other run's rule lands first (same rule, but priority 900), then this insert is refused
        insert(kind, dict(body, priority=900), region)
        raise gce_client.GceApiError("create firewall fw failed: 409 alreadyExists", status=409, reason="alreadyExists")

    monkeypatch.setattr(fake, "insert", raced)
    result = run(gce_firewall, **args)
    assert result["changed"] is True and result["action"] == "update"
    assert fake.store[("firewall", None, "fw")]["priority"] == 1000
    assert [c[0] for c in fake.writes()] == ["insert", "update"]


def test_an_update_racing_another_run_plans_again_against_what_it_wrote(fake, monkeypatch):
    run(gce_network, name="vpc", routing_mode="REGIONAL")
    patch = fake.patch

    def raced(kind, name, body, region=None):
        # the other run's identical update lands first; this one's fingerprint is stale
        patch(kind, name, body, region)
        raise gce_client.GceApiError("update network vpc failed: 412 conditionNotMet", status=412,
                                     reason="conditionNotMet")

    monkeypatch.setattr(fake, "patch", raced)
    result = run(gce_network, name="vpc", routing_mode="GLOBAL")
    assert (result["changed"], result["action"]) == (False, "none")
    assert fake.store[("network", None, "vpc")]["routingConfig"] == {"routingMode": "GLOBAL"}
    assert [c[0] for c in fake.writes()] == ["insert", "patch"]


def test_a_stale_update_twice_fails(fake, monkeypatch):
    run(gce_network, name="vpc", routing_mode="REGIONAL")

    def stale(kind, name, body, region=None):
        fake.calls.append(("patch", kind, name))
        raise gce_client.GceApiError("update network vpc failed: 412 conditionNotMet", status=412,
                                     reason="conditionNotMet")

    monkeypatch.setattr(fake, "patch", stale)
    result = run_module(gce_network, {"project": PROJECT, "auth_kind": "none", "name": "vpc", "routing_mode": "GLOBAL"})
    assert isinstance(result, ModuleFail) and "412" in result.result["msg"]
    assert [c[0] for c in fake.writes()] == ["insert", "patch", "patch"]


def test_a_deletion_racing_another_run_finds_it_gone(fake, monkeypatch):
    run(gce_network, name="vpc", routing_mode="REGIONAL")
    delete = fake.delete

    def raced(kind, name, region=None):
        delete(kind, name, region)
        raise gce_client.GceApiError("delete network vpc failed: 404 notFound", status=404, reason="notFound")

    monkeypatch.setattr(fake, "delete", raced)
    result = run(gce_network, name="vpc", state="absent")
    assert (result["changed"], result["action"], result["resource"]) == (False, "none", {})
    assert fake.store == {}


def test_a_conflict_on_update_is_not_retried(fake, monkeypatch):
    run(gce_network, name="vpc", routing_mode="REGIONAL")

    def conflict(kind, name, body, region=None):
        raise gce_client.GceApiError("update network vpc failed: 409 alreadyExists", status=409, reason="alreadyExists")

    monkeypatch.setattr(fake, "patch", conflict)
    result = run_module(gce_network, {"project": PROJECT, "auth_kind": "none", "name": "vpc", "routing_mode": "GLOBAL"})
    assert isinstance(result, ModuleFail)
    assert "409" in result.result["msg"]
