# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Prometheus finds each region's service instances: the region's provider (aws or gcp), and for
a gcp region the ``gce_sd_configs`` of a service's managed instance group with the relabelling that
gives its targets the labels the aws jobs carry (``service``, ``region``, ``zone``, ``instance``).
Pure: nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.six.moves.collections_abc import Mapping

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

# Region codes: AWS's end in -<digit> (eu-west-1, us-gov-west-1), Google Cloud's in a digit glued to
# the last word (europe-west1, northamerica-northeast2).
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_GCP_REGION = re.compile(r"^[a-z]+(-[a-z]+)*-[a-z]+\d+$")
_ZONE = re.compile(r"^([a-z]+(?:-[a-z]+)*-[a-z]+\d+)-[a-z]$")
_GCE_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
# The random suffix a managed instance group adds to its base instance name.
INSTANCE_SUFFIX = "[a-z0-9]{4}"


class DiscoveryError(MeridianError):
    """A region Prometheus cannot discover instances in; ``field`` names the variable to set."""


def region_provider(region):
    """``aws`` or ``gcp`` from the form of a region code, None when neither."""
    text = str(region)
    if _AWS_REGION.match(text):
        return "aws"
    if _GCP_REGION.match(text):
        return "gcp"
    return None


def scrape_regions(regions, hosts=None, project=None, zones=None):
    """The monitored regions with their provider, and for gcp their project and zones.

    ``hosts`` are the region hosts' variables (``meridian_region``, ``meridian_provider``,
    ``meridian_gcp_project``): a region's host says its provider and project; a region without a host
    is told by its code's form and takes ``project``. ``zones`` maps a gcp region to the zones its
    managed instance groups spread over. Returns ``[{region, provider, project, zones}]`` in the
    order of ``regions`` (project and zones None for aws).
    """
    if not isinstance(regions, (list, tuple)):
        raise DiscoveryError("monitoring_regions", "expected a list of regions, got %r" % (regions,))
    if zones is not None and not isinstance(zones, dict):
        raise DiscoveryError("monitoring_gcp_zones", "expected a mapping of gcp region -> zones, got %r" % (zones,))
    by_region = {}
    for host in hosts or []:
        if isinstance(host, Mapping) and host.get("meridian_region"):
            by_region.setdefault(host["meridian_region"], host)
    out = []
    for region in regions:
        host = by_region.get(region) or {}
        provider = host.get("meridian_provider") or region_provider(region)
        if provider not in ("aws", "gcp"):
            raise DiscoveryError("monitoring_regions", "%r is neither an aws nor a gcp region code, and no region host "
                                                       "says its meridian_provider" % (region,))
        item = {"region": region, "provider": provider, "project": None, "zones": None}
        if provider == "gcp":
            item["project"] = host.get("meridian_gcp_project") or project or None
            item["zones"] = list((zones or {}).get(region) or []) or None
        out.append(item)
    return out


def discovery_errors(regions, discovery):
    """What keeps Prometheus from discovering the gcp regions' instances (``scrape_regions`` items)
    with the cloud's discovery (``discovery`` other than ``file``): a missing project, missing zones,
    zones of another region. Returns messages naming the variable to set; empty means none."""
    if discovery == "file":
        return []
    out = []
    for item in regions:
        if item["provider"] != "gcp":
            continue
        region = item["region"]
        if not item["project"]:
            out.append("meridian_gcp_project: the project of gcp region %s is not known (set it on the region's host, "
                       "or monitoring_gcp_project)" % region)
        if not item["zones"]:
            out.append("monitoring_gcp_zones[%r]: list the zones the region's managed instance groups spread over "
                       "(gce_sd_configs reads one zone each), e.g. [%s-b, %s-c, %s-d]" % (region, region, region, region))
        for zone in item["zones"] or []:
            match = _ZONE.match(str(zone))
            if not match or match.group(1) != region:
                out.append("monitoring_gcp_zones[%r]: %r is not a zone of %s" % (region, zone, region))
    return out


def gce_scrape_config(job, region, project, zones, app_tag):
    """``gce_sd_configs`` and ``relabel_configs`` of a scrape job (``{service, port, target_name}``) in a
    gcp region: one discovery per zone of the regional managed instance group, the instances named
    ``<target_name>-xxxx`` (the group's base instance name and its suffix), kept only with the
    network tag ``app_tag``; labelled ``service``, ``region``, ``zone``, ``instance`` as the ec2 jobs.
    """
    if not isinstance(job.get("service"), str) or not job["service"]:
        raise DiscoveryError("monitoring_scrape_jobs.service", "is required, got %r" % (job.get("service"),))
    for field, value in (("monitoring_scrape_jobs.target_name", job.get("target_name")), ("monitoring_gcp_app_tag", app_tag)):
        if not isinstance(value, str) or not _GCE_NAME.match(value):
            raise DiscoveryError(field, "%r is not a Compute Engine name (lowercase letters, digits, '-')" % (value,))
    port = job.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise DiscoveryError("monitoring_scrape_jobs.port", "%r is not a port number" % (port,))
    name = '(name eq "%s-%s") (status eq "RUNNING")' % (job["target_name"], INSTANCE_SUFFIX)
    configs = [{"project": project, "zone": zone, "port": port, "filter": name, "refresh_interval": "60s"}
               for zone in zones]
    relabel = [
        {"source_labels": ["__meta_gce_tags"], "regex": ".*,%s,.*" % app_tag, "action": "keep"},
        {"target_label": "service", "replacement": job["service"]},
        {"target_label": "region", "replacement": region},
        {"source_labels": ["__meta_gce_zone"], "regex": ".*/zones/([^/]+)", "target_label": "zone"},
        {"source_labels": ["__meta_gce_instance_name"], "target_label": "instance"},
    ]
    return {"gce_sd_configs": configs, "relabel_configs": relabel}
