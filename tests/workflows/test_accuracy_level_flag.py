"""An accuracy interval says what a loss interval says of itself (probe h2): ``calibrated`` and ``beyond_evidence``
beside ``lower_bound_only``; a law whose backtest errors are too few for the level is a lower bound saying so; and
``evaluate --accuracy --detail`` marks the lower bounds that ``predict --eval ACC`` marks."""

from __future__ import annotations

import numpy as np

from l2l.core.accuracy import AccuracyFit, fit_accuracy
from l2l.workflows.accuracy import AccuracyPrediction
from l2l.workflows.accuracy_eval import _l2l_made


def _prediction(**kw: object) -> AccuracyPrediction:
    base: dict[str, object] = {
        "eval": "hellaswag_acc",
        "dataset": "web",
        "N": 1e9,
        "D": 2e10,
        "C": 1.2e20,
        "input_eval": "hellaswag_loss",
        "own_loss": 2.59,
        "loss": 2.4,
        "loss_interval": (2.3, 2.5),
        "accuracy": 0.6,
        "accuracy_interval": (0.55, 0.65),
        "status": "ok",
        "reason": "",
        "extrapolates": False,
        "chance": 0.25,
        "pooled": True,
        "accuracy_method": "backtest",
    }
    return AccuracyPrediction(**{**base, **kw})  # type: ignore[arg-type]


def test_an_accuracy_row_says_calibrated_and_beyond_evidence_as_a_loss_row_does() -> None:
    calibrated = _prediction().to_dict()
    assert (calibrated["lower_bound_only"], calibrated["calibrated"], calibrated["beyond_evidence"]) == (
        False,
        True,
        False,
    )
    # the task loss beyond its backtests (its row: calibrated false): the accuracy is not calibrated either
    beyond = _prediction(loss_beyond_evidence=True).to_dict()
    assert (beyond["lower_bound_only"], beyond["calibrated"], beyond["beyond_evidence"]) == (
        False,
        False,
        True,
    )
    assert _prediction(accuracy_method="largest backtest").to_dict()["calibrated"] is False
    none = _prediction(accuracy=None, accuracy_interval=None, status="unpredictable").to_dict()
    assert (none["lower_bound_only"], none["calibrated"], none["beyond_evidence"]) == (None, None, None)


def test_too_few_backtest_errors_for_the_level_make_the_accuracy_a_lower_bound_saying_so() -> None:
    note = "the accuracy law's own error quantile comes from 6 backtest errors: … (the interval is a lower bound)"
    p = _prediction(level_note=note)
    d = p.to_dict()
    assert d["lower_bound_only"] is True
    assert d["calibrated"] is False
    assert note in d["notes"]
    assert "too few for a 90 % interval" in d["interval"]


def _law(n: int) -> AccuracyFit:
    rng = np.random.default_rng(1)
    x = np.linspace(2.2, 4.0, n)
    y = 0.25 + 0.75 / (1 + np.exp((x - 3.0) / 0.25)) + rng.normal(0, 0.01, n)
    return fit_accuracy(x, y, chance=0.25, order=-x)


def test_evaluate_marks_a_lower_bound_as_predict_does() -> None:
    run = ("acc", "web", "r1", 1e9, 2e10, 0.6)
    few, enough = _law(30), _law(60)  # 6 backtest errors (too few at 0.9), 12
    assert few.too_few_note(0.9)
    assert not enough.too_few_note(0.9)
    for kind, loss in (("measured", (3.0, 3.0, 3.0, False)), ("predicted", (3.0, 2.95, 3.05, False))):
        assert _l2l_made(run, kind, few, "web", loss, 0.9).lower_bound_only is True  # type: ignore[arg-type]
        assert _l2l_made(run, kind, enough, "web", loss, 0.9).lower_bound_only is False  # type: ignore[arg-type]
    # the predicted input loss's interval a lower bound: so is the accuracy's
    bound = _l2l_made(run, "predicted", enough, "web", (3.0, 2.95, 3.05, True), 0.9)
    assert bound.lower_bound_only is True
    assert bound.to_dict()["lower_bound_only"] is True
    # no interval, no flag
    assert _l2l_made(run, "predicted", enough, "web", None, 0.9).lower_bound_only is None
