"""The accuracy rows of a workspace: committed with its losses in one generation (``accuracy.parquet`` beside
``runs.parquet``, ``Workspace.save``), so accuracies are never served with other runs."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

import polars as pl

from l2l.base.schema import ACCURACY_COLUMNS

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.io.workspace import Workspace

__all__ = ["ACCURACY_FILE", "attach_accuracy", "merge_accuracy"]


ACCURACY_FILE: Final = "accuracy.parquet"


def merge_accuracy(old: pl.DataFrame | None, new: pl.DataFrame | None) -> pl.DataFrame | None:
    """Stored accuracy rows with new ones added (repeats of one measurement averaged, weighted by n_repeats)."""
    if old is None or new is None:
        return new if new is not None else old
    both = pl.concat([old, new], how="vertical")
    w = pl.col("n_repeats")
    merged = both.group_by(["dataset", "N", "D", "eval", "split", "run_id"], maintain_order=True).agg(
        pl.col("C").first(),
        ((pl.col("accuracy") * w).sum() / w.sum()).alias("accuracy"),
        pl.col("chance").drop_nulls().last(),
        w.sum(),
    )
    return merged.select(ACCURACY_COLUMNS).sort(["dataset", "eval", "N", "D"])


def has_accuracy_columns(frame: pl.DataFrame) -> bool:
    return tuple(frame.columns) == ACCURACY_COLUMNS


def attach_accuracy(runs: Runs, workspace: Workspace) -> Runs:
    """``runs`` (the workspace's) with the accuracies committed with them, when there are some."""
    if runs.accuracy is not None:
        return runs
    frame = workspace.load_accuracy(runs)
    return runs if frame is None else replace(runs, accuracy=frame)
