#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a playbook the way AWX runs a job: through ansible-runner, in a private data directory.

AWX hands every job to ansible-runner (``ansible_runner.run(private_data_dir=..., playbook=...,
inventory=..., extravars=...)``), reads the job's ``status`` and ``rc``, and builds the job's host
summaries from the ``playbook_on_stats`` event. This tool does the same for one playbook of this
collection and prints the result as JSON:

    .venv/bin/python tools/awx/runner_job.py --playbook playbooks/provision.yml \
        --inventory inventories/local [-e key=value | -e @file.yml] [--limit PATTERN] \
        [--check] [--diff] [--env KEY=VALUE] [--private-data-dir DIR] [--expect-no-changes]

Exit code: 0 when the job's status is ``successful`` (and, with ``--expect-no-changes``, no host
reports a change), 1 when the job failed or errored (AWX's ``failed``/``error``), 3 when it succeeded
but a host changed something while ``--expect-no-changes`` was given, 4 when the events hold no
``playbook_on_stats`` (the play never ended), 2 on a usage error.

The project directory is this checkout (AWX syncs the project and runs from its root, so the
project's ``ansible.cfg`` applies); the private data directory (a new temporary one unless
``--private-data-dir`` names one) receives ``env/extravars``, ``env/cmdline`` and the
``artifacts/<ident>/`` tree (``rc``, ``status``, ``stdout``, ``job_events/``) as in AWX.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# playbook_on_stats' event_data keys and the names AWX gives them in a job's host summaries
# (JobHostSummary: ok, changed, failures, dark, skipped, rescued, ignored).
STATS_KEYS = {
    "ok": "ok",
    "changed": "changed",
    "failures": "failed",
    "dark": "unreachable",
    "skipped": "skipped",
    "rescued": "rescued",
    "ignored": "ignored",
}

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CHANGED, EXIT_NO_STATS = 0, 1, 2, 3, 4


class RunnerJobError(Exception):
    """A job's events cannot be read (no playbook_on_stats, a malformed event)."""


def stats_event(events):
    """The last ``playbook_on_stats`` event of a job's events (ansible-runner event dicts), or None."""
    found = None
    for event in events:
        if not isinstance(event, dict):
            raise RunnerJobError("an event is not a mapping: %r" % (event,))
        if event.get("event") == "playbook_on_stats":
            found = event
    return found


def host_summaries(stats):
    """Per-host counts from a ``playbook_on_stats`` event's ``event_data``.

    Every host named under any counter gets every counter (0 when absent), keyed by AWX's names:
    ``{"aws-us-east-1": {"ok": 31, "changed": 0, "failed": 0, "unreachable": 0, ...}}``.
    """
    if not isinstance(stats, dict):
        raise RunnerJobError("playbook_on_stats event_data is not a mapping: %r" % (stats,))
    hosts = set()
    for key in STATS_KEYS:
        counts = stats.get(key) or {}
        if not isinstance(counts, dict):
            raise RunnerJobError("playbook_on_stats %s is not a mapping of host to count: %r" % (key, counts))
        hosts.update(counts)
    summaries = {}
    for host in sorted(hosts):
        summaries[host] = dict((name, int((stats.get(key) or {}).get(host, 0))) for key, name in STATS_KEYS.items())
    return summaries


def summarize(status, rc, events):
    """The job's result as AWX shows it: status, rc, per-host counts, and the hosts that failed or changed."""
    event = stats_event(events)
    if event is None:
        hosts = None
    else:
        hosts = host_summaries(event.get("event_data") or {})
    result = {"status": status, "rc": rc, "hosts": hosts}
    if hosts is not None:
        result["failed_hosts"] = sorted(h for h, c in hosts.items() if c["failed"] or c["unreachable"])
        result["changed_hosts"] = sorted(h for h, c in hosts.items() if c["changed"])
        result["totals"] = dict((name, sum(c[name] for c in hosts.values())) for name in STATS_KEYS.values())
    return result


def exit_code(result, expect_no_changes=False):
    """0 successful, 1 failed/error, 3 changes where none were expected, 4 no playbook_on_stats."""
    if result["status"] != "successful" or result["rc"] != 0:
        return EXIT_FAILED
    if result["hosts"] is None:
        return EXIT_NO_STATS
    if expect_no_changes and result["changed_hosts"]:
        return EXIT_CHANGED
    return EXIT_OK


def parse_extravars(values):
    """``-e key=value`` (a string; ``key=`` gives an empty string) and ``-e @file`` (YAML/JSON), later ones win."""
    extravars = {}
    for value in values or []:
        if value.startswith("@"):
            with open(value[1:]) as handle:
                loaded = yaml.safe_load(handle) or {}
            if not isinstance(loaded, dict):
                raise ValueError("%s does not hold a mapping of variables" % value[1:])
            extravars.update(loaded)
        elif "=" in value:
            key, _sep, val = value.partition("=")
            if not key:
                raise ValueError("extra variable without a name: %r" % value)
            extravars[key] = val
        else:
            raise ValueError("extra variable must be key=value or @file: %r" % value)
    return extravars


def run_job(playbook, inventory, extravars=None, private_data_dir=None, project_dir=ROOT, limit=None,
            check=False, diff=False, envvars=None, quiet=True):
    """Run PLAYBOOK through ansible-runner as AWX does; return (summary dict, the runner object)."""
    import ansible_runner  # imported here: the parsing above is usable (and tested) without it

    if private_data_dir is None:
        private_data_dir = tempfile.mkdtemp(prefix="meridian-runner-")
    elif not os.path.isdir(private_data_dir):
        os.makedirs(private_data_dir)
    cmdline = []
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    # ansible-playbook of this Python's environment (the venv), as the execution environment's own
    env = {"ANSIBLE_CONFIG": os.path.join(project_dir, "ansible.cfg"),
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", os.defpath)])}
    env.update(envvars or {})
    runner = ansible_runner.run(
        private_data_dir=private_data_dir,
        project_dir=project_dir,
        playbook=os.path.join(project_dir, playbook) if not os.path.isabs(playbook) else playbook,
        inventory=os.path.join(project_dir, inventory) if not os.path.isabs(inventory) else inventory,
        extravars=extravars or {},
        limit=limit,
        cmdline=" ".join(cmdline) or None,
        envvars=env,
        quiet=quiet,
    )
    result = summarize(runner.status, runner.rc, list(runner.events))
    result["artifact_dir"] = runner.config.artifact_dir
    result["private_data_dir"] = private_data_dir
    return result, runner


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--playbook", required=True, help="playbook path, relative to the project (this checkout)")
    parser.add_argument("--inventory", required=True, help="inventory path, relative to the project")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], help="key=value or @file (repeatable)")
    parser.add_argument("--limit", help="host pattern, as a job template's limit")
    parser.add_argument("--check", action="store_true", help="job type check")
    parser.add_argument("--diff", action="store_true", help="show changes (diff mode)")
    parser.add_argument("--env", action="append", default=[],
                        help="KEY=VALUE for the job's environment, as a credential's injectors give it (repeatable)")
    parser.add_argument("--private-data-dir", help="ansible-runner's private data directory (default: a new temporary one)")
    parser.add_argument("--expect-no-changes", action="store_true", help="exit 3 when a host reports a change")
    parser.add_argument("--verbose-output", action="store_true", help="print the playbook's output as it runs")
    args = parser.parse_args(argv)
    try:
        extravars = parse_extravars(args.extra_vars)
    except (OSError, ValueError) as exc:
        print("runner_job: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    envvars = {}
    for value in args.env:
        key, sep, val = value.partition("=")
        if not key or not sep:
            print("runner_job: --env must be KEY=VALUE: %r" % value, file=sys.stderr)
            return EXIT_USAGE
        envvars[key] = val
    for path in (args.playbook, args.inventory):
        if not os.path.exists(os.path.join(ROOT, path)):
            print("runner_job: %s does not exist in %s" % (path, ROOT), file=sys.stderr)
            return EXIT_USAGE
    result, runner = run_job(args.playbook, args.inventory, extravars=extravars,
                             private_data_dir=args.private_data_dir, limit=args.limit, check=args.check,
                             diff=args.diff, envvars=envvars, quiet=not args.verbose_output)
    code = exit_code(result, args.expect_no_changes)
    if code != EXIT_OK and not args.verbose_output:
        # the end of the job's output names what failed
        stdout = os.path.join(result["artifact_dir"], "stdout")
        if os.path.exists(stdout):
            with open(stdout, errors="replace") as handle:
                sys.stderr.write("".join(handle.readlines()[-60:]))
    print(json.dumps(result, indent=2, sort_keys=True))
    return code


if __name__ == "__main__":
    sys.exit(main())
