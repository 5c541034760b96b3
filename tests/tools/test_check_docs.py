# -*- coding: utf-8 -*-
"""The docs stage fails when a plugin loses its documentation, and the release path writes the changelog.

The docs stage of tools/run_tests.sh is tools/check_docs.sh on the built artifact; its lint step is
antsibull-docs lint-collection-docs --plugin-docs. Here a copy of the collection is built without one
filter's documentation sidecar (whichever comes first: nothing here names a filter) and the lint step
must fail, naming that filter.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import shutil
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")


# What the filter test's copy leaves out: plugin types and content the lint would also look at.
LINTED_ELSEWHERE = ("plugins/modules/", "plugins/lookup/", "plugins/inventory/", "plugins/callback/", "roles/",
                    "playbooks/", "molecule/", "tests/")


def _copy_of_the_checkout(dest, leave_out=(), leave_out_dirs=()):
    """What git would ship (tracked and untracked-but-not-ignored files), as tools/check_build.sh copies it."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in files:
        if not rel or rel in leave_out or rel.startswith(tuple(leave_out_dirs)) or not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), target)


def _env():
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    # the copy alone, with its dependencies from the ansible package (as tools/check_docs.sh and the
    # Makefile's release target run it)
    for name in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"):
        env.pop(name, None)
    return env


def test_a_filter_without_its_documentation_fails_the_docs_lint(tmp_path):
    sidecars = sorted(glob.glob(os.path.join(ROOT, "plugins", "filter", "*.yml")))
    assert sidecars, "the filters are documented in plugins/filter/<name>.yml sidecars"
    removed = os.path.relpath(sidecars[0], ROOT)
    with open(sidecars[0]) as handle:
        filter_name = yaml.safe_load(handle)["DOCUMENTATION"]["name"]

    source = tmp_path / "src"
    # The lint looks at every plugin; the other plugin types and the roles are left out of the copy so
    # that it looks at the filters alone (the docs stage lints the whole collection).
    _copy_of_the_checkout(str(source), leave_out=(removed,), leave_out_dirs=LINTED_ELSEWHERE)
    assert not (source / removed).exists()
    assert (source / "plugins" / "filter").is_dir() and not (source / "plugins" / "modules").exists()
    subprocess.run([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "build", "--output-path",
                    str(tmp_path / "build"), str(source)], check=True, capture_output=True, env=_env())
    artifact = glob.glob(str(tmp_path / "build" / "*.tar.gz"))[0]

    result = subprocess.run([os.path.join(ROOT, "tools", "check_docs.sh"), "--artifact", artifact, "lint"],
                            capture_output=True, text=True, env=_env(), timeout=600, check=False)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "docs lint: FAILED" in result.stdout
    assert "meridian.global_infra.%s" % filter_name in result.stdout


def test_a_release_writes_changelog_md_and_changelog_yaml_for_galaxy_yml_version(tmp_path):
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    copy = tmp_path / "ansible_collections" / "meridian" / "global_infra"
    _copy_of_the_checkout(str(copy))
    fragments = [f for f in os.listdir(str(copy / "changelogs" / "fragments")) if f.endswith((".yml", ".yaml"))]
    with open(str(copy / "changelogs" / "changelog.yaml")) as handle:
        released = yaml.safe_load(handle).get("releases") or {}
    subprocess.run(["git", "init", "-q", "."], cwd=str(copy), check=True)
    # galaxy.yml's version is the one being developed; once it is released, generate rewrites the notes
    command = ["generate"] if version in released else ["release", "--date", "2026-12-01"]
    subprocess.run([os.path.join(VENV_BIN, "antsibull-changelog")] + command,
                   cwd=str(copy), check=True, capture_output=True, env=_env())

    with open(str(copy / "changelogs" / "changelog.yaml")) as handle:
        releases = yaml.safe_load(handle)["releases"]
    assert version in releases
    if command[0] == "release":
        assert releases[version]["release_date"] == "2026-12-01"
        assert sorted(releases[version].get("fragments", [])) == sorted(fragments)
        assert not [f for f in os.listdir(str(copy / "changelogs" / "fragments")) if f.endswith(".yml")]
    notes = (copy / "CHANGELOG.md").read_text()
    assert "v%s" % version.replace(".", "\\.") in notes


def test_an_artifact_older_than_the_tree_is_built_again_before_it_is_checked(tmp_path):
    # tools/check_docs.sh without --artifact checks .state/build's artifact: one built before the
    # tree changed would check what the tree was (a module whose DOCUMENTATION no longer parses
    # would pass)
    copy = tmp_path / "ansible_collections" / "meridian" / "global_infra"
    _copy_of_the_checkout(str(copy))
    os.symlink(os.path.join(ROOT, ".venv"), str(copy / ".venv"))
    subprocess.run(["git", "init", "-q", "."], cwd=str(copy), check=True)
    subprocess.run(["git", "add", "-A"], cwd=str(copy), check=True)
    build = copy / ".state" / "build"
    build.mkdir(parents=True)
    stale = build / "meridian-global_infra-0.0.1.tar.gz"
    stale.write_bytes(b"an artifact of an older tree")
    os.utime(str(stale), (1000000000, 1000000000))  # 2001: every file of the tree is newer
    check = [str(copy / "tools" / "check_docs.sh"), "changelog"]

    first = subprocess.run(check, capture_output=True, text=True, env=_env(), timeout=600, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "is newer than .state/build/meridian-global_infra-0.0.1.tar.gz: building it again" in first.stdout
    built = glob.glob(str(build / "*.tar.gz"))
    assert [os.path.basename(b) for b in built] != [stale.name] and len(built) == 1
    when = os.path.getmtime(built[0])

    # nothing newer than the new artifact: it is checked as it is
    second = subprocess.run(check, capture_output=True, text=True, env=_env(), timeout=600, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "building it again" not in second.stdout
    assert glob.glob(str(build / "*.tar.gz")) == built and os.path.getmtime(built[0]) == when
