"""A law whose E ended on its lower bound (E → 0), predicting beyond its backtests, gets an interval that holds the
laws with E held higher that fit the runs as well as their noise allows (``e_profiled``): a pure power law falls
below any irreducible loss the runs cannot see (issue 17: helper h90's Eq. 1 ladder, 11 % and 15 % low at 7B
and 13B, outside)."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import numpy as np
from numpy.testing import assert_allclose

from l2l.core.fit import PROFILE_E_GRID, LawFit, fit_law, profile_over_e
from l2l.core.intervals import direct_interval, e_profiled, profile_allowance, wants_e_profile
from l2l.core.laws import ScalingLaw
from l2l.core.sweep import Sweep

TRUTH = ScalingLaw("chinchilla", A=482.01, B=2085.43, E=1.8172, alpha=0.3478, beta=0.3658)
SIZES = (150e6, 300e6, 530e6, 750e6)
MULTIPLES = (0.5, 1.0, 2.0, 4.0, 5.0, 10.0)


def _sweep(seed: int, noise: float) -> Sweep:
    """Four sizes × six token multiples of 20 per parameter, Eq. 1 truth, log-normal noise of sd ``noise``."""
    rng = np.random.default_rng(seed)
    n = np.repeat(SIZES, len(MULTIPLES))
    d = 20.0 * n * np.tile(MULTIPLES, len(SIZES))
    y = TRUTH.predict(n, d) * np.exp(noise * rng.standard_normal(len(n)))
    return Sweep.of(n, d, None, y)


@cache
def _at_bound() -> tuple[Sweep, LawFit]:
    """Seed 8 at 1.2 % noise: the Eq. 1 fit ends with E → 0."""
    sweep = _sweep(8, 0.012)
    return sweep, fit_law(sweep.N, sweep.D, sweep.loss, form="chinchilla")


def test_allowance_is_chi2_sigma2_for_least_squares_and_the_lad_test_for_an_l1_like_huber() -> None:
    z2 = 1.6448536269514722**2  # χ²₁ at 0.9
    assert_allclose(profile_allowance("mse", 1e-3, 0.01, 0.9), z2 * 1e-4, rtol=1e-9)
    # σ = 100 δ: Huber is an L1 fit, its allowance χ²₁·δ·σ·√(2π)/4 (least absolute deviations)
    assert_allclose(
        profile_allowance("huber", 1e-3, 0.1, 0.9), z2 * 1e-3 * 0.1 * math.sqrt(2 * math.pi) / 4, rtol=0.02
    )
    # σ ≪ δ: Huber is least squares on r²/2, half the mse allowance
    assert_allclose(profile_allowance("huber", 1.0, 1e-3, 0.9), z2 * 1e-6 / 2, rtol=1e-6)


def test_profile_over_e_holds_e_at_each_value_and_is_no_better_than_the_fit() -> None:
    sweep, fit = _at_bound()
    assert "E" in fit.at_bounds
    profile = profile_over_e(fit, sweep.N, sweep.D, sweep.loss)
    assert len(profile.E) == len(PROFILE_E_GRID)
    assert_allclose(np.exp(profile.thetas[:, 2]), profile.E, rtol=1e-12)
    assert np.all(profile.values >= fit.objective_value * (1 - 1e-9))
    # the runs cannot tell E = 0 from the truth's 1.82: the refit there is worse by less than the allowance
    allowed = profile_allowance("huber", 1e-3, 0.012, 0.9)
    near = int(np.argmin(np.abs(profile.E - TRUTH.E)))
    assert profile.values[near] - fit.objective_value < allowed


def test_an_e_at_its_bound_law_beyond_its_runs_holds_the_truth_in_a_bounded_interval() -> None:
    sweep, fit = _at_bound()
    n, d = 7e9, 2.8e11  # 9.3× the largest size
    truth = float(TRUTH.predict(n, d))
    # no draws, no backtest: a point, a lower bound
    point = direct_interval(fit, n, d, 6 * n * d, sweep, None)
    pi = replace(point, lo=point.estimate / 1.03, hi=point.estimate * 1.03)  # ±3 %, as a bootstrap might give
    assert pi.lower_bound_only
    assert pi.hi < 0.98 * truth  # the E → 0 law: 5.5 % low
    held = e_profiled(pi, fit, n, d, sweep)
    assert held.lo <= truth <= held.hi
    assert held.hi < 1.15 * truth
    assert held.lower_bound_only
    assert (held.estimate, held.lo) == (pi.estimate, pi.lo)
    assert "as well as their noise allows" in held.notes[-1]


def test_a_law_with_a_free_e_or_a_backtested_interval_is_left_alone() -> None:
    sweep = _sweep(6, 0.012)
    fit = fit_law(sweep.N, sweep.D, sweep.loss, form="chinchilla")
    assert "E" not in fit.at_bounds
    pi = direct_interval(fit, 7e9, 2.8e11, 6 * 7e9 * 2.8e11, sweep, None)
    assert e_profiled(pi, fit, 7e9, 2.8e11, sweep) is pi
    # E on its upper bound (the smallest loss seen; ``at_bounds`` names it "E" too) is not E → 0
    _, low = _at_bound()
    top = replace(low, law=replace(low.law, E=low.min_loss))
    assert not wants_e_profile(pi, top)
    assert wants_e_profile(pi, low)
