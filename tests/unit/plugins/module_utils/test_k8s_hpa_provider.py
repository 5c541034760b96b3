# -*- coding: utf-8 -*-
"""The k8s_hpa scaling provider (pure): an HPA or a Deployment in the neutral model, the floor, the change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    plan_changes,
    validate_decision,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.k8s_hpa import K8sHpaProvider
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.registry import provider

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 11, 20, 10, 0, tzinfo=UTC)
NS = "meridian-local"
CPU_TARGET = {"type": "Utilization", "averageUtilization": 70}
BEHAVIOR = {"scaleDown": {"stabilizationWindowSeconds": 300,
                          "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]}}


def _hpa(min_replicas=2, max_replicas=6):
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "meridian-local-web"},
            "maxReplicas": max_replicas,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": CPU_TARGET}}],
            "behavior": copy.deepcopy(BEHAVIOR)}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "meridian-local-web", "namespace": NS,
                         "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "meridian"},
                         "annotations": {"meridian.global_infra/component": "compute"}},
            "spec": spec}


def _deployment(replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "meridian-local-worker", "namespace": NS, "labels": {"app.kubernetes.io/name": "worker"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": "worker"}},
                     "template": {"metadata": {"labels": {"app.kubernetes.io/name": "worker"}},
                                  "spec": {"containers": [{"name": "worker", "image": "ghcr.io/example/worker:2"}]}}}}


def _decision(target, low=1, high=10, schedule=()):
    return validate_decision({
        "ok": True, "service": "web", "action": "scale_up", "target_capacity": target, "min_capacity": low,
        "max_capacity": high, "schedule": [{"time": t, "capacity": c} for t, c in schedule]})


def _hpa_provider():
    return provider("k8s_hpa", kind="HorizontalPodAutoscaler", namespace=NS)


def test_registry_knows_the_kind():
    assert isinstance(_hpa_provider(), K8sHpaProvider)
    with pytest.raises(ScalingPlanError) as err:
        provider("k8s_hpa", kind="StatefulSet")
    assert err.value.field == "kubernetes.kind"


def test_an_hpa_in_the_neutral_model_has_bounds_and_no_desired_count():
    target = _hpa_provider()
    assert target.normalise_state(_hpa(2, 6)) == {"min_size": 2, "max_size": 6, "desired_capacity": None,
                                                  "scheduled_actions": {}, "native_policy": None}
    assert target.field == "spec.minReplicas"
    # minReplicas left out is the API default, 1
    assert target.normalise_state(_hpa(None, 6))["min_size"] == 1


def test_a_deployment_in_the_neutral_model_is_its_replicas():
    target = provider("k8s_hpa", kind="Deployment", namespace=NS)
    assert target.normalise_state(_deployment(3)) == {"min_size": None, "max_size": None, "desired_capacity": 3,
                                                      "scheduled_actions": {}, "native_policy": None}
    assert target.field == "spec.replicas"


@pytest.mark.parametrize("target_capacity, low, high, max_replicas, floor", [
    (4, 1, 10, 6, 4),     # the forecast's capacity for now
    (8, 1, 10, 6, 6),     # above the HPA's maxReplicas: clamped to it
    (0, 0, 10, 6, 1),     # minReplicas is at least 1
    (3, 3, 10, 6, 3),     # at the decision's minimum
    (2, 2, 10, 1, 1),     # the decision's minimum above maxReplicas: maxReplicas wins
])
def test_the_floor_is_the_capacity_for_now_clamped(target_capacity, low, high, max_replicas, floor):
    target = _hpa_provider()
    current = target.normalise_state(_hpa(2, max_replicas))
    assert target.floor(_decision(target_capacity, low, high), current) == floor


def test_the_plan_changes_min_replicas_only():
    target = _hpa_provider()
    obj = _hpa(2, 6)
    current = target.normalise_state(obj)
    plan = plan_changes(current, target.desired_state(_decision(4), current))
    assert plan["changed"] is True
    assert plan["group"] == {"min_size": {"before": 2, "after": 4}}
    assert plan["scheduled_put"] == [] and plan["scheduled_delete"] == [] and plan["native_policy"] is None
    assert target.value(plan) == 4
    changed = target.changed_object(obj, 4)
    assert changed["spec"]["minReplicas"] == 4 and obj["spec"]["minReplicas"] == 2  # a copy
    rest = copy.deepcopy(changed)
    rest["spec"]["minReplicas"] = 2
    assert rest == obj  # nothing else changed: maxReplicas, metrics, behavior, labels, annotations
    assert changed["spec"]["behavior"] == BEHAVIOR


def test_the_same_floor_is_no_change_and_no_operation():
    target = _hpa_provider()
    current = target.normalise_state(_hpa(4, 6))
    plan = plan_changes(current, target.desired_state(_decision(4), current))
    assert plan["changed"] is False and target.operations("meridian-local-web", plan) == []


def test_the_operation_is_a_server_side_apply_of_the_floor_alone():
    target = _hpa_provider()
    current = target.normalise_state(_hpa(2, 6))
    plan = plan_changes(current, target.desired_state(_decision(5), current))
    assert target.operations("meridian-local-web", plan) == [("server_side_apply", {"body": {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "meridian-local-web", "namespace": NS}, "spec": {"minReplicas": 5}}})]


def test_a_deployment_gets_its_replicas_and_keeps_the_rest():
    target = provider("k8s_hpa", kind="Deployment", namespace=NS)
    obj = _deployment(2)
    current = target.normalise_state(obj)
    plan = plan_changes(current, target.desired_state(_decision(3, 1, 8), current))
    assert plan["group"] == {"desired_capacity": {"before": 2, "after": 3}}
    changed = target.changed_object(obj, target.value(plan))
    assert changed["spec"]["replicas"] == 3
    assert dict(changed["spec"], replicas=2) == obj["spec"] and changed["metadata"] == obj["metadata"]
    assert target.apply_configuration("meridian-local-worker", 3) == {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "meridian-local-worker", "namespace": NS},
        "spec": {"replicas": 3}}


def test_the_later_steps_are_reported_clamped_where_the_floor_changes():
    target = _hpa_provider()
    current = target.normalise_state(_hpa(2, 6))
    decision = _decision(3, 1, 10, schedule=[
        ("2025-11-20T09:45:00Z", 5),   # past: dropped
        ("2025-11-20T10:15:00Z", 3),   # same as the floor now: dropped
        ("2025-11-20T10:30:00Z", 4),
        ("2025-11-20T10:45:00Z", 8),   # above maxReplicas: 6
        ("2025-11-20T11:00:00Z", 9),   # still 6 after clamping: dropped
        ("2025-11-20T11:15:00Z", 2),
    ])
    assert target.pending_steps(decision, current, NOW) == [
        {"time": "2025-11-20T10:30:00Z", "capacity": 4},
        {"time": "2025-11-20T10:45:00Z", "capacity": 6},
        {"time": "2025-11-20T11:15:00Z", "capacity": 2},
    ]


@pytest.mark.parametrize("change, field", [
    (lambda o: o.update(kind="Deployment", apiVersion="apps/v1"), "kubernetes.kind"),
    (lambda o: o["metadata"].update(name="meridian-local-api"), "name"),
    (lambda o: o.update(apiVersion="autoscaling/v1"), "name"),
    (lambda o: o["metadata"].update(namespace="other"), "kubernetes.namespace"),
    (lambda o: o["spec"].pop("maxReplicas"), "name"),
])
def test_an_object_that_is_not_the_target_is_refused(change, field):
    target = _hpa_provider()
    obj = _hpa()
    change(obj)
    with pytest.raises(ScalingPlanError) as err:
        target.normalise_state(target.check_object(obj, "meridian-local-web", "the file"))
    assert err.value.field == field


def test_there_is_no_native_policy():
    target = _hpa_provider()
    assert target.native_policy(None) is None
    with pytest.raises(ScalingPlanError) as err:
        target.native_policy({"state": "present"})
    assert err.value.field == "predictive_policy"
