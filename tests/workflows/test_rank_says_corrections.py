"""rank says what predict says about a correction (issue 17, "one question, one answer"): a law that predict
corrects by its backtests' bias is ranked at the corrected value, and the row says so in predict's words, as the
accuracy chain's steps do; a law predict leaves alone gets no such word.

On ``shapes.val_named`` (seed 0) predict corrects the own losses (``val``) and leaves the task loss
(``hellaswag``) as its law gives it, so one table has both."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from l2l.io.tables import read_runs
from l2l.testing import shapes
from l2l.workflows.predict import moved_off_the_law, predict
from l2l.workflows.rank import rank_runs

N, D = 3.3e9, 1e21 / (6 * 3.3e9)


@pytest.fixture(scope="module")
def runs() -> Any:
    return read_runs(pl.DataFrame(shapes.val_named().rows), own_eval={"all": "val"})


@pytest.fixture(scope="module")
def caches() -> dict[str, Any]:
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache

    return {"cache": FitCache(), "calibrations": CalibrationCache()}


def test_moved_off_the_law_says_a_correction_and_an_anchor_and_nothing_else() -> None:
    assert moved_off_the_law(2.2219, 2.2393, 0.0) == " (law 2.2219, corrected by its backtests)"
    assert moved_off_the_law(2.0, 2.0, 0.0) == ""
    shifted = 2.0 * float(np.exp(0.01))
    assert moved_off_the_law(2.0, shifted, 0.01) == " (law 2.0000, moved onto its own largest runs (× 1.010))"


def test_rank_row_says_predicts_correction_where_predict_corrects(runs: Any, caches: dict[str, Any]) -> None:
    ranking = rank_runs(
        runs, ["val", "hellaswag:loss"], N=N, D=D, split="sweep", method="independent", draws=200, **caches
    )
    pred = predict(
        runs, datasets="all", evals=["val", "hellaswag:loss"], N=[N], D=[D], split="sweep", **caches
    )
    by = {(p.dataset, p.eval): p for p in pred}
    said = 0
    for target in ranking.targets:
        ev = "val" if target.target == "val" else "hellaswag"
        for row in target.rows:
            p = by[(row.dataset, ev)]
            # one answer: the value and interval are predict's
            np.testing.assert_allclose(
                [row.value, row.lo, row.hi], [p.loss, p.interval.lo, p.interval.hi], rtol=1e-9
            )
            words = [n for n in row.notes if "as predict gives it" in n]
            if p.corrected:
                assert words == [
                    f"independent ({ev}): its own law's value corrected by its backtests, as predict gives it"
                ]
                said += 1
            else:
                assert words == []
    # the own losses of all three datasets are corrected here, the task loss of none
    assert said == 3
    assert not any(by[(ds, "hellaswag")].corrected for ds in ("web", "code", "books"))
