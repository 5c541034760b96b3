# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the roles' gcp side (module_utils/gce/estate.py): the gcp region hosts of the inventory, a service's
managed instance group autoscaler and its backend service's backends."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import estate
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="_input", shape=(AttributeError, KeyError, TypeError), expected="hostvars")
def gcp_estate(hostvars, all_hosts, play_hosts=None, hostname=None):
    """``{hosts, regions, last, kept_regions}``: the gcp region hosts among ``all_hosts`` (``groups['all']``), their
    regions, whether ``hostname`` is the last of them in ``play_hosts`` with every one of them in the play, and
    the regions no host of the play is in."""
    hosts = []
    for name in all_hosts:
        host = hostvars[name]
        hosts.append((name, host.get("meridian_provider"), host.get("meridian_region")))
    return estate.gcp_estate(hosts, play_hosts, hostname)


@filter_errors(field="_input", shape=(KeyError, TypeError), expected="a service of the normalised catalogue")
def gce_autoscaling(service):
    """``gce_instance_group``'s ``autoscaling`` for one service of the normalised catalogue (``service_catalogue``)."""
    return estate.mig_autoscaling(service)


@filter_errors(field="_input", shape=(TypeError,), expected="a list of regions")
def gce_backends(regions, group):
    """A backend service's ``backends``: the regional managed instance group ``group`` in each of ``regions``."""
    return estate.mig_backends(list(regions), group)


class FilterModule(object):
    def filters(self):
        return {"gcp_estate": gcp_estate, "gce_autoscaling": gce_autoscaling,
                "gce_backends": gce_backends}
