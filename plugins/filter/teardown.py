# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of teardown: which resources carry the estate's tags, in which order security groups go,
and what is left in a VPC that stops its deletion (module_utils/aws/teardown.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.aws import teardown
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="_input", shape=(AttributeError, KeyError, TypeError), expected="a list of resources (dicts)")
def estate_owned(resources, tags):
    """The resources that carry every one of the estate's tags."""
    return teardown.estate_owned(resources, tags)


@filter_errors(field="_input", shape=(AttributeError, TypeError), expected="a list of security groups (dicts)")
def security_group_order(groups):
    """The estate's security groups in deletion order (db, app, alb, then others)."""
    return teardown.security_group_order(groups)


@filter_errors(field="_input", shape=(AttributeError, KeyError, TypeError), expected="the VPC ID and lists of resources")
def vpc_leftovers(vpc_id, subnets=None, security_groups=None, route_tables=None, network_interfaces=None,
                  internet_gateways=None, nat_gateways=None, vpc_endpoints=None, tags=None):
    """What is still in the VPC and stops its deletion: [{kind, id, name, estate, detail}]."""
    return teardown.vpc_leftovers(vpc_id, subnets, security_groups, route_tables, network_interfaces,
                                  internet_gateways, nat_gateways, vpc_endpoints, tags)


@filter_errors(field="_input", shape=(KeyError, TypeError), expected="vpc_leftovers' list")
def describe_leftovers(leftovers):
    """One readable line per leftover."""
    return teardown.describe_leftovers(leftovers)


class FilterModule(object):
    def filters(self):
        return {
            "estate_owned": estate_owned,
            "security_group_order": security_group_order,
            "vpc_leftovers": vpc_leftovers,
            "describe_leftovers": describe_leftovers,
        }
