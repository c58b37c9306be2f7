"""The profile over E that widens a lower bound of a law whose E ended on its lower bound is kept with the fits
(the workspace's fit cache): a warm command reads it back and refits nothing, with the same answer to the bit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.core.fit import FitCache, profile_over_e
from l2l.core.laws import ScalingLaw
from l2l.testing import write_csv
from l2l.testing.shapes import LADDER_MULTIPLES, LADDER_SIZES

EQ1 = ScalingLaw("chinchilla", A=482.01, B=2085.43, E=1.8172, alpha=0.3478, beta=0.3658)


def _table(path: Path) -> Path:
    """Helper h92's bench table eq1_4_0.012_6: an Eq. 1 truth on the ladder's first 4 sizes, 1.2 % noise, seed 6,
    whose own law ends with E → 0."""
    rng = np.random.default_rng(6)
    rows: list[dict[str, object]] = []
    for n in LADDER_SIZES[:4]:
        for m in LADDER_MULTIPLES:
            d = 20.0 * n * m
            y = float(EQ1.predict(n, d)) * math.exp(0.012 * rng.standard_normal())
            rows.append(
                {"run_id": f"{n / 1e6:.0f}M-{m:g}", "dataset": "web", "N": n, "D": d, "split": "sweep"}
                | {"eval": "web_val", "metric": "loss", "value": y}
            )
    write_csv(rows, str(path))
    return path


def test_a_warm_prediction_reads_the_kept_profile_and_refits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = l2l.read_runs([_table(tmp_path / "eq1.csv")])
    made: list[str] = []

    def counted(fit, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(fit.eval)
        return profile_over_e(fit, *args, **kwargs)

    monkeypatch.setattr("l2l.workflows.lawbook.profile_over_e", counted)
    ask = {"N": [1.5e9, 3.75e9], "D": [6e10, 1.5e11], "split": "sweep"}
    cache = FitCache()
    cold = l2l.predict(runs, cache=cache, **ask)
    assert made == ["web_val"]  # one profile for both targets
    assert any("widened to hold the laws with E held" in n for n in cold[1].interval.notes)
    warm_cache = FitCache.from_records(cache.records())  # as the workspace keeps it
    warm = l2l.predict(runs, cache=warm_cache, **ask)
    assert made == ["web_val"]  # read back, not made again
    for c, w in zip(cold, warm, strict=True):
        assert (w.loss, w.interval.lo, w.interval.hi) == (c.loss, c.interval.lo, c.interval.hi)
        assert w.interval.notes == c.interval.notes
