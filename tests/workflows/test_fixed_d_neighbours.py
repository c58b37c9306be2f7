"""Fixed-D sweeps (every size at one token count) beside ordinary datasets (N × D grids, a one-line sweep) in one
table: the ordinary datasets' answers are those of the table without the sweeps (intervals, rankings), the sweeps
left out with their reason; a refusal names every dataset's reason (h78)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from l2l.base.errors import FitError
from l2l.base.schema import MIN_RANK_DRAWS
from l2l.core.fit import FitOptions
from l2l.core.ranking import Ranking
from l2l.io.tables import read_runs
from l2l.testing import PAPER_LIKE_LAW
from l2l.workflows.predict import predict
from l2l.workflows.rank import rank_runs
from l2l.workflows.via import predict_sources

SIZES = [20e6, 40e6, 80e6, 160e6, 320e6]
GRID_D = [1.25e9, 2.5e9, 5e9, 10e9]
#: own-loss shifts of the base Eq. 3 law (K, κ, E1): every dataset's truth
SHIFTS = {
    "web": (1.0, 1.0, 2.0),
    "books": (1.05, 0.95, 2.2),
    "line": (0.65, 1.08, 0.9),
    "abl10": (0.9, 1.0, 1.7),
    "abl3": (1.1, 1.0, 1.9),
}


def _runs(ds: str) -> list[tuple[float, float]]:
    if ds in ("web", "books"):
        return [(n, d) for n in SIZES for d in GRID_D]
    if ds == "line":  # 20 tokens per parameter: no (N, D) of the grids
        return [(n, 20 * n) for n in [*SIZES, 640e6]]
    return [(n, 10e9 if ds == "abl10" else 3e9) for n in [*SIZES, 640e6]]


def _table(path: Path, datasets: tuple[str, ...]) -> Path:
    rng = np.random.default_rng(0)
    lines = ["dataset,run_id,N,D,eval,loss"]
    for ds in ("web", "books", "line", "abl10", "abl3"):  # every dataset draws its noise, kept or not
        law = PAPER_LIKE_LAW.translated(*SHIFTS[ds])
        for i, (n, d) in enumerate(_runs(ds)):
            loss = float(law.predict(n, d)) * float(np.exp(0.004 * rng.standard_normal()))
            if ds in datasets:
                lines.append(f"{ds},{ds}-{i:02d},{n:.0f},{d:.0f},own,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


ORDINARY = ("web", "books", "line")
MIXED = (*ORDINARY, "abl10", "abl3")


def test_fixed_d_sweeps_leave_a_grids_predicted_interval_as_without_them(tmp_path: Path) -> None:
    alone = read_runs([_table(tmp_path / "base.csv", ORDINARY)])
    mixed = read_runs([_table(tmp_path / "mix.csv", MIXED)])
    got = {}
    for name, runs in (("alone", alone), ("mixed", mixed)):
        preds = predict(runs, N=[1.28e9], D=[25.6e9], datasets=["web", "books"], options=FitOptions("l2l"))
        got[name] = {p.dataset: (p.interval.estimate, p.interval.lo, p.interval.hi) for p in preds}
    # the calibration's backtests had taken the sweeps' budgets as cutoffs: web's [2.278, 2.408] became [2.266, 2.420]
    assert got["mixed"] == got["alone"]


@pytest.mark.parametrize("D", [20e9, 10e9])
def test_rank_at_a_model_ranks_the_ordinary_datasets_as_without_the_fixed_d_sweeps(
    tmp_path: Path, D: float
) -> None:
    grids = ("web", "books")

    def ranked_at(path: Path, datasets: tuple[str, ...]) -> Ranking:
        runs = read_runs([_table(path, datasets)])
        return rank_runs(runs, "own", N=1.28e9, D=D, form="l2l", draws=MIN_RANK_DRAWS)

    alone = ranked_at(tmp_path / "base.csv", grids)
    # it refused at 20B ("no dataset could be ranked at D = 20B: every run of the fixed-D sweeps lies at D = 10B,
    # 3B"), and at 10B ranked abl10 alone, the grids "not ranked beside laws in N at one D"
    mixed = ranked_at(tmp_path / "mix.csv", (*grids, "abl10", "abl3"))
    (a,), (m,) = alone.targets, mixed.targets
    ranked = [(r.dataset, r.value, r.lo, r.hi, r.p_best) for r in m.rows if r.rank]
    assert ranked == [(r.dataset, r.value, r.lo, r.hi, r.p_best) for r in a.rows if r.rank]
    assert {ds for ds, *_ in ranked} == set(grids)
    rows = {r.dataset: r for r in m.rows}
    for ds, d in (("abl10", "10B"), ("abl3", "3B")):
        assert rows[ds].rank is None
        assert rows[ds].reason is not None
        assert f"every run lies at D = {d}" in rows[ds].reason
    note = next(w for w in mixed.warnings if w.startswith("abl10, abl3: "))
    assert "too few runs" not in note
    assert "no own-loss law in N and D" in note


def test_via_all_with_no_translatable_source_names_every_source_and_why(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path / "mix.csv", MIXED)])
    # web-19 is (320M, 10B): books and abl10 ran it too; the line shares no (N, D) with any of them
    with pytest.raises(FitError) as exc:
        predict_sources(runs, via=["all"], tgt="line", from_run="web-19", options=FitOptions("l2l"))
    msg = exc.value.message
    assert msg.startswith("no source could be translated into line: ")
    assert "abl10: cannot translate abl10:own → line:own: abl10/own: every run lies at D = 10B" in msg
    # (it named abl10's reason alone)
    assert (
        "books, web (2 datasets): cannot translate books:own → line:own: no run of books has the same (N, D)"
        in msg
    )
