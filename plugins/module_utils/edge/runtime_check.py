# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the CloudFront Functions runtime refuses, found in a function's code before it is sent.

``check_code(code, runtime)`` returns one finding per problem, ``{line, rule, message}`` (``line``
is 1-based), sorted by line; an empty list means the code may be sent. The rules follow the
CloudFront Developer Guide ("JavaScript runtime 2.0 features for CloudFront Functions", its
"Restricted features" and "Built-in modules", and "Quotas on CloudFront Functions"):

- ``size``: the code is over the 10 KB function size quota (10,240 bytes of UTF-8); the line is
  where the limit is crossed;
- ``network``: ``fetch``, ``XMLHttpRequest``, ``WebSocket`` or a network module (http, https, net,
  dgram, tls, dns...): the runtime has no network access;
- ``filesystem``: the ``fs`` module (no file system access);
- ``module``: a module the runtime lacks (runtime 2.0 has ``crypto``, ``querystring``, ``buffer``
  and ``cloudfront``; 1.0 has ``crypto`` and ``querystring``) or a dynamic ``import()``;
- ``restricted``: ``eval``, the ``Function`` constructor, timers, ``process``, ``require`` of the
  environment: features the runtime refuses;
- ``removed``: the non-standard ``String.prototype`` byte methods runtime 2.0 removed;
- ``syntax``: statements the runtime does not list (``for...of``, ``class``, generators) and, on
  runtime 1.0, ``const``/``let``/``async``/``await``/``import``;
- ``handler``: exactly one top-level ``function handler(event)`` (or ``async function
  handler(event)`` on 2.0) must exist.

The scan works on the code with comments removed and string contents blanked (module names are
read from the string literals of ``require``/``import`` only), so words in comments or strings do
not count.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
DEFAULT_RUNTIME = "cloudfront-js-2.0"
# "Maximum function size: 10 KB" (Quotas on CloudFront Functions); not adjustable.
MAX_CODE_BYTES = 10 * 1024

MODULES = {
    "cloudfront-js-1.0": ("crypto", "querystring"),
    "cloudfront-js-2.0": ("crypto", "querystring", "buffer", "cloudfront"),
}
NETWORK_MODULES = ("http", "https", "http2", "net", "dgram", "tls", "dns", "undici", "node-fetch", "axios",
                   "request", "ws", "child_process", "cluster", "worker_threads")
FILESYSTEM_MODULES = ("fs", "fs/promises", "path", "os", "readline", "stream")

_NETWORK_CALLS = [
    (re.compile(r"(?<![\w$.])fetch\s*\("), "fetch() makes a network call; the runtime has no network access"),
    (re.compile(r"\bngx\s*\.\s*fetch\b"), "ngx.fetch is nginx's, and makes a network call; the runtime has no network access"),
    (re.compile(r"\bXMLHttpRequest\b"), "XMLHttpRequest makes a network call; the runtime has no network access"),
    (re.compile(r"\bWebSocket\b"), "WebSocket opens a connection; the runtime has no network access"),
]
_RESTRICTED = [
    (re.compile(r"(?<![\w$.])eval\s*\("), "eval() is not supported (no dynamic code evaluation)"),
    (re.compile(r"(?<![\w$.])(?:new\s+)?Function\s*\("), "the Function constructor is not supported (no dynamic code evaluation)"),
    (re.compile(r"(?<![\w$.])(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate)\s*\("),
     "timers are not supported: a function runs to completion without deferring"),
    (re.compile(r"(?<![\w$.])process\s*\."),
     "there is no process object (no process or environment access); keep configuration in a key value store"),
]
_REMOVED = re.compile(r"\.\s*(bytesFrom|fromBytes|fromUTF8|toBytes|toUTF8)\s*\(")
_SYNTAX = [
    (re.compile(r"\bfor\s*\(\s*(?:const|let|var)?\s*[\w$]+\s+of\b"), "for...of is not among the runtime's statements; use for or forEach"),
    (re.compile(r"(?<![\w$.])class\s+[\w$]+"), "classes are not among the runtime's features; use functions and objects"),
    (re.compile(r"\bfunction\s*\*|\byield\b"), "generators are not among the runtime's features"),
]
_SYNTAX_10 = [
    (re.compile(r"(?<![\w$.])(const|let)\s+[\w$\[{]"), "const and let are runtime 2.0 features; use var or runtime cloudfront-js-2.0"),
    (re.compile(r"(?<![\w$.])(async|await)\b"), "async and await are runtime 2.0 features; use runtime cloudfront-js-2.0"),
]
_REQUIRE = re.compile(r"(?<![\w$.])require\s*\(\s*(['\"])([^'\"]*)\1\s*\)")
_REQUIRE_ANY = re.compile(r"(?<![\w$.])require\s*\(")
_IMPORT_FROM = re.compile(r"^\s*import\s+(?:[\w$*{},\s]+?\s+from\s+)?(['\"])([^'\"]*)\1", re.M)
_IMPORT_DYNAMIC = re.compile(r"(?<![\w$.])import\s*\(")
_EXPORT = re.compile(r"^\s*export\b", re.M)
_HANDLER = re.compile(r"^(async\s+)?function\s+handler\s*\(([^)]*)\)", re.M)
_HANDLER_OTHER = re.compile(r"(?:\b(?:var|let|const)\s+handler\s*=|\bexports\s*\.\s*handler\s*=|"
                            r"\bmodule\s*\.\s*exports\b|^[ \t]+(?:async\s+)?function\s+handler\s*\()", re.M)
_REGEX_PREVIOUS = set("(,=:[!&|?{};+-*%<>~^") | set([""])


def _mask(code):
    """Two copies of ``code`` with the same line structure: comments removed (``strings``), and
    comments removed and string, template and regular expression contents blanked (``bare``)."""
    strings = []
    bare = []
    i = 0
    n = len(code)
    previous = ""
    while i < n:
        c = code[i]
        nxt = code[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = code.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if c == "/" and nxt == "*":
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank = "".join("\n" if ch == "\n" else " " for ch in code[i:j])
            strings.append(blank)
            bare.append(blank)
            i = j
            continue
        if c in "'\"`" or (c == "/" and previous in _REGEX_PREVIOUS):
            quote = c
            j = i + 1
            in_class = False
            while j < n:
                ch = code[j]
                if ch == "\\":
                    j += 2
                    continue
                if quote == "/":
                    if ch == "[":
                        in_class = True
                    elif ch == "]":
                        in_class = False
                    elif ch == "/" and not in_class:
                        break
                    elif ch == "\n":
                        break
                elif ch == quote:
                    break
                elif ch == "\n" and quote != "`":
                    break
                j += 1
            j = min(j + 1, n)
            text = code[i:j]
            strings.append(text)
            bare.append(quote + "".join("\n" if ch == "\n" else " " for ch in text[1:-1]) + (text[-1] if len(text) > 1 else ""))
            previous = "x"
            i = j
            continue
        strings.append(c)
        bare.append(c)
        if not c.isspace():
            previous = c if not (c.isalnum() or c in "_$)]") else "x"
        i += 1
    return "".join(strings), "".join(bare)


def _line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def _size_line(code):
    total = 0
    for number, line in enumerate(code.splitlines(True), 1):
        total += len(line.encode("utf-8"))
        if total > MAX_CODE_BYTES:
            return number
    return 1


def _module_rule(name, runtime):
    base = name.split("/")[0] if not name.startswith("node:") else name[5:].split("/")[0]
    if name.startswith("node:"):
        name = name[5:]
    if name in NETWORK_MODULES or base in NETWORK_MODULES:
        return "network", "module %r makes network calls; the runtime has no network access" % name
    if name in FILESYSTEM_MODULES or base in FILESYSTEM_MODULES:
        return "filesystem", "module %r reaches the file system or the host; the runtime has neither" % name
    if name not in MODULES[runtime]:
        return "module", "module %r is not in runtime %s (it has %s)" % (name, runtime, ", ".join(MODULES[runtime]))
    return None


def check_code(code, runtime=DEFAULT_RUNTIME):
    """Findings ``{line, rule, message}`` for what runtime ``runtime`` would refuse in ``code``."""
    if runtime not in RUNTIMES:
        return [{"line": 1, "rule": "runtime", "message": "unknown runtime %r; CloudFront Functions has %s"
                 % (runtime, ", ".join(RUNTIMES))}]
    if isinstance(code, bytes):
        code = code.decode("utf-8")
    findings = []

    def add(line, rule, message):
        findings.append({"line": line, "rule": rule, "message": message})

    size = len(code.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        add(_size_line(code), "size", "the code is %d bytes; CloudFront Functions takes at most 10 KB (%d bytes): "
                                      "move data to a key value store" % (size, MAX_CODE_BYTES))
    strings, bare = _mask(code)

    # both copies have the same offsets: a require or import in code (not inside a string) is
    # found at the same place in ``bare``
    literal = [m for m in _REQUIRE.finditer(strings) if bare.startswith("require", m.start())]
    for match in literal:
        ruled = _module_rule(match.group(2), runtime)
        if ruled:
            add(_line_of(strings, match.start()), ruled[0], "require(%r): %s" % (match.group(2), ruled[1]))
    required_literal = set(m.start() for m in literal)
    for match in _REQUIRE_ANY.finditer(bare):
        if match.start() not in required_literal:
            add(_line_of(bare, match.start()), "module", "require() with a computed name cannot be checked; "
                                                         "name the module in a string literal")
    for match in _IMPORT_FROM.finditer(strings):
        if bare[match.start():match.start(1)].strip()[:6] != "import":
            continue
        line = _line_of(strings, match.start(1))
        if runtime == "cloudfront-js-1.0":
            add(line, "syntax", "import statements are a runtime 2.0 feature; use runtime cloudfront-js-2.0")
            continue
        ruled = _module_rule(match.group(2), runtime)
        if ruled:
            add(line, ruled[0], "import %r: %s" % (match.group(2), ruled[1]))
    for match in _IMPORT_DYNAMIC.finditer(bare):
        add(_line_of(bare, match.start()), "module", "dynamic import() is not supported; import modules statically")
    for match in _EXPORT.finditer(bare):
        add(_line_of(bare, match.start()), "handler", "a function exports nothing: CloudFront calls the top-level "
                                                      "function handler(event)")

    for pattern, message in _NETWORK_CALLS:
        for match in pattern.finditer(bare):
            add(_line_of(bare, match.start()), "network", message)
    for pattern, message in _RESTRICTED:
        for match in pattern.finditer(bare):
            add(_line_of(bare, match.start()), "restricted", message)
    for match in _REMOVED.finditer(bare):
        if runtime == "cloudfront-js-2.0":
            add(_line_of(bare, match.start()), "removed", "String.prototype.%s() is not available in runtime 2.0; "
                                                          "use Buffer" % match.group(1))
    for pattern, message in _SYNTAX + (_SYNTAX_10 if runtime == "cloudfront-js-1.0" else []):
        for match in pattern.finditer(bare):
            add(_line_of(bare, match.start()), "syntax", message)

    handlers = list(_HANDLER.finditer(bare))
    if not handlers:
        other = _HANDLER_OTHER.search(bare)
        add(_line_of(bare, other.start()) if other else 1, "handler",
            "no top-level function handler(event): CloudFront calls a function declared as "
            "`function handler(event) {...}`%s at the start of a line"
            % (" or `async function handler(event) {...}`" if runtime == "cloudfront-js-2.0" else ""))
    for extra in handlers[1:]:
        add(_line_of(bare, extra.start()), "handler", "a second function handler: declare it once")
    for match in handlers[:1]:
        line = _line_of(bare, match.start())
        params = [p.strip() for p in match.group(2).split(",") if p.strip()]
        if len(params) != 1:
            add(line, "handler", "handler takes one parameter, the event object: function handler(event)")
        if match.group(1) and runtime == "cloudfront-js-1.0":
            add(line, "syntax", "an async handler is a runtime 2.0 feature; use runtime cloudfront-js-2.0")
    return sorted(findings, key=lambda f: (f["line"], f["rule"], f["message"]))


def format_findings(findings, name="code"):
    """One line per finding: ``<name>:<line>: <rule>: <message>``."""
    return ["%s:%d: %s: %s" % (name, f["line"], f["rule"], f["message"]) for f in findings]
