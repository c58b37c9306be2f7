"""A fixed-D sweep on the command line: fit-law and predict at its D answer (exit 0), predict at another D is one
line naming the D it knows (exit 1, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from l2l.testing.shapes import fixed_d_csv


def test_fixed_d_sweep_predicts_at_its_d_and_refuses_another_in_one_line(run: Any, tmp_path: Path) -> None:
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=7)).exit_code == 0
    fitted = run("fit-law")
    assert fitted.exit_code == 0, fitted.stderr
    assert "at D = 10B only" in " ".join(fitted.stdout.split())
    out = run("predict", "-d", "web", "--N", "1.28B", "--D", "10B", "--format", "json")
    assert out.exit_code == 0, out.stderr
    (row,) = json.loads(out.stdout)["rows"]
    assert row["form"] == "line"
    assert row["calibrated"]
    assert row["loss_lo"] < row["loss"] < row["loss_hi"]
    off = run("predict", "-d", "web", "--N", "1.28B", "--D", "20B")
    assert off.exit_code == 1
    err = off.stderr.strip()
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
    assert err.startswith("Error: web/web_val: every run lies at D = 10B")
    assert "D = 20B" in err
