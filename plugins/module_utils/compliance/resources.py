# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The estate's resources, from the API answers the compliance reads gather, in one neutral shape.

``estate_resources(regional, buckets, distributions, tags)`` returns a list of
``{provider, region, resource_type, resource_id, name, tags, owned, config}``:

- VPCs, launch templates, buckets, database instances and distributions carrying every one of the
  estate's ``tags`` (``owned`` true);
- the security groups and instances inside those VPCs, and the volumes attached to those instances,
  whatever their tags (``owned`` says whether they carry the estate's tags: one that does not is
  still judged, and ``required-tags`` names it). A VPC's ``default`` security group, which AWS
  creates with the VPC, is judged by the exposure rules but not by ``required-tags``
  (``aws_default`` true).

``config`` is the API's own record (DescribeSecurityGroups, DescribeInstances, ...), plus what
other calls add (a launch template's default version, a VPC's flow logs, a bucket's settings).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.teardown import carries_tags, resource_tags
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import rules as R

PROVIDER = "aws"
GLOBAL_REGION = "global"


def _name(record, fallback):
    return resource_tags(record).get("Name") or fallback


def _resource(region, resource_type, resource_id, record, owned, config, name=None, **extra):
    out = {"provider": PROVIDER, "region": region, "resource_type": resource_type, "resource_id": resource_id,
           "name": name if name is not None else _name(record, resource_id), "tags": resource_tags(record),
           "owned": bool(owned), "config": config}
    out.update(extra)
    return out


def regional_resources(snapshot, tags):
    """The resources of one region's snapshot (``region``, ``vpcs``, ``security_groups``,
    ``instances``, ``volumes``, ``launch_templates``, ``flow_logs``, ``db_instances``)."""
    region = snapshot["region"]
    out = []
    vpcs = [v for v in snapshot.get("vpcs") or [] if carries_tags(v, tags)]
    vpc_ids = set(v["VpcId"] for v in vpcs)
    logs = {}
    for log in snapshot.get("flow_logs") or []:
        logs.setdefault(log.get("ResourceId"), []).append(log)
    for vpc in vpcs:
        config = dict(vpc, FlowLogs=logs.get(vpc["VpcId"], []))
        out.append(_resource(region, R.VPC, vpc["VpcId"], vpc, True, config))
    for group in snapshot.get("security_groups") or []:
        if group.get("VpcId") not in vpc_ids:
            continue
        out.append(_resource(region, R.SG, group["GroupId"], group, carries_tags(group, tags), group,
                             name=_name(group, group.get("GroupName") or group["GroupId"]),
                             aws_default=group.get("GroupName") == "default"))
    instance_ids = set()
    for instance in snapshot.get("instances") or []:
        state = (instance.get("State") or {}).get("Name")
        if instance.get("VpcId") not in vpc_ids or state in ("terminated", "shutting-down"):
            continue
        instance_ids.add(instance["InstanceId"])
        out.append(_resource(region, R.INSTANCE, instance["InstanceId"], instance, carries_tags(instance, tags),
                             instance))
    for volume in snapshot.get("volumes") or []:
        attached = [a.get("InstanceId") for a in volume.get("Attachments") or []]
        if not (set(attached) & instance_ids) and not carries_tags(volume, tags):
            continue
        out.append(_resource(region, R.VOLUME, volume["VolumeId"], volume, carries_tags(volume, tags), volume,
                             attached=bool(attached)))
    for entry in snapshot.get("launch_templates") or []:
        template = entry["template"]
        if not carries_tags(template, tags):
            continue
        config = dict(template, DefaultVersion=entry.get("default_version") or {},
                      LatestVersion=entry.get("latest_version") or entry.get("default_version") or {})
        out.append(_resource(region, R.LAUNCH_TEMPLATE, template["LaunchTemplateId"], template, True, config,
                             name=template.get("LaunchTemplateName") or template["LaunchTemplateId"]))
    for db in snapshot.get("db_instances") or []:
        if not carries_tags(db, tags):
            continue
        out.append(_resource(region, R.DB, db["DBInstanceIdentifier"], db, True, db, name=db["DBInstanceIdentifier"]))
    return out


def bucket_resources(buckets, tags):
    """The estate's buckets: each ``{name, region, tags, public_access_block, policy, acl, versioning,
    replication}`` as the reads gathered them (``policy`` a dict or None, ``public_access_block``
    the configuration or None when the bucket has none)."""
    out = []
    for bucket in buckets or []:
        record = {"Tags": [{"Key": k, "Value": v} for k, v in (bucket.get("tags") or {}).items()]}
        if not carries_tags(record, tags):
            continue
        out.append(_resource(bucket["region"], R.BUCKET, bucket["name"], record, True, bucket, name=bucket["name"]))
    return out


def distribution_resources(distributions, tags):
    """The estate's CloudFront distributions (ListDistributions summaries with their ``Tags`` dict)."""
    out = []
    for dist in distributions or []:
        record = {"Tags": [{"Key": k, "Value": v} for k, v in (dist.get("Tags") or {}).items()]}
        if not carries_tags(record, tags):
            continue
        out.append(_resource(GLOBAL_REGION, R.DISTRIBUTION, dist["Id"], record, True, dist,
                             name=dist.get("Comment") or dist["Id"]))
    return out


def estate_resources(regional, buckets, distributions, tags):
    """Every resource the scan judges, sorted by region, type and id."""
    out = []
    for snapshot in regional or []:
        out.extend(regional_resources(snapshot, tags))
    out.extend(bucket_resources(buckets, tags))
    out.extend(distribution_resources(distributions, tags))
    return sorted(out, key=lambda r: (r["region"], r["resource_type"], r["resource_id"]))
