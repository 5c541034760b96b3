# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plain_copy, and the pure code that copies what filters pass it without ``copy.deepcopy``.

On the controller a filter's input is a lazy container of ansible-core whose ``__deepcopy__`` copies
the whole templar (every variable of the play); ``NoDeepcopyDict`` stands for it: deep-copying it fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.data import plain_copy
from ansible_collections.meridian.global_infra.plugins.module_utils.services.catalogue import catalogue


class NoDeepcopyDict(dict):
    def __deepcopy__(self, memo):
        raise AssertionError("deepcopy of a lazy container")


class NoDeepcopyList(list):
    def __deepcopy__(self, memo):
        raise AssertionError("deepcopy of a lazy container")


def _lazy(value):
    if isinstance(value, dict):
        return NoDeepcopyDict((k, _lazy(v)) for k, v in value.items())
    if isinstance(value, list):
        return NoDeepcopyList(_lazy(v) for v in value)
    return value


def test_the_stand_in_fails_deepcopy():
    with pytest.raises(AssertionError):
        copy.deepcopy(_lazy({"a": [1]}))


def test_plain_copy_makes_plain_containers_and_shares_nothing():
    source = _lazy({"a": [{"b": 1}, (2, 3)], "c": "text", "d": None})
    out = plain_copy(source)
    assert out == {"a": [{"b": 1}, [2, 3]], "c": "text", "d": None}
    assert out.__class__ is dict and out["a"].__class__ is list and out["a"][0].__class__ is dict
    out["a"][0]["b"] = 9
    out["a"].append(4)
    assert source["a"][0]["b"] == 1 and len(source["a"]) == 2


def test_the_catalogue_does_not_deepcopy_its_input():
    services = _lazy([{
        "name": "web", "port": 8080, "health_path": "/healthz", "data_class": "operational",
        "capacity": {"min": 1, "max": 4, "initial": 2},
        "scaling": {"strategy": "hybrid",
                    "dimensions": [{"name": "requests", "query": "sum(rate(http_requests_total[5m]))", "unit_capacity": 100}],
                    "cost": {"instance_types": ["t3.small", "t3a.small"], "spot_share": 0.5},
                    "schedules": [{"cron": "0 8 * * 1-5", "time_zone": "Europe/Berlin", "min": 2}]},
        "aws": {"instance_type": "t3.small"},
    }])
    out = catalogue(services, "meridian", "test", ("aws",))
    assert [s["name"] for s in out] == ["web"]
    scaling = out[0]["scaling"]
    assert scaling["cost"].__class__ is dict and scaling["cost"]["spot_share"] == 0.5
    assert scaling["dimensions"][0].__class__ is dict and scaling["dimensions"][0]["unit_capacity"] == 100
    assert [s["cron"] for s in scaling["schedules"]] == ["0 8 * * 1-5"]
    scaling["dimensions"][0]["unit_capacity"] = 1
    assert services[0]["scaling"]["dimensions"][0]["unit_capacity"] == 100
