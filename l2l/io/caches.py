"""The workspace's caches: saved fits (``artifacts/fits.json``), calibrations (``artifacts/calibrations.json``),
accuracy laws (``artifacts/accuracy_laws.json``) and whole answers (``artifacts/KIND-KEY.answer``: a command's
result, kept by the workflow that made it, ``l2l.workflows.evaluate_store``).

Each entry is keyed by a hash of what it was made from (``fit.data_key``, ``calibrate.calibration_key``: the data
and the settings), so an entry is never served for other data; and each file carries a checksum of itself and the
l2l version that wrote it. A cache that is damaged, edited or of another version is rebuilt, never trusted and
never fatal: it reads as empty, with a note on ``Workspace.notes`` saying why, and the next save overwrites it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from l2l.base.errors import WorkspaceError
from l2l.base.version import __version__

if TYPE_CHECKING:
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache

__all__ = [
    "ACCURACY_LAWS_ARTIFACT",
    "ANSWER_SUFFIX",
    "CALIBRATIONS_ARTIFACT",
    "FITS_ARTIFACT",
    "MAX_ANSWERS",
    "MAX_CALIBRATIONS",
    "checksum",
    "code_digest",
    "decode",
    "encode",
    "plain_scalar",
    "save_accuracy_laws",
    "save_answer",
    "save_calibrations",
    "save_fits",
    "saved_accuracy_laws",
    "saved_answer",
    "saved_calibrations",
    "saved_fits",
]


class ArtifactStore(Protocol):
    """What the caches need of a workspace (``l2l.io.workspace.Workspace``): its artifacts' folder, notes, lock
    and artifact files. Named here, not imported, so that the workspace can import the caches' names."""

    ARTIFACTS: str
    notes: list[str]

    def exists(self) -> bool: ...

    def lock(
        self, *, purpose: str = "write", on_wait: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]: ...

    def read_artifact_bytes(self, name: str, suffix: str) -> bytes | None: ...

    def write_artifact_bytes(self, name: str, suffix: str, data: bytes, *, locked: bool = False) -> None: ...

    def artifacts(self, suffix: str) -> list[Path]: ...


FITS_ARTIFACT = "fits"
FITS_VERSION = (
    5  # records keyed by fit.data_key, the file sealed (4: a law needs 6 distinct models; 5: sealed bytes)
)
CALIBRATIONS_ARTIFACT = "calibrations"
CALIBRATIONS_VERSION = 3  # records keyed by calibration_key, the file sealed (3: its checksum of its bytes)
#: the most recent ones kept: each is 20-60 kB of conformal scores; one `evaluate` of the paper's 6 datasets needs
#: 10 and the other commands another dozen (with 16, commands evicted each other's and warm evaluate recalibrated)
MAX_CALIBRATIONS = 64

ACCURACY_LAWS_ARTIFACT = "accuracy_laws"
# records keyed by accuracy.accuracy_key, each an encoded AccuracyFit (3: with per-dataset ranges and
# predictability; 4: the file sealed with the checksum of its bytes)
ACCURACY_LAWS_VERSION = 4
MAX_ACCURACY_LAWS = (
    256  # the most recent ones: each is a few kB (its residuals, and its bootstrap when asked)
)


#: A cache file begins with its checksum: the sha256 of the file's own bytes after it (``_sealed``), so that a
#: read checks the bytes it parses instead of serialising what it parsed again (that had cost as much as the
#: parse: 0.34 s of a warm `predict`'s 2.2 s on the paper's evaluated workspace, whose fits.json is 10.8 MB).
_SEAL_HEAD = '{"checksum":"'
_SEAL_LEN = len(_SEAL_HEAD) + 64 + len('",')


def checksum(body: bytes) -> str:
    """sha256 (hex) of a cache file's ``body``: the JSON object it holds, as written, without its checksum."""
    return hashlib.sha256(body).hexdigest()


def _sealed(kind: str, version: int, records: dict[str, Any]) -> bytes:
    """The bytes of cache ``kind``'s file: one JSON object whose first key is the checksum of the rest."""
    payload = {"kind": kind, "version": version, "l2l_version": __version__, kind: records}
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    return f'{_SEAL_HEAD}{checksum(body)}",'.encode() + body[1:] + b"\n"


def _intact(data: bytes) -> bool:
    """Whether a cache file's bytes are as ``_sealed`` wrote them (its checksum that of the rest)."""
    head = data[:_SEAL_LEN].decode("ascii", errors="replace")
    if not (head.startswith(_SEAL_HEAD) and head.endswith('",') and data.endswith(b"\n")):
        return False
    return checksum(b"{" + data[_SEAL_LEN:-1]) == head[len(_SEAL_HEAD) : -2]


def _records(workspace: ArtifactStore, kind: str, version: int, *, note: bool) -> dict[str, Any]:
    """The records of cache ``kind`` when the file is sound and current; else {} (with a note when it is damaged
    rather than merely of another version)."""
    where = f"{workspace.ARTIFACTS}/{kind}.json"

    def bad(why: str) -> dict[str, Any]:
        if note:
            workspace.notes.append(f"the cache {where} {why}: it is ignored and will be rebuilt")
        return {}

    try:
        data = workspace.read_artifact_bytes(kind, ".json")
    except WorkspaceError as exc:
        return bad(f"cannot be read ({exc.message})")
    if data is None:
        return {}
    try:
        art = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        return bad(f"cannot be read (not valid JSON: {exc})")
    if not isinstance(art, dict):
        return bad("cannot be read (not a JSON object)")
    old = art.get("version")
    if isinstance(old, int) and not isinstance(old, bool) and old < version:
        return {}  # the format of an older l2l (checksummed otherwise, or not at all): rebuilt quietly
    records = art.get(kind)
    if not _intact(data) or not isinstance(records, dict) or old != version:
        return bad("does not match its checksum (damaged or edited)")
    if art.get("l2l_version") != __version__:
        return {}  # sound, but made by another version of l2l, whose fits may differ: rebuilt quietly
    return records


def saved_fits(workspace: ArtifactStore | None) -> FitCache:
    """Fits saved in the workspace (``fit-law --save``, and every command's new fits) as a FitCache; an empty one
    when there are none, or when the file is damaged (a note on ``workspace.notes`` says so)."""
    from l2l.core.fit import FitCache

    if workspace is None or not workspace.exists():
        return FitCache()
    records = _records(workspace, FITS_ARTIFACT, FITS_VERSION, note=True)
    try:
        return FitCache.from_records(records)
    except (KeyError, TypeError, ValueError, AttributeError):
        workspace.notes.append(
            f"the cache {workspace.ARTIFACTS}/{FITS_ARTIFACT}.json holds a record l2l cannot read: "
            "it is ignored and will be rebuilt"
        )
        return FitCache()


def save_fits(workspace: ArtifactStore, cache: FitCache) -> int:
    """Add every fit of ``cache`` to the workspace's saved fits (a damaged file is replaced); returns how many
    are saved now."""
    with workspace.lock(purpose="cache"):
        fits = dict(_records(workspace, FITS_ARTIFACT, FITS_VERSION, note=False))
        fits.update(cache.records())
        workspace.write_artifact_bytes(
            FITS_ARTIFACT, ".json", _sealed(FITS_ARTIFACT, FITS_VERSION, fits), locked=True
        )
    return len(fits)


def saved_calibrations(workspace: ArtifactStore | None) -> CalibrationCache:
    """Calibrations saved in the workspace (an empty cache when there are none, they are of another version, or
    the file is damaged: a note on ``workspace.notes`` says so)."""
    from l2l.core.calibrate import CalibrationCache

    if workspace is None or not workspace.exists():
        return CalibrationCache()
    records = _records(workspace, CALIBRATIONS_ARTIFACT, CALIBRATIONS_VERSION, note=True)
    try:
        return CalibrationCache.from_records(records)
    except (KeyError, TypeError, ValueError, AttributeError):
        workspace.notes.append(
            f"the cache {workspace.ARTIFACTS}/{CALIBRATIONS_ARTIFACT}.json holds a record l2l cannot read: "
            "it is ignored and will be rebuilt"
        )
        return CalibrationCache()


def save_calibrations(workspace: ArtifactStore, cache: CalibrationCache) -> int:
    """Add the calibrations of ``cache`` to the workspace's (keeping the newest ``MAX_CALIBRATIONS``)."""
    with workspace.lock(purpose="cache"):
        stored = dict(_records(workspace, CALIBRATIONS_ARTIFACT, CALIBRATIONS_VERSION, note=False))
        for key, rec in cache.records().items():
            stored.pop(key, None)
            stored[key] = rec
        kept = dict(list(stored.items())[-MAX_CALIBRATIONS:])
        payload = _sealed(CALIBRATIONS_ARTIFACT, CALIBRATIONS_VERSION, kept)
        workspace.write_artifact_bytes(CALIBRATIONS_ARTIFACT, ".json", payload, locked=True)
    return len(kept)


# ---------------------------------------------------------------------------------------------------------------
# Accuracy laws: frozen dataclasses of numbers, arrays and strings, encoded exactly as JSON
# ---------------------------------------------------------------------------------------------------------------


def _classes() -> dict[str, type]:
    """The dataclasses an encoded record may name (nothing else is ever built from a file)."""
    from l2l.core.accuracy import AccuracyFit, AccuracyLaw, DatasetOffsets, SharingTest
    from l2l.core.predictability import Predictability

    return {c.__name__: c for c in (AccuracyFit, AccuracyLaw, SharingTest, DatasetOffsets, Predictability)}


def _num(v: float) -> Any:
    return v if math.isfinite(v) else {"float": repr(v)}  # JSON has no nan/inf; repr round-trips exactly


def encode(value: Any) -> Any:
    """``value`` (None, bools, numbers, strings, tuples, lists, mappings, float arrays and the dataclasses of
    ``_classes``) as JSON-safe data that ``decode`` rebuilds exactly (floats by repr, non-finite ones named)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _num(float(value))
    if isinstance(value, np.ndarray):
        arr = np.asarray(value, dtype=np.float64)
        return {"array": [_num(float(v)) for v in arr.ravel()], "shape": list(arr.shape)}
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _classes():
            raise TypeError(f"cannot encode a {name}")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"dataclass": name, "fields": fields}
    if isinstance(value, Mapping):
        return {"mapping": {str(k): encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot encode a {type(value).__name__}")


def decode(data: Any) -> Any:
    """The value ``encode`` made ``data`` from (TypeError/KeyError/ValueError for anything else)."""
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        raise TypeError("not an encoded value")
    if "float" in data:
        return float(data["float"])
    if "array" in data:
        flat = [decode(v) for v in data["array"]]
        return np.asarray(flat, dtype=np.float64).reshape(tuple(int(n) for n in data["shape"]))
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "mapping" in data:
        return {k: decode(v) for k, v in data["mapping"].items()}
    cls = _classes()[data["dataclass"]]
    return cls(**{k: decode(v) for k, v in data["fields"].items()})


def saved_accuracy_laws(workspace: ArtifactStore | None) -> dict[str, Any]:
    """Accuracy laws saved in the workspace (``accuracy.accuracy_key`` → AccuracyFit); empty when there are none,
    they are of another version, or the file is damaged (a note on ``workspace.notes`` says so)."""
    if workspace is None or not workspace.exists():
        return {}
    records = _records(workspace, ACCURACY_LAWS_ARTIFACT, ACCURACY_LAWS_VERSION, note=True)
    try:
        return {k: decode(rec) for k, rec in records.items()}
    except (KeyError, TypeError, ValueError, AttributeError):
        workspace.notes.append(
            f"the cache {workspace.ARTIFACTS}/{ACCURACY_LAWS_ARTIFACT}.json holds a record l2l cannot read: "
            "it is ignored and will be rebuilt"
        )
        return {}


def save_accuracy_laws(workspace: ArtifactStore, laws: Mapping[str, Any]) -> int:
    """Add ``laws`` (key → AccuracyFit) to the workspace's (keeping the newest ``MAX_ACCURACY_LAWS``)."""
    with workspace.lock(purpose="cache"):
        stored = dict(_records(workspace, ACCURACY_LAWS_ARTIFACT, ACCURACY_LAWS_VERSION, note=False))
        for key, fit in laws.items():
            stored.pop(key, None)
            stored[key] = encode(fit)
        kept = dict(list(stored.items())[-MAX_ACCURACY_LAWS:])
        payload = _sealed(ACCURACY_LAWS_ARTIFACT, ACCURACY_LAWS_VERSION, kept)
        workspace.write_artifact_bytes(ACCURACY_LAWS_ARTIFACT, ".json", payload, locked=True)
    return len(kept)


# ---------------------------------------------------------------------------------------------------------------
# Answers: a command's whole result, one file per key (``KIND-KEY.answer``), the workflow's own bytes
# ---------------------------------------------------------------------------------------------------------------

ANSWER_SUFFIX = ".answer"
ANSWERS_VERSION = 1  # a header line (JSON: kind, key, versions, sha256 of the body), then the body
#: the most recent answers of each kind kept: one 24-dataset `evaluate` is 6 MB
MAX_ANSWERS = 4
_KIND = re.compile(r"^[a-z][a-z_]*$")
_KEY = re.compile(r"^[0-9a-f]{64}$")


def _answer_name(kind: str, key: str) -> str:
    if not _KIND.match(kind) or not _KEY.match(key):
        raise ValueError(f"bad answer kind {kind!r} or key {key!r}")
    return f"{kind}-{key}"


def _answer_header(kind: str, key: str, body: bytes) -> dict[str, object]:
    return {
        "kind": kind,
        "key": key,
        "version": ANSWERS_VERSION,
        "l2l_version": __version__,
        "sha256": hashlib.sha256(body).hexdigest(),
    }


def saved_answer(workspace: ArtifactStore | None, kind: str, key: str) -> bytes | None:
    """The body of the answer of ``kind`` saved under ``key`` (a sha256 of exactly what it was computed from,
    made by the workflow); None when there is none, or it is of another version, or damaged (a note on
    ``workspace.notes`` says so). The checksum is of the bytes as read: nothing is parsed or re-serialised for it."""
    if workspace is None or not workspace.exists():
        return None
    name = _answer_name(kind, key)
    where = f"{workspace.ARTIFACTS}/{name}{ANSWER_SUFFIX}"
    try:
        data = workspace.read_artifact_bytes(name, ANSWER_SUFFIX)
    except WorkspaceError as exc:
        workspace.notes.append(
            f"the cache {where} cannot be read ({exc.message}): it is ignored and will be rebuilt"
        )
        return None
    if data is None:
        return None
    head, _, body = data.partition(b"\n")
    try:
        header = json.loads(head)
    except (ValueError, RecursionError):
        header = None
    if isinstance(header, dict) and (
        header.get("version") != ANSWERS_VERSION or header.get("l2l_version") != __version__
    ):
        return None  # of another version of l2l or of this format: rebuilt quietly
    if header != _answer_header(kind, key, body):
        workspace.notes.append(
            f"the cache {where} does not match its checksum (damaged or edited): it is ignored and will be rebuilt"
        )
        return None
    return body


def save_answer(workspace: ArtifactStore, kind: str, key: str, body: bytes) -> None:
    """Keep ``body`` as the answer of ``kind`` under ``key`` (atomically; the oldest answers of ``kind`` beyond
    ``MAX_ANSWERS`` are removed)."""
    name = _answer_name(kind, key)
    head = json.dumps(_answer_header(kind, key, body), sort_keys=True, separators=(",", ":")).encode()
    with workspace.lock(purpose="cache"):
        workspace.write_artifact_bytes(name, ANSWER_SUFFIX, head + b"\n" + body, locked=True)
        older = [p for p in workspace.artifacts(ANSWER_SUFFIX) if p.name.startswith(f"{kind}-")]
        for path in older[:-MAX_ANSWERS]:
            if path.name != f"{name}{ANSWER_SUFFIX}":
                path.unlink(missing_ok=True)


def plain_scalar(value: object) -> object:
    """A numpy scalar as JSON has it (a float64 is a float already): ``json.dumps``' ``default`` for the answers
    the workflows keep (``save_answer``); anything else is refused (TypeError)."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    raise TypeError(f"cannot encode a {type(value).__name__}")


@functools.cache
def code_digest() -> str:
    """sha256 of what an answer is computed BY: every source file of this l2l (so that an edited l2l, its version
    unchanged, never serves an answer of the code before) and the versions of numpy, polars and scipy (whose
    arithmetic the answer's numbers come from). A few ms, once per process."""
    import importlib.util

    import polars as pl

    root = Path(__file__).resolve().parent.parent  # the l2l package
    h = hashlib.sha256(f"numpy {np.__version__}\0polars {pl.__version__}\0".encode())
    spec = importlib.util.find_spec("scipy")  # not imported for this: its version file, read
    if spec is not None and spec.origin is not None:
        with contextlib.suppress(OSError):
            h.update(b"scipy\0" + (Path(spec.origin).parent / "version.py").read_bytes())
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()
