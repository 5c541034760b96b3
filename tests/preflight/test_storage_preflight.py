# -*- coding: utf-8 -*-
"""A residency violation in the inventory fails in the storage preflight, before any API call.

As in test_network_preflight.py, the inventory points the AWS endpoint at a closed port on
127.0.0.1: a run that got past the preflight would fail on its first API call with a connection
error, so the assertions below also prove that nothing was called and nothing changed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.tests.preflight.playbook import CLOSED_ENDPOINT, PAIR, local_inventory, run_playbook

OPERATIONAL_ONLY = [
    {"name": "logs", "data_class": "operational", "encryption": "AES256", "replicate": True, "noncurrent_days": 30},
]
DATABASE = {"name": "meridian", "engine_version": "16.3", "instance_class": "db.t4g.micro", "allocated_storage": 20,
            "multi_az": False, "username": "meridian_admin", "backup_retention_days": 7}


def _write_inventory(tmp_path, buckets, group_vars=None):
    hosts = {}
    for host, hostvars in PAIR.items():
        hosts[host] = dict({"meridian_provider": "aws", "meridian_env": "preflight",
                            "meridian_aws_endpoint_url": CLOSED_ENDPOINT, "meridian_buckets": buckets}, **hostvars)
    return local_inventory(tmp_path, hosts, group_vars)


def test_pii_replicated_from_eu_west_1_to_us_east_1_fails_in_preflight(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, [
        {"name": "user-data", "data_class": "pii", "encryption": "aws:kms", "replicate": True, "noncurrent_days": 90},
        {"name": "logs", "data_class": "operational", "encryption": "AES256", "replicate": True, "noncurrent_days": 30},
    ]))
    assert rc != 0
    # The message names the variable, the bucket, the data class and the direction.
    assert "meridian_buckets: replication from eu-west-1 to us-east-1 (host aws-eu-west-1)" in out
    assert "user-data (pii data" in out
    assert "logs (" not in out.split("meridian_buckets: replication from eu-west-1", 1)[1].split("set replicate", 1)[0]
    assert "Refuse replication that crosses a residency boundary" in out
    # Nothing was called: no AWS task ran in either region, and no connection was attempted.
    assert "List the region's availability zones" not in out
    assert "Create the VPC" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_operational_replication_across_the_atlantic_passes_the_storage_preflight(tmp_path):
    # Control case: the same pair without the pii replication gets past every preflight and only
    # fails on the first API call (the closed port), which shows the refusal above is the preflight's.
    rc, out = run_playbook(_write_inventory(tmp_path, [
        {"name": "user-data", "data_class": "pii", "encryption": "aws:kms", "replicate": False, "noncurrent_days": 90},
        {"name": "logs", "data_class": "operational", "encryption": "AES256", "replicate": True, "noncurrent_days": 30},
    ]))
    assert rc != 0
    assert "would move data outside its residency boundary" not in out
    assert "List the region's availability zones" in out


def _assert_nothing_was_called(out):
    assert "List the region's availability zones" not in out
    assert "Create the VPC" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_pii_database_replicated_from_eu_west_1_to_us_east_1_fails_in_preflight(tmp_path):
    # The primary in eu-west-1 puts its read replica in its failover region, us-east-1: GDPR refuses pii there.
    rc, out = run_playbook(_write_inventory(tmp_path, OPERATIONAL_ONLY, {
        "meridian_primary_region": "eu-west-1", "meridian_database": dict(DATABASE, data_class="pii")}))
    assert rc != 0
    assert "meridian_database: the read replica from eu-west-1 to us-east-1 (host aws-eu-west-1)" in out
    assert "meridian-preflight-db (pii data under EU rules" in out
    assert "Refuse a database replica that crosses a residency boundary" in out
    # bucket replication of operational data is fine: only the database is refused
    assert "meridian_buckets: replication from" not in out
    _assert_nothing_was_called(out)


def test_operational_database_replicated_across_the_atlantic_passes_the_storage_preflight(tmp_path):
    # Control case: the same pair with a database of operational data gets past every preflight.
    rc, out = run_playbook(_write_inventory(tmp_path, OPERATIONAL_ONLY, {
        "meridian_primary_region": "eu-west-1", "meridian_database": dict(DATABASE, data_class="operational")}))
    assert rc != 0
    assert "the read replica from" not in out
    assert "List the region's availability zones" in out


def test_database_without_data_class_fails_in_preflight_naming_the_variable(tmp_path):
    rc, out = run_playbook(_write_inventory(tmp_path, OPERATIONAL_ONLY, {"meridian_database": DATABASE}))
    assert rc != 0
    assert "meridian_database.data_class is not set (host aws-" in out
    assert "Check that the database has a data class" in out
    _assert_nothing_was_called(out)
