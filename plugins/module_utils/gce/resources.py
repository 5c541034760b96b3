# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Compute Engine kinds the modules manage, and their desired state built from module options.

Each kind says where it lives (``scope``: global or regional), which fields are managed and how
(``engine``'s field specs), which fields are output only, and whether updates carry a fingerprint.
``desired_<kind>(params)`` checks every option (naming it on error) and returns the wanted body in the
API's shape (camelCase), with references expanded to ``projects/P/...`` partial URLs. Nothing here
calls an API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.meridian.global_infra.plugins.module_utils.gce import compute_resources
from ansible_collections.meridian.global_infra.plugins.module_utils.gce import lb_resources
from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import (
    GceError,
    canonical_cidr,
    check_name,
    check_project,
    ref,
)

OUTPUT_ONLY = ("id", "kind", "selfLink", "selfLinkWithId", "creationTimestamp", "fingerprint")

NETWORK = {
    "label": "network", "collection": "networks", "scope": "global", "fingerprint": False,
    "output_only": OUTPUT_ONLY + ("gatewayIPv4", "subnetworks", "peerings", "firewallPolicy"),
    "fields": {
        "description": {"option": "description", "default": "", "update": "immutable"},
        "autoCreateSubnetworks": {"option": "auto_create_subnetworks", "default": False, "update": "immutable"},
        "routingConfig": {"option": "routing_mode", "type": "dict", "default": {"routingMode": "REGIONAL"},
                          "update": "patch"},
        "mtu": {"option": "mtu", "default": 1460, "update": "patch"},
    },
}

SUBNETWORK = {
    "label": "subnetwork", "collection": "subnetworks", "scope": "regional", "fingerprint": True,
    "output_only": OUTPUT_ONLY + ("gatewayAddress", "region", "state"),
    "fields": {
        "network": {"option": "network", "type": "ref", "collection": "networks", "update": "immutable"},
        "ipCidrRange": {"option": "ip_cidr_range", "update": "method:expand_ip_cidr_range",
                        "only_if": "cidr_expansion"},
        "description": {"option": "description", "default": "", "update": "immutable"},
        "privateIpGoogleAccess": {"option": "private_ip_google_access", "default": False,
                                  "update": "method:set_private_ip_google_access"},
        "secondaryIpRanges": {"option": "secondary_ip_ranges", "type": "list", "default": [], "update": "patch"},
        "logConfig": {"option": "flow_logs", "type": "dict", "default": {"enable": False}, "update": "patch"},
    },
}

FIREWALL = {
    "label": "firewall rule", "collection": "firewalls", "scope": "global", "fingerprint": False,
    "output_only": OUTPUT_ONLY,
    "fields": {
        "network": {"option": "network", "type": "ref", "collection": "networks", "update": "immutable"},
        "direction": {"option": "direction", "default": "INGRESS", "update": "immutable"},
        "description": {"option": "description", "default": "", "update": "put"},
        "priority": {"option": "priority", "default": 1000, "update": "put"},
        "allowed": {"option": "allowed", "type": "rules", "default": [], "update": "put"},
        "denied": {"option": "denied", "type": "rules", "default": [], "update": "put"},
        "sourceRanges": {"option": "source_ranges", "type": "cidrs", "default": [], "update": "put"},
        "destinationRanges": {"option": "destination_ranges", "type": "cidrs", "default": [], "update": "put"},
        "sourceTags": {"option": "source_tags", "type": "set", "default": [], "update": "put"},
        "targetTags": {"option": "target_tags", "type": "set", "default": [], "update": "put"},
        "sourceServiceAccounts": {"option": "source_service_accounts", "type": "set", "default": [], "update": "put"},
        "targetServiceAccounts": {"option": "target_service_accounts", "type": "set", "default": [], "update": "put"},
        "disabled": {"option": "disabled", "default": False, "update": "put"},
        "logConfig": {"option": "log", "type": "dict", "default": {"enable": False}, "update": "put"},
    },
}

ROUTER = {
    "label": "router", "collection": "routers", "scope": "regional", "fingerprint": False,
    "output_only": OUTPUT_ONLY + ("region",),
    "fields": {
        "network": {"option": "network", "type": "ref", "collection": "networks", "update": "immutable"},
        "description": {"option": "description", "default": "", "update": "patch"},
        "bgp": {"option": "bgp_asn", "type": "dict", "default": {}, "update": "patch"},
        "nats": {"option": "nats", "type": "named_list", "default": [], "update": "patch",
                 "refs": {"natIps": "addresses", "subnetworks.name": "subnetworks"},
                 "sets": ("endpointTypes", "subnetworks.sourceIpRangesToNat", "subnetworks.secondaryIpRangeNames")},
    },
}

KINDS = {"network": NETWORK, "subnetwork": SUBNETWORK, "firewall": FIREWALL, "router": ROUTER}
KINDS.update(compute_resources.KINDS)
KINDS.update(lb_resources.KINDS)

ROUTING_MODES = ("REGIONAL", "GLOBAL")
PROTOCOLS = ("tcp", "udp", "icmp", "esp", "ah", "sctp", "ipip", "all")
_PORT_RE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")
_TAG_RE = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_REGION_RE = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+$")
_AGGREGATION = ("INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN",
                "INTERVAL_15_MIN")
_FLOW_METADATA = ("INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA", "CUSTOM_METADATA")


def check_region(params):
    region = params.get("region")
    if not region or not _REGION_RE.match(region):
        raise GceError("region", "%r is not a Compute Engine region (for example europe-west1)" % (region,))
    return region


def _description(params, body):
    if params.get("description") is not None:
        body["description"] = params["description"]


def desired_network(params):
    """A VPC network in custom mode unless ``auto_create_subnetworks``; routing mode and MTU."""
    check_project(params)
    body = {"name": check_name(params["name"])}
    if params.get("state", "present") == "absent":
        return body
    _description(params, body)
    body["autoCreateSubnetworks"] = bool(params.get("auto_create_subnetworks"))
    mode = params.get("routing_mode")
    if mode is not None:
        if mode not in ROUTING_MODES:
            raise GceError("routing_mode", "%r is not one of %s" % (mode, ", ".join(ROUTING_MODES)))
        body["routingConfig"] = {"routingMode": mode}
    mtu = params.get("mtu")
    if mtu is not None:
        if isinstance(mtu, bool) or not isinstance(mtu, int) or not 1300 <= mtu <= 8896:
            raise GceError("mtu", "%r is out of range: 1300 to 8896 bytes" % (mtu,))
        body["mtu"] = mtu
    return body


def _flow_logs(value, field):
    if value is None:
        return None
    out = {"enable": bool(value.get("enable", True))}
    if value.get("aggregation_interval") is not None:
        if value["aggregation_interval"] not in _AGGREGATION:
            raise GceError(field + ".aggregation_interval", "%r is not one of %s"
                           % (value["aggregation_interval"], ", ".join(_AGGREGATION)))
        out["aggregationInterval"] = value["aggregation_interval"]
    if value.get("flow_sampling") is not None:
        sampling = value["flow_sampling"]
        if isinstance(sampling, bool) or not isinstance(sampling, (int, float)) or not 0 <= sampling <= 1:
            raise GceError(field + ".flow_sampling", "%r is not a fraction between 0 and 1" % (sampling,))
        out["flowSampling"] = float(sampling)
    if value.get("metadata") is not None:
        if value["metadata"] not in _FLOW_METADATA:
            raise GceError(field + ".metadata", "%r is not one of %s" % (value["metadata"], ", ".join(_FLOW_METADATA)))
        out["metadata"] = value["metadata"]
    return out


def _in_network(params, regional):
    """``(body, project, absent)``: the body with the name and, with state=present, the network every
    subnetwork, rule and router belongs to; ``absent`` when the resource is to be deleted (the name is all
    that is needed then)."""
    project = check_project(params)
    if regional:
        check_region(params)
    name = check_name(params["name"])
    if params.get("state", "present") == "absent":
        return {"name": name}, project, True
    if not params.get("network"):
        raise GceError("network", "is required with state=present (the network's name or selfLink)")
    return {"name": name, "network": ref(params["network"], project, "networks")}, project, False


def desired_subnetwork(params):
    """A regional subnetwork of a network: primary range, secondary ranges, Private Google Access, flow logs."""
    body, project, absent = _in_network(params, regional=True)
    if absent:
        return body
    if not params.get("ip_cidr_range"):
        raise GceError("ip_cidr_range", "is required with state=present (for example 10.10.0.0/20)")
    primary = canonical_cidr(params["ip_cidr_range"], "ip_cidr_range")
    if ":" in primary:
        raise GceError("ip_cidr_range", "%s is IPv6: the primary range of a subnetwork is IPv4" % primary)
    body["ipCidrRange"] = primary
    _description(params, body)
    if params.get("private_ip_google_access") is not None:
        body["privateIpGoogleAccess"] = bool(params["private_ip_google_access"])
    secondary = params.get("secondary_ip_ranges")
    if secondary is not None:
        ranges, names = [], set()
        for i, item in enumerate(secondary):
            field = "secondary_ip_ranges[%d]" % i
            name = check_name(item.get("range_name"), field + ".range_name")
            if name in names:
                raise GceError(field + ".range_name", "%r is given twice" % name)
            names.add(name)
            cidr = canonical_cidr(item.get("ip_cidr_range"), field + ".ip_cidr_range")
            ranges.append({"rangeName": name, "ipCidrRange": cidr})
        body["secondaryIpRanges"] = ranges
    logs = _flow_logs(params.get("flow_logs"), "flow_logs")
    if logs is not None:
        body["logConfig"] = logs
    return body


def _ports(ports, field):
    out = []
    for port in ports or []:
        text = str(port)
        match = _PORT_RE.match(text)
        if not match or not all(0 <= int(p) <= 65535 for p in match.groups() if p is not None) or \
                (match.group(2) is not None and int(match.group(2)) < int(match.group(1))):
            raise GceError(field, "%r is not a port or a port range (22, 8000-8080)" % (port,))
        out.append(text)
    return out


def _rules_option(rules, field):
    out = []
    for i, rule in enumerate(rules or []):
        here = "%s[%d]" % (field, i)
        protocol = str(rule.get("protocol", "")).lower()
        if protocol not in PROTOCOLS and not (protocol.isdigit() and 0 <= int(protocol) <= 255):
            raise GceError(here + ".protocol", "%r is not one of %s or an IP protocol number"
                           % (rule.get("protocol"), ", ".join(PROTOCOLS)))
        item = {"IPProtocol": protocol}
        ports = _ports(rule.get("ports"), here + ".ports")
        if ports:
            if protocol not in ("tcp", "udp", "sctp", "all"):
                raise GceError(here + ".ports", "ports apply to tcp, udp and sctp only, not %s" % protocol)
            item["ports"] = ports
        out.append(item)
    return out


def _tags(values, field):
    for value in values or []:
        if not isinstance(value, str) or not _TAG_RE.match(value):
            raise GceError(field, "%r is not a network tag (lowercase letters, digits, hyphens; 1-63 characters)"
                           % (value,))
    return list(values or [])


def desired_firewall(params):
    """A VPC firewall rule. Every rule list not given is empty: the rule is exactly what the options say."""
    body, project, absent = _in_network(params, regional=False)
    if absent:
        return body
    direction = params.get("direction") or "INGRESS"
    if direction not in ("INGRESS", "EGRESS"):
        raise GceError("direction", "%r is not INGRESS or EGRESS" % (direction,))
    body["direction"] = direction
    _description(params, body)
    priority = params.get("priority")
    priority = 1000 if priority is None else priority
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 65535:
        raise GceError("priority", "%r is out of range: 0 to 65535" % (priority,))
    body["priority"] = priority
    allowed = _rules_option(params.get("allowed"), "allowed")
    denied = _rules_option(params.get("denied"), "denied")
    if bool(allowed) == bool(denied):
        raise GceError("allowed", "give exactly one of allowed and denied (a rule allows or denies)")
    body["allowed"], body["denied"] = allowed, denied
    for option, field in (("source_ranges", "sourceRanges"), ("destination_ranges", "destinationRanges")):
        body[field] = [canonical_cidr(v, option) for v in (params.get(option) or [])]
    body["sourceTags"] = _tags(params.get("source_tags"), "source_tags")
    body["targetTags"] = _tags(params.get("target_tags"), "target_tags")
    body["sourceServiceAccounts"] = list(params.get("source_service_accounts") or [])
    body["targetServiceAccounts"] = list(params.get("target_service_accounts") or [])
    if direction == "EGRESS":
        for option in ("source_tags", "source_service_accounts"):
            if params.get(option):
                raise GceError(option, "applies to INGRESS rules only")
        if not body["destinationRanges"]:
            raise GceError("destination_ranges", "an EGRESS rule needs destination ranges (0.0.0.0/0 for any)")
    else:
        if params.get("destination_ranges"):
            raise GceError("destination_ranges", "applies to EGRESS rules only")
        if not (body["sourceRanges"] or body["sourceTags"] or body["sourceServiceAccounts"]):
            raise GceError("source_ranges", "an INGRESS rule needs a source: source_ranges, source_tags or "
                                            "source_service_accounts (0.0.0.0/0 must be written out)")
        if body["sourceTags"] and body["sourceServiceAccounts"]:
            raise GceError("source_service_accounts", "cannot be combined with source_tags")
    if body["targetTags"] and body["targetServiceAccounts"]:
        raise GceError("target_service_accounts", "cannot be combined with target_tags")
    body["disabled"] = bool(params.get("disabled"))
    body["logConfig"] = {"enable": bool(params.get("log"))}
    return body


NAT_ALLOCATION = ("AUTO_ONLY", "MANUAL_ONLY")
NAT_SOURCES = ("ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES", "LIST_OF_SUBNETWORKS")
NAT_SUBNET_RANGES = ("ALL_IP_RANGES", "PRIMARY_IP_RANGE", "LIST_OF_SECONDARY_IP_RANGES")
NAT_LOG_FILTERS = ("ALL", "ERRORS_ONLY", "TRANSLATIONS_ONLY")


def _choice(value, choices, field):
    if value not in choices:
        raise GceError(field, "%r is not one of %s" % (value, ", ".join(choices)))
    return value


def _nat(nat, i, project, region):
    here = "nats[%d]" % i
    out = {"name": check_name(nat.get("name"), here + ".name")}
    out["natIpAllocateOption"] = _choice(nat.get("nat_ip_allocate_option") or "AUTO_ONLY", NAT_ALLOCATION,
                                         here + ".nat_ip_allocate_option")
    nat_ips = [ref(v, project, "addresses", "regions/" + region) for v in (nat.get("nat_ips") or [])]
    if out["natIpAllocateOption"] == "MANUAL_ONLY":
        if not nat_ips:
            raise GceError(here + ".nat_ips", "MANUAL_ONLY needs the reserved addresses to use")
        out["natIps"] = nat_ips
    elif nat_ips:
        raise GceError(here + ".nat_ips", "applies to nat_ip_allocate_option=MANUAL_ONLY only")
    source = _choice(nat.get("source_subnetwork_ip_ranges_to_nat") or "ALL_SUBNETWORKS_ALL_IP_RANGES", NAT_SOURCES,
                     here + ".source_subnetwork_ip_ranges_to_nat")
    out["sourceSubnetworkIpRangesToNat"] = source
    subnets = nat.get("subnetworks") or []
    if source == "LIST_OF_SUBNETWORKS":
        if not subnets:
            raise GceError(here + ".subnetworks", "LIST_OF_SUBNETWORKS needs the subnetworks to translate")
        out["subnetworks"] = []
        for j, sub in enumerate(subnets):
            there = "%s.subnetworks[%d]" % (here, j)
            ranges = [_choice(r, NAT_SUBNET_RANGES, there + ".source_ip_ranges_to_nat")
                      for r in (sub.get("source_ip_ranges_to_nat") or ["ALL_IP_RANGES"])]
            item = {"name": ref(sub.get("name"), project, "subnetworks", "regions/" + region),
                    "sourceIpRangesToNat": ranges}
            secondary = list(sub.get("secondary_ip_range_names") or [])
            if ("LIST_OF_SECONDARY_IP_RANGES" in ranges) != bool(secondary):
                raise GceError(there + ".secondary_ip_range_names",
                               "is required with LIST_OF_SECONDARY_IP_RANGES, and only with it")
            if secondary:
                item["secondaryIpRangeNames"] = secondary
            out["subnetworks"].append(item)
    elif subnets:
        raise GceError(here + ".subnetworks", "applies to source_subnetwork_ip_ranges_to_nat=LIST_OF_SUBNETWORKS only")
    ports = nat.get("min_ports_per_vm")
    if ports is not None:
        if isinstance(ports, bool) or not isinstance(ports, int) or not 2 <= ports <= 65536:
            raise GceError(here + ".min_ports_per_vm", "%r is out of range: 2 to 65536" % (ports,))
        out["minPortsPerVm"] = ports
    if nat.get("enable_endpoint_independent_mapping") is not None:
        out["enableEndpointIndependentMapping"] = bool(nat["enable_endpoint_independent_mapping"])
    log = nat.get("log")
    if log is not None:
        out["logConfig"] = {"enable": bool(log.get("enable", True)),
                            "filter": _choice(log.get("filter") or "ALL", NAT_LOG_FILTERS, here + ".log.filter")}
    return out


def desired_router(params):
    """A Cloud Router of a network, with its Cloud NAT gateways (``nats``: the whole list, or None: not touched)."""
    body, project, absent = _in_network(params, regional=True)
    if absent:
        return body
    region = params["region"]
    _description(params, body)
    asn = params.get("bgp_asn")
    if asn is not None:
        private = 64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294 if isinstance(asn, int) else False
        if isinstance(asn, bool) or not private:
            raise GceError("bgp_asn", "%r is not a private ASN (64512-65534 or 4200000000-4294967294)" % (asn,))
        body["bgp"] = {"asn": asn}
    nats = params.get("nats")
    if nats is not None:
        body["nats"] = [_nat(nat, i, project, region) for i, nat in enumerate(nats)]
        names = [n["name"] for n in body["nats"]]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise GceError("nats[%d].name" % i, "%r is given twice" % name)
    return body


DESIRED = {"network": desired_network, "subnetwork": desired_subnetwork, "firewall": desired_firewall,
           "router": desired_router}
DESIRED.update(compute_resources.DESIRED)
DESIRED.update(lb_resources.DESIRED)
