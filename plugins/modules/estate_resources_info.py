#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: estate_resources_info
short_description: Find the unmanaged resources of a region, in the estate's VPCs or with its tags
version_added: 0.2.0
description:
  - Reads the VPCs that carry every tag of O(tags) (or those of O(vpc_ids)) and what is inside them (subnets,
    security groups, route tables, unattached network interfaces, internet and NAT gateways, VPC endpoints,
    EC2 instances), and lists what the code does not declare, the view a check-mode run cannot give.
  - "Outside the VPCs, finds the resources that carry every tag of O(tags) through the Resource Groups Tagging API
    (C(GetResources) with the tags as C(TagFilters)), for the kinds O(declared) lists among C(bucket) (the S3
    buckets of the region; each bucket's region is read with C(GetBucketLocation)), C(load_balancer) and
    C(target_group) (ELBv2), and C(distribution) (CloudFront, global, read in us-east-1 whatever the region)."
  - "A resource is unmanaged when it is inside a VPC of the estate without the estate's tags; when it is an EC2
    instance there not launched by one of O(declared_autoscaling_groups); when it is a VPC with the estate's tags
    that O(declared) does not list; or when it carries the estate's tags and its kind is in O(declared) but its ID
    is not (for the kinds found by their tags, neither its ID, its name nor its ARN)."
  - What belongs to the estate follows teardown's rules (every one of the estate's tags, never a name or a CIDR);
    what AWS removes with a VPC (its default security group, its main route table) is never listed.
  - Reads only. Every listing is paginated in full and retried as one unit with jittered exponential backoff on
    throttling and transient server errors; other errors (C(UnauthorizedOperation), ...) fail at once with the
    operation, the AWS error code and the IAM action to allow.
author:
  - Meridian platform engineering (@meridian)
options:
  tags:
    description:
      - The estate's tags (C(meridian_tags)). What carries every one of them with the same value is the estate's.
    type: dict
    required: true
  vpc_ids:
    description:
      - The VPCs to look inside. Empty (the default) scans every VPC of the region that carries O(tags).
    type: list
    elements: str
    default: []
  declared:
    description:
      - The IDs the code declares, by kind (C(vpc), C(subnet), C(security_group), C(route_table),
        C(internet_gateway), C(nat_gateway)). A resource with the estate's tags, of a kind listed here, whose ID
        is not listed is unmanaged. Kinds left out are not judged by ID.
      - Outside the VPCs, by kind, C(bucket) (names), C(load_balancer) and C(target_group) (names or ARNs) and
        C(distribution) (IDs or ARNs). Only the kinds listed are read; an empty list declares none of that kind.
    type: dict
    default: {}
  declared_autoscaling_groups:
    description:
      - The names of the Auto Scaling groups the code declares. An instance with the estate's tags whose
        C(aws:autoscaling:groupName) is not one of them is unmanaged. Not given, instances with the estate's tags
        are not judged.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find what is in the estate's VPC and not declared
  meridian.global_infra.estate_resources_info:
    region: eu-west-1
    tags:
      meridian:managed-by: meridian.global_infra
      meridian:env: prod
    declared:
      vpc: ["{{ network_vpc_id }}"]
      subnet: "{{ network_public_subnet_ids + network_private_subnet_ids }}"
      security_group: "{{ network_security_group_ids.values() | list }}"
    declared_autoscaling_groups: ["meridian-prod-api", "meridian-prod-web"]
  register: __scan

- name: Find the buckets, load balancers, target groups and distributions with the estate's tags and not declared
  meridian.global_infra.estate_resources_info:
    region: us-east-1
    tags: "{{ meridian_tags }}"
    declared:
      bucket: ["meridian-prod-assets-us-east-1"]
      load_balancer: ["meridian-prod"]
      target_group: ["meridian-prod-api", "meridian-prod-web"]
      distribution: ["E2QWRUHAPOMQZL"]
"""

RETURN = r"""
unmanaged:
  description: The unmanaged resources, those of the VPCs sorted by VPC, kind and ID, then those found by their
    tags, by kind and ID.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(vpc), C(subnet), C(security_group), C(route_table), C(network_interface), C(internet_gateway),
        C(nat_gateway), C(vpc_endpoint), C(instance), C(bucket), C(load_balancer), C(target_group) or
        C(distribution).
      type: str
    id:
      description: The resource's ID (a bucket's name, a load balancer's or target group's ARN).
      type: str
    name:
      description: Its C(Name) tag, or empty.
      type: str
    vpc_id:
      description: The VPC it was found in (for a VPC, its own ID; empty for what was found by its tags).
      type: str
    region:
      description: The region.
      type: str
    reason:
      description: Why it is unmanaged.
      type: str
  sample:
    - {kind: instance, id: i-0123456789abcdef0, name: "", vpc_id: vpc-0abc, region: eu-west-1,
       reason: "inside the estate's VPC vpc-0abc without the estate's tags"}
vpcs:
  description: The IDs of the VPCs scanned.
  returned: always
  type: list
  elements: str
scanned:
  description: How many resources of each kind were read.
  returned: always
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.meridian.global_infra.plugins.module_utils.aws import estate_scan
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.teardown import TeardownError
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.estate import (
    BucketLocationClient, EstateClient, TaggedClient)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error

KINDS = ("vpc", "subnet", "security_group", "route_table", "internet_gateway", "nat_gateway") \
    + tuple(sorted(estate_scan.TAGGED_KINDS))
# CloudFront is global: the tagging API lists its distributions in us-east-1 only.
GLOBAL_REGION = "us-east-1"


def check_options(params):
    """Every option checked before a client is built."""
    tags = params["tags"]
    if not tags:
        raise TeardownError("empty: give the estate's tags (meridian_tags), for example meridian:managed-by "
                            "meridian.global_infra and meridian:env prod", "tags")
    unknown = sorted(set(params["declared"] or {}) - set(KINDS))
    if unknown:
        raise TeardownError("unknown kinds %s: give IDs for %s" % (", ".join(unknown), ", ".join(KINDS)), "declared")
    for kind, ids in (params["declared"] or {}).items():
        if not isinstance(ids, list):
            raise TeardownError("%s is %r: expected a list of IDs" % (kind, ids), "declared")
    return dict((str(k), str(v)) for k, v in tags.items())


def tagged_kinds(declared, regional=True):
    """The kinds of ``declared`` found by their tags: regional ones, or the global one (distribution)."""
    return sorted(k for k in declared or {} if k in estate_scan.TAGGED_KINDS and (k != "distribution") == regional)


def run(client, region, params, tagged=None, global_tagged=None, locations=None):
    """``tagged``: the tagging client of ``region``; ``global_tagged``: that of us-east-1; ``locations``: S3."""
    tags = check_options(params)
    declared = params["declared"] or {}
    vpcs = client.vpcs(vpc_ids=params["vpc_ids"]) if params["vpc_ids"] else client.vpcs(tags=tags)
    contents = dict((v["VpcId"], client.contents(v["VpcId"])) for v in vpcs)
    found = estate_scan.unmanaged(region, tags, vpcs, contents, dict((k, v) for k, v in declared.items()
                                                                     if k not in estate_scan.TAGGED_KINDS),
                                  params["declared_autoscaling_groups"])
    mappings = []
    regional = tagged_kinds(declared)
    if regional:
        mappings += tagged.resources(tags, [estate_scan.TAGGED_KINDS[k] for k in regional])
    if tagged_kinds(declared, regional=False):
        mappings += global_tagged.resources(tags, [estate_scan.TAGGED_KINDS["distribution"]])
    resources = [r for r in (estate_scan.arn_resource(m.get("ResourceARN")) for m in mappings) if r]
    bucket_regions = {}
    for r in resources:
        if r["kind"] == "bucket":
            location = locations.location(r["id"])
            # a bucket deleted since it was listed is in no region: not judged
            bucket_regions[r["id"]] = "" if location is None else estate_scan.bucket_region(location)
    outside = estate_scan.tagged_unmanaged(region, tags, mappings, dict((k, v) for k, v in declared.items()
                                                                        if k in estate_scan.TAGGED_KINDS), bucket_regions)
    scanned = estate_scan.scanned(region, vpcs, contents)
    for kind in regional + tagged_kinds(declared, regional=False):
        scanned[kind] = len([r for r in resources if r["kind"] == kind and bucket_regions.get(r["id"], region) == region])
    return {"changed": False, "unmanaged": found + outside, "vpcs": sorted(v["VpcId"] for v in vpcs),
            "scanned": scanned}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            tags=dict(type="dict", required=True),
            vpc_ids=dict(type="list", elements="str", default=[]),
            declared=dict(type="dict", default={}),
            declared_autoscaling_groups=dict(type="list", elements="str"),
        ),
        supports_check_mode=True,
    )
    try:
        check_options(module.params)
        declared = module.params["declared"] or {}
        tagged = TaggedClient.from_module(module) if tagged_kinds(declared) else None
        global_tagged = TaggedClient.from_module(module, region=GLOBAL_REGION) \
            if tagged_kinds(declared, regional=False) else None
        locations = BucketLocationClient.from_module(module) if "bucket" in declared else None
        module.exit_json(**run(EstateClient.from_module(module), module.region, module.params, tagged, global_tagged,
                               locations))
    except MeridianError as err:
        fail_on_error(module, err, "nothing was changed")


if __name__ == "__main__":
    main()
