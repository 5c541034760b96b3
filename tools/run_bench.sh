#!/usr/bin/env bash
# The benchmarks (not part of the tests). Results go to .state/bench/*.json; docs/benchmarks.md
# shows the latest figures. TRACES=DIR points the forecasting benchmarks at other timestamp,value CSVs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/.state/bench"
TRACES="${TRACES:-$ROOT/../shared/data/traces}"
mkdir -p "$OUT"
# statsforecast (AutoTheta, the peer the backtest compares against) is a benchmark-only dependency.
"$PY" -c "import statsforecast" 2>/dev/null || "$PY" -m pip install -q 'statsforecast>=2,<3'

run() { echo "=== $*"; "$PY" "$@"; }
run benchmarks/region_select.py --out "$OUT/region_select.json"
run benchmarks/forecast_backtest.py --traces "$TRACES" --out "$OUT/forecast_backtest.json"
run benchmarks/capacity_sim.py --traces "$TRACES" --out "$OUT/capacity_sim.json"
run benchmarks/forecast_timing.py --out "$OUT/forecast_timing.json"
run benchmarks/k8s_render.py --out "$OUT/k8s_render.json"
echo "=== results in $OUT"
