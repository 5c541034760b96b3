#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: s3_bucket_policy
short_description: Ensure an S3 bucket's policy, with check mode and diff
version_added: 0.2.0
description:
  - Ensures the policy of one existing S3 bucket, or its absence. The bucket's other settings (public access
    block, encryption, versioning, tags) are not touched.
  - The policy is compared with the bucket's in IAM's canonical form (statement order, a single value and a
    one-element list, principals), so an equal policy written differently changes nothing.
  - Unlike M(amazon.aws.s3_bucket), it runs in check mode, so that the drift of a policy is reported.
  - With the bucket's public access block on (C(BlockPublicPolicy)), S3 refuses a public policy; a policy
    granting a service principal under a C(AWS:SourceArn) condition is not public.
author:
  - Meridian platform engineering (@meridian)
options:
  bucket:
    description: The bucket's name.
    type: str
    required: true
  policy:
    description: The policy document (a dict or JSON text); required with O(state=present).
    type: json
  state:
    description: V(present) puts the policy; V(absent) deletes the bucket's policy.
    type: str
    choices: [present, absent]
    default: present
  expected_bucket_owner:
    description: The account id the bucket must belong to; a bucket of another account fails (sent with every call).
    type: str
attributes:
  check_mode:
    support: full
    description: Reports whether the policy would be put or deleted without changing anything.
  diff_mode:
    support: full
    description: The policy before and after.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.s3_bucket
    description: Creates the bucket (and can set a policy, without check mode).
"""

EXAMPLES = r"""
- name: Let one distribution read the static bucket
  meridian.global_infra.s3_bucket_policy:
    bucket: meridian-prod-static-us-east-1
    policy: "{{ 'meridian-prod-static-us-east-1' | meridian.global_infra.cloudfront_bucket_policy(distribution_arn) }}"
"""

RETURN = r"""
policy:
  description: The bucket's policy after the run (empty when it has none); in check mode, the planned one.
  returned: always
  type: dict
action:
  description: What was done (or would be in check mode).
  returned: always
  type: str
  sample: put
  choices: [none, put, delete]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.bucket_policy import (
    BucketPolicyError,
    bucket_policy_plan,
    parse_policy,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_bucket_policy import S3BucketPolicyClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def _desired(params):
    if params["state"] == "absent":
        return None
    if params["policy"] is None:
        raise BucketPolicyError("policy", "is required with state=present")
    return parse_policy(params["policy"])


def run(module, client):
    p = module.params
    desired = _desired(p)
    owner = p["expected_bucket_owner"]
    plan = bucket_policy_plan(client.policy(p["bucket"], owner), desired, p["state"])
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "put":
            client.put(p["bucket"], desired, owner)
        else:
            client.delete(p["bucket"], owner)
    result = {"changed": plan["changed"], "action": plan["action"], "policy": plan["after"]}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            bucket=dict(type="str", required=True),
            policy=dict(type="json"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            expected_bucket_owner=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    try:
        _desired(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, S3BucketPolicyClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
