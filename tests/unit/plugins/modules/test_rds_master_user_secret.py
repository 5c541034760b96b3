# -*- coding: utf-8 -*-
"""rds_master_user_secret against a moto_server of its own, and its pure plan."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

boto3 = pytest.importorskip("boto3")

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.rds_secret import (  # noqa: E402
    RdsSecretError,
    master_secret_plan,
)
from ansible_collections.meridian.global_infra.plugins.modules import rds_master_user_secret  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_aws_module  # noqa: E402

REGION = "us-east-1"


def _client(moto_url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def run(moto_url, check=False, **args):
    return run_aws_module(rds_master_user_secret, moto_url, REGION, args, check=check)


def test_master_password_handed_to_secrets_manager_once(moto_url):
    rds = _client(moto_url, "rds")
    rds.create_db_instance(DBInstanceIdentifier="orders-db", Engine="postgres", DBInstanceClass="db.t4g.micro",
                           AllocatedStorage=20, MasterUsername="meridian_admin", MasterUserPassword="one-time-random-1")
    planned = run(moto_url, check=True, db_instance_identifier="orders-db")
    assert planned.result["changed"] is True and planned.result["secret_arn"] is None
    assert planned.result["diff"] == {"before": {"manage_master_user_password": False, "kms_key_id": None},
                                      "after": {"manage_master_user_password": True, "kms_key_id": None}}
    assert "MasterUserSecret" not in rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]

    applied = run(moto_url, db_instance_identifier="orders-db")
    assert applied.result["changed"] is True
    arn = applied.result["secret_arn"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-")
    assert rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["MasterUserSecret"]["SecretArn"] == arn
    secret = json.loads(_client(moto_url, "secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert sorted(secret) == ["password", "username"]

    # managed already: no second ModifyDBInstance (which would make RDS create another secret)
    for check in (True, False):
        again = run(moto_url, check=check, db_instance_identifier="orders-db")
        assert again.result["changed"] is False and again.result["secret_arn"] == arn
    assert rds.describe_db_instances(DBInstanceIdentifier="orders-db")["DBInstances"][0]["MasterUserSecret"]["SecretArn"] == arn


def test_missing_instance(moto_url):
    failed = run(moto_url, db_instance_identifier="nowhere-db")
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "db_instance_identifier"
    assert "does not exist; create it first" in failed.result["msg"]
    planned = run(moto_url, check=True, db_instance_identifier="nowhere-db")
    assert planned.result["changed"] is True


@pytest.mark.parametrize("args, field", [
    ({"db_instance_identifier": "1-bad"}, "db_instance_identifier"),
    ({"db_instance_identifier": "orders-db", "master_user_secret_kms_key_id": "not a key"}, "master_user_secret_kms_key_id"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, field):
    def no_client(*_args, **_kwargs):
        raise AssertionError("no AWS client may be built for bad input")

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    failed = run("http://127.0.0.1:9", **args)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == field


SECRET = {"SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-x", "SecretStatus": "active",
          "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/aaaa"}


@pytest.mark.parametrize("instance, key, modify", [
    ({"DBInstanceIdentifier": "db"}, None, {"ManageMasterUserPassword": True, "ApplyImmediately": True}),
    ({"DBInstanceIdentifier": "db"}, "alias/db-secrets",
     {"ManageMasterUserPassword": True, "ApplyImmediately": True, "MasterUserSecretKmsKeyId": "alias/db-secrets"}),
    ({"DBInstanceIdentifier": "db", "MasterUserSecret": SECRET}, None, None),
    ({"DBInstanceIdentifier": "db", "MasterUserSecret": SECRET}, "aaaa", None),
    ({"DBInstanceIdentifier": "db", "MasterUserSecret": SECRET}, "arn:aws:kms:us-east-1:123456789012:key/bbbb",
     {"ManageMasterUserPassword": True, "ApplyImmediately": True,
      "MasterUserSecretKmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/bbbb"}),
])
def test_plan(instance, key, modify):
    plan = master_secret_plan(instance, key)
    assert plan["modify"] == modify and plan["changed"] is (modify is not None)


def test_read_replica_is_refused():
    with pytest.raises(RdsSecretError) as err:
        master_secret_plan({"DBInstanceIdentifier": "db-replica", "ReadReplicaSourceDBInstanceIdentifier": "arn:aws:rds:x"})
    assert err.value.field == "db_instance_identifier" and "read replica" in str(err.value)
