#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_health_check
short_description: Ensure a Compute Engine health check (HTTP, HTTPS or TCP), global or regional, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one health check through the official C(google-cloud-compute) client, global
    (for global load balancers and auto-healing) or regional with O(region).
  - The type is the one of O(http_health_check), O(https_health_check) and O(tcp_health_check) that is given;
    a change of type replaces the check's settings in one update (the health check keeps its name and users).
  - The check is compared with the API's server-side defaults filled in (interval and timeout 5 s, thresholds 2)
    on the options given; an option not given is not compared.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The health check's name.
    type: str
    required: true
  region:
    description: A region (for example V(europe-west1)) for a regional health check; not given, the check is global.
    type: str
  state:
    description: V(present) creates or updates the health check; V(absent) deletes it (the API refuses while a backend service or instance group uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description. Not given, not compared.
    type: str
  http_health_check:
    description: An HTTP check. Give exactly one of O(http_health_check), O(https_health_check) and O(tcp_health_check).
    type: dict
    suboptions:
      port:
        description: The port probed. Not given (and no O(http_health_check.port_name)), 80 for HTTP and TCP, 443 for HTTPS.
        type: int
      port_name:
        description: A named port of the instance group to probe, instead of O(http_health_check.port).
        type: str
      request_path:
        description: The path requested, starting with C(/). Not given, not compared (the API's default is C(/)).
        type: str
      host:
        description: The Host header sent. Not given, not compared.
        type: str
      response:
        description: A string the response must start with. Not given, not compared.
        type: str
      proxy_header:
        description: Whether a PROXY protocol header is sent. Not given, not compared.
        type: str
        choices: [NONE, PROXY_V1]
  https_health_check:
    description: An HTTPS check (the same settings as O(http_health_check)).
    type: dict
    suboptions:
      port:
        description: The port probed. Not given (and no O(https_health_check.port_name)), 80 for HTTP and TCP, 443 for HTTPS.
        type: int
      port_name:
        description: A named port of the instance group to probe, instead of O(https_health_check.port).
        type: str
      request_path:
        description: The path requested, starting with C(/). Not given, not compared (the API's default is C(/)).
        type: str
      host:
        description: The Host header sent. Not given, not compared.
        type: str
      response:
        description: A string the response must start with. Not given, not compared.
        type: str
      proxy_header:
        description: Whether a PROXY protocol header is sent. Not given, not compared.
        type: str
        choices: [NONE, PROXY_V1]
  tcp_health_check:
    description: A TCP check.
    type: dict
    suboptions:
      port:
        description: The port probed. Not given (and no O(tcp_health_check.port_name)), 80.
        type: int
      port_name:
        description: A named port of the instance group to probe, instead of O(tcp_health_check.port).
        type: str
      request:
        description: Bytes sent once connected. Not given, not compared.
        type: str
      response:
        description: Bytes the answer must start with. Not given, not compared.
        type: str
      proxy_header:
        description: Whether a PROXY protocol header is sent. Not given, not compared.
        type: str
        choices: [NONE, PROXY_V1]
  check_interval_sec:
    description: Seconds between probes (1-300). Not given, not compared (the API's default is 5).
    type: int
  timeout_sec:
    description: Seconds a probe waits (1-300, at most O(check_interval_sec)). Not given, not compared (default 5).
    type: int
  healthy_threshold:
    description: Consecutive successes that make an instance healthy (1-10). Not given, not compared (default 2).
    type: int
  unhealthy_threshold:
    description: Consecutive failures that make an instance unhealthy (1-10). Not given, not compared (default 2).
    type: int
  log:
    description: Health check logging on or off. Not given, not compared.
    type: bool
attributes:
  check_mode:
    support: full
    description: Reads the health check and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, with the API's defaults filled in.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_instance_group
"""

EXAMPLES = r"""
- name: The HTTP check the web group's auto-healing and load balancer use
  meridian.global_infra.gce_health_check:
    project: meridian-prod
    name: web-http
    http_health_check:
      port_name: http
      request_path: /healthz
    check_interval_sec: 10
    timeout_sec: 5
    unhealthy_threshold: 3

- name: A regional TCP check
  meridian.global_infra.gce_health_check:
    project: meridian-prod
    region: europe-west1
    name: db-proxy-tcp
    tcp_health_check:
      port: 5432
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
  sample: [check_interval_sec, http_health_check]
resource:
  description: The health check as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: web-http, type: HTTP, http_health_check: {port_name: http, request_path: /healthz}}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource

_CHECK = dict(port=dict(type="int"), port_name=dict(type="str"), request_path=dict(type="str"),
              host=dict(type="str"), response=dict(type="str"),
              proxy_header=dict(type="str", choices=["NONE", "PROXY_V1"]))


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        region=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        http_health_check=dict(type="dict", options=dict(_CHECK)),
        https_health_check=dict(type="dict", options=dict(_CHECK)),
        tcp_health_check=dict(type="dict", options=dict(
            port=dict(type="int"), port_name=dict(type="str"), request=dict(type="str"), response=dict(type="str"),
            proxy_header=dict(type="str", choices=["NONE", "PROXY_V1"]))),
        check_interval_sec=dict(type="int"),
        timeout_sec=dict(type="int"),
        healthy_threshold=dict(type="int"),
        unhealthy_threshold=dict(type="int"),
        log=dict(type="bool"),
    ))
    run_resource(module, "region_health_check" if module.params.get("region") else "health_check")


if __name__ == "__main__":
    main()
