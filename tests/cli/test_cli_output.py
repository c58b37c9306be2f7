"""The exact output of every command on the synthetic sample, as a user sees it (sqlite-utils style), at 120, 80
and 60 columns: the answer (a prediction with its interval, a verdict) stays at every width.

Expected outputs live in ``tests/golden/cli/<name>.txt``; after an intended change, regenerate them with
``L2L_REGEN_GOLDEN=1 python -m pytest tests/cli/test_cli_output.py`` and review the diff. The only normalisations:
the sample's path, the seconds a fit took and how many starts the search used. Tables print 3–4 significant
digits, so a faster search that finds the same optimum leaves them as they are.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from rich.cells import cell_len

GOLDEN = Path(__file__).parents[1] / "golden" / "cli"

#: name → the command; it runs at 120 columns, and its reports are rendered again at 80 and 60.
COMMANDS: dict[str, list[str]] = {
    "ingest": ["ingest", "synthetic_runs.csv"],  # a copy in the working directory: a fixed path
    "runs": ["runs"],
    "fit-law": ["fit-law", "--split", "sweep"],
    "fit-law-bootstrap": [
        "fit-law",
        "--split",
        "sweep",
        "-d",
        "alpha",
        "--bootstrap",
        "50",
        "--level",
        "0.8",
    ],
    "predict": ["predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--split", "sweep"],
    "predict-via": ["predict", "--via", "alpha", "--from-run", "m054", "--target", "beta", "--eval", "quiz"],
    "optimal": ["optimal", "--C", "1e21", "--split", "sweep"],
    "translate": ["translate", "--src", "alpha", "--split", "sweep"],
    "evaluate": ["evaluate"],
    "rank": ["rank", "--target", "quiz", "--C", "1e21", "--split", "sweep"],
    "plot-law": ["plot", "law", "--split", "sweep", "-o", "{tmp}/law.svg"],
    "usage-error": ["fit-law", "--form", "hoffmann"],
}
#: Commands on the sample with accuracies (a known sigmoid of the quiz loss) ingested too.
ACCURACY_COMMANDS: dict[str, list[str]] = {
    "fit-accuracy": ["fit-accuracy", "--split", "sweep"],
    "predict-accuracy": ["predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--eval", "downstream/quiz_acc",
                         "--split", "sweep"],
    "evaluate-accuracy": ["evaluate", "--accuracy", "all"],
}  # fmt: skip
WIDTHS = (80, 60)


def _normalise(text: str, sample: Path, tmp: Path) -> str:
    text = text.replace(str(sample), "SAMPLE").replace(str(tmp), "TMP")
    text = re.sub(r"(fitted|tried) in [0-9.]+ s", r"\1 in X s", text)
    text = re.sub(
        r"[0-9,]+ starts per fit", "X starts per fit", text
    )  # the search's budget is its own business
    return text


def _accuracy_table(sample: Path, path: Path) -> Path:
    """Accuracies of the sample's runs: quiz_acc a sigmoid of the quiz loss (seeded noise), long form."""
    frame = pl.read_csv(sample).filter(pl.col("eval") == "downstream/quiz")
    x = frame.get_column("loss").to_numpy()
    rng = np.random.default_rng(0)
    acc = np.clip(0.25 + 0.75 / (1 + np.exp((x - 2.0) / 0.35)) + rng.normal(0, 0.004, len(x)), 0, 1)
    frame.select("dataset", "N", "D", "C", "run_id", "split").with_columns(
        pl.lit("downstream/quiz_acc").alias("eval"),
        pl.Series("value", acc),
        pl.lit("accuracy").alias("metric"),
    ).write_csv(path)
    return path


def _check(name: str, got: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("L2L_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert got == path.read_text()


def _run_and_render(name: str, args: list[str], run: Any, sample: Path, tmp: Path) -> str:
    """The command at 120 columns (exit code, stdout, stderr), then its reports rendered at 80 and 60."""
    import l2l.cli.shell
    from l2l.output.render import render
    from l2l.output.report import Report

    got: list[Any] = []
    real_emit = l2l.cli.shell.emit

    def emit(reps: Any, fmt: Any, **kw: Any) -> None:
        got.extend([reps] if isinstance(reps, Report) else reps)
        real_emit(reps, fmt, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(l2l.cli.shell, "emit", emit)
        mp.setenv("COLUMNS", "120")
        mp.setenv("L2L_WORKSPACE", "ws")  # relative to the test's directory: the same text in every run
        result = run(*[a.format(tmp=tmp) for a in args])
    text = f"exit {result.exit_code}\n--- stdout at 120 columns\n{result.stdout}--- stderr\n{result.stderr}"
    for width in WIDTHS if got else ():
        out: list[str] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("COLUMNS", str(width))
            render(got, "table", write=out.append)
        table = "".join(out)
        assert max(cell_len(line) for line in table.splitlines()) <= width, (name, width)
        text += f"--- stdout at {width} columns\n{table}"
    return _normalise(text, sample, tmp)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_output_is_exactly_as_recorded(
    name: str,
    run: Any,
    synthetic_csv: Path,
    synthetic_workspace: Path,
    ws_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path("synthetic_runs.csv").write_bytes(synthetic_csv.read_bytes())  # the run fixture works in tmp_path
    monkeypatch.setenv("L2L_WORKSPACE", "ws")
    if name.startswith("fit-law"):  # fit-law says how many laws it fitted: a cold workspace
        assert run("ingest", synthetic_csv).exit_code == 0
    elif name != "ingest":  # the sample ingested, its laws kept: the output is the same warm or cold
        shutil.copytree(synthetic_workspace, ws_path)
    _check(name, _run_and_render(name, COMMANDS[name], run, synthetic_csv, tmp_path))
    if name == "plot-law":
        assert (tmp_path / "law.svg").stat().st_size > 1000


@pytest.mark.parametrize("name", list(ACCURACY_COMMANDS))
def test_accuracy_command_output_is_exactly_as_recorded(
    name: str,
    run: Any,
    synthetic_csv: Path,
    synthetic_workspace: Path,
    ws_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("L2L_WORKSPACE", "ws")
    acc = _accuracy_table(synthetic_csv, tmp_path / "accuracy.csv")
    # the sample's warm workspace (its loss laws kept) with the accuracies appended: the output is the same as
    # after `ingest SAMPLE accuracy.csv` in a fresh workspace, without refitting the loss laws for each command
    shutil.copytree(synthetic_workspace, ws_path)
    assert run("ingest", "--append", acc).exit_code == 0
    _check(name, _run_and_render(name, ACCURACY_COMMANDS[name], run, synthetic_csv, tmp_path))


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_tables_for_notes_and_papers_are_exactly_as_recorded(
    fmt: str, run: Any, synthetic_csv: Path, synthetic_workspace: Path, ws_path: Path, tmp_path: Path
) -> None:
    # the sample ingested, its laws kept: the same output as cold
    shutil.copytree(synthetic_workspace, ws_path)
    text = ""
    for args in (["fit-law", "--split", "sweep"], ["predict", "-d", "all", "--N", "1e9", "--D", "2e10"]):
        result = run(*args, "--format", fmt)
        assert result.exit_code == 0, result.output
        text += f"$ l2l {' '.join(args)} --format {fmt}\n{result.stdout}"
    _check(f"format-{fmt}", _normalise(text, synthetic_csv, tmp_path))
