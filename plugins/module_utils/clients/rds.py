# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RDS client wrapper of the collection: read an instance, and hand its master password to
AWS Secrets Manager (ModifyDBInstance ManageMasterUserPassword).

Build it from an ``AnsibleAWSModule``: ``RdsClient.from_module(module)``. Every call goes through
the collection's one retry policy (``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient


class RdsClient(AwsClient):
    SERVICE = "rds"

    def instance(self, identifier):
        """The DescribeDBInstances entry of ``identifier``, or None when there is no such instance."""
        try:
            found = self._call("describe_db_instances", subject="instance %s" % identifier,
                               DBInstanceIdentifier=identifier).get("DBInstances") or []
        except AwsApiError as err:
            if err.code == "DBInstanceNotFound":
                return None
            raise
        return found[0] if found else None

    def modify(self, identifier, arguments):
        """ModifyDBInstance with ``arguments``; the instance as RDS returns it."""
        return self._call("modify_db_instance", subject="instance %s" % identifier,
                          permission="rds:ModifyDBInstance (and secretsmanager:CreateSecret, kms:DescribeKey for the "
                                     "secret's key)",
                          DBInstanceIdentifier=identifier, **arguments).get("DBInstance") or {}
