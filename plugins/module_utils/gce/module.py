# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every gce_* module shares: the auth options, and the one run of a resource module.

``run_resource(module, kind)``: the desired state is built from the options (every option checked,
naming it, before a client is built), the resource read through ``clients.gce``, the plan computed by
``engine.plan``, and only then, outside check mode, the calls the plan lists made. A creation that finds
the resource made meanwhile (409: two hosts of a play ensuring the same global resource), an update
finding it updated meanwhile (412, a stale fingerprint) and a deletion finding it gone (404) plan again
against what now exists, once. Network calls happen only in the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.google_auth import AUTH_SPEC
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine, resources


def gce_module(argument_spec, **kwargs):
    """An AnsibleModule with the auth options added (a deep copy of ``AUTH_SPEC``) and check mode on."""
    spec = copy.deepcopy(AUTH_SPEC)
    spec.update(argument_spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
    if not gce_client.HAS_GOOGLE:
        module.fail_json(msg=missing_required_lib("google-cloud-compute"))
    return module


def options_of(kind):
    """API field name -> module option, for the client's error messages."""
    return dict((field, spec["option"]) for field, spec in kind["fields"].items())


def _apply(client, kind_name, plan_, desired, region):
    name = desired["name"]
    if plan_["action"] == "create":
        client.insert(kind_name, desired, region)
    elif plan_["action"] == "delete":
        client.delete(kind_name, name, region)
    else:
        for call in plan_["calls"]:
            if call[0] == "patch":
                client.patch(kind_name, name, call[1], region)
            elif call[0] == "put":
                client.update(kind_name, name, call[1], region)
            else:
                getattr(client, call[0].split(":", 1)[1])(kind_name, name, call[2], region)


# The answer to a write (by plan action) that found the resource changed since it was read: created
# (409 alreadyExists), updated (412 conditionNotMet, a stale fingerprint) or deleted (404) meanwhile.
MEANWHILE = {"create": 409, "update": 412, "delete": 404}


def run(module, kind_name, client=None, prepare=None):
    """The result of one run of a resource module (``changed``, ``action``, ``changes``, ``resource``, ``diff``).

    ``prepare(client, desired)``, when given, returns the desired state completed with what only the API
    knows (the IP of a reserved address named by an option), before the resource is read.
    """
    params = module.params
    kind = resources.KINDS[kind_name]
    desired = resources.DESIRED[kind_name](params)
    region = params.get("region")
    if client is None:
        client = gce_client.GceClient.from_params(params, options=options_of(kind))
    if prepare is not None:
        desired = prepare(client, desired)
    current = client.get(kind_name, desired["name"], region)
    plan_ = engine.plan(kind, current, desired, params["project"], params.get("state", "present"))
    resource = current
    if plan_["changed"] and not module.check_mode:
        try:
            _apply(client, kind_name, plan_, desired, region)
        except gce_client.GceApiError as err:
            if err.status != MEANWHILE.get(plan_["action"]):
                raise
            # Changed meanwhile, e.g. by another region's host ensuring the same global network, rule or
            # backend service in the same play: plan once more against what now exists.
            current = client.get(kind_name, desired["name"], region)
            plan_ = engine.plan(kind, current, desired, params["project"], params.get("state", "present"))
            if plan_["changed"]:
                _apply(client, kind_name, plan_, desired, region)
        resource = client.get(kind_name, desired["name"], region) if plan_["action"] != "delete" else None
    result = {"changed": plan_["changed"], "action": plan_["action"], "changes": plan_["changes"],
              "resource": camel_dict_to_snake_dict(resource) if resource else {}}
    if module._diff:
        result["diff"] = {"before": plan_["before"], "after": plan_["after"]}
    return result


def run_resource(module, kind_name, prepare=None):
    """``run`` and exit, or fail once with the error's message naming the option."""
    try:
        resources.DESIRED[kind_name](module.params)  # every option checked before a client is built
        module.exit_json(**run(module, kind_name, prepare=prepare))
    except MeridianError as err:
        fail_on_error(module, err)
