# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""google-cloud-compute's ``google.cloud.compute_v1``, each of its names loaded on first use.

The package's ``__init__`` imports the client of every one of its services (about 130) and with them
every message class; a module run uses two to six clients. ``load()`` gives the package without
running that ``__init__``: a ``XxxClient`` comes from its own ``services.xxx`` package, a message
from ``types.compute`` (imported at once: every client needs it, and a missing dependency shows
there), and any other name from the package's own ``__init__``, run then, once, in the same module
object. Where the package was already imported, it is returned as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import importlib.util
import re
import sys
import types

PACKAGE = "google.cloud.compute_v1"
MESSAGES = PACKAGE + ".types.compute"
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")


def service_module(client_name):
    """``RegionInstanceGroupManagersClient`` -> ``google.cloud.compute_v1.services.region_instance_group_managers``"""
    return "%s.services.%s" % (PACKAGE, _CAMEL_RE.sub("_", client_name[:-len("Client")]).lower())


class _LazyPackage(types.ModuleType):
    """The package module; a name it does not hold yet is loaded by ``__getattr__``."""

    def __getattr__(self, name):
        if name == "__version__":
            return self.gapic_version.__version__
        if name.startswith("__"):
            raise AttributeError(name)
        value = _resolve(self, name)
        setattr(self, name, value)
        return value


def _resolve(package, name):
    if name in package.__dict__:  # a submodule, set on the package by its import
        return package.__dict__[name]
    if name.islower():  # a submodule not imported yet (``from google.cloud.compute_v1 import gapic_version``)
        try:
            return importlib.import_module("%s.%s" % (PACKAGE, name))
        except ImportError as err:
            if getattr(err, "name", None) != "%s.%s" % (PACKAGE, name):
                raise
    elif name.endswith("Client"):
        module = service_module(name)
        try:
            return getattr(importlib.import_module(module), name)
        except ImportError as err:
            if getattr(err, "name", None) != module:
                raise
        except AttributeError:
            pass
    else:
        messages = importlib.import_module(MESSAGES)
        if hasattr(messages, name):
            return getattr(messages, name)
    _run_init(package)
    try:
        return package.__dict__[name]
    except KeyError:
        raise AttributeError("module %r has no attribute %r" % (PACKAGE, name))


def _run_init(package):
    if package.__dict__.get("_meridian_init_done"):
        return
    package.__dict__["_meridian_init_done"] = True
    package.__spec__.loader.exec_module(package)


def load():
    """The ``google.cloud.compute_v1`` module (raises ``ImportError`` when google-cloud-compute or its
    dependencies are missing, and then leaves nothing behind)."""
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None:
        raise ImportError("No module named %r" % PACKAGE, name=PACKAGE)
    package = importlib.util.module_from_spec(spec)
    package.__class__ = _LazyPackage
    parent = sys.modules["google.cloud"]
    sys.modules[PACKAGE] = package
    try:
        importlib.import_module(MESSAGES)
    except BaseException:
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        raise
    setattr(parent, "compute_v1", package)
    return package
