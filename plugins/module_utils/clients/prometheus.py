# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus client wrapper: range queries with retries, chunking and deduplicated points."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import random
import time
from datetime import datetime, timezone

from ansible.module_utils.basic import env_fallback

try:
    from prometheus_api_client import PrometheusConnect
    from prometheus_api_client.exceptions import PrometheusApiClientException
    HAS_PROMETHEUS_API_CLIENT = True
except ImportError:  # pragma: no cover - guarded for ansible-test import sanity
    PrometheusConnect = None
    PrometheusApiClientException = Exception
    HAS_PROMETHEUS_API_CLIENT = False

try:
    from urllib3.util.retry import Retry
except ImportError:  # pragma: no cover
    Retry = None

try:
    import requests
    _TRANSIENT = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)
except ImportError:  # pragma: no cover
    _TRANSIENT = (OSError,)

# Prometheus refuses range queries of more than 11,000 points per series.
MAX_POINTS_PER_QUERY = 10000

PROMETHEUS_ARGUMENT_SPEC = dict(
    prometheus_url=dict(type="str", required=False, fallback=(env_fallback, ["PROMETHEUS_URL"])),
    prometheus_headers=dict(type="dict", required=False, no_log=True),
    prometheus_validate_certs=dict(type="bool", default=True),
    prometheus_timeout=dict(type="float", default=30.0),
    prometheus_retries=dict(type="int", default=3),
)


class PrometheusError(MeridianError):
    """A Prometheus query failed; ``field`` names the option to fix."""

    def __init__(self, msg, field=None):
        super(PrometheusError, self).__init__(field, msg, prefix=False)


def dedupe_points(values):
    """Sort ``[[ts, value], ...]`` by time and keep one point per timestamp (the last seen)."""
    seen = {}
    for ts, val in values:
        seen[float(ts)] = val
    out = []
    for ts in sorted(seen):
        try:
            out.append((ts, float(seen[ts])))
        except (TypeError, ValueError):
            out.append((ts, float("nan")))
    return out


def chunks(start, end, step, max_points=MAX_POINTS_PER_QUERY):
    """Split [start, end] (epoch seconds) into ranges of at most ``max_points`` steps."""
    span = step * (max_points - 1)
    out = []
    t = start
    while t <= end:
        out.append((t, min(end, t + span)))
        t = t + span
    return out


class PrometheusClient:
    """Thin wrapper over ``prometheus_api_client.PrometheusConnect``.

    Retries connection errors, timeouts and 5xx answers with jittered exponential backoff.
    ``connect`` lets tests inject a fake ``PrometheusConnect``.
    """

    def __init__(self, url, headers=None, validate_certs=True, timeout=30.0, retries=3, connect=None,
                 sleep=time.sleep):
        if not url:
            raise PrometheusError("prometheus_url is required when a dimension has a query", "prometheus_url")
        factory = connect or PrometheusConnect
        if factory is None:
            raise PrometheusError("prometheus-api-client is not installed", "prometheus_url")
        self.url = url
        self.retries = max(0, int(retries))
        self.timeout = timeout
        self._sleep = sleep
        kwargs = {"url": url, "headers": headers, "disable_ssl": not validate_certs, "timeout": timeout}
        if Retry is not None and connect is None:
            kwargs["retry"] = Retry(total=0, raise_on_status=False)  # retries are ours, below
        self._conn = factory(**kwargs)

    def _call(self, func, *args, **kwargs):
        attempt = 0
        while True:
            try:
                return func(*args, **kwargs)
            except _TRANSIENT as exc:
                err = exc
                transient = True
            except PrometheusApiClientException as exc:
                err = exc
                text = str(exc)
                transient = "Status Code 5" in text or "HTTP Status Code: 5" in text
            if not transient or attempt >= self.retries:
                if transient:
                    raise PrometheusError("Prometheus at %s is unreachable after %d attempts: %s (check "
                                          "prometheus_url and that the server is up)"
                                          % (self.url, attempt + 1, err), "prometheus_url")
                raise PrometheusError("Prometheus at %s rejected the query: %s" % (self.url, err), "query")
            self._sleep(min(10.0, 0.5 * (2 ** attempt)) * (0.5 + random.random() / 2))
            attempt += 1

    def query_range(self, query, start, end, step):
        """Points ``[(epoch, value), ...]`` of the single series ``query`` returns over [start, end].

        Raises PrometheusError when the query returns no series or more than one.
        """
        step = int(step)
        if step <= 0:
            raise PrometheusError("step must be positive", "step")
        by_series = {}
        for lo, hi in chunks(float(start), float(end), step):
            result = self._call(self._conn.custom_query_range, query=query,
                                start_time=datetime.fromtimestamp(lo, tz=timezone.utc),
                                end_time=datetime.fromtimestamp(hi, tz=timezone.utc),
                                step=str(step))
            for item in result or []:
                key = tuple(sorted((item.get("metric") or {}).items()))
                by_series.setdefault(key, []).extend(item.get("values") or [])
        if not by_series:
            raise PrometheusError("query %r returned no series over the range: check the metric name and "
                                  "labels, and that the history exists" % query, "query")
        if len(by_series) > 1:
            labels = [dict(k) for k in list(by_series)[:3]]
            raise PrometheusError("query %r returned %d series (e.g. %s); one is expected: aggregate it, e.g. "
                                  "sum(...) or sum by () (...)" % (query, len(by_series), labels), "query")
        return dedupe_points(next(iter(by_series.values())))
