# -*- coding: utf-8 -*-
"""One ansible-playbook run of a role test's playbook, with the collection's ansible.cfg and no colour:
the play recap's changed count per host, or the output of a run that must fail."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
RECAP = re.compile(r"(?m)^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0")


def run_playbook(playbook, inventory, hosts, extra_vars=None, args=(), env=None, fails=False, timeout=900):
    """Run ``playbook`` on ``inventory`` with ``-e key=value`` for each of ``extra_vars`` and then ``args``.

    A run that must fail (``fails``) returns its output. Otherwise it must pass with a recap line for
    exactly ``hosts``, each unreachable=0 failed=0, and it returns ``({host: changed}, output)``.
    """
    cmd = [ANSIBLE_PLAYBOOK, "-i", inventory, playbook, "-e", "ansible_python_interpreter=" + sys.executable]
    for key, value in sorted((extra_vars or {}).items()):
        cmd += ["-e", "%s=%s" % (key, value)]
    cmd += list(args)
    environ = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0", **(env or {}))
    proc = subprocess.run(cmd, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout, check=False)
    if fails:
        assert proc.returncode != 0, proc.stdout
        return proc.stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recaps = dict((host, int(changed)) for host, changed in RECAP.findall(proc.stdout) if host in hosts)
    assert sorted(recaps) == sorted(hosts), proc.stdout
    return recaps, proc.stdout
