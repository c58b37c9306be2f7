"""Loss-to-loss translation: the shifted power law  L1 ≈ K·(L0 − E0)^κ + E1  between two losses.

With E0 and E1 fixed from independent scaling-law fits (the paper), K and κ are an exact linear regression of
log(y − E1) on log(x − E0): unique and instant. ``free_e1`` also fits E1 (profiled: for each E1 the regression
gives K and κ; E1 minimises the squared relative error of y). Points with x ≤ E0 or y ≤ E1 have no logarithm:
they are counted and reported, never silently dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from l2l.errors import FitError
from l2l.laws import Array, ScalingLaw

Kind = Literal["train-train", "train-test", "test-test"]
KINDS: tuple[Kind, ...] = ("train-train", "train-test", "test-test")


@dataclass(frozen=True, eq=False)
class LossToLoss:
    """A fitted shifted power law from the loss ``src:x_eval`` to the loss ``tgt:eval``.

    ``r2`` is of the log–log regression; ``resid_sd`` is the standard deviation of log y − log ŷ (≈ relative
    error). ``n_excluded`` pairs had x ≤ E0 or y ≤ E1 and were left out of the fit.
    """

    src: str
    tgt: str
    x_eval: str
    eval: str
    kind: Kind
    K: float
    kappa: float
    E0: float
    E1: float
    free_e1: bool
    n_pairs: int
    n_excluded: int
    r2: float
    resid_sd: float
    x_range: tuple[float, float]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def predict(self, x: ArrayLike) -> Array:
        """ŷ = K·(x − E0)^κ + E1. Raises FitError for x ≤ E0 (the power law is not defined there)."""
        xa = np.asarray(x, dtype=np.float64)
        if np.any(xa <= self.E0):
            bad = float(np.min(xa))
            raise FitError(
                f"a source loss of {bad:.4g} is at or below the source's irreducible loss E0 = {self.E0:.4g}: "
                f"the translation {self.src} → {self.tgt}:{self.eval} is not defined there"
            )
        return self.K * np.power(xa - self.E0, self.kappa) + self.E1

    def extrapolates(self, x: float) -> bool:
        """True when x lies outside the range of source losses the translation was fitted on."""
        return not (self.x_range[0] <= x <= self.x_range[1])

    def translate_law(self, src_law: ScalingLaw) -> ScalingLaw:
        """The target's law implied by the source's (Eq. 3 closure; needs the l2l or kaplan form)."""
        return src_law.translated(self.K, self.kappa, self.E1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "tgt": self.tgt,
            "x_eval": self.x_eval,
            "eval": self.eval,
            "kind": self.kind,
            "K": self.K,
            "kappa": self.kappa,
            "E0": self.E0,
            "E1": self.E1,
            "free_e1": self.free_e1,
            "n_pairs": self.n_pairs,
            "n_excluded": self.n_excluded,
            "r2": self.r2,
            "resid_sd": self.resid_sd,
            "x_min": self.x_range[0],
            "x_max": self.x_range[1],
            "warnings": list(self.warnings),
        }


def _regress(lx: Array, ly: Array) -> tuple[float, float, float]:
    """Least squares  ly = log K + κ·lx; returns (K, κ, R²)."""
    xm, ym = lx.mean(), ly.mean()
    sxx = float(np.sum((lx - xm) ** 2))
    if sxx <= 0:
        raise FitError("all source losses are equal: a power law needs at least two distinct values")
    kappa = float(np.sum((lx - xm) * (ly - ym)) / sxx)
    log_k = float(ym - kappa * xm)
    resid = ly - (log_k + kappa * lx)
    syy = float(np.sum((ly - ym) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / syy if syy > 0 else 1.0
    return math.exp(log_k), kappa, r2


def fit_loss_to_loss(
    x: ArrayLike,
    y: ArrayLike,
    *,
    E0: float,
    E1: float,
    free_e1: bool = False,
    src: str = "",
    tgt: str = "",
    x_eval: str = "",
    eval: str = "",
    kind: Kind = "train-train",
) -> LossToLoss:
    """Fit K and κ (and E1 with ``free_e1``) of  y ≈ K·(x − E0)^κ + E1."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    label = f"{src}:{x_eval} → {tgt}:{eval}"
    if len(xa) != len(ya):
        raise FitError(f"{label}: x and y have different lengths")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise FitError(f"{label}: losses must be finite")
    if not (math.isfinite(E0) and math.isfinite(E1)):
        raise FitError(f"{label}: E0 and E1 must be finite (got {E0}, {E1})")
    warnings: list[str] = []
    if free_e1:
        E1 = _profile_e1(xa, ya, E0, label)
    keep = (xa > E0) & (ya > E1)
    n_excl = int(np.sum(~keep))
    if n_excl:
        warnings.append(
            f"{n_excl} of {len(xa)} pairs have x ≤ E0 ({E0:.4g}) or y ≤ E1 ({E1:.4g}) and were left out of the fit"
        )
    if int(keep.sum()) < 3:
        raise FitError(
            f"{label}: {int(keep.sum())} usable pairs (of {len(xa)}); a shifted power law needs at least 3 with "
            f"x > E0 = {E0:.4g} and y > E1 = {E1:.4g}"
        )
    lx, ly = np.log(xa[keep] - E0), np.log(ya[keep] - E1)
    K, kappa, r2 = _regress(lx, ly)
    yhat = K * np.power(xa[keep] - E0, kappa) + E1
    resid = np.log(ya[keep]) - np.log(yhat)
    return LossToLoss(
        src=src,
        tgt=tgt,
        x_eval=x_eval,
        eval=eval,
        kind=kind,
        K=K,
        kappa=kappa,
        E0=E0,
        E1=E1,
        free_e1=free_e1,
        n_pairs=int(keep.sum()),
        n_excluded=n_excl,
        r2=r2,
        resid_sd=float(np.std(resid, ddof=1)),
        x_range=(float(xa[keep].min()), float(xa[keep].max())),
        warnings=tuple(warnings),
    )


def _profile_e1(x: Array, y: Array, E0: float, label: str) -> float:
    """E1 minimising Σ (log y − log ŷ)², with K and κ the log–log regression at each E1; E1 ∈ [0, min y)."""
    from scipy.optimize import minimize_scalar

    ok = x > E0
    if int(ok.sum()) < 4:
        raise FitError(f"{label}: fitting E1 too needs at least 4 pairs with x > E0")
    xs, ys = x[ok], y[ok]
    top = float(ys.min())

    def cost(e1: float) -> float:
        K, kappa, _ = _regress(np.log(xs - E0), np.log(ys - e1))
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


@dataclass(frozen=True)
class ChainStep:
    """One step of a prediction chain: the loss ``value`` of ``dataset`` models on ``eval``."""

    description: str
    dataset: str
    eval: str
    value: float
    translation: LossToLoss | None
    extrapolated: bool

    def to_dict(self) -> dict[str, Any]:
        t = self.translation
        return {
            "step": self.description,
            "dataset": self.dataset,
            "eval": self.eval,
            "loss": self.value,
            "K": None if t is None else t.K,
            "kappa": None if t is None else t.kappa,
            "E0": None if t is None else t.E0,
            "E1": None if t is None else t.E1,
            "extrapolated": self.extrapolated,
        }


def compose(start: ChainStep, translations: list[LossToLoss]) -> list[ChainStep]:
    """Push a measured loss through a chain of translations (e.g. train-train then train-test)."""
    steps = [start]
    value = start.value
    for t in translations:
        extrap = t.extrapolates(value)
        value = float(t.predict(value))
        steps.append(
            ChainStep(f"{t.kind}: {t.src}:{t.x_eval} → {t.tgt}:{t.eval}", t.tgt, t.eval, value, t, extrap)
        )
    return steps
