#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudfront_region_distribution
short_description: Ensure the CloudFront distribution in front of one region
version_added: 0.2.0
description:
  - Ensures one CloudFront distribution, found by its comment (O(name)), with two origins, the region's
    load balancer (reached over HTTPS only) and the region's static bucket (read through an origin
    access control, the bucket staying private), and the whole configuration stated, so that a re-run
    compares equal and changes nothing.
  - Viewers are redirected to HTTPS and served the ACM certificate O(certificate_arn) with SNI
    (C(sni-only)) for O(aliases), under the security policy O(minimum_protocol_version) (TLS 1.3 only
    by default). With the CloudFront default certificate CloudFront would apply C(TLSv1) whatever the
    policy requested, so a certificate and aliases are required.
  - Static paths are cached from the bucket, API paths and the rest go to the load balancer uncached
    with every method, header, cookie and query string.
  - The configuration read back is compared with the stated one in a canonical form (the fields the
    service fills in are left out); only a difference updates the distribution, with the ETag read
    just before. Tags are compared and set or removed in place.
  - Every option is validated before any API call; an invalid one fails naming the option.
  - Removal is not handled here; use M(community.aws.cloudfront_distribution) with O(ignore:state=absent)
    (it disables the distribution first).
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The distribution's comment and caller reference, unique in the account.
    type: str
    required: true
  origin_domain_name:
    description: DNS name of the region's load balancer (the default origin).
    type: str
    required: true
  static_bucket:
    description: Name of the region's static bucket.
    type: str
    required: true
  static_bucket_region:
    description: Region of O(static_bucket); the origin is its regional endpoint.
    type: str
    required: true
  static_paths:
    description: Path patterns served from the static bucket, cached.
    type: list
    elements: str
    default: ["/static/*"]
  api_paths:
    description: Path patterns forwarded to the load balancer, not cached.
    type: list
    elements: str
    default: ["/api/*"]
  static_ttl:
    description: Default TTL of static content, in seconds.
    type: int
    default: 86400
  certificate_arn:
    description: ACM certificate in us-east-1 covering O(aliases).
    type: str
    required: true
  aliases:
    description: The host names the distribution answers for (alternate domain names); at least one.
    type: list
    elements: str
    required: true
  minimum_protocol_version:
    description: The viewer security policy; V(TLSv1.2_2025) only where old clients need TLS 1.2.
    type: str
    choices: [TLSv1.3_2025, TLSv1.2_2025]
    default: TLSv1.3_2025
  price_class:
    description: Edge locations used.
    type: str
    choices: [PriceClass_100, PriceClass_200, PriceClass_All]
    default: PriceClass_100
  origin_access_control_id:
    description:
      - Id of the origin access control of the static origin (M(meridian.global_infra.cloudfront_origin_access_control)).
        The origin's access identity is empty, as CloudFront requires with an origin access control.
    type: str
    required: true
  function_associations:
    description:
      - The CloudFront Functions run on the cache behaviors (their LIVE stage; publish them first with
        M(meridian.global_infra.cloudfront_function)). At most one function per event type on a behavior.
    type: list
    elements: dict
    default: []
    suboptions:
      behavior:
        description: V(default) (the load balancer's default behavior), V(static) (every O(static_paths) behavior) or
          V(api) (every O(api_paths) behavior).
        type: str
        required: true
        choices: [default, static, api]
      event_type:
        description: When the function runs.
        type: str
        required: true
        choices: [viewer-request, viewer-response]
      function_arn:
        description: The function's ARN.
        type: str
        required: true
  compare_function_associations:
    description:
      - Compare the function associations read back with O(function_associations). V(false) leaves them out of the
        comparison and of the diff, for a backend that does not keep them (the local emulator, moto 5.2.5, reports
        none); they are still sent whenever the distribution is created or updated. On CloudFront keep V(true), so
        that a lost or changed association is drift.
    type: bool
    default: true
  tags:
    description: Tags of the distribution. Omitted, existing tags are kept.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags). Ignored when O(tags) is omitted.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Computes and reports the plan (create, update, tags) and the drifting settings without changing anything.
  diff_mode:
    support: full
    description: The managed settings and tags before and after, keys sorted.
notes:
  - CloudFront is global; its API is called in us-east-1 whatever O(region) says.
  - CloudFront refuses a function association naming a function that was never published to LIVE.
  - The static bucket needs a policy that lets C(cloudfront.amazonaws.com) read its objects on behalf of this
    distribution (the C(cloudfront_bucket_policy) filter builds it from the returned ARN).
  - An origin field the read-back leaves out is not compared (moto 5.2.5 reports neither C(S3OriginConfig) nor
    C(OriginAccessControlId)); CloudFront reports both, so there a lost origin access control is drift.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: meridian.global_infra.cloudfront_origin_access_control
    description: Creates the origin access control the static origin uses.
  - module: community.aws.cloudfront_distribution
    description: A general distribution module (removes distributions; knows neither origin access control nor the 2025 policies).
  - name: Regional stack on AWS guide
    description: The CDN part of the regional stack (certificate, origin access control, bucket policy).
    link: https://github.com/meridian/global_infra/blob/main/docs/aws.md
"""

EXAMPLES = r"""
- name: Sign the requests to the static bucket
  meridian.global_infra.cloudfront_origin_access_control:
    name: meridian-prod-us-east-1-static
  register: oac

- name: Put CloudFront in front of the region
  meridian.global_infra.cloudfront_region_distribution:
    name: meridian-prod-us-east-1
    origin_domain_name: meridian-prod-us-east-1-123456789.us-east-1.elb.amazonaws.com
    static_bucket: meridian-prod-static-us-east-1
    static_bucket_region: us-east-1
    static_paths: ["/static/*", "/assets/*"]
    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/1f0e5e6a-1111-2222-3333-444455556666
    aliases: [cdn-us-east-1.meridian.example]
    origin_access_control_id: "{{ oac.origin_access_control.id }}"
    function_associations:
      - behavior: default
        event_type: viewer-response
        function_arn: arn:aws:cloudfront::123456789012:function/meridian-prod-us-east-1-security_headers
    tags:
      meridian:env: prod
  register: distribution

- name: Let the distribution, and it alone, read the static bucket
  amazon.aws.s3_bucket:
    name: meridian-prod-static-us-east-1
    policy: "{{ 'meridian-prod-static-us-east-1' | meridian.global_infra.cloudfront_bucket_policy(distribution.distribution.arn) }}"
"""

RETURN = r"""
distribution:
  description: The distribution after the run; in check mode before its creation, the planned one without id.
  returned: always
  type: dict
  contains:
    id:
      description: Its id (empty when only planned).
      type: str
      sample: E1ABCDEF2GHIJK
    arn:
      description: Its ARN (empty when only planned).
      type: str
      sample: arn:aws:cloudfront::123456789012:distribution/E1ABCDEF2GHIJK
    domain_name:
      description: Its CloudFront domain name, the target of the aliases' DNS records.
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description: C(InProgress) while a change is deployed, then C(Deployed).
      type: str
action:
  description: What was done (or would be in check mode).
  returned: always
  type: str
  sample: update
  choices: [none, create, update, tags]
drift:
  description: The managed settings that differed (all of them on creation).
  returned: always
  type: list
  elements: str
  sample: [certificate, origins]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import (
    CdnPlanError,
    cloudfront_settings,
    distribution_plan,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront import CloudFrontClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error

# The role's variable behind each option, so that a refusal names what the operator sets.
_FIELDS = {"cdn_minimum_protocol_version": "minimum_protocol_version", "cdn_acm_certificate_arn": "certificate_arn",
           "cdn_aliases": "aliases", "cdn_origin_address": "origin_domain_name", "cdn_static_bucket": "static_bucket"}


def _settings(params):
    try:
        settings = cloudfront_settings(
            params["name"], params["origin_domain_name"], params["static_bucket"], params["static_bucket_region"],
            params["static_paths"], params["api_paths"], params["static_ttl"], params["certificate_arn"],
            params["aliases"], params["minimum_protocol_version"], params["price_class"], "https-only",
            params["tags"], params["origin_access_control_id"], params["function_associations"])
    except CdnPlanError as err:
        raise CdnPlanError(_FIELDS.get(err.field, err.field), err.message)
    if params["tags"] is None:
        settings["tags"] = None
    return settings


def _view(distribution):
    distribution = distribution or {}
    return {"id": distribution.get("Id", ""), "arn": distribution.get("ARN", ""),
            "domain_name": distribution.get("DomainName", ""), "status": distribution.get("Status", "")}


def run(module, client):
    p = module.params
    settings = _settings(p)
    found = client.find_distribution(p["name"])
    if len(found) > 1:
        raise CdnPlanError("name", "%d distributions have the comment %r (%s); remove the extra ones"
                           % (len(found), p["name"], ", ".join(sorted(d["Id"] for d in found))))
    summary = found[0] if found else None
    current, current_tags = None, {}
    if summary:
        current = dict(summary, **client.distribution_config(summary["Id"]))
        current_tags = client.tags(summary["ARN"])
    plan = distribution_plan(current, current_tags, settings, p["purge_tags"], p["compare_function_associations"])
    distribution = summary
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "create":
            distribution = client.create_distribution(plan["request"], settings["tags"])
        else:
            if plan["action"] == "update":
                distribution = client.update_distribution(summary["Id"], plan["request"], current["ETag"])
            if plan["unset_tags"]:
                client.unset_tags(summary["ARN"], plan["unset_tags"])
            if plan["set_tags"]:
                client.set_tags(summary["ARN"], plan["set_tags"])
    result = {"changed": plan["changed"], "action": plan["action"], "drift": plan["drift"],
              "distribution": _view(distribution)}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            origin_domain_name=dict(type="str", required=True),
            static_bucket=dict(type="str", required=True),
            static_bucket_region=dict(type="str", required=True),
            static_paths=dict(type="list", elements="str", default=["/static/*"]),
            api_paths=dict(type="list", elements="str", default=["/api/*"]),
            static_ttl=dict(type="int", default=86400),
            certificate_arn=dict(type="str", required=True),
            aliases=dict(type="list", elements="str", required=True),
            minimum_protocol_version=dict(type="str", default="TLSv1.3_2025", choices=["TLSv1.3_2025", "TLSv1.2_2025"]),
            price_class=dict(type="str", default="PriceClass_100", choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"]),
            origin_access_control_id=dict(type="str", required=True),
            function_associations=dict(type="list", elements="dict", default=[], options=dict(
                behavior=dict(type="str", required=True, choices=["default", "static", "api"]),
                event_type=dict(type="str", required=True, choices=["viewer-request", "viewer-response"]),
                function_arn=dict(type="str", required=True),
            )),
            compare_function_associations=dict(type="bool", default=True),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        _settings(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, CloudFrontClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
