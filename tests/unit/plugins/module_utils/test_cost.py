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
