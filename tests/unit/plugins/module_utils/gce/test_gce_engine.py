# -*- coding: utf-8 -*-
"""gce.engine and gce.resources: desired state from options, normalisation, diff, the action decided.

The "current" resources are shaped as the Compute Engine API returns them (output-only fields, selfLinks,
server-side defaults present or omitted), from the REST reference's examples.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine, resources
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError

PROJECT = "meridian-test"
SELF = "https://www.googleapis.com/compute/v1/projects/meridian-test"


def _firewall_params(**extra):
    params = {"project": PROJECT, "name": "allow-https", "network": "vpc", "direction": "INGRESS", "priority": 1000,
              "allowed": [{"protocol": "tcp", "ports": ["443"]}], "source_ranges": ["130.211.0.0/22", "35.191.0.0/16"],
              "target_tags": ["web"], "disabled": False, "log": False}
    params.update(extra)
    return params


def _api_firewall(**extra):
    """A firewall rule as GET returns it: selfLinks, output-only fields, empty lists and defaults omitted."""
    body = {"kind": "compute#firewall", "id": "6523418829341", "creationTimestamp": "2026-11-30T10:00:00.000-08:00",
            "name": "allow-https", "network": SELF + "/global/networks/vpc", "priority": 1000,
            "sourceRanges": ["35.191.0.0/16", "130.211.0.0/22"], "targetTags": ["web"],
            "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}], "direction": "INGRESS",
            "logConfig": {"enable": False}, "disabled": False, "selfLink": SELF + "/global/firewalls/allow-https"}
    body.update(extra)
    return body


@pytest.mark.parametrize("value, expected", [
    ("vpc", "projects/meridian-test/global/networks/vpc"),
    ("global/networks/vpc", "projects/meridian-test/global/networks/vpc"),
    ("projects/other/global/networks/vpc", "projects/other/global/networks/vpc"),
    (SELF + "/global/networks/vpc", "projects/meridian-test/global/networks/vpc"),
    ("http://127.0.0.1:6100/compute/v1/projects/meridian-test/global/networks/vpc",
     "projects/meridian-test/global/networks/vpc"),
])
def test_references_compare_in_one_form(value, expected):
    assert engine.ref(value, PROJECT, "networks") == expected


@pytest.mark.parametrize("name", ["", "Web", "1web", "web-", "a" * 64, "web_1"])
def test_bad_names_are_refused_naming_the_option(name):
    with pytest.raises(GceError) as err:
        resources.desired_network({"project": PROJECT, "name": name})
    assert err.value.field == "name"


def test_converged_firewall_from_the_api_plans_nothing():
    desired = resources.desired_firewall(_firewall_params())
    plan = engine.plan(resources.FIREWALL, _api_firewall(), desired, PROJECT)
    assert (plan["action"], plan["changed"], plan["calls"]) == ("none", False, [])
    assert plan["before"] == plan["after"]


def test_firewall_defaults_omitted_by_the_api_compare_equal():
    current = _api_firewall()
    for field in ("priority", "direction", "logConfig", "disabled"):
        del current[field]
    desired = resources.desired_firewall(_firewall_params(
        allowed=[{"protocol": "TCP", "ports": ["443", "443"]}], source_ranges=["35.191.0.0/16", "130.211.0.0/22"]))
    assert engine.plan(resources.FIREWALL, current, desired, PROJECT)["action"] == "none"


def test_firewall_source_removed_is_one_put_of_the_whole_rule():
    desired = resources.desired_firewall(_firewall_params(source_ranges=["35.191.0.0/16"]))
    plan = engine.plan(resources.FIREWALL, _api_firewall(), desired, PROJECT)
    assert (plan["action"], plan["changes"]) == ("update", ["source_ranges"])
    assert [c[0] for c in plan["calls"]] == ["put"]
    body = plan["calls"][0][1]
    assert body["sourceRanges"] == ["35.191.0.0/16"]
    assert not set(resources.OUTPUT_ONLY) & set(body)
    assert plan["before"]["sourceRanges"] == ["130.211.0.0/22", "35.191.0.0/16"]
    assert plan["after"]["sourceRanges"] == ["35.191.0.0/16"]


def test_firewall_network_change_is_refused_naming_the_option():
    desired = resources.desired_firewall(_firewall_params(network="other"))
    with pytest.raises(GceError) as err:
        engine.plan(resources.FIREWALL, _api_firewall(), desired, PROJECT)
    assert err.value.field == "network"
    assert "projects/meridian-test/global/networks/vpc" in str(err.value)


@pytest.mark.parametrize("extra, field", [
    ({"allowed": None}, "allowed"),
    ({"denied": [{"protocol": "tcp"}]}, "allowed"),
    ({"allowed": [{"protocol": "tcpp"}]}, "allowed[0].protocol"),
    ({"allowed": [{"protocol": "tcp", "ports": ["70000"]}]}, "allowed[0].ports"),
    ({"allowed": [{"protocol": "tcp", "ports": ["90-80"]}]}, "allowed[0].ports"),
    ({"allowed": [{"protocol": "icmp", "ports": ["1"]}]}, "allowed[0].ports"),
    ({"source_ranges": ["10.0.0.1/8"]}, "source_ranges"),
    ({"source_ranges": [], "target_tags": []}, "source_ranges"),
    ({"priority": 70000}, "priority"),
    ({"target_tags": ["Web"]}, "target_tags"),
    ({"direction": "EGRESS"}, "destination_ranges"),
    ({"direction": "EGRESS", "destination_ranges": ["0.0.0.0/0"], "source_tags": ["a"]}, "source_tags"),
    ({"destination_ranges": ["0.0.0.0/0"]}, "destination_ranges"),
    ({"network": None}, "network"),
    ({"project": "X"}, "project"),
])
def test_firewall_options_are_checked_naming_the_option(extra, field):
    with pytest.raises(GceError) as err:
        resources.desired_firewall(_firewall_params(**extra))
    assert err.value.field == field


def test_network_server_defaults_and_output_only_fields_do_not_count():
    current = {"kind": "compute#network", "id": "1", "name": "vpc", "selfLink": SELF + "/global/networks/vpc",
               "autoCreateSubnetworks": False, "creationTimestamp": "2026-11-30T10:00:00.000-08:00",
               "routingConfig": {"routingMode": "REGIONAL", "bgpBestPathSelectionMode": "LEGACY"},
               "subnetworks": [SELF + "/regions/europe-west1/subnetworks/a"], "mtu": 1460,
               "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL"}
    for params in ({}, {"routing_mode": "REGIONAL"}, {"routing_mode": "REGIONAL", "mtu": 1460}):
        desired = resources.desired_network(dict({"project": PROJECT, "name": "vpc"}, **params))
        assert engine.plan(resources.NETWORK, current, desired, PROJECT)["action"] == "none", params
    desired = resources.desired_network({"project": PROJECT, "name": "vpc", "routing_mode": "GLOBAL", "mtu": 1500})
    plan = engine.plan(resources.NETWORK, current, desired, PROJECT)
    assert plan["changes"] == ["mtu", "routing_mode"]
    assert plan["calls"] == [("patch", {"name": "vpc", "routingConfig": {"routingMode": "GLOBAL"}, "mtu": 1500})]
    # a network created in auto mode cannot become custom mode in place
    with pytest.raises(GceError) as err:
        engine.plan(resources.NETWORK, dict(current, autoCreateSubnetworks=True),
                    resources.desired_network({"project": PROJECT, "name": "vpc"}), PROJECT)
    assert err.value.field == "auto_create_subnetworks"


@pytest.mark.parametrize("mtu", [1299, 8897, True, "1500"])
def test_network_mtu_range(mtu):
    with pytest.raises(GceError) as err:
        resources.desired_network({"project": PROJECT, "name": "vpc", "mtu": mtu})
    assert err.value.field == "mtu"


def _subnet_params(**extra):
    params = {"project": PROJECT, "region": "europe-west1", "name": "app", "network": "vpc",
              "ip_cidr_range": "10.20.0.0/20"}
    params.update(extra)
    return params


def _api_subnet(**extra):
    body = {"kind": "compute#subnetwork", "id": "2", "name": "app", "network": SELF + "/global/networks/vpc",
            "ipCidrRange": "10.20.0.0/20", "gatewayAddress": "10.20.0.1", "region": SELF + "/regions/europe-west1",
            "selfLink": SELF + "/regions/europe-west1/subnetworks/app", "privateIpGoogleAccess": False,
            "fingerprint": "ab12cd34ef5=", "stackType": "IPV4_ONLY", "purpose": "PRIVATE"}
    body.update(extra)
    return body


def test_subnetwork_patch_carries_the_fingerprint_and_private_access_has_its_own_call():
    desired = resources.desired_subnetwork(_subnet_params(
        private_ip_google_access=True, secondary_ip_ranges=[{"range_name": "pods", "ip_cidr_range": "10.64.0.0/14"}],
        flow_logs={"enable": True, "aggregation_interval": "INTERVAL_5_MIN", "flow_sampling": 0.5}))
    plan = engine.plan(resources.SUBNETWORK, _api_subnet(), desired, PROJECT)
    assert plan["changes"] == ["flow_logs", "private_ip_google_access", "secondary_ip_ranges"]
    assert plan["calls"][0] == ("patch", {
        "name": "app", "fingerprint": "ab12cd34ef5=",
        "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.64.0.0/14"}],
        "logConfig": {"enable": True, "aggregationInterval": "INTERVAL_5_MIN", "flowSampling": 0.5}})
    assert plan["calls"][1] == ("method:set_private_ip_google_access", "privateIpGoogleAccess", True)
    converged = _api_subnet(privateIpGoogleAccess=True, secondaryIpRanges=desired["secondaryIpRanges"],
                            logConfig=dict(desired["logConfig"], metadata="INCLUDE_ALL_METADATA", filterExpr="true"))
    assert engine.plan(resources.SUBNETWORK, converged, desired, PROJECT)["action"] == "none"


def test_subnetwork_options_not_given_are_not_touched():
    desired = resources.desired_subnetwork(_subnet_params())
    current = _api_subnet(privateIpGoogleAccess=True, logConfig={"enable": True})
    assert engine.plan(resources.SUBNETWORK, current, desired, PROJECT)["action"] == "none"


@pytest.mark.parametrize("extra, field", [
    ({"ip_cidr_range": "10.20.0.0/33"}, "ip_cidr_range"),
    ({"ip_cidr_range": "10.20.0.1/20"}, "ip_cidr_range"),
    ({"ip_cidr_range": None}, "ip_cidr_range"),
    ({"region": "Europe"}, "region"),
    ({"secondary_ip_ranges": [{"range_name": "p", "ip_cidr_range": "x"}]}, "secondary_ip_ranges[0].ip_cidr_range"),
    ({"secondary_ip_ranges": [{"range_name": "p", "ip_cidr_range": "10.0.0.0/8"},
                              {"range_name": "p", "ip_cidr_range": "11.0.0.0/8"}]}, "secondary_ip_ranges[1].range_name"),
    ({"flow_logs": {"flow_sampling": 2}}, "flow_logs.flow_sampling"),
])
def test_subnetwork_options_are_checked_naming_the_option(extra, field):
    with pytest.raises(GceError) as err:
        resources.desired_subnetwork(_subnet_params(**extra))
    assert err.value.field == field


def test_subnetwork_range_can_only_be_widened_in_place():
    wider = resources.desired_subnetwork(_subnet_params(ip_cidr_range="10.20.0.0/19"))
    plan = engine.plan(resources.SUBNETWORK, _api_subnet(), wider, PROJECT)
    assert (plan["changes"], plan["calls"]) == (["ip_cidr_range"],
                                                [("method:expand_ip_cidr_range", "ipCidrRange", "10.20.0.0/19")])
    for refused in ("10.20.0.0/21", "10.30.0.0/20", "10.30.0.0/19"):
        with pytest.raises(GceError) as err:
            engine.plan(resources.SUBNETWORK, _api_subnet(), resources.desired_subnetwork(
                _subnet_params(ip_cidr_range=refused)), PROJECT)
        assert err.value.field == "ip_cidr_range"
        assert "can only be widened" in str(err.value)


@pytest.mark.parametrize("before, after, allowed", [
    ("10.20.0.0/20", "10.20.0.0/19", True),
    ("10.20.0.0/20", "10.0.0.0/8", True),
    ("10.20.0.0/20", "10.20.0.0/20", False),
    ("10.20.0.0/20", "10.20.0.0/21", False),
    ("10.20.16.0/20", "10.20.0.0/20", False),
    ("10.20.0.0/20", "fd00::/8", False),
])
def test_cidr_expansion(before, after, allowed):
    assert engine.cidr_expansion(before, after) is allowed


def test_create_and_delete_decisions():
    desired = resources.desired_network({"project": PROJECT, "name": "vpc", "routing_mode": "GLOBAL"})
    plan = engine.plan(resources.NETWORK, None, desired, PROJECT)
    assert (plan["action"], plan["before"]) == ("create", {})
    assert plan["after"] == {"name": "vpc", "autoCreateSubnetworks": False, "routingConfig": {"routingMode": "GLOBAL"}}
    assert plan["changes"] == ["auto_create_subnetworks", "routing_mode"]
    gone = engine.plan(resources.NETWORK, None, {"name": "vpc"}, PROJECT, "absent")
    assert (gone["action"], gone["changed"]) == ("none", False)
    delete = engine.plan(resources.FIREWALL, _api_firewall(), {"name": "allow-https"}, PROJECT, "absent")
    assert (delete["action"], delete["after"]) == ("delete", {})
    assert delete["before"]["network"] == "projects/meridian-test/global/networks/vpc"


def _router_params(**extra):
    params = {"project": PROJECT, "region": "europe-west1", "name": "nat-router", "network": "vpc",
              "nats": [{"name": "nat", "source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS",
                        "subnetworks": [{"name": "app"}], "min_ports_per_vm": 64, "log": {"filter": "ERRORS_ONLY"}}]}
    params.update(extra)
    return params


def _api_router(**extra):
    """A router as GET returns it: selfLinks for the subnetworks, the NAT's server-side defaults filled."""
    body = {"kind": "compute#router", "id": "3", "name": "nat-router", "network": SELF + "/global/networks/vpc",
            "region": SELF + "/regions/europe-west1", "selfLink": SELF + "/regions/europe-west1/routers/nat-router",
            "bgp": {"asn": 64514, "advertiseMode": "DEFAULT", "keepaliveInterval": 20},
            "nats": [{"name": "nat", "natIpAllocateOption": "AUTO_ONLY",
                      "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
                      "subnetworks": [{"name": SELF + "/regions/europe-west1/subnetworks/app",
                                       "sourceIpRangesToNat": ["ALL_IP_RANGES"]}],
                      "minPortsPerVm": 64, "logConfig": {"enable": True, "filter": "ERRORS_ONLY"},
                      "enableEndpointIndependentMapping": False, "endpointTypes": ["ENDPOINT_TYPE_VM"],
                      "udpIdleTimeoutSec": 30, "icmpIdleTimeoutSec": 30, "tcpEstablishedIdleTimeoutSec": 1200,
                      "tcpTransitoryIdleTimeoutSec": 30, "tcpTimeWaitTimeoutSec": 120}]}
    body.update(extra)
    return body


def test_router_nat_defaults_and_selflinks_compare_equal():
    desired = resources.desired_router(_router_params(bgp_asn=64514))
    assert desired["nats"][0]["subnetworks"][0]["name"] == "projects/meridian-test/regions/europe-west1/subnetworks/app"
    plan = engine.plan(resources.ROUTER, _api_router(), desired, PROJECT)
    assert (plan["action"], plan["calls"]) == ("none", [])


def test_router_nat_change_patches_the_whole_list():
    params = _router_params()
    params["nats"] = params["nats"] + [{"name": "nat-b", "min_ports_per_vm": 128}]
    params["nats"][0] = dict(params["nats"][0], min_ports_per_vm=128)
    plan = engine.plan(resources.ROUTER, _api_router(), resources.desired_router(params), PROJECT)
    assert (plan["action"], plan["changes"]) == ("update", ["nats"])
    (call, body), = plan["calls"]
    assert call == "patch"
    assert [n["name"] for n in body["nats"]] == ["nat", "nat-b"]
    assert [n["minPortsPerVm"] for n in plan["after"]["nats"]] == [128, 128]
    assert [n["minPortsPerVm"] for n in plan["before"]["nats"]] == [64]
    # removing every NAT is a change too; not giving nats leaves them alone
    assert engine.plan(resources.ROUTER, _api_router(), resources.desired_router(_router_params(nats=[])),
                       PROJECT)["changes"] == ["nats"]
    assert engine.plan(resources.ROUTER, _api_router(), resources.desired_router(_router_params(nats=None)),
                       PROJECT)["action"] == "none"


@pytest.mark.parametrize("nat, field", [
    ({"name": "nat", "nat_ip_allocate_option": "MANUAL_ONLY"}, "nats[0].nat_ips"),
    ({"name": "nat", "nat_ips": ["ip-a"]}, "nats[0].nat_ips"),
    ({"name": "nat", "source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS"}, "nats[0].subnetworks"),
    ({"name": "nat", "subnetworks": [{"name": "app"}]}, "nats[0].subnetworks"),
    ({"name": "nat", "source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS",
      "subnetworks": [{"name": "app", "source_ip_ranges_to_nat": ["LIST_OF_SECONDARY_IP_RANGES"]}]},
     "nats[0].subnetworks[0].secondary_ip_range_names"),
    ({"name": "nat", "min_ports_per_vm": 1}, "nats[0].min_ports_per_vm"),
    ({"name": "nat", "log": {"filter": "SOME"}}, "nats[0].log.filter"),
    ({"name": "NAT"}, "nats[0].name"),
])
def test_router_nat_options_are_checked_naming_the_option(nat, field):
    with pytest.raises(GceError) as err:
        resources.desired_router(_router_params(nats=[nat]))
    assert err.value.field == field


def test_router_asn_must_be_private():
    with pytest.raises(GceError) as err:
        resources.desired_router(_router_params(bgp_asn=15169))
    assert err.value.field == "bgp_asn"
