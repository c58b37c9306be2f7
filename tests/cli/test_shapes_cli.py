"""The exact output of ingest and of the refusals on the table shapes of ``l2l.testing.shapes`` (issue 16): what
l2l decided, said in the words a user reads. Expected outputs live in ``tests/golden/shapes/<name>.txt``; after an
intended change, regenerate them with ``L2L_REGEN_GOLDEN=1 python -m pytest tests/cli/test_shapes_cli.py`` and review
the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from l2l.testing import shapes

GOLDEN = Path(__file__).parents[1] / "golden" / "shapes"

#: name → (shape, ingest options or None when the shape is ingested plainly first, command after the ingest)
CASES: dict[str, tuple[str, list[str] | None, list[str]]] = {
    "shared_eval-ingest": ("shared_eval", None, ["ingest", "{csv}"]),
    "shared_eval-evaluate": ("shared_eval", [], ["evaluate", "--holdout", "split=heldout"]),
    "per_step_ladder-ingest": ("per_step_ladder", None, ["ingest", "{csv}"]),
    "per_step_ladder-metric": (
        "per_step_ladder",
        [],
        ["predict", "-d", "dolma", "--eval", "hellaswag", "--N", "7e9", "--D", "2.8e11", "--split", "ladder"],
    ),
    "train_named-rank-own": ("train_named", [], ["rank", "-t", "own", "--C", "1e21", "--split", "sweep"]),
    "configs-ingest": ("configs", None, ["ingest", "{csv}"]),
    "configs-where": ("configs", None, ["ingest", "{csv}", "--where", "config=base"]),
    "no_run_id_log-ingest": ("no_run_id_log", None, ["ingest", "{csv}"]),
    "no_run_id_log-best-of": ("no_run_id_log", None, ["ingest", "{csv}", "--best-of", "peak_lr"]),
    "single_dataset-evaluate": ("single_dataset", [], ["evaluate", "--holdout", "split=heldout"]),
}


def _normalise(text: str) -> str:
    text = re.sub(r"workspace \S+ now holds", "workspace WS now holds", text)
    return re.sub(
        r"[0-9,]+ starts per fit; (\d+) tried in [0-9.]+ s", r"X starts per fit; \1 tried in X s", text
    )


@pytest.mark.parametrize("name", list(CASES))
def test_shape_output_is_exactly_as_recorded(
    name: str, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("L2L_WORKSPACE", "ws")  # relative to the test's directory: the same text in every run
    shape_name, ingest_first, command = CASES[name]
    shape = shapes.SHAPES[shape_name]()
    csv = Path(f"{shape_name}.csv")  # the run fixture works in tmp_path: a fixed, short path
    shape.write(str(csv))
    if ingest_first is not None:
        assert run("ingest", csv, *shape.ingest_args, *ingest_first).exit_code == 0
    result = run(*[a.format(csv=csv) for a in command])
    got = _normalise(f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}")
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("L2L_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()
