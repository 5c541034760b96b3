# -*- coding: utf-8 -*-
"""Run ansible-inventory / ansible-playbook on region_select inventories (no local stack needed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
SELECTED = os.path.join(ROOT, "inventories", "local_selected")
SOURCE_NAME = "local.region_select.yml"
PIN_NAME = ".local.region_select.pin.yml"


def run(*args):
    """(exit code, stdout, stderr) of an ansible CLI (first arg) run from the collection root."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def _plain(obj):
    # ansible-inventory --list marks strings that inventory plugins set (never templated) as {"__ansible_unsafe": s}
    return obj["__ansible_unsafe"] if list(obj) == ["__ansible_unsafe"] else obj


def inventory_list(inventory):
    rc, out, err = run("ansible-inventory", "-i", inventory, "--list")
    assert rc == 0, err
    return json.loads(out, object_hook=_plain), err


def copy_selected(tmp_path, **changes):
    """inventories/local_selected in tmp_path (pin included, inventories/local's group_vars linked), the source changed."""
    dest = tmp_path / "inv"
    dest.mkdir()
    shutil.copy(os.path.join(SELECTED, PIN_NAME), str(dest / PIN_NAME))
    os.symlink(os.path.join(ROOT, "inventories", "local", "group_vars"), str(dest / "group_vars"))
    with open(os.path.join(SELECTED, SOURCE_NAME)) as handle:
        source = yaml.safe_load(handle)
    source.update(changes)
    (dest / SOURCE_NAME).write_text(yaml.safe_dump(source))
    return dest
