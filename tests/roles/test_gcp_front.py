# -*- coding: utf-8 -*-
"""The global external load balancer's front on gcp (tls, cdn) and every region's Route 53 records
(global_routing) through ansible-playbook, two gcp regions on the Compute Engine emulator and Route 53 on
a moto_server of the test's own, next to an AWS region's alias records: a bad option fails in preflight
before any API call; apply (on the compute and storage roles' parts, made first), teardown
leaves nothing of the front and the records (read back with the official clients) and the backend services
it routed to in place. Each gce module run imports the google-cloud-compute services it uses (about 0.8 s of CPU): a second run
and --check --diff on the converged front are the gcp Molecule scenario's idempotence and drift steps, and
the parts of the compute and storage roles are made by the test with the emulator's REST API (the same
bodies as the modules send; made by the modules, they took 21 module runs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import urllib.request

import pytest
import yaml

compute_v1 = pytest.importorskip("google.cloud.compute_v1")
boto3 = pytest.importorskip("boto3")

from google.api_core import exceptions  # noqa: E402

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    official,
)
from ansible_collections.meridian.global_infra.tests.roles.playbook_run import run_playbook  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import moto_server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "gcp_front.yml")
INVENTORY = os.path.join(HERE, "fixtures", "gcp_front", "hosts.yml")
PROJECT = "meridian-fronttest"
NAME = "meridian-fronttest"
ZONE = "fronttest.meridian.example."
GLOBAL = "https://www.googleapis.com/compute/v1/projects/%s/global/" % PROJECT
HOSTS = ["aws-eu-west-1", "gcp-europe-west1", "gcp-us-east1"]


@pytest.fixture(scope="module")
def endpoints():
    with gce_emulator() as gce, moto_server() as aws:
        yield gce, aws


def playbook(endpoints, *extra, **kwargs):
    gce, aws = endpoints
    return run_playbook(PLAYBOOK, INVENTORY, HOSTS, {"gce_endpoint": gce, "aws_endpoint": aws}, extra,
                        env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
                        fails=kwargs.get("fails", False), timeout=1200)


def _post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def stand_ins(url):
    """What the storage and compute roles make on gcp, with the names those roles use, as the modules
    (gce_network, gce_subnetwork, gcs_bucket, gce_health_check, gce_instance_template, gce_instance_group,
    gce_backend_service) create them: the network, the primary region's static bucket, per service its
    global health check, per region its instance template and regional managed instance group (named
    port = the service), and the global backend services with one backend per gcp region."""
    with open(INVENTORY) as handle:
        inventory = yaml.safe_load(handle)["all"]
    settings = inventory["vars"]
    regions = inventory["children"]["regions"]["children"]["gcp_regions"]["hosts"].values()
    project = "projects/%s/" % PROJECT
    compute = "/compute/v1/" + project
    _post(url, compute + "global/networks", {"name": NAME, "autoCreateSubnetworks": False, "routingConfig": {"routingMode": "GLOBAL"}})
    for host in regions:
        _post(url, compute + "regions/%s/subnetworks" % host["meridian_region"], {
            "name": "%s-%s" % (NAME, host["meridian_region"]), "ipCidrRange": host["network_vpc_cidr"],
            "network": project + "global/networks/" + NAME})
    _post(url, "/storage/v1/b?project=" + PROJECT, {
        "name": "%s-static-%s" % (NAME, settings["meridian_primary_region"]), "location": settings["meridian_primary_region"].upper(),
        "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}, "publicAccessPrevention": "enforced"}})
    for service in settings["meridian_services"]:
        name = "%s-%s" % (NAME, service["name"])
        _post(url, compute + "global/healthChecks", {"name": name, "type": "HTTP", "httpHealthCheck": {
            "port": service["port"], "portSpecification": "USE_FIXED_PORT", "requestPath": service["health_path"]}})
        for host in regions:
            region = host["meridian_region"]
            template = "%s-%s-%s-standin" % (NAME, region, service["name"])
            _post(url, compute + "global/instanceTemplates", {"name": template, "properties": {
                "machineType": "e2-small", "tags": {},
                "disks": [{"autoDelete": True, "boot": True, "initializeParams": {
                    "diskSizeGb": "20", "diskType": "pd-balanced", "sourceImage": "projects/debian-cloud/global/images/family/debian-12"}}],
                "metadata": {"items": [{"key": "enable-oslogin", "value": "TRUE"}]},
                "networkInterfaces": [{"network": project + "global/networks/" + NAME,
                                       "subnetwork": project + "regions/%s/subnetworks/%s-%s" % (region, NAME, region)}],
                "shieldedInstanceConfig": {"enableIntegrityMonitoring": True, "enableSecureBoot": True, "enableVtpm": True}}})
            _post(url, compute + "regions/%s/instanceGroupManagers" % region, {
                "name": name, "baseInstanceName": name, "targetSize": 1,
                "instanceTemplate": project + "global/instanceTemplates/" + template})
            _post(url, compute + "regions/%s/instanceGroups/%s/setNamedPorts" % (region, name), {
                "namedPorts": [{"name": service["name"], "port": service["port"]}]})
        _post(url, compute + "global/backendServices", {
            "name": name, "portName": service["name"], "protocol": "HTTP", "loadBalancingScheme": "EXTERNAL_MANAGED", "timeoutSec": 30,
            "healthChecks": [project + "global/healthChecks/" + name],
            "backends": [{"group": project + "regions/%s/instanceGroups/%s" % (region, name), "balancingMode": "UTILIZATION",
                          "capacityScaler": 1.0, "maxUtilization": 0.8}
                         for region in sorted(host["meridian_region"] for host in regions)]})


def read(url, cls, **kwargs):
    """The resource, or None when the emulator answers 404."""
    try:
        return official(url, cls).get(project=PROJECT, **kwargs)
    except exceptions.NotFound:
        return None


def front(url):
    """The front's resources by kind (None when missing), and the project's certificates."""
    return {
        "url_map": read(url, compute_v1.UrlMapsClient, url_map=NAME),
        "proxy": read(url, compute_v1.TargetHttpsProxiesClient, target_https_proxy=NAME + "-https"),
        "policy": read(url, compute_v1.SslPoliciesClient, ssl_policy=NAME),
        "address": read(url, compute_v1.GlobalAddressesClient, address=NAME),
        "rule": read(url, compute_v1.GlobalForwardingRulesClient, forwarding_rule=NAME + "-https"),
        "bucket": read(url, compute_v1.BackendBucketsClient, backend_bucket=NAME + "-static"),
        "certificates": list(official(url, compute_v1.SslCertificatesClient).list(project=PROJECT)),
    }


def route53(url):
    client = boto3.client("route53", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    zones = [z for z in client.list_hosted_zones()["HostedZones"] if z["Name"] == ZONE]
    records = client.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"] if zones else []
    checks = client.list_health_checks()["HealthChecks"]
    return zones, [r for r in records if r["Type"] not in ("NS", "SOA")], checks


def test_a_bad_option_fails_in_preflight_before_any_api_call(endpoints):
    out = playbook(endpoints, "-e", "cdn_gcp_ssl_policy_profile=COMPATIBLE", fails=True)
    assert "cdn_gcp_ssl_policy_profile" in out and '"COMPATIBLE"' in out, out
    assert "Ask for the load balancer's Google-managed certificate" not in out
    # a gcp region no AWS region is mapped to: global_routing's preflight names the variable
    out = playbook(endpoints, "-e", '{"global_routing_gcp_latency_regions": {"us-east1": "us-east-1"}}',
                   "-e", "cdn_gcp_address=34.1.2.3", fails=True)
    assert "global_routing_latency_region" in out and "europe-west1" in out, out
    found = front(endpoints[0])
    assert found.pop("certificates") == [] and set(found.values()) == {None}, found
    assert route53(endpoints[1]) == ([], [], [])


def test_front_of_two_gcp_regions_apply_teardown(endpoints):
    gce, aws = endpoints
    stand_ins(gce)
    changed, _out = playbook(endpoints)
    assert all(changed.values()), changed
    built = front(gce)

    (cert,) = built["certificates"]
    assert cert.type_ == "MANAGED" and cert.name.startswith(NAME + "-")
    # the latency name alone: the regions' cdn_aliases are not the load balancer's
    assert list(cert.managed.domains) == ["app.fronttest.meridian.example"]
    # the URL map: the first service by default, each service's paths to its backend service, the
    # static paths to the backend bucket (Cloud CDN on, the primary region's static bucket)
    url_map = built["url_map"]
    assert url_map.default_service == GLOBAL + "backendServices/%s-web" % NAME
    assert [(list(r.hosts), r.path_matcher) for r in url_map.host_rules] == [(["*"], "paths")]
    (matcher,) = url_map.path_matchers
    routes = dict((tuple(r.paths), r.service.replace(GLOBAL, "")) for r in matcher.path_rules)
    assert routes == {("/static/*", "/assets/*", "/img/*"): "backendBuckets/%s-static" % NAME,
                      ("/*",): "backendServices/%s-web" % NAME, ("/api/*",): "backendServices/%s-api" % NAME}
    bucket = built["bucket"]
    assert bucket.bucket_name == "meridian-fronttest-static-europe-west1" and bucket.enable_cdn is True
    assert bucket.cdn_policy.cache_mode == "CACHE_ALL_STATIC" and bucket.cdn_policy.default_ttl == 86400
    # the proxy serves the managed certificate under the strictest policy; the rule sends 443 at the
    # reserved address to it
    assert (built["policy"].profile, built["policy"].min_tls_version) == ("RESTRICTED", "TLS_1_2")
    proxy = built["proxy"]
    assert proxy.url_map == GLOBAL + "urlMaps/" + NAME and proxy.ssl_policy == GLOBAL + "sslPolicies/" + NAME
    assert list(proxy.ssl_certificates) == [GLOBAL + "sslCertificates/" + cert.name]
    rule, address = built["rule"], built["address"].address
    assert rule.target == GLOBAL + "targetHttpsProxies/%s-https" % NAME
    assert (rule.I_p_address, rule.port_range, rule.load_balancing_scheme) == (address, "443-443", "EXTERNAL_MANAGED")

    # Route 53: each gcp region an A record to the address (latency: the nearest AWS region, set
    # identifier gcp-<region>), the DR pair's failover A records, health checks on the address over
    # HTTPS; the AWS region's alias record as before
    zones, records, checks = route53(aws)
    assert len(zones) == 1
    latency = dict((r["SetIdentifier"], r) for r in records if r["Name"] == "app." + ZONE)
    assert sorted(latency) == ["eu-west-1", "gcp-europe-west1", "gcp-us-east1"]
    for ident, region in (("gcp-europe-west1", "eu-west-3"), ("gcp-us-east1", "us-east-1")):
        record = latency[ident]
        assert (record["Type"], record["Region"], record["TTL"]) == ("A", region, 60)
        assert record["ResourceRecords"] == [{"Value": address}] and "AliasTarget" not in record
    aws_record = latency["eu-west-1"]
    assert (aws_record["Type"], aws_record["Region"]) == ("A", "eu-west-1")
    assert aws_record["AliasTarget"]["DNSName"].rstrip(".") == "meridian-fronttest-1234567890.eu-west-1.elb.amazonaws.com"
    assert aws_record["AliasTarget"]["HostedZoneId"] == "Z32O12XQLNTSW2"
    failover = dict((r["SetIdentifier"], r) for r in records if r["Name"] == "primary." + ZONE)
    assert sorted(failover) == ["gcp-europe-west1-primary", "gcp-us-east1-secondary"]
    assert all(r["Type"] == "A" and r["ResourceRecords"] == [{"Value": address}] for r in failover.values())
    gcp_checks = [c["HealthCheckConfig"] for c in checks if c["HealthCheckConfig"].get("IPAddress")]
    assert len(gcp_checks) == 2 and all((c["IPAddress"], c["Type"], c["Port"], c["ResourcePath"]) == (address, "HTTPS", 443, "/healthz")
                                        for c in gcp_checks), gcp_checks
    assert sorted(latency[i]["HealthCheckId"] for i in ("gcp-europe-west1", "gcp-us-east1")) == sorted(
        c["Id"] for c in checks if c["HealthCheckConfig"].get("IPAddress"))

    # a second run (changed=0) and --check --diff on the converged front are the gcp Molecule scenario's
    # idempotence and drift steps, on the whole estate

    playbook(endpoints, "-e", "front_state=absent")
    left = front(gce)
    assert left.pop("certificates") == [] and set(left.values()) == {None}, left
    # the compute role's backend services are left alone (the stand-ins stay for the emulator to end with)
    assert sorted(s.name for s in official(gce, compute_v1.BackendServicesClient).list(project=PROJECT)) == [
        NAME + "-api", NAME + "-web"]
    assert route53(aws) == ([], [], [])
