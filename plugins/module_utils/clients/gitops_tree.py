# -*- coding: utf-8 -*-
# Copyright: Contributors to meridian.global_infra
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rendered gitops tree on disk: read, write, delete and list files under one root directory.

Paths are relative to the root, ``/``-separated, without ``.`` or ``..`` parts. Every directory below
the root is opened relative to its parent without following symbolic links (``O_NOFOLLOW``), so a
link anywhere in a path is refused rather than followed out of the tree; the root itself may be
reached through links (it is the operator's choice). A write replaces the file atomically (a
temporary file in the same directory, then ``os.replace``): a reader sees the old text or the new
one, never a part. Files are written ``0644``, directories created ``0755``. No network.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os
import stat

from ansible_collections.meridian.global_infra.plugins.module_utils.common.errors import MeridianError

FIELD = "meridian_kubernetes.gitops_dir"
FILE_MODE = 0o644
DIR_MODE = 0o755
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC


class GitopsTreeError(MeridianError):
    """A path that would leave the tree or pass through a link, or a file the tree cannot read or write."""


def split(rel):
    """The parts of a relative path; refuses absolute paths, empty, ``.`` and ``..`` parts."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\0" in rel or "\\" in rel:
        raise GitopsTreeError(FIELD, "%r is not a relative path inside the gitops tree" % (rel,))
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise GitopsTreeError(FIELD, "%r: a path of the gitops tree has no empty, '.' or '..' part" % (rel,))
    return parts


class GitopsTree:
    """Files under ``root`` (an absolute path; created on the first write)."""

    def __init__(self, root):
        if not isinstance(root, str) or not os.path.isabs(root):
            raise GitopsTreeError(FIELD, "the gitops tree's root must be an absolute path, got %r" % (root,))
        self.root = os.path.normpath(root)

    # -- directory handles -----------------------------------------------------------------------
    def _open_root(self, create):
        if create and not os.path.isdir(self.root):
            try:
                os.makedirs(self.root, DIR_MODE)
                os.chmod(self.root, DIR_MODE)  # whatever the umask
            except OSError as err:
                raise GitopsTreeError(FIELD, "cannot create the gitops tree's root %s: %s" % (self.root, err.strerror))
        try:
            return os.open(self.root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        except OSError as err:
            if err.errno == errno.ENOENT and not create:
                return None
            raise GitopsTreeError(FIELD, "cannot open the gitops tree's root %s: %s" % (self.root, err.strerror))

    def _open_dir(self, parts, rel, create=False):
        """A descriptor of the directory ``parts`` below the root (the caller closes it), or ``None``
        if it does not exist (``create``: make the missing directories, 0755). Links are refused."""
        fd = self._open_root(create)
        if fd is None:
            return None
        try:
            for index, part in enumerate(parts):
                where = "/".join(parts[:index + 1])
                try:
                    child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                except OSError as err:
                    self._refuse_link(fd, part, where, rel)
                    if err.errno != errno.ENOENT:
                        raise GitopsTreeError(FIELD, "%s: cannot open directory %s: %s" % (rel, where, err.strerror))
                    if not create:
                        return None
                    try:
                        os.mkdir(part, DIR_MODE, dir_fd=fd)
                        child = os.open(part, _DIR_FLAGS, dir_fd=fd)
                    except OSError as err2:
                        raise GitopsTreeError(FIELD, "%s: cannot create directory %s: %s" % (rel, where, err2.strerror))
                    os.fchmod(child, DIR_MODE)  # whatever the umask
                os.close(fd)
                fd = child
            opened, fd = fd, None
            return opened
        finally:
            if fd is not None:
                os.close(fd)

    @staticmethod
    def _refuse_link(dir_fd, name, where, rel):
        """The lstat of ``name`` in ``dir_fd`` (``None`` if absent); a symbolic link is refused."""
        try:
            info = os.lstat(name, dir_fd=dir_fd)
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise GitopsTreeError(FIELD, "%s: %s is a symbolic link; the gitops tree never follows links" % (rel, where))
        return info

    # -- files -----------------------------------------------------------------------------------
    def read(self, rel):
        """The text of a file (UTF-8), or ``None`` if it does not exist."""
        parts = split(rel)
        fd = self._open_dir(parts[:-1], rel)
        if fd is None:
            return None
        try:
            info = self._refuse_link(fd, parts[-1], rel, rel)
            if info is None:
                return None
            if not stat.S_ISREG(info.st_mode):
                raise GitopsTreeError(FIELD, "%s is not a regular file" % rel)
            try:
                handle = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as err:
                raise GitopsTreeError(FIELD, "cannot read %s: %s" % (rel, err.strerror))
        finally:
            os.close(fd)
        with os.fdopen(handle, "rb") as stream:
            data = stream.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise GitopsTreeError(FIELD, "%s is not UTF-8 text" % rel)

    def write(self, rel, text):
        """Replace (or create) a file with ``text`` atomically, mode 0644; parent directories are made 0755."""
        parts = split(rel)
        data = text.encode("utf-8")
        fd = self._open_dir(parts[:-1], rel, create=True)
        try:
            info = self._refuse_link(fd, parts[-1], rel, rel)
            if info is not None and not stat.S_ISREG(info.st_mode):
                raise GitopsTreeError(FIELD, "%s exists and is not a regular file" % rel)
            tmp_name, handle = self._temporary(fd, parts[-1], rel)
            try:
                os.fchmod(handle, FILE_MODE)
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(tmp_name, parts[-1], src_dir_fd=fd, dst_dir_fd=fd)
            except OSError as err:
                try:
                    os.unlink(tmp_name, dir_fd=fd)
                except OSError:
                    pass
                raise GitopsTreeError(FIELD, "cannot write %s: %s" % (rel, err.strerror))
        finally:
            os.close(fd)

    @staticmethod
    def _temporary(dir_fd, name, rel):
        """A new temporary file beside ``name`` (hidden, so never listed as a resource): (name, descriptor)."""
        for _attempt in range(100):
            candidate = ".%s.%s.tmp" % (name, binascii.hexlify(os.urandom(6)).decode("ascii"))
            try:
                return candidate, os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                                          FILE_MODE, dir_fd=dir_fd)
            except FileExistsError:
                continue
            except OSError as err:
                raise GitopsTreeError(FIELD, "cannot write %s: %s" % (rel, err.strerror))
        raise GitopsTreeError(FIELD, "cannot write %s: no free temporary file name" % rel)

    def delete(self, rel):
        """Remove a file; ``True`` if it existed."""
        parts = split(rel)
        fd = self._open_dir(parts[:-1], rel)
        if fd is None:
            return False
        try:
            info = self._refuse_link(fd, parts[-1], rel, rel)
            if info is None:
                return False
            if stat.S_ISDIR(info.st_mode):
                raise GitopsTreeError(FIELD, "%s is a directory, not a file" % rel)
            os.unlink(parts[-1], dir_fd=fd)
            return True
        except OSError as err:
            raise GitopsTreeError(FIELD, "cannot delete %s: %s" % (rel, err.strerror))
        finally:
            os.close(fd)

    # -- directories -----------------------------------------------------------------------------
    def _scan(self, rel_dir):
        parts = split(rel_dir) if rel_dir not in ("", ".") else []
        fd = self._open_dir(parts, rel_dir or ".")
        if fd is None:
            return []
        try:
            names = os.listdir(fd)
            return [(name, os.lstat(name, dir_fd=fd)) for name in sorted(names)]
        finally:
            os.close(fd)

    def list(self, rel_dir):
        """The names of the regular files of a directory (sorted; ``[]`` if it does not exist)."""
        return [name for name, info in self._scan(rel_dir) if stat.S_ISREG(info.st_mode)]

    def subdirs(self, rel_dir):
        """The names of the directories in a directory (sorted; links are not listed)."""
        return [name for name, info in self._scan(rel_dir) if stat.S_ISDIR(info.st_mode)]

    def remove_dir(self, rel_dir):
        """Remove a directory if it is empty; ``True`` if it was removed."""
        parts = split(rel_dir)
        fd = self._open_dir(parts[:-1], rel_dir)
        if fd is None:
            return False
        try:
            self._refuse_link(fd, parts[-1], rel_dir, rel_dir)
            os.rmdir(parts[-1], dir_fd=fd)
            return True
        except OSError as err:
            if err.errno in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST):
                return False
            raise GitopsTreeError(FIELD, "cannot remove directory %s: %s" % (rel_dir, err.strerror))
        finally:
            os.close(fd)
