# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    NetworkPlanError,
    allocate_cidrs,
    check_pool_size,
    find_overlaps,
    pool_capacity,
    vpc_pool,
)


def test_new_regions_take_the_lowest_free_blocks_in_key_order():
    ledger = allocate_cidrs("10.0.0.0/8", 16, ["aws/us-east-1", "aws/eu-west-1"])
    assert ledger == {"aws/eu-west-1": "10.0.0.0/16", "aws/us-east-1": "10.1.0.0/16"}


def test_existing_blocks_never_move_and_new_ones_skip_them():
    existing = {"aws/us-east-1": "10.10.0.0/16", "aws/eu-west-1": "10.0.0.0/16"}
    ledger = allocate_cidrs("10.0.0.0/8", 16, ["aws/us-east-1", "aws/ap-south-1", "aws/sa-east-1"], existing)
    assert ledger["aws/us-east-1"] == "10.10.0.0/16"
    # eu-west-1 is no longer wanted but keeps its block reserved
    assert ledger["aws/eu-west-1"] == "10.0.0.0/16"
    assert ledger["aws/ap-south-1"] == "10.1.0.0/16"
    assert ledger["aws/sa-east-1"] == "10.2.0.0/16"
    assert find_overlaps([{"name": k, "cidr": v} for k, v in ledger.items()]) == []


def test_a_region_chosen_again_gets_its_old_block_back():
    first = allocate_cidrs("10.0.0.0/8", 16, ["aws/a", "aws/b"])
    second = allocate_cidrs("10.0.0.0/8", 16, ["aws/b", "aws/c"], first)
    third = allocate_cidrs("10.0.0.0/8", 16, ["aws/a", "aws/c"], second)
    assert third["aws/a"] == first["aws/a"]
    assert third["aws/c"] == second["aws/c"]
    assert len(set(third.values())) == 3


def test_allocation_skips_existing_blocks_of_other_sizes():
    existing = {"x": "10.0.0.0/17", "y": "10.1.0.0/24", "z": "10.2.128.0/20"}
    ledger = allocate_cidrs("10.0.0.0/14", 16, ["n1"], existing)
    assert ledger["n1"] == "10.3.0.0/16"
    assert allocate_cidrs("10.0.0.0/14", 24, ["n1"], existing)["n1"] == "10.0.128.0/24"
    with pytest.raises(NetworkPlanError, match=r"cidr_pool: no free /16 left in 10.0.0.0/14 for n1"):
        allocate_cidrs("10.0.0.0/14", 16, ["n1"], dict(existing, w="10.3.5.0/24"))


@pytest.mark.parametrize("count", [1, 7, 64])
def test_allocations_are_disjoint_aligned_and_inside_the_pool(count):
    pool = ipaddress.ip_network("172.16.0.0/12")
    keys = ["aws/r%02d" % i for i in range(count)]
    ledger = allocate_cidrs(str(pool), 20, keys, {"old": "172.16.16.0/20"})
    nets = [ipaddress.ip_network(v) for k, v in ledger.items() if k != "old"]
    assert len(nets) == count
    assert all(n.subnet_of(pool) and n.prefixlen == 20 for n in nets)
    assert find_overlaps([{"name": k, "cidr": v} for k, v in ledger.items()]) == []


def test_exhausted_pool_names_the_field_and_the_fix():
    with pytest.raises(NetworkPlanError) as err:
        allocate_cidrs("10.0.0.0/15", 16, ["a", "b", "c"])
    assert err.value.field == "cidr_pool"
    assert str(err.value).startswith("cidr_pool: no free /16 left in 10.0.0.0/15 for c")
    assert "use a larger cidr_pool or a longer cidr_prefix" in str(err.value)


def test_overlapping_existing_blocks_are_refused():
    with pytest.raises(NetworkPlanError, match="pin cidrs: b 10.0.128.0/17 overlaps a 10.0.0.0/16"):
        allocate_cidrs("10.0.0.0/8", 16, ["a"], {"a": "10.0.0.0/16", "b": "10.0.128.0/17"}, existing_field="pin cidrs")


@pytest.mark.parametrize("pool, prefix, field, text", [
    ("10.0.0.1/8", 16, "cidr_pool", "is not a network CIDR"),
    ("banana", 16, "cidr_pool", "give one such as 10.0.0.0/8"),
    ("fd00::/8", 16, "cidr_pool", "is not IPv4"),
    ("10.0.0.0/8", 12, "cidr_prefix", "use a prefix from /16 to /28"),
    ("10.0.0.0/8", 29, "cidr_prefix", "is not a VPC size"),
    ("10.0.0.0/20", 16, "cidr_prefix", "do not fit in cidr_pool 10.0.0.0/20"),
    ("10.0.0.0/8", "sixteen", "cidr_prefix", "expected a prefix length"),
])
def test_bad_pool_names_the_field(pool, prefix, field, text):
    with pytest.raises(NetworkPlanError) as err:
        vpc_pool(pool, prefix)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")
    assert text in str(err.value)


def test_pool_size_check():
    net, length = vpc_pool("10.0.0.0/15", 16)
    assert pool_capacity(net, length) == 2
    check_pool_size(net, length, 2, "two")
    with pytest.raises(NetworkPlanError, match=r"cidr_pool: 10.0.0.0/15 holds 2 /16 block\(s\) but up to 3 regions"):
        check_pool_size(net, length, 3, "up to 3 regions may be chosen")
