# -*- coding: utf-8 -*-
"""tools/venv/meridian_ansiballz_bytecode.py: the code a module run imports from its AnsiballZ payload
is compiled once and read back from the cache by the next run (whatever its payload's path), keyed by
the source; other zips are left to zipimport; a damaged entry is compiled again. Each run is a new
interpreter, as a module run is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import marshal
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A module run in small: the hook of tools/venv installed (as the venv's .pth does with its copy; -S keeps
# that copy out), the payload first on sys.path.
RUN = r"""
import json, sys
sys.path.insert(0, %(tools)r)
import meridian_ansiballz_bytecode
meridian_ansiballz_bytecode.install()
sys.path.insert(0, sys.argv[1])
from demo_utils import shared
print(json.dumps({"value": shared.VALUE, "file": shared.where.__code__.co_filename}))
""" % {"tools": os.path.join(ROOT, "tools", "venv")}


def payload(directory, name, value):
    """A zip like AnsiballZ's (``<dir>/<name>``) holding a package with one module of ``VALUE = value``."""
    os.makedirs(str(directory), exist_ok=True)
    path = os.path.join(str(directory), name)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("demo_utils/__init__.py", "")
        archive.writestr("demo_utils/shared.py", "VALUE = %d\n\n\ndef where():\n    return VALUE\n" % value)
    return path


def run(zip_path, cache, *flags):
    out = subprocess.run([sys.executable, "-S"] + list(flags) + ["-c", RUN, zip_path], capture_output=True, text=True, check=True,
                         env=dict(os.environ, MERIDIAN_ANSIBALLZ_BYTECODE_DIR=str(cache)))
    return json.loads(out.stdout)


def entries(cache):
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(str(cache)) for f in files)


def test_a_payload_is_compiled_once_and_read_back_by_the_next_run(tmp_path):
    cache = tmp_path / "cache"
    first = payload(tmp_path / "ansible_ping_payload_a", "ansible_ping_payload.zip", 1)
    assert run(first, cache) == {"value": 1, "file": os.path.join(first, "demo_utils", "shared.py")}
    stored = entries(cache)
    assert len(stored) == 2 and not [p for p in stored if p.endswith(".tmp")]  # the package and its module

    # the entry of shared.py is what the next run executes: replace it with code of another value
    (module_entry,) = [p for p in stored if marshal.loads(open(p, "rb").read()).co_names]
    with open(module_entry, "wb") as handle:
        handle.write(marshal.dumps(compile("VALUE = 99\n\n\ndef where():\n    return VALUE\n", "x", "exec")))
    second = payload(tmp_path / "ansible_ping_payload_b", "ansible_ping_payload.zip", 1)
    # read from the cache, named after this run's payload
    assert run(second, cache) == {"value": 99, "file": os.path.join(second, "demo_utils", "shared.py")}
    assert entries(cache) == stored

    # a changed source is another key: compiled, kept beside the old entry
    changed = payload(tmp_path / "ansible_ping_payload_c", "ansible_ping_payload.zip", 2)
    assert run(changed, cache)["value"] == 2
    assert len(entries(cache)) == 3


def test_other_zips_are_left_to_zipimport(tmp_path):
    cache = tmp_path / "cache"
    other = payload(tmp_path / "wheels", "demo_utils-1.0-py3-none-any.zip", 3)
    assert run(other, cache)["value"] == 3
    assert not os.path.exists(str(cache))


def test_a_damaged_entry_is_compiled_again_and_replaced(tmp_path):
    cache = tmp_path / "cache"
    first = payload(tmp_path / "ansible_ping_payload_a", "ansible_ping_payload.zip", 5)
    run(first, cache)
    for path in entries(cache):
        with open(path, "wb") as handle:
            handle.write(b"\x00not marshal data")
    assert run(first, cache)["value"] == 5
    assert all(type(marshal.loads(open(p, "rb").read())).__name__ == "code" for p in entries(cache))


def test_a_cache_that_cannot_be_written_leaves_the_import_as_it_was(tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory would be")
    first = payload(tmp_path / "ansible_ping_payload_a", "ansible_ping_payload.zip", 7)
    assert run(first, blocked) == {"value": 7, "file": os.path.join(first, "demo_utils", "shared.py")}
    assert blocked.read_text() == "a file where the cache directory would be"


def test_an_optimised_interpreter_gets_entries_of_its_own(tmp_path):
    # python -O drops asserts when it compiles: its code must not be served to a plain run, nor the reverse
    cache = tmp_path / "cache"
    first = payload(tmp_path / "ansible_ping_payload_a", "ansible_ping_payload.zip", 8)
    run(first, cache)
    plain = entries(cache)
    assert run(first, cache, "-O")["value"] == 8
    assert len(entries(cache)) == 2 * len(plain)
