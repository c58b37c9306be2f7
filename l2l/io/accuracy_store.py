"""The accuracy rows of a workspace: stored beside its losses (``accuracy.parquet``) with a stamp naming the runs
they belong to, so accuracies are never served with other runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl

from l2l.base.errors import WorkspaceError
from l2l.base.schema import ACCURACY_COLUMNS

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.io.workspace import Workspace

__all__ = ["ACCURACY_FILE", "attach_accuracy", "save_accuracy"]


ACCURACY_FILE: Final = "accuracy.parquet"
_STAMP: Final = "accuracy"


def save_accuracy(workspace: Workspace, stored: Runs, added: Runs, *, append: bool) -> Runs:
    """Store the accuracy rows beside the workspace's losses (merged with the stored ones when appending; removed
    when replacing with a table that has none); returns ``stored`` with its accuracy table."""
    from l2l.io.atomic import atomic_write

    path = workspace.root / ACCURACY_FILE
    old = _read_accuracy_file(path) if append else None
    new = added.accuracy
    if old is not None and new is not None:
        both = pl.concat([old, new], how="vertical")
        w = pl.col("n_repeats")
        merged = both.group_by(["dataset", "N", "D", "eval", "split"], maintain_order=True).agg(
            pl.col("C").first(),
            ((pl.col("accuracy") * w).sum() / w.sum()).alias("accuracy"),
            pl.col("chance").drop_nulls().last(),
            pl.col("run_id").first(),
            w.sum(),
        )
        table: pl.DataFrame | None = merged.select(ACCURACY_COLUMNS).sort(["dataset", "eval", "N", "D"])
    else:
        table = new if new is not None else old
    if table is None:
        path.unlink(missing_ok=True)
        return stored
    import io

    buf = io.BytesIO()
    table.write_parquet(buf)
    try:
        atomic_write(path, buf.getvalue())
    except OSError as exc:
        raise WorkspaceError(f"cannot write {path}: {exc}") from None
    workspace.write_artifact(_STAMP, {"runs_digest": stored.digest, "rows": table.height})
    return replace(stored, accuracy=table)


def _read_accuracy_file(path: Path) -> pl.DataFrame | None:
    if not path.is_file():
        return None
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any failure to read the store means the same: re-ingest
        raise WorkspaceError(
            f"cannot read {path}: {exc}", hint="re-create the workspace with `l2l ingest FILE`"
        ) from None
    if tuple(frame.columns) != ACCURACY_COLUMNS:
        raise WorkspaceError(
            f"{path} does not have the accuracy columns",
            hint="re-create the workspace with `l2l ingest FILE`",
        )
    return frame


def attach_accuracy(runs: Runs, workspace: Workspace) -> Runs:
    """``runs`` (the workspace's) with the accuracies stored beside them, when there are some and they belong to
    these runs."""
    if runs.accuracy is not None:
        return runs
    frame = _read_accuracy_file(workspace.root / ACCURACY_FILE)
    if frame is None:
        return runs
    stamp = workspace.read_artifact(_STAMP) or {}
    if stamp.get("runs_digest") != runs.digest:
        raise WorkspaceError(
            f"the accuracies in {workspace.root} were stored with other runs",
            hint="re-create the workspace with `l2l ingest FILE`",
        )
    return replace(runs, accuracy=frame)
