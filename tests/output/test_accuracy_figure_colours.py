"""The accuracy figure gives every dataset a colour of its own and its caption names only the lines it draws
(probe h60: 12 datasets drew corpus-00 and corpus-09 alike, nine colours cycled; a task at chance, with no law
drawn, was captioned "lines: fitted accuracy laws (black: one law pooled across datasets)")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from l2l.base.runs import Runs
from l2l.io.tables import read_runs
from l2l.workflows.accuracy import AccuracyResult, fit_accuracy_laws

SIZES = ((2e7, 4e8), (5e7, 1e9), (1e8, 2e9), (2e8, 4e9), (4e8, 8e9), (8e8, 1.6e10))


def _table(folder: Path, n_datasets: int, *, at_chance: bool = True) -> Runs:
    """``n_datasets`` datasets of 6 runs each: an own loss, a HellaSwag task loss and a HellaSwag accuracy at
    chance (0.25 with 0.5 points of noise: no law predicts it), or (``at_chance=False``) rising from chance as the
    task loss falls below 3."""
    rng = np.random.default_rng(1)
    losses: list[tuple[Any, ...]] = []
    accuracies: list[tuple[Any, ...]] = []
    for i in range(n_datasets):
        ds = f"corpus-{i:02d}"
        for j, (n, d) in enumerate(SIZES):
            run = f"{ds}-{j}"
            own = 1.8 + 0.02 * i + 200 / n**0.34 + 700 / d**0.28
            task = 0.9 + 0.55 * (own - 1.2) ** 1.3
            losses += [
                (ds, n, d, f"{ds}_val", own, run),
                (ds, n, d, "downstream/hellaswag_ce_loss", task, run),
            ]
            rise = 0.0 if at_chance else 0.7 / (1 + np.exp((task - 3.0) / 0.3))
            accuracy = 0.25 + rise + rng.normal(0, 0.005)
            accuracies.append((ds, n, d, "downstream/hellaswag_acc", "accuracy", accuracy, run))
    pl.DataFrame(losses, schema=["dataset", "N", "D", "eval", "loss", "run_id"], orient="row").write_csv(
        folder / "runs.csv"
    )
    pl.DataFrame(
        accuracies, schema=["dataset", "N", "D", "eval", "metric", "value", "run_id"], orient="row"
    ).write_csv(folder / "accuracy.csv")
    return read_runs([folder / "runs.csv", folder / "accuracy.csv"])


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory) -> tuple[Runs, list[AccuracyResult]]:
    runs = _table(tmp_path_factory.mktemp("twelve"), 12)
    return runs, list(fit_accuracy_laws(runs))


def _colours(fig: Any) -> dict[str, str]:
    (scale,) = [s for s in fig.scales if type(s).__name__ == "scale_color_manual"]
    return dict(scale.palette(13))  # values given as a mapping: the mapping, whatever the count


def test_twelve_datasets_are_drawn_in_twelve_colours(twelve: tuple[Runs, list[AccuracyResult]]) -> None:
    from l2l.output.plots import accuracy_figure

    runs, results = twelve
    colours = _colours(accuracy_figure(runs, results))
    datasets = [f"corpus-{i:02d}" for i in range(12)]
    assert [colours[d] for d in datasets[:3]] == ["#1f77b4", "#aec7e8", "#ff7f0e"]  # tab20, as other figures
    assert len({colours[d] for d in datasets}) == 12
    assert colours["pooled law"] == "#000000"
    assert "#000000" not in {colours[d] for d in datasets}


def test_a_task_at_chance_is_captioned_without_laws_it_does_not_draw(
    twelve: tuple[Runs, list[AccuracyResult]],
) -> None:
    from l2l.output.plots import accuracy_figure
    from l2l.output.plots.accuracy import accuracy_figure_data

    runs, results = twelve
    assert [(r.fit.status if r.fit else None, r.chance) for r in results] == [("unpredictable", 0.25)]
    data = accuracy_figure_data(runs, results)
    assert (data.curves.height, data.floors.height) == (0, 1)
    assert data.panels == ["hellaswag (unpredictable)"]
    assert accuracy_figure(runs, results).labels.caption == "dotted: chance"


def test_the_caption_of_a_one_panel_figure_stays_inside_the_figure(tmp_path: Path) -> None:
    """One panel (3.4 in) and a legend: the caption, aligned to the panel's right edge, began 0.2 in left of the
    figure and was drawn cut ("es: fitted accuracy laws …")."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from l2l.output.plots import accuracy_figure, figure_size
    from l2l.output.plots.common import plotnine

    runs = _table(tmp_path, 2, at_chance=False)
    results = list(fit_accuracy_laws(runs))
    fig = accuracy_figure(runs, results)
    caption = fig.labels.caption
    assert caption == "lines: fitted accuracy laws (black: one law pooled across datasets); dotted: chance"
    width, height = figure_size(fig)
    drawn = (fig + plotnine().theme(figure_size=(width, height), dpi=72)).draw()
    canvas = FigureCanvasAgg(drawn)
    canvas.draw()  # plotnine places its texts while the figure is drawn
    renderer = canvas.get_renderer()
    (text,) = [t for t in drawn.findobj() if hasattr(t, "get_text") and t.get_text() == caption]
    box = text.get_window_extent(renderer)
    assert box.x0 >= 0
    assert box.x1 <= width * 72
