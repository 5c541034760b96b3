# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.validate import integer


class _Own(MeridianError):
    pass


@pytest.mark.parametrize("value, expected", [(3, 3), ("3", 3), (3.0, 3), (0, 0)])
def test_whole_numbers_pass(value, expected):
    assert integer(value, "f", 0, 10) == expected


@pytest.mark.parametrize("value, text", [
    (True, "expected an integer"), (None, "expected an integer"), ("x", "expected an integer"),
    (2.5, "expected a whole number"), (11, "out of range [0, 10]"), (-1, "out of range"),
])
def test_bad_values_raise_the_callers_error_naming_the_field(value, text):
    with pytest.raises(_Own) as err:
        integer(value, "capacity.min", 0, 10, error=_Own)
    assert err.value.field == "capacity.min" and text in str(err.value)
