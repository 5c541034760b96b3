# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copies of the plain data (dicts, lists, scalars) that filters and modules pass to the pure code.

``copy.deepcopy`` is the wrong tool on the controller: a mapping a filter receives from a template is a
lazy container of ansible-core (2.19 on) whose ``__deepcopy__`` copies its templar with every variable
of the play, seconds of CPU per call on a real inventory. ``plain_copy`` walks the data item by item
instead: dicts (lazy or not) become new ``dict``, lists and tuples new ``list``; strings, numbers,
booleans and ``None`` are immutable and kept as they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def plain_copy(value):
    """A copy of nested dicts and lists made of new plain dicts and lists (no object shared with ``value``)."""
    if isinstance(value, dict):
        return dict((k, plain_copy(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_copy(v) for v in value]
    return value
