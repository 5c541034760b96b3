# -*- coding: utf-8 -*-
"""acm_certificate: options, check mode, diff and idempotence end to end on a moto_server of its own
(self-signed import -> ISSUED, request -> PENDING_VALIDATION with its DNS validation records), and the
wait for the issue, which moto never reaches, with botocore's Stubber."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

botocore = pytest.importorskip("botocore")

from botocore.stub import ANY, Stubber  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.modules import acm_certificate  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    botocore_client,
    fast_retries,
    run_aws_module,
    run_module,
    use_aws_clients,
)

NAMES = ["meridian.example.com", "*.meridian.example.com"]
TAGS = {"meridian:env": "test", "meridian:managed-by": "meridian.global_infra"}
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def _ok(outcome):
    assert not isinstance(outcome, ModuleFail), outcome.result
    return outcome.result


def _go(moto_url, check=False, region="us-east-1", **args):
    base = {"name": "meridian-test-lb", "domain_names": NAMES, "tags": TAGS}
    base.update(args)
    return run_aws_module(acm_certificate, moto_url, region, base, check=check)


@pytest.mark.parametrize("args, field", [
    ({"name": " "}, "name"),
    ({"domain_names": []}, "domain_names"),
    ({"domain_names": ["not a name"]}, "domain_names"),
    ({"domain_names": ["*.*.example.com"]}, "domain_names"),
    ({"wait_timeout": -1}, "wait_timeout"),
    ({"tags": {"Name": "other"}}, "tags"),
])
def test_options_are_checked_before_any_call(args, field):
    base = {"name": "meridian-test-lb", "domain_names": NAMES, "region": "us-east-1"}
    base.update(args)
    failed = run_module(acm_certificate, base)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == field


def test_self_signed_import_is_issued_and_idempotent(moto_url):
    planned = _ok(_go(moto_url, check=True, source="self_signed"))
    assert planned["changed"] is True and planned["certificate_arn"] == ""
    assert planned["diff"]["before"] == {} and planned["diff"]["after"]["names"] == sorted(NAMES)
    made = _ok(_go(moto_url, source="self_signed"))
    assert made["changed"] is True and made["status"] == "ISSUED" and made["validation_records"] == []
    again = _ok(_go(moto_url, source="self_signed"))
    assert again["changed"] is False and again["certificate_arn"] == made["certificate_arn"]
    assert _ok(_go(moto_url, check=True, source="self_signed"))["changed"] is False
    # A tag changes in place; the certificate stays.
    retagged = _ok(_go(moto_url, source="self_signed", tags=dict(TAGS, owner="platform")))
    assert retagged["changed"] is True and retagged["certificate_arn"] == made["certificate_arn"]
    assert retagged["diff"]["after"]["tags"]["owner"] == "platform"
    # Other names: a new certificate.
    other = _ok(_go(moto_url, source="self_signed", domain_names=["other.example.com"]))
    assert other["changed"] is True and other["certificate_arn"] != made["certificate_arn"]


def test_request_returns_validation_records_once(moto_url):
    made = _ok(_go(moto_url, region="eu-west-1", name="meridian-test-req"))
    assert made["changed"] is True and made["status"] == "PENDING_VALIDATION"
    assert made["certificate_arn"].startswith("arn:aws:acm:eu-west-1:")
    # The apex and its wildcard share one record.
    assert len(made["validation_records"]) == 1
    record = made["validation_records"][0]
    assert record["type"] == "CNAME" and record["name"].endswith(".meridian.example.com") and not record["value"].endswith(".")
    again = _ok(_go(moto_url, region="eu-west-1", name="meridian-test-req"))
    assert again["changed"] is False and again["certificate_arn"] == made["certificate_arn"]
    assert again["validation_records"] == made["validation_records"]


def test_absent_deletes_by_name_tag(moto_url):
    made = _ok(_go(moto_url, region="ap-southeast-2", name="meridian-test-gone", source="self_signed"))
    planned = _ok(run_aws_module(acm_certificate, moto_url, "ap-southeast-2", {"name": "meridian-test-gone", "state": "absent"},
                                 check=True))
    assert planned["changed"] is True and planned["deleted"] == [made["certificate_arn"]]
    gone = _ok(run_aws_module(acm_certificate, moto_url, "ap-southeast-2", {"name": "meridian-test-gone", "state": "absent"}))
    assert gone["deleted"] == [made["certificate_arn"]]
    assert _ok(run_aws_module(acm_certificate, moto_url, "ap-southeast-2",
                              {"name": "meridian-test-gone", "state": "absent"}))["changed"] is False


# --------------------------------------------------------------------------------------------
# The wait for the issue (moto keeps a requested certificate pending): stubbed
# --------------------------------------------------------------------------------------------

def _described(status, with_record=True):
    option = {"DomainName": NAMES[0], "ValidationMethod": "DNS", "ValidationStatus": "SUCCESS" if status == "ISSUED" else
              "PENDING_VALIDATION"}
    if with_record:
        option["ResourceRecord"] = {"Name": "_abc.meridian.example.com.", "Type": "CNAME", "Value": "_def.acm-validations.aws."}
    return {"Certificate": {"CertificateArn": ARN, "DomainName": NAMES[0], "SubjectAlternativeNames": list(NAMES),
                            "Status": status, "Type": "AMAZON_ISSUED", "DomainValidationOptions": [option],
                            "CreatedAt": datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}}


@pytest.fixture
def acm(monkeypatch):
    fast_retries(monkeypatch)
    monkeypatch.setattr(acm_certificate, "_POLL", 0)
    client = botocore_client("acm")
    stubber = Stubber(client)
    stubber.activate()
    use_aws_clients(monkeypatch, {"acm": client})
    return stubber


def _stub_find(stubber, status):
    stubber.add_response("list_certificates", {"CertificateSummaryList": [{"CertificateArn": ARN, "DomainName": NAMES[0]}]},
                         {"CertificateStatuses": ANY, "Includes": ANY})
    stubber.add_response("list_tags_for_certificate", {"Tags": [{"Key": "Name", "Value": "meridian-test-lb"}]},
                         {"CertificateArn": ARN})
    stubber.add_response("describe_certificate", _described(status), {"CertificateArn": ARN})


def test_wait_returns_once_issued(acm):
    _stub_find(acm, "PENDING_VALIDATION")
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION"), {"CertificateArn": ARN})  # records there
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION"), {"CertificateArn": ARN})  # not yet issued
    acm.add_response("describe_certificate", _described("ISSUED"), {"CertificateArn": ARN})
    done = _ok(run_module(acm_certificate, {"name": "meridian-test-lb", "domain_names": NAMES, "region": "us-east-1",
                                            "wait": True, "wait_timeout": 60}))
    assert done["changed"] is False and done["status"] == "ISSUED" and done["certificate_arn"] == ARN
    acm.assert_no_pending_responses()


def test_wait_fails_naming_the_reason(acm):
    _stub_find(acm, "PENDING_VALIDATION")
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION"), {"CertificateArn": ARN})
    failed = dict(_described("FAILED"))
    failed["Certificate"]["FailureReason"] = "CAA_ERROR"
    acm.add_response("describe_certificate", failed, {"CertificateArn": ARN})
    outcome = run_module(acm_certificate, {"name": "meridian-test-lb", "domain_names": NAMES, "region": "us-east-1",
                                           "wait": True, "wait_timeout": 60})
    assert isinstance(outcome, ModuleFail) and "FAILED (CAA_ERROR)" in outcome.result["msg"]


def test_request_sends_names_token_and_tags(acm):
    acm.add_response("list_certificates", {"CertificateSummaryList": []}, {"CertificateStatuses": ANY, "Includes": ANY})
    acm.add_response("request_certificate", {"CertificateArn": ARN}, {
        "DomainName": NAMES[0], "SubjectAlternativeNames": NAMES, "ValidationMethod": "DNS", "IdempotencyToken": ANY,
        "KeyAlgorithm": "RSA_2048", "Tags": [{"Key": "Name", "Value": "meridian-test-lb"},
                                             {"Key": "meridian:env", "Value": "test"},
                                             {"Key": "meridian:managed-by", "Value": "meridian.global_infra"}]})
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION", with_record=False), {"CertificateArn": ARN})
    acm.add_response("list_tags_for_certificate", {"Tags": [{"Key": "Name", "Value": "meridian-test-lb"}]}, {"CertificateArn": ARN})
    # ACM publishes the validation record a few seconds after the request.
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION", with_record=False), {"CertificateArn": ARN})
    acm.add_response("describe_certificate", _described("PENDING_VALIDATION"), {"CertificateArn": ARN})
    made = _ok(run_module(acm_certificate, {"name": "meridian-test-lb", "domain_names": NAMES, "region": "us-east-1",
                                            "tags": TAGS}))
    assert made["changed"] is True and made["validation_records"] == [
        {"name": "_abc.meridian.example.com", "type": "CNAME", "value": "_def.acm-validations.aws"}]
    acm.assert_no_pending_responses()


def test_absent_refuses_a_certificate_in_use(acm):
    acm.add_response("list_certificates", {"CertificateSummaryList": [{"CertificateArn": ARN, "DomainName": NAMES[0]}]},
                     {"CertificateStatuses": ANY, "Includes": ANY})
    acm.add_response("list_tags_for_certificate", {"Tags": [{"Key": "Name", "Value": "meridian-test-lb"}]}, {"CertificateArn": ARN})
    acm.add_response("describe_certificate", _described("ISSUED"), {"CertificateArn": ARN})
    acm.add_client_error("delete_certificate", "ResourceInUseException", "in use by a load balancer", 400)
    outcome = run_module(acm_certificate, {"name": "meridian-test-lb", "state": "absent", "region": "us-east-1"})
    assert isinstance(outcome, ModuleFail) and "still in use" in outcome.result["msg"]
