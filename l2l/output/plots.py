"""Figures of the paper as plotnine ``ggplot`` objects, and an atomic ``save_figure``.

- ``law_figure``        (Figures 9–10) fitted law as filled loss contours over compute C and model size N, the
                        compute-optimal N*(C) in red, the runs it was fitted on, held-out runs as stars;
- ``isoflop_figure``    (Figure 11) loss against N per compute budget, with the law's iso-FLOP curves and N*(C);
- ``translate_figure``  (Figures 1–4) target loss against source loss with the fitted shifted power laws,
                        dashed where they extrapolate, held-out pairs as stars;
- ``evaluate_figure``   (Table 1) relative error of every held-out prediction, independent vs loss-to-loss;
- ``residuals_figure``  each run's residual from its fitted law, against N and against D (lack of fit).

The builders are pure: they return a figure and never print, draw or write. plotnine, pandas and matplotlib are
imported inside the functions, so importing this module (and ``l2l --help``) stays fast.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl
from numpy.typing import NDArray

from l2l.base.errors import UsageError
from l2l.core.laws import Array

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.base.runs import Runs
    from l2l.core.fit import LawFit
    from l2l.workflows.evaluate import Evaluation
    from l2l.workflows.translate import TranslationResult

__all__ = [
    "FIGURE_FORMATS",
    "EvaluateFigureData",
    "IsoflopFigureData",
    "LawFigureData",
    "ResidualsFigureData",
    "TranslateFigureData",
    "evaluate_figure",
    "evaluate_figure_data",
    "figure_size",
    "isoflop_figure",
    "isoflop_figure_data",
    "law_figure",
    "law_figure_data",
    "residuals_figure",
    "residuals_figure_data",
    "save_figure",
    "short_eval",
    "translate_figure",
    "translate_figure_data",
]

#: File extensions ``save_figure`` writes, and the format each one means.
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


def _use_agg() -> None:
    """Render off screen with matplotlib's Agg backend, unless pyplot is already in use (a notebook, a user's
    session): their choice of backend stands."""
    if "matplotlib.pyplot" not in sys.modules:
        import matplotlib

        matplotlib.use("Agg")


def _plotnine() -> Any:
    """The plotnine module, imported on first use. Typed as Any: plotnine's own annotations are partial (aes,
    theme and most layers are untyped), which strict mypy would reject call by call."""
    import importlib

    return importlib.import_module("plotnine")


def _pandas(frame: pl.DataFrame) -> pd.DataFrame:
    """A polars frame as pandas, column by column through numpy (no pyarrow needed)."""
    import pandas as pd

    return pd.DataFrame({c: frame.get_column(c).to_numpy() for c in frame.columns})


def _ordered(values: Sequence[str], order: Sequence[str]) -> Any:
    """``values`` as a pandas Categorical with categories in ``order`` (facets and legends keep that order)."""
    import pandas as pd

    return pd.Categorical(list(values), categories=list(dict.fromkeys(order)), ordered=True)


def _ncol(n_panels: int) -> int:
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


def _short_evals(names: Sequence[str]) -> dict[str, str]:
    """``short_eval`` of each name, or the names as they are where shortening would make two alike."""
    short = {n: short_eval(n) for n in dict.fromkeys(names)}
    return short if len(set(short.values())) == len(short) else {n: n for n in short}


def _theme() -> Any:
    p9 = _plotnine()

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


def _sci(x: float) -> str:
    """2 significant digits in compact scientific notation: 2e17, 4.4e17, 1e21."""
    mant, exp = f"{x:.1e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten within [lo, hi] (every other one when there are many); 1-2-5 steps when the range spans
    less than a decade or two."""
    k = list(range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1))
    if len(k) >= 2:
        return [10.0**e for e in k[:: 1 if len(k) <= 6 else 2]]
    e0 = math.floor(math.log10(lo))
    return [m * 10.0**e for e in range(e0, e0 + 3) for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]


def _sci_labels(values: Sequence[float]) -> list[str]:
    return [_sci(float(v)) if v > 0 else str(v) for v in values]


def _fit_titles(fits: Sequence[LawFit], own: Mapping[str, str] | None = None) -> list[str]:
    """One short facet title per fit: the eval alone when every fit is of one dataset (the figure's title names
    it), the dataset alone for its own loss (``own``: dataset → own eval), else "dataset — eval"; eval names
    shortened (``short_eval``); the form added where two fits would share one title."""
    short = _short_evals([f.eval for f in fits])
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
    return titles


def _fits_title(what: str, fits: Sequence[LawFit]) -> str:
    """A figure title naming the one dataset (when all fits share it) and the one form (likewise)."""
    title = what
    if len({f.dataset for f in fits}) == 1:
        title += f" of {fits[0].dataset}"
    if len({f.form for f in fits}) == 1:
        title += f" ({fits[0].form} form)"
    return title


def _runs_of(runs: Runs, fit: LawFit, split: str | None) -> pl.DataFrame:
    """The runs behind one fit's (dataset, eval), with ``used`` True for those the fit was made on."""
    sub = runs.frame.filter((pl.col("dataset") == fit.dataset) & (pl.col("eval") == fit.eval))
    used = pl.lit(True) if split is None else (pl.col("split") == split).fill_null(False)
    return sub.select("N", "D", "C", "loss", used.alias("used")).filter(
        (pl.col("N") > 0) & (pl.col("D") > 0) & (pl.col("C") > 0) & (pl.col("loss") > 0)
    )


def _check_fits(fits: Sequence[LawFit], what: str) -> None:
    if not fits:
        raise UsageError(f"no fitted laws to draw the {what} of")


# ---------------------------------------------------------------------------------------------------------------
# Figures 9–10: the law over (C, N)
# ---------------------------------------------------------------------------------------------------------------


def _nice_levels(lo: float, hi: float, n: int) -> Array:
    """About ``n`` geometrically spaced loss levels spanning [lo, hi], rounded to 2 significant digits."""
    raw = np.geomspace(lo, hi, n + 1)
    digits = 1 - np.floor(np.log10(raw)).astype(int)
    nice = np.array([round(float(v), int(d)) for v, d in zip(raw, digits, strict=True)])
    nice = np.unique(nice)
    nice[0] = min(nice[0], lo)
    nice[-1] = max(nice[-1], hi)
    return nice


def _nice_breaks(lo: float, hi: float) -> list[float]:
    """Round colour-bar labels (1, 1.5, 2, 3, 4, 5, ...) inside [lo, hi], thinned to at most 8."""
    cands = [
        m * 10.0**e
        for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
        for m in (1, 1.5, 2, 3, 4, 5, 7)
    ]
    inside = [round(c, 10) for c in cands if lo <= c <= hi]
    while len(inside) > 8:
        inside = inside[::2]
    return inside


def _residual_percent(fit: LawFit, frame: pl.DataFrame) -> tuple[Array, Array]:
    """The law's prediction at each run's (N, D), and the run's residual in percent of its measured loss:
    100·(measured − predicted)/measured, positive where the run is worse than the law."""
    from l2l.core.fit import relative_residual

    n = frame["N"].to_numpy().astype(np.float64)
    d = frame["D"].to_numpy().astype(np.float64)
    loss = frame["loss"].to_numpy().astype(np.float64)
    predicted = np.asarray(fit.law.predict(n, d), dtype=np.float64)
    return predicted, 100.0 * relative_residual(loss, predicted)


def _residual_limit(residuals: Array, panels: Sequence[str]) -> float:
    """A round symmetric limit (0.5, 1, 1.5, 2, 3, 5, 10, ... %) for the residual colours: the median over
    panels of each panel's 90th percentile of |residual|, so the colours resolve the typical panel's residuals;
    residuals beyond it (a noisy eval's) take the end colours."""
    sizes = np.abs(np.asarray(residuals, dtype=np.float64))
    keys = np.asarray([str(p) for p in panels])
    typical = [
        float(np.quantile(sizes[(keys == k) & np.isfinite(sizes)], 0.9))
        for k in dict.fromkeys(keys.tolist())
        if np.any((keys == k) & np.isfinite(sizes))
    ]
    level = float(np.median(typical)) if typical else 0.0
    for m in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0):
        if level <= m:
            return m
    return 100.0


@dataclass(frozen=True, eq=False)
class LawFigureData:
    """What the law figure shows: the banded predicted loss over a (C, N) grid (``grid``), each law's
    compute-optimal line (``line``), the runs (``points``: ``used`` marks those fitted on, ``predicted`` the
    law's loss there, ``residual`` 100·(measured − predicted)/measured); the band ``levels``, the grid's C and N
    ranges, and k in C = k·N·D. With one law the bands are loss in nats; with several (``relative``) each panel
    has its own scale: loss divided by the panel's ``reference`` (its lowest measured loss, by panel title), so
    a panel of losses near 1 and one near 7 are both drawn in full contrast. ``residual_limit`` bounds the
    residual colour scale (± that many percent)."""

    grid: pd.DataFrame
    line: pd.DataFrame
    points: pd.DataFrame
    levels: Array
    c_range: tuple[float, float]
    n_range: tuple[float, float]
    k: float
    relative: bool
    reference: dict[str, float]
    residual_limit: float
    panels: list[str]


def law_figure_data(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> LawFigureData:
    """The data of ``law_figure``, computed apart from its drawing."""
    import pandas as pd

    _check_fits(fits, "law figure")
    k = runs.flops_per_param_token  # C = k·N·D, the table's own k
    names = _fit_titles(fits, runs.own_eval)
    per_fit = [_runs_of(runs, f, split) for f in fits]
    every = pl.concat(per_fit)
    if every.height == 0:
        raise UsageError("none of the fitted (dataset, eval) pairs has runs to draw")
    fitted = every.filter(pl.col("used"))
    c_all, n_all = every["C"].to_numpy(), every["N"].to_numpy()
    c_fit_max = float((fitted if fitted.height else every)["C"].to_numpy().max())
    c_lo = float(c_all.min()) / 1.5
    c_hi = max(EXTRAPOLATE_TO, 20.0 * c_fit_max, 1.5 * float(c_all.max()))
    n_lo = float(n_all.min()) / 1.5
    n_hi = float(n_all.max()) * 1.5
    # exactly even steps in log10 (geom_raster warns about uneven pixel spacing otherwise)
    lc = np.linspace(math.log10(c_lo), math.log10(c_hi), GRID_SIZE)
    ln = np.linspace(math.log10(n_lo), math.log10(n_hi), GRID_SIZE)
    c_mesh, n_mesh = np.meshgrid(10.0**lc, 10.0**ln)
    cc, nn = c_mesh.ravel(), n_mesh.ravel()

    relative = len(fits) > 1
    # each panel's unit: its lowest measured loss (relative), or 1 nat (one law: the bands are loss itself)
    refs = [float(sub["loss"].to_numpy().min()) if relative and sub.height else 1.0 for sub in per_fit]
    preds = [f.law.predict(nn, cc / (k * nn)) / ref for f, ref in zip(fits, refs, strict=True)]
    measured = [sub["loss"].to_numpy() / ref for sub, ref in zip(per_fit, refs, strict=True) if sub.height]
    # colour range: the lowest predicted loss up to a little above the highest measured; the far corners of the
    # grid (huge models on a few tokens) predict enormous losses and share the top band
    lo = min(float(np.min([p.min() for p in preds])), float(np.min([m.min() for m in measured])))
    hi = max(1.25 * float(np.max([m.max() for m in measured])), lo * 1.5)
    levels = _nice_levels(lo, hi, N_BANDS)
    mids = np.sqrt(levels[:-1] * levels[1:])

    def band(v: Array) -> Array:
        idx = np.clip(np.searchsorted(levels, v, side="right") - 1, 0, len(mids) - 1)
        return np.asarray(mids[idx], dtype=np.float64)

    titles = [
        f"{name}\n×1 = {ref:.3g} nats" if relative else name for name, ref in zip(names, refs, strict=True)
    ]
    grid_parts, line_parts, point_parts = [], [], []
    c_line = np.geomspace(c_lo, c_hi, 200)
    for fit, title, sub, pred in zip(fits, titles, per_fit, preds, strict=True):
        grid_parts.append(pd.DataFrame({"C": cc, "N": nn, "band": band(pred), "panel": title}))
        n_opt, _ = fit.law.compute_optimal(c_line, k)
        keep = (n_opt >= n_lo) & (n_opt <= n_hi)
        line_parts.append(pd.DataFrame({"C": c_line[keep], "N": n_opt[keep], "panel": title}))
        pts = _pandas(sub)
        pts["panel"] = title
        pts["predicted"], pts["residual"] = _residual_percent(fit, sub)
        point_parts.append(pts)
    grid = pd.concat(grid_parts, ignore_index=True)
    line = pd.concat(line_parts, ignore_index=True)
    points = pd.concat(point_parts, ignore_index=True)
    for df in (grid, line, points):
        df["panel"] = _ordered(df["panel"], titles)
    fitted_points = points[points["used"]]
    limit = _residual_limit(fitted_points["residual"].to_numpy(), list(fitted_points["panel"]))
    reference = dict(zip(titles, refs, strict=True))
    return LawFigureData(
        grid, line, points, levels, (c_lo, c_hi), (n_lo, n_hi), k, relative, reference, limit, titles
    )


def law_figure(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> ggplot:
    """Figures 9–10: each fitted law as filled contours of predicted loss over compute C and model size N
    (D = C/kN, k the table's own), the compute-optimal N*(C) in red, the runs it was fitted on as points coloured
    by their residual from the law (blue: better than predicted, red: worse, white: on the law), and runs of the
    same (dataset, eval) outside ``split`` (held out, e.g. ``extrapolation``) as stars coloured the same way.
    Several laws: one panel each, each on its own loss scale (see ``LawFigureData``)."""
    from mizani.bounds import squish

    _use_agg()
    p9 = _plotnine()
    data = law_figure_data(runs, fits, split=split)
    grid, line, points, levels, k = data.grid, data.line, data.points, data.levels, data.k
    (c_lo, c_hi), (n_lo, n_hi) = data.c_range, data.n_range
    used = points[points["used"]]
    held = points[~points["used"]]
    limit = data.residual_limit

    breaks = _nice_breaks(float(levels[0]), float(levels[-1]))
    fig = (
        p9.ggplot(_panels_frame(grid["panel"]), p9.aes(x="C", y="N"))
        + p9.geom_raster(p9.aes(fill="band"), data=grid, interpolation="bilinear")
        # each run: a black ring under a dot coloured by its residual
        + p9.geom_point(data=used, shape="o", size=2.6, color="black")
        + p9.geom_point(p9.aes(color="residual"), data=used, shape="o", size=1.7)
    )
    if not line.empty:
        fig += p9.geom_line(data=line, color=OPTIMUM_COLOUR, size=1.0)
    if not held.empty:
        fig = (
            fig
            + p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=7.5, color="black")
            + p9.geom_point(p9.aes(color="residual"), data=held, shape=HELD_OUT_SHAPE, size=5.0)
        )
    caption = f"bands: loss predicted by the fitted law (D = C/{k:g}N); red line: its compute-optimal N*(C)"
    if data.relative:
        caption += (
            "\neach panel on its own scale: relative loss, ×1 = its lowest measured loss (under its title)"
        )
    caption += "\npoints: runs it was fitted on, coloured by residual 100·(measured − law)/measured"
    caption += " (red: above the law)"
    if not held.empty:
        caption += f"\n★: runs not used in the fit (split ≠ {split}), outlined and coloured the same way"
    fill_name = "relative\nloss" if data.relative else "loss (nats)"
    fill_labels = (
        (lambda vs: [f"×{v:.3g}" for v in vs]) if data.relative else (lambda vs: [f"{v:.3g}" for v in vs])
    )
    fig = (
        fig
        + p9.facet_wrap("panel", ncol=_ncol(len(fits)))
        + p9.scale_x_log10(breaks=_log_ticks(c_lo, c_hi), labels=_sci_labels, expand=(0, 0))
        + p9.scale_y_log10(breaks=_log_ticks(n_lo, n_hi), labels=_sci_labels, expand=(0, 0))
        + p9.scale_fill_cmap(
            "viridis",
            trans="log10",
            limits=(float(levels[0]), float(levels[-1])),
            breaks=breaks,
            labels=fill_labels,
        )
        + p9.scale_color_gradient2(
            low="#2166ac",
            mid="#ffffff",
            high="#b2182b",
            midpoint=0.0,
            limits=(-limit, limit),
            oob=squish,
            labels=lambda vs: [f"{v:+g}%" if v else "0%" for v in vs],
        )
        + p9.labs(
            x="compute C (FLOPs)",
            y="parameters N",
            fill=fill_name,
            color="residual",
            title=_fits_title("Fitted scaling laws", fits),
            caption=caption,
        )
        + _theme()
        + p9.guides(fill=p9.guide_colorbar(nbin=100, order=1), color=p9.guide_colorbar(order=2))
    )
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Figure 11: iso-FLOP curves
# ---------------------------------------------------------------------------------------------------------------


def _palette(name: str, n: int, end: float = 1.0) -> list[str]:
    """``n`` colours of a matplotlib colormap (sampled on [0, end]) as hex strings."""
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    cmap = mpl.colormaps[name]
    if n <= 0:
        return []
    if hasattr(cmap, "colors") and name.startswith("tab") and n <= len(cmap.colors):
        return [to_hex(c) for c in cmap.colors[:n]]
    return [to_hex(cmap(x)) for x in np.linspace(0.0, end, max(n, 2))[:n]]


def _qualitative(n: int) -> list[str]:
    """Distinct colours for ``n`` categories: tab10, then tab20, then a wheel of hues."""
    if n <= 10:
        return _palette("tab10", n)
    if n <= 20:
        return _palette("tab20", n)
    return _palette("hsv", n, end=(n - 1) / n)


@dataclass(frozen=True, eq=False)
class IsoflopFigureData:
    """What the iso-FLOP figure shows: the runs (``points``, ``used`` marks those fitted on), the law along each
    budget's iso-FLOP line (``curves``), each budget's optimum (``optima``); budgets as labels, in order; k in
    C = k·N·D."""

    points: pd.DataFrame
    curves: pd.DataFrame
    optima: pd.DataFrame
    budgets: list[str]
    k: float


def isoflop_figure_data(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> IsoflopFigureData:
    """The data of ``isoflop_figure``, computed apart from its drawing."""
    import pandas as pd

    _check_fits(fits, "iso-FLOP figure")
    k = runs.flops_per_param_token  # C = k·N·D, the table's own k
    titles = _fit_titles(fits, runs.own_eval)
    point_parts, curve_parts, opt_parts = [], [], []
    for fit, title in zip(fits, titles, strict=True):
        sub = _runs_of(runs, fit, split)
        if sub.height == 0:
            continue
        c = sub["C"].to_numpy().astype(np.float64)
        labels = [_sci(float(v)) for v in c]
        pts = _pandas(sub)
        pts["budget"] = labels
        pts["panel"] = title
        point_parts.append(pts)
        by_budget: dict[str, list[int]] = {}
        for i, lab in enumerate(labels):
            by_budget.setdefault(lab, []).append(i)
        n_all = sub["N"].to_numpy().astype(np.float64)
        for lab, idx in by_budget.items():
            budget = float(np.exp(np.mean(np.log(c[idx]))))
            n_opt = float(fit.law.compute_optimal(budget, k)[0])
            ns = n_all[idx]
            lo, hi = min(float(ns.min()), n_opt) / 1.3, max(float(ns.max()), n_opt) * 1.3
            n_curve = np.geomspace(lo, hi, 80)
            loss = fit.law.predict(n_curve, budget / (k * n_curve))
            curve_parts.append(pd.DataFrame({"N": n_curve, "loss": loss, "budget": lab, "panel": title}))
            l_opt = float(fit.law.predict(n_opt, budget / (k * n_opt)))
            opt_parts.append(
                pd.DataFrame(
                    {"N": [n_opt], "loss": [l_opt], "C": [budget], "budget": [lab], "panel": [title]}
                )
            )
    if not point_parts:
        raise UsageError("none of the fitted (dataset, eval) pairs has runs to draw")
    points = pd.concat(point_parts, ignore_index=True)
    curves = pd.concat(curve_parts, ignore_index=True)
    optima = pd.concat(opt_parts, ignore_index=True).sort_values(["panel", "C"])
    budgets = sorted(set(points["budget"]), key=float)
    for df in (points, curves, optima):
        df["budget"] = _ordered(df["budget"], budgets)
        df["panel"] = _ordered(df["panel"], [t for t in titles if t in set(points["panel"])])
    return IsoflopFigureData(points, curves, optima, budgets, k)


def isoflop_figure(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> ggplot:
    """Figure 11: loss against model size N per compute budget C (one colour per budget); the fitted law along
    each iso-FLOP line (D = C/kN) as a curve; its compute-optimal N*(C) as open diamonds joined by a dashed line.
    Runs outside ``split`` (not used to fit) are stars."""
    _use_agg()
    p9 = _plotnine()
    data = isoflop_figure_data(runs, fits, split=split)
    points, curves, optima, budgets = data.points, data.curves, data.optima, data.budgets
    colours = _palette("viridis", len(budgets), end=0.88)
    used = points[points["used"]]
    held = points[~points["used"]]

    fig = (
        p9.ggplot(_panels_frame(points["panel"]), p9.aes(x="N", y="loss", color="budget"))
        + p9.geom_line(data=curves, size=0.7, alpha=0.85)
        + p9.geom_point(data=used, size=1.8, alpha=0.9)
        + p9.geom_path(p9.aes(group="panel"), data=optima, color="#444444", linetype="dashed", size=0.5)
        + p9.geom_point(data=optima, shape="D", fill="white", size=2.6, stroke=1.0, show_legend=False)
    )
    caption = f"curves: fitted law along each iso-FLOP line D = C/{data.k:g}N\n◇: compute-optimal N*(C)"
    if not held.empty:
        fig += p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=6.0, show_legend=False)
        caption += f"; ★: runs not used in the fit (split ≠ {split})"
    n_lo, n_hi = float(curves["N"].min()), float(curves["N"].max())
    fig = (
        fig
        + p9.facet_wrap("panel", ncol=_ncol(len(set(points["panel"]))), scales="free_y")
        + p9.scale_x_log10(breaks=_log_ticks(n_lo, n_hi), labels=_sci_labels)
        + p9.scale_color_manual(values=colours, breaks=budgets)
        + p9.labs(
            x="parameters N",
            y="loss (nats)",
            color="compute C\n(FLOPs)",
            title=_fits_title("Iso-FLOP curves", fits),
            caption=caption,
        )
        + _theme()
    )
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Figures 1–4: loss-to-loss translations
# ---------------------------------------------------------------------------------------------------------------


KIND_NAMES: dict[str, str] = {
    "train-train": "train-to-train",
    "train-test": "train-to-test",
    "test-test": "test-to-test",
}


def _panel_names(results: Sequence[TranslationResult]) -> list[tuple[str, str]]:
    """What each result translates into what, as (head, tail): ("train-to-train from A", ""), ("train-to-test:
    A models", "") ("train-to-downstream" when every target is a downstream task), ("test-to-test from A models",
    "→ B models": the target dataset named). Results sharing a head share the figure's title."""
    keys = [(r.kind, r.src, r.tgt if r.kind == "test-test" else "") for r in results]
    evals: dict[tuple[str, str, str], list[str]] = {}
    for key, r in zip(keys, results, strict=True):
        evals.setdefault(key, []).append(r.eval)
    names = []
    for key in keys:
        kind, src, tgt = key
        name = KIND_NAMES.get(kind, kind)
        if kind == "train-test" and all(e.startswith("downstream/") for e in evals[key]):
            name = "train-to-downstream"
        if kind == "train-train":
            names.append((f"{name} from {src}", ""))
        elif kind == "test-test":
            names.append((f"{name} from {src} models", f"→ {tgt} models"))
        else:
            names.append((f"{name}: {src} models", ""))
    return names


def _panels_and_title(names: Sequence[tuple[str, str]]) -> tuple[list[str], str]:
    """Panel keys and the figure title from (head, tail) names: one panel titled by both; panels named by
    their tails under a shared head; else each panel named in full under a generic title."""
    heads = {h for h, _ in names}
    if len(set(names)) == 1:
        full = " ".join(p for p in names[0] if p)
        return [full] * len(names), full
    if len(heads) == 1:
        return [t or h for h, t in names], next(iter(heads))
    return [" ".join(p for p in n if p) for n in names], "loss-to-loss translations"


def _target_labels(results: Sequence[TranslationResult], panels: Sequence[str]) -> list[str]:
    """Label per result: the target dataset (train-train) or the eval, readably named (train-test, test-test);
    both where that would name two curves of one panel alike."""
    short = _short_evals([r.eval for r in results])
    labels = [r.tgt if r.kind == "train-train" else short[r.eval] for r in results]
    seen = list(zip(panels, labels, strict=True))
    if len(set(seen)) < len(seen):
        labels = [f"{r.tgt}: {short[r.eval]}" for r in results]
    return labels


def _axis_labels(results: Sequence[TranslationResult]) -> tuple[str, str, str]:
    """The x and y axis titles and the legend title of a translation figure, as specific as the results allow."""
    kinds = {r.kind for r in results}
    srcs = {r.src for r in results}
    tgts = {r.tgt for r in results}
    x_evals = {r.x_eval for r in results}
    y_evals = {r.eval for r in results}
    src = next(iter(srcs)) if len(srcs) == 1 else "source"
    tgt = next(iter(tgts)) if len(tgts) == 1 else "target"
    x_on = f"{short_eval(next(iter(x_evals)))} loss" if len(x_evals) == 1 else "loss"
    y_on = f"{short_eval(next(iter(y_evals)))} loss" if len(y_evals) == 1 else None
    if kinds == {"train-train"}:
        return f"{src} models: {x_on} (nats)", "target models: their own loss (nats)", "target dataset"
    if kinds == {"train-test"}:
        return f"{src} models: {x_on} (nats)", f"{src} models: {y_on or 'test loss'} (nats)", "test set"
    if kinds == {"test-test"}:
        x_label = f"{src} models: {x_on if len(x_evals) == 1 else 'test loss'} (nats)"
        return x_label, f"{tgt} models: {y_on or 'the same test loss'} (nats)", "test set"
    return "source loss (nats)", "target loss (nats)", "target"


def _heldout_mask(pairs: pl.DataFrame, fit_split: str | None) -> NDArray[np.bool_]:
    if fit_split is None:
        return np.zeros(pairs.height, dtype=bool)
    cols = [c for c in ("split_x", "split_y") if c in pairs.columns]
    held = np.zeros(pairs.height, dtype=bool)
    for c in cols:
        held |= ~(pairs.get_column(c) == fit_split).fill_null(False).to_numpy()
    return held


def _extra_heldout(heldout: pl.DataFrame, r: TranslationResult) -> pl.DataFrame:
    """Rows of a user's held-out frame (x, y and any of src, tgt, x_eval, eval) that belong to result ``r``."""
    cond = pl.lit(True)
    for col, val in (("src", r.src), ("tgt", r.tgt), ("x_eval", r.x_eval), ("eval", r.eval)):
        if col in heldout.columns:
            cond = cond & (pl.col(col) == val).fill_null(False)
    return heldout.filter(cond).select(pl.col("x").cast(pl.Float64), pl.col("y").cast(pl.Float64))


def _fitted_and_heldout(
    r: TranslationResult, heldout: pl.DataFrame | None, fit_split: str | None
) -> tuple[Array, Array, Array, Array]:
    """(x, y) of the pairs a translation was fitted on, and of those it was not (other splits, ``heldout`` rows)."""
    empty = np.empty(0)
    fx, fy, hx, hy = empty, empty, empty, empty
    if r.pairs is not None and r.pairs.height:
        held = _heldout_mask(r.pairs, fit_split)
        x = r.pairs.get_column("x").to_numpy().astype(np.float64)
        y = r.pairs.get_column("y").to_numpy().astype(np.float64)
        fx, fy, hx, hy = x[~held], y[~held], x[held], y[held]
    if heldout is not None:
        extra = _extra_heldout(heldout, r)
        hx = np.concatenate([hx, extra["x"].to_numpy()])
        hy = np.concatenate([hy, extra["y"].to_numpy()])
    return fx, fy, hx, hy


@dataclass(frozen=True, eq=False)
class TranslateFigureData:
    """What the translation figure shows: fitted pairs (``points``), pairs not used in the fit (``stars``), each
    translation over its fitted range (``solid``) and beyond it (``dashes``), panels and targets in order.
    ``multiples``: more targets than a legend reads, so one panel per target (each on its own scales) and no
    legend; ``title`` names the kind, the source and (test-to-test) the target dataset."""

    ok: list[TranslationResult]
    points: pd.DataFrame
    stars: pd.DataFrame | None
    solid: pd.DataFrame
    dashes: pd.DataFrame | None
    panel_order: list[str]
    label_order: list[str]
    multiples: bool
    title: str


def translate_figure_data(
    results: Sequence[TranslationResult], *, heldout: pl.DataFrame | None = None, fit_split: str | None = None
) -> TranslateFigureData:
    """The data of ``translate_figure``, computed apart from its drawing."""
    import pandas as pd

    if heldout is not None:
        missing = {"x", "y"} - set(heldout.columns)
        if missing:
            raise UsageError(
                f"the held-out frame needs columns x and y (missing: {', '.join(sorted(missing))})"
            )
    ok = [r for r in results if r.translation is not None]
    if not ok:
        raise UsageError("no translation was fitted: nothing to draw")
    kinds, title = _panels_and_title(_panel_names(ok))
    labels = _target_labels(ok, kinds)
    label_order = list(dict.fromkeys(labels))
    # a legend reads up to a handful of curves; beyond that every curve gets its own panel (small multiples)
    per_panel = max(list(kinds).count(k) for k in set(kinds))
    multiples = per_panel > MAX_LEGEND_ENTRIES
    if multiples:
        several = len(set(kinds)) > 1
        panels = [f"{k}\n{lab}" if several else lab for k, lab in zip(kinds, labels, strict=True)]
    else:
        panels = kinds
    panel_order = list(dict.fromkeys(panels))

    point_parts, star_parts, solid_parts, dash_parts = [], [], [], []
    for r, panel, label in zip(ok, panels, labels, strict=True):
        t = r.translation
        assert t is not None  # ok holds the fitted ones
        x_min, x_max = t.x_range
        fx, fy, hx, hy = _fitted_and_heldout(r, heldout, fit_split)
        point_parts.append(pd.DataFrame({"x": fx, "y": fy, "target": label, "panel": panel}))
        if len(hx):
            star_parts.append(pd.DataFrame({"x": hx, "y": hy, "target": label, "panel": panel}))
        lo = float(hx.min()) if len(hx) and hx.min() < x_min else 0.9 * x_min
        hi = max(x_max, float(hx.max())) if len(hx) else x_max
        lo = max(lo, t.E0 + 1e-3 * (x_min - t.E0))  # the power law is defined only above E0
        xs = np.linspace(x_min, x_max, 100)
        solid_parts.append(pd.DataFrame({"x": xs, "y": t.predict(xs), "target": label, "panel": panel}))
        for a, b, seg in ((lo, x_min, "below"), (x_max, hi, "above")):
            if b > a:
                xd = np.linspace(a, b, 60)
                dash_parts.append(
                    pd.DataFrame(
                        {
                            "x": xd,
                            "y": t.predict(xd),
                            "target": label,
                            "panel": panel,
                            "seg": f"{label}|{seg}",
                        }
                    )
                )
    points = pd.concat(point_parts, ignore_index=True)
    solid = pd.concat(solid_parts, ignore_index=True)
    frames = [points, solid]
    stars = pd.concat(star_parts, ignore_index=True) if star_parts else None
    dashes = pd.concat(dash_parts, ignore_index=True) if dash_parts else None
    for df in (stars, dashes):
        if df is not None:
            frames.append(df)
    for df in frames:
        df["target"] = _ordered(df["target"], label_order)
        df["panel"] = _ordered(df["panel"], panel_order)

    title = title[:1].upper() + title[1:]
    return TranslateFigureData(ok, points, stars, solid, dashes, panel_order, label_order, multiples, title)


def translate_figure(
    results: Sequence[TranslationResult],
    *,
    heldout: pl.DataFrame | None = None,
    fit_split: str | None = None,
) -> ggplot:
    """Figures 1–4: target loss against source loss, one colour per target. The pairs each translation was fitted
    on are points; pairs outside ``fit_split`` (and rows of ``heldout``: columns x, y and optionally src, tgt,
    x_eval, eval to say which translation they belong to) are stars. The fitted y = K·(x − E0)^κ + E1 is solid
    over the fitted range and dashed beyond it, down to the smallest held-out x (or 0.9 × the smallest fitted x).
    Results without a translation (failed fits) are skipped; one panel per (kind, source) when there are several.
    """
    _use_agg()
    p9 = _plotnine()
    data = translate_figure_data(results, heldout=heldout, fit_split=fit_split)
    ok, points, stars, solid, dashes = data.ok, data.points, data.stars, data.solid, data.dashes
    panel_order, label_order = data.panel_order, data.label_order
    colour = p9.aes(color="target")
    fixed: dict[str, str] = {}
    one_colour = data.multiples or len(label_order) == 1
    if one_colour:  # one curve per panel: the panel's title (or the axis) names it, one colour serves all
        colour, fixed = p9.aes(), {"color": "#1f77b4"}
    fig = (
        p9.ggplot(_panels_frame(points["panel"]), p9.aes(x="x", y="y"))
        + p9.geom_point(colour, data=points, size=1.2 if data.multiples else 1.6, alpha=0.75, **fixed)
        + p9.geom_line(colour, data=solid, size=0.8, **fixed)
    )
    caption = "solid: fitted range; dashed: extrapolation"
    if dashes is not None:
        dash_aes = p9.aes(group="seg") if one_colour else p9.aes(group="seg", color="target")
        fig += p9.geom_line(dash_aes, data=dashes, size=0.8, linetype="dashed", show_legend=False, **fixed)
    if stars is not None:
        size = 4.0 if data.multiples else 6.0
        fig += p9.geom_point(colour, data=stars, shape=HELD_OUT_SHAPE, size=size, show_legend=False, **fixed)
        caption += "\n★: pairs not used in the fit" + (f" (split ≠ {fit_split})" if fit_split else "")
    x_label, y_label, legend = _axis_labels(ok)
    if data.multiples:
        caption += "\none panel per target, each on its own scales"
    if len(panel_order) > 1:
        fig += p9.facet_wrap("panel", ncol=_ncol(len(panel_order)), scales="free")
    if not one_colour:
        fig += p9.scale_color_manual(values=_qualitative(len(label_order)), breaks=label_order)
    fig = fig + p9.labs(x=x_label, y=y_label, color=legend, title=data.title, caption=caption) + _theme()
    if data.multiples:
        fig += p9.theme(strip_text=p9.element_text(size=8), axis_text=p9.element_text(size=7))
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Table 1: held-out prediction errors
# ---------------------------------------------------------------------------------------------------------------

#: The methods the Table 1 figure compares: the law as fitted, the same law corrected by the bias its sweep's
#: backtests measured (the centre of its predictive interval), and translation.
METHODS = ("independent", "corrected", "loss-to-loss")
_INTERVAL_OF = {
    "corrected": "independent",
    "loss-to-loss": "loss_to_loss",
}  # method → the interval it centres


@dataclass(frozen=True, eq=False)
class EvaluateFigureData:
    """What the Table 1 figure shows: every prediction's error (``points``) and the means per setting and method
    (``means``, with their labels), both in percent; ``panels`` in drawing order."""

    points: pd.DataFrame
    means: pd.DataFrame
    panels: list[str]
    # per setting and method: the median half-width of the predictive intervals (percent) and their coverage of
    # the held-out values; empty when the evaluation made no intervals
    intervals: pd.DataFrame | None = None


def _interval_widths(evaluation: Evaluation, facet_names: Mapping[Any, str]) -> pd.DataFrame:
    """Per setting and method: the median half-width of the predictive intervals (percent) and a coverage label."""
    import pandas as pd

    widths: dict[str, list[Any]] = {"setting": [], "method": [], "half_width": [], "label": []}
    for s in evaluation.summary:
        if s.setting not in facet_names:
            continue
        for method, key in _INTERVAL_OF.items():
            hw, cov = s.half_width.get(key), s.coverage.get(key)
            if hw is None or cov is None or not math.isfinite(hw):
                continue
            widths["setting"].append(s.setting)
            widths["method"].append(method)
            widths["half_width"].append(100.0 * hw)
            bound = " (lower bound)" if s.lower_bound.get(key) else ""
            widths["label"].append(f"covers {100.0 * cov:.0f}%{bound}")
    return pd.DataFrame(widths)


def evaluate_figure_data(evaluation: Evaluation) -> EvaluateFigureData:
    """The data of ``evaluate_figure``, computed apart from its drawing."""
    import pandas as pd

    from l2l.workflows.evaluate import SETTINGS

    rows: dict[str, list[Any]] = {"setting": [], "method": [], "error": []}
    for p in evaluation.predictions:
        corrected = p.independent_corrected
        err_corrected = None if corrected is None else abs(corrected - p.actual) / p.actual
        for method, err in zip(
            METHODS, (p.error_independent, err_corrected, p.error_loss_to_loss), strict=True
        ):
            if err is not None and math.isfinite(err):
                rows["setting"].append(p.setting)
                rows["method"].append(method)
                rows["error"].append(100.0 * err)
    if not rows["error"]:
        raise UsageError("the evaluation made no predictions: nothing to draw")
    points = pd.DataFrame(rows)
    means: dict[str, list[Any]] = {"setting": [], "method": [], "error": [], "label": []}
    for s in evaluation.summary:
        mean_errors = (
            s.mean_error_independent,
            s.mean_error_independent_corrected,
            s.mean_error_loss_to_loss,
        )
        for method, m in zip(METHODS, mean_errors, strict=True):
            if m is not None:
                means["setting"].append(s.setting)
                means["method"].append(method)
                means["error"].append(100.0 * m)
                means["label"].append(f"{100.0 * m:.2f}%")
    mean_df = pd.DataFrame(means)
    present = [s for s in SETTINGS if s in set(points["setting"])]
    present += sorted(set(points["setting"]) - set(present))
    counts: dict[str, int] = {}
    for p in evaluation.predictions:
        counts[p.setting] = counts.get(p.setting, 0) + 1
    facet_names = {s: f"{s} (n = {counts.get(s, 0)})" for s in present}
    mean_df = mean_df[mean_df["setting"].isin(present)]
    width_df = _interval_widths(evaluation, facet_names)
    frames = (points, mean_df, width_df) if not width_df.empty else (points, mean_df)
    for df in frames:
        df["setting"] = _ordered([facet_names[s] for s in df["setting"]], [facet_names[s] for s in present])
        df["method"] = _ordered(df["method"], METHODS)
    return EvaluateFigureData(
        points, mean_df, [facet_names[s] for s in present], width_df if not width_df.empty else None
    )


def evaluate_figure(evaluation: Evaluation) -> ggplot:
    """Table 1 at a glance: one panel per setting (train-to-train, -test, -downstream), the relative error of every
    held-out prediction by each method (independent scaling law vs loss-to-loss) as jittered points, the mean of
    the predictions both methods made marked by a diamond and its value. Errors in percent."""
    _use_agg()
    p9 = _plotnine()
    data = evaluate_figure_data(evaluation)
    points, mean_df, present = data.points, data.means, data.panels
    colours = ["#7f7f7f", "#2ca02c", "#1f77b4"]
    fig = p9.ggplot(points, p9.aes(x="method", y="error", color="method")) + p9.geom_jitter(
        width=0.22, height=0, size=1.3, alpha=0.45, random_state=0
    )
    if not mean_df.empty:
        fig = (
            fig
            + p9.geom_point(data=mean_df, shape="D", size=3.6, fill="white", stroke=1.4)
            + p9.geom_text(
                p9.aes(label="label"),
                data=mean_df,
                nudge_x=0.36,
                size=8.5,
                ha="left",
                color="black",
                fontweight="bold",
            )
        )
    caption = "points: one held-out loss each\n◇ and value: mean over the predictions every method made"
    if data.intervals is not None:
        level = next((s.level for s in evaluation.summary if s.level is not None), 0.9)
        fig = (
            fig
            + p9.geom_errorbar(
                p9.aes(x="method", ymin=0, ymax="half_width", color="method"),
                data=data.intervals,
                inherit_aes=False,
                width=0.5,
                linetype="dashed",
                size=0.6,
            )
            + p9.geom_text(
                p9.aes(x="method", y="half_width", label="label"),
                data=data.intervals,
                inherit_aes=False,
                va="bottom",
                size=7,
                color="black",
            )
        )
        caption += (
            f"\ndashed bar: median half-width of the {100 * level:.0f}% predictive intervals, "
            "and how many held-out values they covered"
        )
    fig = (
        fig
        + p9.facet_wrap("setting", ncol=_ncol(len(present)), scales="free_y")
        + p9.scale_color_manual(values=colours, breaks=list(METHODS))
        + p9.scale_x_discrete(expand=(0, 0.6, 0, 0.9))
        + p9.scale_y_continuous(labels=lambda vs: [f"{v:g}%" for v in vs])
        + p9.labs(
            x="",
            y="relative error |predicted − actual| / actual",
            title=f"Held-out predictions ({evaluation.holdout}): relative error",
            caption=caption,
        )
        + _theme()
        + p9.theme(legend_position="none")
    )
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Residuals: lack of fit by N and by D
# ---------------------------------------------------------------------------------------------------------------

RESIDUAL_AXES = ("parameters N", "tokens D")


@dataclass(frozen=True, eq=False)
class ResidualsFigureData:
    """What the residual figure shows: one row per run and fitted law (``runs``: panel, dataset, eval, N, D, C,
    loss, the law's ``predicted`` loss, ``residual`` = 100·(measured − predicted)/measured, ``used`` for runs the
    law was fitted on), the same rows twice in long form for drawing (``points``: ``axis`` is "parameters N" or
    "tokens D", ``x`` its value); ``panels`` (one per law) in order."""

    runs: pd.DataFrame
    points: pd.DataFrame
    panels: list[str]


def residuals_figure_data(
    runs: Runs, fits: Sequence[LawFit], *, split: str | None = None
) -> ResidualsFigureData:
    """The data of ``residuals_figure``, computed apart from its drawing."""
    import pandas as pd

    _check_fits(fits, "residual figure")
    titles = _fit_titles(fits, runs.own_eval)
    parts = []
    for fit, title in zip(fits, titles, strict=True):
        sub = _runs_of(runs, fit, split)
        if sub.height == 0:
            continue
        df = _pandas(sub)
        df.insert(0, "eval", fit.eval)
        df.insert(0, "dataset", fit.dataset)
        df.insert(0, "panel", title)
        df["predicted"], df["residual"] = _residual_percent(fit, sub)
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
        df["panel"] = _ordered(df["panel"], panels)
    long["axis"] = _ordered(long["axis"], RESIDUAL_AXES)
    return ResidualsFigureData(table, long, panels)


def residuals_figure(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> ggplot:
    """Lack of fit at a glance: each run's residual from its fitted law, 100·(measured − predicted)/measured,
    against model size N (left) and tokens D (right), one row per law; points coloured by compute C, runs outside
    ``split`` (not used to fit) as red stars. A law that fits leaves residuals scattered about 0 with no trend."""
    _use_agg()
    p9 = _plotnine()
    data = residuals_figure_data(runs, fits, split=split)
    points = data.points
    used = points[points["used"]]
    held = points[~points["used"]]
    frame = points[["panel", "axis"]].drop_duplicates().reset_index(drop=True)
    c_lo, c_hi = float(points["C"].min()), float(points["C"].max())
    fig = (
        p9.ggplot(frame, p9.aes(x="x", y="residual"))
        + p9.geom_hline(yintercept=0.0, color="#444444", linetype="dashed", size=0.5)
        + p9.geom_point(p9.aes(color="C"), data=used, size=1.5, alpha=0.85)
    )
    caption = "residual: 100·(measured − law)/measured, above 0: the run is worse than its law predicts"
    if not held.empty:
        fig += p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=5.0, color=OPTIMUM_COLOUR)
        caption += f"\n★: runs not used in the fit (split ≠ {split})"
    x_lo, x_hi = float(points["x"].min()), float(points["x"].max())
    fig = (
        fig
        + p9.facet_grid("panel ~ axis", scales="free_x")
        + p9.scale_x_log10(breaks=_log_ticks(x_lo, x_hi), labels=_sci_labels)
        + p9.scale_y_continuous(labels=lambda vs: [f"{v:+g}%" if v else "0%" for v in vs])
        + p9.scale_color_cmap(
            "viridis", trans="log10", breaks=_log_ticks(c_lo, c_hi), labels=_sci_labels, limits=(c_lo, c_hi)
        )
        + p9.labs(
            x="",
            y="residual of the run",
            color="compute C\n(FLOPs)",
            title=_fits_title("Residuals of the fitted laws", fits),
            caption=caption,
        )
        + _theme()
    )
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------------


def _panels_frame(panel: Any) -> pd.DataFrame:
    """The plot-level data of a faceted figure: one row per panel. Every layer brings its own data; this frame
    only tells the figure (and ``figure_size``) which panels there are."""
    import pandas as pd

    return pd.DataFrame({"panel": panel.drop_duplicates().reset_index(drop=True)})


def _panel_count(fig: ggplot) -> int:
    """How many facets the figure will have: distinct values of its facet variables in the plot's own data
    (each figure puts its panels there, see ``_panels_frame``)."""
    names = list(getattr(fig.facet, "vars", ()) or ())
    df: Any = fig.data
    if not names or df is None or callable(df) or not all(n in getattr(df, "columns", ()) for n in names):
        return 1
    return max(1, len(df[names].drop_duplicates()))


def figure_size(fig: ggplot) -> tuple[float, float]:
    """A width and height in inches that suit the figure: 4 in per facet column (up to 3 columns), 3.2 in per
    row; small multiples (more than 9 facets) 2.7 × 2.3 in each, 5 to a row; a facet grid 3.6 × 2.1 in per (row,
    column) level; plus room for the legend (none when nothing is mapped to a legend), title and caption."""
    rows, cols = _grid_shape(fig)
    legend = _legend_width(fig) if _has_legend(fig) else 0.3
    if rows * cols > 0:  # a grid: rows of long strips, kept compact
        return GRID_PANEL_WIDTH * cols + legend, GRID_PANEL_HEIGHT * rows + TITLE_HEIGHT
    n = _panel_count(fig)
    ncol = _ncol(n)
    given = getattr(fig.facet, "_ncol", None)
    if isinstance(given, int) and given > 0:
        ncol = min(given, n)
    nrow = math.ceil(n / ncol)
    if n > MANY_PANELS:
        panel_width, panel_height = SMALL_PANEL_WIDTH, SMALL_PANEL_HEIGHT
    else:  # a lone panel gets a little more room
        panel_width, panel_height = PANEL_WIDTH * (1.3 if n == 1 else 1.0), PANEL_HEIGHT
    return panel_width * ncol + legend, panel_height * nrow + TITLE_HEIGHT


def _grid_shape(fig: ggplot) -> tuple[int, int]:
    """(rows, columns) of a ``facet_grid`` from the levels in the plot's own data; (0, 0) for any other facet."""
    if type(fig.facet).__name__ != "facet_grid":
        return 0, 0
    df: Any = fig.data
    rows_vars = list(getattr(fig.facet, "rows", ()) or ())
    cols_vars = list(getattr(fig.facet, "cols", ()) or ())
    if df is None or callable(df):
        return 0, 0

    def levels(names: list[str]) -> int:
        if not names or not all(v in df.columns for v in names):
            return 1
        return max(1, len(df[names].drop_duplicates()))

    return levels(rows_vars), levels(cols_vars)


LEGEND_AESTHETICS = frozenset({"color", "colour", "fill", "shape", "size", "alpha", "linetype"})


def _has_legend(fig: ggplot) -> bool:
    """Whether any aesthetic that makes a legend is mapped, in the plot or in a layer that shows its legend,
    and the theme does not hide legends."""
    themeables = getattr(getattr(fig, "theme", None), "themeables", None) or {}
    position = themeables.get("legend_position") if hasattr(themeables, "get") else None
    if getattr(position, "properties", {}).get("value") == "none":
        return False
    if LEGEND_AESTHETICS & set(getattr(fig, "mapping", {}) or {}):
        return True
    for layer in fig.layers:
        if layer.show_legend is False:
            continue
        if LEGEND_AESTHETICS & set(getattr(layer, "mapping", {}) or {}):
            return True
    return False


def _legend_width(fig: ggplot) -> float:
    """Inches for the legend: the default, or more when a discrete scale lists long labels (≈ 0.07 in a
    character at the legend's 8 pt)."""
    longest = 0
    for scale in getattr(fig, "scales", ()):
        breaks = getattr(scale, "breaks", None)
        if isinstance(breaks, (list, tuple)) and all(isinstance(b, str) for b in breaks):
            longest = max([longest, *(len(b) for b in breaks)])
    return max(LEGEND_WIDTH, 0.8 + 0.07 * longest)


def save_figure(
    fig: ggplot,
    path: Path | str,
    *,
    width: float | None = None,
    height: float | None = None,
    dpi: int = 150,
    palette: bool = True,
) -> Path:
    """Write ``fig`` to ``path`` (.png, .svg or .pdf, from the extension) atomically: it is drawn into a temporary
    file beside ``path`` and renamed onto it, so a failed save leaves no file. Creates the parent directory.
    Width and height (inches) default to ``figure_size(fig)``. A PNG is stored with an adaptive palette of 256
    colours (``palette``; figures of flat bands, points and text look the same and take 3–6 times less space).
    Returns the path written."""
    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "no extension"
        raise UsageError(
            f"cannot write a figure to {path.name!r} ({shown}); supported extensions: "
            f"{', '.join(FIGURE_FORMATS)}",
            hint="name the file e.g. figure.png, figure.svg or figure.pdf",
        )
    if (width is None) != (height is None):
        raise UsageError("give both the width and the height of the figure, or neither")
    if width is None or height is None:
        width, height = figure_size(fig)
    if not (width > 0 and height > 0 and dpi > 0):
        raise UsageError("figure width, height and dpi must be positive")
    _use_agg()
    import matplotlib.pyplot as plt

    from l2l.io.atomic import atomic_write

    buf = io.BytesIO()
    before = set(plt.get_fignums())
    try:
        fig.save(
            buf, format=fmt, width=width, height=height, units="in", dpi=dpi, limitsize=False, verbose=False
        )
    finally:
        for num in set(plt.get_fignums()) - before:  # plotnine leaves its figure open in pyplot
            plt.close(num)
    content = _palette_png(buf.getvalue()) if fmt == "png" and palette else buf.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, content)
    except OSError as exc:
        raise UsageError(f"cannot write the figure {path}: {exc.strerror or exc}") from None
    return path


def _palette_png(png: bytes) -> bytes:
    """A PNG re-stored with an adaptive 256-colour palette (octree, no dithering) and optimised compression."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        dpi = img.info.get("dpi")
        quantized = img.convert("RGB").quantize(
            colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    quantized.save(out, format="png", optimize=True, **({"dpi": dpi} if dpi else {}))
    return out.getvalue()
