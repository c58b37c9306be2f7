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
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from l2l.core.fit import distinct_models
from l2l.core.laws import Array
from l2l.core.search import EXPONENT_BOUNDS
from l2l.core.sweep import Sweep, budgets

__all__ = [
    "COLLAPSED_EXPONENT",
    "LINE_FADE",
    "LINE_GAP",
    "LINE_GAP_REACH",
    "LINE_MIN_REACH",
    "LINE_PARAMS",
    "LINE_SLACK",
    "LINE_SPREAD_FLOOR",
    "MAX_LINE_CUTOFFS",
    "MIN_LAW_RUNS",
    "MIN_LINE_ERRORS",
    "MIN_LINE_SIZES",
    "HeldRun",
    "LineBacktest",
    "LineChoice",
    "LineLaw",
    "backtest_line",
    "collapsed_exponent",
    "fit_line_law",
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
    """L = E + K·N^(−γ) along the line D ≈ ``ratio``·N of the runs it was fitted on (their D/N from ``ratio_lo`` to
    ``ratio_hi``)."""

    E: float
    K: float
    gamma: float
    ratio: float
    n_runs: int
    objective: float
    ratio_lo: float = 0.0
    ratio_hi: float = math.inf

    def predict(self, N: ArrayLike) -> Array:
        n = np.asarray(N, dtype=np.float64)
        return np.asarray(self.E + np.exp(math.log(self.K) - self.gamma * np.log(n)))

    def on_line(self, N: float, D: float) -> float:
        """The tokens of the model of size ``N`` on its runs' line nearest ``D`` (D itself where D/N lies within the
        runs' range): where a law's value off the line is compared with this one's."""
        return N * min(max(D / N, self.ratio_lo), self.ratio_hi)

    def weight(self, N: float, D: float) -> float:
        """How much this law speaks for (N, D): 1 on its runs' line of D/N (within ``LINE_SLACK``), fading linearly
        in log D/N to 0 at ``LINE_FADE`` times further off it."""
        lo, hi, r = self.ratio_lo / LINE_SLACK, self.ratio_hi * LINE_SLACK, D / N
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
        }


def _huber(r: Array, delta: float) -> Array:
    a = np.abs(r)
    return np.asarray(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))


def fit_line_law(N: ArrayLike, D: ArrayLike, loss: ArrayLike, delta: float = 1e-3) -> LineLaw | None:
    """The line law of runs at (N, D) with ``loss`` (Huber ``delta`` on log loss, as every law), or None with fewer
    than ``MIN_LINE_SIZES`` distinct sizes or no fit inside the box. Starts: for each E on a grid of fractions of
    the smallest loss, the least-squares line of log(L − E) on log N; the best start by the true objective is
    polished with L-BFGS-B."""
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
    slope = np.sum((ln - xm)[None, :] * (z - z.mean(axis=1, keepdims=True)), axis=1) / sxx
    gamma = -slope
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
    return LineLaw(
        E=e_val,
        K=math.exp(lk),
        gamma=g,
        ratio=float(np.median(d / n)),
        ratio_lo=float(np.min(d / n)),
        ratio_hi=float(np.max(d / n)),
        n_runs=len(y),
        objective=objective(theta) * delta**2,
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
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LineBacktest:
        return cls(
            float(d["line_error"]),
            float(d["law_error"]),
            int(d["n_errors"]),
            int(d["n_cutoffs"]),
            float(d["scale"]),
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
