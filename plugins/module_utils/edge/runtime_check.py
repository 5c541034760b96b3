# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the CloudFront Functions runtime refuses, found in a function's code before it is sent.

``check_code(code, runtime)`` returns a list of ``{line, rule, message}`` (empty: nothing refused).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MAX_CODE_BYTES = 10240
_HANDLER = re.compile(r"^(async\s+)?function\s+handler\s*\(\s*event\s*\)", re.M)


def check_code(code, runtime="cloudfront-js-2.0"):
    refusals = []
    size = len(code.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        refusals.append({"line": 1, "rule": "size",
                         "message": "%d bytes; CloudFront Functions take at most %d" % (size, MAX_CODE_BYTES)})
    for number, text in enumerate(code.splitlines(), 1):
        if re.search(r"\b(fetch|XMLHttpRequest)\s*\(|require\(\s*['\"](http|https|net|dgram|tls)['\"]", text):
            refusals.append({"line": number, "rule": "network", "message": "the runtime has no network access"})
        if re.search(r"require\(\s*['\"]fs['\"]", text):
            refusals.append({"line": number, "rule": "filesystem", "message": "the runtime has no filesystem"})
    handlers = _HANDLER.findall(code)
    if len(handlers) != 1:
        refusals.append({"line": 1, "rule": "handler",
                         "message": "exactly one top-level function handler(event) is required, found %d" % len(handlers)})
    return refusals
