# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unmanaged resources: what is in the estate's VPCs, or carries its tags, that the code does not declare (pure).

Check mode compares what the code declares with what exists; it cannot see what exists and is not
declared. This is that other view. It is built on teardown's own rules (``aws.teardown``): a
resource is the estate's when it carries every one of the estate's tags (``carries_tags``), and
what is left inside a VPC is listed the way teardown lists what stops a VPC's deletion
(``vpc_leftovers``), so that the scan and teardown never disagree on what belongs to the estate.

A resource is unmanaged when it is
- inside a VPC of the estate without the estate's tags (someone else's: teardown leaves it);
- an EC2 instance in such a VPC without the tags, or with them but not launched by one of the
  declared Auto Scaling groups;
- a VPC with the estate's tags that is not one of the declared VPCs;
- of a kind the run declares IDs for (``declared``), with the estate's tags and an ID not declared.
Network interfaces are left out unless unattached and named by nothing: an attached one belongs to an
instance (listed itself) or a load balancer (requester-managed), and a NAT gateway's or a VPC
endpoint's interface is named by the gateway or endpoint (listed themselves).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import teardown

_INSTANCE_GONE = ("shutting-down", "terminated")


def _declared(declared):
    if declared is None:
        return {}
    if not isinstance(declared, dict):
        raise teardown.TeardownError("%r: expected a dict of resource kind -> list of IDs the run declares" % (declared,),
                                     "declared")
    return dict((str(k), set(v or [])) for k, v in declared.items())


def _unattached(interfaces, nat_gateways=(), vpc_endpoints=()):
    """The network interfaces that belong to nothing listed: not attached, not requester-managed, and
    not named by a NAT gateway's addresses or a VPC endpoint (those are reported themselves)."""
    owned = set()
    for g in nat_gateways or []:
        for address in g.get("NatGatewayAddresses", g.get("nat_gateway_addresses", [])) or []:
            owned.add(address.get("NetworkInterfaceId", address.get("network_interface_id")))
    for e in vpc_endpoints or []:
        owned.update(e.get("NetworkInterfaceIds", e.get("network_interface_ids", [])) or [])
    return [n for n in interfaces or []
            if not n.get("RequesterManaged", n.get("requester_managed"))
            and str(n.get("Status", n.get("status", ""))).lower() == "available"
            and n.get("NetworkInterfaceId", n.get("network_interface_id")) not in owned]


def instance_entries(instances, tags, vpc_id):
    """The instances of one VPC in vpc_leftovers' entry shape, with their Auto Scaling group."""
    out = []
    for i in instances or []:
        state = (i.get("State") or {}).get("Name", i.get("state", ""))
        if i.get("VpcId", vpc_id) != vpc_id or state in _INSTANCE_GONE:
            continue
        have = teardown.resource_tags(i)
        out.append({
            "kind": "instance",
            "id": i.get("InstanceId", i.get("instance_id", "")),
            "name": have.get("Name", ""),
            "estate": teardown.carries_tags(i, tags),
            "detail": have.get("aws:autoscaling:groupName", ""),
        })
    return out


def unmanaged(region, tags, estate_vpcs, contents, declared=None, declared_autoscaling_groups=None):
    """The unmanaged resources of one region: [{kind, id, name, vpc_id, region, reason}], sorted.

    ``estate_vpcs`` are the VPCs scanned (each a DescribeVpcs record); ``contents`` maps a VPC ID to
    {subnets, security_groups, route_tables, network_interfaces, internet_gateways, nat_gateways,
    vpc_endpoints, instances} (boto3 records); ``declared`` maps a kind (``vpc``, ``subnet``,
    ``security_group``, ``route_table``, ``internet_gateway``, ``nat_gateway``) to the IDs the run
    declares; ``declared_autoscaling_groups`` the names of the declared groups (None: not checked).
    """
    tags = teardown._check_tags(tags, "tags")
    declared = _declared(declared)
    groups = None if declared_autoscaling_groups is None else set(declared_autoscaling_groups)
    out = []

    def add(entry, vpc_id, reason):
        out.append({"kind": entry["kind"], "id": entry["id"], "name": entry.get("name", ""), "vpc_id": vpc_id,
                    "region": region, "reason": reason})

    for vpc in estate_vpcs or []:
        vpc_id = vpc.get("VpcId", vpc.get("id", vpc.get("vpc_id")))
        have = teardown.resource_tags(vpc)
        if "vpc" in declared and vpc_id not in declared["vpc"]:
            add({"kind": "vpc", "id": vpc_id, "name": have.get("Name", "")}, vpc_id,
                "carries the estate's tags, and the code declares no such VPC in %s" % region)
            continue
        found = contents.get(vpc_id) or {}
        entries = teardown.vpc_leftovers(
            vpc_id, found.get("subnets"), found.get("security_groups"), found.get("route_tables"),
            _unattached(found.get("network_interfaces"), found.get("nat_gateways"), found.get("vpc_endpoints")),
            found.get("internet_gateways"), found.get("nat_gateways"),
            found.get("vpc_endpoints"), tags)
        entries += instance_entries(found.get("instances"), tags, vpc_id)
        for entry in entries:
            if not entry["estate"]:
                add(entry, vpc_id, "inside the estate's VPC %s without the estate's tags" % vpc_id)
            elif entry["kind"] == "instance":
                if groups is not None and entry["detail"] not in groups:
                    add(entry, vpc_id, "carries the estate's tags but was not launched by a declared Auto Scaling group"
                        + (" (it names %s)" % entry["detail"] if entry["detail"] else ""))
            elif entry["kind"] in declared and entry["id"] not in declared[entry["kind"]]:
                add(entry, vpc_id, "carries the estate's tags, and the code declares no such %s" % entry["kind"].replace("_", " "))
    return sorted(out, key=lambda e: (e["vpc_id"], e["kind"], e["id"]))


def scanned(region, estate_vpcs, contents):
    """How many resources of each kind the scan read, for the report's list of checked resources."""
    counts = {"vpc": len(estate_vpcs or [])}
    for found in (contents or {}).values():
        for kind, items in found.items():
            counts[kind] = counts.get(kind, 0) + len(items or [])
    return counts
