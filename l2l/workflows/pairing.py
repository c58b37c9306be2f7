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
from numpy.typing import ArrayLike, NDArray

from l2l.base.errors import SelectionError
from l2l.base.runs import rows_by_dataset_eval
from l2l.base.schema import Join
from l2l.base.text import plural
from l2l.core.sweep import MODEL_RTOL, SAME_RTOL, pair_configs

PAIR_COLUMNS = ("N", "D", "C", "x", "y", "run_x", "run_y", "split_x", "split_y", "N_y", "D_y")


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
            pl.col("N_y"),
            pl.col("D_y"),
        ).sort("C", "N")
    li, ri = pair_configs(
        left["N"].to_numpy(), left["D"].to_numpy(), right["N"].to_numpy(), right["D"].to_numpy(), rtol
    )
    if not len(li):
        raise unpaired_error(
            spec,
            rtol,
            (left["N"].to_numpy(), left["D"].to_numpy()),
            (right["N"].to_numpy(), right["D"].to_numpy()),
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
            "N_y": rsel["N"],
            "D_y": rsel["D"],
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
        pl.col("N").alias("N_y"),
        pl.col("D").alias("D_y"),
    ).sort("C", "N")


def at_config(N: float, D: float, rtol: float = SAME_RTOL) -> pl.Expr:
    """Rows of runs at the configuration (N, D): both within ``rtol``, the rule of ``pair_configs``."""
    tol = math.log1p(rtol)
    return ((pl.col("N").log() - math.log(N)).abs() <= tol) & ((pl.col("D").log() - math.log(D)).abs() <= tol)


def ratio_gap(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """How far apart a and b are, relatively: the larger over the smaller, less one (elementwise). The measure
    ``--rtol`` is applied with (``pair_configs``: |log a − log b| ≤ log(1 + rtol)): a gap of g pairs at any
    tolerance ≥ g (5 and 7 tokens per parameter: 40 % apart, paired by --rtol 0.4, not by the 0.29 of 1 − 5/7)."""
    la = np.log(np.asarray(a, dtype=np.float64))
    lb = np.log(np.asarray(b, dtype=np.float64))
    return np.asarray(np.expm1(np.abs(la - lb)), dtype=np.float64)


def unpaired_reason(
    a: tuple[ArrayLike, ArrayLike], b: tuple[ArrayLike, ArrayLike], rtol: float = SAME_RTOL
) -> str:
    """Why no run (N, D) of ``a`` pairs with one of ``b`` within ``rtol``, in words: the one explanation
    ``evaluate``, ``translate`` and ``predict --via`` give (they said three things, one of them a tolerance that
    paired nothing: probe p68).

    - grids that share model sizes N but whose D differ there (web at 5/10/20/40 tokens per parameter, code at
      7/14/28/56) hold different models: no tolerance is offered, since pairing them would relate different models;
    - otherwise, where the nearest configurations lie less than 50 % apart, the tolerance that pairs them (on the
      measure ``--rtol`` uses, N and D both) and how many pairs it makes: sizes counted differently (another
      tokenizer's embeddings) are the same models;
    - a D gap at a shared N of ``MODEL_RTOL`` or less is treated as the second case (tokens written rounded)."""
    n0, d0 = (np.asarray(v, dtype=np.float64).ravel() for v in a)
    n1, d1 = (np.asarray(v, dtype=np.float64).ravel() for v in b)
    if not (len(n0) and len(n1)):
        return ""
    gap_n = ratio_gap(n0[:, None], n1[None, :])
    gap = np.maximum(gap_n, ratio_gap(d0[:, None], d1[None, :]))
    nearest = float(np.min(gap))
    same_n = gap_n <= max(rtol, SAME_RTOL) * (1 + 1e-9)
    if nearest > MODEL_RTOL and same_n.any():
        rows, cols = same_n.any(axis=1), same_n.any(axis=0)
        shared = len(np.unique(n0[rows]))
        which = "" if rows.all() and cols.all() else f" at {plural(shared, 'shared size')}"
        return (
            f"the grids share N but not D (tokens per parameter{which} {_ratios(d0[rows] / n0[rows])} vs "
            f"{_ratios(d1[cols] / n1[cols])}): no run of one is a run of the other; translation needs runs of the "
            "same (N, D)"
        )
    if not math.isfinite(nearest) or nearest >= 0.5:
        return f"their nearest configurations differ by {_pct(nearest)}"
    tol = min(_rtol_for(nearest), 0.5)  # (the largest --rtol takes; it pairs anything under 50 % apart)
    made = len(pair_configs(n0, d0, n1, d1, tol)[0])
    them = "them" if made >= min(len(n0), len(n1)) else f"{plural(made, 'run')} of each"
    return (
        f"their nearest configurations differ by {_pct(nearest)} (--rtol {tol:g} pairs {them}, if they are the "
        "same models counted differently)"
    )


def unpaired_error(
    spec: PairSpec,
    rtol: float,
    a: tuple[ArrayLike, ArrayLike],
    b: tuple[ArrayLike, ArrayLike],
    where: str = "",
) -> SelectionError:
    """The refusal of a pairing of ``spec``'s runs ``a`` (source) and ``b`` (target) that made no pair, with
    ``unpaired_reason``; ``where``: which runs were paired (" among the runs of split sweep")."""
    why = unpaired_reason(a, b, rtol)
    shared_n = why.startswith("the grids share N")
    return SelectionError(
        f"no run of {spec.src} has the same (N, D) as a run of {spec.tgt}{where} (relative tolerance {rtol:g})"
        + (f"; {why}" if why else ""),
        hint=(
            f"predict {spec.tgt} from its own law (l2l predict -d {spec.tgt}), or translate from a dataset whose runs "
            "share its (N, D)"
            if shared_n
            else "pair on run identity, or check that both sweeps used the same grid"
        ),
        param="join",
    )


def pair_gaps(pairs: pl.DataFrame) -> tuple[float, float]:
    """The largest relative gaps (``ratio_gap``) in N and in D between the two runs of a pair of ``pairs``
    (``pair_runs``' frame): 0 where every pair is of one configuration."""
    if pairs.height == 0:
        return 0.0, 0.0
    return (
        float(ratio_gap(pairs["N"].to_numpy(), pairs["N_y"].to_numpy()).max()),
        float(ratio_gap(pairs["D"].to_numpy(), pairs["D_y"].to_numpy()).max()),
    )


def tolerance_apart(pairs: pl.DataFrame, rtol: float) -> str | None:
    """How far apart the runs of ``pairs`` (made within ``rtol``) lie at most, in words ("N up to 10 % and D up
    to 10 % apart, --rtol 0.11"); None when every pair is one configuration (to 0.1 %)."""
    gap_n, gap_d = pair_gaps(pairs)
    apart = [f"{name} up to {_pct(g)}" for name, g in (("N", gap_n), ("D", gap_d)) if g >= 1e-3]
    return f"{' and '.join(apart)} apart, --rtol {rtol:g}" if apart else None


def tolerance_note(pairs: pl.DataFrame, rtol: float) -> str | None:
    """What ``pairs`` made within a tolerance are (None when every pair is one configuration, to 0.1 %): how far
    apart their runs' N and D lie at most ("24 pairs, N up to 10 % apart (--rtol 0.11): …"). Such a relation
    mixes different models unless they are the same models counted differently, which l2l cannot tell."""
    apart = tolerance_apart(pairs, rtol)
    if apart is None:
        return None
    gaps, tol = apart.split(", --rtol ")
    what = "model sizes" if gaps.startswith("N ") else "token budgets"
    return (
        f"{plural(pairs.height, 'pair')}, {gaps} (--rtol {tol}): the relation mixes {what}, unless they are the "
        "same models counted differently"
    )


def _pct(gap: float) -> str:
    """A relative gap in percent, two significant digits ("10 %", "2.9 %", "0.02 %")."""
    return f"{float(f'{100 * gap:.2g}'):g} %"


def _ratios(values: NDArray[np.float64]) -> str:
    """Distinct tokens per parameter, two significant digits, ascending ("5/10/20/40"; many: the first three …
    the last)."""
    shown = sorted({float(f"{v:.2g}") for v in values.tolist()})
    words = [f"{v:g}" if v < 1e5 else f"{v:.2g}" for v in shown]
    return "/".join(words) if len(words) <= 6 else f"{'/'.join(words[:3])}/…/{words[-1]}"


def _rtol_for(gap: float) -> float:
    """A tolerance that pairs configurations ``gap`` apart (``ratio_gap``): 1.2× it, two significant digits
    rounded up (the margin takes in pairs a little further apart than the nearest)."""
    want = max(gap * 1.2, 1e-6)
    digits = 1 - math.floor(math.log10(want))
    return float(math.ceil(want * 10**digits - 1e-6) / 10**digits)
