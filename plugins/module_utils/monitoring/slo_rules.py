# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SLOs as data -> Prometheus recording and alerting rules (pure computation, no I/O).

Every SLO is a dict with a ``name``, a ``type`` and a ``service``; the type decides the other
fields (see ``SLO_FIELDS``). ``validate_slos`` returns every problem as ``"<field>: <what to do>"``
(for example ``monitoring_slos[0].target: ...``); ``build_rule_groups`` raises ``SloRuleError`` on
the first one and otherwise returns the content of a Prometheus rule file (``{"groups": [...]}``).

Recording rules aggregate ``by (region)`` (one series per region) and, for the ratio SLIs, also
across regions with ``region="global"``. Alerts therefore fire per region (and globally).

Availability uses multi-window multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"):
an alert fires when both the long and the short window burn the error budget faster than the
factor, by default 14.4 over 1h and 5m, and 6 over 6h and 30m.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import re

SLO_TYPES = (
    "availability",
    "latency",
    "error_rate",
    "cdn_hit_ratio",
    "forecast_error",
    "replication_lag",
    "capacity_headroom",
)

_COMMON = ("name", "type", "service", "selector", "description", "severity", "for", "symptom")
SLO_FIELDS = {
    "availability": _COMMON + ("target", "total_metric", "error_matcher", "burn_rate_windows"),
    "latency": _COMMON + ("histogram_metric", "quantiles", "window"),
    "error_rate": _COMMON + ("total_metric", "error_matcher", "max_ratio", "window"),
    "cdn_hit_ratio": _COMMON + ("target", "hits_metric", "requests_metric", "window"),
    "forecast_error": _COMMON + ("max_error_ratio", "forecast_offset", "window"),
    "replication_lag": _COMMON + ("lag_metric", "max_seconds"),
    "capacity_headroom": _COMMON + ("min_headroom", "dimension"),
}
REQUIRED = {
    "availability": ("target", "total_metric", "error_matcher"),
    "latency": ("histogram_metric", "quantiles"),
    "error_rate": ("total_metric", "error_matcher", "max_ratio"),
    "cdn_hit_ratio": ("target", "hits_metric", "requests_metric"),
    "forecast_error": ("max_error_ratio",),
    "replication_lag": ("lag_metric", "max_seconds"),
    "capacity_headroom": ("min_headroom",),
}

# Google SRE workbook, "Alerting on SLOs", table 5-8: the two paging pairs.
DEFAULT_BURN_RATE_WINDOWS = (
    {"long": "1h", "short": "5m", "factor": 14.4, "for": "2m", "severity": "critical", "suffix": "Fast"},
    {"long": "6h", "short": "30m", "factor": 6.0, "for": "15m", "severity": "critical", "suffix": "Slow"},
)

# Metric names agreed with the scaling job (see docs/monitoring.md).
FORECAST_CAPACITY_METRIC = "meridian_forecast_capacity"
FORECAST_LOAD_METRIC = "meridian_forecast_load"
ACTUAL_LOAD_METRIC = "meridian_actual_load"
FAILOVER_METRIC = "meridian_failover_declared"
FAILOVER_ALERT = "MeridianFailoverDeclared"
# The time by which a drill promised to lift its fault (the failover it declared), and the alert
# that fires once it is past: a forgotten drill must not keep the region's symptoms inhibited.
FAILOVER_DEADLINE_METRIC = "meridian_failover_deadline_timestamp_seconds"
FAILOVER_DEADLINE_ALERT = "MeridianFailoverPastDeadline"

# Default severities and whether an alert is a user-visible symptom (inhibited during a failover).
_DEFAULTS = {
    "availability": {"severity": "critical", "symptom": True},
    "latency": {"severity": "warning", "symptom": True, "for": "10m", "window": "5m"},
    "error_rate": {"severity": "critical", "symptom": True, "for": "5m", "window": "5m"},
    "cdn_hit_ratio": {"severity": "warning", "symptom": True, "for": "15m", "window": "15m"},
    "forecast_error": {"severity": "warning", "symptom": False, "for": "30m", "window": "6h",
                       "forecast_offset": "15m"},
    "replication_lag": {"severity": "critical", "symptom": False, "for": "5m"},
    "capacity_headroom": {"severity": "warning", "symptom": False, "for": "15m", "dimension": "requests"},
}

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_METRIC_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
_LABEL_VALUE_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")
# One or more label matchers: name op "value", separated by commas.
_MATCHER = r'\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*'
_MATCHERS_RE = re.compile(r"^(%s)(,%s)*$" % (_MATCHER, _MATCHER))
_SEVERITIES = ("critical", "warning", "info")


class SloRuleError(MeridianError):
    """Invalid SLO data; ``field`` names the offending inventory field."""


def camel(name):
    """api_availability -> ApiAvailability (alert names are CamelCase by convention)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value):
    """A float for PromQL without noise: 0.0001 -> '0.0001', 14.4 * 0.0001 -> '0.00144'."""
    return ("%.12g" % float(value))


def _duration_seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(n) * units[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h|d|w|y)", text))


def _check_open_unit(errors, field, value):
    if not _is_number(value):
        errors.append("%s: must be a number strictly between 0 and 1, got %r" % (field, value))
    elif not 0 < value < 1:
        errors.append("%s: must be strictly between 0 and 1 (e.g. 0.9999 for 99.99 %%), got %s" % (field, value))


def _check_positive(errors, field, value):
    if not _is_number(value) or value <= 0:
        errors.append("%s: must be a number greater than 0, got %r" % (field, value))


def _check_metric(errors, field, value):
    if not isinstance(value, str) or not _METRIC_RE.match(value):
        errors.append("%s: must be a Prometheus metric name such as http_requests_total, got %r" % (field, value))


def _check_matchers(errors, field, value, allow_empty):
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        errors.append('%s: must be label matchers such as code=~"5..", got %r' % (field, value))
    elif value.strip() and not _MATCHERS_RE.match(value):
        errors.append('%s: must be label matchers without braces, e.g. code=~"5..",method="GET"; got %r'
                      % (field, value))


def _check_duration(errors, field, value):
    if not isinstance(value, str) or not _DURATION_RE.match(value):
        errors.append("%s: must be a Prometheus duration such as 5m or 1h, got %r" % (field, value))


def _validate_one(errors, field, slo):
    if not isinstance(slo, dict):
        errors.append("%s: must be a mapping with name, type and service, got %r" % (field, slo))
        return
    name = slo.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        errors.append("%s.name: must be lower_snake_case (letters, digits, _), got %r" % (field, name))
    slo_type = slo.get("type")
    if slo_type not in SLO_TYPES:
        errors.append("%s.type: must be one of %s, got %r" % (field, ", ".join(SLO_TYPES), slo_type))
        return
    service = slo.get("service")
    if not isinstance(service, str) or not _LABEL_VALUE_RE.match(service):
        errors.append("%s.service: must be a service name (letters, digits, _ . : -), got %r" % (field, service))
    unknown = sorted(set(slo) - set(SLO_FIELDS[slo_type]))
    if unknown:
        errors.append("%s: unknown field(s) %s for type %s; allowed: %s"
                      % (field, ", ".join(unknown), slo_type, ", ".join(SLO_FIELDS[slo_type])))
    for key in REQUIRED[slo_type]:
        if slo.get(key) in (None, "", []):
            hint = ""
            if key == "histogram_metric":
                hint = " (a latency objective is computed from a histogram: give its base name, " \
                       "e.g. http_request_duration_seconds for the _bucket series)"
            errors.append("%s.%s: is required for a %s SLO%s" % (field, key, slo_type, hint))
    if "selector" in slo:
        _check_matchers(errors, field + ".selector", slo["selector"], allow_empty=True)
    if "severity" in slo and slo["severity"] not in _SEVERITIES:
        errors.append("%s.severity: must be one of %s, got %r" % (field, ", ".join(_SEVERITIES), slo["severity"]))
    if "symptom" in slo and not isinstance(slo["symptom"], bool):
        errors.append("%s.symptom: must be true or false, got %r" % (field, slo["symptom"]))
    for key in ("for", "window", "forecast_offset"):
        if key in slo:
            _check_duration(errors, "%s.%s" % (field, key), slo[key])
    for key in ("target", "max_ratio", "min_headroom"):
        if slo.get(key) is not None:
            _check_open_unit(errors, "%s.%s" % (field, key), slo[key])
    for key in ("max_error_ratio", "max_seconds"):
        if slo.get(key) is not None:
            _check_positive(errors, "%s.%s" % (field, key), slo[key])
    for key in ("total_metric", "histogram_metric", "hits_metric", "requests_metric", "lag_metric"):
        if slo.get(key) not in (None, ""):
            _check_metric(errors, "%s.%s" % (field, key), slo[key])
    if slo.get("error_matcher") not in (None, ""):
        _check_matchers(errors, field + ".error_matcher", slo["error_matcher"], allow_empty=False)
    if "dimension" in slo and (not isinstance(slo["dimension"], str) or not _LABEL_VALUE_RE.match(slo["dimension"])):
        errors.append("%s.dimension: must be a dimension name such as requests, got %r" % (field, slo["dimension"]))
    if slo_type == "latency" and slo.get("quantiles") not in (None, "", []):
        _validate_quantiles(errors, field + ".quantiles", slo["quantiles"])
    if slo_type == "availability" and "burn_rate_windows" in slo:
        _validate_windows(errors, field + ".burn_rate_windows", slo["burn_rate_windows"])


def _validate_quantiles(errors, field, quantiles):
    if not isinstance(quantiles, list):
        errors.append("%s: must be a list of {quantile, threshold_seconds}, got %r" % (field, quantiles))
        return
    seen = set()
    for i, item in enumerate(quantiles):
        here = "%s[%d]" % (field, i)
        if not isinstance(item, dict) or set(item) - {"quantile", "threshold_seconds", "severity"}:
            errors.append("%s: must be {quantile, threshold_seconds[, severity]}, got %r" % (here, item))
            continue
        _check_open_unit(errors, here + ".quantile", item.get("quantile"))
        _check_positive(errors, here + ".threshold_seconds", item.get("threshold_seconds"))
        if "severity" in item and item["severity"] not in _SEVERITIES:
            errors.append("%s.severity: must be one of %s, got %r" % (here, ", ".join(_SEVERITIES), item["severity"]))
        if _is_number(item.get("quantile")):
            label = quantile_label(item["quantile"])
            if label in seen:
                errors.append("%s.quantile: %s is listed twice; keep one threshold per quantile" % (here, label))
            seen.add(label)


def _validate_windows(errors, field, windows):
    if not isinstance(windows, list) or not windows:
        errors.append("%s: must be a non-empty list of {long, short, factor, suffix}, got %r" % (field, windows))
        return
    allowed = {"long", "short", "factor", "for", "severity", "suffix"}
    suffixes = set()
    for i, win in enumerate(windows):
        here = "%s[%d]" % (field, i)
        if not isinstance(win, dict) or set(win) - allowed:
            errors.append("%s: must be a mapping with keys among %s, got %r" % (here, ", ".join(sorted(allowed)), win))
            continue
        for key in ("long", "short"):
            _check_duration(errors, "%s.%s" % (here, key), win.get(key))
        if "for" in win:
            _check_duration(errors, here + ".for", win["for"])
        _check_positive(errors, here + ".factor", win.get("factor"))
        suffix = win.get("suffix")
        if not isinstance(suffix, str) or not re.match(r"^[A-Z][A-Za-z0-9]*$", suffix):
            errors.append("%s.suffix: must be a CamelCase word such as Fast, got %r" % (here, suffix))
        elif suffix in suffixes:
            errors.append("%s.suffix: %s is used twice; alert names would collide" % (here, suffix))
        suffixes.add(suffix)
        if "severity" in win and win["severity"] not in _SEVERITIES:
            errors.append("%s.severity: must be one of %s, got %r" % (here, ", ".join(_SEVERITIES), win["severity"]))
        if (isinstance(win.get("long"), str) and isinstance(win.get("short"), str)
                and _DURATION_RE.match(win["long"]) and _DURATION_RE.match(win["short"])
                and _duration_seconds(win["short"]) >= _duration_seconds(win["long"])):
            errors.append("%s.short: must be shorter than long (%s), got %s" % (here, win["long"], win["short"]))


def quantile_label(quantile):
    """0.95 -> p95, 0.99 -> p99, 0.999 -> p999, 0.5 -> p50."""
    digits = ("%.6f" % quantile)[2:].rstrip("0")
    return "p" + (digits + "0" if len(digits) == 1 else digits)


def validate_slos(slos, field="monitoring_slos"):
    """Every problem in the SLO list, as "field: message" strings (empty when valid)."""
    errors = []
    if not isinstance(slos, list):
        return ["%s: must be a list of SLO mappings, got %s" % (field, type(slos).__name__)]
    for index, slo in enumerate(slos):
        _validate_one(errors, "%s[%d]" % (field, index), slo)
    if errors:
        return errors
    # Names of generated rules must be unique: alert names globally, recording rules per label set.
    owners = {}
    for index, slo in enumerate(slos):
        for key in sorted(_rule_keys(_group_for(slo)), key=lambda k: k[0] != "alert"):  # alerts first
            if key in owners:
                errors.append(
                    "%s[%d].name: rule %s is also generated by %s[%d] (%s); give each SLO a unique name"
                    % (field, index, key[1], field, owners[key], slos[owners[key]]["name"]))
                break
            owners[key] = index
    return errors


def _rule_keys(group):
    for rule in group["rules"]:
        if "alert" in rule:
            yield ("alert", rule["alert"])
        else:
            yield ("record", rule["record"], tuple(sorted(rule.get("labels", {}).items())))


def _selector(slo, *extra):
    parts = [p for p in ((slo.get("selector") if "selector" in slo else 'service="%s"' % slo["service"]),) + extra
             if p and p.strip()]
    return "{%s}" % ",".join(p.strip() for p in parts) if parts else ""


def _opt(slo, key):
    return slo[key] if key in slo else _DEFAULTS[slo["type"]].get(key)


def _alert(name, expr, slo, summary, description, severity=None, for_=None, extra_labels=None):
    labels = {"severity": severity or _opt(slo, "severity"), "slo": slo["name"], "service": slo["service"]}
    if _opt(slo, "symptom"):
        labels["symptom"] = "true"
    labels.update(extra_labels or {})
    rule = {"alert": name, "expr": expr}
    duration = for_ if for_ is not None else _opt(slo, "for")
    if duration:
        rule["for"] = duration
    rule["labels"] = labels
    rule["annotations"] = {"summary": summary, "description": description}
    if slo.get("description"):
        rule["annotations"]["slo"] = slo["description"]
    return rule


def _record(name, expr, slo, extra=None):
    labels = {"slo": slo["name"], "service": slo["service"]}
    labels.update(extra or {})
    return {"record": name, "expr": expr, "labels": labels}


def _ratio_records(record, num, den, slo, window):
    """Per region and global ratio of two rates over window; 0 (not empty) when num has no series."""
    return [
        _record(record, "(sum by (region) (rate({n}[{w}])) or 0 * sum by (region) (rate({d}[{w}])))"
                        " / sum by (region) (rate({d}[{w}]))".format(n=num, d=den, w=window), slo),
        _record(record, "(sum(rate({n}[{w}])) or 0 * sum(rate({d}[{w}]))) / sum(rate({d}[{w}]))"
                .format(n=num, d=den, w=window), slo, {"region": "global"}),
    ]


def _availability(slo):
    windows = slo.get("burn_rate_windows") or [dict(w) for w in DEFAULT_BURN_RATE_WINDOWS]
    total = slo["total_metric"]
    bad = total + _selector(slo, slo["error_matcher"])
    allm = total + _selector(slo)
    budget = 1.0 - float(slo["target"])
    needed = sorted(set(w for win in windows for w in (win["long"], win["short"])), key=_duration_seconds)
    rules = []
    for window in needed:
        rules.extend(_ratio_records("slo:sli_error:ratio_rate" + window, bad, allm, slo, window))
    sel = '{slo="%s"}' % slo["name"]
    for win in windows:
        threshold = _fmt(float(win["factor"]) * budget)
        expr = ("slo:sli_error:ratio_rate{long}{sel} > {thr} and slo:sli_error:ratio_rate{short}{sel} > {thr}"
                .format(long=win["long"], short=win["short"], sel=sel, thr=threshold))
        rules.append(_alert(
            camel(slo["name"]) + "ErrorBudgetBurn" + win["suffix"], expr, slo,
            "{{ $labels.service }} in {{ $labels.region }} burns its error budget %sx too fast" % _fmt(win["factor"]),
            "Error ratio over %s and %s is above %s (%sx the budget of a %s target); "
            "current %s ratio: {{ $value | humanizePercentage }}."
            % (win["long"], win["short"], threshold, _fmt(win["factor"]), _fmt(slo["target"]), win["short"]),
            severity=win.get("severity"), for_=win.get("for", "2m"),
            extra_labels={"long_window": win["long"], "short_window": win["short"]}))
    return rules


def _latency(slo):
    window = _opt(slo, "window")
    buckets = slo["histogram_metric"] + "_bucket" + _selector(slo)
    rules = []
    for item in slo["quantiles"]:
        label = quantile_label(item["quantile"])
        record = "slo:latency_seconds:%s_rate%s" % (label, window)
        q = _fmt(item["quantile"])
        rules.append(_record(record, "histogram_quantile(%s, sum by (region, le) (rate(%s[%s])))"
                             % (q, buckets, window), slo))
        rules.append(_record(record, "histogram_quantile(%s, sum by (le) (rate(%s[%s])))" % (q, buckets, window),
                             slo, {"region": "global"}))
    for item in slo["quantiles"]:
        label = quantile_label(item["quantile"])
        record = "slo:latency_seconds:%s_rate%s" % (label, window)
        thr = _fmt(item["threshold_seconds"])
        rules.append(_alert(
            "%s%sHigh" % (camel(slo["name"]), label.upper()),
            '%s{slo="%s"} > %s' % (record, slo["name"], thr), slo,
            "{{ $labels.service }} %s latency in {{ $labels.region }} is above %s s" % (label, thr),
            "The %s of request latency over %s is {{ $value | humanizeDuration }} (objective %s s)."
            % (label, window, thr),
            severity=item.get("severity")))
    return rules


def _error_rate(slo):
    window = _opt(slo, "window")
    total = slo["total_metric"]
    record = "slo:error:ratio_rate" + window
    rules = _ratio_records(record, total + _selector(slo, slo["error_matcher"]), total + _selector(slo), slo, window)
    thr = _fmt(slo["max_ratio"])
    rules.append(_alert(
        camel(slo["name"]) + "RateHigh", '%s{slo="%s"} > %s' % (record, slo["name"], thr), slo,
        "{{ $labels.service }} error rate in {{ $labels.region }} is above %s" % thr,
        "Errors were {{ $value | humanizePercentage }} of requests over %s (objective at most %s)." % (window, thr)))
    return rules


def _cdn_hit_ratio(slo):
    window = _opt(slo, "window")
    record = "slo:cdn_hit:ratio_rate" + window
    rules = _ratio_records(record, slo["hits_metric"] + _selector(slo), slo["requests_metric"] + _selector(slo),
                           slo, window)
    thr = _fmt(slo["target"])
    rules.append(_alert(
        camel(slo["name"]) + "HitRatioLow", '%s{slo="%s"} < %s' % (record, slo["name"], thr), slo,
        "{{ $labels.service }} CDN hit ratio in {{ $labels.region }} is below %s" % thr,
        "The CDN served {{ $value | humanizePercentage }} of requests from cache over %s (objective %s)."
        % (window, thr)))
    return rules


def _forecast_error(slo):
    window = _opt(slo, "window")
    offset = _opt(slo, "forecast_offset")
    by = "service, region, dimension"
    actual = "sum by (%s) (%s%s)" % (by, ACTUAL_LOAD_METRIC, _selector(slo))
    forecast = "sum by (%s) (%s%s offset %s)" % (by, FORECAST_LOAD_METRIC, _selector(slo), offset)
    sel = '{slo="%s"}' % slo["name"]
    rules = [
        _record("meridian:forecast_vs_actual:ratio", "%s / %s" % (forecast, actual), slo),
        _record("meridian:forecast_abs_error:ratio", "abs(%s - %s) / %s" % (actual, forecast, actual), slo),
        _record("meridian:forecast_abs_error:avg_over_time_" + window,
                "avg_over_time(meridian:forecast_abs_error:ratio%s[%s])" % (sel, window), slo),
    ]
    thr = _fmt(slo["max_error_ratio"])
    rules.append(_alert(
        camel(slo["name"]) + "ErrorHigh",
        "meridian:forecast_abs_error:avg_over_time_%s%s > %s" % (window, sel, thr), slo,
        "{{ $labels.service }} {{ $labels.dimension }} forecast in {{ $labels.region }} is off by more than %s" % thr,
        "Mean absolute percentage error of the %s-ahead forecast over %s is {{ $value | humanizePercentage }} "
        "(objective at most %s)." % (offset, window, thr)))
    return rules


def _replication_lag(slo):
    record = "slo:replication_lag_seconds:max"
    rules = [_record(record, "max by (region) (%s%s)" % (slo["lag_metric"], _selector(slo)), slo)]
    thr = _fmt(slo["max_seconds"])
    rules.append(_alert(
        camel(slo["name"]) + "LagHigh", '%s{slo="%s"} > %s' % (record, slo["name"], thr), slo,
        "{{ $labels.service }} replica in {{ $labels.region }} lags more than %s s" % thr,
        "Replication lag is {{ $value | humanizeDuration }} (objective at most %s s); a failover now "
        "would lose that much data." % thr))
    return rules


def _capacity_headroom(slo):
    dim = _opt(slo, "dimension")
    load = "sum by (service, region) (%s%s)" % (ACTUAL_LOAD_METRIC, _selector(slo, 'dimension="%s"' % dim))
    cap = "sum by (service, region) (%s%s)" % (FORECAST_CAPACITY_METRIC, _selector(slo))
    record = "meridian:capacity_headroom:ratio"
    rules = [_record(record, "1 - %s / %s" % (load, cap), slo, {"dimension": dim})]
    thr = _fmt(slo["min_headroom"])
    rules.append(_alert(
        camel(slo["name"]) + "Low", '%s{slo="%s"} < %s' % (record, slo["name"], thr), slo,
        "{{ $labels.service }} in {{ $labels.region }} has less than %s capacity headroom" % thr,
        "Actual %s load uses all but {{ $value | humanizePercentage }} of the provisioned capacity "
        "(objective at least %s)." % (dim, thr)))
    return rules


_BUILDERS = {
    "availability": _availability,
    "latency": _latency,
    "error_rate": _error_rate,
    "cdn_hit_ratio": _cdn_hit_ratio,
    "forecast_error": _forecast_error,
    "replication_lag": _replication_lag,
    "capacity_headroom": _capacity_headroom,
}


def _group_for(slo, interval=None):
    group = {"name": "meridian-slo-" + slo["name"], "rules": _BUILDERS[slo["type"]](slo)}
    if interval:
        group["interval"] = interval
    return group


def failover_group():
    """The failover alerts: the declaration that inhibits the region's symptoms, and its deadline.

    - ``MeridianFailoverDeclared`` (info) fires while a failover of a region is declared; Alertmanager
      inhibits the symptom alerts of that region with it.
    - ``MeridianFailoverPastDeadline`` (critical, never inhibited: it is not a symptom) fires when a
      declaration is still there after its deadline: a drill stopped or forgotten with its fault
      injected keeps the region's symptoms silent, and a real failure of that region would go unseen.
    """
    return {
        "name": "meridian-failover",
        "rules": [{
            "alert": FAILOVER_ALERT,
            "expr": "max by (region) (%s) > 0" % FAILOVER_METRIC,
            "labels": {"severity": "info"},
            "annotations": {
                "summary": "Failover declared for {{ $labels.region }}",
                "description": "A failover of {{ $labels.region }} is in progress; symptom alerts of that "
                               "region are inhibited until %s returns to 0." % FAILOVER_METRIC,
            },
        }, {
            "alert": FAILOVER_DEADLINE_ALERT,
            "expr": ("min by (region) (%s) < time() and on (region) max by (region) (%s) > 0"
                     % (FAILOVER_DEADLINE_METRIC, FAILOVER_METRIC)),
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "The failover of {{ $labels.region }} declared by a drill is past its deadline",
                "description": ("A drill declared a failover of {{ $labels.region }} and has not lifted it by its "
                                "deadline: the region's symptom alerts are still inhibited and its health check may "
                                "still be forced. Finish the drill (dr_failover_mode=resume) or undo it "
                                "(dr_failover_mode=rollback)."),
            },
        }],
    }


def slo_source_metrics(slo):
    """The series an SLO is computed from (with its selector): without them its alerts cannot fire."""
    sel = _selector(slo)
    metrics = {
        "availability": lambda: [slo["total_metric"]],
        "latency": lambda: [slo["histogram_metric"] + "_bucket"],
        "error_rate": lambda: [slo["total_metric"]],
        "cdn_hit_ratio": lambda: [slo["hits_metric"], slo["requests_metric"]],
        "forecast_error": lambda: [ACTUAL_LOAD_METRIC, FORECAST_LOAD_METRIC],
        "replication_lag": lambda: [slo["lag_metric"]],
        "capacity_headroom": lambda: [ACTUAL_LOAD_METRIC, FORECAST_CAPACITY_METRIC],
    }[slo["type"]]()
    return [m + sel for m in metrics]


def _check_jobs(scrape_jobs, push_jobs, for_):
    if not isinstance(scrape_jobs, (list, tuple)) or not all(
            isinstance(j, str) and _LABEL_VALUE_RE.match(j) for j in scrape_jobs):
        raise SloRuleError("scrape_jobs", "must be a list of scrape job names, got %r" % (scrape_jobs,))
    if not isinstance(push_jobs, (list, tuple)):
        raise SloRuleError("push_jobs", "must be a list of {job, max_age}, got %r" % (push_jobs,))
    for index, push in enumerate(push_jobs):
        here = "push_jobs[%d]" % index
        if not isinstance(push, dict) or set(push) - {"job", "max_age"} or "job" not in push:
            raise SloRuleError(here, "must be {job, max_age}, got %r" % (push,))
        if not isinstance(push["job"], str) or not _LABEL_VALUE_RE.match(push["job"]):
            raise SloRuleError(here + ".job", "must be a Pushgateway job name, got %r" % (push["job"],))
        if not isinstance(push.get("max_age", "45m"), str) or not _DURATION_RE.match(push.get("max_age", "45m")):
            raise SloRuleError(here + ".max_age", "must be a Prometheus duration such as 45m, got %r"
                               % (push.get("max_age"),))
    if not isinstance(for_, str) or not _DURATION_RE.match(for_):
        raise SloRuleError("for", "must be a Prometheus duration such as 10m, got %r" % (for_,))


def absence_group(slos, scrape_jobs=(), push_jobs=(), for_="10m"):
    """Alerts for data that disappears: the SLOs would otherwise go quiet instead of firing.

    - ``<Slo>DataMissing``: none of an SLO's source series exists (``absent()``), with the SLO's severity.
    - ``MeridianScrapeTargetDown``: a target of one of ``scrape_jobs`` fails its scrape (``up == 0``).
    - ``MeridianPushStale``: a Pushgateway group of a ``push_jobs`` job was last pushed more than its
      ``max_age`` ago (``push_time_seconds``), or the job has never pushed at all.
    Alerts without a region of their own carry ``region="global"`` (the global routes).
    """
    _check_jobs(scrape_jobs, push_jobs, for_)
    rules = []
    for slo in slos:
        metrics = slo_source_metrics(slo)
        labels = {"severity": _opt(slo, "severity"), "slo": slo["name"], "service": slo["service"], "region": "global"}
        rules.append({
            "alert": camel(slo["name"]) + "DataMissing",
            "expr": " or ".join("absent(%s)" % m for m in metrics),
            "for": for_,
            "labels": labels,
            "annotations": {
                "summary": "No data for the SLO %s: its alerts cannot fire" % slo["name"],
                "description": ("No series of %s for %s; check the exporters, the scrape jobs and the "
                                "relabelling." % (" or ".join(metrics), for_)),
            },
        })
    if scrape_jobs:
        # job names are [A-Za-z0-9_.:-]: only the dot is special in the regex (\\. inside a PromQL string)
        jobs = "|".join(j.replace(".", "\\\\.") for j in scrape_jobs)
        rules.append({
            "alert": "MeridianScrapeTargetDown",
            "expr": 'up{job=~"%s"} == 0' % jobs,
            "for": "5m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "{{ $labels.job }} target {{ $labels.instance }} is down",
                "description": "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5m; "
                               "the SLOs that read it see less data or none.",
            },
        })
    for push in push_jobs:
        max_age = push.get("max_age", "45m")
        sel = '{job="%s"}' % push["job"]
        expr = ('time() - max by (job, region) (push_time_seconds%s) > %d'
                ' or label_replace(absent(push_time_seconds%s), "region", "global", "", "")'
                % (sel, _duration_seconds(max_age), sel))
        rules.append({
            "alert": "MeridianPushStale",
            "expr": expr,
            "for": "5m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "{{ $labels.job }} has not pushed its metrics for {{ $labels.region }} within %s" % max_age,
                "description": ("The last push of job %s to the Pushgateway is older than %s, or there is none: "
                                "the forecasts and the SLOs computed from them are stale." % (push["job"], max_age)),
            },
        })
    return {"name": "meridian-data-absent", "rules": rules}


def build_rule_groups(slos, field="monitoring_slos", interval=None, scrape_jobs=None, push_jobs=None,
                      absent_for="10m"):
    """The rule file content for the SLOs: {"groups": [...]}; SloRuleError on invalid input.

    With ``scrape_jobs`` or ``push_jobs`` given (lists, possibly empty), the absence group
    (``absence_group``) is added.
    """
    errors = validate_slos(slos, field)
    if errors:
        first = errors[0]
        name, _sep, message = first.partition(": ")
        raise SloRuleError(name, message)
    if interval is not None and (not isinstance(interval, str) or not _DURATION_RE.match(interval)):
        raise SloRuleError("interval", "must be a Prometheus duration such as 30s, got %r" % (interval,))
    groups = [_group_for(slo, interval) for slo in slos]
    groups.append(failover_group())
    if scrape_jobs is not None or push_jobs is not None:
        group = absence_group(slos, scrape_jobs or [], push_jobs or [], absent_for)
        if interval:
            group["interval"] = interval
        groups.append(group)
    return {"groups": groups}


def alert_names(rule_file):
    """Every alert name in a rule file dict, in order."""
    return [r["alert"] for g in rule_file["groups"] for r in g["rules"] if "alert" in r]
