# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for CloudFront Functions and KeyValueStores: options validated, the function's
content hash, what to do with its DEVELOPMENT and LIVE stages, the tests run before publishing, and
the keys of a store to put or delete. Nothing here calls an API.

Limits stated as CloudFront documents them: function names ``[a-zA-Z0-9-_]{1,64}``, runtimes
``cloudfront-js-1.0`` and ``cloudfront-js-2.0`` (a KeyValueStore needs 2.0), one KeyValueStore per
function; store names ``[a-zA-Z0-9-_]{1,64}``, comments of at most 128 characters, keys of at most
512 bytes, values of at most 1,024 bytes, at most 5 MB per store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

RUNTIMES = ("cloudfront-js-1.0", "cloudfront-js-2.0")
EVENT_TYPES = ("viewer-request", "viewer-response")
BEHAVIORS = ("default", "static", "api")
NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
KVS_ARN = re.compile(r"^arn:aws[a-z-]*:cloudfront::[0-9]{12}:key-value-store/[A-Za-z0-9-]+$")
FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:cloudfront::[0-9]{12}:function/[a-zA-Z0-9_-]{1,64}$")
MAX_COMMENT = 128
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1024
MAX_STORE_BYTES = 5 * 1024 * 1024
# keys written per UpdateKeys call (each call is all-or-nothing and returns the store's next ETag)
KEYS_PER_UPDATE = 50


class EdgePlanError(MeridianError):
    """An edge function or KeyValueStore setting that cannot be applied; ``field`` names it."""


def validate_name(value, field="name"):
    """A function or store name as CloudFront takes it."""
    if not isinstance(value, str) or not NAME.match(value):
        raise EdgePlanError(field, "%r: 1 to 64 letters, digits, hyphens or underscores" % (value,))
    return value


def _comment(value, field="comment"):
    value = value or ""
    if not isinstance(value, str) or len(value) > MAX_COMMENT:
        raise EdgePlanError(field, "at most %d characters, got %d" % (MAX_COMMENT, len(str(value))))
    return value


# functions

def function_config(comment="", runtime="cloudfront-js-2.0", key_value_store_arns=()):
    """The FunctionConfig of CreateFunction / UpdateFunction, options validated."""
    _comment(comment)
    if runtime not in RUNTIMES:
        raise EdgePlanError("runtime", "%r is not one of %s" % (runtime, ", ".join(RUNTIMES)))
    arns = list(key_value_store_arns or [])
    for arn in arns:
        if not isinstance(arn, str) or not KVS_ARN.match(arn):
            raise EdgePlanError("key_value_store_arns", "%r is not a CloudFront KeyValueStore ARN "
                                "(arn:aws:cloudfront::<account>:key-value-store/<id>)" % (arn,))
    if len(arns) > 1:
        raise EdgePlanError("key_value_store_arns", "a function reads at most one KeyValueStore, got %d" % len(arns))
    if arns and runtime != "cloudfront-js-2.0":
        raise EdgePlanError("runtime", "a KeyValueStore is read from cloudfront-js-2.0 only; set runtime: cloudfront-js-2.0")
    config = {"Comment": comment or "", "Runtime": runtime}
    config["KeyValueStoreAssociations"] = {"Quantity": len(arns)}
    if arns:
        config["KeyValueStoreAssociations"]["Items"] = [{"KeyValueStoreARN": a} for a in arns]
    return config


def _config_view(config):
    config = config or {}
    assoc = config.get("KeyValueStoreAssociations") or {}
    return {"comment": config.get("Comment") or "", "runtime": config.get("Runtime"),
            "key_value_store_arns": sorted(i.get("KeyValueStoreARN") for i in assoc.get("Items") or [])}


def content_hash(code, config):
    """SHA-256 of the code and the managed configuration (comment, runtime, KeyValueStores)."""
    if isinstance(code, str):
        code = code.encode("utf-8")
    canonical = json.dumps(_config_view(config), sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(canonical + b"\n" + (code or b"")).hexdigest()


def _text(code):
    if code is None:
        return ""
    if isinstance(code, bytes):
        code = code.decode("utf-8", "replace")
    return code if code.endswith("\n") or not code else code + "\n"


def function_plan(name, code, config, development=None, live=None, state="present", publish=True):
    """What to do with a function.

    ``development`` and ``live`` are None (no such stage) or ``{"code", "config", "etag"}`` as read
    back (DescribeFunction + GetFunction of that stage). Returns ``action`` (create, update, publish,
    delete or none), ``update`` / ``publish`` (the steps to run), ``sha256`` of the wanted content and
    of each stage, and ``diff``: a list of Ansible diff entries (configuration, DEVELOPMENT code, LIVE
    code), so the code shows as a line diff.
    """
    want = content_hash(code, config)
    dev_hash = content_hash(development["code"], development["config"]) if development else None
    live_hash = content_hash(live["code"], live["config"]) if live else None
    before = {"development_sha256": dev_hash, "live_sha256": live_hash}
    if development:
        before.update(_config_view(development["config"]))
    result = {"name": name, "sha256": want, "development_sha256": dev_hash, "live_sha256": live_hash,
              "update": False, "publish": False}
    if state == "absent":
        result.update(action="delete" if development else "none", changed=bool(development))
        result["diff"] = [{"before_header": "%s: configuration" % name, "after_header": "%s: configuration" % name,
                           "before": dict(sorted(before.items())) if development else {}, "after": {}}]
        if development:
            result["diff"].append({"before_header": "%s: code (DEVELOPMENT)" % name, "after_header": "%s: deleted" % name,
                                   "before": _text(development["code"]), "after": ""})
        return result
    update = development is None or dev_hash != want
    do_publish = bool(publish) and (update or live_hash != want)
    after = dict(_config_view(config), development_sha256=want, live_sha256=want if do_publish else live_hash)
    action = "create" if development is None else ("update" if update else ("publish" if do_publish else "none"))
    result.update(action=action, changed=action != "none", update=update, publish=do_publish)
    diff = [{"before_header": "%s: configuration" % name, "after_header": "%s: configuration" % name,
             "before": dict(sorted(before.items())) if development else {}, "after": dict(sorted(after.items()))}]
    if update:
        diff.append({"before_header": "%s: code (DEVELOPMENT)" % name, "after_header": "%s: code (wanted)" % name,
                     "before": _text(development["code"]) if development else "", "after": _text(code)})
    if do_publish and live_hash != want and (live or {}).get("code") != (development or {}).get("code"):
        diff.append({"before_header": "%s: code (LIVE)" % name, "after_header": "%s: code (wanted)" % name,
                     "before": _text(live["code"]) if live else "", "after": _text(code)})
    result["diff"] = diff
    return result


def test_event_blob(test):
    """The EventObject TestFunction takes: the test's event as JSON bytes."""
    return json.dumps(test["event"], sort_keys=True).encode("utf-8")


def test_verdict(test, result, mismatches, function_output):
    """One test's verdict from TestFunction's TestResult: ``{name, passed, problems}``.

    ``mismatches`` and ``function_output`` are expectations.mismatches and expectations.function_output
    (the same comparison the local njs harness makes); an error message from the function, or an
    output that is not an event object, fails the test.
    """
    problems = []
    error = (result or {}).get("FunctionErrorMessage")
    if error:
        problems.append("the function failed: %s" % error)
    else:
        try:
            returned = function_output((result or {}).get("FunctionOutput") or "")
        except MeridianError as err:
            returned = None
            problems.append(str(err))
        if returned is not None:
            problems.extend(mismatches(returned, test.get("expect") or {}, test.get("expect_absent") or []))
    return {"name": test["name"], "passed": not problems, "problems": problems,
            "compute_utilization": (result or {}).get("ComputeUtilization")}


def failed_tests_message(name, verdicts):
    failed = [v for v in verdicts if not v["passed"]]
    return "%s: %d of %d tests failed on CloudFront (TestFunction), nothing was published to LIVE: %s" % (
        name, len(failed), len(verdicts), "; ".join("%s: %s" % (v["name"], ", ".join(v["problems"])) for v in failed))


# associations

def function_associations(associations):
    """The distribution's function associations, validated: ``{behavior: [{event_type, function_arn}]}``.

    ``associations`` is a list of ``{behavior, event_type, function_arn}``; behavior is one of
    default, static (the static paths) or api (the API paths). CloudFront takes at most one function
    per event type on a cache behavior.
    """
    out = dict((b, []) for b in BEHAVIORS)
    for index, item in enumerate(associations or []):
        where = "function_associations[%d]" % index
        if not isinstance(item, dict):
            raise EdgePlanError(where, "each association is {behavior, event_type, function_arn}, got %r" % (item,))
        behavior, event_type, arn = item.get("behavior"), item.get("event_type"), item.get("function_arn")
        if behavior not in BEHAVIORS:
            raise EdgePlanError(where, "behavior %r is not one of %s" % (behavior, ", ".join(BEHAVIORS)))
        if event_type not in EVENT_TYPES:
            raise EdgePlanError(where, "event_type %r: CloudFront Functions run on %s" % (event_type, " or ".join(EVENT_TYPES)))
        if not isinstance(arn, str) or not FUNCTION_ARN.match(arn):
            raise EdgePlanError(where, "%r is not a CloudFront function ARN (arn:aws:cloudfront::<account>:function/<name>)"
                                % (arn,))
        if any(a["event_type"] == event_type for a in out[behavior]):
            raise EdgePlanError(where, "the %s behavior has two %s functions; CloudFront runs one function per event "
                                "type on a cache behavior" % (behavior, event_type))
        out[behavior].append({"event_type": event_type, "function_arn": arn})
    return dict((b, sorted(v, key=lambda a: a["event_type"])) for b, v in out.items())


# key value stores

def key_value_store_plan(current, name, comment="", state="present"):
    """What to do with a store. ``current`` is None or DescribeKeyValueStore's KeyValueStore."""
    validate_name(name)
    comment = _comment(comment)
    before = {"name": current.get("Name"), "comment": current.get("Comment") or ""} if current else {}
    if state == "absent":
        return {"action": "delete" if current else "none", "changed": bool(current), "before": before, "after": {}}
    after = {"name": name, "comment": comment}
    action = "create" if not current else ("update" if before != after else "none")
    return {"action": action, "changed": action != "none", "before": before, "after": after}


def key_values(values, field="key_values"):
    """The wanted keys validated (str -> str; sizes within the store's limits); None stays None."""
    if values is None:
        return None
    if not isinstance(values, dict):
        raise EdgePlanError(field, "must be a mapping of key to value, got %r" % (values,))
    out = {}
    total = 0
    for key in sorted(values):
        value = values[key]
        if not isinstance(key, str) or not key:
            raise EdgePlanError(field, "keys are non-empty strings, got %r" % (key,))
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True, separators=(",", ":"))
        elif isinstance(value, bool) or value is None:
            raise EdgePlanError(field, "%s: values are strings (or objects stored as JSON), got %r" % (key, value))
        value = str(value)
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise EdgePlanError(field, "%s...: a key is at most %d bytes" % (key[:32], MAX_KEY_BYTES))
        if not value or len(value.encode("utf-8")) > MAX_VALUE_BYTES:
            raise EdgePlanError(field, "%s: a value is 1 to %d bytes, got %d" % (key, MAX_VALUE_BYTES, len(value.encode("utf-8"))))
        total += len(key.encode("utf-8")) + len(value.encode("utf-8"))
        out[key] = value
    if total > MAX_STORE_BYTES:
        raise EdgePlanError(field, "%d bytes of keys and values; a store holds at most %d" % (total, MAX_STORE_BYTES))
    return out


def keys_plan(current, wanted, purge=True):
    """Keys to put and to delete so that the store holds ``wanted`` (all of it when ``purge``,
    otherwise at least). ``current`` is the store's content (key -> value)."""
    current = dict(current or {})
    puts = dict((k, v) for k, v in sorted(wanted.items()) if current.get(k) != v)
    deletes = sorted(k for k in current if k not in wanted) if purge else []
    after = dict(current)
    after.update(wanted)
    for key in deletes:
        after.pop(key)
    return {"changed": bool(puts or deletes), "puts": puts, "deletes": deletes,
            "before": dict(sorted(current.items())), "after": dict(sorted(after.items()))}


def key_batches(puts, deletes, size=KEYS_PER_UPDATE):
    """UpdateKeys requests: ``[(puts, deletes)]`` of at most ``size`` keys each."""
    ops = [("put", k, v) for k, v in sorted(puts.items())] + [("delete", k, None) for k in sorted(deletes)]
    batches = []
    for start in range(0, len(ops), size):
        chunk = ops[start:start + size]
        batches.append(([{"Key": k, "Value": v} for op, k, v in chunk if op == "put"],
                        [{"Key": k} for op, k, v in chunk if op == "delete"]))
    return batches
