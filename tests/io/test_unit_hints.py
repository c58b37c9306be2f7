"""Columns l2l does not read whose names say what they hold in another unit or form: N or D counted in a unit
(``tokens (B)``, ``D_Gtok``), tokens per parameter (D/N) where D is missing, losses in bits (log2) where l2l fits
nats, a compute column beside N and D that is not read as C. Each refusal's hint names the conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from l2l.base.errors import InputError
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (1e8, 2e8, 4e8, 8e8)


def table(tmp_path: Path, header: str, value: Any) -> Path:
    """dataset, eval, loss and N, with one more column ``header`` of ``value(n)`` (and whatever it stands for)."""
    rows = [f"dataset,eval,params,{header}"] + [f"web,web_val,{n:g},{value(n)}" for n in SIZES]
    return write(tmp_path / "t.csv", "\n".join(rows) + "\n")


def refusal(path: Path, **kw: Any) -> InputError:
    with pytest.raises(InputError) as exc:
        read_runs([path], **kw)
    return exc.value


@pytest.mark.parametrize("name", ["tokens (B)", "D_Gtok", "tokens[B]", "tokens_bn"])
def test_d_counted_in_billions_under_other_spellings_gets_the_unit_hint(tmp_path: Path, name: str) -> None:
    path = table(tmp_path, f'"{name}",loss', lambda n: f"{20 * n / 1e9:g},{3.0 + 1e8 / n:.3f}")
    exc = refusal(path)  # "missing column 'D' (accepted names: ...)" and no hint
    assert exc.hint is not None
    assert exc.hint.startswith(f"column {name!r} looks like D counted in billions")
    assert f"(D = {name} × 1e9)" in exc.hint
    quoted = f"'D={name}'" if any(c in name for c in " []") else f"D={name}"
    assert exc.hint.endswith(f"then map it: --column {quoted}")  # quoted for the shell where it must be


def test_a_tokens_per_parameter_column_is_named_as_d_over_n_with_the_conversion(tmp_path: Path) -> None:
    path = table(tmp_path, "tokens_per_param,loss", lambda n: f"20,{3.0 + 1e8 / n:.3f}")
    exc = refusal(path)  # "missing column 'D'", no hint at all
    assert exc.hint == (
        "column 'tokens_per_param' looks like tokens per parameter (D/N), not the training tokens D: add a column "
        "D = tokens_per_param × N (N: the parameter count) and map it: --column D=COL"
    )
    assert exc.column == "D"


@pytest.mark.parametrize("with_eval", [True, False])
def test_a_loss_column_in_bits_is_never_suggested_as_the_loss_without_the_ln2_conversion(
    tmp_path: Path, with_eval: bool
) -> None:
    rows = ["dataset,N,D" + (",eval" if with_eval else "") + ",val_loss_bits"] + [
        f"web,{n:g},{20 * n:g}" + (",web_val" if with_eval else "") + f",{(3.0 + 1e8 / n) / 0.6931:.3f}"
        for n in SIZES
    ]
    exc = refusal(write(tmp_path / "bits.csv", "\n".join(rows) + "\n"))
    assert exc.hint is not None
    assert "--column loss=val_loss_bits" not in exc.hint  # followed, bits were fitted as nats
    assert exc.hint.startswith(
        "column 'val_loss_bits' holds losses in bits (log2; its name says so), and l2l fits nats (natural log): "
        "add a column val_loss_bits × ln 2 (val_loss_bits × 0.6931)"
    )
    assert exc.hint.endswith("the set every row's loss is measured on") is not with_eval


def test_bits_per_byte_are_said_to_be_no_loss_per_token(tmp_path: Path) -> None:
    rows = ["dataset,N,D,eval,val_bpb"] + [f"web,{n:g},{20 * n:g},web_val,{1.0 + 1e8 / n:.3f}" for n in SIZES]
    exc = refusal(write(tmp_path / "bpb.csv", "\n".join(rows) + "\n"))
    assert exc.hint is not None
    assert exc.hint.startswith(
        "column 'val_bpb' holds bits per byte or character (its name says so), not a loss"
    )
    assert "× ln 2 × (bytes per token of the tokenizer)" in exc.hint


def test_a_compute_column_not_read_as_c_is_named_beside_c_from_6nd(tmp_path: Path) -> None:
    path = table(
        tmp_path, "tokens,flops_1e18,loss", lambda n: f"{20 * n:g},{120 * n * n / 1e18:g},{3 + 1e8 / n}"
    )
    said = " ".join(read_runs([path]).provenance[0].get("decisions", []))
    # "C = 6·N·D (the table has no C column)" beside "columns not used: flops_1e18"
    assert "C = 6·N·D (no column is read as C: 'flops_1e18' not used; --column C=flops_1e18 reads it" in said
    assert "the table has no C column" not in said


def test_the_unit_hint_reaches_the_command_line_in_one_line(tmp_path: Path, run: Any) -> None:
    path = table(tmp_path, '"tokens (B)",loss', lambda n: f"{20 * n / 1e9:g},{3.0 + 1e8 / n:.3f}")
    res = run("ingest", path)
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert res.stderr.startswith(f"Error: {path}, line 1, column 'D': missing column 'D'")
    assert "--column 'D=tokens (B)'" in res.stderr


def test_a_wide_loss_column_in_bits_is_read_with_a_warning(tmp_path: Path) -> None:
    rows = ["dataset,N,D,val_loss_bits"] + [
        f"web,{n:g},{20 * n:g},{(3.0 + 1e8 / n) / 0.6931:.3f}" for n in SIZES
    ]
    runs = read_runs([write(tmp_path / "w.csv", "\n".join(rows) + "\n")], wide=True)  # fitted as nats, unsaid
    said = " ".join(runs.provenance[0].get("decisions", []))
    assert (
        "warning: the losses are read as they are from 'val_loss_bits', whose name says bits, not nats"
        in said
    )
    assert "add a column val_loss_bits × ln 2" in said


@pytest.mark.parametrize(
    ("columns", "how"),
    [
        ("step,batch_size,seq_len", "D = step × batch_size × seq_len"),
        (
            "iteration,train/global_batch_size,max_seq_length",
            "D = iteration × train/global_batch_size × max_seq_length",
        ),
        ("step,batch_tokens", "D = step × batch_tokens"),
        # a sweep of one row per run, its count of steps and the tokens of each (refused with no hint: h89)
        ("steps,batch_tokens", "D = steps × batch_tokens"),
        ("train_steps,tokens_per_step", "D = train_steps × tokens_per_step"),
        ("num_steps,batch_size,seq_len", "D = num_steps × batch_size × seq_len"),
    ],
)
def test_a_log_of_steps_and_batches_without_tokens_is_told_the_product_to_add(
    tmp_path: Path, columns: str, how: str
) -> None:
    """A Pythia-style log (step, batch_size, seq_len; no tokens seen) was refused with D's aliases and no hint (h80)."""
    extra = ",".join(["1000", "1024", "2048"][: columns.count(",") + 1])
    exc = refusal(table(tmp_path, f"{columns},loss", lambda n: f"{extra},{3.0 + 1e8 / n:.3f}"))
    assert exc.hint is not None
    assert exc.hint.startswith("the table counts steps (")
    assert how in exc.hint
    assert exc.hint.endswith("and map it: --column D=COL")
    assert exc.column == "D"
    # a batch without a sequence length tells no tokens: no hint made up
    bare = refusal(table(tmp_path, "step,batch_size,loss", lambda n: f"1000,1024,{3.0 + 1e8 / n:.3f}"))
    assert bare.hint is None or "the table counts steps" not in bare.hint


def test_model_names_that_hold_sizes_are_told_to_give_n_as_a_column(tmp_path: Path) -> None:
    """A table naming its models (pythia-160m) instead of counting their parameters was refused with N's aliases and
    no hint (h89); l2l reads no N out of a name, whose size is rounded."""
    rows = ["model,dataset,tokens,eval,loss"] + [
        f"pythia-{name},web,{20 * n:g},web_val,{3.0 + 1e8 / n:.3f}"
        for name, n in (("70m", 7.04e7), ("160m", 1.62e8), ("410m", 4.05e8), ("1.4b", 1.41e9))
    ]
    exc = refusal(write(tmp_path / "names.csv", "\n".join(rows) + "\n"))
    assert exc.column == "N"
    assert exc.hint == (
        "column 'model' names the models with their sizes (pythia-70m, pythia-160m, pythia-410m, …), and l2l reads no "
        "N out of a name (a name's size is rounded: Pythia-160M has 162M parameters): add a column N of each model's "
        "parameter count and map it: --column N=COL"
    )
    # sizes written as counts alone (a ladder's 190M, 1.3B) are offered as N, as before
    plain = ["size,dataset,tokens,eval,loss"] + [
        f"{k},web,{20 * n:g},web_val,3.1" for k, n in (("190M", 1.9e8), ("1B", 1e9))
    ]
    counted = refusal(write(tmp_path / "plain.csv", "\n".join(plain) + "\n"))
    assert counted.hint is not None
    assert counted.hint.startswith("column 'size' holds counts with a unit (190M, 1B)")


@pytest.mark.parametrize(("depth", "width"), [("n_layers", "d_model"), ("num_hidden_layers", "hidden_size")])
def test_a_width_depth_sweep_without_n_is_told_how_to_count_its_parameters(
    tmp_path: Path, depth: str, width: str
) -> None:
    """A sweep giving each model's layers and width instead of N was refused naming the columns with no hint
    (helper h95); l2l counts no parameters itself (the architecture decides them)."""
    rows = [f"dataset,{depth},{width},tokens,eval,loss"] + [
        f"web,{L},{d},{20 * 12 * L * d * d},web_val,{3.0 + 1e8 / (12 * L * d * d):.3f}"
        for L, d in ((4, 256), (6, 384), (8, 512), (12, 768))
    ]
    exc = refusal(write(tmp_path / "shape.csv", "\n".join(rows) + "\n"))
    assert exc.column == "N"
    assert exc.hint is not None
    assert exc.hint.startswith(
        f"the table gives each model's shape ({depth}, {width}), not its parameter count N"
    )
    assert f"12 × {depth} × {width}²" in exc.hint
    assert exc.hint.endswith("--column N=COL; l2l derives no N itself")
