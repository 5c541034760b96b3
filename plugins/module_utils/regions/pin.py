# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pinned region choice (pure): build, validate, compare and render the pin of an inventory.

A pin is the region choice an inventory runs on, with one VPC CIDR per region::

    version: 1
    regions:            # the inventory's region hosts, in this order (largest population share first)
      - {provider: aws, region: us-east-1, vpc_cidr: 10.10.0.0/16, failover_region: eu-west-1, markets: [US]}
    cidrs:              # every block ever given out, per provider/region; never reused, never moved
      aws/us-east-1: 10.10.0.0/16
    summary: {cost: {...}, objective: {...}, markets: {...}}

A fresh choice (``select_regions``' result) becomes a proposed pin with ``build_pin(choice, pool,
prefix, previous)``: regions the previous pin has keep their CIDR, new ones get the lowest free block.
``compare_pins`` says what accepting it would change. Reading and writing the file is the caller's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    HAS_YAML = False

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import (
    NetworkPlanError,
    allocate_cidrs,
    find_overlaps,
)

PIN_VERSION = 1
REGION_FIELDS = ("provider", "region", "vpc_cidr", "failover_region", "markets")
# Fields of a pinned region that the choice decides (the CIDR is the pin's own).
CHOICE_FIELDS = ("failover_region", "markets")
MARKET_FIELDS = ("p50_ms", "p95_ms", "meets_slo", "population_share", "regions")


class RegionPinError(MeridianError):
    """A pin file that cannot be used; ``field`` is the pin file option, the message says what to fix."""

    def __init__(self, message, field="pin_file"):
        super(RegionPinError, self).__init__(field, message)


def region_key(entry):
    """``provider/region``: the key of a region in the CIDR ledger and in diffs."""
    return "%s/%s" % (entry["provider"], entry["region"])


def host_name(entry):
    """``provider-region``: the inventory host of a region."""
    return "%s-%s" % (entry["provider"], entry["region"])


def _summary(choice):
    markets = {}
    for label, info in sorted((choice.get("markets") or {}).items()):
        markets[label] = dict((k, info[k]) for k in MARKET_FIELDS if k in info)
    objective = choice.get("objective") or {}
    return {
        "cost": dict(choice.get("cost") or {}),
        "objective": dict((k, objective[k]) for k in ("value", "mean_latency_ms", "cost_term") if k in objective),
        "markets": markets,
    }


def build_pin(choice, pool, prefix, previous=None):
    """The pin that accepts ``choice`` (a ``select_regions`` result).

    ``previous`` (a validated pin or None) supplies the CIDR ledger: its regions keep their blocks
    and retired regions' blocks stay reserved. Raises ``NetworkPlanError`` naming ``cidr_pool`` when
    the pool has no room for a new region.
    """
    ledger = allocate_cidrs(pool, prefix, [region_key(r) for r in choice["regions"]],
                            existing=(previous or {}).get("cidrs"), existing_field="pin_file cidrs")
    regions = []
    for entry in choice["regions"]:
        regions.append({
            "provider": entry["provider"],
            "region": entry["region"],
            "vpc_cidr": ledger[region_key(entry)],
            "failover_region": entry.get("failover_region"),
            "markets": list(entry.get("markets") or []),
        })
    return {"version": PIN_VERSION, "regions": regions, "cidrs": ledger, "summary": _summary(choice)}


def validate_pin(data, where="pin_file"):
    """Check a pin read from its file; return it normalised. ``where`` (the file) prefixes every message."""
    def fail(msg):
        raise RegionPinError("%s: %s; fix the file or restore it from version control (deleting it re-pins "
                             "the current choice, which may renumber regions)" % (where, msg))

    if not isinstance(data, dict):
        fail("expected a mapping with version, regions and cidrs, got %s" % type(data).__name__)
    if data.get("version") != PIN_VERSION:
        fail("version %r is not %d" % (data.get("version"), PIN_VERSION))
    regions = data.get("regions")
    if not isinstance(regions, list) or not regions:
        fail("regions must be a non-empty list")
    ledger = data.get("cidrs") or {}
    if not isinstance(ledger, dict):
        fail("cidrs must be a mapping of provider/region to CIDR")
    out, seen = [], set()
    for i, entry in enumerate(regions):
        if not isinstance(entry, dict) or not entry.get("provider") or not entry.get("region") or not entry.get("vpc_cidr"):
            fail("regions[%d] needs provider, region and vpc_cidr" % i)
        key = region_key(entry)
        if key in seen:
            fail("regions[%d]: %s is listed twice" % (i, key))
        seen.add(key)
        if ledger.get(key, entry["vpc_cidr"]) != entry["vpc_cidr"]:
            fail("regions[%d]: %s has vpc_cidr %s but cidrs says %s" % (i, key, entry["vpc_cidr"], ledger[key]))
        markets = entry.get("markets") or []
        if not isinstance(markets, list):
            fail("regions[%d].markets must be a list" % i)
        out.append({"provider": str(entry["provider"]), "region": str(entry["region"]), "vpc_cidr": str(entry["vpc_cidr"]),
                    "failover_region": None if entry.get("failover_region") is None else str(entry["failover_region"]),
                    "markets": [str(m) for m in markets]})
    full = dict((str(k), str(v)) for k, v in ledger.items())
    for entry in out:
        full.setdefault(region_key(entry), entry["vpc_cidr"])
    try:
        overlaps = find_overlaps([{"name": k, "cidr": v} for k, v in sorted(full.items())], field="%s cidrs" % where)
    except NetworkPlanError as err:
        fail(str(err))
    if overlaps:
        first = overlaps[0]
        fail("%s %s overlaps %s %s" % (first["a"], first["a_cidr"], first["b"], first["b_cidr"]))
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
    return {"version": PIN_VERSION, "regions": out, "cidrs": full, "summary": summary}


def compare_pins(pinned, proposed, rejected=None):
    """What accepting ``proposed`` would change in ``pinned``.

    Returns {changed, added, removed, modified, order_changed, reasons}: added/removed are
    provider/region keys; modified lists {region, field, pinned, fresh} for the fields the choice
    decides; order_changed is true when the same regions come in another order (the first region is
    the primary of playbooks that take ``regions[0]``). ``reasons`` are sentences for operators;
    ``rejected`` (the fresh result's rejected list) gives the reason a pinned region was dropped.
    """
    old = dict((region_key(r), r) for r in pinned["regions"])
    new = dict((region_key(r), r) for r in proposed["regions"])
    old_order = [region_key(r) for r in pinned["regions"]]
    new_order = [region_key(r) for r in proposed["regions"]]
    added = [k for k in new_order if k not in old]
    removed = [k for k in old_order if k not in new]
    modified = []
    for key in new_order:
        if key in old:
            for field in CHOICE_FIELDS:
                if old[key].get(field) != new[key].get(field):
                    modified.append({"region": key, "field": field, "pinned": old[key].get(field), "fresh": new[key].get(field)})
    common_old = [k for k in old_order if k in new]
    common_new = [k for k in new_order if k in old]
    order_changed = not added and not removed and common_old != common_new
    why = dict(("%s/%s" % (r["provider"], r["region"]), r.get("reason")) for r in (rejected or []))
    reasons = []
    for key in added:
        entry = new[key]
        markets = ", ".join(entry["markets"]) or "no market"
        reasons.append("add %s (VPC %s): serves %s, failover %s" % (key, entry["vpc_cidr"], markets, entry["failover_region"]))
    for key in removed:
        reasons.append("drop %s: %s" % (key, why.get(key) or "not chosen"))
    for item in modified:
        reasons.append("%s: %s %s -> %s" % (item["region"], item["field"], _text(item["pinned"]), _text(item["fresh"])))
    if order_changed:
        reasons.append("order %s -> %s (the first region is the primary)" % (", ".join(common_old), ", ".join(common_new)))
    return {"changed": bool(added or removed or modified or order_changed), "added": added, "removed": removed,
            "modified": modified, "order_changed": order_changed, "reasons": reasons}


def _text(value):
    return ", ".join(value) if isinstance(value, list) else str(value)


if HAS_YAML:
    class _IndentedDumper(yaml.SafeDumper):
        """Lists indented under their key, the layout yamllint (and so ansible-lint) expects."""

        def increase_indent(self, flow=False, indentless=False):
            return super(_IndentedDumper, self).increase_indent(flow, False)


def render_pin(pin, header_lines=()):
    """The pin file's text: comment lines, then YAML (JSON, itself YAML, without PyYAML). Deterministic."""
    data = {"version": pin["version"], "regions": pin["regions"],
            "cidrs": dict(sorted(pin["cidrs"].items())), "summary": pin.get("summary") or {}}
    plain = json.loads(json.dumps(data))  # plain types only (no tagged or numpy values)
    if HAS_YAML:
        body = yaml.dump(plain, Dumper=_IndentedDumper, default_flow_style=False, sort_keys=False, width=120)
    else:  # pragma: no cover
        body = json.dumps(plain, indent=2) + "\n"
    header = "".join("# %s\n" % line if line else "#\n" for line in header_lines)
    return header + "---\n" + body
