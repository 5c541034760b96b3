# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.regions import catalog as rc


def test_catalog_covers_both_providers_with_unique_codes():
    regions = rc.regions()
    providers = set(r["provider"] for r in regions)
    assert providers == {"aws", "gcp"}
    codes = [r["code"] for r in regions]
    assert len(codes) == len(set(codes))
    assert len([r for r in regions if r["provider"] == "aws"]) >= 32
    assert len([r for r in regions if r["provider"] == "gcp"]) >= 40


@pytest.mark.parametrize("code,country,city", [
    ("ap-southeast-5", "MY", "Kuala Lumpur"),
    ("ap-east-1", "HK", "Hong Kong"),
    ("cn-north-1", "CN", "Beijing"),
    ("eu-central-2", "CH", "Zurich"),
    ("europe-west6", "CH", "Zurich"),
    ("northamerica-south1", "MX", "Santiago de Querétaro"),
])
def test_region_location(code, country, city):
    region = rc.find_region(code, "f")
    assert region["country"] == country
    assert region["city"] == city


def test_region_records_are_complete():
    for r in rc.regions():
        assert -90 <= r["latitude"] <= 90 and -180 <= r["longitude"] <= 180, r["key"]
        assert r["az_count"] >= 3, r["key"]
        assert r["opt_in"] in ("not-required", "opt-in-required", "separate-partition")
        assert 0.8 < r["price_index"] < 2.0, r["key"]
        assert r["jurisdiction"]


def test_jurisdictions_follow_policy():
    assert rc.find_region("eu-west-1", "f")["jurisdiction"] == "EU"
    assert rc.find_region("eu-west-2", "f")["jurisdiction"] == "UK"
    assert rc.find_region("ap-east-1", "f")["jurisdiction"] == "HK"
    assert rc.find_region("cn-northwest-1", "f")["jurisdiction"] == "CN"


def test_opt_in_and_partitions():
    assert rc.find_region("af-south-1", "f")["opt_in"] == "opt-in-required"
    assert rc.find_region("us-east-1", "f")["opt_in"] == "not-required"
    assert rc.find_region("cn-north-1", "f")["partition"] == "aws-cn"


def test_missing_price_uses_provider_median_and_is_flagged():
    region = rc.find_region("ap-south-2", "f")
    assert region["price_usd_hour"] is None and region["price_estimated"] is True
    assert rc.find_region("us-east-1", "f")["price_index"] == 1.0


def test_find_region_accepts_provider_prefix_and_rejects_unknown():
    assert rc.find_region("gcp/europe-west1", "x")["provider"] == "gcp"
    with pytest.raises(rc.RegionSelectionError) as err:
        rc.find_region("aws/europe-west1", "exclude_regions[0]")
    assert err.value.field == "exclude_regions[0]"
    with pytest.raises(rc.RegionSelectionError, match="unknown provider"):
        rc.find_region("azure/westeurope", "exclude_regions[1]")


def test_cities_cover_every_country_with_population():
    by_country = rc.cities_by_country()
    assert len(by_country) >= 240
    assert max(by_country["JP"], key=lambda c: c["population"])["name"] == "Tokyo"
    assert by_country["LU"]  # small countries have demand points too


@pytest.mark.parametrize("code,expected", [("de", "DE"), (" FR ", "FR"), ("HK", "HK")])
def test_normalize_country(code, expected):
    assert rc.normalize_country(code, "markets[0]") == expected


@pytest.mark.parametrize("code", ["XX", "DEU", "", 12, None])
def test_normalize_country_rejects(code):
    with pytest.raises(rc.RegionSelectionError) as err:
        rc.normalize_country(code, "markets[3]")
    assert str(err.value).startswith("markets[3]:")


@pytest.mark.parametrize("provider,present,absent", [
    ("aws", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"], ["eu-wset-1", "europe-west1"]),
    ("gcp", ["europe-west1", "us-central1"], ["eu-west-1", "us-east-1"]),
])
def test_known_regions_are_the_catalog_of_one_provider(provider, present, absent):
    known = rc.known_regions(provider)
    assert known == sorted(known)
    assert all(code in known for code in present)
    assert not any(code in known for code in absent)
    assert len(known) == len([r for r in rc.regions() if r["provider"] == provider])


def test_known_regions_of_an_unknown_provider_names_the_variable():
    with pytest.raises(rc.RegionSelectionError) as err:
        rc.known_regions("azure")
    assert err.value.field == "meridian_provider"
    assert "aws, gcp" in str(err.value)
