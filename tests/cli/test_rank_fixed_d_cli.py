"""``l2l rank --N --D`` on fixed-D sweeps: ranked at their one token count (exit 0, no P(best) in the JSON, the
verdict saying which order it used), another D refused in one line naming the D and ``predict --D``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from l2l.testing.shapes import fixed_d_csv


def test_fixed_d_sweeps_are_ranked_at_their_d_with_no_p_best(run: Any, tmp_path: Path) -> None:
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=0, eval_name="own")).exit_code == 0
    out = run("rank", "-t", "own", "--N", "1.28B", "--D", "10B", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["leader"] == "code"
    assert [r["dataset"] for r in doc["rows"]] == ["code", "web"]
    assert all(r["p_best"] is None for r in doc["rows"] + doc["combined"])
    assert all(r["calibrated"] and r["lo"] < r["value"] < r["hi"] for r in doc["rows"])
    assert "no P(best) is stated" in doc["summary"]
    assert any(w.startswith("baseline (the own loss measured at N = 640M") for w in doc["warnings"])
    table = run("rank", "-t", "own", "--N", "1.28B", "--D", "10B")
    assert table.exit_code == 0, table.stderr
    assert "the laws' order is used" in " ".join(table.stdout.split())


def test_fixed_d_sweeps_at_another_d_are_refused_in_one_line(run: Any, tmp_path: Path) -> None:
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=0, eval_name="own")).exit_code == 0
    off = run("rank", "-t", "own", "--N", "1.28B", "--D", "20B")
    assert off.exit_code == 1
    err = off.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert err.startswith(
        "Error: no dataset could be ranked at D = 20B: every run of the fixed-D sweeps lies at D = "
    )
    assert "lies at D = 10B" in err
    assert "predict --D 10B" in err
