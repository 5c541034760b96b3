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
    budget_per_day,
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
    assert web["scaling"]["strategy"] == "hybrid" and web["scaling"]["target_cpu"] == 50
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


def test_the_gcp_provider_needs_a_machine_type():
    services = copy.deepcopy(SERVICES)
    for entry in services:
        entry["gcp"] = {"machine_type": "e2-small"}
    entries = catalogue(services, "meridian", "local", providers=("gcp",))
    assert [e["gcp"] for e in entries] == [{"machine_type": "e2-small"}] * 2 and "aws" not in entries[0]
    for bad in ({}, {"machine_type": "e2.small"}, {"machine_type": 4}):
        services[1]["gcp"] = bad
        with pytest.raises(CatalogueError) as err:
            catalogue(services, "meridian", "local", providers=("gcp",))
        assert err.value.field == "meridian_services[api].gcp.machine_type" and "e2-small" in str(err.value)


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


# The scaling strategies, modes, guards and cost of a service (issue 19).

def _scaling(change, index=0):
    services = copy.deepcopy(SERVICES)
    services[index]["scaling"].update(change)
    return catalogue(services, "meridian", "local")[index]["scaling"]


def test_a_predictive_service_of_0_1_keeps_its_meaning_with_the_new_defaults():
    services = copy.deepcopy(SERVICES)
    del services[1]["scaling"]["reactive"]  # a 0.1 entry names no reactive metric
    api = catalogue(services, "meridian", "local")[1]["scaling"]
    assert api["strategy"] == "predictive" and api["owner"] == "scaling"
    assert api["mode"] == "forecast_and_scale" and api["reactive"] == {"metric": "cpu", "target": 50}
    assert api["schedules"] == [] and api["scheduling_buffer"] == 300
    assert api["max_capacity_breach"] == "honor" and api["max_capacity_buffer"] == 0
    assert api["allowed_underprovisioned"] == 0.005 and "cost" in api and "budget_per_day" not in api["cost"]


def test_the_local_api_service_tracks_requests_per_target_and_keeps_its_cpu_target():
    api = catalogue(SERVICES, "meridian", "local")[1]["scaling"]
    assert api["reactive"] == {"metric": "requests_per_target", "target": 8400} and api["target_cpu"] == 50


def test_the_local_web_service_is_hybrid_with_a_schedule_target_tracking_and_the_forecast():
    web = catalogue(SERVICES, "meridian", "local")[0]["scaling"]
    assert web["strategy"] == "hybrid" and web["schedules"][0]["time_zone"] == "Europe/Berlin"
    assert web["reactive"] == {"metric": "cpu", "target": 50} and web["dimensions"]


def test_hybrid_is_the_default_strategy_of_a_scaled_service():
    services = copy.deepcopy(SERVICES)
    del services[0]["scaling"]["strategy"]
    scaling = catalogue(services, "meridian", "local")[0]["scaling"]
    assert scaling["strategy"] == "hybrid" and scaling["owner"] == "scaling" and scaling["dimensions"]


def test_a_full_hybrid_service_is_normalised():
    scaling = _scaling({
        "strategy": "hybrid", "mode": "forecast_only",
        "reactive": {"metric": "promql", "target": 250, "query": "sum(rate(http_requests_total[5m]))"},
        "schedules": [{"name": "office", "cron": "0 8 * * 1-5", "time_zone": "Europe/Berlin", "min": 4,
                       "duration": 36000},
                      {"cron": "0 20 * * *", "max": 3}],
        "scheduling_buffer": 600, "max_capacity_breach": "increase", "max_capacity_buffer": 20,
        "allowed_underprovisioned": 0.01,
        "cost": {"on_demand_price": 0.0208, "currency": "USD", "budget_per_day": 3, "on_demand_base": 1,
                 "spot_share": 0.5, "spot_price": 0.0062,
                 "instance_types": ["t3.small", {"type": "t3a.small", "weight": 1, "price": 0.0188}]},
    })
    assert scaling["mode"] == "forecast_only"
    assert scaling["reactive"] == {"metric": "promql", "target": 250.0, "query": "sum(rate(http_requests_total[5m]))"}
    assert scaling["schedules"] == [
        {"name": "office", "cron": "0 8 * * 1-5", "time_zone": "Europe/Berlin", "min": 4, "max": None,
         "duration": 36000},
        {"name": "schedule-1", "cron": "0 20 * * *", "time_zone": "UTC", "min": None, "max": 3, "duration": None}]
    assert scaling["scheduling_buffer"] == 600
    assert (scaling["max_capacity_breach"], scaling["max_capacity_buffer"]) == ("increase", 20)
    assert scaling["allowed_underprovisioned"] == 0.01
    assert scaling["cost"]["instance_types"] == [{"type": "t3.small"}, {"type": "t3a.small", "weight": 1, "price": 0.0188}]
    assert scaling["cost"]["budget_per_day"] == 3.0 and scaling["cost"]["on_demand_base"] == 1


def test_a_scheduled_or_reactive_service_needs_no_load_dimensions():
    services = copy.deepcopy(SERVICES)
    services[0]["scaling"] = {"strategy": "scheduled", "schedules": [{"cron": "0 8 * * 1-5", "min": 2}]}
    services[1]["scaling"] = {"strategy": "reactive", "reactive": {"metric": "requests_per_target", "target": 400}}
    web, api = catalogue(services, "meridian", "local")
    assert "dimensions" not in web["scaling"] and web["scaling"]["owner"] == "scaling"
    assert api["scaling"]["reactive"] == {"metric": "requests_per_target", "target": 400.0}
    assert api["scaling"]["target_cpu"] == 50


def test_the_cpu_target_is_given_once():
    assert _scaling({"target_cpu": 60})["reactive"] == {"metric": "cpu", "target": 60}
    services = copy.deepcopy(SERVICES)
    del services[0]["scaling"]["target_cpu"]
    services[0]["scaling"]["reactive"] = {"metric": "cpu", "target": 40}
    assert catalogue(services, "meridian", "local")[0]["scaling"]["target_cpu"] == 40


def test_the_environment_budget_is_a_positive_number_or_none():
    assert budget_per_day(None) is None and budget_per_day("") is None
    assert budget_per_day(40) == 40.0
    with pytest.raises(CatalogueError) as err:
        budget_per_day(0)
    assert err.value.field == "meridian_budget_per_day"


S = "meridian_services[web].scaling"


@pytest.mark.parametrize("change, field, hint", [
    ({"strategy": "scheduled", "schedules": []}, S + ".schedules", "at least one schedule"),
    ({"mode": "dry_run"}, S + ".mode", "forecast_only"),
    ({"colour": "blue"}, S + ".colour", "scaling takes"),
    ({"reactive": {"metric": "memory", "target": 50}}, S + ".reactive.metric", "requests_per_target"),
    ({"reactive": {"metric": "cpu"}}, S + ".reactive.target", "missing"),
    ({"reactive": {"metric": "cpu", "target": 140}}, S + ".reactive.target", "out of range"),
    ({"target_cpu": 60, "reactive": {"metric": "cpu", "target": 40}}, S + ".reactive.target", "once"),
    ({"reactive": {"metric": "promql", "target": 100}}, S + ".reactive.query", "total load"),
    ({"reactive": {"metric": "cpu", "target": 50, "query": "up"}}, S + ".reactive.query", "only metric: promql"),
    ({"reactive": {"metric": "requests_per_target", "target": 0}}, S + ".reactive.target", "greater than 0"),
    ({"schedules": {"cron": "0 8 * * *"}}, S + ".schedules", "list of schedules"),
    ({"schedules": [{"cron": "0 8 * *", "min": 2}]}, S + ".schedules[0].cron", "five fields"),
    ({"schedules": [{"cron": "0 25 * * *", "min": 2}]}, S + ".schedules[0].cron", "not a valid cron"),
    ({"schedules": [{"cron": "0 8 * * *", "time_zone": "Mars/Olympus", "min": 2}]}, S + ".schedules[0].time_zone",
     "IANA"),
    ({"schedules": [{"cron": "0 8 * * *"}]}, S + ".schedules[0]", "min (the floor)"),
    ({"schedules": [{"cron": "0 8 * * *", "min": 9}]}, S + ".schedules[0].min", "out of range"),
    ({"schedules": [{"cron": "0 8 * * *", "min": 4, "max": 2}]}, S + ".schedules[0]", "min <= max"),
    ({"schedules": [{"cron": "0 8 * * *", "min": 2, "duration": 10}]}, S + ".schedules[0].duration", "out of range"),
    ({"schedules": [{"cron": "0 8 * * *", "min": 2, "every": "day"}]}, S + ".schedules[0].every", "unknown key"),
    ({"schedules": [{"name": "a", "cron": "0 8 * * *", "min": 2}, {"name": "a", "cron": "0 9 * * *", "min": 2}]},
     S + ".schedules[1].name", "twice"),
    ({"scheduling_buffer": 7200}, S + ".scheduling_buffer", "out of range"),
    ({"max_capacity_breach": "ignore"}, S + ".max_capacity_breach", "honor, increase"),
    ({"max_capacity_breach": "increase", "max_capacity_buffer": 0}, S + ".max_capacity_buffer", "at most this percent"),
    ({"max_capacity_buffer": 150}, S + ".max_capacity_buffer", "out of range"),
    ({"allowed_underprovisioned": 0.9}, S + ".allowed_underprovisioned", "between 0 and 0.5"),
    ({"allowed_underprovisioned": "a lot"}, S + ".allowed_underprovisioned", "expected a number"),
    ({"cost": {"on_demand_price": -1}}, S + ".cost.on_demand_price", ">= 0"),
    ({"cost": {"spot_share": 1.5}}, S + ".cost.spot_share", "between 0 and 1"),
    ({"cost": {"on_demand_base": -1}}, S + ".cost.on_demand_base", "out of range"),
    ({"cost": {"budget_per_day": 0}}, S + ".cost.budget_per_day", "greater than 0"),
    ({"cost": {"currency": "dollars"}}, S + ".cost.currency", "ISO 4217"),
    ({"cost": {"budget_per_month": 9}}, S + ".cost.budget_per_month", "cost takes"),
    ({"cost": {"instance_types": []}}, S + ".cost.instance_types", "non-empty list"),
    ({"cost": {"instance_types": [{"type": "small"}]}}, S + ".cost.instance_types[0].type", "t3.small"),
    ({"cost": {"instance_types": ["t3.small", "t3.small"]}}, S + ".cost.instance_types[1].type", "twice"),
    ({"cost": {"instance_types": [{"type": "t3.small", "weight": 0}]}}, S + ".cost.instance_types[0].weight",
     "out of range"),
    ({"cost": {"instance_types": [{"type": "t3.small", "price": 0}]}}, S + ".cost.instance_types[0].price",
     "greater than 0"),
])
def test_bad_scaling_settings_name_the_field_and_the_fix(change, field, hint):
    with pytest.raises(CatalogueError) as err:
        _scaling(change)
    assert err.value.field == field
    assert hint in str(err.value)


def test_scaling_services_carry_every_scaled_service_with_its_strategy():
    services = copy.deepcopy(SERVICES)
    services[0]["scaling"]["strategy"] = "hybrid"
    services[0]["scaling"]["schedules"] = [{"cron": "0 8 * * 1-5", "time_zone": "Europe/Berlin", "min": 3}]
    services[1]["scaling"] = {"strategy": "reactive", "reactive": {"metric": "requests_per_target", "target": 400}}
    web, api = scaling_services(catalogue(services, "meridian", "local"))
    assert web["strategy"] == "hybrid" and web["schedules"][0]["min"] == 3 and web["dimensions"]
    assert web["mode"] == "forecast_and_scale" and web["scheduling_buffer"] == 300
    assert api["strategy"] == "reactive" and "dimensions" not in api
    assert api["reactive"] == {"metric": "requests_per_target", "target": 400.0}
