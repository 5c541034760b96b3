# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON report (findings.json): the findings as the model holds them, the resources checked,
counts and errors. The exit-code wrapper (tools/report_run.py) reads this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import summary

# Bumped when a field changes meaning or goes away; new fields do not bump it.
SCHEMA_VERSION = 1


def report_dict(findings, resources, tool, generated_at, errors=(), tool_version=None):
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": tool, "version": tool_version},
        "generated_at": generated_at,
        "complete": not errors,
        "errors": list(errors),
        "summary": summary(findings, resources, errors),
        "findings": [f.to_dict() for f in findings],
        "resources": [dict((k, v) for k, v in r.items() if k != "findings") for r in resources],
    }


def render(findings, resources, tool, generated_at, errors=(), tool_version=None):
    return json.dumps(report_dict(findings, resources, tool, generated_at, errors, tool_version), indent=2,
                      sort_keys=True) + "\n"
