"""``l2l rank --N --D`` on fixed-D sweeps: ranked at their one token count (exit 0, no P(best) in the JSON, the
verdict saying which order it used), another D refused in one line naming the D and ``predict --D``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def _table(path: Path) -> Path:
    rng = np.random.default_rng(0)
    lines = ["dataset,N,D,eval,loss"]
    for name, e in (("web", 1.8), ("code", 1.2)):
        for n in (20e6, 40e6, 80e6, 160e6, 320e6, 640e6):
            loss = (e + (4.8e8 / n + 0.2) ** 0.3) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"{name},{n:.0f},10000000000,own,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fixed_d_sweeps_are_ranked_at_their_d_with_no_p_best(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _table(tmp_path / "fd.csv")).exit_code == 0
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
    assert run("ingest", _table(tmp_path / "fd.csv")).exit_code == 0
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
