# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.harness import moto_server, patch_exits


@pytest.fixture(autouse=True)
def module_exits(monkeypatch):
    """exit_json / fail_json raise ModuleExit / ModuleFail instead of exiting."""
    patch_exits(monkeypatch)


@pytest.fixture(scope="module")
def moto_url():
    """A moto_server of this test module's own."""
    with moto_server() as url:
        yield url
