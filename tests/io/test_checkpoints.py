"""Per-step logs (issue 9): the step column is recognised and each run's final checkpoint kept by default.

The tables in tests/data/real/ come from a known law (``l2l.testing.PAPER_LIKE_LAW``: α = 0.43, β = 0.48,
E = 2.00) with a 6 % un-annealed-schedule penalty on early checkpoints; see tests/data/real/make.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import InputError
from l2l.core.fit import fit_law
from l2l.io.checkpoints import (
    CheckpointReport,
    apply_checkpoints,
    detect_checkpoints,
    find_step_column,
    parse_policy,
    select_checkpoints,
)
from l2l.testing import PAPER_LIKE_LAW

REAL = Path(__file__).parents[1] / "data" / "real"
TRUE = PAPER_LIKE_LAW


def final_d() -> pl.LazyFrame:
    return pl.scan_csv(REAL / "per_step_final_d.csv")


def tokens_seen(d_name: str = "D") -> pl.LazyFrame:
    return pl.scan_csv(REAL / "per_step_tokens_seen.csv").rename({"tokens": d_name})


def fitted(frame: pl.DataFrame, ev: str = "alpha_val") -> tuple[float, float, float]:
    f = frame.filter(pl.col("eval") == ev)
    law = fit_law(f["N"].to_numpy(), f["D"].to_numpy(), f["loss"].to_numpy(), form="l2l").law
    return law.alpha, law.beta, law.E


def test_step_column_found_by_name_including_wandb_paths() -> None:
    assert find_step_column(["dataset", "N", "_step", "global_step"]) == "_step"
    assert find_step_column(["dataset", "trainer/global_step"]) == "trainer/global_step"
    assert find_step_column(["dataset", "Tokens Seen"]) == "Tokens Seen"
    assert find_step_column(["dataset", "N", "D"]) is None
    with pytest.raises(InputError, match="no column 'ckpt_no' to use as the step column"):
        find_step_column(["dataset"], "ckpt_no")


def test_final_token_count_in_d_is_detected() -> None:
    info = detect_checkpoints(final_d())
    assert info is not None
    assert (info.column, info.runs, info.rows, info.checkpoints_per_run) == ("step", 54, 810, 10)
    assert not info.d_is_tokens_seen
    assert info.key == ("dataset", "run_id", "D")


def test_tokens_seen_in_d_is_detected_from_the_data() -> None:
    info = detect_checkpoints(tokens_seen())
    assert info is not None
    assert (info.column, info.runs, info.checkpoints_per_run) == ("global_step", 54, 10)
    assert info.d_is_tokens_seen
    assert info.key == ("dataset", "run_id")


def test_final_policy_recovers_the_law_where_averaging_checkpoints_does_not() -> None:
    out, report = apply_checkpoints(final_d())
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert (report.policy, report.runs, report.rows_in, report.rows_kept) == ("final", 54, 810, 108)
    assert report.checkpoints_dropped == 702
    assert "kept each run's final checkpoint" in report.describe()
    assert out.select("run_id", "eval").is_unique().all()
    # the silent wrong answer: checkpoints averaged as if they were seeds
    naive = final_d().collect().group_by("dataset", "N", "D", "eval").agg(pl.col("loss").mean())
    assert abs(fitted(naive)[2] - TRUE.E) / TRUE.E > 0.02
    assert_allclose(fitted(out), [TRUE.alpha, TRUE.beta, TRUE.E], rtol=0.02)


def test_final_policy_with_tokens_seen_keeps_the_final_token_count() -> None:
    out, report = apply_checkpoints(tokens_seen())
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert report.d_is_tokens_seen
    assert report.rows_kept == 108
    final = final_d().collect().select("run_id", "D").unique()
    own = out.filter(pl.col("eval") == "alpha_val")  # measured at every checkpoint, so at the last one
    joined = own.select("run_id", "D").join(final, on="run_id", suffix="_final")
    assert_allclose(joined["D"].to_numpy(), joined["D_final"].to_numpy(), rtol=1e-5)
    assert_allclose(fitted(out)[0], TRUE.alpha, rtol=0.02)


def test_all_policy_keeps_every_checkpoint_when_d_is_tokens_seen() -> None:
    out, report = apply_checkpoints(tokens_seen(), "all")
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert (out.height, report.rows_kept, report.checkpoints_dropped) == (810, 810, 0)
    # and says what it costs: laws on unfinished checkpoints predict checkpoints, not finished runs
    assert "laws fitted on every checkpoint predict checkpoints, not finished runs" in report.describe()


@pytest.mark.parametrize("policy", ["all", "step=415"])
def test_policies_other_than_final_refuse_a_final_token_count(policy: str) -> None:
    with pytest.raises(InputError, match="needs D to be the tokens seen at each checkpoint") as exc:
        apply_checkpoints(final_d(), policy, path="log.csv")
    assert exc.value.path == "log.csv"
    assert exc.value.column == "step"


def test_step_policy_keeps_the_chosen_checkpoint_and_counts_runs_without_it() -> None:
    lf = tokens_seen()
    info = detect_checkpoints(lf)
    assert info is not None
    out, report = select_checkpoints(lf, info, "step=415")
    assert set(out["global_step"].to_list()) == {415}
    assert set(out["run_id"].to_list()) == {"r000", "r004"}  # the two runs that logged step 415
    assert (report.policy, report.runs, report.runs_without_step) == ("step=415", 2, 52)
    with pytest.raises(InputError, match="no checkpoint at step 7 "):
        select_checkpoints(lf, info, "step=7")


def test_final_policy_takes_each_evals_own_last_measurement() -> None:
    out, report = apply_checkpoints(final_d())
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert report.evals_before_final == 11  # runs 0, 5, ..., 50 measure quiz last at checkpoint 9 of 10
    r0 = out.filter(pl.col("run_id") == "r000")
    steps = dict(zip(r0["eval"].to_list(), r0["step"].to_list(), strict=True))
    assert steps["quiz"] < steps["alpha_val"]


def test_a_table_without_a_step_column_or_with_one_checkpoint_per_run_is_left_alone() -> None:
    no_step = final_d().drop("step")
    assert detect_checkpoints(no_step) is None
    same, report = apply_checkpoints(no_step)
    assert same is no_step
    assert report is None
    # a W&B-like _step column holding each run's last step: one checkpoint per run
    one = final_d().filter(pl.col("step") == pl.col("step").max().over("run_id")).rename({"step": "_step"})
    info = detect_checkpoints(one)
    assert info is not None
    assert not info.per_step
    assert apply_checkpoints(one)[1] is None


def test_without_run_ids_a_final_token_count_still_separates_runs() -> None:
    out, report = apply_checkpoints(final_d().drop("run_id"))
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert (report.runs, report.rows_kept, report.d_is_tokens_seen) == (54, 108, False)


def test_without_run_ids_one_run_per_size_is_told_apart_by_size() -> None:
    """Each size has one run: a step appears once per (dataset, N, eval), so N names the run."""
    info = detect_checkpoints(tokens_seen().drop("run_id"))
    assert info is not None
    assert (info.runs, info.d_is_tokens_seen, info.key) == (54, True, ("dataset", "N"))
    _out, report = apply_checkpoints(tokens_seen().drop("run_id"), d_source="tokens_seen")
    assert report is not None
    assert report.d_is_tokens_seen
    assert report.rows_kept == 108


def test_without_run_ids_runs_sharing_a_size_and_nothing_to_tell_them_apart_are_refused() -> None:
    """A 1x and a 2x run of one size, no run id: at every step of the short run two rows, beyond it one."""
    rows = [
        {
            "dataset": "a",
            "N": 1e8,
            "D": 1e9 * k,
            "eval": "v",
            "step": k,
            "loss": 3.0 - 0.01 * k + 0.001 * total,
        }
        for total in (10, 20)
        for k in range(1, total + 1)
    ]
    with pytest.raises(InputError, match="cannot tell checkpoints of one run from separate runs") as exc:
        detect_checkpoints(pl.LazyFrame(rows))
    assert exc.value.hint is not None
    assert "run_id" in exc.value.hint
    assert "--run-key" in exc.value.hint


def test_without_run_ids_the_columns_that_tell_runs_apart_are_found() -> None:
    """Two learning rates and two lengths per size, no run id: the lr and length columns name the runs; a
    per-checkpoint column (the schedule's current lr) does not."""
    rows = []
    for n in (1e8, 2e8):
        for lr in (1e-3, 3e-3):
            for total in (10, 20):
                for k in range(1, total + 1):
                    d = n * k
                    rows.append({"dataset": "a", "N": n, "D": d, "eval": "v", "step": k, "peak_lr": lr,
                                 "total": total, "lr_now": lr * (1 - k / total),
                                 "loss": 2 + 1e3 / d**0.3 + (0.1 if lr == 1e-3 else 0.0)})  # fmt: skip
    out, report = apply_checkpoints(pl.LazyFrame(rows))
    assert report is not None
    assert set(report.identity) == {"peak_lr", "total"}
    assert report.identity_detected
    assert (report.runs, report.rows_kept, report.d_is_tokens_seen) == (8, 8, True)
    assert isinstance(out, pl.DataFrame)
    assert sorted(out["D"].to_list()) == [1e9, 1e9, 2e9, 2e9, 2e9, 2e9, 4e9, 4e9]
    assert "runs told apart by N with" in report.describe()


def test_tokens_seen_as_d_is_its_own_step_column() -> None:
    lf = tokens_seen().drop("global_step")
    info = detect_checkpoints(lf, d_source="tokens_seen")
    assert info is not None
    assert (info.column, info.d_is_tokens_seen, info.checkpoints_per_run) == ("D", True, 10)
    _out, report = select_checkpoints(lf, info)
    assert report.rows_kept == 108


def test_repeats_without_ids_at_the_final_step_are_all_kept_for_averaging() -> None:
    rows = {
        "dataset": ["a"] * 6,
        "N": [1e8] * 6,
        "D": [2e9] * 6,
        "eval": ["a_val"] * 6,
        "step": [1, 1, 2, 2, 3, 3],
        "loss": [4.0, 4.1, 3.5, 3.6, 3.0, 3.1],
    }
    out, report = apply_checkpoints(pl.LazyFrame(rows))
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert_allclose(np.sort(out["loss"].to_numpy()), [3.0, 3.1], rtol=0)


def test_a_step_column_with_text_is_an_input_error() -> None:
    lf = pl.LazyFrame({"dataset": ["a", "a"], "N": [1.0, 1.0], "D": [2.0, 2.0], "eval": ["e", "e"],
                       "loss": [3.0, 2.0], "step": ["10", "late"]})  # fmt: skip
    with pytest.raises(InputError, match="step column holds values that are not numbers"):
        detect_checkpoints(lf, path="x.csv")


def test_policy_text_is_parsed_with_units_and_checked() -> None:
    assert parse_policy("final") == ("final", None)
    assert parse_policy(" ALL ") == ("all", None)
    assert parse_policy("step=10k") == ("step", 10_000.0)
    for bad in ("last", "step=soon"):
        with pytest.raises(InputError, match="checkpoint policy"):
            parse_policy(bad)
    with pytest.raises(InputError, match="unknown checkpoint policy"):
        apply_checkpoints(final_d().drop("step"), "latest")


def test_report_is_json_safe() -> None:
    report = CheckpointReport("step", "final", 2, 10, 4, False)
    assert report.to_dict() == {
        "column": "step",
        "policy": "final",
        "runs": 2,
        "rows_in": 10,
        "rows_kept": 4,
        "d_is_tokens_seen": False,
        "runs_without_step": 0,
        "evals_before_final": 0,
        "zero_rows": 0,
        "identity": [],
        "identity_detected": False,
        "named_by": "run_id",
        "past_end": 0,
        "checkpoints_dropped": 6,
    }


def test_runs_sharing_an_id_and_size_with_different_final_d_stay_apart() -> None:
    """A model name reused for runs of several lengths: D varies within the id, but not with the step."""
    lf = final_d().with_columns(pl.lit("gpt").alias("run_id"), pl.lit(1e8).alias("N"))
    info = detect_checkpoints(lf)
    assert info is not None
    assert not info.d_is_tokens_seen
    _out, report = apply_checkpoints(lf)
    assert report is not None
    assert (report.runs, report.rows_kept) == (54, 108)


def test_wide_per_step_history_through_the_reader_sequence() -> None:
    """A W&B history export (one row per run and step, one sparse column per eval, a logged lr schedule) goes
    through the sequence the table reader makes: columns → loss columns → long → checkpoints."""
    from l2l.base import schema
    from l2l.io.columns import detect_loss_columns, resolve_columns

    long = pl.read_csv(REAL / "per_step_tokens_seen.csv")
    wide = long.pivot(on="eval", index=["run_id", "dataset", "N", "tokens", "global_step"], values="loss")
    wide = wide.rename({"alpha_val": "eval/alpha_val/loss", "quiz": "eval/quiz/loss", "run_id": "Name"})
    wide = wide.with_columns((3e-3 / pl.col("global_step").sqrt()).alias("lr"))  # a schedule, varies per step
    lf = wide.lazy()

    names = lf.collect_schema().names()
    plan = resolve_columns(
        names, (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL), required=schema.WIDE_REQUIRED
    )
    candidates = [c for c in names if c not in plan.columns.values() and c != "global_step"]
    losses = detect_loss_columns(lf, candidates)
    assert dict(losses.kept) == {"eval/alpha_val/loss": "alpha_val", "eval/quiz/loss": "quiz"}
    assert [x.column for x in losses.left_out] == ["lr"]
    ids = [*plan.renames().values(), "global_step"]
    as_long = (
        lf.rename({**plan.renames(), **losses.kept})
        .unpivot(on=list(losses.kept.values()), index=ids, variable_name="eval", value_name="loss")
        .drop_nulls("loss")
    )
    out, report = apply_checkpoints(as_long, d_source=plan.columns["D"])
    assert isinstance(out, pl.DataFrame)
    assert report is not None
    assert (report.column, report.runs, report.rows_kept, report.d_is_tokens_seen) == (
        "global_step",
        54,
        108,
        True,
    )
    assert_allclose(fitted(out)[0], TRUE.alpha, rtol=0.02)


def test_id_columns_split_runs_of_one_size_and_must_exist() -> None:
    lf = final_d().drop("run_id").with_columns(pl.lit(1e8).alias("N"), pl.lit(3e-4).alias("lr"))
    info = detect_checkpoints(lf, id_columns=["lr"])
    assert info is not None
    assert info.key == ("dataset", "N", "lr", "D")
    with pytest.raises(InputError, match="a per-step log needs column 'wd'"):
        detect_checkpoints(lf, id_columns=["wd"])


def test_without_run_ids_runs_of_one_size_interleaving_their_steps_are_refused() -> None:
    """A 1x and a 2x run of one size checkpointed every 2 and every 3 steps, no run id: they share some steps
    (6, 12) with different losses, and their final checkpoints would be taken for one run's."""
    named = [
        {"dataset": "a", "N": 1e8, "D": 1e9 * k, "eval": "v", "step": k, "run_id": f"x{total}",
         "loss": 3.0 - 0.01 * k + 0.02 * every}
        for every, total in ((2, 12), (3, 24))
        for k in range(every, total + 1, every)
    ]  # fmt: skip
    rows = [{k: v for k, v in r.items() if k != "run_id"} for r in named]
    with pytest.raises(InputError, match="several runs share steps in this per-step log") as exc:
        apply_checkpoints(pl.LazyFrame(rows), path="log.csv")
    assert str(exc.value).startswith("log.csv, column 'step': several runs share steps")
    assert "keyed by (dataset, N, eval, step), 2 rows at dataset=a, N=1e8, eval v, step 6 differ" in str(
        exc.value
    )
    assert "--run-key" in (exc.value.hint or "")
    # with their ids they are two runs, each with its final checkpoint
    out, report = apply_checkpoints(pl.LazyFrame(named))
    assert report is not None
    assert report.runs == 2
    assert isinstance(out, pl.DataFrame)
    assert sorted(out["step"].to_list()) == [12, 24]


def test_rows_past_a_runs_end_are_never_its_final_checkpoint() -> None:
    """A fraction-done step column past 1 (the (Mis)Fitting log's frac_done = 1.024): an evaluation after the
    run as planned ended, dropped and said, so the run's final checkpoint is the one at frac_done = 1."""
    rows = [
        {"run_id": "r", "dataset": "a", "N": 1e8, "D": 1e9 * f, "eval": "v", "frac_done": f, "loss": 4 - f}
        for f in (0.25, 0.5, 0.75, 1.0)
    ] + [
        {"run_id": "r", "dataset": "a", "N": 1e8, "D": 1.024e9, "eval": "v", "frac_done": 1.024, "loss": 3.6}
    ]
    out, report = apply_checkpoints(pl.LazyFrame(rows))
    assert isinstance(out, pl.DataFrame)
    assert out.select("D", "loss").rows() == [(1e9, 3.0)]
    assert report is not None
    assert (report.rows_in, report.rows_kept, report.past_end) == (5, 1, 1)
    assert "1 past their run's end, frac_done > 1: not taken as its final checkpoint" in report.describe()


@pytest.mark.parametrize("step", ["frac_done", "step"])
def test_a_ladder_whose_runs_share_step_values_and_no_column_tells_them_apart_is_refused(
    tmp_path: Path, step: str
) -> None:
    """Runs of one size at 1×, 2×, 5× and 10× tokens logging a fraction done (or a checkpoint index), no run
    column: every checkpoint was read as a finished run of its own D (100 "runs" from 8), the checkpoints before
    the learning rate's decay among them, and the predictions 2.2-2.6 % high inside "calibrated" intervals. Read
    as a step count (tokens / batch), the same table was refused: now both are. One row per run at its final
    step is read as before."""
    from l2l.io.tables import read_runs

    rows = ["dataset,N,D,eval,loss," + step]
    for n in (1e8, 4e8):
        for mult in (1, 2, 5, 10):
            total = 20 * n * mult
            for k in range(1, 11):
                d = total * k / 10
                loss = float(TRUE.predict(n, d)) + (0.04 if k < 10 else 0.0)
                rows.append(
                    f"web,{n:g},{d:g},web_val,{loss:.5f},{k / 10 if step == 'frac_done' else k * 1000}"
                )
    path = tmp_path / "ladder.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match="cannot tell checkpoints of one run from separate runs") as exc:
        read_runs([path])
    assert exc.value.hint is not None
    assert "--run-key" in exc.value.hint
    finals = ["dataset,N,D,eval,loss,step"] + [r for r in rows[1:] if r.endswith(("1.0", "10000"))]
    final_path = tmp_path / "finals.csv"
    final_path.write_text("\n".join(finals) + "\n")
    assert read_runs([final_path]).frame.height == 8


def test_a_final_results_table_whose_d_is_named_tokens_seen_keeps_every_run(tmp_path: Path) -> None:
    """One row per finished run at 20 and 60 tokens per parameter, D named ``tokens_seen`` and no step column: it was
    read as a per-step log of one run per size, the 20× runs dropped as early checkpoints (half the runs)."""
    from l2l.io.tables import read_runs

    rows = ["dataset,N,tokens_seen,eval,loss"]
    for n in (1e8, 2e8, 4e8, 8e8):
        for mult in (20, 60):
            rows.append(f"web,{n:g},{mult * n:g},web_val,{float(TRUE.predict(n, mult * n)):.5f}")
    path = tmp_path / "finals.csv"
    path.write_text("\n".join(rows) + "\n")
    runs = read_runs([path])
    assert runs.frame.height == 8
    assert runs.checkpoints is None
