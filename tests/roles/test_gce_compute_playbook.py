# -*- coding: utf-8 -*-
"""gce_health_check, gce_instance_template and gce_instance_group through ansible-playbook and the gce
action group, on the Compute Engine emulator: apply, apply again (changed=0), --check --diff on the
converged estate (changed=0), a new machine type under --check --diff (a new template and the group's
template change shown, nothing written), the change applied (a new template beside the old one, the
group moved by setInstanceTemplate), teardown (nothing left but the superseded template and the network it
uses). Each module run imports google-cloud-compute (about 1.7 s of CPU): the six runs take a few minutes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import os

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    localhost_playbook,
    official,
)

BOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gce_compute.yml")
playbook = functools.partial(localhost_playbook, BOOK)
PROJECT = "meridian-local"
REGION = "europe-west1"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def test_apply_again_check_diff_new_template_teardown(emulator):
    templates = official(emulator, compute_v1.InstanceTemplatesClient)
    groups = official(emulator, compute_v1.RegionInstanceGroupManagersClient)
    assert playbook(emulator)[0] == 4  # the network, the health check, the template, the group
    first = [t.name for t in templates.list(project=PROJECT)]
    assert len(first) == 1
    assert playbook(emulator)[0] == 0
    changed, out = playbook(emulator, "--check", "--diff")
    assert changed == 0 and "+++" not in out

    changed, out = playbook(emulator, "--check", "--diff", "-e", "gce_machine_type=e2-standard-4")
    assert changed == 2  # a new template, and the group's template
    assert "+        machineType: e2-standard-4" in out and "-        instanceTemplate:" in out
    assert [t.name for t in templates.list(project=PROJECT)] == first

    assert playbook(emulator, "-e", "gce_machine_type=e2-standard-4")[0] == 2
    names = sorted(t.name for t in templates.list(project=PROJECT))
    assert len(names) == 2 and first[0] in names
    group = groups.get(project=PROJECT, region=REGION, instance_group_manager="meridian-web")
    assert group.instance_template.rsplit("/", 1)[1] == [n for n in names if n != first[0]][0]

    changed = playbook(emulator, "-e", "gce_machine_type=e2-standard-4", "-e", "gce_state=absent",
                       "-e", "gce_keep_network=true")[0]
    assert changed == 3  # the group, the current template, the health check
    assert [t.name for t in templates.list(project=PROJECT)] == first  # the superseded one is the user's to remove
    assert list(groups.list(project=PROJECT, region=REGION)) == []
    assert list(official(emulator, compute_v1.HealthChecksClient).list(project=PROJECT)) == []
    templates.delete(project=PROJECT, instance_template=first[0]).result(timeout=10)
    official(emulator, compute_v1.NetworksClient).delete(project=PROJECT, network="meridian-web").result(timeout=10)
