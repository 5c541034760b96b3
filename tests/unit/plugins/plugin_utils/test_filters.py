# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.slo import FilterModule as SloFilters
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.plugin_utils.filters import filter_errors


def test_a_meridian_error_becomes_one_filter_error_naming_filter_and_field():
    @filter_errors()
    def plan(value):
        raise MeridianError("meridian_services[2].port", "must be 1-65535, got 0")

    with pytest.raises(AnsibleFilterError) as exc:
        plan(1)
    assert exc.value.message == "plan: meridian_services[2].port: must be 1-65535, got 0"


def test_a_plain_value_error_is_named_by_the_filter_input():
    @filter_errors(field="new_prefix")
    def layout(prefix):
        return int(prefix)

    with pytest.raises(AnsibleFilterError) as exc:
        layout("twenty")
    assert exc.value.message.startswith("layout: new_prefix: invalid literal for int()")


def test_shape_errors_are_caught_only_when_declared():
    @filter_errors(field="rule_file", shape=(KeyError,), expected="a rule file")
    def names(rule_file):
        return rule_file["groups"]

    with pytest.raises(AnsibleFilterError) as exc:
        names({})
    assert exc.value.message == "names: rule_file: must be a rule file: 'groups'"

    @filter_errors()
    def undeclared(rule_file):
        return rule_file["groups"]

    with pytest.raises(KeyError):  # a bug in the filter stays a bug, not an input error
        undeclared({})


def test_the_wrapper_keeps_name_doc_and_results():
    @filter_errors(name="renamed")
    def doubled(value):
        """Twice the value."""
        return value * 2

    assert doubled(2) == 4 and doubled.__name__ == "doubled" and doubled.__doc__ == "Twice the value."
    with pytest.raises(AnsibleFilterError, match="^renamed: "):
        filter_errors(name="renamed")(lambda: int("x"))()


def test_the_slo_filters_use_it():
    filters = SloFilters().filters()
    with pytest.raises(AnsibleFilterError, match=r"^slo_rule_groups: monitoring_slos\[0\]\.name: "):
        filters["slo_rule_groups"]([{"name": "Bad Name"}])
    with pytest.raises(AnsibleFilterError, match="^slo_alert_names: rule_file: must be a rule file with groups"):
        filters["slo_alert_names"](3)
