# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: filter_preload
version_added: 0.2.0
short_description: Load the collection's filter plugins once per run instead of once per task
requirements:
  - Enabled in configuration (C(vars_plugins_enabled), as the repository's C(ansible.cfg) does).
description:
  - Sets no variables. The first time the controller asks the vars plugins for variables, it loads
    the filter plugins of the C(meridian.global_infra) collection into the controller's main process.
  - Ansible runs each task in a worker process forked from the main process, and templates the task
    there. A worker that meets a filter of a collection imports that collection's filter plugin
    files (the filters live several to a file, so Ansible loads all of them to find one) and
    compiles them, and the worker ends with the task. Loaded in the main process, they are inherited
    by every worker instead.
  - Measured on a 2-core machine, a playbook of 30 tasks that each use one of the collection's filters
    took 9.1 and 9.8 s of CPU without this plugin and 1.9 s with it; the loading costs about 0.2 s
    once per run.
  - Only the collection's own filter plugins are loaded; no file, host or group is read.
extends_documentation_fragment:
  - ansible.builtin.vars_plugin_staging
"""

EXAMPLES = r"""
# ansible.cfg (the repository's own does this)
#   [defaults]
#   vars_plugins_enabled = ansible.builtin.host_group_vars, meridian.global_infra.filter_preload
# or for one run:
#   ANSIBLE_VARS_ENABLED=ansible.builtin.host_group_vars,meridian.global_infra.filter_preload \
#   ansible-playbook playbooks/provision.yml -i inventories/prod
"""

from ansible.plugins.loader import filter_loader
from ansible.plugins.vars import BaseVarsPlugin

# Any filter of the collection: looking one up by name loads every filter plugin file of the collection.
ANY_FILTER = "meridian.global_infra.service_catalogue"

_loaded = []


def preload():
    """Load the collection's filter plugins in this process (once). A failure is left to the task that uses
    the filter, which reports it: loading variables must not fail because of a filter."""
    if not _loaded:
        try:
            _loaded.append(filter_loader.get(ANY_FILTER) is not None)
        except Exception:  # pylint: disable=broad-except
            _loaded.append(False)
    return _loaded[0]


class VarsModule(BaseVarsPlugin):

    is_stateless = True

    def get_vars(self, loader, path, entities, cache=True):
        preload()
        return {}
