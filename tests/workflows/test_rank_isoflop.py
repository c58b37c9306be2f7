"""rank on isoFLOP tables (the most common sweep: several sizes at each budget, D = C / 6N), found by a probe of
unseen tables: each dataset is compared at its own compute-optimal size along its largest budget's runs, not at
their mean loss; a diverged run at that budget does not move its dataset's anchor or the backtest; and where the
kept order and the laws disagree with no backtest to choose, P(best) says so."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from l2l.core.laws import ScalingLaw
from l2l.io.tables import read_runs
from l2l.testing import write_csv
from l2l.workflows.rank import rank_runs

X = ScalingLaw("l2l", A=1.5e8, B=1.2e9, E=1.8, alpha=0.40, beta=0.45)
BUDGETS = (3e17, 1e18, 3e18, 1e19, 3e19)
SHIFT = 0.3  # the shared eval: each dataset's own loss + 0.3


def _optimum_loss(law: ScalingLaw, c: float) -> float:
    return float(law.predict(*law.compute_optimal(c)))


def _y_law() -> ScalingLaw:
    """Y: its optimum ~3.5x smaller in N than X's, and 1.5 % better than X at 3e19 (at their optima)."""
    y0 = ScalingLaw("l2l", A=X.A / 12, B=X.B, E=X.E, alpha=X.alpha, beta=X.beta)
    e = X.E + 0.985 * _optimum_loss(X, 3e19) - _optimum_loss(y0, 3e19)
    return ScalingLaw("l2l", A=X.A / 12, B=X.B, E=e, alpha=X.alpha, beta=X.beta)


def _table(path: Path, laws: dict[str, ScalingLaw], seed: int, diverged: str | None = None) -> Any:
    """Every dataset on ONE isoFLOP grid of 7 sizes per budget, centred on X's optimum; ``diverged``: that
    dataset's run nearest X's optimum at the largest budget reads 7.5 nats on every eval."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for c in BUDGETS:
        n0 = float(X.compute_optimal(c)[0])
        for j, n in enumerate(n0 * np.geomspace(1 / 5, 5, 7)):
            n = float(np.round(n, -3))
            d = c / (6 * n)
            for ds, law in laws.items():
                v = float(law.predict(n, d))
                bad = ds == diverged and c == BUDGETS[-1] and j == 3
                for ev, y in ((f"{ds}_val", v), ("shared_val", v + SHIFT)):
                    loss = 7.5 if bad else y * math.exp(0.004 * rng.standard_normal())
                    rows.append(
                        {"dataset": ds, "N": n, "D": d, "eval": ev, "loss": loss, "run_id": f"{ds}-{c:g}-{j}"}
                    )
    write_csv(rows, str(path))
    return read_runs([path])


def _rows(ranking: Any) -> dict[str, Any]:
    (target,) = ranking.targets
    return {r.dataset: r for r in target.rows}


def test_datasets_are_compared_at_their_own_optimum_along_an_isoflop_profile(tmp_path: Path) -> None:
    """Y is 1.4 % better than X at the sweep's largest budget (3e19), at its optimum 3.5x below the grid's centre;
    the profiles' mean losses say the opposite (Y's sizes sit off its optimum). Before: X first, P(best) 0.85,
    and the winner "changed from Y to X at 2.4e19", inside the sweep, at 5.7e19 when asked at 2e19."""
    laws = {"X": X, "Y": _y_law()}
    runs = _table(tmp_path / "iso.csv", laws, seed=7)
    truth = {ds: _optimum_loss(law, 3e19) + SHIFT for ds, law in laws.items()}
    assert truth["Y"] < truth["X"]
    ranking = rank_runs(runs, ["shared_val"], C=3e19, draws=200)
    rows = _rows(ranking)
    assert ranking.leader == "Y"
    assert not ranking.tie
    for ds, want in truth.items():  # measured: +0.03 % (X), +0.4 % (Y)
        assert abs(rows[ds].value / want - 1) < 0.01, (ds, rows[ds].value, want)
    assert rows["Y"].p_best > 0.9


def test_a_diverged_run_at_the_largest_budget_does_not_move_its_dataset(tmp_path: Path) -> None:
    """One of X's runs at 3e19 reads 7.5 nats (2.8 truly): X, truly best at 3e20, was ranked last with P(best) 0.11
    at 3.07 [2.2, 4.2] (its anchor the mean of its top runs, the backtest's miss that run's); now it is first, near
    its truth, and the row says which run was left out."""
    laws = {"X": X, "Y": _y_law(), "Z": X.translated(1.0, 1.0, X.E + 0.05)}
    runs = _table(tmp_path / "div.csv", laws, seed=3, diverged="X")
    truth = {ds: _optimum_loss(law, 3e20) + SHIFT for ds, law in laws.items()}
    ranking = rank_runs(runs, ["shared_val"], C=3e20, draws=200)
    rows = _rows(ranking)
    assert ranking.leader == min(truth, key=truth.__getitem__) == "X"
    assert abs(rows["X"].value / truth["X"] - 1) < 0.02, (rows["X"].value, truth["X"])  # measured: +1.1 %
    assert any("far from its law" in n for n in rows["X"].notes)
    assert not any("far from its law" in n for n in rows["Y"].notes)


def test_two_datasets_whose_laws_cross_are_a_tie_in_p_best_too(tmp_path: Path) -> None:
    """Two datasets, no backtest (it needs three): the kept order says X, the laws say Y at 1e21, where Y is truly
    8 % better. The verdict was "a TIE" beside P(best) 1.00 and 0.00; then P(best) was the mean of the two's
    (0.5 each, a weight nothing learned); now, no extrapolation error learned, no P(best) is stated, and the TIE
    stands (the draws handed on are still the mixture: the next test)."""
    y = ScalingLaw("l2l", A=1.5e8, B=1.2e9, E=1.80, alpha=0.42, beta=0.47)
    laws = {"X": y.translated(0.4, 0.65, 2.13), "Y": y}
    runs = _table(tmp_path / "cross.csv", laws, seed=5)
    at = {c: {ds: _optimum_loss(law, c) for ds, law in laws.items()} for c in (3e19, 1e21)}
    assert at[3e19]["X"] < at[3e19]["Y"]
    assert at[1e21]["Y"] < at[1e21]["X"]
    ranking = rank_runs(runs, ["shared_val"], C=1e21, draws=400)
    rows = _rows(ranking)
    assert ranking.tie
    assert set(ranking.contenders) == {"X", "Y"}
    assert ranking.targets[0].unchecked
    assert [rows[ds].p_best for ds in laws] == [None, None]


def test_the_draws_handed_on_carry_the_p_best_mixture(tmp_path: Path) -> None:
    """Where P(best) mixes the kept order's and the laws' alone, the joint draws handed on (to the combined ranking
    over several targets, and through an accuracy law to an accuracy ranking) are that mixture too: they were the
    kept order's alone, so those rankings read P(best) 1.00 and 0.00 where the rows said 0.5 each. (Here nothing
    learned the extrapolation error, so the rows now state no P(best); the draws are still the mixture.)"""
    from l2l.core.ranking import _p_best

    y = ScalingLaw("l2l", A=1.5e8, B=1.2e9, E=1.80, alpha=0.42, beta=0.47)
    runs = _table(tmp_path / "cross.csv", {"X": y.translated(0.4, 0.65, 2.13), "Y": y}, seed=5)
    ranking = rank_runs(runs, ["shared_val"], C=1e21, draws=1000)
    rows = _rows(ranking)
    draws = ranking.log_draws["shared_val"]
    names = list(draws)
    from_draws = _p_best(np.vstack([draws[n] for n in names])[:, 1:])
    assert all(0.2 < p < 0.8 for p in from_draws.tolist()), dict(zip(names, from_draws.tolist(), strict=True))
    assert math.isclose(float(from_draws.sum()), 1.0, abs_tol=1e-9)
    assert [rows[name].p_best for name in names] == [None, None]


def test_a_backtest_that_ties_the_laws_and_the_kept_order_is_said_to_have_tied() -> None:
    """Probe p47 (tests/data/probe/laws_cross_beyond_the_sweep.csv): web leads in the sweep, books from about 1e20
    (truth at 1e21: books 2.2698, web 2.3490). The backtest inside the sweep ordered 7 of 7 pairs right by the laws
    and by the sweep's order alike; the order is kept (the laws must beat it) and the ranking is a tie, but it said
    "a backtest inside the sweep chose the sweep's order". (Weighing the two alike on a tie was measured and
    dropped: README, *Which dataset*.)"""
    table = Path(__file__).parents[1] / "data" / "probe" / "laws_cross_beyond_the_sweep.csv"
    runs = read_runs([table])
    ranking = rank_runs(runs, ["mix_val"], C=1e21, split="sweep", draws=400)
    said = json.dumps(ranking.to_dict())
    assert "ordered 7 of 7 pairs right, the single-scale baseline 7" in said
    assert (
        "the backtest inside the sweep tied: the sweep's order is kept unless the laws order more pairs"
        in said
    )
    assert "chose the sweep's order" not in said
    assert ranking.tie
    assert set(ranking.contenders) >= {"web", "books"}
