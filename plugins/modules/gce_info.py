#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_info
short_description: Read back the Compute Engine resources the gce modules manage
version_added: 0.2.0
description:
  - Reads one resource by name, or lists the resources of a kind (optionally filtered), through the official
    C(google-cloud-compute) client, and returns them as the API gives them (snake_case keys).
  - The kinds are those the gce modules manage (the keys of C(KINDS) in the collection's Compute Engine client);
    a kind is readable as soon as that client knows it.
  - Nothing is changed; lists are read page by page.
author:
  - Meridian platform engineering (@meridian)
options:
  kind:
    description:
      - The kind to read - V(network), V(subnetwork), V(firewall), V(router), V(backend_service), V(backend_bucket),
        V(ssl_policy), V(ssl_certificate), V(url_map), V(target_https_proxy), V(global_forwarding_rule),
        V(global_address), V(health_check), V(region_health_check), V(instance_template),
        V(region_instance_group_manager), V(region_instance_group), V(region_autoscaler).
    type: str
    required: true
  name:
    description:
      - The resource's name; not given, every resource of the kind (matching O(filter)) is returned.
      - A regional kind (V(subnetwork), V(router)) read by name needs O(region).
    type: str
  region:
    description:
      - The region of a regional kind. Not given with a list, every region is read (aggregated list).
      - Not allowed for a global kind.
    type: str
  filter:
    description:
      - The API's list filter, for example V(name = web-eu) or V(name eq web-.*) (see the C(filter) parameter of
        the Compute Engine REST reference). Not with O(name).
    type: str
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_network
  - module: meridian.global_infra.gce_subnetwork
  - module: meridian.global_infra.gce_firewall
  - module: meridian.global_infra.gce_router
"""

EXAMPLES = r"""
- name: One subnetwork
  meridian.global_infra.gce_info:
    project: meridian-prod
    kind: subnetwork
    name: app-eu
    region: europe-west1
  register: subnet

- name: The firewall rules whose names start with allow-
  meridian.global_infra.gce_info:
    project: meridian-prod
    kind: firewall
    filter: name eq allow-.*
  register: rules

- name: Every router, in every region
  meridian.global_infra.gce_info:
    project: meridian-prod
    kind: router
"""

RETURN = r"""
resources:
  description:
    - The resources read, as the API returns them with snake_case keys (labels' keys as they are), sorted by
      region then name; empty when the named resource does not exist.
  returned: always
  type: list
  elements: dict
  sample: [{name: app-eu, ip_cidr_range: 10.20.0.0/20, region: "https://www.googleapis.com/compute/v1/projects/meridian-prod/regions/europe-west1",
            network: "https://www.googleapis.com/compute/v1/projects/meridian-prod/global/networks/meridian-prod"}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.info import info_request
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module


def run(module, client=None):
    request = info_request(module.params, gce_client.KINDS)
    if client is None:
        client = gce_client.GceClient.from_params(module.params)
    if request["name"] is not None:
        found = client.get(request["kind"], request["name"], request["region"])
        items = [found] if found else []
    else:
        items = client.list(request["kind"], request["region"], request["filter"])
    items.sort(key=lambda r: (r.get("region") or "", r.get("name") or ""))
    return {"changed": False, "resources": [camel_dict_to_snake_dict(r, ignore_list=["labels"]) for r in items]}


def main():
    module = gce_module(dict(
        kind=dict(type="str", required=True),
        name=dict(type="str"),
        region=dict(type="str"),
        filter=dict(type="str"),
    ))
    try:
        info_request(module.params, gce_client.KINDS)  # every option checked before a client is built
        module.exit_json(**run(module))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
