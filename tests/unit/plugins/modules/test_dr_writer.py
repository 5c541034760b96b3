# -*- coding: utf-8 -*-
"""dr_writer's loop against a scripted failover answer, fake databases and a fake clock: the pace,
the region each marker went to, what is recorded when a write is refused or a server is down."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

psycopg = pytest.importorskip("psycopg")

from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError  # noqa: E402
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.writer import (  # noqa: E402
    check_settings,
    summarize,
)
from ansible_collections.meridian.global_infra.plugins.modules import dr_writer  # noqa: E402


class Clock:
    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class Db:
    """One region's server: refuses writes while ``read_only``, refuses connections while ``down``."""

    def __init__(self):
        self.down = False
        self.read_only = False
        self.rows = []
        self.connects = 0


class Conn:
    def __init__(self, db):
        self.db = db
        self.closed = False

    def execute(self, sql, args=None):
        if self.db.down:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        if self.db.read_only:
            raise psycopg.errors.ReadOnlySqlTransaction("cannot execute INSERT in a read-only transaction")
        assert sql.startswith("INSERT INTO meridian_dr_markers (drill_id, seq)")
        self.db.rows.append(args)

    def close(self):
        self.closed = True


@pytest.fixture
def world(monkeypatch):
    dbs = {"us-east-1": Db(), "eu-west-1": Db()}
    ports = {5433: "us-east-1", 5434: "eu-west-1"}
    clock = Clock()
    script = []  # (from time, role): the answer Route 53 gives from that time on

    def connect(**kwargs):
        db = dbs[ports[kwargs["port"]]]
        if db.down:
            raise psycopg.OperationalError("connection refused")
        db.connects += 1
        return Conn(db)

    def resolve(client, zone, record, rtype):
        role = [r for at, r in script if at <= clock.now][-1]
        return {"role": role}

    monkeypatch.setattr(psycopg, "connect", connect)
    monkeypatch.setattr(dr_writer, "resolve", resolve)
    return dbs, clock, script


def _params(**kw):
    p = dict(zone="local.test", record="primary.local.test", type="A", user="postgres", password="pw",
             database="postgres", drill_id="d1", first_seq=51, rate=10.0, duration=2.0, resolve_every=0.5, settle=0.0,
             connect_timeout=2, failover_regions={"PRIMARY": "us-east-1", "SECONDARY": "eu-west-1"},
             databases={"us-east-1": {"host": "127.0.0.1", "port": 5433}, "eu-west-1": {"host": "127.0.0.1", "port": 5434}})
    p.update(kw)
    return p


def test_a_steady_pace_to_the_answered_region(world):
    dbs, clock, script = world
    script.append((0, "PRIMARY"))
    out = dr_writer.write(_params(), None, clock=clock.time, sleep=clock.sleep)
    # 2 s at 10/s: attempts at 0, 0.1, ... 2.0 (21), all acknowledged by the primary, in order
    assert [a["seq"] for a in out["acknowledged"]] == list(range(51, 72))
    assert {a["region"] for a in out["acknowledged"]} == {"us-east-1"} and out["failed"] == []
    assert out["acknowledged"][1]["acked_at"] - out["acknowledged"][0]["acked_at"] == pytest.approx(0.1)
    assert dbs["us-east-1"].rows[0] == ("d1", 51) and dbs["us-east-1"].connects == 1


def test_through_a_failover_the_fault_the_refusals_and_the_standby(world):
    dbs, clock, script = world
    script.extend([(0, "PRIMARY"), (1000.5, "SECONDARY")])
    dbs["eu-west-1"].read_only = True

    class Fault:
        """At 1000.3 the primary crashes; at 1001.0 the standby is promoted."""

        def __call__(self, seconds):
            clock.now += seconds
            dbs["us-east-1"].down = clock.now >= 1000.3
            dbs["eu-west-1"].read_only = clock.now < 1001.0

    out = dr_writer.write(_params(), None, clock=clock.time, sleep=Fault())
    acked = [(a["seq"], a["region"]) for a in out["acknowledged"]]
    assert acked[:3] == [(51, "us-east-1"), (52, "us-east-1"), (53, "us-east-1")]
    assert all(r == "eu-west-1" for s, r in acked[3:]) and acked[3][0] == 61   # first write after promotion
    errors = [(f["seq"], f["region"], f["error"]) for f in out["failed"]]
    # the crashed primary: its open connection breaks, then a new one is refused
    assert errors[0] == (54, "us-east-1", "server closed the connection unexpectedly")
    assert errors[1][:2] == (55, "us-east-1") and errors[1][2].startswith(
        "host: cannot connect to PostgreSQL at 127.0.0.1:5433 as postgres: connection refused")
    assert (56, "eu-west-1", "cannot execute INSERT in a read-only transaction") in errors  # the answer moved
    assert len(out["acknowledged"]) + len(out["failed"]) == 21
    summary = out["summary"]
    assert summary["regions"]["us-east-1"]["acknowledged"] == 3 and summary["regions"]["eu-west-1"]["first_ack"] == 1001.0
    assert summary["longest_gap_seconds"] == pytest.approx(0.8)
    assert summary["regions"]["us-east-1"]["first_error"] == "server closed the connection unexpectedly"


def test_settle_stops_soon_after_users_write_in_the_standby_region(world):
    dbs, clock, script = world
    script.extend([(0, "PRIMARY"), (1000.5, "SECONDARY")])
    out = dr_writer.write(_params(duration=60.0, settle=0.3), None, clock=clock.time, sleep=clock.sleep)
    standby = [a["acked_at"] for a in out["acknowledged"] if a["region"] == "eu-west-1"]
    # the first standby ack at 1000.5, then 0.3 s more (1000.6, 1000.7, 1000.8), not 60 s
    assert standby == pytest.approx([1000.5, 1000.6, 1000.7, 1000.8])


def test_an_unresolvable_name_is_a_failed_attempt_without_a_region(world, monkeypatch):
    dbs, clock, script = world

    def broken(client, zone, record, rtype):
        raise DrillError("zone", "public hosted zone local.test. not found")

    monkeypatch.setattr(dr_writer, "resolve", broken)
    out = dr_writer.write(_params(duration=0.2), None, clock=clock.time, sleep=clock.sleep)
    assert out["acknowledged"] == [] and [f["region"] for f in out["failed"]] == ["", "", ""]
    assert out["failed"][0]["error"] == "resolve: zone: public hosted zone local.test. not found"


@pytest.mark.parametrize("kw, field", [
    ({"rate": 0}, "rate"), ({"rate": 500}, "rate"), ({"duration": 0}, "duration"), ({"duration": 1000}, "duration"),
    ({"first_seq": 0}, "first_seq"), ({"failover_regions": {"PRIMARY": "us-east-1"}}, "failover_regions"),
    ({"databases": {"us-east-1": {"host": "h"}}}, "databases"),
])
def test_settings_that_cannot_work_name_their_option(kw, field):
    p = _params(**kw)
    with pytest.raises(DrillError) as err:
        check_settings(p["rate"], p["duration"], p["first_seq"], p["failover_regions"], p["databases"])
    assert err.value.field == field


def test_summary_of_nothing():
    assert summarize([], []) == {"regions": {}, "acknowledged": 0, "failed": 0, "longest_gap_seconds": 0.0}
