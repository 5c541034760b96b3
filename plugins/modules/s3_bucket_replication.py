#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_bucket_replication
short_description: Ensure the replication configuration of an S3 bucket
version_added: 0.1.0
description:
  - Sets the whole replication configuration of a bucket (the IAM role S3 assumes and the rules), or
    removes it.
  - Rules are written in the current schema (filter, priority, delete marker replication). The
    configuration S3 returns is normalised before the comparison, so the bucket is written only when
    its configuration really differs.
  - Replication needs versioning on the source bucket and on the destination buckets; the module
    checks both (the destination when it is readable) and fails with the fix before writing.
  - Every option is validated before any API call; an invalid one fails naming the option.
  - Every S3 call is retried with jittered exponential backoff on throttling (C(SlowDown)) and
    transient server errors; other errors (C(AccessDenied), ...) fail at once with the operation, the
    AWS error code and the fix.
author:
  - Meridian platform engineering (@meridian)
options:
  bucket:
    description: The source bucket.
    type: str
    required: true
    aliases: [name]
  state:
    description: V(present) sets the configuration; V(absent) removes all replication from the bucket.
    type: str
    choices: [present, absent]
    default: present
  role_arn:
    description:
      - The IAM role S3 assumes to read the source and write the destinations; required with
        O(state=present).
    type: str
  rules:
    description:
      - The replication rules, the whole set (rules of the bucket that are not listed are removed).
      - Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      id:
        description: Unique name of the rule.
        type: str
        required: true
      priority:
        description:
          - Which rule wins when the filters of several rules overlap (the higher number). Distinct per
            rule. Omitted, the rule's position in the list (1 for the first).
        type: int
      enabled:
        description: Whether the rule replicates.
        type: bool
        default: true
      prefix:
        description: Replicate only keys under this prefix; empty replicates the whole bucket.
        type: str
        default: ""
      tags:
        description: Replicate only objects carrying all these tags.
        type: dict
      destination_bucket:
        description: The destination bucket, by name or ARN (V(arn:aws:s3:::BUCKET)).
        type: str
        required: true
      storage_class:
        description: Storage class of the replicas; omitted, the class of the source object.
        type: str
        choices: [DEEP_ARCHIVE, GLACIER, GLACIER_IR, INTELLIGENT_TIERING, ONEZONE_IA, REDUCED_REDUNDANCY, STANDARD, STANDARD_IA]
      delete_marker_replication:
        description:
          - Replicate delete markers, so that a delete in the source hides the object in the replica too.
            Off by default, which keeps the replica as a protection against deletes in the source.
          - Not possible for rules that filter on O(rules[].tags).
        type: bool
        default: false
      replica_kms_key_id:
        description:
          - ARN of the KMS key in the destination's region that encrypts the replicas. Also selects the
            source objects encrypted with SSE-KMS for replication.
        type: str
      account:
        description: The destination bucket's account, when it is another account.
        type: str
attributes:
  check_mode:
    support: full
    description: Reports whether the configuration would be written or removed, without changing anything.
  diff_mode:
    support: full
    description: The normalised configuration before and after, rules sorted by id and keys sorted.
notes:
  - The role needs C(s3:GetReplicationConfiguration) and C(s3:ListBucket) on the source,
    C(s3:GetObjectVersion*) on its objects, C(s3:Replicate*) on the destinations, and the KMS grants
    when replicas are encrypted with KMS.
  - Existing objects are not copied by replication; use S3 Batch Replication for them.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.s3_bucket
    description: Creates the source and destination buckets (versioning, encryption) replication needs.
  - name: Regional stack on AWS guide
    description: The guide to the regional stack on AWS (buckets, residency of every cross-region copy).
    link: https://github.com/meridian/global_infra/blob/main/docs/aws.md
"""

EXAMPLES = r"""
- name: Replicate the whole static bucket to the failover region
  meridian.global_infra.s3_bucket_replication:
    bucket: meridian-prod-static-eu-west-1
    role_arn: arn:aws:iam::123456789012:role/meridian-prod-s3-replication
    rules:
      - id: failover
        destination_bucket: meridian-prod-static-eu-central-1
        storage_class: STANDARD_IA

- name: Replicate reports encrypted with the destination's KMS key, delete markers included
  meridian.global_infra.s3_bucket_replication:
    bucket: meridian-prod-logs-us-east-1
    role_arn: arn:aws:iam::123456789012:role/meridian-prod-s3-replication
    rules:
      - id: reports
        priority: 10
        prefix: reports/
        destination_bucket: arn:aws:s3:::meridian-prod-logs-us-east-2
        delete_marker_replication: true
        replica_kms_key_id: arn:aws:kms:us-east-2:123456789012:key/0b5a1c2e-8f1d-4c6b-9d8e-2a7f3c4b5d6e

- name: Stop replicating the bucket
  meridian.global_infra.s3_bucket_replication:
    bucket: meridian-prod-static-eu-west-1
    state: absent
"""

RETURN = r"""
replication:
  description: The normalised configuration after the run (empty when absent); in check mode, the planned one.
  returned: always
  type: dict
  contains:
    role:
      description: The IAM role S3 assumes.
      type: str
    rules:
      description:
        - The rules sorted by id, each with id, priority, status (Enabled or Disabled), prefix, tags,
          delete_marker_replication (Enabled or Disabled), destination_bucket (ARN), storage_class,
          replica_kms_key_id and account (null when not set).
      type: list
      elements: dict
  sample:
    role: arn:aws:iam::123456789012:role/meridian-prod-s3-replication
    rules:
      - id: failover
        priority: 1
        status: Enabled
        prefix: ""
        tags: {}
        delete_marker_replication: Disabled
        destination_bucket: arn:aws:s3:::meridian-prod-static-eu-central-1
        storage_class: STANDARD_IA
        replica_kms_key_id: null
        account: null
differences:
  description: What differed (C(role), C(rules[ID])) when the configuration was written.
  returned: always
  type: list
  elements: str
  sample: ["rules[failover]"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.s3_replication import (
    ReplicationError,
    bucket_name,
    desired_replication,
    normalise_replication,
    replication_plan,
    replication_request,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_replication import S3ReplicationClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def _desired(params):
    if params["state"] == "absent":
        return None
    if not params["role_arn"]:
        raise ReplicationError("role_arn", "required with state: present (the IAM role S3 assumes to replicate)")
    return desired_replication(params["bucket"], params["role_arn"], params["rules"] or [])


def _current(module, client, bucket):
    try:
        return normalise_replication(client.replication(bucket))
    except AwsApiError as err:
        if err.code != "NoSuchBucket":
            raise
    if module.check_mode and module.params["state"] == "present":
        # an earlier task of the same run creates it; there is nothing to compare yet
        module.warn("bucket %s does not exist yet; planned its replication without checking versioning" % bucket)
        return None
    if module.params["state"] == "absent":
        return None
    raise ReplicationError("bucket", "bucket %s does not exist; create it first (amazon.aws.s3_bucket)" % bucket)


def _check_versioning(client, desired):
    source = desired["bucket"]
    if client.versioning(source) != "Enabled":
        raise ReplicationError("bucket", "versioning is not enabled on %s; replication needs it (amazon.aws.s3_bucket "
                               "versioning: true) before this task" % source)
    for name in sorted(set(bucket_name(r["destination_bucket"]) for r in desired["rules"])):
        try:
            status = client.versioning(name)
        except AwsApiError as err:
            if err.code in ("AccessDenied", "AllAccessDisabled"):
                continue  # another account's bucket: S3 checks it when the configuration is written
            if err.code == "NoSuchBucket":
                raise ReplicationError("rules", "destination bucket %s does not exist; create it (versioned) first" % name)
            raise
        if status != "Enabled":
            raise ReplicationError("rules", "versioning is not enabled on the destination bucket %s; enable it first" % name)


def run(module, client):
    p = module.params
    desired = _desired(p)
    current = _current(module, client, p["bucket"])
    plan = replication_plan(current, desired, p["state"])
    if plan["action"] == "put" and not (module.check_mode and current is None and not client.exists(p["bucket"])):
        _check_versioning(client, dict(desired, bucket=p["bucket"]))
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "put":
            client.put_replication(p["bucket"], replication_request(desired))
        else:
            client.delete_replication(p["bucket"])
    result = {"changed": plan["changed"], "differences": plan["differences"], "replication": plan["after"]}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    rule_spec = dict(
        id=dict(type="str", required=True),
        priority=dict(type="int"),
        enabled=dict(type="bool", default=True),
        prefix=dict(type="str", default=""),
        tags=dict(type="dict"),
        destination_bucket=dict(type="str", required=True),
        storage_class=dict(type="str", choices=["DEEP_ARCHIVE", "GLACIER", "GLACIER_IR", "INTELLIGENT_TIERING",
                                                "ONEZONE_IA", "REDUCED_REDUNDANCY", "STANDARD", "STANDARD_IA"]),
        delete_marker_replication=dict(type="bool", default=False),
        replica_kms_key_id=dict(type="str"),
        account=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True, aliases=["name"]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            role_arn=dict(type="str"),
            rules=dict(type="list", elements="dict", options=rule_spec),
        ),
        required_if=[("state", "present", ("role_arn", "rules"))],
        supports_check_mode=True,
    )
    try:
        _desired(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, S3ReplicationClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
