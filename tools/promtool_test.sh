#!/usr/bin/env bash
# Render the monitoring configuration from an inventory (default: inventories/local) with the
# monitoring role into a temporary directory (nothing live is touched: no reload, no CloudWatch
# alarms), then:
#   promtool check rules / check config, promtool test rules tests/promtool/*_test.yml,
#   amtool check-config and the per-region/severity routes,
#   and check that every generated alert has a firing and a non-firing test.
# Exits non-zero on any failure. Usage: tools/promtool_test.sh [INVENTORY]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INVENTORY="${1:-$ROOT/inventories/local}"
PROMTOOL="${PROMTOOL:-promtool}"
AMTOOL="${AMTOOL:-amtool}"
PY="$ROOT/.venv/bin/python"
for tool in "$PROMTOOL" "$AMTOOL"; do
  command -v "$tool" >/dev/null || { echo "promtool_test: $tool not found (Debian packages prometheus, prometheus-alertmanager)" >&2; exit 2; }
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/prometheus" "$WORK/alertmanager"

echo "== render (monitoring role, $INVENTORY)"
cd "$ROOT"
"$ROOT/.venv/bin/ansible-playbook" -i "$INVENTORY" playbooks/monitoring.yml \
  -e "monitoring_prometheus_dir=$WORK/prometheus" -e "monitoring_alertmanager_dir=$WORK/alertmanager" \
  -e '{"monitoring_reload": false, "monitoring_validate": false, "monitoring_aws_alarms_enabled": false}' > "$WORK/render.log" 2>&1 \
  || { cat "$WORK/render.log" >&2; echo "promtool_test: rendering failed" >&2; exit 1; }

RULES="$WORK/prometheus/rules/meridian_slo.yml"
echo "== promtool check rules"
"$PROMTOOL" check rules "$RULES"
echo "== promtool check config"
"$PROMTOOL" check config "$WORK/prometheus/prometheus.yml"
echo "== amtool check-config"
"$AMTOOL" check-config "$WORK/alertmanager/alertmanager.yml"

echo "== amtool routes: every region and severity reaches its own receiver"
REGIONS="$("$PY" -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1]))
print(" ".join(sorted({m.split("\"")[1] for r in c["route"]["routes"] for m in r["matchers"]})))' "$WORK/alertmanager/alertmanager.yml")"
for region in $REGIONS; do
  for severity in critical warning info; do
    "$AMTOOL" config routes test --config.file="$WORK/alertmanager/alertmanager.yml" \
      --verify.receivers="$region-$severity" "region=$region" "severity=$severity" alertname=Probe >/dev/null 2>&1 \
      || { echo "promtool_test: region=$region severity=$severity does not reach $region-$severity" >&2; exit 1; }
  done
done
echo "  routes ok for: $REGIONS"

echo "== promtool test rules"
cp "$ROOT"/tests/promtool/*_test.yml "$WORK/prometheus/rules/"
( cd "$WORK/prometheus/rules" && "$PROMTOOL" test rules ./*_test.yml )

echo "== every alert has a firing and a non-firing test"
"$PY" - "$RULES" "$ROOT"/tests/promtool/*_test.yml <<'PYEOF'
import sys
import yaml

rules = yaml.safe_load(open(sys.argv[1]))
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
firing, quiet = set(), set()
for path in sys.argv[2:]:
    for test in yaml.safe_load(open(path)).get("tests", []):
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
missing = sorted((a, kind) for a in alerts for kind, seen in (("firing", firing), ("non-firing", quiet)) if a not in seen)
for name, kind in missing:
    print("  missing %s test for %s" % (kind, name))
unknown = sorted((firing | quiet) - alerts)
for name in unknown:
    print("  test for unknown alert %s" % name)
print("  %d alerts, %d missing tests, %d tests of unknown alerts" % (len(alerts), len(missing), len(unknown)))
sys.exit(1 if missing or unknown else 0)
PYEOF
echo "promtool_test: OK"
