"""The workspace store: ingested runs and accuracies, committed together in generations; caches; law files.

A workspace is a directory that l2l owns (it holds the marker ``l2l-workspace.json``)::

    l2l-workspace.json    marker, written when the workspace is created; nothing is written where it is missing
                          unless the directory is new or empty
    current.json          the commit: names the current generation and the sha256 of each of its files
    gen-000007/           config.json, runs.parquet[, accuracy.parquet][, checkpoints.parquet]: one ingest, written
                          whole before the commit (checkpoints: every checkpoint of a per-step log with accuracies)
    gen-000006/           the generation before (kept so that a reader that started before the commit can finish)
    artifacts/            caches (fits, calibrations), checksummed (``l2l.io.caches``)
    .lock                 the writers' lock

A writer takes the lock (waiting for another writer, and saying so), re-reads what is stored, writes a new
generation, then replaces ``current.json`` in one rename: a reader sees the old workspace or the new one, never a
half, and a writer killed at any point leaves the old one (plus leftovers the next writer removes and every reader
ignores). Readers take no lock; they check each file against its checksum and retry when a commit moved the
workspace under them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, OutputError, UsageError, WorkspaceError
from l2l.base.runs import REPEAT_KEY, Runs
from l2l.base.text import fmt_sig, utc_now
from l2l.base.text import plural as _plural
from l2l.base.version import __version__
from l2l.io.accuracy_store import (
    ACCURACY_FILE,
    AccuracyJoin,
    has_accuracy_columns,
    join_accuracy,
    merge_accuracy,
)
from l2l.io.atomic import (
    TEMP_SUFFIX,
    atomic_write,
    exclusive_lock,
    fsync_dir,
    replace_file,
    unwritable,
    write_temp,
)
from l2l.io.caches import (
    CALIBRATIONS_ARTIFACT,
    FITS_ARTIFACT,
    MAX_CALIBRATIONS,
    save_calibrations,
    save_fits,
    saved_calibrations,
    saved_fits,
)
from l2l.io.limits import LIMITS
from l2l.io.provenance import appended_repeat_notes, check_compute_units, unit_notes
from l2l.io.tables import _SCHEMA, _average, _canonical, _resolve_own, read_runs

__all__ = [
    "CALIBRATIONS_ARTIFACT",
    "FITS_ARTIFACT",
    "LAYOUT_VERSION",
    "MAX_CALIBRATIONS",
    "Workspace",
    "atomic_write",
    "load_runs",
    "read_law_file",
    "save_calibrations",
    "save_fits",
    "saved_calibrations",
    "saved_fits",
    "write_law_file",
]

#: Version of the on-disk layout (1: runs.parquet + config.json at the top, before generations).
LAYOUT_VERSION = 2
_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_GENERATION = re.compile(r"^gen-(\d{6,})$")
_RECREATE = "re-create the workspace with `l2l ingest FILE`"
_MARKER_BYTES = (json.dumps({"format": "l2l-workspace", "layout": LAYOUT_VERSION}, indent=2) + "\n").encode()


#: Options a reading hint may name that only ``l2l ingest`` has (a command given a TABLE reads it as a long table).
_INGEST_ONLY = re.compile(
    r"--(wide|loss-columns|column|dataset|eval|own-eval|best-of|run-key|checkpoints|strict|accuracy-[a-z]+)\b"
)


#: A ``--where`` condition a hint names (``--where 'loss!=—'``), as written there (quoted or not).
_WHERE = re.compile(r"--where ('[^']*'|[^\s;,()]+)")


def _ingest_hint(exc: InputError, table: Path) -> InputError:
    """``exc`` with its hint said as an ``l2l ingest`` call where it names options only ingest has: ``l2l fit-law
    wide.csv`` was told to "read it with --wide --loss-columns …", and fit-law has no --wide (h1)."""
    if not exc.hint:
        return exc
    where = _WHERE.search(exc.hint)
    if where is not None and not _INGEST_ONLY.search(exc.hint):
        # --where for a table is l2l's own option, before the command: pasted after it (l2l fit-law t.csv --where
        # 'loss!=—'), click refused "No such option: --where" (h57)
        hint = (
            f"{exc.hint} (for a table given to a command, --where goes before the command: l2l --where "
            f"{where.group(1)} COMMAND {shlex.quote(str(table))})"
        )
    elif _INGEST_ONLY.search(exc.hint):
        hint = (
            f"{exc.hint} (options of l2l ingest: l2l ingest {shlex.quote(str(table))} … with them, then run the "
            "command on the workspace, without the table)"
        )
    else:
        return exc
    out = InputError(exc.message, hint=hint, param=exc.param)
    out.path, out.line, out.column = exc.path, exc.line, exc.column
    return out


def load_runs(table: Path | None, workspace: Workspace, *, accuracy: bool = True, **read_kwargs: Any) -> Runs:
    """The runs a command works on: ``table`` read in memory when given, else the workspace's, with the
    accuracies (and a per-step log's checkpoints) stored beside them unless ``accuracy`` is False (the command
    line reads them only for the commands that use them, ``Session.with_accuracy``; a script's
    ``l2l.predict_accuracy`` on ``load_runs(None, ws)`` had found no accuracy rows).

    For a table, own evals not given explicitly are taken from the workspace's mapping where the dataset and
    eval exist in the table, and detected otherwise.
    """
    if not isinstance(workspace, Workspace):  # a path raised "'str' object has no attribute 'load'" (p63)
        raise UsageError(
            f"the workspace must be an l2l.Workspace, got {type(workspace).__name__} (l2l.Workspace({workspace!r}))",
            param="workspace",
        )
    if table is None:
        if read_kwargs.get("where"):
            raise UsageError(
                "--where filters a table given to the command; the workspace's runs were filtered when they "
                "were ingested (l2l ingest FILE --where COL=VALUE)",
                param="where",
            )
        runs = workspace.load()
        return workspace.attach_checkpoints(workspace.attach_accuracy(runs)) if accuracy else runs
    try:
        runs = read_runs([table], **read_kwargs)
    except InputError as exc:
        raise _ingest_hint(exc, table) from None
    if not workspace.exists():
        return runs
    try:
        stored = workspace.config().get("own_eval", {})
    except WorkspaceError:  # the mapping is a convenience; a broken workspace must not stop reading a table
        return runs
    pinned = {ds: (ev, "workspace") for ds, ev in stored.items() if ds in runs.datasets}
    if not pinned:
        return runs
    explicit = {ds: ev for ds, ev in runs.own_eval.items() if runs.own_eval_how.get(ds) == "explicit"}
    own, how, _ = _resolve_own(runs.frame, explicit, pinned)
    return Runs(
        runs.frame,
        own,
        runs.provenance,
        how,
        accuracy=runs.accuracy,
        tokenizers=runs.tokenizers,
        unique_tokens=runs.unique_tokens,
    )


# ----------------------------------------------------------------------------------------------------
# The commit pointer
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Generation:
    name: str
    files: dict[str, str]  # file name → sha256


@dataclass(frozen=True)
class _Pointer:
    """What ``current.json`` says: the current generation and the one before it (each with its checksums)."""

    current: _Generation
    previous: _Generation | None

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {"layout": LAYOUT_VERSION, "generation": self.current.name}
        doc["files"] = self.current.files
        if self.previous is not None:
            doc["previous"] = {"generation": self.previous.name, "files": self.previous.files}
        doc["committed_at"] = utc_now()
        return (json.dumps(doc, indent=2) + "\n").encode()


def _generation(doc: Any) -> _Generation:
    if not isinstance(doc, dict):
        raise ValueError
    name, files = doc.get("generation"), doc.get("files")
    if not isinstance(name, str) or not _GENERATION.match(name) or not isinstance(files, dict):
        raise ValueError
    if not all(isinstance(k, str) and "/" not in k and isinstance(v, str) for k, v in files.items()):
        raise ValueError
    return _Generation(name, dict(files))


class _MovedError(Exception):
    """A commit replaced the generation being read (the reader starts again)."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------------------------------
# Workspace
# ----------------------------------------------------------------------------------------------------


class Workspace:
    """A directory holding ingested runs and accuracies (in generations, see the module) and artifacts.

    ``notes`` collects what a reader noticed and set right without failing (a damaged cache ignored); a front
    end may show them.
    """

    MARKER = "l2l-workspace.json"
    POINTER = "current.json"
    LOCK = ".lock"
    RUNS = "runs.parquet"
    CONFIG = "config.json"
    ACCURACY = ACCURACY_FILE
    CHECKPOINTS = "checkpoints.parquet"
    ARTIFACTS = "artifacts"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.notes: list[str] = []

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @classmethod
    def locate(cls, option: Path | str | None = None) -> Workspace:
        """``option`` if given, else ``$L2L_WORKSPACE``, else ``./.l2l``."""
        if option is not None:
            return cls(option)
        env = os.environ.get("L2L_WORKSPACE")
        return cls(env if env else Path.cwd() / ".l2l")

    # ---- where things are -------------------------------------------------------------------------

    @property
    def marker_path(self) -> Path:
        return self.root / self.MARKER

    @property
    def pointer_path(self) -> Path:
        return self.root / self.POINTER

    def shown(self) -> str:
        """The root as a message names it (absolute when given as ``.`` or ``""``)."""
        text = str(self.root)
        return text if text not in (".", "") else f"{text} ({self.root.resolve()})"

    @property
    def runs_path(self) -> Path:
        """The current generation's ``runs.parquet`` (read-only: every write goes through ``save``)."""
        return self._current_dir() / self.RUNS

    @property
    def config_path(self) -> Path:
        """The current generation's ``config.json`` (read-only: every write goes through ``save``)."""
        return self._current_dir() / self.CONFIG

    def _current_dir(self) -> Path:
        pointer = self._pointer()
        if pointer is None:
            raise WorkspaceError(f"no workspace at {self.shown()}", hint="run `l2l ingest FILE` first")
        return self.root / pointer.current.name

    def exists(self) -> bool:
        return self.marker_path.is_file() and self.pointer_path.is_file()

    def _is_legacy(self) -> bool:
        """A workspace of layout 1 (``runs.parquet`` and an l2l ``config.json`` at the top, no marker)."""
        try:
            doc = json.loads((self.root / self.CONFIG).read_text(encoding="utf-8"))
        except (
            OSError,
            ValueError,
            RecursionError,
        ):  # (UnicodeDecodeError and JSONDecodeError are ValueErrors)
            return False
        return isinstance(doc, dict) and "l2l_version" in doc and "digest" in doc

    # ---- reading ------------------------------------------------------------------------------------

    def _pointer(self) -> _Pointer | None:
        try:
            text = self.pointer_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise WorkspaceError(f"cannot read {self.pointer_path}: {exc.strerror or exc}") from None
        try:
            doc = json.loads(text)
            if (newer := self._newer_layout(self.POINTER, doc)) is not None:
                raise newer
            if doc.get("layout") != LAYOUT_VERSION:
                raise ValueError
            current = _generation(doc)
            prev = doc.get("previous")
            return _Pointer(current, None if prev is None else _generation(prev))
        except (
            ValueError,
            RecursionError,
            AttributeError,
        ):  # (JSONDecodeError, UnicodeDecodeError: ValueErrors)
            raise WorkspaceError(
                f"workspace {self.shown()} is damaged: {self.POINTER} is not l2l's", hint=_RECREATE
            ) from None

    def _newer_layout(self, name: str, doc: Any) -> WorkspaceError | None:
        """The refusal of a marker or pointer that a newer l2l wrote (a ``layout`` above ours), or None."""
        layout = doc.get("layout") if isinstance(doc, dict) else None
        if not isinstance(layout, int) or isinstance(layout, bool) or layout <= LAYOUT_VERSION:
            return None
        return WorkspaceError(
            f"workspace {self.shown()} was written by a newer l2l ({name} says layout {layout}; this l2l "
            f"({__version__}) reads layout {LAYOUT_VERSION})",
            hint="use the l2l that wrote it, or ingest into another --workspace",
        )

    def _check_layout(self) -> None:
        """Refuse a workspace of another layout: a newer l2l's (whose store this l2l would misread, and then
        overwrite with a generation of its own layout), by its marker or its pointer, or a marker that is some
        other program's. Every reader and writer calls it before it touches the store (a writer that replaces a
        damaged pointer must not replace a newer one)."""
        if (is_file := self._file_error()) is not None:
            raise is_file
        try:
            doc = json.loads(self.marker_path.read_bytes())
        except FileNotFoundError:
            return  # (no workspace: said by the caller)
        except OSError as exc:
            raise WorkspaceError(f"cannot read {self.marker_path}: {exc.strerror or exc}") from None
        except (ValueError, RecursionError):
            doc = None
        if (newer := self._newer_layout(self.MARKER, doc)) is not None:
            raise newer
        with contextlib.suppress(OSError, ValueError, RecursionError):  # (a damaged pointer: said when read)
            if (
                newer := self._newer_layout(self.POINTER, json.loads(self.pointer_path.read_bytes()))
            ) is not None:
                raise newer
        if (
            not isinstance(doc, dict)
            or doc.get("format") != "l2l-workspace"
            or doc.get("layout") != LAYOUT_VERSION
        ):
            said = (
                f"says format {doc.get('format')!r}, layout {doc.get('layout')!r}"
                if isinstance(doc, dict)
                else "is not JSON"
            )
            raise WorkspaceError(
                f"{self.shown()} is not a workspace this l2l ({__version__}) reads: its {self.MARKER} "
                f"{said} (l2l writes format 'l2l-workspace', layout {LAYOUT_VERSION})",
                hint="choose another --workspace (default ./.l2l)",
            )

    def _enclosing(self) -> Path | None:
        """The l2l workspace this path lies inside (a generation's folder, its artifacts, or any folder below
        one), or None."""
        try:
            parents = self.root.resolve().parents
        except (OSError, RuntimeError):
            return None
        return next((p for p in parents if (p / self.MARKER).is_file()), None)

    def _inside_error(self, outer: Path) -> WorkspaceError:
        # a generation's folder looks like a workspace of layout 1 (config.json and runs.parquet), and ingest
        # "re-created" it as that error's hint said: the live workspace around it was destroyed (a probe)
        return WorkspaceError(
            f"{self.shown()} lies inside the l2l workspace {outer}: its folders are that workspace's own",
            hint=f"use the workspace itself: -w {outer}",
        )

    def _file_error(self) -> WorkspaceError | None:
        """The refusal of a workspace path that is a file (a reader said "no workspace" and told to ingest, where
        ingest then refused the file; a file of a workspace was called one of its folders), else None."""
        if not self.root.exists() or self.root.is_dir():
            return None
        outer = self._enclosing()
        return WorkspaceError(
            f"the workspace path {self.shown()} is a file, not a directory"
            + ("" if outer is None else f" (a file of the l2l workspace {outer})"),
            hint="choose another --workspace (default ./.l2l)"
            if outer is None
            else f"use the workspace: -w {outer}",
        )

    def _no_workspace(self) -> WorkspaceError:
        if (is_file := self._file_error()) is not None:
            return is_file
        if not self.marker_path.is_file() and (outer := self._enclosing()) is not None:
            return self._inside_error(outer)
        if not self.marker_path.is_file() and self._is_legacy():
            return WorkspaceError(
                f"workspace {self.shown()} was written by an older l2l (layout 1; this l2l {__version__} "
                f"reads layout {LAYOUT_VERSION})",
                hint=_RECREATE,
            )
        return WorkspaceError(f"no workspace at {self.shown()}", hint="run `l2l ingest FILE` first")

    def _read(self, names: tuple[str, ...], *, previous: bool = False) -> dict[str, bytes | None]:
        """The bytes of ``names`` in the current generation (or the one before), each checked against its
        checksum; None for a file the generation does not have. Starts again when a commit moves the workspace
        while it reads (a reader never sees half of one generation and half of another)."""
        self._check_layout()
        for _attempt in range(8):
            pointer = self._pointer() if self.marker_path.is_file() else None
            if pointer is None:
                raise self._no_workspace()
            gen = pointer.previous if previous else pointer.current
            if gen is None:
                return dict.fromkeys(names)
            try:
                return {n: self._read_file(gen, n, pointer) for n in names}
            except _MovedError:
                continue
        raise WorkspaceError(
            f"workspace {self.shown()} keeps changing while it is read", hint="run the command again"
        )

    def _read_file(self, gen: _Generation, name: str, pointer: _Pointer) -> bytes | None:
        if name not in gen.files:
            return None
        path = self.root / gen.name / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise WorkspaceError(f"cannot read {path}: {exc.strerror or exc}") from None
        if data is not None and _sha(data) == gen.files[name]:
            return data
        if self._pointer() != pointer:
            raise _MovedError
        what = "is missing" if data is None else "does not match its checksum (damaged or edited)"
        raise WorkspaceError(f"workspace {self.shown()} is damaged: {gen.name}/{name} {what}", hint=_RECREATE)

    def config(self) -> dict[str, Any]:
        """The current generation's ``config.json``, checked (WorkspaceError when missing, damaged or unreadable)."""
        data = self._read((self.CONFIG,))[self.CONFIG]
        return self._parse_config(data)

    def _parse_config(self, data: bytes | None) -> dict[str, Any]:
        where = f"workspace {self.shown()}: {self.CONFIG}"
        try:
            config = json.loads(data) if data is not None else None
        except (ValueError, RecursionError):
            raise WorkspaceError(f"{where} is not valid JSON", hint=_RECREATE) from None
        if not isinstance(config, dict):
            raise WorkspaceError(f"{where} is not a JSON object", hint=_RECREATE)
        version = config.get("schema_version")
        if version != schema.WORKSPACE_SCHEMA_VERSION:
            raise WorkspaceError(
                f"workspace {self.shown()} has schema version {version!r}; this l2l ({__version__}) reads "
                f"version {schema.WORKSPACE_SCHEMA_VERSION}",
                hint=_RECREATE,
            )
        _check_config_types(config, where)
        return config

    def load(self) -> Runs:
        """The stored runs; WorkspaceError when there are none or the files are damaged or do not match."""
        files = self._read((self.CONFIG, self.RUNS))
        config = self._parse_config(files[self.CONFIG])
        return self._runs(config, files[self.RUNS])

    def _runs(self, config: dict[str, Any], data: bytes | None) -> Runs:
        try:
            frame = pl.read_parquet(io.BytesIO(data or b""))
        except Exception as exc:  # noqa: BLE001 - any failure to read the store means the same: re-ingest
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WorkspaceError(
                f"cannot read the runs of workspace {self.shown()}: {first}", hint=_RECREATE
            ) from None
        if dict(frame.schema) != _SCHEMA or frame.columns != list(schema.COLUMNS):
            raise WorkspaceError(
                f"the runs of workspace {self.shown()} do not have the canonical columns", hint=_RECREATE
            )
        runs = Runs(
            frame,
            dict(config.get("own_eval", {})),
            tuple(config.get("provenance", ())),
            dict(config.get("own_eval_how", {})),
            # (a workspace written before these facts were carried has none: read as the table named none)
            tokenizers=dict(config.get("tokenizers", {})),
            unique_tokens={k: float(v) for k, v in config.get("unique_tokens", {}).items()},
        )
        if runs.digest != config.get("digest"):
            raise WorkspaceError(
                f"workspace {self.shown()} is inconsistent: its runs do not match its {self.CONFIG}",
                hint=_RECREATE,
            )
        return runs

    def attach_accuracy(self, runs: Runs) -> Runs:
        """``runs`` (this workspace's) with the accuracies committed with them, when there are some."""
        if runs.accuracy is not None:
            return runs
        frame = self.load_accuracy(runs)
        return runs if frame is None else replace(runs, accuracy=frame)

    def attach_checkpoints(self, runs: Runs) -> Runs:
        """``runs`` (this workspace's, with accuracies) with a per-step log's every-checkpoint rows, when it was
        stored with them (``Runs.checkpoints``: an accuracy logged less often than its loss pairs through them)."""
        if runs.accuracy is None or runs.checkpoints is not None:
            return runs
        frame = self.load_checkpoints(runs)
        return runs if frame is None else replace(runs, checkpoints=frame)

    def load_accuracy(self, runs: Runs) -> pl.DataFrame | None:
        """The accuracy rows committed with ``runs`` (the current generation's, or the one before when a commit
        came in between); None when they were stored without any."""
        for previous in (False, True):
            files = self._read((self.CONFIG, self.ACCURACY), previous=previous)
            if files[self.CONFIG] is None:
                break
            if self._parse_config(files[self.CONFIG]).get("digest") == runs.digest:
                return self._accuracy_frame(files[self.ACCURACY])
        raise WorkspaceError(
            f"the accuracies in {self.shown()} were stored with other runs (the workspace changed meanwhile)",
            hint="run the command again",
        )

    def load_checkpoints(self, runs: Runs) -> pl.DataFrame | None:
        """Every checkpoint of a per-step log with accuracies committed with ``runs`` (``Runs.checkpoints``); None
        when there are none."""
        for previous in (False, True):
            files = self._read((self.CONFIG, self.CHECKPOINTS), previous=previous)
            if files[self.CONFIG] is None:
                break
            if self._parse_config(files[self.CONFIG]).get("digest") == runs.digest:
                return self._checkpoint_frame(files[self.CHECKPOINTS])
        raise WorkspaceError(
            f"the checkpoints in {self.shown()} were stored with other runs (the workspace changed meanwhile)",
            hint="run the command again",
        )

    def _checkpoint_frame(self, data: bytes | None) -> pl.DataFrame | None:
        return self._stored_frame(
            data, "checkpoints", lambda f: tuple(f.columns) == schema.CHECKPOINT_COLUMNS, "checkpoint"
        )

    def _accuracy_frame(self, data: bytes | None) -> pl.DataFrame | None:
        return self._stored_frame(data, "accuracies", has_accuracy_columns, "accuracy")

    def _stored_frame(
        self, data: bytes | None, what: str, valid: Callable[[pl.DataFrame], bool], columns: str
    ) -> pl.DataFrame | None:
        """A parquet file of the store (None when absent); unreadable or without its columns: re-ingest."""
        if data is None:
            return None
        try:
            frame = pl.read_parquet(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - any failure to read the store means the same: re-ingest
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WorkspaceError(
                f"cannot read the {what} of {self.shown()}: {first}", hint=_RECREATE
            ) from None
        if not valid(frame):
            raise WorkspaceError(
                f"the {what} of {self.shown()} do not have the {columns} columns", hint=_RECREATE
            )
        return frame

    def column_mapping(self) -> dict[str, str]:
        """The column mapping stored by the last ingest (canonical name → input column; empty when none)."""
        return dict(self.config().get("column_mapping", {}))

    def perplexity(self) -> bool:
        """Whether the workspace's runs were ingested with ``--perplexity`` (stored for ``--append``, as the column
        mapping is: an appended perplexity table is read the same way)."""
        return self.config().get("perplexity") is True

    # ---- writing ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, *, purpose: str = "write", on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the writers' lock of this workspace (which must exist or be claimed first). ``on_wait`` is told
        once when another writer holds it; after ``$L2L_LOCK_TIMEOUT`` seconds (default 600; 30 at most for a
        cache, which is only worth a short wait) a WorkspaceError says who holds it."""
        timeout = LIMITS["lock_timeout"].value()
        if purpose == "cache":
            timeout = min(timeout, 30.0)
        if not self.marker_path.is_file():
            raise self._no_workspace()
        self._check_layout()
        with exclusive_lock(
            self.root / self.LOCK,
            what=f"workspace {self.shown()}",
            timeout=timeout,
            on_wait=on_wait,
            env=LIMITS["lock_timeout"].env,
        ):
            yield

    def _claim(self) -> bool:
        """Make sure ``root`` is a workspace, or may become one (new, or an empty directory); True when it was
        created now. Refuses any other directory before anything is written into it."""
        root = self.root
        if (is_file := self._file_error()) is not None:
            raise is_file
        if not self.marker_path.is_file() and (outer := self._enclosing()) is not None:
            raise self._inside_error(outer)
        created = False
        if root.is_dir():
            if not self.marker_path.is_file() and not self._is_legacy():
                try:
                    entries = sorted(p.name for p in root.iterdir() if not _own_leftover(p.name))
                except OSError as exc:
                    raise WorkspaceError(f"cannot list {self.shown()}: {exc.strerror or exc}") from None
                if entries:
                    held = ", ".join(entries[:3]) + (
                        f" and {len(entries) - 3} more" if len(entries) > 3 else ""
                    )
                    raise WorkspaceError(
                        f"{self.shown()} is not an l2l workspace and not empty (it holds {held}); l2l makes a "
                        "workspace only in a new or empty directory",
                        hint="choose another --workspace (default ./.l2l)",
                    )
        else:
            try:
                root.mkdir(parents=True)
                created = True
            except FileExistsError:
                pass  # another writer made it just now
            except OSError as exc:
                raise WorkspaceError(
                    f"cannot create the workspace {self.shown()}: {exc.strerror or exc}"
                ) from None
        if not self.marker_path.is_file():
            try:
                atomic_write(self.marker_path, _MARKER_BYTES)
            except OSError as exc:
                if created:
                    shutil.rmtree(root, ignore_errors=True)
                raise WorkspaceError(
                    f"cannot write the workspace {self.shown()}: {exc.strerror or exc}"
                ) from None
        return created

    def save(
        self,
        runs: Runs,
        *,
        append: bool = False,
        strict: bool = False,
        column_mapping: Mapping[str, str] | None = None,
        on_wait: Callable[[str], None] | None = None,
        on_replace: Callable[[int, Sequence[str], Sequence[str]], None] | None = None,
        on_join: Callable[[AccuracyJoin], None] | None = None,
        perplexity: bool | None = None,
    ) -> Runs:
        """Store ``runs`` and their accuracies (``runs.accuracy``) in ONE commit, replacing what is there or,
        with ``append``, merged into it; return what is stored (with its accuracies). ``on_replace`` is told, under
        the lock, the runs, datasets and evals a replacing save replaced (a concurrent ingest's, too); ``on_join``
        how the accuracies stored were joined to the losses stored (``join_accuracy``: rows at a run within the
        rounding of sizes written to 3 significant digits moved onto it, rows at none counted).

        Takes the writers' lock (``on_wait`` is told when it has to wait), re-reads what is stored, writes a new
        generation and commits it with one rename. Appending averages rows that repeat stored ones (weighted by
        ``n_repeats``); with ``strict`` such rows are an InputError instead. ``column_mapping`` (canonical name →
        input column) is stored for later appends; None keeps the stored one when appending; so is ``perplexity``
        (``ingest --perplexity``). A refused save leaves every stored byte as it was.
        """
        if runs.frame.columns != list(schema.COLUMNS) or dict(runs.frame.schema) != _SCHEMA:
            raise ValueError(f"not a canonical run table: {dict(runs.frame.schema)}")
        created = self._claim()
        try:
            with self.lock(on_wait=on_wait):
                return self._save_locked(
                    runs,
                    append=append,
                    strict=strict,
                    column_mapping=column_mapping,
                    on_replace=on_replace,
                    on_join=on_join,
                    perplexity=perplexity,
                )
        except BaseException:
            if created and not self.pointer_path.exists():
                shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _save_locked(
        self,
        runs: Runs,
        *,
        append: bool,
        strict: bool,
        column_mapping: Mapping[str, str] | None,
        on_replace: Callable[[int, Sequence[str], Sequence[str]], None] | None = None,
        on_join: Callable[[AccuracyJoin], None] | None = None,
        perplexity: bool | None = None,
    ) -> Runs:
        try:
            pointer = self._pointer()
        except WorkspaceError:
            if append:
                raise
            pointer = None  # replacing everything: a damaged commit is replaced too (as its hint says)
        self._clean(pointer)
        accuracy, every = runs.accuracy, runs.checkpoints
        if append and pointer is not None:
            files = self._read((self.CONFIG, self.RUNS, self.ACCURACY, self.CHECKPOINTS))
            config = self._parse_config(files[self.CONFIG])
            stored = self._runs(config, files[self.RUNS])
            if column_mapping is None:
                column_mapping = dict(config.get("column_mapping", {}))
            if perplexity is None:
                perplexity = config.get("perplexity") is True
            runs = _merge(stored, runs, strict=strict)
            accuracy = merge_accuracy(self._accuracy_frame(files[self.ACCURACY]), accuracy)
            old = self._checkpoint_frame(files[self.CHECKPOINTS])
            every = old if every is None else every if old is None else pl.concat([old, every])
        elif pointer is not None and on_replace is not None:
            config = self._parse_config(self._read((self.CONFIG,))[self.CONFIG])
            on_replace(
                int(config.get("runs", 0)),
                [str(d) for d in config.get("datasets", [])],
                [str(e) for e in config.get("evals", [])],
            )
        if accuracy is not None:  # losses and accuracies together, whichever came first
            join = join_accuracy(runs.frame, accuracy, checkpoints=every)
            accuracy = join.frame
            if on_join is not None:
                on_join(join)
        runs = replace(runs, accuracy=accuracy, checkpoints=every)
        self._commit(
            pointer, _generation_files(runs, dict(column_mapping or {}), perplexity=bool(perplexity))
        )
        return runs

    def _commit(self, pointer: _Pointer | None, files: dict[str, bytes]) -> None:
        """Write ``files`` as a new generation, then make it current with one rename of ``current.json``."""
        numbers = [int(m.group(1)) for p in self._entries() if (m := _GENERATION.match(p.name))]
        if pointer is not None:
            numbers.append(int(pointer.current.name[4:]))
        name = f"gen-{max(numbers, default=0) + 1:06d}"
        gen_dir = self.root / name
        new = _Pointer(
            _Generation(name, {f: _sha(d) for f, d in files.items()}),
            None if pointer is None else pointer.current,
        )
        committed = False
        try:
            gen_dir.mkdir()
            for fname, data in files.items():
                with (gen_dir / fname).open("xb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            fsync_dir(gen_dir)
            tmp = write_temp(self.pointer_path, new.to_bytes())
            try:
                replace_file(tmp, self.pointer_path)  # the commit
                committed = True
            finally:
                tmp.unlink(missing_ok=True)
        except BaseException as exc:
            if committed:  # (only an interrupt can come this late)
                raise
            # an error or Ctrl-C before the commit: the new generation goes, the old one stays
            shutil.rmtree(gen_dir, ignore_errors=True)
            if isinstance(exc, OSError):
                raise WorkspaceError(
                    f"cannot write the workspace {self.shown()}: {exc.strerror or exc}"
                ) from None
            raise
        fsync_dir(self.root)
        self._clean(new)
        self._drop_legacy()

    def _entries(self) -> list[Path]:
        try:
            return list(self.root.iterdir())
        except OSError:
            return []

    def _clean(self, pointer: _Pointer | None) -> None:
        """Remove what no commit names: generations other than the current and the one before (a killed
        writer's half generation among them) and temporary files. Only ever called with the lock held."""
        keep = (
            set()
            if pointer is None
            else {pointer.current.name} | ({pointer.previous.name} if pointer.previous else set())
        )
        for p in self._entries():
            if _GENERATION.match(p.name) and p.name not in keep and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            elif p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX):
                p.unlink(missing_ok=True)
        artifacts = self.root / self.ARTIFACTS
        if artifacts.is_dir():
            for p in artifacts.iterdir():
                if p.name.startswith(".") and p.name.endswith(TEMP_SUFFIX):
                    p.unlink(missing_ok=True)

    def _drop_legacy(self) -> None:
        """After the first commit into a workspace of layout 1: its files, now replaced by the generation."""
        if not self._is_legacy():
            return
        for name in (
            self.CONFIG,
            self.RUNS,
            ACCURACY_FILE,
            f".{self.RUNS}.bak",
            f"{self.ARTIFACTS}/accuracy.json",
        ):
            (self.root / name).unlink(missing_ok=True)

    # ---- artifacts --------------------------------------------------------------------------------

    def _artifact_path(self, name: str, suffix: str = ".json") -> Path:
        if not _ARTIFACT_NAME.match(name):
            raise ValueError(f"bad artifact name {name!r}: use letters, digits, '_', '-', '.'")
        return self.root / self.ARTIFACTS / f"{name}{suffix}"

    def check_writable(self, what: str) -> None:
        """Refuse, before any work, a workspace whose artifacts could not be written at the end of it (``what``
        was asked for: ``fit-law --save``'s fits); the write itself still reports what the file system says."""
        if not self.exists():
            raise self._no_workspace()
        if (reason := unwritable(self._artifact_path(FITS_ARTIFACT))) is not None:
            raise WorkspaceError(
                f"cannot keep {what} in the workspace {self.shown()}: {reason}",
                hint="make the folder writable, or leave out the option that keeps them",
                param="save",
            )

    def write_artifact_bytes(self, name: str, suffix: str, data: bytes, *, locked: bool = False) -> None:
        """Store ``data`` as the artifact ``name + suffix`` (atomically, under the writers' lock unless ``locked``
        says the caller holds it), for an artifact that is not one JSON document (``caches.save_answer``)."""
        path = self._artifact_path(name, suffix)
        if not locked:
            with self.lock(purpose="cache"):
                self.write_artifact_bytes(name, suffix, data, locked=True)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            raise WorkspaceError(f"cannot write {path}: {exc.strerror or exc}") from None

    def read_artifact_bytes(self, name: str, suffix: str) -> bytes | None:
        """The bytes of the artifact ``name + suffix``, or None when there is none."""
        path = self._artifact_path(name, suffix)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise WorkspaceError(f"cannot read {path}: {exc.strerror or exc}") from None

    def artifacts(self, suffix: str) -> list[Path]:
        """The artifacts whose file names end in ``suffix``, oldest first (by the time they were written)."""
        folder = self.root / self.ARTIFACTS
        try:
            found = [p for p in folder.iterdir() if p.name.endswith(suffix) and not p.name.startswith(".")]
        except OSError:
            return []
        stamped = []
        for p in found:
            with contextlib.suppress(OSError):
                stamped.append((p.stat().st_mtime_ns, p.name, p))
        return [p for _, _, p in sorted(stamped)]


def _own_leftover(name: str) -> bool:
    """Files l2l may have left in a directory it was about to make a workspace of (so it still counts as empty)."""
    return name == Workspace.LOCK or (name.startswith(f".{Workspace.MARKER}.") and name.endswith(TEMP_SUFFIX))


_STR_MAPS = ("own_eval", "own_eval_how", "column_mapping", "tokenizers")


def _check_config_types(config: dict[str, Any], where: str) -> None:
    """Every field of a config has the type l2l wrote it with (a damaged file is a WorkspaceError, not a crash)."""
    problem = None
    if not isinstance(config.get("digest"), str):
        problem = "'digest' is not text"
    for key in _STR_MAPS:
        value = config.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            problem = f"{key!r} is not an object of names"
    unique = config.get("unique_tokens", {})
    if not isinstance(unique, dict) or not all(
        isinstance(k, str)
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
        and v > 0
        for k, v in unique.items()
    ):
        problem = "'unique_tokens' is not an object of positive numbers"
    if not isinstance(config.get("perplexity", False), bool):
        problem = "'perplexity' is not true or false"
    prov = config.get("provenance", [])
    if not isinstance(prov, list) or not all(isinstance(p, dict) for p in prov):
        problem = "'provenance' is not a list of objects"
    if problem:
        raise WorkspaceError(f"{where}: {problem}", hint=_RECREATE)


def _generation_files(
    runs: Runs, column_mapping: dict[str, str], *, perplexity: bool = False
) -> dict[str, bytes]:
    """The files of one generation: the runs, their accuracies (when there are some) and the config (with the
    ingest options an ``--append`` reuses: the column mapping, ``--perplexity``)."""
    config = {
        "schema_version": schema.WORKSPACE_SCHEMA_VERSION,
        "l2l_version": __version__,
        "digest": runs.digest,
        "rows": runs.frame.height,
        "runs": runs.n_runs,
        "datasets": runs.datasets,
        "evals": runs.evals,
        "own_eval": runs.own_eval,
        "own_eval_how": runs.own_eval_how,
        "tokenizers": runs.tokenizers,
        "unique_tokens": runs.unique_tokens,
        "column_mapping": column_mapping,
        "perplexity": perplexity,
        "provenance": list(runs.provenance),
        "accuracy_rows": None if runs.accuracy is None else runs.accuracy.height,
        "checkpoint_rows": None if runs.checkpoints is None else runs.checkpoints.height,
        "saved_at": utc_now(),
    }
    buf = io.BytesIO()
    runs.frame.write_parquet(buf)
    files = {Workspace.RUNS: buf.getvalue()}
    if runs.accuracy is not None:
        acc = io.BytesIO()
        runs.accuracy.write_parquet(acc)
        files[Workspace.ACCURACY] = acc.getvalue()
    if runs.checkpoints is not None:
        every = io.BytesIO()
        runs.checkpoints.write_parquet(every)
        files[Workspace.CHECKPOINTS] = every.getvalue()
    files[Workspace.CONFIG] = (json.dumps(config, indent=2, allow_nan=False) + "\n").encode()
    return files


def _merge(stored: Runs, added: Runs, *, strict: bool) -> Runs:
    path = str(added.provenance[0]["path"]) if added.provenance else None
    changed = {
        ds: (stored.tokenizers[ds], tok)
        for ds, tok in added.tokenizers.items()
        if ds in stored.tokenizers and stored.tokenizers[ds] != tok
    }
    if changed:  # another model of the data: its repeats were averaged with the stored ones (probe p66 NEW-D)
        ds, (was, now) = next(iter(changed.items()))
        raise InputError(
            f"dataset {ds!r}: the runs appended use {now}, the workspace's {was}: models of another tokenizer, "
            "whose per-token losses are in another unit (repeats would be averaged across them)",
            path=path,
            hint="give the appended runs a dataset name of their own, or ingest them into another --workspace",
        )
    both = pl.concat([stored.frame, added.frame], how="vertical")
    if strict:
        dup = added.frame.join(stored.frame, on=REPEAT_KEY, how="semi", nulls_equal=True)
        if dup.height:
            r = dup.row(0, named=True)
            raise InputError(
                f"repeated measurement: dataset {r['dataset']!r}, N={fmt_sig(r['N'])}, D={fmt_sig(r['D'])}, "
                f"eval {r['eval']!r} is already in the workspace "
                f"({_plural(dup.height, 'row')} repeat stored ones)",
                path=str(added.provenance[0]["path"]) if added.provenance else None,
                hint="unless reading strictly, repeats are averaged",
                param="strict",
            )
    # on every row: averaging a repeat keeps the stored C and would hide an appended C in other units
    check_compute_units(both, str(added.provenance[0]["path"]) if added.provenance else None)
    frame = _canonical(_average(both))
    provenance = [*stored.provenance, *added.provenance]
    if added.provenance:  # what only the two tables together show (a file's losses in another unit)
        said = {n for p in provenance for n in p.get("decisions", [])}
        new = [
            n
            for n in [*appended_repeat_notes(stored.frame, added.frame), *unit_notes(frame)]
            if n not in said
        ]
        if new:
            last = dict(provenance[-1])
            last["decisions"] = [*last.get("decisions", []), *new]
            provenance[-1] = last
    explicit = {ds: ev for ds, ev in added.own_eval.items() if added.own_eval_how.get(ds) == "explicit"}
    pinned = {
        ds: (ev, stored.own_eval_how.get(ds, "detected"))
        for ds, ev in stored.own_eval.items()
        if stored.own_eval_how.get(ds) in ("explicit", "workspace")
    }
    own, how, _ = _resolve_own(frame, explicit, pinned)
    # the facts of each dataset from the table that last gave them
    return Runs(
        frame,
        own,
        tuple(provenance),
        how,
        tokenizers={**stored.tokenizers, **added.tokenizers},
        unique_tokens={**stored.unique_tokens, **added.unique_tokens},
    )


# ----------------------------------------------------------------------------------------------------
# Law files (``fit-law --save laws.json``, ``predict --law laws.json``)
# ----------------------------------------------------------------------------------------------------


def write_law_file(path: Path, doc: dict[str, Any]) -> None:
    """Write a law-file document (``lawfile.law_file_dict``) to ``path`` atomically, making its directory as a
    figure's is made (``--save out/laws.json`` used to fail where ``--plot out/law.png`` succeeded)."""
    data = (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except OSError as exc:
        raise OutputError(f"cannot write the law file {path}: {exc.strerror or exc}") from None


def read_law_file(path: Path) -> Any:
    """The parsed JSON of a law file (checked by ``lawfile.law_file_from_dict``); InputError naming the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # (a BOM, as some editors save, is no error)
    except FileNotFoundError:
        raise InputError("no such law file", path=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a law file", path=str(path)) from None
    except OSError as exc:  # ("cannot read the law file: [Errno 13] Permission denied: 'laws.json'": h54)
        raise InputError(f"cannot read the law file ({exc.strerror or exc})", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read the law file: {exc}", path=str(path)) from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({exc})", path=str(path)) from None
