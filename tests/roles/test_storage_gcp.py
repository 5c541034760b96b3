# -*- coding: utf-8 -*-
"""The storage role's gcp side through ansible-playbook on the Cloud Storage emulator, two regions at
once: a pii bucket replicated across its residency boundary fails in preflight before any API call,
naming the bucket; apply (the buckets' settings read back with google-cloud-storage), apply again
(changed=0), --check --diff (changed=0), teardown keeps the versioned buckets unless data is deleted,
and with storage_delete_data leaves no bucket."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

storage = pytest.importorskip("google.cloud.storage")

from google.auth.credentials import AnonymousCredentials  # noqa: E402

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import gce_emulator  # noqa: E402
from ansible_collections.meridian.global_infra.tests.roles.playbook_run import run_playbook  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "storage_gcp.yml")
INVENTORY = os.path.join(HERE, "fixtures", "storage_gcp", "hosts.yml")
PROJECT = "meridian-rolestest"
HOSTS = ["gcp-europe-west1", "gcp-us-east1"]


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra, **kwargs):
    return run_playbook(PLAYBOOK, INVENTORY, HOSTS, {"gce_endpoint": url}, extra, fails=kwargs.get("fails", False),
                        timeout=600)


def buckets(client):
    return dict((b.name, b) for b in client.list_buckets())


def test_two_gcp_regions_refuse_apply_again_check_teardown(emulator):
    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": emulator})

    # pii may not leave the EU: replicating uploads to us-east1 is refused before any bucket is made
    out = " ".join(playbook(emulator, "--limit", "gcp-europe-west1", "-e", "meridian_failover_region=us-east1",
                            fails=True).split())
    assert "Refuse replication that crosses a residency boundary" in out
    assert "uploads (pii data under" in out and "from europe-west1 to us-east1" in out
    assert buckets(client) == {}

    changed, _out = playbook(emulator)
    assert changed == {"gcp-europe-west1": 1, "gcp-us-east1": 1}
    found = buckets(client)
    assert sorted(found) == ["meridian-rolestest-assets-europe-west1", "meridian-rolestest-assets-us-east1",
                             "meridian-rolestest-uploads-europe-west1", "meridian-rolestest-uploads-us-east1"]
    assets = client.get_bucket("meridian-rolestest-assets-europe-west1")
    assert assets.location == "EUROPE-WEST1" and assets.versioning_enabled is True
    assert assets.iam_configuration.uniform_bucket_level_access_enabled is True
    assert assets.iam_configuration.public_access_prevention == "enforced"
    assert assets.labels == {"meridian-env": "rolestest", "owner": "data-team", "meridian-data-class": "content_metadata"}
    assert assets.default_kms_key_name is None and assets.retention_period is None
    rules = sorted((r["action"]["type"], sorted(r["condition"].items())) for r in assets.lifecycle_rules)
    assert rules == [("AbortIncompleteMultipartUpload", [("age", 7)]),
                     ("Delete", [("daysSinceNoncurrentTime", 30), ("isLive", False)])]
    # replicate: a dual-region of the region and its failover region, on their continent
    uploads = client.get_bucket("meridian-rolestest-uploads-europe-west1")
    assert uploads.location == "EU" and sorted(uploads.data_locations) == ["EUROPE-WEST1", "EUROPE-WEST4"]
    assert ("Delete", [("age", 365), ("isLive", True)]) in [
        (r["action"]["type"], sorted(r["condition"].items())) for r in uploads.lifecycle_rules]
    us = client.get_bucket("meridian-rolestest-uploads-us-east1")
    assert us.location == "US" and sorted(us.data_locations) == ["US-CENTRAL1", "US-EAST1"]
    assert us.labels["meridian-data-class"] == "pii"

    again, _out = playbook(emulator)
    assert again == {"gcp-europe-west1": 0, "gcp-us-east1": 0}
    checked, out = playbook(emulator, "--check", "--diff")
    assert checked == {"gcp-europe-west1": 0, "gcp-us-east1": 0}
    assert "+++" not in out

    # teardown keeps the versioned buckets with their data unless data is deleted
    assets.blob("index.html").upload_from_string(b"<html></html>")
    kept, out = playbook(emulator, "-e", "storage_state=absent")
    assert kept == {"gcp-europe-west1": 0, "gcp-us-east1": 0}
    assert len(buckets(client)) == 4

    removed, _out = playbook(emulator, "-e", "storage_state=absent", "-e", "storage_delete_data=true")
    assert removed == {"gcp-europe-west1": 1, "gcp-us-east1": 1}
    assert buckets(client) == {}
