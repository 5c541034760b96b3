# -*- coding: utf-8 -*-
"""The collection's documentation as ansible-doc and the docs schema read it, for every plugin and role.

Generic over the tree: a plugin, module or role added later is checked the same way.
- every filter, test, lookup and module has DOCUMENTATION, EXAMPLES and RETURN; every other plugin
  DOCUMENTATION and EXAMPLES;
- every version_added (plugins, their options, role entry points) is at most galaxy.yml's version, and
  every plugin states one;
- a role's meta/argument_specs.yml states only literal defaults, equal to those of its
  defaults/main.yml; a default computed there (a Jinja expression) is not in the spec, and the
  option's description says it is set in defaults/main.yml. No option holds Jinja delimiters:
  Ansible templates the options when it validates the role's arguments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible.utils.version import SemanticVersion

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "galaxy.yml")) as _handle:
    GALAXY = yaml.safe_load(_handle)
FQCN = "%s.%s" % (GALAXY["namespace"], GALAXY["name"])
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))
NEEDS_RETURN = ("filter", "test", "lookup", "module")


@pytest.fixture(scope="module")
def dump():
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"), ANSIBLE_NOCOLOR="1")
    ansible_doc = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    out = subprocess.run([ansible_doc, "--metadata-dump", "--no-fail-on-errors", FQCN], env=env, check=True,
                         capture_output=True, text=True).stdout
    everything = json.loads(out)["all"]
    return dict((plugin_type, dict((name, data) for name, data in plugins.items() if name.startswith(FQCN + ".")))
                for plugin_type, plugins in everything.items())


def _version_addeds(node, path):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "version_added" and isinstance(value, str):
                # options from another collection's doc fragment carry that collection's versions
                if node.get("version_added_collection", FQCN) == FQCN:
                    yield path, value
            else:
                yield from _version_addeds(value, path + (str(key),))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _version_addeds(value, path + (str(i),))


def test_every_plugin_has_its_documentation_examples_and_return(dump):
    missing = []
    for plugin_type, plugins in sorted(dump.items()):
        if plugin_type in ("role", "keyword"):
            continue
        for name, data in sorted(plugins.items()):
            if data.get("error") or not data.get("doc"):
                missing.append("%s %s: DOCUMENTATION (%s)" % (plugin_type, name, data.get("error", "none")))
                continue
            if not data.get("examples"):
                missing.append("%s %s: EXAMPLES" % (plugin_type, name))
            if plugin_type in NEEDS_RETURN and not data.get("return"):
                missing.append("%s %s: RETURN" % (plugin_type, name))
    assert not missing
    assert dump["module"] and dump["filter"] and dump["role"]


def test_every_role_is_in_the_dump(dump):
    assert sorted(name.split(".")[-1] for name in dump["role"]) == ROLES


def test_version_added_is_at_most_the_collection_version(dump):
    version = SemanticVersion(GALAXY["version"])
    wrong = []
    for plugin_type, plugins in sorted(dump.items()):
        for name, data in sorted(plugins.items()):
            if plugin_type != "role" and "version_added" not in (data.get("doc") or {}):
                wrong.append("%s %s: no version_added" % (plugin_type, name))
            for path, value in _version_addeds(data, ()):
                if value != "historical" and SemanticVersion(value) > version:
                    wrong.append("%s %s %s: version_added %s > galaxy.yml %s"
                                 % (plugin_type, name, ".".join(path), value, GALAXY["version"]))
    assert not wrong


def _computed(value):
    text = json.dumps(value)
    return any(delimiter in text for delimiter in ("{{", "{%", "{#"))


def _description(option):
    text = option.get("description", "")
    return " ".join(text) if isinstance(text, list) else text


@pytest.mark.parametrize("role", ROLES)
def test_role_argument_specs_state_only_literal_defaults_of_defaults_main(role):
    with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
        specs = yaml.safe_load(handle)["argument_specs"]
    defaults_file = os.path.join(ROOT, "roles", role, "defaults", "main.yml")
    defaults = {}
    if os.path.exists(defaults_file):
        with open(defaults_file) as handle:
            defaults = yaml.safe_load(handle) or {}
    wrong = []
    for entry_point, spec in sorted(specs.items()):
        for name, option in sorted((spec.get("options") or {}).items()):
            where = "%s %s %s" % (role, entry_point, name)
            if _computed(option):
                # Ansible templates the options when it validates a role's arguments: Jinja in a
                # description would run, and a default there is never applied anyway.
                wrong.append("%s: Jinja in argument_specs.yml (write the expression without its delimiters; "
                             "a computed default goes in defaults/main.yml)" % where)
            elif name in defaults and _computed(defaults[name]):
                if "default" in option:
                    wrong.append("%s: argument_specs.yml says %r, defaults/main.yml computes it" % (where, option["default"]))
                if "defaults/main.yml" not in _description(option):
                    wrong.append("%s: the description should say the default is computed in defaults/main.yml" % where)
            elif name in defaults and not option.get("required"):
                if option.get("default") != defaults[name]:
                    wrong.append("%s: argument_specs.yml default %r, defaults/main.yml %r"
                                 % (where, option.get("default"), defaults[name]))
            elif "default" in option and name not in defaults:
                wrong.append("%s: argument_specs.yml states a default that defaults/main.yml does not set" % where)
    assert not wrong
