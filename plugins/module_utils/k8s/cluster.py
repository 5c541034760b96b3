# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of one Kubernetes cluster (``meridian_kubernetes`` of a ``k8s_clusters`` host), validated once.

::

    meridian_kubernetes:
      cloud: aws                          # cloud of the region (aws|gcp)
      cluster: local-eu-west-1            # the gitops directory name
      version: "1.33"                     # Kubernetes minor version (schemas of "<version>.0")
      delivery: gitops                    # gitops (default) | apply
      gitops_dir: /abs/path/.state/gitops # gitops: root of the rendered tree (absolute)
      kubeconfig: ""                      # apply: path ("" = default loading rules)
      context: ""                         # apply: kube context ("" = current)
      namespace: meridian-local           # default "<project>-<env>"
      zones: [eu-west-1a, eu-west-1b]
      istio: false                        # DestinationRules (locality failover), istio-injection label
      prometheus_operator: false          # ServiceMonitors; false: prometheus.io/* pod annotations
      ingress_namespace: ingress-nginx    # default istio-system with istio, else ingress-nginx

``cluster_settings`` returns these keys with their defaults filled in, plus ``region`` and
``failover_region`` (the host's ``meridian_region`` and ``meridian_failover_region``). Its output is
accepted as its input, so a module may validate again what a role validated. Nothing here does I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

FIELD = "meridian_kubernetes"
CLOUDS = ("aws", "gcp")
DELIVERIES = ("gitops", "apply")
# The Kubernetes minor versions whose schemas the validation ships (kubernetes-validate 1.37: 1.25 to 1.37).
MIN_MINOR = 25
MAX_MINOR = 37
KEYS = ("cloud", "cluster", "version", "delivery", "gitops_dir", "kubeconfig", "context", "namespace", "zones",
        "istio", "prometheus_operator", "ingress_namespace")
# Keys of the output that an input may carry too (re-validating a validated cluster).
_DERIVED = ("region", "failover_region")
_VERSION = re.compile(r"^1\.(0|[1-9][0-9]*)$")
# A DNS-1123 label: a namespace name.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# The cluster name is a path segment of the rendered tree (k8s.layout) and a kube context default.
_CLUSTER = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class ClusterError(MeridianError):
    """A ``meridian_kubernetes`` setting that cannot be used; ``field`` is ``meridian_kubernetes.<key>``."""


def _field(key):
    return "%s.%s" % (FIELD, key)


def _string(raw, key, default=None):
    value = raw.get(key, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        raise ClusterError(_field(key), "expected a string, got %r" % (value,))
    return value


def _bool(raw, key, default):
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ClusterError(_field(key), "expected true or false, got %r" % (value,))
    return value


def _label(value, key, hint):
    if not _LABEL.match(value) or len(value) > 63:
        raise ClusterError(_field(key), "%r is not a DNS-1123 label (at most 63 lower-case letters, digits and '-', "
                           "starting and ending with a letter or digit); %s" % (value, hint))
    return value


def _version(raw):
    value = raw.get("version")
    if not isinstance(value, str):
        raise ClusterError(_field("version"), "expected the Kubernetes minor version as a quoted string such as "
                           "\"1.33\", got %r (YAML reads 1.30 as the number 1.3)" % (value,))
    match = _VERSION.match(value)
    minor = int(value.split(".")[1]) if match else None
    if minor is None or not MIN_MINOR <= minor <= MAX_MINOR:
        raise ClusterError(_field("version"), "%r: give the cluster's minor version, \"1.%d\" to \"1.%d\" (the schemas "
                           "the validation ships)" % (value, MIN_MINOR, MAX_MINOR))
    return value


def _zones(raw):
    zones = raw.get("zones")
    if not isinstance(zones, (list, tuple)) or not zones:
        raise ClusterError(_field("zones"), "expected a non-empty list of the cluster's zones, e.g. "
                           "[eu-west-1a, eu-west-1b], got %r" % (zones,))
    seen = set()
    for i, zone in enumerate(zones):
        if not isinstance(zone, str) or not zone or zone != zone.strip():
            raise ClusterError("%s[%d]" % (_field("zones"), i), "expected a zone name, got %r" % (zone,))
        if zone in seen:
            raise ClusterError("%s[%d]" % (_field("zones"), i), "zone %r is listed twice" % zone)
        seen.add(zone)
    return list(zones)


def _region(value, field, required):
    if value is None or value == "":
        if required:
            raise ClusterError(field, "a Kubernetes cluster needs the region it runs in (e.g. eu-west-1)")
        return ""
    if not isinstance(value, str) or value != value.strip() or not value:
        raise ClusterError(field, "expected a region name such as eu-west-1, got %r" % (value,))
    return value


def cluster_settings(raw, project, env, region, failover_region):
    """``meridian_kubernetes`` validated, with defaults, plus ``region`` and ``failover_region``.

    Defaults: ``delivery: gitops``, ``namespace: <project>-<env>``, ``istio`` and
    ``prometheus_operator`` false, ``ingress_namespace`` ``istio-system`` with istio and
    ``ingress-nginx`` without, ``kubeconfig`` and ``context`` empty, ``gitops_dir`` empty (apply).
    ``cloud``, ``cluster``, ``version``, ``zones`` (and ``gitops_dir`` for gitops) are required.
    ``failover_region`` may be empty (no failover partner: DestinationRules keep locality priority
    without a failover target); it may not be the region itself. Raises ``ClusterError`` naming
    ``meridian_kubernetes.<key>`` (or ``meridian_region`` / ``meridian_failover_region``).
    """
    if not isinstance(raw, dict):
        raise ClusterError(FIELD, "expected a mapping of the cluster's settings (cloud, cluster, version, zones, "
                           "...), got %r" % (raw,))
    unknown = sorted(str(key) for key in raw if key not in KEYS + _DERIVED)
    if unknown:
        raise ClusterError(_field(unknown[0]), "unknown setting; meridian_kubernetes takes %s" % ", ".join(KEYS))
    out = {}
    out["cloud"] = _string(raw, "cloud", "")
    if out["cloud"] not in CLOUDS:
        raise ClusterError(_field("cloud"), "%r: give the cloud of the cluster's region, one of %s"
                           % (out["cloud"], ", ".join(CLOUDS)))
    out["cluster"] = _string(raw, "cluster", "")
    if not _CLUSTER.match(out["cluster"]) or len(out["cluster"]) > 253:
        raise ClusterError(_field("cluster"), "%r: name the cluster with lower-case letters, digits, '-' and '.' "
                           "(it names the cluster's directory of the gitops tree)" % (out["cluster"],))
    out["version"] = _version(raw)
    out["delivery"] = _string(raw, "delivery", "gitops")
    if out["delivery"] not in DELIVERIES:
        raise ClusterError(_field("delivery"), "%r is not one of %s" % (out["delivery"], ", ".join(DELIVERIES)))
    out["gitops_dir"] = _string(raw, "gitops_dir", "")
    if out["delivery"] == "gitops" and not out["gitops_dir"].startswith("/"):
        raise ClusterError(_field("gitops_dir"), "gitops delivery writes the rendered tree under gitops_dir: give an "
                           "absolute path, got %r" % (out["gitops_dir"],))
    out["kubeconfig"] = _string(raw, "kubeconfig", "")
    out["context"] = _string(raw, "context", "")
    default_namespace = "%s-%s" % (project, env)
    out["namespace"] = _label(_string(raw, "namespace", default_namespace), "namespace",
                              "set meridian_kubernetes.namespace (default <meridian_project>-<meridian_env>)")
    out["zones"] = _zones(raw)
    out["istio"] = _bool(raw, "istio", False)
    out["prometheus_operator"] = _bool(raw, "prometheus_operator", False)
    out["ingress_namespace"] = _label(
        _string(raw, "ingress_namespace", "istio-system" if out["istio"] else "ingress-nginx"), "ingress_namespace",
        "name the namespace of the ingress gateway or controller")
    out["region"] = _region(region, "meridian_region", True)
    out["failover_region"] = _region(failover_region, "meridian_failover_region", False)
    if out["failover_region"] == out["region"]:
        raise ClusterError("meridian_failover_region", "%r is the cluster's own region; give its partner region "
                           "(or leave it empty)" % (failover_region,))
    for key in _DERIVED:
        if raw.get(key) not in (None, out[key]):
            raise ClusterError(_field(key), "%r differs from %s %r; leave it out of meridian_kubernetes"
                               % (raw[key], "meridian_" + key, out[key]))
    return out
