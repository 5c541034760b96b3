# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for address plans and region names, used by role preflights."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    find_overlaps,
    subnet_layout,
)
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors

try:
    import botocore.session

    HAS_BOTOCORE = True
except ImportError:
    HAS_BOTOCORE = False


@filter_errors(field="named_cidrs", shape=(KeyError, TypeError), expected="{name: cidr} or a list of {name, cidr}")
def cidr_overlaps(named_cidrs, field=None):
    """Overlapping pairs among {name: cidr} (None values skipped) or [{name, cidr}]."""
    if isinstance(named_cidrs, dict):
        named_cidrs = [{"name": k, "cidr": v} for k, v in sorted(named_cidrs.items()) if v]
    return find_overlaps(named_cidrs, field)


@filter_errors(field="new_prefix")
def subnet_plan(vpc_cidr, zones, new_prefix=20, public=None, private=None):
    return subnet_layout(vpc_cidr, zones, int(new_prefix), public or None, private or None)


def aws_known_regions(_value=None, partitions=("aws", "aws-cn", "aws-us-gov")):
    """Every EC2 region name botocore knows, from its bundled endpoint data (no API call)."""
    if not HAS_BOTOCORE:
        raise AnsibleFilterError("aws_known_regions needs botocore: pip install botocore")
    session = botocore.session.get_session()
    names = set()
    for partition in partitions:
        names.update(session.get_available_regions("ec2", partition_name=partition))
    return sorted(names)


class FilterModule(object):
    def filters(self):
        return {
            "cidr_overlaps": cidr_overlaps,
            "subnet_plan": subnet_plan,
            "aws_known_regions": aws_known_regions,
        }
