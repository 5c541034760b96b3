# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill import core
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.phases import MODES, STOP_AFTER, plan_phases
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.readiness import STANDBY_RESIDENCY, standby_residency


def test_the_modes_table_covers_the_modes_the_report_knows():
    assert sorted(MODES) == sorted(core.MODES)
    for phases in MODES.values():
        assert phases == [p for p in core.PHASES if p in phases], phases


@pytest.mark.parametrize("mode, done, stop_after, plan", [
    ("full", [], "", ["preflight", "markers", "inject", "recover", "measure", "failback"]),
    ("gameday", [], "", ["preflight", "markers", "inject", "recover", "measure"]),
    ("readiness", [], "", ["preflight"]),
    ("resume", ["preflight", "markers", "inject"], "", ["recover", "measure", "failback"]),
    ("resume", ["preflight", "markers", "inject", "recover"], "", ["measure", "failback"]),
    ("rollback", ["preflight", "markers", "inject", "recover"], "", ["failback"]),
    ("full", [], "inject", ["preflight", "markers", "inject"]),
    ("full", [], "recover", ["preflight", "markers", "inject", "recover"]),
    ("gameday", [], "measure", ["preflight", "markers", "inject", "recover", "measure"]),
    ("resume", ["preflight", "markers", "inject"], "recover", ["recover"]),
    ("full", None, None, ["preflight", "markers", "inject", "recover", "measure", "failback"]),
])
def test_plan_phases(mode, done, stop_after, plan):
    assert plan_phases(mode, done, stop_after) == plan


def test_plan_phases_matches_the_former_template_for_every_valid_input():
    """The Jinja loop this replaces: the mode's phases not done, up to and including the stop."""
    def template(mode, done, stop_after):
        plan, stopped = [], False
        for phase in MODES[mode]:
            if phase not in done and not stopped:
                plan.append(phase)
                stopped = phase == stop_after
        return plan

    histories = [[], ["preflight"], ["preflight", "markers", "inject"], ["preflight", "markers", "inject", "recover"],
                 ["preflight", "markers", "inject", "recover", "measure"]]
    checked = 0
    for mode in MODES:
        for done in histories:
            for stop_after in ("",) + STOP_AFTER:
                try:
                    plan = plan_phases(mode, done, stop_after)
                except DrillError:
                    continue
                assert plan == template(mode, done, stop_after), (mode, done, stop_after)
                checked += 1
    assert checked > 30


def test_an_unknown_mode_names_the_variable():
    with pytest.raises(DrillError) as err:
        plan_phases("failover", [], "")
    assert err.value.field == "dr_failover_mode"
    assert "full, gameday, readiness, resume, rollback" in str(err.value)


@pytest.mark.parametrize("mode, done, stop_after, fragment", [
    ("full", [], "failback", "'failback' is not a phase a drill can stop after; use one of inject, recover, measure"),
    ("full", [], "preflight", "not a phase a drill can stop after"),
    ("readiness", [], "inject", "mode readiness has no phase inject (its phases: preflight)"),
    ("rollback", ["preflight", "markers", "inject"], "measure", "mode rollback has no phase measure"),
    ("resume", ["preflight", "markers", "inject", "recover"], "recover", "phase recover is already done in this drill"),
])
def test_a_stop_the_run_would_never_reach_names_the_variable(mode, done, stop_after, fragment):
    with pytest.raises(DrillError) as err:
        plan_phases(mode, done, stop_after)
    assert err.value.field == "dr_failover_stop_after"
    assert fragment in str(err.value)


def test_done_must_be_a_list_of_names():
    with pytest.raises(DrillError) as err:
        plan_phases("resume", "recover", "")
    assert err.value.field == "done"


# --- the standby's residency: the policy of every cross-region copy ----------------------------

def test_a_standby_in_the_eu_may_hold_us_pii():
    check = standby_residency("pii", "us-east-1", "eu-west-1")
    assert check == {"name": STANDBY_RESIDENCY, "passed": True, "detail": "eu-west-1 may hold the pii data of us-east-1"}


def test_a_standby_outside_the_eea_may_not_hold_eu_pii():
    check = standby_residency("pii", "eu-west-1", "us-east-1")
    assert check["name"] == STANDBY_RESIDENCY and check["passed"] is False
    assert check["detail"].startswith("us-east-1 (US) may not hold the database's pii data of eu-west-1 (IE: EU rules allow only EEA, EU_ADEQUATE;")
    assert "meridian_residency" in check["detail"]


def test_the_overrides_apply_to_the_standby():
    # the Molecule scenario's unready standby: US pii kept in the US by an inventory override
    check = standby_residency("pii", "us-east-1", "eu-west-1", {"US": {"pii": ["US"]}})
    assert not check["passed"]
    assert check["detail"].startswith("eu-west-1 (IE) may not hold the database's pii data of us-east-1 (US: US rules allow only US; "
                                      "inventory override)")
    assert standby_residency("pii", "eu-west-1", "us-east-1", {"EU": {"pii": ["EEA", "US"]}})["passed"]


def test_operational_data_may_fail_over_anywhere():
    assert standby_residency("operational", "eu-west-1", "us-east-1")["passed"]


@pytest.mark.parametrize("data_class, fragment", [
    ("", "meridian_database.data_class: no data class given"),
    (None, "meridian_database.data_class: no data class given"),
    ("secrets", "meridian_database.data_class: no residency rule for data class 'secrets'"),
])
def test_a_missing_or_unknown_data_class_fails_the_check_naming_the_variable(data_class, fragment):
    check = standby_residency(data_class, "us-east-1", "eu-west-1")
    assert check["passed"] is False
    assert check["detail"].startswith(fragment)


def test_an_unknown_standby_region_fails_the_check():
    check = standby_residency("pii", "us-east-1", "eu-nowhere-1")
    assert not check["passed"] and check["detail"].startswith("meridian_failover_region: unknown region 'aws/eu-nowhere-1'")
