#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_global_forwarding_rule
short_description: Ensure the global forwarding rule of the external Application Load Balancer, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one global forwarding rule through the official C(google-cloud-compute) client.
    It is the load balancer's public address and port (V(EXTERNAL_MANAGED), TCP, port 443 by default), sending to a
    target HTTPS proxy (M(meridian.global_infra.gce_target_https_proxy)).
  - The address is either a reserved global address (O(address), by name or selfLink, or its IP) or, without
    O(address), an ephemeral one Google assigns (then not compared). A named address is read to compare its IP,
    since the API stores the IP.
  - Only the target changes in place (C(setTarget)). The address, the port and the description cannot; a
    difference fails naming the option (delete the rule first, or choose another name). A rule with another
    protocol or load-balancing scheme fails naming O(name).
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The forwarding rule's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates it; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description, set at creation only. Not given, not compared.
    type: str
  target:
    description: The target HTTPS proxy (name or selfLink). Required with O(state=present).
    type: str
  address:
    description:
      - A reserved global external address (name or selfLink) or its IP. Not given, Google assigns an ephemeral
        address, which is not compared. Set at creation only.
    type: str
  port_range:
    description: The one port the rule listens on. Set at creation only.
    type: str
    default: "443"
attributes:
  check_mode:
    support: full
    description: Reads the rule and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (references as partial URLs, the port as C(443-443)).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_target_https_proxy
"""

EXAMPLES = r"""
- name: The load balancer's HTTPS entry on a reserved address
  meridian.global_infra.gce_global_forwarding_rule:
    project: meridian-prod
    name: meridian-web-https
    target: meridian-web
    address: meridian-web-ipv4
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
  sample: [target]
resource:
  description: The rule as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-web-https, ip_address: 34.100.0.1, port_range: 443-443, load_balancing_scheme: EXTERNAL_MANAGED}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError, short_name
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.lb_resources import address_reference
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def with_address_ip(client, desired):
    """The desired rule with the IP of the reserved address it names, as the API stores it."""
    reference = address_reference(desired)
    if reference is None:
        return desired
    address = client.get("global_address", short_name(reference))
    if not address:
        raise GceError("address", "the reserved global address %s does not exist (reserve it first)" % reference)
    return dict(desired, IPAddress=address["address"])


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        target=dict(type="str"),
        address=dict(type="str"),
        port_range=dict(type="str", default="443"),
    ))
    run_resource(module, "global_forwarding_rule", prepare=with_address_ip)


if __name__ == "__main__":
    main()
