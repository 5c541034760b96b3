#!/usr/bin/env bash
# Set up everything this checkout needs, idempotently:
#   - Debian packages from bindep.txt (apt-get, only when root and the binary is missing);
#   - the Python venv in .venv from requirements.txt (re-installed when requirements.txt changes);
#   - in that venv, the start-up hooks of tools/venv: the AnsiballZ bytecode cache and the AWS preload
#     of Mitogen's interpreters;
#   - galaxy-importer's venv in .state/venvs/importer from requirements-importer.txt (likewise);
#   - the live collection link .collections/ansible_collections/meridian/global_infra -> checkout;
#   - links in .collections to the collections the project uses, from the ansible package in .venv
#     (the project's commands look for collections there only: ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False);
#   - .state/mitogen/strategy -> Mitogen's strategy plugins in .venv (strategy_plugins of ansible.cfg
#     and of the Molecule configuration);
#   - the offline pip bootstrap that ansible-test sanity needs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

log() { printf '[setup] %s\n' "$*"; }

# ---- Debian packages ------------------------------------------------------------------------
need_apt=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v prometheus-pushgateway >/dev/null 2>&1 || need_apt+=(prometheus-pushgateway)
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
# njs (the nginx JavaScript engine) runs the edge functions' tests (tools/edge/njs_test.py).
command -v njs >/dev/null 2>&1 || need_apt+=(njs)
# apt-get, the galaxy-importer venv (below) and the main venv do not depend on each other: the first
# two run in the background beside the third (each writes its output to a log under .state/setup,
# shown if it fails), and the script waits for both before it goes on.
mkdir -p .state/setup
background=()  # "name pid" pairs
in_background() {  # in_background NAME CMD...: run CMD with its output in .state/setup/NAME.log
  local name=$1; shift
  "$@" > ".state/setup/$name.log" 2>&1 &
  background+=("$name $!")
}
wait_background() {  # wait for every in_background job; fail naming the first that failed
  local job name pid
  for job in "${background[@]}"; do
    name=${job% *}; pid=${job#* }
    wait "$pid" || { echo "[setup] $name failed; its output (.state/setup/$name.log):" >&2
                     cat ".state/setup/$name.log" >&2; exit 1; }
  done
  background=()
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${need_apt[*]}"
    in_background apt apt_install "${need_apt[@]}"
  else
    log "missing system packages: ${need_apt[*]}"
    log "install them with: sudo apt-get install ${need_apt[*]}  (or put prometheus/promtool on PATH)"
  fi
fi

# ---- galaxy-importer venv -------------------------------------------------------------------
# A venv of its own (see requirements-importer.txt for why); tools/check_docs.sh runs it.
IMPORTER="$ROOT/.state/venvs/importer"
istamp="$IMPORTER/.requirements.sha256"
iwant="$(sha256sum requirements-importer.txt | cut -d' ' -f1)"
importer_venv() {
  [ -x "$IMPORTER/bin/python" ] || "$PYTHON" -m venv "$IMPORTER"
  "$IMPORTER/bin/python" -m pip install -q --upgrade 'pip>=24,<26'
  "$IMPORTER/bin/python" -m pip install -q -r requirements-importer.txt
  echo "$iwant" > "$istamp"
}
if [ ! -x "$IMPORTER/bin/python" ] || [ "$(cat "$istamp" 2>/dev/null)" != "$iwant" ]; then
  log "creating/updating the galaxy-importer venv in .state/venvs/importer"
  in_background importer importer_venv
fi

# ---- Python venv ----------------------------------------------------------------------------
stamp="$VENV/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating/updating the venv in .venv (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade 'pip>=24,<26'
  # --no-compile: no bytecode for the whole venv at install time (about 56 of the 127 s of the
  # install, mostly the 92 collections of the ansible package, of which the project uses five);
  # Python writes the bytecode of each module the first time it imports it.
  "$VENV/bin/python" -m pip install -q --no-compile -r requirements.txt
  echo "$want" > "$stamp"
else
  log "venv up to date"
fi

# ---- the venv's start-up hooks (tools/venv/) ---------------------------------------------------
# Each tools/venv/<hook>.py is copied into the venv with a <hook>.pth line that calls its install()
# at every start of the venv's Python:
#   - meridian_ansiballz_bytecode: the code each module run compiles from its AnsiballZ payload is kept
#     in .venv/var/ansiballz-bytecode;
#   - meridian_aws_preload: in the interpreters Mitogen starts, boto3 imported and botocore's data
#     loaded once, for every module run forked from them (docs/development.md, "Mitogen").
purelib="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
for hook in meridian_ansiballz_bytecode meridian_aws_preload; do
  cmp -s "tools/venv/$hook.py" "$purelib/$hook.py" || cp "tools/venv/$hook.py" "$purelib/$hook.py"
  pth="import $hook; $hook.install()"
  [ "$(cat "$purelib/$hook.pth" 2>/dev/null)" = "$pth" ] || echo "$pth" > "$purelib/$hook.pth"
done

# symlink_to TARGET PATH: PATH becomes a symbolic link to TARGET (replacing what was there), unless it is one
symlink_to() {
  [ "$(readlink "$2" 2>/dev/null)" = "$1" ] && return 0
  mkdir -p "$(dirname "$2")"
  rm -rf "$2"
  ln -s "$1" "$2"
}

# ---- live collection link -------------------------------------------------------------------
symlink_to "$ROOT" .collections/ansible_collections/meridian/global_infra

# ---- the collections the project uses ------------------------------------------------------------
# The ansible package in .venv bundles 92 collections (ansible 12.3.0). Mitogen's planner lists every
# collection it can see before each task (ansible.collections.list.list_collection_dirs, reading each
# one's MANIFEST.json), so the project's commands (Makefile, tools/run_tests.sh) set
# ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False and see only .collections: the live link above and these
# links into the ansible package. The list: requirements.yml (the collection's dependencies), then
# ansible.posix (the timer and profile_tasks callbacks of the Molecule runs) and awx.awx
# (playbooks/awx_configure.yml, tools/awx/validate_config.py). docs/development.md, "Mitogen".
bundled="$purelib/ansible_collections"
used="$("$VENV/bin/python" -c 'import yaml; print(" ".join(c["name"] for c in yaml.safe_load(open("requirements.yml"))["collections"]))') ansible.posix awx.awx"
for fqcn in $used; do
  dir="${fqcn/.//}"
  [ -f "$bundled/$dir/MANIFEST.json" ] || { echo "[setup] $fqcn is not in the ansible package ($bundled)" >&2; exit 1; }
  symlink_to "$bundled/$dir" ".collections/ansible_collections/$dir"
done

# ---- Mitogen's strategy plugins --------------------------------------------------------------
strategy="$("$VENV/bin/python" -c 'import os, ansible_mitogen.plugins.strategy as s; print(os.path.dirname(s.__file__))')"
symlink_to "$strategy" .state/mitogen/strategy

wait_background

# ---- ansible-test offline pip bootstrap -----------------------------------------------------
"$VENV/bin/python" "$ROOT/tools/ansible_test_offline.py"
log "ready"
