# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS failback's rules: the fence, the carried settings, the replica's arguments, the
replication decision and the "may I delete this instance" rule."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill import rds_failback as rules
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

ARN = "arn:aws:rds:eu-central-1:123456789012:db:orders-db-standby"


def _instance(**over):
    base = {"DBInstanceIdentifier": "orders-db-standby", "DBInstanceArn": ARN, "DBInstanceClass": "db.r6g.large",
            "Engine": "postgres", "DBInstanceStatus": "available", "MultiAZ": True, "BackupRetentionPeriod": 7,
            "DeletionProtection": True, "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-app", "Status": "active"}],
            "DBParameterGroups": [{"DBParameterGroupName": "orders-pg16", "ParameterApplyStatus": "in-sync"}]}
    base.update(over)
    return base


SETTINGS = {"multi_az": True, "backup_retention_period": 7, "db_parameter_group": "orders-pg16",
            "deletion_protection": True, "tags": {"team": "orders"}}


def test_carried_settings_leave_out_the_failbacks_own_and_aws_tags():
    tags = {"team": "orders", rules.FENCE_TAG: "d1", rules.PROMOTED_TAG: "d1", "aws:cloudformation:stack-name": "x"}
    assert rules.carried_settings(_instance(), tags) == SETTINGS
    assert rules.carried_settings(_instance(MultiAZ=False, BackupRetentionPeriod=0, DeletionProtection=False,
                                            DBParameterGroups=[]), {}) == {
        "multi_az": False, "backup_retention_period": 0, "db_parameter_group": None, "deletion_protection": False, "tags": {}}


@pytest.mark.parametrize("settings, message", [
    ([], "must be a dict"),
    ({"multi_az": True}, "misses backup_retention_period"),
    (dict(SETTINGS, backup_retention_period=0), "must be 1-35 days"),
    (dict(SETTINGS, backup_retention_period=36), "must be 1-35 days"),
    (dict(SETTINGS, tags=[]), "tags must be a dict"),
])
def test_bad_settings_name_the_option(settings, message):
    with pytest.raises(DrillError) as err:
        rules.validate_settings(settings)
    assert err.value.field == "settings" and message in str(err.value)


def test_replica_identifier_never_reuses_an_existing_instance():
    assert rules.replica_identifier("orders-db", {"other"}, "eu-west-1-20261201T020000Z") == "orders-db"
    name = rules.replica_identifier("orders-db", {"orders-db"}, "eu-west-1-20261201T020000Z")
    assert name != "orders-db" and name.startswith("orders-db-fb-") and name.endswith("20261201t020000z")
    # run again (resume): the instance it built is found again, even once the original is gone
    assert rules.replica_identifier("orders-db", {"orders-db", name}, "eu-west-1-20261201T020000Z") == name
    assert rules.replica_identifier("orders-db", {name}, "eu-west-1-20261201T020000Z") == name
    long_base = "a" + "b" * 62
    long_name = rules.replica_identifier(long_base, {long_base}, "eu-west-1-20261201T020000Z")
    assert len(long_name) <= 63 and long_name != long_base and "--" not in long_name


def test_retired_identifier():
    name = rules.retired_identifier("orders-db", "eu-west-1-20261201T020000Z")
    assert name == "orders-db-old-20261201t020000z"
    assert name != rules.replica_identifier("orders-db", {"orders-db"}, "eu-west-1-20261201T020000Z")
    assert len(rules.retired_identifier("a" + "b" * 62, "eu-west-1-20261201T020000Z")) <= 63


def test_unfence_gives_the_groups_back():
    tags = {rules.FENCE_TAG: "d1", rules.FENCE_GROUP_TAG: "sg-fence", rules.FENCE_PREVIOUS_TAG: "sg-app sg-ops"}
    fenced = _instance(VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-fence"}])
    assert rules.unfence_arguments(fenced, tags) == {
        "DBInstanceIdentifier": "orders-db-standby", "VpcSecurityGroupIds": ["sg-app", "sg-ops"], "ApplyImmediately": True}
    assert rules.unfence_arguments(_instance(), tags) is None
    with pytest.raises(DrillError) as err:
        rules.unfence_arguments(fenced, dict(tags, **{rules.FENCE_PREVIOUS_TAG: ""}))
    assert "by hand" in str(err.value)


@pytest.mark.parametrize("identifier", ["1db", "db-", "d--b", "", "a" * 64, "db_1"])
def test_bad_identifiers(identifier):
    with pytest.raises(DrillError):
        rules.validate_identifier(identifier, "db_instance_identifier")


def test_replica_arguments_follow_the_aws_rules():
    source = _instance()
    args = rules.replica_arguments("orders-db-fb", source, "eu-central-1", SETTINGS, "postgres",
                                   {"db_subnet_group_name": "orders", "vpc_security_group_ids": ["sg-a"]})
    assert args["SourceDBInstanceIdentifier"] == ARN and args["SourceRegion"] == "eu-central-1"
    assert args["MultiAZ"] is True and args["DeletionProtection"] is True
    assert args["Tags"] == [{"Key": "team", "Value": "orders"}]
    assert args["DBInstanceClass"] == "db.r6g.large" and args["VpcSecurityGroupIds"] == ["sg-a"]
    # PostgreSQL: no parameter group for a cross-Region replica (RDS refuses one), no backup retention at creation
    assert "DBParameterGroupName" not in args and "BackupRetentionPeriod" not in args
    mysql = rules.replica_arguments("orders-db-fb", _instance(Engine="mysql"), "eu-central-1", SETTINGS, "mysql", {})
    assert mysql["DBParameterGroupName"] == "orders-pg16"
    with pytest.raises(DrillError) as err:
        rules.replica_arguments("orders-db-fb", _instance(StorageEncrypted=True), "eu-central-1", SETTINGS, "postgres", {})
    assert err.value.field == "kms_key_id"
    encrypted = rules.replica_arguments("orders-db-fb", _instance(StorageEncrypted=True), "eu-central-1", SETTINGS,
                                        "postgres", {"kms_key_id": "alias/orders"})
    assert encrypted["KmsKeyId"] == "alias/orders"


def test_settings_are_restored_and_checked():
    promoted = _instance(MultiAZ=False, BackupRetentionPeriod=1, DeletionProtection=False,
                         DBParameterGroups=[{"DBParameterGroupName": "default.postgres16", "ParameterApplyStatus": "in-sync"}])
    assert rules.modify_arguments(SETTINGS, promoted) == {
        "DBInstanceIdentifier": "orders-db-standby", "ApplyImmediately": True, "MultiAZ": True,
        "BackupRetentionPeriod": 7, "DBParameterGroupName": "orders-pg16", "DeletionProtection": True}
    found = rules.settings_mismatches(SETTINGS, promoted, {"team": "payments"})
    assert sorted(m["setting"] for m in found) == sorted(rules.CARRIED)
    assert rules.modify_arguments(SETTINGS, _instance()) is None
    assert rules.settings_mismatches(SETTINGS, _instance(), {"team": "orders", "extra": "kept"}) == []
    pending = _instance(DBParameterGroups=[{"DBParameterGroupName": "orders-pg16", "ParameterApplyStatus": "pending-reboot"}])
    assert rules.needs_reboot(pending) and not rules.needs_reboot(_instance())
    assert [m["found"] for m in rules.settings_mismatches(SETTINGS, pending, {"team": "orders"})] == ["pending-reboot"]


def test_fence():
    instance = _instance()
    assert rules.fence_arguments(instance, "sg-fence") == {
        "DBInstanceIdentifier": "orders-db-standby", "VpcSecurityGroupIds": ["sg-fence"], "ApplyImmediately": True}
    tags = rules.fence_tags(instance, "d1", "sg-fence")
    assert tags == {rules.FENCE_TAG: "d1", rules.FENCE_GROUP_TAG: "sg-fence", rules.FENCE_PREVIOUS_TAG: "sg-app"}
    assert not rules.is_fenced(instance, tags)  # tagged, but still behind its own group
    fenced = _instance(VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-fence", "Status": "active"}])
    assert rules.is_fenced(fenced, tags) and rules.fence_arguments(fenced, "sg-fence") is None
    assert not rules.is_fenced(fenced, {})  # behind the group, but no record of a fence
    assert rules.fence_tags(fenced, "d2", "sg-fence", tags) == {}  # recorded already
    # found behind the fence group with an old record of another group: recorded again, keeping the old groups
    stale = dict(tags, **{rules.FENCE_GROUP_TAG: "sg-old-fence"})
    assert rules.fence_tags(fenced, "d2", "sg-fence", stale) == {
        rules.FENCE_TAG: "d2", rules.FENCE_GROUP_TAG: "sg-fence", rules.FENCE_PREVIOUS_TAG: "sg-app"}
    both = _instance(VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-fence"}, {"VpcSecurityGroupId": "sg-app"}])
    assert not rules.is_fenced(both, tags)


def test_deletion_verdict():
    tags = {rules.FENCE_TAG: "d1", rules.FENCE_GROUP_TAG: "sg-fence"}
    fenced = _instance(VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-fence"}])
    allowed, why = rules.deletion_verdict(fenced, tags, "orders-db-fb")
    assert allowed and "fenced" in why
    for writer in ("orders-db-standby", ARN):
        allowed, why = rules.deletion_verdict(fenced, tags, writer)
        assert not allowed and "current writer" in why
    allowed, why = rules.deletion_verdict(_instance(), {}, "orders-db-fb")
    assert not allowed and "not fenced" in why and "sg-app" in why
    assert rules.deletion_verdict(None, {}, "orders-db-fb")[0] is True


def _replica(status="available", replication=("replicating", True), **over):
    infos = [{"StatusType": "read replication", "Status": replication[0], "Normal": replication[1]}] if replication else []
    return _instance(DBInstanceIdentifier="orders-db-fb", DBInstanceStatus=status, StatusInfos=infos,
                     ReadReplicaSourceDBInstanceIdentifier=ARN, **over)


@pytest.mark.parametrize("replica, engine, lag, slot, decision, reason", [
    (None, "postgres", [], [], "failed", "does not exist"),
    (_replica(status="creating"), "postgres", [], [0], "wait", "is creating"),
    (_replica(status="incompatible-parameters"), "postgres", [], [0], "failed", "incompatible-parameters"),
    (_replica(replication=None), "postgres", [], [0], "wait", "no replication state"),
    (_replica(replication=("replication degraded", False)), "postgres", [], [0], "wait", "replication degraded"),
    (_replica(replication=("error", False)), "postgres", [], [0], "failed", "is error"),
    (_replica(replication=("terminated", False)), "mysql", [0], [], "failed", "is terminated"),
    (_replica(), "postgres", [], [], "wait", "no OldestReplicationSlotLag"),
    (_replica(), "postgres", [], [0, 16.5], "wait", "16.5 MB of WAL"),
    # PostgreSQL's ReplicaLag grows on a fenced source: it is not what decides
    (_replica(), "postgres", [340], [4096, 0], "ready", "OldestReplicationSlotLag 0"),
    (_replica(), "mysql", [3, -1], [], "wait", "not running"),
    (_replica(), "mysql", [0, 2], [], "wait", "ReplicaLag 2"),
    (_replica(), "mysql", [2, 0], [], "ready", "ReplicaLag 0"),
    (_instance(), "mysql", [0], [], "failed", "not a read replica"),
])
def test_replication_decision(replica, engine, lag, slot, decision, reason):
    got = rules.replication_decision(replica, engine, lag, slot)
    assert got["decision"] == decision and reason in got["reason"]


def test_is_replica():
    assert rules.is_replica(_replica(), {})
    assert not rules.is_replica(_replica(), {rules.PROMOTED_TAG: "d1"})
    assert not rules.is_replica(_instance(), {})
