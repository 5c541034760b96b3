# -*- coding: utf-8 -*-
"""A minimal stand-in for ``clients.gitops_tree.GitopsTree`` (the same interface), used by the tests
only while the collection does not ship that client yet; ``install`` does nothing once it does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os
import sys
import tempfile
import types

MODULE = "ansible_collections.meridian.global_infra.plugins.module_utils.clients.gitops_tree"


class GitopsTree:
    """Files under ``root``: read(rel) -> text or None, write(rel, text) atomically, delete(rel), list(rel_dir)."""

    def __init__(self, root):
        self.root = os.path.realpath(root)

    def _path(self, rel):
        path = os.path.realpath(os.path.join(self.root, rel))
        if os.path.isabs(rel) or not path.startswith(self.root + os.sep):
            raise ValueError("%s is outside %s" % (rel, self.root))
        return path

    def read(self, rel):
        path = self._path(rel)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def write(self, rel, text):
        path = self._path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)

    def delete(self, rel):
        path = self._path(rel)
        if os.path.exists(path):
            os.remove(path)

    def list(self, rel_dir):
        path = self._path(rel_dir)
        return sorted(os.listdir(path)) if os.path.isdir(path) else []


def install(monkeypatch):
    """The GitopsTree class the module will import: the collection's, else this stand-in (put in
    ``sys.modules`` for the test's duration)."""
    try:
        return importlib.import_module(MODULE).GitopsTree
    except ImportError:
        module = types.ModuleType(MODULE)
        module.GitopsTree = GitopsTree
        monkeypatch.setitem(sys.modules, MODULE, module)
        return GitopsTree
