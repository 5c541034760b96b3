"""The Cloud Storage store: buckets, and objects as metadata, behind the routes of storage.v1.json.

buckets.insert / get / list / patch / update / delete / lockRetentionPolicy, and objects.insert (a
media or multipart upload on /upload/storage/v1/; the data is counted, not kept), objects.list
(prefix, versions, pages), objects.patch (holds, metadata) and objects.delete (a generation, or the
live version), with:
- objects' generations: with versioning on, a replaced or deleted live object stays as a noncurrent
  version (listed with versions=true); a bucket with any object version left is not deleted (409
  "The bucket you tried to delete is not empty."); an object younger than the bucket's retention
  period (403 retentionPolicyNotMet) or under a temporary or event-based hold (403) is not deleted;
- metageneration (int64 as a decimal string, "1" at creation, +1 on every patch/update) and the
  ifMetagenerationMatch / ifMetagenerationNotMatch preconditions: 412 conditionNotMet (304 for a
  get whose ifMetagenerationNotMatch matches), as the real API answers;
- server-side defaults: id, kind, selfLink, projectNumber, timeCreated/updated, etag, location
  (upper-cased, default US) and locationType, storageClass STANDARD, rpo, iamConfiguration
  (uniform bucket-level access off, publicAccessPrevention "inherited"; lockedTime once uniform
  access is on), softDeletePolicy (7 days), retentionPolicy.effectiveTime / isLocked;
- bucket names checked by the naming rules (3-63 characters, lower case, digits, - _ .), unique
  across projects (409 conflict), 404 notFound for a missing bucket.
"""

import base64
import copy
import datetime
import hashlib
import json
import re
import threading
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import quote

from gcp_emulator.compute import merge_patch, page_token
from gcp_emulator.errors import ApiError

SELF_LINK_BASE = "https://www.googleapis.com/storage/v1/b/"
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]")
_MULTI_REGIONS = {"US", "EU", "ASIA"}
_DUAL_REGIONS = {"NAM4", "EUR4", "ASIA1", "EUR5", "EUR7", "EUR8"}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _project_number(project):
    return str(int(hashlib.sha256(project.encode()).hexdigest()[:10], 16) % 10 ** 12)


class StorageStore:
    """All Cloud Storage state of one emulator process."""

    def __init__(self, api):
        self.api = api
        self.lock = threading.RLock()
        self.buckets = {}

    def reset(self):
        with self.lock:
            self.buckets.clear()

    def handle(self, method, params, body):
        with self.lock:
            verb = method.id.split(".", 1)[1]
            if verb == "buckets.insert":
                return 200, self._insert(params, body)
            if verb == "buckets.list":
                return 200, self._list(params)
            if verb == "buckets.get":
                bucket = self._find(params["bucket"])
                if "ifMetagenerationNotMatch" in params and str(params["ifMetagenerationNotMatch"]) == \
                        bucket["metageneration"]:
                    return 304, None
                self._preconditions(bucket, params, not_match=False)
                return 200, self._public(bucket)
            if verb == "buckets.delete":
                bucket = self._find(params["bucket"])
                self._preconditions(bucket, params)
                if bucket["_objects"]:
                    raise ApiError(409, "conflict", "The bucket you tried to delete is not empty.")
                del self.buckets[params["bucket"]]
                return 204, None
            if verb in ("buckets.patch", "buckets.update"):
                return 200, self._modify(params, body or {}, replace=verb.endswith("update"))
            if verb == "buckets.lockRetentionPolicy":
                bucket = self._find(params["bucket"])
                self._preconditions(bucket, params)
                if not bucket.get("retentionPolicy"):
                    raise ApiError(400, "invalid", "Bucket '%s' has no retention policy to lock." % bucket["name"])
                bucket["retentionPolicy"]["isLocked"] = True
                self._touch(bucket)
                return 200, self._public(bucket)
            if verb == "objects.insert":
                return 200, self._insert_object(params, body)
            if verb == "objects.list":
                return 200, self._list_objects(params)
            if verb == "objects.delete":
                self._delete_object(params)
                return 204, None
            if verb == "objects.patch":
                return 200, self._patch_object(params, body or {})
            raise ApiError(501, "notImplemented", "%s is not implemented by the local Storage emulator" % method.id)

    def _find(self, name):
        bucket = self.buckets.get(name)
        if bucket is None:
            raise ApiError(404, "notFound", "The specified bucket does not exist.")
        return bucket

    @staticmethod
    def _preconditions(bucket, params, not_match=True):
        match = params.get("ifMetagenerationMatch")
        if match is not None and str(match) != bucket["metageneration"]:
            raise ApiError(412, "conditionNotMet", "Precondition Failed")
        other = params.get("ifMetagenerationNotMatch")
        if not_match and other is not None and str(other) == bucket["metageneration"]:
            raise ApiError(412, "conditionNotMet", "Precondition Failed")

    def _insert(self, params, body):
        name = body.get("name", "")
        if not _BUCKET_NAME.fullmatch(name) or ".." in name or name.startswith("goog"):
            raise ApiError(400, "invalid", "Invalid bucket name: '%s'" % name, field="resource.name")
        if name in self.buckets:
            raise ApiError(409, "conflict", "Your previous request to create the named bucket succeeded and you "
                           "already own it." if self.buckets[name]["_project"] == params["project"] else
                           "The requested bucket name is not available. The bucket namespace is shared by all "
                           "users of the system. Please select a different name and try again.")
        bucket = copy.deepcopy(body)
        for key in ("id", "kind", "selfLink", "projectNumber", "timeCreated", "updated", "metageneration",
                    "etag", "generation", "locationType"):
            bucket.pop(key, None)
        now = _now()
        bucket.update({
            "kind": "storage#bucket", "id": name, "selfLink": SELF_LINK_BASE + name,
            "projectNumber": _project_number(params["project"]), "timeCreated": now, "updated": now,
            "metageneration": "1", "generation": str(int(datetime.datetime.now().timestamp() * 1e6)),
            "_project": params["project"], "_objects": [],
        })
        bucket["location"] = (bucket.get("location") or "US").upper()
        bucket.setdefault("storageClass", "STANDARD")
        bucket.setdefault("rpo", "DEFAULT")
        bucket.setdefault("softDeletePolicy", {"retentionDurationSeconds": "604800", "effectiveTime": now})
        self._derive(bucket, now)
        self.buckets[name] = bucket
        return self._public(bucket)

    def _list(self, params):
        project = params["project"]
        names = sorted(n for n, b in self.buckets.items()
                       if b["_project"] == project and n.startswith(params.get("prefix") or ""))
        start = page_token(params.get("pageToken"))
        size = int(params.get("maxResults") or 1000)
        out = {"kind": "storage#buckets", "items": [self._public(self.buckets[n]) for n in names[start:start + size]]}
        if start + size < len(names):
            out["nextPageToken"] = str(start + size)
        return out

    def _modify(self, params, body, replace):
        bucket = self._find(params["bucket"])
        self._preconditions(bucket, params)
        if body.get("name") not in (None, bucket["name"]):
            raise ApiError(400, "invalid", "Invalid value for field 'resource.name': a bucket cannot be renamed.",
                           field="resource.name")
        if "location" in body and str(body["location"]).upper() != bucket["location"]:
            raise ApiError(400, "invalid", "Invalid argument: the location of a bucket cannot be changed.",
                           field="resource.location")
        locked = (bucket.get("retentionPolicy") or {}).get("isLocked")
        if locked and "retentionPolicy" in body:
            wanted = (body.get("retentionPolicy") or {}).get("retentionPeriod")
            if wanted is None or int(wanted) < int(bucket["retentionPolicy"]["retentionPeriod"]):
                raise ApiError(403, "forbidden", "Cannot reduce or remove a locked retention policy.",
                               field="resource.retention_policy")
        kept = {k: bucket[k] for k in ("kind", "id", "selfLink", "projectNumber", "timeCreated", "metageneration",
                                       "generation", "location", "_project", "_objects", "softDeletePolicy")
                if k in bucket}
        update = {k: v for k, v in copy.deepcopy(body).items()
                  if k not in ("kind", "id", "selfLink", "projectNumber", "timeCreated", "updated", "metageneration",
                               "etag", "generation", "locationType")}
        if replace:
            bucket.clear()
            bucket.update(update)
            bucket.update(kept)
            bucket.setdefault("storageClass", "STANDARD")
            bucket.setdefault("rpo", "DEFAULT")
        else:
            merge_patch(bucket, update)
        self._touch(bucket)
        return self._public(bucket)

    # ------------------------------------------------------------ objects (metadata only)

    def _insert_object(self, params, body):
        bucket = self._find(params["bucket"])
        name = body.get("name") or params.get("name")
        if not name:
            raise ApiError(400, "required", "Required", field="resource.name")
        now = _now()
        data = params.get("_data") or b""
        generation = str(int(datetime.datetime.now().timestamp() * 1e6) + len(bucket["_objects"]))
        obj = {k: v for k, v in body.items() if k in ("contentType", "metadata", "crc32c", "md5Hash", "cacheControl",
                                                      "temporaryHold", "eventBasedHold")}
        obj.update({
            "kind": "storage#object", "id": "%s/%s/%s" % (bucket["name"], name, generation), "name": name,
            "bucket": bucket["name"], "selfLink": SELF_LINK_BASE + bucket["name"] + "/o/" + quote(name, safe=""),
            "generation": generation, "metageneration": "1", "size": str(len(data)), "timeCreated": now,
            "updated": now, "storageClass": bucket.get("storageClass", "STANDARD"),
        })
        obj.setdefault("contentType", "application/octet-stream")
        obj.setdefault("md5Hash", base64.b64encode(hashlib.md5(data).digest()).decode())
        live = self._live(bucket, name)
        if live is not None:
            self._remove_version(bucket, live, now)
        bucket["_objects"].append(obj)
        return copy.deepcopy(obj)

    @staticmethod
    def _live(bucket, name):
        return next((o for o in bucket["_objects"] if o["name"] == name and "timeDeleted" not in o), None)

    def _remove_version(self, bucket, obj, now):
        """A live version replaced or deleted: kept as noncurrent with versioning on, else gone."""
        for hold, label in (("temporaryHold", "Temporary"), ("eventBasedHold", "Event-Based")):
            if obj.get(hold):
                raise ApiError(403, "forbidden", "Object '%s/%s' is under active %s hold and cannot be deleted, "
                               "overwritten or archived until hold is removed." % (bucket["name"], obj["name"], label))
        period = int((bucket.get("retentionPolicy") or {}).get("retentionPeriod") or 0)
        if period:
            created = datetime.datetime.fromisoformat(obj["timeCreated"].replace("Z", "+00:00"))
            until = created + datetime.timedelta(seconds=period)
            if until > datetime.datetime.now(datetime.timezone.utc):
                raise ApiError(403, "retentionPolicyNotMet", "Object '%s/%s' is subject to bucket's retention policy "
                               "or object retention and cannot be deleted or overwritten until %s"
                               % (bucket["name"], obj["name"], until.isoformat()))
        if "timeDeleted" not in obj and (bucket.get("versioning") or {}).get("enabled"):
            obj["timeDeleted"] = now
        else:
            bucket["_objects"].remove(obj)

    def _list_objects(self, params):
        bucket = self._find(params["bucket"])
        prefix = params.get("prefix") or ""
        items = [o for o in bucket["_objects"] if o["name"].startswith(prefix)
                 and (params.get("versions") or "timeDeleted" not in o)]
        items.sort(key=lambda o: (o["name"], int(o["generation"])))
        start = page_token(params.get("pageToken"))
        size = int(params.get("maxResults") or 1000)
        out = {"kind": "storage#objects", "items": copy.deepcopy(items[start:start + size])}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out

    def _object(self, bucket, params):
        name, generation = params["object"], params.get("generation")
        if generation is None:
            obj = self._live(bucket, name)
        else:
            obj = next((o for o in bucket["_objects"] if o["name"] == name and o["generation"] == str(generation)),
                       None)
        if obj is None:
            raise ApiError(404, "notFound", "No such object: %s/%s" % (bucket["name"], name))
        return obj

    def _patch_object(self, params, body):
        """The holds, metadata and content headers of an object version (what a hold is set and released with)."""
        obj = self._object(self._find(params["bucket"]), params)
        merge_patch(obj, {k: v for k, v in body.items() if k in (
            "temporaryHold", "eventBasedHold", "metadata", "contentType", "cacheControl", "customTime")})
        obj["metageneration"] = str(int(obj["metageneration"]) + 1)
        obj["updated"] = _now()
        return copy.deepcopy(obj)

    def _delete_object(self, params):
        bucket = self._find(params["bucket"])
        generation = params.get("generation")
        obj = self._object(bucket, params)
        if generation is not None:  # a given generation is deleted for good, live or not
            self._remove_version(dict(bucket, versioning={}), obj, _now())
        else:
            self._remove_version(bucket, obj, _now())

    def _touch(self, bucket):
        bucket["metageneration"] = str(int(bucket["metageneration"]) + 1)
        bucket["updated"] = _now()
        self._derive(bucket, bucket["updated"])

    @staticmethod
    def _derive(bucket, now):
        """Fields the API computes from the others after every change."""
        loc = bucket["location"]
        bucket["locationType"] = ("multi-region" if loc in _MULTI_REGIONS
                                  else "dual-region" if loc in _DUAL_REGIONS or bucket.get("customPlacementConfig")
                                  else "region")
        iam = bucket.setdefault("iamConfiguration", {})
        uniform = iam.get("uniformBucketLevelAccess") or iam.get("bucketPolicyOnly") or {}
        enabled = bool(uniform.get("enabled"))
        state = {"enabled": enabled}
        if enabled:
            state["lockedTime"] = uniform.get("lockedTime") or (
                datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=90)).isoformat(
                timespec="milliseconds").replace("+00:00", "Z")
        iam["uniformBucketLevelAccess"] = dict(state)
        iam["bucketPolicyOnly"] = dict(state)
        iam.setdefault("publicAccessPrevention", "inherited")
        policy = bucket.get("retentionPolicy")
        if policy:
            policy.setdefault("effectiveTime", now)
            policy.setdefault("isLocked", False)
        bucket["etag"] = base64.b64encode(("m%s" % bucket["metageneration"]).encode()).decode()

    @staticmethod
    def _public(bucket):
        return {k: copy.deepcopy(v) for k, v in bucket.items() if not k.startswith("_")}


def upload_body(upload, params, raw_body):
    """(object metadata, data) of an objects.insert request, as the real API takes it.

    uploadType=media: the body is the data, the name is the ``name`` parameter. uploadType=multipart:
    a multipart/related body, its first part the JSON metadata, its second the data. Without the
    /upload/ path, or with another uploadType (resumable is not modelled), 400 as the API answers.
    """
    kind = params.get("uploadType")
    if not upload or kind not in ("media", "multipart"):
        raise ApiError(400, "invalid", "Upload requests must include an uploadType URL parameter and a URL path "
                       "beginning with /upload/ (the local emulator supports uploadType media and multipart)",
                       field="uploadType")
    if kind == "media":
        return {"name": params.get("name")}, raw_body or b""
    raw = raw_body or b""
    boundary = raw.split(b"\r\n", 1)[0][2:]
    if not raw.startswith(b"--") or not boundary:
        raise ApiError(400, "parseError", "Invalid multipart request: no boundary")
    message = BytesParser(policy=HTTP).parsebytes(
        b'Content-Type: multipart/related; boundary="' + boundary + b'"\r\n\r\n' + raw)
    parts = [part.get_payload(decode=True) for part in message.iter_parts()]
    if len(parts) != 2:
        raise ApiError(400, "parseError", "Invalid multipart request: %d parts, 2 expected" % len(parts))
    try:
        metadata = json.loads(parts[0] or b"{}")
    except ValueError as err:
        raise ApiError(400, "parseError", "Invalid JSON payload received. %s" % err)
    if params.get("name") and not metadata.get("name"):
        metadata["name"] = params["name"]
    return metadata, parts[1] or b""
