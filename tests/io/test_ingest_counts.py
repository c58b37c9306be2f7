"""An ingest's counts on one base, values: every value of a file is read, then kept, merged, rejected or left out
(by --where, as checkpoints not kept, ...), for long and wide tables, final checkpoints and every checkpoint (h53:
a wide per-step table said "kept 425 of 428 values" beside "2 of 144 rows left out" and 1 rejected, of 144 rows ×
3 losses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (1e7, 2e7, 4e7, 8e7)  # the last left out by --where N<5e7
STEPS = (1, 2, 3, 4)
EVALS = ("web", "code", "quiz")


def _loss(k: int, step: int, e: int) -> float:
    return 3.0 + 0.5 * e + 1.0 / (k + 1) + 1.0 / step


def wide_log(*, accuracy: bool = False) -> str:
    """16 rows × 3 loss columns = 48 values: run r1's code/loss empty at step 2, run r2's quiz/loss a dash at step 3
    (its row left out by --where 'quiz/loss!=—'), run r3 (N = 8e7) left out by --where N<5e7; with ``accuracy`` a
    quiz/acc column too (16 values more)."""
    acc = ",quiz/acc" if accuracy else ""
    lines = ["run_id,dataset,N,step,D," + ",".join(f"{e}/loss" for e in EVALS) + acc]
    for k, n in enumerate(SIZES):
        for st in STEPS:
            cells = [f"{_loss(k, st, e):.4f}" for e in range(len(EVALS))]
            cells += [f"{0.2 + 0.1 * k + 0.02 * st:.3f}"] if accuracy else []
            if (k, st) == (1, 2):
                cells[1] = ""
            if (k, st) == (2, 3):
                cells[2] = "—"
            lines.append(f"r{k},web,{n:g},{st},{st * 1e8:g}," + ",".join(cells))
    return "\n".join(lines) + "\n"


def long_log() -> str:
    """The same runs as a long table: 16 rows × 3 evals = 48 rows, one value each."""
    lines = ["run_id,dataset,N,step,D,eval,loss"]
    for k, n in enumerate(SIZES):
        for st in STEPS:
            lines += [
                f"r{k},web,{n:g},{st},{st * 1e8:g},{ev},{_loss(k, st, e):.4f}" for e, ev in enumerate(EVALS)
            ]
    return "\n".join(lines) + "\n"


def _left_out(entry: dict[str, Any]) -> int:
    return (
        entry["rows_read"]
        + entry["rows_filtered"]
        - entry["rows_kept"]
        - entry["rows_merged"]
        - entry["rows_rejected"]
    )


@pytest.mark.parametrize(("checkpoints", "kept"), [("final", 9), ("all", 32)])
def test_a_wide_logs_values_read_add_up_to_kept_rejected_and_left_out(
    tmp_path: Path, checkpoints: str, kept: int
) -> None:
    runs = read_runs(
        write(tmp_path / "w.csv", wide_log()),
        wide=True,
        loss_columns="*/loss",
        checkpoints=checkpoints,
        where=["N<5e7", "quiz/loss!=—"],
    )
    entry = runs.provenance[0]
    assert (
        entry["rows_read"] + entry["rows_filtered"] == 16 * 3
    )  # every value of the file: 16 rows × 3 losses
    assert entry["rows_where"] == 5 * 3  # r3's 4 rows and r2's dashed row, 3 losses each
    assert (entry["rows_kept"], entry["rows_merged"], entry["rows_rejected"]) == (kept, 0, 1)  # 1 empty cell
    dropped = entry["checkpoints"]["checkpoints_dropped"]
    assert dropped == 32 - kept  # of the 11 rows × 3 − 1 empty values that reached the checkpoints
    assert _left_out(entry) == 15 + dropped


@pytest.mark.parametrize(("checkpoints", "kept"), [("final", 6), ("all", 24)])
def test_a_long_logs_where_is_counted_on_its_final_checkpoints_route_too(
    tmp_path: Path, checkpoints: str, kept: int
) -> None:
    # (the one-pass route of a long log's final checkpoints said "--where N<5e7: 0 of 24 rows left out" and read 24
    # of its 32 rows)
    runs = read_runs(
        write(tmp_path / "l.csv", long_log()), checkpoints=checkpoints, where=["N<5e7", "eval!=quiz"]
    )
    entry = runs.provenance[0]
    assert entry["rows_read"] + entry["rows_filtered"] == 16 * 3
    assert entry["rows_where"] == 4 * 3 + 12 * 1  # r3's rows, and the quiz rows of the 12 others
    assert entry["records"] == 48
    assert entry["rows_kept"] == kept
    assert _left_out(entry) == 24 + entry["checkpoints"]["checkpoints_dropped"]


@pytest.mark.parametrize(("checkpoints", "kept"), [("final", 9 + 3), ("all", 32 + 11)])
def test_a_wide_logs_accuracy_cells_are_counted_as_its_loss_cells(
    tmp_path: Path, checkpoints: str, kept: int
) -> None:
    # (Pythia's export with --accuracy-columns and --where 'params<1e10': "kept 630 of 648 values" of 144 rows × 5
    # columns, the accuracy cells of the rows --where left out counted nowhere)
    runs = read_runs(
        write(tmp_path / "w.csv", wide_log(accuracy=True)),
        wide=True,
        loss_columns="*/loss",
        accuracy_columns="*/acc",
        checkpoints=checkpoints,
        where=["N<5e7", "quiz/loss!=—"],
    )
    entry = runs.provenance[0]
    assert entry["rows_read"] + entry["rows_filtered"] == 16 * 4  # 16 rows × (3 losses + 1 accuracy)
    assert entry["rows_where"] == 5 * 4
    assert (entry["rows_kept"], entry["rows_rejected"]) == (kept, 1)
    dropped = entry["checkpoints"]["checkpoints_dropped"] + entry.get("rows_checkpoints_accuracy", 0)
    assert dropped == 43 - kept  # 32 losses and 11 accuracies reached the checkpoints
    assert _left_out(entry) == 20 + dropped
