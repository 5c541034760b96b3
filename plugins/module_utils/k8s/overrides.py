# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A service's ``k8s.overrides``, deep-merged into the manifests rendered for it (pure).

``overrides.<kind>`` is merged into the object of that kind, last, after everything else is
rendered: mappings merge key by key, recursively; lists and scalars replace what was rendered; a
``null`` value deletes the key (``{spec: {template: {spec: {topologySpreadConstraints: null}}}}``).
An override cannot rename or move an object (``apiVersion``, ``kind``, ``metadata.name``,
``metadata.namespace``): paths in the gitops tree and what the roles look up follow from them.

Kinds: ``deployment``, ``service``, ``hpa`` (HorizontalPodAutoscaler), ``pdb``
(PodDisruptionBudget), ``network_policy`` (the service's ``allow-<svc>-ingress`` NetworkPolicy),
``service_monitor``, ``destination_rule``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import K8S_OVERRIDE_KINDS

# The override key of each kind rendered per service.
OVERRIDE_KEYS = {
    "Deployment": "deployment",
    "Service": "service",
    "HorizontalPodAutoscaler": "hpa",
    "PodDisruptionBudget": "pdb",
    "NetworkPolicy": "network_policy",
    "ServiceMonitor": "service_monitor",
    "DestinationRule": "destination_rule",
}
_FIXED = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))


class OverrideError(MeridianError):
    """An override that cannot be applied; ``field`` is ``meridian_services[<svc>].k8s.overrides.<kind>...``."""


def deep_merge(base, override):
    """``override`` merged into a copy of ``base``: mappings recursively, anything else replaced,
    ``None`` deleting the key. Neither argument is changed."""
    out = plain_copy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = plain_copy(value)
    return out


def _field(service, kind):
    return "meridian_services[%s].k8s.overrides.%s" % (service["name"], kind)


def check_overrides(service):
    """Refuse override kinds outside ``K8S_OVERRIDE_KINDS``, non-mapping overrides and overrides of
    the fields that place an object (``apiVersion``, ``kind``, ``metadata.name/namespace``)."""
    overrides = (service.get("k8s") or {}).get("overrides") or {}
    if not isinstance(overrides, dict):
        raise OverrideError("meridian_services[%s].k8s.overrides" % service["name"],
                            "expected a mapping of kind to override, got %r" % (overrides,))
    for kind, override in overrides.items():
        if kind not in K8S_OVERRIDE_KINDS:
            raise OverrideError(_field(service, kind), "unknown kind; overrides takes %s" % ", ".join(K8S_OVERRIDE_KINDS))
        if not isinstance(override, dict):
            raise OverrideError(_field(service, kind), "expected a mapping to merge into the rendered %s, got %r"
                                % (kind, override))
        for path in _FIXED:
            node = override
            for depth, part in enumerate(path):
                if not isinstance(node, dict) or part not in node:
                    break
                node = node[part]
                if depth == len(path) - 1 or not isinstance(node, dict):
                    raise OverrideError("%s.%s" % (_field(service, kind), ".".join(path[:depth + 1])),
                                        "an override cannot change or delete %s (it places the object); remove it"
                                        % ".".join(path))
    return overrides


def apply_overrides(manifest, service):
    """``manifest`` (rendered for ``service``) with the service's override of its kind merged in.

    Returns a new dict; ``manifest`` itself is returned unchanged (as a copy) when there is none."""
    overrides = check_overrides(service)
    override = overrides.get(OVERRIDE_KEYS.get(manifest.get("kind")))
    if not override:
        return plain_copy(manifest)
    return deep_merge(manifest, override)
