"""Accuracy laws when a dataset has few runs: it must not sink the other datasets' laws (auto pooling tests sharing
on the datasets that have the runs; one curve per dataset leaves a dataset without them out, saying why), and
``plot rank`` refuses an accuracy target as ``rank --plot`` does (the ranking figure draws losses)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError
from l2l.core.accuracy import AccuracyLaw, fit_accuracy

TRUE = {"floor": 0.25, "ceiling": 1.0, "x0": 3.0, "s": 0.2}


def _datasets(
    sizes: dict[str, int], shifts: dict[str, float] | None = None, seed: int = 0
) -> tuple[Any, ...]:
    """(losses, accuracies, dataset labels, order) of seeded runs: each dataset's accuracy a sigmoid of the loss
    (its x0 moved by ``shifts``), noise 0.5 points; lower loss ~ more compute."""
    rng = np.random.default_rng(seed)
    xs, ys, gs = [], [], []
    for name, n in sizes.items():
        x = rng.uniform(2.2, 4.2, n)
        law = AccuracyLaw("sigmoid", {**TRUE, "x0": TRUE["x0"] + (shifts or {}).get(name, 0.0)})
        xs.append(x)
        ys.append(np.clip(law.predict(x) + rng.normal(0, 0.005, n), 0, 1))
        gs.append(np.full(n, name))
    x = np.concatenate(xs)
    return x, np.concatenate(ys), np.concatenate(gs), -x


def test_auto_pooling_tests_sharing_without_a_dataset_too_small_for_it_and_predicts_that_dataset_pooled() -> (
    None
):
    x, acc, groups, order = _datasets({"web": 60, "code": 60, "books": 6})
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order)
    assert fit.usable
    assert fit.pooled
    assert fit.sharing is not None
    assert fit.sharing.chosen == "pooled"
    assert list(fit.sharing.untested) == ["books"]
    assert "6 runs, 3 in the lower half the backtest fits on" in fit.sharing.untested["books"]
    assert (
        "books left out of the test (too few runs): the pooled curve is assumed for it" in fit.sharing.reason
    )
    assert any(w.startswith("books: predicted by the pooled curve, not tested") for w in fit.warnings)
    truth = AccuracyLaw("sigmoid", TRUE).predict(3.0)
    for ds in ("web", "code", "books"):
        assert_allclose(fit.predict(3.0, ds), truth, rtol=0.02)
    assert json.loads(json.dumps(fit.to_dict(), allow_nan=False))["sharing"]["untested"] == dict(
        fit.sharing.untested
    )


def test_when_the_tested_curves_differ_a_dataset_too_small_for_its_own_is_left_out_and_the_others_predicted() -> (
    None
):
    x, acc, groups, order = _datasets({"web": 60, "code": 60, "books": 4}, shifts={"code": 0.25}, seed=1)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order)
    assert fit.sharing is not None
    assert (
        fit.sharing.chosen == "shifted"
    )  # the curves differ by a shift: one shape, a midpoint of each's own
    assert not fit.pooled
    assert set(fit.laws) == {"code", "web"}
    assert fit.groups == ("books", "code", "web")
    assert fit.n_points == 120  # the runs the laws were fitted on
    assert "4 runs, too few for a curve of its own" in fit.left_out_groups["books"]
    assert any(w.startswith("books: not predicted: 4 runs") for w in fit.warnings)
    with pytest.raises(FitError, match="no accuracy law for books"):
        fit.predict(3.0, "books")
    assert_allclose(fit.laws["code"].params["x0"], 3.25, rtol=0.02)
    assert 0.3 < float(fit.predict(3.0, "web")) < 0.9
    assert json.loads(json.dumps(fit.to_dict(), allow_nan=False))["left_out_datasets"] == dict(
        fit.left_out_groups
    )


def test_one_curve_per_dataset_leaves_a_tiny_dataset_out_and_fails_only_when_every_dataset_is_tiny() -> None:
    x, acc, groups, _ = _datasets({"web": 40, "books": 3}, seed=2)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, pooling="separate")
    assert fit.usable
    assert set(fit.laws) == {"web"}
    assert set(fit.left_out_groups) == {"books"}
    x, acc, groups, _ = _datasets({"web": 4, "books": 3}, seed=3)
    with pytest.raises(FitError, match="no dataset has the 5 runs a per-dataset accuracy law needs"):
        fit_accuracy(x, acc, chance=0.25, groups=groups, pooling="separate", check=False)


def test_one_curve_per_dataset_backtests_the_datasets_it_can_without_the_one_it_cannot() -> None:
    """books has a curve of its own (7 runs) but only 3 in the lower half a backtest fits on: the others are
    backtested without it (its absence used to drop every dataset's backtest, and with it the calibrated intervals)."""
    x, acc, groups, order = _datasets({"web": 40, "code": 40, "books": 7}, seed=4)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order, pooling="separate")
    assert set(fit.laws) == {"web", "code", "books"}
    assert fit.backtest_residuals is not None
    assert len(fit.backtest_residuals) >= 10
    assert any(w.startswith("books: not backtested") for w in fit.warnings)


@pytest.mark.parametrize("method", ["backtest", "bic"])
def test_with_fewer_than_two_datasets_to_test_sharing_is_not_tested_and_the_law_is_pooled(
    method: Any,
) -> None:
    x, acc, groups, order = _datasets({"web": 60, "books": 4, "code": 4}, seed=4)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order, sharing_test=method)
    assert fit.pooled
    assert fit.sharing is not None
    assert fit.sharing.reason.startswith("not tested")
    assert "only web has them" in fit.sharing.reason
    assert fit.sharing.rss_separate is None
    assert set(fit.sharing.untested) == {"books", "code"}
    assert_allclose(fit.predict(3.0, "books"), AccuracyLaw("sigmoid", TRUE).predict(3.0), rtol=0.02)
    json.dumps(fit.to_dict(), allow_nan=False)


# ---------------------------------------------------------------------------------------------------------------
# Through the CLI: a table whose task ``downstream/quiz`` is both a loss and an accuracy, books with 6 runs
# ---------------------------------------------------------------------------------------------------------------


def _table(path: Path) -> Path:
    rng = np.random.default_rng(5)
    rows: list[dict[str, Any]] = []
    sizes = {"web": 24, "code": 24, "books": 6}
    for k, (ds, n_runs) in enumerate(sizes.items()):
        grid = [(n, d) for n in np.geomspace(2e7, 1e9, 6) for d in np.geomspace(4e8, 2e10, 4)]
        picks = rng.choice(len(grid), n_runs, replace=False) if n_runs < len(grid) else range(len(grid))
        for i in picks:
            n, d = grid[int(i)]
            own = (1.7 + 0.1 * k) + 400 / n**0.34 + 410 / d**0.28
            task = own + 0.3
            acc = float(np.clip(AccuracyLaw("sigmoid", {**TRUE, "x0": 3.9, "s": 0.35}).predict(task), 0, 1))
            base = {"dataset": ds, "N": n, "D": d, "run_id": f"{ds}-{i}", "split": "sweep"}
            noise = np.exp(rng.normal(0, 0.003, 2))
            rows += [
                {**base, "eval": f"{ds}_val", "metric": "loss", "value": own * noise[0]},
                {**base, "eval": "downstream/quiz", "metric": "loss", "value": task * noise[1]},
                {
                    **base,
                    "eval": "downstream/quiz",
                    "metric": "accuracy",
                    "value": acc + rng.normal(0, 0.005),
                },
            ]
    out = path / "few.csv"
    pl.DataFrame(rows).write_csv(out)
    return out


def test_fit_accuracy_and_predict_with_a_small_dataset_succeed_and_say_it_was_not_tested(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", _table(tmp_path)).exit_code == 0
    res = run("fit-accuracy", "--format", "json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)["rows"]
    assert row["status"] == "ok"
    assert row["pooled"] is True
    assert "books left out of the test (too few runs)" in row["sharing"]
    assert any(w.startswith("books: predicted by the pooled curve") for w in row["warnings"])
    args = (
        "--eval",
        "downstream/quiz",
        "--metric",
        "accuracy",
        "--N",
        "1B",
        "--D",
        "20B",
        "--format",
        "json",
    )
    res = run("predict", "-d", "all", *args)
    assert res.exit_code == 0, res.output
    rows = {r["dataset"]: r for r in json.loads(res.stdout)["rows"]}
    assert set(rows) == {"books", "code", "web"}
    assert all(r["accuracy"] is not None for r in rows.values())
    assert any("(not tested against a curve of its own: too few runs)" in s for s in rows["books"]["steps"])
    assert not any("not tested" in s for s in rows["web"]["steps"])


def test_plot_rank_refuses_an_accuracy_target_as_rank_plot_does_and_names_its_own_metric_option(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", _table(tmp_path)).exit_code == 0
    out = tmp_path / "rank.png"
    for spelled in (["-t", "downstream/quiz:accuracy"], ["-t", "downstream/quiz", "--metric", "accuracy"]):
        res = run("plot", "rank", *spelled, "--C", "1e20", "-o", out)
        assert res.exit_code == 2, res.output
        assert res.output.strip() == (
            "Error: --target: the ranking figure shows losses; rank an accuracy target with l2l rank, without a "
            "figure"
        )
        assert not out.exists()
    # a name that is both a loss and an accuracy: the hint names --metric, which plot rank takes
    res = run("plot", "rank", "-t", "downstream/quiz", "--C", "1e20", "-o", out)
    assert res.exit_code == 2
    assert (
        "say which. Hint: spell it downstream/quiz:loss or downstream/quiz:accuracy, or give the metric"
        in res.output
    )
    assert "--metric" in res.output
    assert "--metric" in run("plot", "rank", "--help").output


def test_rank_plot_refuses_an_accuracy_target_before_ranking(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _table(tmp_path)).exit_code == 0
    out = tmp_path / "r.png"
    res = run("rank", "-t", "downstream/quiz:accuracy", "--C", "1e20", "--plot", out)
    assert res.exit_code == 2
    assert (
        res.output.strip()
        == "Error: --plot: the ranking figure shows losses; drop --plot for an accuracy target"
    )
    assert not out.exists()


def test_a_falling_trend_on_too_few_runs_is_not_called_no_trend() -> None:
    from l2l.core.predictability import assess_predictability

    x = np.linspace(2.0, 3.0, 6)
    verdict = assess_predictability(x, np.array([0.9, 0.86, 0.88, 0.84, 0.82, 0.8]), chance=0.25)  # ρ = −0.94
    assert not verdict.predictable
    assert verdict.reason.startswith("accuracy rises as the loss falls, but 6 runs are too few to show it")
