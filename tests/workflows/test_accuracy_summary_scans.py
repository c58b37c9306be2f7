"""``accuracy_summary`` (the accuracy part of ``ingest``'s and ``runs``' report) works out each accuracy eval's
chance level and task loss once per eval, not once per (dataset, eval): each of those scans the table, so a call
per row made the report quadratic in the datasets (issue 21: 100 datasets × 2 tasks, 200 scans of the table)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from l2l.io.tables import read_runs
from l2l.workflows import accuracy as acc_mod
from tests.conftest import write

DATASETS = 6
TASKS = ("arc_easy", "hellaswag", "piqa")


def _table(tmp_path: Path) -> Path:
    rows = ["dataset,run_id,N,D,eval,metric,value"]
    for k in range(DATASETS):
        for j, n in enumerate((2e7, 5e7, 1e8, 2e8, 5e8)):
            own = 2.0 + 0.05 * k + 40.0 / n**0.3
            common = f"ds{k},ds{k}-{j},{n:g},{20 * n:g}"
            rows.append(f"{common},ds{k}_val,loss,{own:.6f}")
            for t, task in enumerate(TASKS):
                x = own + 0.3 * t
                rows.append(f"{common},{task},loss,{x:.6f}")
                rows.append(f"{common},{task},accuracy,{0.25 + 0.75 / (1 + math.exp((x - 3.0) / 0.2)):.4f}")
    return write(tmp_path / "runs.csv", "\n".join(rows) + "\n")


def test_accuracy_summary_scans_the_table_once_per_accuracy_eval_and_says_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = read_runs([_table(tmp_path)])
    chance, hits = acc_mod.chance_level, acc_mod._task_loss_hits
    expected_rows = DATASETS * len(TASKS)
    calls: dict[str, int] = {"chance": 0, "hits": 0}

    def counted_chance(*args: Any, **kwargs: Any) -> Any:
        calls["chance"] += 1
        return chance(*args, **kwargs)

    def counted_hits(*args: Any, **kwargs: Any) -> Any:
        calls["hits"] += 1
        return hits(*args, **kwargs)

    monkeypatch.setattr(acc_mod, "chance_level", counted_chance)
    monkeypatch.setattr(acc_mod, "_task_loss_hits", counted_hits)
    summary = acc_mod.accuracy_summary(runs)

    assert len(summary) == expected_rows == 18
    assert calls == {"chance": 3, "hits": 3}  # one per accuracy eval (it was 18 each: one per row)
    for row in summary:  # what each row said when both were worked out for every (dataset, eval)
        level, source = chance(runs, row["eval"])
        task = hits(runs, row["eval"])
        assert (row["chance"], row["chance_source"]) == (level, source)
        assert (level, source) == ({"piqa": 0.5}.get(row["eval"], 0.25), "known task")
        assert row["task_loss"] == task[0] == row["eval"]
        assert row["task_loss_alike"] == []
        assert row["runs"] == 5
