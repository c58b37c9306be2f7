"""Tables shaped the way training logs come out of real projects (issue 9): each case end to end, from the file
through ``read_runs`` or ``l2l ingest`` to the numbers a user sees. The tables are in tests/data/real/
(``python tests/data/real/make.py`` regenerates them from known laws)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import SelectionError
from l2l.base.runs import Runs, default_test_evals
from l2l.core.fit import fit_law
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace
from l2l.testing import PAPER_LIKE_LAW, SyntheticSpec, own_eval_name, synthetic_runs, write_csv

REAL = Path(__file__).parents[1] / "data" / "real"
TRUE = PAPER_LIKE_LAW


def own_fit(runs: Runs) -> tuple[float, float, float]:
    """(alpha, beta, E) of the law fitted to the ``alpha_val`` rows."""
    f = runs.frame.filter(pl.col("eval") == "alpha_val")
    law = fit_law(f["N"].to_numpy(), f["D"].to_numpy(), f["loss"].to_numpy()).law
    return law.alpha, law.beta, law.E


def ingest_json(run: Any, *args: str | Path) -> dict[str, Any]:
    res = run("ingest", *args, "--format", "json")
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def notes_of(payload: dict[str, Any]) -> str:
    return "\n".join(payload.get("notes", []))


# ---- per-step logs ----------------------------------------------------------------------------------


def test_per_step_log_with_final_d_keeps_final_checkpoints_and_recovers_the_law(run: Any) -> None:
    runs = read_runs([REAL / "per_step_final_d.csv"])
    assert (runs.n_runs, runs.frame.height) == (54, 108)
    # nothing averaged: the checkpoints were not taken as seeds
    assert int(runs.frame["n_repeats"].max()) == 1
    assert_allclose(own_fit(runs), [TRUE.alpha, TRUE.beta, TRUE.E], rtol=0.02)
    ck = runs.provenance[0]["checkpoints"]
    assert (ck["column"], ck["policy"], ck["rows_in"], ck["rows_kept"]) == ("step", "final", 810, 108)

    notes = notes_of(ingest_json(run, REAL / "per_step_final_d.csv"))
    assert "kept each run's final checkpoint, dropped 702 of 810 rows" in notes
    assert "D is each run's final token count" in notes


def test_final_d_log_refuses_step_and_all_policies(run: Any) -> None:
    res = run("ingest", REAL / "per_step_final_d.csv", "--checkpoints", "all")
    assert res.exit_code == 1
    assert "needs D to be the tokens seen at each checkpoint" in res.output


def test_per_step_log_with_tokens_seen_final_step_and_all(run: Any) -> None:
    final = read_runs([REAL / "per_step_tokens_seen.csv"])
    by_final_d = read_runs([REAL / "per_step_final_d.csv"])
    # the final checkpoint of a tokens-seen log is the run itself: the same rows as the final-D log
    cols = ["run_id", "eval", "N", "loss"]
    assert final.frame.select(cols).sort(cols).equals(by_final_d.frame.select(cols).sort(cols))
    assert_allclose(own_fit(final)[0], TRUE.alpha, rtol=0.02)
    assert final.provenance[0]["checkpoints"]["d_is_tokens_seen"] is True

    every = read_runs([REAL / "per_step_tokens_seen.csv"], checkpoints="all")
    assert (every.n_runs, every.frame.height) == (54, 810)  # each checkpoint its own point, runs still 54

    log = pl.read_csv(REAL / "per_step_tokens_seen.csv")
    k = int(log["global_step"].mode().sort()[0])  # a step some runs share
    at_k = read_runs([REAL / "per_step_tokens_seen.csv"], checkpoints=f"step={k}")
    expected = log.filter(pl.col("global_step") == k)
    assert at_k.frame.height == expected.height
    ck = at_k.provenance[0]["checkpoints"]
    assert ck["policy"] == f"step={k}"
    assert ck["runs_without_step"] == 54 - expected["run_id"].n_unique()

    payload = ingest_json(run, REAL / "per_step_tokens_seen.csv", "--checkpoints", f"step={k}")
    assert f"kept the checkpoint at step={k}" in notes_of(payload)
    assert "with no checkpoint there left out" in notes_of(payload)


def test_a_bad_checkpoint_policy_is_a_usage_error(run: Any) -> None:
    res = run("ingest", REAL / "per_step_final_d.csv", "--checkpoints", "last")
    assert res.exit_code == 2
    assert "unknown checkpoint policy 'last'" in res.output


# ---- wide exports -----------------------------------------------------------------------------------


def test_wandb_export_without_a_pattern_takes_only_the_losses(run: Any) -> None:
    runs = read_runs([REAL / "wandb_wide.csv"], wide=True)
    assert runs.evals == ["alpha_val", "quiz"]  # names stripped of eval/.../loss
    assert_allclose(own_fit(runs)[0], TRUE.alpha, rtol=0.03)
    left = runs.provenance[0]["loss_columns_left_out"]
    assert {"Runtime", "lr", "_runtime", "eval/quiz/acc", "perplexity", "depth", "mystery"} <= set(left)
    assert "learning rate" in left["lr"]

    quiet = notes_of(ingest_json(run, REAL / "wandb_wide.csv", "--wide"))
    assert "columns not used: Runtime, lr, _step" in quiet  # names; the reasons with --verbose
    assert "(--verbose says why)" in quiet
    notes = notes_of(ingest_json(run, REAL / "wandb_wide.csv", "--wide", "--verbose"))
    assert "loss columns detected: eval/alpha_val/loss→alpha_val, eval/quiz/loss→quiz" in notes
    assert "lr (its name says a learning rate" in notes
    res = run("fit-law", "--eval", "all", "--format", "json")
    assert res.exit_code == 0, res.output
    fitted = {row["eval"] for row in json.loads(res.stdout)["rows"]}
    assert fitted == {"alpha_val", "quiz"}


def test_wandb_history_export_is_unpivoted_then_checkpointed(tmp_path: Path) -> None:
    """One row per (run, step), one sparse column per eval, a logged lr schedule: losses detected, empty cells
    dropped, then each run's final checkpoint kept."""
    log = pl.read_csv(REAL / "per_step_tokens_seen.csv")
    wide = log.pivot(on="eval", index=["run_id", "dataset", "N", "tokens", "global_step"], values="loss")
    wide = wide.rename({"alpha_val": "eval/alpha_val/loss", "quiz": "eval/quiz/loss", "run_id": "Name"})
    wide = wide.with_columns((3e-3 / pl.col("global_step").sqrt()).alias("lr"))
    path = tmp_path / "history.csv"
    wide.write_csv(path)
    runs = read_runs([path], wide=True)
    p = runs.provenance[0]
    assert (runs.n_runs, runs.frame.height) == (54, 108)
    assert list(p["loss_columns_left_out"]) == ["lr"]
    assert (p["checkpoints"]["column"], p["checkpoints"]["rows_in"]) == ("global_step", 810)
    assert p["rows_rejected"] == 2 * wide.height - 810  # the empty quiz cells
    assert_allclose(own_fit(runs)[0], TRUE.alpha, rtol=0.02)


# ---- column names -----------------------------------------------------------------------------------


def test_run_id_and_model_keep_run_id_and_report_model(run: Any) -> None:
    runs = read_runs([REAL / "run_id_and_model.csv"])
    assert runs.n_runs == 54
    assert runs.frame["run_id"].str.starts_with("r").all()
    assert runs.provenance[0]["ignored_columns"] == ["model"]
    notes = notes_of(ingest_json(run, REAL / "run_id_and_model.csv"))
    assert "columns not used: model (also gives run_id; kept 'run_id')" in notes


def test_common_export_names_are_read_as_aliases() -> None:
    runs = read_runs([REAL / "real_names.csv"])
    assert runs.provenance[0]["aliases"] == {
        "dataset_name": "dataset",
        "non_embedding_params": "N",
        "tokens_seen": "D",
    }
    same = read_runs([REAL / "run_id_and_model.csv"])
    cols = ["N", "D", "eval", "loss"]
    assert runs.frame.select(cols).sort(cols).equals(same.frame.select(cols).sort(cols))


def test_column_mapping_is_stored_and_reused_by_append(run: Any, tmp_path: Path, ws_path: Path) -> None:
    base = pl.read_csv(REAL / "run_id_and_model.csv")
    table = base.with_columns((pl.col("N") * 0.9).alias("non_embedding_params"))
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    table.filter(pl.col("eval") == "alpha_val").write_csv(first)
    table.filter(pl.col("eval") == "quiz").write_csv(second)

    payload = ingest_json(run, first, "--column", "N=non_embedding_params")
    assert "column mapping: N=non_embedding_params" in notes_of(payload)
    config = json.loads(Workspace(ws_path).config_path.read_text())
    assert config["column_mapping"] == {"N": "non_embedding_params"}

    ingest_json(run, second, "--append")  # no --column: the stored mapping applies
    stored = json.loads(Workspace(ws_path).config_path.read_text())
    assert stored["column_mapping"] == {"N": "non_embedding_params"}
    frame = pl.read_parquet(Workspace(ws_path).runs_path)
    assert_allclose(
        frame.sort("run_id", "eval")["N"].to_numpy(),
        table.sort("run_id", "eval")["non_embedding_params"].to_numpy(),
        rtol=1e-12,
    )
    res = run("ingest", first, "--column", "N=no_such_column")
    assert res.exit_code == 1
    assert "names 'no_such_column' for N, but there is no column 'no_such_column'" in res.output


# ---- every dataset's own loss named train ---------------------------------------------------------------


@pytest.fixture(scope="module")
def all_train(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The synthetic table with each dataset's own loss renamed ``train`` (validation sets keep their names)."""
    rows = synthetic_runs(SyntheticSpec(noise=0.0))
    for r in rows:
        if r["eval"] == own_eval_name(str(r["dataset"])):
            r["eval"] = "train"
    path = tmp_path_factory.mktemp("train") / "all_train.csv"
    write_csv(rows, str(path))
    return read_runs([path])


def test_default_test_evals_are_distinct_and_never_the_shared_train_loss(all_train: Runs) -> None:
    assert set(all_train.own_eval.values()) == {"train"}
    assert default_test_evals(all_train) == ["alpha_val", "beta_val", "gamma_val"]
    assert default_test_evals(all_train, exclude=["beta_val"]) == ["alpha_val", "gamma_val"]


def test_evaluate_never_reports_train_to_train_again_as_train_to_test(all_train: Runs) -> None:
    from l2l.workflows.evaluate import evaluate

    ev = evaluate(all_train, workers=1)
    tests = [p for p in ev.predictions if p.setting == "train-to-test"]
    assert ev.test_evals == ("alpha_val", "beta_val", "gamma_val")
    assert tests
    assert all(p.eval != "train" for p in tests)
    # 6 ordered pairs × the 2 validation sets measured on each target
    assert len(tests) == 12


def test_translate_train_test_default_has_no_identity_rows(all_train: Runs) -> None:
    from l2l.workflows.translate import translate

    res = translate(all_train, src="alpha", kind="train-test")
    assert sorted(r.spec.y_eval for r in res) == ["beta_val", "gamma_val"]
    assert all(r.translation is not None and abs(r.translation.K - 1.0) > 1e-3 for r in res)


def test_without_a_sensible_default_test_eval_the_error_asks_for_them(tmp_path: Path) -> None:
    rows = synthetic_runs(SyntheticSpec(noise=0.0, evals={}))
    for r in rows:  # validation sets not named after any dataset
        ev = str(r["eval"])
        r["eval"] = "train" if ev == own_eval_name(str(r["dataset"])) else "valid_" + ev[0]
    path = tmp_path / "t.csv"
    write_csv(rows, str(path))
    runs = read_runs([path])
    with pytest.raises(SelectionError, match="every dataset's own eval is train") as exc:
        default_test_evals(runs)
    assert exc.value.param == "test"
    assert exc.value.hint is not None
    assert "name the test evals" in exc.value.hint
