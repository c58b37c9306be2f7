"""Every command through the CLI on the synthetic sample: outputs, golden numbers, exit codes, start-up cost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

GOLDEN = Path(__file__).parents[1] / "golden"


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _registered_commands() -> list[list[str]]:
    """Every command path the CLI registers, walking groups (``plot``) down to their subcommands."""
    import typer.main

    from l2l.cli import app

    def walk(cmd: Any, path: list[str]) -> list[list[str]]:
        subs = getattr(cmd, "commands", {})  # a group (the app, ``plot``)
        return [path] + [p for name, sub in subs.items() for p in walk(sub, [*path, name])]

    return [p for p in walk(typer.main.get_command(app), []) if p]


def test_every_registered_command_has_help_with_examples(run: Any) -> None:
    paths = _registered_commands()
    names = {p[0] for p in paths}
    assert {"ingest", "runs", "fit-law", "predict", "optimal", "translate", "evaluate", "plot"} <= names
    assert ["plot", "law"] in paths
    top = run("--help")
    assert top.exit_code == 0
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert path[-1] in top.stdout or path[0] in top.stdout, path
        if path == ["plot"]:
            assert all(sub in result.stdout for sub in ("translate", "law", "isoflop", "evaluate"))
        assert "Examples" in result.stdout, path
        assert f"l2l {' '.join(path)}" in result.stdout, path


def test_help_lists_the_commands_in_a_sessions_order(run: Any) -> None:
    """They were listed in the order their modules were imported: fit-accuracy first, rank before fit-law."""
    top = run("--help").stdout
    listed = [w for line in top.splitlines() if line.startswith("│ ") and (w := line[2:].split(" ", 1)[0])]
    commands = [w for w in listed if not w.startswith("-")]
    assert commands == [
        "ingest", "runs", "fit-law", "predict", "optimal", "translate", "evaluate", "rank", "fit-accuracy", "plot"
    ]  # fmt: skip
    plot = run("plot", "--help").stdout
    subs = [
        w
        for line in plot.splitlines()
        if line.startswith("│ ") and not (w := line[2:].split(" ", 1)[0]).startswith("-") and w
    ]
    assert subs[:3] == ["translate", "law", "isoflop"]


def test_help_does_not_import_the_heavy_libraries() -> None:
    code = (
        "import sys\nfrom l2l.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'numpy', 'scipy', 'polars', 'plotnine', 'pandas', 'matplotlib'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_command_runs_blas_on_one_thread_unless_the_user_sized_its_pool() -> None:
    """scipy's L-BFGS-B in the line laws took 3.2 ms a call instead of 8 µs with OpenBLAS's pool of a thread per
    core on the 2-core machine (probe h40's DataDecide-shaped fit-law: 151 s → 72 s of wall time at load 5)."""
    code = (
        "import sys\nfrom l2l.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "from threadpoolctl import threadpool_info\nimport numpy, scipy.optimize\n"
        "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip().splitlines()[-1] == "[1]"
    sized = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "OPENBLAS_NUM_THREADS": "2"},
    )
    assert sized.stdout.strip().splitlines()[-1] == "[2]"


def test_fit_law_json_rows(ingested: Any) -> None:
    doc = _json(ingested("fit-law", "--split", "sweep", "--format", "json"))
    assert doc["schema_version"] == 1
    assert doc["kind"] == "fit-law"
    assert [r["dataset"] for r in doc["rows"]] == ["alpha", "beta", "gamma"]
    for row in doc["rows"]:
        for key in (
            "dataset",
            "eval",
            "form",
            "A",
            "B",
            "E",
            "alpha",
            "beta",
            "objective",
            "n_points",
            "converged",
        ):
            assert key in row
        assert row["eval"] == f"{row['dataset']}_val"
        assert row["n_points"] == 54
        assert row["converged"] is True


def test_fit_law_matches_the_golden_numbers(ingested: Any) -> None:
    """Numbers of the synthetic sample, pinned (regenerate: see tests/golden/README.md)."""
    doc = _json(ingested("fit-law", "--split", "sweep", "--eval", "all", "--format", "json"))
    golden = json.loads((GOLDEN / "fit_law_synthetic.json").read_text())
    assert [(r["dataset"], r["eval"]) for r in doc["rows"]] == [(r["dataset"], r["eval"]) for r in golden]
    for got, want in zip(doc["rows"], golden, strict=True):
        for key in ("A", "B", "E", "alpha", "beta", "objective_value"):
            assert_allclose(got[key], want[key], rtol=1e-6, err_msg=f"{got['dataset']}/{got['eval']} {key}")


def test_fit_law_forms_csv_and_save_reuse(run: Any, synthetic_csv: Path) -> None:
    assert run("ingest", synthetic_csv).exit_code == 0  # cold: the test counts what is fitted and reused
    csv = run("fit-law", "--form", "chinchilla", "--format", "csv")
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0].startswith("dataset,eval,form,A,B,E,alpha,beta,a,")
    assert csv.stdout.splitlines()[1].split(",")[2] == "chinchilla"
    first = run("fit-law", "--split", "sweep", "--save")
    assert "3 tried in" in first.stdout
    again = run("fit-law", "--split", "sweep")
    assert "3 reused from the workspace" in again.stdout


def test_fit_law_save_confirms_what_it_kept(ingested: Any) -> None:
    result = ingested("fit-law", "--split", "sweep", "--save")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1].startswith("kept 3 laws in the workspace ")
    assert "kept" not in ingested("fit-law", "--split", "sweep").stderr  # nothing asked, nothing said


def test_fit_law_save_on_a_workspace_it_cannot_write_is_an_error(
    ingested: Any, ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a read-only workspace `fit-law --save` exited 0 and kept nothing, without a word (p57 #4): refused
    before any fitting, in one line."""
    real = os.access  # (as root, a chmod does not bite: the check is told the folder is not writable)
    monkeypatch.setattr(os, "access", lambda p, m: real(p, m) and not (m & os.W_OK and Path(p) == ws_path))
    shutil.rmtree(ws_path / "artifacts")
    result = ingested("fit-law", "--split", "sweep", "--save")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith(
        f"Error: cannot keep the fits in the workspace {ws_path}: Permission denied. Hint: "
    )
    assert not (ws_path / "artifacts").exists()


def test_fit_law_save_that_fails_at_the_end_is_an_error_after_the_table(
    ingested: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import l2l.io.workspace

    def refuse(path: Path, data: bytes) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(l2l.io.workspace, "atomic_write", refuse)
    result = ingested("fit-law", "--split", "sweep", "--save")
    assert result.exit_code == 1
    assert "3 reused from the workspace" in result.stdout  # the fits are shown...
    assert "fits.json: Operation not permitted" in result.stderr.splitlines()[0]  # ...and not said to be kept
    assert "kept" not in result.stderr


def test_fit_law_bootstrap_intervals(ingested: Any) -> None:
    doc = _json(ingested("fit-law", "-d", "alpha", "--bootstrap", "60", "--seed", "1", "--format", "json"))
    fit = doc["rows"][0]  # intervals are columns of the fit's own row in JSON and CSV
    assert (fit["bootstrap_draws"], fit["bootstrap_unit"]) == (60, "run")
    assert fit["alpha_lo"] < fit["alpha"] < fit["alpha_hi"]
    csv = ingested("fit-law", "-d", "alpha", "--bootstrap", "60", "--seed", "1", "--format", "csv")
    assert len(csv.stdout.strip().splitlines()) == 2  # one table: header and one row
    assert "alpha_lo" in csv.stdout.splitlines()[0]


def test_a_law_that_cannot_be_fitted_says_so(run: Any, tmp_path: Path) -> None:
    table = tmp_path / "tiny.csv"
    table.write_text(
        "dataset,N,D,eval,loss\n"
        + "".join(f"d,{n},1e9,train,{3 - i * 0.1}\n" for i, n in enumerate(["1e7", "2e7", "4e7", "8e7"]))
    )
    result = run("fit-law", table, "--format", "json")
    assert result.exit_code == 1
    row = json.loads(result.stdout)["rows"][0]
    assert row["status"] == "failed"
    assert "4 runs cannot fit a l2l law" in row["error"]
    assert "NaN" not in result.stdout
    shown = run("fit-law", table)  # the terminal: the error alone, no table of dashes before it
    assert shown.exit_code == 1
    assert shown.stdout == ""
    assert shown.stderr.startswith("Error: no law could be fitted (1 of 1 failed)")


def test_a_predictions_warnings_in_json_are_what_the_table_warns_of(ingested: Any) -> None:
    far = _json(
        ingested("predict", "-d", "alpha", "--N", "30B", "--D", "600B", "--split", "sweep", "-f", "json")
    )
    row = far["rows"][0]
    assert row["beyond_evidence"]
    assert row["warnings"]
    assert set(row["notes"]) <= set(row["warnings"])
    table = ingested("predict", "-d", "alpha", "--N", "30B", "--D", "600B", "--split", "sweep")
    assert "warning: alpha" in table.stdout


def test_a_loss_beyond_any_cross_entropy_is_said_to_mean_nothing(ingested: Any) -> None:
    row = _json(ingested("predict", "-d", "alpha", "--N", "1000", "--C", "1e10", "-f", "json"))["rows"][0]
    assert row["loss"] > 13
    assert any("is beyond any cross-entropy in nats" in w for w in row["warnings"])


def test_far_warnings_are_said_once_with_their_law_not_again_unlabelled(ingested: Any) -> None:
    for args in (
        ["optimal", "--C", "1e26"],
        ["predict", "-d", "all", "--N", "30B", "--D", "600B", "--split", "sweep"],
    ):
        out = ingested(*args).stdout
        assert "warning: alpha" in out
        lines = [" ".join(x.split()) for x in out.splitlines()]
        assert not any(x.startswith(("compute is", "N is", "D is")) for x in lines), out


def test_kaplan_laws_have_no_irreducible_loss_to_summarise(ingested: Any) -> None:
    out = ingested("fit-law", "--form", "kaplan").stdout
    assert "laws fitted" in out
    assert "E from" not in out


def test_sizes_beyond_any_table_are_a_usage_error(ingested: Any) -> None:
    result = ingested("predict", "-d", "alpha", "--N", "1e40", "--D", "1e40")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --N: must be at most 1e30, got '1e40'")


def test_train_test_names_the_shared_evals_its_default_leaves_out_and_the_option_that_includes_them(
    ingested: Any,
) -> None:
    """The default train-test targets are every dataset's own eval: the source's shared evals (a mixture study's
    pile_val, wiki_val; here the downstream evals) were left out with nothing said."""
    args = ("translate", "--src", "alpha", "--kind", "train-test", "--split", "sweep", "--format", "json")
    doc = _json(ingested(*args))
    assert "downstream/quiz" not in {r["eval"] for r in doc["rows"]}
    assert (
        "alpha's models were also measured on downstream/cloze, downstream/quiz, no dataset's own eval: left out by "
        "default (train-test goes onto every dataset's own eval); --eval all includes them"
    ) in doc["notes"]
    every = _json(ingested(*args, "--eval", "all"))
    assert {"downstream/cloze", "downstream/quiz"} <= {r["eval"] for r in every["rows"]}
    assert not [n for n in every["notes"] if "also measured" in n]


def test_train_test_says_why_no_default_eval_applies(run: Any, tmp_path: Path) -> None:
    """By default train-test goes onto the other datasets' own evals; measured only on their own models, none
    applies, and the error names what was measured instead (it said no test eval was measured at all)."""
    table = tmp_path / "two.csv"
    lines = ["dataset,N,D,eval,loss"]
    for ds in ("a", "b"):
        for n in (1e8, 2e8, 4e8):
            lines += [f"{ds},{n:g},{20 * n:g},{ds}_val,3.0", f"{ds},{n:g},{20 * n:g},task,3.5"]
    table.write_text("\n".join(lines) + "\n")
    result = run("translate", table, "--src", "a", "--kind", "train-test")
    assert result.exit_code == 1
    assert "onto the other datasets' own evals (b_val), and none of them was measured on a's models" in (
        result.stderr
    )
    assert "measured on a: task" in result.stderr
    itself = run("translate", table, "--src", "a", "--kind", "train-test", "--eval", "a_val")
    assert itself.exit_code == 1
    assert "train-test translates a's own loss (a_val) onto its other evals: none was asked" in itself.stderr
    none = run("translate", table, "--src", "a", "--kind", "train-test", "--eval", "task")  # 3 runs: no law
    assert none.exit_code == 1
    assert none.stdout == ""  # the error alone, no table of failed rows before it
    assert none.stderr.startswith("Error: no translation could be fitted")


def test_messages_say_what_is_missing(ingested: Any) -> None:
    via_all = ingested("predict", "--via", "alpha", "--src-loss", "2.5", "--target", "all")
    assert via_all.exit_code == 2
    assert via_all.stderr.startswith("Error: --via predicts one target dataset's model: name it")
    for evals in (["-e", "all"], ["-e", "alpha_val", "-e", "downstream/quiz"]):  # h32: the 2nd was dropped
        many = ingested("predict", "--via", "alpha", "--src-loss", "2.5", "--target", "beta", *evals)
        assert many.exit_code == 2
        assert many.stderr.startswith("Error: --via translates to one eval at a time: name it (-e EVAL)")
    no_acc = ingested("rank", "-t", "downstream/quiz", "--metric", "accuracy", "--C", "1e21")
    assert no_acc.exit_code == 1
    assert "these runs have no accuracy evals" in no_acc.stderr


def test_a_ranking_backtest_on_evals_no_two_datasets_share_says_so(run: Any, tmp_path: Path) -> None:
    """Each dataset measured on its own eval only: the cause is the evals, not the held-out configurations."""
    table = tmp_path / "apart.csv"
    lines = ["dataset,N,D,eval,loss,split"]
    for ds in ("a", "b"):
        for n in (1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9):
            for r in (10, 20, 40):
                y = 2 + 10 / n**0.1 + 5 / (r * n) ** 0.1
                lines.append(
                    f"{ds},{n:g},{r * n:g},{ds}_val,{y},{'extrapolation' if n == 6.4e9 else 'sweep'}"
                )
    table.write_text("\n".join(lines) + "\n")
    result = run("evaluate", table, "--ranking")
    assert result.exit_code == 1
    assert "no target (a_val, b_val) is measured on two or more datasets' held-out models" in result.stderr


def test_a_ranking_backtest_whose_held_out_models_no_two_datasets_share_says_so(
    run: Any, tmp_path: Path
) -> None:
    """Both datasets measured on one eval, but held out at different sizes: the cause is the held-out
    configurations, and the fix names them."""
    table = tmp_path / "apart.csv"
    lines = ["dataset,N,D,eval,loss,split"]
    for ds, top in (("a", 6.4e9), ("b", 5.0e9)):
        for n in (1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, top):
            for r in (10, 20, 40):
                y = 2 + 10 / n**0.1 + 5 / (r * n) ** 0.1
                lines.append(f"{ds},{n:g},{r * n:g},val,{y},{'extrapolation' if n == top else 'sweep'}")
    table.write_text("\n".join(lines) + "\n")
    assert run("-w", tmp_path / "ws", "ingest", table).exit_code == 0
    result = run("-w", tmp_path / "ws", "rank", "-t", "val", "--holdout", "split=extrapolation")
    assert result.exit_code == 1, result.output
    assert "no held-out runs of two or more datasets at the same (N, D) (within 2 %)" in result.stderr


def test_predict_and_optimal(ingested: Any) -> None:
    doc = _json(
        ingested(
            "predict",
            "-d",
            "alpha",
            "--N",
            "3.3B",
            "--D",
            "50B",
            "--split",
            "sweep",
            "--bootstrap",
            "50",
            "--format",
            "json",
        )
    )
    row = doc["rows"][0]
    assert (row["N"], row["D"]) == (3.3e9, 5e10)
    assert row["loss_lo"] < row["loss"] < row["loss_hi"]
    c = _json(ingested("predict", "-d", "alpha", "--N", "1e9", "--C", "6e19", "--format", "json"))["rows"][0]
    assert_allclose(c["D"], 1e10)
    opt = _json(ingested("optimal", "--C", "1e21", "--C", "1e22", "--format", "json"))["rows"]
    assert len(opt) == 6
    for row in opt:
        assert_allclose(6 * row["N_opt"] * row["D_opt"], row["C"], rtol=1e-12)


@pytest.mark.slow
def test_optimal_loss_does_not_jump_where_the_bias_correction_fades(run: Any, paper_csv: Path) -> None:
    """The paper's FineWeb 100B: N* passes the 6.53× its backtests reached in model size at C ≈ 6.15e21. The
    correction (−3.7 %) was switched off there and the loss at N* jumped from 2.254 to 2.339 (+3.8 % for 1.6 % more
    compute; probe p70); it fades now, and the row beyond says how much of it is applied."""
    assert run("ingest", paper_csv).exit_code == 0
    args = ["-d", "fineweb-100b", "--C", "6.1e21", "--C", "6.2e21", "--C", "7e21", "--split", "sweep"]
    rows = _json(run("optimal", *args, "--format", "json"))["rows"]
    assert [r["lower_bound_only"] for r in rows] == [False, True, True]
    loss = np.array([r["loss"] for r in rows])
    assert np.abs(np.diff(np.log(loss))).max() < 0.003
    assert rows[1]["loss"] < 0.97 * rows[1]["loss_law"]  # still corrected just past the reach
    assert rows[1]["loss_lo"] <= rows[0]["loss"]
    assert rows[1]["loss_hi"] >= rows[1]["loss_law"]
    assert any("of which 99 % is applied here" in w for w in rows[1]["warnings"])


def test_translate_and_predict_via(ingested: Any) -> None:
    doc = _json(
        ingested("translate", "--src", "alpha", "--tgt", "all", "--split", "sweep", "--format", "json")
    )
    rows = doc["rows"]
    assert [r["tgt"] for r in rows] == ["beta", "gamma"]  # never the identity onto itself unless named
    assert rows[0]["implied_law"]["form"] == "l2l"
    assert rows[0]["N_opt_implied"] > 0
    for row in rows:
        for key in ("src", "tgt", "eval", "kind", "K", "kappa", "E0", "E1", "n_pairs"):
            assert key in row
    # named onto itself: refused as `predict --via` refuses the self-pair (it was an identity row, exit 0)
    itself = ingested("translate", "--src", "alpha", "--tgt", "alpha", "--split", "sweep", "--format", "json")
    assert itself.exit_code == 2
    assert itself.stderr.startswith("Error: alpha is the source; a target must be another dataset")
    by_run = _json(
        ingested(
            "translate",
            "--src",
            "alpha",
            "--tgt",
            "beta",
            "--join",
            "run",
            "--split",
            "sweep",
            "--format",
            "json",
        )
    )["rows"][0]
    assert_allclose(by_run["K"], rows[0]["K"], rtol=1e-12)  # rows[0]: alpha → beta
    tt = _json(
        ingested("translate", "--src", "beta", "--kind", "train-test", "--eval", "quiz", "--format", "json")
    )["rows"][0]
    assert (tt["kind"], tt["eval"]) == ("train-test", "downstream/quiz")
    via = _json(
        ingested(
            "predict",
            "--via",
            "alpha",
            "--src-loss",
            "2.3",
            "--tgt",
            "beta",
            "--eval",
            "quiz",
            "--format",
            "json",
        )
    )
    assert [r["eval"] for r in via["rows"]] == ["alpha_val", "beta_val", "downstream/quiz"]
    # the source loss the user gave is said given, not measured (h105: "measured alpha" for a typed 2.3)
    assert (via["rows"][0]["kind"], via["rows"][0]["step"]) == ("given", "given: alpha:alpha_val")


def test_fit_law_and_predict_take_a_glob_of_evals_as_rank_and_evaluate_do(ingested: Any) -> None:
    """``fit-law --eval 'downstream/*'`` was "unknown eval" while ``rank -t`` and ``evaluate --downstream`` took
    globs (a probe)."""
    doc = _json(ingested("fit-law", "-d", "alpha", "--eval", "downstream/*", "--format", "json"))
    assert sorted(r["eval"] for r in doc["rows"]) == ["downstream/cloze", "downstream/quiz"]
    at = ("-d", "alpha", "--N", "3.3B", "--D", "50B", "--format", "json")
    pred = _json(ingested("predict", "--eval", "downstream/q*", *at))
    assert [r["eval"] for r in pred["rows"]] == ["downstream/quiz"]
    none = ingested("fit-law", "--eval", "nothing/*")
    assert none.exit_code == 1
    assert none.stderr.startswith("Error: no eval matches nothing/*. Hint: ")
    # translate --eval too (it was "unknown eval 'downstream/*'": helper h95)
    tt = _json(
        ingested(
            "translate", "--src", "alpha", "--kind", "train-test", "--eval", "downstream/*", "-f", "json"
        )
    )
    assert sorted(r["eval"] for r in tt["rows"]) == ["downstream/cloze", "downstream/quiz"]
    assert (
        ingested("translate", "--src", "alpha", "--kind", "train-test", "--eval", "nothing/*").exit_code == 1
    )


def test_evaluate_prints_table_1(ingested: Any) -> None:
    doc = _json(ingested("evaluate", "--format", "json"))
    assert [r["setting"] for r in doc["rows"]] == ["train-to-train", "train-to-test", "train-to-downstream"]
    # train-to-test: 6 ordered pairs x 2 test evals (the target's own eval is train-to-train, not a test eval)
    assert [r["n_predictions"] for r in doc["rows"]] == [6, 12, 12]
    assert doc["holdout"] == "split = extrapolation"
    detail = _json(ingested("evaluate", "--detail", "--format", "json"))
    assert len(detail["predictions"]) == 30


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["fit-law", "--format", "xml"], 2, "Invalid value for '--format'"),
        (["fit-law", "--form", "hoffmann"], 2, "Invalid value for '--form'"),
        (["translate", "--src", "alpha", "--kind", "sideways"], 2, "Invalid value for '--kind'"),
        (["evaluate", "--holdout", "extrapolation"], 2, "expected split=VALUE"),
        (["predict", "-d", "alpha", "--N", "1e9"], 2, "give exactly one of D (tokens) and C (compute)"),
        (["predict", "-d", "alpha", "--N", "3.3Q", "--D", "1e9"], 2, "unknown unit suffix"),
        (["fit-law", "-d", "zeta"], 1, "Error: unknown dataset 'zeta'"),
        (["fit-law", "--split", "test"], 1, "Error: unknown split 'test' (splits: extrapolation, sweep)"),
        (
            ["translate", "--src", "alpha", "--kind", "test-test", "--tgt", "beta"],
            2,
            "test-test needs the eval",
        ),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(
    ingested: Any, args: list[str], code: int, message: str
) -> None:
    result = ingested(*args)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_ambiguous_prefix_lists_the_candidates(run: Any, paper_csv: Path) -> None:
    assert run("ingest", paper_csv).exit_code == 0
    result = run("predict", "-d", "fineweb", "--N", "1e9", "--D", "2e10")
    assert result.exit_code == 1
    assert "dataset 'fineweb' is ambiguous: it could be fineweb-100b, fineweb-edu-100b" in result.stderr


def test_no_workspace_is_a_clear_error(run: Any) -> None:
    result = run("fit-law")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no workspace at ")
    assert "Hint: run `l2l ingest FILE` first" in result.stderr


def test_debug_shows_the_traceback(run: Any) -> None:
    result = run("--debug", "fit-law")
    assert result.exit_code != 0
    assert result.exception is not None
    assert type(result.exception).__name__ == "WorkspaceError"


def test_python_dash_m_works(ws_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "l2l", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("l2l ")


def test_optimal_uses_the_tables_own_flop_count(run: Any, tmp_path: Path, synthetic_csv: Path) -> None:
    """A table whose C is 8·N·D (say, counting attention): N*, D* follow C = 8ND, and the output says so."""
    import polars as pl

    frame = pl.read_csv(synthetic_csv).with_columns((pl.col("C") * 8 / 6).alias("C"))
    table = tmp_path / "c8.csv"
    frame.write_csv(table)
    result = run("optimal", table, "--C", "1e21", "-d", "alpha")
    assert "C = 8·N·D, as the table's C column gives" in result.stdout
    row = _json(run("optimal", table, "--C", "1e21", "-d", "alpha", "--format", "json"))["rows"][0]
    assert row["flops_per_param_token"] == pytest.approx(8.0)
    assert_allclose(8 * row["N_opt"] * row["D_opt"], 1e21, rtol=1e-12)


def test_csv_is_always_one_table(ingested: Any) -> None:
    for args in (["translate", "--src", "alpha"], ["evaluate", "--detail"], ["fit-law", "--bootstrap", "20"]):
        out = ingested(*args, "--format", "csv")
        assert out.exit_code == 0, args
        lines = out.stdout.strip().splitlines()
        assert "" not in lines, args
        assert all(ln.count(",") >= lines[0].count(",") for ln in lines[1:2]), args


def test_a_bad_figure_type_fails_before_any_fitting(ingested: Any) -> None:
    for args in (["fit-law", "--plot", "f.gif"], ["plot", "law", "-o", "f.jpg"], ["evaluate", "--plot", "f"]):
        result = ingested(*args)
        assert result.exit_code == 2, args
        unwrapped = " ".join(result.stderr.split())
        assert "supported extensions: .png, .svg, .pdf" in unwrapped
        assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["fit-law", "--no-such-option"],
        ["fit-law", "--form", "hoffmann"],
        ["translate"],  # --src is required
        ["ingest"],  # FILES is required
        ["no-such-command"],
        ["plot", "no-such-figure"],
        ["plot", "law"],  # --output is required
        ["--no-such-global"],
        ["evaluate", "--holdout", "extrapolation"],
        ["fit-law", "--plot", "f.gif"],
        ["--debug", "true", "runs"],  # a flag takes no value: said so, not "No such command"
    ],
)
def test_every_usage_error_is_one_error_line_and_a_hint(run: Any, args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: "), result.stderr
    assert len(lines) == 1, result.stderr  # a hint, if any, on the error's line
    assert "╭" not in result.stderr  # never typer's boxed panel
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["evaluate", "--holdout-top-compute"], "evaluate"),
        (["fit-law", "--level"], "fit-law"),
        (["--bogus"], ""),
    ],
)
def test_an_option_without_its_value_points_at_its_own_commands_help(
    run: Any, args: list[str], command: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(f"Hint: see `{' '.join(['l2l', command]).strip()} --help`")


def test_a_library_error_names_the_option_in_the_hint(ingested: Any) -> None:
    result = ingested("predict", "-d", "alpha", "--N", "1e9")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: give exactly one of D (tokens) and C (compute) with N. Hint: see option --D or --C\n"
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["fit-law", "--seed", "-5"], "'--seed'"),
        (["fit-law", "--delta", "1e-320"], "'--delta': must lie in [1e-8, 10]"),
        (["fit-law", "--delta", "inf"], "'--delta': must lie in [1e-8, 10]"),
        (
            ["fit-law", "--bootstrap", "1000000000"],
            "at most 100,000 draws (raise the limit with L2L_MAX_DRAWS",
        ),
        (["rank", "-t", "own", "--C", "1e21", "--draws", "1000000000"], "at most 100,000 draws"),
        (["rank", "-t", "own", "--C", "1e21", "--draws", "2"], "--draws': must be at least 100"),
        (["predict", "-d", "all", "--N", "1e-320", "--D", "1e9"], "--N: must be a finite count ≥ 1"),
        (["optimal", "--C", "1e-320"], "--C: must be a finite count ≥ 1"),
        (["translate", "--src", "alpha", "--C", "0"], "--C: must be a finite count ≥ 1"),
        (
            ["predict", "-d", "all", "--N", "1e9", "--level", "1.5"],
            "'--level': an interval level must lie strictly between 0 and 1",
        ),
        (
            ["predict", "-d", "all", "--N", "1e9", "--D", "1e10", "--level", "0.9999999999999999"],
            "'--level': an interval level this close to 1",
        ),
        (["ingest", "x.csv", "--own-eval", "a=b", "--own-eval", "a=c"], "'a' is given twice"),
        (["predict", "--law", "x.json", "--via", "alpha", "--from-run", "m054", "--tgt", "beta"], "law file"),
        (
            ["predict", "--law", "x.json", "-d", "alpha", "--N", "1e9", "--D", "1e10", "--bootstrap", "10"],
            "--bootstrap: does not apply with --law",
        ),
        (
            ["predict", "--law", "x.json", "-d", "alpha", "--N", "1e9", "--D", "1e10", "--form", "kaplan"],
            "--form: does not apply with --law",
        ),
        (
            ["predict", "--law", "x.json", "-d", "alpha", "--N", "1e9", "--D", "1e10", "--split", "sweep"],
            "--split: does not apply with --law",
        ),
        (["fit-law", "--save", ""], "--save: an empty file name; give --save FILE.json, or --save alone"),
        (["fit-law", "--save="], "--save: an empty file name"),
        (
            ["translate", "--src", "alpha", "--target", "alpha"],
            "alpha is the source; a target must be another",
        ),
        (
            ["predict", "--via", "alpha", "--src-loss", "50", "--target", "beta"],
            "the source loss 50 lies far above every alpha run's alpha_val loss",
        ),
        (["predict", "-d", "alpha"], "give the model size N"),
        (
            ["predict", "-d", "alpha", "--C", "1e21"],
            "give the model size N; the loss at the compute-optimal model of a budget: l2l optimal --C 1e21",
        ),
        (["predict", "--N", "1e9"], "name the dataset whose law predicts"),
        (
            ["rank", "--C", "1e21"],
            "name at least one target eval: -t EVAL (l2l runs --evals lists them), or -t own",
        ),
        (["fit-law", "--bootstrap", "1"], "'--bootstrap': a bootstrap needs at least 2 draws"),
        (["rank", "-t", "own", "--C", "1e21", "--N", "1e9"], "either a compute C, or a model size N"),
    ],
)
def test_bad_option_values_are_one_usage_line_naming_the_option(
    ingested: Any, args: list[str], fragment: str
) -> None:
    """Every option is checked where it is parsed or by the library: exit 2, one `Error:` line (its hint on it)."""
    result = ingested(*args)
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert fragment in result.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["optimal", "--C", "-5"],
            "Error: --C: must be a finite count ≥ 1, got '-5'. Hint: give a count of FLOPs, e.g. --C 1e21",
        ),
        (
            ["predict", "-d", "all", "--N", "big", "--D", "1e9"],
            "Error: --N: not a number: 'big'. Hint: give a count of parameters, e.g. --N 1e9 (or 1B)",
        ),
        (
            ["predict", "-d", "all", "--N", "1e9", "--D", "1e31"],
            "Error: --D: must be at most 1e30, got '1e31'. Hint: give a count of tokens, e.g. --D 2e10 (or 20B)",
        ),
        (
            ["optimal"],
            "Error: --C: give a compute budget. Hint: a count of FLOPs, e.g. --C 1e21 (repeat --C for several)",
        ),
    ],
)
def test_a_bad_count_option_names_a_value_it_takes(ingested: Any, args: list[str], line: str) -> None:
    """``--C -5`` was refused with no fix (probe p66 NEW-F): each count option's refusal gives a value it takes."""
    result = ingested(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"


def test_fit_law_save_of_a_name_without_json_says_a_law_file_ends_in_json(
    ingested: Any, tmp_path: Path
) -> None:
    """``--save fig/laws.txt`` and ``--save DIR`` took the name as the TABLE argument and answered "--save keeps
    fits of the workspace runs (drop TABLE or ingest it first)", of a table the user never gave."""
    result = ingested("fit-law", "--save", "fig/laws.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: --save: a law file's name ends in .json: --save fig/laws.json writes one ('fig/laws.txt' was read "
        "as the TABLE to fit); --save alone keeps the fits in the workspace"
    )
    result = ingested("fit-law", "--save", str(tmp_path))
    assert result.exit_code == 2
    assert f"--save {tmp_path / 'laws.json'} writes one" in result.stderr
    result = ingested("fit-law", str(tmp_path / "runs.csv"), "--save")  # a table named beside --save
    assert "--save keeps fits of the workspace runs (drop TABLE or ingest it first)" in result.stderr


@pytest.mark.parametrize("raw", ["lots", "-3", "0"])
def test_a_bad_max_draws_variable_is_refused_not_replaced_by_the_default(
    run: Any, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("L2L_MAX_DRAWS", raw)
    result = run("fit-law", "--bootstrap", "40")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines()[0].startswith(
        f"Error: Invalid value for '--bootstrap': L2L_MAX_DRAWS='{raw}' is not a positive number (the most "
        "bootstrap or joint draws one command makes, in draws). Hint: "
    )


def test_a_flag_given_a_value_and_a_missing_dataset_say_the_fix(ingested: Any) -> None:
    run = ingested  # a workspace of several datasets: which one predicts must be said
    flag = run("--debug", "true", "runs")
    assert flag.stderr.splitlines() == [
        "Error: 'true' is not a command: a flag takes no value. "
        "Hint: write a flag alone to turn it on (`l2l --debug runs`), --no-FLAG to turn it off (--no-debug)",
    ]
    missing = run("predict", "--N", "1e9", "--D", "2e10")
    assert "-d all for every dataset" in missing.stderr


def test_help_shows_flags_as_on_off_pairs_without_a_bool_metavar(run: Any) -> None:
    for args in (["--help"], ["fit-law", "--help"], ["ingest", "--help"], ["evaluate", "--help"]):
        text = run(*args).stdout
        assert "<bool>" not in text, args
    assert "--no-thorough" in run("fit-law", "--help").stdout
    assert "--verbose" in run("ingest", "--help").stdout


def test_help_at_80_columns_shows_every_option_name_whole_within_the_width(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """typer's five name columns cut `--keep-unpredictable` to `--keep-unpredic…` and left the help 18 wide."""
    import typer.main

    from l2l.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    group = typer.main.get_command(app)
    for path in _registered_commands():
        text = run(*path, "--help").stdout
        assert "…" not in text, path
        assert max(len(line) for line in text.splitlines()) <= 80, path
        cmd: Any = group
        for name in path:
            cmd = cmd.commands[name]
        names_shown = " ".join(text.split())
        for param in (p for p in cmd.params if not getattr(p, "hidden", False)):
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("--"):
                    assert f"{opt} " in names_shown or f"{opt}\n" in text, (path, opt)
    method = [line for line in run("rank", "--help").stdout.splitlines() if "translation|baseline>" in line]
    assert method, "a list of choices breaks after a |, not inside a choice"


@pytest.mark.parametrize("columns", ["abc", "-5", "0", " "])
def test_a_bad_columns_value_is_ignored_as_help_ignores_it(
    run: Any, good: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    """COLUMNS=abc was an internal error, COLUMNS=-5 an empty table with exit 0 (p63)."""
    monkeypatch.setenv("COLUMNS", "250")
    wide = run("runs", good / "long.csv")
    monkeypatch.setenv("COLUMNS", columns)
    out = run("runs", good / "long.csv")
    assert out.exit_code == 0, out.output
    assert out.stdout == wide.stdout


def test_help_at_80_columns_shows_each_example_whole_on_its_own_lines(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """About two dozen examples wrapped mid-command at 80 columns, the tail reading as a new command (p57 #8):
    each line of an example (a command, or the comment above it) is one line of the help."""
    import typer.main

    from l2l.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    group = typer.main.get_command(app)
    for path in _registered_commands():
        cmd: Any = group
        for name in path:
            cmd = cmd.commands[name]
        if not cmd.epilog:
            continue
        shown = [line.strip() for line in run(*path, "--help").stdout.splitlines()]
        wanted = [line.strip().replace("\\#", "#").replace("`", "") for line in cmd.epilog.splitlines()]
        for line in (w for w in wanted if w and w != "Examples:"):
            assert line in shown, (path, line)


def test_one_vocabulary_target_everywhere_tgt_kept_and_level_for_bootstrap_intervals(ingested: Any) -> None:
    new = _json(ingested("translate", "--src", "alpha", "--target", "beta", "--split", "sweep", "-f", "json"))
    old = _json(ingested("translate", "--src", "alpha", "--tgt", "beta", "--split", "sweep", "-f", "json"))
    assert [r["tgt"] for r in new["rows"]] == [r["tgt"] for r in old["rows"]] == ["beta"]
    via = ["predict", "--via", "alpha", "--from-run", "m054", "--eval", "quiz", "-f", "json"]
    assert (
        _json(ingested(*via, "--target", "beta"))["result"]
        == _json(ingested(*via, "--tgt", "beta"))["result"]
    )
    boot = ["fit-law", "-d", "alpha", "--split", "sweep", "--bootstrap", "40", "-f", "json"]
    wide, narrow = (_json(ingested(*boot, "--level", lv))["rows"][0] for lv in ("0.95", "0.5"))
    assert (wide["level"], narrow["level"]) == (0.95, 0.5)
    assert wide["E_lo"] < narrow["E_lo"] <= narrow["E_hi"] < wide["E_hi"]
    assert "Bootstrap 50% percentile intervals" in ingested(*boot[:-2], "--level", "0.5").stdout


@pytest.mark.parametrize(
    "args",
    [  # (`plot law -o` writes through the same save_figure as --plot)
        ("fit-law", "-d", "alpha", "--split", "sweep", "--plot", "{dest}.png"),
        ("fit-law", "-d", "alpha", "--split", "sweep", "--save", "{dest}.json"),
    ],
    ids=["--plot", "--save FILE"],
)
def test_a_destination_that_cannot_be_written_is_one_line_and_exit_1(
    ingested: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    dest = str(blocker / "out")  # its parent is a file: no folder can be made there
    result = ingested(*(a.replace("{dest}", dest) for a in args))
    assert result.exit_code == 1, result.stderr  # the option was well formed; the file system said no
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert line.startswith("Error: cannot write the ")
    assert dest in line
    assert "Traceback" not in result.stderr
    assert ".tmp" not in line


def test_optimal_refuses_where_every_run_has_the_same_tokens_per_parameter(run: Any, tmp_path: Path) -> None:
    """D = 20·N everywhere: N* is the search box's doing, not the runs' (a probe put it at half the truth)."""
    import numpy as np
    import polars as pl

    from l2l.testing import PAPER_LIKE_LAW

    n = np.geomspace(2e7, 2e9, 12)
    rows = [
        {"dataset": ds, "N": float(v), "D": 20 * float(v), "eval": f"{ds}_val", "loss": float(y) * k}
        for ds, k in (("web", 1.0), ("code", 0.6))
        for v, y in zip(n, PAPER_LIKE_LAW.predict(n, 20 * n), strict=True)
    ]
    table = tmp_path / "one_ratio.csv"
    pl.DataFrame(rows).write_csv(table)
    # form l2l, the form of the runs' law and auto's choice here: the same answers without the choice's backtests
    form = ("--form", "l2l")
    result = run("optimal", table, "--C", "1e21", *form)
    assert result.exit_code == 1
    assert "no compute-optimal model: every run has about 20 tokens per parameter" in result.output
    ranked = run("rank", table, "-t", "web_val", "--C", "1e21", *form)
    assert ranked.exit_code == 1
    at_model = run("predict", table, "-d", "web", "--N", "1e9", "--D", "2e10", "--format", "json", *form)
    assert at_model.exit_code == 0
    assert any("fitted along one line" in w for w in json.loads(at_model.stdout)["rows"][0]["warnings"])


def test_optimal_refuses_an_optimum_far_outside_the_runs_tokens_per_parameter(
    run: Any, tmp_path: Path
) -> None:
    """Runs at 20 and 40 tokens per parameter whose law has a flat D term (β 0.004): N* printed as 8,083,488T
    parameters on 35 tokens in a probe, flagged only as a lower bound; now refused with the reason."""
    import numpy as np
    import polars as pl

    from l2l.core.laws import ScalingLaw

    flat = ScalingLaw("chinchilla", A=400.0, B=3.0, E=0.5, alpha=0.3, beta=0.004)
    n = np.repeat(np.geomspace(3e7, 5e8, 6), 2)
    d = n * np.tile([20.0, 40.0], 6)
    rows = [
        {"dataset": "web", "N": float(a), "D": float(b), "eval": "web_val", "loss": float(y)}
        for a, b, y in zip(n, d, flat.predict(n, d), strict=True)
    ]
    table = tmp_path / "flat_d.csv"
    pl.DataFrame(rows).write_csv(table)
    result = run("optimal", table, "--C", "1.7e21", "--form", "chinchilla")
    assert result.exit_code == 1
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert line.startswith(
        "Error: web/web_val at C = 1.7e21: no compute-optimal model: the law's optimum lies at"
    )
    assert "more than 100× outside the sweep's 20–40" in line
    at_model = run("predict", table, "-d", "web", "--N", "1e9", "--D", "2e10", "--form", "chinchilla")
    assert at_model.exit_code == 0


def test_a_law_file_is_saved_into_a_directory_made_for_it(ingested: Any, tmp_path: Path) -> None:
    # as a figure's directory is made: --save out/laws.json used to fail where --plot out/law.png succeeded
    target = tmp_path / "new" / "dir" / "laws.json"
    assert ingested("fit-law", "--save", target).exit_code == 0
    assert json.loads(target.read_text())["laws"]


def test_a_dataset_without_the_asked_eval_is_said_and_rank_names_the_evals_two_share(
    run: Any, tmp_path: Path
) -> None:
    """gamma's models were never measured on the tasks: `predict -d all --eval quiz` dropped it without a word,
    and `rank -t own` said the datasets "share no eval" where alpha and beta share two."""
    import polars as pl

    from tests.conftest import REPO

    frame = pl.read_csv(REPO / "sample_data" / "synthetic_runs.csv")
    own = pl.col("eval") == pl.col("dataset") + "_val"
    task = pl.col("eval").str.starts_with("downstream/")
    frame = frame.filter(
        own | (task & (pl.col("dataset") != "gamma"))
    )  # no cross evals: own losses not shared
    table = tmp_path / "gamma_no_tasks.csv"
    frame.write_csv(table)
    doc = _json(
        run(
            "predict",
            table,
            "-d",
            "all",
            "--eval",
            "downstream/quiz",
            "--N",
            "1e9",
            "--D",
            "2e10",
            "-f",
            "json",
        )
    )
    assert {r["dataset"] for r in doc["rows"]} == {"alpha", "beta"}
    assert any(
        "gamma: none of the evals downstream/quiz was measured on its models" in n for n in doc["notes"]
    )
    ranked = run("rank", table, "-t", "own", "--C", "1e21")
    assert ranked.exit_code == 1
    assert "two or more datasets' models are measured on (downstream/cloze, downstream/quiz" in ranked.output


def test_fit_law_fits_the_datasets_with_an_own_eval_and_lists_the_others(
    run: Any, synthetic_csv: Path, tmp_path: Path
) -> None:
    """A table where one dataset was measured on the shared evals only (a probe's mixed table: web and code with
    their own validation sets, books with c4 only) fits the others and names the one left out, with the fix."""
    lines = synthetic_csv.read_text().splitlines()
    kept = [lines[0], *(x for x in lines[1:] if not x.startswith("gamma,") or ",gamma_val," not in x)]
    table = tmp_path / "mixed.csv"
    table.write_text("\n".join(kept) + "\n")
    assert run("ingest", table).exit_code == 0
    res = run("fit-law", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {r["dataset"]: r for r in json.loads(res.stdout)["rows"]}
    assert rows["alpha"]["status"] == "ok"
    assert rows["beta"]["status"] == "ok"
    assert rows["gamma"]["status"] == "failed"
    assert "no own eval for dataset gamma (pass --own-eval gamma=EVAL" in rows["gamma"]["error"]


def test_a_dataset_without_an_own_eval_is_left_out_of_every_all_command_with_a_note(
    run: Any, synthetic_csv: Path, tmp_path: Path
) -> None:
    """One such dataset (a name of punctuation whose own eval went unmatched) refused `predict -d all`,
    `optimal` and `translate` for every other dataset (p63); fit-law already fitted the others."""
    lines = synthetic_csv.read_text().splitlines()
    kept = [lines[0], *(x for x in lines[1:] if not x.startswith("gamma,") or ",gamma_val," not in x)]
    table = tmp_path / "mixed.csv"
    table.write_text("\n".join(kept) + "\n")
    assert run("ingest", table).exit_code == 0
    why = "gamma: no own eval for dataset gamma (pass --own-eval gamma=EVAL"
    for args, word in (
        (["predict", "-d", "all", "--N", "1e9", "--D", "2e10"], "not predicted"),
        (["optimal", "--C", "1e21"], "not predicted"),
        (["translate", "--src", "alpha"], "not translated"),
    ):
        res = run(*args, "--split", "sweep", "-f", "json")
        assert res.exit_code == 0, (args, res.output)
        doc = json.loads(res.stdout)
        assert "gamma" not in {r.get("dataset", r.get("tgt")) for r in doc["rows"]}, args
        assert any(n.startswith(f"{word}: {why}") for n in doc["notes"]), (args, doc["notes"])


def test_a_law_left_unfitted_beside_others_is_named_once_in_its_note(
    run: Any, synthetic_csv: Path, tmp_path: Path
) -> None:
    lines = synthetic_csv.read_text().splitlines()
    header = lines[0].split(",")
    tiny = []
    for i, n in enumerate(["1e7", "2e7", "4e7", "8e7"]):
        row = dict.fromkeys(header, "")
        row.update(dataset="tiny", N=n, D="1e9", eval="tiny_val", loss=str(3 - i * 0.1))
        tiny.append(",".join(row[h] for h in header))
    table = tmp_path / "with_tiny.csv"
    table.write_text("\n".join([*lines, *tiny]) + "\n")
    assert run("ingest", table).exit_code == 0
    res = run("fit-law")
    assert res.exit_code == 0, res.output
    note = next(ln for ln in res.output.splitlines() if "not fitted:" in ln)
    assert note.count("tiny/tiny_val") == 1
    assert "4 runs cannot fit" in note
    # its translation fails before any pair is counted: no count, not 0 ("shares no (N, D)": probe p65)
    doc = json.loads(run("translate", "--src", "alpha", "--target", "tiny", "-f", "json").stdout)
    (row,) = doc["rows"]
    assert row["error"]
    assert row["n_pairs"] is None


@pytest.mark.parametrize(
    ("option", "args"),
    [
        ("--C", ("rank", "-t", "alpha_val", "--C", "1e19", "--C", "1e18")),
        ("--src", ("translate", "--src", "alpha", "--src=beta")),
        ("--format", ("runs", "-f", "json", "--format", "csv")),
    ],
)
def test_an_option_of_one_value_given_twice_is_a_usage_error(
    run: Any, option: str, args: tuple[str, ...]
) -> None:
    # click kept the last value silently: `rank --C 1e19 --C 1e18` ranked at 1e18 alone, exit 0
    res = run(*args)
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0].startswith(f"Error: {option} takes one value and was given 2")
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("option", "args"),
    [
        ("--accuracy", ("evaluate", "--accuracy", "--format", "json")),
        ("--N", ("predict", "--N", "--D", "1e9", "-d", "alpha")),
    ],
)
def test_an_option_followed_by_another_option_instead_of_its_value_is_a_usage_error(
    run: Any, option: str, args: tuple[str, ...]
) -> None:
    """click takes the next word as the value whatever it is: `evaluate --accuracy --format json` read '--format'
    as the pattern and 'json' as a table ("json: unsupported file type", probe h42)."""
    res = run(*args)
    assert res.exit_code == 2
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"Error: {option} takes a value (")
    assert f"and was followed by the option {args[2]}" in line


def test_an_option_of_one_value_given_twice_with_the_same_value_is_that_value(ingested: Any) -> None:
    """`--metric loss` beside each of two targets was refused as two values ("--metric takes one value and was
    given 2 (--metric loss, --metric loss)"): the same value again is one value."""
    run = ingested
    res = run("runs", "-f", "json", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.lstrip().startswith("{")
    twice = run(
        "rank", "-t", "alpha_val", "--metric", "loss", "--metric", "loss", "--C", "1e21", "--draws", "100"
    )
    assert twice.exit_code == 0, twice.stderr


def test_a_source_loss_above_every_source_run_gives_a_lower_bound(ingested: Any) -> None:
    # a probe's 6.0 nats (5.6e-6x the sweep's compute) was printed as backtested and its interval missed the truth
    def result(loss: str) -> dict[str, Any]:
        doc = _json(
            ingested("predict", "--via", "alpha", "--src-loss", loss, "--tgt", "beta", "--format", "json")
        )
        return dict(doc["result"])

    inside = result("2.5")
    assert not inside["lower_bound_only"]
    above = result("9")
    assert above["lower_bound_only"]
    assert any("lies above every run of alpha" in n for n in above["notes"])


def test_predict_in_a_workspace_of_one_dataset_needs_no_dataset_named(run: Any, tmp_path: Path) -> None:
    """A probe: `predict --N --D` on a one-dataset workspace was a usage error asking for `-d` (the only choice)."""
    import polars as pl

    table = tmp_path / "one.csv"
    pl.read_csv(Path(__file__).parents[2] / "sample_data" / "synthetic_runs.csv").filter(
        pl.col("dataset") == "alpha"
    ).write_csv(table)
    assert run("ingest", table).exit_code == 0
    named = run("predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--format", "json")
    alone = run("predict", "--N", "1e9", "--D", "2e10", "--format", "json")
    assert alone.exit_code == 0, alone.output
    assert alone.stdout == named.stdout


def test_commands_that_fit_every_run_say_so_of_a_split_named_as_held_out(run: Any, tmp_path: Path) -> None:
    """A table tagging its held-out runs ``test``: fit-law, predict, optimal and rank fitted them without a word
    (only evaluate said so); now each says it once, with the --split that leaves them out."""
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv

    rows = synthetic_runs(SyntheticSpec(seed=0))
    for r in rows:
        r["split"] = "test" if r["split"] == "extrapolation" else "train"
    table = tmp_path / "runs.csv"
    write_csv(rows, str(table))
    assert run("ingest", table).exit_code == 0
    said = "fitted on every run, the 'test' runs too (a split whose name says held out); --split train"
    for args in (
        ("fit-law",),
        ("predict", "-d", "alpha", "--N", "1e9", "--D", "2e10"),
        ("optimal", "--C", "1e21"),
    ):
        res = run(*args)
        assert res.exit_code == 0, res.output
        assert said in " ".join(res.stderr.split()), args
        assert said not in run(*args, "--split", "train").stderr


def test_a_dataset_whose_sizes_are_counted_apart_is_named_not_silently_dropped(
    run: Any, tmp_path: Path
) -> None:
    """gamma's N 3 % larger (another tokenizer's embeddings): evaluate left it out of every pair ("skipped 0", one
    note per backtest cutoff and pair) and translate's refusal did not say how near the grids are."""
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv

    rows = synthetic_runs(SyntheticSpec(seed=0))
    for r in rows:
        if r["dataset"] == "gamma":
            r["N"], r["C"] = float(r["N"]) * 1.03, float(r["C"]) * 1.03
    table = tmp_path / "runs.csv"
    write_csv(rows, str(table))
    assert run("ingest", table).exit_code == 0
    doc = json.loads(run("evaluate", "--format", "json").stdout)
    notes = " ".join(doc["notes"])
    assert "gamma: held-out runs share no (N, D) with another dataset's, so in no pair and no row" in notes
    assert "gamma shares no (N, D) configuration with another dataset" in notes
    assert "pairs of runs to relate" not in notes
    res = run("translate", "--src", "alpha", "--target", "gamma", "--split", "sweep")
    assert res.exit_code == 1
    assert "their nearest configurations differ by 3 % (--rtol 0.036 pairs them" in " ".join(
        res.stderr.split()
    )
    assert (
        run(
            "translate", "--src", "alpha", "--target", "gamma", "--split", "sweep", "--rtol", "0.035"
        ).exit_code
        == 0
    )
    paired = json.loads(run("evaluate", "--rtol", "0.035", "--detail", "--format", "json").stdout)
    by = {r["setting"]: r["n_predictions"] for r in paired["rows"]}
    # every ordered pair of three datasets at their held-out run: gamma paired too
    assert by["train-to-train"] == 6
    bounded = {
        (p["src"], p["tgt"]): p["loss_to_loss_lower_bound"]
        for p in paired["predictions"]
        if p["setting"] == "train-to-train"
    }
    # a pair with gamma the backtests never translated: bounded, as predict --via bounds it
    assert bounded == {(a, b): "gamma" in (a, b) for a, b in bounded}
    assert {r["setting"]: r["n_predictions"] for r in doc["rows"]}["train-to-train"] == 2
    via = ["predict", "--via", "alpha", "--from-run", "m054", "--target", "gamma", "--split", "sweep"]
    assert run(*via).exit_code == 1  # no pair within 1e-6
    res = json.loads(run(*via, "--rtol", "0.035", "--format", "json").stdout)
    # paired within 3.5 %, but never by the backtests (they pair exactly): a lower bound, not their interval
    assert res["result"]["lower_bound_only"]
    # two sources: the run id names alpha's and beta's runs (gamma's, counted apart, is the target's); their mean
    # was printed "backtested" from a combination model that never scored gamma
    both = ["predict", "--via", "alpha", "--via", "beta", "--from-run", "m054", "--target", "gamma"]
    two = json.loads(run(*both, "--split", "sweep", "--rtol", "0.035", "--format", "json").stdout)
    steps = {r["step"].split(":")[0]: r for r in two["rows"]}
    assert not steps["mean of 2 sources → gamma"]["backtested"]
    assert steps["mean of 2 sources → gamma"]["lower_bound_only"]
    # the reason is the tolerance (the backtests pair exactly), not "too few compute budgets" (probe p68)
    assert (
        "beta→gamma pairs runs only within the pairing tolerance (N up to 3 % apart, --rtol 0.035) and the "
        "backtests pair runs exactly" in " ".join(steps["train-train"]["notes"])
    )
    assert run("predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--rtol", "0.03").exit_code == 2


@pytest.mark.parametrize("value", ["nan", "0.9", "0"])
def test_an_rtol_outside_its_range_or_nan_is_a_usage_error_saying_the_range(run: Any, value: str) -> None:
    # a NaN failed click's range check as "must be at most 0.5" (probe p63)
    result = run("translate", "--src", "alpha", "--rtol", value)
    assert result.exit_code == 2, result.output
    assert "'--rtol': must be a number from 1e-09 to 0.5, got" in result.output
    assert result.output.count("Error:") == 1


def test_a_long_note_wraps_at_the_terminal_width_and_keeps_a_path_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from l2l.cli.shell import note

    monkeypatch.setenv("COLUMNS", "40")
    path = "/a/very/long/directory/name/that/is/longer/than/forty/figure.png"
    note(f"note: wrote {path}; no installed font draws '代码' (drawn as empty boxes)")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 1
    assert f"{path};" in lines  # never broken
    assert all(len(line) <= 40 for line in lines if path not in line)


def test_an_error_longer_than_the_terminal_stays_one_line(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    result = run("fit-law", "--eval", "no-such-eval-with-a-long-name-that-is-longer-than-forty-columns")
    assert result.exit_code in (1, 2)
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert len(line) > 40


def test_a_note_with_wide_characters_wraps_by_terminal_cells(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.cells import cell_len

    from l2l.cli.shell import note

    monkeypatch.setenv("COLUMNS", "40")
    note(
        "note: laws.png: no installed font draws '网页数据网页数据网页数据' (drawn as empty boxes); install a font"
    )
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 1
    assert all(cell_len(line) <= 40 for line in lines)  # p69: 81 cells at 80 columns, wrapped by characters


@pytest.mark.parametrize(("columns", "intervals"), [(100, 1), (120, 2)])
def test_evaluate_detail_keeps_its_intervals_at_ordinary_widths(
    ingested: Any, monkeypatch: pytest.MonkeyPatch, columns: int, intervals: int
) -> None:
    """`evaluate --detail`'s interval columns were the first to leave (at 120 columns none was shown, the laws'
    uncorrected values and the setting kept): the intervals are its point, the laws' values and the setting go
    first."""
    monkeypatch.setenv("COLUMNS", str(columns))
    text = ingested("evaluate", "--detail").stdout
    detail = text[text.index("Every held-out prediction") :]
    header = "\n".join(line for line in detail.splitlines() if line.startswith("┃"))
    titles = ("ind. corrected [90%]", "l2l corrected [90%]", "comb. corrected [90%]")
    shown = [t for t in titles if t in header]
    assert len(shown) == intervals, detail
    assert max(len(line) for line in detail.splitlines()) <= columns
    assert "┃ eval" in header  # the rows' names and their errors stay (drop 0)
    assert "err ┃" in header


def test_an_unreadable_file_is_bad_input_said_by_l2l_not_a_usage_error_of_click(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """click checked every path option and argument for readability first: an unreadable run table, law file or
    workspace was `Invalid value for 'files': path '…' is not readable. Hint: see `l2l ingest --help``, exit 2 (a
    usage error), where a missing file is l2l's `Error: FILE: no such file`, exit 1 (h54). Paths are l2l's to
    read: `Error: FILE: cannot read the file (Permission denied)`, exit 1."""
    table = tmp_path / "runs.csv"
    table.write_text("dataset,N,D,eval,loss\n")
    laws = tmp_path / "laws.json"
    laws.write_text("{}")
    real_access = os.access
    unreadable = {str(table), str(laws), str(tmp_path / "ro_ws")}
    # click asks os.access; so does nothing of l2l's (as root a file of mode 000 is read all the same)
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: str(p) not in unreadable and real_access(p, mode, **kw)
    )
    (tmp_path / "ro_ws").mkdir()
    for args in (
        ("ingest", table),
        ("fit-law", table),
        ("predict", "--law", laws, "-d", "a", "--N", "1e9", "--D", "2e10"),
        ("-w", tmp_path / "ro_ws", "runs"),
    ):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "Invalid value" not in result.output, result.output
        assert "not readable" not in result.output, result.output
    result = run("predict", "--law", tmp_path, "-d", "a", "--N", "1e9", "--D", "2e10")
    assert result.exit_code == 1, result.output
    assert (
        result.stderr.strip() == f"Error: {tmp_path}: is a directory, not a law file"
    )  # (was "[Errno 21] …")
    if os.geteuid() == 0:
        return
    monkeypatch.setattr(os, "access", real_access)
    laws.chmod(0)
    result = run("predict", "--law", laws, "-d", "a", "--N", "1e9", "--D", "2e10")
    assert result.stderr.strip() == f"Error: {laws}: cannot read the law file (Permission denied)"
    table.chmod(0)
    result = run("fit-law", table)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == f"Error: {table}: cannot read the file (Permission denied)"
