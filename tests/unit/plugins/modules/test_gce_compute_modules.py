# -*- coding: utf-8 -*-
"""gce_health_check, gce_instance_template and gce_instance_group with the client faked (the boundary):
check mode, diff, idempotence, the calls made, and invalid options failing before any client is built."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gce as gce_client  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_health_check,
    gce_instance_group,
    gce_instance_template,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

PROJECT = "meridian-test"
REGION = "europe-west1"
LINK = "https://www.googleapis.com/compute/v1/projects/%s/" % PROJECT
_WHERE = {"health_check": "global/healthChecks", "region_health_check": "regions/%s/healthChecks",
          "instance_template": "global/instanceTemplates",
          "region_instance_group_manager": "regions/%s/instanceGroupManagers",
          "region_instance_group": "regions/%s/instanceGroups", "region_autoscaler": "regions/%s/autoscalers"}


def _full(value):
    """A partial URL as the API returns it (a full URL)."""
    return value if value.startswith("https://") else LINK + value.split(PROJECT + "/", 1)[-1]


class FakeGce:
    """An in-memory Compute Engine behind the client's interface, filling what the API fills."""

    def __init__(self):
        self.store = {}
        self.calls = []
        self.serial = 0

    def _link(self, kind, name):
        where = _WHERE[kind] % REGION if "%s" in _WHERE[kind] else _WHERE[kind]
        return LINK + where + "/" + name

    def _stamp(self, kind, body):
        self.serial += 1
        body = copy.deepcopy(body)
        body.update(id=str(1000 + self.serial), selfLink=self._link(kind, body["name"]))
        if kind.endswith("health_check"):
            for key, value in (("checkIntervalSec", 5), ("timeoutSec", 5), ("healthyThreshold", 2),
                               ("unhealthyThreshold", 2)):
                body.setdefault(key, value)
            for block in ("httpHealthCheck", "tcpHealthCheck", "httpsHealthCheck"):
                if block in body:
                    body[block].setdefault("proxyHeader", "NONE")
        if kind == "region_instance_group_manager":
            body["fingerprint"] = "fp%d=" % self.serial
            body["instanceTemplate"] = _full(body["instanceTemplate"])
            policy = body.setdefault("distributionPolicy", {})
            policy.setdefault("zones", [{"zone": LINK + "zones/%s-%s" % (REGION, z)} for z in "abc"])
            policy.setdefault("targetShape", "EVEN")
            for heal in body.get("autoHealingPolicies", []):
                heal["healthCheck"] = _full(heal["healthCheck"])
        if kind == "region_autoscaler":
            body["target"] = _full(body["target"])
            policy = body["autoscalingPolicy"]
            policy.setdefault("coolDownPeriodSec", 60)
            policy.setdefault("mode", "ON")
            body["status"] = "ACTIVE"
        return body

    def get(self, kind, name, region=None):
        self.calls.append(("get", kind, name))
        return copy.deepcopy(self.store.get((kind, name)))

    def insert(self, kind, body, region=None):
        self.calls.append(("insert", kind, body["name"]))
        assert (kind, body["name"]) not in self.store, "alreadyExists"
        self.store[(kind, body["name"])] = self._stamp(kind, body)
        if kind == "region_instance_group_manager":
            self.store[("region_instance_group", body["name"])] = {"name": body["name"], "fingerprint": "ig0=",
                                                                   "namedPorts": []}

    def patch(self, kind, name, body, region=None):
        self.calls.append(("patch", kind, name))
        current = self.store[(kind, name)]
        if "fingerprint" in current:
            assert body.get("fingerprint") == current["fingerprint"], "stale fingerprint"
        current.update((k, copy.deepcopy(v)) for k, v in body.items() if k != "fingerprint")

    def update(self, kind, name, body, region=None):
        self.calls.append(("update", kind, name))
        old = self.store[(kind, name)]
        new = self._stamp(kind, body)
        new["id"] = old["id"]
        self.store[(kind, name)] = new

    def delete(self, kind, name, region=None):
        self.calls.append(("delete", kind, name))
        del self.store[(kind, name)]

    def list(self, kind, region=None, filter_expression=None):
        self.calls.append(("list", kind, filter_expression))
        import re
        pattern = filter_expression.split(" eq ", 1)[1].strip("\"") if filter_expression else ".*"
        return [copy.deepcopy(v) for (k, n), v in sorted(self.store.items()) if k == kind and re.fullmatch(pattern, n)]

    def instance_group_managers(self):
        self.calls.append(("list", "instance_group_managers", None))
        return [copy.deepcopy(v) for (k, n), v in sorted(self.store.items()) if k == "region_instance_group_manager"]

    def set_instance_template(self, kind, name, value, region=None):
        self.calls.append(("set_instance_template", kind, name))
        self.store[(kind, name)]["instanceTemplate"] = _full(value)

    def resize(self, kind, name, value, region=None):
        self.calls.append(("resize", kind, name))
        self.store[(kind, name)]["targetSize"] = value

    def set_named_ports(self, kind, name, ports, fingerprint, region=None):
        self.calls.append(("set_named_ports", kind, name))
        group = self.store[(kind, name)]
        assert fingerprint == group["fingerprint"], "stale fingerprint"
        group.update(namedPorts=copy.deepcopy(ports), fingerprint="ig%d=" % len(self.calls))

    def writes(self):
        return [c for c in self.calls if c[0] not in ("get", "list")]


@pytest.fixture
def fake(monkeypatch):
    api = FakeGce()
    monkeypatch.setattr(gce_client.GceClient, "from_params", classmethod(lambda cls, params, options=None: api))
    return api


def run(module, check=False, **args):
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args), check=check, diff=True)
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def fail(module, **args):
    result = run_module(module, dict({"project": PROJECT, "auth_kind": "none"}, **args))
    assert isinstance(result, ModuleFail), result.result
    return result.result


def changed(base, **values):
    out = dict(base)
    out.update(values)
    return out


def converge(module, fake, **args):
    """check mode, apply, check mode again, apply again: the four results; only the apply wrote."""
    writes = len(fake.writes())
    planned = run(module, check=True, **args)
    assert len(fake.writes()) == writes
    applied = run(module, **args)
    assert len(fake.writes()) > writes
    before = len(fake.writes())
    again_check = run(module, check=True, **args)
    again = run(module, **args)
    assert len(fake.writes()) == before
    assert [r["changed"] for r in (planned, applied, again_check, again)] == [True, True, False, False]
    return planned, applied, again_check, again


def test_health_check_converges_and_a_type_change_is_one_put(fake):
    args = dict(name="web", http_health_check={"port": 8080, "request_path": "/healthz"}, timeout_sec=3)
    planned, applied, _c, again = converge(gce_health_check, fake, **args)
    assert planned["changes"] == ["http_health_check", "timeout_sec", "type"]
    assert fake.store[("health_check", "web")]["httpHealthCheck"] == {
        "port": 8080, "portSpecification": "USE_FIXED_PORT", "requestPath": "/healthz", "proxyHeader": "NONE"}
    assert again["diff"]["before"] == again["diff"]["after"]

    result = run(gce_health_check, **changed(args, http_health_check=None, tcp_health_check={"port": 8080}))
    assert (result["changes"], fake.writes()[-1]) == (["tcp_health_check", "type"], ("update", "health_check", "web"))
    stored = fake.store[("health_check", "web")]
    assert (stored["type"], "httpHealthCheck" in stored, stored["timeoutSec"]) == ("TCP", False, 3)

    regional = run(gce_health_check, name="web", region=REGION, tcp_health_check={"port": 443})
    assert regional["action"] == "create" and ("region_health_check", "web") in fake.store


TEMPLATE = dict(name="web", machine_type="e2-standard-2", source_image="projects/debian-cloud/global/images/family/debian-12",
                network="vpc", subnetwork="regions/europe-west1/subnetworks/app")


def test_template_is_named_by_content_and_a_change_makes_a_new_one(fake):
    planned, applied, _c, again = converge(gce_instance_template, fake, **TEMPLATE)
    name = applied["template_name"]
    assert planned["template_name"] == name == again["template_name"]
    props = fake.store[("instance_template", name)]["properties"]
    assert props["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableVtpm": True,
                                               "enableIntegrityMonitoring": True}
    assert props["metadata"]["items"] == [{"key": "enable-oslogin", "value": "TRUE"}]
    assert "accessConfigs" not in props["networkInterfaces"][0] and props["serviceAccounts"] == []

    # the same content written differently (a selfLink, an alias) is the same template
    same = changed(TEMPLATE, network=LINK + "global/networks/vpc",
                   source_image="https://www.googleapis.com/compute/v1/projects/debian-cloud/global/images/family/debian-12")
    assert run(gce_instance_template, **same)["template_name"] == name

    external = changed(TEMPLATE, external_ip=True)
    check = run(gce_instance_template, check=True, **external)
    assert (check["action"], check["superseded"]) == ("create", [name])
    writes = len(fake.writes())
    created = run(gce_instance_template, **external)
    assert created["template_name"] not in (name,) and created["superseded"] == [name]
    assert fake.writes()[writes:] == [("insert", "instance_template", created["template_name"])]  # nothing deleted
    assert fake.store[("instance_template", created["template_name"])]["properties"]["networkInterfaces"][0][
        "accessConfigs"] == [{"type": "ONE_TO_ONE_NAT", "networkTier": "PREMIUM"}]
    assert ("instance_template", name) in fake.store


def test_template_suffix_clash_fails_and_one_in_use_is_not_deleted(fake):
    run(gce_instance_template, name_suffix="v1", **TEMPLATE)
    clash = fail(gce_instance_template, name_suffix="v1", **changed(TEMPLATE, machine_type="e2-standard-4"))
    assert clash["field"] == "name_suffix" and "immutable" in clash["msg"]
    run(gce_instance_group, name="web", region=REGION, instance_template="web-v1", target_size=2)
    refused = fail(gce_instance_template, name="web", name_suffix="v1", state="absent")
    assert refused["field"] == "name" and "instanceGroupManagers/web" in refused["msg"]
    assert ("instance_template", "web-v1") in fake.store
    assert not [c for c in fake.calls if c[0] == "delete"]


GROUP = dict(name="web", region=REGION, instance_template="web-v1", zones=["europe-west1-b", "europe-west1-c"],
             auto_healing={"health_check": "web-http", "initial_delay_sec": 120},
             named_ports=[{"name": "http", "port": 8080}],
             autoscaling={"min_replicas": 2, "max_replicas": 10, "cpu_utilization_target": 0.65,
                          "predictive_method": "OPTIMIZE_AVAILABILITY"})


def test_group_with_autoscaler_converges_and_a_new_template_is_set_not_recreated(fake):
    planned, applied, _c, _again = converge(gce_instance_group, fake, **GROUP)
    assert planned["changes"] == ["auto_healing", "autoscaling", "instance_template", "named_ports", "zones"]
    stored = fake.store[("region_instance_group_manager", "web")]
    assert stored["targetSize"] == 2
    assert fake.store[("region_instance_group", "web")]["namedPorts"] == [{"name": "http", "port": 8080}]
    assert fake.store[("region_autoscaler", "web")]["autoscalingPolicy"]["cpuUtilization"] == {
        "utilizationTarget": 0.65, "predictiveMethod": "OPTIMIZE_AVAILABILITY"}

    fake.store[("region_instance_group_manager", "web")]["targetSize"] = 8  # the autoscaler's doing
    assert run(gce_instance_group, **GROUP)["changed"] is False

    writes = len(fake.writes())
    rolled = run(gce_instance_group, **changed(GROUP, instance_template="web-v2"))
    assert (rolled["changes"], rolled["calls"]) == (["instance_template"], ["set_instance_template"])
    assert fake.writes()[writes:] == [("set_instance_template", "region_instance_group_manager", "web")]
    assert rolled["resource"]["target_size"] == 8

    off = run(gce_instance_group, **changed(GROUP, instance_template="web-v2", autoscaling={"enabled": False}))
    assert (off["autoscaler_action"], off["changes"]) == ("delete", ["autoscaling"])
    assert ("region_autoscaler", "web") not in fake.store
    # without an autoscaler the size is the module's again
    resized = run(gce_instance_group, **changed(GROUP, instance_template="web-v2", autoscaling=None, target_size=4))
    assert (resized["changes"], fake.writes()[-1][0]) == (["target_size"], "resize")

    gone = run(gce_instance_group, name="web", region=REGION, state="absent")
    assert gone["action"] == "delete" and ("region_instance_group_manager", "web") not in fake.store


def test_group_deletes_its_autoscaler_first(fake):
    run(gce_instance_group, **GROUP)
    run(gce_instance_group, name="web", region=REGION, state="absent")
    deletes = [c[1] for c in fake.calls if c[0] == "delete"]
    assert deletes == ["region_autoscaler", "region_instance_group_manager"]


@pytest.mark.parametrize("module, args, field", [
    (gce_health_check, {"name": "hc"}, "http_health_check"),
    (gce_health_check, {"name": "hc", "tcp_health_check": {"port": 80}, "http_health_check": {"port": 80}},
     "http_health_check"),
    (gce_health_check, {"name": "hc", "http_health_check": {"port": 80}, "timeout_sec": 10}, "timeout_sec"),
    (gce_health_check, {"name": "hc", "tcp_health_check": {"port": 70000}}, "tcp_health_check.port"),
    (gce_health_check, {"name": "hc", "https_health_check": {"request_path": "healthz"}},
     "https_health_check.request_path"),
    (gce_health_check, {"name": "hc", "region": "Europe", "tcp_health_check": {"port": 80}}, "region"),
    (gce_instance_template, dict(TEMPLATE, machine_type=None), "machine_type"),
    (gce_instance_template, dict(TEMPLATE, subnetwork="app"), "subnetwork"),
    (gce_instance_template, dict(TEMPLATE, scopes=["cloud-platform"]), "scopes"),
    (gce_instance_template, dict(TEMPLATE, metadata={"enable-oslogin": "FALSE"}), "metadata"),
    (gce_instance_template, dict(TEMPLATE, name_suffix="V1"), "name_suffix"),
    (gce_instance_template, dict(TEMPLATE, shielded_vm={"vtpm": False}), "shielded_vm.integrity_monitoring"),
    (gce_instance_group, dict(GROUP, zones=["us-east1-b"]), "zones"),
    (gce_instance_group, dict(GROUP, autoscaling=None), "target_size"),
    (gce_instance_group, dict(GROUP, autoscaling={"max_replicas": 2, "min_replicas": 3}), "autoscaling.min_replicas"),
    (gce_instance_group, dict(GROUP, autoscaling={"max_replicas": 2, "cpu_utilization_target": 60}),
     "autoscaling.cpu_utilization_target"),
    (gce_instance_group, dict(GROUP, autoscaling={"max_replicas": 4, "scaling_schedules": [
        {"name": "s", "schedule": "every morning", "duration_sec": 600, "min_required_replicas": 2}]}),
     "autoscaling.scaling_schedules[0].schedule"),
    (gce_instance_group, dict(GROUP, named_ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}]),
     "named_ports[1].name"),
])
def test_invalid_option_fails_before_any_api_call_naming_the_option(monkeypatch, module, args, field):
    built = []
    monkeypatch.setattr(gce_client.GceClient, "from_params",
                        classmethod(lambda cls, params, options=None: built.append(params) or FakeGce()))
    result = fail(module, **args)
    assert result["field"] == field
    assert result["msg"].startswith(field + ":")
    assert built == []


def test_group_keeps_the_floor_and_schedules_the_forecast_set_unless_told_not_to(fake):
    run(gce_instance_group, **GROUP)
    policy = fake.store[("region_autoscaler", "web")]["autoscalingPolicy"]
    forecast = {"minRequiredReplicas": 7, "schedule": "0 11 1 12 *", "timeZone": "UTC", "durationSec": 1800,
                "disabled": False}
    policy.update(minNumReplicas=5, scalingSchedules={"meridian-forecast-20261201t110000z": forecast})
    assert run(gce_instance_group, **GROUP)["changed"] is False
    # a raised floor above a lowered ceiling is brought down to it
    lower = run(gce_instance_group, **changed(GROUP, autoscaling=dict(GROUP["autoscaling"], max_replicas=4)))
    assert lower["autoscaler"]["autoscaling_policy"]["min_num_replicas"] == 4
    assert "meridian-forecast-20261201t110000z" in fake.store[("region_autoscaler", "web")]["autoscalingPolicy"][
        "scalingSchedules"]
    exact = run(gce_instance_group, **changed(GROUP, autoscaling=dict(GROUP["autoscaling"], keep_forecast=False)))
    assert exact["changes"] == ["autoscaling"]
    policy = fake.store[("region_autoscaler", "web")]["autoscalingPolicy"]
    assert (policy["minNumReplicas"], policy.get("scalingSchedules")) == (2, None)
    named = fail(gce_instance_group, **changed(GROUP, autoscaling=dict(GROUP["autoscaling"], scaling_schedules=[
        {"name": "meridian-forecast-x", "schedule": "0 7 * * *", "duration_sec": 600, "min_required_replicas": 3}])))
    assert named["field"] == "autoscaling.scaling_schedules[0].name"
