# -*- coding: utf-8 -*-
"""gce.compute_resources: desired state from options, and resources shaped as the Compute Engine API
returns them (output-only fields, full URLs, server-side defaults filled) brought to the same compared form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import compute_resources as cr
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import engine
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import GceError

PROJECT = "meridian-test"
SELF = "https://www.googleapis.com/compute/v1/projects/meridian-test/"


def _template_params(**extra):
    params = {"project": PROJECT, "name": "web", "machine_type": "e2-standard-2",
              "source_image": "projects/debian-cloud/global/images/family/debian-12", "disk_size_gb": 20,
              "network": "vpc", "subnetwork": "regions/europe-west1/subnetworks/app",
              "service_account_email": "web@meridian-test.iam.gserviceaccount.com", "scopes": ["cloud-platform"],
              "labels": {"service": "web"}, "tags": ["web", "http"], "metadata": {"startup-script": "echo hi"}}
    params.update(extra)
    return params


def _api_template(name):
    """An instance template as GET returns it (the REST reference's shape: kinds, defaults, full URLs)."""
    return {
        "kind": "compute#instanceTemplate", "id": "5512", "creationTimestamp": "2026-11-30T10:00:00.000-08:00",
        "name": name, "selfLink": SELF + "global/instanceTemplates/" + name,
        "properties": {
            "machineType": "e2-standard-2", "canIpForward": False,
            "networkInterfaces": [{"kind": "compute#networkInterface", "name": "nic0", "network": SELF + "global/networks/vpc",
                                   "subnetwork": SELF + "regions/europe-west1/subnetworks/app", "stackType": "IPV4_ONLY"}],
            "disks": [{"kind": "compute#attachedDisk", "type": "PERSISTENT", "mode": "READ_WRITE",
                       "deviceName": "persistent-disk-0", "index": 0, "boot": True, "autoDelete": True,
                       "interface": "SCSI", "initializeParams": {
                           "sourceImage": "https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/"
                                          "family/debian-12", "diskSizeGb": "20", "diskType": "pd-balanced"}}],
            "metadata": {"kind": "compute#metadata", "fingerprint": "uX1=", "items": [
                {"key": "startup-script", "value": "echo hi"}, {"key": "enable-oslogin", "value": "TRUE"}]},
            "serviceAccounts": [{"email": "web@meridian-test.iam.gserviceaccount.com",
                                 "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
            "scheduling": {"onHostMaintenance": "MIGRATE", "automaticRestart": True, "preemptible": False,
                           "provisioningModel": "STANDARD"},
            "labels": {"service": "web"}, "tags": {"items": ["http", "web"]},
            "shieldedInstanceConfig": {"enableSecureBoot": True, "enableVtpm": True, "enableIntegrityMonitoring": True},
        },
    }


def test_template_as_the_api_returns_it_compares_equal_to_the_options():
    desired = cr.desired_instance_template(_template_params())
    assert cr.canonical_instance_template(_api_template(desired["name"]), PROJECT) == desired


def test_template_name_is_stable_and_follows_the_content():
    first = cr.desired_instance_template(_template_params())["name"]
    assert first == cr.desired_instance_template(_template_params(tags=["http", "web"],
                                                                  network=SELF + "global/networks/vpc"))["name"]
    names = {first}
    for change in ({"machine_type": "e2-standard-4"}, {"external_ip": True}, {"labels": {"service": "api"}},
                   {"shielded_vm": {"secure_boot": False}}, {"os_login": False}, {"description": "v2"}):
        names.add(cr.desired_instance_template(_template_params(**change))["name"])
    assert len(names) == 7 and all(n.startswith("web-") and len(n) == 12 for n in names)
    assert cr.desired_instance_template(_template_params(name_suffix="v42"))["name"] == "web-v42"
    assert cr.desired_instance_template({"project": PROJECT, "name": "web", "name_suffix": "v42",
                                         "state": "absent"}) == {"name": "web-v42"}


def test_template_defaults_are_the_secure_ones():
    props = cr.desired_instance_template(_template_params(service_account_email=None, scopes=None))["properties"]
    assert props["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableVtpm": True,
                                               "enableIntegrityMonitoring": True}
    assert {"key": "enable-oslogin", "value": "TRUE"} in props["metadata"]["items"]
    assert "accessConfigs" not in props["networkInterfaces"][0]
    assert props["serviceAccounts"] == []


def _group_params(**extra):
    params = {"project": PROJECT, "region": "europe-west1", "name": "web", "instance_template": "web-v1",
              "zones": ["europe-west1-c", "europe-west1-b"], "target_shape": "EVEN",
              "auto_healing": {"health_check": "web-http", "initial_delay_sec": 120},
              "autoscaling": {"min_replicas": 2, "max_replicas": 10, "cpu_utilization_target": 0.6,
                              "predictive_method": "OPTIMIZE_AVAILABILITY", "cool_down_period_sec": 60,
                              "scaling_schedules": [{"name": "am", "schedule": "0  7 * * MON-FRI", "duration_sec": 3600,
                                                     "min_required_replicas": 4}]}}
    params.update(extra)
    return params


def _api_group():
    return {
        "kind": "compute#instanceGroupManager", "id": "77", "name": "web", "fingerprint": "f1=",
        "selfLink": SELF + "regions/europe-west1/instanceGroupManagers/web", "baseInstanceName": "web",
        "instanceTemplate": SELF + "global/instanceTemplates/web-v1", "targetSize": 5,
        "versions": [{"instanceTemplate": SELF + "global/instanceTemplates/web-v1", "targetSize": {"calculated": 5}}],
        "distributionPolicy": {"zones": [{"zone": SELF + "zones/europe-west1-b"}, {"zone": SELF + "zones/europe-west1-c"}],
                               "targetShape": "EVEN"},
        "autoHealingPolicies": [{"healthCheck": SELF + "global/healthChecks/web-http", "initialDelaySec": 120}],
        "status": {"isStable": True}, "currentActions": {"none": 5}, "listManagedInstancesResults": "PAGELESS",
        "updatePolicy": {"type": "OPPORTUNISTIC", "minimalAction": "REPLACE"},
    }


def _api_autoscaler():
    return {"kind": "compute#autoscaler", "id": "78", "name": "web", "status": "ACTIVE", "recommendedSize": 5,
            "target": SELF + "regions/europe-west1/instanceGroupManagers/web",
            "autoscalingPolicy": {"minNumReplicas": 2, "maxNumReplicas": 10, "coolDownPeriodSec": 60, "mode": "ON",
                                  "cpuUtilization": {"utilizationTarget": 0.6, "predictiveMethod": "OPTIMIZE_AVAILABILITY"},
                                  "scalingSchedules": {"am": {"minRequiredReplicas": 4, "schedule": "0 7 * * MON-FRI",
                                                              "timeZone": "UTC", "durationSec": 3600,
                                                              "disabled": False}}},
            "scalingScheduleStatus": {"am": {"state": "READY"}}}


def test_group_and_autoscaler_as_the_api_returns_them_plan_no_change():
    group, ports, scaler = cr.desired_instance_group(_group_params())
    assert ports is None
    canonical = cr.canonical_instance_group(_api_group(), PROJECT)
    existing = cr.for_existing_group(group, canonical, autoscaled=True)
    assert "targetSize" not in existing  # the autoscaler's
    assert engine.plan(cr.INSTANCE_GROUP, canonical, existing, PROJECT)["changed"] is False
    plan = engine.plan(cr.AUTOSCALER, cr.canonical_autoscaler(_api_autoscaler(), PROJECT), scaler, PROJECT)
    assert plan["changed"] is False


def test_group_template_change_is_set_instance_template_and_target_shape_a_patch():
    group, _p, _s = cr.desired_instance_group(_group_params(instance_template=SELF + "global/instanceTemplates/web-v2",
                                                            target_shape="BALANCED"))
    canonical = cr.canonical_instance_group(_api_group(), PROJECT)
    plan = engine.plan(cr.INSTANCE_GROUP, canonical, cr.for_existing_group(group, canonical, True), PROJECT)
    assert plan["changes"] == ["instance_template", "target_shape"]
    assert [c[0] for c in plan["calls"]] == ["patch", "method:set_instance_template"]
    assert plan["calls"][0][1]["fingerprint"] == "f1="
    assert plan["calls"][1][2] == "projects/meridian-test/global/instanceTemplates/web-v2"


def test_group_zones_cannot_move_and_unset_zones_keep_the_current_ones():
    group, _p, _s = cr.desired_instance_group(_group_params(zones=["europe-west1-b", "europe-west1-d"]))
    canonical = cr.canonical_instance_group(_api_group(), PROJECT)
    with pytest.raises(GceError) as caught:
        cr.for_existing_group(group, canonical, True)
    assert caught.value.field == "zones" and "europe-west1-b, europe-west1-c" in str(caught.value)
    group, _p, _s = cr.desired_instance_group(_group_params(zones=None))
    assert engine.plan(cr.INSTANCE_GROUP, canonical, cr.for_existing_group(group, canonical, True),
                       PROJECT)["changed"] is False


@pytest.mark.parametrize("autoscaling, policy", [
    ({"max_replicas": 4}, {"minNumReplicas": 1, "maxNumReplicas": 4, "coolDownPeriodSec": 60, "mode": "ON",
                           "cpuUtilization": {"utilizationTarget": 0.6, "predictiveMethod": "NONE"}}),
    ({"max_replicas": 4, "lb_utilization_target": 0.8}, {
        "minNumReplicas": 1, "maxNumReplicas": 4, "coolDownPeriodSec": 60, "mode": "ON",
        "loadBalancingUtilization": {"utilizationTarget": 0.8}}),
])
def test_autoscaling_policy_fills_the_api_defaults(autoscaling, policy):
    assert cr.autoscaling_policy(autoscaling) == policy
    assert cr.canonical_policy(policy) == policy


def test_health_check_as_the_api_returns_it_plans_no_change():
    desired = cr.desired_health_check({"project": PROJECT, "name": "web-http", "check_interval_sec": 10,
                                       "http_health_check": {"port_name": "http", "request_path": "/healthz"}})
    api = {"kind": "compute#healthCheck", "id": "9", "name": "web-http", "selfLink": SELF + "global/healthChecks/web-http",
           "type": "HTTP", "checkIntervalSec": 10, "timeoutSec": 5, "healthyThreshold": 2, "unhealthyThreshold": 2,
           "httpHealthCheck": {"portName": "http", "portSpecification": "USE_NAMED_PORT", "requestPath": "/healthz",
                               "proxyHeader": "NONE"}}
    assert engine.plan(cr.HEALTH_CHECK, api, desired, PROJECT)["changed"] is False
    desired["type"] = "TCP"
    desired.pop("httpHealthCheck")
    desired["tcpHealthCheck"] = {"port": 80, "portSpecification": "USE_FIXED_PORT"}
    plan = engine.plan(cr.HEALTH_CHECK, api, desired, PROJECT)
    assert plan["calls"][0][0] == "put" and "httpHealthCheck" not in plan["calls"][0][1]


def test_every_kind_of_the_registries_has_a_client_and_a_builder():
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client
    from ansible_collections.meridian.global_infra.plugins.module_utils.gce import resources

    for name in cr.KINDS:
        assert resources.KINDS[name] is cr.KINDS[name] and resources.DESIRED[name] is cr.DESIRED[name]
    assert set(resources.KINDS) == set(resources.DESIRED)
    assert set(resources.KINDS) <= set(gce_client.KINDS)
    for name in ("health_check", "instance_template", "region_instance_group_manager", "region_autoscaler"):
        assert gce_client.KINDS[name][3] == ("global" if resources.KINDS[name]["scope"] == "global" else "regional")
