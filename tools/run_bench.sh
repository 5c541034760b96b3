#!/usr/bin/env bash
# The benchmarks (not part of the tests). Results go to .state/bench/*.json, their figures to
# docs/images/*.png (benchmarks/plot_results.py: the forecast error, the capacity policies against
# reactive, and per trace the forecast and the capacity against the load, capacity_<trace>.png);
# docs/benchmarks.md shows the latest figures.
# TRACES=DIR points the forecasting benchmarks at other timestamp,value CSVs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/.state/bench"
TRACES="${TRACES:-$ROOT/../shared/data/traces}"
mkdir -p "$OUT"
# Benchmark-only dependencies: statsforecast (AutoTheta, the peer the backtest compares against) and
# matplotlib (the figures), from requirements-bench.txt.
"$PY" -c "import statsforecast, matplotlib" 2>/dev/null || "$PY" -m pip install -q -r "$ROOT/requirements-bench.txt"

run() { echo "=== $*"; "$PY" "$@"; }
run benchmarks/region_select.py --out "$OUT/region_select.json"
run benchmarks/forecast_backtest.py --traces "$TRACES" --out "$OUT/forecast_backtest.json"
run benchmarks/capacity_sim.py --traces "$TRACES" --out "$OUT/capacity_sim.json"
# each capacity target of docs/benchmarks.md with its figure: met, missed or not measured
run benchmarks/capacity_targets.py "$OUT/capacity_sim.json"
run benchmarks/forecast_timing.py --out "$OUT/forecast_timing.json"
run benchmarks/k8s_render.py --out "$OUT/k8s_render.json"
# The failover drill's RTO on a stack of its own (provisions the AWS regions, runs 3 drills: about 15 min).
echo "=== tools/bench_dr_drill.sh"; tools/bench_dr_drill.sh
# The figures of docs/benchmarks.md (committed, shown on the docs site) from the JSON above.
run benchmarks/plot_results.py --bench-dir "$OUT" --out-dir "$ROOT/docs/images"
echo "=== results in $OUT, figures in docs/images"
