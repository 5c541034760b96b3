# -*- coding: utf-8 -*-
"""Collections are imported through Ansible's collection loader, as ansible-test does for unit tests.

Plugins loaded by name (for example ``inventory_loader.get('meridian.global_infra.region_select')``)
need the loader's collection metadata, which it records only for packages it imported itself; so it
is installed before any test module imports ``ansible_collections``: here, when this conftest is
loaded, because pytest loads it before the conftests below it (which import the collection) and
before any ``pytest_configure`` hook runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.loader import init_plugin_loader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

init_plugin_loader([os.path.join(ROOT, ".collections")])
