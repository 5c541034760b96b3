# -*- coding: utf-8 -*-
"""inventories/local_selected (the region_select inventory plugin) seen by ansible-inventory and every playbook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

import pytest
import yaml

from ansible_collections.meridian.global_infra.tests.preflight.region_inventory import (
    PIN_NAME,
    ROOT,
    SELECTED,
    SOURCE_NAME,
    copy_selected,
    inventory_list,
    run,
)

LOCAL = os.path.join(ROOT, "inventories", "local")
HOSTS = ["aws-eu-west-1", "aws-us-east-1"]
REGION_VARS = ("meridian_provider", "meridian_region", "meridian_failover_region", "network_vpc_cidr")
# awx_configure.yml configures an AWX controller from localhost: it runs on no region.
CONTROLLER_PLAYBOOKS = {"awx_configure.yml"}
PLAYBOOKS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "playbooks", "*.yml"))
                   if os.path.basename(p) not in CONTROLLER_PLAYBOOKS)


def test_the_controller_playbook_runs_on_localhost_only():
    rc, out, err = run("ansible-playbook", "--list-hosts", "-i", SELECTED, os.path.join("playbooks", "awx_configure.yml"))
    assert rc == 0, out + err
    listed = re.findall(r"hosts \((\d+)\):\n((?:\s+\S+\n?)*)", out)
    assert listed and all(hosts.split() == ["localhost"] for _count, hosts in listed), out


def test_graph_shows_the_two_local_regions():
    rc, out, err = run("ansible-inventory", "-i", SELECTED, "--graph")
    assert rc == 0, err
    # the regions, and the Prometheus host of monitoring_hosts.yml (this machine)
    assert out.split() == ["@all:", "|--@ungrouped:", "|--@prometheus:", "|", "|--localhost", "|--@regions:", "|",
                           "|--@aws_regions:", "|", "|", "|--aws-us-east-1", "|", "|", "|--aws-eu-west-1"], out
    assert "differs from the pin" not in err and "no pin yet" not in err


def test_same_regions_and_variables_as_the_static_local_inventory():
    selected, _err = inventory_list(SELECTED)
    static, _err = inventory_list(LOCAL)
    # the selection is among AWS regions (providers: [aws]); the static inventory also has its gcp pair
    assert selected["regions"]["children"] == ["aws_regions"]
    assert static["regions"]["children"] == ["aws_regions", "gcp_regions"]
    assert selected["aws_regions"]["hosts"] == static["aws_regions"]["hosts"] == ["aws-us-east-1", "aws-eu-west-1"]
    for host in HOSTS:
        mine, theirs = selected["_meta"]["hostvars"][host], static["_meta"]["hostvars"][host]
        assert dict((k, mine[k]) for k in REGION_VARS) == dict((k, theirs[k]) for k in REGION_VARS)
        # group_vars come through the group_vars -> ../local/group_vars link
        assert mine["meridian_env"] == "local" and mine["meridian_services"] == theirs["meridian_services"]
    assert selected["_meta"]["hostvars"]["aws-eu-west-1"]["meridian_markets"] == ["DE", "FR", "GB"]


def test_group_vars_are_inventories_local_s():
    # one relative link per file (ansible-test refuses links to directories)
    local = sorted(os.listdir(os.path.join(LOCAL, "group_vars", "all")))
    linked = os.path.join(SELECTED, "group_vars", "all")
    assert sorted(os.listdir(linked)) == local
    for name in local:
        assert os.readlink(os.path.join(linked, name)) == os.path.join("..", "..", "..", "local", "group_vars", "all", name)


def test_every_playbook_is_covered():
    assert {"provision.yml", "scale.yml", "dr_drill.yml", "teardown.yml", "monitoring.yml",
            "select_regions.yml"} <= set(PLAYBOOKS)


CLUSTERS = ["k8s-eu-west-1", "k8s-us-east-1"]


def _listed(output, group="regions"):
    """Per play over the cloud regions (not over the Kubernetes clusters, unless group is
    k8s_clusters): the hosts --list-hosts shows."""
    plays = []
    for block in re.split(r"\n\s*play #\d+ ", output)[1:]:
        if "pattern: ['all']" in block:
            continue  # a guard over every host (drift.yml refuses to run outside check mode), not a region play
        over_clusters = "pattern: ['k8s_clusters']" in block
        if over_clusters != (group == "k8s_clusters"):
            continue
        match = re.search(r"hosts \((\d+)\):\n((?:\s+\S+\n?)*)", block)
        plays.append(sorted(match.group(2).split()) if match else [])
    return plays


@pytest.mark.parametrize("playbook", [p for p in PLAYBOOKS if not p.startswith("kubernetes")])
def test_every_playbook_sees_the_region_hosts(playbook):
    rc, out, err = run("ansible-playbook", "--list-hosts", "-i", SELECTED, os.path.join("playbooks", playbook))
    assert rc == 0, out + err
    plays = _listed(out)
    assert plays and all(plays), out
    assert all(set(hosts) <= set(HOSTS) for hosts in plays), out
    if playbook != "dr_drill.yml":  # the drill takes regions[0] only
        assert HOSTS in plays, out
    rc, static_out, err = run("ansible-playbook", "--list-hosts", "-i", LOCAL, os.path.join("playbooks", playbook))
    if playbook != "select_regions.yml":  # it refuses a static inventory only when run
        # the same AWS hosts; the static inventory's gcp pair besides, wherever the play takes every region
        static_plays = _listed(static_out)
        assert rc == 0 and [[h for h in hosts if not h.startswith("gcp-")] for hosts in static_plays] == plays, static_out + err
        if playbook != "dr_drill.yml":
            assert ["gcp-europe-west1", "gcp-us-east1"] in [[h for h in hosts if h.startswith("gcp-")] for hosts in static_plays]


@pytest.mark.parametrize("playbook", ["kubernetes.yml", "kubernetes_teardown.yml", "provision.yml", "scale.yml",
                                      "teardown.yml"])
def test_the_kubernetes_plays_run_on_the_clusters_only(playbook):
    """Clusters are not regions: the region_select inventory (regions only) gives the Kubernetes plays no
    host, the static local inventory gives them its clusters and nothing else."""
    rc, out, err = run("ansible-playbook", "--list-hosts", "-i", SELECTED, os.path.join("playbooks", playbook))
    assert rc == 0, out + err
    plays = _listed(out, "k8s_clusters")
    assert plays and not any(plays), out
    rc, out, err = run("ansible-playbook", "--list-hosts", "-i", LOCAL, os.path.join("playbooks", playbook))
    assert rc == 0 and _listed(out, "k8s_clusters") == [CLUSTERS] * len(plays), out + err


def test_a_new_demand_waits_until_accepted(tmp_path):
    inv = copy_selected(tmp_path, candidate_regions=["us-east-1", "eu-central-1"])
    pin = inv / PIN_NAME
    before = pin.read_text()
    listed, err = inventory_list(str(inv))
    assert listed["aws_regions"]["hosts"] == ["aws-us-east-1", "aws-eu-west-1"]
    assert pin.read_text() == before
    warning = " ".join(err.split())
    assert "differs from the pin" in warning and "aws-eu-central-1 (10.0.0.0/16)" in warning, err
    assert "drop aws/eu-west-1: not in candidate_regions" in warning, err
    command = re.search(r"Accept it with: (ansible-playbook \S+ -i \S+ -e region_select_accept=true)", warning).group(1)
    assert command == "ansible-playbook meridian.global_infra.select_regions -i %s -e region_select_accept=true" % (
        inv / SOURCE_NAME)
    # the other playbooks keep running on the pin
    rc, out, _err = run("ansible-playbook", "--list-hosts", "-i", str(inv), "playbooks/scale.yml")
    assert rc == 0 and _listed(out) == [HOSTS], out

    rc, out, err = run(*command.split())  # the command the warning gives, as is
    assert rc == 0, out + err
    assert "changed: [aws-us-east-1 -> localhost]" in out, out
    assert oct(os.stat(str(pin)).st_mode & 0o777) == "0o644"
    accepted, err = inventory_list(str(inv))
    assert accepted["aws_regions"]["hosts"] == ["aws-us-east-1", "aws-eu-central-1"]
    hostvars = accepted["_meta"]["hostvars"]
    assert hostvars["aws-us-east-1"]["network_vpc_cidr"] == "10.10.0.0/16"  # kept
    assert hostvars["aws-eu-central-1"]["network_vpc_cidr"] == "10.0.0.0/16"  # lowest free block
    assert hostvars["aws-us-east-1"]["meridian_failover_region"] == "eu-central-1"
    assert yaml.safe_load(pin.read_text())["cidrs"]["aws/eu-west-1"] == "10.20.0.0/16"  # reserved
    assert "differs from the pin" not in err


@pytest.mark.parametrize("change, text", [
    ({"markets": {"US": 1, "XX": 1}}, "markets.XX: unknown country code 'XX'"),
    ({"cidr_pool": "10.0.0.0/33"}, "cidr_pool: '10.0.0.0/33' is not a network CIDR"),
    ({"cidr_pool": "10.0.0.0/16"}, "cidr_pool: 10.0.0.0/16 holds 1 /16 block(s) but up to 2 region(s) may be chosen"),
])
def test_bad_source_stops_the_run_naming_the_field(tmp_path, change, text):
    inv = copy_selected(tmp_path, **change)
    rc, out, err = run("ansible-playbook", "--list-hosts", "-i", str(inv), "playbooks/scale.yml")
    assert rc != 0
    assert text in " ".join(err.split()), err
