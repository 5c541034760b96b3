# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure address-plan helpers: subnet layout per availability zone and CIDR overlap detection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import ipaddress


class NetworkPlanError(MeridianError):
    """An address plan that cannot work; the message names the field and the fix."""

    def __init__(self, msg, field=None):
        super(NetworkPlanError, self).__init__(field, msg, prefix=False)


def _network(value, field):
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError as err:
        raise NetworkPlanError("%s: %r is not a valid network CIDR (%s)" % (field, value, err))


def find_overlaps(named_cidrs, field=None):
    """Return every overlapping pair among named CIDRs.

    named_cidrs: list of {"name": str, "cidr": str}; `field` (the variable the CIDRs come from) is
    named in the error for an invalid CIDR. Returns a list of
    {"a": name, "a_cidr": cidr, "b": name, "b_cidr": cidr}, sorted, each pair once.
    """
    parsed = [(item["name"], _network(item["cidr"], "%s (%s)" % (field, item["name"]) if field else item["name"]))
              for item in named_cidrs]
    overlaps = []
    for i, (name_a, net_a) in enumerate(parsed):
        for name_b, net_b in parsed[i + 1:]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):
                overlaps.append({"a": name_a, "a_cidr": str(net_a), "b": name_b, "b_cidr": str(net_b)})
    return sorted(overlaps, key=lambda o: (o["a"], o["b"]))


def subnet_layout(vpc_cidr, zones, new_prefix, public=None, private=None):
    """Lay out one public and one private subnet per zone inside vpc_cidr.

    Explicit `public` / `private` CIDR lists win over the computed layout (public subnets take the
    first blocks of size new_prefix, private the next ones). Every subnet must sit inside the VPC,
    and no two subnets may overlap. Returns a list of {"tier", "az", "cidr", "index"}.
    """
    vpc = _network(vpc_cidr, "network_vpc_cidr")
    zones = list(zones)
    if not zones:
        raise NetworkPlanError("no availability zones: the region reported none available")
    if not vpc.prefixlen < new_prefix <= (32 if vpc.version == 4 else 128):
        raise NetworkPlanError(
            "network_subnet_prefix: /%d does not fit inside network_vpc_cidr %s; use a prefix between /%d and /28"
            % (new_prefix, vpc, vpc.prefixlen + 1))
    blocks = vpc.subnets(new_prefix=new_prefix)
    computed = [str(block) for block, _zone in zip(blocks, zones + zones)]
    if len(computed) < 2 * len(zones):
        raise NetworkPlanError(
            "network_vpc_cidr %s holds fewer than %d /%d subnets (2 per zone): use a larger VPC or a longer prefix"
            % (vpc, 2 * len(zones), new_prefix))
    tiers = {"public": list(public) if public else computed[:len(zones)],
             "private": list(private) if private else computed[len(zones):]}
    layout = []
    for tier in ("public", "private"):
        field = "network_%s_subnet_cidrs" % tier
        if len(tiers[tier]) != len(zones):
            raise NetworkPlanError("%s: %d CIDRs given for %d availability zones; give one per zone"
                                   % (field, len(tiers[tier]), len(zones)))
        for index, (zone, cidr) in enumerate(zip(zones, tiers[tier])):
            net = _network(cidr, "%s[%d]" % (field, index))
            if not net.subnet_of(vpc):
                raise NetworkPlanError("%s[%d]: %s is outside network_vpc_cidr %s" % (field, index, net, vpc))
            layout.append({"tier": tier, "az": zone, "cidr": str(net), "index": index})
    overlaps = find_overlaps([{"name": "%s:%s" % (s["tier"], s["az"]), "cidr": s["cidr"]} for s in layout])
    if overlaps:
        first = overlaps[0]
        raise NetworkPlanError("subnet CIDRs overlap: %s %s and %s %s; give each subnet its own block"
                               % (first["a"], first["a_cidr"], first["b"], first["b_cidr"]))
    return layout


# AWS accepts VPC CIDRs from /16 to /28; the network role builds one VPC per region from network_vpc_cidr.
VPC_PREFIX_RANGE = (16, 28)


def vpc_pool(pool, prefix, pool_field="cidr_pool", prefix_field="cidr_prefix"):
    """Validate a pool of VPC CIDRs; return (ipaddress network, prefix length).

    The pool must be an IPv4 network without host bits; the prefix must be a VPC size
    (/16 to /28) no shorter than the pool's.
    """
    try:
        net = ipaddress.ip_network(str(pool), strict=True)
    except ValueError as err:
        raise NetworkPlanError("%s: %r is not a network CIDR (%s); give one such as 10.0.0.0/8" % (pool_field, pool, err),
                               field=pool_field)
    if net.version != 4:
        raise NetworkPlanError("%s: %s is not IPv4; VPC CIDRs are IPv4, give a private IPv4 network such as 10.0.0.0/8"
                               % (pool_field, net), field=pool_field)
    if isinstance(prefix, bool):
        prefix = None
    try:
        length = int(prefix)
    except (TypeError, ValueError):
        raise NetworkPlanError("%s: expected a prefix length such as 16, got %r" % (prefix_field, prefix), field=prefix_field)
    low, high = VPC_PREFIX_RANGE
    if not low <= length <= high:
        raise NetworkPlanError("%s: /%d is not a VPC size; use a prefix from /%d to /%d" % (prefix_field, length, low, high),
                               field=prefix_field)
    if length < net.prefixlen:
        raise NetworkPlanError("%s: /%d blocks do not fit in %s %s; use a prefix of /%d or longer, or a larger %s"
                               % (prefix_field, length, pool_field, net, net.prefixlen, pool_field), field=prefix_field)
    return net, length


def pool_capacity(net, length):
    """Number of /length blocks in the network."""
    return 2 ** (length - net.prefixlen)


def check_pool_size(net, length, needed, what, pool_field="cidr_pool", prefix_field="cidr_prefix"):
    """Raise unless the pool holds at least `needed` blocks; `what` says where the number comes from."""
    capacity = pool_capacity(net, length)
    if capacity < needed:
        raise NetworkPlanError("%s: %s holds %d /%d block(s) but %s; use a larger %s or a longer %s"
                               % (pool_field, net, capacity, length, what, pool_field, prefix_field), field=pool_field)


def allocate_cidrs(pool, prefix, keys, existing=None, pool_field="cidr_pool", prefix_field="cidr_prefix",
                   existing_field="cidrs"):
    """Give every key a VPC CIDR of size /prefix from the pool; keys that have one keep it.

    existing: mapping key -> CIDR of earlier allocations (including keys no longer wanted: their
    blocks stay reserved, so a retired region's block is never handed to another and the region gets
    it back when chosen again). Existing blocks never move, even when the pool or prefix changed.
    New keys, in sorted order, take the lowest free block of the pool that overlaps no existing block.
    Returns a new dict key -> CIDR: every existing entry plus one per new key.
    """
    net, length = vpc_pool(pool, prefix, pool_field, prefix_field)
    ledger = {}
    taken = []
    for key in sorted(existing or {}):
        block = _network(existing[key], "%s.%s" % (existing_field, key))
        for other_key, other in taken:
            if other.version == block.version and other.overlaps(block):
                raise NetworkPlanError("%s: %s %s overlaps %s %s; every region needs its own block"
                                       % (existing_field, key, block, other_key, other), field=existing_field)
        taken.append((key, block))
        ledger[key] = str(block)
    for key in sorted(set(keys) - set(ledger)):
        block = _first_free(net, length, [b for _k, b in taken])
        if block is None:
            raise NetworkPlanError("%s: no free /%d left in %s for %s (%d block(s) in use); use a larger %s or a longer %s, "
                                   "or drop torn-down regions from the pin file's cidrs"
                                   % (pool_field, length, net, key, len(taken), pool_field, prefix_field), field=pool_field)
        taken.append((key, block))
        ledger[key] = str(block)
    return ledger


def _first_free(net, length, taken):
    """Lowest /length block of net overlapping none of `taken`, or None; skips past each obstacle."""
    size = 2 ** (32 - length)
    start = int(net.network_address)
    end = int(net.broadcast_address)
    candidate = start
    obstacles = sorted((int(b.network_address), int(b.broadcast_address)) for b in taken if b.version == 4)
    while candidate + size - 1 <= end:
        hit = [(lo, hi) for lo, hi in obstacles if lo <= candidate + size - 1 and hi >= candidate]
        if not hit:
            return ipaddress.ip_network("%s/%d" % (ipaddress.ip_address(candidate), length))
        # jump to the first aligned block after the highest obstacle that hit
        past = max(hi for _lo, hi in hit) + 1
        candidate = ((past + size - 1) // size) * size
    return None
