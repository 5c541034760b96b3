# -*- coding: utf-8 -*-
"""A small in-process stand-in for a kube-apiserver, for tests of the apply delivery.

It answers the requests the kubernetes Python client (and kubernetes.core on top of it) sends:
discovery from the recorded responses in fixtures/k8s_api/ (legacy, non-aggregated format), then
GET, list (labelSelector, fieldSelector on metadata.name), server-side apply (PATCH with
``application/apply-patch+yaml``) and DELETE on an in-memory store. Every request is recorded
(method, path, query, headers, body) for assertions. fixtures/k8s_api/README.md says what it models
and what it does not.

Usage::

    with ApiReplay() as api:
        api.url               # http://127.0.0.1:PORT
        api.requests          # list of Request
        api.object("apps", "deployments", "web", "ns")
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import copy
import datetime
import json
import os
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "k8s_api")
APPLY_PATCH = "application/apply-patch+yaml"
# Objects a cluster already holds (ApiReplay.load), not discovery.
LIVE_OBJECTS = "live_objects.json"
# Go's strconv.ParseBool, which the API server uses for the `force` query parameter.
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
# metadata fields an apply configuration may own; name and namespace identify the object.
_OWNABLE_METADATA = ("labels", "annotations", "finalizers", "ownerReferences")

Request = collections.namedtuple("Request", "method path query headers body")


def _status(code, reason, message, details=None):
    """A metav1.Status as the API server sends it with a failure."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return code, body


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _leaves(config, prefix=()):
    """The field paths an apply configuration sets, with their values.

    Maps are walked into; lists and scalars are leaves (every list is treated as atomic, see the README).
    apiVersion, kind, metadata.name/namespace identify the object and are not owned; status is ignored
    (a subresource).
    """
    out = {}
    for key, value in config.items():
        path = prefix + (key,)
        if not prefix and key in ("apiVersion", "kind", "status"):
            continue
        if path[0] == "metadata" and len(path) == 2 and key not in _OWNABLE_METADATA:
            continue
        if isinstance(value, dict) and value:
            out.update(_leaves(value, path))
        else:
            out[path] = value
    return out


def _get_path(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def _set_path(obj, path, value):
    for key in path[:-1]:
        if not isinstance(obj.get(key), dict):
            obj[key] = {}
        obj = obj[key]
    obj[path[-1]] = copy.deepcopy(value)


def _remove_path(obj, path):
    """Remove a field, and the maps it leaves empty (metadata stays)."""
    parents = []
    for key in path[:-1]:
        if not isinstance(obj.get(key), dict):
            return
        parents.append((obj, key))
        obj = obj[key]
    obj.pop(path[-1], None)
    for depth, (parent, key) in reversed(list(enumerate(parents))):
        if parent[key] == {} and not (depth == 0 and key == "metadata"):
            del parent[key]


_MISSING = object()


def _fields_v1(paths):
    """managedFields' FieldsV1 of a set of field paths ({"f:spec": {"f:replicas": {}}})."""
    tree = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault("f:" + key, {})
    return tree


def _paths_of_fields_v1(tree, prefix=()):
    """The field paths a FieldsV1 tree names (a list's keyed entries count as the whole list)."""
    paths = set()
    for key, sub in tree.items():
        if key == ".":
            continue
        if not key.startswith("f:"):
            return {prefix}
        path = prefix + (key[2:],)
        paths |= _paths_of_fields_v1(sub, path) if sub else {path}
    return paths


def _selector_terms(selector):
    """Split a labelSelector at the commas outside parentheses."""
    terms, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current.strip())
    return terms


def label_selector_matches(selector, labels):
    """Whether labels match a labelSelector (=, ==, !=, in, notin, exists, !exists)."""
    for term in _selector_terms(selector or ""):
        match = re.match(r"^(\S+)\s+(in|notin)\s+\((.*)\)$", term)
        if match:
            key, operator, values = match.group(1), match.group(2), {v.strip() for v in match.group(3).split(",")}
            if (operator == "in") != (labels.get(key) in values):
                return False
            continue
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = re.split("==?", term, maxsplit=1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


def _parse_bool(value):
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(value)


class ApiReplay:
    """The server: discovery from the fixtures, objects in memory, every request recorded."""

    def __init__(self, fixtures=FIXTURES):
        self._fixtures = fixtures
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self._last_resource_version = 1000
        self._last_cluster_ip = 9
        self.requests = []
        # (group, plural, namespace or "", name) -> {"object": dict, "owners": {manager: set of paths}}
        self._store = {}
        self._discovery = self._load_discovery()
        # (group, version, plural) -> the APIResourceList entry; group "" is the core group.
        self.resources = {}
        for path, body in self._discovery.items():
            if body.get("kind") == "APIResourceList":
                group, _sep, version = body["groupVersion"].rpartition("/")
                for entry in body["resources"]:
                    if "/" not in entry["name"]:
                        self.resources[(group, version, entry["name"])] = entry

    # ---- life cycle -------------------------------------------------------------------------------

    def start(self):
        replay = self

        class Handler(_Handler):
            api = replay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="k8s-api-replay", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    @property
    def running(self):
        return self._server is not None and self._thread.is_alive()

    # ---- what the tests read and seed ------------------------------------------------------------

    def _load_discovery(self):
        paths = {"version.json": "/version", "api.json": "/api", "apis.json": "/apis"}
        out = {}
        for name in sorted(os.listdir(self._fixtures)):
            if not name.endswith(".json") or name == LIVE_OBJECTS:
                continue
            with open(os.path.join(self._fixtures, name)) as handle:
                body = json.load(handle)
            if name in paths:
                out[paths[name]] = body
            elif body.get("kind") == "APIResourceList":
                gv = body["groupVersion"]
                out["/api/" + gv if "/" not in gv else "/apis/" + gv] = body
        return out

    def object(self, group, plural, name, namespace=""):
        """The stored object (a copy), or None."""
        with self._lock:
            entry = self._store.get((group, plural, namespace or "", name))
            return copy.deepcopy(entry["object"]) if entry else None

    def objects(self):
        """Every stored object: {(group, plural, namespace, name): object} (copies)."""
        with self._lock:
            return {key: copy.deepcopy(entry["object"]) for key, entry in self._store.items()}

    def snapshot(self):
        """What the server holds (objects, owners, counters), for restore on another replay."""
        with self._lock:
            return copy.deepcopy((self._store, self._last_resource_version, self._last_cluster_ip))

    def restore(self, snapshot):
        """Hold what snapshot() took (requests are not copied)."""
        with self._lock:
            self._store, self._last_resource_version, self._last_cluster_ip = copy.deepcopy(snapshot)

    def clear_requests(self):
        with self._lock:
            del self.requests[:]

    def load(self, path):
        """Store the objects of a recorded List (a GET answer each, managedFields included): each field
        manager owns the fields its managedFields entry names. No request is recorded."""
        with open(path) as handle:
            recorded = json.load(handle)
        assert recorded["kind"] == "List", path
        with self._lock:
            for obj in recorded["items"]:
                group, _sep, version = obj["apiVersion"].rpartition("/")
                meta = obj["metadata"]
                key = (group, self.plural(group, version, obj["kind"]), meta.get("namespace", ""), meta["name"])
                owners = {entry["manager"]: _paths_of_fields_v1(entry["fieldsV1"]) for entry in meta["managedFields"]}
                self._store[key] = {"object": copy.deepcopy(obj), "owners": owners}
                self._last_resource_version = max(self._last_resource_version, int(meta["resourceVersion"]))

    def plural(self, group, version, kind):
        """The resource name (plural) discovery gives kind in group/version."""
        for (g, v, plural), entry in self.resources.items():
            if (g, v) == (group, version) and entry["kind"] == kind:
                return plural
        raise KeyError("%s/%s %s is not served" % (group, version, kind))

    def path_of(self, obj):
        """The API path of an object (as the client builds it)."""
        group, _sep, version = obj["apiVersion"].rpartition("/")
        namespace = obj["metadata"].get("namespace", "")
        prefix = "/apis/" + obj["apiVersion"] if group else "/api/" + version
        return (prefix + ("/namespaces/" + namespace if namespace else "") + "/"
                + self.plural(group, version, obj["kind"]) + "/" + obj["metadata"]["name"])

    # ---- request handling --------------------------------------------------------------------------

    def handle(self, method, raw_path, headers, raw_body):
        """Return (code, body dict) of one request, and record it."""
        split = urlsplit(raw_path)
        path = split.path.rstrip("/") or "/"
        query = {key: values[-1] for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        body = None
        if raw_body:
            text = raw_body.decode("utf-8")
            try:
                body = json.loads(text)
            except ValueError:
                body = yaml.safe_load(text)
        with self._lock:
            self.requests.append(Request(method, path, query, dict(headers), copy.deepcopy(body)))
            return self._route(method, path, query, headers, body)

    def _route(self, method, path, query, headers, body):
        if path in self._discovery:
            if method != "GET":
                return _status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            accept = headers.get("accept", "")
            # The replay only speaks the legacy discovery format; a client that asks for aggregated
            # discovery only (apidiscovery.k8s.io) is refused rather than answered wrongly.
            if "as=APIGroupDiscoveryList" in accept and "application/json" not in accept.replace(
                    "application/json;g=apidiscovery", ""):
                return _status(406, "NotAcceptable", "only the legacy discovery format is recorded")
            return 200, copy.deepcopy(self._discovery[path])
        target = self._parse_resource_path(path)
        if target is None:
            return _status(404, "NotFound", "the server could not find the requested resource",
                           {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]})
        group, version, plural, namespace, name, subresource = target
        if subresource:
            return _status(405, "MethodNotAllowed", "subresource %s is not modelled by the replay" % subresource)
        entry = self.resources[(group, version, plural)]
        if entry["namespaced"] is False and namespace:
            return _status(404, "NotFound", "the server could not find the requested resource")
        if method == "GET" and name:
            return self._get(group, version, plural, namespace, name)
        if method == "GET":
            return self._list(group, version, plural, namespace, query)
        if method == "PATCH" and name:
            content_type = headers.get("content-type", "").split(";")[0].strip()
            if content_type != APPLY_PATCH:
                return _status(415, "UnsupportedMediaType",
                               "the replay models server-side apply only, not %s" % content_type)
            return self._apply_request(group, version, plural, namespace, name, query, body)
        if method == "DELETE" and name:
            return self._delete(group, version, plural, namespace, name, query)
        return _status(405, "MethodNotAllowed", "the replay does not model %s %s" % (method, path))

    def _parse_resource_path(self, path):
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = ""
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3 or (group, version, rest[0]) not in self.resources:
            return None
        name = rest[1] if len(rest) > 1 else ""
        subresource = rest[2] if len(rest) > 2 else ""
        return group, version, rest[0], namespace, name, subresource

    @staticmethod
    def _resource_name(group, plural):
        return plural + ("." + group if group else "")

    def _not_found(self, group, plural, name):
        return _status(404, "NotFound", '%s "%s" not found' % (self._resource_name(group, plural), name),
                       {"name": name, "group": group, "kind": plural})

    def _get(self, group, version, plural, namespace, name):
        entry = self._store.get((group, plural, namespace, name))
        if entry is None:
            return self._not_found(group, plural, name)
        return 200, copy.deepcopy(entry["object"])

    def _list(self, group, version, plural, namespace, query):
        selector = query.get("labelSelector", "")
        fields = {}
        for term in _selector_terms(query.get("fieldSelector", "")):
            key, _sep, value = term.partition("=")
            if key not in ("metadata.name", "metadata.namespace"):
                return _status(400, "BadRequest", 'field label not supported: %s' % key)
            fields[key] = value.lstrip("=")
        items = []
        for (g, p, ns, name), entry in sorted(self._store.items()):
            if (g, p) != (group, plural) or (namespace and ns != namespace):
                continue
            if fields.get("metadata.name", name) != name or fields.get("metadata.namespace", ns) != ns:
                continue
            obj = entry["object"]
            if not label_selector_matches(selector, obj["metadata"].get("labels", {})):
                continue
            item = copy.deepcopy(obj)
            # typed lists carry apiVersion and kind once, on the list (as the API server sends them)
            item.pop("apiVersion", None)
            item.pop("kind", None)
            items.append(item)
        kind = self.resources[(group, version, plural)]["kind"]
        return 200, {"kind": kind + "List", "apiVersion": "/".join(filter(None, [group, version])),
                     "metadata": {"resourceVersion": str(self._current_resource_version())}, "items": items}

    def _current_resource_version(self):
        versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in self._store.values()]
        return max(versions or [1000])

    def _apply_request(self, group, version, plural, namespace, name, query, body):
        manager = query.get("fieldManager", "")
        if not manager:
            return _status(400, "BadRequest", "PATCH /apply requires fieldManager")
        try:
            force = _parse_bool(query["force"]) if "force" in query else False
        except ValueError:
            return _status(400, "BadRequest", "invalid value for force: %s" % query["force"])
        dry_run = query.get("dryRun")
        if dry_run not in (None, "All"):
            return _status(400, "BadRequest", 'Invalid dry run value: unsupported dry run value "%s"' % dry_run)
        if not isinstance(body, dict):
            return _status(400, "BadRequest", "the apply configuration is not an object")
        return self._apply(group, version, plural, namespace, name, body, manager, force, dry_run == "All")

    def _apply(self, group, version, plural, namespace, name, config, manager, force, dry_run):
        gv = "/".join(filter(None, [group, version]))
        entry = self.resources[(group, version, plural)]
        metadata = config.get("metadata") or {}
        if config.get("apiVersion") != gv or config.get("kind") != entry["kind"]:
            return _status(400, "BadRequest", "the apply configuration is %s %s, the path serves %s %s" % (
                config.get("apiVersion"), config.get("kind"), gv, entry["kind"]))
        if metadata.get("name") != name:
            return _status(400, "BadRequest", "the name of the object (%s) does not match the name on the URL (%s)"
                           % (metadata.get("name"), name))
        if entry["namespaced"]:
            if metadata.get("namespace", namespace) != namespace:
                return _status(400, "BadRequest", "the namespace of the provided object does not match the "
                                                  "namespace sent on the request")
            if ("", "namespaces", "", namespace) not in self._store:
                return _status(404, "NotFound", 'namespaces "%s" not found' % namespace,
                               {"name": namespace, "kind": "namespaces"})
        key = (group, plural, namespace, name)
        stored = self._store.get(key)
        created = stored is None
        current = copy.deepcopy(stored["object"]) if stored else self._new_object(gv, entry, namespace, name)
        owners = {m: set(paths) for m, paths in (stored["owners"] if stored else {}).items()}

        applied = _leaves(config)
        conflicts = []
        for path, value in sorted(applied.items()):
            for other, paths in owners.items():
                if other != manager and path in paths and _get_path(current, path) != value:
                    conflicts.append((other, path))
        if conflicts and not force:
            return _conflict(conflicts, name, group, plural, gv)
        for other, path in conflicts:
            owners[other].discard(path)

        # fields this manager applied before and no longer applies are removed, unless someone else owns them
        for path in owners.get(manager, set()) - set(applied):
            if not any(path in paths for other, paths in owners.items() if other != manager):
                _remove_path(current, path)
        for path, value in applied.items():
            _set_path(current, path, value)
        owners[manager] = set(applied)
        owners = {m: paths for m, paths in owners.items() if paths}
        self._default(current, entry["kind"])
        current["metadata"]["managedFields"] = self._managed_fields(
            current["metadata"].get("managedFields", []), owners, gv)

        if stored is not None and current == stored["object"]:
            # nothing changed: the API server does not write, the resourceVersion stays
            return 200, copy.deepcopy(stored["object"])
        if stored is not None and _spec_changed(stored["object"], current) and "generation" in current["metadata"]:
            current["metadata"]["generation"] += 1
        if dry_run:
            if created:
                current["metadata"].pop("resourceVersion", None)
            return 201 if created else 200, current
        self._last_resource_version += 1
        current["metadata"]["resourceVersion"] = str(self._last_resource_version)
        self._store[key] = {"object": current, "owners": owners}
        return 201 if created else 200, copy.deepcopy(current)

    def _new_object(self, gv, entry, namespace, name):
        metadata = {"name": name}
        if entry["namespaced"]:
            metadata["namespace"] = namespace
        metadata["uid"] = str(uuid.uuid4())
        metadata["resourceVersion"] = "0"
        metadata["creationTimestamp"] = _now()
        if gv != "v1":
            # built-in objects of the core group (Namespace, Service) carry no generation
            metadata["generation"] = 1
        return {"apiVersion": gv, "kind": entry["kind"], "metadata": metadata}

    def _default(self, obj, kind):
        """The few fields the API server sets itself that the objects here would show."""
        if kind == "Namespace":
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
        elif kind == "Service":
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            if spec["type"] != "ExternalName" and "clusterIP" not in spec:
                self._last_cluster_ip += 1
                spec["clusterIP"] = "10.96.0.%d" % self._last_cluster_ip
                spec["clusterIPs"] = [spec["clusterIP"]]
            spec.setdefault("sessionAffinity", "None")
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
            obj.setdefault("status", {"loadBalancer": {}})

    @staticmethod
    def _managed_fields(previous, owners, gv):
        """One Apply entry per manager; an entry whose fields did not change keeps its time."""
        before = {entry["manager"]: entry for entry in previous}
        out = []
        order = [entry["manager"] for entry in previous] + sorted(set(owners) - set(before))
        for manager in order:
            if manager not in owners:
                continue
            fields = _fields_v1(owners[manager])
            old = before.get(manager)
            if old and old["fieldsV1"] == fields and old["apiVersion"] == gv:
                out.append(old)
            else:
                out.append({"manager": manager, "operation": "Apply", "apiVersion": gv, "time": _now(),
                            "fieldsType": "FieldsV1", "fieldsV1": fields})
        return out

    def _delete(self, group, version, plural, namespace, name, query):
        dry_run = query.get("dryRun")
        if dry_run not in (None, "All"):
            return _status(400, "BadRequest", 'Invalid dry run value: unsupported dry run value "%s"' % dry_run)
        key = (group, plural, namespace, name)
        entry = self._store.get(key)
        if entry is None:
            return self._not_found(group, plural, name)
        obj = copy.deepcopy(entry["object"])
        if dry_run is None:
            del self._store[key]
            if plural == "namespaces" and not group:
                # the namespace controller deletes what the namespace holds (at once here)
                for other in [k for k in self._store if k[2] == name]:
                    del self._store[other]
        if plural == "namespaces" and not group:
            # a namespace is returned while it terminates
            obj["metadata"]["deletionTimestamp"] = _now()
            obj["status"] = {"phase": "Terminating"}
            return 200, obj
        return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                     "details": {"name": name, "group": group, "kind": plural, "uid": obj["metadata"]["uid"]}}


def _conflict(conflicts, name, group, plural, gv):
    """The 409 of an apply that would change fields other managers own (the API server's wording)."""
    fields = {}
    for other, path in conflicts:
        fields.setdefault(other, []).append("." + ".".join(path))
    parts = []
    for other, names in fields.items():
        if len(names) == 1:
            parts.append('conflict with "%s" using %s: %s' % (other, gv, names[0]))
        else:
            parts.append('conflicts with "%s" using %s:\n%s' % (other, gv, "\n".join("- " + n for n in names)))
    count = len(conflicts)
    message = "Apply failed with %d conflict%s: %s" % (count, "" if count == 1 else "s", "\n".join(parts))
    causes = [{"reason": "FieldManagerConflict", "message": 'conflict with "%s" using %s' % (other, gv),
               "field": "." + ".".join(path)} for other, path in conflicts]
    return _status(409, "Conflict", message, {"name": name, "group": group, "kind": plural, "causes": causes})


def _spec_changed(before, after):
    strip = ("metadata", "status")
    return {k: v for k, v in before.items() if k not in strip} != {k: v for k, v in after.items() if k not in strip}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without this, Nagle and delayed ACKs cost 40 ms a request
    disable_nagle_algorithm = True
    api = None

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            code, body = self.api.handle(self.command, self.path, headers, raw_body)
        except Exception as exc:  # pylint: disable=broad-except
            code, body = _status(500, "InternalError", "replay error: %r" % (exc,))
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PATCH = do_DELETE = do_POST = do_PUT = _serve

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass
