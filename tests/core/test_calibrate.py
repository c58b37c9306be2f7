"""Calibrated predictive intervals (l2l.core.calibrate): error model, backtests, fallback, translations, combination."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, UsageError
from l2l.core.backtest import BacktestOptions
from l2l.core.calibrate import calibrate
from l2l.core.error_model import BacktestResidual, fit_error_model
from l2l.core.fit import LawFit, fit_law
from l2l.core.intervals import (
    combined_interval,
    direct_interval,
    optimal_interval,
    translation_interval,
)
from l2l.core.laws import Array, ScalingLaw
from l2l.core.loss_to_loss import TranslationInputs
from l2l.core.predictive import Placement, aspect_of, aspect_on, bootstrap_interval, combine_values, span_of
from l2l.core.sweep import Sweep
from l2l.testing import PAPER_LIKE_LAW, Shift

BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
SHIFT = Shift(0.65, 1.08, 0.90)


def _errors(rng: np.random.Generator, n: int, bias: float, spread: float) -> list[BacktestResidual]:
    """Backtest errors drawn from log(actual/pred) = bias·d + spread·(d/w)·z over 4 cutoffs (spans 2 to 5), of two
    datasets (a bias is learned only from two groups or more)."""
    out = []
    for k in range(n):
        cut = 1e18 * 2 ** (k % 4)
        d = float(rng.uniform(0.3, 3.0))
        w = 2.0 + k % 4
        e = bias * d + math.hypot(0.002, spread * d / w) * float(rng.standard_normal())
        out.append(
            BacktestResidual(
                "direct",
                "xy"[k // 4 % 2],
                "",
                cut,
                1e9,
                1e10,
                cut * math.exp(d),
                d,
                2.0,
                2.0 * math.exp(e),
                0.0,
                w,
            )
        )
    return out


def test_a_bias_that_shrinks_as_the_cutoffs_grow_is_not_applied() -> None:
    """The backtests' bias of a probe's table: about −0.8 % per unit of distance at the smaller cutoffs, gone at the
    largest two, whose refits are most like the full fit. Leaving one cutoff out kept it (the smaller cutoffs, most
    of the errors, teach it) and it moved held-out predictions 2–3.5 % off laws within 1 % of the truth."""
    rng = np.random.default_rng(2)
    errors = _errors(rng, 800, bias=0.0, spread=0.004)
    cut_slope = {1e18: -0.008, 2e18: -0.008, 4e18: 0.0, 8e18: 0.0}
    shrinking = [
        dataclasses.replace(x, actual=x.actual * math.exp(cut_slope[x.cutoff] * x.distance)) for x in errors
    ]
    assert fit_error_model(shrinking).bias_form == "none"
    steady = [dataclasses.replace(x, actual=x.actual * math.exp(-0.008 * x.distance)) for x in errors]
    assert fit_error_model(steady).bias_form == "distance"


def test_error_model_recovers_bias_and_spread_and_covers_new_errors() -> None:
    rng = np.random.default_rng(0)
    model = fit_error_model(_errors(rng, 800, bias=-0.012, spread=0.02))
    assert model.bias_form == "distance"  # the errors grow with d: the cross-fit must pick that form
    assert_allclose(model.bias_slope, -0.012, atol=0.001)  # abs: ~5 standard errors of the slope
    assert_allclose(model.spread_slope, 0.02, rtol=0.15)
    assert (
        model.spread_distance < 0.003
    )  # the spread grows with d/w here, not with d: the fit tells them apart
    fresh = _errors(np.random.default_rng(1), 2000, bias=-0.012, spread=0.02)
    covered = [
        model.interval(e.predicted, Placement(e.distance, e.span), 0.9).covers(e.actual) for e in fresh
    ]
    assert 0.87 <= np.mean(covered) <= 0.93


def test_an_interval_is_never_narrower_than_the_runs_scatter_about_the_law() -> None:
    """Backtests that all reach beyond their fits may learn no spread at distance 0 (two datasets, inside the
    sweep: ±0.0003 % against runs scattered by 0.3 %); the scatter of the runs about the law is the floor."""
    model = fit_error_model(_errors(np.random.default_rng(7), 400, bias=0.0, spread=0.02))
    inside = Placement(0.0, 3.0)
    bare = model.interval(2.0, inside, 0.9)
    floored = model.interval(2.0, inside, 0.9, scatter=0.01)
    z = 1.6448536269514722
    assert bare.half_width < z * 0.01
    assert_allclose(math.log(floored.hi / floored.estimate), z * 0.01, rtol=1e-9)
    far = Placement(
        3.0, 3.0
    )  # where the backtests' spread is wider than the floor, the floor changes nothing
    assert model.interval(2.0, far, 0.9, scatter=0.001).hi == model.interval(2.0, far, 0.9).hi


def test_interval_is_monotone_in_level_and_shifts_by_the_bias() -> None:
    model = fit_error_model(_errors(np.random.default_rng(2), 300, bias=-0.01, spread=0.02))
    widths = [model.interval(2.0, Placement(3.0, 5.0), lv).half_width for lv in (0.5, 0.8, 0.9, 0.95)]
    assert all(a < b for a, b in itertools.pairwise(widths))
    pi = model.interval(2.0, Placement(3.0, 5.0), 0.9)
    assert pi.lo < pi.estimate < pi.hi
    assert_allclose(pi.estimate, 2.0 * math.exp(model.bias(Placement(3.0, 5.0))), rtol=1e-12)
    assert not pi.lower_bound_only
    with pytest.raises(UsageError):
        model.interval(2.0, Placement(3.0, 5.0), 1.0)


def test_too_few_errors_or_cutoffs_cannot_make_a_model() -> None:
    rng = np.random.default_rng(3)
    with pytest.raises(FitError, match="too few"):
        fit_error_model(_errors(rng, 5, -0.01, 0.02))
    one_cut = [e for e in _errors(rng, 80, -0.01, 0.02) if e.cutoff == 1e18]
    with pytest.raises(FitError, match="single cutoff"):
        fit_error_model(one_cut)


def _sweeps(
    seed: int, budgets: tuple[float, ...] = BUDGETS, noise: float = 0.004
) -> tuple[dict[str, Sweep], dict[str, tuple[float, float, float, float]]]:
    """Two datasets (a paper-like law and an exact shift of it) on an iso-FLOP grid, and each one's noisy held-out
    run at 1e21 (N, D, C, loss)."""
    rng = np.random.default_rng(seed)
    law = PAPER_LIKE_LAW
    ns, cs = [], []
    for c in budgets:
        for n in float(law.compute_optimal(c)[0]) * np.geomspace(1 / 6, 6, 7):
            ns.append(n)
            cs.append(c)
    n_arr, c_arr = np.array(ns), np.array(cs)
    nt = float(law.compute_optimal(1e21)[0])
    out, held = {}, {}
    for name in ("a", "b"):
        x = law.predict(n_arr, c_arr / (6 * n_arr))
        xt = float(law.predict(nt, 1e21 / (6 * nt)))
        if name == "b":
            x, xt = SHIFT.apply(x, law.E), float(SHIFT.apply(np.asarray(xt), law.E))
        y = x * np.exp(noise * rng.standard_normal(len(x)))
        out[name] = Sweep.of(n_arr, c_arr / (6 * n_arr), c_arr, y)
        held[name] = (nt, 1e21 / (6 * nt), 1e21, xt * math.exp(noise * float(rng.standard_normal())))
    return out, held


def _fast_fit(n: Array, d: Array, y: Array) -> LawFit:
    # warm starts near the truth (both datasets' laws): the backtests' refits in milliseconds
    starts = np.array([PAPER_LIKE_LAW.theta, PAPER_LIKE_LAW.translated(SHIFT.K, SHIFT.kappa, SHIFT.E1).theta])
    return fit_law(n, d, y, starts=starts)


def test_calibrated_direct_and_translated_intervals_cover_held_out_runs_over_seeds() -> None:
    hits_direct, hits_trans = [], []
    for seed in range(8):
        sweeps, held = _sweeps(seed)
        cal = calibrate(sweeps, BacktestOptions(fit=_fast_fit))
        assert cal.direct is not None
        assert cal.translation is not None
        assert not cal.lower_bound_only
        fits = {k: _fast_fit(s.N, s.D, s.loss) for k, s in sweeps.items()}
        for name, (n, d, c, y) in held.items():
            pi = direct_interval(fits[name], n, d, c, sweeps[name], cal.direct)
            assert pi.distance > 2.5
            assert any("compute is" in w for w in pi.notes)
            hits_direct.append(pi.covers(y))
        ti = translation_interval(
            held["a"][3],
            TranslationInputs.of(sweeps["a"].loss, sweeps["b"].loss, fits["a"].law.E, fits["b"].law.E),
            Placement.of(1e21, sweeps["b"].max_C, float(sweeps["b"].C.min())),
            cal.translation,
            draws=50,
            seed=seed,
        )
        hits_trans.append(ti.prediction.covers(held["b"][3]))
        assert ti.K_interval[0] <= ti.K <= ti.K_interval[1]
        assert ti.kappa_interval[0] <= ti.kappa <= ti.kappa_interval[1]
    # 16 direct and 8 translated 90 % intervals (14/16 and 8/8 when written): allow the binomial spread
    # (P(X ≤ 11 | 16, 0.9) ≈ 1.7 %, P(X ≤ 5 | 8, 0.9) ≈ 3.8 %)
    assert np.sum(hits_direct) >= 12
    assert np.sum(hits_trans) >= 6


def test_too_few_budgets_falls_back_to_a_bootstrap_interval_flagged_as_lower_bound() -> None:
    sweeps, held = _sweeps(0, budgets=(2e17, 6e17, 2e18))
    cal = calibrate(sweeps, BacktestOptions(fit=_fast_fit))
    assert cal.direct is None
    assert cal.lower_bound_only
    assert any("nothing to backtest" in n for n in cal.notes)
    fit = _fast_fit(sweeps["a"].N, sweeps["a"].D, sweeps["a"].loss)
    n, d, c, _ = held["a"]
    pi = direct_interval(fit, n, d, c, sweeps["a"], cal.direct)
    assert pi.lower_bound_only
    assert pi.method == "bootstrap"
    assert any("lower bound" in w for w in pi.notes)
    assert cal.to_dict()["lower_bound_only"] is True


def test_bootstrap_interval_is_symmetric_in_log_space() -> None:
    pi = bootstrap_interval(2.0, 1.0, 0.01, 0.9)
    assert_allclose(math.log(pi.hi / 2.0), -math.log(pi.lo / 2.0), rtol=1e-12)
    assert_allclose(math.log(pi.hi / 2.0), 1.6448536 * 0.01, rtol=1e-6)


def test_combining_sources_mean_median_and_inverse_variance() -> None:
    vals = [2.0, 2.1, 2.6]
    assert_allclose(combine_values(vals, "mean"), 6.7 / 3, rtol=1e-12)
    assert_allclose(combine_values(vals, "median"), 2.1, rtol=1e-12)
    # a source with a tiny sd dominates the inverse-variance mean
    assert_allclose(combine_values(vals, "ivw", [1.0, 1.0, 1e-4]), 2.6, rtol=1e-6)
    with pytest.raises(FitError):
        combine_values(vals, "ivw")
    model = fit_error_model(_errors(np.random.default_rng(4), 200, 0.0, 0.01))
    pi = combined_interval(vals, Placement(1.0, 4.0), model=model)
    assert pi.raw == pytest.approx(6.7 / 3)
    assert "mean of 3 sources" in pi.notes[0]
    fallback = combined_interval(vals, Placement(1.0, 4.0), model=None, method="median")
    assert fallback.lower_bound_only
    assert fallback.raw == pytest.approx(2.1)


def test_span_is_at_least_log_two() -> None:
    assert span_of(1e18, 1e18) == pytest.approx(math.log(2))
    assert span_of(5e19, 2e17) == pytest.approx(math.log(250))


def test_synthetic_law_is_closed_under_shift() -> None:
    law: ScalingLaw = PAPER_LIKE_LAW.translated(SHIFT.K, SHIFT.kappa, SHIFT.E1)
    assert_allclose(
        law.predict(1e9, 2e10), SHIFT.apply(PAPER_LIKE_LAW.predict(1e9, 2e10), PAPER_LIKE_LAW.E), rtol=1e-10
    )


def test_a_group_with_larger_backtest_errors_gets_a_wider_interval() -> None:
    rng = np.random.default_rng(5)
    tight = _errors(rng, 300, 0.0, 0.01)
    loose = [
        BacktestResidual(
            "translation", "b", "a", e.cutoff, e.N, e.D, e.C, e.distance, e.predicted, e.actual, 0.0, e.span
        )
        for e in _errors(rng, 300, 0.0, 0.04)
    ]
    tight = [
        BacktestResidual(
            "translation", "c", "a", e.cutoff, e.N, e.D, e.C, e.distance, e.predicted, e.actual, 0.0, e.span
        )
        for e in tight
    ]
    model = fit_error_model(tight + loose, "translation")
    assert model.scale("a→b") / model.scale("a→c") > 2.0
    assert model.scale("unseen") == 1.0
    wide = model.interval(2.0, Placement(3.0, 4.0, group="a→b"), 0.9)
    narrow = model.interval(2.0, Placement(3.0, 4.0, group="a→c"), 0.9)
    assert wide.half_width > 2 * narrow.half_width
    # each group is covered at about the level asked for
    for grp, errs in (("a→b", loose), ("a→c", tight)):
        cov = np.mean(
            [
                model.interval(e.predicted, Placement(e.distance, e.span, group=grp), 0.9).covers(e.actual)
                for e in errs
            ]
        )
        assert 0.75 <= cov <= 0.99
    pooled = fit_error_model(tight + loose, "translation", by_group=False)
    assert pooled.group_scales == {}


def test_bootstrap_spread_is_reported_and_added_only_on_request() -> None:
    from l2l.core.fit import bootstrap_law

    sweeps, held = _sweeps(1)
    s = sweeps["a"]
    fit = bootstrap_law(_fast_fit(s.N, s.D, s.loss), s.N, s.D, s.loss, draws=30, seed=0)
    model = fit_error_model(_errors(np.random.default_rng(6), 200, -0.01, 0.02))
    n, d, c, _ = held["a"]
    plain = direct_interval(fit, n, d, c, s, model)
    both = direct_interval(fit, n, d, c, s, model, include_bootstrap=True)
    assert plain.sd_param > 0
    assert both.sd_param == plain.sd_param
    assert both.half_width > plain.half_width
    assert plain.method == "backtest:direct"


def test_off_optimal_backtests_are_left_out_and_off_optimal_targets_say_so() -> None:
    errs = _errors(np.random.default_rng(7), 200, -0.01, 0.02)
    far = [
        BacktestResidual(
            "direct", "x", "", e.cutoff, e.N, e.D, e.C, e.distance, e.predicted, e.actual * 1.5, 2.0, e.span
        )
        for e in errs[:50]
    ]
    model = fit_error_model(errs + far)
    assert model.n_errors == len(errs)
    pi = model.interval(2.0, Placement(1.0, 4.0, aspect=math.log(5.0)), 0.9)
    assert any("compute-optimal" in w for w in pi.notes)


def test_warm_started_backtests_match_the_given_fitter() -> None:
    sweeps, _ = _sweeps(2)
    cold = calibrate(sweeps, BacktestOptions(fit=_fast_fit, translations=False))
    fits = {k: _fast_fit(s.N, s.D, s.loss) for k, s in sweeps.items()}
    warm = calibrate(
        sweeps, BacktestOptions(warm_starts={k: f.law.theta for k, f in fits.items()}, translations=False)
    )
    assert cold.direct is not None
    assert warm.direct is not None
    assert warm.translation is None
    assert warm.backtest.n_fits == cold.backtest.n_fits == 2 * len(warm.backtest.cutoffs)
    assert_allclose(warm.direct.spread_slope, cold.direct.spread_slope, rtol=1e-3)


def test_optimal_interval_brackets_the_point_and_is_flagged_a_lower_bound() -> None:
    from l2l.core.fit import bootstrap_law

    sweeps, _ = _sweeps(3)
    s = sweeps["a"]
    point = _fast_fit(s.N, s.D, s.loss)
    n_star = float(point.law.compute_optimal(1e21)[0])
    assert_allclose(optimal_interval(point, 1e21).N_interval, (n_star, n_star), rtol=1e-12)
    fit = bootstrap_law(point, s.N, s.D, s.loss, draws=40, seed=0)
    oi = optimal_interval(fit, 1e21)
    assert oi.N_interval[0] < oi.N_opt < oi.N_interval[1]
    assert oi.D_interval[0] < oi.D_opt < oi.D_interval[1]
    assert_allclose(oi.N_opt * oi.D_opt, 1e21 / 6, rtol=1e-9)
    assert oi.lower_bound_only
    assert oi.to_dict()["draws"] == 40


def test_backtests_that_never_miss_make_a_finite_model() -> None:
    """An exact translation (two datasets whose laws are one shift apart, no noise): every backtest error is 0.
    The per-group scale was 0/0, a NaN that reached the scores."""
    exact = [
        BacktestResidual("direct", g, "", cut, 1e9, 1e10, cut * 4, d, 2.0, 2.0)
        for g in "xy"
        for cut in (1e17, 1e18, 1e19)
        for d in (0.5, 1.0, 1.5, 2.0)
    ]
    model = fit_error_model(exact)
    pi = model.interval(2.0, Placement(1.0, 3.0, group="x"), 0.9, scatter=0.003)
    assert all(math.isfinite(v) for v in (pi.lo, pi.hi, *model.scores))
    assert pi.lo < 2.0 < pi.hi


def test_runs_a_rounding_above_their_budget_are_fitted_with_it_not_predicted() -> None:
    """C = 6·N·D from rounded sizes scatters a grid budget over parts in a million: a run 3e-6 above its cutoff
    was predicted by the refit that should have fitted it, at distance 0, and one bad run there blew every
    dataset's interval up to [0, 1e129] (probe table with one early-stopped run)."""
    sweeps, _ = _sweeps(0)
    jittered = {
        k: Sweep.of(s.N, s.D, s.C * (1 + 3e-6 * (np.arange(len(s.C)) % 3)), s.loss) for k, s in sweeps.items()
    }
    clean = calibrate(sweeps, BacktestOptions(fit=_fast_fit))
    got = calibrate(jittered, BacktestOptions(fit=_fast_fit))
    assert clean.direct is not None
    assert got.direct is not None
    assert got.direct.n_errors == clean.direct.n_errors
    assert_allclose(got.direct.scores, clean.direct.scores, rtol=1e-4)
    assert min(got.direct.score_distances) > 0.1  # nothing inside its own budget is scored as a prediction


def test_an_interval_too_wide_to_bound_anything_is_refused() -> None:
    model = fit_error_model(_errors(np.random.default_rng(0), 400, bias=0.0, spread=0.02))
    wild = dataclasses.replace(model, scores=tuple(s * 1e4 for s in model.scores))
    with pytest.raises(FitError, match="too scattered to bound this prediction"):
        wild.interval(2.0, Placement(1.0, 2.0), 0.9)


def test_dense_budgets_give_cutoffs_spread_over_the_sweep_not_clumped_at_its_top() -> None:
    """Irregular sizes and token counts make every run its own budget: the five largest were all within 1.8x of
    the largest budget (a probe: 147 budgets), the backtests barely extrapolated, and a small dataset's spread
    scale came from five near-zero errors (0.41x): its 90 % intervals held 21 of 32 truths. A grid with five
    candidates or fewer keeps them all."""
    from l2l.core.backtest import CUTOFF_SPACING, MAX_CUTOFFS, backtest_cutoffs

    rng = np.random.default_rng(0)
    n = np.exp(rng.uniform(np.log(2e7), np.log(6e8), 200))
    d = n * np.exp(rng.uniform(np.log(5.0), np.log(80.0), 200))
    dense = {"web": Sweep.of(n, d, None, PAPER_LIKE_LAW.predict(n, d))}
    cuts = backtest_cutoffs(dense)
    top = float(dense["web"].C.max())
    assert len(cuts) == MAX_CUTOFFS
    assert cuts == sorted(cuts)
    steps = np.array([*cuts, top])
    assert np.all(steps[1:] / steps[:-1] >= CUTOFF_SPACING * (1 - 1e-9))
    grid_c = np.repeat(
        [1e17, 1.2e17, 1.5e17, 1.8e17, 2.2e17, 2.6e17], 3
    )  # 6 budgets 1.2x apart: 3 candidates
    grid_n = np.tile([1e8, 2e8, 4e8], 6)
    grid = {"web": Sweep.of(grid_n, grid_c / (6 * grid_n), grid_c, np.full(18, 3.0))}
    assert backtest_cutoffs(grid) == [1.5e17, 1.8e17, 2.2e17]


def test_off_the_optimum_the_bias_fades_and_the_interval_holds_both_centres() -> None:
    """A translation 3.9× above the compute-optimal size, corrected by −4.6 % learned on runs within 3× of it,
    missed a truth that the uncorrected value held within 1.3 % (probe p41): off the band the correction fades
    (there, 3.9× against the 3.17× the band ends at, 70 % of it is applied), and the interval holds both centres."""
    errors = _errors(np.random.default_rng(0), 800, bias=-0.012, spread=0.02)
    model = fit_error_model(errors)
    assert model.bias_form == "distance"
    near = Placement(2.0, 2.0, 0.0)
    far = Placement(2.0, 2.0, math.log(3.9))
    farther = Placement(2.0, 2.0, math.log(10.0))
    assert model.bias(near) < -0.02
    assert model.applied(far) == pytest.approx(1 - (math.log(3.9) - 1.05 * math.log(3.0)) / math.log(2.0))
    assert model.bias(far) == pytest.approx(model.applied(far) * model.bias(near))
    assert model.bias(farther) == 0.0
    pi_near = model.interval(2.0, near, 0.9)
    pi_far = model.interval(2.0, far, 0.9)
    assert pi_far.lo <= pi_near.estimate < pi_far.estimate < 2.0 <= pi_far.hi  # both centres inside
    assert any("on the band), of which 70 % is applied here" in n for n in pi_far.notes)
    pi_farther = model.interval(2.0, farther, 0.9)
    assert pi_farther.estimate == 2.0
    assert pi_farther.lo <= pi_near.estimate
    assert any("is not applied here, and the interval is widened" in n for n in pi_farther.notes)


def test_beyond_the_reach_in_n_the_interval_holds_the_corrected_value_on_its_side_only() -> None:
    """Beyond the backtests' reach in model size the correction is not applied: the estimate jumped from the
    corrected to the law's value (the paper's FineWeb-Edu: 2.019 at 7B, 2.099 at 13B) and its interval no longer
    held the corrected one (probe p57). Now it does, widened on that side only, and the note says why a larger
    model may read higher."""
    errors = _errors(np.random.default_rng(0), 800, bias=-0.012, spread=0.02)
    model = fit_error_model(errors)
    near = Placement(2.0, 2.0, 0.0)
    beyond = Placement(2.0, 2.0, 0.0, n_reach=model.max_n_reach + math.log(10.0))
    assert model.beyond_reach(beyond)
    assert not model.beyond_reach(near)
    learned = model.bias(near)
    assert learned < -0.02
    pi_near, pi_beyond = model.interval(2.0, near, 0.9), model.interval(2.0, beyond, 0.9)
    assert pi_beyond.estimate == 2.0
    assert pi_beyond.lo <= 2.0 * math.exp(learned)  # the corrected value, held
    # on the other side no wider than the law's own interval: log half-widths equal above the estimate
    above, below = math.log(pi_beyond.hi / 2.0), math.log(2.0 / pi_beyond.lo)
    assert below == pytest.approx(above - learned)
    assert pi_beyond.lower_bound_only
    assert not pi_near.lower_bound_only
    said = " ".join(pi_beyond.notes)
    assert "which is not applied: the estimate is the law's, and may read above a corrected estimate" in said


def test_a_model_larger_than_any_backtest_reached_is_a_lower_bound_past_the_rounding_of_sizes() -> None:
    """Past the backtests' farthest reach in model size nothing calibrates the law's extrapolation in N. A 2×
    slack had let targets 2.8× and 4× the largest fitted N pass as calibrated where the backtests reached 2×: on
    probe p60's small ladders (15 datasets × 4 sizes × 3 token ratios) they held the truth 80 % and 74 % of the
    time. Sizes written to two or three digits still count as within the reach (10 %)."""
    errors = _errors(np.random.default_rng(0), 800, bias=0.0, spread=0.02)
    model = fit_error_model(errors)
    at = Placement(2.0, 2.0, 0.0, n_reach=model.max_n_reach + math.log(1.05))
    past = Placement(2.0, 2.0, 0.0, n_reach=model.max_n_reach + math.log(1.4))
    assert not model.beyond_n_reach(at)
    assert model.beyond_n_reach(past)
    assert model.interval(2.0, past, 0.9).lower_bound_only
    assert not model.interval(2.0, at, 0.9).lower_bound_only


def test_a_dataset_sharing_no_configuration_is_said_once_not_once_per_cutoff_and_pair() -> None:
    """b's model sizes counted 3 % larger (another tokenizer's embeddings): no translation pairs, and the notes
    said "only 0 pairs of runs to relate" for every cutoff and ordered pair (34 lines on a probe's table)."""
    from l2l.core.backtest import run_backtests

    sweeps, _ = _sweeps(0)
    b = sweeps["b"]
    sweeps["b"] = Sweep(b.N * 1.03, b.D, b.C * 1.03, b.loss)
    bt = run_backtests(sweeps, BacktestOptions(fit=_fast_fit))
    assert not bt.translation
    said = [n for n in bt.notes if "configuration" in n or "pairs of runs" in n]
    assert said == [
        "no two datasets share a (N, D) configuration: no translation is backtested (backtests pair runs "
        "exactly, whatever --rtol; l2l translate says why runs do not pair, and which --rtol would pair sizes "
        "counted differently)"
    ]
    sweeps["c"] = sweeps["a"]  # a and c pair: b alone is named
    said = [n for n in run_backtests(sweeps, BacktestOptions(fit=_fast_fit)).notes if "configuration" in n]
    assert said == [
        "b shares no (N, D) configuration with another dataset: no translation to or from it is backtested "
        "(backtests pair runs exactly, whatever --rtol; l2l translate says why runs do not pair, and which "
        "--rtol would pair sizes counted differently)"
    ]


def test_under_eq2_a_dataset_whose_data_show_an_irreducible_loss_takes_eq3() -> None:
    """Eq. 2 (Eq. 3 without E) won Porian's four training configurations by its bias-corrected backtests, and put
    one configuration, E = 2.58 in Eq. 3, at N* = 1.18B where its isoFLOP minimum lies at 580M (Eq. 3: 586M; its
    raw backtest error 7.1 % in Eq. 2, 1.6 % in Eq. 3; probe p57). Now a dataset whose Eq. 3 fit keeps its E, and
    whose Eq. 3 backtests miss by no more, takes Eq. 3; one without E, or that Eq. 3 backtests worse, keeps Eq. 2."""
    from l2l.core.backtest import Backtest
    from l2l.core.calibrate import _misfits

    def errors(misses: dict[str, float]) -> Backtest:
        rows = [
            BacktestResidual("direct", ds, "", 1e18, 1e9, 1e10, 1e18 * 2**k, 0.7 * k, 2.0, 2.0 * math.exp(e))
            for ds, e in misses.items()
            for k in range(1, 7)
        ]
        return Backtest(tuple(rows), (), {}, (1e18,), 6)

    runs = {
        "kaplan": errors({"floored": 0.07, "flat": 0.02, "worse": 0.03}),
        "l2l": errors({"floored": 0.016, "flat": 0.02, "worse": 0.05}),
    }
    rmses = {f: {"floored": 0.02, "flat": 0.03, "worse": 0.02} for f in runs}
    reasons, scores = _misfits("kaplan", runs, rmses, without_e=("flat",))
    assert set(reasons) == {"floored"}  # "flat" has no E in Eq. 3; Eq. 3 backtests "worse" worse
    assert reasons["floored"].startswith("its data show an irreducible loss")
    assert [s.form for s in scores["floored"]] == ["l2l", "kaplan"]
    assert _misfits("kaplan", runs, rmses, without_e=("floored", "flat", "worse")) == ({}, {})


def test_backtest_fits_failing_for_one_reason_are_said_once_per_cutoff() -> None:
    """Probe p60: a 15-dataset ladder's evaluate printed one note per cutoff and dataset, 30 lines of "cutoff
    6.75e+17, mixNN: 3 runs cannot fit a l2l law"."""
    from l2l.core.backtest import BacktestOptions, run_backtests
    from l2l.core.laws import ScalingLaw
    from l2l.core.sweep import Sweep

    truth = ScalingLaw("chinchilla", A=400.0, B=900.0, E=1.8, alpha=0.34, beta=0.3)
    n = np.repeat([5e7, 1.5e8, 3e8, 6e8], 3)
    d = n * np.tile([5.0, 20.0, 80.0], 4)
    rng = np.random.default_rng(0)
    sweeps = {
        f"mix{k:02d}": Sweep.of(
            n, d, 6 * n * d, truth.predict(n, d) * (1 + 0.02 * k) * np.exp(rng.normal(0, 0.003, 12))
        )
        for k in range(5)
    }
    notes = run_backtests(sweeps, BacktestOptions(form="l2l")).notes
    failed = [x for x in notes if "cannot fit" in x]
    assert failed
    assert all(", mix00, mix01, mix02 … (5 datasets): " in x for x in failed), failed
    assert len(failed) == len({x.split(",")[0] for x in failed})  # one line per cutoff


def test_a_sweep_on_one_line_far_from_the_laws_optimum_still_learns_its_error_model() -> None:
    # DataDecide's shape: every run at 100 tokens per parameter, 5× past the optimum of its Eq. 1 law (D*/N* ≈ 20,
    # so every run lies ~2.2× from N* in size). Its backtest errors were all dropped as off-optimal
    # (``near_optimal``), no error model was learned and every interval was a lower bound; on its line the law's
    # optimum is not identified, so the errors are placed on the line (``aspect_on``)
    rng = np.random.default_rng(4)
    sizes = np.array([4e6, 6e6, 10e6, 20e6, 60e6, 90e6, 150e6, 300e6])
    table = {}
    for k, name in enumerate(("a", "b", "c", "d")):
        n, d = sizes, 100 * sizes
        loss = (1.7 + 0.05 * k + 400 * n**-0.34 + 400 * d**-0.28) * np.exp(rng.normal(0, 0.003, len(n)))
        table[name] = Sweep.of(n, d, None, loss)
    law = fit_law(sizes, 100 * sizes, table["a"].loss, form="chinchilla").law
    assert np.all(np.abs(aspect_of(law, sizes, 100 * sizes)) > math.log(2.0))
    assert np.all(aspect_on(law, sizes, 100 * sizes, table["a"]) == 0.0)
    cal = calibrate(table, BacktestOptions(form="chinchilla", translations=False))
    assert cal.direct is not None
    assert len(cal.backtest.direct) == 12  # 4 datasets × (2 + 1) runs above the cutoffs at 90M and 150M
    assert all(r.aspect == 0.0 for r in cal.backtest.direct)
