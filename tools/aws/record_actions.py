#!/usr/bin/env python
"""The IAM actions the collection calls, from a moto_server request recording, and the policy they need.

moto_server records every request it serves between /moto-api/recorder/start-recording and
stop-recording (one JSON object per line: method, url, headers, body). This tool turns such a
recording into IAM action names (service:Action), builds the least-privilege policy from them and
checks a policy against them.

Usage:
  record_actions.py record --endpoint URL --out FILE -- CMD [ARG ...] [-- CMD [ARG ...] ...]
      reset the recorder, start it, run each command in turn (all run even when one fails), stop
      it and save the recording; the exit code is non-zero if a command failed.
  record_actions.py actions FILE [--implied]  the IAM actions of a recording, one per line
  record_actions.py compact FILE --out SMALL   one request per distinct operation, trimmed (a fixture)
  record_actions.py policy FILE [--project meridian] [--region R ...] [--out POLICY]
      the policy for those actions (read-only actions, S3 and IAM scoped by name, the rest by region)
  record_actions.py check FILE --policy POLICY [--endpoint URL]
      exit 1 naming every action of the recording (and every action it implies) that the policy does
      not allow, or any wildcard action in the policy. With --endpoint, the moto_server's recording
      so far is downloaded into FILE first (recording goes on).
  record_actions.py start --endpoint URL   reset the recorder and start it (e.g. before a scenario)

A request is named by the operation the AWS SDK sent: the X-Amz-Target header (JSON protocols),
the /service/S/operation/OP path (Smithy RPC v2), the Action parameter (query protocols), or for
REST services (S3, Route 53, CloudFront) the botocore operation whose method, URI template and
query keys match best. The service is the signing name in the Authorization header's credential
scope. Operations whose IAM action has another name (most of S3's) are translated; permissions a
call needs beyond its own action (iam:PassRole, service-linked roles) are added as implied.
"""

from __future__ import absolute_import, division, print_function

import argparse
import base64
import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request

# Signing name of the request -> the IAM service prefix (where they differ).
IAM_PREFIX = {"monitoring": "cloudwatch"}

# Signing name -> botocore service name, for the REST protocols matched by URI template.
BOTOCORE_NAME = {"s3": "s3", "route53": "route53", "cloudfront": "cloudfront", "elasticloadbalancing": "elbv2"}

# Operations whose IAM action is named differently (the S3 table: "Actions, resources, and condition
# keys for Amazon S3" and "Required permissions for Amazon S3 API operations").
ACTION_NAME = {
    "s3": {
        "HeadBucket": ["ListBucket"],
        "ListObjects": ["ListBucket"],
        "ListObjectsV2": ["ListBucket"],
        "ListObjectVersions": ["ListBucketVersions"],
        "ListBuckets": ["ListAllMyBuckets"],
        "HeadObject": ["GetObject"],
        "DeleteObjects": ["DeleteObject"],
        "CopyObject": ["GetObject", "PutObject"],
        "CreateMultipartUpload": ["PutObject"],
        "UploadPart": ["PutObject"],
        "CompleteMultipartUpload": ["PutObject"],
        "ListMultipartUploads": ["ListBucketMultipartUploads"],
        "ListParts": ["ListMultipartUploadParts"],
        "GetBucketEncryption": ["GetEncryptionConfiguration"],
        "PutBucketEncryption": ["PutEncryptionConfiguration"],
        "DeleteBucketEncryption": ["PutEncryptionConfiguration"],
        "GetPublicAccessBlock": ["GetBucketPublicAccessBlock"],
        "PutPublicAccessBlock": ["PutBucketPublicAccessBlock"],
        "DeletePublicAccessBlock": ["PutBucketPublicAccessBlock"],
        "GetBucketLifecycle": ["GetLifecycleConfiguration"],
        "GetBucketLifecycleConfiguration": ["GetLifecycleConfiguration"],
        "PutBucketLifecycle": ["PutLifecycleConfiguration"],
        "PutBucketLifecycleConfiguration": ["PutLifecycleConfiguration"],
        "DeleteBucketLifecycle": ["PutLifecycleConfiguration"],
        "GetBucketReplication": ["GetReplicationConfiguration"],
        "PutBucketReplication": ["PutReplicationConfiguration"],
        "DeleteBucketReplication": ["PutReplicationConfiguration"],
        "GetBucketNotification": ["GetBucketNotification"],
        "GetBucketNotificationConfiguration": ["GetBucketNotification"],
        "PutBucketNotification": ["PutBucketNotification"],
        "PutBucketNotificationConfiguration": ["PutBucketNotification"],
        "GetObjectLockConfiguration": ["GetBucketObjectLockConfiguration"],
        "PutObjectLockConfiguration": ["PutBucketObjectLockConfiguration"],
        "GetBucketAccelerateConfiguration": ["GetAccelerateConfiguration"],
        "PutBucketAccelerateConfiguration": ["PutAccelerateConfiguration"],
        "GetBucketCors": ["GetBucketCORS"],
        "PutBucketCors": ["PutBucketCORS"],
        "DeleteBucketCors": ["PutBucketCORS"],
        "DeleteBucketTagging": ["PutBucketTagging"],
        "DeleteBucketOwnershipControls": ["PutBucketOwnershipControls"],
        "GetBucketAnalyticsConfiguration": ["GetAnalyticsConfiguration"],
        "GetBucketInventoryConfiguration": ["GetInventoryConfiguration"],
        "GetBucketMetricsConfiguration": ["GetMetricsConfiguration"],
        "GetBucketIntelligentTieringConfiguration": ["GetIntelligentTieringConfiguration"],
        "ListBucketAnalyticsConfigurations": ["GetAnalyticsConfiguration"],
        "ListBucketInventoryConfigurations": ["GetInventoryConfiguration"],
        "ListBucketMetricsConfigurations": ["GetMetricsConfiguration"],
        "ListBucketIntelligentTieringConfigurations": ["GetIntelligentTieringConfiguration"],
    },
    "cloudfront": {
        "CreateDistributionWithTags": ["CreateDistribution", "TagResource"],
    },
}

# S3 object operations that act on a version when the request names one.
S3_VERSIONED = {"GetObject": "GetObjectVersion", "DeleteObject": "DeleteObjectVersion",
                "GetObjectTagging": "GetObjectVersionTagging", "PutObjectTagging": "PutObjectVersionTagging",
                "GetObjectAcl": "GetObjectVersionAcl", "PutObjectAcl": "PutObjectVersionAcl"}

# Permissions a call needs besides its own action; AWS checks them, moto cannot show them.
IMPLIED = {
    # The role handed to another service (S3 replication, flow-log delivery, instance profiles).
    "s3:PutReplicationConfiguration": ["iam:PassRole"],
    "ec2:CreateFlowLogs": ["iam:PassRole"],
    # An Auto Scaling group launches from its launch template with the caller's permissions.
    "autoscaling:CreateAutoScalingGroup": ["ec2:RunInstances", "ec2:CreateTags", "iam:CreateServiceLinkedRole"],
    "autoscaling:UpdateAutoScalingGroup": ["ec2:RunInstances"],
    # The first load balancer / database of an account creates the service's linked role.
    "elasticloadbalancing:CreateLoadBalancer": ["iam:CreateServiceLinkedRole"],
    "rds:CreateDBInstance": ["iam:CreateServiceLinkedRole"],
    "rds:CreateDBInstanceReadReplica": ["iam:CreateServiceLinkedRole"],
    # RDS creates the master user's secret with the caller's permissions (ManageMasterUserPassword).
    "rds:ModifyDBInstance": ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
}

# Calls of the real-account paths that the local stack's run cannot record: certificates requested
# and DNS-validated (tls_certificate_source: request; the local stack imports a self-signed one) and
# their tags updated in place; CloudFront Functions updated, tested and published, and the key value
# stores' keys read and written (moto 5.2.5 has neither; inventories/local/group_vars/all/edge.yml
# turns them off there), and a store's comment updated in place.
REAL_ACCOUNT_ONLY = ["acm:RequestCertificate", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate",
                     "cloudfront:UpdateFunction", "cloudfront:TestFunction", "cloudfront:PublishFunction",
                     "cloudfront:UpdateKeyValueStore",
                     "cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:ListKeys",
                     "cloudfront-keyvaluestore:UpdateKeys"]

# The services iam:PassRole may hand the collection's roles to, and the linked roles it may create.
PASSED_TO = ["s3.amazonaws.com", "vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com"]
LINKED_ROLES = ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"]

READ_PREFIXES = ("Describe", "List", "Get", "Head", "Lookup", "Search", "Test")

# Actions of the name-scoped services (S3, IAM) that take no resource: they stay in the "*" statement.
NO_RESOURCE = {"s3:ListAllMyBuckets", "iam:ListRoles", "iam:ListPolicies", "iam:ListInstanceProfiles",
               "iam:PassRole", "iam:CreateServiceLinkedRole"}

# Headers the naming needs; compact() keeps only these.
_KEPT_HEADERS = ("authorization", "x-amz-target", "content-type")

_CREDENTIAL = re.compile(r"Credential=[^/,]+/[0-9]{8}/([^/]+)/([^/]+)/aws4_request")


class RecordingError(Exception):
    """A recording that cannot be read, or a recorded request that cannot be named."""


def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _body(entry):
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        try:
            return base64.b64decode(body)
        except (ValueError, TypeError):
            return b""
    return body.encode("utf-8") if isinstance(body, str) else body


_MODELS = {}


def _rest_operations(service):
    """[(method, path regex, {query key: value or None}, specificity, operation)] of a REST service."""
    if service not in _MODELS:
        import botocore.session  # only the REST services need the models

        model = botocore.session.get_session().get_service_model(BOTOCORE_NAME.get(service, service))
        ops = []
        for name in model.operation_names:
            op_model = model.operation_model(name)
            http = op_model.http
            uri = http.get("requestUri", "/")
            path, query = (uri.split("?", 1) + [""])[:2]
            keys = {}
            for part in filter(None, query.split("&")):
                key, sep, value = part.partition("=")
                keys[key] = value if sep else None
            # required query-string members tell apart e.g. GetBucketInventoryConfiguration (?inventory&id=)
            # from ListBucketInventoryConfigurations (?inventory)
            shape = op_model.input_shape
            for member in (shape.required_members if shape is not None else []):
                if shape.members[member].serialization.get("location") == "querystring":
                    keys.setdefault(shape.members[member].serialization.get("name", member), None)
            pattern = ""
            literal = 0
            for token in re.split(r"(\{[^}]+\})", path):
                if token.startswith("{"):
                    pattern += "(.+)" if token.endswith("+}") else "([^/]+)"
                else:
                    pattern += re.escape(token)
                    literal += len(token)
            ops.append((http.get("method", "GET"), re.compile("^" + pattern + "/?$"), keys,
                        (len(keys), literal, not op_model.deprecated), name))
        _MODELS[service] = ops
    return _MODELS[service]


def _rest_operation(service, method, url):
    parsed = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    best = None
    for op_method, regex, keys, specificity, name in _rest_operations(service):
        if op_method != method or not regex.match(parsed.path):
            continue
        if any(key not in query or (value is not None and value not in query[key]) for key, value in keys.items()):
            continue
        if best is None or specificity > best[0]:
            best = (specificity, name)
    if best is None:
        raise RecordingError("no %s operation matches %s %s" % (service, method, parsed.path))
    return best[1], query


def operation(entry):
    """(signing service, operation name, query) of one recorded request; None for an unsigned one."""
    headers = entry.get("headers") or {}
    match = _CREDENTIAL.search(_header(headers, "Authorization") or "")
    if not match:
        return None
    service = match.group(2)
    url = entry.get("url", "")
    target = _header(headers, "X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1], {}
    path = urllib.parse.urlsplit(url).path
    rpc = re.match(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$", path)
    if rpc:
        return service, rpc.group(1), {}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)
    if "Action" in query:
        return service, query["Action"][0], query
    content_type = _header(headers, "Content-Type") or ""
    if "x-www-form-urlencoded" in content_type:
        form = urllib.parse.parse_qs(_body(entry).decode("utf-8", "replace"))
        if "Action" in form:
            return service, form["Action"][0], form
    name, query = _rest_operation(service, entry.get("method", "GET"), url)
    return service, name, query


def iam_actions(entry):
    """The IAM actions one recorded request needs (empty for an unsigned request)."""
    found = operation(entry)
    if found is None:
        return []
    service, name, query = found
    prefix = IAM_PREFIX.get(service, service)
    names = ACTION_NAME.get(prefix, {}).get(name, [name])
    if prefix == "s3":
        versioned = "versionId" in query or (name == "DeleteObjects" and b"<VersionId>" in _body(entry))
        if versioned:
            names = [S3_VERSIONED.get(n, n) for n in names]
    return ["%s:%s" % (prefix, n) for n in names]


_SPACE_RE = re.compile(r"\s*")


def read_recording(path):
    """The recorded requests of a recording file: JSON objects, one a line as moto_server writes them.

    moto's recorder appends an entry and its newline in two writes, from the thread serving the
    request, so two requests served at once (the sliced provisioning's two jobs) can leave two
    entries on one line (``}{``) and an empty line after them: the file is read as a sequence of
    objects, whatever the whitespace between them.
    """
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    decoder = json.JSONDecoder()
    entries, index = [], _SPACE_RE.match(text).end()
    while index < len(text):
        try:
            entry, index = decoder.raw_decode(text, index)
        except ValueError as err:
            raise RecordingError("%s is not a recording (JSON objects): %s" % (path, err))
        entries.append(entry)
        index = _SPACE_RE.match(text, index).end()
    return entries


def recorded_actions(entries):
    """(sorted IAM actions called, number of unsigned requests)."""
    actions, unsigned = set(), 0
    for entry in entries:
        if urllib.parse.urlsplit(entry.get("url", "")).path.startswith("/moto-api/"):
            continue
        names = iam_actions(entry)
        if not names:
            unsigned += 1
        actions.update(names)
    return sorted(actions), unsigned


def with_implied(actions):
    """The actions plus every action they imply (IMPLIED), sorted."""
    result = set(actions)
    for action in actions:
        result.update(IMPLIED.get(action, []))
    return sorted(result)


def is_read(action):
    return action.split(":", 1)[1].startswith(READ_PREFIXES)


def build_policy(actions, project="meridian", regions=None):
    """The least-privilege policy document for the actions (IAM JSON policy grammar, version 2012-10-17)."""
    actions = sorted(set(with_implied(actions)) | set(REAL_ACCOUNT_ONLY))
    named = [a for a in actions if a.startswith(("s3:", "iam:")) and a not in NO_RESOURCE]
    read = [a for a in actions if is_read(a) and a not in named]
    s3 = [a for a in named if a.startswith("s3:")]
    iam = [a for a in named if a.startswith("iam:")]
    other = [a for a in actions if not is_read(a) and a not in named and a not in NO_RESOURCE]
    statements = []
    if read:
        statements.append({"Sid": "ReadTheEstate", "Effect": "Allow", "Action": read, "Resource": "*"})
    if s3:
        statements.append({"Sid": "TheEstatesBuckets", "Effect": "Allow", "Action": s3,
                           "Resource": ["arn:aws:s3:::%s-*" % project, "arn:aws:s3:::%s-*/*" % project]})
    if iam:
        statements.append({"Sid": "TheEstatesRoles", "Effect": "Allow", "Action": iam,
                           "Resource": ["arn:aws:iam::*:role/%s-*" % project]})
    if "iam:PassRole" in actions:
        statements.append({"Sid": "PassTheEstatesRoles", "Effect": "Allow", "Action": ["iam:PassRole"],
                           "Resource": ["arn:aws:iam::*:role/%s-*" % project],
                           "Condition": {"StringEquals": {"iam:PassedToService": PASSED_TO}}})
    if "iam:CreateServiceLinkedRole" in actions:
        statements.append({"Sid": "CreateTheServicesLinkedRoles", "Effect": "Allow",
                           "Action": ["iam:CreateServiceLinkedRole"], "Resource": "*",
                           "Condition": {"StringEquals": {"iam:AWSServiceName": LINKED_ROLES}}})
    if other:
        statement = {"Sid": "ChangeTheEstateInItsRegions", "Effect": "Allow", "Action": other, "Resource": "*"}
        if regions:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": sorted(regions)}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_actions(policy):
    """(every action the policy's Allow statements name, the wildcard actions among them)."""
    allowed, wildcards = set(), []
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            wildcards.append("NotAction in %s" % statement.get("Sid", "a statement"))
        names = statement.get("Action", [])
        names = [names] if isinstance(names, str) else names
        for name in names:
            if "*" in name or "?" in name:
                wildcards.append(name)
            allowed.add(name.lower())
    return allowed, wildcards


def check(actions, policy):
    """(actions the policy does not allow, wildcard actions of the policy); IAM action names are case-insensitive."""
    allowed, wildcards = policy_actions(policy)
    missing = [a for a in with_implied(actions) if a.lower() not in allowed]
    return missing, wildcards


def compact(entries):
    """One entry per distinct operation (and IAM actions), with only what the naming reads: a small fixture."""
    kept, seen = [], set()
    for entry in entries:
        if urllib.parse.urlsplit(entry.get("url", "")).path.startswith("/moto-api/"):
            continue
        found = operation(entry)
        if found is None:
            continue
        key = (found[0], found[1], tuple(iam_actions(entry)))
        if key in seen:
            continue
        seen.add(key)
        small = {"method": entry.get("method"), "url": entry.get("url"),
                 "headers": {k: v for k, v in (entry.get("headers") or {}).items() if k.lower() in _KEPT_HEADERS}}
        body = _body(entry)
        if found[0] == "s3" and found[1] == "DeleteObjects":
            small.update(body=base64.b64encode(body).decode("ascii"), body_encoded=True)
        elif "x-www-form-urlencoded" in (_header(small["headers"], "Content-Type") or ""):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            small.update(body=urllib.parse.urlencode({k: form[k][0] for k in ("Action", "Version") if k in form}),
                         body_encoded=False)
        else:
            small.update(body="", body_encoded=False)
        kept.append(small)
    return kept


def _post(endpoint, path):
    request = urllib.request.Request(endpoint.rstrip("/") + "/moto-api/recorder/" + path, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def record(endpoint, out, commands):
    """Record the requests of the commands; returns the first non-zero exit code (0 if all passed)."""
    _post(endpoint, "reset-recording")
    _post(endpoint, "start-recording")
    rc = 0
    try:
        for command in commands:
            print("--- recording: %s" % " ".join(command), flush=True)
            result = subprocess.call(command)
            print("--- rc %d" % result, flush=True)
            rc = rc or result
    finally:
        _post(endpoint, "stop-recording")
        with urllib.request.urlopen(endpoint.rstrip("/") + "/moto-api/recorder/download-recording", timeout=60) as response:
            data = response.read()
        with open(out, "wb") as handle:
            handle.write(data)
    return rc


def _split_commands(argv):
    commands, current = [], []
    for arg in argv:
        if arg == "--":
            if current:
                commands.append(current)
            current = []
        else:
            current.append(arg)
    if current:
        commands.append(current)
    return commands


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    commands = []
    if "--" in argv:
        index = argv.index("--")
        argv, commands = argv[:index], _split_commands(argv[index:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--endpoint", required=True)
    rec.add_argument("--out", required=True)
    start = sub.add_parser("start")
    start.add_argument("--endpoint", required=True)
    act = sub.add_parser("actions")
    act.add_argument("recording")
    act.add_argument("--implied", action="store_true", help="add the actions the recorded ones imply")
    pol = sub.add_parser("policy")
    pol.add_argument("recording")
    pol.add_argument("--project", default="meridian")
    pol.add_argument("--region", action="append", default=[])
    pol.add_argument("--out")
    cmp_ = sub.add_parser("compact")
    cmp_.add_argument("recording")
    cmp_.add_argument("--out", required=True)
    chk = sub.add_parser("check")
    chk.add_argument("recording", help="a recording file; with --endpoint, where to save the server's recording")
    chk.add_argument("--policy", required=True)
    chk.add_argument("--endpoint", help="download the recording of this moto_server first (it keeps recording)")
    args = parser.parse_args(argv)

    if args.command == "start":
        _post(args.endpoint, "reset-recording")
        _post(args.endpoint, "start-recording")
        print("recording the requests of %s" % args.endpoint)
        return 0
    if args.command == "record":
        if not commands:
            parser.error("record: give the commands to record after --")
        rc = record(args.endpoint, args.out, commands)
        actions, unsigned = recorded_actions(read_recording(args.out))
        print("recorded %d IAM actions (%d unsigned requests) into %s" % (len(actions), unsigned, args.out))
        return rc
    if args.command == "check" and args.endpoint:
        with urllib.request.urlopen(args.endpoint.rstrip("/") + "/moto-api/recorder/download-recording", timeout=60) as response:
            data = response.read()
        with open(args.recording, "wb") as handle:
            handle.write(data)
    try:
        actions, unsigned = recorded_actions(read_recording(args.recording))
    except RecordingError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    if args.command == "compact":
        with open(args.out, "w", encoding="utf-8") as handle:
            for entry in compact(read_recording(args.recording)):
                handle.write(json.dumps(entry, sort_keys=True) + "\n")
        return 0
    if args.command == "actions":
        print("\n".join(with_implied(actions) if args.implied else actions))
        return 0
    if args.command == "policy":
        text = json.dumps(build_policy(actions, args.project, args.region), indent=2) + "\n"
        if args.out:
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text)
        return 0
    with open(args.policy, encoding="utf-8") as handle:
        policy = json.load(handle)
    missing, wildcards = check(actions, policy)
    for name in wildcards:
        print("wildcard action in %s: %s" % (args.policy, name))
    for name in missing:
        print("not allowed by %s: %s" % (args.policy, name))
    print("%d recorded actions (%d with the implied ones), %d not allowed, %d wildcard actions"
          % (len(actions), len(with_implied(actions)), len(missing), len(wildcards)))
    return 1 if missing or wildcards else 0


if __name__ == "__main__":
    sys.exit(main())
