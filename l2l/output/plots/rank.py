"""The figure of ``l2l rank``: each candidate dataset's predicted target loss with its interval, best at the top.

One panel per target: the ranking method's prediction (a point coloured by P(best)) and its interval, beside the
other methods' point predictions and the loss measured at the dataset's largest sweep budget where those runs are
the model predicted (else the caption says where it was measured: it is no point on an axis of losses at another
size); the caption says who leads, whether the top is a tie and where within a decade of the budget the predicted
winner changes. Pure: the
builders return a plotnine figure; ``l2l.output.plots.save_figure`` writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from l2l.base.errors import UsageError
from l2l.base.text import fmt_si, some_of
from l2l.output.plots.common import (
    MAX_COLOURS,
    OTHERS_COLOUR,
    TOP_COLOURED,
    caption_from_left,
    legend_labels,
    others_label,
    panel_title,
    plotnine,
    qualitative,
    sci,
    short_eval,
    theme,
    use_agg,
)

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.base.runs import Runs
    from l2l.core.ranking import DatasetPrediction, Ranking

__all__ = [
    "RankFigureData",
    "held_out_runs",
    "rank_budget_figure",
    "rank_budget_figure_data",
    "rank_figure",
    "rank_figure_data",
]

MARKERS = {"measured, top budget": "o", "independent": "^", "translation": "s"}
MEASURED = next(iter(MARKERS))
#: A held-out run is drawn at the budget when its compute is within this factor of it.
BUDGET_TOLERANCE = 1.5
#: A measured run is at the model asked for (or a budget's N*, D*) when its N and D are within this factor of it.
SIZE_TOLERANCE = 1.1
#: A dataset's name on the axis is wrapped at this many characters (after ``/ _ - . :``), on at most this many
#: lines; a longer name is shortened and keyed (``… [1]``, the whole name in the caption). DCLM's names run to 142
#: characters: unwrapped they took the panel's room, and the figure came out without its title and labels (p57).
LABEL_CHARS = 48
LABEL_LINES = 2
#: The caption's lines are wrapped at this many characters (a line naming DCLM's datasets made the figure 56 in
#: wide).
CAPTION_CHARS = 110


@dataclass(frozen=True, eq=False)
class RankFigureData:
    """What the figure shows: ``ranked`` (one row per ranked dataset and target: value, lo, hi, p_best), ``others``
    (the other methods' and the measured values), ``panels`` in drawing order and the caption lines."""

    ranked: pd.DataFrame
    others: pd.DataFrame
    panels: list[str]
    caption: str
    # the losses measured by held-out runs at the budget (panel, dataset, value); empty without any
    heldout: pd.DataFrame | None = None
    #: the caption's lines that give the whole names of the datasets shortened on the axis (``label``)
    key: tuple[str, ...] = ()

    #: whether some point has a P(best) to colour it by (none where no extrapolation error could be learned:
    #: ``core.ranking.Ranking.without_unchecked_p_best``; its points are grey, and no colour bar is drawn)
    p_best_stated: bool = True


def _labels(names: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each name's label on the axis: wrapped (``LABEL_CHARS``, ``LABEL_LINES``), or shortened and keyed, and
    the key's lines (``[1] the whole name``), numbered in the order of ``names``."""
    from l2l.output.render import wrap_name

    labels: dict[str, str] = {}
    key: list[str] = []
    for name in names:
        lines = wrap_name(name, LABEL_CHARS)
        if len(lines) > LABEL_LINES:
            key.append(f"[{len(key) + 1}] {name}")
            lines = [*lines[: LABEL_LINES - 1], f"{lines[LABEL_LINES - 1][: LABEL_CHARS - 6]}… [{len(key)}]"]
        labels[name] = "\n".join(lines)
    return labels, tuple(key)


def _wrapped(text: str) -> str:
    """The caption with each line wrapped at ``CAPTION_CHARS``."""
    from l2l.output.render import wrap_name

    return "\n".join(part for line in text.splitlines() for part in wrap_name(line, CAPTION_CHARS))


def _budget(ranking: Ranking) -> str:
    b = ranking.budget
    if b.C is not None:
        return f"C = {sci(b.C)}"
    return f"N = {fmt_si(float(b.N or 0))}, D = {fmt_si(float(b.D or 0))}"


def _caption(ranking: Ranking) -> str:

    lines = []
    for t in ranking.targets:
        name = short_eval(t.target)
        if t.leader is None:
            lines.append(f"{name}: nothing could be ranked")
            continue
        head = f"TIE among {', '.join(t.contenders)}" if t.tie else f"best: {t.leader}"
        flips = "; ".join(f"winner {f.before} → {f.after} at C ≈ {sci(f.C)}" for f in t.flips)
        if not flips and ranking.budget.C is not None:
            flips = f"same winner from {sci(ranking.budget.C / 10)} to {sci(ranking.budget.C * 10)}"
        failed = [f"{r.dataset} (not ranked)" for r in t.rows if r.status == "failed"]
        lines.append(
            f"{name}: {head}" + (f"; {flips}" if flips else "") + (f"; {', '.join(failed)}" if failed else "")
        )
    return "\n".join(lines)


def held_out_runs(runs: Runs, ranking: Ranking, split: str | None) -> pl.DataFrame:
    """The measured target losses of runs outside the fitted ``split`` at the ranking's budget (compute within
    ``BUDGET_TOLERANCE`` of C, or the given N and D): what the prediction can be checked against (dataset, eval,
    loss, N, D, C). At a compute budget, each dataset's lowest: the prediction is the loss at N*(C), the least of
    the budget's N's, and a held-out isoFLOP grid's runs at other N's, drawn on its line, read as misses. Empty
    without a split (every run was fitted on)."""
    frame = runs.frame
    if split is None:
        return frame.clear().select("dataset", "eval", "loss", "N", "D", "C")
    b = ranking.budget
    near = (
        pl.col("C").is_between(b.C / BUDGET_TOLERANCE, b.C * BUDGET_TOLERANCE)
        if b.C is not None
        else pl.col("N").is_between(float(b.N or 0) / SIZE_TOLERANCE, float(b.N or 0) * SIZE_TOLERANCE)
        & pl.col("D").is_between(float(b.D or 0) / SIZE_TOLERANCE, float(b.D or 0) * SIZE_TOLERANCE)
    )
    targets = [t.target for t in ranking.targets]
    held = ~pl.col("split").eq_missing(pl.lit(split))
    found = frame.filter(pl.col("eval").is_in(targets) & held & near).select(
        "dataset", "eval", "loss", "N", "D", "C"
    )
    if b.C is None:
        return found
    return found.sort("loss").unique(["dataset", "eval"], keep="first", maintain_order=True)


def _sizes(lo_hi: tuple[float, float]) -> str:
    lo, hi = (fmt_si(x) for x in lo_hi)
    return lo if lo == hi else f"{lo}–{hi}"


def _at_its_model(r: DatasetPrediction) -> bool:
    """Whether every run of a row's ``measured_top`` (those at its dataset's largest budget) is the model its
    value is for (the one asked for, or the budget's N*, D*), within ``SIZE_TOLERANCE``: only then does the
    measured loss belong on the axis of its prediction."""
    if r.top_N is None or r.top_D is None or r.N is None or r.D is None:
        return False
    return all(
        at / SIZE_TOLERANCE <= lo and hi <= at * SIZE_TOLERANCE
        for (lo, hi), at in ((r.top_N, r.N), (r.top_D, r.D))
    )


def _marks(r: DatasetPrediction, method: str) -> tuple[list[tuple[str, float]], bool]:
    """The small markers of a row (the other methods' predictions, and the measured loss at the dataset's largest
    budget where that is the model the row predicts), and whether a measured loss is elsewhere: left off (or, of
    the baseline, the row's value itself, measured at the largest budget)."""
    here = _at_its_model(r)
    if method == "baseline":  # the value is the measured loss itself: no second marker of it
        measured, off = None, not r.measured_runs and r.top_N is not None
    else:
        measured, off = (r.measured_top if here else None), r.measured_top is not None and not here
    marks = [(MEASURED, measured), ("independent", r.independent), ("translation", r.translation)]
    return [(what, v) for what, v in marks if v is not None], off


def _measured_elsewhere(rows: list[DatasetPrediction], method: str, drawn: bool = False) -> list[str]:
    """Caption lines for the measured losses left off the figure (measured at another size than the one
    predicted), by where they were measured; and, for the baseline, where its values were measured. ``drawn``:
    whether the measured marker is drawn for other rows (only then does the caption name its ○: with none drawn,
    a reader took the ○ it described for the filled circles of the predictions; probe h3)."""
    by_size: dict[str, list[str]] = {}
    for r in rows:
        if r.top_N is not None and r.top_D is not None:
            by_size.setdefault(f"{_sizes(r.top_N)} × {_sizes(r.top_D)}", []).append(r.dataset)
    if not by_size:
        return []

    where = "; ".join(f"{size} ({some_of(list(dict.fromkeys(names)))})" for size, names in by_size.items())
    if method == "baseline":
        return [
            f"baseline: each value is the loss measured at its dataset's largest budget, at {where}, not a "
            "prediction at this budget: only the order counts"
        ]
    if drawn:
        return [
            f"○ {MEASURED}: drawn where measured at the size predicted; left out where measured at another: "
            f"{where}"
        ]
    return [
        f"not drawn: the loss measured at each dataset's largest budget, at another size than the one predicted: "
        f"{where}"
    ]


def _losses_only(ranking: Ranking) -> None:
    """Refuse a ranking by accuracy: the ranking figures draw losses (lower is better) and measured losses."""
    accs = [t.target for t in ranking.targets if t.metric != "loss"]
    if accs:
        raise UsageError(
            f"the ranking figure shows losses; {', '.join(accs)} is ranked by accuracy: rank it without a figure"
        )


def rank_figure_data(ranking: Ranking, heldout: pl.DataFrame | None = None) -> RankFigureData:
    """The data of ``rank_figure``, computed apart from its drawing; ``heldout``: measured runs at the budget that
    the fit did not see (``held_out_runs``), drawn beside the predictions. Losses only (UsageError for a ranking
    by accuracy)."""
    import pandas as pd

    _losses_only(ranking)

    ranked: dict[str, list[Any]] = {"panel": [], "dataset": [], "value": [], "lo": [], "hi": [], "p_best": []}
    others: dict[str, list[Any]] = {"panel": [], "dataset": [], "value": [], "what": []}
    stars: dict[str, list[Any]] = {"panel": [], "dataset": [], "value": []}
    order: list[str] = []
    panels: list[str] = []
    elsewhere: list[DatasetPrediction] = []  # rows whose measured loss is elsewhere (see ``_marks``)
    for t in ranking.targets:
        panel = panel_title(short_eval(t.target))
        panels.append(panel)
        for r in t.rows:
            if r.status != "ok" or r.value is None:
                continue
            order.append(r.dataset)
            ranked["panel"].append(panel)
            ranked["dataset"].append(r.dataset)
            ranked["value"].append(r.value)
            ranked["lo"].append(r.lo if r.lo is not None else r.value)
            ranked["hi"].append(r.hi if r.hi is not None else r.value)
            ranked["p_best"].append(math.nan if r.p_best is None else r.p_best)  # (NaN: drawn grey)
            marks, off = _marks(r, t.method)
            elsewhere += [r] if off else []
            for what, v in marks:
                others["panel"].append(panel)
                others["dataset"].append(r.dataset)
                others["value"].append(v)
                others["what"].append(what)
            if heldout is not None:
                rows = heldout.filter((pl.col("eval") == t.target) & (pl.col("dataset") == r.dataset))
                for v in rows.get_column("loss").to_list():
                    stars["panel"].append(panel)
                    stars["dataset"].append(r.dataset)
                    stars["value"].append(float(v))
    if not ranked["value"]:
        raise UsageError("no dataset could be ranked: nothing to draw")
    # best (by the first target, or the combined ranking) at the top of the flipped axis
    first = [r.dataset for r in ranking.combined if r.status == "ok"] or list(dict.fromkeys(order))
    top_down = list(dict.fromkeys([*first, *order]))
    levels = list(reversed(top_down))
    labels, key = _labels(top_down)
    rdf, odf, sdf = pd.DataFrame(ranked), pd.DataFrame(others), pd.DataFrame(stars)
    for df in (rdf, odf, sdf):
        df["label"] = pd.Categorical(
            [labels[d] for d in df["dataset"]], categories=[labels[d] for d in levels], ordered=True
        )
        df["dataset"] = pd.Categorical(df["dataset"], categories=levels, ordered=True)
        df["panel"] = pd.Categorical(df["panel"], categories=panels, ordered=True)
    if not odf.empty:
        # the legend lists the markers drawn (a measured loss left out everywhere is said in the caption)
        drawn = set(odf["what"])
        odf["what"] = pd.Categorical(odf["what"], categories=[m for m in MARKERS if m in drawn], ordered=True)
    measured_drawn = not odf.empty and MEASURED in set(odf["what"])
    value = (
        "the baseline's value (measured)"
        if ranking.method == "baseline"
        else f"the {ranking.method} prediction"
    )
    # (no P(best) where no extrapolation error could be learned: the points are grey)
    stated = any(not math.isnan(p) for p in ranked["p_best"])
    coloured = "coloured by P(best)" if stated else "grey: no P(best) stated"
    what = f"●: {value}, {coloured}; bars: its {ranking.level:.0%} interval"
    caption = "\n".join(
        [_caption(ranking), what, *_measured_elsewhere(elsewhere, ranking.method, measured_drawn)]
    )
    if not sdf.empty:
        lowest = (
            "the lowest loss measured by a held-out run"
            if ranking.budget.C is not None
            else "the loss measured by a held-out run"
        )
        caption += f"\n★: {lowest} at this budget (not used to fit)"
    return RankFigureData(rdf, odf, panels, caption, sdf if not sdf.empty else None, key, stated)


def rank_figure(ranking: Ranking, heldout: pl.DataFrame | None = None) -> ggplot:
    """Predicted target loss per dataset with the ranking method's interval (best at the top, one panel per
    target), the other methods and the measured top-budget loss as small markers, P(best) as the colour; the
    measured loss of held-out runs at the budget (``held_out_runs``) as stars, where there are some."""
    use_agg()
    p9 = plotnine()
    data = rank_figure_data(ranking, heldout)
    # the axis shows each dataset's label (wrapped, or shortened with a key); ``figure_size`` gives each of its
    # rows the height of its lines
    fig = p9.ggplot(data.ranked, p9.aes(x="label", y="value"))
    fig += [
        p9.geom_errorbar(p9.aes(ymin="lo", ymax="hi"), width=0.25, color="#555555"),
        p9.geom_point(p9.aes(fill="p_best"), size=3.6, shape="o", stroke=0.6),
    ]
    if not data.others.empty:
        fig += p9.geom_point(
            p9.aes(shape="what"),
            data=data.others,
            size=1.8,
            color="#333333",
            fill="none",
            position=p9.position_nudge(x=0.28),
        )
    if data.heldout is not None:  # on the prediction's own line: is the measured loss inside the interval?
        fig += p9.geom_point(data=data.heldout, shape="*", size=5.0, color="#d62728", show_legend=False)
    fig += [
        p9.coord_flip(),
        p9.facet_wrap("panel", scales="free_x", ncol=min(3, len(data.panels))),
        p9.scale_fill_cmap(
            "viridis",
            limits=(0, 1),
            name="P(best)",
            # (a colour bar of P(best) beside grey points read as if some P(best) were stated)
            guide="colorbar" if data.p_best_stated else None,
        ),
        p9.scale_shape_manual(values=MARKERS),
        p9.labs(
            x="",
            y=f"predicted loss ({ranking.method}; bars: {ranking.level:.0%} interval)",
            title=f"Which dataset? Predicted target loss at {_budget(ranking)} (lower is better)",
            caption=_wrapped("\n".join([data.caption, *data.key])),
            shape="",
        ),
        theme(),
        caption_from_left(),
    ]
    return cast("ggplot", fig)


@dataclass(frozen=True, eq=False)
class RankBudgetFigureData:
    """What the budget figure shows: ``curves`` (panel, dataset, C, value), the ``flips`` (panel, C) and the
    ``budget`` (panel, C) lines."""

    curves: pd.DataFrame
    flips: pd.DataFrame
    budget: pd.DataFrame
    panels: list[str]
    caption: str


def rank_budget_figure_data(ranking: Ranking) -> RankBudgetFigureData:
    """The data of ``rank_budget_figure``: each target's point predictions across the scanned budgets (losses
    only)."""
    import pandas as pd

    _losses_only(ranking)

    rows: dict[str, list[Any]] = {"panel": [], "dataset": [], "C": [], "value": []}
    flips: dict[str, list[Any]] = {"panel": [], "C": []}
    panels: list[str] = []
    for t in ranking.targets:
        if not t.curve:
            continue
        panel = panel_title(short_eval(t.target))
        panels.append(panel)
        for point in t.curve:
            for name, v in point.values:
                rows["panel"].append(panel)
                rows["dataset"].append(name)
                rows["C"].append(point.C)
                rows["value"].append(v)
        for f in t.flips:
            flips["panel"].append(panel)
            flips["C"].append(f.C)
    if not rows["value"]:
        raise UsageError("no predictions across budgets to draw (a fixed N, D is not scanned)")
    curves = pd.DataFrame(rows)
    order = [r.dataset for r in ranking.combined if r.status == "ok"]
    curves["dataset"] = pd.Categorical(
        curves["dataset"], categories=list(dict.fromkeys(order + list(curves["dataset"])))
    )
    budget = pd.DataFrame({"panel": panels, "C": [ranking.budget.compute] * len(panels)})
    frames = [curves, pd.DataFrame(flips), budget]
    for df in frames:
        if not df.empty:
            df["panel"] = pd.Categorical(df["panel"], categories=panels, ordered=True)
    return RankBudgetFigureData(curves, frames[1], budget, panels, _caption(ranking))


def rank_budget_figure(ranking: Ranking) -> ggplot:
    """Each dataset's predicted target loss across a decade either side of the budget (point predictions of the
    ranking method), the budget dotted and every budget where the predicted winner changes dashed."""

    use_agg()
    p9 = plotnine()
    data = rank_budget_figure_data(ranking)
    categories = [str(c) for c in data.curves["dataset"].cat.categories]
    caption = data.caption
    curves = data.curves
    fig = p9.ggplot(curves, p9.aes(x="C", y="value", color="dataset"))
    if len(categories) > MAX_COLOURS:
        # the best few at the budget in colour, the rest grey beneath them: 40 rainbow colours told nothing apart
        # (probe h98)
        top, rest = categories[:TOP_COLOURED], categories[TOP_COLOURED:]
        grey = curves[curves["dataset"].isin(rest)]
        curves = curves[curves["dataset"].isin(top)].copy()
        curves["dataset"] = curves["dataset"].cat.set_categories(top)
        fig += p9.geom_line(p9.aes(group="dataset"), data=grey, color=OTHERS_COLOUR, size=0.5, alpha=0.7)
        caption += (
            f"\ncoloured: the {len(top)} best of {len(categories)} datasets at the budget; grey: "
            f"{others_label(len(rest))}"
        )
        categories = top
    fig += [
        p9.geom_line(data=curves, size=0.9),
        p9.geom_vline(p9.aes(xintercept="C"), data=data.budget, linetype="dotted", color="#555555"),
    ]
    n = len(categories)
    if not data.flips.empty:
        fig += p9.geom_vline(p9.aes(xintercept="C"), data=data.flips, linetype="dashed", color="#d62728")
    fig += [
        p9.facet_wrap("panel", scales="free_y", ncol=min(3, len(data.panels))),
        p9.scale_x_log10(),
        p9.scale_color_manual(values=qualitative(n), breaks=categories, labels=legend_labels(categories)),
        p9.labs(
            # the dashes named only where some are drawn ("dashed: the winner changes" over a figure of none)
            x="compute C (FLOPs); dotted: the budget"
            + ("" if data.flips.empty else ", dashed: the winner changes"),
            y=f"predicted loss ({ranking.method})",
            color="dataset",
            title="Which dataset, across budgets? Predicted target loss (lower is better)",
            # wrapped and from the figure's left edge, as the ranking figure's: one long name in it made the
            # figure 12 in wide (probe h60)
            caption=_wrapped(caption),
        ),
        theme(),
        caption_from_left(),
    ]
    return cast("ggplot", fig)
