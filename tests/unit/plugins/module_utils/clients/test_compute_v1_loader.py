# -*- coding: utf-8 -*-
"""clients/compute_v1_loader: google.cloud.compute_v1 without its ``__init__``. A client comes from its own
service package and no other service is imported; messages and submodules resolve; any other name runs the
package's own ``__init__``; an imported package is returned as it is; a missing dependency leaves nothing
in ``sys.modules``. Each case runs in a new interpreter, as a module run does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("google.cloud.compute_v1")

LOADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 5 + [
    "plugins", "module_utils", "clients", "compute_v1_loader.py"]))

# The loader by its path (it needs nothing of the collection), then the case's code; prints JSON.
PREAMBLE = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("compute_v1_loader", %r)
loader = importlib.util.module_from_spec(spec)
spec.loader.exec_module(loader)
def services():
    return sorted({n.split(".")[4] for n in sys.modules if n.startswith("google.cloud.compute_v1.services.")})
""" % os.path.abspath(LOADER)


def child(code):
    out = subprocess.run([sys.executable, "-c", PREAMBLE + code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_client_imports_its_own_service_only():
    got = child(r"""
compute_v1 = loader.load()
client = compute_v1.RegionInstanceGroupManagersClient
from google.cloud import compute_v1 as imported
print(json.dumps({
    "client": client.__module__, "services": services(), "same": imported is compute_v1,
    "message": compute_v1.Network(name="n").name, "message_module": compute_v1.Network.__module__,
    "types": compute_v1.types.compute.Network is compute_v1.Network, "version": compute_v1.__version__,
    "sys_modules": sys.modules["google.cloud.compute_v1"] is compute_v1}))
""")
    assert got["client"] == "google.cloud.compute_v1.services.region_instance_group_managers.client"
    # the service's client imports the operations service it polls; nothing else is imported
    assert got["services"] == ["region_instance_group_managers", "region_operations"]
    assert got["same"] and got["sys_modules"] and got["types"]
    assert (got["message"], got["message_module"]) == ("n", "google.cloud.compute_v1.types.compute")
    assert got["version"].count(".") == 2


def test_service_module_names():
    got = child(r"""
print(json.dumps([loader.service_module(n) for n in ("NetworksClient", "TargetHttpsProxiesClient", "SslPoliciesClient")]))
""")
    assert got == ["google.cloud.compute_v1.services.%s" % s for s in ("networks", "target_https_proxies", "ssl_policies")]


def test_another_name_runs_the_package_init_once():
    got = child(r"""
compute_v1 = loader.load()
before = services()
version_module = compute_v1.package_version  # set by the package's __init__ only
print(json.dumps({"before": before, "after": len(services()), "version": version_module.__name__,
                  "firewalls": "FirewallsClient" in vars(compute_v1), "all": len(compute_v1.__all__)}))
""")
    assert got["before"] == []
    assert got["version"] == "google.cloud.compute_v1.gapic_version"
    assert got["firewalls"] and got["after"] > 100 and got["all"] > 1000


def test_an_unknown_name_is_an_attribute_error():
    got = child(r"""
compute_v1 = loader.load()
try:
    compute_v1.NoSuchThingClient
except AttributeError as err:
    print(json.dumps(str(err)))
""")
    assert "NoSuchThingClient" in got


def test_an_imported_package_is_returned_as_it_is():
    got = child(r"""
import google.cloud.compute_v1 as real
print(json.dumps({"same": loader.load() is real, "class": type(real).__name__}))
""")
    assert got == {"same": True, "class": "module"}


def test_a_missing_dependency_raises_and_leaves_nothing():
    got = child(r"""
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "proto" or name.startswith("proto."):
            raise ImportError("No module named %r" % name, name=name)
sys.meta_path.insert(0, Block())
try:
    loader.load()
    raised = None
except ImportError as err:
    raised = err.name
print(json.dumps({"raised": raised, "left": [n for n in sys.modules if n.startswith("google.cloud.compute_v1")],
                  "attribute": hasattr(sys.modules["google.cloud"], "compute_v1")}))
""")
    assert got == {"raised": "proto", "left": [], "attribute": False}
