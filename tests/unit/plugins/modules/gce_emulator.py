# -*- coding: utf-8 -*-
"""The collection's Compute Engine emulator for the gce tests: started as the stack starts it (its own
process, 127.0.0.1, a free port), stopped by its process group; official clients pointed at it; and
playbooks run against it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import _free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SERVER = os.path.join(ROOT, "tools", "local_stack", "gcp_emulator", "server.py")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


@contextlib.contextmanager
def gce_emulator():
    """Yields the emulator's base URL (``http://127.0.0.1:PORT``) once ``/emulator/ready`` answers."""
    if not os.path.exists(SERVER):
        pytest.skip("the Compute Engine emulator is not in this checkout")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, SERVER, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/emulator/ready", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the emulator did not start on port %d" % port)
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def official(url, cls):
    """A compute_v1 client of class ``cls`` on the emulator, anonymous, REST."""
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials

    return cls(credentials=AnonymousCredentials(), transport="rest", client_options=ClientOptions(api_endpoint=url))


def localhost_playbook(playbook, url, *extra):
    """``ansible-playbook playbook`` on localhost with ``gce_endpoint`` the emulator at ``url``; it must succeed.

    Returns the recap's ``changed`` count and the output.
    """
    args = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", playbook, "-e", "gce_endpoint=" + url,
            "-e", "ansible_python_interpreter=" + sys.executable] + list(extra)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recap = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout)
    return int(recap.group(2)), proc.stdout
