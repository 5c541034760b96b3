# -*- coding: utf-8 -*-
"""module_utils/drift/changes.py: check-mode results to drift findings, that the reports package accepts."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drift import changes
from ansible_collections.meridian.global_infra.plugins.module_utils.reports import Finding

# amazon.aws.ec2_security_group's diff (check mode, --diff) after port 22 was opened to the world
SG_DIFF = [{
    "before": {"group_name": "meridian-local-app", "ip_permissions": [
        {"from_port": 8080, "to_port": 8080, "ip_protocol": "tcp", "user_id_group_pairs": [{"group_id": "sg-alb"}]},
        {"from_port": 22, "to_port": 22, "ip_protocol": "tcp", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}],
        "tags": {"Name": "meridian-local-app"}},
    "after": {"group_name": "meridian-local-app", "ip_permissions": [
        {"from_port": 8080, "to_port": 8080, "ip_protocol": "tcp", "user_id_group_pairs": [{"group_id": "sg-alb"}]}],
        "tags": {"Name": "meridian-local-app"}},
}]


@pytest.mark.parametrize("diff, expected", [
    (None, []),
    ({"before": {"a": 1}, "after": {"a": 1}}, []),
    ({"before": {"a": 1, "b": {"c": "x"}}, "after": {"a": 2, "b": {"c": "y"}}}, [("a", 2, 1), ("b.c", "y", "x")]),
    ({"before": {}, "after": {"a": 1}}, [("state", "present", "absent")]),
    ({"before": {"a": 1}, "after": {}}, [("state", "absent", "present")]),
    ({"before": {"l": [1, 2]}, "after": {"l": [2, 1]}}, []),
    ({"before": {"l": [1, 3]}, "after": {"l": [1, 2]}}, [("l", [2], [3])]),
    ({"before": "a: 1\n", "after": "a: 2\n", "after_header": "manifests/api.yml"}, [("manifests/api.yml", "a: 2\n", "a: 1\n")]),
    ({"prepared": "+ x"}, [("content", "+ x", None)]),
    # a top-level attribute the code does not state (after) is not drift; a nested one is
    ({"before": {"arn": "x"}, "after": {"b": 1}}, [("b", 1, None)]),
    ({"before": {"tags": {"a": "1", "owner": "x"}}, "after": {"tags": {"a": "1"}}}, [("tags.owner", None, "x")]),
    # digit strings against numbers
    ({"before": {"port": 443}, "after": {"port": "443"}}, []),
])
def test_diff_fields(diff, expected):
    assert changes.diff_fields(diff) == expected


def test_diff_fields_of_a_list_of_diffs():
    out = changes.diff_fields(SG_DIFF)
    rule = {"from_port": 22, "to_port": 22, "ip_protocol": "tcp", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}
    assert out == [("ip_permissions", [], [rule])]


def test_long_values_are_cut():
    field, expected, actual = changes.diff_fields({"before": {"a": "x" * 5000}, "after": {"a": "y"}})[0]
    assert len(actual) < 2100 and actual.endswith("(5000 chars)")


@pytest.mark.parametrize("label, fields", [
    ("meridian-local-api (max_size)", ["max_size"]),
    ("meridian-local-api (max_size, tags)", ["max_size", "tags"]),
    ("meridian-local-logs-us-east-1", []),
    ("public us-east-1a 10.10.0.0/20", []),
    (None, []),
])
def test_label_fields(label, fields):
    assert changes.label_fields(label) == fields


@pytest.mark.parametrize("args, label, name", [
    ({"template_name": "lt", "name": "x"}, None, "lt"),
    ({"name": "sg"}, None, "sg"),
    ({"tags": {"Name": "rt-public"}, "vpc_id": ""}, None, "rt-public"),
    ({"tags": [{"Name": "asg", "propagate_at_launch": True}]}, None, "asg"),
    ({}, "meridian-local-api (max_size)", "meridian-local-api"),
    ({}, None, "The task"),
])
def test_resource_name(args, label, name):
    assert changes.resource_name(args, label, "The task") == name


def test_a_change_with_a_diff_is_one_finding_per_field():
    found = changes.drift_findings("amazon.aws.ec2_security_group", {"changed": True, "diff": SG_DIFF},
                                   {"name": "meridian-local-app", "region": "us-east-1"}, None, "Create the app group")
    assert len(found) == 1
    assert found[0]["resource_id"] == "meridian-local-app" and found[0]["field"] == "ip_permissions"
    assert found[0]["actual"][0]["from_port"] == 22 and found[0]["expected"] == []
    assert found[0]["region"] == "us-east-1" and found[0]["provider"] == "aws"
    finding = Finding.from_dict(found[0])
    assert finding.kind == "drift" and len(finding.fingerprint) == 64


def test_a_change_without_a_diff_names_the_label_fields_with_the_argument_as_expected():
    found = changes.drift_findings("amazon.aws.autoscaling_group", {"changed": True, "msg": "Would have modified"},
                                   {"name": "meridian-local-api", "max_size": 4, "region": "eu-west-1"},
                                   "meridian-local-api (max_size)", "Create or update")
    assert [(f["resource_id"], f["field"], f["expected"], f["actual"]) for f in found] == [
        ("meridian-local-api", "max_size", 4, None)]
    assert changes.NO_DIFF in found[0]["message"]
    Finding.from_dict(found[0])


def test_a_change_without_a_diff_or_fields_still_names_the_resource():
    found = changes.drift_findings("amazon.aws.ec2_launch_template",
                                   {"changed": True, "msg": "Would have created launch template version if not in check mode."},
                                   {"template_name": "meridian-local-api", "region": "us-east-1"}, "meridian-local-api", "T")
    assert len(found) == 1 and found[0]["resource_id"] == "meridian-local-api" and found[0]["field"] == ""
    assert "launch template version" in found[0]["message"]
    Finding.from_dict(found[0])


def test_a_comparison_shown_by_a_role_is_drift():
    result = {"changed": True, "msg": {"differs": ["versioning"], "before": {"versioning": "Suspended"},
                                       "after": {"versioning": "Enabled"}, "resource_type": "s3_bucket",
                                       "region": "eu-west-1"}}
    found = changes.drift_findings("ansible.builtin.debug", result, {}, "meridian-local-logs-eu-west-1 (versioning)", "Show")
    assert [(f["resource_id"], f["resource_type"], f["region"], f["field"], f["expected"], f["actual"]) for f in found] == [
        ("meridian-local-logs-eu-west-1", "s3_bucket", "eu-west-1", "versioning", "Enabled", "Suspended")]


@pytest.mark.parametrize("action, result", [
    ("amazon.aws.ec2_security_group", {"changed": False, "diff": SG_DIFF}),
    ("amazon.aws.ec2_security_group", {"changed": True, "failed": True}),
    ("ansible.builtin.set_fact", {"changed": True}),
    ("ansible.builtin.debug", {"changed": True, "msg": "text"}),
    ("amazon.aws.autoscaling_group_info", {"changed": True}),
    ("meridian.global_infra.dr_markers", {"changed": True}),
])
def test_what_is_not_drift(action, result):
    assert changes.drift_findings(action, result, {"name": "x"}) == []


def test_unchecked_and_checked():
    skipped = {"skipped": True, "msg": "remote module (amazon.aws.s3_bucket) does not support check mode"}
    assert changes.unchecked("amazon.aws.s3_bucket", skipped)
    assert not changes.unchecked("amazon.aws.s3_bucket", {"skipped": True, "msg": "Conditional result was False"})
    assert changes.checked_resource("amazon.aws.s3_bucket", skipped, {"name": "b"}) is None
    assert changes.checked_resource("amazon.aws.ec2_vpc_net", {"changed": False}, {"name": "vpc", "region": "r"}) == {
        "resource_id": "vpc", "resource_type": "ec2_vpc_net", "region": "r", "provider": "aws"}
    assert changes.checked_resource("amazon.aws.ec2_vpc_net_info", {"changed": False}, {"name": "vpc"}) is None


@pytest.mark.parametrize("action, provider", [
    ("amazon.aws.s3_bucket", "aws"), ("community.aws.s3_lifecycle", "aws"), ("meridian.global_infra.vpc_flow_log", "aws"),
    ("meridian.global_infra.gce_network", "gcp"), ("meridian.global_infra.k8s_manifests", "kubernetes"),
    ("kubernetes.core.k8s", "kubernetes"),
])
def test_provider_of(action, provider):
    assert changes.provider_of(action) == provider


def test_unmanaged_findings():
    found = changes.unmanaged_findings({"unmanaged": [
        {"kind": "instance", "id": "i-1", "name": "", "vpc_id": "vpc-1", "region": "us-east-1",
         "reason": "inside the estate's VPC vpc-1 without the estate's tags"}]})
    assert found[0]["kind"] == "unmanaged" and found[0]["resource_id"] == "i-1" and found[0]["region"] == "us-east-1"
    assert "without the estate's tags" in found[0]["message"]
    assert Finding.from_dict(found[0]).rule == "unmanaged-resource"


def test_merge_drops_the_fieldless_finding_of_a_resource_whose_fields_are_named():
    bare = changes.drift_findings("amazon.aws.ec2_launch_template", {"changed": True, "msg": "Would have created"},
                                  {"template_name": "lt", "region": "r"})
    shown = changes.drift_findings("ansible.builtin.debug", {"changed": True, "msg": {
        "before": {"metadata_options": {"http_tokens": "optional"}}, "after": {"metadata_options": {"http_tokens": "required"}},
        "resource_type": "ec2_launch_template", "region": "r"}}, {}, "lt")
    merged = changes.merge(bare + shown + shown)
    assert [(f["resource_id"], f["field"], f["expected"], f["actual"]) for f in merged] == [
        ("lt", "metadata_options.http_tokens", "required", "optional")]
    assert changes.merge(bare) == bare


def test_tags_added_or_removed_name_each_tag():
    result = {"changed": True, "added_tags": {"Name": "meridian-local-web", "meridian:env": "local"},
              "removed_tags": {"owner": "someone"}, "tags": {"owner": "someone"}}
    found = changes.drift_findings("amazon.aws.ec2_tag", result, {"resource": "lt-1", "region": "r"})
    assert [(f["resource_id"], f["field"], f["expected"], f["actual"]) for f in found] == [
        ("lt-1", "tags.Name", "meridian-local-web", None), ("lt-1", "tags.meridian:env", "local", None),
        ("lt-1", "tags.owner", None, "someone")]


def test_a_security_group_diff_with_more_details_on_one_side():
    """amazon.aws.ec2_security_group's after holds ports as text and the referenced group's details."""
    pair = {"group_id": "sg-alb", "user_id": "123456789012"}
    diff = {
        "before": {"group_name": "app", "security_group_arn": "arn:aws:ec2:r:1:security-group/sg-app", "ip_permissions": [
            {"from_port": 22, "to_port": 22, "ip_protocol": "tcp", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}],
             "user_id_group_pairs": []},
            {"from_port": 8081, "to_port": 8081, "ip_protocol": "tcp", "ip_ranges": [], "user_id_group_pairs": [pair]}]},
        "after": {"group_name": "app", "ip_permissions": [
            {"from_port": "8081", "to_port": "8081", "ip_protocol": "tcp", "ip_ranges": [],
             "user_id_group_pairs": [dict(pair, group_name="alb", description="the balancer", vpc_id="vpc-1")]}]},
    }
    assert changes.diff_fields(diff) == [("ip_permissions", [], [diff["before"]["ip_permissions"][0]])]
