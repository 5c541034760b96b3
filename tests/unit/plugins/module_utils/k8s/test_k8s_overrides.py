# -*- coding: utf-8 -*-
"""k8s.overrides: deep merge (mappings merge, lists and scalars replace, null deletes), applied per kind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.overrides import (
    OverrideError,
    apply_overrides,
    deep_merge,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import manifests_for


def test_mappings_merge_recursively_and_the_rest_is_replaced():
    base = {"a": {"b": 1, "c": {"d": 2, "e": 3}}, "l": [1, 2, 3], "s": "x"}
    override = {"a": {"c": {"e": 30, "f": 4}}, "l": [9], "s": {"now": "a mapping"}}
    assert deep_merge(base, override) == {"a": {"b": 1, "c": {"d": 2, "e": 30, "f": 4}}, "l": [9],
                                          "s": {"now": "a mapping"}}


def test_null_deletes_a_key_at_any_depth_and_a_missing_one_is_no_error():
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    assert deep_merge(base, {"a": {"b": None}, "d": None, "missing": None}) == {"a": {"c": 2}}


def test_a_mapping_replaces_a_scalar_and_a_list_replaces_a_mapping():
    assert deep_merge({"a": 1, "b": {"c": 1}}, {"a": {"x": 1}, "b": [1]}) == {"a": {"x": 1}, "b": [1]}


def test_merge_changes_neither_argument_and_shares_nothing():
    base = {"a": {"b": [1]}}
    override = {"a": {"c": {"d": [2]}}}
    keep_base, keep_override = copy.deepcopy(base), copy.deepcopy(override)
    out = deep_merge(base, override)
    out["a"]["b"].append(9)
    out["a"]["c"]["d"].append(9)
    assert base == keep_base and override == keep_override


def _service(**overrides):
    return {"name": "web", "k8s": {"overrides": overrides}}


def test_the_override_of_the_manifests_kind_is_applied():
    manifest = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "ClusterIP"}}
    service = _service(service={"spec": {"type": "NodePort"}}, deployment={"spec": {"replicas": 9}})
    assert apply_overrides(manifest, service)["spec"] == {"type": "NodePort"}
    assert manifest["spec"] == {"type": "ClusterIP"}
    assert apply_overrides(manifest, _service()) == manifest


@pytest.mark.parametrize("override, field", [
    ({"metadata": {"name": "other"}}, "meridian_services[web].k8s.overrides.service.metadata.name"),
    ({"metadata": {"namespace": "other"}}, "meridian_services[web].k8s.overrides.service.metadata.namespace"),
    ({"metadata": None}, "meridian_services[web].k8s.overrides.service.metadata"),
    ({"kind": "Ingress"}, "meridian_services[web].k8s.overrides.service.kind"),
    ({"apiVersion": None}, "meridian_services[web].k8s.overrides.service.apiVersion"),
])
def test_an_override_cannot_move_or_rename_the_object(override, field):
    manifest = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "n"}}
    with pytest.raises(OverrideError) as err:
        apply_overrides(manifest, _service(service=override))
    assert err.value.field == field


def test_labels_and_annotations_may_be_overridden():
    manifest = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"a": "1"}}}
    out = apply_overrides(manifest, _service(service={"metadata": {"labels": {"release": "prometheus"}}}))
    assert out["metadata"] == {"name": "web", "labels": {"a": "1", "release": "prometheus"}}


@pytest.mark.parametrize("overrides, field", [
    ({"ingress": {}}, "meridian_services[web].k8s.overrides.ingress"),
    ({"deployment": ["x"]}, "meridian_services[web].k8s.overrides.deployment"),
])
def test_unnormalised_bad_overrides_are_refused_too(overrides, field):
    with pytest.raises(OverrideError) as err:
        apply_overrides({"kind": "Deployment", "metadata": {"name": "web"}}, _service(**overrides))
    assert err.value.field == field


def test_rendered_manifests_get_each_kinds_override(make_services, make_cluster):
    services = make_services(web={"overrides": {
        "deployment": {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 45,
                                                      "topologySpreadConstraints": None}}}},
        "hpa": {"spec": {"metrics": [{"type": "Resource", "resource": {
            "name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}}]}},
        "pdb": {"spec": {"maxUnavailable": "50%"}},
        "network_policy": {"spec": {"policyTypes": ["Ingress", "Egress"],
                                    "egress": [{"ports": [{"protocol": "TCP", "port": 5432}]}]}},
        "service_monitor": {"metadata": {"labels": {"release": "prometheus"}}},
        "destination_rule": {"spec": {"trafficPolicy": {"outlierDetection": {"consecutive5xxErrors": 3}}}},
    }})
    cluster = make_cluster(istio=True, prometheus_operator=True)
    compute = dict(((m["kind"], m["metadata"]["name"]), m)
                   for m in manifests_for("compute", services, cluster, "meridian", "local"))
    pod = compute[("Deployment", "web")]["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 45 and "topologySpreadConstraints" not in pod
    assert pod["securityContext"]["runAsNonRoot"] is True  # the rest stays as rendered
    assert "terminationGracePeriodSeconds" not in compute[("Deployment", "api")]["spec"]["template"]["spec"]
    hpa_metrics = compute[("HorizontalPodAutoscaler", "web")]["spec"]["metrics"]
    assert [m["resource"]["name"] for m in hpa_metrics] == ["memory"]  # lists replace
    assert compute[("PodDisruptionBudget", "web")]["spec"]["maxUnavailable"] == "50%"
    policies = dict((m["metadata"]["name"], m) for m in manifests_for("network", services, cluster, "meridian", "local"))
    assert policies["allow-web-ingress"]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert policies["allow-web-ingress"]["spec"]["ingress"]  # kept
    assert "egress" not in policies["default-deny"]["spec"] and "egress" not in policies["allow-api-ingress"]["spec"]
    monitor = manifests_for("monitoring", services, cluster, "meridian", "local")[0]
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "meridian.global_infra"
    rule = manifests_for("routing", services, cluster, "meridian", "local")[0]
    assert rule["spec"]["trafficPolicy"]["outlierDetection"] == {
        "consecutive5xxErrors": 3, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 100}
