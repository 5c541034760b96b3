# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest
import yaml

from ansible_collections.meridian.global_infra.plugins.module_utils.monitoring.slo_rules import (
    DEFAULT_BURN_RATE_WINDOWS,
    FAILOVER_ALERT,
    FAILOVER_DEADLINE_ALERT,
    FAILOVER_DEADLINE_METRIC,
    FAILOVER_METRIC,
    SloRuleError,
    alert_names,
    build_rule_groups,
    camel,
    quantile_label,
    validate_slos,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def _inventory_slos(env):
    with open(os.path.join(ROOT, "inventories", env, "group_vars", "all", "monitoring.yml")) as handle:
        return yaml.safe_load(handle)["monitoring_slos"]


AVAILABILITY = {
    "name": "api_availability", "type": "availability", "service": "api", "target": 0.9999,
    "total_metric": "http_requests_total", "error_matcher": 'code=~"5.."',
}
LATENCY = {
    "name": "api_latency", "type": "latency", "service": "api",
    "histogram_metric": "http_request_duration_seconds",
    "quantiles": [{"quantile": 0.95, "threshold_seconds": 0.2}, {"quantile": 0.99, "threshold_seconds": 0.5}],
}


def _rules(slos):
    return [r for g in build_rule_groups(slos)["groups"] for r in g["rules"]]


@pytest.mark.parametrize("env", ["local", "staging", "prod"])
def test_inventory_slos_are_valid_and_cover_every_type(env):
    slos = _inventory_slos(env)
    assert validate_slos(slos) == []
    assert {s["type"] for s in slos} == {
        "availability", "latency", "error_rate", "cdn_hit_ratio", "forecast_error", "replication_lag",
        "capacity_headroom"}
    names = alert_names(build_rule_groups(slos))
    assert len(names) == len(set(names))
    assert FAILOVER_ALERT in names


def test_availability_uses_the_workbook_window_pairs_and_budget():
    rules = _rules([AVAILABILITY])
    alerts = {r["alert"]: r for r in rules if "alert" in r}
    fast = alerts["ApiAvailabilityErrorBudgetBurnFast"]
    slow = alerts["ApiAvailabilityErrorBudgetBurnSlow"]
    # 99.99 % leaves a budget of 0.0001: 14.4x -> 0.00144, 6x -> 0.0006.
    assert fast["expr"] == ('slo:sli_error:ratio_rate1h{slo="api_availability"} > 0.00144 and '
                            'slo:sli_error:ratio_rate5m{slo="api_availability"} > 0.00144')
    assert "ratio_rate6h" in slow["expr"] and "ratio_rate30m" in slow["expr"] and "> 0.0006" in slow["expr"]
    assert fast["labels"]["symptom"] == "true" and fast["labels"]["severity"] == "critical"
    records = sorted({(r["record"], r["labels"].get("region", "per-region")) for r in rules if "record" in r})
    assert records == sorted((
        "slo:sli_error:ratio_rate" + w, scope) for w in ("5m", "30m", "1h", "6h") for scope in ("global", "per-region"))


def test_ratio_records_read_zero_without_error_series():
    rec = [r for r in _rules([AVAILABILITY]) if r.get("record") == "slo:sli_error:ratio_rate5m"][0]
    assert " or 0 * sum by (region) (rate(http_requests_total{service=\"api\"}[5m]))" in rec["expr"]
    assert 'code=~"5.."' in rec["expr"]


def test_custom_windows_and_selector():
    slo = dict(AVAILABILITY, selector='job="edge"', burn_rate_windows=[
        {"long": "3d", "short": "6h", "factor": 1, "suffix": "Ticket", "severity": "warning"}])
    rules = _rules([slo])
    alert = [r for r in rules if "alert" in r and r["alert"].startswith("ApiAvailability")]
    assert [a["alert"] for a in alert] == ["ApiAvailabilityErrorBudgetBurnTicket"]
    assert alert[0]["labels"]["severity"] == "warning"
    assert all('service="api"' not in r["expr"] for r in rules if "record" in r)
    assert any('{job="edge",code=~"5.."}' in r["expr"] for r in rules if "record" in r)


def test_latency_records_quantiles_per_region_and_global():
    rules = _rules([LATENCY])
    exprs = {(r["record"], r["labels"].get("region")): r["expr"] for r in rules if "record" in r}
    assert exprs[("slo:latency_seconds:p95_rate5m", None)] == (
        'histogram_quantile(0.95, sum by (region, le) '
        '(rate(http_request_duration_seconds_bucket{service="api"}[5m])))')
    assert ("slo:latency_seconds:p99_rate5m", "global") in exprs
    alerts = {r["alert"]: r["expr"] for r in rules if "alert" in r}
    assert alerts["ApiLatencyP95High"] == 'slo:latency_seconds:p95_rate5m{slo="api_latency"} > 0.2'
    assert alerts["ApiLatencyP99High"].endswith("> 0.5")


@pytest.mark.parametrize("quantile,label", [(0.95, "p95"), (0.99, "p99"), (0.999, "p999"), (0.5, "p50"), (0.9, "p90")])
def test_quantile_label(quantile, label):
    assert quantile_label(quantile) == label


def test_camel():
    assert camel("db_replication") == "DbReplication"


def test_forecast_error_compares_actual_with_offset_forecast():
    rules = _rules([{"name": "api_forecast", "type": "forecast_error", "service": "api", "max_error_ratio": 0.25,
                     "forecast_offset": "30m"}])
    by_name = {r.get("record") or r.get("alert"): r for r in rules}
    assert "meridian_forecast_load{service=\"api\"} offset 30m" in by_name["meridian:forecast_abs_error:ratio"]["expr"]
    assert by_name["ApiForecastErrorHigh"]["expr"] == (
        'meridian:forecast_abs_error:avg_over_time_6h{slo="api_forecast"} > 0.25')
    assert "symptom" not in by_name["ApiForecastErrorHigh"]["labels"]


def test_headroom_uses_the_dimension():
    rules = _rules([{"name": "api_headroom", "type": "capacity_headroom", "service": "api", "min_headroom": 0.2,
                     "dimension": "cpu"}])
    rec = [r for r in rules if "record" in r][0]
    assert 'meridian_actual_load{service="api",dimension="cpu"}' in rec["expr"]
    assert rec["labels"]["dimension"] == "cpu"


def test_failover_group_is_always_present():
    groups = build_rule_groups([])["groups"]
    assert [g["name"] for g in groups] == ["meridian-failover"]
    assert groups[0]["rules"][0]["alert"] == FAILOVER_ALERT


def test_failover_past_deadline_pages_and_is_not_a_symptom():
    rule = [r for r in build_rule_groups([])["groups"][0]["rules"] if r["alert"] == FAILOVER_DEADLINE_ALERT][0]
    # both series of the drill's push, joined per region; critical and without symptom="true", so that
    # the declaration it watches cannot inhibit it
    assert FAILOVER_DEADLINE_METRIC in rule["expr"] and FAILOVER_METRIC in rule["expr"]
    assert "< time()" in rule["expr"] and "on (region)" in rule["expr"]
    assert rule["labels"] == {"severity": "critical"}


# The three preflight cases of the role, plus others: each error names the field.
@pytest.mark.parametrize("target", [0, 1, 1.5, -0.1, 99.99, "0.99", True])
def test_target_outside_open_unit_interval(target):
    errors = validate_slos([dict(AVAILABILITY, target=target)])
    assert len(errors) == 1 and errors[0].startswith("monitoring_slos[0].target: ")
    with pytest.raises(SloRuleError) as err:
        build_rule_groups([dict(AVAILABILITY, target=target)])
    assert err.value.field == "monitoring_slos[0].target"


@pytest.mark.parametrize("histogram", [None, ""])
def test_latency_without_histogram_metric(histogram):
    slo = copy.deepcopy(LATENCY)
    if histogram is None:
        del slo["histogram_metric"]
    else:
        slo["histogram_metric"] = histogram
    errors = validate_slos([AVAILABILITY, slo])
    assert len(errors) == 1 and errors[0].startswith("monitoring_slos[1].histogram_metric: is required")


def test_duplicate_rule_names():
    errors = validate_slos([AVAILABILITY, LATENCY, dict(AVAILABILITY, target=0.999)])
    assert errors == [
        "monitoring_slos[2].name: rule ApiAvailabilityErrorBudgetBurnFast is also generated by "
        "monitoring_slos[0] (api_availability); give each SLO a unique name"]


def test_duplicate_alert_names_from_different_slo_names():
    # api__availability and api_availability are different SLOs whose alerts would be named alike.
    errors = validate_slos([AVAILABILITY, dict(AVAILABILITY, name="api__availability")])
    assert len(errors) == 1 and errors[0].startswith("monitoring_slos[1].name: rule ApiAvailabilityErrorBudgetBurn")


@pytest.mark.parametrize("change,field", [
    ({"type": "uptime"}, "monitoring_slos[0].type"),
    ({"name": "Api-Availability"}, "monitoring_slos[0].name"),
    ({"total_metric": "http requests"}, "monitoring_slos[0].total_metric"),
    ({"error_matcher": '{code="500"}'}, "monitoring_slos[0].error_matcher"),
    ({"selector": "service=api"}, "monitoring_slos[0].selector"),
    ({"severity": "page"}, "monitoring_slos[0].severity"),
    ({"for": "5 minutes"}, "monitoring_slos[0].for"),
    ({"targett": 0.99}, "monitoring_slos[0]"),
    ({"burn_rate_windows": [{"long": "5m", "short": "1h", "factor": 14.4, "suffix": "Fast"}]},
     "monitoring_slos[0].burn_rate_windows[0].short"),
])
def test_other_invalid_fields_are_named(change, field):
    errors = validate_slos([dict(AVAILABILITY, **change)])
    assert errors and errors[0].split(": ")[0] == field


def test_latency_quantile_checks():
    slo = dict(LATENCY, quantiles=[{"quantile": 0.95, "threshold_seconds": 0},
                                   {"quantile": 0.95, "threshold_seconds": 0.3}])
    fields = [e.split(": ")[0] for e in validate_slos([slo])]
    assert fields == ["monitoring_slos[0].quantiles[0].threshold_seconds", "monitoring_slos[0].quantiles[1].quantile"]


def test_not_a_list():
    assert validate_slos({"name": "x"}) == ["monitoring_slos: must be a list of SLO mappings, got dict"]


def test_default_windows_are_not_mutated():
    before = copy.deepcopy(DEFAULT_BURN_RATE_WINDOWS)
    build_rule_groups([AVAILABILITY])
    assert DEFAULT_BURN_RATE_WINDOWS == before
