"""Google's discovery documents: routing a REST request to its method, and validating it.

The documents are the ones google-api-python-client ships
(googleapiclient/discovery_cache/documents/compute.v1.json and storage.v1.json): the same method
paths, parameters and schemas the real APIs publish. Each is loaded once per process (the Compute
document is about 5 MB; json.load takes a few tens of milliseconds).

Routing: every method's path template (flatPath when the path has {+reserved} expansions) and
httpMethod become one route; a request matches the route with the most literal segments.

Validation (what the real API rejects with 400):
- path and query parameters: unknown query parameters, required ones missing, type (integer,
  boolean), enum and pattern when the document gives them;
- request bodies, recursively through $ref: unknown fields, wrong JSON types (int64/uint64 as
  a decimal string or a number, int32 range, booleans), enum values, a property's `pattern`, and
  the fields `annotations.required` lists for this method.
Messages follow the real API's wording and name the field as a path: 'resource.routing_config.routing_mode'
(snake_case, as Google's errors name fields); unknown names are quoted as sent.
"""

import functools
import json
import os
import re

from gcp_emulator.errors import ApiError

_INT32 = (-(2 ** 31), 2 ** 31 - 1)
_UINT32 = (0, 2 ** 32 - 1)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_UINT64 = (0, 2 ** 64 - 1)
_PARAM = re.compile(r"\{\+?([^}]+)\}")


def documents_dir():
    """The discovery_cache/documents directory of the installed google-api-python-client."""
    import googleapiclient  # noqa: imported only to find its package directory

    return os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")


def snake(name):
    """camelCase JSON name -> the snake_case name Google's error messages use (routingMode -> routing_mode)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Method:
    """One API method: id (compute.networks.insert), HTTP verb, path template, parameters, request schema."""

    def __init__(self, api, doc):
        self.api = api
        self.id = doc["id"]
        self.verb = self.id.rsplit(".", 1)[1]
        self.resource = self.id.split(".")[-2]
        self.http_method = doc["httpMethod"]
        self.path = doc.get("flatPath") if "{+" in doc["path"] and doc.get("flatPath") else doc["path"]
        self.parameters = doc.get("parameters", {})
        self.request = (doc.get("request") or {}).get("$ref")
        self.response = (doc.get("response") or {}).get("$ref")
        segments = self.path.split("/")
        self.literals = sum(1 for s in segments if not _PARAM.fullmatch(s))
        self.segment_count = len(segments)
        self.path_params = [m.group(1) for m in _PARAM.finditer(self.path)]
        pattern = "/".join(
            "([^/]+)" if _PARAM.fullmatch(s) else re.escape(s) for s in segments
        )
        self.regex = re.compile("^" + pattern + "$")

    def __repr__(self):
        return "<Method %s %s %s>" % (self.id, self.http_method, self.path)

    def expand(self, path_params):
        """The concrete relative path of this method's template with the given path parameters."""
        return _PARAM.sub(lambda m: path_params[m.group(1)], self.path)


class Api:
    """A loaded discovery document: its routes, its schemas and the validators over them."""

    def __init__(self, doc):
        self.doc = doc
        self.name = doc["name"]
        self.service_path = "/" + doc["servicePath"]  # /compute/v1/
        self.base_url = doc["baseUrl"]
        self.schemas = doc["schemas"]
        self.global_params = doc.get("parameters", {})
        self.methods = {}
        self._routes = {}
        self._collect(doc.get("resources", {}))
        for routes in self._routes.values():
            routes.sort(key=lambda m: -m.literals)

    def _collect(self, resources):
        for resource in resources.values():
            for mdoc in resource.get("methods", {}).values():
                method = Method(self, mdoc)
                self.methods[method.id] = method
                self._routes.setdefault((method.http_method, method.segment_count), []).append(method)
            self._collect(resource.get("resources", {}))

    def route(self, http_method, relative_path):
        """(Method, path parameters) for a path relative to servicePath; ApiError 404/405 when none matches."""
        from urllib.parse import unquote

        segments = relative_path.split("/")
        for method in self._routes.get((http_method, len(segments)), []):
            match = method.regex.match(relative_path)
            if match:
                return method, {n: unquote(v) for n, v in zip(method.path_params, match.groups())}
        for (verb, count), routes in self._routes.items():
            if count == len(segments) and verb != http_method and any(m.regex.match(relative_path) for m in routes):
                raise ApiError(405, "methodNotAllowed", "Method %s is not allowed on %s%s"
                               % (http_method, self.service_path, relative_path))
        raise ApiError(404, "notFound", "No %s API method at %s%s" % (self.name, self.service_path, relative_path))

    # ---------------------------------------------------------------- parameters

    def validate_params(self, method, path_params, query):
        """Check path parameters and the query (dict name -> list of values); return name -> value(s) converted."""
        errors = []
        out = {}
        for name, value in path_params.items():
            spec = method.parameters.get(name, {"type": "string"})
            out[name] = self._param_value(name, spec, value, errors)
        for raw_name, values in query.items():
            name = raw_name[1:] if raw_name.startswith("$") and raw_name != "$.xgafv" else raw_name
            spec = method.parameters.get(name)
            if spec is None or spec.get("location") == "path":
                spec = self.global_params.get(name) or self.global_params.get("$" + name)
            if spec is None:
                errors.append(ApiError(
                    400, "invalid",
                    'Invalid JSON payload received. Unknown name "%s": Cannot bind query parameter. '
                    "Field '%s' could not be found in request message." % (raw_name, raw_name),
                    field=raw_name))
                continue
            if spec.get("repeated"):
                out[name] = [self._param_value(name, spec, v, errors) for v in values]
            else:
                out[name] = self._param_value(name, spec, values[-1], errors)
        for name, spec in method.parameters.items():
            if spec.get("required") and name not in out:
                errors.append(ApiError(400, "required", "Required parameter: %s" % name, field=name))
        _raise(errors)
        return out

    @staticmethod
    def _param_value(name, spec, value, errors):
        kind = spec.get("type", "string")
        if kind == "integer" or spec.get("format") in ("int64", "uint64", "int32", "uint32"):
            if not re.fullmatch(r"-?[0-9]+", value):
                errors.append(ApiError(400, "invalid", "Invalid value for parameter '%s': '%s' is not an integer"
                                       % (name, value), field=name))
                return value
            number = int(value)
            low, high = _bounds(spec.get("format"))
            if not low <= number <= high or ("minimum" in spec and number < int(spec["minimum"])) or (
                    "maximum" in spec and number > int(spec["maximum"])):
                errors.append(ApiError(400, "invalid", "Invalid value for parameter '%s': %s is out of range"
                                       % (name, value), field=name))
            return number if kind == "integer" else value
        if kind == "boolean":
            if value not in ("true", "false", "True", "False", "1", "0"):
                errors.append(ApiError(400, "invalid", "Invalid value for parameter '%s': '%s' is not a boolean"
                                       % (name, value), field=name))
                return value
            return value in ("true", "True", "1")
        if "enum" in spec and value not in spec["enum"]:
            errors.append(ApiError(400, "invalid", "Invalid value for parameter '%s': '%s' (allowed: %s)"
                                   % (name, value, ", ".join(spec["enum"])), field=name))
        if "pattern" in spec and not re.fullmatch(spec["pattern"], value):
            errors.append(ApiError(400, "invalid", "Invalid value '%s' for parameter '%s': must match '%s'"
                                   % (value, name, spec["pattern"]), field=name))
        return value

    # ---------------------------------------------------------------- bodies

    def validate_body(self, method, body, root="resource"):
        """Validate a request body against the method's request schema; raise ApiError listing every violation."""
        if method.request is None:
            return
        errors = []
        if not isinstance(body, dict):
            errors.append(ApiError(400, "invalid", "Invalid JSON payload received. Expected an object at '%s'."
                                   % root, field=root))
        else:
            self._check_object({"$ref": method.request}, body, root, method.id, errors)
        _raise(errors)

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        return schema

    def _check(self, schema, value, path, method_id, errors):
        schema = self.resolve(schema)
        if value is None:  # JSON null is the field's default in proto3 JSON
            return
        kind = schema.get("type")
        fmt = schema.get("format")
        if kind == "object" or "properties" in schema or "additionalProperties" in schema:
            self._check_object(schema, value, path, method_id, errors)
        elif kind == "array":
            if not isinstance(value, list):
                errors.append(_type_error(path, "TYPE_LIST", value))
                return
            for index, item in enumerate(value):
                self._check(schema.get("items", {}), item, "%s[%d]" % (path, index), method_id, errors)
        elif kind == "boolean":
            if not isinstance(value, bool):
                errors.append(_type_error(path, "TYPE_BOOL", value))
        elif kind == "integer" or (kind == "string" and fmt in ("int64", "uint64")):
            type_name = "TYPE_" + (fmt or "int32").upper()
            if isinstance(value, bool) or not (
                    isinstance(value, int)
                    or (isinstance(value, float) and value.is_integer())
                    or (isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value))):
                errors.append(_type_error(path, type_name, value))
                return
            low, high = _bounds(fmt)
            if not low <= int(value) <= high:
                errors.append(_type_error(path, type_name, value))
        elif kind == "number":
            if isinstance(value, bool) or not (
                    isinstance(value, (int, float))
                    or (isinstance(value, str) and re.fullmatch(r"-?[0-9.eE+-]+|NaN|-?Infinity", value))):
                errors.append(_type_error(path, "TYPE_DOUBLE" if fmt != "float" else "TYPE_FLOAT", value))
        elif kind == "string":
            if not isinstance(value, str):
                errors.append(_type_error(path, "TYPE_STRING", value))
                return
            if "enum" in schema and value not in schema["enum"]:
                errors.append(ApiError(400, "invalid", "Invalid value at '%s' (TYPE_ENUM), \"%s\"" % (path, value),
                                       field=path))
            elif "pattern" in schema and not re.fullmatch(schema["pattern"], value):
                errors.append(ApiError(
                    400, "invalid", "Invalid value for field '%s': '%s'. Must be a match of regex '%s'"
                    % (path, value, schema["pattern"]), field=path))
        # A schema with no type (type "any") accepts every JSON value.

    def _check_object(self, schema, value, path, method_id, errors):
        schema = self.resolve(schema)
        if not isinstance(value, dict):
            errors.append(_type_error(path, "TYPE_MESSAGE", value))
            return
        if "additionalProperties" in schema and "properties" not in schema:
            for key, item in value.items():
                self._check(schema["additionalProperties"], item, "%s[%s]" % (path, key), method_id, errors)
            return
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties:
                errors.append(ApiError(
                    400, "invalid",
                    "Invalid JSON payload received. Unknown name \"%s\" at '%s': Cannot find field." % (key, path),
                    field="%s.%s" % (path, key)))
                continue
            self._check(properties[key], item, "%s.%s" % (path, snake(key)), method_id, errors)
        for key, prop in properties.items():
            if method_id in prop.get("annotations", {}).get("required", []) and value.get(key) in (None, "", []):
                errors.append(ApiError(400, "required", "Required field '%s.%s' not specified" % (path, snake(key)),
                                       field="%s.%s" % (path, snake(key))))


def _bounds(fmt):
    return {"int32": _INT32, "uint32": _UINT32, "int64": _INT64, "uint64": _UINT64}.get(fmt, _INT64)


def _type_error(path, type_name, value):
    return ApiError(400, "invalid", "Invalid value at '%s' (%s), %s" % (path, type_name, json.dumps(value)),
                    field=path)


def _raise(errors):
    if errors:
        first = errors[0]
        raise ApiError(first.code, first.reason, first.message, field=first.field, extra=errors[1:])


@functools.lru_cache(maxsize=None)
def load(name, directory=None):
    """The Api of `compute` or `storage` (v1), loaded once per process."""
    path = os.path.join(directory or documents_dir(), "%s.v1.json" % name)
    with open(path, encoding="utf-8") as handle:
        return Api(json.load(handle))
