# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evaluators of the compliance rules: one function per rule, judging one resource.

``evaluate(name, resource, params, context)`` returns a list of violations, each
``{field, expected, actual, message}`` (``field`` names what is wrong, stably enough to fingerprint
the finding: the same violation gives the same field on every run). An empty list means compliant.
``context`` holds what a rule needs beyond the resource: ``tags`` (the estate's tags),
``data_classes`` (resource id -> data class, for resources whose class is not tagged),
``bucket_regions`` (bucket name -> region, for replication destinations) and ``judge``
(``judge(data_class, from_region, to_region)``: the residency policy's violation or None).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

OPEN_CIDRS = ("0.0.0.0/0", "::/0")
PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
READ_ACTIONS = ("*", "s3:*", "s3:get*", "s3:getobject", "s3:list*", "s3:listbucket", "s3:getobjectversion")
# Condition keys that limit a statement to fixed principals or sources (a value without a wildcard).
RESTRICTING_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
                    "aws:sourceip", "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:userid",
                    "aws:username", "s3:dataaccesspointaccount", "s3:dataaccesspointarn")
DATA_CLASS_TAG = "meridian:data-class"


def _violation(field, expected, actual, message):
    return {"field": field, "expected": expected, "actual": actual, "message": message}


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


# security groups

def _protocol(permission):
    proto = str(permission.get("IpProtocol", "-1")).lower()
    return {"6": "tcp", "17": "udp", "all": "-1"}.get(proto, proto)


def _open_sources(permission):
    v4 = [r.get("CidrIp") for r in permission.get("IpRanges") or []]
    v6 = [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or []]
    return [c for c in v4 + v6 if c in OPEN_CIDRS]


def _ports(permission):
    proto = _protocol(permission)
    if proto == "-1":
        return 0, 65535
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or low == -1:
        return 0, 65535
    return int(low), int(high if high is not None else low)


def _permission_field(permission, source):
    low, high = _ports(permission)
    return "ingress.%s/%d-%d/%s" % (_protocol(permission), low, high, source)


def restricted_ssh(resource, params, context):
    out = []
    for permission in resource["config"].get("IpPermissions") or []:
        proto = _protocol(permission)
        if proto not in ("tcp", "-1"):
            continue
        low, high = _ports(permission)
        if not low <= 22 <= high:
            continue
        for source in _open_sources(permission):
            out.append(_violation(_permission_field(permission, source), "no SSH from %s" % source,
                                  "%s %d-%d from %s" % (proto if proto != "-1" else "all traffic", low, high, source),
                                  "security group %s allows SSH (TCP 22) from %s" % (resource["resource_id"], source)))
    return out


def _port_set(spec, field="authorized ports"):
    """Authorized ports as a list of (low, high) from [443, "1020-1025", ...]."""
    out = []
    for item in _as_list(spec):
        text = str(item).strip()
        if "-" in text:
            low, high = text.split("-", 1)
            out.append((int(low), int(high)))
        elif text:
            out.append((int(text), int(text)))
    return out


def _covered(low, high, allowed):
    return all(any(a <= port <= b for a, b in allowed) for port in range(low, high + 1)) if high - low < 65536 else False


def open_only_to_authorized_ports(resource, params, context):
    allowed = {"tcp": _port_set(params.get("authorized_tcp_ports")), "udp": _port_set(params.get("authorized_udp_ports"))}
    out = []
    for permission in resource["config"].get("IpPermissions") or []:
        proto = _protocol(permission)
        if proto not in ("tcp", "udp", "-1"):
            continue
        sources = _open_sources(permission)
        if not sources:
            continue
        low, high = _ports(permission)
        if proto != "-1" and _covered(low, high, allowed[proto]):
            continue
        for source in sources:
            what = "all traffic" if proto == "-1" else "%s %d-%d" % (proto, low, high)
            out.append(_violation(_permission_field(permission, source),
                                  "only %s open to the internet" % ", ".join(
                                      "%s %s" % (p, ",".join("%d-%d" % r if r[0] != r[1] else str(r[0]) for r in rs))
                                      for p, rs in sorted(allowed.items()) if rs) or "no port open to the internet",
                                  "%s from %s" % (what, source),
                                  "security group %s opens %s to %s, which is not an authorized port"
                                  % (resource["resource_id"], what, source)))
    return out


# instances, launch templates, volumes

def instance_imdsv2(resource, params, context):
    tokens = (resource["config"].get("MetadataOptions") or {}).get("HttpTokens") or "optional"
    if tokens == "required":
        return []
    return [_violation("MetadataOptions.HttpTokens", "required", tokens,
                       "instance %s accepts IMDSv1 (HttpTokens %s)" % (resource["resource_id"], tokens))]


def launch_template_imdsv2(resource, params, context):
    """The default version, as the managed rule judges it, and the latest one when it is another:
    an Auto Scaling group that launches ``$Latest`` (the compute role's) starts instances from it."""
    out = []
    default = resource["config"].get("DefaultVersion") or {}
    latest = resource["config"].get("LatestVersion") or {}
    versions = [("DefaultVersion", default)]
    if latest and latest.get("VersionNumber") != default.get("VersionNumber"):
        versions.append(("LatestVersion", latest))
    for which, version in versions:
        data = version.get("LaunchTemplateData") or {}
        tokens = (data.get("MetadataOptions") or {}).get("HttpTokens") or "optional"
        if tokens != "required":
            out.append(_violation("%s.MetadataOptions.HttpTokens" % which, "required", tokens,
                                  "launch template %s (%s version %s) launches instances that accept IMDSv1 "
                                  "(HttpTokens %s)" % (resource["name"], which[:-7].lower(),
                                                       version.get("VersionNumber", "?"), tokens)))
    return out


def _key_matches(actual, wanted):
    if not wanted:
        return True
    actual = actual or ""
    return actual == wanted or actual.endswith("/" + wanted.split("/")[-1])


def encrypted_volume(resource, params, context):
    config = resource["config"]
    if not config.get("Attachments"):
        return []  # the managed rule judges attached volumes only
    if not config.get("Encrypted"):
        return [_violation("Encrypted", True, False, "volume %s (attached to %s) is not encrypted"
                           % (resource["resource_id"], ", ".join(a.get("InstanceId", "?") for a in config["Attachments"])))]
    if not _key_matches(config.get("KmsKeyId"), params.get("kms_id")):
        return [_violation("KmsKeyId", params["kms_id"], config.get("KmsKeyId"),
                           "volume %s is encrypted with another KMS key" % resource["resource_id"])]
    return []


# buckets

def _restricted(condition):
    """Whether a statement's Condition limits it to fixed principals or sources."""
    for _operator, pairs in (condition or {}).items():
        for key, values in (pairs or {}).items():
            values = _as_list(values)
            if key.lower() in RESTRICTING_KEYS and values and all("*" not in str(v) for v in values):
                if key.lower() == "aws:sourceip" and any(str(v) in OPEN_CIDRS for v in values):
                    continue
                return True
    return False


def _public_principal(principal):
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _as_list(principal.get(k)) for k in ("AWS", "CanonicalUser"))
    return False


def public_read_statements(policy):
    """The Sids (or indexes) of a bucket policy's statements that allow anyone to read."""
    out = []
    statements = _as_list((policy or {}).get("Statement"))
    for i, statement in enumerate(statements):
        if statement.get("Effect") != "Allow" or "NotPrincipal" in statement:
            continue
        if not _public_principal(statement.get("Principal")):
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        if "NotAction" in statement or any(a in READ_ACTIONS for a in actions):
            if not _restricted(statement.get("Condition")):
                out.append(statement.get("Sid") or str(i))
    return out


def public_read_grants(acl):
    out = []
    for grant in (acl or {}).get("Grants") or []:
        uri = (grant.get("Grantee") or {}).get("URI")
        if uri in PUBLIC_GROUPS and grant.get("Permission") in ("READ", "FULL_CONTROL"):
            out.append("%s %s" % (uri.rsplit("/", 1)[-1], grant["Permission"]))
    return out


def bucket_public_read(resource, params, context):
    config = resource["config"]
    block = config.get("public_access_block") or {}
    out = []
    if not block.get("RestrictPublicBuckets"):
        for sid in public_read_statements(config.get("policy")):
            out.append(_violation("policy.Statement[%s]" % sid, "no public read", "Allow * to read",
                                  "bucket %s's policy lets anyone read it (statement %s) and Block Public Access does "
                                  "not restrict public policies" % (resource["resource_id"], sid)))
    if not block.get("IgnorePublicAcls"):
        for grant in public_read_grants(config.get("acl")):
            out.append(_violation("acl.%s" % grant.split()[0], "no public grant", grant,
                                  "bucket %s's ACL grants %s and Block Public Access does not ignore public ACLs"
                                  % (resource["resource_id"], grant)))
    return out


BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def bucket_public_access_block(resource, params, context):
    if resource["resource_id"] in _as_list(params.get("excluded_public_buckets")):
        return []
    block = resource["config"].get("public_access_block") or {}
    off = [k for k in BLOCK_SETTINGS if not block.get(k)]
    if not off:
        return []
    return [_violation("PublicAccessBlock.%s" % k, True, bool(block.get(k, False)),
                       "bucket %s: Block Public Access %s is off" % (resource["resource_id"], k)) for k in off]


def bucket_versioning(resource, params, context):
    versioning = resource["config"].get("versioning") or {}
    status = versioning.get("Status") or "never enabled"
    out = []
    if status != "Enabled":
        out.append(_violation("Versioning.Status", "Enabled", status,
                              "bucket %s's versioning is %s" % (resource["resource_id"], status)))
    if params.get("is_mfa_delete_enabled") and versioning.get("MFADelete") != "Enabled":
        out.append(_violation("Versioning.MFADelete", "Enabled", versioning.get("MFADelete") or "Disabled",
                              "bucket %s does not require MFA to delete versions" % resource["resource_id"]))
    return out


# CloudFront

def cloudfront_https(resource, params, context):
    config = resource["config"]
    behaviours = [("DefaultCacheBehavior", config.get("DefaultCacheBehavior") or {})]
    for item in (config.get("CacheBehaviors") or {}).get("Items") or []:
        behaviours.append(("CacheBehaviors[%s]" % item.get("PathPattern"), item))
    out = []
    for where, behaviour in behaviours:
        policy = behaviour.get("ViewerProtocolPolicy")
        if policy == "allow-all":
            out.append(_violation("%s.ViewerProtocolPolicy" % where, "redirect-to-https or https-only", policy,
                                  "distribution %s serves HTTP on %s" % (resource["resource_id"], where)))
    return out


# RDS

def _is_replica(config):
    return bool(config.get("ReadReplicaSourceDBInstanceIdentifier"))


def db_deletion_protection(resource, params, context):
    config = resource["config"]
    engines = [e.strip() for e in _as_list(params.get("database_engines")) if str(e).strip()]
    if engines and config.get("Engine") not in engines:
        return []
    if config.get("DeletionProtection"):
        return []
    return [_violation("DeletionProtection", True, False,
                       "database %s can be deleted (deletion protection off)" % resource["resource_id"])]


def db_storage_encrypted(resource, params, context):
    config = resource["config"]
    if not config.get("StorageEncrypted"):
        return [_violation("StorageEncrypted", True, False, "database %s's storage is not encrypted"
                           % resource["resource_id"])]
    if not _key_matches(config.get("KmsKeyId"), params.get("kms_key_id")):
        return [_violation("KmsKeyId", params["kms_key_id"], config.get("KmsKeyId"),
                           "database %s is encrypted with another KMS key" % resource["resource_id"])]
    return []


def db_backup(resource, params, context):
    config = resource["config"]
    if _is_replica(config) and not params.get("check_read_replicas"):
        return []
    days = int(config.get("BackupRetentionPeriod") or 0)
    minimum = max(1, int(params.get("backup_retention_minimum") or 1))
    if days >= minimum:
        return []
    return [_violation("BackupRetentionPeriod", ">= %d" % minimum, days,
                       "database %s keeps automated backups %d days (at least %d required)"
                       % (resource["resource_id"], days, minimum))]


def db_public_access(resource, params, context):
    if not resource["config"].get("PubliclyAccessible"):
        return []
    return [_violation("PubliclyAccessible", False, True, "database %s is publicly accessible" % resource["resource_id"])]


# VPC

def vpc_flow_logs(resource, params, context):
    logs = [f for f in resource["config"].get("FlowLogs") or [] if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
    wanted = params.get("traffic_type")
    if wanted:
        logs = [f for f in logs if f.get("TrafficType") in (wanted, "ALL")]
    if logs:
        return []
    return [_violation("FlowLogs", "an active flow log%s" % (" of %s traffic" % wanted if wanted else ""), "none",
                       "VPC %s has no active flow log" % resource["resource_id"])]


# tags

def required_tags(resource, params, context):
    if resource.get("aws_default"):
        return []
    wanted = dict(params.get("tags") or context.get("tags") or {})
    if resource["resource_type"] == "AWS::S3::Bucket":
        for key in _as_list(params.get("bucket_tags")):
            wanted.setdefault(key, None)
    have = resource.get("tags") or {}
    out = []
    for key in sorted(wanted):
        value = wanted[key]
        if key not in have:
            out.append(_violation("tags.%s" % key, value if value not in (None, "") else "any value", None,
                                  "%s %s has no %s tag" % (resource["resource_type"], resource["resource_id"], key)))
        elif value not in (None, "") and str(have[key]) != str(value):
            out.append(_violation("tags.%s" % key, value, have[key], "%s %s has %s=%s, not %s"
                                  % (resource["resource_type"], resource["resource_id"], key, have[key], value)))
    return out


# residency

def _data_class(resource, context, other_id=None):
    cls = (resource.get("tags") or {}).get(DATA_CLASS_TAG) or (context.get("data_classes") or {}).get(resource["resource_id"])
    if not cls and other_id:
        cls = (context.get("data_classes") or {}).get(other_id)
    return cls


def _judge(resource, data_class, source, target, what, context):
    found = context["judge"](data_class, source, target)
    if not found:
        return []
    return [_violation("residency.%s" % what, "a region in %s" % ", ".join(found.get("allowed") or []),
                       "%s (%s)" % (target, found.get("to")),
                       "%s: %s data held under %s rules (%s) is copied to %s (%s), outside its boundary (%s)%s"
                       % (resource["resource_id"], data_class, found.get("jurisdiction"), source, target, found.get("to"),
                          ", ".join(found.get("allowed") or []),
                          "; source: %s" % found["source"] if found.get("source") else ""))]


def _missing_class(resource):
    return [_violation("data_class", "a data class of the residency policy", None,
                       "%s carries no %s tag and the inventory gives no data class for it: its residency cannot be "
                       "judged" % (resource["resource_id"], DATA_CLASS_TAG))]


def data_residency(resource, params, context):
    config = resource["config"]
    if resource["resource_type"] == "AWS::S3::Bucket":
        rules = [r for r in ((config.get("replication") or {}).get("Rules") or []) if r.get("Status", "Enabled") == "Enabled"]
        data_class = _data_class(resource, context)
        if not data_class:
            return _missing_class(resource)
        out = []
        regions = context.get("bucket_regions") or {}
        for rule in rules:
            arn = ((rule.get("Destination") or {}).get("Bucket") or "")
            target_bucket = arn.split(":::")[-1]
            target = regions.get(target_bucket)
            if not target:
                out.append(_violation("residency.replication[%s]" % (rule.get("ID") or target_bucket),
                                      "a destination in a known region", "bucket %s, region unknown" % target_bucket,
                                      "%s replicates %s data to %s, whose region the scan could not read"
                                      % (resource["resource_id"], data_class, target_bucket)))
                continue
            out.extend(_judge(resource, data_class, resource["region"], target,
                              "replication[%s]" % (rule.get("ID") or target_bucket), context))
        return out
    # a database instance: its read replica is a copy of the source's data
    source = config.get("ReadReplicaSourceDBInstanceIdentifier")
    source_id = source.split(":")[-1] if source else None
    data_class = _data_class(resource, context, source_id)
    if not data_class:
        return _missing_class(resource)
    if not source:
        return []
    source_region = source.split(":")[3] if source.startswith("arn:") else resource["region"]
    return _judge(resource, data_class, source_region, resource["region"], "read_replica", context)


EVALUATORS = {
    "restricted_ssh": restricted_ssh,
    "open_only_to_authorized_ports": open_only_to_authorized_ports,
    "instance_imdsv2": instance_imdsv2,
    "launch_template_imdsv2": launch_template_imdsv2,
    "encrypted_volume": encrypted_volume,
    "bucket_public_read": bucket_public_read,
    "bucket_public_access_block": bucket_public_access_block,
    "bucket_versioning": bucket_versioning,
    "cloudfront_https": cloudfront_https,
    "db_deletion_protection": db_deletion_protection,
    "db_storage_encrypted": db_storage_encrypted,
    "db_backup": db_backup,
    "db_public_access": db_public_access,
    "vpc_flow_logs": vpc_flow_logs,
    "required_tags": required_tags,
    "data_residency": data_residency,
}


def evaluate(name, resource, params, context):
    return EVALUATORS[name](resource, params, context)
