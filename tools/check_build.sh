#!/usr/bin/env bash
# Build the collection artifact and check what it holds: the collection content, and none of the
# development-only trees (venv, inventories, Molecule, tools, benchmarks, local state).
# The artifact is built from a copy of what git would ship (tracked and untracked-but-not-ignored
# files) to which the docs/*.md guides are added as antsibull-docs extra docs
# (docs/docsite/rst/*.rst and docs/docsite/extra-docs.yml, written by tools/docs/guides_to_rst.py):
# the guides have one source, the Markdown in docs/, and the artifact carries them for the docsite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$ROOT/.state/build"
stage="$ROOT/.state/build-stage/ansible_collections/meridian/global_infra"
rm -rf "$out" "$ROOT/.state/build-stage" && mkdir -p "$out" "$stage"
( cd "$ROOT" && git ls-files -co --exclude-standard -z ) |
  ( cd "$ROOT" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null ) | tar -xf - -C "$stage"
if [ -e "$stage/docs/docsite/rst" ] || [ -e "$stage/docs/docsite/extra-docs.yml" ]; then
  echo "docs/docsite/rst and docs/docsite/extra-docs.yml are generated from docs/*.md at build time: remove them from the tree"
  exit 1
fi
"$ROOT/.venv/bin/python" "$ROOT/tools/docs/guides_to_rst.py" "$stage" >/dev/null
"$ROOT/.venv/bin/ansible-galaxy" collection build --force --output-path "$out" "$stage" >/dev/null
tarball=$(ls "$out"/meridian-global_infra-*.tar.gz)
top=$(tar tzf "$tarball" | cut -d/ -f1 | sort -u)
rc=0
for want in plugins roles playbooks meta docs README.md galaxy.yml MANIFEST.json; do
  grep -qx "$want" <<<"$top" || { [ "$want" = galaxy.yml ] && continue; echo "missing from the artifact: $want"; rc=1; }
done
for banned in .venv .collections .state .ansible inventories molecule tools benchmarks awx .ci .git; do
  if grep -qx -- "$banned" <<<"$top"; then echo "must not be in the artifact: $banned"; rc=1; fi
done
md=("$ROOT"/docs/*.md)
guides=${#md[@]}
extra=$(tar tzf "$tarball" | grep -c '^docs/docsite/rst/.*\.rst$' || true)
if [ "$extra" != "$guides" ]; then echo "the artifact has $extra extra docs for $guides guides in docs/"; rc=1; fi
[ $rc = 0 ] && echo "artifact ok: $(basename "$tarball") ($(tar tzf "$tarball" | wc -l) entries: $(tr '\n' ' ' <<<"$top"); $extra guides as extra docs)"
exit $rc
