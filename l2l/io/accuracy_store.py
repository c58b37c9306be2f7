"""The accuracy rows of a workspace: committed with its losses in one generation (``accuracy.parquet`` beside
``runs.parquet``, ``Workspace.save``), so accuracies are never served with other runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import polars as pl

from l2l.base.schema import ACCURACY_COLUMNS, synth_run_id
from l2l.base.text import plural
from l2l.core.sweep import ROUNDED_RTOL, near_configs

if TYPE_CHECKING:
    pass

__all__ = ["ACCURACY_FILE", "AccuracyJoin", "join_accuracy", "merge_accuracy"]


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


# ---------------------------------------------------------------------------------------------------------------
# Accuracy rows joined to their loss runs
# ---------------------------------------------------------------------------------------------------------------

#: What every join of accuracy rows to loss rows matches on (``l2l.workflows.accuracy``: fits, held-out runs).
CONFIG_KEY: Final = ("dataset", "N", "D", "split")


@dataclass(frozen=True, eq=False)
class AccuracyJoin:
    """Accuracy rows (``frame``) with each row whose (dataset, N, D, split) is no loss run's but lies within
    ``ROUNDED_RTOL`` of exactly one (an accuracy file printing N to 3 significant digits: ``19.9M`` for the loss
    table's 19,904,000) moved onto that run's N, D and C (``joined`` rows, up to ``gap`` apart in N or D); the
    rows that match no loss run, neither so nor exactly (``unmatched``, one named in ``example`` with the nearest
    run), stay as they were: no fit relates them to a loss."""

    frame: pl.DataFrame
    rows: int
    joined: int = 0
    gap: float = 0.0
    unmatched: int = 0
    example: str | None = None

    def notes(self) -> list[str]:
        """What the join did and left out, one line each (none when every row matched exactly)."""
        out = []
        if self.joined:
            out.append(
                f"{plural(self.joined, 'accuracy row')} joined to runs whose N or D differs by up to "
                f"{_pct(self.gap)}: sizes rounded"
            )
        if self.unmatched:
            out.append(
                f"warning: {self.unmatched:,} of {plural(self.rows, 'accuracy row')} match no loss run "
                f"({self.example}): no fit relates them to a loss"
            )
        return out


def join_accuracy(
    losses: pl.DataFrame,
    accuracy: pl.DataFrame,
    rtol: float = ROUNDED_RTOL,
    checkpoints: pl.DataFrame | None = None,
) -> AccuracyJoin:
    """``accuracy`` joined to the runs of ``losses`` (``AccuracyJoin``): a row at no loss run's (dataset, N, D,
    split) but within ``rtol`` in N and in D of exactly one run of its dataset and split (``near_configs``, the
    pairing rule of loss-to-loss) is moved onto that run (its N, D and C; a run id l2l made from the rounded sizes
    made again from the run's), unless another accuracy row of its eval is there already. Rows at a run, and rows
    near none (or near several), are left as they are."""
    configs = losses.group_by(list(CONFIG_KEY)).agg(pl.col("C").first()).sort(list(CONFIG_KEY))
    lonely = accuracy.join(configs, on=list(CONFIG_KEY), how="anti", nulls_equal=True)
    # a run of the losses at another of its checkpoints (a per-step log whose accuracy ran less often than its
    # loss, kept at its own last measurement): paired with that checkpoint's loss, never moved
    same_run = ["dataset", "run_id", "N", "split"]
    lonely = lonely.join(losses.select(same_run).unique(), on=same_run, how="anti", nulls_equal=True)
    if checkpoints is not None and checkpoints.height:
        # ... and one at a checkpoint of a per-step log whose loss was logged there too (its run's last accuracy
        # before the loss ran on: paired with that checkpoint's loss, and called unrelated to any run; p70)
        at_loss = checkpoints.filter(pl.col("metric") == "loss").select(list(CONFIG_KEY)).unique()
        lonely = lonely.join(at_loss, on=list(CONFIG_KEY), how="anti", nulls_equal=True)
    if lonely.height == 0:
        return AccuracyJoin(accuracy, accuracy.height)
    sources = lonely.select(CONFIG_KEY).unique().sort(list(CONFIG_KEY))
    found: list[dict[str, object]] = []
    with_losses = set(configs.get_column("dataset").unique().to_list())
    for (ds, split), part in sources.group_by(["dataset", "split"], maintain_order=True):
        runs = configs.filter((pl.col("dataset") == ds) & pl.col("split").eq_missing(split))
        n, d = part.get_column("N").to_numpy(), part.get_column("D").to_numpy()
        rn, rd, rc = (runs.get_column(c).to_numpy().astype(np.float64) for c in ("N", "D", "C"))
        match, near = near_configs(n, d, rn, rd, rtol)
        for i in range(part.height):
            j, k = int(match[i]), int(near[i])
            found.append(
                {
                    "dataset": ds,
                    "split": split,
                    "N": float(n[i]),
                    "D": float(d[i]),
                    "_N": float(rn[j]) if j >= 0 else None,
                    "_D": float(rd[j]) if j >= 0 else None,
                    "_C": float(rc[j]) if j >= 0 else None,
                    "_why": None
                    if j >= 0
                    else _why_apart(str(ds), split, float(n[i]), float(d[i]), rn, rd, k, j, rtol)
                    if ds in with_losses
                    else f"{ds} N={_size(float(n[i]))} D={_size(float(d[i]))}: {ds} has no loss run",
                }
            )
    moves = pl.DataFrame(
        found,
        schema={
            "dataset": pl.String, "split": pl.String, "N": pl.Float64, "D": pl.Float64, "_N": pl.Float64,
            "_D": pl.Float64, "_C": pl.Float64, "_why": pl.String,
        },
    )  # fmt: skip
    key = list(CONFIG_KEY)
    rows = accuracy.with_row_index("_i").join(
        lonely.select(*key, "eval", "run_id").unique().join(moves, on=key, how="inner", nulls_equal=True),
        on=[*key, "eval", "run_id"],
        how="left",
        nulls_equal=True,
    )
    # one source per run and eval: a rounded row whose run already holds its eval's accuracy (or that another
    # rounded size reaches too) stays apart, not averaged with another measurement
    target_n = pl.coalesce("_N", "N")
    target_d = pl.coalesce("_D", "D")
    sources_there = pl.struct("N", "D").n_unique().over("dataset", "split", "eval", target_n, target_d)
    rows = rows.with_columns(
        (pl.col("_N").is_not_null() & (sources_there == 1)).alias("_move"),
        pl.when(pl.col("_N").is_not_null() & (sources_there > 1))
        .then(pl.lit("another accuracy row of its eval is at the run within rounding"))
        .otherwise(pl.col("_why"))
        .alias("_why"),
    )
    moved = rows.filter("_move")
    gap = 0.0
    if moved.height:
        gap = float(
            moved.select(
                pl.max_horizontal(
                    (pl.col("_N") / pl.col("N") - 1).abs(), (pl.col("_D") / pl.col("D") - 1).abs()
                )
            )
            .to_series()
            .max()  # type: ignore[arg-type]
        )
    synth = [synth_run_id(ds, n, d) for ds, n, d in rows.select("dataset", "N", "D").iter_rows()]
    resynth = [
        synth_run_id(ds, n, d) if n is not None else None
        for ds, n, d in rows.select("dataset", "_N", "_D").iter_rows()
    ]
    out = rows.with_columns(
        pl.when("_move")
        .then(
            pl.when(pl.col("run_id") == pl.Series(synth, dtype=pl.String))
            .then(pl.Series(resynth, dtype=pl.String))
            .otherwise(pl.col("run_id"))
        )
        .otherwise(pl.col("run_id"))
        .alias("run_id"),
        *(pl.when("_move").then(pl.col(f"_{c}")).otherwise(pl.col(c)).alias(c) for c in ("N", "D", "C")),
    )
    left = rows.filter(pl.col("_why").is_not_null() & ~pl.col("_move"))
    example = None
    if left.height:
        first = left.sort("dataset", "N", "D").row(0, named=True)
        example = str(first["_why"])
    frame = out.sort("_i").select(accuracy.columns)
    return AccuracyJoin(frame, accuracy.height, moved.height, gap, left.height, example)


def _why_apart(
    dataset: str,
    split: str | None,
    n: float,
    d: float,
    rn: np.ndarray,
    rd: np.ndarray,
    nearest: int,
    match: int,
    rtol: float,
) -> str:
    """Why the accuracy row at (n, d) joins no run: the nearest run of its dataset and split, or that there is
    none, or that several lie within ``rtol``."""
    where = f"{dataset} N={_size(n)} D={_size(d)}"
    if nearest < 0:
        return f"{where}: {dataset} has no loss run " + (
            f"in split {split}" if split is not None else "without a split"
        )
    if match == -2:
        return f"{where}: several runs lie within {_pct(rtol)}"
    m, e = float(rn[nearest]), float(rd[nearest])
    differ = [
        f"N={_size(m)}" if _size(m) != _size(n) else "",
        f"D={_size(e)}" if _size(e) != _size(d) else "",
    ]
    return f"{where}: the nearest run has {' '.join(p for p in differ if p)}"


def _size(x: float) -> str:
    """A count in SI units with the digits it has (3 at least, 8 at most): ``19.9M``, ``19.904M``, ``170.428M``."""
    digits = next((k for k in range(3, 9) if float(f"{x:.{k}g}") == x), 8)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= div:
            return f"{x / div:.{digits}g}{suffix}"
    return f"{x:.{digits}g}"


def _pct(x: float) -> str:
    return f"{100 * x:.2g} %"
