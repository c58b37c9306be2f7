"""The noise SD ``assess_predictability`` measures from neighbouring runs. Around a running median (probe h42)
it read 0 where a well-sampled curve rises steeply between neighbouring runs (every window monotone, its median
the run itself: "over 1000 noise SDs"; a harness table's poor law said "the runs' noise could not be measured"),
and 0.4–0.6× or 2–4× the truth on seeded sigmoids."""

from __future__ import annotations

import math

import numpy as np
import pytest

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


def _seeded_sigmoids(n: int, steepness: float, noise: float, seeds: int) -> list[float]:
    """The measured noise over the truth for ``seeds`` sweeps of ``n`` runs at uneven task losses."""
    rng = np.random.default_rng(7)
    ratios = []
    for _ in range(seeds):
        x = np.sort(rng.uniform(2.5, 4.0, n))
        y = 0.25 + 0.6 / (1 + np.exp(steepness * (x - 3.2))) + noise * rng.standard_normal(n)
        ratios.append(assess_predictability(x, y, chance=0.25).noise_sd / noise)
    return ratios


@pytest.mark.parametrize(("n", "steepness", "noise"), [(20, 3.0, 0.003), (20, 8.0, 0.03), (40, 8.0, 0.01)])
def test_the_noise_is_recovered_over_seeds_on_a_steep_or_a_bent_curve(
    n: int, steepness: float, noise: float
) -> None:
    # the running median read these 3.44×, 0.56× and 0.39× in the median, its 10th percentile 0.09–2.0×
    ratios = _seeded_sigmoids(n, steepness, noise, seeds=200)
    assert 0.85 < float(np.median(ratios)) < 1.25
    assert float(np.percentile(ratios, 10)) > 0.55
    assert float(np.percentile(ratios, 90)) < 1.75
