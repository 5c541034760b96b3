# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.meridian.global_infra.plugins.filter.gcp import gce_autoscaling, gce_backends, gcp_estate

HOSTVARS = {
    "aws-eu": {"meridian_provider": "aws", "meridian_region": "eu-west-1"},
    "gcp-eu": {"meridian_provider": "gcp", "meridian_region": "europe-west1"},
    "localhost": {},
    "gcp-us": {"meridian_provider": "gcp", "meridian_region": "us-east1"},
}
ALL = ["aws-eu", "gcp-eu", "localhost", "gcp-us"]


def test_the_gcp_hosts_and_their_regions_in_inventory_order():
    out = gcp_estate(HOSTVARS, ALL, ALL, "gcp-eu")
    assert out == {"hosts": ["gcp-eu", "gcp-us"], "regions": ["europe-west1", "us-east1"], "last": False,
                   "kept_regions": []}
    assert gcp_estate(HOSTVARS, ALL, ["gcp-us"], "gcp-us")["kept_regions"] == ["europe-west1"]


@pytest.mark.parametrize("play, host, last", [
    (ALL, "gcp-us", True),
    (["gcp-eu", "gcp-us"], "gcp-us", True),
    (["gcp-eu", "gcp-us"], "gcp-eu", False),
    (["gcp-eu"], "gcp-eu", False),  # a region torn down alone leaves the global resources
    (["aws-eu"], "aws-eu", False),
])
def test_the_last_gcp_host_only_when_every_gcp_host_is_in_the_play(play, host, last):
    assert gcp_estate(HOSTVARS, ALL, play, host)["last"] is last


def test_no_gcp_host_is_nobody_last():
    expected = {"hosts": [], "regions": [], "last": False, "kept_regions": []}
    assert gcp_estate({"a": {"meridian_provider": "aws"}}, ["a"], ["a"], "a") == expected


def test_a_gcp_host_without_its_region_is_named():
    with pytest.raises(AnsibleFilterError, match="meridian_region: host gcp-x has meridian_provider gcp"):
        gcp_estate({"gcp-x": {"meridian_provider": "gcp"}}, ["gcp-x"], ["gcp-x"], "gcp-x")


def _service(strategy, target_cpu=None):
    return {"name": "web", "capacity": {"min": 1, "max": 6, "initial": 2},
            "scaling": {"strategy": strategy, "target_cpu": target_cpu}}


@pytest.mark.parametrize("strategy, method", [("hybrid", "OPTIMIZE_AVAILABILITY"), ("predictive", "OPTIMIZE_AVAILABILITY"),
                                              ("reactive", "NONE"), ("scheduled", "NONE")])
def test_the_autoscaler_holds_the_catalogue_bounds_and_cpu_target(strategy, method):
    expected = {"enabled": True, "min_replicas": 1, "max_replicas": 6, "cpu_utilization_target": 0.5,
                "predictive_method": method}
    assert gce_autoscaling(_service(strategy, 50)) == expected


def test_no_cpu_target_no_predictive_method_and_static_has_no_autoscaler():
    assert gce_autoscaling(_service("hybrid")) == {"enabled": True, "min_replicas": 1, "max_replicas": 6,
                                                   "predictive_method": "NONE"}
    assert gce_autoscaling(_service("static", 50)) == {"enabled": False}


def test_a_service_not_of_the_catalogue_is_named():
    with pytest.raises(AnsibleFilterError, match="gce_autoscaling: _input: must be a service"):
        gce_autoscaling({"name": "web"})


def test_one_backend_per_region_by_utilisation():
    assert gce_backends(["europe-west1", "us-east1"], "m-web") == [
        {"group": "regions/europe-west1/instanceGroups/m-web", "balancing_mode": "UTILIZATION"},
        {"group": "regions/us-east1/instanceGroups/m-web", "balancing_mode": "UTILIZATION"}]
    with pytest.raises(AnsibleFilterError, match="gce_backends: group"):
        gce_backends(["europe-west1"], "")
