"""Figures 1–4 of the paper: target loss against source loss with the fitted shifted power laws, dashed where
they extrapolate, held-out pairs as stars (``translate_figure``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import polars as pl
from numpy.typing import NDArray

from l2l.base.errors import UsageError
from l2l.core.laws import Array
from l2l.output.plots.common import (
    HELD_OUT_SHAPE,
    MAX_LEGEND_ENTRIES,
    Y_AXIS_TITLE_WIDTH,
    axis_title,
    legend_labels,
    loss_unit,
    ncol,
    ordered,
    panel_title,
    panels_frame,
    plotnine,
    qualitative,
    short_eval,
    short_evals,
    theme,
    use_agg,
)

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.workflows.translate import TranslationResult


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
        return [panel_title(t or h) for h, t in names], next(iter(heads))
    return [panel_title(" ".join(p for p in n if p)) for n in names], "loss-to-loss translations"


def _target_labels(results: Sequence[TranslationResult], panels: Sequence[str]) -> list[str]:
    """Label per result: the target dataset (train-train) or the eval, readably named (train-test, test-test);
    both where that would name two curves of one panel alike."""
    short = short_evals([r.eval for r in results])
    labels = [r.tgt if r.kind == "train-train" else short[r.eval] for r in results]
    seen = list(zip(panels, labels, strict=True))
    if len(set(seen)) < len(seen):
        labels = [f"{r.tgt}: {short[r.eval]}" for r in results]
    return labels


def _loss_on(eval_name: str) -> str:
    """An axis's loss named by its eval: ``beta_val loss``; a name that says loss already is not told it twice
    (``val_loss``, ``hellaswag/loss``: it read "val_loss loss (nats)", probe h52)."""
    short = short_eval(eval_name)
    return short if short.lower().endswith("loss") else f"{short} loss"


def _axis_labels(results: Sequence[TranslationResult]) -> tuple[str, str, str]:
    """The x and y axis titles and the legend title of a translation figure, as specific as the results allow."""
    kinds = {r.kind for r in results}
    srcs = {r.src for r in results}
    tgts = {r.tgt for r in results}
    x_evals = {r.x_eval for r in results}
    y_evals = {r.eval for r in results}
    src = next(iter(srcs)) if len(srcs) == 1 else "source"
    tgt = next(iter(tgts)) if len(tgts) == 1 else "target"
    x_on = _loss_on(next(iter(x_evals))) if len(x_evals) == 1 else "loss"
    y_on = _loss_on(next(iter(y_evals))) if len(y_evals) == 1 else None
    # each axis in its evals' unit: a ladder's NAME:bpb targets are bits per byte, not nats (probe h98)
    xu, yu = f"({loss_unit(sorted(x_evals))})", f"({loss_unit(sorted(y_evals))})"
    if kinds == {"train-train"}:
        # (one target: its models named, as the x axis names the source's)
        y_label = (
            f"{tgt} models: {y_on} {yu}" if len(tgts) == 1 and y_on else f"target models: their own loss {yu}"
        )
        x_label, legend = f"{src} models: {x_on} {xu}", "target dataset"
    elif kinds == {"train-test"}:
        x_label, y_label, legend = (
            f"{src} models: {x_on} {xu}",
            f"{src} models: {y_on or 'test loss'} {yu}",
            "test set",
        )
    elif kinds == {"test-test"}:
        x_label = f"{src} models: {x_on if len(x_evals) == 1 else 'test loss'} {xu}"
        y_label, legend = f"{tgt} models: {y_on or 'the same test loss'} {yu}", "test set"
    else:
        x_label, y_label, legend = f"source loss {xu}", f"target loss {yu}", "target"
    # wrapped: a long source name, told twice on the x axis, ran off both edges of the figure (probe h98)
    return axis_title(x_label), axis_title(y_label, Y_AXIS_TITLE_WIDTH), legend


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
        # the first reason and its fix, as l2l translate refuses: "l2l translate says why" sent the user to run
        # another command to learn it (probe h98)
        from l2l.workflows.translate import no_translations

        raise no_translations(results)
    kinds, title = _panels_and_title(_panel_names(ok))
    labels = _target_labels(ok, kinds)
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
    # the legend lists the curves top to bottom as they end on the right of their panel
    ends = solid.loc[solid.groupby(["panel", "target"], sort=False)["x"].idxmax()]
    label_order = list(ends.groupby("target", sort=False)["y"].mean().sort_values(ascending=False).index)
    frames = [points, solid]
    stars = pd.concat(star_parts, ignore_index=True) if star_parts else None
    dashes = pd.concat(dash_parts, ignore_index=True) if dash_parts else None
    for df in (stars, dashes):
        if df is not None:
            frames.append(df)
    for df in frames:
        df["target"] = ordered(df["target"], label_order)
        df["panel"] = ordered(df["panel"], panel_order)

    title = _titled(title, ok, label_order)
    return TranslateFigureData(ok, points, stars, solid, dashes, panel_order, label_order, multiples, title)


def _titled(title: str, ok: Sequence[TranslationResult], label_order: Sequence[str]) -> str:
    """The figure's title, capitalised; of one train-to-train curve (one colour, no legend), naming its target:
    Porian's rw → owt2 figure named owt2 nowhere (probe h3)."""
    if len(label_order) == 1 and {r.kind for r in ok} == {"train-train"}:
        title = f"{title} → {label_order[0]}"
    return title[:1].upper() + title[1:]


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
    use_agg()
    p9 = plotnine()
    data = translate_figure_data(results, heldout=heldout, fit_split=fit_split)
    ok, points, stars, solid, dashes = data.ok, data.points, data.stars, data.solid, data.dashes
    panel_order, label_order = data.panel_order, data.label_order
    colour = p9.aes(color="target")
    fixed: dict[str, str] = {}
    one_colour = data.multiples or len(label_order) == 1
    if one_colour:  # one curve per panel: the panel's title (or the axis) names it, one colour serves all
        colour, fixed = p9.aes(), {"color": "#1f77b4"}
    fig = p9.ggplot(panels_frame(points["panel"]), p9.aes(x="x", y="y"))
    fig += [
        p9.geom_point(colour, data=points, size=1.2 if data.multiples else 1.6, alpha=0.75, **fixed),
        p9.geom_line(colour, data=solid, size=0.8, **fixed),
    ]
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
        fig += p9.facet_wrap("panel", ncol=ncol(len(panel_order)), scales="free")
    if not one_colour:
        fig += p9.scale_color_manual(
            values=qualitative(len(label_order)), breaks=label_order, labels=legend_labels(label_order)
        )
    fig += [p9.labs(x=x_label, y=y_label, color=legend, title=data.title, caption=caption), theme()]
    if data.multiples:
        fig += p9.theme(strip_text=p9.element_text(size=8), axis_text=p9.element_text(size=7))
    return cast("ggplot", fig)
