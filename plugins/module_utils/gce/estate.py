# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gcp region hosts of an inventory, as the roles' global resources need them.

Global resources (a VPC network, health checks, backend services) are ensured by every gcp region host
with the same spec, computed from the inventory, never from what one host alone knows: the regions are
every gcp host's ``meridian_region``. They are removed by the last gcp region host of the play, and only
when every gcp region host of the inventory is in the play (a region torn down alone leaves them to the
others). Nothing here does I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


def gcp_estate(hosts, play_hosts, hostname):
    """``{hosts, regions, last, kept_regions}`` of the gcp region hosts among ``hosts``.

    ``hosts``: ``[(inventory_hostname, meridian_provider, meridian_region)]`` in inventory order (provider
    and region ``None`` when unset). ``hosts`` out: the gcp hosts' names, in inventory order; ``regions``:
    their regions, each once, in the same order; ``last``: ``hostname`` is the last gcp host of
    ``play_hosts`` and every gcp host is in the play; ``kept_regions``: the regions no host of the play is
    in (what a global resource keeps when the play's regions are torn down).
    """
    names, regions = [], []
    for name, provider, region in hosts:
        if provider != "gcp":
            continue
        if not isinstance(region, str) or not region:
            raise MeridianError("meridian_region", "host %s has meridian_provider gcp but no meridian_region" % name)
        names.append(name)
        if region not in regions:
            regions.append(region)
    play = set(play_hosts or ())
    in_play = [name for name in names if name in play]
    last = bool(names) and len(in_play) == len(names) and hostname == in_play[-1]
    leaving = set(region for name, provider, region in hosts if provider == "gcp" and name in play)
    return {"hosts": names, "regions": regions, "last": last,
            "kept_regions": [region for region in regions if region not in leaving]}


# The strategies whose forecast the autoscaler may act on ahead of the load (the catalogue's forecasting ones).
PREDICTIVE_STRATEGIES = ("hybrid", "predictive")


def mig_autoscaling(entry):
    """``gce_instance_group``'s ``autoscaling`` for one service of the normalised catalogue.

    ``static`` (provisioning owns the size): ``{enabled: false}``, the group held at ``capacity.initial``.
    Otherwise min and max replicas are ``capacity.min``/``capacity.max``; ``scaling.target_cpu`` (percent),
    when given, is the CPU utilisation target, and with it ``predictive``/``hybrid`` scale out ahead of the
    forecast CPU load (``OPTIMIZE_AVAILABILITY``; Google forecasts CPU only, so without a CPU target the
    method stays ``NONE`` and the API's default target applies).
    """
    scaling = entry["scaling"]
    if scaling["strategy"] == "static":
        return {"enabled": False}
    out = {"enabled": True, "min_replicas": entry["capacity"]["min"], "max_replicas": entry["capacity"]["max"],
           "predictive_method": "NONE"}
    if scaling.get("target_cpu") is not None:
        out["cpu_utilization_target"] = round(float(scaling["target_cpu"]) / 100, 4)
        if scaling["strategy"] in PREDICTIVE_STRATEGIES:
            out["predictive_method"] = "OPTIMIZE_AVAILABILITY"
    return out


def mig_backends(regions, group):
    """A backend service's ``backends``: the regional managed instance group ``group`` of each region, by
    utilisation."""
    if not isinstance(group, str) or not group:
        raise MeridianError("group", "expected the managed instance groups' name, got %r" % (group,))
    return [{"group": "regions/%s/instanceGroups/%s" % (region, group), "balancing_mode": "UTILIZATION"}
            for region in regions]
