# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings and their reports: one model for drift, unmanaged resources and compliance, and the
files CI and security tooling read (JSON, JUnit XML, SARIF 2.1.0, Markdown, OCSF).

Public names (this package re-exports them; the modules below hold the code):

``Finding(kind, resource_id, rule=None, resource_type="", region="", provider="aws", field="",
expected=None, actual=None, severity="medium", message="", remediation="")``, a value object:

- ``kind``: ``drift`` (a declared resource differs from the code), ``unmanaged`` (a resource carrying
  the estate's tags or inside its networks that the code does not declare) or ``compliance`` (a
  policy rule fails).
- ``rule``: what was checked. Compliance: the rule id (``restricted-ssh``, named after the AWS Config
  managed rule it mirrors). Drift: the module or check that saw the change (default ``drift``).
  Unmanaged: default ``unmanaged-resource``. Required for ``compliance``.
- ``resource_id``: the provider's identifier of the resource (an id, name or ARN). Required.
- ``resource_type``: its type, e.g. ``AWS::EC2::SecurityGroup`` (CloudFormation names where one
  exists) or ``""`` when unknown.
- ``region``: the provider region (``us-east-1``), ``global`` for global services, ``""`` unknown.
- ``provider``: ``aws``, ``gcp``, ``kubernetes``... (default ``aws``).
- ``field``: the setting that differs or fails (dotted path, ``ingress[0].cidr``), ``""`` for the
  resource as a whole.
- ``expected``: the value the code or the policy wants (any JSON value; ``None``: absent / none).
- ``actual``: the value read from the live estate (any JSON value; ``None``: absent / none).
- ``severity``: ``critical``, ``high``, ``medium``, ``low`` or ``info``.
- ``message``: why this is a finding, one sentence; generated from field/expected/actual if empty.
- ``remediation``: how to fix it (the change to make, or how to suppress it).
- ``fingerprint`` (read-only): the finding's stable identity across runs, the SHA-256 hex digest
  of the UTF-8 JSON array ``[kind, rule, provider, region, resource_id, field]`` (compact
  separators). Values and wording do not change it, so a finding keeps its identity while its
  actual value changes; suppressions and code-scanning views key on it.

``Finding.from_dict(data)`` / ``finding.to_dict()`` convert to and from plain dicts (module results,
JSON); ``to_dict()`` includes the fingerprint.

``write_reports(findings, out_dir, tool, checked_resources=None, errors=None, ...)`` writes, into
``out_dir`` (created if needed), ``findings.json``, ``junit.xml``, ``results.sarif``,
``summary.md`` and ``ocsf.json``, and returns ``{format: path}``. ``findings`` are ``Finding``
objects or dicts; ``tool`` names the producer (``meridian-drift``); ``checked_resources`` lists every
resource examined (resource ids, or dicts with ``resource_id`` and optionally ``resource_type``,
``region``, ``provider``), so that JUnit has a passing test case for each resource without a finding;
``errors`` lists reasons the run could not check everything (a report with errors is not a clean
report). ``findings.json`` is written last, so its presence means the whole report was written.

Modules: ``finding`` (the model), ``json_report``, ``junit``, ``sarif``, ``markdown``, ``ocsf``
(renderers, pure), ``writer`` (write_reports, the only one touching files).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.reports.finding import Finding, ReportError  # noqa: F401
from ansible_collections.meridian.global_infra.plugins.module_utils.reports.writer import write_reports  # noqa: F401

__all__ = ["Finding", "ReportError", "write_reports"]
