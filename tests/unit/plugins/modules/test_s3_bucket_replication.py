# -*- coding: utf-8 -*-
"""s3_bucket_replication against a moto_server of its own (started here on a free 127.0.0.1 port)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

boto3 = pytest.importorskip("boto3")


from ansible_collections.meridian.global_infra.plugins.modules import s3_bucket_replication  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_aws_module  # noqa: E402

REGION = "us-east-1"
REPLICA_REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/meridian-test-s3-replication"


def _client(moto_url, service, region=REGION):
    return boto3.client(service, region_name=region, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def s3(moto_url):
    return _client(moto_url, "s3")


def _bucket(s3, name, region, versioned=True):
    config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **config)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture
def buckets(s3, request):
    suffix = request.node.name.replace("_", "-")[-30:].strip("-").lower()
    source = _bucket(s3, "src-" + suffix, REGION)
    replica = _bucket(s3, "dst-" + suffix, REPLICA_REGION)
    yield source, replica
    for name in (source, replica):
        s3.delete_bucket(Bucket=name)


def run(moto_url, check=False, diff=True, **args):
    return run_aws_module(s3_bucket_replication, moto_url, REGION, args, check=check, diff=diff)


def _configuration(s3, bucket):
    try:
        return s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except s3.exceptions.ClientError as err:
        assert err.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
        return None


def test_check_create_idempotent_absent(moto_url, s3, buckets):
    source, replica = buckets
    args = dict(bucket=source, role_arn=ROLE, rules=[{"id": "failover", "destination_bucket": replica,
                                                     "storage_class": "STANDARD_IA"}])
    planned = run(moto_url, check=True, **args)
    assert not isinstance(planned, ModuleFail), planned.result
    assert planned.result["changed"] is True and planned.result["differences"] == ["role", "rules[failover]"]
    assert _configuration(s3, source) is None  # check mode wrote nothing
    assert planned.result["diff"]["before"] == {}

    applied = run(moto_url, **args)
    assert applied.result["changed"] is True
    stored = _configuration(s3, source)
    assert stored["Role"] == ROLE
    [rule] = stored["Rules"]
    assert (rule["ID"], rule["Priority"], rule["Status"]) == ("failover", 1, "Enabled")
    assert rule["Destination"] == {"Bucket": "arn:aws:s3:::" + replica, "StorageClass": "STANDARD_IA"}
    assert applied.result["replication"]["rules"][0]["destination_bucket"] == "arn:aws:s3:::" + replica

    for check in (True, False):
        again = run(moto_url, check=check, **args)
        assert again.result["changed"] is False and again.result["differences"] == []
        assert again.result["diff"]["before"] == again.result["diff"]["after"]

    absent_check = run(moto_url, check=True, bucket=source, state="absent")
    assert absent_check.result["changed"] is True and _configuration(s3, source) is not None
    absent = run(moto_url, bucket=source, state="absent")
    assert absent.result["changed"] is True and absent.result["diff"]["after"] == {}
    assert _configuration(s3, source) is None
    assert run(moto_url, bucket=source, state="absent").result["changed"] is False


def test_changed_rules_are_rewritten(moto_url, s3, buckets):
    source, replica = buckets
    rules = [{"id": "failover", "destination_bucket": replica}]
    run(moto_url, bucket=source, role_arn=ROLE, rules=rules)
    changed = run(moto_url, bucket=source, role_arn=ROLE, rules=[dict(rules[0], storage_class="GLACIER", priority=5),
                                                                 {"id": "second", "priority": 6,
                                                                  "destination_bucket": replica, "enabled": False}])
    assert changed.result["changed"] is True
    assert changed.result["differences"] == ["rules[failover]", "rules[second]"]
    assert changed.result["diff"]["before"]["rules"][0]["storage_class"] is None
    stored = sorted(_configuration(s3, source)["Rules"], key=lambda r: r["ID"])
    assert [(r["ID"], r["Priority"], r["Status"]) for r in stored] == [("failover", 5, "Enabled"), ("second", 6, "Disabled")]
    assert stored[0]["Destination"]["StorageClass"] == "GLACIER"


def test_unversioned_source_is_refused(moto_url, s3, buckets):
    source, replica = buckets
    plain = _bucket(s3, source + "-plain", REGION, versioned=False)
    try:
        failed = run(moto_url, bucket=plain, role_arn=ROLE, rules=[{"id": "r", "destination_bucket": replica}])
        assert isinstance(failed, ModuleFail)
        assert failed.result["field"] == "bucket" and "versioning is not enabled on " + plain in failed.result["msg"]
        # in check mode too: the plan would fail, so it is reported, not hidden
        assert isinstance(run(moto_url, check=True, bucket=plain, role_arn=ROLE,
                              rules=[{"id": "r", "destination_bucket": replica}]), ModuleFail)
    finally:
        s3.delete_bucket(Bucket=plain)


def test_missing_or_unversioned_destination_is_refused(moto_url, s3, buckets):
    source, replica = buckets
    missing = run(moto_url, bucket=source, role_arn=ROLE, rules=[{"id": "r", "destination_bucket": "no-such-bucket-x"}])
    assert isinstance(missing, ModuleFail) and "no-such-bucket-x does not exist" in missing.result["msg"]
    plain = _bucket(s3, replica + "-plain", REPLICA_REGION, versioned=False)
    try:
        failed = run(moto_url, bucket=source, role_arn=ROLE, rules=[{"id": "r", "destination_bucket": plain}])
        assert isinstance(failed, ModuleFail) and "destination bucket " + plain in failed.result["msg"]
    finally:
        s3.delete_bucket(Bucket=plain)
    assert _configuration(s3, source) is None


def test_missing_source_bucket(moto_url):
    args = dict(bucket="meridian-test-nowhere", role_arn=ROLE, rules=[{"id": "r", "destination_bucket": "somewhere-else"}])
    failed = run(moto_url, **args)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "bucket"
    # in check mode an earlier task of the run may create it: planned, with a warning
    planned = run(moto_url, check=True, **args)
    assert not isinstance(planned, ModuleFail) and planned.result["changed"] is True
    assert run(moto_url, bucket="meridian-test-nowhere", state="absent").result["changed"] is False


@pytest.mark.parametrize("args, field", [
    ({"role_arn": "not-an-arn", "rules": [{"id": "r", "destination_bucket": "dst-bucket"}]}, "role_arn"),
    ({"role_arn": ROLE, "rules": [{"id": "r", "destination_bucket": "dst-bucket", "tags": {"a": "b"},
                                   "delete_marker_replication": True}]}, "rules[0].delete_marker_replication"),
    ({"role_arn": ROLE, "rules": [{"id": "r", "destination_bucket": "Not_A_Bucket"}]}, "rules[0].destination_bucket"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, field):
    def no_client(*_args, **_kwargs):
        raise AssertionError("no AWS client may be built for bad input")

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    failed = run("http://127.0.0.1:9", bucket="src-bucket", **args)
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == field and failed.result["msg"].startswith(field + ":")


def test_access_denied_is_not_retried_and_fails_with_the_fix(monkeypatch):
    """botocore's Stubber: a non-retryable error fails at once, naming the call, the code and the permission."""
    from botocore.stub import Stubber

    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
        botocore_client,
        fast_retries,
        run_module,
        use_aws_clients,
    )

    sleeps = fast_retries(monkeypatch)
    s3 = botocore_client("s3", REGION)
    stubber = Stubber(s3)
    stubber.activate()
    use_aws_clients(monkeypatch, {"s3": s3})
    stubber.add_client_error("get_bucket_replication", "AccessDenied", "Access Denied", 403,
                             expected_params={"Bucket": "src-bucket"})

    failed = run_module(s3_bucket_replication, {"region": REGION, "bucket": "src-bucket", "role_arn": ROLE,
                                                "rules": [{"id": "r", "destination_bucket": "dst-bucket"}]})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"] == ("s3 GetBucketReplication (bucket src-bucket) failed: AccessDenied: Access Denied; "
                                    "allow s3:GetReplicationConfiguration to the credentials the task runs with")
    assert sleeps == []
    stubber.assert_no_pending_responses()


ACCOUNT = "123456789012"  # moto's account


def _key(moto_url, region):
    return _client(moto_url, "kms", region).create_key(Description="replicas")["KeyMetadata"]["Arn"]


def test_sse_kms_replication_to_a_bucket_of_the_account(moto_url, s3, buckets):
    source, replica = buckets
    key = _key(moto_url, REPLICA_REGION)
    args = dict(bucket=source, role_arn=ROLE, rules=[{"id": "failover", "destination_bucket": replica, "account": ACCOUNT,
                                                     "replica_kms_key_id": key}])
    applied = run(moto_url, **args)
    assert not isinstance(applied, ModuleFail), applied.result
    assert applied.result["changed"] is True
    [rule] = _configuration(s3, source)["Rules"]
    assert rule["Destination"] == {"Bucket": "arn:aws:s3:::" + replica, "Account": ACCOUNT,
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": key}}
    # moto accepts SourceSelectionCriteria but drops it on read-back (the Stubber test below shows
    # the request carries it); the module still reports no change on the next runs
    assert "SourceSelectionCriteria" not in rule
    assert applied.result["replication"]["rules"][0]["sse_kms_encrypted_objects"] == "Enabled"
    for check in (True, False):
        assert run(moto_url, check=check, **args).result["changed"] is False

    with_owner = dict(args)
    with_owner["rules"] = [dict(args["rules"][0], owner_override=True)]
    owner = run(moto_url, **with_owner)
    assert owner.result["changed"] is True
    assert _configuration(s3, source)["Rules"][0]["Destination"]["AccessControlTranslation"] == {"Owner": "Destination"}


def test_replica_key_of_another_region_is_refused(moto_url, s3, buckets):
    source, replica = buckets
    key = _key(moto_url, REGION)  # the source's region, not the destination's
    failed = run(moto_url, bucket=source, role_arn=ROLE, rules=[{"id": "failover", "destination_bucket": replica,
                                                                "account": ACCOUNT, "replica_kms_key_id": key}])
    assert isinstance(failed, ModuleFail)
    assert "replica key %s is in us-east-1 but the destination bucket %s is in eu-west-1" % (key, replica) in failed.result["msg"]
    assert _configuration(s3, source) is None


def _stubbed(monkeypatch):
    from botocore.stub import Stubber

    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
        botocore_client,
        fast_retries,
        use_aws_clients,
    )

    fast_retries(monkeypatch)
    client = botocore_client("s3", REGION)
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"s3": client})
    return stubber


KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e"
RULE = {"id": "failover", "destination_bucket": "dst-bucket", "account": ACCOUNT, "replica_kms_key_id": KMS_KEY}


def test_a_destination_owned_by_another_account_is_refused(monkeypatch):
    """moto ignores ExpectedBucketOwner; S3 answers 403 AccessDenied when another account owns the bucket."""
    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import run_module

    stubber = _stubbed(monkeypatch)
    stubber.add_client_error("get_bucket_replication", "ReplicationConfigurationNotFoundError", "none", 404,
                             expected_params={"Bucket": "src-bucket"})
    stubber.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "src-bucket"})
    stubber.add_client_error("get_bucket_versioning", "AccessDenied", "Access Denied", 403,
                             expected_params={"Bucket": "dst-bucket", "ExpectedBucketOwner": ACCOUNT})
    failed = run_module(s3_bucket_replication, {"region": REGION, "bucket": "src-bucket", "role_arn": ROLE, "rules": [RULE]})
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("rules: destination bucket dst-bucket is not owned by account 123456789012")
    stubber.assert_no_pending_responses()  # no PutBucketReplication was asked for


def test_reported_selection_off_is_rewritten_with_the_owner_and_key(monkeypatch):
    """What moto cannot show: S3 reports SourceSelectionCriteria, and the put carries it with the owner checks."""
    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import run_module

    stubber = _stubbed(monkeypatch)
    stored = {"Role": ROLE, "Rules": [{
        "ID": "failover", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Disabled"}},
        "Destination": {"Bucket": "arn:aws:s3:::dst-bucket", "Account": ACCOUNT,
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": KMS_KEY}}}]}
    stubber.add_response("get_bucket_replication", {"ReplicationConfiguration": stored}, {"Bucket": "src-bucket"})
    stubber.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "src-bucket"})
    stubber.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": "dst-bucket", "ExpectedBucketOwner": ACCOUNT})
    stubber.add_response("get_bucket_location", {"LocationConstraint": "EU"}, {"Bucket": "dst-bucket", "ExpectedBucketOwner": ACCOUNT})
    wanted = {"Role": ROLE, "Rules": [dict(stored["Rules"][0], SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}})]}
    stubber.add_response("put_bucket_replication", {}, {"Bucket": "src-bucket", "ReplicationConfiguration": wanted})
    done = run_module(s3_bucket_replication, {"region": REGION, "bucket": "src-bucket", "role_arn": ROLE, "rules": [RULE]})
    assert not isinstance(done, ModuleFail), done.result
    assert done.result["changed"] is True and done.result["differences"] == ["rules[failover]"]
    stubber.assert_no_pending_responses()

    # reported Enabled: nothing to write (and no destination check is needed)
    stubber = _stubbed(monkeypatch)
    stubber.add_response("get_bucket_replication", {"ReplicationConfiguration": wanted}, {"Bucket": "src-bucket"})
    same = run_module(s3_bucket_replication, {"region": REGION, "bucket": "src-bucket", "role_arn": ROLE, "rules": [RULE]})
    assert same.result["changed"] is False
    stubber.assert_no_pending_responses()
