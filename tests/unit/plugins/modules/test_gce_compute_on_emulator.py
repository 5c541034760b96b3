# -*- coding: utf-8 -*-
"""gce_health_check, gce_instance_template and gce_instance_group against the collection's Compute Engine
emulator, through their real client (google-cloud-compute over REST, anonymous credentials,
``api_endpoint`` on the emulator, which validates every request against Google's discovery document and
fills the server-side defaults). Results are read back with the official client, not with the modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.modules import (  # noqa: E402
    gce_health_check,
    gce_instance_group,
    gce_instance_template,
    gce_network,
    gce_subnetwork,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail  # noqa: E402
# the check mode -> apply -> check mode -> apply helper of the network modules' tests, and its runner
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.test_gce_on_emulator import (  # noqa: E402
    changed,
    converge,
    run,
)

PROJECT = "meridian-local"
REGION = "europe-west1"
LINK = "https://www.googleapis.com/compute/v1/projects/%s/" % PROJECT


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def ok(url, module, check=False, **args):
    result = run(url, module, check=check, **args)
    assert not isinstance(result, ModuleFail), result.result
    return result.result


def test_health_check_global_and_regional(emulator):
    checks = official(emulator, compute_v1.HealthChecksClient)
    regional = official(emulator, compute_v1.RegionHealthChecksClient)
    args = dict(name="web-http", http_health_check={"port_name": "http", "request_path": "/healthz"},
                check_interval_sec=10, unhealthy_threshold=3)
    planned = converge(emulator, gce_health_check, **args)[0]
    assert planned["diff"]["after"]["httpHealthCheck"] == {"portName": "http", "portSpecification": "USE_NAMED_PORT",
                                                           "requestPath": "/healthz"}
    hc = checks.get(project=PROJECT, health_check="web-http")
    assert (hc.type_, hc.http_health_check.request_path, hc.check_interval_sec, hc.timeout_sec) == (
        "HTTP", "/healthz", 10, 5)

    update = changed(args, check_interval_sec=15, http_health_check={"port_name": "http", "request_path": "/ready"})
    check = ok(emulator, gce_health_check, check=True, **update)
    assert (check["action"], check["changes"]) == ("update", ["check_interval_sec", "http_health_check"])
    assert check["diff"]["before"]["checkIntervalSec"] == 10 and check["diff"]["after"]["checkIntervalSec"] == 15
    assert checks.get(project=PROJECT, health_check="web-http").check_interval_sec == 10
    assert ok(emulator, gce_health_check, **update)["action"] == "update"
    hc = checks.get(project=PROJECT, health_check="web-http")
    assert (hc.check_interval_sec, hc.http_health_check.request_path) == (15, "/ready")
    assert ok(emulator, gce_health_check, check=True, **update)["changed"] is False

    # a change of type: one update, the HTTP block gone
    tcp = changed(args, http_health_check=None, tcp_health_check={"port": 8080}, check_interval_sec=15)
    result = ok(emulator, gce_health_check, **tcp)
    assert result["changes"] == ["tcp_health_check", "type"]
    hc = checks.get(project=PROJECT, health_check="web-http")
    assert (hc.type_, hc.tcp_health_check.port, "http_health_check" in hc) == ("TCP", 8080, False)
    assert ok(emulator, gce_health_check, **tcp)["changed"] is False

    converge(emulator, gce_health_check, name="db-tcp", region=REGION, tcp_health_check={"port": 5432})
    assert regional.get(project=PROJECT, region=REGION, health_check="db-tcp").tcp_health_check.port == 5432

    for extra in ({}, {"region": REGION}):
        name = "db-tcp" if extra else "web-http"
        assert ok(emulator, gce_health_check, check=True, name=name, state="absent", **extra)["action"] == "delete"
        gone = ok(emulator, gce_health_check, name=name, state="absent", **extra)
        assert (gone["action"], gone["diff"]["after"]) == ("delete", {})
        assert ok(emulator, gce_health_check, name=name, state="absent", **extra)["changed"] is False
    assert list(checks.list(project=PROJECT)) == []
    assert list(regional.list(project=PROJECT, region=REGION)) == []


TEMPLATE = dict(name="web", machine_type="e2-standard-2", source_image="projects/debian-cloud/global/images/family/debian-12",
                network="tpl-vpc", subnetwork="regions/%s/subnetworks/tpl-app" % REGION,
                service_account_email="web@meridian-local.iam.gserviceaccount.com", scopes=["cloud-platform"],
                labels={"service": "web"}, tags=["web"])


@pytest.fixture
def network(emulator):
    ok(emulator, gce_network, name="tpl-vpc")
    ok(emulator, gce_subnetwork, name="tpl-app", region=REGION, network="tpl-vpc", ip_cidr_range="10.60.0.0/20")
    yield
    ok(emulator, gce_subnetwork, name="tpl-app", region=REGION, state="absent")
    ok(emulator, gce_network, name="tpl-vpc", state="absent")


def test_instance_template_is_secure_by_default_and_a_change_is_a_new_template(emulator, network):
    templates = official(emulator, compute_v1.InstanceTemplatesClient)
    first = converge(emulator, gce_instance_template, **TEMPLATE)
    name = first[1]["template_name"]
    assert name.startswith("web-") and len(name) == len("web-") + 8
    assert all(r["template_name"] == name for r in first)
    assert first[0]["diff"]["before"] == {} and first[0]["diff"]["after"]["name"] == name
    props = templates.get(project=PROJECT, instance_template=name).properties
    assert (props.shielded_instance_config.enable_secure_boot, props.shielded_instance_config.enable_vtpm,
            props.shielded_instance_config.enable_integrity_monitoring) == (True, True, True)
    assert [(i.key, i.value) for i in props.metadata.items] == [("enable-oslogin", "TRUE")]
    assert list(props.network_interfaces[0].access_configs) == []
    assert props.network_interfaces[0].subnetwork == LINK + "regions/%s/subnetworks/tpl-app" % REGION
    assert (props.service_accounts[0].email, list(props.service_accounts[0].scopes)) == (
        TEMPLATE["service_account_email"], ["https://www.googleapis.com/auth/cloud-platform"])
    assert (dict(props.labels), list(props.tags.items)) == ({"service": "web"}, ["web"])

    # a changed option: a NEW template beside the old one, and the module says so
    bigger = changed(TEMPLATE, machine_type="e2-standard-4")
    check = ok(emulator, gce_instance_template, check=True, **bigger)
    assert (check["action"], check["superseded"]) == ("create", [name])
    second = check["template_name"]
    assert second != name and "would be created" in check["msg"] and name in check["msg"]
    assert [t.name for t in templates.list(project=PROJECT)] == [name]
    created = ok(emulator, gce_instance_template, **bigger)
    assert (created["template_name"], created["action"], created["superseded"]) == (second, "create", [name])
    assert "templates are immutable" in created["msg"]
    assert sorted(t.name for t in templates.list(project=PROJECT)) == sorted([name, second])
    assert ok(emulator, gce_instance_template, **bigger)["changed"] is False

    # an explicit suffix that exists with another content fails naming the option
    ok(emulator, gce_instance_template, name_suffix="v1", **TEMPLATE)
    clash = run(emulator, gce_instance_template, name_suffix="v1", **bigger)
    assert isinstance(clash, ModuleFail) and clash.result["field"] == "name_suffix"

    for full in (name, second, "web-v1"):
        gone = ok(emulator, gce_instance_template, name=full, state="absent")
        assert gone["action"] == "delete"
    assert list(templates.list(project=PROJECT)) == []


def test_instance_group_with_autoscaler_reruns_unchanged_and_rolls_templates(emulator, network):
    groups = official(emulator, compute_v1.RegionInstanceGroupManagersClient)
    igs = official(emulator, compute_v1.RegionInstanceGroupsClient)
    scalers = official(emulator, compute_v1.RegionAutoscalersClient)
    old = ok(emulator, gce_instance_template, **TEMPLATE)["template_name"]
    new = ok(emulator, gce_instance_template, **changed(TEMPLATE, machine_type="e2-standard-4"))["template_name"]
    ok(emulator, gce_health_check, name="mig-hc", http_health_check={"port_name": "http", "request_path": "/healthz"})
    args = dict(name="web", region=REGION, instance_template=old,
                zones=["%s-b" % REGION, "%s-c" % REGION, "%s-d" % REGION], target_shape="EVEN",
                auto_healing={"health_check": "mig-hc", "initial_delay_sec": 180},
                named_ports=[{"name": "http", "port": 8080}],
                autoscaling={"min_replicas": 3, "max_replicas": 12, "cpu_utilization_target": 0.6,
                             "predictive_method": "OPTIMIZE_AVAILABILITY", "cool_down_period_sec": 90,
                             "scaling_schedules": [{"name": "weekday", "schedule": "30 7 * * MON-FRI",
                                                    "duration_sec": 36000, "min_required_replicas": 6,
                                                    "time_zone": "Europe/Paris"}]})
    planned = converge(emulator, gce_instance_group, **args)[0]
    assert planned["diff"]["after"]["autoscaler"]["autoscalingPolicy"]["cpuUtilization"] == {
        "utilizationTarget": 0.6, "predictiveMethod": "OPTIMIZE_AVAILABILITY"}
    group = groups.get(project=PROJECT, region=REGION, instance_group_manager="web")
    assert group.target_size == 3
    assert sorted(z.zone.rsplit("/", 1)[1] for z in group.distribution_policy.zones) == [
        "%s-b" % REGION, "%s-c" % REGION, "%s-d" % REGION]
    assert (group.auto_healing_policies[0].health_check, group.auto_healing_policies[0].initial_delay_sec) == (
        LINK + "global/healthChecks/mig-hc", 180)
    assert [(p.name, p.port) for p in igs.get(project=PROJECT, region=REGION, instance_group="web").named_ports] == [
        ("http", 8080)]
    scaler = scalers.get(project=PROJECT, region=REGION, autoscaler="web")
    policy = scaler.autoscaling_policy
    assert (policy.min_num_replicas, policy.max_num_replicas, policy.cool_down_period_sec) == (3, 12, 90)
    assert policy.cpu_utilization.predictive_method == "OPTIMIZE_AVAILABILITY"
    assert policy.scaling_schedules["weekday"].min_required_replicas == 6
    assert scaler.target == group.self_link

    # the autoscaler moved the size: not a change (it owns the size once it exists)
    groups.resize(project=PROJECT, region=REGION, instance_group_manager="web", size=7).result(timeout=10)
    assert ok(emulator, gce_instance_group, **args)["changed"] is False

    # a new template: setInstanceTemplate on the same group, never a recreation
    group_id = group.id
    rolled = changed(args, instance_template=new)
    check = ok(emulator, gce_instance_group, check=True, **rolled)
    assert (check["action"], check["changes"]) == ("update", ["instance_template"])
    assert check["diff"]["before"]["instanceGroupManager"]["instanceTemplate"].endswith("/" + old)
    assert check["diff"]["after"]["instanceGroupManager"]["instanceTemplate"].endswith("/" + new)
    result = ok(emulator, gce_instance_group, **rolled)
    assert (result["action"], result["calls"]) == ("update", ["set_instance_template"])
    group = groups.get(project=PROJECT, region=REGION, instance_group_manager="web")
    assert (group.id, group.instance_template, group.target_size) == (
        group_id, LINK + "global/instanceTemplates/" + new, 7)
    assert [v.instance_template for v in group.versions] == [LINK + "global/instanceTemplates/" + new]
    assert ok(emulator, gce_instance_group, check=True, **rolled)["changed"] is False

    # the template in use is never deleted; the old one now is not in use
    in_use = run(emulator, gce_instance_template, name=new, state="absent")
    assert isinstance(in_use, ModuleFail) and in_use.result["field"] == "name"
    assert "projects/%s/regions/%s/instanceGroupManagers/web" % (PROJECT, REGION) in in_use.result["msg"]

    # autoscaler, named ports and auto-healing updated in place
    tuned = changed(rolled, named_ports=[{"name": "http", "port": 8080}, {"name": "metrics", "port": 9100}],
                    auto_healing={"health_check": "mig-hc", "initial_delay_sec": 240},
                    autoscaling={"min_replicas": 2, "max_replicas": 20, "lb_utilization_target": 0.7,
                                 "keep_forecast": False})
    result = ok(emulator, gce_instance_group, **tuned)
    assert (result["changes"], result["autoscaler_action"]) == (["auto_healing", "autoscaling", "named_ports"], "update")
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="web").autoscaling_policy
    assert (policy.min_num_replicas, policy.max_num_replicas, policy.load_balancing_utilization.utilization_target) == (
        2, 20, 0.7)
    assert "cpu_utilization" not in policy and dict(policy.scaling_schedules) == {}
    assert [p.name for p in igs.get(project=PROJECT, region=REGION, instance_group="web").named_ports] == [
        "http", "metrics"]
    for check_mode in (True, False):
        assert ok(emulator, gce_instance_group, check=check_mode, **tuned)["changed"] is False

    moved = run(emulator, gce_instance_group, **changed(tuned, zones=["%s-b" % REGION]))
    assert isinstance(moved, ModuleFail) and moved.result["field"] == "zones"

    assert ok(emulator, gce_instance_group, check=True, name="web", region=REGION, state="absent")["action"] == "delete"
    assert ok(emulator, gce_instance_group, name="web", region=REGION, state="absent")["action"] == "delete"
    assert ok(emulator, gce_instance_group, name="web", region=REGION, state="absent")["changed"] is False
    assert list(groups.list(project=PROJECT, region=REGION)) == []
    assert list(scalers.list(project=PROJECT, region=REGION)) == []
    for name in (old, new):
        ok(emulator, gce_instance_template, name=name, state="absent")
    ok(emulator, gce_health_check, name="mig-hc", state="absent")


@pytest.mark.parametrize("module, args, field, listing", [
    (gce_instance_group, dict(name="web", region=REGION, instance_template="t",
                              autoscaling={"max_replicas": 5, "predictive_method": "OPTIMIZE_AVAILABILITY"}),
     "autoscaling.predictive_method", ("RegionInstanceGroupManagersClient", {"region": REGION})),
    (gce_health_check, dict(name="hc", http_health_check={"port": 80}, check_interval_sec=5, timeout_sec=6),
     "timeout_sec", ("HealthChecksClient", {})),
    (gce_instance_template, dict(TEMPLATE, metadata={"enable-oslogin": "FALSE"}), "metadata",
     ("InstanceTemplatesClient", {})),
])
def test_invalid_option_fails_before_any_request(emulator, module, args, field, listing):
    """The emulator would answer; the module fails first, naming the option, and nothing is created."""
    result = run(emulator, module, **args)
    assert isinstance(result, ModuleFail)
    assert result.result["field"] == field
    client, where = listing
    assert list(official(emulator, getattr(compute_v1, client)).list(project=PROJECT, **where)) == []
