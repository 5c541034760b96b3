# -*- coding: utf-8 -*-
"""Print the account's global resources as JSON (converge and verify steps): every hosted zone's
name and every CloudFront distribution's comment, duplicates kept, and which of the IAM roles named
exist (IAM names are unique; read with GetRole, an action the estate's IAM policy allows, so that
the requests recorded for the policy check need no action of the test's own).

Usage: python read_globals.py ENDPOINT_URL [ROLE_NAME ...]
"""

from __future__ import absolute_import, division, print_function

import json
import sys

import boto3


def main(argv):
    endpoint, role_names = argv[0], argv[1:]
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")
    route53 = session.client("route53", endpoint_url=endpoint)
    cloudfront = session.client("cloudfront", endpoint_url=endpoint)
    iam = session.client("iam", endpoint_url=endpoint)
    zones = [z["Name"] for page in route53.get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]]
    distributions = [d["Comment"] for page in cloudfront.get_paginator("list_distributions").paginate()
                     for d in page["DistributionList"].get("Items") or []]
    roles = []
    for name in role_names:
        try:
            roles.append(iam.get_role(RoleName=name)["Role"]["RoleName"])
        except iam.exceptions.NoSuchEntityException:
            pass
    print(json.dumps({"hosted_zones": sorted(zones), "distributions": sorted(distributions), "roles": sorted(roles)},
                     sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
