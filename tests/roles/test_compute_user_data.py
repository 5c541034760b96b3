# -*- coding: utf-8 -*-
"""The compute role's user data: rendered by the role itself from inventory data, parsed as cloud-config,
and checked against the service contract (the JSON of /healthz that the local stack's region endpoints
and the failover drill read).

The service the user data writes is started here from the decoded user data, on 127.0.0.1, and
answers like tools/local_stack/region_service.py: same paths, same keys, same status codes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import importlib.util
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compute_user_data.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
PROGRAM = os.path.join(ROOT, "roles", "compute", "files", "meridian_region_service.py")
REGION_SERVICE = os.path.join(ROOT, "tools", "local_stack", "region_service.py")
SHA = "0123456789abcdef" * 4
URL = "https://releases.example.com/meridian/region-service-1.0.0"
# EC2 refuses user data above 16 KB (before base64).
USER_DATA_LIMIT = 16384
CONTRACT_KEYS = {"region", "db_port", "db_role", "last_marker", "error"}


def _render(tmp_path, **extra):
    out = tmp_path / "user_data.json"
    args = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", PLAYBOOK, "-e", "out=%s" % out,
            "-e", "ansible_python_interpreter=" + sys.executable]
    for key, value in extra.items():
        args += ["-e", json.dumps({key: value})]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    return _render(tmp_path_factory.mktemp("bundled"), compute_service_db_host="db.eu-west-1.example.internal",
                   compute_service_db_secret_id="arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1")


def _cloud_config(text):
    assert text.startswith("#cloud-config\n")
    assert len(text.encode()) < USER_DATA_LIMIT, len(text.encode())
    return yaml.safe_load(text)


def _files(config):
    return dict((entry["path"], entry) for entry in config["write_files"])


def _exec_start(config, service):
    unit = _files(config)["/etc/systemd/system/meridian-%s.service" % service]["content"]
    line = [line for line in unit.splitlines() if line.startswith("ExecStart=")][0]
    argv = shlex.split(line[len("ExecStart="):])
    program = argv.index("/opt/meridian/bin/meridian-region-service")
    # The collection's file runs under the image's Python 3; a release executable runs by itself.
    assert argv[:program] in (["/usr/bin/python3"], [])
    return unit, argv[program + 1:]


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_service_gets_cloud_config_that_installs_and_starts_it(bundled):
    assert sorted(bundled) == ["api", "web"]
    for name, port, health_path in (("web", 8080, "/healthz"), ("api", 8081, "/api/healthz")):
        config = _cloud_config(bundled[name])
        assert config["packages"] == ["python3", "python3-psycopg2"]
        files = _files(config)
        # The program is the role's own file, byte for byte.
        program = files["/opt/meridian/bin/meridian-region-service"]
        assert program["encoding"] == "b64" and program["permissions"] == "0755"
        with open(PROGRAM) as handle:
            assert base64.b64decode(program["content"]).decode() == handle.read().rstrip("\n")
        unit, argv = _exec_start(config, name)
        assert "ExecStart=/usr/bin/python3 /opt/meridian/bin/meridian-region-service " in unit
        assert "DynamicUser=yes" in unit and "Restart=always" in unit and "WantedBy=multi-user.target" in unit
        args = _load(PROGRAM, "meridian_region_service").parse_args(argv)
        assert (args.region, args.port, args.bind, args.health_path) == ("eu-west-1", port, "0.0.0.0", [health_path])
        assert (args.db_host, args.db_port, args.db_name, args.db_user, args.db_sslmode) == (
            "db.eu-west-1.example.internal", 5432, "meridian", "meridian_admin", "require")
        assert args.db_secret_id.startswith("arn:aws:secretsmanager:eu-west-1:")
        # No password in the user data (anyone with ec2:DescribeLaunchTemplateVersions reads it).
        assert "password" not in bundled[name].lower().replace("password-file", "").replace("db_password", "")
        script = files["/opt/meridian/bin/meridian-install"]["content"]
        assert "systemctl enable --now meridian-%s.service" % name in script and "curl" not in script
        assert config["runcmd"] == [["/opt/meridian/bin/meridian-install"]]


def test_the_install_script_is_valid_shell(bundled, tmp_path):
    released = _render(tmp_path, compute_service_artifact_url=URL, compute_service_artifact_sha256=SHA,
                       compute_service_db_host="db.example.internal")
    for text in (bundled["web"], released["web"]):
        script = _files(_cloud_config(text))["/opt/meridian/bin/meridian-install"]["content"]
        path = tmp_path / "install.sh"
        path.write_text(script)
        assert subprocess.run(["sh", "-n", str(path)], check=False).returncode == 0
        if shutil.which("shellcheck"):
            check = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True, check=False)
            assert check.returncode == 0, check.stdout


def test_a_release_url_is_downloaded_checked_and_installed_instead(tmp_path):
    released = _render(tmp_path, compute_service_artifact_url=URL, compute_service_artifact_sha256=SHA,
                       compute_service_db_host="db.example.internal")
    config = _cloud_config(released["api"])
    files = _files(config)
    assert "/opt/meridian/bin/meridian-region-service" not in files
    lines = files["/opt/meridian/bin/meridian-install"]["content"].splitlines()
    assert lines[:3] == ["#!/bin/sh", lines[1], "set -eu"]
    download = [i for i, line in enumerate(lines) if line.startswith("curl ")][0]
    check = [i for i, line in enumerate(lines) if "sha256sum --check --strict" in line][0]
    install = [i for i, line in enumerate(lines) if line.startswith("install -m 0755")][0]
    start = [i for i, line in enumerate(lines) if line.startswith("systemctl enable --now meridian-api.service")][0]
    assert download < check < install < start
    assert URL in lines[download] and "--fail" in lines[download]
    assert shlex.split(lines[check].split("|")[0])[1] == SHA + "  /opt/meridian/bin/meridian-region-service.download"
    assert "ExecStart=/opt/meridian/bin/meridian-region-service --region eu-west-1 " in _exec_start(config, "api")[0]


def test_the_install_script_refuses_a_download_with_another_checksum(tmp_path):
    """Runs the rendered script with stand-ins for curl, install and systemctl, its paths moved under tmp_path."""
    released = _render(tmp_path, compute_service_artifact_url=URL, compute_service_artifact_sha256=SHA,
                       compute_service_db_host="db.example.internal")
    script = _files(_cloud_config(released["web"]))["/opt/meridian/bin/meridian-install"]["content"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls"
    (bindir / "curl").write_text('#!/bin/sh\nwhile [ "$1" != "--output" ]; do shift; done\necho tampered > "$2"\n')
    (bindir / "systemctl").write_text('#!/bin/sh\necho "systemctl $*" >> %s\n' % calls)
    for tool in ("curl", "systemctl"):
        (bindir / tool).chmod(0o755)
    opt = tmp_path / "opt"
    (opt / "meridian" / "bin").mkdir(parents=True)
    path = tmp_path / "install.sh"
    path.write_text(script.replace("/opt/", str(opt) + "/"))
    env = dict(os.environ, PATH="%s:%s" % (bindir, os.environ["PATH"]))
    run = subprocess.run(["sh", str(path)], env=env, capture_output=True, text=True, check=False)
    assert run.returncode != 0
    assert "FAILED" in run.stdout + run.stderr
    assert not calls.exists(), "the service must not start after a failed checksum"
    assert not (opt / "meridian" / "bin" / "meridian-region-service").exists()


def test_user_data_of_your_own_replaces_the_generated_one(tmp_path):
    own = "#!/bin/bash\n/usr/local/bin/install-our-service\n"
    rendered = _render(tmp_path, compute_user_data=own, compute_service_db_host="db.example.internal")
    assert rendered == {"web": own, "api": own}


def _free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@contextlib.contextmanager
def _serving(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("answer, status", [
    ({"db_role": "primary", "last_marker": 42, "error": None}, 200),
    ({"db_role": "standby", "last_marker": 0, "error": None}, 200),
    ({"db_role": None, "last_marker": None, "error": "connection refused"}, 503),
])
def test_the_service_answers_like_the_local_stack_region_endpoint(monkeypatch, answer, status):
    ours = _load(PROGRAM, "meridian_region_service")
    local = _load(REGION_SERVICE, "region_service")
    monkeypatch.setattr(local, "read_database", lambda *_args, **_kwargs: dict(answer))
    with _serving(ours.make_handler("eu-west-1", "db", 5432, ["/api/healthz"], lambda: dict(answer))) as mine, \
            _serving(local.make_handler("eu-west-1", "db", 5432, "/nonexistent/pg_password")) as theirs:
        for path in ("/", "/healthz", "/nowhere"):
            assert _get(mine + path) == _get(theirs + path), path
        code, body = _get(mine + "/healthz")
        assert code == status and set(body) == CONTRACT_KEYS and body["region"] == "eu-west-1"
        # The service's own health path behind the load balancer answers the same.
        assert _get(mine + "/api/healthz") == (code, body)


def test_the_program_from_the_user_data_serves_the_contract(bundled, tmp_path):
    """The decoded program, started as systemd would (its ExecStart arguments) but on 127.0.0.1 and a
    free port, with a database port nothing listens on: /healthz is 503 with the contract's keys."""
    config = _cloud_config(bundled["api"])
    program = tmp_path / "meridian-region-service"
    program.write_bytes(base64.b64decode(_files(config)["/opt/meridian/bin/meridian-region-service"]["content"]))
    _unit, argv = _exec_start(config, "api")
    port, db_port = _free_port(), _free_port()
    argv = list(argv)
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--bind") + 1] = "127.0.0.1"
    argv[argv.index("--db-host") + 1] = "127.0.0.1"
    argv[argv.index("--db-port") + 1] = str(db_port)
    secret = argv.index("--db-secret-id")
    del argv[secret:secret + 2]
    argv[argv.index("--db-sslmode") + 1] = "disable"
    proc = subprocess.Popen([sys.executable, str(program)] + argv, stderr=subprocess.PIPE)
    try:
        for _attempt in range(50):
            try:
                status, body = _get("http://127.0.0.1:%d/" % port)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert (status, body) == (200, {"region": "eu-west-1"})
        for path in ("/healthz", "/api/healthz"):
            status, body = _get("http://127.0.0.1:%d%s" % (port, path))
            assert status == 503 and set(body) == CONTRACT_KEYS
            assert body["region"] == "eu-west-1" and body["db_port"] == db_port and body["db_role"] is None
            assert body["error"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
