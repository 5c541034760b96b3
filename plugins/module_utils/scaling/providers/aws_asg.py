# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 Auto Scaling groups as a scaling target (pure): their descriptions in the provider-neutral
model of ``scaling.plan``, and a plan as UpdateAutoScalingGroup, batched scheduled actions and a
native PredictiveScaling policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling.plan import (
    ScalingPlanError,
    ScalingProvider,
    format_time,
    int_field,
    parse_time,
)

AWS_BATCH_LIMIT = 50
AWS_MAX_SCHEDULED_ACTIONS = 125
PREDICTIVE_METRIC_TYPES = ("ASGCPUUtilization", "ASGNetworkIn", "ASGNetworkOut", "ALBRequestCount")
PREDICTIVE_MODES = ("ForecastOnly", "ForecastAndScale")
PREDICTIVE_BREACH_BEHAVIORS = ("HonorMaxCapacity", "IncreaseMaxCapacity")


class AwsAsgProvider(ScalingProvider):
    """EC2 Auto Scaling groups: UpdateAutoScalingGroup, scheduled actions, a PredictiveScaling policy."""

    name = "aws_asg"

    def __init__(self, policy_name="meridian-predictive"):
        self.policy_name = policy_name

    @staticmethod
    def _scheduled(action):
        out = {}
        start = action.get("StartTime")
        if start is not None:
            out["start_time"] = format_time(parse_time(start, "StartTime"))
        for api, key in (("DesiredCapacity", "desired_capacity"), ("MinSize", "min_size"), ("MaxSize", "max_size")):
            if action.get(api) is not None:
                out[key] = int(action[api])
        if action.get("Recurrence"):
            out["recurrence"] = action["Recurrence"]
        return out

    def normalise_state(self, group, scheduled_actions=(), policies=()):
        """``group``: one item of DescribeAutoScalingGroups; the others: DescribeScheduledActions and
        DescribePolicies items (boto3 shapes)."""
        policy = None
        for item in policies or ():
            if item.get("PolicyName") == self.policy_name and item.get("PolicyType") == "PredictiveScaling":
                policy = item.get("PredictiveScalingConfiguration") or {}
        return {
            "min_size": int(group["MinSize"]),
            "max_size": int(group["MaxSize"]),
            "desired_capacity": int(group["DesiredCapacity"]) if group.get("DesiredCapacity") is not None else None,
            "scheduled_actions": dict((a["ScheduledActionName"], self._scheduled(a)) for a in scheduled_actions or ()),
            "native_policy": policy,
        }

    def native_policy(self, options):
        """A PredictiveScalingConfiguration from the module's ``predictive_policy`` suboptions."""
        if options is None:
            return None
        if options.get("state", "present") == "absent":
            return {}
        metric = options.get("metric_type") or "ASGCPUUtilization"
        if metric not in PREDICTIVE_METRIC_TYPES:
            raise ScalingPlanError("predictive_policy.metric_type", "%r is not one of %s"
                                   % (metric, ", ".join(PREDICTIVE_METRIC_TYPES)))
        target_value = options.get("target_value")
        if target_value is None or isinstance(target_value, bool) or float(target_value) <= 0:
            raise ScalingPlanError("predictive_policy.target_value",
                                   "give the metric's target per instance as a positive number (e.g. 50 for 50 %% CPU)")
        pair = {"PredefinedMetricType": metric}
        if metric == "ALBRequestCount":
            if not options.get("resource_label"):
                raise ScalingPlanError("predictive_policy.resource_label",
                                       "ALBRequestCount needs the target group's resource label")
            pair["ResourceLabel"] = options["resource_label"]
        mode = options.get("mode") or "ForecastOnly"
        if mode not in PREDICTIVE_MODES:
            raise ScalingPlanError("predictive_policy.mode", "%r is not one of %s" % (mode, ", ".join(PREDICTIVE_MODES)))
        buffer_time = int_field(options.get("scheduling_buffer_time", 300), "predictive_policy.scheduling_buffer_time")
        if buffer_time > 3600:
            raise ScalingPlanError("predictive_policy.scheduling_buffer_time", "must be 0..3600 seconds")
        breach = options.get("max_capacity_breach_behavior") or "HonorMaxCapacity"
        if breach not in PREDICTIVE_BREACH_BEHAVIORS:
            raise ScalingPlanError("predictive_policy.max_capacity_breach_behavior", "%r is not one of %s"
                                   % (breach, ", ".join(PREDICTIVE_BREACH_BEHAVIORS)))
        config = {
            "MetricSpecifications": [{"TargetValue": float(target_value), "PredefinedMetricPairSpecification": pair}],
            "Mode": mode,
            "SchedulingBufferTime": buffer_time,
            "MaxCapacityBreachBehavior": breach,
        }
        if breach == "IncreaseMaxCapacity":
            config["MaxCapacityBuffer"] = int_field(options.get("max_capacity_buffer", 10),
                                                    "predictive_policy.max_capacity_buffer")
        return config

    def operations(self, target_name, plan):
        ops = []
        desired = plan["desired"]
        if plan["group"]:
            ops.append(("update_auto_scaling_group", {
                "AutoScalingGroupName": target_name,
                "MinSize": desired["min_size"],
                "MaxSize": desired["max_size"],
                "DesiredCapacity": desired["desired_capacity"],
            }))
        deletes = plan["scheduled_delete"]
        for start in range(0, len(deletes), AWS_BATCH_LIMIT):
            ops.append(("batch_delete_scheduled_action", {
                "AutoScalingGroupName": target_name,
                "ScheduledActionNames": deletes[start:start + AWS_BATCH_LIMIT],
            }))
        puts = []
        for name in plan["scheduled_put"]:
            action = desired["scheduled_actions"][name]
            item = {"ScheduledActionName": name, "StartTime": action["start_time"],
                    "DesiredCapacity": action["desired_capacity"]}
            if "min_size" in action:
                item["MinSize"] = action["min_size"]
            if "max_size" in action:
                item["MaxSize"] = action["max_size"]
            puts.append(item)
        for start in range(0, len(puts), AWS_BATCH_LIMIT):
            ops.append(("batch_put_scheduled_update_group_action", {
                "AutoScalingGroupName": target_name,
                "ScheduledUpdateGroupActions": puts[start:start + AWS_BATCH_LIMIT],
            }))
        if plan["native_policy"] == "put":
            ops.append(("put_scaling_policy", {
                "AutoScalingGroupName": target_name,
                "PolicyName": self.policy_name,
                "PolicyType": "PredictiveScaling",
                "PredictiveScalingConfiguration": desired["native_policy"],
            }))
        elif plan["native_policy"] == "delete":
            ops.append(("delete_policy", {"AutoScalingGroupName": target_name, "PolicyName": self.policy_name}))
        return ops
