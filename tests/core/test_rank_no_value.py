"""The structured reason a ranking method gives a candidate no value (``NoValue``), which ``workflows.rank``'s
``_measured_order`` decides by instead of the words of the notes: set where the notes say it, at a model (N, D)
and at a candidate's largest budget alike."""

from __future__ import annotations

import numpy as np

from l2l.core.rank_model import Budget, Candidate, NoValue, fit_rank_model
from l2l.core.ranking import rank
from l2l.core.sweep import Sweep

SIZES = np.array([60e6, 150e6, 400e6])
#: mixtures on one line of 20 tokens per parameter (too few runs for a law); "d" never ran 400M
LOSSES = {"a": [3.50, 3.20, 2.950], "b": [3.40, 3.15, 2.930], "c": [3.45, 3.14, 2.900], "d": [3.3, 3.0]}


def _candidate(name: str, losses: list[float]) -> Candidate:
    n = SIZES[: len(losses)]
    d = 20 * n
    target = Sweep.of(n, d, 6 * n * d, losses)
    return Candidate(name, "own", {"own": Sweep.of(n, d, 6 * n * d, 0.9 * np.array(losses)), "T": target})


def test_a_model_no_law_and_no_repeat_vouches_for_gives_each_method_a_structured_reason() -> None:
    model = fit_rank_model([_candidate(k, v) for k, v in LOSSES.items()], "T", draws=8, seed=0)
    (t,) = rank(model, Budget(N=400e6, D=8e9), method="baseline").targets
    rows = {r.dataset: r for r in t.rows}
    for name in ("a", "b", "c"):  # one run of the model each, no repeats, no law: its noise cannot be said
        assert rows[name].rank is None
        assert rows[name].why_no_value("baseline") is NoValue.UNKNOWN_NOISE
        assert rows[name].why_no_value("recommended") is NoValue.UNKNOWN_NOISE
        assert any("baseline: " in n and "cannot be said" in n for n in rows[name].notes)
    assert rows["d"].why_no_value("baseline") is NoValue.NOT_RUN
    assert any(n.startswith("baseline: no run of N = 4e+08, D = 8e+09") for n in rows["d"].notes)
    # at a budget each is measured at its largest budget: one run there and no law, the same reason; d's runs stop
    # below the others' (its loss not comparable): another reason, none of ``NoValue``'s
    (top,) = rank(model, Budget(C=1e21), method="baseline").targets
    why = {r.dataset: r.why_no_value("baseline") for r in top.rows}
    assert why == {
        "a": NoValue.UNKNOWN_NOISE,
        "b": NoValue.UNKNOWN_NOISE,
        "c": NoValue.UNKNOWN_NOISE,
        "d": None,
    }
