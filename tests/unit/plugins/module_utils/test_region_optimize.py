# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import numpy as np
import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.regions import catalog as rc
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import latency as rl
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import optimize as ro


def random_instance(seed, n_regions=7, n_cities=25):
    """A small instance from real regions and cities: random subsets, residency masks, SLO."""
    rng = np.random.default_rng(seed)
    regions = rc.regions()
    cities = rc.cities()
    pick_r = rng.choice(len(regions), n_regions, replace=False)
    pick_c = rng.choice(len(cities), n_cities, replace=False)
    reg = [regions[i] for i in pick_r]
    cit = [cities[i] for i in pick_c]
    lat = rl.city_region_rtt_ms(np.array([c["latitude"] for c in cit]), np.array([c["longitude"] for c in cit]),
                                np.array([r["latitude"] for r in reg]), np.array([r["longitude"] for r in reg]))
    n_markets = int(rng.integers(1, 5))
    market = rng.integers(0, n_markets, n_cities)
    market[:n_markets] = np.arange(n_markets)
    allowed = rng.random((n_markets, n_regions)) < 0.7
    allowed[np.arange(n_markets), rng.integers(0, n_regions, n_markets)] = True
    k_min = int(rng.integers(1, 3))
    k_max = int(rng.integers(k_min, 5))
    slo = None if rng.random() < 0.4 else float(rng.uniform(60, 250))
    return ro.Instance(lat, allowed[market], [c["population"] for c in cit], market, [r["price_index"] for r in reg],
                       k_min, k_max, float(rng.choice([0.0, 2.0, 20.0])), slo, float(rng.choice([0.5, 0.9, 0.95])))


@pytest.mark.parametrize("seed", range(40))
def test_milp_matches_bruteforce(seed):
    inst = random_instance(seed)
    brute_set, brute_val = ro.solve_bruteforce(inst)
    subset, value = ro.solve_benders(inst)
    if brute_val is None:
        assert value is None
    else:
        assert value == pytest.approx(brute_val, rel=1e-9, abs=1e-9)
        assert ro.evaluate(inst, subset) == pytest.approx(value)


@pytest.mark.parametrize("seed", range(8))
def test_compact_formulation_agrees(seed):
    inst = random_instance(100 + seed)
    _s, v1 = ro.solve_milp(inst)
    _s, v2 = ro.solve_benders(inst)
    assert (v1 is None) == (v2 is None)
    if v1 is not None:
        assert v1 == pytest.approx(v2, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_greedy_never_beats_the_optimum(seed):
    inst = random_instance(200 + seed)
    _s, best = ro.solve_bruteforce(inst)
    _s, greedy = ro.solve_greedy(inst)
    if greedy is not None:
        assert best is not None and greedy >= best - 1e-9


def toy(slo=None, cost_weight=0.0, k_max=2, allowed=None):
    # three points, three regions; latency of point i to region r
    lat = np.array([[10.0, 50.0, 90.0],
                    [50.0, 10.0, 50.0],
                    [90.0, 50.0, 10.0]])
    allowed = np.ones((3, 3), bool) if allowed is None else np.asarray(allowed)
    return ro.Instance(lat, allowed, [1, 1, 1], [0, 1, 2], [1.0, 1.0, 1.0], 1, k_max, cost_weight, slo, 0.95)


def test_toy_optimum_and_cost_tradeoff():
    subset, value = ro.solve_benders(toy())
    assert len(subset) == 2 and value == pytest.approx((10 + 10 + 50) / 3.0)
    # cost weight 100 per region: one central region is cheaper overall
    subset, value = ro.solve_benders(toy(cost_weight=100.0))
    assert subset == (1,)
    assert value == pytest.approx((50 + 10 + 50) / 3.0 + 100)


def test_slo_is_a_hard_constraint():
    subset, value = ro.solve_benders(toy(slo=20.0, k_max=3))
    assert subset == (0, 1, 2)
    assert ro.solve_benders(toy(slo=20.0, k_max=2)) == (None, None)
    assert ro.solve_bruteforce(toy(slo=20.0, k_max=2)) == (None, None)


def test_residency_is_a_hard_constraint():
    allowed = [[False, False, True], [True, True, True], [True, True, True]]
    subset, _v = ro.solve_benders(toy(allowed=allowed, k_max=1))
    assert subset == (2,)


def test_drop_idle_regions():
    inst = toy(k_max=3)
    inst.allowed[:, 2] = False
    assert ro.drop_idle(inst, (0, 1, 2)) == (0, 1)


def test_weighted_quantile_matches_coverage_definition():
    values = np.array([10.0, 20.0, 30.0, 40.0])
    weights = np.array([0.5, 0.3, 0.15, 0.05])
    assert ro.weighted_quantile(values, weights, 0.5) == 10.0
    assert ro.weighted_quantile(values, weights, 0.8) == 20.0
    assert ro.weighted_quantile(values, weights, 0.95) == 30.0
    assert ro.weighted_quantile(values, weights, 1.0) == 40.0


def test_check_feasible_names_markets():
    inst = toy(slo=5.0)
    with pytest.raises(rc.RegionSelectionError) as err:
        ro.check_feasible(inst)
    assert err.value.field == "latency_slo_ms"
    assert err.value.markets == ["0", "1", "2"]
    inst = toy(allowed=[[False] * 3, [True] * 3, [True] * 3])
    with pytest.raises(rc.RegionSelectionError) as err:
        ro.check_feasible(inst)
    assert err.value.field == "data_classes" and err.value.markets == ["0"]


def test_solve_falls_back_to_greedy_without_milp(monkeypatch):
    inst = random_instance(7)
    _s, best = ro.solve_bruteforce(inst)
    monkeypatch.setattr(ro, "HAS_MILP", False)
    subset, value, method = ro.solve(inst)
    assert method == "greedy"
    if value is not None:
        assert best is not None and value >= best - 1e-9
        assert ro.evaluate(inst, subset) == pytest.approx(value)
