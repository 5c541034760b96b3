# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for S3 bucket replication: validation, the request, normalisation, comparison.

Nothing here calls an API. The desired configuration is always written in the current (V2) rule
schema: a ``Filter``, a ``Priority`` and ``DeleteMarkerReplication`` on every rule. What S3 returns is
normalised into the same shape (an empty filter and a filter with an empty prefix are the same, rules
are compared by id, absent optional settings take their documented defaults) so that a configuration
is rewritten only when it really differs.

Two settings keep replication inside the account and make SSE-KMS objects replicate: a rule with
``account`` names the destination's owner (``Destination.Account``; with ``owner_override`` also
``AccessControlTranslation`` ``Owner: Destination``, which makes S3 itself check that account), and a
rule with ``replica_kms_key_id`` selects the source's SSE-KMS objects (``SourceSelectionCriteria``)
and encrypts their replicas with that key of the destination's region.
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
_LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


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


def kms_key_region(arn):
    """The region of a KMS key or alias ARN (``arn:aws:kms:REGION:ACCOUNT:key/ID``)."""
    return arn.split(":")[3]


def bucket_region(location_constraint):
    """The region of a bucket from GetBucketLocation's ``LocationConstraint`` (None is us-east-1)."""
    return _LEGACY_LOCATIONS.get(location_constraint, location_constraint)


def _status(flag):
    return "Enabled" if flag else "Disabled"


def _rule_tags(tags, field):
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise ReplicationError(field, "expected a mapping of tag names to values, got %r" % (tags,))
    return dict((str(k), "" if v is None else str(v)) for k, v in tags.items())


def _canonical_rule(rule_id, priority, enabled, prefix, tags, delete_markers, destination, storage_class, kms_key,
                    account, replica_owner=None, sse_kms=None):
    """``sse_kms`` is the SseKmsEncryptedObjects status, None when the service did not report it."""
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
        "replica_owner": replica_owner or None,
        "sse_kms_encrypted_objects": sse_kms,
    }


def desired_replication(bucket, role_arn, rules):
    """Validate the module's options; return the canonical configuration they describe.

    ``rules`` is a list of dicts with id, priority, enabled, prefix, tags, destination_bucket,
    storage_class, delete_marker_replication, replica_kms_key_id, account and owner_override. A rule
    without a priority gets its position (1 for the first). A rule with a replica key selects the
    SSE-KMS objects of the source (SseKmsEncryptedObjects Enabled); without one the rule has no
    selection criteria and S3 leaves SSE-KMS objects alone, as it does by default. Raises ReplicationError naming the option.
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
        owner_override = rule.get("owner_override", False)
        if not isinstance(owner_override, bool):
            raise ReplicationError(field + ".owner_override", "expected true or false, got %r" % (owner_override,))
        if owner_override and not account:
            raise ReplicationError(field + ".owner_override", "S3 gives the replicas to the destination's owner only with "
                                   "the owner's account id: set account (the 12-digit id that must own the destination)")
        out.append(_canonical_rule(rule_id, priority, enabled, prefix, tags, delete_markers, destination,
                                   storage_class, kms_key, account, "Destination" if owner_override else None,
                                   "Enabled" if kms_key else None))
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
        selection = rule.get("SourceSelectionCriteria")
        rules.append(_canonical_rule(
            rule.get("ID"), None if legacy else int(rule.get("Priority", 0)), rule.get("Status"), prefix, tags,
            # a legacy (V1) rule has no delete marker setting: it never equals a V2 rule
            None if legacy else (rule.get("DeleteMarkerReplication") or {}).get("Status", "Disabled"),
            dest.get("Bucket"), dest.get("StorageClass"), encryption.get("ReplicaKmsKeyID"), dest.get("Account"),
            (dest.get("AccessControlTranslation") or {}).get("Owner"),
            None if selection is None else ((selection.get("SseKmsEncryptedObjects") or {}).get("Status") or "Disabled")))
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
        if rule["replica_owner"]:
            destination["AccessControlTranslation"] = {"Owner": rule["replica_owner"]}
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
        if rule["sse_kms_encrypted_objects"]:
            api_rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": rule["sse_kms_encrypted_objects"]}}
        rules.append(api_rule)
    return {"Role": canonical["role"], "Rules": rules}


def _view(canonical):
    if canonical is None:
        return {}
    return {"role": canonical["role"],
            "rules": [dict(sorted(r.items())) for r in sorted(canonical["rules"], key=lambda r: r["id"] or "")]}


def _fill_unreported(current, desired):
    """The current configuration with the SseKmsEncryptedObjects status a reader did not report
    taken from the desired rule of the same id.

    S3 returns SourceSelectionCriteria whenever a rule has it; a reader that drops it (moto does) would
    otherwise make every run rewrite the rule. A status that is reported is compared, except that a
    reported ``Disabled`` equals no selection (both leave SSE-KMS objects alone).
    """
    if not current:
        return current
    want = dict((r["id"], r["sse_kms_encrypted_objects"]) for r in desired["rules"])
    rules = []
    for rule in current["rules"]:
        have = rule["sse_kms_encrypted_objects"]
        if rule["id"] in want and (have is None or (have == "Disabled" and want[rule["id"]] is None)):
            rule = dict(rule, sse_kms_encrypted_objects=want[rule["id"]])
        rules.append(rule)
    return dict(current, rules=rules)


def replication_plan(current, desired, state="present"):
    """Compare the bucket's configuration (canonical or None) with the desired one.

    Returns ``action`` (none, put, delete), ``changed``, ``differences`` (rule ids and ``role`` that
    differ) and the ``before``/``after`` views for diff.
    """
    if state == "absent":
        return {"action": "delete" if current else "none", "changed": bool(current), "differences": [],
                "before": _view(current), "after": {}}
    current = _fill_unreported(current, desired)
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


def _sid(text):
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def replication_role_policy(prefix, account, keys_by_region, owner_override=False, partition="aws"):
    """The IAM policy of the role S3 assumes to replicate the buckets named ``<prefix>-*``.

    Every S3 statement carries ``s3:ResourceAccount`` = ``account``, so the role can read and write
    only buckets of that account: a bucket name another account holds can never receive a replica,
    whatever the replication configuration says. ``keys_by_region`` maps a region to the KMS key of
    its SSE-KMS buckets (the source key of their objects and the replica key of what is copied into
    the region); each key gets ``kms:Decrypt`` and ``kms:Encrypt`` only through S3 in its region
    (``kms:ViaService``) and only for the buckets of that region (``kms:EncryptionContext:aws:s3:arn``:
    the bucket ARN, which S3 uses with S3 Bucket Keys, and the object ARNs otherwise), as AWS documents
    for replicating SSE-KMS objects. ``owner_override`` adds ``s3:ObjectOwnerOverrideToBucketOwner``
    (AccessControlTranslation). Raises ReplicationError naming the bad input.
    """
    if not isinstance(prefix, str) or not re.match(r"^[a-z0-9][a-z0-9.-]{0,40}$", prefix):
        raise ReplicationError("storage_name", "%r is not a bucket name prefix" % (prefix,))
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        raise ReplicationError("account", "%r is not a 12-digit AWS account id" % (account,))
    if not isinstance(keys_by_region, dict):
        raise ReplicationError("storage_kms_keys", "expected a mapping of region to KMS key ARN, got %r" % (keys_by_region,))
    s3 = "arn:%s:s3:::%s-" % (partition, prefix)
    in_account = {"StringEquals": {"s3:ResourceAccount": account}}
    write = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    if owner_override:
        write.append("s3:ObjectOwnerOverrideToBucketOwner")
    statements = [
        {"Sid": "ReadSourceConfiguration", "Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
         "Resource": [s3 + "*"], "Condition": in_account},
        {"Sid": "ReadSourceObjects", "Effect": "Allow",
         "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
         "Resource": [s3 + "*/*"], "Condition": in_account},
        {"Sid": "WriteReplicasInTheAccount", "Effect": "Allow", "Action": write, "Resource": [s3 + "*/*"],
         "Condition": in_account},
    ]
    for region in sorted(keys_by_region):
        key = keys_by_region[region]
        if not key:
            continue
        if not isinstance(key, str) or not _KMS_KEY.match(key) or ":key/" not in key or kms_key_region(key) != region:
            raise ReplicationError("storage_kms_keys[%s]" % region, "%r is not a KMS key ARN of %s "
                                   "(arn:aws:kms:%s:ACCOUNT:key/ID)" % (key, region, region))
        condition = {"StringEquals": {"kms:ViaService": "s3.%s.amazonaws.com" % region},
                     "StringLike": {"kms:EncryptionContext:aws:s3:arn": [s3 + "*-" + region, s3 + "*-" + region + "/*"]}}
        statements.append({"Sid": "DecryptSourceObjects" + _sid(region), "Effect": "Allow", "Action": ["kms:Decrypt"],
                           "Resource": [key], "Condition": condition})
        statements.append({"Sid": "EncryptReplicas" + _sid(region), "Effect": "Allow", "Action": ["kms:Encrypt"],
                           "Resource": [key], "Condition": condition})
    return {"Version": "2012-10-17", "Statement": statements}


def kms_key_errors(keys_by_region):
    """What is wrong with a region -> KMS key ARN mapping: one sentence per bad entry (empty: all fine).

    Every value must be a key ARN (not an alias: the replication role's policy names keys) of the
    region it is given for.
    """
    if not isinstance(keys_by_region, dict):
        return ["expected a mapping of region to KMS key ARN, got %r" % (keys_by_region,)]
    out = []
    for region in sorted(keys_by_region, key=str):
        key = keys_by_region[region]
        if not isinstance(key, str) or not _KMS_KEY.match(key) or ":key/" not in key:
            out.append("%s: %r is not a KMS key ARN" % (region, key))
        elif kms_key_region(key) != region:
            out.append("%s: %s is a key of %s" % (region, key, kms_key_region(key)))
    return out
