# -*- coding: utf-8 -*-
"""dr_markers against a fake psycopg connection: a small in-memory server that answers the
module's SQL (role, fence, marker table) and records every statement. No PostgreSQL is started."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

psycopg = pytest.importorskip("psycopg")

from ansible_collections.meridian.global_infra.plugins.modules import dr_markers  # noqa: E402
from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import ModuleFail, run_module  # noqa: E402


class FakeCursor:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)


class FakeServer:
    """What the module can see of one PostgreSQL server."""

    def __init__(self, role="primary", fenced=False, markers=None, table=True, promote_ok=True, lag=0.0, fail_on=None):
        self.in_recovery = role == "standby"
        self.fenced = fenced
        self.pending_fence = fenced
        self.table = table or bool(markers)
        self.markers = dict((k, sorted(v)) for k, v in (markers or {}).items())
        self.promote_ok = promote_ok
        self.lag = lag
        self.fail_on = fail_on
        self.statements = []
        self.connects = []

    def writes(self):
        words = ("CREATE", "INSERT", "DELETE", "ALTER", "pg_promote", "CHECKPOINT", "pg_reload_conf")
        return [s for s, _args in self.statements if any(w in s for w in words)]

    def connect(self, **kwargs):
        self.connects.append(kwargs)
        return FakeConnection(self)

    def execute(self, sql, args):
        self.statements.append((sql, args))
        if self.fail_on and self.fail_on in sql:
            raise psycopg.errors.InsufficientPrivilege("permission denied to " + self.fail_on)
        if sql == "SELECT pg_is_in_recovery()":
            return [(self.in_recovery,)]
        if sql.startswith("SELECT current_setting('default_transaction_read_only')"):
            return [(self.fenced,)]
        if "pg_last_wal_receive_lsn()" in sql:
            return [(self.lag,)]
        if "pg_stat_wal_receiver" in sql:
            return [(1,)]
        if "FROM pg_stat_replication" in sql:
            return [("eu-west-1", "streaming", "sync", 0.0012)]
        if sql.startswith("SELECT to_regclass("):
            assert args == ("public.meridian_dr_markers",)
            return [(self.table,)]
        if sql.startswith("SELECT seq FROM meridian_dr_markers WHERE drill_id = %s ORDER BY seq"):
            return [(s,) for s in self.markers.get(args[0], [])]
        if sql.startswith("CREATE TABLE IF NOT EXISTS meridian_dr_markers"):
            self.table = True
            return []
        if sql.startswith("INSERT INTO meridian_dr_markers (drill_id, seq) VALUES (%s, %s)"):
            assert self.table and not self.in_recovery and not self.fenced
            assert args[1] not in self.markers.get(args[0], []), "duplicate key"
            self.markers.setdefault(args[0], []).append(args[1])
            return []
        if sql.startswith("DELETE FROM meridian_dr_markers WHERE drill_id = %s"):
            self.markers.pop(args[0], None)
            return []
        if sql == "SELECT pg_promote(true, %s)":
            if self.promote_ok:
                self.in_recovery = False
            return [(self.promote_ok,)]
        if sql == "CHECKPOINT":
            return []
        if sql == "ALTER SYSTEM SET synchronous_standby_names = ''":
            self.sync_names_cleared = True
            return []
        if sql == "ALTER SYSTEM SET default_transaction_read_only = on":
            self.pending_fence = True
            return []
        if sql == "ALTER SYSTEM RESET default_transaction_read_only":
            self.pending_fence = False
            return []
        if sql == "BEGIN READ WRITE":
            # a read-only default does not stop it; recovery does
            if self.in_recovery:
                raise psycopg.errors.ReadOnlySqlTransaction("cannot set transaction read-write mode during recovery")
            self.in_transaction = True
            return []
        if sql.startswith("CREATE TABLE IF NOT EXISTS meridian_dr_fence_probe") or sql.startswith(
                "INSERT INTO meridian_dr_fence_probe"):
            assert getattr(self, "in_transaction", False)
            self.probe_writes = getattr(self, "probe_writes", 0) + 1
            return []
        if sql == "ROLLBACK":
            self.in_transaction = False
            self.rolled_back = getattr(self, "rolled_back", 0) + 1
            return []
        if sql == "SELECT pg_reload_conf()":
            self.fenced = self.pending_fence
            return [(True,)]
        raise AssertionError("unexpected SQL: %s" % sql)


class FakeConnection:
    def __init__(self, server):
        self.server = server

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, args=None):
        return FakeCursor(self.server.execute(sql, args))


@pytest.fixture
def server(monkeypatch):
    box = {}

    def connect(**kwargs):
        return box["server"].connect(**kwargs)

    monkeypatch.setattr(dr_markers.psycopg, "connect", connect)
    monkeypatch.setattr(dr_markers.time, "sleep", lambda s: None)

    def use(**kwargs):
        box["server"] = FakeServer(**kwargs)
        return box["server"]
    return use


def run(action, check=False, diff=True, **args):
    return run_module(dr_markers, dict(dict(action=action, interval=0), **args), check=check, diff=diff)


def _ok(outcome):
    assert not isinstance(outcome, ModuleFail), outcome.result
    return outcome.result


# --------------------------------------------------------------------------------------------
# write / read / purge
# --------------------------------------------------------------------------------------------

def test_write_continues_after_the_highest_marker_one_commit_each(server):
    pg = server(markers={"d1": [1, 2], "other": [1, 2, 3, 4, 5]})
    result = _ok(run("write", drill_id="d1", count=3, host="db.example", port=6432, password="s3cret"))
    assert result["changed"] is True
    assert [a["seq"] for a in result["acknowledged"]] == [3, 4, 5]
    times = [a["acked_at"] for a in result["acknowledged"]]
    assert times == sorted(times)
    assert pg.markers["d1"] == [1, 2, 3, 4, 5] and pg.markers["other"] == [1, 2, 3, 4, 5]
    inserts = [args for sql, args in pg.statements if sql.startswith("INSERT")]
    assert inserts == [("d1", 3), ("d1", 4), ("d1", 5)]
    [kwargs] = pg.connects
    assert (kwargs["host"], kwargs["port"], kwargs["password"], kwargs["autocommit"]) == ("db.example", 6432, "s3cret", True)


def test_write_creates_the_table_on_a_fresh_primary(server):
    pg = server(table=False)
    result = _ok(run("write", drill_id="d1", count=2))
    assert [a["seq"] for a in result["acknowledged"]] == [1, 2]
    assert pg.writes()[0].startswith("CREATE TABLE IF NOT EXISTS meridian_dr_markers")
    assert "password" not in pg.connects[0]  # PGPASSWORD / .pgpass then


def test_write_in_check_mode_reports_a_change_and_writes_nothing(server):
    pg = server(markers={"d1": [1]})
    result = _ok(run("write", check=True, drill_id="d1", count=5))
    assert result["changed"] is True and result["acknowledged"] == []
    assert pg.writes() == [] and pg.markers == {"d1": [1]}


@pytest.mark.parametrize("state, words", [
    ({"role": "standby"}, "role standby"),
    ({"fenced": True}, "fenced True"),
])
def test_write_refuses_a_standby_or_a_fenced_primary(server, state, words):
    pg = server(**state)
    failed = run("write", drill_id="d1", count=2)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "host"
    assert "127.0.0.1:5432 is not a writable primary" in failed.result["msg"] and words in failed.result["msg"]
    assert pg.writes() == []


def test_read_counts_the_markers_present(server):
    server(role="standby", markers={"d1": [3, 1, 2, 5], "d2": [1]})
    result = _ok(run("read", drill_id="d1"))
    assert result["present"] == [1, 2, 3, 5] and result["changed"] is False
    assert result["role"] == "standby"


def test_read_without_the_table_is_empty(server):
    pg = server(table=False)
    assert _ok(run("read", drill_id="d1"))["present"] == []
    assert not any("SELECT seq" in s for s, _args in pg.statements)


def test_purge_deletes_the_drill_markers_then_is_idempotent(server):
    pg = server(markers={"d1": [1, 2], "d2": [1]})
    assert _ok(run("purge", check=True, drill_id="d1"))["changed"] is True and pg.markers["d1"] == [1, 2]
    assert _ok(run("purge", drill_id="d1"))["changed"] is True
    assert pg.markers == {"d2": [1]}
    assert _ok(run("purge", drill_id="d1"))["changed"] is False


def test_purge_on_a_standby_with_markers_fails(server):
    pg = server(role="standby", markers={"d1": [1]})
    failed = run("purge", drill_id="d1")
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "host"
    assert pg.writes() == []


# --------------------------------------------------------------------------------------------
# status / promote / fence
# --------------------------------------------------------------------------------------------

def test_status_of_a_primary_lists_its_standbys_and_of_a_standby_its_lag(server):
    server()
    primary = _ok(run("status"))
    assert (primary["role"], primary["fenced"], primary["changed"]) == ("primary", False, False)
    assert primary["standbys"] == [{"application_name": "eu-west-1", "state": "streaming", "sync_state": "sync",
                                    "replay_lag_seconds": 0.001}]
    server(role="standby", lag=1.23456)
    standby = _ok(run("status"))
    assert (standby["role"], standby["lag_seconds"], standby["receiving"]) == ("standby", 1.235, True)


def test_promote_a_standby_check_mode_then_for_real_then_idempotent(server):
    pg = server(role="standby")
    planned = _ok(run("promote", check=True))
    assert planned["changed"] is True and planned["role"] == "primary"
    assert planned["diff"] == {"before": {"fenced": False, "role": "standby"}, "after": {"fenced": False, "role": "primary"}}
    assert pg.writes() == [] and pg.in_recovery

    done = _ok(run("promote", wait_seconds=7))
    assert done["changed"] is True and done["role"] == "primary" and not pg.in_recovery
    assert ("SELECT pg_promote(true, %s)", (7,)) in pg.statements
    # alone, it must not wait for a synchronous standby
    assert pg.sync_names_cleared and pg.writes()[-1] == "SELECT pg_reload_conf()"
    assert _ok(run("promote"))["changed"] is False


def test_promotion_not_finished_in_time_fails_on_wait_seconds(server):
    server(role="standby", promote_ok=False)
    failed = run("promote", wait_seconds=3)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "wait_seconds"
    assert "within 3s" in failed.result["msg"]


def test_fence_and_unfence_are_idempotent_with_diff(server):
    pg = server()
    assert _ok(run("fence", check=True))["changed"] is True and not pg.fenced
    fenced = _ok(run("fence"))
    assert fenced["changed"] is True and fenced["fenced"] is True and pg.fenced
    assert fenced["diff"]["before"]["fenced"] is False and fenced["diff"]["after"]["fenced"] is True
    assert _ok(run("fence"))["changed"] is False
    assert _ok(run("unfence"))["changed"] is True and not pg.fenced
    assert _ok(run("unfence"))["changed"] is False


@pytest.mark.parametrize("role, fenced, accepts", [
    ("primary", False, True),
    # default_transaction_read_only is no fence: BEGIN READ WRITE still writes
    ("primary", True, True),
    ("standby", False, False),
])
def test_probe_writes_in_begin_read_write_and_always_rolls_back(server, role, fenced, accepts):
    pg = server(role=role, fenced=fenced)
    got = _ok(run("probe"))
    assert got["accepts_writes"] is accepts and got["changed"] is False
    if accepts:
        assert got["probe_error"] == "" and pg.probe_writes == 2 and pg.rolled_back == 1
    else:
        assert got["probe_error"] == "cannot set transaction read-write mode during recovery"
        assert getattr(pg, "probe_writes", 0) == 0


# --------------------------------------------------------------------------------------------
# Bad input and a failing server
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("action, args, field", [
    ("write", {}, "drill_id"),
    ("read", {"drill_id": ""}, "drill_id"),
    ("purge", {}, "drill_id"),
    ("write", {"drill_id": "d1", "count": 0}, "count"),
    ("write", {"drill_id": "d1", "interval": -1}, "interval"),
])
def test_bad_input_fails_naming_the_field_before_connecting(server, action, args, field):
    pg = server()
    failed = run(action, **args)
    assert isinstance(failed, ModuleFail)
    assert failed.result["field"] == field and failed.result["msg"].startswith(field + ": ")
    assert pg.connects == []


def test_an_unreachable_server_fails_on_host(monkeypatch):
    def refuse(**_kwargs):
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(dr_markers.psycopg, "connect", refuse)
    failed = run("status", port=5999)
    assert isinstance(failed, ModuleFail) and failed.result["field"] == "host"
    assert failed.result["msg"] == ("host: cannot connect to PostgreSQL at 127.0.0.1:5999 as postgres: connection refused; "
                                    "check host, port, user and password (or PGPASSWORD) and that the server runs")


def test_a_statement_refused_by_the_server_fails_with_the_action(server):
    server(role="standby", fail_on="pg_promote")
    failed = run("promote")
    assert isinstance(failed, ModuleFail) and "field" not in failed.result
    assert failed.result["msg"].startswith("PostgreSQL at 127.0.0.1:5432 failed during action promote: permission denied")
