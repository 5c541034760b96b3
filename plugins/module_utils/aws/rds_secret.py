# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for an RDS instance whose master password RDS keeps in AWS Secrets Manager.

Nothing here calls an API. ``master_secret_plan`` compares a DescribeDBInstances entry with the
wanted state (the password managed by RDS in Secrets Manager, optionally under a given KMS key) and
says whether ModifyDBInstance must be called, with which arguments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

_IDENTIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_KMS_KEY = re.compile(r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/+=,.@-]+|alias/[\w/+=,.@-]+|[0-9a-f-]{36})$")


class RdsSecretError(MeridianError):
    """A setting of the managed master password that cannot be applied; ``field`` names the option."""


def validate(identifier, kms_key_id):
    """Check the options before any API call; raises RdsSecretError naming the option."""
    if not isinstance(identifier, str) or not _IDENTIFIER.match(identifier) or "--" in identifier or identifier.endswith("-"):
        raise RdsSecretError("db_instance_identifier", "%r is not an RDS instance identifier (a letter, then up to 62 "
                             "letters, digits and single hyphens)" % (identifier,))
    if kms_key_id is not None and (not isinstance(kms_key_id, str) or not _KMS_KEY.match(kms_key_id)):
        raise RdsSecretError("master_user_secret_kms_key_id", "%r is not a KMS key id, key ARN, alias name or alias "
                             "ARN" % (kms_key_id,))


def secret_view(instance):
    """What the module reports of an instance: whether RDS manages the password, and its secret."""
    secret = (instance or {}).get("MasterUserSecret") or {}
    return {
        "manage_master_user_password": bool(secret.get("SecretArn")),
        "secret_arn": secret.get("SecretArn"),
        "secret_status": secret.get("SecretStatus"),
        "kms_key_id": secret.get("KmsKeyId"),
    }


def master_secret_plan(instance, kms_key_id=None):
    """The ModifyDBInstance arguments that make RDS manage ``instance``'s master password.

    ``instance`` is a DescribeDBInstances entry (None when the instance does not exist). Returns
    ``{"changed", "modify" (None or the call's arguments), "before", "after"}``. A read replica has no
    master password of its own (it uses its source's): it is refused.
    """
    if instance is not None and instance.get("ReadReplicaSourceDBInstanceIdentifier"):
        raise RdsSecretError("db_instance_identifier", "%s is a read replica, which uses the master user of its source %s: "
                             "manage the source's password instead" % (instance.get("DBInstanceIdentifier"),
                                                                       instance["ReadReplicaSourceDBInstanceIdentifier"]))
    before = secret_view(instance)
    key_differs = bool(kms_key_id) and before["kms_key_id"] not in (None, kms_key_id) and not before["kms_key_id"].endswith(
        "/" + kms_key_id.split("/")[-1])
    if before["manage_master_user_password"] and not key_differs:
        return {"changed": False, "modify": None, "before": before, "after": before}
    modify = {"ManageMasterUserPassword": True, "ApplyImmediately": True}
    if kms_key_id:
        modify["MasterUserSecretKmsKeyId"] = kms_key_id
    after = dict(before, manage_master_user_password=True, kms_key_id=kms_key_id or before["kms_key_id"])
    return {"changed": True, "modify": modify, "before": before, "after": after}
