"""Figures 9–11 of the paper: a fitted law as filled loss contours over compute C and model size N, the
compute-optimal N*(C), the runs coloured by their residual (``law_figure``); loss against N at fixed budgets with the
iso-FLOP curves (``isoflop_figure``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import polars as pl

from l2l.base.errors import SelectionError, UsageError
from l2l.base.text import fmt_sci
from l2l.core.laws import Array
from l2l.core.sweep import allocation_unidentified
from l2l.core.sweep import budgets as budget_starts
from l2l.output.plots.common import (
    EXTRAPOLATE_TO,
    GRID_SIZE,
    HELD_OUT_SHAPE,
    N_BANDS,
    OPTIMUM_COLOUR,
    check_fits,
    fit_titles,
    fits_title,
    log_ticks,
    loss_unit,
    ncol,
    ordered,
    palette,
    pandas_frame,
    panels_frame,
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
    #: panels whose fitted runs all lie on one line of tokens per parameter, by title: their median D/N. No optimum
    #: line is drawn there: such runs do not identify N*(C) (``sweep.allocation_unidentified``: ``optimal`` refuses
    #: it), and a DataDecide-like sweep (every run at D = 100 N) drew red lines from flat to steep (probe h98)
    one_ratio: dict[str, float] = field(default_factory=dict)


#: A tick closer than this (in decades) to an edge of an axis drawn without padding is not labelled: its label ran
#: into the next panel's ("1e211e16" on Porian et al.'s laws, whose grid ends at 1e21 exactly: probe h60).
EDGE_DECADES = 0.1


def inner_log_ticks(lo: float, hi: float) -> list[float]:
    """``log_ticks(lo, hi)`` without those within ``EDGE_DECADES`` of either end (all of them where fewer than two
    would be left)."""
    ticks = log_ticks(lo, hi)
    inner = [t for t in ticks if math.log10(t / lo) >= EDGE_DECADES and math.log10(hi / t) >= EDGE_DECADES]
    return inner if len(inner) >= 2 else ticks


def law_figure_data(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> LawFigureData:
    """The data of ``law_figure``, computed apart from its drawing."""
    import pandas as pd

    check_fits(fits, "law figure")
    k = runs.flops_per_param_token  # C = k·N·D, the table's own k
    names = fit_titles(fits, runs.own_eval)
    per_fit = [runs_of(runs, f, split) for f in fits]
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
        f"{name}\n×1 = {ref:.3g} {loss_unit([f.eval])}" if relative else name
        for name, ref, f in zip(names, refs, fits, strict=True)
    ]
    grid_parts, line_parts, point_parts = [], [], []
    one_ratio: dict[str, float] = {}
    c_line = np.geomspace(c_lo, c_hi, 200)
    for fit, title, sub, pred in zip(fits, titles, per_fit, preds, strict=True):
        grid_parts.append(pd.DataFrame({"C": cc, "N": nn, "band": band(pred), "panel": title}))
        used = sub.filter(pl.col("used"))
        if used.height and allocation_unidentified(used["N"].to_numpy(), used["D"].to_numpy()) is not None:
            one_ratio[title] = float(np.median(used["D"].to_numpy() / used["N"].to_numpy()))
        else:
            n_opt, _ = fit.law.compute_optimal(c_line, k)
            keep = (n_opt >= n_lo) & (n_opt <= n_hi)
            line_parts.append(pd.DataFrame({"C": c_line[keep], "N": n_opt[keep], "panel": title}))
        pts = pandas_frame(sub)
        pts["panel"] = title
        pts["predicted"], pts["residual"] = residual_percent(fit, sub)
        point_parts.append(pts)
    grid = pd.concat(grid_parts, ignore_index=True)
    line = (
        pd.concat(line_parts, ignore_index=True)
        if line_parts
        else pd.DataFrame({"C": [], "N": [], "panel": []})
    )
    points = pd.concat(point_parts, ignore_index=True)
    for df in (grid, line, points):
        df["panel"] = ordered(df["panel"], titles)
    fitted_points = points[points["used"]]
    limit = _residual_limit(fitted_points["residual"].to_numpy(), list(fitted_points["panel"]))
    reference = dict(zip(titles, refs, strict=True))
    return LawFigureData(
        grid,
        line,
        points,
        levels,
        (c_lo, c_hi),
        (n_lo, n_hi),
        k,
        relative,
        reference,
        limit,
        titles,
        one_ratio,
    )


def law_figure(
    runs: Runs, fits: Sequence[LawFit], *, split: str | None = None, chosen: bool = False
) -> ggplot:
    """Figures 9–10: each fitted law as filled contours of predicted loss over compute C and model size N
    (D = C/kN, k the table's own), the compute-optimal N*(C) in red, the runs it was fitted on as points coloured
    by their residual from the law (blue: better than predicted, red: worse, white: on the law), and runs of the
    same (dataset, eval) outside ``split`` (held out, e.g. ``extrapolation``) as stars coloured the same way.
    Several laws: one panel each, each on its own loss scale (see ``LawFigureData``)."""
    from mizani.bounds import squish

    use_agg()
    p9 = plotnine()
    data = law_figure_data(runs, fits, split=split)
    grid, line, points, levels, k = data.grid, data.line, data.points, data.levels, data.k
    (c_lo, c_hi), (n_lo, n_hi) = data.c_range, data.n_range
    used = points[points["used"]]
    held = points[~points["used"]]
    limit = data.residual_limit

    breaks = _nice_breaks(float(levels[0]), float(levels[-1]))
    fig = p9.ggplot(panels_frame(grid["panel"]), p9.aes(x="C", y="N"))
    fig += [
        p9.geom_raster(p9.aes(fill="band"), data=grid, interpolation="bilinear"),
        # each run: a black ring under a dot coloured by its residual
        p9.geom_point(data=used, shape="o", size=2.6, color="black"),
        p9.geom_point(p9.aes(color="residual"), data=used, shape="o", size=1.7),
    ]
    if not line.empty:
        fig += p9.geom_line(data=line, color=OPTIMUM_COLOUR, size=1.0)
    if not held.empty:
        fig += [
            p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=7.5, color="black"),
            p9.geom_point(p9.aes(color="residual"), data=held, shape=HELD_OUT_SHAPE, size=5.0),
        ]
    caption = f"bands: loss predicted by the fitted law (D = C/{k:g}N)"
    if data.one_ratio:
        ratios = ", ".join(sorted({f"{r:.3g}" for r in data.one_ratio.values()}, key=float))
        if len(data.one_ratio) < len(data.panels):
            caption += "; red line: its compute-optimal N*(C)"
        where = "" if len(data.one_ratio) == len(data.panels) else f" in {len(data.one_ratio)} panels"
        caption += (
            f"\nno N*(C) line{where}: every run at one D/N ({ratios}) does not measure it, and the bands off"
            " that line are the law's extrapolation"
        )
    else:
        caption += "; red line: its compute-optimal N*(C)"
    if data.relative:
        caption += (
            "\neach panel on its own scale: relative loss, ×1 = its lowest measured loss (under its title)"
        )
    caption += "\npoints: runs it was fitted on, coloured by residual 100·(measured − law)/measured"
    caption += " (red: above the law)"
    if not held.empty:
        caption += f"\n★: runs not used in the fit (split ≠ {split}), outlined and coloured the same way"
    fill_name = "relative\nloss" if data.relative else f"loss ({loss_unit([f.eval for f in fits])})"
    fill_labels = (
        (lambda vs: [f"×{v:.3g}" for v in vs]) if data.relative else (lambda vs: [f"{v:.3g}" for v in vs])
    )
    fig += [
        p9.facet_wrap("panel", ncol=ncol(len(fits))),
        p9.scale_x_log10(breaks=inner_log_ticks(c_lo, c_hi), labels=sci_labels, expand=(0, 0)),
        p9.scale_y_log10(breaks=log_ticks(n_lo, n_hi), labels=si_labels, expand=(0, 0)),
        p9.scale_fill_cmap(
            "viridis",
            trans="log10",
            limits=(float(levels[0]), float(levels[-1])),
            breaks=breaks,
            labels=fill_labels,
        ),
        p9.scale_color_gradient2(
            low="#2166ac",
            mid="#ffffff",
            high="#b2182b",
            midpoint=0.0,
            limits=(-limit, limit),
            oob=squish,
            labels=lambda vs: [f"{v:+g}%" if v else "0%" for v in vs],
        ),
        p9.labs(
            x="compute C (FLOPs)",
            y="parameters N",
            fill=fill_name,
            color="residual",
            title=fits_title("Fitted scaling laws", fits, chosen=chosen),
            caption=caption,
        ),
        theme(),
        p9.guides(fill=p9.guide_colorbar(nbin=100, order=1), color=p9.guide_colorbar(order=2)),
    ]
    return cast("ggplot", fig)


# ---------------------------------------------------------------------------------------------------------------
# Figure 11: iso-FLOP curves
# ---------------------------------------------------------------------------------------------------------------


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
    #: budgets left out for holding fewer than ``MIN_PROFILE_RUNS`` runs (no profile to draw), and their runs
    left_out: tuple[int, int] = (0, 0)


def _curve_pieces(n_lo: float, n_hi: float, n_opt: float) -> dict[str, tuple[float, float]]:
    """The stretches of N an iso-FLOP curve is drawn over: its budget's runs and a margin of 1.3× (``runs``,
    solid), and where the budget's N* lies further out, the stretch to it (``below``, ``above``: dashed, the law
    beyond the runs; Misfitting's sweep drew its curves solid far past them, probe h60)."""
    pieces = {"runs": (n_lo / 1.3, n_hi * 1.3)}
    if n_opt < n_lo:
        pieces["below"] = (n_opt / 1.3, n_lo / 1.3)
    if n_opt > n_hi:
        pieces["above"] = (n_hi * 1.3, n_opt * 1.3)
    return pieces


#: An iso-FLOP budget is drawn where it holds this many runs: fewer draw no profile (a sizes × token-multiples grid,
#: where one or two runs share a C, was drawn as 18 "budgets" of a point or two; probes p56, p58).
MIN_PROFILE_RUNS = 3


def isoflop_figure_data(runs: Runs, fits: Sequence[LawFit], *, split: str | None = None) -> IsoflopFigureData:
    """The data of ``isoflop_figure``, computed apart from its drawing."""
    import pandas as pd

    check_fits(fits, "iso-FLOP figure")
    k = runs.flops_per_param_token  # C = k·N·D, the table's own k
    titles = fit_titles(fits, runs.own_eval)
    point_parts, curve_parts, opt_parts = [], [], []
    dropped_budgets = dropped_runs = 0
    # counted before thin budgets are dropped, fitted runs only (with --split the refusal below read "6 runs, at
    # most 0 at one compute", the held-out runs counted and the fitted ones not: p75)
    fitted_runs = most_fitted = 0
    for fit, title in zip(fits, titles, strict=True):
        sub = runs_of(runs, fit, split)
        if sub.height == 0:
            continue
        c = sub["C"].to_numpy().astype(np.float64)
        # one budget for C within BUDGET_RTOL, as the backtests group them (sizes written to two digits scatter C)
        starts = budget_starts(c)
        group = np.searchsorted(starts, c, side="right") - 1
        labels = [fmt_sci(float(starts[max(g, 0)]), 3) for g in group]  # (Porian's 1.25e16 read 1.2e16)
        pts = pandas_frame(sub)
        pts["budget"] = labels
        pts["panel"] = title
        point_parts.append(pts)
        by_budget: dict[str, list[int]] = {}
        for i, lab in enumerate(labels):
            by_budget.setdefault(lab, []).append(i)
        n_all = sub["N"].to_numpy().astype(np.float64)
        used = pts["used"].to_numpy()
        fitted_runs += int(used.sum())
        most_fitted = max([most_fitted, *(int(used[idx].sum()) for idx in by_budget.values())])
        # a budget of held-out runs alone stays: its stars are measured against the curve there (the paper's 3.3B)
        thin = {
            lab for lab, idx in by_budget.items() if len(idx) < MIN_PROFILE_RUNS and bool(used[idx].any())
        }
        if thin and len(thin) < len(by_budget):
            dropped_budgets += len(thin)
            dropped_runs += sum(len(by_budget[lab]) for lab in thin)
            pts = pts[~pts["budget"].isin(thin)]
            point_parts[-1] = pts
            by_budget = {lab: idx for lab, idx in by_budget.items() if lab not in thin}
        for lab, idx in by_budget.items():
            budget = float(np.exp(np.mean(np.log(c[idx]))))
            n_opt = float(fit.law.compute_optimal(budget, k)[0])
            ns = n_all[idx]
            for piece, (a, b) in _curve_pieces(float(ns.min()), float(ns.max()), n_opt).items():
                n_curve = np.geomspace(a, b, 80 if piece == "runs" else 24)
                loss = fit.law.predict(n_curve, budget / (k * n_curve))
                curve_parts.append(
                    pd.DataFrame(
                        {
                            "N": n_curve,
                            "loss": loss,
                            "budget": lab,
                            "panel": title,
                            "piece": f"{title}|{lab}|{piece}",
                            "beyond": piece != "runs",
                        }
                    )
                )
            l_opt = float(fit.law.predict(n_opt, budget / (k * n_opt)))
            opt_parts.append(
                pd.DataFrame(
                    {"N": [n_opt], "loss": [l_opt], "C": [budget], "budget": [lab], "panel": [title]}
                )
            )
    if not point_parts:
        raise UsageError("none of the fitted (dataset, eval) pairs has runs to draw")
    points = pd.concat(point_parts, ignore_index=True)
    per_budget = points[points["used"]].groupby(["panel", "budget"], observed=True).size()
    most = int(per_budget.max()) if len(per_budget) else 0
    if most < MIN_PROFILE_RUNS:
        # every run its own budget, or one or two sharing a C (a grid of sizes × token counts): one curve per run or
        # pair said nothing (82 curves)
        # what the runs hold, not how the command was asked: exit 1 (it exited 2, as a usage error; p70)
        raise SelectionError(
            f"no iso-FLOP budget holds {MIN_PROFILE_RUNS} fitted runs ({fitted_runs} fitted runs, at most "
            f"{most_fitted} at one compute): an iso-FLOP figure needs runs "
            "of several sizes at one budget; l2l plot law draws the laws over (C, N)",
            param="kind",
        )
    curves = pd.concat(curve_parts, ignore_index=True)
    optima = pd.concat(opt_parts, ignore_index=True).sort_values(["panel", "C"])
    budgets = sorted(set(points["budget"]), key=float)
    for df in (points, curves, optima):
        df["budget"] = ordered(df["budget"], budgets)
        df["panel"] = ordered(df["panel"], [t for t in titles if t in set(points["panel"])])
    return IsoflopFigureData(points, curves, optima, budgets, k, (dropped_budgets, dropped_runs))


#: the iso-FLOP figure's legend shows at most this many budgets
MAX_BUDGET_KEYS = 12


def isoflop_figure(
    runs: Runs, fits: Sequence[LawFit], *, split: str | None = None, chosen: bool = False
) -> ggplot:
    """Figure 11: loss against model size N per compute budget C (one colour per budget); the fitted law along
    each iso-FLOP line (D = C/kN) as a curve; its compute-optimal N*(C) as open diamonds joined by a dashed line.
    Runs outside ``split`` (not used to fit) are stars."""
    use_agg()
    p9 = plotnine()
    data = isoflop_figure_data(runs, fits, split=split)
    points, curves, optima, budgets = data.points, data.curves, data.optima, data.budgets
    colours = palette("viridis", len(budgets), end=0.88)
    used = points[points["used"]]
    held = points[~points["used"]]
    # the dashed line joins a panel's optima where it has two or more (a panel of one budget made plotnine warn
    # "geom_path: Each group consist of only one observation" on stderr; probe p60)
    joined = optima[optima.groupby("panel", observed=True)["C"].transform("size") > 1]

    fig = p9.ggplot(panels_frame(points["panel"]), p9.aes(x="N", y="loss", color="budget"))
    fig += [
        p9.geom_line(p9.aes(group="piece"), data=curves[~curves["beyond"]], size=0.7, alpha=0.85),
        p9.geom_point(data=used, size=1.8, alpha=0.9),
    ]
    if not joined.empty:
        fig += p9.geom_path(p9.aes(group="panel"), data=joined, color="#444444", linetype="dashed", size=0.5)
    fig += p9.geom_point(data=optima, shape="D", fill="white", size=2.6, stroke=1.0, show_legend=False)
    caption = f"curves: fitted law along each iso-FLOP line D = C/{data.k:g}N\n◇: compute-optimal N*(C)"
    beyond = curves[curves["beyond"]]
    if not beyond.empty:  # (last, so that the layers before keep their places)
        caption += "; dashed: the law beyond the budget's runs, out to its N*"
    if not held.empty:
        fig += p9.geom_point(data=held, shape=HELD_OUT_SHAPE, size=6.0, show_legend=False)
        caption += f"; ★: runs not used in the fit (split ≠ {split})"
    few_budgets, few_runs = data.left_out
    if few_budgets:
        caption += (
            f"\nleft out: {few_budgets} budget{'s' if few_budgets > 1 else ''} of fewer than {MIN_PROFILE_RUNS} runs "
            f"({few_runs} run{'s' if few_runs > 1 else ''}): no profile to draw"
        )
    # a legend key per budget up to MAX_BUDGET_KEYS; beyond, evenly spaced ones (the colours stay ordered by C):
    # Misfitting's table has 69 budgets, a legend taller than the figure
    keys = budgets
    if len(budgets) > MAX_BUDGET_KEYS:
        keys = [budgets[int(i)] for i in np.unique(np.linspace(0, len(budgets) - 1, MAX_BUDGET_KEYS).round())]
        caption += f"\ncolour: compute C, {len(keys)} of its {len(budgets)} budgets in the legend"
    if not beyond.empty:
        fig += p9.geom_line(p9.aes(group="piece"), data=beyond, size=0.6, alpha=0.85, linetype="dashed")
    n_lo, n_hi = float(curves["N"].min()), float(curves["N"].max())
    fig += [
        p9.facet_wrap("panel", ncol=ncol(len(set(points["panel"]))), scales="free_y"),
        p9.scale_x_log10(breaks=log_ticks(n_lo, n_hi), labels=si_labels),
        p9.scale_color_manual(values=colours, breaks=keys),
        p9.labs(
            x="parameters N",
            y=f"loss ({loss_unit([f.eval for f in fits])})",
            color="compute C\n(FLOPs)",
            title=fits_title("Iso-FLOP curves", fits, chosen=chosen),
            caption=caption,
        ),
        theme(),
    ]
    return cast("ggplot", fig)
