"""A fixed-D sweep (every size trained on one token count) beside one size's ladder of token counts, in a table whose
other dataset is a Chinchilla grid: the law's D term rests on that one size's runs, and the group's backtests (the
grid's) never extrapolated it, so a prediction beyond the sweep's token counts is a lower bound, saying why
(``l2l.core.selection.one_line_term``); at the sweep's own token count the law's N term is sound
(probe h67: 1.5011 for a truth of 1.5009 at 1.3B × 8B; 1.490 [1.472, 1.508] printed as calibrated at 640M × 26B, truth
1.4528)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from l2l.core.calibrate import CalibrationCache
from l2l.core.fit import FitCache
from l2l.core.selection import one_line_term
from l2l.core.sweep import Sweep
from l2l.testing import write_csv

LAWS = {"web": (5.0e7, 7.0e8, 1.85, 0.42, 0.47), "code": (3.0e7, 5.0e8, 0.95, 0.38, 0.42)}
SIZES = (20e6, 40e6, 80e6, 160e6, 320e6, 640e6)
#: code: six sizes at 8B tokens, and 640M also at 2B and 4B (three distinct D: a law is fitted)
CODE = [(n, 8e9) for n in SIZES] + [(640e6, 2e9), (640e6, 4e9)]


def _truth(ds: str, n: float, d: float) -> float:
    a, b, e, al, be = LAWS[ds]
    return e + (a / n) ** al + (b / d) ** be


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from l2l.io.tables import read_runs

    rng = np.random.default_rng(2)
    designs = {"web": [(n, t * n) for n in SIZES for t in (5, 10, 20, 40)], "code": CODE}
    rows = [
        {
            "dataset": ds,
            "N": n,
            "D": d,
            "eval": f"{ds}_val",
            "loss": _truth(ds, n, d) * math.exp(0.005 * rng.normal()),
        }
        for ds, pts in designs.items()
        for n, d in pts
    ]
    path: Path = tmp_path_factory.mktemp("ladder") / "runs.csv"
    write_csv(rows, str(path))
    return read_runs([path])


def test_a_d_term_pinned_by_one_sizes_runs_is_a_lower_bound_beyond_its_token_counts(runs: Any) -> None:
    from l2l.workflows.predict import predict

    kw: dict[str, Any] = {"cache": FitCache(), "calibrations": CalibrationCache()}
    far = {p.dataset: p.interval for p in predict(runs, N=[640e6], D=[26e9], **kw)}
    truth = _truth("code", 640e6, 26e9)  # 1.4528
    assert abs(far["code"].estimate / truth - 1) < 0.05
    assert far["code"].lower_bound_only  # before: printed as calibrated, [1.4783, 1.5236] (truth outside)
    assert far["code"].method.endswith(":not-calibrated")
    said = " ".join(far["code"].notes)
    assert (
        "vary in token count at one model size only (N = 6.4e+08, 3 runs; every other run at D = 8e+09)"
        in said
    )
    assert not far["web"].lower_bound_only  # the grid's own law: untouched
    assert far["web"].lo < _truth("web", 640e6, 26e9) < far["web"].hi
    # at the sweep's own token count the D term is not extrapolated (1.3B beyond code's largest size: a lower bound
    # for that reason alone, its own backtests never having left 640M)
    (near,) = predict(runs, N=[1.3e9], D=[8e9], datasets=["code"], **kw)
    assert not any("one model size only" in note for note in near.interval.notes)
    assert near.interval.lo < _truth("code", 1.3e9, 8e9) < near.interval.hi  # 1.5009


def test_one_line_term_names_only_a_d_ladder_at_one_size_beside_one_token_count() -> None:
    def sweep(pts: list[tuple[float, float]]) -> Sweep:
        n, d = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
        return Sweep(n, d, 6 * n * d, np.full(len(pts), 3.0))

    ladder = sweep(CODE)
    assert one_line_term(ladder, 26e9) is not None
    assert one_line_term(ladder, 1e9) is not None  # below its token counts too
    assert one_line_term(ladder, 8e9) is None  # inside them: interpolated
    assert one_line_term(ladder, 8.5e9) is None  # within the budget tolerance
    grid = sweep([(n, t * n) for n in SIZES for t in (5, 10, 20, 40)])
    assert one_line_term(grid, 1e11) is None  # every size at several D
    isoflop = sweep(
        [(n, c / (6 * n)) for c in (1e18, 1e19) for n in (1e8, 2e8, 4e8) if n != 2e8 or c == 1e19]
    )
    assert one_line_term(isoflop, 1e11) is None  # D varies with N across sizes: not one ladder
