# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS failback's rules (pure): the fence, the settings carried over, the replica's arguments,
when a rebuilt replica may be promoted, and which instance may be deleted.

RDS cannot demote a promoted read replica. Failback therefore rebuilds the pair:

1. fence the promoted standby (the writer since the failover), and the original primary if the
   failover left it unfenced;
2. create a cross-Region read replica of the fenced writer back in the original Region (a new
   identifier while the original primary still exists);
3. wait until the replica has everything the writer holds (``replication_decision``);
4. promote it, then apply and check the carried settings (Multi-AZ, backup retention, parameter
   group, tags, deletion protection);
5. switch DNS to it; only then delete the fenced instances, each with a final snapshot
   (``deletion_verdict``), and give the standby Region a fresh replica of the restored primary.

The fence (``fence_arguments``): the instance's VPC security groups are replaced by one fence group
without inbound rules, and the instance is rebooted. A security group change does not cut the
connections it tracks already (EC2 security group connection tracking), the reboot does: the engine
restarts and every session ends; new ones cannot open. The fenced instance keeps replicating to its
cross-Region replica: RDS sets that stream up itself. The fence is recorded in tags on the instance
(``FENCE_TAG`` = drill id, ``FENCE_GROUP_TAG`` = the fence group, ``FENCE_PREVIOUS_TAG`` = the
security groups it replaced), so that another controller can prove the fence or lift it. Its limits:
whoever may call ``rds:ModifyDBInstance`` can put the old groups back, and an instance reachable
through another path than its security groups (none for an RDS instance in a VPC) is not fenced.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

FENCE_TAG = "meridian:dr-fence"
FENCE_GROUP_TAG = "meridian:dr-fence-group"
FENCE_PREVIOUS_TAG = "meridian:dr-fence-previous-sgs"
PROMOTED_TAG = "meridian:dr-promoted"
_OWN_TAGS = (FENCE_TAG, FENCE_GROUP_TAG, FENCE_PREVIOUS_TAG, PROMOTED_TAG)

# The settings carried from the original primary to the restored one (and checked after).
CARRIED = ("multi_az", "backup_retention_period", "db_parameter_group", "deletion_protection", "tags")

# DescribeDBInstances statuses a replica does not come back from on its own.
_BROKEN_STATUSES = ("failed", "incompatible-parameters", "incompatible-restore", "incompatible-network",
                    "inaccessible-encryption-credentials", "storage-full", "restore-error")
_IDENTIFIER_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")


def validate_identifier(identifier, field):
    """RDS DB instance identifiers: 1-63 letters, digits or hyphens, a letter first, no trailing or
    double hyphen (stored lower case)."""
    if not isinstance(identifier, str) or not _IDENTIFIER_RE.match(identifier.lower()):
        raise DrillError(field, "%r is not an RDS DB instance identifier (1-63 letters, digits or hyphens, "
                                "starting with a letter, no trailing or double hyphen)" % (identifier,))
    return identifier.lower()


def tag_dict(tag_list):
    return dict((t["Key"], t["Value"]) for t in tag_list or [])


def tag_list(tags):
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def _parameter_group(instance):
    groups = instance.get("DBParameterGroups") or []
    return groups[0]["DBParameterGroupName"] if groups else None


def carried_settings(instance, tags):
    """The settings the restored primary must keep, read from ``instance`` (DescribeDBInstances
    entry) and its ``tags`` (dict). The failback's own tags and AWS-reserved ones are not carried."""
    return {
        "multi_az": bool(instance.get("MultiAZ")),
        "backup_retention_period": int(instance.get("BackupRetentionPeriod") or 0),
        "db_parameter_group": _parameter_group(instance),
        "deletion_protection": bool(instance.get("DeletionProtection")),
        "tags": dict((k, v) for k, v in (tags or {}).items() if k not in _OWN_TAGS and not k.startswith("aws:")),
    }


def validate_settings(settings, field="settings"):
    """``settings`` as ``carried_settings`` returns them (from a saved drill state or a variable)."""
    if not isinstance(settings, dict):
        raise DrillError(field, "must be a dict with the keys %s" % ", ".join(CARRIED))
    missing = [k for k in CARRIED if k not in settings]
    if missing:
        raise DrillError(field, "misses %s (read them with step=inspect before the failback)" % ", ".join(missing))
    retention = settings["backup_retention_period"]
    if not isinstance(retention, int) or isinstance(retention, bool) or not 1 <= retention <= 35:
        # a source of read replicas needs automated backups: 0 would refuse the standby's replica
        raise DrillError(field, "backup_retention_period must be 1-35 days (the restored primary is the source of the "
                                "standby's replica, which RDS refuses without automated backups), got %r" % (retention,))
    if not isinstance(settings["tags"], dict):
        raise DrillError(field, "tags must be a dict")
    return settings


def _derived(base, word, drill_id):
    suffix = re.sub(r"[^a-z0-9]+", "-", drill_id.lower()).strip("-")[-16:].strip("-") or "x"
    name = re.sub(r"-{2,}", "-", "%s-%s-%s" % (base[:63 - len(suffix) - len(word) - 2].rstrip("-"), word, suffix))
    return validate_identifier(name, "drill_id")


def replica_identifier(base, taken, drill_id):
    """The identifier of an instance this failback builds in place of ``base``: ``base`` when no
    instance holds it, else ``<base>-fb-<drill time>`` (never reusing, and so never deleting, an
    instance that may serve writes). The derived name, once it exists, stays the answer, so that a
    failback run again (resume) finds what it built. ``taken``: the identifiers of the Region."""
    base = validate_identifier(base, "db_instance_identifier")
    derived = _derived(base, "fb", drill_id)
    if derived in taken or base in taken:
        return derived
    return base


def retired_identifier(base, drill_id):
    """The name a fenced instance takes when the instance built in its place takes ``base`` back:
    ``<base>-old-<drill time>`` (RDS frees a name at once on a rename, and keeps the replicas,
    tags and snapshots of the renamed instance)."""
    return _derived(validate_identifier(base, "db_instance_identifier"), "old", drill_id)


def unfence_arguments(instance, tags):
    """ModifyDBInstance arguments that give a fenced ``instance`` its security groups back (the
    fence tag's record), or None when it is not behind the fence group."""
    group = (tags or {}).get(FENCE_GROUP_TAG)
    previous = ((tags or {}).get(FENCE_PREVIOUS_TAG) or "").split()
    if not group or security_groups(instance) != [group]:
        return None
    if not previous:
        raise DrillError("db_instance_identifier", "%s is fenced but its fence tag records no previous security group: "
                                                   "give it its groups back by hand" % instance["DBInstanceIdentifier"])
    return {"DBInstanceIdentifier": instance["DBInstanceIdentifier"], "VpcSecurityGroupIds": previous, "ApplyImmediately": True}


def replica_arguments(identifier, source, source_region, settings, engine, network):
    """CreateDBInstanceReadReplica arguments of the cross-Region replica of ``source`` (its
    DescribeDBInstances entry, in ``source_region``).

    AWS rules kept here (moto accepts what they forbid): a cross-Region source is named by its ARN;
    RDS creates replicas with backups disabled (the retention is set at promotion); a parameter
    group may only be given for a cross-Region MySQL replica, others get the engine's default and
    the carried group is applied after promotion. ``network``: db_instance_class, db_subnet_group_name,
    vpc_security_group_ids, kms_key_id (an encrypted source needs a key of the replica's Region).
    """
    args = {
        "DBInstanceIdentifier": identifier,
        "SourceDBInstanceIdentifier": source["DBInstanceArn"],
        "SourceRegion": source_region,
        "DBInstanceClass": network.get("db_instance_class") or source["DBInstanceClass"],
        "MultiAZ": settings["multi_az"],
        "DeletionProtection": settings["deletion_protection"],
        "Tags": tag_list(settings["tags"]),
        "CopyTagsToSnapshot": True,
    }
    if network.get("db_subnet_group_name"):
        args["DBSubnetGroupName"] = network["db_subnet_group_name"]
    if network.get("vpc_security_group_ids"):
        args["VpcSecurityGroupIds"] = list(network["vpc_security_group_ids"])
    if source.get("StorageEncrypted"):
        if not network.get("kms_key_id"):
            raise DrillError("kms_key_id", "the source %s is encrypted: a cross-Region replica needs a KMS key of its own "
                                           "Region" % source["DBInstanceIdentifier"])
        args["KmsKeyId"] = network["kms_key_id"]
    if engine in ("mysql",) and settings["db_parameter_group"]:
        args["DBParameterGroupName"] = settings["db_parameter_group"]
    return args


def promote_arguments(identifier, settings):
    """PromoteReadReplica arguments: the carried backup retention (RDS's default would be 1 day)."""
    return {"DBInstanceIdentifier": identifier, "BackupRetentionPeriod": settings["backup_retention_period"]}


def settings_mismatches(settings, instance, tags):
    """What differs between the carried ``settings`` and ``instance`` + ``tags``: a list of
    ``{setting, expected, found}`` (empty when all hold). A parameter group that is attached but
    not applied (``pending-reboot``) is a mismatch."""
    found = carried_settings(instance, tags)
    out = []
    for key in CARRIED:
        expected = settings[key]
        have = found[key]
        if key == "tags":
            have = dict((k, v) for k, v in have.items() if k in expected)
        if key == "db_parameter_group" and expected is None:
            continue
        if have != expected:
            out.append({"setting": key, "expected": expected, "found": found[key]})
    groups = instance.get("DBParameterGroups") or []
    if settings["db_parameter_group"] and groups and groups[0].get("ParameterApplyStatus") == "pending-reboot":
        out.append({"setting": "db_parameter_group", "expected": "%s applied" % settings["db_parameter_group"],
                    "found": "pending-reboot"})
    return out


def modify_arguments(settings, instance):
    """ModifyDBInstance arguments that bring ``instance`` to the carried settings (None when it has
    them). Applied immediately: the instance serves nothing before DNS points at it."""
    args = {}
    if bool(instance.get("MultiAZ")) != settings["multi_az"]:
        args["MultiAZ"] = settings["multi_az"]
    if int(instance.get("BackupRetentionPeriod") or 0) != settings["backup_retention_period"]:
        args["BackupRetentionPeriod"] = settings["backup_retention_period"]
    if settings["db_parameter_group"] and _parameter_group(instance) != settings["db_parameter_group"]:
        args["DBParameterGroupName"] = settings["db_parameter_group"]
    if bool(instance.get("DeletionProtection")) != settings["deletion_protection"]:
        args["DeletionProtection"] = settings["deletion_protection"]
    if not args:
        return None
    args["DBInstanceIdentifier"] = instance["DBInstanceIdentifier"]
    args["ApplyImmediately"] = True
    return args


def needs_reboot(instance):
    """The attached parameter group waits for a reboot (a static parameter changed or the group was
    swapped): RDS applies it only then."""
    groups = instance.get("DBParameterGroups") or []
    return bool(groups) and groups[0].get("ParameterApplyStatus") == "pending-reboot"


def security_groups(instance):
    return sorted(g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups") or [])


def is_fenced(instance, tags):
    """The instance carries the fence tags and sits behind the fence group they name, alone."""
    tags = tags or {}
    return (instance is not None and FENCE_TAG in tags and bool(tags.get(FENCE_GROUP_TAG))
            and security_groups(instance) == [tags[FENCE_GROUP_TAG]])


def fence_arguments(instance, fence_security_group_id):
    """ModifyDBInstance arguments that put ``instance`` behind the fence group alone (None when it
    is there already), and the tags that record the fence."""
    groups = security_groups(instance)
    if groups == [fence_security_group_id]:
        return None
    return {"DBInstanceIdentifier": instance["DBInstanceIdentifier"], "VpcSecurityGroupIds": [fence_security_group_id],
            "ApplyImmediately": True}


def fence_tags(instance, drill_id, fence_security_group_id, tags=None):
    """The tags that record the fence on ``instance`` (``tags``: the ones it has), or {} when they
    record it already. The previous groups are those it has besides the fence group, else the ones
    an earlier record kept (an instance found behind the fence group already)."""
    tags = tags or {}
    if FENCE_TAG in tags and tags.get(FENCE_GROUP_TAG) == fence_security_group_id:
        return {}
    previous = [g for g in security_groups(instance) if g != fence_security_group_id]
    return {FENCE_TAG: drill_id, FENCE_GROUP_TAG: fence_security_group_id,
            FENCE_PREVIOUS_TAG: " ".join(previous) if previous else tags.get(FENCE_PREVIOUS_TAG, "")}


def deletion_verdict(instance, tags, writer):
    """May ``instance`` be deleted? ``(allowed, reason)``.

    Never the current writer (``writer``: the identifier or ARN of the instance DNS sends writes to),
    never one that is not fenced (it may still take writes).
    """
    if instance is None:
        return True, "already deleted"
    ident = instance["DBInstanceIdentifier"]
    if writer in (ident, instance.get("DBInstanceArn")):
        return False, "%s is the current writer: it serves the application's writes" % ident
    if not is_fenced(instance, tags):
        return False, ("%s is not fenced (security groups %s, fence group tag %s): it may still take writes"
                       % (ident, ", ".join(security_groups(instance)) or "none", (tags or {}).get(FENCE_GROUP_TAG, "absent")))
    return True, "%s is fenced (only %s, by drill %s) and is not the writer" % (
        ident, tags[FENCE_GROUP_TAG], tags.get(FENCE_TAG))


def replication_state(replica):
    """The replica's ``read replication`` status info: (status, normal, message) or None."""
    for info in replica.get("StatusInfos") or []:
        if info.get("StatusType") == "read replication":
            return info.get("Status"), bool(info.get("Normal")), info.get("Message") or ""
    return None


def replication_decision(replica, engine, replica_lag, slot_lag):
    """May the rebuilt replica be promoted now? ``{"decision": wait|ready|failed, "reason": ...}``.

    ``replica``: its DescribeDBInstances entry (None: gone). ``replica_lag``: the latest CloudWatch
    ``ReplicaLag`` datapoints of the replica (seconds, oldest first); ``slot_lag``: the latest
    ``OldestReplicationSlotLag`` datapoints of the source (MB of WAL; PostgreSQL 14.1 and later).

    The source is fenced before the replica is created, so the replica starts from a snapshot that
    already holds every write; the wait proves the stream is healthy and drained:
    - the instance is ``available`` and RDS reports ``replicating`` (``error``/``terminated``/
      ``stopped`` fail: a broken replica is never promoted);
    - PostgreSQL: the source's ``OldestReplicationSlotLag`` is 0 (the replica received all WAL;
      promotion replays what was received). Its ``ReplicaLag`` is
      ``now() - pg_last_xact_replay_timestamp()``, which grows on a source that takes no writes,
      so a fenced source would never show 0 there;
    - MySQL/MariaDB: ``ReplicaLag`` (Seconds_Behind_Master) is 0; -1 means replication is not
      running.
    """
    status = status_decision(replica)
    if status is not None:
        return status
    if engine == "postgres":
        if not slot_lag:
            return {"decision": "wait", "reason": "no OldestReplicationSlotLag datapoint of the source yet"}
        if slot_lag[-1] > 0:
            return {"decision": "wait", "reason": "the replica has not received %s MB of WAL yet" % slot_lag[-1]}
        return {"decision": "ready", "reason": "replicating, OldestReplicationSlotLag 0 on the fenced source"}
    if not replica_lag:
        return {"decision": "wait", "reason": "no ReplicaLag datapoint yet"}
    if replica_lag[-1] < 0:
        return {"decision": "wait", "reason": "ReplicaLag -1: replication is not running"}
    if replica_lag[-1] > 0:
        return {"decision": "wait", "reason": "ReplicaLag %s s" % replica_lag[-1]}
    return {"decision": "ready", "reason": "replicating, ReplicaLag 0"}


def status_decision(replica):
    """The part of ``replication_decision`` that needs no metric: a decision, or None when the
    replica is available and replicating (then the lag decides)."""
    if replica is None:
        return {"decision": "failed", "reason": "the replica does not exist"}
    status = replica.get("DBInstanceStatus")
    ident = replica.get("DBInstanceIdentifier")
    if status in _BROKEN_STATUSES:
        return {"decision": "failed", "reason": "%s is %s" % (ident, status)}
    if status != "available":
        return {"decision": "wait", "reason": "%s is %s" % (ident, status)}
    if not replica.get("ReadReplicaSourceDBInstanceIdentifier"):
        return {"decision": "failed", "reason": "%s is not a read replica" % ident}
    state = replication_state(replica)
    if state is None:
        return {"decision": "wait", "reason": "RDS reports no replication state for %s yet" % ident}
    rstatus, normal, message = state
    if rstatus in ("error", "terminated", "stopped"):
        return {"decision": "failed", "reason": "replication of %s is %s%s" % (ident, rstatus, ": " + message if message else "")}
    if rstatus != "replicating" or not normal:
        return {"decision": "wait", "reason": "replication of %s is %s" % (ident, rstatus)}
    return None


def is_replica(instance, tags):
    """Still a read replica (not promoted by this failback)."""
    return bool(instance.get("ReadReplicaSourceDBInstanceIdentifier")) and PROMOTED_TAG not in (tags or {})
