# -*- coding: utf-8 -*-
"""vpc_flow_log against a moto_server of its own (started here on a free 127.0.0.1 port)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type


import pytest

boto3 = pytest.importorskip("boto3")


from ansible_collections.meridian.global_infra.plugins.modules import vpc_flow_log  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_aws_module  # noqa: E402

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/meridian-test-flow-logs"


def _client(moto_url, service):
    return boto3.client(service, region_name=REGION, endpoint_url=moto_url,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def ec2(moto_url):
    return _client(moto_url, "ec2")


@pytest.fixture
def vpc(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    yield vpc_id
    logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    if logs:
        ec2.delete_flow_logs(FlowLogIds=[f["FlowLogId"] for f in logs])
    ec2.delete_vpc(VpcId=vpc_id)


@pytest.fixture(scope="module")
def log_group(moto_url):
    name = "/meridian/test/vpc-flow-logs"
    _client(moto_url, "logs").create_log_group(logGroupName=name)
    return name


def run(moto_url, check=False, diff=True, **args):
    return run_aws_module(vpc_flow_log, moto_url, REGION, args, check=check, diff=diff)


def _flow_logs(ec2, vpc_id):
    return ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def _tags(flow_log):
    return dict((t["Key"], t["Value"]) for t in flow_log.get("Tags", []))


def test_check_create_idempotent_absent(moto_url, ec2, vpc, log_group):
    args = dict(resource_id=vpc, log_group_name=log_group, deliver_logs_role_arn=ROLE, max_aggregation_interval=60,
                tags={"meridian:env": "test"})

    planned = run(moto_url, check=True, **args)
    assert not isinstance(planned, ModuleFail)
    assert planned.result["changed"] is True and planned.result["action"] == "create"
    assert _flow_logs(ec2, vpc) == []  # check mode created nothing
    assert planned.result["diff"]["before"] == {}
    assert list(planned.result["diff"]["after"]) == sorted(planned.result["diff"]["after"])

    created = run(moto_url, **args)
    assert created.result["changed"] is True
    [flow_log] = _flow_logs(ec2, vpc)
    assert created.result["flow_log"]["flow_log_id"] == flow_log["FlowLogId"]
    assert (flow_log["LogGroupName"], flow_log["DeliverLogsPermissionArn"], flow_log["TrafficType"],
            flow_log["MaxAggregationInterval"]) == (log_group, ROLE, "ALL", 60)
    assert _tags(flow_log) == {"meridian:env": "test"}

    for check in (True, False):
        again = run(moto_url, check=check, **args)
        assert again.result["changed"] is False and again.result["action"] == "none"
        assert again.result["diff"]["before"] == again.result["diff"]["after"]
        assert again.result["flow_log"]["flow_log_id"] == flow_log["FlowLogId"]

    absent_check = run(moto_url, check=True, state="absent", resource_id=vpc, log_group_name=log_group)
    assert absent_check.result["changed"] is True and len(_flow_logs(ec2, vpc)) == 1
    absent = run(moto_url, state="absent", resource_id=vpc, log_group_name=log_group)
    assert absent.result["changed"] is True and absent.result["diff"]["after"] == {}
    assert _flow_logs(ec2, vpc) == []
    gone = run(moto_url, state="absent", resource_id=vpc, log_group_name=log_group)
    assert gone.result["changed"] is False


def _with(args, **over):
    merged = dict(args)
    merged.update(over)
    return merged


def test_tags_in_place_and_replace_on_settings(moto_url, ec2, vpc, log_group):
    args = dict(resource_id=vpc, log_group_name=log_group, deliver_logs_role_arn=ROLE, tags={"a": "1", "b": "2"})
    first_id = run(moto_url, **args).result["flow_log"]["flow_log_id"]

    retag = run(moto_url, **_with(args, tags={"a": "9"}))
    assert retag.result["action"] == "tags"
    [flow_log] = _flow_logs(ec2, vpc)
    assert flow_log["FlowLogId"] == first_id and _tags(flow_log) == {"a": "9"}

    replaced = run(moto_url, **_with(args, tags=None, traffic_type="REJECT"))
    assert replaced.result["action"] == "replace" and replaced.result["differences"] == ["traffic_type"]
    assert replaced.result["diff"]["before"]["traffic_type"] == "ALL"
    [flow_log] = _flow_logs(ec2, vpc)
    assert flow_log["FlowLogId"] != first_id and flow_log["TrafficType"] == "REJECT"
    assert _tags(flow_log) == {"a": "9"}  # tags omitted: the replacement keeps them
    assert run(moto_url, **_with(args, tags=None, traffic_type="REJECT")).result["changed"] is False


def test_s3_destination_next_to_cloudwatch(moto_url, ec2, vpc, log_group):
    s3 = _client(moto_url, "s3")
    s3.create_bucket(Bucket="meridian-test-flow-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    run(moto_url, resource_id=vpc, log_group_name=log_group, deliver_logs_role_arn=ROLE)
    s3_args = dict(resource_id=vpc, destination_type="s3", s3_bucket_arn="arn:aws:s3:::meridian-test-flow-logs/",
                   log_format="${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action}")
    first = run(moto_url, **s3_args)
    assert first.result.get("changed") is True, first.result
    assert sorted(f["LogDestinationType"] for f in _flow_logs(ec2, vpc)) == ["cloud-watch-logs", "s3"]
    assert run(moto_url, **s3_args).result["changed"] is False
    # removing the S3 flow log leaves the CloudWatch Logs one
    run(moto_url, state="absent", **s3_args)
    assert [f["LogDestinationType"] for f in _flow_logs(ec2, vpc)] == ["cloud-watch-logs"]


def test_missing_bucket_is_reported_on_its_option(moto_url, vpc):
    failed = run(moto_url, resource_id=vpc, destination_type="s3", s3_bucket_arn="arn:aws:s3:::meridian-test-missing")
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "s3_bucket_arn" and "meridian-test-missing" in failed.result["msg"]


@pytest.mark.parametrize("args, field", [
    ({"resource_id": "vpc-nothex!", "log_group_name": "/g", "deliver_logs_role_arn": ROLE}, "resource_id"),
    ({"resource_id": "vpc-0a1b2c3d4e5f67890", "log_group_name": "/g"}, "deliver_logs_role_arn"),
    ({"resource_id": "vpc-0a1b2c3d4e5f67890", "destination_type": "s3", "s3_bucket_arn": "bucket"}, "s3_bucket_arn"),
])
def test_bad_input_fails_before_any_call(monkeypatch, args, field):
    def no_client(*_args, **_kwargs):
        raise AssertionError("no AWS client may be built for bad input")

    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    monkeypatch.setattr(AnsibleAWSModule, "client", no_client)
    failed = run("http://127.0.0.1:9", **args)
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == field and failed.result["msg"].startswith(field + ":")


def test_missing_vpc_is_reported(moto_url, log_group):
    failed = run(moto_url, resource_id="vpc-0123456789abcdef0", log_group_name=log_group, deliver_logs_role_arn=ROLE)
    assert isinstance(failed, ModuleFail)
    assert "vpc-0123456789abcdef0" in failed.result["msg"]


def test_throttled_listing_is_retried_through_the_module(monkeypatch):
    """botocore's Stubber: moto never throttles. The listing fails with RequestLimitExceeded, is listed
    again, and check mode plans the create without a write call."""
    from botocore.stub import Stubber

    from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
        botocore_client,
        fast_retries,
        run_module,
        use_aws_clients,
    )

    sleeps = fast_retries(monkeypatch)
    ec2 = botocore_client("ec2", REGION)
    stubber = Stubber(ec2)
    stubber.activate()
    built = use_aws_clients(monkeypatch, {"ec2": ec2})
    filters = {"Filters": [{"Name": "resource-id", "Values": ["vpc-0123456789abcdef0"]}]}
    stubber.add_client_error("describe_flow_logs", "RequestLimitExceeded", "Request limit exceeded.", 503,
                             expected_params=filters)
    stubber.add_response("describe_flow_logs", {"FlowLogs": []}, filters)

    planned = run_module(vpc_flow_log, {"region": REGION, "resource_id": "vpc-0123456789abcdef0",
                                        "log_group_name": "/meridian/test", "deliver_logs_role_arn": ROLE},
                         check=True, diff=True)
    assert not isinstance(planned, ModuleFail), planned.result
    assert planned.result["changed"] is True and planned.result["action"] == "create"
    assert len(sleeps) == 1 and [s for s, _decorator in built] == ["ec2"] and built[0][1] is not None
    stubber.assert_no_pending_responses()
