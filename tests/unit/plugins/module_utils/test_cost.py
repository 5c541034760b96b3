# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost


def test_blended_unit_hour_price():
    p = cost.Pricing(on_demand_price=0.1, spot_share=0.25, spot_price=0.02)
    assert p.unit_hour == pytest.approx(0.75 * 0.1 + 0.25 * 0.02)


def test_schedule_cost_over_slots():
    p = cost.Pricing(on_demand_price=2.0)
    assert cost.schedule_cost([4, 4, 2, 2], 900, p) == pytest.approx(12 * 0.25 * 2.0)


def test_apply_budget_lowers_the_peak_first():
    p = cost.Pricing(on_demand_price=1.0, budget=3.0)
    capped, level = cost.apply_budget([2, 10, 10, 2], 900, p)
    assert level == 4 and capped == [2, 4, 4, 2]
    assert cost.apply_budget([1, 1], 900, cost.Pricing(1.0, budget=100.0)) == ([1, 1], None)


def test_apply_budget_stops_at_the_floor_and_reports_the_overrun():
    p = cost.Pricing(on_demand_price=1.0, budget=3.0)
    capped, level = cost.apply_budget([4, 10, 10, 4], 900, p, floor=4)  # 4 units for an hour cost 4.0
    assert level == 4 and capped == [4, 4, 4, 4]
    assert cost.over_budget(cost.schedule_cost(capped, 900, p), p) is True
    fits, level = cost.apply_budget([2, 10, 10, 2], 900, p, floor=2)
    assert fits == [2, 4, 4, 2] and cost.over_budget(cost.schedule_cost(fits, 900, p), p) is False
    assert cost.over_budget(1e9, cost.Pricing(1.0)) is False  # no budget, never over it


@pytest.mark.parametrize("kwargs, field", [({"on_demand_price": -1}, "cost.on_demand_price"),
                                           ({"spot_share": 1.5}, "cost.spot_share"),
                                           ({"budget": 0}, "cost.budget")])
def test_bad_pricing(kwargs, field):
    with pytest.raises(cost.CostError) as err:
        cost.Pricing(**kwargs)
    assert err.value.field == field


def test_on_demand_base_runs_on_demand_and_the_share_applies_above_it():
    p = cost.Pricing(on_demand_price=0.1, spot_share=0.5, spot_price=0.02, on_demand_base=2)
    assert p.split(1) == (1.0, 0.0)
    assert p.split(6) == (4.0, 2.0)
    assert p.step_price(6) == pytest.approx(4 * 0.1 + 2 * 0.02)
    assert cost.schedule_cost([6, 6], 1800, p) == pytest.approx(4 * 0.1 + 2 * 0.02)


def test_the_first_priced_type_sets_the_on_demand_unit_price():
    p = cost.Pricing(on_demand_price=0.5, spot_share=0.0,
                     instance_types=[{"type": "t3.small"}, {"type": "m5.large", "weight": 4, "price": 0.096}])
    assert p.on_demand_unit == pytest.approx(0.024) and p.spot_price == pytest.approx(0.024)
    assert cost.Pricing(on_demand_price=0.5, instance_types=["t3.small"]).on_demand_unit == 0.5


def test_cost_rates_and_the_on_demand_comparison():
    p = cost.Pricing(on_demand_price=0.1, spot_share=0.75, spot_price=0.03)
    rates = cost.cost_rates([4] * 8, 900, p)  # two hours of 4 units
    assert rates["per_hour"] == pytest.approx(4 * (0.25 * 0.1 + 0.75 * 0.03))
    assert rates["per_day"] == pytest.approx(24 * rates["per_hour"])
    assert cost.on_demand_only_cost([4] * 8, 900, p) == pytest.approx(2 * 4 * 0.1)
    assert cost.cost_rates([], 900, p) == {"per_hour": 0.0, "per_day": 0.0}


def test_budget_cap_counts_the_base_at_the_on_demand_price():
    p = cost.Pricing(on_demand_price=1.0, spot_share=1.0, spot_price=0.25, on_demand_base=2, budget=3.0)
    # per hour over one hour: 2 base units cost 2.0, each spot unit 0.25 -> 2 + 4 = 6 units
    assert cost.budget_cap(p, 3600) == 6
    assert cost.budget_cap(cost.Pricing(on_demand_price=1.0, on_demand_base=4, budget=3.0), 3600) == 3


def test_from_dict_reads_the_catalogue_mix():
    p = cost.Pricing.from_dict({"on_demand_price": 0.0208, "spot_share": 0.5, "spot_price": 0.007, "on_demand_base": 1,
                                "instance_types": [{"type": "t3.small", "price": 0.0208}, {"type": "t3a.small"}],
                                "budget_per_day": 5})
    assert p.on_demand_base == 1 and len(p.instance_types) == 2 and p.budget_per_day == 5.0
    assert p.to_dict()["spot_unit_price"] == 0.007


@pytest.mark.parametrize("kwargs, field", [({"on_demand_base": -1}, "cost.on_demand_base"),
                                           ({"on_demand_base": 1.5}, "cost.on_demand_base"),
                                           ({"instance_types": [{"type": "small"}]}, "cost.instance_types[0].type"),
                                           ({"instance_types": [{"type": "t3.small", "weight": 0}]},
                                            "cost.instance_types[0].weight"),
                                           ({"instance_types": [{"type": "t3.small", "price": -1}]},
                                            "cost.instance_types[0].price"),
                                           ({"budget_per_day": 0}, "cost.budget_per_day"),
                                           ({"spot_price": "cheap"}, "cost.spot_price")])
def test_bad_mix(kwargs, field):
    with pytest.raises(cost.CostError) as err:
        cost.Pricing(**kwargs)
    assert err.value.field == field


def test_a_provider_without_spot_prices_every_unit_on_demand():
    data = {"on_demand_price": 0.1, "spot_share": 0.8, "spot_price": 0.02, "on_demand_base": 1,
            "instance_types": [{"type": "t3.small", "price": 0.2}], "budget_per_day": 9}
    aws = cost.provider_pricing(data, "aws")
    k8s = cost.provider_pricing(data, "k8s")
    assert aws.spot_share == 0.8 and aws.on_demand_unit == 0.2
    assert k8s.spot_share == 0.0 and k8s.on_demand_base == 0 and k8s.instance_types == []
    assert k8s.step_price(3) == pytest.approx(0.3) and k8s.budget_per_day == 9.0
