# -*- coding: utf-8 -*-
"""clients.gitops_tree: files under one root, atomic writes, no path or link out of the root."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.meridian.global_infra.plugins.module_utils.clients.gitops_tree import (
    GitopsTree,
    GitopsTreeError,
)


@pytest.fixture
def tree(tmp_path):
    return GitopsTree(str(tmp_path / "gitops"))


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_read_list_delete(tree, tmp_path):
    assert tree.read("c/ns/a.yaml") is None and tree.list("c/ns") == [] and tree.subdirs("c") == []
    old = os.umask(0o077)
    try:
        tree.write("c/ns/a.yaml", "a: 1\n")
    finally:
        os.umask(old)
    tree.write("c/ns/b.yaml", "b: é\n")
    root = tmp_path / "gitops"
    assert tree.read("c/ns/a.yaml") == "a: 1\n" and tree.read("c/ns/b.yaml") == u"b: é\n"
    assert _mode(str(root / "c" / "ns" / "a.yaml")) == 0o644
    assert _mode(str(root)) == _mode(str(root / "c")) == _mode(str(root / "c" / "ns")) == 0o755
    assert tree.list("c/ns") == ["a.yaml", "b.yaml"] and tree.subdirs("c") == ["ns"] and tree.list("c") == []
    assert tree.delete("c/ns/a.yaml") is True and tree.delete("c/ns/a.yaml") is False
    assert tree.delete("c/missing/a.yaml") is False
    assert tree.remove_dir("c/ns") is False  # not empty
    tree.delete("c/ns/b.yaml")
    assert tree.remove_dir("c/ns") is True and tree.remove_dir("c/ns") is False
    assert tree.subdirs("c") == []


def test_a_write_replaces_the_file_atomically(tree, tmp_path, monkeypatch):
    tree.write("c/ns/a.yaml", "old\n")
    inode = os.stat(str(tmp_path / "gitops" / "c" / "ns" / "a.yaml")).st_ino
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda *a, **k: replaced.append(a) or real_replace(*a, **k))
    tree.write("c/ns/a.yaml", "new\n")
    assert tree.read("c/ns/a.yaml") == "new\n"
    assert len(replaced) == 1 and replaced[0][0].startswith(".a.yaml.") and replaced[0][1] == "a.yaml"
    assert os.stat(str(tmp_path / "gitops" / "c" / "ns" / "a.yaml")).st_ino != inode
    assert tree.list("c/ns") == ["a.yaml"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tree, monkeypatch):
    tree.write("c/ns/a.yaml", "old\n")

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(GitopsTreeError, match="cannot write c/ns/a.yaml: No space left"):
        tree.write("c/ns/a.yaml", "new\n")
    monkeypatch.undo()
    assert tree.read("c/ns/a.yaml") == "old\n" and tree.list("c/ns") == ["a.yaml"]


@pytest.mark.parametrize("rel", ["", "/etc/passwd", "../outside.yaml", "c/../../outside.yaml", "c//a.yaml",
                                 "c/./a.yaml", "c/a\0.yaml", None])
def test_paths_out_of_the_root_are_refused(tree, rel):
    with pytest.raises(GitopsTreeError) as exc:
        tree.write(rel, "x")
    assert exc.value.field == "meridian_kubernetes.gitops_dir"
    with pytest.raises(GitopsTreeError):
        tree.read(rel)


def test_symbolic_links_are_never_followed(tree, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("secret\n")
    tree.write("c/ns/a.yaml", "a\n")
    root = tmp_path / "gitops"
    os.symlink(str(outside), str(root / "c" / "escape"))  # a directory link
    os.symlink(str(outside / "secret.yaml"), str(root / "c" / "ns" / "link.yaml"))  # a file link
    for operation in (lambda: tree.read("c/escape/secret.yaml"), lambda: tree.write("c/escape/new.yaml", "x"),
                      lambda: tree.delete("c/escape/secret.yaml"), lambda: tree.list("c/escape"),
                      lambda: tree.read("c/ns/link.yaml"), lambda: tree.write("c/ns/link.yaml", "x"),
                      lambda: tree.delete("c/ns/link.yaml"), lambda: tree.remove_dir("c/escape")):
        with pytest.raises(GitopsTreeError, match="symbolic link"):
            operation()
    assert sorted(os.listdir(str(outside))) == ["secret.yaml"]
    assert (outside / "secret.yaml").read_text() == "secret\n"
    assert tree.list("c/ns") == ["a.yaml"] and tree.subdirs("c") == ["ns"]  # links are not listed


def test_the_root_may_be_reached_through_a_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(str(real), str(tmp_path / "alias"))
    tree = GitopsTree(str(tmp_path / "alias"))
    tree.write("c/a.yaml", "a\n")
    assert (real / "c" / "a.yaml").read_text() == "a\n"


def test_a_relative_root_or_a_directory_as_a_file_is_refused(tree):
    with pytest.raises(GitopsTreeError, match="absolute"):
        GitopsTree("relative/path")
    tree.write("c/ns/a.yaml", "a\n")
    with pytest.raises(GitopsTreeError, match="not a regular file"):
        tree.write("c/ns", "x")
    with pytest.raises(GitopsTreeError, match="not a regular file"):
        tree.read("c/ns")
    with pytest.raises(GitopsTreeError, match="cannot open directory"):
        tree.write("c/ns/a.yaml/b.yaml", "x")
