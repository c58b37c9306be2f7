"""A Kaplan-style pair of one-line sweeps (L(N): 8 sizes at 100B tokens; L(D): a 1B model at 8 token counts) in one
table: the runs measure the law along the two lines only, so a model on neither line (the empty quadrant of small N
and small D) is predicted from how the form combines its N and D terms, which no run checks. Probe h80 (truth Eq. 1,
0.5 % noise): Eq. 3, chosen by the backtests, gave 2.750 [2.705, 2.795] at 300M × 10B, stated as calibrated,
for a truth of 2.874; Eq. 1's fit gave 2.891."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from l2l.core.calibrate import CalibrationCache
from l2l.core.fit import FitCache
from l2l.core.laws import ScalingLaw
from l2l.testing import write_csv

TRUTH = ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28)
SIZES = (20e6, 40e6, 85e6, 170e6, 350e6, 700e6, 1.0e9, 1.5e9)
TOKENS = (1.5e9, 3e9, 6e9, 12e9, 25e9, 50e9, 75e9)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from l2l.io.tables import read_runs

    rng = np.random.default_rng(0)
    pts = [(n, 100e9) for n in SIZES] + [(1.0e9, d) for d in TOKENS]
    rows = [
        {"dataset": "webtext2", "N": n, "D": d, "eval": "webtext2_val", "loss": float(TRUTH.predict(n, d))}
        for n, d in pts
    ]
    for r in rows:
        r["loss"] = float(r["loss"]) * math.exp(0.005 * rng.standard_normal())
    path: Path = tmp_path_factory.mktemp("kaplan") / "runs.csv"
    write_csv(rows, str(path))
    return read_runs([path])


def test_a_model_off_both_lines_of_a_kaplan_pair_is_a_lower_bound_holding_the_other_forms_value(
    runs: Any,
) -> None:
    from l2l.workflows.predict import predict

    kw: dict[str, Any] = {"cache": FitCache(), "calibrations": CalibrationCache()}
    off = predict(runs, N=[300e6], D=[10e9], **kw)[0].interval
    truth = float(TRUTH.predict(300e6, 10e9))
    assert_allclose(truth, 2.8739, atol=1e-4)
    assert off.lower_bound_only
    assert any(
        "the runs lie on two lines, N = 1B and D = 100B, and this model on neither" in n for n in off.notes
    )
    assert any("the interval also holds Eq. 1's (chinchilla)" in n for n in off.notes)
    assert off.lo <= truth <= off.hi  # it was [2.705, 2.795]
    assert_allclose(off.estimate, 2.750, rtol=5e-3)  # the estimate stays the chosen law's
    # on the L(D) line, beyond its tokens: untouched by the cross (its other reasons aside)
    on = predict(runs, N=[1e9], D=[300e9], **kw)[0].interval
    assert not any("lie on two lines" in n for n in on.notes)


def test_an_optimum_off_both_lines_says_the_split_is_the_forms_and_its_interval_holds_the_other_forms(
    runs: Any,
) -> None:
    from l2l.workflows.predict import optimal

    (a,) = optimal(runs, C=[1e21], cache=FitCache(), calibrations=CalibrationCache())
    true_n = float(TRUTH.compute_optimal(1e21)[0][()])
    assert_allclose(true_n, 1.83e9, rtol=5e-3)
    lo, hi = a.optimum.N_interval
    assert lo <= true_n <= hi  # it was [985M, 1.47B] around 1.37B (probe h80)
    assert any(
        "N*, D*: the runs lie on two lines, N = 1B and D = 100B, and this optimum on neither" in n
        for n in a.optimum_notes
    )
