#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rds_master_user_secret
short_description: Let RDS keep an instance's master password in AWS Secrets Manager
version_added: 0.2.0
description:
  - Turns on C(ManageMasterUserPassword) for an existing RDS DB instance, so that RDS generates the master
    password, stores it in a secret of AWS Secrets Manager (C(MasterUserSecret)) and rotates it; nobody has to
    hold the password, and applications and jobs read it from the secret.
  - Returns the secret's ARN, which tasks and the failover drill read the credentials from (a JSON secret with
    C(username) and C(password)).
  - An instance whose password RDS already manages is left alone (changed false), unless
    O(master_user_secret_kms_key_id) names another key for the secret.
  - Turning management off is not supported; it needs a new password, which this module would then have to hold.
  - C(amazon.aws.rds_instance) (10.x) has no option for this; create the instance with it first (with a one-time
    random password that is stored nowhere), then run this module.
author:
  - Meridian platform engineering (@meridian)
options:
  db_instance_identifier:
    description: The DB instance; not a read replica (a replica uses its source's master user).
    type: str
    required: true
    aliases: [id]
  master_user_secret_kms_key_id:
    description:
      - KMS key (ID, ARN, alias name or alias ARN) that encrypts the secret. Omitted, Secrets Manager's key
        C(aws/secretsmanager) of the account.
    type: str
attributes:
  check_mode:
    support: full
    description: Reports whether the instance would be modified, without changing it.
  diff_mode:
    support: full
    description: Whether the password is managed and the secret's key, before and after.
notes:
  - Calls C(rds:DescribeDBInstances) and C(rds:ModifyDBInstance); RDS then creates the secret with the caller's
    permissions, which needs C(secretsmanager:CreateSecret), C(secretsmanager:TagResource) and, for a customer
    managed key, C(kms:DescribeKey), C(kms:CreateGrant) and C(kms:GenerateDataKey) on it.
  - The modification is applied immediately (C(ApplyImmediately)); RDS reports the secret as C(creating), then
    C(active).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.rds_instance
    description: Creates the instance.
  - plugin: amazon.aws.secretsmanager_secret
    plugin_type: lookup
    description: Reads the secret (C(username), C(password)) where a task needs the credentials.
"""

EXAMPLES = r"""
- name: Let RDS keep the master password of the primary in Secrets Manager
  meridian.global_infra.rds_master_user_secret:
    region: us-east-1
    db_instance_identifier: meridian-prod-db
  register: db_secret

- name: Read the credentials where a task needs them
  ansible.builtin.set_fact:
    db_credentials: "{{ lookup('amazon.aws.secretsmanager_secret', db_secret.secret_arn, region='us-east-1') | from_json }}"
  no_log: true
"""

RETURN = r"""
db_instance_identifier:
  description: The instance.
  returned: always
  type: str
  sample: meridian-prod-db
manage_master_user_password:
  description: Whether RDS manages the master password (after the run; in check mode, the planned state).
  returned: always
  type: bool
  sample: true
secret_arn:
  description: ARN of the secret holding C(username) and C(password); null in check mode before the first run.
  returned: always
  type: str
  sample: arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e-AbCdEf
secret_status:
  description: C(creating), C(active), C(rotating) or C(impaired), as RDS reports it.
  returned: always
  type: str
  sample: active
kms_key_id:
  description: The KMS key that encrypts the secret.
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.rds_secret import (
    RdsSecretError,
    master_secret_plan,
    secret_view,
    validate,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.rds import RdsClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def run(module, client):
    p = module.params
    identifier = p["db_instance_identifier"]
    instance = client.instance(identifier)
    if instance is None:
        if not module.check_mode:
            raise RdsSecretError("db_instance_identifier", "DB instance %s does not exist; create it first "
                                 "(amazon.aws.rds_instance)" % identifier)
        module.warn("DB instance %s does not exist yet; planned to let RDS manage its master password" % identifier)
    plan = master_secret_plan(instance, p["master_user_secret_kms_key_id"])
    after = plan["after"]
    if plan["changed"] and not module.check_mode:
        after = secret_view(client.modify(identifier, plan["modify"]))
    result = dict(after, changed=plan["changed"], db_instance_identifier=identifier)
    if module._diff:
        keys = ("manage_master_user_password", "kms_key_id")
        result["diff"] = {"before": dict((k, plan["before"][k]) for k in keys), "after": dict((k, after[k]) for k in keys)}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
            master_user_secret_kms_key_id=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    try:
        validate(module.params["db_instance_identifier"], module.params["master_user_secret_kms_key_id"])
        module.exit_json(**run(module, RdsClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
