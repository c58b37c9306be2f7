"""The per-command report builders for ingest and runs, and how a Runs table presents itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest

from l2l.base import schema
from l2l.base.runs import Runs
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace
from l2l.output.reports import ingest_report, runs_report
from tests.conftest import write

if TYPE_CHECKING:
    from l2l.core.ranking import TargetRanking

# ----------------------------------------------------------------------------------------------------
# reports


def test_runs_report_rows(good: Path) -> None:
    rep = runs_report(read_runs([good / "long.csv"]))
    assert rep.kind == "runs"
    assert [(r["dataset"], r["eval"], r["own"]) for r in rep.rows] == [
        ("code", "code_val", True),
        ("code", "web_val", False),
        ("web-corpus", "web_val", True),
        ("web-corpus", "code_val", False),
    ]
    r = rep.rows[2]
    assert (r["runs"], r["N_min"], r["N_max"], r["splits"]) == (3, 2e7, 2e8, ["holdout", "sweep"])
    assert r["N_range"] == "20M–200M"


def test_runs_report_notes_datasets_without_own_eval(tmp_path: Path) -> None:
    rep = runs_report(read_runs([write(tmp_path / "r.csv", "dataset,N,D,eval,loss\nweb,1e8,2e9,c4,3\n")]))
    assert any("no own eval for web" in n for n in rep.notes)


def test_datasets_sharing_an_eval_without_own_evals_are_told_all_eval(tmp_path: Path) -> None:
    """A DataDecide-shaped table (every recipe on one validation eval and task losses beside it) was told to pass
    --own-eval DATASET=EVAL for each of 25 recipes (probe h40): all=EVAL names one for all, the candidates named,
    a task's loss (an accuracy of its name beside it) last."""
    rows = ["dataset,N,D,eval,metric,value"]
    for ds in ("web", "code"):
        for n in (1e8, 2e8, 4e8):
            rows += [f"{ds},{n:g},{20 * n:g},{ev},{m},{v}" for ev, m, v in
                     (("arc", "loss", 1.5), ("arc", "accuracy", 0.4), ("paloma_c4", "loss", 3.0))]  # fmt: skip
    rep = runs_report(read_runs([write(tmp_path / "dd.csv", "\n".join(rows) + "\n")]))
    assert (
        "no own eval for code, web (pass --own-eval DATASET=EVAL to l2l ingest, or --own-eval all=EVAL for an eval "
        "each of them is measured on (paloma_c4, arc))"
    ) in rep.notes


def test_datasets_each_measured_on_one_eval_of_its_own_are_told_which(tmp_path: Path) -> None:
    """A wide export whose datasets each log one loss under a generic name (loss/val, val/loss, eval_loss): the
    note named no eval to give (probe h50)."""
    rows = ["dataset,N,D,eval,loss"]
    for ds, ev in (("web", "loss/val"), ("code", "val/loss"), ("books", "eval_loss")):
        rows += [f"{ds},{n:g},{20 * n:g},{ev},{3 - n / 1e9:.3f}" for n in (1e8, 2e8, 4e8)]
    rep = runs_report(read_runs([write(tmp_path / "one.csv", "\n".join(rows) + "\n")]))
    assert (
        "no own eval for books, code, web (pass --own-eval DATASET=EVAL to l2l ingest; measured on one eval alone: "
        "--own-eval books=eval_loss --own-eval code=val/loss --own-eval web=loss/val)"
    ) in rep.notes


def test_ingest_report_says_how_own_evals_were_decided(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    runs = read_runs([good / "long.csv"], own_eval={"web": "code_val"})
    rep = ingest_report(ws.save(runs), added=runs, workspace=ws)
    assert rep.meta["own_eval"] == {
        "code": {"eval": "code_val", "how": "detected"},
        "web-corpus": {"eval": "code_val", "how": "explicit"},
    }
    assert rep.rows[0]["kept"] == 10


def test_runs_repr() -> None:
    frame = pl.DataFrame(
        {
            "dataset": ["a"],
            "N": [1.0],
            "D": [1.0],
            "C": [6.0],
            "eval": ["v"],
            "loss": [1.0],
            "run_id": ["r"],
            "split": [None],
            "n_repeats": [1],
        },
        schema={c: getattr(pl, t) for c, t in schema.DTYPES.items()},
    )
    assert repr(Runs(frame, {})) == "Runs(1 run, 1 row, 1 dataset, 1 eval)"


def test_a_poor_accuracy_law_counts_as_fitted_and_poor_not_failed() -> None:
    from l2l.output.reports.accuracy import _fits_summary

    rows = [
        {"status": "poor", "laws": {"*": {}}, "pooled": True, "backtest_mae_points": 12.4},
        {"status": "failed", "laws": {}, "pooled": None, "backtest_mae_points": None},
    ]
    assert _fits_summary(rows) == (
        "1 of 2 accuracy evals fitted (1 poor); 1 pooled, 0 per dataset; backtest error 12.40 points; 1 failed"
    )


def test_a_rank_backtest_on_different_pair_sets_compares_shares_not_counts() -> None:
    """The baseline scores only the pairs of datasets it can value: "4 more pairs of 6" compared 10/10 with 6/6."""
    from l2l.output.reports.ranking import _backtest_verdict
    from l2l.workflows.rank_eval import MethodAccuracy, RankBacktest

    def bt(rec: tuple[int, int], base: tuple[int, int]) -> RankBacktest:
        methods = (MethodAccuracy("recommended", *rec, 0, 0), MethodAccuracy("baseline", *base, 0, 0))
        return RankBacktest("split = heldout", ("a", "b", "c"), methods, (), 0.005, 100)

    (level,) = _backtest_verdict(bt((10, 10), (6, 6)))
    assert level.startswith("recommended is level with the single-scale baseline on its own pairs: 10/10")
    (beats,) = _backtest_verdict(bt((10, 10), (5, 6)))
    assert beats.startswith("recommended beats the single-scale baseline on its own pairs")
    (same,) = _backtest_verdict(bt((9, 10), (7, 10)))
    assert same.startswith("recommended beats the single-scale baseline: 90.0% vs 70.0% (2 more pairs of 10)")


def test_a_reach_of_a_million_times_the_fitted_compute_suggests_the_units() -> None:
    """A probe's N and D in billions (0.1, 20): `optimal --C 1e20` said only "1e+19× in compute"."""
    from l2l.output.reports.common import reach

    far = reach({"C_ratio": 1e19, "N_ratio": 3e10, "D_ratio": 2e8})
    assert far.startswith("target / largest fitted: 1e+19× in compute, 3e+10× in N, 2e+08× in D")
    assert "may be in other units: millions, billions" in far
    assert "units" not in reach({"C_ratio": 20.5, "N_ratio": 1.89, "D_ratio": 1.41})


def test_evaluate_accuracy_at_80_columns_keeps_coverage_and_half_width() -> None:
    """A probe's 80-column table kept a 49-character method name and left out coverage and half-width, the columns
    that say whether the intervals held: the counts and the MAE over every eval leave first, the method wraps."""
    from l2l.output.render import layout
    from l2l.output.reports import accuracy_evaluation_report
    from l2l.workflows.accuracy_eval import AccuracyEvaluation, AccuracyMethodSummary

    def row(method: str, kind: str | None, mae: float, cov: float | None) -> AccuracyMethodSummary:
        width = None if cov is None else 5.0 + mae
        n = 30 if cov else 0
        return AccuracyMethodSummary(method, kind, 30, mae + 1, 5, mae, 4, cov, width, n)  # type: ignore[arg-type]

    summary = (
        row("baseline", None, 8.24, None),
        row("paper", "measured", 7.72, None),
        row("paper", "predicted", 8.51, None),
        row("l2l", "measured", 0.75, 1.0),
        row("l2l", "predicted", 1.06, 0.9),
    )
    ev = AccuracyEvaluation("split = extrapolation", 6, ("a", "b", "c", "d", "e"), (), summary, {}, {})
    shown, left = layout(accuracy_evaluation_report(ev)[0], 80)
    keys = [c.key for c in shown]
    assert {"label", "mae_points_predictable", "coverage", "median_half_width_points"} <= set(keys)
    assert "backtested" in keys  # (whether those intervals were backtested, as the loss table says it)
    assert [c.key for c in left if c.key not in ("n_evals", "n_predictable")] == ["mae_points"]


def test_evaluate_accuracy_says_beside_each_coverage_whether_its_intervals_were_backtested() -> None:
    """ "coverage 60.0 %" was read as 90 % intervals' miss where every one was a lower bound, said only in a note
    under the table (probes h20, h52, h62): the row says it, as the loss table's ``backtested`` column does."""
    from l2l.output.reports import accuracy_evaluation_report
    from l2l.workflows.accuracy_eval import AccuracyEvaluation, AccuracyMethodSummary

    def row(kind: str, cov: float | None, n: int, lower: int) -> AccuracyMethodSummary:
        return AccuracyMethodSummary("l2l", kind, 5, 3.0, 5, 3.0, 5, cov, 4.0, n, lower)  # type: ignore[arg-type]

    summary = (row("measured", 0.6, 5, 5), row("predicted", 0.8, 5, 2), row("predicted", 0.9, 10, 0))
    ev = AccuracyEvaluation("split = extrapolation", 6, ("a",), (), summary, {}, {})
    rows = accuracy_evaluation_report(ev)[0].rows
    assert [r["backtested"] for r in rows] == ["no (lower bound)", "partly (40 % lower bounds)", "yes"]
    none = AccuracyEvaluation("split = x", 6, ("a",), (), (row("measured", None, 0, 0),), {}, {})
    assert accuracy_evaluation_report(none)[0].rows[0]["backtested"] is None


def _ranked(metric: str, values: dict[str, tuple[float, float, float, float]]) -> TargetRanking:
    """A one-target ranking of ``values`` (dataset → value, lo, hi, P(best)), the first the leader, no contender."""
    from l2l.core.ranking import DatasetPrediction, TargetRanking

    rows = tuple(
        DatasetPrediction(name, "ok", None, 1e9, 2e10, None, None, v, v, lo, hi, pb, k + 1, 1.0, None)
        for k, (name, (v, lo, hi, pb)) in enumerate(values.items())
    )
    leader = next(iter(values))
    return TargetRanking("hellaswag", 1.0, "recommended", rows, leader, False, (leader,), (), metric=metric)  # type: ignore[arg-type]


def test_a_headline_without_contenders_names_the_printed_intervals_that_reach_the_leader() -> None:
    """A probe's headline said no other dataset "reaches its value inside its 90% interval" beside the printed
    intervals of books and web that did (news 58.1, books [49.9, 60.3]): the test compares each dataset with the
    datasets' mean in each draw, and the headline says so and names the printed intervals that reach it."""
    from l2l.output.reports.ranking import _verdict

    acc = _ranked(
        "accuracy",
        {
            "news": (0.581, 0.528, 0.646, 0.86),
            "books": (0.554, 0.499, 0.603, 0.11),
            "web": (0.550, 0.508, 0.591, 0.02),
            "code": (0.500, 0.450, 0.540, 0.01),
        },
    )
    said = " ".join(_verdict(acc, "Best", 0.9).split())
    assert (
        "measured against the datasets' mean in each draw, reaches its value inside its 90% interval" in said
    )
    assert "the printed intervals of books, web reach its value" in said
    loss = _ranked("loss", {"news": (2.459, 2.394, 2.502, 0.95), "books": (2.492, 2.456, 2.542, 0.05)})
    assert "the printed interval of books reaches its value" in _verdict(loss, "Best", 0.9)
    apart = _ranked("loss", {"news": (2.459, 2.394, 2.502, 0.95), "books": (2.592, 2.556, 2.642, 0.05)})
    assert "printed" not in _verdict(apart, "Best", 0.9)


def test_a_tie_names_the_dataset_most_often_best_when_it_is_not_the_point_leader() -> None:
    """Past a crossover the laws see, the sweep's order kept beta first by the point prediction while gamma was
    best in more draws (probe p62 D3: P(best) 0.36 vs 0.37, row 1 vs row 3): the TIE's headline says both."""
    import dataclasses

    from l2l.output.reports.ranking import _verdict

    three = _ranked(
        "loss",
        {
            "beta": (1.22, 0.99, 1.52, 0.36),
            "alpha": (1.31, 1.05, 1.61, 0.27),
            "gamma": (1.35, 1.09, 1.67, 0.37),
        },
    )
    tie = dataclasses.replace(three, tie=True, contenders=("beta", "alpha", "gamma"))
    said = " ".join(_verdict(tie, "Best", 0.9).split())
    assert said.endswith(
        "beta, alpha, gamma (leader beta by the point prediction; most often best in the draws: gamma, P(best) 0.37)"
    )
    agree = _ranked("loss", {"beta": (1.22, 0.99, 1.52, 0.46), "gamma": (1.35, 1.09, 1.67, 0.44)})
    said = _verdict(dataclasses.replace(agree, tie=True, contenders=("beta", "gamma")), "Best", 0.9)
    assert said.endswith("(leader beta by the point prediction)")


def test_an_accuracy_rankings_change_of_winner_across_budgets_is_said() -> None:
    """An accuracy ranking said nothing on budgets (its task loss's ranking said its winner changed): the scan is
    made by accuracy, and said as the loss ranking's is."""
    import dataclasses

    from l2l.core.ranking import Flip
    from l2l.output.reports.ranking import _flip_words

    acc = _ranked("accuracy", {"books": (0.754, 0.726, 0.805, 0.8), "code": (0.716, 0.69, 0.75, 0.2)})
    changes = dataclasses.replace(acc, flips=(Flip(9.7e20, "books", "code"),))
    assert _flip_words(changes, 1e20) == [
        "hellaswag: the recommended ranking's winner by accuracy changes from books to code at C ≈ 9.7e20"
    ]
    assert _flip_words(acc, 1e20) == [
        "hellaswag: the recommended ranking's winner by accuracy is the same for every C from 1e19 to 1e21"
    ]


def test_a_note_shared_by_many_laws_is_said_once_and_the_flags_cell_stays_short(tmp_path: Path) -> None:
    """On a 20-dataset table the poor-law reason and one warning, repeated for every law, took 140 of fit-law's 232
    lines at 80 columns, and each row's flags cell wrapped the reason onto four lines (probe p65)."""
    import dataclasses

    import l2l.testing
    from l2l.core.fit import FitOptions, LawFit
    from l2l.output.render import render
    from l2l.output.reports.laws import fits_report
    from l2l.workflows.lawbook import FitOutcome, fit_laws

    path = tmp_path / "synthetic.csv"
    pl.DataFrame(l2l.testing.synthetic_runs()).write_csv(path)
    got = fit_laws(read_runs([path]), split="sweep", options=FitOptions(form="l2l"), workers=1)
    law = next(r for r in got.results if isinstance(r, LawFit))
    names = [f"mix{k:02d}" for k in range(5)]
    why = "poor law: only 7 distinct models (N, D) for its 5 parameters"
    outcome = FitOutcome(
        [(n, f"{n}_val") for n in names],
        [dataclasses.replace(law, dataset=n, eval=f"{n}_val") for n in names],
        0,
        0.5,
        flags={(n, f"{n}_val"): why for n in names},
    )
    (rep,) = fits_report(outcome, form="l2l", objective="huber", delta=1e-3, equation="Eq. 3")
    said = [n for n in rep.notes if why in n]
    assert said == [f"mix00/mix00_val, mix01/mix01_val, mix02/mix02_val … (5 laws): {why}"]
    assert all(r["flags"] == why for r in rep.rows)  # JSON and CSV keep the reason
    out: list[str] = []
    render(rep, "table", write=out.append)
    cells, _, after = "".join(out).partition("┘")
    assert "poor law (notes)" in cells
    assert "distinct models" not in cells
    assert after.count("distinct models") == 1


def test_a_law_that_failed_says_not_fitted_in_its_flags_cell_not_none() -> None:
    """A dataset without an own eval is a failed row of fit-law; its flags cell printed Python's "None" (h1)."""
    from l2l.base.errors import FitError
    from l2l.output.render import render
    from l2l.output.reports.laws import fits_report
    from l2l.workflows.lawbook import FitOutcome

    outcome = FitOutcome([("code", "own")], [FitError("no own eval for dataset code")], 0, 0.1)
    (rep,) = fits_report(outcome, form="l2l", objective="huber", delta=1e-3, equation="Eq. 3")
    assert rep.rows[0]["flags"] == "not fitted"
    out: list[str] = []
    render(rep, "table", write=out.append)
    cells = "".join(out).partition("┘")[0]
    assert "not fitted" in cells
    assert "None" not in cells


def test_fit_accuracy_counts_a_runs_seeds_as_one_run_and_says_how_many_accuracies_it_fitted(
    tmp_path: Path,
) -> None:
    """ "runs 420" of 140 runs × 3 seeds (probe p65 D9): the runs column counts runs as the losses do, and one note
    says the accuracies of the seeds are fitted each."""
    from l2l.output.reports.accuracy import accuracy_fits_report
    from l2l.workflows.accuracy import fit_accuracy_laws
    from tests.conftest import seeded_accuracy_table

    runs = read_runs([seeded_accuracy_table(tmp_path)])
    main = accuracy_fits_report(fit_accuracy_laws(runs, ["quiz"], chance={"quiz": 0.25}))[0]
    assert [r["n_runs"] for r in main.rows] == [6]
    assert next(c for c in main.columns if c.key == "n_runs").header == "runs"
    assert (
        "quiz: 18 accuracies of 6 runs, each fitted: a run's repeats (its seeds, or its checkpoints in a per-step "
        "log) are several accuracies, each against the loss it is paired with (the seeds' mean; the checkpoint's "
        "own)"
    ) in main.notes


@pytest.mark.parametrize(
    ("checkpoints", "kept", "said"),
    [
        (
            "final",
            9,
            "9 kept, 1 rejected, 15 left out by --where, 23 left out as checkpoints not kept (--checkpoints final)",
        ),
        ("all", 32, "32 kept, 1 rejected, 15 left out by --where"),
    ],
)
def test_ingest_report_counts_a_wide_logs_values_on_one_base_and_says_what_each_is(
    tmp_path: Path, ws_path: Path, checkpoints: str, kept: int, said: str
) -> None:
    # (h48's wide per-step table: "kept 425 of 428 values" beside "2 of 144 rows left out" and 1 rejected, of 144
    # rows × 3 losses: --where's rows counted as rows beside values, and nothing said what summed to what)
    from tests.io.test_ingest_counts import wide_log

    ws = Workspace.locate(None)
    path = write(tmp_path / "w.csv", wide_log())
    runs = read_runs(
        path, wide=True, loss_columns="*/loss", checkpoints=checkpoints, where=["N<5e7", "quiz/loss!=—"]
    )
    rep = ingest_report(ws.save(runs), added=runs, workspace=ws)
    assert rep.title == f"Ingested 1 file: kept {kept} of 48 values"
    row = rep.rows[0]
    assert (row["read"], row["kept"], row["merged"], row["rejected"], row["left_out"]) == (
        48,
        kept,
        0,
        1,
        47 - kept,
    )
    assert f"{path}: of its 48 values read (16 rows × 3 loss columns): {said}" in rep.notes
    assert (
        f"{path}: --where N<5e7 and quiz/loss!=—: 5 of 16 rows left out (15 values: 3 loss columns each)"
        in rep.notes
    )
