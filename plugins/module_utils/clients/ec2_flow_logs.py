# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EC2 flow-log client wrapper of the collection: describe, create, delete and tag flow logs.

Build it from an ``AnsibleAWSModule``: ``FlowLogClient.from_module(module)``. The listing is
paginated in full and retried as one unit; single calls go through the retrying client (both
``common.retry``). ``create`` sends a client token, so a retried create cannot create two flow logs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsClient


class FlowLogClient(AwsClient):
    SERVICE = "ec2"

    def describe(self, resource_id):
        """Every flow log (DescribeFlowLogs shape) of one VPC, subnet or network interface."""
        return self._list("describe_flow_logs", "FlowLogs", subject="resource %s" % resource_id,
                          Filters=[{"Name": "resource-id", "Values": [resource_id]}])

    def create(self, request):
        """CreateFlowLogs with ``request`` (see ``aws.flow_log.create_flow_logs_request``); returns the
        response, whose ``Unsuccessful`` the caller judges."""
        kwargs = dict(request)
        kwargs.setdefault("ClientToken", str(uuid.uuid4()))
        subject = "resource %s" % ", ".join(request.get("ResourceIds", []))
        return self._call("create_flow_logs", subject=subject,
                          permission="ec2:CreateFlowLogs (and iam:PassRole on the delivery role)", **kwargs)

    def delete(self, flow_log_ids):
        return self._call("delete_flow_logs", subject=", ".join(flow_log_ids), FlowLogIds=list(flow_log_ids))

    def set_tags(self, flow_log_id, tags):
        return self._call("create_tags", subject=flow_log_id, Resources=[flow_log_id],
                          Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])

    def unset_tags(self, flow_log_id, keys):
        return self._call("delete_tags", subject=flow_log_id, Resources=[flow_log_id],
                          Tags=[{"Key": k} for k in sorted(keys)])
