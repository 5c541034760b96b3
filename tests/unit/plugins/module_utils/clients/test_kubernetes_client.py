# -*- coding: utf-8 -*-
"""clients/kubernetes against recorded API answers at the HTTP boundary (k8s_api_fake).

The real ``kubernetes`` client builds every request; the tests assert what goes on the wire (method,
path, query, content type, body) and how each recorded answer comes back (a dict, None, or a
KubernetesApiError naming the object, the status, the reason and the field).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

pytest.importorskip("kubernetes")

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.kubernetes import (  # noqa: E402
    APPLY_CONTENT_TYPE,
    FIELD_MANAGER,
    KubernetesApiError,
    KubernetesClient,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.module_utils.clients.k8s_api_fake import (  # noqa: E402
    HOST,
    TOKEN,
    FakeApiServer,
    fixture,
    write_kubeconfig,
)
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import fast_retries  # noqa: E402

NS = "meridian-local"
HPA_PATH = "/apis/autoscaling/v2/namespaces/meridian-local/horizontalpodautoscalers/meridian-local-web"
DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/meridian-local/deployments/meridian-local-worker"


@pytest.fixture
def server(monkeypatch):
    return FakeApiServer(monkeypatch)


@pytest.fixture
def sleeps(monkeypatch):
    return fast_retries(monkeypatch)


@pytest.fixture
def client(tmp_path):
    return KubernetesClient.from_config(write_kubeconfig(tmp_path))


def _floor_body(value=4, kind="HorizontalPodAutoscaler", name="meridian-local-web"):
    api = "autoscaling/v2" if kind == "HorizontalPodAutoscaler" else "apps/v1"
    field = "minReplicas" if kind == "HorizontalPodAutoscaler" else "replicas"
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": NS}, "spec": {field: value}}


# --------------------------------------------------------------------------------------------
# get


def test_get_reads_the_hpa_through_the_typed_api_as_a_camel_case_dict(server, client):
    server.answer(200, "hpa_get")
    hpa = client.get("HorizontalPodAutoscaler", NS, "meridian-local-web")
    (request,) = server.requests
    assert (request.method, request.host, request.path, request.query) == ("GET", HOST, HPA_PATH, {})
    assert request.headers["authorization"] == "Bearer " + TOKEN
    assert request.headers["Accept"] == "application/json"
    recorded = fixture("hpa_get")
    assert hpa["spec"] == recorded["spec"]  # metrics, behavior, quantities: as the API sent them
    assert (hpa["apiVersion"], hpa["kind"], hpa["metadata"]["name"], hpa["metadata"]["namespace"]) == (
        "autoscaling/v2", "HorizontalPodAutoscaler", "meridian-local-web", NS)
    assert hpa["metadata"]["labels"] == recorded["metadata"]["labels"]
    assert hpa["status"]["currentReplicas"] == 2


def test_get_reads_a_deployment_through_apps_v1(server, client):
    server.answer(200, "deployment_get")
    deployment = client.get("Deployment", NS, "meridian-local-worker")
    assert server.requests[0].path == DEPLOYMENT_PATH
    assert deployment["spec"]["replicas"] == 2 and deployment["kind"] == "Deployment"


def test_get_of_a_missing_object_is_none_and_not_retried(server, client, sleeps):
    server.answer(404, "status_404_not_found")
    assert client.get("HorizontalPodAutoscaler", NS, "meridian-local-web") is None
    assert len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize("answer", ["status_503_unavailable", "status_429_too_many_requests"])
def test_get_is_retried_on_429_and_5xx(server, client, sleeps, answer):
    status = fixture(answer)["code"]
    server.answer(status, answer).answer(200, "hpa_get")
    assert client.get("HorizontalPodAutoscaler", NS, "meridian-local-web")["spec"]["minReplicas"] == 2
    assert [r.method for r in server.requests] == ["GET", "GET"] and len(sleeps) == 1


def test_get_forbidden_names_the_object_and_the_credentials(server, client, sleeps):
    server.answer(403, "status_403_forbidden")
    with pytest.raises(KubernetesApiError) as err:
        client.get("HorizontalPodAutoscaler", NS, "meridian-local-web")
    assert err.value.status == 403 and err.value.reason == "Forbidden"
    assert err.value.field == "kubernetes.kubeconfig"
    assert "get HorizontalPodAutoscaler meridian-local/meridian-local-web failed: 403 Forbidden" in str(err.value)
    assert "cannot patch resource" in str(err.value) and sleeps == []


# --------------------------------------------------------------------------------------------
# server-side apply


def test_apply_is_a_server_side_apply_patch_of_the_floor_only(server, client):
    server.answer(200, "hpa_apply")
    answer = client.apply(_floor_body(4))
    (request,) = server.requests
    assert (request.method, request.host, request.path) == ("PATCH", HOST, HPA_PATH)
    assert request.query == {"fieldManager": [FIELD_MANAGER], "force": ["false"]}
    assert request.headers["Content-Type"] == APPLY_CONTENT_TYPE == "application/apply-patch+yaml"
    assert request.headers["authorization"] == "Bearer " + TOKEN
    assert request.body == {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                            "metadata": {"name": "meridian-local-web", "namespace": NS}, "spec": {"minReplicas": 4}}
    assert answer == fixture("hpa_apply")  # the answer as the API server sent it


def test_apply_in_check_mode_is_a_dry_run(server, client):
    server.answer(200, "hpa_apply")
    client.apply(_floor_body(4), dry_run=True)
    assert server.requests[0].query == {"dryRun": ["All"], "fieldManager": ["meridian-scaling"], "force": ["false"]}


def test_apply_with_force_takes_the_field_over(server, client):
    server.answer(200, "hpa_apply")
    client.apply(_floor_body(4), force=True)
    assert server.requests[0].query["force"] == ["true"]


def test_apply_of_a_deployment_patches_apps_v1(server, client):
    server.answer(200, "deployment_apply")
    answer = client.apply(_floor_body(3, kind="Deployment", name="meridian-local-worker"))
    assert server.requests[0].path == DEPLOYMENT_PATH
    assert server.requests[0].body["spec"] == {"replicas": 3} and answer["spec"]["replicas"] == 3


def test_apply_conflict_names_the_field_and_the_owner_and_is_not_retried(server, client, sleeps):
    server.answer(409, "status_409_apply_conflict")
    with pytest.raises(KubernetesApiError) as err:
        client.apply(_floor_body(4))
    text = str(err.value)
    assert err.value.status == 409 and err.value.reason == "Conflict"
    assert err.value.field == "kubernetes.force_conflicts"
    assert err.value.causes == [{"reason": "FieldManagerConflict", "message": 'conflict with "meridian" using autoscaling/v2',
                                 "field": ".spec.minReplicas"}]
    assert text.startswith("server-side apply of HorizontalPodAutoscaler meridian-local/meridian-local-web "
                           "(field manager meridian-scaling) failed: 409 Conflict")
    assert 'field .spec.minReplicas: conflict with "meridian"' in text and "force_conflicts: true" in text
    assert len(server.requests) == 1 and sleeps == []


def test_apply_invalid_names_the_field_of_the_cause(server, client):
    server.answer(422, "status_422_invalid")
    with pytest.raises(KubernetesApiError) as err:
        client.apply(_floor_body(0), dry_run=True)
    assert err.value.status == 422 and err.value.reason == "Invalid"
    assert "server-side apply (dry run) of HorizontalPodAutoscaler" in str(err.value)
    assert "field spec.minReplicas: Invalid value: 0" in str(err.value)


def test_apply_retries_until_the_attempts_run_out_then_says_so(server, client, sleeps, monkeypatch):
    monkeypatch.setattr(retry, "RETRIES", 3)
    for _attempt in range(3):
        server.answer(429, "status_429_too_many_requests")
    with pytest.raises(KubernetesApiError) as err:
        client.apply(_floor_body(4))
    assert len(server.requests) == 3 and len(sleeps) == 2
    assert err.value.status == 429 and "still failing after 3 attempts" in str(err.value)


def test_apply_recovers_from_a_transient_503(server, client, sleeps):
    server.answer(503, "status_503_unavailable").answer(200, "hpa_apply")
    assert client.apply(_floor_body(4))["spec"]["minReplicas"] == 4
    assert [r.method for r in server.requests] == ["PATCH", "PATCH"] and len(sleeps) == 1
    assert server.requests[0].body == server.requests[1].body


# --------------------------------------------------------------------------------------------
# connection


def test_an_unreadable_kubeconfig_names_the_option(tmp_path):
    with pytest.raises(KubernetesApiError) as err:
        KubernetesClient.from_config(str(tmp_path / "absent"))
    assert err.value.field == "kubernetes.kubeconfig" and "absent" in str(err.value)


def test_an_unknown_context_names_the_option(tmp_path):
    with pytest.raises(KubernetesApiError) as err:
        KubernetesClient.from_config(write_kubeconfig(tmp_path), context="elsewhere")
    assert err.value.field == "kubernetes.context" and "elsewhere" in str(err.value)


def test_the_context_selects_the_cluster(tmp_path, server):
    client = KubernetesClient.from_config(write_kubeconfig(tmp_path, context="prod", server="https://prod.test:443"),
                                          context="prod")
    server.answer(200, "hpa_get")
    client.get("HorizontalPodAutoscaler", NS, "meridian-local-web")
    assert server.requests[0].host == "https://prod.test:443"


def test_without_a_kubeconfig_in_a_pod_the_service_account_is_used(tmp_path, monkeypatch):
    from ansible_collections.meridian.global_infra.plugins.module_utils.clients import kubernetes as module

    calls = []
    monkeypatch.setattr(module, "_has_kubeconfig", lambda: False)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")

    def load_incluster_config(client_configuration):
        calls.append(client_configuration)
        client_configuration.host = "https://10.96.0.1:443"

    monkeypatch.setattr(module.k8s_config, "load_incluster_config", load_incluster_config)
    client = KubernetesClient.from_config()
    assert len(calls) == 1 and client.api_client.configuration.host == "https://10.96.0.1:443"


def test_an_unreachable_api_server_is_not_retried_and_names_the_connection(client, sleeps, monkeypatch):
    import urllib3

    calls = []

    def refuse(pool, method, url, **kwargs):
        calls.append(url)
        raise urllib3.exceptions.MaxRetryError(pool, url, reason="connection refused")

    monkeypatch.setattr(urllib3.PoolManager, "request", refuse)
    with pytest.raises(KubernetesApiError) as err:
        client.get("HorizontalPodAutoscaler", NS, "meridian-local-web")
    assert len(calls) == 1 and sleeps == []
    assert err.value.field == "kubernetes.kubeconfig" and "cannot reach the API server" in str(err.value)


@pytest.mark.parametrize("status, retried", [(429, True), (500, True), (503, True), (599, True), (400, False),
                                             (404, False), (409, False), (None, False), (0, False)])
def test_the_http_policy_retries_429_and_5xx_only(status, retried):
    assert retry.http_retryable(status) is retried
