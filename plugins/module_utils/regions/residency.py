# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data-residency policy: jurisdiction -> allowed storage locations per data class.

The packaged defaults (``data/regions/residency_policy.json``) cite their legal source per rule and
are not legal advice. An inventory overrides them per jurisdiction and data class, and may add
data classes of its own.

A location token is ``*`` (anywhere), a group name from the policy (``EEA``, ``EU_ADEQUATE``...),
or an ISO 3166-1 alpha-2 country code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import (
    RegionSelectionError,
    find_region,
    load_policy,
    normalize_country,
)

DEFAULT_JURISDICTION = "default"


def _normalize_rule(value, field, groups):
    """A rule is a list of locations or {allowed: [...], denied: [...]}; return the dict form."""
    if isinstance(value, (list, tuple)):
        value = {"allowed": list(value)}
    if not isinstance(value, dict) or "allowed" not in value:
        raise RegionSelectionError(field, "a residency rule is a list of allowed locations or "
                                          "{allowed: [...], denied: [...]}, got %r" % (value,))
    out = dict(value)
    for key in ("allowed", "denied"):
        tokens = out.get(key) or []
        if not isinstance(tokens, (list, tuple)):
            raise RegionSelectionError("%s.%s" % (field, key), "expected a list of locations, got %r" % (tokens,))
        clean = []
        for i, token in enumerate(tokens):
            sub = "%s.%s[%d]" % (field, key, i)
            if token == "*" or token in groups:
                clean.append(token)
            else:
                clean.append(normalize_country(token, sub))
        out[key] = clean
    if not out["allowed"]:
        raise RegionSelectionError(field + ".allowed", "an empty allowed list would forbid every region; "
                                                       "list at least one location or '*'")
    return out


class ResidencyPolicy(object):
    """Resolved policy: which region countries may hold a data class for a market country."""

    def __init__(self, overrides=None, data_classes=None, document=None):
        # document: the packaged policy as load_policy() returns it, for code that cannot read the
        # package's data files (a module: only Python files reach it); default load_policy().
        policy = load_policy() if document is None else json.loads(json.dumps(document))
        self.groups = dict((k, set(v)) for k, v in policy["groups"].items())
        self.jurisdictions = policy["jurisdictions"]
        self.disclaimer = policy["disclaimer"]
        self.class_descriptions = policy["data_classes"]
        for name, row in (overrides or {}).items():
            field = "residency.%s" % name
            if not isinstance(row, dict):
                raise RegionSelectionError(field, "expected a mapping of data class -> allowed locations")
            row = dict(row)
            target = self.jurisdictions.get(name)
            if target is None:
                if "countries" not in row:
                    raise RegionSelectionError(field, "unknown jurisdiction %r; known: %s, or define a new one "
                                                      "with a 'countries' list"
                                               % (name, ", ".join(sorted(self.jurisdictions))))
                target = self.jurisdictions[name] = {"law": "inventory", "countries": [], "rules": {}}
            if "countries" in row:
                target["countries"] = [normalize_country(c, "%s.countries[%d]" % (field, i))
                                       for i, c in enumerate(row.pop("countries") or [])]
            for data_class, rule in row.items():
                rule = _normalize_rule(rule, "%s.%s" % (field, data_class), self.groups)
                rule.setdefault("source", "inventory override")
                target["rules"][data_class] = rule
        for name, row in self.jurisdictions.items():
            for data_class, rule in list(row["rules"].items()):
                row["rules"][data_class] = _normalize_rule(rule, "residency.%s.%s" % (name, data_class), self.groups)
        self.country_jurisdiction = {}
        for name, row in self.jurisdictions.items():
            for token in row.get("countries", []):
                for cc in self.groups.get(token, [token]):
                    self.country_jurisdiction[cc] = name
        self.data_classes = self._resolve_classes(data_classes)

    def _resolve_classes(self, data_classes):
        """Normalise the data_classes option into a list of names; custom rules are merged in."""
        if data_classes is None:
            data_classes = ["pii", "content_metadata", "operational"]
        if isinstance(data_classes, (list, tuple)):
            data_classes = dict((name, None) for name in data_classes)
        if not isinstance(data_classes, dict) or not data_classes:
            raise RegionSelectionError("data_classes", "expected a non-empty list of data class names, or a mapping "
                                                       "of data class -> rules per jurisdiction")
        names = []
        for name, rules in data_classes.items():
            field = "data_classes.%s" % name
            if rules:
                if not isinstance(rules, dict):
                    raise RegionSelectionError(field, "expected a mapping of jurisdiction -> allowed locations")
                for jurisdiction, rule in rules.items():
                    key = DEFAULT_JURISDICTION if jurisdiction == "*" else jurisdiction
                    if key not in self.jurisdictions:
                        raise RegionSelectionError("%s.%s" % (field, jurisdiction),
                                                   "unknown jurisdiction; known: %s" % ", ".join(sorted(self.jurisdictions)))
                    normalized = _normalize_rule(rule, "%s.%s" % (field, jurisdiction), self.groups)
                    normalized.setdefault("source", "inventory data_classes")
                    self.jurisdictions[key]["rules"][name] = normalized
            if name not in self.jurisdictions[DEFAULT_JURISDICTION]["rules"]:
                known = sorted(self.jurisdictions[DEFAULT_JURISDICTION]["rules"])
                raise RegionSelectionError(field, "no residency rule for data class %r; use one of %s or give its rules "
                                                  "({jurisdiction: [locations], '*': [...]} with a '*' default)"
                                           % (name, ", ".join(known)))
            names.append(name)
        return names

    def jurisdiction_of(self, country):
        return self.country_jurisdiction.get(country, DEFAULT_JURISDICTION)

    def rule(self, jurisdiction, data_class):
        rules = self.jurisdictions.get(jurisdiction, {}).get("rules", {})
        if data_class in rules:
            return rules[data_class]
        return self.jurisdictions[DEFAULT_JURISDICTION]["rules"][data_class]

    def _expand(self, tokens):
        out = set()
        for token in tokens:
            out |= self.groups.get(token, set([token]))
        return out

    def violation(self, data_class, source_country, target_country):
        """The one residency rule: may ``data_class`` data held under ``source_country``'s jurisdiction
        be stored in ``target_country``? None if so, else a dict with ``data_class``, ``jurisdiction``,
        ``from``, ``to``, ``allowed`` (the rule's locations) and ``source`` (its legal source)."""
        jurisdiction = self.jurisdiction_of(source_country)
        rule = self.rule(jurisdiction, data_class)
        denied = self._expand(rule.get("denied") or [])
        allowed = rule["allowed"]
        if target_country in denied or ("*" not in allowed and target_country not in self._expand(allowed)):
            return {
                "data_class": data_class,
                "jurisdiction": jurisdiction,
                "from": source_country,
                "to": target_country,
                "allowed": list(allowed),
                "source": rule.get("source", ""),
            }
        return None

    def allows(self, market_country, region_country):
        """(True, None) if every data class of a market may be stored in region_country, else (False, reason)."""
        for data_class in self.data_classes:
            found = self.violation(data_class, market_country, region_country)
            if found:
                return False, "%s data of %s (%s) may not be stored in %s" % (
                    data_class, market_country, found["jurisdiction"], region_country)
        return True, None

    def describe(self, jurisdiction):
        """The rules applied to a jurisdiction for the selected classes, for the explanation."""
        out = {}
        for data_class in self.data_classes:
            rule = self.rule(jurisdiction, data_class)
            out[data_class] = dict((k, rule[k]) for k in ("allowed", "denied", "source") if rule.get(k))
        return out


def copy_violations(copies, source_region, target_region, overrides=None, provider="aws"):
    """Copies of data from one region to another that would leave their data class's boundary.

    Every cross-region copy of data (bucket replication, a database's read replica, the drill's
    standby) is judged here, by ``ResidencyPolicy.violation``. ``copies`` is a list of dicts with
    ``name``, ``data_class`` and optionally ``field`` (the inventory variable that holds the data
    class, named when it is missing or unknown). ``source_region`` and ``target_region`` are codes
    of the region catalog for ``provider``; ``overrides`` are the inventory's residency overrides
    (jurisdiction -> data class -> locations, as region_select accepts them).

    Returns the violations (each ``name`` plus the keys of ``ResidencyPolicy.violation``); an empty
    list means every copy is allowed. Raises RegionSelectionError naming the field at fault.
    """
    if not isinstance(copies, (list, tuple)):
        raise RegionSelectionError("copies", "expected a list of {name, data_class}, got %r" % (copies,))
    for i, copy in enumerate(copies):
        field = (copy.get("field") if isinstance(copy, dict) else None) or "copies[%d].data_class" % i
        if not isinstance(copy, dict) or not isinstance(copy.get("data_class"), str) or not copy["data_class"].strip():
            raise RegionSelectionError(field, "no data class given; set the class of the data it holds (pii, "
                                              "content_metadata, operational, payment or a class of meridian_residency)")
    if not copies:
        return []
    policy = ResidencyPolicy(overrides=overrides or None)
    known = policy.jurisdictions[DEFAULT_JURISDICTION]["rules"]
    for i, copy in enumerate(copies):
        if copy["data_class"] not in known:
            raise RegionSelectionError(copy.get("field") or "copies[%d].data_class" % i,
                                       "no residency rule for data class %r; use one of %s or give its rules in "
                                       "meridian_residency" % (copy["data_class"], ", ".join(sorted(known))))
    source = find_region("%s/%s" % (provider, source_region), "meridian_region")
    target = find_region("%s/%s" % (provider, target_region), "meridian_failover_region")
    out = []
    for copy in copies:
        found = policy.violation(copy["data_class"], source["country"], target["country"])
        if found:
            found["name"] = copy.get("name")
            out.append(found)
    return out
