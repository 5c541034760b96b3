# -*- coding: utf-8 -*-
"""The filter_preload vars plugin: it sets no variables and loads every filter plugin file of the collection
into the process, so a worker forked from it (as Ansible forks one per task) finds a filter of the
collection without importing anything; ansible.cfg and Molecule's configuration enable it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import configparser
import glob
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FILTERS = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "filter", "*.py"))
                 if not p.endswith("__init__.py"))
PREFIX = "ansible_collections.meridian.global_infra.plugins.filter."

# In a new interpreter: the plugin's get_vars in the parent, then in a forked child a filter looked up by
# name; the child reports the modules its lookup imported.
CHILD = r"""
import json, os, sys
from ansible.plugins.loader import init_plugin_loader, filter_loader, vars_loader
init_plugin_loader([%(collections)r])
before = set(sys.modules)
plugin = vars_loader.get("meridian.global_infra.filter_preload")
answer = plugin.get_vars(None, %(root)r, []) if %(preload)r else None
loaded = sorted(m for m in set(sys.modules) - before if m.startswith(%(prefix)r))
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    known = set(sys.modules)
    found = filter_loader.get("meridian.global_infra.catalog_region")
    os.write(write, json.dumps([found is not None, sorted(m for m in set(sys.modules) - known if "meridian" in m)]).encode())
    os._exit(0)
os.waitpid(pid, 0)
os.close(write)
print(json.dumps({"answer": answer, "loaded": loaded, "child": json.loads(os.read(read, 1 << 20))}))
"""


def run(preload):
    code = CHILD % {"collections": os.path.join(ROOT, ".collections"), "root": ROOT, "preload": preload, "prefix": PREFIX}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_preloaded_filters_are_inherited_by_a_forked_worker():
    got = run(True)
    assert got["answer"] == {}
    assert [m[len(PREFIX):] for m in got["loaded"]] == FILTERS
    assert got["child"] == [True, []]


def test_without_it_the_worker_imports_the_filter_files():
    got = run(False)
    assert got["loaded"] == []
    found, imported = got["child"]
    assert found and sorted(m[len(PREFIX):] for m in imported if m.startswith(PREFIX)) == FILTERS


def test_enabled_for_ansible_playbook_and_molecule():
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "ansible.cfg"))
    enabled = [p.strip() for p in config.get("defaults", "vars_plugins_enabled").split(",")]
    assert enabled == ["ansible.builtin.host_group_vars", "meridian.global_infra.filter_preload"]
    with open(os.path.join(ROOT, ".config", "molecule", "config.yml")) as handle:
        molecule = yaml.safe_load(handle)
    assert molecule["provisioner"]["config_options"]["defaults"]["vars_plugins_enabled"].split(",") == enabled


def test_a_filter_that_cannot_load_leaves_the_variables_alone(monkeypatch):
    from ansible.plugins.loader import vars_loader

    plugin = vars_loader.get("meridian.global_infra.filter_preload")
    module = sys.modules[type(plugin).__module__]

    def broken(name, *args, **kwargs):
        raise ImportError("a filter plugin file that cannot be imported")

    monkeypatch.setattr(module.filter_loader, "get", broken)
    monkeypatch.setattr(module, "_loaded", [])
    assert plugin.get_vars(None, ROOT, []) == {}
    assert module._loaded == [False]
