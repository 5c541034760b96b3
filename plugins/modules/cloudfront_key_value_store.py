#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cloudfront_key_value_store
short_description: Ensure a CloudFront KeyValueStore and its keys, or its absence
version_added: 0.2.0
description:
  - Ensures one CloudFront KeyValueStore (data a CloudFront Function reads at the edge), identified by its
    name, with its comment (the C(cloudfront) API), and optionally its keys (the C(cloudfront-keyvaluestore) API).
  - With O(key_values), the store's keys are listed and compared with the wanted ones; only the keys that differ
    are put, and with O(purge_keys) the others deleted, in all-or-nothing C(UpdateKeys) calls of at most 50 keys
    each, every call sending the store's ETag read just before. O(key_values) omitted leaves the keys untouched.
  - Every option is validated before any API call (names, comment, key and value sizes, the store's 5 MB); an
    invalid one fails naming the option.
  - CloudFront refuses to delete a store a function is still associated with; remove the function first.
author:
  - Meridian platform engineering (@meridian)
options:
  state:
    description: V(present) creates or updates the store (and its keys); V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The store's name, unique in the account (1 to 64 letters, digits, hyphens, underscores).
    type: str
    required: true
  comment:
    description: The store's comment (at most 128 characters).
    type: str
    default: ""
  key_values:
    description:
      - The keys the store holds, key to value. Keys are at most 512 bytes, values 1 to 1,024 bytes; a value that
        is a mapping or a list is stored as compact JSON.
      - Omitted, the keys are neither read nor changed.
      - Writing keys signs with SigV4A, which botocore does only with the AWS CRT (C(pip install 'botocore[crt]'));
        without it the module fails before any call.
    type: dict
  purge_keys:
    description: Delete the keys that are not in O(key_values). Ignored when O(key_values) is omitted.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Computes and reports the plan (create, update, keys to put and delete) without changing anything.
  diff_mode:
    support: full
    description: The store's settings and keys before and after, keys sorted.
notes:
  - CloudFront is global; its API is called in us-east-1 whatever O(region) says. The keys' API is reached at
    C(https://<account>.cloudfront-kvs.global.api.aws), derived from the store's ARN.
  - 'IAM actions: C(cloudfront:DescribeKeyValueStore), C(cloudfront:CreateKeyValueStore),
    C(cloudfront:UpdateKeyValueStore), C(cloudfront:DeleteKeyValueStore), and with O(key_values)
    C(cloudfront-keyvaluestore:DescribeKeyValueStore), C(cloudfront-keyvaluestore:ListKeys),
    C(cloudfront-keyvaluestore:UpdateKeys).'
  - SigV4A needs a session token of version 2 when temporary credentials are used (a regional STS endpoint).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: meridian.global_infra.cloudfront_function
    description: The function that reads the store.
"""

EXAMPLES = r"""
- name: The residency routing map, changed without a redeploy of the function
  meridian.global_infra.cloudfront_key_value_store:
    name: meridian-prod-us-east-1-residency
    comment: Data class and country to region
    key_values:
      "pii:DE": eu-central-1
      "pii:US": us-east-1
  register: store

- name: The store alone, its keys left as they are
  meridian.global_infra.cloudfront_key_value_store:
    name: meridian-prod-us-east-1-residency

- name: Remove the store (after the functions reading it)
  meridian.global_infra.cloudfront_key_value_store:
    name: meridian-prod-us-east-1-residency
    state: absent
"""

RETURN = r"""
key_value_store:
  description: The store after the run (empty when absent); in check mode, the planned one.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    id:
      description: Its id (empty when only planned).
      type: str
    arn:
      description: Its ARN, the one a function's O(meridian.global_infra.cloudfront_function#module:key_value_store_arns) names.
      type: str
      sample: arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111
    comment:
      description: Its comment.
      type: str
    status:
      description: C(PROVISIONING) just after creation, then C(READY).
      type: str
action:
  description: What was done to the store itself (or would be in check mode).
  returned: always
  type: str
  choices: [none, create, update, delete]
keys:
  description: The keys put and deleted (or that would be); empty when O(key_values) is omitted.
  returned: always
  type: dict
  contains:
    put:
      description: Keys written (new or changed).
      type: list
      elements: str
    deleted:
      description: Keys deleted.
      type: list
      elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.edge import (
    key_batches,
    key_value_store_plan,
    key_values,
    keys_plan,
    validate_name,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.cloudfront_edge import (
    CloudFrontEdgeClient,
    KeyValueStoreDataClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error


def validate(params):
    """Every option checked; returns the wanted keys (None: not managed)."""
    validate_name(params["name"])
    key_value_store_plan(None, params["name"], params["comment"])
    return key_values(params["key_values"]) if params["state"] == "present" else None


def _view(store):
    store = store or {}
    return {"name": store.get("Name", ""), "id": store.get("Id", ""), "arn": store.get("ARN", ""),
            "comment": store.get("Comment") or "", "status": store.get("Status", "")}


def run(module, client, data_client_factory):
    p = module.params
    wanted_keys = validate(p)
    found = client.key_value_store(p["name"])
    current = found["store"] if found else None
    plan = key_value_store_plan(current, p["name"], p["comment"], p["state"])
    store = current
    if plan["changed"] and not module.check_mode:
        if plan["action"] == "create":
            store = client.create_key_value_store(p["name"], p["comment"])["store"]
        elif plan["action"] == "update":
            store = client.update_key_value_store(p["name"], p["comment"], found["etag"])["store"]
        else:
            client.delete_key_value_store(p["name"], found["etag"])
            store = None
    elif plan["changed"] and plan["action"] == "create":
        store = {"Name": p["name"], "Comment": p["comment"]}
    elif plan["action"] == "delete":
        store = None
    if store and plan["action"] == "update" and module.check_mode:
        store = dict(store, Comment=p["comment"])
    keys = {"put": [], "deleted": []}
    keys_before, keys_after = None, None
    if wanted_keys is not None:
        arn = (store or {}).get("ARN")
        current_keys = {}
        if arn:
            data = data_client_factory()
            current_keys = data.keys(arn)
        delta = keys_plan(current_keys, wanted_keys, p["purge_keys"])
        keys = {"put": sorted(delta["puts"]), "deleted": delta["deletes"]}
        keys_before, keys_after = delta["before"], delta["after"]
        if delta["changed"] and not module.check_mode:
            if plan["action"] == "create":
                client.wait_key_value_store_ready(p["name"])
            etag = data.describe(arn)["etag"]
            for puts, deletes in key_batches(delta["puts"], delta["deletes"]):
                etag = data.update_keys(arn, etag, puts, deletes)
    changed = plan["changed"] or bool(keys["put"] or keys["deleted"])
    result = {"changed": changed, "action": plan["action"], "key_value_store": _view(store) if store else {},
              "keys": keys}
    if module._diff:
        before, after = dict(plan["before"]), dict(plan["after"])
        if keys_before is not None:
            before["keys"] = keys_before if current else {}
            after["keys"] = keys_after
        result["diff"] = {"before": dict(sorted(before.items())), "after": dict(sorted(after.items()))}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            name=dict(type="str", required=True),
            comment=dict(type="str", default=""),
            key_values=dict(type="dict", no_log=False),
            purge_keys=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        # every option checked (and the SigV4A signer present when keys are managed) before any call
        if validate(module.params) is not None:
            KeyValueStoreDataClient.require_crt()
        module.exit_json(**run(module, CloudFrontEdgeClient.from_module(module),
                               lambda: KeyValueStoreDataClient.from_module(module)))
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
