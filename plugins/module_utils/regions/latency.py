# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Latency model: measured AWS inter-region RTT where it exists, a calibrated distance model elsewhere.

The distance model is ``rtt_ms = intercept_ms + ms_per_km * great_circle_km``. It is fitted on the
measured AWS matrix by minimising the sum of absolute *relative* errors (a linear programme solved
with HiGHS), so that its median absolute percentage error is what it is tuned for. The same model
is used from a user's city to a region: it then stands for the RTT from a well-connected host in
that city; last-mile access latency is not included.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import math

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:
    HAS_NUMPY = False

# scipy is imported where the fit needs it: its import costs a controller process about 0.7 s of CPU,
# and every filter module of the collection (loaded by each task that uses one) imports this file.
HAS_SCIPY = importlib.util.find_spec("scipy") is not None

from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import (
    load_measured_rtt,
    regions,
)

EARTH_RADIUS_KM = 6371.0088

_CACHE = {}


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; numpy arrays broadcast, scalars work too."""
    if HAS_NUMPY:
        lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
        h = np.sin((lat2 - lat1) / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
        return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (lat1, lon1, lat2, lon2))
    h = math.sin((lat2 - lat1) / 2.0) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, max(0.0, h))))


def measured_pairs(exclude=None):
    """Measured AWS pairs (each unordered pair once): list of (a, b, km, rtt_ms), both directions averaged."""
    rtt = load_measured_rtt()
    coords = dict((r["code"], (r["latitude"], r["longitude"])) for r in regions() if r["provider"] == "aws")
    names = sorted(n for n in rtt if n in coords and n not in (exclude or ()))
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            values = [v for v in (rtt[a].get(b), rtt.get(b, {}).get(a)) if v]
            if not values:
                continue
            km = float(haversine_km(coords[a][0], coords[a][1], coords[b][0], coords[b][1]))
            out.append((a, b, km, sum(values) / len(values)))
    return out


def fit_distance_model(pairs):
    """Fit (intercept_ms, ms_per_km) minimising sum |pred - rtt| / rtt over pairs."""
    km = [p[2] for p in pairs]
    rtt = [p[3] for p in pairs]
    if HAS_SCIPY and HAS_NUMPY:
        n = len(pairs)
        km_a = np.asarray(km)
        y = np.asarray(rtt)
        # variables: a, b, e_1..e_n ; minimise sum e ; |a + b*km - y| / y <= e
        c = np.concatenate([[0.0, 0.0], np.ones(n)])
        rows_pos = np.column_stack([1.0 / y, km_a / y, -np.eye(n)])
        rows_neg = np.column_stack([-1.0 / y, -km_a / y, -np.eye(n)])
        a_ub = np.vstack([rows_pos, rows_neg])
        b_ub = np.concatenate([np.ones(n), -np.ones(n)])
        bounds = [(0, None), (0, None)] + [(0, None)] * n
        from scipy.optimize import linprog  # pylint: disable=import-outside-toplevel
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if res.status == 0:
            return float(res.x[0]), float(res.x[1])
    # ordinary least squares without numpy/scipy
    n = float(len(km))
    mean_x = sum(km) / n
    mean_y = sum(rtt) / n
    sxx = sum((x - mean_x) ** 2 for x in km)
    sxy = sum((x - mean_x) * (yv - mean_y) for x, yv in zip(km, rtt))
    slope = sxy / sxx
    return mean_y - slope * mean_x, slope


def _median(values):
    values = sorted(values)
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2.0


def model():
    """The calibrated model as a dict: intercept_ms, ms_per_km (cached)."""
    if "model" not in _CACHE:
        intercept, slope = fit_distance_model(measured_pairs())
        _CACHE["model"] = {"intercept_ms": intercept, "ms_per_km": slope}
    return _CACHE["model"]


def model_error(cross_validate=True):
    """Error of the distance model against the measured matrix.

    Returns pairs, median_abs_pct_error (in-sample) and, with cross_validate, the same figure when
    each region's pairs are predicted by a model fitted without that region (leave-one-region-out).
    """
    pairs = measured_pairs()
    m = model()
    errors = [abs(m["intercept_ms"] + m["ms_per_km"] * km - y) / y * 100.0 for _a, _b, km, y in pairs]
    out = {"pairs": len(pairs), "median_abs_pct_error": round(_median(errors), 2),
           "intercept_ms": round(m["intercept_ms"], 3), "ms_per_km": round(m["ms_per_km"], 6)}
    if cross_validate:
        names = sorted(set(p[0] for p in pairs) | set(p[1] for p in pairs))
        cv = []
        for name in names:
            intercept, slope = fit_distance_model(measured_pairs(exclude=[name]))
            for a, b, km, y in pairs:
                if name in (a, b):
                    cv.append(abs(intercept + slope * km - y) / y * 100.0)
        out["loro_median_abs_pct_error"] = round(_median(cv), 2)
    return out


def distance_rtt_ms(km):
    """Modelled RTT for a great-circle distance (scalar or array)."""
    m = model()
    return m["intercept_ms"] + m["ms_per_km"] * km


def region_rtt_ms(region_a, region_b):
    """RTT between two catalog regions: measured (AWS pair in the matrix) or modelled.

    Returns (ms, "measured" | "model").
    """
    if region_a["key"] == region_b["key"]:
        return 0.0, "model"
    if region_a["provider"] == "aws" and region_b["provider"] == "aws":
        rtt = load_measured_rtt()
        values = [v for v in (rtt.get(region_a["code"], {}).get(region_b["code"]),
                              rtt.get(region_b["code"], {}).get(region_a["code"])) if v]
        if values:
            return sum(values) / len(values), "measured"
    km = float(haversine_km(region_a["latitude"], region_a["longitude"], region_b["latitude"], region_b["longitude"]))
    return float(distance_rtt_ms(km)), "model"


def city_region_rtt_ms(city_lat, city_lon, region_lat, region_lon):
    """Modelled RTT matrix: cities (n) x regions (m), numpy arrays in, n x m array out."""
    km = haversine_km(np.asarray(city_lat)[:, None], np.asarray(city_lon)[:, None],
                      np.asarray(region_lat)[None, :], np.asarray(region_lon)[None, :])
    return distance_rtt_ms(km)
