# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Region selection from user-level options: validation, demand, candidates, solve, explanation.

``select_regions(options)`` is the whole computation behind the ``region_select`` lookup. It is
pure (packaged data only) and raises ``RegionSelectionError`` naming the field for bad input and
the binding constraint plus unservable markets for infeasible input. Bad input is rejected before
any optimisation runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:
    HAS_NUMPY = False

from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import (
    PROVIDERS,
    RegionSelectionError,
    cities_by_country,
    find_region,
    normalize_country,
    regions,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.latency import (
    city_region_rtt_ms,
    haversine_km,
    model,
    region_rtt_ms,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.optimize import (
    Instance,
    assign,
    check_feasible,
    evaluate,
    max_served_markets,
    solve,
    weighted_quantile,
    HAS_MILP,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy

DEFAULTS = {
    "markets": None,
    "data_classes": None,
    "residency": None,
    "latency_slo_ms": None,
    "latency_percentile": 95,
    "regions": None,
    "min_regions": None,
    "max_regions": None,
    "providers": list(PROVIDERS),
    "required_features": [],
    "min_azs": 0,
    "cost_weight": 0.0,
    "exclude_regions": [],
    "candidate_regions": [],
    "include_opt_in": True,
    "include_restricted_partitions": False,
    "failover_min_km": 300.0,
    "failover_required": True,
    "max_cities_per_market": 0,
}


def _number(options, key, minimum=None, integer=False, allow_none=True):
    value = options.get(key)
    if value is None:
        if allow_none:
            return None
        raise RegionSelectionError(key, "is required")
    if isinstance(value, bool):
        raise RegionSelectionError(key, "expected a number, got %r" % (value,))
    try:
        number = int(value) if integer and float(value) == int(float(value)) else float(value)
    except (TypeError, ValueError):
        raise RegionSelectionError(key, "expected a number, got %r" % (value,))
    if integer and not isinstance(number, int):
        raise RegionSelectionError(key, "expected a whole number, got %r" % (value,))
    if math.isnan(number) or (minimum is not None and number < minimum):
        raise RegionSelectionError(key, "must be >= %s, got %r" % (minimum, value))
    return number


def _list(options, key):
    value = options.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise RegionSelectionError(key, "expected a list, got %r" % (value,))
    return list(value)


def _weight(value, field):
    if isinstance(value, bool):
        raise RegionSelectionError(field, "expected a number, got %r" % (value,))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RegionSelectionError(field, "expected a number, got %r" % (value,))
    if math.isnan(number) or number < 0 or math.isinf(number):
        raise RegionSelectionError(field, "weights must be finite and >= 0, got %r" % (value,))
    return number


def _top(city_list, limit):
    ordered = sorted(city_list, key=lambda c: -c["population"])
    return ordered[:limit] if limit else ordered


def build_demand(markets, max_cities=0):
    """Markets option -> list of demand points and market labels.

    Returns (points, labels): points are dicts name, country, latitude, longitude, weight, market
    (index into labels). Markets of weight 0 are left out. Accepted forms: a list of country codes; a mapping country -> weight; a
    list mixing country codes and city entries ({city, country[, weight]} or {name, latitude,
    longitude, country[, weight]}).
    """
    if markets is None or markets == [] or markets == {}:
        raise RegionSelectionError("markets", "at least one market is required (country codes, "
                                              "{country: weight} or city entries)")
    by_country = cities_by_country()
    entries = []
    if isinstance(markets, dict):
        for key in sorted(markets):
            entries.append(("markets.%s" % key, key, _weight(markets[key], "markets.%s" % key)))
        total = sum(e[2] for e in entries)
        if not total > 0:
            raise RegionSelectionError("markets", "weights must sum to a positive number, got %s" % (total,))
    elif isinstance(markets, (list, tuple)):
        entries = [("markets[%d]" % i, item, None) for i, item in enumerate(markets)]
    else:
        raise RegionSelectionError("markets", "expected a list or a mapping, got %r" % (markets,))
    points, labels, seen = [], [], set()
    for field, item, weight in entries:
        if isinstance(item, dict):
            country = normalize_country(item.get("country"), field + ".country")
            if "latitude" in item or "longitude" in item:
                try:
                    lat, lon = float(item["latitude"]), float(item["longitude"])
                except (KeyError, TypeError, ValueError):
                    raise RegionSelectionError(field, "a city given by coordinates needs numeric latitude and longitude")
                if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise RegionSelectionError(field, "coordinates out of range: %r, %r" % (lat, lon))
                name = str(item.get("name") or item.get("city") or "%.3f,%.3f" % (lat, lon))
                population = None
            else:
                name = item.get("city") or item.get("name")
                match = [c for c in by_country.get(country, []) if c["name"].lower() == str(name).lower()]
                if not name or not match:
                    raise RegionSelectionError(field + ".city", "unknown city %r in %s; give latitude and longitude "
                                                                "or use a city from the packaged list" % (name, country))
                city = max(match, key=lambda c: c["population"])
                lat, lon, name, population = city["latitude"], city["longitude"], city["name"], city["population"]
            w = item.get("weight", population)
            if w is None:
                raise RegionSelectionError(field + ".weight", "a city given by coordinates needs a weight")
            w = _weight(w, field + ".weight")
            if w == 0:
                continue
            label = "%s/%s" % (country, name)
            if label in seen:
                raise RegionSelectionError(field, "market %s is listed twice" % label)
            seen.add(label)
            labels.append(label)
            points.append({"name": name, "country": country, "latitude": lat, "longitude": lon,
                           "weight": w, "market": len(labels) - 1})
            continue
        country = normalize_country(item, field)
        if weight == 0:
            continue
        if country in seen:
            raise RegionSelectionError(field, "market %s is listed twice" % country)
        seen.add(country)
        city_list = _top([c for c in by_country.get(country, []) if c["population"] > 0], max_cities)
        if not city_list:
            raise RegionSelectionError(field, "no population data for %s; list its cities with coordinates" % country)
        total = float(sum(c["population"] for c in city_list))
        labels.append(country)
        for c in city_list:
            w = c["population"] if weight is None else weight * c["population"] / total
            points.append({"name": c["name"], "country": country, "latitude": c["latitude"],
                           "longitude": c["longitude"], "weight": w, "market": len(labels) - 1})
    if not sum(p["weight"] for p in points) > 0:
        raise RegionSelectionError("markets", "weights must sum to a positive number")
    return points, labels


def _candidates(options):
    """Filter the catalog; returns (candidates, rejected list of {provider, region, reason})."""
    providers = _list(options, "providers") or list(PROVIDERS)
    for i, p in enumerate(providers):
        if p not in PROVIDERS:
            raise RegionSelectionError("providers[%d]" % i, "unknown provider %r (known: %s)" % (p, ", ".join(PROVIDERS)))
    excluded = set(find_region(r, "exclude_regions[%d]" % i)["key"] for i, r in enumerate(_list(options, "exclude_regions")))
    only = set(find_region(r, "candidate_regions[%d]" % i)["key"] for i, r in enumerate(_list(options, "candidate_regions")))
    features = [str(f) for f in _list(options, "required_features")]
    known_features = set(f for r in regions() for f in r["features"])
    for i, f in enumerate(features):
        if f not in known_features:
            raise RegionSelectionError("required_features[%d]" % i, "unknown feature %r (known: %s)"
                                       % (f, ", ".join(sorted(known_features))))
    min_azs = _number(options, "min_azs", minimum=0, integer=True) or 0
    out, rejected = [], []
    for region in regions():
        reason = None
        if region["provider"] not in providers:
            reason = "provider %s is not in providers" % region["provider"]
        elif region["key"] in excluded:
            reason = "listed in exclude_regions"
        elif only and region["key"] not in only:
            reason = "not in candidate_regions"
        elif region["partition"] not in PROVIDERS and not options.get("include_restricted_partitions"):
            reason = "restricted partition %s (set include_restricted_partitions)" % region["partition"]
        elif region["opt_in"] == "opt-in-required" and not options.get("include_opt_in", True):
            reason = "opt-in region and include_opt_in is false"
        elif region["az_count"] < min_azs:
            reason = "%d availability zones < min_azs %d" % (region["az_count"], min_azs)
        else:
            missing = [f for f in features if f not in region["features"]]
            if missing:
                reason = "missing required features: %s" % ", ".join(missing)
        if reason:
            rejected.append({"provider": region["provider"], "region": region["code"], "reason": reason})
        else:
            out.append(region)
    return out, rejected


def _region_count(options, n_candidates):
    exact = _number(options, "regions", minimum=1, integer=True)
    k_min = _number(options, "min_regions", minimum=1, integer=True)
    k_max = _number(options, "max_regions", minimum=1, integer=True)
    if exact is not None:
        if k_min is not None or k_max is not None:
            raise RegionSelectionError("regions", "give either regions or min_regions/max_regions, not both")
        k_min = k_max = exact
    k_min = k_min or 1
    k_max = k_max or max(k_min, 3)
    if k_min > k_max:
        raise RegionSelectionError("min_regions", "min_regions %d > max_regions %d" % (k_min, k_max))
    return k_min, k_max


def region_bounds(options):
    """(min, max) number of regions the options allow, validated like ``select_regions`` does."""
    return _region_count(options or {}, None)


def select_regions(options):
    """Choose regions; see the lookup's documentation for options and result."""
    if not HAS_NUMPY:
        raise RegionSelectionError("numpy", "numpy is required on the controller")
    opts = dict(DEFAULTS)
    opts.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
    unknown = sorted(set(options or {}) - set(DEFAULTS))
    if unknown:
        raise RegionSelectionError(unknown[0], "unknown option; known: %s" % ", ".join(sorted(DEFAULTS)))
    # --- validate everything before any optimisation
    policy = ResidencyPolicy(opts.get("residency"), opts.get("data_classes"))
    slo = _number(opts, "latency_slo_ms", minimum=0)
    if slo is not None and slo <= 0:
        raise RegionSelectionError("latency_slo_ms", "must be > 0")
    percentile = _number(opts, "latency_percentile", minimum=0)
    if not 0 < percentile <= 100:
        raise RegionSelectionError("latency_percentile", "must be in (0, 100], got %r" % (percentile,))
    cost_weight = _number(opts, "cost_weight", minimum=0) or 0.0
    min_km = _number(opts, "failover_min_km", minimum=0) or 0.0
    max_cities = _number(opts, "max_cities_per_market", minimum=0, integer=True) or 0
    candidates, rejected = _candidates(opts)
    points, labels = build_demand(opts.get("markets"), max_cities)
    k_min, k_max = _region_count(opts, len(candidates))
    if not candidates:
        raise RegionSelectionError("providers", "no candidate region remains after providers, exclude_regions, "
                                                "min_azs and required_features")
    # --- residency and failover availability, per (market country, region)
    countries = sorted(set(p["country"] for p in points))
    region_cc = [r["country"] for r in candidates]
    allowed_cc = dict((cc, np.array([policy.allows(cc, rc)[0] for rc in region_cc])) for cc in countries)
    rlat = np.array([r["latitude"] for r in candidates])
    rlon = np.array([r["longitude"] for r in candidates])
    dist = haversine_km(rlat[:, None], rlon[:, None], rlat[None, :], rlon[None, :])
    far = dist >= min_km
    np.fill_diagonal(far, False)
    has_partner = dict((cc, (far & allowed_cc[cc][None, :]).any(axis=1) & allowed_cc[cc]) for cc in countries)
    failover_required = bool(opts.get("failover_required", True))
    point_cc = [p["country"] for p in points]
    allowed_res = np.array([allowed_cc[cc] for cc in point_cc])
    allowed = np.array([has_partner[cc] for cc in point_cc]) if failover_required else allowed_res
    latency = city_region_rtt_ms(np.array([p["latitude"] for p in points]), np.array([p["longitude"] for p in points]),
                                 rlat, rlon)
    weights = np.array([p["weight"] for p in points], dtype=float)
    keep = weights > 0
    market_idx = np.array([p["market"] for p in points])
    inst = Instance(latency[keep], allowed[keep], weights[keep], market_idx[keep],
                    [r["price_index"] for r in candidates], k_min, min(k_max, len(candidates)), cost_weight,
                    slo, percentile / 100.0, labels)
    if inst.n_markets < len(labels):
        raise RegionSelectionError("markets", "markets with zero weight only: %s" % ", ".join(labels[inst.n_markets:]))
    # --- infeasibility, named
    res_only = Instance(latency[keep], allowed_res[keep], weights[keep], market_idx[keep], inst.price,
                        k_min, inst.k_max, cost_weight, slo, percentile / 100.0, labels)
    check_feasible(res_only)
    try:
        check_feasible(inst, field_residency="failover_min_km", field_slo="failover_min_km")
    except RegionSelectionError as err:
        raise RegionSelectionError("failover_min_km", "no failover partner at least %g km away satisfies the same "
                                   "residency for markets %s; lower failover_min_km, allow more regions or set "
                                   "failover_required: false" % (min_km, ", ".join(err.markets)), markets=err.markets)
    subset, value, method = solve(inst)
    if subset is None or value is None:
        unserved = [labels[i] for i in max_served_markets(inst)] if HAS_MILP else []
        raise RegionSelectionError("max_regions", "%d region(s) cannot serve every market within residency%s "
                                   "(markets left out by the best choice: %s); raise max_regions or relax the constraints"
                                   % (inst.k_max, " and the latency SLO" if slo is not None else "",
                                      ", ".join(unserved) or "unknown"), markets=unserved)
    return _explain(inst, subset, value, method, candidates, rejected, points, keep, labels, policy,
                    allowed_cc, dist, min_km, opts)


def _explain(inst, subset, value, method, candidates, rejected, points, keep, labels, policy, allowed_cc,
             dist, min_km, opts):
    pts = [p for p, k in zip(points, keep) if k]
    region_of, best = assign(inst, subset)
    quant = inst.slo_quantile
    markets = {}
    for mi, label in enumerate(labels):
        sel = inst.market == mi
        w = inst.weight[sel]
        lat = best[sel]
        shares = {}
        for r, ww in zip(region_of[sel], w):
            key = candidates[r]["code"]
            shares[key] = shares.get(key, 0.0) + ww
        total = float(w.sum())
        cc = pts[int(np.nonzero(sel)[0][0])]["country"]
        markets[label] = {
            "country": cc,
            "jurisdiction": policy.jurisdiction_of(cc),
            "population_share": round(total, 6),
            "p50_ms": round(weighted_quantile(lat, w, 0.5), 1),
            "p95_ms": round(weighted_quantile(lat, w, 0.95), 1),
            "slo_quantile_ms": round(weighted_quantile(lat, w, quant), 1),
            "mean_ms": round(float(np.dot(lat, w) / total), 1),
            "regions": dict((k, round(v / total, 4)) for k, v in sorted(shares.items())),
            "meets_slo": None if inst.slo_ms is None else bool(weighted_quantile(lat, w, quant) <= inst.slo_ms + 1e-9),
        }
    chosen = []
    for r in subset:
        region = candidates[r]
        sel = region_of == r
        served_markets = sorted(set(labels[m] for m in inst.market[sel]))
        served_cc = sorted(set(markets[m]["country"] for m in served_markets))
        order = np.argsort(-inst.weight[sel])
        cities = ["%s, %s" % (pts[i]["name"], pts[i]["country"]) for i in np.nonzero(sel)[0][order][:10]]
        partner = _failover(region, r, candidates, served_cc, allowed_cc, dist, min_km, subset)
        entry = {
            "provider": region["provider"],
            "region": region["code"],
            "name": region["name"],
            "city": region["city"],
            "country": region["country"],
            "jurisdiction": region["jurisdiction"],
            "markets": served_markets,
            "population_share": round(float(inst.weight[sel].sum()), 6),
            "top_cities": cities,
            "price_index": region["price_index"],
            "price_usd_hour": region["price_usd_hour"],
            "price_estimated": region["price_estimated"],
            "reference_instance": region["reference_instance"],
            "az_count": region["az_count"],
            "opt_in": region["opt_in"],
        }
        entry.update(partner)
        chosen.append(entry)
    chosen.sort(key=lambda e: -e["population_share"])
    rejected = list(rejected)
    for r, region in enumerate(candidates):
        if r in subset:
            continue
        rejected.append({"provider": region["provider"], "region": region["code"],
                         "reason": _why_not(inst, subset, value, r, candidates)})
    rejected.sort(key=lambda e: (e["provider"], e["region"]))
    mean_latency = float(np.dot(inst.weight, best))
    cost = float(inst.price[list(subset)].sum())
    return {
        "regions": chosen,
        "markets": markets,
        "cost": {"price_index_total": round(cost, 4),
                 "usd_hour_reference_instances": round(sum(candidates[r]["price_index"] for r in subset)
                                                       * 0.096, 4),
                 "cost_weight": inst.cost_weight},
        "objective": {"value": round(value, 4), "mean_latency_ms": round(mean_latency, 2),
                      "cost_term": round(inst.cost_weight * cost, 4)},
        "rejected": rejected,
        "solver": {"method": method, "optimal": method == "milp-highs", "candidates": inst.n_regions,
                   "demand_points": inst.n_points, "markets": inst.n_markets},
        "constraints": {"min_regions": inst.k_min, "max_regions": inst.k_max, "latency_slo_ms": inst.slo_ms,
                        "latency_percentile": inst.slo_quantile * 100, "failover_min_km": min_km,
                        "data_classes": policy.data_classes,
                        "residency": dict((j, policy.describe(j)) for j in
                                          sorted(set(m["jurisdiction"] for m in markets.values())))},
        "latency_model": dict((k, round(v, 6)) for k, v in model().items()),
        "disclaimer": policy.disclaimer,
    }


def _failover(region, r, candidates, served_cc, allowed_cc, dist, min_km, subset):
    """Partner: allowed for every served country, >= min_km away; same provider, then lowest RTT."""
    options = []
    for j, other in enumerate(candidates):
        if j == r or dist[r, j] < min_km:
            continue
        covers = [cc for cc in served_cc if allowed_cc[cc][j]]
        rtt, source = region_rtt_ms(region, other)
        options.append((-len(covers), other["provider"] != region["provider"], rtt, j, covers, source))
    if not options:
        return {"failover_region": None, "failover_provider": None,
                "failover_note": "no region at least %g km away" % min_km}
    options.sort()
    neg_cov, _other_provider, rtt, j, covers, source = options[0]
    other = candidates[j]
    out = {"failover_region": other["code"], "failover_provider": other["provider"],
           "failover_distance_km": round(float(dist[r, j]), 0), "failover_rtt_ms": round(rtt, 1),
           "failover_rtt_source": source, "failover_is_active": j in subset}
    missing = [cc for cc in served_cc if cc not in covers]
    if missing:
        out["failover_note"] = "partner does not satisfy residency for %s" % ", ".join(missing)
    return out


def _why_not(inst, subset, value, r, candidates):
    if not inst.allowed[:, r].any():
        return "residency or failover availability forbids serving any market from it"
    trials = []
    if len(subset) < inst.k_max:
        trials.append((tuple(sorted(subset + (r,))), None))
    for out in subset:
        trials.append((tuple(sorted([x for x in subset if x != out] + [r])), out))
    best = None
    for trial, out in trials:
        v = evaluate(inst, trial)
        if v is not None and (best is None or v < best[0]):
            best = (v, out)
    if best is None:
        return "any set containing it that differs by one region violates the SLO, residency or region count"
    delta = best[0] - value
    action = "adding it" if best[1] is None else "replacing %s with it" % candidates[best[1]]["code"]
    return "not optimal: %s raises the objective by %.3f" % (action, delta)
