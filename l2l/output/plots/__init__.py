"""Figures of the paper as plotnine ``ggplot`` objects (one module per figure), and an atomic ``save_figure``.

- ``law_figure``        (Figures 9–10) fitted law as filled loss contours over compute C and model size N, the
                        compute-optimal N*(C) in red, the runs it was fitted on, held-out runs as stars;
- ``isoflop_figure``    (Figure 11) loss against N per compute budget, with the law's iso-FLOP curves and N*(C);
- ``translate_figure``  (Figures 1–4) target loss against source loss with the fitted shifted power laws,
                        dashed where they extrapolate, held-out pairs as stars;
- ``evaluate_figure``   (Table 1) relative error of every held-out prediction by each method;
- ``residuals_figure``  each run's residual from its fitted law, against N and against D (lack of fit);
- ``rank_figure``, ``rank_budget_figure``  (``l2l rank``) each dataset's prediction with its interval and P(best),
                        with the held-out runs where there are some; the predictions across budgets;
- ``accuracy_figure``   (Figure 7) accuracy against the task loss, with the accuracy laws and chance;
- ``fixed_d_figure``    the laws of fixed-D sweeps: loss against N at their one token count, with the runs and
                        the law's interval continued past them.

The builders are pure: they return a figure (and a ``*_figure_data`` of what it shows) and never print, draw or
write. plotnine, pandas and matplotlib are imported inside the functions, so importing this package (and
``l2l --help``) stays fast.
"""

from l2l.output.plots.accuracy import AccuracyFigureData, accuracy_figure, accuracy_figure_data
from l2l.output.plots.common import FIGURE_FORMATS, short_eval
from l2l.output.plots.evaluate import EvaluateFigureData, evaluate_figure, evaluate_figure_data
from l2l.output.plots.fixed import FixedFigureData, fixed_d_figure, fixed_d_figure_data
from l2l.output.plots.laws import (
    IsoflopFigureData,
    LawFigureData,
    isoflop_figure,
    isoflop_figure_data,
    law_figure,
    law_figure_data,
)
from l2l.output.plots.rank import (
    RankFigureData,
    held_out_runs,
    rank_budget_figure,
    rank_budget_figure_data,
    rank_figure,
    rank_figure_data,
)
from l2l.output.plots.residuals import ResidualsFigureData, residuals_figure, residuals_figure_data
from l2l.output.plots.save import SavedFigure, figure_size, save_figure, save_figure_noting
from l2l.output.plots.translate import TranslateFigureData, translate_figure, translate_figure_data

__all__ = [
    "FIGURE_FORMATS",
    "AccuracyFigureData",
    "EvaluateFigureData",
    "FixedFigureData",
    "IsoflopFigureData",
    "LawFigureData",
    "RankFigureData",
    "ResidualsFigureData",
    "SavedFigure",
    "TranslateFigureData",
    "accuracy_figure",
    "accuracy_figure_data",
    "evaluate_figure",
    "evaluate_figure_data",
    "figure_size",
    "fixed_d_figure",
    "fixed_d_figure_data",
    "held_out_runs",
    "isoflop_figure",
    "isoflop_figure_data",
    "law_figure",
    "law_figure_data",
    "rank_budget_figure",
    "rank_budget_figure_data",
    "rank_figure",
    "rank_figure_data",
    "residuals_figure",
    "residuals_figure_data",
    "save_figure",
    "save_figure_noting",
    "short_eval",
    "translate_figure",
    "translate_figure_data",
]
