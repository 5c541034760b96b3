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
  cpu_groups_remove
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

# Beside the Molecule stage the other stages run at a lower priority: the Molecule lanes are the
# command's longest path, a chain of playbook runs each waiting on the one before, and when the two
# cores are busy every run of theirs waits for CPU; the other stages are independent work that fills
# whatever CPU the lanes leave. Set once the Molecule stage has started beside them.
#
# A nice value alone does not give that order here. With the kernel's autogroups
# (/proc/sys/kernel/sched_autogroup_enabled), each session is scheduled as one entity and nice
# only orders processes inside it, and Ansible starts every task's worker in a session of its own
# (os.setsid): each worker of a unit test's playbook weighed as much as the whole Molecule stage,
# and the drills of dr_drill ran 2 to 4 times slower than on an idle machine. Processes in a CPU
# cgroup other than the root one are not autogrouped, so where this shell may make cgroups (v1's
# cpu controller, as root) the Molecule stage runs in one and the other stages in another, with
# equal shares: each has at least one core when both are busy, and inside each nice orders the
# processes as written (lane_priority). A larger share for Molecule starved the unit stage (64 and
# 4 times: playbook runs of its tests passed their 300 s timeout). The other stages also run at
# nice 15, all there is where no cgroup can be made.
BESIDE=()
CPU_GROUPS=""  # the command's cgroup directory, when it made one
cpu_groups_make() {
  local base=/sys/fs/cgroup/cpu
  [ -f "$base/cpu.shares" ] && [ -w "$base/cgroup.procs" ] || return 1
  mkdir "$base/meridian_tests.$$" 2>/dev/null || return 1
  CPU_GROUPS="$base/meridian_tests.$$"
  if mkdir "$CPU_GROUPS/molecule" "$CPU_GROUPS/beside" && echo 1024 > "$CPU_GROUPS/molecule/cpu.shares" \
     && echo 1024 > "$CPU_GROUPS/beside/cpu.shares"; then
    return 0
  fi
  cpu_groups_remove
  return 1
}
cpu_groups_join() {  # cpu_groups_join GROUP: move this (sub)shell, and so what it starts, into GROUP
  [ -z "$CPU_GROUPS" ] || echo "$BASHPID" > "$CPU_GROUPS/$1/cgroup.procs"
}
in_cpu_group() {  # in_cpu_group GROUP CMD...: run CMD in GROUP
  local group=$1; shift
  ( cpu_groups_join "$group"; exec "$@" )
}
cpu_groups_remove() {  # any process left in them goes back to the root group first
  [ -n "$CPU_GROUPS" ] || return 0
  local g p
  for g in "$CPU_GROUPS"/molecule "$CPU_GROUPS"/beside; do
    [ -d "$g" ] || continue
    while read -r p; do echo "$p" > /sys/fs/cgroup/cpu/cgroup.procs 2>/dev/null; done < "$g/cgroup.procs"
    rmdir "$g" 2>/dev/null || echo "=== could not remove the cgroup $g"
  done
  rmdir "$CPU_GROUPS" 2>/dev/null || echo "=== could not remove the cgroup $CPU_GROUPS"
  CPU_GROUPS=""
}

run() {  # run NAME CMD...
  local name=$1; shift
  echo "=== $name: ${BESIDE[*]}${BESIDE[*]:+ }$*"
  local t0=$SECONDS c0 status=ok
  children_cpu; c0=$CPU_NOW
  "${BESIDE[@]}" "$@" || { status=FAILED; failed+=("$name"); }
  children_cpu
  echo "=== $name: $status ($((SECONDS - t0)) s, $((CPU_NOW - c0)) s of CPU)"
}

# Scenarios that use no server of the stack (they work on files of their own) run beside the others.
STANDALONE_SCENARIOS=(kubernetes)
# Two stacks share the scenarios by length (a fresh-clone run on 2 cores, docs/development.md): the
# first runs default (the whole estate, verified, then torn down; 20 min); the second, with other
# ports, state directory and GitOps tree (tools/local_stack/stack.py env lists the variables), runs
# dr_drill (10 min), scale (6 min), gcp (2 min) and monitoring, one after the other, beside it.
SECOND_STACK_SCENARIOS=(dr_drill scale gcp monitoring)
# dr_drill leaves its estate to the scenario after it (MERIDIAN_ESTATE_KEPT=1 when it passed): scale
# then deploys only the clusters' services, confirms the cloud estate with its verify's provision run
# (changed=0) and tears it down: one teardown and two provisionings fewer.
KEEP_ESTATE_SCENARIOS=(dr_drill)
SECOND_STACK_ENV=(
  MERIDIAN_STATE_DIR="$ROOT/.state/local_stack_second" MERIDIAN_GITOPS_DIR="$ROOT/.state/gitops_second"
  MERIDIAN_MOTO_PORT=5200 MERIDIAN_PROMETHEUS_PORT=9290 MERIDIAN_ALERTMANAGER_PORT=9293
  MERIDIAN_PUSHGATEWAY_PORT=9294 MERIDIAN_REGION_US_EAST_1_PORT=5280 MERIDIAN_REGION_EU_WEST_1_PORT=5281
  MERIDIAN_GCE_PORT=5290
  "MERIDIAN_PG_NODES=us-east-1:5533,eu-west-1:5534"
)

# The lanes' priorities: the second stack's lane (dr_drill first) waits on its own chain of playbook
# runs and servers and is the most slowed by a busy machine (dr_drill took 604 s with the first
# lane at nice 10, 1268 s at the same priority), so it keeps the normal priority; the first stack's
# lane and the standalone scenarios run at nice 10. The stacks' servers keep the normal priority.
LANE_NICE=10
lane_priority() {  # in a lane's subshell: lower its priority (and its children's) by LANE_NICE
  renice -n $(($(nice) + LANE_NICE)) -p "$BASHPID" >/dev/null
}

molecule_scenario() {  # molecule_scenario NAME
  # Molecule keeps a scenario's state (e.g. "prepared") between runs and checkouts: start clean.
  molecule reset -s "$1" >/dev/null 2>&1 || true
  # ansible.posix.timer: each playbook run (each step, and the runs the steps make) prints its time;
  # ansible.posix.profile_tasks: each task its start and duration, and each run its slowest tasks
  ANSIBLE_CALLBACKS_ENABLED="ansible.posix.timer,ansible.posix.profile_tasks${ANSIBLE_CALLBACKS_ENABLED:+,$ANSIBLE_CALLBACKS_ENABLED}" \
    molecule test -s "$1"
}

molecule_all() {
  started_stack=1
  local rc=0 s t0 pids=() logs=() names=()
  mkdir -p .state/molecule
  for s in "${STANDALONE_SCENARIOS[@]}"; do
    [ -f "molecule/$s/molecule.yml" ] || continue
    logs+=(".state/molecule/$s.log"); names+=("$s")
    echo "--- molecule scenario $s (beside the others; output follows when it ends)"
    ( lane_priority; t0=$SECONDS; molecule_scenario "$s"; r=$?; children_cpu
      echo "--- molecule scenario $s: rc $r ($((SECONDS - t0)) s, $CPU_NOW s of CPU)"; exit $r ) \
      > ".state/molecule/$s.log" 2>&1 &
    pids+=($!)
  done
  logs+=(".state/molecule/second_stack.log"); names+=("${SECOND_STACK_SCENARIOS[*]} (second stack)")
  echo "--- molecule scenarios ${SECOND_STACK_SCENARIOS[*]} on the second stack (output follows when they end)"
  ( export "${SECOND_STACK_ENV[@]}"; r=0
    if tools/local_stack/start; then
      kept=0
      for s in "${SECOND_STACK_SCENARIOS[@]}"; do
        echo "--- molecule scenario $s"; t0=$SECONDS; children_cpu; c0=$CPU_NOW
        keep=0; [[ " ${KEEP_ESTATE_SCENARIOS[*]} " == *" $s "* ]] && keep=1
        if MERIDIAN_KEEP_ESTATE=$keep MERIDIAN_ESTATE_KEPT=$kept molecule_scenario "$s"; then
          kept=$keep
        else
          r=1; kept=0
        fi
        children_cpu
        echo "--- molecule scenario $s: done ($((SECONDS - t0)) s, $((CPU_NOW - c0)) s of CPU)"
      done
    else
      r=1
    fi
    tools/local_stack/stop || true
    exit $r ) > .state/molecule/second_stack.log 2>&1 &
  pids+=($!)
  if tools/local_stack/start; then
    for s in molecule/*/molecule.yml; do
      s=$(basename "$(dirname "$s")")
      [[ " ${STANDALONE_SCENARIOS[*]} ${SECOND_STACK_SCENARIOS[*]} " == *" $s "* ]] && continue
      echo "--- molecule scenario $s"
      # its CPU counted in a subshell of its own: this shell's count also takes in the lanes beside
      # it when they end (their shells are its children too)
      ( lane_priority; t0=$SECONDS; molecule_scenario "$s"; r=$?; children_cpu
        echo "--- molecule scenario $s: done ($((SECONDS - t0)) s, $CPU_NOW s of CPU)"; exit $r ) || rc=1
    done
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
  if cpu_groups_make; then
    echo "=== CPU shares: Molecule 1024, the other stages 1024 (cgroups in $CPU_GROUPS)"
    BESIDE=(in_cpu_group beside)
  else
    echo "=== CPU shares: no cgroup could be made here; the other stages run at nice 15 only"
  fi
  BESIDE+=(nice -n 15)
  echo "=== molecule: started beside the other stages (output: .state/molecule/all.log, shown at the end)"
  ( cpu_groups_join molecule; t0=$SECONDS; molecule_all; r=$?; children_cpu
    echo "=== molecule: rc $r ($((SECONDS - t0)) s, $CPU_NOW s of CPU, its servers' not counted)"; exit $r ) \
    > .state/molecule/all.log 2>&1 &
  molecule_pid=$!
fi


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
    molecule) [ -n "$molecule_pid" ] || run molecule molecule_all ;;
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
