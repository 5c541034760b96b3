#!/usr/bin/env python
"""Out-of-band policy violations on a converged estate, through the AWS API, and their undo.

The compliance tests (molecule/default/verify_compliance.yml) break the policy the way a person
with console access would, check that the scan names each change by resource and rule, and put
everything back so that teardown finds the estate as provision left it.

Usage:
  compliance_violations.py apply    --name meridian-local --regions us-east-1,eu-west-1 --state FILE [--endpoint URL]
  compliance_violations.py snapshot --state FILE [--endpoint URL]
  compliance_violations.py undo     --state FILE [--endpoint URL]

apply (first region = A, second = B; <name> is <project>-<env>):
  - opens TCP 22 to 0.0.0.0/0 on <name>-alb in A                  restricted-ssh, vpc-sg-open-only-to-authorized-ports
  - creates a launch template with the estate's tags in A allowing
    IMDSv1 (<name>-out-of-band-imdsv1)                            ec2-launch-template-imdsv2-check
  - removes Block Public Access of <name>-user-data-B and gives it
    a policy that lets anyone read                                s3-bucket-public-read-prohibited,
                                                                  s3-bucket-level-public-access-prohibited
  - suspends versioning of <name>-user-data-A                      s3-bucket-versioning-enabled
  - tags <name>-logs-B (replicated to A) as pii data               data-residency
It writes what it changed and what it found before into the state file and prints, as JSON, the
findings the scan must report ({rule, resource_id, region}). snapshot prints the settings apply
changed, read back (to show that a scan changed nothing). undo restores them from the state file.
Without --endpoint the SDK's own endpoint and credentials are used.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError


def _client(args, service, region):
    kwargs = {"region_name": region}
    if args.endpoint:
        kwargs.update(endpoint_url=args.endpoint, aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
                      aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"))
    return boto3.client(service, **kwargs)


SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def _group_id(ec2, name):
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if len(groups) != 1:
        raise SystemExit("expected one security group named %s, found %d" % (name, len(groups)))
    return groups[0]["GroupId"]


def _template(ec2, name):
    return ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"][0]


def _block(s3, bucket):
    try:
        return s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
            return None
        raise


def _policy(s3, bucket):
    try:
        return s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def _tags(s3, bucket):
    try:
        return s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchTagSet", "NoSuchTagSetError"):
            return []
        raise


def apply(args):
    a, b = args.regions.split(",")[:2]
    ec2 = _client(args, "ec2", a)
    s3a, s3b = _client(args, "s3", a), _client(args, "s3", b)
    state = {"regions": [a, b]}
    expected = []

    group = _group_id(ec2, "%s-alb" % args.name)
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[SSH])
    state["security_group"] = group
    expected += [{"rule": "restricted-ssh", "resource_id": group, "region": a},
                 {"rule": "vpc-sg-open-only-to-authorized-ports", "resource_id": group, "region": a}]

    # A new template with the estate's tags (those of <name>-web), not a new version of the estate's
    # own: the compute role compares its templates with their latest version, and moto 5.2.5 cannot
    # delete a version (DeleteLaunchTemplateVersions answers with an internal error), which teardown
    # needs for a template with several versions.
    source = _template(ec2, "%s-web" % args.name)
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [source["LaunchTemplateId"]]}])["Tags"]
    estate = [{"Key": t["Key"], "Value": t["Value"]} for t in tags if t["Key"].startswith("meridian:")
              and t["Key"] != "meridian:service"]
    created = ec2.create_launch_template(
        LaunchTemplateName="%s-out-of-band-imdsv1" % args.name,
        LaunchTemplateData={"MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled"}},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": estate}])["LaunchTemplate"]
    state["launch_template"] = created["LaunchTemplateId"]
    expected.append({"rule": "ec2-launch-template-imdsv2-check", "resource_id": created["LaunchTemplateId"], "region": a})

    public = "%s-user-data-%s" % (args.name, b)
    state["public_bucket"] = {"name": public, "block": _block(s3b, public), "policy": _policy(s3b, public)}
    s3b.delete_public_access_block(Bucket=public)
    s3b.put_bucket_policy(Bucket=public, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "OutOfBandPublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::%s/*" % public}]}))
    expected += [{"rule": "s3-bucket-public-read-prohibited", "resource_id": public, "region": b},
                 {"rule": "s3-bucket-level-public-access-prohibited", "resource_id": public, "region": b}]

    unversioned = "%s-user-data-%s" % (args.name, a)
    s3a.put_bucket_versioning(Bucket=unversioned, VersioningConfiguration={"Status": "Suspended"})
    state["unversioned_bucket"] = unversioned
    expected.append({"rule": "s3-bucket-versioning-enabled", "resource_id": unversioned, "region": a})

    relabelled = "%s-logs-%s" % (args.name, b)
    tags = _tags(s3b, relabelled)
    state["relabelled_bucket"] = {"name": relabelled, "tags": tags}
    s3b.put_bucket_tagging(Bucket=relabelled, Tagging={"TagSet": [t for t in tags if t["Key"] != "meridian:data-class"]
                                                       + [{"Key": "meridian:data-class", "Value": "pii"}]})
    expected.append({"rule": "data-residency", "resource_id": relabelled, "region": b})

    with open(args.state, "w") as out:
        json.dump(state, out, indent=1, sort_keys=True)
    return expected


def snapshot(args):
    with open(args.state) as handle:
        state = json.load(handle)
    a, b = state["regions"]
    ec2 = _client(args, "ec2", a)
    s3a, s3b = _client(args, "s3", a), _client(args, "s3", b)
    group = ec2.describe_security_groups(GroupIds=[state["security_group"]])["SecurityGroups"][0]
    template = ec2.describe_launch_template_versions(LaunchTemplateId=state["launch_template"])["LaunchTemplateVersions"]
    public = state["public_bucket"]["name"]
    return {
        "security_group": sorted(json.dumps(p, sort_keys=True) for p in group["IpPermissions"]),
        "launch_template": sorted(json.dumps(v["LaunchTemplateData"], sort_keys=True) for v in template),
        "public_bucket": [_block(s3b, public), _policy(s3b, public)],
        "unversioned_bucket": s3a.get_bucket_versioning(Bucket=state["unversioned_bucket"]).get("Status"),
        "relabelled_bucket": sorted((t["Key"], t["Value"]) for t in _tags(s3b, state["relabelled_bucket"]["name"])),
    }


def undo(args):
    with open(args.state) as handle:
        state = json.load(handle)
    a, b = state["regions"]
    ec2 = _client(args, "ec2", a)
    s3a, s3b = _client(args, "s3", a), _client(args, "s3", b)
    done = []
    try:
        ec2.revoke_security_group_ingress(GroupId=state["security_group"], IpPermissions=[SSH])
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidPermission.NotFound":
            raise
    done.append(state["security_group"])
    try:
        ec2.delete_launch_template(LaunchTemplateId=state["launch_template"])
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException"):
            raise
    done.append(state["launch_template"])
    public = state["public_bucket"]
    if public["policy"]:
        s3b.put_bucket_policy(Bucket=public["name"], Policy=public["policy"])
    else:
        s3b.delete_bucket_policy(Bucket=public["name"])
    if public["block"]:
        s3b.put_public_access_block(Bucket=public["name"], PublicAccessBlockConfiguration=public["block"])
    done.append(public["name"])
    s3a.put_bucket_versioning(Bucket=state["unversioned_bucket"], VersioningConfiguration={"Status": "Enabled"})
    done.append(state["unversioned_bucket"])
    relabelled = state["relabelled_bucket"]
    s3b.put_bucket_tagging(Bucket=relabelled["name"], Tagging={"TagSet": relabelled["tags"]})
    done.append(relabelled["name"])
    os.unlink(args.state)
    return {"restored": done}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("action", choices=["apply", "snapshot", "undo"])
    parser.add_argument("--state", required=True, help="where apply records what it changed")
    parser.add_argument("--endpoint", default="", help="the AWS endpoint (the local stack's moto_server)")
    parser.add_argument("--name", default="", help="<project>-<env>, the estate's name prefix")
    parser.add_argument("--regions", default="", help="two regions of the estate, comma-separated")
    args = parser.parse_args(argv)
    if args.action == "apply" and (not args.name or "," not in args.regions):
        parser.error("apply needs --name and two --regions")
    result = {"apply": apply, "snapshot": snapshot, "undo": undo}[args.action](args)
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
