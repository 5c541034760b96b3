# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudFront listing client of the collection: every distribution of the account with its tags.

Build it from an ``AnsibleAWSModule``: ``CloudFrontTagsClient.from_module(module)`` (CloudFront is
global; its API lives in us-east-1). The listing is paginated in full and retried as one unit; each
``ListTagsForResource`` goes through the retrying client (both ``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsClient


class CloudFrontTagsClient(AwsClient):
    SERVICE = "cloudfront"

    def distributions(self):
        """Every distribution summary (ListDistributions' DistributionList.Items)."""
        listed = self._list("list_distributions", "DistributionList", subject="the account's distributions")
        return (listed or {}).get("Items", []) or []

    def tags(self, arn):
        """The tags of one distribution, as a dict."""
        answer = self._call("list_tags_for_resource", subject="distribution %s" % arn, Resource=arn)
        return dict((t["Key"], t.get("Value", "")) for t in answer.get("Tags", {}).get("Items", []) or [])
