#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcs_bucket
short_description: Ensure a Cloud Storage bucket, locked down by default, with check mode and diff
version_added: 0.2.0
description:
  - Creates, updates or deletes one Cloud Storage bucket through the official C(google-cloud-storage) client.
  - Uniform bucket-level access is on and public access prevention is V(enforced) unless the task says otherwise.
  - The bucket is compared option by option with the API's defaults filled in (storage class V(STANDARD), no
    versioning, no retention policy); only the options given are compared, an option left out is not touched.
  - Changes are sent as one PATCH with C(ifMetagenerationMatch) set to the metageneration read at the start of
    the run, so a bucket changed by someone else in between fails with 412 instead of being overwritten.
  - What cannot change in place fails before any write, naming the option - another O(location) or
    O(data_locations) (a bucket's location is fixed at creation), a O(default_kms_key_name) in another
    location than the bucket's, a different O(retention_period) on a locked retention policy (this module never
    changes nor locks a retention policy that is locked), O(uniform_bucket_level_access=false) after its 90-day
    lock.
author:
  - Meridian platform engineering (@meridian)
options:
  name:
    description:
      - The bucket's name, global to Cloud Storage (3-63 characters, lowercase letters, digits, hyphens and
        underscores). Names with dots are not supported.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the bucket; V(absent) deletes it.
      - V(absent) refuses a bucket that holds objects (live or noncurrent versions) unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), first delete every object of the bucket, every noncurrent version included
        (one call per object version), then the bucket. What is deleted cannot be restored, except from soft
        delete when the bucket's soft delete policy keeps objects.
      - Objects younger than the bucket's retention period, or under a hold, cannot be deleted; when there is
        any, nothing is deleted and the task fails naming this option and the first of them (a hold set or an
        object written after the objects were listed still fails the run part-way).
      - Not given or V(false), a bucket that holds objects is not deleted and the task fails naming this option.
        Ignored with O(state=present).
    type: bool
    default: false
  location:
    description:
      - A region (V(europe-west1)), a predefined dual-region (V(EUR4), V(NAM4), V(ASIA1), V(EUR5), V(EUR7),
        V(EUR8)) or a multi-region (V(US), V(EU), V(ASIA)); compared upper-cased, as the API returns it.
      - Required with O(state=present). Set at creation only.
    type: str
  data_locations:
    description:
      - The two regions of a configurable dual-region, with O(location) set to the multi-region that holds them
        (for example O(location=EU) with V(europe-west1) and V(europe-west4)). Set at creation only.
    type: list
    elements: str
  storage_class:
    description: The default storage class of new objects. Not given, V(STANDARD) at creation and not compared after.
    type: str
    choices: [STANDARD, NEARLINE, COLDLINE, ARCHIVE]
  uniform_bucket_level_access:
    description: Uniform bucket-level access (IAM only, no object ACLs).
    type: bool
    default: true
  public_access_prevention:
    description: V(enforced) refuses any public grant on the bucket and its objects; V(inherited) follows the organization policy.
    type: str
    choices: [enforced, inherited]
    default: enforced
  versioning:
    description: Object versioning. Not given, off at creation and not compared after.
    type: bool
  default_kms_key_name:
    description:
      - The Cloud KMS key (CMEK) new objects are encrypted with, C(projects/P/locations/L/keyRings/R/cryptoKeys/K);
        the key's location must be the bucket's (V(europe-west1) for a bucket in europe-west1, V(eu) for EU).
      - An empty string removes the default key (new objects then use Google-managed keys). A change applies to
        objects written after it; existing objects keep the key they were written with.
      - Cloud Storage's service agent needs C(roles/cloudkms.cryptoKeyEncrypterDecrypter) on the key.
      - Not given, not compared.
    type: str
  retention_period:
    description:
      - The retention policy in seconds (objects cannot be deleted or replaced before they are this old);
        V(0) removes an unlocked policy. Not given, not compared.
      - The module never locks a policy, and never changes a locked one (a different value fails naming this option).
    type: int
  lifecycle_rules:
    description:
      - The bucket's lifecycle rules, the whole list (an empty list removes them). Not given, not touched.
    type: list
    elements: dict
    suboptions:
      action:
        description: What the rule does.
        type: str
        required: true
        choices: [Delete, SetStorageClass, AbortIncompleteMultipartUpload]
      storage_class:
        description: The class objects move to, with O(lifecycle_rules[].action=SetStorageClass).
        type: str
        choices: [STANDARD, NEARLINE, COLDLINE, ARCHIVE]
      condition:
        description:
          - When the rule applies, with the API's conditions in snake_case - C(age), C(created_before) (YYYY-MM-DD),
            C(custom_time_before), C(days_since_custom_time), C(days_since_noncurrent_time), C(is_live),
            C(matches_prefix), C(matches_suffix), C(matches_storage_class), C(noncurrent_time_before),
            C(num_newer_versions).
        type: dict
        required: true
  labels:
    description: The bucket's labels, all of them (labels not listed are removed). Not given, not touched.
    type: dict
  api_endpoint:
    description:
      - The Cloud Storage API endpoint, with its scheme, instead of V(https://storage.googleapis.com), for
        example V(http://127.0.0.1:6100) for the local emulator (which serves Compute Engine and Cloud Storage on
        one port).
      - Falls back to the E(GCS_API_ENDPOINT) environment variable.
      - Set in C(module_defaults) of the C(gce) group, it is also given to the compute modules; on Google Cloud leave it
        unset.
    type: str
attributes:
  check_mode:
    support: full
    description: Reads the bucket (and, to delete it, its objects) and reports what would be done without changing anything.
  diff_mode:
    support: full
    description: The compared options before and after (location upper-cased, lifecycle rules and lists sorted).
extends_documentation_fragment:
  - meridian.global_infra.gce
seealso:
  - module: meridian.global_infra.gce_info
notes:
  - The credentials need C(roles/storage.admin) on the project (or C(storage.buckets.*) and, to delete objects,
    C(storage.objects.list) and C(storage.objects.delete)).
requirements:
  - google-cloud-storage
"""

EXAMPLES = r"""
- name: A regional bucket with versioning, a CMEK key, a 30-day retention and lifecycle rules
  meridian.global_infra.gcs_bucket:
    project: meridian-prod
    name: meridian-prod-assets-eu
    location: europe-west1
    versioning: true
    default_kms_key_name: projects/meridian-prod/locations/europe-west1/keyRings/storage/cryptoKeys/assets
    retention_period: 2592000
    lifecycle_rules:
      - action: SetStorageClass
        storage_class: NEARLINE
        condition: {age: 30}
      - action: Delete
        condition: {is_live: false, num_newer_versions: 3}
    labels:
      env: prod

- name: A bucket on the local emulator
  meridian.global_infra.gcs_bucket:
    project: meridian-local
    name: meridian-local-assets
    location: EU
    auth_kind: none
    api_endpoint: http://127.0.0.1:6100

- name: Delete a bucket and every object in it
  meridian.global_infra.gcs_bucket:
    project: meridian-local
    name: meridian-local-assets
    state: absent
    force: true
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
  sample: [labels, versioning]
objects_deleted:
  description: With O(state=absent) and O(force=true), the object versions deleted (that would be, in check mode).
  returned: when a bucket is deleted
  type: int
  sample: 0
resource:
  description: The bucket as the API returns it after the run (snake_case keys); empty when absent. In check mode, as it is now.
  returned: always
  type: dict
  sample: {name: meridian-prod-assets-eu, location: EUROPE-WEST1, location_type: region, storage_class: STANDARD,
           iam_configuration: {uniform_bucket_level_access: {enabled: true}, public_access_prevention: enforced},
           versioning: {enabled: true}, metageneration: "2"}
"""

import copy

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gcs as gcs_client
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.google_auth import AUTH_SPEC
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import storage_resources as rules

RULE_SPEC = dict(
    action=dict(type="str", required=True, choices=list(rules.LIFECYCLE_ACTIONS)),
    storage_class=dict(type="str", choices=list(rules.STORAGE_CLASSES)),
    condition=dict(type="dict", required=True),
)


def argument_spec():
    spec = copy.deepcopy(AUTH_SPEC)
    spec["api_endpoint"] = dict(type="str", fallback=(env_fallback, ["GCS_API_ENDPOINT"]))
    spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        location=dict(type="str"),
        data_locations=dict(type="list", elements="str"),
        storage_class=dict(type="str", choices=list(rules.STORAGE_CLASSES)),
        uniform_bucket_level_access=dict(type="bool", default=True),
        public_access_prevention=dict(type="str", default="enforced", choices=list(rules.PUBLIC_ACCESS_PREVENTION)),
        versioning=dict(type="bool"),
        default_kms_key_name=dict(type="str"),
        retention_period=dict(type="int"),
        lifecycle_rules=dict(type="list", elements="dict", options=RULE_SPEC),
        labels=dict(type="dict"),
    )
    return spec


def _rule_options(params):
    """The lifecycle rules without the keys Ansible adds as None for suboptions not given."""
    rules_ = params.get("lifecycle_rules")
    if rules_ is None:
        return params
    params = dict(params)
    params["lifecycle_rules"] = [dict((k, v) for k, v in r.items() if v is not None) for r in rules_]
    return params


def run(module, client=None):
    """The result of one run (``changed``, ``action``, ``changes``, ``resource``, ``diff``)."""
    params = _rule_options(module.params)
    want = rules.desired_bucket(params)
    name = want["name"]
    if client is None:
        client = gcs_client.GcsClient.from_params(params)
    current = client.get(name)
    plan = rules.plan(current, want, params["state"])
    result = {"changed": plan["changed"], "action": plan["action"], "changes": plan["changes"]}
    resource = current
    if plan["action"] == "delete":
        objects = client.objects(name, None if params["force"] else 1)
        if objects and not params["force"]:
            raise MeridianError("force", "bucket %s (project %s) holds objects: it is not deleted. Delete its objects "
                                         "first, or set force=true to delete every object and noncurrent version "
                                         "with the bucket" % (name, client.project))
        kept = rules.undeletable(objects, current)
        if kept:
            first = "; ".join("%s %s" % k for k in kept[:3]) + ("; ..." if len(kept) > 3 else "")
            message = "bucket %s (project %s): %d of its %d object versions cannot be deleted yet (%s): nothing " \
                      "was deleted" % (name, client.project, len(kept), len(objects), first)
            raise MeridianError("force", message)
        result["objects_deleted"] = len(objects)
        if not module.check_mode:
            client.delete_objects(name, objects)
            client.delete(name, plan["metageneration"])
        resource = current if module.check_mode else None
    elif plan["changed"] and not module.check_mode:
        if plan["action"] == "create":
            values = dict((k, v) for k, v in want.items() if k not in ("name", "location", "data_locations"))
            try:
                resource = client.create(name, want["location"], values, want.get("data_locations"))
            except gcs_client.GcsApiError as err:
                if not gcs_client.created_meanwhile_by_us(err):
                    raise
                # Made meanwhile by this project (another host of the play ensuring the same bucket):
                # plan once more against it.
                current = client.get(name)
                plan = rules.plan(current, want, params["state"])
                result.update(changed=plan["changed"], action=plan["action"], changes=plan["changes"])
                resource = client.patch(name, plan["patch"], plan["metageneration"]) if plan["changed"] else current
        else:
            resource = client.patch(name, plan["patch"], plan["metageneration"])
    result["resource"] = camel_dict_to_snake_dict(resource, ignore_list=["labels"]) if resource else {}
    if module._diff:
        result["diff"] = {"before": plan["before"], "after": plan["after"]}
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not gcs_client.HAS_STORAGE:
        module.fail_json(msg=missing_required_lib("google-cloud-storage"))
    try:
        rules.desired_bucket(_rule_options(module.params))  # every option checked before a client is built
        module.exit_json(**run(module))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
