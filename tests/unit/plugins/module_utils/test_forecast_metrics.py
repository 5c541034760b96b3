# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import capacity as cap
from ansible_collections.meridian.global_infra.plugins.module_utils.forecast.exposition import decisions_to_exposition

NOW = 1700000000


def _decision(service, mean, recent):
    dim = cap.Dimension("requests_per_second", 10.0, 0.5, 0.99, quantile_path=[v * 1.2 for v in mean],
                        mean_path=mean, recent=recent, step=300)
    return cap.decide(service, NOW, [dim], 1, 100, current_capacity=10, interval=900)


def test_exposition_holds_forecast_actual_and_capacity_per_service():
    text = decisions_to_exposition([_decision("web", [100.0, 110.0, 120.0] + [130.0] * 297, [95.0]),
                                    _decision('a"pi', [10.0] * 300, [12.5])])
    lines = text.splitlines()
    assert 'meridian_forecast_load{dimension="requests_per_second",service="web"} 120.0' in lines
    assert 'meridian_actual_load{dimension="requests_per_second",service="web"} 95.0' in lines
    assert 'meridian_actual_load{dimension="requests_per_second",service="a\\"pi"} 12.5' in lines
    capacity = [line for line in lines if line.startswith("meridian_forecast_capacity{")]
    assert len(capacity) == 2 and capacity[0].startswith('meridian_forecast_capacity{service="web"} ')
    assert "# TYPE meridian_forecast_load gauge" in lines
    assert text.endswith("\n")


def test_undecided_services_and_non_numbers_are_left_out():
    undecided = {"service": "api", "ok": False, "dimensions": [], "target_capacity": 3}
    broken = {"service": "web", "ok": True, "target_capacity": float("nan"),
              "dimensions": [{"name": "rps", "forecast_next_interval": None, "current_load": 4.0}]}
    text = decisions_to_exposition([undecided, broken])
    assert 'service="api"' not in text
    assert text.splitlines()[-1] == 'meridian_actual_load{dimension="rps",service="web"} 4.0'
    assert "meridian_forecast_capacity" not in text and "meridian_forecast_load{" not in text
    assert decisions_to_exposition([]) == ""


def test_the_strategy_account_is_pushed_with_the_decision():
    from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import strategies as st

    forecast = _decision("web", [100.0] * 300, [95.0])
    service = {"name": "web", "strategy": "hybrid", "mode": "forecast_only", "min_capacity": 2, "max_capacity": 100,
               "schedules": [], "reactive": {"metric": "cpu", "target": 50},
               "cost": {"on_demand_price": 0.5, "currency": "EUR", "budget_per_day": 10.0}}
    decision = st.decide(service, NOW, forecast=forecast, current_capacity=10)
    lines = decisions_to_exposition([decision]).splitlines()
    assert 'meridian_scaling_proposal{policy="reactive",service="web"} 10.0' in lines
    assert "meridian_scaling_proposal{policy=\"scheduled\",service=\"web\"}" not in "\n".join(lines)
    assert 'meridian_scaling_decision_info{chosen_policy="%s",mode="forecast_only",service="web",strategy="hybrid"} 1.0' \
        % decision["chosen_policy"] in lines
    assert 'meridian_scaling_over_budget{service="web"} 1.0' in lines
    assert 'meridian_scaling_over_budget_amount{currency="EUR",service="web"} %r' % (2 * 12.0 - 10.0) in lines
    assert 'meridian_scaling_budget_per_day{currency="EUR",service="web"} 10.0' in lines
    assert 'meridian_scaling_cost_per_hour{currency="EUR",service="web"} 1.0' in lines
    assert 'meridian_scaling_slo_risk{service="web"} 1.0' in lines
    assert any(line.startswith('meridian_scaling_cost_per_day{currency="EUR",service="web"} ') for line in lines)
