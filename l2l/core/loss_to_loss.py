"""The loss-to-loss fit, once: y ≈ K·(x − E0)^κ + E1 between two losses, on plain arrays.

With E0 and E1 fixed (the paper: each from its loss's own scaling-law fit), K and κ are the least-squares line of
log(y − E1) on log(x − E0) (``laws.log_line``): exact and instant. ``fit_shifted_power`` is that fit with its
diagnostics (and, with ``free_e1``, E1 profiled); pairs with x ≤ E0 or y ≤ E1 have no logarithm and are counted
(``n_excluded``), never silently dropped. ``weighted_log_lines`` is the same line for a stack of weightings at
once (bootstrap draws as multinomial counts), ``shifted_power_draws`` the resampling bootstrap of the fit with draws
of E0 and E1. Every loss-to-loss fit of l2l (translations, backtests, ranking's train-to-test relations) is one of
these. Pure numpy (scipy only to profile E1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.errors import FitError, LengthMismatchError
from l2l.core.fit import percentile_interval
from l2l.core.laws import Array, log_line

__all__ = [
    "MIN_PAIRS",
    "ShiftedPower",
    "TranslationInputs",
    "e_of",
    "fit_shifted_power",
    "k_kappa_intervals",
    "log_sd_at",
    "moved_floors",
    "shifted_power_draws",
    "weighted_log_lines",
]

#: A shifted power law needs at least this many pairs with x > E0 and y > E1.
MIN_PAIRS = 3


@dataclass(frozen=True, eq=False)
class ShiftedPower:
    """y ≈ K·(x − E0)^κ + E1 fitted on ``n_pairs`` pairs (``n_excluded`` more had x ≤ E0 or y ≤ E1).

    ``r2`` is of the log–log line; ``resid_sd`` the standard deviation of log y − log ŷ (≈ relative error);
    ``x_range`` the source losses fitted on."""

    K: float
    kappa: float
    E0: float
    E1: float
    r2: float
    resid_sd: float
    n_pairs: int
    n_excluded: int
    x_range: tuple[float, float]

    def predict(self, x: ArrayLike) -> Array:
        """ŷ at ``x`` (x ≤ E0 is held just above E0: callers that must refuse it check first)."""
        xa = np.asarray(x, dtype=np.float64)
        return self.K * np.power(np.maximum(xa - self.E0, 1e-300), self.kappa) + self.E1


def fit_shifted_power(
    x: ArrayLike, y: ArrayLike, E0: float, E1: float, *, free_e1: bool = False, label: str = ""
) -> ShiftedPower:
    """K and κ (and E1 with ``free_e1``) of y ≈ K·(x − E0)^κ + E1; ``label`` starts every error message.

    Raises FitError for arrays of different lengths, non-finite values, or fewer than ``MIN_PAIRS`` usable
    pairs."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    where = f"{label}: " if label else ""
    if len(xa) != len(ya):
        raise LengthMismatchError(f"{where}x and y have different lengths ({len(xa)}, {len(ya)})")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise FitError(f"{where}losses must be finite")
    if not (math.isfinite(E0) and math.isfinite(E1)):
        raise FitError(f"{where}E0 and E1 must be finite (got {E0}, {E1})")
    # too few pairs at all: their losses are not the problem (the old words blamed E0 and E1)
    if len(xa) < MIN_PAIRS:
        raise FitError(
            f"{where}only {len(xa)} pairs of runs to relate (the two sides share {len(xa)} models or (N, D) "
            f"configurations); a shifted power law needs at least {MIN_PAIRS}"
        )
    if free_e1:
        E1 = _profile_e1(xa, ya, E0, where)
    keep = (xa > E0) & (ya > E1)
    used = int(keep.sum())
    if used < MIN_PAIRS:
        raise FitError(
            f"{where}{used} usable pairs (of {len(xa)}); a shifted power law needs at least {MIN_PAIRS} with "
            f"x > E0 = {E0:.4g} and y > E1 = {E1:.4g}"
        )
    xs, ys = xa[keep], ya[keep]
    K, kappa, r2 = log_line(np.log(xs - E0), np.log(ys - E1))
    resid = np.log(ys) - np.log(K * np.power(xs - E0, kappa) + E1)
    return ShiftedPower(
        K=K,
        kappa=kappa,
        E0=E0,
        E1=E1,
        r2=r2,
        resid_sd=float(np.std(resid, ddof=1)),
        n_pairs=used,
        n_excluded=len(xa) - used,
        x_range=(float(xs.min()), float(xs.max())),
    )


def _profile_e1(x: Array, y: Array, E0: float, where: str) -> float:
    """E1 minimising Σ (log y − log ŷ)², with K and κ the log–log line at each E1; E1 ∈ [0, min y)."""
    from scipy.optimize import minimize_scalar

    ok = x > E0
    if int(ok.sum()) < MIN_PAIRS + 1:
        raise FitError(f"{where}fitting E1 too needs at least {MIN_PAIRS + 1} pairs with x > E0")
    xs, ys = x[ok], y[ok]
    top = float(ys.min())

    def cost(e1: float) -> float:
        K, kappa, _ = log_line(np.log(xs - E0), np.log(ys - e1))
        return float(np.sum((np.log(ys) - np.log(K * (xs - E0) ** kappa + e1)) ** 2))

    # the cost has no interior optimum when the data are best fit by E1 → min y; search on a log-spaced gap
    gaps = top * np.geomspace(1e-6, 1.0, 61)
    costs = [cost(top - g) for g in gaps]
    i = int(np.argmin(costs))
    lo = top - gaps[min(i + 1, len(gaps) - 1)]
    hi = top - gaps[max(i - 1, 0)]
    res = minimize_scalar(
        cost, bounds=(max(lo, 0.0), min(hi, top * (1 - 1e-9))), method="bounded", options={"xatol": 1e-10}
    )
    return float(res.x)


def weighted_log_lines(lx: Array, ly: Array, w: Array) -> tuple[Array, Array]:
    """Weighted least-squares lines of ``ly`` on ``lx``, one per row of the weights (B, n): (log K, κ) each (B,).
    A row whose x do not vary, or with no weight (a draw whose E0 lies above every source loss), gets NaN."""
    sw = w.sum(axis=1)
    sw = np.where(sw > 0, sw, np.nan)
    mx = (w * lx).sum(axis=1) / sw
    my = (w * ly).sum(axis=1) / sw
    sxx = (w * (lx - mx[:, None]) ** 2).sum(axis=1)
    sxy = (w * (lx - mx[:, None]) * (ly - my[:, None])).sum(axis=1)
    kappa = sxy / np.where(sxx > 0, sxx, np.nan)
    return my - kappa * mx, kappa


def e_of(form: str, thetas: Array) -> Array:
    """E of each row of optimizer coordinates ``thetas`` (B, P) of a law of ``form`` (zeros for Kaplan)."""
    if form == "kaplan":
        return np.zeros(len(thetas))
    return np.exp(thetas[:, 2])


def moved_floors(draws: Array, E: float, floor: float) -> Array:
    """Draws of a law's E (its own ``E``) moved with the irreducible loss a translation takes from it instead
    (``floor``: the line law's E on a one-line sweep), their spread kept; never below 0."""
    if floor == E:
        return draws
    return np.asarray(np.maximum(draws + (floor - E), 0.0), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class TranslationInputs:
    """What a translation is fitted from: the pairs (x, y) of source and target losses, E0 and E1 from the
    independent laws, and those laws' bootstrap draws of E0 and E1 (None: held at their values)."""

    x: Array
    y: Array
    E0: float
    E1: float
    E0_draws: Array | None = None
    E1_draws: Array | None = None

    @classmethod
    def of(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        E0: float,
        E1: float,
        E0_draws: ArrayLike | None = None,
        E1_draws: ArrayLike | None = None,
    ) -> TranslationInputs:
        def arr(v: ArrayLike) -> Array:
            return np.asarray(v, dtype=np.float64).ravel()

        return cls(
            arr(x),
            arr(y),
            float(E0),
            float(E1),
            None if E0_draws is None else arr(E0_draws),
            None if E1_draws is None else arr(E1_draws),
        )


def shifted_power_draws(
    inputs: TranslationInputs, *, draws: int = 400, seed: int = 0
) -> tuple[ShiftedPower, Array]:
    """The fit on all pairs of ``inputs`` and (draws, 4) arrays of (K, κ, E0, E1): pairs resampled with
    replacement, and E0, E1 drawn from the independent fits' bootstrap draws when given (else held at their
    values). When both draw arrays have the same length they are taken at the same index: draws made with the
    same seed and the same resampling groups (e.g. model sizes shared by both datasets) resampled the same
    configurations, and their E's err together. Draws whose regression fails are dropped."""
    xa, ya, E0, E1 = inputs.x, inputs.y, inputs.E0, inputs.E1
    best = fit_shifted_power(xa, ya, E0, E1)
    rng = np.random.default_rng(seed)
    e0s, e1s = inputs.E0_draws, inputs.E1_draws
    paired = e0s is not None and e1s is not None and len(e0s) == len(e1s)
    n = len(xa)
    idx = np.empty((draws, n), dtype=np.int64)
    es = np.empty((draws, 2), dtype=np.float64)
    for j in range(draws):  # (the generator's calls in the order one draw after another made them)
        idx[j] = rng.integers(0, n, n)
        k0 = int(rng.integers(len(e0s))) if e0s is not None else 0
        k1 = k0 if paired else (int(rng.integers(len(e1s))) if e1s is not None else 0)
        es[j] = (E0 if e0s is None else float(e0s[k0]), E1 if e1s is None else float(e1s[k1]))
    lines, fitted = _k_kappas(xa[idx], ya[idx], es[:, 0], es[:, 1])
    return best, np.column_stack([lines, es])[fitted]


def _k_kappas(x: Array, y: Array, E0: Array, E1: Array) -> tuple[Array, Array]:
    """K and κ of each row of ``x``, ``y`` (finite, at least ``MIN_PAIRS`` pairs a row) with its E0, E1, as
    ``fit_shifted_power`` fits them, bit for bit, and whether it could (where it raises FitError: the draw is
    dropped). Rows whose pairs all lie above their E's (nearly every bootstrap draw) in one pass of the stack (a
    row's sums are numpy's pairwise sums of that row alone, as for the row by itself); the others row by row
    (``evaluate`` on 25 datasets spent 83 % of its CPU fitting these draws one at a time)."""
    rows = len(x)
    lines = np.zeros((rows, 2), dtype=np.float64)
    fitted = np.zeros(rows, dtype=bool)
    finite = np.isfinite(E0) & np.isfinite(E1)
    above = (x > E0[:, None]) & (y > E1[:, None])
    whole = finite & above.all(axis=1)
    if whole.any():
        lx = np.log(x[whole] - E0[whole, None])
        ly = np.log(y[whole] - E1[whole, None])
        xm, ym = lx.mean(axis=1), ly.mean(axis=1)
        dx = lx - xm[:, None]
        sxx = np.sum(dx**2, axis=1)
        ok = sxx > 0  # (else log_line's FitError: all source losses equal)
        kappa = np.sum(dx * (ly - ym[:, None]), axis=1)[ok] / sxx[ok]
        log_k = ym[ok] - kappa * xm[ok]
        at = np.flatnonzero(whole)[ok]
        lines[at, 0] = [math.exp(v) for v in log_k.tolist()]  # (math's exp, as log_line's)
        lines[at, 1] = kappa
        fitted[at] = True
    for i in np.flatnonzero(finite & ~whole).tolist():
        keep = above[i]
        if int(keep.sum()) < MIN_PAIRS:
            continue
        try:
            K, kappa_i, _ = log_line(np.log(x[i, keep] - E0[i]), np.log(y[i, keep] - E1[i]))
        except FitError:
            continue
        lines[i] = (K, kappa_i)
        fitted[i] = True
    return lines, fitted


def k_kappa_intervals(draws: Array, level: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Percentile intervals at ``level`` of K and of κ over the translations ``draws`` (rows K, κ, E0, E1); None
    with fewer than two draws."""
    if len(draws) < 2:
        return None
    lo, hi = percentile_interval(draws[:, :2], level)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def log_sd_at(draws: Array, x: float) -> float:
    """The spread (sd of log ŷ) of the translations ``draws`` (rows K, κ, E0, E1) at the source loss ``x``, over
    the draws defined there (E0 < x, ŷ > 0); 0 with fewer than two."""
    ok = draws[:, 2] < x
    if int(ok.sum()) < 2:
        return 0.0
    preds = draws[ok, 0] * np.power(x - draws[ok, 2], draws[ok, 1]) + draws[ok, 3]
    preds = preds[preds > 0]
    return float(np.std(np.log(preds), ddof=1)) if len(preds) > 1 else 0.0
