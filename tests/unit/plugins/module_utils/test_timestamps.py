# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.timestamps import parse_epoch


@pytest.mark.parametrize("value, expected", [
    (1700000000, 1700000000.0),
    ("1700000000.5", 1700000000.5),
    ("2023-11-14T22:13:20Z", 1700000000.0),
    ("2023-11-14T23:13:20+01:00", 1700000000.0),
    ("2023-11-14T22:13:20", 1700000000.0),  # naive: UTC
    (datetime.datetime(2023, 11, 14, 22, 13, 20), 1700000000.0),
])
def test_accepted_forms(value, expected):
    assert parse_epoch(value) == expected


@pytest.mark.parametrize("value", ["yesterday", None, True, [1]])
def test_rejected_forms_say_what_is_expected(value):
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_epoch(value)
