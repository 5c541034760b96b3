# -*- coding: utf-8 -*-
"""gce.storage_plan: tags as labels, the storage role's buckets as gcs_bucket's options, owned buckets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.storage import bucket_plan
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import storage_plan
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import storage_resources as rules
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError


def test_labels_are_lowercase_with_safe_characters():
    tags = {"meridian:env": "prod", "Owner": "Data Team", "cost.centre": "R&D/42", "meridian:service": None}
    assert storage_plan.gcp_labels(tags) == {"meridian-env": "prod", "owner": "data-team", "cost-centre": "r-d-42",
                                             "meridian-service": ""}
    assert storage_plan.gcp_labels(None) == {} and storage_plan.gcp_labels({}) == {}
    long = storage_plan.gcp_labels({"k" * 80: "v" * 80})
    assert list(long) == ["k" * 63] and long["k" * 63] == "v" * 63
    # what comes out is what gcs_bucket accepts
    assert rules.desired_bucket({"name": "meridian-a", "location": "europe-west1", "project": "meridian-test",
                                 "labels": storage_plan.gcp_labels(tags)})["labels"]["owner"] == "data-team"


@pytest.mark.parametrize("tags, field, text", [
    ({"9lives": "x"}, "storage_tags.9lives", "start with a letter"),
    ({":env": "x"}, "storage_tags.:env", "start with a letter"),
    ({"meridian:env": "a", "meridian.env": "b"}, "storage_tags.meridian:env", "becomes the label 'meridian-env'"),
    (["env"], "storage_tags", "mapping"),
])
def test_labels_refuse_what_cannot_be_a_label(tags, field, text):
    with pytest.raises(GceError) as err:
        storage_plan.gcp_labels(tags)
    assert err.value.field == field and text in str(err.value)


BUCKETS = [
    {"name": "assets", "data_class": "content_metadata", "encryption": "AES256", "noncurrent_days": 30},
    {"name": "uploads", "data_class": "pii", "replicate": True, "noncurrent_days": 7, "expiration_days": 90,
     "gcp_kms_key_name": "projects/p/locations/eu/keyRings/r/cryptoKeys/k", "gcp_retention_days": 1},
]


def test_bucket_options_from_the_layout():
    layout = bucket_plan(BUCKETS, "meridian-prod", "europe-west1", "europe-west4")
    assets, uploads = storage_plan.gcs_bucket_plan(layout, "europe-west1", "europe-west4", {"meridian:env": "prod"})
    assert assets["error"] is None and assets["bucket"] == "meridian-prod-assets-europe-west1"
    assert assets["options"] == {
        "name": "meridian-prod-assets-europe-west1", "location": "EUROPE-WEST1", "versioning": True,
        "uniform_bucket_level_access": True, "public_access_prevention": "enforced", "default_kms_key_name": "",
        "labels": {"meridian-env": "prod", "meridian-data-class": "content_metadata"},
        "lifecycle_rules": [
            {"action": "Delete", "condition": {"days_since_noncurrent_time": 30, "is_live": False}},
            {"action": "AbortIncompleteMultipartUpload", "condition": {"age": 7}}]}
    assert uploads["error"] is None
    options = uploads["options"]
    assert options["location"] == "EU" and options["data_locations"] == ["EUROPE-WEST1", "EUROPE-WEST4"]
    assert options["default_kms_key_name"].endswith("/cryptoKeys/k") and options["retention_period"] == 86400
    assert {"action": "Delete", "condition": {"age": 90, "is_live": True}} in options["lifecycle_rules"]
    for item in (assets, uploads):  # gcs_bucket accepts them as they are
        rules.desired_bucket(dict(item["options"], project="meridian-prod"))


def test_what_cannot_be_built_is_an_error_per_bucket():
    layout = bucket_plan(BUCKETS, "meridian-prod", "europe-west1", "us-east1")
    assets, uploads = storage_plan.gcs_bucket_plan(layout, "europe-west1", "us-east1")
    assert assets["error"] is None
    assert uploads["error"]["field"] == "meridian_buckets[1].replicate"
    assert "uploads replicates to us-east1" in uploads["error"]["message"]
    assert uploads["options"]["location"] == "EUROPE-WEST1"  # teardown still finds it where it could be
    assert assets["unreplicated"] is None and uploads["unreplicated"] is None
    # or built in the region alone, saying so
    # (where the eu key of the dual-region cannot serve: named)
    _assets, uploads = storage_plan.gcs_bucket_plan(layout, "europe-west1", "us-east1", cross_continent="single_region")
    assert uploads["error"]["field"] == "meridian_buckets[1].gcp_kms_key_name"
    layout[1]["gcp_kms_key_name"] = None
    _assets, uploads = storage_plan.gcs_bucket_plan(layout, "europe-west1", "us-east1", cross_continent="single_region")
    assert uploads["error"] is None and uploads["options"]["location"] == "EUROPE-WEST1"
    assert "data_locations" not in uploads["options"]
    assert "kept in europe-west1 alone, with no copy in us-east1" in uploads["unreplicated"]
    with pytest.raises(GceError) as err:
        storage_plan.gcs_bucket_plan(layout, "europe-west1", "us-east1", cross_continent="yes")
    assert err.value.field == "storage_gcp_cross_continent"
    layout = bucket_plan([dict(BUCKETS[1], replicate=False)], "meridian-prod", "europe-west1", "us-east1")
    (uploads,) = storage_plan.gcs_bucket_plan(layout, "europe-west1", "us-east1")
    assert uploads["error"]["field"] == "meridian_buckets[0].gcp_kms_key_name"
    assert "own location, europe-west1" in uploads["error"]["message"]


def test_continents():
    assert storage_plan.continent("us-east1") == storage_plan.continent("northamerica-northeast1") == "US"
    assert storage_plan.continent("asia-east1") == "ASIA" and storage_plan.continent("me-west1") is None


def test_owned_buckets_carry_the_estate_labels():
    results = [{"resource": {"name": "a", "labels": {"meridian-env": "prod", "x": "y"}}},
               {"resource": {"name": "b", "labels": {"meridian-env": "staging"}}},
               {"resource": {}}, {"skipped": True}]
    assert storage_plan.gcs_owned(results, {"meridian:env": "prod"}) == ["a"]
