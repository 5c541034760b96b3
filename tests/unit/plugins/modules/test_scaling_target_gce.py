# -*- coding: utf-8 -*-
"""scaling_target with provider gce_mig on the collection's Compute Engine emulator: the group and its
autoscaler made by gce_instance_group, the forecast applied as the autoscaler's floor and scaling
schedules, read back with the official client; no AWS anywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_instance_group,
    gce_instance_template,
    gce_network,
    scaling_target,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
PROJECT = "meridian-local"
REGION = "europe-west1"


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _decision(target=5, schedule=((0, 5), (60, 8), (120, 4))):
    return {"service": "web", "ok": True, "action": "scale_up", "current_capacity": 2, "target_capacity": target,
            "min_capacity": 2, "max_capacity": 12,
            "schedule": [{"time": _iso(NOW + datetime.timedelta(minutes=m)), "capacity": c} for m, c in schedule]}


@pytest.fixture(autouse=True)
def no_aws(monkeypatch):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)

    def client(self, *args, **kwargs):
        raise AssertionError("gce_mig asked for an AWS client")

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    monkeypatch.setattr(scaling_target, "_utcnow", lambda: NOW)


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def _gce(url, module, **args):
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none", "api_endpoint": url}, **args))
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def _scale(url, check=False, **args):
    base = {"provider": "gce_mig", "name": "web", "decision": _decision(),
            "gce": {"project": PROJECT, "region": REGION, "auth_kind": "none", "api_endpoint": url}}
    return run_module(scaling_target, dict(base, **args), check=check, diff=True)


def test_forecast_becomes_the_floor_and_schedules_and_provisioning_keeps_them(emulator):
    scalers = official(emulator, compute_v1.RegionAutoscalersClient)
    _gce(emulator, gce_network, name="scale-vpc")
    template = _gce(emulator, gce_instance_template, name="web", machine_type="e2-small", network="scale-vpc",
                    source_image="projects/debian-cloud/global/images/family/debian-12")["template_name"]
    group = dict(name="web", region=REGION, instance_template=template,
                 autoscaling={"min_replicas": 2, "max_replicas": 12, "cpu_utilization_target": 0.6,
                              "predictive_method": "OPTIMIZE_AVAILABILITY"})
    _gce(emulator, gce_instance_group, **group)

    planned = _scale(emulator, check=True).result
    assert (planned["changed"], planned["autoscaler"]["before"], planned["autoscaler"]["after"]) == (True, 2, 5)
    assert planned["diff"]["before"]["min_size"] == 2 and planned["diff"]["after"]["min_size"] == 5
    assert scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy.min_num_replicas == 2

    applied = _scale(emulator).result
    assert applied["changed"] is True and applied["pending_steps"] == [{"time": "2026-12-01T11:00:00Z", "capacity": 8}]
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy
    assert (policy.min_num_replicas, policy.max_num_replicas) == (5, 12)
    step = policy.scaling_schedules["meridian-forecast-20261201t110000z"]
    assert (step.min_required_replicas, step.schedule, step.duration_sec, step.time_zone) == (8, "0 11 1 12 *", 3600, "UTC")
    assert policy.cpu_utilization.predictive_method == "OPTIMIZE_AVAILABILITY"

    for check in (True, False):
        again = _scale(emulator, check=check).result
        assert (again["changed"], again["operations"]) == (False, [])
    preview = _scale(emulator, mode="ForecastOnly", decision=_decision(target=3)).result
    assert (preview["changed"], preview["would_change"]) == (False, True)
    assert scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy.min_num_replicas == 5

    # provisioning again: the floor the forecast raised and its schedule stay
    rerun = _gce(emulator, gce_instance_group, **group)
    assert rerun["changed"] is False
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy
    assert (policy.min_num_replicas, sorted(policy.scaling_schedules)) == (5, ["meridian-forecast-20261201t110000z"])

    # a later, lower forecast lowers the floor and drops the schedule it no longer wants
    lower = _scale(emulator, decision=_decision(target=3, schedule=((0, 3), (60, 3)))).result
    assert (lower["autoscaler"]["after"], lower["stale_scheduled_actions"]) == (
        3, ["meridian-forecast-20261201t110000z"])
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy
    assert (policy.min_num_replicas, dict(policy.scaling_schedules)) == (3, {})

    _gce(emulator, gce_instance_group, name="web", region=REGION, state="absent")
    _gce(emulator, gce_instance_template, name=template, state="absent")
    _gce(emulator, gce_network, name="scale-vpc", state="absent")


def test_a_group_without_autoscaler_and_bad_options_fail_naming_the_option(emulator):
    missing = _scale(emulator, name="nothing-here")
    assert isinstance(missing, ModuleFail) and missing.result["field"] == "name"
    assert "has no autoscaler" in missing.result["msg"]
    bad = _scale(emulator, gce={"project": PROJECT, "region": "Europe", "auth_kind": "none", "api_endpoint": emulator})
    assert isinstance(bad, ModuleFail) and bad.result["field"] == "gce.region"
    refused = _scale(emulator, predictive_policy={"target_value": 50})
    assert isinstance(refused, ModuleFail) and refused.result["field"] == "predictive_policy"
