# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS client wrappers of the collection: read an instance, hand its master password to AWS
Secrets Manager (ModifyDBInstance ManageMasterUserPassword), and the failback's calls (tags, cross-Region
read replica, promotion, reboot, deletion with a final snapshot); ``RdsMetricsClient`` reads an
instance's CloudWatch metrics (replication lag).

Build it from an ``AnsibleAWSModule``: ``RdsClient.from_module(module)``. Every call goes through
the collection's one retry policy (``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient


class RdsClient(AwsClient):
    SERVICE = "rds"

    def instance(self, identifier):
        """The DescribeDBInstances entry of ``identifier``, or None when there is no such instance."""
        try:
            found = self._call("describe_db_instances", subject="instance %s" % identifier,
                               DBInstanceIdentifier=identifier).get("DBInstances") or []
        except AwsApiError as err:
            if err.code == "DBInstanceNotFound":
                return None
            raise
        return found[0] if found else None

    def modify(self, identifier, arguments):
        """ModifyDBInstance with ``arguments`` (a ``DBInstanceIdentifier`` among them is ``identifier``);
        the instance as RDS returns it."""
        arguments = dict((k, v) for k, v in arguments.items() if k != "DBInstanceIdentifier")
        return self._call("modify_db_instance", subject="instance %s" % identifier,
                          permission="rds:ModifyDBInstance (and secretsmanager:CreateSecret, kms:DescribeKey for the "
                                     "secret's key)",
                          DBInstanceIdentifier=identifier, **arguments).get("DBInstance") or {}

    def tags(self, arn):
        """The instance's tags as a dict."""
        found = self._call("list_tags_for_resource", subject=arn, ResourceName=arn).get("TagList") or []
        return dict((t["Key"], t["Value"]) for t in found)

    def add_tags(self, arn, tags):
        self._call("add_tags_to_resource", subject=arn, ResourceName=arn,
                   Tags=[{"Key": k, "Value": tags[k]} for k in sorted(tags)])

    def remove_tags(self, arn, keys):
        self._call("remove_tags_from_resource", subject=arn, ResourceName=arn, TagKeys=sorted(keys))

    def identifiers(self):
        """The identifiers of every DB instance of the Region."""
        found = self._list("describe_db_instances", "DBInstances", subject="the Region's instances")
        return set(i["DBInstanceIdentifier"] for i in found)

    def create_replica(self, arguments):
        """CreateDBInstanceReadReplica; with ``SourceRegion`` boto3 signs the cross-Region
        ``PreSignedUrl`` itself."""
        return self._call("create_db_instance_read_replica", subject="replica %s" % arguments["DBInstanceIdentifier"],
                          permission="rds:CreateDBInstanceReadReplica in both Regions (and kms:CreateGrant, "
                                     "kms:DescribeKey on the replica's key)",
                          **arguments).get("DBInstance") or {}

    def promote(self, arguments):
        return self._call("promote_read_replica", subject="replica %s" % arguments["DBInstanceIdentifier"],
                          **arguments).get("DBInstance") or {}

    def reboot(self, identifier):
        return self._call("reboot_db_instance", subject="instance %s" % identifier,
                          DBInstanceIdentifier=identifier).get("DBInstance") or {}

    def delete(self, identifier, final_snapshot):
        """DeleteDBInstance keeping a final snapshot (automated backups are kept too)."""
        return self._call("delete_db_instance", subject="instance %s" % identifier,
                          permission="rds:DeleteDBInstance and rds:CreateDBSnapshot",
                          DBInstanceIdentifier=identifier, SkipFinalSnapshot=False,
                          FinalDBSnapshotIdentifier=final_snapshot, DeleteAutomatedBackups=False).get("DBInstance") or {}


class RdsMetricsClient(AwsClient):
    """The CloudWatch side of RDS: the latest datapoints of an instance's metric."""

    SERVICE = "cloudwatch"

    def datapoints(self, metric, identifier, start, end, period=60):
        """Maximum per ``period`` of ``AWS/RDS`` ``metric`` for ``identifier`` between ``start`` and
        ``end`` (datetimes), oldest first."""
        found = self._call("get_metric_statistics", subject="%s of %s" % (metric, identifier),
                           Namespace="AWS/RDS", MetricName=metric,
                           Dimensions=[{"Name": "DBInstanceIdentifier", "Value": identifier}],
                           StartTime=start, EndTime=end, Period=period, Statistics=["Maximum"]).get("Datapoints") or []
        return [p["Maximum"] for p in sorted(found, key=lambda p: p["Timestamp"])]


class SecurityGroupClient(AwsClient):
    """The EC2 side of the RDS fence: what a security group lets in."""

    SERVICE = "ec2"

    def group(self, group_id):
        """The DescribeSecurityGroups entry of ``group_id``, or None when there is no such group."""
        try:
            found = self._call("describe_security_groups", subject="security group %s" % group_id,
                               GroupIds=[group_id]).get("SecurityGroups") or []
        except AwsApiError as err:
            if err.code in ("InvalidGroup.NotFound", "InvalidGroupId.Malformed"):
                return None
            raise
        return found[0] if found else None
