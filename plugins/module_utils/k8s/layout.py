# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gitops layout (pure): where each manifest lives in the rendered tree and its exact text.

``<cluster>/<namespace>/<kind>-<name>.yaml`` (kind in lower case; the Namespace object itself is
``<cluster>/<namespace>/namespace.yaml``), a ``kustomization.yaml`` per namespace directory listing
its resource files, and one per cluster directory listing the namespace directories. The text of a
manifest is a function of its content only (keys sorted, block style), so an unchanged manifest is an
unchanged file byte for byte and every change is a file diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

KUSTOMIZATION = "kustomization.yaml"
_SEGMENT = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class LayoutError(MeridianError):
    """A name that cannot become a path segment of the rendered tree."""


def _segment(value, field):
    if not isinstance(value, str) or not _SEGMENT.match(value) or ".." in value:
        raise LayoutError(field, "%r is not a DNS-1123 name (lower-case letters, digits, '-' and '.')" % (value,))
    return value


def manifest_path(cluster, namespace, kind, name):
    """Relative path of one manifest in the rendered tree."""
    cluster = _segment(cluster, "cluster")
    namespace = _segment(namespace, "namespace")
    if kind == "Namespace":
        return "%s/%s/namespace.yaml" % (cluster, namespace)
    if not isinstance(kind, str) or not kind.isalnum():
        raise LayoutError("kind", "%r is not a Kubernetes kind" % (kind,))
    return "%s/%s/%s-%s.yaml" % (cluster, namespace, kind.lower(), _segment(name, "metadata.name"))


def object_path(cluster, manifest):
    """``manifest_path`` of a manifest dict (its namespace is the Namespace's own name for a Namespace)."""
    meta = manifest.get("metadata") or {}
    kind = manifest.get("kind")
    namespace = meta.get("name") if kind == "Namespace" else meta.get("namespace")
    return manifest_path(cluster, namespace, kind, meta.get("name"))


class _Dumper(yaml.SafeDumper if HAS_YAML else object):
    """Lists indented under their key (the layout yamllint expects); no aliases."""

    def increase_indent(self, flow=False, indentless=False):
        return super(_Dumper, self).increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


def dump(manifest):
    """The exact file text of a manifest: a document start, keys sorted, block style."""
    return "---\n" + yaml.dump(manifest, Dumper=_Dumper, default_flow_style=False, sort_keys=True, width=120)


def load(text):
    """The manifest of a file's text (``None`` for an empty file)."""
    return yaml.safe_load(text)


def kustomization(resources):
    """Text of a kustomization.yaml listing ``resources`` (file or directory names), sorted."""
    return dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
    })
