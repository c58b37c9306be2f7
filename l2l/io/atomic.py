"""Writing files so that readers see the old bytes or the new ones, never a half (a temporary file in the same
directory, flushed to disk, then ``os.replace``), and the exclusive lock that writers of a workspace take."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from l2l.base.errors import OutputError, WorkspaceError

__all__ = [
    "TEMP_SUFFIX",
    "atomic_write",
    "check_destination",
    "exclusive_lock",
    "fsync_dir",
    "replace_file",
    "unwritable",
    "write_temp",
]

#: Every temporary file l2l writes ends so (``.NAME.XXXX.tmp``): a killed write leaves nothing else behind.
TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def replace_file(src: Path, dst: Path) -> None:
    src.replace(dst)  # os.replace: atomic on POSIX and Windows


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (a rename or a new file in it) to disk; a no-op where directories cannot be
    opened (Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems do not sync directories; the rename is still atomic
    finally:
        os.close(fd)


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file next to ``path`` (flushed to disk), ready to be renamed onto it."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes it 0600; give it the mode a plain open() would
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def check_destination(path: Path, what: str) -> None:
    """Refuse, before any work, a file that could not be written at the end of it: a path that is a folder, or
    whose nearest existing folder is a file or not writable (the folders in between are made when it is written).
    Nothing is created; the write itself still reports what the file system says then."""
    if path.is_dir():
        raise OutputError(f"cannot write the {what} {path}: it is a folder")
    if (reason := unwritable(path)) is not None:
        raise OutputError(f"cannot write the {what} {path}: {reason}")


def unwritable(path: Path) -> str | None:
    """Why a file could not be made at ``path`` (its nearest existing folder is a file, or not writable), or
    None. Nothing is created."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return (
        "Not a directory"
        if parent.exists() and not parent.is_dir()
        else "Permission denied"
        if parent.exists() and not os.access(parent, os.W_OK | os.X_OK)
        else None
    )


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and ``os.replace``."""
    tmp = write_temp(path, data)
    try:
        replace_file(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------------
# The writers' lock: flock on a file of its own (held by an open file, so a killed holder releases it)
# ----------------------------------------------------------------------------------------------------

if sys.platform == "win32":  # pragma: no cover - l2l is tested on POSIX
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it into the lock file ("pid 123, since 12:00:03")."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text.splitlines()[0][:120] if text else "another l2l process"


@contextlib.contextmanager
def exclusive_lock(
    path: Path,
    *,
    what: str,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
    env: str | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created when missing) for the ``with`` block.

    When another process holds it, ``on_wait`` is told once (a line a front end can print), and the lock is
    retried until ``timeout`` seconds have passed; then a WorkspaceError names the holder (and ``env``, the
    variable that sets the timeout). While held, the lock file says who holds it; it is emptied on release, so a
    workspace's bytes are the same before and after a write that was refused.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise WorkspaceError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    held = False
    try:
        held = _try_lock(fd)
        if not held:
            holder = _holder(path)
            if on_wait is not None:
                on_wait(f"waiting for {what}: {holder} is writing it")
            start = time.monotonic()
            pause = 0.02
            while not held:
                waited = time.monotonic() - start
                if waited >= timeout:
                    raise WorkspaceError(
                        f"{what} is busy: {_holder(path)} is writing it (waited {waited:.0f} s)",
                        hint=f"try again later{f', or set {env} (seconds) to wait longer' if env else ''}",
                    )
                time.sleep(min(pause, max(timeout - waited, 0.0)))
                pause = min(pause * 1.5, 0.25)
                held = _try_lock(fd)
        stamp = time.strftime("%H:%M:%S")
        with contextlib.suppress(OSError):  # who holds it is information for waiters, not the lock itself
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}, since {stamp}\n".encode())
        yield
    finally:
        if held:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
        os.close(fd)  # closing the file releases the lock
