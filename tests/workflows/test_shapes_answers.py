"""The answers l2l gives on each table shape (``l2l.testing.shapes``), against the shape's truth, through the
command line as a user types it (issue 16): a right answer, or one refusal that names the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from l2l.testing import shapes


def ingest(run: Any, tmp_path: Path, shape: shapes.Shape, *extra: str) -> None:
    path = tmp_path / f"{shape.name}.csv"
    shape.write(str(path))
    res = run("ingest", path, *shape.ingest_args, *extra)
    assert res.exit_code == 0, res.output


def answer(run: Any, *args: str) -> dict[str, Any]:
    res = run(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def refused(run: Any, *args: str, code: int = 1) -> tuple[str, str]:
    """(the Error line, the Hint line) of a refused command."""
    res = run(*args)
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    error, _, fix = next(x for x in lines if x.startswith("Error:")).partition(" Hint: ")
    hint = f"Hint: {fix}" if fix else ""
    error = error.removesuffix(".") if fix else error  # the stop before the hint
    return error, hint


def held_nd(shape: shapes.Shape) -> list[str]:
    pts = sorted({(h.N, h.D) for h in shape.held_out})
    return [x for n, d in pts for x in ("--N", repr(n), "--D", repr(d))]


def assert_near_truth(rows: list[dict[str, Any]], shape: shapes.Shape, key: str, tol: float) -> int:
    metric = "accuracy" if key == "accuracy" else "loss"
    truths = {(h.dataset, h.eval, h.N, h.D): h.value for h in shape.held_out if h.metric == metric}
    n = 0
    for r in rows:
        truth = truths.get((r["dataset"], r["eval"], r["N"], r["D"]))
        if truth is None:
            continue
        assert abs(r[key] - truth) <= tol * (truth if key == "loss" else 1.0), (r, truth)
        n += 1
    return n


# ---- one shared eval, no own eval -------------------------------------------------------------------------


def test_shared_eval_predicts_the_held_out_runs_and_calls_comparisons_test_to_test(
    run: Any, tmp_path: Path
) -> None:
    shape = shapes.shared_eval()
    ingest(run, tmp_path, shape)
    doc = answer(run, "predict", "-d", "all", "--eval", "val_mix", *held_nd(shape), "--split", "sweep")
    assert assert_near_truth(doc["rows"], shape, "loss", tol=0.02) == 3
    tr = answer(run, "translate", "--src", "books", "--split", "sweep")
    assert tr["translation_kind"] == "test-test"
    ev = answer(run, "evaluate", "--holdout", "split=heldout")
    assert [r["setting"] for r in ev["rows"]] == ["test-to-test"]
    assert any("stands in for it, so the first setting is test-to-test" in n for n in ev["notes"])


def test_shared_eval_predict_via_and_evaluate_call_the_translation_test_to_test(
    run: Any, tmp_path: Path
) -> None:
    """``predict --via`` labelled the step "train-train: books:val_mix → web:val_mix" and its footer spoke of
    train-to-train backtests, and evaluate's notes said "train-train books→web:val_mix", where ``translate`` and
    evaluate's table call the comparison test-to-test."""
    shape = shapes.shared_eval()
    ingest(run, tmp_path, shape)
    held = next(h for h in shape.held_out if h.dataset == "books")
    at = ("--src-loss", repr(held.value))
    doc = answer(run, "predict", "--via", "books", "--target", "web", *at, "--split", "sweep")
    (step,) = [r for r in doc["rows"] if r["kind"] != "given"]
    assert step["kind"] == "test-test"
    assert step["step"] == "test-test: books:val_mix → web:val_mix"
    said = " ".join(
        run("predict", "--via", "books", "--target", "web", *at, "--split", "sweep").output.split()
    )
    assert "from backtests of test-to-test translations, on the eval the datasets share" in said
    assert "train-train" not in said
    assert "train-to-train" not in said
    ev = answer(run, "evaluate", "--holdout", "split=heldout", "--detail")
    notes = [n for r in ev["predictions"] for n in r["notes"]]
    assert "test-test books→web:val_mix extrapolates from x = 2.268" in notes
    assert not [n for n in notes if "train-train" in n]


# ---- a per-step ladder ------------------------------------------------------------------------------------


def test_ladder_eval_is_a_name_and_a_metric(run: Any, tmp_path: Path) -> None:
    shape = shapes.per_step_ladder()
    ingest(run, tmp_path, shape)
    args = ["predict", "-d", "dolma", *held_nd(shape), "--split", "ladder"]
    error, hint = refused(run, *args, "--eval", "hellaswag", code=2)
    assert error == ("Error: 'hellaswag' is both a loss and an accuracy: say which")
    assert (
        hint
        == "Hint: spell it hellaswag:loss or hellaswag:accuracy, or give the metric (option --metric loss|bpb|accuracy)"
    )
    loss = answer(run, *args, "--eval", "hellaswag", "--metric", "loss")
    assert assert_near_truth(loss["rows"], shape, "loss", tol=0.03) == 2
    spelled = answer(run, *args, "--eval", "hellaswag:loss")
    assert [r["loss"] for r in spelled["rows"]] == [r["loss"] for r in loss["rows"]]
    acc = answer(run, *args, "--eval", "hellaswag:accuracy")
    assert acc["kind"] == "predict-accuracy"
    truths = {(h.N, h.D): h.value for h in shape.held_out if h.metric == "accuracy" and h.eval == "hellaswag"}
    for r in acc["rows"]:
        assert abs(r["accuracy"] - truths[(r["N"], r["D"])]) <= 0.02
    error, _ = refused(run, *args, "--eval", "hellaswag:bpb", "--metric", "accuracy", code=2)
    assert "spelled as bpb, but --metric says accuracy" in error
    # a prefix of that name is as ambiguous (it silently took the loss), and an unknown name lists both kinds
    error, _ = refused(run, *args, "--eval", "hella", code=1)
    assert error == "Error: eval 'hella' is ambiguous: it could be hellaswag, hellaswag:bpb"
    error, _ = refused(run, *args, "--eval", "nosuch", code=1)
    assert "unknown eval 'nosuch' (evals: " in error
    assert "; accuracy evals: " in error


def test_ladder_accuracy_laws_on_every_checkpoint_match_the_truth(run: Any, tmp_path: Path) -> None:
    shape = shapes.per_step_ladder()
    ingest(run, tmp_path, shape)
    final = answer(run, "fit-accuracy", "--split", "ladder")
    every = answer(run, "fit-accuracy", "--split", "ladder", "--checkpoints", "all")
    for doc in (final, every):
        for r in doc["rows"]:
            assert abs(r["laws"]["*"]["x0"] - shape.accuracy[r["eval"]].x0) <= 0.05, r
    assert min(r["n_points"] for r in every["rows"]) > 5 * max(r["n_points"] for r in final["rows"])
    error, _ = refused(run, "fit-accuracy", "--checkpoints", "all", "--form", "power", code=2)
    assert "fitted on final checkpoints" in error


def test_a_one_dataset_ladder_still_evaluates_its_accuracies(run: Any, tmp_path: Path) -> None:
    ingest(run, tmp_path, shapes.per_step_ladder())
    doc = answer(run, "evaluate", "--holdout", "split=target", "--accuracy", "all")
    assert doc["rows"] == []
    assert any(n.startswith("no Table 1: evaluate compares") for n in doc["notes"])
    assert len(doc["evaluate-accuracy"]) == 5


# ---- own evals named train; one dataset; configurations ---------------------------------------------------


def test_rank_on_training_losses_of_one_name_is_refused_naming_the_shared_eval(
    run: Any, tmp_path: Path
) -> None:
    ingest(run, tmp_path, shapes.train_named())
    error, hint = refused(run, "rank", "-t", "own", "--C", "1e21", "--split", "sweep", code=2)
    assert "each model's loss on its own training data, which is not comparable across datasets" in error
    assert "(val_mix)" in hint
    doc = answer(run, "rank", "-t", "val_mix", "--C", "1e21", "--split", "sweep")
    assert doc["leader"] == "web"  # the lowest val_mix law at 1e21 (THREE: web has the lowest E on val_mix)


def test_own_evals_of_one_name_still_evaluate_accuracies_with_or_without_test_evals(
    run: Any, tmp_path: Path
) -> None:
    shape = shapes.val_named()
    ingest(run, tmp_path, shape)
    for extra in ((), ("--test", "hellaswag")):
        doc = answer(run, "evaluate", "--holdout", "split=heldout", "--accuracy", "all", *extra)
        l2l = {r["input"]: r for r in doc["evaluate-accuracy"] if r["method"] == "l2l"}
        assert l2l["predicted"]["n_predictions"] == 3  # one held-out run of each dataset, the whole chain
        assert l2l["predicted"]["mae_points"] < 3.0
        if not extra:  # Table 1 has no test set to find by default; the accuracy part stands on its own
            assert doc["rows"] == []
            assert any(n.startswith("no Table 1: no test evals to compare by default") for n in doc["notes"])
        else:
            assert doc["rows"] != []
    pred = answer(
        run, "predict", "-d", "all", "--eval", "hellaswag:accuracy", "--split", "sweep", *held_nd(shape)
    )
    truths = {(h.dataset, h.N, h.D): h.value for h in shape.held_out if h.metric == "accuracy"}
    assert len(pred["rows"]) == 3
    for r in pred["rows"]:  # the whole chain, own loss → task loss → accuracy, within 2 points of the truth
        assert abs(r["accuracy"] - truths[(r["dataset"], r["N"], r["D"])]) < 0.03, r


def test_one_dataset_refuses_the_comparisons_with_what_to_do_instead(run: Any, tmp_path: Path) -> None:
    ingest(run, tmp_path, shapes.single_dataset())
    error, hint = refused(run, "evaluate", "--holdout", "split=heldout")
    assert "needs two datasets with an own eval; these runs have 1 dataset: c4 (own eval " in error
    assert "l2l fit-law --residuals" in hint


def test_a_configuration_kept_gives_its_own_law(run: Any, tmp_path: Path) -> None:
    shape = shapes.configs()
    path = tmp_path / "configs.csv"
    shape.write(str(path))
    error, hint = refused(run, "ingest", path)
    assert "differ in config" in error
    assert "--where config=" in hint
    assert run("ingest", path, "--where", "config=base").exit_code == 0
    doc = answer(run, "fit-law")
    for r in doc["rows"]:
        truth = shape.laws[(f"{r['dataset']}|base", r["eval"])]
        from l2l.core.laws import ScalingLaw

        law = ScalingLaw("l2l", A=r["A"], B=r["B"], E=r["E"], alpha=r["alpha"], beta=r["beta"])
        assert abs(float(law.predict(3e9, 5e10)) / float(truth.predict(3e9, 5e10)) - 1) < 0.02
    error, hint = refused(run, "rank", "-t", "owt2_val", "--C", "1e21")
    assert "no two candidate datasets are measured on it" in error
    assert hint


def test_the_library_takes_the_command_lines_spelling_of_an_accuracy(
    run: Any, tmp_path: Path, ws_path: Path
) -> None:
    """p70: ``predict_accuracy(evals="hellaswag:accuracy")`` was "unknown accuracy eval", the CLI's spelling."""
    from l2l.io.workspace import Workspace
    from l2l.workflows.accuracy import predict_accuracy

    shape = shapes.per_step_ladder()
    ingest(run, tmp_path, shape)
    ws = Workspace(ws_path)
    runs = ws.attach_accuracy(ws.load())
    (n, d) = sorted({(h.N, h.D) for h in shape.held_out})[0]
    spelled = predict_accuracy(
        runs, evals=["hellaswag:accuracy"], datasets=["dolma"], N=[n], D=[d], split="ladder"
    )
    plain = predict_accuracy(runs, evals=["hellaswag"], datasets=["dolma"], N=[n], D=[d], split="ladder")
    assert [p.accuracy for p in spelled] == [p.accuracy for p in plain]
