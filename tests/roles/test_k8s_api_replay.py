# -*- coding: utf-8 -*-
"""The kube-apiserver replay (k8s_api_replay) driven by the real kubernetes Python client.

These tests pin what the replay answers, so that test_k8s_apply.py can trust it: discovery as the
DynamicClient reads it, server-side apply (field ownership, conflicts, no write when nothing changes,
dry run), list with a label selector, DELETE, and a kubeconfig that points at it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket

import pytest
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError

from ansible_collections.meridian.global_infra.tests.roles.k8s_api_replay import (
    FIXTURES,
    LIVE_OBJECTS,
    ApiReplay,
    label_selector_matches,
)

NS = "meridian-test"
LABELS = {"app.kubernetes.io/managed-by": "meridian.global_infra", "app.kubernetes.io/name": "web"}


@pytest.fixture
def api():
    replay = ApiReplay().start()
    try:
        yield replay
    finally:
        replay.stop()
    assert not replay.running


@pytest.fixture
def dyn(api, tmp_path):
    configuration = k8s_client.Configuration(host=api.url)
    return DynamicClient(k8s_client.ApiClient(configuration), cache_file=str(tmp_path / "discovery.json"))


def _namespace():
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "labels": {"team": "platform"}}}


def _hpa(min_replicas=1):
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web", "namespace": NS, "labels": dict(LABELS)},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": min_replicas, "maxReplicas": 6}}


def _status_of(exc_info):
    return json.loads(exc_info.value.body)


def _apply(dyn, body, manager="meridian", **kwargs):
    group_version = body["apiVersion"]
    resource = dyn.resources.get(api_version=group_version, kind=body["kind"])
    return resource.server_side_apply(body=body, name=body["metadata"]["name"],
                                      namespace=body["metadata"].get("namespace"), field_manager=manager,
                                      force_conflicts=kwargs.pop("force", False), **kwargs)


def test_discovery_serves_every_kind_the_collection_renders_in_the_legacy_format(api, dyn):
    kinds = [("v1", "Namespace"), ("v1", "Service"), ("apps/v1", "Deployment"),
             ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
             ("networking.k8s.io/v1", "NetworkPolicy"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
             ("networking.istio.io/v1", "DestinationRule")]
    for api_version, kind in kinds:
        resource = dyn.resources.get(api_version=api_version, kind=kind)
        assert resource.kind == kind and resource.group_version == api_version
    assert dyn.resources.get(api_version="v1", kind="Namespace").namespaced is False
    assert dyn.resources.get(api_version="apps/v1", kind="Deployment").namespaced is True
    assert dyn.version["kubernetes"]["minor"] == "33"
    paths = [r.path for r in api.requests]
    assert paths[:2] == ["/version", "/apis"]
    assert {"/apis/apps/v1", "/apis/networking.istio.io/v1", "/api/v1"} <= set(paths)
    # the client asks for plain JSON (legacy discovery), never for aggregated discovery or OpenAPI
    assert all(r.headers["accept"] == "application/json" for r in api.requests), [r.headers for r in api.requests]
    assert not [p for p in paths if p.startswith("/openapi")]


def test_server_side_apply_stores_the_object_with_server_metadata(api, dyn):
    namespace = _apply(dyn, _namespace())
    assert namespace.metadata.uid and namespace.metadata.resourceVersion
    assert namespace.metadata.labels["kubernetes.io/metadata.name"] == NS
    assert namespace.status.phase == "Active"

    hpa = _apply(dyn, _hpa()).to_dict()
    assert hpa["spec"]["minReplicas"] == 1
    assert hpa["metadata"]["generation"] == 1
    [managed] = hpa["metadata"]["managedFields"]
    assert managed["manager"] == "meridian" and managed["operation"] == "Apply"
    assert managed["fieldsV1"]["f:spec"]["f:minReplicas"] == {}
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS) == hpa

    request = api.requests[-1]
    assert request.method == "PATCH"
    assert request.path == "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers/web" % NS
    assert request.headers["content-type"] == "application/apply-patch+yaml"
    # the client spells the boolean False or false by version; the API server parses both (strconv.ParseBool)
    assert dict(request.query, force=request.query.get("force", "").lower()) == {"fieldManager": "meridian", "force": "false"}
    assert request.body == _hpa()


def test_applying_the_same_object_again_writes_nothing(api, dyn):
    _apply(dyn, _namespace())
    first = _apply(dyn, _hpa()).to_dict()
    again = _apply(dyn, _hpa()).to_dict()
    assert again == first
    changed = _apply(dyn, dict(_hpa(), spec=dict(_hpa()["spec"], maxReplicas=8))).to_dict()
    assert int(changed["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])
    assert changed["metadata"]["generation"] == 2


def test_a_namespaced_object_needs_its_namespace(api, dyn):
    with pytest.raises(NotFoundError) as exc:
        _apply(dyn, _hpa())
    assert _status_of(exc)["message"] == 'namespaces "%s" not found' % NS
    assert api.objects() == {}


def test_dry_run_answers_without_storing(api, dyn):
    _apply(dyn, _namespace())
    dry = _apply(dyn, _hpa(), dry_run="All").to_dict()
    assert dry["spec"]["minReplicas"] == 1 and dry["metadata"]["uid"]
    assert api.requests[-1].query["dryRun"] == "All"
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS) is None
    stored = _apply(dyn, _hpa()).to_dict()
    _apply(dyn, _hpa(4), dry_run="All")
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS) == stored


def test_a_field_another_manager_set_conflicts_unless_the_value_is_kept(api, dyn):
    _apply(dyn, _namespace())
    _apply(dyn, _hpa(1))
    # the scale job takes the floor over (as it would with force_conflicts)
    floor = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
             "metadata": {"name": "web", "namespace": NS}, "spec": {"minReplicas": 3}}
    _apply(dyn, floor, manager="meridian-scaling", force=True)
    live = api.object("autoscaling", "horizontalpodautoscalers", "web", NS)
    owners = {m["manager"]: m["fieldsV1"] for m in live["metadata"]["managedFields"]}
    assert "f:minReplicas" in owners["meridian-scaling"]["f:spec"]
    assert "f:minReplicas" not in owners["meridian"]["f:spec"]

    with pytest.raises(ConflictError) as exc:
        _apply(dyn, _hpa(1))
    status = _status_of(exc)
    assert status["message"] == ('Apply failed with 1 conflict: conflict with "meridian-scaling" using '
                                 'autoscaling/v2: .spec.minReplicas')
    assert status["details"]["causes"] == [{"reason": "FieldManagerConflict", "field": ".spec.minReplicas",
                                            "message": 'conflict with "meridian-scaling" using autoscaling/v2'}]
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS)["spec"]["minReplicas"] == 3

    kept = _apply(dyn, _hpa(3)).to_dict()
    assert kept["spec"]["minReplicas"] == 3
    owners = {m["manager"]: m["fieldsV1"] for m in kept["metadata"]["managedFields"]}
    assert "f:minReplicas" in owners["meridian"]["f:spec"] and "f:minReplicas" in owners["meridian-scaling"]["f:spec"]


def test_recorded_live_objects_keep_their_owners(api, dyn):
    with open(os.path.join(FIXTURES, LIVE_OBJECTS)) as handle:
        recorded = {item["kind"]: item for item in json.load(handle)["items"]}
    api.load(os.path.join(FIXTURES, LIVE_OBJECTS))
    hpas = dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    live = hpas.get(name="web", namespace="meridian-local").to_dict()
    assert live == recorded["HorizontalPodAutoscaler"]
    body = dict(_hpa(1), metadata=dict(_hpa()["metadata"], namespace="meridian-local"))
    with pytest.raises(ConflictError):
        _apply(dyn, body)
    kept = _apply(dyn, dict(body, spec=dict(body["spec"], minReplicas=3))).to_dict()
    assert int(kept["metadata"]["resourceVersion"]) > int(live["metadata"]["resourceVersion"])
    assert kept["metadata"]["uid"] == live["metadata"]["uid"]
    owners = {m["manager"]: m["fieldsV1"] for m in kept["metadata"]["managedFields"]}
    assert owners["meridian-scaling"] == {"f:spec": {"f:minReplicas": {}}}
    assert "f:minReplicas" in owners["meridian"]["f:spec"]


def test_fields_a_manager_no_longer_applies_are_removed(api, dyn):
    _apply(dyn, _namespace())
    with_annotation = _hpa()
    with_annotation["metadata"]["annotations"] = {"example.org/note": "x"}
    _apply(dyn, with_annotation)
    assert "annotations" in api.object("autoscaling", "horizontalpodautoscalers", "web", NS)["metadata"]
    _apply(dyn, _hpa())
    assert "annotations" not in api.object("autoscaling", "horizontalpodautoscalers", "web", NS)["metadata"]


def test_list_with_a_label_selector_and_delete(api, dyn):
    _apply(dyn, _namespace())
    _apply(dyn, _hpa())
    other = _hpa()
    other["metadata"].update(name="batch", labels={"app.kubernetes.io/managed-by": "someone-else"})
    _apply(dyn, other)
    hpas = dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    listed = hpas.get(namespace=NS, label_selector="app.kubernetes.io/managed-by=meridian.global_infra").to_dict()
    assert listed["kind"] == "HorizontalPodAutoscalerList"
    assert [item["metadata"]["name"] for item in listed["items"]] == ["web"]
    assert api.requests[-1].query == {"labelSelector": "app.kubernetes.io/managed-by=meridian.global_infra"}

    status = hpas.delete(name="web", namespace=NS, dry_run="All").to_dict()
    assert status["status"] == "Success"
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS) is not None
    hpas.delete(name="web", namespace=NS)
    with pytest.raises(NotFoundError):
        hpas.get(name="web", namespace=NS)
    # deleting the namespace removes what it holds
    terminating = dyn.resources.get(api_version="v1", kind="Namespace").delete(name=NS).to_dict()
    assert terminating["status"]["phase"] == "Terminating"
    assert api.objects() == {}


def test_requests_the_replay_does_not_model_are_refused(api, dyn):
    _apply(dyn, _namespace())
    hpas = dyn.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    with pytest.raises(Exception) as exc:
        hpas.patch(body=_hpa(), name="web", namespace=NS, content_type="application/merge-patch+json")
    assert exc.value.status == 415
    with pytest.raises(Exception) as exc:
        hpas.create(body=_hpa(), namespace=NS)
    assert exc.value.status == 405
    with pytest.raises(Exception) as exc:
        hpas.server_side_apply(body=_hpa(), name="web", namespace=NS)
    assert exc.value.status == 400


def test_a_snapshot_restored_on_another_replay_answers_the_same(api, dyn, tmp_path):
    _apply(dyn, _namespace())
    stored = _apply(dyn, _hpa()).to_dict()
    with ApiReplay() as other:
        other.restore(api.snapshot())
        other_dyn = DynamicClient(k8s_client.ApiClient(k8s_client.Configuration(host=other.url)),
                                  cache_file=str(tmp_path / "other.json"))
        assert _apply(other_dyn, _hpa()).to_dict() == stored
        changed = _apply(other_dyn, _hpa(2)).to_dict()
        assert int(changed["metadata"]["resourceVersion"]) > int(stored["metadata"]["resourceVersion"])
    # the copy is independent
    assert api.object("autoscaling", "horizontalpodautoscalers", "web", NS) == stored


def test_label_selectors():
    labels = {"a": "1", "b": "2"}
    assert label_selector_matches("a=1,b==2", labels)
    assert label_selector_matches("a in (1, 3),c notin (x),!c,b", labels)
    assert not label_selector_matches("a!=1", labels)
    assert not label_selector_matches("c", labels)
    assert label_selector_matches("", labels)


def test_a_kubeconfig_can_point_the_client_at_the_replay_over_http(api, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "other",
        "clusters": [{"name": "replay", "cluster": {"server": api.url}}],
        "users": [{"name": "tester", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": "replay", "context": {"cluster": "replay", "user": "tester"}},
                     {"name": "other", "context": {"cluster": "replay", "user": "tester"}}]}))
    api_client = k8s_config.new_client_from_config(config_file=str(kubeconfig), context="replay")
    assert k8s_client.VersionApi(api_client).get_code().minor == "33"
    assert api.requests[-1].headers["authorization"] == "Bearer not-a-secret"


def test_the_server_is_gone_after_stop():
    replay = ApiReplay().start()
    port = int(replay.url.rsplit(":", 1)[1])
    replay.stop()
    assert not replay.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
