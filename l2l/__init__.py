"""l2l: scaling laws and loss-to-loss predictions from tables of language-model training runs.

The library in one import (``import l2l``)::

    runs = l2l.read_runs(["runs.csv"])
    fits = l2l.fit_laws(runs, split="sweep").fits
    table6 = l2l.translate(runs, src="fineweb-edu", tgts=["all"], split="sweep")
    table1 = l2l.evaluate(runs)

Importing ``l2l`` itself is cheap: each name below loads its module (and numpy, polars, scipy) on first use.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name → the module that defines it
_API: dict[str, str] = {
    "Runs": "l2l.runs",
    "read_runs": "l2l.tables",
    "Workspace": "l2l.workspace",
    "load_runs": "l2l.workspace",
    "FitCache": "l2l.fit",
    "FitOptions": "l2l.fit",
    "LawFit": "l2l.fit",
    "fit_law": "l2l.fit",
    "fit_laws": "l2l.fit",
    "bootstrap_law": "l2l.fit",
    "ScalingLaw": "l2l.laws",
    "LossToLoss": "l2l.translate",
    "fit_loss_to_loss": "l2l.translate",
    "translate": "l2l.translate",
    "predict_via": "l2l.translate",
    "predict": "l2l.predict",
    "optimal": "l2l.predict",
    "evaluate": "l2l.evaluate",
    "predict_sources": "l2l.predict",
    "calibrate": "l2l.calibrate",
    "CalibrationCache": "l2l.calibrate",
    "rank_runs": "l2l.choose",
    "rank_backtest": "l2l.choose",
    "fit_accuracy_laws": "l2l.accuracy_runs",
    "predict_accuracy": "l2l.accuracy_runs",
    "evaluate_accuracy": "l2l.accuracy_eval",
    "L2LError": "l2l.errors",
}

__all__ = [
    "CalibrationCache",
    "FitCache",
    "FitOptions",
    "L2LError",
    "LawFit",
    "LossToLoss",
    "Runs",
    "ScalingLaw",
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
    "translate",
]

if TYPE_CHECKING:
    from l2l.accuracy_eval import evaluate_accuracy
    from l2l.accuracy_runs import fit_accuracy_laws, predict_accuracy
    from l2l.calibrate import CalibrationCache, calibrate
    from l2l.choose import rank_backtest, rank_runs
    from l2l.errors import L2LError
    from l2l.evaluate import evaluate
    from l2l.fit import FitCache, FitOptions, LawFit, bootstrap_law, fit_law, fit_laws
    from l2l.laws import ScalingLaw
    from l2l.predict import optimal, predict, predict_sources
    from l2l.runs import Runs
    from l2l.tables import read_runs
    from l2l.translate import LossToLoss, fit_loss_to_loss, predict_via, translate
    from l2l.workspace import Workspace, load_runs


class _Package(ModuleType):
    """``l2l`` itself. Three public functions share their module's name (``l2l.translate``, ``l2l.predict``,
    ``l2l.evaluate``); importing such a module would make Python bind the module over the function, so the
    package keeps the function (the module stays in ``sys.modules`` for ``from l2l.translate import ...``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, ModuleType) and name in _API and _API[name] == f"l2l.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'l2l' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
