# -*- coding: utf-8 -*-
"""The compliance scan: suppressions (in force, expired, wildcards, refused without a reason or an
expiry), fingerprint stability, and the estate's resources found from the API answers."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import resources as RS
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import rules as R
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import suppressions as S
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.residency import build_judge
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.scan import scan
from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import fingerprint

TAGS = {"meridian:managed-by": "meridian.global_infra", "meridian:env": "local"}
TAG_LIST = [{"Key": k, "Value": v} for k, v in TAGS.items()]
TODAY = datetime.date(2026, 11, 30)


def snapshot(ssh_open=False, tokens="required"):
    ingress = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    if ssh_open:
        ingress.append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    return {
        "region": "eu-west-1",
        "vpcs": [{"VpcId": "vpc-1", "Tags": TAG_LIST + [{"Key": "Name", "Value": "meridian-local-eu-west-1"}]},
                 {"VpcId": "vpc-foreign", "Tags": []}],
        "security_groups": [
            {"GroupId": "sg-alb", "GroupName": "alb", "VpcId": "vpc-1", "IpPermissions": ingress,
             "Tags": TAG_LIST + [{"Key": "Name", "Value": "meridian-local-eu-west-1-alb"}]},
            {"GroupId": "sg-default", "GroupName": "default", "VpcId": "vpc-1", "IpPermissions": []},
            {"GroupId": "sg-foreign", "GroupName": "x", "VpcId": "vpc-foreign",
             "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
        "instances": [{"InstanceId": "i-1", "VpcId": "vpc-1", "State": {"Name": "running"}, "Tags": TAG_LIST,
                       "MetadataOptions": {"HttpTokens": tokens}},
                      {"InstanceId": "i-gone", "VpcId": "vpc-1", "State": {"Name": "terminated"}}],
        "volumes": [{"VolumeId": "vol-1", "Encrypted": True, "Attachments": [{"InstanceId": "i-1"}]}],
        "flow_logs": [{"ResourceId": "vpc-1", "FlowLogStatus": "ACTIVE", "TrafficType": "ALL"}],
        "launch_templates": [],
        "db_instances": [],
    }


def run(snap=None, suppressions=(), settings=None, today=TODAY):
    found = RS.estate_resources([snap or snapshot()], [], [], TAGS)
    judge = build_judge()[0]
    context = {"tags": TAGS, "data_classes": {}, "judge": judge, "bucket_regions": {}}
    policy = R.resolve_policy(settings or {})
    return scan(found, policy, S.validate(list(suppressions), R.RULES_BY_ID), today, context)


def test_the_estates_resources_only_and_the_untagged_ones_inside_its_vpcs():
    found = RS.estate_resources([snapshot()], [], [], TAGS)
    ids = [(r["resource_type"], r["resource_id"], r["owned"]) for r in found]
    assert ids == [(R.INSTANCE, "i-1", True), (R.SG, "sg-alb", True), (R.SG, "sg-default", False),
                   (R.VPC, "vpc-1", True), (R.VOLUME, "vol-1", False)]
    assert [r["name"] for r in found if r["resource_type"] == R.SG] == ["meridian-local-eu-west-1-alb", "default"]


def test_a_compliant_estate_has_no_finding_but_the_untagged_volume():
    result = run()
    assert [(f["rule"], f["resource_id"], f["field"]) for f in result["findings"]] == [
        ("required-tags", "vol-1", "tags.meridian:env"), ("required-tags", "vol-1", "tags.meridian:managed-by")]
    assert len(result["checked_resources"]) == 5 and result["suppressed"] == []


def test_a_narrowed_rule_leaves_the_other_types_alone():
    result = run(settings={"required-tags": {"resource_types": [R.INSTANCE, R.SG, R.VPC], "reason": "emulator"}})
    assert result["findings"] == []
    assert [r for r in result["rules"] if r["rule"] == "required-tags"][0]["reason"] == "emulator"


def test_findings_carry_the_report_fields_and_a_stable_fingerprint():
    first = run(snapshot(ssh_open=True, tokens="optional"), settings={"required-tags": {"enabled": False, "reason": "t"}})
    found = [(f["rule"], f["resource_id"], f["field"]) for f in first["findings"]]
    assert found == [("ec2-imdsv2-check", "i-1", "MetadataOptions.HttpTokens"),
                     ("restricted-ssh", "sg-alb", "ingress.tcp/22-22/0.0.0.0/0"),
                     ("vpc-sg-open-only-to-authorized-ports", "sg-alb", "ingress.tcp/22-22/0.0.0.0/0")]
    ssh = first["findings"][1]
    assert ssh["kind"] == "compliance" and ssh["region"] == "eu-west-1" and ssh["provider"] == "aws"
    assert ssh["severity"] == "high" and ssh["remediation"] and "SSH" in ssh["message"]
    assert ssh["fingerprint"] == fingerprint("compliance", "restricted-ssh", "aws", "eu-west-1", "sg-alb",
                                             "ingress.tcp/22-22/0.0.0.0/0")
    # the same violation on another day, in another order, with another severity: the same fingerprint
    snap = snapshot(ssh_open=True, tokens="optional")
    snap["security_groups"][0]["IpPermissions"].reverse()
    again = run(snap, settings={"required-tags": {"enabled": False, "reason": "t"},
                                "restricted-ssh": {"severity": "critical"}}, today=TODAY + datetime.timedelta(days=3))
    assert [f["fingerprint"] for f in again["findings"]] == [f["fingerprint"] for f in first["findings"]]
    assert again["findings"][1]["severity"] == "critical"
    # another field of the same resource and rule is another finding
    assert len(set(fingerprint("compliance", "restricted-ssh", "aws", "eu-west-1", "sg-alb", f)
                   for f in ("ingress.tcp/22-22/0.0.0.0/0", "ingress.tcp/22-22/::/0"))) == 2


def test_a_suppression_in_force_hides_the_finding_by_id_or_name_with_wildcards():
    expires = (TODAY + datetime.timedelta(days=30)).isoformat()
    for resource in ("sg-alb", "meridian-local-*-alb"):
        result = run(snapshot(ssh_open=True), [{"rule": "restricted-ssh", "resource": resource, "reason": "vendor box",
                                                "expires": expires}],
                     settings={"required-tags": {"enabled": False, "reason": "t"}})
        assert [f["rule"] for f in result["findings"]] == ["vpc-sg-open-only-to-authorized-ports"]
        assert result["suppressed"][0]["rule"] == "restricted-ssh"
        assert result["suppressed"][0]["suppression"] == {"resource": resource, "reason": "vendor box", "expires": expires}


def test_the_last_day_still_suppresses_and_the_day_after_is_a_finding():
    entry = {"rule": "restricted-ssh", "resource": "sg-alb", "reason": "vendor box", "expires": TODAY.isoformat()}
    on_the_day = run(snapshot(ssh_open=True), [entry], settings={"required-tags": {"enabled": False, "reason": "t"}})
    assert "restricted-ssh" not in [f["rule"] for f in on_the_day["findings"]]
    after = run(snapshot(ssh_open=True), [entry], today=TODAY + datetime.timedelta(days=1),
                settings={"required-tags": {"enabled": False, "reason": "t"}})
    rules = [(f["rule"], f["resource_id"]) for f in after["findings"]]
    assert ("restricted-ssh", "sg-alb") in rules                       # no longer hidden
    assert ("suppression-expired", "restricted-ssh/sg-alb") in rules   # and itself a finding
    expired = [f for f in after["findings"] if f["rule"] == "suppression-expired"][0]
    assert expired["actual"] == TODAY.isoformat() and expired["field"] == "expires"
    assert "vendor box" in expired["message"] and expired["resource_type"] == R.SUPPRESSION


def test_an_expired_suppression_is_a_finding_even_when_it_matches_nothing():
    result = run(suppressions=[{"rule": "encrypted-volumes", "resource": "vol-old", "reason": "migration",
                                "expires": "2026-01-31"}], settings={"required-tags": {"enabled": False, "reason": "t"}})
    assert [(f["rule"], f["resource_id"]) for f in result["findings"]] == [("suppression-expired", "encrypted-volumes/vol-old")]


@pytest.mark.parametrize("entry,field", [
    ({"rule": "restricted-ssh", "resource": "sg-1", "reason": "x"}, "compliance_suppressions[0].expires"),
    ({"rule": "restricted-ssh", "resource": "sg-1", "reason": " ", "expires": "2027-01-01"}, "compliance_suppressions[0].reason"),
    ({"rule": "restricted-ssh", "resource": "sg-1", "reason": "x", "expires": "soon"}, "compliance_suppressions[0].expires"),
    ({"rule": "no-such-rule", "resource": "sg-1", "reason": "x", "expires": "2027-01-01"}, "compliance_suppressions[0].rule"),
    ({"rule": "restricted-ssh", "resource": "sg-1", "reason": "x", "expires": "2027-01-01", "by": "me"},
     "compliance_suppressions[0].by"),
])
def test_a_suppression_without_reason_or_expiry_is_refused(entry, field):
    with pytest.raises(MeridianError) as err:
        S.validate([entry], R.RULES_BY_ID)
    assert err.value.field == field


def test_suppression_dates_from_yaml_are_accepted():
    assert S.validate([{"rule": "restricted-ssh", "resource": "sg-1", "reason": "x", "expires": datetime.date(2027, 1, 1)}],
                      R.RULES_BY_ID)[0]["expires"] == datetime.date(2027, 1, 1)


def test_buckets_and_distributions_are_the_estates_by_tags():
    buckets = [{"name": "mine", "region": "us-east-1", "tags": dict(TAGS, **{"meridian:data-class": "pii"})},
               {"name": "theirs", "region": "us-east-1", "tags": {}}]
    dists = [{"Id": "E1", "Comment": "meridian-local-us-east-1", "Tags": TAGS}, {"Id": "E2", "Tags": {}}]
    found = RS.estate_resources([], buckets, dists, TAGS)
    assert [(r["resource_type"], r["resource_id"], r["region"]) for r in found] == [
        (R.DISTRIBUTION, "E1", "global"), (R.BUCKET, "mine", "us-east-1")]
