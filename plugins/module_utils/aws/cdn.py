# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for a region's CloudFront distribution: the whole configuration stated, and its
drift compared in a canonical form (CloudFront fills defaults the request never set). Nothing here
calls an API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.aws.edge import EdgePlanError, function_associations as _associations
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class CdnPlanError(MeridianError):
    """A distribution setting that cannot be applied; ``field`` names it."""


_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
_READ_METHODS = ["GET", "HEAD"]


def _methods(items, cached):
    return {"items": list(items), "cached_methods": list(cached)}


def _behavior(origin_id, ttl, forward_all, path_pattern=None, functions=()):
    """One cache behavior with every field CloudFront stores stated, so a read-back compares equal.
    ``functions`` are its CloudFront Functions, ``[{event_type, function_arn}]``."""
    behavior = {
        "target_origin_id": origin_id,
        "viewer_protocol_policy": "redirect-to-https",
        "compress": True,
        "smooth_streaming": False,
        "field_level_encryption_id": "",
        "trusted_signers": {"enabled": False, "items": []},
        "lambda_function_associations": [],
        "function_associations": [dict(f) for f in functions],
        "min_ttl": 0,
        "default_ttl": ttl,
        "max_ttl": max(ttl, 31536000) if ttl else 0,
        "forwarded_values": {
            "query_string": bool(forward_all),
            "cookies": {"forward": "all" if forward_all else "none"},
            "headers": ["*"] if forward_all else [],
            "query_string_cache_keys": [],
        },
        "allowed_methods": _methods(_ALL_METHODS, _READ_METHODS) if forward_all else _methods(_READ_METHODS, _READ_METHODS),
    }
    if path_pattern is not None:
        behavior["path_pattern"] = path_pattern
    return behavior


# Viewer security policies the collection accepts: TLS 1.3 only by default, TLS 1.2 (the 2025 ciphers)
# where the inventory says old clients need it. Both need a custom certificate and SNI: with the
# CloudFront default certificate CloudFront applies TLSv1 whatever the request says.
MINIMUM_PROTOCOL_VERSIONS = ("TLSv1.3_2025", "TLSv1.2_2025")
OAC_SIGNING_BEHAVIORS = ("always", "never", "no-override")
OAC_ORIGIN_TYPES = ("s3", "mediastore", "lambda", "mediapackagev2")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[A-Za-z0-9-]+$")
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def cloudfront_settings(name, alb_dns_name, static_bucket, region, static_paths=("/static/*",),
                        api_paths=("/api/*",), static_ttl=86400, certificate_arn="", aliases=(),
                        minimum_protocol_version="TLSv1.3_2025", price_class="PriceClass_100",
                        origin_protocol_policy="https-only", tags=None, origin_access_control_id="",
                        function_associations=None):
    """The settings of a region's distribution (snake_case; ``distribution_config`` turns them into
    the DistributionConfig CloudFront takes).

    Every setting CloudFront fills in when it is omitted is stated here with the value the service
    stores (origin timeouts, SSL protocols, TTLs, methods, restrictions, logging...), so that the
    read-back compares equal on a re-run. The viewer certificate is an ACM certificate (us-east-1)
    served with SNI for ``aliases``; the load balancer is reached over HTTPS only; the static bucket
    is read through the origin access control ``origin_access_control_id`` (CloudFront signs the
    requests, the bucket stays private). ``function_associations`` lists the CloudFront Functions run
    on the behaviors, ``[{behavior: default|static|api, event_type, function_arn}]`` (the function's
    LIVE stage runs).
    """
    if minimum_protocol_version not in MINIMUM_PROTOCOL_VERSIONS:
        raise CdnPlanError("cdn_minimum_protocol_version", "%r is not allowed; use TLSv1.3_2025 (TLS 1.3 only), or "
                           "TLSv1.2_2025 where old clients need TLS 1.2" % (minimum_protocol_version,))
    if not certificate_arn:
        raise CdnPlanError("cdn_acm_certificate_arn", "is empty: with the CloudFront default certificate CloudFront "
                           "applies TLSv1 whatever cdn_minimum_protocol_version says; give an ACM certificate in "
                           "us-east-1 covering cdn_aliases (the tls role publishes tls_cdn_certificate_arn)")
    if not _ACM_ARN.match(certificate_arn):
        raise CdnPlanError("cdn_acm_certificate_arn", "%r is not an ACM certificate ARN in us-east-1 (CloudFront reads "
                           "certificates there only)" % (certificate_arn,))
    aliases = list(aliases or [])
    if not aliases:
        raise CdnPlanError("cdn_aliases", "is empty: the certificate and the TLS policy apply to the alternate domain "
                           "names only (the CloudFront domain always gets the default certificate); list the names "
                           "the distribution answers for, covered by cdn_acm_certificate_arn")
    for alias in aliases:
        if not isinstance(alias, str) or not _HOST.match(alias):
            raise CdnPlanError("cdn_aliases", "%r is not a lowercase DNS name" % (alias,))
    if len(set(aliases)) != len(aliases):
        raise CdnPlanError("cdn_aliases", "names are listed twice: %s" % ", ".join(sorted(aliases)))
    if origin_protocol_policy != "https-only":
        raise CdnPlanError("cdn_origin_protocol_policy", "%r would let CloudFront reach the load balancer over plain "
                           "HTTP; the origin is reached over HTTPS only (https-only)" % (origin_protocol_policy,))
    if not alb_dns_name:
        raise CdnPlanError("cdn_origin_address", "the load balancer's DNS name is empty; run the compute role first")
    if not static_bucket:
        raise CdnPlanError("cdn_static_bucket", "the static bucket's name is empty")
    if not origin_access_control_id:
        raise CdnPlanError("origin_access_control_id", "the static bucket is private and read through an origin access "
                           "control; create it first (meridian.global_infra.cloudfront_origin_access_control)")
    try:
        functions = _associations(function_associations)
    except EdgePlanError as err:
        raise CdnPlanError(err.field, err.message)
    alb_id = "alb"
    s3_id = "static"
    origins = [
        {
            "id": alb_id,
            "domain_name": alb_dns_name,
            "origin_path": "",
            "custom_headers": [],
            "connection_attempts": 3,
            "connection_timeout": 10,
            "origin_shield": {"enabled": False},
            "custom_origin_config": {
                "http_port": 80,
                "https_port": 443,
                "origin_protocol_policy": origin_protocol_policy,
                "origin_ssl_protocols": {"items": ["TLSv1.2"]},
                "origin_read_timeout": 30,
                "origin_keepalive_timeout": 5,
            },
        },
        {
            "id": s3_id,
            "domain_name": "%s.s3.%s.amazonaws.com" % (static_bucket, region),
            "origin_path": "",
            "custom_headers": [],
            "connection_attempts": 3,
            "connection_timeout": 10,
            "origin_shield": {"enabled": False},
            # With an origin access control the origin access identity is empty (CloudFront's rule).
            "s3_origin_config": {"origin_access_identity": ""},
            "origin_access_control_id": origin_access_control_id,
        },
    ]
    behaviors = [_behavior(s3_id, int(static_ttl), False, p, functions["static"]) for p in static_paths]
    behaviors += [_behavior(alb_id, 0, True, p, functions["api"]) for p in api_paths]
    certificate = {"cloudfront_default_certificate": False, "acm_certificate_arn": certificate_arn,
                   "ssl_support_method": "sni-only", "minimum_protocol_version": minimum_protocol_version}
    return {
        "caller_reference": name,
        "comment": name,
        "enabled": True,
        "http_version": "http2and3",
        "ipv6_enabled": True,
        "price_class": price_class,
        "default_root_object": "",
        "aliases": sorted(aliases),
        "purge_aliases": True,
        "origins": origins,
        "purge_origins": True,
        "default_origin_domain_name": alb_dns_name,
        "default_cache_behavior": _behavior(alb_id, 0, True, functions=functions["default"]),
        "cache_behaviors": behaviors,
        "purge_cache_behaviors": True,
        "viewer_certificate": certificate,
        "restrictions": {"geo_restriction": {"restriction_type": "none", "items": []}},
        "logging": {"enabled": False, "include_cookies": False, "bucket": "", "prefix": ""},
        "custom_error_responses": [],
        "purge_custom_error_responses": True,
        "web_acl_id": "",
        "tags": dict(tags or {}),
        "purge_tags": True,
    }


def _camel_get(data, *keys):
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _items(value):
    """CloudFront's {Quantity, Items} or a plain list -> a sorted list."""
    if isinstance(value, dict):
        value = value.get("Items", value.get("items")) or []
    return sorted(value or [])


def _items_list(value):
    if isinstance(value, dict):
        return list(value.get("Items") or [])
    return list(value or [])


def _listed(items):
    """A plain list -> CloudFront's {Quantity, Items}."""
    items = list(items)
    return {"Quantity": len(items), "Items": items}


def _behavior_summary(b):
    forwarded = b.get("ForwardedValues") or {}
    return {
        "path": b.get("PathPattern", "*"),
        "origin": b.get("TargetOriginId"),
        "viewer_protocol_policy": b.get("ViewerProtocolPolicy"),
        "compress": bool(b.get("Compress")),
        "ttl": [b.get("MinTTL"), b.get("DefaultTTL"), b.get("MaxTTL")],
        "methods": _items(b.get("AllowedMethods")),
        "cached_methods": _items(_camel_get(b, "AllowedMethods", "CachedMethods")),
        "query_string": bool(forwarded.get("QueryString")),
        "cookies": _camel_get(forwarded, "Cookies", "Forward"),
        "headers": _items(forwarded.get("Headers")),
        "functions": sorted("%s %s" % (f.get("EventType"), f.get("FunctionARN"))
                            for f in _items_list(b.get("FunctionAssociations"))),
    }


# Origin fields a read-back may leave out: moto 5.2.5 reports neither S3OriginConfig nor
# OriginAccessControlId. CloudFront reports both (OriginAccessControlId empty when an origin has none),
# so against CloudFront a missing or different origin access control is drift; a field the service
# does not report at all cannot be compared and is left out of the comparison.
_UNREPORTED_ORIGIN_FIELDS = ("origin_access_control_id", "s3_origin_access_identity")


def _origin_summary(o):
    custom = o.get("CustomOriginConfig") or {}
    s3 = o.get("S3OriginConfig")
    return {
        "id": o.get("Id"),
        "domain": o.get("DomainName"),
        "path": o.get("OriginPath") or "",
        "protocol_policy": custom.get("OriginProtocolPolicy"),
        "ports": [custom.get("HTTPPort"), custom.get("HTTPSPort")] if custom else None,
        "ssl_protocols": _items(custom.get("OriginSslProtocols")) if custom else None,
        "read_timeout": custom.get("OriginReadTimeout") if custom else None,
        "keepalive_timeout": custom.get("OriginKeepaliveTimeout") if custom else None,
        "s3_origin_access_identity": s3.get("OriginAccessIdentity") if isinstance(s3, dict) else None,
        "origin_access_control_id": o.get("OriginAccessControlId"),
    }


def cloudfront_summary(config):
    """The settings this collection manages, from a DistributionConfig (CloudFront's CamelCase shape).

    CloudFront (and moto) return fields the request never set (``CachePolicyId: ''``,
    ``FunctionAssociations``, ``TrustedKeyGroups``, ``OriginShield``, connection attempts...), which
    makes a naive comparison report a change on every run. The summary keeps what we manage, in a
    canonical order, so that equal summaries mean there is nothing to do.
    """
    config = config or {}
    viewer = config.get("ViewerCertificate") or {}
    return {
        "comment": config.get("Comment"),
        "enabled": bool(config.get("Enabled")),
        "http_version": config.get("HttpVersion"),
        "ipv6": bool(config.get("IsIPV6Enabled")),
        "price_class": config.get("PriceClass"),
        "aliases": _items(config.get("Aliases")),
        "origins": sorted((_origin_summary(o) for o in _items_list(config.get("Origins"))), key=lambda o: o["id"] or ""),
        "default_behavior": _behavior_summary(config.get("DefaultCacheBehavior") or {}),
        "behaviors": [_behavior_summary(b) for b in _items_list(config.get("CacheBehaviors"))],
        "certificate": {
            "minimum_protocol_version": viewer.get("MinimumProtocolVersion"),
            "acm_certificate_arn": viewer.get("ACMCertificateArn") or "",
            "ssl_support_method": viewer.get("SSLSupportMethod") if viewer.get("ACMCertificateArn") else None,
            "cloudfront_default_certificate": bool(viewer.get("CloudFrontDefaultCertificate")),
        },
    }


def _function_associations(functions):
    listed = _listed({"FunctionARN": f["function_arn"], "EventType": f["event_type"]}
                     for f in sorted(functions, key=lambda f: f["event_type"]))
    if not listed["Items"]:
        listed.pop("Items")
    return listed


def _behavior_config(b):
    fv = b["forwarded_values"]
    out = {
        "TargetOriginId": b["target_origin_id"],
        "ViewerProtocolPolicy": b["viewer_protocol_policy"],
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        "AllowedMethods": dict(_listed(b["allowed_methods"]["items"]),
                               CachedMethods=_listed(b["allowed_methods"]["cached_methods"])),
        "SmoothStreaming": b["smooth_streaming"],
        "Compress": b["compress"],
        "LambdaFunctionAssociations": {"Quantity": 0},
        "FunctionAssociations": _function_associations(b.get("function_associations") or []),
        "FieldLevelEncryptionId": b["field_level_encryption_id"],
        "ForwardedValues": {
            "QueryString": fv["query_string"],
            "Cookies": {"Forward": fv["cookies"]["forward"]},
            "Headers": _listed(fv["headers"]),
            "QueryStringCacheKeys": _listed(fv["query_string_cache_keys"]),
        },
        "MinTTL": b["min_ttl"],
        "DefaultTTL": b["default_ttl"],
        "MaxTTL": b["max_ttl"],
    }
    if "path_pattern" in b:
        out = dict({"PathPattern": b["path_pattern"]}, **out)
    return out


def _origin_config(o):
    out = {
        "Id": o["id"],
        "DomainName": o["domain_name"],
        "OriginPath": o.get("origin_path", ""),
        "CustomHeaders": {"Quantity": 0},
        "ConnectionAttempts": o["connection_attempts"],
        "ConnectionTimeout": o["connection_timeout"],
        "OriginShield": {"Enabled": False},
    }
    custom = o.get("custom_origin_config")
    if custom:
        ssl = custom["origin_ssl_protocols"]
        out["CustomOriginConfig"] = {
            "HTTPPort": custom["http_port"],
            "HTTPSPort": custom["https_port"],
            "OriginProtocolPolicy": custom["origin_protocol_policy"],
            "OriginSslProtocols": _listed(ssl["items"] if isinstance(ssl, dict) else ssl),
            "OriginReadTimeout": custom["origin_read_timeout"],
            "OriginKeepaliveTimeout": custom["origin_keepalive_timeout"],
        }
    if "s3_origin_config" in o:
        out["S3OriginConfig"] = {"OriginAccessIdentity": o["s3_origin_config"]["origin_access_identity"]}
    if o.get("origin_access_control_id"):
        out["OriginAccessControlId"] = o["origin_access_control_id"]
    return out


def distribution_config(settings, caller_reference=None):
    """cloudfront_settings() output -> the whole DistributionConfig of CreateDistribution /
    UpdateDistribution (CamelCase, every list with its Quantity).

    ``caller_reference`` is the existing distribution's (CloudFront refuses to change it on update);
    None uses the settings' own.
    """
    cert = settings["viewer_certificate"]
    viewer = {"CloudFrontDefaultCertificate": bool(cert.get("cloudfront_default_certificate")),
              "MinimumProtocolVersion": cert["minimum_protocol_version"]}
    if cert.get("acm_certificate_arn"):
        viewer.update(ACMCertificateArn=cert["acm_certificate_arn"], SSLSupportMethod=cert["ssl_support_method"])
    logging = settings["logging"]
    geo = settings["restrictions"]["geo_restriction"]
    return {
        "CallerReference": caller_reference or settings["caller_reference"],
        "Aliases": _listed(settings["aliases"]),
        "DefaultRootObject": settings["default_root_object"],
        "Origins": _listed(_origin_config(o) for o in settings["origins"]),
        "OriginGroups": {"Quantity": 0},
        "DefaultCacheBehavior": _behavior_config(settings["default_cache_behavior"]),
        "CacheBehaviors": _listed(_behavior_config(b) for b in settings["cache_behaviors"]),
        "CustomErrorResponses": {"Quantity": 0},
        "Comment": settings["comment"],
        "Logging": {"Enabled": logging["enabled"], "IncludeCookies": logging["include_cookies"],
                    "Bucket": logging["bucket"], "Prefix": logging["prefix"]},
        "PriceClass": settings["price_class"],
        "Enabled": settings["enabled"],
        "ViewerCertificate": viewer,
        "Restrictions": {"GeoRestriction": dict(_listed(geo["items"]), RestrictionType=geo["restriction_type"])},
        "WebACLId": settings["web_acl_id"],
        "HttpVersion": settings["http_version"],
        "IsIPV6Enabled": settings["ipv6_enabled"],
    }


# Kept for callers of the earlier name.
_to_camel_config = distribution_config


def _comparable(want, have):
    """``want`` without the origin fields ``have`` does not report (see _UNREPORTED_ORIGIN_FIELDS),
    and with an empty value where it states none and ``have`` reports an empty one."""
    have_origins = dict((o["id"], o) for o in have.get("origins") or [])
    origins = []
    for origin in want["origins"]:
        other = have_origins.get(origin["id"])
        origin = dict(origin)
        for field in _UNREPORTED_ORIGIN_FIELDS:
            if other is None:
                continue
            if other.get(field) is None:
                origin[field] = None
            elif origin.get(field) is None and other.get(field) == "":
                origin[field] = ""
        origins.append(origin)
    return dict(want, origins=origins)


def _without_functions(summary):
    """A summary whose behaviors carry no function associations (not compared)."""
    summary = dict(summary)
    if "default_behavior" in summary:
        summary["default_behavior"] = dict(summary["default_behavior"], functions=None)
    if "behaviors" in summary:
        summary["behaviors"] = [dict(b, functions=None) for b in summary["behaviors"]]
    return summary


def cloudfront_drift(current_config, settings, compare_function_associations=True):
    """Sorted names of the managed settings where ``current_config`` differs from ``settings``.

    ``current_config`` is the DistributionConfig read back (CamelCase) or None when the distribution
    does not exist (then every setting is reported); ``settings`` is cloudfront_settings() output.
    An origin field the read-back does not carry at all (moto leaves out the origin access control)
    is not compared; one it carries with another value (CloudFront's empty OriginAccessControlId) is.
    ``compare_function_associations`` false leaves the behaviors' function associations out of the
    comparison (for a backend that does not keep them; CloudFront does).
    """
    want = cloudfront_summary(distribution_config(settings))
    if not current_config:
        return sorted(want)
    have = cloudfront_summary(current_config)
    want = _comparable(want, have)
    if not compare_function_associations:
        want, have = _without_functions(want), _without_functions(have)
    return sorted(key for key in want if want[key] != have.get(key))


def _tags_delta(current, wanted, purge):
    current = dict(current or {})
    if wanted is None:
        return {}, []
    set_tags = dict((k, str(v)) for k, v in wanted.items() if current.get(k) != str(v))
    unset = sorted(k for k in current if k not in wanted) if purge else []
    return set_tags, unset


def distribution_plan(current, current_tags, settings, purge_tags=True, compare_function_associations=True):
    """What to do to bring a distribution to ``settings``.

    ``current`` is None (no distribution) or ``{"Id", "ARN", "ETag", "DistributionConfig"}``;
    ``current_tags`` its tags as a dict. Returns ``action`` (create, update, tags or none), ``drift``
    (the settings that differ), ``request`` (the DistributionConfig to send, None when nothing is
    sent), ``set_tags`` / ``unset_tags`` and the ``before`` / ``after`` summaries (keys sorted).
    ``compare_function_associations`` false leaves the function associations out of the comparison
    and of the before / after views (they are still sent with every create and update).
    """
    wanted_tags = settings.get("tags")
    after = dict(cloudfront_summary(distribution_config(settings)), tags=dict(sorted((wanted_tags or {}).items())))
    if not current:
        return {"action": "create", "changed": True, "drift": sorted(k for k in after if k != "tags"),
                "request": distribution_config(settings), "set_tags": dict(wanted_tags or {}), "unset_tags": [],
                "before": {}, "after": dict(sorted(after.items()))}
    config = current.get("DistributionConfig") or {}
    drift = cloudfront_drift(config, settings, compare_function_associations)
    set_tags, unset_tags = _tags_delta(current_tags, wanted_tags, purge_tags)
    before = dict(cloudfront_summary(config), tags=dict(sorted((current_tags or {}).items())))
    # the after view compares like the drift: an origin field the service does not report is not shown
    after = dict(_comparable(after, before), tags=after["tags"])
    if not compare_function_associations:
        before, after = _without_functions(before), _without_functions(after)
    if wanted_tags is None:
        after["tags"] = before["tags"]
    request = distribution_config(settings, config.get("CallerReference")) if drift else None
    action = "update" if drift else ("tags" if set_tags or unset_tags else "none")
    return {"action": action, "changed": action != "none", "drift": drift, "request": request,
            "set_tags": set_tags, "unset_tags": unset_tags,
            "before": dict(sorted(before.items())), "after": dict(sorted(after.items()))}


def origin_access_control_config(name, description="", origin_type="s3", signing_behavior="always",
                                 signing_protocol="sigv4"):
    """The OriginAccessControlConfig for CreateOriginAccessControl / UpdateOriginAccessControl.

    ``always`` (the default) makes CloudFront sign every origin request, replacing a viewer's own
    Authorization header; the bucket then answers only signed requests that its policy allows.
    """
    if not isinstance(name, str) or not name or len(name) > 64:
        raise CdnPlanError("name", "%r: an origin access control needs a name of 1 to 64 characters" % (name,))
    if origin_type not in OAC_ORIGIN_TYPES:
        raise CdnPlanError("origin_type", "%r is not one of %s" % (origin_type, ", ".join(OAC_ORIGIN_TYPES)))
    if signing_behavior not in OAC_SIGNING_BEHAVIORS:
        raise CdnPlanError("signing_behavior", "%r is not one of %s" % (signing_behavior, ", ".join(OAC_SIGNING_BEHAVIORS)))
    if signing_protocol != "sigv4":
        raise CdnPlanError("signing_protocol", "%r: CloudFront signs origin requests with sigv4 only" % (signing_protocol,))
    return {"Name": name, "Description": description or "", "SigningProtocol": signing_protocol,
            "SigningBehavior": signing_behavior, "OriginAccessControlOriginType": origin_type}


def _oac_view(config):
    if not config:
        return {}
    return {"name": config.get("Name"), "description": config.get("Description") or "",
            "origin_type": config.get("OriginAccessControlOriginType"),
            "signing_behavior": config.get("SigningBehavior"), "signing_protocol": config.get("SigningProtocol")}


def origin_access_control_plan(current, desired, state="present"):
    """What to do with an origin access control.

    ``current`` is None or the listing's item (``Id``, ``Name``, ``SigningBehavior``...); ``desired``
    origin_access_control_config() output (ignored when ``state`` is absent). Returns ``action``
    (create, update, delete or none), ``id`` and the ``before`` / ``after`` views (keys sorted).
    """
    before = _oac_view(current)
    oac_id = (current or {}).get("Id")
    if state == "absent":
        return {"action": "delete" if current else "none", "changed": bool(current), "id": oac_id,
                "before": before, "after": {}}
    after = _oac_view(desired)
    if not current:
        action = "create"
    elif before != after:
        action = "update"
    else:
        action = "none"
    return {"action": action, "changed": action != "none", "id": oac_id, "before": before, "after": after}


def static_bucket_policy(bucket, distribution_arn):
    """The static bucket's policy: objects readable by CloudFront on behalf of one distribution only.

    The principal is the CloudFront service; ``AWS:SourceArn`` ties the grant to the distribution,
    so no other distribution (of this account or another) can read the bucket through its own origin
    access control. The policy is not public, so the bucket's public access block stays on.
    """
    if not bucket:
        raise CdnPlanError("cdn_static_bucket", "the static bucket's name is empty")
    if not isinstance(distribution_arn, str) or not re.match(r"^arn:aws[a-z-]*:cloudfront::[0-9]{12}:distribution/[A-Z0-9]+$",
                                                             distribution_arn):
        raise CdnPlanError("distribution_arn", "%r is not a CloudFront distribution ARN" % (distribution_arn,))
    partition = distribution_arn.split(":")[1]
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowCloudFrontServicePrincipalReadOnly",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:%s:s3:::%s/*" % (partition, bucket),
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }],
    }
