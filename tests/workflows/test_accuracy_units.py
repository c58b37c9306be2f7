"""Accuracies in another unit: a task whose every run scores below a tenth of a chance level of 10 % or more
(fractions of an evaluation harness's table divided by 100 by ``--accuracy-percent``, which reads the whole table in
percent) is neither fitted nor predicted, with the reason (h27: ARC-Challenge fitted "ok" and predicted at 0.6
points [0.3, 1.2], calibrated, for a truth of 55)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from l2l.io.tables import read_runs
from l2l.workflows.accuracy import fit_accuracy_laws


def _table(tmp_path: Path, scale: float, chance: str = "") -> Path:
    """Two datasets × 12 runs; arc_easy's accuracy (times ``scale``) rises from 0.25 with the task loss."""
    rng = np.random.default_rng(7)
    lines = ["dataset,N,D,eval,metric,value" + (",chance" if chance else "")]
    for ds, e in (("web", 1.9), ("books", 2.0)):
        for N in (20e6, 50e6, 100e6, 200e6, 400e6, 800e6):
            for k in (10, 40):
                D = k * N
                L = e + 400 / N**0.34 + 1100 / D**0.3
                ce = 0.9 * L - 0.6
                acc = 0.25 + 0.6 / (1 + math.exp((ce - 2.6) / 0.3)) + rng.normal(0, 0.008)
                end = f",{chance}" if chance else ""
                lines += [
                    f"{ds},{N:.0f},{D:.0f},{ds}_val,loss,{L:.5f}" + ("," if chance else ""),
                    f"{ds},{N:.0f},{D:.0f},arc_easy,loss,{ce:.5f}" + ("," if chance else ""),
                    f"{ds},{N:.0f},{D:.0f},arc_easy,accuracy,{scale * acc:.7f}{end}",
                ]
    p = tmp_path / f"arc_{scale}_{chance}.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_a_task_every_run_of_which_lies_a_tenth_below_chance_is_not_fitted(tmp_path: Path) -> None:
    (res,) = fit_accuracy_laws(read_runs([_table(tmp_path, 0.01)]), ["arc_easy"])
    assert res.fit is None
    d = res.to_dict()
    assert d["status"] == "failed"
    assert d["reason"].startswith("every accuracy lies below 2.5 % (the largest 0.744 %)"), d["reason"]
    assert "a tenth of the chance level 25 % of a task so named: in another unit" in d["reason"]
    # a chance column's level is checked too, and said so
    (col,) = fit_accuracy_laws(read_runs([_table(tmp_path, 0.01, "0.25")]), ["arc_easy"])
    assert col.fit is None
    assert "of a task: in another unit" in str(col.error)


def test_the_same_task_in_fractions_is_fitted(tmp_path: Path) -> None:
    (res,) = fit_accuracy_laws(read_runs([_table(tmp_path, 1.0)]), ["arc_easy"])
    assert res.fit is not None  # fitted (its status is the law's own business)
    assert res.to_dict()["status"] != "failed"
