#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_rds_failback
short_description: One step of a safe RDS failback (fence, replicate back, wait, promote, retire)
version_added: 0.2.0
description:
  - RDS cannot demote a promoted read replica; failing back rebuilds the pair. This module does one step of
    that rebuild per task, each idempotent, so that a failback stopped halfway can be run again.
  - V(inspect) reads an instance, its tags and the settings a restored primary must keep (Multi-AZ, backup
    retention, parameter group, tags, deletion protection), and an identifier free for a new instance
    (O(db_instance_identifier) when no instance holds it, else one derived from O(drill_id)). Read-only.
  - V(fence) makes the instance refuse every write - its VPC security groups are replaced by
    O(fence_security_group_id) alone, a group that must have no inbound rule, then the instance is
    rebooted, because a security group change does not cut the connections it already tracks; the reboot
    ends every session and no new one can open. The fence is recorded in tags on the instance
    (C(meridian:dr-fence), C(meridian:dr-fence-group), C(meridian:dr-fence-previous-sgs)). Whoever may call
    C(rds:ModifyDBInstance) can undo it.
  - V(unfence) gives a fenced instance the security groups its fence tag records and removes the fence tags (a
    drill stopped before promotion gives the original primary back this way).
  - V(replicate) creates a cross-Region read replica of O(source_db_instance_identifier) (in O(source_region))
    named O(db_instance_identifier), with the carried O(settings) RDS accepts at creation (Multi-AZ,
    deletion protection, tags; a parameter group only for MySQL, as RDS allows). By default the source must be
    fenced, so that the replica's initial snapshot already holds every write. An instance that already has
    that name is left alone when it replicates that source, refused otherwise (never reused).
  - V(wait) polls until the replica may be promoted - C(available), RDS reports C(replicating), and for
    PostgreSQL the source's C(OldestReplicationSlotLag) is 0 (its C(ReplicaLag) grows on a source that takes
    no writes), for MySQL and MariaDB C(ReplicaLag) is 0. A replica in C(error), C(terminated) or C(stopped)
    fails at once; past O(wait_timeout) it fails with the last reason.
  - V(promote) promotes the replica, only while its source is fenced and the replication is ready, then applies
    the carried O(settings) (ModifyDBInstance, and a reboot when the parameter group waits for one) and checks
    them; a setting that does not hold fails the task, listing it.
  - V(rename) renames O(db_instance_identifier) to O(new_db_instance_identifier) (ModifyDBInstance, applied at once;
    RDS reboots the instance and frees the old name at once, the new endpoint takes about ten minutes) and waits
    until it is available under the new name. A name held by another instance is refused. The failback renames the
    fenced instance aside and gives its name to the instance built in its place, so that the endpoints the
    applications use stay the same.
  - V(retire) deletes an instance with a final snapshot O(final_snapshot_identifier), only when it is fenced and
    is not O(writer); deletion protection is turned off just before, on that instance only. Anything else is
    refused, saying why.
author:
  - Meridian platform engineering (@meridian)
options:
  step:
    description: The step to run (see the description).
    type: str
    choices: [inspect, fence, unfence, replicate, wait, promote, rename, retire]
    required: true
  db_instance_identifier:
    description: The instance the step acts on, in O(region).
    type: str
    required: true
  drill_id:
    description: The drill, recorded in the fence tag; with V(inspect), the suffix of a new identifier.
    type: str
  fence_security_group_id:
    description: With V(fence), the security group of the instance's VPC that lets nothing in.
    type: str
  source_db_instance_identifier:
    description: With V(replicate), V(wait) and V(promote), the replica's source (identifier in O(source_region)).
    type: str
  source_region:
    description: The Region of O(source_db_instance_identifier).
    type: str
  source_must_be_fenced:
    description:
      - With V(replicate) and V(wait), refuse a source that is not fenced. V(false) only to give the standby Region
        a replica of the restored primary, which serves.
    type: bool
    default: true
  settings:
    description:
      - With V(replicate) and V(promote), the settings to keep, as V(inspect) returns them in RV(settings)
        (C(multi_az), C(backup_retention_period), C(db_parameter_group), C(deletion_protection), C(tags)).
    type: dict
  db_instance_class:
    description: With V(replicate), the replica's class; default the source's.
    type: str
  db_subnet_group_name:
    description: With V(replicate), the replica's subnet group in O(region).
    type: str
  vpc_security_group_ids:
    description: With V(replicate), the replica's security groups in O(region).
    type: list
    elements: str
  kms_key_id:
    description: With V(replicate), the KMS key of O(region) for the replica of an encrypted source.
    type: str
  new_db_instance_identifier:
    description: With V(rename), the new name.
    type: str
  writer:
    description: With V(retire), the identifier or ARN of the instance that serves writes now; it is never deleted.
    type: str
  final_snapshot_identifier:
    description: With V(retire), the final snapshot's identifier.
    type: str
  wait_timeout:
    description: Seconds V(fence), V(wait) and V(promote) wait for the instance.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between two reads while waiting.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Reports what the step would change without changing it; V(retire) still refuses what it would refuse.
  diff_mode:
    support: full
    description: The instance's security groups (V(fence)), existence (V(replicate), V(retire)) or settings (V(promote)).
notes:
  - Calls C(rds:DescribeDBInstances), C(rds:ListTagsForResource), C(rds:AddTagsToResource), C(rds:ModifyDBInstance),
    C(rds:RebootDBInstance), C(rds:CreateDBInstanceReadReplica), C(rds:PromoteReadReplica), C(rds:DeleteDBInstance),
    C(rds:CreateDBSnapshot), C(ec2:DescribeSecurityGroups) and C(cloudwatch:GetMetricStatistics).
  - C(OldestReplicationSlotLag) exists from RDS for PostgreSQL 14.1; on older versions V(wait) times out.
  - The role C(meridian.global_infra.dr_failover) runs these steps in order (roles/dr_failover/tasks/failback_rds.yml).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Fence the promoted standby (it stops taking writes)
  meridian.global_infra.dr_rds_failback:
    step: fence
    region: eu-central-1
    db_instance_identifier: orders-db-standby
    fence_security_group_id: sg-0fence0000000000a
    drill_id: eu-west-1-20261201T020000Z

- name: Read the original primary's settings
  meridian.global_infra.dr_rds_failback:
    step: inspect
    region: eu-west-1
    db_instance_identifier: orders-db
    drill_id: eu-west-1-20261201T020000Z
  register: original

- name: Replicate the fenced writer back into the original Region
  meridian.global_infra.dr_rds_failback:
    step: replicate
    region: eu-west-1
    db_instance_identifier: "{{ original.free_identifier }}"
    source_db_instance_identifier: orders-db-standby
    source_region: eu-central-1
    settings: "{{ original.settings }}"
    db_subnet_group_name: orders-db
    vpc_security_group_ids: [sg-0app00000000000b]
"""

RETURN = r"""
instance:
  description: The instance after the step (DescribeDBInstances, snake_case); null when there is none.
  returned: always
  type: dict
tags:
  description: The instance's tags.
  returned: always
  type: dict
settings:
  description: With V(inspect), the settings a restored primary keeps; with V(promote), the settings found after.
  returned: when step is inspect or promote
  type: dict
  sample: {multi_az: true, backup_retention_period: 7, db_parameter_group: orders-pg16, deletion_protection: true,
           tags: {team: orders}}
free_identifier:
  description: With V(inspect) and O(drill_id), an identifier no instance of the Region holds.
  returned: when step is inspect and drill_id is given
  type: str
  sample: orders-db-fb-20261201t020000z
retired_identifier:
  description: With V(inspect) and O(drill_id), the name the instance takes when the one built in its place takes its name.
  returned: when step is inspect and drill_id is given
  type: str
  sample: orders-db-old-20261201t020000z
fenced:
  description: Whether the instance is fenced (behind the group its fence tag names, alone).
  returned: always
  type: bool
decision:
  description: With V(wait) and V(promote), the replication decision (C(wait), C(ready), C(failed)) and its reason.
  returned: when step is wait or promote
  type: dict
  sample: {decision: ready, reason: "replicating, OldestReplicationSlotLag 0 on the fenced source"}
verdict:
  description: With V(retire), why the instance may or may not be deleted.
  returned: when step is retire
  type: str
mismatches:
  description: With V(promote), the settings that do not hold (empty on success).
  returned: when step is promote
  type: list
  elements: dict
"""

import time
from datetime import datetime, timedelta, timezone

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.rds import (
    RdsClient,
    RdsMetricsClient,
    SecurityGroupClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.drill import rds_failback as rules
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

_REQUIRED = {
    "fence": ("fence_security_group_id", "drill_id"),
    "replicate": ("source_db_instance_identifier", "source_region", "settings"),
    "wait": ("source_db_instance_identifier", "source_region"),
    "promote": ("source_db_instance_identifier", "source_region", "settings"),
    "rename": ("new_db_instance_identifier",),
    "retire": ("writer", "final_snapshot_identifier"),
}


def validate(params):
    """Every option checked before any call, naming the option."""
    step = params["step"]
    for name in _REQUIRED.get(step, ()):
        if params[name] in (None, ""):
            raise DrillError(name, "is required with step=%s" % step)
    rules.validate_identifier(params["db_instance_identifier"], "db_instance_identifier")
    if params["source_db_instance_identifier"] and not params["source_db_instance_identifier"].startswith("arn:"):
        rules.validate_identifier(params["source_db_instance_identifier"], "source_db_instance_identifier")
    if params["new_db_instance_identifier"]:
        rules.validate_identifier(params["new_db_instance_identifier"], "new_db_instance_identifier")
    if params["final_snapshot_identifier"]:
        rules.validate_identifier(params["final_snapshot_identifier"], "final_snapshot_identifier")
    if step in ("replicate", "promote"):
        rules.validate_settings(params["settings"])
    if params["fence_security_group_id"] and not params["fence_security_group_id"].startswith("sg-"):
        raise DrillError("fence_security_group_id", "%r is not a security group id (sg-...)" % params["fence_security_group_id"])
    if params["wait_timeout"] < 0 or params["poll_interval"] < 1:
        raise DrillError("poll_interval" if params["poll_interval"] < 1 else "wait_timeout", "must be positive")


class Failback:
    """The steps; ``clients(kind, region)`` returns the ``rds``, ``metrics`` or ``ec2`` client of a Region."""

    def __init__(self, module, clients, sleep=time.sleep, clock=time.monotonic):
        self.module = module
        self.p = module.params
        self.clients = clients
        self.sleep = sleep
        self.clock = clock
        self.rds = clients("rds", self.p["region"])

    # -- reading ------------------------------------------------------------------------------
    def read(self, identifier, rds=None):
        rds = rds or self.rds
        instance = rds.instance(identifier)
        tags = rds.tags(instance["DBInstanceArn"]) if instance else {}
        return instance, tags

    def existing(self, identifier):
        """``read`` of an instance that must exist in the module's Region."""
        instance, tags = self.read(identifier)
        if instance is None:
            raise DrillError("db_instance_identifier", "instance %s does not exist in %s" % (identifier, self.p["region"]))
        return instance, tags

    def wait_status(self, identifier, wanted, rds=None):
        deadline = self.clock() + self.p["wait_timeout"]
        while True:
            instance, tags = self.read(identifier, rds)
            status = instance.get("DBInstanceStatus") if instance else None
            if status in wanted:
                return instance, tags
            if self.clock() >= deadline:
                raise DrillError("wait_timeout", "%s is still %s after %d s (waiting for %s)" % (
                    identifier, status or "absent", self.p["wait_timeout"], "/".join(sorted(wanted))))
            self.sleep(self.p["poll_interval"])

    def result(self, instance, tags, changed, **extra):
        out = dict(changed=changed, instance=camel_dict_to_snake_dict(instance) if instance else None, tags=tags,
                   fenced=rules.is_fenced(instance, tags))
        out.update(extra)
        return out

    # -- steps --------------------------------------------------------------------------------
    def inspect(self):
        instance, tags = self.read(self.p["db_instance_identifier"])
        extra = {"settings": rules.carried_settings(instance, tags) if instance else None}
        if self.p["drill_id"]:
            extra["free_identifier"] = rules.replica_identifier(self.p["db_instance_identifier"], self.rds.identifiers(),
                                                                self.p["drill_id"])
            extra["retired_identifier"] = rules.retired_identifier(self.p["db_instance_identifier"], self.p["drill_id"])
        return self.result(instance, tags, False, **extra)

    def fence(self):
        ident = self.p["db_instance_identifier"]
        group_id = self.p["fence_security_group_id"]
        instance, tags = self.existing(ident)
        group = self.clients("ec2", self.p["region"]).group(group_id)
        if group is None:
            raise DrillError("fence_security_group_id", "security group %s does not exist in %s" % (group_id, self.p["region"]))
        if group.get("IpPermissions"):
            raise DrillError("fence_security_group_id", "security group %s has inbound rules: a fence lets nothing in"
                                                        % group_id)
        vpc = (instance.get("DBSubnetGroup") or {}).get("VpcId")
        if vpc and group.get("VpcId") and vpc != group["VpcId"]:
            raise DrillError("fence_security_group_id", "security group %s is in %s, the instance in %s"
                                                        % (group_id, group["VpcId"], vpc))
        modify = rules.fence_arguments(instance, group_id)
        missing_tags = rules.fence_tags(instance, self.p["drill_id"], group_id, tags)
        changed = bool(modify or missing_tags)
        diff = {"before": {"vpc_security_group_ids": rules.security_groups(instance)},
                "after": {"vpc_security_group_ids": [group_id]}}
        if changed and not self.module.check_mode:
            if missing_tags:
                self.rds.add_tags(instance["DBInstanceArn"], missing_tags)
            if modify:
                self.rds.modify(ident, modify)
                self.wait_status(ident, {"available"})
            # a fence new to this drill: the reboot ends the sessions the old groups still track
            self.rds.reboot(ident)
            instance, tags = self.wait_status(ident, {"available"})
            if not rules.is_fenced(instance, tags):
                raise DrillError("fence_security_group_id", "%s is not fenced after the change (security groups %s)"
                                 % (ident, rules.security_groups(instance)))
        elif changed:
            tags = dict(tags, **missing_tags)
        return self.result(instance, tags, changed, diff=diff)

    def unfence(self):
        ident = self.p["db_instance_identifier"]
        instance, tags = self.existing(ident)
        modify = rules.unfence_arguments(instance, tags)
        own = [k for k in (rules.FENCE_TAG, rules.FENCE_GROUP_TAG, rules.FENCE_PREVIOUS_TAG) if k in tags]
        changed = bool(modify or own)
        after = modify["VpcSecurityGroupIds"] if modify else rules.security_groups(instance)
        diff = {"before": {"vpc_security_group_ids": rules.security_groups(instance)},
                "after": {"vpc_security_group_ids": sorted(after)}}
        if changed and not self.module.check_mode:
            if modify:
                self.rds.modify(ident, modify)
                self.wait_status(ident, {"available"})
            if own:
                self.rds.remove_tags(instance["DBInstanceArn"], own)
            instance, tags = self.read(ident)
        return self.result(instance, tags, changed, diff=diff)

    def _source(self):
        rds = self.clients("rds", self.p["source_region"])
        source, source_tags = self.read(self.p["source_db_instance_identifier"], rds)
        if source is None:
            raise DrillError("source_db_instance_identifier", "instance %s does not exist in %s" % (
                self.p["source_db_instance_identifier"], self.p["source_region"]))
        return source, source_tags

    def replicate(self):
        ident = self.p["db_instance_identifier"]
        source, source_tags = self._source()
        if self.p["source_must_be_fenced"] and not rules.is_fenced(source, source_tags):
            raise DrillError("source_db_instance_identifier", "%s is not fenced: fence it first (step=fence), so that the "
                                                              "replica starts from every write it took" % source["DBInstanceIdentifier"])
        instance, tags = self.read(ident)
        if instance is not None:
            built = instance.get("ReadReplicaSourceDBInstanceIdentifier") in (source["DBInstanceArn"], source["DBInstanceIdentifier"])
            if built or rules.PROMOTED_TAG in tags:  # this failback's replica, maybe promoted already (run again)
                return self.result(instance, tags, False, diff={"before": {"exists": True}, "after": {"exists": True}})
            raise DrillError("db_instance_identifier", "instance %s exists and is not a replica of %s: it is never reused "
                                                       "(step=inspect gives a free identifier)" % (ident, source["DBInstanceArn"]))
        network = dict((k, self.p[k]) for k in ("db_instance_class", "db_subnet_group_name", "vpc_security_group_ids", "kms_key_id"))
        args = rules.replica_arguments(ident, source, self.p["source_region"], self.p["settings"], source.get("Engine"), network)
        diff = {"before": {"exists": False}, "after": {"exists": True, "source": source["DBInstanceArn"]}}
        if self.module.check_mode:
            return self.result(None, {}, True, diff=diff)
        instance = self.rds.create_replica(args)
        return self.result(instance, self.rds.tags(instance["DBInstanceArn"]), True, diff=diff)

    def _decision(self, replica, source):
        status = rules.status_decision(replica)
        if status is not None:
            return status
        end = datetime.now(timezone.utc)
        start = end - timedelta(minutes=5)
        engine = replica.get("Engine")
        if engine == "postgres":
            slot = self.clients("metrics", self.p["source_region"]).datapoints("OldestReplicationSlotLag", source["DBInstanceIdentifier"], start, end)
            return rules.replication_decision(replica, engine, [], slot)
        lag = self.clients("metrics", self.p["region"]).datapoints("ReplicaLag", replica["DBInstanceIdentifier"], start, end)
        return rules.replication_decision(replica, engine, lag, [])

    def wait(self):
        ident = self.p["db_instance_identifier"]
        deadline = self.clock() + self.p["wait_timeout"]
        while True:
            source, source_tags = self._source()
            if self.p["source_must_be_fenced"] and not rules.is_fenced(source, source_tags):
                raise DrillError("source_db_instance_identifier", "%s is not fenced: it may take writes the replica would "
                                                                  "miss" % source["DBInstanceIdentifier"])
            replica, tags = self.read(ident)
            if replica is not None and rules.PROMOTED_TAG in tags:  # run again after the promotion
                return self.result(replica, tags, False, decision={"decision": "ready", "reason": "promoted already"})
            decision = self._decision(replica, source)
            if decision["decision"] == "ready":
                return self.result(replica, tags, False, decision=decision)
            if decision["decision"] == "failed":
                raise DrillError("db_instance_identifier", "the replica may not be promoted: %s" % decision["reason"])
            if self.module.check_mode or self.clock() >= deadline:
                if self.module.check_mode:
                    return self.result(replica, tags, False, decision=decision)
                raise DrillError("wait_timeout", "the replica is not ready after %d s: %s" % (self.p["wait_timeout"], decision["reason"]))
            self.sleep(self.p["poll_interval"])

    def promote(self):
        ident = self.p["db_instance_identifier"]
        settings = self.p["settings"]
        replica, tags = self.existing(ident)
        changed = False
        decision = None
        before = rules.carried_settings(replica, tags)
        if rules.is_replica(replica, tags):
            source, source_tags = self._source()
            if not rules.is_fenced(source, source_tags):
                raise DrillError("source_db_instance_identifier", "%s is not fenced: promoting %s would make two writers"
                                 % (source["DBInstanceIdentifier"], ident))
            decision = self._decision(replica, source)
            if decision["decision"] != "ready":
                raise DrillError("db_instance_identifier", "%s may not be promoted yet: %s (run step=wait first)"
                                 % (ident, decision["reason"]))
            changed = True
            if self.module.check_mode:
                return self.result(replica, tags, True, decision=decision, settings=before, mismatches=[],
                                   diff={"before": before, "after": settings})
            self.rds.promote(rules.promote_arguments(ident, settings))
            self.rds.add_tags(replica["DBInstanceArn"], {rules.PROMOTED_TAG: self.p["drill_id"] or "yes"})
            replica, tags = self.wait_status(ident, {"available"})
        modify = rules.modify_arguments(settings, replica)
        missing = dict((k, v) for k, v in settings["tags"].items() if tags.get(k) != v)
        if (modify or missing) and self.module.check_mode:
            return self.result(replica, tags, True, decision=decision, settings=before, mismatches=[],
                               diff={"before": before, "after": settings})
        if modify:
            self.rds.modify(ident, modify)
            replica, tags = self.wait_status(ident, {"available"})
            changed = True
        if missing:
            self.rds.add_tags(replica["DBInstanceArn"], missing)
            changed = True
        if rules.needs_reboot(replica) and not self.module.check_mode:
            self.rds.reboot(ident)
            changed = True
        replica, tags = self.wait_status(ident, {"available"}) if changed else (replica, tags)
        mismatches = rules.settings_mismatches(settings, replica, tags)
        after = rules.carried_settings(replica, tags)
        if mismatches:
            raise DrillError("settings", "the promoted %s does not keep %s" % (ident, "; ".join(
                "%s (expected %s, found %s)" % (m["setting"], m["expected"], m["found"]) for m in mismatches)))
        return self.result(replica, tags, changed, decision=decision, settings=after, mismatches=mismatches,
                           diff={"before": before, "after": after})

    def rename(self):
        ident, new = self.p["db_instance_identifier"], self.p["new_db_instance_identifier"]
        instance, tags = self.read(ident)
        target, target_tags = self.read(new)
        diff = {"before": {"db_instance_identifier": ident}, "after": {"db_instance_identifier": new}}
        if instance is None and target is not None:
            done = {"db_instance_identifier": new}
            return self.result(target, target_tags, False, diff={"before": done, "after": done})
        if instance is None:
            raise DrillError("db_instance_identifier", "neither %s nor %s exists in %s" % (ident, new, self.p["region"]))
        if target is not None:
            raise DrillError("new_db_instance_identifier", "%s is the name of another instance: a name is only taken once "
                                                           "its holder has been renamed aside" % new)
        if self.module.check_mode:
            return self.result(instance, tags, True, diff=diff)
        self.rds.modify(ident, {"NewDBInstanceIdentifier": new, "ApplyImmediately": True})
        instance, tags = self.wait_status(new, {"available"})
        return self.result(instance, tags, True, diff=diff)

    def retire(self):
        ident = self.p["db_instance_identifier"]
        instance, tags = self.read(ident)
        allowed, verdict = rules.deletion_verdict(instance, tags, self.p["writer"])
        if not allowed:
            raise DrillError("db_instance_identifier", "refusing to delete: %s" % verdict)
        if instance is None or instance.get("DBInstanceStatus") == "deleting":
            return self.result(instance, tags, False, verdict=verdict, diff={"before": {"exists": False}, "after": {"exists": False}})
        diff = {"before": {"exists": True}, "after": {"exists": False, "final_snapshot": self.p["final_snapshot_identifier"]}}
        if self.module.check_mode:
            return self.result(instance, tags, True, verdict=verdict, diff=diff)
        if instance.get("DeletionProtection"):
            self.rds.modify(ident, {"DeletionProtection": False, "ApplyImmediately": True})
            self.wait_status(ident, {"available"})
        instance = self.rds.delete(ident, self.p["final_snapshot_identifier"])
        return self.result(instance, tags, True, verdict=verdict, diff=diff)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            step=dict(type="str", required=True,
                      choices=["inspect", "fence", "unfence", "replicate", "wait", "promote", "rename", "retire"]),
            db_instance_identifier=dict(type="str", required=True),
            drill_id=dict(type="str"),
            fence_security_group_id=dict(type="str"),
            source_db_instance_identifier=dict(type="str"),
            source_region=dict(type="str"),
            source_must_be_fenced=dict(type="bool", default=True),
            settings=dict(type="dict"),
            db_instance_class=dict(type="str"),
            db_subnet_group_name=dict(type="str"),
            vpc_security_group_ids=dict(type="list", elements="str"),
            kms_key_id=dict(type="str", no_log=False),
            new_db_instance_identifier=dict(type="str"),
            writer=dict(type="str"),
            final_snapshot_identifier=dict(type="str"),
            wait_timeout=dict(type="int", default=3600),
            poll_interval=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    try:
        validate(module.params)
        built = {}
        kinds = {"rds": RdsClient, "metrics": RdsMetricsClient, "ec2": SecurityGroupClient}

        def clients(kind, region):
            if (kind, region) not in built:
                built[(kind, region)] = kinds[kind].from_module(module, region=region)
            return built[(kind, region)]

        result = getattr(Failback(module, clients), module.params["step"])()
        if not module._diff:
            result.pop("diff", None)
        module.exit_json(**result)
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
