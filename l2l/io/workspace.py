"""The workspace store: ingested runs (``runs.parquet`` + ``config.json``), saved fits and other artifacts, and the
ONE atomic writer every file l2l writes goes through (``atomic_write``).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, WorkspaceError
from l2l.base.runs import REPEAT_KEY, Runs
from l2l.base.text import fmt_sig, utc_now
from l2l.base.text import plural as _plural
from l2l.base.version import __version__
from l2l.io.atomic import atomic_write, replace_file, write_temp
from l2l.io.tables import _SCHEMA, _average, _canonical, _resolve_own, read_runs

if TYPE_CHECKING:
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache

__all__ = [
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

_ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def load_runs(table: Path | None, workspace: Workspace, **read_kwargs: Any) -> Runs:
    """The runs a command works on: ``table`` read in memory when given, else the workspace's.

    For a table, own evals not given explicitly are taken from the workspace's mapping where the dataset and
    eval exist in the table, and detected otherwise.
    """
    if table is None:
        return workspace.load()
    runs = read_runs([table], **read_kwargs)
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
    return Runs(runs.frame, own, runs.provenance, how, accuracy=runs.accuracy)


# ----------------------------------------------------------------------------------------------------
# Workspace
# ----------------------------------------------------------------------------------------------------


def _commit_pair(first: tuple[Path, bytes], second: tuple[Path, bytes]) -> None:
    """Replace two files so that either both change or, on an error, neither does.

    Both temporary files are written before anything is renamed; if the second rename fails, the first file
    is put back from a hard link made beforehand. (A crash between the two renames leaves a workspace whose
    digest check fails on load, with a hint to re-ingest.)
    """
    (p1, d1), (p2, d2) = first, second
    tmp1 = write_temp(p1, d1)
    tmp2: Path | None = None
    backup: Path | None = None
    try:
        tmp2 = write_temp(p2, d2)
        if p1.exists():
            backup = p1.with_name(f".{p1.name}.bak")
            backup.unlink(missing_ok=True)
            try:
                os.link(p1, backup)
            except OSError:
                backup.write_bytes(p1.read_bytes())
        replace_file(tmp1, p1)
        try:
            replace_file(tmp2, p2)
        except BaseException:
            if backup is not None:
                replace_file(backup, p1)
            else:
                p1.unlink(missing_ok=True)
            raise
    finally:
        for leftover in (tmp1, tmp2, backup):
            if leftover is not None:
                leftover.unlink(missing_ok=True)


class Workspace:
    """A directory holding ingested runs (``runs.parquet``), metadata (``config.json``) and artifacts."""

    RUNS = "runs.parquet"
    CONFIG = "config.json"
    ARTIFACTS = "artifacts"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    @classmethod
    def locate(cls, option: Path | str | None = None) -> Workspace:
        """``option`` if given, else ``$L2L_WORKSPACE``, else ``./.l2l``."""
        if option is not None:
            return cls(option)
        env = os.environ.get("L2L_WORKSPACE")
        return cls(env if env else Path.cwd() / ".l2l")

    @property
    def runs_path(self) -> Path:
        return self.root / self.RUNS

    @property
    def config_path(self) -> Path:
        return self.root / self.CONFIG

    def exists(self) -> bool:
        return self.config_path.is_file() and self.runs_path.is_file()

    def config(self) -> dict[str, Any]:
        """The parsed ``config.json`` (WorkspaceError when missing or unreadable)."""
        if not self.exists():
            raise WorkspaceError(f"no workspace at {self.root}", hint="run `l2l ingest FILE` first")
        try:
            config = json.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WorkspaceError(
                f"cannot read {self.config_path}: {exc}",
                hint="re-create the workspace with `l2l ingest FILE`",
            ) from None
        if not isinstance(config, dict):
            raise WorkspaceError(
                f"{self.config_path} is not a JSON object",
                hint="re-create the workspace with `l2l ingest FILE`",
            )
        version = config.get("schema_version")
        if version != schema.WORKSPACE_SCHEMA_VERSION:
            raise WorkspaceError(
                f"workspace {self.root} has schema version {version}; this l2l ({__version__}) reads version "
                f"{schema.WORKSPACE_SCHEMA_VERSION}",
                hint="re-create the workspace with `l2l ingest FILE`",
            )
        return config

    def load(self) -> Runs:
        """The stored runs; WorkspaceError when there are none or the files do not match each other."""
        config = self.config()
        try:
            frame = pl.read_parquet(self.runs_path)
        except Exception as exc:  # noqa: BLE001 - any failure to read the store means the same: re-ingest
            raise WorkspaceError(
                f"cannot read {self.runs_path}: {exc}", hint="re-create the workspace with `l2l ingest FILE`"
            ) from None
        if dict(frame.schema) != _SCHEMA or frame.columns != list(schema.COLUMNS):
            raise WorkspaceError(
                f"{self.runs_path} does not have the canonical columns",
                hint="re-create the workspace with `l2l ingest FILE`",
            )
        runs = Runs(
            frame,
            dict(config.get("own_eval", {})),
            tuple(config.get("provenance", ())),
            dict(config.get("own_eval_how", {})),
        )
        if runs.digest != config.get("digest"):
            raise WorkspaceError(
                f"workspace {self.root} is inconsistent: {self.RUNS} does not match {self.CONFIG}",
                hint="re-create the workspace with `l2l ingest FILE`",
            )
        return runs

    def column_mapping(self) -> dict[str, str]:
        """The column mapping stored by the last ingest (canonical name → input column; empty when none)."""
        mapping = self.config().get("column_mapping", {})
        return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}

    def save(
        self,
        runs: Runs,
        *,
        append: bool = False,
        strict: bool = False,
        column_mapping: dict[str, str] | None = None,
    ) -> Runs:
        """Store ``runs`` (replacing what is there, or with ``append`` merged into it); return what is stored.

        Appending averages rows that repeat stored ones (weighted by ``n_repeats``); with ``strict`` such rows
        are an InputError instead. ``column_mapping`` (canonical name → input column) is stored for later
        appends; None keeps the stored one when appending. Nothing on disk changes unless everything is ready
        to be written.
        """
        if column_mapping is None:
            column_mapping = self.column_mapping() if append and self.exists() else {}
        if runs.frame.columns != list(schema.COLUMNS) or dict(runs.frame.schema) != _SCHEMA:
            raise ValueError(f"not a canonical run table: {dict(runs.frame.schema)}")
        if append and self.exists():
            stored = self.load()
            runs = _merge(stored, runs, strict=strict)
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(f"workspace path {self.root} exists and is not a directory")
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
            "column_mapping": dict(column_mapping),
            "provenance": list(runs.provenance),
            "saved_at": utc_now(),
        }
        buf = io.BytesIO()
        runs.frame.write_parquet(buf)
        config_bytes = (json.dumps(config, indent=2, allow_nan=False) + "\n").encode()
        created = not self.root.exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _commit_pair((self.runs_path, buf.getvalue()), (self.config_path, config_bytes))
        except OSError as exc:
            if created and self.root.is_dir() and not any(self.root.iterdir()):
                self.root.rmdir()
            raise WorkspaceError(f"cannot write the workspace {self.root}: {exc}") from None
        return runs

    def _artifact_path(self, name: str) -> Path:
        if not _ARTIFACT_NAME.match(name):
            raise ValueError(f"bad artifact name {name!r}: use letters, digits, '_', '-', '.'")
        return self.root / self.ARTIFACTS / f"{name}.json"

    def write_artifact(self, name: str, payload: dict[str, Any]) -> None:
        """Store ``payload`` as JSON under ``name`` (atomically; NaN/inf are refused)."""
        path = self._artifact_path(name)
        data = (json.dumps(payload, indent=2, allow_nan=False) + "\n").encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as exc:
            raise WorkspaceError(f"cannot write {path}: {exc}") from None

    def read_artifact(self, name: str) -> dict[str, Any] | None:
        """The payload stored under ``name``, or None when there is none."""
        path = self._artifact_path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"cannot read {path}: {exc}") from None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WorkspaceError(f"{path} is not valid JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise WorkspaceError(f"{path} is not a JSON object")
        return payload


def _merge(stored: Runs, added: Runs, *, strict: bool) -> Runs:
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
    frame = _canonical(_average(both))
    explicit = {ds: ev for ds, ev in added.own_eval.items() if added.own_eval_how.get(ds) == "explicit"}
    pinned = {
        ds: (ev, stored.own_eval_how.get(ds, "detected"))
        for ds, ev in stored.own_eval.items()
        if stored.own_eval_how.get(ds) in ("explicit", "workspace")
    }
    own, how, _ = _resolve_own(frame, explicit, pinned)
    return Runs(frame, own, (*stored.provenance, *added.provenance), how)


# ----------------------------------------------------------------------------------------------------
# Saved fits
# ----------------------------------------------------------------------------------------------------

FITS_ARTIFACT = "fits"
FITS_VERSION = 2  # records keyed by fit.data_key


def saved_fits(workspace: Workspace | None) -> FitCache:
    """Fits saved in the workspace (``fit-law --save``) as a FitCache; an empty one when there are none."""
    from l2l.core.fit import FitCache

    if workspace is None or not workspace.exists():
        return FitCache()
    art = workspace.read_artifact(FITS_ARTIFACT) or {}
    if art.get("version") != FITS_VERSION:
        return FitCache()
    return FitCache.from_records(art.get("fits", {}))


def save_fits(workspace: Workspace, cache: FitCache) -> int:
    """Add every fit of ``cache`` to the workspace's saved fits; returns how many are saved now."""
    art = workspace.read_artifact(FITS_ARTIFACT) or {}
    fits = art.get("fits", {}) if art.get("version") == FITS_VERSION else {}
    fits.update(cache.records())
    workspace.write_artifact(FITS_ARTIFACT, {"version": FITS_VERSION, "fits": fits})
    return len(fits)


# ----------------------------------------------------------------------------------------------------
# Law files (``fit-law --save laws.json``, ``predict --law laws.json``)
# ----------------------------------------------------------------------------------------------------


def write_law_file(path: Path, doc: dict[str, Any]) -> None:
    """Write a law-file document (``lawfile.law_file_dict``) to ``path`` atomically."""
    data = (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode()
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise WorkspaceError(f"cannot write {path}: {exc}") from None


def read_law_file(path: Path) -> Any:
    """The parsed JSON of a law file (checked by ``lawfile.law_file_from_dict``); InputError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such law file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the law file: {exc}", path=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc})", path=str(path)) from None


# ----------------------------------------------------------------------------------------------------
# Saved calibrations (error models of l2l.core.calibrate, keyed by calibration_key: a cache, kept automatically)
# ----------------------------------------------------------------------------------------------------

CALIBRATIONS_ARTIFACT = "calibrations"
CALIBRATIONS_VERSION = 1
MAX_CALIBRATIONS = 16  # the most recent ones: each is a few hundred kB of conformal scores


def saved_calibrations(workspace: Workspace | None) -> CalibrationCache:
    """Calibrations saved in the workspace (an empty cache when there are none or they are of another version)."""
    from l2l.core.calibrate import CalibrationCache

    if workspace is None or not workspace.exists():
        return CalibrationCache()
    art = workspace.read_artifact(CALIBRATIONS_ARTIFACT) or {}
    if art.get("version") != CALIBRATIONS_VERSION:
        return CalibrationCache()
    try:
        return CalibrationCache.from_records(art.get("calibrations", {}))
    except (KeyError, TypeError, ValueError):
        return CalibrationCache()  # a stale or damaged cache is recomputed, never trusted


def save_calibrations(workspace: Workspace, cache: CalibrationCache) -> int:
    """Add the calibrations of ``cache`` to the workspace's (keeping the newest ``MAX_CALIBRATIONS``)."""
    art = workspace.read_artifact(CALIBRATIONS_ARTIFACT) or {}
    stored = art.get("calibrations", {}) if art.get("version") == CALIBRATIONS_VERSION else {}
    for key, rec in cache.records().items():
        stored.pop(key, None)
        stored[key] = rec
    kept = dict(list(stored.items())[-MAX_CALIBRATIONS:])
    workspace.write_artifact(CALIBRATIONS_ARTIFACT, {"version": CALIBRATIONS_VERSION, "calibrations": kept})
    return len(kept)
