#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_network
short_description: Ensure a Compute Engine VPC network, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one VPC network through the official C(google-cloud-compute) client.
  - A network is created in custom mode (no automatic subnetworks) unless O(auto_create_subnetworks=true);
    its subnetworks are managed with M(meridian.global_infra.gce_subnetwork).
  - Only the routing mode and the MTU can change on an existing network; a different O(description) or
    O(auto_create_subnetworks) fails naming the option (the network must be replaced by hand).
  - The network is compared with the API's server-side defaults filled in (routing mode V(REGIONAL), MTU 1460)
    and its output-only fields left out, so a second run reports no change.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The network's name (1-63 characters, lowercase letters, digits and hyphens).
    type: str
    required: true
  state:
    description: V(present) creates or updates the network; V(absent) deletes it (its subnetworks and firewall rules first).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description, set at creation only. Not given, not compared.
    type: str
  auto_create_subnetworks:
    description: Auto mode (one subnetwork per region, created by Google). Set at creation only.
    type: bool
    default: false
  routing_mode:
    description: V(REGIONAL) or V(GLOBAL) dynamic routing. Not given, V(REGIONAL) at creation and not compared after.
    type: str
    choices: [REGIONAL, GLOBAL]
  mtu:
    description: The MTU in bytes (1300 to 8896). Not given, 1460 at creation and not compared after.
    type: int
attributes:
  check_mode:
    support: full
    description: Reads the network and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (references as C(projects/P/global/networks/N)).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_subnetwork
  - module: meridian.global_infra.gce_firewall
"""

EXAMPLES = r"""
- name: A custom-mode network with global dynamic routing
  meridian.global_infra.gce_network:
    project: meridian-prod
    name: meridian-prod
    routing_mode: GLOBAL

- name: The same on the local emulator
  meridian.global_infra.gce_network:
    project: meridian-local
    name: meridian-local
    auth_kind: none
    api_endpoint: http://127.0.0.1:6100
"""

RETURN = r"""
action:
  description: What was done (or would be, in check mode).
  returned: always
  type: str
  choices: [none, create, update, delete]
changes:
  description: The options whose values differed (sorted); every given option for a creation.
  returned: always
  type: list
  elements: str
  sample: [routing_mode]
resource:
  description: The network as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-prod, auto_create_subnetworks: false, routing_config: {routing_mode: GLOBAL}, mtu: 1460}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        auto_create_subnetworks=dict(type="bool", default=False),
        routing_mode=dict(type="str", choices=["REGIONAL", "GLOBAL"]),
        mtu=dict(type="int"),
    ))
    run_resource(module, "network")


if __name__ == "__main__":
    main()
