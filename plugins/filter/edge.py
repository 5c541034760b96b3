# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edge functions: the residency routing map for the residency_routing function's key value store."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.edge.residency_map import residency_map
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="regions", shape=(KeyError, TypeError, AttributeError),
               expected="a list of region codes or of host variables with meridian_region")
def edge_residency_map(regions, overrides=None, data_classes=None, provider="aws", origins=None):
    """``{"<data_class>:<CC>": "<region>"}`` (and ``origin:<region>`` keys with ``origins``); see
    module_utils/edge/residency_map.py."""
    return residency_map(regions, overrides=overrides, data_classes=data_classes, provider=provider, origins=origins)


class FilterModule(object):
    def filters(self):
        return {
            "edge_residency_map": edge_residency_map,
        }
