"""Four of Porian et al.'s training configurations (RefinedWeb) ranked and optimised at their own largest budget,
C = 2.56e19, where every configuration measured its iso-FLOP profile (probe p57)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

PUBLIC = next(
    (
        p / "shared" / "data" / "public"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/public").is_dir()
    ),
    None,
)
CONFIGS = {
    "base|warmup=long|decay=kaplan|params=standard": "long_kaplan",
    "base|warmup=short|decay=chinchilla|params=standard": "short_chinchilla",
    "base|warmup=short|decay=kaplan|params=standard": "short_kaplan",
    "tuned|warmup=short|decay=const|params=standard": "tuned_const",
}


@pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")
def test_configurations_at_their_own_largest_budget_follow_what_they_measured(
    run: Any, tmp_path: Path
) -> None:
    """Eq. 2 won the group and put short_chinchilla (E = 2.58 in Eq. 3) at N* = 1.18B where its runs' minimum lies
    at 580M; and a poor law's disagreement made its measured 0.118-nat lead "a TIE" at P(best) 0.79."""
    assert PUBLIC is not None
    table = tmp_path / "por_cfg.csv"
    (
        pl.read_csv(PUBLIC / "porian2024_rsld.csv")
        .filter((pl.col("dataset") == "rw") & (pl.col("eval") == "rw_val"))
        .filter(pl.col("config").is_in(list(CONFIGS)))
        .with_columns(pl.col("config").replace_strict(CONFIGS).alias("dataset"))
        .drop("config", "source_file")
        .write_csv(table)
    )
    assert run("ingest", table).exit_code == 0
    forms = {r["dataset"]: r["form"] for r in json.loads(run("fit-law", "-f", "json").stdout)["rows"]}
    assert forms == {
        "long_kaplan": "kaplan",  # its Eq. 3 fit ends with E at the bound: no irreducible loss to keep
        "short_chinchilla": "l2l",
        # the group's runs leave E unpinned and Eq. 2 backtests at 2.29 % against Eq. 3's 5.20 % (Eq. 2 backtested
        # wherever E is unpinned, probe p67): short_kaplan keeps the group's Eq. 2, flagged poor (its largest runs
        # 4.3 % above it); short_chinchilla and tuned_const show an E and take Eq. 3
        "short_kaplan": "kaplan",
        "tuned_const": "l2l",
    }
    optimal = {
        r["dataset"]: r for r in json.loads(run("optimal", "--C", "2.56e19", "-f", "json").stdout)["rows"]
    }
    assert 5.5e8 < optimal["short_chinchilla"]["N_opt"] < 6.2e8  # the runs' minimum: 580M
    ranked = json.loads(run("rank", "-t", "rw_val", "--C", "2.56e19", "-f", "json").stdout)
    rows = {r["dataset"]: r for r in ranked["rows"]}
    assert rows["short_chinchilla"]["rank"] == 1
    assert rows["short_chinchilla"]["p_best"] >= 0.95
    # the two poor laws (their own largest runs 4.9 % and 4.3 % above them) put long_kaplan first by the laws alone
    # (2.93 against 3.01), beside a note that the measured order stands; moved onto their largest runs, as predict
    # moves them, the laws alone now agree with what was measured
    independent = {ds: r["independent"] for ds, r in rows.items()}
    assert min(independent, key=lambda ds: independent[ds]) == "short_chinchilla"
    assert independent["long_kaplan"] > independent["short_chinchilla"] + 0.05
    assert any("onto the law's own largest runs" in n for n in _predict_notes(run, "long_kaplan"))


@pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")
def test_a_translation_whose_e_comes_from_a_poor_law_is_no_calibrated_interval(
    run: Any, tmp_path: Path
) -> None:
    """The long warm-up configuration on both datasets: rw's own law is poor (E → 0, its largest runs 4.9 % above
    it), so the translations take E0 or E1 from it. `evaluate` stated their intervals backtested, and they held 1
    of the 12 held-out runs (predict --via already marked such a translation not calibrated)."""
    assert PUBLIC is not None
    config = "base|warmup=long|decay=kaplan|params=standard"
    assert run("ingest", PUBLIC / "porian2024_rsld.csv", "--where", f"config={config}").exit_code == 0
    doc = json.loads(run("evaluate", "--holdout-top-compute", "1", "-f", "json").stdout)
    (row,) = doc["rows"]
    assert row["n_predictions"] == 12
    assert row["lower_bound_share_loss_to_loss"] == 1.0
    assert (
        row["coverage_loss_to_loss"] < 0.5
    )  # what the lower bounds are for: a translation on a poor law misses


def _predict_notes(run: Any, dataset: str) -> list[str]:
    """The notes of ``predict``'s row for ``dataset``'s rw_val at 630M at the budget of the test above."""
    res = run("predict", "--dataset", dataset, "--N", "6.3e8", "--C", "2.56e19", "-f", "json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)["rows"]
    return list(row["notes"])
