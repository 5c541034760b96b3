#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ec2_image_info
short_description: Resolve a region's machine image and check that the instance types can boot it
version_added: 0.2.0
description:
  - Resolves the AMI of one region, either an explicit AMI ID or the value of an SSM parameter read in
    that region (for example the public Amazon Linux 2023 parameter
    C(/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64)), which names a different
    image in every region.
  - Reads the image back (C(DescribeImages)) and fails when the region has no such image, when it is not
    available, or when one of O(instance_types) cannot boot its architecture (C(DescribeInstanceTypes)).
  - Read-only; every option is validated before any API call and an invalid one fails naming the option.
  - Every call is retried with jittered exponential backoff on throttling and transient server errors;
    other errors fail at once with the operation, the AWS error code and the fix.
author:
  - Meridian platform engineering (@meridian)
options:
  image_id:
    description:
      - An AMI ID of this region, or V(resolve:ssm:<parameter>); empty uses O(ssm_parameter).
    type: str
    default: ""
  ssm_parameter:
    description:
      - The SSM parameter whose value is the AMI ID in this region, used when O(image_id) is empty.
    type: str
    default: ""
  instance_types:
    description: Instance types that will boot the image; each must support the image's architecture.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; changes nothing.
notes:
  - IAM actions called - C(ssm:GetParameter) (only with a parameter), C(ec2:DescribeImages),
    C(ec2:DescribeInstanceTypes).
"""

EXAMPLES = r"""
- name: Resolve the region's Amazon Linux 2023 image for the web service's instances
  meridian.global_infra.ec2_image_info:
    region: eu-west-1
    ssm_parameter: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
    instance_types: [t3.small]
  register: image

- name: Check an explicit image of this region
  meridian.global_infra.ec2_image_info:
    region: us-east-1
    image_id: ami-0123456789abcdef0
    instance_types: [t3.small, t3.medium]
"""

RETURN = r"""
image:
  description: The resolved image.
  returned: success
  type: dict
  contains:
    image_id:
      description: The AMI ID in this region.
      type: str
      sample: ami-0d27e0fb3bac4d724
    name:
      description: The image's name.
      type: str
      sample: al2023-ami-2023.6.20241212.0-kernel-6.1-x86_64
    architecture:
      description: The image's architecture.
      type: str
      sample: x86_64
    creation_date:
      description: When the image was created.
      type: str
    owner_id:
      description: The account that owns the image.
      type: str
    source:
      description: V(ssm) when resolved from a parameter, V(id) when given.
      type: str
      sample: ssm
    parameter:
      description: The SSM parameter read (empty for an explicit ID).
      type: str
instance_types:
  description: The architectures each instance type runs.
  returned: success
  type: dict
  sample: {t3.small: [i386, x86_64]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.images import (
    ImageError,
    image_errors,
    image_source,
    image_summary,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.ec2_images import ImageClient, ParameterClient
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def settings(module):
    """The image source, from the options alone (before any API call)."""
    params = module.params
    return image_source(params["image_id"], params["ssm_parameter"], module.region,
                        field="image_id" if params["image_id"] else "ssm_parameter", parameter_field="ssm_parameter")


def run(module, source, images, parameters):
    """Resolve, read back and judge the image; returns the module's result."""
    region = module.region
    image_id = source.get("image_id")
    if source["kind"] == "ssm":
        image_id = parameters.value(source["parameter"])
        if not image_id:
            raise ImageError("ssm_parameter", "SSM parameter %s does not exist in %s: give a parameter that names an "
                                              "image in every region, or an AMI ID of %s" % (source["parameter"], region, region))
        source = dict(source, image_id=image_id)
    image = images.image(image_id)
    instance_types = sorted(set(module.params["instance_types"]))
    archs = images.architectures(instance_types)
    errors = image_errors(image, archs, region, source)
    if errors:
        raise ImageError(None, "; ".join(errors))
    return {"changed": False, "image": image_summary(image, source), "instance_types": archs}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            image_id=dict(type="str", default=""),
            ssm_parameter=dict(type="str", default=""),
            instance_types=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    try:
        source = settings(module)
        module.exit_json(**run(module, source, ImageClient.from_module(module), ParameterClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
