# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import dns_watch
from ansible_collections.meridian.global_infra.plugins.module_utils.clients.dns_watch import DnsWatcher, DnsWatchError

PRIMARY = ["192.0.2.10", "192.0.2.11"]
STANDBY = ["198.51.100.20", "198.51.100.21"]


class FakeResolver(object):
    """Answers from a script: one entry per poll (a list of addresses, or an exception), on a fake clock
    that only moves when the watcher sleeps."""

    def __init__(self, script):
        self.script = list(script)
        self.now = 1000.0
        self.sleeps = []
        self.asked = []

    def resolve(self, name, rtype):
        self.asked.append((name, rtype))
        item = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(item, Exception):
            raise item
        return list(item)

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def watcher(self):
        return DnsWatcher(resolve=self.resolve, clock=self.clock, sleep=self.sleep)


def test_the_watch_ends_at_the_first_answer_without_a_primary_address():
    fake = FakeResolver([PRIMARY, PRIMARY, [PRIMARY[0], STANDBY[0]], STANDBY])
    result = fake.watcher().wait_until_away("primary.example.com", "A", PRIMARY, timeout=60, interval=2)
    # a mixed answer (a resolver mid-change) still sends some users to the failed region: not yet away
    assert result["polls"] == 4 and result["seconds"] == 6.0
    assert result["changed_at"] == 1006.0 and result["answer"] == STANDBY
    assert fake.asked == [("primary.example.com", "A")] * 4
    assert fake.sleeps == [2, 2, 2]


def test_lookup_failures_are_counted_and_the_watch_goes_on():
    fake = FakeResolver([PRIMARY, socket.gaierror(-2, "Name or service not known"), [], STANDBY])
    result = fake.watcher().wait_until_away("primary.example.com", "A", PRIMARY, timeout=60, interval=1)
    assert (result["polls"], result["failed_polls"]) == (4, 1)
    assert "Name or service not known" in result["first_error"]
    assert result["answer"] == STANDBY


def test_an_answer_that_never_moves_fails_naming_timeout_after_the_timeout():
    fake = FakeResolver([PRIMARY])
    with pytest.raises(DnsWatchError) as err:
        fake.watcher().wait_until_away("primary.example.com", "A", PRIMARY, timeout=10, interval=3)
    assert err.value.field == "timeout"
    assert "still answered ['192.0.2.10', '192.0.2.11'] after 10 s (4 polls, 0 failed)" in str(err.value)
    assert fake.now <= 1010.0


@pytest.mark.parametrize("kwargs,field", [
    (dict(rtype="CNAME", away_from=PRIMARY, timeout=10, interval=1), "type"),
    (dict(rtype="A", away_from=[], timeout=10, interval=1), "away_from"),
    (dict(rtype="A", away_from=PRIMARY, timeout=10, interval=0), "interval"),
    (dict(rtype="A", away_from=PRIMARY, timeout=1, interval=2), "interval"),
])
def test_bad_options_fail_before_any_lookup(kwargs, field):
    fake = FakeResolver([STANDBY])
    with pytest.raises(DnsWatchError) as err:
        fake.watcher().wait_until_away("primary.example.com", **kwargs)
    assert err.value.field == field
    assert fake.asked == []


def test_answer_reports_a_name_that_does_not_resolve():
    fake = FakeResolver([socket.gaierror(-2, "Name or service not known")])
    with pytest.raises(DnsWatchError) as err:
        fake.watcher().answer("gone.example.com", "A")
    assert err.value.field == "name" and "gone.example.com A does not resolve" in str(err.value)


def test_the_system_resolver_asks_for_the_record_type_s_family(monkeypatch):
    calls = []

    def fake_getaddrinfo(name, port, family, kind):
        calls.append((name, family, kind))
        return [(family, kind, 6, "", ("192.0.2.11", 0)), (family, kind, 6, "", ("192.0.2.10", 0)),
                (family, kind, 6, "", ("192.0.2.11", 0))]

    monkeypatch.setattr(dns_watch.socket, "getaddrinfo", fake_getaddrinfo)
    assert dns_watch.system_resolve("primary.example.com", "A") == PRIMARY
    assert calls == [("primary.example.com", socket.AF_INET, socket.SOCK_STREAM)]
    dns_watch.system_resolve("primary.example.com", "AAAA")
    assert calls[-1][1] == socket.AF_INET6
