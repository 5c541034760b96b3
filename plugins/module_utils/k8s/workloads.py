# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes manifests of the service catalogue in one cluster (pure builders).

``manifests_for(component, services, cluster, project, env)`` renders the objects one role owns:

- ``namespace`` (network role): the Namespace, Pod Security ``restricted`` enforced, sidecar
  injection on with istio.
- ``network`` (network role): the namespace's NetworkPolicies (see ``network_policies``).
- ``compute`` (compute role): per service a Deployment, a Service, a HorizontalPodAutoscaler
  (``k8s.hpa``, the default) and a PodDisruptionBudget.
- ``monitoring`` (monitoring role): per service a ServiceMonitor with the Prometheus operator;
  nothing without it (the pods then carry ``prometheus.io/*`` annotations).
- ``routing`` (global_routing role): per service an Istio DestinationRule with locality failover to
  the cluster's failover region; nothing without istio.

Every object carries the labels ``app.kubernetes.io/managed-by: meridian.global_infra`` and
``app.kubernetes.io/part-of: <project>``, the objects of one service also
``app.kubernetes.io/name: <service>``, and every object the annotation
``meridian.global_infra/component: <component>``. A service's objects are named after it and live in
the cluster's namespace. The service's ``k8s.overrides.<kind>`` is merged in last (``overrides``).

``services`` is the catalogue normalised with the ``k8s`` provider
(``catalogue(..., providers=("k8s",))``); ``cluster`` is ``cluster.cluster_settings(...)``.
Nothing here does I/O or validates against the schemas (that is ``schema``'s job).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.overrides import apply_overrides

COMPONENTS = ("namespace", "network", "compute", "monitoring", "routing")
MANAGED_BY = "meridian.global_infra"
COMPONENT_ANNOTATION = "meridian.global_infra/component"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_PART_OF = "app.kubernetes.io/part-of"
LABEL_NAME = "app.kubernetes.io/name"
# Namespaces the rules name: the Prometheus that scrapes the services, Istio's control plane, DNS.
MONITORING_NAMESPACE = "monitoring"
ISTIO_NAMESPACE = "istio-system"
DNS_NAMESPACE = "kube-system"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
# The Service's port (the pods listen on the catalogue's port, named "http" for Istio's protocol selection).
SERVICE_PORT = 80
PORT_NAME = "http"
METRICS_PATH = "/metrics"
SCRAPE_INTERVAL = "30s"
# Istio: istiod's xDS and certificate port (sidecars connect to it), and the sidecar's merged
# Prometheus endpoint (Istio rewrites prometheus.io/* annotations to it).
ISTIOD_XDS_PORT = 15012
ISTIO_METRICS_PORT = 15020
# The unprivileged user and group the containers run as.
RUN_AS = 10001
RPS_METRIC = "http_requests_per_second"
# The HorizontalPodAutoscaler's behavior when the service gives none: scale down slowly (the
# highest recommendation of the last 5 minutes, at most half the pods a minute), scale up at once
# (double, or add 4 pods, every 15 s, whichever is more).
DEFAULT_BEHAVIOR = {
    "scaleDown": {
        "stabilizationWindowSeconds": 300,
        "policies": [{"type": "Percent", "value": 50, "periodSeconds": 60}],
    },
    "scaleUp": {
        "stabilizationWindowSeconds": 0,
        "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15},
            {"type": "Pods", "value": 4, "periodSeconds": 15},
        ],
        "selectPolicy": "Max",
    },
}
_CLUSTER_KEYS = ("namespace", "istio", "prometheus_operator", "ingress_namespace", "region", "failover_region")


class WorkloadError(MeridianError):
    """Input the builders cannot render; ``field`` names it."""


# --- labels and metadata -------------------------------------------------------------------------

def common_labels(project, service=None):
    """The labels of every object (and ``app.kubernetes.io/name`` for a service's objects)."""
    labels = {LABEL_MANAGED_BY: MANAGED_BY, LABEL_PART_OF: project}
    if service is not None:
        labels[LABEL_NAME] = service
    return labels


def selector_labels(project, service):
    """The labels that select a service's pods (immutable in a Deployment: never add to them)."""
    return {LABEL_NAME: service, LABEL_PART_OF: project}


def _metadata(name, component, project, namespace=None, service=None):
    meta = {
        "name": name,
        "labels": common_labels(project, service),
        "annotations": {COMPONENT_ANNOTATION: component},
    }
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def _quantity(number):
    """A positive number as a canonical Kubernetes quantity (``50``, ``12500m``)."""
    if float(number).is_integer():
        return "%d" % number
    return "%dm" % round(float(number) * 1000)


# --- namespace ------------------------------------------------------------------------------------

def namespace_manifest(cluster, project):
    """The Namespace: Pod Security ``restricted`` enforced; ``istio-injection: enabled`` with istio.

    With istio, the ``restricted`` level requires Istio's CNI node agent: the ``istio-init``
    container that sidecar injection adds otherwise needs ``NET_ADMIN``, which ``restricted`` refuses.
    """
    meta = _metadata(cluster["namespace"], "namespace", project)
    meta["labels"]["pod-security.kubernetes.io/enforce"] = "restricted"
    if cluster["istio"]:
        meta["labels"]["istio-injection"] = "enabled"
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


# --- network --------------------------------------------------------------------------------------

def _namespace_peer(namespace):
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}


def _policy(name, project, namespace, spec, service=None):
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(name, "network", project, namespace, service),
        "spec": spec,
    }


def service_ingress_policy(service, cluster, project):
    """``allow-<svc>-ingress``: who may reach a service's pods, on its container port only.

    Three rules, each to the pods' TCP port (the container port: policies see the port after the
    Service has translated 80 to it):

    - from every pod of ``ingress_namespace`` (the ingress gateway or controller);
    - from every pod of the service's own namespace (the other services);
    - from every pod of the ``monitoring`` namespace (Prometheus scraping ``/metrics`` on that
      port; with istio also the sidecar's merged metrics port 15020, which Istio's metrics merging
      points the ``prometheus.io/port`` annotation at).

    The kubelet's probes come from the node, which the usual CNI plugins always admit. Egress a
    service needs beyond the namespace (a database, an API) is added with its ``network_policy``
    override (``policyTypes: [Ingress, Egress]`` and ``egress`` rules).
    """
    name = service["name"]
    namespace = cluster["namespace"]
    port = [{"protocol": "TCP", "port": service["port"]}]
    monitoring_ports = list(port)
    if cluster["istio"]:
        monitoring_ports.append({"protocol": "TCP", "port": ISTIO_METRICS_PORT})
    spec = {
        "podSelector": {"matchLabels": selector_labels(project, name)},
        "policyTypes": ["Ingress"],
        "ingress": [
            {"from": [_namespace_peer(cluster["ingress_namespace"])], "ports": plain_copy(port)},
            {"from": [{"podSelector": {}}], "ports": plain_copy(port)},
            {"from": [_namespace_peer(MONITORING_NAMESPACE)], "ports": monitoring_ports},
        ],
    }
    return apply_overrides(_policy("allow-%s-ingress" % name, project, namespace, spec, name), service)


def network_policies(services, cluster, project):
    """The namespace's NetworkPolicies: deny by default, then allow what the services need.

    - ``default-deny``: every pod of the namespace, no ingress and no egress (policies add up: each
      allowed flow below is an exception to it).
    - ``allow-dns``: egress from every pod to ``kube-system`` on port 53, UDP and TCP (cluster DNS).
    - ``allow-namespace-egress``: egress from every pod to the pods of the same namespace (a service
      calling another; what each may receive is limited by its ingress policy).
    - ``allow-istio-control-plane`` (istio only): egress from every pod to ``istio-system`` on TCP
      15012, where the sidecars fetch their configuration and certificates from istiod.
    - ``allow-<svc>-ingress`` per service (``service_ingress_policy``), with the service's
      ``network_policy`` override merged in.
    """
    namespace = cluster["namespace"]
    out = [
        _policy("default-deny", project, namespace, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy("allow-dns", project, namespace, {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [_namespace_peer(DNS_NAMESPACE)],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
            }],
        }),
        _policy("allow-namespace-egress", project, namespace, {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {}}]}],
        }),
    ]
    if cluster["istio"]:
        out.append(_policy("allow-istio-control-plane", project, namespace, {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [_namespace_peer(ISTIO_NAMESPACE)],
                        "ports": [{"protocol": "TCP", "port": ISTIOD_XDS_PORT}]}],
        }))
    out.extend(service_ingress_policy(service, cluster, project) for service in services)
    return out


# --- compute --------------------------------------------------------------------------------------

def _probe(service, period, timeout, failures):
    return {
        "httpGet": {"path": service["health_path"], "port": PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def deployment(service, cluster, project):
    """The service's Deployment.

    ``replicas`` is ``capacity.initial`` without an HPA and absent with one (the HPA owns it; a
    rendered value would reset the pods on every apply). Rolling updates add a pod before removing
    one (``maxUnavailable: 0``). The pod runs as user/group 10001, never as root, with the
    ``RuntimeDefault`` seccomp profile, no service account token, a read-only root file system
    (``/tmp`` is an ``emptyDir``), no privilege escalation and no capabilities: what Pod Security
    ``restricted`` asks. Pods spread over zones then nodes (``ScheduleAnyway``: a missing zone
    never blocks scheduling). Probes: startup (up to 150 s to start), readiness every 10 s,
    liveness every 20 s, all on ``health_path`` through the ``http`` port.
    """
    name = service["name"]
    settings = service["k8s"]
    selector = selector_labels(project, name)
    template_meta = {"labels": common_labels(project, name)}
    if not cluster["prometheus_operator"]:
        template_meta["annotations"] = {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(service["port"]),
            "prometheus.io/path": METRICS_PATH,
        }
    container = {
        "name": name,
        "image": settings["image"],
        "ports": [{"name": PORT_NAME, "containerPort": service["port"], "protocol": "TCP"}],
        "startupProbe": _probe(service, 5, 2, 30),
        "readinessProbe": _probe(service, 10, 2, 3),
        "livenessProbe": _probe(service, 20, 5, 3),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if settings.get("resources"):
        container["resources"] = plain_copy(settings["resources"])
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(selector)},
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]
    spec = {
        "selector": {"matchLabels": selector},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
        "template": {
            "metadata": template_meta,
            "spec": {
                "automountServiceAccountToken": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": RUN_AS,
                    "runAsGroup": RUN_AS,
                    "fsGroup": RUN_AS,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "topologySpreadConstraints": spread,
                "containers": [container],
                "volumes": [{"name": "tmp", "emptyDir": {}}],
            },
        },
    }
    if not settings["hpa"]:
        spec["replicas"] = service["capacity"]["initial"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, "compute", project, cluster["namespace"], name),
        "spec": spec,
    }


def service_manifest(service, cluster, project):
    """The ClusterIP Service: port 80 to the pods' ``http`` port (named ``http``: Istio treats it as HTTP)."""
    name = service["name"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, "compute", project, cluster["namespace"], name),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(project, name),
            "ports": [{"name": PORT_NAME, "port": SERVICE_PORT, "targetPort": PORT_NAME, "protocol": "TCP"}],
        },
    }


def hpa_min_replicas(service):
    """The HPA's rendered ``minReplicas``: ``capacity.initial``, at least 1 (an HPA cannot go to 0)."""
    return max(1, service["capacity"]["initial"])


def hpa(service, cluster, project):
    """The HorizontalPodAutoscaler (autoscaling/v2) of the Deployment.

    ``minReplicas`` is ``capacity.initial`` (at least 1; the scale job raises it for predictive
    services), ``maxReplicas`` ``capacity.max``. Metrics: CPU utilisation at ``scaling.target_cpu``
    percent of the pods' CPU request and, with ``k8s.requests_per_second_target``, the pods' average
    ``http_requests_per_second`` (a custom metric: served by prometheus-adapter or similar). The
    service's ``k8s.behavior`` is used exactly as given, else ``DEFAULT_BEHAVIOR``.
    """
    name = service["name"]
    settings = service["k8s"]
    metrics = [{
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization",
                                               "averageUtilization": service["scaling"]["target_cpu"]}},
    }]
    if settings.get("requests_per_second_target") is not None:
        metrics.append({
            "type": "Pods",
            "pods": {
                "metric": {"name": RPS_METRIC},
                "target": {"type": "AverageValue", "averageValue": _quantity(settings["requests_per_second_target"])},
            },
        })
    behavior = settings.get("behavior")
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(name, "compute", project, cluster["namespace"], name),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": hpa_min_replicas(service),
            "maxReplicas": service["capacity"]["max"],
            "metrics": metrics,
            "behavior": plain_copy(behavior if behavior is not None else DEFAULT_BEHAVIOR),
        },
    }


def pdb(service, cluster, project):
    """The PodDisruptionBudget: at most one pod evicted at a time.

    ``maxUnavailable: 1`` rather than a ``minAvailable``: with one replica a ``minAvailable: 1``
    would block every node drain forever.
    """
    name = service["name"]
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(name, "compute", project, cluster["namespace"], name),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(project, name)}},
    }


# --- monitoring and routing -----------------------------------------------------------------------

def service_monitor(service, cluster, project):
    """The ServiceMonitor (Prometheus operator): the Service's ``http`` port, ``/metrics``, every 30 s.

    A Prometheus that selects ServiceMonitors by label (``serviceMonitorSelector``) needs that label
    added with the ``service_monitor`` override.
    """
    name = service["name"]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _metadata(name, "monitoring", project, cluster["namespace"], name),
        "spec": {
            "selector": {"matchLabels": selector_labels(project, name)},
            "endpoints": [{"port": PORT_NAME, "path": METRICS_PATH, "interval": SCRAPE_INTERVAL}],
        },
    }


def destination_rule(service, cluster, project):
    """The Istio DestinationRule of the service: locality load balancing with failover.

    Traffic stays in the caller's locality and fails over to ``failover_region`` when no healthy
    endpoint is left in ``region``. Locality failover only works with outlier detection (that is how
    Istio learns an endpoint is unhealthy): 5 consecutive 5xx eject an endpoint for 30 s and more,
    checked every 10 s, and every endpoint may be ejected (100 %) so that a failed region empties.
    Without a failover region the rule keeps locality priority only.
    """
    name = service["name"]
    namespace = cluster["namespace"]
    locality = {"enabled": True}
    if cluster["failover_region"]:
        locality["failover"] = [{"from": cluster["region"], "to": cluster["failover_region"]}]
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": _metadata(name, "routing", project, namespace, name),
        "spec": {
            "host": "%s.%s.svc.cluster.local" % (name, namespace),
            "trafficPolicy": {
                "loadBalancer": {"localityLbSetting": locality},
                "outlierDetection": {
                    "consecutive5xxErrors": 5,
                    "interval": "10s",
                    "baseEjectionTime": "30s",
                    "maxEjectionPercent": 100,
                },
            },
        },
    }


# --- entry point ----------------------------------------------------------------------------------

def _check(component, services, cluster, project):
    if component not in COMPONENTS:
        raise WorkloadError("component", "%r is not one of %s" % (component, ", ".join(COMPONENTS)))
    if not isinstance(cluster, dict) or any(key not in cluster for key in _CLUSTER_KEYS):
        raise WorkloadError("meridian_kubernetes", "expected the settings validated by cluster_settings (with %s)"
                            % ", ".join(_CLUSTER_KEYS))
    if not isinstance(project, str) or not project or len(project) > 63:
        raise WorkloadError("meridian_project", "%r cannot be a label value (at most 63 characters)" % (project,))
    if not isinstance(services, (list, tuple)):
        raise WorkloadError("meridian_services", "expected the normalised catalogue (a list), got %r" % (services,))
    for i, service in enumerate(services):
        if not isinstance(service, dict) or not isinstance(service.get("name"), str):
            raise WorkloadError("meridian_services[%d]" % i, "expected a catalogue entry, got %r" % (service,))
        settings = service.get("k8s")
        if not isinstance(settings, dict) or "image" not in settings or "hpa" not in settings:
            raise WorkloadError("meridian_services[%s].k8s" % service["name"], "no validated Kubernetes settings: "
                                "normalise the catalogue with the k8s provider (service_catalogue(..., ['k8s']))")


def manifests_for(component, services, cluster, project, env):
    """The manifests of ``component`` (one of ``COMPONENTS``), a list of dicts in a stable order.

    ``env`` is accepted for symmetry with ``cluster_settings``; the namespace already carries it.
    Each service's override of a kind is merged into its object of that kind last.
    """
    del env  # the namespace (cluster["namespace"]) is where the environment shows
    _check(component, services, cluster, project)
    if component == "namespace":
        return [namespace_manifest(cluster, project)]
    if component == "network":
        return network_policies(services, cluster, project)
    builders = {
        "compute": (deployment, service_manifest, hpa, pdb),
        "monitoring": (service_monitor,) if cluster["prometheus_operator"] else (),
        "routing": (destination_rule,) if cluster["istio"] else (),
    }[component]
    out = []
    for service in services:
        for build in builders:
            if build is hpa and not service["k8s"]["hpa"]:
                continue
            out.append(apply_overrides(build(service, cluster, project), service))
    return out
