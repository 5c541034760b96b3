# -*- coding: utf-8 -*-
"""Print the Auto Scaling groups of one region and their scheduled actions as JSON (verify step).

Usage: python read_groups.py ENDPOINT_URL REGION NAME...
"""

from __future__ import absolute_import, division, print_function

import json
import sys

import boto3


def main(argv):
    endpoint, region, names = argv[0], argv[1], argv[2:]
    client = boto3.client("autoscaling", region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=names)["AutoScalingGroups"]
    out = {}
    for group in groups:
        actions = client.describe_scheduled_actions(AutoScalingGroupName=group["AutoScalingGroupName"])["ScheduledUpdateGroupActions"]
        out[group["AutoScalingGroupName"]] = {
            "desired_capacity": group["DesiredCapacity"], "min_size": group["MinSize"], "max_size": group["MaxSize"],
            "scheduled_actions": [{"name": a["ScheduledActionName"], "start_time": a["StartTime"].isoformat(),
                                   "desired_capacity": a.get("DesiredCapacity")} for a in actions],
        }
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
