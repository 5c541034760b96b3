# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which phases a drill run performs: the mode's phases, less those already done, up to a stop.

Pure: the role passes its mode, the phases its saved state (in the estate: dr_state) records as done, and
``dr_failover_stop_after``; ``plan_phases`` returns the ordered phases to run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError

# The phases of each mode, in order. The report is written by every run and is not a phase here.
MODES = {
    "full": ["preflight", "markers", "inject", "recover", "measure", "failback"],
    "gameday": ["preflight", "markers", "inject", "recover", "measure"],
    "readiness": ["preflight"],
    "resume": ["recover", "measure", "failback"],
    "rollback": ["failback"],
}
# Phases a run may stop after on purpose, as an interruption would (the drill keeps its lock and state).
STOP_AFTER = ("inject", "recover", "measure")


def plan_phases(mode, done=None, stop_after=""):
    """The phases this run performs, in order.

    ``mode`` is a key of ``MODES``; ``done`` the names of the phases an interrupted drill already
    finished (its saved state), skipped here; ``stop_after`` (empty: none) one of ``STOP_AFTER``, the
    last phase run. Raises DrillError naming ``dr_failover_mode`` or ``dr_failover_stop_after``
    when the mode is unknown, or the stop is not a phase this run would perform.
    """
    if mode not in MODES:
        raise DrillError("dr_failover_mode", "unknown mode %r; use one of %s" % (mode, ", ".join(sorted(MODES))))
    if done is None:
        done = []
    if not isinstance(done, (list, tuple)) or not all(isinstance(name, str) for name in done):
        raise DrillError("done", "expected a list of phase names, got %r" % (done,))
    stop_after = stop_after or ""
    if stop_after and stop_after not in STOP_AFTER:
        raise DrillError("dr_failover_stop_after", "%r is not a phase a drill can stop after; use one of %s, or empty to "
                                                   "run every phase" % (stop_after, ", ".join(STOP_AFTER)))
    todo = [phase for phase in MODES[mode] if phase not in done]
    if not stop_after:
        return todo
    if stop_after not in MODES[mode]:
        raise DrillError("dr_failover_stop_after", "mode %s has no phase %s (its phases: %s); drop dr_failover_stop_after "
                                                   "or use a mode that runs %s"
                         % (mode, stop_after, ", ".join(MODES[mode]), stop_after))
    if stop_after not in todo:
        raise DrillError("dr_failover_stop_after", "phase %s is already done in this drill (done: %s); drop "
                                                   "dr_failover_stop_after or stop after one of %s"
                         % (stop_after, ", ".join(done), ", ".join(p for p in todo if p in STOP_AFTER) or "none"))
    return todo[:todo.index(stop_after) + 1]
