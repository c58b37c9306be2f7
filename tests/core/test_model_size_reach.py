"""A target larger than every fitted model gets at least the conformal quantile of the backtests that reached as
far in model size (``ErrorModel.quantile``'s ``n_reach``): a distance in compute alone does not say how far a law
was asked to extrapolate in N."""

from __future__ import annotations

import math

import numpy as np

from l2l.core.error_model import LOCAL_SCORES, BacktestResidual, ErrorModel, fit_error_model
from l2l.core.predictive import Placement

CUTS = (1e18, 2e18, 4e18, 8e18)
WIDE = 3.0  # the backtests that reach beyond their fits' largest N err this many times more


def _errors(rng: np.random.Generator, beyond_n: int) -> list[BacktestResidual]:
    """Backtests of four cutoffs at distances 0.3-2: ``beyond_n`` of them per cutoff reach 2× their fits' largest N
    and err ``WIDE`` times more (0.5 % noise) than the rest, as a small ladder's do."""
    out: list[BacktestResidual] = []
    for cut in CUTS:
        for i in range(20):
            d = 0.3 + 1.7 * i / 19
            nr = math.log(2.0) if i % (20 // beyond_n if beyond_n else 21) == 0 and beyond_n else 0.0
            e = 0.005 * (WIDE if nr > 0 else 1.0) * float(rng.standard_normal())
            out.append(
                BacktestResidual(
                    "direct",
                    "web",
                    "",
                    cut,
                    1e9,
                    1e10,
                    cut * math.exp(d),
                    d,
                    2.0,
                    2.0 * math.exp(e),
                    0.0,
                    4.0,
                    nr,
                )
            )
    return out


def test_a_target_twice_the_largest_model_is_as_wide_as_the_backtests_that_reached_that_far_in_n() -> None:
    rng = np.random.default_rng(0)
    held, held_by_distance = 0, 0
    trials = 40
    for _ in range(trials):
        model = fit_error_model(_errors(rng, beyond_n=10))  # 40 backtests beyond in N
        where = Placement(math.log(2.0), 10.0, n_reach=math.log(2.0))
        _shift, half, _held = model.log_interval(where)
        q_distance = model.quantile(0.9, where.distance)
        e = 0.005 * WIDE * float(rng.standard_normal())  # a new run twice the largest model
        held += abs(e) <= half
        held_by_distance += abs(e) <= q_distance * model.sd(where)
    assert held / trials >= 0.85
    assert held_by_distance / trials <= 0.75  # by the distance in compute alone it would under-cover


def test_inside_the_fitted_model_sizes_the_quantile_is_the_distances_alone() -> None:
    model = fit_error_model(_errors(np.random.default_rng(1), beyond_n=10))
    assert model.quantile(0.9, 0.7, 0.0) == model.quantile(0.9, 0.7)
    assert model.quantile(0.9, 0.7, math.log(2.0)) > model.quantile(0.9, 0.7)


def test_fewer_backtests_beyond_in_n_than_local_scores_leave_the_quantile_as_it_was() -> None:
    model = fit_error_model(
        _errors(np.random.default_rng(2), beyond_n=5)
    )  # 20 beyond in N, below LOCAL_SCORES
    assert sum(1 for r in model.score_n_reaches if r > 0) < LOCAL_SCORES
    assert model.quantile(0.9, 0.7, math.log(2.0)) == model.quantile(0.9, 0.7)


def test_the_model_size_reaches_of_the_scores_survive_a_record_round_trip() -> None:
    model = fit_error_model(_errors(np.random.default_rng(3), beyond_n=10))
    again = ErrorModel.from_record(model.to_record())
    assert again.score_n_reaches == model.score_n_reaches
    assert again.quantile(0.9, 0.7, math.log(2.0)) == model.quantile(0.9, 0.7, math.log(2.0))
