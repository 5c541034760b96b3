"""The one error base of the collection.

Every error raised on purpose by the pure packages and the clients is a ``MeridianError``: it carries
``field`` (the option, inventory variable or decision key to fix, or ``None`` when no single input is
at fault) and ``message`` (what is wrong and what to do). Modules turn it into one ``fail_json`` with
``common.module.fail_on_error``; filters into one ``AnsibleFilterError``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class MeridianError(ValueError):
    """An input or a backend answer the collection cannot work with.

    ``str(err)`` is ``"<field>: <message>"`` when ``prefix`` is true and a field is known, the bare
    message otherwise (for messages that already name their field).
    """

    def __init__(self, field, message, prefix=True):
        self.field = field
        self.message = message
        text = "%s: %s" % (field, message) if (prefix and field) else message
        super(MeridianError, self).__init__(text)
