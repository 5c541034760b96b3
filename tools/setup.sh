#!/usr/bin/env bash
# Set up everything this checkout needs, idempotently:
#   - Debian packages from bindep.txt (apt-get, only when root and the binary is missing);
#   - the Python venv in .venv from requirements.txt (re-installed when requirements.txt changes);
#   - in that venv, the AnsiballZ bytecode cache (tools/venv/meridian_ansiballz_bytecode.py);
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
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    log "missing system packages: ${need_apt[*]}"
    log "install them with: sudo apt-get install ${need_apt[*]}  (or put prometheus/promtool on PATH)"
  fi
fi

# ---- Python venv ----------------------------------------------------------------------------
stamp="$VENV/.requirements.sha256"
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating/updating the venv in .venv (a few minutes the first time)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade 'pip>=24,<26'
  "$VENV/bin/python" -m pip install -q -r requirements.txt
  echo "$want" > "$stamp"
else
  log "venv up to date"
fi

# ---- AnsiballZ bytecode cache ---------------------------------------------------------------
# tools/venv/meridian_ansiballz_bytecode.py: the code each module run compiles from its AnsiballZ
# payload is kept in .venv/var/ansiballz-bytecode (a .pth line installs it at every start of the venv).
purelib="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cmp -s tools/venv/meridian_ansiballz_bytecode.py "$purelib/meridian_ansiballz_bytecode.py" \
  || cp tools/venv/meridian_ansiballz_bytecode.py "$purelib/meridian_ansiballz_bytecode.py"
pth='import meridian_ansiballz_bytecode; meridian_ansiballz_bytecode.install()'
[ "$(cat "$purelib/meridian_ansiballz_bytecode.pth" 2>/dev/null)" = "$pth" ] \
  || echo "$pth" > "$purelib/meridian_ansiballz_bytecode.pth"

# ---- galaxy-importer venv -------------------------------------------------------------------
# A venv of its own (see requirements-importer.txt for why); tools/check_docs.sh runs it.
IMPORTER="$ROOT/.state/venvs/importer"
istamp="$IMPORTER/.requirements.sha256"
iwant="$(sha256sum requirements-importer.txt | cut -d' ' -f1)"
if [ ! -x "$IMPORTER/bin/python" ] || [ "$(cat "$istamp" 2>/dev/null)" != "$iwant" ]; then
  log "creating/updating the galaxy-importer venv in .state/venvs/importer"
  [ -x "$IMPORTER/bin/python" ] || "$PYTHON" -m venv "$IMPORTER"
  "$IMPORTER/bin/python" -m pip install -q --upgrade 'pip>=24,<26'
  "$IMPORTER/bin/python" -m pip install -q -r requirements-importer.txt
  echo "$iwant" > "$istamp"
fi

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

# ---- ansible-test offline pip bootstrap -----------------------------------------------------
"$VENV/bin/python" "$ROOT/tools/ansible_test_offline.py"
log "ready"
