"""The three scaling-law forms, in log space, with analytic gradients; compute-optimal allocation.

Pure numpy. Parameters live in log space where they are scales: A = e^a, B = e^b, E = e^e, so that the optimizer
never raises N ≈ 1e10 to a power and every parameter vector is a valid law.

    l2l        (Eq. 3)  L = E + ((A/N)^(α/β) + B/D)^β
    chinchilla (Eq. 1)  L = E + A/N^α + B/D^β
    kaplan     (Eq. 2)  L =     ((A/N)^(α/β) + B/D)^β

Every function takes parameter arrays of shape (..., P) and data of shape (n,), and broadcasts: a stack of S
parameter vectors gives (S, n) predictions. That is what lets the fitter score thousands of starts in one pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.errors import FitError

Form = Literal["l2l", "chinchilla", "kaplan"]
FORMS: tuple[Form, ...] = ("l2l", "chinchilla", "kaplan")
FORM_EQUATIONS: dict[str, str] = {
    "l2l": "E + ((A/N)^(α/β) + B/D)^β",
    "chinchilla": "E + A/N^α + B/D^β",
    "kaplan": "((A/N)^(α/β) + B/D)^β",
}
# Optimizer coordinates, in order. Kaplan has no irreducible term.
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "l2l": ("a", "b", "e", "alpha", "beta"),
    "chinchilla": ("a", "b", "e", "alpha", "beta"),
    "kaplan": ("a", "b", "alpha", "beta"),
}

Array = NDArray[np.float64]
_LOG_MAX = 700.0  # exp(700) is near the largest float64 (about exp(709.8))


def check_form(form: str) -> Form:
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    return form


def _lse2(u: Array, v: Array) -> tuple[Array, Array]:
    """log(e^u + e^v) and the weight e^u/(e^u + e^v), from one exp and one log1p (the costly part of a fit)."""
    z = np.exp(-np.abs(u - v))
    lse = np.maximum(u, v) + np.log1p(z)
    inv = 1.0 / (1.0 + z)
    return lse, np.where(u >= v, inv, z * inv)


def log_loss(form: str, theta: ArrayLike, log_n: ArrayLike, log_d: ArrayLike) -> Array:
    """log L̂ at each (N, D) for parameters ``theta`` (..., P). Returns (..., n)."""
    return log_loss_and_jacobian(form, theta, log_n, log_d, jacobian=False)[0]


def log_loss_and_jacobian(
    form: str, theta: ArrayLike, log_n: ArrayLike, log_d: ArrayLike, *, jacobian: bool = True
) -> tuple[Array, Array | None]:
    """log L̂ (..., n) and, if asked, its Jacobian (..., n, P) with respect to the optimizer coordinates."""
    raw = np.asarray(theta)
    # float32 in, float32 out: the fitter's coarse first round uses it to halve memory traffic
    dtype = np.float32 if raw.dtype == np.float32 else np.float64
    th: Any = raw.astype(dtype, copy=False)
    x: Any = np.asarray(log_n).astype(dtype, copy=False)
    y: Any = np.asarray(log_d).astype(dtype, copy=False)
    e: Any
    if form == "chinchilla":
        a, b, e, al, be = (th[..., k, None] for k in range(5))
        t1 = a - al * x
        t2 = b - be * y
        top = np.maximum(np.maximum(t1, t2), e)
        w1, w2, w3 = np.exp(t1 - top), np.exp(t2 - top), np.exp(e - top)
        tot = w1 + w2 + w3
        m = top + np.log(tot)
        if not jacobian:
            return m, None
        inv = 1.0 / tot
        p1, p2, p3 = w1 * inv, w2 * inv, w3 * inv
        jac = np.stack([p1, p2, p3, -x * p1, -y * p2], axis=-1)
        return m, jac
    # l2l and kaplan share the inner term  w = β·log((A/N)^(α/β) + B/D)
    if form == "l2l":
        a, b, e, al, be = (th[..., k, None] for k in range(5))
    elif form == "kaplan":
        a, b, al, be = (th[..., k, None] for k in range(4))
        e = None
    else:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    ratio = al / be
    u = ratio * (a - x)
    s, q = _lse2(u, b - y)
    w = be * s
    if e is None:
        m = w
    else:
        m, pe = _lse2(np.broadcast_to(e, w.shape), w)
    if not jacobian:
        return m, None
    dw = [al * q, be * (1.0 - q), q * (a - x), s - q * u]  # d w / d(a, b, α, β)
    if e is None:
        cols = dw
    else:
        pw = 1.0 - pe
        cols = [pw * dw[0], pw * dw[1], pe, pw * dw[2], pw * dw[3]]
    jac = np.stack([np.broadcast_to(c, m.shape) for c in cols], axis=-1)
    return m, jac


def log_line(lx: ArrayLike, ly: ArrayLike) -> tuple[float, float, float]:
    """The least-squares line ly = log K + κ·lx, the core of every loss-to-loss fit (with E0, E1 fixed, the shifted
    power law y = K·(x − E0)^κ + E1 is this line in log–log space): returns (K, κ, R²)."""
    x = np.asarray(lx, dtype=np.float64)
    y = np.asarray(ly, dtype=np.float64)
    xm, ym = x.mean(), y.mean()
    sxx = float(np.sum((x - xm) ** 2))
    if sxx <= 0:
        raise FitError("all source losses are equal: a power law needs at least two distinct values")
    kappa = float(np.sum((x - xm) * (y - ym)) / sxx)
    log_k = float(ym - kappa * xm)
    syy = float(np.sum((y - ym) ** 2))
    r2 = 1.0 - float(np.sum((y - (log_k + kappa * x)) ** 2)) / syy if syy > 0 else 1.0
    return math.exp(log_k), kappa, r2


@dataclass(frozen=True)
class ScalingLaw:
    """A scaling law L(N, D) of one form with its parameters (A, B, E as plain scales, not logs).

    For ``kaplan`` E is 0 by definition.
    """

    form: Form
    A: float
    B: float
    E: float
    alpha: float
    beta: float

    @classmethod
    def from_theta(cls, form: str, theta: ArrayLike) -> ScalingLaw:
        th = [float(t) for t in np.asarray(theta, dtype=np.float64)]
        f = check_form(form)
        if f == "kaplan":
            a, b, al, be = th
            return cls(f, float(np.exp(a)), float(np.exp(b)), 0.0, al, be)
        a, b, e, al, be = th
        return cls(f, float(np.exp(a)), float(np.exp(b)), float(np.exp(e)), al, be)

    @property
    def theta(self) -> Array:
        if self.form == "kaplan":
            return np.array([np.log(self.A), np.log(self.B), self.alpha, self.beta])
        return np.array([np.log(self.A), np.log(self.B), np.log(self.E), self.alpha, self.beta])

    @property
    def a_opt(self) -> float:
        """Exponent of the compute-optimal model size in compute, N* ∝ C^a: a = β/(α+β) for every form."""
        return self.beta / (self.alpha + self.beta)

    def predict(self, N: ArrayLike, D: ArrayLike) -> Array:
        """Predicted loss at (N, D); broadcasts."""
        n, d = np.broadcast_arrays(np.asarray(N, dtype=np.float64), np.asarray(D, dtype=np.float64))
        flat = log_loss(self.form, self.theta, np.log(n.ravel()), np.log(d.ravel()))
        return np.exp(flat).reshape(n.shape)

    def compute_optimal(self, C: ArrayLike, flops_per_param_token: float = 6.0) -> tuple[Array, Array]:
        """Compute-optimal (N*, D*) at budget C = k·N·D (k = 6 by default), in closed form.

        Eq. 1: G = (αA/(βB))^(1/(α+β)), N* = G·(C/k)^(β/(α+β)).
        Eq. 2 and 3 (E does not move the optimum): G = α·A^(α/β)/(β·B), N* = (G·C/k)^(β/(α+β)).
        """
        c = np.asarray(C, dtype=np.float64) / flops_per_param_token
        al, be = self.alpha, self.beta
        if self.form == "chinchilla":
            log_g = (np.log(al * self.A) - np.log(be * self.B)) / (al + be)
            log_n = log_g + be / (al + be) * np.log(c)
        else:
            log_g = np.log(al / be) + (al / be) * np.log(self.A) - np.log(self.B)
            log_n = be / (al + be) * (log_g + np.log(c))
        n_opt = np.exp(log_n)
        return n_opt, c / n_opt

    def translated(self, K: float, kappa: float, E1: float) -> ScalingLaw:
        """This law pushed through L1 = K·(L − E)^κ + E1, which is again an Eq. 3 law (the paper's closure):
        A' = A·K^(1/(κα)), B' = B·K^(1/(κβ)), α' = κα, β' = κβ, E' = E1. Kaplan's form is Eq. 3 with E = 0.
        Eq. 1 is not closed under the power law, so it has no translated law."""
        if self.form == "chinchilla":
            raise ValueError(
                "the chinchilla form (Eq. 1) is not closed under a shifted power law; use l2l (Eq. 3)"
            )
        # In logs: K^(1/(κα)) overflows a float when κα is small (a near-flat translation).
        log_a = math.log(self.A) + math.log(K) / (kappa * self.alpha)
        log_b = math.log(self.B) + math.log(K) / (kappa * self.beta)
        if not (abs(log_a) < _LOG_MAX and abs(log_b) < _LOG_MAX):
            raise ValueError(
                f"the translated law is out of floating-point range (K = {K:.3g}, κ = {kappa:.3g}): "
                "this translation does not define a usable scaling law"
            )
        return ScalingLaw(
            "l2l",
            A=math.exp(log_a),
            B=math.exp(log_b),
            E=E1,
            alpha=kappa * self.alpha,
            beta=kappa * self.beta,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "A": self.A,
            "B": self.B,
            "E": self.E,
            "alpha": self.alpha,
            "beta": self.beta,
            "a": self.a_opt,
        }
