"""Per-command report builders: each takes the library's typed results and arranges them as ``Report`` rows, the
answer first, with a one-line summary in words. No data work happens here (no fitting, no aggregation of a run
table): the numbers come from the library, the layout from ``l2l.output.render``.

One module per command group: ``data`` (ingest, runs), ``laws`` (fit-law, predict, optimal), ``translation``
(translate, predict --via, evaluate), ``accuracy`` (fit-accuracy, predict --eval ACC, evaluate --accuracy),
``ranking`` (rank and its backtest).

Imported lazily (a command loads only its own group's module: `l2l ingest` loaded every report's
workflows and the fitting core with them).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: public name → the module that defines it
_REPORTS: dict[str, str] = {
    "accuracy_evaluation_report": "l2l.output.reports.accuracy",
    "accuracy_fits_report": "l2l.output.reports.accuracy",
    "accuracy_predictions_report": "l2l.output.reports.accuracy",
    "accuracy_runs_report": "l2l.output.reports.data",
    "allocations_report": "l2l.output.reports.laws",
    "evaluation_report": "l2l.output.reports.translation",
    "fits_report": "l2l.output.reports.laws",
    "ingest_report": "l2l.output.reports.data",
    "inventory_report": "l2l.output.reports.data",
    "law_file_predictions_report": "l2l.output.reports.laws",
    "predictions_report": "l2l.output.reports.laws",
    "rank_backtest_report": "l2l.output.reports.ranking",
    "ranking_report": "l2l.output.reports.ranking",
    "residuals_report": "l2l.output.reports.laws",
    "runs_report": "l2l.output.reports.data",
    "translations_report": "l2l.output.reports.translation",
    "via_report": "l2l.output.reports.translation",
    "with_residuals": "l2l.output.reports.laws",
}

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

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in _REPORTS:
        value = getattr(import_module(_REPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'l2l.output.reports' has no attribute {name!r}")
