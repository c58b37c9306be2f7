"""``rank -t lambada_acc``: an accuracy asked for by its column's name, stored by ingest under its task's name
(``lambada``), is refused naming ``-t lambada:accuracy``, as ``predict -e lambada_acc`` names ``-e`` (it got the
generic "name one of the evals listed" hint; probe h80)."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import SelectionError
from l2l.io.tables import read_runs
from l2l.workflows.targets import rank_targets


def _wide(path: Path) -> Path:
    lines = ["dataset,N,D,val_loss,lambada_loss,lambada_acc"]
    for ds, shift in (("pile", 0.0), ("dedup", 0.01)):
        for n in (70e6, 160e6, 410e6):
            lines.append(f"{ds},{n:.0f},{20 * n:.0f},{3.0 + shift - n / 1e9},{2.5 + shift},{0.4 + n / 2e9}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_accuracy_named_by_its_column_is_refused_naming_the_rank_spelling(tmp_path: Path) -> None:
    runs = read_runs([_wide(tmp_path / "wide.csv")], wide=True, accuracy_columns="*_acc")
    with pytest.raises(SelectionError) as refused:
        rank_targets(runs, {"lambada_acc": 1.0})
    assert refused.value.hint == "an accuracy column is stored under its task's name: -t lambada:accuracy"
    assert rank_targets(runs, {"lambada:accuracy": 1.0}) == {"lambada:accuracy": 1.0}
    assert rank_targets(runs, {"val": 1.0}) == {"val": 1.0}  # a loss column's name as before


def test_names_accuracy_names_the_option_it_is_given_in_its_hint(tmp_path: Path) -> None:
    from l2l.workflows.targets import accuracy_names, names_accuracy

    runs = read_runs([_wide(tmp_path / "wide.csv")], wide=True, accuracy_columns="*_acc")
    acc = accuracy_names(runs)
    with pytest.raises(SelectionError) as predict_said:  # predict's -e, about no parameter (the default)
        names_accuracy(runs, "lambada_acc", acc)
    assert (
        predict_said.value.hint == "an accuracy column is stored under its task's name: -e lambada:accuracy"
    )
    assert predict_said.value.param is None
    with pytest.raises(SelectionError) as rank_said:  # rank's -t, about its targets (option --target)
        rank_targets(runs, {"lambada_acc": 1.0})
    assert rank_said.value.message == predict_said.value.message
    assert rank_said.value.param == "targets"
