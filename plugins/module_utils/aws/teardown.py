# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What teardown may remove and what stops it (pure).

Teardown removes only what carries every one of the estate's tags (``meridian:managed-by`` and
``meridian:env``), never what a name, CIDR or comment merely matches. A VPC can only be deleted once
nothing is left in it (AWS answers ``DeleteVpc`` with ``DependencyViolation`` otherwise; moto 5.2.5
deletes it anyway when only a security group is left): ``vpc_leftovers`` lists what is left, so that
teardown keeps the VPC and says why instead of failing, or orphaning someone else's resource.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class TeardownError(MeridianError):
    """Input teardown cannot judge; the message names the field and the fix."""

    def __init__(self, msg, field=None):
        super(TeardownError, self).__init__(field, msg)


# The deletion order of the estate's security groups (meridian:tier): the database group refers to
# the application group, which refers to the load balancer's.
SECURITY_GROUP_ORDER = ("db", "app", "alb")

# NAT gateway and VPC endpoint states that no longer hold anything in the VPC.
_GONE_STATES = ("deleted", "deleting", "failed", "rejected", "expired")


def resource_tags(resource):
    """The tags of an amazon.aws info result (``tags``, ``tag_set``, s3_bucket_info's ``bucket_tagging``, a
    dict, or rds_snapshot_info's ``tag_list``) or a boto3 record (the first of them that is not empty)
    (``Tags`` list of {Key, Value}, or a dict as cloudfront_distribution_info's summary gives)."""
    for key in ("tags", "tag_set", "bucket_tagging", "tag_list", "Tags", "TagSet", "TagList"):
        value = resource.get(key)
        if value is None:
            continue
        if isinstance(value, dict):
            found = dict((str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            found = dict((t.get("Key", t.get("key")), t.get("Value", t.get("value", ""))) for t in value
                         if isinstance(t, dict) and ("Key" in t or "key" in t))
        else:
            raise TeardownError("a resource's tags are %r: expected a dict or a list of {Key, Value}" % (value,), key)
        if found:  # rds_snapshot_info gives an empty tags dict beside a full tag_list on moto
            return found
    return {}


def _check_tags(tags, field):
    if not isinstance(tags, dict) or not tags:
        raise TeardownError("%r is not the estate's tags: give meridian_tags, a non-empty dict such as "
                            "{'meridian:managed-by': 'meridian.global_infra', 'meridian:env': 'prod'}" % (tags,), field)
    return dict((str(k), str(v)) for k, v in tags.items())


def carries_tags(resource, tags, field="meridian_tags"):
    """Whether ``resource`` carries every key of ``tags`` with the same value."""
    wanted = _check_tags(tags, field)
    have = resource_tags(resource)
    return all(k in have and str(have[k]) == v for k, v in wanted.items())


def estate_owned(resources, tags, field="meridian_tags"):
    """The resources that carry every one of the estate's ``tags`` (the only ones teardown removes)."""
    _check_tags(tags, field)
    return [r for r in resources or [] if carries_tags(r, tags, field)]


def security_group_order(groups):
    """The estate's security groups in an order in which each can be deleted: the tiers of
    SECURITY_GROUP_ORDER first (a group before the ones it refers to), then any other, by name."""
    def rank(group):
        tier = resource_tags(group).get("meridian:tier", "")
        position = SECURITY_GROUP_ORDER.index(tier) if tier in SECURITY_GROUP_ORDER else len(SECURITY_GROUP_ORDER)
        return (position, group.get("group_name", group.get("GroupName", "")))
    return sorted(groups or [], key=rank)


def _first(resource, *keys):
    for key in keys:
        if resource.get(key):
            return resource[key]
    return ""


def _entry(kind, resource, tags, ident_keys, detail=""):
    have = resource_tags(resource)
    return {
        "kind": kind,
        "id": _first(resource, *ident_keys),
        "name": have.get("Name", ""),
        "estate": bool(tags) and all(k in have and str(have[k]) == str(v) for k, v in tags.items()),
        "detail": detail,
    }


def vpc_leftovers(vpc_id, subnets=(), security_groups=(), route_tables=(), network_interfaces=(),
                  internet_gateways=(), nat_gateways=(), vpc_endpoints=(), tags=None):
    """What is still in VPC ``vpc_id`` and stops its deletion, from the amazon.aws info modules' lists.

    Left out: what AWS removes with the VPC (the default security group, the main route table), what
    is already gone (NAT gateways and endpoints deleted or deleting) and network interfaces whose
    subnet is not in ``subnets`` any more. Each entry is
    {kind, id, name, estate, detail}: ``estate`` tells whether it carries the estate's ``tags`` (a
    resource of the estate that teardown could not remove) or not (someone else's, never removed).
    Sorted foreign first, then by kind and id.
    """
    if not vpc_id:
        raise TeardownError("empty: pass the ID of the VPC whose contents are listed", "vpc_id")
    tags = _check_tags(tags, "meridian_tags") if tags is not None else {}

    def in_vpc(resource):
        return resource.get("vpc_id", resource.get("VpcId", vpc_id)) == vpc_id

    left = []
    for s in subnets or []:
        if in_vpc(s):
            left.append(_entry("subnet", s, tags, ("subnet_id", "id", "SubnetId"), s.get("cidr_block", "")))
    for g in security_groups or []:
        if in_vpc(g) and g.get("group_name", g.get("GroupName")) != "default":
            left.append(_entry("security_group", g, tags, ("group_id", "GroupId"), g.get("group_name", g.get("GroupName", ""))))
    for t in route_tables or []:
        main = any(a.get("main", a.get("Main")) for a in t.get("associations", t.get("Associations", [])) or [])
        if in_vpc(t) and not main:
            left.append(_entry("route_table", t, tags, ("route_table_id", "id", "RouteTableId")))
    # An interface lives in a subnet, and AWS refuses to delete a subnet while one is in it: once its
    # subnet is gone, so is the interface (moto keeps those of terminated instances and deleted NAT
    # gateways in deleted subnets). Counted only while their subnet is listed.
    subnet_ids = set(s.get("subnet_id", s.get("id", s.get("SubnetId"))) for s in subnets or [])
    for n in network_interfaces or []:
        if in_vpc(n) and n.get("subnet_id", n.get("SubnetId")) in subnet_ids:
            owner = "requester-managed" if n.get("requester_managed", n.get("RequesterManaged")) else "attached"
            left.append(_entry("network_interface", n, tags, ("network_interface_id", "id", "NetworkInterfaceId"),
                               "%s: %s" % (owner, n.get("description", n.get("Description", "")))))
    for i in internet_gateways or []:
        attached = [a for a in i.get("attachments", i.get("Attachments", [])) or []
                    if a.get("vpc_id", a.get("VpcId")) == vpc_id]
        if attached:
            left.append(_entry("internet_gateway", i, tags, ("internet_gateway_id", "InternetGatewayId")))
    for g in nat_gateways or []:
        if in_vpc(g) and str(g.get("state", g.get("State", ""))).lower() not in _GONE_STATES:
            left.append(_entry("nat_gateway", g, tags, ("nat_gateway_id", "NatGatewayId"), g.get("state", g.get("State", ""))))
    for e in vpc_endpoints or []:
        if in_vpc(e) and str(e.get("state", e.get("State", ""))).lower() not in _GONE_STATES:
            left.append(_entry("vpc_endpoint", e, tags, ("vpc_endpoint_id", "VpcEndpointId"),
                               e.get("service_name", e.get("ServiceName", ""))))
    return sorted(left, key=lambda e: (e["estate"], e["kind"], e["id"]))


def describe_leftovers(leftovers):
    """One line per leftover, for the teardown report: 'security_group sg-1 (Name) foreign'."""
    lines = []
    for e in leftovers or []:
        label = e["id"] + (" (%s)" % e["name"] if e.get("name") else "")
        detail = (" " + e["detail"]) if e.get("detail") else ""
        whose = "of the estate, not removed" if e["estate"] else "not the estate's (without all of its tags)"
        lines.append("%s %s%s: %s" % (e["kind"], label, detail, whose))
    return lines
