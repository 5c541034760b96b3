# -*- coding: utf-8 -*-
"""The load balancer's gce modules through ansible-playbook and their action group, on the Compute Engine emulator.

apply (eight changes), apply again (changed=0), --check --diff on the converged estate (changed=0, no diff
content), another domain under --check --diff (the URL map's hosts, a new certificate and the proxy's change
shown, nothing written), teardown in the reverse order (nothing left, read back with the official client).
Each module run imports google-cloud-compute (about 1.7 s of CPU): the five runs make forty module runs,
about 70 s of CPU (nearly 4 minutes on a busy 2-core machine).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest

compute_v1 = pytest.importorskip("google.cloud.compute_v1")

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import lb_resources  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    localhost_playbook,
    official,
)

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gce_load_balancer.yml")
PROJECT = "meridian-local"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra):
    return localhost_playbook(PLAYBOOK, url, *extra)


def test_apply_again_check_diff_teardown(emulator):
    checks = official(emulator, compute_v1.HealthChecksClient)
    checks.insert(project=PROJECT, health_check_resource=compute_v1.HealthCheck(
        name="lb-web-http", type_="HTTP", http_health_check=compute_v1.HTTPHealthCheck(port=80))).result()

    assert playbook(emulator)[0] == 8
    rule = official(emulator, compute_v1.GlobalForwardingRulesClient).get(project=PROJECT, forwarding_rule="lb-https")
    address = official(emulator, compute_v1.GlobalAddressesClient).get(project=PROJECT, address="lb-ipv4")
    assert (rule.I_p_address, rule.port_range) == (address.address, "443-443")
    assert rule.load_balancing_scheme == "EXTERNAL_MANAGED"
    assert playbook(emulator)[0] == 0
    changed, out = playbook(emulator, "--check", "--diff")
    assert changed == 0
    assert "+++" not in out

    certificates = official(emulator, compute_v1.SslCertificatesClient)
    before = [c.name for c in certificates.list(project=PROJECT)]
    domains = ["app.example.com", "www.example.com"]
    changed, out = playbook(emulator, "--check", "--diff", "-e", json.dumps({"gce_domains": domains}))
    assert changed == 3  # the URL map's hosts, a new certificate, the proxy moved to it
    new = lb_resources.certificate_name("lb", domains)
    assert new not in before
    assert re.search(r"^\+\s+%s:$" % new, out, re.M), out  # the certificates' diff: the new one added
    assert re.search(r"^\+\s+- www\.example\.com$", out, re.M), out
    assert [c.name for c in certificates.list(project=PROJECT)] == before
    hosts = official(emulator, compute_v1.UrlMapsClient).get(project=PROJECT, url_map="lb").host_rules[0].hosts
    assert list(hosts) == ["app.example.com"]

    assert playbook(emulator, "-e", "gce_state=absent")[0] == 8
    for cls in ("GlobalForwardingRulesClient", "GlobalAddressesClient", "TargetHttpsProxiesClient",
                "SslCertificatesClient", "SslPoliciesClient", "UrlMapsClient", "BackendBucketsClient",
                "BackendServicesClient"):
        assert list(official(emulator, getattr(compute_v1, cls)).list(project=PROJECT)) == [], cls
    checks.delete(project=PROJECT, health_check="lb-web-http").result()
