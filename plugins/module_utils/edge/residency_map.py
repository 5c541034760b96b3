# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The residency routing map the edge reads: data class and viewer country -> the region to serve from.

``residency_map`` judges every (data class, country) pair with the collection's one residency rule
(``regions.residency.ResidencyPolicy.violation``, with the inventory's overrides) against the
countries of the estate's regions, and keeps, for each pair with at least one allowed region, the
allowed region nearest to the country's people (population-weighted great-circle distance from the
country's demand cities, the ones region selection uses). A pair no region may serve has no key:
the edge function refuses such requests (HTTP 451) rather than send them to a region the policy
forbids.

Keys are ``<data_class>:<CC>`` (ISO 3166-1 alpha-2); with ``origins`` the map also holds
``origin:<region>`` -> the origin domain name of each region. The map is checked against the
CloudFront KeyValueStore quotas (key 512 bytes, value 1 KB, store 5 MB) before it is returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import (
    cities_by_country,
    find_region,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.latency import haversine_km
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import (
    DEFAULT_JURISDICTION,
    ResidencyPolicy,
)

# Quotas on key value stores (CloudFront Developer Guide, "Quotas"): not adjustable but the count.
KVS_MAX_KEY_BYTES = 512
KVS_MAX_VALUE_BYTES = 1024
KVS_MAX_STORE_BYTES = 5 * 1024 * 1024
ORIGIN_PREFIX = "origin:"


class ResidencyMapError(MeridianError):
    """The estate's regions, the policy or the origins cannot give a routing map (``field`` says which)."""


def kvs_problems(data, field="data"):
    """Where ``data`` ({key: value}) breaks the KeyValueStore quotas: a list of messages, empty when it fits."""
    out = []
    total = 0
    for key in sorted(data):
        value = data[key]
        if not isinstance(key, str) or not isinstance(value, str):
            out.append("%s[%r]: keys and values are strings, got %r" % (field, key, value))
            continue
        kb, vb = len(key.encode("utf-8")), len(value.encode("utf-8"))
        total += kb + vb
        if not key:
            out.append("%s: an empty key is not allowed" % field)
        if kb > KVS_MAX_KEY_BYTES:
            out.append("%s[%r]: the key is %d bytes, over the %d-byte key quota" % (field, key[:40], kb, KVS_MAX_KEY_BYTES))
        if vb > KVS_MAX_VALUE_BYTES:
            out.append("%s[%r]: the value is %d bytes, over the 1 KB value quota" % (field, key, vb))
    if total > KVS_MAX_STORE_BYTES:
        out.append("%s: %d bytes of keys and values, over the 5 MB store quota" % (field, total))
    return out


def _estate_regions(regions, provider):
    if isinstance(regions, (str, dict)) or not isinstance(regions, (list, tuple)) or not regions:
        raise ResidencyMapError("regions", "expected a non-empty list of the estate's regions (codes such as "
                                           "eu-west-1, or host variables with meridian_region), got %r" % (regions,))
    out = {}
    for i, item in enumerate(regions):
        field = "regions[%d]" % i
        item_provider = provider
        if isinstance(item, dict):
            code = item.get("meridian_region") or item.get("region") or item.get("code")
            item_provider = item.get("meridian_provider") or item.get("provider") or provider
        else:
            code = item
        if not isinstance(code, str) or not code.strip():
            raise ResidencyMapError(field, "expected a region code (e.g. eu-west-1), got %r" % (item,))
        name = code if "/" in code else "%s/%s" % (item_provider, code.strip())
        region = find_region(name, field)
        out[region["code"]] = region
    return [out[code] for code in sorted(out)]


def _distances(country, regions):
    """Population-weighted mean great-circle km from ``country``'s demand cities to each region."""
    cities = cities_by_country().get(country) or []
    weights = [max(c["population"], 1) for c in cities]
    total = float(sum(weights)) or 1.0
    out = {}
    for region in regions:
        km = 0.0
        for city, weight in zip(cities, weights):
            km += weight * float(haversine_km(city["latitude"], city["longitude"], region["latitude"], region["longitude"]))
        out[region["code"]] = km / total
    return out


def residency_map(regions, overrides=None, data_classes=None, provider="aws", origins=None):
    """``{"<data_class>:<CC>": "<region>"}`` for every country and data class that a region of the
    estate may serve, the nearest allowed region (sorted by key).

    ``regions``: the estate's regions (codes, ``provider/code``, or dicts with ``meridian_region`` and
    ``meridian_provider``); ``overrides``: the inventory's residency overrides (``meridian_residency``);
    ``data_classes``: the classes to map (default: every class the policy has rules for);
    ``origins``: optional {region: origin domain name}, added as ``origin:<region>`` keys (every
    estate region must have one). Countries are those with demand cities in GeoNames (every
    populated country and territory).
    """
    estate = _estate_regions(regions, provider)
    policy = ResidencyPolicy(overrides=overrides or None)
    known = sorted(policy.jurisdictions[DEFAULT_JURISDICTION]["rules"])
    if data_classes is None:
        classes = known
    else:
        if isinstance(data_classes, str) or not isinstance(data_classes, (list, tuple)) or not data_classes:
            raise ResidencyMapError("data_classes", "expected a non-empty list of data class names (%s)" % ", ".join(known))
        for i, name in enumerate(data_classes):
            if name not in known:
                raise ResidencyMapError("data_classes[%d]" % i, "no residency rule for data class %r; use one of %s or "
                                                                "give its rules in meridian_residency" % (name, ", ".join(known)))
        classes = sorted(set(data_classes))
    out = {}
    for country in sorted(cities_by_country()):
        allowed_by_class = {}
        for data_class in classes:
            allowed_by_class[data_class] = [r for r in estate if policy.violation(data_class, country, r["country"]) is None]
        if not any(allowed_by_class.values()):
            continue
        distance = _distances(country, estate) if len(estate) > 1 else {estate[0]["code"]: 0.0}
        for data_class in classes:
            allowed = allowed_by_class[data_class]
            if allowed:
                best = min(allowed, key=lambda r: (round(distance[r["code"]], 3), r["code"]))
                out["%s:%s" % (data_class, country)] = best["code"]
    if origins:
        if not isinstance(origins, dict):
            raise ResidencyMapError("origins", "expected a mapping of region -> origin domain name, got %r" % (origins,))
        for region in estate:
            domain = origins.get(region["code"])
            if not isinstance(domain, str) or not domain.strip():
                raise ResidencyMapError("origins.%s" % region["code"], "no origin domain name for region %s; give every "
                                                                       "region of the estate its origin (e.g. its load "
                                                                       "balancer's DNS name)" % region["code"])
            out[ORIGIN_PREFIX + region["code"]] = domain.strip()
    problems = kvs_problems(out, "residency map")
    if problems:
        raise ResidencyMapError("residency map", "does not fit a key value store: " + "; ".join(problems[:5]))
    return dict(sorted(out.items()))
