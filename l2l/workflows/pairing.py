"""Joining runs into (x, y) pairs for loss-to-loss fits.

- ``pair_runs``: models trained on two datasets, paired by equal (N, D) within a relative tolerance, or by run
  identity (the same ``run_id`` naming one configuration in both datasets);
- ``same_model_pairs``: one model, its loss on two evals (train-to-test).
Pure functions over canonical run frames; nothing prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from l2l.base.errors import SelectionError
from l2l.base.schema import Join

PAIR_COLUMNS = ("N", "D", "C", "x", "y", "run_x", "run_y", "split_x", "split_y")


@dataclass(frozen=True)
class PairSpec:
    """What is paired with what: x = loss of models trained on ``src`` evaluated on ``x_eval``; y likewise."""

    src: str
    x_eval: str
    tgt: str
    y_eval: str

    def describe(self) -> str:
        return f"{self.src}:{self.x_eval} → {self.tgt}:{self.y_eval}"


def _side(frame: pl.DataFrame, dataset: str, eval_name: str) -> pl.DataFrame:
    return frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name)).select(
        "N", "D", "C", "loss", "run_id", "split"
    )


def pair_runs(frame: pl.DataFrame, spec: PairSpec, *, join: Join = "nd", rtol: float = 1e-6) -> pl.DataFrame:
    """Pairs (N, D, C, x, y, run_x, run_y, split_x, split_y), one per matched configuration.

    ``join="nd"``: a source run matches the target run whose N and D both agree within ``rtol`` (relative); when
    several do, the nearest in log space. ``join="run"``: equal ``run_id``. Each target run is used at most once.
    """
    left = _side(frame, spec.src, spec.x_eval)
    right = _side(frame, spec.tgt, spec.y_eval)
    if left.height == 0 or right.height == 0:
        empty = left if left.height == 0 else right
        which = (spec.src, spec.x_eval) if empty is left else (spec.tgt, spec.y_eval)
        raise SelectionError(f"no runs of dataset {which[0]!r} on eval {which[1]!r} to pair")
    if join == "run":
        out = left.join(right, on="run_id", how="inner", suffix="_y")
        if out.height == 0:
            raise SelectionError(
                f"no run_id is shared by {spec.src} and {spec.tgt}",
                hint="pairing by run needs ids that name the same configuration in both datasets (e.g. a "
                "'model' column); otherwise pair on (N, D)",
                param="join",
            )
        return out.select(
            "N",
            "D",
            "C",
            pl.col("loss").alias("x"),
            pl.col("loss_y").alias("y"),
            pl.col("run_id").alias("run_x"),
            pl.col("run_id").alias("run_y"),
            pl.col("split").alias("split_x"),
            pl.col("split_y"),
        ).sort("C", "N")
    ln0 = np.log(left["N"].to_numpy())[:, None]
    ld0 = np.log(left["D"].to_numpy())[:, None]
    ln1 = np.log(right["N"].to_numpy())[None, :]
    ld1 = np.log(right["D"].to_numpy())[None, :]
    tol = np.log1p(rtol)
    dist = np.abs(ln0 - ln1) + np.abs(ld0 - ld1)
    ok = (np.abs(ln0 - ln1) <= tol) & (np.abs(ld0 - ld1) <= tol)
    dist = np.where(ok, dist, np.inf)
    li, ri = [], []
    used: set[int] = set()
    for i in np.argsort(dist.min(axis=1), kind="stable"):
        for j in np.argsort(dist[i], kind="stable"):
            if not np.isfinite(dist[i, j]):
                break
            if j not in used:
                used.add(int(j))
                li.append(int(i))
                ri.append(int(j))
                break
    if not li:
        raise SelectionError(
            f"no run of {spec.src} has the same (N, D) as a run of {spec.tgt} (relative tolerance {rtol:g})",
            hint="pair on run identity, or check that both sweeps used the same grid",
            param="join",
        )
    lsel = left[li]
    rsel = right[ri]
    return pl.DataFrame(
        {
            "N": lsel["N"],
            "D": lsel["D"],
            "C": lsel["C"],
            "x": lsel["loss"],
            "y": rsel["loss"],
            "run_x": lsel["run_id"],
            "run_y": rsel["run_id"],
            "split_x": lsel["split"],
            "split_y": rsel["split"],
        }
    ).sort("C", "N")


def same_model_pairs(frame: pl.DataFrame, dataset: str, x_eval: str, y_eval: str) -> pl.DataFrame:
    """Pairs of one model's losses on two evals (train-to-test), joined on the run itself."""
    left = _side(frame, dataset, x_eval)
    right = _side(frame, dataset, y_eval)
    if left.height == 0 or right.height == 0:
        missing = x_eval if left.height == 0 else y_eval
        raise SelectionError(f"models trained on {dataset!r} were never evaluated on {missing!r}")
    out = left.join(right.select("run_id", pl.col("loss").alias("y")), on="run_id", how="inner")
    return out.select(
        "N",
        "D",
        "C",
        pl.col("loss").alias("x"),
        "y",
        pl.col("run_id").alias("run_x"),
        pl.col("run_id").alias("run_y"),
        pl.col("split").alias("split_x"),
        pl.col("split").alias("split_y"),
    ).sort("C", "N")
