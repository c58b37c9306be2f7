"""Calibrated predictive intervals: the extrapolation error learned from the sweep itself, by backtesting.

A bootstrap measures how well the sweep pins a law down; it misses the error of extrapolating a law that is only
approximately right, which dominates at 20× compute. This module learns that error by *backtesting inside the
sweep*: for each cutoff budget C_k (the largest ones that leave ≥ 3 budgets to fit), every dataset's law is
refitted on its runs with C ≤ C_k and predicts the runs above; each prediction's log error e = log(actual /
predicted) is recorded with how far it reached, d = log(C / C_k), the span the law was fitted over, w = log(C_k /
C_min), and how far the run's model size lies from compute-optimal, a = log(N / N*(C)). Pooled over all datasets
of the table (the bias of extrapolation is largely shared) and over runs within 3× of compute-optimal, the errors
are modelled as

    e ≈ u·(b0 + b1·a) + g·σ·z,    σ² = s0² + (s1·d/w)²,

with u the bias's growth (d, d/w or none: whichever predicts left-out cutoffs best), s0 a noise floor, s1 the
growth of the spread with the relative reach d/w (a law fitted over a short span extrapolates worse), g a spread
scale per dataset (or translation pair), shrunk toward 1. The quantile of z at the requested level is
*split-conformal* over cutoffs: each cutoff's errors are scored by the model estimated without it, so the quantile
includes the error of extrapolating the bias and spread themselves. A prediction L̂ at (d, w, a) gets

    log L̂ + u·(b0 + b1·a)  ±  q·g·σ

The backtest errors hold the parameter uncertainty of fits on smaller sweeps, so the bootstrap spread of the final
fit is reported (``sd_param``) but added (in quadrature) only on request: added by default it over-covered on
synthetic sweeps (benchmarks/bench_calibration.py). Translations (L1 = K·(L0 − E0)^κ + E1, E0 and E1 from the
independent fits) are backtested the same way (each cutoff's fits give E0, E1, K, κ; the measured source loss of
each run above the cutoff is translated), and their K and κ get intervals from resampling the pairs with bootstrap
draws of E0 and E1. Several sources are combined by their mean (or median, or inverse-variance weights), with the
combination's own backtested error model.

Where the sweep has too few budgets to backtest, no error model is built; intervals then come from the bootstrap
alone and say so (``lower_bound_only``). Pure: no printing, no files; scipy (optimize only) is imported lazily.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.checks import check_level
from l2l.base.errors import FitError
from l2l.core.fit import LawFit, fit_law, percentile_interval
from l2l.core.laws import Array, log_loss
from l2l.core.loss_to_loss import e_of, fit_shifted_power, log_sd_at, shifted_power_draws
from l2l.core.sweep import Index, Sweep, budgets, pair_configs

DEFAULT_LEVEL = 0.9
# A cutoff needs this many distinct budgets at or below it for its fits to count as a backtest.
MIN_FIT_BUDGETS = 3
# At most this many cutoffs (the largest ones): more fits cost time and reach smaller, less relevant sweeps.
MAX_CUTOFFS = 5
# An error model needs at least this many backtest errors from at least 2 cutoffs.
MIN_ERRORS = 10
# Prior weight, in cutoffs, that pulls a group's spread scale toward the pooled one.
GROUP_PRIOR = 1.0
# Backtest runs within this factor (log) of the compute-optimal model size train the error model.
MAX_ASPECT = math.log(3.0)
BIAS_FORMS: tuple[str, ...] = ("none", "distance", "reach")
Combine = Literal["mean", "median", "ivw"]
COMBINE_METHODS: tuple[Combine, ...] = ("mean", "median", "ivw")

FitFn = Callable[[Array, Array, Array], LawFit]


# ---------------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------------


SweepLike = Sweep | tuple[ArrayLike, ArrayLike, ArrayLike | None, ArrayLike]


def as_sweeps(table: Mapping[str, SweepLike]) -> dict[str, Sweep]:
    """dataset → Sweep, from Sweeps or (N, D, C, loss) tuples (C may be None: 6·N·D)."""
    out: dict[str, Sweep] = {}
    for name, v in table.items():
        out[name] = v if isinstance(v, Sweep) else Sweep.of(*v)
    return out


@lru_cache(maxsize=64)
def _z(level: float) -> float:
    # the standard library's inverse normal (Wichura's AS241, ~1e-16): scipy.stats costs 0.75 s CPU to import
    return NormalDist().inv_cdf(0.5 + level / 2)


def normal_quantile(level: float) -> float:
    """z such that a normal variable lies within ±z with probability ``level``."""
    check_level(level)
    return _z(level)


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictiveInterval:
    """A point prediction with its predictive interval at ``level``.

    ``estimate`` is the point prediction (bias-corrected when an error model supplied a bias; ``raw`` is the
    uncorrected law or translation). ``distance`` is log(C_target / largest fitted budget), 0 inside the fitted
    range. ``lower_bound_only``: no backtest evidence was available, so the interval holds parameter uncertainty
    only and the true uncertainty is larger. ``notes`` say so, and when the distance exceeds the backtests'.
    """

    estimate: float
    lo: float
    hi: float
    level: float
    distance: float
    method: str
    lower_bound_only: bool
    raw: float
    sd_param: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def half_width(self) -> float:
        """Half the width relative to the estimate: (hi − lo) / (2·estimate)."""
        return (self.hi - self.lo) / (2.0 * self.estimate)

    def covers(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": float(self.estimate),
            "lo": float(self.lo),
            "hi": float(self.hi),
            "level": float(self.level),
            "distance": float(self.distance),
            "method": self.method,
            "lower_bound_only": self.lower_bound_only,
            "raw": float(self.raw),
            "sd_param": float(self.sd_param),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class BacktestResidual:
    """One backtest prediction and its residual (``log_error``): fitted on budgets ≤ ``cutoff``, predicting a run
    at ``C`` (``distance`` = log(C / cutoff)); the evidence ``ErrorModel`` is learned from. ``source`` is empty
    for a direct prediction, the source dataset for a translation, and ``mean``/``median``/``ivw`` for a
    combination of several sources."""

    kind: str
    dataset: str
    source: str
    cutoff: float
    N: float
    D: float
    C: float
    distance: float
    predicted: float
    actual: float
    aspect: float = 0.0
    span: float = 1.0

    @property
    def group(self) -> str:
        """What the spread is scaled by: the pair ``source→dataset`` for a translation, else the dataset."""
        return f"{self.source}→{self.dataset}" if self.kind == "translation" else self.dataset

    @property
    def log_error(self) -> float:
        """log(actual / predicted): negative when the prediction was too high."""
        return math.log(self.actual / self.predicted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dataset": self.dataset,
            "source": self.source,
            "cutoff": float(self.cutoff),
            "N": float(self.N),
            "D": float(self.D),
            "C": float(self.C),
            "distance": float(self.distance),
            "predicted": float(self.predicted),
            "actual": float(self.actual),
            "aspect": float(self.aspect),
            "span": float(self.span),
            "log_error": self.log_error,
        }


@dataclass(frozen=True)
class ErrorModel:
    """Extrapolation error learned from backtests, in log space:

        log(actual / pred) ≈ u·(b0 + b1·a) + σ·z,   σ² = s0² + (s1·d/w)²

    d = log(C / largest fitted budget) (how far the prediction reaches), w = log(largest / smallest fitted budget)
    (the span the law was fitted over; d/w is the relative reach), a = log(N / N*(C)) (how far the model size lies
    from compute-optimal), u what the bias grows with (``bias_form``: d, d/w, or nothing). b0 is the bias per
    unit of u, b1 its change with the aspect, s0 the noise floor, s1 the growth of the spread with relative reach.
    ``scores`` are the sorted cross-fitted conformity scores |e − ê₋ₖ| / σ̂₋ₖ (each cutoff k scored with the model
    estimated without it, divided by its group's scale); their conformal quantile scales σ to the requested level.
    ``group_scales`` widen or narrow σ per dataset or translation pair.
    """

    kind: str
    bias_form: str
    bias_slope: float
    bias_aspect: float
    noise_sd: float
    spread_slope: float
    scores: tuple[float, ...]
    n_errors: int
    n_cutoffs: int
    max_distance: float
    max_reach: float
    max_aspect: float = math.inf
    group_scales: Mapping[str, float] = field(default_factory=dict)

    def scale(self, group: str = "") -> float:
        """The spread scale of ``group`` (1 for a group the backtests never saw)."""
        return float(self.group_scales.get(group, 1.0))

    def bias(self, distance: float, span: float, aspect: float = 0.0) -> float:
        """The expected log(actual / predicted) at this distance, span and aspect."""
        d = max(distance, 0.0)
        unit = {"none": 0.0, "distance": d, "reach": d / max(span, 1e-9)}[self.bias_form]
        # the aspect term was learned within ±max_aspect: held there, never extrapolated linearly beyond
        a = min(max(aspect, -self.max_aspect), self.max_aspect)
        return unit * (self.bias_slope + self.bias_aspect * a)

    def sd(self, distance: float, span: float, group: str = "") -> float:
        r = max(distance, 0.0) / max(span, 1e-9)
        return self.scale(group) * math.sqrt(self.noise_sd**2 + (self.spread_slope * r) ** 2)

    def quantile(self, level: float) -> float:
        """Split-conformal quantile of the scores: the ⌈(n+1)·level⌉-th smallest (the largest when beyond n)."""
        check_level(level)
        n = len(self.scores)
        k = math.ceil((n + 1) * level)
        return float(self.scores[min(k, n) - 1])

    def log_interval(
        self,
        distance: float,
        span: float,
        level: float = DEFAULT_LEVEL,
        sd_param: float = 0.0,
        aspect: float = 0.0,
        group: str = "",
    ) -> tuple[float, float]:
        """(shift, half-width) in log space: the interval is log pred + shift ± half-width."""
        q = self.quantile(level)
        half = math.hypot(q * self.sd(distance, span, group), _z(level) * sd_param)
        return self.bias(distance, span, aspect), half

    def interval(
        self,
        pred: float,
        distance: float,
        span: float,
        level: float = DEFAULT_LEVEL,
        sd_param: float = 0.0,
        *,
        aspect: float = 0.0,
        group: str = "",
        notes: Iterable[str] = (),
    ) -> PredictiveInterval:
        """The predictive interval of a prediction ``pred`` reaching ``distance`` beyond a fit over ``span``;
        ``group`` names the dataset (or ``source→target`` pair) whose spread scale applies."""
        if not (pred > 0 and math.isfinite(pred)):
            raise FitError(f"a prediction must be finite and > 0 to get an interval, got {pred}")
        shift, half = self.log_interval(distance, span, level, sd_param, aspect, group)
        centre = math.log(pred) + shift
        words = list(notes)
        reach = max(distance, 0.0) / max(span, 1e-9)
        if distance > self.max_distance * 1.05 or reach > self.max_reach * 1.05:
            words.append(
                f"the target lies {math.exp(distance):.3g}× beyond the fitted budgets (relative reach {reach:.2f}), "
                f"further than any backtest ({math.exp(self.max_distance):.3g}×, {self.max_reach:.2f}): the "
                "error model is extrapolated"
            )
        if abs(aspect) > self.max_aspect:
            words.append(
                f"the model size is {math.exp(abs(aspect)):.3g}× {'below' if aspect < 0 else 'above'} the "
                f"compute-optimal one; the error model was learned on runs within {math.exp(self.max_aspect):.3g}×"
            )
        return PredictiveInterval(
            estimate=math.exp(centre),
            lo=math.exp(centre - half),
            hi=math.exp(centre + half),
            level=level,
            distance=max(distance, 0.0),
            method=f"backtest:{self.kind}" + ("+bootstrap" if sd_param > 0 else ""),
            lower_bound_only=False,
            raw=pred,
            sd_param=sd_param,
            notes=tuple(words),
        )

    def to_record(self) -> dict[str, Any]:
        """Everything needed to rebuild this model exactly (``from_record``), JSON-safe."""
        rec = self.to_dict()
        rec.pop("q90")
        rec["scores"] = [float(v) for v in self.scores]
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> ErrorModel:
        return cls(
            kind=str(rec["kind"]),
            bias_form=str(rec["bias_form"]),
            bias_slope=float(rec["bias_slope"]),
            bias_aspect=float(rec["bias_aspect"]),
            noise_sd=float(rec["noise_sd"]),
            spread_slope=float(rec["spread_slope"]),
            scores=tuple(float(v) for v in rec["scores"]),
            n_errors=int(rec["n_errors"]),
            n_cutoffs=int(rec["n_cutoffs"]),
            max_distance=float(rec["max_distance"]),
            max_reach=float(rec["max_reach"]),
            max_aspect=float(rec["max_aspect"]),
            group_scales={str(k): float(v) for k, v in rec["group_scales"].items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "bias_form": self.bias_form,
            "bias_slope": self.bias_slope,
            "bias_aspect": self.bias_aspect,
            "noise_sd": self.noise_sd,
            "spread_slope": self.spread_slope,
            "q90": self.quantile(0.9),
            "n_errors": self.n_errors,
            "n_cutoffs": self.n_cutoffs,
            "max_distance": self.max_distance,
            "max_reach": self.max_reach,
            "max_aspect": self.max_aspect,
            "group_scales": {k: float(v) for k, v in self.group_scales.items()},
        }


NO_BACKTEST = (
    "too few compute budgets to backtest extrapolation: the interval holds parameter uncertainty only and is "
    "a lower bound on the true uncertainty"
)


def bootstrap_interval(
    pred: float,
    distance: float,
    sd_param: float,
    level: float = DEFAULT_LEVEL,
    *,
    notes: Iterable[str] = (),
    reason: str = NO_BACKTEST,
    method: str = "bootstrap",
) -> PredictiveInterval:
    """The fallback without backtest evidence: a normal interval of log pred with the sd ``sd_param`` only
    (bootstrap or regression residual: ``method``), flagged as a lower bound on the true uncertainty; ``reason``
    says why no backtested model applies."""
    check_level(level)
    half = _z(level) * sd_param
    words = [reason, *notes]
    return PredictiveInterval(
        estimate=pred,
        lo=pred * math.exp(-half),
        hi=pred * math.exp(half),
        level=level,
        distance=max(distance, 0.0),
        method=method,
        lower_bound_only=True,
        raw=pred,
        sd_param=sd_param,
        notes=tuple(words),
    )


# ---------------------------------------------------------------------------------------------------------------
# Fitting the error model
# ---------------------------------------------------------------------------------------------------------------


def _bias_unit(form: str, d: Array, r: Array) -> Array:
    """What the bias grows with: nothing, the distance d, or the relative reach d/w."""
    return {"none": np.zeros_like(d), "distance": d, "reach": r}[form]


def _estimate(form: str, e: Array, d: Array, a: Array, r: Array) -> tuple[float, float, float, float]:
    """(b0, b1, s0, s1): bias e ≈ u·(b0 + b1·a) (u from ``form``) by weighted least squares, spread
    σ² = s0² + (s1·r)² by non-negative least squares of the squared residuals on (1, r²); alternated 3 times."""
    from scipy.optimize import nnls

    u = _bias_unit(form, d, r)
    s0, s1 = float(np.std(e)) + 1e-6, 0.0
    b: Array = np.zeros(2)
    x = np.stack([u, u * a], axis=1)
    for _ in range(3):
        sw = 1.0 / np.sqrt(s0**2 + (s1 * r) ** 2)
        if np.any(u > 0):
            b = np.asarray(np.linalg.lstsq(x * sw[:, None], e * sw, rcond=None)[0], dtype=np.float64)
        res2 = (e - x @ b) ** 2
        design = np.stack([np.ones_like(r), r * r], axis=1)
        w2 = sw**2
        coef, _ = nnls(design * w2[:, None], res2 * w2)
        s0 = math.sqrt(max(float(coef[0]), 1e-12))
        s1 = math.sqrt(max(float(coef[1]), 0.0))
    return float(b[0]), float(b[1]), s0, s1


def _cross_fit(form: str, e: Array, d: Array, a: Array, r: Array, cut: Array) -> tuple[Array, Array]:
    """Leave-one-cutoff-out residuals e − ê₋ₖ and their predicted sds σ̂₋ₖ."""
    res, sd = np.empty(len(e)), np.empty(len(e))
    u = _bias_unit(form, d, r)
    for c in np.unique(cut):
        m = cut == c
        b0k, b1k, s0k, s1k = _estimate(form, e[~m], d[~m], a[~m], r[~m])
        res[m] = e[m] - u[m] * (b0k + b1k * a[m])
        sd[m] = np.sqrt(s0k**2 + (s1k * r[m]) ** 2)
    return res, sd


def fit_error_model(
    errors: Sequence[BacktestResidual],
    kind: str = "direct",
    *,
    by_group: bool = True,
    bias_form: str = "auto",
    max_aspect: float = MAX_ASPECT,
) -> ErrorModel:
    """The error model of ``errors`` (backtest errors, pooled); raises FitError when there are too few.

    Only runs within ``max_aspect`` (in log N/N*) of compute-optimal count: the far off-optimal corners of an
    iso-FLOP grid err in their own, non-linear way (on Eq. 1 data fitted with Eq. 3 they set a bias that made
    near-optimal predictions worse), and big runs are planned near compute-optimal.

    ``bias_form``: how the bias grows, with the distance d (``distance``), the relative reach d/w (``reach``), or
    not at all (``none``); ``auto`` picks the one whose leave-one-cutoff-out residuals are smallest in mean
    absolute value (on the paper's runs the bias grows with d; on Eq. 1 data fitted with Eq. 3 a bias learned
    from short sweeps does not carry over to the full one).

    With ``by_group`` the spread is scaled per group (dataset, or translation pair): some translations are much
    tighter than others. Scales and scores are cross-fitted over cutoffs, so the conformal quantile stays honest.
    """
    errors = [x for x in errors if abs(x.aspect) <= max_aspect]
    if len(errors) < MIN_ERRORS:
        raise FitError(
            f"{len(errors)} backtest errors are too few to learn an extrapolation error (need {MIN_ERRORS})"
        )
    e = np.array([x.log_error for x in errors])
    d = np.array([x.distance for x in errors])
    a = np.array([x.aspect for x in errors])
    r = d / np.array([x.span for x in errors])
    cut = np.array([x.cutoff for x in errors])
    cutoffs = np.unique(cut)
    if len(cutoffs) < 2:
        raise FitError("backtests from a single cutoff cannot be cross-fitted; need at least two cutoffs")
    forms = BIAS_FORMS if bias_form == "auto" else (bias_form,)
    crossed = {f: _cross_fit(f, e, d, a, r, cut) for f in forms}
    # the bias form whose cross-fitted residuals are smallest: which way the bias grows is learned, not assumed
    form = min(forms, key=lambda f: float(np.mean(np.abs(crossed[f][0]))))
    b0, b1, s0, s1 = _estimate(form, e, d, a, r)
    raw = np.abs(crossed[form][0]) / crossed[form][1]
    groups = np.array([x.group for x in errors])
    scores = np.empty(len(e))
    for c in cutoffs:
        m = cut == c
        for g in np.unique(groups[m]):
            sel = m & (groups == g)
            scores[sel] = raw[sel] / _group_scale(raw, cut, groups, g, exclude=c)
    scales = {str(g): _group_scale(raw, cut, groups, g) for g in np.unique(groups)} if by_group else {}
    if not by_group:
        scores = raw
    return ErrorModel(
        kind=kind,
        bias_form=form,
        bias_slope=b0,
        bias_aspect=b1,
        noise_sd=s0,
        spread_slope=s1,
        scores=tuple(sorted(scores)),
        n_errors=len(errors),
        n_cutoffs=len(cutoffs),
        max_distance=float(d.max()),
        max_reach=float(r.max()),
        max_aspect=max_aspect,
        group_scales=scales,
    )


def _group_scale(raw: Array, cut: Array, groups: Array, g: str, exclude: float | None = None) -> float:
    """sqrt of the group's mean squared score relative to all groups', shrunk toward 1 with the weight of
    ``GROUP_PRIOR`` cutoffs (each cutoff's errors are one piece of evidence: they share one fit)."""
    keep = np.ones(len(raw), dtype=bool) if exclude is None else cut != exclude
    sel = keep & (groups == g)
    if not sel.any():
        return 1.0
    ratio = float(np.mean(raw[sel] ** 2) / np.mean(raw[keep] ** 2))
    n_cut = len(np.unique(cut[sel]))
    return math.sqrt((n_cut * ratio + GROUP_PRIOR) / (n_cut + GROUP_PRIOR))


# ---------------------------------------------------------------------------------------------------------------
# Backtests
# ---------------------------------------------------------------------------------------------------------------


def default_fit(form: str = "l2l") -> FitFn:
    def fit(n: Array, d: Array, y: Array) -> LawFit:
        return fit_law(n, d, y, form=form)

    return fit


def aspect_of(fit: LawFit, N: ArrayLike, C: ArrayLike) -> Array:
    """log(N / N*(C)): how far a model size lies from the law's compute-optimal size at its budget."""
    n_opt, _ = fit.law.compute_optimal(np.asarray(C, dtype=np.float64))
    return np.asarray(np.log(np.asarray(N, dtype=np.float64) / n_opt), dtype=np.float64)


def combine_values(values: ArrayLike, method: Combine = "mean", sds: ArrayLike | None = None) -> float:
    """One prediction from several single-source predictions: their mean, median, or inverse-variance weighted
    mean in log space (``sds``: each source's log sd)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if len(v) == 0:
        raise FitError("no predictions to combine")
    if method == "mean":
        return float(np.mean(v))
    if method == "median":
        return float(np.median(v))
    if method == "ivw":
        if sds is None:
            raise FitError("inverse-variance weighting needs each source's sd")
        s = np.maximum(np.asarray(sds, dtype=np.float64).ravel(), 1e-6)
        w = 1.0 / s**2
        return float(np.exp(np.sum(w * np.log(v)) / np.sum(w)))
    raise FitError(f"unknown combination {method!r}; expected one of {', '.join(COMBINE_METHODS)}")


@dataclass(frozen=True)
class Backtest:
    """Every backtest error of a table: ``direct`` (each dataset's own law), ``translation`` (single-source
    train-to-train), ``combined`` (method → errors of combining all other sources). ``cutoffs`` that produced
    errors; ``notes`` say what could not be backtested."""

    direct: tuple[BacktestResidual, ...]
    translation: tuple[BacktestResidual, ...]
    combined: Mapping[str, tuple[BacktestResidual, ...]]
    cutoffs: tuple[float, ...]
    n_fits: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoffs": list(self.cutoffs),
            "n_fits": self.n_fits,
            "n_direct": len(self.direct),
            "n_translation": len(self.translation),
            "n_combined": {k: len(v) for k, v in self.combined.items()},
            "notes": list(self.notes),
        }


def backtest_cutoffs(sweeps: Mapping[str, Sweep], min_fit_budgets: int = MIN_FIT_BUDGETS) -> list[float]:
    """Cutoff budgets to backtest at: every budget below the largest with at least ``min_fit_budgets`` budgets at
    or below it, the largest ``MAX_CUTOFFS`` of them."""
    all_c = budgets(np.concatenate([s.C for s in sweeps.values()]))
    if len(all_c) < 2:
        return []
    cands = [float(c) for k, c in enumerate(all_c[:-1]) if k + 1 >= min_fit_budgets]
    return cands[-MAX_CUTOFFS:]


_Single = tuple[float, float, BacktestResidual]  # (prediction, in-sample resid sd, the error record)


def _warm_fitters(
    form: str,
    fit: FitFn | None,
    warm_starts: Mapping[str, ArrayLike] | None,
    objective: Literal["huber", "mse"] = "huber",
    delta: float = 1e-3,
) -> Callable[[str], FitFn]:
    def plain(n: Array, d: Array, y: Array) -> LawFit:
        return fit_law(n, d, y, form=form, objective=objective, delta=delta)

    base = fit or plain

    def fitter_for(name: str) -> FitFn:
        if fit is not None or warm_starts is None or name not in warm_starts:
            return base
        start = np.atleast_2d(np.asarray(warm_starts[name], dtype=np.float64))

        def warm(n: Array, d: Array, y: Array) -> LawFit:
            return fit_law(n, d, y, form=form, objective=objective, delta=delta, starts=start)

        return warm

    return fitter_for


def _pair(a: Sweep, b: Sweep) -> tuple[Index, Index]:
    return pair_configs(a.N, a.D, b.N, b.D)


def _above(sw: Sweep, cut: float) -> Array:
    return np.asarray(cut * (1 + 1e-9) < sw.C)


def _direct_errors(name: str, sw: Sweep, law: LawFit, cut: float, span: float) -> list[BacktestResidual]:
    up = _above(sw, cut)
    pred = law.predict(sw.N[up], sw.D[up])
    asp = aspect_of(law, sw.N[up], sw.C[up])
    rows = zip(sw.N[up], sw.D[up], sw.C[up], sw.loss[up], pred, asp, strict=True)
    return [
        BacktestResidual("direct", name, "", cut, n, d, c, math.log(c / cut), float(p), y, a, span)
        for n, d, c, y, p, a in rows
    ]


def _translation_errors(
    src: str,
    tgt: str,
    sweeps: Mapping[str, Sweep],
    idx: tuple[Index, Index],
    laws: Mapping[str, LawFit],
    cut: float,
    span: float,
) -> list[_Single]:
    """Single-source translations of the runs of ``src`` above ``cut`` onto ``tgt`` (raises FitError when the
    pairs at or below the cutoff cannot be fitted)."""
    ii, jj = idx
    a, b = sweeps[src], sweeps[tgt]
    low = a.C[ii] <= cut * (1 + 1e-9)
    pf = fit_shifted_power(a.loss[ii][low], b.loss[jj][low], laws[src].law.E, laws[tgt].law.E)
    out: list[_Single] = []
    for i, j in zip(ii[~low], jj[~low], strict=True):
        x = float(a.loss[i])
        if x <= pf.E0:
            continue
        p = float(pf.predict(x))
        asp = float(aspect_of(laws[tgt], b.N[j : j + 1], b.C[j : j + 1])[0])
        c = float(b.C[j])
        err = BacktestResidual(
            "translation",
            tgt,
            src,
            cut,
            float(b.N[j]),
            float(b.D[j]),
            c,
            math.log(c / cut),
            p,
            float(b.loss[j]),
            asp,
            span,
        )
        out.append((p, pf.resid_sd, err))
    return out


def _combined_errors(items: Sequence[_Single], cut: float) -> dict[str, BacktestResidual]:
    """Each combination method's prediction of one target run from several single-source translations."""
    vals = np.array([it[0] for it in items])
    sds = np.array([it[1] for it in items])
    ref = items[0][2]
    out: dict[str, BacktestResidual] = {}
    for m in COMBINE_METHODS:
        p = combine_values(vals, m, sds)
        out[m] = BacktestResidual(
            f"combined:{m}",
            ref.dataset,
            m,
            cut,
            ref.N,
            ref.D,
            ref.C,
            ref.distance,
            p,
            ref.actual,
            ref.aspect,
            ref.span,
        )
    return out


def run_backtests(
    table: Mapping[str, SweepLike],
    *,
    form: str = "l2l",
    fit: FitFn | None = None,
    translations: bool = True,
    min_fit_budgets: int = MIN_FIT_BUDGETS,
    max_cutoffs: int = MAX_CUTOFFS,
    warm_starts: Mapping[str, ArrayLike] | None = None,
    objective: Literal["huber", "mse"] = "huber",
    delta: float = 1e-3,
) -> Backtest:
    """Refit every dataset's law on budgets ≤ each cutoff and record the errors on the runs above: direct
    predictions, single-source translations of the measured source loss (E0, E1 from the cutoff's fits, K and κ
    from the pairs at or below it), and combinations of all sources with a run at the same (N, D).

    ``fit`` replaces the fitter (default: ``fit_law`` from the full grid of starts, ~0.1–0.5 s per fit).
    ``warm_starts`` (dataset → optimizer coordinates, e.g. ``LawFit.law.theta`` of the full-sweep fit) refits
    each backtest from that single start instead: about 20× faster, at the risk of a local optimum on laws
    with several."""
    sweeps = as_sweeps(table)
    fitter_for = _warm_fitters(form, fit, warm_starts, objective, delta)
    cutoffs = backtest_cutoffs(sweeps, min_fit_budgets)[-max_cutoffs:] if max_cutoffs > 0 else []
    acc = _Acc(comb={m: [] for m in COMBINE_METHODS})
    pairs = (
        {(a, b): _pair(sweeps[a], sweeps[b]) for a in sweeps for b in sweeps if a != b}
        if translations
        else {}
    )
    for cut in cutoffs:
        laws = _fit_cutoff(sweeps, cut, fitter_for, min_fit_budgets, acc)
        if laws:
            acc.used.append(cut)
            _translate_cutoff(sweeps, pairs, laws, cut, acc)
    if not acc.used:
        acc.notes.append(
            f"no cutoff leaves {min_fit_budgets} budgets to fit and runs above to predict: nothing to backtest"
        )
    return Backtest(
        tuple(acc.direct),
        tuple(acc.trans),
        {m: tuple(v) for m, v in acc.comb.items()},
        tuple(acc.used),
        acc.n_fits,
        tuple(acc.notes),
    )


@dataclass
class _Acc:
    """What the backtests collect, cutoff by cutoff."""

    comb: dict[str, list[BacktestResidual]]
    direct: list[BacktestResidual] = field(default_factory=list)
    trans: list[BacktestResidual] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    n_fits: int = 0


def _fit_cutoff(
    sweeps: Mapping[str, Sweep],
    cut: float,
    fitter_for: Callable[[str], FitFn],
    min_fit_budgets: int,
    acc: _Acc,
) -> dict[str, LawFit]:
    """Every dataset's law fitted on budgets ≤ ``cut`` (where enough budgets lie below and runs above), with
    its direct errors recorded."""
    laws: dict[str, LawFit] = {}
    for name, sw in sweeps.items():
        part = sw.below(cut)
        if len(budgets(part.C)) < min_fit_budgets or not np.any(_above(sw, cut)):
            continue
        acc.n_fits += 1
        try:
            laws[name] = fitter_for(name)(part.N, part.D, part.loss)
        except FitError as exc:
            acc.notes.append(f"cutoff {cut:.3g}, {name}: {exc.message}")
            continue
        acc.direct.extend(_direct_errors(name, sw, laws[name], cut, span_of(cut, float(sw.C.min()))))
    return laws


def _translate_cutoff(
    sweeps: Mapping[str, Sweep],
    pairs: Mapping[tuple[str, str], tuple[Index, Index]],
    laws: Mapping[str, LawFit],
    cut: float,
    acc: _Acc,
) -> None:
    by_target: dict[tuple[str, float, float], list[_Single]] = {}
    for (src, tgt), idx in pairs.items():
        if src not in laws or tgt not in laws:
            continue
        span = span_of(cut, float(sweeps[tgt].C.min()))
        try:
            singles = _translation_errors(src, tgt, sweeps, idx, laws, cut, span)
        except FitError as exc:
            acc.notes.append(f"cutoff {cut:.3g}, {src} → {tgt}: {exc.message}")
            continue
        for one in singles:
            acc.trans.append(one[2])
            by_target.setdefault((tgt, one[2].N, one[2].D), []).append(one)
    for items in by_target.values():
        if len(items) >= 2:
            for m, err in _combined_errors(items, cut).items():
                acc.comb[m].append(err)


@dataclass(frozen=True)
class Calibration:
    """The error models of one run table: ``direct``, ``translation`` and per combination method (None where
    the backtests were too few: intervals then fall back to the bootstrap and are flagged lower bounds)."""

    direct: ErrorModel | None
    translation: ErrorModel | None
    combined: Mapping[str, ErrorModel | None]
    backtest: Backtest
    notes: tuple[str, ...] = ()

    @property
    def lower_bound_only(self) -> bool:
        return self.direct is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "direct": None if self.direct is None else self.direct.to_dict(),
            "translation": None if self.translation is None else self.translation.to_dict(),
            "combined": {k: None if v is None else v.to_dict() for k, v in self.combined.items()},
            "backtest": self.backtest.to_dict(),
            "lower_bound_only": self.lower_bound_only,
            "notes": list(self.notes),
        }

    def to_record(self) -> dict[str, Any]:
        """The error models and notes, JSON-safe (``from_record``); the backtest errors themselves are not kept,
        only their summary."""

        def one(m: ErrorModel | None) -> dict[str, Any] | None:
            return None if m is None else m.to_record()

        return {
            "direct": one(self.direct),
            "translation": one(self.translation),
            "combined": {k: one(v) for k, v in self.combined.items()},
            "cutoffs": [float(c) for c in self.backtest.cutoffs],
            "n_fits": self.backtest.n_fits,
            "notes": list(self.notes),
        }

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Calibration:
        def one(m: Mapping[str, Any] | None) -> ErrorModel | None:
            return None if m is None else ErrorModel.from_record(m)

        bt = Backtest((), (), {}, tuple(float(c) for c in rec["cutoffs"]), int(rec["n_fits"]))
        return cls(
            one(rec["direct"]),
            one(rec["translation"]),
            {str(k): one(v) for k, v in rec["combined"].items()},
            bt,
            tuple(str(n) for n in rec["notes"]),
        )


class CalibrationCache(dict[str, Calibration]):
    """Calibrations keyed by what they were learned from (``calibration_key``): a calibration is never served for
    runs or settings that changed. The CLI keeps one in the workspace."""

    def records(self) -> dict[str, dict[str, Any]]:
        return {k: c.to_record() for k, c in self.items()}

    @classmethod
    def from_records(cls, records: Mapping[str, Mapping[str, Any]]) -> CalibrationCache:
        return cls({k: Calibration.from_record(rec) for k, rec in records.items()})


CALIBRATION_VERSION = 1


def calibration_key(table: Mapping[str, SweepLike], **settings: object) -> str:
    """What a calibration depends on, hashed: the sweeps' exact points (order-independent) and the settings."""
    import hashlib

    h = hashlib.sha256(f"v{CALIBRATION_VERSION}|{sorted((k, repr(v)) for k, v in settings.items())}".encode())
    for name, sw in sorted(as_sweeps(table).items()):
        h.update(name.encode())
        order = np.lexsort((sw.loss, sw.C, sw.D, sw.N))
        for arr in (sw.N, sw.D, sw.C, sw.loss):
            h.update(np.ascontiguousarray(arr[order], dtype="<f8").tobytes())
    return h.hexdigest()[:32]


def _try_model(errors: Sequence[BacktestResidual], kind: str, notes: list[str]) -> ErrorModel | None:
    try:
        return fit_error_model(errors, kind)
    except FitError as exc:
        notes.append(f"{kind}: {exc.message}")
        return None


def calibrate(
    table: Mapping[str, SweepLike],
    *,
    form: str = "l2l",
    fit: FitFn | None = None,
    translations: bool = True,
    min_fit_budgets: int = MIN_FIT_BUDGETS,
    max_cutoffs: int = MAX_CUTOFFS,
    warm_starts: Mapping[str, ArrayLike] | None = None,
    objective: Literal["huber", "mse"] = "huber",
    delta: float = 1e-3,
) -> Calibration:
    """Backtest a run table (dataset → (N, D, C, loss) of its own loss) and learn its error models (see
    ``run_backtests`` for the options; ``objective`` and ``delta`` are the law fits')."""
    bt = run_backtests(
        table,
        warm_starts=warm_starts,
        objective=objective,
        delta=delta,
        form=form,
        fit=fit,
        translations=translations,
        min_fit_budgets=min_fit_budgets,
        max_cutoffs=max_cutoffs,
    )
    notes = list(bt.notes)
    direct = _try_model(bt.direct, "direct", notes)
    trans = _try_model(bt.translation, "translation", notes) if translations else None
    comb = {
        m: _try_model(v, f"combined:{m}", notes) if translations else None for m, v in bt.combined.items()
    }
    return Calibration(direct, trans, comb, bt, tuple(notes))


# ---------------------------------------------------------------------------------------------------------------
# Intervals of predictions
# ---------------------------------------------------------------------------------------------------------------


def span_of(C_fitted_max: float, C_fitted_min: float) -> float:
    """log(C_max / C_min) of the fitted budgets: the range a law was fitted over (at least log 2)."""
    return max(math.log(C_fitted_max / C_fitted_min), math.log(2.0))


def distance_of(C_target: float, C_fitted_max: float) -> float:
    """log(C_target / C_fitted_max), 0 inside the fitted range."""
    return max(0.0, math.log(C_target / C_fitted_max))


def extrapolation_notes(N: float, D: float, C: float, sweep: Sweep) -> tuple[str, ...]:
    """Words on how far (N, D, C) lies beyond the fitted runs (empty inside the range). Below the smallest
    fitted value is flagged too: backtests only ever extrapolate upward, so nothing calibrates a law there."""
    out: list[str] = []
    below: list[str] = []
    for name, v, arr in (("compute", C, sweep.C), ("N", N, sweep.N), ("D", D, sweep.D)):
        top, bottom = float(arr.max()), float(arr.min())
        if v > top * (1 + 1e-9):
            out.append(f"{name} is {v / top:.3g}× the largest fitted")
        elif v < bottom * (1 - 1e-9):
            below.append(f"{name} {bottom / v:.3g}×")
    if below:
        out.append(
            f"{', '.join(below)} below the smallest fitted: backtests only test extrapolation upward, so "
            "nothing calibrates the law there (the interval is a lower bound)"
        )
    return tuple(out)


def range_ratios(N: float, D: float, C: float, sweep: Sweep) -> tuple[float, float, float]:
    """(C, N, D) each divided by the largest fitted value: above 1 the prediction extrapolates that far."""
    return C / sweep.max_C, N / float(sweep.N.max()), D / float(sweep.D.max())


def beyond_evidence(pi: PredictiveInterval) -> bool:
    """True when a prediction lies where the backtests have no evidence: flagged a lower bound, further than any
    backtest reached, off the compute-optimal sizes the error model was learned on, or below the fitted range."""
    words = ("further than any backtest", "compute-optimal one", "below the smallest fitted")
    return pi.lower_bound_only or any(w in n for n in pi.notes for w in words)


def prediction_sd(fit: LawFit, N: float, D: float) -> float:
    """Bootstrap sd of log L̂(N, D) over the fit's draws (0 when it has none)."""
    if fit.bootstrap is None:
        return 0.0
    lp = log_loss(fit.form, fit.bootstrap, np.log(np.array([N])), np.log(np.array([D])))[:, 0]
    return float(np.std(lp, ddof=1))


def direct_interval(
    fit: LawFit,
    N: float,
    D: float,
    C: float,
    sweep: Sweep,
    model: ErrorModel | None,
    level: float = DEFAULT_LEVEL,
    *,
    group: str | None = None,
    include_bootstrap: bool = False,
    reason: str = NO_BACKTEST,
) -> PredictiveInterval:
    """The predictive interval of a dataset's own law at (N, D, C), fitted on ``sweep``. With ``model``: the
    backtest-learned extrapolation error, which already holds the parameter uncertainty of fits on smaller
    sweeps (adding the bootstrap spread of ``fit`` in quadrature, ``include_bootstrap``, over-covered in
    benchmarks/bench_calibration.py: 97–99 % for 90 % intervals); without, the bootstrap alone, flagged a lower
    bound. ``group`` (default: the fit's dataset) picks the dataset's spread scale. The bootstrap sd is reported
    in ``sd_param`` either way."""
    check_level(level)
    pred = float(fit.predict(N, D))
    dist = distance_of(C, sweep.max_C)
    sd = prediction_sd(fit, N, D)
    notes = extrapolation_notes(N, D, C, sweep)
    if model is None:
        return bootstrap_interval(pred, dist, sd, level, notes=notes, reason=reason)
    span = span_of(sweep.max_C, float(sweep.C.min()))
    aspect = float(aspect_of(fit, np.array([N]), np.array([C]))[0])
    g = fit.dataset if group is None else group
    sd_used = sd if include_bootstrap else 0.0
    pi = model.interval(pred, dist, span, level, sd_used, aspect=aspect, group=g, notes=notes)
    below = any("below the smallest fitted" in n for n in notes)
    return replace(pi, sd_param=sd, lower_bound_only=below)


@dataclass(frozen=True)
class OptimalInterval:
    """Compute-optimal N* and D* at budget C with percentile intervals over the bootstrap draws of the law.

    Parameter uncertainty only (no backtest can score an optimum, which is never measured), so always
    ``lower_bound_only``; without draws the intervals collapse to the point."""

    C: float
    N_opt: float
    D_opt: float
    N_interval: tuple[float, float]
    D_interval: tuple[float, float]
    level: float
    draws: int
    lower_bound_only: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": self.C,
            "N_opt": self.N_opt,
            "D_opt": self.D_opt,
            "N_lo": self.N_interval[0],
            "N_hi": self.N_interval[1],
            "D_lo": self.D_interval[0],
            "D_hi": self.D_interval[1],
            "level": self.level,
            "draws": self.draws,
            "lower_bound_only": self.lower_bound_only,
        }


def optimal_interval(
    fit: LawFit, C: float, level: float = DEFAULT_LEVEL, flops_per_param_token: float = 6.0
) -> OptimalInterval:
    """N*, D* of ``fit`` at budget ``C`` with percentile intervals over its bootstrap draws."""
    from l2l.core.laws import ScalingLaw

    check_level(level)
    n_opt, d_opt = (float(v) for v in fit.law.compute_optimal(C, flops_per_param_token))
    if fit.bootstrap is None or len(fit.bootstrap) < 2:
        return OptimalInterval(C, n_opt, d_opt, (n_opt, n_opt), (d_opt, d_opt), level, 0)
    ns = np.array(
        [
            float(ScalingLaw.from_theta(fit.form, t).compute_optimal(C, flops_per_param_token)[0])
            for t in fit.bootstrap
        ]
    )
    ns = ns[np.isfinite(ns) & (ns > 0)]
    lo, hi = percentile_interval(ns, level)
    n_lo, n_hi = float(lo), float(hi)
    k = C / flops_per_param_token
    return OptimalInterval(C, n_opt, d_opt, (n_lo, n_hi), (k / n_hi, k / n_lo), level, len(ns))


@dataclass(frozen=True)
class TranslationInterval:
    """A translated prediction with intervals on K, κ and the prediction (``prediction``), from resampled pairs
    and bootstrap draws of E0 and E1, plus the backtest-learned residual."""

    K: float
    kappa: float
    K_interval: tuple[float, float]
    kappa_interval: tuple[float, float]
    prediction: PredictiveInterval
    draws: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "K": self.K,
            "kappa": self.kappa,
            "K_lo": self.K_interval[0],
            "K_hi": self.K_interval[1],
            "kappa_lo": self.kappa_interval[0],
            "kappa_hi": self.kappa_interval[1],
            "draws": self.draws,
            "prediction": self.prediction.to_dict(),
        }


def e_draws(fit: LawFit) -> Array | None:
    """Bootstrap draws of E of a fitted law (None without draws; zeros for Kaplan)."""
    if fit.bootstrap is None:
        return None
    return e_of(fit.form, fit.bootstrap)


def translation_interval(
    x_target: float,
    x: ArrayLike,
    y: ArrayLike,
    E0: float,
    E1: float,
    *,
    C_target: float,
    C_fitted_max: float,
    C_fitted_min: float,
    model: ErrorModel | None,
    aspect: float = 0.0,
    group: str = "",
    include_bootstrap: bool = False,
    E0_draws: ArrayLike | None = None,
    E1_draws: ArrayLike | None = None,
    level: float = DEFAULT_LEVEL,
    draws: int = 400,
    seed: int = 0,
) -> TranslationInterval:
    """Translate the measured source loss ``x_target`` with y ≈ K·(x − E0)^κ + E1 fitted on the pairs (x, y),
    with intervals on K, κ (percentiles over the draws) and on the prediction: the backtest-learned error of
    translations (plus the draws' spread with ``include_bootstrap``), or without a model the draws' spread alone,
    flagged a lower bound. ``group`` is the ``source→target`` pair, for its spread scale."""
    check_level(level)
    best, dr = shifted_power_draws(x, y, E0, E1, E0_draws=E0_draws, E1_draws=E1_draws, draws=draws, seed=seed)
    if x_target <= E0:
        raise FitError(
            f"a source loss of {x_target:.4g} is at or below E0 = {E0:.4g}: the translation is undefined"
        )
    pred = float(best.predict(x_target))
    sd = log_sd_at(dr, x_target)
    if len(dr) >= 2:
        lo, hi = percentile_interval(dr[:, :2], level)
        k_lo, c_lo = (float(v) for v in lo)
        k_hi, c_hi = (float(v) for v in hi)
    else:
        k_lo = k_hi = best.K
        c_lo = c_hi = best.kappa
    dist = distance_of(C_target, C_fitted_max)
    span = span_of(C_fitted_max, C_fitted_min)
    pi = (
        bootstrap_interval(pred, dist, sd, level)
        if model is None
        else replace(
            model.interval(
                pred, dist, span, level, sd if include_bootstrap else 0.0, aspect=aspect, group=group
            ),
            sd_param=sd,
        )
    )
    return TranslationInterval(best.K, best.kappa, (k_lo, k_hi), (c_lo, c_hi), pi, len(dr))


def propagated_interval(
    upstream: PredictiveInterval,
    f: Callable[[float], float],
    *,
    resid_sd: float,
    sd_param: float = 0.0,
    notes: Iterable[str] = (),
) -> PredictiveInterval:
    """An interval pushed through a monotone map ``f`` (a second translation, e.g. train-test): the ends of
    ``upstream`` map to the ends, and each side is widened in quadrature (log space) by ``resid_sd`` (the map's
    regression residual) and ``sd_param`` (its parameter spread), at ``upstream``'s level. Nothing backtests the
    map, so the result is flagged a lower bound."""
    z = _z(upstream.level)
    est = f(upstream.estimate)
    ends = sorted((f(upstream.lo), f(upstream.hi)))
    if not (est > 0 and ends[0] > 0 and math.isfinite(ends[1])):
        raise FitError(f"the translated interval is not a positive loss ({ends[0]:.4g} … {ends[1]:.4g})")
    extra = math.hypot(z * resid_sd, z * sd_param)
    lo_h = math.hypot(max(math.log(est / ends[0]), 0.0), extra)
    hi_h = math.hypot(max(math.log(ends[1] / est), 0.0), extra)
    return PredictiveInterval(
        estimate=est,
        lo=est * math.exp(-lo_h),
        hi=est * math.exp(hi_h),
        level=upstream.level,
        distance=upstream.distance,
        method="propagated+residual",
        lower_bound_only=True,
        raw=f(upstream.raw),
        sd_param=sd_param,
        notes=tuple(notes),
    )


def combined_interval(
    predictions: Sequence[float],
    *,
    distance: float,
    span: float,
    model: ErrorModel | None,
    method: Combine = "mean",
    aspect: float = 0.0,
    group: str = "",
    sds: Sequence[float] | None = None,
    level: float = DEFAULT_LEVEL,
) -> PredictiveInterval:
    """One prediction from several single-source translations (``method``), with the interval of the
    combination's own backtested error model (or, without one, the spread of the sources, flagged a lower
    bound)."""
    check_level(level)
    p = combine_values(predictions, method, sds)
    if model is not None:
        return model.interval(
            p,
            distance,
            span,
            level,
            aspect=aspect,
            group=group,
            notes=(f"{method} of {len(predictions)} sources",),
        )
    spread = (
        float(np.std(np.log(np.asarray(predictions, dtype=np.float64)), ddof=1))
        if len(predictions) > 1
        else 0.0
    )
    return bootstrap_interval(p, distance, spread, level, notes=(f"{method} of {len(predictions)} sources",))


__all__ = [
    "COMBINE_METHODS",
    "DEFAULT_LEVEL",
    "Backtest",
    "BacktestResidual",
    "Calibration",
    "CalibrationCache",
    "ErrorModel",
    "OptimalInterval",
    "PredictiveInterval",
    "TranslationInterval",
    "as_sweeps",
    "aspect_of",
    "beyond_evidence",
    "bootstrap_interval",
    "calibrate",
    "calibration_key",
    "combine_values",
    "combined_interval",
    "direct_interval",
    "distance_of",
    "e_draws",
    "extrapolation_notes",
    "fit_error_model",
    "normal_quantile",
    "optimal_interval",
    "prediction_sd",
    "propagated_interval",
    "range_ratios",
    "run_backtests",
    "span_of",
    "translation_interval",
]
