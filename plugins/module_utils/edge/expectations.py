# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A function's returned object against a test's expectation (a partial object) and absent paths."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

_MISSING = object()


def _walk(expect, output, path, out):
    if isinstance(expect, dict):
        if not isinstance(output, dict):
            out.append("%s: expected %s, got %s" % (path or ".", json.dumps(expect, sort_keys=True),
                                                     "nothing" if output is _MISSING else json.dumps(output, sort_keys=True)))
            return
        for key in sorted(expect):
            _walk(expect[key], output.get(key, _MISSING), "%s.%s" % (path, key) if path else key, out)
    elif output is _MISSING or output != expect:
        out.append("%s: expected %s, got %s" % (path, json.dumps(expect), "nothing" if output is _MISSING else json.dumps(output)))


def mismatches(output, expect, expect_absent=None):
    out = []
    _walk(expect or {}, output, "", out)
    for dotted in expect_absent or []:
        node = output
        for part in dotted.split("."):
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        if node is not _MISSING:
            out.append("%s: expected absent, got %s" % (dotted, json.dumps(node)))
    return out
