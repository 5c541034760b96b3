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
        [--check] [--diff] [--env KEY=VALUE] [--private-data-dir DIR] [--expect-no-changes] \
        [--skip-tags TAGS] [--slices N]

With ``--slices N`` the job runs as AWX runs a job template whose ``job_slice_count`` is N: N jobs at
once, each on its own slice of the inventory and nothing else. AWX gives a slice job an inventory
pared down to the slice's hosts (the inventory's hosts in name order, slice k of N holding the k-th,
(k+N)-th, ... host; groups and their variables kept, the other hosts absent from every group); this
tool makes that inventory from ``ansible-inventory --list --export`` (what AWX imports), writes it
as a YAML inventory in the slice's private data directory, and applies the template's limit inside
each slice, as AWX does. The result holds every slice's summary; the job is ``successful`` when every
slice is.

Exit code: 0 when the job's status is ``successful`` (and, with ``--expect-no-changes``, no host
reports a change), 1 when the job failed or errored (AWX's ``failed``/``error``), 3 when it succeeded
but a host changed something while ``--expect-no-changes`` was given, 4 when the events hold no
``playbook_on_stats`` (the play never ended), 2 on a usage error.

The project directory is this checkout (AWX syncs the project and runs from its root, so the
project's ``ansible.cfg`` applies); the private data directory (a new temporary one unless
``--private-data-dir`` names one) receives ``env/extravars``, ``env/envvars``, ``env/cmdline`` and the
``artifacts/<ident>/`` tree (``rc``, ``status``, ``stdout``, ``job_events/``) as in AWX. A directory
used again gets this job's ``env/`` inputs: the previous job's are removed first (ansible-runner would
otherwise keep them and run with them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The files of a private data directory's env/ that run_job gives ansible-runner for each job.
JOB_INPUTS = ("extravars", "envvars", "cmdline")

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


def inventory_hosts(data):
    """Every host of an inventory in ``ansible-inventory --list`` form, in name order (AWX's slicing order)."""
    hosts = set((data.get("_meta") or {}).get("hostvars") or {})
    for name, group in data.items():
        if name != "_meta" and isinstance(group, dict):
            hosts.update(group.get("hosts") or [])
    return sorted(hosts)


def slice_inventory(data, number, count):
    """Slice NUMBER (1-based) of COUNT of an inventory in ``ansible-inventory --list --export`` form.

    As AWX pares an inventory for a slice job: the hosts in name order, slice k holding hosts
    k-1, k-1+COUNT, ...; every group kept with its variables and children, listing only the slice's
    hosts; host variables of the slice's hosts only.
    """
    if not (isinstance(count, int) and isinstance(number, int) and 1 <= number <= count):
        raise ValueError("slice %r of %r: the slice number must be between 1 and the slice count" % (number, count))
    chosen = set(inventory_hosts(data)[number - 1::count])
    pared = {}
    for name, group in data.items():
        if name == "_meta" or not isinstance(group, dict):
            continue
        kept = dict(group)
        if "hosts" in group:
            kept["hosts"] = [h for h in group["hosts"] if h in chosen]
        pared[name] = kept
    hostvars = (data.get("_meta") or {}).get("hostvars") or {}
    pared["_meta"] = {"hostvars": dict((h, v) for h, v in hostvars.items() if h in chosen)}
    return pared


def yaml_inventory(data):
    """An inventory in ``ansible-inventory --list`` form as a YAML inventory (ansible.builtin.yaml)."""
    hostvars = (data.get("_meta") or {}).get("hostvars") or {}
    groups = {}
    for name, group in data.items():
        if name in ("_meta", "all") or not isinstance(group, dict):
            continue
        entry = {}
        if group.get("hosts"):
            entry["hosts"] = dict((h, None) for h in group["hosts"])
        if group.get("vars"):
            entry["vars"] = group["vars"]
        if group.get("children"):
            entry["children"] = dict((c, None) for c in group["children"])
        groups[name] = entry
    top = {"children": groups}
    all_group = data.get("all") or {}
    if all_group.get("vars"):
        top["vars"] = all_group["vars"]
    if hostvars:
        top["hosts"] = dict((h, v or None) for h, v in sorted(hostvars.items()))
    return {"all": top}


def export_inventory(inventory, project_dir=ROOT):
    """The inventory as AWX imports it: ``ansible-inventory -i INVENTORY --list --export``."""
    path = os.path.join(project_dir, inventory) if not os.path.isabs(inventory) else inventory
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", path, "--list", "--export"]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(project_dir, "ansible.cfg"))
    done = subprocess.run(command, cwd=project_dir, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RunnerJobError("ansible-inventory -i %s failed: %s" % (inventory, done.stderr.strip()[-2000:]))
    return json.loads(done.stdout)


def run_job(playbook, inventory, extravars=None, private_data_dir=None, project_dir=ROOT, limit=None,
            check=False, diff=False, envvars=None, quiet=True, skip_tags=None):
    """Run PLAYBOOK through ansible-runner as AWX does; return (summary dict, the runner object)."""
    import ansible_runner  # imported here: the parsing above is usable (and tested) without it

    if private_data_dir is None:
        private_data_dir = tempfile.mkdtemp(prefix="meridian-runner-")
    elif not os.path.isdir(private_data_dir):
        os.makedirs(private_data_dir)
    # ansible-runner writes these inputs only where they are absent and reads them back over what it
    # is given: a directory used again would run the previous job's extra vars, environment and
    # --check. AWX gives every job a new directory; here each job writes its own.
    for name in JOB_INPUTS:
        path = os.path.join(private_data_dir, "env", name)
        if os.path.exists(path):
            os.remove(path)
    cmdline = []
    if check:
        cmdline.append("--check")
    if diff:
        cmdline.append("--diff")
    if skip_tags:
        cmdline.extend(["--skip-tags", skip_tags])
    # ansible-playbook of this Python's environment (the venv), as the execution environment's own;
    # ansible-core's own strategy, as AWX runs a job (the project's ansible.cfg chooses none), even
    # when the caller runs with Mitogen's (ANSIBLE_STRATEGY of the Makefile and the test command)
    env = {"ANSIBLE_CONFIG": os.path.join(project_dir, "ansible.cfg"), "ANSIBLE_STRATEGY": "linear",
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


def run_sliced_job(playbook, inventory, slices, private_data_dir=None, project_dir=ROOT, **job):
    """Run PLAYBOOK as AWX runs a sliced job template: SLICES jobs at once, each on its slice of INVENTORY.

    Returns the job's result: ``status`` (``successful`` when every slice is), ``rc`` (the first
    non-zero slice rc, else 0) and ``slices``, one summary per slice (as run_job's, plus ``slice``
    "k/N" and the slice's ``inventory_hosts``).
    """
    data = export_inventory(inventory, project_dir)
    if private_data_dir is None:
        private_data_dir = tempfile.mkdtemp(prefix="meridian-runner-")
    results = [None] * slices
    errors = []

    def one(number):
        slice_dir = os.path.join(private_data_dir, "slice%dof%d" % (number, slices))
        os.makedirs(slice_dir, exist_ok=True)
        pared = slice_inventory(data, number, slices)
        slice_inventory_path = os.path.join(slice_dir, "inventory.yml")
        with open(slice_inventory_path, "w") as handle:
            yaml.safe_dump(yaml_inventory(pared), handle, default_flow_style=False, sort_keys=True)
        try:
            result, _runner = run_job(playbook, slice_inventory_path, private_data_dir=slice_dir,
                                      project_dir=project_dir, **job)
        except Exception as exc:  # a slice that cannot start fails the job, as in AWX
            errors.append("slice %d/%d: %s" % (number, slices, exc))
            return
        result["slice"] = "%d/%d" % (number, slices)
        result["inventory_hosts"] = inventory_hosts(pared)
        results[number - 1] = result

    threads = [threading.Thread(target=one, args=(n,)) for n in range(1, slices + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [r for r in results if r is not None]
    failed = errors or [r for r in done if r["status"] != "successful" or r["rc"] != 0 or r["hosts"] is None]
    rcs = [r["rc"] for r in done if r["rc"]]
    return {"status": "failed" if failed else "successful", "rc": (rcs[0] if rcs else (1 if failed else 0)),
            "slices": done, "errors": errors, "private_data_dir": private_data_dir}


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
    parser.add_argument("--skip-tags", help="tags to skip, as a job template's skip_tags")
    parser.add_argument("--slices", type=int, default=1,
                        help="run as a job template with this job_slice_count: that many jobs at once, one per slice")
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
    if args.slices < 1:
        print("runner_job: --slices must be 1 or more: %r" % args.slices, file=sys.stderr)
        return EXIT_USAGE
    job = dict(extravars=extravars, limit=args.limit, check=args.check, diff=args.diff, envvars=envvars,
               quiet=not args.verbose_output, skip_tags=args.skip_tags)
    if args.slices > 1:
        try:
            result = run_sliced_job(args.playbook, args.inventory, args.slices,
                                    private_data_dir=args.private_data_dir, **job)
        except (RunnerJobError, ValueError) as exc:
            print("runner_job: %s" % exc, file=sys.stderr)
            return EXIT_FAILED
        codes = [exit_code(r, args.expect_no_changes) for r in result["slices"]]
        failed = result["errors"] or len(codes) < args.slices or EXIT_FAILED in codes
        code = EXIT_FAILED if failed else max(codes)
        for piece in result["slices"]:
            if exit_code(piece, args.expect_no_changes) != EXIT_OK and not args.verbose_output:
                _print_tail(piece)
        for error in result["errors"]:
            print("runner_job: %s" % error, file=sys.stderr)
        print(json.dumps(result, indent=2, sort_keys=True))
        return code
    result, runner = run_job(args.playbook, args.inventory, private_data_dir=args.private_data_dir, **job)
    code = exit_code(result, args.expect_no_changes)
    if code != EXIT_OK and not args.verbose_output:
        _print_tail(result)
    print(json.dumps(result, indent=2, sort_keys=True))
    return code


def _print_tail(result):
    """The end of a job's output (it names what failed), on stderr."""
    stdout = os.path.join(result["artifact_dir"], "stdout")
    if os.path.exists(stdout):
        with open(stdout, errors="replace") as handle:
            sys.stderr.write("".join(handle.readlines()[-60:]))


if __name__ == "__main__":
    sys.exit(main())
