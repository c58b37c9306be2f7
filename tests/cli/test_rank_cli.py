"""`l2l rank` end to end on seeded synthetic tables from known laws: a known winner on each side of a known flip
budget, ties, a dataset too small to fit, the JSON and CSV shapes, the backtest, and usage errors."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.core.laws import ScalingLaw
from l2l.testing import PAPER_LIKE_LAW, Shift, law_samples, write_csv
from tests.conftest import REPO

# "steady" reaches a lower irreducible loss but scales worse: it loses at small budgets and wins at large ones;
# "poor" loses everywhere; "tiny" has 4 runs, too few for a 5-parameter law.
FAST = PAPER_LIKE_LAW
STEADY = ScalingLaw("l2l", A=2 * FAST.A, B=2 * FAST.B, E=FAST.E - 0.1, alpha=FAST.alpha, beta=FAST.beta)
POOR = ScalingLaw("l2l", A=FAST.A, B=FAST.B, E=FAST.E + 0.3, alpha=FAST.alpha, beta=FAST.beta)
BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
SIZES = 5  # model sizes per budget
DRAWS = "100"
#: The rankings of the flip and twin tables ask for form l2l: their laws' form and auto's choice on them (measured:
#: the same JSON, CSV and table either way), without refitting every form for the choice's backtests.
FORM = ("--form", "l2l")


def _shift(law: ScalingLaw) -> Shift:
    """The target eval T as a function of a dataset's own loss (its irreducible loss follows the dataset's)."""
    return Shift(K=1.1, kappa=0.9, E1=law.E + 0.3)


def _target_at_optimum(law: ScalingLaw, c: float) -> float:
    n, d = law.compute_optimal(c)
    return float(_shift(law).apply(law.predict(n, d), law.E))


def _true_flip() -> float:
    """The compute where STEADY's compute-optimal T loss drops below FAST's (bisection on log C)."""
    lo, hi = 19.0, 23.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _target_at_optimum(FAST, 10**mid) < _target_at_optimum(STEADY, 10**mid):
            lo = mid
        else:
            hi = mid
    return float(10 ** (0.5 * (lo + hi)))


def _rows(name: str, law: ScalingLaw, seed: int, keep: int | None = None) -> list[dict[str, Any]]:
    n, d, own = law_samples(law, budgets=BUDGETS, sizes_per_budget=SIZES, noise=0.002, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    target = _shift(law).apply(law.predict(n, d), law.E) * np.exp(0.002 * rng.standard_normal(len(n)))
    other = 0.8 * (own - law.E) ** 1.2 + law.E + 0.5  # a second task U
    if keep is not None:
        n, d, own, target, other = n[-keep:], d[-keep:], own[-keep:], target[-keep:], other[-keep:]
    out = []
    for i in range(len(n)):
        for ev, y in ((f"{name}_val", own[i]), ("downstream/T", target[i]), ("downstream/U", other[i])):
            out.append(
                {"dataset": name, "N": n[i], "D": d[i], "eval": ev, "loss": float(y), "run_id": f"{name}{i}"}
            )
    return out


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _invoke(*args: str | Path, workspace: Path) -> Any:
    from typer.testing import CliRunner

    from l2l.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"L2L_WORKSPACE": str(workspace)})


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rank")


@pytest.fixture(scope="module")
def flip_csv(tmp: Path) -> Path:
    rows = (
        _rows("fast", FAST, 1)
        + _rows("steady", STEADY, 2)
        + _rows("poor", POOR, 3)
        + _rows("tiny", FAST, 4, 4)
    )
    return _write(tmp / "flip.csv", rows)


def _ingested(table: Path, workspace: Path) -> Path:
    """A workspace holding ``table``: the rankings of one table share its laws, bootstrap draws and backtests
    there (a ranking's answer is the same warm or cold: tests/workflows/test_warm.py), instead of refitting them from
    the table for each command. ``rank TABLE`` itself is run cold below (the short sweep, the usage errors)."""
    result = _invoke("ingest", table, workspace=workspace)
    assert result.exit_code == 0, result.output
    return workspace


@pytest.fixture(scope="module")
def flip_ws(flip_csv: Path, tmp: Path) -> Path:
    return _ingested(flip_csv, tmp / "ws_flip")


@pytest.fixture(scope="module")
def after_flip(flip_ws: Path) -> Any:
    """The laws' own ranking (``--method independent``) at 3x the true flip budget, as JSON (its flip scan covers
    a decade either side)."""
    args = ("rank", "-t", "downstream/T", "--C", f"{_true_flip() * 3:.6g}", "--draws", DRAWS)
    return _json(_invoke(*args, *FORM, "--method", "independent", "-f", "json", workspace=flip_ws))


def test_recommended_keeps_the_measured_order_when_the_laws_never_beat_it(flip_ws: Path) -> None:
    # the flip lies beyond the sweep: inside it (its largest budget held out) the laws order no pair better than
    # the single-scale baseline, so the recommended ranking keeps the order the sweep measured, and says so
    args = ("rank", "-t", "downstream/T", "--C", f"{_true_flip() * 3:.6g}", "--draws", DRAWS)
    doc = _json(_invoke(*args, *FORM, "-f", "json", workspace=flip_ws))
    assert doc["leader"] == "fast"
    assert any("laws not used" in n for n in doc["notes"])


@pytest.fixture(scope="module")
def twin_csv(tmp: Path) -> Path:
    rows = _rows("fast", FAST, 1) + _rows("twin", FAST, 1) + _rows("poor", POOR, 3)
    return _write(tmp / "twin.csv", rows)


@pytest.fixture(scope="module")
def twin_ws(twin_csv: Path, tmp: Path) -> Path:
    return _ingested(twin_csv, tmp / "ws_twin")


def test_known_winner_and_the_budget_where_it_flips(after_flip: Any) -> None:
    doc = after_flip
    assert doc["kind"] == "rank"
    assert doc["leader"] == "steady"
    assert not doc["tie"]
    assert [(f["before"], f["after"]) for f in doc["flips"]] == [("fast", "steady")]
    # two nearly parallel curves cross: a small error in their gap moves the crossing a lot; within a factor 3
    assert_allclose(math.log10(doc["flips"][0]["C"]), math.log10(_true_flip()), atol=math.log10(3.0))
    ranks = {r["dataset"]: r["rank"] for r in doc["rows"]}
    assert ranks == {"steady": 1, "fast": 2, "poor": 3, "tiny": None}


def test_a_dataset_without_enough_runs_is_listed_with_its_reason(after_flip: Any) -> None:
    tiny = next(r for r in after_flip["rows"] if r["dataset"] == "tiny")
    assert tiny["status"] == "failed"
    assert "4 runs cannot fit" in tiny["reason"]
    assert tiny["p_best"] is None  # null in JSON: a script must not read "certainly not best"
    # the headline's "no other is a contender" holds among the ranked only: tiny may be the best (a probe's was)
    assert after_flip["summary"].endswith("among the ranked; not ranked: tiny)")


def test_before_the_flip_the_other_dataset_wins_and_the_table_says_so(flip_ws: Path, tmp: Path) -> None:
    fig = tmp / "rank.png"
    args = ("rank", "-t", "downstream/T", "--C", f"{_true_flip() / 30:.6g}", "--draws", DRAWS)
    res = _invoke(*args, *FORM, "--plot", fig, workspace=flip_ws)
    assert res.exit_code == 0, res.output
    assert ": fast, P(best)" in res.stdout
    assert "no other dataset is a contender" in res.stdout
    assert "│ tiny " in res.stdout  # listed in the table, not dropped
    assert "tiny: not ranked:" in res.stdout
    assert fig.stat().st_size > 10_000


def test_identical_datasets_are_a_tie_and_weights_combine(twin_ws: Path) -> None:
    args = ("rank", "-t", "downstream/*", "-t", "downstream/T=2", "--C", "1e21", "--draws", DRAWS)
    doc = _json(_invoke(*args, *FORM, "-f", "json", workspace=twin_ws))
    assert doc["tie"] is True
    assert set(doc["contenders"]) == {"fast", "twin"}
    assert any("TIE" in n for n in doc["notes"])
    # a glob's weight is shared by its matches: T 2 + 1/2, U 1/2
    weights = {r["target"]: r["weight"] for r in doc["rows"]}
    assert_allclose([weights["downstream/T"], weights["downstream/U"]], [2.5, 0.5], rtol=1e-12)
    assert len(doc["rows"]) == 2 * 3
    assert {r["dataset"] for r in doc["combined"]} == {"fast", "twin", "poor"}
    p = {r["dataset"]: r["p_best"] for r in doc["combined"]}
    assert p["poor"] < 0.05
    assert_allclose(sum(p.values()), 1.0, rtol=1e-9)


def test_csv_has_one_row_per_dataset_at_the_given_model_size(twin_ws: Path) -> None:
    args = ("rank", "-t", "downstream/U", "--N", "1B", "--D", "20B", "--draws", "100", "-f", "csv")
    res = _invoke(*args, *FORM, workspace=twin_ws)
    assert res.exit_code == 0, res.output
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["dataset"] for r in table][2] == "poor"
    assert {"target", "dataset", "rank", "value", "lo", "hi", "p_best", "independent", "translation"} <= set(
        table[0]
    )
    assert {(float(r["N"]), float(r["D"])) for r in table} == {(1e9, 2e10)}


@pytest.fixture(scope="module")
def synthetic_ws(synthetic_workspace: Path, tmp: Path) -> Path:
    """A copy of the synthetic sample's shared workspace (ingested, its laws kept: tests/conftest.py), for this
    module's commands on the sample."""
    ws = tmp / "ws_synthetic"
    shutil.copytree(synthetic_workspace, ws)
    return ws


def test_backtest_scores_every_method_and_the_baseline(synthetic_ws: Path) -> None:
    args = ("rank", "-t", "downstream/*", "--holdout", "split=extrapolation", "--draws", "100")
    doc = _json(_invoke(*args, "-f", "json", workspace=synthetic_ws))
    assert doc["kind"] == "rank-backtest"
    assert [r["method"] for r in doc["rows"]] == ["baseline", "independent", "translation", "recommended"]
    # 3 datasets, one held-out (N, D) each, 2 targets: 3 pairs per target
    assert all(r["pairs"] == 6 for r in doc["rows"])
    assert [t["pairs"] for t in doc["targets"]] == [3, 3]
    assert all(0 <= r["right"] <= 6 for r in doc["rows"])


@pytest.mark.parametrize(
    "args",
    [
        ("-t", "downstream/T", "--C", "1e21", "--N", "1B"),
        ("--C", "1e21"),
        ("-t", "downstream/T=abc", "--C", "1e21"),
        ("-t", "downstream/T", "--N", "1B"),
        ("-t", "downstream/T", "--C", "1e21", "--level", "1.5"),
        ("-t", "downstream/T", "--C", "1e21", "--method", "best"),
        ("-t", "downstream/T", "--C", "1e21", "--holdout", "split=extrapolation"),
    ],
    ids=["C-and-N", "no-target", "bad-weight", "N-without-D", "level", "method", "holdout-with-C"],
)
def test_bad_options_are_one_line_usage_errors(flip_csv: Path, tmp: Path, args: tuple[str, ...]) -> None:
    res = _invoke("rank", flip_csv, *args, workspace=tmp / "ws")
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("Error: ")
    assert len(lines) <= 2  # the error, and maybe a hint


def test_evaluate_ranking_setting_scores_the_test_and_downstream_evals(
    synthetic_runs: Any, synthetic_ws: Path
) -> None:
    from l2l.io.caches import saved_calibrations, saved_fits
    from l2l.io.workspace import Workspace
    from l2l.workflows.rank_eval import evaluate_ranking

    ws = Workspace(synthetic_ws)  # the sample's laws and backtests, as the commands on it kept them
    bt = evaluate_ranking(
        synthetic_runs,
        test=["alpha_val"],
        downstream=["downstream/quiz"],
        draws=100,
        cache=saved_fits(ws),
        calibrations=saved_calibrations(ws),
    )
    assert [t.target for t in bt.targets] == ["alpha_val", "downstream/quiz"]
    assert [m.method for m in bt.methods] == ["baseline", "independent", "translation", "recommended"]
    assert all(m.pairs == 6 for m in bt.methods)  # 3 datasets, one held-out (N, D), 2 targets
    assert bt.holdout == "split = extrapolation"


def test_predictions_across_budgets_show_the_flip(after_flip: Any) -> None:
    curve = after_flip["curves"]["downstream/T"]
    assert len(curve) == 25
    first, last = curve[0]["values"], curve[-1]["values"]
    assert min(first, key=first.get) == "fast"  # a decade below 3x the flip budget: fast wins
    assert min(last, key=last.get) == "steady"
    assert_allclose([curve[0]["C"], curve[-1]["C"]], [_true_flip() * 0.3, _true_flip() * 30], rtol=1e-5)


def test_budget_figure_data_marks_each_flip(twin_csv: Path) -> None:
    from l2l.core.rank_model import Budget, fit_rank_model
    from l2l.core.ranking import rank
    from l2l.io.tables import read_runs
    from l2l.output.plots import rank_budget_figure_data
    from l2l.workflows.rank import candidates_from_frame

    runs = read_runs([twin_csv])
    cands = candidates_from_frame(runs.frame, runs.own_eval, runs.datasets, ["downstream/T"], 6.0)
    res = rank(fit_rank_model(cands, "downstream/T", draws=2), Budget(C=1e21))
    data = rank_budget_figure_data(res)
    assert set(data.curves["dataset"]) == {"fast", "twin", "poor"}
    assert len(data.curves) == 25 * 3
    assert data.budget["C"].tolist() == [1e21]


def test_a_fixed_model_every_dataset_measured_says_the_ranking_restates_it(synthetic_ws: Path) -> None:
    """Without --split the runs at the asked (N, D) are in the fit: the ranking says it mostly restates them; with
    the split that holds them out it does not."""
    args = ("rank", "-t", "own", "--N", "3.3e9", "--D", "5.0505e10", "--draws", DRAWS)
    res = _invoke(*args, workspace=synthetic_ws)
    assert res.exit_code == 0, res.output
    assert "the ranking mostly restates the measured losses" in " ".join(res.stdout.split())
    held = _invoke(*args, "--split", "sweep", workspace=synthetic_ws)
    assert held.exit_code == 0, held.output
    assert "restates" not in held.stdout


def test_a_dataset_whose_runs_stop_early_does_not_move_the_others(tmp: Path) -> None:
    """'steady' stops at 2e18, 25x below the others: each dataset's recommended prediction stays with its own law
    (before, the laws' change from each anchor was averaged across datasets as if all anchors were at one budget:
    the short dataset's long change moved the others by ~8 %, and its own by ~20 %)."""
    short = [r for r in _rows("steady", STEADY, 2) if 6 * r["N"] * r["D"] <= 2e18 * (1 + 1e-6)]
    table = _write(tmp / "short.csv", _rows("fast", FAST, 1) + short + _rows("poor", POOR, 3))
    c = 1e21
    doc = _json(
        _invoke("rank", table, "-t", "downstream/T", "--C", str(c), "-f", "json", workspace=tmp / "ws_short")
    )
    rows = {r["dataset"]: r for r in doc["rows"]}
    truth = {
        name: _target_at_optimum(law, c) for name, law in (("fast", FAST), ("steady", STEADY), ("poor", POOR))
    }
    # measured: -0.8 %, +1.0 %, -1.8 % (each from its own optimum at 5e19; before that -2.2 % for steady, its
    # anchor's mean over the grid's sizes: +1.0 %, -0.4 % for the others; before that: -8.9 %, +20.2 %, -10.2 %)
    for name, want in truth.items():
        assert abs(rows[name]["recommended"] / want - 1) < 0.03, (name, rows[name]["recommended"], want)
    # steady and fast are 0.3 % apart, the order only the laws can see (trust 0, no backtest): steady first, or a
    # tie that names it
    assert doc["leader"] == "steady" or (doc["tie"] and "steady" in doc["contenders"])
    assert [r["dataset"] for r in doc["rows"]][-1] == "poor"
    assert any("its runs stop at C = 2e+18" in n for n in rows["steady"]["notes"])
    assert not [n for n in rows["fast"]["notes"] if "runs stop" in n]  # the short one's note is its own


def test_the_baseline_never_compares_measured_losses_at_different_budgets(run: Any, tmp_path: Path) -> None:
    """beta's runs stop a budget below the others': its measured loss there ranks the budget, not the dataset."""
    import csv

    with (REPO / "sample_data" / "synthetic_runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    kept = [
        r for r in rows if r["split"] == "sweep" and not (r["dataset"] == "beta" and float(r["C"]) == 5e19)
    ]
    table = tmp_path / "short_beta.csv"
    with table.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(kept)
    # form l2l, auto's choice on the sample: the same ranking (measured: identical JSON) without the choice's backtests
    args = ("rank", table, "-t", "downstream/quiz", "--C", "1e21", "--method", "baseline", "--form", "l2l")
    doc = json.loads(run(*args, "-f", "json").stdout)
    by = {r["dataset"]: r for r in doc["rows"]}
    assert by["alpha"]["value"] is not None
    assert by["gamma"]["value"] is not None
    assert by["beta"]["value"] is None
    assert any("below the others' largest" in n for n in by["beta"]["notes"])


def test_baseline_rows_show_the_sizes_their_values_were_measured_at_not_the_budgets_optimum(run: Any) -> None:
    """A baseline value is the loss measured at the dataset's largest budget (C = 5e19 here): its row printed N*,
    D* at the asked C = 1e21 beside it (a probe: 8.97B, 186B beside a value measured at 1.3B × 52B)."""
    import csv

    table = REPO / "sample_data" / "synthetic_runs.csv"
    with table.open() as fh:
        top = [r for r in csv.DictReader(fh) if r["split"] == "sweep" and float(r["C"]) == 5e19]
    n = sorted({float(r["N"]) for r in top})
    d = sorted({float(r["D"]) for r in top})
    args = ("rank", table, "--split", "sweep", "-t", "downstream/quiz", "--C", "1e21", "--method", "baseline")
    doc = json.loads(run(*args, "--form", "l2l", "-f", "json").stdout)
    for row in doc["rows"]:
        assert_allclose([row["top_N_lo"], row["top_N_hi"]], [n[0], n[-1]], rtol=1e-9)
        assert_allclose([row["top_D_lo"], row["top_D_hi"]], [d[0], d[-1]], rtol=1e-9)
        assert row["N"] is not None  # the data keep N*, D* at 1e21 (4.08B, not shown in the table)
    table_out = run(*args, "--form", "l2l").stdout
    assert "N run" in table_out
    assert "┃    N* ┃" not in table_out
    assert "4.08B" not in table_out
    assert table_out.count("│ 141M–5.07B │ 1.64B–59.1B │") == 3
    assert "N run, D run: the sizes of the runs whose measured loss is the baseline's value" in table_out


def _trimmed(tmp_path: Path, few: set[str]) -> Path:
    """The synthetic sweep with each dataset in ``few`` cut to 3 runs (too few for a law): two at the smallest
    budget and ONE at the largest, so nothing of its own tells the noise of its measured loss there."""
    import csv

    with (REPO / "sample_data" / "synthetic_runs.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["split"] == "sweep"]
    keep: set[tuple[str, str]] = set()
    for name in few:
        ids = {
            c: sorted({r["run_id"] for r in rows if r["dataset"] == name and float(r["C"]) == c})
            for c in (2e17, 5e19)
        }
        keep |= {(name, i) for i in ids[2e17][:2] + ids[5e19][:1]}
    kept = [r for r in rows if r["dataset"] not in few or (r["dataset"], r["run_id"]) in keep]
    table = tmp_path / "few.csv"
    write_csv(kept, str(table))
    return table


def test_one_run_at_the_top_borrows_the_noise_of_the_others_laws(run: Any, tmp_path: Path) -> None:
    """beta has one run at the largest budget and no law: its baseline interval used to have zero width (DCLM:
    P(best) 1.00 for a 0.35 % lead); it now carries the per-run noise of the datasets whose laws are known."""
    table = _trimmed(tmp_path, {"beta"})
    args = (
        "rank",
        table,
        "-t",
        "downstream/quiz",
        "--N",
        "1B",
        "--D",
        "20B",
        "--method",
        "baseline",
        "--form",  # auto's choice on the sample: the same ranking (measured: identical JSON), without its backtests
        "l2l",
        "-f",
        "json",
    )
    doc = json.loads(run(*args).stdout)
    beta = next(r for r in doc["rows"] if r["dataset"] == "beta")
    assert beta["value"] is not None
    assert beta["lo"] < beta["value"] < beta["hi"]
    assert beta["hi"] / beta["lo"] > 1.005  # the others' per-run noise (±0.6 % here), not a point


def test_single_runs_without_any_law_are_ranked_as_measured_not_with_certainty(
    run: Any, tmp_path: Path
) -> None:
    """No law and one run at the top: no interval and no P(best), the measured order said unchecked (it was
    refused as "how sure its measured loss is cannot be said"; a mixture sweep's question, probe h80)."""
    table = _trimmed(tmp_path, {"alpha", "beta", "gamma"})
    res = run(
        "rank",
        table,
        "-t",
        "downstream/quiz",
        "--N",
        "1B",
        "--D",
        "20B",
        "--method",
        "baseline",
        "-f",
        "json",
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [r["dataset"] for r in doc["rows"]] == ["beta", "alpha", "gamma"]
    assert all(r["p_best"] is None and r["lo"] is None and r["hi"] is None for r in doc["rows"])
    assert (
        "the order is the measured one at N = 141M, D = 59.1B, unchecked at N = 1B, D = 20B" in doc["summary"]
    )


def test_a_candidate_whose_target_law_is_poor_says_so_in_the_ranking(
    synthetic_csv: Path, tmp_path: Path
) -> None:
    """As predict marks a poor law's interval not calibrated, rank says it on the candidate's row and in the
    warnings (a probe: rank -t arc_easy listed FineWeb-Edu's poor law as ok, with nothing said)."""
    from l2l.io.tables import read_runs
    from l2l.workflows.rank import rank_runs

    lines = synthetic_csv.read_text().splitlines()
    cols = lines[0].split(",")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        row = dict(zip(cols, cells, strict=True))
        if row["dataset"] == "beta" and row["eval"] == "downstream/quiz" and float(row["C"]) == 5e19:
            cells[cols.index("loss")] = repr(
                float(row["loss"]) * 1.08
            )  # its own largest runs 8 % above its law
        out.append(",".join(cells))
    table = tmp_path / "poor.csv"
    table.write_text("\n".join(out) + "\n")
    res = rank_runs(read_runs([table]), ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    rows = {r.dataset: r for r in res.targets[0].rows}
    assert any(n.startswith("poor law: its own largest runs lie") for n in rows["beta"].notes)
    assert not any("poor law" in n for n in rows["alpha"].notes)
    # and in its flags, as predict's row for a poor law says them (a lower bound, not calibrated)
    assert (rows["beta"].lower_bound_only, rows["beta"].calibrated) == (True, False)


def test_a_candidate_measured_on_the_target_in_another_metric_is_pointed_to_it() -> None:
    # `rank -t c4` said "books has no runs on c4" where books had its c4 in bits per byte (c4:bpb)
    from types import SimpleNamespace

    from l2l.base.errors import FitError
    from l2l.workflows.rank import _drawn

    runs = {("books", "c4:bpb"), ("web", "c4")}
    book = SimpleNamespace(sweeps=SimpleNamespace(has=lambda ds, ev: (ds, ev) in runs))
    memo = _drawn(book, [("books", "c4")], 0, 0)  # type: ignore[arg-type]
    why = memo[("books", "c4")]
    assert isinstance(why, FitError)
    assert str(why).endswith(
        "books has no runs on c4 (it has runs on c4:bpb, in another metric: rank it with -t c4:bpb)"
    )


def test_datasets_without_an_own_eval_are_told_to_name_one_not_that_they_have_few_runs(
    run: Any, tmp_path: Path
) -> None:
    """Every dataset measured only on two shared evals: rank said "books has no runs on (no own eval of books)"
    and blamed a table of few sizes (a probe)."""
    from l2l.testing import synthetic_runs, write_csv

    renamed = {"alpha_val": "c4", "beta_val": "pile"}
    rows = [{**r, "eval": renamed[str(r["eval"])]} for r in synthetic_runs() if r["eval"] in renamed]
    path = tmp_path / "shared.csv"
    write_csv(rows, str(path))
    assert run("ingest", path).exit_code == 0
    res = run("rank", "-t", "c4", "--C", "1e21", "--split", "sweep")
    assert res.exit_code == 1
    assert "no own eval, whose law gives N*, D* at a budget" in res.stderr
    # the same advice to the three datasets, said once for each (it named alpha's option alone)
    assert "(--own-eval DATASET=EVAL, or --own-eval all=EVAL" in res.stderr
    assert "(3 datasets)" in res.stderr
    assert "(no own eval of" not in res.stderr
    assert "--own-eval all=EVAL" in res.stderr


def test_the_same_advice_to_several_ranked_datasets_is_one_note_naming_them(run: Any, tmp_path: Path) -> None:
    """At a model, each dataset without an own eval had its own four-line note naming its own --own-eval option
    (probe h52: 16 lines at 80 columns for DataDecide's four recipes); now one note names them all."""
    from l2l.testing import synthetic_runs, write_csv

    renamed = {"alpha_val": "c4", "beta_val": "pile"}
    rows = [{**r, "eval": renamed[str(r["eval"])]} for r in synthetic_runs() if r["eval"] in renamed]
    path = tmp_path / "shared.csv"
    write_csv(rows, str(path))
    assert run("ingest", path).exit_code == 0
    res = run("rank", "-t", "c4", "--N", "1e9", "--D", "2e10", "--split", "sweep")
    assert res.exit_code == 0, res.stderr
    said = " ".join((res.stdout + res.stderr).split())
    assert said.count("no own eval, whose law") == 1
    assert "alpha, beta, gamma: translation: no own eval" in said
    assert "(--own-eval DATASET=EVAL, or --own-eval all=EVAL" in said


def test_a_translation_ranking_at_a_model_without_own_evals_is_not_told_to_rank_at_a_model(
    run: Any, tmp_path: Path
) -> None:
    """`rank --N --D --method translation` on datasets without an own eval said "or rank at a model: --N and --D",
    the options given (probe h52's DataDecide-shaped table); at a model the datasets' own laws need no own eval."""
    from l2l.testing import synthetic_runs, write_csv

    renamed = {"alpha_val": "c4", "beta_val": "pile"}
    rows = [{**r, "eval": renamed[str(r["eval"])]} for r in synthetic_runs() if r["eval"] in renamed]
    path = tmp_path / "shared.csv"
    write_csv(rows, str(path))
    assert run("ingest", path).exit_code == 0
    res = run("rank", "-t", "c4", "--N", "1e9", "--D", "2e10", "--method", "translation", "--split", "sweep")
    assert res.exit_code == 1
    assert "no own eval, whose law" in res.stderr
    assert "rank at a model" not in res.stderr
    assert "--method independent" in res.stderr
    ranked = run(
        "rank", "-t", "c4", "--N", "1e9", "--D", "2e10", "--method", "independent", "--split", "sweep"
    )
    assert ranked.exit_code == 0, ranked.stderr


def test_csv_of_several_targets_carries_the_combined_ranking(twin_ws: Path) -> None:
    args = ("rank", "-t", "downstream/T", "-t", "downstream/U", "--C", "1e21", "--draws", "100", "-f", "csv")
    res = _invoke(*args, *FORM, workspace=twin_ws)
    assert res.exit_code == 0, res.output
    table = list(csv.DictReader(io.StringIO(res.stdout)))
    combined = [r for r in table if r["target"] == "combined"]
    assert {r["dataset"] for r in combined} == {"fast", "twin", "poor"}
    assert {r["metric"] for r in combined} == {"log_loss_vs_mean"}
    # the combined scores are relative to the mean candidate: they average to zero, and P(best) sums to 1
    assert_allclose(sum(float(r["value"]) for r in combined), 0.0, atol=1e-9)
    assert_allclose(sum(float(r["p_best"]) for r in combined), 1.0, rtol=1e-9)
    assert len(table) == 2 * 3 + 3


def test_backtest_per_target_counts_each_methods_own_pairs(run: Any, tmp_path: Path) -> None:
    """beta's sweep stops a budget below the others': the baseline cannot value it (1 pair of 3), the laws can (3):
    the per-target table gave every method the baseline's count."""
    with (REPO / "sample_data" / "synthetic_runs.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for r in rows if not (r["dataset"] == "beta" and float(r["C"]) == 5e19)]
    table = _write(tmp_path / "short_beta_held.csv", kept)
    args = ("rank", table, "-t", "downstream/quiz", "--holdout", "split=extrapolation", "--form", "l2l")
    doc = json.loads(run(*args, "--draws", "100", "-f", "json").stdout)
    (target,) = doc["targets"]
    assert (target["pairs"], target["pairs_recommended"], target["pairs_baseline"]) == (3, 3, 1)
    totals = {r["method"]: r["pairs"] for r in doc["rows"]}
    assert all(
        target[f"pairs_{m}"] == totals[m] for m in totals
    )  # the per-target counts add up to the totals


def test_datasets_too_small_for_laws_are_said_once_not_once_per_dataset(run: Any, tmp_path: Path) -> None:
    """DCLM's rank at 80 columns took 483 lines: two "cannot fit a law" notes per dataset, each naming it, and a
    table of each method's predictions holding only the names (p57 #9)."""
    rng = np.random.default_rng(0)
    lines = ["dataset,N,D,eval,loss,run_id"]
    for i in range(8):  # 8 sets, each 2 seeds of the same 3 models: too few for a law, each ran the 1B model
        for j, (n, d) in enumerate([(1e8, 2e9), (3e8, 6e9), (1e9, 2e10)]):
            for s in range(2):
                loss = 3.2 + 0.03 * i - 0.25 * math.log10(n / 1e8) + 0.003 * rng.standard_normal()
                lines.append(f"set{i},{n:g},{d:g},val,{loss:.5f},set{i}-m{j}-s{s}")
    table = tmp_path / "few_models.csv"
    table.write_text("\n".join(lines) + "\n")
    res = run("rank", table, "--target", "val", "--N", "1B", "--D", "20B")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.count("cannot fit a") == 1
    assert "independent and translation: no law on val for all 8 datasets: too few runs for one" in out
    assert "all 8 ranked datasets: measured: the mean of its 2 runs of this model" in out
    assert "by each method" not in out  # no law predicted anything: no table of empty methods
    assert len(out.splitlines()) < 30
