# -*- coding: utf-8 -*-
"""Bad inventories fail in the network role's preflight, naming the variable, before any API call.

Each case runs the real provision playbook against an inventory whose AWS endpoint is a closed port
on 127.0.0.1: a run that got past preflight would fail on its first API call with a connection
error instead, so the assertions below also prove that nothing was called.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.tests.preflight.playbook import CLOSED_ENDPOINT, local_inventory, run_playbook


def _write_inventory(tmp_path, regions):
    """The local environment's group_vars and the given region hosts, whose AWS endpoint is closed.

    regions: {host: {meridian_region, network_vpc_cidr, ...}} (host vars win over group_vars).
    """
    hosts = {}
    for host, hostvars in regions.items():
        hosts[host] = dict({"meridian_provider": "aws", "meridian_env": "preflight",
                            "meridian_aws_endpoint_url": CLOSED_ENDPOINT}, **hostvars)
    return local_inventory(tmp_path, hosts)


def test_unknown_region_fails_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-eu-wset-1": {"meridian_region": "eu-wset-1", "network_vpc_cidr": "10.10.0.0/16"},
    }))
    assert rc != 0
    assert 'meridian_region: "eu-wset-1"' in out and "not a known aws region" in out
    assert "Check that the region exists" in out
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_overlapping_vpc_cidrs_fail_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "network_vpc_cidr": "10.10.0.0/16"},
        "aws-eu-west-1": {"meridian_region": "eu-west-1", "network_vpc_cidr": "10.10.128.0/17"},
    }))
    assert rc != 0
    assert "network_vpc_cidr overlaps between regions" in out
    assert "aws-us-east-1 10.10.0.0/16" in out or "aws-eu-west-1 10.10.128.0/17" in out
    assert "List the region's availability zones" not in out


def test_overlapping_subnet_cidrs_fail_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "network_vpc_cidr": "10.10.0.0/16",
                          "network_public_subnet_cidrs": ["10.10.0.0/20", "10.10.16.0/20"],
                          "network_private_subnet_cidrs": ["10.10.8.0/24", "10.10.48.0/20"]},
    }))
    assert rc != 0
    assert "subnet CIDRs overlap" in out and "10.10.8.0/24" in out
    assert "List the region's availability zones" not in out


@pytest.mark.parametrize("hostvars, fragment", [
    ({"network_public_subnet_cidrs": ["10.99.0.0/20", "10.10.16.0/20"]}, "network_public_subnet_cidrs[0]: 10.99.0.0/20 is outside"),
    ({"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr (aws-us-east-1): '10.10.0.0/33' is not a valid network CIDR"),
])
def test_other_bad_plans_name_the_variable(tmp_path, hostvars, fragment):
    base = {"meridian_region": "us-east-1", "network_vpc_cidr": "10.10.0.0/16"}
    base.update(hostvars)
    rc, out = run_playbook(_write_inventory(tmp_path, {"aws-us-east-1": base}))
    assert rc != 0
    assert fragment in out
    assert "List the region's availability zones" not in out


def test_missing_vpc_cidr_fails_in_preflight_naming_the_host(tmp_path):
    # Without network_vpc_cidr the region used to get the role's 10.0.0.0/16 and the overlap check skipped it.
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "network_vpc_cidr": "10.10.0.0/16"},
        "aws-eu-west-1": {"meridian_region": "eu-west-1"},
    }))
    assert rc != 0
    assert "network_vpc_cidr is not set for host aws-eu-west-1 (eu-west-1)" in out
    assert "host_vars/aws-eu-west-1.yml" in out
    assert "Check that the region's VPC CIDR is set" in out
    # Nothing was called in either region.
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_more_zones_than_the_region_has_fail_in_preflight(tmp_path):
    # eu-west-1 has 3 availability zones in the region catalog; 4 used to build 3 zones' subnets silently.
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-eu-west-1": {"meridian_region": "eu-west-1", "network_vpc_cidr": "10.20.0.0/16", "network_az_count": 4},
    }))
    assert rc != 0
    assert "network_az_count: 4 (host aws-eu-west-1) but aws region eu-west-1 has 3 availability zones" in out
    assert "set network_az_count between 1 and 3 for this host" in out
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_zones_within_the_region_pass_the_network_preflight(tmp_path):
    # Control case: us-east-1 has 6 zones in the catalog, so 4 passes every preflight and the run
    # only fails on its first API call (the closed port).
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "meridian_failover_region": "eu-west-1",
                          "network_vpc_cidr": "10.10.0.0/16", "network_az_count": 4},
        "aws-eu-west-1": {"meridian_region": "eu-west-1", "meridian_failover_region": "us-east-1",
                          "network_vpc_cidr": "10.20.0.0/16", "network_az_count": 3},
    }))
    assert rc != 0
    assert "availability zones; set network_az_count" not in out
    assert "List the region's availability zones" in out


def test_a_public_port_other_than_80_and_443_fails_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "meridian_failover_region": "eu-west-1",
                          "network_vpc_cidr": "10.10.0.0/16", "network_public_ports": [443, 22]},
        "aws-eu-west-1": {"meridian_region": "eu-west-1", "meridian_failover_region": "us-east-1",
                          "network_vpc_cidr": "10.20.0.0/16"},
    }))
    assert rc != 0
    assert "network_public_ports: [443, 22] (host aws-us-east-1) opens 22 to 0.0.0.0/0" in out
    assert "List the region's availability zones" not in out
