# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one engine of the gce_* modules: normalise, diff and decide. Nothing here calls an API.

A resource kind (``resources.KINDS``) lists the fields the collection manages, each with:

- ``option``: the module option that sets it (named in every error and in ``changes``);
- ``default``: the value the API holds when the field is absent from a GET (server-side defaults:
  a firewall's ``priority`` 1000 and ``direction`` INGRESS, a network's ``routingConfig``), so that an
  absent field and its default compare equal;
- ``type``: how two values are compared (``scalar``; ``set``: an unordered list of strings; ``cidrs``:
  an unordered list of CIDR ranges in canonical form; ``ref``: a reference to another resource given
  as a short name, a partial URL or a selfLink, compared as ``projects/P/<scope>/<collection>/N``;
  ``rules``: a firewall's ``allowed``/``denied`` list; ``dict``: a nested object compared on the keys
  the desired state gives, each nested default filled; ``custom``: the field spec's ``normal(value,
  project)`` gives the compared form (lists of references, backends keyed by group); ``named_list``: a list of objects keyed by
  ``name``, such as a router's NATs, each compared on the keys its desired item gives, with the nested
  references of ``refs`` in compared form and the lists of ``sets`` sorted);
- ``update``: how a difference is applied: ``patch`` (one PATCH of the changed fields; with the
  resource's ``fingerprint`` when it has one), ``put`` (one PUT of the whole desired resource, with the
  fingerprint too: the way to empty a list, which a PATCH body cannot carry),
  ``method:<name>`` (a dedicated call, such as ``setPrivateIpGoogleAccess``) or ``immutable`` (a
  difference is an error naming the option: the resource must be replaced by hand); with ``only_if``
  (``cidr_expansion``), a difference the condition does not allow is such an error too.

Only managed fields are compared, so output-only fields (``id``, ``selfLink``, ``creationTimestamp``,
``kind``, ``fingerprint``, a subnetwork's ``gatewayAddress``) never cause a change. A managed field
whose option is ``None`` is left out of the desired state: it is not touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

NAME_RE = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_REF_RE = re.compile(r"(?:^|/)(projects/[^/]+/(?:global|regions/[^/]+|zones/[^/]+)/[^/]+/[^/]+)$")
ACTIONS = ("none", "create", "update", "delete")


class GceError(MeridianError):
    """A desired state that cannot be applied; ``field`` names the module option to fix."""


def check_name(value, field="name"):
    """A Compute Engine resource name (RFC 1035: 1-63 characters, lowercase letters, digits, hyphens)."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise GceError(field, "%r is not a valid Compute Engine name: 1-63 characters, a lowercase letter first, "
                              "then lowercase letters, digits or hyphens, not ending with a hyphen" % (value,))
    return value


def check_project(params):
    """The ``project`` option: a Google Cloud project id."""
    project = params.get("project")
    if not project or not re.match(r"^[a-z][-a-z0-9.:]{4,61}[a-z0-9]$", project):
        raise GceError("project", "%r is not a Google Cloud project id (6-30 characters: lowercase letters, digits, "
                                  "hyphens); set project or GCP_PROJECT" % (project,))
    return project


def ref(value, project, collection, scope="global"):
    """A reference in the compared form ``projects/P/<scope>/<collection>/N``.

    ``value`` is a short name (``N``), a partial URL (``global/networks/N``,
    ``projects/P/global/networks/N``) or a selfLink (``https://.../compute/v1/projects/P/global/networks/N``,
    whatever the host, so an emulator's selfLinks compare equal to Google's).
    """
    if value is None or value == "":
        return value
    text = str(value).rstrip("/")
    match = _REF_RE.search(text)
    if match:
        return match.group(1)
    if "/" not in text:
        return "projects/%s/%s/%s/%s" % (project, scope, collection, text)
    tail = re.sub(r"^.*?(?=(?:global|regions/[^/]+|zones/[^/]+)/)", "", text)
    return "projects/%s/%s" % (project, tail)


def short_name(value):
    """The last segment of a reference or selfLink (``us-central1`` of ``.../regions/us-central1``)."""
    return None if value is None else str(value).rstrip("/").rsplit("/", 1)[-1]


def canonical_cidr(value, field):
    """``value`` as a canonical network (``10.0.0.0/8``); host bits set or a bad range is an error."""
    try:
        return str(ipaddress.ip_network(str(value), strict=True))
    except ValueError as err:
        raise GceError(field, "%r is not a CIDR range: %s" % (value, err))


def _rules(value):
    out = []
    for rule in value or []:
        item = {"IPProtocol": str(rule.get("IPProtocol", "")).lower()}
        ports = rule.get("ports") or []
        if ports:
            item["ports"] = sorted(set(str(p) for p in ports))
        out.append(item)
    return sorted(out, key=lambda r: (r["IPProtocol"], r.get("ports", [])))


def _normal_value(spec, value, project):
    kind = spec.get("type", "scalar")
    if value is None:
        value = plain_copy(spec.get("default"))
    if spec.get("normal"):
        return spec["normal"](value, project)
    if kind == "set":
        return sorted(set(value or []))
    if kind == "cidrs":
        return sorted(set(str(ipaddress.ip_network(str(v), strict=False)) for v in (value or [])))
    if kind == "ref":
        return ref(value, project, spec["collection"], spec.get("scope", "global"))
    if kind == "rules":
        return _rules(value)
    if kind == "list":
        return sorted((plain_copy(v) for v in (value or [])), key=repr)
    if kind == "dict":
        defaults = spec.get("default") or {}
        value = dict(defaults, **(value or {}))
        return value
    if kind == "named_list":
        return sorted((_named_item(spec, item, project) for item in (value or [])), key=lambda i: i.get("name") or "")
    return value


def _named_item(spec, item, project):
    item = plain_copy(item)
    for path, collection in (spec.get("refs") or {}).items():
        outer, inner = (path.split(".", 1) + [""])[:2]
        if outer not in item:
            continue
        if inner:
            item[outer] = sorted((dict(sub, **{inner: ref(sub.get(inner), project, collection)}) for sub in item[outer]),
                                 key=lambda sub: sub.get(inner) or "")
        else:
            item[outer] = sorted(ref(v, project, collection) for v in item[outer])
    for path in spec.get("sets") or ():
        outer, inner = (path.split(".", 1) + [""])[:2]
        if inner:
            for sub in item.get(outer) or []:
                if inner in sub:
                    sub[inner] = sorted(set(sub[inner]))
        elif outer in item:
            item[outer] = sorted(set(item[outer]))
    return item


def normalise(kind, body, project, keys=None):
    """The managed fields of ``body`` (an API resource dict, camelCase) in compared form.

    ``keys``: compare only these fields (the desired state's); a ``dict`` field is cut down to the
    nested keys given by ``keys[field]`` when that is a collection of names.
    """
    out = {"name": body.get("name")}
    for field, spec in kind["fields"].items():
        if keys is not None and field not in keys:
            continue
        value = _normal_value(spec, body.get(field), project)
        if spec.get("type") == "dict" and keys is not None and isinstance(keys.get(field), (set, list, tuple)):
            value = dict((k, v) for k, v in value.items() if k in keys[field])
        if spec.get("type") == "named_list" and keys is not None and isinstance(keys.get(field), dict):
            wanted = keys[field]
            value = [dict((k, v) for k, v in item.items() if k == "name" or k in wanted.get(item.get("name"), ()))
                     for item in value]
        out[field] = value
    return out


def managed_keys(desired):
    """The field names (and nested key names of dicts) a desired state sets."""
    keys = {}
    for field, value in desired.items():
        if isinstance(value, dict):
            keys[field] = set(value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            keys[field] = dict((v["name"], set(v)) for v in value)
        else:
            keys[field] = True
    return keys


def diff_fields(before, after):
    """The top-level fields whose values differ, sorted."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def plan(kind, current, desired, project, state="present"):
    """What to do with one resource.

    ``current`` is the resource as the API returned it (or ``None`` when absent); ``desired`` the
    wanted body (managed fields only, camelCase, ``name`` included). Returns a dict: ``action``
    (none/create/update/delete), ``changed``, ``changes`` (the differing options, sorted), ``calls``
    (the updates to make: ``("patch", body)``, ``("put", body)``, ``("method:<name>", field, value)``),
    ``before`` / ``after`` (normalised, for --diff). Raises ``GceError`` naming the option when an
    immutable field differs.
    """
    if state == "absent":
        before = normalise(kind, current, project) if current else {}
        return {"action": "delete" if current else "none", "changed": bool(current), "changes": [],
                "calls": [], "before": before, "after": {}}
    keys = managed_keys(desired)
    after = normalise(kind, desired, project, keys)
    if not current:
        return {"action": "create", "changed": True, "changes": sorted(option(kind, f) for f in desired if f != "name"),
                "calls": [], "before": {}, "after": after}
    before = normalise(kind, current, project, keys)
    fields = [f for f in diff_fields(before, after) if f != "name"]
    calls = []
    patch_body = {}
    put = False
    for field in fields:
        update = kind["fields"][field].get("update", "immutable")
        only_if = kind["fields"][field].get("only_if")
        if only_if and not CONDITIONS[only_if](before[field], after[field]):
            raise GceError(option(kind, field), "%r cannot become %r on the existing %s %s: %s"
                           % (_shown(before[field]), _shown(after[field]), kind["label"], desired.get("name"),
                              CONDITION_TEXT[only_if]))
        if update == "immutable":
            raise GceError(option(kind, field), "cannot be changed on the existing %s %s (it is %r, %r is wanted): "
                           "delete it first (state=absent) or choose another name"
                           % (kind["label"], desired.get("name"), _shown(before[field]), _shown(after[field])))
        if update == "patch":
            patch_body[field] = desired[field]
        elif update == "put":
            put = True
        else:
            calls.append((update, field, desired[field]))
    if put:
        body = dict((k, v) for k, v in current.items() if k not in kind.get("output_only", ()))
        body.update(desired)
        if kind.get("fingerprint") and current.get("fingerprint"):
            body["fingerprint"] = current["fingerprint"]
        calls.insert(0, ("put", body))
    elif patch_body:
        patch_body["name"] = desired["name"]
        if kind.get("fingerprint") and current.get("fingerprint"):
            patch_body["fingerprint"] = current["fingerprint"]
        calls.insert(0, ("patch", patch_body))
    changed = bool(fields)
    return {"action": "update" if changed else "none", "changed": changed,
            "changes": sorted(option(kind, f) for f in fields), "calls": calls,
            "before": before, "after": after if changed else before}


def cidr_expansion(before, after):
    """True when ``after`` is a wider range of the same start as ``before`` (what expandIpCidrRange accepts)."""
    try:
        old, new = ipaddress.ip_network(before), ipaddress.ip_network(after)
    except (TypeError, ValueError):
        return False
    return old.version == new.version and new.prefixlen < old.prefixlen and old.subnet_of(new)


# A field's ``only_if``: the condition under which its ``update`` applies; otherwise it is an error.
CONDITIONS = {"cidr_expansion": cidr_expansion}
CONDITION_TEXT = {"cidr_expansion": "a primary range can only be widened in place (the same range with a shorter "
                                    "prefix, e.g. 10.20.0.0/20 to 10.20.0.0/19); a range narrowed or moved needs a "
                                    "new subnetwork"}


def option(kind, field):
    return kind["fields"].get(field, {}).get("option", field)


def _shown(value):
    return value if not isinstance(value, list) else ", ".join(str(v) for v in value) or "[]"
