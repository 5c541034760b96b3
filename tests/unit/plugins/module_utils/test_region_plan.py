# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.regions import catalog as rc
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import latency as rl
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.plan import build_demand, select_regions
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy


def run(**options):
    options.setdefault("max_cities_per_market", 20)
    return select_regions(options)


def test_europe_and_japan_are_served_in_place_with_partners():
    out = run(markets=["DE", "FR", "JP"], latency_slo_ms=150, max_regions=2)
    assert out["solver"] == dict(out["solver"], method="milp-highs", optimal=True)
    chosen = dict((e["region"], e) for e in out["regions"])
    assert len(chosen) == 2
    policy = ResidencyPolicy()
    for entry in out["regions"]:
        assert set(entry) >= {"provider", "region", "failover_region", "markets"}
        assert entry["failover_region"] and entry["failover_region"] != entry["region"]
        assert entry["failover_distance_km"] >= 300
        partner = rc.find_region(entry["failover_region"], "t")
        for market in entry["markets"]:
            assert policy.allows(out["markets"][market]["country"], entry["country"])[0]
            assert policy.allows(out["markets"][market]["country"], partner["country"])[0]
    assert out["markets"]["JP"]["regions"] and all(rc.find_region(r, "t")["country"] in ("JP", "KR")
                                                   for r in out["markets"]["JP"]["regions"])
    for label in ("DE", "FR", "JP"):
        m = out["markets"][label]
        assert m["meets_slo"] and m["p50_ms"] <= m["p95_ms"] <= 150


def test_every_other_candidate_has_a_reason():
    out = run(markets=["GB"], regions=1, providers=["aws"])
    rejected = dict((e["region"], e["reason"]) for e in out["rejected"])
    assert out["regions"][0]["region"] not in rejected
    assert len(rejected) == len(rc.regions()) - 1
    assert rejected["europe-west2"] == "provider gcp is not in providers"
    assert rejected["cn-north-1"].startswith("restricted partition")
    assert rejected["eu-west-1"].startswith("not optimal")


def test_eu_pii_never_leaves_adequate_countries():
    out = run(markets=["DE", "US"], regions=1, data_classes=["pii"], latency_slo_ms=300)
    region = out["regions"][0]
    policy = ResidencyPolicy(data_classes=["pii"])
    assert policy.allows("DE", region["country"])[0] and policy.allows("US", region["country"])[0]


def test_china_needs_the_china_partition():
    with pytest.raises(rc.RegionSelectionError) as err:
        run(markets=["CN"])
    assert err.value.field == "data_classes" and err.value.markets == ["CN"]
    out = run(markets=["CN"], include_restricted_partitions=True, regions=1)
    assert out["regions"][0]["region"] in ("cn-north-1", "cn-northwest-1")
    assert out["regions"][0]["failover_region"] in ("cn-north-1", "cn-northwest-1")


def test_india_payment_data_only_in_india():
    out = run(markets={"IN": 1, "SG": 1}, data_classes=["pii", "payment"], providers=["aws"], regions=2)
    india = [e for e in out["regions"] if "IN" in e["markets"]]
    assert india and all(e["country"] == "IN" for e in india)
    assert all(rc.find_region(e["failover_region"], "t")["country"] == "IN" for e in india)


def test_cost_weight_reduces_regions():
    cheap = run(markets=["US", "DE", "JP"], max_regions=3, cost_weight=1000)
    assert len(cheap["regions"]) == 1
    fast = run(markets=["US", "DE", "JP"], max_regions=3, cost_weight=0)
    assert len(fast["regions"]) == 3
    assert fast["objective"]["mean_latency_ms"] < cheap["objective"]["mean_latency_ms"]


def test_filters_min_azs_features_and_exclusions():
    out = run(markets=["US"], regions=1, min_azs=4)
    assert out["regions"][0]["region"] in ("us-east-1", "us-west-2", "us-central1")
    assert out["regions"][0]["failover_region"] in ("us-east-1", "us-west-2", "us-central1")
    # only us-east-1 has six zones: no partner left for failover
    with pytest.raises(rc.RegionSelectionError) as err:
        run(markets=["US"], regions=1, min_azs=6)
    assert err.value.field == "failover_min_km" and err.value.markets == ["US"]
    out = run(markets=["US"], regions=1, min_azs=6, failover_required=False)
    assert out["regions"][0]["region"] == "us-east-1"
    out = run(markets=["DE"], regions=1, required_features=["c3-standard-4"], exclude_regions=["gcp/europe-west3"])
    assert out["regions"][0]["provider"] == "gcp" and out["regions"][0]["region"] != "europe-west3"


def test_explicit_cities_are_their_own_markets():
    out = run(markets=[{"city": "Paris", "country": "FR"},
                       {"name": "Perth office", "latitude": -31.95, "longitude": 115.86, "country": "AU", "weight": 5}],
              regions=2)
    assert set(out["markets"]) == {"FR/Paris", "AU/Perth office"}
    assert out["markets"]["AU/Perth office"]["regions"]


def test_every_packaged_country_is_a_valid_market():
    # includes GeoNames-only codes (XK); a city of population 0 is not demand (Plymouth, MS)
    populated = sorted(cc for cc, cities in rc.cities_by_country().items() if any(c["population"] for c in cities))
    assert "XK" in populated and "MS" in populated
    points, labels = build_demand(populated, max_cities=1)
    assert labels == populated
    assert all(p["weight"] > 0 for p in points)
    # Palau's only packaged city reports population 0: the error says how to give its demand
    with pytest.raises(rc.RegionSelectionError, match="no population data for PW"):
        build_demand(["PW"])


def test_zero_weight_market_is_left_out():
    out = run(markets={"DE": 0, "FR": 1}, latency_slo_ms=100, regions=1)
    assert set(out["markets"]) == {"FR"}


def test_demand_weights_per_country():
    points, labels = build_demand({"DE": 3, "FR": 1}, max_cities=5)
    assert labels == ["DE", "FR"]
    de = sum(p["weight"] for p in points if p["country"] == "DE")
    fr = sum(p["weight"] for p in points if p["country"] == "FR")
    assert de == pytest.approx(3.0) and fr == pytest.approx(1.0)


@pytest.mark.parametrize("options,field", [
    ({"markets": ["XX"]}, "markets[0]"),
    ({"markets": ["DE", "ZZ"]}, "markets[1]"),
    ({"markets": {"DE": 0, "FR": 0}}, "markets"),
    ({"markets": {"DE": -1}}, "markets.DE"),
    ({"markets": {"DE": "lots"}}, "markets.DE"),
    ({"markets": []}, "markets"),
    ({"markets": [{"city": "Atlantis", "country": "GR"}]}, "markets[0].city"),
    ({"markets": ["DE"], "data_classes": ["genome"]}, "data_classes.genome"),
    ({"markets": ["DE"], "providers": ["azure"]}, "providers[0]"),
    ({"markets": ["DE"], "exclude_regions": ["eu-west-9"]}, "exclude_regions[0]"),
    ({"markets": ["DE"], "required_features": ["tpu"]}, "required_features[0]"),
    ({"markets": ["DE"], "latency_slo_ms": -5}, "latency_slo_ms"),
    ({"markets": ["DE"], "latency_percentile": 120}, "latency_percentile"),
    ({"markets": ["DE"], "min_regions": 3, "max_regions": 2}, "min_regions"),
    ({"markets": ["DE"], "regions": 2, "max_regions": 2}, "regions"),
    ({"markets": ["DE"], "cost_weight": "cheap"}, "cost_weight"),
    ({"markets": ["DE"], "residency": {"EU": {"pii": ["XX"]}}}, "residency.EU.pii.allowed[0]"),
    ({"markets": ["DE"], "colour": "blue"}, "colour"),
])
def test_bad_input_names_the_field(options, field):
    with pytest.raises(rc.RegionSelectionError) as err:
        run(**options)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")


def test_unreachable_slo_names_markets():
    with pytest.raises(rc.RegionSelectionError) as err:
        run(markets=["DE", "NZ", "FR"], latency_slo_ms=30, providers=["aws"])
    assert err.value.field == "latency_slo_ms"
    assert err.value.markets == ["NZ"]


def test_too_few_regions_names_markets():
    with pytest.raises(rc.RegionSelectionError) as err:
        run(markets=["DE", "AU", "BR"], latency_slo_ms=120, max_regions=2)
    assert err.value.field == "max_regions"
    assert len(err.value.markets) == 1 and err.value.markets[0] in ("DE", "AU", "BR")


def test_failover_distance_binding():
    # Swiss pii restricted to Switzerland: both Swiss regions are in Zurich
    with pytest.raises(rc.RegionSelectionError) as err:
        run(markets=["CH"], residency={"CH": {"pii": ["CH"]}}, data_classes=["pii"])
    assert err.value.field == "failover_min_km" and err.value.markets == ["CH"]
    out = run(markets=["CH"], residency={"CH": {"pii": ["CH"]}}, data_classes=["pii"], failover_required=False, regions=1)
    assert out["regions"][0]["country"] == "CH"


def test_latency_model_reported():
    out = run(markets=["SG"], regions=1)
    assert out["latency_model"]["ms_per_km"] == pytest.approx(rl.model()["ms_per_km"], rel=1e-4)
    assert "not legal advice" in out["disclaimer"]


def test_greedy_fallback_is_reported(monkeypatch):
    from ansible_collections.meridian.global_infra.plugins.module_utils.regions import optimize as ro
    monkeypatch.setattr(ro, "HAS_MILP", False)
    out = run(markets=["DE", "JP"], regions=2)
    assert out["solver"]["method"] == "greedy" and out["solver"]["optimal"] is False
