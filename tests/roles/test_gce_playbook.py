# -*- coding: utf-8 -*-
"""The gce modules through ansible-playbook and their action group, on the Compute Engine emulator.

apply (changes), apply again (changed=0), --check --diff on the converged estate (changed=0, no diff
content), a changed rule under --check --diff (the diff names the range, nothing written), teardown
(then nothing is left, read back with the official client). Each module run imports
google-cloud-compute (about 1.7 s of CPU), so the five runs take a minute or more.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    localhost_playbook,
    official,
)

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gce_network.yml")
PROJECT = "meridian-local"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra):
    return localhost_playbook(PLAYBOOK, url, *extra)


def test_apply_again_check_diff_teardown(emulator):
    changed = playbook(emulator)[0]
    assert changed == 3  # tasks: the network, the subnetworks (one loop), the rule
    assert playbook(emulator)[0] == 0
    changed, out = playbook(emulator, "--check", "--diff")
    assert changed == 0
    assert "+++" not in out

    regions = {"europe-west1": "10.40.0.0/20", "us-east1": "10.41.0.0/20", "asia-east1": "10.42.0.0/20"}
    changed, out = playbook(emulator, "--check", "--diff", "-e", json.dumps({"gce_regions": regions}))
    assert changed == 1
    assert "+    ipCidrRange: 10.42.0.0/20" in out
    subnetworks = official(emulator, compute_v1.SubnetworksClient)
    assert [s.name for s in subnetworks.list(project=PROJECT, region="asia-east1")] == []
    assert [s.name for s in subnetworks.list(project=PROJECT, region="europe-west1")] == ["meridian-local-europe-west1"]

    changed = playbook(emulator, "-e", "gce_state=absent")[0]
    assert changed == 3
    assert list(official(emulator, compute_v1.NetworksClient).list(project=PROJECT)) == []
    assert list(official(emulator, compute_v1.FirewallsClient).list(project=PROJECT)) == []
    for region in regions:
        assert list(subnetworks.list(project=PROJECT, region=region)) == []
