# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import NetworkPlanError
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.pin import (
    RegionPinError,
    build_pin,
    compare_pins,
    host_name,
    render_pin,
    validate_pin,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.plan import region_bounds, select_regions

LOCAL = {"markets": {"US": 4, "DE": 1, "FR": 1, "GB": 1}, "data_classes": ["operational"], "providers": ["aws"],
         "candidate_regions": ["us-east-1", "eu-west-1"], "regions": 2}


@pytest.fixture(scope="module")
def local_choice():
    return select_regions(LOCAL)


@pytest.fixture(scope="module")
def eu_choice():
    # the same demand with Frankfurt instead of Ireland on offer
    return select_regions(dict(LOCAL, candidate_regions=["us-east-1", "eu-central-1"]))


def test_candidate_regions_limit_the_choice(local_choice):
    assert [(r["region"], r["failover_region"], r["markets"]) for r in local_choice["regions"]] == [
        ("us-east-1", "eu-west-1", ["US"]), ("eu-west-1", "us-east-1", ["DE", "FR", "GB"])]
    reasons = dict((r["region"], r["reason"]) for r in local_choice["rejected"])
    assert reasons["eu-central-1"] == "not in candidate_regions"


def test_region_bounds():
    assert region_bounds({"regions": 2}) == (2, 2)
    assert region_bounds({}) == (1, 3)
    assert region_bounds({"min_regions": 4}) == (4, 4)


def test_build_pin_from_a_real_choice(local_choice):
    pin = build_pin(local_choice, "10.0.0.0/8", 16)
    assert [host_name(r) for r in pin["regions"]] == ["aws-us-east-1", "aws-eu-west-1"]
    assert pin["cidrs"] == {"aws/eu-west-1": "10.0.0.0/16", "aws/us-east-1": "10.1.0.0/16"}
    assert pin["regions"][0] == {"provider": "aws", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16",
                                 "failover_region": "eu-west-1", "markets": ["US"]}
    assert set(pin["summary"]["markets"]) == {"US", "DE", "FR", "GB"}
    assert pin["summary"]["cost"]["price_index_total"] > 0


def test_render_and_validate_round_trip(local_choice):
    pin = build_pin(local_choice, "10.0.0.0/8", 16, previous={"cidrs": {"aws/us-east-1": "10.10.0.0/16"}})
    text = render_pin(pin, ["a header", "", "accept with X"])
    assert text.startswith("# a header\n#\n# accept with X\n---\n")
    assert render_pin(pin, ["a header", "", "accept with X"]) == text  # deterministic
    again = validate_pin(yaml.safe_load(text))
    assert again["regions"] == pin["regions"]
    assert again["cidrs"] == pin["cidrs"]
    assert again["regions"][0]["vpc_cidr"] == "10.10.0.0/16"


def test_same_choice_no_change(local_choice):
    pinned = build_pin(local_choice, "10.0.0.0/8", 16)
    proposed = build_pin(local_choice, "10.0.0.0/8", 16, previous=pinned)
    assert proposed == pinned
    diff = compare_pins(pinned, proposed, local_choice["rejected"])
    assert diff == {"changed": False, "added": [], "removed": [], "modified": [], "order_changed": False, "reasons": []}


def test_new_choice_keeps_common_cidrs_and_explains(local_choice, eu_choice):
    pinned = build_pin(local_choice, "10.0.0.0/8", 16)
    proposed = build_pin(eu_choice, "10.0.0.0/8", 16, previous=pinned)
    assert proposed["regions"][0]["vpc_cidr"] == pinned["regions"][0]["vpc_cidr"]  # us-east-1 keeps its block
    assert proposed["cidrs"]["aws/eu-west-1"] == "10.0.0.0/16"  # reserved, not reused
    assert proposed["cidrs"]["aws/eu-central-1"] == "10.2.0.0/16"
    diff = compare_pins(pinned, proposed, eu_choice["rejected"])
    assert diff["changed"] and diff["added"] == ["aws/eu-central-1"] and diff["removed"] == ["aws/eu-west-1"]
    assert diff["modified"] == [{"region": "aws/us-east-1", "field": "failover_region",
                                 "pinned": "eu-west-1", "fresh": "eu-central-1"}]
    assert "add aws/eu-central-1 (VPC 10.2.0.0/16): serves DE, FR, GB, failover us-east-1" in diff["reasons"]
    assert "drop aws/eu-west-1: not in candidate_regions" in diff["reasons"]
    assert "aws/us-east-1: failover_region eu-west-1 -> eu-central-1" in diff["reasons"]


def test_markets_and_order_changes_are_changes(local_choice):
    pinned = build_pin(local_choice, "10.0.0.0/8", 16)
    moved = copy.deepcopy(pinned)
    moved["regions"][1]["markets"] = ["DE", "FR"]
    diff = compare_pins(pinned, moved)
    assert diff["changed"] and diff["modified"][0]["field"] == "markets"
    assert diff["reasons"] == ["aws/eu-west-1: markets DE, FR, GB -> DE, FR"]
    swapped = copy.deepcopy(pinned)
    swapped["regions"].reverse()
    diff = compare_pins(pinned, swapped)
    assert diff["changed"] and diff["order_changed"] and not diff["modified"]
    assert "the first region is the primary" in diff["reasons"][0]


def test_pool_too_small_for_a_new_region(local_choice, eu_choice):
    pinned = build_pin(local_choice, "10.0.0.0/15", 16)
    with pytest.raises(NetworkPlanError, match="cidr_pool: no free /16 left in 10.0.0.0/15 for aws/eu-central-1"):
        build_pin(eu_choice, "10.0.0.0/15", 16, previous=pinned)


@pytest.mark.parametrize("mutate, text", [
    (lambda p: p.update(version=2), "version 2 is not 1"),
    (lambda p: p.update(regions=[]), "regions must be a non-empty list"),
    (lambda p: p["regions"][0].pop("vpc_cidr"), "regions[0] needs provider, region and vpc_cidr"),
    (lambda p: p["regions"].append(dict(p["regions"][0])), "regions[2]: aws/us-east-1 is listed twice"),
    (lambda p: p["regions"][0].update(vpc_cidr="10.9.0.0/16"), "has vpc_cidr 10.9.0.0/16 but cidrs says 10.1.0.0/16"),
    (lambda p: p["cidrs"].update({"aws/old": "10.0.128.0/17"}), "aws/eu-west-1 10.0.0.0/16 overlaps aws/old 10.0.128.0/17"),
    (lambda p: p["cidrs"].update({"aws/old": "10.1.0.0/33"}), "not a valid network CIDR"),
    (lambda p: p.update(cidrs=["10.0.0.0/16"]), "cidrs must be a mapping"),
])
def test_bad_pin_names_the_file_and_the_fix(local_choice, mutate, text):
    pin = build_pin(local_choice, "10.0.0.0/8", 16)
    mutate(pin)
    with pytest.raises(RegionPinError) as err:
        validate_pin(pin, "inv/.x.pin.yml")
    assert err.value.field == "pin_file"
    assert str(err.value).startswith("pin_file: inv/.x.pin.yml: ")
    assert text in str(err.value)
    assert "restore it from version control" in str(err.value)


def test_not_a_mapping():
    with pytest.raises(RegionPinError, match="expected a mapping"):
        validate_pin(["x"])
