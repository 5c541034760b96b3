# -*- coding: utf-8 -*-
"""The local stack scripts against real servers, on ports and a state dir of the test's own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
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
