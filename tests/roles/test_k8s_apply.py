# -*- coding: utf-8 -*-
"""playbooks/kubernetes.yml and kubernetes_teardown.yml with apply delivery, end to end.

The real roles, the real meridian.global_infra.k8s_manifests, the real kubernetes.core modules and the
real kubernetes client run against a kube-apiserver replay (k8s_api_replay: discovery from recorded
responses, server-side apply on an in-memory store; fixtures/k8s_api/README.md). The inventory is a
copy of inventories/local with the cluster k8s-eu-west-1 switched to apply delivery, through a
kubeconfig whose context local-eu-west-1 (named as inventories/staging names them) points at the
replay, while its current context points at a closed port.

One journey, run once for the module (ansible-playbook dominates the time), on a cluster that holds
the namespace and the web HPA as an earlier provisioning and the scale job left them
(fixtures/k8s_api/live_objects.json: minReplicas 3, owned by meridian-scaling): apply; then, from the
state it left (each on a copy of the replay, at the same time), apply again, a check-mode run and
teardown. Each test asserts one step from what the replay recorded. The playbooks run with the
ansible.posix.json callback, so the manifests the k8s_manifests task rendered in the same run are
compared with the bodies the API server received.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import concurrent.futures
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.kubernetes import (
    KubernetesApiError,
    KubernetesClient,
)
from ansible_collections.meridian.global_infra.tests.roles.k8s_api_replay import (
    APPLY_PATCH,
    FIXTURES,
    LIVE_OBJECTS,
    ApiReplay,
    Request,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
HOST = "k8s-eu-west-1"
CONTEXT = "local-eu-west-1"
NAMESPACE = "meridian-local"
COMPONENTS = ["namespace", "network", "compute", "monitoring", "routing"]
SERVICES = ["web", "api"]
RENDER_TASK = "meridian.global_infra.k8s_delivery : Render and validate the manifests"
APPLY_TASK = "meridian.global_infra.k8s_delivery : Apply them server-side (apply delivery)"
DISCOVERY = ("/version", "/api", "/apis")  # and /api/v1, /apis/<group>/<version>
TOKEN = "replay-token-not-a-secret"
HPA_WEB = ("autoscaling/v2", "HorizontalPodAutoscaler", NAMESPACE, "web")
# inventories/local: capacity.initial of web and api; the scale job raised web's floor to FLOOR
INITIAL = 1
FLOOR = 3

Step = collections.namedtuple("Step", "report requests before after")


def _inventory(tmp_path, url):
    """inventories/local with only HOST in k8s_clusters, apply delivery through a kubeconfig."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "local-us-east-1",
        "clusters": [{"name": CONTEXT, "cluster": {"server": url}},
                     {"name": "elsewhere", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "deployer", "user": {"token": TOKEN}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "deployer"}},
                     {"name": "local-us-east-1", "context": {"cluster": "elsewhere", "user": "deployer"}}]}))
    inv = tmp_path / "inventory"
    shutil.copytree(os.path.join(ROOT, "inventories", "local"), str(inv))
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    clusters = hosts["all"]["children"]["k8s_clusters"]["hosts"]
    assert HOST in clusters
    hosts["all"]["children"]["k8s_clusters"]["hosts"] = {HOST: None}
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    group_vars = inv / "group_vars" / "k8s_clusters.yml"
    settings = yaml.safe_load(group_vars.read_text())
    cluster = settings["meridian_kubernetes"]
    cluster.pop("gitops_dir")
    cluster.update(delivery="apply", kubeconfig=str(kubeconfig), context="{{ meridian_env }}-{{ meridian_region }}")
    group_vars.write_text(yaml.safe_dump(settings))
    (tmp_path / "tmp").mkdir()
    return inv


def _apply_without_the_floor(kubeconfig, applied, name):
    """The error of a server dry run, by meridian, of the HPA as applied but with capacity.initial as
    its floor (what the apply would have sent had the role not read the live object first); sent with
    the collection's own client (clients/kubernetes.py, the scale job's)."""
    [hpa] = [m for m in rendered(applied.report, HOST)["compute"]
             if m["kind"] == "HorizontalPodAutoscaler" and m["metadata"]["name"] == name]
    hpa = dict(hpa, spec=dict(hpa["spec"], minReplicas=INITIAL))
    client = KubernetesClient.from_config(kubeconfig=str(kubeconfig), context=CONTEXT)
    with pytest.raises(KubernetesApiError) as exc:
        client.apply(hpa, dry_run=True, field_manager="meridian")
    return {"status": exc.value.status, "message": str(exc.value)}


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    """{step: Step} of the journey; run once per session, also with pytest-xdist (the first worker that
    needs it runs it, the others read what it recorded: xdist's pattern for shared fixtures)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return _journey(tmp_path_factory)
    shared = tmp_path_factory.getbasetemp().parent / "k8s_apply_journey.json"
    with open(str(shared) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shared.exists():
            return _load(json.loads(shared.read_text()))
        steps = _journey(tmp_path_factory)
        shared.write_text(json.dumps(_dump(steps)))
        return steps


def _dump(steps):
    return dict((name, step if name == "unkept" else {
        "report": step.report, "requests": [r._asdict() for r in step.requests],
        "before": list(step.before.values()), "after": list(step.after.values())}) for name, step in steps.items())


def _load(data):
    return dict((name, step if name == "unkept" else Step(
        step["report"], [Request(**r) for r in step["requests"]], dict((_ident(o), o) for o in step["before"]),
        dict((_ident(o), o) for o in step["after"]))) for name, step in data.items())


def _journey(tmp_path_factory):
    """The first apply, then three runs from the state it left, each on its own copy of the replay and
    at the same time (ansible-playbook's time dominates): again, check, teardown."""
    replays = []
    try:
        first = ApiReplay().start()
        replays.append(first)
        first.load(os.path.join(FIXTURES, LIVE_OBJECTS))
        inventory = _inventory(tmp_path_factory.mktemp("apply"), first.url)
        steps = {"apply": _step(first, inventory)}
        steps["unkept"] = _apply_without_the_floor(inventory.parent / "kubeconfig", steps["apply"], "web")
        runs = {"again": ("kubernetes.yml", False), "check": ("kubernetes.yml", True),
                "teardown": ("kubernetes_teardown.yml", False)}
        forks = {}
        for name in runs:
            replay = ApiReplay().start()
            replays.append(replay)
            replay.restore(first.snapshot())
            forks[name] = (replay, _inventory(tmp_path_factory.mktemp(name), replay.url))
        # and a check run on a cluster that holds nothing yet (no namespace)
        empty = ApiReplay().start()
        replays.append(empty)
        runs["fresh_check"] = ("kubernetes.yml", True)
        forks["fresh_check"] = (empty, _inventory(tmp_path_factory.mktemp("fresh_check"), empty.url))
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = {name: pool.submit(_step, forks[name][0], forks[name][1], *runs[name]) for name in runs}
            steps.update((name, future.result()) for name, future in futures.items())
    finally:
        for replay in replays:
            replay.stop()
    assert not any(replay.running for replay in replays)
    return steps


def _step(api, inventory, playbook="kubernetes.yml", check=False):
    api.clear_requests()
    before = _stored(api)
    report = play(inventory, playbook, check=check)
    return Step(report, list(api.requests), before, _stored(api))


def play(inventory, playbook="kubernetes.yml", check=False):
    """Run playbooks/<playbook>; return the ansible.posix.json report (failing the test on a failed run)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("K8S_AUTH_", "KUBECONFIG", "ANSIBLE_"))}
    env.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               # kubernetes.core caches discovery in $TMPDIR (k8srcp-<hash>.json): keep it in the test's directory
               TMPDIR=str(inventory.parent / "tmp"))
    command = [ANSIBLE_PLAYBOOK, "-i", str(inventory), os.path.join(ROOT, "playbooks", playbook)]
    if check:
        command.append("--check")
    if playbook == "kubernetes_teardown.yml":
        command += ["-e", "teardown_confirm=local"]  # the environment of inventories/local
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    try:
        report = json.loads(proc.stdout[proc.stdout.index("{"):])
    except ValueError:
        pytest.fail("no JSON report (rc %s):\n%s\n%s" % (proc.returncode, proc.stdout, proc.stderr))
    assert proc.returncode == 0, json.dumps(_failures(report), indent=1) + proc.stderr
    return report


def _failures(report):
    out = []
    for p in report["plays"]:
        for task in p["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") or any(r.get("failed") for r in result.get("results", [])):
                    out.append({"task": task["task"]["name"], "host": host, "result": result})
    return out


def _task_results(report, name, host):
    """The results of every run of the task `name` on `host`, in order."""
    out = []
    for p in report["plays"]:
        for task in p["tasks"]:
            if task["task"]["name"] == name and host in task["hosts"]:
                out.append(task["hosts"][host])
    return out


def rendered(report, host):
    """{component: manifests} the k8s_manifests task returned on host, in the order of the run."""
    out = {}
    for result in _task_results(report, RENDER_TASK, host):
        for item in result["results"]:
            out[item["__k8s_delivery_component"]] = item["manifests"]
    return out


def _apply_changed(report, host):
    """How many objects kubernetes.core reported as changed on host."""
    count = 0
    for result in _task_results(report, APPLY_TASK, host):
        for item in result["results"]:
            if item.get("skipped"):
                continue
            # one definition: the object's result itself; several: result.results, one per object
            per_object = item["result"].get("results") if "results" in item.get("result", {}) else [item]
            count += sum(1 for r in per_object if r.get("changed"))
    return count


def _ident(manifest):
    meta = manifest["metadata"]
    return manifest["apiVersion"], manifest["kind"], meta.get("namespace", ""), meta["name"]


def _stored(api):
    return {_ident(obj): obj for obj in api.objects().values()}


# paths only: discovery from the fixtures, no server started
PATHS = ApiReplay()


def _patches(requests):
    return [r for r in requests if r.method == "PATCH"]


def _in_order(manifests):
    return [m for component in COMPONENTS for m in manifests[component]]


def _assert_kinds(manifests):
    """The components hold what docs/kubernetes.md says (so that nothing below passes on empty lists)."""
    assert list(manifests) == COMPONENTS
    kinds = {c: sorted({m["kind"] for m in ms}) for c, ms in manifests.items()}
    assert kinds == {"namespace": ["Namespace"], "network": ["NetworkPolicy"],
                     "compute": ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"],
                     "monitoring": ["ServiceMonitor"], "routing": ["DestinationRule"]}, kinds
    for component in ("compute", "monitoring", "routing"):
        assert {m["metadata"]["name"] for m in manifests[component]} == set(SERVICES), component
    for component, ms in manifests.items():
        for manifest in ms:
            assert manifest["metadata"].get("namespace", NAMESPACE) == NAMESPACE
            assert manifest["metadata"]["annotations"]["meridian.global_infra/component"] == component


def _assert_applied_in_order(requests, manifests, dry_run=False):
    """Every rendered object sent once as a server-side apply by meridian, in component order, as rendered."""
    expected = _in_order(manifests)
    patches = _patches(requests)
    assert [r.path for r in patches] == [PATHS.path_of(m) for m in expected]
    assert patches[0].path == "/api/v1/namespaces/" + NAMESPACE
    for request, manifest in zip(patches, expected):
        assert request.headers["content-type"] == APPLY_PATCH, request
        assert request.query.get("fieldManager") == "meridian", request
        assert request.query.get("force", "false").lower() == "false", request
        assert request.query.get("dryRun") == ("All" if dry_run else None), request
        assert request.body == manifest, (request.path, request.body, manifest)
    # nothing else writes: no create, replace, merge patch or delete
    assert {r.method for r in requests} <= {"GET", "PATCH"}, {r.method for r in requests}


def _assert_every_request_is_authenticated_and_legacy(requests):
    for request in requests:
        assert request.headers.get("authorization") == "Bearer " + TOKEN, request
        assert "apidiscovery" not in request.headers.get("accept", ""), request
        assert not request.path.startswith("/openapi"), request


def _hpa_owners(obj):
    return {f["manager"]: sorted(f["fieldsV1"].get("f:spec", {})) for f in obj["metadata"]["managedFields"]}


def test_every_rendered_object_is_applied_server_side_namespace_first(journey):
    step = journey["apply"]
    manifests = rendered(step.report, HOST)
    _assert_kinds(manifests)
    _assert_applied_in_order(step.requests, manifests)
    _assert_every_request_is_authenticated_and_legacy(step.requests)
    # kubernetes.core reads each object twice (its retrieve, then apply_object) before the PATCH
    for i, request in enumerate(step.requests):
        if request.method == "PATCH":
            assert [(r.method, r.path) for r in step.requests[i - 2:i]] == [("GET", request.path)] * 2
    # discovery (legacy, plain JSON) before anything else, asked once a run (kubernetes.core's cache file)
    assert [r.path for r in step.requests[:2]] == ["/version", "/apis"]
    discovery = [r for r in step.requests if r.path in DISCOVERY or re.match(r"^/(api/v1|apis/[^/]+/[^/]+)$", r.path)]
    assert all(r.headers["accept"] == "application/json" for r in discovery)
    assert {"/api/v1", "/apis/apps/v1", "/apis/autoscaling/v2", "/apis/policy/v1", "/apis/networking.k8s.io/v1",
            "/apis/monitoring.coreos.com/v1", "/apis/networking.istio.io/v1"} == {r.path for r in discovery[2:]}
    assert len({r.path for r in discovery}) == len(discovery)
    # the live HPAs and Deployments are read (managed-by label) before the workloads are rendered
    lists = [r for r in step.requests if "labelSelector" in r.query]
    assert [r.path for r in lists] == ["/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers" % NAMESPACE,
                                       "/apis/apps/v1/namespaces/%s/deployments" % NAMESPACE]
    assert {r.query["labelSelector"] for r in lists} == {"app.kubernetes.io/managed-by=meridian.global_infra"}
    # stored: exactly the rendered objects, owned by the field manager meridian (the web HPA's floor
    # also by meridian-scaling, see test_the_floor_the_scale_job_set_is_kept)
    assert sorted(step.before) == [("autoscaling/v2", "HorizontalPodAutoscaler", NAMESPACE, "web"),
                                   ("v1", "Namespace", "", NAMESPACE)]
    assert sorted(step.after) == sorted(_ident(m) for m in _in_order(manifests))
    for key, obj in step.after.items():
        managers = [f["manager"] for f in obj["metadata"]["managedFields"]]
        assert managers == (["meridian", "meridian-scaling"] if key == HPA_WEB else ["meridian"]), (key, managers)
        # the recorded objects were changed in place, not recreated
        if key in step.before:
            assert obj["metadata"]["uid"] == step.before[key]["metadata"]["uid"]
    # every object changed: new ones, the namespace (a label), the HPA (the request-rate metric)
    assert _apply_changed(step.report, HOST) == len(step.after)
    assert step.report["stats"][HOST]["changed"] > 0


def test_the_floor_the_scale_job_set_is_kept(journey):
    step = journey["apply"]
    live = step.before[HPA_WEB]
    assert live["spec"]["minReplicas"] == FLOOR
    assert _hpa_owners(live)["meridian-scaling"] == ["f:minReplicas"]
    assert "f:minReplicas" not in _hpa_owners(live)["meridian"]
    hpas = {m["metadata"]["name"]: m for m in rendered(step.report, HOST)["compute"]
            if m["kind"] == "HorizontalPodAutoscaler"}
    # web keeps the floor the scale job set; api (no live HPA) starts at capacity.initial
    assert hpas["web"]["spec"]["minReplicas"] == FLOOR
    assert hpas["api"]["spec"]["minReplicas"] == INITIAL
    # only that field comes from the live object: the rest is rendered (the live HPA lacks the request-rate metric)
    assert hpas["web"]["spec"]["metrics"] != live["spec"]["metrics"]
    assert [m["type"] for m in hpas["web"]["spec"]["metrics"]] == ["Resource", "Pods"]
    [patch] = [r for r in _patches(step.requests) if r.path == PATHS.path_of(hpas["web"])]
    assert patch.body == hpas["web"]
    applied = step.after[HPA_WEB]
    assert applied["spec"]["minReplicas"] == FLOOR
    assert applied["spec"]["metrics"] == hpas["web"]["spec"]["metrics"]
    owners = _hpa_owners(applied)
    assert owners["meridian-scaling"] == ["f:minReplicas"] and "f:minReplicas" in owners["meridian"]
    # with capacity.initial instead, the API server refuses the apply (force is false): the floor is the scale job's
    unkept = journey["unkept"]
    assert unkept["status"] == 409, unkept
    assert 'conflict with "meridian-scaling"' in unkept["message"] and ".spec.minReplicas" in unkept["message"], unkept


def test_a_second_run_applies_again_and_changes_nothing(journey):
    first, step = journey["apply"], journey["again"]
    manifests = rendered(step.report, HOST)
    assert manifests == rendered(first.report, HOST)
    _assert_applied_in_order(step.requests, manifests)
    # the server answered with the objects as they were: nothing written, kubernetes.core saw no change
    assert step.after == step.before
    assert _apply_changed(step.report, HOST) == 0
    assert step.report["stats"][HOST]["changed"] == 0, step.report["stats"]


def test_check_mode_sends_a_server_dry_run_and_stores_nothing(journey):
    first, step = journey["apply"], journey["check"]
    manifests = rendered(step.report, HOST)
    assert manifests == rendered(first.report, HOST)
    _assert_applied_in_order(step.requests, manifests, dry_run=True)
    # the live objects are still read (check_mode: false on the read), so the floor is kept here too
    assert len([r for r in step.requests if "labelSelector" in r.query]) == 2
    assert step.after == step.before
    assert _apply_changed(step.report, HOST) == 0
    assert step.report["stats"][HOST]["changed"] == 0, step.report["stats"]


def test_check_mode_on_a_cluster_without_the_namespace_dry_runs_what_the_server_can(journey):
    """The server cannot dry-run objects inside a namespace that was only dry-run created (404): the
    check run dry-runs the namespace, validates the rest offline, says so, and succeeds."""
    step = journey["fresh_check"]
    patches = _patches(step.requests)
    assert [r.path for r in patches] == ["/api/v1/namespaces/" + NAMESPACE]
    assert all(r.query.get("dryRun") == "All" for r in patches)
    assert step.before == {} and step.after == {}
    note_task = "meridian.global_infra.k8s_delivery : Say what a check run could not dry-run on the server"
    notes = [r.get("msg", "") for r in _task_results(step.report, note_task, HOST)]
    assert any("does not exist on the cluster yet" in n and "network" in n for n in notes), notes
    # every object was still rendered and validated (the same set the apply sends)
    assert rendered(step.report, HOST).keys() == rendered(journey["apply"].report, HOST).keys()
    assert sum(len(c) for c in rendered(step.report, HOST).values()) == 19


def test_teardown_deletes_in_reverse_component_order(journey):
    applied, step = journey["apply"], journey["teardown"]
    manifests = rendered(applied.report, HOST)
    deletes = [r for r in step.requests if r.method == "DELETE"]
    assert not _patches(step.requests)
    component_of = {PATHS.path_of(m): c for c in COMPONENTS for m in manifests[c]}
    assert sorted(r.path for r in deletes) == sorted(component_of)
    order = [component_of[r.path] for r in deletes]
    assert order == sorted(order, key=lambda c: -COMPONENTS.index(c)), order
    assert deletes[-1].path == "/api/v1/namespaces/" + NAMESPACE
    # kubernetes.core reads each object, then deletes it (no dry run, no delete options)
    for i, request in enumerate(step.requests):
        if request.method == "DELETE":
            assert (step.requests[i - 1].method, step.requests[i - 1].path) == ("GET", request.path)
            assert request.query == {} and request.body is None, request
    _assert_every_request_is_authenticated_and_legacy(step.requests)
    assert step.after == {}
    assert _apply_changed(step.report, HOST) == len(deletes)
