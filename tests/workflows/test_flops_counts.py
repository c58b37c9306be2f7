"""Where the datasets count FLOPs per parameter and token apart from the table's one constant, every answer at a
budget in compute says so (ingest warned once; `optimal` put a dataset counting C ≈ 6.1·N·D at D* 33B in the
table's 7.99 without a word, its own count's 40.4B; p68). So does N read as a mixture of experts' total parameters
beside an unused column of its active ones, as ingest noted (h86: `optimal` gave N* 10.9B in the total count, its
budget in 6·N_total·D, without a word)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import polars as pl

from l2l.io.tables import read_runs
from l2l.workflows.predict import optimal
from l2l.workflows.rank import rank_runs
from l2l.workflows.translate import translate

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


# ---- N a mixture of experts' total parameters ---------------------------------------------------------------

TOTAL = "a mixture of experts' total parameters"


def _read_moe(tmp_path: Path, n_column: str) -> Any:
    """The provenance of a mixture of experts' table read with N = ``n_column`` (its total or active count)."""
    rows = ["dataset,total_params,active_params,tokens,eval,loss"]
    rows += [f"web,{8 * n:g},{n:g},{20 * n:g},web_val,{3.2 - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8))]
    path = tmp_path / "moe.csv"
    path.write_text("\n".join(rows) + "\n")
    return read_runs([path], columns={"N": n_column})


def test_a_budget_on_total_parameters_says_so_as_ingest_did(synthetic_runs: Any, tmp_path: Path) -> None:
    # the synthetic runs (their fits kept) with the provenance of an ingest that took N from total_params beside an
    # unused active_params: h86's optimal put N* at 10.9B in the total count without a word
    runs = dataclasses.replace(synthetic_runs, provenance=_read_moe(tmp_path, "total_params").provenance)
    said = runs.total_params_warning()
    assert said == (
        "N is column 'total_params', a mixture of experts' total parameters (ingest: column 'active_params' counts "
        "the active ones): every budget C = 6·N·D here counts all the experts' parameters, not the FLOPs a token "
        "costs (≈ 6·N_active·D, fewer), and N* is a total count (ingest with --column N=active_params for budgets "
        "in compute)"
    )
    top = float(runs.frame["C"].max())
    allocations = optimal(runs, C=[4 * top], datasets=["alpha", "beta"])
    assert said in allocations.notes
    ranking = rank_runs(runs, ["own"], C=4 * top, datasets=["alpha", "beta"], draws=100)
    assert said in ranking.warnings
    assert said in translate(runs, src="alpha", tgts=["beta"], C=4 * top).notes
    # (no budget given: N* at the largest C measured, no budget read in a count)
    assert said not in translate(runs, src="alpha", tgts=["beta"]).notes


def test_n_on_the_active_count_says_nothing_of_total_parameters(synthetic_runs: Any, tmp_path: Path) -> None:
    runs = dataclasses.replace(synthetic_runs, provenance=_read_moe(tmp_path, "active_params").provenance)
    assert runs.total_params_warning() is None
    top = float(runs.frame["C"].max())
    assert not any(TOTAL in n for n in optimal(runs, C=[4 * top], datasets=["alpha", "beta"]).notes)
