# -*- coding: utf-8 -*-
"""The local stack scripts against real servers, on ports and a state dir of the test's own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import socket
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools", "local_stack")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port):
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def stack(tmp_path):
    env = dict(os.environ, MERIDIAN_STATE_DIR=str(tmp_path / "state"),
               MERIDIAN_MOTO_PORT=str(_free_port()), MERIDIAN_PROMETHEUS_PORT=str(_free_port()))

    def run(action, *services):
        return subprocess.run([os.path.join(TOOLS, action)] + list(services), env=env,
                              capture_output=True, text=True, check=False, timeout=120)

    yield run, env
    run("stop")


def test_start_twice_reuses_and_stop_twice_is_clean(stack):
    run, env = stack
    services = ["moto", "prometheus"]
    ports = [int(env["MERIDIAN_MOTO_PORT"]), int(env["MERIDIAN_PROMETHEUS_PORT"])]

    first = run("start", *services)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count(" started ") == 2
    pids = {}
    for name in services:
        with open(os.path.join(env["MERIDIAN_STATE_DIR"], "pids", name + ".pid")) as handle:
            pids[name] = json.load(handle)["pid"]
    assert all(_listening(p) for p in ports)

    second = run("start", *services)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count(" reused ") == 2
    for name in services:
        assert "pid %d" % pids[name] in second.stdout

    assert run("status", *services).returncode == 0

    stopped = run("stop", *services)
    assert stopped.returncode == 0 and stopped.stdout.count(" stopped ") == 2
    # each server's CPU, read from /proc before it is stopped
    used = dict(re.findall(r"^(\w+)\s+stopped pid \d+ \((\d+) s of CPU\)$", stopped.stdout, re.M))
    assert sorted(used) == sorted(services), stopped.stdout
    assert not any(_listening(p) for p in ports)
    again = run("stop", *services)
    assert again.returncode == 0 and again.stdout.count("not running") == 2
    assert run("status", *services).returncode == 3


def test_start_refuses_a_port_held_by_someone_else(stack):
    run, env = stack
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", int(env["MERIDIAN_MOTO_PORT"])))
        squatter.listen(1)
        result = run("start", "moto")
    assert result.returncode == 1
    assert "already in use by a process this stack did not start" in result.stderr
    assert "MERIDIAN_MOTO_PORT" in result.stderr


def test_bad_port_variable_is_named(stack):
    run, env = stack
    env["MERIDIAN_MOTO_PORT"] = "fifty"
    result = run("start", "moto")
    assert result.returncode == 1 and "MERIDIAN_MOTO_PORT='fifty' is not a port number" in result.stderr


# --- The state dir and the PostgreSQL pair's password (tools/local_stack/statedir.py) ---------------

import importlib  # noqa: E402
import stat  # noqa: E402
import sys  # noqa: E402

import psycopg  # noqa: E402


def _tool(name):
    if TOOLS not in sys.path:
        sys.path.insert(0, TOOLS)
    return importlib.import_module(name)


@pytest.fixture
def statedir():
    return _tool("statedir")


def _as_owned_by(real_lstat, path, uid):
    """os.lstat as it would answer if `path` belonged to `uid` (st_uid replaced, all else real)."""
    def fake(name, *args, **kwargs):
        st = real_lstat(name, *args, **kwargs)
        if os.path.abspath(name) != os.path.abspath(path):
            return st
        fields = list(st)
        fields[stat.ST_UID] = uid
        return os.stat_result(fields)
    return fake


def _mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_ensure_dir_creates_private_directories_parents_included(statedir, tmp_path):
    old = os.umask(0)
    try:
        made = statedir.ensure_dir(str(tmp_path / "a" / "b" / "state"), 0o700)
    finally:
        os.umask(old)
    assert made == str(tmp_path / "a" / "b" / "state")
    assert _mode(made) == 0o700 and _mode(str(tmp_path / "a")) == 0o700


def test_ensure_dir_tightens_an_existing_directory_of_ours(statedir, tmp_path):
    path = tmp_path / "state"
    path.mkdir(mode=0o755)
    os.chmod(str(path), 0o777)
    statedir.ensure_dir(str(path), 0o700)
    assert _mode(str(path)) == 0o700


def test_ensure_dir_refuses_a_symlink_and_leaves_its_target_alone(statedir, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    os.chmod(str(target), 0o755)
    link = tmp_path / "state"
    link.symlink_to(target)
    with pytest.raises(statedir.UnsafeStateError, match="is a symlink"):
        statedir.ensure_dir(str(link), 0o700)
    assert _mode(str(target)) == 0o755 and os.path.islink(str(link))


def test_ensure_dir_refuses_a_directory_owned_by_someone_else(statedir, tmp_path, monkeypatch):
    path = tmp_path / "state"
    path.mkdir()
    os.chmod(str(path), 0o755)
    monkeypatch.setattr(statedir.os, "lstat", _as_owned_by(os.lstat, str(path), os.geteuid() + 4242))
    changed = []
    monkeypatch.setattr(statedir.os, "fchmod", lambda *a: changed.append(("fchmod",) + a))
    monkeypatch.setattr(statedir.os, "fchown", lambda *a: changed.append(("fchown",) + a))
    with pytest.raises(statedir.UnsafeStateError, match="belongs to uid %d" % (os.geteuid() + 4242)):
        statedir.ensure_dir(str(path), 0o700)
    assert changed == []  # neither mode nor owner touched


def test_ensure_dir_accepts_a_directory_already_given_to_the_servers_user(statedir, tmp_path, monkeypatch):
    path = tmp_path / "node"
    path.mkdir()
    other = os.geteuid() + 4242
    monkeypatch.setattr(statedir.os, "lstat", _as_owned_by(os.lstat, str(path), other))
    chowned = []
    monkeypatch.setattr(statedir.os, "fchown", lambda fd, uid, gid: chowned.append((uid, gid)))
    statedir.ensure_dir(str(path), 0o700, owner=(other, 4242))
    assert chowned == [(other, 4242)]  # gid differed: set through the descriptor, not the path


def test_ensure_dir_never_follows_a_symlink_swapped_in_after_the_check(statedir, tmp_path, monkeypatch):
    # lstat saw a directory; by the time the mode is changed the name is a symlink: O_NOFOLLOW refuses it.
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    os.chmod(str(target), 0o755)
    path = tmp_path / "state"
    path.symlink_to(target)
    seen = os.lstat(str(real_dir))
    real_lstat = os.lstat
    monkeypatch.setattr(statedir.os, "lstat",
                        lambda name, *a, **k: seen if os.path.abspath(name) == str(path) else real_lstat(name, *a, **k))
    with pytest.raises(statedir.UnsafeStateError, match="without following links"):
        statedir.ensure_dir(str(path), 0o700)
    assert _mode(str(target)) == 0o755


def test_files_under_a_directory_another_user_controls_are_reached_without_links(statedir, tmp_path):
    # BASE/node/data belongs to the servers' user, who could swap `data` for a link to elsewhere:
    # with trusted=BASE every directory on the way is opened with O_NOFOLLOW.
    base = tmp_path / "base"
    (base / "node").mkdir(parents=True)
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    (base / "node" / "data").symlink_to(elsewhere)
    target = str(base / "node" / "data" / "pg_hba.conf")
    with pytest.raises(statedir.UnsafeStateError, match="without following links"):
        statedir.write_file(target, "x\n", 0o600, trusted=str(base))
    with pytest.raises(statedir.UnsafeStateError, match="without following links"):
        statedir.read_file(target, trusted=str(base))
    assert os.listdir(str(elsewhere)) == []
    with pytest.raises(statedir.UnsafeStateError, match="is not under"):
        statedir.write_file(str(elsewhere / "f"), "x\n", trusted=str(base))
    (base / "node" / "data").unlink()
    (base / "node" / "data").mkdir()
    statedir.write_file(target, "ok\n", 0o600, trusted=str(base))
    assert statedir.read_file(target, trusted=str(base)) == "ok\n" and _mode(target) == 0o600
    assert sorted(os.listdir(str(base / "node" / "data"))) == ["pg_hba.conf"]  # no temporary file left


def test_write_file_replaces_a_symlink_instead_of_writing_through_it(statedir, tmp_path):
    outside = tmp_path / "outside"
    outside.write_text("keep")
    link = tmp_path / "pg_hba.conf"
    link.symlink_to(outside)
    statedir.write_file(str(link), "new\n", 0o600)
    assert outside.read_text() == "keep"
    assert not os.path.islink(str(link)) and link.read_text() == "new\n" and _mode(str(link)) == 0o600
    with pytest.raises(OSError):
        statedir.read_file(str(tmp_path / "again"))  # missing
    (tmp_path / "again").symlink_to(outside)
    with pytest.raises(OSError):
        statedir.read_file(str(tmp_path / "again"))  # O_NOFOLLOW


def test_secret_is_created_once_with_mode_0600_even_under_a_permissive_umask(statedir, tmp_path):
    path = str(tmp_path / "pg_password")
    old = os.umask(0)
    try:
        first = statedir.secret(path, create=True)
    finally:
        os.umask(old)
    assert _mode(path) == 0o600 and len(first) >= 40
    assert statedir.secret(path, create=True) == first == statedir.secret(path)


def test_secret_refuses_a_readable_a_foreign_a_symlinked_or_a_missing_file(statedir, tmp_path, monkeypatch):
    path = tmp_path / "pg_password"
    path.write_text("pw\n")
    os.chmod(str(path), 0o644)
    with pytest.raises(statedir.UnsafeStateError, match="mode 644: others may read it"):
        statedir.secret(str(path))
    os.chmod(str(path), 0o600)
    link = tmp_path / "linked"
    link.symlink_to(path)
    with pytest.raises(statedir.UnsafeStateError, match="without following links"):
        statedir.secret(str(link), create=True)
    with pytest.raises(statedir.UnsafeStateError, match="is missing: start the PostgreSQL pair"):
        statedir.secret(str(tmp_path / "none"))
    real_fstat = os.fstat

    def foreign(fd):
        fields = list(real_fstat(fd))
        fields[stat.ST_UID] = os.geteuid() + 4242
        return os.stat_result(fields)
    monkeypatch.setattr(statedir.os, "fstat", foreign)
    with pytest.raises(statedir.UnsafeStateError, match="belongs to uid %d" % (os.geteuid() + 4242)):
        statedir.secret(str(path))


def test_prometheus_runs_without_its_admin_api(tmp_path, monkeypatch):
    stack = _tool("stack")
    monkeypatch.setattr(stack, "STATE", str(tmp_path))
    monkeypatch.setattr(stack, "_binary", lambda names, hint: "/bin/" + names[0])
    cmd = stack._prometheus_cmd(stack.SERVICES["prometheus"], 9999)
    assert "--web.enable-lifecycle" in cmd  # the monitoring role's /-/reload
    assert not [arg for arg in cmd if "admin" in arg]
    assert _mode(str(tmp_path / "prometheus")) == 0o700


def test_start_refuses_a_symlinked_state_dir(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "state"
    link.symlink_to(target)
    env = dict(os.environ, MERIDIAN_STATE_DIR=str(link), MERIDIAN_MOTO_PORT=str(_free_port()))
    for script in (["stack.py", "start", "moto"], ["pg_pair.py", "status"]):
        result = subprocess.run([sys.executable, os.path.join(TOOLS, script[0])] + script[1:], env=env,
                                capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode == 1, result.stderr
        assert "is a symlink" in result.stderr
    assert os.listdir(str(target)) == []  # nothing written through the link


@pytest.fixture
def pair(tmp_path):
    """A PostgreSQL pair of the test's own (state dir and ports), destroyed afterwards."""
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        pytest.skip("PostgreSQL 15 is not installed (tools/setup.sh)")
    ports = [_free_port(), _free_port()]
    env = dict(os.environ, MERIDIAN_STATE_DIR=str(tmp_path / "state"),
               MERIDIAN_PG_NODES="us-east-1:%d,eu-west-1:%d" % tuple(ports))
    env.pop("PGPASSWORD", None)

    def run(*args):
        return subprocess.run([sys.executable, os.path.join(TOOLS, "pg_pair.py")] + list(args), env=env,
                              capture_output=True, text=True, check=False, timeout=180)
    yield run, env, ports
    run("destroy")


def test_the_pair_authenticates_every_connection_with_scram_and_its_generated_password(pair, tmp_path):
    run, env, ports = pair
    started = run("start")
    assert started.returncode == 0, started.stderr
    status = json.loads(started.stdout)
    assert (status["us-east-1"]["role"], status["eu-west-1"]["role"]) == ("primary", "standby")
    password_file = os.path.join(env["MERIDIAN_STATE_DIR"], "pg_password")
    assert _mode(password_file) == 0o600
    with open(password_file) as handle:
        password = handle.read().strip()
    assert password not in started.stdout + started.stderr
    data = status["us-east-1"]["data_dir"]
    for node in ("us-east-1", "eu-west-1"):
        with open(os.path.join(status[node]["data_dir"], "pg_hba.conf")) as handle:
            rules = [line.split() for line in handle if line.strip() and not line.startswith("#")]
        assert rules and all(rule[-1] == "scram-sha-256" for rule in rules)
        assert {(rule[0], rule[1]) for rule in rules} >= {("local", "replication"), ("host", "replication")}
        with open(os.path.join(status[node]["data_dir"], "postgresql.auto.conf")) as handle:
            assert password not in handle.read()  # the standby's conninfo names a passfile instead
    for bad in (None, "wrong"):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(host="127.0.0.1", port=ports[0], user="postgres", dbname="postgres", password=bad,
                            connect_timeout=5)
    with psycopg.connect(host="127.0.0.1", port=ports[0], user="postgres", dbname="postgres", password=password,
                         connect_timeout=5) as conn:
        assert conn.execute("SHOW password_encryption").fetchone()[0] == "scram-sha-256"
        assert conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'").fetchone()[0] \
            .startswith("SCRAM-SHA-256$")
        assert conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method <> 'scram-sha-256'").fetchone()[0] == 0
        assert conn.execute("SELECT state, sync_state FROM pg_stat_replication").fetchall() == [("streaming", "sync")]
    region_service = _tool("region_service")
    seen = region_service.read_database("127.0.0.1", ports[1], password_file)
    assert seen == {"db_role": "standby", "last_marker": 0, "error": None}
    # Started again: reused, same password; a rejoin authenticates pg_rewind/pg_basebackup through it.
    assert run("start").returncode == 0
    assert open(password_file).read().strip() == password
    assert os.path.isdir(data)
    # destroy removes the pair, its password and its .pgpass copy (a fresh start makes a new one).
    assert run("destroy").returncode == 0
    base = os.path.dirname(os.path.dirname(data))
    assert not os.path.lexists(password_file) and not os.path.lexists(os.path.join(base, "pgpass"))
    assert not os.path.lexists(os.path.dirname(data))


def _write(port, password, sql):
    """Run ``sql`` in BEGIN READ WRITE on the node at ``port``: None when it commits, the error text otherwise."""
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", password=password,
                         connect_timeout=5, autocommit=True) as conn:
        try:
            conn.execute("BEGIN READ WRITE")
            conn.execute(sql)
            conn.execute("COMMIT")
        except psycopg.Error as err:
            return str(err).strip()
    return None


def test_fence_refuses_every_write_and_unfence_or_rejoin_undo_it(pair):
    run, env, ports = pair
    assert run("start").returncode == 0
    with open(os.path.join(env["MERIDIAN_STATE_DIR"], "pg_password")) as handle:
        password = handle.read().strip()
    assert _write(ports[0], password, "CREATE TABLE t (x int)") is None
    # a read-only default is no fence: BEGIN READ WRITE writes through it
    with psycopg.connect(host="127.0.0.1", port=ports[0], user="postgres", dbname="postgres", password=password,
                         autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        conn.execute("SELECT pg_reload_conf()")
    assert _write(ports[0], password, "INSERT INTO t VALUES (1)") is None
    fenced = run("fence", "us-east-1")
    assert fenced.returncode == 0, fenced.stderr
    assert json.loads(fenced.stdout)["us-east-1"]["role"] == "standby"
    assert "read-write mode during recovery" in _write(ports[0], password, "INSERT INTO t VALUES (2)")
    assert run("fence", "us-east-1").returncode == 0  # idempotent
    # no promotion followed: unfence gives the primary back, on its timeline, its standby streaming again
    unfenced = run("unfence", "us-east-1")
    assert unfenced.returncode == 0, unfenced.stderr
    assert json.loads(unfenced.stdout)["us-east-1"]["role"] == "primary"
    assert _write(ports[0], password, "INSERT INTO t VALUES (3)") is None
    with psycopg.connect(host="127.0.0.1", port=ports[1], user="postgres", dbname="postgres", password=password) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    # fenced, then the standby promoted: unfence refuses (two primaries), rejoin makes it a standby
    assert run("fence", "us-east-1").returncode == 0
    assert run("promote", "eu-west-1").returncode == 0
    refused = run("unfence", "us-east-1")
    assert refused.returncode == 1 and "was promoted meanwhile" in refused.stderr
    rejoined = run("rejoin", "us-east-1")
    assert rejoined.returncode == 0, rejoined.stderr
    assert json.loads(rejoined.stdout)["us-east-1"]["role"] == "standby"


def test_a_pair_made_without_a_password_is_refused_with_the_way_out(pair):
    run, env, ports = pair
    data = json.loads(run("status").stdout)["us-east-1"]["data_dir"]
    os.makedirs(data)
    with open(os.path.join(data, "pg_hba.conf"), "w") as handle:
        handle.write("host all all 127.0.0.1/32 trust\n")
    result = run("start")
    assert result.returncode == 1
    assert "with trust authentication" in result.stderr and "destroy, then start" in result.stderr


def test_the_region_service_reports_a_missing_password_file(tmp_path):
    region_service = _tool("region_service")
    seen = region_service.read_database("127.0.0.1", _free_port(), str(tmp_path / "pg_password"))
    assert seen["db_role"] is None and "is missing: start the PostgreSQL pair" in seen["error"]
