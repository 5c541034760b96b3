# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compute kinds of the gce modules: health checks, instance templates, regional managed instance
groups and their autoscalers. Nothing here calls an API.

``desired_<kind>(params)`` checks every option (naming it on error) and returns the wanted body in the
API's shape (camelCase) and in the compared form; ``canonical_<kind>(body, project)`` brings a resource
as the API returns it to that same form (server defaults filled, references as ``projects/P/...``,
lists sorted), so that ``engine.plan`` compares like with like.

Instance templates are immutable: ``template_name`` names one by a hash of its content (or by a given
suffix), so a changed template is a new one and the one in use is never touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.meridian.global_infra.plugins.module_utils.gce.engine import (
    GceError,
    check_name,
    ref,
    short_name,
)

# resources.py registers the kinds below in its KINDS/DESIRED, so this module does not import it at load
# time; these are resources.OUTPUT_ONLY and its project/region checks.
OUTPUT_ONLY = ("id", "kind", "selfLink", "selfLinkWithId", "creationTimestamp", "fingerprint")


def check_project(params):
    from ansible_collections.meridian.global_infra.plugins.module_utils.gce import resources
    return resources.check_project(params)


def check_region(params):
    from ansible_collections.meridian.global_infra.plugins.module_utils.gce import resources
    return resources.check_region(params)


# ---------------------------------------------------------------- health checks

# The check blocks of a health check, by type. A PUT (a change of type) sends only the wanted block.
HEALTH_CHECK_TYPES = {"HTTP": "httpHealthCheck", "HTTPS": "httpsHealthCheck", "TCP": "tcpHealthCheck"}
_CHECK_BLOCKS = ("httpHealthCheck", "httpsHealthCheck", "http2HealthCheck", "tcpHealthCheck", "sslHealthCheck",
                 "grpcHealthCheck", "grpcTlsHealthCheck")
_HC_DEFAULTS = {"checkIntervalSec": 5, "timeoutSec": 5, "healthyThreshold": 2, "unhealthyThreshold": 2}

HEALTH_CHECK = {
    "label": "health check", "collection": "healthChecks", "scope": "global", "fingerprint": False,
    # a PUT body is the current resource less these, plus the wanted fields: the old type's block goes
    "output_only": OUTPUT_ONLY + _CHECK_BLOCKS,
    "fields": {
        "description": {"option": "description", "default": "", "update": "patch"},
        "type": {"option": "type", "update": "put"},
        "checkIntervalSec": {"option": "check_interval_sec", "default": 5, "update": "patch"},
        "timeoutSec": {"option": "timeout_sec", "default": 5, "update": "patch"},
        "healthyThreshold": {"option": "healthy_threshold", "default": 2, "update": "patch"},
        "unhealthyThreshold": {"option": "unhealthy_threshold", "default": 2, "update": "patch"},
        "httpHealthCheck": {"option": "http_health_check", "type": "dict", "default": {}, "update": "patch"},
        "httpsHealthCheck": {"option": "https_health_check", "type": "dict", "default": {}, "update": "patch"},
        "tcpHealthCheck": {"option": "tcp_health_check", "type": "dict", "default": {}, "update": "patch"},
        "logConfig": {"option": "log", "type": "dict", "default": {"enable": False}, "update": "patch"},
    },
}
REGION_HEALTH_CHECK = dict(HEALTH_CHECK, scope="regional")

_PROXY_HEADERS = ("NONE", "PROXY_V1")
_DEFAULT_PORTS = {"HTTP": 80, "HTTPS": 443, "TCP": 80}


def _int_in(params, option, low, high):
    value = params.get(option)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GceError(option, "%r is out of range: %d to %d" % (value, low, high))
    return value


def _check_block(kind, given, option):
    """The API block of a HTTP/HTTPS/TCP check from its option dict (only what is given, and the port)."""
    block = {}
    port, port_name = given.get("port"), given.get("port_name")
    if port is not None:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise GceError(option + ".port", "%r is not a port (1-65535)" % (port,))
    if port is not None and port_name:
        raise GceError(option + ".port_name", "give port or port_name, not both")
    if port_name:
        block["portName"] = check_name(port_name, option + ".port_name")
        block["portSpecification"] = "USE_NAMED_PORT"
    else:
        block["port"] = _DEFAULT_PORTS[kind] if port is None else port
        block["portSpecification"] = "USE_FIXED_PORT"
    if given.get("proxy_header") is not None:
        if given["proxy_header"] not in _PROXY_HEADERS:
            raise GceError(option + ".proxy_header", "%r is not one of %s"
                           % (given["proxy_header"], ", ".join(_PROXY_HEADERS)))
        block["proxyHeader"] = given["proxy_header"]
    if given.get("response") is not None:
        block["response"] = given["response"]
    if kind == "TCP":
        for key in ("request_path", "host"):
            if given.get(key) is not None:
                raise GceError(option + "." + key, "applies to HTTP and HTTPS checks only")
        if given.get("request") is not None:
            block["request"] = given["request"]
        return block
    if given.get("request") is not None:
        raise GceError(option + ".request", "applies to TCP checks only (HTTP checks send request_path)")
    path = given.get("request_path")
    if path is not None:
        if not str(path).startswith("/"):
            raise GceError(option + ".request_path", "%r does not start with /" % (path,))
        block["requestPath"] = path
    if given.get("host") is not None:
        block["host"] = given["host"]
    return block


def desired_health_check(params):
    """A health check (global, or regional with ``region``) of one type: HTTP, HTTPS or TCP."""
    check_project(params)
    if params.get("region") is not None:
        check_region(params)
    body = {"name": check_name(params["name"])}
    if params.get("state", "present") == "absent":
        return body
    given = [(kind, params.get(option)) for kind, option in
             (("HTTP", "http_health_check"), ("HTTPS", "https_health_check"), ("TCP", "tcp_health_check"))
             if params.get(option) is not None]
    if len(given) != 1:
        raise GceError("http_health_check", "give exactly one of http_health_check, https_health_check and "
                                            "tcp_health_check (the check's type)")
    kind, block = given[0]
    body["type"] = kind
    body[HEALTH_CHECK_TYPES[kind]] = _check_block(kind, block, HEALTH_CHECK_TYPES[kind].replace(
        "HealthCheck", "_health_check").lower())
    if params.get("description") is not None:
        body["description"] = params["description"]
    for option, field, low, high in (("check_interval_sec", "checkIntervalSec", 1, 300),
                                     ("timeout_sec", "timeoutSec", 1, 300),
                                     ("healthy_threshold", "healthyThreshold", 1, 10),
                                     ("unhealthy_threshold", "unhealthyThreshold", 1, 10)):
        value = _int_in(params, option, low, high)
        if value is not None:
            body[field] = value
    interval = body.get("checkIntervalSec", _HC_DEFAULTS["checkIntervalSec"])
    if body.get("timeoutSec", _HC_DEFAULTS["timeoutSec"]) > interval:
        raise GceError("timeout_sec", "%d is longer than check_interval_sec (%d): a probe must end before the next"
                       % (body.get("timeoutSec", _HC_DEFAULTS["timeoutSec"]), interval))
    if params.get("log") is not None:
        body["logConfig"] = {"enable": bool(params["log"])}
    return body


# ---------------------------------------------------------------- instance templates

INSTANCE_TEMPLATE = {
    "label": "instance template", "collection": "instanceTemplates", "scope": "global", "fingerprint": False,
    "output_only": OUTPUT_ONLY,
    "fields": {
        "description": {"option": "description", "default": "", "update": "immutable"},
        "properties": {"option": "name_suffix", "update": "immutable"},
    },
}

SCOPE_ALIASES = {
    "cloud-platform": "https://www.googleapis.com/auth/cloud-platform",
    "logging-write": "https://www.googleapis.com/auth/logging.write",
    "monitoring-write": "https://www.googleapis.com/auth/monitoring.write",
    "monitoring": "https://www.googleapis.com/auth/monitoring",
    "storage-ro": "https://www.googleapis.com/auth/devstorage.read_only",
    "storage-rw": "https://www.googleapis.com/auth/devstorage.read_write",
    "trace": "https://www.googleapis.com/auth/trace.append",
}
DISK_TYPES = ("pd-balanced", "pd-ssd", "pd-standard", "pd-extreme", "hyperdisk-balanced")
_LABEL_KEY_RE = re.compile(r"^[a-z][-_a-z0-9]{0,62}$")
_LABEL_VALUE_RE = re.compile(r"^[-_a-z0-9]{0,63}$")
_TAG_RE = re.compile(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_MACHINE_RE = re.compile(r"^[a-z][a-z0-9]*-[a-z0-9-]+$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_SUFFIX_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,14}[a-z0-9])?$")
HASH_LENGTH = 8
OS_LOGIN_KEY = "enable-oslogin"


def _image(value):
    """A source image in compared form: ``projects/P/global/images/[family/]N`` (a URL's host cut off)."""
    text = str(value or "")
    return re.sub(r"^.*?(?=projects/)", "", text)


def _scopes(values, field):
    out = []
    for value in values or []:
        url = SCOPE_ALIASES.get(value, value)
        if not str(url).startswith("https://www.googleapis.com/auth/"):
            raise GceError(field, "%r is not an OAuth scope URL (https://www.googleapis.com/auth/...) nor one of %s"
                           % (value, ", ".join(sorted(SCOPE_ALIASES))))
        out.append(url)
    return sorted(set(out))


def _labels(labels, field):
    out = {}
    for key, value in (labels or {}).items():
        value = "" if value is None else str(value)
        if not _LABEL_KEY_RE.match(str(key)):
            raise GceError(field, "%r is not a label key (a lowercase letter, then up to 62 lowercase letters, "
                                  "digits, - or _)" % (key,))
        if not _LABEL_VALUE_RE.match(value):
            raise GceError(field, "%r (label %s) is not a label value (up to 63 lowercase letters, digits, - or _)"
                           % (value, key))
        out[str(key)] = value
    return out


def _canonical_properties(props, project):
    """An InstanceProperties dict cut down to the fields the module manages, in compared form."""
    props = props or {}
    out = {"machineType": short_name(props.get("machineType"))}
    disks = []
    for disk in props.get("disks") or []:
        init = disk.get("initializeParams") or {}
        disks.append({"boot": bool(disk.get("boot")), "autoDelete": bool(disk.get("autoDelete")),
                      "initializeParams": {"sourceImage": _image(init.get("sourceImage")),
                                           "diskSizeGb": str(init.get("diskSizeGb") or ""),
                                           "diskType": short_name(init.get("diskType"))}})
    out["disks"] = disks
    nics = []
    for nic in props.get("networkInterfaces") or []:
        item = {"network": ref(nic.get("network"), project, "networks")}
        if nic.get("subnetwork"):
            item["subnetwork"] = ref(nic["subnetwork"], project, "subnetworks")
        if nic.get("accessConfigs"):
            item["accessConfigs"] = [{"type": a.get("type") or "ONE_TO_ONE_NAT",
                                      "networkTier": a.get("networkTier") or "PREMIUM"}
                                     for a in nic["accessConfigs"]]
        nics.append(item)
    out["networkInterfaces"] = nics
    out["serviceAccounts"] = [{"email": sa.get("email"), "scopes": sorted(set(sa.get("scopes") or []))}
                              for sa in props.get("serviceAccounts") or []]
    shielded = props.get("shieldedInstanceConfig") or {}
    out["shieldedInstanceConfig"] = {"enableSecureBoot": bool(shielded.get("enableSecureBoot")),
                                     "enableVtpm": bool(shielded.get("enableVtpm")),
                                     "enableIntegrityMonitoring": bool(shielded.get("enableIntegrityMonitoring"))}
    items = (props.get("metadata") or {}).get("items") or []
    out["metadata"] = {"items": sorted(({"key": i.get("key"), "value": i.get("value", "")} for i in items),
                                       key=lambda i: i["key"])}
    out["labels"] = dict(props.get("labels") or {})
    out["tags"] = {"items": sorted(set((props.get("tags") or {}).get("items") or []))}
    return out


def canonical_instance_template(body, project):
    """A template as the API returns it, in the compared form of ``desired_instance_template``."""
    out = {"name": body.get("name"), "properties": _canonical_properties(body.get("properties"), project)}
    if body.get("description"):
        out["description"] = body["description"]
    return out


def template_name(base, body, suffix=None):
    """``<base>-<suffix>``; without a suffix, ``<base>-<first 8 hex digits of the sha256 of the content>``."""
    if suffix is None:
        content = {"description": body.get("description", ""), "properties": body["properties"]}
        suffix = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        suffix = suffix[:HASH_LENGTH]
    return "%s-%s" % (base, suffix)


def _check_base_name(params):
    base = params.get("name")
    check_name(base)
    if len(base) > 63 - 1 - 16 or base.endswith("-"):
        raise GceError("name", "%r is too long for a template base name: at most 46 characters (the name gets "
                               "a suffix of up to 16)" % (base,))
    suffix = params.get("name_suffix")
    if suffix is not None and not _SUFFIX_RE.match(str(suffix)):
        raise GceError("name_suffix", "%r is not a name suffix (1-16 lowercase letters, digits or hyphens)" % (suffix,))
    return base, suffix


def desired_instance_template(params):
    """An instance template: Shielded VM, OS Login, no external address unless asked; its full name.

    With ``state=absent`` the body is ``{"name": <base>[-<name_suffix>]}`` (the exact template to delete).
    """
    project = check_project(params)
    base, suffix = _check_base_name(params)
    if params.get("state", "present") == "absent":
        return {"name": base if suffix is None else "%s-%s" % (base, suffix)}
    machine = params.get("machine_type")
    if not machine or not _MACHINE_RE.match(str(machine)):
        raise GceError("machine_type", "%r is not a machine type (for example e2-standard-2)" % (machine,))
    image = params.get("source_image")
    if not image or "/" not in str(image):
        raise GceError("source_image", "%r is not an image path (projects/debian-cloud/global/images/family/"
                                       "debian-12, or a selfLink)" % (image,))
    if not _image(image).startswith("projects/"):
        raise GceError("source_image", "%r has no projects/P/global/images/... path" % (image,))
    size = _int_in(params, "disk_size_gb", 10, 65536)
    disk_type = params.get("disk_type") or "pd-balanced"
    if disk_type not in DISK_TYPES:
        raise GceError("disk_type", "%r is not one of %s" % (disk_type, ", ".join(DISK_TYPES)))
    if not params.get("network"):
        raise GceError("network", "is required with state=present (the network's name or selfLink)")
    nic = {"network": ref(params["network"], project, "networks")}
    subnetwork = params.get("subnetwork")
    if subnetwork:
        if "/" not in subnetwork:
            raise GceError("subnetwork", "%r: a template is global, so its subnetwork is given with its region "
                                         "(regions/R/subnetworks/N or a selfLink)" % (subnetwork,))
        nic["subnetwork"] = ref(subnetwork, project, "subnetworks")
    if params.get("external_ip"):
        nic["accessConfigs"] = [{"type": "ONE_TO_ONE_NAT", "networkTier": "PREMIUM"}]
    accounts = []
    email = params.get("service_account_email")
    if email:
        if not _EMAIL_RE.match(email):
            raise GceError("service_account_email", "%r is not a service account email" % (email,))
        accounts.append({"email": email, "scopes": _scopes(params.get("scopes") or ["cloud-platform"], "scopes")})
    elif params.get("scopes"):
        raise GceError("scopes", "needs service_account_email (scopes are granted to a service account)")
    shielded = params.get("shielded_vm") or {}
    metadata = dict((str(k), "" if v is None else str(v)) for k, v in (params.get("metadata") or {}).items())
    os_login = params.get("os_login", True)
    if OS_LOGIN_KEY in metadata:
        raise GceError("metadata", "%s is set by os_login, not in metadata" % OS_LOGIN_KEY)
    if os_login is not False:
        metadata[OS_LOGIN_KEY] = "TRUE"
    tags = list(params.get("tags") or [])
    for tag in tags:
        if not isinstance(tag, str) or not _TAG_RE.match(tag):
            raise GceError("tags", "%r is not a network tag (lowercase letters, digits, hyphens; 1-63 characters)"
                           % (tag,))
    props = {
        "machineType": machine,
        "disks": [{"boot": True, "autoDelete": True,
                   "initializeParams": {"sourceImage": _image(image), "diskSizeGb": str(size or 20),
                                        "diskType": disk_type}}],
        "networkInterfaces": [nic],
        "serviceAccounts": accounts,
        "shieldedInstanceConfig": {
            "enableSecureBoot": shielded.get("secure_boot", True) is not False,
            "enableVtpm": shielded.get("vtpm", True) is not False,
            "enableIntegrityMonitoring": shielded.get("integrity_monitoring", True) is not False},
        "metadata": {"items": [{"key": k, "value": metadata[k]} for k in sorted(metadata)]},
        "labels": _labels(params.get("labels"), "labels"),
        "tags": {"items": sorted(set(tags))},
    }
    if props["shieldedInstanceConfig"]["enableIntegrityMonitoring"] and not props["shieldedInstanceConfig"][
            "enableVtpm"]:
        raise GceError("shielded_vm.integrity_monitoring", "needs shielded_vm.vtpm (integrity monitoring reads the "
                                                           "vTPM's measurements)")
    body = {"properties": props}
    if params.get("description"):
        body["description"] = params["description"]
    body["name"] = template_name(base, body, suffix)
    return body


# ---------------------------------------------------------------- regional managed instance groups

INSTANCE_GROUP = {
    "label": "instance group", "collection": "instanceGroupManagers", "scope": "regional", "fingerprint": True,
    "output_only": OUTPUT_ONLY,
    "fields": {
        "baseInstanceName": {"option": "base_instance_name", "update": "immutable"},
        "instanceTemplate": {"option": "instance_template", "type": "ref", "collection": "instanceTemplates",
                             "update": "method:set_instance_template"},
        "targetSize": {"option": "target_size", "update": "method:resize"},
        "distributionPolicy": {"option": "target_shape", "update": "patch"},
        "autoHealingPolicies": {"option": "auto_healing", "default": [], "update": "patch"},
    },
}

AUTOSCALER = {
    "label": "autoscaler", "collection": "autoscalers", "scope": "regional", "fingerprint": False,
    "output_only": OUTPUT_ONLY,
    "fields": {
        "target": {"option": "autoscaling", "type": "ref", "collection": "instanceGroupManagers",
                   "update": "immutable"},
        "autoscalingPolicy": {"option": "autoscaling", "update": "put"},
    },
}

TARGET_SHAPES = ("EVEN", "BALANCED", "ANY", "ANY_SINGLE_ZONE")
PREDICTIVE_METHODS = ("NONE", "OPTIMIZE_AVAILABILITY")
AUTOSCALING_MODES = ("ON", "OFF", "ONLY_SCALE_OUT")
ZONE_URL = "https://www.googleapis.com/compute/v1/projects/%s/zones/%s"
_ZONE_RE = re.compile(r"^[a-z]+(?:-[a-z0-9]+)+-[a-z]$")
# unix-cron: five fields
_CRON_RE = re.compile(r"^\S+(\s+\S+){4}$")


def _zones(values, region, project):
    out = []
    for value in values or []:
        zone = short_name(value)
        if not _ZONE_RE.match(zone or "") or not zone.startswith(region + "-"):
            raise GceError("zones", "%r is not a zone of %s (for example %s-b)" % (value, region, region))
        out.append(ZONE_URL % (project, zone))
    return sorted(set(out))


def _health_check_ref(value, project, region):
    """A health check given by name (global), ``regions/R/healthChecks/N`` / ``global/healthChecks/N`` or selfLink."""
    return ref(value, project, "healthChecks")


def _auto_healing(value, project, region):
    if not value:
        return []
    if not value.get("health_check"):
        raise GceError("auto_healing.health_check", "is required (the health check's name or selfLink)")
    delay = value.get("initial_delay_sec")
    delay = 300 if delay is None else delay
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 3600:
        raise GceError("auto_healing.initial_delay_sec", "%r is out of range: 0 to 3600 seconds" % (delay,))
    return [{"healthCheck": _health_check_ref(value["health_check"], project, region), "initialDelaySec": delay}]


def _named_ports(values):
    out, names = [], set()
    for i, item in enumerate(values or []):
        field = "named_ports[%d]" % i
        name = check_name(item.get("name"), field + ".name")
        if name in names:
            raise GceError(field + ".name", "%r is given twice" % name)
        names.add(name)
        port = item.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise GceError(field + ".port", "%r is not a port (1-65535)" % (port,))
        out.append({"name": name, "port": port})
    return sorted(out, key=lambda p: p["name"])


def canonical_named_ports(values):
    return sorted(({"name": p.get("name"), "port": int(p.get("port") or 0)} for p in values or []),
                  key=lambda p: p["name"])


def _target_value(params, option, field):
    value = params.get(option)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise GceError(field, "%r is not a utilisation target: a fraction above 0, at most 1 (0.6 is 60%%)" % (value,))
    return float(value)


def _schedules(values):
    out = {}
    for i, item in enumerate(values or []):
        field = "autoscaling.scaling_schedules[%d]" % i
        name = check_name(item.get("name"), field + ".name")
        if name in out:
            raise GceError(field + ".name", "%r is given twice" % name)
        replicas = item.get("min_required_replicas")
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
            raise GceError(field + ".min_required_replicas", "%r is not a number of instances" % (replicas,))
        schedule = item.get("schedule")
        if not schedule or not _CRON_RE.match(str(schedule).strip()):
            raise GceError(field + ".schedule", "%r is not a unix-cron schedule (five fields: 30 7 * * MON-FRI)"
                           % (schedule,))
        duration = item.get("duration_sec")
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 300:
            raise GceError(field + ".duration_sec", "%r is not a duration of at least 300 seconds" % (duration,))
        entry = {"minRequiredReplicas": replicas, "schedule": " ".join(str(schedule).split()),
                 "timeZone": item.get("time_zone") or "UTC", "durationSec": duration,
                 "disabled": bool(item.get("disabled"))}
        if item.get("description"):
            entry["description"] = item["description"]
        out[name] = entry
    return out


def autoscaling_policy(value):
    """The ``autoscalingPolicy`` of the ``autoscaling`` option, in compared form."""
    field = "autoscaling"
    for option in ("min_replicas", "max_replicas", "cool_down_period_sec"):
        item = value.get(option)
        if item is not None and (isinstance(item, bool) or not isinstance(item, int) or item < 0):
            raise GceError("%s.%s" % (field, option), "%r is not a non-negative integer" % (item,))
    maximum = value.get("max_replicas")
    if maximum is None or maximum < 1:
        raise GceError(field + ".max_replicas", "is required, 1 or more (the autoscaler's ceiling)")
    minimum = 1 if value.get("min_replicas") is None else value["min_replicas"]
    if minimum > maximum:
        raise GceError(field + ".min_replicas", "%d is above max_replicas (%d)" % (minimum, maximum))
    mode = value.get("mode") or "ON"
    if mode not in AUTOSCALING_MODES:
        raise GceError(field + ".mode", "%r is not one of %s" % (mode, ", ".join(AUTOSCALING_MODES)))
    cool_down = 60 if value.get("cool_down_period_sec") is None else value["cool_down_period_sec"]
    policy = {"minNumReplicas": minimum, "maxNumReplicas": maximum, "coolDownPeriodSec": cool_down, "mode": mode}
    cpu = _target_value(value, "cpu_utilization_target", field + ".cpu_utilization_target")
    lb = _target_value(value, "lb_utilization_target", field + ".lb_utilization_target")
    method = value.get("predictive_method") or "NONE"
    if method not in PREDICTIVE_METHODS:
        raise GceError(field + ".predictive_method", "%r is not one of %s" % (method, ", ".join(PREDICTIVE_METHODS)))
    if method != "NONE" and cpu is None:
        raise GceError(field + ".predictive_method", "predictive autoscaling forecasts CPU: it needs "
                                                     "cpu_utilization_target")
    if cpu is None and lb is None:
        cpu = 0.6  # the API's own default signal
    if cpu is not None:
        policy["cpuUtilization"] = {"utilizationTarget": cpu, "predictiveMethod": method}
    if lb is not None:
        policy["loadBalancingUtilization"] = {"utilizationTarget": lb}
    schedules = _schedules(value.get("scaling_schedules"))
    if schedules:
        policy["scalingSchedules"] = schedules
    return policy


def canonical_policy(policy):
    """An autoscalingPolicy as the API returns it, in compared form (defaults filled, other signals dropped)."""
    policy = policy or {}
    out = {"minNumReplicas": policy.get("minNumReplicas", 1), "maxNumReplicas": policy.get("maxNumReplicas"),
           "coolDownPeriodSec": policy.get("coolDownPeriodSec", 60), "mode": policy.get("mode") or "ON"}
    cpu = policy.get("cpuUtilization")
    if cpu:
        out["cpuUtilization"] = {"utilizationTarget": float(cpu.get("utilizationTarget", 0.6)),
                                 "predictiveMethod": cpu.get("predictiveMethod") or "NONE"}
    lb = policy.get("loadBalancingUtilization")
    if lb:
        out["loadBalancingUtilization"] = {"utilizationTarget": float(lb.get("utilizationTarget", 0.8))}
    schedules = {}
    for name, item in (policy.get("scalingSchedules") or {}).items():
        entry = {"minRequiredReplicas": item.get("minRequiredReplicas", 0),
                 "schedule": " ".join(str(item.get("schedule", "")).split()),
                 "timeZone": item.get("timeZone") or "UTC", "durationSec": item.get("durationSec"),
                 "disabled": bool(item.get("disabled"))}
        if item.get("description"):
            entry["description"] = item["description"]
        schedules[name] = entry
    if schedules:
        out["scalingSchedules"] = schedules
    return out


def desired_instance_group(params):
    """``(group, named_ports, autoscaler)``: the regional MIG's body, its named ports (``None``: not
    touched) and its autoscaler's body (``None``: not touched; ``{}``: to delete).

    ``targetSize`` is in the group's body only when no autoscaler owns the size (the caller drops it on
    an existing group whose autoscaler exists).
    """
    project = check_project(params)
    region = check_region(params)
    name = check_name(params["name"])
    if params.get("state", "present") == "absent":
        return {"name": name}, None, None
    if not params.get("instance_template"):
        raise GceError("instance_template", "is required with state=present (the template's name or selfLink)")
    group = {"name": name,
             "baseInstanceName": check_name(params.get("base_instance_name") or name, "base_instance_name"),
             "instanceTemplate": ref(params["instance_template"], project, "instanceTemplates")}
    if len(group["baseInstanceName"]) > 58:
        raise GceError("base_instance_name", "%r is longer than 58 characters (instances get a 4-character suffix)"
                       % group["baseInstanceName"])
    shape = params.get("target_shape") or "EVEN"
    if shape not in TARGET_SHAPES:
        raise GceError("target_shape", "%r is not one of %s" % (shape, ", ".join(TARGET_SHAPES)))
    if params.get("zones") is not None or params.get("target_shape") is not None:
        group["distributionPolicy"] = {"targetShape": shape}
        if params.get("zones"):
            group["distributionPolicy"]["zones"] = [{"zone": z} for z in _zones(params["zones"], region, project)]
    if params.get("auto_healing") is not None:
        group["autoHealingPolicies"] = _auto_healing(params["auto_healing"], project, region)
    autoscaling = params.get("autoscaling")
    autoscaler = None
    if autoscaling is not None:
        for i, item in enumerate(autoscaling.get("scaling_schedules") or []):
            if str(item.get("name") or "").startswith((autoscaling.get("forecast_prefix") or FORECAST_PREFIX) + "-"):
                raise GceError("autoscaling.scaling_schedules[%d].name" % i, "%r starts with the forecast's prefix: "
                               "those schedules belong to scaling_target" % item["name"])
        if autoscaling.get("enabled", True) is False:
            autoscaler = {}
        else:
            autoscaler = {"name": name, "target": "projects/%s/regions/%s/instanceGroupManagers/%s"
                                                  % (project, region, name),
                          "autoscalingPolicy": autoscaling_policy(autoscaling)}
    size = _int_in(params, "target_size", 0, 1000)
    if size is None and autoscaler is None:
        raise GceError("target_size", "is required without autoscaling (the number of instances)")
    if autoscaler and size is not None and not (
            autoscaler["autoscalingPolicy"]["minNumReplicas"] <= size <= autoscaler["autoscalingPolicy"][
            "maxNumReplicas"]):
        raise GceError("target_size", "%d is outside autoscaling min_replicas..max_replicas" % size)
    if size is not None:
        group["targetSize"] = size
    elif autoscaler:
        group["targetSize"] = autoscaler["autoscalingPolicy"]["minNumReplicas"]
    named = _named_ports(params["named_ports"]) if params.get("named_ports") is not None else None
    return group, named, autoscaler


def canonical_instance_group(body, project):
    """A regional MIG as the API returns it, in the compared form of ``desired_instance_group``."""
    out = {"name": body.get("name"), "fingerprint": body.get("fingerprint"),
           "baseInstanceName": body.get("baseInstanceName"),
           "instanceTemplate": ref(body.get("instanceTemplate"), project, "instanceTemplates"),
           "targetSize": body.get("targetSize", 0)}
    policy = body.get("distributionPolicy") or {}
    out["distributionPolicy"] = {"targetShape": policy.get("targetShape") or "EVEN"}
    zones = sorted(set(ZONE_URL % (project, short_name(z.get("zone"))) for z in policy.get("zones") or []))
    if zones:
        out["distributionPolicy"]["zones"] = [{"zone": z} for z in zones]
    out["autoHealingPolicies"] = [{"healthCheck": ref(p.get("healthCheck"), project, "healthChecks"),
                                   "initialDelaySec": p.get("initialDelaySec", 300)}
                                  for p in body.get("autoHealingPolicies") or []]
    return out


def for_existing_group(desired, canonical_current, autoscaled):
    """The desired group compared with an existing one: the size left out when an autoscaler owns it,
    the zones checked (they cannot change), the distribution's zones kept as they are when not given."""
    desired = dict(desired)
    if autoscaled:
        desired.pop("targetSize", None)
    policy = desired.get("distributionPolicy")
    if policy is not None:
        current = canonical_current.get("distributionPolicy") or {}
        if "zones" in policy and policy["zones"] != current.get("zones"):
            raise GceError("zones", "the group %s runs in %s; the zones of a regional group cannot change in place "
                                    "(create a new group, or leave zones unset)"
                           % (desired["name"], ", ".join(short_name(z["zone"]) for z in current.get("zones") or [])))
        policy = dict(policy)
        if current.get("zones"):
            policy["zones"] = current["zones"]
        desired["distributionPolicy"] = policy
    return desired


FORECAST_PREFIX = "meridian-forecast"


def keep_forecast(desired, current, prefix=FORECAST_PREFIX):
    """The desired autoscaler with what ``scaling_target`` (provider gce_mig) owns on the current one kept:
    a floor raised above ``min_replicas`` (up to ``max_replicas``), and the scaling schedules named
    ``<prefix>-...``. ``min_replicas`` is then the lowest floor, not the floor. ``prefix`` None: nothing kept."""
    if not desired or not current or prefix is None:
        return desired
    desired = dict(desired, autoscalingPolicy=dict(desired["autoscalingPolicy"]))
    policy, now = desired["autoscalingPolicy"], current["autoscalingPolicy"]
    policy["minNumReplicas"] = min(max(policy["minNumReplicas"], now.get("minNumReplicas") or 0),
                                   policy["maxNumReplicas"])
    kept = dict((n, s) for n, s in (now.get("scalingSchedules") or {}).items() if n.startswith(prefix + "-"))
    if kept:
        policy["scalingSchedules"] = dict(policy.get("scalingSchedules") or {}, **kept)
    return desired


def canonical_autoscaler(body, project):
    return {"name": body.get("name"), "target": ref(body.get("target"), project, "instanceGroupManagers"),
            "autoscalingPolicy": canonical_policy(body.get("autoscalingPolicy"))}


def _autoscaler_body(params):
    autoscaler = desired_instance_group(params)[2]
    return autoscaler or {"name": params["name"]}


# Registered in resources.KINDS / resources.DESIRED (the names are clients.gce's kinds). Their runs are in
# compute_module.py: a template is named by its content, a group is run with its named ports and autoscaler.
KINDS = {"health_check": HEALTH_CHECK, "region_health_check": REGION_HEALTH_CHECK,
         "instance_template": INSTANCE_TEMPLATE, "region_instance_group_manager": INSTANCE_GROUP,
         "region_autoscaler": AUTOSCALER}
DESIRED = {"health_check": desired_health_check, "region_health_check": desired_health_check,
           "instance_template": desired_instance_template,
           "region_instance_group_manager": lambda params: desired_instance_group(params)[0],
           "region_autoscaler": _autoscaler_body}
