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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import product
from typing import Literal

import numpy as np

from l2l.laws import PARAM_NAMES, Array, log_loss, log_loss_and_jacobian

Objective = Literal["huber", "mse"]

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
    form: str
    log_n: Array
    log_d: Array
    log_l: Array
    objective: Objective = "huber"
    delta: float = 1e-3
    # Per-point weights (a bootstrap draw counts how often each point was drawn); None means all 1.
    weights: Array | None = None

    @property
    def n_params(self) -> int:
        return len(PARAM_NAMES[self.form])

    def bounds(self) -> tuple[Array, Array]:
        lo, hi = [], []
        e_max = float(self.log_l.min())
        for name in PARAM_NAMES[self.form]:
            if name in ("a", "b"):
                lo.append(AB_BOUNDS[0])
                hi.append(AB_BOUNDS[1])
            elif name == "e":
                lo.append(e_max - E_SPAN)
                hi.append(e_max)
            else:
                lo.append(EXPONENT_BOUNDS[0])
                hi.append(EXPONENT_BOUNDS[1])
        return np.array(lo), np.array(hi)

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
        return self.loss_of_residuals(self.residuals(theta))

    @property
    def scale(self) -> float:
        # The raw objective is ~1e-3: default stopping rules stop early on it. Divide by δ² so it is O(n).
        return 1.0 / (self.delta * self.delta)

    def scaled_value_and_grad(self, theta: Array) -> tuple[Array, Array]:
        """Scaled objective and gradient, for one parameter vector (P,) or a stack (S, P)."""
        m, jac = log_loss_and_jacobian(self.form, theta, self.log_n, self.log_d)
        assert jac is not None
        r = self.log_l - m
        psi = 2.0 * r if self.objective == "mse" else np.clip(r, -self.delta, self.delta)
        if self.weights is not None:
            psi = psi * self.weights
        f = self.loss_of_residuals(r) * self.scale
        g = (
            -(psi[..., None, :] @ jac)[..., 0, :] * self.scale
        )  # (…, 1, n) @ (…, n, P): one BLAS call either way
        return f, g


def hoffmann_grid(problem: Problem) -> Array:
    """The 4,500 starts of Hoffmann et al. (900 for Kaplan), clipped into the bounds and deduplicated."""
    lo, hi = problem.bounds()
    axes = []
    for name in PARAM_NAMES[problem.form]:
        axes.append(GRID_AB if name in ("a", "b") else GRID_E if name == "e" else GRID_EXPONENTS)
    grid = np.array(list(product(*axes)), dtype=np.float64)
    grid = np.clip(grid, lo, hi)
    return np.unique(grid, axis=0)


def exponent_pair_starts(problem: Problem, starts: Array, per_pair: int = 1) -> Array:
    """The ``per_pair`` best-scored starts of each (α, β) pair of the grid: a small, diverse set of raw starts."""
    lo, hi = problem.bounds()
    clipped = np.clip(starts, lo, hi)
    score = problem.value(clipped)
    _, group = np.unique(clipped[:, -2:], axis=0, return_inverse=True)
    chosen: list[int] = []
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        chosen.extend(members[np.argsort(score[members], kind="stable")[:per_pair]])
    out: Array = clipped[np.sort(np.asarray(chosen))]
    return out


def _irls_weights(problem: Problem, r: Array) -> Array:
    if problem.objective == "mse":
        return np.ones_like(r)
    a = np.abs(r)
    return np.where(a <= problem.delta, 1.0, problem.delta / np.maximum(a, problem.delta))


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
    float32.
    """
    dtype = problem.log_l.dtype
    lo, hi = (b.astype(dtype) for b in problem.bounds())
    theta = np.clip(np.asarray(starts).astype(dtype), lo, hi)
    if coarse and rounds and weights is None:
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
            try:
                step = np.linalg.solve(damped, g)[..., 0]
            except (
                np.linalg.LinAlgError
            ):  # a singular system in the stack: fall back to a scaled gradient step
                step = g[..., 0] / (np.einsum("spp->sp", damped) + 1e-12)
            trial = np.clip(theta + step, lo, hi)
            m_t, jac_t = log_loss_and_jacobian(problem.form, trial, problem.log_n, problem.log_d)
            assert jac_t is not None
            r_t = problem.log_l - m_t
            f_t = problem.loss_of_residuals(r_t, pw)
            better = np.isfinite(f_t) & (f_t < f)
            theta = np.where(better[:, None], trial, theta)
            f = np.where(better, f_t, f)
            r = np.where(better[:, None], r_t, r)
            jac = np.where(better[:, None, None], jac_t, jac)
            lam = np.clip(np.where(better, lam / 3.0, lam * 4.0), 1e-9, 1e9).astype(dtype, copy=False)
            step_no += 1
            if progress is not None:
                progress(step_no, total)
        if keep >= 1.0:
            continue
        order = np.argsort(f, kind="stable")
        idx = order[: max(1, int(np.ceil(keep * len(order))))]
        theta, f, lam, r, jac, pw = theta[idx], f[idx], lam[idx], r[idx], jac[idx], pw[idx]
    if not sort:
        return theta, f
    order = np.argsort(f, kind="stable")
    return theta[order], f[order]


@dataclass(frozen=True)
class Polished:
    theta: Array
    value: float
    converged: bool
    message: str
    nit: int


def polish(problem: Problem, theta0: Array, *, maxiter: int = 3000) -> Polished:
    """L-BFGS-B on the true (scaled) objective from ``theta0``, stopping rules tight enough to reach the bottom."""
    from scipy.optimize import minimize

    lo, hi = problem.bounds()
    res = minimize(
        problem.scaled_value_and_grad,
        np.clip(theta0, lo, hi),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(lo, hi, strict=True)),
        options={"ftol": 0.0, "gtol": 1e-10, "maxiter": maxiter, "maxcor": 20},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    return Polished(theta, float(problem.value(theta)), bool(res.success), str(res.message), int(res.nit))


def distinct(thetas: Array, values: Array, k: int, tol: float = 1e-3) -> list[int]:
    """Indices of up to k rows of ``thetas`` (sorted best first) that are not within ``tol`` of a kept row."""
    kept: list[int] = []
    for i in range(len(thetas)):
        if all(np.max(np.abs(thetas[i] - thetas[j])) > tol for j in kept):
            kept.append(i)
            if len(kept) == k:
                break
    return kept


def weighted_refit(
    problem: Problem,
    theta0: Array,
    counts: Array,
    *,
    iterations: int = 40,
    progress: Callable[[int, int], None] | None = None,
) -> Array:
    """Refit the problem under each row of point weights ``counts`` (B, n), all warm-started at ``theta0``.

    The batched search does the work; a draw whose end point still has a sizeable projected gradient is polished
    on its own. Returns (B, P) optimizer coordinates in the order of ``counts``.
    """
    starts = np.repeat(np.asarray(theta0, dtype=np.float64)[None, :], counts.shape[0], axis=0)
    thetas, _ = batched_search(
        problem, starts, rounds=((iterations, 1.0),), weights=counts, progress=progress, sort=False
    )
    lo, hi = problem.bounds()
    out = thetas.copy()
    for i in range(len(out)):
        sub = replace(problem, weights=counts[i])
        f, g = sub.scaled_value_and_grad(out[i])
        g = np.where((out[i] <= lo) & (g > 0), 0.0, g)
        g = np.where((out[i] >= hi) & (g < 0), 0.0, g)
        if np.max(np.abs(g)) > 1e-3 * (1.0 + f):
            out[i] = polish(sub, out[i]).theta
    return out


def batched_descent(
    problem: Problem, starts: Array, *, iterations: int = 100, memory: int = 8
) -> tuple[Array, Array]:
    """Projected L-BFGS on the true objective from every start at once (a vectorised cousin of L-BFGS-B).

    Used for exploration on ill-posed fits: gradient descent from raw grid starts reaches minima that the
    Levenberg-Marquardt trajectories do not. Steps are projected onto the bounds; variables held at a bound by
    their gradient are frozen for the step; a backtracking (Armijo) line search runs per start. Returns end
    points and their unscaled objectives, in the order of ``starts``.
    """
    lo, hi = problem.bounds()
    x = np.clip(np.asarray(starts, dtype=np.float64), lo, hi)
    s_n, p_n = x.shape
    f, g = problem.scaled_value_and_grad(x)
    s_hist = np.zeros((s_n, memory, p_n))
    y_hist = np.zeros((s_n, memory, p_n))
    rho = np.zeros((s_n, memory))  # 0 marks an empty slot: it then contributes nothing to the recursion
    active = np.ones(s_n, dtype=bool)
    for it in range(iterations):
        if not active.any():
            break
        free = ~(((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0)))
        q = np.where(free, g, 0.0)
        # two-loop recursion, newest pair first; slot (it - 1 - j) % memory holds the j-th newest
        alpha = np.zeros((s_n, memory))
        for j in range(memory):
            k = (it - 1 - j) % memory
            alpha[:, k] = rho[:, k] * np.einsum("sp,sp->s", s_hist[:, k], q)
            q = q - alpha[:, k, None] * y_hist[:, k]
        newest = (it - 1) % memory
        yy = np.einsum("sp,sp->s", y_hist[:, newest], y_hist[:, newest])
        # without a curvature pair yet, a first step of unit length along −g, as L-BFGS-B takes (its basins of
        # attraction are what the exploration is for)
        qn = np.sqrt(np.einsum("sp,sp->s", q, q))
        gamma = np.where(
            (rho[:, newest] > 0) & (yy > 0),
            1.0 / np.maximum(rho[:, newest] * yy, 1e-300),
            1.0 / np.maximum(qn, 1e-300),
        )
        r_vec = gamma[:, None] * q
        for j in range(memory - 1, -1, -1):
            k = (it - 1 - j) % memory
            beta = rho[:, k] * np.einsum("sp,sp->s", y_hist[:, k], r_vec)
            r_vec = r_vec + (alpha[:, k] - beta)[:, None] * s_hist[:, k]
        d = np.where(free, -r_vec, 0.0)
        gd = np.einsum("sp,sp->s", g, d)
        bad = gd >= 0  # not a descent direction: fall back to the (scaled) negative gradient
        gfree = np.where(free, g, 0.0)
        d[bad] = -gfree[bad] / np.maximum(np.sqrt(np.einsum("sp,sp->s", gfree, gfree)), 1e-300)[bad, None]
        # backtracking line search on the projected path, all searching rows at once
        t = np.ones(s_n)
        x_new, f_new = x.copy(), f.copy()
        searching = active.copy()
        for _ in range(30):
            if not searching.any():
                break
            idx = np.flatnonzero(searching)
            trial = np.clip(x[idx] + t[idx, None] * d[idx], lo, hi)
            f_trial = problem.value(trial) * problem.scale
            ok = np.isfinite(f_trial) & (
                f_trial <= f[idx] + 1e-4 * np.einsum("sp,sp->s", g[idx], trial - x[idx])
            )
            x_new[idx[ok]], f_new[idx[ok]] = trial[ok], f_trial[ok]
            searching[idx[ok]] = False
            t[idx[~ok]] *= 0.5
        stuck = active & searching  # no acceptable step: this start has converged (or cannot move)
        moved = active & ~searching
        f_next, g_next = problem.scaled_value_and_grad(x_new)
        s_k, y_k = x_new - x, g_next - g
        sy = np.einsum("sp,sp->s", s_k, y_k)
        store = moved & (sy > 1e-10 * np.maximum(np.einsum("sp,sp->s", y_k, y_k), 1e-300))
        slot = it % memory
        s_hist[store, slot], y_hist[store, slot] = s_k[store], y_k[store]
        rho[store, slot] = 1.0 / sy[store]
        rho[moved & ~store, slot] = 0.0
        small = np.abs(f - f_next) <= 1e-13 * (1.0 + np.abs(f))
        x = np.where(moved[:, None], x_new, x)
        f = np.where(moved, f_next, f)
        g = np.where(moved[:, None], g_next, g)
        active &= ~stuck & ~(moved & small)
    return x, f / problem.scale
