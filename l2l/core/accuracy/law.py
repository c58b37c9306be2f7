"""A fitted accuracy law and its results: the curve (``AccuracyLaw``), the sharing test, the offsets of datasets
from one curve, and ``AccuracyFit`` with its predictions and intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.checks import check_level
from l2l.base.errors import FitError
from l2l.core.accuracy.settings import (
    ACCURACY_EQUATIONS,
    DATASET_OFFSET_MIN,
    DATASET_OFFSET_NOISE,
    DATASET_OFFSET_P,
    LOGIT_EPS,
    MIN_BACKTEST_ERRORS,
    MIN_GROUP_RUNS,
    POOLED,
    POWER_PARAMS,
    SIGMOID_PARAMS,
    UNINFORMATIVE_METHOD,
    AccuracyForm,
    Design,
)
from l2l.core.laws import Array
from l2l.core.power_accuracy import power_acc
from l2l.core.predictability import Predictability
from l2l.core.predictive import conformal_rank, normal_quantile, too_few_for_level, too_few_note
from l2l.core.sigmoid import (
    FloorMode,
    _sigmoid,
)


def _conformal(errs: ArrayLike, level: float) -> float:
    """The split-conformal ``level`` quantile of |errs| (the largest where there are too few)."""
    srt = np.sort(np.abs(np.asarray(errs, dtype=np.float64)))
    return float(srt[min(conformal_rank(len(srt), level), len(srt)) - 1])


def _logit(p: float) -> float:
    q = min(max(p, LOGIT_EPS), 1.0 - LOGIT_EPS)
    return math.log(q / (1.0 - q))


def _expit(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _logits(a: Array) -> Array:
    q = np.clip(np.asarray(a, dtype=np.float64), LOGIT_EPS, 1.0 - LOGIT_EPS)
    return np.asarray(np.log(q / (1.0 - q)), dtype=np.float64)


def _mapped(law: AccuracyLaw, x: float, x_lo: float, x_hi: float, q: float) -> tuple[float, float, float]:
    """(accuracy, lo, hi) of ``law`` at an input loss ``x`` within [``x_lo``, ``x_hi``]: the ends mapped through the
    law (accuracy falls with the loss), with a logit-scale error ``q`` added in quadrature."""
    p = float(law.predict(np.asarray(x)))
    ends = [float(v) for v in law.predict(np.asarray([x_lo, x_hi]))]
    a_hi, a_lo = max(ends), min(ends)
    c = _logit(p)
    down = math.hypot(max(c - _logit(a_lo), 0.0), q)
    up = math.hypot(max(_logit(a_hi) - c, 0.0), q)
    # beyond the logit clip (LOGIT_EPS) the scale says nothing finer: an uncertain end there reaches 0 or 1 (at
    # 99.998 the interval was [87.8, 99.998], and a run measured at 100.0 fell outside it)
    lo = 0.0 if p <= LOGIT_EPS and down > 0 else min(_expit(c - down), p)
    hi = 1.0 if p >= 1.0 - LOGIT_EPS and up > 0 else max(_expit(c + up), p)
    return p, lo, hi


@dataclass(frozen=True, eq=False)
class AccuracyLaw:
    """One fitted accuracy curve. ``params`` holds floor, ceiling, x0, s (sigmoid) or K, kappa, E0, E1 (power)."""

    form: AccuracyForm
    params: Mapping[str, float]

    def predict(self, x: ArrayLike) -> Array:
        """Predicted accuracy at loss ``x`` (broadcasts). The power form is not defined at x ≤ E0."""
        xa = np.asarray(x, dtype=np.float64)
        p = self.params
        if self.form == "sigmoid":
            return _sigmoid(xa, p["floor"], p["ceiling"], p["x0"], p["s"])
        if np.any(xa <= p["E0"]):
            raise FitError(
                f"a loss of {float(np.min(xa)):.4g} is at or below E0 = {p['E0']:.4g}: the power law on the error is "
                "not defined there"
            )
        return power_acc(xa, p["K"], p["kappa"], p["E0"], p["E1"])

    @property
    def floor(self) -> float | None:
        """The accuracy as the loss grows without bound (None for the power form, which has no floor)."""
        return self.params["floor"] if self.form == "sigmoid" else None

    @property
    def ceiling(self) -> float:
        """The accuracy as the loss falls to its lowest (1 − E1 for the power form)."""
        return self.params["ceiling"] if self.form == "sigmoid" else 1.0 - self.params["E1"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "equation": ACCURACY_EQUATIONS[self.form],
            **{k: float(v) for k, v in self.params.items()},
        }


@dataclass(frozen=True)
class SharingTest:
    """Pooled (one curve for every dataset) against separate (one curve per dataset), and which was chosen.

    Datasets with too few runs for a curve of their own in the test (``MIN_GROUP_RUNS``) are left out of it
    (``untested``); with fewer than two left in, nothing is tested and the pooled curve is chosen."""

    chosen: Design
    reason: str
    method: Literal["backtest", "bic"]
    rss_pooled: float
    rss_separate: float | None  # None when no two datasets have the runs to test: pooled, untested
    bic_pooled: float
    bic_separate: float | None
    backtest_mae_pooled: float | None  # accuracy (fraction), on the held-out top of each dataset's ordering
    backtest_mae_separate: float | None
    n_backtest: int
    #: the datasets left out of the test (too few runs for a curve of their own in it), each with the reason
    untested: Mapping[str, str] = field(default_factory=dict)
    #: one shape for every dataset with a midpoint of each's own (sigmoid only; None otherwise)
    backtest_mae_shifted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "untested": dict(self.untested)}


@dataclass(frozen=True)
class DatasetOffsets:
    """How far one pooled curve misses each dataset's runs on average (``offsets``: mean residual, accuracy as a
    fraction), tested against the runs' noise: ``chi2`` = Σ n·mean² / noise² over the datasets (``dof`` of them
    less one), ``p`` its upper tail; ``systematic`` when p < ``DATASET_OFFSET_P`` and some dataset is off by more
    than ``DATASET_OFFSET_NOISE`` noise SDs and ``DATASET_OFFSET_MIN`` (one curve then ranks the datasets by their
    losses alone)."""

    offsets: Mapping[str, float]
    noise_sd: float
    chi2: float
    dof: int
    p: float
    systematic: bool

    @property
    def words(self) -> str:
        """The offsets in points, largest first, with the test."""
        top = sorted(self.offsets.items(), key=lambda kv: -abs(kv[1]))
        shown = ", ".join(f"{100 * v:+.1f} {k}" for k, v in top[:3]) + (
            f" and {len(top) - 3} more" if len(top) > 3 else ""
        )
        return (
            f"its mean residual by dataset is {shown} points against noise {100 * self.noise_sd:.1f} "
            f"(χ² {self.chi2:.0f} on {self.dof} degrees of freedom, p {self.p:.1g})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "offsets_points": {k: 100 * v for k, v in self.offsets.items()},
            "noise_sd_points": 100 * self.noise_sd,
            "chi2": self.chi2,
            "dof": self.dof,
            "p": self.p,
            "systematic": self.systematic,
        }

    def beyond(self, p: float) -> bool:
        """Whether the offsets pass the test at level ``p``: its p below ``p`` and some dataset off by more than
        ``DATASET_OFFSET_NOISE`` noise SDs and ``DATASET_OFFSET_MIN`` (``systematic`` is this at
        ``DATASET_OFFSET_P``; the ceiling's gate, ``CEILING_OFFSETS_P``, at a looser one)."""
        worst = max((abs(v) for v in self.offsets.values()), default=0.0)
        return self.p < p and worst > max(DATASET_OFFSET_MIN, DATASET_OFFSET_NOISE * self.noise_sd)


def dataset_offsets(
    residuals: ArrayLike, g: ArrayLike, labels: Sequence[str], noise_sd: float
) -> DatasetOffsets | None:
    """The test of ``DatasetOffsets`` on one pooled curve's ``residuals`` (``g``: each run's index into
    ``labels``), over the datasets with ``MIN_GROUP_RUNS`` runs; None with fewer than two of them or no
    measurable noise."""
    r = np.asarray(residuals, dtype=np.float64)
    gi = np.asarray(g, dtype=np.intp)
    kept = [k for k in range(len(labels)) if int(np.sum(gi == k)) >= MIN_GROUP_RUNS]
    if len(kept) < 2 or not noise_sd >= 5e-4:
        return None
    means = {labels[k]: float(np.mean(r[gi == k])) for k in kept}
    counts = [int(np.sum(gi == k)) for k in kept]
    chi2 = float(sum(n * m**2 for n, m in zip(counts, means.values(), strict=True)) / noise_sd**2)
    dof = len(kept) - 1
    from scipy.special import gammaincc

    p = float(gammaincc(dof / 2.0, chi2 / 2.0))
    off = DatasetOffsets(means, float(noise_sd), chi2, dof, p, False)
    return replace(off, systematic=off.beyond(DATASET_OFFSET_P))


@dataclass(frozen=True, eq=False)
class AccuracyFit:
    """Accuracy as a function of a loss, fitted on runs, with its statistics.

    ``status`` is ``ok``, ``poor`` (fitted and predicted, but its backtest or its own residuals miss by far more
    than the noise: ``reason`` says by how much, and predictions say so) or ``unpredictable`` (then ``laws`` is
    empty and ``predict`` raises, with the reason).
    ``laws`` maps each group to its curve, or ``POOLED`` ("*") to the one shared curve. ``rmse`` and
    ``noise_sd`` are in accuracy (fractions; ×100 for points). ``bootstrap`` holds, per draw, the parameters of
    every law (draws, laws, 4), in the order of ``laws``; ``residuals`` are the fit's residuals and
    ``backtest_residuals`` the errors of the same design extrapolated within the runs (see ``predict_interval``).
    """

    form: AccuracyForm
    status: Literal["ok", "poor", "unpredictable"]
    reason: str
    chance: float | None
    floor_mode: FloorMode
    pooled: bool
    laws: Mapping[str, AccuracyLaw]
    groups: tuple[str, ...]
    n_points: int
    rmse: float
    r2: float
    x_range: tuple[float, float]
    predictability: Predictability
    sharing: SharingTest | None
    at_bounds: tuple[str, ...]
    warnings: tuple[str, ...]
    residuals: Array = field(repr=False)
    backtest_residuals: Array | None = field(default=None, repr=False)
    bootstrap: Array | None = field(default=None, repr=False)
    bootstrap_seed: int | None = None
    #: the backtest's errors on the logit scale, logit(acc) − logit(predicted) (None without a backtest)
    backtest_logit: Array | None = field(default=None, repr=False)
    #: the fit's own residuals on the logit scale
    fit_logit: Array | None = field(default=None, repr=False)
    #: with one curve per dataset, the losses each dataset's curve was fitted on (its reach is its own runs')
    group_ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: with one curve per dataset, the datasets whose own runs sit within noise of chance (no prediction for
    #: them), each with the reason
    unpredictable_groups: Mapping[str, str] = field(default_factory=dict)
    #: with one curve per dataset, the datasets with too few runs for a curve of their own (``MIN_GROUP_RUNS``):
    #: not fitted, no prediction for them, each with the reason
    left_out_groups: Mapping[str, str] = field(default_factory=dict)
    #: ``ceiling="auto"``: which ceiling its backtest chose, and the two backtests' errors, in words ("" otherwise)
    ceiling_choice: str = ""
    #: one pooled curve over several datasets: how far it misses each on average, against the noise (None
    #: otherwise)
    offsets: DatasetOffsets | None = None
    #: one shape for every dataset with a midpoint x0 of each's own (``laws`` per dataset, ``pooled`` False)
    shifted: bool = False
    #: why the backtest tests nothing (its fitted runs show no rise; ``POOR_NOISE``), or "" where it counts: an
    #: uninformative backtest neither flags the law nor sets its error (``logit_quantile``: the fit's residuals)
    backtest_uninformative: str = ""
    #: where the backtest is uninformative because its refit cannot place a fitted ceiling: the errors of the same
    #: backtest with the ceiling held at the full fit's (accuracy, and on the logit scale), which the interval holds
    held_ceiling_residuals: Array | None = field(default=None, repr=False)
    held_ceiling_logit: Array | None = field(default=None, repr=False)
    #: ``ceiling="auto"`` kept 1 where its backtest cannot tell 1 from a fitted ceiling (``CEILING_DOUBT``): the same
    #: design fitted with the ceiling fitted, keyed as ``laws`` (only the curves whose fitted ceiling is below 1).
    #: The law's intervals hold that law's prediction and its error too (``chain_interval``, ``predict_interval``)
    ceiling_doubt: Mapping[str, AccuracyLaw] = field(default_factory=dict)

    @property
    def pooling(self) -> Design:
        """``pooled`` (one curve), ``shifted`` (one shape, a midpoint per dataset) or ``separate``."""
        return "pooled" if self.pooled else ("shifted" if self.shifted else "separate")

    @property
    def usable(self) -> bool:
        """Whether the law predicts (``ok`` or ``poor``; not an unpredictable task)."""
        return self.status in ("ok", "poor")

    @property
    def predicted_groups(self) -> tuple[str, ...]:
        """The datasets the law predicts for: every one of a pooled law's; with a curve or a midpoint per dataset,
        those whose own runs predict (not ``unpredictable_groups``, not ``left_out_groups``); none where the law is
        not usable. An eval whose one curve of six predicts read ``ok`` beside five datasets "not predicted"
        (probe h3: Winogrande under ``--form power --input-loss own``)."""
        if not self.usable:
            return ()
        if self.pooled:
            return self.groups
        return tuple(
            g
            for g in self.groups
            if g in self.laws and g not in self.unpredictable_groups and g not in self.left_out_groups
        )

    def law_for(self, group: str | None = None) -> AccuracyLaw:
        if not self.usable:
            raise FitError(f"accuracy is not predicted: {self.reason}")
        if self.pooled:
            return self.laws[POOLED]
        if group is None:
            raise FitError(
                f"the accuracy laws are per dataset ({', '.join(self.groups)}); say which dataset to predict for"
            )
        if group in self.left_out_groups:
            raise FitError(
                f"no accuracy law for {group} (one curve per dataset): {self.left_out_groups[group]}"
            )
        if group not in self.laws:
            raise FitError(f"no accuracy law for dataset {group!r}; fitted: {', '.join(self.groups)}")
        if group in self.unpredictable_groups:
            raise FitError(
                f"{group}'s own runs do not predict its accuracy (one curve per dataset): "
                f"{self.unpredictable_groups[group]}"
            )
        return self.laws[group]

    def predict(self, x: ArrayLike, group: str | None = None) -> Array:
        """Predicted accuracy at loss ``x`` for models of ``group`` (ignored when the law is pooled)."""
        return self.law_for(group).predict(x)

    def x_range_of(self, group: str | None = None) -> tuple[float, float]:
        """The losses the law that predicts for ``group`` was fitted on: with one curve per dataset, that
        dataset's runs (a curve fitted on 4.8–6.5 is extrapolated at 4.1 even if another dataset reached 3.2)."""
        if not self.pooled and group is not None and group in self.group_ranges:
            return self.group_ranges[group]
        return self.x_range

    def extrapolates(self, x: float, group: str | None = None) -> bool:
        """True when x lies outside the range of losses the law for ``group`` was fitted on."""
        lo, hi = self.x_range_of(group)
        return not (lo <= x <= hi)

    def logit_quantile(self, level: float) -> tuple[float, str]:
        """The half-width, on the logit scale, that holds a new run's accuracy around the law's prediction at
        ``level`` given its true input loss, and what it comes from: the split-conformal quantile of the backtest's
        logit errors (the law extrapolated within the runs: noise and extrapolation error), else of the fit's own
        residuals (noise only)."""
        check_level(level)
        if self.backtest_uninformative:
            # its backtest's misses say where a curve fitted at chance guessed the rise, not how this law errs: the
            # fit's residuals are all that vouch for it (a lower bound: ``AccuracyPrediction.lower_bound_only``)
            q = (
                0.0
                if self.fit_logit is None or len(self.fit_logit) == 0
                else _conformal(self.fit_logit, level)
            )
            if self.held_ceiling_logit is not None and len(self.held_ceiling_logit):
                q = max(q, _conformal(self.held_ceiling_logit, level))
            return q, UNINFORMATIVE_METHOD
        bt = self.backtest_logit
        if bt is not None and len(bt) >= MIN_BACKTEST_ERRORS:
            return _conformal(bt, level), "backtest"
        q = 0.0 if self.fit_logit is None or len(self.fit_logit) == 0 else _conformal(self.fit_logit, level)
        if bt is not None and len(bt) > 0:
            # too few to calibrate, but what a backtest missed by is no less an error than the noise: a probe's
            # pooled law missed its 2 backtest runs by 11.7 points and printed ±4 points of fit residuals, the
            # truth 9 points out (its intervals are lower bounds: ``AccuracyPrediction.lower_bound_only``)
            return max(q, float(np.max(np.abs(np.asarray(bt, dtype=np.float64))))), "largest backtest"
        return (q, "fit residuals") if self.fit_logit is not None and len(self.fit_logit) else (0.0, "none")

    def too_few_note(self, level: float) -> str:
        """Why the accuracy law's own error at ``level`` makes an interval a lower bound where ``logit_quantile``
        takes it from backtest errors too few for that level (``too_few_for_level``: the quantile is their
        largest; with 5-8 of them the "90 %" error held only 83-89 %; probe h2), in the words of a loss interval's;
        "" where they suffice, or where the error comes from elsewhere (fewer than ``MIN_BACKTEST_ERRORS``, or an
        uninformative backtest: already lower bounds by their method)."""
        check_level(level)
        bt = self.backtest_logit
        if self.backtest_uninformative or bt is None or len(bt) < MIN_BACKTEST_ERRORS:
            return ""
        if not too_few_for_level(len(bt), level):
            return ""
        return too_few_note(len(bt), level, "the accuracy law's own error quantile")

    def doubt_law(self, group: str | None = None) -> AccuracyLaw | None:
        """The law with a fitted ceiling whose predictions the intervals of ``group``'s also hold where ``auto``
        kept the ceiling at 1 without telling (``ceiling_doubt``), or None."""
        if not self.ceiling_doubt:
            return None
        return self.ceiling_doubt.get(POOLED if self.pooled else str(group))

    def chain_interval(
        self, x: float, group: str | None, x_lo: float, x_hi: float, level: float
    ) -> tuple[float, float, float, str]:
        """(accuracy, lo, hi, how) at an input loss predicted as ``x`` with interval [``x_lo``, ``x_hi``]: the
        loss interval's ends mapped through the law (accuracy falls with the loss), and the law's own error
        (``logit_quantile``) added in quadrature on the logit scale. The interval always holds the prediction,
        lies inside (0, 1) and has a width wherever either step is uncertain."""
        law = self.law_for(group)
        q, what = self.logit_quantile(level)
        p, lo, hi = _mapped(law, x, x_lo, x_hi, q)
        doubt = self.doubt_law(group)
        if doubt is not None:
            # the sweep cannot tell the ceiling of 1 from a fitted one (``CEILING_DOUBT``): the interval holds the
            # fitted-ceiling law's too (h18's ladder: piqa 98.1 [91.6, 99.6] at 100× compute, the truth 87.7; with
            # the ceiling fitted 90.1 [87.1, 91.7])
            _, d_lo, d_hi = _mapped(doubt, x, x_lo, x_hi, q)
            lo, hi = min(lo, d_lo), max(hi, d_hi)
        if law.floor is not None:
            # the curve never falls below its floor (chance, or near it): a run only by its scatter about the law.
            # The logit error, learned mostly where accuracy is high, reached 16.7 points at a prediction of 51.0
            # for a 4-way task whose floor was 24.4 (p44)
            bottom = min(law.floor, self.chance if self.chance is not None else law.floor)
            lo = max(lo, min(bottom - _conformal(self.residuals, level), p))
        return p, lo, hi, what

    def with_curve_error(self, draws: ArrayLike, level: float, rng: np.random.Generator) -> Array:
        """One dataset's accuracy ``draws`` (draw 0 the point) with the law's own error added to the others on
        the logit scale: a normal whose central ``level`` interval is ±``logit_quantile(level)``, the error
        ``chain_interval`` adds to an interval. Drawn apart per dataset where each has a curve of its own, that
        error reorders them (a ranking by an emerging task's separate curves stated P(best) 1.00 across intervals
        30 points wide)."""
        out = np.array(draws, dtype=np.float64)
        q, _ = self.logit_quantile(level)
        if q <= 0 or out.size < 2:
            return out
        z = _logits(out[1:]) + rng.normal(0.0, q / normal_quantile(level), out.size - 1)
        out[1:] = 1.0 / (1.0 + np.exp(-z))
        return out

    def predict_interval(
        self,
        x: ArrayLike,
        group: str | None = None,
        level: float = 0.95,
        *,
        x_draws: ArrayLike | None = None,
        noise: Literal["backtest", "fit"] = "backtest",
        seed: int = 0,
    ) -> tuple[Array, Array] | None:
        """Predictive interval of a new run's accuracy at ``x``: bootstrap curves plus a resampled error.

        The error is drawn from the backtest's errors (the design fitted on the lower half of each dataset's runs,
        tested on its top 20 %: noise plus extrapolation error) when there are some, else (or with
        ``noise="fit"``) from the fit's residuals, which cover the noise only.

        ``x_draws`` (shape (B,) or (B, k)): draws of the input loss itself (e.g. from a loss law's bootstrap), used
        in place of ``x`` so that the interval covers both steps of a chain. None when no bootstrap was run.
        """
        law = self.law_for(group)
        if self.bootstrap is None:
            return None
        if not 0 < level < 1:
            raise FitError(f"the interval level must be in (0, 1), got {level}")
        key = POOLED if self.pooled else str(group)
        idx = list(self.laws).index(key)
        draws = self.bootstrap[:, idx, :]
        names = SIGMOID_PARAMS if self.form == "sigmoid" else POWER_PARAMS
        xa = np.atleast_1d(np.asarray(x, dtype=np.float64))
        n_draws = draws.shape[0]
        if x_draws is None:
            xs = np.broadcast_to(xa, (n_draws, *xa.shape))
        else:
            xd = np.asarray(x_draws, dtype=np.float64)
            xd = xd.reshape(xd.shape[0], -1) if xd.ndim > 1 else xd[:, None]
            if xd.shape[1] not in (1, xa.size):
                raise FitError("x_draws must have one column or one per prediction point")
            rows = np.random.default_rng(seed + 1).integers(0, xd.shape[0], n_draws)
            xs = np.broadcast_to(xd[rows], (n_draws, *xa.shape))
        rng = np.random.default_rng(seed)
        preds = np.empty((n_draws, *xa.shape))
        for b in range(n_draws):
            lb = AccuracyLaw(law.form, dict(zip(names, (float(v) for v in draws[b]), strict=True)))
            if lb.form == "power":
                preds[b] = power_acc(xs[b], *(lb.params[n] for n in POWER_PARAMS))
            else:
                preds[b] = lb.predict(xs[b])
        pool = (
            self.residuals
            if self.backtest_residuals is None or noise == "fit" or self.backtest_uninformative
            else self.backtest_residuals
        )
        if noise == "backtest" and self.backtest_uninformative and self.held_ceiling_residuals is not None:
            pool = np.concatenate([self.residuals, self.held_ceiling_residuals])
        errors = rng.choice(pool, size=preds.shape, replace=True)
        sims = np.clip(preds + errors, 0.0, 1.0)
        from l2l.core.fit import percentile_interval

        lo, hi = percentile_interval(sims, level)
        doubt = self.doubt_law(group)
        if doubt is not None:
            # as ``chain_interval``: where auto kept 1 without telling, the fitted-ceiling law's interval too
            d_lo, d_hi = percentile_interval(np.clip(doubt.predict(xs) + errors, 0.0, 1.0), level)
            lo, hi = np.minimum(lo, d_lo), np.maximum(hi, d_hi)
        shape = np.shape(x)
        return lo.reshape(shape), hi.reshape(shape)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "form": self.form,
            "status": self.status,
            "reason": self.reason,
            "chance": self.chance,
            "floor_mode": self.floor_mode,
            "pooled": self.pooled,
            "pooling": self.pooling,
            "laws": {k: v.to_dict() for k, v in self.laws.items()},
            "groups": list(self.groups),
            "n_points": self.n_points,
            "rmse": self.rmse,
            "r2": self.r2,
            "x_min": self.x_range[0],
            "x_max": self.x_range[1],
            "x_range_by_dataset": {k: list(v) for k, v in self.group_ranges.items()},
            "unpredictable_datasets": dict(self.unpredictable_groups),
            "left_out_datasets": dict(self.left_out_groups),
            "predicted_datasets": list(self.predicted_groups),
            "predictability": self.predictability.to_dict(),
            "sharing": None if self.sharing is None else self.sharing.to_dict(),
            "at_bounds": list(self.at_bounds),
            "warnings": list(self.warnings),
            "ceiling_choice": self.ceiling_choice,
            "dataset_offsets": None if self.offsets is None else self.offsets.to_dict(),
            "backtest_mae": None
            if self.backtest_residuals is None
            else float(np.mean(np.abs(self.backtest_residuals))),
            "backtest_max": None
            if self.backtest_residuals is None or len(self.backtest_residuals) == 0
            else float(np.max(np.abs(self.backtest_residuals))),
            "backtest_uninformative": self.backtest_uninformative or None,
            "ceiling_doubt": {k: v.to_dict() for k, v in self.ceiling_doubt.items()} or None,
        }
        if self.bootstrap is not None:
            d["bootstrap"] = {"draws": int(self.bootstrap.shape[0]), "seed": self.bootstrap_seed}
        return d
