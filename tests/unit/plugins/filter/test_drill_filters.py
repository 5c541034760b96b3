# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.drill import FilterModule

FILTERS = FilterModule().filters()


def test_the_drill_filters_are_registered_under_their_names():
    assert sorted(FILTERS) == ["drill_declaration", "drill_declaration_path", "drill_phases", "drill_standby_residency"]


def test_drill_declaration_filters_give_the_pushgateway_group_and_its_text():
    assert FILTERS["drill_declaration_path"]("us-east-1") == "/metrics/job/meridian_dr/region/us-east-1"
    text = FILTERS["drill_declaration"]("d-1", "api.meridian.test", 1000.0, 2)
    assert 'meridian_failover_declared{drill_id="d-1",record="api.meridian.test"} 1' in text
    assert 'meridian_failover_deadline_timestamp_seconds{drill_id="d-1",record="api.meridian.test"} 1120' in text


def test_a_bad_declaration_region_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="drill_declaration_path"):
        FILTERS["drill_declaration_path"]("us east/1")


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
