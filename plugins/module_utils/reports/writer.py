# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""write_reports: every format of one report into a directory. Each file is written to a temporary
name and renamed, and findings.json comes last, so a reader that finds findings.json finds a whole
report (tools/report_run.py relies on this)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import tempfile

from ansible_collections.meridian.global_infra.plugins.module_utils.reports import (
    json_report,
    junit,
    markdown,
    ocsf,
    sarif,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import (
    ReportError,
    normalise_findings,
    normalise_resources,
)

# format -> file name; findings.json is written last.
FILES = (("junit", "junit.xml"), ("sarif", "results.sarif"), ("markdown", "summary.md"), ("ocsf", "ocsf.json"),
         ("json", "findings.json"))


def _utc(generated_at):
    if generated_at is None:
        return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    if not isinstance(generated_at, datetime.datetime):
        raise ReportError("generated_at", "must be a datetime, got %s" % type(generated_at).__name__)
    if generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=datetime.timezone.utc)
    return generated_at.astimezone(datetime.timezone.utc).replace(microsecond=0)


def _write(path, text):
    directory = os.path.dirname(path)
    handle, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def render_reports(findings, tool, checked_resources=None, errors=None, generated_at=None, tool_version=None,
                   source=None, hostname="localhost"):
    """Every format as text, {format: text}, without touching files (write_reports' pure half)."""
    if not isinstance(tool, str) or not tool.strip() or any(c.isspace() for c in tool):
        raise ReportError("tool", "must name the producer without spaces, e.g. meridian-drift, got %r" % (tool,))
    findings = normalise_findings(findings)
    resources = normalise_resources(checked_resources, findings)
    errors = [str(e) for e in (errors or [])]
    when = _utc(generated_at)
    iso_z = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "json": json_report.render(findings, resources, tool, iso_z, errors, tool_version),
        "junit": junit.render(resources, tool, when.strftime("%Y-%m-%dT%H:%M:%S"), errors, hostname),
        "sarif": sarif.render(findings, tool, iso_z, errors, tool_version, source),
        "markdown": markdown.render(findings, resources, tool, iso_z, errors),
        "ocsf": ocsf.render(findings, tool, int((when - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
                                                .total_seconds()) * 1000, tool_version),
    }


def write_reports(findings, out_dir, tool, checked_resources=None, errors=None, generated_at=None, tool_version=None,
                  source=None, hostname="localhost"):
    """Write findings.json, junit.xml, results.sarif, summary.md and ocsf.json into ``out_dir``.

    ``findings``: Finding objects or dicts. ``tool``: the producer's name (no spaces). ``checked_resources``:
    every resource examined (ids or dicts with resource_id[, resource_type, region, provider]).
    ``errors``: reasons the run could not check everything. ``generated_at``: a datetime (UTC if
    naive; default now). ``tool_version``: recorded in SARIF/OCSF/JSON. ``source``: a repository path
    given to SARIF results as their file location. Returns {format: path}.
    """
    texts = render_reports(findings, tool, checked_resources, errors, generated_at, tool_version, source, hostname)
    if not isinstance(out_dir, str) or not out_dir:
        raise ReportError("out_dir", "must be a directory path, got %r" % (out_dir,))
    try:
        os.makedirs(out_dir, exist_ok=True)
        paths = {}
        for name, filename in FILES:
            paths[name] = os.path.join(out_dir, filename)
            _write(paths[name], texts[name])
    except OSError as exc:
        raise ReportError("out_dir", "cannot write the report into %s: %s" % (out_dir, exc))
    return paths
