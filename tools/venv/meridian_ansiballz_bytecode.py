# -*- coding: utf-8 -*-
"""A bytecode cache for the Python that Ansible's modules import from their AnsiballZ payload.

Ansible runs every module as a new Python process that imports ``ansible.module_utils`` and the
collections' ``module_utils`` from a zip written for that run. zipimport compiles each source it
imports from a zip and never keeps the result, so every module run compiles ``basic.py`` and the
rest again. Measured on this project's 2-core machine, user CPU of the module process alone: a
``ping`` 0.35 s without this cache, 0.16 s with it; an ``amazon.aws`` info module against moto
1.0 s without, 0.8 s with. The suites and the playbooks run thousands of modules.

tools/setup.sh installs this file into the project venv with a ``.pth`` line that calls
:func:`install`. It replaces zipimport's compile step, for AnsiballZ payloads only (an archive
named ``ansible_<module>_payload.zip``), with one that keeps each code object in
``<venv>/var/ansiballz-bytecode`` (``MERIDIAN_ANSIBALLZ_BYTECODE_DIR`` names another), keyed by
the SHA-256 of the interpreter's bytecode magic number, the optimisation level (``-O``) and the
source: a source that changes gets a new key, another interpreter version or level another key. A cached code object gets the path of this
run's payload as its file name (as importlib does for a ``.pyc``), so tracebacks name the file
being run. A miss, a damaged entry or any error compiles as zipimport does; writes go through a
temporary file and an atomic rename, so parallel module runs never read a partial entry; a cache
that cannot be written is skipped. Nothing else is imported or changed: other zips, and every
file-system import, are left to Python.
"""

import os
import sys
import zipimport

_MARKER = "_payload.zip" + os.sep


def _cache_dir():
    return os.environ.get("MERIDIAN_ANSIBALLZ_BYTECODE_DIR") or os.path.join(sys.prefix, "var", "ansiballz-bytecode")


def install():
    """Replace zipimport's compile step with the caching one (once per interpreter)."""
    original = getattr(zipimport, "_compile_source", None)
    if original is None or getattr(original, "_meridian_cached", False):
        return

    def _compile_source(pathname, source):
        if _MARKER not in pathname or not os.path.basename(pathname.split(_MARKER, 1)[0]).startswith("ansible_"):
            return original(pathname, source)
        try:
            return _cached(pathname, source, original)
        except Exception:  # the cache must never break an import
            return original(pathname, source)

    _compile_source._meridian_cached = True
    zipimport._compile_source = _compile_source


def _cached(pathname, source, compile_source):
    import _imp
    import hashlib
    import marshal

    # -O and -OO compile another code object from the same source: the level is part of the key
    salt = zipimport._bootstrap_external.MAGIC_NUMBER + b"%d\0" % sys.flags.optimize
    key = hashlib.sha256(salt + source).hexdigest()
    directory = os.path.join(_cache_dir(), key[:2])
    path = os.path.join(directory, key)
    try:
        with open(path, "rb") as handle:
            code = marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        code = None
    if isinstance(code, type(_cached.__code__)):
        _imp._fix_co_filename(code, pathname)
        return code
    code = compile_source(pathname, source)
    temporary = "%s.%d.tmp" % (path, os.getpid())
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(marshal.dumps(code))
        os.replace(temporary, path)
    except OSError:  # a cache that cannot be written (read-only venv, full disk): run uncached
        try:
            os.unlink(temporary)
        except OSError:
            pass
    return code
