# -*- coding: utf-8 -*-
"""The Compute Engine and Cloud Storage emulator through Google's official clients.

The server runs in-process on a free 127.0.0.1 port for the module and is reset before each test.
Clients: google.cloud.compute_v1 (transport rest, api_endpoint override, anonymous credentials),
google-api-python-client (the discovery-based client, whose request bodies are plain dicts: the
one that can send a misspelled field), and google.cloud.storage.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools", "local_stack"))

compute_v1 = pytest.importorskip("google.cloud.compute_v1")
from google.api_core import exceptions  # noqa: E402
from google.auth.credentials import AnonymousCredentials  # noqa: E402

from gcp_emulator.server import start_in_thread  # noqa: E402

PROJECT = "meridian-test"
REGION = "europe-west1"
LINK = "https://www.googleapis.com/compute/v1/projects/%s/" % PROJECT


@pytest.fixture(scope="module")
def endpoint():
    server, thread, url = start_in_thread()
    yield url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def api(endpoint):
    request = urllib.request.Request(endpoint + "/emulator/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200

    def client(name):
        return getattr(compute_v1, name)(credentials=AnonymousCredentials(), transport="rest",
                                         client_options={"api_endpoint": endpoint})
    client.endpoint = endpoint
    return client


def _network(api, name="net1"):
    api("NetworksClient").insert(project=PROJECT, network_resource=compute_v1.Network(
        name=name, auto_create_subnetworks=False)).result(timeout=10)


def _subnet(api, name="sub1", cidr="10.10.0.0/24", network="net1"):
    op = api("SubnetworksClient").insert(project=PROJECT, region=REGION, subnetwork_resource=compute_v1.Subnetwork(
        name=name, network="global/networks/" + network, ip_cidr_range=cidr))
    op.result(timeout=10)
    return op


# ------------------------------------------------------------------ the acceptance: bad bodies


def test_a_misspelled_field_and_a_wrong_enum_are_rejected_naming_the_field(endpoint, api):
    import httplib2
    from googleapiclient import discovery, errors

    # compute_v1's typed messages refuse an unknown field before any request is made, so the
    # misspelled body goes through Google's discovery-based client, whose bodies are plain dicts.
    with pytest.raises(ValueError, match="autoCreateSubnetwork|auto_create_subnetwork"):
        compute_v1.Network(name="net1", auto_create_subnetwork=False)
    service = discovery.build("compute", "v1", http=httplib2.Http(), static_discovery=True,
                              client_options={"api_endpoint": endpoint + "/compute/v1/"})
    # a misspelled field (autoCreateSubnetwork for autoCreateSubnetworks)
    with pytest.raises(errors.HttpError) as caught:
        service.networks().insert(project=PROJECT, body={"name": "net1", "autoCreateSubnetwork": False}).execute()
    assert caught.value.status_code == 400
    error = json.loads(caught.value.content)["error"]
    assert error["errors"][0]["reason"] == "invalid"
    assert 'Unknown name "autoCreateSubnetwork"' in error["message"]
    # a wrong enum value
    with pytest.raises(errors.HttpError) as caught:
        service.firewalls().insert(project=PROJECT, body={"name": "fw1", "direction": "INBOUND"}).execute()
    error = json.loads(caught.value.content)["error"]
    assert (caught.value.status_code, error["errors"][0]["reason"]) == (400, "invalid")
    assert error["message"] == "Invalid value at 'resource.direction' (TYPE_ENUM), \"INBOUND\""

    # the same wrong enum through compute_v1, nested, and nothing was created by either request
    _network(api)
    firewalls = api("FirewallsClient")
    with pytest.raises(exceptions.BadRequest) as caught:
        firewalls.insert(project=PROJECT, firewall_resource=compute_v1.Firewall(
            name="fw1", network="global/networks/net1", direction="INBOUND"))
    assert "resource.direction" in caught.value.message
    assert caught.value.errors[0]["reason"] == "invalid"
    with pytest.raises(exceptions.BadRequest) as caught:
        api("NetworksClient").patch(project=PROJECT, network="net1", network_resource=compute_v1.Network(
            routing_config=compute_v1.NetworkRoutingConfig(routing_mode="WORLDWIDE")))
    assert "resource.routing_config.routing_mode" in caught.value.message
    assert [n.name for n in api("NetworksClient").list(project=PROJECT)] == ["net1"]
    assert list(firewalls.list(project=PROJECT)) == []


def test_a_missing_required_field_is_rejected_with_reason_required(api):
    with pytest.raises(exceptions.BadRequest) as caught:
        api("RegionInstanceGroupManagersClient").insert(
            project=PROJECT, region=REGION,
            instance_group_manager_resource=compute_v1.InstanceGroupManager(name="mig1"))
    assert caught.value.errors[0]["reason"] == "required"
    assert "resource.target_size" in caught.value.message


# ------------------------------------------------------------------ round trips with server-side defaults


def test_network_subnetwork_firewall_round_trip_with_defaults(api):
    networks = api("NetworksClient")
    op = networks.insert(project=PROJECT, network_resource=compute_v1.Network(name="net1", auto_create_subnetworks=False))
    op.result(timeout=10)
    assert op.done() and not op.error_code
    net = networks.get(project=PROJECT, network="net1")
    assert net.self_link == LINK + "global/networks/net1"
    assert net.kind == "compute#network" and net.id and net.creation_timestamp
    assert (net.routing_config.routing_mode, net.mtu) == ("REGIONAL", 1460)

    assert _subnet(api).done()
    sub = api("SubnetworksClient").get(project=PROJECT, region=REGION, subnetwork="sub1")
    assert sub.gateway_address == "10.10.0.1"
    assert sub.network == LINK + "global/networks/net1"  # a partial path comes back as a URL
    assert sub.region == LINK + "regions/" + REGION and sub.fingerprint
    assert list(networks.get(project=PROJECT, network="net1").subnetworks) == [sub.self_link]

    firewalls = api("FirewallsClient")
    firewalls.insert(project=PROJECT, firewall_resource=compute_v1.Firewall(
        name="allow-ssh", network=net.self_link, source_ranges=["10.0.0.0/8"],
        allowed=[compute_v1.Allowed(I_p_protocol="tcp", ports=["22"])])).result(timeout=10)
    rule = firewalls.get(project=PROJECT, firewall="allow-ssh")
    assert (rule.direction, rule.priority, rule.disabled) == ("INGRESS", 1000, False)
    assert rule.allowed[0].I_p_protocol == "tcp" and list(rule.allowed[0].ports) == ["22"]

    # patch merges; the name is required by firewalls.patch (annotations.required)
    firewalls.patch(project=PROJECT, firewall="allow-ssh", firewall_resource=compute_v1.Firewall(
        name="allow-ssh", priority=900)).result(timeout=10)
    rule = firewalls.get(project=PROJECT, firewall="allow-ssh")
    assert rule.priority == 900 and list(rule.source_ranges) == ["10.0.0.0/8"]

    # a network in use cannot be deleted; in order, everything goes and reads 404
    with pytest.raises(exceptions.BadRequest) as caught:
        networks.delete(project=PROJECT, network="net1")
    assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"
    firewalls.delete(project=PROJECT, firewall="allow-ssh").result(timeout=10)
    api("SubnetworksClient").delete(project=PROJECT, region=REGION, subnetwork="sub1").result(timeout=10)
    networks.delete(project=PROJECT, network="net1").result(timeout=10)
    with pytest.raises(exceptions.NotFound) as caught:
        networks.get(project=PROJECT, network="net1")
    assert caught.value.errors[0]["reason"] == "notFound"
    assert "projects/%s/global/networks/net1" % PROJECT in caught.value.message


def test_duplicate_insert_is_409_and_a_missing_reference_404(api):
    _network(api)
    with pytest.raises(exceptions.Conflict) as caught:
        _network(api)
    assert caught.value.errors[0]["reason"] == "alreadyExists"
    with pytest.raises(exceptions.NotFound):
        _subnet(api, network="nowhere")


def test_a_stale_fingerprint_is_412_condition_not_met(api):
    _network(api)
    _subnet(api)
    subnets = api("SubnetworksClient")
    before = subnets.get(project=PROJECT, region=REGION, subnetwork="sub1")
    subnets.patch(project=PROJECT, region=REGION, subnetwork="sub1", subnetwork_resource=compute_v1.Subnetwork(
        fingerprint=before.fingerprint, private_ip_google_access=True)).result(timeout=10)
    after = subnets.get(project=PROJECT, region=REGION, subnetwork="sub1")
    assert after.private_ip_google_access is True and after.fingerprint != before.fingerprint
    with pytest.raises(exceptions.PreconditionFailed) as caught:  # the old fingerprint again
        subnets.patch(project=PROJECT, region=REGION, subnetwork="sub1", subnetwork_resource=compute_v1.Subnetwork(
            fingerprint=before.fingerprint, private_ip_google_access=False))
    assert caught.value.errors[0]["reason"] == "conditionNotMet"
    assert subnets.get(project=PROJECT, region=REGION, subnetwork="sub1").private_ip_google_access is True


def test_operations_are_stored_per_scope_and_get_and_wait_answer(api):
    _network(api)
    op = _subnet(api)
    regional = api("RegionOperationsClient")
    got = regional.get(project=PROJECT, region=REGION, operation=op.name)
    assert got.status == compute_v1.Operation.Status.DONE
    assert got.target_link == LINK + "regions/%s/subnetworks/sub1" % REGION and got.operation_type == "insert"
    assert regional.wait(project=PROJECT, region=REGION, operation=op.name).status == compute_v1.Operation.Status.DONE
    names = [o.name for o in api("GlobalOperationsClient").list(project=PROJECT)]
    assert len(names) == 1 and op.name not in names  # the network's insert is global, the subnet's regional
    with pytest.raises(exceptions.NotFound):
        regional.get(project=PROJECT, region="us-east1", operation=op.name)


def test_list_pages_and_filters_and_aggregated_list(api):
    _network(api)
    for index, cidr in enumerate(["10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24"]):
        _subnet(api, name="sub%d" % index, cidr=cidr)
    subnets = api("SubnetworksClient")
    pager = subnets.list(request=compute_v1.ListSubnetworksRequest(project=PROJECT, region=REGION, max_results=2))
    assert [s.name for s in pager] == ["sub0", "sub1", "sub2"]
    filtered = subnets.list(request=compute_v1.ListSubnetworksRequest(
        project=PROJECT, region=REGION, filter='name = "sub1"'))
    assert [s.name for s in filtered] == ["sub1"]
    aggregated = dict(subnets.aggregated_list(project=PROJECT))
    assert [s.name for s in aggregated["regions/" + REGION].subnetworks] == ["sub0", "sub1", "sub2"]


def test_router_with_cloud_nat_fills_nat_defaults(api):
    _network(api)
    routers = api("RoutersClient")
    routers.insert(project=PROJECT, region=REGION, router_resource=compute_v1.Router(
        name="rt1", network="global/networks/net1", nats=[compute_v1.RouterNat(
            name="nat1", nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES")])).result(timeout=10)
    router = routers.get(project=PROJECT, region=REGION, router="rt1")
    nat = router.nats[0]
    assert nat.nat_ip_allocate_option == "AUTO_ONLY" and list(nat.endpoint_types) == ["ENDPOINT_TYPE_VM"]
    assert nat.udp_idle_timeout_sec == 30 and nat.tcp_established_idle_timeout_sec == 1200
    with pytest.raises(exceptions.BadRequest) as caught:
        routers.insert(project=PROJECT, region=REGION, router_resource=compute_v1.Router(
            name="rt2", network="global/networks/net1", nats=[compute_v1.RouterNat(
                name="nat1", nat_ip_allocate_option="AUTOMATIC")]))
    assert "resource.nats[0].nat_ip_allocate_option" in caught.value.message


def test_instance_template_mig_and_autoscaler(api):
    _network(api)
    _subnet(api)
    template = compute_v1.InstanceTemplate(name="tpl1", properties=compute_v1.InstanceProperties(
        machine_type="e2-small",
        disks=[compute_v1.AttachedDisk(boot=True, auto_delete=True, initialize_params=compute_v1.AttachedDiskInitializeParams(
            source_image="projects/debian-cloud/global/images/family/debian-12", disk_size_gb=20))],
        network_interfaces=[compute_v1.NetworkInterface(subnetwork="regions/%s/subnetworks/sub1" % REGION)],
        shielded_instance_config=compute_v1.ShieldedInstanceConfig(enable_secure_boot=True),
        metadata=compute_v1.Metadata(items=[compute_v1.Items(key="enable-oslogin", value="TRUE")])))
    api("InstanceTemplatesClient").insert(project=PROJECT, instance_template_resource=template).result(timeout=10)
    tpl = api("InstanceTemplatesClient").get(project=PROJECT, instance_template="tpl1")
    assert tpl.properties.disks[0].initialize_params.disk_size_gb == 20
    assert tpl.properties.network_interfaces[0].subnetwork == LINK + "regions/%s/subnetworks/sub1" % REGION

    migs = api("RegionInstanceGroupManagersClient")
    migs.insert(project=PROJECT, region=REGION, instance_group_manager_resource=compute_v1.InstanceGroupManager(
        name="mig1", base_instance_name="web", instance_template=tpl.self_link, target_size=2)).result(timeout=10)
    mig = migs.get(project=PROJECT, region=REGION, instance_group_manager="mig1")
    assert len(mig.distribution_policy.zones) == 3 and mig.status.is_stable and mig.fingerprint
    assert mig.instance_group == LINK + "regions/%s/instanceGroups/mig1" % REGION
    migs.resize(project=PROJECT, region=REGION, instance_group_manager="mig1", size=4).result(timeout=10)
    managed = list(migs.list_managed_instances(project=PROJECT, region=REGION, instance_group_manager="mig1"))
    assert len(managed) == 4 and {m.instance_status for m in managed} == {"RUNNING"}
    assert len({m.instance.split("/zones/")[1].split("/")[0] for m in managed}) == 3

    scalers = api("RegionAutoscalersClient")
    scalers.insert(project=PROJECT, region=REGION, autoscaler_resource=compute_v1.Autoscaler(
        name="as1", target=mig.self_link, autoscaling_policy=compute_v1.AutoscalingPolicy(
            min_num_replicas=2, max_num_replicas=6, cpu_utilization=compute_v1.AutoscalingPolicyCpuUtilization(
                utilization_target=0.6, predictive_method="OPTIMIZE_AVAILABILITY")))).result(timeout=10)
    scaler = scalers.get(project=PROJECT, region=REGION, autoscaler="as1")
    assert scaler.autoscaling_policy.cool_down_period_sec == 60 and scaler.autoscaling_policy.mode == "ON"
    # regionAutoscalers.patch names the autoscaler in the query
    scalers.patch(request=compute_v1.PatchRegionAutoscalerRequest(
        project=PROJECT, region=REGION, autoscaler="as1", autoscaler_resource=compute_v1.Autoscaler(
            name="as1", autoscaling_policy=compute_v1.AutoscalingPolicy(min_num_replicas=3)))).result(timeout=10)
    scaler = scalers.get(project=PROJECT, region=REGION, autoscaler="as1")
    assert (scaler.autoscaling_policy.min_num_replicas, scaler.autoscaling_policy.max_num_replicas) == (3, 6)
    assert scaler.autoscaling_policy.cpu_utilization.predictive_method == "OPTIMIZE_AVAILABILITY"
    with pytest.raises(exceptions.BadRequest):  # the autoscaler still targets the group
        migs.delete(project=PROJECT, region=REGION, instance_group_manager="mig1")

    # the managed instance group itself, as a backend of a backend service
    groups = api("RegionInstanceGroupsClient")
    assert groups.get(project=PROJECT, region=REGION, instance_group="mig1").size == 4
    scalers.delete(project=PROJECT, region=REGION, autoscaler="as1").result(timeout=10)
    api("BackendServicesClient").insert(project=PROJECT, backend_service_resource=compute_v1.BackendService(
        name="be1", backends=[compute_v1.Backend(group=mig.instance_group)])).result(timeout=10)
    with pytest.raises(exceptions.BadRequest) as caught:
        migs.delete(project=PROJECT, region=REGION, instance_group_manager="mig1")
    assert "global/backendServices/be1" in caught.value.message
    api("BackendServicesClient").delete(project=PROJECT, backend_service="be1").result(timeout=10)
    migs.delete(project=PROJECT, region=REGION, instance_group_manager="mig1").result(timeout=10)
    assert list(groups.list(project=PROJECT, region=REGION)) == []


def test_global_external_load_balancer_chain(api):
    checks = api("HealthChecksClient")
    checks.insert(project=PROJECT, health_check_resource=compute_v1.HealthCheck(
        name="hc1", type_="HTTPS", https_health_check=compute_v1.HTTPSHealthCheck(request_path="/healthz"))).result()
    check = checks.get(project=PROJECT, health_check="hc1")
    assert (check.check_interval_sec, check.timeout_sec, check.https_health_check.port) == (5, 5, 443)

    services = api("BackendServicesClient")
    services.insert(project=PROJECT, backend_service_resource=compute_v1.BackendService(
        name="be1", health_checks=["global/healthChecks/hc1"], enable_c_d_n=True,
        load_balancing_scheme="EXTERNAL_MANAGED", protocol="HTTPS")).result()
    service = services.get(project=PROJECT, backend_service="be1")
    assert service.cdn_policy.cache_mode == "CACHE_ALL_STATIC" and service.timeout_sec == 30
    assert list(service.health_checks) == [LINK + "global/healthChecks/hc1"]

    api("BackendBucketsClient").insert(project=PROJECT, backend_bucket_resource=compute_v1.BackendBucket(
        name="bb1", bucket_name="static-assets", enable_cdn=True)).result()
    assert api("BackendBucketsClient").get(project=PROJECT, backend_bucket="bb1").cdn_policy.default_ttl == 3600

    policies = api("SslPoliciesClient")
    policies.insert(project=PROJECT, ssl_policy_resource=compute_v1.SslPolicy(
        name="strict", profile="RESTRICTED", min_tls_version="TLS_1_2")).result()
    policy = policies.get(project=PROJECT, ssl_policy="strict")
    assert policy.fingerprint and policy.enabled_features

    api("UrlMapsClient").insert(project=PROJECT, url_map_resource=compute_v1.UrlMap(
        name="map1", default_service=service.self_link)).result()
    api("SslCertificatesClient").insert(project=PROJECT, ssl_certificate_resource=compute_v1.SslCertificate(
        name="cert1", type_="MANAGED", managed=compute_v1.SslCertificateManagedSslCertificate(
            domains=["www.example.com"]))).result()
    cert = api("SslCertificatesClient").get(project=PROJECT, ssl_certificate="cert1")
    assert cert.managed.status == "ACTIVE" and dict(cert.managed.domain_status) == {"www.example.com": "ACTIVE"}

    proxies = api("TargetHttpsProxiesClient")
    proxies.insert(project=PROJECT, target_https_proxy_resource=compute_v1.TargetHttpsProxy(
        name="px1", url_map="global/urlMaps/map1", ssl_certificates=["global/sslCertificates/cert1"],
        ssl_policy="global/sslPolicies/strict")).result()
    proxy = proxies.get(project=PROJECT, target_https_proxy="px1")
    assert proxy.ssl_policy == LINK + "global/sslPolicies/strict" and proxy.quic_override == "NONE"

    rules = api("GlobalForwardingRulesClient")
    rules.insert(project=PROJECT, forwarding_rule_resource=compute_v1.ForwardingRule(
        name="fr1", target=proxy.self_link, port_range="443", load_balancing_scheme="EXTERNAL_MANAGED")).result()
    rule = rules.get(project=PROJECT, forwarding_rule="fr1")
    assert rule.I_p_address and rule.port_range == "443-443" and rule.I_p_protocol == "TCP"

    # set* methods: a new certificate on the proxy (the stale fingerprint of a proxy is refused)
    api("SslCertificatesClient").insert(project=PROJECT, ssl_certificate_resource=compute_v1.SslCertificate(
        name="cert2", managed=compute_v1.SslCertificateManagedSslCertificate(domains=["api.example.com"]))).result()
    proxies.set_ssl_certificates(
        project=PROJECT, target_https_proxy="px1",
        target_https_proxies_set_ssl_certificates_request_resource=compute_v1.TargetHttpsProxiesSetSslCertificatesRequest(
            ssl_certificates=[LINK + "global/sslCertificates/cert2"])).result()
    assert list(proxies.get(project=PROJECT, target_https_proxy="px1").ssl_certificates) == [
        LINK + "global/sslCertificates/cert2"]
    rules.set_labels(project=PROJECT, resource="fr1", global_set_labels_request_resource=compute_v1.GlobalSetLabelsRequest(
        labels={"env": "test"}, label_fingerprint=rule.label_fingerprint)).result()
    with pytest.raises(exceptions.PreconditionFailed):
        rules.set_labels(project=PROJECT, resource="fr1",
                         global_set_labels_request_resource=compute_v1.GlobalSetLabelsRequest(
                             labels={"env": "prod"}, label_fingerprint=rule.label_fingerprint))
    assert dict(rules.get(project=PROJECT, forwarding_rule="fr1").labels) == {"env": "test"}


def test_url_map_update_needs_the_current_fingerprint(api):
    api("BackendBucketsClient").insert(project=PROJECT, backend_bucket_resource=compute_v1.BackendBucket(
        name="bb1", bucket_name="static-assets")).result()
    maps = api("UrlMapsClient")
    maps.insert(project=PROJECT, url_map_resource=compute_v1.UrlMap(
        name="map1", default_service="global/backendBuckets/bb1")).result()
    current = maps.get(project=PROJECT, url_map="map1")
    current.description = "static"
    maps.update(project=PROJECT, url_map="map1", url_map_resource=current).result()
    with pytest.raises(exceptions.PreconditionFailed):
        maps.update(project=PROJECT, url_map="map1", url_map_resource=current)
    fresh = maps.get(project=PROJECT, url_map="map1")
    assert fresh.description == "static" and fresh.id == current.id and fresh.fingerprint != current.fingerprint


# ------------------------------------------------------------------ Cloud Storage


def test_storage_bucket_round_trip_with_metageneration_preconditions(endpoint, api):
    from google.cloud import storage

    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": endpoint})
    bucket = client.bucket("meridian-test-assets")
    bucket.iam_configuration.uniform_bucket_level_access_enabled = True
    bucket.iam_configuration.public_access_prevention = "enforced"
    bucket.versioning_enabled = True
    bucket.retention_period = 86400
    bucket.add_lifecycle_delete_rule(age=365)
    created = client.create_bucket(bucket, location="europe-west1")
    assert (created.metageneration, created.location, created.location_type) == (1, "EUROPE-WEST1", "region")
    got = client.get_bucket("meridian-test-assets")
    assert got.iam_configuration.uniform_bucket_level_access_enabled
    assert got.iam_configuration.public_access_prevention == "enforced"
    assert got.versioning_enabled and got.retention_period == 86400 and got.storage_class == "STANDARD"
    assert [r["action"]["type"] for r in got.lifecycle_rules] == ["Delete"]

    got.labels = {"env": "test"}
    got.patch(if_metageneration_match=1)
    assert got.metageneration == 2 and client.get_bucket("meridian-test-assets").labels == {"env": "test"}
    got.labels = {"env": "prod"}
    with pytest.raises(exceptions.PreconditionFailed):
        got.patch(if_metageneration_match=1)
    with pytest.raises(exceptions.Conflict):
        client.create_bucket("meridian-test-assets")
    with pytest.raises(exceptions.BadRequest) as caught:
        client.create_bucket("Not_A_Bucket")
    assert "Not_A_Bucket" in caught.value.message
    assert [b.name for b in client.list_buckets()] == ["meridian-test-assets"]
    client.get_bucket("meridian-test-assets").delete()
    with pytest.raises(exceptions.NotFound):
        client.get_bucket("meridian-test-assets")


# ------------------------------------------------------------------ the stack service


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_stack_starts_and_stops_the_emulator_as_service_gce(tmp_path):
    port = _free_port()
    env = dict(os.environ, MERIDIAN_STATE_DIR=str(tmp_path / "state"), MERIDIAN_GCE_PORT=str(port))
    stack = [sys.executable, os.path.join(ROOT, "tools", "local_stack", "stack.py")]
    try:
        started = subprocess.run(stack + ["start", "gce"], env=env, capture_output=True, text=True, timeout=90,
                                 check=False)
        assert started.returncode == 0, started.stderr
        assert "gce" in started.stdout and "started" in started.stdout
        with urllib.request.urlopen("http://127.0.0.1:%d/emulator/ready" % port, timeout=5) as resp:
            assert json.load(resp)["apis"] == ["/compute/v1/", "/storage/v1/"]
        client = compute_v1.NetworksClient(credentials=AnonymousCredentials(), transport="rest",
                                           client_options={"api_endpoint": "http://127.0.0.1:%d" % port})
        assert list(client.list(project=PROJECT)) == []
    finally:
        stopped = subprocess.run(stack + ["stop", "gce"], env=env, capture_output=True, text=True, timeout=60,
                                 check=False)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_fingerprint_required_where_the_document_says_so_and_immutable_fields(api):
    _network(api)
    _subnet(api)
    subnets = api("SubnetworksClient")
    # Subnetwork's fingerprint documentation: "must be provided in order to update ... 412 conditionNotMet"
    with pytest.raises(exceptions.PreconditionFailed):
        subnets.patch(project=PROJECT, region=REGION, subnetwork="sub1", subnetwork_resource=compute_v1.Subnetwork(
            private_ip_google_access=True))
    current = subnets.get(project=PROJECT, region=REGION, subnetwork="sub1")
    with pytest.raises(exceptions.BadRequest) as caught:  # the range changes only through expandIpCidrRange
        subnets.patch(project=PROJECT, region=REGION, subnetwork="sub1", subnetwork_resource=compute_v1.Subnetwork(
            fingerprint=current.fingerprint, ip_cidr_range="10.10.0.0/23"))
    assert "resource.ip_cidr_range" in caught.value.message
    subnets.expand_ip_cidr_range(
        project=PROJECT, region=REGION, subnetwork="sub1",
        subnetworks_expand_ip_cidr_range_request_resource=compute_v1.SubnetworksExpandIpCidrRangeRequest(
            ip_cidr_range="10.10.0.0/23")).result(timeout=10)
    assert subnets.get(project=PROJECT, region=REGION, subnetwork="sub1").ip_cidr_range == "10.10.0.0/23"
    # a firewall rule's network and direction are fixed; the firewall has no fingerprint requirement
    firewalls = api("FirewallsClient")
    firewalls.insert(project=PROJECT, firewall_resource=compute_v1.Firewall(
        name="fw1", network="global/networks/net1", allowed=[compute_v1.Allowed(I_p_protocol="icmp")])).result()
    with pytest.raises(exceptions.BadRequest) as caught:
        firewalls.patch(project=PROJECT, firewall="fw1", firewall_resource=compute_v1.Firewall(
            name="fw1", direction="EGRESS"))
    assert "resource.direction" in caught.value.message
    firewalls.patch(project=PROJECT, firewall="fw1", firewall_resource=compute_v1.Firewall(
        name="fw1", network="global/networks/net1", description="ping")).result()
    assert firewalls.get(project=PROJECT, firewall="fw1").description == "ping"


def test_overlapping_subnetworks_and_allow_with_deny_are_refused(api):
    _network(api)
    _subnet(api, cidr="10.20.0.0/16")
    with pytest.raises(exceptions.BadRequest) as caught:
        api("SubnetworksClient").insert(project=PROJECT, region="us-east1", subnetwork_resource=compute_v1.Subnetwork(
            name="sub2", network="global/networks/net1", ip_cidr_range="10.20.8.0/24"))
    assert "conflicts with existing subnetwork 'sub1'" in caught.value.message
    _network(api, "net2")  # another network may reuse the range
    _subnet(api, name="sub3", cidr="10.20.8.0/24", network="net2")
    with pytest.raises(exceptions.BadRequest) as caught:
        api("FirewallsClient").insert(project=PROJECT, firewall_resource=compute_v1.Firewall(
            name="fw1", network="global/networks/net1", allowed=[compute_v1.Allowed(I_p_protocol="tcp")],
            denied=[compute_v1.Denied(I_p_protocol="udp")]))
    assert "resource.denied" in caught.value.message


def test_zonal_resources_answer_zonal_operations(api):
    api("InstanceTemplatesClient").insert(project=PROJECT, instance_template_resource=compute_v1.InstanceTemplate(
        name="tpl1", properties=compute_v1.InstanceProperties(machine_type="e2-small"))).result(timeout=10)
    zone = REGION + "-b"
    op = api("InstanceGroupManagersClient").insert(
        project=PROJECT, zone=zone, instance_group_manager_resource=compute_v1.InstanceGroupManager(
            name="zmig", instance_template="global/instanceTemplates/tpl1", target_size=1))
    op.result(timeout=10)
    got = api("ZoneOperationsClient").get(project=PROJECT, zone=zone, operation=op.name)
    assert got.zone == LINK + "zones/" + zone and got.status == compute_v1.Operation.Status.DONE
    manager = api("InstanceGroupManagersClient").get(project=PROJECT, zone=zone, instance_group_manager="zmig")
    assert manager.zone == LINK + "zones/" + zone and manager.instance_template == LINK + "global/instanceTemplates/tpl1"
    assert api("InstanceGroupsClient").get(project=PROJECT, zone=zone, instance_group="zmig").size == 1
    with pytest.raises(exceptions.NotFound):
        api("RegionOperationsClient").get(project=PROJECT, region=REGION, operation=op.name)


def test_reserved_addresses_and_a_forwarding_rule_on_one(api):
    addresses = api("GlobalAddressesClient")
    addresses.insert(project=PROJECT, address_resource=compute_v1.Address(name="lb-ip")).result(timeout=10)
    address = addresses.get(project=PROJECT, address="lb-ip")
    assert (address.status, address.address_type, address.ip_version) == ("RESERVED", "EXTERNAL", "IPV4")
    assert address.address
    api("BackendBucketsClient").insert(project=PROJECT, backend_bucket_resource=compute_v1.BackendBucket(
        name="bb1", bucket_name="static-assets")).result()
    api("UrlMapsClient").insert(project=PROJECT, url_map_resource=compute_v1.UrlMap(
        name="map1", default_service="global/backendBuckets/bb1")).result()
    api("TargetHttpProxiesClient").insert(project=PROJECT, target_http_proxy_resource=compute_v1.TargetHttpProxy(
        name="px1", url_map="global/urlMaps/map1")).result()
    rules = api("GlobalForwardingRulesClient")
    rules.insert(project=PROJECT, forwarding_rule_resource=compute_v1.ForwardingRule(
        name="fr1", I_p_address="https://compute.googleapis.com/compute/v1/projects/%s/global/addresses/lb-ip"
        % PROJECT, target="global/targetHttpProxies/px1", port_range="80")).result()
    rule = rules.get(project=PROJECT, forwarding_rule="fr1")
    assert rule.I_p_address == address.address
    assert rule.target == LINK + "global/targetHttpProxies/px1"  # either host of a URL comes back as selfLink's
    with pytest.raises(exceptions.NotFound):
        rules.insert(project=PROJECT, forwarding_rule_resource=compute_v1.ForwardingRule(
            name="fr2", I_p_address="global/addresses/nowhere", target="global/targetHttpProxies/px1"))
    # internal addresses come from the subnetwork's range, after its gateway
    _network(api)
    _subnet(api)
    regional = api("AddressesClient")
    regional.insert(project=PROJECT, region=REGION, address_resource=compute_v1.Address(
        name="db", address_type="INTERNAL", subnetwork="regions/%s/subnetworks/sub1" % REGION)).result()
    assert regional.get(project=PROJECT, region=REGION, address="db").address == "10.10.0.2"


def test_a_bucket_deleted_with_force_lists_no_objects(endpoint, api):
    from google.cloud import storage

    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": endpoint})
    client.create_bucket("meridian-empty")
    assert list(client.list_blobs("meridian-empty")) == []
    client.bucket("meridian-empty").delete(force=True)
    assert list(client.list_buckets()) == []


def test_objects_uploaded_versioned_and_a_non_empty_bucket_kept(endpoint, api):
    """Objects (metadata) through the storage client's uploads: versions, a refused delete, retention."""
    from google.cloud import storage

    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": endpoint})
    bucket = client.bucket("meridian-objects")
    bucket.versioning_enabled = True
    client.create_bucket(bucket, location="EU")
    bucket.blob("logs/a.txt").upload_from_string(b"first")  # multipart upload
    bucket.blob("logs/a.txt").upload_from_string(b"second!")  # the first becomes noncurrent
    bucket.blob("b.txt").upload_from_string(b"")
    assert [b.name for b in client.list_blobs("meridian-objects")] == ["b.txt", "logs/a.txt"]
    versions = list(client.list_blobs("meridian-objects", versions=True, prefix="logs/"))
    assert [(b.size, b.time_deleted is None) for b in versions] == [(5, False), (7, True)]
    with pytest.raises(exceptions.Conflict) as caught:
        client.bucket("meridian-objects").delete()
    assert caught.value.message.endswith("The bucket you tried to delete is not empty.")
    pages = client.list_blobs("meridian-objects", versions=True, max_results=2, page_size=2).pages
    assert [len(list(page)) for page in pages] == [2]
    assert len(list(client.list_blobs("meridian-objects", versions=True, page_size=2))) == 3

    # a live object deleted with versioning on stays as a noncurrent version; a generation goes for good
    bucket.delete_blob("b.txt")
    assert [b.name for b in client.list_blobs("meridian-objects")] == ["logs/a.txt"]
    for blob in client.list_blobs("meridian-objects", versions=True):
        bucket.delete_blob(blob.name, generation=blob.generation)
    bucket.delete()
    assert client.lookup_bucket("meridian-objects") is None

    # an object younger than the retention period is not deleted
    kept = client.bucket("meridian-retained")
    kept.retention_period = 3600
    client.create_bucket(kept, location="EU")
    kept.blob("audit.log").upload_from_string(b"x")
    with pytest.raises(exceptions.Forbidden) as caught:
        kept.delete_blob("audit.log")
    assert "retention policy" in caught.value.message

    # an object under a temporary hold is neither deleted nor replaced until the hold is released
    held = client.bucket("meridian-held")
    client.create_bucket(held, location="EU")
    blob = held.blob("evidence.bin")
    blob.upload_from_string(b"x")
    blob.temporary_hold = True
    blob.patch()
    assert next(iter(client.list_blobs("meridian-held"))).temporary_hold is True
    for action in (lambda: held.delete_blob("evidence.bin"), lambda: held.blob("evidence.bin").upload_from_string(b"y")):
        with pytest.raises(exceptions.Forbidden) as caught:
            action()
        assert "Temporary hold" in caught.value.message
    blob.temporary_hold = False
    blob.patch()
    held.delete_blob("evidence.bin")
    assert list(client.list_blobs("meridian-held")) == []


def test_an_object_insert_without_upload_path_is_refused(api):
    """objects.insert on /storage/v1/ (not /upload/) is a 400, as the real API answers; the body is validated."""
    request = urllib.request.Request(api.endpoint + "/storage/v1/b/meridian-x/o?name=a", method="POST",
                                     data=b'{"name": "a"}', headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400
    assert "uploadType" in json.load(caught.value)["error"]["message"]


def test_operations_delete_and_a_foreign_page_token(api):
    _network(api)
    operations = api("GlobalOperationsClient")
    name = [o.name for o in operations.list(project=PROJECT)][0]
    operations.delete(project=PROJECT, operation=name)
    assert list(operations.list(project=PROJECT)) == []
    with pytest.raises(exceptions.NotFound):
        operations.get(project=PROJECT, operation=name)
    with pytest.raises(exceptions.BadRequest) as caught:
        list(api("NetworksClient").list(request=compute_v1.ListNetworksRequest(project=PROJECT, page_token="abc")))
    assert "pageToken" in caught.value.message


def _post_json(url, payload):
    request = urllib.request.Request(url, method="POST", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.load(resp)


def test_injected_faults_fail_the_next_matching_requests_then_clear(endpoint, api):
    from google.api_core import retry as retries

    fault = _post_json(endpoint + "/emulator/faults",
                       {"method": "POST", "path": "/global/networks$", "code": 503, "count": 2})
    assert (fault["reason"], fault["count"]) == ("backendError", 2)
    networks = api("NetworksClient")
    assert list(networks.list(project=PROJECT)) == []  # a GET does not match the fault
    with pytest.raises(exceptions.ServiceUnavailable) as caught:
        _network(api)
    assert caught.value.errors[0]["reason"] == "backendError"
    # a retrying caller gets through once the remaining fault is spent
    retry = retries.Retry(predicate=retries.if_exception_type(exceptions.ServiceUnavailable), initial=0.01,
                          maximum=0.05, timeout=10)
    networks.insert(project=PROJECT, network_resource=compute_v1.Network(
        name="net1", auto_create_subnetworks=False), retry=retry).result(timeout=10)
    assert [n.name for n in networks.list(project=PROJECT)] == ["net1"]
    with urllib.request.urlopen(endpoint + "/emulator/faults", timeout=5) as resp:
        assert json.load(resp)["faults"] == []
    # Compute's throttling answer: 403 rateLimitExceeded
    _post_json(endpoint + "/emulator/faults", {"path": "/global/networks/net1$", "code": 403})
    with pytest.raises(exceptions.Forbidden) as caught:
        networks.get(project=PROJECT, network="net1")
    assert caught.value.errors[0]["reason"] == "rateLimitExceeded"
    assert networks.get(project=PROJECT, network="net1").name == "net1"


def test_autoscaler_scaling_schedules_merge_and_clear_by_patch(api):
    api("InstanceTemplatesClient").insert(project=PROJECT, instance_template_resource=compute_v1.InstanceTemplate(
        name="tpl1", properties=compute_v1.InstanceProperties(machine_type="e2-small"))).result(timeout=10)
    api("RegionInstanceGroupManagersClient").insert(
        project=PROJECT, region=REGION, instance_group_manager_resource=compute_v1.InstanceGroupManager(
            name="mig1", instance_template="global/instanceTemplates/tpl1", target_size=2)).result(timeout=10)
    scalers = api("RegionAutoscalersClient")
    morning = compute_v1.AutoscalingPolicyScalingSchedule(
        schedule="0 8 * * MON-FRI", time_zone="Europe/Berlin", duration_sec=3600, min_required_replicas=4)
    scalers.insert(project=PROJECT, region=REGION, autoscaler_resource=compute_v1.Autoscaler(
        name="as1", target="regions/%s/instanceGroupManagers/mig1" % REGION,
        autoscaling_policy=compute_v1.AutoscalingPolicy(
            min_num_replicas=2, max_num_replicas=8, scaling_schedules={"morning": morning}))).result(timeout=10)
    evening = compute_v1.AutoscalingPolicyScalingSchedule(
        schedule="0 18 * * *", time_zone="Europe/Berlin", duration_sec=1800, min_required_replicas=3)
    scalers.patch(request=compute_v1.PatchRegionAutoscalerRequest(
        project=PROJECT, region=REGION, autoscaler="as1", autoscaler_resource=compute_v1.Autoscaler(
            name="as1", autoscaling_policy=compute_v1.AutoscalingPolicy(
                scaling_schedules={"evening": evening})))).result(timeout=10)
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="as1").autoscaling_policy
    assert sorted(policy.scaling_schedules) == ["evening", "morning"]  # JSON merge patch: maps merge
    assert policy.scaling_schedules["morning"].min_required_replicas == 4
    with pytest.raises(exceptions.BadRequest) as caught:
        scalers.patch(request=compute_v1.PatchRegionAutoscalerRequest(
            project=PROJECT, region=REGION, autoscaler="as1", autoscaler_resource=compute_v1.Autoscaler(
                name="as1", autoscaling_policy=compute_v1.AutoscalingPolicy(
                    cpu_utilization=compute_v1.AutoscalingPolicyCpuUtilization(
                        predictive_method="OPTIMIZE_EVERYTHING")))))
    assert "resource.autoscaling_policy.cpu_utilization.predictive_method" in caught.value.message
    # a null map entry removes that schedule (JSON merge patch), sent as the API documents it
    import httplib2
    from googleapiclient import discovery

    service = discovery.build("compute", "v1", http=httplib2.Http(), static_discovery=True,
                              client_options={"api_endpoint": api.endpoint + "/compute/v1/"})
    service.regionAutoscalers().patch(project=PROJECT, region=REGION, autoscaler="as1", body={
        "name": "as1", "autoscalingPolicy": {"scalingSchedules": {"morning": None}}}).execute()
    policy = scalers.get(project=PROJECT, region=REGION, autoscaler="as1").autoscaling_policy
    assert sorted(policy.scaling_schedules) == ["evening"]


def test_a_refused_patch_changes_nothing(api):
    """A patch the API refuses (here the SSL policy's own rule: custom features with a pre-configured profile)
    leaves the resource as it was, fingerprint included."""
    policies = api("SslPoliciesClient")
    policies.insert(project=PROJECT, ssl_policy_resource=compute_v1.SslPolicy(
        name="custom", profile="CUSTOM", min_tls_version="TLS_1_2",
        custom_features=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"])).result()
    before = policies.get(project=PROJECT, ssl_policy="custom")
    with pytest.raises(exceptions.BadRequest) as caught:
        policies.patch(project=PROJECT, ssl_policy="custom", ssl_policy_resource=compute_v1.SslPolicy(
            fingerprint=before.fingerprint, profile="MODERN", min_tls_version="TLS_1_3"))
    assert "resource.custom_features" in caught.value.message
    after = policies.get(project=PROJECT, ssl_policy="custom")
    assert (after.profile, after.min_tls_version, after.fingerprint) == ("CUSTOM", "TLS_1_2", before.fingerprint)


def test_set_instance_template_moves_the_version_and_auto_healing_names_its_health_check(api):
    templates = api("InstanceTemplatesClient")
    for name in ("tpl1", "tpl2"):
        templates.insert(project=PROJECT, instance_template_resource=compute_v1.InstanceTemplate(
            name=name, properties=compute_v1.InstanceProperties(machine_type="e2-small"))).result(timeout=10)
    api("HealthChecksClient").insert(project=PROJECT, health_check_resource=compute_v1.HealthCheck(
        name="hc1", type_="TCP", tcp_health_check=compute_v1.TCPHealthCheck(port=80))).result(timeout=10)
    managers = api("RegionInstanceGroupManagersClient")
    managers.insert(project=PROJECT, region=REGION, instance_group_manager_resource=compute_v1.InstanceGroupManager(
        name="mig1", instance_template="global/instanceTemplates/tpl1", target_size=2,
        auto_healing_policies=[compute_v1.InstanceGroupManagerAutoHealingPolicy(
            health_check="global/healthChecks/hc1", initial_delay_sec=120)])).result(timeout=10)
    manager = managers.get(project=PROJECT, region=REGION, instance_group_manager="mig1")
    assert manager.auto_healing_policies[0].health_check == LINK + "global/healthChecks/hc1"
    managers.set_instance_template(
        project=PROJECT, region=REGION, instance_group_manager="mig1",
        region_instance_group_managers_set_template_request_resource=compute_v1.RegionInstanceGroupManagersSetTemplateRequest(
            instance_template="global/instanceTemplates/tpl2")).result(timeout=10)
    manager = managers.get(project=PROJECT, region=REGION, instance_group_manager="mig1")
    assert manager.instance_template == LINK + "global/instanceTemplates/tpl2"
    assert [v.instance_template for v in manager.versions] == [LINK + "global/instanceTemplates/tpl2"]
    # the group now uses tpl2 (not tpl1) and hc1: the API refuses to delete what is in use
    templates.delete(project=PROJECT, instance_template="tpl1").result(timeout=10)
    for call in (lambda: templates.delete(project=PROJECT, instance_template="tpl2"),
                 lambda: api("HealthChecksClient").delete(project=PROJECT, health_check="hc1")):
        with pytest.raises(exceptions.BadRequest) as caught:
            call()
        assert caught.value.errors[0]["reason"] == "resourceInUseByAnotherResource"
