# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client wrappers of CloudFront's edge resources: functions and KeyValueStores (the
``cloudfront`` control plane), and a store's keys (the ``cloudfront-keyvaluestore`` data plane).

CloudFront is global; its API lives in us-east-1. Every write sends the ETag read just before
(``IfMatch``): a function's ETag for UpdateFunction, TestFunction, PublishFunction and
DeleteFunction, a store's for UpdateKeyValueStore and DeleteKeyValueStore, and the data plane's
store ETag for UpdateKeys (each UpdateKeys call returns the next one).

The data plane signs its requests with SigV4A, which botocore does only with the AWS CRT
(``pip install 'botocore[crt]'``, the ``awscrt`` package); ``KeyValueStoreDataClient.require_crt``
says so before any call. Its endpoint is ``https://<account>.cloudfront-kvs.global.api.aws``,
derived by botocore from the store's ARN.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
    from botocore.compat import HAS_CRT
except ImportError:
    HAS_CRT = False  # AnsibleAWSModule reports the missing library.

import time

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsClient, api_error
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

STAGES = ("DEVELOPMENT", "LIVE")
_NO_FUNCTION = ("NoSuchFunctionExists",)
_NO_STORE = ("EntityNotFound", "ResourceNotFoundException")


def _code(error):
    return str(getattr(error, "code", "") or "")


class CloudFrontEdgeClient(AwsClient):
    """Functions and KeyValueStores (control plane)."""

    SERVICE = "cloudfront"

    @classmethod
    def from_module(cls, module, region="us-east-1"):
        return cls(retry.retrying_client(module, cls.SERVICE, region=region))

    # functions

    def function(self, name, stage="DEVELOPMENT"):
        """``{"summary", "config", "etag", "stage", "arn", "code"}`` of one stage of a function, or None
        when that stage does not exist (a function never published has no LIVE stage). The stage is
        the one the answer's metadata names: an answer for another stage than asked is no answer."""
        try:
            described = self._call("describe_function", subject="function %s (%s)" % (name, stage), Name=name, Stage=stage)
        except MeridianError as err:
            if _code(err) in _NO_FUNCTION:
                return None
            raise
        summary = described.get("FunctionSummary") or {}
        metadata = summary.get("FunctionMetadata") or {}
        if metadata.get("Stage") not in (None, stage):
            return None
        fetched = self._call("get_function", subject="function %s (%s)" % (name, stage), Name=name, Stage=stage)
        body = fetched.get("FunctionCode")
        code = body.read() if hasattr(body, "read") else (body or b"")
        return {"summary": summary, "config": summary.get("FunctionConfig") or {}, "etag": described.get("ETag"),
                "stage": stage, "arn": metadata.get("FunctionARN"), "status": summary.get("Status"), "code": code}

    def create_function(self, name, config, code):
        response = self._call("create_function", subject="function %s" % name, Name=name, FunctionConfig=config,
                              FunctionCode=code)
        return {"etag": response.get("ETag"), "summary": response.get("FunctionSummary") or {}}

    def update_function(self, name, etag, config, code):
        response = self._call("update_function", subject="function %s" % name, Name=name, IfMatch=etag,
                              FunctionConfig=config, FunctionCode=code)
        return {"etag": response.get("ETag"), "summary": response.get("FunctionSummary") or {}}

    def test_function(self, name, etag, event_object, stage="DEVELOPMENT"):
        """TestFunction's TestResult (FunctionOutput, FunctionErrorMessage, FunctionExecutionLogs...)."""
        response = self._call("test_function", subject="function %s" % name, Name=name, IfMatch=etag, Stage=stage,
                              EventObject=event_object)
        return response.get("TestResult") or {}

    def publish_function(self, name, etag):
        return self._call("publish_function", subject="function %s" % name, Name=name, IfMatch=etag).get("FunctionSummary") or {}

    def delete_function(self, name, etag):
        return self._call("delete_function", subject="function %s" % name, Name=name, IfMatch=etag)

    # key value stores (control plane)

    def key_value_store(self, name):
        """``{"store", "etag"}`` of the store named ``name``, or None."""
        try:
            response = self._call("describe_key_value_store", subject="key value store %s" % name, Name=name)
        except MeridianError as err:
            if _code(err) in _NO_STORE:
                return None
            raise
        return {"store": response.get("KeyValueStore") or {}, "etag": response.get("ETag")}

    def create_key_value_store(self, name, comment):
        response = self._call("create_key_value_store", subject="key value store %s" % name, Name=name, Comment=comment)
        return {"store": response.get("KeyValueStore") or {}, "etag": response.get("ETag")}

    def wait_key_value_store_ready(self, name, timeout=300, delay=5, sleep=None):
        """The store once its status is READY (a new store is PROVISIONING a while; its keys cannot be
        written before). Fails on any other status, or after ``timeout`` seconds."""
        sleep = sleep or time.sleep
        waited = 0
        while True:
            found = self.key_value_store(name)
            status = ((found or {}).get("store") or {}).get("Status")
            if status == "READY":
                return found
            if status != "PROVISIONING" or waited >= timeout:
                raise MeridianError("name", "key value store %s is %s after %d s, not READY; see its import or "
                                    "creation in the CloudFront console" % (name, status or "missing", waited))
            sleep(delay)
            waited += delay

    def update_key_value_store(self, name, comment, etag):
        response = self._call("update_key_value_store", subject="key value store %s" % name, Name=name,
                              Comment=comment, IfMatch=etag)
        return {"store": response.get("KeyValueStore") or {}, "etag": response.get("ETag")}

    def delete_key_value_store(self, name, etag):
        return self._call("delete_key_value_store", subject="key value store %s" % name, Name=name, IfMatch=etag)


class KeyValueStoreDataClient(AwsClient):
    """A store's keys (the cloudfront-keyvaluestore data plane)."""

    SERVICE = "cloudfront-keyvaluestore"

    @classmethod
    def from_module(cls, module, region="us-east-1"):
        return cls(retry.retrying_client(module, cls.SERVICE, region=region))

    @staticmethod
    def require_crt(field="key_values", has_crt=None):
        """Fail (naming ``field``) when botocore cannot sign SigV4A, before any call is made."""
        if not (HAS_CRT if has_crt is None else has_crt):
            raise MeridianError(field, "writing a KeyValueStore's keys goes through the cloudfront-keyvaluestore API, "
                                "which signs with SigV4A; botocore does that only with the AWS CRT: install it on the "
                                "controller (pip install 'botocore[crt]', the awscrt package), or leave key_values unset")

    def describe(self, arn):
        """``{"etag", "item_count", "total_size"}`` of the store's data."""
        response = self._call("describe_key_value_store", subject="key value store %s" % arn, KvsARN=arn)
        return {"etag": response.get("ETag"), "item_count": response.get("ItemCount"),
                "total_size": response.get("TotalSizeInBytes")}

    def keys(self, arn):
        """Every key of the store (ListKeys, all pages): key -> value."""
        try:
            pages = retry.paginate_all(self.client.client, "list_keys", KvsARN=arn)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            raise api_error(self.SERVICE, "list_keys", err, "key value store %s" % arn)
        return dict((i["Key"], i.get("Value", "")) for i in pages.get("Items") or [])

    def update_keys(self, arn, etag, puts, deletes):
        """One all-or-nothing UpdateKeys; returns the store's next ETag."""
        kwargs = {"KvsARN": arn, "IfMatch": etag}
        if puts:
            kwargs["Puts"] = puts
        if deletes:
            kwargs["Deletes"] = deletes
        return self._call("update_keys", subject="key value store %s" % arn, **kwargs).get("ETag")
