# -*- coding: utf-8 -*-
"""Run the collection's real playbooks against throw-away inventories built on inventories/local."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
# A closed port: a run that got past preflight fails on its first API call with a connection error.
CLOSED_ENDPOINT = "http://127.0.0.1:9"

# The two-region estate most preflight tests start from (host -> host vars).
PAIR = {
    "aws-eu-west-1": {"meridian_region": "eu-west-1", "meridian_failover_region": "us-east-1",
                      "network_vpc_cidr": "10.20.0.0/16"},
    "aws-us-east-1": {"meridian_region": "us-east-1", "meridian_failover_region": "eu-west-1",
                      "network_vpc_cidr": "10.10.0.0/16"},
}


def local_inventory(tmp_path, hosts, group_vars=None):
    """inventories/local's group_vars (plus `group_vars`, if given) and the given region hosts."""
    shutil.copytree(os.path.join(ROOT, "inventories", "local", "group_vars"), str(tmp_path / "group_vars"))
    if group_vars:
        (tmp_path / "group_vars" / "all" / "zz_test.yml").write_text(yaml.safe_dump(group_vars))
    inv = {"all": {"children": {"regions": {"children": {"aws_regions": {"hosts": hosts}}}}}}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inv))
    return str(tmp_path / "hosts.yml")


def run_playbook(inventory, playbook="provision.yml"):
    """Return (exit code, stdout + stderr) of playbooks/<playbook> on the inventory."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inventory, os.path.join(ROOT, "playbooks", playbook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr
