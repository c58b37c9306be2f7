"""``fit-accuracy --checkpoints all`` pairs each accuracy with its run's task loss at the same checkpoint. A log that
wrote its accuracies in a logging call of their own has them one step on (W&B's ``_step``) at the same tokens seen:
every pair was missed and every task failed as "kept at different checkpoints … fit-accuracy --checkpoints all
relates them", the option given, while the default (final checkpoints) paired every run on its (N, D) (h71)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from l2l.base.errors import SelectionError
from l2l.io.tables import read_runs
from l2l.workflows.accuracy import accuracy_data
from tests.conftest import write

BATCH = 2**20


def _log(tmp_path: Path, name: str, acc_step: int, acc_tokens: int) -> Path:
    rows = ["run_id,dataset,step,tokens,params,eval,metric,value"]
    for ds, e in (("dolma", 1.85), ("dclm", 1.95)):
        for n in (1.5e8, 3e8, 6e8):
            for m in (1, 2, 5):
                steps = round(20 * n * m / BATCH)
                for k in range(1, 6):
                    step = round(steps * k / 5)
                    d = step * BATCH
                    own = e + (5e7 / n) ** 0.42 + (7e8 / d) ** 0.47
                    x = 1.2 * (own - e) + 1.6
                    run = f"{ds}-{n:.0e}-{m}x,{ds}"
                    rows.append(f"{run},{step},{d},{n:.0f},c4,loss,{own + 0.2:.6f}")
                    rows.append(f"{run},{step},{d},{n:.0f},hellaswag,loss,{x:.6f}")
                    acc = 0.25 + 0.7 / (1 + math.exp((x - 2.3) / 0.2))
                    at = f"{run},{step + acc_step},{d + acc_tokens * BATCH},{n:.0f}"
                    rows.append(f"{at},hellaswag,acc,{acc:.4f}")
    return write(tmp_path / name, "\n".join(rows) + "\n")


def test_an_accuracy_logged_one_step_on_at_the_same_tokens_pairs_with_that_checkpoints_loss(
    tmp_path: Path,
) -> None:
    aligned = accuracy_data(
        read_runs([_log(tmp_path, "a.csv", 0, 0)]).at_every_checkpoint(), "hellaswag"
    ).frame
    one_on = accuracy_data(
        read_runs([_log(tmp_path, "b.csv", 1, 0)]).at_every_checkpoint(), "hellaswag"
    ).frame
    assert aligned.height == one_on.height == 2 * 3 * 3 * 5  # every checkpoint of every run (it raised)
    key = ["dataset", "run_id", "D"]
    a = aligned.sort(key).select(*key, "accuracy", "x")
    b = one_on.sort(key).select(*key, "accuracy", "x")
    assert a.equals(b)  # the same pairs as the aligned log: each accuracy with its own checkpoint's task loss


def test_an_accuracy_never_logged_at_a_losss_checkpoint_says_so_without_naming_the_option_given(
    tmp_path: Path,
) -> None:
    every = read_runs([_log(tmp_path, "c.csv", -3, -3)]).at_every_checkpoint()
    with pytest.raises(SelectionError, match="never logged at one checkpoint") as err:
        accuracy_data(every, "hellaswag")
    assert "--checkpoints all" not in str(err.value)
