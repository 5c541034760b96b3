#!/usr/bin/env bash
# Drift of the estate against the code, with exit codes like `terraform plan -detailed-exitcode`
# (tools/report_run.py): 0 no drift and no unmanaged resource, 2 drift or unmanaged resources, 1 the
# run failed, wrote no report or one that records errors (the reason is printed).
# tools/drift.sh [-i INVENTORY] [more ansible-playbook options, e.g. --limit 'all:!k8s_clusters']
# The report directory is $MERIDIAN_DRIFT_REPORT_DIR (default reports/drift). `make drift` runs the
# same through tools/report_run.py. docs/drift.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_CONFIG="${ANSIBLE_CONFIG:-$root/ansible.cfg}"
report_dir="${MERIDIAN_DRIFT_REPORT_DIR:-$root/reports/drift}"
# the callback writes where report_run.py says (MERIDIAN_REPORT_DIR)
unset MERIDIAN_DRIFT_REPORT_DIR
exec python3 "$root/tools/report_run.py" --name drift --report-dir "$report_dir" -- \
  env ANSIBLE_CALLBACKS_ENABLED="meridian.global_infra.drift_report${ANSIBLE_CALLBACKS_ENABLED:+,$ANSIBLE_CALLBACKS_ENABLED}" \
  ansible-playbook playbooks/drift.yml "$@" --check --diff
