# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dr_rds_failback against a moto_server of its own (fence, cross-Region replica, promotion with the
carried settings, the deletion rule, the standby's rebuild), and with botocore's Stubber for what moto
cannot show: the replica's replication status and lag while the module waits and decides."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import types

import pytest

boto3 = pytest.importorskip("boto3")

import botocore.session  # noqa: E402
from botocore.stub import ANY, Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.rds import (  # noqa: E402
    RdsClient,
    RdsMetricsClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.drill import rds_failback as rules  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import dr_rds_failback  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_aws_module,
)

PRIMARY = "eu-west-1"
STANDBY = "eu-central-1"
DRILL = "eu-west-1-20261201T020000Z"


def _client(moto_url, service, region):
    return boto3.client(service, region_name=region, endpoint_url=moto_url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def _with(base, **over):
    """``base`` with ``over`` on top (a step's options, varied)."""
    out = dict(base)
    out.update(over)
    return out


def run(moto_url, region, check=False, **args):
    return run_aws_module(dr_rds_failback, moto_url, region, args, check=check)


def _fence_group(moto_url, region, name="dr-fence", inbound=False):
    ec2 = _client(moto_url, "ec2", region)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName=name, Description="lets nothing in", VpcId=vpc)["GroupId"]
    if inbound:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    return group


def _instance(moto_url, region, ident):
    return _client(moto_url, "rds", region).describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


@pytest.fixture(scope="module")
def estate(moto_url):
    """The estate after a failover: the original primary orders-db (eu-west-1), and orders-db-standby
    (eu-central-1), its cross-Region replica, promoted; it serves the writes now."""
    west, central = _client(moto_url, "rds", PRIMARY), _client(moto_url, "rds", STANDBY)
    for rds in (west, central):
        for group in ("orders-pg16", "standby-pg16"):
            rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="postgres16", Description=group)
    west.create_db_instance(DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t4g.micro",
                            AllocatedStorage=20, MasterUsername="meridian_admin", MasterUserPassword="one-time-random-1",
                            MultiAZ=True, BackupRetentionPeriod=7, DeletionProtection=True, DBParameterGroupName="orders-pg16",
                            Tags=[{"Key": "team", "Value": "orders"}, {"Key": "cost-centre", "Value": "cc-12"}])
    arn = _instance(moto_url, PRIMARY, "orders-db")["DBInstanceArn"]
    central.create_db_instance_read_replica(DBInstanceIdentifier="orders-db-standby", SourceDBInstanceIdentifier=arn,
                                            SourceRegion=PRIMARY, DBInstanceClass="db.t4g.micro")
    central.promote_read_replica(DBInstanceIdentifier="orders-db-standby", BackupRetentionPeriod=1)
    # the promoted standby does not keep the original settings: the failback must restore them
    central.modify_db_instance(DBInstanceIdentifier="orders-db-standby", MultiAZ=False, DeletionProtection=False,
                               DBParameterGroupName="standby-pg16", ApplyImmediately=True)
    return {"fence": {PRIMARY: _fence_group(moto_url, PRIMARY), STANDBY: _fence_group(moto_url, STANDBY)}}


def test_a_failback_end_to_end(moto_url, estate, monkeypatch):
    # 1. the original primary's settings, and a free identifier (orders-db still exists: never reused)
    seen = run(moto_url, PRIMARY, step="inspect", db_instance_identifier="orders-db", drill_id=DRILL).result
    settings = seen["settings"]
    assert settings == {"multi_az": True, "backup_retention_period": 7, "db_parameter_group": "orders-pg16",
                        "deletion_protection": True, "tags": {"team": "orders", "cost-centre": "cc-12"}}
    restored = seen["free_identifier"]
    assert restored != "orders-db" and restored.startswith("orders-db-fb-") and seen["changed"] is False

    replicate = dict(step="replicate", db_instance_identifier=restored, source_db_instance_identifier="orders-db-standby",
                     source_region=STANDBY, settings=settings)
    # 2. no replica of a writer that is not fenced
    refused = run(moto_url, PRIMARY, **replicate)
    assert isinstance(refused, ModuleFail) and refused.result["field"] == "source_db_instance_identifier"
    assert "not fenced" in refused.result["msg"]

    # 3. fence the writer: check mode changes nothing, then it is fenced, then nothing to do
    fence = dict(step="fence", db_instance_identifier="orders-db-standby", fence_security_group_id=estate["fence"][STANDBY],
                 drill_id=DRILL)
    planned = run(moto_url, STANDBY, check=True, **fence).result
    assert planned["changed"] is True and planned["diff"]["after"] == {"vpc_security_group_ids": [estate["fence"][STANDBY]]}
    before_groups = [g["VpcSecurityGroupId"] for g in _instance(moto_url, STANDBY, "orders-db-standby")["VpcSecurityGroups"]]
    assert before_groups != [estate["fence"][STANDBY]]
    done = run(moto_url, STANDBY, **fence).result
    assert done["changed"] is True and done["fenced"] is True
    assert [g["VpcSecurityGroupId"] for g in _instance(moto_url, STANDBY, "orders-db-standby")["VpcSecurityGroups"]] == \
        [estate["fence"][STANDBY]]
    assert done["tags"][rules.FENCE_PREVIOUS_TAG] == " ".join(sorted(before_groups))
    for check in (True, False):
        assert run(moto_url, STANDBY, check=check, **fence).result["changed"] is False
    # the original primary is fenced too (the failover promoted its replica; it must not take writes)
    run(moto_url, PRIMARY, step="fence", db_instance_identifier="orders-db", fence_security_group_id=estate["fence"][PRIMARY],
        drill_id=DRILL)

    # 4. the replica back in the original Region, with the settings RDS takes at creation; idempotent
    assert run(moto_url, PRIMARY, check=True, **replicate).result["changed"] is True
    created = run(moto_url, PRIMARY, **replicate).result
    assert created["changed"] is True
    replica = _instance(moto_url, PRIMARY, restored)
    assert replica["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:orders-db-standby")
    assert replica["MultiAZ"] is True and replica["DeletionProtection"] is True
    assert run(moto_url, PRIMARY, **replicate).result["changed"] is False
    taken = run(moto_url, PRIMARY, **_with(replicate, db_instance_identifier="orders-db"))
    assert isinstance(taken, ModuleFail) and "never reused" in taken.result["msg"]

    # 5. moto reports no replication state: the wait says so and times out rather than guess
    waited = run(moto_url, PRIMARY, step="wait", db_instance_identifier=restored, source_db_instance_identifier="orders-db-standby",
                 source_region=STANDBY, wait_timeout=0)
    assert isinstance(waited, ModuleFail) and waited.result["field"] == "wait_timeout"
    assert "no replication state" in waited.result["msg"]

    # 6. promotion, with the decision moto cannot show stubbed ready (the decision is tested with Stubber below)
    monkeypatch.setattr(dr_rds_failback.Failback, "_decision",
                        lambda self, replica, source: {"decision": "ready", "reason": "stubbed"})
    promote = dict(step="promote", db_instance_identifier=restored, source_db_instance_identifier="orders-db-standby",
                   source_region=STANDBY, settings=settings, drill_id=DRILL, poll_interval=1)
    planned = run(moto_url, PRIMARY, check=True, **promote).result
    assert planned["changed"] is True and rules.PROMOTED_TAG not in _client(moto_url, "rds", PRIMARY).list_tags_for_resource(
        ResourceName=replica["DBInstanceArn"])["TagList"]
    promoted = run(moto_url, PRIMARY, **promote).result
    assert promoted["changed"] is True and promoted["mismatches"] == [] and promoted["settings"] == settings
    now = _instance(moto_url, PRIMARY, restored)
    assert (now["MultiAZ"], now["BackupRetentionPeriod"], now["DeletionProtection"],
            now["DBParameterGroups"][0]["DBParameterGroupName"]) == (True, 7, True, "orders-pg16")
    for check in (True, False):
        assert run(moto_url, PRIMARY, check=check, **promote).result["changed"] is False
    # a failback run again after the promotion finds its replica and goes on
    assert run(moto_url, PRIMARY, **replicate).result["changed"] is False
    rerun = run(moto_url, PRIMARY, step="wait", db_instance_identifier=restored, source_db_instance_identifier="orders-db-standby",
                source_region=STANDBY, wait_timeout=0).result
    assert rerun["decision"] == {"decision": "ready", "reason": "promoted already"}

    # 7. the restored primary takes the original name (the fenced one is renamed aside first)
    retired = seen["retired_identifier"]
    assert retired.startswith("orders-db-old-") and retired not in (restored, "orders-db")
    taken = run(moto_url, PRIMARY, step="rename", db_instance_identifier=restored, new_db_instance_identifier="orders-db")
    assert isinstance(taken, ModuleFail) and taken.result["field"] == "new_db_instance_identifier"
    aside = dict(step="rename", db_instance_identifier="orders-db", new_db_instance_identifier=retired, poll_interval=1)
    assert run(moto_url, PRIMARY, check=True, **aside).result["changed"] is True
    assert run(moto_url, PRIMARY, **aside).result["changed"] is True
    back = dict(step="rename", db_instance_identifier=restored, new_db_instance_identifier="orders-db", poll_interval=1)
    renamed = run(moto_url, PRIMARY, **back).result
    assert renamed["changed"] is True and renamed["instance"]["db_instance_identifier"] == "orders-db"
    assert run(moto_url, PRIMARY, **back).result["changed"] is False
    # orders-db is the restored primary now: renaming it aside again is refused (the role does not ask)
    again = run(moto_url, PRIMARY, **aside)
    assert isinstance(again, ModuleFail) and again.result["field"] == "new_db_instance_identifier"
    now = _instance(moto_url, PRIMARY, "orders-db")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in now or rules.PROMOTED_TAG in [
        t["Key"] for t in _client(moto_url, "rds", PRIMARY).list_tags_for_resource(ResourceName=now["DBInstanceArn"])["TagList"]]
    assert now["MultiAZ"] is True and now["DeletionProtection"] is True
    assert rules.is_fenced(_instance(moto_url, PRIMARY, retired), run(moto_url, PRIMARY, step="inspect",
                                                                      db_instance_identifier=retired).result["tags"])

    # 8. deletion: never the writer, never an unfenced instance; the fenced ones with a final snapshot
    retire = dict(step="retire", writer="orders-db", final_snapshot_identifier="orders-db-before-failback")
    for ident, region, writer in (("orders-db", PRIMARY, "orders-db"), ("orders-db-standby", STANDBY, "orders-db-standby")):
        refused = run(moto_url, region, **_with(retire, db_instance_identifier=ident, writer=writer))
        assert isinstance(refused, ModuleFail) and "current writer" in refused.result["msg"]
    unfenced = run(moto_url, PRIMARY, **_with(retire, db_instance_identifier="orders-db", writer=retired))
    assert isinstance(unfenced, ModuleFail) and "not fenced" in unfenced.result["msg"]
    assert _instance(moto_url, PRIMARY, "orders-db")["DBInstanceStatus"] == "available"

    planned = run(moto_url, PRIMARY, check=True, **_with(retire, db_instance_identifier=retired)).result
    assert planned["changed"] is True and _instance(moto_url, PRIMARY, retired)["DeletionProtection"] is True
    gone = run(moto_url, PRIMARY, **_with(retire, db_instance_identifier=retired)).result
    assert gone["changed"] is True and "fenced" in gone["verdict"]
    snapshots = _client(moto_url, "rds", PRIMARY).describe_db_snapshots(DBSnapshotIdentifier="orders-db-before-failback")
    assert snapshots["DBSnapshots"][0]["DBInstanceIdentifier"] == retired
    assert run(moto_url, PRIMARY, **_with(retire, db_instance_identifier=retired)).result["changed"] is False

    # 9. the standby Region gets a fresh replica of the restored primary (which serves: not fenced)
    standby = run(moto_url, STANDBY, step="inspect", db_instance_identifier="orders-db-standby", drill_id=DRILL).result
    rebuild = dict(step="replicate", db_instance_identifier=standby["free_identifier"], source_db_instance_identifier="orders-db",
                   source_region=PRIMARY, settings=settings, source_must_be_fenced=False)
    assert run(moto_url, STANDBY, **rebuild).result["changed"] is True
    assert _instance(moto_url, STANDBY, standby["free_identifier"])["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:orders-db")
    old_writer = _with(retire, db_instance_identifier="orders-db-standby", final_snapshot_identifier="orders-db-standby-after-failback")
    gone = run(moto_url, STANDBY, **old_writer).result
    assert gone["changed"] is True


def test_a_fence_that_lets_something_in_is_refused_and_a_fence_is_lifted(moto_url, estate):
    leaky = _fence_group(moto_url, STANDBY, name="not-a-fence", inbound=True)
    _client(moto_url, "rds", STANDBY).create_db_instance(
        DBInstanceIdentifier="reports-db", Engine="postgres", DBInstanceClass="db.t4g.micro", AllocatedStorage=20,
        MasterUsername="meridian_admin", MasterUserPassword="one-time-random-2")
    failed = run(moto_url, STANDBY, step="fence", db_instance_identifier="reports-db", fence_security_group_id=leaky,
                 drill_id=DRILL)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "fence_security_group_id"
    assert "inbound rules" in failed.result["msg"]
    arn = _instance(moto_url, STANDBY, "reports-db")["DBInstanceArn"]
    assert _client(moto_url, "rds", STANDBY).list_tags_for_resource(ResourceName=arn)["TagList"] == []

    # a drill stopped before promotion gives the original primary its groups back
    groups = [g["VpcSecurityGroupId"] for g in _instance(moto_url, STANDBY, "reports-db")["VpcSecurityGroups"]]
    run(moto_url, STANDBY, step="fence", db_instance_identifier="reports-db", fence_security_group_id=estate["fence"][STANDBY],
        drill_id=DRILL)
    unfence = dict(step="unfence", db_instance_identifier="reports-db")
    planned = run(moto_url, STANDBY, check=True, **unfence).result
    assert planned["changed"] is True and planned["diff"]["after"] == {"vpc_security_group_ids": sorted(groups)}
    lifted = run(moto_url, STANDBY, **unfence).result
    assert lifted["changed"] is True and lifted["fenced"] is False and lifted["tags"] == {}
    assert [g["VpcSecurityGroupId"] for g in _instance(moto_url, STANDBY, "reports-db")["VpcSecurityGroups"]] == groups
    assert run(moto_url, STANDBY, **unfence).result["changed"] is False


@pytest.mark.parametrize("args, field", [
    ({"step": "fence", "db_instance_identifier": "orders-db"}, "fence_security_group_id"),
    ({"step": "fence", "db_instance_identifier": "orders-db", "fence_security_group_id": "fence", "drill_id": "d"},
     "fence_security_group_id"),
    ({"step": "inspect", "db_instance_identifier": "1-bad"}, "db_instance_identifier"),
    ({"step": "replicate", "db_instance_identifier": "orders-db", "source_db_instance_identifier": "orders-db-standby",
      "source_region": STANDBY, "settings": {"multi_az": True}}, "settings"),
    ({"step": "retire", "db_instance_identifier": "orders-db", "writer": "orders-db-fb"}, "final_snapshot_identifier"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, field):
    def no_client(*_args, **_kwargs):
        raise AssertionError("no AWS client may be built for bad input")

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    failed = run("http://127.0.0.1:9", PRIMARY, **args)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == field


# ---------------------------------------------------------------------------------------------
# Stubber: the replica's status and lag over time (moto has neither)
# ---------------------------------------------------------------------------------------------

SOURCE_ARN = "arn:aws:rds:eu-central-1:123456789012:db:orders-db-standby"
REPLICA_ARN = "arn:aws:rds:eu-west-1:123456789012:db:orders-db-fb"
FENCE_TAGS = [{"Key": rules.FENCE_TAG, "Value": DRILL}, {"Key": rules.FENCE_GROUP_TAG, "Value": "sg-fence"}]


def _source(engine="postgres"):
    return {"DBInstanceIdentifier": "orders-db-standby", "DBInstanceArn": SOURCE_ARN, "Engine": engine,
            "DBInstanceStatus": "available", "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-fence", "Status": "active"}]}


def _replica(status, replication=None, engine="postgres"):
    out = {"DBInstanceIdentifier": "orders-db-fb", "DBInstanceArn": REPLICA_ARN, "Engine": engine, "DBInstanceStatus": status,
           "ReadReplicaSourceDBInstanceIdentifier": SOURCE_ARN}
    if replication:
        out["StatusInfos"] = [{"StatusType": "read replication", "Status": replication, "Normal": replication == "replicating"}]
    return out


def _datapoints(values, unit):
    base = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.timezone.utc)
    return {"Label": "x", "Datapoints": [{"Timestamp": base + datetime.timedelta(minutes=i), "Maximum": v, "Unit": unit}
                                         for i, v in reversed(list(enumerate(values)))]}


_SESSION = botocore.session.get_session()  # one session: its service models load once


class _Stubbed:
    """Real botocore clients of both Regions, stubbed; the module's clients wrap them."""

    def __init__(self):
        self.raw = {}
        self.stubs = {}
        for region in (PRIMARY, STANDBY):
            for service in ("rds", "cloudwatch"):
                client = _SESSION.create_client(service, region_name=region, aws_access_key_id="testing",
                                                aws_secret_access_key="testing")
                self.raw[(service, region)] = client
                self.stubs[(service, region)] = Stubber(client)

    def clients(self, kind, region):
        if kind == "ec2":
            raise AssertionError("waiting and promoting read no security group")
        return RdsClient(self.raw[("rds", region)]) if kind == "rds" else RdsMetricsClient(self.raw[("cloudwatch", region)])

    def describe(self, region, instance, tags):
        rds = self.stubs[("rds", region)]
        rds.add_response("describe_db_instances", {"DBInstances": [instance]}, {"DBInstanceIdentifier": instance["DBInstanceIdentifier"]})
        rds.add_response("list_tags_for_resource", {"TagList": tags}, {"ResourceName": instance["DBInstanceArn"]})

    def metric(self, region, metric, ident, values):
        unit = "Megabytes" if metric == "OldestReplicationSlotLag" else "Seconds"
        self.stubs[("cloudwatch", region)].add_response("get_metric_statistics", _datapoints(values, unit), {
            "Namespace": "AWS/RDS", "MetricName": metric, "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": ident}],
            "StartTime": ANY, "EndTime": ANY, "Period": 60, "Statistics": ["Maximum"]})

    def __enter__(self):
        for stub in self.stubs.values():
            stub.activate()
        return self

    def __exit__(self, *exc):
        for stub in self.stubs.values():
            stub.deactivate()
        if exc[0] is None:
            for stub in self.stubs.values():
                stub.assert_no_pending_responses()


def _module(step="wait", check=False, **over):
    params = {"step": step, "region": PRIMARY, "db_instance_identifier": "orders-db-fb", "source_db_instance_identifier": "orders-db-standby",
              "source_region": STANDBY, "wait_timeout": 600, "poll_interval": 30, "drill_id": DRILL, "settings": None,
              "source_must_be_fenced": True}
    params.update(over)
    return types.SimpleNamespace(params=params, check_mode=check)


def test_wait_polls_until_the_fenced_sources_wal_is_received():
    sleeps = []
    with _Stubbed() as aws:
        # creating -> available but no replication state -> replicating with 8 MB of WAL not received -> received
        for replica, slot in ((_replica("creating"), None), (_replica("available"), None),
                              (_replica("available", "replicating"), [0, 8.0]), (_replica("available", "replicating"), [8.0, 0.0])):
            aws.describe(STANDBY, _source(), FENCE_TAGS)
            aws.describe(PRIMARY, replica, [])
            if slot is not None:
                aws.metric(STANDBY, "OldestReplicationSlotLag", "orders-db-standby", slot)
        result = dr_rds_failback.Failback(_module(), aws.clients, sleep=sleeps.append).wait()
    assert result["decision"] == {"decision": "ready", "reason": "replicating, OldestReplicationSlotLag 0 on the fenced source"}
    assert sleeps == [30, 30, 30] and result["changed"] is False


def test_wait_fails_at_once_on_a_broken_replica_and_never_promotes_it():
    sleeps = []
    with _Stubbed() as aws:
        aws.describe(STANDBY, _source(), FENCE_TAGS)
        aws.describe(PRIMARY, _replica("available", "error"), [])
        with pytest.raises(MeridianError) as err:
            dr_rds_failback.Failback(_module(), aws.clients, sleep=sleeps.append).wait()
    assert "replication of orders-db-fb is error" in str(err.value) and sleeps == []

    with _Stubbed() as aws:
        aws.describe(PRIMARY, _replica("available", "replicating", engine="mysql"), [])
        aws.describe(STANDBY, _source("mysql"), FENCE_TAGS)
        aws.metric(PRIMARY, "ReplicaLag", "orders-db-fb", [0, 12])
        with pytest.raises(MeridianError) as err:
            dr_rds_failback.Failback(_module(step="promote", settings={}), aws.clients).promote()
    assert "may not be promoted yet: ReplicaLag 12 s" in str(err.value)


def test_wait_refuses_a_source_that_is_not_fenced():
    with _Stubbed() as aws:
        aws.describe(STANDBY, _source(), [])
        with pytest.raises(MeridianError) as err:
            dr_rds_failback.Failback(_module(), aws.clients).wait()
    assert err.value.field == "source_db_instance_identifier" and "not fenced" in str(err.value)


def test_wait_times_out_with_the_last_reason():
    clock = iter(range(0, 10000, 300))
    with _Stubbed() as aws:
        for _attempt in range(2):  # at 0 s and at 300 s; at 600 s the deadline has come
            aws.describe(STANDBY, _source("mysql"), FENCE_TAGS)
            aws.describe(PRIMARY, _replica("available", "replicating", engine="mysql"), [])
            aws.metric(PRIMARY, "ReplicaLag", "orders-db-fb", [40])
        with pytest.raises(MeridianError) as err:
            dr_rds_failback.Failback(_module(), aws.clients, sleep=lambda s: None, clock=lambda: next(clock)).wait()
    assert err.value.field == "wait_timeout" and "ReplicaLag 40 s" in str(err.value)
