"""The limits l2l reads inputs and waits for a workspace within, each set by an environment variable.

A limit that is reached is an error naming the limit and the variable that raises it, never an exhausted memory, a
hang or a RecursionError. The variables are read when a limit is checked (so a test or a long-lived process can
change them); a value that is not a positive number is a usage error.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from l2l.base.errors import InputError, UsageError

__all__ = ["LIMITS", "Limit", "check_rows", "gunzip", "json_depth", "limit", "read_whole", "regular_file"]


@dataclass(frozen=True)
class Limit:
    env: str
    default: float
    unit: str  # "MB", "rows", "levels", "draws", "×", "s"
    what: str

    def value(self) -> float:
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise UsageError(f"{self.env}={raw!r} is not a positive number ({self.what}, in {self.unit})")
        return value

    def describe(self, value: float | None = None) -> str:
        """``"256 MB (set L2L_MAX_READ_MB to raise it)"``: the limit as an error message names it."""
        v = self.value() if value is None else value
        shown = f"{v:g}" if self.unit in ("×", "s") else f"{v:,.0f}"
        unit = {"×": "×", "s": " s"}.get(self.unit, f" {self.unit}")
        return f"{shown}{unit} (set {self.env} to raise it)"


#: Every limit, by name. README "Limits" lists them with their defaults.
LIMITS: dict[str, Limit] = {
    "read_mb": Limit(
        "L2L_MAX_READ_MB",
        256,
        "MB",
        "the most bytes of one input read into memory whole: any file but a plain CSV/TSV (which is streamed), "
        "and a gzip file's decompressed content",
    ),
    "rows": Limit("L2L_MAX_ROWS", 100_000_000, "rows", "the most rows (lines) of one input file"),
    "gzip_ratio": Limit(
        "L2L_MAX_GZIP_RATIO",
        100,
        "×",
        "the most a gzip file may grow when decompressed (a gzip bomb is refused)",
    ),
    "json_depth": Limit("L2L_MAX_JSON_DEPTH", 64, "levels", "the deepest nesting of one NDJSON record"),
    # beyond this many draws memory, not statistics, is the limit
    "draws": Limit(
        "L2L_MAX_DRAWS",
        100_000,
        "draws",
        "the most bootstrap or joint draws one command makes",
    ),
    "lock_timeout": Limit(
        "L2L_LOCK_TIMEOUT", 600, "s", "how long a writer waits for another writing the same workspace"
    ),
}


def limit(name: str) -> float:
    """The value of limit ``name`` now (its variable, else its default)."""
    return LIMITS[name].value()


# ----------------------------------------------------------------------------------------------------
# Guarded reads: regular files only, bounded in bytes, rows, decompression and nesting
# ----------------------------------------------------------------------------------------------------

_MB = 1 << 20
#: A gzip file may grow this much whatever the ratio (small files of repeated rows compress very well).
GZIP_FREE_BYTES = 16 * _MB


def _kind(mode: int) -> str:
    import stat

    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def missing_file_hint(path: Path) -> str:
    """The fix of a path that names no file: the file of its folder it most likely meant (a typo, another
    extension), else the folder that is missing, else where a relative path is read from."""
    from difflib import get_close_matches
    from itertools import islice

    folder = path.parent
    if not folder.is_dir():
        return f"there is no folder {str(folder)!r}: check the path"
    try:
        with os.scandir(folder) as entries:  # (a folder of a million files is not listed whole)
            names = [e.name for e in islice(entries, 10_000) if e.is_file()]
    except OSError:
        names = []
    near = get_close_matches(path.name, names, n=1, cutoff=0.6)
    if near:
        return f"did you mean {str(folder / near[0])!r}?"
    if path.is_absolute():
        return "check the path"
    return f"check the path: a relative path is read from the current folder ({Path.cwd()})"


def regular_file(path: Path) -> os.stat_result:
    """``path``'s stat when it is a regular file l2l may read; else an InputError (exit 1) saying what it is.
    Checked before the file is opened, so a FIFO or a device is never read (it would hang or never end)."""
    import stat

    p = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", path=p, hint=missing_file_hint(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=p) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a file", path=p)
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"is {_kind(st.st_mode)}; l2l reads regular files only", path=p)
    return st


def read_whole(path: Path, *, hint: str | None = None) -> bytes:
    """The bytes of a regular file read whole, at most ``L2L_MAX_READ_MB`` of them."""
    st = regular_file(path)
    cap = int(limit("read_mb") * _MB)
    p = str(path)
    if st.st_size > cap:
        raise _too_big(p, f"is {st.st_size / _MB:,.0f} MB", hint)
    try:
        with path.open("rb") as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=p) from None
    if len(data) > cap:  # it grew, or lies about its size
        raise _too_big(p, "grew while it was read", hint)
    return data


def _too_big(path: str, what: str, hint: str | None) -> InputError:
    return InputError(
        f"{what}, more than l2l reads into memory at once: {LIMITS['read_mb'].describe()}",
        path=path,
        hint=hint,
    )


def gunzip(data: bytes, path: str) -> bytes:
    """A gzip file's content, refused when it grows past ``L2L_MAX_READ_MB`` or more than ``L2L_MAX_GZIP_RATIO``
    times its compressed size (beyond the first 16 MB): a gzip bomb never reaches memory."""
    import gzip
    import zlib

    cap = int(limit("read_mb") * _MB)
    ratio = limit("gzip_ratio")
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            while chunk := fh.read(_MB):
                out += chunk
                if len(out) > cap:
                    raise InputError(
                        f"decompresses to more than l2l reads into memory at once: {LIMITS['read_mb'].describe()}",
                        path=path,
                    )
                if len(out) > GZIP_FREE_BYTES and len(out) > ratio * len(data):
                    raise InputError(
                        f"decompresses to more than {ratio:g}× its size (a gzip bomb?): the limit is "
                        f"{LIMITS['gzip_ratio'].describe()}",
                        path=path,
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"not a valid gzip file ({exc})", path=path) from None
    return bytes(out)


def check_rows(rows: int, path: str) -> None:
    """An InputError when a file has more rows (lines) than ``L2L_MAX_ROWS``."""
    cap = limit("rows")
    if rows > cap:
        raise InputError(f"has {rows:,} rows, more than the limit of {LIMITS['rows'].describe()}", path=path)


def json_depth(value: object) -> int:
    """How deep ``value`` nests (a scalar 0, ``[1]`` 1, ``{"a": [1]}`` 2), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
        else:
            deepest = max(deepest, d)
            continue
        deepest = max(deepest, d + 1)
    return deepest
