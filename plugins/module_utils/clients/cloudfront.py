# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudFront client wrapper of the collection: distributions (found by comment, read with their
ETag, created with tags, updated, tagged) and origin access controls (listed, created, updated,
deleted).

Build it from an ``AnsibleAWSModule``: ``CloudFrontClient.from_module(module)`` (CloudFront is a
global service whose API lives in us-east-1). Listings are paginated in full and retried as one
unit; single calls go through the retrying client (both ``common.retry``). Updates and deletes send
the ETag read just before (``IfMatch``), so a concurrent change fails (PreconditionFailed) instead of
being overwritten.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry


class CloudFrontClient(AwsClient):
    SERVICE = "cloudfront"

    @classmethod
    def from_module(cls, module, region="us-east-1"):
        return cls(retry.retrying_client(module, cls.SERVICE, region=region))

    # distributions

    def distributions(self):
        """Every distribution summary of the account (ListDistributions, all pages)."""
        listing = self._list("list_distributions", "DistributionList", subject="account")
        return list((listing or {}).get("Items") or [])

    def find_distribution(self, comment):
        """The summaries of the distributions whose comment is ``comment``."""
        return [d for d in self.distributions() if d.get("Comment") == comment]

    def distribution_config(self, distribution_id):
        """``{"DistributionConfig": ..., "ETag": ...}`` of one distribution."""
        response = self._call("get_distribution_config", subject="distribution %s" % distribution_id, Id=distribution_id)
        return {"DistributionConfig": response["DistributionConfig"], "ETag": response.get("ETag")}

    def create_distribution(self, config, tags):
        """CreateDistributionWithTags; returns the new Distribution (Id, ARN, DomainName, Status...)."""
        request = {"DistributionConfig": config,
                   "Tags": {"Items": [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]}}
        return self._call("create_distribution_with_tags", subject="distribution %s" % config.get("Comment"),
                          permission="cloudfront:CreateDistribution and cloudfront:TagResource",
                          DistributionConfigWithTags=request)["Distribution"]

    def update_distribution(self, distribution_id, config, etag):
        return self._call("update_distribution", subject="distribution %s" % distribution_id,
                          Id=distribution_id, IfMatch=etag, DistributionConfig=config)["Distribution"]

    def tags(self, arn):
        response = self._call("list_tags_for_resource", subject=arn, Resource=arn)
        return dict((t["Key"], t.get("Value", "")) for t in (response.get("Tags") or {}).get("Items") or [])

    def set_tags(self, arn, tags):
        return self._call("tag_resource", subject=arn, Resource=arn,
                          Tags={"Items": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    def unset_tags(self, arn, keys):
        return self._call("untag_resource", subject=arn, Resource=arn, TagKeys={"Items": sorted(keys)})

    # origin access controls

    def origin_access_controls(self):
        """Every origin access control summary of the account (ListOriginAccessControls, all pages)."""
        listing = self._list("list_origin_access_controls", "OriginAccessControlList", subject="account")
        return list((listing or {}).get("Items") or [])

    def find_origin_access_control(self, name):
        return [o for o in self.origin_access_controls() if o.get("Name") == name]

    def create_origin_access_control(self, config):
        response = self._call("create_origin_access_control", subject="origin access control %s" % config["Name"],
                              OriginAccessControlConfig=config)
        return response["OriginAccessControl"]

    def _etag(self, oac_id):
        return self._call("get_origin_access_control", subject="origin access control %s" % oac_id, Id=oac_id).get("ETag")

    def update_origin_access_control(self, oac_id, config):
        return self._call("update_origin_access_control", subject="origin access control %s" % oac_id, Id=oac_id,
                          IfMatch=self._etag(oac_id), OriginAccessControlConfig=config)["OriginAccessControl"]

    def delete_origin_access_control(self, oac_id):
        return self._call("delete_origin_access_control", subject="origin access control %s" % oac_id, Id=oac_id,
                          IfMatch=self._etag(oac_id))
