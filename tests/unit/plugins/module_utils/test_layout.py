# -*- coding: utf-8 -*-
"""The module_utils layout holds (docs/development.md): what each package may import, network
libraries only in clients/, and package __init__ files that hold only their docstring."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "module_utils")
PREFIX = "ansible_collections.meridian.global_infra.plugins.module_utils."

# package -> the packages it may import (besides itself). docs/development.md draws the same table.
ALLOWED = {
    "common": set(),
    "clients": {"common"},
    "services": {"common"},
    "network": {"common"},
    "monitoring": {"common"},
    "forecast": {"common", "monitoring"},
    "scaling": {"common", "forecast", "services", "k8s"},
    "regions": {"common", "network"},
    "drill": {"common", "regions", "monitoring"},
    "aws": {"common", "services", "network", "regions", "scaling"},
    "k8s": {"common", "services"},
    "reports": {"common"},
    "edge": {"common", "regions"},
    "drift": set(),
    "compliance": {"common", "regions", "aws", "reports"},
    "gce": {"common", "clients"},
}
# Packages whose __init__ is a public façade: besides the docstring, only imports of their own
# modules' names and __all__ (callers import ``reports.Finding`` / ``reports.write_reports``).
FACADES = {"reports"}
# Libraries that talk to the network: only clients/ may import them.
NETWORK_LIBRARIES = {"boto3", "botocore", "requests", "urllib3", "prometheus_api_client", "psycopg", "socket",
                     "http", "urllib"}


def _modules():
    for dirpath, _dirs, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, ROOT).split(os.sep), path


def _imports(path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name


def test_every_module_lives_in_a_known_package():
    assert sorted(set(parts[0] for parts, _path in _modules())) == sorted(ALLOWED)


def _id(value):
    return "/".join(value) if isinstance(value, list) else ""


@pytest.mark.parametrize("parts, path", list(_modules()), ids=_id)
def test_a_module_imports_only_what_its_package_may(parts, path):
    package = parts[0]
    for module in _imports(path):
        if module.startswith(PREFIX):
            target = module[len(PREFIX):].split(".")[0]
            assert target == package or target in ALLOWED[package], "%s imports %s" % ("/".join(parts), module)
        elif package != "clients":
            assert module.split(".")[0] not in NETWORK_LIBRARIES, "%s imports %s outside clients/" % ("/".join(parts), module)


@pytest.mark.parametrize("parts, path", [m for m in _modules() if m[0][-1] == "__init__.py"], ids=_id)
def test_package_init_holds_only_its_docstring(parts, path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    assert isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant)
    if parts[0] not in FACADES:
        assert len(tree.body) == 1
        return
    own = PREFIX + ".".join(parts[:-1]) + "."
    for node in tree.body[1:]:
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("__future__",) or node.module.startswith(own), node.module
        else:
            assert isinstance(node, ast.Assign) and [t.id for t in node.targets] in (["__all__"], ["__metaclass__"]), \
                ast.dump(node)
