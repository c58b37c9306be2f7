"""The backtests' bias correction fades out past their reach (in model size, tokens, tokens per parameter, and off
the compute-optimal band) instead of switching off there: switched off, the paper's FineWeb 100B ``optimal`` read
2.254 at C = 6.1e21 and 2.339 at 6.2e21 (+3.8 % for 1.6 % more compute; probe p70)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from l2l.core.error_model import (
    BIAS_TAPER,
    D_REACH_SLACK,
    N_REACH_SLACK,
    RATIO_REACH_SLACK,
    ErrorModel,
)
from l2l.core.predictive import Placement

# the bias learned: −2 % per unit of distance, held at the farthest backtest (d = 2): −4 %
MODEL = ErrorModel(
    kind="direct",
    bias_form="distance",
    bias_slope=-0.02,
    bias_aspect=0.0,
    noise_sd=0.01,
    spread_slope=0.01,
    scores=tuple(float(v) for v in np.linspace(0.1, 2.5, 60)),
    n_errors=60,
    n_cutoffs=4,
    max_distance=2.0,
    max_reach=1.0,
    max_aspect=math.log(3.0),
    max_n_reach=math.log(2.0),
    max_d_reach=math.log(2.0),
    max_ratio_above=0.5,
    max_ratio_below=0.5,
)
FULL = -0.04
TAPER = math.log(BIAS_TAPER)


def _at(**kw: float) -> Placement:
    return Placement(**{"distance": 3.0, "span": 3.0, **kw})  # type: ignore[arg-type]


# (what is varied, where the bias starts to fade: the reach and its slack)
EDGES = [
    ("n_reach", math.log(2.0) + math.log(N_REACH_SLACK)),
    ("d_reach", math.log(2.0) + math.log(D_REACH_SLACK)),
    ("ratio_reach", 0.5 + math.log(RATIO_REACH_SLACK)),
    ("aspect", math.log(3.0) * 1.05),
]
# ... each way where the reach has two sides (tokens per parameter above and below the fitted runs', the model
# size above and below the compute-optimal one)
SIDES = [(name, edge, 1.0) for name, edge in EDGES] + [
    ("ratio_reach", EDGES[2][1], -1.0),
    ("aspect", EDGES[3][1], -1.0),
]


@pytest.mark.parametrize(("name", "edge", "sign"), SIDES)
def test_the_bias_fades_linearly_in_log_from_full_at_the_reach_to_none_taper_times_beyond(
    name: str, edge: float, sign: float
) -> None:
    def bias(x: float) -> float:
        return MODEL.bias(_at(**{name: sign * x}))

    assert bias(0.0) == pytest.approx(FULL, abs=1e-12)
    assert bias(edge) == pytest.approx(FULL, abs=1e-12)  # full up to the reach
    assert bias(edge + TAPER / 4) == pytest.approx(0.75 * FULL, abs=1e-12)
    assert bias(edge + TAPER / 2) == pytest.approx(0.5 * FULL, abs=1e-12)
    assert bias(edge + TAPER) == pytest.approx(0.0, abs=1e-12)  # none at the taper's end
    assert bias(edge + 3 * TAPER) == 0.0
    # continuous: no step larger than the taper's slope allows, anywhere from inside to far beyond
    xs = np.linspace(0.0, edge + 2 * TAPER, 2001)
    steps = np.abs(np.diff([bias(float(x)) for x in xs]))
    assert steps.max() <= abs(FULL) / TAPER * (xs[1] - xs[0]) * (1 + 1e-9)


def test_past_two_reaches_the_fractions_multiply() -> None:
    n_edge, d_edge = EDGES[0][1], EDGES[1][1]
    where = _at(n_reach=n_edge + TAPER / 2, d_reach=d_edge + TAPER / 2)
    assert MODEL.applied(where) == pytest.approx(0.25)
    assert MODEL.bias(where) == pytest.approx(0.25 * FULL)


def test_mid_taper_the_interval_holds_the_law_the_tapered_and_the_fully_corrected_values() -> None:
    inside = _at()
    half_way = _at(n_reach=EDGES[0][1] + TAPER / 2)
    pi_in, pi = MODEL.interval(2.0, inside, 0.9), MODEL.interval(2.0, half_way, 0.9)
    assert pi.estimate == pytest.approx(2.0 * math.exp(0.5 * FULL))
    assert pi.lo <= 2.0 * math.exp(FULL) < pi.estimate < 2.0 <= pi.hi
    # each end: the spread (the same as inside) about the farthest of the three values
    half = math.log(pi_in.hi / pi_in.estimate)
    assert math.log(pi.hi / 2.0) == pytest.approx(half)
    assert math.log(2.0 * math.exp(FULL) / pi.lo) == pytest.approx(half)
    assert pi.lower_bound_only
    assert not pi_in.lower_bound_only
    said = " ".join(pi.notes)
    assert (
        "(-3.9 % nearer in), of which 50 % is applied here (-2.0 %; it fades from full at the reach" in said
    )
    assert (
        f"none {BIAS_TAPER:g}× beyond it): the interval holds the law's and the fully corrected value too"
        in said
    )


def test_past_the_taper_the_note_says_the_correction_is_not_applied() -> None:
    far = _at(n_reach=EDGES[0][1] + 2 * TAPER)
    pi = MODEL.interval(2.0, far, 0.9)
    assert pi.estimate == 2.0
    assert "which is not applied: the estimate is the law's" in " ".join(pi.notes)


def test_off_the_optimum_the_note_gives_the_fraction_applied() -> None:
    off = _at(aspect=EDGES[3][1] + TAPER / 2)
    pi = MODEL.interval(2.0, off, 0.9)
    assert pi.estimate == pytest.approx(2.0 * math.exp(0.5 * FULL))
    assert pi.lo <= 2.0 * math.exp(FULL)
    assert pi.hi >= 2.0
    assert "its bias correction (-3.9 % on the band), of which 50 % is applied here" in " ".join(pi.notes)


def test_a_bias_from_three_cutoffs_is_applied_and_its_interval_holds_the_laws_value_too() -> None:
    """A 6-budget sweep's three cutoffs: the forward test scores the largest cutoff's refits alone, whose noise
    passes it (two exact Eq. 3 datasets: 3 of 28 truths outside intervals printed as calibrated, helper h102)."""
    thin = dataclasses.replace(MODEL, n_cutoffs=3)
    inside = _at()
    kept, held = MODEL.interval(2.0, inside, 0.9), thin.interval(2.0, inside, 0.9)
    assert held.estimate == kept.estimate == pytest.approx(2.0 * math.exp(FULL))  # the estimate keeps it
    assert kept.hi < 2.0 <= held.hi  # four cutoffs: the law's value outside; three: held, at the same spread
    assert math.log(held.hi / 2.0) == pytest.approx(math.log(kept.hi / kept.estimate))
    assert held.lo == kept.lo
    assert not held.lower_bound_only
    assert any("learned from 3 backtest cutoffs" in n for n in held.notes)
    assert not any("backtest cutoffs" in n for n in kept.notes)
