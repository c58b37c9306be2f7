"""Lack of fit at a glance: each run's residual from its fitted law against N and against D
(``residuals_figure``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from l2l.base.errors import UsageError
from l2l.output.plots.common import (
    HELD_OUT_SHAPE,
    OPTIMUM_COLOUR,
    check_fits,
    fit_titles,
    fits_title,
    log_ticks,
    ordered,
    pandas_frame,
    plotnine,
    residual_percent,
    runs_of,
    sci_labels,
    si_labels,
    theme,
    use_agg,
)

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.base.runs import Runs
    from l2l.core.fit import LawFit


# ---------------------------------------------------------------------------------------------------------------
# Residuals: lack of fit by N and by D
# ---------------------------------------------------------------------------------------------------------------

RESIDUAL_AXES = ("parameters N", "tokens D")
#: More laws than this are drawn as pairs of small panels (N, D), ``PAIRS_PER_ROW`` pairs to a row, instead of one
#: row of the grid each: 40 datasets' laws made a figure 85 in tall (probe h98).
MAX_GRID_ROWS = 8
PAIRS_PER_ROW = 4
PAIR_PANEL_WIDTH = 2.2
PAIR_PANEL_HEIGHT = 2.0


@dataclass(frozen=True, eq=False)
class ResidualsFigureData:
    """What the residual figure shows: one row per run and fitted law (``runs``: panel, dataset, eval, N, D, C,
    loss, the law's ``predicted`` loss, ``residual`` = 100·(measured − predicted)/measured, ``used`` for runs the
    law was fitted on), the same rows twice in long form for drawing (``points``: ``axis`` is "parameters N" or
    "tokens D", ``x`` its value, ``cell`` the small-multiples panel of (law, axis)); ``panels`` (one per law) in
    order."""

    runs: pd.DataFrame
    points: pd.DataFrame
    panels: list[str]


def residuals_figure_data(
    runs: Runs, fits: Sequence[LawFit], *, split: str | None = None
) -> ResidualsFigureData:
    """The data of ``residuals_figure``, computed apart from its drawing."""
    import pandas as pd

    check_fits(fits, "residual figure")
    titles = fit_titles(fits, runs.own_eval)
    parts = []
    for fit, title in zip(fits, titles, strict=True):
        sub = runs_of(runs, fit, split)
        if sub.height == 0:
            continue
        df = pandas_frame(sub)
        df.insert(0, "eval", fit.eval)
        df.insert(0, "dataset", fit.dataset)
        df.insert(0, "panel", title)
        df["predicted"], df["residual"] = residual_percent(fit, sub)
        parts.append(df)
    if not parts:
        raise UsageError("none of the fitted (dataset, eval) pairs has runs to draw")
    table = pd.concat(parts, ignore_index=True)
    panels = [t for t in titles if t in set(table["panel"])]
    long = pd.concat(
        [
            table.assign(axis=RESIDUAL_AXES[0], x=table["N"]),
            table.assign(axis=RESIDUAL_AXES[1], x=table["D"]),
        ],
        ignore_index=True,
    )
    for df in (table, long):
        df["panel"] = ordered(df["panel"], panels)
    long["axis"] = ordered(long["axis"], RESIDUAL_AXES)
    # a small-multiples panel of its own for each (law, axis), law by law (``MAX_GRID_ROWS``)
    short = {RESIDUAL_AXES[0]: "against N", RESIDUAL_AXES[1]: "against D"}
    cells = [f"{p}\n{short[a]}" for p in panels for a in RESIDUAL_AXES]
    long["cell"] = ordered(
        [f"{p}\n{short[a]}" for p, a in zip(long["panel"], long["axis"], strict=True)], cells
    )
    return ResidualsFigureData(table, long, panels)


def residuals_figure(
    runs: Runs, fits: Sequence[LawFit], *, split: str | None = None, chosen: bool = False
) -> ggplot:
    """Lack of fit at a glance: each run's residual from its fitted law, 100·(measured − predicted)/measured,
    against model size N (left) and tokens D (right), one row per law; points coloured by compute C, runs outside
    ``split`` (not used to fit) as red stars. A law that fits leaves residuals scattered about 0 with no trend."""
    use_agg()
    p9 = plotnine()
    data = residuals_figure_data(runs, fits, split=split)
    points = data.points
    used = points[points["used"]]
    held = points[~points["used"]]
    frame = points[["panel", "axis", "cell"]].drop_duplicates().reset_index(drop=True)
    c_lo, c_hi = float(points["C"].min()), float(points["C"].max())
    fig = p9.ggplot(frame, p9.aes(x="x", y="residual"))
    fig += [
        p9.geom_hline(yintercept=0.0, color="#444444", linetype="dashed", size=0.5),
        p9.geom_point(p9.aes(color="C"), data=used, size=1.5, alpha=0.85),
    ]
    caption = "residual: 100·(measured − law)/measured, above 0: the run is worse than its law predicts"
    if not held.empty:
        fig += p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=5.0, color=OPTIMUM_COLOUR)
        caption += f"\n★: runs not used in the fit (split ≠ {split})"
    x_lo, x_hi = float(points["x"].min()), float(points["x"].max())
    pairs = len(data.panels) > MAX_GRID_ROWS
    if pairs:
        fig += p9.facet_wrap("cell", ncol=2 * PAIRS_PER_ROW, scales="free_x")
    else:
        fig += p9.facet_grid("panel ~ axis", scales="free_x")
    fig += [
        p9.scale_x_log10(breaks=log_ticks(x_lo, x_hi), labels=si_labels),
        p9.scale_y_continuous(labels=lambda vs: [f"{v:+g}%" if v else "0%" for v in vs]),
        p9.scale_color_cmap(
            "viridis", trans="log10", breaks=log_ticks(c_lo, c_hi), labels=sci_labels, limits=(c_lo, c_hi)
        ),
        p9.labs(
            x="parameters N (left of each pair), tokens D (right)" if pairs else "",
            y="residual of the run",
            color="compute C\n(FLOPs)",
            title=fits_title("Residuals of the fitted laws", fits, chosen=chosen),
            caption=caption,
        ),
        theme(),
    ]
    if pairs:
        rows = -(-len(data.panels) // PAIRS_PER_ROW)
        fig += p9.theme(
            strip_text=p9.element_text(size=7),
            axis_text=p9.element_text(size=6),
            figure_size=(2 * PAIRS_PER_ROW * PAIR_PANEL_WIDTH + 1.6, rows * PAIR_PANEL_HEIGHT + 1.6),
        )
    return cast("ggplot", fig)
