"""``rank`` at a model on fixed-D sweeps (every size of each dataset trained on one token count, a data ablation
at 10B tokens): each dataset ranked by ``predict``'s value and interval of its law in N at that D, the measured
order at the largest common size beside it and kept unless the laws' intervals separate the leader; no P(best);
another D refused naming the one the sweeps know."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from l2l.base.errors import FitError
from l2l.io.tables import read_runs
from l2l.workflows.predict import predict
from l2l.workflows.rank import rank_runs

SIZES = [20e6, 40e6, 80e6, 160e6, 320e6, 640e6]
D0 = 10e9


def _eq3(n: float, e: float) -> float:
    return e + ((4.8e8 / n) + 2.0e9 / D0) ** 0.3


def _table(path: Path, es: dict[str, float], seed: int = 0, extra: str = "") -> Path:
    rng = np.random.default_rng(seed)
    lines = ["dataset,N,D,eval,loss"]
    for name, e in es.items():
        for n in SIZES:
            loss = _eq3(n, e) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"{name},{n:.0f},{D0:.0f},own,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


@pytest.mark.parametrize("n", [1.28e9, 2.56e9])
def test_the_truly_better_dataset_leads_by_its_separated_law_with_predicts_numbers(
    tmp_path: Path, n: float
) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv", {"web": 1.8, "code": 1.2})])
    res = rank_runs(runs, "own", N=n, D=D0)
    (t,) = res.targets
    assert (res.leader, res.tie, t.laws_used, t.unchecked) == ("code", False, True, True)
    assert [r.dataset for r in t.rows] == ["code", "web"]
    assert all(r.p_best is None for r in t.rows)
    assert all(r.p_best is None for r in res.combined)
    assert t.verdict is not None
    assert "the laws' order is used" in t.verdict
    assert "no P(best)" in t.verdict
    preds = {p.dataset: p.interval for p in predict(runs, N=[n], D=[D0], datasets=["all"])}
    for r in t.rows:  # one question, one answer: predict's value and interval
        assert (r.value, r.lo, r.hi) == (preds[r.dataset].estimate, preds[r.dataset].lo, preds[r.dataset].hi)
        assert r.lo is not None
        assert r.hi is not None
        assert r.lo < _eq3(n, 1.2 if r.dataset == "code" else 1.8) < r.hi
        assert r.top_N == (640e6, 640e6)
    assert t.rows[0].hi is not None
    assert t.rows[1].lo is not None
    assert t.rows[0].hi < t.rows[1].lo
    assert any("measured at N = 640M" in w for w in res.warnings)


def test_overlapping_intervals_keep_the_order_measured_at_the_largest_common_size(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv", {"web": 1.8, "code": 1.795}, seed=3)])
    res = rank_runs(runs, "own", N=2.56e9, D=D0)
    (t,) = res.targets
    measured = {r.dataset: r.measured_top for r in t.rows}
    first = min(measured, key=lambda k: measured[k] or 0.0)
    assert res.leader == first
    assert not t.laws_used
    assert t.verdict is not None
    assert "the sweep's order is kept" in t.verdict
    assert t.verdict.startswith(f"{first} leads by the losses measured at N = 640M")
    assert all(r.p_best is None for r in t.rows)


def test_another_d_is_refused_naming_the_sweeps_token_count(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path / "fd.csv", {"web": 1.8, "code": 1.2})])
    with pytest.raises(FitError) as exc:
        rank_runs(runs, "own", N=1.28e9, D=20e9)
    assert "at D = 20B" in exc.value.message
    assert "lies at D = 10B" in exc.value.message
    assert exc.value.hint is not None
    assert "--D 10B" in exc.value.hint


def test_a_dataset_not_fixed_d_at_that_d_is_left_unranked_with_its_reason(tmp_path: Path) -> None:
    extra = "".join(f"books,{n:.0f},{20e9:.0f},own,{_eq3(n, 1.5):.6f}\n" for n in SIZES)
    runs = read_runs([_table(tmp_path / "fd.csv", {"web": 1.8, "code": 1.2}, extra=extra)])
    res = rank_runs(runs, "own", N=1.28e9, D=D0)
    (t,) = res.targets
    rows = {r.dataset: r for r in t.rows}
    assert [r.dataset for r in t.rows if r.rank] == ["code", "web"]
    assert rows["books"].status == "failed"
    assert rows["books"].reason is not None
    assert "every run lies at D = 20B" in rows["books"].reason
