# -*- coding: utf-8 -*-
"""module_utils/aws/storage.py bucket_drift: s3_bucket_info's facts against the storage role's settings."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.storage import StoragePlanError, bucket_drift, bucket_plan

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}
SETTINGS = {"versioning": True, "object_ownership": "BucketOwnerEnforced",
            "public_access": {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
                              "restrict_public_buckets": True}}
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"
BUCKETS = bucket_plan([{"name": "logs", "data_class": "operational", "encryption": "AES256"},
                       {"name": "static", "data_class": "content_metadata", "encryption": "aws:kms"}],
                      "meridian-local", "us-east-1")


def _found(bucket, algorithm, key=None):
    default = {"SSEAlgorithm": algorithm}
    if key:
        default["KMSMasterKeyID"] = key
    return {
        "name": bucket["bucket"],
        "bucket_versioning": {"Status": "Enabled"},
        "bucket_encryption": {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bool(key)}]}},
        "public_access_block": {"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}},
        "bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        "bucket_tagging": dict(TAGS, **{"Name": bucket["bucket"], "meridian:data-class": bucket["data_class"]}),
    }


CONVERGED = [_found(BUCKETS[0], "AES256"), _found(BUCKETS[1], "aws:kms", KEY),
             {"name": "someone-elses-us-east-1"}]


def test_converged_buckets_are_in_step():
    assert bucket_drift(CONVERGED, BUCKETS, SETTINGS, TAGS, KEY) == {}


def test_suspended_versioning_and_an_open_public_access_block():
    found = copy.deepcopy(CONVERGED)
    found[0]["bucket_versioning"]["Status"] = "Suspended"
    found[0]["public_access_block"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] = False
    out = bucket_drift(found, BUCKETS, SETTINGS, TAGS, KEY)
    assert list(out) == ["meridian-local-logs-us-east-1"]
    drift = out["meridian-local-logs-us-east-1"]
    assert drift["differs"] == ["public_access", "versioning"]
    assert drift["before"]["versioning"] == "Suspended" and drift["after"]["versioning"] == "Enabled"
    assert drift["before"]["public_access"]["block_public_policy"] is False


def test_a_missing_bucket_and_another_key():
    out = bucket_drift([CONVERGED[1]], BUCKETS, SETTINGS, TAGS, "arn:aws:kms:us-east-1:123456789012:key/other")
    assert out["meridian-local-logs-us-east-1"]["differs"] == ["absent"]
    assert out["meridian-local-logs-us-east-1"]["before"] == {}
    assert out["meridian-local-static-us-east-1"]["differs"] == ["encryption"]


def test_a_bucket_without_settings_read_back():
    out = bucket_drift([{"name": BUCKETS[0]["bucket"]}], BUCKETS[:1], SETTINGS, TAGS)
    assert out[BUCKETS[0]["bucket"]]["before"]["versioning"] == "Disabled"
    assert set(out[BUCKETS[0]["bucket"]]["differs"]) == {"encryption", "object_ownership", "public_access", "tags", "versioning"}


@pytest.mark.parametrize("found, settings, field", [({}, SETTINGS, "buckets"), ([], None, "settings")])
def test_bad_input(found, settings, field):
    with pytest.raises(StoragePlanError) as err:
        bucket_drift(found, BUCKETS, settings, TAGS)
    assert err.value.field == field
