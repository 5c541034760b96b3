"""The Compute Engine store: stateful resources behind the routes of compute.v1.json.

Every resource lives in a collection keyed by its collection path ("projects/p/global/networks",
"projects/p/regions/r/subnetworks"), so one generic store serves every resource kind the discovery
document names. Methods by their verb:

- insert / get / list / aggregatedList / delete / patch / update: generic. Mutations answer with an
  Operation (global, regional or zonal after the target's scope) that is already DONE and is itself
  stored, so operations.get / wait / list / delete work.
- set* (setLabels, setTarget, setUrlMap, setSslPolicy, setSslCertificates, ...): the request body's
  fields are merged into the resource (labelFingerprint checked for setLabels).
- regionInstanceGroupManagers/instanceGroupManagers resize and listManagedInstances.
- any other method: 501 notImplemented (after its request was validated).

Server-side defaults as the real API fills them: id, kind, selfLink, creationTimestamp,
fingerprint / labelFingerprint where the schema has them, region/zone URLs, references expanded
to full URLs, and per-kind defaults (_DEFAULTS). A stale fingerprint on patch/update/set* is a 412
conditionNotMet; a duplicate insert a 409 alreadyExists; a missing one a 404 notFound; deleting a
resource another one refers to a 400 resourceInUseByAnotherResource.
"""

import base64
import copy
import datetime
import ipaddress
import itertools
import os
import random
import re
import threading
import time

from gcp_emulator.errors import ApiError, already_exists, not_found

SELF_LINK_BASE = "https://www.googleapis.com/compute/v1/"
_URL_PREFIXES = (SELF_LINK_BASE, "https://compute.googleapis.com/compute/v1/", "http://www.googleapis.com/compute/v1/")

# Fields that hold references to other resources: given as a name, a partial path or a URL, the
# API stores (and returns) the full URL.
_REFERENCE_KEYS = {
    "network", "subnetwork", "region", "zone", "instanceTemplate", "instanceGroup", "target",
    "backendService", "defaultService", "service", "urlMap", "sslPolicy", "group", "healthChecks",
    "sslCertificates", "backendBucket", "sourceInstanceTemplate", "subnetworks", "healthCheck",
}
# The collection a bare name in a reference field points at (scope from the referring resource).
_REFERENCE_COLLECTION = {
    "network": "global/networks", "instanceTemplate": "global/instanceTemplates",
    "urlMap": "global/urlMaps", "sslPolicy": "global/sslPolicies", "healthChecks": "global/healthChecks",
    "healthCheck": "global/healthChecks",
    "sslCertificates": "global/sslCertificates", "defaultService": "global/backendServices",
    "backendService": "global/backendServices", "backendBucket": "global/backendBuckets",
    "subnetwork": "{region}/subnetworks",
}
# References that must exist when the resource is created (404 otherwise), by collection kind.
_MUST_EXIST = {
    "subnetworks": ["network"], "firewalls": ["network"], "routers": ["network"],
    "instanceGroupManagers": ["instanceTemplate"], "autoscalers": ["target"],
    "targetHttpsProxies": ["urlMap", "sslCertificates", "sslPolicy"],
    "forwardingRules": ["target"], "urlMaps": ["defaultService"], "backendServices": ["healthChecks"],
}
# Fields a patch/update cannot change (the API answers 400; some have their own methods:
# subnetworks.expandIpCidrRange, networks.switchToCustomMode).
_IMMUTABLE = {
    "networks": ("autoCreateSubnetworks",), "subnetworks": ("network", "ipCidrRange", "region"),
    "firewalls": ("network", "direction"), "routers": ("network", "region"),
    "backendServices": ("loadBalancingScheme",), "instanceGroupManagers": ("region", "zone"),
    "forwardingRules": ("IPAddress", "IPProtocol", "portRange", "loadBalancingScheme", "network"),
}
_NAME = re.compile(r"(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)")
_CDN_POLICY = {
    "cacheMode": "CACHE_ALL_STATIC", "defaultTtl": 3600, "maxTtl": 86400, "clientTtl": 3600,
    "negativeCaching": False, "serveWhileStale": 0, "signedUrlCacheMaxAgeSec": "0",
    "requestCoalescing": True,
}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).astimezone(
        datetime.timezone(datetime.timedelta(hours=-8))).isoformat(timespec="milliseconds")


def _fingerprint():
    return base64.b64encode(os.urandom(8)).decode()


def merge_patch(target, patch):
    """The PATCH semantics of Google's JSON APIs (Compute and Storage alike): objects merge, lists
    and scalars replace, null clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _set_default(resource, key, value):
    if resource.get(key) in (None, "", [], {}):
        resource[key] = copy.deepcopy(value)


def _snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _short(url):
    for prefix in _URL_PREFIXES:
        if url.startswith(prefix):
            return url[len(prefix):]
    return url


class ComputeStore:
    """All Compute state of one emulator process; every method takes the store's lock."""

    def __init__(self, api):
        self.api = api
        self.lock = threading.RLock()
        self.collections = {}
        self._ids = itertools.count(random.randint(10 ** 17, 10 ** 18))
        self._ips = itertools.count(1)

    def reset(self):
        with self.lock:
            self.collections.clear()

    # ---------------------------------------------------------------- dispatch

    def handle(self, method, params, body):
        """Serve one validated request: (HTTP status, JSON answer)."""
        with self.lock:
            verb = method.verb
            rel = method.expand({k: str(v) for k, v in params.items() if k in method.path_params})
            if verb == "insert":
                return 200, self._insert(method, rel, params, body)
            if verb == "list":
                return 200, self._list(method, rel, params)
            if verb == "aggregatedList":
                return 200, self._aggregated(method, rel, params)
            if verb == "wait":  # operations are DONE when created
                return 200, self._get(rel.rsplit("/", 1)[0])
            if verb in ("get", "delete", "patch", "update"):
                if method.path.endswith("}"):
                    item = rel
                else:  # regionAutoscalers/autoscalers patch and update name the resource in the query
                    name = params.get("autoscaler") or (body or {}).get("name")
                    if not name:
                        raise ApiError(400, "required", "Required field 'resource.name' not specified",
                                       field="resource.name")
                    item = "%s/%s" % (rel, name)
                if verb == "get":
                    return 200, self._get(item)
                if verb == "delete" and item.split("/")[-2] == "operations":
                    self._find(item)
                    del self.collections[item.rsplit("/", 1)[0]][item.rsplit("/", 1)[1]]
                    return 200, {}
                if verb == "delete":
                    return 200, self._delete(method, item)
                return 200, self._modify(method, item, body or {}, replace=(verb == "update"))
            if verb.startswith("set") and method.request:
                return 200, self._set(method, self._item_of(method, params), body or {})
            if verb == "resize":
                return 200, self._resize(method, self._item_of(method, params), params["size"])
            if verb == "expandIpCidrRange":
                return 200, self._expand_range(method, self._item_of(method, params), body or {})
            if verb == "switchToCustomMode":
                item = self._item_of(method, params)
                self._find(item)["autoCreateSubnetworks"] = False
                return 200, self._operation(method, params, item, self._find(item), "switchToCustomMode")
            if verb == "listManagedInstances":
                return 200, self._managed_instances(self._item_of(method, params))
            raise ApiError(501, "notImplemented",
                           "%s is not implemented by the local Compute emulator" % method.id)

    def _item_of(self, method, params):
        """The stored path of the resource a custom method (setLabels, resize, ...) acts on.

        Custom paths do not always follow the resource's own (targetHttpsProxies.setSslCertificates
        has no /global/, setLabels names the resource {resource}): the resource's get method says
        where it lives, with the custom method's last path parameter as its name.
        """
        get = self.api.methods.get("compute.%s.get" % method.resource)
        if get is None:
            raise ApiError(501, "notImplemented", "%s is not implemented by the local Compute emulator" % method.id)
        values = {k: str(v) for k, v in params.items()}
        values[get.path_params[-1]] = str(params[method.path_params[-1]])
        return get.expand(values)

    # ---------------------------------------------------------------- generic methods

    def _collection(self, rel, create=False):
        if create:
            return self.collections.setdefault(rel, {})
        return self.collections.get(rel, {})

    def _find(self, item):
        collection, name = item.rsplit("/", 1)
        resource = self._collection(collection).get(name)
        if resource is None:
            raise not_found(item)
        return resource

    def _get(self, item):
        return copy.deepcopy(self._find(item))

    def _insert(self, method, rel, params, body):
        resource = copy.deepcopy(body or {})
        name = resource.get("name")
        if not name:
            raise ApiError(400, "required", "Required field 'resource.name' not specified", field="resource.name")
        if not _NAME.fullmatch(name):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.name': '%s'. Must be a match of "
                           "regex '%s'" % (name, _NAME.pattern), field="resource.name")
        item = "%s/%s" % (rel, name)
        if name in self._collection(rel):
            raise already_exists(item)
        schema = self.api.resolve({"$ref": method.request})
        props = schema.get("properties", {})
        kind = rel.rsplit("/", 1)[1]
        for key in ("id", "selfLink", "creationTimestamp", "fingerprint", "labelFingerprint", "kind"):
            resource.pop(key, None)
        resource["id"] = str(next(self._ids))
        resource["kind"] = props.get("kind", {}).get("default", "compute#" + kind.rstrip("s"))
        resource["selfLink"] = SELF_LINK_BASE + item
        resource["creationTimestamp"] = _now()
        if "fingerprint" in props:
            resource["fingerprint"] = _fingerprint()
        if "labelFingerprint" in props:
            resource["labelFingerprint"] = _fingerprint()
        scope = _scope(rel)
        if scope[0] == "regions" and "region" in props:
            resource["region"] = "%sprojects/%s/regions/%s" % (SELF_LINK_BASE, params["project"], scope[1])
        if scope[0] == "zones" and "zone" in props:
            resource["zone"] = "%sprojects/%s/zones/%s" % (SELF_LINK_BASE, params["project"], scope[1])
        self._expand_references(resource, params["project"], scope)
        defaults = _DEFAULTS.get(kind)
        if defaults:
            defaults(self, resource, params["project"], scope)
        for ref_key in _MUST_EXIST.get(kind, []):
            refs = resource.get(ref_key)
            for ref in refs if isinstance(refs, list) else [refs] if refs else []:
                if _short(ref).startswith("projects/") and not self._exists(_short(ref)):
                    raise not_found(_short(ref))
        if kind == "subnetworks":
            self._check_overlap(resource, ipaddress.ip_network(resource["ipCidrRange"]))
        self._collection(rel, create=True)[name] = resource
        if kind == "subnetworks":
            self._link_subnetwork(resource, add=True)
        if kind == "instanceGroupManagers":
            self._mirror_group(resource)
        return self._operation(method, params, item, resource, "insert")

    def _list(self, method, rel, params):
        items = [copy.deepcopy(r) for r in _by_name(self._collection(rel))]
        items = _filter(items, params.get("filter"))
        start = page_token(params.get("pageToken"))
        size = int(params.get("maxResults") or 500)
        page = items[start:start + size]
        kind = self.api.resolve({"$ref": method.response}).get("properties", {}).get("kind", {}).get("default")
        out = {"kind": kind, "id": rel, "items": page, "selfLink": SELF_LINK_BASE + rel}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        if not page:
            out.pop("items")
        return out

    def _aggregated(self, method, rel, params):
        project, kind = rel.split("/")[1], rel.rsplit("/", 1)[1]
        groups = {}
        for path, collection in sorted(self.collections.items()):
            parts = path.split("/")
            if parts[1] != project or parts[-1] != kind or not collection:
                continue
            scope = "global" if parts[2] == "global" else "%s/%s" % (parts[2], parts[3])
            groups[scope] = {kind: _filter([copy.deepcopy(r) for r in _by_name(collection)],
                                           params.get("filter"))}
        response = self.api.resolve({"$ref": method.response}).get("properties", {})
        return {"kind": response.get("kind", {}).get("default"), "id": rel, "items": groups,
                "selfLink": SELF_LINK_BASE + rel}

    def _delete(self, method, item):
        resource = self._find(item)
        users = self._users(resource["selfLink"])
        if resource.get("instanceGroup") and item.split("/")[-2] == "instanceGroupManagers":
            # a backend service using the MIG's group (the MIG itself names it too)
            users += [u for u in self._users(resource["instanceGroup"]) if u != item]
        if users:
            raise ApiError(400, "resourceInUseByAnotherResource",
                           "The %s resource '%s' is already being used by '%s'"
                           % (item.split("/")[-2].rstrip("s"), item, users[0]))
        collection, name = item.rsplit("/", 1)
        del self.collections[collection][name]
        if item.split("/")[-2] == "subnetworks":
            self._link_subnetwork(resource, add=False)
        if item.split("/")[-2] == "instanceGroupManagers":
            group = _short(resource["instanceGroup"])
            self.collections.get(group.rpartition("/")[0], {}).pop(group.rpartition("/")[2], None)
        project = item.split("/")[1]
        return self._operation(method, {"project": project}, item, resource, "delete")

    def _modify(self, method, item, body, replace):
        # on a copy, stored only once every check passed: a refused patch or update changes nothing
        resource = copy.deepcopy(self._find(item))
        given = body.get("fingerprint")
        if given is None and self._fingerprint_required(method):
            raise ApiError(412, "conditionNotMet", "Required fingerprint not supplied: an up-to-date fingerprint "
                           "must be provided to %s the resource '%s'." % (method.verb, item))
        self._check_fingerprint(resource, given, "fingerprint")
        kind = item.split("/")[-2]
        for key in _IMMUTABLE.get(kind, ()):
            if key in body and body[key] is not None and _short(str(body[key])) != _short(str(resource.get(key))) and \
                    _expand(key, str(body[key]), item.split("/")[1], _scope(item.rsplit("/", 1)[0])) != resource.get(key):
                raise ApiError(400, "invalid", "Invalid value for field 'resource.%s': '%s'. The field cannot be "
                               "changed on an existing %s." % (_snake(key), body[key], kind.rstrip("s")),
                               field="resource.%s" % _snake(key))
        if "name" in body and body["name"] != resource["name"]:
            raise ApiError(400, "invalid", "Invalid value for field 'resource.name': '%s'. "
                           "The name of a resource cannot be changed." % body["name"], field="resource.name")
        kept = {k: resource[k] for k in ("id", "kind", "selfLink", "creationTimestamp", "name", "region", "zone",
                                         "labelFingerprint") if k in resource}
        update = copy.deepcopy(body)
        for key in ("id", "kind", "selfLink", "creationTimestamp", "fingerprint"):
            update.pop(key, None)
        has_fingerprint = "fingerprint" in resource
        if replace:
            resource.clear()
            resource.update(update)
            resource.update(kept)
        else:
            merge_patch(resource, update)
        project = item.split("/")[1]
        scope = _scope(item.rsplit("/", 1)[0])
        self._expand_references(resource, project, scope)
        defaults = _DEFAULTS.get(item.split("/")[-2])
        if defaults:
            defaults(self, resource, project, scope)
        if has_fingerprint:
            resource["fingerprint"] = _fingerprint()
        self.collections[item.rsplit("/", 1)[0]][item.rsplit("/", 1)[1]] = resource
        if kind == "instanceGroupManagers":
            self._mirror_group(resource)
        return self._operation(method, {"project": project}, item, resource, method.verb)

    def _set(self, method, item, body):
        resource = self._find(item)
        if method.verb == "setLabels":
            self._check_fingerprint(resource, body.get("labelFingerprint"), "labelFingerprint")
            resource["labels"] = copy.deepcopy(body.get("labels") or {})
            resource["labelFingerprint"] = _fingerprint()
        else:
            self._check_fingerprint(resource, body.get("fingerprint"), "fingerprint")
            update = {k: v for k, v in body.items() if k != "fingerprint"}
            merge_patch(resource, update)
            project = item.split("/")[1]
            self._expand_references(resource, project, _scope(item.rsplit("/", 1)[0]))
            if "fingerprint" in resource:
                resource["fingerprint"] = _fingerprint()
            if method.verb == "setInstanceTemplate":
                # the group's one version becomes the new template (what new instances are made from)
                resource["versions"] = [{"instanceTemplate": resource["instanceTemplate"],
                                         "targetSize": {"calculated": int(resource.get("targetSize") or 0)}}]
        return self._operation(method, {"project": item.split("/")[1]}, item, resource, method.verb)

    def _fingerprint_required(self, method):
        """True when the request schema's own documentation says its fingerprint must be provided to change it.

        compute.v1.json says so for BackendService, Subnetwork, UrlMap, SslPolicy, InstanceGroupManager,
        TargetHttpsProxy (patch), ... ("An up-to-date fingerprint must be provided in order to update
        the X, otherwise the request will fail with error 412 conditionNotMet").
        """
        if method.request is None:
            return False
        prop = self.api.resolve({"$ref": method.request}).get("properties", {}).get("fingerprint")
        return bool(prop) and "must be provided in order to" in " ".join(prop.get("description", "").split())

    @staticmethod
    def _check_fingerprint(resource, given, key):
        if given is not None and key in resource and given != resource[key]:
            raise ApiError(412, "conditionNotMet",
                           "Supplied fingerprint does not match current metadata fingerprint.")

    def _expand_range(self, method, item, body):
        resource = self._find(item)
        old, new = ipaddress.ip_network(resource["ipCidrRange"]), None
        try:
            new = ipaddress.ip_network(body.get("ipCidrRange", ""), strict=True)
        except ValueError:
            pass
        if new is None or not old.subnet_of(new) or new == old:
            raise ApiError(400, "invalid", "Invalid value for field 'resource.ip_cidr_range': '%s'. The new range "
                           "must contain the current range %s and be larger." % (body.get("ipCidrRange"), old),
                           field="resource.ip_cidr_range")
        self._check_overlap(resource, new)
        resource["ipCidrRange"] = str(new)
        resource["fingerprint"] = _fingerprint()
        return self._operation(method, {"project": item.split("/")[1]}, item, resource, "expandIpCidrRange")

    def _check_overlap(self, subnet, cidr):
        """400 when cidr overlaps another subnetwork of the same network (any region), as the API refuses."""
        for path, collection in self.collections.items():
            if not path.endswith("/subnetworks"):
                continue
            for other in collection.values():
                if other is subnet or other.get("selfLink") == subnet.get("selfLink"):
                    continue
                if other.get("network") == subnet.get("network") and ipaddress.ip_network(
                        other["ipCidrRange"]).overlaps(cidr):
                    raise ApiError(400, "invalid", "Invalid IPCidrRange: %s conflicts with existing subnetwork "
                                   "'%s' in region '%s'." % (cidr, other["name"], _short(other["region"]).rsplit(
                                       "/", 1)[1]), field="resource.ip_cidr_range")

    # ---------------------------------------------------------------- instance group managers

    def _resize(self, method, item, size):
        resource = self._find(item)
        resource["targetSize"] = int(size)
        resource["currentActions"]["none"] = int(size)
        if "fingerprint" in resource:
            resource["fingerprint"] = _fingerprint()
        self._mirror_group(resource)
        return self._operation(method, {"project": item.split("/")[1]}, item, resource, "compute.%s.resize"
                               % method.resource)

    def _mirror_group(self, manager):
        """The instance group a managed group manages (instanceGroups/regionInstanceGroups get and list)."""
        link = manager["instanceGroup"]
        collection, name = _short(link).rsplit("/", 1)
        group = self._collection(collection, create=True).get(name) or {
            "kind": "compute#instanceGroup", "id": str(next(self._ids)), "name": name, "selfLink": link,
            "creationTimestamp": manager["creationTimestamp"], "fingerprint": "42WmSpB8rSM=", "namedPorts": [],
        }
        for key in ("region", "zone", "description"):
            if manager.get(key):
                group[key] = manager[key]
        group["size"] = int(manager.get("targetSize") or 0)
        if manager.get("namedPorts"):
            group["namedPorts"] = copy.deepcopy(manager["namedPorts"])
        self._collection(collection, create=True)[name] = group

    def _managed_instances(self, item):
        resource = self._find(item)
        zones = [z["zone"] for z in resource.get("distributionPolicy", {}).get("zones", [])] or [resource.get("zone")]
        project = item.split("/")[1]
        out = []
        for index in range(int(resource.get("targetSize") or 0)):
            zone = _short(zones[index % len(zones)]).rsplit("/", 1)[1]
            name = "%s-%04x" % (resource.get("baseInstanceName") or resource["name"], index)
            out.append({
                "instance": "%sprojects/%s/zones/%s/instances/%s" % (SELF_LINK_BASE, project, zone, name),
                "id": str(int(resource["id"]) + index + 1), "instanceStatus": "RUNNING", "currentAction": "NONE",
                "version": {"instanceTemplate": resource.get("instanceTemplate", "")},
                "instanceHealth": [{"detailedHealthState": "HEALTHY"}] if resource.get("autoHealingPolicies") else [],
            })
        return {"managedInstances": out}

    # ---------------------------------------------------------------- helpers

    def _exists(self, item):
        collection, name = item.rsplit("/", 1)
        return name in self._collection(collection)

    def _users(self, self_link):
        """selfLinks of the resources that refer to self_link (operations excluded)."""
        users = []
        for path, collection in self.collections.items():
            if path.endswith("/operations"):
                continue
            for resource in collection.values():
                if resource.get("selfLink") != self_link and _refers(resource, self_link):
                    users.append(_short(resource["selfLink"]))
        return sorted(users)

    def _expand_references(self, resource, project, scope):
        for key, value in list(resource.items()):
            if key in _REFERENCE_KEYS and isinstance(value, str):
                resource[key] = _expand(key, value, project, scope)
            elif key in _REFERENCE_KEYS and isinstance(value, list):
                resource[key] = [_expand(key, v, project, scope) if isinstance(v, str) else v for v in value]
                for entry in value:
                    if isinstance(entry, dict):
                        self._expand_references(entry, project, scope)
            elif isinstance(value, dict):
                self._expand_references(value, project, scope)
            elif isinstance(value, list):
                for entry in value:
                    if isinstance(entry, dict):
                        self._expand_references(entry, project, scope)

    def _link_subnetwork(self, subnet, add):
        network = self.collections.get("/".join(_short(subnet["network"]).split("/")[:-1]), {}).get(
            _short(subnet["network"]).rsplit("/", 1)[1])
        if network is None:
            return
        links = [s for s in network.get("subnetworks", []) if s != subnet["selfLink"]]
        if add:
            links.append(subnet["selfLink"])
        network["subnetworks"] = links

    def _operation(self, method, params, item, resource, operation_type):
        project = params["project"]
        scope = _scope(item.rsplit("/", 1)[0])
        now = _now()
        name = "operation-%d-%s" % (int(time.time() * 1000), os.urandom(6).hex())
        if scope[0] in ("regions", "zones"):
            collection = "projects/%s/%s/%s/operations" % (project, scope[0], scope[1])
        else:
            collection = "projects/%s/global/operations" % project
        op = {
            "kind": "compute#operation", "id": str(next(self._ids)), "name": name,
            "operationType": operation_type, "targetLink": resource.get("selfLink", SELF_LINK_BASE + item),
            "targetId": resource.get("id", ""), "status": "DONE", "user": "emulator@local", "progress": 100,
            "insertTime": now, "startTime": now, "endTime": now, "creationTimestamp": now,
            "selfLink": "%s%s/%s" % (SELF_LINK_BASE, collection, name),
        }
        if scope[0] == "regions":
            op["region"] = "%sprojects/%s/regions/%s" % (SELF_LINK_BASE, project, scope[1])
        if scope[0] == "zones":
            op["zone"] = "%sprojects/%s/zones/%s" % (SELF_LINK_BASE, project, scope[1])
        self._collection(collection, create=True)[name] = op
        return copy.deepcopy(op)


def page_token(token):
    """The list offset a nextPageToken of ours encodes; 400 for any other token."""
    if not token:
        return 0
    if not token.isdigit():
        raise ApiError(400, "invalid", "Invalid value for field 'pageToken': '%s'." % token, field="pageToken")
    return int(token)


def _by_name(collection):
    return [collection[name] for name in sorted(collection)]


def _scope(collection_path):
    """("global", None), ("regions", name) or ("zones", name) of a collection path."""
    parts = collection_path.split("/")
    if len(parts) > 3 and parts[2] in ("regions", "zones"):
        return parts[2], parts[3]
    return "global", None


def _expand(key, value, project, scope):
    if value.startswith(_URL_PREFIXES):
        return SELF_LINK_BASE + _short(value)
    if value.startswith(("https://", "http://")):
        return value
    if value.startswith("projects/"):
        return SELF_LINK_BASE + value
    if value.startswith(("global/", "regions/", "zones/")):
        return "%sprojects/%s/%s" % (SELF_LINK_BASE, project, value)
    if key == "region":
        return "%sprojects/%s/regions/%s" % (SELF_LINK_BASE, project, value)
    if key == "zone":
        return "%sprojects/%s/zones/%s" % (SELF_LINK_BASE, project, value)
    template = _REFERENCE_COLLECTION.get(key)
    if template and re.fullmatch(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?", value):
        where = template.format(region="regions/%s" % scope[1] if scope[0] == "regions" else "global")
        return "%sprojects/%s/%s/%s" % (SELF_LINK_BASE, project, where, value)
    return value


def _refers(value, self_link):
    if isinstance(value, str):
        return value == self_link
    if isinstance(value, dict):
        return any(_refers(v, self_link) for k, v in value.items() if k not in ("selfLink", "subnetworks"))
    if isinstance(value, list):
        return any(_refers(v, self_link) for v in value)
    return False


_FILTER = re.compile(r'^\s*\(?\s*([A-Za-z_.]+)\s*(=|!=|eq|ne)\s*"?([^"\)]*)"?\s*\)?\s*$')


def _filter(items, expression):
    """The list `filter` parameter: `field = value`, `field != value` (exact) and `field eq|ne regex`."""
    if not expression:
        return items
    match = _FILTER.match(expression)
    if not match:
        raise ApiError(400, "invalid", "Invalid value for field 'filter': '%s'. The local emulator supports "
                       "'FIELD = VALUE', 'FIELD != VALUE', 'FIELD eq REGEX' and 'FIELD ne REGEX'." % expression,
                       field="filter")
    field, op, wanted = match.groups()

    def value_of(item):
        for part in field.split("."):
            item = item.get(part) if isinstance(item, dict) else None
        return "" if item is None else str(item).lower() if isinstance(item, bool) else str(item)

    if op in ("=", "!="):
        keep = [i for i in items if (value_of(i) == wanted) == (op == "=")]
    else:
        keep = [i for i in items if bool(re.fullmatch(wanted, value_of(i))) == (op == "eq")]
    return keep


# ---------------------------------------------------------------- per-kind server-side defaults


def _network(store, res, project, scope):
    # The API creates a legacy network when autoCreateSubnetworks is unset and IPv4Range given; a
    # VPC network otherwise. Legacy networks are not modelled: unset means custom mode here.
    res.setdefault("autoCreateSubnetworks", False)
    _set_default(res, "routingConfig", {"routingMode": "REGIONAL"})
    res["routingConfig"].setdefault("routingMode", "REGIONAL")
    res["routingConfig"].setdefault("bgpBestPathSelectionMode", "LEGACY")
    _set_default(res, "mtu", 1460)
    _set_default(res, "networkFirewallPolicyEnforcementOrder", "AFTER_CLASSIC_FIREWALL")
    res.setdefault("subnetworks", [])
    res["selfLinkWithId"] = "%sprojects/%s/global/networks/%s" % (SELF_LINK_BASE, project, res["id"])


def _subnetwork(store, res, project, scope):
    try:
        net = ipaddress.ip_network(res.get("ipCidrRange", ""), strict=True)
    except ValueError:
        raise ApiError(400, "invalid", "Invalid value for field 'resource.ip_cidr_range': '%s'. "
                       "Invalid IPCidrRange: %s." % (res.get("ipCidrRange"), res.get("ipCidrRange")),
                       field="resource.ip_cidr_range")
    res["gatewayAddress"] = str(net.network_address + 1)
    _set_default(res, "privateIpGoogleAccess", False)
    _set_default(res, "purpose", "PRIVATE")
    _set_default(res, "stackType", "IPV4_ONLY")
    res.setdefault("secondaryIpRanges", [])
    if res.get("logConfig"):
        log = res["logConfig"]
        log.setdefault("aggregationInterval", "INTERVAL_5_SEC")
        log.setdefault("flowSampling", 0.5)
        log.setdefault("metadata", "INCLUDE_ALL_METADATA")
        res["enableFlowLogs"] = bool(log.get("enable"))


def _firewall(store, res, project, scope):
    if res.get("allowed") and res.get("denied"):
        raise ApiError(400, "invalid", "Invalid value for field 'resource.denied': a firewall rule has either "
                       "allowed or denied entries, not both.", field="resource.denied")
    _set_default(res, "network", "%sprojects/%s/global/networks/default" % (SELF_LINK_BASE, project))
    _set_default(res, "direction", "INGRESS")
    res.setdefault("priority", 1000)
    res.setdefault("disabled", False)
    _set_default(res, "logConfig", {"enable": False})
    if res["direction"] == "INGRESS" and not (res.get("sourceRanges") or res.get("sourceTags")
                                              or res.get("sourceServiceAccounts")):
        res["sourceRanges"] = ["0.0.0.0/0"]
    if res["direction"] == "EGRESS":
        _set_default(res, "destinationRanges", ["0.0.0.0/0"])


def _router(store, res, project, scope):
    for nat in res.get("nats", []):
        _set_default(nat, "endpointTypes", ["ENDPOINT_TYPE_VM"])
        nat.setdefault("enableEndpointIndependentMapping", False)
        _set_default(nat, "udpIdleTimeoutSec", 30)
        _set_default(nat, "icmpIdleTimeoutSec", 30)
        _set_default(nat, "tcpEstablishedIdleTimeoutSec", 1200)
        _set_default(nat, "tcpTransitoryIdleTimeoutSec", 30)
        _set_default(nat, "tcpTimeWaitTimeoutSec", 120)
        if nat.get("logConfig"):
            nat["logConfig"].setdefault("filter", "ALL")
    if res.get("bgp"):
        res["bgp"].setdefault("advertiseMode", "DEFAULT")
        res["bgp"].setdefault("keepaliveInterval", 20)


def _instance_group_manager(store, res, project, scope):
    res.setdefault("baseInstanceName", res["name"])
    res["instanceGroup"] = res["selfLink"].replace("/instanceGroupManagers/", "/instanceGroups/")
    res["status"] = {"isStable": True, "versionTarget": {"isReached": True}, "stateful": {
        "hasStatefulConfig": False, "perInstanceConfigs": {"allEffective": True}}}
    res["currentActions"] = {k: 0 for k in (
        "abandoning", "creating", "creatingWithoutRetries", "deleting", "recreating", "refreshing",
        "restarting", "resuming", "starting", "stopping", "suspending", "verifying")}
    res["currentActions"]["none"] = int(res.get("targetSize") or 0)
    if scope[0] == "regions":
        zones = [{"zone": "%sprojects/%s/zones/%s-%s" % (SELF_LINK_BASE, project, scope[1], z)} for z in "abc"]
        _set_default(res, "distributionPolicy", {"zones": zones, "targetShape": "EVEN"})
        res["distributionPolicy"].setdefault("zones", zones)
        res["distributionPolicy"].setdefault("targetShape", "EVEN")
    _set_default(res, "updatePolicy", {"type": "OPPORTUNISTIC", "minimalAction": "REPLACE",
                                       "replacementMethod": "SUBSTITUTE",
                                       "maxSurge": {"fixed": 3, "calculated": 3},
                                       "maxUnavailable": {"fixed": 3, "calculated": 3}})
    _set_default(res, "listManagedInstancesResults", "PAGELESS")
    if res.get("instanceTemplate") and not res.get("versions"):
        res["versions"] = [{"instanceTemplate": res["instanceTemplate"], "targetSize": {"calculated": res.get(
            "targetSize", 0)}}]


def _autoscaler(store, res, project, scope):
    policy = res.setdefault("autoscalingPolicy", {})
    policy.setdefault("coolDownPeriodSec", 60)
    policy.setdefault("mode", "ON")
    _set_default(policy, "minNumReplicas", 1)
    if not (policy.get("cpuUtilization") or policy.get("loadBalancingUtilization")
            or policy.get("customMetricUtilizations")):
        policy["cpuUtilization"] = {"utilizationTarget": 0.6}
    if policy.get("cpuUtilization"):
        policy["cpuUtilization"].setdefault("predictiveMethod", "NONE")
    res["status"] = "ACTIVE"
    res["recommendedSize"] = policy["minNumReplicas"]


def _health_check(store, res, project, scope):
    for key, value in (("checkIntervalSec", 5), ("timeoutSec", 5), ("healthyThreshold", 2),
                       ("unhealthyThreshold", 2)):
        _set_default(res, key, value)
    ports = {"httpHealthCheck": 80, "httpsHealthCheck": 443, "http2HealthCheck": 443, "tcpHealthCheck": 80,
             "sslHealthCheck": 443, "grpcHealthCheck": None}
    for key, port in ports.items():
        if isinstance(res.get(key), dict):
            check = res[key]
            if port and not check.get("portName") and not check.get("portSpecification"):
                _set_default(check, "port", port)
            _set_default(check, "proxyHeader", "NONE")
            if key.startswith("http"):
                _set_default(check, "requestPath", "/")
            if not check.get("portSpecification"):
                check["portSpecification"] = "USE_NAMED_PORT" if check.get("portName") and not check.get(
                    "port") else "USE_FIXED_PORT"


def _backend_service(store, res, project, scope):
    for key, value in (("protocol", "HTTP"), ("port", 80), ("portName", "http"), ("timeoutSec", 30),
                       ("loadBalancingScheme", "EXTERNAL"), ("sessionAffinity", "NONE"),
                       ("connectionDraining", {"drainingTimeoutSec": 0})):
        _set_default(res, key, value)
    res.setdefault("affinityCookieTtlSec", 0)
    res.setdefault("enableCDN", False)
    for backend in res.get("backends", []):
        _set_default(backend, "balancingMode", "UTILIZATION")
        backend.setdefault("capacityScaler", 1)
        if backend["balancingMode"] == "UTILIZATION":
            backend.setdefault("maxUtilization", 0.8)
    if res.get("enableCDN"):
        policy = res.setdefault("cdnPolicy", {})
        for key, value in _CDN_POLICY.items():
            policy.setdefault(key, value)
        policy.setdefault("cacheKeyPolicy", {"includeProtocol": True, "includeHost": True,
                                             "includeQueryString": True})


def _backend_bucket(store, res, project, scope):
    res.setdefault("enableCdn", False)
    if res.get("enableCdn"):
        policy = res.setdefault("cdnPolicy", {})
        for key, value in _CDN_POLICY.items():
            policy.setdefault(key, value)


_SSL_FEATURES = {
    "COMPATIBLE": ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                   "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384"],
    "MODERN": ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
               "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
               "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
    "RESTRICTED": ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
}


def _ssl_policy(store, res, project, scope):
    _set_default(res, "profile", "COMPATIBLE")
    _set_default(res, "minTlsVersion", "TLS_1_0")
    if res["profile"] == "CUSTOM":
        if not res.get("customFeatures"):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.custom_features': "
                           "a CUSTOM profile needs customFeatures.", field="resource.custom_features")
        res["enabledFeatures"] = sorted(res["customFeatures"])
    else:
        if res.get("customFeatures"):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.custom_features': "
                           "customFeatures needs the CUSTOM profile.", field="resource.custom_features")
        res["enabledFeatures"] = list(_SSL_FEATURES[res["profile"]])


def _ssl_certificate(store, res, project, scope):
    if res.get("managed"):
        _set_default(res, "type", "MANAGED")
        # No DNS or CA here: a managed certificate is ACTIVE at once (the real one provisions for minutes).
        domains = res["managed"].get("domains", [])
        res["managed"]["status"] = "ACTIVE"
        res["managed"]["domainStatus"] = {d: "ACTIVE" for d in domains}
        res["subjectAlternativeNames"] = list(domains)
    else:
        _set_default(res, "type", "SELF_MANAGED")
        res.pop("privateKey", None)  # never returned by the API


def _target_https_proxy(store, res, project, scope):
    _set_default(res, "quicOverride", "NONE")
    _set_default(res, "tlsEarlyData", "DISABLED")


def _next_ip(store):
    index = next(store._ips)
    return "34.%d.%d.%d" % (100 + index // 65536 % 100, index // 256 % 256, index % 256)


def _forwarding_rule(store, res, project, scope):
    given = res.get("IPAddress")
    if not given:
        res["IPAddress"] = _next_ip(store)
    else:
        try:
            ipaddress.ip_address(given)
        except ValueError:
            # An address resource (URL or partial path): the API stores its IP literal.
            where = "global" if scope[0] == "global" else "regions/%s" % scope[1]
            link = _short(_expand("address", given if "/" in given else "%s/addresses/%s" % (where, given),
                                  project, scope))
            link = link if link.startswith("projects/") else "projects/%s/%s" % (project, link)
            address = store.collections.get(link.rsplit("/", 1)[0], {}).get(link.rsplit("/", 1)[1])
            if address is None:
                raise not_found(link)
            res["IPAddress"] = address["address"]
    _set_default(res, "IPProtocol", "TCP")
    _set_default(res, "loadBalancingScheme", "EXTERNAL")
    _set_default(res, "networkTier", "PREMIUM")
    if scope[0] == "global":
        _set_default(res, "ipVersion", "IPV4")
    port = res.get("portRange")
    if port and "-" not in str(port):
        res["portRange"] = "%s-%s" % (port, port)


def _address(store, res, project, scope):
    _set_default(res, "addressType", "EXTERNAL")
    _set_default(res, "status", "RESERVED")
    if res["addressType"] == "EXTERNAL":
        _set_default(res, "networkTier", "PREMIUM")
    if scope[0] == "global":
        _set_default(res, "ipVersion", "IPV4")
    if not res.get("address"):
        if res["addressType"] == "INTERNAL" and res.get("subnetwork"):
            subnet = _short(res["subnetwork"])
            found = store.collections.get(subnet.rsplit("/", 1)[0], {}).get(subnet.rsplit("/", 1)[1])
            if found is None:
                raise not_found(subnet)
            taken = {a.get("address") for path, c in store.collections.items() if path.endswith("/addresses")
                     for a in c.values()}
            hosts = ipaddress.ip_network(found["ipCidrRange"]).hosts()
            next(hosts)  # the gateway
            res["address"] = next(str(h) for h in hosts if str(h) not in taken)
        else:
            res["address"] = _next_ip(store)


def _url_map(store, res, project, scope):
    res.setdefault("hostRules", [])
    res.setdefault("pathMatchers", [])


_DEFAULTS = {
    "networks": _network, "subnetworks": _subnetwork, "firewalls": _firewall, "routers": _router,
    "instanceGroupManagers": _instance_group_manager, "autoscalers": _autoscaler,
    "healthChecks": _health_check, "backendServices": _backend_service, "backendBuckets": _backend_bucket,
    "sslPolicies": _ssl_policy, "sslCertificates": _ssl_certificate, "targetHttpsProxies": _target_https_proxy,
    "forwardingRules": _forwarding_rule, "urlMaps": _url_map, "addresses": _address,
}
