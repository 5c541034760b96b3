# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cloud Storage client of the collection: google-cloud-storage, for buckets.

- Credentials and project as every Google client of the collection gets them
  (``google_auth.credentials``: ``auth_kind`` application / serviceaccount / accesstoken / none); ``api_endpoint`` overrides
  ``https://storage.googleapis.com`` (``http://127.0.0.1:PORT`` for the local emulator).
- Buckets go in as option values (``gce.storage_resources``' form) set through the client's
  ``Bucket`` properties, and come out as the API's JSON (camelCase dict).
- PATCH and DELETE carry ``ifMetagenerationMatch``: a bucket changed since it was read is a 412, not
  overwritten.
- Every call is retried by ``google_auth.google_retry`` (jittered backoff on 429, 5xx, rate-limit reasons);
  the storage library's own retry is turned off so that the policy is the collection's one.
- A failed call raises ``GcsApiError`` (``google_auth.GoogleApiError``): the action, the bucket, the HTTP status, Google's reason and
  message, and the option Google's message names when it names one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from google.api_core import exceptions as gexc
    from google.cloud import storage
    HAS_STORAGE = True
except ImportError:  # pragma: no cover - the module reports it with missing_required_lib
    HAS_STORAGE = False
    gexc = None

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import google_auth as gauth
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

# Google's field names in storage errors -> the gcs_bucket option.
OPTIONS = {
    "location": "location", "storageClass": "storage_class", "encryption": "default_kms_key_name",
    "defaultKmsKeyName": "default_kms_key_name", "retentionPolicy": "retention_period",
    "retention_policy": "retention_period", "lifecycle": "lifecycle_rules", "labels": "labels",
    "iamConfiguration": "uniform_bucket_level_access", "versioning": "versioning", "name": "name",
    "customPlacementConfig": "data_locations",
}


# A Cloud Storage call failed for good: ``status`` is the HTTP status (``None`` without an answer).
GcsApiError = gauth.GoogleApiError


def api_error(err, action, what):
    """A ``GcsApiError`` for a google.api_core / google.auth error of ``action`` on ``what``."""
    if isinstance(err, MeridianError):
        return err
    if gauth.gauth_exceptions is not None and isinstance(err, gauth.gauth_exceptions.GoogleAuthError):
        return GcsApiError("%s %s failed: cannot get credentials: %s; check auth_kind, service_account_file or "
                           "access_token" % (action, what, err), field="auth_kind")
    if gexc is None or not isinstance(err, gexc.GoogleAPICallError):
        return GcsApiError("%s %s failed: cannot reach the Cloud Storage API: %s; check api_endpoint and network "
                           "access" % (action, what, err), field="api_endpoint")
    code = getattr(err, "code", None)
    reason = gauth._reason(err)  # pylint: disable=protected-access
    text = gauth._URL_PREFIX_RE.sub("", getattr(err, "message", None) or str(err))  # pylint: disable=protected-access
    message = "%s %s failed: %s %s: %s" % (action, what, code, reason or "error", text)
    field = None
    match = gauth._FIELD_RE.search(text)  # pylint: disable=protected-access
    if match:
        api_field = (match.group(1) or match.group(2)).split(".")[0]
        field = OPTIONS.get(api_field, api_field)
        message += " (option %s)" % field
    if code == 409 and action == "delete":
        message += "; the bucket is not empty: delete its objects first, or set force=true"
    elif code == 409 and "already own it" in text:
        message += "; it was created meanwhile by this project: run again"
    elif code == 409:
        message += "; bucket names are global: this one is taken by another project: choose another name"
        field = field or "name"
    elif code == 412:
        message += "; the bucket was changed meanwhile by someone else (metageneration): run again"
    elif code == 403 and (reason == "retentionPolicyNotMet" or " hold" in text):
        message += "; the object is retained (the bucket's retention policy or a hold): it cannot be deleted before " \
                   "that ends"
        field = field or "force"
    elif code in (401, 403) and reason not in gauth.RATE_REASONS:
        message += "; the credentials (auth_kind) need roles/storage.admin on the bucket's project for this call"
        field = field or "auth_kind"
    elif gauth.retryable(gauth.retry_key(err)):
        message += "; still failing after %d attempts: Cloud Storage is throttling or unavailable, run again later" \
                   % retry.RETRIES
    return GcsApiError(message, field=field, status=code, reason=reason)


def created_meanwhile_by_us(err):
    """True for the 409 Cloud Storage answers a create of a bucket this project already owns."""
    return getattr(err, "status", None) == 409 and "already own it" in str(err)


def _set(bucket, values):
    """Set option values (``storage_resources``' form) on a ``storage.Bucket`` through its properties."""
    for option, value in values.items():
        if option == "storage_class":
            bucket.storage_class = value
        elif option == "uniform_bucket_level_access":
            bucket.iam_configuration.uniform_bucket_level_access_enabled = value
        elif option == "public_access_prevention":
            bucket.iam_configuration.public_access_prevention = value
        elif option == "versioning":
            bucket.versioning_enabled = value
        elif option == "default_kms_key_name":
            bucket.default_kms_key_name = value or None
        elif option == "retention_period":
            bucket.retention_period = value or None
        elif option == "lifecycle_rules":
            bucket.lifecycle_rules = value
        elif option == "labels":
            bucket.labels = value


class GcsClient:
    """get / create / patch / delete of buckets, and the objects a forced delete removes."""

    def __init__(self, project, creds=None, api_endpoint=None, client=None):
        self.project = project
        self.creds = creds
        self.api_endpoint = api_endpoint
        self._storage = client

    @classmethod
    def from_params(cls, params):
        """A client from the modules' auth options (``google_auth.AUTH_SPEC``, ``plugins/doc_fragments/gce.py``)."""
        creds, default_project = gauth.credentials(params.get("auth_kind") or "application",
                                                   params.get("service_account_file"), params.get("access_token"))
        return cls(params.get("project") or default_project, creds, params.get("api_endpoint"))

    @property
    def storage(self):
        if self._storage is None:
            options = {"api_endpoint": self.api_endpoint} if self.api_endpoint else None
            self._storage = storage.Client(project=self.project, credentials=self.creds, client_options=options)
        return self._storage

    def _call(self, action, name, func):
        what = "bucket %s (project %s)" % (name, self.project)
        try:
            return gauth.google_retry()(func)()
        except Exception as err:
            raise api_error(err, action, what)

    def get(self, name):
        """The bucket as the API returns it (a dict), or ``None`` when it does not exist."""
        bucket = self._call("get", name, lambda: self.storage.lookup_bucket(name, retry=None))
        return None if bucket is None else dict(bucket._properties)  # pylint: disable=protected-access

    def create(self, name, location, values, data_locations=None):
        """Create the bucket in ``location`` with the option ``values``; returns the API's bucket."""
        def _create():
            bucket = self.storage.bucket(name)
            _set(bucket, values)
            return self.storage.create_bucket(bucket, project=self.project, location=location,
                                              data_locations=data_locations, retry=None)
        created = self._call("create", name, _create)
        return dict(created._properties)  # pylint: disable=protected-access

    def patch(self, name, values, metageneration):
        """PATCH the option ``values`` on the bucket if its metageneration is still ``metageneration``.

        The bucket is read again (the client computes label removals from its current labels); the
        precondition is the metageneration the plan was made on, so a change in between is a 412.
        """
        def _patch():
            bucket = self.storage.get_bucket(name, retry=None)
            _set(bucket, values)
            bucket.patch(if_metageneration_match=int(metageneration), retry=None)
            return bucket
        patched = self._call("patch", name, _patch)
        return dict(patched._properties)  # pylint: disable=protected-access

    def objects(self, name, limit=None):
        """Up to ``limit`` (all when None) object versions of the bucket, live and noncurrent, as dicts:
        ``name``, ``generation``, ``timeCreated`` (a datetime), ``temporaryHold``, ``eventBasedHold``."""
        def _list():
            blobs = self.storage.list_blobs(name, versions=True, max_results=limit, retry=None)
            return [{"name": blob.name, "generation": blob.generation, "timeCreated": blob.time_created,
                     "temporaryHold": bool(blob.temporary_hold), "eventBasedHold": bool(blob.event_based_hold)}
                    for blob in blobs]
        return self._call("list the objects of", name, _list)

    def delete_objects(self, name, objects):
        """Delete these object versions (``objects``' dicts) of the bucket; returns how many were deleted."""
        bucket = self.storage.bucket(name)
        for obj in objects:
            self._call("delete object %s (generation %s) of" % (obj["name"], obj["generation"]), name,
                       lambda o=obj: bucket.delete_blob(o["name"], generation=o["generation"], retry=None))
        return len(objects)

    def delete(self, name, metageneration):
        """Delete the (empty) bucket if its metageneration is still ``metageneration``."""
        bucket = self.storage.bucket(name)
        self._call("delete", name, lambda: bucket.delete(if_metageneration_match=int(metageneration), retry=None))
