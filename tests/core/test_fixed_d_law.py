"""The law of a fixed-D sweep (``l2l.core.line_law``, slope 0): every size trained on one token count pins a power
law in N at that D, L = E_D + K·N^(−γ), recovered on seeded runs, backtested below cutoffs in N, and its interval a
lower bound where no backtest reaches."""

from __future__ import annotations

import math

import numpy as np
import pytest

from l2l.core.line_law import FixedLine, backtest_fixed, fit_fixed_line, fit_line_law, fixed_tokens

SIZES = np.array([20e6, 40e6, 80e6, 160e6, 320e6, 640e6])
D0 = 10e9


def _eq1(n: np.ndarray | float, e: float = 1.8) -> np.ndarray:
    # Eq. 1 at one D is exactly a power law in N: E_D = E + B/D^β, K = A, γ = α
    return np.asarray(e + 482.0 * np.asarray(n) ** -0.35 + 2085.0 / D0**0.37)


def _runs(seed: int = 0, sizes: np.ndarray = SIZES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = D0 * (1 + rng.uniform(-0.01, 0.01, len(sizes)))  # one token count, to a percent
    return sizes, d, _eq1(sizes) * (1 + rng.normal(0.0, 0.004, len(sizes)))


def test_one_token_count_is_told_apart_from_a_spread_in_d() -> None:
    n, d, _ = _runs()
    assert fixed_tokens(n, d) == pytest.approx(D0, rel=0.011)
    assert fixed_tokens(n, np.linspace(8e9, 12e9, len(n))) is None  # 1.5× apart: not one D
    assert fixed_tokens(np.full(4, 1e8), np.full(4, D0)) is None  # one size: no law in N


def test_the_law_in_n_at_one_d_recovers_eq1_at_that_d_from_noisy_runs() -> None:
    fixed = fit_fixed_line(*_runs(0))
    assert fixed is not None
    assert fixed.law.slope == 0.0
    assert fixed.law.fixed_d
    assert pytest.approx(D0, rel=0.011) == fixed.D
    assert pytest.approx(1.8 + 2085.0 / D0**0.37, rel=0.05) == fixed.law.E
    assert fixed.law.gamma == pytest.approx(0.35, abs=0.05)
    assert abs(float(fixed.law.predict(1.28e9)) / float(_eq1(1.28e9)) - 1) < 0.01


def test_the_backtests_refit_below_each_size_that_leaves_four_and_predict_every_run_above() -> None:
    n, d, y = _runs(1)
    test = backtest_fixed(n, d, y)
    assert test is not None
    # cutoffs at the 4th and 5th sizes: 2 + 1 predictions, the furthest 4× past its cutoff
    assert (test.n_cutoffs, test.n_errors) == (2, 3)
    assert test.reach == pytest.approx(math.log(4.0))
    assert 0 < test.line_error < 0.01
    assert test.scale >= test.line_error / math.log(4.0)


def test_its_interval_is_calibrated_within_the_pooled_backtests_reach_and_a_lower_bound_beyond() -> None:
    alone = fit_fixed_line(*_runs(2))
    assert isinstance(alone, FixedLine)
    fixed = alone.pooled(alone.scale, 2)  # (pooled with a second dataset's backtests, no worse than its own)
    est, lo, hi, why = fixed.interval(1.28e9, 0.9)
    assert why is None
    assert lo < float(_eq1(1.28e9)) < hi
    assert 0.002 < math.log(hi / est) == pytest.approx(math.log(est / lo))
    wide = fixed.interval(2.56e9, 0.9)
    assert wide[3] is None
    assert wide[2] - wide[1] > hi - lo
    far = fixed.interval(5.12e9, 0.9)
    assert far[3] is not None
    assert "beyond the backtests' furthest reach (4×)" in far[3]
    # a group's worse backtests widen it
    pooled = fixed.pooled(3 * fixed.scale, 3)
    assert pooled.interval(1.28e9, 0.9)[2] > hi
    # one dataset's own three predictions alone vouch for nothing: the same interval, a lower bound
    by_itself = alone.interval(1.28e9, 0.9)
    assert by_itself[:3] == (est, lo, hi)
    assert by_itself[3] is not None
    assert "no other fixed-D law in its group" in by_itself[3]


def test_five_sizes_give_no_backtest_that_tells_and_a_lower_bound_saying_why() -> None:
    fixed = fit_fixed_line(*_runs(3, SIZES[:5]))
    assert fixed is not None
    assert fixed.backtest is not None
    assert not fixed.backtest.tells
    est, lo, hi, why = fixed.interval(1.28e9, 0.9)
    assert why is not None
    assert why.startswith("only 5 model sizes at one D")
    assert lo < est < hi


def test_four_sizes_at_one_d_fit_no_law_leaving_one_out_and_are_refused() -> None:
    assert fit_fixed_line(*_runs(5, SIZES[:4])) is None


def test_the_d_it_holds_at_is_its_token_count_within_the_lines_slack() -> None:
    fixed = fit_fixed_line(*_runs(4))
    assert fixed is not None
    assert fixed.at(D0)
    assert fixed.at(1.08 * D0)
    assert fixed.at(D0 / 1.08)
    assert not fixed.at(1.2 * D0)
    assert not fixed.at(2 * D0)
    assert not fixed.at(D0 / 2)


def test_a_line_of_one_d_per_n_keeps_its_record_and_its_point_on_the_line() -> None:
    n = SIZES
    law = fit_line_law(n, 20 * n, 2.0 + 300.0 * n**-0.3)
    assert law is not None
    assert law.slope == 1.0
    assert "slope" not in law.to_dict()  # (its fit-law JSON unchanged)
    assert law.on_line(1e9, 1e11) == 20 * 1e9
    assert law.weight(1e9, 2e10) == 1.0
    assert law.weight(1e9, 2 * 1.1 * 2e10) == pytest.approx(0.0)
