# -*- coding: utf-8 -*-
"""Set Auto Scaling groups' desired capacity the way target tracking does (SetDesiredCapacity).

Usage: python set_desired.py ENDPOINT_URL REGION DESIRED NAME...
"""

from __future__ import absolute_import, division, print_function

import sys

import boto3


def main(argv):
    endpoint, region, desired, names = argv[0], argv[1], int(argv[2]), argv[3:]
    client = boto3.client("autoscaling", region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    for name in names:
        client.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=desired, HonorCooldown=False)
    print("set %s to %d in %s" % (", ".join(names), desired, region))


if __name__ == "__main__":
    main(sys.argv[1:])
