# -*- coding: utf-8 -*-
"""The edge stage: every shipped function passes its tests on njs, and the stage fails when it should.

The edge stage of tools/run_tests.sh is tools/edge/njs_test.py. Here it runs on copies of the
shipped functions: one whose behaviour is broken (a test must fail), one padded to 11 KB and one
that requires 'http' (the runtime check must refuse both, naming line and rule). njs is a Debian
package tools/setup.sh installs, so nothing here is skipped without it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "tools", "edge", "njs_test.py")
FUNCTIONS = os.path.join(ROOT, "roles", "cdn", "files", "edge_functions")
NAMES = ("ab_split", "image_format", "residency_routing", "security_headers")


@pytest.fixture(scope="module")
def njs():
    path = shutil.which("njs")
    assert path, "njs is missing: run tools/setup.sh (it installs the Debian package njs) or apt-get install njs"
    return path


def harness(*args, env=None):
    return subprocess.run([sys.executable, HARNESS] + list(args), capture_output=True, text=True, check=False,
                          env=dict(os.environ, **(env or {})), timeout=300)


def copy_functions(tmp_path, names=NAMES):
    dest = tmp_path / "edge_functions"
    dest.mkdir()
    for name in names:
        for suffix in (".js", ".tests.yml"):
            shutil.copy(os.path.join(FUNCTIONS, name + suffix), dest / (name + suffix))
    return dest


def test_every_shipped_function_passes_its_tests(njs):
    proc = harness()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in NAMES:
        assert "ok   %s: runtime check (cloudfront-js-2.0" % name in proc.stdout
    assert "FAIL" not in proc.stdout
    assert " 0 failed (4 functions" in proc.stdout


def test_a_behaviour_breaking_edit_fails_its_test(njs, tmp_path):
    dest = copy_functions(tmp_path, ["image_format"])
    path = dest / "image_format.js"
    code = path.read_text()
    assert "var PREFERENCE = ['avif', 'webp'];" in code
    path.write_text(code.replace("var PREFERENCE = ['avif', 'webp'];", "var PREFERENCE = ['webp', 'avif'];"))
    proc = harness("--dir", str(dest))
    assert proc.returncode == 1, proc.stdout
    assert "FAIL image_format / AVIF first when the browser takes it" in proc.stdout
    assert 'uri: expected "/img/hero.avif", got "/img/hero.webp"' in proc.stdout
    assert "PASS image_format / no Accept header keeps the original" in proc.stdout


def test_a_broken_security_header_fails(njs, tmp_path):
    dest = copy_functions(tmp_path, ["security_headers"])
    path = dest / "security_headers.js"
    path.write_text(path.read_text().replace("'x-frame-options': 'DENY'", "'x-frame-options': 'SAMEORIGIN'"))
    proc = harness(str(path))
    assert proc.returncode == 1
    assert 'headers.x-frame-options.value: expected "DENY", got "SAMEORIGIN"' in proc.stdout


def test_an_11_kb_function_is_refused_before_any_test_runs(njs, tmp_path):
    dest = copy_functions(tmp_path, ["ab_split"])
    path = dest / "ab_split.js"
    code = path.read_text()
    padding = "".join("// padding line %04d %s\n" % (i, "x" * 80) for i in range(100))
    path.write_text(code + padding)
    assert path.stat().st_size > 11 * 1024
    proc = harness("--dir", str(dest))
    assert proc.returncode == 1
    assert "FAIL ab_split: runtime check: " in proc.stdout
    assert ": size: the code is %d bytes; CloudFront Functions takes at most 10 KB (10240 bytes)" % path.stat().st_size in proc.stdout
    assert "PASS" not in proc.stdout


def test_require_http_is_refused_naming_line_and_rule(njs, tmp_path):
    dest = copy_functions(tmp_path, ["security_headers"])
    path = dest / "security_headers.js"
    lines = path.read_text().splitlines(True)
    lines.insert(12, "var http = require('http');\n")
    path.write_text("".join(lines))
    proc = harness("--dir", str(dest))
    assert proc.returncode == 1
    assert ("security_headers.js:13: network: require('http'): module 'http' makes network calls; "
            "the runtime has no network access") in proc.stdout


def test_the_edge_stage_of_run_tests_fails_on_a_broken_function(njs, tmp_path):
    dest = copy_functions(tmp_path, ["residency_routing"])
    path = dest / "residency_routing.js"
    path.write_text(path.read_text().replace("return refuse(451,", "return request; refuse(451,"))
    proc = subprocess.run([os.path.join(ROOT, "tools", "run_tests.sh"), "edge"], capture_output=True, text=True,
                          check=False, timeout=300, env=dict(os.environ, MERIDIAN_EDGE_FUNCTIONS_DIR=str(dest)))
    assert proc.returncode == 1, proc.stdout
    assert "FAIL residency_routing / no allowed region is a 451 and reaches no origin" in proc.stdout
    assert "=== edge: FAILED" in proc.stdout
    assert "=== FAILED stages: edge" in proc.stdout


def test_the_kvs_stand_in_and_the_origin_helpers(njs, tmp_path):
    dest = tmp_path / "edge_functions"
    dest.mkdir()
    (dest / "probe.js").write_text(
        "import cf from 'cloudfront';\n"
        "const kvs = cf.kvs();\n"
        "async function handler(event) {\n"
        "  const request = event.request;\n"
        "  const conf = await kvs.get('conf', { format: 'json' });\n"
        "  const raw = await kvs.get('conf', { format: 'bytes' });\n"
        "  const meta = await kvs.meta();\n"
        "  let missing = 'no';\n"
        "  try { await kvs.get('absent'); } catch (err) { missing = 'thrown'; }\n"
        "  request.headers['x-weight'] = { value: String(conf.weight) };\n"
        "  request.headers['x-bytes'] = { value: String(raw.length) };\n"
        "  request.headers['x-keys'] = { value: String(meta.keyCount) };\n"
        "  const present = await kvs.exists('conf');\n"
        "  const absent = await kvs.exists('absent');\n"
        "  request.headers['x-exists'] = { value: String(present) + '/' + String(absent) };\n"
        "  request.headers['x-missing'] = { value: missing };\n"
        "  cf.selectRequestOriginById('static-bucket');\n"
        "  return request;\n"
        "}\n")
    (dest / "probe.tests.yml").write_text(
        "---\n"
        "- name: probe\n"
        "  event: {version: '1.0', context: {eventType: viewer-request}, viewer: {ip: 192.0.2.1},\n"
        "          request: {method: GET, uri: /, querystring: {}, headers: {}, cookies: {}}}\n"
        "  kvs: {conf: '{\"weight\": 7}', other: x}\n"
        "  expect:\n"
        "    headers:\n"
        "      x-weight: {value: '7'}\n"
        "      x-bytes: {value: '13'}\n"
        "      x-keys: {value: '2'}\n"
        "      x-exists: {value: true/false}\n"
        "      x-missing: {value: thrown}\n"
        "  expect_origin:\n"
        "    selectRequestOriginById: {originId: static-bucket}\n"
        "- name: a wrong origin expectation fails\n"
        "  event: {version: '1.0', context: {eventType: viewer-request}, viewer: {ip: 192.0.2.1},\n"
        "          request: {method: GET, uri: /, querystring: {}, headers: {}, cookies: {}}}\n"
        "  kvs: {conf: '{\"weight\": 7}'}\n"
        "  expect: {}\n"
        "  expect_origin: null\n")
    proc = harness("--dir", str(dest))
    assert "PASS probe / probe" in proc.stdout, proc.stdout
    assert "FAIL probe / a wrong origin expectation fails" in proc.stdout
    assert 'origin: expected no origin change, got {"selectRequestOriginById": {"originId": "static-bucket"}}' in proc.stdout
    assert proc.returncode == 1


def test_no_njs_is_an_error_not_a_pass(tmp_path):
    proc = harness("--njs", str(tmp_path / "no-njs"))
    assert proc.returncode == 2
    assert "njs not found" in proc.stderr
