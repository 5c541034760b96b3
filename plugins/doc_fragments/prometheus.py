# -*- coding: utf-8 -*-
# Copyright: (c) 2025, Meridian Platform Team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options shared by modules that read Prometheus (action group meridian.global_infra.prometheus).
    DOCUMENTATION = r"""
options:
  prometheus_url:
    description:
      - Base URL of the Prometheus HTTP API, for example V(http://127.0.0.1:9090).
      - Falls back to the E(PROMETHEUS_URL) environment variable.
      - Required when any dimension reads a O(services[].dimensions[].query).
    type: str
  prometheus_headers:
    description:
      - Extra HTTP headers sent with every query, for example an C(Authorization) bearer token.
    type: dict
  prometheus_validate_certs:
    description:
      - Verify the server's TLS certificate.
    type: bool
    default: true
  prometheus_timeout:
    description:
      - Seconds to wait for one HTTP answer.
    type: float
    default: 30.0
  prometheus_retries:
    description:
      - How many times a query is retried after a connection error, a timeout or a 5xx answer,
        with jittered exponential backoff.
    type: int
    default: 3
requirements:
  - prometheus-api-client
"""
