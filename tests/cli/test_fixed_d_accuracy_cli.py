"""An accuracy asked of a fixed-D sweep at its own D: the chain takes no law in N at one D, and says so with the
command that gives the task loss there (its refusal had named the D the user asked for as the way: h78)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from l2l.testing import PAPER_LIKE_LAW

SIZES = (20e6, 40e6, 80e6, 160e6, 320e6, 640e6)


def _table(path: Path) -> Path:
    """web, books: grids of N × D; abl: every run at D = 10B. Each with its own loss, a task loss and an accuracy."""
    rng = np.random.default_rng(0)
    grid = [(n, d) for n in SIZES for d in (1.25e9, 2.5e9, 5e9, 10e9)]
    lines = ["dataset,run_id,N,D,eval,metric,value"]
    for ds, shift, runs in (
        ("web", (1.0, 1.0, 2.0), grid),
        ("books", (1.05, 0.95, 2.2), grid),
        ("abl", (0.9, 1.0, 1.7), [(n, 10e9) for n in SIZES]),
    ):
        law = PAPER_LIKE_LAW.translated(*shift)
        for i, (n, d) in enumerate(runs):
            own = float(law.predict(n, d)) * float(np.exp(0.004 * rng.standard_normal()))
            task = 1.1 * own + 0.1
            acc = 0.25 + 0.75 / (1 + np.exp((task - 3.0) / 0.3)) + 0.005 * rng.standard_normal()
            run = f"{ds},{ds}-{i:02d},{n:.0f},{d:.0f}"
            lines += [
                f"{run},val,loss,{own:.6f}",
                f"{run},hellaswag,loss,{task:.6f}",
                f"{run},hellaswag,accuracy,{acc:.6f}",
            ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_accuracy_of_a_fixed_d_sweep_names_the_command_that_gives_its_task_loss(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", _table(tmp_path / "t.csv"), "--own-eval", "all=val").exit_code == 0
    out = run("predict", "-d", "abl", "-e", "hellaswag:accuracy", "--N", "1.28B", "--D", "10B")
    assert out.exit_code == 1
    (line,) = out.stderr.strip().splitlines()
    assert "every run lies at D = 10B, so its law is in N at that D alone, which the accuracy chain" in line
    assert "`l2l predict -d abl -e hellaswag:loss --D 10B` gives the loss there" in line
    assert "(`predict --D 10B`)" not in line  # (the D asked for, named as the way)
    loss = run("predict", "-d", "abl", "-e", "hellaswag:loss", "--N", "1.28B", "--D", "10B")
    assert loss.exit_code == 0, loss.stderr
