"""A dataset much noisier than the rest of its group: its spread scale is shrunk toward the others', so the pooled
quantile left its intervals narrower than its own backtests support (probe h2's `noisy` shape: its calibrated
own-loss intervals held 66 of 80 truths). Its own scores' quantile is now a floor under its interval."""

from __future__ import annotations

import math

import numpy as np

from l2l.core.error_model import BacktestResidual, fit_error_model
from l2l.core.predictive import Placement

NOISE = {"a": 0.005, "b": 0.005, "c": 0.005, "noisy": 0.03}


def _errors(rng: np.random.Generator) -> list[BacktestResidual]:
    """Flat backtest errors of four datasets at two cutoffs of a sweep up to 8e18, eight runs each."""
    out = []
    for cut in (1e18, 3e18):
        top = math.log(8e18 / cut)
        for ds, sd in NOISE.items():
            for d in np.linspace(0.1, 1.0, 8) * top:
                e = sd * float(rng.standard_normal())
                out.append(
                    BacktestResidual(
                        "direct", ds, "", cut, 1e9, 1e10, cut * math.exp(d), d, 2.0, 2.0 * math.exp(e)
                    )
                )
    return out


def test_a_noisy_datasets_interval_holds_what_its_own_backtests_say() -> None:
    rng = np.random.default_rng(0)
    inside = dict.fromkeys(NOISE, 0)
    width = dict.fromkeys(NOISE, 0.0)
    seeds = 120
    for _ in range(seeds):
        model = fit_error_model(_errors(rng))
        for ds, sd in NOISE.items():
            pi = model.interval(2.0, Placement(math.log(2.0), 4.0, group=ds))
            truth = 2.0 * math.exp(sd * float(rng.standard_normal()))
            inside[ds] += pi.lo <= truth <= pi.hi
            width[ds] += math.log(pi.hi / pi.lo) / 2 / seeds
    assert inside["noisy"] / seeds >= 0.85  # 0.80 with the pooled quantile alone (0.92 with the floor)
    for ds in "abc":
        assert inside[ds] / seeds >= 0.9
        assert width[ds] < width["noisy"] / 2.5  # the clean datasets keep their own, narrower width
