"""``predict --via all --from-run RUN`` where no source has a run at RUN's (N, D): the refusal names every dataset
and why it gave none (it said "no other dataset has a run at N, D" beside another dataset's run there, left out
for want of an own eval, and of the target's own run: h76)."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import SelectionError
from l2l.base.runs import Runs
from l2l.io.tables import read_runs
from l2l.workflows.via import predict_sources
from tests.conftest import write


def _three(tmp_path: Path) -> Runs:
    # web and books on one grid of 20 tokens per parameter, code on 25; books' one eval is no own eval
    rows = ["run,dataset,N,D,eval,loss"]
    for ds, off, tpp, ev in (
        ("web", 0.0, 20, "web_val"),
        ("code", 0.2, 25, "code_val"),
        ("books", 0.1, 20, "paloma"),
    ):
        for n in (1e7, 2e7, 4e7, 8e7):
            rows.append(f"{ds}-{n:g},{ds},{n:g},{tpp * n:g},{ev},{1.8 + off + 400 / n**0.34:.4f}")
    return read_runs([write(tmp_path / "three.csv", "\n".join(rows) + "\n")])


def test_via_all_names_each_dataset_it_could_not_take_and_why(tmp_path: Path) -> None:
    runs = _three(tmp_path)
    with pytest.raises(SelectionError) as err:
        predict_sources(runs, via=["all"], tgt="web", from_run="web-8e+07")
    assert err.value.message == (
        "no source dataset has a run at N = 8e+07, D = 1.6e+09 (the configuration of web-8e+07): code: no run "
        "there; books: a run there but no own eval, so no source (l2l ingest --own-eval books=EVAL); web: the target"
    )
    assert "\n" not in err.value.message
