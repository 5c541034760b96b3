# -*- coding: utf-8 -*-
"""k8s.schema: built-in kinds against Kubernetes' own schemas (strict), DestinationRule and
ServiceMonitor against their upstream CRD schemas; errors name the object and the field path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import time

import pytest

pytest.importorskip("kubernetes_validate")
pytest.importorskip("jsonschema")

import jsonschema  # noqa: E402

from ansible_collections.meridian.global_infra.plugins.module_utils.k8s import schema  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.schema import (  # noqa: E402
    SchemaError,
    validate_manifests,
)

VERSION = "1.33"
LABELS = {"app.kubernetes.io/name": "web", "app.kubernetes.io/managed-by": "meridian.global_infra"}


def deployment():
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "meridian-local", "labels": dict(LABELS),
                     "annotations": {"meridian.global_infra/component": "compute"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {"containers": [{
                    "name": "web", "image": "ghcr.io/example/web:1.4.2", "imagePullPolicy": "IfNotPresent",
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
                }]},
            },
        },
    }


def destination_rule(api_version="networking.istio.io/v1"):
    return {
        "apiVersion": api_version, "kind": "DestinationRule",
        "metadata": {"name": "web", "namespace": "meridian-local", "labels": dict(LABELS),
                     "annotations": {"meridian.global_infra/component": "routing"}},
        "spec": {
            "host": "web.meridian-local.svc.cluster.local",
            "trafficPolicy": {
                "loadBalancer": {"simple": "LEAST_REQUEST", "localityLbSetting": {
                    "enabled": True, "failover": [{"from": "eu-west-1", "to": "us-east-1"}]}},
                "outlierDetection": {"consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s",
                                     "maxEjectionPercent": 50},
            },
        },
    }


def service_monitor():
    return {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": "web", "namespace": "meridian-local", "labels": dict(LABELS),
                     "annotations": {"meridian.global_infra/component": "monitoring"}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
    }


def refused(manifest, version=VERSION):
    with pytest.raises(SchemaError) as exc:
        validate_manifests([manifest], version)
    return exc.value


def test_valid_manifests_are_counted():
    assert validate_manifests([deployment(), destination_rule(), service_monitor()], VERSION) == 3
    assert validate_manifests([], VERSION) == 0


def test_a_misspelled_deployment_field_is_refused_naming_its_path():
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    err = refused(manifest)
    assert err.field == "Deployment/web"
    assert "spec.template.spec.containers[0].imagePullPolicyy: unknown field" in str(err)
    assert "did you mean 'imagePullPolicy'?" in str(err)
    assert err.problems[0][0] == "spec.template.spec.containers[0].imagePullPolicyy"


def test_a_wrong_type_is_refused_naming_its_path():
    manifest = deployment()
    manifest["spec"]["replicas"] = "3"
    err = refused(manifest)
    assert err.field == "Deployment/web"
    assert 'spec.replicas: expected integer, got string "3"' in str(err)


def test_a_missing_required_field_and_an_annotation_that_is_not_a_string():
    manifest = deployment()
    del manifest["spec"]["selector"]
    manifest["metadata"]["annotations"]["prometheus.io/scrape"] = True
    err = refused(manifest)
    paths = [path for path, _text in err.problems]
    assert paths == ['metadata.annotations["prometheus.io/scrape"]', "spec.selector"]
    assert "spec.selector: required field missing" in str(err)


def test_an_unknown_field_in_a_destination_rule_is_refused():
    manifest = destination_rule()
    manifest["spec"]["trafficPolicy"]["outlierDetection"]["consecutive5xxErrorz"] = 5
    err = refused(manifest)
    assert err.field == "DestinationRule/web"
    assert "spec.trafficPolicy.outlierDetection.consecutive5xxErrorz: unknown field" in str(err)
    assert "consecutive5xxErrors" in str(err)


def test_custom_resource_metadata_is_an_object_meta():
    manifest = service_monitor()
    manifest["metadata"]["lables"] = {}
    assert "metadata.lables: unknown field (did you mean 'labels'?)" in str(refused(manifest))


def test_destination_rule_enum_and_service_monitor_pattern():
    manifest = destination_rule()
    manifest["spec"]["trafficPolicy"]["loadBalancer"]["simple"] = "FASTEST"
    assert 'spec.trafficPolicy.loadBalancer.simple: "FASTEST" is not one of' in str(refused(manifest))
    manifest = service_monitor()
    manifest["spec"]["endpoints"][0]["interval"] = "30 seconds"
    assert "spec.endpoints[0].interval" in str(refused(manifest))


@pytest.mark.parametrize("api_version", ["networking.istio.io/v1", "networking.istio.io/v1beta1",
                                         "networking.istio.io/v1alpha3"])
def test_every_served_destination_rule_version_is_accepted(api_version):
    assert validate_manifests([destination_rule(api_version)], VERSION) == 1


def test_an_api_version_the_crd_does_not_serve_is_refused():
    err = refused(destination_rule("networking.istio.io/v2"))
    assert err.field == "DestinationRule/web"
    assert "not served" in str(err) and "networking.istio.io/v1beta1" in str(err)
    manifest = service_monitor()
    manifest["apiVersion"] = "monitoring.coreos.com/v1alpha1"
    assert "not served" in str(refused(manifest))


def test_an_unknown_kind_or_a_removed_api_version_is_refused():
    manifest = deployment()
    manifest["kind"] = "Frobnicator"
    err = refused(manifest)
    assert err.field == "Frobnicator/web"
    assert "neither a built-in kind" in str(err) and "DestinationRule, ServiceMonitor" in str(err)
    hpa = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
           "spec": {}}
    assert "serves HorizontalPodAutoscaler as: autoscaling/v1, autoscaling/v2" in str(refused(hpa))


@pytest.mark.parametrize("version", ["1.20", "1.99", "one"])
def test_a_version_without_schemas_is_an_error_on_the_cluster_version(version):
    err = refused(deployment(), version)
    assert err.field == "meridian_kubernetes.version"


def test_a_manifest_without_kind_or_name():
    assert refused({"apiVersion": "v1", "metadata": {"name": "x"}}).field == "manifests[0]/x"
    assert "metadata.name" in str(refused({"apiVersion": "v1", "kind": "Namespace", "metadata": {}}))
    assert refused("text").field == "manifests[0]"


def test_structural_schema_extensions():
    node = {"type": "object", "properties": {
        "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
        "maybe": {"type": "string", "nullable": True, "enum": ["a"]},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {"type": "string"}}},
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        "map": {"type": "object", "additionalProperties": {"type": "string"}},
        "description": {"type": "string"},
    }}
    out = schema._structural(node)
    jsonschema.Draft7Validator.check_schema(out)
    validator = jsonschema.Draft7Validator(out)
    good = {"port": 8080, "maybe": None, "free": {"a": "x", "other": 1}, "tags": ["a", "b"], "ratio": 0.5,
            "map": {"k": "v"}, "description": "x"}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors(dict(good, port="http"))) == []
    for bad in ({"unknown": 1}, {"tags": ["a", "a"]}, {"ratio": 0}, {"maybe": "b"}, {"map": {"k": 1}}):
        assert list(validator.iter_errors(dict(good, **bad))), bad


def test_shipped_crd_schemas_are_valid_json_schemas():
    crds = schema.custom_resources()
    assert sorted(crds) == ["DestinationRule", "ServiceMonitor"]
    assert sorted(crds["DestinationRule"]["versions"]) == ["v1", "v1alpha3", "v1beta1"]
    for crd in crds.values():
        for version in crd["versions"].values():
            jsonschema.Draft7Validator.check_schema(version)
            assert "x-kubernetes-validations" not in json.dumps(version)


def test_schemas_are_read_once_per_process(monkeypatch):
    validate_manifests([deployment(), destination_rule(), service_monitor()], VERSION)  # warm the caches
    reads = []
    original = schema.kv_utils.schema_contents
    monkeypatch.setattr(schema.kv_utils, "schema_contents", lambda *a: reads.append(a) or original(*a))
    monkeypatch.setattr(schema, "CRD_MODULES", ())  # a second read of the CRD data would find no CRD
    manifests = [deployment(), destination_rule(), service_monitor()] * 14
    start = time.perf_counter()
    assert validate_manifests(manifests, VERSION) == 42
    elapsed = time.perf_counter() - start
    assert reads == []
    assert elapsed < 2.0  # about 5 ms for the 42 on a laptop; reading the schemas per call is ~200 ms


def test_without_the_cached_layout_kubernetes_validate_validate_is_used(monkeypatch):
    monkeypatch.setattr(schema, "_cached_layout", lambda: False)
    assert validate_manifests([deployment(), service_monitor()], VERSION) == 2
    manifest = deployment()
    manifest["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    assert "spec.template.spec.containers[0].imagePullPolicyy: unknown field" in str(refused(manifest))
    frob = dict(deployment(), kind="Frobnicator")
    assert "neither a built-in kind" in str(refused(frob))
    assert refused(deployment(), "1.20").field == "meridian_kubernetes.version"
    assert refused(deployment(), "1.99").field == "meridian_kubernetes.version"


def test_validation_changes_nothing():
    manifests = [deployment(), destination_rule()]
    before = copy.deepcopy(manifests)
    validate_manifests(manifests, VERSION)
    assert manifests == before
