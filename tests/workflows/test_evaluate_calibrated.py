"""``evaluate`` says of an interval what ``predict`` says of it: probe h32's broken-law table had two task-loss
predictions at 3× the sweep's compute that ``predict`` called ``calibrated: false`` (the model 4.8× above the law's
compute-optimal size, where the error model was learned within 3×); ``evaluate --detail`` printed the same
intervals as backtested, with no note, and counted them among the backtested in its coverage table."""

from __future__ import annotations

from l2l.core.predictive import PredictiveInterval
from l2l.workflows.evaluate import HeldOutPrediction, _interval_stats

OFF_OPTIMUM = (
    "the model size is 4.83× above the compute-optimal one; the error model was learned on runs within 3×"
)


def _pi(notes: tuple[str, ...] = ()) -> PredictiveInterval:
    return PredictiveInterval(2.66, 2.64, 2.68, 0.9, 0.5, "backtest:direct", False, 2.66, None, notes)


def _row(pi: PredictiveInterval) -> HeldOutPrediction:
    bare = HeldOutPrediction("train-to-test", "web", "web", "task", 3e9, 6e10, 2.69, 2.66, None, 2.5)
    return bare.with_intervals(None, pi, None, None)


def test_an_interval_beyond_the_backtests_evidence_is_said_not_calibrated_with_predicts_words() -> None:
    row = _row(_pi((OFF_OPTIMUM,))).to_dict()
    assert row["independent_lower_bound"] is False
    assert row["independent_calibrated"] is False
    assert OFF_OPTIMUM in row["notes"]
    inside = _row(_pi()).to_dict()
    assert inside["independent_calibrated"] is True
    assert inside["notes"] == []


def test_the_coverage_table_counts_such_intervals_among_those_not_backtested() -> None:
    _, _, low, share = _interval_stats([_row(_pi((OFF_OPTIMUM,))), _row(_pi())])
    assert low["independent"] is True
    assert share["independent"] == 0.5
