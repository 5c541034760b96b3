# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of one component's files in the gitops tree (pure: texts in, texts out).

A component (``namespace``, ``network``, ``compute``, ``monitoring``, ``routing``) owns the files of
its namespace directory whose object carries the annotation ``meridian.global_infra/component:
<component>``. ``plan_component`` compares the files it should have (the desired manifests, as
``layout.dump`` writes them) with the files there are, and returns what to write and delete:

- a desired file whose text differs (byte for byte) from the current one is written;
- a file of this component that is no longer desired is deleted; files of other components and
  files the collection does not manage are never touched (a desired file may not replace one of them);
- the namespace directory's ``kustomization.yaml`` lists every resource file of the directory after
  the change, and the cluster directory's lists every namespace directory that still has one; a
  kustomization with nothing to list is deleted, and the directories left empty are named for removal.

An unchanged tree gives an empty plan, so running twice changes nothing the second time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from yaml import YAMLError
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    YAMLError = ValueError

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout

COMPONENT_ANNOTATION = "meridian.global_infra/component"
RESOURCE_SUFFIXES = (".yaml", ".yml")


class GitopsError(MeridianError):
    """A desired manifest that cannot take its place in the tree."""


def _annotations(manifest):
    meta = manifest.get("metadata") if isinstance(manifest, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    return annotations if isinstance(annotations, dict) else {}


def _ident(manifest):
    return "%s/%s" % (manifest.get("kind"), (manifest.get("metadata") or {}).get("name"))


def owner(text):
    """The component a file's object belongs to (its annotation), or ``None`` (not parseable, not ours)."""
    try:
        manifest = layout.load(text)
    except YAMLError:  # a file that is not YAML is not ours
        return None
    owner_name = _annotations(manifest).get(COMPONENT_ANNOTATION)
    return owner_name if isinstance(owner_name, str) else None


def namespace_dir(cluster, namespace):
    """``<cluster>/<namespace>``: the directory of a namespace's files."""
    return layout.manifest_path(cluster, namespace, "Namespace", namespace).rsplit("/", 1)[0]


def is_resource(name):
    """Whether a file name of a namespace directory is a manifest (listed in its kustomization)."""
    return name != layout.KUSTOMIZATION and name.endswith(RESOURCE_SUFFIXES) and not name.startswith(".")


def desired_files(cluster, namespace, component, manifests):
    """``{path: text}`` of the desired manifests; each must live in ``namespace`` and carry ``component``."""
    out = {}
    for manifest in manifests:
        ident = _ident(manifest)
        carried = _annotations(manifest).get(COMPONENT_ANNOTATION)
        if carried != component:
            raise GitopsError(ident, "carries the annotation %s: %r, not %r; the files of a component are found "
                                     "by it" % (COMPONENT_ANNOTATION, carried, component))
        path = layout.object_path(cluster, manifest)
        if path.rsplit("/", 1)[0] != namespace_dir(cluster, namespace):
            raise GitopsError(ident, "belongs to namespace %r, not to the cluster's namespace %r"
                              % (path.split("/")[1], namespace))
        if path in out:
            raise GitopsError(ident, "is rendered twice (one file per object: %s)" % path)
        out[path] = layout.dump(manifest)
    return out


def current_manifests(current_files, component):
    """The objects of ``component`` among the current files (for the fields their owner keeps)."""
    out = []
    for text in current_files.values():
        if owner(text) == component:
            out.append(layout.load(text))
    return out


def plan_component(cluster, namespace, component, desired_manifests, current_files, namespaces=()):
    """What to change so that ``component``'s files in ``<cluster>/<namespace>/`` are the desired ones.

    ``current_files`` is ``{path: text}`` of every file in the namespace directory (paths from the
    gitops root, ``<cluster>/<namespace>/<file>``) and of ``<cluster>/kustomization.yaml`` when it
    exists; ``namespaces`` names the other namespace directories of the cluster that have a
    kustomization. ``desired_manifests`` is empty for ``state: absent``.

    Returns ``{"writes": {path: text}, "deletes": [path], "before": {path: text or None},
    "files": [path], "remove_dirs": [dir]}``: ``files`` every path written or deleted (sorted),
    ``before`` the current text of each (``None`` for a new file), ``remove_dirs`` the directories to
    remove if they are empty after the change (deepest first).
    """
    ns_dir = namespace_dir(cluster, namespace)
    prefix = ns_dir + "/"
    cluster_kustomization = "%s/%s" % (cluster, layout.KUSTOMIZATION)
    ns_kustomization = prefix + layout.KUSTOMIZATION
    for path in current_files:
        if path != cluster_kustomization and (not path.startswith(prefix) or "/" in path[len(prefix):]):
            raise GitopsError("current_files", "%s is not a file of %s/ nor the cluster kustomization" % (path, ns_dir))
    desired = desired_files(cluster, namespace, component, desired_manifests)

    writes = {}
    deletes = []
    for path, text in sorted(desired.items()):
        have = current_files.get(path)
        if have is not None and owner(have) != component:
            raise GitopsError(path, "the file exists and is %s; remove or rename it, the collection does not replace "
                                    "it" % ("component %s's" % owner(have) if owner(have) else
                                            "not managed by the collection (no %s annotation)" % COMPONENT_ANNOTATION))
        if have != text:
            writes[path] = text
    for path, text in sorted(current_files.items()):
        if path.startswith(prefix) and path not in desired and is_resource(path[len(prefix):]) \
                and owner(text) == component:
            deletes.append(path)

    resources = sorted(set(
        [p[len(prefix):] for p in current_files if p.startswith(prefix) and p not in deletes
         and is_resource(p[len(prefix):])] + [p[len(prefix):] for p in desired]))
    _kustomize(ns_kustomization, resources, current_files, writes, deletes)
    ns_dirs = set(namespaces) - {namespace}
    if resources:
        ns_dirs.add(namespace)
    _kustomize(cluster_kustomization, sorted(ns_dirs), current_files, writes, deletes)

    remove_dirs = []
    if not resources:
        remove_dirs.append(ns_dir)
        if not ns_dirs:
            remove_dirs.append(cluster)
    files = sorted(set(writes) | set(deletes))
    return {
        "writes": writes,
        "deletes": sorted(deletes),
        "before": dict((path, current_files.get(path)) for path in files),
        "files": files,
        "remove_dirs": remove_dirs,
    }


def _kustomize(path, resources, current_files, writes, deletes):
    have = current_files.get(path)
    if resources:
        text = layout.kustomization(resources)
        if have != text:
            writes[path] = text
    elif have is not None:
        deletes.append(path)


def diff(plan):
    """Ansible's list of diffs, one per changed file: ``before``/``after`` texts ('' when absent)."""
    out = []
    for path in plan["files"]:
        out.append({
            "before_header": path,
            "after_header": path,
            "before": plan["before"].get(path) or "",
            "after": plan["writes"].get(path, ""),
        })
    return out
