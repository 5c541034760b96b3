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
  - makes a new default version of <name>-web in A allowing IMDSv1 ec2-launch-template-imdsv2-check
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

    template = _template(ec2, "%s-web" % args.name)
    version = ec2.create_launch_template_version(
        LaunchTemplateId=template["LaunchTemplateId"], SourceVersion=str(template["DefaultVersionNumber"]),
        VersionDescription="out of band: IMDSv1 allowed",
        LaunchTemplateData={"MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "enabled"}})
    number = version["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateId=template["LaunchTemplateId"], DefaultVersion=str(number))
    state["launch_template"] = {"id": template["LaunchTemplateId"], "default": template["DefaultVersionNumber"],
                                "added": number}
    expected.append({"rule": "ec2-launch-template-imdsv2-check", "resource_id": template["LaunchTemplateId"], "region": a})

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
    template = ec2.describe_launch_templates(LaunchTemplateIds=[state["launch_template"]["id"]])["LaunchTemplates"][0]
    public = state["public_bucket"]["name"]
    return {
        "security_group": sorted(json.dumps(p, sort_keys=True) for p in group["IpPermissions"]),
        "launch_template": [template["DefaultVersionNumber"], template["LatestVersionNumber"]],
        "public_bucket": [_block(s3b, public), _policy(s3b, public)],
        "unversioned_bucket": s3a.get_bucket_versioning(Bucket=state["unversioned_bucket"]).get("Status"),
        "relabelled_bucket": sorted((t["Key"], t["Value"]) for t in _tags(s3b, state["relabelled_bucket"]["name"])),
    }


def _restore_template(ec2, template):
    """A new version with the data of the version that was the default (the compute role's
    ec2_launch_template compares its template with the latest version, and the Auto Scaling groups
    launch $Latest), made the default; then the IMDSv1 version is deleted where the API allows it
    (moto 5.2.5 answers DeleteLaunchTemplateVersions with an internal error)."""
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template["id"])["LaunchTemplateVersions"]
    original = [v for v in versions if v["VersionNumber"] == template["default"]][0]
    latest = max(versions, key=lambda v: v["VersionNumber"])
    if latest["VersionNumber"] != template["added"]:
        return {"id": template["id"], "restored": latest["VersionNumber"]}  # already restored
    extra = {"VersionDescription": original["VersionDescription"]} if original.get("VersionDescription") else {}
    copy = ec2.create_launch_template_version(LaunchTemplateId=template["id"],
                                              LaunchTemplateData=original["LaunchTemplateData"], **extra)
    number = copy["LaunchTemplateVersion"]["VersionNumber"]
    ec2.modify_launch_template(LaunchTemplateId=template["id"], DefaultVersion=str(number))
    try:
        ec2.delete_launch_template_versions(LaunchTemplateId=template["id"], Versions=[str(template["added"])])
        deleted = True
    except Exception:  # noqa: BLE001 - the copy above already restored what the scan and provision read
        deleted = False
    return {"id": template["id"], "restored": number, "deleted": template["added"] if deleted else None}


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
    done.append(_restore_template(ec2, state["launch_template"]))
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
