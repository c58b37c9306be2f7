"""Rank pre-training datasets for a target loss at a budget: which data gives the best model, and how sure are we.

Pure numerics on plain arrays (no run-table type at the seam). For each candidate dataset: the compute-optimal
(N*, D*) of its own-loss law at a budget C (or a given N, D), and the target eval's predicted loss by three methods:

- ``independent``: the target eval's own law on that dataset's runs, extrapolated;
- ``translation``: the dataset's own-loss law extrapolated, then pushed through its train-to-test relation
  y = K·(x − E0)^κ + E1 (the paper's method; E0, E1 from the independent fits, K, κ by least squares in log space);
- ``recommended`` (*anchored*): start from what the sweep measured at its largest budget, and add only the change
  the laws predict from there to the target. The part of that change shared by all datasets moves every candidate
  alike (the extrapolation bias is shared); the dataset-specific part, which is what can reorder them, is shrunk
  toward zero by how much of it the uncertainty could explain (empirical Bayes), and set to zero for a law that
  ends on a bound of its box. So the ranking keeps the order the sweep has settled unless the laws predict, beyond
  their noise, that the curves cross before the target. A candidate whose runs stop below the others' largest
  budget is first carried there by its own law (its change up to there is its own, not shared);
- ``baseline``: the single-scale baseline, the mean measured loss at the dataset's largest budget, whatever the
  budget asked for (its draws hold only the noise of those runs; ``single_scale_ranking`` gives the same values).

Uncertainty comes from joint draws: bootstrap draws of every dataset's laws (independent across datasets: they are
fitted on different runs), the noise of the measured anchor, and an extrapolation-error term (``DrawError``):
a bias and a shared part, the same in every dataset of a draw (they widen intervals, never reorder), and a
dataset-specific part. ``P(best)`` is the fraction of joint draws in which a dataset has the lowest loss.
``learn_draw_error`` learns that term per target inside the sweep (largest budget held out); ``rank_datasets``
does so by default. The top is a tie when the leader wins fewer than 60 % of the draws, or when another candidate
beats it in ≥ 20 % of them or its interval (relative to the mean candidate) holds the leader's value.

On the paper's runs (25 loss targets, 375 pairs; benchmarks/bench_rank.py) the single-scale baseline gets 91.2 %
of held-out pairs right, independent 85.9 %, translation 85.3 %, recommended 90.1 % (89.3 % without the learned
error): better than the laws, not better than the baseline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from l2l.base.checks import check_level
from l2l.base.errors import FitError, UsageError
from l2l.base.schema import RANK_METHODS, RankMethod
from l2l.core.fit import percentile_interval
from l2l.core.laws import Array
from l2l.core.rank_model import (
    ANCHOR_BUDGET_RATIO,
    Budget,
    Candidate,
    CandidatePoint,
    DrawError,
    DrawErrorHook,
    FitMemo,
    LearnedDrawError,
    NoValue,
    RankModel,
    fit_rank_model,
    learn_draw_error,
)
from l2l.core.repetition import Repetition
from l2l.core.sweep import BUDGET_RTOL

__all__ = [
    "METHODS",
    "CombinedRow",
    "CurvePoint",
    "DatasetPrediction",
    "Flip",
    "LawsScan",
    "RankSettings",
    "Ranking",
    "TargetRanking",
    "failed_row",
    "failure_reason",
    "judge",
    "point_predictions",
    "rank",
    "rank_datasets",
]

Method = RankMethod  # one vocabulary: schema.RankMethod
METHODS: tuple[Method, ...] = RANK_METHODS
#: Joint draws of a ranking (P(best) is a share of them: stable to about ±0.008 at 0.5) and bootstrap draws per law.
DEFAULT_JOINT = 4000
DEFAULT_BOOT = 100
# A log loss beyond this (|log L| > 50: L above 5e21 or below 2e-22) is no prediction: the candidate is refused.
_LOG_LIMIT = 50.0
# The leader is called indistinguishable from the rest when it wins fewer joint draws than this.
TIE_P_BEST = 0.6
# A dataset is a contender when it beats the leader in at least this fraction of joint draws.
CONTENDER_P = 0.2
#: Where the laws alone put first a dataset other than the leader of the sweep's order (which the recommended
#: ranking keeps), and a backtest inside the sweep chose that order, P(best) weighs the kept order's draws this much
#: and the laws' the rest (without a backtest, half each). Weighted 1 (the laws ignored), a probe's random tables
#: read P(best) 1.00 for a leader that lost, under a "TIE" headline; weighted 0.5, the paper's sweep's leaders
#: stated 0.28 and were right 0.82 of the time.
KEPT_ORDER_WEIGHT = 0.8
#: A backtest that tied (the laws and the sweep's order as many pairs right) keeps the order at ``KEPT_ORDER_WEIGHT``
#: up to this many times the backtest's own reach beyond the sweep, and from twice that on at 0.5 (half each; in
#: between in proportion to log reach, so P(best) does not jump with C): that far out a tie is no evidence for the
#: order over the laws, whose crossing beyond the sweep it could not see (p62 D3).
TIED_REACH_RATIO = 4.0
#: What a flip scan compares instead of the target losses: the candidates' point-predicted target losses at a budget
#: mapped to values whose HIGHEST is best (an accuracy, through its law); a candidate left out has none there.
FlipMap = Callable[[Mapping[str, float]], dict[str, float]]


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


def _f(x: float | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class DatasetPrediction:
    """One candidate for one target. ``value``, ``lo``, ``hi`` are of the ranking method; ``rank`` is 1 for the
    predicted best. A dataset that cannot be ranked has ``status`` "failed", the ``reason``, and no rank."""

    dataset: str
    status: Literal["ok", "failed"]
    reason: str | None
    N: float | None
    D: float | None
    independent: float | None
    translation: float | None
    recommended: float | None
    value: float | None
    lo: float | None
    hi: float | None
    p_best: float | None  # None: not ranked
    rank: int | None
    trust: float | None
    measured_top: float | None
    notes: tuple[str, ...] = ()
    #: runs of the asked model (N, D) itself whose mean is the value (0: predicted, not measured)
    measured_runs: int = 0
    #: the (smallest, largest) N and D of the runs at the dataset's largest budget, whose mean is ``measured_top``
    #: (and the baseline's value, measured there, not at N, D); None without such runs
    top_N: tuple[float, float] | None = None
    top_D: tuple[float, float] | None = None
    #: the methods without a law for this dataset because it has too few runs for one (``CandidatePoint.lawless``;
    #: their messages are in ``notes``)
    lawless: tuple[str, ...] = ()
    #: how D (D* at a budget) repeats the dataset's unique tokens (None: it does not, or they are unknown)
    repetition: Repetition | None = None
    #: as ``predict``'s row for the same question says it: the interval is a lower bound (its own prediction's is,
    #: or an accuracy's chain is), and whether backtests vouch for it (not a lower bound, not a poor law, not beyond
    #: their evidence); a script reading the JSON had only the notes' words (probe h34: 4 of 240 misses, each on a
    #: row ``predict`` flags, read as calibrated)
    lower_bound_only: bool = False
    calibrated: bool = True
    #: (method, why) for each method without a value for a reason callers decide by (``CandidatePoint.no_value``;
    #: its words are in ``notes`` and ``reason``)
    no_value: tuple[tuple[str, NoValue], ...] = ()

    def why_no_value(self, method: str) -> NoValue | None:
        """Why ``method`` gives this dataset no value, where it is one of ``NoValue``'s reasons; else None."""
        return dict(self.no_value).get(method)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "status": self.status,
            "reason": self.reason,
            "N": _f(self.N),
            "D": _f(self.D),
            "independent": _f(self.independent),
            "translation": _f(self.translation),
            "recommended": _f(self.recommended),
            "value": _f(self.value),
            "lo": _f(self.lo),
            "hi": _f(self.hi),
            "p_best": _f(self.p_best),
            "rank": self.rank,
            "trust": _f(self.trust),
            "measured_top": _f(self.measured_top),
            "measured_runs": self.measured_runs,
            "top_N_lo": _f(self.top_N[0]) if self.top_N else None,
            "top_N_hi": _f(self.top_N[1]) if self.top_N else None,
            "top_D_lo": _f(self.top_D[0]) if self.top_D else None,
            "top_D_hi": _f(self.top_D[1]) if self.top_D else None,
            "lower_bound_only": self.lower_bound_only if self.status == "ok" else None,
            "calibrated": self.calibrated if self.status == "ok" else None,
            "notes": list(self.notes),
        }
        if self.repetition is not None:  # (only where the table gives unique tokens)
            d["repetition"] = self.repetition.to_dict()
        return d


@dataclass(frozen=True)
class Flip:
    """The winner changes from ``before`` to ``after`` at compute ``C`` (point predictions)."""

    C: float
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {"C": float(self.C), "before": self.before, "after": self.after}


@dataclass(frozen=True)
class LawsScan:
    """The laws alone (the independent method) scanned for their winner, kept where a ranking by another method
    puts another dataset first somewhere in its flip range: the ranking's own winner at the range's low end
    (``ranked_first``), the laws' winner at ``start`` (the sweep's largest budget, or the range's low end where
    that lies below it) and where the laws' winner changes from there to the range's high end. A ranking that
    keeps the sweep's order (trust 0) has the same winner at every budget, and "the winner is the same for every
    C from 1e21 to 1e23" was printed where the laws changed winner in that range (a probe: the laws right in 6 of 6
    seeds, the kept order's leader the worst dataset at 1e22)."""

    ranked_first: str
    start: float
    first: str
    flips: tuple[Flip, ...]

    def winner_at(self, C: float) -> str:
        """The laws' winner at compute ``C`` (at least ``start``)."""
        return next((f.after for f in reversed(self.flips) if f.C <= C), self.first)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ranked_first": self.ranked_first,
            "start": float(self.start),
            "first": self.first,
            "flips": [f.to_dict() for f in self.flips],
        }


@dataclass(frozen=True)
class CurvePoint:
    """Every candidate's point-predicted target loss at compute ``C`` (the scan for flips, kept for figures), or
    the value a ``FlipMap`` made of it (an accuracy)."""

    C: float
    values: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"C": float(self.C), "values": {k: float(v) for k, v in self.values}}


@dataclass(frozen=True)
class TargetRanking:
    """The ranking of the candidates for one target eval."""

    target: str
    weight: float
    method: Method
    rows: tuple[DatasetPrediction, ...]
    leader: str | None
    tie: bool
    contenders: tuple[str, ...]
    flips: tuple[Flip, ...]
    draw_error: DrawError = dataclasses.field(default_factory=DrawError)
    curve: tuple[CurvePoint, ...] = ()  # point predictions across the scanned budgets (none for a fixed N, D)
    # "accuracy": ``value`` is a predicted accuracy (higher is better), chained through the task loss ``via``
    metric: Literal["loss", "accuracy"] = "loss"
    via: str | None = None
    #: extrapolated with no extrapolation error drawn (none could be learned): P(best) counts the fits' own
    #: uncertainty only and the order beyond the sweep is unchecked, so no winner is called as certain
    unchecked: bool = False
    #: the budget lies below every run of the sweep (by more than the anchor's tolerance): the laws extrapolate
    #: down, where no backtest checks them, so the order there is unchecked too (``unchecked`` is set)
    below_sweep: bool = False
    #: where the laws alone put another dataset first than this ranking somewhere in the flip range (None: nowhere,
    #: or the ranking is the laws' own)
    laws: LawsScan | None = None
    #: (C, dataset): from this budget of the flip scan on, the dataset's D* repeats its unique tokens more often
    #: than its runs did, which its law takes as new data: the winners scanned there are unchecked (None: nowhere)
    fresh_until: tuple[float, str] | None = None
    #: why no dataset's law is used here: every one is refused as ``predict`` refuses it (a poor law beyond its
    #: sweep); said beside the verdict (None: some law predicts)
    refused: str | None = None
    #: (the laws' leader, the sweep's order's leader) where the recommended ranking keeps the sweep's order, the
    #: laws alone put another dataset first, and no backtest inside the sweep could be made to choose between them
    #: (two datasets: it needs three): the verdict says both, and the rows print each dataset's own law's value
    #: (None: the laws agree with the kept order, or a backtest chose)
    unresolved: tuple[str, str] | None = None
    #: the verdict of a ranking that draws nothing, which order it used and why: a fixed-D sweep's
    #: (``workflows.rank``'s ``_fixed_d_ranking``: every ranked dataset's law in N at the asked D alone), or, with
    #: ``measured_at``, the measured order (``_measured_order``); None: any other ranking
    verdict: str | None = None
    #: the model (N, D) whose measured target losses are the order, where no law and no repeat vouches for any
    #: dataset (``workflows.rank``'s ``_measured_order``: no interval, no P(best)); None: any other ranking
    measured_at: tuple[float, float] | None = None
    #: why the order is unchecked where neither a missing extrapolation error nor a budget below the sweep is the
    #: reason (``unchecked`` is set): an accuracy ranked through one curve per dataset that no backtest could test,
    #: whose differences beyond the runs order the datasets (``workflows.rank``'s ``_rank_accuracy``); None: any
    #: other ranking
    unchecked_why: str | None = None

    @property
    def fixed_d(self) -> bool:
        """Whether this is a fixed-D sweep's ranking (``_fixed_d_ranking``), not one by measured losses alone."""
        return self.verdict is not None and self.measured_at is None

    @property
    def laws_used(self) -> bool:
        """Whether the recommended ranking let the laws move datasets off the order the sweep measured."""
        return self.draw_error.use_laws

    def to_dict(self) -> dict[str, Any]:
        d = {
            "target": self.target,
            "error_model": self.draw_error.to_dict(),
            "weight": float(self.weight),
            "method": self.method,
            "leader": self.leader,
            "tie": self.tie,
            "contenders": list(self.contenders),
            "laws_used": self.laws_used,
            "laws_why": self.draw_error.why,
            "order_unchecked": self.unchecked,
            "below_sweep": self.below_sweep,
            "flips": [f.to_dict() for f in self.flips],
            "laws_alone": None if self.laws is None else self.laws.to_dict(),
            "curve": [c.to_dict() for c in self.curve],
            "rows": [r.to_dict() for r in self.rows],
        }
        if self.metric != "loss":
            d.update(metric=self.metric, via=self.via)
        if self.refused is not None:
            d["laws_refused"] = self.refused
        if self.unchecked_why is not None:
            d["order_unchecked_why"] = self.unchecked_why
        if self.unresolved is not None:
            d["unresolved"] = {"laws": self.unresolved[0], "sweep": self.unresolved[1]}
        if self.verdict is not None:  # (a fixed-D sweep's ranking, or one by measured losses alone)
            d["measured_order" if self.measured_at is not None else "fixed_d"] = self.verdict
        if self.measured_at is not None:  # (only a ranking by measured losses alone)
            d["measured_at"] = {"N": float(self.measured_at[0]), "D": float(self.measured_at[1])}
        if self.fresh_until is not None:  # (only where the table gives unique tokens)
            d["scan_repeats_data_from"] = {"C": float(self.fresh_until[0]), "dataset": self.fresh_until[1]}
        return d


@dataclass(frozen=True)
class CombinedRow:
    """One candidate over all targets: ``score`` is the weighted mean over targets of its predicted log loss minus
    the mean over candidates (−0.01 ≈ 1 % below the average candidate), with an interval and P(best)."""

    dataset: str
    status: Literal["ok", "failed"]
    reason: str | None
    score: float | None
    lo: float | None
    hi: float | None
    p_best: float | None  # None: not ranked
    rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "status": self.status,
            "reason": self.reason,
            "score": _f(self.score),
            "lo": _f(self.lo),
            "hi": _f(self.hi),
            "p_best": _f(self.p_best),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Ranking:
    """Candidates ranked for one or more targets at a budget; ``combined`` is the weighted ranking over targets
    (the same as the single target's when there is one)."""

    budget: Budget
    method: Method
    level: float
    draws: int
    targets: tuple[TargetRanking, ...]
    combined: tuple[CombinedRow, ...]
    leader: str | None
    tie: bool
    contenders: tuple[str, ...]
    draw_error: DrawError
    warnings: tuple[str, ...] = ()
    # per target, every ranked candidate's log target loss per joint draw (draw 0: the point), as ranked
    log_draws: Mapping[str, Mapping[str, Array]] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def unchecked(self) -> bool:
        """Whether some target's order beyond the sweep is unchecked (``TargetRanking.unchecked``)."""
        return any(t.unchecked for t in self.targets)

    @property
    def below_sweep(self) -> bool:
        """Whether the budget lies below every run of the sweep (``TargetRanking.below_sweep``)."""
        return any(t.below_sweep for t in self.targets)

    def without_unchecked_p_best(self) -> Ranking:
        """This ranking with no P(best) where a target's order beyond the sweep is unchecked (and none combined):
        with no extrapolation error learned, the draws carry the fits' own uncertainty alone, and their P(best) read
        1.00 for the wrong dataset (helper h59: two datasets whose laws cross at 10x the sweep, 3 of 4 seeds; a
        one-line sweep's laws, 6 points for 5 parameters, 0.92-1.00), a probability no backtest supports; likewise
        below every run of the sweep, where no backtest checks the laws going down (``rank --C 1e12`` on a sweep
        from 2e17 stated P(best) 1.00 beside losses of 18-49 nats). The leader stays the point prediction's."""
        bare = [t.target for t in self.targets if t.unchecked]
        if not bare:
            return self
        old = _fits_only_warning(bare, p_best_stated=True)
        return dataclasses.replace(
            self,
            targets=tuple(
                dataclasses.replace(t, rows=tuple(dataclasses.replace(r, p_best=None) for r in t.rows))
                if t.unchecked
                else t
                for t in self.targets
            ),
            combined=tuple(dataclasses.replace(r, p_best=None) for r in self.combined),
            warnings=tuple(
                _fits_only_warning(bare, p_best_stated=False) if w == old else w for w in self.warnings
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget.to_dict(),
            "method": self.method,
            "level": float(self.level),
            "draws": int(self.draws),
            "leader": self.leader,
            "tie": self.tie,
            "contenders": list(self.contenders),
            "error_model": self.draw_error.to_dict(),
            "warnings": list(self.warnings),
            "combined": [r.to_dict() for r in self.combined],
            "targets": [t.to_dict() for t in self.targets],
        }


# ---------------------------------------------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------------------------------------------


def _resolve_draw_error(draw_error: DrawErrorHook | None, reach: float, fixed_model: bool) -> DrawError:
    if draw_error is None:
        return DrawError()
    if isinstance(draw_error, DrawError):
        return draw_error
    if isinstance(draw_error, LearnedDrawError):
        return draw_error.for_budget(fixed_model)(reach)
    return draw_error(reach)


def below_sweep(compute: float, bottom: float) -> bool:
    """Whether a budget lies below the sweep's smallest (``bottom``; NaN: none) by more than the anchor's
    tolerance: there the laws extrapolate down, where no backtest checks them."""
    return math.isfinite(bottom) and compute < bottom / ANCHOR_BUDGET_RATIO


def within_sweep(err: DrawError, compute: float, top: float, bottom: float = math.nan) -> DrawError:
    """The draw error at a budget: below the sweep's largest budget the laws interpolate budgets the sweep
    measured, so they are used there even where the backtest beyond it kept the measured order (that order is
    the largest budget's, and laws that cross below it would be ranked as they stand at the top: issue 17).
    Below the smallest budget (``bottom``) they extrapolate down, and the words say so (``rank --C 1e15``, 12×
    below every run, was said to "interpolate what it measured": probe p72)."""
    if not (math.isfinite(top) and top > 0 and compute < top / ANCHOR_BUDGET_RATIO):
        return err
    if below_sweep(compute, bottom):
        inside = (
            f"C = {compute:.3g} lies {bottom / compute:.3g}× below the sweep's smallest budget ({bottom:.3g}), "
            "where the laws extrapolate down from what it measured"
        )
    else:
        inside = (
            f"C = {compute:.3g} lies inside the sweep (below its largest budget, {top:.3g}), where the laws "
            "interpolate what it measured"
        )
    if err.use_laws:
        return dataclasses.replace(err, interpolates=True, why=f"laws used: {inside}")
    beyond = err.why.removeprefix("laws not used: ")
    return dataclasses.replace(
        err,
        use_laws=True,
        interpolates=True,
        laws_at_top=False,
        why=f"laws used: {inside}; beyond it they would not be ({beyond})",
    )


def _p_best(logs: Array) -> Array:
    """(M, B) draws → fraction of draws each row is lowest (ties split)."""
    low = logs == logs.min(axis=0, keepdims=True)
    return np.asarray((low / low.sum(axis=0, keepdims=True)).mean(axis=1), dtype=np.float64)


def _ranks(points: Array) -> NDArray[np.int64]:
    order = np.argsort(points, kind="stable")
    r = np.empty(len(points), dtype=np.int64)
    r[order] = np.arange(1, len(points) + 1)
    return r


def _contenders(names: list[str], points: Array, logs: Array, leader: int, level: float) -> tuple[str, ...]:
    """The leader and every candidate that beats it in ≥ CONTENDER_P of the joint draws or whose interval holds
    the leader's predicted value (the intervals overlap heavily). Intervals here are of the loss relative to the
    mean candidate of each draw: the shared error, which widens every interval alike, never reorders."""
    beat = (logs < logs[leader][None, :]).mean(axis=1)
    rel = logs - logs.mean(axis=0, keepdims=True)
    lo = np.percentile(rel, 50 * (1 - level), axis=1)
    points = points - points.mean()
    # in the order of their ranks (an accuracy's tie listed its contenders in the candidates' order, unlike its table)
    return tuple(
        names[i]
        for i in np.argsort(points, kind="stable")
        if i == leader or beat[i] >= CONTENDER_P or lo[i] <= points[leader]
    )


def _fits_only_warning(targets: Sequence[str], *, p_best_stated: bool) -> str:
    """The warning of targets ranked beyond the sweep with no extrapolation error drawn (none could be learned)."""
    what = "intervals and P(best)" if p_best_stated else "intervals"
    tail = (
        ""
        if p_best_stated
        else "; no P(best) is stated (nothing learned how often such an order holds there)"
    )
    return (
        f"{what} of {', '.join(targets)} include only the fits' own uncertainty (no extrapolation-error model): "
        f"treat them as a lower bound{tail}"
    )


def rank(
    model: RankModel,
    budget: Budget,
    *,
    method: Method = "recommended",
    level: float = 0.9,
    draw_error: DrawErrorHook | Mapping[str, DrawErrorHook] | None = None,
    flip_range: tuple[float, float] | None = None,
    flip_map: FlipMap | None = None,
) -> Ranking:
    """Rank the model's candidates for each target and combined, at ``budget``.

    ``draw_error`` adds extrapolation error to the draws (a fixed ``DrawError``, or a function of the reach,
    log10(C / the sweep's largest C), such as a ``LearnedDrawError``; or a mapping target → either).
    ``flip_range`` (C_lo, C_hi) scans that range of compute for budgets where the point-predicted winner changes
    (default: a decade either side of a compute budget; none for a fixed N, D); with ``flip_map``, of the values
    it maps the point predictions to, the highest best (an accuracy through its law: ``rank --metric accuracy``).
    """
    if method not in METHODS:
        raise UsageError(f"unknown ranking method {method!r}; expected one of {', '.join(METHODS)}")
    check_level(level)
    top, bottom = model.sweep_top_compute, model.sweep_bottom_compute
    reach = math.log10(budget.compute / top) if math.isfinite(top) and top > 0 else 0.0
    errs = {
        t: within_sweep(
            _resolve_draw_error(
                draw_error.get(t) if isinstance(draw_error, Mapping) else draw_error,
                reach,
                budget.N is not None and budget.D is not None,
            ),
            budget.compute,
            top,
            bottom,
        )
        for t in model.targets
    }
    rng = np.random.default_rng([model.seed, 7919])
    B = model.n_joint
    below = below_sweep(budget.compute, bottom)
    warnings: list[str] = []
    # the spread the method's draws carry (a kept order's own where it keeps the sweep's order)
    bare = (
        [t for t, e in errs.items() if e.shared_sd == 0 and e.specific_for(method) == 0] if reach > 0 else []
    )
    if bare:
        warnings.append(_fits_only_warning(bare, p_best_stated=True))
    if flip_range is None and budget.C is not None:
        flip_range = (budget.compute / 10.0, budget.compute * 10.0)

    target_rankings: list[TargetRanking] = []
    per_target_logs: dict[str, dict[str, Array]] = {}
    failed_any: dict[str, str] = {}
    for t, weight in model.targets.items():
        ranked = _rank_target(model, budget, t, errs[t], rng, method, level)
        per_target_logs[t] = ranked.logs
        for name, why in ranked.failed.items():
            failed_any.setdefault(name, why)
        # the laws' own values come with the scan (one evaluation gives every method's): their winner is
        # compared with the ranking's on its grid, and scanned further only where the two differ
        flips, curve, laws_curve = (
            _flips_and(model, t, method, flip_range, budget, errs[t], flip_map, also=_laws_of(method))
            if flip_range is not None
            else ((), (), ())
        )
        laws = (
            _laws_scan(model, t, flip_range, budget, errs[t], flip_map, curve, laws_curve)
            if flip_range is not None and laws_curve
            else None
        )
        target_rankings.append(
            TargetRanking(
                t,
                weight,
                method,
                ranked.rows,
                ranked.leader,
                ranked.tie,
                ranked.contenders,
                flips,
                errs[t],
                curve,
                unchecked=t in bare or below,
                below_sweep=below,
                laws=laws,
                unresolved=ranked.unresolved,
            )
        )

    combined, c_leader, c_tie, c_cont = _combine(model, per_target_logs, failed_any, B, level)
    if len(model.targets) == 1:
        # one target: the combined ranking is that target's, its P(best) too (the mixture where the laws alone
        # disagree with a kept order is made per target; JSON's combined rows read 1.00 beside rows' 0.80)
        only = target_rankings[0]
        c_leader, c_tie, c_cont = only.leader, only.tie, only.contenders
        stated = {r.dataset: r.p_best for r in only.rows}
        combined = tuple(
            dataclasses.replace(r, p_best=stated[r.dataset])
            if r.p_best is not None and r.dataset in stated
            else r
            for r in combined
        )
    return Ranking(
        budget,
        method,
        level,
        B,
        tuple(target_rankings),
        combined,
        c_leader,
        c_tie,
        c_cont,
        errs[next(iter(model.targets))],
        tuple(warnings),
        per_target_logs,
    )


@dataclass(frozen=True, eq=False)
class _Ranked:
    """One target ranked: the rows, the verdict, every ranked candidate's log loss per joint draw, and why the
    others could not be ranked."""

    rows: tuple[DatasetPrediction, ...]
    leader: str | None
    tie: bool
    contenders: tuple[str, ...]
    logs: dict[str, Array]
    failed: dict[str, str]
    unresolved: tuple[str, str] | None = None


def _rank_target(
    model: RankModel,
    budget: Budget,
    target: str,
    err: DrawError,
    rng: np.random.Generator,
    method: Method,
    level: float,
) -> _Ranked:
    """The candidates ranked for one target: their joint draws (the laws' draws, the anchor's noise, the shared
    and the dataset-specific extrapolation error, drawn from ``rng`` in that order), P(best), ranks, intervals."""
    B = model.n_joint
    shared = err.bias + err.shared_sd * rng.standard_normal(B)
    shared[0] = err.bias
    logs, failed, extra = model.point_and_draws(target, budget, rng, err)
    specific = {name: err.specific_for(method) * rng.standard_normal(B) for name in model.candidates}
    ok: dict[str, Array] = {}
    for name in model.candidates:
        # a candidate without N*(C) may still have the baseline's measured value (``point_and_draws``)
        if (name in failed and method != "baseline") or method not in logs.get(name, {}):
            continue
        point = extra.get(name)
        if point is not None and point.measured_here and method in ("recommended", "baseline"):
            lg = logs[name][method].copy()  # measured at the model asked for: nothing is extrapolated
        else:
            lg = logs[name][method] + shared + specific[name]
            lg[0] = logs[name][method][0] + err.bias
        if not np.all(np.isfinite(lg)) or np.max(np.abs(lg)) > _LOG_LIMIT:
            failed[name] = (
                f"its {method} prediction is not a finite loss in every draw (a law or relation extrapolates "
                "out of range): not ranked"
            )
            continue
        ok[name] = lg
    names = list(ok)
    mat = np.vstack(list(ok.values())) if ok else np.zeros((0, B))
    pb = _p_best(mat[:, 1:] if B > 1 else mat) if names else np.zeros(0)
    ranks = _ranks(mat[:, 0]) if names else np.zeros(0, dtype=np.int64)
    rows: list[DatasetPrediction] = []
    why_not: dict[str, str] = {}
    for name in model.candidates:
        ex = extra.get(name) or CandidatePoint()
        points = {m: float(np.exp(v[0] + err.bias)) for m, v in logs.get(name, {}).items()}
        if name in ok:
            i = names.index(name)
            lo, hi = percentile_interval(np.exp(mat[i, 1:] if B > 1 else mat[i]), level)
            ranked = (float(np.exp(mat[i, 0])), float(lo), float(hi), float(pb[i]), int(ranks[i]))
            rows.append(_row(name, None, ex, points, ranked))
        else:
            why_not[name] = failed.get(name) or failure_reason(ex.notes, method)
            rows.append(_row(name, why_not[name], ex, points, None))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
    leader, tie, cont = _verdict(names, mat, ranks, pb, B, level)

    # the laws' draws, kept where _laws_disagree asked for them (it mixes the rows' P(best) only then): the draws
    # handed on are mixed the same way below
    laws_draws: list[Array] = []

    def laws_p_best() -> dict[str, float]:
        """P(best) by the laws alone: the independent method's draws with its dataset-specific error (its own
        generator, so that no other draw moves); empty where a ranked candidate has no law."""
        if B < 2 or any("independent" not in logs[n] for n in names):
            return {}
        g = np.random.default_rng([model.seed, 7919])
        m = np.vstack(
            [logs[n]["independent"] + err.specific_for("independent") * g.standard_normal(B) for n in names]
        )
        if not np.all(np.isfinite(m)):
            return {}
        laws_draws.append(m)
        return dict(zip(names, _p_best(m[:, 1:]).tolist(), strict=True))

    # a backtest that tied (the laws and the sweep's order 7 of 7 pairs right each) keeps the order too: half each
    # there was measured and dropped (on 200 synthetic isoFLOP tables the 0.3–0.7 bins moved 0.17 off; the paper's
    # sweep's leaders below 0.4, right 0.80 of the time, stated 0.30): it is said, not weighed
    if budget.C is not None and _at_measured_top(model, target, names, budget.compute):
        rows = _laws_disagree_measured(rows, method, leader)
        return _Ranked(tuple(rows), leader, tie, cont, ok, why_not)
    kept_weight, why = _kept_weight(err)
    rows, tie, cont = _laws_disagree(
        rows,
        method,
        leader,
        tie,
        cont,
        laws_p_best,
        kept_weight,
        why,
        weak=not err.backtested or err.backtest_tied,
    )
    if laws_draws and B > 1:
        ok = _mixed_draws(ok, names, laws_draws[0], kept_weight, model.seed)
    unresolved = _unresolved(rows, leader, tie, err) if method == "recommended" else None
    return _Ranked(tuple(rows), leader, tie, cont, ok, why_not, unresolved)


def _unresolved(
    rows: Sequence[DatasetPrediction], leader: str | None, tie: bool, err: DrawError
) -> tuple[str, str] | None:
    """(the laws' leader, the kept order's) where a recommended ranking that keeps the sweep's order (trust 0
    everywhere) is a tie, the laws alone put another dataset first, and no backtest inside the sweep could be made
    to choose between them; else None."""
    ranked = [r for r in rows if r.rank is not None]
    by_laws = [r for r in ranked if r.independent is not None]
    if not tie or err.backtested or leader is None or any(r.trust for r in ranked) or len(by_laws) < 2:
        return None
    first = min(by_laws, key=lambda r: r.independent or math.inf).dataset
    return None if first == leader else (first, leader)


def _kept_weight(err: DrawError) -> tuple[float, str]:
    """The weight P(best) gives the kept order's draws where the laws alone put another dataset first, and why."""
    if not err.backtested:
        return 0.5, " (no backtest inside the sweep could be made)"
    if not err.backtest_tied:
        return KEPT_ORDER_WEIGHT, " (a backtest inside the sweep chose the sweep's order)"
    if err.reach_ratio > TIED_REACH_RATIO:
        past = min(1.0, math.log2(err.reach_ratio / TIED_REACH_RATIO))
        return KEPT_ORDER_WEIGHT - (KEPT_ORDER_WEIGHT - 0.5) * past, (
            f" (the backtest inside the sweep tied, and this budget lies {err.reach_ratio:.1f}× as far beyond the "
            "sweep as it reached: the sweep's order is kept, but so far out the tie is little evidence for it over "
            "the laws)"
        )
    return KEPT_ORDER_WEIGHT, (
        " (the backtest inside the sweep tied: the sweep's order is kept unless the laws order more pairs right)"
    )


def _at_measured_top(model: RankModel, target: str, names: Sequence[str], C: float) -> bool:
    """Whether the budget ``C`` is the largest budget every ranked candidate measured ``target`` at (within the
    rounding jitter of C, ``BUDGET_RTOL``): the sweep's order there is a measurement, nothing is extrapolated."""
    entries = model.entries.get(target, {})
    tops = [entries[n].top_compute for n in names if n in entries]
    return len(tops) == len(names) > 0 and all(
        t > 0 and abs(math.log(C / t)) <= math.log1p(BUDGET_RTOL) for t in tops
    )


def _laws_disagree_measured(
    rows: list[DatasetPrediction], method: Method, leader: str | None
) -> list[DatasetPrediction]:
    """At the largest budget every candidate measured, the recommended ranking at trust 0 (the sweep's order) is
    the measured order, whatever the laws alone say: a note on the rows where they put another first, no mixture.
    On four of Porian's configurations at C = 2.56e19, their own largest budget, a 0.118-nat measured lead read
    "a TIE" at P(best) 0.79, a poor law (every one of its runs there above it) putting its dataset first (p57)."""
    ranked = [r for r in rows if r.rank is not None]
    by_laws = [r for r in ranked if r.independent is not None]
    if method != "recommended" or leader is None or any(r.trust for r in ranked) or len(by_laws) < 2:
        return rows
    first = min(by_laws, key=lambda r: r.independent or math.inf).dataset
    if first == leader:
        return rows
    note = (
        f"the laws alone (independent) put {first} first here, not {leader}; this is the largest budget the datasets "
        "measured, and the measured order stands (a law that reorders its own runs' budget misfits them)"
    )
    return [
        dataclasses.replace(r, notes=(*r.notes, note)) if r.dataset in (first, leader) else r for r in rows
    ]


def _mixed_draws(
    kept: Mapping[str, Array], names: Sequence[str], laws: Array, weight: float, seed: int
) -> dict[str, Array]:
    """The joint draws handed on (to the combined ranking over targets, and through an accuracy law to an accuracy
    ranking) where a target's P(best) mixes the kept order's and the laws' alone: each joint draw from the kept
    order with probability ``weight``, else the laws' draw (draw 0, the point, stays the kept order's). The rows'
    P(best) are that mixture exactly; the combined and accuracy rankings computed it from the kept order's draws
    alone (P(best) 1.00 where the rows said 0.80)."""
    B = laws.shape[1]
    from_kept = np.asarray(np.random.default_rng([seed, 7927]).random(B) < weight, dtype=np.bool_)
    from_kept[0] = True
    return {n: np.where(from_kept, kept[n], laws[i]) for i, n in enumerate(names)}


def _laws_disagree(
    rows: list[DatasetPrediction],
    method: Method,
    leader: str | None,
    tie: bool,
    cont: tuple[str, ...],
    laws_p_best: Callable[[], dict[str, float]],
    kept_weight: float,
    why_weight: str = "",
    *,
    weak: bool = False,
) -> tuple[list[DatasetPrediction], bool, tuple[str, ...]]:
    """The recommended ranking at trust 0 everywhere (the sweep's order kept) whose leader the laws alone would not
    put first: said on both rows, and every P(best) the mixture ``kept_weight``·(the kept order's) + the rest·(the
    laws' alone); a tie where the leader's falls below ``TIE_P_BEST`` or another's reaches ``CONTENDER_P``. The
    kept order's P(best) counts only what can reorder it, so curves that cross between the sweep and the target
    were ranked the sweep's way with P(best) 1.00 (a probe: the winner at 1e21 lost, the truth outside both
    intervals; two datasets that cross, where no backtest can be made, read "a TIE" beside P(best) 1.00 and 0.00).
    ``weak``: no backtest inside the sweep chose the kept order (it tied, or none could be made): the laws' leader
    is then a contender whatever the mixture gives it (probe p71: a crossover beyond a DCLM-shaped sweep, the kept
    order's leader named best with P(best) 0.73 and "no other dataset alone is a contender" in 8 of 8 seeds, the
    laws' leader, the true winner in 6, at 0.16)."""
    ranked = [r for r in rows if r.rank is not None]
    if method != "recommended" or leader is None or any(r.trust for r in ranked):
        return rows, tie, cont
    by_laws = [r for r in ranked if r.independent is not None]
    if len(by_laws) < 2:
        return rows, tie, cont
    first = min(by_laws, key=lambda r: r.independent or math.inf).dataset
    if first == leader:
        return rows, tie, cont
    by_law_draws = laws_p_best()

    def mixed(r: DatasetPrediction) -> float | None:
        if r.p_best is None or r.dataset not in by_law_draws:
            return r.p_best
        return kept_weight * r.p_best + (1.0 - kept_weight) * by_law_draws[r.dataset]

    lead_p = next((mixed(r) for r in rows if r.dataset == leader), None)
    # a contender by the mixture's P(best) as printed (two decimals): the laws' leader at 0.20 beside 0.80 is one
    rivals = [r.dataset for r in rows if r.dataset != leader and round(mixed(r) or 0.0, 2) >= CONTENDER_P]
    if weak and first not in rivals:
        rivals.append(first)
    tied = lead_p is None or lead_p < TIE_P_BEST or bool(rivals)
    weights = (
        f"; P(best) weighs the sweep's order {kept_weight:.1f} and the laws alone {1 - kept_weight:.1f}{why_weight}"
        if by_law_draws
        else ""
    )
    note = (
        f"the laws alone (independent) put {first} first here, not {leader}: they predict the order changes "
        "before this budget, which the recommended ranking (the sweep's order, trust 0: no dataset-specific "
        "change used) cannot see" + (": a tie between the two" if tied else "") + weights
    )
    rows = [
        dataclasses.replace(
            r,
            p_best=mixed(r),
            notes=(*r.notes, note) if r.dataset in (first, leader) else r.notes,
        )
        for r in rows
    ]
    if not tied:
        return rows, tie, cont
    return rows, True, tuple(dict.fromkeys((*cont, first, *rivals)))


def failed_row(name: str, reason: str) -> DatasetPrediction:
    """The row of a candidate that could not be ranked, for ``reason``."""
    return _row(name, reason, CandidatePoint(), {}, None)


def _row(
    name: str,
    reason: str | None,
    ex: CandidatePoint,
    points: Mapping[str, float],
    ranked: tuple[float, float, float, float, int] | None,
) -> DatasetPrediction:
    """A candidate's row: ranked (value, lo, hi, P(best), rank), or failed for ``reason``."""
    value, lo, hi, p_best, rank_ = ranked if ranked is not None else (None, None, None, None, None)
    return DatasetPrediction(
        name,
        "ok" if ranked is not None else "failed",
        reason,
        ex.N,
        ex.D,
        points.get("independent"),
        points.get("translation"),
        points.get("recommended"),
        value,
        lo,
        hi,
        p_best,
        rank_,
        ex.trust,
        ex.measured_top,
        tuple(ex.notes),
        ex.measured_here if ranked is not None else 0,
        ex.top_N,
        ex.top_D,
        tuple(ex.lawless),
        no_value=tuple(ex.no_value.items()),
    )


def failure_reason(notes: Sequence[str], method: str, leave_out: Sequence[str] = ()) -> str:
    """Why ``method`` could not rank a dataset: its notes about that method (for the recommended one, also the
    laws' it builds on), but those of the methods in ``leave_out`` (said elsewhere)."""
    mine = [n for n in notes if n.startswith(method)]
    if method == "recommended":
        mine += [n for n in notes if n.startswith("translation") or n.startswith("independent")]
    mine = [n for n in mine if not n.startswith(tuple(f"{m}:" for m in leave_out))]
    return "; ".join(mine) if mine else f"no {method} prediction"


def _verdict(
    names: list[str], mat: Array, ranks: NDArray[np.int64], pb: Array, B: int, level: float
) -> tuple[str | None, bool, tuple[str, ...]]:
    """Leader, whether the top is a tie (leader's P(best) < TIE_P_BEST or any other contender), contenders."""
    if not names:
        return None, False, ()
    lead = int(np.argmin(ranks))
    if len(names) == 1:
        return names[lead], False, (names[lead],)
    draws = mat[:, 1:] if B > 1 else mat
    cont = _contenders(names, mat[:, 0], draws, lead, level)
    return names[lead], bool(pb[lead] < TIE_P_BEST or len(cont) > 1), cont


def judge(
    names: Sequence[str], draws: Array, level: float = 0.9
) -> tuple[Array, NDArray[np.int64], str | None, bool, tuple[str, ...]]:
    """P(best), ranks, leader, tie and contenders of candidates from their values per joint draw (M, B), draw 0
    the point, LOWER being better (negate a quantity where higher is better), as ``rank`` judges losses."""
    if not len(names):
        return np.zeros(0), np.zeros(0, dtype=np.int64), None, False, ()
    mat = np.asarray(draws, dtype=np.float64).reshape(len(names), -1)
    B = mat.shape[1]
    pb = _p_best(mat[:, 1:] if B > 1 else mat)
    ranks = _ranks(mat[:, 0])
    leader, tie, cont = _verdict(list(names), mat, ranks, pb, B, level)
    return pb, ranks, leader, tie, cont


def _combine(
    model: RankModel,
    per_target: Mapping[str, Mapping[str, Array]],
    failed: Mapping[str, str],
    B: int,
    level: float,
) -> tuple[tuple[CombinedRow, ...], str | None, bool, tuple[str, ...]]:
    """Weighted mean over targets of log predicted loss relative to the mean candidate, per joint draw.

    Relative log losses make targets with different scales comparable (a difference of 0.01 is 1 % on any eval)
    and keep margins (a mean of ranks would count a 0.1 % win like a 10 % one). A candidate missing any target with
    positive weight is left out of the combined ranking and listed with the reason.
    """
    names = [
        n for n in model.candidates if all(n in per_target[t] for t, w in model.targets.items() if w > 0)
    ]
    rows: list[CombinedRow] = []
    if not names:
        return (
            tuple(
                CombinedRow(
                    n, "failed", failed.get(n, "no target could be predicted"), None, None, None, None, None
                )
                for n in model.candidates
            ),
            None,
            False,
            (),
        )
    total = sum(w for w in model.targets.values() if w > 0)
    score = np.zeros((len(names), B))
    for t, w in model.targets.items():
        if w <= 0:
            continue
        mat = np.vstack([per_target[t][n] for n in names])
        score += (w / total) * (mat - mat.mean(axis=0, keepdims=True))
    pb = _p_best(score[:, 1:] if B > 1 else score)
    ranks = _ranks(score[:, 0])
    for i, n in enumerate(names):
        lo, hi = percentile_interval(score[i, 1:] if B > 1 else score[i], level)
        rows.append(
            CombinedRow(n, "ok", None, float(score[i, 0]), float(lo), float(hi), float(pb[i]), int(ranks[i]))
        )
    for n in model.candidates:
        if n not in names:
            reason = failed.get(n, "missing a target")
            rows.append(CombinedRow(n, "failed", reason, None, None, None, None, None))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
    leader, tie, cont = _verdict(names, score, ranks, pb, B, level)
    return tuple(rows), leader, tie, cont


def point_predictions(
    model: RankModel, target: str, budget: Budget, method: Method, draw_error: DrawError | None = None
) -> dict[str, float]:
    """Point-predicted target loss of every candidate that has one (the draws only set the trust in each law)."""
    return _all_points(model, target, budget, draw_error).get(method, {})


def _all_points(
    model: RankModel, target: str, budget: Budget, draw_error: DrawError | None = None
) -> dict[str, dict[str, float]]:
    """``point_predictions`` of every method at once (one evaluation makes them all): method → candidate → loss."""
    logs, _, _ = model.point_and_draws(target, budget, np.random.default_rng(0), draw_error or DrawError())
    out: dict[str, dict[str, float]] = {}
    for n, v in logs.items():
        for m, lg in v.items():
            out.setdefault(m, {})[n] = float(np.exp(lg[0]))
    return out


def _flips_and(
    model: RankModel,
    target: str,
    method: Method,
    rng_c: tuple[float, float],
    budget: Budget,
    err: DrawError,
    flip_map: FlipMap | None = None,
    also: Method | None = None,
) -> tuple[tuple[Flip, ...], tuple[CurvePoint, ...], tuple[CurvePoint, ...]]:
    """Budgets in ``rng_c`` where the point-predicted winner changes (grid of 25 per range, then bisection), the
    point predictions on that grid (the lowest loss wins; with ``flip_map``, the highest value it maps them to), and
    the point predictions of method ``also`` on the same grid (empty without one).

    With a fixed (N, D), the model is scaled along N ∝ D (its own tokens-per-parameter ratio kept)."""
    lo, hi = rng_c
    if not (0 < lo < hi):
        raise UsageError(f"the budget range must satisfy 0 < low < high, got {rng_c}")

    def at(c: float) -> Budget:
        if budget.N is not None and budget.D is not None:
            s = math.sqrt(c / budget.compute)
            return Budget(N=budget.N * s, D=budget.D * s, flops_per_param_token=budget.flops_per_param_token)
        return Budget(C=c, flops_per_param_token=budget.flops_per_param_token)

    top, bottom = model.sweep_top_compute, model.sweep_bottom_compute

    def both(c: float) -> tuple[dict[str, float], dict[str, float]]:
        every = _all_points(model, target, at(c), within_sweep(err, at(c).compute, top, bottom))
        pts, other = every.get(method, {}), every.get(also, {}) if also is not None else {}
        return (pts, other) if flip_map is None else (flip_map(pts), flip_map(other) if other else other)

    def winner(c: float) -> str | None:
        return _best(both(c)[0], flip_map is not None)

    grid = np.geomspace(lo, hi, 25)
    curve: list[CurvePoint] = []
    also_curve: list[CurvePoint] = []
    wins: list[str | None] = []
    for c in grid:
        pts, other = both(float(c))
        curve.append(CurvePoint(float(c), tuple(pts.items())))
        if also is not None:
            also_curve.append(CurvePoint(float(c), tuple(other.items())))
        wins.append(_best(pts, flip_map is not None))
    flips: list[Flip] = []
    for k in range(len(grid) - 1):
        a, b = wins[k], wins[k + 1]
        if a is None or b is None or a == b:
            continue
        la, lb = math.log(grid[k]), math.log(grid[k + 1])
        for _ in range(20):
            mid = 0.5 * (la + lb)
            if winner(math.exp(mid)) == a:
                la = mid
            else:
                lb = mid
        flips.append(Flip(math.exp(0.5 * (la + lb)), a, b))
    return tuple(flips), tuple(curve), tuple(also_curve)


def _laws_of(method: Method) -> Method | None:
    """The method whose winner a ranking by ``method`` is checked against: the laws alone (none for theirs)."""
    return None if method == "independent" else "independent"


def _laws_scan(
    model: RankModel,
    target: str,
    rng_c: tuple[float, float],
    budget: Budget,
    err: DrawError,
    flip_map: FlipMap | None,
    curve: Sequence[CurvePoint],
    laws_curve: Sequence[CurvePoint],
) -> LawsScan | None:
    """Where the laws alone (``laws_curve``, on ``curve``'s grid) put another dataset first than the ranking's
    ``curve`` at one of its budgets, their scan from the sweep's largest budget (or ``rng_c``'s low end, if lower)
    to ``rng_c``'s high end; None where they agree everywhere or cannot value every candidate the curve ranks (a
    winner among fewer datasets is no contradiction)."""
    highest = flip_map is not None
    ranked = {name for c in curve for name, _ in c.values}

    def whole(cs: Sequence[CurvePoint]) -> bool:
        return bool(cs) and all(ranked <= {n for n, _ in c.values} for c in cs)

    if not whole(laws_curve) or all(
        _best(dict(c.values), highest) in (None, _best(dict(lc.values), highest))
        for c, lc in zip(curve, laws_curve, strict=True)
    ):
        return None
    top = model.sweep_top_compute
    start = min(rng_c[0], top) if math.isfinite(top) and top > 0 else rng_c[0]
    flips, scanned, _ = _flips_and(model, target, "independent", (start, rng_c[1]), budget, err, flip_map)
    first = _best(dict(scanned[0].values), highest) if whole(scanned) else None
    ranked_first = _best(dict(curve[0].values), highest)
    if first is None or ranked_first is None:
        return None
    return LawsScan(ranked_first, start, first, flips)


def _best(values: Mapping[str, float], highest: bool) -> str | None:
    """The candidate of the lowest value (the highest where ``highest``), None for none."""
    if not values:
        return None
    return max(values, key=lambda k: values[k]) if highest else min(values, key=lambda k: values[k])


@dataclass(frozen=True)
class RankSettings:
    """How to rank: the ``method`` ranked by, the law ``form``, ``draws`` joint draws (draw 0 the point; the others
    resample ``boot`` bootstrap draws of every law, a candidate's index drawn on its own) from ``seed``, intervals
    at ``level``, ``flip_range`` (C_lo, C_hi) scanned for budgets where the winner
    changes (default: a decade either side of a compute budget), and whether each target's extrapolation error is
    learned by a backtest inside the sweep (``backtest``). Checked when made (UsageError)."""

    method: Method = "recommended"
    form: str = "l2l"
    draws: int = DEFAULT_JOINT
    seed: int = 0
    level: float = 0.9
    flip_range: tuple[float, float] | None = None
    backtest: bool = True
    #: bootstrap draws per law (the joint draws resample them, each candidate's on its own)
    boot: int = DEFAULT_BOOT

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise UsageError(
                f"unknown ranking method {self.method!r}; expected one of {', '.join(METHODS)}",
                param="method",
            )
        if self.draws < 1:
            raise UsageError(f"the number of draws must be at least 1, got {self.draws}", param="draws")
        check_level(self.level)


def learned_errors(
    candidates: Sequence[Candidate],
    model: RankModel,
    st: RankSettings,
    short_fits: FitMemo | None,
    notes: list[str],
) -> dict[str, DrawErrorHook]:
    """Each target's extrapolation error and laws-or-baseline verdict, learned with the sweep's largest budget
    held out; a target without such a backtest keeps the sweep's order (``use_laws`` False), in ``notes``."""
    learned: dict[str, DrawErrorHook] = {}
    for t in model.targets:
        try:
            # one draw per law, the fit itself: the backtest reads every law and relation at its draw 0, which no
            # bootstrap draw moves (as rank's workflow does since helper h19: half of a ranking's refits saved)
            learned[t] = learn_draw_error(candidates, t, form=st.form, draws=1, seed=st.seed, fits=short_fits)
        except FitError as exc:
            notes.append(f"no extrapolation error learned for {t}: {exc}")
            learned[t] = DrawError(
                use_laws=False, why=f"laws not used: no backtest inside the sweep ({exc.message})"
            )
    return learned


def rank_datasets(
    candidates: Sequence[Candidate],
    targets: str | Sequence[str] | Mapping[str, float],
    budget: Budget,
    settings: RankSettings | None = None,
    *,
    draw_error: DrawErrorHook | Mapping[str, DrawErrorHook] | None = None,
    fits: FitMemo | None = None,
    short_fits: FitMemo | None = None,
) -> Ranking:
    """Fit and rank in one call: ``fit_rank_model`` then ``rank`` (``settings``: how, see ``RankSettings``).

    Without a ``draw_error`` and with ``settings.backtest``, each target's extrapolation error is learned inside
    the sweep (``learn_draw_error``: the largest budget held out, twice the fits), and with it whether the laws
    beat the single-scale baseline there: where they do not (or no backtest applies), the recommended ranking
    keeps the order the sweep measured and says so. ``fits`` / ``short_fits``: laws already fitted (with draws) on
    the whole and on the shortened sweep, by (candidate, eval)."""
    st = RankSettings() if settings is None else settings
    per_law = min(st.boot, st.draws - 1) + 1
    model = fit_rank_model(
        candidates, targets, form=st.form, draws=per_law, seed=st.seed, fits=fits, joint=st.draws
    )
    notes: list[str] = []
    if draw_error is None and st.backtest:
        draw_error = learned_errors(candidates, model, st, short_fits, notes)
    res = rank(
        model, budget, method=st.method, level=st.level, draw_error=draw_error, flip_range=st.flip_range
    )
    if notes:
        res = dataclasses.replace(res, warnings=(*res.warnings, *notes))
    return res
