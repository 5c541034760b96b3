# -*- coding: utf-8 -*-
"""Print one region's scaling policies per Auto Scaling group, with the groups' target groups and the
load balancers in front of them, as JSON (verify step).

Usage: python read_policies.py ENDPOINT_URL REGION NAME...
Output: {group: {"policies": [{name, type, metric_type, resource_label, target_value}],
                 "target_groups": [{arn, load_balancer_arns}]}}
"""

from __future__ import absolute_import, division, print_function

import json
import sys

import boto3


def main(argv):
    endpoint, region, names = argv[0], argv[1], argv[2:]
    kwargs = dict(region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    autoscaling = boto3.client("autoscaling", **kwargs)
    elbv2 = boto3.client("elbv2", **kwargs)
    out = {}
    for group in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]:
        name = group["AutoScalingGroupName"]
        policies = autoscaling.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
        tgs = group.get("TargetGroupARNs") or []
        described = elbv2.describe_target_groups(TargetGroupArns=tgs)["TargetGroups"] if tgs else []
        out[name] = {
            "policies": [{
                "name": p["PolicyName"], "type": p["PolicyType"],
                "metric_type": p.get("TargetTrackingConfiguration", {}).get("PredefinedMetricSpecification", {}).get("PredefinedMetricType"),
                "resource_label": p.get("TargetTrackingConfiguration", {}).get("PredefinedMetricSpecification", {}).get("ResourceLabel"),
                "target_value": p.get("TargetTrackingConfiguration", {}).get("TargetValue"),
            } for p in policies],
            "target_groups": [{"arn": t["TargetGroupArn"], "load_balancer_arns": t.get("LoadBalancerArns", [])} for t in described],
        }
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
