#!/usr/bin/env python
"""Start, stop and report on the local cloud stack (every server on 127.0.0.1).

Usage: stack.py start|stop|status|env [SERVICE ...]

Each service is one entry in SERVICES: how to build its command line, the environment variable
that sets its port (with a default), and an HTTP path that answers once it is ready. PID files and
logs live under the state dir (MERIDIAN_STATE_DIR, default <checkout>/.state/local_stack).

- start is idempotent: a service whose PID file names a live process of ours that answers is
  reused; a port held by anything else is an error, never silently shared.
- stop ends only what start recorded, by PID file (process group), and waits until the port is free.

Every directory of the state dir is made with statedir.ensure_dir (mode 0700; the state dir itself
0711 when root runs): a pre-existing one that is a symlink or belongs to another user is refused.
Prometheus runs without --web.enable-admin-api: no step of the stack, the roles or the tests calls
/api/v1/admin/* (backfill_prometheus.py writes blocks with promtool; the monitoring role reloads
through /-/reload, which --web.enable-lifecycle serves).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import statedir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.environ.get("MERIDIAN_STATE_DIR", os.path.join(ROOT, ".state", "local_stack"))
HOST = "127.0.0.1"
VENV_BIN = os.path.join(ROOT, ".venv", "bin")


def _binary(names, install_hint):
    """The first of `names` found in the venv or on PATH; a StackError saying how to install it otherwise."""
    search = os.pathsep.join([VENV_BIN, os.environ.get("PATH", "")])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    raise StackError("%s is not installed: %s" % (names[0], install_hint))


def _debian(package, binary):
    return ("run tools/setup.sh as root (installs the Debian package '%s'), or put a %s binary on PATH"
            % (package, binary))


def _prometheus_cmd(svc, port):
    binary = _binary(["prometheus"], _debian("prometheus", "prometheus"))
    base = _private(STATE, "prometheus")
    for sub in ("data", "rules", "file_sd"):
        _private(base, sub)
    config = os.path.join(base, "prometheus.yml")
    if not os.path.lexists(config):
        # The monitoring role replaces this file and reloads; this is the first-boot config.
        statedir.write_file(config, (
            "global:\n  scrape_interval: 30s\n  evaluation_interval: 30s\n"
            "rule_files:\n  - rules/*.yml\n"
            "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n"
            "      - targets: ['%s:%d']\n" % (HOST, port)
        ), 0o644)
    # No --web.enable-admin-api: nothing here deletes series or takes TSDB snapshots.
    return [
        binary,
        "--config.file=" + config,
        "--storage.tsdb.path=" + os.path.join(base, "data"),
        "--storage.tsdb.retention.time=400d",
        "--web.listen-address=%s:%d" % (HOST, port),
        "--web.enable-lifecycle",
    ]


def _alertmanager_cmd(svc, port):
    binary = _binary(["prometheus-alertmanager", "alertmanager"], _debian("prometheus-alertmanager", "alertmanager"))
    base = _private(STATE, "alertmanager")
    _private(base, "data")
    config = os.path.join(base, "alertmanager.yml")
    if not os.path.lexists(config):
        # The monitoring role replaces this file and reloads; this is the first-boot config.
        statedir.write_file(config, "route:\n  receiver: default\nreceivers:\n  - name: default\n", 0o644)
    return [
        binary,
        "--config.file=" + config,
        "--storage.path=" + os.path.join(base, "data"),
        "--web.listen-address=%s:%d" % (HOST, port),
        "--cluster.listen-address=",
    ]


def _pushgateway_cmd(svc, port):
    binary = _binary(["prometheus-pushgateway", "pushgateway"], _debian("prometheus-pushgateway", "pushgateway"))
    base = _private(STATE, "pushgateway")
    return [
        binary,
        "--web.listen-address=%s:%d" % (HOST, port),
        "--persistence.file=" + os.path.join(base, "metrics.db"),
    ]


def _moto_cmd(svc, port):
    # moto_server.py is moto's server with one correction (a group's MixedInstancesPolicy survives an
    # UpdateAutoScalingGroup that does not name it, as on AWS); it needs moto from the venv.
    _binary(["moto_server"], "run tools/setup.sh (pip install moto[server])")
    return [os.path.join(VENV_BIN, "python"), os.path.join(ROOT, "tools", "local_stack", "moto_server.py"),
            "-H", HOST, "-p", str(port)]


def _region_service_cmd(svc, port):
    # The region's HTTP endpoint for the failover drill; it reads the region's node of the
    # PostgreSQL pair (tools/local_stack/pg_pair.py, nodes from MERIDIAN_PG_NODES) with the pair's
    # password, read from its file at each connection (the command line holds only the path).
    nodes = dict(item.strip().rsplit(":", 1) for item in os.environ.get(
        "MERIDIAN_PG_NODES", "us-east-1:5433,eu-west-1:5434").split(","))
    return [os.path.join(VENV_BIN, "python"), os.path.join(ROOT, "tools", "local_stack", "region_service.py"),
            "--region", svc["region"], "--port", str(port), "--db-port", nodes[svc["region"]],
            "--db-password-file", statedir.password_file(STATE)]


def _gce_cmd(svc, port):
    # The Compute Engine and Cloud Storage emulator (tools/local_stack/gcp_emulator/, docs/gcp_emulator.md);
    # it needs google-api-python-client from the venv for the discovery documents it validates against.
    return [os.path.join(VENV_BIN, "python"), os.path.join(ROOT, "tools", "local_stack", "gcp_emulator", "server.py"),
            "--port", str(port)]


# name -> port variable, default port, readiness path, command builder.
# New servers (the GCE emulator, Alertmanager, PostgreSQL) join the stack by adding an entry here.
SERVICES = {
    "moto": {
        "port_env": "MERIDIAN_MOTO_PORT",
        "port": 5100,
        "ready_path": "/moto-api/",
        "cmd": _moto_cmd,
    },
    "prometheus": {
        "port_env": "MERIDIAN_PROMETHEUS_PORT",
        "port": 9190,
        "ready_path": "/-/ready",
        "cmd": _prometheus_cmd,
    },
    "alertmanager": {
        "port_env": "MERIDIAN_ALERTMANAGER_PORT",
        "port": 9193,
        "ready_path": "/-/ready",
        "cmd": _alertmanager_cmd,
    },
    "pushgateway": {
        "port_env": "MERIDIAN_PUSHGATEWAY_PORT",
        "port": 9194,
        "ready_path": "/-/ready",
        "cmd": _pushgateway_cmd,
    },
    "gce": {
        "port_env": "MERIDIAN_GCE_PORT",
        "port": 5190,
        "ready_path": "/emulator/ready",
        "cmd": _gce_cmd,
    },
    "region-us-east-1": {
        "port_env": "MERIDIAN_REGION_US_EAST_1_PORT",
        "port": 5180,
        "ready_path": "/",
        "cmd": _region_service_cmd,
        "region": "us-east-1",
    },
    "region-eu-west-1": {
        "port_env": "MERIDIAN_REGION_EU_WEST_1_PORT",
        "port": 5181,
        "ready_path": "/",
        "cmd": _region_service_cmd,
        "region": "eu-west-1",
    },
}


class StackError(Exception):
    pass


def _private(parent, name):
    """parent/name as a directory of ours, mode 0700 (statedir.ensure_dir: no symlink, no other owner)."""
    return statedir.ensure_dir(os.path.join(parent, name), 0o700)


def port_of(name):
    svc = SERVICES[name]
    raw = os.environ.get(svc["port_env"], str(svc["port"]))
    try:
        port = int(raw)
    except ValueError:
        raise StackError("%s=%r is not a port number" % (svc["port_env"], raw))
    if not 1 <= port <= 65535:
        raise StackError("%s=%d is outside 1-65535" % (svc["port_env"], port))
    return port


def _pidfile(name):
    return os.path.join(STATE, "pids", name + ".pid")


def _logfile(name):
    return os.path.join(STATE, "logs", name + ".log")


def _read_pid(name):
    try:
        with open(_pidfile(name), encoding="utf-8") as handle:
            data = json.load(handle)
        return int(data["pid"]), data.get("cmd", [])
    except (OSError, ValueError, KeyError):
        return None, []


def _alive(pid, cmd):
    """True when pid is a live process whose command line is the one we recorded."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            current = handle.read().split(b"\0")
    except OSError:
        return False
    if not cmd:
        return False
    # Interpreted programs (moto_server) run as "python moto_server ..."; match the arguments tail.
    want = [c.encode() for c in cmd[1:]]
    return bool(current) and all(w in current for w in want)


def _port_open(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((HOST, port)) == 0


def _answers(name, port):
    url = "http://%s:%d%s" % (HOST, port, SERVICES[name]["ready_path"])
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except (urllib.error.URLError, OSError):
        return False


def start(name, timeout=60.0):
    port = port_of(name)
    pid, cmd = _read_pid(name)
    if pid and _alive(pid, cmd):
        if _answers(name, port):
            print("%-18s reused  pid %d  http://%s:%d" % (name, pid, HOST, port))
            return
        raise StackError("%s (pid %d) is running but does not answer on port %d: run stop, then start" % (name, pid, port))
    if _port_open(port):
        raise StackError(
            "port %d for %s is already in use by a process this stack did not start; free it or set %s"
            % (port, name, SERVICES[name]["port_env"])
        )
    cmd = SERVICES[name]["cmd"](SERVICES[name], port)
    _private(STATE, "pids")
    _private(STATE, "logs")
    log_fd = os.open(_logfile(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(log_fd, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, cwd=STATE)
    statedir.write_file(_pidfile(name), json.dumps({"pid": proc.pid, "cmd": cmd, "port": port}), 0o600)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            os.unlink(_pidfile(name))
            raise StackError("%s exited with code %s during start; see %s" % (name, proc.returncode, _logfile(name)))
        if _answers(name, port):
            print("%-18s started pid %d  http://%s:%d" % (name, proc.pid, HOST, port))
            return
        time.sleep(0.2)
    raise StackError("%s did not answer on port %d within %ds; see %s" % (name, port, timeout, _logfile(name)))


def _cpu_seconds(pid):
    """CPU seconds (user + system) a process and its ended children used, from /proc; None when unknown."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return sum(int(v) for v in fields[11:15]) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def stop(name, timeout=20.0):
    pid, cmd = _read_pid(name)
    if not pid:
        print("%-18s not running (no PID file)" % name)
        return
    if _alive(pid, cmd):
        cpu = _cpu_seconds(pid)
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid, cmd):
            time.sleep(0.1)
        if _alive(pid, cmd):
            os.killpg(pid, signal.SIGKILL)
            time.sleep(0.2)
        print("%-18s stopped pid %d%s" % (name, pid, "" if cpu is None else " (%.0f s of CPU)" % cpu))
    else:
        print("%-18s stale PID file removed (pid %d not ours or gone)" % (name, pid))
    os.unlink(_pidfile(name))
    port = port_of(name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _port_open(port):
        time.sleep(0.1)


def status(name):
    port = port_of(name)
    pid, cmd = _read_pid(name)
    running = bool(pid and _alive(pid, cmd))
    ready = running and _answers(name, port)
    state = "ready" if ready else ("running" if running else "stopped")
    shown_pid = ("pid %d" % pid) if running else "-"
    print("%-18s %-8s %s  http://%s:%d" % (name, state, shown_pid, HOST, port))
    return ready


def env():
    """Shell exports for every service endpoint (eval "$(stack.py env)")."""
    for name in SERVICES:
        print("export %s=%d" % (SERVICES[name]["port_env"], port_of(name)))


def main(argv):
    if not argv or argv[0] not in ("start", "stop", "status", "env"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    action, names = argv[0], argv[1:] or list(SERVICES)
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        print("unknown service(s): %s (known: %s)" % (", ".join(unknown), ", ".join(SERVICES)), file=sys.stderr)
        return 2
    try:
        statedir.ensure_dir(STATE, statedir.state_mode())
        if action == "env":
            env()
            return 0
        if action == "start":
            for name in names:
                start(name)
        elif action == "stop":
            for name in reversed(names):
                stop(name)
        else:
            ready = [status(n) for n in names]  # every line is printed, so no short-circuit
            return 0 if all(ready) else 3
    except (StackError, statedir.UnsafeStateError) as err:
        print("local_stack: %s" % err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
