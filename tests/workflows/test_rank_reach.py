"""rank says how far its budget extrapolates beyond the fitted runs, as predict's C× does (probe p63: at 2e4× the
sweep's largest budget it said nothing of it), and says nothing inside the runs' range."""

from __future__ import annotations

from typing import Any

from l2l.workflows.rank import rank_runs


def _reach_lines(ranking: Any) -> list[str]:
    return [w for w in ranking.warnings if "every prediction here extrapolates that far" in w]


def test_a_budget_beyond_the_sweep_says_how_far_and_one_inside_says_nothing(synthetic_runs: Any) -> None:
    top = float(synthetic_runs.frame["C"].max())
    far = rank_runs(synthetic_runs, ["own"], C=1e4 * top, datasets=["alpha", "beta"], draws=100)
    (line,) = _reach_lines(far)
    assert (
        line == "compute is 1e+04× the largest fitted: every prediction here extrapolates that far"
    )  # predict's words
    assert any("extrapolates that far" in w for w in far.to_dict()["warnings"])
    inside = rank_runs(synthetic_runs, ["own"], C=top / 4, datasets=["alpha", "beta"], draws=100)
    assert _reach_lines(inside) == []


def test_a_fixed_model_beyond_the_sizes_says_its_n(synthetic_runs: Any) -> None:
    n_top = float(synthetic_runs.frame["N"].max())
    d_top = float(synthetic_runs.frame["D"].max())
    ranking = rank_runs(
        synthetic_runs, ["own"], N=8 * n_top, D=d_top / 2, datasets=["alpha", "beta"], draws=100
    )
    (line,) = _reach_lines(ranking)
    assert "N is 8× the largest fitted" in line
    assert "D is" not in line


def test_a_dataset_whose_runs_stop_lower_says_its_own_reach(synthetic_runs: Any) -> None:
    import dataclasses

    import polars as pl

    frame = synthetic_runs.frame
    top = float(frame["C"].max())
    short = frame.filter(
        (pl.col("dataset") != "beta") | (pl.col("C") <= top / 30)
    )  # beta's runs stop 30× lower
    runs = dataclasses.replace(synthetic_runs, frame=short)
    ranking = rank_runs(runs, ["own"], C=4 * top, datasets=["alpha", "beta"], draws=100)
    (line,) = [w for w in ranking.warnings if w.startswith("compute is")]
    beta_top = float(short.filter(pl.col("dataset") == "beta")["C"].max())
    assert line == (
        f"compute is 4× (alpha) to {4 * top / beta_top:.3g}× (beta) the largest fitted: each dataset's prediction "
        "extrapolates from its own runs"
    )


def test_a_per_step_logs_held_out_budget_leaves_every_checkpoint_of_its_sizes_out_of_the_fit() -> None:
    # p77 D3: held out row by row, the largest runs' earlier checkpoints stayed in the backtest's fit (a reach of
    # log10 1.25); kept whole, every checkpoint of the sizes reaching the held-out budget goes, of each dataset
    import polars as pl

    from l2l.workflows.rank import whole_runs

    n = [1e8] * 4 + [3e8] * 4
    frame = pl.DataFrame(
        {
            "dataset": ["a"] * 8 + ["b"] * 8,
            "N": n * 2,
            "C": [6 * x * x * 20 * f for x in (1e8, 3e8) for f in (0.25, 0.5, 0.75, 1.0)] * 2,
        }
    )
    cut = frame["C"].max() / 1.25
    assert whole_runs(frame, cut, per_step=False).height == 14  # the two 3e8 final checkpoints out
    kept = whole_runs(frame, cut, per_step=True)
    assert kept["N"].unique().to_list() == [1e8]
    assert kept.height == 8


def test_a_row_whose_own_prediction_predict_calls_a_lower_bound_says_so(synthetic_runs: Any) -> None:
    # probe h26: at 8.6x the largest N predict said "the interval is a lower bound" and rank's row, which holds
    # predict's interval, said nothing; its interval missed the truth of a data-constrained dataset at 30x
    from l2l.workflows.predict import predict
    from l2l.workflows.rank import OWN_LOWER_BOUND

    n_top = float(synthetic_runs.frame["N"].max())
    d_top = float(synthetic_runs.frame["D"].max())
    far = rank_runs(synthetic_runs, ["own"], N=8 * n_top, D=d_top, datasets=["alpha", "beta"], draws=100)
    told = predict(synthetic_runs, N=[8 * n_top], D=[d_top], datasets=["alpha", "beta"], evals=["all"])
    lower = {(p.dataset, p.eval) for p in told if p.interval.lower_bound_only}
    assert lower  # the premise: predict calls these a lower bound
    said = {(r.dataset, t.target) for t in far.targets for r in t.rows if OWN_LOWER_BOUND in r.notes}
    ranked = {(r.dataset, t.target) for t in far.targets for r in t.rows if r.status == "ok"}
    assert said
    assert said == ranked & lower
    # and in the row's flags, as predict's JSON row says it (probe h34: a script had only the notes' words)
    flagged = {(r.dataset, t.target) for t in far.targets for r in t.rows if r.lower_bound_only}
    assert flagged == said
    for t in far.targets:
        for r in t.rows:
            row = r.to_dict()
            assert row["lower_bound_only"] is ((r.dataset, t.target) in said)
            assert row["calibrated"] is False or (r.dataset, t.target) not in said
    top = float(synthetic_runs.frame["C"].max())
    inside = rank_runs(synthetic_runs, ["own"], C=top / 4, datasets=["alpha", "beta"], draws=100)
    assert all(OWN_LOWER_BOUND not in r.notes for t in inside.targets for r in t.rows)
    assert not any(r.lower_bound_only for t in inside.targets for r in t.rows)
