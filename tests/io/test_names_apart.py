"""A W&B-style export that names its data mix only inside its run names (``olmo-150M-dolma17-5xC``,
``olmo-150M-dclm-5xC``) and has no dataset column: the refusal for want of one, and the warning of runs told apart
only by their ids under one ``--dataset``, name the part the run names differ in at one (N, D). No dataset is read
out of a name (h76: the refusal named no such thing, and ``--dataset X`` mixed both in one law with a note)."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import InputError
from l2l.io.tables import read_runs
from tests.conftest import write

SAID = (
    "run names differ in one part between runs at one (N, D): 'dolma17' / 'dclm' (e.g. olmo-150M-dolma17-1xC, "
    "olmo-150M-dclm-1xC): the data each run trained on? add a dataset column (l2l reads none out of a name)"
)


def _export(tmp_path: Path) -> Path:
    """Two mixes × 2 sizes × 2 token multiples, 3 checkpoints each; the mix only in the run name."""
    rows = ["Name,params,tokens,_step,eval/val/loss"]
    for mix, off in (("dolma17", 0.0), ("dclm", -0.08)):
        for n, tag in ((1.5e8, "150M"), (3e8, "300M")):
            for x in (1, 2):
                for c in (1, 2, 3):
                    d = 20 * n * x * c / 3
                    rows.append(
                        f"olmo-{tag}-{mix}-{x}xC,{n:g},{d:g},{100 * c},{1.8 + off + 400 / n**0.34 + 400 / d**0.28:.4f}"
                    )
    return write(tmp_path / "wb.csv", "\n".join(rows) + "\n")


def test_the_refusal_for_want_of_a_dataset_column_names_the_part_the_run_names_differ_in(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError, match="missing column 'dataset'") as err:
        read_runs([_export(tmp_path)], wide=True)
    assert err.value.hint is not None
    assert err.value.hint.startswith(SAID + "; a table of one corpus or mixture: --dataset NAME")


def test_one_dataset_named_for_runs_whose_names_differ_in_one_part_is_warned_and_nothing_is_read_out_of_them(
    tmp_path: Path,
) -> None:
    runs = read_runs([_export(tmp_path)], wide=True, constants={"dataset": "X"})
    notes = [n for p in runs.provenance for n in p.get("decisions", [])]
    assert (
        "warning: 4 measurements at one (dataset, N, D, eval) come from runs with different run ids: kept as "
        f"separate points, not averaged; {SAID}"
    ) in notes
    assert runs.datasets == ["X"]
    assert runs.frame.height == 8


def test_names_that_differ_in_a_seed_or_a_number_are_no_data_mix() -> None:
    from l2l.io.selection import names_apart

    assert names_apart([["r150M-s1", "r150M-s2"], ["a-lr3e-4", "a-lr1e-3"], ["m-seed7", "m-seed8"]]) is None
    found = names_apart([["x-web-1", "x-code-1", "x-web-2"]])
    assert found is not None
    assert (found.parts, found.example) == (("web", "code"), ("x-web-1", "x-code-1"))
