# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.scaling import cost, spot


def _pricing(**kwargs):
    base = {"on_demand_price": 0.10, "spot_price": 0.03, "spot_share": 0.5}
    base.update(kwargs)
    return cost.Pricing(**base)


def test_no_spot_share_leaves_the_plan_alone():
    out = spot.interruption_guard([4, 4], [4, 4], _pricing(spot_share=0.0))
    assert out["action"] == "none" and out["capacities"] == [4, 4] and out["on_demand_percentage"] == 100
    assert "no spot share" in out["reason"]


def test_enough_slack_needs_no_remedy():
    # 10 units, half of the 10 above base 0 on spot, one type: losing all 5 leaves 5 >= need 5.
    out = spot.interruption_guard([10] * 8, [5] * 8, _pricing())
    assert out["action"] == "none" and out["at_risk_steps"] == 0 and "within the target" in out["reason"]


def test_steps_short_of_the_plan_are_not_charged_to_spot():
    out = spot.interruption_guard([4, 4], [6, 6], _pricing())
    assert out["action"] == "none" and out["at_risk_steps"] == 0


def test_smaller_share_is_chosen_when_cheaper_than_headroom():
    # need 8 of 10: a full loss of the spot part must leave 8, so at most 2 spot units (20 %).
    pricing = _pricing(spot_share=0.6)
    out = spot.interruption_guard([10] * 4, [8] * 4, pricing, allowed_underprovisioned=0.0)
    assert out["action"] == "smaller_share"
    assert out["spot_share"] == pytest.approx(0.2) and out["on_demand_percentage"] == 80
    assert out["capacities"] == [10] * 4 and out["at_risk_steps"] == 4 and out["at_risk_steps_after"] == 0
    assert out["cost"]["chosen"] == out["cost"]["smaller_share"] <= out["cost"]["headroom"]
    assert "spot share 0.2 instead of 0.6" in out["reason"]


def test_headroom_is_chosen_when_cheaper_than_giving_up_spot():
    # A deep spot discount: adding units under the same mix beats moving the share to on demand.
    pricing = _pricing(on_demand_price=1.0, spot_price=0.05, spot_share=0.9, on_demand_base=2)
    caps, needs = [12, 12, 12, 4], [11, 11, 11, 3]
    out = spot.interruption_guard(caps, needs, pricing, allowed_underprovisioned=0.0, spot_loss=0.2)
    assert out["action"] == "headroom"
    assert out["extra_capacity"] >= 1 and out["capacities"][3] == 4
    assert all(c >= n for c, n in zip(out["capacities"], caps))
    assert out["at_risk_steps_after"] == 0 and out["spot_share"] == 0.9
    for cap, need in zip(out["capacities"], needs):
        on_demand, spot_units = pricing.split(cap)
        assert cap - 0.2 * spot_units >= need
    assert out["cost"]["headroom"] < out["cost"]["smaller_share"]


def test_headroom_capped_by_the_maximum_falls_back_to_the_smaller_share():
    pricing = _pricing(on_demand_price=1.0, spot_price=0.05, spot_share=0.9)
    out = spot.interruption_guard([10], [9], pricing, allowed_underprovisioned=0.0, max_capacity=10)
    assert out["action"] == "smaller_share" and out["spot_share"] == pytest.approx(0.1)


def test_no_allowed_remedy_is_reported_at_risk():
    pricing = _pricing(spot_share=0.9)
    out = spot.interruption_guard([10], [9], pricing, allowed_underprovisioned=0.0, max_capacity=10,
                                  remedies=("headroom",))
    assert out["action"] == "at_risk" and out["capacities"] == [10] and "risk to the target" in out["reason"]


def test_the_target_allows_a_few_steps_at_risk():
    pricing = _pricing(spot_share=0.5)
    caps, needs = [10] * 200, [4] * 199 + [9]  # one peak step of 200 is at risk
    assert spot.interruption_guard(caps, needs, pricing, allowed_underprovisioned=0.005)["action"] == "none"
    assert spot.interruption_guard(caps, needs, pricing, allowed_underprovisioned=0.001)["action"] != "none"


def test_several_types_lose_half_the_spot_part_by_default():
    one = _pricing(instance_types=[{"type": "t3.small"}])
    two = _pricing(instance_types=[{"type": "t3.small"}, {"type": "t3a.small"}])
    assert spot.default_spot_loss(one) == 1.0 and spot.default_spot_loss(two) == 0.5
    # 10 units, 5 on spot; need 7: losing all 5 leaves 5 (short), losing half leaves 7.5 (served).
    assert spot.interruption_guard([10], [7], one, allowed_underprovisioned=0.0)["action"] != "none"
    assert spot.interruption_guard([10], [7], two, allowed_underprovisioned=0.0)["action"] == "none"


@pytest.mark.parametrize("kwargs, field", [
    ({"needs": [1]}, "needs"),
    ({"allowed_underprovisioned": 1.0}, "allowed_underprovisioned"),
    ({"spot_loss": 0}, "spot_loss"),
    ({"remedies": ("pray",)}, "remedies"),
    ({"step_seconds": 0}, "step_seconds"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = {"capacities": [1, 1], "needs": [1, 1], "pricing": _pricing()}
    args.update(kwargs)
    with pytest.raises(spot.SpotError) as err:
        spot.interruption_guard(**args)
    assert err.value.field == field
