# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of rendered manifests against the real schemas (pure: packaged data only).

Built-in kinds are checked against the OpenAPI schemas of Kubernetes ``<version>.0`` that
kubernetes-validate ships (its ``-strict`` variant: an unknown field is an error). Custom resources
(``DestinationRule``, ``ServiceMonitor``) are checked with jsonschema against the ``openAPIV3Schema``
of their upstream CRD (``data/crds/``), read the way the API server reads a structural schema:

- an object that lists ``properties`` accepts no other field, unless it says
  ``x-kubernetes-preserve-unknown-fields``;
- ``nullable`` allows ``null``; ``x-kubernetes-int-or-string`` allows an integer or a string;
  ``x-kubernetes-list-type: set`` asks for unique items; ``x-kubernetes-embedded-resource`` allows
  ``apiVersion``, ``kind`` and ``metadata``;
- the root accepts ``apiVersion`` (a version the CRD serves), ``kind`` and ``metadata`` (checked as an
  ObjectMeta); the CEL rules (``x-kubernetes-validations``) and list-map key uniqueness are not
  evaluated.

Every schema is read and compiled once per process (kubernetes-validate's own ``validate()`` reads
the schema files again at each call; this module keeps the compiled validators instead and calls
``validate()`` only if kubernetes-validate's layout is not the one expected).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import re

try:
    import jsonschema
    from jsonschema.exceptions import best_match
    HAS_JSONSCHEMA = True
except ImportError:
    HAS_JSONSCHEMA = False

try:
    import kubernetes_validate
    from kubernetes_validate import utils as kv_utils
    HAS_KUBERNETES_VALIDATE = True
except ImportError:
    HAS_KUBERNETES_VALIDATE = False

try:
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    HAS_REFERENCING = True
except ImportError:
    HAS_REFERENCING = False

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.data.crds import (
    destinationrule_networking_istio_io,
    servicemonitor_monitoring_coreos_com,
)

# The CRDs the collection renders objects of (imported statically: Ansible ships only imported files).
CRD_MODULES = (destinationrule_networking_istio_io, servicemonitor_monitoring_coreos_com)
VERSION_FIELD = "meridian_kubernetes.version"
MAX_PROBLEMS = 5  # problems listed in one error message (the count of the others is given)

_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
# metadata of a custom resource: the API server checks it as an ObjectMeta, whatever the CRD says.
OBJECT_META = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": _STRING, "generateName": _STRING, "namespace": _STRING,
        "labels": _LABELS, "annotations": _LABELS,
        "finalizers": {"type": "array", "items": _STRING},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
        "managedFields": {"type": "array", "items": {"type": "object"}},
        "uid": _STRING, "resourceVersion": _STRING, "selfLink": _STRING,
        "creationTimestamp": {"type": ["string", "null"]}, "deletionTimestamp": {"type": ["string", "null"]},
        "generation": _INTEGER, "deletionGracePeriodSeconds": _INTEGER,
    },
}

_ONE_SCHEMA = ("items", "additionalProperties", "not", "additionalItems")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf")
_SCHEMA_MAP = ("properties", "patternProperties")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# Caches (one per process): kind -> {"group", "versions": {name: converted schema}}; compiled validators.
_CRDS = {}
_CRD_VALIDATORS = {}
_BUILTIN_VALIDATORS = {}
_REGISTRIES = {}
_DEFINITIONS = {}
_BUILTIN_VERSIONS = []


class SchemaError(MeridianError):
    """A manifest its schema refuses; ``field`` is ``<Kind>/<name>``, ``problems`` the field paths and what is wrong."""

    def __init__(self, field, message, problems=None):
        super(SchemaError, self).__init__(field, message)
        self.problems = list(problems or [])


def _require_libraries():
    missing = [name for name, present in (("jsonschema", HAS_JSONSCHEMA),
                                          ("kubernetes-validate", HAS_KUBERNETES_VALIDATE),
                                          ("referencing", HAS_REFERENCING)) if not present]
    if missing:
        raise SchemaError(None, "validating manifests needs the Python libraries %s on the host that runs the "
                                "module (pip install %s)" % (", ".join(missing), " ".join(missing)))


# --- paths and problems ---------------------------------------------------------------------------

def field_path(parts):
    """``spec.template.spec.containers[0].image`` of a path given as keys and list indexes."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        elif _IDENTIFIER.match(part):
            text += ("." if text else "") + part
        else:
            text += "[%s]" % json.dumps(part)
    return text or "(the object)"


def _join(parts, name):
    return field_path(list(parts) + [name])


def _type_names(types):
    if not isinstance(types, list):
        types = [types]
    return " or ".join(t for t in types if t != "null") or "null"


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _problems(error):
    """``(path, text)`` problems of one jsonschema error (an unknown-fields error gives one per field)."""
    if error.context:
        error = best_match(error.context) or error
    parts = list(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if kind == "additionalProperties" and error.validator_value is False and isinstance(instance, dict):
        known = sorted(schema.get("properties") or {})
        patterns = list(schema.get("patternProperties") or {})
        extra = sorted(k for k in instance if k not in known and not any(re.search(p, k) for p in patterns))
        found = []
        for name in extra:
            close = difflib.get_close_matches(name, known, n=1)
            hint = "did you mean %r?" % close[0] if close else "known fields: %s" % ", ".join(known[:12])
            found.append((_join(parts, name), "unknown field (%s)" % hint))
        if found:
            return found
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in error.validator_value if k not in instance]
        return [(_join(parts, name), "required field missing") for name in missing] or \
            [(field_path(parts), error.message)]
    if kind == "type":
        return [(field_path(parts), "expected %s, got %s %s" % (_type_names(error.validator_value),
                                                                _json_type(instance), json.dumps(instance)[:60]))]
    if kind == "enum":
        return [(field_path(parts), "%s is not one of %s" % (json.dumps(instance)[:60],
                                                             ", ".join(json.dumps(v) for v in error.validator_value)))]
    return [(field_path(parts), error.message)]


def _raise(ident, errors, schema_name):
    problems = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        problems.extend(_problems(error))
    shown = ["%s: %s" % problem for problem in problems[:MAX_PROBLEMS]]
    more = len(problems) - len(shown)
    text = "; ".join(shown) + ("; and %d more" % more if more > 0 else "")
    raise SchemaError(ident, "%s (checked against %s; fix the builder or the service's k8s.overrides that "
                             "produced the field)" % (text, schema_name), problems)


# --- custom resources -------------------------------------------------------------------------------

def _structural(node):
    """A JSON Schema (draft 7) copy of an OpenAPI v3 structural schema node (see the module docstring)."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in _ONE_SCHEMA and isinstance(value, dict):
            value = _structural(value)
        elif key in _SCHEMA_LIST and isinstance(value, list):
            value = [_structural(item) for item in value]
        elif key in _SCHEMA_MAP and isinstance(value, dict):
            value = dict((name, _structural(sub)) for name, sub in value.items())
        if not key.startswith("x-kubernetes-") and key != "nullable":
            out[key] = value
    if node.get("x-kubernetes-int-or-string") and "type" not in out:
        out["type"] = ["integer", "string"]
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        elif isinstance(out.get("type"), list) and "null" not in out["type"]:
            out["type"] = out["type"] + ["null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", _STRING)
        props.setdefault("kind", _STRING)
        props.setdefault("metadata", {"type": "object"})
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), bool):  # OpenAPI 3.0's boolean form
            if out.pop(bound) and limit in out:
                out[bound] = out.pop(limit)
    if "properties" in out and "additionalProperties" not in out \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def _crd_root(schema, group, version, kind):
    root = _structural(schema)
    props = root.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": ["%s/%s" % (group, version)]}
    props["kind"] = {"type": "string", "enum": [kind]}
    props["metadata"] = plain_copy(OBJECT_META)
    root["type"] = "object"
    root["required"] = sorted(set(root.get("required") or []) | {"apiVersion", "kind", "metadata"})
    root.setdefault("additionalProperties", False)
    return root


def custom_resources():
    """``{kind: {"group": ..., "versions": {name: JSON Schema}}}`` of the shipped CRDs (read once)."""
    if not _CRDS:
        for module in CRD_MODULES:
            data = json.loads(module.DATA)
            kind, group = data["kind"], data["group"]
            _CRDS[kind] = {"group": group, "name": module.NAME, "versions": dict(
                (name, _crd_root(schema, group, name, kind)) for name, schema in data["versions"].items())}
    return _CRDS


def _validate_custom(manifest, ident, crd):
    api_version = manifest["apiVersion"]
    group, _sep, version = api_version.rpartition("/")
    served = sorted("%s/%s" % (crd["group"], v) for v in crd["versions"])
    if group != crd["group"] or version not in crd["versions"]:
        raise SchemaError(ident, "apiVersion %s is not served by the %s CRD shipped with the collection (served: "
                                 "%s)" % (api_version, crd["name"], ", ".join(served)))
    key = (manifest["kind"], version)
    validator = _CRD_VALIDATORS.get(key)
    if validator is None:
        validator = _CRD_VALIDATORS[key] = jsonschema.Draft7Validator(crd["versions"][version])
    errors = list(validator.iter_errors(manifest))
    if errors:
        _raise(ident, errors, "the %s CRD schema, version %s" % (crd["name"], version))


# --- built-in kinds ---------------------------------------------------------------------------------

def _minor(text):
    match = re.match(r"^v?(\d+)\.(\d+)", str(text))
    return (int(match.group(1)), int(match.group(2))) if match else None


def builtin_versions():
    """The Kubernetes minor versions kubernetes-validate has schemas of, as ``(1, 33)`` tuples, sorted."""
    if not _BUILTIN_VERSIONS:
        _BUILTIN_VERSIONS.extend(sorted(set(_minor(v) for v in kv_utils.all_versions() if _minor(v))))
    return _BUILTIN_VERSIONS


def schema_version(version):
    """``(1, 33)`` for ``"1.33"``: the schema set used for a cluster version (the newest not newer, as
    kubernetes-validate picks); a version outside the ones shipped is an error on ``meridian_kubernetes.version``."""
    wanted = _minor(version)
    known = builtin_versions()
    if wanted is None:
        raise SchemaError(VERSION_FIELD, "%r is not a Kubernetes version (major.minor, e.g. \"1.33\")" % (version,))
    usable = [v for v in known if v <= wanted]
    if not usable or wanted > known[-1]:
        raise SchemaError(VERSION_FIELD, "Kubernetes %d.%d: kubernetes-validate %s has schemas for %d.%d to %d.%d "
                                         "only (upgrade kubernetes-validate or correct the version)"
                          % (wanted + (kubernetes_validate.__version__,) + known[0] + known[-1]))
    return usable[-1]


def _api_file_part(api_version):
    # kubernetes-validate's file naming: apps/v1 -> apps-v1, networking.k8s.io/v1 -> networking-v1, v1 -> v1
    return re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)


def _schema_dir(minor):
    return "kubernetes-json-schema/v%d.%d.0-local-strict" % minor


def _registry(directory, version):
    registry = _REGISTRIES.get(directory)
    if registry is None:
        definitions = _DEFINITIONS[directory] = kv_utils.schema_contents("%s/_definitions.json" % directory, version)
        registry = _REGISTRIES[directory] = Resource.from_contents(definitions) @ Registry()
    return registry


def _builtin_validator(manifest, minor):
    """The compiled validator of the manifest's kind and apiVersion, or ``None`` when Kubernetes has no
    such kind at that apiVersion."""
    directory = _schema_dir(minor)
    filename = "%s/%s-%s.json" % (directory, manifest["kind"].lower(), _api_file_part(manifest["apiVersion"]))
    if filename not in _BUILTIN_VALIDATORS:
        version = "%d.%d.0" % minor
        try:
            schema = kv_utils.schema_contents(filename, version)
        except FileNotFoundError:
            validator = None
        else:
            registry = Resource.from_contents(schema) @ _registry(directory, version)
            validator = jsonschema.validators.Draft202012Validator(schema, registry=registry)
        _BUILTIN_VALIDATORS[filename] = validator
    return _BUILTIN_VALIDATORS[filename]


def _cached_layout():
    """Whether kubernetes-validate has the helpers and file layout this module reads (1.31 and later do)."""
    return all(hasattr(kv_utils, name) for name in ("all_versions", "schema_contents", "VersionNotSupportedError"))


def _other_versions(kind, minor):
    """The apiVersions of ``kind`` in a schema set (a hint for an apiVersion it does not have)."""
    _registry(_schema_dir(minor), "%d.%d.0" % minor)
    found = set()
    for definition in _DEFINITIONS[_schema_dir(minor)].get("$defs", {}).values():
        for gvk in definition.get("x-kubernetes-group-version-kind") or []:
            if gvk.get("kind") == kind:
                found.add("%s/%s" % (gvk["group"], gvk["version"]) if gvk.get("group") else gvk["version"])
    return sorted(found)


def _validate_builtin(manifest, ident, version):
    kind, api_version = manifest["kind"], manifest["apiVersion"]
    if not _cached_layout():
        return _validate_builtin_uncached(manifest, ident, version)
    minor = schema_version(version)
    schema_name = "the Kubernetes %d.%d schema of %s %s" % (minor + (api_version, kind))
    try:
        validator = _builtin_validator(manifest, minor)
    except kv_utils.VersionNotSupportedError:
        raise SchemaError(VERSION_FIELD, "kubernetes-validate has no schemas for Kubernetes %s" % (version,))
    except kv_utils.InvalidSchemaError as err:
        raise SchemaError(ident, "the schema of %s is unreadable (%s): reinstall kubernetes-validate"
                          % (schema_name, err.message))
    if validator is None:
        others = _other_versions(kind, minor)
        known = sorted(custom_resources())
        hint = ("Kubernetes %d.%d serves %s as: %s" % (minor + (kind, ", ".join(others))) if others else
                "it is neither a built-in kind of Kubernetes %d.%d nor a custom resource the collection knows (%s)"
                % (minor + (", ".join(known),)))
        raise SchemaError(ident, "no schema for kind %s at apiVersion %s: %s" % (kind, api_version, hint))
    try:
        errors = list(validator.iter_errors(manifest))
    except Unresolvable as err:
        raise SchemaError(ident, "the schema of %s has an unresolvable reference (%s): reinstall "
                                 "kubernetes-validate" % (schema_name, err))
    if errors:
        _raise(ident, errors, schema_name)


def _validate_builtin_uncached(manifest, ident, version):
    """kubernetes-validate's own validate() (reads the schemas at each call), errors translated."""
    try:
        kubernetes_validate.validate(manifest, "%s.0" % version, strict=True)
    except kubernetes_validate.ValidationError as err:
        _raise(ident, [err], "the Kubernetes %s schema of %s %s" % (version, manifest["apiVersion"], manifest["kind"]))
    except kubernetes_validate.SchemaNotFoundError as err:
        raise SchemaError(ident, "%s: it is neither a built-in kind nor a custom resource the collection knows"
                          % err.message)
    except kubernetes_validate.InvalidSchemaError as err:
        raise SchemaError(ident, "%s: reinstall kubernetes-validate" % err.message)
    except (kv_utils.VersionNotSupportedError, IndexError):
        raise SchemaError(VERSION_FIELD, "kubernetes-validate %s has no schemas for Kubernetes %s"
                          % (kubernetes_validate.__version__, version))


# --- entry point ------------------------------------------------------------------------------------

def _identity(manifest, index):
    if not isinstance(manifest, dict):
        raise SchemaError("manifests[%d]" % index, "a manifest is a mapping, not %s" % type(manifest).__name__)
    kind = manifest.get("kind")
    name = (manifest.get("metadata") or {}).get("name") if isinstance(manifest.get("metadata"), dict) else None
    ident = "%s/%s" % (kind or "manifests[%d]" % index, name or "(no name)")
    if not isinstance(kind, str) or not kind:
        raise SchemaError(ident, "kind: required field missing")
    if not isinstance(manifest.get("apiVersion"), str) or not manifest["apiVersion"]:
        raise SchemaError(ident, "apiVersion: required field missing")
    if not isinstance(name, str) or not name:
        raise SchemaError(ident, "metadata.name: required field missing")
    return ident


def validate_manifests(manifests, version):
    """Check every manifest against its schema for Kubernetes ``version`` (``"1.33"``); return how many
    were checked. The first manifest refused raises ``SchemaError`` naming ``<Kind>/<name>`` and the field
    paths at fault; nothing is changed either way."""
    _require_libraries()
    if _cached_layout():
        schema_version(version)  # a version without schemas is refused whatever the kinds
    crds = custom_resources()
    count = 0
    for index, manifest in enumerate(manifests):
        ident = _identity(manifest, index)
        crd = crds.get(manifest["kind"])
        if crd is not None:
            _validate_custom(manifest, ident, crd)
        else:
            _validate_builtin(manifest, ident, version)
        count += 1
    return count
