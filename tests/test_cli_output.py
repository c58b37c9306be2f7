"""The exact output of every command on the synthetic sample, as a user sees it (sqlite-utils style).

Expected outputs live in ``tests/golden/cli/<name>.txt``; after an intended change, regenerate them with
``L2L_REGEN_GOLDEN=1 python -m pytest tests/test_cli_output.py`` and review the diff. The only normalisations:
the sample's path, the seconds a fit took and how many starts the search used. Tables print 3–4 significant
digits, so a faster search that finds the same optimum leaves them as they are.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

GOLDEN = Path(__file__).parent / "golden" / "cli"

COMMANDS: dict[str, list[str]] = {
    "ingest": ["ingest", "synthetic_runs.csv"],  # a copy in the working directory: a fixed path
    "runs": ["runs"],
    "fit-law": ["fit-law", "--split", "sweep"],
    "predict": ["predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--split", "sweep"],
    "predict-via": ["predict", "--via", "alpha", "--from-run", "m054", "--tgt", "beta", "--eval", "quiz"],
    "optimal": ["optimal", "--C", "1e21", "--split", "sweep"],
    "translate": ["translate", "--src", "alpha", "--split", "sweep"],
    "evaluate": ["evaluate"],
    "plot-law": ["plot", "law", "--split", "sweep", "-o", "{tmp}/law.svg"],
    "usage-error": ["fit-law", "--form", "hoffmann"],
}


def _normalise(text: str, sample: Path, tmp: Path) -> str:
    text = text.replace(str(sample), "SAMPLE").replace(str(tmp), "TMP")
    text = re.sub(r"fitted in [0-9.]+ s", "fitted in X s", text)
    text = re.sub(
        r"[0-9,]+ starts per fit", "X starts per fit", text
    )  # the search's budget is its own business
    return re.sub(r"workspace \S+ now holds", "workspace WS now holds", text)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_output_is_exactly_as_recorded(
    name: str, run: Any, synthetic_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    Path("synthetic_runs.csv").write_bytes(synthetic_csv.read_bytes())  # the run fixture works in tmp_path
    if name != "ingest":
        assert run("ingest", synthetic_csv).exit_code == 0
    args = [a.format(sample=synthetic_csv, tmp=tmp_path) for a in COMMANDS[name]]
    result = run(*args)
    got = _normalise(
        f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}",
        synthetic_csv,
        tmp_path,
    )
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("L2L_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()
    if name == "plot-law":
        assert (tmp_path / "law.svg").stat().st_size > 1000
