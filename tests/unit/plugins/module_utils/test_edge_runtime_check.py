# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.edge.runtime_check import (
    MAX_CODE_BYTES,
    check_code,
    format_findings,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FUNCTIONS = sorted(glob.glob(os.path.join(ROOT, "roles", "cdn", "files", "edge_functions", "*.js")))
GOOD = "function handler(event) {\n  return event.request;\n}\n"


def rules(code, runtime="cloudfront-js-2.0"):
    return [(f["line"], f["rule"]) for f in check_code(code, runtime)]


@pytest.mark.parametrize("path", FUNCTIONS, ids=os.path.basename)
def test_the_shipped_functions_pass(path):
    with open(path) as handle:
        assert check_code(handle.read()) == []


def test_a_plain_and_an_async_handler_pass():
    assert check_code(GOOD) == []
    assert check_code("import cf from 'cloudfront';\nconst kvs = cf.kvs();\nasync function handler(event) {\n"
                      "  const crypto = require('crypto');\n  const qs = require('querystring');\n  return event.request;\n}\n") == []


def test_an_11_kb_function_is_refused_at_the_line_that_crosses_10_kb():
    filler = "".join("var pad%04d = '%s';\n" % (i, "x" * 80) for i in range(120))
    code = GOOD + filler
    assert len(code.encode("utf-8")) > 11 * 1024
    findings = check_code(code)
    assert [f["rule"] for f in findings] == ["size"]
    crossing = 0
    total = 0
    for number, line in enumerate(code.splitlines(True), 1):
        total += len(line.encode("utf-8"))
        if total > MAX_CODE_BYTES:
            crossing = number
            break
    assert findings[0]["line"] == crossing
    assert "10 KB (10240 bytes)" in findings[0]["message"]


def test_exactly_10_kb_passes():
    code = GOOD + "//" + "x" * (MAX_CODE_BYTES - len(GOOD) - 3) + "\n"
    assert len(code.encode("utf-8")) == MAX_CODE_BYTES
    assert check_code(code) == []


@pytest.mark.parametrize("snippet,rule", [
    ("const http = require('http');", "network"),
    ('const https = require("https");', "network"),
    ("import net from 'net';", "network"),
    ("const d = require('node:dgram');", "network"),
    ("var r = fetch('https://example.com');", "network"),
    ("var x = new XMLHttpRequest();", "network"),
    ("var w = new WebSocket('wss://x');", "network"),
    ("const fs = require('fs');", "filesystem"),
    ("import { readFileSync } from 'fs';", "filesystem"),
    ("const lodash = require('lodash');", "module"),
    ("var m = require(name);", "module"),
    ("var p = import('crypto');", "module"),
    ("var v = eval('1 + 1');", "restricted"),
    ("var f = new Function('a', 'return a');", "restricted"),
    ("setTimeout(function () {}, 10);", "restricted"),
    ("var e = process.env.SECRET;", "restricted"),
    ("var b = 'abc'.toUTF8();", "removed"),
    ("for (const x of [1, 2]) {}", "syntax"),
    ("class Router {}", "syntax"),
    ("export default handler;", "handler"),
])
def test_each_refused_feature_names_its_line_and_rule(snippet, rule):
    code = GOOD + snippet + "\n"
    assert rules(code) == [(4, rule)]


def test_words_in_comments_and_strings_do_not_count():
    code = ("// fetch('x') and require('http') in a comment\n/* eval('1') */\n"
            "var s = \"require('fs') setTimeout(\";\nvar r = /fetch\\(/;\n" + GOOD)
    assert check_code(code) == []


@pytest.mark.parametrize("code,line", [
    ("var handler = function (event) { return event.request; };\n", 1),
    ("function main(event) {\n  return event.request;\n}\n", 1),
    ("exports.handler = function (event) {};\n", 1),
    ("function outer() {\n  function handler(event) {}\n}\n", 2),
])
def test_a_missing_top_level_handler_is_refused(code, line):
    assert rules(code) == [(line, "handler")]


def test_two_handlers_or_a_wrong_signature_are_refused():
    assert rules(GOOD + GOOD) == [(4, "handler")]
    assert rules("function handler(event, context) {\n}\n") == [(1, "handler")]
    assert rules("function handler() {\n}\n") == [(1, "handler")]


def test_runtime_1_0_refuses_what_only_2_0_has():
    code = "import cf from 'cloudfront';\nconst a = 1;\nasync function handler(event) {\n  return event.request;\n}\n"
    assert rules(code, "cloudfront-js-1.0") == [(1, "syntax"), (2, "syntax"), (3, "syntax"), (3, "syntax")]
    assert rules("var b = require('buffer');\n" + GOOD, "cloudfront-js-1.0") == [(1, "module")]
    assert rules("var b = require('buffer');\n" + GOOD) == []


def test_an_unknown_runtime_is_refused():
    assert rules(GOOD, "cloudfront-js-3.0") == [(1, "runtime")]


def test_findings_format_as_name_line_rule_message():
    lines = format_findings(check_code("const http = require('http');\n" + GOOD), "fn.js")
    assert lines == ["fn.js:1: network: require('http'): module 'http' makes network calls; the runtime has no network access"]
