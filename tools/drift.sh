#!/usr/bin/env bash
# Drift of the estate against the code, with exit codes like `terraform plan -detailed-exitcode`:
#   0 no drift and no unmanaged resource, 2 drift or unmanaged resources (reports/drift/), 1 the run
#   failed or wrote no report (the reason is printed).
# tools/drift.sh [-i INVENTORY] [more ansible-playbook options, e.g. --limit 'all:!k8s_clusters']
# (make drift INVENTORY=inventories/ENV). The report directory is $MERIDIAN_DRIFT_REPORT_DIR
# (default reports/drift). docs/drift.md.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
report_dir="${MERIDIAN_DRIFT_REPORT_DIR:-$root/reports/drift}"
mkdir -p "$report_dir" || exit 1
report_dir="$(cd "$report_dir" && pwd)"
# a report of an earlier run must never pass for this one's
rm -f "$report_dir"/{findings.json,junit.xml,results.sarif,summary.md,ocsf.json,errors.json,unchecked.json}

inventory=()
if [ "${1:-}" = "-i" ] && [ $# -ge 2 ]; then inventory=(-i "$2"); shift 2; fi

MERIDIAN_DRIFT_REPORT_DIR="$report_dir" \
ANSIBLE_CALLBACKS_ENABLED="meridian.global_infra.drift_report${ANSIBLE_CALLBACKS_ENABLED:+,$ANSIBLE_CALLBACKS_ENABLED}" \
  ansible-playbook playbooks/drift.yml "${inventory[@]}" --check --diff "$@"
rc=$?

python3 - "$report_dir" "$rc" <<'PY'
import json, os, sys
report_dir, rc = sys.argv[1], int(sys.argv[2])
def load(name):
    path = os.path.join(report_dir, name)
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)
errors = load("errors.json") or []
report = load("findings.json")
if rc != 0 or errors or report is None:
    reasons = ["%s%s: %s" % (e.get("host") + " " if e.get("host") else "", e.get("task") or e.get("what"), e.get("msg"))
               for e in errors]
    if not reasons:
        reasons = ["ansible-playbook exited %d and wrote no report into %s" % (rc, report_dir)]
    print("drift: ERROR, the estate could not be checked:", file=sys.stderr)
    for reason in reasons:
        print("  " + reason, file=sys.stderr)
    sys.exit(1)
count = report["summary"]["findings"]
kinds = report["summary"]["by_kind"]
if count:
    print("drift: %d drift findings, %d unmanaged resources: %s" % (kinds.get("drift", 0), kinds.get("unmanaged", 0),
                                                                    os.path.join(report_dir, "summary.md")))
    sys.exit(2)
print("drift: none (%d resources checked): %s" % (report["summary"]["resources"], os.path.join(report_dir, "summary.md")))
sys.exit(0)
PY
