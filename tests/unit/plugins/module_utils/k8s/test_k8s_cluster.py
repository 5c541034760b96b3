# -*- coding: utf-8 -*-
"""meridian_kubernetes: defaults, and every bad setting named by its field."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.k8s.cluster import ClusterError, cluster_settings

RAW = {
    "cloud": "aws",
    "cluster": "local-eu-west-1",
    "version": "1.33",
    "gitops_dir": "/srv/gitops",
    "zones": ["eu-west-1a", "eu-west-1b"],
}


def _settings(region="eu-west-1", failover="us-east-1", **changes):
    raw = dict(copy.deepcopy(RAW), **changes)
    return cluster_settings(raw, "meridian", "local", region, failover)


def test_defaults_are_filled_in():
    assert _settings() == {
        "cloud": "aws",
        "cluster": "local-eu-west-1",
        "version": "1.33",
        "delivery": "gitops",
        "gitops_dir": "/srv/gitops",
        "kubeconfig": "",
        "context": "",
        "namespace": "meridian-local",
        "zones": ["eu-west-1a", "eu-west-1b"],
        "istio": False,
        "prometheus_operator": False,
        "ingress_namespace": "ingress-nginx",
        "region": "eu-west-1",
        "failover_region": "us-east-1",
    }


def test_istio_moves_the_default_ingress_namespace():
    assert _settings(istio=True)["ingress_namespace"] == "istio-system"
    assert _settings(istio=True, ingress_namespace="gateways")["ingress_namespace"] == "gateways"


def test_given_values_win_and_nulls_take_the_default():
    out = _settings(namespace="shop", delivery="apply", gitops_dir=None, kubeconfig="/k/config", context="eu",
                    prometheus_operator=True, istio=None)
    assert (out["namespace"], out["delivery"], out["gitops_dir"]) == ("shop", "apply", "")
    assert (out["kubeconfig"], out["context"], out["prometheus_operator"], out["istio"]) == ("/k/config", "eu", True, False)


def test_validated_settings_validate_again_to_themselves():
    out = _settings(istio=True, prometheus_operator=True)
    assert cluster_settings(copy.deepcopy(out), "meridian", "local", "eu-west-1", "us-east-1") == out


def test_input_is_not_changed():
    raw = copy.deepcopy(RAW)
    cluster_settings(raw, "meridian", "local", "eu-west-1", "us-east-1")
    assert raw == RAW


@pytest.mark.parametrize("version", ["1.25", "1.30", "1.37"])
def test_supported_versions(version):
    assert _settings(version=version)["version"] == version


def test_no_failover_region_is_allowed():
    assert _settings(failover="")["failover_region"] == ""
    assert _settings(failover=None)["failover_region"] == ""


@pytest.mark.parametrize("change, field", [
    ({"version": 1.33}, "meridian_kubernetes.version"),
    ({"version": "1.24"}, "meridian_kubernetes.version"),
    ({"version": "1.38"}, "meridian_kubernetes.version"),
    ({"version": "v1.33"}, "meridian_kubernetes.version"),
    ({"version": "1.33.0"}, "meridian_kubernetes.version"),
    ({"version": "2.1"}, "meridian_kubernetes.version"),
    ({"version": None}, "meridian_kubernetes.version"),
    ({"delivery": "push"}, "meridian_kubernetes.delivery"),
    ({"gitops_dir": "state/gitops"}, "meridian_kubernetes.gitops_dir"),
    ({"gitops_dir": ""}, "meridian_kubernetes.gitops_dir"),
    ({"gitops_dir": 5}, "meridian_kubernetes.gitops_dir"),
    ({"zones": []}, "meridian_kubernetes.zones"),
    ({"zones": "eu-west-1a"}, "meridian_kubernetes.zones"),
    ({"zones": ["eu-west-1a", 7]}, "meridian_kubernetes.zones[1]"),
    ({"zones": ["eu-west-1a", ""]}, "meridian_kubernetes.zones[1]"),
    ({"zones": ["eu-west-1a", "eu-west-1a"]}, "meridian_kubernetes.zones[1]"),
    ({"istio": "yes"}, "meridian_kubernetes.istio"),
    ({"prometheus_operator": 1}, "meridian_kubernetes.prometheus_operator"),
    ({"namespace": "Shop_Prod"}, "meridian_kubernetes.namespace"),
    ({"namespace": "a" * 64}, "meridian_kubernetes.namespace"),
    ({"ingress_namespace": "-ingress"}, "meridian_kubernetes.ingress_namespace"),
    ({"cloud": "azure"}, "meridian_kubernetes.cloud"),
    ({"cloud": None}, "meridian_kubernetes.cloud"),
    ({"cluster": "eu/../west"}, "meridian_kubernetes.cluster"),
    ({"cluster": ""}, "meridian_kubernetes.cluster"),
    ({"kubeconfig": ["a"]}, "meridian_kubernetes.kubeconfig"),
    ({"istio_enabled": True}, "meridian_kubernetes.istio_enabled"),
])
def test_bad_settings_name_the_field(change, field):
    with pytest.raises(ClusterError) as err:
        _settings(**change)
    assert err.value.field == field
    assert isinstance(err.value, MeridianError) and str(err.value).startswith(field + ": ")


def test_apply_delivery_needs_no_gitops_dir():
    raw = dict(RAW, delivery="apply")
    del raw["gitops_dir"]
    assert cluster_settings(raw, "meridian", "local", "eu-west-1", "us-east-1")["gitops_dir"] == ""


def test_a_default_namespace_that_is_no_label_asks_for_one():
    with pytest.raises(ClusterError) as err:
        cluster_settings(dict(RAW), "Meridian", "local", "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_kubernetes.namespace" and "meridian_kubernetes.namespace" in err.value.message


@pytest.mark.parametrize("region, failover, field", [
    ("", "us-east-1", "meridian_region"),
    (None, "us-east-1", "meridian_region"),
    (" eu-west-1", "us-east-1", "meridian_region"),
    ("eu-west-1", "eu-west-1", "meridian_failover_region"),
    ("eu-west-1", 3, "meridian_failover_region"),
])
def test_bad_regions_name_the_host_variable(region, failover, field):
    with pytest.raises(ClusterError) as err:
        _settings(region=region, failover=failover)
    assert err.value.field == field


def test_a_region_in_the_settings_must_be_the_hosts():
    with pytest.raises(ClusterError) as err:
        cluster_settings(dict(RAW, region="us-west-2"), "meridian", "local", "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_kubernetes.region"


def test_settings_must_be_a_mapping():
    with pytest.raises(ClusterError) as err:
        cluster_settings(["cloud"], "meridian", "local", "eu-west-1", "us-east-1")
    assert err.value.field == "meridian_kubernetes"
