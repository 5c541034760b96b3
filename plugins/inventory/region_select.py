# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: region_select
short_description: Region hosts from a pinned region_select choice
version_added: 0.1.0
description:
  - Builds the C(regions) group of an environment from demand, markets, residency policy and
    candidate providers, with the model of the C(meridian.global_infra.region_select) lookup
    (the selection options below are passed to it unchanged).
  - One host per region, named C(<provider>-<region>), in the group C(<provider>_regions), a child of
    C(regions); hosts come in the pinned order (largest population share first), so C(regions[0])
    is the region serving most users.
  - Host variables C(meridian_provider), C(meridian_region), C(network_vpc_cidr),
    C(meridian_failover_region) and C(meridian_markets).
  - Every region gets a VPC CIDR of size O(cidr_prefix) from O(cidr_pool); a region keeps its block
    for good, also when it is dropped and chosen again, and no block is handed out twice.
  - "The choice takes effect only when pinned. The pin file (O(pin_file)) holds the regions, their
    CIDRs and the choice's summary, and it is the inventory. When it does not exist yet, the first
    parse writes it from the current choice (nothing can have been built from this source yet) and
    warns; commit it."
  - The fresh choice is computed on every parse (or read from the inventory cache, keyed by the
    selection options). When it differs from the pin, a warning shows the new choice, why, and the
    command that accepts it,
    C(ansible-playbook meridian.global_infra.select_regions -i SOURCE -e region_select_accept=true).
  - "Group variables of C(regions): C(meridian_region_select_summary) (cost, objective and per-market
    latency of the pinned choice), C(meridian_region_select_rejected) (every region not chosen, with
    the reason), C(meridian_region_select_pinned) and C(meridian_region_select_fresh) (the regions of
    each), C(meridian_region_select_diff) (what accepting would change), C(meridian_region_select_pin_file),
    C(meridian_region_select_pin_proposed) (the pin file's text that accepts the fresh choice),
    C(meridian_region_select_accept_command) and C(meridian_region_select_source)."
  - The source file name must end in C(.region_select.yml) or C(.region_select.yaml).
author:
  - Meridian Platform Team (@meridian)
extends_documentation_fragment:
  - meridian.global_infra.region_select
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks the file as a source of this plugin.
    type: str
    required: true
    choices: [meridian.global_infra.region_select]
  cidr_pool:
    description:
      - IPv4 network from which every chosen region gets its VPC CIDR, for example V(10.0.0.0/8).
      - It must hold at least as many O(cidr_prefix) blocks as regions may be chosen.
      - Changing it later moves no region; only regions chosen afterwards take blocks from the new pool.
    type: str
    required: true
  cidr_prefix:
    description: Prefix length of each region's VPC CIDR, V(16) to V(28) (the VPC sizes AWS accepts).
    type: int
    default: 16
  pin_file:
    description:
      - File holding the pinned choice (YAML, written atomically with mode 0644). A relative path is
        taken from the source file's directory.
      - Defaults to C(.<name>.region_select.pin.yml) beside the source C(<name>.region_select.yml). The
        leading dot keeps it out of a directory inventory's sources; a name of your own inside the
        inventory directory should start with a dot too.
    type: str
  pin_create:
    description:
      - Whether the first parse writes a missing pin file from the current choice.
      - Set V(false) where the pin must come from version control (for example an AWX inventory
        source synced from a project), so that a missing pin fails instead of being re-created on
        every sync.
    type: bool
    default: true
notes:
  - The fresh choice needs C(numpy) and C(scipy) on the controller. Without them a pinned inventory
    still works (with a warning that the choice was not checked); a missing pin fails.
  - Enable the plugin in C(ansible.cfg) (C([inventory] enable_plugins)).
seealso:
  - name: Region selection guide
    description: The selection model, pinning and the inventory.
    link: https://github.com/meridian/global_infra/tree/main/docs/region_select.md
"""

EXAMPLES = r"""
# inventories/prod/prod.region_select.yml
plugin: meridian.global_infra.region_select
markets: {US: 3, DE: 1, FR: 1, GB: 1, JP: 1}
data_classes: [pii, operational]
providers: [aws]
latency_slo_ms: 150
max_regions: 3
cost_weight: 5
cidr_pool: 10.0.0.0/8
cidr_prefix: 16
# pin_file: .prod.region_select.pin.yml   (the default; commit it)
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: .state/inventory_cache
cache_timeout: 86400

# A group per market served, and the local connection for every region host
# plugin: meridian.global_infra.region_select
# ...
# compose:
#   ansible_connection: "'local'"
# keyed_groups:
#   - key: meridian_markets
#     prefix: market
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.display import Display

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.network.addressing import check_pool_size, vpc_pool
from ansible_collections.meridian.global_infra.plugins.module_utils.regions.pin import (
    build_pin,
    compare_pins,
    host_name,
    render_pin,
    validate_pin,
)

display = Display()


def _selection():
    """``plugin_utils.region_select``, imported when a source is parsed, not when the plugin is loaded: it
    imports numpy and scipy (about 0.7 s of CPU), and every ansible-playbook run loads the plugins
    ansible.cfg enables, whatever its inventory."""
    from ansible_collections.meridian.global_infra.plugins.plugin_utils import region_select

    return region_select


SUFFIXES = (".region_select.yml", ".region_select.yaml")
ACCEPT_PLAYBOOK = "meridian.global_infra.select_regions"


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "meridian.global_infra.region_select"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        unknown = sorted(set(config) - set(self._options))
        if unknown:
            raise AnsibleParserError("region_select: unknown option %s; known: %s (source %s)"
                                     % (unknown[0], ", ".join(sorted(self._options)), path))
        # Only what the source sets: select_regions applies its own defaults (regions excludes min/max_regions).
        options = dict((name, self.get_option(name)) for name in _selection().OPTION_NAMES if name in config)
        try:
            self._populate(path, options, cache)
        except MeridianError as err:
            raise AnsibleParserError("region_select: %s (source %s)" % (err, path))

    # --- the pin and the fresh choice

    def _pin_path(self, path):
        base = os.path.basename(path)
        stem = [base[:-len(s)] for s in SUFFIXES if base.endswith(s)][0]
        name = self.get_option("pin_file") or ".%s.region_select.pin.yml" % stem
        return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(str(name))))

    def _read_pin(self, pin_path):
        if not os.path.exists(pin_path):
            return None
        try:
            data = self.loader.load_from_file(pin_path, cache="none")
        except Exception as err:
            raise AnsibleParserError("region_select: pin_file: %s is not readable YAML (%s); restore it from version control"
                                     % (pin_path, err))
        return validate_pin(data, pin_path)

    def _fresh_choice(self, path, options, cache):
        """The select_regions result for the options, through the inventory cache when enabled."""
        digest = _selection().options_digest(options)
        key = self.get_cache_key(path)
        if self.get_option("cache") and cache:
            try:
                entry = self._cache[key]
            except KeyError:
                entry = None
            if isinstance(entry, dict) and entry.get("digest") == digest and entry.get("choice"):
                return entry["choice"]
        try:
            choice = _selection().choose(options, AnsibleParserError)
        except AnsibleParserError as err:
            raise AnsibleParserError("%s (source %s)" % (err.message, path))
        if self.get_option("cache"):
            self._cache[key] = {"digest": digest, "choice": choice}
        return choice

    def _accept_command(self, path):
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else os.path.abspath(path)
        return "ansible-playbook %s -i %s -e region_select_accept=true" % (ACCEPT_PLAYBOOK, shown)

    def _header(self, path):
        # No paths or times: the text depends on the choice alone, so accepting an unchanged choice changes nothing.
        return ["Pinned region choice of %s (meridian.global_infra.region_select inventory)." % os.path.basename(path),
                "The inventory's regions and VPC CIDRs are this file. Commit it. Do not edit cidrs: a block,",
                "once given to a region, is never moved or reused. Accept a new choice with",
                "  ansible-playbook %s -i INVENTORY -e region_select_accept=true" % ACCEPT_PLAYBOOK]

    def _populate(self, path, options, cache):
        pool, prefix = vpc_pool(self.get_option("cidr_pool"), self.get_option("cidr_prefix"))
        pin_path = self._pin_path(path)
        pinned = self._read_pin(pin_path)
        command = self._accept_command(path)
        missing = _selection().can_select()
        fresh = proposed = None
        if missing and pinned is None:
            raise AnsibleParserError("%s; %s has no pin yet to use instead" % (missing, path))
        if missing:
            display.warning("region_select %s: the pinned choice is used unchecked: %s" % (path, missing))
        else:
            k_max = _selection().max_regions(options)
            check_pool_size(pool, prefix, k_max, "up to %d region(s) may be chosen (regions / max_regions)" % k_max)
            fresh = self._fresh_choice(path, options, cache)
            proposed = build_pin(fresh, str(pool), prefix, previous=pinned)
        if pinned is None:
            if not self.get_option("pin_create"):
                raise AnsibleParserError("region_select: pin_file: %s does not exist and pin_create is false; commit the pin "
                                         "written by a first parse elsewhere (for example ansible-inventory -i %s --graph "
                                         "in a checkout), or set pin_create: true" % (pin_path, os.path.basename(path)))
            _selection().write_text_atomic(pin_path, render_pin(proposed, self._header(path)))
            display.warning("region_select %s: no pin yet; pinned %s to %s. Commit it: the inventory stays on these "
                            "regions and CIDRs until a new choice is accepted."
                            % (path, ", ".join("%s (%s)" % (host_name(r), r["vpc_cidr"]) for r in proposed["regions"]), pin_path))
            pinned = validate_pin(proposed, pin_path)
        diff = compare_pins(pinned, proposed, fresh.get("rejected")) if proposed else None
        if diff and diff["changed"]:
            display.warning("region_select %s: the current choice differs from the pin %s; the inventory stays on the pin "
                            "(%s).\nNew choice: %s\nWhy:\n  - %s\nAccept it with:\n  %s"
                            % (path, pin_path, ", ".join(host_name(r) for r in pinned["regions"]),
                               ", ".join("%s (%s)" % (host_name(r), r["vpc_cidr"]) for r in proposed["regions"]),
                               "\n  - ".join(diff["reasons"]), command))
        self._add_hosts(pinned)
        group_vars = {
            "meridian_region_select_source": os.path.abspath(path),
            "meridian_region_select_pin_file": pin_path,
            "meridian_region_select_summary": pinned["summary"],
            "meridian_region_select_pinned": pinned["regions"],
            "meridian_region_select_fresh": ({"regions": proposed["regions"], "summary": proposed["summary"]}
                                             if proposed else None),
            "meridian_region_select_rejected": fresh["rejected"] if fresh else [],
            "meridian_region_select_diff": diff,
            "meridian_region_select_pin_proposed": render_pin(proposed, self._header(path)) if proposed else None,
            "meridian_region_select_accept_command": command,
        }
        for name, value in group_vars.items():
            self.inventory.set_variable("regions", name, value)

    def _add_hosts(self, pin):
        self.inventory.add_group("regions")
        strict = self.get_option("strict")
        for entry in pin["regions"]:
            group = self.inventory.add_group("%s_regions" % entry["provider"])
            self.inventory.add_child("regions", group)
            host = self.inventory.add_host(host_name(entry), group=group)
            hostvars = {
                "meridian_provider": entry["provider"],
                "meridian_region": entry["region"],
                "network_vpc_cidr": entry["vpc_cidr"],
                "meridian_failover_region": entry["failover_region"],
                "meridian_markets": entry["markets"],
            }
            for name, value in hostvars.items():
                self.inventory.set_variable(host, name, value)
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
