#!/usr/bin/env bash
# The whole test suite; every stage runs, the exit code is non-zero if any failed.
# Usage: tools/run_tests.sh [stage ...]   stages: lint sanity units build docs promtool edge molecule
# docs checks the artifact of build (tools/check_docs.sh: antsibull-docs lint, galaxy-importer, the
# HTML site with sphinx-build -W); run without build, it builds the artifact first.
# edge runs every edge function's tests on njs after the CloudFront runtime check (tools/edge/njs_test.py).
# The local stack is started for the Molecule stage and stopped at the end in every case.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg" ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
# The strategy of the project's commands (Makefile): Mitogen's, unless ANSIBLE_STRATEGY says otherwise.
export ANSIBLE_STRATEGY="${ANSIBLE_STRATEGY:-mitogen_linear}"
# and its collections: those of .collections only, as in the Makefile (the links tools/setup.sh makes).
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False
stages=("$@")
[ "${#stages[@]}" -gt 0 ] || stages=(lint sanity units build docs promtool edge molecule)
failed=()
started_stack=0

cleanup() {
  if [ "$started_stack" = 1 ]; then
    mkdir -p .state/molecule
    echo "=== stopping the local stack (its output: .state/molecule/stack_stop.log)"
    { echo "first stack:"; tools/local_stack/stop
      echo "second stack (stopped by its lane unless it could not):"; env "${SECOND_STACK_ENV[@]}" tools/local_stack/stop
    } > .state/molecule/stack_stop.log 2>&1 || true
    grep -E "^(first|second) stack| of CPU\)" .state/molecule/stack_stop.log | sed 's/^/    /'
  fi
  # The last lines of a run are the ones a CI page shows: end with what failed and where.
  if [ "${#failed[@]}" -gt 0 ]; then
    if [[ " ${failed[*]} " == *" molecule "* ]] && [ -f .state/molecule/all.log ]; then
      echo "=== molecule: each scenario's end, and every failed task (from .state/molecule/all.log)"
      # a failed task's message follows its "fatal:" line (YAML output): up to 15 lines of it
      awk 'more > 0 && /^$/ { more = 0 }
           more > 0 { print "    " substr($0, 1, 300); more-- }
           /^TASK \[/ { task = $0 }
           /^--- molecule scenario .*(done|rc [0-9]+) \(/ || /: actions=[0-9]+ / { print }
           /^(fatal|failed): / { print "  in " task; print "  " substr($0, 1, 700); more = 15 }' .state/molecule/all.log
    fi
    echo "=== FAILED stages: ${failed[*]}"
  fi
}
trap cleanup EXIT

# The CPU (user + system seconds) of this shell's children that have ended, in CPU_NOW: the times
# builtin, run in this shell (a subshell's count starts at zero). A stage's or a lane's figure is the
# difference around it; servers of the stack are not its children (stop prints their own figures).
children_cpu() {
  local f="$ROOT/.state/times.$BASHPID"
  times > "$f"
  CPU_NOW=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } printf "%.0f", s }' "$f")
  rm -f "$f"
}
mkdir -p .state

# Beside the Molecule stage the other stages run at a lower priority (nice 15): the Molecule lanes
# are the command's longest path, a chain of playbook runs each waiting on the one before, and
# when the two cores are busy every run of theirs waits for CPU; the other stages are independent
# work that fills whatever CPU the lanes leave. Set once the Molecule stage has started beside them.
# A process at a low priority gets a few per cent of a core while the lanes are busy, so nothing it
# starts may need much CPU before a deadline: Mitogen gives a new interpreter 30 s to answer, and
# the AWS preload (tools/venv/meridian_aws_preload.py, about 0.75 s of CPU per interpreter) spent
# there made the playbook runs of the unit stage fail with "Connection timed out". Low-priority
# work (these stages, and the standalone scenarios: lane_priority) runs without it; the role tests
# measured the same CPU either way.
BESIDE=()

run() {  # run NAME CMD...
  # in a subshell that counts only its own children's CPU (the Molecule stage, in the background,
  # may end meanwhile: this shell's count would take it in)
  local name=$1; shift
  echo "=== $name: ${BESIDE[*]}${BESIDE[*]:+ }$*"
  ( t0=$SECONDS; status=ok; r=0
    "${BESIDE[@]}" "$@" || { status=FAILED; r=1; }
    children_cpu
    echo "=== $name: $status ($((SECONDS - t0)) s, $CPU_NOW s of CPU)"; exit $r ) || failed+=("$name")
}

# Scenarios that use no server of the stack (they work on files of their own) run beside the others.
STANDALONE_SCENARIOS=(kubernetes)
# Two stacks share the scenarios by length (fresh-clone runs on 2 cores, docs/development.md): the
# first runs default (the whole estate, verified, then torn down), gcp, monitoring and scale; the
# second, with other ports, state directory and GitOps tree (tools/local_stack/stack.py env lists the
# variables), runs dr_drill (its drills are the longest scenario), beside them.
SECOND_STACK_SCENARIOS=(dr_drill)
SECOND_STACK_ENV=(
  MERIDIAN_STATE_DIR="$ROOT/.state/local_stack_second" MERIDIAN_GITOPS_DIR="$ROOT/.state/gitops_second"
  MERIDIAN_MOTO_PORT=5200 MERIDIAN_PROMETHEUS_PORT=9290 MERIDIAN_ALERTMANAGER_PORT=9293
  MERIDIAN_PUSHGATEWAY_PORT=9294 MERIDIAN_REGION_US_EAST_1_PORT=5280 MERIDIAN_REGION_EU_WEST_1_PORT=5281
  MERIDIAN_GCE_PORT=5290
  "MERIDIAN_PG_NODES=us-east-1:5533,eu-west-1:5534"
)

molecule_scenario() {  # molecule_scenario NAME
  # Molecule keeps a scenario's state (e.g. "prepared") between runs and checkouts: start clean.
  molecule reset -s "$1" >/dev/null 2>&1 || true
  # ansible.posix.timer: each playbook run (each step, and the runs the steps make) prints its time;
  # ansible.posix.profile_tasks: each task its start and duration, and each run its slowest tasks
  ANSIBLE_CALLBACKS_ENABLED="ansible.posix.timer,ansible.posix.profile_tasks${ANSIBLE_CALLBACKS_ENABLED:+,$ANSIBLE_CALLBACKS_ENABLED}" \
    molecule test -s "$1"
}

# The lanes' priorities: both stacks' lanes keep the normal priority (each is a chain of playbook runs
# that waits on the one before, and the command ends with the later of the two); the standalone
# scenarios, short and independent, run 10 lower (nice 10), above the other stages (nice 15). The
# servers of both stacks keep the normal priority: each lane waits on them.
LANE_NICE=10
lane_priority() {  # in a lane's subshell: lower its priority (and its children's) by LANE_NICE,
  # without the AWS preload (see BESIDE; the standalone scenarios call no AWS API)
  renice -n $(($(nice) + LANE_NICE)) -p "$BASHPID" >/dev/null
  export MERIDIAN_AWS_PRELOAD=0
}

# run_scenario NAME: the scenario in a subshell of its own, which prints its wall time and CPU (a
# subshell counts only its own children: a lane that ends meanwhile is not counted in).
run_scenario() {
  ( echo "--- molecule scenario $1"; t0=$SECONDS; molecule_scenario "$1"; r=$?; children_cpu
    if [ "$r" = 0 ]; then outcome="done"; else outcome="rc $r"; fi
    echo "--- molecule scenario $1: $outcome ($((SECONDS - t0)) s, $CPU_NOW s of CPU)"; exit $r )
}

# stack_lane ENV_ARRAY SCENARIO...: start a stack with the environment ENV_ARRAY names, run the
# scenarios on it one after another, stop it; fails if any failed.
stack_lane() {
  local -n lane_env=$1; shift
  ( export "${lane_env[@]}"; r=0
    if tools/local_stack/start; then
      for s in "$@"; do run_scenario "$s" || r=1; done
    else
      r=1
    fi
    tools/local_stack/stop || true
    exit $r )
}

molecule_all() {
  started_stack=1
  local rc=0 s pids=() logs=() names=() first=()
  mkdir -p .state/molecule
  for s in "${STANDALONE_SCENARIOS[@]}"; do
    [ -f "molecule/$s/molecule.yml" ] || continue
    logs+=(".state/molecule/$s.log"); names+=("$s")
    echo "--- molecule scenario $s (beside the others; output follows when it ends)"
    ( lane_priority; run_scenario "$s" ) > ".state/molecule/$s.log" 2>&1 &
    pids+=($!)
  done
  logs+=(".state/molecule/second_stack.log"); names+=("${SECOND_STACK_SCENARIOS[*]} (second stack)")
  echo "--- molecule scenarios ${SECOND_STACK_SCENARIOS[*]} on the second stack (output follows when they end)"
  stack_lane SECOND_STACK_ENV "${SECOND_STACK_SCENARIOS[@]}" > .state/molecule/second_stack.log 2>&1 &
  pids+=($!)
  for s in molecule/*/molecule.yml; do
    s=$(basename "$(dirname "$s")")
    [[ " ${STANDALONE_SCENARIOS[*]} ${SECOND_STACK_SCENARIOS[*]} " == *" $s "* ]] || first+=("$s")
  done
  # the first stack's lane, in this shell's output; cleanup stops its stack
  if tools/local_stack/start; then
    for s in "${first[@]}"; do run_scenario "$s" || rc=1; done
  else
    rc=1
  fi
  local i
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || rc=1
    echo "--- molecule scenario ${names[$i]}: its output"
    cat "${logs[$i]}"
  done
  return $rc
}

# The Molecule stage waits on servers (moto, Prometheus, PostgreSQL) far more than it computes, so
# when other stages run too it starts first, in the background, beside them; its output follows
# theirs. Only the stack's own tests start servers in the other stages, on ports of their own.
molecule_pid=""
if [[ " ${stages[*]} " == *" molecule "* ]] && [ "${#stages[@]}" -gt 1 ]; then
  mkdir -p .state/molecule
  started_stack=1
  echo "=== molecule: started beside the other stages (output: .state/molecule/all.log, shown at the end)"
  ( t0=$SECONDS; molecule_all; r=$?; children_cpu
    echo "=== molecule: rc $r ($((SECONDS - t0)) s, $CPU_NOW s of CPU, its servers' not counted)"; exit $r ) \
    > .state/molecule/all.log 2>&1 &
  molecule_pid=$!
fi

[ -z "$molecule_pid" ] || BESIDE=(env MERIDIAN_AWS_PRELOAD=0 nice -n 15)

for stage in "${stages[@]}"; do
  case "$stage" in
    lint) run lint ansible-lint --profile production ;;
    sanity) run sanity tools/sanity.sh ;;
    units) run units pytest -q -n 2 --dist worksteal --durations=40 ;;
    build) run build tools/check_build.sh ;;
    docs)
      # on the artifact of this run's build stage; alone, on a fresh build of the working tree
      [[ " ${stages[*]} " == *" build "* ]] || run build tools/check_build.sh
      run docs tools/check_docs.sh ;;
    promtool) if [ -x tools/promtool_test.sh ]; then run promtool tools/promtool_test.sh; fi ;;
    edge) run edge python tools/edge/njs_test.py ;;
    molecule) [ -n "$molecule_pid" ] || { started_stack=1; run molecule molecule_all; } ;;
    *) echo "unknown stage: $stage"; failed+=("$stage") ;;
  esac
done

if [ -n "$molecule_pid" ]; then
  echo "=== molecule: waiting for it to end"
  wait "$molecule_pid"
  molecule_rc=$?
  cat .state/molecule/all.log
  if [ "$molecule_rc" = 0 ]; then echo "=== molecule: ok"; else echo "=== molecule: FAILED"; failed+=(molecule); fi
fi

[ "${#failed[@]}" -eq 0 ] || exit 1  # cleanup, on exit, names them
echo "=== all stages passed: ${stages[*]}"
