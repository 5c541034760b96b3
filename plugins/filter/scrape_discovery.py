# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where Prometheus finds each region's instances: the regions' providers, the gcp regions' checks and
their gce_sd_configs (pure code in module_utils/monitoring/discovery.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring import discovery
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="hosts", shape=(AttributeError, TypeError), expected="the region hosts' variables")
def scrape_regions(regions, hosts=None, project=None, zones=None):
    """``[{region, provider, project, zones}]`` of the monitored regions."""
    return discovery.scrape_regions(regions, hosts, project, zones)


@filter_errors(field="regions", shape=(KeyError, TypeError), expected="a scrape_regions result")
def scrape_discovery_errors(regions, discovery_mode):
    """Messages naming what keeps Prometheus from discovering the gcp regions' instances."""
    return discovery.discovery_errors(regions, discovery_mode)


@filter_errors(field="job", shape=(AttributeError, TypeError), expected="a scrape job {service, port, target_name}")
def gce_scrape_config(job, region, project, zones, app_tag):
    """``{gce_sd_configs, relabel_configs}`` of a scrape job in a gcp region."""
    return discovery.gce_scrape_config(job, region, project, zones, app_tag)


class FilterModule(object):
    def filters(self):
        return {
            "scrape_regions": scrape_regions,
            "scrape_discovery_errors": scrape_discovery_errors,
            "gce_scrape_config": gce_scrape_config,
        }
