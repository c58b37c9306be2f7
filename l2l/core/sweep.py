"""Runs as arrays, and which runs stand at the same configuration: the one run-array type and the one pairing rule.

A ``Sweep`` is one dataset's runs on one eval: model size N, tokens D, compute C and loss, as float arrays of equal
length (backtests, intervals and rankings all take it). Two runs are at the same configuration when their N and D
both agree within a relative tolerance ``SAME_RTOL`` (in log space: |log N₁ − log N₂| ≤ log(1 + rtol), likewise D);
``pair_configs`` pairs the runs of two sweeps by that rule, one to one, nearest first, and ``config_groups`` groups
the runs of one (repeats of a configuration). Every pairing of l2l (translations, backtests, rankings, held-out
comparisons) uses these. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.errors import FitError, LengthMismatchError
from l2l.core.laws import Array, ScalingLaw

__all__ = [
    "BUDGET_RTOL",
    "MIN_RATIO_SPREAD",
    "ROUNDED_RTOL",
    "SAME_RTOL",
    "Index",
    "Sweep",
    "allocation_unidentified",
    "at_or_below",
    "budgets",
    "config_groups",
    "cross_lines",
    "near_configs",
    "off_cross",
    "one_budget",
    "optimum_off_sweep",
    "pair_configs",
]

#: Runs whose N and D agree within this relative tolerance are at the same configuration.
SAME_RTOL = 1e-6

Index = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Sweep:
    """One dataset's runs on one eval: model size N, tokens D, compute C, measured loss (equal lengths)."""

    N: Array
    D: Array
    C: Array
    loss: Array

    @classmethod
    def of(
        cls,
        N: ArrayLike,
        D: ArrayLike,
        C: ArrayLike | None,
        loss: ArrayLike,
        *,
        flops_per_param_token: float = 6.0,
    ) -> Sweep:
        """From array-likes; C None means k·N·D (k = ``flops_per_param_token``). Raises FitError for arrays of
        different lengths or values that are not finite and positive."""
        n = np.asarray(N, dtype=np.float64).ravel()
        d = np.asarray(D, dtype=np.float64).ravel()
        c = flops_per_param_token * n * d if C is None else np.asarray(C, dtype=np.float64).ravel()
        y = np.asarray(loss, dtype=np.float64).ravel()
        if not (len(n) == len(d) == len(c) == len(y)):
            raise LengthMismatchError(
                f"N, D, C and loss have different lengths ({len(n)}, {len(d)}, {len(c)}, {len(y)})"
            )
        for name, arr in (("N", n), ("D", d), ("C", c), ("loss", y)):
            if not np.all(np.isfinite(arr) & (arr > 0)):
                raise FitError(f"{name} must be finite and > 0 for every run")
        return cls(n, d, c, y)

    def __len__(self) -> int:
        return len(self.loss)

    def subset(self, mask: NDArray[np.bool_] | Index) -> Sweep:
        """The runs selected by a boolean mask or an index array."""
        return Sweep(self.N[mask], self.D[mask], self.C[mask], self.loss[mask])

    def below(self, cutoff: float) -> Sweep:
        """The runs in budgets up to ``cutoff`` (``at_or_below``)."""
        return self.subset(at_or_below(self.C, cutoff))

    def sorted(self) -> Sweep:
        """The runs ordered by N, then D."""
        return self.subset(np.lexsort((self.D, self.N)))

    def by_config(self) -> Sweep:
        """One run per configuration (``config_groups``): the first run's N, D, C and the mean loss of its
        repeats, in order of first appearance."""
        labels = config_groups(self.N, self.D)
        first = np.array([int(np.flatnonzero(labels == k)[0]) for k in range(int(labels.max()) + 1)])
        if len(first) == len(self):
            return self
        mean = np.array([float(np.mean(self.loss[labels == k])) for k in range(len(first))])
        return Sweep(self.N[first], self.D[first], self.C[first], mean)

    @property
    def max_C(self) -> float:
        return float(self.C.max())

    @property
    def pinned_max_C(self) -> float:
        """The largest budget that pins the law down (``pinned_top``): ``max_C`` but on an iso-FLOP sweep whose
        top budgets hold one run each."""
        made: float | None = self.__dict__.get("_pinned")
        if made is None:
            made = pinned_top(self.C)
            object.__setattr__(self, "_pinned", made)  # a cache beside the frozen fields, not one of them
        return made

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """The largest N and D and the smallest and largest D/N of the runs, taken once (a backtest asks them of its
        fitted runs for every run it scores: ``reach_distance``, ``size_reach``, ``ratio_reach``)."""
        made: tuple[float, float, float, float] | None = self.__dict__.get("_extent")
        if made is None:
            ratios = self.D / self.N
            made = (float(self.N.max()), float(self.D.max()), float(ratios.min()), float(ratios.max()))
            object.__setattr__(self, "_extent", made)  # a cache beside the frozen fields, not one of them
        return made

    def top_for(self, N: float, D: float) -> float:
        """The largest budget that pins the law at (N, D): ``pinned_max_C``, or ``max_C`` where (N, D) is one of
        the single runs above it (a run pins the law at its own configuration)."""
        top = self.pinned_max_C
        above = top < self.C
        if above.any() and bool(
            np.any(
                np.isclose(self.N[above], N, rtol=SAME_RTOL, atol=0.0)
                & np.isclose(self.D[above], D, rtol=SAME_RTOL, atol=0.0)
            )
        ):
            return self.max_C
        return top

    def predicted(self, law: ScalingLaw) -> Array:
        """``law.predict`` at every run (read-only), made once per law: a law's far-run check, poor-law check and
        run scatter all score it on its own runs (``evaluate``: hundreds of laws)."""
        made: dict[ScalingLaw, Array] | None = self.__dict__.get("_predicted")
        if made is None:
            made = {}
            object.__setattr__(self, "_predicted", made)  # a cache beside the frozen fields, not one of them
        if law not in made:
            values = law.predict(self.N, self.D)
            values.flags.writeable = False
            made[law] = values
        return made[law]


#: Compute values within this relative distance (of a budget's smallest) are one budget: C = 6·N·D from rounded
#: sizes scatters one grid budget (a run 3e-6 above its budget's cutoff was once "predicted" by the refit that
#: should have fitted it, at distance 0, where a noise-free spread model scored it in the thousands). Sizes written
#: to three digits (645M, 25.8B) scatter an isoFLOP line by up to 2 %, to two (1.3B, 26B) by up to 10 %: at 1e-3
#: such a line split in two, the backtests' cutoffs fell inside it, and a law within its noise was "poor"
#: (backtest error 8.6 % against 2.3 % from the exact C; probe p48), and `evaluate --holdout-top-compute 2` held
#: out 16 of a line's 32 runs (p50). Budgets of a sweep lie 1.5× apart or more.
BUDGET_RTOL = 0.1


def at_or_below(C: ArrayLike, cutoff: float) -> NDArray[np.bool_]:
    """Which runs of compute ``C`` lie in budgets up to ``cutoff`` (its own budget included, ``BUDGET_RTOL``)."""
    return np.asarray(np.asarray(C, dtype=np.float64) <= cutoff * (1 + BUDGET_RTOL))


#: Runs whose tokens per parameter (D/N) all lie within this factor of one another pin a law down along one line
#: only: how a budget is best split between N and D is not identified (a probe sweep at D = 20·N fitted β = 0.02
#: against a true 0.45, flagged ok, and put N* at half the truth).
MIN_RATIO_SPREAD = 2.0


def allocation_unidentified(N: ArrayLike, D: ArrayLike) -> str | None:
    """Why runs at (N, D) cannot identify the compute-optimal split (all at about one D/N), or None."""
    ratio = np.asarray(D, dtype=np.float64).ravel() / np.asarray(N, dtype=np.float64).ravel()
    if not len(ratio):
        return None
    lo, hi = float(ratio.min()), float(ratio.max())
    if hi >= lo * MIN_RATIO_SPREAD:
        return None
    span = f"about {float(np.median(ratio)):.3g}" if hi < lo * 1.05 else f"{lo:.3g}–{hi:.3g}"
    return (
        f"every run has {span} tokens per parameter: the law is fitted along one line, D ≈ "
        f"{float(np.median(ratio)):.3g}·N, so how a budget is best split between N and D (N*, D*, and any model "
        "off that line) is not identified; runs at other D/N would tell it"
    )


#: A compute-optimal model whose tokens per parameter lie this far outside the sweep's range is the law's artefact,
#: not an answer: a probe's sweep at 20 and 40 tokens per parameter fitted β = 0.003 (its D term flat, not on the
#: box's edge) and `optimal` printed N* = 8.1e18 parameters trained on 35 tokens (true: 1.3e10), flagged only as a
#: lower bound. Within it the answer stands, flagged when more than 2× outside (``predictive.RATIO_SLACK``).
OFF_SWEEP_RATIO = 100.0


def optimum_off_sweep(N_opt: float, D_opt: float, N: ArrayLike, D: ArrayLike) -> str | None:
    """Why a compute-optimal (N*, D*) is no answer (its D*/N* more than ``OFF_SWEEP_RATIO`` outside the sweep's
    D/N), or None."""
    ratio = np.asarray(D, dtype=np.float64).ravel() / np.asarray(N, dtype=np.float64).ravel()
    if not len(ratio):
        return None
    lo, hi = float(ratio.min()), float(ratio.max())
    at = D_opt / N_opt if N_opt > 0 else math.inf
    if math.isfinite(at) and lo / OFF_SWEEP_RATIO <= at <= hi * OFF_SWEEP_RATIO:
        return None
    if not math.isfinite(at):
        return (
            "the law gives no finite optimum (a flat N or D term): the runs do not tell how a budget is best split "
            "between N and D"
        )
    at_words = f"{at:.3g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")  # 1.02e4, not 1.02e+04
    return (
        f"the law's optimum lies at {at_words} tokens per parameter, more than {OFF_SWEEP_RATIO:g}× outside the "
        f"sweep's {lo:.3g}–{hi:.3g}: the runs do not tell how a budget is best split between N and D there (a "
        "flat N or D term)"
    )


def one_budget(N: ArrayLike, D: ArrayLike) -> str | None:
    """Why runs at (N, D) cannot show how the loss falls with compute (all at one budget N·D), or None."""
    nd = np.asarray(N, dtype=np.float64).ravel() * np.asarray(D, dtype=np.float64).ravel()
    if len(nd) == 0 or len(budgets(nd)) > 1:
        return None
    return (
        "every run lies at one compute budget: how the loss falls with compute comes from the law's form alone, "
        "not from the runs (predictions at any other budget are not identified); runs at other budgets would "
        "tell it"
    )


#: An iso-FLOP sweep: its budgets hold this many runs or more (the median budget).
ISOFLOP_RUNS = 3


def pinned_top(C: ArrayLike, rtol: float = BUDGET_RTOL) -> float:
    """The largest compute of the sweep's runs at or below its largest budget holding more than one run, where
    its budgets mostly hold ``ISOFLOP_RUNS`` or more (an iso-FLOP sweep); the largest compute otherwise (a ladder,
    one run per budget). A single run at the top of an iso-FLOP sweep pins the law at one (N, D) of that budget,
    not at the others: a probe's design with 12, 12, 12, 8, 5, 3 and 1 runs per budget placed targets at 1.08× its
    top budget at distance 0, and their intervals (±0.7-1.7 %) held 6 of 16 cross-eval truths (p62)."""
    c = np.sort(np.asarray(C, dtype=np.float64).ravel())
    tops = budgets(c, rtol)
    ends = np.searchsorted(c, tops * (1 + rtol), side="right")
    counts = np.diff(np.concatenate(([0], ends)))
    if len(counts) < 2 or float(np.median(counts)) < ISOFLOP_RUNS:
        return float(c[-1])
    k = len(counts) - 1
    while k > 0 and counts[k] == 1:
        k -= 1
    return float(c[ends[k] - 1])


def budgets(C: ArrayLike, rtol: float = BUDGET_RTOL) -> Array:
    """Distinct compute budgets (values within ``rtol`` merged), ascending."""
    c = np.sort(np.asarray(C, dtype=np.float64).ravel())
    out: list[float] = []
    for v in c:
        if not out or v > out[-1] * (1 + rtol):
            out.append(float(v))
    return np.array(out)


def _log_gaps(
    N_a: ArrayLike, D_a: ArrayLike, N_b: ArrayLike, D_b: ArrayLike, rtol: float
) -> tuple[Array, NDArray[np.bool_]]:
    """(L1 distance in log N, log D of every a-run to every b-run, whether each pair is within ``rtol``)."""
    ln_a = np.log(np.asarray(N_a, dtype=np.float64).ravel())[:, None]
    ld_a = np.log(np.asarray(D_a, dtype=np.float64).ravel())[:, None]
    ln_b = np.log(np.asarray(N_b, dtype=np.float64).ravel())[None, :]
    ld_b = np.log(np.asarray(D_b, dtype=np.float64).ravel())[None, :]
    tol = math.log1p(rtol)
    gn, gd = np.abs(ln_a - ln_b), np.abs(ld_a - ld_b)
    return gn + gd, (gn <= tol) & (gd <= tol)


def pair_configs(
    N_a: ArrayLike, D_a: ArrayLike, N_b: ArrayLike, D_b: ArrayLike, rtol: float = SAME_RTOL
) -> tuple[Index, Index]:
    """Indices (i, j), ascending in i, of the runs of a and b at the same configuration (N and D within ``rtol``).

    One to one: the a-runs closest to a b-run choose first, each taking its nearest b-run not yet taken (in log
    space)."""
    dist, ok = _log_gaps(N_a, D_a, N_b, D_b, rtol)
    if dist.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if ok.sum(axis=0).max() <= 1 and ok.sum(axis=1).max() <= 1:
        # no run has two partners (the usual grid): nothing to choose, the pairs are the matches themselves
        ii, jj = np.nonzero(ok)
        return ii.astype(np.int64), jj.astype(np.int64)
    dist = np.where(ok, dist, np.inf)
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for i in np.argsort(dist.min(axis=1), kind="stable"):
        for j in np.argsort(dist[i], kind="stable"):
            if not np.isfinite(dist[i, j]):
                break
            if int(j) not in used:
                used.add(int(j))
                pairs[int(i)] = int(j)
                break
    ii = np.array(sorted(pairs), dtype=np.int64)
    return ii, np.array([pairs[i] for i in ii.tolist()], dtype=np.int64)


#: Sizes written to 3 significant digits (``19.9M`` for 19,904,000, as papers and W&B panels print them) lie within
#: half a unit of the third digit of the true size: at most 0.5 % off. An accuracy file whose N or D is so rounded
#: is joined to its loss runs within this (``near_configs``); grids' neighbouring sizes lie 1.5× or more apart.
ROUNDED_RTOL = 0.005


def near_configs(
    N_a: ArrayLike, D_a: ArrayLike, N_b: ArrayLike, D_b: ArrayLike, rtol: float = ROUNDED_RTOL
) -> tuple[Index, Index]:
    """For each a-run: the b-run at its configuration (N and D within ``rtol``, the rule of ``pair_configs``)
    when exactly one is (-1: none; -2: several, ambiguous), and the nearest b-run in log space whatever the
    distance (-1 when b is empty). Many a-runs may take one b-run (not one to one: ``pair_configs`` is)."""
    n_a = np.asarray(N_a, dtype=np.float64).size
    if n_a == 0 or np.asarray(N_b, dtype=np.float64).size == 0:
        return np.full(n_a, -1, dtype=np.int64), np.full(n_a, -1, dtype=np.int64)
    dist, ok = _log_gaps(N_a, D_a, N_b, D_b, rtol)
    hits = ok.sum(axis=1)
    match = np.where(hits == 1, np.argmax(ok, axis=1), np.where(hits > 1, -2, -1))
    return match.astype(np.int64), np.argmin(dist, axis=1).astype(np.int64)


#: Runs within this of an asked model's N and D are runs of that model (``at_model``): sizes are typed rounded
#: (``--N 1.4B`` for DCLM's 1.44B runs, 2.8 % apart), while the grids' neighbouring sizes lie 1.5× or more apart.
MODEL_RTOL = 0.05


def at_model(N: ArrayLike, D: ArrayLike, n: float, d: float, rtol: float = MODEL_RTOL) -> NDArray[np.bool_]:
    """Which runs (N, D) are runs of the model (n, d): both within ``rtol`` (in log space)."""
    tol = math.log1p(rtol)
    ln = np.abs(np.log(np.asarray(N, dtype=np.float64)) - math.log(n))
    ld = np.abs(np.log(np.asarray(D, dtype=np.float64)) - math.log(d))
    return np.asarray((ln <= tol) & (ld <= tol), dtype=np.bool_)


#: A line of a Kaplan-style pair of one-line sweeps (``cross_lines``) holds this many distinct values or more.
CROSS_LINE_VALUES = 3


def _distinct(values: NDArray[np.float64], rtol: float) -> NDArray[np.float64]:
    """The distinct values of ``values``, sorted: neighbours within ``rtol`` (in log space) are one value."""
    v = np.sort(values)
    return v[np.r_[True, np.diff(np.log(v)) > math.log1p(rtol)]] if v.size else v


def cross_lines(N: ArrayLike, D: ArrayLike, rtol: float = MODEL_RTOL) -> tuple[float, float] | None:
    """(N0, D0) where every run lies at model size N0 or at token count D0, and each of the two lines holds
    ``CROSS_LINE_VALUES`` distinct values of the other or more: a Kaplan-style pair of one-line sweeps, L(N) at one
    large D and L(D) at one N. Such runs measure the law along the two lines only; how its N and D terms combine
    off both is the form's assumption, which no run (and no backtest) checks. None for any other design."""
    n = np.asarray(N, dtype=np.float64).ravel()
    d = np.asarray(D, dtype=np.float64).ravel()
    if n.size == 0 or n.size != d.size or not (np.all(n > 0) and np.all(d > 0)):
        return None
    tol = math.log1p(rtol)
    for n0 in _distinct(n, rtol):
        on_n = np.abs(np.log(n / n0)) <= tol
        off = _distinct(d[~on_n], rtol)  # the runs off the N0 line: all at one D0
        if len(off) != 1 or len(_distinct(d[on_n], rtol)) < CROSS_LINE_VALUES:
            continue
        d0 = float(off[0])
        on_d = np.abs(np.log(d / d0)) <= tol
        if np.all(on_n | on_d) and len(_distinct(n[on_d], rtol)) >= CROSS_LINE_VALUES:
            return float(n0), d0
    return None


def off_cross(cross: tuple[float, float], N: float, D: float, rtol: float = MODEL_RTOL) -> bool:
    """Whether the model (N, D) lies off both lines of ``cross`` (``cross_lines``): at neither N0 nor D0."""
    tol = math.log1p(rtol)
    return abs(math.log(N / cross[0])) > tol and abs(math.log(D / cross[1])) > tol


def config_groups(N: ArrayLike, D: ArrayLike, rtol: float = SAME_RTOL) -> Index:
    """A label per run, equal for runs at the same configuration (within ``rtol`` of the group's first run),
    numbered in order of first appearance."""
    _, ok = _log_gaps(N, D, N, D, rtol)
    labels = np.full(ok.shape[0], -1, dtype=np.int64)
    k = 0
    for i in range(len(labels)):
        if labels[i] < 0:
            labels[ok[i] & (labels < 0)] = k
            k += 1
    return labels
