# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The EC2 Auto Scaling client of the collection (on ``aws_api.AwsClient``).

Single calls go through the retrying client (``common.retry``: jittered backoff on throttling and
transient errors); listings are paginated in full, the whole listing retried as one unit. A batch
call with failed items raises as a whole.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError, AwsClient

# Kept under its old name: the error of every Auto Scaling call.
AutoScalingApiError = AwsApiError


class AutoScalingClient(AwsClient):
    """Describe and change Auto Scaling groups."""

    SERVICE = "autoscaling"

    def describe_group(self, name):
        """The group's description (boto3 shape), or None when there is no such group."""
        groups = self._list("describe_auto_scaling_groups", "AutoScalingGroups", subject="group %s" % name,
                            AutoScalingGroupNames=[name])
        for group in groups:
            if group.get("AutoScalingGroupName") == name:
                return group
        return None

    def describe_scheduled_actions(self, name):
        return self._list("describe_scheduled_actions", "ScheduledUpdateGroupActions", subject="group %s" % name,
                          AutoScalingGroupName=name)

    def describe_policies(self, name):
        return self._list("describe_policies", "ScalingPolicies", subject="group %s" % name, AutoScalingGroupName=name)

    def call(self, operation, kwargs):
        """Run one write operation; a batch call with failed items raises as a whole."""
        name = kwargs.get("AutoScalingGroupName")
        response = self._call(operation, subject="group %s" % name if name else None, **kwargs)
        for failed_key in ("FailedScheduledUpdateGroupActions", "FailedScheduledActions"):
            failed = response.get(failed_key) or []
            if failed:
                detail = "; ".join("%s: %s %s" % (f.get("ScheduledActionName"), f.get("ErrorCode", ""),
                                                  f.get("ErrorMessage", "")) for f in failed)
                raise AwsApiError(self.SERVICE, operation, "BatchItemsFailed",
                                  "autoscaling %s failed for %s" % (operation, detail))
        return response
