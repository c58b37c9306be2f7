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
from l2l.errors import UsageError
from l2l.evaluate import Evaluation, HeldOutPrediction, SettingSummary
from l2l.fit import LawFit, fit_laws
from l2l.plots import (
    evaluate_figure,
    figure_size,
    isoflop_figure,
    law_figure,
    save_figure,
    translate_figure,
)
from l2l.runs import Runs
from l2l.tables import read_runs
from l2l.translate import TranslationResult, translate

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
    out = translate(runs, src="alpha", kind="train-train", split="sweep", workers=1)
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
    code = "import sys, l2l.plots; print(sorted(m for m in ('plotnine', 'matplotlib', 'pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_law_figure_has_contours_optimum_points_and_stars(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits, split="sweep")
    assert _geoms(fig) == ["geom_raster", "geom_point", "geom_line", "geom_point"]
    assert _panels(fig) == {"alpha — alpha_val", "beta — beta_val", "gamma — gamma_val"}
    assert list(getattr(fig.facet, "vars", ())) == ["panel"]
    # 54 sweep runs per dataset as points, the held-out 1e21 run of each as a star
    assert len(_data(fig.layers[1])) == 3 * 54
    (star,) = _stars(fig)
    assert len(_data(star)) == 3
    assert_allclose(_data(star)["C"], 1e21, rtol=1e-12)
    assert fig.labels.fill == "loss"


def test_law_figure_grid_reaches_1e21_and_line_is_the_compute_optimum(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits, split="sweep")
    grid = _data(fig.layers[0])
    assert grid["C"].max() >= 1e21
    assert len(grid) == 3 * 120 * 120
    line = _data(fig.layers[2])
    alpha = line[line["panel"] == "alpha — alpha_val"]
    n_opt, _ = fits[0].law.compute_optimal(alpha["C"].to_numpy())
    assert_allclose(alpha["N"], n_opt, rtol=1e-12)


def test_law_figure_without_split_draws_every_run_as_fitted(runs: Runs, fits: list[LawFit]) -> None:
    fig = law_figure(runs, fits[:1])
    assert _stars(fig) == []
    assert len(_data(fig.layers[1])) == 55
    assert _panels(fig) == {"alpha — alpha_val"}


def test_law_figure_needs_a_fit(runs: Runs) -> None:
    with pytest.raises(UsageError, match="no fitted laws"):
        law_figure(runs, [])


def test_isoflop_figure_has_curves_points_optima_and_ordered_budgets(runs: Runs, fits: list[LawFit]) -> None:
    fig = isoflop_figure(runs, fits, split="sweep")
    assert _geoms(fig) == ["geom_line", "geom_point", "geom_path", "geom_point", "geom_point"]
    assert len(_stars(fig)) == 1
    assert len(_panels(fig)) == 3
    colour = next(s for s in fig.scales if "color" in s.aesthetics)
    assert colour.breaks == ["2e17", "6e17", "2e18", "6e18", "2e19", "5e19", "1e21"]
    optima = _data(fig.layers[3])
    assert len(optima) == 3 * 7  # one per budget and dataset
    beta = optima[optima["panel"] == "beta — beta_val"]
    n_opt, _ = fits[1].law.compute_optimal(beta["C"].to_numpy())
    assert_allclose(beta["N"], n_opt, rtol=1e-12)
    # the curve is the law along D = C/6N: its minimum sits at N*
    curves = _data(fig.layers[0])
    one = curves[(curves["panel"] == "beta — beta_val") & (curves["budget"] == "2e19")]
    n_min = float(one["N"].to_numpy()[np.argmin(one["loss"].to_numpy())])
    n_star = float(beta[beta["budget"] == "2e19"]["N"].iloc[0])
    assert_allclose(n_min, n_star, rtol=0.1)


def test_translate_figure_points_curves_dashes_and_stars(results: list[TranslationResult]) -> None:
    fig = translate_figure(results, fit_split="sweep")
    assert _geoms(fig) == ["geom_point", "geom_line", "geom_line", "geom_point"]
    assert fig.layers[2].geom.aes_params["linetype"] == "dashed"
    assert fig.labels.title == "train-train from alpha"
    assert fig.labels.color == "target"
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


def test_translate_figure_labels_evals_for_train_test(runs: Runs) -> None:
    out = translate(runs, src="beta", kind="train-test", split="sweep", workers=1)
    fig = translate_figure(out, fit_split="sweep")
    assert fig.labels.title == "train-test from beta"
    assert set(_data(fig.layers[0])["target"]) == {r.eval for r in out if r.translation is not None}


def test_translate_figure_facets_several_sources(results: list[TranslationResult]) -> None:
    other = dataclasses.replace(
        results[1], spec=dataclasses.replace(results[1].spec, src="zeta"), kind="test-test"
    )
    fig = translate_figure([*results, other])
    assert list(getattr(fig.facet, "vars", ())) == ["panel"]
    assert _panels(fig) == {"train-train from alpha", "test-test from zeta"}


def test_translate_figure_with_nothing_fitted_raises(results: list[TranslationResult]) -> None:
    failed = [dataclasses.replace(r, translation=None, error="boom") for r in results]
    with pytest.raises(UsageError, match="no translation was fitted"):
        translate_figure(failed)


def test_evaluate_figure_points_and_means_per_setting(evaluation: Evaluation) -> None:
    fig = evaluate_figure(evaluation)
    assert _geoms(fig) == ["geom_jitter", "geom_point", "geom_text"]
    assert type(fig.layers[0].position).__name__ == "position_jitter"
    points = fig.data
    assert len(points) == 7  # 4 predictions × 2 methods, one missing
    assert set(points["setting"]) == {"train-to-train (n = 2)", "train-to-test (n = 2)"}
    means = _data(fig.layers[1])
    assert_allclose(sorted(means["error"]), [0.65, 2.0, 3.0, 10.0], rtol=1e-12)
    assert "0.65%" in set(_data(fig.layers[2])["label"])


def test_evaluate_figure_without_predictions_raises(evaluation: Evaluation) -> None:
    empty = dataclasses.replace(evaluation, predictions=(), summary=())
    with pytest.raises(UsageError, match="no predictions"):
        evaluate_figure(empty)


# ---------------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------------


def test_save_figure_writes_png_svg_and_pdf(
    tmp_path: Path, runs: Runs, fits: list[LawFit], results: list[TranslationResult], evaluation: Evaluation
) -> None:
    import matplotlib.pyplot as plt

    figures = {
        "law": law_figure(runs, fits, split="sweep"),
        "isoflop": isoflop_figure(runs, fits, split="sweep"),
        "translate": translate_figure(results, fit_split="sweep"),
        "evaluate": evaluate_figure(evaluation),
    }
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}
    for name, fig in figures.items():
        for ext in (".png", ".svg"):
            out = save_figure(fig, tmp_path / f"{name}{ext}", **SMALL)
            assert out == tmp_path / f"{name}{ext}"
            assert out.read_bytes().startswith(magic[ext])
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_evaluate_figure_data_is_computed_apart_from_the_drawing(evaluation: Evaluation) -> None:
    from l2l.plots import evaluate_figure_data

    data = evaluate_figure_data(evaluation)
    assert data.panels == ["train-to-train (n = 2)", "train-to-test (n = 2)"]  # n counts every prediction
    assert len(data.points) == 7  # 8 predictions, one the independent law could not make
    assert list(data.means["label"]) == ["3.00%", "0.65%", "10.00%", "2.00%"]
    assert_allclose(sorted(data.means["error"]), [0.65, 2.0, 3.0, 10.0], rtol=1e-12)
    assert set(data.points["method"]) == {"independent", "loss-to-loss"}
