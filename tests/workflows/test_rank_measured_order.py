"""``rank`` at a model where no law and no repeat vouches for any dataset (a mixture sweep: each mixture at three
sizes on one line of 20 tokens per parameter, too few runs for a law): the measured order, at the model asked for
where every dataset ran it, else at the largest model every one ran, with no interval and no P(best), said to be
unchecked beyond; and no hint that leads to another refusal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import L2LError
from l2l.core.ranking import Ranking
from l2l.io.tables import read_runs
from l2l.workflows.rank import rank_runs
from l2l.workflows.rank_eval import rank_backtest
from l2l.workflows.requests import RankRequest, answer_rank
from l2l.workflows.session import Session

SIZES = [60e6, 150e6, 400e6]
#: each mixture's loss at 60M, 150M and 400M (20 tokens per parameter) on the shared eval; c is best at 400M only
LOSSES = {"a": [3.50, 3.20, 2.950], "b": [3.40, 3.15, 2.930], "c": [3.45, 3.14, 2.900]}


def _mixtures(path: Path) -> Path:
    lines = ["dataset,N,D,eval,loss"]
    for name, losses in LOSSES.items():
        for n, loss in zip(SIZES, losses, strict=True):
            lines.append(f"{name},{n:.0f},{20 * n:.0f},heldout_val,{loss}")
            lines.append(f"{name},{n:.0f},{20 * n:.0f},{name}_val,{loss * 0.9:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("method", ["recommended", "baseline"])
def test_a_model_beyond_every_run_is_ranked_by_the_largest_common_model_measured_and_said_unchecked(
    tmp_path: Path, method: str
) -> None:
    runs = read_runs([_mixtures(tmp_path / "mix.csv")])
    res = rank_runs(runs, "heldout_val", N=1e9, D=20e9, method=method)  # type: ignore[arg-type]
    (t,) = res.targets
    assert [r.dataset for r in t.rows] == ["c", "b", "a"]
    assert_allclose([r.value or 0.0 for r in t.rows], [2.90, 2.93, 2.95], rtol=1e-12)
    assert t.measured_at == (400e6, 8e9)
    assert all(r.p_best is None and r.lo is None and r.hi is None for r in t.rows)
    assert all(r.measured_runs == 0 and not r.calibrated for r in t.rows)  # measured there, not at 1B
    assert (res.leader, res.tie, t.unchecked) == ("c", False, True)
    assert t.verdict is not None
    assert "the order is the measured one at N = 400M, D = 8B, unchecked at N = 1B, D = 20B" in t.verdict
    assert "no P(best)" in t.verdict
    # (not a fixed-D sweep's ranking: its JSON says which it is; the accuracy ranking asks ``fixed_d``)
    assert not t.fixed_d
    row = t.to_dict()
    assert row["measured_order"] == t.verdict
    assert row["measured_at"] == {"N": 400e6, "D": 8e9}
    assert "fixed_d" not in row


def test_a_model_every_dataset_ran_is_ranked_by_its_measured_losses(tmp_path: Path) -> None:
    runs = read_runs([_mixtures(tmp_path / "mix.csv")])
    (t,) = rank_runs(runs, "heldout_val", N=150e6, D=3e9).targets
    assert [r.dataset for r in t.rows] == ["c", "b", "a"]
    assert_allclose([r.value or 0.0 for r in t.rows], [3.14, 3.15, 3.20], rtol=1e-12)
    assert [r.measured_runs for r in t.rows] == [1, 1, 1]
    assert t.measured_at == (150e6, 3e9)
    assert t.verdict is not None
    assert "the model asked for" in t.verdict


def test_the_hints_of_a_mixture_sweeps_refusals_lead_to_an_answer(tmp_path: Path) -> None:
    runs = read_runs([_mixtures(tmp_path / "mix.csv")])
    session = Session(runs, None, 1)
    with pytest.raises(L2LError) as refused:  # a budget needs laws: none
        answer_rank(session, RankRequest(targets={"heldout_val": 1.0}, C=1e20))
    assert "--method baseline" not in (refused.value.hint or "")
    assert "--N N --D D" in (refused.value.hint or "")
    with pytest.raises(L2LError) as independent:
        answer_rank(session, RankRequest(targets={"heldout_val": 1.0}, N=1e9, D=20e9, method="independent"))
    assert "--method baseline" in (independent.value.hint or "")
    ranked = answer_rank(session, RankRequest(targets={"heldout_val": 1.0}, N=1e9, D=20e9, method="baseline"))
    assert isinstance(ranked, Ranking)
    assert ranked.leader == "c"
    assert np.isfinite(ranked.targets[0].rows[0].value or np.nan)


def test_a_dataset_that_never_ran_the_model_is_left_unranked_beside_the_measured_order(
    tmp_path: Path,
) -> None:
    """DCLM after --best-of run_id: 39 of 42 sets ran 1.4B × 28.8B, one run each, no law: refused, now ranked."""
    path = _mixtures(tmp_path / "mix.csv")
    with path.open("a") as fh:  # d ran the two smaller models only
        fh.writelines(
            f"d,{n:.0f},{20 * n:.0f},heldout_val,{loss}\n" for n, loss in ((60e6, 3.3), (150e6, 3.0))
        )
    runs = read_runs([path])
    (t,) = rank_runs(runs, "heldout_val", N=400e6, D=8e9).targets
    assert [(r.dataset, r.rank) for r in t.rows] == [("c", 1), ("b", 2), ("a", 3), ("d", None)]
    assert t.rows[-1].status == "failed"
    assert t.measured_at == (400e6, 8e9)


def test_rank_holdout_scores_the_measured_order_rank_prints(tmp_path: Path) -> None:
    """A mixture sweep of one size (RegMix's design) with larger validation runs of some mixtures held out: ``rank
    --holdout`` refused "nothing to score", its hint asking for runs at the largest remaining budget, which every
    mixture had, where ``rank`` prints their measured order (helper h101). Now scored as printed: from the 100M order
    a < b < c < d, the held-out 1B runs (b best, then a, d, c) make 4 of 6 pairs right (a-b and c-d wrong)."""
    small = {"a": 2.90, "b": 2.91, "c": 2.95, "d": 2.97}
    big = {"b": 2.30, "a": 2.33, "d": 2.35, "c": 2.40}
    lines = ["dataset,N,D,eval,loss,split"]
    lines += [f"{m},100000000,2000000000,val_mix,{v},proxy" for m, v in small.items()]
    lines += [f"{m},1000000000,20000000000,val_mix,{v},validation" for m, v in big.items()]
    path = tmp_path / "regmix.csv"
    path.write_text("\n".join(lines) + "\n")
    runs = read_runs([path])
    res = rank_backtest(runs, ["val_mix"], holdout_split="validation", draws=200)
    scored = {m.method: (m.right, m.pairs) for m in res.methods}
    assert scored["baseline"] == (4, 6)
    assert scored["recommended"] == (4, 6)
    assert scored["independent"] == (0, 0)
