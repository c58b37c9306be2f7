"""The predictability gate's MIN_SIGNAL_SD (and the uninformative-backtest rule's own 3 SDs), re-derived for the noise
read from neighbouring runs on seeded near-chance sigmoids (h84: 3,000 tables, best runs 0-6 true noise SDs above
chance; the law's prediction beyond the sweep against the largest run's accuracy). These tables are that study's
generator."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.core.accuracy import fit_accuracy
from l2l.core.accuracy.settings import UNINFORMATIVE_SIGNAL_SD
from l2l.core.predictability import MIN_SIGNAL_SD, assess_predictability

CHANCE, TOP, NOISE = 0.25, 0.80, 0.01
TARGETS = np.array([2.9, 2.8, 2.7])  # 0.1-0.3 of the sweep's loss range beyond its best run


def _truth(x: np.ndarray, x0: float, s: float) -> np.ndarray:
    out: np.ndarray = CHANCE + (TOP - CHANCE) / (1 + np.exp((x - x0) / s))
    return out


def _near_chance(k: float, n: int, s: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """n runs at task losses uniform in 3-4, the true mean of the best 10 % of them ``k`` noise SDs above chance
    (k = 0: flat at chance), Gaussian noise of 1 point."""
    rng = np.random.default_rng([int(100 * k), n, int(1000 * s), seed])
    x = np.sort(rng.uniform(3.0, 4.0, n))
    best = x[: max(1, n // 10)]
    x0 = -47.0
    if k > 0:
        lo, hi = 3.0 - 30 * s, 9.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if float(np.mean(_truth(best, mid, s))) - CHANCE < k * NOISE else (lo, mid)
        x0 = 0.5 * (lo + hi)
    y = np.clip(_truth(x, x0, s) + NOISE * rng.standard_normal(n), 0.0, 1.0)
    return x, y, x0


def test_a_rise_five_noise_sds_above_chance_is_predicted_and_one_of_two_and_a_half_is_not() -> None:
    # the gate at 2.5 honest SDs (the study's 1,800 right of 3,000 against 1,789 for the old read at 3; 1.5 scored
    # 1,854 but admitted more tasks whose intervals under-covered on the paper's runs): a rise read at 5.2 SDs is
    # predicted, the law beyond the sweep 7.2 points off where the largest run's accuracy misses by 13.9; one read
    # at 2.46 SDs is refused, saying so
    assert MIN_SIGNAL_SD == 2.5
    x, y, x0 = _near_chance(3.0, 40, 0.15, 0)
    pred = assess_predictability(x, y, chance=CHANCE)
    assert pred.predictable
    assert pred.signal / pred.noise_sd == pytest.approx(5.18, abs=0.01)
    truth = _truth(TARGETS, x0, 0.15)
    law = fit_accuracy(x, y, chance=CHANCE, ceiling="auto")
    assert float(np.mean(np.abs(law.predict(TARGETS) - truth))) == pytest.approx(0.072, abs=0.001)
    assert float(np.mean(np.abs(y[0] - truth))) == pytest.approx(0.1391, abs=0.001)
    x, y, _ = _near_chance(2.5, 40, 0.15, 0)
    low = assess_predictability(x, y, chance=CHANCE)
    assert not low.predictable
    assert low.signal / low.noise_sd == pytest.approx(2.46, abs=0.01)
    assert "within 2.5 noise SDs (1.0 points each)" in low.reason


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_sweeps_within_a_noise_sd_of_chance_stay_unpredictable(k: float) -> None:
    # the study's 600 such tables: none called predictable at any MIN_SIGNAL_SD from 1 to 3.5 (the trend test and the
    # signal refuse them); here 20 seeds of 10, 20 and 40 runs
    called = [
        assess_predictability(*_near_chance(k, n, 0.15, seed)[:2], chance=CHANCE).predictable
        for n in (10, 20, 40)
        for seed in range(20)
    ]
    assert sum(called) == 0


def test_a_backtest_from_a_lower_half_two_noise_sds_above_chance_stays_uninformative() -> None:
    # the lower half's best runs sit 2.2 points (1.8 noise SDs) above chance: too little
    # rise to test the law fitted there, whose backtest misses by 70.1 points while the full fit predicts the sizes
    # beyond the sweep within 0.7 points (the largest run's accuracy misses them by 17.1)
    x, y, x0 = _near_chance(5.0, 20, 0.15, 21)
    law = fit_accuracy(x, y, chance=CHANCE, ceiling="auto")
    assert UNINFORMATIVE_SIGNAL_SD == 3.0
    assert law.status == "ok"
    assert "misses the top 20 % by 70.1 points" in law.backtest_uninformative
    assert "2.2 points above chance, within 3 noise SDs (1.2 points each)" in law.backtest_uninformative
    truth = _truth(TARGETS, x0, 0.15)
    assert float(np.mean(np.abs(law.predict(TARGETS) - truth))) == pytest.approx(0.0072, abs=0.001)
    assert float(np.mean(np.abs(y[0] - truth))) == pytest.approx(0.1708, abs=0.001)
