#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: scaling_target
short_description: Apply a capacity decision to an AWS Auto Scaling group
version_added: 0.1.0
description:
  - Applies one decision returned by M(meridian.global_infra.capacity_forecast) to an EC2 Auto Scaling group.
  - Sets the group's desired capacity (and, by default, its minimum and maximum size) to the decision.
  - Turns the decision's forecast schedule into one-time scheduled actions, named deterministically
    from O(scheduled_action_prefix) and the step's UTC time, so that capacity follows the forecast
    between runs.
  - Optionally keeps a native EC2 Auto Scaling C(PredictiveScaling) policy in place next to it.
  - Refuses, changing nothing, when the decision could not be computed (C(ok=false)), and validates
    C(min <= desired <= max) for the capacity and every schedule step before any API call.
  - The planning code is provider-neutral (C(scaling_plan) module utils); this module is its EC2 Auto Scaling provider.
author:
  - Meridian platform engineering (@meridian)
options:
  provider:
    description:
      - The kind of scaling target, the provider the plan is applied through.
      - V(aws_asg), an EC2 Auto Scaling group, is the only kind so far.
    type: str
    choices: [aws_asg]
    default: aws_asg
  name:
    description:
      - Name of the Auto Scaling group (the service catalogue's C(target_name)).
    type: str
    required: true
    aliases: [group_name]
  decision:
    description:
      - One item of the C(decisions) list returned by M(meridian.global_infra.capacity_forecast).
      - Keys used are C(ok), C(service), C(action), C(target_capacity), C(min_capacity), C(max_capacity),
        C(time_to_execute) and C(schedule) (a list of C(time), C(capacity)).
    type: dict
    required: true
  capacity_mode:
    description:
      - V(desired) sets the group's desired capacity to the decision and its bounds to the decision's min/max.
      - V(floor) also raises the group's minimum to the decision, so reactive policies may add capacity
        on top of the forecast but never remove it.
    type: str
    choices: [desired, floor]
    default: desired
  manage_bounds:
    description:
      - Set MinSize and MaxSize to the decision's C(min_capacity) and C(max_capacity).
      - When false the group's bounds stay and the decision must fit inside them.
    type: bool
    default: true
  scheduled_actions:
    description: Create one-time scheduled actions for the steps of the forecast schedule where capacity changes.
    type: bool
    default: true
  scheduled_action_prefix:
    description:
      - Prefix of the scheduled actions this module manages (C(<prefix>-YYYYmmddTHHMMSSZ)).
      - Scheduled actions with other names are never touched.
    type: str
    default: meridian-forecast
  max_scheduled_actions:
    description: At most this many scheduled steps are kept (EC2 Auto Scaling allows 125 per group).
    type: int
    default: 24
  min_lead_time:
    description: Schedule steps that start sooner than this many seconds from now are skipped.
    type: int
    default: 120
  purge_scheduled_actions:
    description:
      - Delete managed scheduled actions (those with O(scheduled_action_prefix)) that the decision no longer contains.
      - When false they are left in place; EC2 Auto Scaling removes one-time actions after they run.
    type: bool
    default: false
  predictive_policy:
    description:
      - A native EC2 Auto Scaling C(PredictiveScaling) policy to keep in place next to the forecast.
      - Omit to leave any existing policy alone.
    type: dict
    suboptions:
      state:
        description: V(absent) deletes the policy called O(predictive_policy.name).
        type: str
        choices: [present, absent]
        default: present
      name:
        description: Policy name.
        type: str
        default: meridian-predictive
      metric_type:
        description: The predefined metric pair the policy forecasts.
        type: str
        choices: [ASGCPUUtilization, ASGNetworkIn, ASGNetworkOut, ALBRequestCount]
        default: ASGCPUUtilization
      target_value:
        description: The metric's target per instance (for example V(50) for 50 % CPU). Required when O(predictive_policy.state=present).
        type: float
      resource_label:
        description: The target group resource label, required for V(ALBRequestCount).
        type: str
      mode:
        description: V(ForecastOnly) only forecasts; V(ForecastAndScale) also scales.
        type: str
        choices: [ForecastOnly, ForecastAndScale]
        default: ForecastOnly
      scheduling_buffer_time:
        description: Seconds ahead of the forecast time that instances are launched (0-3600).
        type: int
        default: 300
      max_capacity_breach_behavior:
        description: Whether the forecast may exceed the group's maximum size.
        type: str
        choices: [HonorMaxCapacity, IncreaseMaxCapacity]
        default: HonorMaxCapacity
      max_capacity_buffer:
        description: Percent above the forecast the maximum may grow to, with V(IncreaseMaxCapacity).
        type: int
        default: 10
attributes:
  check_mode:
    support: full
    description: Computes the plan and reports C(changed) without any write call.
  diff_mode:
    support: full
    description: Returns the group's bounds, desired capacity, managed scheduled actions and policy before and after, keys sorted.
notes:
  - Scheduled action times are UTC. Steps of the schedule whose capacity equals the previous step are not scheduled.
  - Idempotent for a given decision; a new decision moves the schedule, and O(purge_scheduled_actions=true) removes the steps it dropped.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Forecast the web service
  meridian.global_infra.capacity_forecast:
    prometheus_url: http://127.0.0.1:9190
    services:
      - name: web
        dimensions:
          - name: requests
            query: sum(rate(http_requests_total{service="web"}[5m]))
            unit_capacity: 120
            target_utilization: 0.7
        min_capacity: 2
        max_capacity: 20
  register: forecast

- name: Set the web group to the forecast and schedule the next steps
  meridian.global_infra.scaling_target:
    name: meridian-prod-web
    region: eu-west-1
    decision: "{{ forecast.decisions[0] }}"
    purge_scheduled_actions: true

- name: Keep the forecast as a floor under reactive scaling, with a native predictive policy alongside
  meridian.global_infra.scaling_target:
    name: meridian-prod-api
    region: us-east-1
    decision: "{{ forecast.decisions[1] }}"
    capacity_mode: floor
    predictive_policy:
      metric_type: ASGCPUUtilization
      target_value: 55
      mode: ForecastOnly
"""

RETURN = r"""
group:
  description: The group's capacity after the run (as planned in check mode).
  returned: always
  type: dict
  contains:
    name:
      description: Group name.
      type: str
      sample: meridian-prod-web
    min_size:
      description: Minimum size.
      type: int
      sample: 2
    max_size:
      description: Maximum size.
      type: int
      sample: 20
    desired_capacity:
      description: Desired capacity.
      type: int
      sample: 6
scheduled_actions:
  description: The managed scheduled actions after the run, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - name: meridian-forecast-20250131T120000Z
      start_time: "2025-01-31T12:00:00Z"
      desired_capacity: 8
predictive_policy:
  description: The PredictiveScaling configuration after the run (snake_case), or null.
  returned: always
  type: dict
  sample: {"mode": "ForecastOnly", "scheduling_buffer_time": 300}
operations:
  description: The Auto Scaling API calls made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: dict
  sample:
    - operation: update_auto_scaling_group
      arguments: {"AutoScalingGroupName": "meridian-prod-web", "MinSize": 2, "MaxSize": 20, "DesiredCapacity": 6}
stale_scheduled_actions:
  description: Managed scheduled actions that the decision no longer contains (deleted only with O(purge_scheduled_actions)).
  returned: always
  type: list
  elements: str
  sample: ["meridian-forecast-20250131T100000Z"]
decision:
  description: The part of the decision that was applied.
  returned: always
  type: dict
  sample: {"service": "web", "action": "scale_up", "target_capacity": 6}
"""

import datetime

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_autoscaling import (
    AutoScalingApiError,
    AutoScalingClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    desired_state,
    plan_changes,
    validate_decision,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.aws_asg import AWS_MAX_SCHEDULED_ACTIONS
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.providers.registry import provider

PREDICTIVE_POLICY_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    name=dict(type="str", default="meridian-predictive"),
    metric_type=dict(type="str", default="ASGCPUUtilization",
                     choices=["ASGCPUUtilization", "ASGNetworkIn", "ASGNetworkOut", "ALBRequestCount"]),
    target_value=dict(type="float"),
    resource_label=dict(type="str"),
    mode=dict(type="str", choices=["ForecastOnly", "ForecastAndScale"], default="ForecastOnly"),
    scheduling_buffer_time=dict(type="int", default=300),
    max_capacity_breach_behavior=dict(type="str", choices=["HonorMaxCapacity", "IncreaseMaxCapacity"],
                                      default="HonorMaxCapacity"),
    max_capacity_buffer=dict(type="int", default=10),
)

ARGUMENT_SPEC = dict(
    provider=dict(type="str", choices=["aws_asg"], default="aws_asg"),
    name=dict(type="str", required=True, aliases=["group_name"]),
    decision=dict(type="dict", required=True),
    capacity_mode=dict(type="str", choices=["desired", "floor"], default="desired"),
    manage_bounds=dict(type="bool", default=True),
    scheduled_actions=dict(type="bool", default=True),
    scheduled_action_prefix=dict(type="str", default="meridian-forecast"),
    max_scheduled_actions=dict(type="int", default=24),
    min_lead_time=dict(type="int", default=120),
    purge_scheduled_actions=dict(type="bool", default=False),
    predictive_policy=dict(type="dict", options=PREDICTIVE_POLICY_SPEC),
)


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def check_options(params):
    """Option checks argument_spec cannot express; raise ScalingPlanError naming the option."""
    prefix = params["scheduled_action_prefix"]
    if not prefix or len(prefix) > 200 or any(c.isspace() for c in prefix):
        raise ScalingPlanError("scheduled_action_prefix", "give a non-empty name prefix without spaces (at most 200 characters)")
    if not 0 <= params["max_scheduled_actions"] <= AWS_MAX_SCHEDULED_ACTIONS:
        raise ScalingPlanError("max_scheduled_actions", "must be 0..%d (the EC2 Auto Scaling limit per group)"
                               % AWS_MAX_SCHEDULED_ACTIONS)
    if params["min_lead_time"] < 0:
        raise ScalingPlanError("min_lead_time", "must be >= 0 seconds")


def _result(name, plan, operations, decision):
    after = plan["diff"]["after"]
    actions = [dict(name=n, **a) for n, a in sorted(after["scheduled_actions"].items())]
    policy = after["native_policy"]
    return dict(
        changed=plan["changed"],
        group=dict(name=name, min_size=after["min_size"], max_size=after["max_size"],
                   desired_capacity=after["desired_capacity"]),
        scheduled_actions=actions,
        predictive_policy=camel_dict_to_snake_dict(policy) if policy else None,
        operations=[dict(operation=op, arguments=args) for op, args in operations],
        stale_scheduled_actions=plan["scheduled_stale"],
        decision=dict(service=decision["service"], action=decision["action"],
                      target_capacity=decision["target_capacity"], min_capacity=decision["min_capacity"],
                      max_capacity=decision["max_capacity"]),
    )


def main():
    module = AnsibleAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    name = params["name"]
    policy_options = params["predictive_policy"]
    try:
        check_options(params)
        decision = validate_decision(params["decision"])
        asg = provider(params["provider"], policy_name=(policy_options or {}).get("name") or "meridian-predictive")
        native = asg.native_policy(policy_options)
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")

    client = AutoScalingClient.from_module(module)
    try:
        group = client.describe_group(name)
        if group is None:
            module.fail_json(msg="name: Auto Scaling group %s not found in region %s; create it first (role compute) "
                                 "or fix the name" % (name, module.region), field="name")
        scheduled = client.describe_scheduled_actions(name)
        policies = client.describe_policies(name) if policy_options is not None else []
        current = asg.normalise_state(group, scheduled, policies)
        desired = desired_state(
            decision, current, _utcnow(),
            capacity_mode=params["capacity_mode"],
            manage_bounds=params["manage_bounds"],
            scheduled_actions=params["scheduled_actions"],
            prefix=params["scheduled_action_prefix"],
            max_scheduled_actions=params["max_scheduled_actions"],
            min_lead_time=params["min_lead_time"],
            native_policy=native,
        )
        plan = plan_changes(current, desired, prefix=params["scheduled_action_prefix"],
                            purge_scheduled_actions=params["purge_scheduled_actions"])
        operations = asg.operations(name, plan)
        if not module.check_mode:
            for operation, kwargs in operations:
                client.call(operation, kwargs)
    except ScalingPlanError as err:
        fail_on_error(module, err, note="nothing was changed")
    except AutoScalingApiError as err:
        if err.error is not None:
            module.fail_json_aws(err.error, msg=str(err))
        module.fail_json(msg=str(err))

    result = _result(name, plan, operations, decision)
    if module._diff:
        result["diff"] = plan["diff"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
