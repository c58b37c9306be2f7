"""The power law along one line of tokens per parameter (``l2l.core.line_law``): recovered on seeded runs, and not
fitted where the runs cannot show its curvature."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from l2l.core.line_law import (
    LINE_MIN_REACH,
    LINE_SPREAD_FLOOR,
    MIN_LINE_ERRORS,
    HeldRun,
    LineBacktest,
    backtest_line,
    fit_line_law,
    line_cutoffs,
)
from l2l.core.sweep import Sweep

SIZES = np.array([4e6, 6e6, 10e6, 20e6, 60e6, 90e6, 150e6, 300e6])


def test_line_law_recovers_a_power_law_along_the_line_from_noisy_seeds() -> None:
    rng = np.random.default_rng(3)
    n = np.repeat(SIZES, 3)
    truth = 2.0 + 210.0 * n**-0.33
    loss = truth * np.exp(rng.normal(0.0, 0.005, len(n)))
    law = fit_line_law(n, 100 * n, loss)
    assert law is not None
    assert_allclose((law.E, law.gamma), (2.0, 0.33), rtol=0.08)
    assert law.ratio == 100.0
    target = 2.0 + 210.0 * 1e9**-0.33
    assert abs(float(law.predict(1e9)) / target - 1) < 0.01


def test_line_law_is_not_fitted_on_fewer_than_four_sizes() -> None:
    n = np.array([1e7, 1e7, 3e7, 1e8])
    assert fit_line_law(n, 20 * n, 2.0 + 100 * n**-0.3) is None


def _power_line(seed: int) -> Sweep:
    rng = np.random.default_rng(seed)
    n = np.repeat(SIZES, 2)
    loss = (2.0 + 210.0 * n**-0.33) * np.exp(rng.normal(0.0, 0.003, len(n)))
    return Sweep.of(n, 100 * n, None, loss)


def test_the_line_law_is_chosen_where_the_laws_backtests_missed_by_more_on_the_same_runs() -> None:
    sweep = _power_line(5)
    cut = float(np.max(sweep.C[sweep.N <= 90e6]))
    above = [(float(n), float(y)) for n, y in zip(sweep.N, sweep.loss, strict=True) if n > 90e6]
    # a law 4 % off above its cutoff, as one flat past its runs is
    held = [HeldRun(cut, n, y * 1.04, y) for n, y in above]
    test = backtest_line(sweep, held)
    assert test is not None
    assert test.n_errors == len(above) >= MIN_LINE_ERRORS
    assert test.line_error < 0.01 < 0.039 < test.law_error
    assert test.chosen
    # a law on the mark keeps the estimate
    exact = backtest_line(sweep, [HeldRun(cut, n, y, y) for n, y in above])
    assert exact is not None
    assert not exact.chosen


def _held_above(sweep: Sweep, size: float, off: float) -> list[HeldRun]:
    """The runs above the cutoff at ``size`` as a law ``off`` times their loss predicted them."""
    cut = float(np.max(sweep.C[size >= sweep.N]))
    return [
        HeldRun(cut, float(n), float(y) * off, float(y))
        for n, y in zip(sweep.N, sweep.loss, strict=True)
        if n > size
    ]


def test_too_few_backtest_predictions_choose_nothing() -> None:
    sweep = _power_line(6)
    test = backtest_line(sweep, _held_above(sweep, 150e6, 1.1))
    assert test is not None
    assert test.n_errors == 2 < MIN_LINE_ERRORS
    assert not test.chosen


def test_a_line_backtest_cuts_at_the_sweeps_own_largest_budgets_that_leave_the_law_six_runs() -> None:
    sweep = _power_line(7)  # 8 sizes, 2 runs each (16 runs, 8 distinct models)
    cuts = line_cutoffs(sweep)
    assert len(cuts) == 2  # below the 7th and the 8th size: 6 and 7 distinct models
    sizes = np.unique(sweep.N)
    assert [float(np.max(sweep.N[c * 1.0001 >= sweep.C])) for c in cuts] == [sizes[5], sizes[6]]


def test_a_backtested_line_laws_interval_takes_the_laws_spread_scaled_by_their_errors_at_least_half() -> None:
    assert LineBacktest(0.006, 0.010, 5, 2).spread == 0.6
    assert LineBacktest(0.001, 0.010, 5, 2).spread == LINE_SPREAD_FLOOR == 0.5
    assert LineBacktest(0.020, 0.010, 5, 2).spread == 1.0  # (not chosen: the law's own spread)
    assert LineBacktest(0.001, 0.0, 5, 2).spread == 1.0


def test_a_line_backtests_worst_error_per_unit_of_reach_sets_its_least_half_width() -> None:
    sweep = _power_line(8)
    held = _held_above(sweep, 90e6, 1.04)
    test = backtest_line(sweep, held)
    assert test is not None
    # the worst of |log(actual / line)| / log(N / 90M) over the held runs (150M and 300M)
    law = fit_line_law(*(a[sweep.N <= 90e6] for a in (sweep.N, sweep.D, sweep.loss)))
    assert law is not None
    worst = max(
        abs(np.log(h.actual / float(law.predict(h.N)))) / max(np.log(h.N / 90e6), LINE_MIN_REACH)
        for h in held
    )
    assert_allclose(test.scale, worst, rtol=1e-12)
    assert test.half_width(np.log(10.0)) == test.scale * np.log(10.0)
    assert test.half_width(0.0) == test.scale * LINE_MIN_REACH
