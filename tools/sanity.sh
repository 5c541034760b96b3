#!/usr/bin/env bash
# Run `ansible-test sanity` offline on a copy of the collection at the path ansible-test needs
# (<tmp>/ansible_collections/meridian/global_infra). Extra arguments go to ansible-test,
# e.g. tools/sanity.sh plugins/modules/foo.py   or   tools/sanity.sh --test pep8
# Each run has its own copy, so runs can overlap; the copy is removed at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$ROOT/.state"
BASE="$(mktemp -d "$ROOT/.state/sanity.XXXXXX")"
trap 'rm -rf "$BASE"' EXIT
DEST="$BASE/ansible_collections/meridian/global_infra"
mkdir -p "$DEST"
# Copy what git would ship (tracked and untracked-but-not-ignored files), nothing else.
( cd "$ROOT" && git ls-files -co --exclude-standard -z ) |
  ( cd "$ROOT" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null ) | tar -xf - -C "$DEST"
# Collection dependencies (galaxy.yml) must sit beside the copy for the import and validate-modules tests.
for ns in amazon community; do
  ln -sfn "$ROOT/.venv/lib/python3.11/site-packages/ansible_collections/$ns" "$BASE/ansible_collections/$ns"
done
cd "$DEST"
# ansible-test lists files with git: give the copy a repository of its own (else the checkout's
# repository, which ignores .state, would hide every file).
git init -q . && git add -A
export PATH="$ROOT/.venv/bin:$PATH"
"$ROOT/.venv/bin/ansible-test" sanity --local --python 3.11 --color no "$@"
