"""The power law along one line of tokens per parameter (``l2l.core.line_law``): recovered on seeded runs, and not
fitted where the runs cannot show its curvature."""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from l2l.core.line_law import fit_line_law

SIZES = np.array([4e6, 6e6, 10e6, 20e6, 60e6, 90e6, 150e6, 300e6])


def test_line_law_recovers_a_power_law_along_the_line_from_noisy_seeds() -> None:
    rng = np.random.default_rng(3)
    n = np.repeat(SIZES, 3)
    truth = 2.0 + 210.0 * n**-0.33
    loss = truth * np.exp(rng.normal(0.0, 0.005, len(n)))
    law = fit_line_law(n, 100 * n, loss)
    assert law is not None
    assert_allclose((law.E, law.gamma), (2.0, 0.33), rtol=0.08)
    assert law.ratio == 100.0
    target = 2.0 + 210.0 * 1e9**-0.33
    assert abs(float(law.predict(1e9)) / target - 1) < 0.01


def test_line_law_is_not_fitted_on_fewer_than_four_sizes() -> None:
    n = np.array([1e7, 1e7, 3e7, 1e8])
    assert fit_line_law(n, 20 * n, 2.0 + 100 * n**-0.3) is None
