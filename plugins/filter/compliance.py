# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side inputs of the compliance_check module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.compliance.residency import residency_inputs
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors(field="meridian_residency")
def compliance_residency(overrides=None, provider="aws"):
    """The residency policy document, the inventory's overrides and the catalog regions' countries,
    as compliance_check's ``residency`` option takes them."""
    return residency_inputs(overrides or {}, provider)


class FilterModule(object):
    def filters(self):
        return {"compliance_residency": compliance_residency}
