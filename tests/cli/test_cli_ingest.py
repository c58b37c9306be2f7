"""``l2l ingest`` and ``l2l runs`` through the CLI: exit codes, one-line errors, output formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import InputError
from l2l.io.workspace import Workspace


def test_each_bad_input_exits_1_with_one_line_naming_file_line_column(
    run: Any, ws_path: Path, bad_input: tuple[Path, int | None, str | None, str]
) -> None:
    path, line, column, message = bad_input
    result = run("ingest", path)
    assert result.exit_code == 1
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    where = str(path) + (f", line {line}" if line else "") + (f", column {column!r}" if column else "")
    assert first.startswith(f"Error: {where}: ")
    assert message in first
    assert "Traceback" not in result.stderr
    assert [ln[:7] for ln in result.stderr.splitlines()] == ["Error: "]
    assert not ws_path.exists()


def test_failed_ingest_leaves_workspace_byte_identical(
    run: Any, good: Path, ws_path: Path, snap: Any
) -> None:
    assert run("ingest", good / "long.csv").exit_code == 0
    before = snap(ws_path)
    bad = good.parent / "bad"
    for args in (
        ["ingest", bad / "nan_loss.csv"],
        ["ingest", "--append", bad / "ragged.csv"],
        ["ingest", good / "long.csv", bad / "non_utf8.csv"],  # a good file then a bad one
        ["ingest", "--append", "--strict", good / "long.csv"],
        ["ingest", good / "long.csv", "--own-eval", "nope=web_val"],
    ):
        result = run(*args)
        assert result.exit_code == 1, args
    assert snap(ws_path) == before


def test_ingest_paper_data(run: Any, paper_csv: Path, ws_path: Path) -> None:
    result = run("ingest", paper_csv, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert doc["kind"] == "ingest"
    assert doc["rows"][0]["kept"] == 14_980
    assert doc["stored"]["runs"] == 535
    assert {ds: v["eval"] for ds, v in doc["own_eval"].items()} == {
        "fineweb-100b": "fineweb_100b_val",
        "fineweb-edu-100b": "fineweb_edu_100b_val",
        "proof-pile-2": "proof_pile_2_val",
        "slimpajama-chunk1": "slimpajama_val",
        "smollm-corpus": "smollm_val",
        "starcoder": "starcoder_val",
    }
    result = run("runs", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert (doc["schema_version"], doc["kind"], doc["runs_total"], doc["rows_total"]) == (
        1,
        "runs",
        535,
        14_980,
    )
    assert len(doc["rows"]) == 6 * 28


def test_ingest_table_output_reports_aliases_and_own_evals(run: Any, good: Path) -> None:
    result = run("ingest", good / "aliases_units.csv")
    assert result.exit_code == 0, result.output
    assert "Params→N" in result.stdout
    assert "own eval: web → web_val (detected)" in result.stdout


def test_ingest_csv_output(run: Any, good: Path) -> None:
    result = run("ingest", good / "long.csv", "-f", "csv")
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()[:2]
    # read = kept + merged + rejected + left out, every file's values (h53)
    assert header.startswith("file,format,read,kept,merged,rejected,left_out,aliases,sha256")
    assert row.startswith(f"{good / 'long.csv'},csv,10,10,0,0,0,,")


def test_own_eval_option(run: Any, good: Path) -> None:
    result = run("ingest", good / "long.csv", "--own-eval", "web=code_val", "-f", "json")
    assert result.exit_code == 0, result.output
    own = json.loads(result.stdout)["own_eval"]
    assert own["web-corpus"] == {"eval": "code_val", "how": "explicit"}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--loss-columns", "eval/*"], "loss columns needs a wide table"),
        (["--own-eval", "web"], "DATASET=EVAL"),
    ],
)
def test_bad_option_combinations_exit_2(
    run: Any, good: Path, ws_path: Path, args: list[str], fragment: str
) -> None:
    result = run("ingest", good / "long.csv", *args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert not ws_path.exists()


def test_unknown_own_eval_dataset_exits_1(run: Any, good: Path) -> None:
    result = run("ingest", good / "long.csv", "--own-eval", "nope=web_val")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: own eval nope=web_val: unknown dataset 'nope' (datasets: code, web-corpus)"
    )


def test_wide(run: Any, good: Path) -> None:
    result = run("ingest", good / "wide.csv", "--wide", "--loss-columns", "eval/*/loss", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["stored"]["evals"] == ["hellaswag", "web_val"]
    assert (doc["rows"][0]["read"], doc["rows"][0]["kept"], doc["rows"][0]["rejected"]) == (6, 5, 1)
    assert any("loss columns matched" in n for n in doc["notes"])


def test_append_and_strict(run: Any, good: Path) -> None:
    assert run("ingest", good / "repeats.csv").exit_code == 0
    result = run("ingest", "--append", good / "repeats.csv", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["stored"]["rows"] == 2
    assert doc["merged_with_stored"] == 2
    assert any("already in the workspace" in n for n in doc["notes"])
    result = run("ingest", "--strict", good / "repeats.csv")
    assert result.exit_code == 1
    assert "repeated measurement" in result.stderr
    assert "Hint: unless reading strictly, repeats are averaged (option --strict)" in result.stderr


def test_a_run_id_reused_for_other_model_sizes_is_warned_and_counted_by_size(
    run: Any, tmp_path: Path
) -> None:
    lines = ["dataset,N,D,eval,loss,run_id"]
    lines += [f"a,{n:g},{20 * n:g},a_val,{3 - k / 10},m{k % 2}" for k, n in enumerate((1e8, 2e8, 4e8, 8e8))]
    path = tmp_path / "reused.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run("ingest", path)
    assert result.exit_code == 0
    assert "warning: run id 'm0' names models of 2 sizes in dataset 'a' (and 1 more run id)" in result.stdout
    assert run("runs", "-f", "json").stdout.count('"runs": 4') >= 1


def test_a_missing_number_names_the_first_bad_line_and_how_to_mend_it(run: Any, tmp_path: Path) -> None:
    """NA is a missing value like a blank; the first bad line is named, whatever made it bad."""
    path = tmp_path / "holes.csv"
    rows = ["dataset,N,D,eval,loss", "a,1e8,2e9,a_val,3.1", "a,2e8,4e9,a_val,nan", "a,4e8,8e9,a_val,NA"]
    path.write_text("\n".join(rows) + "\n")
    result = run("ingest", path)
    assert result.exit_code == 1
    assert f"{path}, line 3, column 'loss': not a finite number: 'nan'" in result.stderr
    assert (
        "Hint: a run without its value cannot be fitted: fill the cell, or leave out the rows without one: "
        in (result.stderr)
    )
    assert "--where 'loss!='" in result.stderr
    path.write_text("\n".join([rows[0], rows[1], rows[3]]) + "\n")
    assert "line 3, column 'loss': missing value" in run("ingest", path).stderr


def test_where_with_an_empty_value_leaves_out_the_rows_whose_cell_is_empty(run: Any, tmp_path: Path) -> None:
    """A long export whose loss was never logged for some runs (a blank, NA, NaN): the hint's --where 'loss!='
    leaves exactly those rows out, counted; the other rows are kept as they are."""
    path = tmp_path / "holes.csv"
    rows = ["dataset,N,D,eval,loss"]
    rows += [f"a,{n:g},{20 * n:g},a_val,{3 - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8, 8e8, 1.6e9))]
    rows += ["a,3.2e9,6.4e10,a_val,", "a,6.4e9,1.28e11,a_val,NA", "a,1.28e10,2.56e11,a_val,NaN"]
    path.write_text("\n".join(rows) + "\n")
    result = run("ingest", path, "--where", "loss!=")
    assert result.exit_code == 0, result.stderr
    assert "--where loss!=: 3 of 8 rows left out" in result.stdout
    doc = json.loads(run("runs", "-f", "json").stdout)
    assert doc["runs_total"] == 5
    assert run("ingest", path, "--where", "D<").exit_code == 2  # (a comparison still needs its number)


def test_losses_no_cross_entropy_can_reach_are_warned_as_perplexities(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "ppl.csv"
    lines = ["dataset,N,D,eval,loss"] + [
        f"a,{n:g},{20 * n:g},a_val,{40 - k}" for k, n in enumerate((1e8, 2e8))
    ]
    path.write_text("\n".join(lines) + "\n")
    result = run("ingest", path)
    assert result.exit_code == 0
    assert "warning: losses up to 40 (a, a_val; 2 values above 13)" in result.stdout
    assert "Are these perplexities?" in result.stdout


def test_a_where_that_keeps_no_row_says_so(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.1\n")
    result = run("ingest", path, "--where", "dataset=nomatch*")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: no row passes --where dataset=nomatch*")


def test_runs_without_workspace_exits_1_with_hint(run: Any, ws_path: Path) -> None:
    result = run("runs")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no workspace at {ws_path}. Hint: run `l2l ingest FILE` first\n"


def test_runs_on_a_table_without_ingesting(run: Any, good: Path, ws_path: Path) -> None:
    result = run("runs", good / "long.csv", "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("dataset,eval,own,runs,")
    assert not ws_path.exists()


def test_runs_table_output(run: Any, good: Path) -> None:
    run("ingest", good / "long.csv")
    result = run("runs")
    assert result.exit_code == 0
    assert result.stdout.startswith("5 runs, 2 datasets, 2 loss evals (10 rows)")
    assert "20M–200M" in result.stdout
    assert "2 datasets × 2 splits: holdout 1 run, sweep 4 runs" in result.stdout
    assert "│ code       │    2 │       0 │     2 │" in result.stdout  # one row per dataset: runs per split
    assert "│ code       │ web_val  │" not in result.stdout
    every = run("runs", "--evals")  # every (dataset, eval)
    assert "│ code       │ web_val  │     │    2 │" in every.stdout


def test_runs_counts_the_evals_of_a_workspace_with_many(run: Any, tmp_path: Path) -> None:
    """A wide export of thousands of evals listed every name (h1: 2,000, about 250 lines); counted as ingest
    counts its loss columns, with the option that lists them."""
    lines = ["dataset,N,D,eval,loss"]
    for n in (2e7, 4e7, 8e7):
        lines += [f"web,{n!r},{20 * n!r},{ev},{3 + i / 100 + 1e8 / n:.4f}" for i, ev in enumerate(
            ["web_val", *(f"task{k:02d}" for k in range(30))]
        )]  # fmt: skip
    (tmp_path / "many.csv").write_text("\n".join(lines) + "\n")
    assert run("ingest", tmp_path / "many.csv").exit_code == 0
    out = run("runs").stdout
    assert "loss evals: 31 (1 own, task00, task01 and 28 more; l2l runs --evals lists them)" in out
    assert "task29" not in out
    assert "every (dataset, eval) with its runs and ranges" not in out  # (said in the line above)
    every = run("runs", "--evals").stdout
    assert "loss evals: 31 (1 own, task00, task01 and 28 more; listed below)" in every
    assert "│ web     │ task29  │" in every


def test_workspace_option_beats_env(run: Any, good: Path, tmp_path: Path, ws_path: Path) -> None:
    other = tmp_path / "other"
    assert run("--workspace", other, "ingest", good / "long.csv").exit_code == 0
    assert Workspace(other).runs_path.is_file()
    assert not ws_path.exists()


def test_debug_shows_the_exception(run: Any, good: Path) -> None:
    result = run("--debug", "ingest", good.parent / "bad" / "nan_loss.csv")
    assert isinstance(result.exception, InputError)
    assert run("ingest", good.parent / "bad" / "nan_loss.csv").exception.__class__ is SystemExit


# ---------------------------------------------------------------------------------------------------------------
# A W&B export as users have it: their own column names, a training loss beside a validation loss, accuracies
# ---------------------------------------------------------------------------------------------------------------

EXPORT_HEADER = "Name,data,nparams_total,tokens,Tags,train/loss,eval/val/loss,eval/hellaswag/acc\n"


def _export(tmp_path: Path) -> Path:
    lines = []
    for ds, shift in (("web", 0.0), ("code", -0.8)):
        for n in (2e7, 5e7, 1e8, 2e8):
            for d in (4e8, 1e9, 2e9):
                loss = 2.5 + shift + (n / 1e7) ** -0.3 + (d / 1e8) ** -0.3
                acc = min(0.9, 0.25 + 0.5 / loss)
                lines.append(f"{ds}-{n:.0e}-{d:.0e},{ds},{n},{d},sweep,{0.98 * loss},{loss},{acc}")
    path = tmp_path / "export.csv"
    path.write_text(EXPORT_HEADER + "\n".join(lines) + "\n")
    return path


def test_column_mapping_reaches_the_accuracy_columns_and_their_split(run: Any, tmp_path: Path) -> None:
    path = _export(tmp_path)
    args = ["--wide", "--column", "N=nparams_total", "--column", "dataset=data", "--column", "split=Tags"]
    result = run("ingest", path, *args, "--accuracy-columns", "eval/*/acc", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(run("runs", "--format", "json").stdout)
    acc = doc["runs-accuracy"]
    assert {(r["dataset"], r["eval"], r["runs"]) for r in acc} == {
        ("code", "hellaswag", 12),
        ("web", "hellaswag", 12),
    }
    assert all(r["splits"] == ["sweep"] for r in acc)  # --column split=Tags gives accuracy rows their split
    fitted = run("fit-accuracy", "--split", "sweep", "--input-loss", "own", "--format", "json")
    assert fitted.exit_code == 0, fitted.output  # the split is there: the sweep's accuracies are fitted


def test_a_training_loss_taken_as_own_names_a_held_out_loss_whose_name_says_no_validation(
    run: Any, tmp_path: Path
) -> None:
    """An OLMo-ladder export: train/CrossEntropyLoss, eval/c4_en/CrossEntropyLoss and a HellaSwag accuracy. The
    note said the training loss was taken and named nothing to use instead (probe h40); a task's loss is not
    offered."""
    rows = ["Name,N,D,train/CrossEntropyLoss,eval/c4_en/CrossEntropyLoss,eval/hellaswag/CrossEntropyLoss,"
            "eval/hellaswag/acc"]  # fmt: skip
    for n in (1e8, 2e8, 4e8, 8e8):
        rows.append(
            f"r{n:g},{n:g},{20 * n:g},{3.5 - n / 1e9:.3f},{3.6 - n / 1e9:.3f},{2.5 - n / 1e9:.3f},0.4"
        )
    path = tmp_path / "ladder.csv"
    path.write_text("\n".join(rows) + "\n")
    said = run("ingest", path, "--wide", "--dataset", "ladder", "--accuracy-columns", "eval/*/acc")
    assert said.exit_code == 0, said.output
    flat = " ".join(said.stdout.split())
    assert (
        "own eval: ladder → train (train): the eval named 'train', a training loss, taken as the dataset's own loss; "
        "for a held-out loss, if it is one: --own-eval ladder=eval/c4_en"
    ) in flat
    assert "(its other losses" not in flat  # (hellaswag's loss is a task's)


def test_a_training_loss_taken_as_own_is_said_and_all_sets_every_own_eval(run: Any, tmp_path: Path) -> None:
    path = _export(tmp_path)
    base = ["--wide", "--column", "N=nparams_total", "--column", "dataset=data"]
    said = run("ingest", path, *base)
    assert said.exit_code == 0, said.output
    flat = " ".join(said.stdout.split())
    assert "own eval: web → train (train): the eval named 'train', a training loss" in flat
    assert "for a validation loss: --own-eval web=eval/val" in flat
    every = json.loads(run("ingest", path, *base, "--own-eval", "all=eval/val", "--format", "json").stdout)
    assert every["own_eval"] == {
        "code": {"eval": "eval/val", "how": "explicit"},
        "web": {"eval": "eval/val", "how": "explicit"},
    }
    one = json.loads(
        run(
            "ingest", path, *base, "--own-eval", "all=eval/val", "--own-eval", "web=train", "-f", "json"
        ).stdout
    )
    assert one["own_eval"]["web"]["eval"] == "train"  # a dataset named on its own overrides all=
    missing = run("ingest", path, *base, "--own-eval", "all=nope")
    assert missing.exit_code == 1
    assert "own eval all=nope: no eval 'nope' measured on code" in missing.stderr


def test_own_eval_named_by_its_wide_column_says_the_eval_it_is_stored_as(run: Any, tmp_path: Path) -> None:
    """A wide export's column val_loss is stored as the eval val: --own-eval all=val_loss said only "no eval
    'val_loss' measured on …" (probe h23). It names the eval it most likely meant and the evals stored."""
    lines = ["dataset,N,D,val_loss,c4_loss"]
    for ds in ("web", "code"):
        lines += [f"{ds},{n:g},{20 * n:g},{2 + 1e7 / n:.4f},{2.2 + 1e7 / n:.4f}" for n in (1e8, 2e8, 4e8)]
    (tmp_path / "wide.csv").write_text("\n".join(lines) + "\n")
    for own in ("all=val_loss", "web=val_loss"):
        refused = run("ingest", tmp_path / "wide.csv", "--wide", "--own-eval", own)
        assert refused.exit_code == 1
        assert f"own eval {own}: no eval 'val_loss' measured on " in refused.stderr
        assert "; did you mean 'val'? (evals: c4, val)" in refused.stderr
    other = run("ingest", tmp_path / "wide.csv", "--wide", "--own-eval", "all=zzz")
    assert "no eval 'zzz' measured on code, web (evals: c4, val)" in other.stderr


def test_evals_named_after_a_dataset_are_found_through_a_path_and_dataset_train_is_a_training_loss(
    run: Any, tmp_path: Path
) -> None:
    """A W&B-style name (eval/web_val) is named after its dataset as web_val is, and as web's validation loss wins
    over its training loss web_train (probe h42); code_train, beside no eval named after code, is code's training
    loss (taken as its own loss, said so, with the validation eval to use instead: not eval/c4, which only has 'val'
    inside 'eval')."""
    lines = ["dataset,N,D,eval,loss"]
    for ds, shift in (("web", 0.0), ("code", -0.8)):
        held_out = "eval/web_val" if ds == "web" else "eval/val_mix"
        for n in (2e7, 5e7, 1e8):
            for d in (4e8, 1e9):
                loss = 2.5 + shift + (n / 1e7) ** -0.3 + (d / 1e8) ** -0.3
                lines += [f"{ds},{n:g},{d:g},{ev},{loss + k}" for ev, k in
                          ((f"{ds}_train", 0.0), (held_out, 0.05), ("eval/c4", 0.3))]  # fmt: skip
    path = tmp_path / "named.csv"
    path.write_text("\n".join(lines) + "\n")
    doc = json.loads(run("ingest", path, "--format", "json").stdout)
    assert doc["own_eval"]["web"] == {"eval": "eval/web_val", "how": "detected"}
    assert doc["own_eval"]["code"] == {"eval": "code_train", "how": "train"}
    said = " ".join(run("ingest", path).stdout.split())
    assert "--own-eval code=eval/val_mix" in said
    assert "=eval/c4" not in said


def test_n_counted_in_millions_is_ingested_with_a_warning_naming_the_unit(run: Any, tmp_path: Path) -> None:
    table = tmp_path / "params_m.csv"
    table.write_text(
        "dataset,params_M,D,eval,loss\n"
        + "".join(f"web,{n},2e9,web_val,{3 - i * 0.1}\n" for i, n in enumerate((11, 124, 350)))
    )
    result = run("ingest", table, "--column", "N=params_M")
    assert result.exit_code == 0, result.stderr
    said = " ".join(result.output.split())
    assert "warning: the largest N is 350: parameters of a language model come in millions or more" in said
    assert "(124M, 1.3B)" in said


def test_a_file_of_accuracies_is_reported_as_accuracies(run: Any, tmp_path: Path) -> None:
    """Its value column is read as the loss and its metric column makes the rows accuracies: the report said
    "losses, value→loss" for an accuracy file."""
    losses, accs, mixed = tmp_path / "losses.csv", tmp_path / "acc.csv", tmp_path / "mixed.csv"
    sizes = [(1e7 * 2**i, 2e8 * 2**i) for i in range(8)]
    losses.write_text(
        "dataset,N,D,eval,loss\n"
        + "".join(f"a,{n},{d},a_val,{3 - i / 10}\n" for i, (n, d) in enumerate(sizes))
    )
    accs.write_text(
        "dataset,N,D,eval,metric,value\n"
        + "".join(f"a,{n},{d},quiz,accuracy,{0.3 + i / 50}\n" for i, (n, d) in enumerate(sizes))
    )
    mixed.write_text(
        "dataset,N,D,eval,metric,value\n"
        + "".join(
            f"a,{n},{d},a_val,loss,{3 - i / 10}\na,{n},{d},quiz,accuracy,{0.3 + i / 50}\n"
            for i, (n, d) in enumerate(sizes)
        )
    )
    doc = json.loads(run("ingest", losses, accs, "-f", "json").stdout)
    by_file = {Path(r["file"]).name: r for r in doc["rows"]}
    assert by_file["acc.csv"]["what"] == "accuracies"
    assert by_file["acc.csv"]["aliases"] == "value→accuracy"
    assert by_file["losses.csv"]["what"] == "losses"
    rows = json.loads(run("ingest", mixed, "-f", "json").stdout)["rows"]
    assert [(r["what"], r["read"], r["kept"], r["aliases"]) for r in rows] == [
        ("losses, accuracies", 16, 16, "value→loss/accuracy")
    ]
    assert "notes" in json.loads(run("runs", "-f", "json").stdout)  # every document has notes, empty or not


def test_the_same_workspace_gives_the_same_json_from_run_to_run(run: Any, good: Path) -> None:
    # the splits of `runs` came in group_by's order, which varies from call to call
    run("ingest", good / "long.csv")
    first = run("runs", "-f", "json").stdout
    assert all(run("runs", "-f", "json").stdout == first for _ in range(5))


def test_repeats_whose_values_differ_by_more_than_a_tenth_are_refused_not_averaged(
    run: Any, tmp_path: Path, ws_path: Path
) -> None:
    """A loss and an accuracy logged under one metric: 3.49 and 0.25 at one (dataset, N, D, eval) are no repeats."""
    path = tmp_path / "dup.csv"
    rows = ["dataset,N,D,eval,loss", "a,1e8,2e9,a_val,3.1", "a,1e8,2e9,hs,3.486", "a,1e8,2e9,hs,0.2517"]
    path.write_text("\n".join(rows) + "\n")
    result = run("ingest", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {path}, line 4, column 'loss': repeated measurement with different values: dataset 'a', "
        "N=1.00e+08, D=2.00e+09, eval 'hs' appears 2 times (lines 3-4) with values 3.486, 0.2517, 1285 % apart: "
        "not averaged"
    )
    assert "--best-of COL" in result.stderr
    assert "--strict" in result.stderr
    assert not (ws_path / "l2l-workspace.json").exists()
    # within a tenth they are one measurement logged twice: averaged, and said
    path.write_text("\n".join([*rows[:3], "a,1e8,2e9,hs,3.3"]) + "\n")
    result = run("ingest", path)
    assert result.exit_code == 0
    assert "averaged; their losses differ by up to 5.6 %" in result.stdout
    assert run("runs", "-f", "json").stdout.count('"runs": 1') >= 1


def test_a_wide_per_step_export_keeps_the_final_checkpoint_of_its_accuracies_as_the_long_table_does(
    run: Any, tmp_path: Path
) -> None:
    wide, long = tmp_path / "wide.csv", tmp_path / "long.csv"
    w_rows, l_rows = (
        ["run,dataset,N,step,D,val_loss,hs_loss,hs_acc"],
        ["run_id,dataset,N,step,D,eval,metric,value"],
    )
    for i, n in enumerate((1e8, 2e8, 4e8)):
        for step in (1, 2, 3):
            d, loss, acc = n * 20 * step, 3.5 - 0.2 * step - 0.1 * i, 0.3 + 0.05 * step + 0.02 * i
            w_rows.append(f"r{i},web,{n:g},{step},{d:g},{loss},{loss + 1},{acc}")
            l_rows += [
                f"r{i},web,{n:g},{step},{d:g},val,loss,{loss}",
                f"r{i},web,{n:g},{step},{d:g},hs,loss,{loss + 1}",
                f"r{i},web,{n:g},{step},{d:g},hs,accuracy,{acc}",
            ]
    wide.write_text("\n".join(w_rows) + "\n")
    long.write_text("\n".join(l_rows) + "\n")
    result = run("ingest", wide, "--wide", "--accuracy-columns", "*_acc")
    assert result.exit_code == 0
    assert "Ingested 1 file: kept 9 of 27 values" in result.stdout
    assert "losses, accuracies" in result.stdout
    from l2l.io.tables import read_runs

    w = read_runs([wide], wide=True, accuracy_columns="*_acc")
    lg = read_runs([long])
    cols = ["dataset", "N", "D", "eval", "accuracy", "run_id"]
    assert w.accuracy is not None
    assert lg.accuracy is not None
    assert w.accuracy.select(cols).sort(cols).equals(lg.accuracy.select(cols).sort(cols))
    assert sorted(w.accuracy["D"].to_list()) == [6e9, 1.2e10, 2.4e10]  # each run's final checkpoint only
    assert w.frame.height == lg.frame.height == 6


def test_one_dataset_in_other_units_is_refused_or_warned_about_though_the_table_median_passes(
    run: Any, tmp_path: Path
) -> None:
    """Two groups' exports in one table (or two files ingested together): books' D in billions beside web's and
    code's token counts kept the table's median D/N at 10, so it was stored without a word, and `rank` put books
    first at P(best) 1.00 with N* = 84.4T (probe h23). A dataset's own median is checked too: refused for D/N below
    0.1 or above 1e6 (its N in millions), warned about above 5,000 (its N in thousands)."""
    head = "dataset,N,D,eval,loss\n"
    grid = [(n, n * r) for n in (2e7, 1e8, 5e8) for r in (10, 40)]

    def rows(ds: str, n_div: float, d_div: float) -> str:
        return "".join(
            f"{ds},{n / n_div:g},{d / d_div:g},{ds}_val,{2 + 1e7 / n + 1e8 / d:.4f}\n" for n, d in grid
        )

    mixed = tmp_path / "mixed.csv"
    mixed.write_text(head + rows("web", 1, 1) + rows("code", 1, 1) + rows("books", 1, 1e9))
    refused = run("ingest", mixed)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Error: {mixed}, column 'D': dataset 'books': its median run sees 2.5e-08 tokens per parameter (D/N; N up to "
        "5e+08, D up to 20), the table's 10: its N ('N') and D ('D') are not counted in the same units"
    )
    assert not (tmp_path / "ws").exists()  # nothing stored
    apart = tmp_path / "web_code.csv"
    apart.write_text(head + rows("web", 1, 1) + rows("code", 1, 1))
    books = tmp_path / "books.csv"
    books.write_text(head + rows("books", 1, 1e9))
    together = run("ingest", apart, books)
    assert together.exit_code == 1
    assert together.stderr.startswith(
        f"Error: {books}, column 'D': dataset 'books': its median run sees 2.5e-08"
    )
    millions = tmp_path / "millions.csv"
    millions.write_text(head + rows("web", 1, 1) + rows("code", 1, 1) + rows("books", 1e6, 1))
    # (warned of alone, it was still ranked first at P(best) 1.00, N* = 2.33M)
    refused = run("ingest", millions)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Error: {millions}, column 'N': dataset 'books': its median run sees 2.5e+07 tokens per parameter"
    )
    assert "(N in thousands or millions of parameters?)" in refused.stderr
    thousands = tmp_path / "thousands.csv"
    thousands.write_text(head + rows("web", 1, 1) + rows("code", 1, 1) + rows("books", 1e3, 1))
    warned = run("ingest", thousands, "--format", "json")
    assert warned.exit_code == 0, warned.stderr
    assert any(
        "warning: dataset 'books': its median run sees 2.5e+04 tokens per parameter (D/N; N up to 5e+05), the "
        "table's 40: scaling sweeps see 8-200. Is its N counted in thousands or millions?" in n
        for n in json.loads(warned.stdout)["notes"]
    )
    same = tmp_path / "same.csv"
    same.write_text(head + rows("web", 1, 1) + rows("code", 1, 1) + rows("books", 1, 1))
    fine = run("ingest", same, "--format", "json")
    assert fine.exit_code == 0, fine.stderr
    assert not any("tokens per parameter" in n for n in json.loads(fine.stdout)["notes"])


def test_n_in_millions_beside_d_in_billions_is_refused_naming_both_columns(run: Any, tmp_path: Path) -> None:
    """60 and 1.2 for 60M parameters on 1.2B tokens: 0.02 tokens per parameter, which no sweep has; stored, it
    made N* = 21.7T and D* = 7.68M in later commands, after one warning at ingest."""
    table = tmp_path / "mb.csv"
    table.write_text(
        "dataset,params_M,tokens_B,eval,loss\n"
        + "".join(f"web,{n},{n / 50},web_val,{3 - i * 0.1}\n" for i, n in enumerate((60, 150, 300)))
    )
    result = run("ingest", table, "--column", "N=params_M", "--column", "D=tokens_B")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {table}, column 'tokens_B': the median run sees 0.02 tokens per parameter (D/N; N up to 300, D up "
        "to 6): N ('params_M') and D ('tokens_B') are not counted in the same units"
    )
    assert (  # (the unit its name says: 'tokens (B)' had the general hint alone, a probe's)
        "Hint: column 'tokens_B' looks like D counted in billions: l2l reads it as a plain count, so convert it "
        "(D = tokens_B × 1e9)" in result.stderr
    )
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(table.read_text().replace("tokens_B", "tokens (B)").replace("params_M", "params"))
    said = run("ingest", spaced, "--column", "D=tokens (B)").stderr
    assert "Hint: column 'tokens (B)' looks like D counted in billions" in said
    assert "\n" not in said.strip()
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(table.read_text().replace("tokens_B", "tokens").replace("params_M", "params"))
    said = run("ingest", unnamed).stderr
    assert "Hint: give N in parameters and D in tokens, as numbers (6e7, 1.2e9) or with their unit" in said
    table.write_text(
        table.read_text().replace(",60,", ",60M,").replace(",150,", ",150M,").replace(",300,", ",300M,")
    )
    table.write_text(
        table.read_text().replace(",1.2,", ",1.2B,").replace(",3.0,", ",3B,").replace(",6.0,", ",6B,")
    )
    assert run("ingest", table, "--column", "N=params_M", "--column", "D=tokens_B").exit_code == 0


def test_own_evals_of_two_datasets_whose_names_hold_an_equals_sign_are_not_one_key_given_twice(
    run: Any, tmp_path: Path
) -> None:
    rows = ["dataset,N,D,eval,loss"]
    for k, mix in enumerate(("web=0.7,code=0.3", "web=0.5,books=0.5")):
        for i, n in enumerate((1e8, 2e8, 4e8)):
            for ev in ("a_val", "b_val"):
                rows.append(
                    f'"{mix}",{n:g},{20 * n:g},{ev},{3.2 - i / 10 + k / 20 + (ev == "b_val") / 5:.3f}'
                )
    path = tmp_path / "mix.csv"
    path.write_text("\n".join(rows) + "\n")
    result = run(  # "'web' is given twice ('0.7,code=0.3=a_val' and '0.5,books=0.5=b_val')", exit 2
        "ingest", path, "--own-eval", "web=0.7,code=0.3=a_val", "--own-eval", "web=0.5,books=0.5=b_val", "-v"
    )
    assert result.exit_code == 0, result.output
    assert "own eval: web=0.5,books=0.5 → b_val (explicit)" in result.stdout
    assert "own eval: web=0.7,code=0.3 → a_val (explicit)" in result.stdout


def test_a_column_of_epochs_above_one_is_warned_about_at_ingest(run: Any, good: Path, tmp_path: Path) -> None:
    # a multi-epoch sweep's `epochs` column was listed as "not used" and nothing said D counts repeated tokens
    lines = (good / "long.csv").read_text().splitlines()
    for epochs, warned in (("1", False), ("4", True)):
        rows = [lines[0] + ",epochs"] + [f"{ln},{epochs if i % 2 else 1}" for i, ln in enumerate(lines[1:])]
        path = tmp_path / f"epochs_{epochs}.csv"
        path.write_text("\n".join(rows) + "\n")
        result = run("ingest", path)
        assert result.exit_code == 0
        said = "warning: column 'epochs' says" in result.stdout + result.stderr
        assert said is warned, epochs
        if warned:
            assert "up to 4 epochs" in result.stdout + result.stderr
            assert "--where 'epochs<=1'" in result.stdout + result.stderr


def test_compute_in_different_units_is_refused_in_one_file_and_a_file_in_other_units_takes_6nd(
    run: Any, good: Path, tmp_path: Path, ws_path: Path
) -> None:
    # PF-days for one dataset, a blank C (taken as 6·N·D) for the other: N* came out at 1e20 parameters and the
    # datasets were ranked by their units, with only a note
    lines = (good / "long.csv").read_text().splitlines()
    header, rows = lines[0] + ",C", lines[1:]
    first = rows[0].split(",")[0]

    def table(name: str, pf_days_for: str | None, total_params: bool = False) -> Path:
        out = [header]
        for ln in rows:
            ds, n, d = ln.split(",")[:3]
            c = 6.0 * float(n) * float(d) / 8.64e19 if ds == pf_days_for else None
            if total_params:
                c = (7.0 if ds == first else 11.0) * float(n) * float(d)
            out.append(f"{ln},{'' if c is None else repr(c)}")
        path = tmp_path / name
        path.write_text("\n".join(out) + "\n")
        return path

    mixed = run("ingest", table("mixed.csv", first))
    assert mixed.exit_code == 1
    assert mixed.stderr.startswith(
        f"Error: {tmp_path / 'mixed.csv'}, column 'C': the compute C is in different units"
    )
    assert not ws_path.exists()
    assert run("ingest", table("total.csv", None, total_params=True)).exit_code == 0  # 7-11 FLOPs: one unit
    pf, rest = tmp_path / "pf.csv", tmp_path / "rest.csv"
    pf_rows = [
        ln for ln in table("all_pf.csv", first).read_text().splitlines()[1:] if ln.startswith(f"{first},")
    ]
    pf.write_text("\n".join([header, *pf_rows]) + "\n")
    rest.write_text("\n".join([lines[0], *(ln for ln in rows if not ln.startswith(f"{first},"))]) + "\n")
    alone = run("ingest", pf)  # one unit throughout, and not FLOPs: 6·N·D (it was kept, N* at 1e20)
    assert alone.exit_code == 0
    assert "the table's C column is not in FLOPs: C/(N·D) is 6.94e-20" in alone.stdout
    appended = run("ingest", "--append", rest)  # no C column: 6·N·D beside 6·N·D (refused beside PF-days)
    assert appended.exit_code == 0
    stored = Workspace(ws_path).load()
    assert (stored.frame["C"] / (6 * stored.frame["N"] * stored.frame["D"])).round(9).unique().to_list() == [
        1.0
    ]


def test_a_dataset_whose_shared_eval_is_in_another_unit_is_warned_about(
    run: Any, synthetic_csv: Path, tmp_path: Path
) -> None:
    # bits per byte appended beside nats: a probe's books was ranked first with P(best) 1.00, nothing said
    lines = synthetic_csv.read_text().splitlines()
    header = lines[0].split(",")
    i_loss = header.index("loss")

    def scaled(ln: str) -> str:
        cells = ln.split(",")
        if cells[0] == "gamma" and cells[header.index("eval")] == "downstream/quiz":
            cells[i_loss] = repr(float(cells[i_loss]) * 0.3)
        return ",".join(cells)

    plain = run("ingest", synthetic_csv)
    assert "another unit" not in plain.output
    table = tmp_path / "bpb.csv"
    table.write_text("\n".join([lines[0], *map(scaled, lines[1:])]) + "\n")
    res = run("ingest", table)
    assert res.exit_code == 0
    assert "warning: 'gamma' on 'downstream/quiz': its losses are 0.3" in res.output
    # the same, seen only once the two tables are together
    first = tmp_path / "ab.csv"
    first.write_text("\n".join([lines[0], *(ln for ln in lines[1:] if not ln.startswith("gamma,"))]) + "\n")
    rest = tmp_path / "g.csv"
    rest.write_text(
        "\n".join([lines[0], *(scaled(ln) for ln in lines[1:] if ln.startswith("gamma,"))]) + "\n"
    )
    assert run("ingest", first).exit_code == 0
    appended = run("ingest", "--append", rest)
    assert appended.exit_code == 0
    assert "'gamma' on 'downstream/quiz': its losses are 0.3" in appended.output


def test_n_and_d_columns_named_with_a_unit_get_a_hint_to_convert_and_map_them(
    run: Any, tmp_path: Path
) -> None:
    table = tmp_path / "mm.csv"
    table.write_text("dataset,eval,loss,params_M,tokens_B\nweb,web_val,4.0,50,1.2\nweb,web_val,3.5,100,2.4\n")
    res = run("ingest", table)
    assert res.exit_code == 1
    hint = "Hint: " + res.stderr.strip().splitlines()[-1].partition(" Hint: ")[2]
    assert "column 'params_M' looks like N counted in millions" in hint
    assert "N = params_M × 1e6" in hint
    assert "--column N=params_M" in hint
    # both columns at once: fixing one met the other's error next (p71)
    assert "'tokens_B' looks like D counted in billions" in hint
    assert "--column N=params_M --column D=tokens_B" in hint


def test_a_literal_star_in_a_name_is_selected_with_brackets(run: Any, good: Path, tmp_path: Path) -> None:
    lines = (good / "long.csv").read_text().splitlines()
    rows = [ln for ln in lines[1:] if ln.startswith("web-corpus,")]
    table = tmp_path / "stars.csv"
    table.write_text("\n".join([lines[0], *(r.replace("web-corpus", "web*") for r in rows), *rows]) + "\n")
    star = run("ingest", table, "--where", "dataset=web[*]", "--format", "json")
    assert star.exit_code == 0
    assert json.loads(star.stdout)["rows"][0]["kept"] == len(rows)  # web* alone; `web*` would keep both


def test_n_counted_in_thousands_is_ingested_with_a_warning_naming_the_tokens_per_parameter(
    run: Any, tmp_path: Path
) -> None:
    """125M parameters written as 125000 (a params_K column) passed every check: N* came out 1000× low."""
    table = tmp_path / "params_k.csv"
    table.write_text(
        "dataset,params_K,D,eval,loss\n"
        + "".join(
            f"web,{n},{n * 20e3:g},web_val,{3 - i * 0.1}\n" for i, n in enumerate((60000, 125000, 350000))
        )
    )
    said = " ".join(run("ingest", table, "--column", "N=params_K").output.split())
    assert "warning: the median run sees 2e+04 tokens per parameter" in said
    assert "Is N counted in thousands?" in said


def test_an_appended_file_without_the_stored_mapped_column_is_refused_not_read_from_an_alias(
    run: Any, tmp_path: Path, ws_path: Path, snap: Any
) -> None:
    """``--column N=non_embedding_params`` stored, then a file with only ``params`` (total counts) appended: its
    N came from ``params`` with nothing said, the law's α 0.81 for a truth of 0.45 (a probe)."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(
        "dataset,params,non_embedding_params,D,eval,loss\n"
        + "".join(
            f"web,{3.4 * n:g},{n:g},{20 * n:g},web_val,{3 - i / 10}\n" for i, n in enumerate((2e7, 5e7, 1e8))
        )
    )
    b.write_text(
        "dataset,params,D,eval,loss\n"
        + "".join(
            f"code,{3.4 * n:g},{20 * n:g},code_val,{2 - i / 10}\n" for i, n in enumerate((2e7, 5e7, 1e8))
        )
    )
    assert run("ingest", a, "--column", "N=non_embedding_params").exit_code == 0
    before = snap(ws_path)
    refused = run("ingest", "--append", b)
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Error: {b}, column 'params': the workspace takes N from column 'non_embedding_params'"
    )
    assert "give --column N=params if" in refused.stderr
    assert snap(ws_path) == before
    assert run("ingest", "--append", b, "--column", "N=params").exit_code == 0  # the user's word


def test_an_eval_named_perplexity_is_left_out_with_a_warning_and_alone_refused(
    run: Any, tmp_path: Path
) -> None:
    """A long table's eval ``wikitext_word_perplexity`` (values 6-13, below the "above 13" warning) was fitted,
    predicted and ranked as a loss with calibrated intervals (a probe); ``log_ppl`` is a loss."""
    rows = [(n, 20 * n, 3.2 - i / 10) for i, n in enumerate((2e7, 5e7, 1e8, 2e8))]
    table = tmp_path / "ppl.csv"
    table.write_text(
        "dataset,N,D,eval,loss\n"
        + "".join(f"web,{n:g},{d:g},web_val,{x}\nweb,{n:g},{d:g},wikitext_word_perplexity,{2.7**x:.4g}\n"
                  f"web,{n:g},{d:g},wiki_log_ppl,{x + 0.2}\n" for n, d, x in rows)
    )  # fmt: skip
    said = " ".join(run("ingest", table).output.split())
    assert "warning: left out 4 rows of 'wikitext_word_perplexity': the eval's name says perplexities" in said
    doc = json.loads(run("runs", "--evals", "--format", "json").stdout)
    assert "wikitext_word_perplexity" not in json.dumps(doc)
    assert "wiki_log_ppl" in json.dumps(doc)
    only = tmp_path / "only_ppl.csv"
    only.write_text(
        "\n".join(ln for ln in table.read_text().splitlines() if "web_val" not in ln and "log" not in ln)
    )
    refused = run("ingest", only)
    assert refused.exit_code == 1
    assert "every loss row is of an eval whose name says perplexity" in refused.stderr


def test_an_eval_detected_as_the_own_eval_of_two_datasets_is_said_to_be_one_eval(
    run: Any, tmp_path: Path
) -> None:
    """Pythia's pile and pile-dedup, both measured on pile_val: the naming rules give it to both (pile-dedup is
    named after it, as slimpajama_chunk1 after slimpajama), and their translations read "train-to-train" with
    nothing to say they compare losses on one eval (probe p44). Given for all, a training loss is each one's own."""
    rows = ["dataset,N,D,eval,loss"] + [
        f"{ds},{n:g},{20 * n:g},pile_val,{2.0 + 1e9 / n / 100 + k * 0.05:.4f}"
        for k, ds in enumerate(("pile", "pile-dedup"))
        for n in (1e8, 2e8, 4e8)
    ]
    (tmp_path / "pythia.csv").write_text("\n".join(rows) + "\n")
    said = run("ingest", tmp_path / "pythia.csv")
    assert said.exit_code == 0, said.stderr
    assert (
        "own eval: pile_val is the own eval of pile, pile-dedup: their train-to-train translations compare"
        in (" ".join((said.stdout + said.stderr).split()))
    )
    given = run("-w", tmp_path / "given", "ingest", tmp_path / "pythia.csv", "--own-eval", "all=pile_val")
    assert given.exit_code == 0, given.stderr
    assert "is the own eval of" not in given.stdout + given.stderr


def test_repeated_accuracy_rows_are_counted_merged_not_kept(run: Any, tmp_path: Path) -> None:
    """A long table whose accuracy rows repeat with nothing telling them apart: they are averaged like losses, and
    the report said "kept 100" of them beside 90 stored (probe p44)."""
    rows = ["dataset,N,D,eval,metric,value"]
    for n in (1e8, 2e8, 4e8, 8e8):
        rows += [f"web,{n:g},{20 * n:g},web_val,loss,{2.0 + 1e9 / n / 100:.4f}"]
        rows += [f"web,{n:g},{20 * n:g},hellaswag,accuracy,{0.3 + n / 4e9:.4f}"] * (2 if n < 5e8 else 1)
    (tmp_path / "dups.csv").write_text("\n".join(rows) + "\n")
    result = run("ingest", tmp_path / "dups.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["read"], row["kept"], row["merged"]) == (11, 8, 3)


def test_an_ingest_without_append_says_which_stored_datasets_it_replaced(run: Any, tmp_path: Path) -> None:
    """Ingest replaces what is stored unless --append; two ingests racing lost one file's runs without a word
    (probe p47). It says what is no longer stored, and nothing when the same datasets are stored again."""
    for name in ("a", "b"):
        rows = ["dataset,N,D,eval,loss"] + [
            f"{name},{n:g},{20 * n:g},{name}_val,{2 + 1e7 / n:.4f}" for n in (1e8, 2e8)
        ]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n")
    assert run("ingest", tmp_path / "a.csv").exit_code == 0
    second = run("ingest", tmp_path / "b.csv", "--format", "json")
    assert second.exit_code == 0, second.stderr
    notes = json.loads(second.stdout)["notes"]
    assert any(
        n.startswith("replaced the workspace's 2 runs (1 dataset); no longer stored: a") for n in notes
    )
    again = run("ingest", tmp_path / "b.csv", "--format", "json")
    assert not any("replaced" in n for n in json.loads(again.stdout)["notes"])
    appended = run("ingest", tmp_path / "a.csv", "--append", "--format", "json")
    assert not any("replaced" in n for n in json.loads(appended.stdout)["notes"])


def test_an_ingest_without_append_says_it_stored_fewer_runs_of_the_same_datasets(
    run: Any, tmp_path: Path
) -> None:
    """Two ingests of one sweep's halves (the same datasets), racing or one after the other without --append: the
    second replaced the first's runs and neither said a word (probe h23: 99 runs stored, 9 kept). It says how many
    runs it replaced by how many; nothing when as many or more are stored again."""
    head = "dataset,N,D,eval,loss"
    big = [f"web,{n:g},{20 * n:g},web_val,{2 + 1e7 / n:.4f}" for n in (1e8, 2e8, 4e8)]
    (tmp_path / "big.csv").write_text("\n".join([head, *big]) + "\n")
    (tmp_path / "small.csv").write_text("\n".join([head, "web,8e8,1.6e10,web_val,2.0125"]) + "\n")
    assert run("ingest", tmp_path / "big.csv").exit_code == 0
    second = run("ingest", tmp_path / "small.csv", "--format", "json")
    assert second.exit_code == 0, second.stderr
    notes = json.loads(second.stdout)["notes"]
    assert (
        "replaced the workspace's 3 runs (1 dataset) by 1 run: 2 fewer runs (--append adds to what is stored)"
        in notes
    )
    again = run("ingest", tmp_path / "big.csv", "--format", "json")
    assert not any("replaced" in n for n in json.loads(again.stdout)["notes"])
    # as many runs again, without the shared eval the stored table had (h23 left open)
    shared = [*big, *(f"web,{n:g},{20 * n:g},paloma,{2.5 + 1e7 / n:.4f}" for n in (1e8, 2e8, 4e8))]
    (tmp_path / "shared.csv").write_text("\n".join([head, *shared]) + "\n")
    assert run("ingest", tmp_path / "shared.csv").exit_code == 0
    dropped = run("ingest", tmp_path / "big.csv", "--format", "json")
    assert (
        "replaced the workspace's 3 runs (1 dataset) by 3 runs: eval no longer stored: paloma (--append adds to "
        "what is stored)" in json.loads(dropped.stdout)["notes"]
    )


def test_a_repeat_that_differs_across_two_files_names_both_places(run: Any, tmp_path: Path) -> None:
    """It named the first file's line alone, twice ("appears 2 times (line 52)"), the other copy being line 52 of
    the second file (probe p47)."""
    head = "dataset,N,D,eval,loss"
    (tmp_path / "a.csv").write_text(f"{head}\nweb,1e8,2e9,web_val,3.0\nweb,2e8,4e9,web_val,2.8\n")
    (tmp_path / "b.csv").write_text(f"{head}\nweb,3e8,6e9,web_val,2.7\nweb,1e8,2e9,web_val,3.6\n")
    result = run("ingest", tmp_path / "a.csv", tmp_path / "b.csv")
    assert result.exit_code == 1
    assert f"({tmp_path / 'a.csv'} line 2, {tmp_path / 'b.csv'} line 3)" in " ".join(result.stderr.split())


def test_a_utf16_table_is_refused_saying_to_save_it_as_utf8(run: Any, tmp_path: Path) -> None:
    """Excel's "Unicode text" and PowerShell write UTF-16: it was "a NUL byte: this is binary data" (probe p48)."""
    text = "dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.0\n"
    for name, data in (("bom.csv", text.encode("utf-16")), ("le.csv", text.encode("utf-16-le"))):
        (tmp_path / name).write_bytes(data)
        result = run("ingest", tmp_path / name)
        assert result.exit_code == 1
        assert (
            result.stderr.splitlines()[0].partition(". Hint: ")[0]
            == f"Error: {tmp_path / name}: UTF-16 text: l2l reads UTF-8 tables"
        )


def test_a_runs_blank_split_takes_the_split_its_other_rows_say(run: Any, tmp_path: Path) -> None:
    """One model's own-eval row with a blank split beside its shared-eval row saying `sweep`: it was counted in two
    splits and `fit-law --split sweep` dropped it without a word (probe p48)."""
    rows = ["dataset,N,D,eval,loss,split,run_id"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        rows.append(f"web,{n:g},{20 * n:g},web_val,{2 + 1e7 / n:.4f},{'' if i == 0 else 'sweep'},r{i}")
        rows.append(f"web,{n:g},{20 * n:g},c4_val,{2.2 + 1e7 / n:.4f},sweep,r{i}")
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    result = run("ingest", tmp_path / "t.csv", "--format", "json")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any("1 row had a blank split where the same run's other rows say one" in n for n in notes), notes
    runs = json.loads(run("runs", "--format", "json").stdout)
    assert runs["splits"] == ["sweep"]


def _plain_sweep() -> pl.DataFrame:
    """The plainest scaling-law table: one corpus, one validation loss, ``params, tokens, loss`` (Eq. 1's truth)."""
    sizes, multiples = (2e7, 5e7, 1e8, 2e8, 5e8), (5, 10, 20, 40)
    rows = [(n, m * n, 1.7 + 400 / n**0.34 + 410 / (m * n) ** 0.28) for n in sizes for m in multiples]
    return pl.DataFrame(rows, schema=["params", "tokens", "loss"], orient="row")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_table_without_dataset_and_eval_columns_is_ingested_with_dataset_and_eval_named(
    run: Any, tmp_path: Path, fmt: str
) -> None:
    """``params,tokens,loss`` could not be ingested without editing the file: ``--dataset`` and ``--eval`` name
    the one corpus and the one eval of every row, in every format l2l reads."""
    path = tmp_path / f"plain.{fmt}"
    frame = _plain_sweep()
    {"csv": frame.write_csv, "parquet": frame.write_parquet, "jsonl": frame.write_ndjson}[fmt](path)
    result = run("ingest", path, "--dataset", "c4", "--eval", "c4_val", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["stored"]["datasets"], doc["stored"]["evals"], doc["stored"]["runs"]) == (
        ["c4"],
        ["c4_val"],
        20,
    )
    assert f"{path}: dataset 'c4' in every row (--dataset: the table has no dataset column)" in doc["notes"]
    assert f"{path}: eval 'c4_val' in every row (--eval: the table has no eval column)" in doc["notes"]


def test_a_table_given_its_dataset_and_eval_fits_a_law_and_predicts(run: Any, tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    _plain_sweep().write_csv(path)
    assert run("ingest", path, "--dataset", "c4", "--eval", "c4_val").exit_code == 0
    fit = run("fit-law", "--form", "chinchilla", "-f", "json")
    assert fit.exit_code == 0, fit.output
    (law,) = json.loads(fit.stdout)["rows"]
    assert (law["dataset"], law["eval"]) == ("c4", "c4_val")
    assert_allclose([law["E"], law["alpha"], law["beta"]], [1.7, 0.34, 0.28], rtol=1e-2)
    predicted = run(
        "predict", "-d", "c4", "--N", "7e9", "--D", "1.4e11", "--form", "chinchilla", "-f", "json"
    )
    assert predicted.exit_code == 0, predicted.output
    (row,) = json.loads(predicted.stdout)["rows"]
    assert_allclose(row["loss"], 1.7 + 400 / 7e9**0.34 + 410 / 1.4e11**0.28, rtol=1e-3)


@pytest.mark.parametrize(
    ("header", "args", "fragment"),
    [
        (
            "dataset,params,tokens,eval,loss",
            ["--dataset", "c4"],
            "the table has a dataset column ('dataset')",
        ),
        ("corpus,params,tokens,loss", ["--dataset", "c4", "--eval", "v"], "has a dataset column ('corpus')"),
        ("dataset,params,tokens,task,loss", ["--eval", "v"], "the table has an eval column ('task')"),
        ("params,tokens,loss", ["--dataset", "c4", "--column", "dataset=params"], "dataset given twice"),
        (
            "dataset,params,tokens,loss",
            ["--eval", "v", "--wide"],
            "a wide table's evals are its loss columns",
        ),
        ("params,tokens,loss", ["--dataset", "all", "--eval", "v"], "'all' is the keyword"),
    ],
)
def test_a_dataset_or_eval_named_for_a_table_that_has_that_column_is_a_usage_error(
    run: Any, tmp_path: Path, ws_path: Path, header: str, args: list[str], fragment: str
) -> None:
    path = tmp_path / "t.csv"
    values = {"dataset": "web", "corpus": "web", "eval": "web_val", "task": "web_val"}
    cols = header.split(",")
    path.write_text(
        header
        + "\n"
        + "".join(
            ",".join(
                values.get(c, {"params": f"{n:g}", "tokens": f"{20 * n:g}", "loss": "3.1"}.get(c, ""))
                for c in cols
            )
            + "\n"
            for n in (1e8, 2e8, 4e8)
        )
    )
    result = run("ingest", path, *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr.splitlines()[0]
    assert not ws_path.exists()


def test_each_appended_table_without_a_dataset_column_is_given_its_own(run: Any, tmp_path: Path) -> None:
    """``--dataset`` is no stored mapping: each ingest names its table's dataset."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _plain_sweep().write_csv(a)
    _plain_sweep().with_columns(pl.col("loss") + 0.1).write_csv(b)
    assert run("ingest", a, "--dataset", "web", "--eval", "val").exit_code == 0
    result = run("ingest", "--append", b, "--dataset", "code", "--eval", "val", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"]["datasets"] == ["code", "web"]


def test_a_wide_exports_nan_cell_is_counted_apart_from_its_empty_cells(run: Any, tmp_path: Path) -> None:
    """A crashed run's NaN was "not a finite number" and exit 1 for the whole file; it is counted with the rows
    rejected, said with its run, and not called an empty cell."""
    rows = ["run_id,dataset,N,D,eval/val/loss,eval/code/loss"]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        val = {1: "NaN", 2: ""}.get(i, f"{3.1 - i / 5:.2f}")
        rows.append(f"r{i},web,{n:g},{20 * n:g},{val},{3.5 - i / 5:.2f}")
    export = tmp_path / "export.csv"
    export.write_text("\n".join(rows) + "\n")
    result = run("ingest", export, "--wide", "--loss-columns", "eval/*/loss", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["read"], row["kept"], row["rejected"]) == (8, 6, 2)
    said = " ".join(run("ingest", export, "--wide", "--loss-columns", "eval/*/loss").output.split())
    assert "1 empty loss cell skipped" in said
    assert "warning: 1 NaN loss cell skipped, as empty cells are (a crashed or diverged run?): run r1" in said


def test_the_one_eval_of_a_table_of_one_dataset_is_its_own(run: Any, tmp_path: Path) -> None:
    """``params,tokens,loss`` read with ``--dataset c4 --eval val`` was ingested, then ``fit-law``, ``predict``
    and ``optimal`` refused it for want of an own eval (the eval not being named after the dataset; probe p58)."""
    path = tmp_path / "plain.csv"
    _plain_sweep().write_csv(path)
    result = run("ingest", path, "--dataset", "c4", "--eval", "val")
    assert result.exit_code == 0, result.output
    assert "own eval: c4 → val (only)" in result.output
    fit = run("fit-law", "-f", "json")
    assert fit.exit_code == 0, fit.output
    (law,) = json.loads(fit.stdout)["rows"]
    assert (law["dataset"], law["eval"]) == ("c4", "val")
    assert run("optimal", "--C", "1e21").exit_code == 0


@pytest.mark.parametrize(
    ("where", "code", "fragment"),
    [
        ("D<=1e9", 0, "--where D<=1e9: "),
        ("D<1B", 0, "--where D<1B: "),
        ("dataset<=3", 2, "Error: --where dataset<=3: column 'dataset' of "),
        ("D<=much", 2, "Error: --where D<=much: 'much' is neither a number nor a column of "),
        ("D<=", 2, "Error: expected COL=VALUE, COL!=VALUE, COL<X, COL<=X, COL>X or COL>=X, got 'D<='"),
    ],
)
def test_where_compares_numbers_and_a_comparison_it_cannot_make_is_a_one_line_usage_error(
    run: Any, good: Path, ws_path: Path, where: str, code: int, fragment: str
) -> None:
    """'--where D<=2e9' (the repeated-data warning's advice) gave "no column 'D<' to filter on", exit 1."""
    result = run("ingest", good / "long.csv", "--where", where)
    assert result.exit_code == code, result.output
    if code:
        assert result.stderr.splitlines()[0].startswith(fragment)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
        assert not ws_path.exists()
    else:
        assert fragment in result.stdout


def test_an_eval_named_as_the_wide_export_logged_it_is_its_stored_name(
    run: Any, ws_path: Path, tmp_path: Path
) -> None:
    """A wide export's loss columns lost their shared ``_val/loss`` on ingest (``eval/c4_val/loss`` → ``c4``), and
    the name as the logger wrote it was refused (probe p66 NEW-G b); the val marker now stays, so that one column
    is one eval whatever else its file holds (probe h1), and the logged name is the stored one."""
    rows = ["dataset,N,D,eval/web_val/loss,eval/c4_val/loss,eval/c4_val/bpb"]
    for n in (1e8, 2e8, 4e8):
        for d in (2e9, 4e9, 8e9):
            loss = 2 + (n / 1e8) ** -0.3 + (d / 1e9) ** -0.3
            rows.append(f"web,{n:g},{d:g},{loss:.4f},{loss + 0.2:.4f},{(loss + 0.2) / 2.5:.4f}")
    table = tmp_path / "wide.csv"
    table.write_text("\n".join(rows) + "\n")
    assert run("ingest", table, "--wide").exit_code == 0
    doc = json.loads(run("runs", "--evals", "-f", "json").stdout)
    assert {r["eval"] for r in doc["rows"]} == {"web_val", "c4_val", "c4_val:bpb"}
    result = run("fit-law", "--eval", "c4")
    assert result.exit_code == 1
    assert "it could be c4_val, c4_val:bpb" in result.stderr


def test_a_ladder_whose_final_checkpoints_lie_on_one_line_points_at_every_checkpoint(run: Any) -> None:
    """p70: one run per size, each trained to 20 tokens per parameter: the final checkpoints fit Eq. 3 along that
    line only (E 0.07 for a true 1.8), and nothing pointed at the log's other checkpoints."""
    from pathlib import Path

    table = Path(__file__).resolve().parents[1] / "data" / "probe" / "ladder_accuracy_every_second_step.csv"
    result = run(
        "ingest", table, "--wide", "--dataset", "web", "--loss-columns", "train/loss|eval/*/loss",
        "--accuracy-columns", "eval/*/acc",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "every final checkpoint has about 20 tokens per parameter" in said
    assert "--checkpoints all fits on every checkpoint" in said


def test_a_log_read_at_one_final_token_count_is_told_to_keep_every_checkpoint(
    run: Any, tmp_path: Path
) -> None:
    # probe p77 (Pythia's shape: every run to the same token count): fit-law said "add runs at more token counts",
    # which the log already held at its other checkpoints
    lines = ["dataset,N,step,tokens,eval,loss"]
    for n in (7e7, 1.6e8, 4e8, 1e9, 1.4e9, 2.8e9, 6.9e9):
        for step in range(1, 6):
            lines.append(
                f"pile,{n:.0f},{step},{step * 6e10:.0f},pile_val,{2 + 400 * n**-0.3 + 300 * (step * 6e10) ** -0.3}"
            )
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    assert run("ingest", path).exit_code == 0
    # at its one token count the final checkpoints pin a law in N alone (helper h70): given, and the fix named for
    # a law in N and D
    result = run("fit-law")
    assert result.exit_code == 0, result.output
    assert "at D = 300B only" in " ".join(result.stdout.split())
    assert "ingest it again with --checkpoints all" in result.stderr
    # predict (off that D) and optimal said "add runs at more token counts" (probe h48)
    for command in (("predict", "--N", "12B", "--D", "600B"), ("optimal", "--C", "1e23")):
        result = run(*command)
        assert result.exit_code == 1
        assert "every run lies at D = 300B" in result.stderr
        assert "ingest it again with --checkpoints all" in result.stderr, command
        assert "add runs at more token counts" not in result.stderr


def test_a_ranking_of_logs_read_at_one_final_token_count_names_their_other_checkpoints(
    run: Any, tmp_path: Path
) -> None:
    """Two Pythia-shaped logs (standard and deduplicated) read at their final checkpoints: at their one token count
    they rank by their laws in N (h73); at another D the refusal names --checkpoints all (it had said "compare the
    measured losses yourself", probe h48)."""
    lines = ["dataset,N,step,tokens,eval,loss"]
    for ds, e in (("pile", 2.0), ("pile-deduped", 1.97)):
        for n in (7e7, 1.6e8, 4e8, 1e9, 1.4e9, 2.8e9, 6.9e9):
            for step in range(1, 6):
                loss = e + 400 * n**-0.3 + 300 * (step * 6e10) ** -0.3
                lines.append(f"{ds},{n:.0f},{step},{step * 6e10:.0f},pile_val,{loss}")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    assert run("ingest", path).exit_code == 0
    at = run("rank", "-t", "own", "--N", "12B", "--D", "300B", "-f", "json")
    assert at.exit_code == 0, at.output
    assert json.loads(at.stdout)["leader"] == "pile-deduped"
    result = run("rank", "-t", "own", "--N", "12B", "--D", "600B")
    assert result.exit_code == 1, result.output
    assert "no dataset could be ranked" in result.stderr
    assert "ingest it again with --checkpoints all" in result.stderr


def test_ingest_perplexity_fits_the_laws_of_the_log_table_and_says_so(run: Any, tmp_path: Path) -> None:
    """``ingest --perplexity`` on a table of val_ppl gives the laws its log table gives (probe h42: it was refused,
    the user told to add log columns by hand)."""
    import math

    def table(ppl: bool) -> str:
        rows = ["dataset,params,tokens,eval," + ("val_ppl" if ppl else "val_loss")]
        for n in (2e7, 5e7, 1e8, 2e8, 4e8):
            for k in (10, 20, 40):
                x = 2.1 + 400 / n**0.3 + 800 / (k * n) ** 0.35
                rows.append(f"web,{n:g},{k * n:g},web_val,{math.exp(x) if ppl else x!r}")
        return "\n".join(rows) + "\n"

    laws = []
    for name, ppl in (("ppl.csv", True), ("log.csv", False)):
        path = tmp_path / name
        path.write_text(table(ppl))
        ws = tmp_path / f"ws_{name}"
        done = run("-w", ws, "ingest", path, *(["--perplexity"] if ppl else []))
        assert done.exit_code == 0, done.stderr
        if ppl:
            assert "read as ln(perplexity), the loss in nats (--perplexity): val_ppl → loss" in done.stdout
        fitted = run("-w", ws, "fit-law", "--form", "l2l", "--format", "json")
        assert fitted.exit_code == 0, fitted.stderr
        laws.append({k: json.loads(fitted.stdout)["rows"][0][k] for k in ("E", "alpha", "beta", "A", "B")})
    assert laws[0] == pytest.approx(laws[1], rel=1e-9)
    assert laws[0]["E"] == pytest.approx(2.1, rel=0.02)
    refused = run("-w", tmp_path / "ws_no", "ingest", tmp_path / "ppl.csv")
    assert refused.exit_code == 1
    assert "--perplexity reads it as ln(val_ppl), the loss" in refused.stderr


def test_a_dash_for_standard_input_is_told_l2l_reads_files(run: Any, ws_path: Path) -> None:
    """`l2l ingest -` said `-: unsupported file type '(no extension)' … rename it to .csv or .tsv`: advice about a
    file that is standard input (h54). l2l reads no table from it, and says so; nothing is written."""
    for args in (("ingest", "-"), ("fit-law", "-")):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (
            "Error: -: l2l reads no table from standard input. Hint: write it to a file first (… > runs.csv) and "
            "name the file"
        )
    assert not ws_path.exists()


def test_a_table_given_to_a_command_is_told_where_its_where_hint_goes_and_pasted_it_reads(
    run: Any, tmp_path: Path
) -> None:
    """h57: ``l2l runs t.csv`` with a bad cell was told "--where 'loss!=abc'"; pasted after the command it is a
    usage error ("No such option: --where"): for a table, --where is l2l's own option, before the command."""
    import shlex

    path = tmp_path / "t.csv"
    path.write_text("dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.1\nweb,2e8,4e9,web_val,abc\n")
    refused = run("runs", path)
    assert refused.exit_code == 1
    hint = refused.stderr.split("Hint: ", 1)[1]
    pasted = shlex.split(hint.rsplit("before the command: ", 1)[1].rstrip(")\n"))
    assert pasted == ["l2l", "--where", "loss!=abc", "COMMAND", str(path)]
    assert run("runs", path, "--where", "loss!=abc").exit_code == 2  # after the command: a usage error
    result = run(*pasted[1:3], "runs", path)
    assert result.exit_code == 0, result.output
    assert "1 run" in result.stdout


def test_loss_and_accuracy_column_globs_may_be_repeated_and_each_must_match(run: Any, tmp_path: Path) -> None:
    """--loss-columns took one pattern (helper h90): an export whose losses no one glob names (a train loss beside
    eval/*/loss) needed 'a|b'. Both column globs are repeatable now, as alternatives of one pattern; a misspelt one
    is refused by name, not passed over while another matched."""
    wide = tmp_path / "wide.csv"
    wide.write_text(
        "dataset,N,D,train/loss,eval/quiz/loss,eval/quiz/acc,eval/cloze/accuracy\n"
        "alpha,1e8,2e9,3.0,3.1,0.31,0.41\n"
        "alpha,2e8,2e9,2.8,2.9,0.35,0.45\n"
    )
    losses = ["--loss-columns", "train/loss", "--loss-columns", "eval/*/loss"]
    accs = ["--accuracy-columns", "eval/*/acc", "--accuracy-columns", "eval/*/accuracy"]
    result = run("ingest", wide, "--wide", *losses, *accs, "-f", "json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["inputs"]
    assert entry["loss_columns"] == {"train/loss": "train/loss", "eval/quiz/loss": "quiz"}
    assert entry["accuracy_columns"] == {"eval/quiz/acc": "quiz", "eval/cloze/accuracy": "cloze"}
    typo = run("ingest", wide, "--wide", *losses, "--loss-columns", "eval/*/los")
    assert typo.exit_code == 1
    assert "the loss-column pattern 'eval/*/los' matches no column" in " ".join(typo.stderr.split())
    typo = run("ingest", wide, "--wide", *losses, *accs, "--accuracy-columns", "eval/*/acc_norm")
    assert typo.exit_code == 1
    assert "the accuracy-column pattern 'eval/*/acc_norm' matches no column" in " ".join(typo.stderr.split())
    helped = " ".join(run("ingest", "--help").output.split())
    assert "glob naming the loss columns; repeatable" in helped
