#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every edge function's tests on njs, the nginx JavaScript engine, as CloudFront's TestFunction would.

    tools/edge/njs_test.py [--dir DIR] [--njs PATH] [--runtime RUNTIME] [FUNCTION.js ...]

For each ``<name>.js`` (default: every one in roles/cdn/files/edge_functions, or in
``$MERIDIAN_EDGE_FUNCTIONS_DIR``) with its
``<name>.tests.yml`` beside it:

1. the runtime check (module_utils/edge/runtime_check.py) runs first; a finding fails the
   function and its tests do not run;
2. each test's ``event`` is passed to ``handler`` in a fresh njs process; the ``cloudfront``
   module the function imports is a stand-in on njs's module path: ``cf.kvs()`` reads the test's
   ``kvs`` (``get`` with the string, json and bytes formats, ``exists``, ``meta``; a missing key
   throws as in CloudFront) and the origin modification helpers record what they were called with;
3. the value the handler returns is compared with ``expect`` / ``expect_absent``
   (module_utils/edge/expectations.py), and the recorded origin change with ``expect_origin``
   (``null``: no change) when the test gives it.

Prints one PASS/FAIL line per test (and the differences under a FAIL); exits 0 when everything
passes, 1 when a check or a test fails, 2 when the tests cannot be run (no njs, unreadable files).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, ".collections"))

from ansible_collections.meridian.global_infra.plugins.module_utils.edge.expectations import (  # noqa: E402
    EdgeTestError,
    mismatches,
    validate_tests,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.edge.runtime_check import (  # noqa: E402
    DEFAULT_RUNTIME,
    check_code,
    format_findings,
)

# MERIDIAN_EDGE_FUNCTIONS_DIR points the harness (and so the edge stage of tools/run_tests.sh) at
# another directory of functions, e.g. a copy with a change under test.
DEFAULT_DIR = os.environ.get("MERIDIAN_EDGE_FUNCTIONS_DIR") or os.path.join(ROOT, "roles", "cdn", "files", "edge_functions")
MARK = "@@meridian-edge-result@@"
TIMEOUT = 20

# The stand-in for CloudFront's `cloudfront` module. __KVS__ is replaced by the test's store.
STUB = r"""
var data = __KVS__;
function missing(key) {
  return new Error('The key ' + key + ' does not exist in the key value store');
}
function kvs() {
  return {
    get: async function (key, options) {
      if (!Object.prototype.hasOwnProperty.call(data, key)) {
        throw missing(key);
      }
      var format = (options && options.format) || 'string';
      if (format === 'json') {
        return JSON.parse(data[key]);
      }
      if (format === 'bytes') {
        return Buffer.from(data[key]);
      }
      return data[key];
    },
    exists: async function (key) {
      return Object.prototype.hasOwnProperty.call(data, key);
    },
    meta: async function () {
      return {keyCount: Object.keys(data).length, creationDateTime: '2024-01-01T00:00:00Z',
              lastUpdatedDateTime: '2024-01-01T00:00:00Z'};
    }
  };
}
function record(method, value) {
  var origin = {};
  origin[method] = value;
  globalThis.__meridian_edge_origin = origin;
}
export default {
  kvs: kvs,
  updateRequestOrigin: function (props) { record('updateRequestOrigin', props); },
  selectRequestOriginById: function (id, overrides) {
    record('selectRequestOriginById', overrides === undefined ? {originId: id} : {originId: id, overrides: overrides});
  },
  createRequestOriginGroup: function (props) { record('createRequestOriginGroup', props); }
};
"""

DRIVER = r"""
;(async function () {
  var __result;
  try {
    var __output = await handler(__EVENT__);
    __result = {output: __output === undefined ? null : __output};
  } catch (__err) {
    __result = {error: String(__err && __err.stack ? __err.stack : __err)};
  }
  __result.origin = globalThis.__meridian_edge_origin || null;
  console.log('__MARK__' + JSON.stringify(__result));
})();
"""


def find_njs(explicit=None):
    path = explicit or os.environ.get("NJS") or shutil.which("njs")
    if not path or not os.access(path, os.X_OK):
        return None
    return path


def run_one(njs, code, test, workdir):
    """Run ``test`` on ``code`` with njs; return {output, origin} or {error}."""
    modules = os.path.join(workdir, "modules")
    os.makedirs(modules, exist_ok=True)
    # njs resolves `import x from 'cloudfront'` to a file named exactly `cloudfront` on -p's path.
    with open(os.path.join(modules, "cloudfront"), "w", encoding="utf-8") as handle:
        handle.write(STUB.replace("__KVS__", json.dumps(test.get("kvs") or {}, sort_keys=True)))
    driver = DRIVER.replace("__EVENT__", json.dumps(test["event"], sort_keys=True)).replace("__MARK__", MARK)
    script = os.path.join(workdir, "function.js")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(code + "\n" + driver)
    try:
        proc = subprocess.run([njs, "-p", modules, script], capture_output=True, text=True, timeout=TIMEOUT,
                              cwd=workdir, check=False)
    except subprocess.TimeoutExpired:
        return {"error": "njs did not finish in %d s" % TIMEOUT}
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    text = (proc.stderr + proc.stdout).strip()
    return {"error": "njs exited %d without a result: %s" % (proc.returncode, text[-2000:])}


def judge(test, result):
    """The differences between a test's expectations and njs's result (empty: pass)."""
    if "error" in result:
        return ["the function failed: %s" % result["error"]]
    problems = mismatches(result.get("output"), test.get("expect"), test.get("expect_absent"))
    if "expect_origin" in test:
        want = test["expect_origin"]
        got = result.get("origin")
        if want is None:
            if got is not None:
                problems.append("origin: expected no origin change, got %s" % json.dumps(got, sort_keys=True))
        else:
            problems.extend("origin." + p for p in mismatches(got if got is not None else {}, want))
    return problems


def test_function(njs, path, runtime, out):
    """Check and run one function's tests; print lines to ``out``; return (passed, failed)."""
    name = os.path.splitext(os.path.basename(path))[0]
    tests_path = os.path.join(os.path.dirname(path), name + ".tests.yml")
    with open(path, "r", encoding="utf-8") as handle:
        code = handle.read()
    findings = check_code(code, runtime)
    if findings:
        for line in format_findings(findings, os.path.relpath(path, ROOT) if path.startswith(ROOT) else path):
            print("FAIL %s: runtime check: %s" % (name, line), file=out)
        return 0, 1
    print("ok   %s: runtime check (%s, %d bytes)" % (name, runtime, len(code.encode("utf-8"))), file=out)
    if not os.path.exists(tests_path):
        print("FAIL %s: no tests: write %s" % (name, os.path.relpath(tests_path, ROOT)), file=out)
        return 0, 1
    try:
        with open(tests_path, "r", encoding="utf-8") as handle:
            tests = validate_tests(yaml.safe_load(handle), os.path.basename(tests_path))
    except (yaml.YAMLError, EdgeTestError) as err:
        print("FAIL %s: %s" % (name, err), file=out)
        return 0, 1
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="edge-njs-") as workdir:
        for test in tests:
            problems = judge(test, run_one(njs, code, test, workdir))
            if problems:
                failed += 1
                print("FAIL %s / %s" % (name, test["name"]), file=out)
                for problem in problems:
                    print("       %s" % problem, file=out)
            else:
                passed += 1
                print("PASS %s / %s" % (name, test["name"]), file=out)
    return passed, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("functions", nargs="*", help="function files (default: every *.js in --dir)")
    parser.add_argument("--dir", default=DEFAULT_DIR, help="the directory of the functions and their tests")
    parser.add_argument("--njs", help="the njs binary (default: $NJS or njs on PATH)")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME, help="the CloudFront Functions runtime to check for")
    args = parser.parse_args(argv)
    njs = find_njs(args.njs)
    if not njs:
        print("njs not found: install the Debian package njs (tools/setup.sh does) or pass --njs", file=sys.stderr)
        return 2
    paths = args.functions or sorted(glob.glob(os.path.join(args.dir, "*.js")))
    if not paths:
        print("no functions (*.js) in %s" % args.dir, file=sys.stderr)
        return 2
    passed = failed = 0
    for path in paths:
        if not os.path.isfile(path):
            print("no such function file: %s" % path, file=sys.stderr)
            return 2
        p, f = test_function(njs, os.path.abspath(path), args.runtime, sys.stdout)
        passed += p
        failed += f
    print("%d passed, %d failed (%d functions, njs %s)" % (passed, failed, len(paths), njs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
