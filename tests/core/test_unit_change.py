"""A loss given in another unit (bits per byte beside nats: the same numbers times a constant) refits and
backtests alike: its laws scale with the unit, its backtest errors (relative) do not change (probe h27, h28)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from l2l.core.backtest import BacktestOptions, run_backtests
from l2l.core.fit import fit_law
from l2l.core.laws import log_loss
from l2l.core.search import Problem, find_minimum, in_units, weighted_refit
from l2l.core.sweep import Sweep

# A task loss in nats of probe h27's harness table (dataset web, hellaswag, its 15 sweep runs). Given in bits per
# byte (× 1/(ln 2 · 4.2)), its Eq. 3 refit at the smallest cutoff ended elsewhere on a flat ridge: the backtest
# errors rose from 1.43 % to 1.66 % and the 90 % intervals at 3-30x were 1.44-1.67x wider than in nats.
N = np.repeat([20e6, 40e6, 80e6, 160e6, 320e6], 3)
D = N * np.tile([10.0, 20.0, 40.0], 5)
LOSS = np.array([5.70974, 5.09778, 4.61405, 4.72331, 4.25616, 3.88699, 3.97066, 3.62799, 3.34088, 3.35792])
LOSS = np.append(LOSS, [3.107, 2.85559, 2.94656, 2.69541, 2.51881])
BPB = 1 / (math.log(2) * 4.2)
UNITS = (0.34, BPB, 1.44, 10.0)


def _backtest_errors(form: str, c: float) -> np.ndarray:
    sweep = Sweep.of(N, D, None, LOSS * c)
    full = fit_law(sweep.N, sweep.D, sweep.loss, form=form)
    opts = BacktestOptions(form=form, warm_starts={"web": full.law.theta}, translations=False)
    bt = run_backtests({"web": sweep}, opts)
    return np.array([math.log(r.predicted / r.actual) for r in bt.direct])


@pytest.mark.parametrize("form", ["l2l", "chinchilla"])
def test_the_backtest_errors_of_a_loss_do_not_depend_on_its_unit(form: str) -> None:
    nats = _backtest_errors(form, 1.0)
    assert len(nats) >= 15
    for c in UNITS:
        np.testing.assert_allclose(_backtest_errors(form, c), nats, rtol=0, atol=1e-6, err_msg=f"x{c}")


@pytest.mark.parametrize("form", ["l2l", "chinchilla", "kaplan"])
def test_a_refit_in_another_unit_ends_at_the_same_law_scaled(form: str) -> None:
    c = 6 * N * D
    counts = np.stack([(c <= k * (1 + 1e-9)).astype(np.float64) for k in np.unique(c)[2:]])
    ends = {}
    warm = find_minimum(Problem(form, np.log(N), np.log(D), np.log(LOSS))).theta[None, :]
    for unit in (1.0, *UNITS):
        problem = Problem(form, np.log(N), np.log(D), np.log(LOSS * unit))
        # the same warm start, in that unit (the full fits' own ends differ on flat ridges by ~1e-4)
        ends[unit] = weighted_refit(problem, in_units(form, warm, math.log(unit))[0], counts)
    far_n, far_d = np.log([*N, 7.8e8, 2.5e9]), np.log([*D, 1.6e10, 5e10])  # the runs and two targets beyond
    for unit in UNITS:
        # back in nats, the refits' laws predict the same losses (on flat ridges, their coordinates differ by ~1e-5)
        back = in_units(form, ends[unit], -math.log(unit))
        np.testing.assert_allclose(
            log_loss(form, back, far_n, far_d), log_loss(form, ends[1.0], far_n, far_d), rtol=0, atol=1e-5
        )


def test_in_units_moves_a_law_to_the_loss_times_a_constant() -> None:
    for form in ("l2l", "chinchilla", "kaplan"):
        theta = (
            np.array([[19.3, 22.9, 0.32, 0.40, 0.36]])
            if form != "kaplan"
            else np.array([[19.3, 22.9, 0.4, 0.3]])
        )
        moved = in_units(form, theta, math.log(3.0))
        np.testing.assert_allclose(
            log_loss(form, moved, np.log(N), np.log(D)),
            math.log(3.0) + log_loss(form, theta, np.log(N), np.log(D)),
            rtol=0,
            atol=1e-12,
            err_msg=form,
        )
