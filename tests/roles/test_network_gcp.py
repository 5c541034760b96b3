# -*- coding: utf-8 -*-
"""The network role's gcp side through ansible-playbook on the Compute Engine emulator, two regions at
once: apply (read back with the official client), a region whose project is missing fails in preflight
before any API call, teardown leaves nothing. A second run (changed=0) and --check --diff on the
converged estate are the gcp Molecule scenario's idempotence and drift steps, on the whole estate: each
module run imports the google-cloud-compute services it uses (about 0.8 s of CPU), so they are not repeated
here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.roles.playbook_run import run_playbook  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "network_gcp.yml")
INVENTORY = os.path.join(HERE, "fixtures", "network_gcp", "hosts.yml")
PROJECT = "meridian-rolestest"
REGIONS = {"europe-west1": "10.60.0.0/20", "us-east1": "10.61.0.0/20"}


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra, **kwargs):
    return run_playbook(PLAYBOOK, INVENTORY, ["gcp-europe-west1", "gcp-us-east1"], {"gce_endpoint": url}, extra,
                        fails=kwargs.get("fails", False), timeout=600)


def everything(url):
    """What the project holds: networks, firewall rules, and per region subnetworks and routers."""
    out = {"networks": sorted(n.name for n in official(url, compute_v1.NetworksClient).list(project=PROJECT)),
           "firewalls": dict((f.name, f) for f in official(url, compute_v1.FirewallsClient).list(project=PROJECT))}
    for region in REGIONS:
        out["subnetworks/" + region] = list(official(url, compute_v1.SubnetworksClient).list(project=PROJECT, region=region))
        out["routers/" + region] = list(official(url, compute_v1.RoutersClient).list(project=PROJECT, region=region))
    return out


def test_two_gcp_regions_apply_teardown(emulator):
    changed, _out = playbook(emulator)
    # each region its subnetwork and router; the network and the rule once, by whichever host created
    # them first (the other finds them made and has nothing to change)
    assert all(count >= 2 for count in changed.values()) and sum(changed.values()) == 6, changed
    built = everything(emulator)
    assert built["networks"] == ["meridian-rolestest"]
    rule = built["firewalls"]["meridian-rolestest-allow-lb-to-app"]
    assert sorted(rule.source_ranges) == ["130.211.0.0/22", "35.191.0.0/16"]
    assert list(rule.target_tags) == ["meridian-rolestest-app"]
    assert sorted(rule.allowed[0].ports) == ["8080", "8443"] and rule.allowed[0].I_p_protocol == "tcp"
    for region, cidr in REGIONS.items():
        (subnet,) = built["subnetworks/" + region]
        assert subnet.ip_cidr_range == cidr and subnet.private_ip_google_access is True
        assert subnet.log_config.enable is True and subnet.log_config.aggregation_interval == "INTERVAL_10_MIN"
        (router,) = built["routers/" + region]
        (nat,) = router.nats
        assert nat.source_subnetwork_ip_ranges_to_nat == "LIST_OF_SUBNETWORKS"
        assert nat.subnetworks[0].name.rsplit("/", 1)[-1] == "meridian-rolestest-" + region

    playbook(emulator, "-e", "network_state=absent")
    left = everything(emulator)
    assert left["networks"] == [] and left["firewalls"] == {}
    assert all(left[key] == [] for key in left if "/" in key), left


def test_a_region_without_its_project_fails_before_any_api_call(emulator):
    out = playbook(emulator, "-e", "meridian_gcp_project=Not_A_Project", fails=True)
    assert "meridian_gcp_project" in out and "6 to 30 lowercase letters" in out
    assert everything(emulator)["networks"] == []
