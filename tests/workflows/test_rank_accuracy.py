"""``l2l rank`` for a downstream accuracy target: each dataset's predicted task loss per joint draw through the
task's accuracy law, higher is better; on seeded synthetic runs whose accuracy is a known sigmoid of the task loss."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, UsageError
from l2l.testing import synthetic_runs, write_csv

# The truth: quiz accuracy = FLOOR + (1 − FLOOR)·σ(−(x − X0)/S) of the quiz task loss x, noise NOISE; cloze stays at
# its chance level 0.5 (within noise): unpredictable.
FLOOR, X0, S, NOISE = 0.25, 2.0, 0.35, 0.004
BUDGET = 1e21
DRAWS = 100


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return FLOOR + (1 - FLOOR) / (1 + np.exp((x - X0) / S))


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the synthetic loss table, its accuracy table: quiz a known sigmoid of the quiz loss, cloze at chance)."""
    root = tmp_path_factory.mktemp("rank_acc")
    runs = root / "runs.csv"
    rows = synthetic_runs()
    write_csv(rows, str(runs))
    rng = np.random.default_rng(0)
    quiz = pl.DataFrame(rows).filter(pl.col("eval") == "downstream/quiz")
    x = quiz.get_column("loss").to_numpy()
    base = quiz.select("dataset", "N", "D", "C", "run_id", "split")
    acc = pl.concat(
        [
            base.with_columns(
                pl.lit("downstream/quiz_acc").alias("eval"),
                pl.Series("value", np.clip(_sigmoid(x) + rng.normal(0, NOISE, len(x)), 0, 1)),
                pl.lit(0.25).alias("chance"),
            ),
            base.with_columns(
                pl.lit("downstream/cloze_acc").alias("eval"),
                pl.Series("value", np.clip(0.5 + rng.normal(0, 0.01, len(x)), 0, 1)),
                pl.lit(0.5).alias("chance"),
            ),
        ]
    ).with_columns(pl.lit("accuracy").alias("metric"))
    path = root / "accuracy.csv"
    acc.write_csv(path)
    return runs, path


@pytest.fixture(scope="module")
def runs(tables: tuple[Path, Path]) -> Any:
    from l2l.io.tables import read_runs

    return read_runs(list(tables))


def test_accuracy_target_ranks_by_the_known_sigmoid_of_the_predicted_task_loss(runs: Any) -> None:
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.workflows.rank import rank_runs

    # one fit cache for both rankings (as a session keeps one): the accuracy's ranking reuses the quiz loss's laws
    kw: dict[str, Any] = {"cache": FitCache(), "calibrations": CalibrationCache()}
    loss = rank_runs(runs, ["downstream/quiz"], C=BUDGET, split="sweep", draws=DRAWS, **kw)
    acc = rank_runs(runs, ["quiz_acc"], C=BUDGET, split="sweep", draws=DRAWS, **kw)
    (t,) = acc.targets
    assert (t.target, t.metric, t.via) == ("downstream/quiz_acc", "accuracy", "downstream/quiz")
    pred_loss = {r.dataset: r.value for r in loss.targets[0].rows if r.value is not None}
    rows = [r for r in t.rows if r.status == "ok"]
    assert {r.dataset for r in rows} == set(pred_loss) == {"alpha", "beta", "gamma"}
    # the accuracy law recovered: each value is the true sigmoid of that dataset's predicted task loss (rtol 3 %)
    values = np.array([r.value for r in rows], dtype=np.float64)
    truth = _sigmoid(np.array([pred_loss[r.dataset] for r in rows], dtype=np.float64))
    assert_allclose(values, truth, rtol=0.03)
    # higher is better: rank 1 has the highest accuracy, which is the lowest predicted task loss
    assert [r.rank for r in rows] == [1, 2, 3]
    assert np.all(np.diff(values) < 0)
    assert acc.leader == rows[0].dataset == min(pred_loss, key=lambda k: pred_loss[k])
    assert_allclose(sum(r.p_best or 0.0 for r in rows), 1.0, rtol=1e-9)
    for r in rows:
        assert r.lo is not None
        assert r.hi is not None
        assert 0.0 <= r.lo <= r.hi <= 1.0
        assert r.lo <= r.value <= r.hi  # the interval holds its point (as predict --eval ACC makes it)
    assert any("backtest error added on the logit scale" in w for w in acc.warnings)
    json.dumps(acc.to_dict())  # JSON-safe
    # the budgets a decade either side are scanned by accuracy, through the law, as the task loss's ranking scans
    # them (an accuracy ranking said flips [] and had no curve, its task loss's ranking a change of winner)
    (lt,) = loss.targets
    assert len(t.curve) == len(lt.curve) == 25
    for by_acc, by_loss in zip(t.curve, lt.curve, strict=True):
        accs, losses = dict(by_acc.values), dict(by_loss.values)
        assert by_acc.C == by_loss.C
        assert_allclose([accs[n] for n in losses], _sigmoid(np.array(list(losses.values()))), rtol=0.03)
        assert max(accs, key=lambda k: accs[k]) == min(losses, key=lambda k: losses[k])  # one pooled law
    assert [(f.before, f.after) for f in t.flips] == [(f.before, f.after) for f in lt.flips]


def test_the_library_takes_the_command_lines_spellings_of_a_target(runs: Any) -> None:
    """``downstream/quiz:loss`` was refused by rank_runs as an unknown eval, though predict and the CLI take it."""
    from l2l.workflows.rank import rank_runs

    kw: dict[str, Any] = {"C": BUDGET, "split": "sweep", "draws": DRAWS}
    plain = rank_runs(runs, ["downstream/quiz"], **kw)
    spelled = rank_runs(runs, ["downstream/quiz:loss"], **kw)
    assert [r.value for r in spelled.targets[0].rows] == [r.value for r in plain.targets[0].rows]


def test_a_chance_level_given_to_rank_reaches_the_accuracy_law(runs: Any) -> None:
    """``rank --chance`` (rank had none: a task whose name gives the wrong chance could not be ranked)."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.workflows.rank import rank_runs

    # one fit cache for both (the loss laws are the same; only the accuracy law differs)
    kw: dict[str, Any] = {"C": BUDGET, "split": "sweep", "draws": DRAWS, "cache": FitCache()}
    kw["calibrations"] = CalibrationCache()
    plain = rank_runs(runs, ["quiz_acc"], **kw)
    given = rank_runs(runs, ["quiz_acc"], chance={"quiz_acc": 0.45}, **kw)  # the floor kept near 0.45
    assert [r.value for r in given.targets[0].rows] != [r.value for r in plain.targets[0].rows]
    # and the ceiling, as fit-accuracy --ceiling takes it (rank and predict had only auto)
    fitted = rank_runs(runs, ["quiz_acc"], ceiling=None, **kw)
    assert [r.value for r in fitted.targets[0].rows] != [r.value for r in plain.targets[0].rows]
    assert [r.value for r in rank_runs(runs, ["quiz_acc"], ceiling=1.0, **kw).targets[0].rows] == [
        r.value for r in plain.targets[0].rows
    ]  # auto kept 1 for this task


def test_unpredictable_accuracy_target_is_refused_with_the_reason(runs: Any) -> None:
    from l2l.workflows.rank import rank_runs

    with pytest.raises(FitError, match="unpredictable"):
        rank_runs(runs, ["downstream/cloze_acc"], C=BUDGET, split="sweep", draws=DRAWS)


def test_accuracy_target_mixed_with_a_loss_target_is_a_usage_error(runs: Any) -> None:
    from l2l.workflows.rank import rank_runs

    with pytest.raises(UsageError, match="one accuracy target"):
        rank_runs(runs, ["quiz_acc", "downstream/quiz"], C=BUDGET, split="sweep", draws=DRAWS)


def test_rank_cli_shows_predicted_accuracy_sorted_descending_and_exit_codes(
    run: Any, tables: tuple[Path, Path]
) -> None:
    assert run("ingest", *tables).exit_code == 0
    # predict takes the ceiling as fit-accuracy does (it had only auto): fitted it moves the accuracy; 1 is what
    # auto chose for this task
    ask = ("predict", "-d", "alpha", "--eval", "quiz_acc", "--N", "1e9", "--D", "2e10", "--split", "sweep")
    auto = run(*ask, "--format", "json")
    assert auto.exit_code == 0, auto.output
    fitted = run(*ask, "--ceiling", "fit", "--format", "json")
    assert json.loads(fitted.stdout)["rows"][0]["accuracy"] != json.loads(auto.stdout)["rows"][0]["accuracy"]
    # auto keeps 1 (the same point), but its backtest cannot tell 1 from the fitted ceiling: its interval also holds
    # the fitted-ceiling law's (``AccuracyFit.ceiling_doubt``, h25), so it holds the interval of --ceiling 1
    one = json.loads(run(*ask, "--ceiling", "1", "--format", "json").stdout)["rows"][0]
    a = json.loads(auto.stdout)["rows"][0]
    assert one["accuracy"] == a["accuracy"]
    assert a["accuracy_lo"] <= one["accuracy_lo"]
    assert one["accuracy_hi"] <= a["accuracy_hi"]
    backtest = run(
        "rank", "-t", "quiz_acc", "--split", "sweep", "--holdout-top-compute", "1", "--ceiling", "fit"
    )
    assert backtest.exit_code == 2
    assert "--ceiling" in backtest.stderr
    args = ("--C", "1e21", "--split", "sweep", "--draws", "100")
    res = run("rank", "--target", "quiz_acc", *args)
    assert res.exit_code == 0, res.output
    assert "predicted accuracy" in res.output
    assert "higher is better" in " ".join(res.output.split())
    doc = json.loads(run("rank", "--target", "quiz_acc", *args, "--format", "json").stdout)
    vals = [r["value"] for r in doc["rows"] if r["status"] == "ok"]
    assert vals == sorted(vals, reverse=True)
    # the CSV says which columns are accuracies and which the task loss they chain through (one row read 0.61
    # beside 2.02 with nothing to tell them apart)
    table = list(
        csv.DictReader(io.StringIO(run("rank", "--target", "quiz_acc", *args, "--format", "csv").stdout))
    )
    assert {(r["metric"], r["loss_eval"]) for r in table} == {("accuracy", "downstream/quiz")}
    bad = run("rank", "--target", "cloze_acc", *args)
    assert bad.exit_code == 1
    assert "unpredictable" in bad.output
    assert run("rank", "-t", "quiz_acc", "-t", "downstream/quiz", *args).exit_code == 2
    # a backtest scores rankings by a loss: the accuracy's task loss is named (it was "unknown eval")
    held = run("rank", "-t", "quiz_acc", "--split", "sweep", "--holdout-top-compute", "1")
    assert held.exit_code == 2
    assert held.stderr.startswith(
        "Error: rank --holdout backtests rankings by a loss: downstream/quiz_acc is an"
    )
    assert "-t downstream/quiz)" in held.stderr
    # the baseline's values are the accuracies measured at the top budget: said so, in the accuracy's words (it said
    # "loss", and that its intervals held the extrapolation error, as if they were predictions at this budget)
    base = " ".join(run("rank", "-t", "quiz_acc", *args, "--method", "baseline").output.split())
    assert "'predicted' is the accuracy measured at each dataset's largest budget" in base
    assert "the intervals include the extrapolation error" not in base


def _ingest_named_alike(run: Any, tables: tuple[Path, Path], tmp_path: Path) -> None:
    """The synthetic tables ingested with the quiz's accuracy under its task loss's name (``downstream/quiz``)."""
    runs_csv, acc_csv = tables
    same = tmp_path / "acc.csv"
    pl.read_csv(acc_csv).with_columns(
        pl.col("eval").str.replace("downstream/quiz_acc", "downstream/quiz")
    ).write_csv(same)
    assert run("ingest", runs_csv, same).exit_code == 0


def test_a_task_loss_named_like_its_accuracy_ranks_when_its_metric_is_said(
    run: Any, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    """A W&B or metric-column table names a task's loss and its accuracy alike: `-t quiz:loss` and `-t quiz
    --metric loss` rank the loss (both were refused as ambiguous, with a hint to spell them so)."""
    _ingest_named_alike(run, tables, tmp_path)
    args = ("--C", "1e21", "--split", "sweep", "--draws", "100", "--format", "json")
    for how in (("-t", "downstream/quiz:loss"), ("-t", "downstream/quiz", "--metric", "loss")):
        res = run("rank", *how, *args)
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        assert "recommended" in doc["rows"][0]  # a loss ranking's methods (an accuracy ranking has none)
        assert "accuracy" not in " ".join(doc["notes"])
    assert run("rank", "-t", "downstream/quiz", *args).exit_code == 2  # unsaid: which one is asked


def test_a_backtest_of_an_accuracy_named_like_its_task_loss_is_refused_naming_that_loss(
    run: Any, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    """`rank --holdout -t quiz:accuracy` (or `--metric accuracy`) where the accuracy shares its task loss's name:
    exit 1 "unknown eval 'quiz:accuracy'" listing quiz, not the usage refusal naming the task loss; `--ceiling`
    and `--pooling` beside a backtest said that a backtest ranks accuracies."""
    _ingest_named_alike(run, tables, tmp_path)
    held = ("--split", "sweep", "--holdout-top-compute", "1")
    for how in (("-t", "downstream/quiz:accuracy"), ("-t", "downstream/quiz", "--metric", "accuracy")):
        res = run("rank", *how, *held)
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith(
            "Error: rank --holdout backtests rankings by a loss: downstream/quiz:accuracy is an accuracy"
        )
        assert "-t downstream/quiz:loss)" in res.stderr
    for option, value in (("--ceiling", "1"), ("--pooling", "pooled")):
        res = run("rank", "-t", "downstream/quiz:loss", *held, option, value)
        assert res.exit_code == 2
        assert "a backtest ranks by a loss" in res.stderr
        assert "ranks accuracies" not in res.stderr


@pytest.mark.parametrize(
    ("acc_name", "metric"), [("downstream/quiz", "accuracy"), ("downstream/quiz_acc", "loss")]
)
def test_a_wide_exports_task_ce_loss_pairs_with_its_accuracy_and_names_are_read_alike(
    run: Any, tables: tuple[Path, Path], tmp_path: Path, acc_name: str, metric: str
) -> None:
    """A W&B export's eval/TASK_ce_loss reaches l2l as TASK_ce once the loss columns' common "_loss" is dropped,
    beside the accuracy TASK: the accuracy found no task loss, and `rank -t TASK` ranked the loss TASK_ce (the
    name only begins it) where `predict --eval TASK` took the accuracy (a probe). A name that only begins a loss
    and an accuracy alike is the loss, in both commands."""
    runs_csv, acc_csv = tables
    loss = tmp_path / "runs.csv"
    pl.read_csv(runs_csv).with_columns(
        pl.col("eval").str.replace(r"^downstream/quiz$", "downstream/quiz_ce")
    ).write_csv(loss)
    acc = tmp_path / "acc.csv"
    pl.read_csv(acc_csv).with_columns(pl.col("eval").str.replace("downstream/quiz_acc", acc_name)).write_csv(
        acc
    )
    assert run("ingest", loss, acc).exit_code == 0
    args = ("--C", "1e21", "--split", "sweep", "--draws", "100")
    ranked = run("rank", "-t", "downstream/quiz", *args, "--format", "json")
    assert ranked.exit_code == 0, ranked.output
    rows = json.loads(ranked.stdout)["rows"]
    assert {(r["metric"], r["loss_eval"]) for r in rows} == {(metric, "downstream/quiz_ce")}
    predicted = run("predict", "-d", "alpha", "--eval", "downstream/quiz", "--N", "1e9", "--D", "2e10")
    assert predicted.exit_code == 0, predicted.output
    assert ("accuracy" in predicted.stdout.lower()) == (metric == "accuracy")


def test_a_target_named_with_glob_characters_measured_on_one_dataset_is_refused(
    run: Any, tables: tuple[Path, Path], tmp_path: Path
) -> None:
    """`rank -t 'a[b]_val'` (a dataset's own eval, measured on its models only) was read as a glob, never checked,
    and printed "Best dataset: a[b], P(best) 1.00" (a probe); as its plain name it is refused, as -t own is."""
    runs_csv, _ = tables
    renamed = tmp_path / "runs.csv"
    alone = (pl.col("dataset") == "alpha") & (pl.col("eval") == "alpha_val")
    pl.read_csv(runs_csv).with_columns(
        pl.when(alone).then(pl.lit("a[b]_val")).otherwise(pl.col("eval")).alias("eval")
    ).write_csv(renamed)
    assert run("ingest", renamed).exit_code == 0
    res = run("rank", "-t", "a[b]_val", "--C", "1e21", "--split", "sweep")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: target a[b]_val: no two candidate datasets are measured on it")


def test_a_task_named_with_glob_characters_ranks_by_its_exact_name_and_metric(
    tables: tuple[Path, Path],
) -> None:
    """`quiz[5-shot]`, a loss and an accuracy under one name (lm-eval's spelling): `:loss` and `:accuracy` name it
    exactly (both were read as globs, matched nothing: "no eval matches quiz[5-shot]:accuracy")."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.io.tables import read_runs
    from l2l.workflows.rank import rank_runs

    runs_csv, acc_csv = tables
    named = runs_csv.parent / "glob_named"
    named.mkdir(exist_ok=True)
    loss_path, acc_path = named / "runs.csv", named / "acc.csv"
    to = pl.col("eval").str.replace(r"^downstream/quiz(_acc)?$", "quiz[5-shot]")
    pl.read_csv(runs_csv).with_columns(to).write_csv(loss_path)
    pl.read_csv(acc_csv).with_columns(to).write_csv(acc_path)
    runs = read_runs([loss_path, acc_path])
    kw: dict[str, Any] = {"cache": FitCache(), "calibrations": CalibrationCache()}
    loss = rank_runs(runs, ["quiz[5-shot]:loss"], C=BUDGET, split="sweep", draws=DRAWS, **kw)
    acc = rank_runs(runs, ["quiz[5-shot]:accuracy"], C=BUDGET, split="sweep", draws=DRAWS, **kw)
    assert (loss.targets[0].target, loss.targets[0].metric) == ("quiz[5-shot]", "loss")
    (t,) = acc.targets
    assert (t.target, t.metric, t.via) == ("quiz[5-shot]", "accuracy", "quiz[5-shot]")
    pred_loss = {r.dataset: r.value for r in loss.targets[0].rows if r.value is not None}
    rows = [r for r in t.rows if r.status == "ok"]
    values = np.array([r.value for r in rows], dtype=np.float64)
    assert_allclose(values, _sigmoid(np.array([pred_loss[r.dataset] for r in rows])), rtol=0.03)


def test_a_measured_model_and_the_baseline_read_the_measured_accuracies(
    runs: Any, tables: tuple[Path, Path]
) -> None:
    """At a model every dataset ran, and for the baseline at each dataset's largest budget, the value is the mean
    accuracy measured there (it was the measured task loss through the accuracy law, its interval the law's)."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.workflows.rank import rank_runs

    acc = pl.read_csv(tables[1]).filter(
        (pl.col("eval") == "downstream/quiz_acc") & (pl.col("split") == "sweep")
    )
    top = acc.filter(pl.col("C") == acc.get_column("C").max())
    n, d = top.row(0, named=True)["N"], top.row(0, named=True)["D"]
    at_model = (
        top.filter((pl.col("N") == n) & (pl.col("D") == d)).group_by("dataset").agg(pl.col("value").mean())
    )
    at_top = top.group_by("dataset").agg(pl.col("value").mean())
    kw: dict[str, Any] = {
        "cache": FitCache(),
        "calibrations": CalibrationCache(),
        "split": "sweep",
        "draws": DRAWS,
    }
    fixed = rank_runs(runs, ["quiz_acc"], N=n, D=d, **kw)
    base = rank_runs(runs, ["quiz_acc"], C=BUDGET, method="baseline", **kw)
    for res, truth in ((fixed, at_model), (base, at_top)):
        measured = dict(truth.iter_rows())
        rows = {r.dataset: r for r in res.targets[0].rows if r.status == "ok"}
        assert set(rows) == set(measured) == {"alpha", "beta", "gamma"}
        assert_allclose(
            [rows[k].value for k in sorted(rows)], [measured[k] for k in sorted(rows)], rtol=1e-12
        )
        for r in rows.values():
            assert r.lo is not None
            assert r.hi is not None
            assert r.hi - r.lo < 0.03  # the measurement's noise (0.004 per run), not the law's interval
            assert any(note.startswith("measured:") for note in r.notes)


def test_a_measured_accuracy_ranking_pools_the_seeds_scatter_across_datasets(
    run: Any, tmp_path: Path
) -> None:
    """DataDecide's shape: ten recipes, two seeds each at the model asked for. Each recipe's interval came from its
    own two seeds: half-widths 0.03-2.07 points, 30 of 50 truths inside (probe p59). The seeds' scatter is pooled
    over every recipe that repeated the model: one half-width for all, as the truth's noise is one."""
    rng = np.random.default_rng(1)
    rows = ["run_id,dataset,N,D,eval,metric,value"]
    truth = {f"rec{i}": 0.60 + 0.004 * i for i in range(10)}
    for rec, acc in truth.items():
        for n in (60e6, 150e6, 300e6, 600e6):
            for seed in (0, 1):
                run_id = f"{rec}_{n:g}_s{seed}"
                loss = (2.0 + 0.02 * int(rec[3:])) * (6e8 / n) ** 0.05 * float(np.exp(rng.normal(0, 0.005)))
                rows.append(f"{run_id},{rec},{n:g},{100 * n:g},{rec}_val,loss,{loss:.5f}")
                rows.append(f"{run_id},{rec},{n:g},{100 * n:g},hellaswag,loss,{loss * 0.9:.5f}")
                a = acc - 0.02 * np.log(6e8 / n) + rng.normal(0, 0.005)
                rows.append(f"{run_id},{rec},{n:g},{100 * n:g},hellaswag,accuracy,{a:.5f}")
    table = tmp_path / "dd.csv"
    table.write_text("\n".join(rows) + "\n")
    assert run("ingest", table).exit_code == 0
    res = run("rank", "-t", "hellaswag:accuracy", "--N", "6e8", "--D", "6e10", "--format", "json")
    assert res.exit_code == 0, res.output
    ranked = [r for r in json.loads(res.stdout)["rows"] if r["lo"] is not None]
    assert len(ranked) == 10
    widths = [r["hi"] - r["lo"] for r in ranked]
    assert max(widths) < 1.3 * min(widths)  # one pooled scatter (clipping aside), not each recipe's two seeds
    # at the recipes' largest budget the baseline reads their runs there: no law needed (every recipe was refused
    # for want of an own-loss law, 4 sizes being too few; p59)
    base = run(
        "rank", "-t", "hellaswag:accuracy", "--C", "2.16e20", "--method", "baseline", "--format", "json"
    )
    assert base.exit_code == 0, base.output
    assert sum(r["lo"] is not None for r in json.loads(base.stdout)["rows"]) == 10


def _seed_tables(tmp_path: Path, sizes: tuple[float, ...], seed: int, recipes: int = 6) -> tuple[Path, Path]:
    """The same DataDecide-shaped runs (``recipes`` recipes, three seeds each) with the seed in the run id and in a
    seed column."""
    rng = np.random.default_rng(seed)
    by_id, by_seed = ["run_id,dataset,N,D,eval,metric,value"], ["seed,dataset,N,D,eval,metric,value"]
    for i in range(recipes):
        for n in sizes:
            for s in (0, 1, 2):
                loss = (2.0 + 0.02 * i) * (6e8 / n) ** 0.05 * float(np.exp(rng.normal(0, 0.005)))
                a = 0.6 + 0.004 * i - 0.02 * np.log(6e8 / n) + rng.normal(0, 0.005)
                for ev, metric, v in ((f"rec{i}_val", "loss", loss), ("hellaswag", "loss", 0.9 * loss),
                                      ("hellaswag", "accuracy", a)):  # fmt: skip
                    tail = f"rec{i},{n:g},{100 * n:g},{ev},{metric},{v:.5f}"
                    by_id.append(f"rec{i}_{n:g}_s{s},{tail}")
                    by_seed.append(f"{s},{tail}")
    paths = (tmp_path / "ids.csv", tmp_path / "seeds.csv")
    for path, lines in zip(paths, (by_id, by_seed), strict=True):
        path.write_text("\n".join(lines) + "\n")
    return paths


def test_seeds_in_a_seed_column_rank_a_measured_model_as_seeds_kept_apart_do(
    run: Any, tmp_path: Path
) -> None:
    """The same DataDecide-shaped runs with the seed in a seed column (averaged at ingest) and in the run id (kept
    apart): a measured model ranks the same, value and interval, by loss and by accuracy. The seed column kept no
    spread, and every ranking at a model of a table too short for laws was refused, its hint sending the user to
    the seed column it had (probe p59)."""
    answers = []
    tables = _seed_tables(tmp_path, (60e6, 150e6, 300e6, 600e6), 3)
    for name, table in zip(("ids", "seeds"), tables, strict=True):
        assert run("-w", tmp_path / name, "ingest", table).exit_code == 0
        rows = {}
        for target in ("hellaswag:accuracy", "hellaswag:loss"):
            res = run(
                "-w", tmp_path / name, "rank", "-t", target, "--N", "6e8", "--D", "6e10", "--format", "json"
            )
            assert res.exit_code == 0, res.output
            rows[target] = {
                r["dataset"]: (r["value"], r["lo"], r["hi"]) for r in json.loads(res.stdout)["rows"]
            }
            assert len(rows[target]) == 6
            assert all(None not in v for v in rows[target].values())
        answers.append(rows)
    # the same means; the seed column's scatter is pooled over every size the seeds ran (the kept-apart runs' over
    # the model asked for alone): the same noise, estimated on more seeds
    for target in answers[0]:
        for ds, (value, lo, hi) in answers[0][target].items():
            v, low, high = answers[1][target][ds]
            assert v == pytest.approx(value, rel=1e-9)
            assert 0.75 < (high - low) / (hi - lo) < 1.33


def test_the_baseline_of_a_table_too_short_for_laws_reads_its_noise_from_a_seed_column(
    run: Any, tmp_path: Path
) -> None:
    """A DataDecide-shaped table (4 sizes, too few for laws) with its seeds in a seed column, averaged at ingest: the
    single-scale baseline at a budget, and the ranking backtest that scores it, read a run's noise from the seeds'
    scatter kept aside, as they do with the seeds kept apart as runs. Before, every recipe was refused ("how sure its
    measured loss is cannot be said") and ``rank --holdout-top-compute 1`` scored 0 of 0 pairs (probe h20)."""
    tables = _seed_tables(tmp_path, (60e6, 150e6, 300e6, 600e6), 5)
    widths = []
    for name, table in zip(("ids", "seeds"), tables, strict=True):
        ws = tmp_path / name
        assert run("-w", ws, "ingest", table).exit_code == 0
        res = run("-w", ws, "rank", "-t", "hellaswag:loss", "--C", "2.16e20", "--method", "baseline",
                  "--format", "json")  # fmt: skip
        assert res.exit_code == 0, res.output
        rows = [r for r in json.loads(res.stdout)["rows"] if r["lo"] is not None]
        assert len(rows) == 6
        widths.append(float(np.median([r["hi"] - r["lo"] for r in rows])))
        bt = run("-w", ws, "rank", "-t", "hellaswag:loss", "--holdout-top-compute", "1", "--format", "json")
        assert bt.exit_code == 0, bt.output
        (target,) = json.loads(bt.stdout)["targets"]
        assert target["pairs_baseline"] == 15
    assert 0.5 < widths[1] / widths[0] < 2.0  # the same noise, told by the seeds either way


def test_a_measured_model_of_a_table_with_laws_is_as_sure_with_seeds_averaged_as_kept_apart(
    run: Any, tmp_path: Path
) -> None:
    """With enough sizes for laws the noise of a measured model comes from the target law's scatter. A law fitted
    on seed-averaged runs scatters √3 less than one on single seeds: divided again by the seeds' √3, the seed
    column's intervals came out √3 too narrow. And the averaged runs leave the law 2 spare points of 7, its scatter
    a poor read of the noise: over seeds 1-4 the seed column's intervals came out 0.73-1.91× the width of the same
    runs kept apart (here 1.71×); the seeds' scatter kept at ingest (14 degrees of freedom a dataset) reads it."""
    sizes = (30e6, 60e6, 100e6, 150e6, 220e6, 300e6, 600e6)
    widths = []
    for name, table in zip(("ids", "seeds"), _seed_tables(tmp_path, sizes, 3, recipes=3), strict=True):
        assert run("-w", tmp_path / name, "ingest", table).exit_code == 0
        res = run(
            "-w", tmp_path / name, "rank", "-t", "hellaswag:loss", "--N", "6e8", "--D", "6e10", "--form", "l2l",
            "-f", "json",
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        widths.append(float(np.median([r["hi"] - r["lo"] for r in json.loads(res.stdout)["rows"]])))
    assert 0.8 < widths[1] / widths[0] < 1.25, widths


def test_datasets_failing_for_one_reason_are_said_once() -> None:
    """A DataDecide-shaped table's refusal repeated "rec0/hellaswag: 4 runs cannot fit a law …" for each of ten
    recipes in one 3,000-character line (probe p59)."""
    from l2l.base.text import grouped_reasons

    failed = {f"rec{i}": f"independent: rec{i}/hellaswag: 4 runs cannot fit a l2l law" for i in range(10)}
    failed["odd"] = "its accuracy is unpredictable"
    said = grouped_reasons(failed)
    assert said == (
        "rec0, rec1, rec2 … (10 datasets): independent: rec0/hellaswag: 4 runs cannot fit a l2l law; "
        "odd: its accuracy is unpredictable"
    )
