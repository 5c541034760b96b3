# -*- coding: utf-8 -*-
"""The dr_failover role's rds engine failback against a real moto_server.

The estate before failback is built with the AWS API: a primary and its cross-region replica (no
drill ran, or it stopped before promotion), or a primary and a standalone instance under the
replica's name, which is what PromoteReadReplica leaves. (moto keeps reporting the source of a
promoted replica and gives replicas no StatusInfos, which amazon.aws.rds_instance reads before it
calls PromoteReadReplica: promotions run but report no change on moto, and cannot be observed.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import boto3
import pytest

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import moto_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rds_failover.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
SUFFIX = "us-east-1-20261122t000000z"


@pytest.fixture
def moto_url():
    with moto_server() as url:
        yield url


def _play(url, step, standby=""):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", PLAYBOOK,
                           "-e", "endpoint=" + url, "-e", "step=" + step, "-e", "standby=" + standby,
                           "-e", "ansible_python_interpreter=" + sys.executable],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    return out


def _changed(out):
    return int(re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", out).group(1))


def _rds(url, region):
    return boto3.client("rds", region_name=region, endpoint_url=url, aws_access_key_id="testing", aws_secret_access_key="testing")


def _instance(url, region, name):
    return _rds(url, region).describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def test_failback_without_a_promotion_changes_nothing(moto_url):
    _play(moto_url, "setup", "replica")
    primary_arn = _instance(moto_url, "us-east-1", "orders-db")["DBInstanceArn"]
    out = _play(moto_url, "failback")
    assert _changed(out) == 0, out
    assert "Failback | Read the standby region's instance" in out
    assert _instance(moto_url, "eu-west-1", "orders-db-replica")["ReadReplicaSourceDBInstanceIdentifier"] == primary_arn
    assert _instance(moto_url, "us-east-1", "orders-db")["DBInstanceArn"] == primary_arn


def test_failback_rebuilds_the_pair_around_the_original_primary(moto_url):
    _play(moto_url, "setup", "promoted")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _instance(moto_url, "eu-west-1", "orders-db-replica")

    out = _play(moto_url, "failback")
    # two removals and two replicas; the promotion in between reports no change on moto (above)
    assert _changed(out) == 4, out
    assert "Failback | Promote it back to primary" in out
    primary = _instance(moto_url, "us-east-1", "orders-db")
    standby = _instance(moto_url, "eu-west-1", "orders-db-replica")
    assert standby["ReadReplicaSourceDBInstanceIdentifier"] == primary["DBInstanceArn"]
    # the network settings of each region's instance were kept
    assert primary["DBSubnetGroup"]["DBSubnetGroupName"] == "orders"
    assert standby["DBSubnetGroup"]["DBSubnetGroupName"] == "orders"
    # both replaced instances left a final snapshot named after the drill
    snaps = [s["DBSnapshotIdentifier"] for region in ("us-east-1", "eu-west-1")
             for s in _rds(moto_url, region).describe_db_snapshots()["DBSnapshots"]]
    assert "orders-db-" + SUFFIX in snaps
    assert "orders-db-replica-" + SUFFIX in snaps
