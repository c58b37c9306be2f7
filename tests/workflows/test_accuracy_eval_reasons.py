"""evaluate --accuracy: why a method made no prediction, said."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def test_the_whole_chains_rows_without_an_input_loss_say_why(tmp_path: Path) -> None:
    """A DataDecide-like sweep (5 sizes on one line of 100 tokens per parameter) fits no law of the task loss, so
    `evaluate --accuracy`'s rows from the predicted input loss read "–" with nothing said, where predict says why
    (helper h101)."""
    import math

    from l2l.io.tables import read_runs
    from l2l.workflows.accuracy_eval import evaluate_accuracy

    rng = np.random.default_rng(0)
    rows = ["dataset,N,D,eval,metric,value"]
    for i in range(4):
        for n in (20e6, 60e6, 150e6, 300e6, 700e6):
            own = 2.0 + 0.02 * i + 300 / n**0.3
            task = 0.6 + 1.2 * (own - 2.0) ** 0.9 + 0.01 * i
            acc = 0.25 + 0.75 / (1 + math.exp((task - 1.0) / 0.3))
            at = f"r{i},{n:g},{100 * n:g}"
            rows += [
                f"{at},r{i}_val,loss,{own * math.exp(0.005 * rng.standard_normal()):.5f}",
                f"{at},hellaswag,loss,{task * math.exp(0.005 * rng.standard_normal()):.5f}",
                f"{at},hellaswag,accuracy,{acc + 0.005 * rng.standard_normal():.5f}",
            ]
    path = tmp_path / "one_line.csv"
    path.write_text("\n".join(rows) + "\n")
    notes = evaluate_accuracy(read_runs([path]), evals=["hellaswag"]).notes
    (said,) = [
        n for n in notes if n.startswith("l2l from the predicted input loss: none for 4 held-out run(s)")
    ]
    assert "r0/hellaswag: 4 runs cannot fit a l2l law" in said
