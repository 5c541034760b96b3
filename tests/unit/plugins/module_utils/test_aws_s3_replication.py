# -*- coding: utf-8 -*-
"""S3 replication planning: validation, the request in the V2 schema, normalisation, the plan."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.s3_replication import (
    ReplicationError,
    bucket_arn,
    bucket_region,
    desired_replication,
    kms_key_errors,
    normalise_replication,
    replication_plan,
    replication_request,
    replication_role_policy,
)

ROLE = "arn:aws:iam::123456789012:role/meridian-local-s3-replication"
SOURCE = "meridian-local-static-us-east-1"
DEST = "meridian-local-static-eu-west-1"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e"


def _rule(**over):
    rule = {"id": "failover", "destination_bucket": DEST}
    rule.update(over)
    return rule


def _roundtrip(desired):
    """What S3 returns for a configuration written with replication_request."""
    return normalise_replication(replication_request(desired))


@pytest.mark.parametrize("bucket, role, rules, field", [
    ("Bad_Bucket", ROLE, [_rule()], "bucket"),
    (SOURCE, "arn:aws:iam::123456789012:user/alice", [_rule()], "role_arn"),
    (SOURCE, ROLE, [], "rules"),
    (SOURCE, ROLE, [_rule(id="")], "rules[0].id"),
    (SOURCE, ROLE, [_rule(), _rule()], "rules[1].id"),
    (SOURCE, ROLE, [_rule(priority=3), _rule(id="b", priority=3)], "rules[1].priority"),
    (SOURCE, ROLE, [_rule(priority=-1)], "rules[0].priority"),
    (SOURCE, ROLE, [_rule(destination_bucket="arn:aws:s3:::")], "rules[0].destination_bucket"),
    (SOURCE, ROLE, [_rule(destination_bucket=SOURCE)], "rules[0].destination_bucket"),
    (SOURCE, ROLE, [_rule(storage_class="COLD")], "rules[0].storage_class"),
    (SOURCE, ROLE, [_rule(replica_kms_key_id="my-key")], "rules[0].replica_kms_key_id"),
    (SOURCE, ROLE, [_rule(tags={"a": "b"}, delete_marker_replication=True)], "rules[0].delete_marker_replication"),
    (SOURCE, ROLE, [_rule(enabled="yes")], "rules[0].enabled"),
    (SOURCE, ROLE, [_rule(account="12345")], "rules[0].account"),
    (SOURCE, ROLE, [_rule(owner_override=True)], "rules[0].owner_override"),
    (SOURCE, ROLE, [_rule(owner_override="yes", account="123456789012")], "rules[0].owner_override"),
])
def test_invalid_options_name_the_field(bucket, role, rules, field):
    with pytest.raises(ReplicationError) as err:
        desired_replication(bucket, role, rules)
    assert err.value.field == field


def test_bucket_arn_from_name_or_arn():
    assert bucket_arn(DEST, "x") == "arn:aws:s3:::" + DEST
    assert bucket_arn("arn:aws-cn:s3:::" + DEST, "x") == "arn:aws-cn:s3:::" + DEST


def test_default_priorities_follow_the_list():
    desired = desired_replication(SOURCE, ROLE, [_rule(id="b"), _rule(id="a", destination_bucket="other-bucket")])
    assert [(r["id"], r["priority"]) for r in desired["rules"]] == [("a", 2), ("b", 1)]


def test_request_is_v2_schema():
    desired = desired_replication(SOURCE, ROLE, [_rule(storage_class="STANDARD_IA", replica_kms_key_id=KEY)])
    rule = replication_request(desired)["Rules"][0]
    assert rule["Filter"] == {"Prefix": ""}
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert rule["Destination"] == {"Bucket": "arn:aws:s3:::" + DEST, "StorageClass": "STANDARD_IA",
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": KEY}}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}


@pytest.mark.parametrize("prefix, tags, expected", [
    ("", None, {"Prefix": ""}),
    ("logs/", None, {"Prefix": "logs/"}),
    ("", {"k": "v"}, {"Tag": {"Key": "k", "Value": "v"}}),
    ("logs/", {"k": "v"}, {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}]}}),
    ("", {"b": "2", "a": "1"}, {"And": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}}),
])
def test_filter_shapes_round_trip(prefix, tags, expected):
    desired = desired_replication(SOURCE, ROLE, [_rule(prefix=prefix, tags=tags)])
    assert replication_request(desired)["Rules"][0]["Filter"] == expected
    assert _roundtrip(desired) == desired
    assert not replication_plan(_roundtrip(desired), desired)["changed"]


def test_s3_defaults_equal_the_desired_defaults():
    """An empty filter and a missing delete marker setting are what S3 means by the defaults."""
    desired = desired_replication(SOURCE, ROLE, [_rule()])
    returned = {"Role": ROLE, "Rules": [{"ID": "failover", "Priority": 1, "Status": "Enabled", "Filter": {},
                                         "Destination": {"Bucket": "arn:aws:s3:::" + DEST}}]}
    assert not replication_plan(normalise_replication(returned), desired)["changed"]


def test_legacy_rule_is_rewritten():
    desired = desired_replication(SOURCE, ROLE, [_rule()])
    legacy = {"Role": ROLE, "Rules": [{"ID": "failover", "Prefix": "", "Status": "Enabled",
                                       "Destination": {"Bucket": "arn:aws:s3:::" + DEST}}]}
    plan = replication_plan(normalise_replication(legacy), desired)
    assert plan["changed"] and plan["differences"] == ["rules[failover]"]


def test_rule_order_is_not_a_difference():
    rules = [_rule(id="a", priority=1), _rule(id="b", priority=2, prefix="b/")]
    desired = desired_replication(SOURCE, ROLE, rules)
    request = replication_request(desired)
    request["Rules"].reverse()
    assert not replication_plan(normalise_replication(request), desired)["changed"]


@pytest.mark.parametrize("change, differences", [
    ({"storage_class": "GLACIER"}, ["rules[failover]"]),
    ({"enabled": False}, ["rules[failover]"]),
    ({"delete_marker_replication": True}, ["rules[failover]"]),
    ({"id": "renamed"}, ["rules[failover]", "rules[renamed]"]),
])
def test_differences_are_named(change, differences):
    current = _roundtrip(desired_replication(SOURCE, ROLE, [_rule()]))
    plan = replication_plan(current, desired_replication(SOURCE, ROLE, [_rule(**change)]))
    assert plan["action"] == "put" and plan["differences"] == differences
    assert plan["before"] != plan["after"]


def test_role_change_and_first_configuration():
    desired = desired_replication(SOURCE, ROLE, [_rule()])
    other = copy.deepcopy(desired)
    other["role"] = "arn:aws:iam::123456789012:role/other"
    assert replication_plan(other, desired)["differences"] == ["role"]
    first = replication_plan(None, desired)
    assert first["action"] == "put" and first["before"] == {} and first["after"]["role"] == ROLE


def test_absent():
    current = _roundtrip(desired_replication(SOURCE, ROLE, [_rule()]))
    assert replication_plan(current, None, "absent")["action"] == "delete"
    assert replication_plan(None, None, "absent") == {
        "action": "none", "changed": False, "differences": [], "before": {}, "after": {}}


def test_diff_views_are_sorted():
    desired = desired_replication(SOURCE, ROLE, [_rule(id="z"), _rule(id="a", destination_bucket="other-bucket")])
    after = replication_plan(None, desired)["after"]
    assert [r["id"] for r in after["rules"]] == ["a", "z"]
    assert all(list(r) == sorted(r) for r in after["rules"])


ACCOUNT = "123456789012"


def test_owner_and_sse_kms_settings_in_the_request():
    desired = desired_replication(SOURCE, ROLE, [_rule(account=ACCOUNT, owner_override=True, replica_kms_key_id=KEY)])
    rule = replication_request(desired)["Rules"][0]
    assert rule["Destination"] == {"Bucket": "arn:aws:s3:::" + DEST, "Account": ACCOUNT,
                                   "AccessControlTranslation": {"Owner": "Destination"},
                                   "EncryptionConfiguration": {"ReplicaKmsKeyID": KEY}}
    assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert _roundtrip(desired) == desired


def test_rule_without_a_replica_key_has_no_selection_criteria():
    # S3 requires EncryptionConfiguration with SourceSelectionCriteria: none without a key
    rule = replication_request(desired_replication(SOURCE, ROLE, [_rule(account=ACCOUNT)]))["Rules"][0]
    assert "SourceSelectionCriteria" not in rule and rule["Destination"] == {"Bucket": "arn:aws:s3:::" + DEST, "Account": ACCOUNT}


def _read_back(desired, selection):
    request = replication_request(desired)
    for rule in request["Rules"]:
        rule.pop("SourceSelectionCriteria", None)
        if selection is not None:
            rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": selection}}
    return normalise_replication(request)


@pytest.mark.parametrize("key, selection, changed", [
    (KEY, None, False),         # not reported (moto drops it): taken as written
    (KEY, "Enabled", False),
    (KEY, "Disabled", True),    # reported off: S3 would skip SSE-KMS objects, rewritten
    (None, None, False),
    (None, "Disabled", False),  # off equals no selection
    (None, "Enabled", True),
])
def test_sse_kms_selection_is_compared_when_reported(key, selection, changed):
    desired = desired_replication(SOURCE, ROLE, [_rule(replica_kms_key_id=key)])
    plan = replication_plan(_read_back(desired, selection), desired)
    assert plan["changed"] is changed
    assert plan["differences"] == (["rules[failover]"] if changed else [])


def test_a_changed_owner_is_a_difference():
    current = _roundtrip(desired_replication(SOURCE, ROLE, [_rule(account="210987654321")]))
    plan = replication_plan(current, desired_replication(SOURCE, ROLE, [_rule(account=ACCOUNT)]))
    assert plan["changed"] and plan["differences"] == ["rules[failover]"]
    assert plan["before"]["rules"][0]["account"] == "210987654321" and plan["after"]["rules"][0]["account"] == ACCOUNT


@pytest.mark.parametrize("location, region", [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"),
                                              ("eu-central-1", "eu-central-1")])
def test_bucket_region(location, region):
    assert bucket_region(location) == region


KEYS = {"us-east-1": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555", "eu-west-1": KEY}


def test_role_policy_keeps_the_role_in_the_account_and_each_key_in_its_region():
    policy = replication_role_policy("meridian-prod", ACCOUNT, KEYS)
    statements = dict((s["Sid"], s) for s in policy["Statement"])
    for sid in ("ReadSourceConfiguration", "ReadSourceObjects", "WriteReplicasInTheAccount"):
        assert statements[sid]["Condition"] == {"StringEquals": {"s3:ResourceAccount": ACCOUNT}}
    assert statements["WriteReplicasInTheAccount"]["Action"] == ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    assert statements["WriteReplicasInTheAccount"]["Resource"] == ["arn:aws:s3:::meridian-prod-*/*"]
    decrypt, encrypt = statements["DecryptSourceObjectsEuWest1"], statements["EncryptReplicasEuWest1"]
    assert decrypt["Action"] == ["kms:Decrypt"] and encrypt["Action"] == ["kms:Encrypt"]
    assert decrypt["Resource"] == encrypt["Resource"] == [KEY]
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::meridian-prod-*-eu-west-1",
                                                            "arn:aws:s3:::meridian-prod-*-eu-west-1/*"]}}
    assert statements["EncryptReplicasUsEast1"]["Resource"] == [KEYS["us-east-1"]]
    assert len(policy["Statement"]) == 7
    # no action without a condition, no wildcard action
    assert all("Condition" in s for s in policy["Statement"])
    assert not [a for s in policy["Statement"] for a in s["Action"] if "*" in a]
    override = replication_role_policy("meridian-prod", ACCOUNT, {}, owner_override=True)
    assert "s3:ObjectOwnerOverrideToBucketOwner" in dict((s["Sid"], s) for s in override["Statement"])["WriteReplicasInTheAccount"]["Action"]
    assert len(override["Statement"]) == 3


@pytest.mark.parametrize("prefix, account, keys, field", [
    ("meridian-prod", "1234", KEYS, "account"),
    ("Meridian Prod", ACCOUNT, KEYS, "storage_name"),
    ("meridian-prod", ACCOUNT, {"us-east-1": KEY}, "storage_kms_keys[us-east-1]"),
    ("meridian-prod", ACCOUNT, {"eu-west-1": "arn:aws:kms:eu-west-1:123456789012:alias/x"}, "storage_kms_keys[eu-west-1]"),
])
def test_role_policy_refuses_bad_input(prefix, account, keys, field):
    with pytest.raises(ReplicationError) as err:
        replication_role_policy(prefix, account, keys)
    assert err.value.field == field


def test_kms_key_errors():
    assert kms_key_errors(KEYS) == []
    assert kms_key_errors({"us-east-1": KEY, "eu-west-1": "alias/meridian"}) == [
        "eu-west-1: 'alias/meridian' is not a KMS key ARN", "us-east-1: %s is a key of eu-west-1" % KEY]
    assert kms_key_errors(["x"])[0].startswith("expected a mapping")
