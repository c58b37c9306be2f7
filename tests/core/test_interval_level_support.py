"""A level the backtests are too few for is said, not printed as that level: the split-conformal quantile of n
scores is their largest once ⌈(n+1)·level⌉ > n, so 0.95, 0.99 and 0.999 printed one interval (probe h2)."""

from __future__ import annotations

import math

import numpy as np

from l2l.core.error_model import BacktestResidual, fit_error_model
from l2l.core.predictive import Placement


def _errors(seed: int) -> list[BacktestResidual]:
    """40 flat backtest errors (0.5 % noise) of two datasets at four cutoffs of a sweep up to 8e18."""
    rng = np.random.default_rng(seed)
    out = []
    for k, cut in enumerate((1e18, 2e18, 4e18, 5.6e18)):
        top = math.log(8e18 / cut)
        for ds in "xy":
            for d in np.linspace(0.2, 1.0, 5) * top:
                e = 0.005 * float(rng.standard_normal())
                out.append(
                    BacktestResidual(
                        "direct",
                        ds,
                        "",
                        cut,
                        1e9,
                        1e10,
                        cut * math.exp(d),
                        d,
                        2.0,
                        2.0 * math.exp(e),
                        0.0,
                        1.0 + k,
                    )
                )
    return out


def test_a_level_beyond_what_the_backtests_support_is_a_lower_bound_saying_so() -> None:
    model = fit_error_model(_errors(0))
    where = Placement(math.log(2.0), 4.0)
    n = model.unsupported_level(0.99, where)
    assert n is not None
    assert math.ceil((n + 1) * 0.99) > n
    assert model.unsupported_level(0.9, where) is None
    at90, at99, at999 = (model.interval(2.0, where, level) for level in (0.9, 0.99, 0.999))
    assert not at90.lower_bound_only
    assert at99.lower_bound_only
    assert at999.lower_bound_only
    assert any("a 99% interval needs at least 99" in w for w in at99.notes)
    assert (at99.lo, at99.hi) == (at999.lo, at999.hi)  # the same largest error: said, no longer silent
