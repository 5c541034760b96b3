# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the machine images of the regions (module_utils/aws/images)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.images import image_plan_errors, service_artifact_errors
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


class FilterModule(object):
    def filters(self):
        return {
            "image_plan_errors": filter_errors(field="_input", shape=(KeyError, TypeError, AttributeError),
                                               expected="a list of {host, region, image_id, parameter}")(image_plan_errors),
            "service_artifact_errors": filter_errors(field="_input", shape=(TypeError, AttributeError),
                                                     expected="a URL string")(service_artifact_errors),
        }
