# -*- coding: utf-8 -*-
"""provision.yml's first play: regions from region_select (an inventory variable) or from the inventory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.tests.preflight.playbook import local_inventory, run_playbook

SELECTION = {
    "markets": {"US": 3, "DE": 1, "FR": 1},
    "data_classes": ["pii", "operational"],
    "providers": ["aws"],
    "regions": 2,
    "latency_slo_ms": 150,
}


def _inventory(tmp_path, hosts, extra_vars):
    return local_inventory(tmp_path, hosts, extra_vars)


def _run(inventory):
    return run_playbook(inventory, "select_regions.yml")


def test_region_select_adds_one_host_per_chosen_region(tmp_path):
    cidrs = {"us-east-1": "10.10.0.0/16", "us-east-2": "10.11.0.0/16", "eu-central-1": "10.20.0.0/16",
             "eu-west-1": "10.21.0.0/16", "eu-west-3": "10.22.0.0/16", "us-west-2": "10.12.0.0/16"}
    rc, out = _run(_inventory(tmp_path, None, {"meridian_region_select": SELECTION, "meridian_region_cidrs": cidrs}))
    assert rc == 0, out
    added = [line for line in out.splitlines() if "serves" in line and "failover" in line]
    assert len(added) == 2, out
    # One region in the US for the US market, one in the EU for DE and FR (pii residency).
    assert any("aws/us-" in line and "serves US" in line for line in added), added
    assert any("aws/eu-" in line and "DE" in line and "FR" in line for line in added), added


def test_region_select_without_a_cidr_for_a_chosen_region_fails_naming_the_variable(tmp_path):
    rc, out = _run(_inventory(tmp_path, None, {"meridian_region_select": SELECTION,
                                               "meridian_region_cidrs": {"us-east-1": "10.10.0.0/16"}}))
    assert rc != 0
    assert "meridian_region_cidrs has no entry for" in out


def test_region_select_and_listed_hosts_are_exclusive(tmp_path):
    rc, out = _run(_inventory(tmp_path, {"aws-us-east-1": {"meridian_provider": "aws", "meridian_region": "us-east-1"}},
                              {"meridian_region_select": SELECTION, "meridian_region_cidrs": {}}))
    assert rc != 0
    assert "meridian_region_select is set but the inventory also lists region hosts (aws-us-east-1)" in out


def test_bad_selection_input_names_the_field(tmp_path):
    bad = dict(SELECTION, markets={"US": 1, "XX": 1})
    rc, out = _run(_inventory(tmp_path, None, {"meridian_region_select": bad, "meridian_region_cidrs": {}}))
    assert rc != 0
    assert "XX" in out and "markets" in out
