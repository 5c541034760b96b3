# -*- coding: utf-8 -*-
"""The one AWS retry policy, proved with botocore's Stubber on real botocore clients.

moto never throttles, so these stubs are the only tests that see a throttled call: each stubbed
call fails with a throttling code first and succeeds next; the client must retry it (one backoff
sleep per retry) and return the successful answer. A non-retryable error must not be retried (no
sleep, the queued success is never consumed) and must fail naming the operation, the code and the fix.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

botocore = pytest.importorskip("botocore")

from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.ec2_flow_logs import FlowLogClient  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.route53 import Route53Client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_replication import S3ReplicationClient  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    botocore_client,
    fast_retries,
)

HC = "0b1d2c3e-0000-4000-8000-00000000000a"


@pytest.fixture
def sleeps(monkeypatch):
    return fast_retries(monkeypatch)


def _stubbed(service):
    client = botocore_client(service)
    stubber = Stubber(client)
    stubber.activate()
    return client, stubber


def _health_check(inverted):
    return {"HealthCheck": {"Id": HC, "CallerReference": "ref", "HealthCheckVersion": 2,
                            "HealthCheckConfig": {"Type": "HTTPS", "FullyQualifiedDomainName": "us-east-1.example.com",
                                                  "Inverted": inverted}}}


def _still_pending(stubber):
    with pytest.raises(AssertionError):
        stubber.assert_no_pending_responses()
    return True


# --------------------------------------------------------------------------------------------
# Route 53: the failover write
# --------------------------------------------------------------------------------------------

def test_route53_update_health_check_is_retried_through_throttling_and_prior_request(sleeps):
    client, stubber = _stubbed("route53")
    params = {"HealthCheckId": HC, "Inverted": True}
    stubber.add_client_error("update_health_check", "Throttling", "Rate exceeded", 400, expected_params=params)
    stubber.add_client_error("update_health_check", "PriorRequestNotComplete", "The request was rejected because "
                             "Route 53 was still processing a prior request.", 400, expected_params=params)
    stubber.add_response("update_health_check", _health_check(True), params)

    config = Route53Client(client).set_inverted(HC, True)

    assert config["Inverted"] is True
    assert len(sleeps) == 2  # two retries, then the answer
    stubber.assert_no_pending_responses()


def test_route53_access_denied_is_not_retried_and_names_the_fix(sleeps):
    client, stubber = _stubbed("route53")
    stubber.add_client_error("update_health_check", "AccessDenied", "User: arn:aws:iam::123456789012:user/ci is not "
                             "authorized to perform: route53:UpdateHealthCheck", 403)
    stubber.add_response("update_health_check", _health_check(True))

    with pytest.raises(AwsApiError) as exc:
        Route53Client(client).set_inverted(HC, True)

    err = exc.value
    assert (err.code, err.operation, err.service) == ("AccessDenied", "update_health_check", "route53")
    assert str(err).startswith("route53 UpdateHealthCheck (health check %s) failed: AccessDenied" % HC)
    assert "allow route53:UpdateHealthCheck" in str(err)
    assert sleeps == []
    assert _still_pending(stubber)  # the success after the error was never asked for


def test_route53_still_throttled_after_every_attempt_fails_saying_so(sleeps, monkeypatch):
    monkeypatch.setattr(retry, "RETRIES", 3)
    client, stubber = _stubbed("route53")
    for attempt in range(3):
        stubber.add_client_error("get_health_check", "Throttling", "Rate exceeded (%d)" % attempt, 400)

    with pytest.raises(AwsApiError) as exc:
        Route53Client(client).health_check_config(HC)

    assert exc.value.code == "Throttling"
    assert "still failing after 3 attempts" in str(exc.value)
    assert len(sleeps) == 2
    stubber.assert_no_pending_responses()


def test_route53_zone_listing_is_retried_as_a_whole(sleeps):
    client, stubber = _stubbed("route53")
    page1 = {"HostedZones": [{"Id": "/hostedzone/ZPRIVATE", "Name": "meridian.example.com.", "CallerReference": "a",
                              "Config": {"PrivateZone": True}}],
             "Marker": "", "IsTruncated": True, "NextMarker": "Z2", "MaxItems": "1"}
    page2 = {"HostedZones": [{"Id": "/hostedzone/ZPUBLIC", "Name": "Meridian.Example.com.", "CallerReference": "b",
                              "Config": {"PrivateZone": False}}],
             "Marker": "Z2", "IsTruncated": False, "MaxItems": "1"}
    stubber.add_response("list_hosted_zones", page1, {})
    stubber.add_client_error("list_hosted_zones", "Throttling", "Rate exceeded", 400, expected_params={"Marker": "Z2"})
    # the retry starts the listing again from its first page
    stubber.add_response("list_hosted_zones", page1, {})
    stubber.add_response("list_hosted_zones", page2, {"Marker": "Z2"})

    assert Route53Client(client).public_zone_id("meridian.example.com") == "ZPUBLIC"
    assert len(sleeps) == 1
    stubber.assert_no_pending_responses()


# --------------------------------------------------------------------------------------------
# EC2: the flow-log listing
# --------------------------------------------------------------------------------------------

def _flow_log(flow_log_id):
    return {"FlowLogId": flow_log_id, "ResourceId": "vpc-0123456789abcdef0", "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs", "LogGroupName": "/meridian/test"}


def test_flow_log_listing_throttled_on_its_second_page_is_listed_again_in_full(sleeps):
    client, stubber = _stubbed("ec2")
    filters = {"Filters": [{"Name": "resource-id", "Values": ["vpc-0123456789abcdef0"]}]}
    stubber.add_response("describe_flow_logs", {"FlowLogs": [_flow_log("fl-1")], "NextToken": "t1"}, filters)
    stubber.add_client_error("describe_flow_logs", "RequestLimitExceeded", "Request limit exceeded.", 503,
                             expected_params=dict(filters, NextToken="t1"))
    stubber.add_response("describe_flow_logs", {"FlowLogs": [_flow_log("fl-1")], "NextToken": "t1"}, filters)
    stubber.add_response("describe_flow_logs", {"FlowLogs": [_flow_log("fl-2")]}, dict(filters, NextToken="t1"))

    flow_logs = FlowLogClient(client).describe("vpc-0123456789abcdef0")

    assert [f["FlowLogId"] for f in flow_logs] == ["fl-1", "fl-2"]  # no page twice, none missing
    assert len(sleeps) == 1
    stubber.assert_no_pending_responses()


def test_flow_log_listing_unauthorized_is_not_retried(sleeps):
    client, stubber = _stubbed("ec2")
    stubber.add_client_error("describe_flow_logs", "UnauthorizedOperation", "You are not authorized to perform "
                             "this operation.", 403)
    stubber.add_response("describe_flow_logs", {"FlowLogs": []})

    with pytest.raises(AwsApiError) as exc:
        FlowLogClient(client).describe("vpc-0123456789abcdef0")

    assert exc.value.code == "UnauthorizedOperation"
    assert "ec2 DescribeFlowLogs (resource vpc-0123456789abcdef0) failed" in str(exc.value)
    assert "allow ec2:DescribeFlowLogs" in str(exc.value)
    assert sleeps == [] and _still_pending(stubber)


def test_flow_log_create_retries_with_the_same_client_token(sleeps):
    client, stubber = _stubbed("ec2")
    request = {"ResourceIds": ["vpc-0123456789abcdef0"], "ResourceType": "VPC", "TrafficType": "ALL",
               "LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::meridian-flow-logs"}
    seen = []

    def record(params, **_kwargs):
        seen.append(params.get("ClientToken"))

    client.meta.events.register("before-parameter-build.ec2.CreateFlowLogs", record)
    stubber.add_client_error("create_flow_logs", "RequestLimitExceeded", "Request limit exceeded.", 503)
    stubber.add_response("create_flow_logs", {"FlowLogIds": ["fl-9"], "Unsuccessful": []})

    assert FlowLogClient(client).create(request)["FlowLogIds"] == ["fl-9"]
    assert len(seen) == 2 and seen[0] and seen[0] == seen[1]
    assert len(sleeps) == 1


# --------------------------------------------------------------------------------------------
# S3: the replication write
# --------------------------------------------------------------------------------------------

REPLICATION = {"Role": "arn:aws:iam::123456789012:role/replication",
               "Rules": [{"ID": "failover", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""},
                          "DeleteMarkerReplication": {"Status": "Disabled"},
                          "Destination": {"Bucket": "arn:aws:s3:::meridian-static-eu-west-1"}}]}


def test_s3_put_replication_is_retried_through_slow_down(sleeps):
    client, stubber = _stubbed("s3")
    params = {"Bucket": "meridian-static-us-east-1", "ReplicationConfiguration": REPLICATION}
    stubber.add_client_error("put_bucket_replication", "SlowDown", "Please reduce your request rate.", 503,
                             expected_params=params)
    stubber.add_client_error("put_bucket_replication", "InternalError", "We encountered an internal error.", 500,
                             expected_params=params)
    stubber.add_response("put_bucket_replication", {}, params)
    stubber.add_response("get_bucket_replication", {"ReplicationConfiguration": REPLICATION},
                         {"Bucket": "meridian-static-us-east-1"})

    s3 = S3ReplicationClient(client)
    s3.put_replication("meridian-static-us-east-1", REPLICATION)
    assert s3.replication("meridian-static-us-east-1") == REPLICATION
    assert len(sleeps) == 2
    stubber.assert_no_pending_responses()


def test_s3_access_denied_is_not_retried_and_names_the_s3_permission(sleeps):
    client, stubber = _stubbed("s3")
    stubber.add_client_error("put_bucket_replication", "AccessDenied", "Access Denied", 403)
    stubber.add_response("put_bucket_replication", {})

    with pytest.raises(AwsApiError) as exc:
        S3ReplicationClient(client).put_replication("meridian-static-us-east-1", REPLICATION)

    assert exc.value.code == "AccessDenied"
    assert "s3 PutBucketReplication (bucket meridian-static-us-east-1) failed: AccessDenied" in str(exc.value)
    assert "allow s3:PutReplicationConfiguration (and iam:PassRole" in str(exc.value)
    assert sleeps == [] and _still_pending(stubber)


def test_s3_not_found_answers_are_results_not_retries(sleeps):
    client, stubber = _stubbed("s3")
    stubber.add_client_error("get_bucket_replication", "ReplicationConfigurationNotFoundError", "none", 404)
    stubber.add_client_error("head_bucket", "404", "Not Found", 404)
    s3 = S3ReplicationClient(client)
    assert s3.replication("meridian-static-us-east-1") is None
    assert s3.exists("meridian-static-us-east-1") is False
    assert sleeps == []
    stubber.assert_no_pending_responses()


# --------------------------------------------------------------------------------------------
# The policy itself
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, retried", [
    ("Throttling", True), ("PriorRequestNotComplete", True), ("RequestLimitExceeded", True), ("SlowDown", True),
    ("InternalError", True), ("ServiceUnavailable", True),
    ("AccessDenied", False), ("NoSuchHealthCheck", False), ("InvalidInput", False), ("NoSuchBucket", False),
])
def test_which_codes_are_retried(code, retried):
    assert retry.retryable(code) is retried


def test_the_policy_values_are_read_when_a_decorator_is_built(monkeypatch):
    monkeypatch.setattr(retry, "RETRIES", 2)
    calls = []

    def throttled():
        calls.append(1)
        raise botocore.exceptions.ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "Op")

    from ansible_collections.amazon.aws.plugins.module_utils import cloud
    import types
    monkeypatch.setattr(cloud, "time", types.SimpleNamespace(sleep=lambda s: None))
    with pytest.raises(botocore.exceptions.ClientError):
        retry.aws_retry()(throttled)()
    assert len(calls) == 2


def test_a_plain_client_gets_the_policy_too(sleeps):
    # a client built without a retry decorator is wrapped by the client class itself
    client, stubber = _stubbed("route53")
    stubber.add_client_error("get_health_check", "Throttling", "Rate exceeded", 400)
    stubber.add_response("get_health_check", _health_check(False))
    assert Route53Client(client).health_check_config(HC)["Inverted"] is False
    assert len(sleeps) == 1


def test_an_unstubbed_call_fails_the_client(sleeps):
    # guard for the module tests: a call nobody stubbed (a write in check mode) is an error, not a retry
    client, _stubber = _stubbed("route53")
    with pytest.raises(AwsApiError) as exc:
        Route53Client(client).set_inverted(HC, True)
    assert exc.value.code == "UnStubbedResponseError" and sleeps == []
