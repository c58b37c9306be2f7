"""Where the datasets count FLOPs per parameter and token apart from the table's one constant, every answer at a
budget in compute says so (ingest warned once; `optimal` put a dataset counting C ≈ 6.1·N·D at D* 33B in the
table's 7.99 without a word, its own count's 40.4B; p68)."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl

from l2l.workflows.predict import optimal
from l2l.workflows.rank import rank_runs

OTHERWISE = "count FLOPs otherwise"


def _beta_counts_eight(runs: Any) -> Any:
    frame = runs.frame.with_columns(
        pl.when(pl.col("dataset") == "beta").then(pl.col("C") * 8 / 6).otherwise(pl.col("C")).alias("C")
    )
    return dataclasses.replace(runs, frame=frame)


def test_optimal_and_rank_at_a_budget_say_which_datasets_count_flops_otherwise(synthetic_runs: Any) -> None:
    runs = _beta_counts_eight(synthetic_runs)
    top = float(runs.frame["C"].max())
    allocations = optimal(runs, C=[4 * top], datasets=["alpha", "beta"])
    (said,) = [n for n in allocations.notes if OTHERWISE in n]
    assert "beta ≈ 8·N·D" in said
    assert "alpha" not in said  # alpha counts as the table's median does
    ranking = rank_runs(runs, ["own"], C=4 * top, datasets=["alpha", "beta"], draws=100)
    assert any(OTHERWISE in w and "beta" in w for w in ranking.warnings)


def test_one_count_across_the_datasets_says_nothing(synthetic_runs: Any) -> None:
    top = float(synthetic_runs.frame["C"].max())
    allocations = optimal(synthetic_runs, C=[4 * top], datasets=["alpha", "beta"])
    assert not any(OTHERWISE in n for n in allocations.notes)
