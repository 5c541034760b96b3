# -*- coding: utf-8 -*-
"""The compute role's gcp side (after the network role, in the same play) through ansible-playbook on the
Compute Engine emulator, two regions at once: a service without gcp.machine_type fails in preflight before
any API call; apply, then in the same run the scale job's play (the predictive_scaling role's read of the
groups, read_gcp.yml, and the autoscaler's floor), read back with the official client (health checks,
templates, groups with their named port and autoscaler, backend services with a backend per region);
--check --diff on that (changed=0: compute keeps the floor scaling set). A second real run and the
autoscaler's own floor are the gcp Molecule scenario's idempotence and verify steps; teardown is its
cleanup (which reads back that nothing is left)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import os
import re
import time

import pytest
import yaml

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.roles.playbook_run import run_playbook  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "compute_gcp.yml")
INVENTORY = os.path.join(HERE, "fixtures", "compute_gcp", "hosts.yml")
PROJECT = "meridian-computetest"
NAME = "meridian-computetest"
REGIONS = ("europe-west1", "us-east1")
HOSTS = dict(("gcp-" + region, region) for region in REGIONS)


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra, **kwargs):
    return run_playbook(PLAYBOOK, INVENTORY, list(HOSTS), {"gce_endpoint": url}, extra, fails=kwargs.get("fails", False))


def shown(out, prefix):
    """The JSON each host's debug task printed after ``prefix`` (ansible's YAML callback wraps long lines)."""
    found = {}
    for host, text in re.findall(r"ok: \[(gcp-\S+)\] => \n\s+msg: '%s (.*?)'\n(?=\S|\n)" % prefix, out, re.S):
        found[host] = json.loads(re.sub(r"\s*\n\s*", " ", text).replace("''", "'"))
    return found


def scale_vars(tmp_path):
    """The scale run's extra vars: the fixture's catalogue with two weeks of a daily load curve inline (web
    150..450 requests/s) instead of its PromQL query, ending now (so the forecast steps lie ahead)."""
    with open(INVENTORY) as handle:
        services = yaml.safe_load(handle)["all"]["vars"]["meridian_services"]
    end = int(time.time()) // 900 * 900
    series = [[t, round(300 + 150 * math.sin(2 * math.pi * t / 86400), 3)] for t in range(end - 14 * 86400, end + 1, 900)]
    for service in services:
        for dimension in service.get("scaling", {}).get("dimensions", []):
            dimension.pop("query")
            dimension["series"] = series
    path = tmp_path / "scale.json"
    path.write_text(json.dumps({"read_scaling": True, "scale_catalogue": services, "scale_end_time": end}))
    return str(path)


def everything(url):
    """What the project holds of both roles."""
    out = {
        "networks": [n.name for n in official(url, compute_v1.NetworksClient).list(project=PROJECT)],
        "health_checks": dict((h.name, h) for h in official(url, compute_v1.HealthChecksClient).list(project=PROJECT)),
        "backend_services": dict((b.name, b) for b in official(url, compute_v1.BackendServicesClient).list(project=PROJECT)),
        "templates": dict((t.name, t) for t in official(url, compute_v1.InstanceTemplatesClient).list(project=PROJECT)),
    }
    for region in REGIONS:
        out["groups/" + region] = dict(
            (g.name, g) for g in official(url, compute_v1.RegionInstanceGroupManagersClient).list(project=PROJECT, region=region))
        out["autoscalers/" + region] = dict(
            (a.name, a) for a in official(url, compute_v1.RegionAutoscalersClient).list(project=PROJECT, region=region))
        out["subnetworks/" + region] = [
            s.name for s in official(url, compute_v1.SubnetworksClient).list(project=PROJECT, region=region)]
    return out


def test_compute_on_two_gcp_regions(emulator, tmp_path):
    # a service without its machine type: the catalogue check names it, before any API call of either role
    services = [{"name": "web", "port": 8080, "health_path": "/healthz", "data_class": "operational",
                 "capacity": {"min": 1, "max": 2, "initial": 1}, "scaling": {"strategy": "static"},
                 "gcp": {"machine_type": "e2-small"}},
                {"name": "api", "port": 8081, "health_path": "/api/healthz", "data_class": "operational",
                 "capacity": {"min": 1, "max": 2, "initial": 1}, "scaling": {"strategy": "static"}}]
    out = playbook(emulator, "-e", json.dumps({"meridian_services": services}), fails=True)
    assert "meridian_services[api].gcp.machine_type" in out and "e2-small" in out
    assert "Build the network" not in out
    assert everything(emulator)["networks"] == []

    # apply, then the scale job (predictive_scaling, the history inline): the scaled service's group is
    # read (web only: api is static) and its autoscaler's floor set by gce_mig
    changed, out = playbook(emulator, "-e", "@" + scale_vars(tmp_path))
    # the recap counts tasks: per region the subnetwork, router, templates and groups; the global network,
    # rule, health checks and backend services by whichever host made them first
    assert all(count >= 4 for count in changed.values()) and sum(changed.values()) >= 12, changed
    scaled = shown(out, "scaled")
    built = everything(emulator)
    for service, port, path in (("web", 8080, "/healthz"), ("api", 8081, "/api/healthz")):
        check = built["health_checks"]["%s-%s" % (NAME, service)]
        assert (check.type_, check.http_health_check.port, check.http_health_check.request_path) == ("HTTP", port, path)
        backend = built["backend_services"]["%s-%s" % (NAME, service)]
        assert (backend.load_balancing_scheme, backend.protocol, backend.port_name) == ("EXTERNAL_MANAGED", "HTTP", service)
        assert [h.rsplit("/", 1)[-1] for h in backend.health_checks] == [check.name]
        assert sorted(b.group.split("/projects/", 1)[-1] for b in backend.backends) == [
            "%s/regions/%s/instanceGroups/%s-%s" % (PROJECT, region, NAME, service) for region in REGIONS]
        assert {b.balancing_mode for b in backend.backends} == {"UTILIZATION"}
        assert backend.log_config.enable is True and not backend.enable_c_d_n
    assert len(built["templates"]) == 4
    for region in REGIONS:
        (web_template,) = [t for n, t in built["templates"].items() if n.startswith("%s-%s-web-" % (NAME, region))]
        props = web_template.properties
        assert props.machine_type == "e2-small"
        assert props.shielded_instance_config.enable_secure_boot and props.shielded_instance_config.enable_vtpm
        assert {i.key: i.value for i in props.metadata.items}["enable-oslogin"] == "TRUE"
        (nic,) = props.network_interfaces
        assert list(nic.access_configs) == [] and nic.subnetwork.endswith("/regions/%s/subnetworks/%s-%s" % (region, NAME, region))
        assert list(props.tags.items) == [NAME + "-app"]
        assert props.disks[0].initialize_params.source_image.endswith("projects/debian-cloud/global/images/family/debian-12")
        groups, autoscalers = built["groups/" + region], built["autoscalers/" + region]
        web, api = groups[NAME + "-web"], groups[NAME + "-api"]
        assert web.instance_template.endswith("/" + web_template.name)
        groups_client = official(emulator, compute_v1.RegionInstanceGroupsClient)
        for service, port in (("web", 8080), ("api", 8081)):
            group = groups_client.get(project=PROJECT, region=region, instance_group="%s-%s" % (NAME, service))
            assert [(p.name, p.port) for p in group.named_ports] == [(service, port)]
        assert (web.target_size, api.target_size) == (2, 1)
        (healing,) = web.auto_healing_policies
        assert healing.health_check.endswith("/global/healthChecks/%s-web" % NAME) and healing.initial_delay_sec == 120
        # web is scaled (hybrid, CPU 50 %): an autoscaler, its floor the scale job's decision, its ceiling
        # the catalogue's; api is static: none, held at its initial size
        assert list(autoscalers) == [NAME + "-web"]
        assert scaled["gcp-" + region]["current"] == {NAME + "-web": 2}
        decided = scaled["gcp-" + region]["decided"]["web"]
        assert 1 <= decided <= 4 and list(scaled["gcp-" + region]["decided"]) == ["web"]
        policy = autoscalers[NAME + "-web"].autoscaling_policy
        assert (policy.min_num_replicas, policy.max_num_replicas) == (decided, 4)
        assert policy.cpu_utilization.utilization_target == 0.5
        assert policy.cpu_utilization.predictive_method == "OPTIMIZE_AVAILABILITY"
    published = shown(out, "published")
    assert published["gcp-us-east1"] == {
        "backend_services": {"web": NAME + "-web", "api": NAME + "-api"},
        "instance_groups": dict((s, "projects/%s/regions/us-east1/instanceGroups/%s-%s" % (PROJECT, NAME, s))
                                for s in ("web", "api"))}

    # the converged estate under --check --diff: compute keeps the floor scaling set (and its schedules)
    checked, out = playbook(emulator, "--check", "--diff")
    assert checked == {"gcp-europe-west1": 0, "gcp-us-east1": 0}
    assert "+++" not in out
    # teardown (nothing left, read back with the official client) is the gcp Molecule scenario's cleanup
