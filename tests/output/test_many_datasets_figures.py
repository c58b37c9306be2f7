"""Figures of tables shaped unlike the paper's read at a glance (probe h98): 40 datasets' residuals made a figure
85 in tall, their accuracies and their ranking across budgets a legend of 40 rainbow colours (ds00 to ds02 all
red), a 60-character source name ran off both edges of the translation figure's x axis, and a ladder's
bits-per-byte evals were labelled in nats."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.runs import Runs
from l2l.core.fit import LawFit
from l2l.workflows.accuracy import fit_accuracy_laws
from l2l.workflows.lawbook import fit_laws
from l2l.workflows.translate import TranslationResult, translate
from tests.output.test_accuracy_figure_colours import _table

LONG = "FineWeb-Edu [dedup, minhash τ=0.8] — score≥3 $\\alpha$ filtered v2"  # 65 characters


@pytest.fixture(scope="module")
def runs(synthetic_runs: Runs) -> Runs:
    return synthetic_runs


@pytest.fixture(scope="module")
def fits(runs: Runs) -> list[LawFit]:
    return [r for r in fit_laws(runs, split="sweep", workers=1).results if isinstance(r, LawFit)]


def _copies(runs: Runs, fits: list[LawFit], k: int) -> tuple[Runs, list[LawFit]]:
    """The table's datasets ``k`` times over, renamed (``alpha-0``, ``alpha-1``, …), with their laws: k × as many
    laws, none refitted."""
    frames, out = [], []
    own: dict[str, str] = {}
    for i in range(k):
        names = {d: f"{d}-{i}" for d in runs.datasets}
        frames.append(runs.frame.with_columns(pl.col("dataset").replace(names)))
        out += [dataclasses.replace(f, dataset=names[f.dataset]) for f in fits]
        own.update({names[d]: e for d, e in runs.own_eval.items()})
    return dataclasses.replace(runs, frame=pl.concat(frames), own_eval=own, own_eval_how={}), out


def _texts_outside(fig: Any, dpi: int = 40) -> list[str]:
    """The texts of ``fig``, drawn at the size it gives itself, that reach beyond the canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from l2l.output.plots import figure_size
    from l2l.output.plots.common import plotnine

    width, height = figure_size(fig)
    drawn = (fig + plotnine().theme(figure_size=(width, height), dpi=dpi)).draw()
    canvas = FigureCanvasAgg(drawn)
    canvas.draw()
    renderer = canvas.get_renderer()
    out = []
    for t in drawn.findobj():
        if not hasattr(t, "get_text") or not t.get_visible() or not str(t.get_text()).strip():
            continue
        box = t.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width * dpi + 1 or box.y1 > height * dpi + 1:
            out.append(str(t.get_text()))
    return out


def test_more_than_eight_laws_draw_their_residuals_as_pairs_of_small_panels(
    runs: Runs, fits: list[LawFit]
) -> None:
    from l2l.output.plots import figure_size, residuals_figure
    from l2l.output.plots.residuals import MAX_GRID_ROWS

    many_runs, many = _copies(runs, fits, 3)
    assert len(many) == 9 > MAX_GRID_ROWS
    fig = residuals_figure(many_runs, many, split="sweep")
    assert type(fig.facet).__name__ == "facet_wrap"
    cells = list(fig.data["cell"].cat.categories)
    assert len(cells) == 18
    assert cells[:2] == ["alpha-0\nagainst N", "alpha-0\nagainst D"]
    # 4 pairs of 2.2 × 2 in panels to a row, 3 rows: 19.2 × 7.6 in, where one row a law took 9 × 2.1 + 1 in
    assert_allclose(figure_size(fig), (8 * 2.2 + 1.6, 3 * 2.0 + 1.6), rtol=1e-12)
    assert fig.labels.x == "parameters N (left of each pair), tokens D (right)"
    # eight laws or fewer: the grid as before
    assert type(residuals_figure(runs, fits, split="sweep").facet).__name__ == "facet_grid"


def test_more_datasets_than_colours_draw_their_accuracies_alike_and_say_so(tmp_path: Path) -> None:
    from l2l.output.plots import accuracy_figure

    runs = _table(tmp_path, 13, at_chance=False)
    fig = accuracy_figure(runs, list(fit_accuracy_laws(runs)))
    scale: Any = next(s for s in fig.scales if type(s).__name__ == "scale_color_manual")
    assert list(scale.breaks) == ["runs of the 13 datasets", "pooled law"]
    assert dict(scale.palette(2)) == {"runs of the 13 datasets": "#9a9a9a", "pooled law": "#000000"}
    assert "13 datasets, more than 12 colours can tell apart: drawn alike" in fig.labels.caption
    assert _texts_outside(fig) == []


def test_the_budgets_view_of_many_datasets_colours_the_best_eight_and_greys_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import l2l.output.plots.rank as rank_plots
    from l2l.output.plots.rank import RankBudgetFigureData

    names = [f"ds{i:02d}" for i in range(40)]  # best first, as the ranking orders them
    curves = pd.DataFrame(
        {
            "panel": "c4_val",
            "dataset": pd.Categorical([n for n in names for _ in range(2)], categories=names),
            "C": [c for _ in names for c in (1e20, 1e22)],
            "value": [2.5 + 0.01 * i + d for i in range(40) for d in (0.1, 0.0)],
        }
    )
    budget = pd.DataFrame({"panel": ["c4_val"], "C": [1e21]})
    data = RankBudgetFigureData(curves, pd.DataFrame(), budget, ["c4_val"], "c4_val: best: ds00")
    monkeypatch.setattr(rank_plots, "rank_budget_figure_data", lambda _ranking: data)
    fig = rank_plots.rank_budget_figure(SimpleNamespace(method="recommended"))  # type: ignore[arg-type]
    (scale,) = [s for s in fig.scales if type(s).__name__ == "scale_color_manual"]
    assert list(scale.breaks) == names[:8]
    grey, coloured = fig.layers[0], fig.layers[1]
    assert grey.geom.aes_params["color"] == "#9a9a9a"
    assert sorted(set(grey._data["dataset"])) == names[8:]
    assert sorted(set(coloured._data["dataset"])) == names[:8]
    assert fig.labels.caption.endswith(
        "coloured: the 8 best of 40 datasets at the budget; grey: the other 32"
    )


@pytest.fixture(scope="module")
def results(runs: Runs) -> list[TranslationResult]:
    return translate(runs, src="alpha", tgts=["beta", "gamma"], kind="train-train", split="sweep", workers=1)


def test_a_long_source_name_wraps_on_the_x_axis_inside_the_figure(results: list[TranslationResult]) -> None:
    from l2l.output.plots import translate_figure

    named = [
        dataclasses.replace(r, spec=dataclasses.replace(r.spec, src=LONG, x_eval=f"{LONG} val"))
        for r in results
    ]
    fig = translate_figure(named, fit_split="sweep")
    lines = fig.labels.x.split("\n")
    assert len(lines) == 3
    assert all(len(line) <= 60 for line in lines)
    assert _texts_outside(fig) == []


def test_bits_per_byte_evals_are_labelled_in_bits_per_byte() -> None:
    from l2l.output.plots.common import loss_unit

    assert loss_unit(["hellaswag"]) == "nats"
    assert loss_unit(["hellaswag:bpb"]) == "bits/byte"
    assert loss_unit(["hellaswag:bpb", "hellaswag", "piqa:bpb"]) == "nats or bits/byte"


def test_a_law_panel_of_a_bpb_eval_gives_its_scale_in_bits_per_byte(runs: Runs, fits: list[LawFit]) -> None:
    from l2l.output.plots import law_figure_data

    frame = runs.frame.with_columns(
        pl.when(pl.col("eval") == "beta_val")
        .then(pl.lit("beta_val:bpb"))
        .otherwise(pl.col("eval"))
        .alias("eval")
    )
    own = {d: (f"{e}:bpb" if e == "beta_val" else e) for d, e in runs.own_eval.items()}
    renamed = dataclasses.replace(runs, frame=frame, own_eval=own, own_eval_how={})
    bpb = [dataclasses.replace(f, eval=f"{f.eval}:bpb") if f.eval == "beta_val" else f for f in fits]
    titles = law_figure_data(renamed, bpb, split="sweep").panels
    assert [t.split("\n")[-1].split(" ")[-1] for t in titles] == [
        "bits/byte" if f.eval.endswith(":bpb") else "nats" for f in bpb
    ]


def test_laws_whose_runs_all_share_one_tokens_per_parameter_draw_no_optimum_line(
    runs: Runs, fits: list[LawFit]
) -> None:
    from l2l.output.plots import law_figure, law_figure_data

    k = runs.flops_per_param_token
    frame = runs.frame.with_columns((100.0 * pl.col("N")).alias("D")).with_columns(
        (k * pl.col("N") * pl.col("D")).alias("C")
    )
    one_line = dataclasses.replace(runs, frame=frame)
    data = law_figure_data(one_line, fits, split="sweep")
    assert data.line.empty
    assert_allclose(sorted(data.one_ratio.values()), [100.0] * len(fits), rtol=1e-9)
    caption = law_figure(one_line, fits, split="sweep").labels.caption
    assert caption.startswith(
        "bands: loss predicted by the fitted law (D = C/6N)\nno N*(C) line: every run at one"
    )
    assert "red line" not in caption
    # the table's own sweep (several D/N at each size): the line, as before
    assert not law_figure_data(runs, fits, split="sweep").line.empty
    assert law_figure_data(runs, fits, split="sweep").one_ratio == {}
