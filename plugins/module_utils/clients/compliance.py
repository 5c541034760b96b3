# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reads of the compliance scan: what the rules judge, per region and account-wide. Read-only:
no call here changes anything.

``ComplianceReader(client_for)``: ``client_for(service, region)`` returns a boto3 client (from a
module, ``retry.retrying_client(module, service, region)``). ``region_snapshot(region, tags)`` reads
one region's VPCs carrying the estate's tags, the security groups, instances and flow logs in them,
the volumes attached to those instances, the launch templates carrying the tags (with their default
version) and the database instances; ``buckets(regions, wanted)`` every bucket of the account whose
tags ``wanted(tags)`` accepts, with its Block Public Access settings, policy, ACL, versioning and
replication; ``distributions()`` every CloudFront distribution with its tags. Listings are paginated
in full and retried as one unit; single calls go through the retrying client (``common.retry``).
Bucket and distribution reads reuse the collection's S3 and CloudFront clients.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront import CloudFrontClient
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_bucket_policy import S3BucketPolicyClient
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_replication import S3ReplicationClient

NO_TAGS = ("NoSuchTagSet", "NoSuchTagSetError")
NO_BLOCK = ("NoSuchPublicAccessBlockConfiguration",)
GONE = ("NoSuchBucket", "404", "NotFound")
CHUNK = 200  # values per EC2 filter


def _chunks(values):
    values = sorted(values)
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _tag_filters(tags):
    return [{"Name": "tag:%s" % k, "Values": [str(v)]} for k, v in sorted((tags or {}).items())]


class Ec2ComplianceClient(AwsClient):
    SERVICE = "ec2"

    def vpcs(self, tags):
        return self._list("describe_vpcs", "Vpcs", subject="VPCs", Filters=_tag_filters(tags))

    def _by_vpc(self, operation, key, vpc_ids, name="vpc-id"):
        out = []
        for chunk in _chunks(vpc_ids):
            out.extend(self._list(operation, key, subject="VPCs %s" % ", ".join(chunk),
                                  Filters=[{"Name": name, "Values": chunk}]))
        return out

    def security_groups(self, vpc_ids):
        return self._by_vpc("describe_security_groups", "SecurityGroups", vpc_ids)

    def instances(self, vpc_ids):
        out = []
        for reservation in self._by_vpc("describe_instances", "Reservations", vpc_ids):
            out.extend(reservation.get("Instances") or [])
        return out

    def volumes(self, instance_ids):
        return self._by_vpc("describe_volumes", "Volumes", instance_ids, name="attachment.instance-id")

    def flow_logs(self, vpc_ids):
        out = []
        for chunk in _chunks(vpc_ids):
            out.extend(self._list("describe_flow_logs", "FlowLogs", subject="VPCs %s" % ", ".join(chunk),
                                  Filters=[{"Name": "resource-id", "Values": chunk}]))
        return out

    def tags_of(self, resource_ids):
        """resource id -> tags, from DescribeTags (the listing of launch templates may leave them out)."""
        out = dict((r, {}) for r in resource_ids)
        for chunk in _chunks(resource_ids):
            for tag in self._list("describe_tags", "Tags", subject="resources %s" % ", ".join(chunk),
                                  Filters=[{"Name": "resource-id", "Values": chunk}]):
                out.setdefault(tag["ResourceId"], {})[tag["Key"]] = tag.get("Value", "")
        return out

    def launch_templates(self, tags):
        """The launch templates carrying ``tags``, each ``{template, default_version, latest_version}``;
        the template's ``Tags`` are read with DescribeTags."""
        out = []
        templates = self._list("describe_launch_templates", "LaunchTemplates", subject="launch templates",
                               Filters=_tag_filters(tags))
        found = self.tags_of([t["LaunchTemplateId"] for t in templates]) if templates else {}
        for template in templates:
            template = dict(template, Tags=[{"Key": k, "Value": v}
                                            for k, v in sorted(found.get(template["LaunchTemplateId"], {}).items())])
            versions = self._call("describe_launch_template_versions",
                                  subject="launch template %s" % template["LaunchTemplateId"],
                                  LaunchTemplateId=template["LaunchTemplateId"],
                                  Versions=["$Default", "$Latest"]).get("LaunchTemplateVersions") or []
            default = [v for v in versions if v.get("DefaultVersion")] or versions[:1]
            latest = sorted(versions, key=lambda v: v.get("VersionNumber", 0))[-1:]
            out.append({"template": template, "default_version": default[0] if default else {},
                        "latest_version": latest[0] if latest else {}})
        return out


class RdsComplianceClient(AwsClient):
    SERVICE = "rds"

    def db_instances(self):
        """Every database instance of the region with its TagList (DescribeDBInstances, all pages)."""
        return self._list("describe_db_instances", "DBInstances", subject="database instances")


class S3ComplianceClient(AwsClient):
    SERVICE = "s3"

    def bucket_names(self):
        response = self._call("list_buckets", subject="account", permission="s3:ListAllMyBuckets")
        names = [b["Name"] for b in response.get("Buckets") or []]
        token = response.get("ContinuationToken")
        while token:
            response = self._call("list_buckets", subject="account", permission="s3:ListAllMyBuckets",
                                  ContinuationToken=token)
            names.extend(b["Name"] for b in response.get("Buckets") or [])
            token = response.get("ContinuationToken")
        return names

    def region(self, bucket):
        """The bucket's region (``us-east-1`` when S3 answers no LocationConstraint), None when it is gone."""
        try:
            location = S3ReplicationClient(self.client).location(bucket)
        except AwsApiError as err:
            if err.code in GONE:
                return None
            raise
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)

    def tags(self, bucket):
        try:
            response = self._call("get_bucket_tagging", subject="bucket %s" % bucket, Bucket=bucket)
        except AwsApiError as err:
            if err.code in NO_TAGS:
                return {}
            raise
        return dict((t["Key"], t.get("Value", "")) for t in response.get("TagSet") or [])

    def public_access_block(self, bucket):
        try:
            response = self._call("get_public_access_block", subject="bucket %s" % bucket,
                                  permission="s3:GetBucketPublicAccessBlock", Bucket=bucket)
        except AwsApiError as err:
            if err.code in NO_BLOCK:
                return None
            raise
        return response.get("PublicAccessBlockConfiguration")

    def acl(self, bucket):
        response = self._call("get_bucket_acl", subject="bucket %s" % bucket, Bucket=bucket)
        return {"Owner": response.get("Owner"), "Grants": response.get("Grants") or []}

    def versioning(self, bucket):
        response = self._call("get_bucket_versioning", subject="bucket %s" % bucket, Bucket=bucket)
        return dict((k, response[k]) for k in ("Status", "MFADelete") if k in response)

    def details(self, bucket):
        """Everything the bucket rules judge."""
        return {"public_access_block": self.public_access_block(bucket),
                "policy": S3BucketPolicyClient(self.client).policy(bucket),
                "acl": self.acl(bucket), "versioning": self.versioning(bucket),
                "replication": S3ReplicationClient(self.client).replication(bucket)}


class ComplianceReader(object):
    """The scan's reads over every region, with one client per service and region."""

    def __init__(self, client_for):
        self._client_for = client_for
        self._clients = {}

    def _client(self, cls, region):
        key = (cls.SERVICE, region)
        if key not in self._clients:
            self._clients[key] = cls(self._client_for(cls.SERVICE, region))
        return self._clients[key]

    def region_snapshot(self, region, tags):
        ec2 = self._client(Ec2ComplianceClient, region)
        vpcs = ec2.vpcs(tags)
        vpc_ids = [v["VpcId"] for v in vpcs]
        instances = ec2.instances(vpc_ids) if vpc_ids else []
        instance_ids = [i["InstanceId"] for i in instances]
        return {
            "region": region,
            "vpcs": vpcs,
            "security_groups": ec2.security_groups(vpc_ids) if vpc_ids else [],
            "instances": instances,
            "volumes": ec2.volumes(instance_ids) if instance_ids else [],
            "flow_logs": ec2.flow_logs(vpc_ids) if vpc_ids else [],
            "launch_templates": ec2.launch_templates(tags),
            "db_instances": self._client(RdsComplianceClient, region).db_instances(),
        }

    def buckets(self, home_region, wanted):
        """``(buckets, regions)``: the buckets whose tags ``wanted`` accepts (each ``{name, region,
        tags, ...details}``) and the region of every bucket of the account (name -> region)."""
        home = self._client(S3ComplianceClient, home_region)
        regions, out = {}, []
        for name in home.bucket_names():
            region = home.region(name)
            if region is None:
                continue
            regions[name] = region
            s3 = self._client(S3ComplianceClient, region)
            tags = s3.tags(name)
            if not wanted(tags):
                continue
            bucket = {"name": name, "region": region, "tags": tags}
            bucket.update(s3.details(name))
            out.append(bucket)
        return out, regions

    def distributions(self):
        cloudfront = self._client(CloudFrontClient, "us-east-1")
        out = []
        for summary in cloudfront.distributions():
            out.append(dict(summary, Tags=cloudfront.tags(summary["ARN"])))
        return out
