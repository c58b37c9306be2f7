"""l2l: scaling laws and loss-to-loss predictions from tables of language-model training runs.

The library in one import (``import l2l``)::

    runs = l2l.read_runs(["runs.csv"])
    fits = l2l.fit_laws(runs, split="sweep").fits
    table6 = l2l.translate(runs, src="fineweb-edu", tgts=["all"], split="sweep")
    table1 = l2l.evaluate(runs)
    pred = l2l.predict(runs, datasets=["fineweb-edu"], N=[3.3e9], D=[5e10], split="sweep")  # what `l2l predict` prints
    pred.to_polars()  # loss, loss_lo, loss_hi, ... as a DataFrame (so do table1, fits, translations)

Importing ``l2l`` itself is cheap: each name below loads its module (and numpy, polars, scipy) on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from l2l.base.version import __version__

#: public name → the module that defines it
_API: dict[str, str] = {
    "Runs": "l2l.base.runs",
    "read_runs": "l2l.io.tables",
    "Workspace": "l2l.io.workspace",
    "load_runs": "l2l.io.workspace",
    "FitCache": "l2l.core.fit",
    "FitOptions": "l2l.core.fit",
    "LawFit": "l2l.core.fit",
    "fit_law": "l2l.core.fit",
    "fit_laws": "l2l.workflows.lawbook",
    "bootstrap_law": "l2l.core.fit",
    "ScalingLaw": "l2l.core.laws",
    "LossToLoss": "l2l.workflows.translate",
    "fit_loss_to_loss": "l2l.workflows.translate",
    "translate": "l2l.workflows.translate",
    "predict_via": "l2l.workflows.via",
    "predict": "l2l.workflows.predict",
    "optimal": "l2l.workflows.predict",
    "evaluate": "l2l.workflows.evaluate",
    "predict_sources": "l2l.workflows.via",
    "calibrate": "l2l.core.calibrate",
    "CalibrationCache": "l2l.core.calibrate",
    "rank_runs": "l2l.workflows.rank",
    "rank_backtest": "l2l.workflows.rank_eval",
    "fit_accuracy_laws": "l2l.workflows.accuracy",
    "predict_accuracy": "l2l.workflows.accuracy",
    "evaluate_accuracy": "l2l.workflows.accuracy_eval",
    "L2LError": "l2l.base.errors",
    "FitError": "l2l.base.errors",
    "InputError": "l2l.base.errors",
    "SelectionError": "l2l.base.errors",
    "UsageError": "l2l.base.errors",
    "Results": "l2l.workflows.results",
    "to_polars": "l2l.workflows.results",
}

__all__ = [
    "CalibrationCache",
    "FitCache",
    "FitError",
    "FitOptions",
    "InputError",
    "L2LError",
    "LawFit",
    "LossToLoss",
    "Results",
    "Runs",
    "ScalingLaw",
    "SelectionError",
    "UsageError",
    "Workspace",
    "__version__",
    "bootstrap_law",
    "calibrate",
    "evaluate",
    "evaluate_accuracy",
    "fit_accuracy_laws",
    "fit_law",
    "fit_laws",
    "fit_loss_to_loss",
    "load_runs",
    "optimal",
    "predict",
    "predict_accuracy",
    "predict_sources",
    "predict_via",
    "rank_backtest",
    "rank_runs",
    "read_runs",
    "to_polars",
    "translate",
]

if TYPE_CHECKING:
    from l2l.base.errors import FitError, InputError, L2LError, SelectionError, UsageError
    from l2l.base.runs import Runs
    from l2l.core.calibrate import CalibrationCache, calibrate
    from l2l.core.fit import FitCache, FitOptions, LawFit, bootstrap_law, fit_law
    from l2l.core.laws import ScalingLaw
    from l2l.io.tables import read_runs
    from l2l.io.workspace import Workspace, load_runs
    from l2l.workflows.accuracy import fit_accuracy_laws, predict_accuracy
    from l2l.workflows.accuracy_eval import evaluate_accuracy
    from l2l.workflows.evaluate import evaluate
    from l2l.workflows.lawbook import fit_laws
    from l2l.workflows.predict import optimal, predict
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.rank_eval import rank_backtest
    from l2l.workflows.results import Results, to_polars
    from l2l.workflows.translate import LossToLoss, fit_loss_to_loss, translate
    from l2l.workflows.via import predict_sources, predict_via


#: The layers, imported on first use too (``l2l.core.fit.default_workers()`` after a bare ``import l2l``).
_LAYERS = frozenset({"base", "core", "io", "workflows", "output", "testing", "cli"})


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    if name in _LAYERS:
        return import_module(f"l2l.{name}")
    raise AttributeError(f"module 'l2l' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
