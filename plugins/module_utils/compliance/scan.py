# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance scan: every enabled rule over every resource it applies to, then the suppressions.

``scan(resources, policy, suppressions, today, context)`` returns
``{findings, suppressed, checked_resources, rules}``: the findings (the reports package's
``Finding`` dicts, kind ``compliance``, with their fingerprint), those a suppression in force
hides (with the suppression's reason and expiry), every resource at least one enabled rule judged
(what the reports list as checked), and the rules with their effective setting (a rule turned off carries its reason). An
expired suppression is a finding of rule ``suppression-expired``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import evaluators
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import rules as R
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import suppressions as S
from ansible_collections.meridian.global_infra.plugins.module_utils.reports import Finding

KIND = "compliance"


def _finding(spec, setting, resource, violation):
    return Finding(KIND, resource["resource_id"], rule=spec["id"], resource_type=resource["resource_type"],
                   region=resource["region"], provider=resource["provider"], field=violation["field"],
                   expected=violation["expected"], actual=violation["actual"], severity=setting["severity"],
                   message="%s. %s" % (violation["message"], spec["why"]), remediation=spec["remediation"])


def suppression_id(suppression):
    """The resource id an expired suppression is reported under: ``<rule>/<resource>``."""
    return "%s/%s" % (suppression["rule"], suppression["resource"])


def expired_finding(suppression, today, setting):
    spec = R.rule("suppression-expired")
    return Finding(KIND, suppression_id(suppression), rule=spec["id"], resource_type=R.SUPPRESSION, region="",
                   provider="meridian", field="expires", expected="on or after %s" % today.isoformat(),
                   actual=suppression["expires"].isoformat(), severity=setting["severity"],
                   message="the suppression of %s for %s (compliance_suppressions[%d], reason: %s) expired on %s. %s"
                   % (suppression["rule"], suppression["resource"], suppression["index"], suppression["reason"],
                      suppression["expires"].isoformat(), spec["why"]),
                   remediation=spec["remediation"])


def checked(resource):
    return dict((k, resource[k]) for k in ("resource_id", "resource_type", "region", "provider"))


def scan(resources, policy, suppressions, today, context):
    """Judge ``resources`` (compliance.resources) with ``policy`` (rules.resolve_policy) and
    ``suppressions`` (suppressions.validate) on ``today`` (a date)."""
    raw, judged = [], []
    for resource in resources:
        if any(policy[spec["id"]]["enabled"] and spec["evaluator"] and resource["resource_type"] in
               policy[spec["id"]]["resource_types"] for spec in R.RULES):
            judged.append(resource)
        for spec in R.RULES:
            setting = policy[spec["id"]]
            if not setting["enabled"] or not spec["evaluator"] or resource["resource_type"] not in setting["resource_types"]:
                continue
            for violation in evaluators.evaluate(spec["evaluator"], resource, setting["params"], context):
                finding = _finding(spec, setting, resource, violation).to_dict()
                raw.append((finding, resource["name"]))
    tagged = [dict(f, resource_name=name) for f, name in raw]
    kept, suppressed, expired = S.apply(tagged, suppressions, today)
    findings = [dict((k, v) for k, v in f.items() if k != "resource_name") for f in kept]
    if policy["suppression-expired"]["enabled"]:
        findings.extend(expired_finding(s, today, policy["suppression-expired"]).to_dict() for s in expired)
    findings.sort(key=lambda f: (f["region"], f["resource_type"], f["resource_id"], f["rule"], f["field"]))
    hidden = [dict((k, v) for k, v in f.items() if k != "resource_name") for f in suppressed]
    rules = [{"rule": spec["id"], "aws_config": spec["aws_config"], "enabled": policy[spec["id"]]["enabled"],
              "severity": policy[spec["id"]]["severity"], "resource_types": policy[spec["id"]]["resource_types"],
              "reason": policy[spec["id"]]["reason"]} for spec in R.RULES]
    return {"findings": findings, "suppressed": hidden, "checked_resources": [checked(r) for r in judged],
            "rules": rules}
