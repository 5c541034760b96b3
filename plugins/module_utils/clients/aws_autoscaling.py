# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one EC2 Auto Scaling client wrapper of the collection.

Build it from an ``AnsibleAWSModule``: ``AutoScalingClient.from_module(module)``. Single calls go
through amazon.aws's retrying client (``AWSRetry.jittered_backoff`` on throttling and transient
errors); listings are paginated in full, the whole listing retried as one unit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library.

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.retry import aws_retry, paginate_all


class AutoScalingApiError(MeridianError):
    """An EC2 Auto Scaling call failed; ``operation`` names it, ``error`` is the botocore error if any."""

    def __init__(self, operation, message, error=None):
        self.operation = operation
        self.error = error
        super(AutoScalingApiError, self).__init__(None, "%s failed: %s" % (operation, message))


def _paginate(client, operation, key, **kwargs):
    return paginate_all(client, operation, **kwargs).get(key, [])


class AutoScalingClient:
    """Describe and change Auto Scaling groups. ``client`` is a boto3 ``autoscaling`` client, ideally
    the retrying wrapper returned by ``module.client('autoscaling', retry_decorator=...)``."""

    def __init__(self, client, retrying=True):
        self.client = client
        self._retry_kwargs = {"aws_retry": True} if retrying else {}

    @classmethod
    def from_module(cls, module):
        return cls(module.client("autoscaling", retry_decorator=aws_retry()))

    def _raw(self):
        # Paginators come from the plain boto3 client; the retrying wrapper only wraps calls.
        return getattr(self.client, "client", self.client)

    def _list(self, operation, key, **kwargs):
        try:
            return _paginate(self._raw(), operation, key, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            raise AutoScalingApiError(operation, str(err), err)

    def describe_group(self, name):
        """The group's description (boto3 shape), or None when there is no such group."""
        groups = self._list("describe_auto_scaling_groups", "AutoScalingGroups", AutoScalingGroupNames=[name])
        for group in groups:
            if group.get("AutoScalingGroupName") == name:
                return group
        return None

    def describe_scheduled_actions(self, name):
        return self._list("describe_scheduled_actions", "ScheduledUpdateGroupActions", AutoScalingGroupName=name)

    def describe_policies(self, name):
        return self._list("describe_policies", "ScalingPolicies", AutoScalingGroupName=name)

    def call(self, operation, kwargs):
        """Run one write operation; a batch call with failed items raises as a whole."""
        try:
            response = getattr(self.client, operation)(**dict(kwargs, **self._retry_kwargs))
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as err:
            raise AutoScalingApiError(operation, str(err), err)
        for failed_key in ("FailedScheduledUpdateGroupActions", "FailedScheduledActions"):
            failed = response.get(failed_key) or []
            if failed:
                detail = "; ".join("%s: %s %s" % (f.get("ScheduledActionName"), f.get("ErrorCode", ""),
                                                  f.get("ErrorMessage", "")) for f in failed)
                raise AutoScalingApiError(operation, detail)
        return response
