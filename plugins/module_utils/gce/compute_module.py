# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of gce_instance_template and gce_instance_group (gce_health_check is ``module.run_resource``'s).

Same order as ``module.run``: every option checked (``compute_resources.desired_*``, naming the option)
before a client is built, the resources read through ``clients.gce``, the current state brought to the
compared form (``canonical_*``), the plan computed by ``engine.plan`` (or, for an immutable template,
by name and content), and only then, outside check mode, the calls made. Network calls happen only in
the client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import compute_resources as cr
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.module import _apply, options_of


def _snake(resource):
    return camel_dict_to_snake_dict(resource) if resource else {}


def _client(params, kind):
    return gce_client.GceClient.from_params(params, options=options_of(kind))


# ---------------------------------------------------------------- instance templates

def _template_users(client, template, project):
    """The managed instance groups (zonal or regional) whose template or versions name ``template``."""
    wanted = engine.ref(template["selfLink"], project, "instanceTemplates")
    users = []
    for group in client.instance_group_managers():
        refs = [group.get("instanceTemplate")] + [v.get("instanceTemplate") for v in group.get("versions") or []]
        if any(r and engine.ref(r, project, "instanceTemplates") == wanted for r in refs):
            users.append(engine.ref(group["selfLink"], project, "instanceGroupManagers"))
    return sorted(set(users))


def _siblings(client, base, name):
    """The other templates of the same base name (``<base>-<suffix>``), sorted."""
    found = client.list("instance_template", filter_expression="name eq \"%s-[-a-z0-9]{1,16}\"" % base)
    return sorted(t["name"] for t in found if t["name"] != name)


def run_instance_template(module, client=None):
    """A template is never changed: a new content is a new template (a new name); one in use is never deleted."""
    params = module.params
    project = params["project"]
    desired = cr.desired_instance_template(params)
    name = desired["name"]
    client = client or _client(params, cr.INSTANCE_TEMPLATE)
    current = client.get("instance_template", name)
    before = cr.canonical_instance_template(current, project) if current else {}
    result = {"template_name": name, "superseded": [], "in_use_by": []}
    if params.get("state", "present") == "absent":
        action = "delete" if current else "none"
        if current:
            users = _template_users(client, current, project)
            if users:
                raise engine.GceError("name", "instance template %s is used by %s: a template in use is never "
                                              "deleted (point the group at another template first)"
                                      % (name, ", ".join(users)))
            if not module.check_mode:
                client.delete("instance_template", name)
        result.update(changed=bool(current), action=action, changes=[], resource={},
                      msg="instance template %s %s" % (name, "deleted" if current else "is absent"))
        if module._diff:
            result["diff"] = {"before": before, "after": {}}
        return result
    if current and before != desired:
        field = "name_suffix" if params.get("name_suffix") is not None else "name"
        raise engine.GceError(field, "instance template %s exists with another content, and templates are "
                                     "immutable: give a new name_suffix (or none, to name the template by a hash "
                                     "of its content)" % name)
    siblings = _siblings(client, params["name"], name)
    result["superseded"] = siblings
    if current:
        result["in_use_by"] = _template_users(client, current, project)
        result.update(changed=False, action="none", changes=[], resource=_snake(current),
                      msg="instance template %s is as wanted" % name)
    else:
        resource = {}
        if not module.check_mode:
            client.insert("instance_template", desired)
            resource = client.get("instance_template", name)
        note = ""
        if siblings:
            note = (" (templates are immutable, so this is a new one; the earlier %s kept: point the instance "
                    "group at %s with gce_instance_group instance_template, then delete the unused ones)"
                    % ("template %s is" % siblings[0] if len(siblings) == 1 else "templates %s are" % ", ".join(
                        siblings), name))
        result.update(changed=True, action="create", changes=sorted(["name"] + (["description"] if desired.get(
            "description") else []) + ["properties"]), resource=_snake(resource),
            msg="instance template %s %s%s" % (name, "would be created" if module.check_mode else "created", note))
    if module._diff:
        result["diff"] = {"before": before, "after": desired}
    return result


# ---------------------------------------------------------------- regional managed instance groups

def _named_ports_plan(client, name, region, wanted, group_exists):
    """``(group, before, after)`` of the named ports (``None`` when not managed)."""
    if wanted is None:
        return None, None, None
    group = client.get("region_instance_group", name, region) if group_exists else None
    before = cr.canonical_named_ports((group or {}).get("namedPorts"))
    return group, before, wanted


GROUP_OPTIONS = ("instance_template", "base_instance_name", "target_size", "zones", "target_shape", "auto_healing",
                 "named_ports", "autoscaling")


def run_instance_group(module, client=None):
    params = module.params
    project, region = params["project"], params["region"]
    state = params.get("state", "present")
    desired, ports, autoscaler = cr.desired_instance_group(params)
    name = desired["name"]
    client = client or _client(params, cr.INSTANCE_GROUP)
    current = client.get("region_instance_group_manager", name, region)
    current_scaler = client.get("region_autoscaler", name, region) if current else None
    canonical = cr.canonical_instance_group(current, project) if current else None
    scaler_now = cr.canonical_autoscaler(current_scaler, project) if current_scaler else None

    if state == "absent":
        plan_ = engine.plan(cr.INSTANCE_GROUP, canonical, desired, project, "absent")
        if current and not module.check_mode:
            if current_scaler:
                client.delete("region_autoscaler", name, region)
            client.delete("region_instance_group_manager", name, region)
        result = {"changed": plan_["changed"], "action": plan_["action"], "changes": [], "resource": {},
                  "autoscaler": {}}
        if module._diff:
            result["diff"] = {"before": _diff_side(plan_["before"], None, scaler_now), "after": {}}
        return result

    if current:
        desired = cr.for_existing_group(desired, canonical, bool(current_scaler) or bool(autoscaler))
    elif "targetSize" not in desired:
        raise engine.GceError("target_size", "is required to create the group %s without autoscaling" % name)
    plan_ = engine.plan(cr.INSTANCE_GROUP, canonical, desired, project)
    group, ports_before, ports_after = _named_ports_plan(client, name, region, ports, bool(current))
    ports_changed = ports is not None and ports_before != ports_after
    if autoscaler is None:
        scaler_plan = {"action": "none", "changed": False, "changes": [], "calls": [],
                       "before": scaler_now or {}, "after": scaler_now or {}}
    elif autoscaler == {}:
        scaler_plan = engine.plan(cr.AUTOSCALER, scaler_now, {"name": name}, project, "absent")
    else:
        if params["autoscaling"].get("keep_forecast", True) is not False:
            autoscaler = cr.keep_forecast(autoscaler, scaler_now, params["autoscaling"].get("forecast_prefix")
                                          or cr.FORECAST_PREFIX)
        scaler_plan = engine.plan(cr.AUTOSCALER, scaler_now, autoscaler, project)
    changes = set(plan_["changes"])
    if plan_["action"] == "create":
        changes = set(option for option in GROUP_OPTIONS if params.get(option) is not None)
    if ports_changed:
        changes.add("named_ports")
    if scaler_plan["changed"]:
        changes.add("autoscaling")
    changes.discard("name")
    changed = plan_["changed"] or ports_changed or scaler_plan["changed"]
    resource, scaler_resource = current, current_scaler
    if changed and not module.check_mode:
        if plan_["changed"]:
            _apply(client, "region_instance_group_manager", plan_, desired, region)
        if ports_changed:
            group = group or client.get("region_instance_group", name, region)
            client.set_named_ports("region_instance_group", name, ports_after, group.get("fingerprint"), region)
        if scaler_plan["changed"]:
            _apply(client, "region_autoscaler", scaler_plan, autoscaler or {"name": name}, region)
        resource = client.get("region_instance_group_manager", name, region)
        scaler_resource = client.get("region_autoscaler", name, region)
    action = plan_["action"] if plan_["changed"] else ("update" if changed else "none")
    result = {"changed": changed, "action": action, "changes": sorted(changes), "resource": _snake(resource),
              "autoscaler": _snake(scaler_resource), "autoscaler_action": scaler_plan["action"]}
    if plan_["calls"]:
        result["calls"] = [call[0].split(":", 1)[-1] for call in plan_["calls"]]
    if module._diff:
        result["diff"] = {
            "before": _diff_side(plan_["before"], ports_before, scaler_plan["before"]),
            "after": _diff_side(plan_["after"], ports_after if ports is not None else ports_before,
                                scaler_plan["after"])}
    return result


def _diff_side(group, ports, scaler):
    if not group:
        return {}
    out = {"instanceGroupManager": dict((k, v) for k, v in group.items() if k != "fingerprint")}
    if ports is not None:
        out["namedPorts"] = ports
    if scaler:
        out["autoscaler"] = scaler
    return out


def run_module(module, runner, check):
    """``runner`` and exit, or fail once with the error's message naming the option."""
    try:
        check(module.params)  # every option checked before a client is built
        module.exit_json(**runner(module))
    except MeridianError as err:
        fail_on_error(module, err)
