# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import RegionSelectionError
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy, copy_violations

REQUIRED = ["EU", "UK", "CH", "JP", "SG", "IN", "BR", "CA", "US", "AU", "KR", "CN"]


def test_policy_covers_required_jurisdictions_with_sources():
    policy = ResidencyPolicy(data_classes=["pii", "content_metadata", "operational", "payment"])
    for name in REQUIRED:
        assert name in policy.jurisdictions
        for data_class in ("pii", "content_metadata", "operational", "payment"):
            rule = policy.rule(name, data_class)
            assert rule["source"] and rule["basis"], (name, data_class)


@pytest.mark.parametrize("market,region,ok", [
    ("DE", "IE", True),      # within the EEA
    ("DE", "CH", True),      # adequacy decision
    ("DE", "US", False),     # DPF certification is not assumed
    ("DE", "SG", False),
    ("GB", "DE", True),
    ("CH", "FR", True),
    ("JP", "DE", True),      # PPC-designated
    ("JP", "US", False),
    ("CN", "CN", True),
    ("CN", "HK", False),     # mainland only
    ("HK", "SG", True),
    ("US", "CN", False),     # countries of concern
    ("US", "HK", False),
    ("US", "DE", True),
    ("BR", "US", True),
    ("ZA", "US", True),      # no rule recorded: anywhere
])
def test_pii_allowed(market, region, ok):
    policy = ResidencyPolicy(data_classes=["pii"])
    assert policy.allows(market, region)[0] is ok


def test_india_payment_data_stays_in_india():
    policy = ResidencyPolicy(data_classes=["payment"])
    assert policy.allows("IN", "IN")[0]
    allowed, reason = policy.allows("IN", "SG")
    assert not allowed and "payment" in reason
    assert ResidencyPolicy(data_classes=["pii"]).allows("IN", "SG")[0]


def test_operational_data_is_unrestricted():
    policy = ResidencyPolicy(data_classes=["operational"])
    assert policy.allows("CN", "US")[0]


def test_override_from_inventory():
    policy = ResidencyPolicy(overrides={"EU": {"pii": ["EEA", "US"]}}, data_classes=["pii"])
    assert policy.allows("DE", "US")[0]
    assert policy.rule("EU", "pii")["source"] == "inventory override"
    strict = ResidencyPolicy(overrides={"US": {"pii": {"allowed": ["US"]}}}, data_classes=["pii"])
    assert not strict.allows("US", "CA")[0]


def test_new_jurisdiction_needs_countries():
    with pytest.raises(RegionSelectionError, match="residency.RU"):
        ResidencyPolicy(overrides={"RU": {"pii": ["RU"]}})
    policy = ResidencyPolicy(overrides={"RU": {"countries": ["RU"], "pii": ["RU"]}}, data_classes=["pii"])
    assert policy.jurisdiction_of("RU") == "RU"
    assert not policy.allows("RU", "DE")[0]


def test_custom_data_class_with_rules():
    policy = ResidencyPolicy(data_classes={"pii": None, "health": {"AU": ["AU"], "*": ["*"]}})
    assert policy.data_classes == ["pii", "health"]
    assert not policy.allows("AU", "SG")[0]
    assert policy.allows("SG", "AU")[0]


def test_data_class_without_rule_is_rejected():
    with pytest.raises(RegionSelectionError) as err:
        ResidencyPolicy(data_classes=["pii", "biometrics"])
    assert err.value.field == "data_classes.biometrics"


def test_custom_class_needs_default_rule():
    with pytest.raises(RegionSelectionError, match="data_classes.health"):
        ResidencyPolicy(data_classes={"health": {"AU": ["AU"]}})


@pytest.mark.parametrize("rule", [["XX"], [], "EEA", {"denied": ["US"]}])
def test_bad_rules_are_rejected(rule):
    with pytest.raises(RegionSelectionError) as err:
        ResidencyPolicy(overrides={"EU": {"pii": rule}})
    assert err.value.field.startswith("residency.EU.pii")


# --- one rule for every cross-region copy (copy_violations, ResidencyPolicy.violation) -----------

@pytest.mark.parametrize("market,region", [("DE", "US"), ("DE", "IE"), ("US", "CN"), ("IN", "SG"), ("ZA", "US")])
def test_allows_and_violation_are_one_rule(market, region):
    policy = ResidencyPolicy(data_classes=["pii", "payment"])
    verdicts = [policy.violation(c, market, region) is None for c in ("pii", "payment")]
    assert policy.allows(market, region)[0] is all(verdicts)


def test_database_replica_from_ireland_to_virginia_is_a_violation():
    found = copy_violations([{"name": "meridian-local-db", "data_class": "pii"}], "eu-west-1", "us-east-1")
    assert len(found) == 1
    v = found[0]
    assert (v["name"], v["data_class"], v["jurisdiction"], v["from"], v["to"]) == ("meridian-local-db", "pii", "EU", "IE", "US")
    assert v["allowed"] == ["EEA", "EU_ADEQUATE"] and "2016/679" in v["source"]


def test_database_replica_from_virginia_to_ireland_is_allowed():
    assert copy_violations([{"name": "db", "data_class": "pii"}], "us-east-1", "eu-west-1") == []
    # operational data may go anywhere, even out of the EEA
    assert copy_violations([{"name": "logs", "data_class": "operational"}], "eu-west-1", "us-east-1") == []


def test_copy_violations_honours_the_inventory_overrides():
    assert copy_violations([{"name": "db", "data_class": "pii"}], "eu-west-1", "us-east-1",
                           {"EU": {"pii": ["EEA", "US"]}}) == []
    found = copy_violations([{"name": "db", "data_class": "pii"}], "us-east-1", "eu-west-1", {"US": {"pii": ["US"]}})
    assert [v["source"] for v in found] == ["inventory override"]


def test_copy_violations_works_for_gcp_regions():
    found = copy_violations([{"name": "db", "data_class": "pii"}], "europe-west1", "us-central1", provider="gcp")
    assert [(v["from"], v["to"]) for v in found] == [("BE", "US")]


@pytest.mark.parametrize("copy", [{"name": "db"}, {"name": "db", "data_class": ""}, {"name": "db", "data_class": None}])
def test_a_copy_without_data_class_names_its_field(copy):
    with pytest.raises(RegionSelectionError) as err:
        copy_violations([dict(copy, field="meridian_database.data_class")], "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_database.data_class"
    assert "no data class" in str(err.value)


def test_a_copy_with_an_unknown_data_class_names_its_field():
    with pytest.raises(RegionSelectionError) as err:
        copy_violations([{"name": "db", "data_class": "secrets", "field": "meridian_database.data_class"}],
                        "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_database.data_class"
    assert "'secrets'" in str(err.value)


def test_a_copy_to_an_unknown_region_names_the_variable():
    with pytest.raises(RegionSelectionError) as err:
        copy_violations([{"name": "db", "data_class": "pii"}], "eu-west-1", "eu-nowhere-1")
    assert err.value.field == "meridian_failover_region"
