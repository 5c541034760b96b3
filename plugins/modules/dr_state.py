#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Meridian platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dr_state
short_description: The failover drill's state and lock in an S3 object of the estate
version_added: 0.2.0
description:
  - Keeps the drill's progress (phases done, events such as the fault's time, acknowledged markers, the
    standby's original capacities) and the drill's lock in one JSON object of a versioned S3 bucket, so that
    a new controller (or AWX job container) can continue or undo a drill, and a second drill refuses to start
    while one holds the lock.
  - Every write is conditional; C(If-None-Match) when the key holds no object, C(If-Match) with the C(ETag)
    read otherwise. Of two runs that read the same object only one write succeeds; the other reads again and
    decides again (so the second of two concurrent V(lock) calls fails, naming the holder).
  - Lock deadlines are judged on the store's clock (the C(Date) of the S3 answer), not the controller's.
  - V(get) reads the lock and the state (read-only).
  - V(lock) takes the lock for a new drill O(drill_id) and returns a O(token); it fails while another drill
    holds it, naming the drill, its holder and its deadline. A lock held past its deadline (stale) is broken
    only with O(break_stale=true), and the result says so (RV(broken)).
  - V(takeover) continues the interrupted drill the store records (a paused or failed run; a running one only
    when stale and with O(break_stale=true)) and returns a new O(token) and the saved RV(state).
  - V(save) writes O(state) with O(status) and renews the deadline (O(ttl) seconds on); it fails when this run
    (O(token)) no longer holds the lock.
  - V(unlock) releases the lock (idempotent), keeping the last state with O(outcome).
  - V(break) breaks a stale lock; a lock within its deadline is refused.
  - Every write makes a new version of the object (the bucket must be versioned, see O(require_versioning)),
    so the history of a drill stays readable with C(aws s3api list-object-versions).
author:
  - Meridian platform engineering (@meridian)
options:
  action:
    description: What to do (see the description).
    type: str
    choices: [get, lock, takeover, save, unlock, break]
    required: true
  bucket:
    description: The versioned bucket holding the drill's state.
    type: str
    required: true
  key:
    description: The object key of the drill's state and lock (one per failover name).
    type: str
    required: true
  drill_id:
    description: The new drill's identifier (required with V(lock)).
    type: str
  token:
    description: The token V(lock) or V(takeover) returned (required with V(save) and V(unlock)).
    type: str
  holder:
    description: Who holds the lock, as shown to a refused drill. Empty gives C(user@host) of the machine the module runs on.
    type: str
    default: ""
  mode:
    description: The drill's mode (C(full), C(gameday), C(resume), C(rollback)), recorded with the lock.
    type: str
    default: ""
  primary_region:
    description: The region the drill fails; V(takeover) refuses a drill of another pair.
    type: str
    default: ""
  standby_region:
    description: The region that takes over.
    type: str
    default: ""
  ttl:
    description:
      - Seconds the lock lasts after each V(lock), V(takeover) and V(save); past it, the lock is stale.
      - Longer than the drill's longest phase (an RDS failback rebuilds replicas for tens of minutes).
    type: float
    default: 3600
  break_stale:
    description: With V(lock) and V(takeover), break a lock held past its deadline instead of refusing.
    type: bool
    default: false
  state:
    description:
      - The drill's progress (V(save); V(unlock) keeps it as the final state), a dict with the keys
        C(drill_id), C(primary_region), C(standby_region), C(mode), C(phases), C(events), C(markers), C(checks),
        C(anomalies), C(replica_lag_seconds), C(capacity_before) and C(original).
    type: dict
  status:
    description:
      - With V(save), V(running) (a run is under way), V(paused) (stopped after a phase on purpose) or V(failed)
        (the run ended after the fault; V(takeover) continues it at once).
    type: str
    choices: [running, paused, failed]
    default: running
  outcome:
    description: With V(unlock), a line recorded in the object's log (for example C(passed)).
    type: str
    default: ""
  require_versioning:
    description: With V(lock) and V(takeover), refuse a bucket whose versioning is not C(Enabled).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reads the store and reports what would be written (or refused); writes nothing.
  diff_mode:
    support: full
    description: The stored document before and after.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - IAM on the bucket and key, C(s3:GetObject), C(s3:PutObject), C(s3:GetBucketVersioning) (and the KMS key's
    C(kms:GenerateDataKey) and C(kms:Decrypt) for an SSE-KMS bucket).
seealso:
  - module: meridian.global_infra.dr_report
"""

EXAMPLES = r"""
- name: Take the drill's lock before anything changes
  meridian.global_infra.dr_state:
    action: lock
    bucket: meridian-prod-logs-eu-west-1
    key: dr-drill/primary.meridian.example.com.json
    region: eu-west-1
    drill_id: us-east-1-20261130T203000Z
    mode: full
    primary_region: us-east-1
    standby_region: eu-west-1
  register: lock

- name: Save the progress before the fault
  meridian.global_infra.dr_state:
    action: save
    bucket: meridian-prod-logs-eu-west-1
    key: dr-drill/primary.meridian.example.com.json
    region: eu-west-1
    token: "{{ lock.token }}"
    state: "{{ drill_state }}"
"""

RETURN = r"""
lock:
  description:
    - The lock after the run (in check mode, as it would be); C(status) V(absent) without an object.
    - C(summary) says it in one sentence (drill, mode, pair, status, holder, deadline).
  returned: always
  type: dict
  sample: {status: running, held: true, stale: false, drill_id: us-east-1-20261130T203000Z, holder: awx@runner,
           deadline: 1796070600.0, deadline_iso: "2026-11-30T21:30:00Z", seconds_to_deadline: 3600.0}
state:
  description: The drill's progress the object holds after the run (None when it holds none).
  returned: always
  type: dict
token:
  description: The token of this run's lock (V(lock), V(takeover)), to pass to V(save) and V(unlock).
  returned: when action is lock, takeover, save or unlock
  type: str
broken:
  description: The stale lock this run broke (its view before, with its C(summary)), when it broke one.
  returned: when a stale lock was broken
  type: dict
notes:
  description: What the run noticed (a lock taken over past its deadline, nothing to break).
  returned: always
  type: list
  elements: str
version_id:
  description: The S3 version of the object written (or read when nothing was written).
  returned: always
  type: str
"""

import getpass
import socket
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.s3_state import S3StateClient, StateStoreConflict
from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError
from ansible_collections.meridian.global_infra.plugins.module_utils.common.module import fail_on_error
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.core import DrillError
from ansible_collections.meridian.global_infra.plugins.module_utils.drill.state import DrillLockError, describe, plan, validate_state

# Conditional writes lost in a row before the run gives up (each loss is followed by a fresh read).
ATTEMPTS = 5


def _check_options(p):
    """Every option the action needs, checked before any call."""
    if p["action"] == "lock" and not p["drill_id"]:
        raise DrillError("drill_id", "is required with action=lock")
    if p["action"] in ("save", "unlock") and not p["token"]:
        raise DrillError("token", "is required with action=%s: pass the token lock or takeover returned" % p["action"])
    if p["action"] == "save" and p["state"] is None:
        raise DrillError("state", "is required with action=save")
    if p["state"] is not None:
        validate_state(p["state"])
    if p["ttl"] <= 0:
        raise DrillError("ttl", "must be more than 0 seconds, got %s" % p["ttl"])
    if not p["key"] or p["key"].startswith("/"):
        raise DrillError("key", "expected an object key without a leading slash, got %r" % (p["key"],))


def _run_spec(p, token):
    return {"drill_id": p["drill_id"], "token": token, "holder": p["holder"] or "%s@%s" % (getpass.getuser(), socket.gethostname()),
            "mode": p["mode"], "primary_region": p["primary_region"], "standby_region": p["standby_region"], "ttl": p["ttl"],
            "break_stale": p["break_stale"], "state": p["state"], "status": p["status"], "outcome": p["outcome"]}


def run(module, client):
    p = module.params
    action, bucket, key = p["action"], p["bucket"], p["key"]
    if action in ("lock", "takeover") and p["require_versioning"]:
        status = client.versioning(bucket)
        if status != "Enabled":
            raise DrillError("bucket", "the drill's state store %s is not versioned (versioning %s): every save is kept as a "
                                       "version, enable versioning on it or name a versioned bucket" % (bucket, status or "never set"))
    token = p["token"] or (uuid.uuid4().hex if action in ("lock", "takeover") else None)
    spec = _run_spec(p, token)
    intended = None
    for _attempt in range(ATTEMPTS):
        read = client.read(bucket, key)
        if intended is not None and read["document"] == intended:
            # the last write landed although its answer was lost (a retried PUT then found its own object)
            result = dict(decision, version_id=read["version_id"])
            break
        decision = plan(action, read["document"], read["etag"], read["now"], spec)
        result = dict(decision, version_id=read["version_id"])
        if not decision["changed"] or module.check_mode:
            break
        intended = decision["after"]
        try:
            written = client.write(bucket, key, decision["after"], **decision["write"])
        except StateStoreConflict:
            continue
        result["version_id"] = written["version_id"]
        break
    else:
        raise DrillLockError("s3://%s/%s changed under this run %d times in a row (other runs are writing it): "
                             "run again" % (bucket, key, ATTEMPTS))
    after = result["after"]
    lock = dict(result["lock"], summary=describe(result["lock"]))
    out = {"changed": result["changed"], "lock": lock, "state": (after or {}).get("state"),
           "notes": result["notes"], "version_id": result["version_id"] or ""}
    if action in ("lock", "takeover", "save", "unlock"):
        out["token"] = token
    if result["broken"]:
        out["broken"] = dict(result["broken"], summary=describe(result["broken"]))
    if module._diff:
        out["diff"] = {"before": result["before"] or {}, "after": after or {}}
    return out


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=["get", "lock", "takeover", "save", "unlock", "break"]),
            bucket=dict(type="str", required=True),
            key=dict(type="str", required=True, no_log=False),
            drill_id=dict(type="str"),
            token=dict(type="str", no_log=False),
            holder=dict(type="str", default=""),
            mode=dict(type="str", default=""),
            primary_region=dict(type="str", default=""),
            standby_region=dict(type="str", default=""),
            ttl=dict(type="float", default=3600),
            break_stale=dict(type="bool", default=False),
            state=dict(type="dict"),
            status=dict(type="str", default="running", choices=["running", "paused", "failed"]),
            outcome=dict(type="str", default=""),
            require_versioning=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:
        _check_options(module.params)  # every option checked before a client is built
        module.exit_json(**run(module, S3StateClient.from_module(module)))
    except DrillLockError as err:
        fail_on_error(module, err, lock=err.lock)
    except MeridianError as err:
        fail_on_error(module, err)


if __name__ == "__main__":
    main()
