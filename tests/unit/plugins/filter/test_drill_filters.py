# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.drill import FilterModule

FILTERS = FilterModule().filters()


def test_the_drill_filters_are_registered_under_their_names():
    assert sorted(FILTERS) == ["drill_phases", "drill_standby_residency"]


def test_drill_phases_plans_the_run():
    assert FILTERS["drill_phases"]("full", [], "inject") == ["preflight", "markers", "inject"]
    assert FILTERS["drill_phases"]("resume", ["preflight", "markers", "inject"]) == ["recover", "measure", "failback"]


def test_a_bad_stop_is_a_filter_error_naming_the_variable():
    with pytest.raises(AnsibleFilterError, match="drill_phases: dr_failover_stop_after: mode readiness has no phase inject"):
        FILTERS["drill_phases"]("readiness", [], "inject")


def test_drill_standby_residency_returns_the_report_check():
    check = FILTERS["drill_standby_residency"]("pii", "eu-west-1", "us-east-1", {}, "aws")
    assert check["name"] == "standby satisfies residency" and check["passed"] is False
    assert FILTERS["drill_standby_residency"]("pii", "us-east-1", "eu-central-1", {}, "aws")["passed"] is True
