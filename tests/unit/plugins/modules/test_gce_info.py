# -*- coding: utf-8 -*-
"""gce_info: the options checked before any call, and reads on the collection's emulator (by name, lists,
filters, every region, pages), compared with what the official client reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import urllib.request

import pytest
import yaml

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.info import info_request  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_firewall,
    gce_info,
    gce_network,
    gce_subnetwork,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    fast_retries,
    patch_exits,
    run_module,
)

PROJECT = "meridian-local"


@pytest.mark.parametrize("params, field", [
    ({"kind": "instance"}, "kind"),
    ({"kind": "network", "region": "europe-west1"}, "region"),
    ({"kind": "subnetwork", "name": "app"}, "region"),
    ({"kind": "subnetwork", "region": "Europe West"}, "region"),
    ({"kind": "firewall", "name": "Allow_All"}, "name"),
    ({"kind": "firewall", "name": "allow", "filter": "name = allow"}, "filter"),
    ({"kind": "router", "filter": "  "}, "filter"),
    ({"kind": "network", "project": "X"}, "project"),
])
def test_an_invalid_option_is_named(params, field):
    with pytest.raises(GceError) as caught:
        info_request(dict({"project": PROJECT}, **params), gce_client.KINDS)
    assert caught.value.field == field


def test_every_kind_of_the_client_registry_is_readable():
    for kind, spec in gce_client.KINDS.items():
        region = "europe-west1" if spec[3] == "regional" else None
        request = info_request({"project": PROJECT, "kind": kind, "name": "x", "region": region}, gce_client.KINDS)
        assert (request["kind"], request["regional"]) == (kind, spec[3] == "regional")


class FakeGce:
    """The client's reads, recorded."""

    def __init__(self):
        self.calls = []

    def get(self, kind, name, region=None):
        self.calls.append(("get", kind, name, region))
        return {"name": name, "selfLink": "https://x/" + name, "IPProtocol": "tcp", "labels": {"costCenter": "a"}} \
            if name != "missing" else None

    def list(self, kind, region=None, filter_expression=None):
        self.calls.append(("list", kind, region, filter_expression))
        return [{"name": "b", "region": "r2"}, {"name": "a", "region": "r2"}, {"name": "z", "region": "r1"}]


def test_the_module_with_the_client_faked(monkeypatch):
    fake = FakeGce()
    monkeypatch.setattr(gce_client.GceClient, "from_params", classmethod(lambda cls, params, options=None: fake))
    got = run_module(gce_info, {"project": PROJECT, "kind": "firewall", "name": "x"}, check=True).result
    assert got["resources"] == [{"name": "x", "self_link": "https://x/x", "ip_protocol": "tcp",
                                 "labels": {"costCenter": "a"}}]
    assert run_module(gce_info, {"project": PROJECT, "kind": "firewall", "name": "missing"}).result["resources"] == []
    listed = run_module(gce_info, {"project": PROJECT, "kind": "router", "filter": "name eq a.*"}).result["resources"]
    assert [(r["region"], r["name"]) for r in listed] == [("r1", "z"), ("r2", "a"), ("r2", "b")]
    assert fake.calls == [("get", "firewall", "x", None), ("get", "firewall", "missing", None),
                          ("list", "router", None, "name eq a.*")]

    def no_client(cls, params, options=None):
        raise AssertionError("a client was built")
    monkeypatch.setattr(gce_client.GceClient, "from_params", classmethod(no_client))
    failed = run_module(gce_info, {"project": PROJECT, "kind": "router", "name": "nat"})
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "region"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def run(url, module, args, check=False):
    return run_module(module, dict({"project": PROJECT, "auth_kind": "none", "api_endpoint": url}, **args),
                      check=check)


def read(url, args, check=False):
    result = run(url, gce_info, args, check=check)
    assert not isinstance(result, ModuleFail), result.result
    assert result.result["changed"] is False
    return result.result["resources"]


@pytest.fixture(scope="module")
def estate(emulator):
    """A network, three subnetworks in two regions and two firewall rules, made by the gce modules."""
    with pytest.MonkeyPatch.context() as patch:
        patch_exits(patch)  # the conftest's autouse patch is per test; this fixture is per test module
        made = [run(emulator, gce_network, {"name": "info-vpc"})]
        for name, region, cidr in (("app-eu", "europe-west1", "10.1.0.0/20"), ("db-eu", "europe-west1", "10.2.0.0/20"),
                                   ("app-us", "us-east1", "10.3.0.0/20")):
            made.append(run(emulator, gce_subnetwork, {"name": name, "region": region, "network": "info-vpc",
                                                       "ip_cidr_range": cidr}))
        for name in ("allow-https", "deny-all"):
            rule = {"name": name, "network": "info-vpc", "source_ranges": ["0.0.0.0/0"]}
            rule["allowed" if name.startswith("allow") else "denied"] = [{"protocol": "tcp", "ports": ["443"]}]
            made.append(run(emulator, gce_firewall, rule))
    assert [r.result["action"] for r in made] == ["create"] * 6
    return emulator


def test_read_by_name_as_the_api_returns_it(estate):
    subnet = official(estate, compute_v1.SubnetworksClient).get(project=PROJECT, region="europe-west1",
                                                                subnetwork="app-eu")
    found = read(estate, {"kind": "subnetwork", "name": "app-eu", "region": "europe-west1"}, check=True)
    assert len(found) == 1
    assert (found[0]["self_link"], found[0]["ip_cidr_range"], found[0]["fingerprint"], found[0]["id"]) == \
        (subnet.self_link, "10.1.0.0/20", subnet.fingerprint, str(subnet.id))
    assert found[0]["network"].endswith("/global/networks/info-vpc")
    assert read(estate, {"kind": "subnetwork", "name": "missing", "region": "europe-west1"}) == []
    rule = read(estate, {"kind": "firewall", "name": "allow-https"})[0]
    assert rule["allowed"] == [{"ip_protocol": "tcp", "ports": ["443"]}] and rule["priority"] == 1000


def test_lists_filters_and_every_region(estate, monkeypatch):
    assert [s["name"] for s in read(estate, {"kind": "subnetwork", "region": "europe-west1"})] == ["app-eu", "db-eu"]
    every = read(estate, {"kind": "subnetwork"})
    assert [(s["name"], s["region"].rsplit("/", 1)[1]) for s in every] == [
        ("app-eu", "europe-west1"), ("db-eu", "europe-west1"), ("app-us", "us-east1")]
    assert [s["name"] for s in read(estate, {"kind": "subnetwork", "filter": "name eq app-.*"})] == ["app-eu", "app-us"]
    assert [r["name"] for r in read(estate, {"kind": "firewall", "filter": "name != deny-all"})] == ["allow-https"]
    listed = official(estate, compute_v1.FirewallsClient).list(project=PROJECT)
    assert sorted(r["name"] for r in read(estate, {"kind": "firewall"})) == sorted(r.name for r in listed)

    monkeypatch.setattr(gce_client, "LIST_PAGE_SIZE", 1)  # one resource a page: every page is read
    assert len(read(estate, {"kind": "subnetwork", "region": "europe-west1"})) == 2
    sleeps = fast_retries(monkeypatch)
    fault = json.dumps({"method": "GET", "path": "/global/firewalls$", "code": 503, "count": 1}).encode()
    urllib.request.urlopen(urllib.request.Request(estate + "/emulator/faults", data=fault, method="POST"),
                           timeout=5).close()
    assert [r["name"] for r in read(estate, {"kind": "firewall"})] == ["allow-https", "deny-all"]
    assert len(sleeps) == 1  # the page that answered 503 was asked again


def test_an_api_error_names_the_option(estate):
    failed = run(estate, gce_info, {"kind": "firewall", "filter": "name ~ allow"})  # no such operator
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "filter"
    assert failed.result["msg"].startswith("list firewalls (project meridian-local) failed: 400")


def test_a_kind_added_to_the_client_registry_is_readable(estate, monkeypatch):
    """One registry line (the kind's client, message, path parameter and scope) and gce_info reads it."""
    official(estate, compute_v1.AddressesClient).insert(
        project=PROJECT, region="europe-west1", address_resource=compute_v1.Address(name="nat-ip")).result()
    failed = run(estate, gce_info, {"kind": "address"})
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "kind"
    monkeypatch.setitem(gce_client.KINDS, "address", ("AddressesClient", "Address", "address", "regional"))
    found = read(estate, {"kind": "address", "name": "nat-ip", "region": "europe-west1"})
    assert (found[0]["name"], found[0]["status"]) == ("nat-ip", "RESERVED")
    assert [a["name"] for a in read(estate, {"kind": "address"})] == ["nat-ip"]


def test_the_kind_option_documents_every_kind_of_the_client():
    text = " ".join(yaml.safe_load(gce_info.DOCUMENTATION)["options"]["kind"]["description"])
    assert sorted(re.findall(r"V\(([a-z_]+)\)", text)) == sorted(gce_client.KINDS)
