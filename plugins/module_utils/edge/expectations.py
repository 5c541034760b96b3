# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an edge function's test expects of its output, and where the output differs.

A test (one item of ``<function>.tests.yml``) gives ``expect``, a partial object the value the
function returns must match, and optionally ``expect_absent``, dotted paths that must not exist in
it. ``mismatches`` compares; the local njs harness (``tools/edge/njs_test.py``) and the
``cloudfront_function`` module (after CloudFront's ``TestFunction``) use the same comparison.

Matching rules: a mapping matches when every key it names matches (other keys of the output are
ignored); a list matches a list of the same length, item by item; anything else matches an equal
value (``1`` and ``1.0`` are equal, ``"1"`` and ``1`` are not). Paths are dotted
(``headers.vary.value``); a list item is ``[i]`` (``multiValue[0].value``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

TEST_KEYS = ("name", "event", "kvs", "expect", "expect_absent", "expect_origin")
EVENT_TYPES = ("viewer-request", "viewer-response")
_PATH_TOKEN = re.compile(r"\[\d+\]|[^.\[\]]+")


class EdgeTestError(MeridianError):
    """A tests file or a test that cannot be run as written (``field`` names the test and key)."""


def _show(value):
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _join(path, key):
    return "%s.%s" % (path, key) if path else str(key)


def _same_scalar(expected, actual):
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return expected == actual
    return type(expected) is type(actual) and expected == actual


def _compare(output, expect, path, out):
    if isinstance(expect, dict):
        if not isinstance(output, dict):
            out.append("%s: expected an object %s, got %s" % (path or "(output)", _show(expect), _show(output)))
            return
        for key in sorted(expect, key=str):
            sub = _join(path, key)
            if key not in output:
                out.append("%s: expected %s, got nothing (missing)" % (sub, _show(expect[key])))
            else:
                _compare(output[key], expect[key], sub, out)
    elif isinstance(expect, (list, tuple)):
        if not isinstance(output, (list, tuple)) or len(output) != len(expect):
            out.append("%s: expected %s, got %s" % (path or "(output)", _show(list(expect)), _show(output)))
            return
        for i, (got, want) in enumerate(zip(output, expect)):
            _compare(got, want, "%s[%d]" % (path, i), out)
    elif not _same_scalar(expect, output):
        out.append("%s: expected %s, got %s" % (path or "(output)", _show(expect), _show(output)))


def _split(path):
    """``a.b[0].c`` -> ["a", "b", 0, "c"]."""
    parts = []
    for token in _PATH_TOKEN.findall(str(path)):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def lookup(output, path):
    """(True, value) when the dotted ``path`` exists in ``output``, else (False, None)."""
    node = output
    for part in _split(path):
        if isinstance(part, int):
            if not isinstance(node, (list, tuple)) or part >= len(node):
                return False, None
        elif not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def mismatches(output, expect, expect_absent=None):
    """Where ``output`` (what the function returned) differs from the test's expectations.

    ``expect`` is a partial object (``None`` expects nothing); ``expect_absent`` a list of dotted
    paths that must not exist. Returns a list of ``"<path>: expected X, got Y"`` strings, empty when
    the output passes.
    """
    out = []
    if expect is not None:
        _compare(output, expect, "", out)
    for path in expect_absent or []:
        found, value = lookup(output, path)
        if found:
            out.append("%s: expected absent, got %s" % (path, _show(value)))
    return out


def function_output(value):
    """The object a function returned, from CloudFront's ``TestResult.FunctionOutput``.

    ``FunctionOutput`` is a JSON string of the event object the function returned; it may come
    wrapped as ``{"request": {...}}`` or ``{"response": {...}}``. Returns the bare object (a dict);
    ``value`` may also be an already parsed dict.
    """
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8")
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError as err:
            raise EdgeTestError("FunctionOutput", "not JSON (%s): %r" % (err, value[:200]))
    if not isinstance(value, dict):
        raise EdgeTestError("FunctionOutput", "expected a JSON object, got %r" % (value,))
    if len(value) == 1:
        (key, inner), = value.items()
        if key in ("request", "response") and isinstance(inner, dict):
            return inner
    return value


def runnable_by_testfunction(tests):
    """The tests CloudFront's ``TestFunction`` can run: those without ``kvs``.

    ``TestFunction`` runs the function against its real associated key value store, not a test's
    ``kvs``; a test that describes the store's content runs on njs only. ``expect_origin`` is not
    checked there either (``TestFunction`` does not report origin modification): compare the
    output with ``mismatches(output, test["expect"], test.get("expect_absent"))``.
    """
    return [test for test in tests if not test.get("kvs")]


def validate_tests(tests, field="tests"):
    """Check a parsed tests file (a list of tests) and return it; raise ``EdgeTestError`` naming the test.

    Each test: ``name`` (unique), ``event`` (a CloudFront Functions event object: ``version`` "1.0",
    ``context.eventType`` viewer-request or viewer-response, ``viewer``, ``request`` and, for a
    viewer response, ``response``), ``expect`` (an object), and optionally ``kvs`` (key -> string
    value: the key value store's content for the test), ``expect_absent`` (list of dotted paths) and
    ``expect_origin`` (what the origin modification helpers were last called with; checked locally
    only: CloudFront's TestFunction does not report origin modification).
    """
    if not isinstance(tests, (list, tuple)) or not tests:
        raise EdgeTestError(field, "expected a non-empty list of tests ({name, event, expect, ...})")
    seen = set()
    for i, test in enumerate(tests):
        where = "%s[%d]" % (field, i)
        if not isinstance(test, dict):
            raise EdgeTestError(where, "expected a mapping {name, event, expect, ...}, got %r" % (test,))
        unknown = sorted(set(test) - set(TEST_KEYS))
        if unknown:
            raise EdgeTestError(where, "unknown keys %s; a test has %s" % (", ".join(unknown), ", ".join(TEST_KEYS)))
        name = test.get("name")
        if not isinstance(name, str) or not name.strip():
            raise EdgeTestError(where + ".name", "every test needs a name")
        if name in seen:
            raise EdgeTestError(where + ".name", "duplicate test name %r" % name)
        seen.add(name)
        where = "%s[%s]" % (field, name)
        event = test.get("event")
        if not isinstance(event, dict):
            raise EdgeTestError(where + ".event", "expected a CloudFront Functions event object")
        if event.get("version") != "1.0":
            raise EdgeTestError(where + ".event.version", "must be \"1.0\" (the event structure's only version)")
        event_type = (event.get("context") or {}).get("eventType")
        if event_type not in EVENT_TYPES:
            raise EdgeTestError(where + ".event.context.eventType", "must be one of %s, got %r" % (", ".join(EVENT_TYPES), event_type))
        if not isinstance(event.get("request"), dict) or not isinstance(event.get("viewer"), dict):
            raise EdgeTestError(where + ".event", "needs a viewer object and a request object")
        if event_type == "viewer-response" and not isinstance(event.get("response"), dict):
            raise EdgeTestError(where + ".event.response", "a viewer-response event needs a response object")
        if not isinstance(test.get("expect"), dict):
            raise EdgeTestError(where + ".expect", "expected a partial object the function's return must match")
        kvs = test.get("kvs") or {}
        if not isinstance(kvs, dict) or any(not isinstance(k, str) or not isinstance(v, str) for k, v in kvs.items()):
            raise EdgeTestError(where + ".kvs", "expected a mapping of key -> string value")
        absent = test.get("expect_absent") or []
        if not isinstance(absent, (list, tuple)) or any(not isinstance(p, str) or not p for p in absent):
            raise EdgeTestError(where + ".expect_absent", "expected a list of dotted paths")
        if "expect_origin" in test and test["expect_origin"] is not None and not isinstance(test["expect_origin"], dict):
            raise EdgeTestError(where + ".expect_origin", "expected null (no origin change) or a mapping "
                                                          "{updateRequestOrigin|selectRequestOriginById|createRequestOriginGroup: ...}")
    return list(tests)
