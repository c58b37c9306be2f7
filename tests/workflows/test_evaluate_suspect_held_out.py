"""A held-out run that ends far above a fitting run of its dataset with no more parameters and no more tokens
(diverged, or mislabelled) is named in evaluate's notes: the errors against it are the run's, not the laws'."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import l2l
from l2l.core.fit import FitOptions

SIZES = (2e7, 4e7, 8e7, 1.6e8, 3.2e8)
RATIOS = (10, 20, 40, 80)


def _table(path: Path, diverged: float) -> Path:
    """Two datasets on a grid (Eq. 3 truths, 0.3 % noise), the top budget held out; ``diverged``: the factor on
    alpha's largest held-out run's own loss."""
    rng = np.random.default_rng(3)
    rows = ["dataset,N,D,eval,loss,split,run_id"]
    for ds, e in (("alpha", 1.8), ("beta", 2.0)):
        for n in (*SIZES, 6.4e8):
            for r in RATIOS if n < 6.4e8 else (20,):
                d = r * n
                loss = e + ((4e8 / n) ** (0.3 / 0.3) + 2e9 / d) ** 0.3
                split = "extrapolation" if n == 6.4e8 else "sweep"
                if split == "extrapolation" and ds == "alpha":
                    loss *= diverged
                loss *= 1 + 0.003 * rng.standard_normal()
                rows.append(f"{ds},{n:g},{d:g},{ds}_val,{loss:.5f},{split},{ds}-{n:g}-{r}")
    path.write_text("\n".join(rows) + "\n")
    return path


def _notes(path: Path) -> list[str]:
    ev = l2l.evaluate(l2l.read_runs(path), options=FitOptions(form="chinchilla"), level=None)
    return [n for n in ev.notes if "ends " in n and "above its fitting run" in n]


def test_a_held_out_run_far_above_a_smaller_shorter_run_is_named(tmp_path: Path) -> None:
    (note,) = _notes(_table(tmp_path / "bad.csv", 1.35))
    assert note.startswith("warning: alpha's held-out run alpha-6.4e+08-20 (N = 640M, D = 12.8B) ends ")
    assert (
        "above its fitting run at N = 320M, D = 12.8B on alpha_val, a smaller model trained on as many tokens"
        in note
    )
    assert "diverged or mislabelled?" in note


def test_a_sound_held_out_run_gets_no_such_note(tmp_path: Path) -> None:
    assert _notes(_table(tmp_path / "good.csv", 1.0)) == []
