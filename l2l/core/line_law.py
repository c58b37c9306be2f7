"""A power law along one line of tokens per parameter: L = E + K·N^(−γ), the three parameters a one-line sweep
identifies.

A sweep whose runs all sit at about one D/N (every run at 20 or 100 tokens per parameter: a ladder, a per-step log
read at its final checkpoints) sees each law only along that line. There Eq. 3 is E + (c₁·N^(−α/β) + c₂/N)^β: five
parameters for a curve in one variable, two more than the data pin down, and a fit to noisy runs can spend them on
a bend the runs do not show. On probe p77's DataDecide-shaped sweeps (twelve recipes, 4M–300M at 100 tokens per
parameter, three seeds, truth Eq. 3) the fitted Eq. 3 laws ended with α/β from 0.19 to 79 and E at 0 in six of
twelve, and missed the 1B runs by 3.8 % on average (one by +14.5 %, the law flat past its largest run, inside an
interval stated as calibrated); this law missed them by 0.8 % (at most 2.1 %) over two seeds. It is the check on
such a law, not a fourth form: it gives no law file its own equation, translates nothing by closure, and says
nothing off its line.

Which of the two gives the estimate on the line is the backtests' call (``backtest_line``): the line law and the
law, each refitted from scratch on the runs up to each cutoff, predict the runs above it, and where the line law
misses them by less, its value is the estimate (``LineChoice``; the law's interval still held around both). The
backtests reach about one run size past their cutoffs: a law that won them but bends away further out (its
exponent collapsed, ``COLLAPSED_EXPONENT``, or parting from the line law there by many backtest errors,
``LINE_GAP``) gives way to the line law all the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from l2l.core.fit import distinct_models
from l2l.core.laws import Array
from l2l.core.search import EXPONENT_BOUNDS
from l2l.core.sweep import Sweep, budgets

__all__ = [
    "COLLAPSED_EXPONENT",
    "FIXED_D_SPREAD",
    "LINE_FADE",
    "LINE_GAP",
    "LINE_GAP_REACH",
    "LINE_MIN_REACH",
    "LINE_PARAMS",
    "LINE_SLACK",
    "LINE_SPREAD_FLOOR",
    "MAX_LINE_CUTOFFS",
    "MIN_FIXED_SIZES",
    "MIN_LAW_RUNS",
    "MIN_LINE_ERRORS",
    "MIN_LINE_SIZES",
    "MIN_POOLED_LAWS",
    "FixedLine",
    "HeldRun",
    "LineBacktest",
    "LineChoice",
    "LineLaw",
    "backtest_fixed",
    "backtest_line",
    "collapsed_exponent",
    "fit_fixed_line",
    "fit_line_law",
    "fixed_tokens",
    "line_cutoffs",
]

#: How far off the runs' one line of D/N a target may lie for the line law to speak for it (its value is a
#: function of N along the line; further off, the prediction is a lower bound already, ``extrapolation_notes``).
LINE_SLACK = 1.1
#: Beyond that slack the line law's say fades, linearly in log D/N, to none this factor further off the line: an
#: estimate that switched from the line law's to the law's at the slack's edge jumped by their whole gap (13 % on a
#: probe's law flat past its runs) for a 1 % change in D.
LINE_FADE = 2.0
#: Distinct model sizes below which a line law is not fitted (three parameters and a curvature to see).
MIN_LINE_SIZES = 4
#: The line law's parameters (E, K, γ).
LINE_PARAMS = 3

#: E on the start grid, as fractions of the smallest loss (E = 0 is a pure power law).
_E_FRACTIONS = np.linspace(0.0, 0.99, 100)

#: The exponent's box, the laws'.
_GAMMA_BOX = EXPONENT_BOUNDS


@dataclass(frozen=True)
class LineLaw:
    """L = E + K·N^(−γ) along the line D ≈ ``ratio``·N^``slope`` of the runs it was fitted on (their D/N^slope from
    ``ratio_lo`` to ``ratio_hi``): slope 1, one number of tokens per parameter; slope 0, one token count (a fixed-D
    sweep, ``fixed_tokens``: ``ratio`` is that D)."""

    E: float
    K: float
    gamma: float
    ratio: float
    n_runs: int
    objective: float
    ratio_lo: float = 0.0
    ratio_hi: float = math.inf
    #: s in D = c·N^s: 1 along one D/N, 0 at one D
    slope: float = 1.0

    @property
    def fixed_d(self) -> bool:
        """Whether the line is one token count (slope 0): the law says nothing at any other D."""
        return self.slope == 0.0

    def _ratio(self, N: float, D: float) -> float:
        return float(D / N**self.slope)

    def predict(self, N: ArrayLike) -> Array:
        n = np.asarray(N, dtype=np.float64)
        return np.asarray(self.E + np.exp(math.log(self.K) - self.gamma * np.log(n)))

    def on_line(self, N: float, D: float) -> float:
        """The tokens of the model of size ``N`` on its runs' line nearest ``D`` (D itself where D/N lies within the
        runs' range): where a law's value off the line is compared with this one's."""
        return float(N**self.slope * min(max(self._ratio(N, D), self.ratio_lo), self.ratio_hi))

    def weight(self, N: float, D: float) -> float:
        """How much this law speaks for (N, D): 1 on its runs' line of D/N (within ``LINE_SLACK``), fading linearly
        in log D/N to 0 at ``LINE_FADE`` times further off it."""
        lo, hi, r = self.ratio_lo / LINE_SLACK, self.ratio_hi * LINE_SLACK, self._ratio(N, D)
        if lo <= r <= hi:
            return 1.0
        off = math.log(lo / r) if r < lo else math.log(r / hi)
        return max(0.0, 1.0 - off / math.log(LINE_FADE))

    def to_dict(self) -> dict[str, Any]:
        return {
            "E": self.E,
            "K": self.K,
            "gamma": self.gamma,
            "ratio": self.ratio,
            "n_runs": self.n_runs,
            "objective": self.objective,
            "ratio_lo": self.ratio_lo,
            "ratio_hi": self.ratio_hi,
            # (a line of one D/N says nothing new: its rows keep their fields)
            **({} if self.slope == 1.0 else {"slope": self.slope}),
        }


def _huber(r: Array, delta: float) -> Array:
    a = np.abs(r)
    return np.asarray(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))


def fit_line_law(
    N: ArrayLike, D: ArrayLike, loss: ArrayLike, delta: float = 1e-3, slope: float = 1.0
) -> LineLaw | None:
    """The line law of runs at (N, D) with ``loss`` (Huber ``delta`` on log loss, as every law) along D ≈
    c·N^``slope`` (1: one D/N; 0: one D), or None with fewer than ``MIN_LINE_SIZES`` distinct sizes or no fit inside
    the box. Starts: for each E on a grid of fractions of the smallest loss, the least-squares line of log(L − E) on
    log N; the best start by the true objective is polished with L-BFGS-B."""
    from scipy.optimize import minimize

    n = np.asarray(N, dtype=np.float64).ravel()
    y = np.asarray(loss, dtype=np.float64).ravel()
    d = np.asarray(D, dtype=np.float64).ravel()
    if len(np.unique(n)) < MIN_LINE_SIZES:
        return None
    ln, ly, l_min = np.log(n), np.log(y), float(y.min())
    # every start at once: rows are E values, columns runs
    e = _E_FRACTIONS[:, None] * l_min
    z = np.log(y[None, :] - e)
    xm = ln.mean()
    sxx = float(np.sum((ln - xm) ** 2))
    tilt = np.sum((ln - xm)[None, :] * (z - z.mean(axis=1, keepdims=True)), axis=1) / sxx
    gamma = -tilt
    log_k = z.mean(axis=1) + gamma * xm
    fit = np.logaddexp(
        np.log(np.maximum(e[:, 0], 1e-300))[:, None], log_k[:, None] - gamma[:, None] * ln[None, :]
    )
    score = np.sum(_huber(ly[None, :] - fit, delta), axis=1)
    score[(gamma < _GAMMA_BOX[0]) | (gamma > _GAMMA_BOX[1])] = np.inf
    if not np.isfinite(score).any():
        return None
    k = int(np.argmin(score))

    def objective(theta: Array) -> float:
        e_val, lk, g = theta
        pred = np.logaddexp(math.log(max(e_val, 1e-300)), lk - g * ln)
        return float(np.sum(_huber(ly - pred, delta))) / delta**2

    def value_and_gradient(theta: Array) -> tuple[float, Array]:
        e_val, lk, g = theta
        pred = np.logaddexp(math.log(max(e_val, 1e-300)), lk - g * ln)
        r = ly - pred
        psi = np.clip(r, -delta, delta)
        share = np.exp(lk - g * ln - pred)  # d pred / d log K
        grad = -np.array([np.sum(psi * np.exp(-pred)), np.sum(psi * share), -np.sum(psi * share * ln)])
        return float(np.sum(_huber(r, delta))) / delta**2, grad / delta**2

    start = np.array([float(e[k, 0]), float(log_k[k]), float(gamma[k])])
    res = minimize(
        value_and_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 0.999 * l_min), (-200.0, 200.0), _GAMMA_BOX],
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000},
    )
    theta = res.x if np.isfinite(res.fun) and res.fun <= objective(start) else start
    e_val, lk, g = (float(v) for v in theta)
    along = d / n if slope == 1.0 else d / n**slope
    return LineLaw(
        E=e_val,
        K=math.exp(lk),
        gamma=g,
        ratio=float(np.median(along)),
        ratio_lo=float(np.min(along)),
        ratio_hi=float(np.max(along)),
        n_runs=len(y),
        objective=objective(theta) * delta**2,
        slope=slope,
    )


#: The line law's estimate needs at least this many backtest predictions beside the law's (fewer are no evidence).
MIN_LINE_ERRORS = 3
#: The least share of the law's relative spread a backtested line law's interval keeps (``LineBacktest.spread``):
#: its errors' ratio to the law's comes from 3 to ~20 overlapping predictions. On probes p79 and p81's one-line
#: tables (1,023 on-line targets, 633 of them backtested) the interval holding both values held 1,015 truths at a
#: median half-width of 7.1 %; the law's spread scaled by that ratio, floored at a third, 966 (3.9 %), at a half
#: 988 (4.5 %), at three quarters 1,008 (5.6 %); at a half and at least ``half_width``, 1,003 (5.2 %).
LINE_SPREAD_FLOOR = 0.5
#: The least reach in N (log of a size over the largest fitted) a line backtest's error is measured per: runs just
#: past a cutoff's largest would otherwise scale their noise without bound.
LINE_MIN_REACH = 0.1
#: A law's exponent below this on a one-line sweep has collapsed: Eq. 3's bend α/β runs to the hundreds and the law
#: goes flat past its largest run, which backtests over a short reach do not see (probe h40: β 0.0025 beside a true
#: 0.28, +7.8 % at twice the largest run's N and +14.4 % at four times, status ok; its backtests missed by 0.90 %
#: where the line law's missed by 1.35 %). The line law then gives the estimate whatever the backtests
#: (``collapsed_exponent``). On that table (true β 0.26–0.31) seven of the 25 Eq. 3 laws erred by more than 5 % at
#: four times the largest N, at β from 0.0025 to 0.061; the line law's backtests beat the other six.
COLLAPSED_EXPONENT = 0.02
#: Where the law kept the estimate by its backtests, the line law takes it back if, along the line at
#: ``LINE_GAP_REACH`` times the largest run's N, the two part by more than ``LINE_GAP`` times the larger of their
#: mean backtest errors: the backtests reach about one run size past their cutoffs, so a law that bends away there
#: wins them and misses further out. On probe h40's four DataDecide-shaped tables (seeds 40–43) the law kept twelve
#: of 100 recipes; five parted by more than 2× (2.1–9.3×), the law missing at 4× by 2.2–14.4 %, the line law by
#: 0.4–1.3 %; the other seven by at most 1.3×, each within 3 % either way.
LINE_GAP = 2.0
LINE_GAP_REACH = 4.0
#: The line backtests' cutoffs: at most this many, the largest of the runs' own budgets that leave the law this
#: many distinct runs to be refitted on (its five parameters and one spare) and runs above to predict.
MAX_LINE_CUTOFFS = 4
MIN_LAW_RUNS = 6


@dataclass(frozen=True)
class HeldRun:
    """One backtest prediction of the law: fitted on the budgets up to ``cutoff``, predicting a run of size ``N``
    whose loss was ``actual`` as ``predicted`` (uncorrected)."""

    cutoff: float
    N: float
    predicted: float
    actual: float


@dataclass(frozen=True)
class LineBacktest:
    """The line law's backtests beside the law's, on the same predictions: mean |log(actual / predicted)| of each,
    over ``n_errors`` predictions from ``n_cutoffs`` cutoffs. ``chosen``: the line law missed by less, on enough
    predictions to tell."""

    line_error: float
    law_error: float
    n_errors: int
    n_cutoffs: int
    #: the line law's largest |log(actual / predicted)| per unit of reach in N (log of the run's size over the
    #: cutoff's largest, at least ``LINE_MIN_REACH``): its interval holds at least this times the target's reach
    scale: float = 0.0
    #: the furthest reach in N (log of a predicted run's size over its cutoff's largest) the predictions were
    #: made at; 0 where not recorded (a fixed-D sweep's backtests record it: ``backtest_fixed``)
    reach: float = 0.0

    @property
    def tells(self) -> bool:
        """Enough predictions (``MIN_LINE_ERRORS``) to choose between the two; fewer are no evidence either way."""
        return self.n_errors >= MIN_LINE_ERRORS

    @property
    def chosen(self) -> bool:
        return self.tells and self.line_error < self.law_error

    @property
    def spread(self) -> float:
        """The share of the law's relative spread the line law's interval takes: its mean backtest error over the
        law's on the same predictions, at least ``LINE_SPREAD_FLOOR`` and at most all of it."""
        if not self.law_error > 0:
            return 1.0
        return max(LINE_SPREAD_FLOOR, min(1.0, self.line_error / self.law_error))

    def to_dict(self) -> dict[str, Any]:
        return {
            "line_error": self.line_error,
            "law_error": self.law_error,
            "n_errors": self.n_errors,
            "n_cutoffs": self.n_cutoffs,
            "scale": self.scale,
            "chosen": self.chosen,
            **({"reach": self.reach} if self.reach > 0 else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LineBacktest:
        return cls(
            float(d["line_error"]),
            float(d["law_error"]),
            int(d["n_errors"]),
            int(d["n_cutoffs"]),
            float(d["scale"]),
            float(d.get("reach", 0.0)),
        )

    def half_width(self, reach: float) -> float:
        """The least log half-width of the line law's interval at ``reach`` (log of the target's N over the sweep's
        largest): its worst backtest error per unit of reach (``scale``), times the target's."""
        return self.scale * max(reach, LINE_MIN_REACH)


@dataclass(frozen=True)
class LineChoice:
    """The line law that gives a one-line sweep's estimates on its line in place of the law, and why (in words):
    ``backtested``, backtests told them apart (``backtest.chosen``: the line law's beat the law's; else the law
    won them but bends away past its runs, ``LawBook._collapsed_choice``); else no backtest told them apart and the
    law has too few runs."""

    law: LineLaw
    why: str
    #: the backtests that chose it (its interval is scaled by them, ``LineBacktest.spread`` and ``scale``); None
    #: where none told (the interval then holds the law's own and the line value)
    backtest: LineBacktest | None = None

    @property
    def backtested(self) -> bool:
        return self.backtest is not None

    def to_dict(self) -> dict[str, Any]:
        test = None if self.backtest is None else self.backtest.to_dict()
        return {**self.law.to_dict(), "why": self.why, "backtested": self.backtested, "backtest": test}


def collapsed_exponent(alpha: float, beta: float) -> tuple[str, float] | None:
    """The name and value of a law's exponent that has collapsed (below ``COLLAPSED_EXPONENT``; the smaller of
    the two where both have), or None."""
    name, value = min((("α", alpha), ("β", beta)), key=lambda t: t[1])
    return (name, value) if value < COLLAPSED_EXPONENT else None


def line_cutoffs(sweep: Sweep) -> list[float]:
    """The cutoffs of a one-line sweep's line backtests (``MAX_LINE_CUTOFFS``, ``MIN_LAW_RUNS``): its own budgets,
    not its table's (a dataset on one line beside one spread in D/N got the table's two cutoffs at the other's
    budgets, two predictions, and kept its law: probe p81)."""
    cuts: list[float] = []
    for cut in budgets(sweep.C)[:-1].tolist():
        part = sweep.below(cut)
        if distinct_models(part.N, part.D) >= MIN_LAW_RUNS:
            cuts.append(float(cut))
    return cuts[-MAX_LINE_CUTOFFS:]


def backtest_line(sweep: Sweep, held: Sequence[HeldRun], delta: float = 1e-3) -> LineBacktest | None:
    """The line law refitted on ``sweep``'s runs up to each cutoff of ``held`` (the law's own backtest predictions)
    and scored on the same runs; None where no cutoff leaves it ``MIN_LINE_SIZES`` sizes to fit. A prediction the
    line law cannot make at its cutoff is left out of both errors."""
    laws: dict[float, tuple[LineLaw | None, float]] = {}
    line_err: list[float] = []
    law_err: list[float] = []
    per_reach: list[float] = []
    for h in held:
        if h.cutoff not in laws:
            part = sweep.below(h.cutoff)
            laws[h.cutoff] = (fit_line_law(part.N, part.D, part.loss, delta), float(np.max(part.N)))
        law, largest = laws[h.cutoff]
        if law is None or not (h.predicted > 0 and h.actual > 0):
            continue
        value = float(law.predict(h.N))
        if not (math.isfinite(value) and value > 0):
            continue
        line_err.append(abs(math.log(h.actual / value)))
        law_err.append(abs(math.log(h.actual / h.predicted)))
        per_reach.append(line_err[-1] / max(math.log(h.N / largest), LINE_MIN_REACH))
    if not line_err:
        return None
    return LineBacktest(
        line_error=float(np.mean(line_err)),
        law_error=float(np.mean(law_err)),
        n_errors=len(line_err),
        n_cutoffs=sum(1 for v, _ in laws.values() if v is not None),
        scale=max(per_reach),
    )


# ---------------------------------------------------------------------------------------------------------------
# One token count: the line D = c·N^0
# ---------------------------------------------------------------------------------------------------------------

#: The largest ratio of a (dataset, eval)'s largest token count to its smallest for its runs to be one fixed-D
#: sweep (every size trained on one D: a data ablation at 10B tokens, a per-step log read at one checkpoint).
FIXED_D_SPREAD = 1.05
#: The fewest fixed-D laws of a group whose backtests, pooled, make an interval calibrated (``FixedLine.interval``).
#: One dataset's own (3 predictions on 6 sizes) held 73 % of Eq. 3 truths and 88 % of Eq. 1 truths at 2× and 4× the
#: largest N (8 seeds × 3 datasets each, 0.4 % noise); pooled over 2 datasets 84 % and 94 %, over 3, 90 % and 100 %.
MIN_POOLED_LAWS = 2
#: The fewest sizes a fixed-D sweep's law is fitted on: the line law's ``MIN_LINE_SIZES`` and one to leave out (its
#: interval holds the law refitted without each size; on 4 sizes no such refit exists, and the interval had no
#: width at all).
MIN_FIXED_SIZES = MIN_LINE_SIZES + 1
#: z of the 90 % level, the level a fixed-D interval's backtest errors are read at (``FixedLine.interval``).
_Z90 = 1.6448536269514722


def fixed_tokens(N: ArrayLike, D: ArrayLike) -> float | None:
    """The one token count of runs at (N, D) (their median D) where every D lies within ``FIXED_D_SPREAD`` of the
    others and they span two sizes or more; else None."""
    n = np.asarray(N, dtype=np.float64).ravel()
    d = np.asarray(D, dtype=np.float64).ravel()
    if not len(d) or len(np.unique(n)) < 2 or not float(d.max()) <= float(d.min()) * FIXED_D_SPREAD:
        return None
    return float(np.median(d))


def backtest_fixed(N: ArrayLike, D: ArrayLike, loss: ArrayLike, delta: float = 1e-3) -> LineBacktest | None:
    """A fixed-D sweep's backtests: its line law refitted on the runs up to each of its sizes that leave
    ``MIN_LINE_SIZES`` sizes to fit and one above (the largest ``MAX_LINE_CUTOFFS``), scored on every run above.
    There is no five-parameter law beside it: ``law_error`` is the line law's own. None where no cutoff fits."""
    n = np.asarray(N, dtype=np.float64).ravel()
    d = np.asarray(D, dtype=np.float64).ravel()
    y = np.asarray(loss, dtype=np.float64).ravel()
    sizes = np.unique(n)
    cuts = [float(c) for i, c in enumerate(sizes[:-1]) if i + 1 >= MIN_LINE_SIZES][-MAX_LINE_CUTOFFS:]
    errors: list[float] = []
    per_reach: list[float] = []
    reaches: list[float] = []
    fitted = 0
    for cut in cuts:
        below = n <= cut
        law = fit_line_law(n[below], d[below], y[below], delta, slope=0.0)
        if law is None:
            continue
        fitted += 1
        for size, actual in zip(n[~below].tolist(), y[~below].tolist(), strict=True):
            value = float(law.predict(size))
            if not (math.isfinite(value) and value > 0 and actual > 0):
                continue
            reach = math.log(size / cut)
            errors.append(abs(math.log(actual / value)))
            per_reach.append(errors[-1] / max(reach, LINE_MIN_REACH))
            reaches.append(reach)
    if not errors:
        return None
    mean = float(np.mean(errors))
    return LineBacktest(
        line_error=mean,
        law_error=mean,
        n_errors=len(errors),
        n_cutoffs=fitted,
        scale=max(per_reach),
        reach=max(reaches),
    )


@dataclass(frozen=True)
class FixedLine:
    """The law of a fixed-D sweep (every run at one token count, ``fixed_tokens``): L = E_D + K·N^(−γ) at that D
    (a ``LineLaw`` of slope 0), its backtests (``backtest_fixed``; None with too few sizes) and its refits leaving
    out one size each (``spread``, the width of an interval no backtest reaches). It says nothing at any other D."""

    law: LineLaw
    backtest: LineBacktest | None
    #: the largest model size fitted
    largest: float
    sizes: int
    #: the line law refitted without each size in turn (where it fits)
    leave_one_out: tuple[LineLaw, ...] = ()
    #: the worst backtest error per unit of reach over the fixed-D laws of its group (``pooled``), at least its own
    #: (``backtest.scale``); 0 where not pooled. Its own backtests alone (2 cutoffs, 3 predictions on 6 sizes) held
    #: 73 % of Eq. 3 truths at 2×-4× the largest N on seeded fixed-D sweeps (a bend past the runs that the backtests
    #: of one dataset do not see; ``MIN_POOLED_LAWS``)
    group_scale: float = 0.0
    #: how many fixed-D laws' backtests (its own among them) ``group_scale`` was taken over
    pooled_from: int = 1

    @property
    def scale(self) -> float:
        """The backtests' worst error per unit of reach the interval is scaled by: the group's (``group_scale``)
        where pooled, else its own."""
        own = 0.0 if self.backtest is None else self.backtest.scale
        return max(own, self.group_scale)

    def pooled(self, scale: float, laws: int) -> FixedLine:
        """This law with the worst backtest error per unit of reach of its group, ``scale``, taken over ``laws``
        fixed-D laws' backtests."""
        return replace(self, group_scale=max(scale, self.group_scale), pooled_from=laws)

    @property
    def D(self) -> float:
        return self.law.ratio

    def at(self, D: float) -> bool:
        """Whether ``D`` lies on the sweep's token count (within ``LINE_SLACK``)."""
        return self.law.weight(1.0, D) >= 1.0

    def spread(self, N: float) -> float:
        """The largest |log| gap at ``N`` between the law and its refits leaving out one size (0 without them)."""
        value = float(self.law.predict(N))
        gaps = [abs(math.log(float(f.predict(N)) / value)) for f in self.leave_one_out]
        return max((g for g in gaps if math.isfinite(g)), default=0.0)

    def interval(self, N: float, level: float) -> tuple[float, float, float, str | None]:
        """(estimate, lo, hi, why it is a lower bound or None) of the loss of size ``N`` at the sweep's D: the log
        half-width the backtests' worst error per unit of reach times the target's (``LineBacktest.half_width``,
        read at ``level`` as a normal quantile is against the 90 % one) and at least the leave-one-size-out
        spread. Calibrated only within the backtests' furthest reach; beyond it, or without backtests, a lower
        bound saying why."""
        from statistics import NormalDist

        value = float(self.law.predict(N))
        reach = math.log(N / self.largest)
        test = self.backtest
        half = max(
            self.spread(N),
            self.scale * max(reach, LINE_MIN_REACH) * NormalDist().inv_cdf(0.5 + level / 2) / _Z90,
        )
        why: str | None = None
        if test is None or not test.tells:
            why = (
                f"only {self.sizes} model sizes at one D: too few for a backtest (the law refitted on "
                f"{MIN_LINE_SIZES} sizes or more predicting {MIN_LINE_ERRORS} runs above) to reach past its largest "
                "run; the interval holds the law refitted without each size in turn"
                + (" and its group's backtest errors" if self.scale > 0 else "")
            )
        elif self.pooled_from < MIN_POOLED_LAWS:
            why = (
                f"its backtests are one dataset's {test.n_errors} predictions, with no other fixed-D law in its group "
                f"to pool with (at least {MIN_POOLED_LAWS}): too few to vouch for the interval"
            )
        elif reach > test.reach * (1 + 1e-9):
            why = (
                f"{math.exp(reach):.3g}× the largest run's N, beyond the backtests' furthest reach "
                f"({math.exp(test.reach):.3g}×): the interval scales their errors further than they were measured"
            )
        return value, value * math.exp(-half), value * math.exp(half), why

    def to_dict(self) -> dict[str, Any]:
        test = (
            None
            if self.backtest is None
            else {k: v for k, v in self.backtest.to_dict().items() if k not in ("law_error", "chosen")}
        )
        return {
            **self.law.to_dict(),
            "D": self.D,
            "sizes": self.sizes,
            "backtest": test,
            "scale": self.scale,
        }


def fit_fixed_line(N: ArrayLike, D: ArrayLike, loss: ArrayLike, delta: float = 1e-3) -> FixedLine | None:
    """The law of a fixed-D sweep (``FixedLine``), or None where the runs are not one (``fixed_tokens``), have
    fewer than ``MIN_FIXED_SIZES`` sizes, or their line law cannot be fitted."""
    n = np.asarray(N, dtype=np.float64).ravel()
    d = np.asarray(D, dtype=np.float64).ravel()
    y = np.asarray(loss, dtype=np.float64).ravel()
    if fixed_tokens(n, d) is None or len(np.unique(n)) < MIN_FIXED_SIZES:
        return None
    law = fit_line_law(n, d, y, delta, slope=0.0)
    if law is None:
        return None
    sizes = np.unique(n)
    out = [fit_line_law(n[n != s], d[n != s], y[n != s], delta, slope=0.0) for s in sizes]
    return FixedLine(
        law,
        backtest_fixed(n, d, y, delta),
        float(sizes.max()),
        len(sizes),
        tuple(f for f in out if f is not None),
    )
