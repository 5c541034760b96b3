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
  - A rule with O(rules[].account) writes only to a bucket that account owns. The module reads the destination
    with C(ExpectedBucketOwner) set to that account and refuses the configuration when S3 answers that another
    account owns it (or that the bucket cannot be read), so a bucket name taken by someone else never becomes a
    destination. O(rules[].owner_override) makes S3 check the account again on every replica.
  - A rule with O(rules[].replica_kms_key_id) replicates the objects encrypted with SSE-KMS (S3 skips them
    otherwise) and encrypts the replicas with that key; the module refuses a key whose region is not the
    destination bucket's (S3 accepts such a key and then fails every replication).
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
          - ARN of the customer managed KMS key in the destination's region that encrypts the replicas
            (C(Destination.EncryptionConfiguration.ReplicaKmsKeyID)). Also selects the source objects encrypted
            with SSE-KMS for replication (C(SourceSelectionCriteria.SseKmsEncryptedObjects) V(Enabled)).
          - The replication role needs C(kms:Decrypt) on the source objects' key and C(kms:Encrypt) on this key.
        type: str
      account:
        description:
          - The 12-digit account that must own the destination bucket (C(Destination.Account)); the module checks
            it with C(ExpectedBucketOwner) before writing. Give the account the estate runs in to make sure
            replicas never go to a bucket of another account.
        type: str
      owner_override:
        description:
          - Give the replicas to the destination's owner (C(AccessControlTranslation) C(Owner=Destination)); S3
            then checks O(rules[].account) on every replica. Needs O(rules[].account) and
            C(s3:ObjectOwnerOverrideToBucketOwner) for the role.
          - AWS documents it for destinations of another account; in the same account replicas belong to it anyway.
        type: bool
        default: false
        version_added: 0.2.0
attributes:
  check_mode:
    support: full
    description: Reports whether the configuration would be written or removed, without changing anything.
  diff_mode:
    support: full
    description: The normalised configuration before and after, rules sorted by id and keys sorted.
notes:
  - The role needs C(s3:GetReplicationConfiguration) and C(s3:ListBucket) on the source,
    C(s3:GetObjectVersion*) on its objects, C(s3:Replicate*) on the destinations (best with the condition
    C(s3:ResourceAccount) equal to the account), and for SSE-KMS objects C(kms:Decrypt) on the source key and
    C(kms:Encrypt) on the replica key, conditioned on C(kms:ViaService) and C(kms:EncryptionContext:aws:s3:arn).
  - The task's credentials need C(s3:GetReplicationConfiguration), C(s3:PutReplicationConfiguration),
    C(s3:GetBucketVersioning), C(s3:GetBucketLocation) (rules with a replica key), C(s3:ListBucket) and
    C(iam:PassRole) on the role.
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
        account: "123456789012"

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
          replica_kms_key_id, account, replica_owner (Destination) and sse_kms_encrypted_objects (Enabled)
          (null when not set).
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
        account: "123456789012"
        replica_owner: null
        sse_kms_encrypted_objects: null
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
    bucket_region,
    kms_key_region,
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


def _destinations(desired):
    """{bucket name: (account or None, [replica key ARNs])} of the desired rules."""
    out = {}
    for rule in desired["rules"]:
        name = bucket_name(rule["destination_bucket"])
        account, keys = out.get(name, (None, []))
        if account and rule["account"] and account != rule["account"]:
            raise ReplicationError("rules", "destination bucket %s is given two owners, %s and %s" % (name, account, rule["account"]))
        out[name] = (account or rule["account"], keys + ([rule["replica_kms_key_id"]] if rule["replica_kms_key_id"] else []))
    return out


def _check_destinations(client, desired):
    source = desired["bucket"]
    if client.versioning(source) != "Enabled":
        raise ReplicationError("bucket", "versioning is not enabled on %s; replication needs it (amazon.aws.s3_bucket "
                               "versioning: true) before this task" % source)
    for name, (account, keys) in sorted(_destinations(desired).items()):
        try:
            status = client.versioning(name, expected_owner=account)
            region = bucket_region(client.location(name, expected_owner=account)) if keys else None
        except AwsApiError as err:
            if err.code == "NoSuchBucket":
                raise ReplicationError("rules", "destination bucket %s does not exist; create it (versioned) first" % name)
            if err.code in ("AccessDenied", "AllAccessDisabled"):
                if account:
                    # ExpectedBucketOwner: S3 answers 403 when the bucket belongs to another account
                    raise ReplicationError("rules", "destination bucket %s is not owned by account %s (S3 refused the read "
                                           "with ExpectedBucketOwner=%s), or these credentials may not read it: replication "
                                           "to it is refused; check who owns the name or allow s3:GetBucketVersioning"
                                           % (name, account, account))
                continue  # another account's bucket: S3 checks it when the configuration is written
            raise
        if status != "Enabled":
            raise ReplicationError("rules", "versioning is not enabled on the destination bucket %s; enable it first" % name)
        for key in keys:
            if kms_key_region(key) != region:
                raise ReplicationError("rules", "replica key %s is in %s but the destination bucket %s is in %s; S3 accepts "
                                       "such a key and then fails every replication: use a key of %s"
                                       % (key, kms_key_region(key), name, region, region))


def run(module, client):
    p = module.params
    desired = _desired(p)
    current = _current(module, client, p["bucket"])
    plan = replication_plan(current, desired, p["state"])
    if plan["action"] == "put" and not (module.check_mode and current is None and not client.exists(p["bucket"])):
        _check_destinations(client, dict(desired, bucket=p["bucket"]))
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
        owner_override=dict(type="bool", default=False),
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
