#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_markers
short_description: Sequenced drill markers and replica state on a PostgreSQL pair
version_added: 0.1.0
description:
  - The database side of the failover drill, for PostgreSQL (self-managed or RDS for PostgreSQL).
  - V(write) inserts O(count) sequenced markers for O(drill_id), one committed transaction each,
    and returns the time each commit was acknowledged. With synchronous replication an acknowledged
    marker is on the standby.
  - V(read) returns the sequences of O(drill_id) the server holds (run it on the promoted standby).
  - V(status) returns the server's role (V(primary) or V(standby)), its replication lag and,
    on a primary, its streaming standbys. Read-only.
  - V(promote) promotes a standby with C(pg_promote()) and waits until it accepts writes; a
    primary is left alone (idempotent). The promoted server's C(synchronous_standby_names) is
    emptied (C(ALTER SYSTEM), reloaded), because a lone primary waiting for a synchronous standby
    would hang every commit.
  - V(fence) makes a primary refuse writes (C(default_transaction_read_only), reloaded), so that a
    demoted region cannot take writes after the standby was promoted; V(unfence) reverts it.
  - V(purge) deletes the markers of O(drill_id).
  - V(probe) tries a write by the path a read-only default cannot stop (C(BEGIN READ WRITE), a table
    created and a row inserted) and always rolls it back; RV(accepts_writes) says whether the server
    took it. The drill probes the old primary after fencing it; C(default_transaction_read_only)
    alone does not pass (a session may still C(BEGIN READ WRITE)), a server in recovery does.
    Never changes anything.
author:
  - Meridian platform engineering (@meridian)
requirements:
  - psycopg >= 3.1 (C(pip install "psycopg[binary]"))
options:
  action:
    description: What to do (see the description).
    type: str
    choices: [status, write, read, promote, fence, unfence, purge, probe]
    required: true
  host:
    description: Server host name or address.
    type: str
    default: 127.0.0.1
  port:
    description: Server port.
    type: int
    default: 5432
  user:
    description: Role to connect as (a superuser, or one granted C(pg_promote) and C(ALTER SYSTEM)).
    type: str
    default: postgres
  password:
    description: Password; falls back to the C(PGPASSWORD) environment variable (and C(~/.pgpass)).
    type: str
  database:
    description: Database holding the marker table.
    type: str
    default: postgres
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
    default: 5
  drill_id:
    description: Identifies one drill's markers. Required for V(write), V(read) and V(purge).
    type: str
  count:
    description: How many markers V(write) inserts, continuing after the highest sequence already present.
    type: int
    default: 20
  interval:
    description: Seconds between two markers of V(write).
    type: float
    default: 0.05
  wait_seconds:
    description: How long V(promote) waits for the promotion to finish.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: V(status), V(read) and V(probe) run in full; the other actions report what they would change and change nothing.
  diff_mode:
    support: full
    description: Returns the server's role and write fence before and after.
notes:
  - The marker table is C(meridian_dr_markers (drill_id text, seq int, written_at timestamptz)); V(write) creates it when missing.
seealso:
  - module: meridian.global_infra.route53_failover
    description: Forces and restores the Route 53 answer during the drill.
  - module: meridian.global_infra.dr_report
    description: Turns the markers' timings into the drill's RPO/RTO report.
  - name: Disaster-recovery drill guide
    description: The disaster-recovery drill guide (phases, engines, report).
    link: https://github.com/meridian/global_infra/blob/main/docs/dr_drill.md
"""

EXAMPLES = r"""
- name: Write 50 markers to the primary
  meridian.global_infra.dr_markers:
    action: write
    host: "{{ primary_db_host }}"
    port: 5432
    drill_id: "{{ drill_id }}"
    count: 50
  register: written

- name: Promote the standby
  meridian.global_infra.dr_markers:
    action: promote
    host: "{{ standby_db_host }}"

- name: Which markers survived on the promoted standby
  meridian.global_infra.dr_markers:
    action: read
    host: "{{ standby_db_host }}"
    drill_id: "{{ drill_id }}"
  register: present
"""

RETURN = r"""
role:
  description: The server's role after the action (as planned in check mode).
  returned: always
  type: str
  sample: primary
fenced:
  description: Whether the server refuses writes (C(default_transaction_read_only)).
  returned: always
  type: bool
  sample: false
lag_seconds:
  description: On a standby, seconds since the last replayed transaction when WAL is still arriving, else 0.
  returned: always
  type: float
  sample: 0.0
standbys:
  description: On a primary, its streaming standbys (C(application_name), C(state), C(sync_state), C(replay_lag_seconds)).
  returned: always
  type: list
  elements: dict
acknowledged:
  description: For V(write), each marker's C(seq) and C(acked_at) (epoch seconds when the commit returned).
  returned: always
  type: list
  elements: dict
  sample: [{seq: 1, acked_at: 1738324800.12}]
accepts_writes:
  description: Whether the server took the probe's write (C(BEGIN READ WRITE)); rolled back either way.
  returned: action is probe
  type: bool
  sample: false
probe_error:
  description: The server's answer that refused the probe's write (first line); empty when it took it.
  returned: action is probe
  type: str
  sample: "cannot set transaction read-write mode during recovery"
present:
  description: For V(read), the sequences of O(drill_id) the server holds, ascending.
  returned: always
  type: list
  elements: int
  sample: [1, 2, 3]
"""

import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.markers_db import TABLE, MarkersDbError, connect
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error

try:
    import psycopg
    HAS_PSYCOPG = True
    PSYCOPG_IMPORT_ERROR = None
except ImportError:
    HAS_PSYCOPG = False
    PSYCOPG_IMPORT_ERROR = traceback.format_exc()

# The fence probe writes here inside a transaction it always rolls back: the table never persists.
PROBE_TABLE = "meridian_dr_fence_probe"


class MarkerError(MeridianError):
    """A drill marker action that cannot be done; ``field`` names the option to fix."""


def _connect(p):
    try:
        return connect(p["host"], p["port"], p["user"], p["password"], p["database"], p["connect_timeout"])
    except MarkersDbError as err:
        raise MarkerError(err.field, err.message)


def _one(conn, sql, args=None):
    return conn.execute(sql, args).fetchone()[0]


def _state(conn):
    in_recovery = _one(conn, "SELECT pg_is_in_recovery()")
    fenced = _one(conn, "SELECT current_setting('default_transaction_read_only') = 'on'")
    state = {"role": "standby" if in_recovery else "primary", "fenced": bool(fenced), "lag_seconds": 0.0, "standbys": []}
    if in_recovery:
        lag = _one(conn, "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                         "ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END")
        state["lag_seconds"] = round(float(lag or 0), 3)
        state["receiving"] = _one(conn, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'") > 0
    else:
        rows = conn.execute("SELECT application_name, state, sync_state, coalesce(extract(epoch FROM replay_lag), 0) "
                            "FROM pg_stat_replication ORDER BY application_name").fetchall()
        state["standbys"] = [{"application_name": r[0], "state": r[1], "sync_state": r[2],
                              "replay_lag_seconds": round(float(r[3]), 3)} for r in rows]
    return state


def _table_exists(conn):
    return bool(_one(conn, "SELECT to_regclass(%s) IS NOT NULL", ("public." + TABLE,)))


def _present(conn, drill_id):
    if not _table_exists(conn):
        return []
    rows = conn.execute("SELECT seq FROM %s WHERE drill_id = %%s ORDER BY seq" % TABLE, (drill_id,)).fetchall()
    return [int(r[0]) for r in rows]


def _probe(conn):
    """(accepts_writes, error): a write in BEGIN READ WRITE, which a read-only default cannot stop; rolled back."""
    try:
        conn.execute("BEGIN READ WRITE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS %s (at timestamptz NOT NULL)" % PROBE_TABLE)
            conn.execute("INSERT INTO %s VALUES (clock_timestamp())" % PROBE_TABLE)
        finally:
            conn.execute("ROLLBACK")
    except psycopg.Error as err:
        return False, (str(err).strip().splitlines() or [""])[0]
    return True, ""


def run(module):
    p = module.params
    action = p["action"]
    if action in ("write", "read", "purge") and not p["drill_id"]:
        raise MarkerError("drill_id", "required for action=%s; set it to the drill's identifier" % action)
    if p["count"] < 1:
        raise MarkerError("count", "must be >= 1, got %d" % p["count"])
    if p["interval"] < 0:
        raise MarkerError("interval", "must be >= 0")
    result = {"changed": False, "acknowledged": [], "present": []}
    with _connect(p) as conn:
        before = _state(conn)
        after = dict(before)
        if action == "read":
            result["present"] = _present(conn, p["drill_id"])
        elif action == "write":
            if before["role"] != "primary" or before["fenced"]:
                raise MarkerError("host", "%s:%d is not a writable primary (role %s, fenced %s); point write at the primary"
                                  % (p["host"], p["port"], before["role"], before["fenced"]))
            result["changed"] = True
            if not module.check_mode:
                conn.execute("CREATE TABLE IF NOT EXISTS %s (drill_id text NOT NULL, seq integer NOT NULL, "
                             "written_at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (drill_id, seq))" % TABLE)
                start = max(_present(conn, p["drill_id"]) or [0])
                for seq in range(start + 1, start + p["count"] + 1):
                    conn.execute("INSERT INTO %s (drill_id, seq) VALUES (%%s, %%s)" % TABLE, (p["drill_id"], seq))
                    # autocommit: execute returns once the commit is acknowledged (after the
                    # synchronous standby applied it when synchronous_commit = remote_apply).
                    result["acknowledged"].append({"seq": seq, "acked_at": round(time.time(), 6)})
                    if p["interval"]:
                        time.sleep(p["interval"])
        elif action == "probe":
            result["accepts_writes"], result["probe_error"] = _probe(conn)
        elif action == "purge":
            present = _present(conn, p["drill_id"])
            result["changed"] = bool(present) and before["role"] == "primary"
            if present and before["role"] != "primary":
                raise MarkerError("host", "markers can only be purged on a primary")
            if result["changed"] and not module.check_mode:
                conn.execute("DELETE FROM %s WHERE drill_id = %%s" % TABLE, (p["drill_id"],))
        elif action == "promote":
            if before["role"] == "standby":
                result["changed"] = True
                after["role"] = "primary"
                if not module.check_mode:
                    if not _one(conn, "SELECT pg_promote(true, %s)", (p["wait_seconds"],)):
                        raise MarkerError("wait_seconds", "the standby did not finish promotion within %ds" % p["wait_seconds"])
                    conn.execute("CHECKPOINT")
                    # A lone primary cannot wait for a synchronous standby: every commit would hang
                    # until one joins. Failback sets the pair's replication again.
                    conn.execute("ALTER SYSTEM SET synchronous_standby_names = ''")
                    conn.execute("SELECT pg_reload_conf()")
        elif action in ("fence", "unfence"):
            want = action == "fence"
            if before["fenced"] != want:
                result["changed"] = True
                after["fenced"] = want
                if not module.check_mode:
                    if want:
                        conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
                    else:
                        conn.execute("ALTER SYSTEM RESET default_transaction_read_only")
                    conn.execute("SELECT pg_reload_conf()")
        if result["changed"] and not module.check_mode and action in ("promote", "fence", "unfence"):
            after = _state(conn)
        result.update(after)
    if module._diff:
        result["diff"] = {"before": {"fenced": before["fenced"], "role": before["role"]},
                          "after": {"fenced": after["fenced"], "role": after["role"]}}
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=["status", "write", "read", "promote", "fence", "unfence", "purge", "probe"]),
            host=dict(type="str", default="127.0.0.1"),
            port=dict(type="int", default=5432),
            user=dict(type="str", default="postgres"),
            password=dict(type="str", no_log=True),
            database=dict(type="str", default="postgres"),
            connect_timeout=dict(type="int", default=5),
            drill_id=dict(type="str"),
            count=dict(type="int", default=20),
            interval=dict(type="float", default=0.05),
            wait_seconds=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not HAS_PSYCOPG:
        module.fail_json(msg=missing_required_lib("psycopg"), exception=PSYCOPG_IMPORT_ERROR)
    try:
        try:
            result = run(module)
        except psycopg.Error as err:
            raise MarkerError(None, "PostgreSQL at %s:%d failed during action %s: %s; check that the server still "
                              "runs and that the user may do this (a superuser, or one granted pg_promote and ALTER SYSTEM)"
                              % (module.params["host"], module.params["port"], module.params["action"], str(err).strip()))
        module.exit_json(**result)
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
