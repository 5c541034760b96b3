# -*- coding: utf-8 -*-
"""The reports package: the Finding model and its fingerprint, and every format write_reports
writes, validated against the schemas in tests/data/schemas/ (SARIF 2.1.0 JSON schema, Apache Ant
JUnit XSD, OCSF 1.5.0 Compliance Finding compiled from the OCSF definitions)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import hashlib
import importlib.util
import json
import os

import pytest
from lxml import etree

from ansible_collections.meridian.global_infra.plugins.module_utils.reports import Finding, ReportError, write_reports
from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import normalise_findings
from ansible_collections.meridian.global_infra.plugins.module_utils.reports.writer import render_reports

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SCHEMAS = os.path.join(TESTS, "data", "schemas")
FIXTURE = os.path.join(TESTS, "unit", "fixtures", "reports", "findings.json")
# The validators of the report formats (tools/reports/validate_reports.py, also run on the reports of
# the Molecule drift and compliance runs).
_spec = importlib.util.spec_from_file_location(
    "validate_reports", os.path.join(os.path.dirname(TESTS), "tools", "reports", "validate_reports.py"))
validate_reports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(validate_reports)
REPORT_FILES = ["findings.json", "junit.xml", "ocsf.json", "results.sarif", "summary.md"]
WHEN = datetime.datetime(2026, 11, 30, 10, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def sarif_validator():
    return validate_reports.sarif_validator()


@pytest.fixture(scope="module")
def ocsf_validator():
    return validate_reports.ocsf_validator()


@pytest.fixture(scope="module")
def junit_schema():
    return validate_reports.junit_schema()


@pytest.fixture(scope="module")
def fixture():
    with open(FIXTURE) as handle:
        return json.load(handle)


_schema_errors = validate_reports.schema_errors
_junit_errors = validate_reports.junit_errors


def _write(tmp_path, fixture, **kwargs):
    args = dict(findings=fixture["findings"], out_dir=str(tmp_path / "report"), tool="meridian-drift",
                checked_resources=fixture["checked_resources"], generated_at=WHEN)
    args.update(kwargs)
    return write_reports(**args)


def _read(paths, name):
    with open(paths[name], encoding="utf-8") as handle:
        return handle.read()


# --- the model --------------------------------------------------------------------------------

def test_fingerprint_is_sha256_of_the_identity_array():
    finding = Finding(kind="drift", rule="amazon.aws.s3_bucket", resource_id="b1", region="eu-west-1", field="versioning",
                      expected="Enabled", actual="Suspended")
    identity = '["drift","amazon.aws.s3_bucket","aws","eu-west-1","b1","versioning"]'
    assert finding.fingerprint == hashlib.sha256(identity.encode("utf-8")).hexdigest()


def test_fingerprint_ignores_values_wording_and_severity():
    base = dict(kind="compliance", rule="restricted-ssh", resource_id="sg-1", region="us-east-1", field="ip_permissions")
    one = Finding(expected="closed", actual="tcp 22 from 0.0.0.0/0", severity="high", message="a", **base)
    two = Finding(expected="closed", actual="tcp 22-23 from 0.0.0.0/0", severity="low", message="b", remediation="x",
                  resource_type="AWS::EC2::SecurityGroup", **base)
    assert one.fingerprint == two.fingerprint


@pytest.mark.parametrize("change", [dict(kind="drift"), dict(rule="ec2-imdsv2-check"), dict(provider="gcp"),
                                    dict(region="eu-west-1"), dict(resource_id="sg-2"), dict(field="")])
def test_fingerprint_changes_with_each_identity_field(change):
    base = dict(kind="compliance", rule="restricted-ssh", resource_id="sg-1", region="us-east-1", field="ip_permissions")
    other = dict(base, **change)
    assert Finding(**base).fingerprint != Finding(**other).fingerprint


def test_fingerprint_is_unambiguous_when_fields_hold_separators():
    one = Finding(kind="drift", resource_id="a/b", region="r", field="c")
    two = Finding(kind="drift", resource_id="a", region="r", field="b/c")
    assert one.fingerprint != two.fingerprint


def test_defaults_and_generated_messages():
    drift = Finding(kind="drift", resource_id="asg-1", field="max_size", expected=6, actual=20)
    assert (drift.rule, drift.provider, drift.severity) == ("drift", "aws", "medium")
    assert drift.message == "max_size: expected 6, got 20"
    unmanaged = Finding(kind="unmanaged", resource_id="i-1")
    assert unmanaged.rule == "unmanaged-resource"
    assert unmanaged.message == "i-1 is not declared by the code"
    compliance = Finding(kind="compliance", rule="ec2-imdsv2-check", resource_id="lt-1", field="http_tokens",
                         expected="required", actual=None)
    assert compliance.message == "http_tokens fails ec2-imdsv2-check: expected required, got (none)"


@pytest.mark.parametrize("kwargs, field", [
    (dict(kind="change", resource_id="x"), "kind"),
    (dict(kind="compliance", resource_id="x"), "rule"),
    (dict(kind="drift", resource_id=""), "resource_id"),
    (dict(kind="drift", resource_id="x", severity="urgent"), "severity"),
    (dict(kind="drift", resource_id="x", expected=object()), "expected"),
    (dict(kind="drift", resource_id="x", region=5), "region"),
    (dict(kind="drift", resource_id="x", provider=""), "provider"),
])
def test_invalid_findings_name_the_field(kwargs, field):
    with pytest.raises(ReportError) as err:
        Finding(**kwargs)
    assert err.value.field == field


def test_findings_are_immutable_values():
    finding = Finding(kind="drift", resource_id="x", severity="HIGH")
    assert finding.severity == "high"
    with pytest.raises(AttributeError):
        finding.severity = "low"
    assert finding == Finding.from_dict(finding.to_dict())
    assert len({finding, Finding.from_dict(finding.to_dict())}) == 1


def test_from_dict_refuses_unknown_fields_and_a_foreign_fingerprint():
    with pytest.raises(ReportError, match="unknown finding field"):
        Finding.from_dict({"kind": "drift", "resource_id": "x", "resouce_type": "typo"})
    data = Finding(kind="drift", resource_id="x").to_dict()
    data["fingerprint"] = "0" * 64
    with pytest.raises(ReportError) as err:
        Finding.from_dict(data)
    assert err.value.field == "fingerprint"


def test_findings_are_sorted_and_deduplicated_by_fingerprint(fixture):
    findings = fixture["findings"]
    normalised = normalise_findings(list(reversed(findings)) + [copy.deepcopy(findings[0])])
    assert len(normalised) == len(findings)
    assert [f.kind for f in normalised] == sorted((f.kind for f in normalised), key=["drift", "unmanaged", "compliance"].index)
    assert normalised == normalise_findings(findings)


# --- the files --------------------------------------------------------------------------------

def test_write_reports_writes_every_format(tmp_path, fixture):
    paths = _write(tmp_path, fixture)
    assert sorted(paths) == ["json", "junit", "markdown", "ocsf", "sarif"]
    assert sorted(os.listdir(str(tmp_path / "report"))) == REPORT_FILES


def test_json_report_holds_the_findings_resources_and_counts(tmp_path, fixture):
    report = json.loads(_read(_write(tmp_path, fixture), "json"))
    assert report["schema_version"] == 1 and report["complete"] is True and report["errors"] == []
    assert report["tool"] == {"name": "meridian-drift", "version": None}
    assert report["generated_at"] == "2026-11-30T10:00:00Z"
    assert report["summary"]["findings"] == len(fixture["findings"]) == len(report["findings"])
    assert report["summary"]["by_kind"] == {"drift": 5, "unmanaged": 1, "compliance": 3}
    assert report["summary"]["by_severity"]["critical"] == 2
    # every finding round-trips, fingerprint included
    assert [Finding.from_dict(f).to_dict() for f in report["findings"]] == report["findings"]
    # the checked resources plus the unmanaged instance; the bare id matched the database's finding
    ids = [r["resource_id"] for r in report["resources"]]
    assert len(ids) == len(set(ids)) == 8
    assert report["summary"]["resources_with_findings"] == 6


def test_sarif_validates_and_names_each_finding(tmp_path, fixture, sarif_validator):
    sarif = json.loads(_read(_write(tmp_path, fixture, tool_version="0.2.0", source="playbooks/drift.yml"), "sarif"))
    assert _schema_errors(sarif_validator, sarif) == []
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == sorted(set(f.get("rule") or "unmanaged-resource" for f in fixture["findings"]))
    assert len(run["results"]) == len(fixture["findings"])
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert len(result["fingerprints"]["meridianFinding/v1"]) == 64
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "playbooks/drift.yml"
    levels = dict((r["properties"]["resourceId"] + ":" + r["properties"]["field"], r["level"]) for r in run["results"])
    assert levels["meridian-local-static-eu-west-1:policy.Statement[1]"] == "error"
    assert levels["meridian-local-web-us-east-1:max_size"] == "warning"
    assert levels["i-0123456789abcdef0:"] == "note"


def test_sarif_of_a_clean_run_and_of_a_failed_run_validate(tmp_path, sarif_validator):
    clean = json.loads(_read(write_reports([], str(tmp_path / "a"), "meridian-compliance", generated_at=WHEN), "sarif"))
    assert _schema_errors(sarif_validator, clean) == []
    assert clean["runs"][0]["results"] == [] and clean["runs"][0]["invocations"][0]["executionSuccessful"] is True
    failed = json.loads(_read(write_reports([], str(tmp_path / "b"), "meridian-drift", generated_at=WHEN,
                                            errors=["us-east-1: endpoint unreachable"]), "sarif"))
    assert _schema_errors(sarif_validator, failed) == []
    invocation = failed["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "us-east-1: endpoint unreachable"


def test_the_sarif_schema_catches_a_broken_document(tmp_path, fixture, sarif_validator):
    sarif = json.loads(_read(_write(tmp_path, fixture), "sarif"))
    sarif["runs"][0]["results"][0]["level"] = "severe"
    del sarif["runs"][0]["tool"]["driver"]["name"]
    errors = _schema_errors(sarif_validator, sarif)
    assert any("severe" in e for e in errors) and any("'name' is a required property" in e for e in errors)


def test_junit_validates_with_one_case_per_resource(tmp_path, fixture, junit_schema):
    text = _read(_write(tmp_path, fixture), "junit")
    assert _junit_errors(junit_schema, text) == []
    suite = etree.fromstring(text.encode("utf-8")).find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 8 == int(suite.get("tests"))
    failed = dict((c.get("name"), c.find("failure")) for c in cases if c.find("failure") is not None)
    assert int(suite.get("failures")) == len(failed) == 6
    passing = sorted(c.get("name") for c in cases if len(c) == 0)
    assert passing == ["E2QWRUHAPOMQZL", "vpc-0fedcba9876543210"]
    asg = failed["meridian-local-web-us-east-1"]
    assert "2 finding(s), worst medium" in asg.get("message")
    assert "max_size" in asg.text and "expected: 6" in asg.text and "actual: 20" in asg.text and "min_size" in asg.text
    unmanaged = [c for c in cases if c.get("name") == "i-0123456789abcdef0"][0]
    assert unmanaged.get("classname").startswith("meridian-drift.unmanaged.aws.us-east-1")
    bucket = failed["meridian-local-static-eu-west-1"]
    assert '<Principal "*"> & s3:GetObject | public' in bucket.text


def test_junit_of_a_clean_run_and_of_a_failed_run_validate(tmp_path, junit_schema):
    clean = _read(write_reports([], str(tmp_path / "a"), "meridian-compliance", checked_resources=["sg-1", "sg-2"],
                                generated_at=WHEN), "junit")
    assert _junit_errors(junit_schema, clean) == []
    suite = etree.fromstring(clean.encode("utf-8")).find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")
    empty = _read(write_reports([], str(tmp_path / "b"), "meridian-compliance", generated_at=WHEN), "junit")
    assert _junit_errors(junit_schema, empty) == []
    failed = _read(write_reports([], str(tmp_path / "c"), "meridian-drift", generated_at=WHEN,
                                 errors=["eu-west-1: could not connect to the endpoint URL"]), "junit")
    assert _junit_errors(junit_schema, failed) == []
    suite = etree.fromstring(failed.encode("utf-8")).find("testsuite")
    assert suite.get("errors") == "1"
    assert suite.find("testcase/error").get("message") == "eu-west-1: could not connect to the endpoint URL"


def test_the_junit_xsd_catches_a_broken_document(tmp_path, fixture, junit_schema):
    text = _read(_write(tmp_path, fixture), "junit")
    broken = text.replace(' hostname="localhost"', "").replace('timestamp="2026-11-30T10:00:00"',
                                                               'timestamp="2026-11-30T10:00:00Z"')
    errors = _junit_errors(junit_schema, broken)
    assert any("hostname" in e for e in errors) and any("timestamp" in e for e in errors)


def test_markdown_names_each_resource_field_expected_and_actual(tmp_path, fixture):
    text = _read(_write(tmp_path, fixture), "markdown")
    assert "**9 finding(s)** on 6 of 8 resource(s) checked." in text
    assert "## Drift (5)" in text and "## Unmanaged resources (1)" in text and "## Compliance (3)" in text
    row = [line for line in text.splitlines() if "`metadata_options.http_tokens`" in line][0]
    assert "`lt-0123456789abcdef0`" in row and "`required`" in row and "`optional`" in row
    # a pipe in a value does not break the table
    policy = [line for line in text.splitlines() if "policy.Statement[1]" in line][0]
    assert policy.count(" | ") == 8 and "\\|" in policy
    assert "Zürich" in text


def test_markdown_of_a_clean_and_of_an_incomplete_run(tmp_path):
    clean = _read(write_reports([], str(tmp_path / "a"), "meridian-drift", checked_resources=["a", "b"],
                                generated_at=WHEN), "markdown")
    assert "**No finding**: 2 resource(s) checked." in clean
    failed = _read(write_reports([], str(tmp_path / "b"), "meridian-drift", generated_at=WHEN,
                                 errors=["us-east-1: endpoint unreachable"]), "markdown")
    assert "**Incomplete**" in failed and "- us-east-1: endpoint unreachable" in failed


def test_ocsf_compliance_findings(tmp_path, fixture):
    events = json.loads(_read(_write(tmp_path, fixture, tool_version="0.2.0"), "ocsf"))
    assert len(events) == len(fixture["findings"])
    by_control = dict((e["compliance"]["control"], e) for e in events)
    ssh = by_control["restricted-ssh"]
    assert (ssh["class_uid"], ssh["category_uid"], ssh["activity_id"], ssh["type_uid"]) == (2003, 2, 1, 200301)
    assert ssh["severity_id"] == 4 and ssh["severity"] == "High"
    assert ssh["time"] == 1796032800000 and ssh["finding_info"]["created_time"] == ssh["time"]
    assert ssh["compliance"]["status_id"] == 3 and ssh["compliance"]["standards"] == ["meridian-policy"]
    assert ssh["resources"] == [{"uid": "sg-0a1b2c3d4e5f60718", "name": "sg-0a1b2c3d4e5f60718",
                                 "type": "AWS::EC2::SecurityGroup", "region": "us-east-1", "cloud_partition": "aws"}]
    assert ssh["cloud"] == {"provider": "AWS", "region": "us-east-1"}
    assert ssh["metadata"]["version"] == "1.5.0"
    assert ssh["metadata"]["product"] == {"name": "meridian-drift", "vendor_name": "meridian.global_infra", "version": "0.2.0"}
    assert ssh["finding_info"]["uid"] == ssh["unmapped"]["meridian"]["fingerprint"]
    residency = by_control["data-residency"]
    assert residency["severity_id"] == 5 and residency["unmapped"]["meridian"]["expected"] == ["eu-west-1", "eu-central-1"]
    drift = by_control["amazon.aws.s3_bucket"]
    assert drift["compliance"]["standards"] == ["meridian-code"] and "remediation" not in drift


def test_ocsf_events_validate_against_the_compliance_finding_class(tmp_path, fixture, ocsf_validator):
    events = json.loads(_read(_write(tmp_path, fixture, tool_version="0.2.0"), "ocsf"))
    for event in events:
        assert _schema_errors(ocsf_validator, event) == [], event["finding_info"]["title"]
    assert json.loads(_read(write_reports([], str(tmp_path / "clean"), "meridian-compliance"), "ocsf")) == []


@pytest.mark.parametrize("path, value, error", [
    (("compliance", "rule"), "restricted-ssh", "Additional properties are not allowed ('rule' was unexpected)"),
    (("severity_id",), 7, "7 is not one of"),
    (("class_uid",), 2001, "2001 is not one of [2003]"),
    (("finding_info", "uid"), None, "'uid' is a required property"),
    (("cloud",), None, "'cloud' is a required property"),
    (("time",), "2026-11-30T10:00:00Z", "is not of type 'integer'"),
])
def test_the_ocsf_schema_catches_a_broken_event(tmp_path, fixture, ocsf_validator, path, value, error):
    event = json.loads(_read(_write(tmp_path, fixture), "ocsf"))[0]
    parent = event
    for key in path[:-1]:
        parent = parent[key]
    if value is None:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    assert any(error in e for e in _schema_errors(ocsf_validator, event))


def test_outputs_are_stable_for_the_same_input(tmp_path, fixture):
    one = render_reports(fixture["findings"], "meridian-drift", fixture["checked_resources"], generated_at=WHEN)
    two = render_reports(list(reversed(fixture["findings"])), "meridian-drift",
                         list(reversed(fixture["checked_resources"])), generated_at=WHEN)
    assert one == two


def test_a_naive_generated_at_is_utc():
    naive = render_reports([], "t", generated_at=datetime.datetime(2026, 11, 30, 10, 0, 0))
    assert naive == render_reports([], "t", generated_at=WHEN)


@pytest.mark.parametrize("kwargs, field", [
    (dict(tool="meridian drift"), "tool"),
    (dict(tool=""), "tool"),
    (dict(findings={"kind": "drift"}), "findings"),
    (dict(findings=["sg-1"]), "findings"),
    (dict(checked_resources="sg-1"), "checked_resources"),
    (dict(checked_resources=[{"id": "sg-1"}]), "checked_resources"),
    (dict(generated_at="2026-11-30"), "generated_at"),
])
def test_bad_input_is_refused_before_any_file_is_written(tmp_path, kwargs, field):
    args = dict(findings=[], out_dir=str(tmp_path / "report"), tool="meridian-drift")
    args.update(kwargs)
    with pytest.raises(ReportError) as err:
        write_reports(**args)
    assert err.value.field == field
    assert not (tmp_path / "report").exists()


def test_an_unwritable_directory_is_a_report_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ReportError) as err:
        write_reports([], str(blocker / "report"), "meridian-drift")
    assert err.value.field == "out_dir"


def test_a_rewrite_replaces_the_previous_report(tmp_path, fixture):
    _write(tmp_path, fixture)
    paths = write_reports([], str(tmp_path / "report"), "meridian-drift", generated_at=WHEN)
    assert json.loads(_read(paths, "json"))["findings"] == []
    assert sorted(os.listdir(str(tmp_path / "report"))) == REPORT_FILES


def test_the_validation_tool_passes_a_written_report_and_names_a_broken_file(tmp_path, fixture):
    out = tmp_path / "report"
    _write(tmp_path, fixture)
    assert validate_reports.main([str(out)]) == 0
    sarif = json.loads((out / "results.sarif").read_text())
    del sarif["runs"][0]["tool"]
    (out / "results.sarif").write_text(json.dumps(sarif))
    (out / "junit.xml").write_text("<testsuites><bogus/></testsuites>")
    errors = validate_reports.directory_errors(str(out))
    assert any(e.startswith(str(out / "results.sarif")) and "tool" in e for e in errors), errors
    assert any(e.startswith(str(out / "junit.xml")) for e in errors), errors
    assert validate_reports.main([str(out)]) == 1
