#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudfront_function
short_description: Ensure a CloudFront Function exists, tested and published, or is absent
version_added: 0.2.0
description:
  - Ensures one CloudFront Function (viewer request or viewer response code run at the edge), identified by its
    name, with its code, runtime, comment and KeyValueStore association.
  - Before any API call the code goes through the collection's runtime check (size over 10 KB, network,
    filesystem, modules and functions the runtime lacks, the handler's shape); a refusal fails naming the line
    and the rule. Every other option is validated before any call too, naming the option.
  - Idempotent by content hash, the SHA-256 of the code and the configuration, compared with the function's
    DEVELOPMENT stage and, with O(publish), its LIVE stage. Only a difference updates or publishes.
  - With O(publish), the function is tested on CloudFront (C(TestFunction)) with each of O(test_events) that does
    not state a store content (C(kvs)) before it is published to LIVE; a failing test (an error, or an output that
    does not match its C(expect) / C(expect_absent)) refuses the publication and fails, naming the tests. The
    DEVELOPMENT stage then holds the new code, LIVE keeps the old.
  - Distributions run the LIVE stage; RV(function.arn) is what a cache behavior's function association names.
author:
  - Meridian platform engineering (@meridian)
options:
  state:
    description: V(present) creates, updates and publishes the function; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The function's name, unique in the account (1 to 64 letters, digits, hyphens, underscores).
    type: str
    required: true
  code:
    description:
      - The function's JavaScript source (a role passes C(lookup('file', ...))). At most 10,240 bytes.
      - Required with O(state=present).
    type: str
  runtime:
    description: The JavaScript runtime; a KeyValueStore needs V(cloudfront-js-2.0).
    type: str
    choices: [cloudfront-js-1.0, cloudfront-js-2.0]
    default: cloudfront-js-2.0
  comment:
    description: The function's comment (at most 128 characters).
    type: str
    default: ""
  key_value_store_arns:
    description: The KeyValueStore the function reads (at most one), by ARN.
    type: list
    elements: str
    default: []
  test_events:
    description:
      - The function's tests (the parsed C(<name>.tests.yml) beside its code), a list of
        C({name, event, expect, expect_absent, kvs}); C(event) is a CloudFront event object (version 1.0).
      - Run with C(TestFunction) before publishing. A test that states C(kvs) depends on the store's content and
        is run locally only (the njs harness); it is reported as skipped here.
    type: list
    elements: dict
    default: []
  publish:
    description:
      - Test and publish the function to LIVE whenever LIVE differs from the wanted content.
      - V(false) keeps the function in DEVELOPMENT (a distribution cannot use it yet).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Computes and reports the plan (create, update, publish, delete) and the diff without changing anything.
  diff_mode:
    support: full
    description: The configuration and content hashes before and after, and a line diff of the code.
notes:
  - CloudFront is global; its API is called in us-east-1 whatever O(region) says.
  - CloudFront refuses to delete a function a distribution still uses; remove the association (or the
    distribution) first.
  - 'IAM actions: C(cloudfront:DescribeFunction), C(cloudfront:GetFunction), C(cloudfront:CreateFunction),
    C(cloudfront:UpdateFunction), C(cloudfront:TestFunction), C(cloudfront:PublishFunction),
    C(cloudfront:DeleteFunction), and C(sts:GetCallerIdentity) in check mode for a function not yet created.'
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: meridian.global_infra.cloudfront_key_value_store
    description: The store a function reads.
  - module: meridian.global_infra.cloudfront_region_distribution
    description: Associates published functions with the distribution's cache behaviors.
  - name: Edge functions guide
    description: The shipped functions, how to write and test one.
    link: https://github.com/meridian/global_infra/blob/main/docs/edge.md
"""

EXAMPLES = r"""
- name: Publish the security headers function, tested on CloudFront first
  meridian.global_infra.cloudfront_function:
    name: meridian-prod-us-east-1-security_headers
    code: "{{ lookup('ansible.builtin.file', 'edge_functions/security_headers.js') }}"
    comment: HSTS, CSP, frame and content-type options
    test_events: "{{ lookup('ansible.builtin.file', 'edge_functions/security_headers.tests.yml') | from_yaml }}"
  register: headers

- name: A function reading a KeyValueStore
  meridian.global_infra.cloudfront_function:
    name: meridian-prod-us-east-1-residency_routing
    code: "{{ lookup('ansible.builtin.file', 'edge_functions/residency_routing.js') }}"
    key_value_store_arns: ["{{ store.key_value_store.arn }}"]

- name: Remove the function (after the distribution's association)
  meridian.global_infra.cloudfront_function:
    name: meridian-prod-us-east-1-security_headers
    state: absent
"""

RETURN = r"""
function:
  description: The function after the run (empty when absent); in check mode, the planned one.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    arn:
      description: Its ARN, the one a function association names (distributions run its LIVE stage).
      type: str
      sample: arn:aws:cloudfront::123456789012:function/meridian-prod-us-east-1-security_headers
    runtime:
      description: cloudfront-js-1.0 or cloudfront-js-2.0.
      type: str
    comment:
      description: Its comment.
      type: str
    key_value_store_arns:
      description: The KeyValueStore it reads.
      type: list
      elements: str
    sha256:
      description: SHA-256 of the wanted code and configuration.
      type: str
    development_sha256:
      description: The same hash of the DEVELOPMENT stage after the run.
      type: str
    live_sha256:
      description: The same hash of the LIVE stage after the run (null when never published).
      type: str
    published:
      description: Whether LIVE holds the wanted content after the run.
      type: bool
action:
  description: What was done (or would be in check mode).
  returned: always
  type: str
  sample: update
  choices: [none, create, update, publish, delete]
tests:
  description: The tests run on CloudFront before publishing (none when nothing was published).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The test's name.
      type: str
    passed:
      description: Whether it passed.
      type: bool
    problems:
      description: The mismatches or the function's error.
      type: list
      elements: str
tests_skipped:
  description: The tests that state a store content (C(kvs)) and so run locally only.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.edge import (
    EdgePlanError,
    failed_tests_message,
    function_config,
    function_plan,
    test_event_blob,
    test_verdict,
    validate_name,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront_edge import CloudFrontEdgeClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.edge.expectations import (
    function_output,
    mismatches,
    runnable_by_testfunction,
    validate_tests,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.edge.runtime_check import check_code, format_findings


def validate(params):
    """Every option checked, the code through the runtime check; returns (config, tests)."""
    validate_name(params["name"])
    if params["state"] == "absent":
        return None, []
    code = params["code"]
    if not code:
        raise EdgePlanError("code", "is empty: give the function's source (lookup('ansible.builtin.file', ...))")
    refused = check_code(code, params["runtime"])
    if refused:
        raise EdgePlanError("code", "the CloudFront runtime refuses %s: %s"
                            % (params["name"], "; ".join(format_findings(refused, params["name"]))))
    config = function_config(params["comment"], params["runtime"], params["key_value_store_arns"])
    tests = validate_tests(params["test_events"], field="test_events") if params["test_events"] else []
    return config, tests


def _planned_arn(module, name):
    """The ARN a function not yet created will have (check mode): the account from STS."""
    sts = retry.retrying_client(module, "sts")
    try:
        identity = sts.get_caller_identity(aws_retry=True)
    except Exception:  # an estimate for the plan only; the association is compared again after the run
        return ""
    partition = identity.get("Arn", "arn:aws:").split(":")[1] or "aws"
    return "arn:%s:cloudfront::%s:function/%s" % (partition, identity.get("Account"), name)


def run(module, client):
    p = module.params
    config, tests = validate(p)
    name = p["name"]
    code = (p["code"] or "").encode("utf-8")
    development = client.function(name, "DEVELOPMENT")
    live = client.function(name, "LIVE") if development else None
    plan = function_plan(name, code, config, development, live, p["state"], p["publish"])
    run_tests = runnable_by_testfunction(tests)
    skipped = [t["name"] for t in tests if t not in run_tests]
    verdicts = []
    arn = (development or {}).get("arn") or ""
    live_hash = plan["live_sha256"]
    dev_hash = plan["development_sha256"]
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "delete":
            client.delete_function(name, development["etag"])
        else:
            etag = (development or {}).get("etag")
            if plan["action"] == "create":
                created = client.create_function(name, config, code)
                etag = created["etag"]
                arn = ((created["summary"].get("FunctionMetadata") or {}).get("FunctionARN")) or arn
            elif plan["update"]:
                etag = client.update_function(name, etag, config, code)["etag"]
            dev_hash = plan["sha256"]
            if plan["publish"]:
                for test in run_tests:
                    result = client.test_function(name, etag, test_event_blob(test))
                    verdicts.append(test_verdict(test, result, mismatches, function_output))
                if any(not v["passed"] for v in verdicts):
                    raise EdgePlanError("test_events", failed_tests_message(name, verdicts))
                client.publish_function(name, etag)
                live_hash = plan["sha256"]
    elif plan["changed"]:
        if plan["action"] != "delete":
            dev_hash = plan["sha256"]
            if plan["publish"]:
                live_hash = plan["sha256"]
        if plan["action"] == "create":
            arn = _planned_arn(module, name)
    function = {}
    if p["state"] == "present":
        function = {"name": name, "arn": arn, "runtime": p["runtime"], "comment": p["comment"],
                    "key_value_store_arns": list(p["key_value_store_arns"]), "sha256": plan["sha256"],
                    "development_sha256": dev_hash, "live_sha256": live_hash, "published": live_hash == plan["sha256"]}
    result = {"changed": plan["changed"], "action": plan["action"], "function": function,
              "tests": verdicts, "tests_skipped": skipped}
    if module._diff:
        result["diff"] = plan["diff"]
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            name=dict(type="str", required=True),
            code=dict(type="str"),
            runtime=dict(type="str", default="cloudfront-js-2.0", choices=["cloudfront-js-1.0", "cloudfront-js-2.0"]),
            comment=dict(type="str", default=""),
            key_value_store_arns=dict(type="list", elements="str", default=[], no_log=False),
            test_events=dict(type="list", elements="dict", default=[]),
            publish=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["code"])],
        supports_check_mode=True,
    )
    try:
        validate(module.params)  # every option checked, the code through the runtime check, before any call
        module.exit_json(**run(module, CloudFrontEdgeClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
