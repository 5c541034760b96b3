# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Suppressions: exceptions to a rule for one resource, each with a reason and an expiry date.

A suppression is ``{rule, resource, reason, expires}``: ``rule`` a rule id, ``resource`` a resource
id or name (shell-style wildcards allowed: ``meridian-local-*-logs``), ``reason`` why the exception
is acceptable, ``expires`` the last day (``YYYY-MM-DD``, UTC) it applies. Every field is required:
an exception without an end is a rule turned off, which ``compliance_rules`` says openly.

From ``expires`` on the day after, the suppression no longer hides anything and is itself a
finding (rule ``suppression-expired``), so that an exception cannot outlive its decision silently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import fnmatch

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

REQUIRED = ("rule", "resource", "reason", "expires")


def parse_date(value, field):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.datetime.strptime(str(value).strip(), "%Y-%m-%d").date()
    except ValueError:
        raise MeridianError(field, "expected a date YYYY-MM-DD, got %r" % (value,))


def validate(suppressions, known_rules, field="compliance_suppressions"):
    """The suppressions checked and normalised (``expires`` a date); raises MeridianError naming the field."""
    if suppressions is None:
        return []
    if not isinstance(suppressions, (list, tuple)):
        raise MeridianError(field, "expected a list of {rule, resource, reason, expires}, got %r" % (suppressions,))
    out = []
    for i, item in enumerate(suppressions):
        where = "%s[%d]" % (field, i)
        if not isinstance(item, dict):
            raise MeridianError(where, "expected {rule, resource, reason, expires}, got %r" % (item,))
        for key in REQUIRED:
            value = item.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise MeridianError("%s.%s" % (where, key), "required: a suppression names the rule and the resource, "
                                                            "says why, and ends on a date")
        extra = sorted(set(item) - set(REQUIRED))
        if extra:
            raise MeridianError("%s.%s" % (where, extra[0]), "unknown key; a suppression has %s" % ", ".join(REQUIRED))
        if item["rule"] not in known_rules:
            raise MeridianError(where + ".rule", "unknown rule %r; known rules: %s"
                                % (item["rule"], ", ".join(sorted(known_rules))))
        out.append({"rule": item["rule"], "resource": str(item["resource"]), "reason": str(item["reason"]).strip(),
                    "expires": parse_date(item["expires"], where + ".expires"), "index": i})
    return out


def matches(suppression, finding):
    if suppression["rule"] != finding["rule"]:
        return False
    names = [finding.get("resource_id"), finding.get("resource_name")]
    return any(n and fnmatch.fnmatchcase(str(n), suppression["resource"]) for n in names)


def is_expired(suppression, today):
    return today > suppression["expires"]


def apply(findings, suppressions, today):
    """Split ``findings`` by the suppressions in force on ``today``.

    Returns ``(kept, suppressed, expired)``: the findings no suppression in force hides; the hidden
    ones, each with the ``suppression`` that hides it (reason, expiry); and the expired
    suppressions (which hide nothing).
    """
    active = [s for s in suppressions if not is_expired(s, today)]
    expired = [s for s in suppressions if is_expired(s, today)]
    kept, suppressed = [], []
    for finding in findings:
        hit = next((s for s in active if matches(s, finding)), None)
        if hit is None:
            kept.append(finding)
        else:
            suppressed.append(dict(finding, suppression={"reason": hit["reason"], "expires": hit["expires"].isoformat(),
                                                         "resource": hit["resource"]}))
    return kept, suppressed, expired
