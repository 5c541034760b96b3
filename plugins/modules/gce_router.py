#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_router
short_description: Ensure a Cloud Router and its Cloud NAT gateways, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one Cloud Router of a VPC network, with its Cloud NAT gateways, through the
    official C(google-cloud-compute) client. Instances without external addresses reach the internet through
    the NAT.
  - O(nats) is the router's whole list of NAT gateways; each NAT is compared on the options given for it
    (the API's defaults for the others, such as its idle timeouts, do not count as changes). When the list
    is written, a NAT's options not given take the API's defaults.
  - O(network) cannot change in place; a difference fails naming the option.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The router's name.
    type: str
    required: true
  region:
    description: The region, for example V(europe-west1).
    type: str
    required: true
  state:
    description: V(present) creates or updates the router; V(absent) deletes it, with its NAT gateways.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The network (name, C(projects/P/global/networks/N) or selfLink). Required with O(state=present).
    type: str
  description:
    description: A description. Not given, not compared.
    type: str
  bgp_asn:
    description: The router's private ASN (64512-65534 or 4200000000-4294967294). Not given, not touched.
    type: int
  nats:
    description: The Cloud NAT gateways, the whole list (V([]) removes them all). Not given, not touched.
    type: list
    elements: dict
    suboptions:
      name:
        description: The NAT's name.
        type: str
        required: true
      nat_ip_allocate_option:
        description: V(AUTO_ONLY) lets Google allocate the external addresses; V(MANUAL_ONLY) uses O(nats[].nat_ips).
        type: str
        choices: [AUTO_ONLY, MANUAL_ONLY]
        default: AUTO_ONLY
      nat_ips:
        description: Reserved regional addresses (names or selfLinks), with V(MANUAL_ONLY).
        type: list
        elements: str
      source_subnetwork_ip_ranges_to_nat:
        description: Which ranges are translated.
        type: str
        choices: [ALL_SUBNETWORKS_ALL_IP_RANGES, ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES, LIST_OF_SUBNETWORKS]
        default: ALL_SUBNETWORKS_ALL_IP_RANGES
      subnetworks:
        description: The subnetworks translated, with V(LIST_OF_SUBNETWORKS).
        type: list
        elements: dict
        suboptions:
          name:
            description: The subnetwork (name in the router's region, or selfLink).
            type: str
            required: true
          source_ip_ranges_to_nat:
            description: Which of its ranges.
            type: list
            elements: str
            choices: [ALL_IP_RANGES, PRIMARY_IP_RANGE, LIST_OF_SECONDARY_IP_RANGES]
            default: [ALL_IP_RANGES]
          secondary_ip_range_names:
            description: Its secondary ranges translated, with V(LIST_OF_SECONDARY_IP_RANGES).
            type: list
            elements: str
      min_ports_per_vm:
        description: Minimum ports per VM (2-65536). Not given, not compared.
        type: int
      enable_endpoint_independent_mapping:
        description: Endpoint-independent mapping. Not given, not compared.
        type: bool
      log:
        description: NAT logging. Not given, not compared.
        type: dict
        suboptions:
          enable:
            description: Logging on or off.
            type: bool
            default: true
          filter:
            description: Which events are logged.
            type: str
            choices: [ALL, ERRORS_ONLY, TRANSLATIONS_ONLY]
            default: ALL
attributes:
  check_mode:
    support: full
    description: Reads the router and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (NATs sorted by name, references as partial URLs).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_network
  - module: meridian.global_infra.gce_subnetwork
"""

EXAMPLES = r"""
- name: Outbound internet for the instances of europe-west1 (no external addresses), errors logged
  meridian.global_infra.gce_router:
    project: meridian-prod
    region: europe-west1
    name: meridian-prod-europe-west1-nat
    network: meridian-prod
    nats:
      - name: meridian-prod-europe-west1
        source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS
        subnetworks:
          - name: meridian-prod-europe-west1
        min_ports_per_vm: 64
        log:
          filter: ERRORS_ONLY
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
  sample: [nats]
resource:
  description: The router as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-prod-europe-west1-nat, nats: [{name: meridian-prod-europe-west1, nat_ip_allocate_option: AUTO_ONLY}]}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        region=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        network=dict(type="str"),
        description=dict(type="str"),
        bgp_asn=dict(type="int"),
        nats=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            nat_ip_allocate_option=dict(type="str", default="AUTO_ONLY", choices=["AUTO_ONLY", "MANUAL_ONLY"]),
            nat_ips=dict(type="list", elements="str"),
            source_subnetwork_ip_ranges_to_nat=dict(type="str", default="ALL_SUBNETWORKS_ALL_IP_RANGES", choices=[
                "ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES", "LIST_OF_SUBNETWORKS"]),
            subnetworks=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                source_ip_ranges_to_nat=dict(type="list", elements="str", default=["ALL_IP_RANGES"], choices=[
                    "ALL_IP_RANGES", "PRIMARY_IP_RANGE", "LIST_OF_SECONDARY_IP_RANGES"]),
                secondary_ip_range_names=dict(type="list", elements="str"),
            )),
            min_ports_per_vm=dict(type="int"),
            enable_endpoint_independent_mapping=dict(type="bool"),
            log=dict(type="dict", options=dict(
                enable=dict(type="bool", default=True),
                filter=dict(type="str", default="ALL", choices=["ALL", "ERRORS_ONLY", "TRANSLATIONS_ONLY"]),
            )),
        )),
    ))
    run_resource(module, "router")


if __name__ == "__main__":
    main()
