"""A script reads a workspace as the command line does: its runs with the accuracies stored beside them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import l2l
from l2l.cli import app
from l2l.testing.shapes import fixed_d_accuracy_csv


def test_a_workspaces_runs_loaded_by_a_script_carry_its_accuracies(tmp_path: Path) -> None:
    # ``l2l.predict_accuracy(l2l.load_runs(None, ws), ...)`` had said "the runs have no accuracy rows" where the
    # command line answers the same question: the workspace's accuracies were read only by the command line
    table = fixed_d_accuracy_csv(tmp_path / "acc.csv")
    ws = tmp_path / "ws"
    assert CliRunner().invoke(app, ["-w", str(ws), "ingest", str(table)]).exit_code == 0
    runs = l2l.load_runs(None, l2l.Workspace(ws))
    assert runs.accuracy is not None
    assert sorted(runs.accuracy.get_column("eval").unique().to_list()) == ["hellaswag"]
    # the command line still reads them only where a command uses them
    assert l2l.load_runs(None, l2l.Workspace(ws), accuracy=False).accuracy is None
