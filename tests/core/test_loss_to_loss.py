"""The one loss-to-loss fit (l2l.core.loss_to_loss): exact recovery, the batched lines, the bootstrap, and that the
translations, backtests and rankings all fit through it."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, LengthMismatchError
from l2l.core.loss_to_loss import (
    TranslationInputs,
    e_of,
    fit_shifted_power,
    log_sd_at,
    shifted_power_draws,
    weighted_log_lines,
)
from l2l.testing import Shift
from l2l.workflows.translate import fit_loss_to_loss

SHIFT = Shift(0.65, 1.08, 0.90)


def test_an_exact_shifted_power_law_is_recovered() -> None:
    x = np.linspace(2.3, 3.5, 20)
    y = SHIFT.apply(x, 2.0)
    pf = fit_shifted_power(x, y, 2.0, SHIFT.E1)
    assert_allclose([pf.K, pf.kappa, pf.r2], [SHIFT.K, SHIFT.kappa, 1.0], rtol=1e-10)
    assert (pf.n_pairs, pf.n_excluded) == (20, 0)
    assert_allclose(pf.predict(x), y, rtol=1e-12)
    assert pf.resid_sd < 1e-12


def test_pairs_without_a_logarithm_are_counted_and_too_few_refused() -> None:
    x = np.array([1.9, 2.5, 2.8, 3.1, 3.4])
    y = SHIFT.apply(np.maximum(x, 2.0 + 1e-9), 2.0)
    pf = fit_shifted_power(x, y, 2.0, SHIFT.E1)
    assert (pf.n_pairs, pf.n_excluded) == (4, 1)
    assert pf.x_range == (2.5, 3.4)
    with pytest.raises(FitError, match=r"^a→b: 2 usable pairs \(of 3\)"):
        fit_shifted_power(x[:3], y[:3], 2.0, SHIFT.E1, label="a→b")
    # too few pairs at all: said as such, not blamed on E0 and E1 (datasets that share no (N, D))
    with pytest.raises(FitError, match=r"^a→b: only 0 pairs of runs to relate"):
        fit_shifted_power(x[:0], y[:0], 2.0, SHIFT.E1, label="a→b")
    with pytest.raises(LengthMismatchError, match="different lengths"):
        fit_shifted_power(x, y[:3], 2.0, SHIFT.E1)


def test_the_labelled_translation_is_the_core_fit() -> None:
    x = np.linspace(2.3, 3.5, 12)
    y = SHIFT.apply(x, 2.0) * np.exp(0.003 * np.sin(7 * x))
    core = fit_shifted_power(x, y, 2.0, SHIFT.E1)
    t = fit_loss_to_loss(x, y, E0=2.0, E1=SHIFT.E1, src="a", tgt="b")
    assert (t.K, t.kappa, t.r2, t.resid_sd, t.n_pairs) == (core.K, core.kappa, core.r2, core.resid_sd, 12)


def test_weighted_lines_with_unit_weights_are_the_fit() -> None:
    x = np.linspace(2.3, 3.5, 15)
    y = SHIFT.apply(x, 2.0) * np.exp(0.004 * np.cos(5 * x))
    core = fit_shifted_power(x, y, 2.0, SHIFT.E1)
    lx, ly = np.log(x - 2.0)[None, :], np.log(y - SHIFT.E1)[None, :]
    logk, kappa = weighted_log_lines(
        np.repeat(lx, 2, 0), np.repeat(ly, 2, 0), np.ones((2, 15)) * [[1.0], [3.0]]
    )
    assert_allclose(np.exp(logk), [core.K, core.K], rtol=1e-10)
    assert_allclose(kappa, [core.kappa, core.kappa], rtol=1e-10)


def test_bootstrap_draws_hold_the_truth_and_their_spread_is_small() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(2.3, 3.5, 30)
    y = SHIFT.apply(x, 2.0) * np.exp(0.002 * rng.standard_normal(30))
    best, dr = shifted_power_draws(TranslationInputs.of(x, y, 2.0, SHIFT.E1), draws=200, seed=1)
    assert dr.shape == (200, 4)
    assert np.percentile(dr[:, 1], 2) < SHIFT.kappa < np.percentile(dr[:, 1], 98)
    assert_allclose(best.kappa, SHIFT.kappa, rtol=0.05)
    assert 0 < log_sd_at(dr, 3.0) < 0.01
    assert log_sd_at(dr, 1.0) == 0.0  # below every E0: no draw is defined there


def test_e_of_reads_the_irreducible_term_of_each_draw() -> None:
    th = np.array([[1.0, 2.0, np.log(1.7), 0.3, 0.3], [1.0, 2.0, np.log(1.9), 0.3, 0.3]])
    assert_allclose(e_of("l2l", th), [1.7, 1.9], rtol=1e-12)
    assert_allclose(e_of("kaplan", th[:, [0, 1, 3, 4]]), [0.0, 0.0])


def test_an_unnamed_fit_says_no_empty_names_in_its_errors() -> None:
    """The library's fit_loss_to_loss without names said ": → :: losses must be finite" (a probe)."""
    import pytest

    from l2l.base.errors import FitError
    from l2l.workflows.translate import fit_loss_to_loss

    with pytest.raises(FitError) as exc:
        fit_loss_to_loss([float("nan")] * 10, [1.0] * 10, E0=1.0, E1=1.0)
    assert exc.value.message == "losses must be finite"


def test_a_draw_with_no_weight_gets_no_line_and_no_warning() -> None:
    from l2l.core.loss_to_loss import weighted_log_lines

    lx = np.log(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]))
    w = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])  # (filterwarnings = error: a 0/0 would raise)
    logk, kappa = weighted_log_lines(lx, 2.0 * lx, w)
    assert kappa[0] == pytest.approx(2.0)
    assert np.isnan(kappa[1])
    assert np.isnan(logk[1])


def _draws_one_by_one(inputs: TranslationInputs, draws: int, seed: int) -> np.ndarray:
    """The bootstrap as it was written first: each draw fitted alone by ``fit_shifted_power``."""
    xa, ya = inputs.x, inputs.y
    rng = np.random.default_rng(seed)
    e0s, e1s = inputs.E0_draws, inputs.E1_draws
    paired = e0s is not None and e1s is not None and len(e0s) == len(e1s)
    out = []
    for _ in range(draws):
        idx = rng.integers(0, len(xa), len(xa))
        k0 = int(rng.integers(len(e0s))) if e0s is not None else 0
        k1 = k0 if paired else (int(rng.integers(len(e1s))) if e1s is not None else 0)
        e0 = inputs.E0 if e0s is None else float(e0s[k0])
        e1 = inputs.E1 if e1s is None else float(e1s[k1])
        try:
            pf = fit_shifted_power(xa[idx], ya[idx], e0, e1)
        except FitError:
            continue
        out.append((pf.K, pf.kappa, e0, e1))
    return np.array(out, dtype=np.float64).reshape(-1, 4)


@pytest.mark.parametrize("seed", range(40))
def test_bootstrap_draws_fitted_as_a_stack_are_each_draws_own_fit_bit_for_bit(seed: int) -> None:
    # E draws that reach above some source losses (those draws fitted on the pairs above them, or dropped), a NaN
    # draw, 3-pair tables whose resamples repeat one pair (all source losses equal: dropped), unpaired lengths
    r = np.random.default_rng(seed)
    n = int(r.integers(3, 40))
    x = np.sort(2.0 + r.random(n) * 2)
    e0, e1 = 1.5 + 0.4 * r.random(), 1.2 + 0.5 * r.random()
    y = 1.3 * (x - e0) ** 0.9 + e1 + 0.02 * r.standard_normal(n)
    d0 = None if seed % 3 == 0 else e0 + 0.3 * r.standard_normal(200)
    d1 = None if seed % 3 == 0 else e1 + 0.3 * r.standard_normal(200 if seed % 2 else 150)
    if d0 is not None and seed % 7 == 1:
        d0[5] = np.nan
    inputs = TranslationInputs(x, y, e0, e1, d0, d1)
    _, stacked = shifted_power_draws(inputs, draws=300, seed=seed)
    alone = _draws_one_by_one(inputs, 300, seed)
    assert stacked.shape == alone.shape
    assert stacked.tobytes() == alone.tobytes()
