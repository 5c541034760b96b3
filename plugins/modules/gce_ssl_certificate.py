#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_ssl_certificate
short_description: Ensure a Google-managed SSL certificate for a set of domains, with check mode and diff
version_added: 0.2.0
description:
  - Creates (and deletes) global Google-managed SSL certificates through the official C(google-cloud-compute)
    client, for a target HTTPS proxy (M(meridian.global_infra.gce_target_https_proxy)).
  - A managed certificate cannot change. Its name is O(name) followed by C(-) and 8 hexadecimal digits of a
    hash of its sorted domains (RV(certificate_name)), so other domains make a B(new) certificate, never a
    change of the existing one; the task says so (RV(action) V(create), RV(previous) lists the earlier ones).
    Point the proxy at RV(certificate_name); the earlier certificates are kept, since a proxy may still serve them.
  - With O(purge_previous=true) the earlier certificates of O(name) are deleted, except those a target HTTPS proxy
    of the project still serves (RV(kept_in_use)); run it once the proxy has moved to the new certificate.
  - Every host of a play may ensure the same certificate at once. A creation the API refuses because another run
    created it meanwhile (409) reports no change, and so does a deletion of an earlier certificate another run
    deleted meanwhile (404).
  - Google provisions the certificate once the domains' DNS points at the load balancer; RV(status) says where
    it is (V(PROVISIONING), V(ACTIVE), ...). Self-managed certificates are not handled.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description: The certificates' base name (at most 54 characters; the module adds the domains' hash).
    type: str
    required: true
  state:
    description:
      - V(present) ensures the certificate of O(domains) exists.
      - V(absent) deletes every certificate of O(name) that no target HTTPS proxy serves (those served are kept
        and listed in RV(kept_in_use)).
    type: str
    choices: [present, absent]
    default: present
  domains:
    description: The domains (1 to 100, no wildcards), in any order. Required with O(state=present).
    type: list
    elements: str
  description:
    description: A description of a new certificate.
    type: str
  purge_previous:
    description: Delete the earlier certificates of O(name) that no target HTTPS proxy serves.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Lists the certificates and proxies and reports what would be created or deleted without changing anything.
  diff_mode:
    support: full
    description: The certificates of O(name) (name and domains) before and after.
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_target_https_proxy
"""

EXAMPLES = r"""
- name: The certificate of the application's domains
  meridian.global_infra.gce_ssl_certificate:
    project: meridian-prod
    name: meridian-web
    domains: [app.example.com, www.example.com]
  register: certificate

- name: The proxy serves it
  meridian.global_infra.gce_target_https_proxy:
    project: meridian-prod
    name: meridian-web
    url_map: meridian-web
    ssl_certificates: ["{{ certificate.certificate_name }}"]
    ssl_policy: meridian-restricted

- name: Then the certificates the proxy no longer serves go
  meridian.global_infra.gce_ssl_certificate:
    project: meridian-prod
    name: meridian-web
    domains: [app.example.com, www.example.com]
    purge_previous: true
"""

RETURN = r"""
action:
  description: V(create) when the certificate of these domains is created, V(delete) when only earlier ones are deleted, else V(none).
  returned: always
  type: str
  choices: [none, create, delete]
certificate_name:
  description: The name of the certificate of O(domains) (with O(state=present)).
  returned: success and state is present
  type: str
  sample: meridian-web-3f2a9c01
previous:
  description: The other certificates of O(name) that existed before the run, sorted.
  returned: always
  type: list
  elements: str
  sample: [meridian-web-77e0b2d4]
deleted:
  description: The certificates deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: str
kept_in_use:
  description: Certificates that were to be deleted but are kept because a target HTTPS proxy serves them.
  returned: always
  type: list
  elements: str
status:
  description: The certificate's provisioning status (V(PROVISIONING), V(ACTIVE), ...); empty in check mode before creation.
  returned: success and state is present
  type: str
  sample: ACTIVE
resource:
  description: The certificate of O(domains) as the API returns it after the run (snake_case keys); empty when absent.
  returned: always
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import lb_resources
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import MEANWHILE, gce_module, options_of


def _domains(certificates):
    return dict((c["name"], sorted((c.get("managed") or {}).get("domains") or [])) for c in certificates)


def _written(write, action):
    """Make the write ``write()``; False when the API answers ``MEANWHILE[action]``: another host of the play
    ensuring the same global certificate made the same write first (for a creation, the certificate's name
    holds the hash of its domains, so the one made is this one)."""
    try:
        write()
    except gce_client.GceApiError as err:
        if err.status != MEANWHILE[action]:
            raise
        return False
    return True


def run(module, client=None):
    params = module.params
    state = params["state"]
    desired = lb_resources.desired_ssl_certificate(params)
    base = params["name"]
    if client is None:
        client = gce_client.GceClient.from_params(params, options=options_of(lb_resources.SSL_CERTIFICATE))
    existing = client.list("ssl_certificate")
    proxies = client.list("target_https_proxy") if state == "absent" or params["purge_previous"] else []
    plan = lb_resources.certificate_plan(base, desired, [c["name"] for c in existing], proxies, params["project"],
                                         state=state, purge_previous=params["purge_previous"])
    before = dict((n, d) for n, d in _domains(existing).items() if n in set(plan["previous"]) | {desired["name"]})
    after = dict((n, d) for n, d in before.items() if n not in plan["delete"])
    if plan["create"]:
        after[plan["create"]] = desired["managed"]["domains"]
    created, deleted = plan["create"], list(plan["delete"])
    if not module.check_mode:
        if created and not _written(lambda: client.insert("ssl_certificate", desired), "create"):
            created = None
            before[desired["name"]] = after[desired["name"]]
        deleted = [name for name in plan["delete"]
                   if _written(lambda name=name: client.delete("ssl_certificate", name), "delete")]
        for name in set(plan["delete"]) - set(deleted):
            before.pop(name, None)
    result = {"changed": bool(created or deleted),
              "action": "create" if created else "delete" if deleted else "none",
              "previous": [n for n in plan["previous"] if n != desired["name"]], "deleted": deleted,
              "kept_in_use": plan["kept_in_use"], "resource": {}}
    if state == "present":
        resource = None if module.check_mode and plan["create"] else client.get("ssl_certificate", desired["name"])
        result["certificate_name"] = desired["name"]
        result["resource"] = camel_dict_to_snake_dict(resource) if resource else {}
        result["status"] = ((resource or {}).get("managed") or {}).get("status", "")
    if plan["kept_in_use"]:
        module.warn("kept the certificates a target HTTPS proxy still serves: %s" % ", ".join(plan["kept_in_use"]))
    if module._diff:
        result["diff"] = {"before": {"certificates": before}, "after": {"certificates": after}}
    return result


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        domains=dict(type="list", elements="str"),
        description=dict(type="str"),
        purge_previous=dict(type="bool", default=False),
    ))
    try:
        lb_resources.desired_ssl_certificate(module.params)  # every option checked before a client is built
        module.exit_json(**run(module))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
