# -*- coding: utf-8 -*-
"""tools/venv/meridian_aws_preload.py: in an interpreter started as Mitogen starts its own (argv[0]
naming "mitogen:"), boto3 is imported and botocore's data loaded before any module runs, every session
shares one loader, and a child forked afterwards makes its clients from that loader's data; any other
interpreter, or MERIDIAN_AWS_PRELOAD=0, is left alone. Each case is a new interpreter (-S keeps the
venv's own copy of the hook out)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = [p for p in sys.path if p.endswith("site-packages")]

PROBE = r"""
import json, os, sys
sys.path[:0] = %(site)r
sys.path.insert(0, %(tools)r)
for name in sys.argv[1:]:
    sys.modules[name] = None  # an import of it fails
import meridian_aws_preload
meridian_aws_preload.install()
meridian_aws_preload.install()  # the .pth may run twice (site-packages twice on sys.path): once is done
out = {"boto3": sys.modules.get("boto3") is not None}
if out["boto3"]:
    import boto3, botocore.session
    loader = botocore.session.get_session().get_component("data_loader")
    out["ec2_loaded"] = any(key[1:3] == ("ec2", "service-2") for key in loader._cache)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a module run forked from the interpreter: a boto3 session and client of its own
        session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="eu-west-1")
        client = session.client("ec2", endpoint_url="http://127.0.0.1:9")
        boto3.session.Session(region_name="us-east-1")
        mine = session._session.get_component("data_loader")
        os.write(write, json.dumps({"same_loader": mine is loader, "service": client.meta.service_model.service_name,
                                    "region": client.meta.region_name,
                                    "paths_unique": len(mine.search_paths) == len(set(mine.search_paths))}).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    out["child"] = json.loads(os.read(read, 65536))
print(json.dumps(out))
""" % {"site": SITE, "tools": os.path.join(ROOT, "tools", "venv")}


def probe(argv0, *failing, **env):
    """Run PROBE in an interpreter whose argv[0] is argv0, with `failing` modules made unimportable."""
    cmd = ["bash", "-c", 'exec -a "$0" "$@"', argv0, sys.executable, "-S", "-c", PROBE] + list(failing)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=dict(os.environ, **env))
    return json.loads(proc.stdout)


def test_a_mitogen_interpreter_preloads_and_its_forked_children_share_the_loader():
    out = probe("/venv/bin/python(mitogen:root@host:1234)", MERIDIAN_AWS_PRELOAD="1")
    assert out["boto3"] is True
    assert out["ec2_loaded"] is True  # EC2's model was read before any client asked for it
    assert out["child"] == {"same_loader": True, "service": "ec2", "region": "eu-west-1", "paths_unique": True}


def test_any_other_interpreter_is_left_alone():
    out = probe(sys.executable, MERIDIAN_AWS_PRELOAD="1")
    assert out == {"boto3": False}


def test_the_preload_can_be_turned_off():
    out = probe("/venv/bin/python(mitogen:root@host:1234)", MERIDIAN_AWS_PRELOAD="0")
    assert out == {"boto3": False}


def test_an_interpreter_without_boto3_starts_as_it_would_have():
    out = probe("/venv/bin/python(mitogen:root@host:1234)", "boto3", MERIDIAN_AWS_PRELOAD="1")
    assert out == {"boto3": False}
    # and botocore's session factory is botocore's own
    code = ("import sys; sys.path[:0] = %r; sys.path.insert(0, %r); sys.modules['boto3'] = None\n"
            "import meridian_aws_preload, botocore.session, botocore.loaders\n"
            "meridian_aws_preload.install()\n"
            "print(botocore.session.create_loader is botocore.loaders.create_loader)"
            % (SITE, os.path.join(ROOT, "tools", "venv")))
    proc = subprocess.run(["bash", "-c", 'exec -a "$0" "$@"', "python(mitogen:x)", sys.executable, "-S", "-c", code],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True"
