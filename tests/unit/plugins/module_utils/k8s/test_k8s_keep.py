# -*- coding: utf-8 -*-
"""Kept fields: the scale job's floor survives re-provisioning, clamped into the catalogue's bounds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.keep import keep_owned_fields
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import manifests_for


def _existing(kind, name, field, value, namespace="meridian-local"):
    return {"apiVersion": "x", "kind": kind, "metadata": {"name": name, "namespace": namespace}, "spec": {field: value}}


def _spec(manifests, kind, name):
    return [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name][0]["spec"]


@pytest.fixture
def rendered(make_services, make_cluster):
    """(services, compute manifests): web with an HPA (capacity 1..6), api without (1..10), both predictive."""
    services = make_services(api={"hpa": False})
    return services, manifests_for("compute", services, make_cluster(), "meridian", "local")


@pytest.mark.parametrize("have, want", [(4, 4), (1, 1), (6, 6), (9, 6), (0, 1)])
def test_the_hpa_floor_is_kept_and_clamped(rendered, have, want):
    services, manifests = rendered
    out = keep_owned_fields(manifests, [_existing("HorizontalPodAutoscaler", "web", "minReplicas", have)], services)
    assert _spec(out, "HorizontalPodAutoscaler", "web")["minReplicas"] == want
    assert _spec(out, "HorizontalPodAutoscaler", "web")["maxReplicas"] == 6


@pytest.mark.parametrize("have, want", [(7, 7), (12, 10), (0, 1)])
def test_without_an_hpa_the_deployment_replicas_are_kept_and_clamped(rendered, have, want):
    services, manifests = rendered
    out = keep_owned_fields(manifests, [_existing("Deployment", "api", "replicas", have)], services)
    assert _spec(out, "Deployment", "api")["replicas"] == want


def test_a_deployment_with_an_hpa_gets_no_replicas(rendered):
    services, manifests = rendered
    out = keep_owned_fields(manifests, [_existing("Deployment", "web", "replicas", 5)], services)
    assert "replicas" not in _spec(out, "Deployment", "web")


def test_an_hpa_floor_is_at_least_one_even_when_capacity_may_reach_zero(make_services, make_cluster):
    services = make_services()
    services[0]["capacity"] = {"min": 0, "max": 6, "initial": 0}
    manifests = manifests_for("compute", services, make_cluster(), "meridian", "local")
    out = keep_owned_fields(manifests, [_existing("HorizontalPodAutoscaler", "web", "minReplicas", 0)], services)
    assert _spec(out, "HorizontalPodAutoscaler", "web")["minReplicas"] == 1


def test_new_objects_start_at_the_initial_capacity(rendered):
    services, manifests = rendered
    assert keep_owned_fields(manifests, [], services) == manifests
    assert keep_owned_fields(manifests, None, services) == manifests


def test_a_static_service_is_held_at_its_initial_capacity(make_services, make_cluster):
    services = make_services(api={"hpa": False})
    for service in services:
        service["scaling"] = {"strategy": "static", "owner": "provision", "target_cpu": 50}
    manifests = manifests_for("compute", services, make_cluster(), "meridian", "local")
    existing = [_existing("HorizontalPodAutoscaler", "web", "minReplicas", 4), _existing("Deployment", "api", "replicas", 4)]
    assert keep_owned_fields(manifests, existing, services) == manifests


@pytest.mark.parametrize("existing", [
    _existing("HorizontalPodAutoscaler", "web", "minReplicas", 4, namespace="other"),
    _existing("HorizontalPodAutoscaler", "api", "minReplicas", 4),
    _existing("Deployment", "web", "minReplicas", 4),
    _existing("HorizontalPodAutoscaler", "web", "minReplicas", None),
    _existing("HorizontalPodAutoscaler", "web", "minReplicas", "4"),
    _existing("HorizontalPodAutoscaler", "web", "minReplicas", True),
    {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web", "namespace": "meridian-local"}},
    "not a manifest",
])
def test_unmatched_or_unusable_existing_objects_change_nothing(rendered, existing):
    services, manifests = rendered
    assert keep_owned_fields(manifests, [existing], services) == manifests


def test_nothing_passed_in_is_changed(rendered):
    services, manifests = rendered
    existing = [_existing("HorizontalPodAutoscaler", "web", "minReplicas", 3)]
    before = copy.deepcopy((manifests, existing, services))
    out = keep_owned_fields(manifests, existing, services)
    assert (manifests, existing, services) == before
    assert out is not manifests and all(a is not b for a, b in zip(out, manifests))
    assert _spec(manifests, "HorizontalPodAutoscaler", "web")["minReplicas"] == 1


def test_other_fields_and_kinds_stay_as_rendered(rendered):
    services, manifests = rendered
    existing = [dict(_existing("HorizontalPodAutoscaler", "web", "minReplicas", 3),
                     spec={"minReplicas": 3, "maxReplicas": 50, "metrics": []}),
                _existing("Service", "web", "type", "NodePort")]
    out = keep_owned_fields(manifests, existing, services)
    changed = [(a["kind"], a["metadata"]["name"]) for a, b in zip(out, manifests) if a != b]
    assert changed == [("HorizontalPodAutoscaler", "web")]
    assert _spec(out, "HorizontalPodAutoscaler", "web")["metrics"] == _spec(manifests, "HorizontalPodAutoscaler", "web")["metrics"]
