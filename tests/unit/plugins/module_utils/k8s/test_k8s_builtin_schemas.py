# -*- coding: utf-8 -*-
"""Every built-in object the builders render is valid against the real Kubernetes schema (strict:
no unknown field), at the oldest, a middle and the newest supported version; so the builders cannot
drift from the API. Custom resources (ServiceMonitor, DestinationRule) are k8s.schema's to check."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import MAX_MINOR, MIN_MINOR
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import COMPONENTS, manifests_for

kubernetes_validate = pytest.importorskip("kubernetes_validate")

CUSTOM = ("ServiceMonitor", "DestinationRule")
VERSIONS = ["1.%d.0" % MIN_MINOR, "1.33.0", "1.%d.0" % MAX_MINOR]
SETUPS = {
    "plain": ({}, {}),
    "mesh-operator": ({"istio": True, "prometheus_operator": True}, {}),
    "no-hpa-fractional-rps": ({}, {"api": {"hpa": False}, "web": {"requests_per_second_target": 7.5}}),
    "behavior-and-overrides": ({"istio": True}, {"web": {
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": 600, "selectPolicy": "Disabled"}},
        "overrides": {
            "deployment": {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 45}}}},
            "service": {"metadata": {"annotations": {"example.com/team": "web"}}},
            "pdb": {"spec": {"maxUnavailable": "50%"}},
            "network_policy": {"spec": {"policyTypes": ["Ingress", "Egress"], "egress": [
                {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"protocol": "TCP", "port": 5432}]}]}},
        }}}),
}


def _rendered(make_services, make_cluster, setup):
    cluster_changes, service_changes = SETUPS[setup]
    services = make_services(**service_changes)
    cluster = make_cluster(**cluster_changes)
    return [m for c in COMPONENTS for m in manifests_for(c, services, cluster, "meridian", "local")]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_built_in_manifests_are_valid(make_services, make_cluster, setup, version):
    manifests = _rendered(make_services, make_cluster, setup)
    built_in = [m for m in manifests if m["kind"] not in CUSTOM]
    assert len(built_in) >= 10
    for manifest in built_in:
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_only_kinds_left_to_the_crd_schemas_are_the_custom_ones(make_services, make_cluster):
    kinds = set(m["kind"] for m in _rendered(make_services, make_cluster, "mesh-operator"))
    assert kinds - set(CUSTOM) == {"Namespace", "NetworkPolicy", "Deployment", "Service", "HorizontalPodAutoscaler",
                                   "PodDisruptionBudget"}
    assert set(CUSTOM) <= kinds


def test_strict_validation_would_catch_a_misspelt_field(make_services, make_cluster):
    deployment = [m for m in _rendered(make_services, make_cluster, "plain") if m["kind"] == "Deployment"][0]
    deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonroot"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.33.0", strict=True)
