"""Figures: each builder returns the layers it promises, and save_figure writes PNG/SVG/PDF atomically.

Built from the seeded synthetic table of ``l2l.testing`` (3 datasets, 55 runs each, one held-out 1e21 run), so the
whole file runs in seconds. Layers are inspected through ``layer.geom`` and the data each layer was given
(``layer._data``, which plotnine keeps until the figure is drawn).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

import l2l.testing
from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.base.runs import Runs
from l2l.core.fit import LawFit
from l2l.io.tables import read_runs
from l2l.output.plots import (
    evaluate_figure,
    figure_size,
    isoflop_figure,
    law_figure,
    residuals_figure,
    save_figure,
    translate_figure,
)
from l2l.workflows.evaluate import Evaluation, HeldOutPrediction, SettingSummary
from l2l.workflows.lawbook import fit_laws
from l2l.workflows.translate import TranslationResult, translate

SMALL = {"width": 5.0, "height": 3.5, "dpi": 40}  # renders fast; the size logic has its own test


# ---------------------------------------------------------------------------------------------------------------
# Fixtures: the synthetic table, its laws and translations (fitted once per module)
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    path = tmp_path_factory.mktemp("plots") / "synthetic.csv"
    pl.DataFrame(l2l.testing.synthetic_runs()).write_csv(path)
    return read_runs([path])


@pytest.fixture(scope="module")
def fits(runs: Runs) -> list[LawFit]:
    outcome = fit_laws(runs, split="sweep", workers=1)
    assert all(isinstance(r, LawFit) for r in outcome.results)
    return [r for r in outcome.results if isinstance(r, LawFit)]


@pytest.fixture(scope="module")
def results(runs: Runs) -> list[TranslationResult]:
    out = translate(
        runs, src="alpha", tgts=["alpha", "beta", "gamma"], kind="train-train", split="sweep", workers=1
    )
    assert all(r.translation is not None for r in out)
    return out


@pytest.fixture
def evaluation() -> Evaluation:
    def pred(setting: str, ev: str, actual: float, ind: float | None, l2l: float | None) -> HeldOutPrediction:
        return HeldOutPrediction(setting, "alpha", "beta", ev, 3.3e9, 5e10, actual, ind, l2l, 2.1)

    preds = (
        pred("train-to-train", "beta_val", 2.0, 2.08, 2.01),
        pred("train-to-train", "beta_val", 2.5, 2.45, 2.52),
        pred("train-to-test", "gamma_val", 3.0, 3.3, 3.06),
        pred("train-to-test", "gamma_val", 3.2, None, 3.1),  # the independent law failed: no point
    )
    summary = (
        SettingSummary("train-to-train", 2, 0.03, 0.0065, 0),
        SettingSummary("train-to-test", 1, 0.1, 0.02, 1),
    )
    return Evaluation(preds, summary, 2, "split=extrapolation", ("gamma_val",), ())


def _data(layer: Any) -> Any:
    """The data frame a layer was given (plotnine keeps it in ``_data`` until drawing)."""
    return layer._data


def _geoms(fig: Any) -> list[str]:
    return [type(layer.geom).__name__ for layer in fig.layers]


def _stars(fig: Any) -> list[Any]:
    return [layer for layer in fig.layers if layer.geom.aes_params.get("shape") == "*"]


def _panels(fig: Any) -> set[str]:
    out: set[str] = set()
    for layer in fig.layers:
        df = _data(layer)
        if df is not None and "panel" in df.columns:
            out.update(str(v) for v in df["panel"].unique())
    return out


# ---------------------------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------------------------


def test_importing_plots_does_not_import_plotnine() -> None:
    """l2l --help stays fast: plotnine, pandas and matplotlib load only when a figure is built."""
    code = (
        "import sys, l2l.output.plots;"
        " print(sorted(m for m in ('plotnine', 'matplotlib', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_law_figure_has_contours_optimum_ringed_points_and_stars(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits, split="sweep")
    # bands, black rings under residual-coloured points, the optimum line, black stars under coloured stars
    assert _geoms(fig) == ["geom_raster", "geom_point", "geom_point", "geom_line", "geom_point", "geom_point"]
    assert [layer.geom.aes_params.get("color") for layer in fig.layers[1:3]] == ["black", None]
    assert "color" in fig.layers[2].mapping  # a scale of its own, not the bands' palette
    assert "fill" not in fig.layers[2].mapping
    assert _panels(fig) == {f"{d}\n×1 = {_min_loss(runs, d):.3g} nats" for d in ("alpha", "beta", "gamma")}
    assert list(getattr(fig.facet, "vars", ())) == ["panel"]
    # 54 sweep runs per dataset as points, the held-out 1e21 run of each as a star
    assert len(_data(fig.layers[2])) == 3 * 54
    _ring, star = _stars(fig)
    assert len(_data(star)) == 3
    assert_allclose(_data(star)["C"], 1e21, rtol=1e-12)
    assert fig.labels.fill == "relative\nloss"
    assert fig.labels.color == "residual"
    assert fig.labels.title == "Fitted scaling laws (l2l form)"


def _min_loss(runs: Runs, dataset: str) -> float:
    sub = runs.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == f"{dataset}_val"))
    return float(sub["loss"].min())


def test_law_figure_data_scales_each_panel_by_its_lowest_loss_and_colours_residuals(
    runs: Runs, fits: list[LawFit]
) -> None:
    from l2l.output.plots import law_figure_data

    data = law_figure_data(runs, fits, split="sweep")
    assert data.relative
    for fit, panel in zip(fits, data.panels, strict=True):
        ref = data.reference[panel]
        assert_allclose(ref, _min_loss(runs, fit.dataset), rtol=1e-12)
        # every grid band holds the law's loss ÷ the panel's reference, to within one band
        grid = data.grid[data.grid["panel"] == panel]
        rel = fit.law.predict(grid["N"].to_numpy(), grid["C"].to_numpy() / (6.0 * grid["N"].to_numpy())) / ref
        inside = (rel >= data.levels[0]) & (rel <= data.levels[-1])
        step = float(np.max(data.levels[1:] / data.levels[:-1]))
        ratio = grid["band"].to_numpy()[inside] / rel[inside]
        assert np.all((ratio > 1 / step) & (ratio < step))
        # residual: 100·(measured − law)/measured, at each run's own (N, D)
        pts = data.points[data.points["panel"] == panel]
        predicted = fit.law.predict(pts["N"].to_numpy(), pts["D"].to_numpy())
        assert_allclose(pts["predicted"], predicted, rtol=1e-12)
        assert_allclose(pts["residual"], 100.0 * (pts["loss"] - predicted) / pts["loss"], rtol=1e-12)
    # the synthetic runs scatter by ~1 %: the colours span a round ±limit that covers the typical panel
    assert data.residual_limit in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
    used = data.points[data.points["used"]]
    per_panel = [np.quantile(np.abs(g["residual"]), 0.9) for _, g in used.groupby("panel", observed=True)]
    assert data.residual_limit >= np.median(per_panel)


def test_law_figure_of_one_law_draws_loss_itself(runs: Runs, fits: list[LawFit]) -> None:
    from l2l.output.plots import law_figure_data

    data = law_figure_data(runs, fits[:1], split="sweep")
    assert not data.relative
    assert data.reference == {"alpha": 1.0}
    assert data.levels[0] <= _min_loss(runs, "alpha")
    fig = law_figure(runs, fits[:1], split="sweep")
    assert fig.labels.fill == "loss (nats)"
    assert fig.labels.title == "Fitted scaling laws of alpha (l2l form)"


def test_law_figure_grid_reaches_1e21_and_line_is_the_compute_optimum(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits, split="sweep")
    grid = _data(fig.layers[0])
    assert grid["C"].max() >= 1e21
    assert len(grid) == 3 * 120 * 120
    line = _data(fig.layers[3])
    alpha = line[line["panel"].astype(str).str.startswith("alpha\n")]
    n_opt, _ = fits[0].law.compute_optimal(alpha["C"].to_numpy())
    assert_allclose(alpha["N"], n_opt, rtol=1e-12)


def test_law_figure_without_split_draws_every_run_as_fitted(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits[:1])
    assert _stars(fig) == []
    assert len(_data(fig.layers[2])) == 55
    assert _panels(fig) == {"alpha"}


def test_law_figure_of_one_dataset_names_panels_by_readable_eval(runs: Runs, fits: list[LawFit]) -> None:
    # the alpha law relabelled as laws of alpha's other evals (the titles are under test, not the fits)
    laws = [
        dataclasses.replace(fits[0], eval=e) for e in ("alpha_val", "downstream/quiz", "downstream/cloze")
    ]
    fig = law_figure(runs, laws, split="sweep")
    assert {p.split("\n")[0] for p in _panels(fig)} == {"alpha_val", "quiz", "cloze"}
    assert fig.labels.title == "Fitted scaling laws of alpha (l2l form)"


def test_a_long_dataset_name_wraps_in_its_panel_title(fits: list[LawFit]) -> None:
    from l2l.output.plots.common import PANEL_TITLE_WIDTH, fit_titles

    # a 120-character name ran off its panel's strip into the next (probe p63)
    name = "some_org/filtered-web-crawl-2024-dedup-minhash-v3_quality_top10pct_" * 2
    laws = [dataclasses.replace(fits[0], dataset=name, eval="x_val"), fits[1]]
    long, short = fit_titles(laws)
    lines = long.split("\n")
    assert len(lines) > 1
    assert all(len(line) <= PANEL_TITLE_WIDTH for line in lines)
    assert "".join(lines).startswith(name)
    assert "\n" not in short


def test_law_figure_needs_a_fit(runs: Runs) -> None:
    with pytest.raises(UsageError, match="no fitted laws"):
        law_figure(runs, [])


def test_isoflop_figure_has_curves_points_optima_and_ordered_budgets(runs: Runs, fits: list[LawFit]) -> None:
    fig = isoflop_figure(runs, fits, split="sweep")
    assert _geoms(fig) == ["geom_line", "geom_point", "geom_path", "geom_point", "geom_point", "geom_line"]
    # the law beyond a budget's runs, out to its N*, is dashed and said (h60: drawn solid far past the runs)
    dashed = _data(fig.layers[5])
    # only the held-out 1e21 budget's N* lies beyond its run (one run: no profile of its own)
    assert sorted(set(dashed["piece"])) == ["alpha|1e21|above", "beta|1e21|above", "gamma|1e21|above"]
    assert fig.layers[5].geom.aes_params["linetype"] == "dashed"
    assert "dashed: the law beyond the budget's runs, out to its N*" in str(fig.labels.caption)
    assert len(_stars(fig)) == 1
    assert len(_panels(fig)) == 3
    assert _panels(fig) == {"alpha", "beta", "gamma"}  # each dataset's own loss: the dataset names it
    colour = next(s for s in fig.scales if "color" in s.aesthetics)
    assert colour.breaks == ["2e17", "6e17", "2e18", "6e18", "2e19", "5e19", "1e21"]
    optima = _data(fig.layers[3])
    assert len(optima) == 3 * 7  # one per budget and dataset
    beta = optima[optima["panel"] == "beta"]
    n_opt, _ = fits[1].law.compute_optimal(beta["C"].to_numpy())
    assert_allclose(beta["N"], n_opt, rtol=1e-12)
    # the curve is the law along D = C/6N: its minimum sits at N*
    curves = _data(fig.layers[0])
    one = curves[(curves["panel"] == "beta") & (curves["budget"] == "2e19")]
    n_min = float(one["N"].to_numpy()[np.argmin(one["loss"].to_numpy())])
    n_star = float(beta[beta["budget"] == "2e19"]["N"].iloc[0])
    assert_allclose(n_min, n_star, rtol=0.1)


def test_a_single_train_to_train_curve_names_its_target(results: list[TranslationResult]) -> None:
    """Porian's `plot translate --src rw` (one target, one colour, no legend) named its target owt2 nowhere:
    "Train-to-train from rw", y "target models: their own loss" (probe h3)."""
    (beta,) = [r for r in results if r.tgt == "beta"]
    fig = translate_figure([beta])
    assert fig.labels.title == "Train-to-train from alpha → beta"
    assert fig.labels.y == "beta models: beta_val loss (nats)"
    several = translate_figure([r for r in results if r.tgt != "alpha"])  # a legend names the targets
    assert several.labels.title == "Train-to-train from alpha"
    assert several.labels.y == "target models: their own loss (nats)"


def test_an_axis_whose_eval_says_loss_is_not_told_loss_twice(results: list[TranslationResult]) -> None:
    """An lm-eval export's `val_loss` and `hellaswag/loss` read "web models: val_loss loss (nats)" (probe h52)."""
    (beta,) = [r for r in results if r.tgt == "beta"]
    spec = dataclasses.replace(beta.spec, x_eval="val_loss", y_eval="hellaswag/loss")
    renamed = dataclasses.replace(beta, spec=spec)
    fig = translate_figure([renamed])
    assert fig.labels.x == "alpha models: val_loss (nats)"
    assert fig.labels.y == "beta models: hellaswag/loss (nats)"
    assert translate_figure([beta]).labels.x == "alpha models: alpha_val loss (nats)"


def test_translate_figure_points_curves_dashes_and_stars(results: list[TranslationResult]) -> None:
    fig = translate_figure(results, fit_split="sweep")
    assert _geoms(fig) == ["geom_point", "geom_line", "geom_line", "geom_point"]
    assert fig.layers[2].geom.aes_params["linetype"] == "dashed"
    assert fig.labels.title == "Train-to-train from alpha"
    assert fig.labels.color == "target dataset"
    assert fig.labels.x == "alpha models: alpha_val loss (nats)"
    (star,) = _stars(fig)
    assert len(_data(star)) == 3  # the held-out 1e21 pair of each target
    assert len(_data(fig.layers[0])) == 3 * 54
    # solid over the fitted range only; the dashed extrapolation reaches the held-out source loss
    t = results[1].translation
    solid = _data(fig.layers[1])
    beta = solid[solid["target"] == "beta"]
    assert_allclose([beta["x"].min(), beta["x"].max()], t.x_range, rtol=1e-12)
    assert_allclose(beta["y"], t.predict(beta["x"].to_numpy()), rtol=1e-12)
    dashes = _data(fig.layers[2])
    held_x = float(_data(star)["x"].min())
    assert_allclose(dashes[dashes["target"] == "beta"]["x"].min(), held_x, rtol=1e-12)


def test_translate_figure_skips_failed_results_and_without_split_has_no_stars(
    results: list[TranslationResult],
) -> None:
    failed = dataclasses.replace(results[0], translation=None, error="boom")
    fig = translate_figure([failed, *results[1:]])
    assert _stars(fig) == []
    assert set(_data(fig.layers[0])["target"]) == {"beta", "gamma"}
    # no held-out pairs: the dashed part goes down to 0.9 × the smallest fitted x
    x_min = results[1].translation.x_range[0]
    dashes = _data(fig.layers[2])
    assert_allclose(dashes[dashes["target"] == "beta"]["x"].min(), 0.9 * x_min, rtol=1e-12)


def test_translate_figure_draws_an_extra_heldout_frame(results: list[TranslationResult]) -> None:
    extra = pl.DataFrame({"tgt": ["beta", "nobody"], "x": [2.0, 2.0], "y": [1.9, 1.9]})
    fig = translate_figure(results[1:2], heldout=extra)
    (star,) = _stars(fig)
    assert_allclose(_data(star)["y"], [1.9])
    with pytest.raises(UsageError, match="columns x and y"):
        translate_figure(results, heldout=pl.DataFrame({"x": [1.0]}))


def _as_train_test(r: TranslationResult, y_eval: str) -> TranslationResult:
    """A fitted translation relabelled as a train-test one onto ``y_eval`` (the labels are under test)."""
    return dataclasses.replace(
        r, kind="train-test", spec=dataclasses.replace(r.spec, tgt=r.src, y_eval=y_eval)
    )


def test_translate_figure_names_train_to_downstream_and_shortens_task_names(
    results: list[TranslationResult],
) -> None:
    from l2l.output.plots import translate_figure_data

    down = [
        _as_train_test(results[1], "downstream/quiz_test_ce_loss"),
        _as_train_test(results[2], "downstream/cloze"),
    ]
    data = translate_figure_data(down, fit_split="sweep")
    assert data.title == "Train-to-downstream: alpha models"
    assert set(data.label_order) == {"quiz", "cloze"}
    ends = data.solid.loc[data.solid.groupby("target", observed=True)["x"].idxmax()].set_index("target")["y"]
    assert list(data.label_order) == list(ends.sort_values(ascending=False).index)  # the legend in line order
    assert not data.multiples
    fig = translate_figure(down, fit_split="sweep")
    assert fig.labels.title == "Train-to-downstream: alpha models"
    assert fig.labels.y == "alpha models: test loss (nats)"
    assert fig.labels.color == "test set"
    # a validation set among the targets: train-to-test
    mixed = translate_figure_data([*down, _as_train_test(results[0], "gamma_val")], fit_split="sweep")
    assert mixed.title == "Train-to-test: alpha models"
    assert set(mixed.label_order) == {"quiz", "cloze", "gamma_val"}


def test_short_eval_drops_downstream_prefix_and_loss_suffixes() -> None:
    from l2l.output.plots import short_eval

    assert short_eval("downstream/hellaswag_test_ce_loss") == "hellaswag"
    assert short_eval("downstream/mmlu_stem_mc_5shot_test_ce_loss") == "mmlu_stem_mc_5shot"
    assert short_eval("downstream/imbue_gsm8k_ce_loss") == "imbue_gsm8k"
    assert short_eval("c4_val") == "c4_val"


def test_translate_figure_test_to_test_names_the_target_dataset(results: list[TranslationResult]) -> None:
    from l2l.output.plots import translate_figure_data

    one = dataclasses.replace(results[1], kind="test-test")  # alpha → beta models
    data = translate_figure_data([one])
    assert data.title == "Test-to-test from alpha models → beta models"
    fig = translate_figure([one])
    assert fig.labels.y.startswith("beta models: ")
    assert fig.labels.x.startswith("alpha models: ")
    # several target datasets: the title names the source, each panel its target
    two = [one, dataclasses.replace(results[2], kind="test-test")]
    data = translate_figure_data(two)
    assert data.title == "Test-to-test from alpha models"
    assert data.panel_order == ["→ beta models", "→ gamma models"]


def test_translate_figure_draws_many_targets_as_small_multiples_without_legend(
    results: list[TranslationResult],
) -> None:
    from l2l.output.plots import translate_figure_data

    base = results[1]
    many = [_as_train_test(base, f"downstream/t{i}_ce_loss") for i in range(12)]
    data = translate_figure_data(many)
    assert data.multiples
    assert data.panel_order == [f"t{i}" for i in range(12)]
    assert data.title == "Train-to-downstream: alpha models"
    fig = translate_figure(many)
    assert fig.facet.free == {"x": True, "y": True}
    assert all("color" not in layer.mapping for layer in fig.layers)  # no legend: each panel names its curve
    width, height = figure_size(fig)
    assert_allclose((width, height), (5 * 2.7 + 0.3, 3 * 2.3 + 1.0), rtol=1e-12)
    # a handful of targets keeps one panel and a legend
    assert not translate_figure_data(many[:8]).multiples


def test_translate_figure_with_nothing_fitted_raises(results: list[TranslationResult]) -> None:
    failed = [dataclasses.replace(r, translation=None, error="boom") for r in results]
    with pytest.raises(FitError, match=r"no translation could be fitted \(3 asked\): boom"):
        translate_figure(failed)


def test_evaluate_figure_points_and_means_per_setting(evaluation: Evaluation) -> None:
    fig = evaluate_figure(evaluation)
    assert _geoms(fig) == [
        "geom_jitter",
        "geom_point",
        "geom_label",
    ]  # the means on white: readable over points
    assert type(fig.layers[0].position).__name__ == "position_jitter"
    points = fig.data
    assert len(points) == 7  # 4 predictions × 2 methods, one missing
    assert set(points["setting"]) == {"train-to-train (n = 2)", "train-to-test (n = 2)"}
    means = _data(fig.layers[1])
    assert_allclose(sorted(means["error"]), [0.65, 2.0, 3.0, 10.0], rtol=1e-12)
    assert "0.65%" in set(_data(fig.layers[2])["label"])


def test_the_corrected_law_is_drawn_only_where_a_correction_applies_and_panels_say_coverage(
    evaluation: Evaluation,
) -> None:
    from l2l.core.predictive import PredictiveInterval
    from l2l.output.plots import evaluate_figure_data

    def iv(estimate: float, lower: bool) -> PredictiveInterval:
        return PredictiveInterval(
            estimate, estimate * 0.98, estimate * 1.02, 0.9, 3.0, "test", lower, estimate
        )

    preds = [
        dataclasses.replace(p, interval_independent=iv(p.independent * (0.97 if p.setting == "train-to-train" else 1),
                                                       p.setting != "train-to-train"))
        if p.independent is not None else p
        for p in evaluation.predictions
    ]  # fmt: skip
    summary = [
        dataclasses.replace(
            s,
            mean_error_independent_corrected=0.01,
            coverage={"independent": 1.0, "loss_to_loss": 0.5},
            half_width={"independent": 0.02, "loss_to_loss": 0.03},
            lower_bound={"independent": s.setting != "train-to-train", "loss_to_loss": True},
            level=0.9,
        )
        for s in evaluation.summary
    ]
    data = evaluate_figure_data(
        dataclasses.replace(evaluation, predictions=tuple(preds), summary=tuple(summary))
    )
    by_setting = data.points.groupby("setting", observed=True)["method"].agg(lambda m: set(map(str, m)))
    assert by_setting.iloc[0] == {"independent", "corrected", "loss-to-loss"}  # train-to-train: corrected
    assert by_setting.iloc[1] == {
        "independent",
        "loss-to-loss",
    }  # train-to-test: the law is its own correction
    assert data.panels == [
        "train-to-train (n = 2)\ncovered: corrected 100%, loss-to-loss 50%*",
        "train-to-test (n = 2)\ncovered: independent 100%*, loss-to-loss 50%*",
    ]
    # the caption explains "*" only where some panel's title carries one (h60: always, even with none drawn)
    starred = evaluate_figure(
        dataclasses.replace(evaluation, predictions=tuple(preds), summary=tuple(summary))
    )
    assert "(*: not backtested, a lower bound)" in _caption(starred)
    none = [dataclasses.replace(s, lower_bound=dict.fromkeys(s.lower_bound, False)) for s in summary]
    plain = evaluate_figure(dataclasses.replace(evaluation, predictions=tuple(preds), summary=tuple(none)))
    assert "covered: the share of held-out values inside them" in _caption(plain)
    assert "*" not in _caption(plain)


def _caption(fig: Any) -> str:
    labels = fig.labels
    return str(labels.get("caption") if isinstance(labels, dict) else labels.caption)


def test_evaluate_figure_without_predictions_raises(evaluation: Evaluation) -> None:
    empty = dataclasses.replace(evaluation, predictions=(), summary=())
    with pytest.raises(UsageError, match="no held-out loss predictions"):
        evaluate_figure(empty)


def test_residuals_figure_data_gives_each_run_its_residual_by_n_and_d(runs: Runs, fits: list[LawFit]) -> None:
    from l2l.output.plots import residuals_figure_data

    data = residuals_figure_data(runs, fits, split="sweep")
    assert data.panels == ["alpha", "beta", "gamma"]
    assert len(data.runs) == 3 * 55
    assert int(data.runs["used"].sum()) == 3 * 54  # the 1e21 run of each dataset was not fitted on
    for fit, panel in zip(fits, data.panels, strict=True):
        mine = data.runs[data.runs["panel"] == panel]
        predicted = fit.law.predict(mine["N"].to_numpy(), mine["D"].to_numpy())
        assert_allclose(mine["predicted"], predicted, rtol=1e-12)
        assert_allclose(mine["residual"], 100.0 * (mine["loss"] - predicted) / mine["loss"], rtol=1e-12)
    # the synthetic law is the truth plus ~1 % noise: fitted residuals are small and centred
    used = data.runs[data.runs["used"]]
    assert float(np.abs(used["residual"]).max()) < 5.0
    assert abs(float(used["residual"].mean())) < 0.5
    # drawn twice: against N and against D
    assert len(data.points) == 2 * len(data.runs)
    by_n = data.points[data.points["axis"] == "parameters N"]
    by_d = data.points[data.points["axis"] == "tokens D"]
    assert_allclose(by_n["x"], data.runs["N"], rtol=0)
    assert_allclose(by_d["x"], data.runs["D"], rtol=0)


def test_residuals_figure_is_a_grid_of_laws_by_n_and_d(runs: Runs, fits: list[LawFit]) -> None:
    from l2l.output.plots import residuals_figure

    fig = residuals_figure(runs, fits, split="sweep")
    assert type(fig.facet).__name__ == "facet_grid"
    assert _geoms(fig) == ["geom_hline", "geom_point", "geom_point"]
    (star,) = _stars(fig)
    assert len(_data(star)) == 2 * 3
    assert_allclose(figure_size(fig), (2 * 3.6 + 1.7, 3 * 2.1 + 1.0), rtol=1e-12)
    assert fig.labels.title == "Residuals of the fitted laws (l2l form)"
    with pytest.raises(UsageError, match="no fitted laws"):
        residuals_figure(runs, [])


def test_plot_residuals_command_writes_a_png(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from l2l.cli import app

    table = tmp_path / "runs.csv"
    pl.DataFrame(l2l.testing.synthetic_runs()).write_csv(table)
    out = tmp_path / "residuals.png"
    env = {"L2L_WORKSPACE": str(tmp_path / "ws")}
    result = CliRunner().invoke(
        app, ["plot", "residuals", str(table), "-d", "alpha", "--split", "sweep", "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------------


def test_a_figure_is_built_in_place_without_copying_the_plot_at_each_term(
    monkeypatch: pytest.MonkeyPatch,
    runs: Runs,
    fits: list[LawFit],
    results: list[TranslationResult],
    evaluation: Evaluation,
) -> None:
    """plotnine's ``plot + term`` deep-copies the whole plot, its theme included, before adding the term; ``plot +=
    [terms]`` adds them in place and draws the same bytes (every figure of tests/output and the CLI's figure tests
    compared as SVG, helper h103). The copies were ~12 % of drawing a figure: 459 of them for 20 figures saved."""
    import plotnine

    def copied(self: Any, other: Any) -> Any:
        raise AssertionError(f"plot + {type(other).__name__}: a copy of the whole plot")

    monkeypatch.setattr(plotnine.ggplot, "__add__", copied)
    one = fits[:2]
    built = [
        law_figure(runs, one, split="sweep"),
        isoflop_figure(runs, one, split="sweep"),
        translate_figure(results, fit_split="sweep"),
        evaluate_figure(evaluation),
        residuals_figure(runs, one, split="sweep"),
    ]
    assert [len(fig.layers) > 0 for fig in built] == [True] * 5


def test_every_figure_renders_to_png_and_save_writes_svg_and_pdf(
    tmp_path: Path, runs: Runs, fits: list[LawFit], results: list[TranslationResult], evaluation: Evaluation
) -> None:
    """Each figure draws (pytest turns any plotnine/matplotlib warning into a failure); one law per figure keeps
    the drawing fast, the multi-panel layouts are checked on the built figures above."""
    import matplotlib.pyplot as plt

    one = fits[:2]
    figures = {
        "law": law_figure(runs, one, split="sweep"),
        "isoflop": isoflop_figure(runs, one, split="sweep"),
        "translate": translate_figure(results, fit_split="sweep"),
        "evaluate": evaluate_figure(evaluation),
        "residuals": residuals_figure(runs, one, split="sweep"),
    }
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}
    for name, fig in figures.items():
        out = save_figure(fig, tmp_path / f"{name}.png", **SMALL)
        assert out == tmp_path / f"{name}.png"
        assert out.read_bytes().startswith(magic[".png"])
    out = save_figure(figures["translate"], tmp_path / "translate.svg", **SMALL)
    assert out.read_bytes().startswith(magic[".svg"])
    out = save_figure(figures["translate"], tmp_path / "translate.PDF", **SMALL)
    assert out.read_bytes().startswith(magic[".pdf"])
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left
    assert plt.get_fignums() == []  # every figure drawn was closed


def test_save_figure_creates_the_directory_and_sizes_from_facets(
    tmp_path: Path, runs: Runs, fits: list[LawFit]
) -> None:
    from PIL import Image

    out = save_figure(law_figure(runs, fits[:1]), tmp_path / "figures" / "law.png", dpi=20)
    width, height = figure_size(law_figure(runs, fits[:1]))
    with Image.open(out) as img:
        assert img.size == (round(width * 20), round(height * 20))
    assert (out.stat().st_mode & 0o777) == 0o666 & ~_umask()


def test_figure_size_grows_with_facets(
    runs: Runs, fits: list[LawFit], results: list[TranslationResult]
) -> None:
    w1, h1 = figure_size(law_figure(runs, fits[:1]))
    w2, h2 = figure_size(law_figure(runs, fits[:2]))
    w3, h3 = figure_size(law_figure(runs, fits))
    assert w1 < w2 < w3
    assert h1 == h2 == h3
    assert_allclose(w3 - w2, 4.0)
    # a legend of long names widens the figure
    long = [
        dataclasses.replace(r, spec=dataclasses.replace(r.spec, tgt=f"{r.tgt}-with-a-very-long-dataset-name"))
        for r in results
    ]
    assert figure_size(translate_figure(long))[0] > figure_size(translate_figure(results))[0]


def test_figure_size_leaves_no_room_for_a_hidden_legend(evaluation: Evaluation) -> None:
    # the Table 1 figure maps colour but hides its legend: two panels of 4 in and a thin margin
    assert_allclose(figure_size(evaluate_figure(evaluation)), (2 * 4.0 + 0.3, 3.2 + 1.0), rtol=1e-12)


def test_save_figure_says_which_characters_no_font_draws(tmp_path: Path) -> None:
    import pandas as pd
    import plotnine as p9

    from l2l.output.plots import save_figure_noting

    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [1.0, 2.0]})
    plain = p9.ggplot(frame, p9.aes("x", "y")) + p9.geom_point() + p9.labs(title="web")
    assert save_figure_noting(plain, tmp_path / "plain.png", **SMALL).notes() == []
    # a private-use character: no font draws it, whatever fonts the machine has (matplotlib draws a box)
    odd = plain + p9.labs(title="web \ue000\ue001")
    saved = save_figure_noting(odd, tmp_path / "odd.png", **SMALL)
    assert saved.path.exists()
    assert saved.missing_glyphs == ("\ue000", "\ue001")
    (line,) = saved.notes()
    # (printed as Python writes it: a character that cannot be shown is named by its code)
    assert line.startswith(r"note: odd.png: no installed font draws '\ue000\ue001' (drawn as empty boxes)")


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.png.txt"])
def test_save_figure_rejects_unknown_extensions(
    tmp_path: Path, results: list[TranslationResult], name: str
) -> None:
    with pytest.raises(UsageError, match=r"supported extensions: \.png, \.svg, \.pdf"):
        save_figure(translate_figure(results), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_leaves_no_file(tmp_path: Path) -> None:
    import pandas as pd
    import plotnine as p9

    broken = p9.ggplot(pd.DataFrame({"x": [1.0]}), p9.aes("x", "no_such_column")) + p9.geom_point()
    target = tmp_path / "broken.png"
    with pytest.raises(p9.exceptions.PlotnineError):
        save_figure(broken, target, **SMALL)
    assert list(tmp_path.iterdir()) == []
    # and an existing figure is left as it was, not truncated
    target.write_bytes(b"old")
    with pytest.raises(p9.exceptions.PlotnineError):
        save_figure(broken, target, **SMALL)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["broken.png"]


def test_save_figure_needs_width_and_height_together(
    tmp_path: Path, results: list[TranslationResult]
) -> None:
    with pytest.raises(UsageError, match="both the width and the height"):
        save_figure(translate_figure(results), tmp_path / "x.png", width=4.0)


def test_save_figure_stores_png_with_a_palette(tmp_path: Path, results: list[TranslationResult]) -> None:
    from PIL import Image

    fig = translate_figure(results, fit_split="sweep")
    small = save_figure(fig, tmp_path / "small.png", dpi=60)
    full = save_figure(fig, tmp_path / "full.png", dpi=60, palette=False)
    with Image.open(small) as a, Image.open(full) as b:
        assert a.mode == "P"
        assert b.mode == "RGBA"
        assert a.size == b.size
        # the same picture: pixels within a few levels (of 255) of the full-colour ones
        diff = np.abs(np.asarray(a.convert("RGB"), dtype=int) - np.asarray(b.convert("RGB"), dtype=int))
        assert float(np.mean(diff)) < 3.0
        assert float(np.quantile(diff, 0.99)) <= 12
    assert small.stat().st_size < full.stat().st_size


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_evaluate_figure_data_is_computed_apart_from_the_drawing(evaluation: Evaluation) -> None:
    from l2l.output.plots import evaluate_figure_data

    data = evaluate_figure_data(evaluation)
    assert data.panels == ["train-to-train (n = 2)", "train-to-test (n = 2)"]  # n counts every prediction
    assert len(data.points) == 7  # 8 predictions, one the independent law could not make
    assert list(data.means["label"]) == ["3.00%", "0.65%", "10.00%", "2.00%"]
    assert_allclose(sorted(data.means["error"]), [0.65, 2.0, 3.0, 10.0], rtol=1e-12)
    assert set(data.points["method"]) == {"independent", "loss-to-loss"}


def test_rank_figure_marks_the_held_out_runs_measured_at_the_budget(runs: Runs) -> None:
    from l2l.output.plots import held_out_runs, rank_figure, rank_figure_data
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    held = held_out_runs(runs, ranking, "sweep")
    assert sorted(held["dataset"].to_list()) == ["alpha", "beta", "gamma"]  # each dataset's 1e21 run
    data = rank_figure_data(ranking, held)
    assert data.heldout is not None
    assert len(data.heldout) == 3
    assert "★: the lowest loss measured by a held-out run at this budget" in data.caption
    stars = _stars(rank_figure(ranking, held))
    assert len(stars) == 1
    assert held_out_runs(runs, ranking, None).height == 0  # fitted on every run: nothing held out


def test_rank_figure_marks_each_datasets_lowest_held_out_loss_at_a_compute_budget(runs: Runs) -> None:
    """A held-out isoFLOP budget has runs at several N's; the prediction is the loss at N*(C), the least of them,
    so a run at another N (its loss higher) drawn on the prediction's line read as a miss."""
    import dataclasses

    import polars as pl

    from l2l.output.plots import held_out_runs
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    at_top = held_out_runs(runs, ranking, "sweep")
    # the same budget at 4x fewer parameters and 4x more tokens, 5 % worse
    off = at_top.with_columns(pl.col("N") / 4, pl.col("D") * 4, pl.col("loss") * 1.05)
    frame = runs.frame
    extra = frame.join(
        at_top.select("dataset", "eval", "N", "D"), on=["dataset", "eval", "N", "D"]
    ).with_columns(pl.col("N") / 4, pl.col("D") * 4, pl.col("loss") * 1.05, pl.col("run_id") + "-N/4")
    grid = dataclasses.replace(runs, frame=pl.concat([extra, frame], how="vertical_relaxed"))
    held = held_out_runs(grid, ranking, "sweep")
    assert held.height == 3  # one a dataset, not both runs
    assert sorted(held["loss"].to_list()) == sorted(at_top["loss"].to_list())
    assert sorted(off["loss"].to_list()) != sorted(held["loss"].to_list())


def test_a_long_target_name_wraps_in_the_rank_figures_panel_title(runs: Runs) -> None:
    """A 120-character eval name ran off its rank panel's strip into the next (probe p63 #15)."""
    from l2l.output.plots import rank_figure_data
    from l2l.output.plots.common import PANEL_TITLE_WIDTH
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    name = "some_org/held-out-validation-set-2024-dedup-minhash-v3_quality_top10pct_" * 2
    (t,) = ranking.targets
    long = dataclasses.replace(ranking, targets=(dataclasses.replace(t, target=name),))
    (title,) = rank_figure_data(long).panels
    lines = title.split("\n")
    assert len(lines) > 1
    assert all(len(line) <= PANEL_TITLE_WIDTH for line in lines)
    assert "".join(lines) == name


def test_rank_figure_draws_a_measured_loss_only_at_the_model_it_predicts_else_says_where_it_was_measured(
    runs: Runs,
) -> None:
    """The "measured, top budget" points of losses measured at another size sat on the axis of losses predicted
    at the asked model (a probe: 500M × 10B beside 60M × 1.2B predictions), looking like the best candidates."""
    from l2l.output.plots import rank_figure_data
    from l2l.output.plots.rank import MEASURED
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    data = rank_figure_data(ranking)  # measured at 5e19 (141M–5.07B), predicted at 1e21's N*, D*
    assert MEASURED not in set(data.others["what"])
    assert MEASURED not in list(data.others["what"].cat.categories)  # nor in the legend
    assert (
        "not drawn: the loss measured at each dataset's largest budget, at another size than the one predicted: "
        "141M–5.07B × 1.64B–59.1B (beta, alpha, gamma)"  # in rank order
    ) in data.caption
    # the caption describes what is drawn: no ○ when no measured marker is drawn (a reader took it for the
    # predictions' filled circles, probe h3), and the filled circles themselves
    assert "○" not in data.caption
    assert "●: the recommended prediction, coloured by P(best); bars: its 90% interval" in data.caption
    # the same rows, had their top runs been the model each predicts: drawn, and nothing said
    (t,) = ranking.targets
    at_model = [
        dataclasses.replace(r, top_N=(r.N, r.N), top_D=(r.D * 1.05, r.D * 1.05)) if r.N and r.D else r
        for r in t.rows
    ]
    here = dataclasses.replace(ranking, targets=(dataclasses.replace(t, rows=tuple(at_model)),))
    drawn = rank_figure_data(here)
    measured = drawn.others[drawn.others["what"] == MEASURED]
    assert sorted(measured["dataset"].astype(str)) == ["alpha", "beta", "gamma"]
    assert_allclose(sorted(measured["value"]), sorted(r.measured_top or 0.0 for r in t.rows), rtol=1e-12)
    assert "left out" not in drawn.caption
    # drawn for one dataset, left out for the others: the ○ is named, and where the others were measured
    one = [r if r.dataset != "alpha" else at_model[i] for i, r in enumerate(t.rows)]
    mixed = rank_figure_data(dataclasses.replace(ranking, targets=(dataclasses.replace(t, rows=tuple(one)),)))
    assert sorted(mixed.others[mixed.others["what"] == MEASURED]["dataset"].astype(str)) == ["alpha"]
    assert (
        f"○ {MEASURED}: drawn where measured at the size predicted; left out where measured at another: "
        "141M–5.07B × 1.64B–59.1B (beta, gamma)"
    ) in mixed.caption
    baseline = rank_figure_data(
        rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", method="baseline")
    )
    assert "baseline: each value is the loss measured at its dataset's largest budget, at 141M–5.07B" in (
        baseline.caption
    )


def test_rank_figure_grows_with_its_rows_and_wraps_or_keys_long_names(runs: Runs, tmp_path: Path) -> None:
    """DCLM's 42 datasets: the figure kept its 3.2 in panel (labels 10 px apart, drawn over each other), and names
    of up to 142 characters took the panel's room: no title, no labels, the caption over the axis (p57 #5)."""
    from l2l.output.plots import rank_figure, rank_figure_data
    from l2l.output.plots.rank import LABEL_CHARS, LABEL_LINES
    from l2l.output.plots.save import ROW_GAP, ROW_LINE_HEIGHT
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    (t,) = ranking.targets
    r0 = next(r for r in t.rows if r.status == "ok")

    def many(names: list[str]) -> Any:
        rows = tuple(dataclasses.replace(r0, dataset=n, rank=i + 1) for i, n in enumerate(names))
        return dataclasses.replace(ranking, targets=(dataclasses.replace(t, rows=rows),), combined=())

    short = [f"set{i:02d}" for i in range(42)]
    h6, h42 = (figure_size(rank_figure(many(names)))[1] for names in (short[:6], short))
    assert (
        h42 >= 42 * (ROW_LINE_HEIGHT + ROW_GAP) + 1.0 > h6
    )  # every row its line and a gap; 6 rows as before
    mix = "mix_rw_v2_fasttext_openhermes_reddit_eli5_vs_rw_v2_bigram_200k_train_0.1_{}_fasttext_openhermes_reddit"
    long = [mix.format(part) for part in ("wiki", "arxiv", "books", "github")] + [
        "dolma",
        "rw_v2_semdedup_0.75",
    ]
    data = rank_figure_data(many(long))
    labels = [str(x) for x in data.ranked["label"]]
    assert len(set(labels)) == len(long)  # no two alike
    assert all(len(lbl.split("\n")) <= LABEL_LINES for lbl in labels)
    assert all(len(line) <= LABEL_CHARS for lbl in labels for line in lbl.split("\n"))
    assert data.key == tuple(f"[{i + 1}] {name}" for i, name in enumerate(long[:4]))  # whole, in the caption
    assert "dolma" in labels  # short names as they are
    assert "rw_v2_semdedup_0.75" in labels
    assert (
        figure_size(rank_figure(many(long)))[0] < 12.0
    )  # the names wrapped, the caption too: not 56 in wide
    out = save_figure(rank_figure(many(long)), tmp_path / "long.png", dpi=40)
    assert out.stat().st_size > 0


def test_a_figure_of_laws_none_of_which_fits_is_the_data_s_error_exit_1(run: Any, tmp_path: Path) -> None:
    """The data's fault, not the command line's: fit-law's error and exit 1 (it was exit 2, naming a --dataset
    never given); no file is written."""
    table = tmp_path / "tiny.csv"
    table.write_text(
        "dataset,N,D,eval,loss\n"
        + "".join(f"d,{n},1e9,train,{3 - i * 0.1}\n" for i, n in enumerate(["1e7", "2e7"]))
    )
    out = tmp_path / "law.png"
    result = run("plot", "law", table, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no law could be fitted (1 of 1 failed)")
    assert not out.exists()


def test_a_title_longer_than_its_panels_widens_the_figure(evaluation: Evaluation) -> None:
    # Porian's one-panel evaluate figure cut its title ("top 1 compute budget(s), C ≥ 2.56e+19") at both edges
    import plotnine as p9

    fig = evaluate_figure(evaluation)
    title = "Held-out predictions " + "x" * 100
    assert_allclose(figure_size(fig + p9.labs(title=title))[0], len(title) * 0.105 + 0.4)
    assert figure_size(fig + p9.labs(title=title))[0] > figure_size(fig)[0]


def test_an_isoflop_legend_keeps_a_dozen_of_many_budgets(runs: Runs, fits: list[LawFit]) -> None:
    import polars as pl

    # one budget per run (Misfitting's table: 66 budgets, a legend taller than the figure)
    scattered = dataclasses.replace(
        runs, frame=runs.frame.with_columns(pl.col("C") * (1 + 0.01 * pl.int_range(pl.len())))
    )
    fig = isoflop_figure(scattered, fits[:1], split="sweep")
    keys = next(s for s in fig.scales if "color" in s.aesthetics).breaks
    assert len(keys) == 12
    assert "12 of its" in str(fig.labels.caption)


def test_titles_say_a_form_chosen_by_the_backtests_and_budgets_keep_three_digits(
    runs: Runs, fits: list[LawFit]
) -> None:
    """`plot law` under --form auto said "(l2l form)", as if asked for; Porian's iso-FLOP legend read 1.2e16 and
    1.3e19 for budgets of 1.25e16 and 1.28e19 (p57 #10)."""
    import polars as pl

    one = fits[:1]
    assert law_figure(runs, one).labels.title.endswith(f"({one[0].form} form)")
    assert law_figure(runs, one, chosen=True).labels.title.endswith(
        f"({one[0].form} form, chosen by backtests)"
    )
    assert residuals_figure(runs, one, chosen=True).labels.title.endswith("chosen by backtests)")
    mixed = [one[0], dataclasses.replace(fits[1], law=dataclasses.replace(fits[1].law, form="chinchilla"))]
    assert isoflop_figure(runs, mixed, chosen=True).labels.title.endswith("(forms chosen by backtests)")
    odd = dataclasses.replace(runs, frame=runs.frame.with_columns(pl.col("C") * 1.25 / 2))  # 2e17 → 1.25e17
    keys = next(s for s in isoflop_figure(odd, one, split="sweep").scales if "color" in s.aesthetics).breaks
    assert keys[0] == "1.25e17"


def test_a_name_with_dollar_signs_is_drawn_as_text_not_tex(
    run: Any, synthetic_csv: Path, tmp_path: Path
) -> None:
    """A dataset named 'bad $\\frac{$ x' crashed every figure (matplotlib's TeX parser: "internal error"); names
    are text."""
    table = tmp_path / "dollars.csv"
    table.write_text(synthetic_csv.read_text().replace("alpha,", "bad $\\frac{$ x,"))
    assert run("ingest", table).exit_code == 0
    out = tmp_path / "law.png"
    res = run("plot", "law", "-o", out)
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 10_000


def test_an_isoflop_figure_of_one_budget_draws_without_a_warning(tmp_path: Path) -> None:
    """Probe p60: a ladder whose one iso-FLOP budget holds 3 runs per dataset printed plotnine's "geom_path: Each
    group consist of only one observation" on stderr, a dashed line joining one optimum (pytest: warnings are
    errors)."""
    law = l2l.testing.PAPER_LIKE_LAW
    rows = ["dataset,N,D,eval,loss"]
    for ds, k in (("web", 1.0), ("code", 0.7)):
        for n in (5e7, 1e8, 2e8):
            for d in (1e18 / (6 * n), 20 * n):
                rows.append(f"{ds},{n:g},{d:.6g},{ds}_val,{k * float(law.predict(n, d)):.5f}")
    path = tmp_path / "one.csv"
    path.write_text("\n".join(rows) + "\n")
    runs = read_runs([path])
    save_figure(isoflop_figure(runs, fit_laws(runs).fits), tmp_path / "iso.png", **SMALL)
    assert (tmp_path / "iso.png").stat().st_size > 1_000


def test_an_isoflop_figure_of_runs_each_at_its_own_budget_is_refused(tmp_path: Path) -> None:
    """A grid of sizes × token multiples puts every run at a compute of its own: the figure drew one curve per run
    (82 on a probe's table), saying nothing."""
    law = l2l.testing.PAPER_LIKE_LAW
    rows = ["dataset,N,D,eval,loss"]
    for n in (2e7, 5e7, 1.2e8, 3e8):
        for mult in (5, 13, 37, 101):
            rows.append(f"web,{n:g},{mult * n:g},web_val,{float(law.predict(n, mult * n)):.5f}")
    path = tmp_path / "grid.csv"
    path.write_text("\n".join(rows) + "\n")
    runs = read_runs([path])
    fits = fit_laws(runs).fits
    with pytest.raises(SelectionError, match="no iso-FLOP budget holds 3 fitted runs"):
        isoflop_figure(runs, fits)


def test_an_isoflop_figure_draws_budgets_of_three_runs_and_says_what_it_left_out(tmp_path: Path) -> None:
    """A grid of sizes × doubling token multiples shares a C between one or two runs: it was drawn as a dozen
    "budgets" of a point or two (probes p56, p58); refused now. Beside iso-FLOP budgets of five sizes, a budget of
    one or two runs is left out and the caption says so."""
    from l2l.output.plots.laws import isoflop_figure_data

    law = l2l.testing.PAPER_LIKE_LAW
    grid = ["dataset,N,D,eval,loss"]
    for n in (2e7, 4e7, 8e7, 1.6e8, 3.2e8):
        for mult in (5, 10, 20, 40):  # (n, 40) and (2n, 10) share a C: one or two runs per compute
            grid.append(f"web,{n:g},{mult * n:g},web_val,{float(law.predict(n, mult * n)):.5f}")
    path = tmp_path / "grid.csv"
    path.write_text("\n".join(grid) + "\n")
    runs = read_runs([path])
    with pytest.raises(SelectionError, match="at most 2 at one compute"):
        isoflop_figure(runs, fit_laws(runs).fits)
    iso = ["dataset,N,D,eval,loss"]
    for c in (1e17, 1e18, 1e19):
        for n in np.geomspace(2e7, 4e8, 5) * (c / 1e18) ** 0.5:
            iso.append(f"web,{n:.6g},{c / (6 * n):.6g},web_val,{float(law.predict(n, c / (6 * n))):.5f}")
    iso.append(f"web,5e8,{3e20 / (6 * 5e8):.6g},web_val,{float(law.predict(5e8, 1e11)):.5f}")  # a lone run
    path = tmp_path / "iso.csv"
    path.write_text("\n".join(iso) + "\n")
    runs = read_runs([path])
    data = isoflop_figure_data(runs, fit_laws(runs).fits)
    assert data.budgets == ["1e17", "1e18", "1e19"]
    assert data.left_out == (1, 1)
    caption = isoflop_figure(runs, fit_laws(runs).fits).labels.caption
    assert "left out: 1 budget of fewer than 3 runs (1 run): no profile to draw" in caption


def test_a_figure_that_sizes_itself_keeps_its_size(runs: Runs, fits: list[LawFit]) -> None:
    """The accuracy figure sizes its panels (3.4 × 2.7 in) and its legend; ``figure_size`` replaced that by 4 in
    panels and drew 8 tasks 18 in wide (2698 px, probe h3). A size the figure gives itself is kept (widened only
    for its title and caption)."""
    from l2l.output.plots import accuracy_figure
    from l2l.output.plots.accuracy import accuracy_figure_data
    from l2l.output.plots.common import legend_width, plotnine
    from l2l.output.plots.save import _text_width
    from l2l.workflows.accuracy import fit_accuracy_laws

    p9 = plotnine()
    probe = Path(__file__).resolve().parents[1] / "data" / "probe"
    acc_runs = read_runs([probe / "sparse_evals_runs.csv", probe / "sparse_evals_accuracy.csv"])
    results = fit_accuracy_laws(acc_runs, split="sweep")
    fig = accuracy_figure(acc_runs, results, fit_split="sweep")
    data = accuracy_figure_data(acc_runs, results, fit_split="sweep")
    n = len(data.panels)
    cols = min(4, n)
    names = sorted(set(data.points.get_column("dataset").to_list()))
    own = (3.4 * cols + legend_width([*names, "pooled law"]), 2.7 * -(-n // cols) + 1.2)
    assert_allclose(fig.theme.getp("figure_size"), own, rtol=1e-12)
    assert_allclose(figure_size(fig), (max(own[0], _text_width(fig)), own[1]), rtol=1e-12)
    assert_allclose(figure_size(law_figure(runs, fits[:1]) + p9.theme(figure_size=(9.0, 3.0))), (9.0, 3.0))
