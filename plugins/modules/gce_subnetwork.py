#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_subnetwork
short_description: Ensure a Compute Engine subnetwork, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one regional subnetwork of a VPC network through the official
    C(google-cloud-compute) client.
  - O(secondary_ip_ranges) and O(flow_logs) are updated with one PATCH carrying the subnetwork's current
    fingerprint; O(private_ip_google_access) with C(setPrivateIpGoogleAccess); O(ip_cidr_range) can be widened
    (the same start, a shorter prefix) with C(expandIpCidrRange). O(network), O(description) and a primary range
    narrowed or moved cannot change in place; a difference fails naming the option.
  - The network may be given as a name, a partial URL or a selfLink; they compare equal.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The subnetwork's name.
    type: str
    required: true
  region:
    description: The region, for example V(europe-west1).
    type: str
    required: true
  state:
    description: V(present) creates or updates the subnetwork; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The network (name, C(projects/P/global/networks/N) or selfLink). Required with O(state=present).
    type: str
  ip_cidr_range:
    description:
      - The primary IPv4 range, for example V(10.10.0.0/20). Required with O(state=present).
      - On an existing subnetwork it can only be widened (V(10.10.0.0/20) to V(10.10.0.0/19)); this cannot be undone.
    type: str
  description:
    description: A description, set at creation only. Not given, not compared.
    type: str
  private_ip_google_access:
    description: Let VMs without external addresses reach Google APIs. Not given, not touched.
    type: bool
  secondary_ip_ranges:
    description: The secondary ranges (alias IPs, GKE pods and services), the whole list. Not given, not touched.
    type: list
    elements: dict
    suboptions:
      range_name:
        description: The range's name.
        type: str
        required: true
      ip_cidr_range:
        description: The range.
        type: str
        required: true
  flow_logs:
    description: VPC flow logs. Not given, not touched.
    type: dict
    suboptions:
      enable:
        description: Flow logs on or off.
        type: bool
        default: true
      aggregation_interval:
        description: The aggregation interval.
        type: str
        choices: [INTERVAL_5_SEC, INTERVAL_30_SEC, INTERVAL_1_MIN, INTERVAL_5_MIN, INTERVAL_10_MIN, INTERVAL_15_MIN]
      flow_sampling:
        description: The share of flows logged, 0 to 1.
        type: float
      metadata:
        description: Which metadata the log entries carry.
        type: str
        choices: [INCLUDE_ALL_METADATA, EXCLUDE_ALL_METADATA, CUSTOM_METADATA]
attributes:
  check_mode:
    support: full
    description: Reads the subnetwork and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_network
"""

EXAMPLES = r"""
- name: The application subnetwork of europe-west1, with flow logs
  meridian.global_infra.gce_subnetwork:
    project: meridian-prod
    region: europe-west1
    name: meridian-prod-europe-west1
    network: meridian-prod
    ip_cidr_range: 10.20.0.0/20
    private_ip_google_access: true
    flow_logs:
      aggregation_interval: INTERVAL_5_MIN
      flow_sampling: 0.5
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
  sample: [flow_logs, private_ip_google_access]
resource:
  description: The subnetwork as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-prod-europe-west1, ip_cidr_range: 10.20.0.0/20, gateway_address: 10.20.0.1}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        region=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        network=dict(type="str"),
        ip_cidr_range=dict(type="str"),
        description=dict(type="str"),
        private_ip_google_access=dict(type="bool"),
        secondary_ip_ranges=dict(type="list", elements="dict", options=dict(
            range_name=dict(type="str", required=True),
            ip_cidr_range=dict(type="str", required=True),
        )),
        flow_logs=dict(type="dict", options=dict(
            enable=dict(type="bool", default=True),
            aggregation_interval=dict(type="str", choices=["INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN",
                                                           "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN"]),
            flow_sampling=dict(type="float"),
            metadata=dict(type="str", choices=["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA", "CUSTOM_METADATA"]),
        )),
    ))
    run_resource(module, "subnetwork")


if __name__ == "__main__":
    main()
