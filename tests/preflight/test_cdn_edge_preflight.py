# -*- coding: utf-8 -*-
"""The cdn role's preflight refuses edge functions the inventory cannot deploy: two functions of one
event type on a cache behavior, a function without its tests file, a store that is not declared.
It runs on the shipped local inventory's edge.yml (which passes) and on changed copies of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import yaml

from ansible_collections.meridian.global_infra.tests.preflight.playbook import ANSIBLE_PLAYBOOK, PAIR, ROOT, local_inventory

PLAYBOOK = """
- hosts: regions
  gather_facts: false
  tasks:
    - name: Run the cdn role's preflight
      ansible.builtin.include_role:
        name: meridian.global_infra.cdn
        tasks_from: preflight.yml
      vars:
        cdn_origin_address: alb.example.com
        cdn_acm_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab
"""


def _shipped():
    with open(os.path.join(ROOT, "inventories", "local", "group_vars", "all", "edge.yml")) as handle:
        return yaml.safe_load(handle)


def _run(tmp_path, **group_vars):
    hosts = dict((host, dict({"meridian_provider": "aws"}, **hostvars)) for host, hostvars in PAIR.items())
    inventory = local_inventory(tmp_path, hosts, group_vars)
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inventory, str(playbook)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_shipped_edge_functions_pass(tmp_path):
    rc, out = _run(tmp_path)
    assert rc == 0, out


def test_two_viewer_request_functions_on_one_behavior_are_refused(tmp_path):
    functions = _shipped()["cdn_edge_functions"]
    functions[1]["behaviours"] = ["static", "default"]  # image_format beside ab_split on default
    rc, out = _run(tmp_path, cdn_edge_functions=functions)
    assert rc != 0
    assert "put two functions of the same event type on one behavior" in out
    assert "default viewer-request" in out


def test_a_function_without_tests_or_with_an_unknown_store_is_refused(tmp_path):
    functions = _shipped()["cdn_edge_functions"]
    functions[0]["file"] = "missing.js"
    functions[2]["key_value_store"] = "nowhere"
    rc, out = _run(tmp_path, cdn_edge_functions=functions)
    assert rc != 0
    assert "must have a name" in out and "missing.js" in out and "nowhere" in out
