# -*- coding: utf-8 -*-
"""The tls preflight refuses an environment without real certificates, before any API call.

As in test_storage_preflight.py the region hosts are built on inventories/local; a run that got past
every preflight fails on its first API call (the closed endpoint), so each refusal below is shown to
come before any call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.tests.preflight.playbook import CLOSED_ENDPOINT, PAIR, local_inventory, run_playbook

ARN_US = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"


def _run(tmp_path, endpoint=CLOSED_ENDPOINT, **group_vars):
    hosts = dict((host, dict({"meridian_provider": "aws", "meridian_env": "preflight", "meridian_aws_endpoint_url": endpoint},
                             **hostvars)) for host, hostvars in PAIR.items())
    return run_playbook(local_inventory(tmp_path, hosts, group_vars))


def _nothing_called(out):
    assert "List the region's availability zones" not in out
    assert "Could not connect" not in out and "EndpointConnectionError" not in out


def test_self_signed_against_a_real_endpoint_is_refused(tmp_path):
    # An endpoint that is not on this machine is a real account: self-signed is no certificate.
    rc, out = _run(tmp_path, endpoint="https://192.0.2.1:9", tls_certificate_source="self_signed")
    assert rc != 0
    assert "environment preflight has no certificates" in out and "set tls_certificate_source to request" in out
    assert "Check where the certificates come from" in out
    _nothing_called(out)


def test_requested_names_outside_the_zone_and_misplaced_arns_are_refused(tmp_path):
    rc, out = _run(tmp_path, tls_certificate_source="request", tls_cdn_names=["cdn.other.example"])
    assert rc != 0 and "tls_cdn_names: cdn.other.example outside the hosted zone" in out
    _nothing_called(out)
    rc, out = _run(tmp_path / "arn", tls_certificate_source="arn",
                   tls_certificate_arns={"us-east-1": ARN_US, "eu-west-1": ARN_US, "cdn": ARN_US})
    assert rc != 0 and "tls_certificate_arns.eu-west-1 is a certificate of us-east-1" in out
    _nothing_called(out)


def test_the_local_stack_and_requested_certificates_pass(tmp_path):
    # Control cases: past every preflight, stopped by the closed endpoint at the first call.
    for sub, source in (("local", "self_signed"), ("request", "request")):
        (tmp_path / sub).mkdir()
        rc, out = _run(tmp_path / sub, tls_certificate_source=source)
        assert rc != 0
        assert "has no certificates" not in out and "outside the hosted zone" not in out
        assert "List the region's availability zones" in out
