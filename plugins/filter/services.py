# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the service catalogue (see module_utils/services/catalogue.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import (
    catalogue,
    forecast_request,
    scaling_services,
    scrape_jobs,
    target_name,
)
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


def service_catalogue(services, project, env, providers=("aws",)):
    """meridian_services validated and normalised, each with its target_name."""
    return catalogue(services, project, env, tuple(providers))


def service_catalogue_errors(services, project, env, providers=("aws",)):
    """[] when meridian_services is valid, else [the error naming the service, the field and the fix]."""
    try:
        catalogue(services, project, env, tuple(providers))
    except MeridianError as err:
        return [str(err)]
    return []


def service_target_name(service, project, env):
    """The scaling target (Auto Scaling group) name of one service."""
    return target_name(project, env, service)


class FilterModule(object):
    def filters(self):
        plans = (service_catalogue, service_catalogue_errors, scaling_services, service_target_name, forecast_request, scrape_jobs)
        return dict((f.__name__, filter_errors()(f)) for f in plans)
