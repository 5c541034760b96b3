# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From one task result of a check-mode run to drift findings (pure).

A task that would change something is drift. Its module's ``diff`` (``{before, after}``, one or a
list of them) gives the fields: ``after`` is what the code declares (expected), ``before`` what the
estate holds (actual). Where a module has no check mode, a role may show its own comparison in check mode instead: a
``debug`` task that reports a change with ``msg: {before, after, resource_type, region}`` (``shown_comparison``).
A module that gives no diff still names its resource (from its arguments or
the loop label) and, where the role's loop label lists them as ``<resource> (<field>, <field>)``, the
fields; the expected value is then the module argument of that name, the actual one is unknown.
Tasks whose module has no check mode are skipped by Ansible under ``--check``: they are listed as not
checked, never as drift.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# Module arguments that name the resource a task manages, most specific first.
RESOURCE_KEYS = ("template_name", "db_instance_identifier", "log_group_name", "bucket", "name", "record",
                 "zone", "alias", "iam_name", "policy_name", "resource_id", "resource", "vpc_id", "cidr")

# Collections (or module name prefixes) and the provider they manage.
_PROVIDERS = (("meridian.global_infra.gce_", "gcp"), ("meridian.global_infra.k8s_", "kubernetes"),
              ("kubernetes.core.", "kubernetes"), ("google.cloud.", "gcp"), ("amazon.aws.", "aws"),
              ("community.aws.", "aws"), ("meridian.global_infra.", "aws"))

# Actions that read or compute and never manage a resource (never drift, never a checked resource).
_NOT_RESOURCES = re.compile(r"(^ansible\.(builtin|legacy)\.|_info$|_facts$|^meridian\.global_infra\.dr_)")

_LABEL_FIELDS = re.compile(r"^(?P<resource>.*\S)\s+\((?P<fields>[A-Za-z0-9_.:-]+(?:,\s*[A-Za-z0-9_.:-]+)*)\)$")

MAX_VALUE_CHARS = 2000

NO_DIFF = "the module reported a change and gave no diff"


def manages_resource(action):
    """Whether a task's action manages a resource (not a read, a fact or a control step)."""
    return bool(action) and "." in action and not _NOT_RESOURCES.search(action)


def provider_of(action, default="aws"):
    for prefix, provider in _PROVIDERS:
        if action.startswith(prefix):
            return provider
    return default


def resource_type_of(action):
    """``amazon.aws.ec2_security_group`` -> ``ec2_security_group``."""
    return action.rsplit(".", 1)[-1]


def _tags_name(tags):
    if isinstance(tags, dict):
        return tags.get("Name")
    if isinstance(tags, list):  # autoscaling_group's [{Name: x, propagate_at_launch: ...}] or [{key, value}]
        for tag in tags:
            if isinstance(tag, dict):
                if "Name" in tag:
                    return tag["Name"]
                if tag.get("key", tag.get("Key")) == "Name":
                    return tag.get("value", tag.get("Value"))
    return None


def resource_name(args, label=None, task_name=""):
    """The resource a task manages: the first naming argument, the ``Name`` tag, the loop label, the task name."""
    args = args or {}
    for key in RESOURCE_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value:
            return value
    name = _tags_name(args.get("tags"))
    if name:
        return str(name)
    if label not in (None, ""):
        match = _LABEL_FIELDS.match(str(label))
        return match.group("resource") if match else str(label)
    return task_name


def label_fields(label):
    """The fields a loop label lists after the resource: ``web (max_size, tags)`` -> ['max_size', 'tags']."""
    match = _LABEL_FIELDS.match(str(label or ""))
    if not match:
        return []
    return [f.strip() for f in match.group("fields").split(",") if f.strip()]


def _short(value):
    """A value as the report shows it: JSON-able, strings cut to MAX_VALUE_CHARS."""
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "... (%d chars)" % len(value)
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)
    if len(text) > MAX_VALUE_CHARS:
        return text[:MAX_VALUE_CHARS] + "... (%d chars)" % len(text)
    return value


def _key(value):
    return json.dumps(value, sort_keys=True, default=str)


def _norm(value):
    """A value as compared: digit strings as numbers (modules' diffs hold ports as "443" on one side, 443 on the other)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, dict):
        return dict((k, _norm(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _covers(expected, actual):
    """Whether ``actual`` holds what ``expected`` states: equal, or for dicts every key ``expected`` gives
    (a module's ``after`` may carry more or fewer details of an item than the read-back)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and _covers(v, actual[k]) for k, v in expected.items() if k in actual) and \
            any(k in actual for k in expected) or expected == actual
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(any(_covers(e, a) for a in actual) for e in expected)
    return expected == actual


def _list_delta(expected, actual):
    """What a list lacks (expected, matched by no item there) and holds in excess (there, matching no expected item)."""
    missing = [e for e in expected if not any(_covers(e, a) or _covers(a, e) for a in actual)]
    extra = [a for a in actual if not any(_covers(e, a) or _covers(a, e) for e in expected)]
    return missing, extra


def _walk(expected, actual, path, out):
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            sub = "%s.%s" % (path, key) if path else str(key)
            if key not in actual:
                out.append((sub, expected[key], None))
            elif key not in expected:
                if path:  # a top-level attribute the code does not state (an ARN, an ID) is not drift
                    out.append((sub, None, actual[key]))
            else:
                _walk(expected[key], actual[key], sub, out)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if sorted(_key(v) for v in expected) == sorted(_key(v) for v in actual):
            return  # the same items in another order
        missing, extra = _list_delta(expected, actual)
        if missing or extra:
            out.append((path or "value", missing, extra))
        elif len(expected) != len(actual):  # the same items, other counts
            out.append((path or "value", expected, actual))
        return
    if expected != actual:
        out.append((path or "value", expected, actual))


def _empty(value):
    return value in (None, "", {}, [])


def diff_fields(diff):
    """Per-field differences of a module's diff: [(field, expected, actual)].

    ``diff`` is ``{before, after[, before_header, after_header]}`` or a list of them. ``after`` is
    what the code declares, ``before`` what the estate holds. A resource that is missing gives the
    field ``state`` (expected present, actual absent). Text (a file, a manifest) gives one field named
    after its header, or ``content``. For lists, ``expected`` holds the items missing and ``actual``
    the items in excess.
    """
    if diff is None:
        return []
    if isinstance(diff, list):
        out = []
        for part in diff:
            out.extend(diff_fields(part))
        return out
    if not isinstance(diff, dict):
        return [("content", None, _short(diff))]
    before, after = diff.get("before"), diff.get("after")
    if "before" not in diff and "after" not in diff:
        if diff.get("prepared"):
            return [("content", _short(diff["prepared"]), None)]
        return []
    if _empty(before) and not _empty(after):
        return [("state", "present", "absent")]
    if _empty(after) and not _empty(before):
        return [("state", "absent", "present")]
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        _walk(_norm(after), _norm(before), "", out)
        return [(f, _short(e), _short(a)) for f, e, a in out]
    if before == after:
        return []
    field = diff.get("after_header") or diff.get("before_header") or "content"
    return [(str(field), _short(after), _short(before))]


def tag_fields(result):
    """Per-tag differences from a result's ``added_tags`` / ``removed_tags`` (amazon.aws.ec2_tag and others
    that give no diff): [("tags.<key>", expected, actual)]; ``tags`` holds the tags as they are (check mode)."""
    have = result.get("tags") if isinstance(result.get("tags"), dict) else {}
    out = []
    for key, value in sorted((result.get("added_tags") or {}).items()):
        out.append(("tags.%s" % key, value, have.get(key)))
    for key, value in sorted((result.get("removed_tags") or {}).items()):
        out.append(("tags.%s" % key, None, value))
    return out


def shown_comparison(action, result):
    """A comparison a role shows for a module without check mode: a ``debug`` task reporting a change whose
    ``msg`` is ``{before, after[, resource_type, region, differs]}`` (the storage role's buckets). None otherwise."""
    msg = result.get("msg")
    if action.rsplit(".", 1)[-1] == "debug" and isinstance(msg, dict) and "before" in msg and "after" in msg:
        return msg
    return None


def drift_findings(action, result, args=None, label=None, task_name="", region=None):
    """The drift findings of one task result (a loop item's or a task's) of a check-mode run.

    Returns [] unless the result reports a change of a resource-managing action. Each finding is a
    dict with the fields of the reports' Finding (kind ``drift``; no fingerprint: the reports
    package computes it).
    """
    if not result.get("changed") or result.get("failed") or result.get("skipped"):
        return []
    shown = shown_comparison(action, result)
    if shown is None and not manages_resource(action):
        return []
    args = args or (result.get("invocation") or {}).get("module_args") or {}
    resource = resource_name(args, label, task_name)
    diff = result.get("diff") if shown is None else {"before": shown.get("before"), "after": shown.get("after")}
    base = {
        "kind": "drift",
        "rule": "drift",
        "resource_id": resource,
        "resource_type": resource_type_of(action) if shown is None else str(shown.get("resource_type") or ""),
        "region": region or args.get("region") or ("" if shown is None else str(shown.get("region") or "")),
        "provider": provider_of(action),
        "severity": "medium",
        "remediation": "run playbooks/provision.yml to restore the declared state, or change the inventory/roles "
                       "to declare the new one (task: %s)" % task_name,
    }
    fields = diff_fields(diff) or tag_fields(result)
    findings = []
    if fields:
        for field, expected, actual in fields:
            findings.append(dict(base, field=field, expected=expected, actual=actual,
                                 message="%s %s: %s differs from the code (expected %s, actual %s)"
                                 % (base["resource_type"], resource, field, _text(expected), _text(actual))))
        return findings
    named = label_fields(label)
    for field in named:
        expected = args.get(field)
        findings.append(dict(base, field=field, expected=_short(expected), actual=None,
                             message="%s %s: %s differs from the code (expected %s; %s)"
                             % (base["resource_type"], resource, field, _text(expected), NO_DIFF)))
    if not findings:
        findings.append(dict(base, field="", expected=None, actual=None,
                             message="%s %s would be changed: %s; %s" % (base["resource_type"], resource, NO_DIFF,
                                                                         result.get("msg") or "")))
    return findings


def _text(value):
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def checked_resource(action, result, args=None, label=None, task_name="", region=None):
    """The resource a resource-managing task checked, for the reports' list of checked resources; None otherwise."""
    if result.get("failed") or result.get("skipped") or not manages_resource(action):
        return None
    args = args or (result.get("invocation") or {}).get("module_args") or {}
    return {
        "resource_id": resource_name(args, label, task_name),
        "resource_type": resource_type_of(action),
        "region": region or args.get("region") or "",
        "provider": provider_of(action),
    }


def unchecked(action, result):
    """Whether Ansible skipped the task because its module has no check mode."""
    return bool(result.get("skipped")) and "check mode" in str(result.get("msg", "")) and manages_resource(action)


def unmanaged_findings(scan_result, region=None, provider="aws"):
    """The estate_resources_info result's ``unmanaged`` list as findings (kind ``unmanaged``)."""
    findings = []
    for item in scan_result.get("unmanaged") or []:
        findings.append({
            "kind": "unmanaged",
            "rule": "unmanaged-resource",
            "resource_id": item["id"],
            "resource_type": item["kind"],
            "region": item.get("region") or region or "",
            "provider": provider,
            "field": "",
            "expected": "declared by the code, or absent",
            "actual": item.get("reason", "present"),
            "severity": "low",
            "message": "%s %s%s is not declared by the code: %s" % (
                item["kind"], item["id"], " (%s)" % item["name"] if item.get("name") else "", item.get("reason", "")),
            "remediation": "declare it in the inventory/roles, or remove it (it is not the estate's: teardown leaves it)",
        })
    return findings


def merge(findings):
    """Findings without duplicates, and without a resource's field-less finding (a module that gave no diff)
    where a comparison the role showed names the fields of the same resource."""
    named = set((f["provider"], f["region"], f["resource_type"], f["resource_id"]) for f in findings
                if f["kind"] == "drift" and f.get("field"))
    out, seen = [], set()
    for f in findings:
        key = (f["kind"], f["provider"], f["region"], f["resource_type"], f["resource_id"], f.get("field", ""))
        if key in seen or (f["kind"] == "drift" and not f.get("field") and key[1:5] in named):
            continue
        seen.add(key)
        out.append(f)
    return out
