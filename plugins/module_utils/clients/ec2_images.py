# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The image client wrappers of the collection: an SSM parameter's value, an AMI, instance types' architectures.

Build them from an ``AnsibleAWSModule``: ``ImageClient.from_module(module)`` and
``ParameterClient.from_module(module)``. Every call goes through the retrying client (``common.retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library.

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsClient, api_error


class ParameterClient(AwsClient):
    SERVICE = "ssm"

    def value(self, name):
        """The parameter's value, or ``None`` when the region has no such parameter."""
        try:
            return self.client.get_parameter(aws_retry=True, Name=name)["Parameter"]["Value"]
        except botocore.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
                return None
            raise api_error(self.SERVICE, "get_parameter", err, subject="parameter %s" % name)
        except botocore.exceptions.BotoCoreError as err:
            raise api_error(self.SERVICE, "get_parameter", err, subject="parameter %s" % name)


class ImageClient(AwsClient):
    SERVICE = "ec2"

    def image(self, image_id):
        """The DescribeImages entry of ``image_id``, or ``None`` when the region has no such image."""
        try:
            images = self.client.describe_images(aws_retry=True, ImageIds=[image_id]).get("Images", [])
        except botocore.exceptions.ClientError as err:
            missing = ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")
            if err.response.get("Error", {}).get("Code") in missing:
                return None
            raise api_error(self.SERVICE, "describe_images", err, subject="image %s" % image_id)
        except botocore.exceptions.BotoCoreError as err:
            raise api_error(self.SERVICE, "describe_images", err, subject="image %s" % image_id)
        return images[0] if images else None

    def architectures(self, instance_types):
        """``{instance type: [architectures]}``; a type the region does not offer maps to ``None``."""
        found = {}
        if instance_types:
            entries = self._list("describe_instance_types", "InstanceTypes", subject=", ".join(instance_types),
                                 Filters=[{"Name": "instance-type", "Values": list(instance_types)}])
            for entry in entries:
                found[entry["InstanceType"]] = sorted(entry.get("ProcessorInfo", {}).get("SupportedArchitectures", []))
        return dict((itype, found.get(itype)) for itype in instance_types)
