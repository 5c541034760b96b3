#!/usr/bin/env bash
# The built artifact as the Ansible docsite and Galaxy see it, and the collection's HTML site.
# Usage: tools/check_docs.sh [--artifact FILE] [changelog] [lint] [importer] [site]   (default: all)
#   changelog antsibull-changelog lint: the fragments a release turns into CHANGELOG.md
#   lint      antsibull-docs lint-collection-docs --plugin-docs on the unpacked artifact: every
#             plugin, module and role documented and valid for the docs schema, the extra docs' index
#   importer  galaxy-importer on the artifact (ansible-doc, role metadata; ansible-test and
#             ansible-lint off: the sanity and lint stages run them, tools/docs/galaxy-importer.cfg)
#   site      the HTML docs into .state/docs: antsibull-docs sphinx-init and collection (plugin, module
#             and role pages, the docs/*.md guides as extra docs), sphinx-build -W; then checks that
#             the index names every plugin, module and role ansible-doc finds in the artifact
# Any message from either linter, and any Sphinx warning, fails its step. The steps run in parallel.
# FILE defaults to the artifact in .state/build; tools/check_build.sh builds it when there is none, or
# when a file of the tree is newer than it (an older artifact would check what the tree was).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
IMPORTER_VENV="$ROOT/.state/venvs/importer"
SITE="${MERIDIAN_DOCS_DIR:-$ROOT/.state/docs}"

artifact=""
steps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --artifact) artifact="$2"; shift 2 ;;
    changelog|lint|importer|site) steps+=("$1"); shift ;;
    *) echo "usage: $0 [--artifact FILE] [changelog] [lint] [importer] [site]"; exit 2 ;;
  esac
done
[ "${#steps[@]}" -gt 0 ] || steps=(changelog lint importer site)
if [ -z "$artifact" ]; then
  built=("$ROOT"/.state/build/*.tar.gz)
  if [ -f "${built[0]}" ]; then
    # shellcheck disable=SC2016  # $0 and $@ are the inner shell's: the artifact and a batch of files
    newer=$(cd "$ROOT" && git ls-files -co --exclude-standard -z |
            xargs -0 -r sh -c 'find "$@" -maxdepth 0 -newer "$0" -print 2>/dev/null; exit 0' "${built[0]}")
    if [ -n "$newer" ]; then
      echo "--- docs: ${newer%%$'\n'*} is newer than .state/build/$(basename "${built[0]}"): building it again"
      built=("")
    fi
  fi
  if [ ! -f "${built[0]}" ]; then
    "$ROOT/tools/check_build.sh" || exit 1
    built=("$ROOT"/.state/build/*.tar.gz)
  fi
  artifact="${built[0]}"
fi
artifact="$(cd "$(dirname "$artifact")" && pwd)/$(basename "$artifact")"

export PATH="$VENV/bin:$PATH" ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 NO_COLOR=1
# The artifact is checked alone: not through the project's ansible.cfg or its live collection link,
# with its dependencies from the ansible package in the venv (the project's commands see only the
# links of .collections: ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False, which this undoes).
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS ANSIBLE_COLLECTIONS_SCAN_SYS_PATH
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-docs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
COLLECTIONS="$WORK/collections"
name=$(basename "$artifact" .tar.gz)              # <namespace>-<name>-<version>
namespace=${name%%-*}; rest=${name#*-}; cname=${rest%-*}
fqcn="$namespace.$cname"
COLL="$COLLECTIONS/ansible_collections/$namespace/$cname"
mkdir -p "$COLL" && tar -xzf "$artifact" -C "$COLL"

failed=()
step() {  # step NAME: run step_NAME, report its time
  local t0=$SECONDS
  echo "--- docs $1: $(basename "$artifact")"
  if "step_$1"; then echo "--- docs $1: ok ($((SECONDS - t0)) s)"; else echo "--- docs $1: FAILED ($((SECONDS - t0)) s)"; failed+=("$1"); fi
}

step_changelog() {
  (cd "$ROOT" && antsibull-changelog lint)
}

step_lint() {
  # antsibull-docs copies the collection and its dependencies; a dependency inside a git checkout
  # (the venv's collections live in .venv of this one) would be copied as git lists it, that is
  # empty: GIT_DIR makes every copy a plain one.
  local out rc
  out=$(cd "$COLL" && GIT_DIR=/nonexistent antsibull-docs lint-collection-docs --plugin-docs \
        --check-extra-docs-refs --validate-collection-refs dependent . 2>&1)
  rc=$?
  [ -z "$out" ] || printf '%s\n' "$out"
  [ $rc = 0 ] && [ -z "$out" ]
}

step_importer() {
  if [ ! -x "$IMPORTER_VENV/bin/python" ]; then
    echo "no galaxy-importer venv in $IMPORTER_VENV: run tools/setup.sh"
    return 1
  fi
  mkdir -p "$WORK/importer" "$WORK/ansible-tmp"
  local log="$WORK/importer/importer.log" rc
  # ansible-doc and ansible-lint come from the project's venv (first on PATH), which has the
  # collection's dependencies; galaxy-importer runs from its own venv (requirements-importer.txt).
  (cd "$WORK/importer" && GALAXY_IMPORTER_CONFIG="$ROOT/tools/docs/galaxy-importer.cfg" \
    GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$WORK/ansible-tmp" \
    "$IMPORTER_VENV/bin/python" -m galaxy_importer.main "$artifact") >"$log" 2>&1
  rc=$?
  if [ $rc != 0 ] || grep -qE '^(WARNING|ERROR|CRITICAL)|Traceback' "$log"; then
    grep -vE '^(Loading |Getting doc strings|Finding content|Importing with|Linting collection|\.\.\.ansible-lint run complete|Collection loading complete)' "$log"
    echo "galaxy-importer: exit $rc; the lines above are its warnings and errors"
    return 1
  fi
  echo "galaxy-importer: $(grep -c '^Loading ' "$log") items loaded, no warning"
}

step_site() {
  local sphinx="$WORK/sphinx" log="$WORK/sphinx.log"
  mkdir -p "$sphinx"
  (
    set -e
    cd "$sphinx"
    antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir . \
      --project "$fqcn" --copyright "Contributors to $fqcn" \
      --title "$fqcn" --html-short-title "$fqcn" --no-add-antsibull-docs-version "$fqcn" >/dev/null
    # Offline: no intersphinx inventories; tools/docs/sphinx_local.py links Ansible's own pages
    # and other collections' plugins to docs.ansible.com instead.
    cat >>conf.py <<CONF

intersphinx_mapping = {}
import sys
sys.path.insert(0, "$ROOT/tools/docs")
extensions.append("sphinx_local")
meridian_collection = "$fqcn"
CONF
    chmod og-w rst
    ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" antsibull-docs --config-file antsibull-docs.cfg collection \
      --use-current --squash-hierarchy --fail-on-error --cleanup everything --dest-dir rst "$fqcn" >"$log" 2>&1 \
      || { cat "$log"; exit 1; }
    # Figures of the guides (docs/images in the artifact) beside the extra docs that show them.
    if [ -d "$COLL/docs/images" ] && [ -d rst/docsite ]; then cp -r "$COLL/docs/images" rst/docsite/images; fi
    rm -rf "$SITE.new"
    sphinx-build -b html -W --keep-going -q -t meridian_site -c . rst "$SITE.new" 2>&1
  ) || return 1
  rm -rf "$SITE" && mv "$SITE.new" "$SITE"
  # The index must name every plugin, module and role of the artifact, as ansible-doc lists them.
  ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" "$VENV/bin/python" "$ROOT/tools/docs/check_site_index.py" "$fqcn" "$SITE"
}

# The steps are independent: they run side by side (each one's output is shown when it ends).
pids=()
for s in "${steps[@]}"; do
  (step "$s" >"$WORK/$s.out" 2>&1; [ -z "${failed[*]}" ]) &
  pids+=($!)
done
for i in "${!steps[@]}"; do
  wait "${pids[$i]}" || failed+=("${steps[$i]}")
  cat "$WORK/${steps[$i]}.out"
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "docs: FAILED: ${failed[*]}"
  exit 1
fi
echo "docs: ${steps[*]} passed$([[ " ${steps[*]} " == *" site "* ]] && echo "; site in $SITE/index.html")"
