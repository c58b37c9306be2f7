"""Table 1 as a figure: the relative error of every held-out prediction by each method, with its interval width
and coverage (``evaluate_figure``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from l2l.base.errors import UsageError
from l2l.output.plots.common import (
    ncol,
    ordered,
    plotnine,
    theme,
    use_agg,
)

if TYPE_CHECKING:
    import pandas as pd
    from plotnine import ggplot

    from l2l.workflows.evaluate import Evaluation


# ---------------------------------------------------------------------------------------------------------------
# Table 1: held-out prediction errors
# ---------------------------------------------------------------------------------------------------------------

#: The methods the Table 1 figure compares: the law as fitted, the same law corrected by the bias its sweep's
#: backtests measured (the centre of its predictive interval; drawn only in settings where a correction applies),
#: and translation.
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


def _corrects(evaluation: Evaluation) -> set[str]:
    """The settings where the bias correction changed some prediction (own losses: train-to-train); elsewhere the
    corrected law is the law itself, and the figure shows it once."""
    out: set[str] = set()
    for p in evaluation.predictions:
        c, i = p.independent_corrected, p.independent
        if c is not None and i is not None and abs(c - i) > 1e-9 * abs(i):
            out.add(p.setting)
    return out


def _interval_widths(evaluation: Evaluation, corrected: set[str]) -> pd.DataFrame:
    """Per setting and method: the median half-width of the predictive intervals (percent), their coverage and
    whether they are only a lower bound (not backtested). The law's interval is centred on the corrected law
    where a correction applies, else on the law itself."""
    import pandas as pd

    widths: dict[str, list[Any]] = {
        "setting": [],
        "method": [],
        "half_width": [],
        "coverage": [],
        "lower": [],
    }
    for s in evaluation.summary:
        for method, key in _INTERVAL_OF.items():
            hw, cov = s.half_width.get(key), s.coverage.get(key)
            if hw is None or cov is None or not math.isfinite(hw):
                continue
            if method == "corrected" and s.setting not in corrected:
                method = "independent"
            widths["setting"].append(s.setting)
            widths["method"].append(method)
            widths["half_width"].append(100.0 * hw)
            widths["coverage"].append(100.0 * cov)
            widths["lower"].append(bool(s.lower_bound.get(key)))
    return pd.DataFrame(widths)


def _strip(setting: str, n: int, widths: pd.DataFrame) -> str:
    """A panel's title: the setting, how many predictions, and how many held-out values each method's intervals
    covered (``*``: a lower bound, not backtested)."""
    rows = widths[widths["setting"] == setting] if not widths.empty else widths
    cover = [
        f"{_SHORT[m]} {c:.0f}%{'*' if low else ''}"
        for m, c, low in zip(
            rows.get("method", []), rows.get("coverage", []), rows.get("lower", []), strict=True
        )
    ]
    return f"{setting} (n = {n})" + (f"\ncovered: {', '.join(cover)}" if cover else "")


#: Each method in a panel's title as the x axis names it ("l2l" there read as the program or Eq. 3, p57).
_SHORT = {m: m for m in METHODS}


def evaluate_figure_data(evaluation: Evaluation) -> EvaluateFigureData:
    """The data of ``evaluate_figure``, computed apart from its drawing."""
    import pandas as pd

    from l2l.workflows.evaluate import SETTINGS

    corrected = _corrects(evaluation)
    rows: dict[str, list[Any]] = {"setting": [], "method": [], "error": []}
    for p in evaluation.predictions:
        c = p.independent_corrected if p.setting in corrected else None
        err_corrected = None if c is None else abs(c - p.actual) / p.actual
        for method, err in zip(
            METHODS, (p.error_independent, err_corrected, p.error_loss_to_loss), strict=True
        ):
            if err is not None and math.isfinite(err):
                rows["setting"].append(p.setting)
                rows["method"].append(method)
                rows["error"].append(100.0 * err)
    if not rows["error"]:
        raise UsageError(
            "the evaluation made no held-out loss predictions: nothing to draw (l2l evaluate's tables say why; "
            "an accuracy setting is in the tables, not drawn)"
        )
    points = pd.DataFrame(rows)
    means: dict[str, list[Any]] = {"setting": [], "method": [], "error": [], "label": []}
    for s in evaluation.summary:
        mean_errors = (
            s.mean_error_independent,
            s.mean_error_independent_corrected if s.setting in corrected else None,
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
    width_df = _interval_widths(evaluation, corrected)
    facet_names = {s: _strip(s, counts.get(s, 0), width_df) for s in present}
    mean_df = mean_df[mean_df["setting"].isin(present)]
    if not width_df.empty:
        width_df = width_df[width_df["setting"].isin(present)]
    frames = (points, mean_df, width_df) if not width_df.empty else (points, mean_df)
    for df in frames:
        df["setting"] = ordered([facet_names[s] for s in df["setting"]], [facet_names[s] for s in present])
        df["method"] = ordered(df["method"], METHODS)
    return EvaluateFigureData(
        points, mean_df, [facet_names[s] for s in present], width_df if not width_df.empty else None
    )


def evaluate_figure(evaluation: Evaluation) -> ggplot:
    """Table 1 at a glance: one panel per setting (train-to-train, -test, -downstream), the relative error of every
    held-out prediction by each method (independent scaling law vs loss-to-loss) as jittered points, the mean of
    the predictions both methods made marked by a diamond and its value. Errors in percent."""
    use_agg()
    p9 = plotnine()
    data = evaluate_figure_data(evaluation)
    points, mean_df, present = data.points, data.means, data.panels
    colours = ["#7f7f7f", "#2ca02c", "#1f77b4"]
    fig = p9.ggplot(points, p9.aes(x="method", y="error", color="method"))
    fig += p9.geom_jitter(width=0.18, height=0, size=1.3, alpha=0.45, random_state=1)
    if not mean_df.empty:
        fig += [
            p9.geom_point(data=mean_df, shape="D", size=3.6, fill="white", stroke=1.4),
            p9.geom_label(  # on a white box: readable over the next method's points
                p9.aes(label="label"),
                data=mean_df,
                nudge_x=0.27,
                size=8,
                ha="left",
                color="black",
                fontweight="bold",
                fill="white",
                label_size=0,
                label_padding=0.12,
            ),
        ]
    caption = "points: one held-out loss each; ◇ and value: mean over the predictions every method made"
    if data.intervals is not None:
        level = next((s.level for s in evaluation.summary if s.level is not None), 0.9)
        fig += p9.geom_errorbar(
            p9.aes(x="method", ymin=0, ymax="half_width", color="method"),
            data=data.intervals,
            inherit_aes=False,
            width=0.5,
            linetype="dashed",
            size=0.6,
        )
        # the "*" explained only where some panel's title carries one (probe h60: always, even with none drawn)
        starred = bool(data.intervals["lower"].any()) if "lower" in data.intervals else False
        caption += (
            f"\ndashed bar: median half-width of the {100 * level:.0f}% predictive intervals; covered: the share "
            "of held-out values inside them" + (" (*: not backtested, a lower bound)" if starred else "")
        )
    fig += [
        p9.facet_wrap("setting", ncol=ncol(len(present)), scales="free"),  # a panel shows its own methods
        p9.scale_color_manual(values=colours, breaks=list(METHODS)),
        p9.scale_x_discrete(expand=(0, 0.5, 0, 0.8)),
        p9.scale_y_continuous(labels=lambda vs: [f"{v:g}%" for v in vs]),
        p9.labs(
            x="",
            y="relative error |predicted − actual| / actual",
            title=f"Held-out predictions ({evaluation.holdout}): relative error",
            caption=caption,
        ),
        theme(),
        p9.theme(legend_position="none"),
    ]
    return cast("ggplot", fig)
