# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import numpy as np
import pytest

from ansible_collections.meridian.global_infra.plugins.modules import capacity_forecast as mod
from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.clients import prometheus as prom

NOW = 1700000000


def series(days=7, level=100.0):
    t = np.arange(days * 288)
    y = level + 0.5 * level * np.sin(2 * np.pi * t / 288.0)
    return [[NOW - (len(t) - 1 - i) * 300, float(v)] for i, v in enumerate(y)]


def params(services, **kw):
    p = {"services": services, "history": 14 * 86400, "step": 300, "end_time": str(NOW), "max_data_age": 1800,
         "horizon": 86400, "interval": 900, "lead_time": 300, "stabilization": 900, "scale_in_max_step": 0.2, "model": "auto",
         "workers": 1, "on_error": "fail", "prometheus_url": None, "prometheus_headers": None,
         "prometheus_validate_certs": True, "prometheus_timeout": 30.0, "prometheus_retries": 0}
    p.update(kw)
    return p


def svc(name="web", dims=None, **kw):
    s = {"name": name, "min_capacity": 1, "max_capacity": 40, "current_capacity": 5, "cost": None,
         "dimensions": dims or [{"name": "rps", "query": None, "series": series(), "unit_capacity": 10.0,
                                 "target_utilization": 0.7, "quantile": 0.99}]}
    s.update(kw)
    return s


class FakeClient:
    queries = []

    def __init__(self, url, **kwargs):
        self.url = url

    def query_range(self, query, start, end, step):
        FakeClient.queries.append(query)
        if query == "missing":
            raise prom.PrometheusError("query 'missing' returned no series", "query")
        return [(float(t), v) for t, v in series()]


def test_inline_series_decisions_in_order():
    out = mod.run(params([svc("a"), svc("b")]))
    assert [d["service"] for d in out] == ["a", "b"]
    assert all(d["ok"] for d in out)
    assert out[0]["target_capacity"] >= 15  # load 100 now: 100 / 7
    assert max(s["capacity"] for s in out[0]["schedule"]) >= 22  # peak 150 / 7


def test_query_dimensions_read_through_the_client():
    dims = [{"name": "rps", "query": "sum(rate(x[5m]))", "series": None, "unit_capacity": 10.0,
             "target_utilization": 0.7, "quantile": 0.99}]
    FakeClient.queries = []
    out = mod.run(params([svc(dims=dims)], prometheus_url="http://127.0.0.1:9"), client_factory=FakeClient)
    assert FakeClient.queries == ["sum(rate(x[5m]))"] and out[0]["ok"]


@pytest.mark.parametrize("service, field", [
    (svc(min_capacity=5, max_capacity=2), "services.min_capacity"),
    (svc(dims=[{"name": "rps", "query": None, "series": series(), "unit_capacity": 0.0,
                "target_utilization": 0.7, "quantile": 0.99}]), "services.dimensions.unit_capacity"),
])
def test_bad_input_rejected_before_any_query(service, field):
    FakeClient.queries = []
    with pytest.raises(cap.CapacityError) as err:
        mod.run(params([service], prometheus_url="http://x"), client_factory=FakeClient)
    assert err.value.field == field and FakeClient.queries == []


def test_query_without_url_is_rejected():
    dims = [{"name": "rps", "query": "up", "series": None, "unit_capacity": 1.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    with pytest.raises(prom.PrometheusError) as err:
        mod.run(params([svc(dims=dims)]))
    assert err.value.field == "prometheus_url"


def test_on_error_skip_returns_a_failed_decision():
    dims = [{"name": "rps", "query": "missing", "series": None, "unit_capacity": 1.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    out = mod.run(params([svc("bad", dims=dims), svc("good")], on_error="skip", prometheus_url="http://x"),
                  client_factory=FakeClient)
    assert [d["ok"] for d in out] == [False, True]
    assert "no series" in out[0]["warnings"][0]
    with pytest.raises(prom.PrometheusError):
        mod.run(params([svc("bad", dims=dims)], prometheus_url="http://x"), client_factory=FakeClient)


def test_negative_values_are_an_error():
    bad = series()
    bad[10][1] = -1.0
    dims = [{"name": "rps", "query": None, "series": bad, "unit_capacity": 1.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    with pytest.raises(Exception, match="negative"):
        mod.run(params([svc(dims=dims)]))


def test_peak_utilization_lowers_the_need_and_is_reported():
    noisy = [[t, v + float(e)] for (t, v), e in zip(series(), np.random.default_rng(2).normal(0.0, 15.0, 7 * 288))]
    base = {"name": "rps", "query": None, "series": noisy, "unit_capacity": 10.0, "target_utilization": 0.7,
            "quantile": 0.99}
    stacked = mod.run(params([svc(dims=[dict(base)])]))[0]
    peak = mod.run(params([svc(dims=[dict(base, peak_utilization=1.0)])]))[0]
    assert peak["dimensions"][0]["peak_utilization"] == 1.0
    assert stacked["dimensions"][0]["peak_utilization"] == 0.7
    # same forecast, the quantile sized at full capacity: never more, here fewer unit-hours
    assert peak["estimated_cost"] <= stacked["estimated_cost"]
    assert max(s["capacity"] for s in peak["schedule"]) < max(s["capacity"] for s in stacked["schedule"])
    assert peak["dimensions"][0]["model"]["margin"] in ("additive", "sqrt", "proportional", "transformed")


def test_peak_utilization_below_target_is_rejected_before_any_query():
    dims = [{"name": "rps", "query": "up", "series": None, "unit_capacity": 1.0, "target_utilization": 0.7,
             "quantile": 0.99, "peak_utilization": 0.5}]
    FakeClient.queries = []
    with pytest.raises(cap.CapacityError) as err:
        mod.run(params([svc(dims=dims)], prometheus_url="http://x"), client_factory=FakeClient)
    assert err.value.field == "services.dimensions.peak_utilization" and FakeClient.queries == []


@pytest.mark.parametrize("transform", ["none", "log"])
def test_transform_option_reaches_the_forecast_and_is_reported(transform):
    out = mod.run(params([svc()], transform=transform))[0]
    model = out["dimensions"][0]["model"]
    # the transform is reported when the chosen model used it (naive forecasts never need it)
    assert model["transform"] == ("log" if "+log" in model["name"] else "none")
    if transform == "none":
        assert model["transform"] == "none"
    assert out["ok"] is True and out["target_capacity"] >= 1


def test_stale_history_gives_no_decision_and_every_decision_carries_its_age():
    stale = [[t - 60 * 3600, v] for t, v in series()]  # the metrics stopped 60 h before end_time
    dims = [{"name": "rps", "query": None, "series": stale, "unit_capacity": 10.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    out = mod.run(params([svc("stale", dims=dims), svc("fresh")], on_error="skip"))
    assert [d["ok"] for d in out] == [False, True]
    assert out[0]["data_age_seconds"] == 60 * 3600 and out[1]["data_age_seconds"] == 0
    assert "max_data_age 1800" in out[0]["warnings"][0] and "216000 s old" in out[0]["warnings"][0]
    assert out[0]["schedule"] == []
    # on_error=fail: the task fails, naming the option
    with pytest.raises(cap.CapacityError) as err:
        mod.run(params([svc("stale", dims=dims)]))
    assert err.value.field == "max_data_age" and "216000 s old" in str(err.value)
    # a higher limit, or 0, lets the old data through, still reporting its age
    for limit in (0, 60 * 3600):
        replay = mod.run(params([svc("stale", dims=dims)], max_data_age=limit))[0]
        assert replay["ok"] is True and replay["data_age_seconds"] == 60 * 3600


def test_trailing_missing_points_count_in_the_data_age():
    gone = series()
    for point in gone[-12:]:
        point[1] = None  # the last hour is NaN: interpolated for the fit, but not fresh data
    dims = [{"name": "rps", "query": None, "series": gone, "unit_capacity": 10.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    decision = mod.run(params([svc(dims=dims)], max_data_age=3600))[0]
    assert decision["ok"] is True and decision["data_age_seconds"] == 3600
    refused = mod.run(params([svc(dims=dims)], on_error="skip", max_data_age=3599))[0]
    assert refused["ok"] is False and refused["data_age_seconds"] == 3600


def test_max_data_age_is_validated_before_any_query():
    dims = [{"name": "rps", "query": "up", "series": None, "unit_capacity": 1.0, "target_utilization": 0.7,
             "quantile": 0.99}]
    FakeClient.queries = []
    with pytest.raises(cap.CapacityError) as err:
        mod.run(params([svc(dims=dims)], prometheus_url="http://x", max_data_age=-1), client_factory=FakeClient)
    assert err.value.field == "max_data_age" and FakeClient.queries == []


def test_budget_below_min_capacity_is_reported_over_budget():
    cost = {"on_demand_price": 1.0, "spot_share": 0.0, "spot_price": None, "currency": "EUR", "budget": 10.0}
    out = mod.run(params([svc(min_capacity=20, cost=cost), svc("cheap", cost=dict(cost, budget=1e6))]))
    over, cheap = out
    assert over["over_budget"] is True and cheap["over_budget"] is False
    assert over["estimated_cost"] == 20 * 24.0  # min_capacity all day: the cost really incurred, above the budget
    assert any("over budget" in w and "480.00 EUR" in w for w in over["warnings"])


# Strategies (0.2.0): one decision per service from the forecast, the schedules and target tracking.
# NOW is Tuesday 14 November 2023 22:13:20 UTC (23:13 in Berlin).
NIGHT = {"name": "late", "cron": "0 22 * * *", "time_zone": "UTC", "min": 30, "max": None, "duration": 7200}


def test_hybrid_decision_names_the_highest_proposal_and_carries_cost():
    out = mod.run(params([svc(strategy="hybrid", schedules=[NIGHT], current_capacity=5,
                              cost={"on_demand_price": 0.5, "currency": "USD"})]))[0]
    assert out["ok"] and out["strategy"] == "hybrid" and out["mode"] == "forecast_and_scale"
    assert out["proposals"]["scheduled"]["capacity"] == 30
    assert out["proposals"]["reactive"]["capacity"] == 5
    assert out["proposals"]["predictive"]["capacity"] < 30
    assert out["chosen_policy"] == "scheduled" and out["target_capacity"] == 30
    assert out["reason"].startswith("scheduled is the highest at 30")
    assert out["cost_per_hour"] == pytest.approx(15.0) and out["cost_per_day"] > 0


def test_predictive_strategy_is_the_forecast_alone_by_default():
    out = mod.run(params([svc(schedules=[NIGHT], current_capacity=5)]))[0]
    assert out["strategy"] == "predictive" and out["chosen_policy"] == "predictive"
    assert out["target_capacity"] == out["proposals"]["predictive"]["capacity"] < 30


def test_a_promql_target_is_read_at_its_current_value():
    FakeClient.queries = []
    svc_ = svc(strategy="reactive", dimensions=None,
               reactive={"metric": "promql", "target": 10.0, "query": "sum(rate(requests[5m]))"})
    out = mod.run(params([svc_], prometheus_url="http://127.0.0.1:9"), client_factory=FakeClient)[0]
    assert FakeClient.queries == ["sum(rate(requests[5m]))"]
    value = series()[-1][1]
    assert out["proposals"]["reactive"]["capacity"] == int(np.ceil(value / 10.0))
    assert out["chosen_policy"] == "reactive" and out["proposals"]["predictive"]["capacity"] is None


def test_a_scheduled_service_needs_no_dimensions():
    out = mod.run(params([svc(strategy="scheduled", dimensions=None, schedules=[NIGHT])]))[0]
    assert out["ok"] and out["target_capacity"] == 30 and out["chosen_policy"] == "scheduled"


def test_a_daily_budget_below_the_minimum_is_over_budget():
    out = mod.run(params([svc(min_capacity=2, cost={"on_demand_price": 1.0, "budget_per_day": 10.0})]))[0]
    assert out["over_budget"] and out["target_capacity"] == 2
    assert out["over_budget_amount"] == pytest.approx(2 * 24.0 - 10.0)


def test_the_environment_budget_caps_the_services_together():
    cost = {"on_demand_price": 1.0}
    out = mod.run(params([svc("a", cost=cost), svc("b", cost=cost)], budget_per_day=24.0 * 10))
    assert sum(d["target_capacity"] for d in out) <= 10
    assert all(d["slo_risk"] and d["environment_budget"]["budget_per_day"] == 240.0 for d in out)


def test_forecast_only_is_reported_in_the_decision():
    out = mod.run(params([svc(mode="forecast_only")]))[0]
    assert out["mode"] == "forecast_only" and out["ok"]


@pytest.mark.parametrize("change, field", [
    ({"strategy": "hybrid", "dimensions": None}, "services.dimensions"),
    ({"strategy": "scheduled", "dimensions": None}, "services[web].schedules"),
    ({"schedules": [dict(NIGHT, cron="0 25 * * *")]}, "services[web].schedules[0].cron"),
    ({"schedules": [dict(NIGHT, time_zone="Nowhere/Land")]}, "services[web].schedules[0].time_zone"),
    ({"schedules": [dict(NIGHT, min=4, max=2)]}, "services[web].schedules[0]"),
    ({"reactive": {"metric": "promql", "target": 5.0, "query": None}}, "services[web].reactive.query"),
    ({"scheduling_buffer": 4000}, "services[web].scheduling_buffer"),
    ({"max_capacity_breach": "increase", "max_capacity_buffer": 0}, "services[web].max_capacity_buffer"),
    ({"allowed_underprovisioned": 0.7}, "services[web].allowed_underprovisioned"),
    ({"cost": {"budget_per_day": -1.0}}, "services[web].cost.budget_per_day"),
])
def test_bad_strategy_settings_are_refused_before_any_query(change, field):
    FakeClient.queries = []
    with pytest.raises(Exception) as err:
        mod.run(params([svc(**change)], prometheus_url="http://x"), client_factory=FakeClient)
    assert getattr(err.value, "field", None) == field and FakeClient.queries == []


def test_a_schedule_outside_overridden_bounds_is_clamped_not_refused():
    out = mod.run(params([svc(strategy="scheduled", dimensions=None, schedules=[dict(NIGHT, min=99)])]))[0]
    assert out["ok"] and out["target_capacity"] == 40 and out["proposals"]["scheduled"]["capacity"] == 99
