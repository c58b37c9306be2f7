"""evaluate draws only what it prints (issue 21, helper h74): the laws of the independent predictions that no backtest
calibrates get their bootstrap draws at once (``_draw_unbacktested``), but not a law refused at every configuration
it predicts (``predict.refuse_beyond``: ``law_interval`` refuses it before it reads a draw), and the table is the
same to the byte."""

from __future__ import annotations

import json
from typing import Any

import pytest

import l2l.workflows.evaluate as evaluate_module
import l2l.workflows.predict as predict_module
from l2l.core.calibrate import Calibration, CalibrationCache
from l2l.core.fit import FitCache
from l2l.workflows.lawbook import LawBook, with_bootstraps

#: the law refused beyond the sweep in these tests (a poor law's ``LawBook.refusal``)
REFUSED = ("gamma", "downstream/quiz")


def _evaluated(
    runs: Any, monkeypatch: pytest.MonkeyPatch, *, old_rule: bool
) -> tuple[str, list[tuple[str, str]]]:
    """``evaluate``'s whole answer as JSON with REFUSED refused and no law backtested (every held-out law's interval
    its bootstrap's), and the laws whose draws ``_draw_unbacktested`` made at once; ``old_rule``: drawn for every
    such law, refused or not (the code before)."""
    refusal = LawBook.refusal

    def refused(self: LawBook, dataset: str, eval_name: str) -> str | None:
        return (
            "made up for the test" if (dataset, eval_name) == REFUSED else refusal(self, dataset, eval_name)
        )

    monkeypatch.setattr(LawBook, "refusal", refused)
    monkeypatch.setattr(Calibration, "direct_for", lambda _self, _dataset: None)
    if old_rule:
        monkeypatch.setattr(evaluate_module, "_refused", lambda *_args: False, raising=False)
    drawn: list[tuple[str, str]] = []

    def counted(book: LawBook, fits: Any, *args: Any) -> Any:
        drawn.extend((f.dataset, f.eval) for f in fits)
        return with_bootstraps(book, fits, *args)

    monkeypatch.setattr(predict_module, "with_bootstraps", counted)
    ev = evaluate_module.evaluate(runs, cache=FitCache(), calibrations=CalibrationCache(), workers=1)
    monkeypatch.undo()
    return json.dumps(ev.to_dict(), sort_keys=True), drawn


def test_a_law_refused_at_every_held_out_configuration_is_not_drawn_and_the_answer_is_the_same(
    synthetic_runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, drawn = _evaluated(synthetic_runs, monkeypatch, old_rule=False)
    old, drawn_before = _evaluated(synthetic_runs, monkeypatch, old_rule=True)
    # the held-out laws of the three datasets (5 evals each) were all drawn at once before, the refused one too
    assert len(drawn_before) == 15
    assert REFUSED in drawn_before
    assert sorted(drawn) == sorted(d for d in drawn_before if d != REFUSED)
    # every number and word the same, the refused law's row without an interval either way
    assert new == old
    rows = [p for p in json.loads(new)["predictions"] if (p["tgt"], p["eval"]) == tuple(REFUSED)]
    assert rows
    assert all(p["independent_lo"] is None for p in rows)
