"""What every figure shares: sizes, the theme, colours, tick labels, panel titles, short eval names.

plotnine, pandas and matplotlib are imported inside the functions, so importing the figures (and ``l2l --help``)
stays fast."""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from l2l.base.errors import UsageError
from l2l.base.schema import split_metric
from l2l.base.text import fmt_sci, fmt_si
from l2l.core.laws import Array
from l2l.output.render import wrap_name
from l2l.output.reports.common import GREEK

if TYPE_CHECKING:
    import pandas as pd

    from l2l.base.runs import Runs
    from l2l.core.fit import LawFit


FIGURE_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

# Layout: inches per facet, at most this many facet columns, room for legend, title and caption.
PANEL_WIDTH = 4.0
PANEL_HEIGHT = 3.2
MAX_COLUMNS = 3
LEGEND_WIDTH = 1.7
TITLE_HEIGHT = 1.0
# small multiples (more than MANY_PANELS facets): smaller panels, more columns
MANY_PANELS = 9
SMALL_PANEL_WIDTH = 2.7
SMALL_PANEL_HEIGHT = 2.3
MAX_SMALL_COLUMNS = 5
GRID_PANEL_WIDTH = 3.6  # facet grids (the residual figure): panel size
GRID_PANEL_HEIGHT = 2.1
MAX_LEGEND_ENTRIES = 8  # translate_figure: more targets than this are drawn as small multiples, not a legend

GRID_SIZE = 120  # law_figure: grid points along each of C and N
N_BANDS = 24  # law_figure: filled-contour bands of loss
EXTRAPOLATE_TO = 1e21  # law_figure: the grid reaches at least this compute (the paper's 3.3B runs)
HELD_OUT_SHAPE = "*"
OPTIMUM_COLOUR = "#d62728"


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------------


def use_agg() -> None:
    """Render off screen with matplotlib's Agg backend, unless pyplot is already in use (a notebook, a user's
    session): their choice of backend stands."""
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")


def plotnine() -> Any:
    """The plotnine module, imported on first use. Typed as Any: plotnine's own annotations are partial (aes,
    theme and most layers are untyped), which strict mypy would reject call by call."""
    import importlib

    return importlib.import_module("plotnine")


def pandas_frame(frame: pl.DataFrame) -> pd.DataFrame:
    """A polars frame as pandas, column by column through numpy (no pyarrow needed)."""
    import pandas as pd

    return pd.DataFrame({c: frame.get_column(c).to_numpy() for c in frame.columns})


def ordered(values: Sequence[str], order: Sequence[str]) -> Any:
    """``values`` as a pandas Categorical with categories in ``order`` (facets and legends keep that order)."""
    import pandas as pd

    return pd.Categorical(list(values), categories=list(dict.fromkeys(order)), ordered=True)


def legend_width(labels: Sequence[str]) -> float:
    """Inches for a legend listing ``labels``: the default, or more for long labels (≈ 0.07 in a character of a
    label's longest line at the legend's 8 pt)."""
    longest = max((len(line) for b in labels for line in b.split("\n")), default=0)
    return max(LEGEND_WIDTH, 0.8 + 0.07 * longest)


#: The most characters of a legend label on one line: a 96-character dataset name drawn on one line took the legend
#: wider than the panel beside it (probe h60).
LEGEND_LABEL_WIDTH = 32


def legend_labels(names: Sequence[str]) -> list[str]:
    """Legend labels for ``names``: each wrapped at its own break points to ``LEGEND_LABEL_WIDTH``, as panel titles
    are (``panel_title``)."""
    return ["\n".join(wrap_name(n, LEGEND_LABEL_WIDTH)) for n in names]


def ncol(n_panels: int) -> int:
    if n_panels > MANY_PANELS:
        return MAX_SMALL_COLUMNS
    return max(1, min(MAX_COLUMNS, n_panels))


def short_eval(name: str) -> str:
    """An eval's name as a reader wants it: ``downstream/hellaswag_test_ce_loss`` → ``hellaswag``
    (the ``downstream/`` prefix and the ``_ce_loss`` and ``_test`` suffixes dropped); other names unchanged."""
    short = name.removeprefix("downstream/")
    for suffix in ("_ce_loss", "_test"):
        short = short.removesuffix(suffix)
    return short or name


def short_evals(names: Sequence[str]) -> dict[str, str]:
    """``short_eval`` of each name, or the names as they are where shortening would make two alike."""
    short = {n: short_eval(n) for n in dict.fromkeys(names)}
    return short if len(set(short.values())) == len(short) else {n: n for n in short}


def theme() -> Any:
    p9 = plotnine()

    return p9.theme_bw(base_size=10) + p9.theme(
        plot_title=p9.element_text(size=12, weight="bold", ha="left"),
        plot_title_position="plot",  # aligned to the figure, never clipped by a narrow panel
        plot_caption=p9.element_text(size=8, color="#555555"),
        strip_text=p9.element_text(size=9),
        strip_background=p9.element_rect(fill="#eeeeee", color="#bbbbbb"),
        legend_title=p9.element_text(size=9),
        legend_text=p9.element_text(size=8),
        panel_grid_minor=p9.element_blank(),
    )


def caption_from_left() -> Any:
    """The caption from the figure's left edge, as the title is: beside a wide axis of names, a caption aligned to
    the panels ran off the figure's right (the ranking figures)."""
    p9 = plotnine()
    return p9.theme(
        plot_caption=p9.element_text(size=8, color="#555555", ha="left"), plot_caption_position="plot"
    )


def sci(x: float) -> str:
    """Compute as the tables write it, to 2 significant digits: 2e17, 4.4e17, 1e21."""
    return fmt_sci(x, 2)


def si_labels(values: Sequence[float]) -> list[str]:
    """Counts (N, D) as the tables write them: 20M, 1B, 50B."""
    return [fmt_si(float(v)) if v > 0 else str(v) for v in values]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten within [lo, hi] (every other one when there are many); 1-2-5 steps when the range spans
    less than a decade or two."""
    k = list(range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1))
    if len(k) >= 2:
        return [10.0**e for e in k[:: 1 if len(k) <= 6 else 2]]
    e0 = math.floor(math.log10(lo))
    return [m * 10.0**e for e in range(e0, e0 + 3) for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]


def sci_labels(values: Sequence[float]) -> list[str]:
    return [sci(float(v)) if v > 0 else str(v) for v in values]


def fit_titles(fits: Sequence[LawFit], own: Mapping[str, str] | None = None) -> list[str]:
    """One short facet title per fit: the eval alone when every fit is of one dataset (the figure's title names
    it), the dataset alone for its own loss (``own``: dataset → own eval), else "dataset — eval"; eval names
    shortened (``short_eval``); the form added where two fits would share one title; the parameters that ended on a
    bound of the search box after it (``(bound: B, β)``, as fit-law flags them)."""
    short = short_evals([f.eval for f in fits])
    one_dataset = len(fits) > 1 and len({f.dataset for f in fits}) == 1
    titles = []
    for f in fits:
        if one_dataset:
            titles.append(short[f.eval])
        elif own is not None and own.get(f.dataset) == f.eval:
            titles.append(f.dataset)
        else:
            titles.append(f"{f.dataset} — {short[f.eval]}")
    if len(set(titles)) < len(titles):
        titles = [f"{t} ({f.form})" for t, f in zip(titles, fits, strict=True)]
    if len(set(titles)) < len(titles):
        titles = [f"{t} #{i + 1}" for i, t in enumerate(titles)]
    # a law whose parameters ended on a bound of the search box, as fit-law flags it ("bound:B,β"): drawn
    # unmarked, a law fitted to noise (flat bands, N* on the box's edge) read as any other (probe h60)
    return [
        panel_title(
            t + (f" (bound: {', '.join(GREEK.get(k, k) for k in f.at_bounds)})" if f.at_bounds else "")
        )
        for t, f in zip(titles, fits, strict=True)
    ]


def panel_title(text: str) -> str:
    """A panel's title wrapped at its own break points, as tables wrap a long name (``PANEL_TITLE_WIDTH``): one
    line ran off its panel's strip into the next (a 120-character dataset name: probe p63)."""
    return "\n".join(wrap_name(text, PANEL_TITLE_WIDTH))


#: The most characters of a panel's title on one line (a narrow panel of a four-column figure holds about 30).
PANEL_TITLE_WIDTH = 30

#: The most characters of an axis title on one line (10 pt: a 4 in panel holds about 60).
AXIS_TITLE_WIDTH = 60
#: ... and of a y axis's title (drawn upright beside a 3.2 in panel, which holds about 45).
Y_AXIS_TITLE_WIDTH = 45


def axis_title(text: str, width: int = AXIS_TITLE_WIDTH) -> str:
    """An axis title wrapped at its names' own break points: a 60-character source name, told twice in
    "SRC models: SRC val loss (nats)", ran off both edges of the figure (probe h98)."""
    return "\n".join(wrap_name(text, width))


def loss_unit(evals: Sequence[str]) -> str:
    """The unit of the losses on ``evals``: nats (per token), or bits/byte for an eval kept as ``NAME:bpb``; both
    where they mix. A ladder's ``hellaswag:bpb`` panels read "×1 = 0.487 nats" (probe h98)."""
    units = {"bits/byte" if split_metric(e)[1] == "bpb" else "nats" for e in evals}
    return " or ".join(u for u in ("nats", "bits/byte") if u in units) or "nats"


def fits_title(what: str, fits: Sequence[LawFit], *, chosen: bool = False) -> str:
    """A figure title naming the one dataset (when all fits share it) and the one form (likewise); ``chosen``:
    the forms were chosen by the backtests (``--form auto``), which the title says ("(l2l form)" read as asked
    for, p57)."""
    title = what
    if len({f.dataset for f in fits}) == 1:
        title += f" of {fits[0].dataset}"
    how = ", chosen by backtests" if chosen else ""
    if len({f.form for f in fits}) == 1:
        title += f" ({fits[0].form} form{how})"
    elif chosen:
        title += " (forms chosen by backtests)"
    return title


def runs_of(runs: Runs, fit: LawFit, split: str | None) -> pl.DataFrame:
    """The runs behind one fit's (dataset, eval), with ``used`` True for those the fit was made on."""
    sub = runs.frame.filter((pl.col("dataset") == fit.dataset) & (pl.col("eval") == fit.eval))
    used = pl.lit(True) if split is None else (pl.col("split") == split).fill_null(False)
    return sub.select("N", "D", "C", "loss", used.alias("used")).filter(
        (pl.col("N") > 0) & (pl.col("D") > 0) & (pl.col("C") > 0) & (pl.col("loss") > 0)
    )


def check_fits(fits: Sequence[LawFit], what: str) -> None:
    if not fits:
        raise UsageError(f"no fitted laws to draw the {what} of")


def palette(name: str, n: int, end: float = 1.0) -> list[str]:
    """``n`` colours of a matplotlib colormap (sampled on [0, end]) as hex strings."""
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    cmap = mpl.colormaps[name]
    if n <= 0:
        return []
    if hasattr(cmap, "colors") and name.startswith("tab") and n <= len(cmap.colors):
        return [to_hex(c) for c in cmap.colors[:n]]
    return [to_hex(cmap(x)) for x in np.linspace(0.0, end, max(n, 2))[:n]]


#: The most categories a figure tells apart by colour (tab20's pairs are the last that can be): with more, 40
#: datasets drew a legend of 40 rainbow colours, ds00 to ds02 all red (probe h98), so a figure draws the first
#: ``TOP_COLOURED`` (its order: the best first) in colour and the rest in ``OTHERS_COLOUR``, saying so.
MAX_COLOURS = 12
TOP_COLOURED = 8
OTHERS_COLOUR = "#9a9a9a"


def others_label(n_others: int) -> str:
    """The legend's name for the categories drawn grey (``MAX_COLOURS``)."""
    return f"the other {n_others}"


def qualitative(n: int) -> list[str]:
    """Distinct colours for ``n`` categories: tab10, then tab20, then a wheel of hues."""
    if n <= 10:
        return palette("tab10", n)
    if n <= 20:
        return palette("tab20", n)
    return palette("hsv", n, end=(n - 1) / n)


def panels_frame(panel: Any) -> pd.DataFrame:
    """The plot-level data of a faceted figure: one row per panel. Every layer brings its own data; this frame
    only tells the figure (and ``figure_size``) which panels there are."""
    import pandas as pd

    return pd.DataFrame({"panel": panel.drop_duplicates().reset_index(drop=True)})


def residual_percent(fit: LawFit, frame: pl.DataFrame) -> tuple[Array, Array]:
    """The law's prediction at each run's (N, D), and the run's residual in percent of its measured loss:
    100·(measured − predicted)/measured, positive where the run is worse than the law."""
    from l2l.core.fit import relative_residual

    n = frame["N"].to_numpy().astype(np.float64)
    d = frame["D"].to_numpy().astype(np.float64)
    loss = frame["loss"].to_numpy().astype(np.float64)
    predicted = np.asarray(fit.law.predict(n, d), dtype=np.float64)
    return predicted, 100.0 * relative_residual(loss, predicted)
