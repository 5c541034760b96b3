# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for VPC flow logs: validation, identity, comparison and the plan.

Nothing here calls an API. A flow log is identified by its resource and its destination (the log
group for CloudWatch Logs, the bucket ARN for S3): EC2 itself refuses a second flow log with the
same pair. Apart from its tags a flow log cannot be modified, so any other difference is planned
as a replacement (delete, then create).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import re

# The format EC2 applies when none is given (the version 2 default fields).
DEFAULT_LOG_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
    "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)
TRAFFIC_TYPES = ("ACCEPT", "ALL", "REJECT")
DESTINATION_TYPES = ("cloud-watch-logs", "s3")
RESOURCE_TYPES = {"VPC": "vpc-", "Subnet": "subnet-", "NetworkInterface": "eni-"}
AGGREGATION_INTERVALS = (60, 600)
# Settings EC2 cannot change on an existing flow log.
IMMUTABLE = ("deliver_logs_role_arn", "log_format", "max_aggregation_interval", "traffic_type")

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$")
_LOG_GROUP = re.compile(r"^[\w#/.-]{1,512}$")
_LOG_FORMAT = re.compile(r"^\$\{[a-z0-9-]+\}( \$\{[a-z0-9-]+\})*$")
_RESOURCE_ID = re.compile(r"^[a-z]+-[0-9a-f]{8,17}$")


class FlowLogError(MeridianError):
    """A flow log setting that cannot be applied; ``field`` names the option."""


def _s3_destination(arn):
    return arn.rstrip("/") if arn else arn


def _tags(tags, field="tags"):
    if tags is None:
        return None
    if not isinstance(tags, dict):
        raise FlowLogError(field, "expected a mapping of tag names to values, got %r" % (tags,))
    out = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key or len(key) > 127 or key.lower().startswith("aws:"):
            raise FlowLogError(field, "%r is not a valid tag key (1-127 characters, not starting with aws:)" % (key,))
        if value is None:
            value = ""
        if isinstance(value, (dict, list)):
            raise FlowLogError(field, "the value of tag %r must be a string, got %r" % (key, value))
        value = str(value)
        if len(value) > 255:
            raise FlowLogError(field, "the value of tag %r is longer than 255 characters" % key)
        out[key] = value
    return out


def desired_flow_log(params):
    """Validate the module's options and return the flow log they describe.

    ``params`` holds resource_id, resource_type, state, destination_type, log_group_name,
    deliver_logs_role_arn, s3_bucket_arn, traffic_type, log_format, max_aggregation_interval and
    tags. Raises FlowLogError naming the option. For ``state=absent`` only the identity (resource
    and destination) is required.
    """
    resource_type = params.get("resource_type") or "VPC"
    if resource_type not in RESOURCE_TYPES:
        raise FlowLogError("resource_type", "%r is not one of %s" % (resource_type, ", ".join(sorted(RESOURCE_TYPES))))
    resource_id = params.get("resource_id")
    prefix = RESOURCE_TYPES[resource_type]
    if not isinstance(resource_id, str) or not resource_id.startswith(prefix) or not _RESOURCE_ID.match(resource_id):
        raise FlowLogError("resource_id", "%r is not a %s id (%s followed by 8 or 17 hexadecimal digits)"
                           % (resource_id, resource_type, prefix))
    destination_type = params.get("destination_type") or "cloud-watch-logs"
    if destination_type not in DESTINATION_TYPES:
        raise FlowLogError("destination_type", "%r is not one of %s" % (destination_type, ", ".join(DESTINATION_TYPES)))
    present = params.get("state", "present") == "present"
    group = params.get("log_group_name")
    role = params.get("deliver_logs_role_arn")
    bucket = params.get("s3_bucket_arn")
    if destination_type == "cloud-watch-logs":
        if not group:
            raise FlowLogError("log_group_name", "required when destination_type is cloud-watch-logs")
        if not _LOG_GROUP.match(group):
            raise FlowLogError("log_group_name", "%r is not a CloudWatch Logs group name" % (group,))
        if bucket:
            raise FlowLogError("s3_bucket_arn", "only for destination_type s3; remove it or set destination_type: s3")
        if present and not role:
            raise FlowLogError("deliver_logs_role_arn", "required when destination_type is cloud-watch-logs: the IAM role "
                               "that lets vpc-flow-logs.amazonaws.com write to the log group")
        destination = group
    else:
        if not bucket:
            raise FlowLogError("s3_bucket_arn", "required when destination_type is s3 (arn:aws:s3:::BUCKET[/PREFIX/])")
        if not _S3_ARN.match(bucket):
            raise FlowLogError("s3_bucket_arn", "%r is not an S3 bucket ARN (arn:aws:s3:::BUCKET[/PREFIX/])" % (bucket,))
        if group:
            raise FlowLogError("log_group_name", "only for destination_type cloud-watch-logs; remove it or use s3_bucket_arn")
        if role:
            raise FlowLogError("deliver_logs_role_arn", "only for destination_type cloud-watch-logs; S3 delivery uses the "
                               "bucket policy")
        destination = _s3_destination(bucket)
    if role and not _ROLE_ARN.match(role):
        raise FlowLogError("deliver_logs_role_arn", "%r is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)" % (role,))
    traffic_type = params.get("traffic_type") or "ALL"
    if traffic_type not in TRAFFIC_TYPES:
        raise FlowLogError("traffic_type", "%r is not one of %s" % (traffic_type, ", ".join(TRAFFIC_TYPES)))
    log_format = params.get("log_format")
    if log_format is None or log_format == "":
        log_format = DEFAULT_LOG_FORMAT
    log_format = " ".join(str(log_format).split())
    if not _LOG_FORMAT.match(log_format):
        raise FlowLogError("log_format", "%r is not a list of ${field} names separated by spaces" % (params.get("log_format"),))
    interval = params.get("max_aggregation_interval")
    interval = 600 if interval is None else interval
    if isinstance(interval, bool) or interval not in AGGREGATION_INTERVALS:
        raise FlowLogError("max_aggregation_interval", "%r is not 60 or 600 (seconds)" % (interval,))
    return {
        "resource_id": resource_id,
        "resource_type": resource_type,
        "destination_type": destination_type,
        "destination": destination,
        "deliver_logs_role_arn": role or None,
        "traffic_type": traffic_type,
        "log_format": log_format,
        "max_aggregation_interval": int(interval),
        "tags": _tags(params.get("tags")),
    }


def normalise_flow_log(described):
    """A flow log as DescribeFlowLogs returns it, in the shape of desired_flow_log (plus its id)."""
    destination_type = described.get("LogDestinationType") or "cloud-watch-logs"
    if destination_type == "cloud-watch-logs":
        destination = described.get("LogGroupName")
        if not destination and described.get("LogDestination"):
            # arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]
            destination = described["LogDestination"].split(":log-group:", 1)[-1]
            if destination.endswith(":*"):
                destination = destination[:-2]
    else:
        destination = _s3_destination(described.get("LogDestination"))
    resource_id = described.get("ResourceId", "")
    resource_type = next((t for t, p in RESOURCE_TYPES.items() if resource_id.startswith(p)), None)
    return {
        "flow_log_id": described.get("FlowLogId"),
        "resource_id": resource_id,
        "resource_type": resource_type,
        "destination_type": destination_type,
        "destination": destination,
        "deliver_logs_role_arn": described.get("DeliverLogsPermissionArn") or None,
        "traffic_type": described.get("TrafficType"),
        "log_format": " ".join((described.get("LogFormat") or DEFAULT_LOG_FORMAT).split()),
        "max_aggregation_interval": int(described.get("MaxAggregationInterval") or 600),
        "tags": dict((t["Key"], t["Value"]) for t in described.get("Tags") or []),
        "deliver_logs_status": described.get("DeliverLogsStatus"),
    }


def same_flow_log(current, desired):
    """True when ``current`` (normalised) is the flow log of ``desired``'s resource and destination."""
    return (current["resource_id"] == desired["resource_id"]
            and current["destination_type"] == desired["destination_type"]
            and current["destination"] == desired["destination"])


def _view(flow_log):
    """The compared settings of a flow log, keys sorted (for diff and return)."""
    if flow_log is None:
        return {}
    keys = ("deliver_logs_role_arn", "destination", "destination_type", "log_format", "max_aggregation_interval",
            "resource_id", "resource_type", "tags", "traffic_type")
    out = dict((k, flow_log.get(k)) for k in keys)
    out["tags"] = dict(sorted((out["tags"] or {}).items()))
    return dict(sorted(out.items()))


def flow_log_plan(described, desired, state="present", purge_tags=True):
    """What to do to reach ``desired`` from the flow logs EC2 describes for the resource.

    ``described`` is the raw DescribeFlowLogs list for the resource (any destination); only those of
    ``desired``'s destination are considered. Returns a dict with ``action`` (none, create, replace,
    tags, delete), ``delete_ids``, ``set_tags``, ``unset_tags``, ``flow_log_id`` (kept, or None),
    ``create`` (the settings to create with, or None), ``changed`` and ``before``/``after`` views.
    """
    matches = [f for f in (normalise_flow_log(d) for d in described or []) if same_flow_log(f, desired)]
    matches.sort(key=lambda f: f["flow_log_id"] or "")
    current = matches[0] if matches else None
    plan = {"action": "none", "delete_ids": [], "set_tags": {}, "unset_tags": [], "create": None,
            "flow_log_id": current["flow_log_id"] if current else None, "differences": []}
    if state == "absent":
        plan["delete_ids"] = [f["flow_log_id"] for f in matches]
        plan["action"] = "delete" if matches else "none"
        plan["flow_log_id"] = None
        plan.update(changed=bool(matches), before=_view(current), after={})
        return plan

    wanted = dict(desired)
    if wanted["tags"] is None:
        wanted["tags"] = dict(current["tags"]) if current else {}
    elif not purge_tags and current:
        merged = dict(current["tags"])
        merged.update(wanted["tags"])
        wanted["tags"] = merged
    if current is None:
        plan.update(action="create", create=wanted, changed=True, before={}, after=_view(wanted))
        return plan
    # duplicates of the same identity (possible only from outside EC2's own check) are removed
    plan["delete_ids"] = [f["flow_log_id"] for f in matches[1:]]
    differences = sorted(k for k in IMMUTABLE if current[k] != wanted[k])
    plan["differences"] = differences
    if differences:
        plan.update(action="replace", create=wanted, flow_log_id=None,
                    delete_ids=[f["flow_log_id"] for f in matches])
    else:
        plan["set_tags"] = dict((k, v) for k, v in sorted(wanted["tags"].items()) if current["tags"].get(k) != v)
        plan["unset_tags"] = sorted(k for k in current["tags"] if k not in wanted["tags"])
        if plan["set_tags"] or plan["unset_tags"]:
            plan["action"] = "tags"
        elif plan["delete_ids"]:
            plan["action"] = "delete_duplicates"
    plan.update(changed=plan["action"] != "none", before=_view(current), after=_view(wanted))
    return plan


def create_flow_logs_request(wanted):
    """The CreateFlowLogs parameters of a planned flow log (tags as a tag specification)."""
    request = {
        "ResourceIds": [wanted["resource_id"]],
        "ResourceType": wanted["resource_type"],
        "TrafficType": wanted["traffic_type"],
        "LogDestinationType": wanted["destination_type"],
        "LogFormat": wanted["log_format"],
        "MaxAggregationInterval": wanted["max_aggregation_interval"],
    }
    if wanted["destination_type"] == "cloud-watch-logs":
        request["LogGroupName"] = wanted["destination"]
        request["DeliverLogsPermissionArn"] = wanted["deliver_logs_role_arn"]
    else:
        request["LogDestination"] = wanted["destination"]
    if wanted.get("tags"):
        request["TagSpecifications"] = [{
            "ResourceType": "vpc-flow-log",
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(wanted["tags"].items())],
        }]
    return request
