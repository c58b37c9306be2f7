"""Reading, checking and normalising run tables into the canonical table."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base import schema
from l2l.base.errors import InputError, SelectionError, UsageError
from l2l.io import readers as l2l_readers
from l2l.io import tables as l2l_tables
from l2l.io.tables import read_runs
from tests.conftest import PAPER_OWN, write

REAL = Path(__file__).parents[1] / "data" / "real"


# ----------------------------------------------------------------------------------------------------
# schema


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3.3e9", 3.3e9),
        ("3.3B", 3.3e9),
        ("3.3b", 3.3e9),
        ("20M", 2e7),
        ("1.5T", 1.5e12),
        ("150k", 1.5e5),
        ("2G", 2e9),
        (" 7 ", 7.0),
        ("0.12 G", 1.2e8),
        ("100M tokens", 1e8),  # a word saying what is counted (p67: refused with no hint)
        ("300B Tokens", 3e11),
        ("125M params", 1.25e8),
        ("1.2e9 parameters", 1.2e9),
    ],
)
def test_parse_quantity_accepts_numbers_and_unit_suffixes(text: str, value: float) -> None:
    assert schema.parse_quantity(text) == value  # exact: "3.3B" is the same float as "3.3e9"


def test_parse_quantity_rejects_unknown_suffix_and_junk() -> None:
    with pytest.raises(schema.UnitError, match="'X'"):
        schema.parse_quantity("3.3X")
    with pytest.raises(ValueError, match="not a number"):
        schema.parse_quantity("three")
    with pytest.raises(ValueError, match="not a number"):
        schema.parse_quantity("tokens")


@pytest.mark.parametrize(
    ("name", "canon"),
    [
        ("params", "N"),
        ("Num Params", "N"),
        ("model-size", "N"),
        ("TOKENS", "D"),
        ("train_tokens", "D"),
        ("pretrain_data", "dataset"),
        ("benchmark", "eval"),
        ("FLOPs", "C"),
        ("model", "run_id"),
        ("xent", "loss"),
        ("loss", "loss"),
        ("whatever", None),
    ],
)
def test_canonical_name_matches_aliases_case_and_separator_insensitively(
    name: str, canon: str | None
) -> None:
    assert schema.canonical_name(name) == canon


def test_format_quantity_is_short_and_exact() -> None:
    assert schema.format_quantity(1.2e8) == "1.2e8"
    assert schema.format_quantity(3e9) == "3e9"
    assert schema.format_quantity(4630828457.139856) == "4.630828457139856e9"
    assert schema.synth_run_id("fineweb", 1.2e8, 3e9) == "fineweb:N=1.2e8:D=3e9"


# ----------------------------------------------------------------------------------------------------
# checks (one bad file each; the CLI side is in test_cli_ingest.py)


def test_each_check_names_file_line_and_column(bad_input: tuple[Path, int | None, str | None, str]) -> None:
    path, line, column, message = bad_input
    with pytest.raises(InputError) as info:
        read_runs([path])
    exc = info.value
    assert (exc.path, exc.line, exc.column) == (str(path), line, column)
    assert message in exc.message


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        (
            "empty.csv",
            "l2l reads a header row of column names (dataset, N, D, eval, loss; or one loss column per",
        ),
        ("header_only.csv", "add the runs under the header, one row each with its N, D and loss"),
        ("runs.xlsx", "save the sheet as CSV"),
        ("not_a_number.csv", "correct the cell, or leave its row out: --where 'loss!=abc'"),
        ("zero_params.csv", "correct the cell, or leave its row out: --where 'N>0'"),
        ("negative_loss.csv", "correct the cell, or leave its row out: --where 'loss>0'"),
    ],
)
def test_a_refused_table_names_its_fix(name: str, fix: str) -> None:
    """Each of these was one line with no fix (probe p66 NEW-F): what a table holds, how to convert it, and how to
    mend or leave out a bad cell's row."""
    with pytest.raises(InputError) as info:
        read_runs([REAL.parent / "bad" / name])
    assert info.value.hint is not None
    assert fix in info.value.hint


@pytest.mark.parametrize(
    ("column", "bad"), [("loss", "abc"), ("N", "0"), ("N", "-5"), ("D", "twenty"), ("loss", "-3")]
)
def test_the_where_a_bad_cell_names_leaves_its_row_out(tmp_path: Path, column: str, bad: str) -> None:
    """The ``--where`` a bad cell's hint names is a fix: it leaves out that row alone, and the table is read."""
    import re

    rows = [{"N": "1e8", "D": "2e9", "loss": "3.1"}, {"N": "2e8", "D": "4e9", "loss": "2.9"}]
    rows.append({"N": "4e8", "D": "8e9", "loss": "2.7", column: bad})
    text = "dataset,N,D,eval,loss\n" + "".join(f"web,{r['N']},{r['D']},v,{r['loss']}\n" for r in rows)
    path = write(tmp_path / "runs.csv", text)
    with pytest.raises(InputError) as info:
        read_runs([path])
    keep = re.search(r"--where '([^']+)'", info.value.hint or "")
    assert keep is not None
    assert read_runs([path], where=[keep.group(1)]).frame.height == 2


def test_a_bad_cell_that_no_where_can_name_is_told_to_be_corrected_or_deleted(tmp_path: Path) -> None:
    """A value that shell quotes or a glob would change is never offered as a --where (it would leave out other
    rows, or none)."""
    for value in ("it's", "a*"):
        path = write(
            tmp_path / "odd.csv", f"dataset,N,D,eval,loss\nweb,1e8,2e9,v,3.1\nweb,2e8,4e9,v,{value}\n"
        )
        with pytest.raises(InputError, match="not a number") as info:
            read_runs([path])
        assert info.value.hint == "correct the cell, or delete its row"


def test_a_file_of_another_type_is_told_how_to_become_one_l2l_reads(tmp_path: Path) -> None:
    for name, fix in [
        (
            "runs.json",
            "JSON with one object per line is NDJSON: rename it to .jsonl; a JSON array of objects",
        ),
        ("runs.parquet.gz", "decompress it (gunzip FILE)"),
        ("runs.txt", "a CSV or TSV file under another name: rename it to .csv or .tsv"),
    ]:
        with pytest.raises(InputError, match="unsupported file type") as info:
            read_runs([write(tmp_path / name, "x")])
        assert info.value.hint is not None
        assert info.value.hint.startswith(fix)


def test_lm_eval_harness_results_files_are_told_how_to_become_a_run_keyed_accuracy_table(
    tmp_path: Path,
) -> None:
    """One results JSON per model (lm-evaluation-harness) was told to rename it .jsonl, and its folder only that it
    is not a table; both now name the flattening into run_id, eval, metric, value appended by run id."""
    import json

    folder = tmp_path / "results"
    folder.mkdir()
    result = {
        "results": {"hellaswag": {"acc,none": 0.41, "acc_stderr,none": 0.005}},
        "config": {"model": "hf"},
    }
    (folder / "m000.json").write_text(json.dumps(result), encoding="utf-8")
    for path in (folder, folder / "m000.json"):
        with pytest.raises(InputError) as info:
            read_runs([path])
        hint = info.value.hint or ""
        assert hint.startswith("lm-evaluation-harness results (one file per model")
        assert '{run_id: $id, eval: .key, metric: "accuracy", value: .value["acc,none"]}' in hint
        assert hint.endswith("acc_norm,none for the normalised score)")
    with pytest.raises(InputError, match="is a directory, not a table") as info:
        read_runs([tmp_path / "results"])
    (folder / "m000.json").write_text(json.dumps([{"N": 1}]), encoding="utf-8")  # another JSON: the old hint
    with pytest.raises(InputError) as info:
        read_runs([folder / "m000.json"])
    assert (info.value.hint or "").startswith("JSON with one object per line is NDJSON")


def test_an_accuracy_column_without_a_loss_is_not_offered_as_the_loss_without_a_metric(
    tmp_path: Path,
) -> None:
    """A flattened lm-eval table (model, …, eval, acc,none) was told `--column loss=model`, or `--column
    loss=acc,none` beside no metric column."""
    header = 'model,dataset,N,D,eval,"acc,none","acc_stderr,none"\n'
    bare = write(tmp_path / "acc.csv", header + "hf,web,1e8,2e9,hellaswag,0.41,0.005\n")
    with pytest.raises(InputError, match="missing column 'loss'") as info:
        read_runs([bare])
    assert (info.value.hint or "").startswith(
        "column 'acc,none' holds scores (its name says so), not losses: add a column metric = accuracy, which says "
        "the rows are accuracies, and --column 'loss=acc,none' reads the scores as the rows' values"
    )
    marked = write(tmp_path / "m.csv", 'dataset,N,D,eval,metric,"acc,none"\nweb,1e8,2e9,hellaswag,acc,0.41\n')
    with pytest.raises(InputError, match="missing column 'loss'") as info:
        read_runs([marked])
    assert (info.value.hint or "").startswith(
        "column 'acc,none' holds scores (its name says so), not losses: column 'metric' says which rows are "
        "accuracies, and --column 'loss=acc,none'"
    )


def test_an_unreadable_or_empty_parquet_file_is_told_to_be_written_again(tmp_path: Path) -> None:
    bad = tmp_path / "runs.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a readable Parquet file") as info:
        read_runs([bad])
    assert (info.value.hint or "").startswith("write it again (polars df.write_parquet(PATH)")
    empty = tmp_path / "empty.parquet"
    pl.DataFrame({"dataset": [], "N": [], "D": [], "eval": [], "loss": []}).write_parquet(empty)
    with pytest.raises(InputError, match="no data rows") as info:
        read_runs([empty])
    assert info.value.hint == "write the table again with its runs, one row each with its N, D and loss"


def test_missing_eval_column_lists_found_columns_and_suggests_naming_the_eval_or_wide(good: Path) -> None:
    with pytest.raises(InputError) as info:
        read_runs([good.parent / "bad" / "missing_column.csv"])
    assert "found 'dataset', 'N', 'D', 'loss'" in info.value.message
    assert "benchmark" in info.value.message
    assert info.value.hint == (
        "a table of one loss per run: --eval NAME names the set every row's loss is measured on; if the table has "
        "one column per eval (one row per run), read it as a wide table (--wide)"
    )
    read = read_runs(
        [good.parent / "bad" / "missing_column.csv"], constants={"eval": "val"}
    )  # the fix it names
    assert read.evals == ["val"]


def test_a_table_of_one_sweep_without_dataset_and_eval_is_told_to_name_them_or_read_the_loss_wide(
    tmp_path: Path,
) -> None:
    plain = write(tmp_path / "plain.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n")
    with pytest.raises(InputError) as info:
        read_runs([plain])  # the accepted names, no hint
    assert info.value.hint == (
        "a table of one corpus and one loss (params, tokens, loss): --dataset NAME --eval NAME name the data every "
        "row trained on and the set its loss is measured on (or --wide takes the loss column as the eval 'loss'); "
        "a table of several datasets holds their names in a column: add one, or read one under another name with "
        "--column dataset=COL"
    )
    read = read_runs([plain], constants={"dataset": "web", "eval": "web_val"})  # the fix the hint names
    assert (read.datasets, read.evals, read.own_eval) == (["web"], ["web_val"], {"web": "web_val"})
    assert read_runs([plain], wide=True, constants={"dataset": "web"}).evals == ["loss"]  # and the other
    with pytest.raises(InputError) as info:
        read_runs([plain], constants={"eval": "web_val"})
    assert info.value.message.endswith("found 'params', 'tokens', 'loss' (and --eval web_val)")
    assert info.value.hint is not None
    assert info.value.hint.startswith("a table of one corpus or mixture: --dataset NAME names the data")


def test_eval_named_for_two_files_of_which_one_has_an_eval_column_names_the_ingest_apart(
    tmp_path: Path,
) -> None:
    """Two files whose columns differ (``dataset,params,tokens,val_loss`` and ``dataset,N,D,eval,loss``): the first's
    refusal offered --eval NAME, the second's then "leave --eval out", each pointing at the other (h50); the second
    now names the way out, one ingest per file (a file alone keeps the one-file hint)."""
    rows = "".join(f"{n:g},{20 * n:g},{3.5 - i / 10}\n" for i, n in enumerate((1e8, 2e8, 4e8)))
    a = write(
        tmp_path / "a.csv", "dataset,params,tokens,val_loss\n" + "".join(f"web,{r}\n" for r in rows.split())
    )
    b = write(
        tmp_path / "b.csv",
        "dataset,N,D,eval,loss\n"
        + "".join(f"books,{n},{d},books_val,{v}\n" for n, d, v in (r.split(",") for r in rows.split())),
    )
    with pytest.raises(UsageError) as both:
        read_runs([a, b], constants={"eval": "web_val"})
    assert both.value.hint == (
        "leave --eval out; to keep the rows of one eval, use --where eval=web_val; --eval names it for every file of "
        "one ingest: ingest the files without an eval column alone with --eval web_val, then this one with --append"
    )
    with pytest.raises(UsageError) as alone:
        read_runs([b], constants={"eval": "web_val"})
    assert alone.value.hint == "leave --eval out; to keep the rows of one eval, use --where eval=web_val"
    assert read_runs([a], constants={"eval": "web_val"}).evals == ["web_val"]


def test_a_named_dataset_survives_the_careful_reader_which_names_the_line_of_a_bad_value(
    tmp_path: Path,
) -> None:
    """A scanned file that fails a check is read again, carefully: the constant columns come with it."""
    rows = "".join(f"{n:g},{20 * n:g},{3.5 - i / 10}\n" for i, n in enumerate((1e8, 2e8, 4e8, 8e8)))
    bad = write(tmp_path / "bad.csv", "params,tokens,loss\n" + rows + "1.6e9,3.2e10,-1\n")
    with pytest.raises(InputError) as info:
        read_runs([bad], constants={"dataset": "web", "eval": "val"})
    assert (info.value.line, info.value.column) == (6, "loss")
    quoted = write(tmp_path / "quoted.csv", '"params","tokens","loss"\n' + rows)  # never scanned
    log = write(  # a per-step log with run ids: the one-pass reader of final checkpoints
        tmp_path / "log.csv",
        "run_id,params,tokens,step,loss\n"
        + "".join(
            f"r{i},{n:g},{s * n:g},{s},{3.5 - i / 10 + 1 / s}\n"
            for i, n in enumerate((1e8, 2e8, 4e8))
            for s in (5, 10, 20)
        ),
    )
    for path in (quoted, log):
        read = read_runs([path], constants={"dataset": "web", "eval": "val"})
        assert (read.datasets, read.evals) == (["web"], ["val"]), path


def test_in_a_table_of_one_model_size_a_column_of_mixtures_is_offered_as_the_dataset(tmp_path: Path) -> None:
    """RegMix's shape: many data mixtures, one small model each (two seeds): no name can span two model sizes, the
    test that keeps a run's own name out, so no column was offered (probe h48)."""
    rows = ["mix,params,tokens,seed,eval,loss"]
    for m in range(6):
        for seed in (0, 1):
            rows.append(f"mix{m:02d},1e6,1e9,{seed},pile_cc_val,{8.3 + m / 10 + seed / 100:.3f}")
    path = write(tmp_path / "regmix.csv", "\n".join(rows) + "\n")
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert info.value.hint == (
        "if column 'mix' names the data each run trained on, read it as the dataset: --column dataset=mix"
    )
    assert len(read_runs([path], columns={"dataset": "mix"}).datasets) == 6


def test_a_column_of_a_few_names_is_offered_as_the_dataset_and_neither_run_names_nor_metrics_are(
    tmp_path: Path,
) -> None:
    rows = ["recipe,params,tokens,model,task,metric,value"]
    for recipe in ("dolma", "c4"):
        for i, n in enumerate((1e8, 2e8, 4e8)):
            for metric, value in (("loss", 3.1 - i / 5), ("accuracy", 0.3 + i / 10)):
                rows.append(f"{recipe},{n:g},{20 * n:g},{recipe}-{i},{recipe}_val,{metric},{value:.2f}")
    path = write(tmp_path / "dd.csv", "\n".join(rows) + "\n")
    with pytest.raises(InputError) as info:
        read_runs([path])  # DataDecide's recipe: the accepted names, no hint
    assert info.value.hint == (
        "if column 'recipe' names the data each run trained on, read it as the dataset: --column dataset=recipe"
    )
    assert read_runs([path], columns={"dataset": "recipe"}).datasets == ["c4", "dolma"]
    no_recipe = write(
        tmp_path / "no.csv", "\n".join(",".join(r.split(",")[1:]) for r in rows) + "\n"
    )  # model (a name per run) and metric (loss, accuracy) are no datasets
    with pytest.raises(InputError) as info:
        read_runs([no_recipe])
    # the run names say which data at one (N, D) (dolma-0, c4-0): said, never offered as the dataset column (h76)
    assert info.value.hint == (
        "run names differ in one part between runs at one (N, D): 'dolma' / 'c4' (e.g. dolma-0, c4-0): the data "
        "each run trained on? add a dataset column (l2l reads none out of a name); a table of one corpus or "
        "mixture: --dataset NAME names the data every row trained on; a table of several datasets holds their "
        "names in a column: add one, or read one under another name with --column dataset=COL"
    )


def test_a_json_dump_of_nested_objects_is_told_to_flatten_them(tmp_path: Path) -> None:
    line = (
        '{"name": "r0", "config": {"dataset": "c4", "n_params": 1e8, "train_tokens": 2e9, "lr": 3e-4, "split": '
        '"sweep"}, "summary": {"eval/c4_val/loss": 3.1}}'
    )
    path = write(tmp_path / "wandb.jsonl", line + "\n")
    with pytest.raises(InputError) as info:
        read_runs([path])  # "missing columns ... found 'name', 'config', 'summary'", no hint
    assert info.value.hint == (
        "columns 'config', 'summary' hold nested objects (config: dataset, n_params, train_tokens, lr, …; summary: "
        "eval/c4_val/loss): l2l reads flat tables, one value per column: flatten them first (pandas.json_normalize "
        "names each field by its path), then read the flat table with --column CANON=FIELD for the fields l2l does "
        "not know by name (--column dataset=config.dataset, --column N=config.n_params), and --wide where each "
        "eval's loss is a field of its own"
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_long_table_with_an_unknown_loss_name_is_told_to_name_it_not_to_read_it_wide(
    tmp_path: Path, suffix: str
) -> None:
    """eval is there, the loss column is called loss_bits: --wide would read the table wrong; --column is the fix."""
    frame = pl.DataFrame(
        {
            "dataset": ["web"] * 3,
            "N": [1e8, 2e8, 4e8],
            "D": [2e9, 4e9, 8e9],
            "eval": ["v"] * 3,
            "loss_bits": [4.4, 4.2, 4.0],
        }
    )
    path = tmp_path / f"bits{suffix}"
    frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
    with pytest.raises(InputError) as info:
        read_runs([path])
    # (it said "e.g. --column loss=loss_bits": bits fitted as nats, 1.44 times too high, nothing said)
    assert info.value.hint == (
        "column 'loss_bits' holds losses in bits (log2; its name says so), and l2l fits nats (natural log): add a "
        "column loss_bits × ln 2 (loss_bits × 0.6931) and give it as the loss (--column loss=COL)"
    )
    assert info.value.param == "column"
    fixed = read_runs([path], columns={"loss": "loss_bits"})
    assert fixed.frame.height == 3
    said = " ".join(fixed.provenance[0].get("decisions", []))
    assert "warning: the losses are read as they are from 'loss_bits', whose name says bits, not nats" in said


def test_a_table_with_compute_but_no_tokens_is_told_how_to_give_them(tmp_path: Path) -> None:
    path = tmp_path / "no_d.csv"
    path.write_text("dataset,N,C,eval,loss\nweb,2e7,1.2e16,train,5.3\n")
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert info.value.hint == (
        "the table gives N and compute C but no training tokens D, and l2l does not derive D from C: add a D "
        "column; if C = 6·N·D holds for these runs (C counted without attention or embeddings), that is "
        "D = C / (6·N)"
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_table_with_compute_and_tokens_but_no_parameter_count_is_told_how_to_give_it(
    tmp_path: Path, suffix: str
) -> None:
    """Probe h48: D and FLOPs, no N (flops_D.parquet), was refused with the aliases of N and no hint."""
    frame = pl.DataFrame(
        {
            "dataset": ["web"] * 2,
            "D": [2e9, 4e9],
            "flops": [2.4e17, 4.8e17],
            "eval": ["v"] * 2,
            "loss": [3.1, 3.0],
        }
    )
    path = tmp_path / f"no_n{suffix}"
    frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert info.value.hint == (
        "the table gives D and compute C but no parameter count N, and l2l does not derive N from C: add an N "
        "column; if C = 6·N·D holds for these runs (C counted without attention or embeddings), that is "
        "N = C / (6·D)"
    )


def test_sizes_written_with_a_unit_and_chinchilla_multiples_are_named_in_the_hint(tmp_path: Path) -> None:
    """Probe h48: a DataDecide/OLMo-ladder table (recipe, size "20M"/"1B", chinchilla "0.5x"/"5x") was refused with
    the aliases of dataset, N and D and no hint; with the mapping given, D's refusal said nothing of the multiples."""
    path = tmp_path / "ladder.csv"
    rows = [
        f"{r},{n},{m},task,3.0"
        for r in ("dolma", "c4")
        for n in ("20M", "150M", "1B")
        for m in ("0.5x", "5x")
    ]
    path.write_text("recipe,size,chinchilla,eval,loss\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as first:
        read_runs([path])
    assert first.value.hint == (
        "column 'size' holds counts with a unit (20M, 150M, 1B), as N is written: if it counts each model's "
        "parameters, read it as N: --column N=size --column dataset=recipe"
    )
    # a token count written alike before it: the size is offered, by its name
    tok = tmp_path / "tok.csv"
    tok.write_text(
        "recipe,tok,size,eval,loss\n"
        + "\n".join(f"{r},{n}B,{n}M,task,3.0" for r in ("dolma", "c4") for n in (2, 15, 100))
        + "\n"
    )
    with pytest.raises(InputError) as named:
        read_runs([tok])
    assert named.value.hint is not None
    assert "--column N=size --column dataset=recipe" in named.value.hint
    with pytest.raises(InputError) as then:
        read_runs([path], columns={"dataset": "recipe", "N": "size"})
    assert then.value.hint == (
        "column 'chinchilla' holds multiples (0.5x, 5x), not the training tokens D: if they are multiples of a "
        "number of tokens per parameter (Chinchilla's 20), add a column D = multiple × 20 × N (l2l derives no D) "
        "and map it: --column D=COL"
    )


def test_a_table_of_unique_tokens_and_epochs_without_d_is_told_how_to_give_d(tmp_path: Path) -> None:
    """A data-constrained sweep writing its unique tokens and passes instead of D was refused with D's aliases and
    no hint (h50); the hint names the product, and with that column the runs are read and the repeats warned."""
    path = tmp_path / "ep.csv"
    rows = [
        f"web,{n:g},{u:g},{e:g},web_val,{3.0 + 1e7 / n:.4f}"
        for n in (2e7, 4e7, 8e7)
        for u, e in ((4e8, 1), (4e8, 4))
    ]
    path.write_text("dataset,N,unique_tokens,epochs,eval,loss\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        read_runs([path])
    assert err.value.hint == (
        "column 'unique_tokens' counts the unique tokens of the data, not the tokens trained on, D: add a column "
        "D = unique_tokens × epochs and map it: --column D=COL (l2l then warns where D repeats the data and keeps "
        "the unique tokens)"
    )
    given = tmp_path / "ep_d.csv"
    given.write_text(
        "dataset,N,unique_tokens,epochs,eval,loss,tokens\n"
        + "\n".join(f"{r},{float(r.split(',')[2]) * float(r.split(',')[3]):g}" for r in rows)
        + "\n"
    )
    runs = read_runs([given])
    assert sorted(set(runs.frame.get_column("D").to_list())) == [4e8, 1.6e9]
    assert runs.unique_tokens == {"web": 4e8}


def test_perplexity_columns_are_never_read_as_losses_even_through_a_pattern(tmp_path: Path) -> None:
    path = tmp_path / "ppl.csv"
    path.write_text(
        "dataset,params,tokens,val_perplexity,c4_ppl\nweb,2e7,2e8,137.7,506.5\nweb,4e7,4e8,90.1,300.2\n"
    )
    with pytest.raises(InputError) as auto:
        read_runs([path], wide=True)
    assert auto.value.hint is not None
    assert auto.value.hint.startswith(
        "l2l fits per-token losses (nats), the log of a perplexity: --perplexity reads each such column as "
        "ln(perplexity) under a loss name (c4_ppl → c4_loss); or add, for each eval, a column"
    )
    assert "--loss-columns" in auto.value.hint  # how, in a wide read (p67: "give that one as the loss")
    assert auto.value.param is None  # not "name the loss columns": a pattern would take the perplexities
    with pytest.raises(InputError) as named:
        read_runs([path], wide=True, loss_columns="*_ppl")
    assert "the loss-column pattern '*_ppl' takes 'c4_ppl': column 'c4_ppl' holds perplexities" in str(
        named.value
    )
    assert named.value.hint == auto.value.hint


def test_a_perplexity_column_is_never_suggested_nor_taken_as_the_loss(tmp_path: Path) -> None:
    path = tmp_path / "ppl.csv"
    path.write_text(
        "dataset,N,D,eval,perplexity\ncode,6e7,1.2e9,code_val,5.2\ncode,1.2e8,2.4e9,code_val,4.1\n"
    )
    with pytest.raises(InputError) as missing:
        read_runs([path])
    assert missing.value.hint is not None
    assert "--column loss=perplexity" not in missing.value.hint
    assert "add a column of log(perplexity)" in missing.value.hint
    with pytest.raises(InputError) as mapped:
        read_runs([path], columns={"loss": "perplexity"})
    assert str(mapped.value) == (
        f"{path}, line 1, column 'perplexity': column 'perplexity' holds perplexities (its name says so), not "
        "losses: a law of perplexity is not a law of loss"
    )
    assert "log(perplexity)" in (mapped.value.hint or "")
    # its log is a loss: mapped, and taken by a wide table's detection
    path.write_text(
        "dataset,N,D,eval,log_ppl\ncode,6e7,1.2e9,code_val,1.65\ncode,1.2e8,2.4e9,code_val,1.41\n"
    )
    assert read_runs([path], columns={"loss": "log_ppl"}).frame["loss"].to_list() == [1.65, 1.41]
    wide = tmp_path / "wide.csv"
    wide.write_text("dataset,N,D,val_log_ppl,val_ppl\ncode,6e7,1.2e9,1.65,5.2\ncode,1.2e8,2.4e9,1.41,4.1\n")
    assert read_runs([wide], wide=True).evals == ["val_log_ppl"]


def test_parquet_errors_give_the_row(tmp_path: Path) -> None:
    path = tmp_path / "runs.parquet"
    pl.DataFrame(
        {"dataset": ["a", "a"], "N": [1e8, 2e8], "D": [2e9, 4e9], "eval": ["v", "v"], "loss": [3.0, -1.0]}
    ).write_parquet(path)
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert (info.value.line, info.value.column) == (None, "loss")
    assert info.value.message == f"{path}, column 'loss': row 2: loss must be > 0, got '-1.0'"


def test_parquet_list_and_duration_columns_are_not_used_and_refused_where_needed(tmp_path: Path) -> None:
    """A W&B export's tags (a list) or a runtime (a duration) beside the table: an internal error, polars' own
    exception from the library, while looking for a metric column (p63)."""
    import datetime as dt

    base = {"dataset": ["a", "a"], "N": [1e8, 2e8], "D": [2e9, 4e9], "eval": ["v", "v"], "loss": [3.0, 2.9]}
    path = tmp_path / "runs.parquet"
    extra = {"tags": [[1, 2], [3]], "runtime": [dt.timedelta(seconds=5), dt.timedelta(seconds=9)]}
    pl.DataFrame({**base, **extra}).write_parquet(path)
    assert read_runs([path]).frame.height == 2
    pl.DataFrame({**base, "dataset": extra["runtime"]}).write_parquet(path)
    with pytest.raises(InputError, match="expected text, found Duration") as info:
        read_runs([path])
    assert info.value.column == "dataset"


@pytest.mark.parametrize("suffix", [".csv", ".ndjson", ".parquet", "quoted.csv"])
def test_a_model_of_less_than_one_parameter_is_refused_as_on_the_command_line(
    tmp_path: Path, suffix: str
) -> None:
    """N = 0.5 was kept (31 of 31 rows), while --N 0.5 is refused: billions written as a fraction (p63)."""
    frame = pl.DataFrame(
        {
            "dataset": ["a"] * 3,
            "N": [1e8, 0.5, 2e8],
            "D": [2e9, 3e9, 4e9],
            "eval": ["v"] * 3,
            "loss": [3.0, 2.9, 2.8],
        }
    )
    path = tmp_path / f"r{suffix}"
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".ndjson":
        frame.write_ndjson(path)
    else:
        frame.write_csv(path, quote_style="always" if suffix == "quoted.csv" else "necessary")
    with pytest.raises(InputError, match=r"N must be a count of at least 1 parameter, got '0\.5'") as info:
        read_runs([path])
    assert info.value.column == "N"
    assert info.value.line == {".parquet": None, ".ndjson": 2}.get(suffix, 3)  # (NDJSON has no header line)


def test_unknown_own_eval_dataset_or_eval_is_an_error(good: Path) -> None:
    with pytest.raises(SelectionError, match="unknown dataset 'nope'"):
        read_runs([good / "long.csv"], own_eval={"nope": "web_val"})
    with pytest.raises(SelectionError, match=r"no eval 'nope' measured on code \(evals: code_val, web_val\)"):
        read_runs([good / "long.csv"], own_eval={"code": "nope"})


def mixtures_named_with_equals(tmp_path: Path) -> Path:
    """Two mixtures named by their weights (``web=0.7,code=0.3``), each measured on its own eval and pile_val."""
    rows = ["dataset,N,D,eval,loss"]
    for k, mix in enumerate(("web=0.7,code=0.3", "web=0.5,books=0.5")):
        for i, n in enumerate((1e8, 2e8, 4e8)):
            for ev in (f"{mix}_val", "pile_val"):
                rows.append(
                    f'"{mix}",{n:g},{20 * n:g},"{ev}",{3.2 - i / 10 + k / 20 + (ev == "pile_val") / 5:.3f}'
                )
    return write(tmp_path / "mix.csv", "\n".join(rows) + "\n")


def test_own_eval_of_a_dataset_whose_name_holds_an_equals_sign_is_split_where_the_dataset_is(
    tmp_path: Path,
) -> None:
    path = mixtures_named_with_equals(tmp_path)
    runs = read_runs([path], own_eval={"web": "0.7,code=0.3=pile_val"})  # "dataset 'web' is ambiguous"
    assert runs.own_eval == {"web=0.5,books=0.5": "web=0.5,books=0.5_val", "web=0.7,code=0.3": "pile_val"}
    for given in ({"web=0.7,code=0.3": "pile_val"}, {"web=0.7": "pile_val"}):  # at the last '='; a prefix
        assert read_runs([path], own_eval=given).own_eval == runs.own_eval
    with pytest.raises(SelectionError, match="dataset 'web' is ambiguous"):  # no split names one dataset
        read_runs([path], own_eval={"web": "pile_val"})


def test_strict_rejects_repeats_naming_their_lines(good: Path) -> None:
    with pytest.raises(InputError) as info:
        read_runs([good / "repeats.csv"], strict=True)
    assert info.value.line == 3
    assert "appears 3 times, at lines 2-4 (seeds 0, 1, 2)" in info.value.message


# ----------------------------------------------------------------------------------------------------
# normalising


def test_long_table_is_canonical(good: Path) -> None:
    runs = read_runs([good / "long.csv"])
    assert runs.frame.columns == list(schema.COLUMNS)
    assert dict(runs.frame.schema) == {c: getattr(pl, t) for c, t in schema.DTYPES.items()}
    assert runs.frame.height == 10
    assert runs.datasets == ["code", "web-corpus"]
    assert runs.evals == ["code_val", "web_val"]
    assert runs.splits == ["holdout", "sweep"]
    assert runs.frame.get_column("n_repeats").to_list() == [1] * 10
    assert_allclose(
        runs.frame.get_column("C").to_numpy(),
        6 * runs.frame["N"].to_numpy() * runs.frame["D"].to_numpy(),
        rtol=1e-15,
    )
    # sorted by dataset, eval, N, D
    assert runs.frame.select("dataset", "eval", "N", "D").rows() == sorted(
        runs.frame.select("dataset", "eval", "N", "D").rows()
    )


def test_aliases_units_and_default_compute(good: Path) -> None:
    runs = read_runs([good / "aliases_units.csv"])
    (prov,) = runs.provenance
    assert prov["aliases"] == {
        "Train Data": "dataset",
        "Params": "N",
        "n-tokens": "D",
        "Task": "eval",
        "val_loss": "loss",
        "Compute": "C",
    }
    f = runs.frame
    assert sorted(set(f["N"].to_list())) == [1.5e5, 2e7, 1.2e8]
    assert sorted(set(f["D"].to_list())) == [4e8, 3.3e9, 1.5e12]
    big = f.filter(pl.col("N") == 1.5e5)
    assert big["C"].to_list() == [1e21]  # given
    assert_allclose(f.filter(pl.col("N") == 2e7)["C"].to_numpy(), 6 * 2e7 * 3.3e9, rtol=1e-15)  # blank → 6ND
    # "0.12 G" and "1.2e8" are the same model size, so one run id
    assert f.filter(pl.col("N") == 1.2e8)["run_id"].unique().to_list() == ["web:N=1.2e8:D=4e8"]
    assert f["split"].null_count() == f.height


def test_repeats_are_averaged(good: Path) -> None:
    runs = read_runs([good / "repeats.csv"])
    assert runs.frame.height == 2
    row = runs.frame.filter(pl.col("N") == 1e8).row(0, named=True)
    assert row["n_repeats"] == 3
    assert_allclose(row["loss"], 3.1, rtol=1e-12)
    assert "seed" not in runs.frame.columns
    (prov,) = runs.provenance
    assert (prov["rows_read"], prov["rows_kept"], prov["rows_merged"], prov["rows_rejected"]) == (4, 2, 2, 0)


def test_wide_with_glob_names_evals_by_the_star(good: Path) -> None:
    runs = read_runs([good / "wide.csv"], wide=True, loss_columns="eval/*/loss")
    assert runs.evals == ["hellaswag", "web_val"]
    assert runs.frame.height == 5  # run-c has no hellaswag loss
    assert sorted(runs.frame["run_id"].unique().to_list()) == ["run-a", "run-b", "run-c"]
    (prov,) = runs.provenance
    assert prov["loss_columns"] == {"eval/web_val/loss": "web_val", "eval/hellaswag/loss": "hellaswag"}
    assert (prov["records"], prov["rows_read"], prov["rows_kept"], prov["rows_rejected"]) == (3, 6, 5, 1)
    assert prov["ignored_columns"] == ["_step", "Runtime"]
    assert runs.own_eval == {"web": "web_val"}


def test_each_alternative_of_a_column_pattern_names_its_evals_by_its_own_star(tmp_path: Path) -> None:
    """An OLMo-ladder export needs two globs to keep its validation loss and its task losses; with two ``*`` in a
    ``|`` pattern every column kept its whole name, and the accuracy ``hellaswag`` found no task loss."""
    rows = [
        "run,dataset,N,D,eval/c4_en-validation/CrossEntropyLoss,eval/downstream/hellaswag_ce_loss,"
        "eval/downstream/hellaswag_acc,eval/downstream/piqa_len_norm,train/loss"
    ]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        rows.append(
            f"r{i},c4,{n:g},{20 * n:g},{3.1 - i / 5:.2f},{2.5 - i / 5:.2f},{0.3 + i / 10},{0.6 + i / 20},2.9"
        )
    path = write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")
    runs = read_runs(
        [path],
        wide=True,
        loss_columns="eval/*-validation/CrossEntropyLoss|eval/downstream/*_ce_loss|train/loss",
        accuracy_columns="eval/downstream/*_acc|eval/downstream/*_len_norm",
    )
    assert runs.evals == ["c4_en", "hellaswag", "train/loss"]  # (an alternative without a * keeps the name)
    assert runs.accuracy is not None
    assert sorted(set(runs.accuracy["eval"].to_list())) == ["hellaswag", "piqa"]


def test_wide_without_glob_detects_loss_columns_and_reports_what_was_left_out(good: Path) -> None:
    runs = read_runs([good / "wide.csv"], wide=True)
    (prov,) = runs.provenance
    assert prov["loss_columns_detected"] is True
    assert prov["loss_columns"] == {"eval/web_val/loss": "web_val", "eval/hellaswag/loss": "hellaswag"}
    assert list(prov["loss_columns_left_out"]) == ["Runtime"]
    assert prov["ignored_columns"] == ["_step", "Runtime"]


@pytest.mark.parametrize("name", ["loss", "eval"])
def test_a_wide_column_named_loss_or_eval_is_read_as_the_eval_of_that_name(tmp_path: Path, name: str) -> None:
    path = write(
        tmp_path / "w.csv", f"dataset,N,D,{name}\nweb,1e8,2e9,3.1\nweb,2e8,4e9,2.9\nweb,4e8,8e9,2.7\n"
    )
    runs = read_runs([path], wide=True)  # polars: "duplicate column name 'loss'", an internal error
    assert runs.evals == [name]
    assert runs.frame.sort("N")["loss"].to_list() == [3.1, 2.9, 2.7]


def test_a_wandb_training_loss_column_beside_the_eval_columns_is_one_more_eval_and_theirs_keep_their_names(
    tmp_path: Path,
) -> None:
    rows = ["run_id,dataset,N,D,eval/web_val/loss,eval/code_val/loss,loss,lr"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        rows.append(f"r{i},web,{n:g},{20 * n:g},{3.1 - i / 5:.2f},{3.5 - i / 5:.2f},{2.9 - i / 5:.2f},3e-4")
    runs = read_runs([write(tmp_path / "w.csv", "\n".join(rows) + "\n")], wide=True)  # internal error
    (prov,) = runs.provenance
    # the val marker stays (probe h1: 'web' here, 'web_val' in a file that also had eval/c4_loss)
    assert prov["loss_columns"] == {
        "eval/web_val/loss": "web_val",
        "eval/code_val/loss": "code_val",
        "loss": "loss",
    }
    assert runs.frame.filter(pl.col("eval") == "loss").sort("N")["loss"].to_list() == [2.9, 2.7, 2.5]
    assert runs.frame.filter(pl.col("eval") == "web_val").sort("N")["loss"].to_list() == [3.1, 2.9, 2.7]


def test_shortened_wide_column_names_are_never_a_commands_keyword(tmp_path: Path) -> None:
    """``eval/own_val/loss`` beside ``eval/web_val/loss`` became the eval 'own' (each dataset's own eval to every
    command), then a warning to rename it in a table that has no such name: the shared suffix stays on instead."""
    rows = ["run_id,dataset,N,D,eval/web_val/loss,eval/own_val/loss"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        rows.append(f"r{i},web,{n:g},{20 * n:g},{3.1 - i / 5:.2f},{3.5 - i / 5:.2f}")
    runs = read_runs([write(tmp_path / "w.csv", "\n".join(rows) + "\n")], wide=True)
    (prov,) = runs.provenance
    assert prov["loss_columns"] == {"eval/web_val/loss": "web_val", "eval/own_val/loss": "own_val"}


def test_wide_glob_that_matches_nothing_is_an_error(good: Path) -> None:
    with pytest.raises(InputError, match="matches no column") as info:
        read_runs([good / "wide.csv"], wide=True, loss_columns="loss/*")
    assert info.value.line == 1


def long_with_accuracy(tmp_path: Path, first_acc: str = "0.31") -> Path:
    """A long table with a loss column and an accuracy column: one row per run and eval, the accuracy given on
    the task's rows (and on one row without a loss: an accuracy measured alone)."""
    rows = ["dataset,N,D,eval,loss,acc"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        acc = first_acc if i == 0 else f"{0.31 + i / 10:.2f}"
        rows += [
            f"web,{n:g},{20 * n:g},web_val,{3.1 - i / 5:.2f},",
            f"web,{n:g},{20 * n:g},hellaswag,{2.5 - i / 5:.2f},{acc}",
        ]
    rows.append("web,8e8,1.6e10,hellaswag,,0.6")
    return write(tmp_path / "two.csv", "\n".join(rows) + "\n")


def test_wide_on_a_long_table_says_to_drop_wide(good: Path, tmp_path: Path) -> None:
    """The hint read "this looks like a long table: read it as one (option --wide)", which reads as "use --wide"
    where it means "drop it"."""
    with pytest.raises(InputError) as info:
        read_runs([good / "long.csv"], wide=True)
    assert info.value.hint == "this looks like a long table, one row per run and eval: read it without --wide"
    assert info.value.param is None
    with pytest.raises(InputError) as info:
        read_runs([long_with_accuracy(tmp_path)], wide=True, accuracy_columns="acc")
    assert info.value.hint is not None
    assert info.value.hint.endswith(
        "read it without --wide (--accuracy-columns acc then reads its accuracy column as each row's eval's)"
    )


def test_a_long_tables_accuracy_column_is_the_accuracy_of_each_rows_eval(tmp_path: Path) -> None:
    """``--accuracy-columns acc`` on a long table: each row's ``acc`` is its eval's accuracy. It was refused
    ("naming the accuracy columns needs a wide table"), and ``--wide`` then refused the table as a long one."""
    runs = read_runs([long_with_accuracy(tmp_path)], accuracy_columns="acc")
    assert runs.evals == ["hellaswag", "web_val"]
    assert runs.frame.height == 6
    assert runs.accuracy is not None
    acc = runs.accuracy.sort("N")
    assert acc["eval"].unique().to_list() == ["hellaswag"]
    assert acc["accuracy"].to_list() == pytest.approx([0.31, 0.41, 0.51, 0.6])
    (prov,) = runs.provenance
    assert "column 'acc' holds the accuracy of each row's eval: 4 accuracy, 6 loss rows" in " ".join(
        prov["decisions"]
    )
    assert prov["records"] == 7


def test_a_long_tables_accuracy_column_names_the_line_of_a_bad_accuracy_and_takes_one_column(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError) as info:
        read_runs([long_with_accuracy(tmp_path, first_acc="31")], accuracy_columns="acc")
    assert (info.value.line, info.value.column) == (3, "acc")
    path = write(
        tmp_path / "norm.csv", "dataset,N,D,eval,loss,acc,acc_norm\nweb,1e8,2e9,hellaswag,2.5,0.3,0.31\n"
    )
    with pytest.raises(
        InputError, match="matches acc, acc_norm: a long table's accuracy column is one column"
    ):
        read_runs([path], accuracy_columns="acc*")


@pytest.fixture
def long_frame(good: Path) -> pl.DataFrame:
    return pl.read_csv(good / "long.csv")


@pytest.mark.parametrize("ext", ["tsv", "csv.gz", "tsv.gz", "parquet", "pq", "ndjson", "jsonl"])
def test_every_format_gives_the_same_runs(
    ext: str, good: Path, long_frame: pl.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / f"runs.{ext}"
    if ext.startswith(("csv", "tsv")):
        buf = long_frame.write_csv(separator="\t" if ext.startswith("tsv") else ",")
        path.write_bytes(gzip.compress(buf.encode()) if ext.endswith(".gz") else buf.encode())
    elif ext in ("parquet", "pq"):
        long_frame.write_parquet(path)
    else:
        long_frame.write_ndjson(path)
    expected = read_runs([good / "long.csv"])
    got = read_runs([path])
    assert got.frame.equals(expected.frame)
    assert got.digest == expected.digest


def test_ndjson_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.ndjson",
        '{"dataset":"a","N":1e8,"D":2e9,"eval":"v","loss":3}\n\n'
        '{"dataset":"a","N":1e8,"D":2e9,"eval":"w","loss":"x"}\n',
    )
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert (info.value.line, info.value.column) == (3, "loss")


def test_csv_line_numbers_are_physical_lines(tmp_path: Path) -> None:
    """A quoted field spanning two lines and a blank line both shift the line of the next record."""
    path = write(
        tmp_path / "r.csv", 'dataset,N,D,eval,loss,run_id\na,1e8,2e9,v,3,"two\nlines"\n\na,2e8,4e9,v,bad,r\n'
    )
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert info.value.line == 5


def _quote_left_open(tmp_path: Path, rows: int, at: int) -> Path:
    lines = ["dataset,N,D,eval,loss"] + [
        f"web,{1e8 * (1 + i % 7):g},{1e9 * (1 + i % 13):g},ev{i}_val,3.5" for i in range(rows)
    ]
    lines[at] = lines[at].rsplit(",", 1)[0] + ',"3.1'
    return write(tmp_path / "q.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize(("rows", "at"), [(2000, 5), (20000, 5), (30, 30)])
def test_an_unterminated_quote_names_the_line_it_opens_on_in_one_short_line(
    tmp_path: Path, rows: int, at: int
) -> None:
    """The field it opens swallows the rest of the file (echoed whole: a 66 KB error), the reader gives up at the
    field limit far below it (line 4069 for 6), and on the last line it was read as the value 3.1 (probe p63)."""
    with pytest.raises(InputError) as info:
        read_runs([_quote_left_open(tmp_path, rows, at)])
    assert info.value.line == at + 1
    assert len(str(info.value).replace(str(info.value.path), "")) < 200
    assert "\n" not in str(info.value)
    assert "unterminated quote" in f"{info.value} {info.value.hint}"


def test_a_quote_inside_a_field_and_a_closed_one_on_the_last_line_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv", 'dataset,N,D,eval,loss,note\na,1e8,2e9,v,3,5"\na,2e8,4e9,v,2.9,"x,\ny"\n'
    )
    assert read_runs([path]).frame.height == 2


def test_a_value_echoed_in_an_error_is_cut(tmp_path: Path) -> None:
    path = write(tmp_path / "r.ndjson", '{"dataset":"a","N":1%s,"D":2e9,"eval":"v","loss":3}\n' % ("0" * 400))
    with pytest.raises(InputError, match="401 characters") as info:
        read_runs([path])
    assert len(str(info.value).replace(str(path), "")) < 150


def test_semicolon_csv_and_bom_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfdataset;N;D;eval;loss\r\na;1e8;2e9;v;3\r\n")
    runs = read_runs([path])
    assert runs.frame.height == 1
    assert runs.provenance[0]["format"] == "csv (semicolon-separated)"


def test_several_files_are_concatenated_and_repeats_across_files_merged(good: Path) -> None:
    runs = read_runs([good / "long.csv", good / "long.csv"])
    assert runs.frame.height == 10
    assert runs.frame["n_repeats"].to_list() == [2] * 10
    assert [p["rows_merged"] for p in runs.provenance] == [0, 10]


# ----------------------------------------------------------------------------------------------------
# own evals


def test_paper_data(paper_csv: Path) -> None:
    t0 = time.perf_counter()
    runs = read_runs([paper_csv])
    elapsed = time.perf_counter() - t0
    assert runs.frame.height == 14_980
    assert runs.n_runs == 535
    assert runs.own_eval == PAPER_OWN
    assert set(runs.own_eval_how.values()) == {"detected"}
    assert len(runs.evals) == 28
    assert runs.splits == ["extrapolation", "sweep"]
    assert elapsed < 2.0, f"reading the paper CSV took {elapsed:.2f}s"


@pytest.mark.parametrize(
    ("dataset", "evals", "own", "how"),
    [
        (
            "fineweb-edu-100b",
            ["fineweb_100b_val", "fineweb_edu_100b_val", "fineweb_1T_val"],
            "fineweb_edu_100b_val",
            "detected",
        ),
        ("fineweb-100b", ["fineweb_1T_val", "c4_val"], None, ""),
        ("slimpajama-chunk1", ["slimpajama_val", "c4_val"], "slimpajama_val", "detected"),
        ("smollm-corpus", ["val_smollm", "c4_val"], "val_smollm", "detected"),
        ("web", ["web-validation", "c4"], "web-validation", "detected"),
        # the validation eval named after the dataset word for word beats a training loss (probe h42: a W&B
        # export's train/loss, read as the eval train beside eval/MIX/loss, was every mix's own)
        ("web", ["train", "web_val"], "web_val", "detected"),
        ("dclm", ["train", "eval/dclm", "eval/fineweb", "lm_eval/hellaswag"], "eval/dclm", "detected"),
        ("web", ["train", "c4_val"], "train", "train"),
        ("web", ["train", "webtext_val"], "train", "train"),
        ("web", ["train_batch", "c4_val"], None, ""),
        # names like paths (a hub's org/name), or holding a "/": named after the whole eval, not its last part
        (
            "HuggingFaceFW/fineweb",
            ["HuggingFaceFW/fineweb_val", "allenai/c4_val"],
            "HuggingFaceFW/fineweb_val",
            "detected",
        ),
        ("[bold]x[/bold]", ["[bold]x[/bold]_val", "c4_val"], "[bold]x[/bold]_val", "detected"),
        ("web", ["eval/web_val", "eval/c4_val"], "eval/web_val", "detected"),
        # a W&B export's eval/DATASET_loss (the training loss was taken instead: h18); a validation name wins
        ("c4", ["train/loss", "eval/c4_loss", "eval/hellaswag_loss"], "eval/c4_loss", "detected"),
        ("web", ["web_loss", "web_val"], "web_val", "detected"),
        ("web", ["c4_loss", "webtext_loss"], None, ""),
        # punctuation alone reduces to nothing, which named no eval (p63): matched as written
        ("[/]", ["[/]_val", "[bold]x[/]_val"], "[/]_val", "detected"),
        ("[/]", ["[/]", "c4_val"], "[/]", "detected"),
        ("[/]", ["(/)_val", "c4_val"], None, ""),
    ],
)
def test_own_eval_detection(dataset: str, evals: list[str], own: str | None, how: str) -> None:
    assert l2l_tables._detect_own(dataset, evals)[:2] == (own, how)


def test_own_eval_explicit_beats_detection_and_accepts_prefixes(good: Path) -> None:
    runs = read_runs([good / "long.csv"], own_eval={"web": "code_val"})
    assert runs.own_eval == {"web-corpus": "code_val", "code": "code_val"}
    assert runs.own_eval_how == {"web-corpus": "explicit", "code": "detected"}


def test_dataset_without_own_eval_is_fine_until_asked(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "r.csv", "dataset,N,D,eval,loss\nweb,1e8,2e9,c4,3\n")])
    assert runs.own_eval == {}
    with pytest.raises(SelectionError, match="no own eval for dataset web") as info:
        runs.own("web")
    assert info.value.hint == "name it when reading the runs: web=EVAL (evals seen: c4)"
    assert info.value.param == "own_eval"


def test_plain_csv_is_scanned_lazily_and_reads_like_the_careful_reader(tmp_path: Path) -> None:
    text = (
        "dataset,N,D,eval,loss,step\n"
        " web ,3.3B,20B,web_val,2.5,100\n"
        "web,1e8,2e9, web_val ,3.1,100\n"
        "code,20M,,code_val,1.5,100\n"  # a missing D: the careful reader names the line
    )
    plain = write(tmp_path / "runs.csv", text.replace("20M,,", "20M,400M,"))
    assert l2l_readers._scan_plain(plain) is not None
    packed = tmp_path / "runs.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert l2l_readers._scan_plain(packed) is None
    fast, careful = read_runs([plain]), read_runs([packed])
    assert fast.frame.equals(careful.frame)
    assert fast.datasets == ["code", "web"]
    assert_allclose(sorted(fast.frame["N"].to_list()), [2e7, 1e8, 3.3e9], rtol=1e-15)
    with pytest.raises(InputError) as info:
        read_runs([write(tmp_path / "bad.csv", text)])
    assert (info.value.line, info.value.column) == (4, "D")
    assert "missing value (D is required)" in info.value.message


def test_quoted_or_blank_line_csv_goes_to_the_careful_reader(tmp_path: Path) -> None:
    quoted = write(tmp_path / "q.csv", 'dataset,N,D,eval,loss\n"web",1e8,2e9,web_val,3.0\n')
    blank = write(tmp_path / "b.csv", "dataset,N,D,eval,loss\n\nweb,1e8,2e9,web_val,3.0\n")
    assert l2l_readers._scan_plain(quoted) is None
    assert l2l_readers._scan_plain(blank) is None
    assert read_runs([quoted]).frame.equals(read_runs([blank]).frame)


def test_per_step_log_checks_every_row_while_selecting_checkpoints(tmp_path: Path) -> None:
    """The scanned route checks values in the checkpoint-detection pass; a bad value at a dropped checkpoint is
    still an error naming its line, and padded names read as the careful reader reads them."""
    lines = (REAL / "per_step_final_d.csv").read_text(encoding="utf-8").splitlines()
    good = read_runs([REAL / "per_step_final_d.csv"])
    bad = lines.copy()
    fields = bad[6].split(",")
    bad[6] = ",".join([*fields[:-1], "-1"])  # line 7: a checkpoint that final drops
    with pytest.raises(InputError) as info:
        read_runs([write(tmp_path / "bad.csv", "\n".join(bad) + "\n")])
    assert (info.value.line, info.value.column) == (7, "loss")
    padded = [lines[0]] + [ln.replace(",alpha,", ", alpha ,") for ln in lines[1:]]
    runs = read_runs([write(tmp_path / "padded.csv", "\n".join(padded) + "\n")])
    assert runs.frame.equals(good.frame)


def test_repeats_nothing_tells_apart_say_how_far_their_losses_differ(tmp_path: Path) -> None:
    conflict = tmp_path / "conflict.csv"
    conflict.write_text(
        "dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.0\nweb,1e8,2e9,web_val,3.15\nweb,2e8,2e9,web_val,2.9\n"
    )
    (prov,) = read_runs([conflict]).provenance
    (said,) = [d for d in prov["decisions"] if "repeated with nothing telling" in d]
    assert "their losses differ by up to 5.0 %" in said
    same = tmp_path / "same.csv"
    same.write_text("dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.0\nweb,1e8,2e9,web_val,3.0\n")
    (prov,) = read_runs([same]).provenance
    (said,) = [d for d in prov["decisions"] if "repeated with nothing telling" in d]
    assert "differ" not in said


def test_a_dataset_spelled_in_two_unicode_forms_is_warned_of(tmp_path: Path) -> None:
    """'café' composed (NFC) and decomposed (NFD) print alike: two datasets, "no own eval for café, café", and
    no warning (h1)."""
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    assert nfc != nfd
    table = tmp_path / "nfd.csv"
    table.write_text(
        f"dataset,N,D,eval,loss\n{nfc},1e8,2e9,v,3.0\n{nfd},2e8,2e9,v,2.9\ncode,1e8,2e9,v,2\n",
        encoding="utf-8",
    )
    (prov,) = read_runs([table]).provenance
    (said,) = [d for d in prov["decisions"] if "differ only in case" in d]
    assert "in Unicode form" in said
    assert "one dataset spelled 2 ways?" in said


def test_a_where_filter_that_a_file_has_no_column_for_is_said_for_that_file(tmp_path: Path) -> None:
    """--where split=extrapolation over two files, one without a split column: that file's rows were all kept
    without a word (alone it is refused: no column 'split' to filter on; h1)."""
    a = tmp_path / "a.csv"
    a.write_text("dataset,N,D,eval,loss,split\nweb,1e8,2e9,v,3.0,sweep\nweb,2e8,2e9,v,2.9,extrapolation\n")
    b = tmp_path / "b.csv"
    b.write_text("dataset,N,D,eval,loss\nweb,4e8,2e9,v,2.8\n")
    runs = read_runs([a, b], where=["split=extrapolation"])
    pa, pb = runs.provenance
    assert not [d for d in pa["decisions"] if "not applied" in d]
    (said,) = [d for d in pb["decisions"] if "not applied" in d]
    assert said.startswith(
        "warning: --where split=extrapolation not applied to this file: it has no such column"
    )


def test_datasets_spelled_two_ways_are_kept_apart_with_a_warning(tmp_path: Path) -> None:
    table = tmp_path / "case.csv"
    table.write_text(
        "dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.0\nWEB,2e8,2e9,web_val,2.9\ncode,1e8,2e9,c,2\n"
        "web,1e8,2e9,c4_val,3\nWEB,2e8,2e9,C4-val,3\ncode,1e8,2e9,c4 val,3\n"
    )
    runs = read_runs([table])
    assert sorted(runs.datasets) == ["WEB", "code", "web"]
    (prov,) = runs.provenance
    ds, ev = [d for d in prov["decisions"] if "differ only in case" in d]
    assert ds.startswith("warning: datasets 'WEB', 'web' differ only in case, spaces or dashes")
    # one eval spelled per dataset (tables of several groups merged): no comparison on it had two datasets
    assert ev.startswith("warning: evals 'C4-val', 'c4 val', 'c4_val' differ only in case, spaces or dashes")
    assert "pair datasets by its exact name" in ev
    from l2l.base.errors import SelectionError
    from l2l.workflows.targets import rank_targets

    with pytest.raises(SelectionError, match="measured on C4-val, c4 val, the same name spelled otherwise"):
        rank_targets(runs, {"c4_val": 1.0})


def test_a_dataset_or_eval_named_as_a_keyword_is_warned_about(tmp_path: Path) -> None:
    """``-d all`` selects every dataset, never the one named 'all' (a probe)."""
    table = tmp_path / "all.csv"
    table.write_text("dataset,N,D,eval,loss\nall,1e8,2e9,own,3.0\ncode,1e8,2e9,c,2\n")
    (prov,) = read_runs([table]).provenance
    said = [d for d in prov["decisions"] if "cannot be selected alone" in d]
    assert said == [
        "warning: a dataset is named 'all', which commands read as every dataset: it cannot be selected alone by "
        "its name; rename it in the table",
        "warning: an eval is named 'own', which commands read as each dataset's own eval: it cannot be selected "
        "alone by its name; rename it in the table",
    ]


def test_without_any_own_eval_the_refusal_counts_the_others_and_offers_all(tmp_path: Path) -> None:
    """Three datasets measured on shared evals only: the refusal named one dataset and one fix (a probe's table)."""
    rows = "".join(f"{ds},1e8,2e9,c4,3\n{ds},1e8,2e9,pile,3\n" for ds in ("books", "code", "web"))
    runs = read_runs([write(tmp_path / "r.csv", "dataset,N,D,eval,loss\n" + rows)])
    with pytest.raises(
        SelectionError, match=r"no own eval for dataset books \(nor have 2 other datasets\)"
    ) as info:
        runs.own("books")
    assert info.value.hint is not None
    assert info.value.hint.endswith("; or one eval for every dataset: all=EVAL")


def test_one_seed_exported_twice_with_different_values_is_refused(tmp_path: Path) -> None:
    """Seeds are averaged; one seed appearing twice is a repeat of one measurement, checked as repeats are (a
    probe's re-export 8 % apart was averaged in as a third seed)."""
    rows = "dataset,N,D,eval,loss,seed\n" + "".join(
        f"web,{n:g},{20 * n:g},web_val,{x},{s}\n"
        for n, x0 in ((1e8, 3.0), (2e8, 2.8))
        for s, x in ((0, x0), (1, x0 + 0.01), (1, x0 * (1.2 if n == 2e8 else 1.0)))
    )
    table = tmp_path / "seeds.csv"
    table.write_text(rows)
    with pytest.raises(InputError, match="repeated measurement with different values") as exc:
        read_runs([table])
    assert exc.value.line is not None
    table.write_text(rows.replace(",3.36,1\n", ",2.8,1\n"))  # the same value twice: averaged with the seeds
    assert read_runs([table]).frame.height == 2


def test_an_eval_named_as_a_score_is_left_out_with_a_warning(tmp_path: Path) -> None:
    """``hellaswag/acc`` in a long table without a metric column was fitted as a loss: rank put the worst dataset
    first (lower is better) and Table 1 mixed it in at 18 % error (a probe). A loss named for it is kept."""
    rows = "".join(
        f"{ds},{n:g},{20 * n:g},{ev},{v}\n"
        for ds in ("web", "code")
        for n in (1e8, 2e8)
        for ev, v in (
            (f"{ds}_val", 3.0),
            ("hellaswag/acc", 0.4),
            ("arc_acc_ce_loss", 2.1),
            ("squad_exact_match", 0.3),
        )
    )
    table = tmp_path / "acc.csv"
    table.write_text("dataset,N,D,eval,loss\n" + rows)
    runs = read_runs([table])
    assert sorted(runs.evals) == ["arc_acc_ce_loss", "code_val", "web_val"]
    (prov,) = runs.provenance
    (said,) = [d for d in prov["decisions"] if "says a score" in d]
    assert said.startswith(
        "warning: left out 8 rows of 'hellaswag/acc', 'squad_exact_match': the eval's name says"
    )
    assert "metric=accuracy" in said


@pytest.mark.parametrize(
    ("total", "without"),
    [
        ("params", "non_embedding_params"),  # two aliases of N: refused
        ("total_params", "non_embedding_params"),  # the count without embeddings taken, silently
        ("N", "non_embedding_params"),
        ("n_params", "n_params_nonembed"),
    ],
)
def test_counts_with_and_without_embeddings_take_the_total_under_every_spelling(
    tmp_path: Path, total: str, without: str
) -> None:
    """Probe p60: four spellings of one table, three behaviours (refused; the count without embeddings taken with
    only "columns not used: total_params"; the total taken with a note)."""
    table = tmp_path / "emb.csv"
    table.write_text(
        f"dataset,{total},{without},D,eval,loss\n"
        + "".join(f"web,{n + 4e7:g},{n:g},{20 * n:g},web_val,{4 - n / 1e9}\n" for n in (1e7, 2e7, 4e7))
    )
    runs = read_runs([table])
    assert sorted(runs.frame["N"].to_list()) == [5e7, 6e7, 8e7]
    assert (
        f"N is column {total!r}; column {without!r} (not used) counts parameters without embeddings: which count "
        f"N is moves α and N* (--column N={without} fits the laws on it)" in runs.provenance[0]["decisions"]
    )
    mapped = read_runs([table], columns={"N": without})
    assert sorted(mapped.frame["N"].to_list()) == [1e7, 2e7, 4e7]


def test_a_count_without_embeddings_taken_as_n_by_its_name_is_said(tmp_path: Path) -> None:
    table = tmp_path / "emb.csv"
    table.write_text(
        "dataset,non_embedding_params,D,eval,loss\n"
        + "".join(f"web,{n:g},{20 * n:g},web_val,{4 - n / 1e9}\n" for n in (1e7, 2e7, 4e7))
    )
    assert (
        "N is column 'non_embedding_params', a count of parameters without embeddings: which count N is moves α "
        "and N*, and every model size given (--N) counts the same"
        in read_runs([table]).provenance[0]["decisions"]
    )


def test_an_unused_non_embedding_count_beside_n_is_pointed_out(tmp_path: Path) -> None:
    """The (Mis)Fitting table: N counts embeddings, N_no_emb sits unused; which one N is moves α and N*."""
    table = tmp_path / "emb.csv"
    table.write_text(
        "dataset,N,N_no_emb,D,eval,loss\n"
        + "".join(f"web,{3 * n:g},{n:g},{20 * n:g},web_val,3\n" for n in (1e7, 2e7))
    )
    (prov,) = read_runs([table]).provenance
    assert any(
        d.startswith("N is column 'N'; column 'N_no_emb' (not used) counts parameters without embeddings")
        for d in prov["decisions"]
    )
    assert not any("without embeddings" in d for d in read_runs([table], columns={"N": "N_no_emb"}).provenance[0]
                   .get("decisions", []))  # fmt: skip


def test_the_one_training_loss_of_a_table_of_one_dataset_is_its_own() -> None:
    """A W&B ladder of one dataset logs `train/loss` beside `eval/TASK/ce_loss`: "no own eval for olmo", where an
    eval named `train` is taken (probe p61). The one training-like loss is taken, as a training loss ("train",
    which ingest's note says); two of them, or several datasets, are left as they were."""
    from l2l.io.own import resolve_own

    def own(rows: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, str]]:
        frame = pl.DataFrame([{"dataset": ds, "eval": ev} for ds, evals in rows.items() for ev in evals])
        got, how, _ = resolve_own(frame, {})
        return got, how

    tasks = ["eval/hellaswag/ce_loss", "eval/piqa/ce_loss"]
    assert own({"olmo": ["train/loss", *tasks]}) == ({"olmo": "train/loss"}, {"olmo": "train"})
    assert own({"olmo": ["train/CrossEntropyLoss", *tasks]})[0] == {"olmo": "train/CrossEntropyLoss"}
    assert own({"olmo": ["train_loss", *tasks]})[0] == {"olmo": "train_loss"}
    assert own({"olmo": ["train/loss", "train/z_loss", *tasks]})[0] == {}  # which one: not said
    assert own({"olmo": ["trainer/loss", *tasks]})[0] == {}
    assert own({"a": ["train/loss", *tasks], "b": ["train/loss", *tasks]})[1] != {"a": "train", "b": "train"}


def test_an_eval_named_after_a_word_every_datasets_name_begins_with_is_their_shared_eval() -> None:
    """Helper h95: 200 mixtures named mix-NNN-SOURCE on val_mix alone had val_mix detected as each one's own by its
    name, so evaluate called the comparison on it train-to-train and wanted --test, as it did not for d000web …"""
    import polars as pl

    from l2l.io.own import resolve_own

    def how(by_ds: dict[str, list[str]]) -> dict[str, str]:
        frame = pl.DataFrame([{"dataset": d, "eval": e} for d, evals in by_ds.items() for e in evals])
        return resolve_own(frame, {})[1]

    assert how({"mix-000-web": ["val_mix"], "mix-001-code": ["val_mix"]}) == dict.fromkeys(
        ["mix-000-web", "mix-001-code"], "shared"
    )
    # an eval one dataset is named after word for word stays detected (Pythia's pile and pile-dedup on pile_val)
    assert how({"pile": ["pile_val"], "pile-dedup": ["pile_val"]}) == dict.fromkeys(
        ["pile", "pile-dedup"], "detected"
    )
    assert how({"mix": ["val_mix"], "mix-b": ["val_mix"]}) == dict.fromkeys(["mix", "mix-b"], "detected")


def test_rows_without_a_run_id_beside_rows_with_one_are_warned_of(tmp_path: Path) -> None:
    """A run id blank on some rows made each such row a run of its own (96 runs for 48 models) and train-to-test
    paired none of them, without a word (probe h1)."""
    rows = ["run_id,dataset,N,D,eval,loss"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        for ev, loss in (("web_val", 3.0 - 0.1 * i), ("c4", 3.2 - 0.1 * i)):
            rows.append(f"{'' if ev == 'c4' else f'r{i}'},web,{n},2e9,{ev},{loss}")
    path = tmp_path / "blank_ids.csv"
    path.write_text("\n".join(rows) + "\n")
    (prov,) = read_runs([path]).provenance
    (said,) = [d for d in prov["decisions"] if "no run id" in d]
    assert said.startswith("warning: 3 rows of 6 have no run id beside rows that have one")
    whole = tmp_path / "no_ids.csv"
    whole.write_text("\n".join(r.split(",", 1)[1] for r in rows) + "\n")
    (prov,) = read_runs([whole]).provenance
    assert not [d for d in prov["decisions"] if "no run id" in d]
    # an id of the user's own that reads like the one l2l gives is an id, not a blank
    alike = tmp_path / "alike_ids.csv"
    alike.write_text("\n".join(r if i == 0 else _alike(r) for i, r in enumerate(rows)) + "\n")
    (prov,) = read_runs([alike]).provenance
    assert not [d for d in prov["decisions"] if "no run id" in d]
    sized = tmp_path / "sized.csv"
    sized.write_text("\n".join(r.replace(",1e8,", ",100M,").replace(",2e8,", ",200M,") for r in rows) + "\n")
    (prov,) = read_runs([sized]).provenance
    (said,) = [d for d in prov["decisions"] if "no run id" in d]
    assert said.startswith("warning: 3 rows of 6 have no run id")


def _alike(row: str) -> str:
    """``row`` with a blank run id filled with an id like l2l's own, plus a seed."""
    rid, rest = row.split(",", 1)
    n = rest.split(",")[1]
    return f"{rid or f'web:N={n}:D=2e9:seed1'},{rest}"


def test_a_checkpoint_choice_on_a_table_that_is_no_per_step_log_is_said(tmp_path: Path) -> None:
    """``--checkpoints step=999`` on a table of one row per run and eval selected nothing and said nothing
    (probe h1)."""
    path = tmp_path / "runs.csv"
    path.write_text("dataset,N,D,eval,loss\nweb,1e8,2e9,v,3.0\nweb,2e8,2e9,v,2.9\nweb,4e8,2e9,v,2.8\n")
    (prov,) = read_runs([path], checkpoints="step=999").provenance
    (said,) = [d for d in prov["decisions"] if "--checkpoints" in d]
    assert said.startswith(
        "warning: --checkpoints step=999 not applied to this file: it is not a per-step log"
    )
    (prov,) = read_runs([path]).provenance
    assert not [d for d in prov["decisions"] if "--checkpoints" in d]


def test_a_wandb_export_of_several_mixes_takes_each_mixs_eval_not_the_shared_training_loss(
    tmp_path: Path,
) -> None:
    """Probe h42: a Marin/W&B wide export (``eval/MIX/loss`` per mix, ``train/loss``) read its common suffix away,
    and the eval ``train`` (a training loss, logged on every mix's runs) was taken as each mix's own loss."""
    mixes = ("dclm", "fineweb", "pile")
    head = "run_name,data_mix,params,tokens," + ",".join(f"eval/{m}/loss" for m in mixes) + ",train/loss"
    rows = [head]
    for i, mix in enumerate(mixes):
        for n in (2e7, 5e7, 1e8, 2e8):
            for k in (10, 20):
                vals = [2.0 + 0.1 * j + 300 / n**0.3 + 600 / (k * n) ** 0.3 for j in range(3)]
                rows.append(
                    f"{mix}-{n:g}-{k},{mix},{n:g},{k * n:g},{','.join(map(repr, vals))},{vals[i] - 0.05!r}"
                )
    runs = read_runs(
        [write(tmp_path / "marin.csv", "\n".join(rows) + "\n")],
        wide=True,
        columns={"dataset": "data_mix", "N": "params", "D": "tokens"},
    )
    assert runs.own_eval == {m: f"eval/{m}" for m in mixes}
    assert set(runs.own_eval_how.values()) == {"detected"}


def test_a_table_of_accuracies_alone_is_told_the_append_command_that_reads_it(tmp_path: Path) -> None:
    """h57: the hint was "give losses too", naming no command; pasted, the one it names now reads the file."""
    import shlex

    from l2l.io.tables import read_runs

    acc = tmp_path / "acc.csv"
    acc.write_text(
        "dataset,N,D,eval,metric,value\n"
        + "".join(
            f"web,{n},{20 * n},hellaswag,accuracy,{0.3 + 0.01 * i}\n" for i, n in enumerate([2e7, 4e7, 8e7])
        )
    )
    with pytest.raises(InputError) as info:
        read_runs([acc])
    hint = info.value.hint or ""
    command = shlex.split(hint.split("(l2l ", 1)[1].split(")", 1)[0])
    assert command == ["ingest", str(acc), "--append"]
    appended = read_runs([acc], accuracy_only=True)  # what l2l ingest --append reads
    assert appended.accuracy is not None
    assert appended.accuracy.height == 3
