# -*- coding: utf-8 -*-
"""Teardown refuses, before any change, unless the run names the environment it removes.

The inventories point AWS at a closed port on 127.0.0.1 (the local one through its endpoint, the
shipped staging and prod ones through AWS_ENDPOINT_URL and dummy credentials): a run that got past
the guard would fail on its first API call, so a refusal that names the fix and runs no other task
also proves that nothing was called and nothing changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.meridian.global_infra.tests.preflight.playbook import (
    ANSIBLE_PLAYBOOK,
    CLOSED_ENDPOINT,
    PAIR,
    ROOT,
    local_inventory,
)

CLOSED_ENV = {"AWS_ENDPOINT_URL": CLOSED_ENDPOINT, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
              "AWS_PROFILE": "", "AWS_MAX_ATTEMPTS": "1"}


def _env():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env.update(CLOSED_ENV)
    env.pop("AWS_PROFILE")
    return env


def _teardown(inventory, *extra):
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inventory, os.path.join(ROOT, "playbooks", "teardown.yml")] + list(extra),
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def local(tmp_path):
    hosts = dict((h, dict({"meridian_provider": "aws", "meridian_aws_endpoint_url": CLOSED_ENDPOINT}, **v))
                 for h, v in PAIR.items())
    return local_inventory(tmp_path, hosts)


def _refused_before_any_change(rc, out):
    assert rc != 0, out
    assert "nothing was changed" in out.lower(), out
    # the guard is the only task that ran: no role task, no later play
    assert "TASK [meridian.global_infra." not in out, out
    assert "PLAY [Remove the services from every Kubernetes cluster]" not in out, out
    assert "PLAY [Tear down every region]" not in out, out


@pytest.mark.parametrize("extra", [[], ["-e", "teardown_confirm=prod"], ["-e", "teardown_confirm="]])
def test_an_unconfirmed_teardown_refuses_and_names_the_fix(local, extra):
    rc, out = _teardown(local, *extra)
    _refused_before_any_change(rc, out)
    text = " ".join(out.split())
    assert "teardown removes the local estate (eu-west-1, us-east-1) and was not confirmed" in text, out
    assert "-e teardown_confirm=local" in text and "TEARDOWN_CONFIRM=local" in text, out


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_the_shipped_inventories_refuse_without_confirmation(env):
    rc, out = _teardown(os.path.join(ROOT, "inventories", env))
    _refused_before_any_change(rc, out)
    assert "-e teardown_confirm=%s" % env in " ".join(out.split()), out


def test_a_confirmed_run_reads_the_databases_deletion_protection_before_any_change(local):
    rc, out = _teardown(local, "-e", "teardown_confirm=local")
    assert rc != 0, out
    # past the guard, the first API call is the read of the databases (it fails on the closed port),
    # still in the first play: nothing was removed
    assert "TASK [meridian.global_infra.storage : Read the estate's database instances in" in out, out
    assert "PLAY [Tear down every region]" not in out, out


def test_teardown_delete_data_must_be_a_boolean(local):
    rc, out = _teardown(local, "-e", "teardown_confirm=local", "-e", "teardown_delete_data=everything")
    _refused_before_any_change(rc, out)
    assert "teardown_delete_data must be true or false" in " ".join(out.split()), out


def _make_n(*args):
    proc = subprocess.run(["make", "-n", "--no-print-directory", "teardown"] + list(args), cwd=ROOT,
                          env=dict(os.environ, TEARDOWN_CONFIRM="", TEARDOWN_DELETE_DATA=""),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_make_teardown_starts_nothing_unconfirmed_and_passes_the_confirmation():
    unconfirmed = _make_n()
    assert "local_stack/start" not in unconfirmed and "backfill" not in unconfirmed, unconfirmed
    assert "teardown_confirm" not in unconfirmed, unconfirmed
    confirmed = _make_n("TEARDOWN_CONFIRM=local", "TEARDOWN_DELETE_DATA=true")
    assert "local_stack/start" in confirmed, confirmed
    assert "-e teardown_confirm=local" in confirmed and "-e teardown_delete_data=true" in confirmed, confirmed


def test_every_provisioning_play_stops_every_region_when_one_fails():
    with open(os.path.join(ROOT, "playbooks", "provision.yml")) as handle:
        plays = yaml.safe_load(handle)
    over_regions = [p for p in plays if p.get("hosts") == "regions"]
    assert len(over_regions) == 2 and all(p.get("any_errors_fatal") is True for p in over_regions)


def _hostvars(env, host):
    proc = subprocess.run([os.path.join(os.path.dirname(ANSIBLE_PLAYBOOK), "ansible-inventory"), "-i",
                           os.path.join(ROOT, "inventories", env), "--host", host],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_prod_protects_its_data_and_keeps_egress_per_zone():
    prod = _hostvars("prod", "aws-us-east-1")
    assert prod["storage_db_deletion_protection"] is True
    assert prod["storage_db_final_snapshot"] is True
    assert prod["network_nat_mode"] == "per_az"
    assert prod["network_flow_logs_retain_on_teardown"] is True
    assert prod["network_flow_logs_retention_days"] >= 365
    staging = _hostvars("staging", "aws-us-east-1")
    assert staging["storage_db_deletion_protection"] is False


def test_the_clusters_teardown_alone_refuses_too():
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", os.path.join(ROOT, "inventories", "local"),
                           os.path.join(ROOT, "playbooks", "kubernetes_teardown.yml")],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "-e teardown_confirm=local" in " ".join(out.split()) and "nothing was changed" in out, out
    assert "PLAY [Remove the services from every Kubernetes cluster]" not in out, out
