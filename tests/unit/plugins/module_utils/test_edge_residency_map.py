# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.edge.residency_map import (
    KVS_MAX_STORE_BYTES,
    ResidencyMapError,
    kvs_problems,
    residency_map,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import RegionSelectionError, find_region
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy

ESTATE = ["us-east-1", "eu-west-1"]


@pytest.fixture(scope="module")
def local_map():
    return residency_map(ESTATE)


def test_every_key_is_class_and_country_and_every_value_a_region_of_the_estate(local_map):
    classes = set(ResidencyPolicy().jurisdictions["default"]["rules"])
    assert classes == {"pii", "content_metadata", "operational", "payment"}
    for key, region in local_map.items():
        data_class, country = key.split(":")
        assert data_class in classes and len(country) == 2 and country.isupper()
        assert region in ESTATE
    assert len(local_map) > 900
    assert list(local_map) == sorted(local_map)


@pytest.mark.parametrize("key,region", [
    ("pii:DE", "eu-west-1"),          # EEA data stays in the EEA
    ("pii:FR", "eu-west-1"),
    ("pii:GB", "eu-west-1"),          # UK GDPR: the EEA is adequate, the US is not assumed
    ("pii:US", "us-east-1"),
    ("operational:US", "us-east-1"),  # nearest when both are allowed
    ("operational:DE", "eu-west-1"),
    ("operational:BR", "us-east-1"),
    ("operational:IN", "eu-west-1"),
    ("pii:JP", "eu-west-1"),          # APPI: the EU is designated, the US is not
])
def test_the_nearest_allowed_region_serves(local_map, key, region):
    assert local_map[key] == region


@pytest.mark.parametrize("key", ["pii:CN", "payment:IN", "payment:CN", "content_metadata:CN"])
def test_a_pair_no_region_may_serve_has_no_key(local_map, key):
    assert key not in local_map


def test_every_mapped_pair_is_allowed_by_the_one_residency_rule(local_map):
    policy = ResidencyPolicy()
    for key, region in local_map.items():
        data_class, country = key.split(":")
        assert policy.violation(data_class, country, find_region("aws/" + region, "r")["country"]) is None, key


def test_overrides_change_the_map():
    # an inventory that allows EU personal data in the US (e.g. with a DPF-certified processor)
    base = residency_map(["us-east-1"], data_classes=["pii"])
    assert "pii:DE" not in base
    opened = residency_map(["us-east-1"], overrides={"EU": {"pii": ["EEA", "US"]}}, data_classes=["pii"])
    assert opened["pii:DE"] == "us-east-1"
    assert all(key.startswith("pii:") for key in opened)


def test_host_variables_and_provider_prefixed_codes_are_regions_too():
    hosts = [{"meridian_region": "eu-west-1", "meridian_provider": "aws"}, "aws/us-east-1", "eu-west-1"]
    assert residency_map(hosts, data_classes=["pii"]) == residency_map(ESTATE, data_classes=["pii"])


def test_origins_become_origin_keys_and_every_region_needs_one():
    origins = {"eu-west-1": "alb-eu.example.com", "us-east-1": "alb-us.example.com", "ap-south-1": "ignored.example.com"}
    mapping = residency_map(ESTATE, data_classes=["pii"], origins=origins)
    assert mapping["origin:eu-west-1"] == "alb-eu.example.com"
    assert mapping["origin:us-east-1"] == "alb-us.example.com"
    assert "origin:ap-south-1" not in mapping
    with pytest.raises(ResidencyMapError, match=r"^origins.us-east-1: no origin domain name"):
        residency_map(ESTATE, origins={"eu-west-1": "alb-eu.example.com"})


@pytest.mark.parametrize("regions,kwargs,match", [
    ([], {}, r"^regions: expected a non-empty list"),
    ("eu-west-1", {}, r"^regions: expected a non-empty list"),
    ([None], {}, r"^regions\[0\]: expected a region code"),
    (ESTATE, {"data_classes": ["secret"]}, r"^data_classes\[0\]: no residency rule for data class 'secret'"),
    (ESTATE, {"data_classes": "pii"}, r"^data_classes: expected a non-empty list"),
    (ESTATE, {"origins": ["x"]}, r"^origins: expected a mapping"),
])
def test_bad_input_names_the_field(regions, kwargs, match):
    with pytest.raises(ResidencyMapError, match=match):
        residency_map(regions, **kwargs)


def test_an_unknown_region_names_its_position():
    with pytest.raises(RegionSelectionError, match=r"regions\[1\]"):
        residency_map(["eu-west-1", "mars-north-1"])


def test_the_map_fits_a_key_value_store(local_map):
    assert kvs_problems(local_map) == []
    assert sum(len(k) + len(v) for k, v in local_map.items()) < KVS_MAX_STORE_BYTES / 100


def test_kvs_quotas():
    assert kvs_problems({"k" * 513: "v"})[0].endswith("over the 512-byte key quota")
    assert kvs_problems({"k": "v" * 1025})[0].endswith("over the 1 KB value quota")
    assert kvs_problems({"k": 1}) == ["data['k']: keys and values are strings, got 1"]
    many = dict(("k%05d" % i, "v" * 1000) for i in range(5300))
    assert kvs_problems(many)[-1].endswith("over the 5 MB store quota")
