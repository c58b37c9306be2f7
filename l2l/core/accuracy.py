"""Downstream accuracy from a loss: a sigmoid with a chance floor, pooled across datasets when the relation is shared.

Two forms of accuracy as a function of a loss x (the task's own cross-entropy loss, or a model's own loss):

    sigmoid  acc = floor + (ceiling − floor)·σ(−(x − x0)/s)      floor at chance (fixed, or fitted in a box),
                                                                  ceiling ≤ 1, falling in x (lower loss, higher acc)
    power    err = 1 − acc = K·(x − E0)^κ + E1                    the paper's Appendix B (Gadre et al.): E0 given
                                                                  (the loss law's irreducible term), E1 free

The sigmoid is fitted by bounded least squares in accuracy points from a grid of starts, all moved at once
(``sigmoid.py``: batched Levenberg-Marquardt with the analytic Jacobian, then scipy's TRF); the power law by the
paper's log–log regression with E1 profiled. Points from several pre-training datasets (``groups``) are fitted
either with one shared curve (pooled), with one shape shifted by dataset (floor, ceiling and slope shared, a
midpoint x0 of each dataset's own: sigmoid only) or with one curve per dataset; ``fit_accuracy`` tests which the
data support
(a within-run backtest that extrapolates: fit on the lower half of each dataset's runs by compute or loss, score on
its top 20 %) and says why. A task whose accuracies stay within noise of chance is labelled unpredictable instead
of fitted. Intervals are a seeded bootstrap over runs (refit per draw) plus a resampled backtest error: predictive
intervals for a new run's accuracy.

Defaults (floor fitted near chance, ceiling 1, pooling tested by the backtest) were chosen on a within-sweep
backtest of the paper's runs (benchmarks/bench_accuracy.py --protocol backtest): a floor fixed at chance and
per-dataset curves both extrapolate badly from near-chance sweeps.

Pure: numpy, scipy (lazily); no printing, no files.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.checks import check_level
from l2l.base.errors import FitError, InputError
from l2l.base.schema import Pooling
from l2l.core.laws import Array
from l2l.core.power_accuracy import fit_power, power_acc
from l2l.core.predictability import (
    MIN_SIGNAL_SD as MIN_SIGNAL_SD,
)
from l2l.core.predictability import (
    TREND_P as TREND_P,
)
from l2l.core.predictability import (
    Predictability as Predictability,
)
from l2l.core.predictability import (
    assess_predictability as assess_predictability,
)
from l2l.core.predictability import (
    check_inputs,
)
from l2l.core.predictability import (
    spearman as spearman,
)
from l2l.core.predictive import conformal_rank, normal_quantile, too_few_for_level, too_few_note
from l2l.core.sigmoid import (
    CEILING_SLACK,
    _bootstrap_sigmoid,
    _Curve,
    _fit_shifted_sigmoid,
    _fit_sigmoid,
    _sigmoid,
)
from l2l.core.sigmoid import (
    FloorMode as FloorMode,
)

Labels = NDArray[np.intp]  # the group index of each run
Mask = NDArray[np.bool_]

AccuracyForm = Literal["sigmoid", "power"]
ACCURACY_FORMS: tuple[AccuracyForm, ...] = ("sigmoid", "power")
ACCURACY_EQUATIONS: dict[str, str] = {
    "sigmoid": "floor + (ceiling − floor)·σ(−(x − x0)/s)",
    "power": "1 − (K·(x − E0)^κ + E1)",
}
SIGMOID_PARAMS: tuple[str, ...] = ("floor", "ceiling", "x0", "s")
POWER_PARAMS: tuple[str, ...] = ("K", "kappa", "E0", "E1")
POOLED = "*"  # the key of the one shared law in AccuracyFit.laws
#: how the datasets' runs are fitted: one curve for every dataset, one shape (floor, ceiling, slope) for every
#: dataset with a midpoint x0 of each dataset's own (sigmoid only), or one curve per dataset
Design = Literal["pooled", "shifted", "separate"]

# Fraction of runs (highest in the ordering, e.g. compute, within each dataset) held out by the sharing backtest.
BACKTEST_FRACTION = 0.2
# ... fitted on the runs at or below this quantile of the ordering: short-range backtests favour per-dataset curves
# that then fail far out (a 2× step preferred them on ARC-Challenge; at 20× they were 19 points off).
BACKTEST_TRAIN_QUANTILE = 0.5
# A law is flagged ``poor`` when its backtest misses by more than POOR_BACKTEST (accuracy, mean absolute) and by
# more than POOR_NOISE noise SDs, or when it misfits its own runs (rmse above POOR_RMSE and POOR_NOISE noise SDs):
# on the paper's runs every predictable task's backtest misses by 0.7–3.5 points (noise 0.4–3.2), none is flagged.
POOR_BACKTEST = 0.05
POOR_RMSE = 0.03
POOR_NOISE = 4.0
# ... but a backtest that would flag it, fitted on runs that themselves sit at chance (the best of the lower half it
# fits on within MIN_SIGNAL_SD of the sweep's noise SDs of chance), tests nothing: the curve fitted there is free to
# rise anywhere past them. Such a backtest is uninformative (``AccuracyFit.backtest_uninformative``): it neither
# flags the law nor sets its interval, which then holds the fit's residuals (noise only: a lower bound). A probe's
# DataDecide-shaped tables (small models at chance, the rise only at the top): HellaSwag's backtest missed by 62.0
# points, ARC-Easy's by 16.1, both laws "poor" with intervals [0.24, 1.00], while the full fits predicted the 1B
# models within 0.5-2.1 points. A backtest from a lower half at chance that does hold is kept (it is evidence).
# The fewest runs a dataset needs for a curve of its own: fewer, and one curve per dataset leaves it out (no
# prediction for it), and the sharing test (which fits one curve per dataset on the lower half of each dataset's runs)
# is run on the datasets that have them.
MIN_GROUP_RUNS = 5
# The sharing backtest says nothing when both designs miss by more than this (accuracy, mean absolute): the lower
# half it fits on sits at chance and neither design can see the rise (a probe's emerging HellaSwag: 30.0 points
# pooled, 19.2 separate; "the datasets' curves differ" split one true curve into twelve, seven of them then
# unpredictable, the true best dataset among them, where the pooled fit on every run recovered the truth). The
# designs are then compared by BIC on every run.
SHARING_UNINFORMATIVE = 0.10
# One curve per dataset is chosen only where its backtest beats the pooled curve's by this share of the pooled
# curve's error (and by 0.1 points): a probe's tables with ONE true curve chose "the datasets' curves differ" on
# 9.30 against 9.46 and 1.87 against 2.01 points, and 3 of 4 datasets, too few runs each to show a trend alone, then
# got no prediction. On the paper's runs one curve per dataset wins by 32–71 % where it is chosen, and by 3 % on one
# task (ImbueCodegen, now pooled).
SHARING_MARGIN = 0.10
# A pooled curve misses datasets systematically when the mean of its residuals by dataset is further from 0 than
# the runs' noise allows (χ² on the datasets' means, p below DATASET_OFFSET_P) and by more than DATASET_OFFSET_NOISE
# noise SDs on some dataset: one curve then ranks datasets by the loss alone. A probe's tables whose datasets' curves
# truly differ (x0 shifted by up to ±0.2 or ±0.1) kept one curve where the backtest preferred it (3.26 against 6.44
# points), fit rmse 1.4–4.4 points against noise 0.5, status ok, and ranked the wrong dataset first with P(best)
# 0.9–0.99 in 10 of 13 tables; every one of them had χ² ≥ 54 (5 degrees of freedom) and a dataset off by more than
# a noise SD. On 100 fits with one true curve (4 tasks × 25 tables) χ² stayed ≤ 28, no dataset off by 0.7 SDs.
# The ``auto`` pooling then takes one curve per dataset (where each dataset's own runs predict), and a pooled law
# kept anyway is ``poor``, with the offsets.
DATASET_OFFSET_P = 1e-6
DATASET_OFFSET_NOISE = 1.0
# ... and by at least this much (accuracy): the noise of a run averaged over seeds is smaller, and one curve's own
# misfit (a ceiling of 1 for a true 0.92) left one-curve datasets 0.1–0.4 points off, 7 of 20 of them then "off
# by more than a noise SD"; the tables whose curves truly differ had a dataset off by 0.8–9.1 points (49 of 50 by
# more than 1).
DATASET_OFFSET_MIN = 0.01
# ``ceiling="auto"``: the ceiling is fitted (instead of 1) where the backtest of that design misses by at most this
# share of the backtest with the ceiling at 1, and by half a noise SD less or more: a task that levels off inside
# the sweep (PIQA-like, at 80 %) was carried past its ceiling with status ok (+7 points at 5× the largest model),
# while a fitted ceiling bends over early where a sweep is far from saturation (the paper's tasks keep 1).
CEILING_MARGIN = 0.67
# ... and only where the sweep itself reaches the plateau: its top accuracies (the 95th percentile of each curve's
# runs) at least this share of the way from the fitted floor to the fitted ceiling. On a probe's ladders a task
# that levels off in the sweep reached 0.85–0.97 of the way; tasks still rising reached 0.17–0.74, and a fitted
# ceiling there (chosen by the backtest alone) bent over early (CommonsenseQA, true ceiling 0.85, fitted 0.64).
CEILING_REACHED = 0.8
# A ceiling of 1 on one true curve that levels off below 100 % misses the datasets that climb closest to the plateau
# the same way, as offsets by dataset (a probe's DataDecide-like ARC-Challenge: χ² 63 on 14 degrees of freedom, p
# 4e-08, "the datasets differ", where a fitted ceiling recovered the truth with no offsets). ``ceiling="auto"``
# fits the ceiling instead of blaming the datasets where, fitted, one curve leaves no dataset off systematically,
# its χ² falls by at least CEILING_OFFSETS_DROP (what one added parameter explains by chance about once in 600),
# and the sweep reaches CEILING_REACHED_OFFSETS of the way to it (``_ceiling_for_offsets``). On seeded tables with a
# known truth (h21, 15 datasets × 5 sizes, ceilings 0.70–0.92, 10 seeds × 4 tasks) it took the fitted ceiling on
# every table that had been blamed on its datasets (5 of 40; their error at 3B–10B 6.8 / 6.8 / 3.9 / 4.1 / 3.6 → 0.5 /
# 0.1 / 0.4 / 0.7 / 0.6 points); tables whose datasets' curves truly differ (midpoints shifted by ±0.1, ±0.15 or
# ±0.2, 70 tables) kept every offsets verdict they had (without the χ² drop, one of ±0.1, χ² 57 → 54, lost it).
CEILING_OFFSETS_DROP = 10.0
CEILING_REACHED_OFFSETS = 0.5
# Where ``ceiling="auto"`` keeps 1 but its backtest cannot tell 1 from a fitted ceiling (the fitted ceiling's backtest
# is not worse than 1's by the CEILING_MARGIN and half a noise SD that choosing it would need, mirrored; or there is
# no backtest), the point stays the ceiling-1 law's, and its interval also holds the same design fitted with the
# ceiling fitted (its prediction and the law's own error about it: ``AccuracyFit.ceiling_doubt``), as a loss law's
# interval holds the other form where the forms are in doubt. The lower half of a sweep near chance refits a fitted
# ceiling at 1 and the two backtests are equal (h21: "2.46 points fitted, 2.46 at 1"): on seeded tables with a known
# ceiling of 0.70–0.92 (h21's, 10 seeds), auto's 90 % intervals at 3B–10B held 54 % of the truths (DataDecide-like,
# 15 datasets) and 6 % (4 datasets × 20 runs), the points 4–9 points high; h18's ladder printed piqa 98.1 [91.6,
# 99.6] against 87.7 (measured with the widening: see the README, "A ceiling the sweep cannot tell").
CEILING_DOUBT = True
# Where even the full fit puts the ceiling at 1 and the backtest cannot tell (a hard task whose sweep rises 10 points
# above chance: nothing says where it levels off), there is no fitted-ceiling law to hold. The intervals hold instead
# the lowest ceiling the runs do not reject: the design refitted with the ceiling fixed at 1 − PROFILE_STEP,
# 1 − 2·PROFILE_STEP, … while its sum of squares stays within PROFILE_CHI2 (χ²₁ at 90 %) noise variances of the
# ceiling-1 fit's. On h45's Chinchilla-like tables (4 datasets × 25 runs, an MMLU-like task with a true ceiling of 90
# and its sweep's best 29–40) the 90 % intervals at 33× and 200× the sweep's compute were 80–97 ± 3 points from the
# fit's residuals alone and held none of the 8 truths 8–12 points below (benchmarks/known_truths/accuracy_shapes.py).
PROFILE_CHI2 = 2.706
PROFILE_STEP = 0.025
# Accuracies are moved to the logit scale clipped to [LOGIT_EPS, 1 − LOGIT_EPS] (an accuracy of 0 or 1 measured on a
# finite test set is not infinitely sure).
LOGIT_EPS = 1e-3


# ---------------------------------------------------------------------------------------------------------------
# The curves
# ---------------------------------------------------------------------------------------------------------------


#: Backtest errors needed for a conformal quantile of the accuracy law's own error (fewer: the largest is used and
#: the interval is a lower bound). From 5 up to the fewest the level needs (9 at 0.9: ``fewest_for_level``) the
#: quantile is their largest too, and the interval a lower bound that says so (``AccuracyFit.too_few_note``).
MIN_BACKTEST_ERRORS = 5
#: how ``logit_quantile`` names the law's error where its backtest is uninformative (the fit's residuals)
UNINFORMATIVE_METHOD = "fit residuals (backtest uninformative)"


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
    worst = max(abs(v) for v in means.values())
    systematic = p < DATASET_OFFSET_P and worst > max(DATASET_OFFSET_MIN, DATASET_OFFSET_NOISE * noise_sd)
    return DatasetOffsets(means, float(noise_sd), chi2, dof, p, systematic)


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


# ---------------------------------------------------------------------------------------------------------------
# Fitting one curve
# ---------------------------------------------------------------------------------------------------------------


def _fit_curve(
    form: AccuracyForm,
    x: Array,
    y: Array,
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | None,
    warm: Array | None = None,
) -> _Curve:
    if form == "sigmoid":
        return _fit_sigmoid(x, y, chance, floor_mode, ceiling, warm)
    return fit_power(x, y, E0)


def _fit_design(
    form: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | Mapping[str, float] | None,
    warm: Sequence[Array] | None = None,
) -> tuple[list[_Curve], Array]:
    """Fit the pooled curve, or one per group (``shifted``: one shape, each group's own x0). Returns the curves
    and the fitted values at every point."""
    fitted = np.empty_like(y)
    if design == "pooled":
        e0 = _e0_for(E0, None)
        c = _fit_curve(form, x, y, chance, floor_mode, ceiling, e0, None if warm is None else warm[0])
        fitted[:] = _curve_values(form, c.params, x)
        return [c], fitted
    for k, lab in enumerate(labels):
        if int(np.sum(g == k)) < MIN_GROUP_RUNS:
            raise FitError(
                f"dataset {lab!r} has {int(np.sum(g == k))} runs; a per-dataset accuracy law needs at least "
                f"{MIN_GROUP_RUNS}"
            )
    if design == "shifted":
        if form != "sigmoid":
            raise FitError(
                "one shape shifted by dataset is a sigmoid's; the power form fits pooled or separate"
            )
        curves = _fit_shifted_sigmoid(x, y, g, len(labels), chance, floor_mode, ceiling, warm)
        for k, c in enumerate(curves):
            fitted[g == k] = _curve_values(form, c.params, x[g == k])
        return curves, fitted
    curves = []
    for k, lab in enumerate(labels):
        m = g == k
        c = _fit_curve(
            form, x[m], y[m], chance, floor_mode, ceiling, _e0_for(E0, lab), None if warm is None else warm[k]
        )
        fitted[m] = _curve_values(form, c.params, x[m])
        curves.append(c)
    return curves, fitted


def _e0_for(E0: float | Mapping[str, float] | None, group: str | None) -> float | None:
    if E0 is None or isinstance(E0, (int, float)):
        return None if E0 is None else float(E0)
    if group is None:
        vals = list(E0.values())
        return float(min(vals)) if vals else None
    if group not in E0:
        raise FitError(f"no E0 given for dataset {group!r}")
    return float(E0[group])


def _curve_values(form: AccuracyForm, params: Array, x: Array) -> Array:
    if form == "sigmoid":
        return _sigmoid(x, *(float(p) for p in params))
    return power_acc(x, *(float(p) for p in params))


def _bic(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, 1e-300) / n) + k * math.log(n)


# ---------------------------------------------------------------------------------------------------------------
# The public fit
# ---------------------------------------------------------------------------------------------------------------


def fit_accuracy(
    x: ArrayLike,
    acc: ArrayLike,
    *,
    chance: float | None = None,
    form: str = "sigmoid",
    floor: FloorMode = "fit",
    ceiling: float | Literal["auto"] | None = 1.0,
    groups: ArrayLike | None = None,
    pooling: Pooling = "auto",
    order: ArrayLike | None = None,
    sharing_test: Literal["backtest", "bic"] = "backtest",
    E0: float | Mapping[str, float] | None = None,
    check: bool = True,
    noise_sd: float | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> AccuracyFit:
    """Fit accuracy as a function of a loss ``x`` over runs.

    - ``chance``: the task's chance accuracy (0.25 for 4-way multiple choice, 0.5 for 2-way). ``floor="fit"``
      (default) fits the floor in [chance − 0.10, chance + 0.05] (in [min acc − 0.10, median acc] without a chance
      level); ``floor="chance"`` fixes it there. ``ceiling`` fixes the ceiling: 1 by default; ``None`` fits it
      in [q90 of acc − 0.05, 1]. A sweep far from saturation cannot pin a ceiling, and a fitted one bends over early.
      ``"auto"``: the same backtest as the pooling's decides, preferring 1 (``CEILING_MARGIN``; ``ceiling_choice``
      says which and why).
    - ``form="power"``: the paper's 1 − acc = K·(x − E0)^κ + E1, with ``E0`` the input loss's irreducible term
      (a number, or one per group), E1 fitted.
    - ``groups`` (the pre-training dataset of each run) with ``pooling``: ``pooled`` fits one curve, ``shifted``
      one shape with a midpoint per group (sigmoid), ``separate`` one curve per group, ``auto`` tests which.
      ``sharing_test="backtest"`` (default) holds out the top 20 % of each group's runs in ``order`` (e.g.
      compute; default: lowest loss first), fits each design on the lower half, and moves from pooled to shifted
      to separate only where the next one's mean absolute error is lower by ``SHARING_MARGIN`` of it (and 0.1
      points): an extrapolation, as the real predictions are. A pooled curve kept by the test that misses
      datasets systematically (``DATASET_OFFSET_P``) gives way to shifted (separate for the power form). With
      ``ceiling="auto"`` both designs are backtested with the ceiling the pooled curve's backtest chooses (at 1, a
      task that levels off misses by ~9 points either way and the test compares noise), and where half the
      datasets or more have own runs that show no trend alone (one curve each would predict nothing for them):
      pooled. ``"bic"`` keeps the lower BIC of the full fits instead (it prefers per-dataset curves on the paper's
      runs, which then fail far out). A dataset with too few runs for a curve of its own (``MIN_GROUP_RUNS``, in
      the test: in the lower half of its runs) is left out of the test
      (``SharingTest.untested``; fewer than two left: not tested, pooled); with one curve per dataset it is left out
      of the fit (``left_out_groups``: no prediction for it) instead of failing every dataset's law.
    - ``check``: label the task unpredictable (``status``, ``reason``) when its accuracies stay within noise of
      chance instead of fitting it (see ``assess_predictability``).
    - ``bootstrap``: draws of a seeded bootstrap over runs (within groups), refitted warm from the best fit.
    """
    f, cap, auto_ceiling = _checked_options(form, floor, pooling, ceiling)
    xa, ya = check_inputs(x, acc, chance)
    grouped = groups is not None
    labels, g = _labelled(groups, len(xa))
    pred, per_group = _judged_predictable(xa, ya, g, labels, grouped, pooling, chance, noise_sd)
    x_range = (float(xa.min()), float(xa.max()))
    if check and not pred.predictable:
        return _unpredictable(f, pred, chance, floor, tuple(labels) if grouped else (), ya, x_range)
    oa = None if order is None else np.asarray(order, dtype=np.float64).ravel()
    if oa is not None and len(oa) != len(xa):
        raise InputError(f"order has {len(oa)} entries for {len(xa)} runs")
    design, sharing, chosen_for_pooled, warnings = _choose_design(
        f, xa, ya, g, labels, grouped, pooling, sharing_test, auto_ceiling, cap, chance, floor, E0, oa, pred,
        per_group, check,
    )  # fmt: skip
    pooled = design == "pooled"
    # one curve per dataset: a dataset with too few runs for its own is left out (no prediction for it), not
    # allowed to sink the others
    left_out = {} if pooled else _too_few_for_own(g, labels)
    if left_out:
        keep, g = _only_groups(g, [k for k, lab in enumerate(labels) if lab not in left_out])
        xa, ya = xa[keep], ya[keep]
        oa = None if oa is None else oa[keep]
        x_range = (float(xa.min()), float(xa.max()))
        warnings += [f"{k}: not predicted: {why}" for k, why in left_out.items()]
    fit_labels = [lab for lab in labels if lab not in left_out]
    ceiling_choice = ""
    chosen = _CeilingChoice(cap, "")
    if auto_ceiling and f == "sigmoid":
        chosen = chosen_for_pooled or _choose_ceiling(
            xa, ya, g, fit_labels, design, chance, floor, oa, pred.noise_sd
        )
        if chosen_for_pooled is None and pooled and chosen.cap == 1.0 and len(fit_labels) > 1:
            # one curve asked for (``pooling="pooled"``): its offsets at 1 judged as the sharing test judges them
            _, fitted_1 = _fit_design(f, xa, ya, g, fit_labels, "pooled", chance, floor, 1.0, E0)
            off_1 = dataset_offsets(ya - fitted_1, g, fit_labels, pred.noise_sd)
            if off_1 is not None and off_1.systematic:
                chosen = (
                    _ceiling_for_offsets(xa, ya, g, fit_labels, chance, floor, pred.noise_sd, off_1, chosen)
                    or chosen
                )
        cap, ceiling_choice = chosen.cap, chosen.why
    reuse = E0 is None  # what the choice computed is this fit's (the same runs, form and options)
    if reuse and cap is None and chosen.design is not None:
        curves, fitted = chosen.design
    else:
        curves, fitted = _fit_design(f, xa, ya, g, fit_labels, design, chance, floor, cap, E0)
    keys = [POOLED] if pooled else fit_labels
    laws = _laws_of(f, keys, curves)
    doubt: dict[str, AccuracyLaw] = {}
    if auto_ceiling and f == "sigmoid" and cap == 1.0 and CEILING_DOUBT:
        # auto kept 1: where its backtest cannot tell 1 from a fitted ceiling, the intervals hold the fitted-ceiling
        # law's predictions too (``CEILING_DOUBT``)
        doubt, why = _ceiling_doubt(
            f, chosen, keys, design, xa, ya, g, fit_labels, chance, floor, E0, fitted, oa, pred
        )
        ceiling_choice += why
    at_bounds = tuple(
        f"{k}:{b}" if k != POOLED else b for k, c in zip(keys, curves, strict=True) for b in c.at_bounds
    )
    for k, c in zip(keys, curves, strict=True):
        for b in c.at_bounds:
            where = "" if k == POOLED else f" ({k})"
            warnings.append(f"{b} ends on a bound of its box{where}: the sweep does not pin it down")
    resid = ya - fitted
    ss_tot = float(np.sum((ya - ya.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    bt = _backtest_of(
        f, xa, ya, g, fit_labels, design, chance, floor, cap, E0, oa, chosen if reuse else None, curves, pred
    )
    warnings += bt.warnings
    offsets = (
        dataset_offsets(resid, g, fit_labels, pred.noise_sd)
        if pooled and groups is not None and len(fit_labels) > 1
        else None
    )
    lower_ceiling = ""
    if offsets is not None and offsets.systematic and f == "sigmoid" and cap == 1.0 and not auto_ceiling:
        # the ceiling held at 1 by the caller (``auto`` has already tried a fitted one): say where a fitted ceiling
        # would remove the offsets, as one true curve below 100 % does
        lower = _ceiling_for_offsets(xa, ya, g, fit_labels, chance, floor, pred.noise_sd, offsets, chosen)
        if lower is not None and lower.design is not None and lower.offsets is not None:
            lower_ceiling = (
                f"; a ceiling below 100 % (--ceiling fit) removes them: fitted at "
                f"{100 * lower.design[0][0].params[1]:.1f} points, one curve misses none systematically "
                f"(χ² {lower.offsets.chi2:.0f})"
            )
    status, reason = _quality(
        pred,
        float(np.sqrt(np.mean(resid**2))),
        None if bt.uninformative else bt.errors,
        offsets,
        lower_ceiling,
    )
    unpredictable = (
        {}
        if pooled or not check
        else {k: v.reason for k, v in per_group.items() if not _predicts_alone(v, design)}
    )
    warnings += [
        f"{k}: not predicted: its own runs do not predict its accuracy ({why})"
        for k, why in unpredictable.items()
    ]
    boot = None
    if bootstrap:
        boot = _bootstrap(f, xa, ya, g, fit_labels, design, chance, floor, cap, E0, curves, bootstrap, seed)
    return AccuracyFit(
        form=f,
        status=status,
        reason=reason,
        chance=chance,
        floor_mode=floor,
        pooled=pooled,
        laws=laws,
        groups=tuple(labels) if groups is not None else (),
        n_points=len(xa),
        rmse=float(np.sqrt(np.mean(resid**2))),
        r2=r2,
        x_range=x_range,
        predictability=pred,
        sharing=sharing,
        at_bounds=at_bounds,
        warnings=tuple(warnings),
        residuals=resid,
        backtest_residuals=bt.errors,
        bootstrap=boot,
        bootstrap_seed=seed if bootstrap else None,
        backtest_logit=bt.logit,
        fit_logit=_logits(ya) - _logits(fitted),
        group_ranges={}
        if pooled
        else {
            k: (float(xa[g == i].min()), float(xa[g == i].max()))
            for i, k in enumerate(fit_labels)
            if np.any(g == i)
        },
        unpredictable_groups=unpredictable,
        left_out_groups=left_out,
        ceiling_choice=ceiling_choice,
        offsets=offsets,
        shifted=design == "shifted",
        backtest_uninformative=bt.uninformative,
        held_ceiling_residuals=bt.held_errors if bt.held_logit is not None else None,
        held_ceiling_logit=bt.held_logit,
        ceiling_doubt=doubt,
    )


def _checked_options(
    form: str, floor: FloorMode, pooling: Pooling, ceiling: float | Literal["auto"] | None
) -> tuple[AccuracyForm, float | None, bool]:
    """The accuracy form, the ceiling to fit with first (1 under ``"auto"``; None: fitted) and whether ``"auto"``
    chooses it, each option checked."""
    if form not in ACCURACY_FORMS:
        raise FitError(f"unknown accuracy form {form!r}; expected one of {', '.join(ACCURACY_FORMS)}")
    f: AccuracyForm = "sigmoid" if form == "sigmoid" else "power"
    if floor not in ("fit", "chance"):
        raise FitError(f"unknown floor mode {floor!r}; expected fit or chance")
    if pooling not in ("auto", "pooled", "shifted", "separate"):
        raise FitError(f"unknown pooling {pooling!r}; expected auto, pooled, shifted or separate")
    cap: float | None = 1.0 if ceiling == "auto" else ceiling
    if cap is not None and not (0 < cap <= 1):
        raise InputError(f"a ceiling must be in (0, 1], got {ceiling}")
    return f, cap, ceiling == "auto"


def _labelled(groups: ArrayLike | None, n: int) -> tuple[list[str], Labels]:
    """The datasets' names and each run's index into them (one pooled group without ``groups``)."""
    if groups is None:
        return [POOLED], np.zeros(n, dtype=np.intp)
    garr = np.asarray(groups).ravel()
    if len(garr) != n:
        raise InputError(f"groups has {len(garr)} entries for {n} runs")
    uniq, inverse = np.unique(garr.astype(str), return_inverse=True)
    return [str(u) for u in uniq], inverse.astype(np.intp).ravel()


def _judged_predictable(
    xa: Array,
    ya: Array,
    g: Labels,
    labels: Sequence[str],
    grouped: bool,
    pooling: Pooling,
    chance: float | None,
    noise_sd: float | None,
) -> tuple[Predictability, dict[str, Predictability]]:
    """Whether the runs predict the task's accuracy (``assess_predictability``), and each dataset's own runs
    judged alone (those with 5 runs or more); with one curve per dataset asked for, the task is predictable where
    some dataset's own runs are."""
    pred = assess_predictability(xa, ya, chance=chance, noise_sd=noise_sd)
    # each dataset's own runs judged alone: with one curve per dataset, a dataset whose runs sit within noise of
    # chance gets no prediction (its curve would be fitted to noise: on the paper's runs StarCoder's MMLU curve,
    # all runs at chance, rose through 57 % at the 3.3B runs, which measured 27 %)
    per_group = (
        {
            labels[k]: assess_predictability(xa[g == k], ya[g == k], chance=chance, noise_sd=noise_sd)
            for k in range(len(labels))
            if int(np.sum(g == k)) >= 5
        }
        if grouped and len(labels) > 1
        else {}
    )
    if grouped and pooling in ("separate", "shifted") and len(labels) > 1:
        # one curve per dataset: predictable when some dataset's runs are (their losses need not share a scale)
        per = list(per_group.values())
        ok = [p for p in per if p.predictable]
        if ok:
            pred = max(ok, key=lambda p: p.signal / max(p.noise_sd, 1e-12))
        elif per:
            # every dataset's own reason, not the first one's given for all (a probe read books's statistics as
            # math's)
            pred = dataclasses.replace(
                per[0],
                reason="no dataset's own runs predict its accuracy (one curve per dataset): "
                + "; ".join(f"{lab}: {p.reason}" for lab, p in per_group.items()),
            )
    return pred, per_group


def _unpredictable(
    f: AccuracyForm,
    pred: Predictability,
    chance: float | None,
    floor: FloorMode,
    groups: tuple[str, ...],
    ya: Array,
    x_range: tuple[float, float],
) -> AccuracyFit:
    """The fit of a task whose accuracies stay within noise of chance: no law, the reason said."""
    return AccuracyFit(
        form=f,
        status="unpredictable",
        reason=pred.reason,
        chance=chance,
        floor_mode=floor,
        pooled=True,
        laws={},
        groups=groups,
        n_points=len(ya),
        rmse=float(np.std(ya)),
        r2=0.0,
        x_range=x_range,
        predictability=pred,
        sharing=None,
        at_bounds=(),
        warnings=(),
        residuals=ya - float(np.mean(ya)),
    )


def _choose_design(
    f: AccuracyForm,
    xa: Array,
    ya: Array,
    g: Labels,
    labels: Sequence[str],
    grouped: bool,
    pooling: Pooling,
    sharing_test: Literal["backtest", "bic"],
    auto_ceiling: bool,
    cap: float | None,
    chance: float | None,
    floor: FloorMode,
    E0: float | Mapping[str, float] | None,
    oa: Array | None,
    pred: Predictability,
    per_group: Mapping[str, Predictability],
    check: bool,
) -> tuple[Design, SharingTest | None, _CeilingChoice | None, list[str]]:
    """The design: the one asked for, or under ``pooling="auto"`` the sharing test's (``_sharing_test``), one
    shape shifted by dataset where one curve misses datasets systematically, and one curve for every dataset where
    one per dataset would leave half of them without a prediction. With it the sharing test, the pooled curve's
    ceiling choice (for ``fit_accuracy`` to reuse, where the design is pooled) and the warnings it gives."""
    if not grouped or len(labels) == 1 or pooling == "pooled":
        return "pooled", None, None, []
    if pooling in ("separate", "shifted"):
        return ("separate" if pooling == "separate" else "shifted"), None, None, []
    if sharing_test not in ("backtest", "bic"):
        raise FitError(f"unknown sharing test {sharing_test!r}; expected backtest or bic")
    pooled_choice: _CeilingChoice | None = None
    test_cap = cap
    if auto_ceiling and f == "sigmoid":
        # both designs backtested with the ceiling the pooled curve's backtest chooses: at 1, a task that
        # levels off inside the sweep misses by ~9 points in either design, and the test compared noise
        pooled_choice = _choose_ceiling(xa, ya, g, labels, "pooled", chance, floor, oa, pred.noise_sd)
        test_cap = pooled_choice.cap
    sharing = _sharing_test(f, xa, ya, g, labels, chance, floor, test_cap, E0, oa, sharing_test)
    if test_cap is None:
        sharing = dataclasses.replace(
            sharing,
            reason=f"{sharing.reason} (both with a fitted ceiling, as the pooled curve's backtest chose)",
        )
    # the backtest scores the top of each dataset's runs; one curve that misses every run of some datasets by
    # more than their noise ranks the datasets by their losses alone (``DATASET_OFFSET_P``): one shape shifted
    # by dataset then, unless one curve per dataset beats it by the margin. Where it does not miss them, the
    # shift is not taken on the backtest alone (it moved a probe's one-curve tables and the paper's OpenBookQA,
    # whose held-out chain went from 2.09 to 2.32 points)
    _, fitted_p = _fit_design(f, xa, ya, g, labels, "pooled", chance, floor, test_cap, E0)
    off = dataset_offsets(ya - fitted_p, g, labels, pred.noise_sd)
    if off is not None and off.systematic and pooled_choice is not None and test_cap == 1.0:
        # one curve with its ceiling at 1 misses the datasets that climb closest to a lower ceiling, the same
        # way: where a fitted ceiling meets every dataset, the ceiling is the cause, not the datasets
        # (``_ceiling_for_offsets``), and both designs are tested again with it
        lower = _ceiling_for_offsets(xa, ya, g, labels, chance, floor, pred.noise_sd, off, pooled_choice)
        if lower is not None:
            pooled_choice, test_cap, off = lower, None, lower.offsets
            sharing = _sharing_test(f, xa, ya, g, labels, chance, floor, None, E0, oa, sharing_test)
            sharing = dataclasses.replace(
                sharing,
                reason=f"{sharing.reason} (both with a fitted ceiling: at 1, one curve missed datasets "
                "systematically, as a ceiling below 100 % does)",
            )
    if off is not None and off.systematic:
        mh, ms = sharing.backtest_mae_shifted, sharing.backtest_mae_separate
        # (where no backtest compared them, the shift: the least change that meets the runs)
        beaten = f != "sigmoid" or (mh is not None and ms is not None and _beats(ms, mh))
        instead: Design = "separate" if beaten else "shifted"
        if instead != sharing.chosen:
            but = (
                "but one curve misses datasets systematically"
                if sharing.chosen == "pooled"
                else "one curve misses datasets systematically, and one curve per dataset does not beat one "
                "shape shifted by dataset by the margin"
            )
            sharing = dataclasses.replace(
                sharing,
                chosen=instead,
                reason=f"{sharing.reason}; {but}: {off.words}: {_verdict(instead)}",
            )
    # one curve per dataset predicts only the datasets whose own runs show the trend alone; where that leaves
    # half or more without a prediction, the test compared curves fitted to noise (a probe: 3 of 4 datasets
    # of 12 runs each then unpredicted, one true curve; on the paper's runs 1 of 6 at most, StarCoder's MMLU)
    # (judged by each dataset's own trend in either design: a shape shared by datasets at chance is the
    # pooled curve's; mmlu-like tables with one true curve otherwise went shifted and left two datasets out)
    alone = [lab for lab, p in per_group.items() if p.predictable]
    if sharing.chosen != "pooled" and check and per_group and 2 * len(alone) <= len(per_group):
        which = f"only {', '.join(alone)}" if alone else "none"
        each = "midpoint" if sharing.chosen == "shifted" else "curve"
        sharing = dataclasses.replace(
            sharing,
            chosen="pooled",
            reason=f"{sharing.reason}; but one {each} per dataset would predict {which} of {len(per_group)} "
            "datasets (the others' own runs show no trend alone): one curve for every dataset",
        )
    if sharing.chosen != "pooled":
        return sharing.chosen, sharing, None, []
    return (
        "pooled",
        sharing,
        pooled_choice,
        [
            f"{k}: predicted by the pooled curve, not tested against a curve of its own: {why}"
            for k, why in sharing.untested.items()
        ],
    )


def _too_few_for_own(g: Labels, labels: Sequence[str]) -> dict[str, str]:
    """The datasets with too few runs for a curve of their own (``MIN_GROUP_RUNS``), each with why; all of them
    too few is an error."""
    counts = np.bincount(g, minlength=len(labels))
    left_out = {
        lab: f"{int(counts[k])} runs, too few for a curve of its own (a per-dataset accuracy law needs at "
        f"least {MIN_GROUP_RUNS})"
        for k, lab in enumerate(labels)
        if counts[k] < MIN_GROUP_RUNS
    }
    if len(left_out) == len(labels):
        raise FitError(
            f"no dataset has the {MIN_GROUP_RUNS} runs a per-dataset accuracy law needs ("
            + ", ".join(f"{lab}: {int(counts[k])}" for k, lab in enumerate(labels))
            + ")",
            hint="fit one curve for every dataset (pooling: pooled)",
        )
    return left_out


def _laws_of(f: AccuracyForm, keys: Sequence[str], curves: Sequence[_Curve]) -> dict[str, AccuracyLaw]:
    names = SIGMOID_PARAMS if f == "sigmoid" else POWER_PARAMS
    return {
        k: AccuracyLaw(f, {n: float(v) for n, v in zip(names, c.params, strict=True)})
        for k, c in zip(keys, curves, strict=True)
    }


def _ceiling_doubt(
    f: AccuracyForm,
    chosen: _CeilingChoice,
    keys: Sequence[str],
    design: Design,
    xa: Array,
    ya: Array,
    g: Labels,
    fit_labels: Sequence[str],
    chance: float | None,
    floor: FloorMode,
    E0: float | Mapping[str, float] | None,
    fitted: Array,
    oa: Array | None,
    pred: Predictability,
) -> tuple[dict[str, AccuracyLaw], str]:
    """Where ``auto`` kept a ceiling of 1 that its backtest cannot tell from a lower one (``_ceiling_undecided``):
    the law whose predictions the intervals also hold (the fitted-ceiling law's, or with the full fit at 1 too the
    lowest ceiling the runs do not reject, ``_lowest_ceiling``), and what to add to the ceiling choice's words;
    no laws and no words where the backtest tells."""
    try:
        alt = (
            chosen.design[0]
            if chosen.design is not None and len(chosen.design[0]) == len(keys)
            else _fit_design(f, xa, ya, g, fit_labels, design, chance, floor, None, E0)[0]
        )
    except FitError:
        alt = []
    if alt and _ceiling_undecided(chosen, pred.noise_sd, alt, design, xa, ya, g, oa):
        doubt = {
            k: law
            for (k, law), c in zip(_laws_of(f, keys, alt).items(), alt, strict=True)
            # (a fitted ceiling on its box's lower end is the box's, not the runs': on the paper's ARC-Challenge
            # and MMLU, 31.0; it would have widened their intervals by that guess)
            if c.params[1] < 1.0 - 1e-6 and "ceiling" not in c.at_bounds
        }
        if doubt:
            fitted_at = ", ".join(sorted({f"{100 * law.ceiling:.1f}" for law in doubt.values()}))
            return doubt, (
                f"; the backtest cannot tell it from a fitted ceiling ({fitted_at} points): intervals also hold "
                "that law's predictions"
            )
    if (
        alt
        and all(c.params[1] >= 1.0 - 1e-6 for c in alt)
        and _ceiling_undecided(chosen, pred.noise_sd, alt, design, xa, ya, g, oa)
    ):
        # even the full fit puts the ceiling at 1, where the runs cannot tell (a hard task's sweep 10 points
        # above chance): hold the lowest ceiling they do not reject (``PROFILE_CHI2``). Not below a fitted
        # ceiling too: there it widened a true ceiling of 1's intervals 0.7 → 2.4 points (h45)
        low = _lowest_ceiling(f, xa, ya, g, fit_labels, design, chance, floor, E0, fitted)
        if low is not None:
            return _laws_of(f, keys, low), (
                f"; the runs cannot place a ceiling: one as low as {100 * low[0].params[1]:.1f} points fits "
                "them about as well (within the 90 % profile bound): intervals also hold that law's predictions"
            )
    return {}, ""


@dataclass(frozen=True)
class _Backtest:
    """A fit's backtest (``_backtest_of``): its errors on the top of each dataset's runs (None where too few runs
    can be held out: the intervals use the fit's residuals), on the logit scale, why it says nothing where it does
    not, the errors with the ceiling held at the full fit's where that backtest says nothing either, and its
    warnings."""

    errors: Array | None = None
    logit: Array | None = None
    uninformative: str = ""
    held_errors: Array | None = None
    held_logit: Array | None = None
    warnings: tuple[str, ...] = ()


def _backtest_of(
    f: AccuracyForm,
    xa: Array,
    ya: Array,
    g: Labels,
    fit_labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor: FloorMode,
    cap: float | None,
    E0: float | Mapping[str, float] | None,
    oa: Array | None,
    chosen: _CeilingChoice | None,
    curves: Sequence[_Curve],
    pred: Predictability,
) -> _Backtest:
    """The fit refitted on the lower half of each dataset's runs and scored on the rest (``chosen``: the ceiling
    choice whose backtests were made on the same runs, reused)."""
    warnings: list[str] = []
    try:
        train, test = _backtest_masks(xa, g, len(fit_labels), oa)
        rows, bt_g, bt_labels = _backtestable(g, fit_labels, design, train)
        if len(bt_labels) < len(fit_labels):  # the others are backtested without it, not all dropped for it
            warnings += [
                f"{lab}: not backtested: too few runs in the lower half of its runs to fit on (its curve's "
                "interval carries the other datasets' backtest errors)"
                for lab in fit_labels
                if lab not in bt_labels
            ]
        errors = (
            chosen.backtests[cap]
            if chosen is not None and cap in chosen.backtests
            else _backtest_errors(
                f,
                xa[rows],
                ya[rows],
                bt_g,
                bt_labels,
                design,
                chance,
                floor,
                cap,
                E0,
                train[rows],
                test[rows],
            )
        )
    except FitError:
        return _Backtest()  # too few runs per dataset to hold any out: intervals use the fit's residuals
    y_test = ya[rows][test[rows]]
    logit = _logits(y_test) - _logits(y_test - errors)
    fitted_on = rows & train
    uninformative = _uninformative_backtest(errors, xa[fitted_on], ya[fitted_on], chance, pred.noise_sd)
    held_errors: Array | None = None
    held_logit: Array | None = None
    if not uninformative and f == "sigmoid" and cap is None:
        # a fitted ceiling that the lower half of the runs never approaches: the backtest's refit cannot place it
        # (it ends at 1) and scores where it guessed the plateau, not the law; the same backtest with the ceiling
        # held at the full fit's still tests the rest of the curve, and flags a law whose shape misses
        held, held_errors = _held_ceiling_backtest(
            errors, curves, design, xa, ya, g, fit_labels, rows, bt_g, bt_labels, train, test, chance, floor,
            pred.noise_sd,
        )  # fmt: skip
        if held.startswith("backtest uninformative") and held_errors is not None:
            uninformative = held
            # its errors with the ceiling held still measure how the rest of the curve extrapolates: the interval
            # holds them beside the fit's residuals (with the residuals alone, 923 of 1,200 targets at 3B–10B were
            # covered against 947 with the failed backtest's errors; h21)
            held_logit = _logits(y_test) - _logits(y_test - held_errors)
        elif held:
            warnings.append(held)
    if uninformative:
        warnings.append(uninformative)
    return _Backtest(errors, logit, uninformative, held_errors, held_logit, tuple(warnings))


def _predicts_alone(p: Predictability, design: Design) -> bool:
    """Whether a dataset's own runs carry its part of a per-dataset design: a curve of its own needs their own
    trend (``separate``); a midpoint of its own on the shape every dataset shares (``shifted``) needs them only to
    rise above chance by the noise (a probe's recipe of 8 runs, ρ −0.88 at p 0.004, was refused a prediction)."""
    if design == "shifted":
        return p.predictable or p.signal >= MIN_SIGNAL_SD * p.noise_sd
    return p.predictable


@dataclass(frozen=True)
class _CeilingChoice:
    """What ``_choose_ceiling`` decided and what it computed on the way, for ``fit_accuracy`` to reuse: the
    backtest errors of each ceiling tried (keyed 1.0 and None: fitted) and the full fit with a fitted ceiling
    where it made one (cold ``fit-accuracy`` on the paper's runs: 5.13 s with ``--ceiling 1``, 6.00 s with auto
    before these were reused)."""

    cap: float | None
    why: str
    backtests: Mapping[float | None, Array] = field(default_factory=dict)
    design: tuple[list[_Curve], Array] | None = None
    #: where the fitted ceiling was chosen because one curve at 1 missed datasets systematically: its offsets
    offsets: DatasetOffsets | None = None


def _choose_ceiling(
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor_mode: FloorMode,
    order: Array | None,
    noise_sd: float,
) -> _CeilingChoice:
    """The ceiling and why: fitted (None) where the backtest of a fitted ceiling misses by at most
    ``CEILING_MARGIN`` of the backtest with the ceiling at 1, and by half a noise SD less or more; else 1. Without
    a backtest: 1."""
    try:
        train, test = _backtest_masks(x, g, len(labels), order)
        rows, bt_g, bt_labels = _backtestable(g, labels, design, train)
        errors: dict[float | None, Array] = {}
        for value in (1.0, None):
            errors[value] = _backtest_errors(
                "sigmoid", x[rows], y[rows], bt_g, bt_labels, design, chance, floor_mode, value, None,
                train[rows], test[rows],
            )  # fmt: skip
    except FitError:
        return _CeilingChoice(1.0, "1 (no backtest to choose by)")
    mae = {k: float(np.mean(np.abs(v))) for k, v in errors.items()}
    both = f"backtest error {100 * mae[None]:.2f} points fitted, {100 * mae[1.0]:.2f} at 1"
    if not (mae[None] <= CEILING_MARGIN * mae[1.0] and mae[1.0] - mae[None] >= 0.5 * noise_sd):
        return _CeilingChoice(1.0, f"1: {both}", errors)
    fit = _fit_design("sigmoid", x, y, g, labels, design, chance, floor_mode, None, None)
    reached = min(
        _reach(y if design == "pooled" else y[g == k], c.params[0], c.params[1]) for k, c in enumerate(fit[0])
    )
    if reached < CEILING_REACHED:
        return _CeilingChoice(
            1.0,
            f"1: {both}, but the sweep reaches only {reached:.2f} of the way to the fitted ceiling",
            errors,
            fit,  # (the fitted-ceiling law whose predictions the intervals hold too: ``CEILING_DOUBT``)
        )
    return _CeilingChoice(
        None,
        f"fitted: {both}; "
        + (
            "the sweep reaches it (the task levels off)"
            if reached >= 1.0
            else f"the sweep reaches {reached:.2f} of the way to it (the task levels off)"
        ),
        errors,
        fit,
    )


def _ceiling_undecided(
    choice: _CeilingChoice,
    noise_sd: float,
    alt: Sequence[_Curve],
    design: Design,
    x: Array,
    y: Array,
    g: Labels,
    order: Array | None,
) -> bool:
    """Whether ``ceiling="auto"``'s backtest left 1 undecided against the fitted ceilings ``alt`` (the design's full
    fit with the ceiling fitted; ``CEILING_DOUBT``): there was no backtest, or it did not choose 1 by the margin it
    would need to choose the fitted ceiling (``CEILING_MARGIN`` and half a noise SD, mirrored), or the runs it
    refits on (the lower half of each dataset's) reach less than ``CEILING_REACHED`` of the way from the fitted
    floor to the fitted ceiling, so that its refit cannot place the ceiling (h21: it puts it at 1, or at the top of
    those runs, and misses the top 20 % by 10–55 points, "deciding" for 1)."""
    at_1, fitted = choice.backtests.get(1.0), choice.backtests.get(None)
    if at_1 is None or fitted is None or not len(at_1) or not len(fitted):
        return True
    m1, mf = float(np.mean(np.abs(at_1))), float(np.mean(np.abs(fitted)))
    if not (m1 <= CEILING_MARGIN * mf and mf - m1 >= 0.5 * noise_sd):
        return True
    try:
        train, _ = _backtest_masks(x, g, int(g.max()) + 1, order)
    except FitError:
        return True
    parts = [(train, alt[0])] if design == "pooled" else [(train & (g == k), c) for k, c in enumerate(alt)]
    reached = [_reach(y[m], c.params[0], c.params[1]) for m, c in parts if np.any(m)]
    return not reached or min(reached) < CEILING_REACHED


def _lowest_ceiling(
    f: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor: FloorMode,
    E0: float | Mapping[str, float] | None,
    fitted_1: Array,
) -> list[_Curve] | None:
    """The design fitted with the lowest ceiling (in steps of ``PROFILE_STEP`` below 1, no lower than a fitted
    ceiling's box) whose sum of squares exceeds the ceiling-1 fit's by at most ``PROFILE_CHI2`` noise variances (a
    profile-likelihood bound on the ceiling), or None where even the first step below 1 is rejected."""
    resid_1 = y - fitted_1
    sse_1 = float(np.sum(resid_1**2))
    n_par = 4 if design == "pooled" else (3 + len(labels) if design == "shifted" else 4 * len(labels))
    limit = sse_1 + PROFILE_CHI2 * sse_1 / max(len(y) - n_par, 1)
    c_min = max(float(np.quantile(y, 0.9)) - CEILING_SLACK, (chance or 0.0) + 0.05)
    best: list[_Curve] | None = None
    c = 1.0 - PROFILE_STEP
    while c >= c_min:
        try:
            curves, fitted = _fit_design(f, x, y, g, labels, design, chance, floor, c, E0)
        except FitError:
            break
        if float(np.sum((y - fitted) ** 2)) > limit:
            break
        best, c = curves, c - PROFILE_STEP
    return best


def _reach(y: Array, floor: float, ceiling: float) -> float:
    """How far the runs ``y`` climb (their 95th percentile) from a curve's ``floor`` to its ``ceiling``: 1 at the
    ceiling; what tells whether the runs show where a task levels off (``CEILING_REACHED``)."""
    return (float(np.quantile(y, 0.95)) - floor) / max(ceiling - floor, 1e-9)


def _ceiling_for_offsets(
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    chance: float | None,
    floor_mode: FloorMode,
    noise_sd: float,
    off: DatasetOffsets,
    choice: _CeilingChoice,
) -> _CeilingChoice | None:
    """A fitted ceiling for one pooled curve where, at 1, it misses datasets systematically (``off``) and, fitted,
    misses none systematically, its χ² lower by ``CEILING_OFFSETS_DROP``, with a sweep that reaches
    ``CEILING_REACHED_OFFSETS`` of the way to it; None where it does not (the datasets differ: the offsets stand).
    ``choice`` is the backtest's choice of 1, whose errors are kept.

    One true curve whose ceiling is below 100 % looks like datasets that differ when its ceiling is held at 1: the
    datasets that climb closest to the plateau sit below the curve (a probe's DataDecide-like table, ARC-Challenge
    at 0.70: "one curve misses datasets systematically", χ² 63 on 14 degrees of freedom, where a fitted ceiling
    recovered the truth, 0.692, with no offsets), and a backtest fitted on the lower half, far below the plateau,
    cannot tell the two ceilings apart (2.46 points either way)."""
    curves, fitted = _fit_design("sigmoid", x, y, g, labels, "pooled", chance, floor_mode, None, None)
    c = curves[0].params
    if "ceiling" in curves[0].at_bounds or c[1] >= 1.0 - 1e-6:
        return None
    again = dataset_offsets(y - fitted, g, labels, noise_sd)
    if again is None or again.systematic or off.chi2 - again.chi2 < CEILING_OFFSETS_DROP:
        return None
    reached = _reach(y, c[0], c[1])
    if reached < CEILING_REACHED_OFFSETS:
        return None
    why = (
        f"fitted ({100 * c[1]:.1f} points): at 1, one curve misses datasets systematically (χ² {off.chi2:.0f} on "
        f"{off.dof} degrees of freedom, p {off.p:.1g}); fitted, it misses none systematically (χ² {again.chi2:.0f}, "
        f"the largest mean residual {100 * max(abs(v) for v in again.offsets.values()):.1f} points): a ceiling below "
        "100 %, not datasets that differ; the sweep reaches "
        f"{min(reached, 1.0):.2f} of the way to it"
        + (f" ({choice.why.split(': ', 1)[-1]})" if choice.backtests else "")
    )
    return _CeilingChoice(None, why, choice.backtests, (curves, fitted), again)


def _held_ceiling_backtest(
    backtest: Array,
    curves: Sequence[_Curve],
    design: Design,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    rows: Mask,
    bt_g: Labels,
    bt_labels: Sequence[str],
    train: Mask,
    test: Mask,
    chance: float | None,
    floor_mode: FloorMode,
    noise_sd: float,
) -> tuple[str, Array | None]:
    """Where a backtest of a law with a fitted ceiling would flag it poor but the runs it refits on (the lower half
    of each dataset's) reach less than ``CEILING_REACHED`` of the way from the law's floor to its ceiling, the same
    backtest with each curve's ceiling held at the full fit's: "backtest uninformative: ..." where that one holds
    (the miss was the unplaced ceiling's), else a warning that says the law misses even so ("" where the backtest
    does not flag it, or its runs reach the plateau: it counts as it is), and that backtest's errors (None where it
    was not run).

    A probe's DataDecide-like ARC-Easy, one true curve (ceiling 0.92), fitted 0.919 / 2.053 / 0.190 against 0.92 /
    2.05 / 0.20, was "poor, backtest MAE 26.74 points": the lower half's refit put the ceiling at 1."""
    mae = float(np.mean(np.abs(backtest))) if len(backtest) else 0.0
    if mae <= max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return "", None
    fitted_on = rows & train
    parts = (
        [(np.ones(len(y), dtype=bool), curves[0])]
        if design == "pooled"
        else list(zip((g == k for k in range(len(labels))), curves, strict=True))
    )
    reached = min(
        _reach(y[m & fitted_on], c.params[0], c.params[1]) for m, c in parts if np.any(m & fitted_on)
    )
    if reached >= CEILING_REACHED:
        return "", None
    xr, yr, tr, te = x[rows], y[rows], train[rows], test[rows]
    try:
        if design == "separate":
            held = np.empty(int(te.sum()))
            gt = bt_g[te]
            for k, lab in enumerate(bt_labels):
                m = bt_g == k
                cap = float(curves[list(labels).index(lab)].params[1])
                held[gt == k] = _backtest_errors(
                    "sigmoid", xr[m], yr[m], np.zeros(int(m.sum()), dtype=np.intp), [lab], "pooled", chance,
                    floor_mode, cap, None, tr[m], te[m],
                )  # fmt: skip
        else:
            held = _backtest_errors(
                "sigmoid", xr, yr, bt_g, bt_labels, design, chance, floor_mode, float(curves[0].params[1]), None,
                tr, te,
            )  # fmt: skip
    except FitError:
        return "", None
    held_mae = float(np.mean(np.abs(held)))
    ceil = ", ".join(sorted({f"{100 * c.params[1]:.1f}" for c in curves}))
    where = (
        f"fitted on the lower half of each dataset's runs, it misses the top {int(100 * BACKTEST_FRACTION)} % by "
        f"{100 * mae:.1f} points, but those runs reach only {max(reached, 0.0):.2f} of the way from the floor to "
        f"the fitted ceiling ({ceil} points), so its refit cannot place the ceiling; with the ceiling held at the "
        f"full fit's, the same backtest misses by {100 * held_mae:.1f} points ({_noise_words(noise_sd)})"
    )
    if held_mae > max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return f"the backtest's miss is not the ceiling's alone: {where}", held
    return (
        f"backtest uninformative: {where}: it does not flag the law; the law's interval holds its fit's residuals "
        "and that backtest's errors (a lower bound, not calibrated)"
    ), held


def _noise_words(noise_sd: float) -> str:
    """The runs' noise in points, or that it could not be measured (a probe's 11 runs read "noise 0.0")."""
    return f"noise {100 * noise_sd:.1f}" if noise_sd >= 5e-4 else "the runs' noise could not be measured"


def _uninformative_backtest(
    backtest: Array, x_fit: Array, y_fit: Array, chance: float | None, noise_sd: float
) -> str:
    """Why a backtest that would flag the law poor (``POOR_BACKTEST``) tests nothing: the runs it was fitted on
    (``x_fit``, ``y_fit``) sit at chance, their best within ``MIN_SIGNAL_SD`` of the sweep's noise SDs
    (``noise_sd``) of it, so the curve fitted there was free to put the rise anywhere past them. "" where it counts
    (it holds, or its runs rise: a probe's lower half reaching 8 points above chance kept its 11.7-point miss)."""
    mae = float(np.mean(np.abs(backtest))) if len(backtest) else 0.0
    if mae <= max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return ""
    try:
        lower = assess_predictability(x_fit, y_fit, chance=chance, noise_sd=noise_sd)
    except (FitError, InputError):
        return ""  # too few runs to judge: the backtest counts, as before
    if lower.signal >= MIN_SIGNAL_SD * lower.noise_sd:
        return ""
    what = "chance" if chance is not None else "their worst runs"
    side = "above" if lower.signal >= 0 else "below"
    return (
        f"backtest uninformative: fitted on the lower half of each dataset's runs, it misses the top "
        f"{int(100 * BACKTEST_FRACTION)} % by {100 * mae:.1f} points, but the best runs of that lower half sit "
        f"{abs(100 * lower.signal):.1f} points {side} {what}, within {MIN_SIGNAL_SD:g} noise SDs "
        f"({100 * lower.noise_sd:.1f} points each): they show no rise, so it cannot test the law and does not flag "
        "it; the law's interval holds its fit's residuals only (the noise: a lower bound, not calibrated)"
    )


def _quality(
    pred: Predictability,
    rmse: float,
    backtest: Array | None,
    offsets: DatasetOffsets | None = None,
    offsets_hint: str = "",
) -> tuple[Literal["ok", "poor"], str]:
    """``ok`` with the predictability's reason, or ``poor`` when the backtest or the fit's own residuals miss by
    far more than the runs' noise (``POOR_BACKTEST``, ``POOR_RMSE``, ``POOR_NOISE``), or one curve for every
    dataset misses some datasets systematically (``offsets``)."""
    noise = POOR_NOISE * pred.noise_sd
    why: list[str] = []
    if backtest is not None and len(backtest):
        mae = float(np.mean(np.abs(backtest)))
        if mae > max(POOR_BACKTEST, noise):
            why.append(
                f"its backtest (fitted on the lower half of each dataset's runs, predicting the top "
                f"{int(100 * BACKTEST_FRACTION)} %) misses by {100 * mae:.1f} points on average "
                f"({_noise_words(pred.noise_sd)})"
            )
    if rmse > max(POOR_RMSE, noise):
        why.append(f"it misses its own runs by {100 * rmse:.1f} points rms ({_noise_words(pred.noise_sd)})")
    if offsets is not None and offsets.systematic:
        why.append(
            f"one curve for every dataset misses datasets systematically: {offsets.words}{offsets_hint}"
        )
    if why:
        return "poor", "poor law: " + "; ".join(why)
    return "ok", pred.reason


def _sharing_test(
    form: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | Mapping[str, float] | None,
    order: Array | None,
    method: Literal["backtest", "bic"],
) -> SharingTest:
    """Pooled against separate, on the datasets with the runs for a curve of their own in the test (every run for
    ``bic``; the lower half of each dataset's runs the backtest fits on): the others are left out of the test
    (``untested``). With fewer than two datasets left, nothing is tested: pooled (the default on a tie)."""
    counts = np.bincount(g, minlength=len(labels))
    if method == "bic":
        n_fit = counts
    else:
        train, _ = _backtest_masks(x, g, len(labels), order)
        n_fit = np.bincount(g[train], minlength=len(labels))
    untested = {
        lab: (
            f"{int(counts[k])} runs; a curve of its own needs at least {MIN_GROUP_RUNS}"
            if method == "bic"
            else f"{int(counts[k])} runs, {int(n_fit[k])} in the lower half the backtest fits on; a curve of "
            f"its own needs at least {MIN_GROUP_RUNS} there"
        )
        for k, lab in enumerate(labels)
        if n_fit[k] < MIN_GROUP_RUNS
    }
    names = ", ".join(untested)
    if not untested:
        return _test_sharing(form, x, y, g, labels, chance, floor_mode, ceiling, E0, order, method)
    tested = [k for k, lab in enumerate(labels) if lab not in untested]
    if len(tested) < 2:
        cp, _ = _fit_design(form, x, y, g, labels, "pooled", chance, floor_mode, ceiling, E0)
        have = f"only {labels[tested[0]]} has" if tested else "none has"
        reason = (
            f"not tested: comparing one curve per dataset with one for every dataset takes two datasets with the "
            f"runs for a curve of their own, and {have} them ({names}: too few runs); one curve for every "
            "dataset, assumed"
        )
        bic_p = _bic(cp[0].rss, len(y), cp[0].n_free)
        return SharingTest("pooled", reason, method, cp[0].rss, None, bic_p, None, None, None, 0, untested)
    keep, g_tested = _only_groups(g, tested)
    sub = _test_sharing(
        form,
        x[keep],
        y[keep],
        g_tested,
        [labels[k] for k in tested],
        chance,
        floor_mode,
        ceiling,
        E0,
        None if order is None else order[keep],
        method,
    )
    tail = f"; {names} left out of the test (too few runs)" + (
        f": the pooled curve is assumed for {'it' if len(untested) == 1 else 'them'}"
        if sub.chosen == "pooled"
        else ""
    )
    return dataclasses.replace(sub, reason=sub.reason + tail, untested=untested)


def _test_sharing(
    form: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | Mapping[str, float] | None,
    order: Array | None,
    method: Literal["backtest", "bic"],
) -> SharingTest:
    """The sharing test on datasets that each have the runs for a curve of their own in it."""
    n = len(y)
    cp, _ = _fit_design(form, x, y, g, labels, "pooled", chance, floor_mode, ceiling, E0)
    cs, _ = _fit_design(form, x, y, g, labels, "separate", chance, floor_mode, ceiling, E0)
    rss_p, rss_s = cp[0].rss, sum(c.rss for c in cs)
    bic_p = _bic(rss_p, n, cp[0].n_free)
    bic_s = _bic(rss_s, n, sum(c.n_free for c in cs))
    if method == "bic":
        chosen: Design = "pooled" if bic_p <= bic_s else "separate"
        reason = f"BIC {bic_p:.1f} pooled against {bic_s:.1f} separate: {_verdict(chosen)}"
        return SharingTest(chosen, reason, "bic", rss_p, rss_s, bic_p, bic_s, None, None, 0)
    train, test = _backtest_masks(x, g, len(labels), order)
    designs: list[Design] = ["pooled", "shifted", "separate"] if form == "sigmoid" else ["pooled", "separate"]
    mae = {
        d: float(
            np.mean(
                np.abs(
                    _backtest_errors(form, x, y, g, labels, d, chance, floor_mode, ceiling, E0, train, test)
                )
            )
        )
        for d in designs
    }
    mp, ms, mh = mae["pooled"], mae["separate"], mae.get("shifted")
    informative = min(mae.values()) <= SHARING_UNINFORMATIVE
    if informative:
        # one curve per dataset where it beats one curve for every dataset by the margin; one shape shifted by
        # dataset is scored beside them (``fit_accuracy`` takes it where one curve misses datasets systematically)
        chosen = "separate" if _beats(ms, mp) else "pooled"
        said = ", ".join(
            f"{100 * mae[d]:.2f}{' points' if i == 0 else ''} {d}" for i, d in enumerate(designs)
        )
        why = (
            f"backtest (fit on the lower half of each dataset's runs, test on its top "
            f"{int(100 * BACKTEST_FRACTION)} %): mean absolute error {said}"
            + (
                f" (one curve per dataset must win by {100 * SHARING_MARGIN:.0f} %)"
                if chosen == "pooled" and ms < mp
                else ""
            )
        )
    else:
        chosen = "pooled" if bic_p <= bic_s else "separate"
        why = (
            f"backtest (fit on the lower half of each dataset's runs) uninformative: both designs miss by more than "
            f"{100 * SHARING_UNINFORMATIVE:.0f} points ({100 * mp:.2f} pooled, {100 * ms:.2f} separate: the lower "
            f"half does not show the rise); BIC on every run {bic_p:.1f} pooled against {bic_s:.1f} separate"
        )
    return SharingTest(
        chosen,
        f"{why}{'; ' if informative else ': '}{_verdict(chosen)}",
        "backtest" if informative else "bic",
        rss_p,
        rss_s,
        bic_p,
        bic_s,
        mp,
        ms,
        int(test.sum()),
        backtest_mae_shifted=mh,
    )


def _beats(a: float, b: float) -> bool:
    """Whether backtest error ``a`` beats ``b`` by the margin a design with more curves needs
    (``SHARING_MARGIN`` of ``b``, and 0.1 points)."""
    return a <= b - max(1e-3, SHARING_MARGIN * b)


def _verdict(chosen: str) -> str:
    return {
        "pooled": "one curve for every dataset",
        "shifted": "one shape for every dataset, shifted by dataset",
    }.get(chosen, "the datasets' curves differ")


def _backtest_masks(x: Array, g: Labels, n_groups: int, order: ArrayLike | None) -> tuple[Mask, Mask]:
    """Train on the lower half of each group's runs in ``order``, test on its top 20 %: a gap, so the test
    extrapolates as real predictions do. Without an ordering (compute), the runs with the lowest loss are held out."""
    o = -x if order is None else np.asarray(order, dtype=np.float64).ravel()
    if len(o) != len(x):
        raise InputError(f"order has {len(o)} entries for {len(x)} runs")
    test = np.zeros(len(x), dtype=bool)
    train = np.zeros(len(x), dtype=bool)
    for k in range(n_groups):
        idx = np.flatnonzero(g == k)
        test[idx[o[idx] >= np.quantile(o[idx], 1 - BACKTEST_FRACTION)]] = True
        train[idx[o[idx] <= np.quantile(o[idx], BACKTEST_TRAIN_QUANTILE)]] = True
    return train, test


def _only_groups(g: Labels, kept: Sequence[int]) -> tuple[Mask, Labels]:
    """(rows, their group labels renumbered 0..len(kept)−1) of the runs of the groups ``kept`` (ascending)."""
    idx = np.asarray(kept, dtype=np.intp)
    rows = np.isin(g, idx)
    return rows, np.searchsorted(idx, g[rows]).astype(np.intp)


def _backtestable(
    g: Labels, labels: Sequence[str], design: Design, train: Mask
) -> tuple[Mask, Labels, list[str]]:
    """(rows, their group labels renumbered, the labels) of the datasets a per-dataset backtest can refit: those
    with ``MIN_GROUP_RUNS`` runs to fit on (every dataset under one pooled curve). None left: FitError."""
    if design == "pooled":
        return np.ones(len(g), dtype=bool), g, list(labels)
    kept = [k for k in range(len(labels)) if int(np.sum(train & (g == k))) >= MIN_GROUP_RUNS]
    if not kept:
        raise FitError(f"no dataset has {MIN_GROUP_RUNS} runs in the lower half of its runs to backtest on")
    rows, renumbered = _only_groups(g, kept)
    return rows, renumbered, [labels[k] for k in kept]


def _backtest_errors(
    form: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | Mapping[str, float] | None,
    train: Mask,
    test: Mask,
) -> Array:
    """Errors y − ŷ on the test runs of a design fitted on the train runs."""
    if design != "pooled":
        for k, lab in enumerate(labels):
            n_train = int(np.sum(train & (g == k)))
            if n_train < MIN_GROUP_RUNS:
                raise FitError(
                    f"dataset {lab!r} has {int(np.sum(g == k))} runs, {n_train} in the lower half a backtest fits "
                    f"on; a per-dataset accuracy law needs at least {MIN_GROUP_RUNS}"
                )
    curves, _ = _fit_design(
        form, x[train], y[train], g[train], labels, design, chance, floor_mode, ceiling, E0
    )
    yhat = np.empty(int(test.sum()))
    gt = g[test]
    for k, c in enumerate(curves):
        m = np.ones(len(gt), dtype=bool) if design == "pooled" else gt == k
        yhat[m] = _curve_values(form, c.params, x[test][m])
    return y[test] - yhat


def _bootstrap(
    form: AccuracyForm,
    x: Array,
    y: Array,
    g: Labels,
    labels: Sequence[str],
    design: Design,
    chance: float | None,
    floor_mode: FloorMode,
    ceiling: float | None,
    E0: float | Mapping[str, float] | None,
    curves: Sequence[_Curve],
    draws: int,
    seed: int,
) -> Array:
    """Resample runs within each group, refit warm from the best fit; (draws, laws, 4) parameters."""
    if draws < 2:
        raise FitError("a bootstrap needs at least 2 draws")
    rng = np.random.default_rng(seed)
    groups_idx = [np.flatnonzero(g == k) for k in range(len(labels))]
    draws_idx = [
        np.concatenate([rng.choice(ix, size=len(ix), replace=True) for ix in groups_idx])
        for _ in range(draws)
    ]
    out = np.empty((draws, len(curves), 4))
    warm = [c.params for c in curves]
    if design == "shifted":  # the shape is every dataset's: each draw refitted together, warm
        for b, idx in enumerate(draws_idx):
            shifted = _fit_shifted_sigmoid(
                x[idx], y[idx], g[idx], len(labels), chance, floor_mode, ceiling, warm
            )
            out[b] = np.stack([c.params for c in shifted])
        return out
    if form == "sigmoid":
        parts = [np.arange(len(y))] if design == "pooled" else groups_idx
        for c, (part, curve) in enumerate(zip(parts, curves, strict=True)):
            out[:, c] = _bootstrap_sigmoid(x, y, part, draws_idx, curve, chance, floor_mode, ceiling)
        return out
    for b, idx in enumerate(draws_idx):
        cs, _ = _fit_design(
            form, x[idx], y[idx], g[idx], labels, design, chance, floor_mode, ceiling, E0, warm
        )
        out[b] = np.stack([c.params for c in cs])
    return out
