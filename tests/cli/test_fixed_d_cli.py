"""A fixed-D sweep on the command line: fit-law and predict at its D answer (exit 0), predict at another D is one
line naming the D it knows (exit 1, no traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def _table(path: Path) -> Path:
    rng = np.random.default_rng(7)
    lines = ["dataset,N,D,eval,loss"]
    for name, e in (("web", 1.8), ("code", 1.2)):
        for n in (20e6, 40e6, 80e6, 160e6, 320e6, 640e6):
            loss = (e + (4.8e8 / n + 0.2) ** 0.3) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"{name},{n:.0f},10000000000,{name}_val,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fixed_d_sweep_predicts_at_its_d_and_refuses_another_in_one_line(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _table(tmp_path / "fd.csv")).exit_code == 0
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
