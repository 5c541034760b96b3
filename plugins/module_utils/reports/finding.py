# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one finding model of drift, unmanaged-resource and compliance reports, its stable
fingerprint, and the resource list a report covers. Pure: nothing here reads or writes files."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

KINDS = ("drift", "unmanaged", "compliance")
# Most severe first: the order of summaries and the "worst" severity of a resource.
SEVERITIES = ("critical", "high", "medium", "low", "info")
DEFAULT_RULES = {"drift": "drift", "unmanaged": "unmanaged-resource"}
FIELDS = ("kind", "rule", "resource_id", "resource_type", "region", "provider", "field", "expected", "actual",
          "severity", "message", "remediation")


class ReportError(MeridianError):
    """A finding or report input that cannot be written; ``field`` names it."""


def _text(name, value, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReportError(name, "must be a string, got %s" % type(value).__name__)
    if required and not value.strip():
        raise ReportError(name, "is required (a non-empty string)")
    return value


def _json_value(name, value):
    try:
        json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ReportError(name, "must be a JSON value (string, number, bool, null, list, dict): %s" % exc)
    return value


def format_value(value):
    """A value as text for people: strings as they are, ``None`` as ``(none)``, the rest as JSON."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def fingerprint(kind, rule, provider, region, resource_id, field):
    """SHA-256 hex of the compact UTF-8 JSON array [kind, rule, provider, region, resource_id, field]."""
    identity = json.dumps([kind, rule, provider, region, resource_id, field], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


class Finding(object):
    """One thing a report names: a drifted setting, an unmanaged resource or a failed rule.

    The package docstring documents every field. Instances compare and hash by value; ``fingerprint``
    is derived, never given.
    """

    __slots__ = FIELDS + ("fingerprint",)

    def __init__(self, kind, resource_id, rule=None, resource_type="", region="", provider="aws", field="",
                 expected=None, actual=None, severity="medium", message="", remediation=""):
        kind = _text("kind", kind, required=True)
        if kind not in KINDS:
            raise ReportError("kind", "must be one of %s, got %r" % (", ".join(KINDS), kind))
        if rule is None or rule == "":
            if kind not in DEFAULT_RULES:
                raise ReportError("rule", "is required for a %s finding (the rule id, e.g. restricted-ssh)" % kind)
            rule = DEFAULT_RULES[kind]
        severity = _text("severity", severity, required=True).lower()
        if severity not in SEVERITIES:
            raise ReportError("severity", "must be one of %s, got %r" % (", ".join(SEVERITIES), severity))
        values = dict(kind=kind, rule=_text("rule", rule, required=True),
                      resource_id=_text("resource_id", resource_id, required=True),
                      resource_type=_text("resource_type", resource_type), region=_text("region", region),
                      provider=_text("provider", provider, required=True), field=_text("field", field),
                      expected=_json_value("expected", expected), actual=_json_value("actual", actual),
                      severity=severity, message=_text("message", message),
                      remediation=_text("remediation", remediation))
        if not values["message"]:
            values["message"] = default_message(values)
        for name in FIELDS:
            object.__setattr__(self, name, values[name])
        object.__setattr__(self, "fingerprint", fingerprint(kind, values["rule"], values["provider"],
                                                            values["region"], values["resource_id"], values["field"]))

    def __setattr__(self, name, value):
        raise AttributeError("Finding is immutable; build a new one")

    @classmethod
    def from_dict(cls, data):
        """A finding from a plain dict (a module result, a JSON report). ``fingerprint`` is recomputed;
        a given one that differs is refused, as it would name another finding."""
        if isinstance(data, Finding):
            return data
        if not isinstance(data, dict):
            raise ReportError("findings", "each finding must be a Finding or a dict, got %s" % type(data).__name__)
        unknown = sorted(set(data) - set(FIELDS) - {"fingerprint"})
        if unknown:
            raise ReportError("findings", "unknown finding field(s) %s; known: %s" % (", ".join(unknown), ", ".join(FIELDS)))
        if "kind" not in data or "resource_id" not in data:
            raise ReportError("findings", "a finding needs at least kind and resource_id, got %s" % sorted(data))
        finding = cls(**dict((k, v) for k, v in data.items() if k != "fingerprint"))
        given = data.get("fingerprint")
        if given and given != finding.fingerprint:
            raise ReportError("fingerprint", "%s does not match the finding's identity (expected %s)" % (given, finding.fingerprint))
        return finding

    def to_dict(self):
        result = dict((name, getattr(self, name)) for name in FIELDS)
        result["fingerprint"] = self.fingerprint
        return result

    def sort_key(self):
        return (KINDS.index(self.kind), self.provider, self.region, self.resource_type, self.resource_id, self.field,
                self.rule)

    def resource_key(self):
        return (self.provider, self.region, self.resource_id)

    def __eq__(self, other):
        return isinstance(other, Finding) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.fingerprint)

    def __repr__(self):
        field = (" " + self.field) if self.field else ""
        return "Finding(%s %s %s %s%s)" % (self.kind, self.rule, self.resource_id, self.region, field)


def default_message(values):
    """Why, when the producer gave no message: the field's expected and actual values."""
    if values["kind"] == "unmanaged":
        return "%s is not declared by the code" % values["resource_id"]
    subject = values["field"] or values["resource_id"]
    if values["kind"] == "drift":
        return "%s: expected %s, got %s" % (subject, format_value(values["expected"]), format_value(values["actual"]))
    return "%s fails %s: expected %s, got %s" % (
        subject, values["rule"], format_value(values["expected"]), format_value(values["actual"]))


def normalise_findings(findings):
    """Findings (objects or dicts) sorted, duplicates (same fingerprint) dropped, the first kept."""
    if findings is None:
        return []
    if isinstance(findings, (dict, str)) or not hasattr(findings, "__iter__"):
        raise ReportError("findings", "must be a list of findings, got %s" % type(findings).__name__)
    seen = {}
    for item in findings:
        finding = Finding.from_dict(item)
        seen.setdefault(finding.fingerprint, finding)
    return sorted(seen.values(), key=lambda f: f.sort_key())


def normalise_resources(checked_resources, findings):
    """Every resource the report covers, sorted: the checked ones and any with a finding.

    Returns dicts {resource_id, resource_type, region, provider, findings: [Finding]}. A checked
    resource given as a bare id (or without region) matches the findings of that id in any region.
    """
    resources = {}
    for finding in findings:
        entry = resources.setdefault(finding.resource_key(), {
            "resource_id": finding.resource_id, "resource_type": finding.resource_type, "region": finding.region,
            "provider": finding.provider, "findings": []})
        entry["findings"].append(finding)
        if not entry["resource_type"]:
            entry["resource_type"] = finding.resource_type
    if checked_resources is None:
        checked_resources = []
    if isinstance(checked_resources, (dict, str)) or not hasattr(checked_resources, "__iter__"):
        raise ReportError("checked_resources", "must be a list of resource ids or dicts, got %s"
                          % type(checked_resources).__name__)
    for item in checked_resources:
        if isinstance(item, str):
            item = {"resource_id": item}
        if not isinstance(item, dict):
            raise ReportError("checked_resources", "each entry must be a resource id or a dict, got %s" % type(item).__name__)
        unknown = sorted(set(item) - {"resource_id", "resource_type", "region", "provider"})
        if unknown:
            raise ReportError("checked_resources", "unknown key(s) %s; known: resource_id, resource_type, region, provider"
                              % ", ".join(unknown))
        resource_id = _text("checked_resources.resource_id", item.get("resource_id"), required=True)
        region = _text("checked_resources.region", item.get("region"))
        provider = _text("checked_resources.provider", item.get("provider")) or "aws"
        resource_type = _text("checked_resources.resource_type", item.get("resource_type"))
        if region:
            matches = [key for key in resources if key == (provider, region, resource_id)]
        else:
            matches = [key for key in resources if key[2] == resource_id and key[0] == provider]
        for key in matches:
            if not resources[key]["resource_type"]:
                resources[key]["resource_type"] = resource_type
        if not matches:
            resources[(provider, region, resource_id)] = {"resource_id": resource_id, "resource_type": resource_type,
                                                          "region": region, "provider": provider, "findings": []}
    return [resources[key] for key in sorted(resources)]


def worst_severity(findings):
    """The most severe severity among findings, or None."""
    ranks = [SEVERITIES.index(f.severity) for f in findings]
    return SEVERITIES[min(ranks)] if ranks else None


def summary(findings, resources, errors=()):
    """Counts every format states: findings by kind and by severity, resources checked and failing."""
    return {
        "findings": len(findings),
        "resources": len(resources),
        "resources_with_findings": len([r for r in resources if r["findings"]]),
        "by_kind": dict((kind, len([f for f in findings if f.kind == kind])) for kind in KINDS),
        "by_severity": dict((sev, len([f for f in findings if f.severity == sev])) for sev in SEVERITIES),
        "errors": len(errors),
    }
