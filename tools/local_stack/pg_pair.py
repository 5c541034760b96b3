#!/usr/bin/env python
"""A real PostgreSQL primary with a streaming standby on 127.0.0.1, for the failover drill.

Usage: pg_pair.py start|stop|status|promote NODE|fence NODE|unfence NODE|isolate NODE|crash NODE|rejoin NODE|switchover NODE|destroy

Two clusters (Debian's PostgreSQL 15, /usr/lib/postgresql/15/bin), one per region, under
<state>/postgres/<node>/ (MERIDIAN_STATE_DIR, default <checkout>/.state/local_stack). Nodes and
ports come from MERIDIAN_PG_NODES ("us-east-1:5433,eu-west-1:5434"; the first is the initial
primary). Replication is synchronous with remote_apply: a commit the primary acknowledges is
already visible on the standby, so acknowledged writes survive a failover.

- start: initdb the primary (data checksums, so pg_rewind works), clone the standby with
  pg_basebackup -R, start both. Idempotent: running nodes are left alone.
- stop: pg_ctl stop -m fast on every node (each server is ended by its own postmaster.pid).
- status: JSON, per node: port, running, role (primary | standby), upstream.
- promote NODE: pg_ctl promote (a real promotion; the drill itself uses SELECT pg_promote()).
- fence NODE: make NODE read-only by every path, as the drill's fence before a promotion: a running
  primary is stopped (fast: its sessions are ended, every WAL record it has goes to its standby),
  standby.signal is written with no upstream, and it is started again in recovery. A server in
  recovery refuses every write (BEGIN READ WRITE included) and any restart keeps it there, until
  `unfence` or `rejoin`. A node that is down (crashed) is fenced the same way and started.
- isolate NODE: cut NODE off from its standby, as a network partition would: the standby's WAL
  receiver is stopped (no upstream, still in recovery). NODE keeps accepting writes; with
  asynchronous replication it acknowledges what the standby never receives, with synchronous
  replication its commits wait. rejoin/switchover point the standby at a primary again.
- crash NODE: SIGKILL of NODE's postmaster (its postmaster.pid), the drill's real fault: no
  shutdown checkpoint, no last WAL shipped; its sessions end with it.
- replication sync|async: synchronous (remote_apply) or asynchronous streaming on the current
  primary (synchronous_standby_names, reloaded), kept across promotions by the configuration copy.
- unfence NODE: undo a fence that no promotion followed: stop NODE, remove standby.signal, start it
  as the primary it was (same timeline; its standby streams from it again).
- rejoin NODE: make NODE a standby of the other node: stop it, pg_rewind it against the current
  primary (pg_basebackup when a rewind is not possible), point it at the primary, start it.
- switchover NODE: planned role swap back to NODE: stop the current primary cleanly (every
  commit is already on NODE), promote NODE, rejoin the old primary as its standby.

When run as root the servers run as the 'postgres' system user (PostgreSQL refuses root), and the
data directories are owned by it. Connections: TCP on 127.0.0.1 only, superuser 'postgres',
scram-sha-256 for every connection (local and host lines, replication included; no `trust`
anywhere). Its password is generated on the first start and kept in <state>/pg_password (mode
0600, created with O_EXCL): the region services, the drill's inventory and the tests read it from
there. The servers and the tools run here read it from a .pgpass copy (mode 0600, owned by the
servers' user) beside the data directories; it never appears on a command line, in the
environment or in a log.

State directories are created with statedir.ensure_dir: a pre-existing one owned by someone else,
or a symlink, is refused; ownership and modes are changed without following symlinks.
"""

import fcntl
import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

import statedir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
STATE = os.environ.get("MERIDIAN_STATE_DIR", os.path.join(ROOT, ".state", "local_stack"))
BIN = os.environ.get("MERIDIAN_PG_BIN", "/usr/lib/postgresql/15/bin")
HOST = "127.0.0.1"
DEFAULT_NODES = "us-east-1:5433,eu-west-1:5434"
RUN_AS = "postgres"


def _traversable_by(path, entry):
    """True when every existing directory from / down to path lets the user `entry` pass."""
    path = os.path.abspath(path)
    while True:
        if os.path.isdir(path):
            st = os.stat(path)
            if st.st_uid == entry.pw_uid:
                bit = 0o100
            elif st.st_gid == entry.pw_gid:
                bit = 0o010
            else:
                bit = 0o001
            if not st.st_mode & bit:
                return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _base():
    """<state>/postgres, or, when root runs the servers as RUN_AS and that user cannot reach the
    state dir (a checkout under a private directory such as one from mktemp -d), a directory of
    this checkout's own under /var/tmp."""
    base = os.path.join(STATE, "postgres")
    if os.geteuid() != 0:
        return base
    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        return base
    if _traversable_by(STATE, entry):
        return base
    return os.path.join("/var/tmp", "meridian-pg-" + hashlib.sha1(base.encode("utf-8")).hexdigest()[:12])


BASE = _base()
PASSWORD_FILE = statedir.password_file(STATE)
PGPASS = os.path.join(BASE, "pgpass")
MANAGED_KEYS = ("primary_conninfo", "primary_slot_name", "default_transaction_read_only")


class PairError(Exception):
    pass


def nodes():
    raw = os.environ.get("MERIDIAN_PG_NODES", DEFAULT_NODES)
    result = []
    for item in raw.split(","):
        name, dummy, port = item.strip().rpartition(":")
        if not name or not port.isdigit():
            raise PairError("MERIDIAN_PG_NODES=%r: expected NAME:PORT,NAME:PORT" % raw)
        result.append((name, int(port)))
    if len(result) != 2 or result[0][0] == result[1][0]:
        raise PairError("MERIDIAN_PG_NODES must name exactly two different nodes, got %r" % raw)
    return result


def _port(node):
    for name, port in nodes():
        if name == node:
            return port
    raise PairError("unknown node %r (known: %s)" % (node, ", ".join(n for n, dummy in nodes())))


def _other(node):
    _port(node)
    return [n for n, dummy in nodes() if n != node][0]


def _datadir(node):
    return os.path.join(BASE, node, "data")


def _user():
    """(uid, gid) to run PostgreSQL as: the postgres system user when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        raise PairError("running as root needs the '%s' system user (apt-get install postgresql)" % RUN_AS)
    return entry.pw_uid, entry.pw_gid


def _demote():
    ids = _user()
    if ids is None:
        return None

    def drop():
        os.setgroups([])
        os.setgid(ids[1])
        os.setuid(ids[0])
    return drop


def _state_modes():
    """(mode of the state dir, mode of BASE): private, but passable by the servers' user when root
    runs them as RUN_AS (that user lists nothing there and reads only its own directories)."""
    return (statedir.state_mode(), 0o711 if _user() is not None else 0o700)


def _credentials(create):
    """Write the .pgpass copy the servers' user reads (PGPASSFILE, primary_conninfo passfile) from
    the password file; create=True generates the password on the first start. False when there is
    no password yet (and create is False)."""
    if not create and not os.path.lexists(PASSWORD_FILE):
        return False
    password = statedir.secret(PASSWORD_FILE, create=create)
    wanted = "".join("%s:*:*:postgres:%s\n" % (host, password) for host in (HOST, "localhost"))
    try:
        current = statedir.read_file(PGPASS, trusted=BASE)
    except FileNotFoundError:
        current = None
    if current != wanted:
        statedir.write_file(PGPASS, wanted, 0o600, owner=_user(), trusted=BASE)
    return True


def _run(args, check=True, quiet=False):
    # Passwords come from the .pgpass copy only: never the command line or PGPASSWORD.
    env = dict(os.environ, PGPASSFILE=PGPASS)
    env.pop("PGPASSWORD", None)
    proc = subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), preexec_fn=_demote(), cwd="/",
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                          universal_newlines=True, check=False, env=env)
    if check and proc.returncode != 0:
        raise PairError("%s failed (exit %d): %s" % (args[0], proc.returncode, proc.stdout.strip()[-2000:]))
    if not quiet and proc.stdout.strip():
        sys.stderr.write(proc.stdout)
    return proc


def _sql(node, query):
    proc = _run(["psql", "-X", "-A", "-t", "-h", HOST, "-p", str(_port(node)), "-U", "postgres", "-d", "postgres",
                 "-v", "ON_ERROR_STOP=1", "-c", query], check=False, quiet=True)
    if proc.returncode != 0:
        raise PairError("psql on %s: %s" % (node, proc.stdout.strip()))
    return proc.stdout.strip()


def running(node):
    if not os.path.isdir(_datadir(node)):
        return False
    return _run(["pg_ctl", "status", "-D", _datadir(node)], check=False, quiet=True).returncode == 0


def _ready(node, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _run(["pg_isready", "-h", HOST, "-p", str(_port(node)), "-q"], check=False, quiet=True).returncode == 0:
            return
        time.sleep(0.2)
    raise PairError("%s did not accept connections on %s:%d within %ds; see %s"
                    % (node, HOST, _port(node), timeout, os.path.join(BASE, node, "server.log")))


def _quote(value):
    """A conninfo value in single quotes (backslash and quote escaped)."""
    return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")


def _conninfo(upstream, me):
    # passfile: the standby's WAL receiver reads the password from the .pgpass copy, so none is
    # written into postgresql.auto.conf.
    return "host=%s port=%d user=postgres application_name=%s passfile=%s" % (
        HOST, _port(upstream), me, _quote(PGPASS))


def _set_recovery(node, upstream, standby=None):
    """Rewrite the managed settings in postgresql.auto.conf; with an upstream, make NODE a standby of it.

    ``standby`` (default: whether there is an upstream) writes standby.signal: with no upstream the
    node stays in recovery on its own (the fence).
    """
    standby = bool(upstream) if standby is None else standby
    # The data directory belongs to the servers' user: files are read and replaced without
    # following a symlink there (statedir.read_file / write_file).
    data = _datadir(node)
    auto = os.path.join(data, "postgresql.auto.conf")
    kept = []
    if os.path.lexists(auto):
        kept = [line for line in statedir.read_file(auto, trusted=BASE).splitlines(True)
                if line.split("=", 1)[0].strip() not in MANAGED_KEYS]
    if upstream:
        kept.append("primary_conninfo = '%s'\n" % _conninfo(upstream, node).replace("'", "''"))
    statedir.write_file(auto, "".join(kept), 0o600, owner=_user(), trusted=BASE)
    signal_file = os.path.join(data, "standby.signal")
    if standby:
        statedir.write_file(signal_file, "", 0o600, owner=_user(), trusted=BASE)
    elif os.path.lexists(signal_file):
        os.unlink(signal_file)  # unlink removes a link itself, never its target


HBA = (
    "# meridian local stack: every connection authenticates with scram-sha-256 (no trust)\n"
    "local   all          all                  scram-sha-256\n"
    "local   replication  all                  scram-sha-256\n"
    "host    all          all   127.0.0.1/32   scram-sha-256\n"
    "host    replication  all   127.0.0.1/32   scram-sha-256\n"
)


def _configure(node):
    conf = os.path.join(_datadir(node), "postgresql.conf")
    statedir.write_file(conf, statedir.read_file(conf, trusted=BASE) + (
        "\n# meridian local stack\n"
        "listen_addresses = '%s'\npassword_encryption = 'scram-sha-256'\n"
        "wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '256MB'\nhot_standby = on\n"
        "wal_log_hints = on\nsynchronous_commit = remote_apply\nsynchronous_standby_names = '*'\n"
        "wal_receiver_status_interval = 1s\nshared_buffers = 32MB\nmax_connections = 40\n"
        % HOST
    ), 0o600, owner=_user(), trusted=BASE)
    statedir.write_file(os.path.join(_datadir(node), "pg_hba.conf"), HBA, 0o600, owner=_user(), trusted=BASE)


def _trusting(node):
    """True when NODE's pg_hba.conf lets anyone in without a password (a pair made before passwords)."""
    hba = os.path.join(_datadir(node), "pg_hba.conf")
    if not os.path.lexists(hba):
        return False
    lines = statedir.read_file(hba, trusted=BASE).splitlines()
    return any("trust" in line.split("#", 1)[0].split() for line in lines)


def _start_node(node):
    if running(node):
        return False
    # Port and socket directory are per node and given on the command line: configuration files
    # travel between the nodes with pg_basebackup and pg_rewind.
    _run(["pg_ctl", "start", "-w", "-t", "60", "-D", _datadir(node), "-l", os.path.join(BASE, node, "server.log"),
          "-o", "-p %d -k %s" % (_port(node), os.path.join(BASE, node))])
    _ready(node)
    return True


def _stop_node(node):
    if running(node):
        _run(["pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", _datadir(node)])


def _mkdirs(node):
    # BASE is made (and checked) by main(); the node's directory belongs to the servers' user.
    statedir.ensure_dir(os.path.join(BASE, node), 0o700, owner=_user())


def _basebackup(node, upstream):
    data = _datadir(node)
    if os.path.lexists(data):
        shutil.rmtree(data)
    _mkdirs(node)
    _run(["pg_basebackup", "-h", HOST, "-p", str(_port(upstream)), "-U", "postgres", "-D", data,
          "-X", "stream", "-c", "fast"])
    _set_recovery(node, upstream)


def role(node):
    if not running(node):
        return None
    return "standby" if _sql(node, "SELECT pg_is_in_recovery()") == "t" else "primary"


def streaming(node, timeout=10.0):
    """True once NODE's WAL receiver streams from its upstream."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _sql(node, "SELECT status FROM pg_stat_wal_receiver") == "streaming":
            return True
        time.sleep(0.25)
    return False


def _initdb(node):
    """A new cluster whose superuser has the pair's password, scram-sha-256 from the first start."""
    password = statedir.secret(PASSWORD_FILE)
    # initdb runs as the servers' user: it reads the password from a file of that user (mode 0600)
    # that lives only while initdb runs.
    pwfile = os.path.join(BASE, ".initdb-password")
    statedir.write_file(pwfile, password + "\n", 0o600, owner=_user(), trusted=BASE)
    try:
        _run(["initdb", "-D", _datadir(node), "-U", "postgres", "--data-checksums", "-A", "scram-sha-256",
              "--pwfile=" + pwfile, "-E", "UTF8", "--locale=C.UTF-8"])
    finally:
        os.unlink(pwfile)


def start():
    (first, dummy), (second, dummy2) = nodes()
    fresh = not os.path.isdir(_datadir(first)) and not os.path.isdir(_datadir(second))
    if not fresh:
        stale = [n for n in (first, second) if os.path.isdir(_datadir(n)) and _trusting(n)]
        if stale or not os.path.lexists(PASSWORD_FILE):
            raise PairError("the pair in %s was made %s: rebuild it with pg_pair.py destroy, then start"
                            % (BASE, "with trust authentication (no password)" if stale
                               else "with a password whose file %s is gone" % PASSWORD_FILE))
    _credentials(create=True)
    if fresh:
        _mkdirs(first)
        _initdb(first)
        _configure(first)
        _start_node(first)
        _basebackup(second, first)
        _start_node(second)
    else:
        for node in (first, second):
            if not os.path.isdir(_datadir(node)):
                raise PairError("%s has no data directory while %s has one: run rejoin %s" % (node, _other(node), node))
        for node in (first, second):
            _start_node(node)
    return status()


def stop():
    for name, dummy in reversed(nodes()):
        _stop_node(name)
    return status()


def status():
    out = {}
    for name, port in nodes():
        up = running(name)
        info = {"port": port, "host": HOST, "running": up, "role": role(name) if up else None,
                "data_dir": _datadir(name)}
        if info["role"] == "standby":
            info["upstream"] = _sql(name, "SELECT sender_port FROM pg_stat_wal_receiver") or None
        elif info["role"] == "primary":
            info["replication"] = "sync" if _sql(name, "SHOW synchronous_standby_names") else "async"
        out[name] = info
    return out


def promote(node):
    if role(node) != "standby":
        raise PairError("%s is not a running standby (role %s)" % (node, role(node)))
    _run(["pg_ctl", "promote", "-w", "-t", "60", "-D", _datadir(node)])
    return status()


def fence(node):
    """NODE read-only by every path: in recovery with no upstream (see the module's docstring)."""
    if not os.path.isdir(_datadir(node)):
        raise PairError("cannot fence %s: it has no data directory" % node)
    if role(node) == "standby":
        return status()                 # already in recovery: no write is accepted by any path
    _stop_node(node)
    _set_recovery(node, None, standby=True)
    _start_node(node)
    if role(node) != "standby":
        raise PairError("%s did not start in recovery; see %s" % (node, os.path.join(BASE, node, "server.log")))
    return status()


def unfence(node):
    """Undo a fence no promotion followed: NODE is the writable primary again, on its own timeline."""
    other = _other(node)
    if role(node) == "primary":
        return status()
    if role(other) == "primary":
        raise PairError("cannot unfence %s: %s was promoted meanwhile; fail back with rejoin and switchover" % (node, other))
    _stop_node(node)
    _set_recovery(node, None, standby=False)
    _start_node(node)
    if role(node) != "primary":
        raise PairError("%s did not start as a primary; see %s" % (node, os.path.join(BASE, node, "server.log")))
    return status()


def isolate(node):
    """Stop the standby of NODE receiving from it (a partition); both keep running."""
    other = _other(node)
    if role(other) != "standby":
        raise PairError("cannot isolate %s: %s is not its running standby (role %s)" % (node, other, role(other)))
    _set_recovery(other, None, standby=True)
    _sql(other, "SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if _sql(other, "SELECT count(*) FROM pg_stat_wal_receiver") == "0":
            return status()
        time.sleep(0.2)
    raise PairError("%s still receives WAL from %s after 10 s" % (other, node))


def crash(node):
    """SIGKILL NODE's postmaster, as a crash would; a node already down is left alone."""
    if not running(node):
        return status()
    pid_file = os.path.join(_datadir(node), "postmaster.pid")
    pid = int(statedir.read_file(pid_file, trusted=BASE).splitlines()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and running(node):
        time.sleep(0.1)
    return status()


def replication(mode):
    """Synchronous (remote_apply) or asynchronous streaming on the current primary."""
    if mode not in ("sync", "async"):
        raise PairError("replication mode must be sync or async, got %r" % (mode,))
    primary = [name for name, dummy in nodes() if role(name) == "primary"]
    if len(primary) != 1:
        raise PairError("replication needs exactly one running primary, found %s" % (primary or "none"))
    names = "*" if mode == "sync" else ""
    _sql(primary[0], "ALTER SYSTEM SET synchronous_standby_names = '%s'" % names)
    _sql(primary[0], "SELECT pg_reload_conf()")
    return status()


def rejoin(node):
    upstream = _other(node)
    if role(upstream) != "primary":
        raise PairError("cannot rejoin %s: %s is not a running primary (role %s)" % (node, upstream, role(upstream)))
    if role(node) == "standby" and streaming(node):
        return status()
    # pg_rewind reads the source's timeline from its control file, which a promotion only updates
    # at its end-of-recovery checkpoint: force that checkpoint first.
    _sql(upstream, "CHECKPOINT")
    _stop_node(node)
    rewound = False
    if os.path.isdir(_datadir(node)):
        proc = _run(["pg_rewind", "-D", _datadir(node), "--source-server",
                     "host=%s port=%d user=postgres dbname=postgres" % (HOST, _port(upstream))], check=False)
        rewound = proc.returncode == 0
    if rewound:
        _set_recovery(node, upstream)
    else:
        _basebackup(node, upstream)
    _start_node(node)
    if not streaming(node, timeout=30.0):
        raise PairError("%s started but does not stream from %s; see %s" % (node, upstream, os.path.join(BASE, node, "server.log")))
    return status()


def switchover(node):
    """Planned: make NODE the primary again and the other node its standby, losing nothing."""
    old = _other(node)
    if role(node) == "primary":
        if role(old) != "standby":
            rejoin(old)
        return status()
    if role(node) != "standby" or role(old) != "primary":
        raise PairError("switchover to %s needs %s as standby and %s as primary" % (node, node, old))
    _stop_node(old)                     # a clean shutdown ships every WAL record to the standby first
    _run(["pg_ctl", "promote", "-w", "-t", "60", "-D", _datadir(node)])
    _ready(node)
    return rejoin(old)


def destroy():
    """Stop and remove both nodes and the password (a new one is generated by the next start)."""
    stop()
    for name, dummy in nodes():
        if os.path.lexists(os.path.join(BASE, name)):
            shutil.rmtree(os.path.join(BASE, name))
    for path in (PGPASS, PASSWORD_FILE):
        if os.path.lexists(path):
            os.unlink(path)
    if BASE != os.path.join(STATE, "postgres"):
        # The directory of its own under /var/tmp (see _base) goes too; main() checked it is ours.
        shutil.rmtree(BASE)
    return {}


def main(argv):
    actions = {"start": start, "stop": stop, "status": status, "destroy": destroy}
    with_node = {"promote": promote, "fence": fence, "unfence": unfence, "isolate": isolate, "crash": crash,
                 "rejoin": rejoin, "switchover": switchover, "replication": replication}
    if not argv or (argv[0] not in actions and argv[0] not in with_node) or (argv[0] in with_node and len(argv) != 2):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        state_mode, base_mode = _state_modes()
        statedir.ensure_dir(STATE, state_mode)
        statedir.ensure_dir(BASE, base_mode)
        # One operation at a time: concurrent promote/rejoin calls would leave two standbys.
        lock = os.open(os.path.join(BASE, ".lock"), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        if argv[0] != "start":
            _credentials(create=False)
        result = actions[argv[0]]() if argv[0] in actions else with_node[argv[0]](argv[1])
    except (PairError, statedir.UnsafeStateError) as err:
        print("pg_pair: %s" % err, file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
