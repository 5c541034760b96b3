# -*- coding: utf-8 -*-
"""dr_dns_watch against a faked resolver (moto serves no DNS): what it watches and when it ends."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.clients import dns_watch
from ansible_collections.meridian.global_infra.plugins.modules import dr_dns_watch
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import (
    ModuleFail,
    patch_exits,
    run_module,
)

NAMES = {
    "primary-lb.us-east-1.elb.amazonaws.com": [["192.0.2.10"]],
    # the failover name: two polls with the primary's address, then the standby's
    "primary.example.com": [["192.0.2.10"], ["192.0.2.10"], ["198.51.100.20"]],
}


@pytest.fixture
def fake_dns(monkeypatch):
    patch_exits(monkeypatch)
    answers = {name: list(script) for name, script in NAMES.items()}
    clock = {"now": 2000.0}
    asked = []

    def getaddrinfo(name, port, family, kind):
        asked.append(name)
        if name not in answers:
            raise socket.gaierror(-2, "Name or service not known")
        script = answers[name]
        addresses = script.pop(0) if len(script) > 1 else script[0]
        return [(family, kind, 6, "", (a, 0)) for a in addresses]

    monkeypatch.setattr(dns_watch.socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(dns_watch.time, "time", lambda: clock["now"])
    monkeypatch.setattr(dns_watch.time, "sleep", lambda s: clock.update(now=clock["now"] + s))
    return asked


def test_it_resolves_the_failed_name_then_waits_for_the_answer_to_move_away(fake_dns):
    result = run_module(dr_dns_watch, {"name": "primary.example.com", "away_from_name": "primary-lb.us-east-1.elb.amazonaws.com",
                                       "interval": 5, "timeout": 60}).result
    assert result["away_from"] == ["192.0.2.10"]
    assert (result["answer"], result["polls"], result["seconds"], result["changed_at"]) == (["198.51.100.20"], 3, 10.0, 2010.0)
    assert result["changed"] is False
    assert fake_dns == ["primary-lb.us-east-1.elb.amazonaws.com"] + ["primary.example.com"] * 3


def test_check_mode_watches_too(fake_dns):
    result = run_module(dr_dns_watch, {"name": "primary.example.com", "away_from": ["192.0.2.10"], "interval": 1}, check=True).result
    assert result["answer"] == ["198.51.100.20"]


def test_a_failed_name_that_does_not_resolve_fails_naming_the_option(fake_dns):
    err = run_module(dr_dns_watch, {"name": "primary.example.com", "away_from_name": "gone.example.com"})
    assert isinstance(err, ModuleFail)
    assert err.result["field"] == "away_from_name"
    assert fake_dns == ["gone.example.com"]


def test_one_of_the_failed_region_options_is_required(fake_dns):
    err = run_module(dr_dns_watch, {"name": "primary.example.com"})
    assert isinstance(err, ModuleFail)
    assert "away_from" in err.result["msg"] and fake_dns == []


def test_a_bad_timeout_fails_before_any_lookup(fake_dns):
    err = run_module(dr_dns_watch, {"name": "primary.example.com", "away_from": ["192.0.2.10"], "timeout": 0})
    assert isinstance(err, ModuleFail)
    assert err.result["field"] == "timeout" and fake_dns == []
