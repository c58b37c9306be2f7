"""The search engine: variable-projection starts, the global minimum against a loop, warm-started refits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.core.laws import ScalingLaw
from l2l.core.search import (
    Problem,
    batched_descent,
    exponent_pair_starts,
    find_minimum,
    hoffmann_grid,
    polish,
    polish_rows,
    profile_starts,
    projected_gradient,
    weighted_refit,
)
from l2l.testing import PAPER_LIKE_LAW, law_samples

TRUE = {
    "l2l": PAPER_LIKE_LAW,
    "chinchilla": ScalingLaw("chinchilla", 2.8e3, 1.2e4, 2.0, 0.46, 0.47),
    "kaplan": ScalingLaw("kaplan", 5.96e7, 8.2e8, 0.0, 0.43, 0.48),
}


def _problem(form: str, noise: float, seed: int) -> Problem:
    n, d, y = law_samples(TRUE[form], noise=noise, seed=seed)
    return Problem(form, np.log(n), np.log(d), np.log(y))


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_variable_projection_starts_are_in_the_box_sorted_and_near_the_truth(form: str) -> None:
    """On noiseless data the best grid point, with its scales solved exactly, already fits to a few percent."""
    problem = _problem(form, noise=0.0, seed=0)
    starts, values = profile_starts(problem)
    lo, hi = problem.bounds()
    assert np.all((starts >= lo) & (starts <= hi))
    assert np.all(np.diff(values) >= 0)
    true_residuals = problem.residuals(TRUE[form].theta)
    assert_allclose(true_residuals, 0.0, atol=1e-12)
    # the grid is coarse (exponents 1.7x apart), but the best start is already far better than a typical one
    assert values[0] < 0.2 * np.median(values[np.isfinite(values)])
    assert np.max(np.abs(problem.residuals(starts[0]))) < 0.5


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_variable_projection_in_row_blocks_gives_the_starts_of_the_whole_grid_bit_for_bit(
    form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grid's sums over the points go in row blocks, so that a law of 500,000 points (a per-step log kept whole)
    no longer makes a dozen (1,452, n) arrays at once (killed at 24 GB, probe h55); each row's sums are the
    whole grid's, so every start and its objective is the same to the bit."""
    import l2l.core.laws as laws

    problem = _problem(form, noise=0.01, seed=3)
    whole = profile_starts(problem)
    monkeypatch.setattr(laws, "BLOCK_ELEMENTS", 7 * problem.n_points)  # blocks of 7 grid rows
    assert len(laws.row_blocks(1452, problem.n_points)) > 100
    blocked = profile_starts(problem)
    assert np.array_equal(whole[0], blocked[0])
    assert np.array_equal(whole[1], blocked[1])


def test_variable_projection_on_many_points_holds_no_grid_sized_array() -> None:
    """5,000 points: the (1,452, n) arrays of the whole grid were 58 MB each, a dozen alive at once (600 MB+);
    in row blocks the peak is the (132, n) transforms, one block and the scoring pass's own blocks."""
    import tracemalloc

    rng = np.random.default_rng(0)
    n = rng.choice([2e7, 5e7, 1e8, 2e8, 4e8], 5_000)
    d = n * rng.uniform(5, 100, 5_000)
    y = TRUE["l2l"].predict(n, d) * np.exp(rng.normal(0, 0.005, 5_000))
    problem = Problem("l2l", np.log(n), np.log(d), np.log(y))
    tracemalloc.start()
    try:
        profile_starts(problem)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300e6, (
        f"{peak / 1e6:.0f} MB"
    )  # (540 MB before; 193 MB after, most the scoring pass's buffers)


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_find_minimum_recovers_the_true_law_from_noiseless_data(form: str) -> None:
    problem = _problem(form, noise=0.0, seed=0)
    found = find_minimum(problem)
    assert found.value < 1e-12
    assert found.converged
    assert_allclose(found.theta, TRUE[form].theta, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("form", "seed"),
    [
        pytest.param(
            "l2l", 3, marks=pytest.mark.slow
        ),  # each a plain loop of L-BFGS-B over the grid: seconds
        pytest.param("chinchilla", 5, marks=pytest.mark.slow),
        ("kaplan", 7),  # the default line keeps one, the fastest
        pytest.param("l2l", 11, marks=pytest.mark.slow),
    ],
)
def test_global_minimum_is_not_worse_than_a_loop_over_the_grid(form: str, seed: int) -> None:
    """L-BFGS-B from 12 seeded random grid starts (the benchmark runs the full loop on the paper's table)."""
    problem = _problem(form, noise=0.01, seed=seed)
    found = find_minimum(problem)
    grid = hoffmann_grid(problem)
    subset = grid[np.random.default_rng(seed).choice(len(grid), 12, replace=False)]
    loop = min(polish(problem, s).value for s in subset)
    assert found.value <= loop * (1 + 1e-6)


def test_projected_gradient_drops_only_components_pushing_out_of_the_box() -> None:
    lo, hi = np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0])
    theta = np.array([[0.0, 1.0, 0.5], [0.0, 1.0, 0.5]])
    g = np.array([[2.0, -3.0, 4.0], [-2.0, 3.0, 4.0]])
    # row 0: at lower bound with g > 0 (descent pushes out) and at upper with g < 0: held; row 1: free to move in
    assert_allclose(projected_gradient(theta, g, lo, hi), [[0.0, 0.0, 4.0], [-2.0, 3.0, 4.0]])


def test_warm_started_batched_refits_match_one_by_one_polish() -> None:
    """Bootstrap-style reweighted refits, all at once, reach what L-BFGS-B reaches draw by draw."""
    problem = _problem("l2l", noise=0.004, seed=1)
    theta0 = find_minimum(problem).theta
    rng = np.random.default_rng(0)
    n = len(problem.log_l)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=8).astype(np.float64)
    thetas = weighted_refit(problem, theta0, counts)
    for i in range(len(counts)):
        sub = replace(problem, weights=counts[i])
        one = polish(sub, theta0)
        assert float(sub.value(thetas[i])) <= one.value * (1 + 1e-6)


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_polish_ends_where_scipy_minimize_ends_bit_for_bit(form: str) -> None:
    """``polish`` drives scipy's L-BFGS-B routine itself: the same end point, iterations, message and status as
    ``scipy.optimize.minimize`` with the same options (the calibrations are these end points)."""
    from scipy.optimize import minimize

    problem = _problem(form, noise=0.01, seed=3)
    lo, hi = problem.bounds()
    rng = np.random.default_rng(0)
    for weights in (None, rng.integers(0, 3, len(problem.log_l)).astype(np.float64)):
        sub = replace(problem, weights=weights)
        for _ in range(3):
            start = lo + rng.random(len(lo)) * (hi - lo) * 0.3
            res = minimize(
                sub.scaled_value_and_grad,
                start,
                jac=True,
                method="L-BFGS-B",
                bounds=list(zip(lo, hi, strict=True)),
                options={"ftol": 0.0, "gtol": 1e-10, "maxiter": 3000, "maxcor": 20},
            )
            got = polish(sub, start)
            assert np.array_equal(got.theta, res.x)
            assert (got.nit, got.message, got.converged) == (res.nit, res.message, res.success)


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_lockstep_polishes_end_where_one_by_one_polishes_end_bit_for_bit(form: str) -> None:
    """``polish_rows`` evaluates the routines' points as one stack, each row as if alone: every end point,
    objective, iteration count and message is ``polish``'s, one start at a time (with and without weights)."""
    problem = _problem(form, noise=0.01, seed=4)
    lo, hi = problem.bounds()
    rng = np.random.default_rng(1)
    starts = [lo + rng.random(len(lo)) * (hi - lo) * 0.3 for _ in range(5)]
    counts = rng.integers(0, 3, (5, len(problem.log_l))).astype(np.float64)
    for weights in (None, counts):
        together = polish_rows(problem, starts, weights)
        for i, got in enumerate(together):
            one = polish(problem if weights is None else replace(problem, weights=weights[i]), starts[i])
            assert np.array_equal(got.theta, one.theta)
            assert (got.value, got.nit, got.message, got.converged) == (
                one.value,
                one.nit,
                one.message,
                one.converged,
            )


@pytest.mark.parametrize("weighted", [False, True])
def test_batched_descent_returns_the_objective_of_the_points_it_reached(weighted: bool) -> None:
    """The descent keeps the value (and gradient) of the accepted step instead of recomputing them: what it
    reports must be the objective of the point it returns, and no start ends above where it began."""
    problem = _problem("l2l", noise=0.01, seed=2)
    starts = exponent_pair_starts(problem, hoffmann_grid(problem), per_pair=1)
    counts = None
    if weighted:
        n = len(problem.log_l)
        counts = np.random.default_rng(0).multinomial(n, np.full(n, 1.0 / n), size=len(starts)).astype(float)
    ends, values = batched_descent(problem, starts, iterations=25, weights=counts)
    lo, hi = problem.bounds()
    begin = np.empty(len(starts))
    for i in range(len(starts)):
        sub = problem if counts is None else replace(problem, weights=counts[i])
        assert_allclose(values[i], float(sub.value(ends[i])), rtol=1e-12)
        begin[i] = float(sub.value(np.clip(starts[i], lo, hi)))
    assert np.all(values <= begin)


@pytest.mark.parametrize("weights", ["none", "points", "rows"])
def test_a_large_stack_is_evaluated_in_row_blocks_with_the_same_result(
    weights: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above BLOCK_ELEMENTS the pass goes in row blocks (small scratch buffers kept between calls): same numbers."""
    import l2l.core.laws as laws

    rng = np.random.default_rng(4)
    n, d, y = law_samples(PAPER_LIKE_LAW)
    stack = np.array([18.0, 20.7, 0.7, 0.43, 0.48]) + rng.normal(0, 0.2, (37, 5))
    w = {
        "none": None,
        "points": rng.integers(0, 3, len(y)).astype(float),
        "rows": rng.integers(0, 3, (37, len(y))),
    }
    problem = Problem(
        "l2l",
        np.log(n),
        np.log(d),
        np.log(y),
        weights=None if w[weights] is None else np.asarray(w[weights], dtype=float),
    )
    f_whole, g_whole = problem.scaled_value_and_grad(stack)
    monkeypatch.setattr(laws, "BLOCK_ELEMENTS", 5 * len(y))  # blocks of 5 rows
    f_blocks, g_blocks = problem.scaled_value_and_grad(stack)
    assert_allclose(f_blocks, f_whole, rtol=1e-12)
    assert_allclose(g_blocks, g_whole, rtol=1e-10, atol=1e-9 * np.abs(g_whole).max())
    assert_allclose(problem.value(stack), f_whole / problem.scale, rtol=1e-12)


@pytest.mark.parametrize("objective", ["huber", "mse"])
def test_the_pass_gives_the_objective_of_the_plain_formula_and_the_value_alone_the_same_bits(
    objective: str,
) -> None:
    """The pass's Huber (ψ = r clipped to ±δ, ψ·(r − ψ/2), weighted) is the textbook one, and a value-only pass (which
    skips what only the gradient needs) gives bit for bit the value of a pass with the gradient."""
    rng = np.random.default_rng(7)
    n, d, y = law_samples(PAPER_LIKE_LAW, noise=0.01, seed=3)
    stack = np.array([18.0, 20.7, 0.7, 0.43, 0.48]) + rng.normal(0, 0.05, (9, 5))
    w = rng.integers(0, 3, (9, len(y))).astype(float)
    problem = Problem("l2l", np.log(n), np.log(d), np.log(y), objective=objective, weights=w)  # type: ignore[arg-type]
    f, _ = problem.scaled_value_and_grad(stack)
    value = problem.value(stack)
    assert np.array_equal(value * problem.scale, f)
    assert_allclose(value, problem.loss_of_residuals(problem.residuals(stack)), rtol=1e-13)


def test_importing_the_engine_does_not_import_scipy_optimize() -> None:
    """`l2l runs` imports this module and never fits: looking up scipy's L-BFGS-B routine at import cost it 0.58 s."""
    import subprocess
    import sys

    code = "import sys, l2l.core.search; print('scipy.optimize' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
