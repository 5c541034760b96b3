#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_backend_bucket
short_description: Ensure a Compute Engine backend bucket (a Cloud Storage bucket behind Cloud CDN), with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one backend bucket (a Cloud Storage bucket served by the global external
    Application Load Balancer, for a URL map, M(meridian.global_infra.gce_url_map), to route to) through the
    official C(google-cloud-compute) client.
  - Cloud CDN is on by default (O(enable_cdn)), with the cache mode O(cache_mode) and the TTLs given.
  - Every option is updated in place (a PATCH); the CDN settings are compared on the keys the task gives
    (the API's defaults for the others do not count as changes).
  - The bucket itself is not created here; the API does not check that it exists.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The backend bucket's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates it; V(absent) deletes it (refused by the API while a URL map uses it).
    type: str
    choices: [present, absent]
    default: present
  bucket_name:
    description: The Cloud Storage bucket's name. Required with O(state=present).
    type: str
  description:
    description: A description. Not given, not compared.
    type: str
  enable_cdn:
    description: Serve through Cloud CDN.
    type: bool
    default: true
  cache_mode:
    description:
      - What Cloud CDN caches, with O(enable_cdn=true). V(CACHE_ALL_STATIC) (static content, and what the origin
        marks cacheable), V(USE_ORIGIN_HEADERS) (only what the origin's headers allow) or V(FORCE_CACHE_ALL).
      - Not given, V(CACHE_ALL_STATIC).
    type: str
    choices: [CACHE_ALL_STATIC, USE_ORIGIN_HEADERS, FORCE_CACHE_ALL]
  default_ttl:
    description: Seconds a response without cache headers is cached (not above O(max_ttl)). Not given, not compared.
    type: int
  max_ttl:
    description: The longest TTL in seconds Cloud CDN honours. Not given, not compared.
    type: int
  client_ttl:
    description: The longest TTL in seconds sent to clients. Not given, not compared.
    type: int
attributes:
  check_mode:
    support: full
    description: Reads the backend bucket and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_url_map
  - module: meridian.global_infra.gce_backend_service
"""

EXAMPLES = r"""
- name: Static assets from a bucket, through Cloud CDN
  meridian.global_infra.gce_backend_bucket:
    project: meridian-prod
    name: meridian-static
    bucket_name: meridian-prod-static
    cache_mode: CACHE_ALL_STATIC
    default_ttl: 3600
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
  sample: [cache_mode]
resource:
  description: The backend bucket as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-static, bucket_name: meridian-prod-static, enable_cdn: true, cdn_policy: {cache_mode: CACHE_ALL_STATIC}}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        bucket_name=dict(type="str"),
        description=dict(type="str"),
        enable_cdn=dict(type="bool", default=True),
        cache_mode=dict(type="str", choices=["CACHE_ALL_STATIC", "USE_ORIGIN_HEADERS", "FORCE_CACHE_ALL"]),
        default_ttl=dict(type="int"),
        max_ttl=dict(type="int"),
        client_ttl=dict(type="int"),
    ))
    run_resource(module, "backend_bucket")


if __name__ == "__main__":
    main()
