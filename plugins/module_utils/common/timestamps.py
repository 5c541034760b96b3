# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timestamps as the collection accepts them: epoch seconds, numeric strings, ISO 8601, datetimes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

_UTC = datetime.timezone.utc


def parse_epoch(value):
    """Epoch seconds (float); naive times are UTC. Raises ValueError with a reason otherwise."""
    if isinstance(value, datetime.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_UTC)).timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            pass
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("%r is neither epoch seconds nor an ISO-8601 time" % (value,))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=_UTC)).timestamp()
    raise ValueError("expected a timestamp (epoch seconds or ISO-8601), got %r" % (value,))
