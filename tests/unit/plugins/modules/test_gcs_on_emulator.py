# -*- coding: utf-8 -*-
"""gcs_bucket against the collection's emulator (its Cloud Storage side).

The module runs in-process with its real client (google-cloud-storage, anonymous credentials,
``api_endpoint`` on the emulator, which validates every request against storage.v1.json). A bucket
goes check mode → create → check mode → apply again (no change), then an update, a change that cannot
happen in place, a refused delete of a bucket holding objects and a forced one; results are read back
with the official client, not with the module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

storage = pytest.importorskip("google.cloud.storage")

from google.auth.credentials import AnonymousCredentials  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.modules import gcs_bucket  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import gce_emulator  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-local"
KEY = "projects/meridian-local/locations/europe-west1/keyRings/storage/cryptoKeys/assets"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


@pytest.fixture
def official(emulator):
    return storage.Client(project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": emulator})


def run(url, args, check=False):
    base = {"project": PROJECT, "auth_kind": "none", "api_endpoint": url}
    return run_module(gcs_bucket, dict(base, **args), check=check, diff=True)


def changed(base, **values):
    """``base`` with ``values`` replaced (a copy)."""
    out = dict(base)
    out.update(values)
    return out


def ok(url, args, check=False):
    result = run(url, args, check=check)
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def test_bucket_lifecycle(emulator, official):
    args = dict(name="meridian-assets-eu", location="europe-west1", versioning=True, default_kms_key_name=KEY,
                retention_period=3600, labels={"env": "test"},
                lifecycle_rules=[{"action": "SetStorageClass", "storage_class": "NEARLINE", "condition": {"age": 30}},
                                 {"action": "Delete", "condition": {"is_live": False, "num_newer_versions": 3}}])
    results = [ok(emulator, args, check=True), ok(emulator, args), ok(emulator, args, check=True),
               ok(emulator, args)]
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert [r["action"] for r in results] == ["create", "create", "none", "none"]
    planned = results[0]
    assert planned["resource"] == {} and planned["diff"]["before"] == {}
    assert planned["diff"]["after"]["location"] == "EUROPE-WEST1"
    assert planned["diff"]["after"]["public_access_prevention"] == "enforced"

    bucket = official.get_bucket("meridian-assets-eu")
    assert (bucket.location, bucket.storage_class, bucket.versioning_enabled) == ("EUROPE-WEST1", "STANDARD", True)
    assert bucket.iam_configuration.uniform_bucket_level_access_enabled is True
    assert bucket.iam_configuration.public_access_prevention == "enforced"
    assert (bucket.default_kms_key_name, bucket.retention_period, bucket.labels) == (KEY, 3600, {"env": "test"})
    assert sorted(r["action"]["type"] for r in bucket.lifecycle_rules) == ["Delete", "SetStorageClass"]
    assert results[1]["resource"]["metageneration"] == str(bucket.metageneration)

    # update: the check run writes nothing; the apply sends one PATCH (metageneration +1)
    update = changed(args, versioning=False, storage_class="NEARLINE", labels={"team": "edge"}, lifecycle_rules=[],
                     default_kms_key_name=KEY + "-v2")  # another key of the same location: changed in place
    check = ok(emulator, update, check=True)
    assert check["changes"] == ["default_kms_key_name", "labels", "lifecycle_rules", "storage_class", "versioning"]
    assert check["diff"]["before"]["labels"] == {"env": "test"} and check["diff"]["after"]["labels"] == {"team": "edge"}
    assert official.get_bucket("meridian-assets-eu").metageneration == bucket.metageneration
    assert ok(emulator, update)["action"] == "update"
    bucket = official.get_bucket("meridian-assets-eu")
    assert bucket.metageneration == 2
    assert (bucket.storage_class, bucket.versioning_enabled, bucket.labels) == ("NEARLINE", False, {"team": "edge"})
    assert list(bucket.lifecycle_rules) == [] and bucket.default_kms_key_name == KEY + "-v2"
    for check_mode in (True, False):
        assert ok(emulator, update, check=check_mode)["changed"] is False

    # what cannot happen in place fails naming the option, before any write
    moved = run(emulator, changed(update, location="europe-west4", default_kms_key_name=None))
    assert isinstance(moved, ModuleFail) and moved.result["field"] == "location"
    assert "EUROPE-WEST1" in moved.result["msg"] and "EUROPE-WEST4" in moved.result["msg"]
    foreign_key = run(emulator, changed(update, default_kms_key_name="projects/p/locations/us/keyRings/r/cryptoKeys/k"))
    assert isinstance(foreign_key, ModuleFail) and foreign_key.result["field"] == "default_kms_key_name"
    assert official.get_bucket("meridian-assets-eu").metageneration == 2

    # a locked retention policy is never changed
    official.get_bucket("meridian-assets-eu").lock_retention_policy()
    locked = run(emulator, changed(update, retention_period=60))
    assert isinstance(locked, ModuleFail) and locked.result["field"] == "retention_period"
    assert "locked" in locked.result["msg"]
    assert official.get_bucket("meridian-assets-eu").retention_period == 3600


def test_delete_refuses_objects_unless_force(emulator, official):
    ok(emulator, dict(name="meridian-logs", location="EU", versioning=True))
    bucket = official.bucket("meridian-logs")
    bucket.blob("2026/12/01.log").upload_from_string(b"one")
    bucket.blob("2026/12/01.log").upload_from_string(b"two")  # the first stays as a noncurrent version

    refused = run(emulator, dict(name="meridian-logs", state="absent"))
    assert isinstance(refused, ModuleFail) and refused.result["field"] == "force"
    assert "holds objects" in refused.result["msg"]
    checked = ok(emulator, dict(name="meridian-logs", state="absent", force=True), check=True)
    assert (checked["action"], checked["objects_deleted"]) == ("delete", 2)
    assert official.lookup_bucket("meridian-logs") is not None
    assert len(list(official.list_blobs("meridian-logs", versions=True))) == 2

    gone = ok(emulator, dict(name="meridian-logs", state="absent", force=True))
    assert (gone["action"], gone["objects_deleted"], gone["resource"], gone["diff"]["after"]) == ("delete", 2, {}, {})
    assert official.lookup_bucket("meridian-logs") is None
    assert ok(emulator, dict(name="meridian-logs", state="absent"))["changed"] is False

    # an object still under the retention period: force deletes nothing
    ok(emulator, dict(name="meridian-audit", location="EU", retention_period=3600))
    official.bucket("meridian-audit").blob("audit.log").upload_from_string(b"kept")
    official.bucket("meridian-audit").blob("other.log").upload_from_string(b"kept too")
    kept = run(emulator, dict(name="meridian-audit", state="absent", force=True))
    assert isinstance(kept, ModuleFail) and kept.result["field"] == "force"
    assert "2 of its 2 object versions cannot be deleted yet (audit.log retained until" in kept.result["msg"]
    assert len(list(official.list_blobs("meridian-audit"))) == 2


def test_an_invalid_option_fails_before_any_call(emulator, official):
    """A bad storage class inside a lifecycle rule names the option; no bucket is created."""
    failed = run(emulator, dict(name="meridian-invalid", location="EU",
                                lifecycle_rules=[{"action": "Delete", "condition": {"matches_storage_class": ["COLD"]}}]))
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "lifecycle_rules[0].condition.matches_storage_class"
    assert official.lookup_bucket("meridian-invalid") is None


def test_the_client_retries_throttling_and_refuses_a_stale_metageneration(emulator, official, monkeypatch):
    """The storage client behind the module: a 429 then 503 are retried; a bucket changed since it was read
    is a 412 (not overwritten) and says to run again; a taken name is a 409 naming the option."""
    import json
    import urllib.request

    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gcs
    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import fast_retries

    sleeps = fast_retries(monkeypatch)
    client = gcs.GcsClient(PROJECT, AnonymousCredentials(), emulator)
    created = client.create("meridian-race", "EU", {"uniform_bucket_level_access": True,
                                                    "public_access_prevention": "enforced"})
    for code in (429, 503):
        fault = json.dumps({"method": "GET", "path": "/storage/v1/b/meridian-race$", "code": code}).encode()
        urllib.request.urlopen(urllib.request.Request(emulator + "/emulator/faults", data=fault, method="POST"),
                               timeout=5).close()
    assert client.get("meridian-race")["metageneration"] == "1"
    assert len(sleeps) == 2

    someone = official.get_bucket("meridian-race")
    someone.labels = {"owner": "someone"}
    someone.patch()
    with pytest.raises(gcs.GcsApiError) as caught:
        client.patch("meridian-race", {"versioning": True}, created["metageneration"])
    assert caught.value.status == 412 and "run again" in str(caught.value)
    assert official.get_bucket("meridian-race").versioning_enabled is False
    patched = client.patch("meridian-race", {"labels": {}}, "2")
    assert (patched["metageneration"], patched.get("labels") or {}) == ("3", {})
    assert official.get_bucket("meridian-race").labels == {}  # the label removed, not left behind

    with pytest.raises(gcs.GcsApiError) as caught:
        client.create("meridian-race", "EU", {})
    assert caught.value.status == 409 and gcs.created_meanwhile_by_us(caught.value)
    with pytest.raises(gcs.GcsApiError) as caught:  # bucket names are global: another project's is taken
        gcs.GcsClient("meridian-other", AnonymousCredentials(), emulator).create("meridian-race", "EU", {})
    assert (caught.value.status, caught.value.field) == (409, "name")
    assert not gcs.created_meanwhile_by_us(caught.value) and "another project" in str(caught.value)
