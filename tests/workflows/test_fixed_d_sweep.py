"""A fixed-D sweep (every size trained on one token count, a data ablation at 10B tokens): no law in N and D can be
fitted, but fit-law reports the law in N at that D and predict gives its value there with an interval backed by its
backtests, refusing any other D (``LawBook.fixed_line``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from l2l.base.errors import FitError
from l2l.io.tables import read_runs
from l2l.workflows.lawbook import fit_laws
from l2l.workflows.predict import LinePrediction, optimal, predict

SIZES = [20e6, 40e6, 80e6, 160e6, 320e6, 640e6]
D0 = 10e9


def _eq3(n: float, e: float) -> float:
    return e + ((4.8e8 / n) + 2.0e9 / D0) ** 0.3


def _table(path: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    lines = ["dataset,N,D,eval,loss"]
    for name, e in (("web", 1.8), ("code", 1.2)):
        for n in SIZES:
            loss = _eq3(n, e) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"{name},{n:.0f},{D0:.0f},{name}_val,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_law_reports_the_law_in_n_at_the_sweeps_one_d(tmp_path: Path) -> None:
    outcome = fit_laws(read_runs([_table(tmp_path / "fd.csv")]))
    assert not outcome.fits
    assert set(outcome.fixed) == {("web", "web_val"), ("code", "code_val")}
    rows = {r["dataset"]: r for r in outcome.rows()}
    for name, e in (("web", 1.8), ("code", 1.2)):
        r = rows[name]
        assert (r["form"], r["status"], r["D"]) == ("line", "fixed-D", D0)
        assert r["E"] > e
        assert 0.2 < r["gamma"] < 0.6
        assert r["K"] > 0
        assert "it says nothing at any other D" in r["warnings"][0]
        assert r["line_law"]["backtest"]["n_errors"] == 3


def test_predict_at_that_d_holds_the_truth_and_is_a_lower_bound_past_the_backtests_reach(
    tmp_path: Path,
) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv")])
    preds = predict(runs, N=[1.28e9, 2.56e9, 5.12e9], D=[D0], datasets=["all"])
    assert len(preds) == 6
    assert all(isinstance(p, LinePrediction) for p in preds)
    for p in preds:
        truth = _eq3(p.N, 1.8 if p.dataset == "web" else 1.2)
        pi = p.interval
        assert pi.lo <= truth <= pi.hi
        assert abs(pi.estimate / truth - 1) < 0.04
        assert pi.lower_bound_only == (p.N > 4 * 640e6)  # 8×: beyond the backtests' reach of 4×
        assert p.to_dict()["form"] == "line"


def test_predict_refuses_any_other_d_naming_the_one_it_knows(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv")])
    with pytest.raises(FitError, match=r"every run lies at D = 10B.*says nothing at D = 20B"):
        predict(runs, N=[1.28e9], D=[2e10], datasets=["web"])
    # beside a D it knows, the other is said and skipped
    res = predict(runs, N=[1.28e9], D=[D0, 2e10], datasets=["web"])
    assert [p.D for p in res] == [D0]
    assert any("says nothing at D = 20B" in s for s in res.skipped)


def test_optimal_refuses_a_law_with_no_d_term(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv")])
    with pytest.raises(FitError, match="no compute-optimal model"):
        optimal(runs, C=[1e20], datasets=["web"])
