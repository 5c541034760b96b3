# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure computation for the disaster-recovery failover drill.

Nothing here touches the network or the file system. The drill's tasks collect timestamps, marker
sequences, preflight checks and Route 53 records; this module turns them into:

- phase timings (``phase_timings``),
- RTO (fault injected -> standby verified serving) and RPO (last marker acknowledged by the primary
  minus the last marker present on the promoted standby, in markers and in seconds) (``measure``),
- pass/fail per target (``evaluate``), and one report model (``build_report``),
- the report rendered as JSON, Markdown and a self-contained HTML page with an inline SVG
  timeline (``render_json``, ``render_markdown``, ``render_html``), byte-identical for the same input,
- the answer Route 53 gives for a failover record pair, from the records and health-check
  settings, following Route 53's documented failover evaluation (``failover_answer``).

Timestamps are accepted as epoch seconds (int/float) or ISO 8601 strings; offsets are honoured and
naive strings are read as UTC.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

import datetime
import html
import json

from ansible_collections.meridian.global_infra.plugins.module_utils.common.timestamps import parse_epoch

_UTC = datetime.timezone.utc

PHASES = ("preflight", "markers", "inject", "recover", "measure", "failback", "report")
MODES = ("full", "gameday", "readiness", "resume", "rollback")
TARGET_KEYS = ("rto_seconds", "rto_users_seconds", "rpo_markers", "rpo_seconds", "replica_lag_seconds")
REPORT_VERSION = 1


class DrillError(MeridianError):
    """Bad drill input. ``field`` names the offending option or key."""


# --------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------

def to_epoch(value, field):
    """Epoch seconds (float) from epoch seconds or an ISO 8601 string."""
    if isinstance(value, datetime.datetime):
        raise DrillError(field, "expected a timestamp (epoch seconds or ISO 8601), got a datetime")
    try:
        epoch = parse_epoch(value)
    except ValueError as err:
        raise DrillError(field, str(err))
    if epoch < 0:
        raise DrillError(field, "timestamp %r is negative" % (value,))
    return epoch


def iso(epoch):
    """ISO 8601 UTC with milliseconds, e.g. 2025-01-31T12:00:00.250Z."""
    moment = datetime.datetime.fromtimestamp(round(epoch, 3), tz=_UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _seconds(value):
    return round(value, 3)


def phase_timings(phases):
    """Validate and time phases.

    ``phases`` is a list of ``{name, started, finished, status?, detail?}``. Returns the list sorted
    by start, each with epoch ``started``/``finished``, ISO ``started_at``/``finished_at``,
    ``duration_seconds`` and ``status`` (``ok`` unless given).
    """
    if not isinstance(phases, list):
        raise DrillError("phases", "expected a list of {name, started, finished}")
    seen = set()
    timed = []
    for index, phase in enumerate(phases):
        field = "phases[%d]" % index
        if not isinstance(phase, dict):
            raise DrillError(field, "expected a dict with name, started and finished")
        name = phase.get("name")
        if not isinstance(name, str) or not name:
            raise DrillError(field + ".name", "every phase needs a name")
        if name in seen:
            raise DrillError(field + ".name", "phase %r appears twice" % name)
        seen.add(name)
        started = to_epoch(phase.get("started"), field + ".started")
        finished = to_epoch(phase.get("finished"), field + ".finished")
        if finished < started:
            raise DrillError(field, "phase %r finished (%s) before it started (%s)" % (name, iso(finished), iso(started)))
        status = phase.get("status", "ok")
        if status not in ("ok", "failed", "skipped"):
            raise DrillError(field + ".status", "must be ok, failed or skipped, got %r" % (status,))
        timed.append({
            "name": name,
            "started": _seconds(started),
            "finished": _seconds(finished),
            "started_at": iso(started),
            "finished_at": iso(finished),
            "duration_seconds": _seconds(finished - started),
            "status": status,
            "detail": str(phase.get("detail", "")),
        })
    timed.sort(key=lambda p: (p["started"], p["finished"], p["name"]))
    return timed


# --------------------------------------------------------------------------------------------
# Markers, RTO and RPO
# --------------------------------------------------------------------------------------------

def _normalise_acknowledged(acknowledged):
    if not isinstance(acknowledged, list):
        raise DrillError("markers.acknowledged", "expected a list of {seq, acked_at}")
    result = {}
    for index, item in enumerate(acknowledged):
        field = "markers.acknowledged[%d]" % index
        if not isinstance(item, dict):
            raise DrillError(field, "expected {seq, acked_at}")
        seq = item.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise DrillError(field + ".seq", "sequence numbers are integers >= 1, got %r" % (seq,))
        if seq in result:
            raise DrillError(field + ".seq", "sequence %d acknowledged twice" % seq)
        result[seq] = to_epoch(item.get("acked_at"), field + ".acked_at")
    return result


def _normalise_present(present, field="markers.present"):
    if not isinstance(present, list):
        raise DrillError(field, "expected a list of sequence numbers")
    seqs = set()
    for index, seq in enumerate(present):
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise DrillError("%s[%d]" % (field, index), "sequence numbers are integers >= 1, got %r" % (seq,))
        seqs.add(seq)
    return seqs


def measure_rpo(acknowledged, present):
    """RPO from the markers the primary acknowledged and those the promoted standby holds.

    - ``rpo_markers`` = last acknowledged sequence - last present sequence, or the number of
      acknowledged markers missing when that is larger (a hole); never below 0;
    - ``lost`` = every acknowledged sequence missing on the standby (holes included);
    - ``rpo_seconds`` = acknowledgement time of the last acknowledged marker minus that of the
      last acknowledged marker the standby holds (0 when none is lost);
    - ``unacknowledged_present`` = markers on the standby the primary never acknowledged (a write
      in flight at the fault; harmless, reported as information).
    """
    acked = _normalise_acknowledged(acknowledged)
    held = _normalise_present(present)
    if not acked:
        return {
            "markers_acknowledged": 0, "markers_present": len(held), "last_acknowledged": 0,
            "last_present": max(held) if held else 0, "lost": [], "rpo_markers": 0, "rpo_seconds": 0.0,
            "unacknowledged_present": sorted(held),
        }
    last_acked = max(acked)
    last_present = max(held) if held else 0
    lost = sorted(seq for seq in acked if seq not in held)
    kept = [seq for seq in acked if seq in held]
    if lost and kept:
        rpo_seconds = acked[last_acked] - acked[max(kept)]
    elif lost:
        # Nothing survived: the loss window starts at the first acknowledgement.
        rpo_seconds = acked[last_acked] - min(acked.values())
    else:
        rpo_seconds = 0.0
    return {
        "markers_acknowledged": len(acked),
        "markers_present": len(held),
        "last_acknowledged": last_acked,
        "last_present": last_present,
        "lost": lost,
        "rpo_markers": max(0, last_acked - last_present, len(lost)),
        "rpo_seconds": _seconds(max(0.0, rpo_seconds)),
        "unacknowledged_present": sorted(seq for seq in held if seq not in acked),
    }


def measure_rto(fault_at, verified_at, end_event="standby_verified"):
    """RTO in seconds: from the fault until ``end_event`` (users write again, or the standby was verified serving)."""
    fault = to_epoch(fault_at, "events.fault_injected")
    verified = to_epoch(verified_at, "events." + end_event)
    if verified < fault:
        raise DrillError("events." + end_event, "%s (%s) is before the fault (%s)" % (end_event, iso(verified), iso(fault)))
    return _seconds(verified - fault)


def _validate_targets(targets):
    if not isinstance(targets, dict):
        raise DrillError("targets", "expected a dict such as {rto_seconds: 30, rpo_markers: 0}")
    clean = {}
    for key, value in targets.items():
        if key not in TARGET_KEYS:
            raise DrillError("targets.%s" % key, "unknown target; known: %s" % ", ".join(TARGET_KEYS))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise DrillError("targets.%s" % key, "must be a number >= 0, got %r" % (value,))
        clean[key] = value
    return clean


def evaluate(targets, measured):
    """Pass/fail per target. ``measured`` maps target keys to values (missing = not measured)."""
    clean = _validate_targets(targets)
    results = []
    for key in TARGET_KEYS:
        if key not in clean:
            continue
        value = measured.get(key)
        if value is None:
            status = "not_measured"
        else:
            status = "pass" if value <= clean[key] else "fail"
        results.append({"target": key, "limit": clean[key], "measured": value, "status": status})
    return results


def _validate_checks(checks):
    if not isinstance(checks, list):
        raise DrillError("checks", "expected a list of {name, passed, detail}")
    clean = []
    for index, check in enumerate(checks):
        field = "checks[%d]" % index
        if not isinstance(check, dict) or not isinstance(check.get("name"), str):
            raise DrillError(field, "expected {name, passed, detail}")
        if not isinstance(check.get("passed"), bool):
            raise DrillError(field + ".passed", "must be true or false")
        clean.append({"name": check["name"], "passed": check["passed"], "detail": str(check.get("detail", ""))})
    return clean


def preflight_failures(checks):
    """The failed preflight checks, each as one line ``name: detail``."""
    return ["%s: %s" % (c["name"], c["detail"]) for c in _validate_checks(checks) if not c["passed"]]


def build_report(scenario, targets, phases, events=None, markers=None, checks=None, anomalies=None,
                 cleanup=None, replica_lag_seconds=None, rto_users=None):
    """The drill report model (a plain dict; the same input always gives the same report).

    - ``scenario``: dict with at least ``name``, ``primary_region``, ``standby_region``, ``mode``.
    - ``events``: dict of event name -> timestamp; ``fault_injected`` and ``standby_verified``
      give the RTO.
    - ``markers``: ``{acknowledged: [{seq, acked_at}], present: [seq, ...]}`` give the RPO;
      ``discarded`` (optional): the sequences the old primary held and the promoted one did not,
      which failing back (rewinding the old primary) discards; counted in ``measured``.
    - ``checks``: preflight and verification checks ``{name, passed, detail}``.
    - ``cleanup``: ``{confirmed: bool, detail: str}`` (failback restored the pre-drill state).
    - ``rto_users``: the result of ``rto.rto_parts`` (RTO as users see it, in parts), or None; its
      modelled instants join the timeline with ``source: modelled``.
    """
    if not isinstance(scenario, dict):
        raise DrillError("scenario", "expected a dict with name, primary_region, standby_region, mode")
    for key in ("name", "primary_region", "standby_region", "mode"):
        if not isinstance(scenario.get(key), str) or not scenario.get(key):
            raise DrillError("scenario.%s" % key, "required (a non-empty string)")
    if scenario["mode"] not in MODES:
        raise DrillError("scenario.mode", "must be one of %s, got %r" % (", ".join(MODES), scenario["mode"]))
    if scenario["primary_region"] == scenario["standby_region"]:
        raise DrillError("scenario.standby_region", "must differ from the primary region %r" % scenario["primary_region"])
    timed = phase_timings(phases)
    events = events or {}
    if not isinstance(events, dict):
        raise DrillError("events", "expected a dict of event name -> timestamp")
    instants = [(name, to_epoch(at, "events.%s" % name), "measured") for name, at in events.items() if at not in (None, "")]
    if rto_users:
        instants += [(name, at, "modelled") for name, at in sorted(rto_users["modelled_events"].items())]
    timeline = sorted(
        ({"name": name, "at": _seconds(at), "at_iso": iso(at), "source": source} for name, at, source in instants),
        key=lambda e: (e["at"], e["name"]),
    )
    measured = {}
    if rto_users:
        measured["rto_users_seconds"] = rto_users["rto_users_seconds"]
    # RTO ends when users write again through the name (the writer's first acknowledgement in the
    # standby region) or, without a writer, when the standby was verified serving.
    rto_end = "users_write_again" if events.get("users_write_again") not in (None, "") else "standby_verified"
    if events.get("fault_injected") not in (None, "") and events.get(rto_end) not in (None, ""):
        measured["rto_seconds"] = measure_rto(events["fault_injected"], events[rto_end], rto_end)
    rpo = None
    discarded = None
    if markers:
        if not isinstance(markers, dict):
            raise DrillError("markers", "expected {acknowledged: [...], present: [...]}")
        if markers.get("present") is not None:
            rpo = measure_rpo(markers.get("acknowledged") or [], markers.get("present") or [])
            measured["rpo_markers"] = rpo["rpo_markers"]
            measured["rpo_seconds"] = rpo["rpo_seconds"]
        else:
            _normalise_acknowledged(markers.get("acknowledged") or [])
        if markers.get("discarded") is not None:
            discarded = sorted(_normalise_present(markers["discarded"], "markers.discarded"))
            measured["discarded_on_failback"] = len(discarded)
    if replica_lag_seconds is not None:
        if isinstance(replica_lag_seconds, bool) or not isinstance(replica_lag_seconds, (int, float)) or replica_lag_seconds < 0:
            raise DrillError("replica_lag_seconds", "must be a number >= 0")
        measured["replica_lag_seconds"] = _seconds(float(replica_lag_seconds))
    results = evaluate(targets, measured)
    clean_checks = _validate_checks(checks or [])
    anomalies = [str(a) for a in (anomalies or [])]
    cleanup = cleanup or {}
    if not isinstance(cleanup, dict):
        raise DrillError("cleanup", "expected {confirmed: bool, detail: str}")
    cleanup = {"confirmed": cleanup.get("confirmed"), "detail": str(cleanup.get("detail", ""))}
    if cleanup["confirmed"] not in (True, False, None):
        raise DrillError("cleanup.confirmed", "must be true, false or null")
    mode = scenario["mode"]
    reasons = []
    reasons.extend("check failed: %s" % line for line in preflight_failures(clean_checks))
    reasons.extend("target %s: measured %s > limit %s" % (r["target"], r["measured"], r["limit"]) for r in results if r["status"] == "fail")
    reasons.extend("phase %s failed" % p["name"] for p in timed if p["status"] == "failed")
    # A drill stopped before its fault (a failed preflight) changed nothing: what it did not get to
    # measure or clean up is not a reason of its own, the failure that stopped it is.
    stopped_early = bool(reasons) and events.get("fault_injected") in (None, "") and mode != "rollback"
    if mode != "readiness" and not stopped_early:
        # a rollback undoes a drill that may have stopped before recovery: RTO may be unmeasured,
        # but the markers are read back after the rollback, so RPO always is
        optional = ("replica_lag_seconds", "rto_seconds", "rto_users_seconds") if mode == "rollback" else ("replica_lag_seconds",)
        reasons.extend("target %s was not measured" % r["target"] for r in results if r["status"] == "not_measured" and r["target"] not in optional)
    if mode in ("full", "resume", "rollback") and cleanup["confirmed"] is not True and not stopped_early:
        reasons.append("cleanup not confirmed: %s" % (cleanup["detail"] or "failback did not restore the pre-drill state"))
    return {
        "version": REPORT_VERSION,
        "scenario": dict(sorted(scenario.items())),
        "targets": _validate_targets(targets),
        "phases": timed,
        "timeline": timeline,
        "measured": dict(sorted(measured.items())),
        "rto_end": rto_end if "rto_seconds" in measured else None,
        "rto_users": _rto_users_view(rto_users),
        "rpo": rpo,
        "discarded_on_failback": discarded,
        "results": results,
        "checks": clean_checks,
        "anomalies": anomalies,
        "cleanup": cleanup,
        "passed": not reasons,
        "reasons": reasons,
    }


def _rto_users_view(rto_users):
    if not rto_users:
        return None
    parts = [dict(p, started_at=iso(p["started"]), ended_at=iso(p["ended"])) for p in rto_users["parts"]]
    return {"seconds": rto_users["rto_users_seconds"], "ends_with": rto_users["ends_with"], "source": rto_users["source"],
            "parts": parts, "model": dict(sorted(rto_users["model"].items()))}


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return ("%.3f" % value).rstrip("0").rstrip(".")
    return str(value)


def render_markdown(report):
    sc = report["scenario"]
    lines = [
        "# Failover drill: %s" % sc["name"],
        "",
        "**Result: %s**" % ("PASS" if report["passed"] else "FAIL"),
        "",
        "| | |",
        "|---|---|",
    ]
    for key in sorted(sc):
        lines.append("| %s | %s |" % (key, _fmt(sc[key])))
    lines += ["", "## Targets", "", "| target | limit | measured | result |", "|---|---|---|---|"]
    for r in report["results"]:
        lines.append("| %s | %s | %s | %s |" % (r["target"], _fmt(r["limit"]), _fmt(r["measured"]), r["status"]))
    lines += ["", "## Timeline", "", "| phase | started (UTC) | duration (s) | status | detail |", "|---|---|---|---|---|"]
    for p in report["phases"]:
        lines.append("| %s | %s | %s | %s | %s |" % (p["name"], p["started_at"], _fmt(p["duration_seconds"]), p["status"], p["detail"] or ""))
    if report["timeline"]:
        lines += ["", "| event | at (UTC) | source |", "|---|---|---|"]
        lines += ["| %s | %s | %s |" % (e["name"], e["at_iso"], e.get("source", "measured")) for e in report["timeline"]]
    users = report.get("rto_users")
    if users:
        lines += ["", "## RTO as users see it", "",
                  "**%s s** (%s): users write again when both paths are done; the %s path ended last."
                  % (_fmt(users["seconds"]), users["source"], users["ends_with"]),
                  "", "| part | path | from (UTC) | seconds | source | how |", "|---|---|---|---|---|---|"]
        lines += ["| %s | %s | %s | %s | %s | %s |" % (p["name"], p["path"], p["started_at"], _fmt(p["seconds"]), p["source"], p["how"])
                  for p in users["parts"]]
    if report["rpo"]:
        rpo = report["rpo"]
        where = "on the original primary after the rollback" if report["scenario"]["mode"] == "rollback" else "on the promoted standby"
        lines += ["", "## Markers", "",
                  "- acknowledged by the primary: %d (last %d)" % (rpo["markers_acknowledged"], rpo["last_acknowledged"]),
                  "- present %s: %d (last %d)" % (where, rpo["markers_present"], rpo["last_present"]),
                  "- lost: %s" % (", ".join(str(s) for s in rpo["lost"]) or "none")]
    if report.get("discarded_on_failback") is not None:
        lines += ["", "- on the old primary only, discarded when it was rewound at failback: %s"
                  % (", ".join(str(s) for s in report["discarded_on_failback"]) or "none")]
    lines += ["", "## Checks", ""]
    lines += ["- [%s] %s: %s" % ("x" if c["passed"] else " ", c["name"], c["detail"]) for c in report["checks"]] or ["- none"]
    lines += ["", "## Anomalies", ""]
    lines += ["- %s" % a for a in report["anomalies"]] or ["- none"]
    lines += ["", "## Cleanup", "", "- confirmed: %s" % _fmt(report["cleanup"]["confirmed"])]
    if report["cleanup"]["detail"]:
        lines.append("- %s" % report["cleanup"]["detail"])
    if report["reasons"]:
        lines += ["", "## Why it failed", ""] + ["- %s" % r for r in report["reasons"]]
    return "\n".join(lines) + "\n"


_COLOURS = {"ok": "#2e7d32", "failed": "#c62828", "skipped": "#9e9e9e"}


def render_svg(report, width=760):
    """The phase timeline as an inline SVG (bars per phase, vertical lines per event)."""
    phases = report["phases"]
    events = report["timeline"]
    points = [p["started"] for p in phases] + [p["finished"] for p in phases] + [e["at"] for e in events]
    row, left, right, top = 26, 110, 20, 24
    height = top + row * max(1, len(phases)) + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
           'aria-label="drill timeline">' % (width, height, width, height)]
    if not points:
        out.append('<text x="10" y="20">no phases recorded</text></svg>')
        return "".join(out)
    start, end = min(points), max(points)
    span = max(end - start, 0.001)
    scale = (width - left - right) / span

    def x(t):
        return left + (t - start) * scale

    for i, p in enumerate(phases):
        y = top + i * row
        w = max(1.0, (p["finished"] - p["started"]) * scale)
        out.append('<text x="4" y="%d" font-size="12">%s</text>' % (y + 15, html.escape(p["name"])))
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="18" fill="%s"><title>%s %ss</title></rect>'
                   % (x(p["started"]), y + 2, w, _COLOURS.get(p["status"], "#555"), html.escape(p["name"]), _fmt(p["duration_seconds"])))
        out.append('<text x="%.1f" y="%d" font-size="10">%ss</text>' % (min(x(p["started"]) + w + 3, width - 40), y + 15, _fmt(p["duration_seconds"])))
    axis = top + row * max(1, len(phases)) + 4
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>' % (left, axis, width - right, axis))
    out.append('<text x="%d" y="%d" font-size="10">0 s</text>' % (left, axis + 14))
    out.append('<text x="%d" y="%d" font-size="10" text-anchor="end">%s s</text>' % (width - right, axis + 14, _fmt(_seconds(span))))
    for e in events:
        colour = "#ef6c00" if e.get("source") == "modelled" else "#1565c0"
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="4 3"><title>%s %s (%s)</title></line>'
                   % (x(e["at"]), top - 6, x(e["at"]), axis, colour, html.escape(e["name"]), e["at_iso"], e.get("source", "measured")))
        out.append('<text x="%.1f" y="%d" font-size="10" fill="%s">%s</text>' % (x(e["at"]) + 2, top - 8, colour, html.escape(e["name"])))
    out.append("</svg>")
    return "".join(out)


def render_html(report):
    """A self-contained page (inline CSS and SVG, no external resource)."""
    esc = html.escape
    sc = report["scenario"]
    verdict = "PASS" if report["passed"] else "FAIL"
    rows = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td></tr>"
                   % (esc(r["target"]), esc(_fmt(r["limit"])), esc(_fmt(r["measured"])), esc(r["status"]), esc(r["status"]))
                   for r in report["results"])
    phases = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                     % (esc(p["name"]), esc(p["started_at"]), esc(_fmt(p["duration_seconds"])), esc(p["status"]), esc(p["detail"]))
                     for p in report["phases"])
    scenario = "".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(_fmt(sc[k]))) for k in sorted(sc))
    checks = "".join("<li class=\"%s\">%s: %s</li>" % ("pass" if c["passed"] else "fail", esc(c["name"]), esc(c["detail"]))
                     for c in report["checks"]) or "<li>none</li>"
    anomalies = "".join("<li>%s</li>" % esc(a) for a in report["anomalies"]) or "<li>none</li>"
    reasons = "".join("<li>%s</li>" % esc(r) for r in report["reasons"])
    users = report.get("rto_users")
    parts = ""
    if users:
        parts = ("<h2>RTO as users see it</h2><p><b>%s s</b> (%s): users write again when both paths are done; the %s path "
                 "ended last.</p><table><tr><th>part</th><th>path</th><th>from (UTC)</th><th>seconds</th><th>source</th>"
                 "<th>how</th></tr>%s</table>"
                 % (esc(_fmt(users["seconds"])), esc(users["source"]), esc(users["ends_with"]),
                    "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                            % (esc(p["name"]), esc(p["path"]), esc(p["started_at"]), esc(_fmt(p["seconds"])), esc(p["source"]),
                               esc(p["how"])) for p in users["parts"])))
    rpo = report["rpo"]
    markers = ""
    if rpo:
        markers = ("<h2>Markers</h2><p>Acknowledged by the primary: %d (last %d). Present on the promoted standby: %d "
                   "(last %d). Lost: %s.</p>" % (rpo["markers_acknowledged"], rpo["last_acknowledged"], rpo["markers_present"],
                                                 rpo["last_present"], esc(", ".join(str(s) for s in rpo["lost"]) or "none")))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Failover drill %s</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pass{color:#2e7d32}.fail{color:#c62828}"
        ".not_measured{color:#9e9e9e}.verdict{font-size:1.4em;font-weight:bold}</style></head><body>"
        "<h1>Failover drill: %s</h1><p class=\"verdict %s\">%s</p>"
        "<table>%s</table><h2>Targets</h2><table><tr><th>target</th><th>limit</th><th>measured</th><th>result</th></tr>%s</table>"
        "<h2>Timeline</h2>%s<table><tr><th>phase</th><th>started (UTC)</th><th>duration (s)</th><th>status</th><th>detail</th></tr>%s</table>"
        "%s%s<h2>Checks</h2><ul>%s</ul><h2>Anomalies</h2><ul>%s</ul><h2>Cleanup</h2><p>confirmed: %s %s</p>%s"
        "</body></html>\n"
        % (esc(sc["name"]), esc(sc["name"]), "pass" if report["passed"] else "fail", verdict, scenario, rows,
           render_svg(report), phases, parts, markers, checks, anomalies, esc(_fmt(report["cleanup"]["confirmed"])),
           esc(report["cleanup"]["detail"]), ("<h2>Why it failed</h2><ul>%s</ul>" % reasons) if reasons else "")
    )


# --------------------------------------------------------------------------------------------
# Route 53 failover evaluation
# --------------------------------------------------------------------------------------------

def failover_names(zone, record):
    """The zone and the record as lower-case absolute names; the record must lie in the zone."""
    names = {}
    for field, value in (("zone", zone), ("record", record)):
        if not isinstance(value, str) or not value.strip(".").strip():
            raise DrillError(field, "expected a DNS name such as meridian.example.com, got %r" % (value,))
        name = value.strip().rstrip(".").lower()
        if " " in name or ".." in name or any(len(label) > 63 for label in name.split(".")):
            raise DrillError(field, "%r is not a valid DNS name" % (value,))
        names[field] = name + "."
    if names["record"] != names["zone"] and not names["record"].endswith("." + names["zone"]):
        raise DrillError("record", "%s is not in zone %s; give the record's fully qualified name under the zone "
                         "(for example primary.%s)" % (names["record"], names["zone"], names["zone"]))
    return names["zone"], names["record"]


def checkers_healthy(reports):
    """The checkers' verdict on one health check from their status reports (``Success: ...``,
    ``Failure: ...``): healthy when at least half report success, or when there is no report yet."""
    reports = list(reports or [])
    if not reports:
        return True
    return sum(1 for r in reports if str(r).startswith("Success")) * 2 >= len(reports)


def health_check_healthy(config, observed_healthy=True):
    """Route 53's view of one health check: Disabled -> healthy; Inverted flips the observation."""
    if config is None:
        return True
    if config.get("Disabled"):
        return True
    healthy = bool(observed_healthy)
    return (not healthy) if config.get("Inverted") else healthy


def alias_target_name(dns_name):
    """The name an alias record points at, as the target reports its own: no final dot, lower-case,
    without the ``dualstack.`` prefix Route 53 uses for load balancers answering over IPv6."""
    name = (dns_name or "").strip().rstrip(".").lower()
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def record_value(record):
    """What a record answers with: an alias record's target name (``alias_target_name``), else its
    first value (None when it has none)."""
    if record.get("AliasTarget"):
        return alias_target_name(record["AliasTarget"].get("DNSName"))
    values = [r.get("Value") for r in record.get("ResourceRecords", [])]
    return values[0] if values else None


def failover_answer(records, health_checks, observed=None):
    """Which record Route 53 answers with for a failover pair.

    ``records``: the record sets of one name and type (boto3 shape, ``Failover`` PRIMARY/SECONDARY,
    optional ``HealthCheckId``). ``health_checks``: id -> HealthCheckConfig. ``observed``: id -> bool,
    the checkers' observation (absent = healthy). Route 53 answers with the primary when it is
    healthy (or has no health check), otherwise with the secondary; when both are unhealthy it
    answers with the primary.
    """
    observed = observed or {}
    by_role = {}
    for record in records:
        role = record.get("Failover")
        if role not in ("PRIMARY", "SECONDARY"):
            continue
        if role in by_role:
            raise DrillError("records", "two %s failover records for %s" % (role, record.get("Name")))
        by_role[role] = record
    if "PRIMARY" not in by_role:
        raise DrillError("records", "no PRIMARY failover record")

    def healthy(record):
        hc = record.get("HealthCheckId")
        if not hc:
            return True
        return health_check_healthy(health_checks.get(hc), observed.get(hc, True))

    primary = by_role["PRIMARY"]
    secondary = by_role.get("SECONDARY")
    primary_ok = healthy(primary)
    secondary_ok = healthy(secondary) if secondary else False
    chosen = primary if primary_ok or not secondary or not secondary_ok else secondary
    return {
        "answer": record_value(chosen),
        "role": chosen["Failover"],
        "set_identifier": chosen.get("SetIdentifier"),
        "primary_healthy": primary_ok,
        "secondary_healthy": secondary_ok,
        "primary_health_check_id": primary.get("HealthCheckId"),
        "secondary_health_check_id": secondary.get("HealthCheckId") if secondary else None,
    }
