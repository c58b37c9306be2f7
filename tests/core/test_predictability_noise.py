"""The noise SD ``assess_predictability`` measures around a running median (probe h42): where a well-sampled curve
rises steeply between neighbouring runs, every window is monotone and its median is the run itself, so the noise
read 0 ("over 1000 noise SDs"; a harness table's poor law said "the runs' noise could not be measured")."""

from __future__ import annotations

import math

import numpy as np

from l2l.core.predictability import assess_predictability


def _steep_sigmoid(noise: float, n: int = 45, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """hellaswag-like accuracies of task losses 1.2-2.8, most runs on the sigmoid's steep part (a Marin-style
    sweep's): chance 0.25, rising to ~0.8, Gaussian noise ``noise``."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(1.2, 2.8, n))
    acc = 0.25 + 0.75 / (1 + np.exp((x - 1.6) / 0.3))
    return x, np.round(acc + noise * rng.standard_normal(n), 4)


def test_a_steep_well_sampled_curve_has_its_noise_measured_not_zero() -> None:
    x, y = _steep_sigmoid(0.004)
    pred = assess_predictability(x, y, chance=0.25)
    assert 0.002 < pred.noise_sd < 0.008  # the truth 0.004; it read 1e-6 (the floor of a zero)
    assert "over 1000 noise SDs" not in pred.reason
    assert pred.predictable


def test_a_noisy_curve_keeps_its_running_median_noise() -> None:
    x, y = _steep_sigmoid(0.02)
    pred = assess_predictability(x, y, chance=0.25)
    assert math.isclose(pred.noise_sd, 0.02, rel_tol=0.5)
