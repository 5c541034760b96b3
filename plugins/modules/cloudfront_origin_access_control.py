#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
short_description: Ensure a CloudFront origin access control exists or is absent
version_added: 0.2.0
description:
  - Ensures one CloudFront origin access control (OAC), identified by its name. An origin that uses it
    gets requests signed by CloudFront (SigV4), so that a private S3 bucket can answer CloudFront alone
    through a bucket policy naming the C(cloudfront.amazonaws.com) service principal and the
    distribution (C(AWS:SourceArn)).
  - The description, origin type and signing behaviour are updated in place (with the ETag read just
    before); the name identifies the origin access control and is never changed.
  - Every option is validated before any API call; an invalid one fails naming the option.
  - CloudFront refuses to delete an origin access control that an origin still uses
    (C(OriginAccessControlInUse)); remove the distribution, or the origin's reference, first.
author:
  - Meridian platform engineering (@meridian)
options:
  state:
    description: V(present) creates or updates the origin access control; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The origin access control's name, unique in the account (1 to 64 characters).
    type: str
    required: true
  description:
    description: A description of the origin access control.
    type: str
    default: ""
  origin_type:
    description: The kind of origin it signs requests for.
    type: str
    choices: [s3, mediastore, lambda, mediapackagev2]
    default: s3
  signing_behavior:
    description:
      - Which origin requests CloudFront signs. V(always) signs every request (and replaces a viewer's own
        C(Authorization) header), the setting for a private bucket. V(no-override) keeps a viewer's header;
        V(never) signs nothing.
    type: str
    choices: [always, never, no-override]
    default: always
  signing_protocol:
    description: The signing protocol; CloudFront knows SigV4 only.
    type: str
    choices: [sigv4]
    default: sigv4
attributes:
  check_mode:
    support: full
    description: Computes and reports the plan (create, update, delete) without changing anything.
  diff_mode:
    support: full
    description: The origin access control's settings before and after, keys sorted.
notes:
  - CloudFront is global; its API is called in us-east-1 whatever O(region) says.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: meridian.global_infra.cloudfront_region_distribution
    description: The distribution whose static origin uses the origin access control.
  - name: Regional stack on AWS guide
    description: The CDN part of the regional stack (certificate, origin access control, bucket policy).
    link: https://github.com/meridian/global_infra/blob/main/docs/aws.md
"""

EXAMPLES = r"""
- name: Sign every request CloudFront sends to the static bucket
  meridian.global_infra.cloudfront_origin_access_control:
    name: meridian-prod-us-east-1-static
    description: Static bucket of meridian-prod-us-east-1
  register: oac

- name: Remove the origin access control (after the distribution)
  meridian.global_infra.cloudfront_origin_access_control:
    name: meridian-prod-us-east-1-static
    state: absent
"""

RETURN = r"""
origin_access_control:
  description: The origin access control after the run (empty when absent); in check mode, the planned one.
  returned: always
  type: dict
  contains:
    id:
      description: Its id (null when it is only planned).
      type: str
      sample: E2QWRUHAPOMQZL
    name:
      description: Its name.
      type: str
    description:
      description: Its description.
      type: str
    origin_type:
      description: s3, mediastore, lambda or mediapackagev2.
      type: str
    signing_behavior:
      description: always, never or no-override.
      type: str
    signing_protocol:
      description: sigv4.
      type: str
action:
  description: What was done (or would be in check mode).
  returned: always
  type: str
  sample: create
  choices: [none, create, update, delete]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import (
    CdnPlanError,
    origin_access_control_config,
    origin_access_control_plan,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront import CloudFrontClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def _desired(params):
    return origin_access_control_config(params["name"], params["description"], params["origin_type"],
                                        params["signing_behavior"], params["signing_protocol"])


def run(module, client):
    p = module.params
    desired = _desired(p)
    found = client.find_origin_access_control(p["name"])
    if len(found) > 1:
        raise CdnPlanError("name", "%d origin access controls are named %r (%s); delete the extra ones"
                           % (len(found), p["name"], ", ".join(sorted(o["Id"] for o in found))))
    plan = origin_access_control_plan(found[0] if found else None, desired, p["state"])
    oac_id = plan["id"]
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "create":
            oac_id = client.create_origin_access_control(desired)["Id"]
        elif plan["action"] == "update":
            client.update_origin_access_control(oac_id, desired)
        else:
            client.delete_origin_access_control(oac_id)
    oac = dict(plan["after"])
    if oac:
        oac["id"] = oac_id
    result = {"changed": plan["changed"], "action": plan["action"], "origin_access_control": dict(sorted(oac.items()))}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            name=dict(type="str", required=True),
            description=dict(type="str", default=""),
            origin_type=dict(type="str", default="s3", choices=["s3", "mediastore", "lambda", "mediapackagev2"]),
            signing_behavior=dict(type="str", default="always", choices=["always", "never", "no-override"]),
            signing_protocol=dict(type="str", default="sigv4", choices=["sigv4"]),
        ),
        supports_check_mode=True,
    )
    try:
        _desired(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, CloudFrontClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
