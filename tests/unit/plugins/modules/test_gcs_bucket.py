# -*- coding: utf-8 -*-
"""gcs_bucket with the client faked (the boundary): the calls made, check mode, diff, the refused delete,
and an invalid option failing before any client is built."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("google.cloud.storage")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gcs as gcs_client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import gcs_bucket  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-test"


class FakeGcs:
    """Buckets in memory behind GcsClient's interface; fills what the API fills and checks the metageneration."""

    project = PROJECT

    def __init__(self):
        self.buckets = {}
        self.stored = {}
        self.calls = []

    def get(self, name):
        self.calls.append(("get", name))
        return self.buckets.get(name)

    def create(self, name, location, values, data_locations=None):
        self.calls.append(("create", name, location, sorted(values)))
        bucket = {"name": name, "location": location.upper(), "metageneration": "1", "storageClass": "STANDARD",
                  "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": values["uniform_bucket_level_access"]},
                                       "publicAccessPrevention": values["public_access_prevention"]}}
        if "versioning" in values:
            bucket["versioning"] = {"enabled": values["versioning"]}
        if values.get("labels"):
            bucket["labels"] = values["labels"]
        self.buckets[name] = bucket
        return bucket

    def patch(self, name, values, metageneration):
        self.calls.append(("patch", name, dict(values), metageneration))
        bucket = self.buckets[name]
        assert bucket["metageneration"] == metageneration, "stale metageneration"
        if "labels" in values:
            bucket["labels"] = values["labels"]
        if "versioning" in values:
            bucket["versioning"] = {"enabled": values["versioning"]}
        bucket["metageneration"] = str(int(metageneration) + 1)
        return bucket

    def objects(self, name, limit=None):
        self.calls.append(("objects", name, limit))
        found = list(self.stored.get(name, []))
        return found if limit is None else found[:limit]

    def delete_objects(self, name, objects):
        self.calls.append(("delete_objects", name, len(objects)))
        assert not any(o.get("temporaryHold") for o in objects), "a held object"
        self.stored[name] = []
        return len(objects)

    def delete(self, name, metageneration):
        self.calls.append(("delete", name, metageneration))
        assert not self.stored.get(name), "not empty"
        del self.buckets[name]


@pytest.fixture
def fake(monkeypatch):
    fake = FakeGcs()
    monkeypatch.setattr(gcs_client.GcsClient, "from_params", classmethod(lambda cls, params: fake))
    return fake


def run(check=False, **args):
    return run_module(gcs_bucket, dict({"project": PROJECT}, **args), check=check, diff=True)


def writes(fake):
    return [c for c in fake.calls if c[0] not in ("get", "objects")]


def test_create_check_mode_and_idempotence(fake):
    args = dict(name="meridian-assets", location="europe-west1", versioning=True, labels={"env": "test"})
    planned = run(check=True, **args).result
    assert (planned["action"], planned["changed"], writes(fake)) == ("create", True, [])
    assert planned["changes"] == ["labels", "location", "public_access_prevention", "uniform_bucket_level_access",
                                  "versioning"]
    created = run(**args).result
    assert writes(fake) == [("create", "meridian-assets", "EUROPE-WEST1",
                             ["labels", "public_access_prevention", "uniform_bucket_level_access", "versioning"])]
    assert created["resource"]["iam_configuration"]["public_access_prevention"] == "enforced"
    for check in (True, False):
        again = run(check=check, **args).result
        assert (again["changed"], again["action"]) == (False, "none")
    assert len(writes(fake)) == 1


def test_update_is_one_patch_on_the_metageneration_read(fake):
    run(name="meridian-assets", location="EU", versioning=True, labels={"env": "test", "old": "x"})
    fake.calls.clear()
    args = dict(name="meridian-assets", location="EU", versioning=False, labels={"env": "test"})
    check = run(check=True, **args).result
    assert (check["changes"], writes(fake)) == (["labels", "versioning"], [])
    assert check["diff"] == {"before": {"name": "meridian-assets", "location": "EU", "uniform_bucket_level_access": True,
                                        "public_access_prevention": "enforced", "versioning": True,
                                        "labels": {"env": "test", "old": "x"}},
                             "after": {"name": "meridian-assets", "location": "EU", "uniform_bucket_level_access": True,
                                       "public_access_prevention": "enforced", "versioning": False,
                                       "labels": {"env": "test"}}}
    assert run(**args).result["action"] == "update"
    assert writes(fake) == [("patch", "meridian-assets", {"labels": {"env": "test"}, "versioning": False}, "1")]


def test_delete_refuses_objects_unless_force(fake):
    run(name="meridian-logs", location="EU")
    fake.stored["meridian-logs"] = [{"name": "a.log", "generation": 1}, {"name": "a.log", "generation": 2},
                                    {"name": "b.log", "generation": 3}]
    fake.calls.clear()
    refused = run(name="meridian-logs", state="absent")
    assert isinstance(refused, ModuleFail) and refused.result["field"] == "force"
    assert ("objects", "meridian-logs", 1) in fake.calls and writes(fake) == []
    check = run(check=True, name="meridian-logs", state="absent", force=True).result
    assert (check["action"], check["objects_deleted"], writes(fake)) == ("delete", 3, [])
    gone = run(name="meridian-logs", state="absent", force=True).result
    assert (gone["objects_deleted"], gone["resource"]) == (3, {})
    assert writes(fake) == [("delete_objects", "meridian-logs", 3), ("delete", "meridian-logs", "1")]
    assert run(name="meridian-logs", state="absent").result["changed"] is False


def test_force_deletes_nothing_while_an_object_is_held(fake):
    run(name="meridian-audit", location="EU")
    fake.stored["meridian-audit"] = [{"name": "a.log", "generation": 1},
                                     {"name": "b.log", "generation": 2, "temporaryHold": True}]
    fake.calls.clear()
    failed = run(name="meridian-audit", state="absent", force=True)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "force"
    assert "1 of its 2 object versions" in failed.result["msg"] and "b.log under a temporary hold" in failed.result["msg"]
    assert writes(fake) == [] and len(fake.stored["meridian-audit"]) == 2


def test_a_bucket_created_meanwhile_by_this_project_is_planned_again(fake, monkeypatch):
    """Two hosts ensuring one bucket: the second create answers 409 "you already own it"; the run reads the
    bucket and patches what differs instead of failing."""
    def create_meanwhile(name, location, values, data_locations=None):
        fake.calls.append(("create", name))
        fake.buckets[name] = {"name": name, "location": "EU", "metageneration": "4",
                              "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True},
                                                   "publicAccessPrevention": "enforced"}}
        raise gcs_client.GcsApiError("create bucket %s (project p) failed: 409 conflict: Your previous request to "
                                     "create the named bucket succeeded and you already own it." % name, status=409)
    monkeypatch.setattr(fake, "create", create_meanwhile)
    result = run(name="meridian-shared", location="EU", versioning=True).result
    assert (result["action"], result["changes"]) == ("update", ["versioning"])
    assert writes(fake)[-1] == ("patch", "meridian-shared", {"versioning": True}, "4")

    def taken_elsewhere(name, location, values, data_locations=None):
        raise gcs_client.GcsApiError("create bucket %s failed: 409 conflict: The requested bucket name is not "
                                     "available." % name, field="name", status=409)
    monkeypatch.setattr(fake, "create", taken_elsewhere)
    taken = run(name="meridian-taken", location="EU")
    assert isinstance(taken, ModuleFail) and taken.result["field"] == "name"


def test_an_empty_bucket_is_deleted_without_force(fake):
    run(name="meridian-empty", location="EU")
    gone = run(name="meridian-empty", state="absent").result
    assert (gone["action"], gone["objects_deleted"]) == ("delete", 0)
    assert "meridian-empty" not in fake.buckets


@pytest.mark.parametrize("args, field", [
    ({"name": "meridian-assets"}, "location"),
    ({"name": "meridian-assets", "location": "EU", "retention_period": -5}, "retention_period"),
    ({"name": "meridian-assets", "location": "EU",
      "lifecycle_rules": [{"action": "SetStorageClass", "condition": {"age": 3}}]}, "lifecycle_rules[0].storage_class"),
    ({"name": "meridian-assets", "location": "EU", "default_kms_key_name": "key"}, "default_kms_key_name"),
])
def test_an_invalid_option_fails_before_any_client(monkeypatch, args, field):
    def no_client(cls, params):
        raise AssertionError("a client was built")
    monkeypatch.setattr(gcs_client.GcsClient, "from_params", classmethod(no_client))
    failed = run(**args)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == field
