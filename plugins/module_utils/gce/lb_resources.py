# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kinds of the global external Application Load Balancer, and their desired state built from options.

Backend services and buckets (Cloud CDN), SSL policies, Google-managed SSL certificates, URL maps,
target HTTPS proxies, global forwarding rules and the reserved global addresses they listen on: each kind in ``engine``'s field specs, each
``desired_<kind>(params)`` checking every option (naming it on error) and returning the wanted body
in the API's shape. ``resources.KINDS``/``resources.DESIRED`` register them. Nothing here calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import (
    GceError,
    check_name,
    check_project,
    ref,
)

_OUTPUT_ONLY = ("id", "kind", "selfLink", "creationTimestamp", "fingerprint")
_BUCKET_RE = re.compile(r"^[a-z0-9][-a-z0-9_.]{1,220}[a-z0-9]$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$")
_GROUP_SCOPE_RE = re.compile(r"(?:^|/)(?:regions|zones)/[^/]+/instanceGroups/[^/]+$")

SSL_PROFILES = ("MODERN", "RESTRICTED", "CUSTOM")
TLS_VERSIONS = ("TLS_1_2", "TLS_1_3")
WEAK_TLS_VERSIONS = ("TLS_1_0", "TLS_1_1")
CACHE_MODES = ("CACHE_ALL_STATIC", "USE_ORIGIN_HEADERS", "FORCE_CACHE_ALL")
BACKEND_PROTOCOLS = ("HTTP", "HTTPS", "HTTP2")
BALANCING_MODES = ("UTILIZATION", "RATE")
CERTIFICATE_SUFFIX_LENGTH = 8


def _start(params):
    """``(body, project, absent)``: the name checked, and whether the resource is to be deleted."""
    project = check_project(params)
    body = {"name": check_name(params.get("name"))}
    if params.get("description") is not None and params.get("state", "present") == "present":
        body["description"] = params["description"]
    return body, project, params.get("state", "present") == "absent"


def _choice(value, choices, field):
    if value not in choices:
        raise GceError(field, "%r is not one of %s" % (value, ", ".join(choices)))
    return value


def _number(value, field, low, high, integer=False):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        raise GceError(field, "%r is out of range: %s to %s" % (value, low, high))
    return value


def _global_ref(value, project, collection, field):
    """A global resource named by ``value`` (name, partial URL or selfLink) as ``projects/P/global/C/N``."""
    if not value or not isinstance(value, str):
        raise GceError(field, "is required (a name or a selfLink)")
    if "/" not in value:
        check_name(value, field)
    out = ref(value, project, collection)
    if "/global/%s/" % collection not in out:
        raise GceError(field, "%r is not a %s (expected a name or .../global/%s/NAME)" % (value, collection, collection))
    return out


def _refs(value, project, collection, ordered=False):
    refs = [ref(v, project, collection) for v in (value or [])]
    return refs if ordered else sorted(set(refs))


def _service_or_bucket(item, field, project, service_key="default_service", bucket_key="default_bucket"):
    """A backend service or a backend bucket reference: exactly one of the two keys of ``item``."""
    service, bucket = item.get(service_key), item.get(bucket_key)
    prefix = field + "." if field else ""
    if bool(service) == bool(bucket):
        raise GceError(prefix + service_key, "give exactly one of %s and %s" % (service_key, bucket_key))
    if service:
        return _global_ref(service, project, "backendServices", prefix + service_key)
    return _global_ref(bucket, project, "backendBuckets", prefix + bucket_key)


def _cdn(params, enabled):
    """The ``cdnPolicy`` of a backend with Cloud CDN ``enabled``, or None (then no CDN option may be given)."""
    if enabled:
        return _cdn_policy(params)
    for option in ("cache_mode", "default_ttl", "max_ttl", "client_ttl"):
        if params.get(option) is not None:
            raise GceError(option, "applies with enable_cdn=true only")
    return None


def _cdn_policy(params):
    policy = {"cacheMode": _choice(params.get("cache_mode") or "CACHE_ALL_STATIC", CACHE_MODES, "cache_mode")}
    for option, key in (("default_ttl", "defaultTtl"), ("max_ttl", "maxTtl"), ("client_ttl", "clientTtl")):
        if params.get(option) is not None:
            policy[key] = _number(params[option], option, 0, 31622400, integer=True)
    if policy.get("defaultTtl", 0) > policy.get("maxTtl", 31622400):
        raise GceError("default_ttl", "%d is above max_ttl (%d)" % (policy["defaultTtl"], policy["maxTtl"]))
    if policy["cacheMode"] == "USE_ORIGIN_HEADERS" and any(k in policy for k in ("defaultTtl", "maxTtl", "clientTtl")):
        raise GceError("cache_mode", "USE_ORIGIN_HEADERS takes its TTLs from the origin: leave default_ttl, max_ttl "
                                     "and client_ttl out")
    return policy


# ---------------------------------------------------------------- SSL policy

SSL_POLICY = {
    "label": "SSL policy", "collection": "sslPolicies", "scope": "global", "fingerprint": True,
    "output_only": _OUTPUT_ONLY + ("enabledFeatures", "warnings"),
    "fields": {
        "description": {"option": "description", "default": "", "update": "patch"},
        "profile": {"option": "profile", "default": "COMPATIBLE", "update": "patch"},
        "minTlsVersion": {"option": "min_tls_version", "default": "TLS_1_0", "update": "patch"},
        "customFeatures": {"option": "custom_features", "type": "set", "default": [], "update": "patch"},
    },
}


def desired_ssl_policy(params):
    """An SSL policy: V(RESTRICTED) and TLS 1.2 unless told otherwise; TLS 1.0 and 1.1 are refused."""
    body, _project_, absent = _start(params)
    if absent:
        return body
    version = params.get("min_tls_version") or "TLS_1_2"
    if version in WEAK_TLS_VERSIONS:
        raise GceError("min_tls_version", "%s is refused: the minimum is TLS_1_2 (TLS 1.0 and 1.1 are deprecated, "
                                          "RFC 8996); use TLS_1_2 or TLS_1_3" % version)
    body["minTlsVersion"] = _choice(version, TLS_VERSIONS, "min_tls_version")
    body["profile"] = _choice(params.get("profile") or "RESTRICTED", SSL_PROFILES, "profile")
    features = params.get("custom_features")
    if body["profile"] == "CUSTOM":
        if not features:
            raise GceError("custom_features", "the CUSTOM profile needs its features (for example "
                                              "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)")
        for feature in features:
            if not isinstance(feature, str) or not re.match(r"^TLS_[A-Z0-9_]+$", feature):
                raise GceError("custom_features", "%r is not a TLS feature name" % (feature,))
        body["customFeatures"] = sorted(set(features))
    elif features:
        raise GceError("custom_features", "applies to profile=CUSTOM only")
    return body


# ---------------------------------------------------------------- backend bucket

BACKEND_BUCKET = {
    "label": "backend bucket", "collection": "backendBuckets", "scope": "global", "fingerprint": False,
    "output_only": _OUTPUT_ONLY + ("usedBy",),
    "fields": {
        "bucketName": {"option": "bucket_name", "update": "patch"},
        "description": {"option": "description", "default": "", "update": "patch"},
        "enableCdn": {"option": "enable_cdn", "default": False, "update": "patch"},
        "cdnPolicy": {"option": "cache_mode", "type": "dict", "default": {}, "update": "patch"},
    },
}


def desired_backend_bucket(params):
    """A backend bucket on a Cloud Storage bucket; Cloud CDN on unless ``enable_cdn=false``."""
    body, _project_, absent = _start(params)
    if absent:
        return body
    bucket = params.get("bucket_name")
    if not bucket or not isinstance(bucket, str) or not _BUCKET_RE.match(bucket) or ".." in bucket:
        raise GceError("bucket_name", "%r is not a Cloud Storage bucket name (3-63 characters: lowercase letters, "
                                      "digits, hyphens, underscores, dots)" % (bucket,))
    body["bucketName"] = bucket
    body["enableCdn"] = params.get("enable_cdn") is not False
    policy = _cdn(params, body["enableCdn"])
    if policy:
        body["cdnPolicy"] = policy
    return body


# ---------------------------------------------------------------- backend service

_BACKEND_KEYS = ("group", "balancingMode", "capacityScaler", "maxUtilization", "maxRatePerInstance")


def normal_backends(value, project):
    """Backends keyed by their instance group (compared form), with the managed keys and their defaults."""
    out = []
    for backend in value or []:
        item = dict((k, backend[k]) for k in _BACKEND_KEYS if backend.get(k) is not None)
        item["group"] = ref(item.get("group"), project, "instanceGroups")
        item.setdefault("balancingMode", "UTILIZATION")
        item["capacityScaler"] = float(item.get("capacityScaler", 1))
        if item["balancingMode"] == "UTILIZATION":
            item["maxUtilization"] = float(item.get("maxUtilization", 0.8))
        if "maxRatePerInstance" in item:
            item["maxRatePerInstance"] = float(item["maxRatePerInstance"])
        out.append(item)
    return sorted(out, key=lambda b: b["group"] or "")


def normal_health_checks(value, project):
    return _refs(value, project, "healthChecks")


BACKEND_SERVICE = {
    "label": "backend service", "collection": "backendServices", "scope": "global", "fingerprint": True,
    "output_only": _OUTPUT_ONLY + ("usedBy",),
    "fields": {
        "description": {"option": "description", "default": "", "update": "put"},
        "loadBalancingScheme": {"option": "name", "default": "EXTERNAL", "update": "immutable"},
        "protocol": {"option": "protocol", "default": "HTTP", "update": "put"},
        "portName": {"option": "port_name", "default": "http", "update": "put"},
        "timeoutSec": {"option": "timeout_sec", "default": 30, "update": "put"},
        "backends": {"option": "backends", "type": "custom", "normal": normal_backends, "default": [],
                     "update": "put"},
        "healthChecks": {"option": "health_checks", "type": "custom", "normal": normal_health_checks,
                         "default": [], "update": "put"},
        "enableCDN": {"option": "enable_cdn", "default": False, "update": "put"},
        "cdnPolicy": {"option": "cache_mode", "type": "dict", "default": {}, "update": "put"},
        "logConfig": {"option": "log_config", "type": "dict", "default": {"enable": False}, "update": "put"},
    },
}


def _backend(item, i, project):
    here = "backends[%d]" % i
    group = item.get("group")
    if not group or not isinstance(group, str):
        raise GceError(here + ".group", "is required (an instance group's selfLink, regions/R/instanceGroups/N, "
                                        "or its name with region)")
    if "/" not in group:
        check_name(group, here + ".group")
        if item.get("region"):
            group = "regions/%s/instanceGroups/%s" % (item["region"], group)
        elif item.get("zone"):
            group = "zones/%s/instanceGroups/%s" % (item["zone"], group)
        else:
            raise GceError(here + ".region", "an instance group given by name needs its region (a regional managed "
                                             "instance group) or zone")
    elif not _GROUP_SCOPE_RE.search(group.rstrip("/")):
        raise GceError(here + ".group", "%r is not an instance group (.../regions/R/instanceGroups/N or "
                                        ".../zones/Z/instanceGroups/N)" % (group,))
    out = {"group": ref(group, project, "instanceGroups"),
           "balancingMode": _choice(item.get("balancing_mode") or "UTILIZATION", BALANCING_MODES,
                                    here + ".balancing_mode")}
    scaler = item.get("capacity_scaler")
    out["capacityScaler"] = float(_number(1.0 if scaler is None else scaler, here + ".capacity_scaler", 0, 1))
    if out["balancingMode"] == "UTILIZATION":
        if item.get("max_rate_per_instance") is not None:
            raise GceError(here + ".max_rate_per_instance", "applies to balancing_mode=RATE only")
        utilization = item.get("max_utilization")
        out["maxUtilization"] = float(_number(0.8 if utilization is None else utilization,
                                              here + ".max_utilization", 0, 1))
    else:
        if item.get("max_utilization") is not None:
            raise GceError(here + ".max_utilization", "applies to balancing_mode=UTILIZATION only")
        rate = item.get("max_rate_per_instance")
        if rate is None:
            raise GceError(here + ".max_rate_per_instance", "is required with balancing_mode=RATE (requests per "
                                                            "second per instance)")
        out["maxRatePerInstance"] = float(_number(rate, here + ".max_rate_per_instance", 0.01, 1e9))
    return out


def desired_backend_service(params):
    """A global backend service of the external Application Load Balancer (EXTERNAL_MANAGED)."""
    body, project, absent = _start(params)
    if absent:
        return body
    body["loadBalancingScheme"] = "EXTERNAL_MANAGED"
    body["protocol"] = _choice(params.get("protocol") or "HTTP", BACKEND_PROTOCOLS, "protocol")
    port_name = params.get("port_name") or "http"
    check_name(port_name, "port_name")
    body["portName"] = port_name
    timeout = params.get("timeout_sec")
    body["timeoutSec"] = _number(30 if timeout is None else timeout, "timeout_sec", 1, 86400, integer=True)
    backends = params.get("backends")
    if backends is not None:
        body["backends"] = [_backend(item, i, project) for i, item in enumerate(backends)]
        groups = [b["group"] for b in body["backends"]]
        for i, group in enumerate(groups):
            if group in groups[:i]:
                raise GceError("backends[%d].group" % i, "%s is given twice" % group)
    checks = params.get("health_checks")
    if not checks:
        raise GceError("health_checks", "is required with state=present: a backend service of instance groups "
                                        "needs one health check (its name or selfLink)")
    if len(checks) != 1:
        raise GceError("health_checks", "takes exactly one health check, %d given" % len(checks))
    body["healthChecks"] = [_global_ref(checks[0], project, "healthChecks", "health_checks")]
    # Cloud CDN: not given, not touched (not compared, and kept by a PUT of the rest).
    if params.get("enable_cdn") is not None:
        body["enableCDN"] = bool(params["enable_cdn"])
    policy = _cdn(params, body.get("enableCDN", False))
    if policy:
        body["cdnPolicy"] = policy
    log = params.get("log_config")
    if log is not None:
        body["logConfig"] = {"enable": log.get("enable") is not False}
        if log.get("sample_rate") is not None:
            if not body["logConfig"]["enable"]:
                raise GceError("log_config.sample_rate", "applies with log_config.enable=true only")
            body["logConfig"]["sampleRate"] = float(_number(log["sample_rate"], "log_config.sample_rate", 0, 1))
    return body


# ---------------------------------------------------------------- URL map

def normal_host_rules(value, project):
    return sorted(({"hosts": sorted(set(r.get("hosts") or [])), "pathMatcher": r.get("pathMatcher")}
                   for r in value or []), key=lambda r: (r["pathMatcher"] or "", r["hosts"]))


def normal_path_matchers(value, project):
    out = []
    for matcher in value or []:
        rules = [{"paths": sorted(set(r.get("paths") or [])),
                  "service": ref(r.get("service"), project, "backendServices")}
                 for r in matcher.get("pathRules") or []]
        out.append({"name": matcher.get("name"),
                    "defaultService": ref(matcher.get("defaultService"), project, "backendServices"),
                    "pathRules": sorted(rules, key=lambda r: r["paths"])})
    return sorted(out, key=lambda m: m["name"] or "")


URL_MAP = {
    "label": "URL map", "collection": "urlMaps", "scope": "global", "fingerprint": True,
    "output_only": _OUTPUT_ONLY + ("status",),
    "fields": {
        "description": {"option": "description", "default": "", "update": "put"},
        "defaultService": {"option": "default_service", "type": "ref", "collection": "backendServices",
                           "update": "put"},
        "hostRules": {"option": "host_rules", "type": "custom", "normal": normal_host_rules, "default": [],
                      "update": "put"},
        "pathMatchers": {"option": "path_matchers", "type": "custom", "normal": normal_path_matchers,
                         "default": [], "update": "put"},
    },
}


def _host(value, field):
    text = str(value or "").lower()
    bare = text[2:] if text.startswith("*.") else text
    if text != "*" and not _DOMAIN_RE.match(bare):
        raise GceError(field, "%r is not a host name (www.example.com, *.example.com or *)" % (value,))
    return text


def _path(value, field):
    if not isinstance(value, str) or not value.startswith("/") or "*" in value[:-1] or "?" in value or "#" in value:
        raise GceError(field, "%r is not a path pattern: it starts with /, has no query or fragment, and * only at "
                              "the end after a / (/static/*)" % (value,))
    if value.endswith("*") and not value.endswith("/*"):
        raise GceError(field, "%r: * is allowed only after a / (/static/*)" % value)
    return value


def desired_url_map(params):
    """A URL map: a default backend (service or bucket), host rules and their path matchers."""
    body, project, absent = _start(params)
    if absent:
        return body
    body["defaultService"] = _service_or_bucket(params, "", project)
    matchers, names = [], []
    for i, matcher in enumerate(params.get("path_matchers") or []):
        here = "path_matchers[%d]" % i
        name = check_name(matcher.get("name"), here + ".name")
        if name in names:
            raise GceError(here + ".name", "%r is given twice" % name)
        names.append(name)
        rules, seen = [], set()
        for j, rule in enumerate(matcher.get("path_rules") or []):
            there = "%s.path_rules[%d]" % (here, j)
            paths = [_path(p, there + ".paths") for p in (rule.get("paths") or [])]
            if not paths:
                raise GceError(there + ".paths", "needs at least one path (/static/*)")
            for path in paths:
                if path in seen:
                    raise GceError(there + ".paths", "%r is given twice in path matcher %s" % (path, name))
                seen.add(path)
            rules.append({"paths": paths,
                          "service": _service_or_bucket(rule, there, project, "service", "bucket")})
        matchers.append({"name": name, "defaultService": _service_or_bucket(matcher, here, project),
                         "pathRules": rules})
    hosts_seen = set()
    rules = []
    for i, rule in enumerate(params.get("host_rules") or []):
        here = "host_rules[%d]" % i
        hosts = [_host(h, here + ".hosts") for h in (rule.get("hosts") or [])]
        if not hosts:
            raise GceError(here + ".hosts", "needs at least one host")
        for host in hosts:
            if host in hosts_seen:
                raise GceError(here + ".hosts", "%r is in two host rules" % host)
            hosts_seen.add(host)
        if rule.get("path_matcher") not in names:
            raise GceError(here + ".path_matcher", "%r is not one of the path_matchers (%s)"
                           % (rule.get("path_matcher"), ", ".join(names) or "none given"))
        rules.append({"hosts": hosts, "pathMatcher": rule["path_matcher"]})
    unused = [n for n in names if n not in set(r["pathMatcher"] for r in rules)]
    if unused:
        raise GceError("path_matchers", "%s is used by no host rule" % ", ".join(unused))
    body["hostRules"] = rules
    body["pathMatchers"] = matchers
    return body


# ---------------------------------------------------------------- target HTTPS proxy

def normal_certificates(value, project):
    """Certificates in order (the first is the primary one)."""
    return _refs(value, project, "sslCertificates", ordered=True)


TARGET_HTTPS_PROXY = {
    "label": "target HTTPS proxy", "collection": "targetHttpsProxies", "scope": "global", "fingerprint": True,
    "output_only": _OUTPUT_ONLY,
    "fields": {
        "description": {"option": "description", "default": "", "update": "immutable"},
        "urlMap": {"option": "url_map", "type": "ref", "collection": "urlMaps", "update": "patch"},
        "sslCertificates": {"option": "ssl_certificates", "type": "custom", "normal": normal_certificates,
                            "default": [], "update": "patch"},
        "sslPolicy": {"option": "ssl_policy", "type": "ref", "collection": "sslPolicies", "update": "patch"},
        "quicOverride": {"option": "quic_override", "default": "NONE", "update": "patch"},
    },
}


def desired_target_https_proxy(params):
    """A target HTTPS proxy: its URL map, certificates (1-15, the first the primary) and SSL policy."""
    body, project, absent = _start(params)
    if absent:
        return body
    body["urlMap"] = _global_ref(params.get("url_map"), project, "urlMaps", "url_map")
    certificates = params.get("ssl_certificates") or []
    if not 1 <= len(certificates) <= 15:
        raise GceError("ssl_certificates", "takes 1 to 15 certificates, %d given" % len(certificates))
    body["sslCertificates"] = [_global_ref(c, project, "sslCertificates", "ssl_certificates") for c in certificates]
    if len(set(body["sslCertificates"])) != len(certificates):
        raise GceError("ssl_certificates", "a certificate is given twice")
    if not params.get("ssl_policy"):
        raise GceError("ssl_policy", "is required: the proxy's TLS versions and ciphers (see gce_ssl_policy); "
                                     "without one Google's COMPATIBLE default allows TLS 1.0")
    body["sslPolicy"] = _global_ref(params["ssl_policy"], project, "sslPolicies", "ssl_policy")
    if params.get("quic_override") is not None:
        body["quicOverride"] = _choice(params["quic_override"], ("NONE", "ENABLE", "DISABLE"), "quic_override")
    return body


# ---------------------------------------------------------------- global forwarding rule

def normal_port_range(value, project):
    text = str(value or "")
    return text if "-" in text or not text else "%s-%s" % (text, text)


GLOBAL_FORWARDING_RULE = {
    "label": "global forwarding rule", "collection": "forwardingRules", "scope": "global", "fingerprint": True,
    "output_only": _OUTPUT_ONLY + ("labelFingerprint", "selfLinkWithId"),
    "fields": {
        "description": {"option": "description", "default": "", "update": "immutable"},
        "IPAddress": {"option": "address", "update": "immutable"},
        "IPProtocol": {"option": "name", "default": "TCP", "update": "immutable"},
        "portRange": {"option": "port_range", "type": "custom", "normal": normal_port_range, "update": "immutable"},
        "loadBalancingScheme": {"option": "name", "default": "EXTERNAL", "update": "immutable"},
        "target": {"option": "target", "type": "ref", "collection": "targetHttpsProxies",
                   "update": "method:set_target"},
    },
}


def desired_global_forwarding_rule(params):
    """A global forwarding rule: EXTERNAL_MANAGED, TCP 443, to a target HTTPS proxy, on an optional reserved
    global address. An address given by name or selfLink is kept here as ``projects/P/global/addresses/N``
    (``address_reference``); the module reads it and puts its IP in its place before comparing, since the API
    stores the IP."""
    body, project, absent = _start(params)
    if absent:
        return body
    body["loadBalancingScheme"] = "EXTERNAL_MANAGED"
    body["IPProtocol"] = "TCP"
    port = params.get("port_range")
    port = "443" if port is None else str(port)
    match = re.match(r"^(\d{1,5})(?:-(\d{1,5}))?$", port)
    if not match or (match.group(2) and match.group(2) != match.group(1)) or not 1 <= int(match.group(1)) <= 65535:
        raise GceError("port_range", "%r is not one port (443): a global HTTPS forwarding rule listens on one port"
                       % (port,))
    body["portRange"] = match.group(1)
    body["target"] = _global_ref(params.get("target"), project, "targetHttpsProxies", "target")
    address = params.get("address")
    if address:
        try:
            body["IPAddress"] = str(ipaddress.ip_address(address))
        except ValueError:
            body["IPAddress"] = _global_ref(address, project, "addresses", "address")
    return body


def address_reference(desired):
    """The reserved address a desired forwarding rule names (``projects/P/global/addresses/N``), or None."""
    value = desired.get("IPAddress")
    return value if value and "/global/addresses/" in value else None


# ---------------------------------------------------------------- reserved global address

GLOBAL_ADDRESS = {
    "label": "global address", "collection": "addresses", "scope": "global", "fingerprint": False,
    "output_only": _OUTPUT_ONLY + ("address", "status", "users", "labelFingerprint", "networkTier"),
    "fields": {
        "description": {"option": "description", "default": "", "update": "immutable"},
        "addressType": {"option": "name", "default": "EXTERNAL", "update": "immutable"},
        "ipVersion": {"option": "ip_version", "default": "IPV4", "update": "immutable"},
    },
}


def desired_global_address(params):
    """A reserved global external address (IPv4 or IPv6) for a global forwarding rule; it cannot change."""
    body, _project_, absent = _start(params)
    if absent:
        return body
    body["addressType"] = "EXTERNAL"
    body["ipVersion"] = _choice(params.get("ip_version") or "IPV4", ("IPV4", "IPV6"), "ip_version")
    return body


# ---------------------------------------------------------------- Google-managed SSL certificate

SSL_CERTIFICATE = {
    "label": "SSL certificate", "collection": "sslCertificates", "scope": "global", "fingerprint": False,
    "output_only": _OUTPUT_ONLY + ("expireTime", "subjectAlternativeNames"),
    "fields": {
        "type": {"option": "domains", "update": "immutable"},
        "managed": {"option": "domains", "type": "custom", "update": "immutable",
                    "normal": lambda value, project: {"domains": sorted(set((value or {}).get("domains") or []))}},
        "description": {"option": "description", "default": "", "update": "immutable"},
    },
}


def certificate_name(base, domains):
    """``<base>-<8 hex digits of the sorted domains' SHA-256>``: one name per set of domains."""
    digest = hashlib.sha256("\n".join(sorted(set(domains))).encode("utf-8")).hexdigest()
    return "%s-%s" % (base, digest[:CERTIFICATE_SUFFIX_LENGTH])


def certificate_family(base, names):
    """The names among ``names`` that ``certificate_name(base, ...)`` can produce, sorted."""
    pattern = re.compile(r"^%s-[0-9a-f]{%d}$" % (re.escape(base), CERTIFICATE_SUFFIX_LENGTH))
    return sorted(n for n in names if pattern.match(n))


def desired_ssl_certificate(params):
    """A Google-managed certificate for ``domains``, named after them (``certificate_name``)."""
    check_project(params)
    base = params.get("name")
    if not isinstance(base, str) or len(base) > 63 - CERTIFICATE_SUFFIX_LENGTH - 1:
        raise GceError("name", "%r is too long: the certificate's name adds -%s to it (54 characters at most)"
                       % (base, "x" * CERTIFICATE_SUFFIX_LENGTH))
    check_name(base)
    if params.get("state", "present") == "absent":
        return {"name": base}
    domains = params.get("domains") or []
    if not 1 <= len(domains) <= 100:
        raise GceError("domains", "takes 1 to 100 domains, %d given" % len(domains))
    clean = []
    for domain in domains:
        text = str(domain).lower().rstrip(".")
        if text.startswith("*.") or not _DOMAIN_RE.match(text):
            raise GceError("domains", "%r is not a domain a Google-managed certificate can cover (no wildcards)"
                           % (domain,))
        clean.append(text)
    if len(set(clean)) != len(clean):
        raise GceError("domains", "a domain is given twice")
    body = {"name": certificate_name(base, clean), "type": "MANAGED", "managed": {"domains": sorted(clean)}}
    if params.get("description") is not None:
        body["description"] = params["description"]
    return body


def certificates_in_use(proxies, project):
    """The certificates (compared form) the target HTTPS proxies ``proxies`` (API dicts) serve."""
    used = set()
    for proxy in proxies:
        used.update(ref(c, project, "sslCertificates") for c in proxy.get("sslCertificates") or [])
    return used


def certificate_plan(base, desired, existing, proxies, project, state="present", purge_previous=False):
    """What to do with the certificates of ``base``.

    ``existing``: the names of the project's certificates; ``proxies``: the target HTTPS proxies (API dicts).
    Returns ``create`` (the name to create, or None), ``delete`` (names), ``previous`` (the other
    certificates of ``base``), ``kept_in_use`` (previous ones not deleted because a proxy serves them).
    Managed certificates are immutable: other domains are a new certificate, never a change of one.
    """
    family = certificate_family(base, existing)
    used = certificates_in_use(proxies, project)
    in_use = [n for n in family if ref(n, project, "sslCertificates") in used]
    if state == "absent":
        return {"create": None, "delete": [n for n in family if n not in in_use], "previous": family,
                "kept_in_use": in_use}
    name = desired["name"]
    previous = [n for n in family if n != name]
    delete = [n for n in previous if n not in in_use] if purge_previous else []
    return {"create": None if name in family else name, "delete": delete, "previous": previous,
            "kept_in_use": [n for n in previous if n in in_use] if purge_previous else []}


KINDS = {"ssl_policy": SSL_POLICY, "backend_bucket": BACKEND_BUCKET, "backend_service": BACKEND_SERVICE,
         "url_map": URL_MAP, "target_https_proxy": TARGET_HTTPS_PROXY,
         "global_forwarding_rule": GLOBAL_FORWARDING_RULE, "ssl_certificate": SSL_CERTIFICATE,
         "global_address": GLOBAL_ADDRESS}
DESIRED = {"ssl_policy": desired_ssl_policy, "backend_bucket": desired_backend_bucket,
           "backend_service": desired_backend_service, "url_map": desired_url_map,
           "target_https_proxy": desired_target_https_proxy,
           "global_forwarding_rule": desired_global_forwarding_rule, "ssl_certificate": desired_ssl_certificate,
           "global_address": desired_global_address}
