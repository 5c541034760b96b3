# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The S3 client wrapper of the collection for bucket replication: read, write and remove a bucket's
replication configuration, and the bucket facts replication depends on (existence, versioning,
region), read with ``ExpectedBucketOwner`` where the owner must be a given account.

Build it from an ``AnsibleAWSModule``: ``S3ReplicationClient.from_module(module)``. Every call goes
through the collection's one retry policy (``common.retry``: S3 throttles with ``SlowDown``). A
missing bucket is an ``AwsApiError`` whose ``code`` is ``NoSuchBucket``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient

NOT_CONFIGURED = ("ReplicationConfigurationNotFoundError", "NoSuchReplicationConfiguration")
NOT_FOUND = ("404", "NoSuchBucket", "NotFound")


class S3ReplicationClient(AwsClient):
    SERVICE = "s3"

    def replication(self, bucket):
        """The bucket's ``ReplicationConfiguration``, or None when it has none."""
        try:
            response = self._call("get_bucket_replication", subject="bucket %s" % bucket,
                                  permission="s3:GetReplicationConfiguration", Bucket=bucket)
        except AwsApiError as err:
            if err.code in NOT_CONFIGURED:
                return None
            raise
        return response.get("ReplicationConfiguration")

    def exists(self, bucket):
        try:
            self._call("head_bucket", subject="bucket %s" % bucket, permission="s3:ListBucket", Bucket=bucket)
        except AwsApiError as err:
            if err.code in NOT_FOUND:
                return False
            raise
        return True

    def versioning(self, bucket, expected_owner=None):
        """The bucket's versioning status (``Enabled``, ``Suspended`` or None when never set).

        With ``expected_owner`` (an account id) S3 answers ``AccessDenied`` when another account owns
        the bucket.
        """
        owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}
        return self._call("get_bucket_versioning", subject="bucket %s" % bucket, permission="s3:GetBucketVersioning",
                          Bucket=bucket, **owner).get("Status")

    def location(self, bucket, expected_owner=None):
        """The bucket's ``LocationConstraint`` (None for us-east-1), checked against ``expected_owner``."""
        owner = {"ExpectedBucketOwner": expected_owner} if expected_owner else {}
        return self._call("get_bucket_location", subject="bucket %s" % bucket, permission="s3:GetBucketLocation",
                          Bucket=bucket, **owner).get("LocationConstraint")

    def put_replication(self, bucket, configuration):
        self._call("put_bucket_replication", subject="bucket %s" % bucket,
                   permission="s3:PutReplicationConfiguration (and iam:PassRole on the replication role)",
                   Bucket=bucket, ReplicationConfiguration=configuration)

    def delete_replication(self, bucket):
        self._call("delete_bucket_replication", subject="bucket %s" % bucket,
                   permission="s3:PutReplicationConfiguration", Bucket=bucket)
