# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Markdown summary (summary.md), for a pull request comment or a CI job summary: the verdict,
counts, then one table per kind with each resource, field, expected and actual value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import (
    KINDS,
    SEVERITIES,
    format_value,
)

_TITLES = {"drift": "Drift", "unmanaged": "Unmanaged resources", "compliance": "Compliance"}
_MAX_CELL = 200


def _cell(value):
    text = format_value(value) if not isinstance(value, str) else value
    text = " ".join(text.split())
    if len(text) > _MAX_CELL:
        text = text[:_MAX_CELL - 1] + "..."
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'") or " "


def _code(value):
    text = _cell(value)
    return "`%s`" % text if text.strip() else " "


def render(findings, resources, tool, generated_at, errors=()):
    lines = ["# %s report" % tool, "", "Generated %s." % generated_at, ""]
    with_findings = len([r for r in resources if r["findings"]])
    if errors:
        lines.append("**Incomplete**: %d error(s) stopped part of the check; the findings below may not be all." % len(errors))
    elif findings:
        lines.append("**%d finding(s)** on %d of %d resource(s) checked." % (len(findings), with_findings, len(resources)))
    else:
        lines.append("**No finding**: %d resource(s) checked." % len(resources))
    lines.append("")
    if findings:
        counts = ", ".join("%s %d" % (s, len([f for f in findings if f.severity == s]))
                           for s in SEVERITIES if any(f.severity == s for f in findings))
        lines.extend(["By severity: %s." % counts, ""])
    if errors:
        lines.extend(["## Errors", ""] + ["- %s" % _cell(e) for e in errors] + [""])
    for kind in KINDS:
        items = [f for f in findings if f.kind == kind]
        if not items:
            continue
        lines.extend(["## %s (%d)" % (_TITLES[kind], len(items)), ""])
        if kind == "unmanaged":
            lines.append("| severity | provider | region | type | resource | why | how to fix |")
            lines.append("|---|---|---|---|---|---|---|")
            for f in items:
                lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                    f.severity, f.provider, _cell(f.region or "global"), _cell(f.resource_type), _code(f.resource_id),
                    _cell(f.message), _cell(f.remediation)))
        else:
            lines.append("| severity | rule | region | resource | field | expected | actual | why | how to fix |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            for f in items:
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    f.severity, _cell(f.rule), _cell(f.region or "global"), _code(f.resource_id), _code(f.field),
                    _code(f.expected), _code(f.actual), _cell(f.message), _cell(f.remediation)))
        lines.append("")
    lines.append("Fingerprints, full values and the resources checked: findings.json.")
    return "\n".join(lines) + "\n"
