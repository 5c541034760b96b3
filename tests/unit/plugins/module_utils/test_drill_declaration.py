# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.declaration import declaration, push_path
from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.exposition import gauges, label_value, sample

_SAMPLE_RE = re.compile(r'^(\w+)\{(.*)\} (\S+)$')


def _samples(text):
    """{metric: (labels dict, value)} of an exposition text; every line is HELP, TYPE or a sample."""
    out = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        name, labels, value = _SAMPLE_RE.match(line).groups()
        out[name] = (dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels)), float(value))
    return out


def test_declaration_is_one_and_its_deadline_is_the_fault_plus_the_minutes():
    text = declaration("us-east-1-20261130T101500Z", "api.meridian.test", 1796000000.5, 45)
    got = _samples(text)
    labels = {"drill_id": "us-east-1-20261130T101500Z", "record": "api.meridian.test"}
    assert got["meridian_failover_declared"] == (labels, 1.0)
    assert got["meridian_failover_deadline_timestamp_seconds"] == (labels, 1796000000.5 + 45 * 60)
    assert "# TYPE meridian_failover_declared gauge" in text and text.endswith("\n")


def test_a_zero_deadline_is_the_fault_time_itself_and_labels_are_escaped():
    got = _samples(declaration('drill "one"', "api.meridian.test", 1000, 0))
    assert got["meridian_failover_deadline_timestamp_seconds"] == (
        {"drill_id": 'drill \\"one\\"', "record": "api.meridian.test"}, 1000.0)


@pytest.mark.parametrize("args, field", [
    (("", "api", 1000, 5), "dr_failover_drill_id"),
    ((None, "api", 1000, 5), "dr_failover_drill_id"),
    (("d1", "", 1000, 5), "dr_failover_dns_record"),
    (("d1", "api", None, 5), "fault_at"),
    (("d1", "api", -1, 5), "fault_at"),
    (("d1", "api", 1000, -1), "dr_failover_deadline_minutes"),
    (("d1", "api", 1000, "soon"), "dr_failover_deadline_minutes"),
    (("d1", "api", 1000, True), "dr_failover_deadline_minutes"),
])
def test_bad_inputs_name_their_variable(args, field):
    with pytest.raises(DrillError) as err:
        declaration(*args)
    assert err.value.field == field


def test_push_path_is_the_region_group_of_the_dr_job():
    assert push_path("eu-west-1") == "/metrics/job/meridian_dr/region/eu-west-1"
    with pytest.raises(DrillError) as err:
        push_path("eu-west-1/../x")
    assert err.value.field == "dr_failover_primary_region"


def test_label_values_are_escaped_and_families_without_samples_left_out():
    assert label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    line = sample("m", {"b": "2", "a": 'x"y'}, 3)
    assert line == 'm{a="x\\"y",b="2"} 3.0'
    text = gauges((("m", "help m"), ("n", "help n")), {"m": [line], "n": []})
    assert text == '# HELP m help m\n# TYPE m gauge\n%s\n' % line
    assert gauges((("n", "help n"),), {"n": []}) == ""
