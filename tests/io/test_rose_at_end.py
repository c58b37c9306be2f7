"""A per-step log whose run's loss rose at its final checkpoint (a run that diverged at its end) is warned of at
ingest, naming the run, the two checkpoints and their losses and the fix: it was kept as a finished run without a
word, and only ``evaluate`` named it later, as a held-out run above smaller ones (h76). Normal end-of-run noise is
not warned of (the per-step shapes and the public (Mis)Fitting log: ``tests/io/test_shapes_ingest.py``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from l2l.base.runs import Runs
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs


def _log(diverged: str, *, longest: bool = False) -> pl.DataFrame:
    """Four runs of 10 checkpoints on two evals (r2e8 one more where ``longest``), the end of r1e8 1.5 % up (noise),
    the end of ``diverged`` ×1.35 its previous checkpoint on both evals."""
    rows = []
    for n in (1e8, 2e8, 4e8, 8e8):
        run = f"r{n:.0e}".replace("+0", "")
        for c in range(1, 12 if longest and run == diverged else 11):
            for j, ev in enumerate(("web_val", "c4_val")):
                loss = 1.8 + 0.1 * j + 400 / n**0.34 + 400 / (c * 20 * n) ** 0.28
                if c == 10 and run == "r1e8":
                    loss *= 1.015
                if run == diverged and c == (11 if longest else 10):
                    loss *= 1.35 + 0.01 * j
                rows.append(
                    {
                        "run": run,
                        "dataset": "web",
                        "N": n,
                        "step": 100 * c,
                        "D": c * 20 * n,
                        "eval": ev,
                        "loss": round(loss, 4),
                    }
                )
    return pl.DataFrame(rows)


def _notes(runs: Runs) -> list[str]:
    return [line for p in runs.provenance for line in p.get("decisions", [])]


@pytest.mark.parametrize(
    "suffix", ["csv", "parquet"]
)  # the one-pass route (it hands the log on) and the exact one
def test_a_loss_that_rose_at_a_runs_final_checkpoint_is_warned_with_the_run_its_steps_and_the_fix(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"log.{suffix}"
    frame = _log("r4e8")
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    runs = read_runs([path])
    warned = [n for n in _notes(runs) if "rose" in n]
    assert warned == [
        "warning: a run's loss rose at its final checkpoint, kept as its end: r4e8 (c4_val): 2.74 at step 900 → "
        "3.713 at step 1000, +35%: diverged at the end? --where 'run_id!=r4e8' leaves it out"
    ]
    ck = runs.provenance[0]["checkpoints"]
    assert ck["rose_at_end"] == ["r4e8"]
    assert runs.frame.height == 8  # kept, as the warning says: the user decides


def test_where_no_other_run_reaches_that_step_the_warning_names_the_step_filter_that_fixes_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.csv"
    _log("r2e8", longest=True).write_csv(path)
    warned = [n for n in _notes(read_runs([path])) if "rose" in n]
    assert warned == [
        "warning: a run's loss rose at its final checkpoint, kept as its end: r2e8 (c4_val): 2.932 at step 1000 → "
        "3.972 at step 1100, +35%: diverged at the end? --where 'run_id!=r2e8' leaves it out or --where "
        "'step<1100' keeps the checkpoint before"
    ]
    fixed = read_runs([path], where=parse_where(["step<1100"]))
    assert not [n for n in _notes(fixed) if "rose" in n]
    kept = fixed.frame.filter((pl.col("run_id") == "r2e8") & (pl.col("eval") == "c4_val"))
    assert kept.get_column("loss").to_list() == [2.9322]


def test_an_accuracy_that_rises_at_the_end_is_no_warning(tmp_path: Path) -> None:
    frame = _log("none").with_columns(pl.lit("loss").alias("metric"))
    acc = frame.filter(pl.col("eval") == "web_val").with_columns(
        pl.lit("hellaswag").alias("eval"),
        pl.lit("accuracy").alias("metric"),
        pl.when(pl.col("step") == 1000).then(0.6).otherwise(0.4).alias("loss"),
    )
    path = tmp_path / "log.csv"
    pl.concat([frame, acc]).write_csv(path)
    runs = read_runs([path])
    assert runs.accuracy is not None
    assert not [n for n in _notes(runs) if "rose" in n]
