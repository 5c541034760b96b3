# -*- coding: utf-8 -*-
"""Shared test harness for the modules: run main() in-process, and a moto_server of the tests' own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    """exit_json was called; .result holds its arguments."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


class ModuleFail(ModuleExit):
    """fail_json was called."""


def patch_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs)

    def fail_json(self, **kwargs):
        raise ModuleFail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run_module(module, args, check=False, diff=False):
    """Run module.main() with args; return the ModuleExit (or ModuleFail) it ended with."""
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(ModuleExit) as exc:
            module.main()
    return exc.value


def run_aws_module(module, endpoint_url, region, args, check=False, diff=True):
    """run_module with the AWS connection options of a test moto_server."""
    base = {"region": region, "endpoint_url": endpoint_url, "access_key": "testing", "secret_key": "testing"}
    base.update(args)
    return run_module(module, base, check=check, diff=diff)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def moto_server():
    """A moto_server on a free 127.0.0.1 port, stopped (by its process group) on exit; yields its URL."""
    here = os.path.join(os.path.dirname(sys.executable), "moto_server")
    binary = here if os.access(here, os.X_OK) else shutil.which("moto_server")
    if not binary:
        pytest.skip("moto_server is not installed")
    port = _free_port()
    proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start on port %d" % port)
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def botocore_client(service, region="us-east-1"):
    """A real botocore client (for botocore's Stubber); it never reaches the network while stubbed."""
    import botocore.session

    return botocore.session.get_session().create_client(service, region_name=region, aws_access_key_id="testing",
                                                        aws_secret_access_key="testing")


def use_aws_clients(monkeypatch, clients):
    """AnsibleAWSModule.client returns ``clients[service]`` (wrapped like the real one when a retry
    decorator is given). Returns the list of (service, retry_decorator) the module asked for."""
    from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
    from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

    built = []

    def client(self, service, retry_decorator=None, **_kwargs):
        built.append((service, retry_decorator))
        conn = clients[service]
        return conn if retry_decorator is None else RetryingBotoClientWrapper(conn, retry_decorator)

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    return built


def fast_retries(monkeypatch):
    """The retry policy without waiting: delays 0, and every backoff sleep recorded (returned list)."""
    import types

    from ansible_collections.amazon.aws.plugins.module_utils import cloud
    from ansible_collections.meridian.global_infra.plugins.module_utils.common import retry

    monkeypatch.setattr(retry, "DELAY", 0)
    monkeypatch.setattr(retry, "MAX_DELAY", 0)
    sleeps = []
    monkeypatch.setattr(cloud, "time", types.SimpleNamespace(sleep=sleeps.append))
    return sleeps
