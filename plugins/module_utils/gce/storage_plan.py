# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of a gcp region's buckets for the storage role: the estate's tags as Cloud Storage
labels, and each bucket of a ``bucket_layout`` result as ``gcs_bucket``'s options. Nothing here calls
an API; the residency of a replicated bucket is judged elsewhere (regions.residency), by the same
policy as AWS's replication.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError

_LABEL_BAD = re.compile(r"[^a-z0-9_-]")
_KMS_RE = re.compile(r"^projects/[^/]+/locations/([^/]+)/keyRings/[^/]+/cryptoKeys/[^/]+$")
# A configurable dual-region pairs two regions of one continent under its multi-region location
# (https://cloud.google.com/storage/docs/locations#configurable): the continent is read from the
# region's name prefix.
CONTINENTS = (("europe-", "EU"), ("us-", "US"), ("northamerica-", "US"), ("asia-", "ASIA"))
ABORT_UPLOADS_DAYS = 7


def gcp_labels(tags, field="storage_tags"):
    """Tags (``{"meridian:env": "prod", "Owner": "Data Team"}``) as Cloud Storage labels.

    Keys and values are lowercased and every character outside ``[a-z0-9_-]`` becomes ``-``
    (``meridian:env`` -> ``meridian-env``, ``Data Team`` -> ``data-team``); both are cut to 63
    characters. A key must then start with a letter, and two tags must not become the same key:
    either fails naming the tag. None (or no tags) gives ``{}``.
    """
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise GceError(field, "expected a mapping of tag -> value, got %r" % (tags,))
    out = {}
    origin = {}
    for key in sorted(tags, key=str):
        value = tags[key]
        label = _LABEL_BAD.sub("-", str(key).lower())[:63]
        if not label or not label[0].isalpha() or not label[0].isascii():
            raise GceError("%s.%s" % (field, key),
                           "a label key must start with a letter (after lowercasing, got %r); rename the tag" % (label,))
        if label in out:
            raise GceError("%s.%s" % (field, key), "becomes the label %r, as %r does; rename one of the tags"
                           % (label, origin[label]))
        text = "" if value is None else str(value)
        out[label] = _LABEL_BAD.sub("-", text.lower())[:63]
        origin[label] = key
    return out


def continent(region):
    """The multi-region (``EU``, ``US``, ``ASIA``) a region can pair in, or None."""
    for prefix, name in CONTINENTS:
        if str(region).startswith(prefix):
            return name
    return None


def gcs_bucket_plan(buckets, region, failover_region=None, tags=None, cross_continent="fail"):
    """``gcs_bucket``'s options for each bucket of a ``bucket_layout`` result in ``region``.

    Every bucket: ``location`` the region (upper-cased, as the API returns it), versioning on, uniform
    bucket-level access on, public access prevention enforced, lifecycle rules (noncurrent versions
    deleted ``noncurrent_days`` after they became noncurrent, live objects ``expiration_days`` after
    their creation when given, incomplete multipart uploads after 7 days), labels from ``tags`` with
    ``meridian:data-class`` (``gcp_labels``), the CMEK ``gcp_kms_key_name`` when given (else
    Google-managed encryption; the AWS ``encryption`` field does not apply), a retention policy of
    ``gcp_retention_days`` when given. ``replicate: true`` makes a configurable dual-region (location
    the continent's multi-region, ``data_locations`` [region, failover region]).

    No dual-region spans two continents: with ``cross_continent`` ``fail`` such a bucket is an error;
    with ``single_region`` it is built in the region alone, uncopied, and says so (``unreplicated``).

    Returns one dict per bucket: ``bucket`` (the layout item's name), ``name``, ``options``
    (gcs_bucket's), ``unreplicated`` (None, or why a bucket with ``replicate`` has no copy) and
    ``error`` (None, or ``{field, message}`` for what cannot be built: a dual-region across
    continents, a key of another location), so that preflight refuses it and teardown still finds the
    others.
    """
    if not isinstance(buckets, (list, tuple)):
        raise GceError("meridian_buckets", "expected a bucket_layout result, got %r" % (buckets,))
    if cross_continent not in ("fail", "single_region"):
        raise GceError("storage_gcp_cross_continent", "%r is not fail or single_region" % (cross_continent,))
    base = gcp_labels(tags)
    out = []
    for i, item in enumerate(buckets):
        field = "meridian_buckets[%d]" % i
        error = unreplicated = None
        location, data_locations = region.upper(), None
        if item.get("replicate"):
            here, there = continent(region), continent(failover_region)
            if (here is None or here != there) and cross_continent == "single_region":
                unreplicated = ("%s is kept in %s alone, with no copy in %s: no dual-region spans two continents "
                                "(storage_gcp_cross_continent: single_region)" % (item["bucket"], region, failover_region))
            elif here is None or here != there:
                error = {"field": field + ".replicate",
                         "message": "%s replicates to %s, but Cloud Storage has no per-bucket replication: the copy is a "
                                    "dual-region bucket, whose two regions must lie on one continent (EU, US or ASIA); "
                                    "%s and %s do not. Set replicate: false or pair the region with a failover region of "
                                    "its continent, or accept a bucket without a copy (storage_gcp_cross_continent: single_region)"
                                    % (item["name"], failover_region, region, failover_region)}
            else:
                location, data_locations = here, sorted([region.upper(), str(failover_region).upper()])
        labels = dict(base)
        labels.update(gcp_labels({"meridian:data-class": item.get("data_class")}, field))
        noncurrent = {"days_since_noncurrent_time": int(item["noncurrent_days"]), "is_live": False}
        rules = [{"action": "Delete", "condition": noncurrent},
                 {"action": "AbortIncompleteMultipartUpload", "condition": {"age": ABORT_UPLOADS_DAYS}}]
        if item.get("expiration_days"):
            rules.insert(1, {"action": "Delete", "condition": {"age": int(item["expiration_days"]), "is_live": True}})
        options = {"name": item["bucket"], "location": location, "versioning": True,
                   "uniform_bucket_level_access": True, "public_access_prevention": "enforced",
                   "lifecycle_rules": rules, "labels": labels, "default_kms_key_name": ""}
        if data_locations:
            options["data_locations"] = data_locations
        key = item.get("gcp_kms_key_name")
        if key:
            match = _KMS_RE.match(str(key))
            if not match:
                error = error or {"field": field + ".gcp_kms_key_name",
                                  "message": "%r is not a Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K)"
                                             % (key,)}
            elif match.group(1).lower() != location.lower():
                error = error or {"field": field + ".gcp_kms_key_name",
                                  "message": "the key of %s is in location %s; Cloud Storage encrypts the bucket only with "
                                             "a key of its own location, %s" % (item["name"], match.group(1),
                                                                                location.lower())}
            options["default_kms_key_name"] = str(key)
        days = item.get("gcp_retention_days")
        if days is not None:
            if isinstance(days, bool) or not isinstance(days, int) or days < 0 or days > 36500:
                error = error or {"field": field + ".gcp_retention_days",
                                  "message": "%r is not a number of days between 0 and 36500" % (days,)}
            else:
                options["retention_period"] = days * 86400
        out.append({"bucket": item["bucket"], "name": item["name"], "options": options, "unreplicated": unreplicated,
                    "error": error})
    return out


def gcs_owned(results, tags):
    """The names of the buckets read back (``gcs_bucket`` results, each with ``resource``) that exist and
    carry every label of the estate's ``tags`` (``gcp_labels``): what teardown may remove."""
    wanted = gcp_labels(tags)
    out = []
    for result in results or []:
        resource = (result or {}).get("resource") or {}
        labels = resource.get("labels") or {}
        if resource.get("name") and all(labels.get(k) == v for k, v in wanted.items()):
            out.append(resource["name"])
    return out
