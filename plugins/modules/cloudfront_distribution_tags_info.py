#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudfront_distribution_tags_info
short_description: List the CloudFront distributions of the account with their tags
version_added: 0.2.0
description:
  - Lists every CloudFront distribution of the account with its tags, optionally only those that carry every
    tag of O(tags). Teardown finds the estate's distributions this way, by their tags, never by their comment.
  - C(community.aws.cloudfront_distribution_info) returns tags only in its summary, which also lists streaming
    distributions and origin access identities (calls moto does not serve and a least-privilege policy need not allow).
  - The listing is paginated in full and retried as one unit with jittered exponential backoff on throttling and
    transient server errors; other errors (C(AccessDenied), ...) fail at once with the operation, the AWS error code
    and the IAM action to allow (C(cloudfront:ListDistributions), C(cloudfront:ListTagsForResource)).
author:
  - Meridian platform engineering (@meridian)
options:
  tags:
    description:
      - Keep only the distributions that carry every one of these tags with the same value (the estate's
        C(meridian_tags)). Empty lists every distribution.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to compare.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the estate's distributions by their tags
  meridian.global_infra.cloudfront_distribution_tags_info:
    region: us-east-1
    tags:
      meridian:managed-by: meridian.global_infra
      meridian:env: prod
  register: __found
"""

RETURN = r"""
distributions:
  description: The distributions (all, or those carrying O(tags)), sorted by ID.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The distribution's ID.
      type: str
    arn:
      description: Its ARN.
      type: str
    comment:
      description: Its comment.
      type: str
    domain_name:
      description: Its C(*.cloudfront.net) name.
      type: str
    enabled:
      description: Whether it serves (a distribution must be disabled and deployed before it can be deleted).
      type: bool
    status:
      description: C(Deployed) or C(InProgress).
      type: str
    tags:
      description: Its tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.teardown import carries_tags
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront_tags import CloudFrontTagsClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def run(client, tags):
    found = []
    for item in client.distributions():
        record = {"id": item["Id"], "arn": item["ARN"], "comment": item.get("Comment", ""),
                  "domain_name": item.get("DomainName", ""), "enabled": bool(item.get("Enabled")),
                  "status": item.get("Status", ""), "tags": client.tags(item["ARN"])}
        if not tags or carries_tags(record, tags, "tags"):
            found.append(record)
    return {"changed": False, "distributions": sorted(found, key=lambda d: d["id"])}


def main():
    module = AnsibleAWSModule(argument_spec=dict(tags=dict(type="dict", default={})), supports_check_mode=True)
    try:
        tags = dict((str(k), str(v)) for k, v in (module.params["tags"] or {}).items())
        module.exit_json(**run(CloudFrontTagsClient.from_module(module), tags))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
