# -*- coding: utf-8 -*-
"""gce_network, gce_subnetwork and gce_firewall against the collection's Compute Engine emulator.

The modules run in-process with their real client (google-cloud-compute over REST, anonymous
credentials, ``api_endpoint`` on the emulator, which validates every request against Google's discovery
document and fills the server-side defaults). Each resource goes check mode → create → check mode →
apply again (no change), then an update, then a delete; the results are read back with the official
client, not with the modules.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_firewall,
    gce_network,
    gce_router,
    gce_subnetwork,
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


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def run(url, module, check=False, **args):
    base = {"project": PROJECT, "auth_kind": "none", "api_endpoint": url}
    return run_module(module, dict(base, **args), check=check, diff=True)


def changed(base, **values):
    """``base`` with ``values`` replaced (a copy)."""
    out = dict(base)
    out.update(values)
    return out


def converge(url, module, **args):
    """check mode, apply, check mode, apply: returns the four results; asserts the last two changed nothing."""
    results = [run(url, module, check=True, **args), run(url, module, **args),
               run(url, module, check=True, **args), run(url, module, **args)]
    for result in results:
        assert not isinstance(result, ModuleFail), result.result
    results = [r.result for r in results]
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert [r["action"] for r in results] == ["create", "create", "none", "none"]
    return results


def test_network_subnetwork_firewall_lifecycle(emulator):
    networks = official(emulator, compute_v1.NetworksClient)
    subnetworks = official(emulator, compute_v1.SubnetworksClient)
    firewalls = official(emulator, compute_v1.FirewallsClient)

    planned, created = converge(emulator, gce_network, name="vpc", routing_mode="GLOBAL")[:2]
    assert planned["diff"] == {"before": {}, "after": {"name": "vpc", "autoCreateSubnetworks": False,
                                                       "routingConfig": {"routingMode": "GLOBAL"}}}
    assert planned["resource"] == {}
    network = networks.get(project=PROJECT, network="vpc")
    assert (network.routing_config.routing_mode, network.auto_create_subnetworks) == ("GLOBAL", False)
    assert created["resource"]["self_link"] == network.self_link

    # the network given by its selfLink compares equal to the one the API returns
    sub_args = dict(name="app", region=REGION, network=network.self_link, ip_cidr_range="10.20.0.0/20")
    converge(emulator, gce_subnetwork, **sub_args)
    update = changed(sub_args, network="vpc", private_ip_google_access=True,
                     flow_logs={"enable": True, "aggregation_interval": "INTERVAL_5_MIN", "flow_sampling": 0.5},
                     secondary_ip_ranges=[{"range_name": "pods", "ip_cidr_range": "10.64.0.0/14"}])
    fingerprint = subnetworks.get(project=PROJECT, region=REGION, subnetwork="app").fingerprint
    check = run(emulator, gce_subnetwork, check=True, **update).result
    assert check["changes"] == ["flow_logs", "private_ip_google_access", "secondary_ip_ranges"]
    assert check["diff"]["before"]["privateIpGoogleAccess"] is False
    assert check["diff"]["after"]["privateIpGoogleAccess"] is True
    assert subnetworks.get(project=PROJECT, region=REGION, subnetwork="app").fingerprint == fingerprint
    assert run(emulator, gce_subnetwork, **update).result["action"] == "update"
    subnet = subnetworks.get(project=PROJECT, region=REGION, subnetwork="app")
    assert subnet.private_ip_google_access is True
    assert [(r.range_name, r.ip_cidr_range) for r in subnet.secondary_ip_ranges] == [("pods", "10.64.0.0/14")]
    assert (subnet.log_config.enable, subnet.log_config.aggregation_interval) == (True, "INTERVAL_5_MIN")
    for check_mode in (True, False):
        assert run(emulator, gce_subnetwork, check=check_mode, **update).result["changed"] is False

    fw_args = dict(name="allow-lb-https", network="vpc", allowed=[{"protocol": "tcp", "ports": ["443"]}],
                   source_ranges=["130.211.0.0/22", "35.191.0.0/16"], target_tags=["web"])
    converge(emulator, gce_firewall, **fw_args)
    rule = firewalls.get(project=PROJECT, firewall="allow-lb-https")
    assert (rule.priority, rule.direction) == (1000, "INGRESS")
    narrowed = run(emulator, gce_firewall, **changed(fw_args, source_ranges=["35.191.0.0/16"])).result
    assert (narrowed["action"], narrowed["changes"]) == ("update", ["source_ranges"])
    assert narrowed["diff"]["before"]["sourceRanges"] == ["130.211.0.0/22", "35.191.0.0/16"]
    assert list(firewalls.get(project=PROJECT, firewall="allow-lb-https").source_ranges) == ["35.191.0.0/16"]

    # an immutable field fails naming the option and changes nothing
    moved = run(emulator, gce_subnetwork, **changed(update, ip_cidr_range="10.30.0.0/20"))
    assert isinstance(moved, ModuleFail) and moved.result["field"] == "ip_cidr_range"

    for module, args in ((gce_firewall, {"name": "allow-lb-https"}), (gce_subnetwork, {"name": "app", "region": REGION}),
                         (gce_network, {"name": "vpc"})):
        assert run(emulator, module, check=True, state="absent", **args).result["action"] == "delete"
        gone = run(emulator, module, state="absent", **args).result
        assert (gone["action"], gone["diff"]["after"]) == ("delete", {})
        assert run(emulator, module, state="absent", **args).result["changed"] is False
    assert list(networks.list(project=PROJECT)) == []
    assert list(firewalls.list(project=PROJECT)) == []


def test_an_error_of_the_api_names_the_resource_and_option(emulator):
    """A subnetwork in a network that does not exist: the emulator answers as the API does, and the module
    fails once with the resource and the option."""
    result = run(emulator, gce_subnetwork, name="orphan", region=REGION, network="missing", ip_cidr_range="10.9.0.0/24")
    assert isinstance(result, ModuleFail)
    assert result.result["msg"].startswith("create subnetwork orphan (project meridian-local, region europe-west1) failed")
    assert "projects/meridian-local/global/networks/missing" in result.result["msg"]
    assert result.result["field"] == "network"


def test_router_with_cloud_nat(emulator):
    routers = official(emulator, compute_v1.RoutersClient)
    assert run(emulator, gce_network, name="nat-vpc").result["action"] == "create"
    assert run(emulator, gce_subnetwork, name="nat-app", region=REGION, network="nat-vpc",
               ip_cidr_range="10.50.0.0/20").result["action"] == "create"
    nat = {"name": "nat", "source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS",
           "subnetworks": [{"name": "nat-app"}], "min_ports_per_vm": 64, "log": {"filter": "ERRORS_ONLY"}}
    args = dict(name="nat-router", region=REGION, network="nat-vpc", bgp_asn=64514, nats=[nat])
    planned = converge(emulator, gce_router, **args)[0]
    assert planned["diff"]["after"]["nats"][0]["subnetworks"] == [
        {"name": "projects/meridian-local/regions/europe-west1/subnetworks/nat-app", "sourceIpRangesToNat": ["ALL_IP_RANGES"]}]
    router = routers.get(project=PROJECT, region=REGION, router="nat-router")
    assert (router.bgp.asn, router.nats[0].log_config.filter) == (64514, "ERRORS_ONLY")

    wider = changed(args, nats=[changed(nat, min_ports_per_vm=128)])
    check = run(emulator, gce_router, check=True, **wider).result
    assert (check["action"], check["changes"]) == ("update", ["nats"])
    assert routers.get(project=PROJECT, region=REGION, router="nat-router").nats[0].min_ports_per_vm == 64
    assert run(emulator, gce_router, **wider).result["action"] == "update"
    assert routers.get(project=PROJECT, region=REGION, router="nat-router").nats[0].min_ports_per_vm == 128
    assert run(emulator, gce_router, check=True, **wider).result["changed"] is False

    assert run(emulator, gce_router, name="nat-router", region=REGION, state="absent").result["action"] == "delete"
    assert list(routers.list(project=PROJECT, region=REGION)) == []
    run(emulator, gce_subnetwork, name="nat-app", region=REGION, state="absent")
    run(emulator, gce_network, name="nat-vpc", state="absent")
