# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 client wrapper of the drill's state store: one JSON object in a versioned bucket, read with
the store's clock and written only on a condition.

``read`` returns the document (None when the key holds no object), its ``ETag`` and version, and
the time of the S3 answer (its HTTP ``Date``), so that lock deadlines are judged on the store's
clock, not on the clocks of the controllers that share it. ``write`` puts the document with
``If-None-Match: *`` (create only) or ``If-Match: <ETag>`` (replace only the version read): S3
answers ``412 PreconditionFailed`` when the condition fails, ``409 ConditionalRequestConflict``
when another conditional write to the key is under way, and ``404 NoSuchKey`` to an ``If-Match``
on a key without an object; all three raise ``StateStoreConflict`` (read again, decide again).
Every call goes through the collection's retry policy (``common.retry``; S3 throttles with
``SlowDown``); the three answers above are not retried here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import time

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

CONFLICT = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")
MISSING = ("NoSuchKey", "404", "NotFound")


class StateStoreConflict(MeridianError):
    """A conditional write lost: the object changed (or appeared, or vanished) since it was read."""

    def __init__(self, code, message):
        self.code = code
        super(StateStoreConflict, self).__init__("lock", message, prefix=False)


def _server_time(response):
    """Epoch seconds of the answer's HTTP Date header, or this machine's time without one."""
    headers = (response or {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})
    text = headers.get("date")
    if text:
        try:
            return email.utils.parsedate_to_datetime(text).timestamp()
        except (TypeError, ValueError):
            pass
    return time.time()


class S3StateClient(AwsClient):
    SERVICE = "s3"

    def versioning(self, bucket):
        """The bucket's versioning status (``Enabled``, ``Suspended`` or None when never set)."""
        return self._call("get_bucket_versioning", subject="bucket %s" % bucket, permission="s3:GetBucketVersioning",
                          Bucket=bucket).get("Status")

    def read(self, bucket, key):
        """``{document, etag, version_id, now}``; ``document`` is None when the key holds no object."""
        try:
            response = self._call("get_object", subject="s3://%s/%s" % (bucket, key), permission="s3:GetObject",
                                  Bucket=bucket, Key=key)
        except AwsApiError as err:
            if err.code in MISSING:
                return {"document": None, "etag": None, "version_id": None,
                        "now": _server_time(getattr(err.error, "response", None))}
            raise
        body = response["Body"].read()
        try:
            document = json.loads(body.decode("utf-8"))
        except ValueError as err:
            raise MeridianError("key", "s3://%s/%s is not JSON (%s): it is not a drill state document; point "
                                       "dr_failover_state_key at another key" % (bucket, key, err))
        return {"document": document, "etag": response.get("ETag"), "version_id": response.get("VersionId"),
                "now": _server_time(response)}

    def write(self, bucket, key, document, if_match=None, if_none_match=None):
        """Put ``document`` on the condition; ``{etag, version_id, now}``. Raises StateStoreConflict
        when the condition fails."""
        condition = {}
        if if_match:
            condition["IfMatch"] = if_match
        if if_none_match:
            condition["IfNoneMatch"] = if_none_match
        if not condition:
            raise MeridianError("write", "the drill's state is only written on a condition (If-Match or If-None-Match)")
        body = json.dumps(document, sort_keys=True, indent=1).encode("utf-8")
        try:
            response = self._call("put_object", subject="s3://%s/%s" % (bucket, key), permission="s3:PutObject",
                                  Bucket=bucket, Key=key, Body=body, ContentType="application/json", **condition)
        except AwsApiError as err:
            if err.code in CONFLICT or (if_match and err.code in MISSING):
                raise StateStoreConflict(err.code, "s3://%s/%s changed since it was read (%s)" % (bucket, key, err.code))
            raise
        return {"etag": response.get("ETag"), "version_id": response.get("VersionId"), "now": _server_time(response)}
