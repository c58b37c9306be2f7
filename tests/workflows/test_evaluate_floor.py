"""evaluate's translations are cut at E1 as predict --via's are, and carried onward from there (probe h32)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from l2l.core.fit import FitCache
from l2l.io.tables import read_runs
from l2l.workflows.evaluate import evaluate
from l2l.workflows.via import predict_via

TABLE = Path(__file__).parents[1] / "data" / "probe" / "isoflop_translation_below_e1.csv"


@pytest.fixture(scope="module")
def evaluated() -> tuple[Any, FitCache, Any]:
    """The table, its fit cache and its evaluation onto c4_val: both tests ask predict --via the questions of the
    same evaluation (made once; predict --via's answers do not depend on what the cache already holds, as
    tests/workflows/test_warm.py checks)."""
    runs = read_runs([TABLE])
    cache = FitCache()
    return runs, cache, evaluate(runs, test=["c4_val"], cache=cache)


def test_a_translation_interval_is_cut_at_e1_and_carried_onward_as_predict_via_does(
    evaluated: tuple[Any, FitCache, Any],
) -> None:
    runs, cache, ev = evaluated
    ids = {round(n): i for i, n in enumerate(sorted({p.N for p in ev.predictions}))}
    singles = [p for p in ev.predictions if p.setting == "train-to-train" and p.src == "web"]
    assert len(singles) == 8
    for p in singles:
        pi = p.interval_loss_to_loss
        assert pi is not None
        via = predict_via(
            runs, via="web", tgt=p.tgt, from_run=f"web-big{ids[round(p.N)]}", split="sweep", cache=cache
        )
        # the same question, the same answer (web→books at 3× N had read [1.80, 3.37] here, [2.01, 3.37] there,
        # beside books' E1 = 2.008)
        assert (pi.estimate, pi.lo, pi.hi) == pytest.approx(
            (via.result.estimate, via.result.lo, via.result.hi)
        )
    # every translation onto c4_val or the task whose own-loss step has an interval has one too (34 of 48 had none)
    onward = [p for p in ev.predictions if p.setting != "train-to-train" and p.loss_to_loss is not None]
    assert len(onward) == 48
    assert all(p.interval_loss_to_loss is not None for p in onward)


def test_a_train_to_test_interval_is_predict_vias_for_the_same_question(
    evaluated: tuple[Any, FitCache, Any],
) -> None:
    runs, cache, ev = evaluated
    ids = {round(n): i for i, n in enumerate(sorted({p.N for p in ev.predictions}))}
    onward = [
        p
        for p in ev.predictions
        if p.setting == "train-to-test" and p.src == "web" and p.interval_loss_to_loss is not None
    ]
    assert len(onward) == 8
    backtested = 0
    for p in onward:
        pi = p.interval_loss_to_loss
        assert pi is not None
        via = predict_via(
            runs,
            via="web",
            tgt=p.tgt,
            eval_name=p.eval,
            from_run=f"web-big{ids[round(p.N)]}",
            split="sweep",
            cache=cache,
        )
        # one question, one answer (probe h44): evaluate had carried the own-loss interval through the train-test
        # translation without the translation's parameter spread and without the cut at its E1, so the paper's
        # proof-pile-2 → fineweb-edu ARC-Challenge loss read [2.35, 2.78] there and [1.99, 3.32] in predict --via
        assert (pi.estimate, pi.lo, pi.hi) == pytest.approx(
            (via.result.estimate, via.result.lo, via.result.hi), rel=1e-9
        )
        # and the same word on it: backtested where the chain's backtests apply (helper h66; it was a lower bound
        # everywhere), a lower bound beyond them
        assert pi.lower_bound_only == via.result.lower_bound_only
        assert via.steps[-1].backtested == (not pi.lower_bound_only)
        backtested += not pi.lower_bound_only
        e1 = via.steps[-1].E1
        assert e1 is not None
        assert pi.lo >= e1
    assert backtested == 2  # (the other six: beyond what the backtests reached, lower bounds as before)
