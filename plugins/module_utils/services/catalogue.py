# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service catalogue: one ``meridian_services`` entry per service, validated once.

An entry holds the service's shape (port, health path, path patterns), its capacity bounds, how its
capacity is owned and scaled (strategy, reactive CPU target, load dimensions, cost), its data class
and its per-provider settings::

    - name: web
      port: 8080
      health_path: /healthz
      path_patterns: ["/*"]
      data_class: operational
      capacity: {min: 1, max: 6, initial: 1}
      scaling:
        strategy: hybrid              # hybrid (default) | predictive | scheduled | reactive | static
        mode: forecast_and_scale      # forecast_only: decide, report and push metrics, change nothing
        target_cpu: 50                # shorthand for reactive: {metric: cpu, target: 50}
        reactive: {metric: requests_per_target, target: 400}   # cpu | requests_per_target | promql (+ query)
        schedules: [{name: office-hours, cron: "0 8 * * 1-5", time_zone: Europe/Berlin, min: 6, duration: 36000}]
        scheduling_buffer: 300        # seconds: capacity starts this far ahead of the forecast step
        max_capacity_breach: honor    # or increase, raising the maximum by at most max_capacity_buffer percent
        allowed_underprovisioned: 0.005
        dimensions: [{name: requests_per_second, query: ..., unit_capacity: 300, target_utilization: 0.7}]
        cost: {on_demand_price: 0.0208, currency: USD, budget_per_day: 12,
               instance_types: [{type: t3.small}, {type: t3a.small, weight: 1}], on_demand_base: 1,
               spot_share: 0.5, spot_price: 0.0062}
      aws: {instance_type: t3.small}
      gcp: {machine_type: e2-small}   # the Google Cloud provider
      k8s:                            # the Kubernetes provider
        image: ghcr.io/example/web:1.4.2
        resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}
        hpa: true                     # false: the Deployment's replicas are the capacity
        requests_per_second_target: 50
        behavior: {...}               # HorizontalPodAutoscaler v2 behavior, kept as given
        overrides: {deployment: {...}, service: {...}, hpa: {...}, pdb: {...}, network_policy: {...},
                    service_monitor: {...}, destination_rule: {...}}

Strategies (``scaling.strategy``): ``predictive`` sets the forecast alone (as before strategies
existed); ``scheduled`` the floor/ceiling of the schedule in force (cron in its time zone);
``reactive`` what the target-tracking policy holds; ``hybrid`` (the default) the highest of the
three, within the bounds. The environment's daily budget is ``meridian_budget_per_day``
(:func:`budget_per_day`); a service's is ``cost.budget_per_day``.

Capacity has one owner. With any strategy but ``static`` the scaling job (and the reactive target
tracking, and a drill that borrows the standby) owns a group's desired capacity once the group
exists: provisioning creates the group at ``capacity.initial`` and afterwards only enforces
``capacity.min``/``capacity.max``. With ``strategy: static`` provisioning owns it and holds the group
at ``capacity.initial``.

``target_name`` is the one naming rule of a service's scaling target (Auto Scaling group, and the
launch template and target group beside it): every role and module reaches it from here.
Nothing here does I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal

try:
    from croniter import croniter
    HAS_CRONITER = True
except ImportError:  # pragma: no cover - reported when a schedule is declared
    croniter = None
    HAS_CRONITER = False
try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python < 3.9
    ZoneInfo = None

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.validate import integer

FIELD = "meridian_services"
# hybrid (the default): the highest of the forecast, the scheduled floor and what target tracking holds.
STRATEGIES = ("hybrid", "predictive", "scheduled", "reactive", "static")
DEFAULT_STRATEGY = "hybrid"
# The strategies that forecast, and so need load dimensions.
FORECAST_STRATEGIES = ("hybrid", "predictive")
MODES = ("forecast_and_scale", "forecast_only")
BREACHES = ("honor", "increase")
# The most a maximum may be raised by max_capacity_breach: increase, in percent (AWS MaxCapacityBuffer).
MAX_CAPACITY_BUFFER = 100
REACTIVE_METRICS = ("cpu", "requests_per_target", "promql")
DEFAULT_ALLOWED_UNDERPROVISIONED = 0.005
SCALING_KEYS = ("strategy", "mode", "target_cpu", "reactive", "schedules", "scheduling_buffer",
                "max_capacity_breach", "max_capacity_buffer", "allowed_underprovisioned", "dimensions", "cost")
SCHEDULE_KEYS = ("name", "cron", "time_zone", "min", "max", "duration")
COST_KEYS = ("on_demand_price", "spot_price", "spot_share", "on_demand_base", "instance_types", "budget_per_day",
             "budget", "currency")
# The environment's daily budget, over all its services and regions.
BUDGET_FIELD = "meridian_budget_per_day"
PROVIDERS = ("aws", "k8s", "gcp")
# What catalogue() validates when no provider is named: the AWS settings, as before Kubernetes existed.
DEFAULT_PROVIDERS = ("aws",)
# The keys of a service's k8s.overrides: one per kind of object rendered for the service.
K8S_OVERRIDE_KINDS = ("deployment", "service", "hpa", "pdb", "network_policy", "service_monitor", "destination_rule")
_K8S_KEYS = ("image", "resources", "hpa", "requests_per_second_target", "behavior", "overrides")
_K8S_RESOURCES = ("cpu", "memory")
# A Compute Engine machine type: predefined (e2-small, n2-standard-4) or custom (e2-custom-2-4096).
_MACHINE_TYPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
# A Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity), non-negative.
_QUANTITY = re.compile(r"^(?P<num>[0-9]+(\.[0-9]*)?|\.[0-9]+)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")
_QUANTITY_SCALE = {
    "": 1, "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"),
    "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18,
    "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
}
# Target group names are at most 32 characters, and they carry the target name.
TARGET_NAME_MAX = 32
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_PART = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CatalogueError(MeridianError):
    """A catalogue entry that cannot be provisioned or scaled; ``field`` names it."""


def target_name(project, env, service):
    """The name of a service's scaling target: ``<project>-<env>-<service>``."""
    for field, value in (("meridian_project", project), ("meridian_env", env)):
        if not isinstance(value, str) or not _PART.match(value):
            raise CatalogueError(field, "%r is not a lowercase name of letters, digits and '-'" % (value,))
    name = "%s-%s-%s" % (project, env, service)
    if len(name) > TARGET_NAME_MAX:
        raise CatalogueError(FIELD, "%r is longer than %d characters (the target group name limit); shorten the "
                             "service, meridian_project or meridian_env" % (name, TARGET_NAME_MAX))
    return name


def _int(value, field, low, high=None):
    return integer(value, field, low, high, error=CatalogueError)


def _number(value, field, low_exclusive=None, high=None):
    if isinstance(value, bool):
        raise CatalogueError(field, "expected a number, got %r" % (value,))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CatalogueError(field, "expected a number, got %r" % (value,))
    if low_exclusive is not None and not number > low_exclusive:
        raise CatalogueError(field, "must be greater than %s, got %s" % (low_exclusive, value))
    if high is not None and number > high:
        raise CatalogueError(field, "must be at most %s, got %s" % (high, value))
    return number


def _mapping(value, field, required=True):
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise CatalogueError(field, "expected a mapping, got %r" % (value,))
    return value


def _capacity(entry, field):
    cap = _mapping(entry.get("capacity"), field + ".capacity")
    out = {}
    for key in ("min", "max"):
        if key not in cap:
            raise CatalogueError("%s.capacity.%s" % (field, key), "missing; declare the service's bounds, e.g. "
                                 "capacity: {min: 1, max: 6, initial: 1}")
        out[key] = _int(cap[key], "%s.capacity.%s" % (field, key), 0)
    out["initial"] = _int(cap.get("initial", out["min"]), "%s.capacity.initial" % field, 0)
    if not out["min"] <= out["initial"] <= out["max"]:
        raise CatalogueError(field + ".capacity", "needs min <= initial <= max, got %d/%d/%d"
                             % (out["min"], out["initial"], out["max"]))
    if out["max"] < 1:
        raise CatalogueError(field + ".capacity.max", "must be at least 1")
    return out


def _dimensions(dims, field):
    if not isinstance(dims, (list, tuple)) or not dims:
        raise CatalogueError(field, "a predictive or hybrid service needs at least one load dimension "
                             "(name, query or series, unit_capacity) to forecast; or set scaling.strategy: "
                             "scheduled, reactive or static")
    names = set()
    out = []
    for j, dim in enumerate(dims):
        dfield = "%s[%d]" % (field, j)
        dim = _mapping(dim, dfield)
        name = dim.get("name")
        if not isinstance(name, str) or not name:
            raise CatalogueError(dfield + ".name", "give the dimension a name, e.g. requests_per_second")
        if name in names:
            raise CatalogueError(dfield + ".name", "dimension %r is listed twice" % name)
        names.add(name)
        if ("query" in dim) == ("series" in dim):
            raise CatalogueError(dfield, "give exactly one of query (PromQL) or series (inline history)")
        _number(dim.get("unit_capacity"), dfield + ".unit_capacity", low_exclusive=0)
        if "target_utilization" in dim:
            _number(dim["target_utilization"], dfield + ".target_utilization", low_exclusive=0, high=1)
        out.append(plain_copy(dim))
    return out


def _choice(value, field, choices):
    if value not in choices:
        raise CatalogueError(field, "%r is not one of %s" % (value, ", ".join(choices)))
    return value


def _fraction(value, field, low, high, default):
    if value is None:
        return default
    number = _number(value, field)
    if not low <= number <= high:
        raise CatalogueError(field, "must be between %s and %s, got %s" % (low, high, value))
    return number


def _unknown(block, field, known, what):
    unknown = sorted(str(key) for key in block if key not in known)
    if unknown:
        raise CatalogueError("%s.%s" % (field, unknown[0]), "unknown key; %s takes %s" % (what, ", ".join(known)))


def _reactive(scaling, field):
    """The target-tracking policy: ``{metric, target[, query]}``; ``target_cpu`` is the CPU shorthand."""
    has_cpu = "target_cpu" in scaling
    target_cpu = _int(scaling.get("target_cpu", 50), field + ".target_cpu", 1, 100)
    if scaling.get("reactive") is None:
        return {"metric": "cpu", "target": target_cpu}, target_cpu
    out = check_reactive(scaling["reactive"], field + ".reactive")
    if out["metric"] == "cpu":
        if has_cpu and target_cpu != out["target"]:
            raise CatalogueError(field + ".reactive.target", "%d differs from scaling.target_cpu %d; give the CPU "
                                 "target once (reactive.target)" % (out["target"], target_cpu))
        target_cpu = out["target"]
    return out, target_cpu


def check_reactive(block, rfield):
    """A target-tracking policy ``{metric, target[, query]}``, validated (``rfield`` names it in errors)."""
    block = _mapping(block, rfield)
    _unknown(block, rfield, ("metric", "target", "query"), "reactive")
    metric = block.get("metric", "cpu")
    if metric not in REACTIVE_METRICS:
        raise CatalogueError(rfield + ".metric", "%r is not one of %s (cpu: average CPU %% of the group; "
                             "requests_per_target: requests per instance per minute behind the load balancer; promql: a "
                             "PromQL query of the service's total load)" % (metric, ", ".join(REACTIVE_METRICS)))
    if "target" not in block:
        raise CatalogueError(rfield + ".target", "missing; give the value target tracking holds, e.g. target: 50 "
                             "(cpu: percent; requests_per_target: requests per instance per minute; promql: load per instance)")
    out = {"metric": metric}
    if metric == "cpu":
        out["target"] = _int(block["target"], rfield + ".target", 1, 100)
    else:
        out["target"] = _number(block["target"], rfield + ".target", low_exclusive=0)
    if metric == "promql":
        query = block.get("query")
        if not isinstance(query, str) or not query.strip():
            raise CatalogueError(rfield + ".query", "a promql target needs the query of the service's total load, "
                                 "e.g. sum(rate(http_requests_total{service=\"web\"}[5m]))")
        out["query"] = query
    elif "query" in block:
        raise CatalogueError(rfield + ".query", "only metric: promql takes a query; remove it or set metric: promql")
    return out


def _cron(expression, field):
    if not isinstance(expression, str) or len(expression.split()) != 5:
        raise CatalogueError(field, "expected a cron expression of five fields (minute hour day-of-month month "
                             "day-of-week), e.g. \"0 8 * * 1-5\", got %r" % (expression,))
    if not HAS_CRONITER:
        raise CatalogueError(field, "schedules need the croniter Python library on the controller; "
                             "pip install croniter (see requirements.txt)")
    if not croniter.is_valid(expression):
        raise CatalogueError(field, "%r is not a valid cron expression; e.g. \"0 8 * * 1-5\" is weekdays at "
                             "08:00" % (expression,))
    return expression


def _time_zone(name, field):
    if not isinstance(name, str) or not name:
        raise CatalogueError(field, "expected an IANA time zone such as Europe/Berlin or UTC, got %r" % (name,))
    if ZoneInfo is None:
        raise CatalogueError(field, "time zones need Python 3.9+ (zoneinfo) on the controller")
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, or ValueError for a malformed key
        raise CatalogueError(field, "%r is not an IANA time zone; write it like Europe/Berlin, America/New_York "
                             "or UTC" % (name,))
    return name


def check_schedules(value, field, cap):
    """Recurring schedules ``[{name, cron, time_zone, min, max, duration}]`` inside ``cap`` ({min, max}),
    validated and normalised (``field`` names the list in errors)."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise CatalogueError(field, "expected a list of schedules, e.g. [{cron: \"0 8 * * 1-5\", "
                             "time_zone: Europe/Berlin, min: 6}]")
    out = []
    names = set()
    for j, item in enumerate(value):
        sfield = "%s[%d]" % (field, j)
        item = _mapping(item, sfield)
        _unknown(item, sfield, SCHEDULE_KEYS, "a schedule")
        name = item.get("name", "schedule-%d" % j)
        if not isinstance(name, str) or not _NAME.match(name):
            raise CatalogueError(sfield + ".name", "%r is not a lowercase name of letters, digits and '-'" % (name,))
        if name in names:
            raise CatalogueError(sfield + ".name", "schedule %r is listed twice" % name)
        names.add(name)
        sched = {"name": name, "cron": _cron(item.get("cron"), sfield + ".cron"),
                 "time_zone": _time_zone(item.get("time_zone", "UTC"), sfield + ".time_zone"),
                 "min": None, "max": None, "duration": None}
        if item.get("min") is None and item.get("max") is None:
            raise CatalogueError(sfield, "give min (the floor), max (the ceiling) or both while the schedule holds")
        for key in ("min", "max"):
            if item.get(key) is not None:
                sched[key] = _int(item[key], "%s.%s" % (sfield, key), cap["min"], cap["max"])
        if sched["min"] is not None and sched["max"] is not None and sched["min"] > sched["max"]:
            raise CatalogueError(sfield, "needs min <= max, got %s/%s" % (sched["min"], sched["max"]))
        if item.get("duration") is not None:
            sched["duration"] = _int(item["duration"], sfield + ".duration", 60)
        out.append(sched)
    return out


def check_cost(value, field):
    """A service's ``cost`` block, validated and normalised (``field`` names it in errors)."""
    cost = _mapping(value, field)
    _unknown(cost, field, COST_KEYS, "cost")
    out = plain_copy(cost)
    for key in ("on_demand_price", "spot_price"):
        if key in cost:
            out[key] = _number(cost[key], "%s.%s" % (field, key), low_exclusive=None)
            if out[key] < 0:
                raise CatalogueError("%s.%s" % (field, key), "must be >= 0 (a price per instance-hour), got %s"
                                     % (cost[key],))
    if "spot_share" in cost:
        out["spot_share"] = _fraction(cost["spot_share"], field + ".spot_share", 0, 1, 0.0)
    if "on_demand_base" in cost:
        out["on_demand_base"] = _int(cost["on_demand_base"], field + ".on_demand_base", 0)
    for key in ("budget_per_day", "budget"):
        if cost.get(key) is not None:
            out[key] = _number(cost[key], "%s.%s" % (field, key), low_exclusive=0)
    if "currency" in cost and (not isinstance(cost["currency"], str) or not re.match(r"^[A-Z]{3}$", cost["currency"])):
        raise CatalogueError(field + ".currency", "expected an ISO 4217 code such as USD, got %r" % (cost["currency"],))
    if "instance_types" in cost:
        tfield = field + ".instance_types"
        types = cost["instance_types"]
        if not isinstance(types, (list, tuple)) or not types:
            raise CatalogueError(tfield, "expected a non-empty list such as [{type: t3.small}, {type: t3a.small}]")
        out["instance_types"] = []
        seen = set()
        for j, item in enumerate(types):
            ifield = "%s[%d]" % (tfield, j)
            item = {"type": item} if isinstance(item, str) else _mapping(item, ifield)
            _unknown(item, ifield, ("type", "weight", "price"), "an instance type")
            itype = item.get("type")
            if not isinstance(itype, str) or "." not in itype:
                raise CatalogueError(ifield + ".type", "expected an instance type such as t3.small, got %r" % (itype,))
            if itype in seen:
                raise CatalogueError(ifield + ".type", "%s is listed twice" % itype)
            seen.add(itype)
            entry = {"type": itype}
            if item.get("weight") is not None:
                entry["weight"] = _int(item["weight"], ifield + ".weight", 1, 999)
            if item.get("price") is not None:
                entry["price"] = _number(item["price"], ifield + ".price", low_exclusive=0)
            out["instance_types"].append(entry)
    return out


def budget_per_day(value, field=BUDGET_FIELD):
    """The environment's daily budget (``meridian_budget_per_day``): a positive number, or None for none."""
    if value is None or value == "":
        return None
    return _number(value, field, low_exclusive=0)


def _scaling(entry, field, cap=None):
    cap = cap or {"min": 0, "max": 10 ** 6}
    sfield = field + ".scaling"
    scaling = _mapping(entry.get("scaling"), sfield, required=False)
    _unknown(scaling, sfield, SCALING_KEYS, "scaling")
    strategy = _choice(scaling.get("strategy", DEFAULT_STRATEGY), sfield + ".strategy", STRATEGIES)
    reactive, target_cpu = _reactive(scaling, sfield)
    out = {"strategy": strategy, "owner": "provision" if strategy == "static" else "scaling",
           "target_cpu": target_cpu}
    if strategy == "static":
        return out
    out["mode"] = _choice(scaling.get("mode", "forecast_and_scale"), sfield + ".mode", MODES)
    out["reactive"] = reactive
    out["schedules"] = check_schedules(scaling.get("schedules"), sfield + ".schedules", cap)
    if strategy == "scheduled" and not out["schedules"]:
        raise CatalogueError(sfield + ".schedules", "a scheduled service needs at least one schedule, e.g. "
                             "[{cron: \"0 8 * * 1-5\", time_zone: Europe/Berlin, min: 6}]; or choose another strategy")
    out["scheduling_buffer"] = _int(scaling.get("scheduling_buffer", 300), sfield + ".scheduling_buffer", 0, 3600)
    out["max_capacity_breach"] = _choice(scaling.get("max_capacity_breach", "honor"),
                                         sfield + ".max_capacity_breach", BREACHES)
    buffer_default = 10 if out["max_capacity_breach"] == "increase" else 0
    out["max_capacity_buffer"] = _int(scaling.get("max_capacity_buffer", buffer_default),
                                      sfield + ".max_capacity_buffer", 0, MAX_CAPACITY_BUFFER)
    if out["max_capacity_breach"] == "increase" and out["max_capacity_buffer"] < 1:
        raise CatalogueError(sfield + ".max_capacity_buffer", "max_capacity_breach: increase raises the maximum by "
                             "at most this percent: give 1..%d, or max_capacity_breach: honor" % MAX_CAPACITY_BUFFER)
    out["allowed_underprovisioned"] = _fraction(scaling.get("allowed_underprovisioned"),
                                                sfield + ".allowed_underprovisioned", 0, 0.5,
                                                DEFAULT_ALLOWED_UNDERPROVISIONED)
    if strategy in FORECAST_STRATEGIES or scaling.get("dimensions") is not None:
        out["dimensions"] = _dimensions(scaling.get("dimensions"), sfield + ".dimensions")
    if "cost" in scaling:
        out["cost"] = check_cost(scaling["cost"], sfield + ".cost")
    return out


def _quantity(value, field):
    """A cpu or memory quantity as Kubernetes writes it (``250m``, ``"1"``, ``512Mi``) and its value.

    Numbers are accepted and returned as their string (YAML reads ``cpu: 1`` as an integer)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CatalogueError(field, "expected a quantity such as 250m, \"1\" or 512Mi, got %r" % (value,))
    text = value if isinstance(value, str) else ("%d" % value if float(value).is_integer() else repr(value))
    match = _QUANTITY.match(text)
    if not match:
        raise CatalogueError(field, "%r is not a Kubernetes quantity; write it like 250m, \"1\" or 512Mi" % (value,))
    suffix = match.group("suffix") or ""
    if suffix[:1] in ("e", "E"):
        amount = Decimal(match.group("num") + suffix)
    else:
        amount = Decimal(match.group("num")) * _QUANTITY_SCALE[suffix]
    return text, amount


def _k8s_resources(value, field):
    resources = _mapping(value, field, required=False)
    out = {}
    amounts = {}
    for part, spec in resources.items():
        pfield = "%s.%s" % (field, part)
        if part not in ("requests", "limits"):
            raise CatalogueError(pfield, "unknown key; resources takes requests and limits")
        spec = _mapping(spec, pfield)
        out[part] = {}
        for name, quantity in spec.items():
            qfield = "%s.%s" % (pfield, name)
            if name not in _K8S_RESOURCES:
                raise CatalogueError(qfield, "unknown resource; give %s" % " and ".join(_K8S_RESOURCES))
            out[part][name], amounts[(part, name)] = _quantity(quantity, qfield)
    for name in _K8S_RESOURCES:
        if ("requests", name) in amounts and ("limits", name) in amounts \
                and amounts[("requests", name)] > amounts[("limits", name)]:
            raise CatalogueError("%s.requests.%s" % (field, name), "%s is above the limit %s; Kubernetes refuses a "
                                 "request above its limit" % (out["requests"][name], out["limits"][name]))
    return out


def _k8s_settings(settings, field):
    """The validated ``k8s`` block of one service (``field`` is ``meridian_services[<svc>].k8s``)."""
    unknown = sorted(str(key) for key in settings if key not in _K8S_KEYS)
    if unknown:
        raise CatalogueError("%s.%s" % (field, unknown[0]), "unknown key; k8s takes %s" % ", ".join(_K8S_KEYS))
    image = settings.get("image")
    if not isinstance(image, str) or not image or any(c.isspace() for c in image):
        raise CatalogueError(field + ".image", "the Kubernetes provider needs the service's container image, e.g. "
                             "image: ghcr.io/example/web:1.4.2, got %r" % (image,))
    hpa = settings.get("hpa", True)
    if not isinstance(hpa, bool):
        raise CatalogueError(field + ".hpa", "expected true or false, got %r" % (hpa,))
    out = {
        "image": image,
        "resources": _k8s_resources(settings.get("resources"), field + ".resources"),
        "hpa": hpa,
        "requests_per_second_target": None,
        "behavior": None,
        "overrides": {},
    }
    if hpa and "cpu" not in out["resources"].get("requests", {}):
        raise CatalogueError(field + ".resources.requests.cpu", "the HorizontalPodAutoscaler's CPU target is a share "
                             "of the CPU request: set resources.requests.cpu (e.g. 250m), or hpa: false")
    target = settings.get("requests_per_second_target")
    if target is not None:
        number = _number(target, field + ".requests_per_second_target", low_exclusive=0)
        out["requests_per_second_target"] = target if isinstance(target, (int, float)) else number
    if settings.get("behavior") is not None:
        out["behavior"] = plain_copy(_mapping(settings["behavior"], field + ".behavior"))
    overrides = _mapping(settings.get("overrides"), field + ".overrides", required=False)
    for kind, override in overrides.items():
        kfield = "%s.overrides.%s" % (field, kind)
        if kind not in K8S_OVERRIDE_KINDS:
            raise CatalogueError(kfield, "unknown kind; overrides takes %s" % ", ".join(K8S_OVERRIDE_KINDS))
        out["overrides"][kind] = plain_copy(_mapping(override, kfield))
    return out


def _provider_settings(entry, field, providers):
    out = {}
    for provider in providers:
        settings = _mapping(entry.get(provider), "%s.%s" % (field, provider), required=False)
        if provider == "aws":
            itype = settings.get("instance_type")
            if not isinstance(itype, str) or "." not in itype:
                raise CatalogueError(field + ".aws.instance_type", "expected an instance type such as t3.small, got %r"
                                     % (itype,))
        elif provider == "gcp":
            mtype = settings.get("machine_type")
            if not isinstance(mtype, str) or not _MACHINE_TYPE.match(mtype):
                raise CatalogueError(field + ".gcp.machine_type", "expected a Compute Engine machine type such as "
                                     "e2-small, got %r" % (mtype,))
        elif provider == "k8s":
            out[provider] = _k8s_settings(settings, field + ".k8s")
            continue
        out[provider] = plain_copy(settings)
    return out


def catalogue(services, project, env, providers=DEFAULT_PROVIDERS):
    """Validate ``meridian_services`` and return it normalised, one dict per service.

    Each returned entry has ``name``, ``port``, ``health_path``, ``path_patterns``, ``data_class``,
    ``capacity`` ({min, max, initial}), ``scaling`` ({strategy, owner, target_cpu} and, unless static,
    {mode, reactive {metric, target[, query]}, schedules [{name, cron, time_zone, min, max, duration}],
    scheduling_buffer, max_capacity_breach, max_capacity_buffer, allowed_underprovisioned,
    dimensions (predictive and hybrid; others when given), cost (when given)}),
    the provider settings of ``providers`` (by default AWS's only) and ``target_name``. Errors name
    the entry and the field.

    ``k8s`` is normalised to ``{image, resources: {requests?, limits?}, hpa, requests_per_second_target
    (None when absent), behavior (None when absent, else as given), overrides ({kind: mapping})}``.
    """
    if not isinstance(services, (list, tuple)) or not services:
        raise CatalogueError(FIELD, "expected a non-empty list of services; define at least one service "
                             "(see docs/inventory.md, 'The service catalogue')")
    unknown = [p for p in providers if p not in PROVIDERS]
    if unknown:
        raise CatalogueError("meridian_provider", "%s: no catalogue settings for this provider; use one of %s"
                             % (", ".join(unknown), ", ".join(PROVIDERS)))
    names = set()
    out = []
    for i, entry in enumerate(services):
        field = "%s[%d]" % (FIELD, i)
        entry = _mapping(entry, field)
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise CatalogueError(field + ".name", "%r is not a lowercase name of letters, digits and '-'" % (name,))
        if name in names:
            raise CatalogueError(field + ".name", "service %r is listed twice" % name)
        names.add(name)
        field = "%s[%s]" % (FIELD, name)
        legacy = sorted(k for k in ("min_size", "max_size", "desired_capacity", "instance_type", "target_cpu") if k in entry)
        if legacy:
            raise CatalogueError(field, "%s moved: bounds go in capacity {min, max, initial}, instance_type in aws, "
                                 "target_cpu in scaling (see docs/inventory.md)" % ", ".join(legacy))
        health = entry.get("health_path")
        if not isinstance(health, str) or not health.startswith("/"):
            raise CatalogueError(field + ".health_path", "expected a path starting with '/', got %r" % (health,))
        patterns = entry.get("path_patterns") or ["/*"]
        if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) and p.startswith("/") for p in patterns):
            raise CatalogueError(field + ".path_patterns", "expected a list of paths starting with '/', got %r" % (patterns,))
        data_class = entry.get("data_class")
        if not isinstance(data_class, str) or not data_class:
            raise CatalogueError(field + ".data_class", "give the class of the data the service holds "
                                 "(a residency policy class such as operational or pii)")
        item = {
            "name": name,
            "port": _int(entry.get("port"), field + ".port", 1, 65535),
            "health_path": health,
            "path_patterns": list(patterns),
            "data_class": data_class,
            "capacity": _capacity(entry, field),
            "target_name": target_name(project, env, name),
        }
        item["scaling"] = _scaling(entry, field, item["capacity"])
        item.update(_provider_settings(entry, field, providers))
        out.append(item)
    return out


# The strategy settings capacity_forecast takes from a scaled service's normalised scaling block.
_STRATEGY_SETTINGS = ("strategy", "mode", "schedules", "reactive", "scheduling_buffer", "max_capacity_breach",
                      "max_capacity_buffer", "allowed_underprovisioned")


def scaling_services(entries):
    """The ``capacity_forecast`` services of a normalised catalogue: every service scaling owns.

    Each is ``{name, target_name, min_capacity, max_capacity, strategy, mode, schedules, reactive,
    scheduling_buffer, max_capacity_breach, max_capacity_buffer, allowed_underprovisioned[,
    dimensions][, cost]}``: the bounds are the catalogue's, so a decision never moves a group
    outside what provisioning enforces (``max_capacity_breach: increase`` aside, flagged). Static
    services are left out.
    """
    out = []
    for entry in entries:
        scaling = entry["scaling"]
        if scaling["owner"] != "scaling":
            continue
        service = {
            "name": entry["name"],
            "target_name": entry["target_name"],
            "min_capacity": entry["capacity"]["min"],
            "max_capacity": entry["capacity"]["max"],
        }
        for key in _STRATEGY_SETTINGS:
            service[key] = plain_copy(scaling[key])
        if "dimensions" in scaling:
            service["dimensions"] = plain_copy(scaling["dimensions"])
        if "cost" in scaling:
            service["cost"] = plain_copy(scaling["cost"])
        out.append(service)
    return out


def group_capacity(entry, group=None):
    """The min, max and desired size provisioning sets on a service's group, and what differs.

    ``group`` is the group as it is ({min_size, max_size, desired_capacity}) or ``None`` when it does
    not exist yet. A new group starts at ``capacity.initial``. An existing group's maximum is the
    catalogue's; its minimum is the catalogue's unless scaling owns the capacity and has raised the
    minimum inside the bounds (a forecast floor); its desired capacity is the catalogue's
    ``initial`` when provisioning owns it, and otherwise stays what scaling set, clamped into the
    bounds. Returns ``{"min_size", "max_size", "desired_capacity", "differs": [keys]}``.
    """
    cap = entry["capacity"]
    owner = entry["scaling"]["owner"]
    if group is None:
        return {"min_size": cap["min"], "max_size": cap["max"], "desired_capacity": cap["initial"],
                "differs": ["absent"]}
    have = dict((key, group.get(key)) for key in ("min_size", "max_size", "desired_capacity"))
    want_max = cap["max"]
    want_min = cap["min"]
    if owner == "scaling" and isinstance(have["min_size"], int) and cap["min"] <= have["min_size"] <= cap["max"]:
        want_min = have["min_size"]
    if owner == "provision":
        want_desired = cap["initial"]
    else:
        current = have["desired_capacity"] if isinstance(have["desired_capacity"], int) else cap["initial"]
        want_desired = min(max(current, want_min), want_max)
    want = {"min_size": want_min, "max_size": want_max, "desired_capacity": want_desired}
    differs = sorted(key for key in want if have[key] != want[key])
    return dict(want, differs=differs)


def forecast_request(services, current):
    """``scaling_services`` output as ``capacity_forecast`` takes it, with each group's current capacity.

    ``current`` maps a target name to its desired capacity now (absent when unknown).
    """
    out = []
    for service in services:
        item = dict((k, plain_copy(v)) for k, v in service.items() if k != "target_name")
        if service["target_name"] in (current or {}):
            item["current_capacity"] = int(current[service["target_name"]])
        out.append(item)
    return out


def scrape_jobs(entries, metrics_path="/metrics"):
    """One Prometheus scrape job per service of a normalised catalogue (the monitoring role's default).

    ``{service, port, metrics_path, target_name}``: instances are found by their group's name.
    """
    return [{"service": e["name"], "port": e["port"], "metrics_path": metrics_path, "target_name": e["target_name"]}
            for e in entries]
