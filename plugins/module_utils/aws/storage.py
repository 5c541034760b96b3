# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for a region's AWS storage: bucket names and settings per data class, and the
replications that would cross a residency boundary. Nothing here calls an API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.validate import integer

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_ENCRYPTIONS = ("AES256", "aws:kms")


class StoragePlanError(MeridianError):
    """A bucket or database setting that cannot be provisioned; ``field`` names it."""


def _int(value, field, low, high=None):
    return integer(value, field, low, high, error=StoragePlanError)


def bucket_plan(buckets, prefix, region, failover_region=None):
    """Validate the buckets of the inventory and name them per region.

    Each bucket has ``name``, ``data_class``, ``encryption`` (AES256 or aws:kms), ``replicate``,
    ``noncurrent_days`` and optionally ``expiration_days`` and ``kms_key_id``. The result adds
    ``bucket`` (``<prefix>-<name>-<region>``, globally unique per region) and ``replica_bucket``
    (the same bucket in the failover region, or None when not replicated).
    """
    if not isinstance(buckets, (list, tuple)):
        raise StoragePlanError("meridian_buckets", "expected a list of buckets, got %r" % (buckets,))
    out = []
    seen = set()
    for i, bucket in enumerate(buckets):
        field = "meridian_buckets[%d]" % i
        if not isinstance(bucket, dict):
            raise StoragePlanError(field, "expected a mapping, got %r" % (bucket,))
        name = bucket.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise StoragePlanError(field + ".name", "%r is not a lowercase name of letters, digits and '-'" % (name,))
        if name in seen:
            raise StoragePlanError(field + ".name", "bucket %r is listed twice" % name)
        seen.add(name)
        full = "%s-%s-%s" % (prefix, name, region)
        if not _BUCKET.match(full):
            raise StoragePlanError(field + ".name", "%r is not a valid S3 bucket name (3-63 lowercase letters, digits, '-'); "
                                   "shorten the project, environment or bucket name" % full)
        if not isinstance(bucket.get("data_class"), str) or not bucket["data_class"]:
            raise StoragePlanError(field + ".data_class", "every bucket needs a data class (pii, content_metadata, "
                                   "operational, payment or one of the inventory's)")
        encryption = bucket.get("encryption", "aws:kms")
        if encryption not in _ENCRYPTIONS:
            raise StoragePlanError(field + ".encryption", "%r is not one of %s" % (encryption, ", ".join(_ENCRYPTIONS)))
        replicate = bucket.get("replicate", False)
        if not isinstance(replicate, bool):
            raise StoragePlanError(field + ".replicate", "expected true or false, got %r" % (replicate,))
        if replicate and not failover_region:
            raise StoragePlanError(field + ".replicate", "replication needs meridian_failover_region on the region's host")
        if replicate and failover_region == region:
            raise StoragePlanError(field + ".replicate", "the failover region is the region itself (%s)" % region)
        item = dict(bucket)
        item["encryption"] = encryption
        item["replicate"] = replicate
        item["noncurrent_days"] = _int(bucket.get("noncurrent_days", 30), field + ".noncurrent_days", 1)
        if bucket.get("expiration_days") is not None:
            item["expiration_days"] = _int(bucket["expiration_days"], field + ".expiration_days", 1)
            if item["expiration_days"] <= 0:
                raise StoragePlanError(field + ".expiration_days", "must be positive")
        else:
            item["expiration_days"] = None
        item["kms_key_id"] = bucket.get("kms_key_id") or None
        item["field"] = field + ".data_class"
        item["bucket"] = full
        item["replica_bucket"] = "%s-%s-%s" % (prefix, name, failover_region) if replicate else None
        out.append(item)
    return out


def replication_violations(buckets, source_country, target_country, policy):
    """Buckets whose replication would carry a data class across its residency boundary.

    ``policy`` is a regions.residency.ResidencyPolicy, whose ``violation`` is the one rule; countries
    are ISO 3166-1 alpha-2 codes of the region holding the data and of the failover region. Returns
    a list of dicts with the bucket, data class, jurisdiction and the reason; an empty list means
    every replication is allowed.
    """
    out = []
    for bucket in buckets:
        if not bucket.get("replicate"):
            continue
        found = policy.violation(bucket["data_class"], source_country, target_country)
        if found:
            found["bucket"] = found["name"] = bucket["name"]
            out.append(found)
    return out


_PUBLIC_ACCESS_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
                       ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))


def _bucket_settings_now(found):
    """A bucket of s3_bucket_info (bucket_facts: versioning, encryption, public access block, ownership,
    tagging) in the shape of ``_bucket_settings_wanted``."""
    versioning = (found.get("bucket_versioning") or {}).get("Status") or "Disabled"
    rules = ((found.get("bucket_encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
    by_default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    encryption = {"algorithm": by_default.get("SSEAlgorithm")}
    if by_default.get("SSEAlgorithm") == "aws:kms":
        encryption.update(key=by_default.get("KMSMasterKeyID"), bucket_key_enabled=bool(rules[0].get("BucketKeyEnabled")))
    block = (found.get("public_access_block") or {}).get("PublicAccessBlockConfiguration") or {}
    ownership = ((found.get("bucket_ownership_controls") or {}).get("OwnershipControls") or {}).get("Rules") or [{}]
    return {
        "versioning": versioning,
        "encryption": encryption,
        "public_access": dict((key, bool(block.get(name, False))) for key, name in _PUBLIC_ACCESS_KEYS),
        "object_ownership": ownership[0].get("ObjectOwnership"),
        "tags": dict((str(k), str(v)) for k, v in (found.get("bucket_tagging") or {}).items()),
    }


def _bucket_settings_wanted(bucket, settings, tags, kms_key_arn):
    encryption = {"algorithm": bucket["encryption"]}
    if bucket["encryption"] == "aws:kms":
        encryption.update(key=bucket.get("kms_key_id") or kms_key_arn or None, bucket_key_enabled=True)
    want_tags = dict(tags or {}, **{"Name": bucket["bucket"], "meridian:data-class": bucket["data_class"]})
    return {
        "versioning": "Enabled" if settings.get("versioning") else "Suspended",
        "encryption": encryption,
        "public_access": dict((key, bool((settings.get("public_access") or {}).get(key, False)))
                              for key, _name in _PUBLIC_ACCESS_KEYS),
        "object_ownership": settings.get("object_ownership"),
        "tags": dict((str(k), str(v)) for k, v in want_tags.items()),
    }


def bucket_drift(found, buckets, settings, tags, kms_key_arn=None):
    """Which of the planned buckets are missing or differ from the settings the role applies, and how.

    ``found`` is s3_bucket_info's ``buckets`` (bucket_facts: bucket_versioning, bucket_encryption,
    public_access_block, bucket_ownership_controls, bucket_tagging); ``buckets`` is ``bucket_plan``'s
    list; ``settings`` the role's bucket settings (``versioning``, ``public_access``,
    ``object_ownership``: the same values the s3_bucket task sends); ``tags`` the common tags;
    ``kms_key_arn`` the region's key of SSE-KMS buckets without their own ``kms_key_id``.
    Returns ``{bucket: {"differs": [fields], "before": {...}, "after": {...}}}`` for the buckets
    missing (``differs == ["absent"]``, ``before == {}``) or differing; buckets in step are left out.
    amazon.aws.s3_bucket has no check mode, so the role calls it only for the buckets listed here,
    and under ``--check`` shows this comparison instead.
    """
    if not isinstance(found, (list, tuple)):
        raise StoragePlanError("buckets", "expected s3_bucket_info's buckets list, got %r" % (found,))
    if not isinstance(settings, dict):
        raise StoragePlanError("settings", "expected the role's bucket settings (a dict), got %r" % (settings,))
    by_name = dict((b.get("name"), b) for b in found)
    out = {}
    for bucket in buckets:
        want = _bucket_settings_wanted(bucket, settings, tags, kms_key_arn)
        have = by_name.get(bucket["bucket"])
        if have is None:
            out[bucket["bucket"]] = {"differs": ["absent"], "before": {}, "after": want}
            continue
        now = _bucket_settings_now(have)
        differs = sorted(key for key in want if want[key] != now[key])
        if differs:
            out[bucket["bucket"]] = {"differs": differs, "before": dict((k, now[k]) for k in differs),
                                     "after": dict((k, want[k]) for k in differs)}
    return out
