# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the dr_failover role: the phases a run performs, the standby's residency check and the
failover the drill declares while its fault is injected."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.declaration import declaration, push_path
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.phases import plan_phases
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.readiness import standby_residency
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


@filter_errors()
def drill_phases(mode, done=None, stop_after=""):
    """The phases of ``mode`` not in ``done``, up to and including ``stop_after`` (drill.phases.plan_phases)."""
    return plan_phases(mode, list(done or []), stop_after)


@filter_errors()
def drill_standby_residency(data_class, primary_region, standby_region, overrides=None, provider="aws"):
    """The preflight check {name, passed, detail}: may the standby hold the database's data class?"""
    return standby_residency(data_class, primary_region, standby_region, overrides, provider)


@filter_errors()
def drill_declaration(drill_id, record, fault_at, deadline_minutes):
    """The exposition text of the failover the drill declares (drill.declaration.declaration)."""
    return declaration(drill_id, record, fault_at, deadline_minutes)


@filter_errors()
def drill_declaration_path(region):
    """The Pushgateway path of the declaration group of ``region`` (drill.declaration.push_path)."""
    return push_path(region)


class FilterModule(object):
    def filters(self):
        return {
            "drill_phases": drill_phases,
            "drill_standby_residency": drill_standby_residency,
            "drill_declaration": drill_declaration,
            "drill_declaration_path": drill_declaration_path,
        }
