# -*- coding: utf-8 -*-
"""The builders: what each component renders, and the shape of every object."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.workloads import (
    COMPONENTS,
    DEFAULT_BEHAVIOR,
    WorkloadError,
    manifests_for,
)

CLUSTER_SCOPED = ("Namespace",)


def _all(services, cluster):
    return [(component, m) for component in COMPONENTS
            for m in manifests_for(component, services, cluster, "meridian", "local")]


def _by_kind(manifests):
    return dict(((m["kind"], m["metadata"]["name"]), m) for m in manifests)


def _compute(services, cluster):
    return _by_kind(manifests_for("compute", services, cluster, "meridian", "local"))


def test_what_each_component_renders(make_services, make_cluster):
    services = make_services()
    full = make_cluster(istio=True, prometheus_operator=True)
    kinds = dict((c, [(m["kind"], m["metadata"]["name"]) for m in manifests_for(c, services, full, "meridian", "local")])
                 for c in COMPONENTS)
    assert kinds == {
        "namespace": [("Namespace", "meridian-local")],
        "network": [("NetworkPolicy", "default-deny"), ("NetworkPolicy", "allow-dns"),
                    ("NetworkPolicy", "allow-namespace-egress"), ("NetworkPolicy", "allow-istio-control-plane"),
                    ("NetworkPolicy", "allow-web-ingress"), ("NetworkPolicy", "allow-api-ingress")],
        "compute": [("Deployment", "web"), ("Service", "web"), ("HorizontalPodAutoscaler", "web"),
                    ("PodDisruptionBudget", "web"), ("Deployment", "api"), ("Service", "api"),
                    ("HorizontalPodAutoscaler", "api"), ("PodDisruptionBudget", "api")],
        "monitoring": [("ServiceMonitor", "web"), ("ServiceMonitor", "api")],
        "routing": [("DestinationRule", "web"), ("DestinationRule", "api")],
    }
    bare = make_cluster()
    assert manifests_for("monitoring", services, bare, "meridian", "local") == []
    assert manifests_for("routing", services, bare, "meridian", "local") == []
    assert "allow-istio-control-plane" not in [m["metadata"]["name"] for m in
                                               manifests_for("network", services, bare, "meridian", "local")]


@pytest.mark.parametrize("istio, operator", [(False, False), (True, True)])
def test_every_object_carries_the_common_labels_annotation_and_namespace(make_services, make_cluster, istio, operator):
    services = make_services()
    cluster = make_cluster(istio=istio, prometheus_operator=operator, namespace="shop")
    for component, m in _all(services, cluster):
        meta = m["metadata"]
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "meridian.global_infra"
        assert meta["labels"]["app.kubernetes.io/part-of"] == "meridian"
        assert meta["annotations"] == {"meridian.global_infra/component": component}
        if m["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in meta and meta["name"] == "shop"
        else:
            assert meta["namespace"] == "shop"
        if m["kind"] not in ("Namespace", "NetworkPolicy"):
            assert meta["name"] in ("web", "api") and meta["labels"]["app.kubernetes.io/name"] == meta["name"]


def test_rendering_is_pure_and_deterministic(make_services, make_cluster):
    services = make_services(web={"behavior": {"scaleDown": {"selectPolicy": "Disabled"}}})
    cluster = make_cluster(istio=True, prometheus_operator=True)
    before = (copy.deepcopy(services), copy.deepcopy(cluster))
    first = _all(services, cluster)
    first[0][1]["metadata"]["labels"]["x"] = "y"
    compute = manifests_for("compute", services, cluster, "meridian", "local")
    compute[2]["spec"]["behavior"]["scaleDown"]["selectPolicy"] = "Max"
    assert (services, cluster) == before
    assert _all(services, cluster)[1:] == first[1:]


def test_namespace_enforces_restricted_and_istio_injection(make_services, make_cluster):
    services = make_services()
    ns = manifests_for("namespace", services, make_cluster(istio=True), "meridian", "local")[0]
    assert ns["apiVersion"] == "v1"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert ns["metadata"]["labels"]["istio-injection"] == "enabled"
    plain = manifests_for("namespace", services, make_cluster(), "meridian", "local")[0]
    assert "istio-injection" not in plain["metadata"]["labels"]


def test_deployment_runs_locked_down(make_services, make_cluster):
    dep = _compute(make_services(), make_cluster())[("Deployment", "web")]
    pod = dep["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] == 10001
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"] == [{"name": "tmp", "emptyDir": {}}]


def test_deployment_container_ports_probes_resources(make_services, make_cluster):
    dep = _compute(make_services(), make_cluster())[("Deployment", "web")]
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "web" and container["image"] == "ghcr.io/example/web:1.4.2"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                                      "limits": {"cpu": "1", "memory": "512Mi"}}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["periodSeconds"] > container["readinessProbe"]["periodSeconds"]
    assert dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_deployment_spreads_over_zones_then_nodes(make_services, make_cluster):
    dep = _compute(make_services(), make_cluster())[("Deployment", "api")]
    spread = dep["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert [c["topologyKey"] for c in spread] == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
    for constraint in spread:
        assert constraint["maxSkew"] == 1 and constraint["whenUnsatisfiable"] == "ScheduleAnyway"
        assert constraint["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"]


def test_selector_matches_the_pod_labels(make_services, make_cluster):
    compute = _compute(make_services(), make_cluster())
    dep = compute[("Deployment", "web")]
    selector = dep["spec"]["selector"]["matchLabels"]
    assert selector == {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "meridian"}
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels[k] == v for k, v in selector.items())
    assert compute[("Service", "web")]["spec"]["selector"] == selector
    assert compute[("PodDisruptionBudget", "web")]["spec"]["selector"]["matchLabels"] == selector


def test_prometheus_annotations_only_without_the_operator(make_services, make_cluster):
    services = make_services()
    meta = _compute(services, make_cluster())[("Deployment", "api")]["spec"]["template"]["metadata"]
    assert meta["annotations"] == {"prometheus.io/scrape": "true", "prometheus.io/port": "8081",
                                   "prometheus.io/path": "/metrics"}
    meta = _compute(services, make_cluster(prometheus_operator=True))[("Deployment", "api")]["spec"]["template"]["metadata"]
    assert "annotations" not in meta


def test_service_is_cluster_ip_port_80_to_the_named_http_port(make_services, make_cluster):
    svc = _compute(make_services(), make_cluster())[("Service", "web")]
    assert svc["apiVersion"] == "v1" and svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


def test_the_hpa_owns_the_replicas(make_services, make_cluster):
    services = make_services()
    services[0]["capacity"] = {"min": 1, "max": 6, "initial": 2}
    compute = _compute(services, make_cluster())
    assert "replicas" not in compute[("Deployment", "web")]["spec"]
    spec = compute[("HorizontalPodAutoscaler", "web")]["spec"]
    assert compute[("HorizontalPodAutoscaler", "web")]["apiVersion"] == "autoscaling/v2"
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6)


def test_without_an_hpa_the_deployment_holds_the_initial_replicas(make_services, make_cluster):
    services = make_services(api={"hpa": False})
    services[1]["capacity"] = {"min": 1, "max": 10, "initial": 3}
    compute = _compute(services, make_cluster())
    assert compute[("Deployment", "api")]["spec"]["replicas"] == 3
    assert ("HorizontalPodAutoscaler", "api") not in compute
    assert ("PodDisruptionBudget", "api") in compute


def test_an_hpa_never_renders_below_one_replica(make_services, make_cluster):
    services = make_services()
    services[0]["capacity"] = {"min": 0, "max": 6, "initial": 0}
    assert _compute(services, make_cluster())[("HorizontalPodAutoscaler", "web")]["spec"]["minReplicas"] == 1


def test_hpa_metrics_cpu_and_requests_per_second(make_services, make_cluster):
    compute = _compute(make_services(), make_cluster())
    web = compute[("HorizontalPodAutoscaler", "web")]["spec"]["metrics"]
    assert web == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
        {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "50"}}},
    ]
    assert [m["type"] for m in compute[("HorizontalPodAutoscaler", "api")]["spec"]["metrics"]] == ["Resource"]


def test_a_fractional_requests_target_is_a_canonical_quantity(make_services, make_cluster):
    compute = _compute(make_services(web={"requests_per_second_target": 12.5}), make_cluster())
    metric = compute[("HorizontalPodAutoscaler", "web")]["spec"]["metrics"][1]
    assert metric["pods"]["target"]["averageValue"] == "12500m"


def test_default_behavior_scales_down_slowly_and_up_fast(make_services, make_cluster):
    behavior = _compute(make_services(), make_cluster())[("HorizontalPodAutoscaler", "web")]["spec"]["behavior"]
    assert behavior == DEFAULT_BEHAVIOR
    assert behavior["scaleDown"] == {"stabilizationWindowSeconds": 300,
                                     "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}]}
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0 and behavior["scaleUp"]["selectPolicy"] == "Max"
    assert behavior["scaleUp"]["policies"] == [{"type": "Percent", "value": 100, "periodSeconds": 15},
                                               {"type": "Pods", "value": 4, "periodSeconds": 15}]


def test_a_services_behavior_is_kept_verbatim(make_services, make_cluster):
    given = {"scaleUp": {"selectPolicy": "Disabled"},
             "scaleDown": {"stabilizationWindowSeconds": 900, "policies": [{"type": "Pods", "value": 1,
                                                                            "periodSeconds": 120}]}}
    compute = _compute(make_services(api={"behavior": copy.deepcopy(given)}), make_cluster())
    assert compute[("HorizontalPodAutoscaler", "api")]["spec"]["behavior"] == given
    assert compute[("HorizontalPodAutoscaler", "web")]["spec"]["behavior"] == DEFAULT_BEHAVIOR


def test_pdb_allows_one_pod_out(make_services, make_cluster):
    spec = _compute(make_services(), make_cluster())[("PodDisruptionBudget", "web")]["spec"]
    assert spec["maxUnavailable"] == 1 and "minAvailable" not in spec


def test_default_deny_and_dns(make_services, make_cluster):
    policies = _by_kind(manifests_for("network", make_services(), make_cluster(), "meridian", "local"))
    deny = policies[("NetworkPolicy", "default-deny")]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies[("NetworkPolicy", "allow-dns")]["spec"]
    assert dns["podSelector"] == {} and dns["policyTypes"] == ["Egress"]
    (rule,) = dns["egress"]
    assert rule["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}]
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 53), ("UDP", 53)]


def _peer_ports(rule):
    peer = rule["from"][0]
    namespace = peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
    return namespace or ("own" if peer == {"podSelector": {}} else peer), [(p["protocol"], p["port"]) for p in rule["ports"]]


def test_service_ingress_from_ingress_own_namespace_and_monitoring(make_services, make_cluster):
    policies = _by_kind(manifests_for("network", make_services(), make_cluster(), "meridian", "local"))
    spec = policies[("NetworkPolicy", "allow-api-ingress")]["spec"]
    assert spec["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "api", "app.kubernetes.io/part-of": "meridian"}}
    assert spec["policyTypes"] == ["Ingress"]
    assert [_peer_ports(r) for r in spec["ingress"]] == [
        ("ingress-nginx", [("TCP", 8081)]), ("own", [("TCP", 8081)]), ("monitoring", [("TCP", 8081)])]
    meta = policies[("NetworkPolicy", "allow-api-ingress")]["metadata"]
    assert meta["labels"]["app.kubernetes.io/name"] == "api"


def test_istio_adds_its_control_plane_and_metrics_port(make_services, make_cluster):
    policies = _by_kind(manifests_for("network", make_services(), make_cluster(istio=True), "meridian", "local"))
    spec = policies[("NetworkPolicy", "allow-web-ingress")]["spec"]
    assert [_peer_ports(r) for r in spec["ingress"]] == [
        ("istio-system", [("TCP", 8080)]), ("own", [("TCP", 8080)]), ("monitoring", [("TCP", 8080), ("TCP", 15020)])]
    control = policies[("NetworkPolicy", "allow-istio-control-plane")]["spec"]
    assert control["egress"] == [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}}}],
                                  "ports": [{"protocol": "TCP", "port": 15012}]}]


def test_service_monitor_scrapes_the_http_port(make_services, make_cluster):
    monitor = manifests_for("monitoring", make_services(), make_cluster(prometheus_operator=True), "meridian", "local")[0]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"] == {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "meridian"}},
        "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
    }


def test_destination_rule_fails_over_to_the_partner_region(make_services, make_cluster):
    rule = manifests_for("routing", make_services(), make_cluster(istio=True, namespace="shop"), "meridian", "local")[1]
    assert rule["apiVersion"] == "networking.istio.io/v1" and rule["metadata"]["name"] == "api"
    assert rule["spec"]["host"] == "api.shop.svc.cluster.local"
    policy = rule["spec"]["trafficPolicy"]
    assert policy["loadBalancer"]["localityLbSetting"] == {"enabled": True,
                                                           "failover": [{"from": "eu-west-1", "to": "us-east-1"}]}
    assert policy["outlierDetection"] == {
        "consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 100}


def test_destination_rule_without_a_failover_region(make_services):
    from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import cluster_settings
    cluster = cluster_settings({"cloud": "aws", "cluster": "c", "version": "1.33", "gitops_dir": "/g", "zones": ["a"],
                                "istio": True}, "meridian", "local", "eu-west-1", "")
    rule = manifests_for("routing", make_services(), cluster, "meridian", "local")[0]
    assert rule["spec"]["trafficPolicy"]["loadBalancer"]["localityLbSetting"] == {"enabled": True}
    assert "outlierDetection" in rule["spec"]["trafficPolicy"]


def test_unknown_component_is_refused(make_services, make_cluster):
    with pytest.raises(WorkloadError) as err:
        manifests_for("ingress", make_services(), make_cluster(), "meridian", "local")
    assert err.value.field == "component"


def test_a_catalogue_without_k8s_settings_is_refused(make_services, make_cluster):
    services = make_services()
    del services[1]["k8s"]
    with pytest.raises(WorkloadError) as err:
        manifests_for("compute", services, make_cluster(), "meridian", "local")
    assert err.value.field == "meridian_services[api].k8s"


def test_unvalidated_cluster_settings_are_refused(make_services):
    with pytest.raises(WorkloadError) as err:
        manifests_for("compute", make_services(), {"namespace": "x"}, "meridian", "local")
    assert err.value.field == "meridian_kubernetes"
