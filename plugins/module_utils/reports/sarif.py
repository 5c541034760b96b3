# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SARIF 2.1.0 report (results.sarif) for code-scanning views: one run, one reporting
descriptor (rule) per rule id, one result per finding with the resource as a logical location and
the finding's fingerprint under ``fingerprints``. Code-scanning services (GitHub) also want a file
location: ``source`` (e.g. the playbook or inventory that declares the estate) is given to every
result as its physical location. Validates against the OASIS SARIF 2.1.0 schema
(tests/data/schemas/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import format_value

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "meridianFinding/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning ranks security results by this property (0.0-10.0, CVSS bands).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
_KIND_TITLES = {"drift": "Live setting differs from the code", "unmanaged": "Resource not declared by the code",
                "compliance": "Policy rule"}


def _rule(rule_id, findings):
    first = findings[0]
    worst = min(findings, key=lambda f: ("critical", "high", "medium", "low", "info").index(f.severity)).severity
    title = _KIND_TITLES[first.kind]
    descriptor = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("_", "-").replace(".", "-").split("-") if part),
        "shortDescription": {"text": "%s: %s" % (title, rule_id)},
        "defaultConfiguration": {"level": LEVELS[worst]},
        "properties": {"tags": sorted(set([first.kind] + [f.provider for f in findings])),
                       "security-severity": SECURITY_SEVERITY[worst]},
    }
    if first.remediation:
        descriptor["help"] = {"text": first.remediation}
    return descriptor


def _result(finding, rule_index, source):
    location = {"logicalLocations": [{
        "name": finding.resource_id,
        "fullyQualifiedName": "/".join([finding.provider, finding.region or "global", finding.resource_type or "resource",
                                        finding.resource_id]),
        "kind": "resource"}]}
    if source:
        location["physicalLocation"] = {"artifactLocation": {"uri": source}, "region": {"startLine": 1}}
    text = finding.message
    if finding.remediation:
        text = "%s Fix: %s" % (text.rstrip(), finding.remediation)
    properties = {"kind": finding.kind, "severity": finding.severity, "provider": finding.provider,
                  "region": finding.region, "resourceId": finding.resource_id, "resourceType": finding.resource_type,
                  "field": finding.field}
    if finding.kind != "unmanaged":
        properties.update(expected=finding.expected, actual=finding.actual,
                          expectedText=format_value(finding.expected), actualText=format_value(finding.actual))
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "fingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }


def sarif_dict(findings, tool, generated_at, errors=(), tool_version=None, source=None,
               information_uri=None):
    """``generated_at``: ISO 8601 UTC with ``Z`` (``2026-11-30T10:00:00Z``)."""
    rule_ids = []
    by_rule = {}
    for finding in findings:
        if finding.rule not in by_rule:
            rule_ids.append(finding.rule)
        by_rule.setdefault(finding.rule, []).append(finding)
    rule_ids.sort()
    driver = {"name": tool, "rules": [_rule(rule_id, by_rule[rule_id]) for rule_id in rule_ids]}
    if tool_version:
        driver["version"] = str(tool_version)
    if information_uri:
        driver["informationUri"] = information_uri
    invocation = {"executionSuccessful": not errors, "endTimeUtc": generated_at}
    if errors:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": e}} for e in errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": "%s/" % tool},
            "invocations": [invocation],
            "results": [_result(f, rule_ids.index(f.rule), source) for f in findings],
        }],
    }


def render(findings, tool, generated_at, errors=(), tool_version=None, source=None, information_uri=None):
    return json.dumps(sarif_dict(findings, tool, generated_at, errors, tool_version, source, information_uri),
                      indent=2, sort_keys=True) + "\n"
