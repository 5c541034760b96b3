#!/usr/bin/env bash
# Render the monitoring configuration of every inventory (default: inventories/local, staging and
# prod) with the monitoring role into a temporary directory (nothing live is touched: no reload, no
# CloudWatch alarms, no SSH to the Prometheus host; vault variables get stand-in values), then per
# inventory:
#   promtool check rules / check config, amtool check-config and the per-region/severity routes,
#   every receiver of a critical route notifies someone, Alertmanager and Pushgateway targets on
#   port 443 are scraped and alerted over https;
# and for inventories/local (whose metric names tests/promtool/*_test.yml use):
#   promtool test rules tests/promtool/*_test.yml, every generated alert with a firing and a
#   non-firing test.
# Exits non-zero on any failure. Usage: tools/promtool_test.sh [INVENTORY ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ONE=""
if [ "${1:-}" = --one ]; then ONE=$2; shift 2; fi  # internal: check one inventory in this process
if [ "$#" -gt 0 ]; then INVENTORIES=("$@"); else
  INVENTORIES=("$ROOT/inventories/local" "$ROOT/inventories/staging" "$ROOT/inventories/prod"); fi
PROMTOOL="${PROMTOOL:-promtool}"
AMTOOL="${AMTOOL:-amtool}"
PY="$ROOT/.venv/bin/python"
for tool in "$PROMTOOL" "$AMTOOL"; do
  command -v "$tool" >/dev/null || { echo "promtool_test: $tool not found (Debian packages prometheus, prometheus-alertmanager)" >&2; exit 2; }
done
TOP="$(mktemp -d)"
trap 'rm -rf "$TOP"' EXIT

render() {  # render INVENTORY WORK: the role's files for INVENTORY under WORK/{prometheus,alertmanager}
  local inventory=$1 work=$2
  mkdir -p "$work/prometheus" "$work/alertmanager"
  # Stand-in values for the vault variables the inventory names (the real ones live in an encrypted
  # file that is not in the repository); the Prometheus host is this machine.
  "$PY" - "$inventory" "$work/extra.json" <<'PYEOF'
import json, os, re, sys
names = set()
for base, _dirs, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(base, name), errors="replace") as handle:
            names.update(re.findall(r"\b(vault_[A-Za-z0-9_]+)", handle.read()))
extra = {n: "https://stand-in.invalid/%s" % n for n in sorted(names)}
extra.update({"monitoring_config_host": "localhost", "monitoring_config_become": False, "monitoring_config_group": "",
              "monitoring_reload": False, "monitoring_validate": False, "monitoring_aws_alarms_enabled": False})
json.dump(extra, open(sys.argv[2], "w"))
PYEOF
  ( cd "$ROOT" && "$ROOT/.venv/bin/ansible-playbook" -i "$inventory" playbooks/monitoring.yml \
      -e "monitoring_prometheus_dir=$work/prometheus" -e "monitoring_alertmanager_dir=$work/alertmanager" \
      -e "@$work/extra.json" ) > "$work/render.log" 2>&1 \
    || { cat "$work/render.log" >&2; echo "promtool_test: rendering $inventory failed" >&2; exit 1; }
}

check_inventory() {  # check_inventory INVENTORY
INVENTORY=$1
WORK="$TOP/$(basename "$INVENTORY")"
echo "=== $INVENTORY"
echo "== render (monitoring role)"
render "$INVENTORY" "$WORK"

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

echo "== critical routes notify someone; targets on port 443 use https"
"$PY" - "$WORK/alertmanager/alertmanager.yml" "$WORK/prometheus/prometheus.yml" <<'PYEOF'
import sys
import yaml

am = yaml.safe_load(open(sys.argv[1]))
prom = yaml.safe_load(open(sys.argv[2]))
bad = []
for receiver in am["receivers"]:
    if (receiver["name"] == "default" or receiver["name"].endswith("-critical")) and not any(
            k.endswith("_configs") and v for k, v in receiver.items()):
        bad.append("receiver %s notifies nobody" % receiver["name"])
configs = [("alerting", c) for c in (prom.get("alerting") or {}).get("alertmanagers", [])]
configs += [(c["job_name"], c) for c in prom["scrape_configs"] if c["job_name"].startswith(("alertmanager", "pushgateway"))]
for name, config in configs:
    for static in config.get("static_configs", []):
        for target in static["targets"]:
            if target.endswith(":443") and config.get("scheme", "http") != "https":
                bad.append("%s: %s is on port 443 but scheme is %s" % (name, target, config.get("scheme", "http")))
for line in bad:
    print("  " + line)
print("  %d receivers, %d target configurations checked" % (len(am["receivers"]), len(configs)))
sys.exit(1 if bad else 0)
PYEOF

[ "$(basename "$INVENTORY")" = local ] || return 0

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
}

if [ -n "$ONE" ]; then
  check_inventory "$ONE"
  exit 0
fi
failed=()
for inventory in "${INVENTORIES[@]}"; do
  bash "${BASH_SOURCE[0]}" --one "$inventory" || failed+=("$inventory")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "promtool_test: FAILED for ${failed[*]}" >&2
  exit 1
fi
echo "promtool_test: OK (${INVENTORIES[*]})"
