"""An --append of the same file read with another --where: the way ingest's own warning tells a user to read a
table whose one task's accuracies are in percent ("ingest the evals in percent apart (--where, then --append)").
The report said "its rows now count twice" (no row repeated a stored one) and "no dataset has an own eval: each
one's loss on arc_easy … stands in for it" (the file read alone; the workspace's own evals stayed 'train'): h71."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from tests.conftest import write


def _table(tmp_path: Path) -> Path:
    rows = ["dataset,N,D,eval,metric,value"]
    for ds, e in (("dolma", 1.85), ("dclm", 1.95)):
        for n in (1.5e8, 3e8, 6e8, 1.2e9):
            for m in (1, 2, 5):
                d = 20 * n * m
                own = e + (5e7 / n) ** 0.42 + (7e8 / d) ** 0.47
                x = own - e + 1.2
                acc = 0.25 + 0.65 / (1 + math.exp((x - 1.8) / 0.15))
                common = f"{ds},{n:.0f},{d:.0f}"
                rows += [f"{common},train,loss,{own:.5f}", f"{common},paloma_c4_en,loss,{own + 0.3:.5f}"]
                rows += [f"{common},arc_easy,loss,{x:.5f}", f"{common},arc_easy,acc,{100 * acc:.2f}"]
    return write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")


def test_appending_a_files_other_rows_says_neither_that_they_count_twice_nor_that_their_eval_stands_in(
    run: Any, tmp_path: Path
) -> None:
    table = _table(tmp_path)
    assert run("ingest", table, "--where", "eval!=arc_easy").exit_code == 0
    result = run("ingest", "--append", table, "--where", "eval=arc_easy", "--accuracy-percent", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["merged_with_stored"] == 0
    assert doc["stored"]["rows"] == 2 * 12 * 3  # train, paloma_c4_en, arc_easy: every row once
    assert {v["eval"] for v in doc["own_eval"].values()} == {"train"}
    notes = " ".join(doc["notes"])
    assert "count twice" not in notes  # it said so: no row of the file repeated a stored one
    assert "stands in" not in notes  # it said arc_easy stood in for every dataset's own eval
    # the same rows appended again do repeat the stored ones: said, as before
    again = json.loads(
        run(
            "ingest", "--append", table, "--where", "eval=arc_easy", "--accuracy-percent", "-f", "json"
        ).stdout
    )
    assert again["merged_with_stored"] == 24
    assert any("count twice" in n for n in again["notes"])
