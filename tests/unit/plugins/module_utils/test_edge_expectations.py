# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.edge.expectations import (
    EdgeTestError,
    function_output,
    lookup,
    mismatches,
    runnable_by_testfunction,
    validate_tests,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TESTS_FILES = sorted(glob.glob(os.path.join(ROOT, "roles", "cdn", "files", "edge_functions", "*.tests.yml")))

REQUEST = {
    "method": "GET",
    "uri": "/img/hero.avif",
    "querystring": {},
    "headers": {"accept": {"value": "image/avif"}, "vary": {"value": "Origin", "multiValue": [{"value": "Origin"}, {"value": "Accept"}]}},
    "cookies": {},
    "statusCode": 200,
}


def test_a_matching_partial_object_has_no_mismatch():
    assert mismatches(REQUEST, {"uri": "/img/hero.avif", "headers": {"accept": {"value": "image/avif"}}}) == []


@pytest.mark.parametrize("expect,message", [
    ({"uri": "/img/hero.webp"}, 'uri: expected "/img/hero.webp", got "/img/hero.avif"'),
    ({"headers": {"x-new": {"value": "1"}}}, 'headers.x-new: expected {"value": "1"}, got nothing (missing)'),
    ({"statusCode": "200"}, 'statusCode: expected "200", got 200'),
    ({"headers": {"vary": {"multiValue": [{"value": "Origin"}]}}},
     'headers.vary.multiValue: expected [{"value": "Origin"}], got [{"value": "Origin"}, {"value": "Accept"}]'),
    ({"headers": {"vary": {"multiValue": [{"value": "Origin"}, {"value": "X"}]}}},
     'headers.vary.multiValue[1].value: expected "X", got "Accept"'),
    ({"uri": {"value": "x"}}, 'uri: expected an object {"value": "x"}, got "/img/hero.avif"'),
])
def test_each_difference_names_its_path_the_expected_and_the_actual_value(expect, message):
    assert mismatches(REQUEST, expect) == [message]


def test_numbers_compare_by_value_and_booleans_are_not_numbers():
    assert mismatches({"a": 1.0}, {"a": 1}) == []
    assert mismatches({"a": 1}, {"a": True}) == ["a: expected true, got 1"]


def test_expect_absent_paths_must_not_exist():
    assert mismatches(REQUEST, {}, ["headers.location", "body", "headers.vary.multiValue[5]"]) == []
    assert mismatches(REQUEST, None, ["headers.vary.multiValue[1].value"]) == [
        'headers.vary.multiValue[1].value: expected absent, got "Accept"']


def test_lookup_reads_dotted_and_indexed_paths():
    assert lookup(REQUEST, "headers.vary.multiValue[0].value") == (True, "Origin")
    assert lookup(REQUEST, "headers.none") == (False, None)
    assert lookup(REQUEST, "uri.value") == (False, None)


@pytest.mark.parametrize("raw", [
    json.dumps({"request": {"uri": "/a"}}),
    json.dumps({"uri": "/a"}),
    {"request": {"uri": "/a"}},
    b'{"uri": "/a"}',
])
def test_function_output_unwraps_testfunction_output(raw):
    assert function_output(raw) == {"uri": "/a"}


def test_function_output_refuses_what_is_not_an_object():
    with pytest.raises(EdgeTestError, match="FunctionOutput: not JSON"):
        function_output("{oops")
    with pytest.raises(EdgeTestError, match="expected a JSON object"):
        function_output("[1]")


@pytest.mark.parametrize("path", TESTS_FILES, ids=os.path.basename)
def test_the_shipped_tests_files_are_valid(path):
    with open(path) as handle:
        tests = validate_tests(yaml.safe_load(handle), os.path.basename(path))
    assert len(tests) >= 4


def _event(**over):
    event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.1"},
             "request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}}}
    event.update(over)
    return event


@pytest.mark.parametrize("tests,field", [
    ([], "tests"),
    ([{"name": "a", "event": _event(), "expect": {}, "surprise": 1}], "tests[0]: unknown keys surprise"),
    ([{"event": _event(), "expect": {}}], "tests[0].name"),
    ([{"name": "a", "event": _event(), "expect": {}}, {"name": "a", "event": _event(), "expect": {}}], "tests[1].name: duplicate"),
    ([{"name": "a", "event": _event(version="2.0"), "expect": {}}], "tests[a].event.version"),
    ([{"name": "a", "event": _event(context={"eventType": "origin-request"}), "expect": {}}], "tests[a].event.context.eventType"),
    ([{"name": "a", "event": _event(context={"eventType": "viewer-response"}), "expect": {}}], "tests[a].event.response"),
    ([{"name": "a", "event": _event()}], "tests[a].expect"),
    ([{"name": "a", "event": _event(), "expect": {}, "kvs": {"k": 1}}], "tests[a].kvs"),
    ([{"name": "a", "event": _event(), "expect": {}, "expect_absent": "body"}], "tests[a].expect_absent"),
    ([{"name": "a", "event": _event(), "expect": {}, "expect_origin": "x"}], "tests[a].expect_origin"),
])
def test_a_malformed_test_is_refused_naming_the_test_and_key(tests, field):
    with pytest.raises(EdgeTestError) as err:
        validate_tests(tests)
    assert str(err.value).startswith(field)


def test_testfunction_runs_the_tests_without_a_store_content():
    tests = [{"name": "a", "kvs": {"k": "v"}}, {"name": "b"}, {"name": "c", "kvs": {}}]
    assert [t["name"] for t in runnable_by_testfunction(tests)] == ["b", "c"]


def test_residency_routing_has_tests_testfunction_can_run():
    path = [p for p in TESTS_FILES if p.endswith("residency_routing.tests.yml")][0]
    with open(path) as handle:
        tests = validate_tests(yaml.safe_load(handle))
    assert [t["name"] for t in runnable_by_testfunction(tests)] == ["an unknown country is a 451"]
