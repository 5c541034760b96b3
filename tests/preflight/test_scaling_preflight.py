# -*- coding: utf-8 -*-
"""A bad service catalogue fails scale.yml and provision.yml in preflight, naming the host, the
service's field and the fix, before any API call (the AWS endpoint and Prometheus are closed ports)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import yaml

from ansible_collections.meridian.global_infra.tests.preflight.playbook import (
    CLOSED_ENDPOINT,
    ROOT,
    local_inventory,
    run_playbook,
)

with open(os.path.join(ROOT, "inventories", "local", "group_vars", "all", "services.yml")) as _handle:
    SERVICES = yaml.safe_load(_handle)["meridian_services"]

_CLOSED = {"meridian_provider": "aws", "meridian_aws_endpoint_url": CLOSED_ENDPOINT, "meridian_prometheus_url": CLOSED_ENDPOINT}
HOST = {
    "aws-us-east-1": dict(_CLOSED, meridian_region="us-east-1", meridian_failover_region="eu-west-1",
                          network_vpc_cidr="10.10.0.0/16"),
    "aws-eu-west-1": dict(_CLOSED, meridian_region="eu-west-1", meridian_failover_region="us-east-1",
                          network_vpc_cidr="10.20.0.0/16"),
}


def _untouched(out):
    """Nothing past preflight ran: no AWS or Prometheus call was attempted."""
    return ("Read the current capacity" not in out and "Could not connect" not in out
            and "EndpointConnectionError" not in out and "Forecast the load" not in out)


def test_an_empty_catalogue_fails_scale_naming_host_and_variable(tmp_path):
    rc, out = run_playbook(local_inventory(tmp_path, HOST, {"meridian_services": []}), "scale.yml")
    assert rc != 0
    assert "host aws-us-east-1: meridian_services" in out and "define at least one service" in out
    assert _untouched(out)


def test_a_service_without_its_minimum_fails_scale_naming_the_field(tmp_path):
    services = copy.deepcopy(SERVICES)
    del services[1]["capacity"]["min"]
    rc, out = run_playbook(local_inventory(tmp_path, HOST, {"meridian_services": services}), "scale.yml")
    assert rc != 0
    assert "host aws-us-east-1: meridian_services[api].capacity.min: missing" in out
    assert "capacity: {min: 1, max: 6, initial: 1}" in out
    assert _untouched(out)


def test_no_scaled_service_fails_scale_saying_what_to_set(tmp_path):
    services = copy.deepcopy(SERVICES)
    for service in services:
        service["scaling"] = {"strategy": "static"}
    rc, out = run_playbook(local_inventory(tmp_path, HOST, {"meridian_services": services}), "scale.yml")
    assert rc != 0
    assert "every service of meridian_services has scaling.strategy static" in out
    assert "give a service scaling.strategy hybrid (the default), predictive, scheduled or reactive" in out
    assert _untouched(out)


def test_the_old_flat_service_shape_fails_provision_saying_where_keys_moved(tmp_path):
    services = copy.deepcopy(SERVICES)
    services[0]["min_size"] = 1
    rc, out = run_playbook(local_inventory(tmp_path, HOST, {"meridian_services": services}))
    assert rc != 0
    assert "host aws-us-east-1: meridian_services[web]: min_size moved" in out
    assert "List the region's availability zones" not in out and _untouched(out)
