# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Changes made to the estate out of band, through the AWS API (what an operator with a console does), for
molecule/default/verify_drift.yml, and their undoing.

    drift_out_of_band.py snapshot|apply|undo SPEC_JSON STATE_FILE

SPEC_JSON: {endpoint_url, access_key, secret_key, region, security_group_id, autoscaling_group,
versioning_bucket, policy_bucket, launch_template, subnet_id, unmanaged_bucket, tags}. ``apply``
records what it changes into STATE_FILE first, then makes the seven changes: port 22 opened to
0.0.0.0/0 on the security group, the Auto Scaling group's maximum raised by 2, versioning
suspended on a bucket, a launch template version allowing IMDSv1 made the default, a public
bucket policy (its public access block opened first, as AWS refuses a public policy otherwise),
an untagged instance in the subnet, and a bucket of the region with the estate's tags (``tags``)
that the code does not declare. ``undo`` restores what STATE_FILE recorded (the launch template is
recreated with its first version: a version cannot be deleted everywhere; the bucket is deleted).
``snapshot`` prints the settings these touch. Each prints a JSON document.
"""

from __future__ import absolute_import, division, print_function

import json
import sys

import boto3
import botocore.exceptions

SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def clients(spec):
    def make(service):
        return boto3.client(service, region_name=spec["region"], endpoint_url=spec.get("endpoint_url") or None,
                            aws_access_key_id=spec.get("access_key") or None,
                            aws_secret_access_key=spec.get("secret_key") or None)
    return make("ec2"), make("autoscaling"), make("s3")


def _policy(s3, bucket):
    try:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except botocore.exceptions.ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchBucketPolicy":
            return None
        raise


def _public_access_block(s3, bucket):
    try:
        return s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except botocore.exceptions.ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchPublicAccessBlockConfiguration":
            return None
        raise


def snapshot(spec, state=None):
    ec2, asg, s3 = clients(spec)
    group = ec2.describe_security_groups(GroupIds=[spec["security_group_id"]])["SecurityGroups"][0]
    scaling = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[spec["autoscaling_group"]])["AutoScalingGroups"][0]
    template = ec2.describe_launch_templates(LaunchTemplateNames=[spec["launch_template"]])["LaunchTemplates"][0]
    default = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"],
                                                    Versions=["$Default"])["LaunchTemplateVersions"][0]
    instances = []
    if state and state.get("instance_id"):
        reservations = ec2.describe_instances(InstanceIds=[state["instance_id"]])["Reservations"]
        instances = [i["State"]["Name"] for r in reservations for i in r["Instances"]]
    return {
        "security_group_ingress": sorted(json.dumps(p, sort_keys=True) for p in group["IpPermissions"]),
        "autoscaling_group": {k: scaling[k] for k in ("MinSize", "MaxSize", "DesiredCapacity")},
        "versioning": s3.get_bucket_versioning(Bucket=spec["versioning_bucket"]).get("Status"),
        "launch_template": {"latest": template["LatestVersionNumber"], "default": template["DefaultVersionNumber"],
                            "http_tokens": (default["LaunchTemplateData"].get("MetadataOptions") or {}).get("HttpTokens"),
                            "tags": sorted("%s=%s" % (t["Key"], t["Value"]) for t in ec2.describe_tags(Filters=[
                                {"Name": "resource-id", "Values": [template["LaunchTemplateId"]]}])["Tags"])},
        "bucket_policy": _policy(s3, spec["policy_bucket"]),
        "public_access_block": _public_access_block(s3, spec["policy_bucket"]),
        "instance": instances,
        "unmanaged_bucket": _bucket_tags(s3, spec["unmanaged_bucket"]),
    }


def _bucket_tags(s3, bucket):
    """The bucket's tags, or None when there is no such bucket."""
    try:
        return dict((t["Key"], t["Value"]) for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"])
    except botocore.exceptions.ClientError as err:
        code = err.response["Error"]["Code"]
        if code in ("NoSuchBucket", "404"):
            return None
        if code == "NoSuchTagSet":
            return {}
        raise


def apply(spec, state_file):
    ec2, asg, s3 = clients(spec)
    before = snapshot(spec)
    template = ec2.describe_launch_templates(LaunchTemplateNames=[spec["launch_template"]])["LaunchTemplates"][0]
    latest = ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"],
                                                   Versions=["$Latest"])["LaunchTemplateVersions"][0]
    # DescribeLaunchTemplates may leave Tags out (moto 5.2.5 does); DescribeTags has them
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [template["LaunchTemplateId"]]}])["Tags"]
    state = {"before": before, "launch_template_data": latest["LaunchTemplateData"],
             "launch_template_tags": [{"Key": t["Key"], "Value": t["Value"]} for t in tags]}
    with open(state_file, "w") as handle:
        json.dump(state, handle)

    ec2.authorize_security_group_ingress(GroupId=spec["security_group_id"], IpPermissions=[SSH])
    bounds = before["autoscaling_group"]
    asg.update_auto_scaling_group(AutoScalingGroupName=spec["autoscaling_group"], MaxSize=bounds["MaxSize"] + 2)
    s3.put_bucket_versioning(Bucket=spec["versioning_bucket"], VersioningConfiguration={"Status": "Suspended"})
    data = dict(latest["LaunchTemplateData"])
    data["MetadataOptions"] = dict(data.get("MetadataOptions") or {}, HttpTokens="optional")
    version = ec2.create_launch_template_version(LaunchTemplateId=template["LaunchTemplateId"], LaunchTemplateData=data,
                                                 SourceVersion=str(latest["VersionNumber"]))
    ec2.modify_launch_template(LaunchTemplateId=template["LaunchTemplateId"],
                               DefaultVersion=str(version["LaunchTemplateVersion"]["VersionNumber"]))
    s3.put_public_access_block(Bucket=spec["policy_bucket"], PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket=spec["policy_bucket"], Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                                "Action": "s3:GetObject",
                                                "Resource": "arn:aws:s3:::%s/*" % spec["policy_bucket"]}]}))
    image = data.get("ImageId") or ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 SubnetId=spec["subnet_id"])["Instances"][0]["InstanceId"]
    state["instance_id"] = instance
    with open(state_file, "w") as handle:
        json.dump(state, handle)
    if before["unmanaged_bucket"] is None:
        s3.create_bucket(Bucket=spec["unmanaged_bucket"], **({} if spec["region"] == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": spec["region"]}}))
        state["unmanaged_bucket"] = spec["unmanaged_bucket"]
    s3.put_bucket_tagging(Bucket=spec["unmanaged_bucket"], Tagging={"TagSet": [
        {"Key": k, "Value": str(v)} for k, v in sorted(spec["tags"].items())]})
    with open(state_file, "w") as handle:
        json.dump(state, handle)
    return {"before": before, "instance_id": instance, "after": snapshot(spec, state)}


def undo(spec, state_file):
    ec2, asg, s3 = clients(spec)
    with open(state_file) as handle:
        state = json.load(handle)
    before = state["before"]
    now = snapshot(spec, state)
    if json.dumps(SSH, sort_keys=True) not in before["security_group_ingress"]:
        try:
            ec2.revoke_security_group_ingress(GroupId=spec["security_group_id"], IpPermissions=[SSH])
        except botocore.exceptions.ClientError as err:
            if err.response["Error"]["Code"] != "InvalidPermission.NotFound":
                raise
    bounds = before["autoscaling_group"]
    asg.update_auto_scaling_group(AutoScalingGroupName=spec["autoscaling_group"], MinSize=bounds["MinSize"],
                                  MaxSize=bounds["MaxSize"])
    s3.put_bucket_versioning(Bucket=spec["versioning_bucket"],
                             VersioningConfiguration={"Status": before["versioning"] or "Enabled"})
    if now["launch_template"] != before["launch_template"]:
        ec2.delete_launch_template(LaunchTemplateName=spec["launch_template"])
        # tagged apart from its creation, as the compute role does (request-level tags would enter the version's data)
        created = ec2.create_launch_template(LaunchTemplateName=spec["launch_template"],
                                             LaunchTemplateData=state["launch_template_data"])
        if state["launch_template_tags"]:
            ec2.create_tags(Resources=[created["LaunchTemplate"]["LaunchTemplateId"]], Tags=state["launch_template_tags"])
    if before["bucket_policy"] is None:
        s3.delete_bucket_policy(Bucket=spec["policy_bucket"])
    else:
        s3.put_bucket_policy(Bucket=spec["policy_bucket"], Policy=json.dumps(before["bucket_policy"]))
    if before["public_access_block"] is None:
        s3.delete_public_access_block(Bucket=spec["policy_bucket"])
    else:
        s3.put_public_access_block(Bucket=spec["policy_bucket"], PublicAccessBlockConfiguration=before["public_access_block"])
    if state.get("instance_id"):
        ec2.terminate_instances(InstanceIds=[state["instance_id"]])
    if state.get("unmanaged_bucket"):
        s3.delete_bucket(Bucket=state["unmanaged_bucket"])
    return {"before": before, "after": snapshot(spec, state)}


def main(argv):
    if len(argv) != 4 or argv[1] not in ("snapshot", "apply", "undo"):
        sys.stderr.write(__doc__)
        return 1
    spec = json.loads(argv[2])
    if argv[1] == "snapshot":
        state = None
        try:
            with open(argv[3]) as handle:
                state = json.load(handle)
        except (IOError, OSError, ValueError):
            pass
        out = snapshot(spec, state)
    elif argv[1] == "apply":
        out = apply(spec, argv[3])
    else:
        out = undo(spec, argv[3])
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
