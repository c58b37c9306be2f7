"""The one run-array type and the one pairing rule (l2l.core.sweep)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from l2l.base.errors import FitError, LengthMismatchError
from l2l.core.sweep import (
    SAME_RTOL,
    Sweep,
    budgets,
    config_groups,
    cross_lines,
    off_cross,
    optimum_off_sweep,
    pair_configs,
)
from l2l.workflows.pairing import at_config


def test_a_sweep_checks_its_arrays_and_fills_compute() -> None:
    s = Sweep.of([1e8, 2e8], [1e9, 2e9], None, [3.0, 2.9], flops_per_param_token=4.0)
    assert_allclose(s.C, [4e17, 16e17])
    assert len(s) == 2
    with pytest.raises(LengthMismatchError, match="different lengths"):
        Sweep.of([1e8], [1e9, 2e9], None, [3.0, 2.9])
    with pytest.raises(FitError, match="loss must be finite and > 0"):
        Sweep.of([1e8, 2e8], [1e9, 2e9], None, [3.0, np.nan])


def test_a_sweeps_extent_is_its_largest_size_and_tokens_and_its_range_of_tokens_per_parameter() -> None:
    """Taken once and kept (a backtest asks it of its fitted runs for every run it scores): the same numbers as the
    arrays' own max and min, and a subset has its own."""
    s = Sweep.of([3e8, 1e8, 2e8], [1e9, 4e9, 5e8], None, [2.8, 3.0, 2.9])
    assert s.extent == (3e8, 4e9, 2.5, 40.0)
    assert s.extent is s.extent
    assert s.subset(np.array([0, 2])).extent == (3e8, 1e9, 2.5, 1e9 / 3e8)


def test_subsets_below_a_cutoff_and_in_order() -> None:
    s = Sweep.of([3e8, 1e8, 2e8], [1e9, 1e9, 5e8], None, [2.8, 3.0, 2.9])
    assert_allclose(s.below(6 * 2e8 * 5e8).N, [1e8, 2e8])
    assert_allclose(s.sorted().N, [1e8, 2e8, 3e8])
    assert s.sorted().sorted().N.tolist() == s.sorted().N.tolist()
    assert_allclose(budgets([1.0, 1.0005, 2.0, 4.0]), [1.0, 2.0, 4.0])


def test_pairs_are_one_to_one_nearest_first_within_the_tolerance() -> None:
    # b holds a near-duplicate of a[0]'s configuration: only the nearer is paired with it, once
    na, da = np.array([1e8, 2e8, 4e8]), np.array([1e9, 2e9, 4e9])
    nb = np.array([2e8 * (1 + 1e-7), 1e8 * (1 + 5e-7), 1e8, 3e8])
    db = np.array([2e9, 1e9, 1e9, 3e9])
    i, j = pair_configs(na, da, nb, db)
    assert_array_equal(i, [0, 1])
    assert_array_equal(j, [2, 0])
    # outside the tolerance nothing pairs
    i, j = pair_configs(na, da, na * (1 + 10 * SAME_RTOL), da)
    assert len(i) == len(j) == 0
    assert len(pair_configs(na[:0], da[:0], nb, db)[0]) == 0


def test_repeats_of_a_configuration_are_grouped_and_averaged() -> None:
    n = np.array([1e8, 2e8, 1e8 * (1 + 1e-7), 2e8])
    d = np.array([1e9, 1e9, 1e9, 2e9])
    assert_array_equal(config_groups(n, d), [0, 1, 0, 2])
    s = Sweep.of(n, d, None, [3.0, 2.9, 3.2, 2.8]).by_config()
    assert_allclose(s.loss, [3.1, 2.9, 2.8])
    assert_allclose(s.N, [1e8, 2e8, 2e8])


def test_table_rows_at_a_configuration_follow_the_same_rule() -> None:
    frame = pl.DataFrame({"N": [1e8, 1e8 * (1 + 5e-7), 1e8 * (1 + 5e-6)], "D": [1e9, 1e9, 1e9]})
    assert frame.filter(at_config(1e8, 1e9)).height == 2


def test_pairing_without_contention_matches_the_greedy_rule() -> None:
    """The shortcut for grids where no run has two partners gives the greedy rule's pairs, and grids with repeats
    (contention) still go through the rule."""

    def greedy(na: np.ndarray, da: np.ndarray, nb: np.ndarray, db: np.ndarray) -> list[tuple[int, int]]:
        tol = np.log1p(SAME_RTOL)
        gn = np.abs(np.log(na)[:, None] - np.log(nb)[None, :])
        gd = np.abs(np.log(da)[:, None] - np.log(db)[None, :])
        dist = np.where((gn <= tol) & (gd <= tol), gn + gd, np.inf)
        pairs: dict[int, int] = {}
        for i in np.argsort(dist.min(axis=1), kind="stable"):
            for j in np.argsort(dist[i], kind="stable"):
                if np.isfinite(dist[i, j]) and int(j) not in pairs.values():
                    pairs[int(i)] = int(j)
                    break
        return sorted(pairs.items())

    rng = np.random.default_rng(3)
    for _ in range(40):
        grid_n = 10.0 ** rng.uniform(7, 9, 6)
        grid_d = 10.0 ** rng.uniform(9, 11, 6)
        ia, ib = rng.integers(0, 6, rng.integers(1, 9)), rng.integers(0, 6, rng.integers(1, 9))
        jitter = 1 + rng.uniform(-SAME_RTOL / 3, SAME_RTOL / 3, (4, 9))
        na, da = grid_n[ia] * jitter[0, : len(ia)], grid_d[ia] * jitter[1, : len(ia)]
        nb, db = grid_n[ib] * jitter[2, : len(ib)], grid_d[ib] * jitter[3, : len(ib)]
        i, j = pair_configs(na, da, nb, db)
        assert list(zip(i.tolist(), j.tolist(), strict=True)) == greedy(na, da, nb, db)


def test_an_optimum_far_outside_the_sweeps_tokens_per_parameter_is_no_answer() -> None:
    """A probe's law with a flat D term put N* at 8.1e18 parameters on 35 tokens from runs at 20 and 40 tokens per
    parameter; an optimum up to 100× outside that range still stands (flagged elsewhere as a lower bound)."""
    n = np.array([1e8, 2e8, 4e8])
    d = np.array([20.0, 30.0, 40.0]) * n
    assert optimum_off_sweep(1e9, 2e10, n, d) is None
    assert optimum_off_sweep(1e9, 0.25e9, n, d) is None  # 0.25 tokens per parameter: 80× below 20
    assert optimum_off_sweep(1e9, 3.9e12, n, d) is None  # 3,900: 97.5× above 40
    far = optimum_off_sweep(8.08e18, 35.1, n, d)
    assert far is not None
    assert "4.34e-18 tokens per parameter, more than 100× outside the sweep's 20–40" in far
    assert optimum_off_sweep(1e9, 4.1e12, n, d) is not None
    for n_opt, d_opt in ((0.0, 1e9), (float("nan"), 1e9), (1e9, float("nan")), (1e9, float("inf"))):
        said = optimum_off_sweep(n_opt, d_opt, n, d)
        assert said is not None
        assert "nan" not in said
        assert "inf" not in said


def test_an_isoflop_line_written_to_three_digits_is_one_budget() -> None:
    """Sizes written as 645M and 25.8B scatter C = 6·N·D along one isoFLOP line by a few tenths of a percent (1.3B
    and 26B: several percent): at a tolerance of 1e-3 a line split in two, the backtests cut inside it, and a law
    within its noise read "poor" (probes p48, p50)."""
    from l2l.core.sweep import budgets

    cs = []
    for c in (1e17, 1e18, 1e19, 1e20, 1e21):
        for n in np.geomspace(2e7, 2e9, 6) * (c / 1e19) ** 0.5:
            n3 = float(f"{n:.3g}")
            cs.append(6 * n3 * float(f"{c / (6 * n3):.3g}"))
    assert len(budgets(cs)) == 5
    two = [
        6 * float(f"{n:.2g}") * float(f"{1e19 / (6 * float(f'{n:.2g}')):.2g}")
        for n in np.geomspace(2e8, 2e9, 6)
    ]
    assert len(budgets(two)) == 1  # written to two digits (1.3B, 26B): one line, C within 10 %
    assert len(budgets([1e19, 1.5e19, 3e19])) == 3  # budgets 1.5x apart stay apart


def test_a_single_run_atop_an_isoflop_sweep_does_not_pin_the_law_and_targets_are_placed_from_below_it() -> (
    None
):
    """Probe p62: an iso-FLOP design with 12, 12, 12, 8, 5, 3 and 1 runs per budget placed targets at 1.08× the top
    budget (N and D inside) at distance 0, and their ±0.7-1.7 % cross-eval intervals held 6 of 16 truths (their
    laws' backtest errors 2.15 %). The one top run pins the law at one (N, D) of that budget: a target is placed
    from the largest budget with several runs (there: 8 of 8 held, at ±2.7 %). A ladder (one run per budget) and an
    even iso-FLOP sweep keep their largest compute."""
    import math

    from l2l.core.predictive import Placement
    from l2l.core.sweep import Sweep, pinned_top

    per = {1e17: 12, 3e17: 12, 1e18: 12, 3e18: 8, 1e19: 5, 3e19: 3, 1e20: 1}
    C = np.concatenate([np.full(k, c) for c, k in per.items()])
    assert pinned_top(C) == 3e19
    assert pinned_top(np.geomspace(1e17, 1e20, 30)) == 1e20  # a ladder: every budget one run
    assert pinned_top(np.repeat([1e17, 1e18, 1e19, 1e20], 6)) == 1e20
    assert pinned_top(np.repeat([1e17, 1e18, 1e19, 1e20, 1e21], [6, 6, 6, 1, 1])) == 1e19
    N = np.concatenate([np.geomspace(1e7, 1e9, k) if k > 1 else [3e8] for k in per.values()])
    sweep = Sweep.of(N, C / (6 * N), C, np.full(len(C), 3.0))
    where = Placement.at(6e8, 3e10, 1.08e20, sweep)
    assert where.distance == pytest.approx(math.log(1.08e20 / 3e19))
    # ... but that run pins the law at its own configuration: a target there lies inside
    assert Placement.at(3e8, 1e20 / (6 * 3e8), 1e20, sweep).distance == 0.0


def test_a_size_written_to_three_digits_finds_its_one_run_and_an_ambiguous_or_far_one_none() -> None:
    """``near_configs``: 19.9M is the 19.904M run (0.02 % apart); 170M the 170.428M run (0.25 %); 20.9M lies 5 %
    from every run (none, nearest 19.904M); 50M lies within 0.5 % of two runs (ambiguous)."""
    from l2l.core.sweep import ROUNDED_RTOL, near_configs

    assert ROUNDED_RTOL == 0.005
    runs_n = np.array([19.904e6, 170.428e6, 49.9e6, 50.1e6])
    runs_d = np.array([1e8, 1e9, 1e9, 1e9])
    match, near = near_configs(
        [19.9e6, 170e6, 20.9e6, 50e6, 19.9e6], [1e8, 1e9, 1e8, 1e9, 1.2e8], runs_n, runs_d
    )
    assert match.tolist() == [0, 1, -1, -2, -1]  # the last: D 20 % off
    assert near.tolist()[:3] == [0, 1, 0]
    assert near_configs([1e8], [1e9], [], [])[1].tolist() == [-1]


def test_a_kaplan_pair_of_one_line_sweeps_is_a_cross_and_a_grid_or_a_ladder_is_not() -> None:
    sizes, tokens = [20e6, 85e6, 350e6, 1.0e9, 1.5e9], [1.5e9, 6e9, 25e9, 100e9]
    n = [*sizes, *[1.0e9] * 3]  # L(N) at 100B, L(D) at 1B (its 100B run shared); sizes written to 3 digits
    d = [*[100e9] * 5, *tokens[:3]]
    n[3], d[0] = 1.001e9, 100.2e9
    assert cross_lines(n, d) == (1.0e9, 100e9)
    n0d0 = (1.0e9, 100e9)
    assert off_cross(n0d0, 300e6, 10e9)  # in the empty quadrant
    assert not off_cross(n0d0, 3e9, 100e9)  # on the L(N) line, extrapolated
    assert not off_cross(n0d0, 1.04e9, 300e9)  # on the L(D) line (within 5 %)
    grid = [(a, b) for a in sizes[:3] for b in tokens[:3]]
    assert cross_lines([a for a, _ in grid], [b for _, b in grid]) is None
    assert cross_lines(sizes, [20 * s for s in sizes]) is None  # one line of tokens per parameter
    assert cross_lines(n[:6], d[:6]) is None  # two token counts on the N line: not a line of its own
