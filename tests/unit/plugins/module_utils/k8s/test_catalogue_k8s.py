# -*- coding: utf-8 -*-
"""The catalogue's k8s settings: validated, normalised, and absent from what AWS roles see."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import (
    PROVIDERS,
    CatalogueError,
    catalogue,
)


def test_k8s_is_a_provider_but_the_default_stays_aws(raw_services):
    assert "k8s" in PROVIDERS and "aws" in PROVIDERS
    entries = catalogue(raw_services, "meridian", "local")
    assert all("aws" in e and "k8s" not in e for e in entries)


def test_both_providers_can_be_validated_at_once(raw_services):
    entries = catalogue(raw_services, "meridian", "local", ("aws", "k8s"))
    assert entries[0]["aws"]["instance_type"] == "t3.small"
    assert entries[0]["k8s"]["image"] == "ghcr.io/example/web:1.4.2"


def test_k8s_settings_are_normalised_with_defaults(make_services):
    web, api = make_services()
    assert web["k8s"] == {
        "image": "ghcr.io/example/web:1.4.2",
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "hpa": True,
        "requests_per_second_target": 50,
        "behavior": None,
        "overrides": {},
    }
    assert api["k8s"]["requests_per_second_target"] is None and "aws" not in api


def test_numeric_quantities_become_kubernetes_strings(make_services):
    web = make_services(web={"resources": {"requests": {"cpu": 0.5, "memory": "128Mi"}, "limits": {"cpu": 2}}})[0]
    assert web["k8s"]["resources"] == {"requests": {"cpu": "0.5", "memory": "128Mi"}, "limits": {"cpu": "2"}}


def test_behavior_and_overrides_are_kept_as_given(raw_services):
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 600, "selectPolicy": "Disabled"}}
    overrides = {"deployment": {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 45}}}},
                 "pdb": {"spec": {"maxUnavailable": None}}}
    raw_services[0]["k8s"].update(behavior=behavior, overrides=overrides)
    web = catalogue(raw_services, "meridian", "local", ("k8s",))[0]
    assert web["k8s"]["behavior"] == behavior and web["k8s"]["behavior"] is not behavior
    assert web["k8s"]["overrides"] == overrides


def test_a_requests_target_given_as_text_becomes_a_number(make_services):
    assert make_services(web={"requests_per_second_target": "12.5"})[0]["k8s"]["requests_per_second_target"] == 12.5


def test_a_service_without_an_hpa_needs_no_cpu_request(make_services):
    web = make_services(web={"hpa": False, "resources": None})[0]
    assert web["k8s"]["hpa"] is False and web["k8s"]["resources"] == {}


def test_a_service_without_a_k8s_block_is_told_to_give_its_image(raw_services):
    del raw_services[1]["k8s"]
    with pytest.raises(CatalogueError) as err:
        catalogue(raw_services, "meridian", "local", ("k8s",))
    assert err.value.field == "meridian_services[api].k8s.image" and "image" in err.value.message


@pytest.mark.parametrize("change, field", [
    ({"image": ""}, "meridian_services[web].k8s.image"),
    ({"image": ["ghcr.io/example/web:1"]}, "meridian_services[web].k8s.image"),
    ({"image": "ghcr.io/example/web 1.0"}, "meridian_services[web].k8s.image"),
    ({"replicas": 3}, "meridian_services[web].k8s.replicas"),
    ({"hpa": "yes"}, "meridian_services[web].k8s.hpa"),
    ({"resources": ["250m"]}, "meridian_services[web].k8s.resources"),
    ({"resources": {"request": {"cpu": "1"}}}, "meridian_services[web].k8s.resources.request"),
    ({"resources": {"requests": "1"}}, "meridian_services[web].k8s.resources.requests"),
    ({"resources": {"requests": {"cpu": "1", "gpu": "1"}}}, "meridian_services[web].k8s.resources.requests.gpu"),
    ({"resources": {"requests": {"cpu": "lots"}}}, "meridian_services[web].k8s.resources.requests.cpu"),
    ({"resources": {"requests": {"cpu": "-1"}}}, "meridian_services[web].k8s.resources.requests.cpu"),
    ({"resources": {"requests": {"cpu": True}}}, "meridian_services[web].k8s.resources.requests.cpu"),
    ({"resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "512Mi"}}},
     "meridian_services[web].k8s.resources.requests.memory"),
    ({"resources": {"requests": {"cpu": "1500m"}, "limits": {"cpu": "1"}}},
     "meridian_services[web].k8s.resources.requests.cpu"),
    ({"resources": {"requests": {"memory": "1Gi"}}}, "meridian_services[web].k8s.resources.requests.cpu"),
    ({"requests_per_second_target": 0}, "meridian_services[web].k8s.requests_per_second_target"),
    ({"requests_per_second_target": -5}, "meridian_services[web].k8s.requests_per_second_target"),
    ({"requests_per_second_target": True}, "meridian_services[web].k8s.requests_per_second_target"),
    ({"requests_per_second_target": "many"}, "meridian_services[web].k8s.requests_per_second_target"),
    ({"behavior": [{"scaleDown": {}}]}, "meridian_services[web].k8s.behavior"),
    ({"overrides": ["deployment"]}, "meridian_services[web].k8s.overrides"),
    ({"overrides": {"ingress": {"spec": {}}}}, "meridian_services[web].k8s.overrides.ingress"),
    ({"overrides": {"deployment": "replicas: 3"}}, "meridian_services[web].k8s.overrides.deployment"),
])
def test_bad_k8s_settings_name_the_field(make_services, change, field):
    with pytest.raises(CatalogueError) as err:
        make_services(web=change)
    assert err.value.field == field
    assert isinstance(err.value, MeridianError) and str(err.value).startswith(field + ": ")


def test_an_unknown_override_kind_lists_the_known_ones(make_services):
    with pytest.raises(CatalogueError) as err:
        make_services(api={"overrides": {"ingress": {}}})
    assert err.value.field == "meridian_services[api].k8s.overrides.ingress"
    for kind in ("deployment", "service", "hpa", "pdb", "network_policy", "service_monitor", "destination_rule"):
        assert kind in err.value.message


@pytest.mark.parametrize("quantity", ["100m", "1", "1.5", "2Gi", "512Mi", "1e3", "0.25", ".5", "1k"])
def test_kubernetes_quantities_are_accepted(make_services, quantity):
    web = make_services(web={"hpa": False, "resources": {"requests": {"memory": quantity}}})[0]
    assert web["k8s"]["resources"]["requests"]["memory"] == quantity
