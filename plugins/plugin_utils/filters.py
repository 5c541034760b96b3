# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error wrapper of the collection's filters (controller side).

A filter calls pure code from ``module_utils``; that code raises a ``MeridianError`` (or a
``ValueError``) naming the field. ``filter_errors`` turns it into one ``AnsibleFilterError``
``"<filter>: <field>: <message>"``, so a failed template says which filter, which input and what to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible.errors import AnsibleFilterError


def filter_error(name, err, field=None, expected=None):
    """The ``AnsibleFilterError`` of filter ``name`` for ``err``.

    A ``MeridianError`` carries its own field; for any other error ``field`` names the filter's input
    at fault and ``expected`` says what that input should be. The text ends with ``err``'s own, which
    ansible-core (2.19 on) would otherwise append when the error is raised ``from err``.
    """
    if getattr(err, "field", None) is not None or field is None:
        text = str(err)
    elif expected:
        text = "%s: must be %s: %s" % (field, expected, err)
    else:
        text = "%s: %s" % (field, err)
    return AnsibleFilterError("%s: %s" % (name, text))


def filter_errors(field=None, shape=(), expected=None, name=None):
    """Decorator for a filter function.

    ``MeridianError`` and ``ValueError`` always become an ``AnsibleFilterError`` (see
    ``filter_error``); so do the exception classes in ``shape`` (``KeyError``, ``TypeError``, ...),
    raised when the input ``field`` does not have the shape the pure code reads (``expected``).
    ``name`` is the filter's name when it differs from the function's.
    """
    catch = (ValueError,) + tuple(shape)

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except catch as err:
                raise filter_error(name or func.__name__, err, field, expected) from err
        return run
    return decorate
