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

import functools
import math
import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.checks import real_array
from l2l.base.errors import ChoiceError, FitError, UsageError

Form = Literal["l2l", "chinchilla", "kaplan"]
FORMS: tuple[Form, ...] = ("l2l", "chinchilla", "kaplan")
FORM_EQUATIONS: dict[str, str] = {
    "l2l": "E + ((A/N)^(α/β) + B/D)^β",
    "chinchilla": "E + A/N^α + B/D^β",
    "kaplan": "((A/N)^(α/β) + B/D)^β",
}
#: The equation of a set of laws each in its own form (``--form auto``).
PER_LAW_EQUATION = "per law: each law's own form and equation"
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
        raise ChoiceError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}", param="form")
    return form


# -- evaluation -----------------------------------------------------------------------------------------------------
# A fit evaluates a law at a stack of S parameter vectors and n points thousands of times: one pass of the law,
# its value and what its derivatives need, written into per-thread scratch buffers that are reused from call to
# call (no (S, n) temporary is allocated per call, none is page-faulted in), and derivatives as either the full
# Jacobian or, for a gradient, weighted row sums (J^T ψ) without forming the Jacobian.

_SCRATCH = threading.local()
# Largest block of one pass (parameter vectors × points): 2^20 elements, 8 MB of float64 per scratch buffer.
BLOCK_ELEMENTS = 1 << 20
# The (S, n) views of the scratch buffers are kept by shape (a view costs more to make than to look up): at most this
# many, all dropped when a buffer grows.
_MAX_VIEWS = 512


def scratch(name: str, shape: tuple[int, int], dtype: Any = np.float64) -> Any:
    """A per-thread (S, n) buffer, reused across calls: its contents are garbage, and it stays valid only until the
    next call that asks for the same name and dtype (never return one to a caller that keeps it)."""
    store: dict[Any, Any] = _SCRATCH.__dict__
    views: dict[Any, Any] | None = store.get("views")
    if views is None:
        views = store["views"] = {}
    view = views.get((name, dtype, shape))
    if view is not None:
        return view
    size = shape[0] * shape[1]
    key = (name, dtype)
    buf = store.get(key)
    if buf is None or buf.size < size:
        buf = store[key] = np.empty(max(size, 1024), dtype=dtype)
        views.clear()  # views of the old buffer would keep it alive
    if len(views) >= _MAX_VIEWS:
        views.clear()
    view = views[(name, dtype, shape)] = buf[:size].reshape(shape)
    return view


def scratches(names: tuple[str, ...], shape: tuple[int, int], dtype: Any = np.float64) -> tuple[Any, ...]:
    """``scratch`` of each of ``names`` at once (one look-up for a pass's buffers, kept by shape like the views)."""
    views: dict[Any, Any] | None = _SCRATCH.__dict__.get("views")
    key = (names, dtype, shape)
    got = None if views is None else views.get(key)
    if got is not None:
        return got  # type: ignore[no-any-return]
    out = tuple(scratch(name, shape, dtype) for name in names)
    views = _SCRATCH.__dict__["views"]  # (a buffer that grew above cleared the views: keep the set after it)
    views[key] = out
    return out


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: Any) -> Any:
    """A read-only vector of n ones (the row sums of a pass are matrix-vector products with it)."""
    out = np.ones(n, dtype=dtype)
    out.flags.writeable = False
    return out


def _lse_into(u: Any, v: Any, out: Any, bufs: tuple[Any, ...], weight: bool) -> Any:
    """out = log(e^u + e^v), in place, from one exp and one log; returns the weight e^u/(e^u + e^v) (the scratch
    buffer ``bufs[3]``) when asked (``bufs``: four scratch buffers z, t, sign, weight of out's shape). log(1 + z)
    with z ≤ 1 is exact to the last bit of the sum (not log1p: numpy's log is vectorised, log1p is not, and the
    absolute error of the sum is the same). Only cheap vectorised ufuncs (a masked copy costs as much as an exp)."""
    z, t, sg, q = bufs
    if weight:
        np.subtract(u, v, out=z)
        np.sign(z, out=sg)
        np.abs(z, out=z)
        np.negative(z, out=z)
    else:
        np.minimum(u, v, out=z)
    np.maximum(u, v, out=out)
    if not weight:
        np.subtract(z, out, out=z)
    np.exp(z, out=z)  # e^(min − max) ≤ 1
    np.add(z, 1.0, out=t)
    if weight:
        np.divide(1.0, t, out=q)  # 1/(1+z): the weight of the larger term; the smaller has 1 − that
        np.subtract(q, 0.5, out=q)
        np.multiply(q, sg, out=q)
        np.add(q, 0.5, out=q)  # the weight of u: ½ ± (1/(1+z) − ½)
    np.log(t, out=t)
    np.add(out, t, out=out)
    return q if weight else None


@dataclass(frozen=True)
class Pass:
    """One evaluation of a law at (S, P) parameters: log L̂ (S, n) in ``m`` and what its derivatives need. Its
    arrays are scratch buffers: valid until the next evaluation in this thread."""

    form: str
    theta: Any  # (S, P)
    x: Any
    y: Any
    m: Any
    saved: tuple[Any, ...]

    def columns(self) -> list[Any]:
        """d log L̂ / d θ_k for each optimizer coordinate, (S, n) each (broadcast where constant)."""
        th, x, y = self.theta, self.x, self.y
        if self.form == "chinchilla":
            p1, p2, p3 = self.saved
            return [p1, p2, p3, -x * p1, -y * p2]
        q, s, u, pe = self.saved
        a, al, be = th[:, 0:1], th[:, -2:-1], th[:, -1:]
        dw = [al * q, be * (1.0 - q), q * (a - x), s - q * u]  # d w / d(a, b, α, β), w = β·s
        if pe is None:
            return dw
        pw = 1.0 - pe
        return [pw * dw[0], pw * dw[1], pe, pw * dw[2], pw * dw[3]]

    def jacobian(self) -> Any:
        """The Jacobian (S, n, P), a new array."""
        return np.stack([np.broadcast_to(c, self.m.shape) for c in self.columns()], axis=-1)

    def vjp(self, psi: Any, *, rowwise: bool = False, segments: list[slice] | None = None) -> Any:
        """J^T ψ for residual weights ψ (S, n): Σ_i ψ_i d log L̂_i / dθ, (S, P), without forming J.

        Each form's gradient is a few weighted row sums of the saved terms (matrix-vector products). With
        ``rowwise`` each row's sums are taken as a pass of that row alone takes them (a dot product per row: a
        stack's matrix-vector product sums in another order, different in the last bits), so that a row of a
        stack gets the gradient bit for bit as if evaluated alone (``l2l.core.search.polish_rows``). With
        ``segments`` (blocks of rows) the products are taken block by block: each block's rows get the numbers
        they get as a stack of their own (a stack of problems, ``l2l.core.search.Problem.stack``)."""
        th, x, y = self.theta, self.x, self.y
        ones = _ones(x.shape[0], self.m.dtype)
        dot: Any = np.vecdot if rowwise else np.matmul if segments is None else _by_segments(segments)
        g = np.empty(th.shape, dtype=self.m.dtype)
        if self.form == "chinchilla":
            p1, p2, p3 = self.saved
            (t,) = scratches(("vjp_t",), self.m.shape, self.m.dtype)
            for k, (p, col) in enumerate(((p1, x), (p2, y))):
                np.multiply(psi, p, out=t)
                g[:, k] = dot(t, ones)
                g[:, 3 + k] = -dot(t, col)
            np.multiply(psi, p3, out=t)
            g[:, 2] = dot(t, ones)
            return g
        q, s, u, pe = self.saved
        al, be = th[:, -2], th[:, -1]
        pp, pq = scratches(("vjp_p", "vjp_q"), self.m.shape, self.m.dtype)  # P = ψ·dL̂/dw
        if pe is None:
            np.copyto(pp, psi)
        else:
            np.multiply(psi, pe, out=pp)
            g[:, 2] = dot(pp, ones)  # Σ ψ·pe
            np.subtract(psi, pp, out=pp)  # ψ·(1 − pe)
        s_ps = np.vecdot(pp, s)
        np.multiply(pp, q, out=pq)
        s_pqu = np.vecdot(pq, u)
        g[:, 0] = al * dot(pq, ones)  # α Σ P q
        np.subtract(pp, pq, out=pp)
        g[:, 1] = be * dot(pp, ones)  # β Σ P (1 − q)
        # every sum of products taken as it stands, never as a difference of two large sums (a·ΣPq − ΣPq·x
        # cancels at a ≈ log N): Σ P q (a − x) = Σ P q u / (α/β) and Σ P (s − q u)
        g[:, -2] = s_pqu * (be / al)
        g[:, -1] = s_ps - s_pqu
        return g


def _by_segments(segments: list[slice]) -> Any:
    """A matrix-vector product taken block of rows by block of rows (``Pass.vjp``)."""

    def dot(a: Any, b: Any) -> Any:
        out = np.empty(a.shape[0], dtype=a.dtype)
        for seg in segments:
            out[seg] = np.matmul(a[seg], b)
        return out

    return dot


def evaluate(
    form: str, theta: ArrayLike, log_n: ArrayLike, log_d: ArrayLike, *, derivatives: bool = True
) -> Pass:
    """One pass of the law at a stack of parameters (S, P) (or one vector (P,), treated as S = 1).

    float32 in, float32 out (the fitter's coarse first round uses it to halve memory traffic). With
    ``derivatives`` the pass keeps what ``Pass.jacobian`` and ``Pass.vjp`` need."""
    raw = np.asarray(theta)
    dtype = np.float32 if raw.dtype == np.float32 else np.float64
    th: Any = np.atleast_2d(raw.astype(dtype, copy=False))
    x: Any = np.asarray(log_n).astype(dtype, copy=False)
    y: Any = np.asarray(log_d).astype(dtype, copy=False)
    shape = (th.shape[0], x.shape[0])
    if form == "chinchilla":
        m, t1, t2, t3, tot = scratches(_CHINCHILLA_BUFFERS, shape, dtype)
        np.multiply(th[:, 3:4], x, out=t1)
        np.subtract(th[:, 0:1], t1, out=t1)  # a − α·log N
        np.multiply(th[:, 4:5], y, out=t2)
        np.subtract(th[:, 1:2], t2, out=t2)  # b − β·log D
        e = th[:, 2:3]
        np.maximum(t1, t2, out=m)
        np.maximum(m, e, out=m)
        np.subtract(t1, m, out=t1)
        np.exp(t1, out=t1)
        np.subtract(t2, m, out=t2)
        np.exp(t2, out=t2)
        np.subtract(e, m, out=t3)
        np.exp(t3, out=t3)
        np.add(t1, t2, out=tot)
        np.add(tot, t3, out=tot)
        if derivatives:
            for t in (t1, t2, t3):
                np.divide(t, tot, out=t)
        np.log(tot, out=tot)
        np.add(m, tot, out=m)
        return Pass(form, th, x, y, m, (t1, t2, t3) if derivatives else ())
    if form not in ("l2l", "kaplan"):
        check_form(form)
    # l2l and kaplan share the inner term  w = β·s,  s = log((A/N)^(α/β) + B/D) = lse(u, v)
    a, b, al, be = th[:, 0:1], th[:, 1:2], th[:, -2:-1], th[:, -1:]
    bufs = scratches(_INNER_BUFFERS, shape, dtype)
    m, u, v, s = bufs[:4]
    np.subtract(a, x, out=u)
    np.multiply(u, al / be, out=u)
    np.subtract(b, y, out=v)
    q = _lse_into(u, v, s, bufs[4:8], derivatives)
    if form == "kaplan":
        np.multiply(s, be, out=m)
        return Pass(form, th, x, y, m, (q, s, u, None) if derivatives else ())
    np.multiply(s, be, out=v)  # w (v is free now)
    pe = _lse_into(th[:, 2:3], v, m, bufs[8:12], derivatives)
    return Pass(form, th, x, y, m, (q, s, u, pe) if derivatives else ())


# The scratch buffers of a pass (names as ``scratch`` keeps them): Eq. 1's, and Eq. 3's and 2's (log L̂, the two
# terms and their log-sum, then the buffers of the inner and the outer log-sum).
_CHINCHILLA_BUFFERS = ("m", "t1", "t2", "t3", "tot")
_INNER_BUFFERS = ("m", "u", "v", "s", "inz", "int", "insg", "inq", "outz", "outt", "outsg", "outq")


def row_blocks(rows: int, n: int) -> list[slice]:
    """Row blocks of at most ``BLOCK_ELEMENTS`` (parameter vectors × points): the scratch buffers a pass keeps
    between calls stay at most that size, however large the stack."""
    step = max(1, BLOCK_ELEMENTS // max(1, n))
    return [slice(i, i + step) for i in range(0, max(rows, 1), step)]


def log_loss(form: str, theta: ArrayLike, log_n: ArrayLike, log_d: ArrayLike) -> Array:
    """log L̂ at each (N, D) for parameters ``theta`` (..., P). Returns (..., n), a new array."""
    return log_loss_and_jacobian(form, theta, log_n, log_d, jacobian=False)[0]


def log_loss_and_jacobian(
    form: str, theta: ArrayLike, log_n: ArrayLike, log_d: ArrayLike, *, jacobian: bool = True
) -> tuple[Array, Array | None]:
    """log L̂ (..., n) and, if asked, its Jacobian (..., n, P) with respect to the optimizer coordinates: new
    arrays."""
    raw = np.asarray(theta)
    lead, p = raw.shape[:-1], raw.shape[-1]
    flat = raw.reshape(-1, p)
    n = np.asarray(log_n).shape[-1]
    dtype = np.float32 if raw.dtype == np.float32 else np.float64
    m: Array = np.empty((len(flat), n), dtype=dtype)
    jac: Array | None = np.empty((len(flat), n, p), dtype=dtype) if jacobian else None
    for block in row_blocks(len(flat), n):
        ev = evaluate(form, flat[block], log_n, log_d, derivatives=jacobian)
        m[block] = ev.m
        if jac is not None:
            for k, col in enumerate(ev.columns()):
                jac[block, :, k] = col  # each column written in place (no stacked copy)
    if jac is None:
        return m.reshape(*lead, n), None
    return m.reshape(*lead, n), jac.reshape(*lead, n, p)


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


def paired(n: Array, d: Array) -> tuple[Array, Array]:
    """N and D broadcast together; UsageError where their shapes cannot be (3 sizes beside 2 token counts raised
    numpy's shape mismatch)."""
    try:
        a, b = np.broadcast_arrays(n, d)
    except ValueError:
        raise UsageError(
            f"N and D must be of one length (or one of them a single value), got {n.size} and {d.size}",
            param="N",
        ) from None
    return a, b


def _positive(values: ArrayLike, name: str) -> Array:
    """``values`` as floats, every one finite and > 0 (UsageError naming ``name`` otherwise)."""
    arr = real_array(values, name)  # text ("1e9") was read as a number
    if not bool(np.all(np.isfinite(arr) & (arr > 0))):
        raise UsageError(f"{name} must be finite and > 0, got {values!r}", param=name)
    return arr


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
        """Predicted loss at (N, D); broadcasts. N and D must be finite and > 0 (UsageError): a law at N = −1e9
        returned nan, at 0 inf, with only numpy's warnings."""
        n, d = paired(_positive(N, "N"), _positive(D, "D"))
        flat = log_loss(self.form, self.theta, np.log(n.ravel()), np.log(d.ravel()))
        return np.exp(flat).reshape(n.shape)

    def compute_optimal(self, C: ArrayLike, flops_per_param_token: float = 6.0) -> tuple[Array, Array]:
        """Compute-optimal (N*, D*) at budget C = k·N·D (k = 6 by default), in closed form.

        Eq. 1: G = (αA/(βB))^(1/(α+β)), N* = G·(C/k)^(β/(α+β)).
        Eq. 2 and 3 (E does not move the optimum): G = α·A^(α/β)/(β·B), N* = (G·C/k)^(β/(α+β)).
        """
        c = _positive(C, "C") / _positive(flops_per_param_token, "flops_per_param_token")
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
