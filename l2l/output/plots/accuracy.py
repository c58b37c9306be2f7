"""The accuracy figure (like the paper's Figure 7): accuracy against loss per task, every pre-training dataset in one
panel, with the fitted accuracy law, the chance floor, and the runs outside the fit (e.g. held out) as stars.

``accuracy_figure_data`` computes what is drawn; ``accuracy_figure`` draws it (plotnine, imported lazily).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl

from l2l.base.errors import SelectionError
from l2l.core.accuracy import POOLED
from l2l.output.plots.common import (
    MANY_PANELS,
    MAX_COLOURS,
    OTHERS_COLOUR,
    SMALL_PANEL_HEIGHT,
    SMALL_PANEL_WIDTH,
    legend_labels,
    legend_width,
    panel_title,
    plotnine,
    qualitative,
    theme,
    use_agg,
)
from l2l.workflows.accuracy import AccuracyResult, accuracy_data

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.base.runs import Runs

__all__ = ["AccuracyFigureData", "accuracy_figure", "accuracy_figure_data"]

PANEL_WIDTH = 3.4
PANEL_HEIGHT = 2.7
MAX_COLUMNS = 4
STAR = "*"


def _panel_name(name: str) -> str:
    short = name.removeprefix("downstream/")
    for suffix in ("_len_norm", "_acc", "_test"):
        short = short.removesuffix(suffix)
    return short or name


@dataclass(frozen=True, eq=False)
class AccuracyFigureData:
    """Points (panel, dataset, x, accuracy, fitted), law curves (panel, curve, x, accuracy), chance floors
    (panel, chance), panel order, x-axis label."""

    points: pl.DataFrame
    curves: pl.DataFrame
    floors: pl.DataFrame
    panels: list[str]
    x_label: str


def accuracy_figure_data(
    runs: Runs, results: Sequence[AccuracyResult], *, fit_split: str | None = None
) -> AccuracyFigureData:
    """What the accuracy figure shows, for each result that has data (failed fits without data are left out)."""
    pts: list[pl.DataFrame] = []
    curves: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    panels: list[str] = []
    kinds = set()
    for res in results:
        if res.data is None:
            continue
        try:
            every = accuracy_data(runs, res.eval, input_loss=res.input_loss)
        except SelectionError:
            continue
        kinds.add(res.input_loss)
        fit = res.fit
        # a poor law is fitted and predicts (marked poor, as fit-accuracy says), so it is drawn, not "unpredictable"
        status = "no law" if fit is None else ("" if fit.usable else "unpredictable")
        how = (
            ""
            if fit is None or not fit.usable
            else {"pooled": "pooled", "shifted": "shifted by dataset"}.get(fit.pooling, "per dataset")
            + ("; poor" if fit.status == "poor" else "")
        )
        panel = panel_title(_panel_name(res.eval) + (f" ({status or how})" if (status or how) else ""))
        panels.append(panel)
        fitted = pl.lit(True) if fit_split is None else pl.col("split").eq_missing(pl.lit(fit_split))
        pts.append(
            every.frame.select(
                pl.lit(panel).alias("panel"), "dataset", "x", "accuracy", fitted.alias("fitted")
            )
        )
        if res.chance is not None:
            floors.append({"panel": panel, "chance": res.chance})
        if fit is None or not fit.usable:
            continue
        for key, law in fit.laws.items():
            if key in fit.unpredictable_groups or key in fit.left_out_groups:
                continue  # no prediction for that dataset (fit-accuracy: "not predicted"), so no curve drawn as a law
            # each law over the losses it was fitted on: a dataset's law over that dataset's runs (drawn further, a
            # sigmoid would climb to its ceiling where no run of that dataset is)
            xs = every.frame if key == POOLED else every.frame.filter(pl.col("dataset") == key)
            x = xs.get_column("x").to_numpy() if xs.height else every.x
            lo, hi = float(np.min(x)), float(np.max(x))
            grid = np.linspace(lo - 0.02 * (hi - lo), hi + 0.02 * (hi - lo), 120)
            grid_k = grid[grid > law.params["E0"]] if law.form == "power" else grid
            ys = law.predict(grid_k)
            curve = "pooled law" if key == POOLED else key
            curves.extend(
                {"panel": panel, "curve": curve, "x": float(x), "accuracy": float(y)}
                for x, y in zip(grid_k, ys, strict=True)
            )
    if not pts:
        # each eval's own reason, as fit-accuracy gives it (an OLMo-ladder export's HellaSwag has no task loss: the
        # fix, --input-loss own, was said by fit-accuracy and not here, probe h40)
        why = "; ".join(f"{r.eval}: {r.error}" for r in results if r.error)
        raise SelectionError("no accuracy eval has runs to draw" + (f" ({why})" if why else ""))
    x_label = "task cross-entropy loss" if kinds == {"task"} else "own (train) loss"
    empty_curves = {"panel": pl.String, "curve": pl.String, "x": pl.Float64, "accuracy": pl.Float64}
    return AccuracyFigureData(
        pl.concat(pts, how="vertical"),
        pl.DataFrame(curves, schema=empty_curves),
        pl.DataFrame(floors, schema={"panel": pl.String, "chance": pl.Float64}),
        panels,
        x_label,
    )


def _pandas(frame: pl.DataFrame, panels: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame({c: frame.get_column(c).to_numpy() for c in frame.columns})
    if "panel" in out.columns:
        out["panel"] = pd.Categorical(out["panel"], categories=list(panels), ordered=True)
    return out


def _caption(data: AccuracyFigureData) -> str:
    """What the lines are, naming only those drawn: a figure of unpredictable tasks (no law) or of tasks whose chance
    is not known (no floor) was captioned "lines: fitted accuracy laws …; dotted: chance" over points alone (probe
    h60)."""
    parts = []
    if data.curves.height:
        pooled = "pooled law" in data.curves.get_column("curve").to_list()
        parts.append(
            "lines: fitted accuracy laws" + (" (black: one law pooled across datasets)" if pooled else "")
        )
    if data.floors.height:
        parts.append("dotted: chance")
    return "; ".join(parts) if parts else "points: the runs (no law drawn: each panel's title says why)"


def accuracy_figure(runs: Runs, results: Sequence[AccuracyResult], *, fit_split: str | None = None) -> ggplot:
    """Accuracy against loss per task (one panel each), every dataset in one colour each; the law in black when
    pooled, in the dataset's colour when per dataset; the chance level dotted; runs outside ``fit_split`` as stars."""
    use_agg()
    p9 = plotnine()
    data = accuracy_figure_data(runs, results, fit_split=fit_split)
    datasets = sorted(set(data.points.get_column("dataset").to_list()))
    points, curves = data.points, data.curves.with_columns(pl.col("curve").alias("group"))
    caption = _caption(data)
    if len(datasets) > MAX_COLOURS:
        # more datasets than colours told apart (40 drew a rainbow legend, ds00 to ds02 all red, probe h98): their
        # runs, and their own laws, in one grey; the pooled law stays black
        every = f"runs of the {len(datasets)} datasets"
        points = points.with_columns(pl.lit(every).alias("dataset"))
        own = pl.col("curve") != "pooled law"
        curves = curves.with_columns(
            pl.when(own).then(pl.lit(every)).otherwise(pl.col("curve")).alias("curve")
        )
        caption += f"\n{len(datasets)} datasets, more than {MAX_COLOURS} colours can tell apart: drawn alike"
        datasets = [every]
        colours = {every: OTHERS_COLOUR}
    else:
        # a colour of its own for every dataset (tab10, tab20, a wheel): nine colours cycled, and 12 datasets drew
        # corpus-00 and corpus-09 alike (probe h60)
        colours = dict(zip(datasets, qualitative(len(datasets)), strict=True))
    colours["pooled law"] = "#000000"
    fitted = _pandas(points.filter(pl.col("fitted")), data.panels)
    stars = _pandas(points.filter(~pl.col("fitted")), data.panels)
    fig = p9.ggplot(fitted, p9.aes(x="x", y="accuracy", color="dataset"))
    fig += p9.geom_point(size=0.9, alpha=0.55)
    if len(stars):
        fig += p9.geom_point(data=stars, shape=STAR, size=5.0, show_legend=False)
        caption += f"\n★: runs not used in the fit (split ≠ {fit_split})"
    if curves.height:
        fig += p9.geom_line(
            p9.aes(x="x", y="accuracy", color="curve", group="group"),
            data=_pandas(curves, data.panels),
            size=0.8,
            inherit_aes=False,
        )
    if data.floors.height:
        fig += p9.geom_hline(
            p9.aes(yintercept="chance"),
            data=_pandas(data.floors, data.panels),
            linetype="dotted",
            color="#555555",
        )
    ncol = max(1, min(MAX_COLUMNS, len(data.panels)))
    fig += p9.facet_wrap("panel", ncol=ncol, scales="free")
    entries = [*datasets, "pooled law"]
    fig += p9.scale_color_manual(values=colours, breaks=entries, labels=legend_labels(entries))
    fig += p9.labs(
        x=data.x_label,
        y="accuracy",
        color="",
        title="Downstream accuracy against the task loss"
        if data.x_label.startswith("task")
        else "Downstream accuracy against the own loss",
        caption=caption,
    )
    nrow = -(-len(data.panels) // ncol)
    many = len(data.panels) > MANY_PANELS  # small multiples, as every l2l figure draws more than 9 panels
    width, height = (SMALL_PANEL_WIDTH, SMALL_PANEL_HEIGHT) if many else (PANEL_WIDTH, PANEL_HEIGHT)
    fig += theme() + p9.theme(  # the title, caption and strips of every l2l figure; smaller panel text
        # the panels and a legend as wide as its labels (``save_figure`` keeps a size the figure gives itself)
        figure_size=(width * ncol + legend_width(legend_labels(entries)), height * nrow + 1.2),
        strip_text=p9.element_text(size=8),
        axis_text=p9.element_text(size=7),
        # the caption aligned to the figure, not to the panels: beside the legend, one panel's caption ran off the
        # figure's left edge ("es: fitted accuracy laws …", probe h60)
        plot_caption_position="plot",
    )
    return cast("ggplot", fig)
