"""Predictions from fitted scaling laws: the loss at (N, D) or (N, C), and the compute-optimal allocation.

The FLOPs factor k in C = k·N·D is the table's own (``Runs.flops_per_param_token``: 6 unless its C column says
otherwise), here and in the figures. Intervals are bootstrap percentile intervals at ``level``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.errors import UsageError
from l2l.fit import FitCache, FitOptions, LawBook, LawFit, law_book, percentile_interval, with_bootstrap
from l2l.laws import Array, ScalingLaw

if TYPE_CHECKING:
    from l2l.runs import Runs

__all__ = ["Allocation", "LawPrediction", "optimal", "predict", "size_grid"]


@dataclass(frozen=True)
class LawPrediction:
    """The fitted law's loss at one (N, D), with its bootstrap interval when one was run."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    loss: float
    interval: tuple[float, float] | None
    fit: LawFit

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "form": self.fit.form,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "loss": self.loss,
        }
        d["loss_lo"], d["loss_hi"] = self.interval if self.interval else (None, None)
        d["warnings"] = list(self.fit.warnings)
        return d


@dataclass(frozen=True)
class Allocation:
    """The compute-optimal N*, D* (C = k·N·D) at one budget and the law's loss there."""

    dataset: str
    eval: str
    C: float
    N_opt: float
    D_opt: float
    loss: float
    interval_N: tuple[float, float] | None
    interval_loss: tuple[float, float] | None
    fit: LawFit
    k: float = 6.0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "flops_per_param_token": self.k,
            "form": self.fit.form,
            "C": self.C,
            "N_opt": self.N_opt,
            "D_opt": self.D_opt,
            "tokens_per_param": self.D_opt / self.N_opt,
            "loss": self.loss,
            "a": self.fit.law.a_opt,
        }
        d["N_opt_lo"], d["N_opt_hi"] = self.interval_N if self.interval_N else (None, None)
        d["loss_lo"], d["loss_hi"] = self.interval_loss if self.interval_loss else (None, None)
        d["warnings"] = list(self.fit.warnings)
        return d


def size_grid(
    N: Sequence[float], D: Sequence[float] | None, C: Sequence[float] | None, k: float = 6.0
) -> tuple[Array, Array]:
    """(N, D) arrays of equal length from model sizes and either token counts or budgets (D = C/(k·N)); a single
    value on one side is repeated to match the other."""
    n = np.asarray(N, dtype=np.float64)
    if (D is None) == (C is None):
        raise UsageError("give exactly one of D (tokens) and C (compute) with N", param="D")
    if D is not None:
        d = np.asarray(D, dtype=np.float64)
    else:
        assert C is not None
        d = np.asarray(C, dtype=np.float64) / (k * n) if len(C) == len(N) or len(C) == 1 else np.array([])
    if len(d) == 1 and len(n) > 1:
        d = np.repeat(d, len(n))
    if len(n) == 1 and len(d) > 1:
        n = np.repeat(n, len(d))
    if len(n) != len(d):
        raise UsageError(
            f"N has {len(n)} values but D (or C) has {len(d)}; give one or the same number", param="N"
        )
    for name, arr in (("N", n), ("D", d)):
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise UsageError(f"{name} must be positive numbers", param=name)
    return n, d


def _laws(
    runs: Runs,
    book: LawBook,
    datasets: Sequence[str] | None,
    evals: Sequence[str] | None,
    bootstrap: int,
    seed: int,
) -> list[LawFit]:
    """The fitted laws of the named datasets and evals (each with ``bootstrap`` draws), in order."""
    keys = runs.eval_keys(runs.resolve_datasets(datasets), evals, frame=book.frame)
    return [with_bootstrap(book, book.get(ds, ev), bootstrap, seed) for ds, ev in keys]


def predict(
    runs: Runs,
    *,
    N: Sequence[float],
    D: Sequence[float] | None = None,
    C: Sequence[float] | None = None,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> list[LawPrediction]:
    """Each named law's loss at each (N, D) (D = C/(k·N) when only C is given), with a bootstrap interval.

    ``datasets`` and ``evals`` name laws as everywhere (``all``; evals default to each dataset's own)."""
    k = runs.flops_per_param_token
    n_arr, d_arr = size_grid(N, D, C, k)
    book = law_book(runs, options, split, cache)
    out: list[LawPrediction] = []
    for fit in _laws(runs, book, datasets, evals, bootstrap, seed):
        pred = fit.predict(n_arr, d_arr)
        iv = fit.predict_interval(n_arr, d_arr, level)
        for i in range(len(n_arr)):
            out.append(
                LawPrediction(
                    fit.dataset,
                    fit.eval,
                    float(n_arr[i]),
                    float(d_arr[i]),
                    k * float(n_arr[i] * d_arr[i]),
                    float(pred[i]),
                    None if iv is None else (float(iv[0][i]), float(iv[1][i])),
                    fit,
                )
            )
    return out


def optimal(
    runs: Runs,
    *,
    C: Sequence[float],
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = 0.95,
) -> list[Allocation]:
    """Compute-optimal N*, D* (C = k·N·D with the table's k) and the loss there, per law and budget, in closed
    form; bootstrap percentile intervals at ``level`` when ``bootstrap`` > 0."""
    c_arr = np.asarray(C, dtype=np.float64)
    if not np.all(np.isfinite(c_arr) & (c_arr > 0)):
        raise UsageError("compute budgets C must be positive numbers", param="C")
    k = runs.flops_per_param_token
    book = law_book(runs, options, split, cache)
    out: list[Allocation] = []
    for fit in _laws(runs, book, datasets, evals, bootstrap, seed):
        n_opt, d_opt = fit.law.compute_optimal(c_arr, k)
        loss = fit.predict(n_opt, d_opt)
        iv_n = iv_l = None
        if fit.bootstrap is not None:
            laws = [ScalingLaw.from_theta(fit.form, t) for t in fit.bootstrap]
            ns = np.array([lw.compute_optimal(c_arr, k)[0] for lw in laws])  # (B, budgets)
            ls = np.array([lw.predict(n, c_arr / (k * n)) for lw, n in zip(laws, ns, strict=True)])
            iv_n = percentile_interval(ns, level)
            iv_l = percentile_interval(ls, level)
        for i, c in enumerate(c_arr):
            out.append(
                Allocation(
                    fit.dataset,
                    fit.eval,
                    float(c),
                    float(n_opt[i]),
                    float(d_opt[i]),
                    float(loss[i]),
                    None if iv_n is None else (float(iv_n[0][i]), float(iv_n[1][i])),
                    None if iv_l is None else (float(iv_l[0][i]), float(iv_l[1][i])),
                    fit,
                    k,
                )
            )
    return out
