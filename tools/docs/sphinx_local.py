# -*- coding: utf-8 -*-
"""Sphinx extension for the collection's own HTML site (tools/check_docs.sh site).

The Ansible docsite resolves references to Ansible's own pages and to other collections' plugins
through intersphinx; this site is built offline, with no inventories, so such references are made
plain links to docs.ansible.com here. Every other unresolved reference (this collection's own
labels, a guide's anchors) stays a warning, and sphinx-build -W fails on it.
"""

import re

from docutils import nodes

ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
# Labels of Ansible's own documentation that antsibull-docs' templates refer to.
CORE_LABELS = {
    "ansible_configuration_settings": "reference_appendices/config.html",
    "common_return_values": "reference_appendices/common_return_values.html",
    "module_defaults": "playbook_guide/playbooks_module_defaults.html",
    "playbooks_filters": "playbook_guide/playbooks_filters.html",
    "playbooks_tests": "playbook_guide/playbooks_tests.html",
    "plugins_lookup": "plugins/lookup.html",
    "inventory_plugins": "plugins/inventory.html",
    "callback_plugins": "plugins/callback.html",
    "collections_installing": "collections_guide/collections_installing.html",
}
PLUGIN_LABEL = re.compile(r"^ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+_[a-z_]+)(?:__(.*))?$")


def _url(app, domain, reftype, target):
    if reftype == "envvar" and target.startswith("ANSIBLE_"):
        return ANSIBLE_DOCS + "reference_appendices/config.html#envvar-" + target
    if reftype != "ref":
        return None
    if target in CORE_LABELS:
        return ANSIBLE_DOCS + CORE_LABELS[target]
    match = PLUGIN_LABEL.match(target)
    own = "ansible_collections.%s." % app.config.meridian_collection
    if match and not target.startswith(own):
        namespace, name, page = match.group(1), match.group(2), match.group(3)
        return ANSIBLE_DOCS + "collections/%s/%s/%s.html" % (namespace, name, page)
    return None


def missing_reference(app, env, node, contnode):
    url = _url(app, node.get("refdomain"), node.get("reftype"), node.get("reftarget", ""))
    if url is None:
        return None
    ref = nodes.reference("", "", internal=False, refuri=url)
    ref.append(contnode)
    return ref


def setup(app):
    app.add_config_value("meridian_collection", "", "env")
    app.connect("missing-reference", missing_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
