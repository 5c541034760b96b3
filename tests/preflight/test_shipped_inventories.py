# -*- coding: utf-8 -*-
"""The shipped staging and prod inventories load and pass the provision playbook's preflight, with
no API call possible.

`ansible-inventory --list` must load each inventory (every source parses) with its regions. Then
the preflight plays of playbooks/provision.yml (its leading plays, the ones that name no role to
apply and no AWS connection settings) run against it exactly as shipped. Every way out to AWS leads
to one port on 127.0.0.1 where a listener counts connections and closes each at once, so no API
answer is possible: the modules' endpoint (meridian_aws_endpoint_url and the connection options of
meridian_aws_module_defaults), the SDK's own AWS_ENDPOINT_URL, and the HTTP(S) proxies (for any
client that ignores the endpoint); the instance metadata service is off. A passing run with no
connection on that port proves the preflight called nothing. Mutated copies (regions whose CIDRs
overlap, an unknown region) must fail in the preflight, naming the field, again with no connection.

When a shipped inventory is refused, the failure names the rule: the preflight task that failed,
its host and its message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading

import pytest
import yaml

from ansible_collections.meridian.global_infra.tests.preflight.playbook import ROOT

BIN = os.path.dirname(sys.executable)
SHIPPED = ["staging", "prod"]


class ClosingListener(object):
    """A port on 127.0.0.1 that accepts every connection, records it and closes it unanswered."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            conn.settimeout(1.0)
            try:
                first = conn.recv(200)
            except OSError:
                first = b""
            self.connections.append((peer, first.split(b"\r\n")[0].decode("latin-1")))
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    lsn = ClosingListener()
    yield lsn
    lsn.close()


def preflight_plays(path=os.path.join(ROOT, "playbooks", "provision.yml"), leading=None):
    """The leading plays of provision.yml (following imports) that apply no role and set no AWS
    connection options; returns (plays, whether the end of the preflight was reached)."""
    leading = [] if leading is None else leading
    with open(path, encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    for play in plays:
        imported = play.get("import_playbook") or play.get("ansible.builtin.import_playbook")
        if imported:
            done = preflight_plays(os.path.join(os.path.dirname(path), imported), leading)[1]
            if done:
                return leading, True
            continue
        if play.get("roles") or play.get("module_defaults"):
            return leading, True
        leading.append(play)
    return leading, False


def _env(endpoint):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", AWS_ENDPOINT_URL=endpoint, HTTP_PROXY=endpoint, HTTPS_PROXY=endpoint,
               http_proxy=endpoint, https_proxy=endpoint, AWS_ACCESS_KEY_ID="preflight", AWS_SECRET_ACCESS_KEY="preflight",
               AWS_EC2_METADATA_DISABLED="true", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    for name in ("NO_PROXY", "no_proxy", "AWS_PROFILE", "AWS_SESSION_TOKEN", "MERIDIAN_MOTO_PORT"):
        env.pop(name, None)
    return env


def run_preflight(tmp_path, inventory, endpoint):
    """(exit code, output) of provision.yml's preflight plays on the inventory, every AWS endpoint closed."""
    plays = preflight_plays()[0]
    assert plays, "playbooks/provision.yml has no preflight play before the first play that applies roles"
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    closed = {"meridian_aws_endpoint_url": endpoint,
              "meridian_aws_module_defaults": {"endpoint_url": endpoint, "access_key": "preflight",
                                               "secret_key": "preflight"}}
    extra = tmp_path / "closed_endpoint.json"
    extra.write_text(json.dumps(closed))
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", inventory, str(playbook), "-e", "@" + str(extra)],
                          cwd=ROOT, env=_env(endpoint), capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def refusals(out):
    """Every failed task of a run: 'TASK [name] on host: message', in order."""
    found = []
    task = "?"
    lines = out.splitlines()
    for index, line in enumerate(lines):
        header = re.match(r"^TASK \[(.*)\]", line)
        if header:
            task = header.group(1)
            continue
        failed = re.match(r"^(?:fatal|failed): \[([^\]]+)\]", line)
        if failed:
            block = "\n".join(lines[index:index + 40])
            msg = re.search(r"msg: (.*(?:\n    .*)*)", block) or re.search(r'"msg": "([^"]*)"', block)
            found.append("TASK [%s] on %s: %s" % (task, failed.group(1),
                                                  " ".join(msg.group(1).split()) if msg else block[:400]))
    return found


def _copy(tmp_path, env):
    inv = tmp_path / env
    shutil.copytree(os.path.join(ROOT, "inventories", env), str(inv))
    return inv


def _edit_host(inv, host, **changes):
    path = inv / "host_vars" / ("%s.yml" % host)
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


def _aws_hosts(env):
    proc = subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", os.path.join(ROOT, "inventories", env), "--list"],
                          cwd=ROOT, env=_env("http://127.0.0.1:9"), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, "ansible-inventory -i inventories/%s --list: %s" % (env, proc.stderr[-2000:])
    data = json.loads(proc.stdout)
    return data, data.get("aws_regions", {}).get("hosts", [])


@pytest.mark.parametrize("env", SHIPPED)
def test_shipped_inventory_loads(env):
    data, hosts = _aws_hosts(env)
    assert len(hosts) >= 2, "inventories/%s: aws_regions has %s" % (env, hosts)
    assert "aws_regions" in data["regions"]["children"], "inventories/%s: aws_regions is not under regions" % env
    hostvars = data["_meta"]["hostvars"]
    regions = [hostvars[h]["meridian_region"] for h in hosts]
    assert len(set(regions)) == len(regions), "inventories/%s: a region twice: %s" % (env, regions)
    for host in hosts:
        assert hostvars[host]["meridian_env"] == env, host
        assert hostvars[host]["meridian_provider"] == "aws", host
        assert hostvars[host]["meridian_failover_region"] in regions, host
        assert hostvars[host]["network_vpc_cidr"], host


@pytest.mark.parametrize("env", SHIPPED)
def test_shipped_inventory_passes_preflight_without_an_api_call(tmp_path, listener, env):
    endpoint = "http://127.0.0.1:%d" % listener.port
    rc, out = run_preflight(tmp_path, os.path.join(ROOT, "inventories", env), endpoint)
    assert rc == 0, "preflight refused inventories/%s:\n%s\n%s" % (env, "\n".join(refusals(out)) or "(no failed task)", out[-3000:])
    hosts = _aws_hosts(env)[1]
    recap = out.split("PLAY RECAP")[-1]
    for host in hosts:
        assert re.search(r"^%s\s+: ok=[1-9]" % re.escape(host), recap, re.M), "%s did not run the preflight:\n%s" % (host, recap)
    assert listener.connections == [], "the preflight of inventories/%s connected: %s" % (env, listener.connections)


@pytest.mark.parametrize("env,host,changes,fragments", [
    # eu-central-1's VPC inside us-east-1's
    ("prod", "aws-eu-central-1", {"network_vpc_cidr": "10.110.128.0/17"},
     ["network_vpc_cidr overlaps between regions", "10.110.128.0/17"]),
    ("staging", "aws-eu-west-1", {"meridian_region": "eu-wset-1"},
     ['meridian_region: "eu-wset-1"', "not a known aws region"]),
    ("prod", "aws-us-east-1", {"network_vpc_cidr": "10.110.0.0/33"},
     ["network_vpc_cidr (aws-us-east-1): '10.110.0.0/33' is not a valid network CIDR"]),
])
def test_mutated_inventory_fails_in_preflight_naming_the_field(tmp_path, listener, env, host, changes, fragments):
    inv = _copy(tmp_path, env)
    _edit_host(inv, host, **changes)
    endpoint = "http://127.0.0.1:%d" % listener.port
    rc, out = run_preflight(tmp_path, str(inv), endpoint)
    failures = refusals(out)
    assert rc != 0 and failures, out[-3000:]
    for fragment in fragments:
        assert fragment in out, "expected %r in the refusal; got:\n%s" % (fragment, "\n".join(failures))
    assert listener.connections == [], listener.connections


def test_the_listener_sees_a_call(listener):
    # The proof above relies on the listener seeing an attempted call: an SDK call to it is recorded.
    import boto3
    import botocore.config
    import botocore.exceptions

    client = boto3.client("ec2", region_name="us-east-1", endpoint_url="http://127.0.0.1:%d" % listener.port,
                          aws_access_key_id="x", aws_secret_access_key="x",
                          config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=2))
    with pytest.raises(botocore.exceptions.BotoCoreError):
        client.describe_vpcs()
    assert listener.connections and "POST /" in listener.connections[0][1]
