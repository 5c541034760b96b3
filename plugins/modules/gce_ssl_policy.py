#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_ssl_policy
short_description: Ensure a Compute Engine SSL policy (TLS 1.2 or higher), with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one global SSL policy through the official C(google-cloud-compute) client.
    A target HTTPS proxy (M(meridian.global_infra.gce_target_https_proxy)) applies it to its clients.
  - The defaults are the strictest pre-configured profile, V(RESTRICTED), and TLS 1.2 as the minimum.
    A minimum of V(TLS_1_0) or V(TLS_1_1) is refused before any API call, naming O(min_tls_version);
    Google's V(COMPATIBLE) profile is not offered.
  - The profile, the minimum version, the custom features and the description are updated in place (a PATCH
    with the policy's current fingerprint). A V(CUSTOM) policy is not turned back into a pre-configured profile
    in place (a PATCH cannot empty its custom features); delete it first, or use another name.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The policy's name.
    type: str
    required: true
  state:
    description: V(present) creates or updates the policy; V(absent) deletes it (refused by the API while a proxy uses it).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description. Not given, not compared.
    type: str
  profile:
    description:
      - V(RESTRICTED) (the default) allows only the ciphers for compliance regimes such as PCI DSS;
        V(MODERN) a wider set of modern ciphers; V(CUSTOM) exactly O(custom_features).
    type: str
    choices: [MODERN, RESTRICTED, CUSTOM]
    default: RESTRICTED
  min_tls_version:
    description:
      - The lowest TLS version a client may negotiate, V(TLS_1_2) (the default) or V(TLS_1_3).
      - V(TLS_1_0) and V(TLS_1_1) are refused.
    type: str
    default: TLS_1_2
  custom_features:
    description: The enabled TLS features (cipher suites by their IANA names), with O(profile=CUSTOM) only.
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Reads the policy and reports what would be created, changed or deleted without changing anything.
  diff_mode:
    support: full
    description: The managed fields before and after.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_target_https_proxy
"""

EXAMPLES = r"""
- name: The load balancer's TLS policy (RESTRICTED, TLS 1.2 and higher)
  meridian.global_infra.gce_ssl_policy:
    project: meridian-prod
    name: meridian-restricted

- name: TLS 1.3 only
  meridian.global_infra.gce_ssl_policy:
    project: meridian-prod
    name: meridian-tls13
    profile: MODERN
    min_tls_version: TLS_1_3
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
  sample: [min_tls_version]
resource:
  description: The policy as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-restricted, profile: RESTRICTED, min_tls_version: TLS_1_2}
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module, run_resource


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        profile=dict(type="str", default="RESTRICTED", choices=["MODERN", "RESTRICTED", "CUSTOM"]),
        min_tls_version=dict(type="str", default="TLS_1_2"),
        custom_features=dict(type="list", elements="str"),
    ))
    run_resource(module, "ssl_policy")


if __name__ == "__main__":
    main()
