# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JUnit XML report (junit.xml), in the Apache Ant JUnit format CI systems read: one test suite
named after the tool, one test case per resource (a failure when it has findings; the failure's text
lists each), and a test case with an error per run error. Unmanaged resources have their own
class name (``<tool>.unmanaged.*``). It validates against the Ant JUnit XSD (tests/data/schemas/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import (
    format_value,
    worst_severity,
)


def _classname(tool, resource):
    """``<tool>[.unmanaged].<provider>.<region|global>[.<type>]``: CI views group test cases by it."""
    parts = [tool]
    if resource["findings"] and all(f.kind == "unmanaged" for f in resource["findings"]):
        parts.append("unmanaged")
    parts.extend([resource["provider"], resource["region"] or "global"])
    if resource["resource_type"]:
        parts.append(resource["resource_type"].replace("::", "."))
    return ".".join(p.replace(" ", "_") for p in parts)


def _failure_text(findings):
    lines = []
    for f in findings:
        lines.append("[%s] %s %s%s" % (f.severity, f.kind, f.rule, (" " + f.field) if f.field else ""))
        lines.append("  why: %s" % f.message)
        if f.kind != "unmanaged":
            lines.append("  expected: %s" % format_value(f.expected))
            lines.append("  actual: %s" % format_value(f.actual))
        if f.remediation:
            lines.append("  fix: %s" % f.remediation)
        lines.append("  fingerprint: %s" % f.fingerprint)
    return "\n".join(lines) + "\n"


def render(resources, tool, timestamp, errors=(), hostname="localhost"):
    """The document. ``timestamp``: ISO 8601 in UTC without a zone, as the XSD wants
    (``2026-11-30T10:00:00``)."""
    cases = []
    for resource in resources:
        findings = resource["findings"]
        if findings:
            message = "%d finding(s), worst %s: %s" % (len(findings), worst_severity(findings), findings[0].message)
            cases.append((resource["resource_id"], _classname(tool, resource), "failure", message, _failure_text(findings)))
        else:
            cases.append((resource["resource_id"], _classname(tool, resource), "pass", None, None))
    for index, error in enumerate(errors):
        cases.append(("run error %d" % (index + 1), tool + ".run", "error", error, error + "\n"))

    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", {
        "name": tool, "package": tool, "id": "0", "timestamp": timestamp, "hostname": hostname,
        "tests": str(len(cases)), "failures": str(len([c for c in cases if c[2] == "failure"])),
        "errors": str(len(errors)), "skipped": "0", "time": "0"})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "tool", "value": tool})
    for name, classname, outcome, message, text in cases:
        case = ET.SubElement(suite, "testcase", {"name": name, "classname": classname, "time": "0"})
        if outcome != "pass":
            element = ET.SubElement(case, outcome, {"message": message, "type": "finding" if outcome == "failure" else "error"})
            element.text = text
    ET.SubElement(suite, "system-out").text = ""
    ET.SubElement(suite, "system-err").text = ""
    _indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _indent(element, level=0):
    """Pretty-print in place (ElementTree.indent is Python 3.9+); failure/error texts are kept as is."""
    pad = "\n" + "  " * level
    if len(element):
        if not element.text or not element.text.strip():
            element.text = pad + "  "
        for child in element:
            _indent(child, level + 1)
        if not child.tail or not child.tail.strip():
            child.tail = pad
    if level and (not element.tail or not element.tail.strip()):
        element.tail = pad
