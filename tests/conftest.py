# -*- coding: utf-8 -*-
"""Collections are imported through Ansible's collection loader, as ansible-test does for unit tests.

Plugins loaded by name (for example ``inventory_loader.get('meridian.global_infra.region_select')``)
need the loader's collection metadata, which it records only for packages it imported itself; so it
is installed before any test module imports ``ansible_collections``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.loader import init_plugin_loader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_configure(config):
    init_plugin_loader([os.path.join(ROOT, ".collections")])
