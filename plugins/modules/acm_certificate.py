#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: acm_certificate
short_description: Request a DNS-validated ACM certificate, or import a self-signed one, identified by its Name tag
version_added: 0.2.0
description:
  - Ensures one ACM certificate in the region for a set of DNS names, found by its C(Name) tag (O(name)).
  - With O(source=request) it requests a public certificate validated by DNS and returns the CNAME
    validation records ACM asks for, to be written in the hosted zone (for example with
    M(amazon.aws.route53)); with O(wait=true) it then waits until ACM has issued it. ACM renews such
    a certificate by itself as long as the validation records stay in place.
  - With O(source=self_signed) it imports a new self-signed certificate (no client trusts it), for
    endpoints that imitate ACM such as a local test stack; it is replaced when its names change or
    it is within 30 days of its end.
  - A certificate with the same names, a usable status (issued, or pending validation) and the
    source's type stands for the wanted one; otherwise a new one is requested or imported and the
    old one is left for O(state=absent) (a load balancer may still use it). Tags are set in place.
  - M(community.aws.acm_certificate) only imports certificates; this module requests them.
  - Every option is validated before any API call; an invalid one fails naming the option.
  - Every ACM call is retried with jittered exponential backoff on throttling and transient server
    errors; a request carries an idempotency token, so a retried request cannot make a second certificate.
author:
  - Meridian platform engineering (@meridian)
options:
  state:
    description: V(present) ensures the certificate; V(absent) deletes every certificate with the Name tag O(name).
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The value of the certificate's C(Name) tag, unique in the region (for example V(meridian-prod-lb)).
    type: str
    required: true
  domain_names:
    description:
      - The names the certificate covers; the first is its domain name, all are subject alternative
        names. A wildcard (V(*.example.com)) covers one label. Names another entry covers are dropped.
      - Required with O(state=present).
    type: list
    elements: str
  source:
    description: V(request) asks ACM for a DNS-validated public certificate; V(self_signed) imports a self-signed one.
    type: str
    choices: [request, self_signed]
    default: request
  key_algorithm:
    description: Key of a requested certificate (CloudFront accepts V(RSA_2048) and V(EC_prime256v1)).
    type: str
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
    default: RSA_2048
  wait:
    description: Wait until the certificate is issued (after its validation records are in DNS).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the issue, and for the validation records ACM publishes after a request.
    type: int
    default: 1800
  tags:
    description: Tags of the certificate (C(Name) is set from O(name)). V(None) leaves the other tags alone.
    type: dict
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports whether a certificate would be requested or imported, or its tags changed; changes nothing.
  diff_mode:
    support: full
    description: The certificate's names, status and tags before and after.
notes:
  - A DNS-validated certificate is issued only once the validation records resolve publicly, so the
    hosted zone must be delegated to Route 53. ACM waits up to 72 hours before the request times out.
  - On moto a requested certificate stays C(PENDING_VALIDATION); an imported one is C(ISSUED).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: community.aws.acm_certificate
    description: Imports certificates into ACM.
  - module: amazon.aws.route53
    description: Writes the validation records in the hosted zone.
"""

EXAMPLES = r"""
- name: Request the load balancer's certificate
  meridian.global_infra.acm_certificate:
    region: eu-west-1
    name: meridian-prod-lb
    domain_names: [meridian.example.com, "*.meridian.example.com"]
    tags: {"meridian:env": prod}
  register: cert

- name: Write the validation records
  amazon.aws.route53:
    zone: meridian.example.com
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: "{{ item.value }}"
    ttl: 300
    overwrite: true
  loop: "{{ cert.validation_records }}"

- name: Wait for the issue
  meridian.global_infra.acm_certificate:
    region: eu-west-1
    name: meridian-prod-lb
    domain_names: [meridian.example.com, "*.meridian.example.com"]
    tags: {"meridian:env": prod}
    wait: true
"""

RETURN = r"""
certificate_arn:
  description: The certificate's ARN (empty in check mode when it would be created).
  returned: state=present
  type: str
  sample: arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab
status:
  description: The certificate's ACM status.
  returned: state=present
  type: str
  sample: ISSUED
domain_names:
  description: The names the certificate covers, as requested.
  returned: state=present
  type: list
  elements: str
validation_records:
  description: The DNS records ACM validates the names with (one per distinct record).
  returned: state=present
  type: list
  elements: dict
  contains:
    name:
      description: Record name, without the final dot.
      type: str
    type:
      description: Record type (C(CNAME)).
      type: str
    value:
      description: Record value, without the final dot.
      type: str
deleted:
  description: The ARNs deleted.
  returned: state=absent
  type: list
  elements: str
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.tls import (
    TlsPlanError,
    certificate_names,
    idempotency_token,
    pick_certificate,
    self_signed_certificate,
    tag_changes,
    validation_records,
)
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.acm import AcmClient
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.aws_api import AwsApiError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error

_POLL = 10


def check_options(p):
    """Every option checked before a client is built; returns the certificate's names."""
    if not (p["name"] or "").strip():
        raise TlsPlanError("name", "give the certificate's Name tag, for example meridian-prod-lb")
    if p["state"] == "absent":
        return []
    if not p["domain_names"]:
        raise TlsPlanError("domain_names", "give at least one DNS name with state=present")
    if p["wait_timeout"] < 0:
        raise TlsPlanError("wait_timeout", "must be 0 or more seconds")
    if p["tags"] is not None and "Name" in p["tags"] and p["tags"]["Name"] != p["name"]:
        raise TlsPlanError("tags", "Name is set from the name option; leave it out of tags")
    return certificate_names(p["domain_names"], "domain_names")


def _view(cert, tags):
    if not cert:
        return {}
    names = sorted(set([cert.get("DomainName", "")] + list(cert.get("SubjectAlternativeNames") or [])))
    return {"arn": cert.get("CertificateArn", ""), "names": names, "status": cert.get("Status", ""),
            "tags": dict(sorted((tags or {}).items()))}


def _wait_for(client, arn, timeout, done, what):
    deadline = time.time() + timeout
    while True:
        cert = client.describe(arn)
        if cert is None:
            raise TlsPlanError("name", "certificate %s disappeared while waiting for %s" % (arn, what))
        if cert.get("Status") in ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "INACTIVE", "EXPIRED"):
            raise TlsPlanError("domain_names", "certificate %s is %s (%s): request a new one after fixing the names "
                               "or the validation records" % (arn, cert["Status"], cert.get("FailureReason", "no reason given")))
        if done(cert):
            return cert
        if time.time() >= deadline:
            raise TlsPlanError("wait_timeout", "certificate %s still %s after %ds waiting for %s; check that the "
                               "validation records are in the delegated hosted zone and raise wait_timeout"
                               % (arn, cert.get("Status"), timeout, what))
        time.sleep(_POLL)


def run_present(module, client, names):
    p = module.params
    wanted_tags = dict(p["tags"] or {}, Name=p["name"]) if p["tags"] is not None else None
    current = pick_certificate(client.named(p["name"]), names, p["source"])
    before = _view(current, (current or {}).get("Tags"))
    changed = False
    if current is None:
        changed = True
        tags = wanted_tags if wanted_tags is not None else {"Name": p["name"]}
        if module.check_mode:
            after = {"arn": "", "names": sorted(names), "status": "ISSUED" if p["source"] == "self_signed" else
                     "PENDING_VALIDATION", "tags": dict(sorted(tags.items()))}
            return {"changed": True, "certificate_arn": "", "status": after["status"], "domain_names": names,
                    "validation_records": [], "diff": {"before": before, "after": after}}
        if p["source"] == "self_signed":
            cert_pem, key_pem = self_signed_certificate(names)
            arn = client.import_(cert_pem, key_pem, tags)
        else:
            arn = client.request(names, idempotency_token(p["name"], names), tags, p["key_algorithm"])
        current = client.describe(arn) or {"CertificateArn": arn}
        current["Tags"] = client.tags(arn)
    else:
        arn = current["CertificateArn"]
        if wanted_tags is not None:
            to_set, to_remove = tag_changes(current.get("Tags"), wanted_tags, p["purge_tags"])
            if to_set or to_remove:
                changed = True
                if not module.check_mode:
                    client.set_tags(arn, to_set, to_remove)
                tags = dict((k, v) for k, v in current.get("Tags", {}).items() if k not in to_remove)
                tags.update(to_set)
                current["Tags"] = tags
    if p["source"] == "request" and not module.check_mode and current.get("Status") != "ISSUED":
        current = dict(_wait_for(client, arn, min(p["wait_timeout"], 120),
                                 lambda c: validation_records(c)[1], "its validation records"),
                       Tags=current.get("Tags"))
        if p["wait"]:
            current = dict(_wait_for(client, arn, p["wait_timeout"], lambda c: c.get("Status") == "ISSUED", "the issue"),
                           Tags=current.get("Tags"))
    records = validation_records(current)[0] if p["source"] == "request" else []
    return {"changed": changed, "certificate_arn": arn, "status": current.get("Status", ""), "domain_names": names,
            "validation_records": records,
            "diff": {"before": before, "after": _view(current, current.get("Tags"))}}


def run_absent(module, client):
    found = client.named(module.params["name"])
    arns = sorted(c["CertificateArn"] for c in found)
    deleted = []
    if arns and not module.check_mode:
        for arn in arns:
            try:
                if client.delete(arn):
                    deleted.append(arn)
            except AwsApiError as err:
                if err.code == "ResourceInUseException":
                    raise TlsPlanError("name", "certificate %s is still in use (%s): remove the load balancer "
                                       "listener or distribution that uses it first" % (arn, err.message))
                raise
    return {"changed": bool(arns), "deleted": deleted if not module.check_mode else arns,
            "diff": {"before": {"arns": arns}, "after": {"arns": []}}}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            name=dict(type="str", required=True),
            domain_names=dict(type="list", elements="str"),
            source=dict(type="str", default="request", choices=["request", "self_signed"]),
            key_algorithm=dict(type="str", default="RSA_2048", choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"]),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=1800),
            tags=dict(type="dict"),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        names = check_options(module.params)
        client = AcmClient.from_module(module)
        if module.params["state"] == "absent":
            result = run_absent(module, client)
        else:
            result = run_present(module, client, names)
        if not module._diff:
            result.pop("diff", None)
        module.exit_json(**result)
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
