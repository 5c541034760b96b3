#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_global_address
short_description: Ensure a reserved global external IP address, with check mode and diff
version_added: 0.2.0
description:
  - Reserves (or releases) one global external IP address through the official C(google-cloud-compute) client,
    for the global forwarding rule of the external Application Load Balancer
    (M(meridian.global_infra.gce_global_forwarding_rule) O(meridian.global_infra.gce_global_forwarding_rule#module:address)),
    so that the load balancer keeps its address when the rule is replaced. DNS records point at the C(address)
    of RV(resource).
  - A reserved address cannot change; a different O(ip_version) or O(description) fails naming the option
    (release it first with O(state=absent), or choose another name).
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The address's name.
    type: str
    required: true
  state:
    description: V(present) reserves it; V(absent) releases it (refused by the API while a forwarding rule uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description, set at reservation only. Not given, not compared.
    type: str
  ip_version:
    description: V(IPV4) or V(IPV6).
    type: str
    choices: [IPV4, IPV6]
    default: IPV4
attributes:
  check_mode:
    support: full
    description: Reads the address and reports whether it would be reserved or released without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_global_forwarding_rule
"""

EXAMPLES = r"""
- name: The load balancer's address
  meridian.global_infra.gce_global_address:
    project: meridian-prod
    name: meridian-web-ipv4
  register: lb_address

- name: The IP for the DNS records
  ansible.builtin.debug:
    msg: "{{ lb_address.resource.address }}"
"""

RETURN = r"""
action:
  description: What was done (or would be, in check mode).
  returned: always
  type: str
  choices: [none, create, delete]
changes:
  description: The options given, for a reservation.
  returned: always
  type: list
  elements: str
resource:
  description: The address as the API returns it after the run (snake_case keys; C(address) is the IP); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-web-ipv4, address: 34.120.0.7, address_type: EXTERNAL, ip_version: IPV4, status: RESERVED}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        ip_version=dict(type="str", default="IPV4", choices=["IPV4", "IPV6"]),
    ))
    run_resource(module, "global_address")


if __name__ == "__main__":
    main()
