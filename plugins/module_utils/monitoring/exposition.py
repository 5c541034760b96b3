# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus text exposition (format 0.0.4): the one writer of samples for every Pushgateway push.

The scaling job's decisions (``forecast.exposition``) and the drill's failover declaration
(``drill.declaration``) are both written with these helpers, so that label escaping and number
formatting have one home.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math


def label_value(value):
    """A label value escaped as the text format requires (backslash, newline, double quote)."""
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def sample(name, labels, value):
    """One sample line: ``name{k="v",...} value`` with the labels sorted by name."""
    text = ",".join('%s="%s"' % (k, label_value(v)) for k, v in sorted(labels.items()))
    return "%s{%s} %s" % (name, text, repr(float(value)))


def number(value):
    """``value`` as a finite float, or None (missing, not a number, NaN or infinite)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) or math.isinf(result) else result


def gauges(help_texts, samples):
    """The exposition text of gauge families: HELP and TYPE lines, then the family's samples.

    ``help_texts`` is a sequence of (metric, help) in output order; ``samples`` maps a metric to its
    sample lines. Families without samples are left out; the empty string when none has any.
    """
    lines = []
    for name, text in help_texts:
        if samples.get(name):
            lines.extend(["# HELP %s %s" % (name, text), "# TYPE %s gauge" % name])
            lines.extend(samples[name])
    return "\n".join(lines) + "\n" if lines else ""
