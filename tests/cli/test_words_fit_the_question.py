"""Notes, refusals and hints in the words of the question asked, offering only what the table allows (probe h3 on
the public tables: DCLM, Porian, (Mis)Fitting)."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from l2l.testing import write_csv

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "synthetic_runs.csv"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _loss(i: int, n: float, rng: np.random.Generator) -> float:
    return 3.2 + 0.03 * i - 0.25 * math.log10(n / 1e8) + 0.003 * rng.standard_normal()


def _sets(
    path: Path, seed: int, models_of: Callable[[int], list[tuple[float, float]]], sets: int, seeds: int
) -> Path:
    """A table of ``sets`` datasets ``set0`` … on one eval ``val``, each running ``models_of(i)`` with ``seeds``
    seeds (run ids ``seti-mj`` for one seed, ``seti-mj-ss`` for several), losses from ``_loss``."""
    rng = np.random.default_rng(seed)
    lines = ["dataset,N,D,eval,loss,run_id"]
    for i in range(sets):
        for j, (n, d) in enumerate(models_of(i)):
            for s in range(seeds):
                rid = f"set{i}-m{j}" if seeds == 1 else f"set{i}-m{j}-s{s}"
                lines.append(f"set{i},{n:g},{d:g},val,{_loss(i, n, rng):.5f},{rid}")
    return _write(path, lines)


def test_a_baseline_at_a_model_without_noise_is_the_measured_order_in_the_words_of_a_model(
    run: Any, tmp_path: Path
) -> None:
    """DCLM after --best-of run_id: one run of each model, no law. `rank --method baseline --N --D` was refused with
    "its runs stop at C = 2.49e+20, below the others' largest" and "ranking at a budget needs each dataset's laws",
    though no budget was asked: at a model the baseline is each dataset's run of it, whose noise is unknown. Then it
    was refused ("how sure its measured loss is cannot be said"); now those runs' order is given, unvouched for (no
    interval, no P(best): a mixture sweep's question, probe h80)."""
    # set0 ran a larger model too
    table = _sets(
        tmp_path / "one_run_each.csv",
        0,
        lambda i: [(1e8, 2e9), (1e9, 2e10)] + ([(3e9, 6e10)] if i == 0 else []),
        3,
        1,
    )
    res = run("rank", table, "-t", "val", "--N", "1B", "--D", "20B", "--method", "baseline")
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "leads by the val losses measured at N = 1B, D = 20B, the model asked for" in out
    assert "no P(best) is stated and the order is unchecked" in out
    assert "below the others' largest" not in out
    assert "ranking at a budget" not in out


def test_a_model_no_dataset_ran_without_laws_is_refused_in_the_words_of_a_model(
    run: Any, tmp_path: Path
) -> None:
    # two models, two seeds each: too few for a law; none ran 5B × 100B
    table = _sets(tmp_path / "small.csv", 2, lambda _: [(1e8, 2e9), (3e8, 6e9)], 3, 2)
    res = run("rank", table, "-t", "val", "--N", "5B", "--D", "100B")
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert "ranking at a model needs each dataset's runs of it" in out
    assert "ranking at a budget" not in out
    # (the baseline ranks such a table by what it measured: the hint names it, probe h20's DataDecide shape)
    assert "--method baseline ranks by the loss each dataset measured at its largest budget" in out
    budget = " ".join(run("rank", table, "-t", "val", "--C", "1e21").output.split())
    assert "ranking at a budget needs each dataset's laws" in budget
    assert "--method baseline ranks by the loss each dataset measured" in budget


def test_a_ranking_of_measured_runs_says_nothing_of_extrapolating(run: Any, tmp_path: Path) -> None:
    """DCLM: every ranked value a run of the model asked for, yet "compute is up to 12.2× (a set that was not
    ranked) the largest fitted, inside …'s runs: each dataset's prediction extrapolates from its own runs"."""
    # set4 never ran the 1B model and has too few runs for a law: not ranked (its runs are the small ones)
    table = _sets(
        tmp_path / "measured.csv",
        1,
        lambda i: [(1e8, 2e9), (3e8, 6e9)] + ([(1e9, 2e10)] if i < 4 else []),
        5,
        2,
    )
    res = run("rank", table, "--target", "val", "--N", "1B", "--D", "20B")
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "measured: the mean of its 2 runs of this model" in out
    assert "set4" in out  # listed, not ranked
    assert "the largest fitted" not in out
    assert "extrapolates" not in out


def _own_losses_only(tmp_path: Path) -> Path:
    """The synthetic sample with each dataset's models measured on their own loss alone (Porian's shape)."""
    with SAMPLE.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["eval"] == f"{r['dataset']}_val"]
    table = tmp_path / "own_only.csv"
    write_csv(rows, str(table))
    return table


def test_train_to_test_on_models_measured_on_their_own_loss_alone_is_said_impossible(
    run: Any, tmp_path: Path
) -> None:
    """Porian: `translate --src rw --kind train-test` hinted "name the evals, or all of them (all)", and `--eval
    all` then hinted "name another eval measured on rw's models": there is none; neither hint could work."""
    table = _own_losses_only(tmp_path)
    for extra in ((), ("--eval", "all"), ("--eval", "beta_val")):
        res = run("translate", table, "--src", "alpha", "--kind", "train-test", *extra)
        assert res.exit_code == 1, res.output
        out = " ".join(res.output.split())
        assert (
            "train-to-test is impossible on these runs: alpha's models were measured on their own loss" in out
        )
        assert "(alpha_val) alone" in out
        assert "--kind train-train" in out
        assert "all of them" not in out
        assert "name another eval" not in out
    # a name no eval has is said first: it read "impossible on these runs" (probe h52)
    res = run("translate", table, "--src", "alpha", "--kind", "train-test", "--eval", "foo")
    assert res.exit_code == 1, res.output
    assert "unknown eval 'foo'" in res.output
    assert "impossible" not in res.output


def test_evaluate_on_one_dataset_offers_only_what_the_table_allows(run: Any, tmp_path: Path) -> None:
    """(Mis)Fitting: one dataset, no split column, no accuracies; the refusal's hint offered `fit-law --residuals
    --split SPLIT` and `evaluate --accuracy all`."""
    with SAMPLE.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["dataset"] == "alpha" and r["eval"] == "alpha_val"]
    lines = ["dataset,N,D,eval,loss,run_id"] + [
        f"{r['dataset']},{r['N']},{r['D']},{r['eval']},{r['loss']},{r['run_id']}" for r in rows
    ]
    table = _write(tmp_path / "one_dataset.csv", lines)
    res = run("evaluate", table)
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert "`l2l fit-law --residuals`" in out
    assert "no split" in out
    assert "SPLIT" not in out
    assert "--accuracy" not in out


def test_one_dataset_hint_names_the_splits_and_the_accuracies_where_there_are_some(
    synthetic_runs: Any,
) -> None:
    import polars as pl

    from l2l.workflows.evaluate_tables import one_dataset_hint

    with_splits = one_dataset_hint(synthetic_runs, accuracies=False)
    # the split to fit on, named (h95: `--split heldout`, as the hint let one read it, fitted one run and failed)
    assert (
        "`l2l fit-law --residuals --split sweep` (fitted on sweep, the runs of extrapolation listed"
        in with_splits
    )
    assert "--accuracy" not in with_splits
    assert "`l2l evaluate --accuracy all`" in one_dataset_hint(synthetic_runs, accuracies=True)
    bare = type(synthetic_runs)(synthetic_runs.frame.with_columns(pl.lit(None, pl.String).alias("split")), {})
    assert "SPLIT" not in one_dataset_hint(bare)


def test_the_combined_methods_notes_that_say_the_same_are_said_once() -> None:
    """Porian's `evaluate --holdout-top-compute 1`: "combined:mean: 0 backtest errors are too few …", then the
    same of median and of ivw, for a combined column of dashes."""
    from l2l.workflows.evaluate import _combined_said_once

    too_few = "0 backtest errors are too few to learn an extrapolation error (need 10)"
    notes = [
        "own: something",
        f"combined:mean: {too_few}",
        f"combined:median: {too_few}",
        f"combined:ivw: {too_few}",
        "combined:best: another reason",
    ]
    assert _combined_said_once(notes) == [
        "own: something",
        f"combined (mean, median, ivw): {too_few}",
        "combined:best: another reason",
    ]
    assert _combined_said_once(notes[:2]) == notes[:2]  # one method: as it was


def test_evaluate_of_two_datasets_says_the_combined_methods_note_once(run: Any, tmp_path: Path) -> None:
    with SAMPLE.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["dataset"] != "gamma" and r["eval"] != "gamma_val"]
    table = tmp_path / "two.csv"
    with table.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    res = run("evaluate", table)
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert out.count("0 backtest errors are too few to learn an extrapolation error") == 1
    assert "combined (mean, median, ivw): 0 backtest errors are too few" in out
    assert "combined:mean" not in out


def test_one_reason_that_names_each_dataset_is_counted_as_one_reason(run: Any, tmp_path: Path) -> None:
    """DCLM at a budget: "its own-loss law cannot be fitted: RW_orig…/open_lm_val: 1 run … (and 41 other reasons)"
    was one reason naming each of 42 sets; it reads as one reason of so many datasets."""
    rng = np.random.default_rng(1)
    lines = ["dataset,N,D,eval,loss,run_id"]
    for i in range(4):
        lines.append(f"set{i},1e8,2e9,val,{_loss(i, 1e8, rng):.5f},set{i}-m0")
    table = _write(tmp_path / "one_run.csv", lines)
    res = run("rank", table, "-t", "val", "--C", "1e21")
    assert res.exit_code == 1, res.output
    said = " ".join(res.output.split())
    assert "(4 datasets)" in said
    assert "other reason" not in said
