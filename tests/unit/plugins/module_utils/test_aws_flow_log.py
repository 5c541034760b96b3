# -*- coding: utf-8 -*-
"""Flow log planning: validation before any call, identity by resource and destination, the plan."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.flow_log import (
    DEFAULT_LOG_FORMAT,
    FlowLogError,
    create_flow_logs_request,
    desired_flow_log,
    flow_log_plan,
    normalise_flow_log,
)

VPC = "vpc-0a1b2c3d4e5f67890"
ROLE = "arn:aws:iam::123456789012:role/meridian-local-flow-logs"
GROUP = "/meridian/local/vpc-flow-logs"


def _params(**over):
    params = {"state": "present", "resource_id": VPC, "resource_type": "VPC", "destination_type": "cloud-watch-logs",
              "log_group_name": GROUP, "deliver_logs_role_arn": ROLE, "s3_bucket_arn": None, "traffic_type": "ALL",
              "log_format": None, "max_aggregation_interval": 600, "tags": {"meridian:env": "local"}}
    params.update(over)
    return params


def _described(flow_log_id="fl-0123456789abcdef0", **over):
    """A DescribeFlowLogs entry as EC2 returns it for a CloudWatch Logs flow log."""
    item = {
        "FlowLogId": flow_log_id, "ResourceId": VPC, "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
        "LogGroupName": GROUP, "LogDestination": "arn:aws:logs:eu-west-1:123456789012:log-group:" + GROUP,
        "DeliverLogsPermissionArn": ROLE, "DeliverLogsStatus": "SUCCESS", "FlowLogStatus": "ACTIVE",
        "LogFormat": DEFAULT_LOG_FORMAT, "MaxAggregationInterval": 600,
        "Tags": [{"Key": "meridian:env", "Value": "local"}],
    }
    item.update(over)
    return item


@pytest.mark.parametrize("over, field", [
    ({"resource_id": "vpc-xyz"}, "resource_id"),
    ({"resource_id": "subnet-0a1b2c3d4e5f67890"}, "resource_id"),  # a subnet id with resource_type VPC
    ({"log_group_name": None}, "log_group_name"),
    ({"deliver_logs_role_arn": None}, "deliver_logs_role_arn"),
    ({"deliver_logs_role_arn": "arn:aws:iam::123456789012:user/alice"}, "deliver_logs_role_arn"),
    ({"s3_bucket_arn": "arn:aws:s3:::logs"}, "s3_bucket_arn"),
    ({"traffic_type": "SOME"}, "traffic_type"),
    ({"max_aggregation_interval": 300}, "max_aggregation_interval"),
    ({"max_aggregation_interval": True}, "max_aggregation_interval"),
    ({"log_format": "${version} srcaddr"}, "log_format"),
    ({"tags": {"aws:reserved": "x"}}, "tags"),
    ({"tags": ["a"]}, "tags"),
    ({"destination_type": "s3", "log_group_name": None, "deliver_logs_role_arn": None}, "s3_bucket_arn"),
    ({"destination_type": "s3", "s3_bucket_arn": "arn:aws:s3:::logs-bucket"}, "log_group_name"),
    ({"destination_type": "s3", "log_group_name": None, "s3_bucket_arn": "arn:aws:s3:::logs-bucket"},
     "deliver_logs_role_arn"),
    ({"destination_type": "s3", "log_group_name": None, "deliver_logs_role_arn": None,
      "s3_bucket_arn": "logs-bucket"}, "s3_bucket_arn"),
])
def test_invalid_options_name_the_field(over, field):
    with pytest.raises(FlowLogError) as err:
        desired_flow_log(_params(**over))
    assert err.value.field == field


def test_absent_needs_only_the_identity():
    desired = desired_flow_log(_params(state="absent", deliver_logs_role_arn=None))
    assert (desired["resource_id"], desired["destination"]) == (VPC, GROUP)


def test_defaults_are_explicit():
    desired = desired_flow_log(_params(log_format=None, max_aggregation_interval=None, traffic_type=None))
    assert desired["log_format"] == DEFAULT_LOG_FORMAT
    assert desired["max_aggregation_interval"] == 600
    assert desired["traffic_type"] == "ALL"


def test_create_when_nothing_matches():
    other = _described(LogGroupName="/other/group", LogDestination="arn:aws:logs:eu-west-1:1:log-group:/other/group")
    plan = flow_log_plan([other], desired_flow_log(_params()))
    assert plan["action"] == "create" and plan["changed"]
    assert plan["before"] == {} and plan["after"]["destination"] == GROUP
    assert list(plan["after"]) == sorted(plan["after"])
    request = create_flow_logs_request(plan["create"])
    assert request["LogGroupName"] == GROUP and request["DeliverLogsPermissionArn"] == ROLE
    assert "LogDestination" not in request
    assert request["TagSpecifications"][0]["ResourceType"] == "vpc-flow-log"


def test_same_settings_is_no_change():
    plan = flow_log_plan([_described()], desired_flow_log(_params()))
    assert plan["action"] == "none" and not plan["changed"]
    assert plan["before"] == plan["after"]
    assert plan["flow_log_id"] == "fl-0123456789abcdef0"


def test_log_format_whitespace_is_not_a_difference():
    fmt = "${version}  ${srcaddr}\n${dstaddr}"
    plan = flow_log_plan([_described(LogFormat="${version} ${srcaddr} ${dstaddr}")], desired_flow_log(_params(log_format=fmt)))
    assert not plan["changed"]


@pytest.mark.parametrize("over, differences", [
    ({"traffic_type": "REJECT"}, ["traffic_type"]),
    ({"max_aggregation_interval": 60}, ["max_aggregation_interval"]),
    ({"log_format": "${version} ${srcaddr}"}, ["log_format"]),
    ({"deliver_logs_role_arn": "arn:aws:iam::123456789012:role/other", "traffic_type": "ACCEPT"},
     ["deliver_logs_role_arn", "traffic_type"]),
])
def test_immutable_difference_replaces(over, differences):
    plan = flow_log_plan([_described()], desired_flow_log(_params(**over)))
    assert plan["action"] == "replace"
    assert plan["differences"] == differences
    assert plan["delete_ids"] == ["fl-0123456789abcdef0"]
    assert plan["create"]["tags"] == {"meridian:env": "local"}


def test_replace_keeps_tags_when_tags_are_omitted():
    plan = flow_log_plan([_described(Tags=[{"Key": "owner", "Value": "net"}])],
                         desired_flow_log(_params(traffic_type="REJECT", tags=None)))
    assert plan["create"]["tags"] == {"owner": "net"}


def test_tags_only_update_in_place():
    current = _described(Tags=[{"Key": "meridian:env", "Value": "old"}, {"Key": "extra", "Value": "1"}])
    plan = flow_log_plan([current], desired_flow_log(_params(tags={"meridian:env": "local", "Name": "x"})))
    assert plan["action"] == "tags"
    assert plan["set_tags"] == {"Name": "x", "meridian:env": "local"}
    assert plan["unset_tags"] == ["extra"]
    kept = flow_log_plan([current], desired_flow_log(_params(tags={"meridian:env": "local"})), purge_tags=False)
    assert kept["unset_tags"] == [] and kept["set_tags"] == {"meridian:env": "local"}
    untouched = flow_log_plan([current], desired_flow_log(_params(tags=None)))
    assert untouched["action"] == "none"


def test_absent_deletes_only_this_destination():
    mine, other = _described("fl-1111111111111111a"), _described(
        "fl-2222222222222222b", LogDestinationType="s3", LogGroupName=None, LogDestination="arn:aws:s3:::bucket-x")
    plan = flow_log_plan([mine, other], desired_flow_log(_params(state="absent")), state="absent")
    assert plan["action"] == "delete" and plan["delete_ids"] == ["fl-1111111111111111a"]
    assert plan["after"] == {}
    assert flow_log_plan([other], desired_flow_log(_params(state="absent")), state="absent")["changed"] is False


def test_s3_destination_matches_with_or_without_trailing_slash():
    params = _params(destination_type="s3", log_group_name=None, deliver_logs_role_arn=None,
                     s3_bucket_arn="arn:aws:s3:::meridian-logs/vpc/")
    described = _described(LogDestinationType="s3", LogGroupName=None, DeliverLogsPermissionArn=None,
                           LogDestination="arn:aws:s3:::meridian-logs/vpc")
    plan = flow_log_plan([described], desired_flow_log(params))
    assert plan["action"] == "none"
    assert create_flow_logs_request(desired_flow_log(params))["LogDestination"] == "arn:aws:s3:::meridian-logs/vpc"


def test_cloudwatch_destination_from_arn_only():
    flow_log = normalise_flow_log(_described(LogGroupName=None,
                                             LogDestination="arn:aws:logs:eu-west-1:123456789012:log-group:/g/x:*"))
    assert flow_log["destination"] == "/g/x"


def test_duplicates_of_one_identity_are_removed():
    plan = flow_log_plan([_described("fl-bbbbbbbbbbbbbbbbb"), _described("fl-aaaaaaaaaaaaaaaaa")], desired_flow_log(_params()))
    assert plan["action"] == "delete_duplicates"
    assert plan["flow_log_id"] == "fl-aaaaaaaaaaaaaaaaa" and plan["delete_ids"] == ["fl-bbbbbbbbbbbbbbbbb"]
