"""Writing a file so that readers see the old bytes or the new ones, never a half: a temporary file in the same
directory, flushed to disk, then ``os.replace``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "replace_file", "write_temp"]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def replace_file(src: Path, dst: Path) -> None:
    src.replace(dst)  # os.replace: atomic on POSIX and Windows


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new temporary file next to ``path`` (flushed to disk), ready to be renamed onto it."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and ``os.replace``."""
    tmp = write_temp(path, data)
    try:
        replace_file(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
