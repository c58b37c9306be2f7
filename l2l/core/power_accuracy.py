"""The paper's accuracy law (Appendix B, after Gadre et al.): the error as a shifted power law of a loss,
1 − acc = K·(x − E0)^κ + E1, E0 given (the loss law's irreducible term), E1 profiled, K and κ from the log–log
regression. Split from ``l2l.core.accuracy`` (which fits and compares it with the sigmoid). Pure numpy, scipy
(lazily).
"""

from __future__ import annotations

import math

import numpy as np

from l2l.base.errors import FitError
from l2l.core.laws import Array
from l2l.core.sigmoid import _Curve

__all__ = ["fit_power", "power_acc"]


def power_acc(x: Array, K: float, kappa: float, E0: float, E1: float) -> Array:
    gap = np.maximum(x - E0, 0.0)
    return 1.0 - (K * np.power(gap, kappa) + E1)


def _power_profile(x: Array, err: Array, E0: float) -> tuple[float, float, float]:
    """The paper's fit: E1 minimising Σ (log err − log êrr)², K and κ from the log–log regression at each E1."""
    from scipy.optimize import minimize_scalar

    lx = np.log(x - E0)

    def regress(e1: float) -> tuple[float, float]:
        ly = np.log(err - e1)
        xm, ym = lx.mean(), ly.mean()
        kappa = float(np.sum((lx - xm) * (ly - ym)) / np.sum((lx - xm) ** 2))
        return math.exp(float(ym - kappa * xm)), kappa

    def cost(e1: float) -> float:
        K, kappa = regress(e1)
        return float(np.sum((np.log(err) - np.log(K * (x - E0) ** kappa + e1)) ** 2))

    top = float(err.min())
    gaps = top * np.geomspace(1e-6, 1.0, 61)
    costs = [cost(top - g) for g in gaps]
    i = int(np.argmin(costs))
    a = max(top - gaps[min(i + 1, len(gaps) - 1)], 0.0)
    b = min(top - gaps[max(i - 1, 0)], top * (1 - 1e-9))
    res = minimize_scalar(cost, bounds=(a, b), method="bounded", options={"xatol": 1e-10})
    e1 = float(res.x)
    K, kappa = regress(e1)
    return K, kappa, e1


def fit_power(x: Array, y: Array, E0: float | None) -> _Curve:
    err = 1.0 - y
    if np.any(err <= 0):
        raise FitError("an accuracy of 1 has no error to fit a power law to")
    e0 = 0.0 if E0 is None else float(E0)
    if np.any(x <= e0):
        raise FitError(f"losses at or below E0 = {e0:.4g}: the power law on the error is not defined there")
    K, kappa, e1 = _power_profile(x, err, e0)
    params = np.array([K, kappa, e0, e1])
    rss = float(np.sum((power_acc(x, K, kappa, e0, e1) - y) ** 2))
    at = ("E1",) if e1 <= 1e-9 else ()
    return _Curve(params, rss, at, 3)
