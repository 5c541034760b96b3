#!/usr/bin/env bash
# Build the collection artifact and check what it holds: the collection content, and none of the
# development-only trees (venv, inventories, Molecule, tools, benchmarks, local state).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$ROOT/.state/build"
rm -rf "$out" && mkdir -p "$out"
"$ROOT/.venv/bin/ansible-galaxy" collection build --force --output-path "$out" "$ROOT" >/dev/null
tarball=$(ls "$out"/meridian-global_infra-*.tar.gz)
top=$(tar tzf "$tarball" | cut -d/ -f1 | sort -u)
rc=0
for want in plugins roles playbooks meta docs README.md galaxy.yml MANIFEST.json; do
  grep -qx "$want" <<<"$top" || { [ "$want" = galaxy.yml ] && continue; echo "missing from the artifact: $want"; rc=1; }
done
for banned in .venv .collections .state .ansible inventories molecule tools benchmarks awx .ci .git; do
  if grep -qx -- "$banned" <<<"$top"; then echo "must not be in the artifact: $banned"; rc=1; fi
done
[ $rc = 0 ] && echo "artifact ok: $(basename "$tarball") ($(tar tzf "$tarball" | wc -l) entries: $(tr '\n' ' ' <<<"$top"))"
exit $rc
