"""An accuracy asked of a fixed-D sweep at its own D: the chain runs through its task loss's law in N at that D
(it had refused, naming ``predict -e TASK:loss --D 10B``: h81); at another D it is refused in ``predict``'s words.
``rank`` by that accuracy and ``evaluate`` name what answers; ``evaluate --accuracy`` scores the chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.testing import assert_allclose

from l2l.testing import PAPER_LIKE_LAW
from l2l.testing.shapes import SigmoidTruth, fixed_d_accuracy_csv

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


def test_an_accuracy_of_a_fixed_d_sweep_is_chained_through_its_task_losss_law_at_its_d(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", _table(tmp_path / "t.csv"), "--own-eval", "all=val").exit_code == 0
    out = run(
        "predict", "-d", "abl", "-e", "hellaswag:accuracy", "--N", "1.28B", "--D", "10B", "--format", "json"
    )
    assert out.exit_code == 0, out.stderr
    (row,) = json.loads(out.stdout)["rows"]
    loss = run(
        "predict", "-d", "abl", "-e", "hellaswag:loss", "--N", "1.28B", "--D", "10B", "--format", "json"
    )
    assert loss.exit_code == 0, loss.stderr
    (law,) = json.loads(loss.stdout)["rows"]
    # the task loss and its interval are predict's; a lower bound there (no other fixed-D law to pool with)
    assert_allclose(
        [row["loss"], row["loss_lo"], row["loss_hi"]], [law["loss"], law["loss_lo"], law["loss_hi"]]
    )
    assert law["lower_bound_only"]
    # the loss interval's own flags are predict's for that loss, beside the accuracy interval's
    assert (row["loss_lower_bound_only"], row["loss_calibrated"]) == (
        law["lower_bound_only"],
        law["calibrated"],
    )
    assert row["lower_bound_only"]
    assert not row["calibrated"]
    assert row["accuracy_lo"] < row["accuracy"] < row["accuracy_hi"]
    assert_allclose(row["accuracy"], 0.92407, atol=2e-4)
    assert "task loss hellaswag (its own law in N at D = 10B): 2.3476" in row["steps"]


def test_an_accuracy_of_a_fixed_d_sweep_at_another_d_is_refused_naming_its_d(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", _table(tmp_path / "t.csv"), "--own-eval", "all=val").exit_code == 0
    out = run("predict", "-d", "abl", "-e", "hellaswag:accuracy", "--N", "1.28B", "--D", "20B")
    assert out.exit_code == 1
    (line,) = out.stderr.strip().splitlines()
    assert line == (
        "Error: no accuracy could be predicted (1 asked): the input loss's law: abl/hellaswag: every run lies at "
        "D = 10B, so its law is in N at that D alone (E_D + K·N^−γ) and says nothing at D = 20B; predict at "
        "--D 10B, or add runs at other token counts"
    )


def test_ranking_fixed_d_sweeps_by_an_accuracy_is_refused_naming_what_answers(
    run: Any, tmp_path: Path
) -> None:
    assert run("ingest", fixed_d_accuracy_csv(tmp_path / "fd.csv", seed=0)).exit_code == 0
    out = run("rank", "-t", "hellaswag:accuracy", "--N", "1.28B", "--D", "10B")
    assert out.exit_code == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("Error: hellaswag is not ranked on fixed-D sweeps")
    assert "Hint: l2l predict -e 'hellaswag:accuracy' --N 1.28B --D 10B gives each dataset's accuracy" in line
    assert "l2l rank -t 'hellaswag:loss' --N 1.28B --D 10B ranks by the task loss" in line


def test_evaluate_on_fixed_d_sweeps_names_what_scores_them_and_scores_their_accuracy_chain(
    run: Any, tmp_path: Path
) -> None:
    path = fixed_d_accuracy_csv(tmp_path / "fd.csv", seed=0, accuracy=SigmoidTruth(0.25, 3.0, 0.35))
    assert run("ingest", path).exit_code == 0
    out = run("evaluate")
    assert out.exit_code == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(
        "Error: nothing to evaluate: every run of code, web lies at one token count (D = 10B)"
    )
    assert "l2l evaluate --accuracy TASK scores the accuracy chain" in line
    acc = run("evaluate", "--accuracy", "hellaswag", "--format", "json")
    assert acc.exit_code == 0, acc.stderr
    doc = json.loads(acc.stdout)
    summary = {(s["method"], s["input"]): s for s in doc["evaluate-accuracy"]}
    chain = summary[("l2l", "predicted")]  # (the task loss from its law in N at 10B, on the sizes below 640M)
    assert (chain["n_predictions"], chain["coverage"]) == (2, 1.0)
    assert_allclose(chain["mae_points"], 0.315, atol=0.02)
    # --detail prints no empty Table 1 of held-out loss predictions under "no Table 1" (JSON keeps its empty list)
    detail = run("evaluate", "--accuracy", "hellaswag", "--detail")
    assert detail.exit_code == 0, detail.stderr
    assert "no Table 1: nothing to evaluate" in detail.stdout
    assert "Every held-out prediction\n" not in detail.stdout
    assert "Every held-out accuracy prediction" in detail.stdout
    assert (
        json.loads(run("evaluate", "--accuracy", "hellaswag", "--detail", "-f", "json").stdout)["predictions"]
        == []
    )
