# -*- coding: utf-8 -*-
"""gce.storage_resources: a bucket's desired state from gcs_bucket's options, its compared form, and the plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import storage_resources as rules
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError

KEY = "projects/meridian-prod/locations/europe-west1/keyRings/storage/cryptoKeys/assets"
# A bucket as Cloud Storage's buckets.get returns it (JSON API v1), trimmed of ACL fields.
API_BUCKET = {
    "kind": "storage#bucket", "selfLink": "https://www.googleapis.com/storage/v1/b/meridian-assets",
    "id": "meridian-assets", "name": "meridian-assets", "projectNumber": "123456789012", "metageneration": "3",
    "location": "EUROPE-WEST1", "storageClass": "STANDARD", "etag": "CAM=",
    "timeCreated": "2026-11-02T09:12:44.104Z", "updated": "2026-11-20T10:01:02.551Z",
    "versioning": {"enabled": True},
    "encryption": {"defaultKmsKeyName": KEY},
    "retentionPolicy": {"retentionPeriod": "86400", "effectiveTime": "2026-11-02T09:12:44.104Z"},
    "lifecycle": {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 365, "matchesPrefix": ["tmp/"]}},
                           {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"},
                            "condition": {"age": 30}}]},
    "labels": {"env": "prod"},
    "iamConfiguration": {"bucketPolicyOnly": {"enabled": True, "lockedTime": "2027-01-31T09:12:44.104Z"},
                         "uniformBucketLevelAccess": {"enabled": True, "lockedTime": "2027-01-31T09:12:44.104Z"},
                         "publicAccessPrevention": "enforced"},
    "locationType": "region", "rpo": "DEFAULT",
    "softDeletePolicy": {"retentionDurationSeconds": "604800", "effectiveTime": "2026-11-02T09:12:44.104Z"},
}
PARAMS = {"project": "meridian-prod", "name": "meridian-assets", "location": "europe-west1", "versioning": True,
          "default_kms_key_name": KEY, "retention_period": 86400, "labels": {"env": "prod"},
          "lifecycle_rules": [{"action": "SetStorageClass", "storage_class": "NEARLINE", "condition": {"age": 30}},
                              {"action": "Delete", "condition": {"age": 365, "matches_prefix": ["tmp/"]}}]}


def with_(**values):
    return dict(PARAMS, **values)


@pytest.mark.parametrize("params, field", [
    (with_(name="Meridian"), "name"),
    (with_(name="goog-assets"), "name"),
    (with_(name="a.b.example.com"), "name"),
    (with_(location=None), "location"),
    (with_(location="mars-north1!"), "location"),
    (with_(data_locations=["europe-west1", "europe-west4"]), "data_locations"),
    (with_(location="EU", data_locations=["europe-west1"], default_kms_key_name=None), "data_locations"),
    (with_(storage_class="COLD"), "storage_class"),
    (with_(public_access_prevention="unspecified"), "public_access_prevention"),
    (with_(default_kms_key_name="assets"), "default_kms_key_name"),
    (with_(default_kms_key_name=KEY.replace("europe-west1", "us")), "default_kms_key_name"),
    (with_(retention_period=-1), "retention_period"),
    (with_(retention_period=rules.MAX_RETENTION + 1), "retention_period"),
    (with_(retention_period=True), "retention_period"),
    (with_(lifecycle_rules=[{"action": "Archive", "condition": {"age": 1}}]), "lifecycle_rules[0].action"),
    (with_(lifecycle_rules=[{"action": "SetStorageClass", "condition": {"age": 1}}]), "lifecycle_rules[0].storage_class"),
    (with_(lifecycle_rules=[{"action": "Delete", "storage_class": "COLDLINE", "condition": {"age": 1}}]),
     "lifecycle_rules[0].storage_class"),
    (with_(lifecycle_rules=[{"action": "Delete", "condition": {}}]), "lifecycle_rules[0].condition"),
    (with_(lifecycle_rules=[{"action": "Delete", "condition": {"older_than": 3}}]),
     "lifecycle_rules[0].condition.older_than"),
    (with_(lifecycle_rules=[{"action": "Delete", "condition": {"age": 1}},
                            {"action": "Delete", "condition": {"age": -2}}]), "lifecycle_rules[1].condition.age"),
    (with_(lifecycle_rules=[{"action": "Delete", "condition": {"created_before": "2026-02-30"}}]),
     "lifecycle_rules[0].condition.created_before"),
    (with_(lifecycle_rules=[{"action": "Delete", "condition": {"is_live": "no"}}]),
     "lifecycle_rules[0].condition.is_live"),
    (with_(labels={"Env": "prod"}), "labels"),
    (with_(labels={"env": "Prod Env"}), "labels"),
    (with_(project="x"), "project"),
])
def test_an_invalid_option_is_named(params, field):
    with pytest.raises(GceError) as caught:
        rules.desired_bucket(params)
    assert caught.value.field == field


def test_desired_state_in_compared_form():
    want = rules.desired_bucket(with_(location="eu", default_kms_key_name=KEY.replace("europe-west1", "eu"),
                                      data_locations=["EUROPE-WEST4", "europe-west1"]))
    assert want["location"] == "EU" and want["data_locations"] == ["EUROPE-WEST1", "EUROPE-WEST4"]
    assert (want["uniform_bucket_level_access"], want["public_access_prevention"]) == (True, "enforced")
    assert "storage_class" not in want  # not given: not compared
    reordered = rules.desired_bucket(with_(lifecycle_rules=list(reversed(PARAMS["lifecycle_rules"]))))
    assert reordered["lifecycle_rules"] == want["lifecycle_rules"]  # the rules' order does not count
    assert {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"}, "condition": {"age": 30}} in \
        want["lifecycle_rules"]
    assert rules.desired_bucket({"project": "meridian-prod", "name": "meridian-assets", "state": "absent"}) == \
        {"name": "meridian-assets"}


def test_the_api_bucket_matches_the_options_that_made_it():
    """Lifecycle rules in another order, the location's case, defaults and output-only fields: no change."""
    plan = rules.plan(API_BUCKET, rules.desired_bucket(with_(storage_class="STANDARD")))
    assert (plan["action"], plan["changes"], plan["patch"]) == ("none", [], {})
    assert plan["before"] == plan["after"]


def test_server_defaults_count_as_values():
    """A bucket without versioning/retention/encryption fields compares equal to false / 0 / ''."""
    bare = {"name": "meridian-assets", "location": "EUROPE-WEST1", "metageneration": "1"}
    want = rules.desired_bucket({"project": "meridian-prod", "name": "meridian-assets", "location": "europe-west1",
                                 "versioning": False, "retention_period": 0, "default_kms_key_name": "",
                                 "storage_class": "STANDARD", "lifecycle_rules": [], "labels": {},
                                 "uniform_bucket_level_access": False, "public_access_prevention": "inherited"})
    assert rules.plan(bare, want)["changes"] == []


def test_an_update_patches_only_the_differing_options_with_the_metageneration():
    want = rules.desired_bucket(with_(versioning=False, labels={"env": "prod", "team": "edge"}, retention_period=0,
                                      public_access_prevention="inherited"))
    plan = rules.plan(API_BUCKET, want)
    assert plan["action"] == "update" and plan["metageneration"] == "3"
    assert plan["changes"] == ["labels", "public_access_prevention", "retention_period", "versioning"]
    assert plan["patch"] == {"labels": {"env": "prod", "team": "edge"}, "public_access_prevention": "inherited",
                             "retention_period": 0, "versioning": False}
    assert (plan["before"]["versioning"], plan["after"]["versioning"]) == (True, False)
    assert plan["before"]["retention_period"] == 86400


@pytest.mark.parametrize("values, field", [
    ({"location": "europe-west4", "default_kms_key_name": None}, "location"),
    ({"location": "EU", "data_locations": ["europe-west1", "europe-west4"], "default_kms_key_name": None},
     "location"),
])
def test_what_cannot_change_in_place_is_refused(values, field):
    with pytest.raises(GceError) as caught:
        rules.plan(API_BUCKET, rules.desired_bucket(with_(**values)))
    assert caught.value.field == field


def test_a_configurable_dual_region_keeps_its_regions():
    current = dict(API_BUCKET, location="EU", customPlacementConfig={"dataLocations": ["EUROPE-WEST1", "EUROPE-WEST4"]},
                   encryption={})
    same = dict(PARAMS, location="EU", data_locations=["europe-west4", "europe-west1"], default_kms_key_name=None)
    assert rules.plan(current, rules.desired_bucket(same))["changes"] == []
    with pytest.raises(GceError) as caught:
        rules.plan(current, rules.desired_bucket(dict(same, data_locations=["europe-west1", "europe-north1"])))
    assert caught.value.field == "data_locations"


def test_a_locked_retention_policy_is_never_changed():
    locked = dict(API_BUCKET, retentionPolicy=dict(API_BUCKET["retentionPolicy"], isLocked=True))
    assert rules.plan(locked, rules.desired_bucket(PARAMS))["changed"] is False
    assert rules.plan(locked, rules.desired_bucket(dict(PARAMS, retention_period=None)))["changed"] is False
    for period in (0, 3600, 172800):
        with pytest.raises(GceError) as caught:
            rules.plan(locked, rules.desired_bucket(with_(retention_period=period)))
        assert caught.value.field == "retention_period" and "locked" in caught.value.message
    unlocked = rules.plan(API_BUCKET, rules.desired_bucket(with_(retention_period=172800)))
    assert unlocked["patch"] == {"retention_period": 172800}


def test_uniform_access_can_be_turned_off_only_before_its_lock():
    want = rules.desired_bucket(with_(uniform_bucket_level_access=False))
    before_lock = datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)
    after_lock = datetime.datetime(2027, 2, 1, tzinfo=datetime.timezone.utc)
    assert rules.plan(API_BUCKET, want, now=before_lock)["patch"] == {"uniform_bucket_level_access": False}
    with pytest.raises(GceError) as caught:
        rules.plan(API_BUCKET, want, now=after_lock)
    assert caught.value.field == "uniform_bucket_level_access" and "2027-01-31" in caught.value.message


def test_create_and_delete_plans():
    created = rules.plan(None, rules.desired_bucket(PARAMS))
    assert (created["action"], created["before"], created["metageneration"]) == ("create", {}, None)
    assert "versioning" in created["changes"] and created["after"]["location"] == "EUROPE-WEST1"
    gone = rules.plan(API_BUCKET, {"name": "meridian-assets"}, state="absent")
    assert (gone["action"], gone["metageneration"], gone["after"]) == ("delete", "3", {})
    assert gone["before"]["labels"] == {"env": "prod"}
    assert rules.plan(None, {"name": "meridian-assets"}, state="absent")["changed"] is False


def test_objects_a_forced_delete_cannot_delete():
    now = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone.utc)
    objects = [{"name": "old.log", "timeCreated": "2026-11-01T09:00:00.000Z"},
               {"name": "new.log", "timeCreated": datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.timezone.utc)},
               {"name": "held.log", "timeCreated": "2026-10-01T00:00:00Z", "eventBasedHold": True}]
    assert rules.undeletable(objects, API_BUCKET, now=now) == [("new.log", "retained until 2026-11-03T09:30:00Z"),
                                                               ("held.log", "under an event-based hold")]
    without_policy = dict(API_BUCKET, retentionPolicy=None)
    assert rules.undeletable(objects, without_policy, now=now) == [("held.log", "under an event-based hold")]
