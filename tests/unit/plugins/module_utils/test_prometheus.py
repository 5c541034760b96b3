# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import prometheus as prom


class FakeConn:
    def __init__(self, answers, **kwargs):
        self.answers = list(answers)
        self.calls = 0

    def custom_query_range(self, **kwargs):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(answers, retries=2):
    conn = FakeConn(answers)
    c = prom.PrometheusClient("http://127.0.0.1:1", retries=retries, connect=lambda **kw: conn, sleep=lambda s: None)
    return c, conn


def test_dedupe_sorts_and_keeps_one_point_per_timestamp():
    assert prom.dedupe_points([[20, "2"], [10, "1"], [20, "3"]]) == [(10.0, 1.0), (20.0, 3.0)]


def test_retries_connection_errors_then_succeeds():
    c, conn = client([requests.exceptions.ConnectionError("down"),
                      [{"metric": {}, "values": [[0, "1"], [300, "2"]]}]])
    assert c.query_range("up", 0, 300, 300) == [(0.0, 1.0), (300.0, 2.0)]
    assert conn.calls == 2


def test_unreachable_after_retries_names_the_url():
    c, conn = client([requests.exceptions.ConnectionError("down")] * 3)
    with pytest.raises(prom.PrometheusError) as err:
        c.query_range("up", 0, 300, 300)
    assert err.value.field == "prometheus_url" and conn.calls == 3


def test_bad_query_is_not_retried():
    c, conn = client([prom.PrometheusApiClientException("HTTP Status Code 400 (b'parse error')")])
    with pytest.raises(prom.PrometheusError) as err:
        c.query_range("sum(", 0, 300, 300)
    assert err.value.field == "query" and conn.calls == 1


@pytest.mark.parametrize("answer, text", [([], "no series"),
                                          ([{"metric": {"a": "1"}, "values": [[0, "1"]]},
                                            {"metric": {"a": "2"}, "values": [[0, "1"]]}], "2 series")])
def test_series_count_must_be_one(answer, text):
    c, _conn = client([answer])
    with pytest.raises(prom.PrometheusError, match=text):
        c.query_range("x", 0, 300, 300)


def test_long_ranges_are_chunked_and_boundaries_deduplicated():
    step = 300
    end = step * 15000
    spans = prom.chunks(0, end, step)
    assert len(spans) == 2 and spans[0][1] == spans[1][0]
    answers = [[{"metric": {}, "values": [[t, "1"] for t in range(int(lo), int(hi) + 1, step)]}] for lo, hi in spans]
    c, _conn = client(answers)
    points = c.query_range("x", 0, end, step)
    assert len(points) == 15001
