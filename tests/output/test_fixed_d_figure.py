"""The fixed-D figure's data: the law's line and interval along N as ``predict`` gives them, the runs as points,
the interval a lower bound past the backtests' reach."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from l2l import read_runs
from l2l.base.runs import Runs
from l2l.core.line_law import FixedLine, fit_fixed_line
from l2l.output.plots import fixed_d_figure, fixed_d_figure_data
from l2l.output.plots.fixed import FIXED_LEVEL, FIXED_REACH

SIZES = (20e6, 40e6, 80e6, 160e6, 320e6, 640e6)


def _runs_and_lines() -> tuple[Runs, dict[tuple[str, str], FixedLine]]:
    rng = np.random.default_rng(3)
    n = np.array(SIZES * 2)
    loss = np.array(
        [(e + (4.8e8 / x + 0.2) ** 0.3) * (1 + rng.normal(0.0, 0.004)) for e in (1.8, 1.2) for x in SIZES]
    )
    frame = pl.DataFrame(
        {
            "dataset": ["web"] * 6 + ["code"] * 6,
            "N": n,
            "D": np.full(12, 1e10),
            "eval": ["web_val"] * 6 + ["code_val"] * 6,
            "loss": loss,
        }
    )
    runs = read_runs(frame)
    lines = {}
    for ds, ev in (("web", "web_val"), ("code", "code_val")):
        mask = frame["dataset"].to_numpy() == ds
        line = fit_fixed_line(n[mask], np.full(6, 1e10), loss[mask])
        assert line is not None
        lines[(ds, ev)] = line
    return runs, lines


def test_the_figure_draws_the_law_and_its_interval_as_predict_gives_them() -> None:
    runs, lines = _runs_and_lines()
    data = fixed_d_figure_data(runs, lines)
    assert data.panels == ["web (D = 10B)", "code (D = 10B)"]
    assert len(data.points) == 12
    line = lines[("web", "web_val")]
    web = data.curve[data.curve["panel"] == data.panels[0]]
    assert math.isclose(float(web["N"].max()), 640e6 * FIXED_REACH, rel_tol=1e-9)
    for _, row in web.iloc[::17].iterrows():
        est, lo, hi, _why = line.interval(float(row["N"]), FIXED_LEVEL)
        assert (row["loss"], row["lo"], row["hi"]) == (est, lo, hi)
        assert row["lo"] <= row["loss"] <= row["hi"]
    # the largest run's size is inside the backtests' reach; the far end is not, and is drawn as a lower bound
    assert bool(web[web["N"] <= 640e6]["calibrated"].all())
    assert not bool(web.iloc[-1]["calibrated"])
    assert bool(web["bound_band"].iloc[-1])
    assert not bool(web["bound_band"].iloc[0])
    fixed_d_figure(runs, lines)
