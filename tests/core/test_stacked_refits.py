"""Refits of several laws on the same runs moved as one stack of problems: each law's rows end bit for bit where
they end when its refit runs alone, with its own targets, its own box and its own warm start."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from l2l.core.laws import ScalingLaw
from l2l.core.search import Problem, find_minimum, weighted_refit, weighted_refits
from l2l.testing import PAPER_LIKE_LAW, law_samples

# a second law on the same runs, its E just under its own smallest loss (above the first law's): refits of it end
# with E on its own upper bound, outside the first law's box
OTHER_LAW = ScalingLaw("l2l", PAPER_LIKE_LAW.A, PAPER_LIKE_LAW.B, 2.5, 0.4, 0.6)


def _jobs(form: str) -> list[tuple[Problem, np.ndarray, np.ndarray]]:
    """Three refits of backtest shape (cutoff weightings, warm starts from the full fit): two laws on the same
    runs with different losses, and one on a subset of them (other runs: not stacked with the two)."""
    n, d, y_a = law_samples(PAPER_LIKE_LAW, noise=0.004, seed=1)
    y_b = OTHER_LAW.predict(n, d) * np.exp(0.01 * np.random.default_rng(2).standard_normal(len(n)))
    c = 6 * n * d
    cuts = np.unique(c)
    jobs = []
    for y, rows, keep in (
        (y_a, cuts[2:5], slice(None)),
        (y_b, cuts[1:5], slice(None)),
        (y_a, cuts[3:5], slice(3, None)),
    ):
        problem = Problem(form, np.log(n[keep]), np.log(d[keep]), np.log(y[keep]))
        counts = np.stack([(c[keep] <= k * (1 + 1e-9)).astype(np.float64) for k in rows])
        jobs.append((problem, find_minimum(problem).theta, counts))
    return jobs


@pytest.mark.parametrize(("form", "loose"), [("l2l", 0), ("chinchilla", 0), ("kaplan", 0), ("l2l", 1000)])
def test_a_stack_of_refits_ends_bit_for_bit_where_each_refit_ends_alone(form: str, loose: int) -> None:
    jobs = _jobs(form)
    together = weighted_refits(jobs, loose_iterations=loose)
    alone = [weighted_refit(*job, loose_iterations=loose) for job in jobs]
    assert len(together) == len(jobs)
    for got, want in zip(together, alone, strict=True):
        assert got.shape == want.shape
        assert np.array_equal(got, want)
    # the two stacked laws end apart, and the second's E beyond the first's box: its rows kept their own targets
    # and their own box (mixed up, they would end at the first law or on its bound)
    assert not np.allclose(together[0][-1], together[1][-1], rtol=1e-3)
    if form != "kaplan":
        e_max_a = jobs[0][0].bounds()[1][2]
        assert np.any(together[1][:, 2] > e_max_a)
        assert np.all(together[1][:, 2] <= jobs[1][0].bounds()[1][2])


def test_a_stacked_problem_gives_each_row_its_own_targets_box_and_row_sums() -> None:
    """A stack of two problems on the same runs: its box row by row is each problem's, and a pass of the stack
    gives each problem's rows the values and gradients of a pass of those rows alone (its row sums taken problem by
    problem), bit for bit."""
    jobs = _jobs("l2l")[:2]
    (pa, ta, _), (pb, tb, _) = jobs
    rng = np.random.default_rng(0)
    rows_a = ta + rng.normal(0, 0.05, (3, 5))
    rows_b = tb + rng.normal(0, 0.05, (4, 5))
    stack = replace(
        pa,
        log_l=np.concatenate([np.repeat(pa.log_l[None], 3, axis=0), np.repeat(pb.log_l[None], 4, axis=0)]),
        stack=np.repeat(np.arange(2), [3, 4]),
    )
    lo, hi = stack.bounds()
    for i, own in enumerate([pa] * 3 + [pb] * 4):
        assert np.array_equal(lo[i], own.bounds()[0])
        assert np.array_equal(hi[i], own.bounds()[1])
        assert np.array_equal(stack.row(i).log_l, own.log_l)
    assert hi[0, 2] != hi[3, 2]
    f, g = stack.scaled_value_and_grad(np.concatenate([rows_a, rows_b]))
    f_a, g_a = pa.scaled_value_and_grad(rows_a)
    f_b, g_b = pb.scaled_value_and_grad(rows_b)
    assert np.array_equal(f, np.concatenate([f_a, f_b]))
    assert np.array_equal(g, np.concatenate([g_a, g_b]))
    sub = stack.rows_of(np.array([4, 5]))
    assert np.array_equal(sub.log_l, np.repeat(pb.log_l[None], 2, axis=0))
    assert sub.segments() is None


def test_refits_that_cannot_be_stacked_are_refused() -> None:
    problem, theta, counts = _jobs("kaplan")[0]
    with pytest.raises(ValueError, match="stacks plain problems"):
        weighted_refits([(replace(problem, weights=counts[0]), theta, counts)])
