"""What one predicted accuracy says of itself (``AccuracyPrediction``): its interval's kind, in JSON and tables."""

from __future__ import annotations

from l2l.workflows.accuracy import AccuracyPrediction


def _prediction(**kw: object) -> AccuracyPrediction:
    base: dict[str, object] = {
        "eval": "winogrande",
        "dataset": "web",
        "N": 1e9,
        "D": 2e10,
        "C": 1.2e20,
        "input_eval": "winogrande",
        "own_loss": 2.59,
        "loss": None,
        "loss_interval": None,
        "accuracy": None,
        "accuracy_interval": None,
        "status": "unpredictable",
        "reason": "accuracy does not rise significantly as the loss falls across the sweep",
        "extrapolates": False,
        "chance": 0.5,
        "pooled": None,
    }
    return AccuracyPrediction(**{**base, **kw})  # type: ignore[arg-type]


def test_an_unpredictable_accuracy_is_no_lower_bound() -> None:
    """A probe's unpredictable winogrande row said `lower bound: yes` beside no interval (JSON true): with no
    interval there is nothing to bound, and the status says why."""
    unpredictable = _prediction()
    assert unpredictable.lower_bound_only is None
    assert unpredictable.to_dict()["lower_bound_only"] is None
    uncalibrated = _prediction(
        accuracy=0.6, accuracy_interval=(0.55, 0.65), status="ok", reason="", accuracy_method="residual"
    )
    assert uncalibrated.lower_bound_only is True
