#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_url_map
short_description: Ensure a global URL map of the external Application Load Balancer, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one global URL map through the official C(google-cloud-compute) client. It says which
    backend service (M(meridian.global_infra.gce_backend_service)) or backend bucket
    (M(meridian.global_infra.gce_backend_bucket)) serves a request, by host and path.
  - A request whose host matches no host rule goes to the default backend (O(default_service) or
    O(default_bucket)); a host rule sends its hosts to a path matcher, whose path rules choose a backend by path.
  - Everything is updated in place (a PUT of the whole map with its current fingerprint, so that removed host
    rules and path matchers are removed). Host rules and path matchers are
    compared whatever their order, backends whether given by name or selfLink.
  - The map is served by a target HTTPS proxy (M(meridian.global_infra.gce_target_https_proxy)).
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The URL map's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates it; V(absent) deletes it (refused by the API while a proxy uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description. Not given, not compared.
    type: str
  default_service:
    description: The default backend service (name or selfLink). Exactly one of this and O(default_bucket) with O(state=present).
    type: str
  default_bucket:
    description: The default backend bucket (name or selfLink).
    type: str
  host_rules:
    description: The host rules, the whole list (none means none).
    type: list
    elements: dict
    default: []
    suboptions:
      hosts:
        description: Host names (V(www.example.com), V(*.example.com)), each in one rule only.
        type: list
        elements: str
        required: true
      path_matcher:
        description: The name of the path matcher of O(path_matchers) for these hosts.
        type: str
        required: true
  path_matchers:
    description: The path matchers, the whole list; each is used by a host rule.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The path matcher's name.
        type: str
        required: true
      default_service:
        description: The backend service for the paths no rule matches (or O(path_matchers[].default_bucket)).
        type: str
      default_bucket:
        description: The backend bucket for the paths no rule matches.
        type: str
      path_rules:
        description: Paths to backends.
        type: list
        elements: dict
        default: []
        suboptions:
          paths:
            description: Path patterns (V(/static/*), V(/api)); C(*) only at the end, after a C(/).
            type: list
            elements: str
            required: true
          service:
            description: The backend service of these paths (or O(path_matchers[].path_rules[].bucket)).
            type: str
          bucket:
            description: The backend bucket of these paths.
            type: str
attributes:
  check_mode:
    support: full
    description: Reads the URL map and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (rules sorted, references as partial URLs).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_target_https_proxy
  - module: meridian.global_infra.gce_backend_service
  - module: meridian.global_infra.gce_backend_bucket
"""

EXAMPLES = r"""
- name: The application by default, static assets from the CDN bucket
  meridian.global_infra.gce_url_map:
    project: meridian-prod
    name: meridian-web
    default_service: meridian-web
    host_rules:
      - hosts: [app.example.com]
        path_matcher: app
    path_matchers:
      - name: app
        default_service: meridian-web
        path_rules:
          - paths: [/static/*, /assets/*]
            bucket: meridian-static
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
  sample: [path_matchers]
resource:
  description: The URL map as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-web, default_service: "https://www.googleapis.com/compute/v1/projects/meridian-prod/global/backendServices/meridian-web"}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        default_service=dict(type="str"),
        default_bucket=dict(type="str"),
        host_rules=dict(type="list", elements="dict", default=[], options=dict(
            hosts=dict(type="list", elements="str", required=True),
            path_matcher=dict(type="str", required=True),
        )),
        path_matchers=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            default_service=dict(type="str"),
            default_bucket=dict(type="str"),
            path_rules=dict(type="list", elements="dict", default=[], options=dict(
                paths=dict(type="list", elements="str", required=True),
                service=dict(type="str"),
                bucket=dict(type="str"),
            )),
        )),
    ))
    run_resource(module, "url_map")


if __name__ == "__main__":
    main()
