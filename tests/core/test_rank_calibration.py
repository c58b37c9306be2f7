"""P(best) beyond the sweep on seeded grid sweeps whose one held-out step is mostly noise (issue 17, probe h26).

Each case: three datasets whose own laws are translations of a paper-like law, a target eval shifted from each
own loss, measured on a grid of 6 model sizes (20M-800M) x 5 tokens-per-parameter ratios (5-80) with 0.7 %
log-normal noise: one run per dataset at the top budget, so the backtest inside the sweep holds out one run each and
its misses are mostly that run's and the anchor's noise. Ranked at 10x the top budget with the learned error. When
that step's misses were grown whole with the reach, the leaders stated P(best) 0.70 on average and were right 0.90
of the time (Brier 0.120), and 3 of the 6 rankings whose true winner leads by 2 % or more were a TIE; with the
noise's part grown with the square root of the reach, 0.77 (Brier 0.097) and 1 TIE.
"""

from __future__ import annotations

import numpy as np
import pytest

from l2l.core.laws import ScalingLaw
from l2l.core.rank_model import Budget, Candidate, fit_rank_model, learn_draw_error
from l2l.core.ranking import rank
from l2l.core.sweep import Sweep
from l2l.testing import PAPER_LIKE_LAW, Shift, translate_law

pytestmark = pytest.mark.slow

SIZES = np.array([20e6, 50e6, 100e6, 200e6, 400e6, 800e6])
RATIOS = np.array([5.0, 10.0, 20.0, 40.0, 80.0])
TOP = 6 * SIZES[-1] * SIZES[-1] * RATIOS[-1]
NOISE = 0.007


def _case(seed: int, k: int = 3) -> tuple[list[Candidate], dict[str, tuple[ScalingLaw, Shift]]]:
    rng = np.random.default_rng([31, seed])
    n = np.repeat(SIZES, len(RATIOS))
    d = n * np.tile(RATIOS, len(SIZES))
    c = 6 * n * d
    cands, laws = [], {}
    for j in range(k):
        law = translate_law(
            PAPER_LIKE_LAW,
            Shift(float(rng.uniform(0.9, 1.1)), float(rng.uniform(0.95, 1.05)), float(rng.uniform(1.9, 2.1))),
        )
        ts = Shift(
            float(rng.uniform(0.95, 1.05)), float(rng.uniform(0.95, 1.05)), float(rng.uniform(2.0, 2.2))
        )
        own = law.predict(n, d) * np.exp(NOISE * rng.standard_normal(len(n)))
        tgt = ts.apply(law.predict(n, d), law.E) * np.exp(NOISE * rng.standard_normal(len(n)))
        cands.append(Candidate(f"d{j}", "own", {"own": Sweep.of(n, d, c, own), "T": Sweep.of(n, d, c, tgt)}))
        laws[f"d{j}"] = (law, ts)
    return cands, laws


def test_p_best_beyond_the_sweep_is_as_sure_as_the_leader_is_right() -> None:
    C = 10 * TOP
    stated, right, tie_at_2pct, wrong_sure = [], [], [], []
    for seed in range(10):
        cands, laws = _case(seed)
        truth = {}
        for name, (law, ts) in laws.items():
            ns, ds = law.compute_optimal(C)
            truth[name] = float(ts.apply(law.predict(ns, ds), law.E))
        model = fit_rank_model(cands, "T", draws=50, seed=seed)
        learned = learn_draw_error(cands, "T", draws=50, seed=seed)
        res = rank(model, Budget(C=C), draw_error=learned, flip_range=(C, C * 1.0001))
        rows = [r for r in res.targets[0].rows if r.rank is not None]
        leader = min(rows, key=lambda r: r.rank or 0)
        best = min(truth, key=lambda x: truth[x])
        low = sorted(truth.values())
        assert leader.p_best is not None
        stated.append(leader.p_best)
        right.append(leader.dataset == best)
        if low[1] / low[0] - 1 >= 0.02:
            tie_at_2pct.append(res.targets[0].tie)
        if leader.p_best >= 0.9 and leader.dataset != best:
            wrong_sure.append(seed)
    # as sure as right, within 0.15 over the ten (grown whole: stated 0.70, right 0.90; now 0.77)
    assert abs(float(np.mean(stated)) - float(np.mean(right))) <= 0.15
    brier = float(np.mean((np.array(stated) - np.array(right, dtype=float)) ** 2))
    assert brier < 0.11  # (0.120 grown whole; now 0.097)
    assert len(tie_at_2pct) == 6
    assert sum(tie_at_2pct) <= 1  # a clear lead is named (3 of 6 TIEs grown whole)
    assert not wrong_sure  # and no P(best) of 0.9 or more for a wrong leader
