"""The helper every module uses to report a collection error: one ``fail_json`` naming the field."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def fail_on_error(module, err, note=None, **extra):
    """Fail the module with ``err``'s message; ``field`` is returned too when the error names one.

    ``err`` is a ``MeridianError`` (or any exception: its text is the message); ``note`` is appended
    in brackets (for example "nothing was changed"). ``extra`` is returned alongside (for example
    the decisions computed before the failure).
    """
    result = dict(extra)
    field = getattr(err, "field", None)
    if field:
        result["field"] = field
    msg = str(err) if not note else "%s (%s)" % (err, note)
    module.fail_json(msg=msg, **result)
