# -*- coding: utf-8 -*-
"""SSE-KMS replication without a replica key, and a database password from nowhere, fail in the
storage preflight before any API call (the AWS endpoint is a closed port, as in
test_storage_preflight.py: a run past the preflight fails on its first call)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.tests.preflight.playbook import CLOSED_ENDPOINT, PAIR, local_inventory, run_playbook

KMS_LOGS = [{"name": "logs", "data_class": "operational", "encryption": "aws:kms", "replicate": True, "noncurrent_days": 30}]
KEY_EU = "arn:aws:kms:eu-west-1:123456789012:key/0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e"
KEY_US = "arn:aws:kms:us-east-1:123456789012:key/1b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e"


def _run(tmp_path, buckets, group_vars):
    tmp_path = tmp_path / str(len(list(tmp_path.iterdir())))
    tmp_path.mkdir()
    hosts = {}
    for host, hostvars in PAIR.items():
        hosts[host] = dict({"meridian_provider": "aws", "meridian_env": "preflight",
                            "meridian_aws_endpoint_url": CLOSED_ENDPOINT, "meridian_buckets": buckets}, **hostvars)
    return run_playbook(local_inventory(tmp_path, hosts, group_vars))


def _nothing_was_called(out):
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_sse_kms_replication_without_a_replica_key_fails_in_preflight(tmp_path):
    rc, out = _run(tmp_path, KMS_LOGS, {"storage_kms_key_create": False, "storage_kms_keys": {"us-east-1": KEY_US}})
    assert rc != 0
    assert "Refuse SSE-KMS replication without a key in the failover region" in out
    # us-east-1 replicates into eu-west-1, which has no key; eu-west-1 -> us-east-1 has one
    assert "meridian_buckets (host aws-us-east-1): logs use aws:kms and replicate to eu-west-1" in out
    assert "host aws-eu-west-1): logs use aws:kms" not in out
    _nothing_was_called(out)


def test_sse_kms_replication_with_keys_passes_the_preflight(tmp_path):
    # control cases: keys given for both regions, or created by the role (both regions are hosts)
    for group_vars in ({"storage_kms_key_create": False, "storage_kms_keys": {"us-east-1": KEY_US, "eu-west-1": KEY_EU}},
                       {"storage_kms_key_create": True}):
        rc, out = _run(tmp_path, KMS_LOGS, group_vars)
        assert rc != 0
        assert "no KMS key of" not in out
        assert "List the region's availability zones" in out


def test_a_key_of_another_region_fails_in_preflight(tmp_path):
    rc, out = _run(tmp_path, KMS_LOGS, {"storage_kms_keys": {"us-east-1": KEY_EU}})
    assert rc != 0
    assert "storage_kms_keys (host aws-" in out and "us-east-1: %s is a key of eu-west-1" % KEY_EU in out
    _nothing_was_called(out)


def test_a_database_password_from_nowhere_fails_in_preflight(tmp_path):
    rc, out = _run(tmp_path, KMS_LOGS, {"storage_db_manage_master_password": False})
    assert rc != 0
    assert "storage_db_password (host aws-" in out and "give the master password from a vaulted variable" in out
    _nothing_was_called(out)
    rc, out = _run(tmp_path, KMS_LOGS, {"storage_db_password": "in-the-inventory"})
    assert rc != 0
    assert "must be empty while storage_db_manage_master_password is true" in out
    _nothing_was_called(out)
