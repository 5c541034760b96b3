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
Outside the VPCs, the resources that carry every one of the estate's tags are found through the
Resource Groups Tagging API (GetResources with the estate's tags as TagFilters): S3 buckets of the
region, ELBv2 load balancers and target groups, CloudFront distributions (``TAGGED_KINDS``). Such a
resource is unmanaged when its kind is in ``declared`` and neither its ID, its name nor its ARN is.
Network interfaces are left out unless unattached and named by nothing: an attached one belongs to an
instance (listed itself) or a load balancer (requester-managed), and a NAT gateway's or a VPC
endpoint's interface is named by the gateway or endpoint (listed themselves).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import teardown

_INSTANCE_GONE = ("shutting-down", "terminated")

# The kinds found outside the VPCs by their tags, and the Resource Groups Tagging API's resource
# type filter of each (service[:resource-type]).
TAGGED_KINDS = {
    "bucket": "s3",
    "load_balancer": "elasticloadbalancing:loadbalancer",
    "target_group": "elasticloadbalancing:targetgroup",
    "distribution": "cloudfront:distribution",
}


def arn_resource(arn):
    """The kind, ID and name of a tagged resource's ARN, or None for a kind this scan does not judge.

    arn:aws:s3:::NAME (bucket: ID and name NAME);
    arn:aws:elasticloadbalancing:R:A:loadbalancer/app|net|gwy/NAME/HASH (load_balancer: ID the ARN);
    arn:aws:elasticloadbalancing:R:A:targetgroup/NAME/HASH (target_group: ID the ARN);
    arn:aws:cloudfront::A:distribution/ID (distribution).
    """
    parts = str(arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise teardown.TeardownError("%r is not an ARN" % (arn,), "ResourceARN")
    service, path = parts[2], parts[5]
    if service == "s3" and path and "/" not in path:
        return {"kind": "bucket", "id": path, "name": path, "arn": arn}
    pieces = path.split("/")
    if service == "elasticloadbalancing" and pieces[0] == "loadbalancer" and len(pieces) == 4:
        return {"kind": "load_balancer", "id": arn, "name": pieces[2], "arn": arn}
    if service == "elasticloadbalancing" and pieces[0] == "targetgroup" and len(pieces) == 3:
        return {"kind": "target_group", "id": arn, "name": pieces[1], "arn": arn}
    if service == "cloudfront" and pieces[0] == "distribution" and len(pieces) == 2:
        return {"kind": "distribution", "id": pieces[1], "name": "", "arn": arn}
    return None


def bucket_region(location):
    """The region of a GetBucketLocation answer (empty or None: us-east-1; the legacy EU: eu-west-1)."""
    if isinstance(location, dict):
        location = location.get("LocationConstraint")
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else str(location)


def tagged_unmanaged(region, tags, mappings, declared, bucket_regions=None):
    """The resources found by their tags (GetResources' ResourceTagMappingList) that the run does not declare.

    Only the kinds in ``declared`` are judged (a kind left out is not scanned); a resource is
    declared when its ID, its name or its ARN is listed. A bucket is judged only in its own region
    (``bucket_regions``: bucket name -> region; a bucket missing there is judged where found).
    What does not carry every one of the estate's ``tags`` is left out (it is not the estate's).
    Returns [{kind, id, name, vpc_id (empty), region, reason}], sorted by kind and ID.
    """
    tags = teardown._check_tags(tags, "tags")
    declared = _declared(declared)
    regions = bucket_regions or {}
    out = []
    for mapping in mappings or []:
        found = arn_resource(mapping.get("ResourceARN"))
        if found is None or found["kind"] not in declared or not teardown.carries_tags(mapping, tags, "tags"):
            continue
        if found["kind"] == "bucket" and regions.get(found["id"], region) != region:
            continue
        if declared[found["kind"]] & set([found["id"], found["name"], found["arn"]]):
            continue
        name = teardown.resource_tags(mapping).get("Name", "") or found["name"]
        out.append({"kind": found["kind"], "id": found["id"], "name": name if name != found["id"] else "",
                    "vpc_id": "", "region": region,
                    "reason": "carries the estate's tags, and the code declares no such %s in %s"
                              % (found["kind"].replace("_", " "), region)})
    return sorted(out, key=lambda e: (e["kind"], e["id"]))


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
