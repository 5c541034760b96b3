# -*- coding: utf-8 -*-
"""route53_failover: options, check mode, diff, idempotence and the change, with botocore's Stubber
(every Route 53 call the module makes is stubbed in order; a stray call fails the module), and once
end to end against a moto_server of its own."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

botocore = pytest.importorskip("botocore")

from botocore.stub import Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.modules import route53_failover  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    run_module,
    use_aws_clients,
)

ZONE = "meridian.example.com"
RECORD = "primary.meridian.example.com"
HC_PRIMARY = "11111111-1111-4111-8111-111111111111"
HC_SECONDARY = "22222222-2222-4222-8222-222222222222"
OK = "Success: HTTP Status Code 200, OK"
DOWN = "Failure: Connection timed out."


@pytest.fixture
def sleeps(monkeypatch):
    return fast_retries(monkeypatch)


@pytest.fixture
def route53(monkeypatch, sleeps):
    client = botocore_client("route53")
    stubber = Stubber(client)
    stubber.activate()
    built = use_aws_clients(monkeypatch, {"route53": client})
    stubber.built = built
    return stubber


def _record(role, value, hc):
    return {"Name": RECORD + ".", "Type": "CNAME", "SetIdentifier": role.lower(), "Failover": role, "TTL": 30,
            "ResourceRecords": [{"Value": value}], "HealthCheckId": hc}


def _config(inverted=False):
    return {"Type": "HTTPS", "FullyQualifiedDomainName": "lb.example.com", "ResourcePath": "/healthz",
            "Inverted": inverted}


def _health_check(hc, inverted=False):
    return {"HealthCheck": {"Id": hc, "CallerReference": hc, "HealthCheckVersion": 1, "HealthCheckConfig": _config(inverted)}}


def _status(*reports):
    return {"HealthCheckObservations": [{"Region": "us-east-1", "IPAddress": "192.0.2.%d" % i,
                                         "StatusReport": {"Status": r}} for i, r in enumerate(reports, 1)]}


def stub_reads(stubber, primary_inverted=False, primary_reports=(OK, OK, OK), secondary_reports=(OK, OK, OK)):
    """The read calls of one run, in the module's order."""
    stubber.add_response("list_hosted_zones", {
        "HostedZones": [{"Id": "/hostedzone/ZINTERNAL", "Name": ZONE + ".", "CallerReference": "a",
                         "Config": {"PrivateZone": True}},
                        {"Id": "/hostedzone/Z0PUBLIC", "Name": ZONE + ".", "CallerReference": "b",
                         "Config": {"PrivateZone": False}}],
        "Marker": "", "IsTruncated": False, "MaxItems": "100"}, {})
    stubber.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [_record("PRIMARY", "us-east-1.lb.example.com", HC_PRIMARY),
                               _record("SECONDARY", "eu-west-1.lb.example.com", HC_SECONDARY),
                               {"Name": "www.meridian.example.com.", "Type": "CNAME", "TTL": 60,
                                "ResourceRecords": [{"Value": "primary.meridian.example.com"}]}],
        "IsTruncated": False, "MaxItems": "100"},
        {"HostedZoneId": "Z0PUBLIC", "StartRecordName": RECORD + ".", "StartRecordType": "CNAME"})
    stubber.add_response("get_health_check", _health_check(HC_PRIMARY, primary_inverted), {"HealthCheckId": HC_PRIMARY})
    stubber.add_response("get_health_check_status", _status(*primary_reports), {"HealthCheckId": HC_PRIMARY})
    stubber.add_response("get_health_check", _health_check(HC_SECONDARY), {"HealthCheckId": HC_SECONDARY})
    stubber.add_response("get_health_check_status", _status(*secondary_reports), {"HealthCheckId": HC_SECONDARY})


def run(check=False, diff=True, **args):
    base = {"zone": ZONE, "record": RECORD, "region": "us-east-1", "access_key": "testing", "secret_key": "testing"}
    base.update(args)
    return run_module(route53_failover, base, check=check, diff=diff)


def _ok(outcome):
    assert not isinstance(outcome, ModuleFail), outcome.result
    return outcome.result


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, field, words", [
    ({"record": "primary.other.example.com"}, "record", "is not in zone meridian.example.com."),
    ({"record": "meridian.example.com.evil.org"}, "record", "is not in zone"),
    ({"zone": "meridian..example.com"}, "zone", "not a valid DNS name"),
    ({"record": "   "}, "record", "expected a DNS name"),
])
def test_bad_names_fail_before_any_client_is_built(route53, args, field, words):
    failed = run(**args)
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == field and failed.result["msg"].startswith(field + ": ")
    assert words in failed.result["msg"]
    assert route53.built == []


@pytest.mark.parametrize("args, words", [
    ({"type": "TXT"}, "type"),
    ({"primary_health": "down"}, "primary_health"),
    ({"zone": None}, "zone"),
])
def test_the_argument_spec_refuses_bad_choices(route53, args, words):
    failed = run(**args)
    assert isinstance(failed, ModuleFail) and words in failed.result["msg"]
    assert route53.built == []


def test_the_client_is_built_with_the_collection_retry_policy(route53):
    stub_reads(route53)
    _ok(run())
    [(service, decorator)] = route53.built
    assert service == "route53" and decorator is not None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def test_read_only_answers_the_primary_and_changes_nothing(route53):
    stub_reads(route53)
    result = _ok(run())
    assert result["changed"] is False and result["diff"] == {"before": {}, "after": {}}
    assert (result["answer"]["role"], result["answer"]["answer"]) == ("PRIMARY", "us-east-1.lb.example.com")
    assert result["answer"]["primary_health_check_id"] == HC_PRIMARY
    assert [(r["role"], r["value"]) for r in result["records"]] == [("PRIMARY", "us-east-1.lb.example.com"),
                                                                    ("SECONDARY", "eu-west-1.lb.example.com")]
    route53.assert_no_pending_responses()


def test_a_primary_failing_most_checkers_is_answered_by_the_secondary(route53):
    stub_reads(route53, primary_reports=(DOWN, DOWN, OK))
    result = _ok(run())
    assert result["answer"]["role"] == "SECONDARY" and result["answer"]["primary_healthy"] is False


def test_missing_zone_and_records_fail_naming_the_field(route53):
    route53.add_response("list_hosted_zones", {"HostedZones": [], "Marker": "", "IsTruncated": False, "MaxItems": "100"})
    failed = run()
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "zone"
    assert "public hosted zone meridian.example.com. not found" in failed.result["msg"]

    route53.add_response("list_hosted_zones", {
        "HostedZones": [{"Id": "/hostedzone/Z0PUBLIC", "Name": ZONE + ".", "CallerReference": "b"}],
        "Marker": "", "IsTruncated": False, "MaxItems": "100"})
    route53.add_response("list_resource_record_sets", {"ResourceRecordSets": [], "IsTruncated": False, "MaxItems": "100"})
    failed = run()
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "record"
    assert "no failover records primary.meridian.example.com. CNAME" in failed.result["msg"]


# --------------------------------------------------------------------------------------------
# Failing over and back
# --------------------------------------------------------------------------------------------

def test_check_mode_plans_the_inversion_without_writing(route53):
    stub_reads(route53)  # nothing else is stubbed: an update_health_check call would fail the module
    result = _ok(run(check=True, primary_health="unhealthy"))
    assert result["changed"] is True
    assert result["answer"]["role"] == "SECONDARY" and result["answer"]["answer"] == "eu-west-1.lb.example.com"
    assert result["diff"] == {"before": {"health_check_id": HC_PRIMARY, "inverted": False},
                              "after": {"health_check_id": HC_PRIMARY, "inverted": True}}
    route53.assert_no_pending_responses()


def test_failover_inverts_the_primary_health_check_through_throttling(route53, sleeps):
    stub_reads(route53)
    update = {"HealthCheckId": HC_PRIMARY, "Inverted": True}
    route53.add_client_error("update_health_check", "PriorRequestNotComplete", "still processing", 400,
                             expected_params=update)
    route53.add_client_error("update_health_check", "Throttling", "Rate exceeded", 400, expected_params=update)
    route53.add_response("update_health_check", _health_check(HC_PRIMARY, inverted=True), update)

    result = _ok(run(primary_health="unhealthy"))

    assert result["changed"] is True and result["answer"]["role"] == "SECONDARY"
    assert result["diff"]["after"]["inverted"] is True
    assert len(sleeps) == 2
    route53.assert_no_pending_responses()


def test_failover_is_idempotent_when_the_primary_is_already_inverted(route53):
    stub_reads(route53, primary_inverted=True)
    result = _ok(run(primary_health="unhealthy"))
    assert result["changed"] is False and result["answer"]["role"] == "SECONDARY"
    assert result["diff"]["before"] == result["diff"]["after"] == {"health_check_id": HC_PRIMARY, "inverted": True}
    route53.assert_no_pending_responses()


def test_failback_removes_the_inversion_and_then_is_idempotent(route53):
    stub_reads(route53, primary_inverted=True)
    update = {"HealthCheckId": HC_PRIMARY, "Inverted": False}
    route53.add_response("update_health_check", _health_check(HC_PRIMARY, inverted=False), update)
    result = _ok(run(primary_health="healthy"))
    assert result["changed"] is True and result["answer"]["role"] == "PRIMARY"

    stub_reads(route53)
    again = _ok(run(primary_health="healthy"))
    assert again["changed"] is False and again["answer"]["role"] == "PRIMARY"
    route53.assert_no_pending_responses()


def test_access_denied_fails_once_with_the_permission_to_grant(route53, sleeps):
    stub_reads(route53)
    route53.add_client_error("update_health_check", "AccessDenied", "not authorized to perform: "
                             "route53:UpdateHealthCheck", 403)
    failed = run(primary_health="unhealthy")
    assert isinstance(failed, ModuleFail)
    assert failed.result["msg"].startswith("route53 UpdateHealthCheck (health check %s) failed: AccessDenied" % HC_PRIMARY)
    assert "allow route53:UpdateHealthCheck to the credentials" in failed.result["msg"]
    assert sleeps == []
    route53.assert_no_pending_responses()


def test_a_record_naming_a_deleted_health_check_fails_on_the_record(route53):
    route53.add_response("list_hosted_zones", {
        "HostedZones": [{"Id": "/hostedzone/Z0PUBLIC", "Name": ZONE + ".", "CallerReference": "b"}],
        "Marker": "", "IsTruncated": False, "MaxItems": "100"})
    route53.add_response("list_resource_record_sets", {
        "ResourceRecordSets": [_record("PRIMARY", "us-east-1.lb.example.com", HC_PRIMARY)],
        "IsTruncated": False, "MaxItems": "100"})
    route53.add_client_error("get_health_check", "NoSuchHealthCheck", "gone", 404)
    failed = run()
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "record"
    assert "health check %s named by the record does not exist" % HC_PRIMARY in failed.result["msg"]


# --------------------------------------------------------------------------------------------
# End to end on moto (which never throttles and does not evaluate health checks)
# --------------------------------------------------------------------------------------------

def test_failover_and_back_on_moto(moto_url):
    boto3 = pytest.importorskip("boto3")
    r53 = boto3.client("route53", region_name="us-east-1", endpoint_url=moto_url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="zone")["HostedZone"]["Id"].split("/")[-1]
    ids = {}
    for role, region in (("PRIMARY", "us-east-1"), ("SECONDARY", "eu-west-1")):
        ids[role] = r53.create_health_check(CallerReference=role, HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": "%s.lb.example.com" % region, "ResourcePath": "/healthz",
            "Port": 443, "RequestInterval": 10 if role == "PRIMARY" else 30,
            "FailureThreshold": 2 if role == "PRIMARY" else 5})["HealthCheck"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": RECORD, "Type": "CNAME", "SetIdentifier": region, "Failover": role, "TTL": 30,
            "ResourceRecords": [{"Value": "%s.lb.example.com" % region}], "HealthCheckId": ids[role]}}]})

    def go(check=False, **args):
        return _ok(run_aws_module(route53_failover, moto_url, "us-east-1", dict({"zone": ZONE, "record": RECORD}, **args),
                                  check=check))

    read = go()
    assert read["answer"]["role"] == "PRIMARY"
    # what the drill models detection and the DNS TTL from: the checks' own settings and the records' TTL
    assert read["health_checks"][ids["PRIMARY"]] == {"request_interval": 10, "failure_threshold": 2, "inverted": False}
    assert read["health_checks"][ids["SECONDARY"]]["failure_threshold"] == 5
    assert [r["ttl"] for r in read["records"]] == [30, 30]
    planned = go(check=True, primary_health="unhealthy")
    assert planned["changed"] is True and planned["answer"]["role"] == "SECONDARY"
    assert r53.get_health_check(HealthCheckId=ids["PRIMARY"])["HealthCheck"]["HealthCheckConfig"].get("Inverted") is not True
    failed_over = go(primary_health="unhealthy")
    assert failed_over["changed"] is True and failed_over["answer"]["role"] == "SECONDARY"
    assert r53.get_health_check(HealthCheckId=ids["PRIMARY"])["HealthCheck"]["HealthCheckConfig"]["Inverted"] is True
    assert go(primary_health="unhealthy")["changed"] is False
    back = go(primary_health="healthy")
    assert back["changed"] is True and back["answer"]["role"] == "PRIMARY"
    assert go(check=True, primary_health="healthy")["changed"] is False


def test_alias_failover_records_on_moto(moto_url):
    """The global_routing role's records: failover alias A records to the regions' load balancers."""
    boto3 = pytest.importorskip("boto3")
    r53 = boto3.client("route53", region_name="us-east-1", endpoint_url=moto_url, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    zone = "alias.example.com"
    record = "primary." + zone
    zone_id = r53.create_hosted_zone(Name=zone, CallerReference="alias-zone")["HostedZone"]["Id"].split("/")[-1]
    lbs = {}
    for role, region in (("PRIMARY", "us-east-1"), ("SECONDARY", "eu-west-1")):
        lbs[role] = "meridian-local-1234.%s.elb.amazonaws.com" % region
        hc = r53.create_health_check(CallerReference="alias-" + role, HealthCheckConfig={
            "Type": "HTTPS", "FullyQualifiedDomainName": lbs[role], "ResourcePath": "/healthz", "Port": 443})["HealthCheck"]["Id"]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": record, "Type": "A", "SetIdentifier": "%s-%s" % (region, role.lower()), "Failover": role, "HealthCheckId": hc,
            "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": lbs[role], "EvaluateTargetHealth": True}}}]})

    def go(check=False, **args):
        return _ok(run_aws_module(route53_failover, moto_url, "us-east-1", dict({"zone": zone, "record": record, "type": "A"}, **args),
                                  check=check))

    first = go()
    assert (first["answer"]["role"], first["answer"]["answer"]) == ("PRIMARY", lbs["PRIMARY"])
    assert sorted(r["value"] for r in first["records"]) == sorted(lbs.values())
    # an alias record has no TTL of its own (its answers carry the target's)
    assert [r["ttl"] for r in first["records"]] == [None, None]
    failed_over = go(primary_health="unhealthy")
    assert (failed_over["answer"]["role"], failed_over["answer"]["answer"]) == ("SECONDARY", lbs["SECONDARY"])
    assert go(primary_health="healthy")["answer"]["answer"] == lbs["PRIMARY"]
