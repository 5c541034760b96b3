# -*- coding: utf-8 -*-
"""monitoring.discovery: each region's provider, the gcp regions' checks and their gce_sd_configs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring import discovery

JOB = {"service": "web", "port": 8080, "metrics_path": "/metrics", "target_name": "meridian-prod-web"}


@pytest.mark.parametrize("region, provider", [
    ("eu-west-1", "aws"), ("us-gov-west-1", "aws"), ("ap-southeast-2", "aws"),
    ("europe-west1", "gcp"), ("us-east1", "gcp"), ("northamerica-northeast2", "gcp"), ("local", None),
])
def test_the_provider_from_the_region_code(region, provider):
    assert discovery.region_provider(region) == provider


def test_regions_take_provider_and_project_from_their_hosts():
    hosts = [{"meridian_region": "eu-west-1", "meridian_provider": "aws"},
             {"meridian_region": "europe-west1", "meridian_provider": "gcp", "meridian_gcp_project": "meridian-eu"},
             {"inventory_hostname": "prometheus"}]
    zones = {"europe-west1": ["europe-west1-b"], "us-east1": ["us-east1-c"]}
    regions = discovery.scrape_regions(["eu-west-1", "europe-west1", "us-east1"], hosts, "meridian-prod", zones)
    assert regions == [
        {"region": "eu-west-1", "provider": "aws", "project": None, "zones": None},
        {"region": "europe-west1", "provider": "gcp", "project": "meridian-eu", "zones": ["europe-west1-b"]},
        {"region": "us-east1", "provider": "gcp", "project": "meridian-prod", "zones": ["us-east1-c"]},
    ]
    with pytest.raises(discovery.DiscoveryError) as err:
        discovery.scrape_regions(["local"], hosts)
    assert err.value.field == "monitoring_regions"


def test_a_gcp_region_needs_its_project_and_zones_unless_targets_are_files():
    regions = discovery.scrape_regions(["eu-west-1", "europe-west1", "us-east1"], [], None,
                                       {"us-east1": ["us-east1-b", "europe-west1-c", "us-east1"]})
    errors = discovery.discovery_errors(regions, "ec2")
    assert [e.split(":")[0] for e in errors] == [
        "meridian_gcp_project", "monitoring_gcp_zones['europe-west1']", "meridian_gcp_project",
        "monitoring_gcp_zones['us-east1']", "monitoring_gcp_zones['us-east1']"]
    assert "'europe-west1-c' is not a zone of us-east1" in errors[3] and "'us-east1' is not a zone" in errors[4]
    assert discovery.discovery_errors(regions, "file") == []


def test_the_gce_scrape_config_of_a_managed_instance_group():
    config = discovery.gce_scrape_config(JOB, "europe-west1", "meridian-prod", ["europe-west1-b", "europe-west1-c"],
                                         "meridian-prod-app")
    assert config["gce_sd_configs"] == [
        {"project": "meridian-prod", "zone": zone, "port": 8080, "refresh_interval": "60s",
         "filter": '(name eq "meridian-prod-web-[a-z0-9]{4}") (status eq "RUNNING")'}
        for zone in ("europe-west1-b", "europe-west1-c")]
    keep, service, region, zone, instance = config["relabel_configs"]
    assert keep == {"source_labels": ["__meta_gce_tags"], "regex": ".*,meridian-prod-app,.*", "action": "keep"}
    assert (service["target_label"], service["replacement"]) == ("service", "web")
    assert (region["target_label"], region["replacement"]) == ("region", "europe-west1")
    assert zone["source_labels"] == ["__meta_gce_zone"] and zone["target_label"] == "zone"
    assert instance == {"source_labels": ["__meta_gce_instance_name"], "target_label": "instance"}


@pytest.mark.parametrize("job, tag, field", [
    (dict(JOB, target_name="Web Tier"), "meridian-prod-app", "monitoring_scrape_jobs.target_name"),
    (dict(JOB, port=0), "meridian-prod-app", "monitoring_scrape_jobs.port"),
    (JOB, "app tag", "monitoring_gcp_app_tag"),
])
def test_the_gce_scrape_config_refuses_bad_names(job, tag, field):
    with pytest.raises(discovery.DiscoveryError) as err:
        discovery.gce_scrape_config(job, "europe-west1", "meridian-prod", ["europe-west1-b"], tag)
    assert err.value.field == field
