#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: compliance_check
short_description: Judge the live estate against the compliance policy (read-only)
version_added: 0.2.0
description:
  - Reads the estate's resources in every region of O(regions) through the AWS APIs (VPCs carrying the
    estate's O(tags) and the security groups, instances and volumes in them, launch templates, buckets,
    database instances and CloudFront distributions carrying the tags) and judges each with the enabled
    rules. Rules are named after the AWS Config managed rules they mirror (C(restricted-ssh),
    C(ec2-imdsv2-check), C(encrypted-volumes), C(s3-bucket-public-read-prohibited), ...), plus
    C(data-residency) (bucket replication and database read replicas judged by the residency policy region
    selection uses) and C(suppression-expired).
  - Returns every finding (rule, resource id, region, provider, field, expected and actual values,
    severity, why, how to fix, a stable fingerprint) and every resource it checked. With O(report_dir) it
    also writes the reports (JSON, JUnit XML, SARIF 2.1.0, Markdown, OCSF) there.
  - Policy as data; O(rules) turns rules off (with a reason), changes severities and parameters;
    O(suppressions) hides a finding of one rule for one resource until a date, with a reason. An expired
    suppression hides nothing and is itself a finding.
  - It never changes anything in the estate; every option is validated before any API call.
author:
  - Meridian platform engineering (@meridian)
options:
  regions:
    description: The regions to scan (the estate's regions). Buckets and CloudFront are account-wide.
    type: list
    elements: str
    required: true
  tags:
    description: The estate's tags (C(meridian_tags)); a resource is the estate's when it carries all of them.
    type: dict
    required: true
  rules:
    description:
      - Per rule id, C(enabled) (bool), C(severity) (critical, high, medium, low, info), C(params) (the rule's
        parameters) and C(reason) (required when C(enabled) is false). Rules left out keep their defaults.
    type: dict
    default: {}
  suppressions:
    description:
      - Exceptions, each C(rule), C(resource) (a resource id or name; shell-style wildcards allowed),
        C(reason) and C(expires) (YYYY-MM-DD, the last day it applies). All four are required.
    type: list
    elements: dict
    default: []
  data_classes:
    description:
      - Resource id -> residency data class, for resources whose class is not in a C(meridian:data-class) tag
        (the database; its read replica inherits the primary's class).
    type: dict
    default: {}
  residency:
    description:
      - The residency policy, its overrides and the regions' countries, as the
        P(meridian.global_infra.compliance_residency#filter) filter returns them. Required for the
        C(data-residency) rule when the module runs where the collection's data files are not readable (any
        normal module run); leave it out in tests on the controller.
    type: dict
  today:
    description: The date suppressions are judged on, C(YYYY-MM-DD) in UTC; default today.
    type: str
  include_global:
    description: Also read the account's buckets and CloudFront distributions.
    type: bool
    default: true
  report_dir:
    description:
      - A directory to write the reports into (C(findings.json), C(junit.xml), C(results.sarif), C(summary.md),
        C(ocsf.json)); created when missing. Written in check mode too (they are output, not estate state).
    type: path
  tool:
    description: The producer's name in the reports.
    type: str
    default: meridian-compliance
attributes:
  check_mode:
    support: full
    description: The module changes nothing in either mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no difference to show; the findings are the result.
notes:
  - CloudFront is read in us-east-1; buckets are listed once and read in their own region.
  - The IAM actions it calls are listed in the compliance guide (docs/compliance.md).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - name: Compliance guide
    description: The rules, the policy data, suppressions and the reports.
    link: https://github.com/meridian/global_infra/blob/main/docs/compliance.md
"""

EXAMPLES = r"""
- name: Judge the estate and write the reports
  meridian.global_infra.compliance_check:
    regions: [us-east-1, eu-west-1]
    tags: "{{ meridian_tags }}"
    rules:
      rds-instance-deletion-protection-enabled:
        enabled: false
        reason: Test databases are deleted with the environment
    suppressions:
      - rule: restricted-ssh
        resource: sg-0123456789abcdef0
        reason: Vendor appliance, replaced in INC-1234
        expires: "2026-12-31"
    data_classes:
      meridian-prod-db: pii
    residency: "{{ meridian_residency | default({}) | meridian.global_infra.compliance_residency }}"
    report_dir: "{{ playbook_dir }}/../.state/compliance"
  register: compliance
"""

RETURN = r"""
findings:
  description: What breaks the policy, sorted by region, resource type, resource and rule.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Always C(compliance).
      type: str
    rule:
      description: The rule id.
      type: str
      sample: restricted-ssh
    resource_id:
      description: The resource (security group id, bucket name, ...; C(<rule>/<resource>) for an expired suppression).
      type: str
    resource_type:
      description: Its CloudFormation type name.
      type: str
      sample: AWS::EC2::SecurityGroup
    region:
      description: Its region (C(global) for CloudFront).
      type: str
    provider:
      description: C(aws) (C(meridian) for an expired suppression).
      type: str
    field:
      description: What is wrong.
      type: str
      sample: ingress.tcp/22-22/0.0.0.0/0
    expected:
      description: What the rule wants.
      type: raw
    actual:
      description: What the estate has.
      type: raw
    severity:
      description: critical, high, medium, low or info.
      type: str
    message:
      description: Why it is a finding.
      type: str
    remediation:
      description: How to fix it.
      type: str
    fingerprint:
      description: SHA-256 of kind, rule, provider, region, resource id and field; the same finding keeps it.
      type: str
suppressed:
  description: The findings a suppression in force hides, each with C(suppression) (resource, reason, expires).
  returned: always
  type: list
  elements: dict
checked_resources:
  description: Every resource judged (resource_id, resource_type, region, provider).
  returned: always
  type: list
  elements: dict
rules:
  description: Every rule with its AWS Config identifier, whether it is enabled, its severity and the reason it is off.
  returned: always
  type: list
  elements: dict
reports:
  description: Format -> path of the reports written (empty without O(report_dir)).
  returned: always
  type: dict
summary:
  description: Counts of findings, suppressed findings and checked resources.
  returned: always
  type: dict
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.compliance import ComplianceReader
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.teardown import carries_tags
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import resources as resources_mod
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import rules as rules_mod
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance import suppressions as suppressions_mod
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.residency import build_judge
from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.scan import scan
from ansible_collections.meridian.global_infra.plugins.module_utils.reports import write_reports


def prepare(params):
    """Every option checked and resolved before any API call: ``(policy, suppressions, today, context)``."""
    regions = [str(r).strip() for r in params["regions"] or [] if str(r).strip()]
    if not regions:
        raise MeridianError("regions", "give at least one region to scan (the estate's meridian_region values)")
    tags = dict((str(k), str(v)) for k, v in (params["tags"] or {}).items())
    if not tags:
        raise MeridianError("tags", "give the estate's tags (meridian_tags): without them every resource of the "
                                    "account would be judged as the estate's")
    policy = rules_mod.resolve_policy(params["rules"], field="rules")
    suppressions = suppressions_mod.validate(params["suppressions"], rules_mod.RULES_BY_ID, field="suppressions")
    today = (suppressions_mod.parse_date(params["today"], "today") if params.get("today")
             else datetime.datetime.now(datetime.timezone.utc).date())
    data_classes = dict((str(k), str(v)) for k, v in (params["data_classes"] or {}).items())
    context = {"tags": tags, "data_classes": data_classes, "regions": regions}
    if policy["data-residency"]["enabled"]:
        try:
            context["judge"], classes = build_judge(params.get("residency"), field="residency")
        except (IOError, OSError) as err:
            raise MeridianError("residency", "the residency policy could not be read here (%s); pass "
                                             "residency: \"{{ meridian_residency | default({}) | "
                                             "meridian.global_infra.compliance_residency }}\"" % err)
        for name, cls in sorted(data_classes.items()):
            if cls not in classes:
                raise MeridianError("data_classes.%s" % name, "unknown data class %r; use one of %s"
                                    % (cls, ", ".join(classes)))
    return policy, suppressions, today, context


def read_estate(reader, context, include_global):
    tags = context["tags"]
    regional = [reader.region_snapshot(region, tags) for region in context["regions"]]
    buckets, distributions = [], []
    if include_global:
        buckets, context["bucket_regions"] = reader.buckets(context["regions"][0],
                                                            lambda t: carries_tags({"tags": t}, tags))
        distributions = reader.distributions()
    return resources_mod.estate_resources(regional, buckets, distributions, tags)


def run(params, reader):
    policy, suppressions, today, context = prepare(params)
    found = read_estate(reader, context, params["include_global"])
    result = scan(found, policy, suppressions, today, context)
    reports = {}
    if params.get("report_dir"):
        reports = write_reports(result["findings"], params["report_dir"], params["tool"],
                                checked_resources=result["checked_resources"])
    result.update(changed=False, reports=reports, summary={
        "findings": len(result["findings"]), "suppressed": len(result["suppressed"]),
        "resources": len(result["checked_resources"]), "today": today.isoformat()})
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            regions=dict(type="list", elements="str", required=True),
            tags=dict(type="dict", required=True),
            rules=dict(type="dict", default={}),
            suppressions=dict(type="list", elements="dict", default=[]),
            data_classes=dict(type="dict", default={}),
            residency=dict(type="dict"),
            today=dict(type="str"),
            include_global=dict(type="bool", default=True),
            report_dir=dict(type="path"),
            tool=dict(type="str", default="meridian-compliance"),
        ),
        supports_check_mode=True,
    )
    try:
        prepare(module.params)  # every option checked before a client is built
        reader = ComplianceReader(lambda service, region: retry.retrying_client(module, service, region=region))
        module.exit_json(**run(module.params, reader))
    except MeridianError as err:
        fail_on_error(module, err, note="nothing was changed")


if __name__ == "__main__":
    main()
