"""The accuracy baseline of ``evaluate --accuracy``: the run at the largest budget with the lowest own loss."""

from __future__ import annotations

import polars as pl


def test_the_baseline_takes_the_best_run_of_the_top_budget_when_c_jitters() -> None:
    """An isoFLOP grid with no C column: C = 6·N·D from sizes rounded to 6 digits differs in its last digits
    between the runs of one budget, and the baseline kept the run whose C happened to be largest (probe h2: the
    161M run at 1e19, accuracy 0.562, for the lowest-loss 228M run's 0.625)."""
    from l2l.workflows.accuracy import AccuracyData
    from l2l.workflows.accuracy_eval import _baseline

    N = [1.14109e8, 1.61374e8, 2.28218e8, 3.22749e8, 1e7, 2e7]
    D = [1.46059e10, 1.0328e10, 7.30297e9, 5.16398e9, 1e9, 5e8]
    frame = pl.DataFrame(
        {
            "dataset": ["a"] * 6,
            "N": N,
            "D": D,
            "C": [6 * n * d for n, d in zip(N, D, strict=True)],
            "run_id": [f"r{i}" for i in range(6)],
            "split": ["sweep"] * 6,
            "accuracy": [0.49, 0.56, 0.63, 0.66, 0.30, 0.31],
            "x": [2.83, 2.72, 2.64, 2.65, 3.9, 3.95],
        }
    )
    assert frame["C"].arg_max() == 1  # the 161M run's C is the largest of the 1e19 budget, by rounding alone
    data = AccuracyData(eval="hs_acc", input_loss="own", input_eval="own", frame=frame, n_runs=6)
    assert _baseline(data) == {"a": 0.63}
