# -*- coding: utf-8 -*-
"""One AMI ID for two regions fails in the compute preflight, naming the field and the fix, before any API call.

As in test_storage_preflight.py, the inventory points the AWS endpoint at a closed port on 127.0.0.1:
a run that got past the preflight would fail on its first API call with a connection error, so the
assertions below also prove that nothing was called and nothing changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.images import image_plan_errors
from ansible_collections.meridian.global_infra.tests.preflight.playbook import CLOSED_ENDPOINT, PAIR, ROOT, local_inventory, run_playbook

# The ID the shipped inventories used to give every region.
SHARED = "ami-04681a1dbd79675a5"


def _write_inventory(tmp_path, group_vars=None, host_vars=None):
    hosts = {}
    for host, hostvars in PAIR.items():
        hosts[host] = dict({"meridian_provider": "aws", "meridian_env": "preflight",
                            "meridian_aws_endpoint_url": CLOSED_ENDPOINT}, **hostvars)
        hosts[host].update((host_vars or {}).get(host, {}))
    return local_inventory(tmp_path, hosts, group_vars)


def _assert_nothing_was_called(out):
    assert "List the region's availability zones" not in out
    assert "Create the VPC" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_one_ami_id_for_two_regions_fails_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {"compute_image_ids": {"us-east-1": SHARED, "eu-west-1": SHARED}}))
    assert rc != 0
    assert "Check the machine image of every region" in out
    assert ("compute_image_ids: %s is given for eu-west-1 and us-east-1; an AMI ID names an image in one region only: "
            "give each region the ID of its own copy (aws ec2 copy-image), or remove these entries and let "
            "compute_image_ssm_parameter resolve the image in each region" % SHARED) in out
    _assert_nothing_was_called(out)


def test_one_ami_id_set_per_host_for_two_regions_fails_too(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, host_vars={
        "aws-eu-west-1": {"compute_image_id": SHARED}, "aws-us-east-1": {"compute_image_id": SHARED}}))
    assert rc != 0
    assert "compute_image_ids: %s is given for eu-west-1 and us-east-1" % SHARED in out
    _assert_nothing_was_called(out)


def test_a_release_url_without_its_checksum_fails_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, {
        "compute_service_artifact_url": "https://releases.example.com/meridian/region-service-1.0.0"}))
    assert rc != 0
    assert "Check the service release the instances install" in out
    assert "compute_service_artifact_sha256: must be the release's SHA-256" in out
    _assert_nothing_was_called(out)


@pytest.mark.parametrize("group_vars", [
    {},  # the SSM parameter in every region (the local inventory's own setting)
    {"compute_image_ids": {"us-east-1": "ami-0d27e0fb3bac4d724", "eu-west-1": "ami-087fc0fcee2c7570a"}},
])
def test_per_region_images_pass_the_compute_preflight(tmp_path, group_vars):
    # Control case: the same pair gets past every preflight and only fails on the first API call
    # (the closed port), which shows the refusals above are the preflight's.
    rc, out = run_playbook(_write_inventory(tmp_path, group_vars))
    assert rc != 0
    assert "is given for" not in out
    assert "List the region's availability zones" in out


def _inventory_hosts(name):
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i",
                           os.path.join(ROOT, "inventories", name), "--list"], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")), check=True)
    data = json.loads(proc.stdout)
    return dict((host, hostvars) for host, hostvars in data["_meta"]["hostvars"].items()
                if hostvars.get("meridian_provider") == "aws")


@pytest.mark.parametrize("name", ["local", "staging", "prod"])
def test_the_shipped_inventories_give_every_region_its_own_image(name):
    hosts = _inventory_hosts(name)
    assert len(hosts) >= 2
    plan = []
    for host, hostvars in sorted(hosts.items()):
        ids = hostvars.get("compute_image_ids", {})
        plan.append({"host": host, "region": hostvars["meridian_region"],
                     "image_id": hostvars.get("compute_image_id", ids.get(hostvars["meridian_region"], "")),
                     "parameter": hostvars.get("compute_image_ssm_parameter", "")})
    assert image_plan_errors(plan) == []
    # A real image per region and a real service: the SSM parameter, no placeholder user data.
    for hostvars in hosts.values():
        assert hostvars["compute_image_ssm_parameter"].startswith("/aws/service/ami-amazon-linux-latest/")
        assert hostvars.get("compute_user_data", "") == ""
        if name != "local":
            assert hostvars["compute_instance_profile"] == "meridian-%s-service" % name
