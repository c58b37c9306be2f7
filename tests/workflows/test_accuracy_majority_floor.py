"""A yes/no task whose small models answer its majority class (BoolQ: about 0.62) starts there, not at the chance
level 0.5 its name gives: the fitted floor ends at the top of its box and the law bends into nonsense (probe h20:
BoolQ 0.550 + (1.000 − 0.550)·σ(−(x + 3.478)/4.765)). ``fit-accuracy`` says so and names ``--chance``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from l2l.io.tables import read_runs
from l2l.workflows.accuracy import fit_accuracy_laws, majority_floor_note


def _table(tmp_path: Path, start: float) -> Path:
    """Two datasets × 12 runs: own loss L, task CE 0.9·L − 0.6, accuracy start + (0.85 − start)·σ(−(CE − 2.6)/0.3)
    with 0.8 points of noise."""
    rng = np.random.default_rng(4)
    lines = ["dataset,N,D,eval,metric,value"]
    for ds, e in (("web", 1.9), ("books", 2.0)):
        for N in (20e6, 50e6, 100e6, 200e6, 400e6, 800e6):
            for k in (10, 40):
                D = k * N
                L = e + 400 / N**0.34 + 1100 / D**0.3
                ce = 0.9 * L - 0.6
                acc = start + (0.85 - start) / (1 + math.exp((ce - 2.6) / 0.3)) + rng.normal(0, 0.008)
                lines += [
                    f"{ds},{N:.0f},{D:.0f},{ds}_val,loss,{L:.5f}",
                    f"{ds},{N:.0f},{D:.0f},boolq,loss,{ce:.5f}",
                    f"{ds},{N:.0f},{D:.0f},boolq,accuracy,{acc:.5f}",
                ]
    p = tmp_path / f"boolq_{start}.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_a_floor_at_the_top_of_its_box_above_chance_names_the_level_to_give(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path, 0.62)])
    (res,) = fit_accuracy_laws(runs, ["boolq"])
    assert res.chance == 0.5
    assert res.chance_source == "known task"
    note = majority_floor_note(res)
    assert note.startswith("the fitted floor ends at the top of its box (0.55, chance 0.50 as a known task)")
    assert "(--chance boolq=0.6" in note
    assert note in res.to_dict()["warnings"]


def test_no_note_where_the_level_is_given_or_the_runs_start_at_chance(tmp_path: Path) -> None:
    runs = read_runs([_table(tmp_path, 0.62)])
    (given,) = fit_accuracy_laws(runs, ["boolq"], chance={"boolq": 0.62})
    assert given.chance_source == "given"
    assert majority_floor_note(given) == ""
    (at_chance,) = fit_accuracy_laws(read_runs([_table(tmp_path, 0.5)]), ["boolq"])
    assert at_chance.chance == 0.5
    assert majority_floor_note(at_chance) == ""
