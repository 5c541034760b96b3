# -*- coding: utf-8 -*-
"""S3 replication planning: validation, the request in the V2 schema, normalisation, the plan."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.s3_replication import (
    ReplicationError,
    bucket_arn,
    desired_replication,
    normalise_replication,
    replication_plan,
    replication_request,
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
