# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real DNS, polled: when does a name stop answering with the failed region?

On a real account the drill lets Route 53's health checkers detect the fault; this client polls the
name through the controller's resolver (``socket.getaddrinfo``, as a user's program resolves it,
caches included) until its answer no longer holds any of the primary's addresses. The time that
happens is the measured end of the DNS path of RTO as users see it (``drill/rto.py``). moto serves
no DNS, so this is not exercised on the local stack; its unit tests fake the resolver.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import time

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

_FAMILIES = {"A": socket.AF_INET, "AAAA": socket.AF_INET6}


class DnsWatchError(MeridianError):
    """The name could not be watched; ``field`` names the option to fix."""


def system_resolve(name, rtype):
    """The addresses the controller's resolver gives for ``name`` (type A or AAAA), sorted."""
    infos = socket.getaddrinfo(name, None, _FAMILIES[rtype], socket.SOCK_STREAM)
    return sorted(set(info[4][0] for info in infos))


class DnsWatcher(object):
    """Polls a name; ``resolve(name, rtype)`` returns its addresses or raises ``OSError``
    (``socket.gaierror`` included) when the resolver gives none."""

    def __init__(self, resolve=None, clock=None, sleep=None):
        self._resolve = resolve or system_resolve
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep

    def answer(self, name, rtype):
        """The current answer, or DnsWatchError naming ``name`` when there is none."""
        _check_type(rtype)
        try:
            return sorted(self._resolve(name, rtype))
        except OSError as err:
            raise DnsWatchError("name", "%s %s does not resolve from this controller: %s" % (name, rtype, err))

    def wait_until_away(self, name, rtype, away_from, timeout, interval=1.0):
        """Poll until ``name`` answers with addresses none of which is in ``away_from``.

        Returns ``{changed_at, answer, polls, failed_polls, first_error, seconds}`` (epoch seconds;
        ``seconds`` from the first poll). A failed lookup counts as a poll and the watch goes on (a
        resolver may fail while Route 53 changes the answer). DnsWatchError naming ``timeout`` when
        the answer still holds a primary address after ``timeout`` seconds.
        """
        _check_type(rtype)
        away = set(away_from or [])
        if not away:
            raise DnsWatchError("away_from", "give the failed region's addresses to watch the answer move away from")
        if not 0 < interval <= timeout:
            raise DnsWatchError("interval", "must be seconds in (0, timeout], got %r" % (interval,))
        start = self._clock()
        deadline = start + timeout
        polls, failed, first_error, last = 0, 0, None, None
        while True:
            now = self._clock()
            polls += 1
            try:
                last = sorted(self._resolve(name, rtype))
            except OSError as err:
                failed += 1
                first_error = first_error or str(err)
                last = None
            if last and not away.intersection(last):
                return {"changed_at": now, "answer": last, "polls": polls, "failed_polls": failed,
                        "first_error": first_error, "seconds": round(now - start, 3)}
            if now + interval > deadline:
                raise DnsWatchError("timeout", "%s %s still answered %s after %s s (%d polls, %d failed%s); Route 53 may not have "
                                    "detected the fault: check the primary's health check, or raise timeout"
                                    % (name, rtype, last if last is not None else "nothing", timeout, polls, failed,
                                       ", first error: %s" % first_error if first_error else ""))
            self._sleep(max(0.0, min(interval, deadline - self._clock())))


def _check_type(rtype):
    if rtype not in _FAMILIES:
        raise DnsWatchError("type", "must be A or AAAA (the failover name's address records), got %r" % (rtype,))
