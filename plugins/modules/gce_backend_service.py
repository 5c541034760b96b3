#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_backend_service
short_description: Ensure a global backend service of the external Application Load Balancer, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one global backend service through the official C(google-cloud-compute)
    client, with the load-balancing scheme V(EXTERNAL_MANAGED) (the global external Application Load Balancer).
  - Its backends are instance groups (typically regional managed instance groups), each with a balancing mode;
    one health check; optionally Cloud CDN with a cache mode, and request logging.
  - Every option is updated in place (a PUT of the whole service with its current fingerprint, so that an emptied
    list such as O(backends=[]) is emptied). A service created with
    another load-balancing scheme cannot be changed to this one; that fails naming O(name).
  - Backends are compared by instance group whatever the order and whether a group is given as a selfLink or a
    partial URL; the API's defaults (capacity scaler 1, maximum utilisation 0.8) count as given.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The backend service's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates it; V(absent) deletes it (refused by the API while a URL map uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description. Not given, not compared.
    type: str
  protocol:
    description: The protocol from the load balancer to the backends.
    type: str
    choices: [HTTP, HTTPS, HTTP2]
    default: HTTP
  port_name:
    description: The instance groups' named port the load balancer sends to.
    type: str
    default: http
  timeout_sec:
    description: Seconds the load balancer waits for a backend's response (1-86400).
    type: int
    default: 30
  backends:
    description: The backends, the whole list (V([]) removes them all). Not given, not touched.
    type: list
    elements: dict
    suboptions:
      group:
        description:
          - The instance group, as its selfLink, as C(regions/R/instanceGroups/N) (a regional managed instance
            group's group) or C(zones/Z/instanceGroups/N), or as its name with O(backends[].region) or O(backends[].zone).
        type: str
        required: true
      region:
        description: The region of an instance group given by name.
        type: str
      zone:
        description: The zone of an instance group given by name.
        type: str
      balancing_mode:
        description: V(UTILIZATION) (CPU of the group's instances) or V(RATE) (requests per second per instance).
        type: str
        choices: [UTILIZATION, RATE]
        default: UTILIZATION
      max_utilization:
        description: The target utilisation (0-1) with V(UTILIZATION). Not given, 0.8.
        type: float
      max_rate_per_instance:
        description: Requests per second per instance, required with V(RATE).
        type: float
      capacity_scaler:
        description: The share of the group's capacity in use (0-1; 0 drains it).
        type: float
        default: 1.0
  health_checks:
    description: The one health check of the backends (name or selfLink of a global health check). Required with O(state=present).
    type: list
    elements: str
  enable_cdn:
    description:
      - Serve through Cloud CDN. Not given, not touched; a new service has Cloud CDN off, and an existing service
        keeps what it has (the rest of the service is still compared and written as the task states it).
    type: bool
  cache_mode:
    description: What Cloud CDN caches, with O(enable_cdn=true). Not given, V(CACHE_ALL_STATIC).
    type: str
    choices: [CACHE_ALL_STATIC, USE_ORIGIN_HEADERS, FORCE_CACHE_ALL]
  default_ttl:
    description: Seconds a response without cache headers is cached (not above O(max_ttl)), with O(enable_cdn=true). Not given, not compared.
    type: int
  max_ttl:
    description: The longest TTL in seconds Cloud CDN honours, with O(enable_cdn=true). Not given, not compared.
    type: int
  client_ttl:
    description: The longest TTL in seconds sent to clients, with O(enable_cdn=true). Not given, not compared.
    type: int
  log_config:
    description: Request logging. Not given, not compared.
    type: dict
    suboptions:
      enable:
        description: Logging on or off.
        type: bool
        default: true
      sample_rate:
        description: The share of requests logged (0-1), with O(log_config.enable=true).
        type: float
attributes:
  check_mode:
    support: full
    description: Reads the backend service and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (backends sorted by group, references as partial URLs).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_url_map
  - module: meridian.global_infra.gce_backend_bucket
"""

EXAMPLES = r"""
- name: The web tier of two regions behind the global load balancer, with Cloud CDN
  meridian.global_infra.gce_backend_service:
    project: meridian-prod
    name: meridian-web
    health_checks: [meridian-web-http]
    backends:
      - group: web
        region: europe-west1
      - group: projects/meridian-prod/regions/us-central1/instanceGroups/web
        balancing_mode: RATE
        max_rate_per_instance: 100
    enable_cdn: true
    cache_mode: USE_ORIGIN_HEADERS
    log_config:
      sample_rate: 0.1
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
  sample: [backends]
resource:
  description: The backend service as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-web, load_balancing_scheme: EXTERNAL_MANAGED, protocol: HTTP, port_name: http, timeout_sec: 30}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        protocol=dict(type="str", default="HTTP", choices=["HTTP", "HTTPS", "HTTP2"]),
        port_name=dict(type="str", default="http"),
        timeout_sec=dict(type="int", default=30),
        backends=dict(type="list", elements="dict", options=dict(
            group=dict(type="str", required=True),
            region=dict(type="str"),
            zone=dict(type="str"),
            balancing_mode=dict(type="str", default="UTILIZATION", choices=["UTILIZATION", "RATE"]),
            max_utilization=dict(type="float"),
            max_rate_per_instance=dict(type="float"),
            capacity_scaler=dict(type="float", default=1.0),
        )),
        health_checks=dict(type="list", elements="str"),
        enable_cdn=dict(type="bool"),
        cache_mode=dict(type="str", choices=["CACHE_ALL_STATIC", "USE_ORIGIN_HEADERS", "FORCE_CACHE_ALL"]),
        default_ttl=dict(type="int"),
        max_ttl=dict(type="int"),
        client_ttl=dict(type="int"),
        log_config=dict(type="dict", options=dict(
            enable=dict(type="bool", default=True),
            sample_rate=dict(type="float"),
        )),
    ))
    run_resource(module, "backend_service")


if __name__ == "__main__":
    main()
