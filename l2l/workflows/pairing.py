"""Joining runs into (x, y) pairs for loss-to-loss fits.

- ``pair_runs``: models trained on two datasets, paired by equal (N, D) within a relative tolerance, or by run
  identity (the same ``run_id`` naming one configuration in both datasets);
- ``same_model_pairs``: one model, its loss on two evals (train-to-test);
- ``Sides``: a frame split once by (dataset, eval), for many pairings;
- ``at_config``: the rows of runs at a configuration (N, D), by the same tolerance rule.
Pure functions over canonical run frames; nothing prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from l2l.base.errors import SelectionError
from l2l.base.runs import rows_by_dataset_eval
from l2l.base.schema import Join
from l2l.core.sweep import SAME_RTOL, pair_configs

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


_SIDE = ("N", "D", "C", "loss", "run_id", "split")
_ARRAYS = ("N", "D", "C", "loss", "run_id")


class Sides:
    """A run frame split once by (dataset, eval): the side of every pair in one pass, not one scan of the table
    per pair (``evaluate`` pairs every ordered pair of datasets on many evals)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._parts: dict[tuple[str, str], pl.DataFrame] | None = None
        self._columns: dict[tuple[str, str], tuple[np.ndarray, ...]] = {}
        self._floats: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def get(self, dataset: str, eval_name: str) -> pl.DataFrame:
        if self._parts is None:
            parts = self.frame.select("dataset", "eval", *_SIDE).partition_by(
                ["dataset", "eval"], as_dict=True
            )
            self._parts = {(str(k[0]), str(k[1])): v.select(_SIDE) for k, v in parts.items()}
        part = self._parts.get((dataset, eval_name))
        return part if part is not None else self.frame.clear().select(_SIDE)

    def _arrays(self, dataset: str, eval_name: str) -> tuple[np.ndarray, ...]:
        if not self._columns:
            self._split_arrays()
        key = (dataset, eval_name)
        if key not in self._columns:
            part = self.get(dataset, eval_name)
            self._columns[key] = tuple(part[c].to_numpy() for c in _ARRAYS)
        return self._columns[key]

    def _split_arrays(self) -> None:
        columns = [self.frame[c].to_numpy() for c in _ARRAYS]
        for key, idx in rows_by_dataset_eval(self.frame).items():
            self._columns[key] = tuple(col[idx] for col in columns)

    def side(self, dataset: str, eval_name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, D, loss) of the runs of ``dataset`` on ``eval_name`` as float arrays, in the table's order: the rows
        ``pair_rows`` indexes."""
        key = (dataset, eval_name)
        if key not in self._floats:
            n, d, _, loss, _ = self._arrays(dataset, eval_name)
            self._floats[key] = (n.astype(np.float64), d.astype(np.float64), loss.astype(np.float64))
        return self._floats[key]

    def pair_rows(self, spec: PairSpec, rtol: float = SAME_RTOL) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the two sides (``side``) of every pair of ``pair_runs`` (join on (N, D)) or, for one
        dataset, of ``same_model_pairs``, in their order (by C, then N). Where those functions refuse (a side
        without runs, nothing paired), they are called to say why."""
        nx, dx, cx, _, rx = self._arrays(spec.src, spec.x_eval)
        ny, dy, _, _, ry = self._arrays(spec.tgt, spec.y_eval)
        if spec.src == spec.tgt:
            if not len(nx) or not len(ny):
                same_model_pairs(self, spec.src, spec.x_eval, spec.y_eval)
            # one model at one checkpoint: the run and its (N, D) (same_model_pairs' join)
            where: dict[tuple[object, float, float], list[int]] = {}
            for j, key in enumerate(zip(ry.tolist(), ny.tolist(), dy.tolist(), strict=True)):
                if key[0] is not None:  # a null id pairs with nothing (the join's rule)
                    where.setdefault(key, []).append(j)
            keys = zip(rx.tolist(), nx.tolist(), dx.tolist(), strict=True)
            pairs = [(i, j) for i, key in enumerate(keys) for j in where.get(key, ())]
            li = np.array([i for i, _ in pairs], dtype=np.int64)
            ri = np.array([j for _, j in pairs], dtype=np.int64)
        else:
            li, ri = pair_configs(nx, dx, ny, dy, rtol) if len(nx) and len(ny) else (np.zeros(0, int),) * 2
            if not len(li):
                pair_runs(self, spec, rtol=rtol)
        order = np.lexsort((nx[li], cx[li]))
        return li[order], ri[order]

    def xy(
        self, spec: PairSpec, rtol: float = SAME_RTOL, rows: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The x, y, N and D columns of ``pair_runs`` (join on (N, D)) or, for one dataset, of
        ``same_model_pairs``, in their order (``pair_rows``; ``rows``: its answer, when the caller has it), from
        arrays: no frame is built (``evaluate`` fits hundreds of translations)."""
        li, ri = self.pair_rows(spec, rtol) if rows is None else rows
        nx, dx, lx = self.side(spec.src, spec.x_eval)
        return lx[li], self.side(spec.tgt, spec.y_eval)[2][ri], nx[li], dx[li]

    def nd_rows(
        self, spec: PairSpec, rtol: float = SAME_RTOL
    ) -> list[tuple[float, float, float, str | None]]:
        """(N, D, x, run_y) of every row of ``pair_runs(self, spec)`` (join on (N, D)), in its order (by C, then
        N), from arrays: no frame is built (``evaluate`` pairs the held-out runs of every ordered pair of
        datasets). Values keep their Python types (int or float) as the frame's rows would. Where ``pair_runs``
        refuses (a side without runs, nothing paired) it is called to say why."""
        nx, dx, cx, lx, _ = self._arrays(spec.src, spec.x_eval)
        ny, dy, _, _, ry = self._arrays(spec.tgt, spec.y_eval)
        li, ri = pair_configs(nx, dx, ny, dy, rtol) if len(nx) and len(ny) else (np.zeros(0, int),) * 2
        if not len(li):
            pair_runs(self, spec, rtol=rtol)
        order = np.lexsort((nx[li], cx[li]))
        li, ri = li[order], ri[order]
        return list(zip(nx[li].tolist(), dx[li].tolist(), lx[li].tolist(), ry[ri].tolist(), strict=True))


def _side(frame: pl.DataFrame | Sides, dataset: str, eval_name: str) -> pl.DataFrame:
    if isinstance(frame, Sides):
        return frame.get(dataset, eval_name)
    return frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name)).select(_SIDE)


def pair_runs(
    frame: pl.DataFrame | Sides, spec: PairSpec, *, join: Join = "nd", rtol: float = SAME_RTOL
) -> pl.DataFrame:
    """Pairs (N, D, C, x, y, run_x, run_y, split_x, split_y), one per matched configuration.

    ``join="nd"``: runs at the same configuration (``l2l.core.sweep.pair_configs``: N and D both within ``rtol``,
    one to one, nearest first). ``join="run"``: equal ``run_id``. Each target run is used at most once. ``frame``
    may be ``Sides`` of a frame (split once, for many pairings).
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
    li, ri = pair_configs(
        left["N"].to_numpy(), left["D"].to_numpy(), right["N"].to_numpy(), right["D"].to_numpy(), rtol
    )
    if not len(li):
        gap = _nearest_gap(
            left["N"].to_numpy(), left["D"].to_numpy(), right["N"].to_numpy(), right["D"].to_numpy()
        )
        near = (
            f"; their nearest configurations differ by {100 * gap:.2g} % (--rtol {_rtol_for(gap):g} pairs them, "
            "if they are the same models counted differently)"
            if gap < 0.5
            else ""
        )
        raise SelectionError(
            f"no run of {spec.src} has the same (N, D) as a run of {spec.tgt} (relative tolerance {rtol:g}){near}",
            hint="pair on run identity, or check that both sweeps used the same grid",
            param="join",
        )
    lsel = left[li.tolist()]
    rsel = right[ri.tolist()]
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


def same_model_pairs(frame: pl.DataFrame | Sides, dataset: str, x_eval: str, y_eval: str) -> pl.DataFrame:
    """Pairs of one model's losses on two evals (train-to-test), joined on the run itself at the same checkpoint:
    on (run_id, N, D), since a per-step table kept whole (``--checkpoints all``) names every checkpoint of a run by
    the run's id, and a run id reused for models of another size is not one model."""
    left = _side(frame, dataset, x_eval)
    right = _side(frame, dataset, y_eval)
    if left.height == 0 or right.height == 0:
        missing = x_eval if left.height == 0 else y_eval
        raise SelectionError(f"models trained on {dataset!r} were never evaluated on {missing!r}")
    out = left.join(
        right.select("run_id", "N", "D", pl.col("loss").alias("y")), on=["run_id", "N", "D"], how="inner"
    )
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


def at_config(N: float, D: float, rtol: float = SAME_RTOL) -> pl.Expr:
    """Rows of runs at the configuration (N, D): both within ``rtol``, the rule of ``pair_configs``."""
    tol = math.log1p(rtol)
    return ((pl.col("N").log() - math.log(N)).abs() <= tol) & ((pl.col("D").log() - math.log(D)).abs() <= tol)


def _nearest_gap(n0: np.ndarray, d0: np.ndarray, n1: np.ndarray, d1: np.ndarray) -> float:
    """The smallest relative gap between a configuration of one grid and one of the other (the larger of the gaps
    in N and in D): how far apart the nearest models are (inf when a grid is empty)."""
    if not (len(n0) and len(n1)):
        return float("inf")
    gap_n = np.abs(n0[:, None] / n1[None, :] - 1)
    gap_d = np.abs(d0[:, None] / d1[None, :] - 1)
    return float(np.min(np.maximum(gap_n, gap_d)))


def _rtol_for(gap: float) -> float:
    """A tolerance just above ``gap``, two significant digits."""
    return float(f"{gap * 1.2:.2g}")
