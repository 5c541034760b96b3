# -*- coding: utf-8 -*-
"""scaling_target with provider k8s_hpa: the rendered gitops file (rewritten byte for byte but the
floor) and the live object (server-side apply against recorded API answers); no AWS anywhere."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib
import os

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import layout
from ansible_collections.meridian.global_infra.plugins.modules import scaling_target
from ansible_collections.meridian.global_infra.tests.unit.plugins.module_utils.clients.k8s_api_fake import (
    FakeApiServer,
    write_kubeconfig,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules import gitops_tree_standin
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_module

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 11, 20, 10, 0, 0, tzinfo=UTC)
CLUSTER = "local-eu-west-1"
NS = "meridian-local"
HPA_NAME = "meridian-local-web"
HPA_FILE = "%s/%s/horizontalpodautoscaler-%s.yaml" % (CLUSTER, NS, HPA_NAME)
DEPLOYMENT_NAME = "meridian-local-worker"
DEPLOYMENT_FILE = "%s/%s/deployment-%s.yaml" % (CLUSTER, NS, DEPLOYMENT_NAME)
LABELS = {"app.kubernetes.io/managed-by": "meridian.global_infra", "app.kubernetes.io/name": "web",
          "app.kubernetes.io/part-of": "meridian"}
CPU_TARGET = {"type": "Utilization", "averageUtilization": 70}
BEHAVIOR = {"scaleDown": {"policies": [{"periodSeconds": 60, "type": "Percent", "value": 50}],
                          "stabilizationWindowSeconds": 300}}


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rendered_hpa(min_replicas=2, max_replicas=6):
    """The HPA as the compute component renders it."""
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": HPA_NAME, "namespace": NS, "labels": dict(LABELS),
                     "annotations": {"meridian.global_infra/component": "compute"}},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": HPA_NAME},
                 "minReplicas": min_replicas, "maxReplicas": max_replicas,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": CPU_TARGET}},
                             {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
                                                       "target": {"type": "AverageValue", "averageValue": "50"}}}],
                 "behavior": BEHAVIOR},
    }


def _rendered_deployment(replicas=2):
    labels = dict(LABELS, **{"app.kubernetes.io/name": "worker"})
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT_NAME, "namespace": NS, "labels": labels,
                     "annotations": {"meridian.global_infra/component": "compute"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": "worker"}},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "worker", "image": "ghcr.io/example/worker:2.0.1",
                                                       "ports": [{"containerPort": 8080, "name": "http"}],
                                                       "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}}]}}},
    }


def _decision(target=4, low=1, high=10, schedule=None, **over):
    if schedule is None:
        schedule = [(0, target), (15, target + 1), (30, target + 2), (45, target)]
    decision = {
        "service": "web", "ok": True, "action": "scale_up", "current_capacity": 2, "target_capacity": target,
        "min_capacity": low, "max_capacity": high, "time_to_execute": _iso(NOW + datetime.timedelta(minutes=10)),
        "schedule": [{"time": _iso(NOW + datetime.timedelta(minutes=m)), "capacity": c} for m, c in schedule],
        "warnings": [],
    }
    decision.update(over)
    return decision


@pytest.fixture(autouse=True)
def no_aws(monkeypatch):
    """No AWS credentials, region or client: k8s_hpa must not need any."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)

    def client(self, *args, **kwargs):
        raise AssertionError("k8s_hpa asked for an AWS client")

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    monkeypatch.setattr(scaling_target, "_utcnow", lambda: NOW)


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A rendered tree: the web HPA, the worker Deployment and the namespace's kustomization."""
    gitops_tree_standin.install(monkeypatch)
    root = tmp_path / "gitops"
    directory = root / CLUSTER / NS
    directory.mkdir(parents=True)
    (root / HPA_FILE).write_text(layout.dump(_rendered_hpa()))
    (root / DEPLOYMENT_FILE).write_text(layout.dump(_rendered_deployment()))
    (directory / "kustomization.yaml").write_text(layout.kustomization(
        [os.path.basename(HPA_FILE), os.path.basename(DEPLOYMENT_FILE)]))
    return root


def _snapshot(root):
    """{relative path: (bytes, mtime_ns)} of every file under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, str(root))] = (handle.read(), os.stat(path).st_mtime_ns)
    return out


def _gitops(root, **over):
    return dict(dict(delivery="gitops", gitops_dir=str(root), cluster=CLUSTER, namespace=NS), **over)


def run(check=False, diff=True, **args):
    return run_module(scaling_target, dict(dict(provider="k8s_hpa", name=HPA_NAME), **args), check=check, diff=diff)


def _changed_lines(before, after):
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


# --------------------------------------------------------------------------------------------
# gitops


def test_gitops_rewrites_min_replicas_and_nothing_else(root):
    before = (root / HPA_FILE).read_text()
    others = dict((k, v) for k, v in _snapshot(root).items() if k != HPA_FILE)

    result = run(decision=_decision(4), kubernetes=_gitops(root)).result
    after = (root / HPA_FILE).read_text()
    assert result["changed"] is True and result["would_change"] is True and result["mode"] == "ForecastAndScale"
    assert _changed_lines(before, after) == ["-  minReplicas: 2", "+  minReplicas: 4"]
    assert after == before.replace("  minReplicas: 2\n", "  minReplicas: 4\n")  # byte-identical but that field
    assert layout.load(after)["spec"]["behavior"] == BEHAVIOR and layout.load(after)["metadata"]["labels"] == LABELS
    assert dict((k, v) for k, v in _snapshot(root).items() if k != HPA_FILE) == others  # no other file, no temp file
    assert result["target"] == {
        "kind": "HorizontalPodAutoscaler", "name": HPA_NAME, "namespace": NS, "delivery": "gitops",
        "path": str(root / HPA_FILE), "field": "spec.minReplicas", "before": 2, "after": 4, "max_replicas": 6,
        "clamped": False}
    assert result["operations"] == [{"operation": "write_file", "arguments": {
        "path": str(root / HPA_FILE), "field": "spec.minReplicas", "value": 4}}]
    floor, text = result["diff"]
    assert (floor["before"], floor["after"]) == ({"spec.minReplicas": 2}, {"spec.minReplicas": 4})
    assert (text["before"], text["after"], text["after_header"]) == (before, after, str(root / HPA_FILE))


def test_gitops_again_with_the_same_decision_changes_nothing(root):
    run(decision=_decision(4), kubernetes=_gitops(root))
    snapshot = _snapshot(root)
    again = run(decision=_decision(4), kubernetes=_gitops(root)).result
    assert again["changed"] is False and again["would_change"] is False and again["operations"] == []
    assert again["diff"][1]["before"] == again["diff"][1]["after"]
    assert _snapshot(root) == snapshot  # not even rewritten with the same bytes


def test_gitops_check_mode_writes_nothing_and_shows_the_file_diff(root):
    snapshot = _snapshot(root)
    result = run(check=True, decision=_decision(5), kubernetes=_gitops(root)).result
    assert result["changed"] is True and result["target"]["after"] == 5
    assert _snapshot(root) == snapshot
    assert _changed_lines(result["diff"][1]["before"], result["diff"][1]["after"]) == [
        "-  minReplicas: 2", "+  minReplicas: 5"]


def test_forecast_only_reports_what_it_would_set_and_changes_nothing(root):
    snapshot = _snapshot(root)
    result = run(mode="ForecastOnly", decision=_decision(5), kubernetes=_gitops(root)).result
    assert result["changed"] is False and result["would_change"] is True and result["mode"] == "ForecastOnly"
    assert (result["target"]["before"], result["target"]["after"]) == (2, 5)
    assert [op["operation"] for op in result["operations"]] == ["write_file"]
    assert _snapshot(root) == snapshot


def test_the_floor_is_clamped_to_max_replicas_and_later_steps_are_reported_not_applied(root):
    decision = _decision(8, 1, 10, schedule=[(-15, 9), (0, 8), (15, 9), (30, 5), (45, 5), (60, 3)])
    result = run(decision=decision, kubernetes=_gitops(root)).result
    assert (result["target"]["after"], result["target"]["clamped"]) == (6, True)
    assert layout.load((root / HPA_FILE).read_text())["spec"]["minReplicas"] == 6
    assert result["pending_steps"] == [{"time": _iso(NOW + datetime.timedelta(minutes=30)), "capacity": 5},
                                       {"time": _iso(NOW + datetime.timedelta(minutes=60)), "capacity": 3}]


def test_a_service_without_hpa_gets_the_deployment_replicas(root):
    before = (root / DEPLOYMENT_FILE).read_text()
    result = run(name=DEPLOYMENT_NAME, decision=_decision(3), kubernetes=_gitops(root, kind="Deployment")).result
    after = (root / DEPLOYMENT_FILE).read_text()
    assert result["changed"] is True and result["target"]["field"] == "spec.replicas"
    assert result["target"]["max_replicas"] is None
    assert _changed_lines(before, after) == ["-  replicas: 2", "+  replicas: 3"]


def test_a_missing_file_says_to_render_first(root):
    (root / HPA_FILE).unlink()
    result = run(decision=_decision(4), kubernetes=_gitops(root))
    assert isinstance(result, ModuleFail)
    assert result.result["field"] == "kubernetes.gitops_dir"
    assert "render the manifests first: run provision.yml" in result.result["msg"]
    assert str(root / HPA_FILE) in result.result["msg"]
    assert not (root / HPA_FILE).exists()


def test_a_hand_edited_file_is_refused_unchanged(root):
    text = (root / HPA_FILE).read_text().replace("---\n", "---\n# tuned by hand\n")
    (root / HPA_FILE).write_text(text)
    result = run(decision=_decision(4), kubernetes=_gitops(root))
    assert isinstance(result, ModuleFail) and result.result["field"] == "kubernetes.gitops_dir"
    assert "not in the rendered form" in result.result["msg"] and "nothing was changed" in result.result["msg"]
    assert (root / HPA_FILE).read_text() == text


def test_a_file_holding_another_object_is_refused(root):
    elsewhere = _rendered_hpa()
    elsewhere["metadata"]["namespace"] = "other"
    (root / HPA_FILE).write_text(layout.dump(elsewhere))
    result = run(decision=_decision(4), kubernetes=_gitops(root))
    assert isinstance(result, ModuleFail) and result.result["field"] == "kubernetes.namespace"


def test_a_decision_without_capacity_changes_nothing(root):
    snapshot = _snapshot(root)
    result = run(decision=_decision(4, ok=False, warnings=["query returned no series"]), kubernetes=_gitops(root))
    assert isinstance(result, ModuleFail) and result.result["field"] == "decision.ok"
    assert _snapshot(root) == snapshot


# --------------------------------------------------------------------------------------------
# options, checked before anything is read


@pytest.mark.parametrize("args, field, text", [
    ({"kubernetes": None}, None, "kubernetes"),
    ({"kubernetes": {"delivery": "gitops", "cluster": CLUSTER, "namespace": NS}}, "kubernetes.gitops_dir", "required"),
    ({"kubernetes": {"gitops_dir": "relative/gitops", "cluster": CLUSTER, "namespace": NS}}, "kubernetes.gitops_dir",
     "absolute"),
    ({"kubernetes": {"gitops_dir": "/srv/gitops", "namespace": NS}}, "kubernetes.cluster", "required"),
    ({"kubernetes": {"gitops_dir": "/srv/gitops", "cluster": "Local_EU", "namespace": NS}}, "kubernetes.cluster",
     "DNS-1123"),
    ({"kubernetes": {"gitops_dir": "/srv/gitops", "cluster": CLUSTER, "namespace": "Meridian_Local"}},
     "kubernetes.namespace", "namespace name"),
    ({"name": "Meridian Web", "kubernetes": {"gitops_dir": "/srv/gitops", "cluster": CLUSTER, "namespace": NS}},
     "name", "object name"),
    ({"kubernetes": {"delivery": "apply", "namespace": NS, "kubeconfig": "/nonexistent/kubeconfig"}},
     "kubernetes.kubeconfig", "not a file"),
    ({"predictive_policy": {"target_value": 50},
      "kubernetes": {"gitops_dir": "/srv/gitops", "cluster": CLUSTER, "namespace": NS}}, "predictive_policy",
     "EC2 Auto Scaling"),
])
def test_bad_kubernetes_options_fail_naming_the_option_before_any_read(monkeypatch, args, field, text):
    reads = []
    monkeypatch.setattr(scaling_target, "gitops_tree", reads.append)
    monkeypatch.setattr(scaling_target.KubernetesClient, "from_config",
                        classmethod(lambda cls, **kwargs: reads.append(kwargs)))
    args = dict(args)
    if args.get("kubernetes") is None:
        args.pop("kubernetes", None)
    result = run(decision=_decision(4), **args)
    assert isinstance(result, ModuleFail)
    assert result.result.get("field") == field and text in result.result["msg"]
    assert reads == []


# --------------------------------------------------------------------------------------------
# apply: server-side apply against recorded answers


@pytest.fixture
def server(monkeypatch):
    return FakeApiServer(monkeypatch)


@pytest.fixture
def kubeconfig(tmp_path):
    return write_kubeconfig(tmp_path)


def _apply(kubeconfig, **over):
    return dict(dict(delivery="apply", kubeconfig=kubeconfig, namespace=NS), **over)


HPA_PATH = "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers/%s" % (NS, HPA_NAME)


def test_apply_reads_the_hpa_and_applies_the_floor_alone(server, kubeconfig):
    server.answer(200, "hpa_get").answer(200, "hpa_apply")
    result = run(decision=_decision(4), kubernetes=_apply(kubeconfig)).result
    get, patch = server.requests
    assert (get.method, get.path) == ("GET", HPA_PATH)
    assert (patch.method, patch.path) == ("PATCH", HPA_PATH)
    assert patch.query == {"fieldManager": ["meridian-scaling"], "force": ["false"]}
    assert patch.headers["Content-Type"] == "application/apply-patch+yaml"
    assert patch.body == {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                          "metadata": {"name": HPA_NAME, "namespace": NS}, "spec": {"minReplicas": 4}}
    assert result["changed"] is True and (result["target"]["before"], result["target"]["after"]) == (2, 4)
    assert result["target"]["path"] is None and result["target"]["max_replicas"] == 6
    assert result["operations"] == [{"operation": "server_side_apply", "arguments": {
        "body": patch.body, "field_manager": "meridian-scaling", "force": False, "dry_run": False}}]
    assert len(result["diff"]) == 1 and result["diff"][0]["after"] == {"spec.minReplicas": 4}


def test_apply_in_check_mode_is_a_dry_run(server, kubeconfig):
    server.answer(200, "hpa_get").answer(200, "hpa_apply")
    result = run(check=True, decision=_decision(4), kubernetes=_apply(kubeconfig)).result
    assert result["changed"] is True
    assert server.requests[1].query == {"dryRun": ["All"], "fieldManager": ["meridian-scaling"], "force": ["false"]}


def test_apply_forecast_only_only_reads(server, kubeconfig):
    server.answer(200, "hpa_get")
    result = run(mode="ForecastOnly", decision=_decision(4), kubernetes=_apply(kubeconfig)).result
    assert [r.method for r in server.requests] == ["GET"]
    assert result["changed"] is False and result["would_change"] is True


def test_apply_of_the_current_floor_makes_no_write(server, kubeconfig):
    server.answer(200, "hpa_get")
    result = run(decision=_decision(2), kubernetes=_apply(kubeconfig)).result
    assert [r.method for r in server.requests] == ["GET"]
    assert result["changed"] is False and result["operations"] == []


def test_apply_conflict_fails_naming_the_field_and_its_owner(server, kubeconfig):
    server.answer(200, "hpa_get").answer(409, "status_409_apply_conflict")
    result = run(decision=_decision(4), kubernetes=_apply(kubeconfig))
    assert isinstance(result, ModuleFail)
    assert result.result["field"] == "kubernetes.force_conflicts"
    msg = result.result["msg"]
    assert "HorizontalPodAutoscaler meridian-local/meridian-local-web" in msg and "409 Conflict" in msg
    assert 'field .spec.minReplicas: conflict with "meridian"' in msg and "nothing was changed" in msg


def test_apply_with_force_conflicts_forces(server, kubeconfig):
    server.answer(200, "hpa_get").answer(200, "hpa_apply")
    run(decision=_decision(4), kubernetes=_apply(kubeconfig, force_conflicts=True))
    assert server.requests[1].query["force"] == ["true"]


def test_apply_of_a_missing_hpa_says_to_provision_first(server, kubeconfig):
    server.answer(404, "status_404_not_found")
    result = run(decision=_decision(4), kubernetes=_apply(kubeconfig))
    assert isinstance(result, ModuleFail) and result.result["field"] == "name"
    assert "not found on the cluster" in result.result["msg"] and "run provision.yml" in result.result["msg"]
    assert len(server.requests) == 1


def test_apply_to_a_deployment(server, kubeconfig):
    server.answer(200, "deployment_get").answer(200, "deployment_apply")
    result = run(name=DEPLOYMENT_NAME, decision=_decision(3), kubernetes=_apply(kubeconfig, kind="Deployment")).result
    assert server.requests[1].path == "/apis/apps/v1/namespaces/%s/deployments/%s" % (NS, DEPLOYMENT_NAME)
    assert server.requests[1].body["spec"] == {"replicas": 3}
    assert result["changed"] is True and result["target"]["field"] == "spec.replicas"
