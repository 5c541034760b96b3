#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_firewall
short_description: Ensure a Compute Engine VPC firewall rule, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one VPC firewall rule through the official C(google-cloud-compute) client.
  - The rule is exactly what the options say; every list not given is empty, so a source or a port removed from
    the task is removed from the rule (the rule is replaced with one PUT). An INGRESS rule needs a source
    (V(0.0.0.0/0) must be written out), an EGRESS rule destination ranges.
  - Lists are compared as sets (order, duplicates and the protocol's case do not matter); O(network) and
    O(direction) cannot change in place, a difference fails naming the option.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The rule's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates the rule; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The network (name, C(projects/P/global/networks/N) or selfLink). Required with O(state=present).
    type: str
  direction:
    description: The direction of the traffic the rule applies to.
    type: str
    choices: [INGRESS, EGRESS]
    default: INGRESS
  description:
    description: A description. Not given, not compared.
    type: str
  priority:
    description: 0 (highest) to 65535.
    type: int
    default: 1000
  allowed:
    description: What the rule allows; give this or O(denied).
    type: list
    elements: dict
    suboptions:
      protocol:
        description: V(tcp), V(udp), V(icmp), V(esp), V(ah), V(sctp), V(ipip), V(all) or an IP protocol number.
        type: str
        required: true
      ports:
        description: Ports or ranges (V(443), V(8000-8080)); tcp, udp and sctp only. Not given, every port.
        type: list
        elements: str
  denied:
    description: What the rule denies; give this or O(allowed).
    type: list
    elements: dict
    suboptions:
      protocol:
        description: As in O(allowed[].protocol).
        type: str
        required: true
      ports:
        description: As in O(allowed[].ports).
        type: list
        elements: str
  source_ranges:
    description: Source CIDR ranges (INGRESS).
    type: list
    elements: str
  destination_ranges:
    description: Destination CIDR ranges (EGRESS).
    type: list
    elements: str
  source_tags:
    description: Source instances' network tags (INGRESS).
    type: list
    elements: str
  target_tags:
    description: The instances the rule applies to, by network tag. Not given, every instance of the network.
    type: list
    elements: str
  source_service_accounts:
    description: Source instances' service accounts (INGRESS; not with O(source_tags)).
    type: list
    elements: str
  target_service_accounts:
    description: The instances the rule applies to, by service account (not with O(target_tags)).
    type: list
    elements: str
  disabled:
    description: Keep the rule but do not enforce it.
    type: bool
    default: false
  log:
    description: Firewall rules logging.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the rule and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (lists sorted, ranges canonical).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_network
"""

EXAMPLES = r"""
- name: HTTPS from Google's load balancers and health checkers to the web instances only
  meridian.global_infra.gce_firewall:
    project: meridian-prod
    name: meridian-prod-allow-lb-https
    network: meridian-prod
    allowed:
      - protocol: tcp
        ports: ["443"]
    source_ranges: [130.211.0.0/22, 35.191.0.0/16]
    target_tags: [web]
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
  sample: [source_ranges]
resource:
  description: The rule as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-prod-allow-lb-https, direction: INGRESS, priority: 1000, target_tags: [web]}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    rule = dict(type="list", elements="dict", options=dict(
        protocol=dict(type="str", required=True),
        ports=dict(type="list", elements="str"),
    ))
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        network=dict(type="str"),
        direction=dict(type="str", default="INGRESS", choices=["INGRESS", "EGRESS"]),
        description=dict(type="str"),
        priority=dict(type="int", default=1000),
        allowed=rule,
        denied=dict(rule),
        source_ranges=dict(type="list", elements="str"),
        destination_ranges=dict(type="list", elements="str"),
        source_tags=dict(type="list", elements="str"),
        target_tags=dict(type="list", elements="str"),
        source_service_accounts=dict(type="list", elements="str"),
        target_service_accounts=dict(type="list", elements="str"),
        disabled=dict(type="bool", default=False),
        log=dict(type="bool", default=False),
    ))
    run_resource(module, "firewall")


if __name__ == "__main__":
    main()
