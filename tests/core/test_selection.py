"""Issue 17: the law chosen by evidence (--form auto), reach in model size, flags, accuracy intervals that hold the
point at any level, one prediction per question across commands, and no NaN in a ranking."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.core.backtest import BacktestOptions
from l2l.core.calibrate import Calibration, CalibrationCache, calibrate_forms
from l2l.core.error_model import BacktestResidual, fit_error_model
from l2l.core.fit import FitCache, FitOptions, fit_law
from l2l.core.intervals import direct_interval, with_rival
from l2l.core.laws import ScalingLaw
from l2l.core.predictive import Placement, PredictiveInterval
from l2l.core.selection import (
    NOT_TRIED_KAPLAN,
    RIVAL_RATIO,
    FormChoice,
    FormScore,
    choose_form,
    e_unidentified,
    law_flag,
    score_errors,
)
from l2l.core.sweep import Sweep
from l2l.testing import PAPER_LIKE_LAW, law_samples

CHINCHILLA = ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28)


def _table(law: ScalingLaw, seed: int, noise: float = 0.004) -> dict[str, Sweep]:
    """Three datasets whose own losses follow variants of ``law`` (its form), on iso-FLOP grids of 6 budgets."""
    out = {}
    for i, k in enumerate((1.0, 0.8, 1.25)):
        var = ScalingLaw(
            law.form, A=law.A * k, B=law.B / k, E=law.E * (0.9 + 0.1 * i), alpha=law.alpha, beta=law.beta
        )
        n, d, y = law_samples(var, noise=noise, seed=10 * seed + i, sizes_per_budget=7)
        out[f"d{i}"] = Sweep.of(n, d, None, y)
    return out


def _choose(table: dict[str, Sweep]) -> Any:
    how = {
        f: BacktestOptions(
            form=f,
            warm_starts={k: fit_law(s.N, s.D, s.loss, form=f).law.theta for k, s in table.items()},
            translations=False,
        )
        for f in ("l2l", "chinchilla")
    }
    return calibrate_forms(table, how, translations=None)


@pytest.mark.parametrize(
    ("law", "want"), [(PAPER_LIKE_LAW, "l2l"), (CHINCHILLA, "chinchilla")], ids=["eq3", "eq1"]
)
@pytest.mark.parametrize("seed", [0, 1])
def test_the_backtests_choose_the_generating_form(law: ScalingLaw, want: str, seed: int) -> None:
    cal = _choose(_table(law, seed))
    assert cal.form == want, cal.choice.reason
    assert cal.choice is not None
    assert cal.choice.by_evidence
    errors = cal.choice.errors()
    other = "chinchilla" if want == "l2l" else "l2l"
    assert errors[want] is not None
    assert errors[other] is not None
    assert errors[want] < 0.5 * errors[other]  # decisively: the margin is not what decided
    # a rival (the preferred form, beaten narrowly) is kept beside the choice only for a switch within RIVAL_RATIO
    assert (cal.choice.rival == other) == (
        want == "chinchilla" and errors[other] <= RIVAL_RATIO * errors[want]
    )
    assert (cal.rival is not None) == (cal.choice.rival is not None)
    again = Calibration.from_record(json.loads(json.dumps(cal.to_record(), allow_nan=False)))
    assert again.to_record() == cal.to_record()


def test_a_narrow_switch_away_from_eq3_keeps_eq3_as_the_rival_whose_interval_is_held_too() -> None:
    def choice(l2l: float | None, chin: float | None) -> Any:
        return choose_form(
            [FormScore("l2l", l2l, l2l, 50 if l2l else 0, 5), FormScore("chinchilla", chin, chin, 50, 5)]
        )

    assert RIVAL_RATIO == 2.5
    narrow = choice(0.0116, 0.0054)  # the paper's FineWeb validation losses: Eq. 1 chosen at 2.13x
    assert (narrow.form, narrow.rival, narrow.alternative) == ("chinchilla", "l2l", None)
    assert choice(0.0150, 0.0054).rival is None  # 2.8x: a decisive switch
    kept = choice(0.010, 0.006)  # Eq. 3 kept by preference, Eq. 1 as good: a warning's alternative, no rival
    assert (kept.form, kept.rival, kept.alternative) == ("l2l", None, "chinchilla")
    assert choice(0.010, 0.012).alternative is None
    assert choice(None, 0.0054).rival is None  # never backtested: no evidence for it either


def test_an_interval_with_a_rival_holds_both_forms_and_keeps_the_chosen_estimate() -> None:
    chosen = PredictiveInterval(2.34, 2.31, 2.38, 0.9, 3.0, "backtest:direct", False, 2.37)
    rival = PredictiveInterval(2.30, 2.21, 2.40, 0.9, 3.0, "backtest:direct", False, 2.31)
    both = with_rival(chosen, rival, "l2l")
    assert (both.estimate, both.lo, both.hi, both.raw) == (2.34, 2.21, 2.40, 2.37)
    assert (
        "also holds Eq. 3's (l2l) 2.3 [2.21, 2.4]: Eq. 3 lost the backtests by less than 2.5×"
        in both.notes[-1]
    )
    inside = PredictiveInterval(2.33, 2.32, 2.37, 0.9, 3.0, "backtest:direct", False, 2.33)
    assert with_rival(chosen, inside, "l2l") == chosen  # nothing to hold: no note either


def _two_budgets(law: ScalingLaw, seed: int) -> dict[str, Sweep]:
    """Three datasets of ``law``'s form on two budgets only: no cutoff leaves budgets enough to backtest."""
    out = {}
    for i, k in enumerate((1.0, 0.8, 1.25)):
        var = ScalingLaw(
            law.form, A=law.A * k, B=law.B / k, E=law.E * (0.9 + 0.1 * i), alpha=law.alpha, beta=law.beta
        )
        n, d, y = law_samples(var, budgets=(1e18, 1e19), sizes_per_budget=5, seed=10 * seed + i)
        out[f"d{i}"] = Sweep.of(n, d, None, y)
    return out


@pytest.mark.parametrize(
    ("law", "want"), [(CHINCHILLA, "chinchilla"), (PAPER_LIKE_LAW, "l2l")], ids=["eq1", "eq3"]
)
def test_without_backtests_a_form_that_fits_far_closer_is_chosen_and_says_it_is_unchecked(
    law: ScalingLaw, want: str
) -> None:
    cal = _choose(_two_budgets(law, 3))
    assert cal.choice is not None
    assert not cal.choice.by_evidence  # no backtest: the choice says so
    assert cal.form == want, cal.choice.reason
    if want == "chinchilla":
        assert "no form could be backtested, and it fits the runs" in cal.choice.reason
        assert "extrapolation is unchecked" in cal.choice.reason


def test_the_margin_keeps_the_preferred_form_unless_another_halves_its_error() -> None:
    def scores(l2l: float, chin: float, kap: float | None = None) -> list[FormScore]:
        out = [FormScore("l2l", l2l, l2l, 50, 5), FormScore("chinchilla", chin, chin, 50, 5)]
        out.append(
            FormScore("kaplan", kap, kap, 50 if kap else 0, 5 if kap else 0, reason="" if kap else "skip")
        )
        return out

    assert choose_form(scores(0.010, 0.006)).form == "l2l"  # 0.6×: not enough
    assert choose_form(scores(0.010, 0.004)).form == "chinchilla"  # below 0.5×
    assert choose_form(scores(0.0015, 0.0006)).form == "l2l"  # below 0.5× but within 0.1 %: noise
    assert choose_form(scores(0.010, 0.004, 0.0015)).form == "kaplan"  # halves chinchilla's too
    assert choose_form(scores(0.010, 0.004, 0.003)).form == "chinchilla"
    none = choose_form([FormScore("l2l", None, None, 0, 0, reason="2 backtest errors")])
    assert none.form == "l2l"
    assert not none.by_evidence
    assert "no form could be backtested" in none.reason
    # the preferred form backtested too little to score is not beaten by a form scored alone ...
    few = FormScore("l2l", None, None, 2, 2, reason="2 backtest errors: too few budgets below the largest")
    kept = choose_form([few, FormScore("chinchilla", 0.008, 0.008, 15, 5)])
    assert kept.form == "l2l"
    assert not kept.by_evidence
    assert "could not be scored" in kept.reason
    assert kept.reason.count("too few budgets below the largest") == 1  # its reason said once, in the listing
    # ... but one never backtested at all (no errors: it may not even fit) does not block the scored one
    never = FormScore("l2l", None, None, 0, 0, reason="0 backtest errors")
    assert choose_form([never, FormScore("chinchilla", 0.008, 0.008, 15, 5)]).form == "chinchilla"


def test_short_of_the_margin_a_form_that_extrapolates_as_closely_as_it_fits_is_chosen() -> None:
    """Eq. 1 at 0.63 of Eq. 3's backtest error (not below half), fitting 6× closer, its backtests within its own
    scatter: the Pythia-shaped checkpoint table, where Eq. 3 missed 3-5 % at 5× tokens. On the paper's runs Eq. 1
    fits 3× closer but its backtests miss by 2.4× its scatter: Eq. 3 stays."""

    def pick(l2l: tuple[float, float], chin: tuple[float, float]) -> Any:
        return choose_form(
            [
                FormScore("l2l", l2l[0], l2l[0], 50, 5, fit_rmse=l2l[1]),
                FormScore("chinchilla", chin[0], chin[0], 50, 5, fit_rmse=chin[1]),
            ]
        )

    pythia = pick((0.0075, 0.0283), (0.00475, 0.00466))
    assert pythia.form == "chinchilla"
    assert "fits the runs 6.1× closer" in pythia.reason
    assert pythia.rival is None  # chosen on every count: its intervals do not also hold Eq. 3's misfit
    assert pick((0.0117, 0.0122), (0.0094, 0.0039)).form == "l2l"  # the paper's own losses: 2.4× its scatter
    assert pick((0.0075, 0.0100), (0.00475, 0.00466)).form == "l2l"  # fits only 2× closer
    assert pick((0.0050, 0.0283), (0.00475, 0.00466)).form == "l2l"  # backtests within 0.1 %: no evidence
    assert pick((0.0075, 0.0070), (0.0080, 0.0010)).form == "l2l"  # closer fit, worse backtests
    restored = FormScore.from_dict(pythia.scores[1].to_dict())
    assert restored == pythia.scores[1]
    legacy = {k: v for k, v in pythia.scores[1].to_dict().items() if k != "fit_rmse"}
    assert FormScore.from_dict(legacy).fit_rmse is None  # a calibration saved before the field existed


def test_a_dataset_the_groups_form_misfits_on_every_count_is_named() -> None:
    """Two Eq. 1 datasets beside two Eq. 3 ones: the group kept Eq. 3, whose laws missed the Eq. 1 datasets' runs by
    2.6 % RMSE where Eq. 1 fits them to 0.45 % and backtests them to 0.5 % (their "calibrated" intervals held the
    truth 44 of 56 times). A paper dataset, Eq. 1 closer in-sample but its backtests 3.6× its RMSE, is not named."""
    from l2l.core.selection import misfit_reason

    def two(chosen: tuple[float, float], other: tuple[float, float]) -> str | None:
        return misfit_reason(
            FormScore("l2l", chosen[0], chosen[0], 12, 4, fit_rmse=chosen[1]),
            FormScore("chinchilla", other[0], other[0], 12, 4, fit_rmse=other[1]),
        )

    why = two((0.021, 0.026), (0.005, 0.0045))
    assert why is not None
    assert why.startswith("Eq. 1 (chinchilla) fits its runs 5.8× closer")
    assert why.endswith("against 2.10 % with l2l")
    assert two((0.012, 0.0096), (0.009, 0.0025)) is None  # the paper's fineweb: backtests 3.6× its RMSE
    assert two((0.006, 0.005), (0.005, 0.0045)) is None  # both fit: no misfit
    # an Eq. 1 dataset beside Eq. 3 and Kaplan ones (probe p59, seed 5): Eq. 1 fits 8.5× closer and backtests better,
    # though 2.2× its RMSE (noise of ten near-optimal errors): the form's shape, not its flexibility
    shape = two((0.0153, 0.0381), (0.0101, 0.0045))
    assert shape is not None
    assert shape.startswith("Eq. 1 (chinchilla) fits its runs 8.5× closer")
    assert two((0.0153, 0.0381), (0.0150, 0.0045)) is None  # 8.5× closer, backtests no better by 0.1 %: kept


def test_a_bias_needs_three_cutoffs_and_two_groups_to_correct_an_estimate() -> None:
    rng = np.random.default_rng(0)

    def errs(cutoffs: list[float], groups: str = "ab") -> list[BacktestResidual]:
        out = []
        for c in cutoffs:
            for k in range(8):
                d = 0.2 + 0.3 * k
                pred = 2.0 * math.exp(0.02 * d + 0.002 * rng.standard_normal())  # a bias growing with reach
                g = groups[k % len(groups)]
                out.append(BacktestResidual("direct", g, "", c, 1e9, 1e10, c * math.exp(d), d, pred, 2.0))
        return out

    assert fit_error_model(errs([1e18, 1e19])).bias_form == "none"
    model = fit_error_model(errs([1e17, 1e18, 1e19]))
    assert model.corrects
    assert model.cv_error < model.raw_error
    # one law's refits on nested runs are not independent evidence: no bias from one group alone
    assert fit_error_model(errs([1e17, 1e18, 1e19], groups="a")).bias_form == "none"


def test_reach_counts_model_size_inside_the_fitted_budgets() -> None:
    n, d, y = law_samples(PAPER_LIKE_LAW, noise=0.003, seed=0)
    sweep = Sweep.of(n, d, None, y)
    big = float(n.max()) * 3.5
    c = float(np.median(sweep.C))  # inside the fitted compute range
    where = Placement.at(big, c / (6 * big), c, sweep)
    assert_allclose(where.distance, math.log(3.5), rtol=1e-9)
    assert Placement.at(float(n.min()), float(d.min()), float(sweep.C.min()), sweep).distance == 0.0
    # backtest errors whose spread grows with the reach, as extrapolation errors do
    errs = [
        BacktestResidual(
            "direct", "a", "", cut, 1e9, 1e10, cut * 4, dd, 2.0 * math.exp((0.001 + 0.01 * dd) * z), 2.0
        )
        for cut in (1e17, 1e18, 1e19)
        for dd, z in zip(np.linspace(0.1, 2.0, 8), np.random.default_rng(1).standard_normal(8), strict=True)
    ]
    model = fit_error_model(errs, bias_form="none")
    fit = fit_law(n, d, y)
    inside = direct_interval(fit, float(np.median(n)), c / (6 * float(np.median(n))), c, sweep, model)
    beyond = direct_interval(fit, big, c / (6 * big), c, sweep, model)
    assert beyond.distance > 1.0
    assert inside.distance == 0.0
    assert beyond.half_width > inside.half_width


def test_a_law_that_misses_its_own_largest_runs_is_flagged() -> None:
    n, d, y = law_samples(PAPER_LIKE_LAW, noise=0.002, seed=3)
    fit = fit_law(n, d, y)
    sweep = Sweep.of(n, d, None, y)
    assert law_flag(fit, sweep, None) is None
    top = sweep.max_C * (1 - 1e-9) <= sweep.C
    bent = Sweep.of(n, d, None, np.where(top, y * 0.94, y))  # the largest budget's runs 6 % below the law
    flag = law_flag(fit, bent, None)
    assert flag is not None
    assert "largest runs" in flag
    # a fit whose optimizer still moved when restarted is not pinned down: flagged whatever else holds
    from dataclasses import replace

    unsettled = law_flag(replace(fit, converged=False), sweep, None)
    assert unsettled is not None
    assert "did not settle" in unsettled


def test_a_law_that_misses_its_own_largest_runs_is_moved_onto_them_and_no_other_is() -> None:
    from l2l.core.predictive import PredictiveInterval, anchored
    from l2l.core.selection import anchor_shift, top_miss

    n, d, y = law_samples(PAPER_LIKE_LAW, noise=0.002, seed=3)
    fit = fit_law(n, d, y)
    sweep = Sweep.of(n, d, None, y)
    assert abs(top_miss(fit, sweep)) < 0.01
    assert anchor_shift(fit, sweep) == 0.0  # a law that fits where its sweep ends is left alone
    top = sweep.max_C * (1 - 1e-9) <= sweep.C
    bent = Sweep.of(n, d, None, np.where(top, y * 0.94, y))  # the largest budget's runs 6 % below the law
    shift = anchor_shift(fit, bent)
    assert shift == pytest.approx(top_miss(fit, bent))
    assert shift == pytest.approx(math.log(0.94), abs=0.005)
    pi = PredictiveInterval(2.0, 1.9, 2.1, 0.9, 1.0, "backtest:direct", False, 2.05)
    moved = anchored(pi, shift)
    factor = math.exp(shift)
    assert (moved.estimate, moved.lo, moved.hi) == pytest.approx((2.0 * factor, 1.9 * factor, 2.1 * factor))
    assert moved.raw == 2.05  # the law's own value stays the law's
    assert moved.anchor == shift
    assert moved.to_dict()["anchor"] == shift
    assert (
        "moved onto the law's own largest runs, which lie 6.2 % below it (estimate and interval × 0.940)"
        in (moved.notes[-1])
    )
    assert anchored(pi, 0.0) is pi


def test_a_law_its_groups_backtests_never_refitted_is_flagged() -> None:
    """A dataset with too few runs to refit below any cutoff has no backtest errors of its own: the group's
    error model (learned from the other datasets) does not vouch for its interval."""
    from dataclasses import replace

    n, d, y = law_samples(PAPER_LIKE_LAW, noise=0.002, seed=3)
    fit = replace(fit_law(n, d, y), dataset="books")
    sweep = Sweep.of(n, d, None, y)
    rng = np.random.default_rng(2)
    errors = [
        BacktestResidual("direct", g, "", cut, 1e9, 1e10, cut * 4, 1.0, 2.0 * math.exp(0.01 * z), 2.0)
        for g in "xy"
        for cut in (1e17, 1e18, 1e19)
        for z in rng.standard_normal(6)
    ]
    model = fit_error_model(errors, bias_form="none")
    assert set(model.group_errors) == {"x", "y"}
    flag = law_flag(fit, sweep, model)
    assert flag is not None
    assert "never backtested" in flag
    assert flag.endswith(
        "(its group's backtest errors are the other datasets')"
    )  # (h56: read as a contradiction)
    assert law_flag(replace(fit, dataset="x"), sweep, model) is None


def test_accuracy_intervals_hold_the_point_at_every_level_and_never_collapse() -> None:
    from l2l.core.accuracy import fit_accuracy

    rng = np.random.default_rng(0)
    x = np.linspace(1.8, 3.4, 60)
    acc = 0.25 + 0.75 / (1 + np.exp((x - 2.4) / 0.2)) + 0.01 * rng.standard_normal(60)
    fit = fit_accuracy(x, np.clip(acc, 0, 1), chance=0.25, order=-x)
    widths = []
    for level in (0.5, 0.8, 0.9, 0.99):
        p, lo, hi, _ = fit.chain_interval(2.0, None, 1.95, 2.06, level)
        assert 0 < lo < p < hi < 1
        widths.append(hi - lo)
    assert widths == sorted(widths)  # a higher level, a wider interval
    # far beyond the losses fitted (accuracy at its floor, the old interval collapsed to [0, 0]): still an interval
    p, lo, hi, _ = fit.chain_interval(9.0, None, 8.0, 10.0, 0.9)
    assert lo < p < hi
    assert hi - lo > 1e-3
    # saturated (beyond the logit clip): the upper end reaches 1, a run measured at 100 % inside (it ended at the
    # prediction, 99.998, and a probe's measured 100.0 fell outside)
    p, lo, hi, _ = fit.chain_interval(0.5, None, 0.45, 0.55, 0.9)
    assert p > 0.999
    assert lo < p
    assert hi == 1.0


def test_an_accuracy_interval_never_reaches_below_its_floor_by_more_than_a_runs_scatter() -> None:
    """A logit error learned where accuracy is high, applied at a mid-range prediction, reached 16.7 points at a
    prediction of 51.0 for a 4-way task whose fitted floor was 24.4 (p44): the curve never goes below its floor,
    a run only by its scatter about the law."""
    from dataclasses import replace

    from l2l.core.accuracy import fit_accuracy

    rng = np.random.default_rng(0)
    x = np.linspace(1.8, 3.4, 60)
    acc = 0.25 + 0.75 / (1 + np.exp((x - 2.4) / 0.2)) + 0.01 * rng.standard_normal(60)
    fit = fit_accuracy(x, np.clip(acc, 0, 1), chance=0.25, order=-x)
    wide = replace(fit, backtest_logit=np.full(20, 2.5))  # a large logit error, as from a task's high end
    floor = wide.law_for(None).floor
    assert floor is not None
    p, lo, hi, _ = wide.chain_interval(2.45, None, 2.3, 2.6, 0.9)
    scatter = float(np.quantile(np.abs(fit.residuals), 0.9))
    assert lo < p < hi
    assert lo >= min(floor, 0.25) - 2 * scatter
    assert lo > 0.2  # it was 0.11


@pytest.fixture(scope="module")
def shared(synthetic_runs: Any, synthetic_workspace: Any) -> tuple[Any, FitCache, CalibrationCache]:
    """The sample with the laws and calibrations its shared warm workspace kept (tests/conftest.py): the three
    questions below are asked of one cache, as a session asks them, without refitting the sample's laws."""
    from l2l.io.caches import saved_calibrations, saved_fits
    from l2l.io.workspace import Workspace

    ws = Workspace(synthetic_workspace)
    return synthetic_runs, saved_fits(ws), saved_calibrations(ws)


def test_one_prediction_per_question_across_predict_rank_and_evaluate(shared: Any) -> None:
    from l2l.workflows.evaluate import evaluate
    from l2l.workflows.predict import predict
    from l2l.workflows.rank import rank_runs

    runs, fits, cals = shared
    opts = FitOptions(form="auto")
    n, d = 3.3e9, 1e21 / (6 * 3.3e9)  # the synthetic table's held-out configuration
    ev = evaluate(
        runs, options=opts, cache=fits, calibrations=cals, test=["alpha_val"], downstream=["downstream/quiz"]
    )
    for target in ("alpha_val", "downstream/quiz"):
        (p,) = predict(
            runs,
            N=[n],
            D=[d],
            datasets=["alpha"],
            evals=[target],
            split="sweep",
            options=opts,
            cache=fits,
            calibrations=cals,
        )
        held = next(h for h in ev.predictions if h.tgt == "alpha" and h.eval == target)
        assert held.interval_independent is not None
        assert_allclose(
            (held.interval_independent.estimate, held.interval_independent.lo, held.interval_independent.hi),
            (p.interval.estimate, p.interval.lo, p.interval.hi),
            rtol=1e-12,
        )
        r = rank_runs(runs, [target], N=n, D=d, split="sweep", draws=100, cache=fits, calibrations=cals)
        row = next(x for x in r.targets[0].rows if x.dataset == "alpha")
        assert_allclose(row.independent, p.loss, rtol=1e-9)


def test_a_ranking_never_holds_nan_or_inf(synthetic_runs: Any) -> None:
    from l2l.workflows.rank import rank_runs

    r = rank_runs(synthetic_runs, ["own"], C=1e25, split="sweep", draws=100, form="l2l")  # far out
    doc = json.dumps(r.to_dict(), allow_nan=False)  # raises on NaN or inf
    assert doc
    for t in r.targets:
        for row in t.rows:
            assert row.status == "failed" or (row.lo is not None and row.hi is not None and row.lo <= row.hi)
        assert_allclose(sum(row.p_best or 0.0 for row in t.rows), 1.0, rtol=1e-9)


def test_p_best_buckets_compare_stated_and_realised() -> None:
    from l2l.workflows.rank_eval import pbest_buckets

    events = [(0.3, False), (0.35, True), (0.5, True), (0.7, True), (0.75, False), (1.0, True), (0.97, True)]
    b = pbest_buckets(events)
    assert [x.n for x in b] == [2, 1, 2, 0, 2]
    assert_allclose([b[0].stated, b[0].realised, b[4].realised], [0.325, 0.5, 1.0])
    assert b[3].stated is None


def test_a_form_the_backtests_cannot_rule_out_never_lets_a_miss_pass_silently(
    run: Any, tmp_path: Any
) -> None:
    """An over-training sweep (4 sizes, 5 to 1000 tokens per parameter) from Eq. 1. With its 36 budgets' cutoffs
    clumped at the top, auto kept Eq. 3 (Eq. 1's backtest error 0.6 of Eq. 3's, not below half), whose laws missed
    the truth by ~3 % at a model 2x the largest, and the intervals held the truth only through their floor or said
    that Eq. 1 predicts outside them. Spaced cutoffs reach further: auto chooses Eq. 1, the truth, and every
    interval holds the truth. Eq. 1 wins the backtests narrowly (not below half), but it fits the runs 3× closer
    and its backtests miss by no more than its own scatter: its intervals no longer hold Eq. 3's misfit too
    (±1 % where they were −1 % / +8 %)."""
    rng = np.random.default_rng(7)
    lines = ["dataset,N,D,eval,loss"]
    truth = {}
    for name, k in (("web", 1.0), ("code", 0.7)):
        law = ScalingLaw(
            "chinchilla", A=CHINCHILLA.A * k, B=CHINCHILLA.B * k, E=CHINCHILLA.E * k, alpha=0.34, beta=0.28
        )
        truth[name] = float(law.predict(1.2e9, 24e9))
        for n in (40e6, 100e6, 250e6, 600e6):
            for r in (5, 10, 20, 40, 80, 160, 320, 640, 1000):
                y = float(law.predict(n, r * n)) * math.exp(0.005 * rng.standard_normal())
                lines.append(f"{name},{n:g},{r * n:g},{name}_val,{y}")
    table = tmp_path / "overtrained.csv"
    table.write_text("\n".join(lines) + "\n")
    assert run("ingest", table).exit_code == 0
    rows = json.loads(run("predict", "-d", "all", "--N", "1.2e9", "--D", "24e9", "-f", "json").stdout)["rows"]
    assert len(rows) == 2
    for r in rows:
        assert r["form"] == "chinchilla"
        assert r["loss_lo"] <= truth[r["dataset"]] <= r["loss_hi"], r
        assert r["loss_hi"] / r["loss_lo"] < 1.03, r
        assert not any(n.startswith("the interval also holds Eq. 3's") for n in r["notes"])


def test_a_poor_law_is_judged_on_every_run_of_its_largest_budget_rounding_jitter_included() -> None:
    """C = 6·N·D from rounded sizes: the largest budget's runs differ in C by parts in a million, and only the one
    at the exact maximum was judged (here the one run on the law, beside four 5 % above it)."""
    from l2l.core.fit import fit_law
    from l2l.core.selection import law_flag
    from l2l.core.sweep import Sweep
    from l2l.testing import PAPER_LIKE_LAW, law_samples

    n, d, y = law_samples(
        PAPER_LIKE_LAW, budgets=(1e17, 3e17, 1e18, 3e18, 1e19), sizes_per_budget=5, noise=0.0, seed=0
    )
    c = 6 * n * d
    top = np.flatnonzero(np.isclose(c, c.max(), rtol=1e-6))
    c[top] *= 1 - 1e-6 * np.arange(1, len(top) + 1)  # jitter below the largest ...
    c[top[len(top) // 2]] = 1e19 * (1 + 1e-6)  # ... except the one run on the law, at the exact maximum
    y = y.copy()
    y[top] *= 1.05
    y[top[len(top) // 2]] /= 1.05
    fit = fit_law(n, d, y)
    flag = law_flag(fit, Sweep.of(n, d, c, y), None)
    assert flag is not None
    assert "its own largest runs lie" in flag


def test_a_law_of_fewer_models_than_its_parameters_and_three_is_flagged_whatever_its_residuals() -> None:
    """Six runs (3 sizes x 2 token counts) for five parameters pass through their runs: a probe's law read E 2.19
    for 1.8 and "ok"; eight distinct models are enough not to be flagged for it."""
    law = ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.8, alpha=0.34, beta=0.28)
    for sizes, ratios, flagged in (
        ((2e7, 6e7, 2e8), (20, 80), True),
        ((2e7, 6e7, 2e8, 6e8), (20, 80), False),
    ):
        n = np.repeat(sizes, len(ratios))
        d = n * np.tile(ratios, len(sizes))
        y = law.predict(n, d) * np.exp(0.003 * np.random.default_rng(0).standard_normal(len(n)))
        fit = fit_law(n, d, y, form="chinchilla")
        flag = law_flag(fit, Sweep.of(n, d, None, y), None)
        assert ("distinct models (N, D) for its 5 parameters" in (flag or "")) is flagged, flag


def test_translations_under_eq2_take_its_e_for_every_dataset_the_laws_their_own_forms() -> None:
    """A dataset taking Eq. 3 beside an Eq. 2 group keeps Eq. 3 for its law, but its translations share the
    group's E = 0: its E of 2.58 beside Eq. 2's 0 put a measured pair of Porian's 13 % outside its "backtested"
    interval (κ 1.28 → 0.43; probe p58). A switch between Eq. 3 and Eq. 1 translates in each dataset's own form."""
    scores = (FormScore("kaplan", 0.02, 0.02, 12, 4), FormScore("l2l", 0.05, 0.05, 12, 4))
    eq2 = FormChoice("kaplan", scores, "kaplan", misfits={"short": "its data show an irreducible loss"})
    assert (eq2.form_of("short"), eq2.form_of("long")) == ("l2l", "kaplan")
    assert (eq2.translation_form_of("short"), eq2.translation_form_of("long")) == ("kaplan", "kaplan")
    eq3 = FormChoice("l2l", scores, "l2l", misfits={"web": "Eq. 1 fits it"})
    assert eq3.translation_form_of("web") == eq3.form_of("web") == "chinchilla"


def test_eq2_is_chosen_by_the_margin_alone_and_short_of_it_a_kept_eq3_holds_its_interval() -> None:
    """Probe p67: on Eq. 2 data Eq. 3 ends at an E the runs do not pin (1.4 for the truth 0) and backtests no better
    than Eq. 2 (1.97 % against 1.58 %), short of the margin. Probe p71: on an OLMo-like ladder with E = 1.8 the
    backtests preferred Eq. 2 by as much (1.41 % against 0.84 %), and Eq. 2 predicted 10-21 % low. Short of the
    margin Eq. 3 is kept, its intervals holding Eq. 2's."""
    scores = [
        FormScore("l2l", 0.0197, 0.0197, 22, 5),
        FormScore("chinchilla", 0.0170, 0.0170, 22, 5),
        FormScore("kaplan", 0.0158, 0.0158, 22, 5),
    ]
    assert choose_form(scores).form == "l2l"
    tie = choose_form(scores, e_free=True)
    assert (tie.form, tie.rival, tie.e_free) == ("l2l", "kaplan", True)
    again = FormChoice.from_dict(json.loads(json.dumps(tie.to_dict())))
    assert again == tie
    p71 = [FormScore("l2l", 0.0141, 0.0141, 22, 5), FormScore("kaplan", 0.0084, 0.0084, 22, 5)]
    assert (choose_form(p71, e_free=True).form, choose_form(p71, e_free=True).rival) == ("l2l", "kaplan")
    # by the margin, Eq. 2 is chosen as any form
    halved = [FormScore("l2l", 0.0197, 0.0197, 22, 5), FormScore("kaplan", 0.0090, 0.0090, 22, 5)]
    assert choose_form(halved, e_free=True).form == "kaplan"
    # a noise-level tie, or Eq. 1 backtesting best (a W&B export's Eq. 1 losses: 1.43 %, 1.06 %, 1.40 %), is no case
    near = [FormScore("l2l", 0.0143, 0.0143, 22, 5), FormScore("kaplan", 0.0140, 0.0140, 22, 5)]
    assert choose_form(near, e_free=True).form == "l2l"
    eq1_best = [
        *near[:1],
        FormScore("chinchilla", 0.0106, 0.0106, 22, 5),
        FormScore("kaplan", 0.0125, 0.0125, 22, 5),
    ]
    assert choose_form(eq1_best, e_free=True).form == "l2l"
    # Eq. 2 backtested worse: Eq. 3 stays, and holds Eq. 2's interval beside its own within RIVAL_RATIO ...
    worse = [scores[0], FormScore("kaplan", 0.0208, 0.0208, 22, 5)]
    kept = choose_form(worse, e_free=True)
    assert (kept.form, kept.rival) == ("l2l", "kaplan")
    # ... not beyond it, and not where the runs pin E
    assert choose_form([scores[0], FormScore("kaplan", 0.06, 0.06, 22, 5)], e_free=True).rival is None
    assert choose_form(worse).rival is None


def test_the_listing_says_why_each_form_has_no_backtest_error() -> None:
    """Probe p67: "(chinchilla, kaplan not backtested)", where Eq. 1 had been refitted and scored on too few
    predictions near its own compute-optimal sizes, and Eq. 2 had been left out on purpose."""
    residuals = [
        BacktestResidual(
            "direct",
            "d",
            "",
            1e18 * (1 + i % 5),
            1e8,
            1e10,
            6e18,
            0.5,
            3.0,
            3.0 * (1.01 if i % 2 else 0.99),
            aspect=0.0 if i < 4 else 3.0,
        )
        for i in range(22)
    ]
    unscored = score_errors("chinchilla", residuals)
    assert unscored.error is None
    assert "only 4 of its 22 backtest predictions" in unscored.reason
    skipped = FormScore("kaplan", None, None, 0, 0, reason=NOT_TRIED_KAPLAN)
    choice = choose_form([FormScore("l2l", 0.0165, 0.0165, 22, 5), unscored, skipped])
    assert "chinchilla not scored: only 4 of its 22 backtest predictions" in choice.reason
    assert "kaplan not backtested: the runs show an irreducible loss" in choice.reason


def test_e_is_unidentified_on_eq2_runs_and_identified_on_eq3_runs() -> None:
    """The F test of Eq. 2 (Eq. 3 at E = 0) against Eq. 3 on the same runs."""
    kap = ScalingLaw("kaplan", A=8.8e13, B=5.4e13, E=0.0, alpha=0.076, beta=0.095)
    rng = np.random.default_rng(103)
    n = np.repeat([20e6, 40e6, 80e6, 160e6, 320e6, 640e6], 5)
    d = n * np.tile([5, 10, 20, 40, 80], 6)
    y = kap.predict(n, d) * np.exp(rng.normal(0, 0.015, len(n)))
    eq3 = fit_law(n, d, y, form="l2l")
    assert eq3.law.E > 1.0  # an E well inside its box, which the runs do not need
    assert "E" not in eq3.at_bounds
    assert e_unidentified(eq3, fit_law(n, d, y, form="kaplan"))
    n3, d3, y3 = law_samples(PAPER_LIKE_LAW, noise=0.015, seed=3, sizes_per_budget=5)
    eq3 = fit_law(n3, d3, y3, form="l2l")
    assert not e_unidentified(eq3, fit_law(n3, d3, y3, form="kaplan"))
    assert not e_unidentified(eq3, None)


def _grid(rise: float, noise: float = 0.0, seed: int = 0) -> Any:
    """Five sizes each trained at four token counts, loss 2 + 400/N^0.3 + 300/D^0.3 times D^rise (times noise)."""
    from l2l.core.sweep import Sweep

    rng = np.random.default_rng(seed)
    grid_n, grid_d = np.meshgrid(np.geomspace(1e8, 1e9, 5), np.geomspace(2e9, 2e10, 4))
    n, d = grid_n.ravel(), grid_d.ravel()
    loss = (2 + 400 / n**0.3 + 300 / d**0.3) * (d / 2e9) ** rise * np.exp(noise * rng.standard_normal(n.size))
    return Sweep.of(n, d, None, loss)


def test_token_trend_tells_runs_that_fall_with_tokens_from_runs_that_rise() -> None:
    from l2l.core.selection import REFUSE_TOKEN_T, extrapolation_refusal, token_trend

    falling = token_trend(_grid(0.0, noise=0.005))
    rising = token_trend(_grid(0.05, noise=0.005))
    assert falling is not None
    assert rising is not None
    assert falling[0] < 0
    assert falling[1] < REFUSE_TOKEN_T
    assert falling[2] == 5
    assert rising[0] > 0
    assert rising[1] > REFUSE_TOKEN_T
    assert extrapolation_refusal(_grid(0.0, noise=0.005), None, "x") is None
    why = extrapolation_refusal(_grid(0.05, noise=0.005), None, "x")
    assert why is not None
    assert "do not fall with training tokens" in why
    # one token count per size (a ladder at one D/N... or too few sizes): nothing to say
    from l2l.core.sweep import Sweep

    one = Sweep.of([1e8, 2e8, 4e8], [2e9, 4e9, 8e9], None, [3.0, 2.9, 2.8])
    assert token_trend(one) is None
    assert extrapolation_refusal(one, None, "x") is None


def test_one_diverged_run_does_not_make_runs_that_fall_with_tokens_read_as_flat() -> None:
    """A run far from its law (a diverged one: loss 11.7 among 2.3-3.6, probe h55) is left out of the token trend
    the law is judged by, as fit-law's far-run warning and the backtests leave it out: with it, the within-size
    slope's t read -0.8 and a law 3 % from the truth was flagged poor and refused beyond its sweep."""
    from l2l.core.selection import extrapolation_refusal, law_flag, not_falling_with_tokens

    good = _grid(0.0, noise=0.005)
    loss = good.loss.copy()
    loss[7] = 11.73  # one run of a size trained at four token counts diverged
    broken = Sweep.of(good.N, good.D, None, loss)
    fit = fit_law(broken.N, broken.D, broken.loss)
    assert not_falling_with_tokens(broken) is not None  # read plainly, the one run hides the fall
    assert not_falling_with_tokens(broken, fit) is None
    assert extrapolation_refusal(broken, None, "x", fit) is None
    assert "do not fall with training tokens" not in (law_flag(fit, broken, None) or "")
    # runs that truly rise with tokens are still refused, the law given or not
    rising = _grid(0.05, noise=0.005)
    why = extrapolation_refusal(rising, None, "x", fit_law(rising.N, rising.D, rising.loss))
    assert why is not None
    assert "do not fall with training tokens" in why


def test_a_whole_largest_size_far_above_the_law_makes_it_poor_where_one_diverged_run_does_not() -> None:
    """Every run of the largest size 0.6 above the others' law (a loss that rises with N, probe h55's books grid):
    the law, bent by them (E 2.57 for 2.05), was flagged by nothing but, at most, "far runs", and its interval
    printed as calibrated; it is poor now, and says why. One diverged run, or a sweep that ends on its law, is not."""
    from l2l.core.selection import largest_size_far, law_flag

    rng = np.random.default_rng(55)
    n = np.repeat([20e6, 40e6, 80e6, 160e6, 320e6, 640e6], 4)
    d = n * np.tile([5.0, 10.0, 20.0, 40.0], 6)
    law = 2.05 + (6e7 / n) ** 0.43 + (8e8 / d) ** 0.48
    good = Sweep.of(n, d, None, law * np.exp(0.005 * rng.standard_normal(n.size)))
    loss = good.loss.copy()
    top = n >= n.max() / 1.01
    loss[top] += 0.6
    rising = Sweep.of(n, d, None, loss)
    fit = fit_law(rising.N, rising.D, rising.loss)
    why = largest_size_far(fit, rising)
    assert why is not None
    assert "every run of its largest size (N = 6.4e+08, 4 runs) lies above it" in why
    assert why in (law_flag(fit, rising, None) or "")
    assert largest_size_far(fit_law(good.N, good.D, good.loss), good) is None
    loss = good.loss.copy()
    loss[int(np.flatnonzero(top)[0])] = 11.73  # one diverged run of the largest size
    one = Sweep.of(good.N, good.D, None, loss)
    assert largest_size_far(fit_law(one.N, one.D, one.loss), one) is None


def test_a_largest_size_far_from_the_law_and_left_out_of_top_miss_is_still_a_poor_law() -> None:
    """Probe h55's books grid, as read (6 sizes × 5/10/20/40 tokens per parameter, the 640M runs +0.6): its 4 largest
    runs lie far from the law (+18 %), so ``top_miss`` leaves them out and read 0; the law, E 2.41 for a truth of
    2.05, was not poor and printed a calibrated interval 7 % above the truth at 1.3B. It is poor now."""
    from l2l.core.selection import law_flag, top_miss

    n = np.repeat([20e6, 40e6, 80e6, 160e6, 320e6, 640e6], 4)
    d = n * np.tile([5.0, 10.0, 20.0, 40.0], 6)
    loss = [
        6.362505,
        5.569496,
        5.069099,
        4.637691,
        5.206107,
        4.618201,
        4.267968,
        3.946148,
        4.360428,
        3.929117,
    ]
    loss += [
        3.649986,
        3.444912,
        3.729276,
        3.411796,
        3.210224,
        3.081076,
        3.227474,
        3.069613,
        2.895418,
        2.802243,
    ]
    loss += [3.529426, 3.368247, 3.301721, 3.218164]
    sweep = Sweep.of(n, d, None, loss)
    fit = fit_law(sweep.N, sweep.D, sweep.loss)
    assert top_miss(fit, sweep) == 0.0  # every run of the largest budget is far: none is left to judge by
    why = law_flag(fit, sweep, None)
    assert why is not None
    assert "every run of its largest size (N = 6.4e+08, 4 runs) lies above it" in why


def _iso(rise: float, noise: float = 0.005, seed: int = 0) -> Sweep:
    """An iso-FLOP sweep of the paper-like law (six budgets of nine sizes, no size trained at two budgets), its
    loss times (D / D0)^rise."""
    n, d, loss = law_samples(PAPER_LIKE_LAW, noise=noise, seed=seed)
    return Sweep.of(n, d, None, loss * (d / d.min()) ** rise)


def test_token_trend_without_repeated_sizes_regresses_on_log_n_and_log_d() -> None:
    """On an iso-FLOP sweep (sizes never repeat) the within-size slope is undefined; the coefficient of log D in
    the regression of log loss on log N and log D tells a law's runs from runs that rise with D at a fixed N (a
    task loss × D^0.08 was printed 8 % low at 20× compute inside a "calibrated" interval, its law "ok")."""
    from l2l.core.selection import REFUSE_TOKEN_T, extrapolation_refusal, token_trend

    for seed in range(3):
        healthy = token_trend(_iso(0.0, seed=seed))
        assert healthy is not None
        assert not healthy.within
        assert healthy.runs == 54
        assert healthy.slope < 0
        assert healthy.t < 3 * REFUSE_TOKEN_T  # far from the line: -10 or below
        rising = token_trend(_iso(0.15, noise=0.02, seed=seed))
        assert rising is not None
        assert rising.slope > 0
        assert rising.t > -REFUSE_TOKEN_T
        why = extrapolation_refusal(_iso(0.15, seed=seed), None, "x")
        assert why is not None
        assert "do not fall with training tokens at a fixed model size" in why
        assert "regression on log N and log D" in why
    # where sizes repeat, the within-size slope is kept
    grid = token_trend(_grid(0.0, noise=0.005))
    assert grid is not None
    assert grid.within


def test_token_trend_says_nothing_where_log_n_and_log_d_move_together() -> None:
    """A compute-optimal-only sweep (D ≈ 20·N) says nothing of D at a fixed N: None, not a t near 0 that would
    refuse every poor law there. Too few runs: None."""
    from l2l.core.selection import MIN_TREND_RUNS, token_trend

    rng = np.random.default_rng(5)
    n = np.geomspace(2e7, 2e9, 16)
    d = 20 * n * np.exp(0.05 * rng.standard_normal(n.size))  # tokens per parameter 18-22
    assert token_trend(Sweep.of(n, d, None, PAPER_LIKE_LAW.predict(n, d))) is None
    few_n, few_d, few_loss = law_samples(PAPER_LIKE_LAW, budgets=(1e18, 1e19), sizes_per_budget=4)
    assert len(few_n) < MIN_TREND_RUNS
    assert token_trend(Sweep.of(few_n, few_d, None, few_loss)) is None


def test_a_law_whose_runs_rise_with_tokens_is_poor_and_a_healthy_one_is_not() -> None:
    """The trend is a reason of ``law_flag`` itself, so a law that fits such runs closely is still poor (and so
    refused beyond its sweep), not only one already flagged for another reason."""
    from l2l.core.selection import law_flag

    for rise, poor in ((0.0, False), (0.15, True)):
        sweep = _iso(rise)
        fit = fit_law(sweep.N, sweep.D, sweep.loss, form="l2l")
        why = law_flag(fit, sweep, None)
        assert (why is not None and "do not fall with training tokens" in why) is poor, why


def test_one_diverged_run_alone_at_the_largest_budget_is_not_the_law_parting_from_its_runs() -> None:
    """``shapes.diverged_top``: a grid whose largest budget is one run, that run 10 % above its law (short of the
    far-run distance). ``top_miss`` judged the law on that run alone: "poor law: its own largest runs lie 9.8 %
    above it", and every prediction was moved onto it, 10 % above the truth and outside its interval. It now
    takes the next budgets down to three runs and their median: the law is not poor and is not moved. Where
    most of those runs lie above the law, it is, by their mean."""
    from l2l.core.selection import MIN_TOP_RUNS, anchor_shift, top_miss
    from l2l.testing.shapes import diverged_top

    rows = [r for r in diverged_top().rows if r["dataset"] == "web"]
    n, d, loss = (np.array([float(r[k]) for r in rows]) for k in ("N", "D", "loss"))  # type: ignore[arg-type]
    sweep = Sweep.of(n, d, None, loss)
    fit = fit_law(n, d, loss)
    assert np.isclose(sweep.C, sweep.max_C).sum() == 1  # the largest budget is one run, the diverged one
    assert_allclose(float(np.log(loss[-1] / sweep.predicted(fit.law)[-1])), 0.094, atol=0.01)
    assert abs(top_miss(fit, sweep)) < 0.01
    assert anchor_shift(fit, sweep) == 0.0
    assert law_flag(fit, sweep, None) is None
    # the largest budgets' runs all 6 % above: the law has parted from them, and is moved by their mean
    last = np.sort(sweep.C)[-MIN_TOP_RUNS - 1] * (1 - 1e-9) <= sweep.C  # 4 runs: the third budget holds two
    bent = np.where(last, sweep.predicted(fit.law) * 1.06, loss)
    bent_sweep = Sweep.of(n, d, None, bent)
    assert_allclose(top_miss(fit, bent_sweep), math.log(1.06), rtol=1e-9)
    assert "its own largest runs lie 5.8 % above it" in (law_flag(fit, bent_sweep, None) or "")


def test_one_diverged_run_among_the_largest_budgets_near_optimal_runs_does_not_make_the_law_poor() -> None:
    """``shapes.shared_eval`` (seed 0), web's best run at the largest budget 10 % high among its 3 runs near
    compute-optimal (helper h86's ``rank_spike_web.csv``): their mean made the law poor ("its own largest runs lie
    3.1 % above it") and moved ``predict`` at 4.1B × 40.6B to 2.24 for a truth of 2.149. The run lies alone off the
    law (its neighbours on it: ``isolated_mask``), so it is far and left out; the law is judged on the other two."""
    from l2l.core.fit import far_runs
    from l2l.core.selection import anchor_shift, top_miss
    from l2l.testing.shapes import shared_eval

    rows = [r for r in shared_eval(seed=0).rows if r["dataset"] == "web" and r["split"] == "sweep"]
    n, d, loss = (np.array([float(r[k]) for r in rows]) for k in ("N", "D", "loss"))  # type: ignore[arg-type]
    top = np.isclose(n * d, float(np.max(n * d)), rtol=1e-6)
    fit = fit_law(n, d, loss)
    assert (
        abs(top_miss(fit, Sweep.of(n, d, None, loss))) < 0.01
    )  # the clean table's law fits its largest runs
    near = np.flatnonzero(top)
    best = int(near[np.argmin(loss[near])])
    spiked = loss.copy()
    spiked[best] *= 1.10
    sweep = Sweep.of(n, d, None, spiked)
    fit = fit_law(n, d, spiked)
    assert np.flatnonzero(far_runs(fit, n, d, spiked)).tolist() == [best]
    assert abs(top_miss(fit, sweep)) < 0.01
    assert anchor_shift(fit, sweep) == 0.0
    assert law_flag(fit, sweep, None) is None
