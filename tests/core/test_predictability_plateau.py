"""A hard task's rise lives among its best runs while most runs sit at chance (probe h27's ARC-Challenge 0-shot,
helper h29): the trend test must see the rise there, and tasks that must stay unpredictable must stay so."""

from __future__ import annotations

import numpy as np

from l2l.core.accuracy import fit_accuracy
from l2l.core.predictability import assess_predictability


def _floats(text: str) -> np.ndarray:
    return np.array(text.split(), dtype=float)


# h27's seed-0 harness table, ARC-Challenge 0-shot (1172 items, chance 25 %), its 45 sweep runs by task loss: the best
# runs 6-13 points above chance (the binomial SD 1.3), 37 of 45 within 2 binomial SDs of it
ARC_LOSS = _floats(
    "2.6622 2.6984 2.8607 2.8638 2.8935 3.0392 3.0407 3.0685 3.1171 3.1455 3.1888 3.2841 3.3120 3.3298 "
    "3.4427 3.5350 3.5960 3.6083 3.6173 3.6543 3.7212 3.8239 3.9001 3.9484 4.1241 4.2058 4.2327 4.2561 "
    "4.3023 4.3324 4.4603 4.5901 4.6860 4.8081 4.8775 4.9025 5.0680 5.0946 5.1883 5.3274 5.3883 5.5900 "
    "5.8648 6.0240 6.3289 "
)
ARC_ACC = _floats(
    "0.3797 0.3259 0.3294 0.3072 0.3328 0.2645 0.2841 0.2833 0.2782 0.2517 0.2602 0.2619 0.2526 0.2560 "
    "0.2474 0.2585 0.2372 0.2619 0.2671 0.2560 0.2509 0.2432 0.2534 0.2457 0.2585 0.2295 0.2398 0.2747 "
    "0.2304 0.2568 0.2517 0.2346 0.2560 0.2585 0.2585 0.2722 0.2594 0.2483 0.2628 0.2645 0.2440 0.2739 "
    "0.2619 0.2449 0.2483 "
)


def test_a_rise_among_the_best_runs_over_a_plateau_at_chance_is_predictable() -> None:
    verdict = assess_predictability(ARC_LOSS, ARC_ACC, chance=0.25)
    # over all 45 runs ρ = −0.43, p = 0.0032: the old test called it "does not rise significantly"
    assert verdict.predictable, verdict.reason
    assert verdict.trend_runs == "half"
    assert verdict.trend_p < 1e-3
    assert verdict.spearman < -0.5
    assert "lower-loss half" in verdict.reason
    assert "ρ = -0.43, p = 0.0032" in verdict.reason
    assert fit_accuracy(ARC_LOSS, ARC_ACC, chance=0.25).status != "unpredictable"


def test_a_refusal_says_which_lower_loss_runs_it_also_tried() -> None:
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(2.4, 4.0, 45))
    verdict = assess_predictability(x, np.clip(0.62 + rng.normal(0, 0.02, 45), 0, 1), chance=0.25)
    assert not verdict.predictable
    assert verdict.trend_runs == "all"
    assert " nor among its lower-loss half (ρ = " in verdict.reason
    assert ") or quarter (ρ = " in verdict.reason
    # 15 runs: a half of 7 is too few for a subset test (TREND_MIN_RUNS), so the all-runs reason alone
    few = 15
    verdict = assess_predictability(x[:few], np.clip(0.62 + rng.normal(0, 0.02, few), 0, 1), chance=0.25)
    assert not verdict.predictable
    assert "lower-loss" not in verdict.reason


def test_tasks_that_must_stay_unpredictable_stay_so() -> None:
    """Flat above chance (only the trend tests guard it), inverse scaling that sets in among the best runs, an
    emergent task at chance: three tests at 1e-3 each (one-sided 5e-4) call a flat task predictable at most 0.15 %
    of the time; h29's sim.py measured ≤ 0.33 % over 3000 tables per case."""
    rng = np.random.default_rng(0)
    flat = 0
    for _ in range(600):
        x = rng.uniform(2.4, 4.0, 45)
        flat += assess_predictability(
            x, np.clip(0.62 + rng.normal(0, 0.02, 45), 0, 1), chance=0.25
        ).predictable
    assert flat <= 3  # ≤ 0.5 %
    for _ in range(50):
        x = rng.uniform(2.4, 4.0, 45)
        inverse = 0.60 - 0.25 * np.clip((3.2 - x) / 0.8, 0, None) + rng.normal(0, 0.013, 45)
        assert not assess_predictability(x, inverse, chance=0.25).predictable
        emergent = rng.binomial(1172, 0.25, 45) / 1172
        assert not assess_predictability(x, emergent, chance=0.25).predictable


def test_inverse_scaling_whose_best_runs_turn_up_again_stays_unpredictable() -> None:
    x = np.linspace(2.4, 4.0, 48)
    u = 0.45 + 0.25 * (x - 2.8) ** 2 * np.where(
        x < 2.8, 4.0, 1.0
    )  # falls from 81 % to 45 %, up to 55 % at the end
    u = u + np.random.default_rng(1).normal(0, 0.005, 48)
    verdict = assess_predictability(x, u, chance=0.25)
    assert not verdict.predictable
    assert "inverse scaling?" in verdict.reason
    assert "lower-loss" not in verdict.reason
