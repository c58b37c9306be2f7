"""A per-step log whose accuracies ran less often than its losses (an OLMo-ladder-like log evaluating the tasks
every third checkpoint, none at the final one): each accuracy is kept at its own last measurement and fit-accuracy
pairs it with the task loss its run logged at that checkpoint. ``l2l runs --evals`` (``accuracy_summary``) called
every such row "at no loss run's (dataset, N, D, split): never fitted" while fit-accuracy fitted every one (h71)."""

from __future__ import annotations

import math
from pathlib import Path

from l2l.io.tables import read_runs
from l2l.workflows.accuracy import accuracy_data, accuracy_summary
from tests.conftest import write

BATCH = 2**20


def _log(tmp_path: Path) -> Path:
    rows = ["run_id,dataset,step,tokens,params,eval,metric,value"]
    for ds, e in (("dolma", 1.85), ("dclm", 1.95)):
        for n in (1.5e8, 3e8, 5.3e8, 7.5e8):
            for m in (1, 2, 5):
                steps = round(20 * n * m / BATCH)
                for k in range(1, 11):
                    step = round(steps * k / 10)
                    d = step * BATCH
                    own = e + (5e7 / n) ** 0.42 + (7e8 / d) ** 0.47
                    x = 1.2 * (own - e) + 1.6
                    common = f"{ds}-{n:.0e}-{m}x,{ds},{step},{d},{n:.0f}"
                    rows.append(f"{common},paloma_c4_en,loss,{own + 0.2:.6f}")
                    rows.append(f"{common},hellaswag,loss,{x:.6f}")
                    if k % 3 == 0:  # checkpoints 3, 6, 9: the final one (10) has no accuracy
                        acc = 0.25 + 0.7 / (1 + math.exp((x - 2.3) / 0.2))
                        rows.append(f"{common},hellaswag,acc,{acc:.4f}")
    # one accuracy row at a model the losses never ran: that one is never fitted, and still said so
    rows.append("extra,dolma,100,104857600,99000000,hellaswag,acc,0.3")
    return write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")


def test_accuracies_kept_at_an_earlier_checkpoint_are_not_called_never_fitted(tmp_path: Path) -> None:
    runs = read_runs([_log(tmp_path)])
    fitted = accuracy_data(runs, "hellaswag").frame
    # fit-accuracy pairs each run's accuracy at checkpoint 9 with the task loss logged there: 12 runs a dataset
    assert fitted.group_by("dataset").len().sort("dataset").rows() == [("dclm", 12), ("dolma", 12)]
    by = {r["dataset"]: r for r in accuracy_summary(runs)}
    assert by["dclm"]["runs"] == 12
    assert by["dclm"]["unmatched"] == 0  # it was 12: every row "never fitted"
    assert by["dolma"]["unmatched"] == 1  # the extra model's row alone (it was 13)
