# -*- coding: utf-8 -*-
"""gcs_bucket through ansible-playbook and the gce action group, on the emulator's Cloud Storage side.

apply (changed), apply again (changed=0), --check --diff on the converged bucket (changed=0, no diff
content), a label changed under --check --diff (the diff shows it, nothing written), teardown with
force while the bucket holds an object (then no bucket is left, read back with the official client).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

storage = pytest.importorskip("google.cloud.storage")

from google.auth.credentials import AnonymousCredentials  # noqa: E402

from ansible_collections.meridian.global_infra.tests.unit.plugins.modules.gce_emulator import (  # noqa: E402
    gce_emulator,
    localhost_playbook,
)

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gcs_bucket.yml")
PROJECT = "meridian-local"


@pytest.fixture(scope="module")
def emulator():
    with gce_emulator() as url:
        yield url


def playbook(url, *extra):
    return localhost_playbook(PLAYBOOK, url, *extra)


def test_apply_again_check_diff_teardown(emulator):
    client = storage.Client(project=PROJECT, credentials=AnonymousCredentials(), client_options={"api_endpoint": emulator})
    assert playbook(emulator)[0] == 1
    bucket = client.get_bucket("meridian-local-assets")
    assert (bucket.location, bucket.versioning_enabled, bucket.labels) == ("EU", True, {"env": "local"})
    assert bucket.iam_configuration.public_access_prevention == "enforced"
    assert playbook(emulator)[0] == 0
    changed, out = playbook(emulator, "--check", "--diff")
    assert changed == 0 and "+++" not in out

    changed, out = playbook(emulator, "--check", "--diff", "-e", json.dumps({"gcs_labels": {"env": "local", "team": "edge"}}))
    assert changed == 1
    assert "\n+        team: edge\n" in out and "\n         env: local\n" in out
    assert client.get_bucket("meridian-local-assets").labels == {"env": "local"}

    bucket.blob("index.html").upload_from_string(b"<html></html>")
    assert playbook(emulator, "-e", "gcs_state=absent")[0] == 1
    assert client.lookup_bucket("meridian-local-assets") is None
