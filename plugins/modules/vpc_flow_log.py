#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vpc_flow_log
short_description: Ensure a VPC flow log to CloudWatch Logs or S3 exists or is absent
version_added: 0.1.0
description:
  - Ensures one flow log of a VPC (or subnet, or network interface) to one destination, either a
    CloudWatch Logs group written through an IAM role or an S3 bucket.
  - A flow log is identified by its resource and its destination, the pair EC2 keeps unique. Its
    traffic type, log format, aggregation interval and delivery role cannot be changed in place, so a
    difference there replaces the flow log (delete, then create); tags are updated in place.
  - Every option is validated before any API call; an invalid one fails naming the option.
  - Every EC2 call is retried with jittered exponential backoff on throttling (C(RequestLimitExceeded))
    and transient server errors, the flow-log listing as a whole; the create sends a client token, so a
    retried create cannot make a second flow log. Other errors (C(UnauthorizedOperation), ...) fail at
    once with the operation, the AWS error code and the fix.
author:
  - Meridian platform engineering (@meridian)
options:
  state:
    description: V(present) creates or updates the flow log; V(absent) deletes the flow log of this resource and destination.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description: The VPC (C(vpc-...)), subnet (C(subnet-...)) or network interface (C(eni-...)) whose traffic is logged.
    type: str
    required: true
  resource_type:
    description: The kind of resource of O(resource_id).
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  destination_type:
    description: Where the records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description:
      - The CloudWatch Logs group (O(destination_type=cloud-watch-logs)). Create it first, with its
        retention, for example with M(amazon.aws.cloudwatchlogs_log_group).
    type: str
  deliver_logs_role_arn:
    description:
      - The IAM role that C(vpc-flow-logs.amazonaws.com) assumes to write to the log group; required for
        O(destination_type=cloud-watch-logs) with O(state=present), not allowed for S3.
    type: str
  s3_bucket_arn:
    description:
      - The bucket, optionally with a key prefix, for O(destination_type=s3), for example
        V(arn:aws:s3:::my-flow-logs/vpc/). A trailing C(/) is not significant.
    type: str
  traffic_type:
    description: Which traffic is recorded.
    type: str
    choices: [ACCEPT, ALL, REJECT]
    default: ALL
  log_format:
    description:
      - The record fields, as C(${field}) names separated by spaces. Omitted, the default format of
        EC2 (the version 2 fields) is used and compared.
    type: str
  max_aggregation_interval:
    description: The longest interval, in seconds, over which a flow is aggregated into one record.
    type: int
    choices: [60, 600]
    default: 600
  tags:
    description:
      - Tags of the flow log. Omitted, existing tags are kept (and copied to a replacement).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are not in O(tags). Ignored when O(tags) is omitted.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Computes and reports the plan (create, replace, tags, delete) without changing anything.
  diff_mode:
    support: full
    description: The flow log's settings and tags before and after, keys sorted.
notes:
  - EC2 refuses a second flow log with the same resource and destination; several destinations per
    resource are several flow logs, each managed by its own task.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: amazon.aws.ec2_vpc_net
    description: Creates the VPC whose traffic the flow log records.
  - module: amazon.aws.cloudwatchlogs_log_group
    description: Creates the CloudWatch Logs group a flow log can write to.
  - name: Regional stack on AWS guide
    description: The guide to the regional stack on AWS (the network role and its flow logs).
    link: https://github.com/meridian/global_infra/blob/main/docs/aws.md
"""

EXAMPLES = r"""
- name: Create the log group with its retention
  amazon.aws.cloudwatchlogs_log_group:
    log_group_name: /meridian/prod/vpc-flow-logs
    retention: 90

- name: Record all traffic of the VPC into CloudWatch Logs
  meridian.global_infra.vpc_flow_log:
    resource_id: "{{ vpc.vpc.id }}"
    log_group_name: /meridian/prod/vpc-flow-logs
    deliver_logs_role_arn: arn:aws:iam::123456789012:role/meridian-prod-flow-logs
    traffic_type: ALL
    max_aggregation_interval: 60
    tags:
      meridian:managed-by: meridian.global_infra

- name: Record rejected traffic into an S3 bucket with a custom format
  meridian.global_infra.vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    destination_type: s3
    s3_bucket_arn: arn:aws:s3:::meridian-prod-logs-eu-west-1/vpc/
    traffic_type: REJECT
    log_format: "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action}"

- name: Remove the CloudWatch Logs flow log of the VPC
  meridian.global_infra.vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /meridian/prod/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log after the run (empty when absent); in check mode, the planned one.
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The flow log's id (null when it is only planned).
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The logged resource.
      type: str
    resource_type:
      description: VPC, Subnet or NetworkInterface.
      type: str
    destination_type:
      description: cloud-watch-logs or s3.
      type: str
    destination:
      description: The log group name or the S3 bucket ARN.
      type: str
    deliver_logs_role_arn:
      description: The delivery role (CloudWatch Logs), or null.
      type: str
    traffic_type:
      description: ACCEPT, ALL or REJECT.
      type: str
    log_format:
      description: The record format.
      type: str
    max_aggregation_interval:
      description: Seconds.
      type: int
    tags:
      description: Tags of the flow log.
      type: dict
action:
  description: What was done (or would be in check mode).
  returned: always
  type: str
  sample: create
  choices: [none, create, replace, tags, delete, delete_duplicates]
differences:
  description: The settings that forced a replacement.
  returned: always
  type: list
  elements: str
  sample: [traffic_type]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.flow_log import (
    FlowLogError,
    create_flow_logs_request,
    desired_flow_log,
    flow_log_plan,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.ec2_flow_logs import FlowLogClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def _act(client, plan):
    """Carry out the plan; returns the id of the flow log that holds the settings."""
    if plan["delete_ids"]:
        client.delete(plan["delete_ids"])
    flow_log_id = plan["flow_log_id"]
    if plan["create"] is not None:
        response = client.create(create_flow_logs_request(plan["create"]))
        if response.get("Unsuccessful"):
            failure = response["Unsuccessful"][0].get("Error", {})
            field = "s3_bucket_arn" if plan["create"]["destination_type"] == "s3" else "resource_id"
            raise FlowLogError(field, "EC2 did not create the flow log: %s %s"
                               % (failure.get("Code", ""), failure.get("Message", "")))
        flow_log_id = response["FlowLogIds"][0]
    if plan["unset_tags"]:
        client.unset_tags(flow_log_id, plan["unset_tags"])
    if plan["set_tags"]:
        client.set_tags(flow_log_id, plan["set_tags"])
    return flow_log_id


def run(module, client):
    p = module.params
    desired = desired_flow_log(p)
    plan = flow_log_plan(client.describe(desired["resource_id"]), desired, p["state"], p["purge_tags"])
    flow_log_id = plan["flow_log_id"]
    if plan["changed"] and not module.check_mode:
        flow_log_id = _act(client, plan)
    flow_log = dict(plan["after"])
    if flow_log:
        flow_log["flow_log_id"] = flow_log_id
    result = {"changed": plan["changed"], "action": plan["action"], "differences": plan["differences"],
              "flow_log": dict(sorted(flow_log.items()))}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            resource_id=dict(type="str", required=True),
            resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
            destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
            log_group_name=dict(type="str"),
            deliver_logs_role_arn=dict(type="str"),
            s3_bucket_arn=dict(type="str"),
            traffic_type=dict(type="str", default="ALL", choices=["ACCEPT", "ALL", "REJECT"]),
            log_format=dict(type="str"),
            max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        desired_flow_log(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, FlowLogClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
