"""Predictions from fitted scaling laws, each with a calibrated predictive interval.

``predict`` gives a law's loss at (N, D) or (N, C); ``optimal`` the compute-optimal allocation and the loss there;
``predict_sources`` a loss through loss-to-loss translation from one or several measured source runs. Every
prediction carries a ``PredictiveInterval`` at ``level`` (default 0.9) from ``l2l.core.calibrate``: the extrapolation
error learned by backtesting inside the run table's own sweep (own losses only), or, where no backtest applies
(too few budgets, a law of another eval, a train-to-test step), the bootstrap or the regression residual alone,
flagged as a lower bound. The estimate is bias-corrected; the law's own number is kept beside it (``raw``).

The FLOPs factor k in C = k·N·D is the table's own (``Runs.flops_per_param_token``: 6 unless its C column says
otherwise). Calibrations are cached by the data they were learned from (``CalibrationCache``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.base.checks import check_level
from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.base.runs import ALL, OWN
from l2l.core.calibrate import (
    DEFAULT_LEVEL,
    Calibration,
    CalibrationCache,
    Combine,
    ErrorModel,
    OptimalInterval,
    PredictiveInterval,
    aspect_of,
    beyond_evidence,
    calibrate,
    calibration_key,
    combined_interval,
    direct_interval,
    distance_of,
    e_draws,
    optimal_interval,
    propagated_interval,
    range_ratios,
    span_of,
    translation_interval,
)
from l2l.core.fit import FitCache, FitOptions, LawFit, bootstrap_law, percentile_interval
from l2l.core.laws import Array
from l2l.core.loss_to_loss import log_sd_at, shifted_power_draws
from l2l.core.sweep import Sweep
from l2l.workflows.lawbook import LawBook, law_book, with_bootstrap
from l2l.workflows.pairing import at_config

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs
    from l2l.base.schema import Join
    from l2l.workflows.translate import TranslationResult

__all__ = [
    "DEFAULT_DRAWS",
    "Allocation",
    "LawPrediction",
    "Sweeps",
    "ViaPrediction",
    "ViaStep",
    "calibration_for",
    "optimal",
    "predict",
    "predict_sources",
    "size_grid",
]

#: Bootstrap draws made when an interval needs parameter uncertainty and none were asked for.
DEFAULT_DRAWS = 200

TRAIN_TEST = (
    "train-to-test step not backtested (backtests cover own losses only): the own-loss interval carried through "
    "the translation, widened by its residual and parameter spread; a lower bound"
)
NOT_OWN = (
    "not backtested: backtests calibrate each dataset's own loss only; this interval holds the bootstrap's "
    "parameter uncertainty only and is a lower bound on the true uncertainty"
)


# ---------------------------------------------------------------------------------------------------------------
# Calibration of a run table
# ---------------------------------------------------------------------------------------------------------------


class Sweeps:
    """The runs of every (dataset, eval) of a run table as Sweeps: the table is split once, each Sweep built on
    first use and kept, so a caller that needs one per prediction (``evaluate``: hundreds) never rescans it."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame
        self._parts: dict[tuple[str, str], pl.DataFrame] | None = None
        self._made: dict[tuple[str, str], Sweep] = {}

    def _part(self, dataset: str, eval_name: str) -> pl.DataFrame | None:
        if self._parts is None:
            parts = self._frame.partition_by(["dataset", "eval"], as_dict=True)
            self._parts = {(str(k[0]), str(k[1])): v for k, v in parts.items()}
        return self._parts.get((dataset, eval_name))

    def has(self, dataset: str, eval_name: str) -> bool:
        """Whether the table has runs of ``dataset`` on ``eval_name``."""
        return self._part(dataset, eval_name) is not None

    def get(self, dataset: str, eval_name: str) -> Sweep:
        """The runs a law of ``dataset`` on ``eval_name`` is fitted on (N, D, C, loss)."""
        key = (dataset, eval_name)
        if key not in self._made:
            sub = self._part(dataset, eval_name)
            if sub is None or sub.height == 0:
                raise SelectionError(f"no runs of {dataset} with an {eval_name} loss to fit")
            self._made[key] = Sweep.of(
                sub["N"].to_numpy(), sub["D"].to_numpy(), sub["C"].to_numpy(), sub["loss"].to_numpy()
            )
        return self._made[key]


def calibration_for(
    runs: Runs, book: LawBook, cache: CalibrationCache | None = None, sweeps: Sweeps | None = None
) -> Calibration:
    """The error models of the own losses of ``book``'s runs (every dataset with an own eval and runs there),
    from ``cache`` when the same data and options were calibrated before (else learned and added to it);
    ``sweeps``: the caller's Sweeps of ``book.frame``, to share. The backtest refits start from each dataset's
    full fit (warm starts, ~20× faster than a full search)."""
    table = Sweeps(book.frame) if sweeps is None else sweeps
    own_sweeps = {
        ds: table.get(ds, own)
        for ds in runs.datasets
        if (own := runs.own_eval.get(ds)) is not None and table.has(ds, own)
    }
    opts = book.options
    key = calibration_key(own_sweeps, form=opts.form, objective=opts.objective, delta=opts.delta, warm=True)
    if cache is not None and key in cache:
        return cache[key]
    fits = book.fit_many([(ds, runs.own_eval[ds]) for ds in own_sweeps])
    warm = {ds: f.law.theta for ds, f in zip(own_sweeps, fits, strict=True) if isinstance(f, LawFit)}
    cal = calibrate(own_sweeps, form=opts.form, warm_starts=warm, objective=opts.objective, delta=opts.delta)
    if cache is not None:
        cache[key] = cal
    return cal


def _with_draws(book: LawBook, fit: LawFit, seed: int) -> LawFit:
    """``fit`` with bootstrap draws: its own when it has some, else ``DEFAULT_DRAWS`` new ones (not stored)."""
    if fit.bootstrap is not None:
        return fit
    return bootstrap_law(fit, *book.data(fit.dataset, fit.eval), draws=DEFAULT_DRAWS, seed=seed)


def _law_interval(
    runs: Runs,
    book: LawBook,
    cal: Calibration | None,
    fit: LawFit,
    sweep: Sweep,
    point: tuple[float, float, float],
    level: float,
    seed: int,
) -> tuple[PredictiveInterval, LawFit]:
    """The interval of a law's prediction at ``point`` (N, D, C), the law fitted on ``sweep``: the direct error
    model for an own loss, else the bootstrap alone (a lower bound). Returns the fit with draws when they had to
    be made."""
    N, D, C = point
    own = runs.own_eval.get(fit.dataset) == fit.eval
    model = cal.direct if (own and cal is not None) else None
    if model is None:
        fit = _with_draws(book, fit, seed)
        reason = NOT_OWN if not own else None
        if reason is not None:
            return direct_interval(fit, N, D, C, sweep, None, level, reason=reason), fit
    return direct_interval(fit, N, D, C, sweep, model, level), fit


# ---------------------------------------------------------------------------------------------------------------
# Direct predictions
# ---------------------------------------------------------------------------------------------------------------


def _ratios_dict(ratios: tuple[float, float, float]) -> dict[str, float]:
    return {"C_ratio": ratios[0], "N_ratio": ratios[1], "D_ratio": ratios[2]}


def _interval_dict(pi: PredictiveInterval, prefix: str = "loss") -> dict[str, Any]:
    return {
        prefix: pi.estimate,
        f"{prefix}_law": pi.raw,
        f"{prefix}_lo": pi.lo,
        f"{prefix}_hi": pi.hi,
        "level": pi.level,
        "interval_method": pi.method,
        "lower_bound_only": pi.lower_bound_only,
        "beyond_evidence": beyond_evidence(pi),
        "sd_param": pi.sd_param,
    }


@dataclass(frozen=True)
class LawPrediction:
    """The fitted law's loss at one (N, D) with its predictive interval (``interval``: the bias-corrected
    estimate, lo, hi, and the law's own value ``raw``), and how far it lies beyond the fitted runs (``ratios``:
    C, N and D over the largest fitted, above 1 = extrapolated)."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    interval: PredictiveInterval
    ratios: tuple[float, float, float]
    fit: LawFit

    @property
    def loss(self) -> float:
        """The bias-corrected estimate."""
        return self.interval.estimate

    @property
    def law_loss(self) -> float:
        """The law's own, uncorrected value."""
        return self.interval.raw

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "form": self.fit.form,
            "N": self.N,
            "D": self.D,
            "C": self.C,
        }
        d.update(_interval_dict(self.interval))
        d.update(_ratios_dict(self.ratios))
        d["notes"] = list(self.interval.notes)
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
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> list[LawPrediction]:
    """Each named law's loss at each (N, D) (D = C/(k·N) when only C is given), with its predictive interval at
    ``level`` (see the module docstring). ``bootstrap`` draws are made for the reported parameter spread
    (``sd_param``); where no backtest applies, ``DEFAULT_DRAWS`` are made anyway.

    ``datasets`` and ``evals`` name laws as everywhere (``all``; evals default to each dataset's own)."""
    check_level(level)
    k = runs.flops_per_param_token
    n_arr, d_arr = size_grid(N, D, C, k)
    book = law_book(runs, options, split, cache)
    laws = _laws(runs, book, datasets, evals, bootstrap, seed)
    sweeps = Sweeps(book.frame)
    cal = calibration_for(runs, book, calibrations, sweeps)
    out: list[LawPrediction] = []
    for fit in laws:
        sweep = sweeps.get(fit.dataset, fit.eval)
        for n, d in zip(n_arr, d_arr, strict=True):
            c = k * float(n * d)
            pi, fit_used = _law_interval(runs, book, cal, fit, sweep, (float(n), float(d), c), level, seed)
            out.append(
                LawPrediction(
                    fit.dataset,
                    fit.eval,
                    float(n),
                    float(d),
                    c,
                    pi,
                    range_ratios(float(n), float(d), c, sweep),
                    fit_used,
                )
            )
    return out


# ---------------------------------------------------------------------------------------------------------------
# Compute-optimal allocation
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """The compute-optimal N*, D* (C = k·N·D) at one budget with their intervals (``optimum``: percentile
    intervals over the law's bootstrap draws, parameter uncertainty only, a lower bound), and the loss there with
    its predictive interval (``interval``)."""

    dataset: str
    eval: str
    C: float
    optimum: OptimalInterval
    interval: PredictiveInterval
    C_ratio: float
    fit: LawFit
    k: float = 6.0

    @property
    def N_opt(self) -> float:
        return self.optimum.N_opt

    @property
    def D_opt(self) -> float:
        return self.optimum.D_opt

    @property
    def loss(self) -> float:
        return self.interval.estimate

    def to_dict(self) -> dict[str, Any]:
        o = self.optimum
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "flops_per_param_token": self.k,
            "form": self.fit.form,
            "C": self.C,
            "N_opt": o.N_opt,
            "N_opt_lo": o.N_interval[0],
            "N_opt_hi": o.N_interval[1],
            "D_opt": o.D_opt,
            "D_opt_lo": o.D_interval[0],
            "D_opt_hi": o.D_interval[1],
            "tokens_per_param": o.D_opt / o.N_opt,
            "optimum_draws": o.draws,
            "a": self.fit.law.a_opt,
        }
        d.update(_interval_dict(self.interval))
        d["C_ratio"] = self.C_ratio
        d["notes"] = list(self.interval.notes)
        d["warnings"] = list(self.fit.warnings)
        return d


def optimal(
    runs: Runs,
    *,
    C: Sequence[float],
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> list[Allocation]:
    """Compute-optimal N*, D* (C = k·N·D with the table's k) and the loss there, per law and budget, in closed
    form. N* and D* get percentile intervals over ``bootstrap`` draws (``DEFAULT_DRAWS`` when 0): parameter
    uncertainty only, since no backtest can score an optimum that is never measured. The loss at N* gets the
    calibrated predictive interval of ``predict``."""
    check_level(level)
    c_arr = np.asarray(C, dtype=np.float64)
    if not np.all(np.isfinite(c_arr) & (c_arr > 0)):
        raise UsageError("compute budgets C must be positive numbers", param="C")
    k = runs.flops_per_param_token
    book = law_book(runs, options, split, cache)
    laws = _laws(runs, book, datasets, evals, bootstrap, seed)
    sweeps = Sweeps(book.frame)
    cal = calibration_for(runs, book, calibrations, sweeps)
    out: list[Allocation] = []
    for fit in laws:
        drawn = _with_draws(book, fit, seed)
        sweep = sweeps.get(fit.dataset, fit.eval)
        for c in c_arr:
            opt = optimal_interval(drawn, float(c), level, k)
            pi, _ = _law_interval(
                runs, book, cal, drawn, sweep, (opt.N_opt, opt.D_opt, float(c)), level, seed
            )
            out.append(Allocation(fit.dataset, fit.eval, float(c), opt, pi, float(c) / sweep.max_C, fit, k))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Predictions through translation, from one or several sources
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViaStep:
    """One step of a prediction through translation: a measured source loss (``interval`` None), a single-source
    train-train translation, the combination of several, or a train-test translation. ``backtested``: the
    interval comes from an error model learned by backtests (own losses); else it is a lower bound."""

    description: str
    kind: str
    source: str
    dataset: str
    eval: str
    value: float
    interval: PredictiveInterval | None
    K: float | None = None
    kappa: float | None = None
    E0: float | None = None
    E1: float | None = None
    K_interval: tuple[float, float] | None = None
    kappa_interval: tuple[float, float] | None = None
    backtested: bool = False
    extrapolated: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "step": self.description,
            "kind": self.kind,
            "source": self.source,
            "dataset": self.dataset,
            "eval": self.eval,
            "loss": self.value,
        }
        pi = self.interval
        d["loss_law"] = None if pi is None else pi.raw
        d["loss_lo"] = None if pi is None else pi.lo
        d["loss_hi"] = None if pi is None else pi.hi
        d["level"] = None if pi is None else pi.level
        d["interval_method"] = None if pi is None else pi.method
        d["lower_bound_only"] = None if pi is None else pi.lower_bound_only
        d["backtested"] = self.backtested
        d["K"], d["kappa"], d["E0"], d["E1"] = self.K, self.kappa, self.E0, self.E1
        d["K_lo"], d["K_hi"] = self.K_interval if self.K_interval else (None, None)
        d["kappa_lo"], d["kappa_hi"] = self.kappa_interval if self.kappa_interval else (None, None)
        d["extrapolated"] = self.extrapolated
        d["notes"] = [] if pi is None else list(pi.notes)
        return d


@dataclass(frozen=True)
class ViaPrediction:
    """A prediction of ``target``'s loss on ``eval`` at (N, D) through translation from ``sources``' measured
    own losses: every step, the end ``result``, and the measured value where the table has it (``actual``).
    ``C`` is the target's compute (inferred from the source loss when no run fixed (N, D): ``C_inferred``)."""

    sources: tuple[str, ...]
    target: str
    eval: str
    N: float | None
    D: float | None
    C: float
    C_inferred: bool
    C_ratio: float
    steps: tuple[ViaStep, ...]
    result: PredictiveInterval
    actual: float | None
    combine: str
    notes: tuple[str, ...] = ()

    def to_dicts(self) -> list[dict[str, Any]]:
        rows = [s.to_dict() for s in self.steps]
        for r in rows:
            r["N"], r["D"], r["C"], r["C_ratio"] = self.N, self.D, self.C, self.C_ratio
            r["actual"] = None
        if rows:
            rows[-1]["actual"] = self.actual
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "target": self.target,
            "eval": self.eval,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "C_inferred": self.C_inferred,
            "C_ratio": self.C_ratio,
            "combine": self.combine,
            "result": self.result.to_dict(),
            "actual": self.actual,
            "steps": self.to_dicts(),
            "notes": list(self.notes),
        }


def _find_run(runs: Runs, run_id: str, prefer: str | None) -> tuple[float, float]:
    """(N, D) of run ``run_id`` (of dataset ``prefer`` when it has one of that id)."""
    import polars as pl

    rows = runs.frame.filter(pl.col("run_id") == run_id)
    if prefer is not None and rows.filter(pl.col("dataset") == prefer).height:
        rows = rows.filter(pl.col("dataset") == prefer)
    if rows.height == 0:
        raise SelectionError(f"no run {run_id!r} in the table")
    return float(rows["N"][0]), float(rows["D"][0])


def _loss_at(runs: Runs, dataset: str, eval_name: str, N: float, D: float) -> float | None:
    import polars as pl

    rows = runs.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name) & at_config(N, D))
    return float(rows["loss"][0]) if rows.height else None


def _inferred_compute(fit: LawFit, loss: float, k: float, sweep: Sweep, model: ErrorModel | None) -> float:
    """The budget at which ``fit``'s compute-optimal loss, bias-corrected by ``model``, equals ``loss``
    (bisection on log C over 1e10–1e32)."""
    lo, hi = math.log(1e10), math.log(1e32)
    span = span_of(sweep.max_C, float(sweep.C.min()))

    def at(logc: float) -> float:
        c = math.exp(logc)
        n, d = fit.law.compute_optimal(c, k)
        shift = 0.0 if model is None else model.bias(distance_of(c, sweep.max_C), span)
        return float(fit.predict(n, d)) * math.exp(shift)

    if loss >= at(lo) or loss <= at(hi):
        raise FitError(
            f"a source loss of {loss:.4g} is outside what the source's law reaches at any budget: "
            "cannot place it in compute"
        )
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid) > loss else (lo, mid)
    return math.exp(0.5 * (lo + hi))


def _pairs_xy(result: TranslationResult, split: str | None) -> tuple[Array, Array]:
    import polars as pl

    pairs = result.pairs
    assert pairs is not None
    if split is not None:
        pairs = pairs.filter((pl.col("split_x") == split) & (pl.col("split_y") == split))
    return pairs["x"].to_numpy().astype(np.float64), pairs["y"].to_numpy().astype(np.float64)


def _resolve_sources(runs: Runs, via: Sequence[str], tgt: str) -> tuple[list[str], bool]:
    if not via:
        raise UsageError("name at least one source dataset", param="via")
    if any(v == ALL for v in via):
        if len(via) > 1:
            raise UsageError("'all' names every source already; give it alone", param="via")
        return [d for d in runs.datasets if d != tgt and d in runs.own_eval], True
    out = list(dict.fromkeys(runs.resolve_dataset(v) for v in via))
    if tgt in out:
        raise UsageError(f"{tgt} is the target; a source must be another dataset", param="via")
    return out, False


def _source_losses(
    runs: Runs, sources: list[str], every: bool, src_loss: float | None, from_run: str | None
) -> tuple[float | None, float | None, dict[str, float]]:
    """(N, D) of ``from_run`` (None, None with a given source loss) and each source's measured own loss there."""
    if src_loss is not None:
        if not (src_loss > 0 and math.isfinite(src_loss)):
            raise UsageError(f"the source loss must be a positive loss, got {src_loss}", param="src_loss")
        return None, None, {sources[0]: float(src_loss)}
    assert from_run is not None
    n, d = _find_run(runs, from_run, sources[0] if len(sources) == 1 else None)
    found: dict[str, float] = {}
    for s in sources:
        x = _loss_at(runs, s, runs.own(s), n, d)
        if x is None and not every:
            raise SelectionError(
                f"{s} has no run at N = {n:.4g}, D = {d:.4g} (the configuration of {from_run})"
            )
        if x is not None:
            found[s] = x
    if not found:
        raise SelectionError(f"no other dataset has a run at N = {n:.4g}, D = {d:.4g}")
    return n, d, found


def predict_sources(
    runs: Runs,
    *,
    via: Sequence[str],
    tgt: str,
    src_loss: float | None = None,
    from_run: str | None = None,
    eval_name: str | None = None,
    split: str | None = None,
    join: Join = "nd",
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    combine: Combine = "mean",
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> ViaPrediction:
    """``tgt``'s loss (own, or on ``eval_name`` through its train-test translation) from measured source losses.

    One source: its loss ``src_loss``, or measured on run ``from_run``. Several (``via`` lists them, or ``all``:
    every other dataset with a run at the configuration): each one's own loss measured at the (N, D) of run
    ``from_run`` (a run of any dataset) is translated, and the translations are combined (``combine``: mean by
    default, the method the backtests and the paper's held-out runs support). Intervals: train-train steps and
    the combination are backtested (``l2l.core.calibrate``); a train-test step is not, and its interval, the own-loss
    interval carried through the translation widened by the regression's residual and parameter spread, is
    flagged as a lower bound."""
    from l2l.workflows.translate import translate

    check_level(level)
    tgt_ds = runs.resolve_dataset(tgt)
    sources, every = _resolve_sources(runs, via, tgt_ds)
    if (src_loss is None) == (from_run is None):
        raise UsageError("give exactly one of a source loss and a source run", param="src_loss")
    if src_loss is not None and len(sources) != 1:
        raise UsageError("several sources need a run to fix (N, D), not one source loss", param="src_loss")
    k = runs.flops_per_param_token
    n, d, x_by_src = _source_losses(runs, sources, every, src_loss, from_run)
    sources = list(x_by_src)

    cache = FitCache() if cache is None else cache
    book = law_book(runs, options, split, cache)
    sweeps = Sweeps(book.frame)
    cal = calibration_for(runs, book, calibrations, sweeps)
    own_tgt = runs.own(tgt_ds)
    tgt_sweep = sweeps.get(tgt_ds, own_tgt)
    tgt_law = book.get(tgt_ds, own_tgt)
    notes: list[str] = []
    if n is not None and d is not None:
        C, inferred = k * n * d, False
        aspect = float(aspect_of(tgt_law, np.array([n]), np.array([C]))[0])
    else:
        s0 = sources[0]
        src_law = book.get(s0, runs.own(s0))
        C = _inferred_compute(src_law, x_by_src[s0], k, sweeps.get(s0, runs.own(s0)), cal.direct)
        inferred, aspect = True, 0.0
        notes.append(
            f"no run fixes (N, D): the target's compute, {C:.3g} FLOPs, is where {sources[0]}'s compute-optimal "
            "loss equals the source loss; the interval assumes a compute-optimal model"
        )
    span_max, span_min = tgt_sweep.max_C, float(tgt_sweep.C.min())
    tgt_drawn = with_bootstrap(book, tgt_law, DEFAULT_DRAWS, seed)

    steps: list[ViaStep] = []
    singles: list[tuple[PredictiveInterval, float]] = []
    for s in sources:
        res = translate(runs, src=s, tgts=[tgt_ds], join=join, split=split, options=options, cache=cache)[0]
        t = res.usable()
        assert res.x_law is not None
        x_law = with_bootstrap(book, res.x_law, DEFAULT_DRAWS, seed)
        px, py = _pairs_xy(res, split)
        ti = translation_interval(
            x_by_src[s],
            px,
            py,
            t.E0,
            t.E1,
            C_target=C,
            C_fitted_max=span_max,
            C_fitted_min=span_min,
            model=cal.translation,
            aspect=aspect,
            group=f"{s}→{tgt_ds}",
            E0_draws=e_draws(x_law),
            E1_draws=e_draws(tgt_drawn),
            level=level,
            seed=seed,
        )
        own_s = runs.own(s)
        steps.append(ViaStep(f"measured: {s}:{own_s}", "measured", s, s, own_s, x_by_src[s], None))
        steps.append(
            ViaStep(
                f"train-train: {s}:{own_s} → {tgt_ds}:{own_tgt}",
                "train-train",
                s,
                tgt_ds,
                own_tgt,
                ti.prediction.estimate,
                ti.prediction,
                ti.K,
                ti.kappa,
                t.E0,
                t.E1,
                ti.K_interval,
                ti.kappa_interval,
                backtested=cal.translation is not None,
                extrapolated=t.extrapolates(x_by_src[s]),
            )
        )
        singles.append((ti.prediction, t.resid_sd))
    if len(singles) == 1:
        own_pi = singles[0][0]
    else:
        model = cal.combined.get(combine)
        own_pi = combined_interval(
            [p.raw for p, _ in singles],
            distance=distance_of(C, span_max),
            span=math.log(span_max / span_min) if span_max > span_min else math.log(2.0),
            model=model,
            method=combine,
            aspect=aspect,
            group=tgt_ds,
            sds=[sd for _, sd in singles],
            level=level,
        )
        steps.append(
            ViaStep(
                f"{combine} of {len(singles)} sources → {tgt_ds}:{own_tgt}",
                "combined",
                "",
                tgt_ds,
                own_tgt,
                own_pi.estimate,
                own_pi,
                backtested=model is not None,
            )
        )
    result = own_pi
    target_eval = own_tgt if eval_name in (None, OWN) else runs.resolve_eval(eval_name)
    if target_eval != own_tgt:
        step = _train_test_step(
            runs,
            book,
            tgt_ds,
            own_tgt,
            target_eval,
            own_pi,
            split=split,
            options=options,
            cache=cache,
            level=level,
            seed=seed,
        )
        steps.append(step)
        assert step.interval is not None
        result = step.interval
    actual = None if n is None or d is None else _loss_at(runs, tgt_ds, target_eval, n, d)
    return ViaPrediction(
        tuple(sources),
        tgt_ds,
        target_eval,
        n,
        d,
        C,
        inferred,
        C / span_max,
        tuple(steps),
        result,
        actual,
        combine if len(sources) > 1 else "single",
        tuple(notes),
    )


def _train_test_step(
    runs: Runs,
    book: LawBook,
    tgt: str,
    own: str,
    eval_name: str,
    own_pi: PredictiveInterval,
    *,
    split: str | None,
    options: FitOptions | None,
    cache: FitCache,
    level: float,
    seed: int,
) -> ViaStep:
    """The own-loss interval carried through ``tgt``'s own → ``eval_name`` translation (monotone, so the ends map
    to ends), each side widened in quadrature by the regression's residual sd and the spread of the translation
    over resampled pairs and E draws at the estimate: not backtested, a lower bound."""
    from l2l.workflows.translate import translate

    found = translate(
        runs, src=tgt, kind="train-test", evals=[eval_name], split=split, options=options, cache=cache
    )
    res = found[0]
    t = res.usable()
    assert res.x_law is not None
    assert res.y_law is not None
    x, y = _pairs_xy(res, split)
    e0 = e_draws(with_bootstrap(book, res.x_law, DEFAULT_DRAWS, seed))
    e1 = e_draws(with_bootstrap(book, res.y_law, DEFAULT_DRAWS, seed))
    _, dr = shifted_power_draws(x, y, t.E0, t.E1, E0_draws=e0, E1_draws=e1, seed=seed)
    k_iv = c_iv = None
    sd_param = 0.0
    if len(dr) >= 2:
        lo, hi = percentile_interval(dr[:, :2], level)
        k_iv, c_iv = (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
        sd_param = log_sd_at(dr, own_pi.estimate)

    def through(v: float) -> float:
        return float(t.predict(max(v, t.E0 * (1 + 1e-9))))

    pi = propagated_interval(own_pi, through, resid_sd=t.resid_sd, sd_param=sd_param, notes=(TRAIN_TEST,))
    return ViaStep(
        f"train-test: {tgt}:{own} → {tgt}:{eval_name}",
        "train-test",
        "",
        tgt,
        eval_name,
        pi.estimate,
        pi,
        t.K,
        t.kappa,
        t.E0,
        t.E1,
        k_iv,
        c_iv,
        backtested=False,
        extrapolated=t.extrapolates(own_pi.estimate),
    )
