"""Runs of one dataset told apart by their tokenizer (helper h101): the tokenizers are what such a table compares.
The refusal of those repeats offered ``--best-of tokenizer``, which kept at every (dataset, N, D) the run of lowest
loss per token: the tokenizer of fewest bytes per token, never the per-byte best. Now the hint makes each tokenizer
a dataset (``--column dataset=tokenizer``) or keeps one, and ``--best-of`` on a tokenizer column is refused."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from l2l.base.errors import InputError
from l2l.io.tables import read_runs
from tests.conftest import write

#: bytes per token of each tokenizer on the eval text; per byte neox is best, per token llama
BYTES = {"gpt2": 4.0, "llama": 3.6, "neox": 4.2}
PER_BYTE = {"gpt2": 1.0, "llama": 0.99, "neox": 0.975}


def table(datasets: tuple[str, ...] = ("web",)) -> str:
    rows = ["dataset,tokenizer,N,D,eval,metric,value"]
    for ds in datasets:
        for tok, bpt in BYTES.items():
            for n in (2e7, 5e7, 1e8, 2e8):
                for r in (10, 40):
                    bpb = PER_BYTE[tok] * (0.72 + 60 / n**0.3 + 900 / (r * n) ** 0.28)
                    rows.append(f"{ds},{tok},{n:g},{r * n:g},c4_val,loss,{bpb * math.log(2) * bpt:.6f}")
                    rows.append(f"{ds},{tok},{n:g},{r * n:g},c4_val,bpb,{bpb:.6f}")
    return "\n".join(rows) + "\n"


def test_runs_apart_in_their_tokenizer_are_refused_with_each_tokenizer_a_dataset_not_best_of(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "tok.csv", table())
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert "differ in tokenizer" in info.value.message
    hint = info.value.hint or ""
    assert hint.startswith("--column dataset=tokenizer makes each tokenizer's runs a dataset of their own")
    assert "rank -t EVAL:bpb" in hint
    assert "--where tokenizer=gpt2" in hint
    assert "--best-of tokenizer is no fix" in hint
    # the fix named: three datasets, each its own tokenizer, kept apart
    runs = read_runs([path], columns={"dataset": "tokenizer"})
    assert sorted(runs.datasets) == ["gpt2", "llama", "neox"]
    assert runs.frame.height == 3 * 8 * 2


def test_best_of_a_tokenizer_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "tok.csv", table())
    with pytest.raises(InputError) as info:
        read_runs([path], best_of="tokenizer")
    assert "names the models' tokenizers, not which run is better" in info.value.message
    assert info.value.param == "best_of"


def test_several_datasets_apart_in_their_tokenizer_are_told_to_name_each_pair(tmp_path: Path) -> None:
    path = write(tmp_path / "tok2.csv", table(("web", "code")))
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert (info.value.hint or "").startswith(
        "give each dataset and tokenizer a dataset name of its own (web-gpt2)"
    )
