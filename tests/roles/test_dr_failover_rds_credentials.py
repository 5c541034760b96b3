# -*- coding: utf-8 -*-
"""The dr_failover role's rds engine reads the database credentials from the secret RDS manages for
the primary (AWS Secrets Manager), against a real moto_server; without a secret it stops, naming
what to set. (moto's managed secret holds fixed credentials: the test checks where they come from.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import boto3
import pytest

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import moto_server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rds_credentials.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


@pytest.fixture
def moto_url():
    with moto_server() as url:
        yield url


def _play(url, step):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", PLAYBOOK, "-e", "endpoint=" + url,
                           "-e", "step=" + step, "-e", "ansible_python_interpreter=" + sys.executable],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_drill_reads_the_primarys_managed_secret(moto_url):
    rc, out = _play(moto_url, "setup")
    assert rc == 0, out
    rds = boto3.client("rds", region_name="us-east-1", endpoint_url=moto_url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    arn = rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["MasterUserSecret"]["SecretArn"]
    secret = json.loads(boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_url, aws_access_key_id="testing",
                                     aws_secret_access_key="testing").get_secret_value(SecretId=arn)["SecretString"])

    rc, out = _play(moto_url, "read")
    assert rc == 0, out
    assert "user=%s password_length=%d" % (secret["username"], len(secret["password"])) in out
    assert secret["password"] not in out  # read under no_log


def test_without_a_secret_the_drill_stops_naming_what_to_set(moto_url):
    rds = boto3.client("rds", region_name="us-east-1", endpoint_url=moto_url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    rds.create_db_instance(DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="meridian", MasterUserPassword="one-time-random-1")
    rc, out = _play(moto_url, "read")
    assert rc != 0
    assert "The RDS instance orders-db (us-east-1) has no master user secret" in out
