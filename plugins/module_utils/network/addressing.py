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
