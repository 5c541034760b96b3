# -*- coding: utf-8 -*-
"""k8s_manifests: render -> keep -> validate everything -> gitops files (or apply: manifests only).

The flow is tested with small stand-ins for the builders, the cluster settings, the catalogue and the
kept fields (their own tests are in tests/unit/plugins/module_utils/k8s/); the last test runs the real
ones end to end when they are installed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import importlib
import os
import sys
import types

import pytest

pytest.importorskip("kubernetes_validate")
pytest.importorskip("jsonschema")

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (  # noqa: E402
    ModuleFail,
    run_module,
)

K8S = "ansible_collections.meridian.global_infra.plugins.module_utils.k8s."
# Builders and settings that live beside this module; a stand-in is registered only where one is missing.
REAL = {}
for _name, _function in (("cluster", "cluster_settings"), ("keep", "keep_owned_fields"),
                         ("workloads", "manifests_for")):
    try:
        REAL[_name] = getattr(importlib.import_module(K8S + _name), _function)
    except (ImportError, AttributeError):
        _stub = types.ModuleType(K8S + _name)
        setattr(_stub, _function, None)
        sys.modules[K8S + _name] = _stub

from ansible_collections.meridian.global_infra.plugins.modules import k8s_manifests  # noqa: E402

PROJECT, ENV, REGION = "meridian", "local", "eu-west-1"
CLUSTER_NAME, NS = "local-eu-west-1", "meridian-local"
DIR = "%s/%s" % (CLUSTER_NAME, NS)
ANNOTATION = "meridian.global_infra/component"


# --- stand-ins --------------------------------------------------------------------------------------

def fake_cluster_settings(raw, project, env, region, failover_region):
    out = dict({"delivery": "gitops", "namespace": "%s-%s" % (project, env), "version": "1.33"}, **raw)
    if out["delivery"] == "gitops" and not str(out.get("gitops_dir", "")).startswith("/"):
        raise MeridianError("meridian_kubernetes.gitops_dir", "give an absolute path")
    out.update(region=region, failover_region=failover_region)
    return out


def fake_catalogue(services, project, env, providers):
    assert providers == ("k8s",)
    for service in services:
        if "image" not in service.get("k8s", {}):
            raise MeridianError("meridian_services[%s].k8s.image" % service["name"], "give the image")
    return [dict(copy.deepcopy(s), capacity={"min": 1, "max": 6, "initial": 2}) for s in services]


def _meta(name, component, cluster, service=None):
    labels = {"app.kubernetes.io/managed-by": "meridian.global_infra", "app.kubernetes.io/part-of": PROJECT}
    if service:
        labels["app.kubernetes.io/name"] = service
    return {"name": name, "namespace": cluster["namespace"], "labels": labels, "annotations": {ANNOTATION: component}}


def _compute(service, cluster):
    name = service["name"]
    selector = {"app.kubernetes.io/name": name}
    container = {"name": name, "image": service["k8s"]["image"], "ports": [{"name": "http", "containerPort": 8080}]}
    container.update(service["k8s"].get("container_extra", {}))
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, "compute", cluster, name),
         "spec": {"selector": {"matchLabels": selector}, "template": {
             "metadata": {"labels": selector}, "spec": {"containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, "compute", cluster, name),
         "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
         "metadata": _meta(name, "compute", cluster, name),
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                  "minReplicas": service["capacity"]["initial"], "maxReplicas": service["capacity"]["max"]}},
    ]


def fake_manifests_for(component, services, cluster, project, env):
    if component == "namespace":
        meta = _meta(cluster["namespace"], component, cluster)
        del meta["namespace"]
        return [{"apiVersion": "v1", "kind": "Namespace", "metadata": meta}]
    out = []
    for service in services:
        if component == "compute":
            out.extend(_compute(service, cluster))
        elif component == "routing":
            out.append({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                        "metadata": _meta(service["name"], component, cluster, service["name"]),
                        "spec": {"host": service["name"], "trafficPolicy": {"loadBalancer": {"localityLbSetting": {
                            "enabled": True, "failover": [{"from": cluster["region"],
                                                           "to": cluster["failover_region"]}]}}}}})
    return out


KEPT = []


def fake_keep_owned_fields(manifests, existing, services):
    """Keeps an existing HPA's minReplicas (the real one clamps and checks the owner)."""
    KEPT.append(copy.deepcopy(existing))
    have = dict(((m["kind"], m["metadata"]["name"]), m) for m in existing)
    out = copy.deepcopy(manifests)
    for manifest in out:
        old = have.get((manifest["kind"], manifest["metadata"]["name"]))
        if manifest["kind"] == "HorizontalPodAutoscaler" and old:
            manifest["spec"]["minReplicas"] = old["spec"]["minReplicas"]
    return out


@pytest.fixture
def fakes(monkeypatch):
    del KEPT[:]
    monkeypatch.setattr(k8s_manifests, "cluster_settings", fake_cluster_settings)
    monkeypatch.setattr(k8s_manifests, "catalogue", fake_catalogue)
    monkeypatch.setattr(k8s_manifests, "manifests_for", fake_manifests_for)
    monkeypatch.setattr(k8s_manifests, "keep_owned_fields", fake_keep_owned_fields)


def services(*names):
    return [{"name": n, "k8s": {"image": "ghcr.io/example/%s:1.0" % n}} for n in names or ("web", "api")]


def args(root, component="compute", svcs=None, **cluster):
    raw = dict({"cluster": CLUSTER_NAME, "gitops_dir": str(root)}, **cluster)
    return {"component": component, "services": svcs if svcs is not None else services(), "cluster": raw,
            "project": PROJECT, "env": ENV, "region": REGION, "failover_region": "us-east-1"}


def snapshot(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, str(root))] = handle.read()
    return out


def ok(result):
    assert not isinstance(result, ModuleFail), result.result
    return result.result


# --- gitops -----------------------------------------------------------------------------------------

def test_gitops_writes_the_component_then_changes_nothing(fakes, tmp_path):
    root = tmp_path / "gitops"
    first = ok(run_module(k8s_manifests, args(root)))
    assert first["changed"] is True and first["delivery"] == "gitops"
    assert first["validated"] == 6 and len(first["manifests"]) == 6
    assert first["files"] == [CLUSTER_NAME + "/kustomization.yaml"] + [DIR + "/" + f for f in (
        "deployment-api.yaml", "deployment-web.yaml", "horizontalpodautoscaler-api.yaml",
        "horizontalpodautoscaler-web.yaml", "kustomization.yaml", "service-api.yaml", "service-web.yaml")]
    tree = snapshot(root)
    assert sorted(tree) == first["files"]
    assert tree[DIR + "/deployment-web.yaml"].decode() == layout.dump(first["manifests"][0])

    for check in (True, False):
        again = ok(run_module(k8s_manifests, args(root), check=check, diff=True))
        assert again["changed"] is False and again["files"] == [] and again["diff"] == []
    assert snapshot(root) == tree  # byte-identical


def test_check_mode_writes_nothing_and_diff_shows_every_file(fakes, tmp_path):
    root = tmp_path / "gitops"
    result = ok(run_module(k8s_manifests, args(root), check=True, diff=True))
    assert result["changed"] is True and len(result["files"]) == 8
    assert not root.exists()
    assert [d["before_header"] for d in result["diff"]] == result["files"]
    assert all(d["before"] == "" and d["after"].startswith("---\n") for d in result["diff"])

    ok(run_module(k8s_manifests, args(root)))
    tree = snapshot(root)
    changed = ok(run_module(k8s_manifests, args(root, svcs=services("web")), check=True, diff=True))
    assert snapshot(root) == tree
    assert changed["files"] == [DIR + "/deployment-api.yaml", DIR + "/horizontalpodautoscaler-api.yaml",
                                DIR + "/kustomization.yaml", DIR + "/service-api.yaml"]
    deleted = [d for d in changed["diff"] if d["after"] == ""]
    assert [d["after_header"] for d in deleted] == [DIR + "/deployment-api.yaml",
                                                    DIR + "/horizontalpodautoscaler-api.yaml", DIR + "/service-api.yaml"]


def test_a_stale_file_is_removed_and_other_components_are_kept(fakes, tmp_path):
    root = tmp_path / "gitops"
    ok(run_module(k8s_manifests, args(root)))
    ok(run_module(k8s_manifests, args(root, component="routing")))
    ok(run_module(k8s_manifests, args(root, component="namespace")))
    result = ok(run_module(k8s_manifests, args(root, svcs=services("web"))))
    assert result["changed"] is True
    files = sorted(snapshot(root))
    assert DIR + "/deployment-api.yaml" not in files and DIR + "/service-api.yaml" not in files
    assert DIR + "/destinationrule-api.yaml" in files and DIR + "/namespace.yaml" in files
    kustomization = layout.load(snapshot(root)[DIR + "/kustomization.yaml"].decode())
    assert kustomization["resources"] == ["deployment-web.yaml", "destinationrule-api.yaml",
                                          "destinationrule-web.yaml", "horizontalpodautoscaler-web.yaml",
                                          "namespace.yaml", "service-web.yaml"]


def test_state_absent_removes_the_component_and_empty_directories(fakes, tmp_path):
    root = tmp_path / "gitops"
    ok(run_module(k8s_manifests, args(root)))
    ok(run_module(k8s_manifests, args(root, component="routing")))
    gone = ok(run_module(k8s_manifests, dict(args(root), state="absent")))
    assert gone["changed"] is True and gone["validated"] == 0
    assert sorted(m["kind"] for m in gone["manifests"]) == ["Deployment"] * 2 + ["HorizontalPodAutoscaler"] * 2 + \
        ["Service"] * 2
    assert sorted(snapshot(root)) == [CLUSTER_NAME + "/kustomization.yaml", DIR + "/destinationrule-api.yaml",
                                      DIR + "/destinationrule-web.yaml", DIR + "/kustomization.yaml"]
    ok(run_module(k8s_manifests, dict(args(root, component="routing"), state="absent")))
    assert snapshot(root) == {} and os.listdir(str(root)) == []
    again = ok(run_module(k8s_manifests, dict(args(root, component="routing"), state="absent")))
    assert again["changed"] is False


def test_the_files_on_disk_are_the_existing_objects_in_gitops(fakes, tmp_path):
    root = tmp_path / "gitops"
    ok(run_module(k8s_manifests, args(root)))
    path = root / DIR / "horizontalpodautoscaler-web.yaml"
    hpa = layout.load(path.read_text())
    hpa["spec"]["minReplicas"] = 5  # the scale job's value
    path.write_text(layout.dump(hpa))
    result = ok(run_module(k8s_manifests, dict(args(root), existing=[{"ignored": True}])))
    assert result["changed"] is False
    assert sorted((m["kind"], m["metadata"]["name"]) for m in KEPT[-1]) == sorted(
        (m["kind"], m["metadata"]["name"]) for m in result["manifests"])
    assert layout.load(path.read_text())["spec"]["minReplicas"] == 5


def test_an_invalid_manifest_fails_before_any_write(fakes, tmp_path):
    root = tmp_path / "gitops"
    ok(run_module(k8s_manifests, args(root)))
    tree = snapshot(root)
    svcs = services()
    svcs[1]["k8s"]["container_extra"] = {"imagePullPolicyy": "Always"}
    failed = run_module(k8s_manifests, args(root, svcs=svcs, version="1.33"))
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == "Deployment/api"
    assert "spec.template.spec.containers[0].imagePullPolicyy: unknown field" in failed.result["msg"]
    assert "nothing was written" in failed.result["msg"]
    assert snapshot(root) == tree


@pytest.mark.parametrize("change, field", [
    ({"cluster": {"cluster": CLUSTER_NAME}}, "meridian_kubernetes.gitops_dir"),
    ({"services": [{"name": "web", "k8s": {}}]}, "meridian_services[web].k8s.image"),
    ({"cluster": {"cluster": CLUSTER_NAME, "gitops_dir": "/x", "version": "1.20"}}, "meridian_kubernetes.version"),
])
def test_invalid_settings_fail_naming_the_field(fakes, tmp_path, change, field):
    failed = run_module(k8s_manifests, dict(args(tmp_path / "gitops"), **change))
    assert isinstance(failed, ModuleFail) and failed.result["field"] == field
    assert not (tmp_path / "gitops").exists()


def test_a_link_in_the_tree_is_refused_and_nothing_is_written(fakes, tmp_path):
    root = tmp_path / "gitops"
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / CLUSTER_NAME).mkdir(parents=True)
    os.symlink(str(outside), str(root / DIR))
    failed = run_module(k8s_manifests, args(root))
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "meridian_kubernetes.gitops_dir"
    assert "symbolic link" in failed.result["msg"]
    assert os.listdir(str(outside)) == [] and os.listdir(str(root / CLUSTER_NAME)) == [NS]


def test_a_failure_half_way_reports_what_was_written(fakes, tmp_path, monkeypatch):
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import gitops_tree

    root = tmp_path / "gitops"
    real_write = gitops_tree.GitopsTree.write
    calls = []

    def write(self, rel, text):
        calls.append(rel)
        if len(calls) == 2:
            raise gitops_tree.GitopsTreeError("meridian_kubernetes.gitops_dir", "cannot write %s: disk full" % rel)
        return real_write(self, rel, text)

    monkeypatch.setattr(gitops_tree.GitopsTree, "write", write)
    failed = run_module(k8s_manifests, args(root))
    assert isinstance(failed, ModuleFail)
    assert failed.result["files"] == [DIR + "/deployment-api.yaml"]
    assert "written before the error: %s/deployment-api.yaml" % DIR in failed.result["msg"]


# --- apply ------------------------------------------------------------------------------------------

def test_apply_validates_and_returns_the_manifests_without_writing(fakes, tmp_path):
    existing = [{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"}, "spec": {"minReplicas": 4}}]
    result = ok(run_module(k8s_manifests, dict(args(tmp_path / "gitops", delivery="apply"), existing=existing)))
    assert result["changed"] is False and result["files"] == [] and result["delivery"] == "apply"
    assert result["validated"] == 6
    [hpa] = [m for m in result["manifests"] if m["kind"] == "HorizontalPodAutoscaler" and m["metadata"]["name"] == "web"]
    assert hpa["spec"]["minReplicas"] == 4 and KEPT[-1] == existing
    assert not (tmp_path / "gitops").exists()

    svcs = services()
    svcs[0]["k8s"]["container_extra"] = {"imagePullPolicyy": "Always"}
    failed = run_module(k8s_manifests, dict(args(tmp_path / "gitops", delivery="apply"), services=svcs))
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "Deployment/web"


def test_apply_absent_returns_the_objects_to_delete(fakes, tmp_path):
    result = ok(run_module(k8s_manifests, dict(args(tmp_path, component="routing", delivery="apply"), state="absent")))
    assert [m["kind"] for m in result["manifests"]] == ["DestinationRule"] * 2 and result["changed"] is False


# --- the real builders ------------------------------------------------------------------------------

@pytest.mark.skipif(len(REAL) < 3, reason="the k8s builders (workloads, cluster, keep) are not installed")
def test_every_component_with_the_real_builders(tmp_path):
    import yaml

    from ansible_collections.meridian.global_infra.plugins.module_utils.services import catalogue

    if "k8s" not in getattr(catalogue, "PROVIDERS", ()):
        pytest.skip("the catalogue has no k8s provider")
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "..", "..", "inventories", "local", "group_vars", "all",
                           "services.yml")) as handle:
        svcs = yaml.safe_load(handle)["meridian_services"]
    for service in svcs:
        service["k8s"] = {"image": "ghcr.io/example/%s:1.0" % service["name"],
                          "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}}
    raw = {"cloud": "aws", "cluster": CLUSTER_NAME, "version": "1.33", "gitops_dir": str(tmp_path / "gitops"),
           "zones": ["eu-west-1a", "eu-west-1b"], "istio": True, "prometheus_operator": True}
    base = {"services": svcs, "cluster": raw, "project": PROJECT, "env": ENV, "region": REGION,
            "failover_region": "us-east-1"}
    for component in k8s_manifests.COMPONENTS:
        result = ok(run_module(k8s_manifests, dict(base, component=component)))
        assert result["changed"] is True and result["validated"] == len(result["manifests"]) > 0
    tree = snapshot(tmp_path / "gitops")
    for component in k8s_manifests.COMPONENTS:
        assert ok(run_module(k8s_manifests, dict(base, component=component), check=True))["changed"] is False
    assert snapshot(tmp_path / "gitops") == tree
    kinds = set(layout.load(text.decode())["kind"] for path, text in tree.items() if "kustomization" not in path)
    assert {"Namespace", "NetworkPolicy", "Deployment", "Service", "ServiceMonitor", "DestinationRule"} <= kinds
