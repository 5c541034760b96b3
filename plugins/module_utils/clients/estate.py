# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read-only clients of the unmanaged-resource scan: the estate's VPCs and what is inside them (EC2),
the resources that carry the estate's tags (Resource Groups Tagging API) and the buckets' regions (S3).

Build them from an ``AnsibleAWSModule``: ``EstateClient.from_module(module)``, ``TaggedClient.from_module(module)``,
``BucketLocationClient.from_module(module)``. Every listing is
paginated in full and retried as one unit (``common.retry``); nothing here writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient


def tag_filters(tags):
    return [{"Name": "tag:%s" % k, "Values": [str(v)]} for k, v in sorted(tags.items())]


class EstateClient(AwsClient):
    SERVICE = "ec2"

    def vpcs(self, tags=None, vpc_ids=None):
        """The VPCs with every one of ``tags``, or those of ``vpc_ids``."""
        if vpc_ids:
            return self._list("describe_vpcs", "Vpcs", subject=", ".join(vpc_ids), VpcIds=list(vpc_ids))
        return self._list("describe_vpcs", "Vpcs", subject="the estate's tags", Filters=tag_filters(tags or {}))

    def contents(self, vpc_id):
        """What is inside one VPC, by kind (boto3 records)."""
        in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        subject = "VPC %s" % vpc_id
        reservations = self._list("describe_instances", "Reservations", subject=subject, Filters=in_vpc)
        return {
            "subnets": self._list("describe_subnets", "Subnets", subject=subject, Filters=in_vpc),
            "security_groups": self._list("describe_security_groups", "SecurityGroups", subject=subject, Filters=in_vpc),
            "route_tables": self._list("describe_route_tables", "RouteTables", subject=subject, Filters=in_vpc),
            "network_interfaces": self._list("describe_network_interfaces", "NetworkInterfaces", subject=subject,
                                             Filters=in_vpc),
            "internet_gateways": self._list("describe_internet_gateways", "InternetGateways", subject=subject,
                                            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]),
            # DescribeNatGateways names its filter parameter Filter
            "nat_gateways": self._list("describe_nat_gateways", "NatGateways", subject=subject, Filter=in_vpc),
            "vpc_endpoints": self._list("describe_vpc_endpoints", "VpcEndpoints", subject=subject, Filters=in_vpc),
            "instances": [i for r in reservations for i in r.get("Instances", [])],
        }


def tag_key_filters(tags):
    """GetResources' TagFilters: every key with its one value (a resource must match all of them)."""
    return [{"Key": k, "Values": [str(v)]} for k, v in sorted(tags.items())]


class TaggedClient(AwsClient):
    SERVICE = "resourcegroupstaggingapi"

    def resources(self, tags, resource_types):
        """GetResources' ResourceTagMappingList for the resources of ``resource_types`` with every one of ``tags``."""
        if not resource_types:
            return []
        return self._list("get_resources", "ResourceTagMappingList", subject="the estate's tags",
                          permission="tag:GetResources", TagFilters=tag_key_filters(tags),
                          ResourceTypeFilters=sorted(resource_types))


class BucketLocationClient(AwsClient):
    SERVICE = "s3"

    def location(self, bucket):
        """GetBucketLocation's answer for one bucket, or None when it was deleted since it was listed."""
        try:
            return self._call("get_bucket_location", subject="bucket %s" % bucket, Bucket=bucket)
        except AwsApiError as err:
            if err.code == "NoSuchBucket":
                return None
            raise
