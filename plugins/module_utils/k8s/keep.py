# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fields of rendered manifests that their owner, not provisioning, decides (pure).

Capacity has one owner (``services.catalogue``). For a service with ``scaling.strategy: predictive``
(``scaling.owner: scaling``) the scale job owns the floor of its pods: the HorizontalPodAutoscaler's
``spec.minReplicas``, or the Deployment's ``spec.replicas`` when the service has no HPA. Provisioning
renders it at ``capacity.initial`` when the object is new and afterwards keeps the value the
existing object has, clamped into the catalogue's bounds (so a changed catalogue still wins at the
edges). Static services are held at what was rendered.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy


OWNER = "scaling"
# The field the scale job owns on each kind (spec.<field>): the HPA's floor, or the replicas of a
# Deployment that has no HPA. The one home of this rule (scaling/providers/k8s_hpa reads it too).
SCALED_FIELDS = {"HorizontalPodAutoscaler": "minReplicas", "Deployment": "replicas"}


def _key(manifest):
    meta = manifest.get("metadata") or {}
    return manifest.get("kind"), meta.get("namespace"), meta.get("name")


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _owned_field(manifest, service):
    """``(field, low, high)`` that the scale job owns in ``manifest``, or ``None``."""
    cap = service["capacity"]
    hpa = (service.get("k8s") or {}).get("hpa", True)
    kind = manifest.get("kind")
    if kind == "HorizontalPodAutoscaler" and hpa:
        # An HPA's minReplicas is at least 1.
        return SCALED_FIELDS[kind], max(1, cap["min"]), cap["max"]
    if kind == "Deployment" and not hpa:
        return SCALED_FIELDS[kind], cap["min"], cap["max"]
    return None


def keep_owned_fields(manifests, existing, services):
    """``manifests`` with the scale job's fields taken from ``existing``, for services it owns.

    ``existing`` is a list of manifests as they are (read from the gitops tree or the cluster),
    matched to the rendered ones by kind, namespace and name; ``services`` the normalised
    catalogue (a rendered object belongs to the service it is named after). The kept value is
    clamped to ``[capacity.min, capacity.max]`` (``minReplicas`` to at least 1). Objects without an
    existing counterpart, or whose counterpart has no usable value, stay as rendered. Returns a new
    list; nothing passed in is changed.
    """
    by_name = dict((service["name"], service) for service in services or ())
    current = {}
    for manifest in existing or ():
        if isinstance(manifest, dict):
            current[_key(manifest)] = manifest
    out = []
    for manifest in manifests:
        manifest = plain_copy(manifest)
        out.append(manifest)
        service = by_name.get((manifest.get("metadata") or {}).get("name"))
        if service is None or service["scaling"]["owner"] != OWNER:
            continue
        owned = _owned_field(manifest, service)
        have = current.get(_key(manifest))
        if owned is None or have is None:
            continue
        field, low, high = owned
        value = _count((have.get("spec") or {}).get(field))
        if value is None:
            continue
        manifest.setdefault("spec", {})[field] = min(max(value, low), high)
    return out
