"""The helper every module uses to report a collection error: one ``fail_json`` naming the field."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def fail_on_error(module, err, **extra):
    """Fail the module with ``err``'s message; ``field`` is returned too when the error names one.

    ``err`` is a ``MeridianError`` (or any exception: its text is the message). ``extra`` is returned
    alongside (for example the decisions computed before the failure).
    """
    result = dict(extra)
    field = getattr(err, "field", None)
    if field:
        result["field"] = field
    module.fail_json(msg=str(err), **result)
