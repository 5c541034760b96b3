# -*- coding: utf-8 -*-
"""Every compliance rule on a compliant and a non-compliant resource, the policy data (enabled rules,
severities, parameters) and the residency judge over the region selection policy."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import evaluators as E
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import rules as R
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.residency import build_judge

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}
JUDGE, CLASSES = build_judge()
CONTEXT = {"tags": TAGS, "data_classes": {"meridian-local-db": "pii"}, "judge": JUDGE,
           "bucket_regions": {"b-us": "us-east-1", "b-eu": "eu-west-1", "b-in": "ap-south-1"}}


def res(resource_type, config, resource_id="r-1", region="us-east-1", tags=None, **extra):
    out = {"provider": "aws", "region": region, "resource_type": resource_type, "resource_id": resource_id,
           "name": resource_id, "tags": dict(TAGS) if tags is None else tags, "owned": True, "config": config}
    out.update(extra)
    return out


def judge(rule_id, resource, params=None):
    spec = R.rule(rule_id)
    merged = copy.deepcopy(spec["params"])
    merged.update(params or {})
    assert resource["resource_type"] in spec["resource_types"]
    return E.evaluate(spec["evaluator"], resource, merged, CONTEXT)


def sg(*permissions):
    return res(R.SG, {"GroupId": "sg-1", "IpPermissions": list(permissions)}, "sg-1")


def perm(proto, low, high, cidr="0.0.0.0/0", v6=None):
    p = {"IpProtocol": proto, "FromPort": low, "ToPort": high, "IpRanges": [{"CidrIp": cidr}] if cidr else []}
    if v6:
        p["Ipv6Ranges"] = [{"CidrIpv6": v6}]
    return p


# restricted-ssh

@pytest.mark.parametrize("permission", [
    perm("tcp", 443, 443), perm("tcp", 22, 22, "10.0.0.0/8"), perm("udp", 22, 22), perm("tcp", 80, 80, None, "::/0")])
def test_restricted_ssh_passes(permission):
    assert judge("restricted-ssh", sg(permission)) == []


@pytest.mark.parametrize("permission,field", [
    (perm("tcp", 22, 22), "ingress.tcp/22-22/0.0.0.0/0"),
    (perm("tcp", 0, 1024), "ingress.tcp/0-1024/0.0.0.0/0"),
    ({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, "ingress.-1/0-65535/0.0.0.0/0"),
    (perm("6", 22, 22, None, "::/0"), "ingress.tcp/22-22/::/0"),
])
def test_restricted_ssh_fails_naming_the_rule(permission, field):
    found = judge("restricted-ssh", sg(permission))
    assert [v["field"] for v in found] == [field]
    assert "SSH" in found[0]["message"]


# vpc-sg-open-only-to-authorized-ports

def test_authorized_ports_pass_and_private_sources_are_not_judged():
    group = sg(perm("tcp", 80, 80), perm("tcp", 443, 443), perm("tcp", 8080, 8081, "10.10.0.0/16"))
    assert judge("vpc-sg-open-only-to-authorized-ports", group) == []


def test_unauthorized_public_ports_fail():
    found = judge("vpc-sg-open-only-to-authorized-ports", sg(perm("tcp", 22, 22), perm("udp", 53, 53), perm("tcp", 80, 443)))
    assert [v["field"] for v in found] == ["ingress.tcp/22-22/0.0.0.0/0", "ingress.udp/53-53/0.0.0.0/0",
                                           "ingress.tcp/80-443/0.0.0.0/0"]
    assert judge("vpc-sg-open-only-to-authorized-ports", sg(perm("tcp", 1020, 1025)),
                 {"authorized_tcp_ports": ["1020-1025"]}) == []


# IMDSv2

def test_instance_imdsv2():
    assert judge("ec2-imdsv2-check", res(R.INSTANCE, {"MetadataOptions": {"HttpTokens": "required"}})) == []
    found = judge("ec2-imdsv2-check", res(R.INSTANCE, {"MetadataOptions": {"HttpTokens": "optional"}}))
    assert found[0]["field"] == "MetadataOptions.HttpTokens" and found[0]["actual"] == "optional"
    assert judge("ec2-imdsv2-check", res(R.INSTANCE, {}))[0]["actual"] == "optional"


def test_launch_template_imdsv2_judges_the_default_version():
    good = {"DefaultVersion": {"VersionNumber": 3, "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "required"}}}}
    bad = {"DefaultVersion": {"VersionNumber": 4, "LaunchTemplateData": {"MetadataOptions": {"HttpTokens": "optional"}}}}
    assert judge("ec2-launch-template-imdsv2-check", res(R.LAUNCH_TEMPLATE, good)) == []
    found = judge("ec2-launch-template-imdsv2-check", res(R.LAUNCH_TEMPLATE, bad, "lt-1"))
    assert found[0]["field"] == "DefaultVersion.MetadataOptions.HttpTokens" and "version 4" in found[0]["message"]
    assert judge("ec2-launch-template-imdsv2-check", res(R.LAUNCH_TEMPLATE, {"DefaultVersion": {}}))[0]["actual"] == "optional"
    # a newer version than the default, which Auto Scaling groups launching $Latest use, is judged too
    newer = dict(good, LatestVersion=bad["DefaultVersion"])
    found = judge("ec2-launch-template-imdsv2-check", res(R.LAUNCH_TEMPLATE, newer, "lt-1"))
    assert [v["field"] for v in found] == ["LatestVersion.MetadataOptions.HttpTokens"] and "latest version 4" in found[0]["message"]
    same = dict(bad, LatestVersion=bad["DefaultVersion"])
    assert len(judge("ec2-launch-template-imdsv2-check", res(R.LAUNCH_TEMPLATE, same))) == 1


# encrypted-volumes

def test_encrypted_volumes():
    attached = [{"InstanceId": "i-1"}]
    assert judge("encrypted-volumes", res(R.VOLUME, {"Attachments": attached, "Encrypted": True})) == []
    assert judge("encrypted-volumes", res(R.VOLUME, {"Attachments": [], "Encrypted": False})) == []  # not attached
    found = judge("encrypted-volumes", res(R.VOLUME, {"Attachments": attached, "Encrypted": False}, "vol-1"))
    assert found[0]["field"] == "Encrypted" and "i-1" in found[0]["message"]
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    assert judge("encrypted-volumes", res(R.VOLUME, {"Attachments": attached, "Encrypted": True, "KmsKeyId": key}),
                 {"kms_id": "abc"}) == []
    assert judge("encrypted-volumes", res(R.VOLUME, {"Attachments": attached, "Encrypted": True, "KmsKeyId": key}),
                 {"kms_id": "other"})[0]["field"] == "KmsKeyId"


# buckets

BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
PUBLIC_POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*",
                                                         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
OAC_POLICY = {"Statement": [{"Sid": "CloudFront", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                             "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/E1"}}}]}
PUBLIC_ACL = {"Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                          "Permission": "READ"}]}


def bucket(**config):
    return res(R.BUCKET, config, "b-us")


def test_public_read_passes_for_a_private_or_blocked_bucket():
    assert judge("s3-bucket-public-read-prohibited", bucket(public_access_block=BLOCKED, policy=OAC_POLICY)) == []
    assert judge("s3-bucket-public-read-prohibited", bucket(public_access_block=None, policy=OAC_POLICY)) == []
    # a public policy and ACL that Block Public Access restricts and ignores are not effective
    assert judge("s3-bucket-public-read-prohibited", bucket(public_access_block=BLOCKED, policy=PUBLIC_POLICY,
                                                            acl=PUBLIC_ACL)) == []
    restricted = copy.deepcopy(PUBLIC_POLICY)
    restricted["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceVpce": "vpce-1"}}
    assert judge("s3-bucket-public-read-prohibited", bucket(public_access_block=None, policy=restricted)) == []


def test_public_read_fails_for_a_public_policy_or_acl():
    found = judge("s3-bucket-public-read-prohibited", bucket(public_access_block=None, policy=PUBLIC_POLICY, acl=PUBLIC_ACL))
    assert [v["field"] for v in found] == ["policy.Statement[Public]", "acl.AllUsers"]
    wildcard = copy.deepcopy(PUBLIC_POLICY)
    wildcard["Statement"][0].update(Principal={"AWS": ["*"]}, Action=["s3:*"],
                                    Condition={"StringLike": {"aws:SourceVpce": "vpce-*"}})
    del wildcard["Statement"][0]["Sid"]
    assert [v["field"] for v in judge("s3-bucket-public-read-prohibited",
                                      bucket(public_access_block={"IgnorePublicAcls": True}, policy=wildcard))] == \
        ["policy.Statement[0]"]


def test_bucket_level_public_access_block():
    assert judge("s3-bucket-level-public-access-prohibited", bucket(public_access_block=BLOCKED)) == []
    found = judge("s3-bucket-level-public-access-prohibited", bucket(public_access_block=dict(BLOCKED, BlockPublicPolicy=False)))
    assert [v["field"] for v in found] == ["PublicAccessBlock.BlockPublicPolicy"]
    assert len(judge("s3-bucket-level-public-access-prohibited", bucket(public_access_block=None))) == 4
    assert judge("s3-bucket-level-public-access-prohibited", bucket(public_access_block=None),
                 {"excluded_public_buckets": ["b-us"]}) == []


def test_bucket_versioning():
    assert judge("s3-bucket-versioning-enabled", bucket(versioning={"Status": "Enabled"})) == []
    found = judge("s3-bucket-versioning-enabled", bucket(versioning={"Status": "Suspended"}))
    assert found[0]["field"] == "Versioning.Status" and found[0]["actual"] == "Suspended"
    assert judge("s3-bucket-versioning-enabled", bucket(versioning={}))[0]["actual"] == "never enabled"
    assert judge("s3-bucket-versioning-enabled", bucket(versioning={"Status": "Enabled"}),
                 {"is_mfa_delete_enabled": True})[0]["field"] == "Versioning.MFADelete"


# CloudFront

def test_cloudfront_viewer_policy_https():
    dist = {"DefaultCacheBehavior": {"ViewerProtocolPolicy": "redirect-to-https"},
            "CacheBehaviors": {"Quantity": 1, "Items": [{"PathPattern": "/static/*", "ViewerProtocolPolicy": "https-only"}]}}
    assert judge("cloudfront-viewer-policy-https", res(R.DISTRIBUTION, dist, "E1", "global")) == []
    dist["CacheBehaviors"]["Items"][0]["ViewerProtocolPolicy"] = "allow-all"
    found = judge("cloudfront-viewer-policy-https", res(R.DISTRIBUTION, dist, "E1", "global"))
    assert [v["field"] for v in found] == ["CacheBehaviors[/static/*].ViewerProtocolPolicy"]


# RDS

DB_OK = {"DBInstanceIdentifier": "meridian-local-db", "Engine": "postgres", "DeletionProtection": True,
         "StorageEncrypted": True, "KmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "BackupRetentionPeriod": 7,
         "PubliclyAccessible": False}


def db(**changes):
    return res(R.DB, dict(DB_OK, **changes), "meridian-local-db")


def test_db_deletion_protection():
    assert judge("rds-instance-deletion-protection-enabled", db()) == []
    assert judge("rds-instance-deletion-protection-enabled", db(DeletionProtection=False))[0]["field"] == "DeletionProtection"
    assert judge("rds-instance-deletion-protection-enabled", db(DeletionProtection=False),
                 {"database_engines": ["mysql"]}) == []


def test_db_storage_encrypted():
    assert judge("rds-storage-encrypted", db()) == []
    assert judge("rds-storage-encrypted", db(StorageEncrypted=False))[0]["field"] == "StorageEncrypted"
    assert judge("rds-storage-encrypted", db(), {"kms_key_id": "other"})[0]["field"] == "KmsKeyId"


def test_db_backup_enabled_and_read_replicas():
    assert judge("db-instance-backup-enabled", db()) == []
    found = judge("db-instance-backup-enabled", db(BackupRetentionPeriod=0))
    assert found[0]["field"] == "BackupRetentionPeriod" and found[0]["actual"] == 0
    assert judge("db-instance-backup-enabled", db(BackupRetentionPeriod=3), {"backup_retention_minimum": 7})
    replica = db(BackupRetentionPeriod=0, ReadReplicaSourceDBInstanceIdentifier="src")
    assert judge("db-instance-backup-enabled", replica) == []
    assert judge("db-instance-backup-enabled", replica, {"check_read_replicas": True})


def test_db_public_access():
    assert judge("rds-instance-public-access-check", db()) == []
    assert judge("rds-instance-public-access-check", db(PubliclyAccessible=True))[0]["field"] == "PubliclyAccessible"


# VPC flow logs

def test_vpc_flow_logs():
    active = {"FlowLogs": [{"FlowLogStatus": "ACTIVE", "TrafficType": "REJECT"}]}
    assert judge("vpc-flow-logs-enabled", res(R.VPC, active, "vpc-1")) == []
    assert judge("vpc-flow-logs-enabled", res(R.VPC, {"FlowLogs": []}, "vpc-1"))[0]["field"] == "FlowLogs"
    assert judge("vpc-flow-logs-enabled", res(R.VPC, active, "vpc-1"), {"traffic_type": "ACCEPT"})


# required-tags

def test_required_tags_defaults_to_the_estates_tags():
    assert judge("required-tags", res(R.INSTANCE, {}, "i-1")) == []
    found = judge("required-tags", res(R.INSTANCE, {}, "i-1", tags={"meridian:env": "prod"}))
    assert [(v["field"], v["actual"]) for v in found] == [("tags.meridian:env", "prod"), ("tags.meridian:managed-by", None)]
    assert judge("required-tags", res(R.SG, {}, "sg-d", tags={}, aws_default=True)) == []


def test_required_tags_on_buckets_include_the_data_class():
    assert [v["field"] for v in judge("required-tags", bucket())] == ["tags.meridian:data-class"]
    assert judge("required-tags", res(R.BUCKET, {}, "b", tags=dict(TAGS, **{"meridian:data-class": "pii"}))) == []
    assert [v["field"] for v in judge("required-tags", res(R.INSTANCE, {}, "i-1"), {"tags": {"CostCenter": ""}})] == \
        ["tags.CostCenter"]


# data-residency

def replicating(source_region, data_class, destination):
    tags = dict(TAGS, **{"meridian:data-class": data_class}) if data_class else dict(TAGS)
    return res(R.BUCKET, {"replication": {"Rules": [{"ID": "failover", "Status": "Enabled",
                                                     "Destination": {"Bucket": "arn:aws:s3:::%s" % destination}}]}},
               "b-src", source_region, tags=tags)


def test_residency_of_bucket_replication():
    assert judge("data-residency", replicating("us-east-1", "pii", "b-eu")) == []       # US pii may go to the EU
    assert judge("data-residency", replicating("eu-west-1", "operational", "b-us")) == []
    found = judge("data-residency", replicating("eu-west-1", "pii", "b-us"))            # EU pii may not go to the US
    assert found[0]["field"] == "residency.replication[failover]"
    assert "EU" in found[0]["message"] and "us-east-1" in found[0]["message"]
    assert judge("data-residency", replicating("eu-west-1", "pii", "b-gone"))[0]["actual"].endswith("region unknown")
    assert judge("data-residency", replicating("us-east-1", None, "b-eu"))[0]["field"] == "data_class"
    unknown = judge("data-residency", replicating("us-east-1", "secrets", "b-eu"))
    assert unknown[0]["field"] == "residency.replication[failover]" and "no rule" in unknown[0]["message"]


def test_residency_of_database_read_replicas():
    primary = res(R.DB, {"DBInstanceIdentifier": "meridian-local-db"}, "meridian-local-db", "us-east-1")
    assert judge("data-residency", primary) == []
    replica = res(R.DB, {"ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:us-east-1:1:db:meridian-local-db"},
                  "meridian-local-db-replica", "eu-west-1")
    assert judge("data-residency", replica) == []  # the class follows the primary: US pii in the EU
    reverse = res(R.DB, {"ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:eu-west-1:1:db:meridian-local-db"},
                  "meridian-local-db-replica", "us-east-1")
    assert judge("data-residency", reverse)[0]["field"] == "residency.read_replica"
    stray = res(R.DB, {}, "someone-elses-db")
    assert judge("data-residency", stray)[0]["field"] == "data_class"


def test_the_judge_is_the_region_selection_policy_with_its_overrides():
    judge_with = build_judge({"overrides": {"EU": {"pii": ["EEA", "US"]}}})[0]
    assert judge_with("pii", "eu-west-1", "us-east-1") is None
    assert JUDGE("pii", "eu-west-1", "us-east-1")["jurisdiction"] == "EU"


# the policy data

def test_every_rule_has_an_evaluator_and_its_documentation():
    for spec in R.RULES:
        assert spec["why"] and spec["remediation"] and spec["severity"] in R.SEVERITIES
        if spec["evaluator"]:
            assert spec["evaluator"] in E.EVALUATORS


def test_policy_defaults_overrides_and_refusals():
    policy = R.resolve_policy()
    assert all(p["enabled"] for p in policy.values())
    policy = R.resolve_policy({"restricted-ssh": {"severity": "critical"},
                               "rds-instance-deletion-protection-enabled": {"enabled": False, "reason": "test env"},
                               "db-instance-backup-enabled": {"params": {"backup_retention_minimum": 7}}})
    assert policy["restricted-ssh"]["severity"] == "critical"
    assert policy["rds-instance-deletion-protection-enabled"] == {
        "enabled": False, "severity": "medium", "params": {"database_engines": []}, "reason": "test env",
        "resource_types": ["AWS::RDS::DBInstance"]}
    narrowed = R.resolve_policy({"required-tags": {"resource_types": [R.VPC, R.BUCKET], "reason": "emulator"}})
    assert narrowed["required-tags"]["resource_types"] == [R.VPC, R.BUCKET]
    assert policy["db-instance-backup-enabled"]["params"]["backup_retention_minimum"] == 7
    for settings, field in [({"no-such-rule": {}}, "compliance_rules.no-such-rule"),
                            ({"restricted-ssh": {"severity": "urgent"}}, "compliance_rules.restricted-ssh.severity"),
                            ({"restricted-ssh": {"enabled": False}}, "compliance_rules.restricted-ssh.reason"),
                            ({"restricted-ssh": {"params": {"port": 22}}}, "compliance_rules.restricted-ssh.params.port"),
                            ({"db-instance-backup-enabled": {"params": {"backup_retention_minimum": "7"}}},
                             "compliance_rules.db-instance-backup-enabled.params.backup_retention_minimum"),
                            ({"restricted-ssh": {"enable": False}}, "compliance_rules.restricted-ssh.enable"),
                            ({"required-tags": {"resource_types": [R.VPC]}}, "compliance_rules.required-tags.reason"),
                            ({"required-tags": {"resource_types": ["AWS::IAM::Role"], "reason": "x"}},
                             "compliance_rules.required-tags.resource_types")]:
        with pytest.raises(MeridianError) as err:
            R.resolve_policy(settings)
        assert err.value.field == field
