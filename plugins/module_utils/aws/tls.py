# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for the estate's TLS certificates (ACM) and the DNS names that lead to them.

What names a certificate covers, which ACM certificate already stands for a wanted one, the DNS
validation records ACM asks for, the checks of the inventory's certificate settings, and a
self-signed certificate for endpoints that only imitate ACM. Nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

SOURCES = ("request", "arn", "self_signed")
# Statuses of a certificate that can still be (or already is) used by a listener or a distribution.
USABLE = ("ISSUED", "PENDING_VALIDATION")
# An imported certificate this close to its end is replaced.
RENEW_BEFORE_DAYS = 30
# Route 53's fixed hosted zone id of every CloudFront distribution's alias target.
CLOUDFRONT_ALIAS_ZONE_ID = "Z2FDTNDATAQYW2"

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_ARN = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):certificate/[A-Za-z0-9-]+$")


class TlsPlanError(MeridianError):
    """An input that cannot produce the certificate plan; ``field`` names it."""


def _name(value, field):
    if not isinstance(value, str):
        raise TlsPlanError(field, "expected a DNS name, got %r" % (value,))
    name = value.strip().rstrip(".").lower()
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253:
        raise TlsPlanError(field, "%r is not a fully qualified DNS name" % (value,))
    for index, label in enumerate(labels):
        if label == "*" and index == 0:
            continue
        if not _LABEL.match(label):
            raise TlsPlanError(field, "%r is not a valid DNS name (label %r)" % (value, label))
    return name


def covers(pattern, name):
    """Whether certificate name ``pattern`` (``a.example.com`` or ``*.example.com``) covers ``name``.

    A wildcard covers exactly one label: ``*.example.com`` covers ``app.example.com``, not
    ``example.com`` nor ``a.b.example.com`` (RFC 6125, as ACM issues it).
    """
    pattern, name = pattern.rstrip(".").lower(), name.rstrip(".").lower()
    if pattern == name:
        return True
    if pattern.startswith("*."):
        head, dummy, rest = name.partition(".")
        return bool(head) and head != "*" and rest == pattern[2:]
    return False


def certificate_names(names, field="names"):
    """The names of one certificate: validated, lower-case, in order, without duplicates and
    without names another entry already covers (``app.z`` next to ``*.z``). The first is the
    certificate's DomainName, the rest its SubjectAlternativeNames (ACM lists the DomainName too)."""
    if isinstance(names, str) or not names:
        raise TlsPlanError(field, "expected a non-empty list of DNS names, got %r" % (names,))
    clean = []
    for value in names:
        name = _name(value, field)
        if name not in clean:
            clean.append(name)
    kept = [n for n in clean if not any(o != n and covers(o, n) for o in clean)]
    if len(kept) > 100:
        raise TlsPlanError(field, "%d names; an ACM certificate holds at most 100" % len(kept))
    return kept


def names_outside_zone(names, zone):
    """The names whose DNS validation records cannot be written in ``zone``."""
    zone = _name(zone, "zone")
    out = []
    for name in names:
        base = name[2:] if name.startswith("*.") else name
        if base != zone and not base.endswith("." + zone):
            out.append(name)
    return out


def idempotency_token(name, names):
    """ACM's IdempotencyToken (\\w+, at most 32): the same request within an hour returns the same ARN."""
    return hashlib.sha256(("%s|%s" % (name, ",".join(names))).encode("utf-8")).hexdigest()[:32]


def arn_region(arn):
    """The region of an ACM certificate ARN, or None when ``arn`` is not one."""
    match = _ARN.match(arn or "") if isinstance(arn, str) else None
    return match.group("region") if match else None


def _cert_names(cert):
    names = [cert.get("DomainName", "")] + list(cert.get("SubjectAlternativeNames") or [])
    return sorted(set(n.rstrip(".").lower() for n in names if n))


def _expires_soon(cert, now):
    not_after = cert.get("NotAfter")
    if not isinstance(not_after, datetime.datetime):
        return False
    if not_after.tzinfo is None:
        not_after = not_after.replace(tzinfo=datetime.timezone.utc)
    return not_after - now < datetime.timedelta(days=RENEW_BEFORE_DAYS)


def pick_certificate(certificates, names, source, now=None):
    """The certificate (describe_certificate's ``Certificate``) that already stands for the wanted
    one, or None: same set of names, usable status, the type of ``source`` (AMAZON_ISSUED for
    request, IMPORTED for self_signed), and for an imported one not within RENEW_BEFORE_DAYS of its
    end. Issued beats pending; among equals the newest."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    want_type = "IMPORTED" if source == "self_signed" else "AMAZON_ISSUED"
    want = sorted(names)
    fits = [c for c in certificates
            if c.get("Type") == want_type and c.get("Status") in USABLE and _cert_names(c) == want
            and not (want_type == "IMPORTED" and _expires_soon(c, now))]
    if not fits:
        return None

    def rank(cert):
        created = cert.get("CreatedAt") or cert.get("ImportedAt")
        stamp = created.timestamp() if isinstance(created, datetime.datetime) else 0
        return (cert.get("Status") == "ISSUED", stamp)
    return sorted(fits, key=rank)[-1]


def validation_records(certificate):
    """The DNS validation records of a certificate: ``[{name, type, value}]``, one per distinct
    record (``example.com`` and ``*.example.com`` share one), sorted; ``complete`` is False while
    ACM has not yet published a record for every name (it does within seconds of the request)."""
    records, complete = {}, True
    for option in certificate.get("DomainValidationOptions") or []:
        rr = option.get("ResourceRecord")
        if not rr:
            if option.get("ValidationMethod", "DNS") == "DNS":
                complete = False
            continue
        key = (rr["Name"].rstrip(".").lower(), rr["Type"])
        records[key] = {"name": key[0], "type": rr["Type"], "value": rr["Value"].rstrip(".")}
    return [records[k] for k in sorted(records)], complete


def tag_changes(current, wanted, purge=True):
    """(to set {key: value}, keys to remove) to go from ``current`` to ``wanted`` tags."""
    current = dict(current or {})
    wanted = dict((k, str(v)) for k, v in (wanted or {}).items())
    to_set = dict((k, v) for k, v in wanted.items() if current.get(k) != v)
    to_remove = sorted(k for k in current if k not in wanted) if purge else []
    return to_set, to_remove


def local_endpoint(endpoint_url):
    """Whether ``endpoint_url`` is an AWS imitation on this machine (a loopback address): the only
    place a self-signed certificate is acceptable. Real AWS has no endpoint override, or a real one."""
    match = re.match(r"^https?://(\[[^]]+\]|[^:/]+)", (endpoint_url or "").strip().lower())
    if not match:
        return False
    host = match.group(1).strip("[]")
    return host in ("localhost", "::1") or bool(re.match(r"^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$", host))


def tls_settings_errors(source, env, regions, zone, region_names, cdn_names, arns, self_signed_allowed,
                        cdn=True):
    """What is wrong with the inventory's certificate settings, checked before any API call.

    ``source``: request | arn | self_signed. ``regions``: the AWS regions of the estate.
    ``arns``: {region: ARN, "cdn": ARN} for the arn source. A self-signed certificate is refused
    unless ``self_signed_allowed`` (the estate runs on a local imitation of AWS, ``local_endpoint``);
    requested names must lie in ``zone`` (their validation records are written there); a given ARN
    must be an ACM ARN of its own region (the CloudFront one of us-east-1). Returns a list of
    messages, each naming the variable to set.
    """
    errors = []
    if source not in SOURCES:
        return ["tls_certificate_source must be one of %s, got %r" % (", ".join(SOURCES), source)]
    if source == "self_signed" and not self_signed_allowed:
        errors.append("environment %s has no certificates: a self-signed certificate is only for a local stack "
                      "(an AWS endpoint on this machine); set tls_certificate_source to request (ACM, DNS-validated "
                      "in the hosted zone) or arn (tls_certificate_arns)" % env)
    if source in ("request", "self_signed"):
        for field, names in (("tls_names", region_names), ("tls_cdn_names", cdn_names if cdn else None)):
            if names is None:
                continue
            try:
                clean = certificate_names(names, field)
            except TlsPlanError as err:
                errors.append(str(err))
                continue
            if source == "request":
                try:
                    outside = names_outside_zone(clean, zone)
                except TlsPlanError as err:
                    errors.append("meridian_dns_zone: %s" % err.message)
                    break
                if outside:
                    errors.append("%s: %s outside the hosted zone %s, where the DNS validation records are "
                                  "written; request them elsewhere and use tls_certificate_source arn"
                                  % (field, ", ".join(outside), zone))
    if source == "arn":
        arns = arns if isinstance(arns, dict) else {}
        wanted = [(r, r) for r in regions] + ([("cdn", "us-east-1")] if cdn else [])
        for key, region in wanted:
            got = arn_region(arns.get(key))
            if got is None:
                errors.append("tls_certificate_arns.%s must be the ARN of an ACM certificate in %s, got %r"
                              % (key, region, arns.get(key)))
            elif got != region:
                errors.append("tls_certificate_arns.%s is a certificate of %s; %s needs one of %s%s"
                              % (key, got, "CloudFront" if key == "cdn" else "the load balancer", region,
                                 " (CloudFront reads certificates only from us-east-1)" if key == "cdn" else ""))
    return errors


def self_signed_certificate(names, days=365, now=None):
    """A self-signed certificate for ``names`` (first = subject CN, all as SANs) with a new
    2048-bit RSA key: ``(certificate_pem, private_key_pem)``, both text. For endpoints that imitate
    ACM (no client trusts it); a real environment requests its certificates instead."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    names = certificate_names(names)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode("ascii")
    return cert_pem, key_pem
