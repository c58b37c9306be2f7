"""Evals named as bits per byte (``web_val_bpb``, a W&B export's ``eval/c4/bpb``) are kept as ``NAME:bpb``, the
bpb metric a long table's metric column gives, and a dataset's own eval so named is detected (probe p65 D4, D7)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from l2l.base import schema
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (2e7, 5e7, 1e8, 2e8)
DATASETS = (("web", 2.1), ("books", 2.0), ("code", 1.2))


def law(e: float, n: float, d: float) -> float:
    return e + 400 / n**0.3 + 800 / d**0.35


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def wide_export(*, bpb: bool) -> str:
    """One row per run: each dataset's own eval/DS_val/loss, every run's eval/c4/loss and (``bpb``) eval/c4/bpb."""
    head = ["name", "dataset", "params", "tokens", "eval/web_val/loss", "eval/c4/loss"]
    head += ["eval/c4/bpb"] if bpb else []
    head += ["eval/books_val/loss", "eval/code_val/loss"]
    rows = [",".join(head)]
    for ds, e in DATASETS:
        for n in SIZES:
            for k in (10, 20, 40):
                d = k * n
                own = f"{law(e, n, d):.5f}"
                cells = {f"eval/{ds}_val/loss": own, "eval/c4/loss": f"{law(2.3, n, d):.5f}"}
                cells["eval/c4/bpb"] = f"{law(2.3, n, d) / math.log(2) / 4.2:.5f}"
                rows.append(
                    ",".join(
                        [f"{ds}-{n:g}-{k}", ds, f"{n:g}", f"{d:g}"] + [cells.get(h, "") for h in head[4:]]
                    )
                )
    return "\n".join(rows) + "\n"


def test_one_bpb_column_beside_loss_columns_keeps_the_loss_names_and_becomes_a_bpb_eval(
    tmp_path: Path,
) -> None:
    """One eval/c4/bpb column stopped the /loss stripping: the evals were books_val/loss..., no own eval."""
    plain = read_runs([write(tmp_path / "plain.csv", wide_export(bpb=False))], wide=True)
    runs = read_runs([write(tmp_path / "bpb.csv", wide_export(bpb=True))], wide=True)
    assert sorted(runs.evals) == sorted([*plain.evals, "c4:bpb"])
    assert runs.own_eval == plain.own_eval == {"books": "books_val", "code": "code_val", "web": "web_val"}
    assert schema.split_metric("c4:bpb") == ("c4", "bpb")
    said = notes(runs)
    assert "eval/c4/bpb→c4:bpb" in said
    assert "whose name says bits" not in said  # kept apart as bpb, not read as nats


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["eval/a_val/loss", "eval/c4/loss", "eval/c4/bpb"], ["a_val", "c4", "c4:bpb"]),
        (["a_val_loss", "c4_loss", "c4_bpb"], ["a_val", "c4", "c4:bpb"]),
        (["eval/a_val/bpb", "eval/c4/bpb"], ["a_val:bpb", "c4:bpb"]),
        (["eval/a_val/loss", "eval/b_val/loss", "eval/pile/bpb"], ["a_val", "b_val", "pile:bpb"]),
        (["eval/a/loss", "eval/c4/bits_per_byte"], ["a", "c4:bpb"]),
        # a bare bits-per-byte column beside one loss column measures that loss per byte (probe h20)
        (["val_loss", "bits_per_byte"], ["val_loss", "val_loss:bpb"]),
        (["bpb", "loss"], ["loss:bpb", "loss"]),
        (["a_loss", "b_loss", "bits_per_byte"], ["a_loss", "b_loss", "bits_per_byte"]),  # (whose? as before)
    ],
)
def test_wide_loss_columns_named_as_bpb_are_the_bpb_metric_of_their_name(
    columns: list[str], expected: list[str]
) -> None:
    from l2l.io.columns import eval_names  # (here: each test fails alone where it is missing)

    assert list(eval_names(columns).values()) == expected


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # lm-eval-harness 0.4's filter is no part of a wide export's eval (probe h50: `hellaswag/loss,none`, and a
        # `bits_per_byte,none` read as a loss in bits)
        (
            ["val_loss", "hellaswag/loss,none", "wikitext/bits_per_byte,none"],
            ["val_loss", "hellaswag/loss", "wikitext:bpb"],
        ),
        (["eval/a/loss,none", "eval/b/loss,none"], ["a", "b"]),
        # two columns told apart by their filter alone keep it
        (
            ["gsm8k/loss,strict-match", "gsm8k/loss,flexible-extract"],
            ["loss,strict-match", "loss,flexible-extract"],
        ),
        # a comma behind anything but an lm-eval metric is part of the name
        (["web_loss,v2", "code_loss"], ["web_loss,v2", "code_loss"]),
        (["loss/web,v2", "loss/code"], ["web,v2", "code"]),
    ],
)
def test_an_lm_eval_filter_is_no_part_of_a_wide_columns_eval(columns: list[str], expected: list[str]) -> None:
    from l2l.io.columns import eval_names

    assert list(eval_names(columns).values()) == expected


@pytest.mark.parametrize("suffix", ["_bpb", "/bpb", "_bits_per_byte"])
def test_an_own_eval_named_with_a_bpb_suffix_is_detected_and_kept_as_bits_per_byte(
    tmp_path: Path, suffix: str
) -> None:
    """web_val_bpb (no metric column) was neither detected as web's own eval nor said to be bits: fit-law exited 1."""
    rows = ["dataset,N,D,eval,loss"]
    for ds, e in DATASETS:
        for n in SIZES:
            for k in (10, 20, 40):
                rows.append(f"{ds},{n:g},{k * n:g},{ds}_val{suffix},{law(e, n, k * n) / math.log(2) / 4:.5f}")
    runs = read_runs([write(tmp_path / "own_bpb.csv", "\n".join(rows) + "\n")])
    assert runs.own_eval == {"books": "books_val:bpb", "code": "code_val:bpb", "web": "web_val:bpb"}
    assert f"web_val{suffix}→web_val:bpb" in notes(runs)


def test_a_bpb_named_eval_beside_a_metric_column_is_one_bpb_eval_and_an_accuracy_keeps_its_name(
    tmp_path: Path,
) -> None:
    rows = ["dataset,N,D,eval,metric,value"]
    for n in SIZES:
        for k in (10, 20, 40):
            rows.append(f"web,{n:g},{k * n:g},web_val,loss,{law(2.1, n, k * n):.5f}")
            rows.append(f"web,{n:g},{k * n:g},web_val_bpb,bpb,{law(2.1, n, k * n) / 2.9:.5f}")
            rows.append(f"web,{n:g},{k * n:g},arc_bpb,accuracy,{0.3 + n / 1e9:.3f}")
    runs = read_runs([write(tmp_path / "m.csv", "\n".join(rows) + "\n")])
    assert sorted(runs.evals) == ["web_val", "web_val:bpb"]  # (it was web_val_bpb:bpb)
    assert runs.own_eval == {"web": "web_val"}


def test_a_wide_exports_loss_columns_in_bits_get_advice_a_wide_table_can_follow(tmp_path: Path) -> None:
    """The bits warning told a wide export to "give it as the loss (--column loss=COL)": it has no loss column."""
    rows = ["name,dataset,N,D,eval/web_val/bits,eval/c4/bits"]
    for n in SIZES:
        for k in (10, 20, 40):
            nats = law(2.1, n, k * n)
            rows.append(
                f"r{n:g}-{k},web,{n:g},{k * n:g},{nats / math.log(2):.5f},{nats / math.log(2) + 0.1:.5f}"
            )
    said = notes(read_runs([write(tmp_path / "bits.csv", "\n".join(rows) + "\n")], wide=True))
    assert "whose name says bits" in said
    assert "(a wide export's loss columns: --loss-columns PATTERN)" in said
    assert "--column loss=COL" not in said


def test_a_tokenizers_table_with_a_bits_per_byte_column_ranks_by_it(tmp_path: Path) -> None:
    """``dataset, tokenizer, params, tokens, val_loss, bits_per_byte`` read wide: the bare ``bits_per_byte`` was a
    loss per token of its own name, called "a loss per token" by rank, which refused every ranking of these
    datasets of three tokenizers; and val_loss then still stands in for each dataset's own loss (probe h20)."""
    rows = ["dataset,tokenizer,params,tokens,val_loss,bits_per_byte"]
    for (ds, e), (tok, bytes_per_token) in zip(DATASETS, (("gpt2", 4.2), ("llama", 3.6), ("starcoder", 3.1)),
                                               strict=True):  # fmt: skip
        for n in SIZES:
            for k in (10, 20, 40):
                bpb = law(e, n, k * n) / 4
                rows.append(f"{ds},{tok},{n:g},{k * n:g},{bpb * math.log(2) * bytes_per_token:.5f},{bpb:.5f}")
    runs = read_runs([write(tmp_path / "tok.csv", "\n".join(rows) + "\n")], wide=True)
    assert sorted(runs.evals) == ["val_loss", "val_loss:bpb"]
    assert runs.own_eval == {"books": "val_loss", "code": "val_loss", "web": "val_loss"}
    assert "whose name says bits" not in notes(runs)


def _harness(*, wide: bool, tasks: tuple[str, ...]) -> str:
    """lm-eval-harness 0.4's task losses (``TASK/METRIC,FILTER``) beside each dataset's own eval, one row per run
    (``wide``: each dataset's own eval a column, blank on the others' runs) or one per (run, eval)."""
    own = [f"{ds}_val" for ds, _ in DATASETS]
    rows = [
        ",".join(["dataset", "N", "D", *own, *(f'"{t}"' for t in tasks)]) if wide else "dataset,N,D,eval,loss"
    ]
    for ds, e in DATASETS:
        for n in SIZES:
            for k in (10, 20, 40):
                d = k * n
                values = {
                    f"{ds}_val": law(e, n, d),
                    **{t: law(2.5 + 0.1 * i, n, d) for i, t in enumerate(tasks)},
                }
                if wide:
                    cells = [f"{values[c]:.5f}" if c in values else "" for c in (*own, *tasks)]
                    rows.append(",".join([ds, f"{n:g}", f"{d:g}", *cells]))
                else:
                    rows += [f'{ds},{n:g},{d:g},"{name}",{v:.5f}' for name, v in values.items()]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        (
            ("hellaswag/loss,none", "wikitext/bits_per_byte,none"),
            ["books_val", "code_val", "hellaswag/loss", "web_val", "wikitext:bpb"],
        ),
        # two evals told apart by their filter alone keep it, as two such wide columns do
        (
            ("gsm8k/loss,take-first", "gsm8k/loss,flexible-extract"),
            ["books_val", "code_val", "gsm8k/loss,flexible-extract", "gsm8k/loss,take-first", "web_val"],
        ),
    ],
)
def test_a_long_tables_eval_loses_an_lm_eval_filter_as_a_wide_column_does(
    tmp_path: Path, tasks: tuple[str, ...], expected: list[str]
) -> None:
    """A long table kept ``hellaswag/loss,none`` whole, and ``wikitext/bits_per_byte,none`` as a loss in nats, where
    a wide read of the same export named them ``hellaswag/loss`` and ``wikitext:bpb`` (helper h90)."""
    long = read_runs([write(tmp_path / "long.csv", _harness(wide=False, tasks=tasks))])
    wide = read_runs([write(tmp_path / "wide.csv", _harness(wide=True, tasks=tasks))], wide=True)
    assert sorted(long.evals) == sorted(wide.evals) == expected
    assert long.own_eval == wide.own_eval == {"books": "books_val", "code": "code_val", "web": "web_val"}


@pytest.mark.parametrize(
    ("column", "loss"),
    [
        ("gsm8k/loss,strict-match", True),  # was "a score ('match')": its filter's word read as the metric's
        ("gsm8k/loss,none", True),
        ("gsm8k/exact_match,strict-match", False),
        ("web_loss,v2", True),
    ],
)
def test_a_wide_columns_lm_eval_filter_does_not_decide_whether_it_is_a_loss(column: str, loss: bool) -> None:
    from l2l.io.columns import column_verdict

    has_loss_word, reason = column_verdict(column)
    assert (reason is None and has_loss_word) is loss
