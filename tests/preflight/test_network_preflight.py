# -*- coding: utf-8 -*-
"""Bad inventories fail in the network role's preflight, naming the variable, before any API call.

Each case runs the real provision playbook against an inventory whose AWS endpoint is a closed port
on 127.0.0.1: a run that got past preflight would fail on its first API call with a connection
error instead, so the assertions below also prove that nothing was called.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "provision.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def _write_inventory(tmp_path, regions):
    """An inventory with the local environment's group_vars and the given region hosts.

    regions: {host: {meridian_region, network_vpc_cidr, ...}}. Every host points its AWS endpoint
    at a closed port (host vars win over the copied group_vars).
    """
    shutil.copytree(os.path.join(ROOT, "inventories", "local", "group_vars"), str(tmp_path / "group_vars"))
    hosts = {}
    for host, hostvars in regions.items():
        hosts[host] = dict({"meridian_provider": "aws", "meridian_env": "preflight",
                            "meridian_aws_endpoint_url": "http://127.0.0.1:9"}, **hostvars)
    inv = {"all": {"children": {"regions": {"children": {"aws_regions": {"hosts": hosts}}}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inv))
    return str(path)


def _run(inventory):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inventory, PLAYBOOK], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_unknown_region_fails_in_preflight(tmp_path):
    rc, out = _run(_write_inventory(tmp_path, {
        "aws-eu-wset-1": {"meridian_region": "eu-wset-1", "network_vpc_cidr": "10.10.0.0/16"},
    }))
    assert rc != 0
    assert 'meridian_region: "eu-wset-1"' in out and "not a known aws region" in out
    assert "Check that the region exists" in out
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_overlapping_vpc_cidrs_fail_in_preflight(tmp_path):
    rc, out = _run(_write_inventory(tmp_path, {
        "aws-us-east-1": {"meridian_region": "us-east-1", "network_vpc_cidr": "10.10.0.0/16"},
        "aws-eu-west-1": {"meridian_region": "eu-west-1", "network_vpc_cidr": "10.10.128.0/17"},
    }))
    assert rc != 0
    assert "network_vpc_cidr overlaps between regions" in out
    assert "aws-us-east-1 10.10.0.0/16" in out or "aws-eu-west-1 10.10.128.0/17" in out
    assert "List the region's availability zones" not in out


def test_overlapping_subnet_cidrs_fail_in_preflight(tmp_path):
    rc, out = _run(_write_inventory(tmp_path, {
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
    rc, out = _run(_write_inventory(tmp_path, {"aws-us-east-1": base}))
    assert rc != 0
    assert fragment in out
    assert "List the region's availability zones" not in out
