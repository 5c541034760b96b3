#!/usr/bin/env python
"""Kubernetes manifests: render and validate many clusters x services, as provisioning does.

    .venv/bin/python benchmarks/k8s_render.py [--clusters 10] [--services 20] [--version 1.33] --out FILE.json

Builds a catalogue of ``--services`` services (alternating HPA and fixed-replica services, half with
a request-rate target) and ``--clusters`` cluster settings (AWS regions of the region catalog,
paired, Istio and the Prometheus operator on, so every component renders), then for every cluster
renders the five components with the production code (``k8s.workloads.manifests_for``), validates
every manifest (``k8s.schema.validate_manifests``: kubernetes-validate strict for built-in kinds, the
copied CRD schemas for the rest) and lays out the gitops text (``k8s.layout.dump``), all in one
process as ``make provision`` would across its hosts. Reported: total wall time, the first cluster
(schemas loaded) and the rest, manifests per second. The goal (docs/benchmarks.md) is under 15 s on
2 cores for 10 x 20.
"""

from __future__ import print_function

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import cluster_settings  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.schema import validate_manifests  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import manifests_for  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.catalog import known_regions  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue  # noqa: E402

COMPONENTS = ("namespace", "network", "compute", "monitoring", "routing")
PROJECT, ENV = "meridian", "bench"


def services(count):
    out = []
    for i in range(count):
        k8s = {
            "image": "registry.example.com/meridian/svc%02d:1.0.0" % i,
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
            "hpa": i % 2 == 0,
        }
        if i % 4 == 0:
            k8s["requests_per_second_target"] = 100
        out.append({
            "name": "svc%02d" % i,
            "port": 8000 + i,
            "health_path": "/healthz",
            "data_class": "operational",
            "capacity": {"min": 2, "max": 20, "initial": 3},
            "scaling": {"strategy": "static", "target_cpu": 60},
            "k8s": k8s,
        })
    return out


def clusters(count, version):
    regions = sorted(known_regions("aws"))[:max(count, 2)]
    out = []
    for i in range(count):
        region = regions[i % len(regions)]
        partner = regions[(i + 1) % len(regions)]
        raw = {
            "cloud": "aws", "cluster": "bench-%02d-%s" % (i, region), "version": version, "delivery": "gitops",
            "gitops_dir": "/nonexistent/gitops", "zones": [region + "a", region + "b", region + "c"],
            "istio": True, "prometheus_operator": True,
        }
        out.append((region, partner, raw))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--version", default="1.33")
    parser.add_argument("--out")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    entries = catalogue(services(args.services), PROJECT, ENV, providers=("k8s",))
    per_cluster = []
    manifests = 0
    text_bytes = 0
    for region, partner, raw in clusters(args.clusters, args.version):
        t0 = time.perf_counter()
        cluster = cluster_settings(raw, PROJECT, ENV, region, partner)
        for component in COMPONENTS:
            rendered = manifests_for(component, entries, cluster, PROJECT, ENV)
            validate_manifests(rendered, args.version)
            text_bytes += sum(len(layout.dump(m)) for m in rendered)
            manifests += len(rendered)
        per_cluster.append(time.perf_counter() - t0)
    total = time.perf_counter() - start
    result = {
        "clusters": args.clusters,
        "services": args.services,
        "version": args.version,
        "manifests": manifests,
        "bytes": text_bytes,
        "total_seconds": round(total, 3),
        "first_cluster_seconds": round(per_cluster[0], 3),
        "other_clusters_median_seconds": round(statistics.median(per_cluster[1:]), 3) if len(per_cluster) > 1 else None,
        "manifests_per_second": round(manifests / total, 1),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(result, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
