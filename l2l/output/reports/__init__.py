"""Per-command report builders: each takes the library's typed results and arranges them as ``Report`` rows, the
answer first, with a one-line summary in words. No data work happens here (no fitting, no aggregation of a run
table): the numbers come from the library, the layout from ``l2l.output.render``.

One module per command group: ``data`` (ingest, runs), ``laws`` (fit-law, predict, optimal), ``translation``
(translate, predict --via, evaluate), ``accuracy`` (fit-accuracy, predict --eval ACC, evaluate --accuracy),
``ranking`` (rank and its backtest).
"""

from l2l.output.reports.accuracy import (
    accuracy_evaluation_report,
    accuracy_fits_report,
    accuracy_predictions_report,
)
from l2l.output.reports.data import accuracy_runs_report, ingest_report, inventory_report, runs_report
from l2l.output.reports.laws import (
    allocations_report,
    fits_report,
    law_file_predictions_report,
    predictions_report,
    residuals_report,
    with_residuals,
)
from l2l.output.reports.ranking import rank_backtest_report, ranking_report
from l2l.output.reports.translation import evaluation_report, translations_report, via_report

__all__ = [
    "accuracy_evaluation_report",
    "accuracy_fits_report",
    "accuracy_predictions_report",
    "accuracy_runs_report",
    "allocations_report",
    "evaluation_report",
    "fits_report",
    "ingest_report",
    "inventory_report",
    "law_file_predictions_report",
    "predictions_report",
    "rank_backtest_report",
    "ranking_report",
    "residuals_report",
    "runs_report",
    "translations_report",
    "via_report",
    "with_residuals",
]
