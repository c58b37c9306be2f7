"""``--best-of`` over a sweep of several hyper-parameters (a learning rate × a batch size: the best of their joint
grid, hints that never point from one column to the other and back), and the warning when the value kept sits at
the edge of the values tried in most cells (the sweep never bracketed the optimum)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from l2l.base.errors import InputError
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (1e8, 2e8, 4e8)
LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def sweep(lrs: Sequence[float] = LRS, batches: Sequence[int] = (256, 512), *, best_lr: float = 1e-3) -> str:
    """Per (N, D): every learning rate × batch size; the loss is lowest at ``best_lr`` (a parabola in
    log10 lr) and batch size 512 (in log2), so the joint grid's best is (best_lr, 512) where the grid holds it."""
    rows = ["dataset,N,D,eval,loss,lr,bs"]
    for n in SIZES:
        for ratio in (10, 20):
            base = 2.0 + 400 / n**0.34 + 1800 / (ratio * n) ** 0.28
            for lr in lrs:
                for bs in batches:
                    pen = 0.03 * math.log10(lr / best_lr) ** 2 + 0.01 * math.log2(bs / 512) ** 2
                    rows.append(f"web,{n:g},{ratio * n:g},web_val,{base * (1 + pen):.5f},{lr:g},{bs}")
    return "\n".join(rows) + "\n"


def test_best_of_two_columns_keeps_the_lowest_loss_of_their_joint_grid(tmp_path: Path) -> None:
    path = write(tmp_path / "lrbs.csv", sweep())
    runs = read_runs(
        [path], best_of=["lr", "bs"]
    )  # refused before: one column at most, each hint the other's
    assert runs.frame.height == 6  # one run per (N, D)
    base = sorted(2.0 + 400 / n**0.34 + 1800 / (r * n) ** 0.28 for n in SIZES for r in (10, 20))
    assert sorted(runs.frame["loss"].to_list()) == pytest.approx(base, abs=1e-5)  # (1e-3, 512): no penalty
    said = notes(runs)
    assert (
        "--best-of lr --best-of bs: at each (dataset, N, D) kept the run whose combination of lr × bs" in said
    )
    assert (
        "(54 rows of other runs left out; kept most often: lr 0.001 in 6 of 6 cells; bs 512 in 6 of 6 cells)"
        in said
    )
    assert "edge" not in said  # the best rate inside the grid; two batch sizes are never judged
    assert runs.provenance[0]["ignored_columns"] == []  # both columns used


@pytest.mark.parametrize(
    ("best_of", "where"),
    [((), ("lr=0.0001", "bs=256")), (("lr",), ("bs=256",)), (("bs",), ("lr=0.0001",))],
)
def test_the_hint_for_a_two_column_sweep_names_both_columns_never_the_other_alone(
    tmp_path: Path, best_of: tuple[str, ...], where: tuple[str, ...]
) -> None:
    path = write(tmp_path / "lrbs.csv", sweep())
    with pytest.raises(InputError) as exc:
        read_runs([path], best_of=best_of)
    hint = exc.value.hint or ""
    # the hint of --best-of lr named --best-of bs alone, whose hint named --best-of lr alone: a circle
    shown = " ".join([*(f"--where {w}" for w in where), *(f"--best-of {c}" for c in best_of)])
    assert hint.startswith(f"keep one with {shown}, or the best run of each (dataset, N, D) with --best-of ")
    joint = list(dict.fromkeys([*best_of, "lr", "bs"]))
    assert f"with {' '.join(f'--best-of {c}' for c in joint)} (the lowest loss over every combination" in hint
    assert read_runs([path], best_of=joint).frame.height == 6  # both routes the hint names ingest
    assert read_runs([path], where=list(where), best_of=best_of).frame.height == 6


def test_ingest_takes_best_of_twice(tmp_path: Path, run: Any) -> None:
    path = write(tmp_path / "lrbs.csv", sweep())
    res = run("ingest", path, "--best-of", "lr", "--best-of", "bs")
    assert res.exit_code == 0, (
        res.output
    )  # exit 2: "--best-of takes one value ... run the command once per value"
    assert "combination of lr × bs" in " ".join(res.output.split())
    again = run("ingest", path, "--best-of", "lr")
    assert again.exit_code == 1
    assert "--best-of lr --best-of bs" in " ".join(again.output.split())
    assert "Traceback" not in again.output


# ---- the value kept at the edge of its sweep ----------------------------------------------------------------


def test_best_value_at_the_edge_of_the_grid_in_most_cells_is_warned(tmp_path: Path) -> None:
    path = write(tmp_path / "edge.csv", sweep((1e-3, 3e-3, 1e-2), (512,), best_lr=3e-4))
    runs = read_runs([path], best_of="lr")  # "kept the run whose lr gives the lowest loss" alone
    assert (
        "warning: best lr at the edge of its range in 6 of 6 cells (6 at the smallest value tried, 0.001): the "
        "optimum may lie outside the sweep" in notes(runs)
    )
    high = read_runs(
        [write(tmp_path / "high.csv", sweep((1e-4, 3e-4, 1e-3), (512,), best_lr=1e-2))], best_of="lr"
    )
    assert "in 6 of 6 cells (6 at the largest, 0.001)" in notes(high)


@pytest.mark.parametrize(
    ("lrs", "batches"),
    [((1e-4, 1e-3, 1e-2), (512,)), ((3e-4, 1e-3), (512,)), ((1e-4, 1e-3, 1e-2), (512, 1024))],
    ids=["bracketed", "two-values", "bracketed-with-edge-batch"],
)
def test_a_bracketed_or_two_value_sweep_is_not_warned(
    tmp_path: Path, lrs: tuple[float, ...], batches: tuple[int, ...]
) -> None:
    path = write(tmp_path / "ok.csv", sweep(lrs, batches))
    runs = read_runs([path], best_of=["lr", "bs"] if len(batches) > 1 else ["lr"])
    assert "edge" not in notes(runs)  # 512 of (512, 1024) sits at an edge: of two values one always does


def test_a_flat_optimum_whose_noise_picks_either_edge_is_not_warned(tmp_path: Path) -> None:
    """Half the cells keep the smallest rate, half the largest: noise around a flat optimum, not a sweep that
    missed it on one side."""
    rows = ["dataset,N,D,eval,loss,lr"]
    for k, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        low = k % 2 == 0
        for lr, extra in ((1e-3, 0.0 if low else 0.01), (3e-3, 0.005), (1e-2, 0.01 if low else 0.0)):
            rows.append(f"web,{n:g},{20 * n:g},web_val,{3.0 + 1e8 / n + extra:.4f},{lr:g}")
    runs = read_runs([write(tmp_path / "flat.csv", "\n".join(rows) + "\n")], best_of="lr")
    assert "edge" not in notes(runs)  # every cell at an edge, 2 at each: warned when counted together


def test_a_best_of_column_the_table_lacks_is_refused_with_or_without_repeats(tmp_path: Path) -> None:
    """p76: a misspelt --best-of on a table without repeats exited 0 without a word."""

    path = tmp_path / "t.csv"
    path.write_text("dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.1\nweb,2e8,4e9,web_val,2.9\n")
    with pytest.raises(InputError, match="--best-of peak_lr: no column 'peak_lr'"):
        read_runs([path], best_of="peak_lr")
