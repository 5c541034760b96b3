# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 client wrapper of the collection for bucket policies: read, put and delete a bucket's policy.

Build it from an ``AnsibleAWSModule``: ``S3BucketPolicyClient.from_module(module)``. Every call goes
through the collection's one retry policy (``common.retry``). ``expected_owner`` (an account id) is
sent with every call, so that a bucket of another account fails (AccessDenied) instead of being read
or written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient

NO_POLICY = ("NoSuchBucketPolicy",)


class S3BucketPolicyClient(AwsClient):
    SERVICE = "s3"

    def _owner(self, expected_owner):
        return {"ExpectedBucketOwner": expected_owner} if expected_owner else {}

    def policy(self, bucket, expected_owner=None):
        """The bucket's policy as a dict, or None when it has none."""
        try:
            response = self._call("get_bucket_policy", subject="bucket %s" % bucket, Bucket=bucket,
                                  **self._owner(expected_owner))
        except AwsApiError as err:
            if err.code in NO_POLICY:
                return None
            raise
        return json.loads(response["Policy"]) if response.get("Policy") else None

    def put(self, bucket, policy, expected_owner=None):
        return self._call("put_bucket_policy", subject="bucket %s" % bucket, Bucket=bucket,
                          Policy=json.dumps(policy, sort_keys=True), **self._owner(expected_owner))

    def delete(self, bucket, expected_owner=None):
        return self._call("delete_bucket_policy", subject="bucket %s" % bucket, Bucket=bucket,
                          **self._owner(expected_owner))
