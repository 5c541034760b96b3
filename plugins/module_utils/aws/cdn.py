# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for a region's CloudFront distribution: the whole configuration stated, and its
drift compared in a canonical form (CloudFront fills defaults the request never set). Nothing here
calls an API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


class CdnPlanError(MeridianError):
    """A distribution setting that cannot be applied; ``field`` names it."""


_ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
_READ_METHODS = ["GET", "HEAD"]


def _methods(items, cached):
    return {"items": list(items), "cached_methods": list(cached)}


def _behavior(origin_id, ttl, forward_all, path_pattern=None):
    """One cache behavior with every field CloudFront stores stated, so a read-back compares equal."""
    behavior = {
        "target_origin_id": origin_id,
        "viewer_protocol_policy": "redirect-to-https",
        "compress": True,
        "smooth_streaming": False,
        "field_level_encryption_id": "",
        "trusted_signers": {"enabled": False, "items": []},
        "lambda_function_associations": [],
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


def cloudfront_settings(name, alb_dns_name, static_bucket, region, static_paths=("/static/*",),
                        api_paths=("/api/*",), static_ttl=86400, certificate_arn="", aliases=(),
                        minimum_protocol_version="TLSv1.2_2021", price_class="PriceClass_100",
                        origin_protocol_policy="http-only", tags=None):
    """The community.aws.cloudfront_distribution arguments for a region's distribution.

    Every setting CloudFront fills in when it is omitted is stated here with the value the service
    stores (origin timeouts, SSL protocols, TTLs, methods, restrictions, logging...). The module
    compares the read-back configuration with its arguments; with nothing left implicit the
    comparison is equal on a re-run and the module changes nothing.
    """
    if minimum_protocol_version not in ("TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"):
        raise CdnPlanError("cdn_minimum_protocol_version", "%r is older than TLSv1.2_2021; use TLSv1.2_2021 or newer"
                           % (minimum_protocol_version,))
    if aliases and not certificate_arn:
        raise CdnPlanError("cdn_aliases", "aliases need an ACM certificate (cdn_acm_certificate_arn)")
    if not alb_dns_name:
        raise CdnPlanError("cdn_origin_address", "the load balancer's DNS name is empty; run the compute role first")
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
        },
    ]
    behaviors = [_behavior(s3_id, int(static_ttl), False, p) for p in static_paths]
    behaviors += [_behavior(alb_id, 0, True, p) for p in api_paths]
    if certificate_arn:
        certificate = {"acm_certificate_arn": certificate_arn, "ssl_support_method": "sni-only",
                       "minimum_protocol_version": minimum_protocol_version}
    else:
        certificate = {"cloudfront_default_certificate": True,
                       "minimum_protocol_version": minimum_protocol_version}
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
        "default_cache_behavior": _behavior(alb_id, 0, True),
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
    }


def _origin_summary(o):
    custom = o.get("CustomOriginConfig") or {}
    return {
        "id": o.get("Id"),
        "domain": o.get("DomainName"),
        "path": o.get("OriginPath") or "",
        "protocol_policy": custom.get("OriginProtocolPolicy"),
        "ports": [custom.get("HTTPPort"), custom.get("HTTPSPort")] if custom else None,
        "ssl_protocols": _items(custom.get("OriginSslProtocols")) if custom else None,
        "read_timeout": custom.get("OriginReadTimeout") if custom else None,
        "keepalive_timeout": custom.get("OriginKeepaliveTimeout") if custom else None,
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
            "cloudfront_default_certificate": bool(viewer.get("CloudFrontDefaultCertificate")),
        },
    }


def _items_list(value):
    if isinstance(value, dict):
        return list(value.get("Items") or [])
    return list(value or [])


def _to_camel_config(settings):
    """cloudfront_settings() output -> the CamelCase DistributionConfig it asks CloudFront for."""
    def behavior(b):
        fv = b["forwarded_values"]
        out = {
            "TargetOriginId": b["target_origin_id"], "ViewerProtocolPolicy": b["viewer_protocol_policy"],
            "Compress": b["compress"], "MinTTL": b["min_ttl"], "DefaultTTL": b["default_ttl"], "MaxTTL": b["max_ttl"],
            "AllowedMethods": {"Items": b["allowed_methods"]["items"],
                               "CachedMethods": {"Items": b["allowed_methods"]["cached_methods"]}},
            "ForwardedValues": {"QueryString": fv["query_string"], "Cookies": {"Forward": fv["cookies"]["forward"]},
                                "Headers": {"Items": fv["headers"]}},
        }
        if "path_pattern" in b:
            out["PathPattern"] = b["path_pattern"]
        return out

    def origin(o):
        out = {"Id": o["id"], "DomainName": o["domain_name"], "OriginPath": o.get("origin_path", "")}
        custom = o.get("custom_origin_config")
        if custom:
            ssl = custom["origin_ssl_protocols"]
            out["CustomOriginConfig"] = {
                "OriginProtocolPolicy": custom["origin_protocol_policy"], "HTTPPort": custom["http_port"],
                "HTTPSPort": custom["https_port"], "OriginReadTimeout": custom["origin_read_timeout"],
                "OriginKeepaliveTimeout": custom["origin_keepalive_timeout"],
                "OriginSslProtocols": {"Items": ssl["items"] if isinstance(ssl, dict) else ssl},
            }
        return out

    cert = settings["viewer_certificate"]
    return {
        "Comment": settings["comment"], "Enabled": settings["enabled"], "HttpVersion": settings["http_version"],
        "IsIPV6Enabled": settings["ipv6_enabled"], "PriceClass": settings["price_class"],
        "Aliases": {"Items": settings["aliases"]},
        "Origins": {"Items": [origin(o) for o in settings["origins"]]},
        "DefaultCacheBehavior": behavior(settings["default_cache_behavior"]),
        "CacheBehaviors": {"Items": [behavior(b) for b in settings["cache_behaviors"]]},
        "ViewerCertificate": {"MinimumProtocolVersion": cert.get("minimum_protocol_version"),
                              "ACMCertificateArn": cert.get("acm_certificate_arn", ""),
                              "CloudFrontDefaultCertificate": cert.get("cloudfront_default_certificate", False)},
    }


def cloudfront_drift(current_config, settings):
    """Sorted names of the managed settings where ``current_config`` differs from ``settings``.

    ``current_config`` is the DistributionConfig read back (CamelCase) or None when the distribution
    does not exist (then every setting is reported); ``settings`` is cloudfront_settings() output.
    """
    want = cloudfront_summary(_to_camel_config(settings))
    if not current_config:
        return sorted(want)
    have = cloudfront_summary(current_config)
    return sorted(key for key in want if want[key] != have.get(key))
