# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import (
    CatalogueError,
    catalogue,
    forecast_request,
    group_capacity,
    scaling_services,
    target_name,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")


def _inventory_services(env):
    """The environment's catalogue, with the file's own plain variables (image registry, release) filled in."""
    with open(os.path.join(ROOT, "inventories", env, "group_vars", "all", "services.yml")) as handle:
        text = handle.read()
    plain = dict((k, v) for k, v in yaml.safe_load(text).items() if isinstance(v, str) and "{{" not in v)
    for name, value in plain.items():
        text = text.replace("{{ %s }}" % name, value)
    return yaml.safe_load(text)["meridian_services"]


SERVICES = _inventory_services("local")


def test_target_name_is_the_one_naming_rule():
    assert target_name("meridian", "local", "web") == "meridian-local-web"
    entries = catalogue(SERVICES, "meridian", "local")
    assert [e["target_name"] for e in entries] == ["meridian-local-web", "meridian-local-api"]


def test_target_name_refuses_names_past_the_target_group_limit():
    with pytest.raises(CatalogueError) as err:
        target_name("a-very-long-project", "production", "checkout")
    assert err.value.field == "meridian_services" and "32" in str(err.value)


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_the_shipped_catalogues_are_valid(env):
    entries = catalogue(_inventory_services(env), "meridian", env, providers=("aws", "k8s"))
    assert [e["scaling"]["owner"] for e in entries] == ["scaling", "scaling"]
    assert all(e["aws"]["instance_type"].startswith("t3.") for e in entries)
    assert [e["k8s"]["image"].rsplit("/", 1)[1].split(":")[0] for e in entries] == ["web", "api"]


def test_normalised_entry_keeps_bounds_and_defaults():
    entries = catalogue(SERVICES, "meridian", "local")
    web = entries[0]
    assert web["capacity"] == {"min": 1, "max": 6, "initial": 1}
    assert web["scaling"]["strategy"] == "predictive" and web["scaling"]["target_cpu"] == 50
    assert web["path_patterns"] == ["/*"] and web["data_class"] == "operational"


@pytest.mark.parametrize("change, field", [
    ({"port": 70000}, "meridian_services[web].port"),
    ({"health_path": "healthz"}, "meridian_services[web].health_path"),
    ({"name": "Web"}, "meridian_services[0].name"),
    ({"capacity": {"min": 1, "max": 6, "initial": 9}}, "meridian_services[web].capacity"),
    ({"capacity": {"max": 6}}, "meridian_services[web].capacity.min"),
    ({"aws": {"instance_type": "small"}}, "meridian_services[web].aws.instance_type"),
    ({"data_class": ""}, "meridian_services[web].data_class"),
    ({"scaling": {"strategy": "magic"}}, "meridian_services[web].scaling.strategy"),
    ({"scaling": {"dimensions": []}}, "meridian_services[web].scaling.dimensions"),
    ({"min_size": 1}, "meridian_services[web]"),
])
def test_bad_entries_name_the_service_and_field(change, field):
    services = copy.deepcopy(SERVICES)
    services[0].update(change)
    with pytest.raises(CatalogueError) as err:
        catalogue(services, "meridian", "local")
    assert err.value.field == field


def test_an_empty_catalogue_says_what_to_define():
    with pytest.raises(CatalogueError) as err:
        catalogue([], "meridian", "local")
    assert err.value.field == "meridian_services" and "at least one service" in str(err.value)


def test_a_dimension_needs_positive_unit_capacity():
    services = copy.deepcopy(SERVICES)
    services[1]["scaling"]["dimensions"][0]["unit_capacity"] = 0
    with pytest.raises(CatalogueError) as err:
        catalogue(services, "meridian", "local")
    assert err.value.field == "meridian_services[api].scaling.dimensions[0].unit_capacity"


def test_scaling_services_carry_the_catalogue_bounds_and_skip_static_services():
    services = copy.deepcopy(SERVICES)
    services[1]["scaling"] = {"strategy": "static"}
    out = scaling_services(catalogue(services, "meridian", "local"))
    assert [s["name"] for s in out] == ["web"]
    assert out[0]["min_capacity"] == 1 and out[0]["max_capacity"] == 6
    assert out[0]["target_name"] == "meridian-local-web" and out[0]["cost"]["currency"] == "USD"


def test_forecast_request_adds_current_capacity_and_drops_the_target_name():
    services = scaling_services(catalogue(SERVICES, "meridian", "local"))
    request = forecast_request(services, {"meridian-local-web": 3})
    assert request[0]["current_capacity"] == 3 and "target_name" not in request[0]
    assert "current_capacity" not in request[1]


def _entry(strategy="predictive", cap=None):
    services = copy.deepcopy(SERVICES[:1])
    services[0]["capacity"] = cap or {"min": 1, "max": 6, "initial": 2}
    services[0]["scaling"]["strategy"] = strategy
    return catalogue(services, "meridian", "local")[0]


def test_a_new_group_starts_at_the_initial_capacity():
    assert group_capacity(_entry(), None) == {"min_size": 1, "max_size": 6, "desired_capacity": 2, "differs": ["absent"]}


def test_a_scaled_group_keeps_its_desired_capacity():
    # scale.yml set the group to 5: provisioning leaves it there.
    group = {"min_size": 1, "max_size": 6, "desired_capacity": 5}
    assert group_capacity(_entry(), group) == {"min_size": 1, "max_size": 6, "desired_capacity": 5, "differs": []}


def test_a_forecast_floor_inside_the_bounds_is_kept():
    group = {"min_size": 4, "max_size": 6, "desired_capacity": 4}
    assert group_capacity(_entry(), group)["differs"] == []


def test_bounds_are_enforced_and_desired_clamped_into_them():
    group = {"min_size": 0, "max_size": 20, "desired_capacity": 12}
    assert group_capacity(_entry(), group) == {"min_size": 1, "max_size": 6, "desired_capacity": 6,
                                               "differs": ["desired_capacity", "max_size", "min_size"]}


def test_a_static_service_is_held_at_its_initial_capacity():
    group = {"min_size": 1, "max_size": 6, "desired_capacity": 5}
    assert group_capacity(_entry("static"), group) == {"min_size": 1, "max_size": 6, "desired_capacity": 2,
                                                       "differs": ["desired_capacity"]}
