"""Accuracy laws: a sigmoid with a chance floor, the paper's power law on the error, pooling, predictability."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, InputError, LengthMismatchError
from l2l.core.accuracy import POOLED, AccuracyLaw, fit_accuracy
from l2l.core.predictability import assess_predictability

TRUE = {"floor": 0.25, "ceiling": 1.0, "x0": 3.0, "s": 0.2}


def sigmoid_task(
    n: int = 200, seed: int = 0, noise: float = 0.005, **params: float
) -> tuple[np.ndarray, np.ndarray]:
    p = {**TRUE, **params}
    rng = np.random.default_rng(seed)
    x = rng.uniform(2.2, 4.2, n)
    acc = AccuracyLaw("sigmoid", p).predict(x) + rng.normal(0, noise, n)
    return x, np.clip(acc, 0, 1)


def test_sigmoid_with_known_floor_is_recovered() -> None:
    x, acc = sigmoid_task()
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.usable
    assert fit.pooled
    got = fit.laws[POOLED].params
    assert_allclose([got[k] for k in TRUE], list(TRUE.values()), rtol=0.03)
    assert_allclose(fit.rmse, 0.005, rtol=0.2)
    assert fit.at_bounds == ()


def test_sigmoid_with_a_ceiling_below_one_is_recovered_when_the_ceiling_is_fitted() -> None:
    truth = {**TRUE, "ceiling": 0.8}
    x, acc = sigmoid_task(ceiling=0.8)
    fit = fit_accuracy(x, acc, chance=0.25, ceiling=None)
    got = fit.laws[POOLED].params
    assert_allclose([got[k] for k in truth], list(truth.values()), rtol=0.03)


def test_the_ceiling_is_fitted_only_where_the_backtest_favours_it_and_the_sweep_reaches_the_plateau() -> None:
    """``ceiling="auto"``: a task that levels off at 0.8 inside the sweep gets its ceiling (it was carried past
    it with status ok); a task still rising (the sweep ending halfway up) keeps 1, whatever its backtest says."""
    order_of = lambda x: -x  # noqa: E731 - compute grows as the loss falls
    x = np.linspace(1.6, 4.2, 120)
    rng = np.random.default_rng(3)
    flat = AccuracyLaw("sigmoid", {**TRUE, "ceiling": 0.8}).predict(x) + rng.normal(0, 0.004, len(x))
    fit = fit_accuracy(x, flat, chance=0.25, ceiling="auto", order=order_of(x))
    assert fit.ceiling_choice.startswith("fitted: backtest error")
    assert_allclose(fit.laws[POOLED].params["ceiling"], 0.8, atol=0.01)
    assert (
        fit_accuracy(x, flat, chance=0.25, ceiling=1.0).ceiling_choice == ""
    )  # a fixed ceiling is not chosen
    rising = x[x > 3.0]  # the same task seen only on its way up: nothing pins a ceiling
    fit = fit_accuracy(rising, flat[x > 3.0], chance=0.25, ceiling="auto", order=order_of(rising))
    assert fit.ceiling_choice.startswith("1: ")
    assert fit.laws[POOLED].params["ceiling"] == 1.0


def test_floor_fixed_at_chance_is_exactly_chance() -> None:
    x, acc = sigmoid_task(floor=0.25)
    fit = fit_accuracy(x, acc, chance=0.25, floor="chance", ceiling=1.0)
    law = fit.laws[POOLED]
    assert law.floor == 0.25
    assert law.ceiling == 1.0
    assert fit.floor_mode == "chance"


def test_fitted_floor_may_sit_below_nominal_chance() -> None:
    """Sweeps fall below chance on BoolQ or len-norm ARC-Challenge; the fitted floor follows them."""
    x, acc = sigmoid_task(floor=0.20)
    fit = fit_accuracy(x, acc, chance=0.25)
    floor = fit.laws[POOLED].floor
    assert floor is not None
    assert_allclose(floor, 0.20, rtol=0.05)


def test_task_at_chance_is_labelled_unpredictable() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(2.5, 4.0, 150)
    acc = 0.25 + rng.normal(0, 0.01, 150)
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.status == "unpredictable"
    assert "chance" in fit.reason or "does not rise" in fit.reason
    assert fit.laws == {}
    with pytest.raises(FitError, match="not predicted"):
        fit.predict(3.0)
    json.dumps(fit.to_dict(), allow_nan=False)


def test_barely_rising_task_is_unpredictable_but_clear_rise_is_not() -> None:
    x, acc = sigmoid_task(noise=0.01, ceiling=0.27, x0=2.5)  # rises 2 points over the sweep, noise 1 point
    weak = assess_predictability(x, acc, chance=0.25)
    assert not weak.predictable
    x, acc = sigmoid_task(noise=0.01)
    strong = assess_predictability(x, acc, chance=0.25)
    assert strong.predictable
    assert_allclose(strong.noise_sd, 0.01, rtol=0.25)


def _three_datasets(shift: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, gs, cs = [], [], [], []
    for k, name in enumerate(("a", "b", "c")):
        x, acc = sigmoid_task(n=80, seed=seed + k, x0=3.0 + shift * k)
        xs.append(x)
        ys.append(acc)
        gs.append(np.full(80, name))
        cs.append(-x)  # lower loss ~ more compute: the backtest holds out each dataset's lowest losses
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs), np.concatenate(cs)


SHARING_TESTS = [("backtest", True), ("backtest", False), ("bic", False)]
SHARING_IDS = ["backtest-on-order", "backtest-on-loss", "bic"]


@pytest.mark.parametrize(("method", "use_order"), SHARING_TESTS, ids=SHARING_IDS)
def test_shared_relation_is_pooled(method: Literal["backtest", "bic"], use_order: bool) -> None:
    x, acc, groups, order = _three_datasets(shift=0.0, seed=10)
    fit = fit_accuracy(
        x, acc, chance=0.25, groups=groups, order=order if use_order else None, sharing_test=method
    )
    assert fit.sharing is not None
    assert fit.sharing.method == method
    assert fit.sharing is not None
    assert fit.sharing.chosen == "pooled"
    assert fit.pooled
    assert_allclose(fit.predict(3.0, "b"), AccuracyLaw("sigmoid", TRUE).predict(3.0), rtol=0.02)


@pytest.mark.parametrize(("method", "use_order"), SHARING_TESTS, ids=SHARING_IDS)
def test_different_relations_are_fitted_per_dataset(
    method: Literal["backtest", "bic"], use_order: bool
) -> None:
    x, acc, groups, order = _three_datasets(shift=0.25, seed=20)
    fit = fit_accuracy(
        x, acc, chance=0.25, groups=groups, order=order if use_order else None, sharing_test=method
    )
    assert fit.sharing is not None
    # the curves differ by a shift of their midpoints, one curve misses each dataset's runs: one shape shifted by
    # dataset (one curve per dataset does not beat it by the margin; BIC compares only the other two)
    assert fit.sharing.chosen == "shifted"
    assert not fit.pooled
    assert_allclose(fit.laws["c"].params["x0"], 3.5, rtol=0.02)
    with pytest.raises(FitError, match="say which dataset"):
        fit.predict(3.0)


def test_with_one_curve_per_dataset_a_dataset_at_chance_gets_no_prediction_and_reach_is_its_own() -> None:
    rng = np.random.default_rng(7)
    xs, accs, groups = [], [], []
    for name, lo, hi, x0 in (("a", 2.2, 3.6, 3.0), ("b", 2.6, 4.0, 3.5), ("flat", 4.8, 6.5, 3.0)):
        x = rng.uniform(lo, hi, 60)
        acc = AccuracyLaw("sigmoid", {**TRUE, "x0": x0}).predict(x) + rng.normal(0, 0.005, 60)
        xs.append(x)
        accs.append(np.clip(acc, 0, 1))
        groups += [name] * 60
    fit = fit_accuracy(
        np.concatenate(xs), np.concatenate(accs), chance=0.25, groups=groups, pooling="separate"
    )
    assert fit.usable
    assert set(fit.unpredictable_groups) == {"flat"}  # its runs sit at chance: its curve would fit noise
    with pytest.raises(FitError, match="flat's own runs do not predict its accuracy"):
        fit.predict(4.0, group="flat")
    assert any(w.startswith("flat: not predicted") for w in fit.warnings)
    assert 0.3 < float(fit.predict(3.0, group="a")) < 0.9
    # reach: each dataset's own runs (x_range spans every dataset's)
    assert fit.x_range_of("a") == pytest.approx((float(xs[0].min()), float(xs[0].max())))
    assert not fit.extrapolates(4.5)
    assert fit.extrapolates(4.5, "a")
    assert json.loads(json.dumps(fit.to_dict()))["unpredictable_datasets"] == {
        "flat": fit.unpredictable_groups["flat"]
    }


def test_power_form_fits_its_own_synthetic_data() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(2.0, 4.0, 120)
    K, kappa, E0, E1 = 0.2, 1.5, 1.5, 0.1
    err = K * (x - E0) ** kappa + E1
    acc = 1 - err * np.exp(rng.normal(0, 0.002, 120))
    fit = fit_accuracy(x, acc, form="power", E0=E0, check=False)
    p = fit.laws[POOLED].params
    assert_allclose([p["K"], p["kappa"], p["E0"], p["E1"]], [K, kappa, E0, E1], rtol=0.05)
    assert fit.laws[POOLED].floor is None
    assert_allclose(fit.laws[POOLED].ceiling, 1 - E1, rtol=0.01)
    with pytest.raises(FitError, match="E0"):
        fit.predict(1.0)


def test_bootstrap_interval_is_seeded_and_covers_the_curve() -> None:
    x, acc = sigmoid_task(n=120, noise=0.01)
    a = fit_accuracy(x, acc, chance=0.25, bootstrap=30, seed=5)
    b = fit_accuracy(x, acc, chance=0.25, bootstrap=30, seed=5)
    pts = np.array([2.6, 3.0, 3.4])
    ia, ib = a.predict_interval(pts, level=0.9), b.predict_interval(pts, level=0.9)
    assert ia is not None
    assert ib is not None
    assert_allclose(ia[0], ib[0], rtol=0)
    truth = AccuracyLaw("sigmoid", TRUE).predict(pts)
    assert np.all((ia[0] <= truth) & (truth <= ia[1]))
    # a predictive interval is at least as wide as the noise: ~2 × 1.645 × 1 point at 90 %
    assert_allclose(np.median(ia[1] - ia[0]), 2 * 1.645 * 0.01, rtol=0.35)
    # uncertainty in the input loss widens it
    wide = a.predict_interval(3.0, level=0.9, x_draws=np.random.default_rng(0).normal(3.0, 0.1, 200))
    assert wide is not None
    assert float(wide[1] - wide[0]) > float(ia[1][1] - ia[0][1])


def test_fit_is_json_safe() -> None:
    x, acc, groups, order = _three_datasets(shift=0.0, seed=30)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order, bootstrap=3)
    d = fit.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert "sharing" in text
    assert all(math.isfinite(v) for v in d["laws"][POOLED].values() if isinstance(v, float))


@pytest.mark.parametrize(
    ("acc", "message"),
    [
        ([0.3, 0.4, 1.7, 0.5, 0.6], "fraction in \\[0, 1\\]"),
        ([0.3, 0.4, -0.1, 0.5, 0.6], "fraction in \\[0, 1\\]"),
        ([0.3, 0.4, float("nan"), 0.5, 0.6], "finite"),
    ],
)
def test_bad_accuracies_are_one_line_input_errors(acc: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        fit_accuracy([3.0, 2.9, 2.8, 2.7, 2.6], acc)
    assert "\n" not in str(info.value)


def test_losses_and_accuracies_of_different_lengths_are_a_usage_error() -> None:
    """The caller's arrays do not pair up: a usage error like every other entry point's (was an InputError)."""
    with pytest.raises(LengthMismatchError, match="different lengths"):
        fit_accuracy([3.0, 2.9, 2.8, 2.7, 2.6], [0.3, 0.4, 0.5, 0.6])


def test_too_few_runs_and_bad_options_are_fit_errors() -> None:
    with pytest.raises(FitError, match="at least 5"):
        fit_accuracy([3.0, 2.9, 2.8], [0.3, 0.4, 0.5])
    x, acc = sigmoid_task(n=40)
    with pytest.raises(FitError, match="unknown accuracy form"):
        fit_accuracy(x, acc, form="linear")
    with pytest.raises(FitError, match="no chance level"):
        fit_accuracy(x, acc, floor="chance")


def test_a_floor_pushed_to_its_bound_is_flagged() -> None:
    x, acc = sigmoid_task(floor=0.05)  # far below chance 0.25: the floor's box ends at 0.15
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.at_bounds == ("floor",)
    assert any("floor ends on a bound" in w for w in fit.warnings)
    assert_allclose(fit.laws[POOLED].params["floor"], 0.15, rtol=1e-6)


# -- the sigmoid engine against the multi-start loop it replaced (issue 21) ------------------------------------------


def _loop_sigmoid_rss(x: np.ndarray, y: np.ndarray, chance: float | None) -> float:
    """The engine before issue 21, as a yardstick: scipy's TRF with finite-difference Jacobians from a grid of 16
    starts (25 evaluations each), the best 3 run on to 400."""
    from scipy.optimize import least_squares

    from l2l.core.sigmoid import _sigmoid_box

    lo, hi, free = _sigmoid_box(x, y, chance, "fit", 1.0)
    span = float(np.ptp(x))

    def resid(t: np.ndarray) -> np.ndarray:
        th = lo.copy()
        th[free] = t
        pred: np.ndarray = AccuracyLaw(
            "sigmoid", {"floor": th[0], "ceiling": th[1], "x0": th[2], "s": math.exp(th[3])}
        ).predict(x)
        return pred - y

    f0 = float(np.clip(chance if chance is not None else float(np.quantile(y, 0.05)), lo[0], hi[0]))
    starts = [
        np.array([f0, c0, float(x.min()) + q * span, math.log(sc * span)])
        for c0 in sorted(
            {float(np.clip(1.0, lo[1], hi[1])), float(np.clip(float(y.max()) + 0.05, lo[1], hi[1]))}
        )
        for q in (-0.5, 0.0, 0.5, 1.0)
        for sc in (0.1, 0.4)
    ]

    def run(t0: np.ndarray, nfev: int) -> Any:
        r = least_squares(resid, t0, bounds=(lo[free], hi[free]), method="trf", x_scale="jac", max_nfev=nfev)
        return r

    short = sorted((run(np.clip(s, lo, hi)[free], 25) for s in starts), key=lambda r: float(r.cost))
    return min(2 * float(run(r.x, 400).cost) for r in short[:3])


def _engine_rss(x: np.ndarray, y: np.ndarray, chance: float | None) -> float:
    from l2l.core.sigmoid import _fit_sigmoid

    return _fit_sigmoid(x, y, chance, "fit", 1.0).rss


@pytest.mark.parametrize("seed", range(8))
def test_sigmoid_engine_reaches_the_loops_optimum_on_synthetic_tasks(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    params = {
        "floor": float(rng.uniform(0.2, 0.3)),
        "x0": float(rng.uniform(2.4, 4.0)),
        "s": float(rng.uniform(0.05, 0.6)),
    }
    x, acc = sigmoid_task(
        n=int(rng.integers(40, 300)), seed=seed, noise=float(rng.uniform(0.003, 0.03)), **params
    )
    new, loop = _engine_rss(x, acc, 0.25), _loop_sigmoid_rss(x, acc, 0.25)
    assert new <= loop * (1 + 1e-9)


@pytest.mark.parametrize("task", ["arc_challenge_test", "hellaswag_test", "piqa_test", "mmlu_other_test"])
def test_sigmoid_engine_reaches_the_loops_optimum_on_the_papers_accuracy_table(
    paper_csv: Path, task: str
) -> None:
    """Tasks of the paper's accuracy table (sweep runs, accuracy against the task's own loss), pooled and per
    dataset: never above the loop's optimum."""
    import polars as pl

    acc = pl.read_csv(paper_csv.with_name("brandfonbrener2024_accuracy.csv"))
    runs = pl.read_csv(paper_csv)
    acc = acc.filter((pl.col("split") == "sweep") & (pl.col("eval") == f"downstream/{task}_len_norm"))
    loss = runs.filter(pl.col("eval") == f"downstream/{task}_ce_loss").select("dataset", "run_id", "loss")
    table = acc.join(loss, on=["dataset", "run_id"])
    chance = 0.5 if task == "piqa_test" else 0.25
    parts = [table] + [table.filter(pl.col("dataset") == ds) for ds in sorted(set(table["dataset"]))]
    for part in parts:
        x, y = part["loss"].to_numpy(), part["value"].to_numpy()
        new, loop = _engine_rss(x, y, chance), _loop_sigmoid_rss(x, y, chance)
        assert new <= loop * (1 + 1e-9), (task, len(x))


def test_sigmoid_jacobian_matches_finite_differences() -> None:
    from l2l.core.sigmoid import _sigmoid_terms

    x = np.linspace(2.0, 4.5, 30)
    th = np.array([[0.24, 0.97, 3.1, math.log(0.3)], [0.3, 0.8, 2.5, math.log(0.05)]])
    _, jac = _sigmoid_terms(th, x)
    h = 1e-7
    for k in range(4):
        up, down = th.copy(), th.copy()
        up[:, k] += h
        down[:, k] -= h
        num = (_sigmoid_terms(up, x)[0] - _sigmoid_terms(down, x)[0]) / (2 * h)
        assert_allclose(jac[..., k], num, atol=1e-6)


def test_spearman_matches_scipy_with_ties() -> None:
    from scipy.stats import spearmanr

    from l2l.core.predictability import spearman

    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=120), 1)
    y = np.round(-x + rng.normal(size=120), 1)
    assert_allclose(spearman(x, y), tuple(spearmanr(x, y)), rtol=1e-10)


@pytest.mark.parametrize("design", ["pooled", "separate"])
def test_batched_bootstrap_draws_reach_the_one_by_one_refits(design: Literal["pooled", "separate"]) -> None:
    """All draws of a curve refitted at once reach (at least) the optimum of refitting each draw on its own."""
    from l2l.core.accuracy.curves import _bootstrap, _fit_design
    from l2l.core.accuracy.settings import CurveSpec, Points
    from l2l.core.sigmoid import _fit_sigmoid, _sigmoid

    xs, ys = zip(*(sigmoid_task(n=60, seed=s, noise=0.01, x0=3.0 + 0.1 * s) for s in range(3)), strict=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    g = np.repeat(np.arange(3), 60).astype(np.intp)
    labels = ("a", "b", "c")
    spec, pts = CurveSpec("sigmoid", 0.25, "fit", 1.0), Points(x, y, g, labels)
    curves, _ = _fit_design(spec, pts, design)
    draws = _bootstrap(spec, pts, design, curves, 12, 5)
    rng = np.random.default_rng(5)
    for b in range(12):
        idx = np.concatenate([rng.choice(np.flatnonzero(g == k), size=60, replace=True) for k in range(3)])
        for c, curve in enumerate(curves):
            sub = idx if design == "pooled" else idx[g[idx] == c]
            alone = _fit_sigmoid(x[sub], y[sub], 0.25, "fit", 1.0, curve.params).rss
            batched = float(np.sum((_sigmoid(x[sub], *draws[b, c]) - y[sub]) ** 2))
            assert batched <= alone * (1 + 1e-8)


def test_a_task_saturated_at_the_ceiling_is_unpredictable() -> None:
    """The best runs at 99.9 % (a probe task capped there): no room left to rise, and on the logit scale, clipped
    at 1e-3, its accuracies are all alike; its interval was [99.9, 99.9] around a prediction of 99.997."""
    x, acc = sigmoid_task(x0=3.6, s=0.1)
    acc = np.minimum(acc, 0.999)
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.status == "unpredictable"
    assert "saturated" in fit.reason
    # a rise toward 100 % that stays below it is predictable
    assert assess_predictability(*sigmoid_task(), chance=0.25).predictable


def test_curve_error_draws_spread_as_the_interval_says_and_keep_the_point() -> None:
    """rank's P(best) across separate curves counts each curve's own error (an emerging task's P(best) was 1.00
    across intervals 30 points wide): the draws' logit spread is the law's interval half-width over z."""
    from l2l.core.predictive import normal_quantile

    x, acc = sigmoid_task(noise=0.02)
    fit = fit_accuracy(x, acc, chance=0.25)
    q, _ = fit.logit_quantile(0.9)
    assert q > 0
    point = np.full(4001, 0.6)
    drawn = fit.with_curve_error(point, 0.9, np.random.default_rng(0))
    assert drawn[0] == 0.6  # draw 0 is the point
    logits = np.log(drawn[1:] / (1 - drawn[1:]))
    assert_allclose(np.std(logits), q / normal_quantile(0.9), rtol=0.05)
    assert_allclose(np.mean(logits), np.log(0.6 / 0.4), atol=4 * np.std(logits) / np.sqrt(4000))


def test_held_out_checkpoints_take_their_own_measured_task_loss(tmp_path: Path) -> None:
    """``evaluate --accuracy`` on a log kept whole: every checkpoint of a held-out run read the run's final task
    loss as its measured input (a probe's Pythia-shaped log: one prediction repeated at all 10 checkpoints while
    the truth rose from 0.61 to 0.73; 2.28 points of error reported, 0.87 true)."""
    from dataclasses import replace as dc_replace

    from l2l.io.tables import read_runs
    from l2l.testing import shapes, write_csv
    from l2l.workflows.accuracy_eval import evaluate_accuracy

    shape = shapes.per_step_ladder(seed=1)
    top = max(float(r["N"]) for r in shape.rows if r["split"] != "target")  # type: ignore[arg-type]
    rows = [r for r in shape.rows if r["split"] != "target"]
    rows = [{**r, "split": "held" if r["N"] == top else r["split"]} for r in rows]
    write_csv(rows, str(tmp_path / "log.csv"))
    runs = read_runs([tmp_path / "log.csv"], checkpoints="all")
    task = next(iter(shapes.LADDER_TASKS))
    ev = evaluate_accuracy(dc_replace(runs), holdout_split="held", evals=[task])
    made = [
        p for p in ev.predictions if p.method == "l2l" and p.input == "measured" and p.predicted is not None
    ]
    by_run: dict[str, list[tuple[float, float]]] = {}
    for p in made:
        by_run.setdefault(p.run_id, []).append((p.D, p.predicted))  # type: ignore[arg-type]
    assert len(by_run) == 6  # the 1,000M runs of 0.5x ... 10x
    assert all(len(v) == 10 for v in by_run.values())  # each of its 10 checkpoints once
    for points in by_run.values():
        accs = [a for _, a in sorted(points)]
        assert len(set(accs)) == len(accs)  # one prediction per checkpoint, not the final one repeated
        assert accs[-1] > accs[0]  # the task loss falls through a run: its accuracy rises


def test_a_sharing_backtest_whose_lower_half_sits_at_chance_leaves_the_choice_to_bic() -> None:
    """An emerging task (one true curve, rising only at the largest models): the lower half the backtest fits on
    is at chance, both designs miss by 20-30 points, and "the datasets' curves differ" split one curve in three
    (a probe's twelve, seven then unpredictable, the true best dataset among them)."""
    law = AccuracyLaw("sigmoid", {**TRUE, "x0": 2.0, "s": 0.15})
    xs, ys, gs, cs = [], [], [], []
    for k, name in enumerate(("a", "b", "c")):
        rng = np.random.default_rng(30 + k)
        x = rng.uniform(1.78, 3.98, 60)  # most runs far above x0, at chance
        xs.append(x)
        ys.append(np.clip(law.predict(x) + rng.normal(0, 0.005, len(x)), 0, 1))
        gs.append(np.full(len(x), name))
        cs.append(-x)
    fit = fit_accuracy(
        np.concatenate(xs),
        np.concatenate(ys),
        chance=0.25,
        groups=np.concatenate(gs),
        order=np.concatenate(cs),
    )
    assert fit.sharing is not None
    assert "uninformative" in fit.sharing.reason
    assert fit.sharing.chosen == "pooled"
    assert_allclose(fit.laws[POOLED].params["x0"], 2.0, rtol=0.02)


def test_a_backtest_fitted_at_chance_flags_nothing_and_the_interval_holds_the_fit_residuals() -> None:
    """An emerging task (small models at chance, the rise only at the top), as DataDecide's HellaSwag: the lower
    half the backtest fits on shows no rise, so its curve guessed the rise (it missed the top by 14 points). A probe
    saw such laws labelled poor with intervals [0.24, 1.00] while they predicted the 1B models within 2 points."""
    from l2l.core.accuracy import UNINFORMATIVE_METHOD

    law = AccuracyLaw("sigmoid", {**TRUE, "x0": 2.9, "s": 0.19})
    rng = np.random.default_rng(7)
    x = rng.uniform(2.95, 6.0, 200)
    acc = np.clip(law.predict(x) + rng.normal(0, 0.005, len(x)), 0, 1)
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.backtest_residuals is not None
    assert (
        float(np.mean(np.abs(fit.backtest_residuals))) > 0.1
    )  # the miss it was flagged poor for (14 points)
    assert fit.status == "ok"
    assert fit.backtest_uninformative.startswith("backtest uninformative")
    assert fit.backtest_uninformative in fit.warnings
    q, what = fit.logit_quantile(0.9)
    assert what == UNINFORMATIVE_METHOD
    assert q < 0.1  # the fit's residuals on the logit scale (the noise), not the backtest's ~3
    # beyond the runs (x 2.72, true accuracy 80.4): a few points wide, holding the truth (was [0.24, 1.00])
    truth = float(law.predict(np.asarray(2.72)))
    p, lo, hi, _ = fit.chain_interval(2.72, None, 2.70, 2.74, 0.9)
    assert abs(p - truth) < 0.02
    assert lo < truth < hi
    assert hi - lo < 0.1
    assert fit.to_dict()["backtest_uninformative"] == fit.backtest_uninformative


def test_a_backtest_whose_runs_show_the_rise_still_flags_a_law_that_misses() -> None:
    """The uninformative rule is only for a backtest fitted at chance: a lower half that rises keeps its backtest,
    which sets the interval (calibrated) and would flag a law that misses."""
    x, acc = sigmoid_task(noise=0.01)
    fit = fit_accuracy(x, acc, chance=0.25)
    assert fit.backtest_uninformative == ""
    assert fit.logit_quantile(0.9)[1] == "backtest"


def test_a_backtest_too_small_to_calibrate_still_widens_the_law_error_to_its_largest_miss() -> None:
    """A probe's pooled law missed its two backtest runs by 11.7 points and its interval held the 1-point fit
    residuals only (the truth 9 points out): with fewer than 5 backtest errors the largest of them is the floor."""
    import dataclasses

    x, acc = sigmoid_task(noise=0.01)
    fit = fit_accuracy(x, acc, chance=0.25)
    fit_q, fit_what = dataclasses.replace(fit, backtest_logit=None).logit_quantile(0.9)
    assert fit_what == "fit residuals"
    few = dataclasses.replace(fit, backtest_logit=np.array([0.1, -1.5]))
    q, what = few.logit_quantile(0.9)
    assert what == "largest backtest"
    assert q == max(fit_q, 1.5)
    many = dataclasses.replace(fit, backtest_logit=np.array([0.1, -0.2, 0.3, 0.05, -0.15]))
    assert many.logit_quantile(0.9) == (0.3, "backtest")
