# -*- coding: utf-8 -*-
"""The dr_failover role's rds engine failback against a real moto_server.

The estate before failback is built with the AWS API (boto3, in the test's process: a playbook of the
amazon.aws modules built the same estate with 14 module runs, 13.5 s of CPU per test): a fenced
primary (fenced by the role's module, dr_rds_failback) and its cross-region replica (the drill stopped
before promotion), or a primary and a standalone instance under the replica's name, which is what
PromoteReadReplica leaves. moto gives replicas no StatusInfos (replication
state) and no CloudWatch lag: on plain moto the failback's wait for zero lag cannot pass, so the role
runs up to that wait (fences, the replica back, its settings) and must stop there with nothing
deleted. The last test runs the whole failback with that state stubbed: a proxy of its own in front of
moto_server adds the replica's replication state, and the lag metric is put in moto's CloudWatch.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import http.client
import http.server
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import urllib.parse

import boto3
import pytest

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import moto_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rds_failover.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
RESTORED = "orders-db-fb-20261122t000000z"  # the identifier beside orders-db (drill/rds_failback.py)


@pytest.fixture
def moto_url():
    with moto_server() as url:
        yield url


def _play(url, step, standby="", fence=None, rc=0, dns="", **extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", PLAYBOOK,
                           "-e", "endpoint=" + url, "-e", "step=" + step, "-e", "standby=" + standby,
                           "-e", json.dumps(dict(extra, fence=fence or {}, dns=dns)),
                           "-e", "ansible_python_interpreter=" + sys.executable],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == rc, out
    return out


def _build(url, standby):
    """The estate before failback: per region a network with two subnets, the database subnet group,
    the application's database security group and the fence group (no inbound rule); the primary in
    us-east-1 and, in eu-west-1, ``standby``: ``replica`` (its cross-region read replica, the primary
    fenced as the failover fences it before it promotes), ``replica_unfenced`` (the pair before the
    fence) or ``promoted`` (a standalone instance under the replica's name, what PromoteReadReplica
    leaves behind)."""
    groups = {}
    for region in ("us-east-1", "eu-west-1"):
        ec2 = _client(url, "ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "orders"}]}])["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.%d.0/24" % i, AvailabilityZone=region + "ab"[i])["Subnet"]["SubnetId"]
                   for i in (0, 1)]
        _client(url, "rds", region).create_db_subnet_group(DBSubnetGroupName="orders", DBSubnetGroupDescription="orders database",
                                                           SubnetIds=subnets)
        for name in ("orders-db", "dr-fence"):
            groups[region, name] = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=groups[region, "orders-db"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.40.0.0/16"}]}])
    password = secrets.token_urlsafe(15)  # a fresh one per test, as the playbook generated one
    primary = _client(url, "rds", "us-east-1").create_db_instance(
        DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
        DBSubnetGroupName="orders", VpcSecurityGroupIds=[groups["us-east-1", "orders-db"]], MultiAZ=True,
        BackupRetentionPeriod=7, DeletionProtection=True, Tags=[{"Key": "team", "Value": "orders"}],
        MasterUsername="meridian", MasterUserPassword=password)["DBInstance"]
    standby_rds = _client(url, "rds", "eu-west-1")
    if standby == "promoted":
        standby_rds.create_db_instance(
            DBInstanceIdentifier="orders-db-replica", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
            DBSubnetGroupName="orders", VpcSecurityGroupIds=[groups["eu-west-1", "orders-db"]], BackupRetentionPeriod=1,
            MasterUsername="meridian", MasterUserPassword=password)
        return
    standby_rds.create_db_instance_read_replica(
        DBInstanceIdentifier="orders-db-replica", SourceDBInstanceIdentifier=primary["DBInstanceArn"], SourceRegion="us-east-1",
        DBInstanceClass="db.t3.micro", DBSubnetGroupName="orders")
    if standby == "replica":
        _play(url, "fence", fence={"us-east-1": groups["us-east-1", "dr-fence"]})


def _changed(out):
    return int(re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", out).group(1))


def _client(url, service, region):
    return boto3.client(service, region_name=region, endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing")


def _instance(url, region, name):
    return _client(url, "rds", region).describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def _groups(url, region, name):
    return sorted(g["VpcSecurityGroupId"] for g in _instance(url, region, name)["VpcSecurityGroups"])


def _group_id(url, region, name):
    found = _client(url, "ec2", region).describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])
    return found["SecurityGroups"][0]["GroupId"]


def _fence(url):
    return dict((region, _group_id(url, region, "dr-fence")) for region in ("us-east-1", "eu-west-1"))


def test_failback_without_a_promotion_lifts_the_fence_and_changes_nothing_else(moto_url):
    _build(moto_url, "replica")
    primary_arn = _instance(moto_url, "us-east-1", "orders-db")["DBInstanceArn"]
    assert _groups(moto_url, "us-east-1", "orders-db") == [_group_id(moto_url, "us-east-1", "dr-fence")]
    out = _play(moto_url, "failback", fence=_fence(moto_url))
    assert _changed(out) == 1, out
    assert _groups(moto_url, "us-east-1", "orders-db") == [_group_id(moto_url, "us-east-1", "orders-db")]
    assert _instance(moto_url, "eu-west-1", "orders-db-replica")["ReadReplicaSourceDBInstanceIdentifier"] == primary_arn
    assert _instance(moto_url, "us-east-1", "orders-db")["DBInstanceArn"] == primary_arn
    assert _changed(_play(moto_url, "failback", fence=_fence(moto_url))) == 0


def test_failback_fences_replicates_back_and_stops_without_proof_of_zero_lag(moto_url):
    """Everything up to the promotion runs on moto; the replica's replication state, which moto does
    not report, is what promotion waits for: the failback stops there, and deletes nothing."""
    _build(moto_url, "promoted")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _instance(moto_url, "eu-west-1", "orders-db-replica")
    without_fence = _play(moto_url, "failback", rc=2)
    assert "dr_failover_rds_fence_security_groups has no security group" in without_fence
    assert _groups(moto_url, "eu-west-1", "orders-db-replica") == [_group_id(moto_url, "eu-west-1", "orders-db")]

    fence = _fence(moto_url)
    out = _play(moto_url, "failback", fence=fence, rc=2)
    assert "RDS reports no replication state" in out, out
    # both writers are fenced, and the replica is built with the original primary's network and settings
    assert _groups(moto_url, "eu-west-1", "orders-db-replica") == [fence["eu-west-1"]]
    assert _groups(moto_url, "us-east-1", "orders-db") == [fence["us-east-1"]]
    replica = _instance(moto_url, "us-east-1", RESTORED)
    assert replica["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:orders-db-replica")
    assert replica["DBSubnetGroup"]["DBSubnetGroupName"] == "orders"
    assert _groups(moto_url, "us-east-1", RESTORED) == [_group_id(moto_url, "us-east-1", "orders-db")]
    assert replica["MultiAZ"] is True and replica["DeletionProtection"] is True
    tags = _client(moto_url, "rds", "us-east-1").list_tags_for_resource(ResourceName=replica["DBInstanceArn"])["TagList"]
    assert {"Key": "team", "Value": "orders"} in tags
    # nothing was deleted, nothing promoted
    assert _instance(moto_url, "us-east-1", "orders-db")["DBInstanceStatus"] == "available"
    assert _instance(moto_url, "eu-west-1", "orders-db-replica")["DBInstanceStatus"] == "available"
    assert _client(moto_url, "rds", "us-east-1").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"] == []

    # run again (resume): the same replica is found, nothing new is built
    again = _play(moto_url, "failback", fence=fence, rc=2)
    assert _changed(again) == 0, again
    assert [i["DBInstanceIdentifier"] for i in _client(moto_url, "rds", "us-east-1").describe_db_instances()["DBInstances"]] == \
        ["orders-db", RESTORED]


# ---------------------------------------------------------------------------------------------
# The whole failback, with what moto cannot show stubbed in front of it
# ---------------------------------------------------------------------------------------------

_REPLICA_SOURCE = re.compile(r"(<ReadReplicaSourceDBInstanceIdentifier>[^<]*</ReadReplicaSourceDBInstanceIdentifier>)")
_REPLICATING = ("<StatusInfos><DBInstanceStatusInfo><StatusType>read replication</StatusType><Status>replicating</Status>"
                "<Normal>true</Normal></DBInstanceStatusInfo></StatusInfos>")


@contextlib.contextmanager
def _replication_state_stub(upstream):
    """An HTTP proxy on 127.0.0.1 in front of moto_server that adds the ``replicating`` status info RDS
    reports for a healthy read replica to every DescribeDBInstances answer (moto reports none)."""
    def rewrite(body, status, payload):
        if b"Action=DescribeDBInstances" in body and status == 200:
            payload = _REPLICA_SOURCE.sub(lambda m: m.group(1) + _REPLICATING, payload.decode()).encode()
        return status, payload

    with _proxy(upstream, rewrite) as url:
        yield url


_REFUSED = ("<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type>"
            "<Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/dr-drill/drill is not authorized"
            " to perform: rds:PromoteReadReplica</Message></Error><RequestId>refused-by-the-test</RequestId></ErrorResponse>")


@contextlib.contextmanager
def _promotion_refused(upstream):
    """A proxy in front of moto_server that adds the replicas' ``replicating`` state (amazon.aws.rds_instance
    promotes only an instance whose StatusInfos it sees; moto reports none) and answers PromoteReadReplica
    with the AccessDenied RDS gives a role without rds:PromoteReadReplica, without passing the call on."""
    def refuse(body, status, payload):
        if b"Action=PromoteReadReplica" in body:
            return 403, _REFUSED.encode()
        if b"Action=DescribeDBInstances" in body and status == 200:
            payload = _REPLICA_SOURCE.sub(lambda m: m.group(1) + _REPLICATING, payload.decode()).encode()
        return status, payload

    with _proxy(upstream, refuse, intercept=lambda body: b"Action=PromoteReadReplica" in body) as url:
        yield url


@contextlib.contextmanager
def _proxy(upstream, rewrite, intercept=lambda body: False):
    """An HTTP proxy on 127.0.0.1 in front of moto_server; ``rewrite(body, status, payload)`` gives the
    answer; a request ``intercept(body)`` selects is not passed on."""
    target = urllib.parse.urlsplit(upstream)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if intercept(body):
                (status, payload), headers = rewrite(body, 0, b""), {"Content-Type": "text/xml"}
            else:
                # http.client sends the request as it came (urllib would add a form Content-Type)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body,
                                 headers=dict((k, v) for k, v in self.headers.items() if k.lower() != "host"))
                    answer = conn.getresponse()
                    status, headers, payload = answer.status, answer.headers, answer.read()
                finally:
                    conn.close()
                status, payload = rewrite(body, status, payload)
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _failover_records(url, zone, record):
    """The failover pair as the failover left it: the primary's health check inverted."""
    r53 = _client(url, "route53", "us-east-1")
    zone_id = r53.create_hosted_zone(Name=zone, CallerReference="zone")["HostedZone"]["Id"].split("/")[-1]
    checks = {}
    for role, region in (("PRIMARY", "us-east-1"), ("SECONDARY", "eu-west-1")):
        checks[role] = r53.create_health_check(CallerReference=role, HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": "%s.lb.example.com" % region, "ResourcePath": "/healthz",
            "Port": 443, "Inverted": role == "PRIMARY"})["HealthCheck"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": record, "Type": "CNAME", "SetIdentifier": region, "Failover": role, "TTL": 30,
            "ResourceRecords": [{"Value": "%s.lb.example.com" % region}], "HealthCheckId": checks[role]}}]})
    return checks


def test_the_whole_failback_with_the_replication_state_stubbed(moto_url):
    """moto gives replicas no replication state and CloudWatch no RDS metric: a proxy adds the state
    (``replicating``) and the sources' OldestReplicationSlotLag is put at 0, as RDS would report them
    for a drained replica. Everything else is moto's."""
    _build(moto_url, "promoted")
    checks = _failover_records(moto_url, "example.com", "orders.example.com")
    now = datetime.datetime.now(datetime.timezone.utc)
    for region, source in (("eu-west-1", "orders-db-replica"), ("us-east-1", "orders-db")):
        _client(moto_url, "cloudwatch", region).put_metric_data(Namespace="AWS/RDS", MetricData=[{
            "MetricName": "OldestReplicationSlotLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": source}],
            "Timestamp": now, "Value": 0.0, "Unit": "Megabytes"}])
    old_writer_arn = _instance(moto_url, "eu-west-1", "orders-db-replica")["DBInstanceArn"]

    with _replication_state_stub(moto_url) as stubbed:
        out = _play(stubbed, "failback", fence=_fence(moto_url), dns="orders.example.com")

    rds = _client(moto_url, "rds", "us-east-1")
    restored = _instance(moto_url, "us-east-1", "orders-db")
    tags = dict((t["Key"], t["Value"]) for t in rds.list_tags_for_resource(ResourceName=restored["DBInstanceArn"])["TagList"])
    # the original name holds the restored primary, with the original settings, not fenced
    assert tags.get("meridian:dr-promoted") == "us-east-1-20261122T000000Z" and "meridian:dr-fence" not in tags, out
    assert tags["team"] == "orders"
    assert (restored["MultiAZ"], restored["BackupRetentionPeriod"], restored["DeletionProtection"]) == (True, 7, True)
    assert _groups(moto_url, "us-east-1", "orders-db") == [_group_id(moto_url, "us-east-1", "orders-db")]
    # Route 53 answers with the primary again
    health = _client(moto_url, "route53", "us-east-1").get_health_check(HealthCheckId=checks["PRIMARY"])
    assert health["HealthCheck"]["HealthCheckConfig"].get("Inverted") is not True
    # the fenced instances are gone, each with its final snapshot; the standby region replicates the restored primary
    names = dict((region, sorted(i["DBInstanceIdentifier"] for i in _client(moto_url, "rds", region).describe_db_instances()["DBInstances"]))
                 for region in ("us-east-1", "eu-west-1"))
    assert names["us-east-1"] == ["orders-db"], names
    assert len(names["eu-west-1"]) == 1 and names["eu-west-1"][0].startswith("orders-db-replica-fb-"), names
    standby = _instance(moto_url, "eu-west-1", names["eu-west-1"][0])
    assert standby["ReadReplicaSourceDBInstanceIdentifier"] == restored["DBInstanceArn"]
    snapshots = dict((s["DBInstanceIdentifier"], s["DBSnapshotIdentifier"]) for region in ("us-east-1", "eu-west-1")
                     for s in _client(moto_url, "rds", region).describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])
    assert snapshots["orders-db-old-20261122t000000z"] == "orders-db-old-20261122t000000z-us-east-1-20261122t000000z"
    assert snapshots["orders-db-replica"] == "orders-db-replica-us-east-1-20261122t000000z"
    assert old_writer_arn.endswith(":db:orders-db-replica")
    # the report notes the standby's new identifier (the old one was taken while it was built)
    assert names["eu-west-1"][0] in out.split("_dr_failover_anomalies:")[1], out[-3000:]


# ---------------------------------------------------------------------------------------------
# A drill whose promotion fails undoes its fault on its own
# ---------------------------------------------------------------------------------------------

def _drill(url, fence, report_dir, rc=2):
    """The whole role (main.yml), resuming the drill ``interrupted`` left."""
    return _play(url, "drill", fence=fence, rc=rc, dns="orders.example.com", report_dir=str(report_dir))


def _store(url):
    body = _client(url, "s3", "us-east-1").get_object(Bucket="dr-state", Key="dr-drill/orders.example.com.json")["Body"].read()
    return json.loads(body)


def test_a_refused_promotion_rolls_back_with_the_fence_lifted_and_routing_restored(moto_url, tmp_path):
    """The drill fences the primary, RDS refuses to promote the standby (AccessDenied, put in front of
    moto by the test's proxy): the standby is still a read replica, so the drill lifts the fence,
    switches Route 53 back, releases its lock and reports FAIL with RDS's reason."""
    _build(moto_url, "replica_unfenced")
    primary = _instance(moto_url, "us-east-1", "orders-db")
    app_groups = _groups(moto_url, "us-east-1", "orders-db")
    checks = _failover_records(moto_url, "example.com", "orders.example.com")
    _play(moto_url, "interrupted", dns="orders.example.com")
    assert _store(moto_url)["status"] == "failed"
    fence = _fence(moto_url)

    with _promotion_refused(moto_url) as refusing:
        out = _drill(refusing, fence, tmp_path)

    assert "The drill did not pass" in out, out
    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert report["passed"] is False, report
    reasons = " ".join(report["reasons"])
    anomalies = " ".join(report.get("anomalies", []))
    assert "phase recover failed" in reasons, reasons
    assert 'stopped at task "Promote | Promote the RDS read replica in the standby region"' in anomalies, anomalies
    assert "not authorized to perform: rds:PromoteReadReplica" in anomalies, anomalies
    assert "undone on its own" in anomalies and "a read replica, available" in anomalies, anomalies
    # the fence was up (the check says so) and is lifted: the primary is back behind its own groups, untagged
    assert _groups(moto_url, "us-east-1", "orders-db") == app_groups != [fence["us-east-1"]]
    tags = dict((t["Key"], t["Value"]) for t in _client(moto_url, "rds", "us-east-1").list_tags_for_resource(
        ResourceName=primary["DBInstanceArn"])["TagList"])
    assert not [k for k in tags if k.startswith("meridian:dr-fence")], tags
    assert any(c["name"] == "old primary fenced" and c["passed"] for c in report["checks"]), report["checks"]
    # the standby was not promoted; Route 53 answers with the primary
    assert _instance(moto_url, "eu-west-1", "orders-db-replica")["ReadReplicaSourceDBInstanceIdentifier"] == primary["DBInstanceArn"]
    health = _client(moto_url, "route53", "us-east-1").get_health_check(HealthCheckId=checks["PRIMARY"])
    assert health["HealthCheck"]["HealthCheckConfig"].get("Inverted") is not True
    # the lock is released: nothing is left to resume
    assert _store(moto_url)["status"] == "released", _store(moto_url)


def test_a_drill_that_fails_with_a_standby_that_is_no_replica_leaves_it_fenced_and_locked(moto_url, tmp_path):
    """The standby's instance is a standalone instance (what a promotion leaves): the drill fences the
    primary, fails later (plain moto: the standby's name does not resolve), and its abort must not
    unfence the primary: two writers. The fence stays, the lock is kept for resume or rollback."""
    _build(moto_url, "promoted")
    checks = _failover_records(moto_url, "example.com", "orders.example.com")
    _play(moto_url, "interrupted", dns="orders.example.com")
    fence = _fence(moto_url)

    out = _drill(moto_url, fence, tmp_path)

    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    anomalies = " ".join(report.get("anomalies", []))
    assert report["passed"] is False, out
    assert not [a for a in report["anomalies"] if a.startswith("undone on its own")], anomalies
    assert "not undone on its own: the standby is promoted (orders-db-replica is no read replica, available)" in anomalies, anomalies
    assert "dr_failover_mode=rollback" in anomalies
    assert _groups(moto_url, "us-east-1", "orders-db") == [fence["us-east-1"]]
    health = _client(moto_url, "route53", "us-east-1").get_health_check(HealthCheckId=checks["PRIMARY"])
    assert health["HealthCheck"]["HealthCheckConfig"].get("Inverted") is True
    assert _store(moto_url)["status"] == "failed"
