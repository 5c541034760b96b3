# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that shape the regional AWS stack's module arguments (module_utils/aws: compute, cdn, network)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.compute import (
    alb_listeners,
    asg_drift,
    asg_tags,
    launch_instance_types,
    launch_template_drift,
    mixed_instances_errors,
    mixed_instances_policy,
    stale_target_tracking_policies,
    target_tracking_policy,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.cdn import cloudfront_drift, cloudfront_settings, static_bucket_policy
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.network import security_group_exposure
from ansible_collections.meridian.global_infra.plugins.module_utils.aws.storage import bucket_drift
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


class FilterModule(object):
    def filters(self):
        plans = (asg_tags, asg_drift, bucket_drift, launch_template_drift, alb_listeners, cloudfront_settings,
                 cloudfront_drift, security_group_exposure, mixed_instances_policy, mixed_instances_errors, launch_instance_types,
                 target_tracking_policy, stale_target_tracking_policies)
        filters = dict((f.__name__, filter_errors()(f)) for f in plans)
        filters["cloudfront_bucket_policy"] = filter_errors(name="cloudfront_bucket_policy")(static_bucket_policy)
        return filters
