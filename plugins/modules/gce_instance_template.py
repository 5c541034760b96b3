#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gce_instance_template
short_description: Ensure a Compute Engine instance template (Shielded VM, OS Login, no external IP), immutable, with check mode and diff
version_added: 0.2.0
description:
  - Creates or deletes one global instance template through the official C(google-cloud-compute) client.
  - Templates cannot be changed. The template's name is O(name) followed by a suffix, the first 8 hex digits
    of a SHA-256 of its content unless O(name_suffix) is given. The same options give the same name, so a second
    run finds the template and changes nothing; changed options give a new name, so a new template is
    created beside the old one, and the result says so (RV(superseded) lists the earlier templates of the same
    O(name)). No template is ever changed or deleted on an update; point the instance group at the new one with
    M(meridian.global_infra.gce_instance_group) O(meridian.global_infra.gce_instance_group#module:instance_template).
  - With O(name_suffix), a template of that name that exists with another content fails naming O(name_suffix).
  - Secure by default. Shielded VM (Secure Boot, vTPM, integrity monitoring) is on, OS Login is on
    (metadata C(enable-oslogin=TRUE)), the instances get no external address unless O(external_ip=true),
    and no service account unless O(service_account_email) is given.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description:
      - The template's base name (at most 46 characters); the template is named C(<name>-<suffix>).
      - With O(state=absent), the template deleted is C(<name>-<name_suffix>), or C(<name>) without O(name_suffix).
    type: str
    required: true
  name_suffix:
    description:
      - The suffix of the template's name (1-16 lowercase letters, digits, hyphens), for example a release V(v42).
      - Not given, the suffix is a hash of the content.
    type: str
  state:
    description:
      - V(present) creates the template unless it exists with this content.
      - V(absent) deletes the template named by O(name) and O(name_suffix), unless a managed instance group uses it
        (then the module fails, naming the groups).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: A description (part of the content).
    type: str
  machine_type:
    description: The machine type, for example V(e2-standard-2). Required with O(state=present).
    type: str
  source_image:
    description:
      - The boot image, C(projects/P/global/images/N), an image family C(projects/P/global/images/family/F),
        or a selfLink. Required with O(state=present).
    type: str
  disk_size_gb:
    description: The boot disk's size in GB (10-65536).
    type: int
    default: 20
  disk_type:
    description: The boot disk's type.
    type: str
    choices: [pd-balanced, pd-ssd, pd-standard, pd-extreme, hyperdisk-balanced]
    default: pd-balanced
  network:
    description: The network (name or selfLink). Required with O(state=present).
    type: str
  subnetwork:
    description: The subnetwork, with its region (C(regions/R/subnetworks/N) or a selfLink).
    type: str
  external_ip:
    description: Give each instance an ephemeral external address. Off, instances reach out through Cloud NAT.
    type: bool
    default: false
  service_account_email:
    description: The service account the instances run as. Not given, they run with none.
    type: str
  scopes:
    description:
      - The OAuth scopes of O(service_account_email); full URLs or the aliases V(cloud-platform), V(logging-write),
        V(monitoring), V(monitoring-write), V(storage-ro), V(storage-rw), V(trace).
      - Not given, V(cloud-platform) (access is then decided by the service account's IAM roles).
    type: list
    elements: str
  labels:
    description: Labels of the instances.
    type: dict
  tags:
    description: Network tags of the instances (what firewall rules target).
    type: list
    elements: str
  metadata:
    description: Metadata items (for example C(startup-script)). C(enable-oslogin) is set by O(os_login).
    type: dict
  os_login:
    description: OS Login (metadata C(enable-oslogin=TRUE)); V(false) leaves the key out.
    type: bool
    default: true
  shielded_vm:
    description: Shielded VM settings; each is on unless set to V(false).
    type: dict
    suboptions:
      secure_boot:
        description: Secure Boot.
        type: bool
        default: true
      vtpm:
        description: The virtual TPM.
        type: bool
        default: true
      integrity_monitoring:
        description: Integrity monitoring (needs O(shielded_vm.vtpm)).
        type: bool
        default: true
attributes:
  check_mode:
    support: full
    description: Reads the template and reports whether a new one would be created (and its name) or one deleted.
  diff_mode:
    support: full
    description: The template's name and managed properties before and after (before is empty for a new template).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_instance_group
"""

EXAMPLES = r"""
- name: The web tier's template (named web-<hash>; a change of any option makes a new one)
  meridian.global_infra.gce_instance_template:
    project: meridian-prod
    name: web
    machine_type: e2-standard-2
    source_image: projects/debian-cloud/global/images/family/debian-12
    network: meridian-prod
    subnetwork: regions/europe-west1/subnetworks/meridian-prod-europe-west1
    service_account_email: web@meridian-prod.iam.gserviceaccount.com
    scopes: [cloud-platform]
    labels: {service: web, env: prod}
    tags: [web]
  register: web_template

- name: Roll the group onto it
  meridian.global_infra.gce_instance_group:
    project: meridian-prod
    region: europe-west1
    name: web
    instance_template: "{{ web_template.template_name }}"
    target_size: 3
"""

RETURN = r"""
action:
  description: What was done (or would be, in check mode).
  returned: always
  type: str
  choices: [none, create, delete]
template_name:
  description: The template's full name (C(<name>-<suffix>)).
  returned: always
  type: str
  sample: web-3f2a9c1e
superseded:
  description: The other templates of the same O(name) (C(<name>-*)); none of them is changed or deleted.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [web-0b7d44aa]
in_use_by:
  description: The managed instance groups that use the template (partial URLs), for an existing one.
  returned: always
  type: list
  elements: str
msg:
  description: What was done, and for a new template beside earlier ones, that they are kept and what to do next.
  returned: always
  type: str
changes:
  description: The parts of the template that are new (a creation lists them all); empty otherwise.
  returned: always
  type: list
  elements: str
resource:
  description: The template as the API returns it (snake_case keys); empty when absent or in check mode before creation.
  returned: always
  type: dict
"""

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.compute_module import run_instance_template, run_module
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.compute_resources import desired_instance_template
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import gce_module


def main():
    module = gce_module(dict(
        name=dict(type="str", required=True),
        name_suffix=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        machine_type=dict(type="str"),
        source_image=dict(type="str"),
        disk_size_gb=dict(type="int", default=20),
        disk_type=dict(type="str", default="pd-balanced",
                       choices=["pd-balanced", "pd-ssd", "pd-standard", "pd-extreme", "hyperdisk-balanced"]),
        network=dict(type="str"),
        subnetwork=dict(type="str"),
        external_ip=dict(type="bool", default=False),
        service_account_email=dict(type="str"),
        scopes=dict(type="list", elements="str"),
        labels=dict(type="dict"),
        tags=dict(type="list", elements="str"),
        metadata=dict(type="dict"),
        os_login=dict(type="bool", default=True),
        shielded_vm=dict(type="dict", options=dict(
            secure_boot=dict(type="bool", default=True),
            vtpm=dict(type="bool", default=True),
            integrity_monitoring=dict(type="bool", default=True),
        )),
    ))
    run_module(module, run_instance_template, desired_instance_template)


if __name__ == "__main__":
    main()
