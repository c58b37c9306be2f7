"""Every table shape of ``l2l.testing.shapes`` (and the public tables of other papers, when present) through the
reader (issue 16): what is read, what is decided and said, what is refused and which fix the refusal names. The
answers l2l then gives on each shape, against its truth: tests/workflows/test_shapes_answers.py."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import InputError, SelectionError, UsageError
from l2l.base.runs import Runs
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs
from l2l.testing import shapes
from tests.conftest import write

PUBLIC = next(
    (
        p / "shared" / "data" / "public"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/public").is_dir()
    ),
    None,
)
public = pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")


def written(tmp_path: Path, shape: shapes.Shape) -> Path:
    path = tmp_path / f"{shape.name}.csv"
    shape.write(str(path))
    return path


def decisions(runs: Runs) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))


# ---- one shared eval, no own eval -------------------------------------------------------------------------


def test_shared_eval_stands_in_for_the_own_eval_and_says_so(tmp_path: Path) -> None:
    runs = read_runs([written(tmp_path, shapes.shared_eval())])
    assert runs.own_eval == {"books": "val_mix", "code": "val_mix", "web": "val_mix"}
    assert set(runs.own_eval_how.values()) == {"shared"}
    assert all(runs.own_is_shared(d) for d in runs.datasets)
    assert "each one's loss on val_mix, the eval every dataset is measured on, stands in" in decisions(runs)
    assert "test-to-test" in decisions(runs)


def test_a_shared_eval_is_chosen_by_its_name_among_several_shared_ones(tmp_path: Path) -> None:
    """DCLM's shape: every dataset measured on one validation set and many tasks: the validation set."""
    rows = [
        {"dataset": ds, "N": n, "D": 20 * n, "eval": ev, "loss": 3.0}
        for ds in ("a", "b")
        for n in (1e8, 2e8, 4e8)
        for ev in ("open_lm_val", "downstream/agi_eval_x", "downstream/hellaswag")
    ]
    path = tmp_path / "t.csv"
    pl.DataFrame(rows).write_csv(path)
    runs = read_runs([path])
    assert runs.own_eval == {"a": "open_lm_val", "b": "open_lm_val"}
    one = tmp_path / "one.csv"  # one dataset's only validation eval stands in for its own too (how "only")
    pl.DataFrame([r for r in rows if r["dataset"] == "a" and r["eval"] == "open_lm_val"]).write_csv(one)
    alone = read_runs([one])
    assert (alone.own_eval, alone.own_eval_how) == ({"a": "open_lm_val"}, {"a": "only"})


def test_an_own_eval_in_bits_per_byte_is_detected_as_one_in_nats_is(tmp_path: Path) -> None:
    """Probe p60: a table of bits per byte alone (metric=bpb: evals web_val:bpb, code_val:bpb) had no own eval, and
    every law command was refused until --own-eval was given for each dataset. Beside the loss in nats, that one."""
    rows = [
        {"dataset": ds, "N": n, "D": 20 * n, "eval": f"{ds}_val", "metric": "bpb", "value": 1.5 - k / 10}
        for ds in ("web", "code")
        for k, n in enumerate((1e8, 2e8, 4e8))
    ]
    path = tmp_path / "bpb.csv"
    pl.DataFrame(rows).write_csv(path)
    runs = read_runs([path])
    assert runs.own_eval == {"code": "code_val:bpb", "web": "web_val:bpb"}
    assert set(runs.own_eval_how.values()) == {"detected"}
    both = tmp_path / "both.csv"
    pl.DataFrame(rows + [{**r, "metric": "loss", "value": r["value"] * 2.8} for r in rows]).write_csv(both)
    assert read_runs([both]).own_eval == {"code": "code_val", "web": "web_val"}


def test_own_eval_all_names_every_datasets_own_eval(tmp_path: Path) -> None:
    runs = read_runs([written(tmp_path, shapes.train_named())], own_eval={"all": "val_mix"})
    assert runs.own_eval == dict.fromkeys(("books", "code", "web"), "val_mix")
    assert set(runs.own_eval_how.values()) == {"explicit"}


# ---- a per-step ladder: losses, bits per byte and accuracies under one task name --------------------------


def test_per_step_ladder_counts_are_true(tmp_path: Path) -> None:
    runs = read_runs([written(tmp_path, shapes.per_step_ladder())])
    ck = runs.provenance[0]["checkpoints"]
    # 30 ladder runs x 11 checkpoints (one at step 0) + 2 targets x 1, each with 1 + 5 x 3 rows
    assert (ck["rows_in"], ck["zero_rows"], ck["runs"]) == (5312, 480, 32)
    assert runs.frame.height == 32 * 11  # own loss + 5 task losses + 5 in bits per byte, each run's final
    assert runs.accuracy is not None
    assert runs.accuracy.height == 32 * 5
    assert runs.provenance[0]["rows_kept"] == 32 * 11 + 32 * 5
    assert runs.provenance[0]["metrics"] == {"accuracy": 160, "bpb": 160, "loss": 192}
    assert "hellaswag:bpb" in runs.evals
    assert "hellaswag" in runs.evals
    assert int(runs.frame["n_repeats"].max()) == 1  # nothing averaged: the 1x and 2x runs stay apart
    assert runs.n_runs == 32
    assert runs.checkpoints is not None  # every checkpoint of the losses and accuracies, for fit-accuracy
    assert runs.checkpoints.height == 5312 - 480
    assert "480 of them at D = 0, step 0" in ck["describe"]
    assert "rose_at_end" not in ck  # (its ends 1.1 % above their previous checkpoints at most: noise; h76)


def test_bpb_is_a_loss_of_another_unit_resolved_by_name_and_metric(tmp_path: Path) -> None:
    runs = read_runs([written(tmp_path, shapes.per_step_ladder())])
    assert runs.resolve_eval("hellaswag") == "hellaswag"
    assert runs.resolve_eval("hellaswag:loss") == "hellaswag"
    assert runs.resolve_eval("hellaswag:bpb") == "hellaswag:bpb"
    assert runs.resolve_eval("hella:bpb") == "hellaswag:bpb"
    bpb = runs.frame.filter(pl.col("eval") == "hellaswag:bpb")["loss"].to_numpy()
    nats = runs.frame.filter(pl.col("eval") == "hellaswag")["loss"].to_numpy()
    assert_allclose(bpb, nats / 0.6931471805599453 / shapes.BYTES_PER_TOKEN, rtol=1e-9)
    with pytest.raises(SelectionError, match="names an accuracy, not a loss"):
        runs.resolve_eval("hellaswag:accuracy")


def test_every_checkpoint_keeps_runs_that_cross_one_d_apart(tmp_path: Path) -> None:
    """--checkpoints all: the 1x run's end and the 2x run's middle share (N, D): two runs, two points."""
    runs = read_runs([written(tmp_path, shapes.per_step_ladder())], checkpoints="all")
    assert runs.frame.height == 3322
    assert int(runs.frame["n_repeats"].max()) == 1
    own = runs.frame.filter(pl.col("eval") == "dolma_val")
    same = own.group_by("N", "D").agg(pl.col("run_id").n_unique().alias("k")).filter(pl.col("k") > 1)
    assert same.height > 0  # configurations two runs pass through, kept as two rows
    assert "kept as separate points, not averaged" in decisions(runs)


def test_accuracy_rows_get_the_same_checkpoint_selection(tmp_path: Path) -> None:
    runs = read_runs([written(tmp_path, shapes.per_step_ladder())])
    assert runs.accuracy is not None
    finals = runs.frame.filter(pl.col("eval") == "dolma_val").select("run_id", "D").sort("run_id")
    acc = runs.accuracy.filter(pl.col("eval") == "hellaswag").select("run_id", "D").sort("run_id")
    assert finals.equals(acc)


def test_an_unknown_metric_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("dataset,N,D,eval,metric,value\na,1e8,2e9,v,loss,3\na,1e8,2e9,v,perplexity,20\n")
    with pytest.raises(InputError, match="unknown metric 'perplexity'") as exc:
        read_runs([path])
    assert exc.value.line == 3
    assert "--perplexity reads its rows as ln(perplexity)" in (exc.value.hint or "")
    assert "--where 'metric!=perplexity'" in (exc.value.hint or "")
    # lm-eval-harness's names for an accuracy get the fix, not only the list of accepted names (a probe)
    path.write_text("dataset,N,D,eval,metric,value\na,1e8,2e9,v,loss,3\na,1e8,2e9,hs,acc_norm,0.4\n")
    with pytest.raises(InputError, match="unknown metric 'acc_norm'") as exc:
        read_runs([path])
    assert "an accuracy under another name?" in (exc.value.hint or "")
    # several unknown metrics are named at once, with one command's fix (DataDecide's export took two round trips)
    path.write_text(
        "dataset,N,D,eval,metric,value\na,1e8,2e9,v,ce_loss,3\na,1e8,2e9,hs,correct_prob,0.3\na,1e8,2e9,hs,acc_raw,0.4\n"
    )
    with pytest.raises(InputError, match=r"unknown metric 'correct_prob' \(also unknown: 'acc_raw'\)") as exc:
        read_runs([path])
    assert exc.value.hint == (
        "add --accuracy-metric acc_raw --where 'metric!=correct_prob': acc_raw's rows are then the accuracies (the "
        "other scores' rows leave with them); correct_prob is left out"
    )


def test_step_zero_rows_only_in_a_per_step_log(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    path.write_text("dataset,N,D,eval,loss\na,1e8,0,v,3\n")
    with pytest.raises(InputError, match="D must be > 0"):
        read_runs([path])


# ---- configurations at one (dataset, N, D): refused with the fix, filtered, or the best kept ----------


def test_configurations_at_one_point_are_refused_naming_the_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="differ in config") as exc:
        read_runs([written(tmp_path, shapes.configs())])
    assert exc.value.hint is not None
    assert "--where config=" in exc.value.hint
    assert "--best-of config" in exc.value.hint
    assert "Different runs are not averaged" in exc.value.message


def test_where_keeps_one_configuration(tmp_path: Path) -> None:
    path = written(tmp_path, shapes.configs())
    runs = read_runs([path], where=parse_where(["config=base"]))
    assert (runs.frame.height, runs.datasets) == (70, ["owt2", "rw"])
    assert "--where config=base: 140 of 210 rows left out" in decisions(runs)
    assert read_runs([path], where=parse_where(["config=b*"])).frame.height == 70  # a glob
    assert read_runs([path], where=parse_where(["config!=tuned", "config!=long_warmup"])).frame.height == 70
    with pytest.raises(InputError, match="no column 'lr' to filter on"):
        read_runs([path], where=parse_where(["lr=3e-4"]))
    with pytest.raises(UsageError, match="expected COL=VALUE"):
        parse_where(["config"])


def test_best_of_keeps_each_points_best_configuration(tmp_path: Path) -> None:
    shape = shapes.configs()
    runs = read_runs([written(tmp_path, shape)], best_of="config")
    rows = pl.DataFrame(shape.rows)
    best = rows.group_by("dataset", "N", "D").agg(pl.col("loss").min()).sort("dataset", "N", "D")
    assert runs.frame.height == 70
    assert_allclose(runs.frame.sort("dataset", "N", "D")["loss"], best["loss"], rtol=1e-12)
    assert "--best-of config: at each (dataset, N, D) kept the run" in decisions(runs)


# ---- a per-step log without run ids ---------------------------------------------------------------------


def test_runs_without_ids_are_told_apart_by_the_columns_that_do_so(tmp_path: Path) -> None:
    path = written(tmp_path, shapes.no_run_id_log())
    with pytest.raises(InputError, match="differ in peak_lr") as exc:
        read_runs([path])
    assert exc.value.hint is not None
    assert "--best-of peak_lr" in exc.value.hint
    runs = read_runs([path], best_of="peak_lr")
    ck = runs.provenance[0]["checkpoints"]
    assert set(ck["identity"]) == {"peak_lr", "sweep"}
    assert ck["identity_detected"]
    assert ck["runs"] == 24  # 4 sizes x 3 learning rates x 2 sweeps
    assert runs.frame.height == 8  # at each (N, D) the best learning rate's final checkpoint
    assert "rose_at_end" not in ck  # (its ends 1.6 % above their previous checkpoints at most: h76)
    named = read_runs([path], best_of="peak_lr", run_key=["peak_lr", "sweep"])
    assert named.frame.sort("D")["loss"].equals(runs.frame.sort("D")["loss"])
    assert not named.provenance[0]["checkpoints"]["identity_detected"]
    with pytest.raises(InputError, match="--run-key wd: no such column"):
        read_runs([path], run_key=["wd"])


# ---- the one-pass route and the exact route agree -------------------------------------------------------


def test_the_streaming_route_gives_what_the_exact_route_gives(tmp_path: Path) -> None:
    """A per-step log with run ids is read in one streaming aggregation from CSV; the same table from Parquet
    takes the exact route. Same rows, same report."""
    rows = [
        {"run_id": f"r{i}", "dataset": "web", "N": n, "D": d_final * k / 10, "step": k, "eval": ev,
         "loss": 2 + 400 / n**0.34 + 900 / (d_final * max(k, 1) / 10) ** 0.28 + 0.1 * j}
        for i, (n, d_final) in enumerate([(1e8, 2e9), (2e8, 4e9), (4e8, 8e9), (4e8, 1.6e10)])
        for k in range(0, 11)
        for j, ev in enumerate(("web_val", "c4"))
    ]  # fmt: skip
    frame = pl.DataFrame(rows)
    csv, pq = tmp_path / "log.csv", tmp_path / "log.parquet"
    frame.write_csv(csv)
    frame.write_parquet(pq)
    a, b = read_runs([csv]), read_runs([pq])
    cols = ["dataset", "N", "D", "eval", "loss", "run_id"]
    assert a.frame.select(cols).sort(cols).equals(b.frame.select(cols).sort(cols))
    ka, kb = a.provenance[0]["checkpoints"], b.provenance[0]["checkpoints"]
    assert {k: ka[k] for k in ("rows_in", "rows_kept", "zero_rows", "runs", "d_is_tokens_seen")} == {
        "rows_in": 88,
        "rows_kept": 8,
        "zero_rows": 8,
        "runs": 4,
        "d_is_tokens_seen": True,
    }
    assert {k: kb[k] for k in ka if k != "describe"} == {k: ka[k] for k in ka if k != "describe"}


@pytest.mark.parametrize("step", [2, 3])  # a middle checkpoint's loss, and the last one's
def test_a_nan_in_a_per_step_log_is_refused_on_both_routes(tmp_path: Path, step: int) -> None:
    """The one-pass route's checks once ignored a NaN beside other values (polars' min and max skip NaN) and
    stored it; it now leaves the file to the exact route, which names the line, as it does for Parquet."""
    frame = pl.DataFrame(
        {
            "run_id": ["r1"] * 3 + ["r2"] * 3,
            "dataset": "web",
            "N": [1e8] * 3 + [2e8] * 3,
            "D": [2e9] * 3 + [4e9] * 3,
            "step": [1, 2, 3] * 2,
            "eval": "val",
            "loss": [3.5 if k != step else float("nan") for k in (1, 2, 3)] + [3.4, 3.1, 2.9],
        }
    )
    csv, pq = tmp_path / "log.csv", tmp_path / "log.parquet"
    frame.write_csv(csv)
    frame.write_parquet(pq)
    with pytest.raises(InputError, match=f"line {step + 1}, column 'loss': not a finite number"):
        read_runs([csv])
    with pytest.raises(InputError, match="not a finite number"):
        read_runs([pq])


# ---- the public tables of other papers -----------------------------------------------------------------


@public
def test_porian_configurations_are_refused_then_filtered() -> None:
    assert PUBLIC is not None
    path = PUBLIC / "porian2024_rsld.csv"
    with pytest.raises(InputError, match="differ in config") as exc:
        read_runs([path])
    assert exc.value.hint is not None
    # the value quoted for the shell: pasted bare, its '|' was a pipe (probe p64)
    assert "--where 'config=base|warmup=long|decay=kaplan|params=standard'" in exc.value.hint
    runs = read_runs([path], where=parse_where(["config=base|warmup=short|decay=kaplan|params=standard"]))
    assert (runs.frame.height, runs.n_runs, runs.datasets) == (264, 264, ["owt2", "rw"])
    assert runs.own_eval == {"owt2": "owt2_val", "rw": "rw_val"}


@public
def test_misfitting_runs_found_and_the_best_learning_rate_kept() -> None:
    assert PUBLIC is not None
    runs = read_runs([PUBLIC / "misfitting_li2025.csv"], best_of="peak_lr")
    ck = runs.provenance[0]["checkpoints"]
    assert (ck["column"], ck["rows_in"], ck["d_is_tokens_seen"]) == ("frac_done", 4852, True)
    assert {"peak_lr", "total_steps"} <= set(ck["identity"])
    # the two rows past a run's end (frac_done = 1.024) are no final checkpoint: the run ends at frac_done = 1
    assert ck["past_end"] == 2
    assert "2 past their run's end, frac_done > 1: not taken as its final checkpoint" in ck["describe"]
    assert runs.frame.height == 81
    assert runs.n_runs == 81
    assert "rose_at_end" not in ck  # (its ends 0.55 % above their previous checkpoints at most: h76)


@public
def test_dclm_shares_one_validation_eval() -> None:
    assert PUBLIC is not None
    runs = read_runs([PUBLIC / "dclm_li2024.csv"], best_of="run_id")
    assert len(runs.datasets) == 42
    assert set(runs.own_eval.values()) == {"open_lm_val"}
    assert set(runs.own_eval_how.values()) == {"shared"}


def test_best_of_chooses_by_the_own_eval_not_the_mean_over_every_eval(tmp_path: Path) -> None:
    """DCLM's shape: the run best on the tasks is 11 % worse on the loss that stands in for the own one."""
    lines = ["dataset,N,D,eval,loss,run_id"]
    for n in (1e8, 2e8):
        lines += [
            f"web,{n:g},{20 * n:g},web_val,3.30,a{n:g}",  # worse on the own eval
            f"web,{n:g},{20 * n:g},task,1.00,a{n:g}",  # much better on the task
            f"web,{n:g},{20 * n:g},web_val,3.00,b{n:g}",
            f"web,{n:g},{20 * n:g},task,2.00,b{n:g}",
        ]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path], best_of="run_id")
    assert sorted(runs.frame["run_id"].unique()) == ["b1e+08", "b2e+08"]
    assert "gives the lowest loss on its dataset's own eval (web_val)" in decisions(runs)
    # no own eval (nothing named after the dataset, no eval shared by two datasets): the mean over the evals
    path.write_text("\n".join(lines).replace("web_val", "other") + "\n")
    runs = read_runs([path], best_of="run_id")
    assert sorted(runs.frame["run_id"].unique()) == ["a1e+08", "a2e+08"]
    assert "gives the lowest mean log loss over its evals (no own eval measured there)" in decisions(runs)


def test_a_kind_column_of_loss_and_acc_is_read_as_the_metric_never_as_runs_to_choose_between(
    tmp_path: Path,
) -> None:
    lines = ["dataset,N,D,task,kind,value"]
    for n in (1e8, 2e8, 4e8):
        lines += [f"web,{n:g},{20 * n:g},web_val,loss,{3 - n / 1e9}"]
        lines += [
            f"web,{n:g},{20 * n:g},hellaswag,loss,{4 - n / 1e9}",
            f"web,{n:g},{20 * n:g},hellaswag,acc,0.3",
        ]
    path = tmp_path / "kind.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path])
    assert runs.frame.height == 6
    assert float(runs.frame["loss"].min()) > 2
    assert runs.accuracy is not None
    assert runs.accuracy.height == 3
    assert "column 'kind' says what each value is (its values name metrics): read as the metric" in decisions(
        runs
    )
    # beside a metric column it is not the metric: refused with the filter, never --best-of
    both = tmp_path / "both.csv"
    both.write_text("\n".join([lines[0] + ",metric"] + [f"{x},loss" for x in lines[1:]]) + "\n")
    with pytest.raises(InputError, match="differ in kind, a column that says what each value is") as exc:
        read_runs([both])
    assert exc.value.hint == "keep the losses with --where kind=loss"
    with pytest.raises(InputError, match="--best-of kind: column 'kind' says what each value is") as chosen:
        read_runs([both], best_of="kind")
    assert chosen.value.hint == "keep the losses with --where kind=loss"
    assert read_runs([both], where=parse_where(["kind=loss"])).frame.height == 6


def test_a_unit_column_of_nats_and_bpb_keeps_bits_per_byte_apart_never_runs_to_choose_between(
    tmp_path: Path,
) -> None:
    """Probe h48: a ``unit`` column saying ``nats`` or ``bpb`` beside each value was refused as runs differing in
    unit, with ``--best-of unit`` as the fix, which kept the bits-per-byte rows (always the lower) as the loss in
    nats: c4's law came out with E = 0.632 for a true 1.85."""
    lines = ["dataset,N,D,eval,loss,unit"]
    for n in (1e8, 2e8, 4e8):
        nats = 3 - n / 1e9
        lines += [
            f"web,{n:g},{20 * n:g},web_val,{nats},nats",
            f"web,{n:g},{20 * n:g},web_val,{nats / 2.9},bpb",
        ]
    path = tmp_path / "unit.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path])
    by_eval = dict(runs.frame.group_by("eval").agg(pl.col("loss").min()).iter_rows())
    assert sorted(by_eval) == ["web_val", "web_val:bpb"]
    assert by_eval["web_val"] == pytest.approx(2.6)
    assert by_eval["web_val:bpb"] == pytest.approx(2.6 / 2.9)
    assert "column 'unit' says what each value is (its values name metrics)" in decisions(runs)


def test_an_eval_every_dataset_is_measured_on_is_no_datasets_own_by_a_prefix_of_its_name(
    tmp_path: Path,
) -> None:
    """c4mix starts with c4, but c4_val is measured on every dataset: a common validation set, not c4mix's own.
    Named word for word (slimpajama-chunk1 after slimpajama_val) a shared eval is still one dataset's own."""
    rows = [
        {"dataset": ds, "N": n, "D": 20 * n, "eval": ev, "loss": 3.0}
        for ds in ("c4mix", "dolma", "slimpajama-chunk1")
        for n in (1e8, 2e8)
        for ev in ("c4_val", "pile_val", "slimpajama_val")
    ]
    path = tmp_path / "t.csv"
    pl.DataFrame(rows).write_csv(path)
    runs = read_runs([path])
    assert runs.own_eval == {"slimpajama-chunk1": "slimpajama_val"}
    # an eval of its own alone, a prefix is enough (as before)
    alone = [r for r in rows if (r["dataset"], r["eval"]) in (("c4mix", "c4_val"), ("dolma", "pile_val"))]
    pl.DataFrame(alone).write_csv(path)
    assert read_runs([path]).own_eval == {"c4mix": "c4_val"}


def test_repeats_differing_in_a_size_naming_column_are_pointed_to_best_of(tmp_path: Path) -> None:
    """DCLM's model column (open_lm_1b, open_lm_1b_swiglutorch, open_lm_7b...) names one size per value: the hint
    named one value for --where, which kept one size of the sweep."""
    lines = ["dataset,N,D,eval,loss,model,run_id"]
    for n in (1e8, 2e8, 4e8):
        for variant, loss in (("", 3.0), ("_swiglu", 2.9)):
            lines.append(f"web,{n:g},{20 * n:g},web_val,{loss},lm_{n:g}{variant},r{n:g}{variant}")
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert exc.value.hint is not None
    assert exc.value.hint.startswith("keep the best run of each (dataset, N, D) with --best-of model")
    assert "--where" not in exc.value.hint.split("(")[1].split(":")[0]


def test_a_size_naming_column_with_two_variants_of_one_size_says_so_and_how_to_keep_one(
    tmp_path: Path,
) -> None:
    """DCLM's open_lm_1b and open_lm_1b_swiglutorch are two architectures of one size: the hint called every value
    "one model size", and named no filter that keeps the sweep's every size."""
    lines = ["dataset,N,D,eval,loss,model,run_id"]
    for n in (1e8, 2e8, 4e8):
        lines.append(f"web,{n:g},{20 * n:g},web_val,3.0,lm_{n:g},r{n:g}")
    lines.append(f"web,{1e8:g},{20e8:g},web_val,2.9,lm_1e+08_swiglu,r_swiglu")
    path = write(tmp_path / "t.csv", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert exc.value.hint == (
        "keep the best run of each (dataset, N, D) with --best-of model (each value of model is of one model size: "
        "--where model=VALUE would keep that size alone; where a size has several (lm_1e+08, lm_1e+08_swiglu at "
        "N=1.00e+08: variants of one size), --where model!=lm_1e+08_swiglu keeps one of each); repeats that are "
        "seeds need a seed column (--column seed=COL)"
    )
    assert read_runs([path], where=["model!=lm_1e+08_swiglu"]).frame.height == 3


def test_where_on_a_wide_table_counts_file_rows_not_values(tmp_path: Path) -> None:
    # probe p77: 81 file rows with three loss columns, 6 left out, printed "-144 of 81 rows left out" (the read
    # values, one per loss column, subtracted from the file's rows)
    lines = ["dataset,params,tokens,c4_val_loss,own_val_loss,other_loss"]
    for k in range(12):
        n = 1e7 * 2**k
        lines.append(f"web,{n:.0f},{20 * n:.0f},{3.0 - 0.1 * k},{3.1 - 0.1 * k},{3.2 - 0.1 * k}")
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path], wide=True, where=parse_where(["params<=1e9"]))
    assert runs.frame.height == 3 * 7
    assert "--where params<=1e9: 5 of 12 rows left out" in decisions(runs)


def test_a_log_kept_whole_without_run_ids_counts_one_run_per_size(tmp_path: Path) -> None:
    # probe p77: DataDecide's export names no runs; kept whole, each checkpoint got an id of its own and `l2l runs`
    # said 960 runs for 96 (12 datasets × 8 sizes, seeds averaged)
    lines = ["dataset,N,step,tokens,eval,loss"]
    for n in (1e7, 3e7, 1e8):
        for step in range(1, 5):
            lines.append(
                f"web,{n:.0f},{step},{step * 2.5 * n:.0f},val,{2 + 300 * n**-0.3 + 200 * (step * 2.5 * n) ** -0.3}"
            )
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path], checkpoints="all")
    assert runs.frame.height == 12
    assert runs.runs_per()["runs"].item() == 3
