# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for S3 bucket replication: validation, the request, normalisation, comparison.

Nothing here calls an API. The desired configuration is always written in the current (V2) rule
schema: a ``Filter``, a ``Priority`` and ``DeleteMarkerReplication`` on every rule. What S3 returns is
normalised into the same shape (an empty filter and a filter with an empty prefix are the same, rules
are compared by id, absent optional settings take their documented defaults) so that a configuration
is rewritten only when it really differs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import re

STORAGE_CLASSES = ("DEEP_ARCHIVE", "GLACIER", "GLACIER_IR", "INTELLIGENT_TIERING", "ONEZONE_IA",
                   "REDUCED_REDUNDANCY", "STANDARD", "STANDARD_IA")

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_ARN = re.compile(r"^arn:(aws[a-z-]*):s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")
_KMS_KEY = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/+=,.@-]+)$")
_ACCOUNT = re.compile(r"^\d{12}$")


class ReplicationError(MeridianError):
    """A replication setting that cannot be applied; ``field`` names the option."""


def bucket_arn(value, field):
    """An S3 bucket ARN from an ARN or a bare bucket name (standard partition)."""
    if not isinstance(value, str) or not value:
        raise ReplicationError(field, "expected a bucket name or ARN, got %r" % (value,))
    if value.startswith("arn:"):
        if not _BUCKET_ARN.match(value):
            raise ReplicationError(field, "%r is not an S3 bucket ARN (arn:aws:s3:::BUCKET)" % value)
        return value
    if not _BUCKET_NAME.match(value) or ".." in value:
        raise ReplicationError(field, "%r is not a valid bucket name (3-63 lowercase letters, digits, '.', '-')" % value)
    return "arn:aws:s3:::" + value


def bucket_name(arn):
    """The bucket name of an S3 bucket ARN."""
    return arn.split(":::", 1)[-1]


def _status(flag):
    return "Enabled" if flag else "Disabled"


def _rule_tags(tags, field):
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise ReplicationError(field, "expected a mapping of tag names to values, got %r" % (tags,))
    return dict((str(k), "" if v is None else str(v)) for k, v in tags.items())


def _canonical_rule(rule_id, priority, enabled, prefix, tags, delete_markers, destination, storage_class, kms_key,
                    account):
    return {
        "id": rule_id,
        "priority": priority,
        "status": _status(enabled) if isinstance(enabled, bool) else enabled,
        "prefix": prefix or "",
        "tags": dict(sorted(tags.items())),
        "delete_marker_replication": _status(delete_markers) if isinstance(delete_markers, bool) else delete_markers,
        "destination_bucket": destination,
        "storage_class": storage_class or None,
        "replica_kms_key_id": kms_key or None,
        "account": account or None,
    }


def desired_replication(bucket, role_arn, rules):
    """Validate the module's options; return the canonical configuration they describe.

    ``rules`` is a list of dicts with id, priority, enabled, prefix, tags, destination_bucket,
    storage_class, delete_marker_replication, replica_kms_key_id and account. A rule without a
    priority gets its position (1 for the first). Raises ReplicationError naming the option.
    """
    if not isinstance(bucket, str) or not _BUCKET_NAME.match(bucket):
        raise ReplicationError("bucket", "%r is not a valid bucket name" % (bucket,))
    if not isinstance(role_arn, str) or not _ROLE_ARN.match(role_arn):
        raise ReplicationError("role_arn", "%r is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); S3 assumes "
                               "this role to copy objects" % (role_arn,))
    if not isinstance(rules, list) or not rules:
        raise ReplicationError("rules", "at least one rule is needed; use state: absent to remove replication")
    if len(rules) > 1000:
        raise ReplicationError("rules", "S3 allows at most 1000 rules, got %d" % len(rules))
    out, ids, priorities = [], set(), {}
    for i, rule in enumerate(rules):
        field = "rules[%d]" % i
        if not isinstance(rule, dict):
            raise ReplicationError(field, "expected a mapping, got %r" % (rule,))
        rule_id = rule.get("id")
        if not isinstance(rule_id, str) or not rule_id or len(rule_id) > 255:
            raise ReplicationError(field + ".id", "every rule needs an id of 1-255 characters")
        if rule_id in ids:
            raise ReplicationError(field + ".id", "rule id %r is used twice" % rule_id)
        ids.add(rule_id)
        priority = rule.get("priority")
        priority = i + 1 if priority is None else priority
        if isinstance(priority, bool) or not isinstance(priority, int) or priority < 0:
            raise ReplicationError(field + ".priority", "expected a non-negative integer, got %r" % (priority,))
        if priority in priorities:
            raise ReplicationError(field + ".priority", "priority %d is also the priority of rule %r; S3 needs distinct "
                                   "priorities to choose between overlapping rules" % (priority, priorities[priority]))
        priorities[priority] = rule_id
        enabled = rule.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ReplicationError(field + ".enabled", "expected true or false, got %r" % (enabled,))
        prefix = rule.get("prefix") or ""
        if not isinstance(prefix, str) or len(prefix) > 1024:
            raise ReplicationError(field + ".prefix", "expected a key prefix of at most 1024 characters")
        tags = _rule_tags(rule.get("tags"), field + ".tags")
        delete_markers = rule.get("delete_marker_replication", False)
        if not isinstance(delete_markers, bool):
            raise ReplicationError(field + ".delete_marker_replication", "expected true or false, got %r" % (delete_markers,))
        if delete_markers and tags:
            raise ReplicationError(field + ".delete_marker_replication", "S3 does not replicate delete markers for rules "
                                   "that filter on tags; drop the tags or set delete_marker_replication: false")
        destination = bucket_arn(rule.get("destination_bucket"), field + ".destination_bucket")
        if bucket_name(destination) == bucket:
            raise ReplicationError(field + ".destination_bucket", "the destination is the source bucket %s itself" % bucket)
        storage_class = rule.get("storage_class")
        if storage_class is not None and storage_class not in STORAGE_CLASSES:
            raise ReplicationError(field + ".storage_class", "%r is not one of %s" % (storage_class, ", ".join(STORAGE_CLASSES)))
        kms_key = rule.get("replica_kms_key_id")
        if kms_key is not None and (not isinstance(kms_key, str) or not _KMS_KEY.match(kms_key)):
            raise ReplicationError(field + ".replica_kms_key_id", "%r is not a KMS key or alias ARN in the destination's "
                                   "region (arn:aws:kms:REGION:ACCOUNT:key/ID)" % (kms_key,))
        account = rule.get("account")
        if account is not None and (not isinstance(account, str) or not _ACCOUNT.match(account)):
            raise ReplicationError(field + ".account", "%r is not a 12-digit AWS account id" % (account,))
        out.append(_canonical_rule(rule_id, priority, enabled, prefix, tags, delete_markers, destination,
                                   storage_class, kms_key, account))
    return {"role": role_arn, "rules": sorted(out, key=lambda r: r["id"])}


def _filter_of(rule):
    """(prefix, tags) of an API rule, for the V2 Filter and the legacy top-level Prefix alike."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", {}
    flt = rule.get("Filter") or {}
    if "And" in flt:
        conj = flt["And"] or {}
        return conj.get("Prefix") or "", dict((t["Key"], t["Value"]) for t in conj.get("Tags") or [])
    if "Tag" in flt:
        return "", {flt["Tag"]["Key"]: flt["Tag"]["Value"]}
    return flt.get("Prefix") or "", {}


def normalise_replication(config):
    """A GetBucketReplication ``ReplicationConfiguration`` in the canonical shape (None stays None)."""
    if not config:
        return None
    rules = []
    for rule in config.get("Rules") or []:
        prefix, tags = _filter_of(rule)
        dest = rule.get("Destination") or {}
        encryption = dest.get("EncryptionConfiguration") or {}
        legacy = "Filter" not in rule
        rules.append(_canonical_rule(
            rule.get("ID"), None if legacy else int(rule.get("Priority", 0)), rule.get("Status"), prefix, tags,
            # a legacy (V1) rule has no delete marker setting: it never equals a V2 rule
            None if legacy else (rule.get("DeleteMarkerReplication") or {}).get("Status", "Disabled"),
            dest.get("Bucket"), dest.get("StorageClass"), encryption.get("ReplicaKmsKeyID"), dest.get("Account")))
    return {"role": config.get("Role"), "rules": sorted(rules, key=lambda r: r["id"] or "")}


def replication_request(canonical):
    """The PutBucketReplication ``ReplicationConfiguration`` of a canonical configuration."""
    rules = []
    for rule in canonical["rules"]:
        tags = [{"Key": k, "Value": v} for k, v in sorted(rule["tags"].items())]
        if tags and (rule["prefix"] or len(tags) > 1):
            flt = {"And": {"Prefix": rule["prefix"], "Tags": tags}} if rule["prefix"] else {"And": {"Tags": tags}}
        elif tags:
            flt = {"Tag": tags[0]}
        else:
            flt = {"Prefix": rule["prefix"]}
        destination = {"Bucket": rule["destination_bucket"]}
        if rule["storage_class"]:
            destination["StorageClass"] = rule["storage_class"]
        if rule["account"]:
            destination["Account"] = rule["account"]
        api_rule = {
            "ID": rule["id"],
            "Priority": rule["priority"],
            "Status": rule["status"],
            "Filter": flt,
            "DeleteMarkerReplication": {"Status": rule["delete_marker_replication"]},
            "Destination": destination,
        }
        if rule["replica_kms_key_id"]:
            destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": rule["replica_kms_key_id"]}
            # objects encrypted with SSE-KMS are replicated only when selected explicitly
            api_rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
        rules.append(api_rule)
    return {"Role": canonical["role"], "Rules": rules}


def _view(canonical):
    if canonical is None:
        return {}
    return {"role": canonical["role"],
            "rules": [dict(sorted(r.items())) for r in sorted(canonical["rules"], key=lambda r: r["id"] or "")]}


def replication_plan(current, desired, state="present"):
    """Compare the bucket's configuration (canonical or None) with the desired one.

    Returns ``action`` (none, put, delete), ``changed``, ``differences`` (rule ids and ``role`` that
    differ) and the ``before``/``after`` views for diff.
    """
    if state == "absent":
        return {"action": "delete" if current else "none", "changed": bool(current), "differences": [],
                "before": _view(current), "after": {}}
    before, after = _view(current), _view(desired)
    differences = []
    if not current or current["role"] != desired["role"]:
        differences.append("role")
    have = dict((r["id"], r) for r in (current or {}).get("rules", []))
    want = dict((r["id"], r) for r in desired["rules"])
    for rule_id in sorted(set(have) | set(want), key=lambda x: x or ""):
        if have.get(rule_id) != want.get(rule_id):
            differences.append("rules[%s]" % rule_id)
    changed = before != after
    return {"action": "put" if changed else "none", "changed": changed, "differences": differences if changed else [],
            "before": before, "after": after}
