# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloud Storage buckets: the desired state built from ``gcs_bucket``'s options, and the plan of a run.

A bucket is compared option by option (``view``): the API's JSON (camelCase) is turned into the
options' values in one normal form (location upper-cased, lists sorted, server defaults filled in:
storage class STANDARD, no versioning, no retention, public access prevention ``inherited``). Only the
options a task gives are compared; ``None`` means "not touched". ``plan`` decides create / update /
delete / none, lists the options to PATCH, and refuses, naming the option, what cannot happen in
place: another location or data locations, a CMEK key in another location than the bucket's, a change
of a locked retention policy (the module never changes one), uniform bucket-level access turned off
after its 90-day lock. Nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.resources import check_project

BUCKET_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
_REGION_RE = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")
_KMS_RE = re.compile(r"^projects/([^/]+)/locations/([^/]+)/keyRings/([^/]+)/cryptoKeys/([^/]+)$")
_LABEL_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE_RE = re.compile(r"^[a-z0-9_-]{0,63}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MULTI_REGIONS = ("US", "EU", "ASIA")
# Predefined dual-regions (https://cloud.google.com/storage/docs/locations#predefined).
DUAL_REGIONS = ("ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4")
STORAGE_CLASSES = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
PUBLIC_ACCESS_PREVENTION = ("enforced", "inherited")
LIFECYCLE_ACTIONS = ("Delete", "SetStorageClass", "AbortIncompleteMultipartUpload")
# The longest retention period Cloud Storage accepts: 3,155,760,000 s (100 years).
MAX_RETENTION = 3155760000
# option -> (API field, kind) of a lifecycle rule's condition
CONDITIONS = {
    "age": ("age", "days"),
    "created_before": ("createdBefore", "date"),
    "custom_time_before": ("customTimeBefore", "date"),
    "days_since_custom_time": ("daysSinceCustomTime", "days"),
    "days_since_noncurrent_time": ("daysSinceNoncurrentTime", "days"),
    "is_live": ("isLive", "bool"),
    "matches_prefix": ("matchesPrefix", "strings"),
    "matches_suffix": ("matchesSuffix", "strings"),
    "matches_storage_class": ("matchesStorageClass", "classes"),
    "noncurrent_time_before": ("noncurrentTimeBefore", "date"),
    "num_newer_versions": ("numNewerVersions", "days"),
}
_CONDITION_KINDS = dict((api, kind) for api, kind in CONDITIONS.values())
# The options compared, in the order of the diff.
OPTIONS = ("location", "data_locations", "storage_class", "uniform_bucket_level_access", "public_access_prevention",
           "versioning", "default_kms_key_name", "retention_period", "lifecycle_rules", "labels")
# Options that cannot change on an existing bucket.
IMMUTABLE = ("location", "data_locations")
UNIFORM_LOCK_TEXT = ("uniform bucket-level access can be turned off only in the 90 days after it was turned on "
                     "(until %s); it stays on")


def check_bucket_name(value):
    """A bucket name without dots (3-63 characters: lowercase letters, digits, - and _, not starting with goog)."""
    if not isinstance(value, str) or not BUCKET_NAME_RE.match(value) or value.startswith("goog") or \
            "google" in value:
        raise GceError("name", "%r is not a valid bucket name: 3-63 characters, lowercase letters, digits, hyphens "
                               "and underscores, a letter or digit first and last, not starting with goog nor "
                               "containing google (names with dots need a verified domain and are not supported)"
                       % (value,))
    return value


def location_kind(location):
    """``multi-region``, ``dual-region`` or ``region`` of an (upper-cased) location."""
    if location in MULTI_REGIONS:
        return "multi-region"
    if location in DUAL_REGIONS:
        return "dual-region"
    return "region"


def _location(params):
    value = params.get("location")
    if not value or not isinstance(value, str):
        raise GceError("location", "is required with state=present: a region (europe-west1), a dual-region "
                                   "(%s) or a multi-region (%s)" % (", ".join(DUAL_REGIONS), ", ".join(MULTI_REGIONS)))
    upper = value.upper()
    if upper not in MULTI_REGIONS and upper not in DUAL_REGIONS and not _REGION_RE.match(value.lower()):
        raise GceError("location", "%r is not a region (europe-west1), a dual-region (%s) or a multi-region (%s)"
                       % (value, ", ".join(DUAL_REGIONS), ", ".join(MULTI_REGIONS)))
    data_locations = params.get("data_locations")
    if data_locations is not None:
        if upper not in MULTI_REGIONS:
            raise GceError("data_locations", "a configurable dual-region names its two regions with location set to "
                                             "the multi-region that holds them (%s), not %s"
                           % (", ".join(MULTI_REGIONS), value))
        regions = sorted(set(str(r).upper() for r in data_locations))
        if len(regions) != 2 or not all(_REGION_RE.match(r.lower()) for r in regions):
            raise GceError("data_locations", "%r is not two distinct regions (for example [europe-west1, "
                                             "europe-west4])" % (data_locations,))
        return upper, regions
    return upper, None


def _kms_key(value, location, data_locations):
    if value == "":
        return ""
    match = _KMS_RE.match(value)
    if not match:
        raise GceError("default_kms_key_name", "%r is not a Cloud KMS key name "
                                               "(projects/P/locations/L/keyRings/R/cryptoKeys/K)" % (value,))
    key_location = match.group(2).lower()
    if key_location != location.lower():
        raise GceError("default_kms_key_name", "the key is in location %s, the bucket in %s%s: Cloud Storage uses a "
                                               "key of the bucket's own location (%s); a key elsewhere cannot encrypt "
                                               "it" % (key_location, location, " (%s)" % ", ".join(data_locations)
                                                       if data_locations else "", location.lower()))
    return value


def _condition_value(kind, value, field):
    if kind == "days":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise GceError(field, "%r is not a number of days (0 or more)" % (value,))
        return value
    if kind == "date":
        text = str(value)
        try:
            if not _DATE_RE.match(text):
                raise ValueError(text)
            datetime.date(*(int(p) for p in text.split("-")))
        except ValueError:
            raise GceError(field, "%r is not a date (YYYY-MM-DD)" % (value,))
        return text
    if kind == "bool":
        if not isinstance(value, bool):
            raise GceError(field, "%r is not true or false" % (value,))
        return value
    if not isinstance(value, list) or not value:
        raise GceError(field, "%r is not a non-empty list" % (value,))
    if kind == "classes":
        for item in value:
            if item not in STORAGE_CLASSES:
                raise GceError(field, "%r is not one of %s" % (item, ", ".join(STORAGE_CLASSES)))
    return [str(v) for v in value]


def _lifecycle_rule(rule, i):
    here = "lifecycle_rules[%d]" % i
    if not isinstance(rule, dict):
        raise GceError(here, "%r is not a rule (a dict with action and condition)" % (rule,))
    unknown = sorted(set(rule) - {"action", "storage_class", "condition"})
    if unknown:
        raise GceError(here + "." + unknown[0], "is not a rule key (action, storage_class, condition)")
    action = rule.get("action")
    if action not in LIFECYCLE_ACTIONS:
        raise GceError(here + ".action", "%r is not one of %s" % (action, ", ".join(LIFECYCLE_ACTIONS)))
    out = {"action": {"type": action}, "condition": {}}
    if action == "SetStorageClass":
        if rule.get("storage_class") not in STORAGE_CLASSES:
            raise GceError(here + ".storage_class", "%r is not one of %s (SetStorageClass needs one)"
                           % (rule.get("storage_class"), ", ".join(STORAGE_CLASSES)))
        out["action"]["storageClass"] = rule["storage_class"]
    elif rule.get("storage_class") is not None:
        raise GceError(here + ".storage_class", "applies to the SetStorageClass action only")
    condition = rule.get("condition") or {}
    if not isinstance(condition, dict) or not condition:
        raise GceError(here + ".condition", "is required: at least one of %s" % ", ".join(sorted(CONDITIONS)))
    for key, value in condition.items():
        if key not in CONDITIONS:
            raise GceError(here + ".condition." + str(key), "is not one of %s" % ", ".join(sorted(CONDITIONS)))
        api, kind = CONDITIONS[key]
        out["condition"][api] = _condition_value(kind, value, "%s.condition.%s" % (here, key))
    return out


def _labels(value):
    if not isinstance(value, dict):
        raise GceError("labels", "%r is not a dict" % (value,))
    if len(value) > 64:
        raise GceError("labels", "%d labels: a bucket has at most 64" % len(value))
    out = {}
    for key, item in value.items():
        text = "" if item is None else str(item)
        if not _LABEL_KEY_RE.match(str(key)):
            raise GceError("labels", "key %r is not a label key (a lowercase letter first, then lowercase letters, "
                                     "digits, - and _; at most 63 characters)" % (key,))
        if not _LABEL_VALUE_RE.match(text):
            raise GceError("labels", "the value %r of %s is not a label value (lowercase letters, digits, - and _; at "
                                     "most 63 characters)" % (item, key))
        out[str(key)] = text
    return out


def desired_bucket(params):
    """The wanted bucket as option values (``view``'s form), only the options given; ``name`` included.

    Every option is checked here, naming it, before any client is built.
    """
    check_project(params)
    want = {"name": check_bucket_name(params.get("name"))}
    if params.get("state", "present") == "absent":
        return want
    location, data_locations = _location(params)
    want["location"] = location
    if data_locations is not None:
        want["data_locations"] = data_locations
    if params.get("storage_class") is not None:
        if params["storage_class"] not in STORAGE_CLASSES:
            raise GceError("storage_class", "%r is not one of %s" % (params["storage_class"], ", ".join(STORAGE_CLASSES)))
        want["storage_class"] = params["storage_class"]
    uniform = params.get("uniform_bucket_level_access")
    want["uniform_bucket_level_access"] = True if uniform is None else bool(uniform)
    prevention = params.get("public_access_prevention") or "enforced"
    if prevention not in PUBLIC_ACCESS_PREVENTION:
        raise GceError("public_access_prevention", "%r is not one of %s"
                       % (prevention, ", ".join(PUBLIC_ACCESS_PREVENTION)))
    want["public_access_prevention"] = prevention
    if params.get("versioning") is not None:
        want["versioning"] = bool(params["versioning"])
    if params.get("default_kms_key_name") is not None:
        want["default_kms_key_name"] = _kms_key(params["default_kms_key_name"], location, data_locations)
    retention = params.get("retention_period")
    if retention is not None:
        if isinstance(retention, bool) or not isinstance(retention, int) or not 0 <= retention <= MAX_RETENTION:
            raise GceError("retention_period", "%r is out of range: 0 (no retention policy) to %d seconds (100 years)"
                           % (retention, MAX_RETENTION))
        want["retention_period"] = retention
    rules = params.get("lifecycle_rules")
    if rules is not None:
        want["lifecycle_rules"] = _sorted_rules([_lifecycle_rule(rule, i) for i, rule in enumerate(rules)])
    if params.get("labels") is not None:
        want["labels"] = _labels(params["labels"])
    return want


def _sorted_rules(rules):
    return sorted(rules, key=lambda r: json.dumps(r, sort_keys=True))


def _normal_rule(rule):
    condition = {}
    for key, value in (rule.get("condition") or {}).items():
        kind = _CONDITION_KINDS.get(key)
        if kind == "days":
            value = int(value)
        elif kind in ("strings", "classes"):
            value = [str(v) for v in value]
        condition[key] = value
    action = dict((k, v) for k, v in (rule.get("action") or {}).items() if v is not None)
    return {"action": action, "condition": condition}


def view(bucket):
    """The options' values of a bucket as the API returns it (camelCase JSON), server defaults filled in."""
    iam = bucket.get("iamConfiguration") or {}
    uniform = iam.get("uniformBucketLevelAccess") or iam.get("bucketPolicyOnly") or {}
    retention = bucket.get("retentionPolicy") or {}
    placement = (bucket.get("customPlacementConfig") or {}).get("dataLocations")
    return {
        "name": bucket.get("name"),
        "location": str(bucket.get("location") or "US").upper(),
        "data_locations": sorted(str(r).upper() for r in placement) if placement else None,
        "storage_class": bucket.get("storageClass") or "STANDARD",
        "uniform_bucket_level_access": bool(uniform.get("enabled")),
        "public_access_prevention": iam.get("publicAccessPrevention") or "inherited",
        "versioning": bool((bucket.get("versioning") or {}).get("enabled")),
        "default_kms_key_name": (bucket.get("encryption") or {}).get("defaultKmsKeyName") or "",
        "retention_period": int(retention.get("retentionPeriod") or 0),
        "lifecycle_rules": _sorted_rules([_normal_rule(r) for r in (bucket.get("lifecycle") or {}).get("rule") or []]),
        "labels": dict(bucket.get("labels") or {}),
    }


def _parse_time(text):
    try:
        return datetime.datetime.strptime(str(text).replace("Z", "+0000")[:23] + "+0000", "%Y-%m-%dT%H:%M:%S.%f%z") \
            if "." in str(text) else datetime.datetime.strptime(str(text).replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def plan(current, want, state="present", now=None):
    """What to do with one bucket.

    ``current``: the bucket as the API returned it, or ``None``; ``want``: ``desired_bucket``'s result.
    Returns ``action`` (none/create/update/delete), ``changed``, ``changes`` (the differing options,
    sorted), ``patch`` (option -> wanted value, for an update), ``metageneration`` (the precondition of
    the PATCH or DELETE), ``before`` / ``after`` (the compared options, for --diff). Raises ``GceError``
    naming the option when the change cannot happen in place.
    """
    name = want["name"]
    metageneration = (current or {}).get("metageneration")
    if state == "absent":
        before = _compared(view(current), None) if current else {}
        return {"action": "delete" if current else "none", "changed": bool(current), "changes": [], "patch": {},
                "metageneration": metageneration, "before": before, "after": {}}
    after = _compared(want, want)
    if not current:
        return {"action": "create", "changed": True, "changes": sorted(k for k in want if k != "name"), "patch": {},
                "metageneration": None, "before": {}, "after": after}
    before = _compared(view(current), want)
    changes = sorted(k for k in after if k != "name" and before.get(k) != after[k])
    for option in IMMUTABLE:
        if option in changes:
            raise GceError(option, "cannot change on the existing bucket %s (it is %s, %s is wanted): a bucket's "
                                   "location is fixed at creation; copy the objects to a new bucket"
                           % (name, _shown(before[option]), _shown(after[option])))
    retention = (current.get("retentionPolicy") or {})
    if "retention_period" in changes and retention.get("isLocked"):
        raise GceError("retention_period", "the retention policy of bucket %s is locked at %s seconds: this module "
                                           "never changes a locked policy (%s is wanted); leave retention_period "
                                           "out or set it to %s" % (name, before["retention_period"],
                                                                    after["retention_period"],
                                                                    before["retention_period"]))
    if "uniform_bucket_level_access" in changes and not after["uniform_bucket_level_access"]:
        iam = current.get("iamConfiguration") or {}
        locked = (iam.get("uniformBucketLevelAccess") or {}).get("lockedTime")
        when = _parse_time(locked) if locked else None
        now = now or datetime.datetime.now(datetime.timezone.utc)
        if when is not None and when <= now:
            raise GceError("uniform_bucket_level_access", UNIFORM_LOCK_TEXT % locked)
    patch = dict((k, plain_copy(want[k])) for k in changes)
    changed = bool(changes)
    return {"action": "update" if changed else "none", "changed": changed, "changes": changes, "patch": patch,
            "metageneration": metageneration, "before": before, "after": after if changed else before}


def undeletable(objects, bucket, now=None):
    """The object versions a forced delete cannot delete now, as ``(name, why)``: those under a hold, and
    those younger than the bucket's retention period (Cloud Storage refuses to delete them)."""
    period = int(((bucket or {}).get("retentionPolicy") or {}).get("retentionPeriod") or 0)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    out = []
    for obj in objects:
        if obj.get("temporaryHold") or obj.get("eventBasedHold"):
            out.append((obj["name"], "under %s hold" % ("a temporary" if obj.get("temporaryHold") else "an event-based")))
            continue
        created = obj.get("timeCreated")
        created = _parse_time(created) if isinstance(created, str) else created
        if period and created is not None:
            until = created + datetime.timedelta(seconds=period)
            if until > now:
                out.append((obj["name"], "retained until %s" % until.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return out


def _compared(values, want):
    """``values`` cut down to the options ``want`` gives (all options when ``want`` is None), in OPTIONS order."""
    out = {"name": values.get("name")}
    for option in OPTIONS:
        if (want is None or option in want) and values.get(option) is not None:
            out[option] = plain_copy(values[option])
    return out


def _shown(value):
    return ", ".join(value) if isinstance(value, list) else value
