# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of single inventory values, raising the caller's error class with the field to fix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError


def integer(value, field, low, high=None, error=MeridianError):
    """``value`` as an int in ``[low, high]``: whole numbers only (``"3"`` and ``3.0`` pass, ``True``
    and ``2.5`` do not). Raises ``error(field, message)``."""
    if isinstance(value, bool) or value is None:
        raise error(field, "expected an integer, got %r" % (value,))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise error(field, "expected an integer, got %r" % (value,))
    if isinstance(value, float) and number != value:
        raise error(field, "expected a whole number, got %r" % (value,))
    if number < low or (high is not None and number > high):
        raise error(field, "%d is out of range [%s, %s]" % (number, low, "" if high is None else high))
    return number
