"""The laws of fixed-D sweeps (every run of a dataset at one token count D): loss against model size N at that D,
the runs, the law L = E_D + K·N^−γ continued past them, and its predictive interval (``fixed_d_figure``). A law in N
and D has the paper's figures (``law_figure``); a law in N at one D has no D, no compute-optimal line, no contours
over (C, N) to draw."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from l2l.base.errors import UsageError
from l2l.base.text import fmt_si
from l2l.output.plots.common import (
    HELD_OUT_SHAPE,
    OPTIMUM_COLOUR,
    log_ticks,
    ordered,
    pandas_frame,
    panel_title,
    plotnine,
    si_labels,
    theme,
    use_agg,
)

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.base.runs import Runs
    from l2l.core.line_law import FixedLine

#: How far past the largest fitted model size the law is drawn (its interval a lower bound past the backtests'
#: reach, drawn lighter).
FIXED_REACH = 8.0
#: Points along N at which the law and its interval are drawn.
FIXED_GRID = 80
#: The interval drawn (a 90 % one, as ``predict`` prints by default).
FIXED_LEVEL = 0.9


@dataclass(frozen=True, eq=False)
class FixedFigureData:
    """What the fixed-D figure shows: ``curve``, the law and its interval along N in each panel (``panel``, ``N``,
    ``loss``, ``lo``, ``hi``, ``calibrated``: within the backtests' reach, else a lower bound; ``bound_band``: drawn
    in the lighter band, from the last calibrated point on); ``points``, the runs
    (``used`` for those the law was fitted on); ``panels`` in order."""

    curve: pd.DataFrame
    points: pd.DataFrame
    panels: list[str]


def _title(dataset: str, eval_name: str, line: FixedLine, own: Mapping[str, str]) -> str:
    name = dataset if own.get(dataset) == eval_name else f"{dataset} — {eval_name}"
    return panel_title(f"{name} (D = {fmt_si(line.D)})")


def fixed_d_figure_data(
    runs: Runs, lines: Mapping[tuple[str, str], FixedLine], *, split: str | None = None
) -> FixedFigureData:
    """The data of ``fixed_d_figure``, computed apart from its drawing."""
    import pandas as pd
    import polars as pl

    if not lines:
        raise UsageError("no law in N at one D to draw")
    curves, points, panels = [], [], []
    for (dataset, eval_name), line in lines.items():
        title = _title(dataset, eval_name, line, runs.own_eval)
        panels.append(title)
        sub = runs.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name))
        used = pl.lit(True) if split is None else (pl.col("split") == split).fill_null(False)
        sub = sub.select("N", "loss", used.alias("used")).filter((pl.col("N") > 0) & (pl.col("loss") > 0))
        df = pandas_frame(sub)
        df.insert(0, "panel", title)
        points.append(df)
        smallest = float(np.min(sub["N"].to_numpy())) if sub.height else line.largest
        grid = np.geomspace(smallest / 1.5, line.largest * FIXED_REACH, FIXED_GRID)
        rows = []
        for n in grid.tolist():
            est, lo, hi, why = line.interval(n, FIXED_LEVEL)
            if all(math.isfinite(v) and v > 0 for v in (est, lo, hi)):
                rows.append((title, n, est, lo, hi, why is None or n <= line.largest))
        part = pd.DataFrame(rows, columns=["panel", "N", "loss", "lo", "hi", "calibrated"])
        # the lighter band starts at the last calibrated point, so that the two bands meet
        part["bound_band"] = ~part["calibrated"] | ~part["calibrated"].shift(-1, fill_value=True)
        curves.append(part)
    curve = pd.concat(curves, ignore_index=True)
    table = pd.concat(points, ignore_index=True)
    for df in (curve, table):
        df["panel"] = ordered(df["panel"], panels)
    return FixedFigureData(curve, table, panels)


def fixed_d_figure(
    runs: Runs, lines: Mapping[tuple[str, str], FixedLine], *, split: str | None = None
) -> ggplot:
    """Each fixed-D sweep's law in N at its one token count: the runs as points (runs outside ``split`` as stars),
    the law L = E_D + K·N^−γ as a line continued to ``FIXED_REACH``× the largest model, and its 90 % predictive
    interval as a band, lighter where it is a lower bound (past the backtests' reach, or too few backtests)."""
    use_agg()
    p9 = plotnine()
    data = fixed_d_figure_data(runs, lines, split=split)
    curve, points = data.curve, data.points
    used, held = points[points["used"]], points[~points["used"]]
    calibrated, bound = curve[curve["calibrated"]], curve[curve["bound_band"]]
    frame = curve[["panel"]].drop_duplicates().reset_index(drop=True)
    fig = p9.ggplot(frame, p9.aes(x="N", y="loss"))
    if not bound.empty:
        fig += p9.geom_ribbon(p9.aes(ymin="lo", ymax="hi"), data=bound, fill="#1f77b4", alpha=0.12)
    if not calibrated.empty:
        fig += p9.geom_ribbon(p9.aes(ymin="lo", ymax="hi"), data=calibrated, fill="#1f77b4", alpha=0.3)
    fig += [
        p9.geom_line(data=curve, color="#1f77b4", size=0.9),
        p9.geom_point(data=used, size=2.2, color="black"),
    ]
    caption = (
        "line: the law in N at the runs' one token count, L = E_D + K·N^−γ; band: its 90% predictive interval"
        "\n(lighter: a lower bound, past the backtests' reach or with too few backtests); points: the runs"
    )
    if not held.empty:
        fig += p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=5.0, color=OPTIMUM_COLOUR)
        caption += f"\n★: runs not used in the fit (split ≠ {split})"
    n_lo, n_hi = float(curve["N"].min()), float(curve["N"].max())
    fig += [
        p9.facet_wrap("panel", scales="free_y", ncol=min(3, len(data.panels))),
        p9.scale_x_log10(breaks=log_ticks(n_lo, n_hi), labels=si_labels),
        p9.labs(
            x="parameters N",
            y="loss",
            title="Laws in N at one token count (fixed-D sweeps)",
            caption=caption,
        ),
        theme(),
    ]
    return cast("ggplot", fig)
