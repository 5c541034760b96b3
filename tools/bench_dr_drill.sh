#!/usr/bin/env bash
# The failover drill's RTO against the local inventory's objective (30 s), measured on a stack of its
# own: start it, provision the AWS regions of inventories/local, run playbooks/dr_drill.yml DRILLS
# times (3 by default) with the inventory's targets, then stop the stack and remove its state.
# Each drill's report goes to .state/bench/dr_drill/run<N>/; the figures (RTO, RTO as users see it,
# the promotion, the orchestration between the fault and the promotion) to .state/bench/dr_drill.json.
# A drill that misses its objective is a figure here, not an error: the script fails only when a
# drill could not run to its report. Not part of the tests (RTO is a duration, it stretches with the
# machine's load); make bench runs it last.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg" ANSIBLE_FORCE_COLOR=0
DRILLS="${DRILLS:-3}"
OUT="$ROOT/.state/bench/dr_drill"
# A stack of its own (tools/local_stack/stack.py env lists the variables): other ports, state
# directory and GitOps tree than the default stack and the test command's second stack.
export MERIDIAN_STATE_DIR="$ROOT/.state/local_stack_bench" MERIDIAN_GITOPS_DIR="$ROOT/.state/gitops_bench" \
  MERIDIAN_MOTO_PORT=5400 MERIDIAN_PROMETHEUS_PORT=9490 MERIDIAN_ALERTMANAGER_PORT=9493 \
  MERIDIAN_PUSHGATEWAY_PORT=9494 MERIDIAN_REGION_US_EAST_1_PORT=5480 MERIDIAN_REGION_EU_WEST_1_PORT=5481 \
  MERIDIAN_GCE_PORT=5490 MERIDIAN_PG_NODES=us-east-1:5733,eu-west-1:5734

rm -rf "$OUT" && mkdir -p "$OUT"
# stop the stack and remove its state in every case
trap 'tools/local_stack/stop > "$OUT/stack_stop.log" 2>&1 || true; rm -rf "$MERIDIAN_STATE_DIR" "$MERIDIAN_GITOPS_DIR"' EXIT

echo "=== dr_drill bench: starting its stack"
tools/local_stack/start > "$OUT/stack_start.log" 2>&1 || { cat "$OUT/stack_start.log"; exit 1; }
python tools/local_stack/backfill_prometheus.py > "$OUT/backfill.log" 2>&1 || { cat "$OUT/backfill.log"; exit 1; }
echo "=== dr_drill bench: provisioning the AWS regions of inventories/local"
SECONDS=0
ansible-playbook playbooks/provision.yml -i inventories/local --limit 'all:!k8s_clusters:!gcp_regions' \
  > "$OUT/provision.log" 2>&1 || { tail -40 "$OUT/provision.log"; exit 1; }
echo "    provisioned in $SECONDS s"
rc=0
for i in $(seq 1 "$DRILLS"); do
  echo "=== dr_drill bench: drill $i of $DRILLS"
  mkdir -p "$OUT/run$i"
  ansible-playbook playbooks/dr_drill.yml -i inventories/local -e "dr_failover_report_dir=$OUT/run$i" \
    > "$OUT/run$i/playbook.log" 2>&1
  ls "$OUT/run$i"/dr-drill-*.json > /dev/null 2>&1 || { tail -40 "$OUT/run$i/playbook.log"; rc=1; }
done
python benchmarks/dr_drill_rto.py --reports "$OUT" --out "$ROOT/.state/bench/dr_drill.json" || rc=1
exit $rc
