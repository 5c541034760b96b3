# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance rules as data, and the policy (enabled rules, severities, parameters) resolved from it.

Each rule is named after the AWS Config managed rule it mirrors (``aws_config``: its identifier),
or is the collection's own (``data-residency``, ``suppression-expired``). ``resource_types`` are the
CloudFormation type names of what it judges; ``evaluator`` names the function of ``evaluators``
that judges one resource; ``params`` are its defaults, which the inventory may override per
environment (``compliance_rules``). ``why`` says what the rule protects, ``remediation`` how to fix
a finding.

A policy is ``{rule_id: {enabled, severity, params, resource_types, reason}}``; ``resolve_policy``
merges the inventory's settings over these defaults and refuses unknown rules, severities,
parameters or resource types, naming the field. ``resource_types`` narrows what a rule judges (the
scope of an AWS Config rule); a rule turned off or narrowed says why (``reason``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

SEVERITIES = ("critical", "high", "medium", "low", "info")

SG = "AWS::EC2::SecurityGroup"
INSTANCE = "AWS::EC2::Instance"
VOLUME = "AWS::EC2::Volume"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
VPC = "AWS::EC2::VPC"
BUCKET = "AWS::S3::Bucket"
DB = "AWS::RDS::DBInstance"
DISTRIBUTION = "AWS::CloudFront::Distribution"
SUPPRESSION = "Meridian::Compliance::Suppression"

RULES = [
    {
        "id": "restricted-ssh",
        "aws_config": "INCOMING_SSH_DISABLED",
        "resource_types": [SG],
        "evaluator": "restricted_ssh",
        "severity": "high",
        "params": {},
        "why": "SSH (TCP 22) open to 0.0.0.0/0 or ::/0 lets anyone on the internet try to log in to the instances "
               "of the group.",
        "remediation": "Remove the ingress rule that opens port 22 to 0.0.0.0/0 or ::/0 (the network role's "
                       "provision run does, purge_rules: true); reach instances through SSM Session Manager.",
    },
    {
        "id": "vpc-sg-open-only-to-authorized-ports",
        "aws_config": "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
        "resource_types": [SG],
        "evaluator": "open_only_to_authorized_ports",
        "severity": "high",
        "params": {"authorized_tcp_ports": [80, 443], "authorized_udp_ports": []},
        "why": "A port open to 0.0.0.0/0 or ::/0 that is not one of the authorized ones exposes a service to the "
               "whole internet.",
        "remediation": "Remove the ingress rule, or narrow its source to the addresses that need it; list a port "
                       "in compliance_rules' authorized ports only if it is meant to be public.",
    },
    {
        "id": "ec2-imdsv2-check",
        "aws_config": "EC2_IMDSV2_CHECK",
        "resource_types": [INSTANCE],
        "evaluator": "instance_imdsv2",
        "severity": "high",
        "params": {},
        "why": "IMDSv1 (HttpTokens optional) answers unauthenticated GETs, so a server-side request forgery can "
               "read the instance role's credentials.",
        "remediation": "Set HttpTokens to required (ModifyInstanceMetadataOptions) and replace the instance from a "
                       "launch template that requires IMDSv2.",
    },
    {
        "id": "ec2-launch-template-imdsv2-check",
        "aws_config": "EC2_LAUNCH_TEMPLATE_IMDSV2_CHECK",
        "resource_types": [LAUNCH_TEMPLATE],
        "evaluator": "launch_template_imdsv2",
        "severity": "high",
        "params": {},
        "why": "Instances launched from a default version (or from the latest, which Auto Scaling groups that "
               "launch $Latest use) that does not require IMDSv2 answer unauthenticated metadata requests.",
        "remediation": "Make the default and latest versions require IMDSv2 (MetadataOptions.HttpTokens: required); "
                       "the compute role's provision run creates such a version and makes it the default.",
    },
    {
        "id": "encrypted-volumes",
        "aws_config": "ENCRYPTED_VOLUMES",
        "resource_types": [VOLUME],
        "evaluator": "encrypted_volume",
        "severity": "high",
        "params": {"kms_id": ""},
        "why": "An unencrypted EBS volume, and every snapshot of it, keeps its data readable by whoever gets a "
               "copy of it.",
        "remediation": "Replace the volume by one encrypted (copy a snapshot with Encrypted and restore it), or "
                       "replace the instance from the launch template, whose volumes are encrypted.",
    },
    {
        "id": "s3-bucket-public-read-prohibited",
        "aws_config": "S3_BUCKET_PUBLIC_READ_PROHIBITED",
        "resource_types": [BUCKET],
        "evaluator": "bucket_public_read",
        "severity": "critical",
        "params": {},
        "why": "A bucket whose policy or ACL grants read to everyone, while Block Public Access does not restrict "
               "it, serves its objects to the internet.",
        "remediation": "Delete the public statement or grant (s3:DeleteBucketPolicy / PutBucketAcl private) and "
                       "turn Block Public Access back on (the storage role's provision run does).",
    },
    {
        "id": "s3-bucket-level-public-access-prohibited",
        "aws_config": "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        "resource_types": [BUCKET],
        "evaluator": "bucket_public_access_block",
        "severity": "high",
        "params": {"excluded_public_buckets": []},
        "why": "Without the four Block Public Access settings, one policy or ACL change is enough to make the "
               "bucket public.",
        "remediation": "Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets "
                       "(PutPublicAccessBlock; the storage role's provision run does).",
    },
    {
        "id": "s3-bucket-versioning-enabled",
        "aws_config": "S3_BUCKET_VERSIONING_ENABLED",
        "resource_types": [BUCKET],
        "evaluator": "bucket_versioning",
        "severity": "medium",
        "params": {"is_mfa_delete_enabled": False},
        "why": "Without versioning an overwrite or a delete loses the object for good, and replication stops.",
        "remediation": "Enable versioning (PutBucketVersioning Status Enabled; the storage role's provision run "
                       "does).",
    },
    {
        "id": "cloudfront-viewer-policy-https",
        "aws_config": "CLOUDFRONT_VIEWER_POLICY_HTTPS",
        "resource_types": [DISTRIBUTION],
        "evaluator": "cloudfront_https",
        "severity": "medium",
        "params": {},
        "why": "A cache behaviour that allows HTTP lets viewers' requests and answers travel in clear text.",
        "remediation": "Set ViewerProtocolPolicy to redirect-to-https or https-only on every cache behaviour (the "
                       "cdn role's provision run sets redirect-to-https).",
    },
    {
        "id": "rds-instance-deletion-protection-enabled",
        "aws_config": "RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
        "resource_types": [DB],
        "evaluator": "db_deletion_protection",
        "severity": "medium",
        "params": {"database_engines": []},
        "why": "Without deletion protection one DeleteDBInstance call removes the database.",
        "remediation": "Set storage_db_deletion_protection: true in the inventory and run provision "
                       "(ModifyDBInstance DeletionProtection).",
    },
    {
        "id": "rds-storage-encrypted",
        "aws_config": "RDS_STORAGE_ENCRYPTED",
        "resource_types": [DB],
        "evaluator": "db_storage_encrypted",
        "severity": "high",
        "params": {"kms_key_id": ""},
        "why": "An unencrypted database keeps its data, its snapshots and its replicas readable from the storage.",
        "remediation": "Encryption cannot be turned on in place: restore an encrypted copy of a snapshot and "
                       "switch to it.",
    },
    {
        "id": "db-instance-backup-enabled",
        "aws_config": "DB_INSTANCE_BACKUP_ENABLED",
        "resource_types": [DB],
        "evaluator": "db_backup",
        "severity": "high",
        "params": {"backup_retention_minimum": 1, "check_read_replicas": False},
        "why": "Without automated backups there is no point-in-time recovery after a bad write or a lost instance.",
        "remediation": "Set the backup retention period (meridian_database.backup_retention_days) to at least the "
                       "minimum and run provision (ModifyDBInstance BackupRetentionPeriod).",
    },
    {
        "id": "rds-instance-public-access-check",
        "aws_config": "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
        "resource_types": [DB],
        "evaluator": "db_public_access",
        "severity": "critical",
        "params": {},
        "why": "A publicly accessible database answers on a public address.",
        "remediation": "Set PubliclyAccessible to false (ModifyDBInstance; the storage role's provision run does).",
    },
    {
        "id": "vpc-flow-logs-enabled",
        "aws_config": "VPC_FLOW_LOGS_ENABLED",
        "resource_types": [VPC],
        "evaluator": "vpc_flow_logs",
        "severity": "medium",
        "params": {"traffic_type": ""},
        "why": "Without flow logs there is no record of the traffic an incident investigation needs.",
        "remediation": "Create the VPC's flow log (the network role's provision run does, vpc_flow_log).",
    },
    {
        "id": "required-tags",
        "aws_config": "REQUIRED_TAGS",
        "resource_types": [SG, INSTANCE, VOLUME, LAUNCH_TEMPLATE, VPC, BUCKET, DB, DISTRIBUTION],
        "evaluator": "required_tags",
        "severity": "low",
        "params": {"tags": {}, "bucket_tags": ["meridian:data-class"]},
        "why": "Drift detection, teardown and cost reports find the estate's resources by its tags; an untagged "
               "resource is invisible to them.",
        "remediation": "Tag the resource (or remove it when the code does not declare it: it is not the estate's).",
    },
    {
        "id": "data-residency",
        "aws_config": None,
        "resource_types": [BUCKET, DB],
        "evaluator": "data_residency",
        "severity": "critical",
        "params": {},
        "why": "Data of a class may only be stored (and copied) in the countries its jurisdiction's residency rule "
               "allows; the same policy decides where region selection may place the estate.",
        "remediation": "Remove the copy that leaves the boundary (replication rule, read replica), or correct the "
                       "resource's data class (meridian:data-class tag, meridian_database.data_class).",
    },
    {
        "id": "suppression-expired",
        "aws_config": None,
        "resource_types": [SUPPRESSION],
        "evaluator": None,
        "severity": "medium",
        "params": {},
        "why": "A suppression is an exception granted until a date; after it the exception must be renewed "
               "(with a reason) or the finding fixed.",
        "remediation": "Fix the finding and delete the suppression from compliance_suppressions, or renew it with a "
                       "new expires date and reason.",
    },
]

RULES_BY_ID = dict((r["id"], r) for r in RULES)


def rule(rule_id):
    return RULES_BY_ID[rule_id]


def _check_type(value, default, field):
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise MeridianError(field, "expected true or false, got %r" % (value,))
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise MeridianError(field, "expected a whole number of at least 0, got %r" % (value,))
    elif isinstance(default, list):
        if not isinstance(value, (list, tuple)):
            raise MeridianError(field, "expected a list, got %r" % (value,))
        return list(value)
    elif isinstance(default, dict):
        if not isinstance(value, dict):
            raise MeridianError(field, "expected a mapping, got %r" % (value,))
    elif not isinstance(value, str):
        raise MeridianError(field, "expected a string, got %r" % (value,))
    return value


def resolve_policy(settings=None, field="compliance_rules"):
    """Every rule's effective ``{enabled, severity, params, reason}`` from the inventory's settings.

    ``settings`` maps a rule id to ``{enabled: bool, severity: str, params: {...}, reason: str}`` (all
    optional; ``resource_types`` too, a subset of the rule's types). A rule turned off or narrowed must
    say why (``reason``), so that the report can show it. Raises
    ``MeridianError`` naming the field for an unknown rule, severity or parameter, or a wrong type.
    """
    settings = settings or {}
    if not isinstance(settings, dict):
        raise MeridianError(field, "expected a mapping of rule id -> {enabled, severity, params, reason}, got %r"
                            % (settings,))
    unknown = sorted(set(settings) - set(RULES_BY_ID))
    if unknown:
        raise MeridianError("%s.%s" % (field, unknown[0]), "unknown rule; known rules: %s"
                            % ", ".join(sorted(RULES_BY_ID)))
    policy = {}
    for spec in RULES:
        own = settings.get(spec["id"]) or {}
        where = "%s.%s" % (field, spec["id"])
        if not isinstance(own, dict):
            raise MeridianError(where, "expected {enabled, severity, params, reason}, got %r" % (own,))
        extra = sorted(set(own) - set(["enabled", "severity", "params", "resource_types", "reason"]))
        if extra:
            raise MeridianError("%s.%s" % (where, extra[0]), "unknown setting; use enabled, severity, params, "
                                                             "resource_types or reason")
        enabled = own.get("enabled", True)
        if not isinstance(enabled, bool):
            raise MeridianError(where + ".enabled", "expected true or false, got %r" % (enabled,))
        severity = own.get("severity", spec["severity"])
        if severity not in SEVERITIES:
            raise MeridianError(where + ".severity", "expected one of %s, got %r" % (", ".join(SEVERITIES), severity))
        reason = own.get("reason") or ""
        if not isinstance(reason, str):
            raise MeridianError(where + ".reason", "expected a string, got %r" % (reason,))
        types = own.get("resource_types")
        if types is None:
            types = list(spec["resource_types"])
        elif not isinstance(types, (list, tuple)) or not types or set(types) - set(spec["resource_types"]):
            raise MeridianError(where + ".resource_types", "expected a non-empty list of %s's resource types (%s), got %r"
                                % (spec["id"], ", ".join(spec["resource_types"]), types))
        narrowed = set(types) != set(spec["resource_types"])
        if (not enabled or narrowed) and not reason.strip():
            raise MeridianError(where + ".reason", "a rule turned off or narrowed needs a reason (why this "
                                                   "environment legitimately differs)")
        params = plain_copy(spec["params"])
        given = own.get("params") or {}
        if not isinstance(given, dict):
            raise MeridianError(where + ".params", "expected a mapping, got %r" % (given,))
        for key, value in given.items():
            if key not in params:
                raise MeridianError("%s.params.%s" % (where, key), "unknown parameter; %s takes %s"
                                    % (spec["id"], ", ".join(sorted(params)) or "none"))
            params[key] = _check_type(value, params[key], "%s.params.%s" % (where, key))
        policy[spec["id"]] = {"enabled": enabled, "severity": severity, "params": params,
                              "resource_types": [t for t in spec["resource_types"] if t in types], "reason": reason}
    return policy
