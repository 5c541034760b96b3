# -*- coding: utf-8 -*-
"""Shared inputs of the Kubernetes tests: the local catalogue with k8s settings, and cluster settings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import cluster_settings
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..")

with open(os.path.join(ROOT, "inventories", "local", "group_vars", "all", "services.yml")) as _handle:
    _SERVICES = yaml.safe_load(_handle)["meridian_services"]

K8S = {
    "web": {
        "image": "ghcr.io/example/web:1.4.2",
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "requests_per_second_target": 50,
    },
    "api": {
        "image": "ghcr.io/example/api:2.0.0",
        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
    },
}

CLUSTER = {
    "cloud": "aws",
    "cluster": "local-eu-west-1",
    "version": "1.33",
    "gitops_dir": "/srv/gitops",
    "zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
}


@pytest.fixture
def raw_services():
    """The local inventory's meridian_services, each with a k8s block (a fresh copy per test)."""
    services = copy.deepcopy(_SERVICES)
    for service in services:
        service["k8s"] = copy.deepcopy(K8S[service["name"]])
    return services


@pytest.fixture
def make_services(raw_services):
    """``make_services(web={...k8s changes}, api={...})``: the normalised catalogue (k8s provider)."""
    def make(**changes):
        services = copy.deepcopy(raw_services)
        for service in services:
            service["k8s"].update(changes.get(service["name"], {}))
        return catalogue(services, "meridian", "local", ("k8s",))
    return make


@pytest.fixture
def make_cluster():
    """``make_cluster(istio=True, ...)``: validated settings of the local eu-west-1 cluster."""
    def make(**changes):
        raw = dict(copy.deepcopy(CLUSTER), **changes)
        return cluster_settings(raw, "meridian", "local", "eu-west-1", "us-east-1")
    return make
