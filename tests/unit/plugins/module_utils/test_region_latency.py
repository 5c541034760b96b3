# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.regions import catalog as rc
from ansible_collections.meridian.global_infra.plugins.module_utils.regions import latency as rl


def test_haversine_known_distances():
    # London - Paris about 344 km, New York - London about 5570 km
    assert rl.haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(344, abs=3)
    assert rl.haversine_km(40.7128, -74.0060, 51.5074, -0.1278) == pytest.approx(5570, abs=15)
    assert rl.haversine_km(10.0, 20.0, 10.0, 20.0) == pytest.approx(0.0)


def test_measured_pairs_are_symmetric_and_complete():
    pairs = rl.measured_pairs()
    assert len(pairs) == 32 * 31 // 2
    assert all(a < b and km > 0 and rtt > 0 for a, b, km, rtt in pairs)


def test_distance_model_meets_error_target_in_and_out_of_sample():
    err = rl.model_error(cross_validate=True)
    assert err["pairs"] == 496
    assert err["median_abs_pct_error"] <= 15.0
    assert err["loro_median_abs_pct_error"] <= 15.0
    # physically plausible: slower than light in fibre (0.01 ms/km round trip), positive intercept
    assert 0.01 < err["ms_per_km"] < 0.03
    assert 0 <= err["intercept_ms"] < 40


def test_fit_recovers_a_known_line():
    pairs = [("a", "b", km, 10.0 + 0.02 * km) for km in (100.0, 500.0, 1000.0, 5000.0, 9000.0)]
    intercept, slope = rl.fit_distance_model(pairs)
    assert intercept == pytest.approx(10.0, abs=1e-6)
    assert slope == pytest.approx(0.02, abs=1e-9)


def test_region_rtt_prefers_measurement():
    a, b = rc.find_region("eu-west-1", "f"), rc.find_region("us-east-1", "f")
    ms, source = rl.region_rtt_ms(a, b)
    assert source == "measured"
    assert 60 < ms < 90
    g1, g2 = rc.find_region("europe-west1", "f"), rc.find_region("us-east4", "f")
    ms, source = rl.region_rtt_ms(g1, g2)
    assert source == "model"
    assert 60 < ms < 120


def test_city_matrix_shape_and_monotonic_in_distance():
    import numpy as np
    lat = rl.city_region_rtt_ms(np.array([48.85, 40.71]), np.array([2.35, -74.0]),
                                np.array([50.11, 39.03]), np.array([8.68, -77.46]))
    assert lat.shape == (2, 2)
    assert lat[0, 0] < lat[0, 1] and lat[1, 1] < lat[1, 0]
