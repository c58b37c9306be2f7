"""Column mapping, canonical-over-alias, and the loss columns of wide exports (issue 9)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base import schema
from l2l.base.errors import InputError, UsageError
from l2l.base.runs import Runs
from l2l.core.fit import fit_law
from l2l.io.columns import detect_loss_columns, parse_mapping, resolve_columns
from l2l.io.tables import read_runs
from l2l.testing import PAPER_LIKE_LAW
from tests.conftest import write

REAL = Path(__file__).parents[1] / "data" / "real"
LONG = (*schema.REQUIRED, *schema.OPTIONAL)
WIDE = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL)


# ---- explicit mappings ----------------------------------------------------------------------------


def test_mapping_pairs_are_parsed_case_insensitively_on_the_canonical_side() -> None:
    assert parse_mapping(["n=non_embedding_params", " D = tokens ", "step=trainer/global_step"]) == {
        "N": "non_embedding_params",
        "D": "tokens",
        "step": "trainer/global_step",
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["N"], "not of the form CANON=SOURCE"),
        (["N="], "not of the form CANON=SOURCE"),
        (["params=n_params"], "'params' is not a column l2l uses"),
        (["N=a", "n=b"], "gives N twice"),
        (["N=a", "D=a"], "uses column 'a' twice"),
    ],
)
def test_bad_mappings_are_usage_errors(items: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_mapping(items)


def test_explicit_mapping_wins_over_the_canonical_column() -> None:
    cols = ["dataset", "N", "non_embedding_params", "D", "eval", "loss"]
    plan = resolve_columns(cols, LONG, required=schema.REQUIRED, mapping={"N": "non_embedding_params"})
    assert plan.columns["N"] == "non_embedding_params"
    assert plan.explicit == ("N",)
    assert {e.name: e.reason for e in plan.extras} == {
        "N": "also gives N; the column mapping chose 'non_embedding_params'"
    }
    assert plan.renames()["non_embedding_params"] == "N"


def test_mapping_a_column_the_table_lacks_is_an_input_error() -> None:
    with pytest.raises(InputError, match="names 'n_emb' for N, but there is no column 'n_emb'") as exc:
        resolve_columns(["dataset", "N"], LONG, mapping={"N": "n_emb"}, path="t.csv")
    assert exc.value.path == "t.csv"


def test_a_dataset_mapped_to_a_name_that_is_no_column_says_there_is_no_such_column(tmp_path: Path) -> None:
    """``--column dataset=c4`` (a name for the one dataset, not a column): "missing column 'dataset'" said nothing
    of the mapping."""
    path = write(tmp_path / "ladder.csv", "run,model/params,throughput/total_tokens,loss\nr1,1e8,2e9,3.1\n")
    with pytest.raises(InputError) as exc:
        read_runs(
            [path], wide=True, columns={"dataset": "c4", "N": "model/params", "D": "throughput/total_tokens"}
        )
    assert "the column mapping names 'c4' for dataset, but there is no column 'c4'" in exc.value.message
    assert exc.value.hint == (
        "--column dataset=COL names a column of the table; to name the one dataset of a table without a dataset "
        "column, use --dataset NAME"
    )


def test_columns_named_by_an_accepted_name_after_a_path_are_offered_with_their_mapping(
    tmp_path: Path,
) -> None:
    """An OLMo ladder's ``model/params`` and ``throughput/total_tokens``: the first error listed the missing
    columns' accepted names, and no hint."""
    path = write(tmp_path / "ladder.csv", "run,model/params,throughput/total_tokens,loss\nr1,1e8,2e9,3.1\n")
    with pytest.raises(InputError, match="missing columns 'dataset'") as exc:
        read_runs([path], wide=True)
    assert exc.value.hint == (
        "these columns are named by an accepted name after a path: read them with --column N=model/params "
        "--column D=throughput/total_tokens; to name the one dataset of a table without a dataset column, use "
        "--dataset NAME"
    )


def test_step_mapping_is_carried_without_renaming() -> None:
    cols = ["dataset", "N", "D", "eval", "loss", "trainer/global_step"]
    plan = resolve_columns(cols, LONG, mapping={"step": "trainer/global_step"})
    assert plan.step == "trainer/global_step"
    assert "trainer/global_step" not in plan.renames()


# ---- canonical over alias -------------------------------------------------------------------------


def test_run_id_and_model_keep_run_id_and_report_model_as_extra() -> None:
    cols = pl.read_csv(REAL / "run_id_and_model.csv", n_rows=1).columns
    plan = resolve_columns(cols, LONG, required=schema.REQUIRED)
    assert plan.columns["run_id"] == "run_id"
    assert [(e.name, e.reason) for e in plan.extras] == [("model", "also gives run_id; kept 'run_id'")]


def test_a_canonical_column_wins_over_an_alias_in_any_order() -> None:
    plan = resolve_columns(["params", "dataset", "N", "D", "eval", "loss"], LONG, required=schema.REQUIRED)
    assert plan.columns["N"] == "N"
    assert plan.aliases == {}
    assert plan.extras[0].name == "params"


def test_two_aliases_without_a_canonical_column_are_refused_with_a_mapping_hint() -> None:
    with pytest.raises(InputError, match="columns 'model' and 'run_name' both give run_id") as exc:
        resolve_columns(["dataset", "N", "D", "eval", "loss", "model", "run_name"], LONG, path="t.csv")
    assert exc.value.hint == "map one explicitly, e.g. run_id=model"
    with pytest.raises(InputError, match="columns 'N' and 'n' both give N"):
        resolve_columns(["N", "n"], LONG)


def test_real_export_names_are_accepted_as_aliases() -> None:
    cols = pl.read_csv(REAL / "real_names.csv", n_rows=1).columns
    plan = resolve_columns(cols, LONG, required=schema.REQUIRED)
    assert plan.aliases == {"dataset_name": "dataset", "non_embedding_params": "N", "tokens_seen": "D"}
    assert plan.extras == ()
    for name, canon in [
        ("data_mix", "dataset"),
        ("n_params", "N"),
        ("num_tokens", "D"),
        ("train_tokens", "D"),
    ]:
        assert schema.canonical_name(name) == canon


def test_missing_required_column_lists_the_new_aliases() -> None:
    with pytest.raises(
        InputError, match=r"missing column 'N' \(accepted names: N, params, .*non_embedding_params"
    ):
        resolve_columns(["dataset", "D", "eval", "loss"], LONG, required=schema.REQUIRED)


# ---- wide exports -------------------------------------------------------------------------------


def test_an_error_rate_column_is_never_a_loss() -> None:
    # probe p77: a Gadre-shaped table's `avg_top1_error_17` (top-1 error over 17 tasks, 0.4-0.8) was fitted as a loss
    frame = pl.DataFrame(
        {"c4_val_loss": ["3.1", "2.9", "2.7"], "avg_top1_error_17": ["0.78", "0.70", "0.61"]}
    )
    found = detect_loss_columns(frame, frame.columns)
    assert dict(found.kept) == {"c4_val_loss": "c4_val_loss"}
    reasons = {x.column: x.reason for x in found.left_out}
    assert reasons["avg_top1_error_17"] == (
        "its name says an error rate (one minus an accuracy), not a loss ('error')"
    )


def test_a_loss_per_token_is_a_loss_not_a_throughput() -> None:
    # probe p79: `loss_per_token` was left out as "a throughput ('per')"
    frame = pl.DataFrame({"loss_per_token": ["3.1", "2.9", "2.7"], "tokens_per_sec": ["1.5", "2.5", "3.5"]})
    found = detect_loss_columns(frame, frame.columns)
    assert list(found.kept) == ["loss_per_token"]
    assert "loss_per_token" not in {x.column for x in found.left_out}


def test_a_task_named_with_a_setting_word_keeps_its_loss_column() -> None:
    """lm-eval's MMLU subjects `machine_learning` and `global_facts`: their `TASK/bpb` and `eval/TASK/loss` columns
    were left out as "a learning rate ('learning')" and "a step count ('global')", and those accuracies had no task
    loss (h27). Where the path's last part is a loss unit alone, the task's name before it says nothing of the
    column; elsewhere the words still keep a column out."""
    values = ["1.1", "1.0", "0.9"]
    names = [
        "mmlu_machine_learning/bpb",
        "eval/mmlu_global_facts/loss",
        "train/lr",
        "perf/global_step",
        "loss_scale",
        "eval/hellaswag_acc/loss",
    ]
    frame = pl.DataFrame(dict.fromkeys(names, values))
    found = detect_loss_columns(frame, frame.columns)
    assert set(found.kept) == {"mmlu_machine_learning/bpb", "eval/mmlu_global_facts/loss"}
    reasons = {x.column: x.reason for x in found.left_out}
    assert reasons["train/lr"] == "its name says a learning rate ('lr')"
    assert reasons["perf/global_step"] == "its name says a step count ('global')"
    assert reasons["loss_scale"] == "its name says a gradient statistic ('scale')"
    assert reasons["eval/hellaswag_acc/loss"] == "its name says a score ('acc')"


def wandb() -> tuple[pl.DataFrame, list[str]]:
    frame = pl.read_csv(REAL / "wandb_wide.csv", infer_schema=False)  # as the reader does: all text
    plan = resolve_columns(frame.columns, WIDE, required=schema.WIDE_REQUIRED)
    return frame, [c for c in frame.columns if c not in plan.columns.values()]


def test_wandb_export_keeps_only_the_loss_columns_with_short_names() -> None:
    frame, candidates = wandb()
    found = detect_loss_columns(frame, candidates)
    assert dict(found.kept) == {"eval/alpha_val/loss": "alpha_val", "eval/quiz/loss": "quiz"}
    assert found.renamed == dict(found.kept)
    reasons = {x.column: x.reason for x in found.left_out}
    assert set(reasons) == set(candidates) - set(found.kept)
    assert reasons["Runtime"] == "its name says a time ('runtime')"
    assert reasons["lr"] == "its name says a learning rate ('lr')"
    assert reasons["_step"].startswith("a logger's own column")
    assert "a score" in reasons["eval/quiz/acc"]
    assert "gradient" in reasons["train/grad_norm"]
    assert "perplexity" in reasons["perplexity"]
    assert reasons["depth"].startswith("values 20 to 57, outside the range of a loss")
    assert reasons["mystery"] == "the same value in every row"


def test_detected_loss_column_recovers_the_law() -> None:
    frame, candidates = wandb()
    found = detect_loss_columns(frame.lazy(), candidates)
    col = next(c for c, ev in found.kept.items() if ev == "alpha_val")
    num = frame.select(pl.col("params", "tokens", col).cast(pl.Float64))
    law = fit_law(num["params"].to_numpy(), num["tokens"].to_numpy(), num[col].to_numpy(), form="l2l").law
    assert_allclose(
        [law.alpha, law.beta, law.E], [PAPER_LIKE_LAW.alpha, PAPER_LIKE_LAW.beta, PAPER_LIKE_LAW.E], rtol=0.02
    )


def loss_frame(names: list[str]) -> pl.DataFrame:
    return pl.DataFrame({n: [3.1 + i, 2.7 + i, 2.55 + i] for i, n in enumerate(names)})


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["val_loss_c4", "val_loss_pile"], ["c4", "pile"]),
        (["alpha_val", "beta_val"], ["alpha_val", "beta_val"]),  # a lone val marker stays: it tells own evals
        (["eval/hellaswag/loss"], ["hellaswag"]),
        (["eval/hellaswag/loss", "eval/hellaswag_hard/loss"], ["hellaswag", "hellaswag_hard"]),
        (["c4", "pile"], ["c4", "pile"]),
        (["loss/a", "loss/a_b"], ["a", "a_b"]),
    ],
)
def test_common_prefix_and_suffix_are_stripped_at_name_parts(names: list[str], expected: list[str]) -> None:
    assert list(detect_loss_columns(loss_frame(names), names).kept.values()) == expected


def test_no_loss_like_column_is_an_input_error_listing_what_was_left_out() -> None:
    frame = pl.DataFrame({"lr": [1e-3, 2e-3], "epoch": [1, 2]})
    with pytest.raises(
        InputError, match=r"no column looks like a loss \(left out: lr: its name says a learn"
    ):
        detect_loss_columns(frame, ["lr", "epoch"], path="w.csv")


def test_text_and_non_positive_columns_are_left_out() -> None:
    frame = pl.DataFrame({"c4": ["3.1", "2.9", "2.8"], "notes": ["a", "b", "c"], "delta": [-0.1, 0.2, 0.3]})
    found = detect_loss_columns(frame, ["c4", "notes", "delta"])
    assert dict(found.kept) == {"c4": "c4"}
    assert found.to_dict()["left_out"] == {
        "notes": "not numeric",
        "delta": "values ≤ 0 (min -0.1); a loss is positive",
    }


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("inf", "not a finite number: 'inf'"),
        ("-inf", "not a finite number: '-inf'"),
        ("0", "loss must be > 0, got '0'"),
        ("-1.5", "loss must be > 0, got '-1.5'"),
        ("diverged", "not a number: 'diverged'"),
    ],
)
def test_one_bad_cell_in_a_loss_named_wide_column_is_refused_by_line(
    tmp_path: Path, cell: str, message: str
) -> None:
    """One such cell left the whole column out: its eval vanished, the other eval became both datasets' own
    ("shared") and fit-law fitted a law named "code" on web_val's losses, exit 0 (h1)."""
    rows = ["Name,dataset,N,D,eval/web_val_loss,eval/code_val_loss"]
    for i, (n, d) in enumerate([(2e7, 4e8), (4e7, 8e8), (8e7, 1.6e9), (1.6e8, 3.2e9)]):
        for ds, shift in (("web", 0.0), ("code", -0.8)):
            bad = ds == "code" and i == 2
            rows.append(
                f"{ds}{i},{ds},{n},{d},{3.3 - 0.2 * i + shift},{cell if bad else 2.9 - 0.2 * i + shift}"
            )
    path = write(tmp_path / "wide.csv", "\n".join(rows) + "\n")
    frame = pl.read_csv(path, infer_schema=False)
    found = detect_loss_columns(frame, ["eval/web_val_loss", "eval/code_val_loss"])
    assert sorted(found.kept) == ["eval/code_val_loss", "eval/web_val_loss"]
    with pytest.raises(InputError, match=rf"line 7, column 'eval/code_val_loss': {message}"):
        read_runs([path], wide=True, columns={"run_id": "Name"})


def test_final_d_beside_tokens_seen_keeps_d_and_uses_tokens_seen_as_the_step() -> None:
    from l2l.io.checkpoints import apply_checkpoints, find_step_column

    seen = (
        pl.read_csv(REAL / "per_step_tokens_seen.csv").rename({"tokens": "tokens_seen"}).drop("global_step")
    )
    final = pl.read_csv(REAL / "per_step_final_d.csv").select("D")
    lf = pl.concat([seen, final], how="horizontal").lazy()
    names = lf.collect_schema().names()
    plan = resolve_columns(names, LONG, required=schema.REQUIRED)
    assert plan.columns["D"] == "D"
    assert {e.name: e.reason for e in plan.extras} == {"tokens_seen": "also gives D; kept 'D'"}
    step = find_step_column([e.name for e in plan.extras])
    assert step == "tokens_seen"
    _out, report = apply_checkpoints(plan.select(lf, keep=[step]), step_column=step)
    assert report is not None
    assert (report.column, report.d_is_tokens_seen, report.rows_kept) == ("tokens_seen", False, 108)
    # mapped explicitly, tokens_seen is D (the tokens seen at each checkpoint) and the step at once
    plan = resolve_columns(names, LONG, required=schema.REQUIRED, mapping={"D": "tokens_seen"})
    assert set(plan.select(lf).collect_schema().names()) == {"run_id", "dataset", "N", "D", "eval", "loss"}
    _, report = apply_checkpoints(plan.select(lf), "all", d_source="tokens_seen")
    assert report is not None
    assert (report.column, report.d_is_tokens_seen, report.rows_kept) == ("D", True, 810)


def test_step_columns_are_reported_as_such() -> None:
    plan = resolve_columns(["dataset", "N", "D", "eval", "loss", "_step", "trainer/global_step", "lr"], LONG)
    assert [e.reason for e in plan.extras] == [
        "a step/checkpoint column",
        "a step/checkpoint column",
        "not a column l2l uses",
    ]


def test_a_wide_log_read_as_long_is_told_to_read_it_wide(tmp_path: Path) -> None:
    """p70: a W&B-style per-step log (train/loss, eval/hellaswag/loss, one row per checkpoint) read without --wide
    was told "--column loss=train/loss", never --wide."""
    from l2l.base.errors import InputError
    from l2l.io.tables import read_runs

    path = tmp_path / "log.csv"
    path.write_text(
        "step,tokens,params,train/loss,eval/hellaswag/loss\n1000,4e7,2e7,6.15,7.06\n2000,8e7,2e7,5.12,5.79\n"
    )
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert (info.value.hint or "").startswith(
        "one row per run with a loss column per eval (train/loss, eval/hellaswag/loss): read it with --wide"
    )


def test_an_olmo_ladder_export_read_as_long_is_told_to_read_it_wide(tmp_path: Path) -> None:
    """h67: OLMo's ladder names its losses in camel case (eval/c4_en-validation/CrossEntropyLoss): read without
    --wide, the hint listed the accepted names of the missing columns and never said --wide."""
    from l2l.base.errors import InputError
    from l2l.io.tables import read_runs

    path = tmp_path / "ladder.csv"
    path.write_text(
        "run_name,step,tokens,params,train/CrossEntropyLoss,eval/c4_en-validation/CrossEntropyLoss,"
        "eval/hellaswag/acc\nolmo-150M-1xC,250,7.5e8,1.5e8,3.41,3.59,0.30\nolmo-150M-1xC,500,1.5e9,1.5e8,3.10,"
        "3.31,0.33\n"
    )
    with pytest.raises(InputError) as info:
        read_runs([path])
    assert (info.value.hint or "").startswith(
        "one row per run with a loss column per eval (train/CrossEntropyLoss, "
        "eval/c4_en-validation/CrossEntropyLoss): read it with --wide --loss-columns "
        "'train/CrossEntropyLoss|eval/c4_en-validation/CrossEntropyLoss' --dataset NAME"
    )


def test_the_read_it_wide_hint_pasted_reads_every_loss_column_the_own_one_too(tmp_path: Path) -> None:
    """h57: a Pythia log (pile_val_loss beside lambada_openai/loss, hellaswag/loss) was told --loss-columns
    'lambada_openai/loss|hellaswag/loss': pasted, it left the own loss out ("no own eval for pile"); four task/loss
    columns were told 'eval/*/loss', which matched no column."""
    import shlex

    def pasted(path: Path) -> tuple[str, Runs]:
        with pytest.raises(InputError) as info:
            read_runs([path])
        hint = info.value.hint or ""
        words = shlex.split(hint.split("read it with ", 1)[1])
        assert words[:2] == ["--wide", "--loss-columns"]
        return words[2], read_runs([path], wide=True, loss_columns=words[2])

    pythia = tmp_path / "pythia.csv"
    lines = [
        "model,data,params,tokens_seen,pile_val_loss,lambada_openai/loss,hellaswag/loss,hellaswag/acc_norm"
    ]
    for i, n in enumerate([7e7, 1.6e8, 4.1e8, 1e9]):
        for d in (1e9, 2e9, 4e9):
            lines.append(
                f"m{i}_{d:.0e},pile,{n},{d},{3.5 - 0.3 * i},{2.7 - 0.3 * i},{3.4 - 0.2 * i},{0.3 + 0.05 * i}"
            )
    pythia.write_text("\n".join(lines) + "\n")
    pattern, runs = pasted(pythia)
    assert pattern == "pile_val_loss|lambada_openai/loss|hellaswag/loss"
    assert sorted(runs.evals) == ["hellaswag/loss", "lambada_openai/loss", "pile_val_loss"]
    assert runs.own_eval["pile"] == "pile_val_loss"

    tasks = tmp_path / "tasks.csv"
    lines = ["dataset,N,D,hellaswag/loss,piqa/loss,arc/loss,sciq/loss"]
    for i, n in enumerate([2e7, 4e7, 8e7]):
        lines.append(f"web,{n},{20 * n},{3.3 - 0.2 * i},{3.1 - 0.2 * i},{2.9 - 0.2 * i},{2.7 - 0.2 * i}")
    tasks.write_text("\n".join(lines) + "\n")
    pattern, runs = pasted(tasks)
    assert pattern == "*/loss"
    assert sorted(runs.evals) == ["arc", "hellaswag", "piqa", "sciq"]


def test_a_wide_column_keeps_its_eval_name_whatever_other_columns_its_file_has(tmp_path: Path) -> None:
    """'eval/web_val_loss' was the eval 'web' in a file whose losses all end in '_val_loss' and 'web_val' beside
    'eval/c4_loss': two files of one ingest split one eval in two, and the own eval became ambiguous (probe h1)."""
    a = ["Name,dataset,N,D,eval/web_val_loss,eval/code_val_loss"]
    b = ["Name,dataset,N,D,eval/web_val_loss,eval/code_val_loss,eval/c4_loss"]
    for i, (n, d) in enumerate([(2e7, 4e8), (4e7, 8e8), (8e7, 1.6e9)]):
        for ds in ("web", "code"):
            a.append(f"a{ds}{i},{ds},{n},{d},{3.3 - 0.2 * i},{2.9 - 0.2 * i}")
            b.append(f"b{ds}{i},{ds},{2 * n},{2 * d},{3.2 - 0.2 * i},{2.8 - 0.2 * i},{3.5 - 0.2 * i}")
    runs = read_runs(
        [write(tmp_path / "a.csv", "\n".join(a) + "\n"), write(tmp_path / "b.csv", "\n".join(b) + "\n")],
        wide=True,
        columns={"run_id": "Name"},
    )
    assert sorted(set(runs.frame.get_column("eval").to_list())) == ["c4", "code_val", "web_val"]
