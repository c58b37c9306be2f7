"""The numeric engine behind ``fit_law``: objective, bounds, start grid, batched search and polish.

Private module: ``fit.py`` is the public face. Everything here works on plain arrays of log N, log D, log L.

Why this design (see ../shared/FITTING.md for the measurements behind it):
- The log-Huber objective is non-convex with flat ridges, so one start is not enough. Looping scipy over the
  4,500-start grid of Hoffmann et al. costs minutes per fit.
- Instead every start moves at once: a batched Levenberg-Marquardt on the iteratively reweighted (IRLS) form of
  the Huber loss, all starts as one (S, n, P) array. Starts that lag are dropped in rounds (successive halving).
  The first round only ranks starts and runs in float32 (half the memory traffic). Scoring the grid once and
  moving only the best-scored starts was measured and rejected: it lost the optimum of some Kaplan fits by
  up to 74 %.
- The few best distinct end points are polished by L-BFGS-B on the true objective with analytic gradients,
  rescaled and with stopping rules tight enough not to stop early (the objective is ~1e-3), and the winner is
  restarted once to confirm it is a minimum.
- Since issue 13 the starts are data-driven (``profile_starts``: variable projection, the scales solved in closed
  form on a grid of E and exponents) instead of the 4,500-point grid, which is kept for the exploration of fits
  that end on a bound and for ``thorough``. ``find_minimum`` is the whole search as ``fit_law`` runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise, product
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.core.laws import (
    BLOCK_ELEMENTS,
    PARAM_NAMES,
    Array,
    evaluate,
    log_loss,
    log_loss_and_jacobian,
    row_blocks,
    scratches,
)

Objective = Literal["huber", "mse"]

try:  # the ufunc behind np.clip, without its Python wrapping (the same numbers; a line search clips every block)
    from numpy._core.umath import clip as _clip  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another numpy
    _clip = np.clip
# ``ndarray.any`` without its Python wrapping (``numpy._core._methods._any``): the descents ask it of small boolean
# arrays several times an iteration
_any = np.logical_or.reduce

# The grid of Hoffmann et al. (2022): α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}.
GRID_EXPONENTS = (0.0, 0.5, 1.0, 1.5, 2.0)
GRID_E = (-1.0, -0.5, 0.0, 0.5, 1.0)
GRID_AB = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)

EXPONENT_BOUNDS = (1e-3, 3.0)
AB_BOUNDS = (-20.0, 80.0)
# E is kept in (0, min L]: the upper bound is the smallest loss seen; below, 10 e-folds under it is "E ≈ 0".
E_SPAN = 10.0


@dataclass(frozen=True)
class Problem:
    """The objective of one law on one set of runs, or of a stack of such problems on the same runs (N, D).

    A stack: ``log_l`` (S, n) gives each row (start, draw, cutoff weighting) its own targets, and so its own box
    (E below the row's smallest loss: ``bounds`` is then (S, P)); ``stack`` (S,) says which problem each row
    belongs to, the rows of one problem adjacent. Every per-row operation is row-independent, and the row sums
    that a pass takes as one matrix-vector product of its rows (``Pass.vjp``: the order of summation depends on
    the rows beside a row) are taken problem by problem, so that each problem's rows get the numbers they get
    when the problem is moved alone (``stacked``)."""

    form: str
    log_n: Array
    log_d: Array
    log_l: Array  # (n,), or (S, n): each row its own targets
    objective: Objective = "huber"
    delta: float = 1e-3
    # Per-point weights (a bootstrap draw counts how often each point was drawn); None means all 1.
    weights: Array | None = None
    # Which problem of a stack each row is (S,), rows of one problem adjacent; None: one problem.
    stack: NDArray[np.intp] | None = None
    # log E held fixed, one per row (S,) (its box closed to that value: a profile over E); None: E free.
    e_fixed: Array | None = None

    def rows_of(self, idx: slice | NDArray[np.intp]) -> Problem:
        """The problem for some rows of a stack: per-row point weights (S, n), targets (S, n) and problem labels
        cut to them."""
        per_row_w = self.weights is not None and self.weights.ndim == 2
        if not per_row_w and self.log_l.ndim == 1 and self.stack is None and self.e_fixed is None:
            return self
        return replace(
            self,
            weights=self.weights[idx] if per_row_w and self.weights is not None else self.weights,
            log_l=self.log_l[idx] if self.log_l.ndim == 2 else self.log_l,
            stack=None if self.stack is None else self.stack[idx],
            e_fixed=None if self.e_fixed is None else self.e_fixed[idx],
        )

    def row(self, i: int) -> Problem:
        """Row ``i`` of a stack as a problem of its own (its targets and point weights)."""
        w = self.weights
        return replace(
            self,
            weights=w[i] if w is not None and w.ndim == 2 else w,
            log_l=self.log_l[i] if self.log_l.ndim == 2 else self.log_l,
            stack=None,
            e_fixed=None if self.e_fixed is None else self.e_fixed[i : i + 1],
        )

    def segments(self) -> list[slice] | None:
        """The rows of each problem of a stack (None: one problem)."""
        st = self.stack
        if st is None or len(st) < 2:
            return None
        cut = np.flatnonzero(st[1:] != st[:-1])
        if not len(cut):
            return None
        edges = [0, *(cut + 1).tolist(), len(st)]
        return [slice(a, b) for a, b in pairwise(edges)]

    @property
    def n_params(self) -> int:
        return len(PARAM_NAMES[self.form])

    @property
    def n_points(self) -> int:
        return int(self.log_l.shape[-1])

    def bounds(self) -> tuple[Array, Array]:
        """The search box: (P,) each, or (S, P) for a stack with per-row targets."""
        e_max = np.min(self.log_l, axis=-1).astype(np.float64)  # a number, or (S,): each row's smallest loss
        names = PARAM_NAMES[self.form]
        rows = np.shape(e_max) if self.e_fixed is None else np.shape(self.e_fixed)
        lo = np.empty((*rows, len(names)))
        hi = np.empty_like(lo)
        for k, name in enumerate(names):
            if name in ("a", "b"):
                lo[..., k], hi[..., k] = AB_BOUNDS
            elif name == "e" and self.e_fixed is not None:
                lo[..., k] = hi[..., k] = self.e_fixed
            elif name == "e":
                lo[..., k] = e_max - E_SPAN
                hi[..., k] = e_max
            else:
                lo[..., k], hi[..., k] = EXPONENT_BOUNDS
        return lo, hi

    # -- objective ------------------------------------------------------------------------------------------
    def residuals(self, theta: Array) -> Array:
        return self.log_l - log_loss(self.form, theta, self.log_n, self.log_d)

    def loss_of_residuals(self, r: Array, weights: Array | None = None) -> Array:
        """Objective summed over the last axis (unscaled: the number that is reported)."""
        if self.objective == "mse":
            per = r * r
        else:
            a = np.abs(r)
            d = self.delta
            per = np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))
        w = self.weights if weights is None else weights
        total: Array = np.sum(per if w is None else per * w, axis=-1)
        return total

    def value(self, theta: Array) -> Array:
        """Unscaled objective of one parameter vector (P,) or each of a stack (S, P)."""
        return self._pass(theta, derivatives=False)[0]

    @property
    def scale(self) -> float:
        # The raw objective is ~1e-3: default stopping rules stop early on it. Divide by δ² so it is O(n).
        return 1.0 / (self.delta * self.delta)

    def scaled_value_and_grad(self, theta: Array, *, rowwise: bool = False) -> tuple[Array, Array]:
        """Scaled objective and gradient, for one parameter vector (P,) or a stack (S, P). ``rowwise``: each row
        of a stack bit for bit as if evaluated alone (``Pass.vjp``)."""
        f, g = self._pass(theta, derivatives=True, rowwise=rowwise)
        assert g is not None
        return f * self.scale, g * self.scale

    def _pass(self, theta: Array, *, derivatives: bool, rowwise: bool = False) -> tuple[Array, Array | None]:
        """One pass of the law and the objective; the gradient as J^T ψ (no Jacobian). Scratch buffers only, no
        (S, n) array allocated: this is the inner loop of every search. A stack larger than ``BLOCK_ELEMENTS``
        (starts × points) goes in row blocks, so that the buffers kept between calls stay small."""
        th = np.asarray(theta)
        big = th.ndim == 2 and len(th) * self.n_points > BLOCK_ELEMENTS
        blocks = row_blocks(len(th), self.n_points) if big else []
        # (a stack's rows split mid-problem would sum otherwise than alone: stacks are sized to stay one block)
        assert not (len(blocks) > 1 and derivatives and not rowwise and self.segments() is not None)
        if len(blocks) > 1:
            parts = [self.rows_of(b)._pass(th[b], derivatives=derivatives, rowwise=rowwise) for b in blocks]
            f_all = np.concatenate([f for f, _ in parts])
            return f_all, np.concatenate([g for _, g in parts]) if derivatives else None
        ev = evaluate(self.form, th, self.log_n, self.log_d, derivatives=derivatives)
        shape, dtype = ev.m.shape, ev.m.dtype
        r, psi = scratches(("obj_r", "obj_psi"), shape, dtype)
        np.subtract(self.log_l, ev.m, out=r)
        if self.objective == "mse":
            np.copyto(psi, r)
        else:
            # ψ = r clipped to ±δ: the clip ufunc itself (np.clip's Python wrapping costs more than the arithmetic;
            # np.maximum then np.minimum against a number, the same numbers, took 4-5x as long as it)
            _clip(r, -self.delta, self.delta, out=psi)
            np.multiply(psi, -0.5, out=ev.m)  # m is free: per-point Huber = ψ·(r − ψ/2)
            np.add(r, ev.m, out=r)
        np.multiply(psi, r, out=r)  # per-point loss
        if self.weights is not None:
            np.multiply(r, self.weights, out=r)
            if derivatives:  # (ψ is the gradient's only)
                np.multiply(psi, self.weights, out=psi)
        f = np.add.reduce(r, axis=-1)  # np.sum without its wrapping
        g = None
        if derivatives:
            if self.objective == "mse":
                np.multiply(psi, 2.0, out=psi)
            g = -ev.vjp(psi, rowwise=rowwise, segments=None if rowwise else self.segments())
        if th.ndim == 1:
            return f[0], None if g is None else g[0]
        return f, g


def hoffmann_grid(problem: Problem) -> Array:
    """The 4,500 starts of Hoffmann et al. (900 for Kaplan), clipped into the bounds and deduplicated."""
    lo, hi = problem.bounds()
    grid = np.clip(_raw_grid(problem.form), lo, hi)
    return np.unique(grid, axis=0)


@cache
def _raw_grid(form: str) -> Array:
    axes = []
    for name in PARAM_NAMES[form]:
        axes.append(GRID_AB if name in ("a", "b") else GRID_E if name == "e" else GRID_EXPONENTS)
    grid: Array = np.array(list(product(*axes)), dtype=np.float64)
    grid.flags.writeable = False
    return grid


def exponent_pair_starts(
    problem: Problem, starts: Array, per_pair: int = 1, scores: Array | None = None
) -> Array:
    """The ``per_pair`` best-scored starts of each (α, β) pair of the grid: a small, diverse set of raw starts.

    ``scores`` are the starts' objectives when already known (they are computed otherwise)."""
    lo, hi = problem.bounds()
    clipped = np.clip(starts, lo, hi)
    score = problem.value(clipped) if scores is None else scores
    _, group = np.unique(clipped[:, -2:], axis=0, return_inverse=True)
    group = group.ravel()
    # within each pair, by score (stable: ties keep the starts' order); the first per_pair of each group
    order = np.lexsort((np.arange(len(score)), score, group))
    g_sorted = group[order]
    first = np.searchsorted(g_sorted, g_sorted, side="left")
    chosen = order[np.arange(len(order)) - first < per_pair]
    out: Array = clipped[np.sort(chosen)]
    return out


def _irls_weights(problem: Problem, r: Array) -> Array:
    if problem.objective == "mse":
        return np.ones_like(r)
    a = np.abs(r)
    # (max(|r|, δ) as the clip ufunc: np.maximum against a number is several times slower, the same numbers)
    return np.where(a <= problem.delta, 1.0, problem.delta / _clip(a, problem.delta, np.inf))


def batched_search(
    problem: Problem,
    starts: Array,
    *,
    rounds: tuple[tuple[int, float], ...] = ((3, 0.1), (10, 0.25), (30, 1.0)),
    weights: Array | None = None,
    progress: Callable[[int, int], None] | None = None,
    sort: bool = True,
    coarse: bool = True,
) -> tuple[Array, Array]:
    """Move all starts at once with IRLS Levenberg-Marquardt; keep a fraction after each round.

    ``rounds`` is a list of (iterations, fraction kept at the end of the round). Returns (thetas, objectives) of
    the survivors, best first (in the starts' order with ``sort=False`` and no pruning). One pass over the data
    per iteration: the trial point's value and Jacobian are computed together and kept where the step is
    accepted. ``weights`` (S, n) gives each start its own point weights. With ``coarse`` the first round runs in
    float32 (not for a stack of problems). A stack of problems (``Problem.stack``) is pruned and sorted problem
    by problem, each as if alone.
    """
    dtype = problem.log_l.dtype
    lo, hi = (b.astype(dtype) for b in problem.bounds())
    theta = np.clip(np.asarray(starts).astype(dtype), lo, hi)
    if coarse and rounds and weights is None and problem.log_l.ndim == 1 and problem.stack is None:
        # The first round only ranks starts: float32 is precise enough for that (residuals ~1e-3, eps ~1e-7) and
        # moves half the bytes. The survivors continue in float64.
        p32 = replace(
            problem,
            log_n=problem.log_n.astype(np.float32),
            log_d=problem.log_d.astype(np.float32),
            log_l=problem.log_l.astype(np.float32),
        )
        theta, _ = batched_search(p32, theta.astype(np.float32), rounds=rounds[:1], sort=False, coarse=False)
        theta = theta.astype(np.float64)
        rounds = rounds[1:]
    segments = problem.segments()
    m, jac = log_loss_and_jacobian(problem.form, theta, problem.log_n, problem.log_d)
    assert jac is not None
    r = problem.log_l - m
    base = weights if weights is not None else problem.weights
    pw = np.broadcast_to(np.ones_like(r) if base is None else np.asarray(base, dtype=dtype), r.shape).copy()
    f = problem.loss_of_residuals(r, pw)
    lam = np.full(theta.shape[0], 1e-2, dtype=dtype)
    eye = np.eye(problem.n_params, dtype=dtype)
    total = sum(it for it, _ in rounds)
    step_no = 0
    for iters, keep in rounds:
        for _ in range(iters):
            w = _irls_weights(problem, r) * pw
            jw_t = np.swapaxes(jac * w[..., None], -1, -2)  # (S, P, n)
            g = np.matmul(jw_t, r[..., None])  # (S, P, 1)
            h = np.matmul(jw_t, jac)  # (S, P, P)
            diag = np.einsum("spp->sp", h)
            damped = h + (lam[:, None] * diag + 1e-12)[:, :, None] * eye
            step = _lm_step(damped, g, segments)
            trial = _clip(theta + step, lo, hi)
            m_t, jac_t = log_loss_and_jacobian(problem.form, trial, problem.log_n, problem.log_d)
            assert jac_t is not None
            r_t = problem.log_l - m_t
            f_t = problem.loss_of_residuals(r_t, pw)
            better = np.isfinite(f_t) & (f_t < f)
            theta = np.where(better[:, None], trial, theta)
            f = np.where(better, f_t, f)
            r[better] = r_t[
                better
            ]  # (r and jac are this search's own arrays: kept rows overwritten in place)
            jac[better] = jac_t[better]
            lam = _clip(np.where(better, lam / 3.0, lam * 4.0), 1e-9, 1e9).astype(dtype, copy=False)
            step_no += 1
            if progress is not None:
                progress(step_no, total)
        if keep >= 1.0:
            continue
        idx = _ranked(f, segments, keep)
        theta, f, lam, r, jac, pw = theta[idx], f[idx], lam[idx], r[idx], jac[idx], pw[idx]
        problem = problem.rows_of(idx)
        segments = problem.segments()
        if lo.ndim == 2:
            lo, hi = lo[idx], hi[idx]
    if not sort:
        return theta, f
    order = _ranked(f, segments, 1.0)
    return theta[order], f[order]


def _ranked(f: Array, segments: list[slice] | None, keep: float) -> NDArray[np.intp]:
    """The best ``keep`` fraction of rows by ``f`` (at least one), best first (stable: ties in row order); of a
    stack of problems, each problem's own, problem after problem."""
    parts = [slice(0, len(f))] if segments is None else segments
    out = []
    for seg in parts:
        order = np.argsort(f[seg], kind="stable") + seg.start
        out.append(order[: max(1, int(np.ceil(keep * len(order))))])
    idx: NDArray[np.intp] = out[0] if len(out) == 1 else np.concatenate(out)
    return idx


def _lm_step(damped: Array, g: Array, segments: list[slice] | None) -> NDArray[np.floating[Any]]:
    """The Levenberg-Marquardt steps of a stack (S, P); where a system is singular, a scaled gradient step for
    every row of its problem (all rows of a stack of one problem)."""
    try:
        step: NDArray[np.floating[Any]] = np.linalg.solve(damped, g)[..., 0]
    except np.linalg.LinAlgError:  # a singular system in the stack: fall back to a scaled gradient step
        if segments is None:
            step = g[..., 0] / (np.einsum("spp->sp", damped) + 1e-12)
        else:
            step = np.concatenate([_lm_step(damped[seg], g[seg], None) for seg in segments])
    return step


@dataclass(frozen=True)
class Polished:
    theta: Array
    value: float
    converged: bool
    message: str
    nit: int


def polish(problem: Problem, theta0: Array, *, maxiter: int = 3000) -> Polished:
    """L-BFGS-B on the true (scaled) objective from ``theta0``, stopping rules tight enough to reach the bottom.

    scipy's L-BFGS-B routine driven directly (``_Lbfgsb``): the same iterates, end point and message as
    ``scipy.optimize.minimize(method="L-BFGS-B")``, without its per-call and per-evaluation wrapping (a backtest
    polishes hundreds of times, each a few hundred evaluations of a law on a hundred points)."""
    lo, hi = problem.bounds()
    x0 = np.clip(theta0, lo, hi)
    if _scipy_lbfgsb() is None:  # scipy without the routine where it was: its public face (the same numbers)
        from scipy.optimize import minimize

        res = minimize(
            problem.scaled_value_and_grad,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=list(zip(lo, hi, strict=True)),
            options={"ftol": 0.0, "gtol": _POLISH_GTOL, "maxiter": maxiter, "maxcor": _POLISH_MEMORY},
        )
        theta = np.asarray(res.x, dtype=np.float64)
        return Polished(theta, float(problem.value(theta)), bool(res.success), str(res.message), int(res.nit))
    theta, success, message, nit = _lbfgsb_loop(problem.scaled_value_and_grad, x0, lo, hi, maxiter)
    return Polished(theta, float(problem.value(theta)), success, message, nit)


def polish_rows(
    problem: Problem, starts: Sequence[Array], weights: Array | None = None, *, maxiter: int = 3000
) -> list[Polished]:
    """``polish`` from each start (with point weights ``weights[i]`` when given, (k, n)), the k routines in
    lockstep: every round, the points they ask for are evaluated in one pass of the stack (``rowwise``: each row
    bit for bit as alone), so the iterates, end points and messages are those of ``polish`` one by one, at about
    the cost of the longest of them (a backtest's refit polishes up to 5 cutoffs, each ~100 one-θ evaluations
    that cost the pass's fixed overhead, not its arithmetic)."""

    full = problem if weights is None else replace(problem, weights=weights)
    if len(starts) < 2 or _scipy_lbfgsb() is None:
        return [polish(full.row(i), s, maxiter=maxiter) for i, s in enumerate(starts)]
    lo, hi = full.bounds()
    box = [(lo, hi) if lo.ndim == 1 else (lo[i], hi[i]) for i in range(len(starts))]
    runs = [
        _Lbfgsb(np.clip(s, b_lo, b_hi), b_lo, b_hi, maxiter)
        for s, (b_lo, b_hi) in zip(starts, box, strict=True)
    ]
    asking = list(range(len(runs)))
    sub = full
    while asking:
        f, g = sub.scaled_value_and_grad(np.array([runs[i].wanted for i in asking]), rowwise=True)
        still = [i for j, i in enumerate(asking) if runs[i].told(f[j], g[j])]
        if len(still) < len(asking) and still:
            sub = full.rows_of(np.array(still))  # (the rows that still ask, in their order)
        asking = still
    ends = np.stack([r.x for r in runs])
    values = full.value(ends)
    return [Polished(r.x, float(v), r.success, r.message, r.nit) for r, v in zip(runs, values, strict=True)]


_POLISH_GTOL = 1e-10
_POLISH_MEMORY = 20
_POLISH_MAXFUN = 15000  # scipy's default
_POLISH_MAXLS = 20  # scipy's default


@cache  # looked up at the first polish, not at import: `l2l runs` imports this module and never fits
def _scipy_lbfgsb() -> tuple[Callable[..., None], dict[int, str], dict[int, str]] | None:
    """scipy's L-BFGS-B routine and its messages, for the scipy whose ``minimize`` loop ``_Lbfgsb`` repeats
    (1.17; tests/core/test_search.py checks the two agree bit for bit); None for any other (``polish`` then calls
    ``minimize``)."""
    import scipy

    if tuple(scipy.__version__.split(".")[:2]) != ("1", "17"):
        return None
    try:
        from scipy.optimize import _lbfgsb
        from scipy.optimize._lbfgsb_py import status_messages, task_messages
    except ImportError:  # pragma: no cover - another scipy
        return None
    return _lbfgsb.setulb, status_messages, task_messages


def _lbfgsb_loop(
    fun: Callable[[Array], tuple[Array, Array]], x0: Array, lo: Array, hi: Array, maxiter: int
) -> tuple[Array, bool, str, int]:
    """scipy's ``_minimize_lbfgsb`` loop (scipy 1.17) for one start: ``_Lbfgsb`` asked until it stops. Returns
    (x, success, message, iterations)."""
    run = _Lbfgsb(x0, lo, hi, maxiter)
    while run.told(*fun(run.wanted)):
        pass
    return run.x, run.success, run.message, run.nit


class _Lbfgsb:
    """scipy's ``_minimize_lbfgsb`` loop (scipy 1.17) for finite bounds, an analytic gradient, ftol 0 and our
    tolerances, turned inside out: ``wanted`` is the point whose objective and gradient the routine asks for
    (evaluated once per distinct point, as scipy's memoisation does), ``told(f, g)`` hands them over and runs the
    routine on until it asks for another point (True) or stops (False: ``x``, ``success``, ``message``, ``nit``).
    One start's loop (``_lbfgsb_loop``) or several in lockstep (``polish_rows``)."""

    def __init__(self, x0: Array, lo: Array, hi: Array, maxiter: int) -> None:
        found = _scipy_lbfgsb()
        assert found is not None
        self._setulb, self._status, self._tasks = found
        n = len(x0)
        m = _POLISH_MEMORY
        self.maxiter = maxiter
        self.nbd = np.full(n, 2, dtype=np.int32)  # every variable bounded on both sides
        self.low = np.array(lo, dtype=np.float64)
        self.upp = np.array(hi, dtype=np.float64)
        self.x = np.array(x0, dtype=np.float64)
        self.wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, np.float64)
        self.iwa = np.zeros(3 * n, dtype=np.int32)
        self.task = np.zeros(2, dtype=np.int32)
        self.ln_task = np.zeros(2, dtype=np.int32)
        self.lsave = np.zeros(4, dtype=np.int32)
        self.isave = np.zeros(44, dtype=np.int32)
        self.dsave = np.zeros(29, dtype=np.float64)
        # scipy evaluates at x0 before its loop, then once at every point the routine asks for that differs from
        # the last one evaluated
        self.last_x = self.x.copy()
        self.wanted = self.x.copy()
        self.nfev = 0
        self.f: Array | float = np.array(0.0)
        self.g = np.zeros(n, dtype=np.float64)
        self.f_last: Array | float = self.f
        self.g_last = self.g
        self.nit = 0
        self.success = False
        self.message = ""

    def told(self, f_last: Array | float, g_last: Array) -> bool:
        """The objective and gradient at ``wanted``; True when the routine asks for another point (``wanted``)."""
        self.nfev += 1
        self.f_last, self.g_last = f_last, g_last
        if self.nfev > 1:  # the answer to the routine's last request (the first is x0's, before its loop)
            self.f, self.g = f_last, g_last
        task, x, setulb = self.task, self.x, self._setulb
        state = (self.low, self.upp, self.nbd)
        work = (self.wa, self.iwa, task, self.lsave, self.isave, self.dsave, _POLISH_MAXLS, self.ln_task)
        while True:
            self.g = self.g.astype(np.float64)
            setulb(_POLISH_MEMORY, x, *state, self.f, self.g, 0.0, _POLISH_GTOL, *work)
            if task[0] == 3:
                if _any(x != self.last_x):  # (as np.array_equal: a nan differs)
                    self.last_x = self.wanted = x.copy()  # (never written to: the routine writes x)
                    return True
                self.f, self.g = self.f_last, self.g_last
            elif task[0] == 1:
                self.nit += 1
                if self.nit >= self.maxiter:
                    task[0], task[1] = 5, 504
                elif self.nfev > _POLISH_MAXFUN:
                    task[0], task[1] = 5, 502
            else:
                break
        self.success = bool(task[0] == 4)
        self.message = self._status[int(task[0])] + ": " + self._tasks[int(task[1])]
        return False


def distinct(thetas: Array, k: int, tol: float = 1e-3) -> list[int]:
    """Indices of up to k rows of ``thetas`` (sorted best first) that are not within ``tol`` of a kept row."""
    kept: list[int] = []
    for i in range(len(thetas)):
        if all(np.max(np.abs(thetas[i] - thetas[j])) > tol for j in kept):
            kept.append(i)
            if len(kept) == k:
                break
    return kept


#: Further batched iterations for the draws of a weighted refit that the first descent leaves unsettled.
LOOSE_ITERATIONS = 1000


def weighted_refit(
    problem: Problem,
    theta0: Array,
    counts: Array,
    *,
    iterations: int = 10,
    descent_iterations: int = 100,
    loose_iterations: int = LOOSE_ITERATIONS,
    progress: Callable[[int, int], None] | None = None,
) -> Array:
    """Refit the problem under each row of point weights ``counts`` (B, n), all warm-started at ``theta0`` ((P,),
    or (B, P): each row its own start). Of a stack of problems (``Problem.stack``, see ``stacked``) each row ends
    where it ends when its problem is refitted alone.

    All draws move at once: a few rounds of the batched Levenberg-Marquardt search (fast into the basin), then
    batched projected L-BFGS on the true objective (IRLS converges only linearly on the L1-like part of the Huber
    loss; L-BFGS reaches the bottom). The draws whose end points still have a sizeable projected gradient go on
    together for up to ``loose_iterations`` (0: not), then each is polished on its own. Returns (B, P) optimizer
    coordinates in the order of ``counts``.
    """
    total = iterations + descent_iterations

    def lm_progress(step: int, _: int) -> None:
        if progress is not None:
            progress(step, total)

    def descent_progress(step: int, _: int) -> None:
        if progress is not None:
            progress(iterations + step, total)

    th0 = np.asarray(theta0, dtype=np.float64)
    starts = np.repeat(th0[None, :], counts.shape[0], axis=0) if th0.ndim == 1 else th0.copy()
    # the refit moves in the units of each row's smallest loss: the same runs in another unit (bits per byte beside
    # nats) then refit alike, their laws scaled with the unit. In the loss's own units, Eq. 3's and Eq. 2's log A
    # and log B shift by log(c)/α and log(c)/β, so the route (and its end on a flat ridge) changed with the unit:
    # a task loss in bits per byte got a 90 % interval 1.4-1.7x wider than the same loss in nats (probe h27, h28)
    shift = np.min(problem.log_l, axis=-1)
    unit_free = replace(problem, log_l=problem.log_l - np.asarray(shift)[..., None])
    steps = (iterations, descent_iterations, loose_iterations, lm_progress, descent_progress)
    # A law with an exponent near 0 (β = 0.005: the unit's shift of log B is 180 e-folds) lies outside the box in
    # those units, or would end outside it in the loss's own (A an overflow): those rows are refitted in the loss's
    # own units, as before (on such a law, a probe's bootstrap draws clipped into the box ended worse in 71 of 200)
    moved = in_units(problem.form, starts, -shift)
    out = starts.copy()
    free = _in_ab_box(moved)
    if free.any():
        rows = np.flatnonzero(free)
        back = np.asarray(shift)[rows] if np.ndim(shift) else shift
        out[rows] = in_units(
            problem.form, _refit_rows(unit_free.rows_of(rows), moved[rows], counts[rows], *steps), back
        )
    redo = np.flatnonzero(~free | ~_in_ab_box(out))
    if len(redo):
        out[redo] = _refit_rows(problem.rows_of(redo), starts[redo], counts[redo], *steps)
    return out


def _in_ab_box(theta: Array) -> NDArray[np.bool_]:
    """Which rows of optimizer coordinates (S, P) have log A and log B finite and inside ``AB_BOUNDS``."""
    ab = theta[:, :2]
    inside: NDArray[np.bool_] = np.all(np.isfinite(ab) & (ab >= AB_BOUNDS[0]) & (ab <= AB_BOUNDS[1]), axis=1)
    return inside


def _refit_rows(
    problem: Problem,
    starts: Array,
    counts: Array,
    iterations: int,
    descent_iterations: int,
    loose_iterations: int,
    lm_progress: Callable[[int, int], None],
    descent_progress: Callable[[int, int], None],
) -> Array:
    """The moves of ``weighted_refit`` from ``starts`` (B, P), in the problem's units."""
    thetas, _ = batched_search(
        problem, starts, rounds=((iterations, 1.0),), weights=counts, progress=lm_progress, sort=False
    )
    thetas, _ = batched_descent(
        problem, thetas, iterations=descent_iterations, weights=counts, progress=descent_progress
    )
    lo, hi = problem.bounds()
    out = thetas.copy()
    f, g = replace(problem, weights=counts).scaled_value_and_grad(out)  # every draw at its end point, at once
    loose = np.flatnonzero(np.max(np.abs(projected_gradient(out, g, lo, hi)), axis=1) > 1e-3 * (1.0 + f))
    # (of a stack of problems, the loose draws of problems with two or more)
    many = (
        loose
        if problem.stack is None
        else loose[np.isin(problem.stack[loose], _repeated(problem.stack[loose]))]
    )
    if len(many) > 1 and loose_iterations:
        # draws still moving along a flat ridge go on together first (a longer curvature memory, as scipy's keeps),
        # then each is polished from there: polished from where the first descent left them they had taken
        # 100-300 scipy iterations each, a third of the draws of some laws. The batched descent alone stalls short
        # of the bottom on such ridges (objectives up to 1e-2 above the polish's), so every such draw is polished.
        out[many], _ = batched_descent(
            problem.rows_of(many), out[many], iterations=loose_iterations, memory=20, weights=counts[many]
        )
    for i, done in zip(
        loose, polish_rows(problem.rows_of(loose), list(out[loose]), counts[loose]), strict=True
    ):
        out[i] = done.theta
    return out


def in_units(form: str, theta: Array, shift: ArrayLike) -> Array:
    """Optimizer coordinates ``theta`` (S, P) of a law of the loss L, as coordinates of the law of L·e^shift
    (``shift``: a number, or (S,): each row's): log E and Eq. 1's log A, log B move by ``shift``, Eq. 3's and Eq. 2's
    log A by shift/α and log B by shift/β (their L = E + ((A/N)^(α/β) + B/D)^β)."""
    out = np.array(theta, dtype=np.float64)
    s = np.asarray(shift, dtype=np.float64)  # a number, or one per row: either broadcasts over a column
    names = PARAM_NAMES[form]
    if form == "chinchilla":
        out[:, 0] += s
        out[:, 1] += s
    else:
        out[:, 0] += s / out[:, names.index("alpha")]
        out[:, 1] += s / out[:, names.index("beta")]
    if "e" in names:
        out[:, names.index("e")] += s
    return out


#: The most rows × points one stack of ``weighted_refits`` moves (× the line search's step lengths, a pass stays
#: one block of ``BLOCK_ELEMENTS``: a stack's rows are never split mid-problem).
STACK_ELEMENTS = BLOCK_ELEMENTS // 16


def weighted_refits(jobs: Sequence[tuple[Problem, Array, Array]], **kwargs: Any) -> list[Array]:
    """``weighted_refit(problem, theta0, counts, **kwargs)`` of each job, the jobs on the same runs (N, D, form,
    objective, δ; one problem each, its own targets) moved together as one stack of problems: the row-by-row work
    and numpy's per-call overhead are shared (a backtest refits 3-6 cutoffs of a law, a few rows). Each job's rows
    end bit for bit where ``weighted_refit`` of that job alone ends them. Returns each job's (B, P), in order."""
    out: list[Array | None] = [None] * len(jobs)
    by_runs: dict[tuple[Any, ...], list[int]] = {}
    for k, (problem, _, _) in enumerate(jobs):
        if problem.log_l.ndim != 1 or problem.weights is not None or problem.stack is not None:
            raise ValueError("weighted_refits stacks plain problems (one target vector, no point weights)")
        key = (
            problem.form,
            problem.objective,
            problem.delta,
            problem.log_n.tobytes(),
            problem.log_d.tobytes(),
        )
        by_runs.setdefault(key, []).append(k)
    for members in by_runs.values():
        batch: list[int] = []
        rows = 0
        for k in [*members, -1]:
            n_rows = 0 if k < 0 else len(jobs[k][2])
            if batch and (k < 0 or (rows + n_rows) * jobs[k][0].n_points > STACK_ELEMENTS):
                for i, th in zip(batch, _stacked_refit([jobs[i] for i in batch], **kwargs), strict=True):
                    out[i] = th
                batch, rows = [], 0
            if k >= 0:
                batch.append(k)
                rows += n_rows
    return [th for th in out if th is not None]


def _stacked_refit(jobs: Sequence[tuple[Problem, Array, Array]], **kwargs: Any) -> list[Array]:
    """``weighted_refit`` of jobs on the same runs as one stack of problems (see ``weighted_refits``)."""
    if len(jobs) == 1:
        return [weighted_refit(*jobs[0], **kwargs)]
    sizes = [len(c) for _, _, c in jobs]
    first = jobs[0][0]
    stack = replace(
        first,
        log_l=np.concatenate([np.repeat(p.log_l[None, :], len(c), axis=0) for p, _, c in jobs]),
        stack=np.repeat(np.arange(len(jobs)), sizes),
    )
    starts = np.concatenate(
        [np.repeat(np.asarray(t, dtype=np.float64).reshape(1, -1), len(c), axis=0) for _, t, c in jobs]
    )
    thetas = weighted_refit(stack, starts, np.concatenate([c for _, _, c in jobs]), **kwargs)
    return np.split(thetas, np.cumsum(sizes)[:-1])


def _repeated(labels: NDArray[np.intp]) -> NDArray[np.intp]:
    """The labels that occur more than once."""
    values, n = np.unique(labels, return_counts=True)
    out: NDArray[np.intp] = values[n > 1]
    return out


def batched_descent(
    problem: Problem,
    starts: Array,
    *,
    iterations: int = 100,
    memory: int = 8,
    weights: Array | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Array, Array]:
    """Projected L-BFGS on the true objective from every start at once (a vectorised cousin of L-BFGS-B).

    Used for exploration on ill-posed fits: gradient descent from raw grid starts reaches minima that the
    Levenberg-Marquardt trajectories do not. Steps are projected onto the bounds; variables held at a bound by
    their gradient are frozen for the step; a backtracking (Armijo) line search runs per start. ``weights``
    (S, n) gives each start its own point weights (bootstrap draws). One function of ~85 lines: the two-loop
    recursion and the curvature history share all their state. Returns end points and their unscaled
    objectives, in the order of ``starts``. (A float32 descent was measured: 18 % faster on the table, and it lost
    one optimum of the 504 by 1.4e-5; benchmarks/results/h3_float32_exploration.txt.)
    """
    lo, hi = problem.bounds()
    x = np.clip(np.asarray(starts, dtype=lo.dtype), lo, hi)
    s_n, p_n = x.shape
    tiny = np.finfo(x.dtype).tiny

    full = problem if weights is None else replace(problem, weights=weights)
    # the rows still descending (their places in ``starts``): once half of them have stopped, the arrays are cut to
    # the others (every operation is row by row, so a row's steps are the same numbers; in a bootstrap's descent
    # from the fit most of 1,000 draws stop within 40 of 100 iterations, and the recursion, the bounds test and
    # the line search's copies had gone on over all of them)
    live = np.arange(s_n)
    x_end, f_end = x.copy(), np.empty(s_n, dtype=x.dtype)

    def rows(idx: slice | NDArray[np.intp]) -> Problem:
        return full.rows_of(live[idx])

    f, g = rows(slice(None)).scaled_value_and_grad(x)
    # curvature pairs, slot-major so that each slot is one contiguous (S, P) block; rho 0 marks an empty slot
    s_hist = np.zeros((memory, s_n, p_n), dtype=x.dtype)
    y_hist = np.zeros((memory, s_n, p_n), dtype=x.dtype)
    rho = np.zeros((memory, s_n), dtype=x.dtype)
    active = np.ones(s_n, dtype=bool)
    zero = np.zeros((), dtype=x.dtype)
    for it in range(iterations):
        n_active = int(np.count_nonzero(active))
        if not n_active:
            break
        if it == 0 or n_active <= len(live) // 2:
            if it:  # the stopped rows leave with their end points; the others keep their history
                gone, keep = np.flatnonzero(~active), np.flatnonzero(active)
                x_end[live[gone]], f_end[live[gone]] = x[gone], f[gone]
                live, x, f, g, active = live[keep], x[keep], f[keep], g[keep], active[keep]
                s_hist, y_hist, rho = s_hist[:, keep], y_hist[:, keep], rho[:, keep]
                if lo.ndim == 2:  # (each row's own box)
                    lo, hi = lo[keep], hi[keep]
            # the recursion's slots as views (a descent of a few rows is bound by numpy's per-call cost), and its
            # (S, P) work arrays written in place: the same operations on the same numbers as before
            s_of, y_of, rho_of = list(s_hist), list(y_hist), list(rho)
            alpha = np.zeros((memory, len(live)), dtype=x.dtype)
            alpha_of = list(alpha)
            alpha_col = [a[:, None] for a in alpha_of]
            work = np.empty((len(live), p_n), dtype=x.dtype)
            beta_col = np.empty((len(live), 1), dtype=x.dtype)
            beta = beta_col[:, 0]
        free = ~held_at_bounds(x, g, lo, hi)
        gfree = np.where(free, g, zero)
        q = gfree.copy()
        # two-loop recursion over the filled slots, newest pair first; slot (it - 1 - j) % memory holds the j-th
        # newest (an empty slot contributes nothing)
        filled = min(it, memory)
        for j in range(filled):
            k = (it - 1 - j) % memory
            np.multiply(rho_of[k], np.vecdot(s_of[k], q, out=alpha_of[k]), out=alpha_of[k])
            np.multiply(alpha_col[k], y_of[k], out=work)
            np.subtract(q, work, out=q)
        newest = (it - 1) % memory
        yy = np.vecdot(y_of[newest], y_of[newest])
        # without a curvature pair yet, a first step of unit length along −g, as L-BFGS-B takes (its basins of
        # attraction are what the exploration is for)
        qn = np.sqrt(np.vecdot(q, q))
        gamma = np.where(
            (rho_of[newest] > 0) & (yy > 0),
            1.0 / np.maximum(rho_of[newest] * yy, tiny),
            1.0 / np.maximum(qn, tiny),
        )
        r_vec = np.multiply(gamma[:, None], q, out=q)  # (q is not needed after this)
        for j in range(filled - 1, -1, -1):
            k = (it - 1 - j) % memory
            np.multiply(rho_of[k], np.vecdot(y_of[k], r_vec, out=beta), out=beta)
            np.subtract(alpha_of[k], beta, out=beta)
            np.multiply(beta_col, s_of[k], out=work)
            np.add(r_vec, work, out=r_vec)
        d = np.where(free, np.negative(r_vec, out=r_vec), zero)
        gd = np.vecdot(g, d)
        bad = gd >= 0  # not a descent direction: fall back to the (scaled) negative gradient
        if _any(bad):
            d[bad] = -gfree[bad] / np.maximum(np.sqrt(np.vecdot(gfree, gfree)), tiny)[bad, None]
        x_new, f_new, g_new, moved, stuck = _line_search(
            rows, x, d, f, g, active, lo, hi, problem.scale, problem.n_points
        )
        mi = moved.nonzero()[0]
        f_next, g_next = f_new[mi], g_new[mi]
        s_k, y_k = x_new[mi] - x[mi], g_next - g[mi]
        sy = np.vecdot(s_k, y_k)
        keep = sy > 1e-10 * np.maximum(np.vecdot(y_k, y_k), tiny)
        slot = it % memory
        s_hist[slot, mi[keep]], y_hist[slot, mi[keep]] = s_k[keep], y_k[keep]
        rho[slot, mi[keep]] = 1.0 / sy[keep]
        rho[slot, mi[~keep]] = 0.0
        small = np.zeros(len(live), dtype=bool)
        small[mi] = np.abs(f[mi] - f_next) <= 1e-13 * (1.0 + np.abs(f[mi]))
        x[mi], f[mi], g[mi] = x_new[mi], f_next, g_next
        active &= ~stuck & ~(moved & small)
        if progress is not None:
            progress(it + 1, iterations)
    if progress is not None:
        progress(iterations, iterations)
    x_end[live], f_end[live] = x, f
    return x_end, f_end / problem.scale


def _line_search(
    rows: Callable[[NDArray[np.intp] | slice], Problem],
    x: Array,
    d: Array,
    f: Array,
    g: Array,
    active: NDArray[np.bool_],
    lo: Array,
    hi: Array,
    scale: float,
    n_points: int,
) -> tuple[Array, Array, Array, NDArray[np.bool_], NDArray[np.bool_]]:
    """Backtracking (Armijo) line search on the projected path for the ``active`` rows of a batched descent.

    The step lengths are fixed (1, halved three times, then shrunk tenfold: a start that needs a step below ~1e-11
    has stopped), so a row's accepted step is the first of them that passes; the rows still searching try them in
    a few blocks of several lengths at once (fewer, larger evaluations; the same accepted step as trying them one
    by one). The full step, which most rows take, is evaluated with its gradient, so a row taking it needs no
    second evaluation. Returns the new points, their scaled values and gradients (unchanged where no step was
    taken), which rows moved and which found no acceptable step (converged).
    """
    s_n, p_n = x.shape
    x_new = x.copy()
    f_new = f.copy()
    g_new = g.copy()
    has_g = np.zeros(s_n, dtype=bool)
    searching = active.copy()
    for b, block in enumerate(_STEP_BLOCKS):
        if not _any(searching):
            break
        idx = searching.nonzero()[0]
        if b >= 1 and len(idx) * (len(_STEPS) - 1) * n_points <= _ONE_BLOCK_ELEMENTS:
            # few rows left: every shorter step at once, one evaluation instead of up to five (a row's values do
            # not depend on the rows evaluated with it, so it accepts the same step)
            block = _STEPS[1:]
        k, nb = len(idx), len(block)
        x_idx = x[idx, None, :]
        box = (lo, hi) if lo.ndim == 1 else (lo[idx, None, :], hi[idx, None, :])  # (each row's own box)
        trial = _clip(x_idx + block[None, :, None] * d[idx, None, :], *box)  # (k, b, P)
        flat = trial.reshape(k * nb, p_n)
        if block[0] == 1.0:
            f_flat, g_trial = rows(idx).scaled_value_and_grad(flat)
        else:
            f_flat = rows(idx.repeat(nb)).value(flat) * scale
        f_trial = f_flat.reshape(k, nb)
        decrease = np.einsum("sp,sbp->sb", g[idx], trial - x_idx)
        ok = np.isfinite(f_trial) & (f_trial <= f[idx, None] + 1e-4 * decrease)
        found = _any(ok, axis=1)
        first = ok.argmax(axis=1)
        took, pick = idx[found], first[found]
        x_new[took] = trial[found, pick]
        f_new[took] = f_trial[found, pick]
        if block[0] == 1.0:
            g_new[took] = g_trial[found]
            has_g[took] = True
        searching[took] = False
        if nb == len(_STEPS) - 1:
            break
    stuck = active & searching  # no acceptable step: this row has converged (or cannot move)
    moved = active & ~searching
    # the gradient where a shorter step was taken (converged rows cost nothing more)
    late = (moved & ~has_g).nonzero()[0]
    if len(late):
        f_new[late], g_new[late] = rows(late).scaled_value_and_grad(x_new[late])
    return x_new, f_new, g_new, moved, stuck


def _steps() -> Array:
    steps = [1.0]
    for k in range(13):
        steps.append(steps[-1] * (0.5 if k < 3 else 0.1))
    return np.array(steps)


_STEPS = _steps()
# Below this many trial values (rows still searching × shorter steps × points) a line search tries all its shorter
# steps in one evaluation: the backtests' refits move 3-6 draws at once, and their cost is the number of calls.
_ONE_BLOCK_ELEMENTS = 8192


def _step_blocks() -> tuple[Array, ...]:
    steps = list(_STEPS)
    # the full step alone (with its gradient), then blocks sized to how often rows get that far: on the 168 Eq. 3
    # fits 70 % of rows take the full step, 10 % the half, 8 % a quarter or an eighth, 6 % 1/80 and 6 % less; each
    # step a row tries beyond the one it takes is wasted arithmetic, each block one more call
    return tuple(np.array(steps[i:j]) for i, j in ((0, 1), (1, 2), (2, 4), (4, 5), (5, 7), (7, 14)))


_STEP_BLOCKS = _step_blocks()


def held_at_bounds(theta: Array, g: Array, lo: Array, hi: Array) -> NDArray[np.bool_]:
    """Which coordinates sit on a bound with the gradient pushing them out of the box (for (P,) or (S, P))."""
    held: NDArray[np.bool_] = ((theta <= lo) & (g > 0)) | ((theta >= hi) & (g < 0))
    return held


def projected_gradient(theta: Array, g: Array, lo: Array, hi: Array) -> Array:
    """The gradient with the components held at a bound set to 0: what must vanish at a minimum in the box."""
    out: Array = np.where(held_at_bounds(theta, g, lo, hi), 0.0, g)
    return out


# Variable projection starts: the exponents (and E) on a grid, the two scale parameters solved exactly.
PROFILE_EXPONENTS = tuple(float(v) for v in np.geomspace(0.01, 3.0, 11))
# E as a fraction of the smallest loss; the first is "E → 0" (the lower bound, e^-E_SPAN).
PROFILE_E_FRACTIONS = (
    float(np.exp(-E_SPAN)),
    0.3,
    0.5,
    0.65,
    0.75,
    0.82,
    0.88,
    0.92,
    0.95,
    0.97,
    0.985,
    0.995,
)


def profile_starts(problem: Problem, fractions: Sequence[float] = PROFILE_E_FRACTIONS) -> tuple[Array, Array]:
    """Data-driven starts by variable projection: for every (E, α, β) of a grid, A and B solved in closed form
    (E: ``fractions`` of the smallest loss).

    Given E and the exponents, each form is linear in two scales after a transform of the loss:
    Eq. 1: L − E = A·N^−α + B·D^−β; Eq. 3 and 2: (L − E)^(1/β) = A^(α/β)·N^−α/β + B·D^−1 (E = 0 for Kaplan).
    The two scales come from a weighted non-negative least-squares fit (weights turn the residual of the
    transformed loss into a residual of log L, to first order), so every grid point gets its best scales and the
    grid is scored on the true objective. Returns (starts, objectives) clipped into the bounds, best first.
    """
    lo, hi = problem.bounds()
    x = problem.log_n - problem.log_n.mean()
    y = problem.log_d - problem.log_d.mean()
    loss = np.exp(problem.log_l)
    min_loss = float(loss.min())
    exps = np.asarray(PROFILE_EXPONENTS)
    has_e = problem.form != "kaplan"
    fracs = np.asarray(fractions) if has_e else np.zeros(1)
    fe, al, be = (g.ravel() for g in np.meshgrid(fracs, exps, exps, indexing="ij"))
    # Row (i, j, k) of the grid is (E fraction i, α_j, β_k). The transformed loss z and its weights depend only on
    # (i, k) and the two terms only on (j, k): each is computed once on its own small grid (the same numbers, a
    # tenth of the exp and log calls) and then spread to the rows.
    n_e, n_x, n = len(fracs), len(exps), len(loss)
    ii, jj, kk = (g.ravel() for g in np.meshgrid(*(np.arange(k) for k in (n_e, n_x, n_x)), indexing="ij"))
    row_ik, row_jk = ii * n_x + kk, jj * n_x + kk
    be_ik = np.tile(exps, n_e)
    al_jk, be_jk = np.repeat(exps, n_x), np.tile(exps, n_x)
    log_rest = np.log(loss[None, :] - (fracs * min_loss)[:, None])  # (i, n), > 0 inside the log
    # everything in logs first, each row shifted to a maximum of 0 (undone below): no overflow at steep exponents
    if problem.form == "chinchilla":
        log_z = np.repeat(log_rest, n_x, axis=0)  # (i, k): the same for every β
        log_f1 = -al_jk[:, None] * x
        log_f2 = -be_jk[:, None] * y
        log_w = np.broadcast_to(-problem.log_l, log_z.shape)
    else:
        gamma = al / be
        log_z = np.repeat(log_rest, n_x, axis=0) / be_ik[:, None]
        log_f1 = -(al_jk / be_jk)[:, None] * x
        log_f2 = np.broadcast_to(-y, (len(al_jk), n))
        # d log L = β z^(β−1) / L · dz
        log_w = np.log(be_ik)[:, None] + (be_ik[:, None] - 1.0) * log_z - problem.log_l
    z_top_ik = np.max(log_z, axis=1, keepdims=True)
    f1_top_jk = np.max(log_f1, axis=1, keepdims=True)
    f2_top_jk = np.max(log_f2, axis=1, keepdims=True)
    log_w = log_w + z_top_ik
    ez = np.exp(log_z - z_top_ik)
    ef1 = np.exp(log_f1 - f1_top_jk)
    ef2 = np.exp(log_f2 - f2_top_jk)
    ew = np.exp(log_w - np.max(log_w, axis=1, keepdims=True))
    del log_rest, log_z, log_f1, log_f2, log_w
    z_top, f1_top, f2_top = z_top_ik[row_ik], f1_top_jk[row_jk], f2_top_jk[row_jk]
    # weighted normal equations of z ≈ c1 f1 + c2 f2, every grid point's sums over the points taken in row blocks
    # (each row's sums as the whole grid's: a per-step log kept whole, 500,000 points a law, had made a dozen
    # (1,452, n) arrays at once and was killed at 24 GB, probe h55)
    sums = np.empty((7, len(row_ik)))
    for rows in row_blocks(len(row_ik), n):
        z, w = ez[row_ik[rows]], ew[row_ik[rows]]
        f1, f2 = ef1[row_jk[rows]], ef2[row_jk[rows]]
        ww = w * w
        # (w²·f1 and w²·f2 formed once: ww * f1 * f1 is (ww * f1) * f1, the same products)
        wf1, wf2 = ww * f1, ww * f2
        s11, s22 = np.sum(wf1 * f1, axis=1), np.sum(wf2 * f2, axis=1)
        t1, t2 = np.sum(wf1 * z, axis=1), np.sum(wf2 * z, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            # where the pair is not positive, the better of the two one-term fits
            one1 = np.maximum(t1 / s11, 0.0)
            one2 = np.maximum(t2 / s22, 0.0)
            sse1 = np.sum(ww * (z - one1[:, None] * f1) ** 2, axis=1)
            sse2 = np.sum(ww * (z - one2[:, None] * f2) ** 2, axis=1)
        sums[:, rows] = (s11, s22, np.sum(wf1 * f2, axis=1), t1, t2, sse1, sse2)
    s11, s22, s12, t1, t2, sse1, sse2 = sums
    det = s11 * s22 - s12 * s12
    with np.errstate(divide="ignore", invalid="ignore"):
        c1 = (s22 * t1 - s12 * t2) / det
        c2 = (s11 * t2 - s12 * t1) / det
        ok = np.isfinite(c1) & np.isfinite(c2) & (c1 > 0) & (c2 > 0) & (det > 0)
        one1 = np.maximum(t1 / s11, 0.0)
        one2 = np.maximum(t2 / s22, 0.0)
    use1 = sse1 <= sse2
    c1 = np.where(ok, c1, np.where(use1, one1, 0.0))
    c2 = np.where(ok, c2, np.where(use1, 0.0, one2))
    tiny = 1e-300
    lc1 = np.log(np.maximum(c1, tiny)) + (z_top - f1_top)[:, 0]
    lc2 = np.log(np.maximum(c2, tiny)) + (z_top - f2_top)[:, 0]
    if problem.form == "chinchilla":
        a = lc1 + al * problem.log_n.mean()
        b = lc2 + be * problem.log_d.mean()
    else:
        a = lc1 / gamma + problem.log_n.mean()
        b = lc2 + problem.log_d.mean()
    cols = [a, b] + ([np.log(np.maximum(fe * min_loss, tiny))] if has_e else []) + [al, be]
    starts = np.clip(np.stack(cols, axis=1), lo, hi)
    values = problem.value(starts)
    values = np.where(np.isfinite(values), values, np.inf)
    order = np.argsort(values, kind="stable")
    return starts[order], values[order]


# -- the search as fit_law runs it --------------------------------------------------------------------------------

# Relative objective tolerance within which two minima count as the same, and the restart check passes.
SAME_OPTIMUM_RTOL = 1e-9
# How many of the best variable-projection starts the batched Levenberg-Marquardt search moves, its rounds
# (iterations, fraction kept), and how many distinct end points L-BFGS-B polishes. Checked against the plain loop
# on all 504 fits of the paper's table (benchmarks/bench_fit.py).
N_PROFILE_STARTS = 24
SEARCH_ROUNDS = ((5, 0.34), (40, 1.0))
N_POLISH = 1
# A winner on a bound (ill-posed fit: flat ridges, many minima) is explored by batched descent from diverse raw
# starts, and this many distinct end points of that exploration are polished.
EXPLORE_ITERATIONS = 60
EXPLORE_PROFILE_PER_PAIR = 3
N_EXPLORE_POLISH = 2


@dataclass(frozen=True)
class Minimum:
    """The end of a search: parameters, unscaled objective, whether it settled, how many starts were scored."""

    theta: Array
    value: float
    converged: bool
    n_starts: int


def on_bound(problem: Problem, theta: Array) -> bool:
    """Whether any parameter ends within 1e-6 of the box's span of a bound (as fit_law reports ``at_bounds``)."""
    lo, hi = problem.bounds()
    span = hi - lo
    return bool(np.any((theta <= lo + 1e-6 * span) | (theta >= hi - 1e-6 * span)))


def best_polished(problem: Problem, starts: Sequence[Array]) -> Polished:
    """L-BFGS-B from each start (in lockstep, ``polish_rows``); the lowest end point (the first of equals)."""
    best: Polished | None = None
    for cand in polish_rows(problem, starts):
        if best is None or cand.value < best.value:
            best = cand
    assert best is not None
    return best


#: A settled fit's projected gradient, relative to 1 + its scaled objective. 1e-4 flagged fits whose restarts no
#: longer moved them at all (a Pythia-like sweep's law, 80 runs, within 1 % of the truth: 1.06× that) as "not
#: settled" and so poor; such end points sat at 1.0–1.8× it on the W&B-shaped tables, where restarts moved nothing
#: either: L-BFGS-B's own stopping rule, not a fit that is still moving.
SETTLED_GRADIENT = 1e-3


def settle(problem: Problem, best: Polished) -> tuple[Array, float, bool]:
    """Restart from the winner until it no longer moves (a true minimum does not); converged when it stopped and
    its projected gradient is negligible (``SETTLED_GRADIENT``)."""
    lo, hi = problem.bounds()
    for _ in range(5):
        again = polish(problem, best.theta)
        improved = best.value - again.value > SAME_OPTIMUM_RTOL * max(best.value, 1e-300)
        if again.value <= best.value:
            best = again
        if not improved:
            _, g = problem.scaled_value_and_grad(best.theta)
            pg = float(np.max(np.abs(projected_gradient(best.theta, g, lo, hi))))
            return best.theta, best.value, pg <= SETTLED_GRADIENT * (1.0 + best.value * problem.scale)
    return best.theta, best.value, False


def find_minimum(problem: Problem, starts: Array | None = None, *, thorough: bool = False) -> Minimum:
    """The global minimum of the problem's objective in its box, as ``fit_law`` searches for it.

    1. Variable projection scores a grid of (E, α, β) with the scales A, B solved in closed form
       (``profile_starts``); the best ``N_PROFILE_STARTS`` are moved at once by batched IRLS Levenberg-Marquardt,
       and the best end point is polished by L-BFGS-B on the true objective.
    2. If that winner sits on a bound, the landscape is flat and has many minima, which descent from raw starts
       reaches and LM trajectories do not: batched projected L-BFGS from the 3 best variable-projection starts of
       each exponent pair and the 2 best-scored grid starts of each (α, β) pair of Hoffmann et al.'s grid, and
       the best distinct end points polished. ``thorough`` explores every fit, from every start of that grid too.
    3. The winner is restarted until it no longer moves.

    With ``starts`` given, only those are searched (step 1 from them, no exploration).
    """
    if starts is not None:
        first = np.atleast_2d(np.asarray(starts, dtype=np.float64))
        profile, profile_values = first, None
        n_starts = len(first)
    else:
        profile, profile_values = profile_starts(problem)
        first = profile[:N_PROFILE_STARTS]
        n_starts = len(profile)
    thetas, _ = batched_search(problem, first, rounds=SEARCH_ROUNDS, coarse=False)
    polish_k = N_POLISH if starts is None else 4
    best = best_polished(problem, [thetas[i] for i in distinct(thetas, polish_k)])
    if starts is None and (thorough or on_bound(problem, best.theta)):
        grid = hoffmann_grid(problem)
        raw = grid if thorough else exponent_pair_starts(problem, grid, per_pair=2)
        explore = np.concatenate(
            [raw, exponent_pair_starts(problem, profile, EXPLORE_PROFILE_PER_PAIR, scores=profile_values)]
        )
        n_starts += len(explore)
        ends, end_values = batched_descent(problem, explore, iterations=EXPLORE_ITERATIONS)
        order = np.argsort(end_values, kind="stable")
        picks = distinct(ends[order], N_EXPLORE_POLISH)
        # the incumbent is already polished: only the new end points are (settle restarts the winner anyway)
        found = best_polished(problem, [ends[order][i] for i in picks])
        if found.value < best.value:
            best = found
    theta, value, converged = settle(problem, best)
    return Minimum(theta, value, converged, n_starts)
