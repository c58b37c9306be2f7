"""The figure of ``l2l rank``: each candidate dataset's predicted target loss with its interval, best at the top.

One panel per target: the ranking method's prediction (a point coloured by P(best)) and its interval, beside the
other methods' point predictions and the loss measured at the dataset's largest sweep budget; the caption says who
leads, whether the top is a tie and where within a decade of the budget the predicted winner changes. Pure: the
builders return a plotnine figure; ``l2l.output.plots.save_figure`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from l2l.base.errors import UsageError
from l2l.output.plots.common import plotnine, qualitative, short_eval, theme, use_agg

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.core.ranking import Ranking

__all__ = [
    "RankFigureData",
    "rank_budget_figure",
    "rank_budget_figure_data",
    "rank_figure",
    "rank_figure_data",
]

MARKERS = {"measured, top budget": "o", "independent": "^", "translation": "s"}
MEASURED = next(iter(MARKERS))


@dataclass(frozen=True, eq=False)
class RankFigureData:
    """What the figure shows: ``ranked`` (one row per ranked dataset and target: value, lo, hi, p_best), ``others``
    (the other methods' and the measured values), ``panels`` in drawing order and the caption lines."""

    ranked: pd.DataFrame
    others: pd.DataFrame
    panels: list[str]
    caption: str


def _sci(x: float) -> str:
    mant, _, exp = f"{x:.2g}".partition("e")
    return f"{mant}e{int(exp)}" if exp else mant


def _budget(ranking: Ranking) -> str:
    b = ranking.budget
    if b.C is not None:
        return f"C = {_sci(b.C)}"
    return f"N = {_sci(float(b.N or 0))}, D = {_sci(float(b.D or 0))}"


def _caption(ranking: Ranking) -> str:

    lines = []
    for t in ranking.targets:
        name = short_eval(t.target)
        if t.leader is None:
            lines.append(f"{name}: nothing could be ranked")
            continue
        head = f"TIE among {', '.join(t.contenders)}" if t.tie else f"best: {t.leader}"
        flips = "; ".join(f"winner {f.before} → {f.after} at C ≈ {_sci(f.C)}" for f in t.flips)
        if not flips and ranking.budget.C is not None:
            flips = f"same winner from {_sci(ranking.budget.C / 10)} to {_sci(ranking.budget.C * 10)}"
        failed = [f"{r.dataset} (not ranked)" for r in t.rows if r.status == "failed"]
        lines.append(
            f"{name}: {head}" + (f"; {flips}" if flips else "") + (f"; {', '.join(failed)}" if failed else "")
        )
    return "\n".join(lines)


def rank_figure_data(ranking: Ranking) -> RankFigureData:
    """The data of ``rank_figure``, computed apart from its drawing."""
    import pandas as pd

    ranked: dict[str, list[Any]] = {"panel": [], "dataset": [], "value": [], "lo": [], "hi": [], "p_best": []}
    others: dict[str, list[Any]] = {"panel": [], "dataset": [], "value": [], "what": []}
    order: list[str] = []
    panels: list[str] = []
    for t in ranking.targets:
        panel = short_eval(t.target)
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
            ranked["p_best"].append(r.p_best)
            for what, v in (
                (MEASURED, r.measured_top),
                ("independent", r.independent),
                ("translation", r.translation),
            ):
                if v is not None:
                    others["panel"].append(panel)
                    others["dataset"].append(r.dataset)
                    others["value"].append(v)
                    others["what"].append(what)
    if not ranked["value"]:
        raise UsageError("no dataset could be ranked: nothing to draw")
    # best (by the first target, or the combined ranking) at the top of the flipped axis
    first = [r.dataset for r in ranking.combined if r.status == "ok"] or list(dict.fromkeys(order))
    levels = list(reversed(list(dict.fromkeys([*first, *order]))))
    rdf, odf = pd.DataFrame(ranked), pd.DataFrame(others)
    for df in (rdf, odf):
        df["dataset"] = pd.Categorical(df["dataset"], categories=levels, ordered=True)
        df["panel"] = pd.Categorical(df["panel"], categories=panels, ordered=True)
    if not odf.empty:
        odf["what"] = pd.Categorical(odf["what"], categories=list(MARKERS), ordered=True)
    return RankFigureData(rdf, odf, panels, _caption(ranking))


def rank_figure(ranking: Ranking) -> ggplot:
    """Predicted target loss per dataset with the ranking method's interval (best at the top, one panel per
    target), the other methods and the measured top-budget loss as small markers, P(best) as the colour."""

    use_agg()
    p9 = plotnine()
    data = rank_figure_data(ranking)
    fig = (
        p9.ggplot(data.ranked, p9.aes(x="dataset", y="value"))
        + p9.geom_errorbar(p9.aes(ymin="lo", ymax="hi"), width=0.25, color="#555555")
        + p9.geom_point(p9.aes(fill="p_best"), size=3.6, shape="o", stroke=0.6)
    )
    if not data.others.empty:
        fig = fig + p9.geom_point(
            p9.aes(shape="what"),
            data=data.others,
            size=1.8,
            color="#333333",
            fill="none",
            position=p9.position_nudge(x=0.28),
        )
    fig = (
        fig
        + p9.coord_flip()
        + p9.facet_wrap("panel", scales="free_x", ncol=min(3, len(data.panels)))
        + p9.scale_fill_cmap("viridis", limits=(0, 1), name="P(best)")
        + p9.scale_shape_manual(values=MARKERS)
        + p9.labs(
            x="",
            y=f"predicted loss ({ranking.method}; bars: {ranking.level:.0%} interval)",
            title=f"Which dataset? Predicted target loss at {_budget(ranking)} (lower is better)",
            caption=data.caption,
            shape="",
        )
        + theme()
        + p9.theme(plot_caption=p9.element_text(size=8, color="#555555", ha="left"))
    )
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
    """The data of ``rank_budget_figure``: each target's point predictions across the scanned budgets."""
    import pandas as pd

    rows: dict[str, list[Any]] = {"panel": [], "dataset": [], "C": [], "value": []}
    flips: dict[str, list[Any]] = {"panel": [], "C": []}
    panels: list[str] = []
    for t in ranking.targets:
        if not t.curve:
            continue
        panel = short_eval(t.target)
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
    n = len(data.curves["dataset"].cat.categories)
    fig = (
        p9.ggplot(data.curves, p9.aes(x="C", y="value", color="dataset"))
        + p9.geom_line(size=0.9)
        + p9.geom_vline(p9.aes(xintercept="C"), data=data.budget, linetype="dotted", color="#555555")
    )
    if not data.flips.empty:
        fig = fig + p9.geom_vline(p9.aes(xintercept="C"), data=data.flips, linetype="dashed", color="#d62728")
    fig = (
        fig
        + p9.facet_wrap("panel", scales="free_y", ncol=min(3, len(data.panels)))
        + p9.scale_x_log10()
        + p9.scale_color_manual(values=qualitative(n))
        + p9.labs(
            x="compute C (FLOPs); dotted: the budget, dashed: the winner changes",
            y=f"predicted loss ({ranking.method})",
            color="dataset",
            title="Which dataset, across budgets? Predicted target loss (lower is better)",
            caption=data.caption,
        )
        + theme()
        + p9.theme(plot_caption=p9.element_text(size=8, color="#555555", ha="left"))
    )
    return cast("ggplot", fig)
