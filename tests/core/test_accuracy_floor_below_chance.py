"""A two-option task whose small models sit below chance (BoolQ answered with the minority class: 38 % where chance
is 50 %): the floor may go 10 points below a chance level, and ends on that edge. The warning said "the sweep does
not pin it down" — the sweep's runs at 38 % pin it, below the box (h71). A floor left loose by the sweep keeps
those words."""

from __future__ import annotations

import numpy as np

from l2l.core.accuracy.fit import fit_accuracy
from l2l.core.accuracy.law import AccuracyLaw


def _task(floor: float, seed: int = 71) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.7, 1.5, 80)
    law = AccuracyLaw("sigmoid", {"floor": floor, "ceiling": 0.82, "x0": 1.0, "s": 0.12})
    return x, np.clip(law.predict(x) + rng.normal(0, 0.005, x.size), 0, 1)


def test_a_floor_held_at_its_edge_below_chance_says_the_runs_lie_below_it() -> None:
    x, acc = _task(floor=0.38)
    fit = fit_accuracy(x, acc, chance=0.5)
    assert fit.at_bounds == ("floor",)
    (warning,) = [w for w in fit.warnings if w.startswith("floor ends on a bound")]
    assert "held at its lower edge, 10 points below the chance level (50 %)" in warning
    assert "the sweep does not pin it down" not in warning  # what it said
    n_below = int(np.sum(acc < 0.4 - 1e-9))
    assert n_below > 10
    assert f"with {n_below} of its runs below it (down to {100 * acc.min():.1f} %)" in warning
