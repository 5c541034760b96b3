#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_target_https_proxy
short_description: Ensure a global target HTTPS proxy (URL map, certificates, SSL policy), with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one global target HTTPS proxy through the official C(google-cloud-compute)
    client. It terminates TLS with O(ssl_certificates) under the SSL policy O(ssl_policy) and routes by the URL
    map O(url_map). A global forwarding rule (M(meridian.global_infra.gce_global_forwarding_rule)) sends it traffic.
  - An SSL policy is required (M(meridian.global_infra.gce_ssl_policy)); without one, Google applies its
    V(COMPATIBLE) default, which allows TLS 1.0.
  - The URL map, the certificates (in order, the first is the primary) and the SSL policy are updated
    in place (a PATCH with the proxy's current fingerprint); O(description) is set at creation only.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The proxy's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates it; V(absent) deletes it (refused by the API while a forwarding rule uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description, set at creation only. Not given, not compared.
    type: str
  url_map:
    description: The URL map (name or selfLink). Required with O(state=present).
    type: str
  ssl_certificates:
    description:
      - The certificates (names or selfLinks; 1 to 15), the first the primary. Required with O(state=present).
      - The name of a managed certificate is the one M(meridian.global_infra.gce_ssl_certificate) returns.
    type: list
    elements: str
  ssl_policy:
    description: The SSL policy (name or selfLink). Required with O(state=present).
    type: str
  quic_override:
    description: HTTP/3 (QUIC) negotiation. Not given, not compared (V(NONE) at creation).
    type: str
    choices: [NONE, ENABLE, DISABLE]
attributes:
  check_mode:
    support: full
    description: Reads the proxy and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after, normalised (references as partial URLs).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_url_map
  - module: meridian.global_infra.gce_ssl_certificate
  - module: meridian.global_infra.gce_ssl_policy
  - module: meridian.global_infra.gce_global_forwarding_rule
"""

EXAMPLES = r"""
- name: A managed certificate for the application's domains
  meridian.global_infra.gce_ssl_certificate:
    project: meridian-prod
    name: meridian-web
    domains: [app.example.com]
  register: certificate

- name: HTTPS with that certificate and the restricted TLS policy
  meridian.global_infra.gce_target_https_proxy:
    project: meridian-prod
    name: meridian-web
    url_map: meridian-web
    ssl_certificates: ["{{ certificate.certificate_name }}"]
    ssl_policy: meridian-restricted
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
  sample: [ssl_certificates]
resource:
  description: The proxy as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-web, quic_override: NONE}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        url_map=dict(type="str"),
        ssl_certificates=dict(type="list", elements="str"),
        ssl_policy=dict(type="str"),
        quic_override=dict(type="str", choices=["NONE", "ENABLE", "DISABLE"]),
    ))
    run_resource(module, "target_https_proxy")


if __name__ == "__main__":
    main()
