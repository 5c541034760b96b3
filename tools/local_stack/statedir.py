"""Safe state directories and secret files for the local stack (stack.py, pg_pair.py, region_service.py).

- ensure_dir(path, mode, owner): a directory the stack owns, created with `mode` from the start;
  a path that already exists must be a real directory (os.lstat: a symlink is refused, never
  followed) owned by us (or by `owner`); its mode and owner are set through a descriptor opened
  with O_NOFOLLOW, checked to be the directory lstat saw.
- write_file(path, text, mode, owner, trusted): replace a file atomically (temporary file created
  with O_EXCL|O_NOFOLLOW and `mode`, renamed over the old name: a symlink there is replaced, not
  followed); with `trusted`, the directories from there down are opened with O_NOFOLLOW, for files
  in a directory another user controls (the PostgreSQL data directories when root runs the pair).
- read_file(path, trusted): the same without following links.
- secret(path, create): the stack's generated password, in a file of ours with mode 0600 created
  with O_EXCL; the value is returned, never printed.
"""

import os
import secrets
import stat

PASSWORD_FILE = "pg_password"


class UnsafeStateError(Exception):
    pass


def state_mode():
    """The state dir's mode: 0700, or 0711 when root runs (pg_pair.py then runs PostgreSQL as the
    'postgres' user, which must pass through to its own directory; it can list nothing here)."""
    return 0o711 if os.geteuid() == 0 else 0o700


def password_file(state):
    """Where the PostgreSQL pair's password is kept in the state dir `state`."""
    return os.path.join(state, PASSWORD_FILE)


def _uid_name(uid):
    try:
        import pwd
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except (ImportError, KeyError):
        return "uid %d" % uid


def _check_dir(path, st, allowed):
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeStateError("%s is a symlink; the local stack keeps its state in a real directory only: "
                               "remove the link or set MERIDIAN_STATE_DIR to a directory of yours" % path)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeStateError("%s exists and is not a directory: remove it or set MERIDIAN_STATE_DIR" % path)
    if st.st_uid not in allowed:
        raise UnsafeStateError("%s already exists and belongs to %s, not to %s: the local stack does not reuse "
                               "a directory someone else controls; remove it or set MERIDIAN_STATE_DIR"
                               % (path, _uid_name(st.st_uid), _uid_name(os.geteuid())))


def _open_checked(path, seen):
    """A descriptor of the directory at path, refusing a symlink and a directory swapped since lstat."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as err:
        raise UnsafeStateError("cannot open %s without following links: %s" % (path, err.strerror))
    now = os.fstat(fd)
    if (now.st_dev, now.st_ino) != (seen.st_dev, seen.st_ino):
        os.close(fd)
        raise UnsafeStateError("%s changed while it was being checked; run again" % path)
    return fd


def ensure_dir(path, mode=0o700, owner=None):
    """Create or check the directory `path` (missing parents are created with `mode` too).

    owner: (uid, gid) the directory is handed to (when root runs a server as another user), or None.
    An existing directory is accepted when it is ours or already belongs to `owner`.
    """
    path = os.path.abspath(path)
    try:
        os.lstat(path)
    except FileNotFoundError:
        parent = os.path.dirname(path)
        if parent != path and not os.path.lexists(parent):
            ensure_dir(parent, mode)
        try:
            os.mkdir(path, mode)
        except FileExistsError:
            pass  # made meanwhile by another run: checked below like any existing directory
    st = os.lstat(path)
    allowed = {os.geteuid()}
    if owner is not None:
        allowed.add(owner[0])
    _check_dir(path, st, allowed)
    fd = _open_checked(path, st)
    try:
        if owner is not None and (st.st_uid, st.st_gid) != tuple(owner):
            os.fchown(fd, owner[0], owner[1])
        if stat.S_IMODE(st.st_mode) != mode:
            os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return path


def _dir_fd(directory, trusted):
    """A descriptor of `directory`, reached from `trusted` one component at a time with O_NOFOLLOW
    (a directory someone else controls below `trusted` cannot redirect us through a symlink)."""
    if trusted is None:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    rel = os.path.relpath(os.path.abspath(directory), os.path.abspath(trusted))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise UnsafeStateError("%s is not under %s" % (directory, trusted))
    fd = os.open(trusted, os.O_RDONLY | os.O_DIRECTORY)
    for part in ([] if rel == os.curdir else rel.split(os.sep)):
        try:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as err:
            os.close(fd)
            raise UnsafeStateError("cannot open %s without following links: %s"
                                   % (directory, err.strerror))
        os.close(fd)
        fd = nxt
    return fd


def write_file(path, text, mode=0o600, owner=None, trusted=None):
    """Replace path with text atomically; never writes through a symlink at path (nor, with trusted,
    through one in any directory between trusted and path)."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = ".%s.%s.tmp" % (name, secrets.token_hex(4))
    dfd = _dir_fd(directory, trusted)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=dfd)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                if owner is not None:
                    os.fchown(handle.fileno(), owner[0], owner[1])
                os.fchmod(handle.fileno(), mode)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=dfd)
            except FileNotFoundError:
                pass
            raise
    finally:
        os.close(dfd)


def read_file(path, trusted=None):
    """The text of path, refusing to follow a symlink there (nor, with trusted, on the way)."""
    directory, name = os.path.split(os.path.abspath(path))
    dfd = _dir_fd(directory, trusted)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dfd)
    finally:
        os.close(dfd)
    with os.fdopen(fd, encoding="utf-8") as handle:
        return handle.read()


def _read_secret(fd, path):
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeStateError("%s is not a regular file" % path)
    if st.st_uid != os.geteuid():
        raise UnsafeStateError("%s belongs to %s, not to %s: remove it (the pair must then be rebuilt: "
                               "pg_pair.py destroy, then start)" % (path, _uid_name(st.st_uid), _uid_name(os.geteuid())))
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise UnsafeStateError("%s has mode %o: others may read it; run chmod 600 %s"
                               % (path, stat.S_IMODE(st.st_mode), path))
    with os.fdopen(os.dup(fd), encoding="utf-8") as handle:
        value = handle.read().strip()
    if not value:
        raise UnsafeStateError("%s is empty: remove it and rebuild the pair (pg_pair.py destroy, then start)" % path)
    return value


def secret(path, create=False):
    """The password kept in path (mode 0600, ours). create=True generates it when the file is missing:
    the file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 from the start."""
    if create:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            value = secrets.token_urlsafe(32)  # [A-Za-z0-9_-]: safe in a .pgpass line and a conninfo
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, (value + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            return value
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise UnsafeStateError("%s is missing: start the PostgreSQL pair (tools/local_stack/pg_pair.py start)" % path)
    except OSError as err:
        raise UnsafeStateError("cannot open %s without following links: %s" % (path, err.strerror))
    try:
        return _read_secret(fd, path)
    finally:
        os.close(fd)
