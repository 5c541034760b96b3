#!/usr/bin/env python
"""Run a command that writes a findings report, and exit like `terraform plan -detailed-exitcode`.

    tools/report_run.py --report-dir DIR [--accept-rc N]... [--name NAME] -- COMMAND [ARG]...

The command writes its report into DIR with the collection's write_reports (findings.json last,
so its presence means a whole report). The command gets DIR, absolute, in the environment variable
MERIDIAN_REPORT_DIR. Exit codes:

    0  the command succeeded and wrote a report without finding and without error
    2  the command wrote a report with findings (it succeeded, or exited with an --accept-rc code)
    1  anything else, with the reason on stderr: the command could not start or failed (and its
       exit code was not accepted), wrote no report (or left the previous one in place), wrote one
       that cannot be read, or wrote one that records errors (an unreachable endpoint: not everything
       was checked, so "no finding" cannot be claimed)

--accept-rc N: an exit code of the command that still counts when the report has findings (a playbook
that fails on purpose when a check finds something exits 2: "a host failed"). With that code and a
report without finding the result is 1: the command failed for another reason.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import signal
import subprocess
import sys

REPORT = "findings.json"
# ansible-playbook's exit codes (ansible.errors.ExitCode), to say why a run failed; 2 and 4 are
# bit flags a run can combine (6: some hosts failed and some were unreachable).
ANSIBLE_CODES = {1: "error", 5: "bad or incomplete options", 99: "interrupted", 250: "unexpected error"}
ANSIBLE_FLAGS = ((2, "one or more hosts failed"), (4, "one or more hosts unreachable, or a parse error"))
SHOWN = 20


def _stat(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _say(name, message):
    sys.stderr.write("%s: %s\n" % (name, message))
    sys.stderr.flush()


def _program(command):
    """The program a command runs, past an ``env VAR=value ...`` prefix."""
    words = list(command)
    if words and os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if "=" not in w and not w.startswith("-")] or words
    return os.path.basename(words[0])


def _describe_rc(command, rc):
    if rc < 0:
        try:
            return "killed by signal %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    if rc in (126, 127):
        return "exit code %d (%s)" % (rc, "not executable" if rc == 126 else "command not found")
    if _program(command).startswith("ansible"):
        if rc in ANSIBLE_CODES:
            return "exit code %d (%s)" % (rc, ANSIBLE_CODES[rc])
        if rc < 8 and rc & 6 and not rc & 1:
            return "exit code %d (%s)" % (rc, "; ".join(text for bit, text in ANSIBLE_FLAGS if rc & bit))
    return "exit code %d" % rc


def _load(path):
    """The report, or (None, reason)."""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
    except (OSError, ValueError) as exc:
        return None, "cannot read the report %s: %s" % (path, exc)
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        return None, "%s is not a findings report (no findings list)" % path
    return report, None


def _finding_line(finding):
    parts = [str(finding.get("severity", "?")), str(finding.get("kind", "?")), str(finding.get("rule", "?")),
             str(finding.get("resource_id", "?"))]
    if finding.get("region"):
        parts.append("(%s)" % finding["region"])
    if finding.get("field"):
        parts.append(str(finding["field"]))
    return "  " + " ".join(parts) + ": " + str(finding.get("message", ""))


def evaluate(command, rc, report_dir, before, accept_rc=()):
    """(exit code, [lines to print]) for a finished command; pure apart from reading the report."""
    path = os.path.join(report_dir, REPORT)
    program = _program(command)
    failed = rc != 0 and rc not in accept_rc
    now = _stat(path)
    if failed:
        lines = ["%s failed: %s" % (program, _describe_rc(command, rc))]
        if now is not None and now != before:
            report, _reason = _load(path)
            for error in (report or {}).get("errors") or []:
                lines.append("  report error: %s" % error)
        return 1, lines
    if now is None:
        return 1, ["%s wrote no report: %s is missing" % (program, path)]
    if now == before:
        return 1, ["%s wrote no report: %s is the previous run's (unchanged)" % (program, path)]
    report, reason = _load(path)
    if report is None:
        return 1, [reason]
    errors = report.get("errors") or []
    findings = report["findings"]
    if errors or report.get("complete") is False:
        lines = ["the report records %d error(s); not everything was checked:" % len(errors)]
        lines.extend("  %s" % e for e in errors)
        if findings:
            lines.append("(%d finding(s) so far: %s)" % (len(findings), os.path.join(report_dir, "summary.md")))
        return 1, lines
    if findings:
        lines = ["%d finding(s) (%s):" % (len(findings), os.path.join(report_dir, "summary.md"))]
        lines.extend(_finding_line(f) for f in findings[:SHOWN] if isinstance(f, dict))
        if len(findings) > SHOWN:
            lines.append("  ... and %d more" % (len(findings) - SHOWN))
        return 2, lines
    if rc != 0:
        return 1, ["%s failed: %s, and its report has no finding" % (program, _describe_rc(command, rc))]
    resources = (report.get("summary") or {}).get("resources")
    return 0, ["no finding (%s resource(s) checked): %s" % ("?" if resources is None else resources, report_dir)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0],
                                     usage="%(prog)s --report-dir DIR [--accept-rc N]... [--name NAME] -- COMMAND...")
    parser.add_argument("--report-dir", required=True, help="where the command writes its report")
    parser.add_argument("--accept-rc", type=int, action="append", default=[],
                        help="a command exit code that still counts when the report has findings")
    parser.add_argument("--name", default="report_run", help="prefix of the messages (e.g. drift)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given (put it after --)")
    report_dir = os.path.abspath(args.report_dir)
    if 0 in args.accept_rc:
        parser.error("--accept-rc 0 means nothing: 0 is always accepted")
    before = _stat(os.path.join(report_dir, REPORT))
    env = dict(os.environ, MERIDIAN_REPORT_DIR=report_dir)
    try:
        rc = subprocess.call(command, env=env)
    except OSError as exc:
        _say(args.name, "cannot run %s: %s" % (command[0], exc))
        return 1
    except KeyboardInterrupt:
        _say(args.name, "interrupted")
        return 1
    code, lines = evaluate(command, rc, report_dir, before, tuple(args.accept_rc))
    for line in lines:
        _say(args.name, line)
    return code


if __name__ == "__main__":
    sys.exit(main())
